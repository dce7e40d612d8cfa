// ggml-quants.c's IQ1_S and IQ1_M, one super-block of 256 at a time, ported operation for
// operation in float32 (same expressions, same order, no fused multiply-adds):
// - `iq2xs_init_impl` as it runs for IQ1_S/IQ1_M: the 2048-point grid, the map from a group of
//   eight ternary codes to its grid point, and each off-grid group's neighbours (the points at its
//   three smallest distances, in ggml's order), built once (pthread_once);
// - `quantize_row_iq1_s_impl` and `quantize_row_iq1_m_impl` (with `iq1_find_best_neighbour2` and
//   the `qsort` by `iq1_sort_helper`), writing a block laid out as ggml's `block_iq1_s` /
//   `block_iq1_m`;
// - `dequantize_row_iq1_s` and `dequantize_row_iq1_m` on that block, for the values and codes.
// The grid is ggml-common.h's `iq1s_grid` (`tk_iq1s_grid`, ggml_grids.h): byte k of entry g is
// the k-th value in {−1, 0, 1}; ggml's init rebuilds it from `kgrid_1bit_2048` as 2·(value + 1) + 1.
// Where ggml asserts (its sums overflow for |x| around 1e19 and beyond: a NaN scale, or no neighbour
// with a finite error), this carries on instead; ggml gives no result there to match.
#include <float.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "ggml_grids.h"
#include "ggml_search.h"

#define QK_K 256
#define NGRID_IQ1S 2048
#define IQ1S_DELTA 0.125f
#define IQ1M_DELTA 0.125f
#define GROUP_MAX_EPS_IQ1_M 1e-7f
#define GROUP_MAX_EPS_IQ1_S 1e-12f
#define IQ1S_BLOCK_SIZE 32
#define IQ1M_BLOCK_SIZE 16
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/// ggml's map size: a group of eight codes indexed by 2 bits each, the largest (2, …, 2) = 43690.
enum { kmap_size = 43692 };

/// The init's products, read-only once built.
static struct {
  /// The grid points' codes, value + 1 ∈ {0, 1, 2} (ggml's `(pg[i] - 1)/2` on its rebuilt grid).
  uint8_t codes[NGRID_IQ1S][8];
  /// ggml's `kmap_q2xs`: the grid index of a group's codes, or −(1 + the offset of its neighbour
  /// list in `neighbours`). Groups with a code 3 (never made here) stay −1.
  int32_t map[kmap_size];
  /// ggml's `kneighbors_q2xs`: per off-grid group, the count then the grid indices.
  uint16_t *neighbours;
} iq1_data;

static pthread_once_t iq1_once = PTHREAD_ONCE_INIT;

/// `iq2xs_init_impl` for IQ1_S/IQ1_M (nwant = 3). ggml sorts each group's (distance², index) pairs
/// and keeps the points at the three smallest distances; listing the points distance by distance,
/// each in index order, gives the same lists in the same order (its distances are 4× these).
static void iq1_init(void) {
  for (int i = 0; i < kmap_size; ++i) iq1_data.map[i] = -1;
  for (int g = 0; g < NGRID_IQ1S; ++g) {
    uint16_t index = 0;
    for (int k = 0; k < 8; ++k) {
      const int code = (int8_t)(uint8_t)(tk_iq1s_grid[g] >> 8 * k) + 1;
      iq1_data.codes[g][k] = (uint8_t)code;
      index |= (uint16_t)(code << 2 * k);
    }
    iq1_data.map[index] = g;
  }
  size_t capacity = (size_t)1 << 18, used = 0;
  uint16_t *list = malloc(capacity * sizeof *list);
  if (!list) abort();
  uint8_t dist[NGRID_IQ1S];
  for (int u = 0; u < kmap_size; ++u) {
    if (iq1_data.map[u] >= 0) continue;
    int pos[8];
    bool ternary = true;
    for (int k = 0; k < 8; ++k) {
      pos[k] = (u >> 2 * k) & 3;
      ternary = ternary && pos[k] < 3;
    }
    // ggml also lists neighbours for groups with a code 3, which its quantizers never look up.
    if (!ternary) continue;
    int count[33] = {0};
    for (int j = 0; j < NGRID_IQ1S; ++j) {
      int d2 = 0;
      for (int k = 0; k < 8; ++k) d2 += (iq1_data.codes[j][k] - pos[k]) * (iq1_data.codes[j][k] - pos[k]);
      dist[j] = (uint8_t)d2;
      count[d2]++;
    }
    int shells[3], nshells = 0, n = 0;
    for (int d2 = 0; d2 <= 32 && nshells < 3; ++d2) {
      if (!count[d2]) continue;
      shells[nshells++] = d2;
      n += count[d2];
    }
    if (used + 1 + (size_t)n > capacity) {
      while (used + 1 + (size_t)n > capacity) capacity *= 2;
      list = realloc(list, capacity * sizeof *list);
      if (!list) abort();
    }
    iq1_data.map[u] = -(int32_t)(used + 1);
    list[used++] = (uint16_t)n;
    for (int s = 0; s < nshells; ++s) {
      for (int j = 0; j < NGRID_IQ1S; ++j) {
        if (dist[j] == shells[s]) list[used++] = (uint16_t)j;
      }
    }
  }
  uint16_t *fitted = realloc(list, used * sizeof *list);
  iq1_data.neighbours = fitted ? fitted : list;
}

/// `iq1_find_best_neighbour2`: among an off-grid group's neighbours, the grid point of least
/// weighted squared error at `scale` (`xg`: the three shifted values), its codes into `L`.
static int iq1_find_best_neighbour2(
  const uint16_t *neighbours, const float *xval, const float *weight, float scale, const float *xg, int8_t *L) {
  int num_neighbors = neighbours[0];
  float best_score = FLT_MAX;
  int grid_index = -1;
  for (int j = 1; j <= num_neighbors; ++j) {
    const uint8_t *pg = iq1_data.codes[neighbours[j]];
    float d2 = 0;
    for (int i = 0; i < 8; ++i) {
      float q = xg[pg[i]];
      float w = weight[i];
      float diff = scale * q - xval[i];
      d2 += w * diff * diff;
    }
    if (d2 < best_score) {
      best_score = d2;
      grid_index = neighbours[j];
    }
  }
  if (grid_index < 0) {
    // Reached only when no neighbour's error is below FLT_MAX (overflow, NaN). ggml then scans the
    // whole grid reading xval[i] (past its 8 values, a bug) and asserts if nothing is found; this
    // scans with xval[j], as meant, and falls back to the first neighbour.
    for (int i = 0; i < NGRID_IQ1S; ++i) {
      const uint8_t *grid_i = iq1_data.codes[i];
      float d2 = 0;
      for (int j = 0; j < 8; ++j) {
        float w = weight[j];
        float q = xg[grid_i[j]];
        float diff = scale * q - xval[j];
        d2 += w * diff * diff;
      }
      if (d2 < best_score) {
        best_score = d2;
        grid_index = i;
      }
    }
    if (grid_index < 0) grid_index = neighbours[1];
  }
  const uint8_t *pg = iq1_data.codes[grid_index];
  for (int i = 0; i < 8; ++i) L[i] = (int8_t)pg[i];
  return grid_index;
}

/// The order in which ggml's `qsort(pairs, n, 2*sizeof(float), iq1_sort_helper)` leaves the
/// elements: ascending, equal values (0 and −0 included) in their original order. glibc's qsort is
/// a stable merge sort for arrays this small, and a stable sort's result is unique; ties do change
/// ggml's result (the prefix sums' order, which tied element falls on which side of a split).
static void iq1_sorted_order(const float *xb, int n, int *order) {
  for (int j = 0; j < n; ++j) {
    const float value = xb[j];
    int k = j;
    while (k > 0 && xb[order[k - 1]] > value) {
      order[k] = order[k - 1];
      --k;
    }
    order[k] = j;
  }
}

/// ggml's `block_iq1_s` (d as FP16 bits).
typedef struct {
  uint16_t d;
  uint8_t qs[QK_K / 8];
  uint16_t qh[QK_K / 32];
} iq1s_block;

/// ggml's `block_iq1_m`, its `scales` bytes as the four uint16 both ggml functions read them as.
typedef struct {
  uint8_t qs[QK_K / 8];
  uint8_t qh[QK_K / 16];
  uint16_t sc[QK_K / 64];
} iq1m_block;

/// The FP16 bits of `f` rounded to nearest even, as ggml's `ggml_compute_fp32_to_fp16` gives them for
/// every finite float (IQ1_M keeps the bits themselves, not just the value).
static uint16_t fp32_to_fp16_bits(float f) {
  const _Float16 half = (_Float16)f;
  uint16_t bits;
  memcpy(&bits, &half, 2);
  return bits;
}

/// `quantize_row_iq1_s_impl` on one super-block, with `quantize_iq1_s`'s scratch sizes (sub-blocks
/// of 32); the pairs array and its index view become `order`.
static void quantize_iq1_s_super_block(const float *x, const float *quant_weights, iq1s_block *y) {
  const uint16_t *kneighbors_q2xs = iq1_data.neighbours;
  const int32_t *kmap_q2xs = iq1_data.map;
  const int block_size = IQ1S_BLOCK_SIZE;
  float scales[QK_K / IQ1S_BLOCK_SIZE];
  float weight[IQ1S_BLOCK_SIZE];
  int8_t L[IQ1S_BLOCK_SIZE];
  float sumx[IQ1S_BLOCK_SIZE + 1];
  float sumw[IQ1S_BLOCK_SIZE + 1];
  int order[IQ1S_BLOCK_SIZE];
  uint16_t index[IQ1S_BLOCK_SIZE / 8];
  int8_t shifts[QK_K / IQ1S_BLOCK_SIZE];

  const float x_p[3] = {-1 + IQ1S_DELTA, IQ1S_DELTA, 1 + IQ1S_DELTA};
  const float x_m[3] = {-1 - IQ1S_DELTA, -IQ1S_DELTA, 1 - IQ1S_DELTA};

  y->d = fp32_to_fp16_bits(0.f);
  memset(y->qs, 0, sizeof y->qs);
  memset(y->qh, 0, sizeof y->qh);

  float max_scale = 0;

  const float *xbl = x;
  const float sumx2 = sum_of_squares(xbl, QK_K);
  float sigma2 = 2 * sumx2 / QK_K;

  for (int ib = 0; ib < QK_K / block_size; ++ib) {
    const float *xb = xbl + block_size * ib;
    const float *qw = quant_weights + block_size * ib;
    for (int i = 0; i < block_size; ++i) weight[i] = qw[i] * sqrtf(sigma2 + xb[i] * xb[i]);
    float max = fabsf(xb[0]);
    for (int i = 1; i < block_size; ++i) max = MAX(max, fabsf(xb[i]));
    if (max < GROUP_MAX_EPS_IQ1_S) {
      scales[ib] = 0;
      shifts[ib] = 1;
      continue;
    }
    // Every split of the sorted values into codes 0 | 1 | 2, both shifts, by prefix sums.
    iq1_sorted_order(xb, block_size, order);
    sumx[0] = sumw[0] = 0;
    for (int j = 0; j < block_size; ++j) {
      int i = order[j];
      sumx[j + 1] = sumx[j] + weight[i] * xb[i];
      sumw[j + 1] = sumw[j] + weight[i];
    }
    float best_score = -FLT_MAX, scale = max;
    int besti1 = -1, besti2 = -1, best_shift = 0;
    for (int i1 = 0; i1 <= block_size; ++i1) {
      for (int i2 = i1; i2 <= block_size; ++i2) {
        float sumqx = (sumx[i1] - sumx[0]) * x_p[0] + (sumx[i2] - sumx[i1]) * x_p[1] +
                      (sumx[block_size] - sumx[i2]) * x_p[2];
        float sumq2 = (sumw[i1] - sumw[0]) * x_p[0] * x_p[0] + (sumw[i2] - sumw[i1]) * x_p[1] * x_p[1] +
                      (sumw[block_size] - sumw[i2]) * x_p[2] * x_p[2];
        if (sumq2 > 0 && sumqx * sumqx > best_score * sumq2) {
          scale = sumqx / sumq2;
          best_score = scale * sumqx;
          besti1 = i1;
          besti2 = i2;
          best_shift = 1;
        }
        sumqx = (sumx[i1] - sumx[0]) * x_m[0] + (sumx[i2] - sumx[i1]) * x_m[1] +
                (sumx[block_size] - sumx[i2]) * x_m[2];
        sumq2 = (sumw[i1] - sumw[0]) * x_m[0] * x_m[0] + (sumw[i2] - sumw[i1]) * x_m[1] * x_m[1] +
                (sumw[block_size] - sumw[i2]) * x_m[2] * x_m[2];
        if (sumq2 > 0 && sumqx * sumqx > best_score * sumq2) {
          scale = sumqx / sumq2;
          best_score = scale * sumqx;
          besti1 = i1;
          besti2 = i2;
          best_shift = -1;
        }
      }
    }
    if (besti1 < 0 || besti2 < 0 || best_shift == 0) {
      scales[ib] = 0;
      shifts[ib] = 1;
      continue;
    }
    for (int j = 0; j < besti1; ++j) L[order[j]] = 0;
    for (int j = besti1; j < besti2; ++j) L[order[j]] = 1;
    for (int j = besti2; j < block_size; ++j) L[order[j]] = 2;
    if (scale < 0) {
      for (int j = 0; j < block_size; ++j) L[j] = (int8_t)(2 - L[j]);
      scale = -scale;
      best_shift = -best_shift;
    }
    bool all_on_grid = true;
    const float *xx = best_shift == 1 ? x_p : x_m;
    for (int k = 0; k < block_size / 8; ++k) {
      uint16_t u = 0;
      for (int j = 0; j < 8; ++j) u |= (uint16_t)(L[8 * k + j] << 2 * j);
      int grid_index = kmap_q2xs[u];
      if (grid_index < 0) {
        all_on_grid = false;
        const uint16_t *neighbours = kneighbors_q2xs - kmap_q2xs[u] - 1;
        grid_index = iq1_find_best_neighbour2(neighbours, xb + 8 * k, weight + 8 * k, scale, xx, L + 8 * k);
      }
      index[k] = (uint16_t)grid_index;
    }
    if (!all_on_grid) {
      float sumqx = 0, sumq2 = 0;
      for (int k = 0; k < block_size / 8; ++k) {
        const uint8_t *pg = iq1_data.codes[index[k]];
        for (int j = 0; j < 8; ++j) {
          float w = weight[8 * k + j];
          float q = xx[pg[j]];
          sumqx += w * q * xb[8 * k + j];
          sumq2 += w * q * q;
        }
      }
      if (sumqx > 0 && sumq2 > 0) scale = sumqx / sumq2;
    }
    uint16_t h = 0;
    for (int k = 0; k < block_size / 8; ++k) {
      y->qs[(block_size / 8) * ib + k] = (uint8_t)(index[k] & 255);
      h |= (uint16_t)((index[k] >> 8) << 3 * k);
    }
    y->qh[ib] = h;
    scales[ib] = scale;
    shifts[ib] = (int8_t)best_shift;
    max_scale = MAX(max_scale, scale);
  }

  if (!max_scale) return;

  float d = max_scale / 15;
  y->d = fp32_to_fp16_bits(d * 1.125f);  // ggml's fudge factor
  float id = 1 / d;
  for (int ib = 0; ib < QK_K / block_size; ++ib) {
    int l = nearest_int(0.5f * (id * scales[ib] - 1));
    l = MAX(0, MIN(7, l));
    if (shifts[ib] == -1) l |= 8;
    y->qh[ib] |= (uint16_t)(l << 12);
  }
}

/// `quantize_row_iq1_m_impl` on one super-block, with `quantize_iq1_m`'s scratch sizes (sub-blocks
/// of 16, each half with its own shift); without `quant_weights` the weights are x².
static void quantize_iq1_m_super_block(const float *x, const float *quant_weights, iq1m_block *y) {
  const uint16_t *kneighbors_q2xs = iq1_data.neighbours;
  const int32_t *kmap_q2xs = iq1_data.map;
  const int block_size = IQ1M_BLOCK_SIZE;
  float scales[QK_K / IQ1M_BLOCK_SIZE];
  float weight[IQ1M_BLOCK_SIZE];
  int8_t L[IQ1M_BLOCK_SIZE];
  int order[IQ1M_BLOCK_SIZE];
  uint16_t index[IQ1M_BLOCK_SIZE / 8];
  int8_t shifts[QK_K / IQ1M_BLOCK_SIZE];

  const float x_p[3] = {-1 + IQ1M_DELTA, IQ1M_DELTA, 1 + IQ1M_DELTA};
  const float x_m[3] = {-1 - IQ1M_DELTA, -IQ1M_DELTA, 1 - IQ1M_DELTA};
  const uint8_t masks[4] = {0x00, 0x80, 0x08, 0x88};

  float sumqx[4], sumq2[4];
  const float *xx;

  memset(y->qs, 0, sizeof y->qs);
  memset(y->qh, 0, sizeof y->qh);
  memset(y->sc, 0, sizeof y->sc);

  float max_scale = 0;

  const float *xbl = x;
  const float sumx2 = sum_of_squares(xbl, QK_K);
  float sigma2 = 2 * sumx2 / QK_K;

  for (int ib = 0; ib < QK_K / block_size; ++ib) {
    const float *xb = xbl + block_size * ib;
    if (quant_weights) {
      const float *qw = quant_weights + block_size * ib;
      for (int i = 0; i < block_size; ++i) weight[i] = qw[i] * sqrtf(sigma2 + xb[i] * xb[i]);
    } else {
      for (int i = 0; i < block_size; ++i) weight[i] = xb[i] * xb[i];
    }
    float max = fabsf(xb[0]);
    for (int i = 1; i < block_size; ++i) max = MAX(max, fabsf(xb[i]));
    if (max < GROUP_MAX_EPS_IQ1_M) {
      scales[ib] = 0;
      shifts[ib] = 0;
      continue;
    }
    iq1_sorted_order(xb, block_size, order);
    float best_score = -FLT_MAX, scale = max;
    int besti1 = -1, besti2 = -1, best_k = -1;
    // best_k: the shifts of the two halves, 0: +, +  1: +, −  2: −, +  3: −, −. Prefix sums per
    // half; as v[0] − v[1] = v[1] − v[2] = −1, a split's sum collapses to T·v[2] − px[i1] − px[i2].
    {
      float px[2][IQ1M_BLOCK_SIZE + 1];
      float pw[2][IQ1M_BLOCK_SIZE + 1];
      px[0][0] = px[1][0] = 0;
      pw[0][0] = pw[1][0] = 0;
      for (int j = 0; j < block_size; ++j) {
        const int i = order[j];
        const int h = i < block_size / 2 ? 0 : 1;
        px[h][j + 1] = px[h][j] + weight[i] * xb[i];
        px[1 - h][j + 1] = px[1 - h][j];
        pw[h][j + 1] = pw[h][j] + weight[i];
        pw[1 - h][j + 1] = pw[1 - h][j];
      }
      const float txs[2] = {px[0][block_size], px[1][block_size]};
      const float tws[2] = {pw[0][block_size], pw[1][block_size]};
      const float p2 = x_p[2], m2 = x_m[2];
      const float cp1 = x_p[0] * x_p[0] - x_p[1] * x_p[1];
      const float cp2 = x_p[1] * x_p[1] - x_p[2] * x_p[2];
      const float cm1 = x_m[0] * x_m[0] - x_m[1] * x_m[1];
      const float cm2 = x_m[1] * x_m[1] - x_m[2] * x_m[2];
      for (int i1 = 0; i1 <= block_size; ++i1) {
        for (int i2 = i1; i2 <= block_size; ++i2) {
          float qx_p[2], qx_m[2], q2_p[2], q2_m[2];
          for (int h = 0; h < 2; ++h) {
            const float sx = px[h][i1] + px[h][i2];
            qx_p[h] = txs[h] * p2 - sx;
            qx_m[h] = txs[h] * m2 - sx;
            q2_p[h] = tws[h] * p2 * p2 + pw[h][i1] * cp1 + pw[h][i2] * cp2;
            q2_m[h] = tws[h] * m2 * m2 + pw[h][i1] * cm1 + pw[h][i2] * cm2;
          }
          sumqx[0] = qx_p[0] + qx_p[1];
          sumqx[1] = qx_p[0] + qx_m[1];
          sumqx[2] = qx_m[0] + qx_p[1];
          sumqx[3] = qx_m[0] + qx_m[1];
          sumq2[0] = q2_p[0] + q2_p[1];
          sumq2[1] = q2_p[0] + q2_m[1];
          sumq2[2] = q2_m[0] + q2_p[1];
          sumq2[3] = q2_m[0] + q2_m[1];
          for (int k = 0; k < 4; ++k) {
            if (sumq2[k] > 0 && sumqx[k] * sumqx[k] > best_score * sumq2[k]) {
              scale = sumqx[k] / sumq2[k];
              best_score = scale * sumqx[k];
              besti1 = i1;
              besti2 = i2;
              best_k = k;
            }
          }
        }
      }
    }
    if (besti1 < 0 || besti2 < 0 || best_k < 0) {
      scales[ib] = 0;
      shifts[ib] = 0;
      continue;
    }
    for (int j = 0; j < besti1; ++j) L[order[j]] = 0;
    for (int j = besti1; j < besti2; ++j) L[order[j]] = 1;
    for (int j = besti2; j < block_size; ++j) L[order[j]] = 2;
    if (scale < 0) {
      for (int j = 0; j < block_size; ++j) L[j] = (int8_t)(2 - L[j]);
      scale = -scale;
      best_k = best_k == 0 ? 3 : best_k == 1 ? 2 : best_k == 2 ? 1 : 0;
    }
    bool all_on_grid = true;
    for (int k = 0; k < block_size / 8; ++k) {
      if (k == 0) xx = best_k < 2 ? x_p : x_m;
      else xx = best_k % 2 == 0 ? x_p : x_m;
      uint16_t u = 0;
      for (int j = 0; j < 8; ++j) u |= (uint16_t)(L[8 * k + j] << 2 * j);
      int grid_index = kmap_q2xs[u];
      if (grid_index < 0) {
        all_on_grid = false;
        const uint16_t *neighbours = kneighbors_q2xs - kmap_q2xs[u] - 1;
        grid_index = iq1_find_best_neighbour2(neighbours, xb + 8 * k, weight + 8 * k, scale, xx, L + 8 * k);
      }
      index[k] = (uint16_t)grid_index;
    }
    if (!all_on_grid) {
      float sumqx_f = 0, sumq2_f = 0;
      for (int k = 0; k < block_size / 8; ++k) {
        if (k == 0) xx = best_k < 2 ? x_p : x_m;
        else xx = best_k % 2 == 0 ? x_p : x_m;
        const uint8_t *pg = iq1_data.codes[index[k]];
        for (int j = 0; j < 8; ++j) {
          float w = weight[8 * k + j];
          float q = xx[pg[j]];
          sumqx_f += w * q * xb[8 * k + j];
          sumq2_f += w * q * q;
        }
      }
      if (sumqx_f > 0 && sumq2_f > 0) scale = sumqx_f / sumq2_f;
    }
    y->qs[2 * ib + 0] = (uint8_t)(index[0] & 255);
    y->qs[2 * ib + 1] = (uint8_t)(index[1] & 255);
    y->qh[ib] = (uint8_t)((index[0] >> 8) | ((index[1] >> 8) << 4));
    scales[ib] = scale;
    shifts[ib] = (int8_t)best_k;
    max_scale = MAX(max_scale, scale);
  }

  if (!max_scale) return;

  // The sub-block scales, then the super-block scale refit to the stored codes and scales.
  uint16_t *sc = y->sc;
  float d = max_scale / 15;
  float id = 1 / d;
  float sumqx_f = 0, sumq2_f = 0;
  for (int ib = 0; ib < QK_K / block_size; ++ib) {
    int l = nearest_int(0.5f * (id * scales[ib + 0] - 1));
    l = MAX(0, MIN(7, l));
    sc[ib / 4] |= (uint16_t)(l << 3 * (ib % 4));
    y->qh[ib] |= masks[shifts[ib]];
    const float *xb = xbl + block_size * ib;
    if (quant_weights) {
      const float *qw = quant_weights + block_size * ib;
      for (int i = 0; i < block_size; ++i) weight[i] = qw[i] * sqrtf(sigma2 + xb[i] * xb[i]);
    } else {
      for (int i = 0; i < block_size; ++i) weight[i] = xb[i] * xb[i];
    }
    for (int k = 0; k < block_size / 8; ++k) {
      if (k == 0) xx = shifts[ib] < 2 ? x_p : x_m;
      else xx = shifts[ib] % 2 == 0 ? x_p : x_m;
      const uint8_t *pg = iq1_data.codes[y->qs[2 * ib + k] + ((y->qh[ib] << (8 - 4 * k)) & 0x700)];
      for (int j = 0; j < 8; ++j) {
        float w = weight[8 * k + j];
        float q = xx[pg[j]] * (2 * l + 1);
        sumqx_f += w * q * xb[8 * k + j];
        sumq2_f += w * q * q;
      }
    }
  }
  if (sumq2_f > 0) d = sumqx_f / sumq2_f;
  const uint16_t s = fp32_to_fp16_bits(d * 1.1125f);  // ggml's fudge factor
  // No FP16 field: the super-block scale's four nibbles go to the top of the four scale words.
  sc[0] |= (uint16_t)((s & 0x000f) << 12);
  sc[1] |= (uint16_t)((s & 0x00f0) << 8);
  sc[2] |= (uint16_t)((s & 0x0f00) << 4);
  sc[3] |= (uint16_t)((s & 0xf000) << 0);
}

/// `dequantize_row_iq1_s` on one block; each element's code is its grid value + 1.
static void dequantize_iq1_s(const iq1s_block *x, float *y, int32_t *slot) {
  const float d = tk_f16_to_f32(x->d);
  const uint8_t *qs = x->qs;
  const uint16_t *qh = x->qh;
  for (int ib = 0; ib < QK_K / 32; ++ib) {
    const float dl = d * (2 * ((qh[ib] >> 12) & 7) + 1);
    const float delta = qh[ib] & 0x8000 ? -IQ1S_DELTA : IQ1S_DELTA;
    for (int l = 0; l < 4; ++l) {
      const uint64_t grid = tk_iq1s_grid[qs[l] | (((qh[ib] >> 3 * l) & 7) << 8)];
      for (int j = 0; j < 8; ++j) {
        const int8_t value = (int8_t)(uint8_t)(grid >> 8 * j);
        y[j] = dl * (value + delta);
        slot[j] = value + 1;
      }
      y += 8;
      slot += 8;
    }
    qs += 4;
  }
}

/// `dequantize_row_iq1_m` on one block; each element's code is its grid value + 1.
static void dequantize_iq1_m(const iq1m_block *x, float *y, int32_t *slot) {
  const uint16_t *sc = x->sc;
  const uint16_t scale =
    (uint16_t)((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000));
  const float d = tk_f16_to_f32(scale);
  const uint8_t *qs = x->qs;
  const uint8_t *qh = x->qh;
  float delta[4];
  uint16_t idx[4];
  for (int ib = 0; ib < QK_K / 32; ++ib) {
    const float dl1 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2) + 0)) & 0x7) + 1);
    const float dl2 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1);
    idx[0] = (uint16_t)(qs[0] | ((qh[0] << 8) & 0x700));
    idx[1] = (uint16_t)(qs[1] | ((qh[0] << 4) & 0x700));
    idx[2] = (uint16_t)(qs[2] | ((qh[1] << 8) & 0x700));
    idx[3] = (uint16_t)(qs[3] | ((qh[1] << 4) & 0x700));
    delta[0] = qh[0] & 0x08 ? -IQ1S_DELTA : IQ1S_DELTA;
    delta[1] = qh[0] & 0x80 ? -IQ1S_DELTA : IQ1S_DELTA;
    delta[2] = qh[1] & 0x08 ? -IQ1S_DELTA : IQ1S_DELTA;
    delta[3] = qh[1] & 0x80 ? -IQ1S_DELTA : IQ1S_DELTA;
    for (int l = 0; l < 4; ++l) {
      const float dl = l < 2 ? dl1 : dl2;
      const uint64_t grid = tk_iq1s_grid[idx[l]];
      for (int j = 0; j < 8; ++j) {
        const int8_t value = (int8_t)(uint8_t)(grid >> 8 * j);
        y[j] = dl * (value + delta[l]);
        slot[j] = value + 1;
      }
      y += 8;
      slot += 8;
    }
    qs += 4;
    qh += 2;
  }
}

void tk_iq1_super_block(int32_t type, const float *x, const float *importance, float *rounded, int32_t *slot) {
  pthread_once(&iq1_once, iq1_init);
  if (type == TK_GGML_IQ1_S) {
    if (!importance) abort();  // ggml asserts IQ1_S's weights
    iq1s_block block;
    quantize_iq1_s_super_block(x, importance, &block);
    dequantize_iq1_s(&block, rounded, slot);
  } else if (type == TK_GGML_IQ1_M) {
    iq1m_block block;
    quantize_iq1_m_super_block(x, importance, &block);
    dequantize_iq1_m(&block, rounded, slot);
  } else {
    abort();
  }
}
