// ggml-quants.c's 3-bit D4-lattice types, operation for operation in float32, one super-block of 256
// at a time:
// - IQ3_XXS: `quantize_row_iq3_xxs_impl(256, …)` (as `quantize_iq3_xxs` calls it) and
//   `dequantize_row_iq3_xxs`;
// - IQ3_S: `quantize_row_iq3_s_impl(IQ3S_BLOCK_SIZE = 32, …)` (as `quantize_iq3_s` calls it) and
//   `dequantize_row_iq3_s`;
// - their shared `iq3_find_best_neighbour` (ggml_search.h's `lattice_best_neighbour`), and
//   `iq3xs_init_impl` (grid sizes 256 and 512) for the lattice maps and neighbour lists, built once
//   per grid under `pthread_once`.
// The quantizers search on ggml's internal grid of odd levels 1, 3, …, 15; it is derived here from
// the dequantizers' grids in ggml_grids.h (`tk_iq3xxs_grid`: bytes 4, 12, …, 52, 62; `tk_iq3s_grid`:
// bytes 1, 3, …, 15), which list the same points in the same order as ggml's `kgrid_256` and
// `kgrid_512`. Each super-block is packed into a local copy of ggml's block and dequantized from it,
// so the values (and the codes) are exactly what llama.cpp's files hold. Without importance both
// weigh each element by x², as ggml does.
#include <float.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "ggml_grids.h"
#include "ggml_search.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

#define GROUP_MAX_EPS_IQ3_XXS 1e-8f

/// Points of the 8⁴ cube of levels: the map's domain.
enum { kmap_size = 4096 };

/// The dequantizers' grid bytes for levels 0…7 (level l is ggml's internal value 2l + 1).
static const uint8_t iq3xxs_bytes[8] = {4, 12, 20, 28, 36, 44, 52, 62};
static const uint8_t iq3s_bytes[8] = {1, 3, 5, 7, 9, 11, 13, 15};

/// ggml's `iq3_entry_t` for one grid: the grid points (internal values, byte i of ggml's uint32 is
/// element i), the map from a point's levels (3 bits each) to its grid index or, off the grid, to
/// −(offset + 1) of its neighbour list (`{count, index…}`) in `neighbours`.
typedef struct {
  int8_t grid[512][4];
  int map[kmap_size];
  uint16_t *neighbours;
} iq3_entry;

static iq3_entry iq3_data[2];
static pthread_once_t iq3_once[2] = {PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT};

/// Level of grid byte `value` in `bytes`, or −1.
static int grid_level(const uint8_t bytes[8], uint32_t value) {
  for (int l = 0; l < 8; ++l) {
    if (bytes[l] == value) return l;
  }
  return -1;
}

/// Squared distances from the cube point `u` to every grid point.
static void cube_distances(const iq3_entry *entry, int grid_size, int u, int *dist2) {
  int8_t pos[4];
  for (int k = 0; k < 4; ++k) pos[k] = (int8_t)(2 * ((u >> 3 * k) & 0x7) + 1);
  for (int j = 0; j < grid_size; ++j) {
    int d2 = 0;
    for (int k = 0; k < 4; ++k) d2 += (entry->grid[j][k] - pos[k]) * (entry->grid[j][k] - pos[k]);
    dist2[j] = d2;
  }
}

/// The grid points at the `nwant` smallest distinct distances from an off-grid point, in ggml's
/// order (its qsort by distance, then index) into `out` (NULL: count only). Returns their count.
static int nearest_shells(const int *dist2, int grid_size, int nwant, uint16_t *out) {
  int n = 0;
  int shell = -1;
  for (int have = 0; have < nwant; ++have) {
    int next = -1;
    for (int j = 0; j < grid_size; ++j) {
      if (dist2[j] > shell && (next < 0 || dist2[j] < next)) next = dist2[j];
    }
    if (next < 0) break;
    shell = next;
    for (int j = 0; j < grid_size; ++j) {
      if (dist2[j] != shell) continue;
      if (out) out[n] = (uint16_t)j;
      ++n;
    }
  }
  return n;
}

/// `iq3xs_init_impl(grid_size)` for entry `gindex` (0: 256, IQ3_XXS; 1: 512, IQ3_S).
static void iq3xs_init_impl(int gindex) {
  iq3_entry *entry = &iq3_data[gindex];
  const int grid_size = gindex == 0 ? 256 : 512;
  const int nwant = grid_size == 256 ? 2 : 3;
  const uint8_t *bytes = gindex == 0 ? iq3xxs_bytes : iq3s_bytes;
  for (int i = 0; i < kmap_size; ++i) entry->map[i] = -1;
  for (int k = 0; k < grid_size; ++k) {
    const uint32_t value = gindex == 0 ? tk_iq3xxs_grid[k] : tk_iq3s_grid[k];
    int index = 0;
    for (int i = 0; i < 4; ++i) {
      const int l = grid_level(bytes, (value >> 8 * i) & 0xff);
      if (l < 0) abort();
      entry->grid[k][i] = (int8_t)(2 * l + 1);
      index |= l << 3 * i;
    }
    // Every point once: the grid is ggml's (its map would otherwise differ).
    if (entry->map[index] >= 0) abort();
    entry->map[index] = k;
  }
  int dist2[512];
  int total = 0;
  for (int i = 0; i < kmap_size; ++i) {
    if (entry->map[i] >= 0) continue;
    cube_distances(entry, grid_size, i, dist2);
    total += 1 + nearest_shells(dist2, grid_size, nwant, NULL);
  }
  entry->neighbours = malloc((size_t)total * sizeof(uint16_t));
  if (!entry->neighbours) abort();
  int counter = 0;
  for (int i = 0; i < kmap_size; ++i) {
    if (entry->map[i] >= 0) continue;
    cube_distances(entry, grid_size, i, dist2);
    entry->map[i] = -(counter + 1);
    const int n = nearest_shells(dist2, grid_size, nwant, entry->neighbours + counter + 1);
    entry->neighbours[counter] = (uint16_t)n;
    counter += 1 + n;
  }
}

static void iq3_init_256(void) { iq3xs_init_impl(0); }
static void iq3_init_512(void) { iq3xs_init_impl(1); }

static const iq3_entry *iq3_entry_for(int gindex) {
  pthread_once(&iq3_once[gindex], gindex == 0 ? iq3_init_256 : iq3_init_512);
  return &iq3_data[gindex];
}

/// The grid index of the four levels at `L` (on the grid by construction, as ggml asserts); levels a
/// NaN or infinite scale left off it take their first listed neighbour (where ggml would abort).
static int grid_index_of(const iq3_entry *entry, int8_t *L) {
  uint16_t u = 0;
  for (int i = 0; i < 4; ++i) u |= (uint16_t)(L[i] << 3 * i);
  const int grid_index = entry->map[u];
  if (grid_index >= 0) return grid_index;
  const int nearest = entry->neighbours[-entry->map[u] - 1 + 1];
  for (int i = 0; i < 4; ++i) L[i] = (int8_t)((entry->grid[nearest][i] - 1) / 2);
  return nearest;
}

/// ggml's `block_iq3_xxs`, the FP16 d held as its float value.
typedef struct {
  float d;
  uint8_t qs[64];
  uint32_t scales_and_signs[8];
} iq3_xxs_block;

/// ggml's `block_iq3_s`, the FP16 d held as its float value.
typedef struct {
  float d;
  uint8_t qs[64];
  uint8_t qh[8];
  uint8_t signs[32];
  uint8_t scales[4];
} iq3_s_block;

/// `quantize_row_iq3_xxs_impl(256, x, y, 256, quant_weights)`: sub-blocks of 32 with a 4-bit scale,
/// groups of 8 whose sign count is made even (the least important element flipped) so 7 bits hold
/// their signs.
static void quantize_iq3_xxs(const iq3_entry *entry, const float *x, const float *quant_weights, iq3_xxs_block *y) {
  const int8_t (*kgrid_q3xs)[4] = entry->grid;
  const int8_t *grid = &kgrid_q3xs[0][0];  // flat, for lattice_best_neighbour
  const int *kmap_q3xs = entry->map;
  const uint16_t *kneighbors_q3xs = entry->neighbours;
  const int kMaxQ = 8;

  float scales[256 / 32];
  float weight[32];
  float xval[32];
  int8_t L[32];
  int8_t Laux[32];
  float waux[32];
  bool is_on_grid[8];
  bool is_on_grid_aux[8];
  uint8_t block_signs[8];

  y->d = 0.f;
  memset(y->qs, 0, sizeof y->qs);
  memset(y->scales_and_signs, 0, sizeof y->scales_and_signs);
  uint8_t *q3 = y->qs;
  uint32_t *scales_and_signs = y->scales_and_signs;

  float max_scale = 0;

  const float *xbl = x;
  const float sumx2 = sum_of_squares(xbl, 256);
  float sigma2 = 2 * sumx2 / 256;

  for (int ib = 0; ib < 256 / 32; ++ib) {
    const float *xb = xbl + 32 * ib;
    if (quant_weights) {
      const float *qw = quant_weights + 32 * ib;
      for (int i = 0; i < 32; ++i) weight[i] = qw[i] * sqrtf(sigma2 + xb[i] * xb[i]);
    } else {
      for (int i = 0; i < 32; ++i) weight[i] = xb[i] * xb[i];
    }
    for (int i = 0; i < 32; ++i) waux[i] = sqrtf(weight[i]);
    for (int k = 0; k < 4; ++k) block_signs[k] = even_signs(xb + 8 * k, weight + 8 * k, xval + 8 * k);
    float max = xval[0];
    for (int i = 1; i < 32; ++i) max = MAX(max, xval[i]);
    memset(L, 0, 32);
    if (max < GROUP_MAX_EPS_IQ3_XXS) {
      scales[ib] = 0;
      continue;
    }
    float best = 0;
    float scale = max / (2 * kMaxQ - 1);
    for (int k = 0; k < 8; ++k) is_on_grid[k] = true;
    for (int is = -15; is <= 15; ++is) {
      float id = (2 * kMaxQ - 1 + is * 0.2f) / max;
      float this_scale = 1 / id;
      for (int k = 0; k < 8; ++k) {
        for (int i = 0; i < 4; ++i) {
          int l = nearest_int(0.5f * (id * xval[4 * k + i] - 1));
          Laux[4 * k + i] = (int8_t)MAX(0, MIN(kMaxQ - 1, l));
        }
        uint16_t u = 0;
        for (int i = 0; i < 4; ++i) u |= (uint16_t)(Laux[4 * k + i] << 3 * i);
        int grid_index = kmap_q3xs[u];
        is_on_grid_aux[k] = true;
        if (grid_index < 0) {
          is_on_grid_aux[k] = false;
          const uint16_t *neighbours = kneighbors_q3xs - kmap_q3xs[u] - 1;
          lattice_best_neighbour(neighbours, grid, 4, xval + 4 * k, waux + 4 * k, this_scale, Laux + 4 * k);
        }
      }
      float sumqx = 0, sumq2 = 0;
      for (int i = 0; i < 32; ++i) {
        float w = weight[i];
        float q = 2 * Laux[i] + 1;
        sumqx += w * xval[i] * q;
        sumq2 += w * q * q;
      }
      if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
        scale = sumqx / sumq2;
        best = scale * sumqx;
        for (int i = 0; i < 32; ++i) L[i] = Laux[i];
        for (int k = 0; k < 8; ++k) is_on_grid[k] = is_on_grid_aux[k];
      }
    }
    int n_not_ongrid = 0;
    for (int k = 0; k < 8; ++k) if (!is_on_grid[k]) ++n_not_ongrid;
    if (n_not_ongrid > 0 && scale > 0) {
      float id = 1 / scale;
      for (int k = 0; k < 8; ++k) {
        if (is_on_grid[k]) continue;
        uint16_t u = 0;
        for (int i = 0; i < 4; ++i) {
          int l = nearest_int(0.5f * (id * xval[4 * k + i] - 1));
          l = MAX(0, MIN(kMaxQ - 1, l));
          u |= (uint16_t)(l << 3 * i);
        }
        int grid_index = kmap_q3xs[u];
        if (grid_index < 0) {
          const uint16_t *neighbours = kneighbors_q3xs - kmap_q3xs[u] - 1;
          grid_index = lattice_best_neighbour(neighbours, grid, 4, xval + 4 * k, waux + 4 * k, scale, L + 4 * k);
        }
        const int8_t *pg = kgrid_q3xs[grid_index];
        for (int i = 0; i < 4; ++i) L[4 * k + i] = (int8_t)((pg[i] - 1) / 2);
      }
      float sumqx = 0, sumq2 = 0;
      for (int i = 0; i < 32; ++i) {
        float w = weight[i];
        float q = 2 * L[i] + 1;
        sumqx += w * xval[i] * q;
        sumq2 += w * q * q;
      }
      if (sumq2 > 0) scale = sumqx / sumq2;
    }
    if (scale < 0) {
      // ggml: "should never happen"; the scale is stored unsigned, so the signs flip instead.
      scale = -scale;
      for (int k = 0; k < 4; ++k) block_signs[k] = (uint8_t)((~block_signs[k]) & 127);
    }
    for (int k = 0; k < 8; ++k) q3[8 * ib + k] = (uint8_t)grid_index_of(entry, L + 4 * k);
    scales_and_signs[ib] = (uint32_t)block_signs[0] | ((uint32_t)block_signs[1] << 7) |
                           ((uint32_t)block_signs[2] << 14) | ((uint32_t)block_signs[3] << 21);
    scales[ib] = scale;
    max_scale = MAX(max_scale, scale);
  }

  if (!max_scale) {
    memset(y->qs, 0, sizeof y->qs);
    memset(y->scales_and_signs, 0, sizeof y->scales_and_signs);
    return;
  }

  float d = max_scale / 31;
  y->d = tk_fp16_round(d * 1.0125f);  // ggml's fudge factor
  float id = 1 / d;
  for (int ib = 0; ib < 256 / 32; ++ib) {
    int l = nearest_int(0.5f * (id * scales[ib] - 1));
    l = MAX(0, MIN(15, l));
    scales_and_signs[ib] |= ((uint32_t)l << 28);
  }
}

/// `quantize_row_iq3_s_impl(32, x, y, 256, quant_weights, …)`: sub-blocks of 32 with a 4-bit scale
/// (two per byte), every sign stored, 9-bit grid indices. As in ggml, a sub-block of zeros does not
/// advance the `qs` and `signs` cursors, so the following sub-blocks' indices and signs land one
/// sub-block early.
static void quantize_iq3_s(const iq3_entry *entry, const float *x, const float *quant_weights, iq3_s_block *y) {
  const int8_t (*kgrid_q3xs)[4] = entry->grid;
  const int8_t *grid = &kgrid_q3xs[0][0];  // flat, for lattice_best_neighbour
  const int *kmap_q3xs = entry->map;
  const uint16_t *kneighbors_q3xs = entry->neighbours;
  const int kMaxQ = 8;
  const int block_size = 32;
  const int bs4 = block_size / 4;
  const int bs8 = block_size / 8;

  float scales[256 / 32];
  float weight[32];
  float xval[32];
  int8_t L[32];
  int8_t Laux[32];
  float waux[32];
  bool is_on_grid[8];
  bool is_on_grid_aux[8];
  uint8_t block_signs[4];

  memset(y, 0, sizeof *y);
  y->d = 0.f;

  uint8_t *qs = y->qs;
  uint8_t *qh = y->qh;
  uint8_t *signs = y->signs;

  float max_scale = 0;

  const float *xbl = x;
  const float sumx2 = sum_of_squares(xbl, 256);
  float sigma2 = 2 * sumx2 / 256;

  for (int ib = 0; ib < 256 / block_size; ++ib) {
    const float *xb = xbl + block_size * ib;
    if (quant_weights) {
      const float *qw = quant_weights + block_size * ib;
      for (int i = 0; i < block_size; ++i) weight[i] = qw[i] * sqrtf(sigma2 + xb[i] * xb[i]);
    } else {
      for (int i = 0; i < block_size; ++i) weight[i] = xb[i] * xb[i];
    }
    for (int i = 0; i < block_size; ++i) waux[i] = sqrtf(weight[i]);
    for (int k = 0; k < bs8; ++k) block_signs[k] = sign_bits(xb + 8 * k, xval + 8 * k);
    float max = xval[0];
    for (int i = 1; i < block_size; ++i) max = MAX(max, xval[i]);
    memset(L, 0, (size_t)block_size);
    if (!max) {
      scales[ib] = 0;
      continue;
    }
    float best = 0;
    float scale = max / (2 * kMaxQ - 1);
    for (int k = 0; k < bs4; ++k) is_on_grid[k] = false;
    for (int is = -9; is <= 9; ++is) {
      float id = (2 * kMaxQ - 1 + is * 0.2f) / max;
      float this_scale = 1 / id;
      for (int k = 0; k < bs4; ++k) {
        for (int i = 0; i < 4; ++i) {
          int l = nearest_int(0.5f * (id * xval[4 * k + i] - 1));
          Laux[4 * k + i] = (int8_t)MAX(0, MIN(kMaxQ - 1, l));
        }
        uint16_t u = 0;
        for (int i = 0; i < 4; ++i) u |= (uint16_t)(Laux[4 * k + i] << 3 * i);
        int grid_index = kmap_q3xs[u];
        is_on_grid_aux[k] = true;
        if (grid_index < 0) {
          is_on_grid_aux[k] = false;
          const uint16_t *neighbours = kneighbors_q3xs - kmap_q3xs[u] - 1;
          lattice_best_neighbour(neighbours, grid, 4, xval + 4 * k, waux + 4 * k, this_scale, Laux + 4 * k);
        }
      }
      float sumqx = 0, sumq2 = 0;
      for (int i = 0; i < block_size; ++i) {
        float w = weight[i];
        float q = 2 * Laux[i] + 1;
        sumqx += w * xval[i] * q;
        sumq2 += w * q * q;
      }
      if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
        scale = sumqx / sumq2;
        best = scale * sumqx;
        for (int i = 0; i < block_size; ++i) L[i] = Laux[i];
        for (int k = 0; k < bs4; ++k) is_on_grid[k] = is_on_grid_aux[k];
      }
    }
    int n_not_ongrid = 0;
    for (int k = 0; k < bs4; ++k) if (!is_on_grid[k]) ++n_not_ongrid;
    if (n_not_ongrid > 0 && scale > 0) {
      float id = 1 / scale;
      // Unlike IQ3_XXS, ggml re-rounds every group here, on the grid or not.
      for (int k = 0; k < bs4; ++k) {
        uint16_t u = 0;
        for (int i = 0; i < 4; ++i) {
          int l = nearest_int(0.5f * (id * xval[4 * k + i] - 1));
          l = MAX(0, MIN(kMaxQ - 1, l));
          u |= (uint16_t)(l << 3 * i);
        }
        int grid_index = kmap_q3xs[u];
        if (grid_index < 0) {
          const uint16_t *neighbours = kneighbors_q3xs - kmap_q3xs[u] - 1;
          grid_index = lattice_best_neighbour(neighbours, grid, 4, xval + 4 * k, waux + 4 * k, scale, L + 4 * k);
        }
        const int8_t *pg = kgrid_q3xs[grid_index];
        for (int i = 0; i < 4; ++i) L[4 * k + i] = (int8_t)((pg[i] - 1) / 2);
      }
      float sumqx = 0, sumq2 = 0;
      for (int i = 0; i < block_size; ++i) {
        float w = weight[i];
        float q = 2 * L[i] + 1;
        sumqx += w * xval[i] * q;
        sumq2 += w * q * q;
      }
      if (sumq2 > 0) scale = sumqx / sumq2;
    }
    if (scale < 0) {
      // ggml: "should never happen"; the scale is stored unsigned, so the signs flip instead.
      scale = -scale;
      for (int k = 0; k < bs8; ++k) block_signs[k] = (uint8_t)~block_signs[k];
    }
    for (int k = 0; k < bs4; ++k) {
      const int grid_index = grid_index_of(entry, L + 4 * k);
      qs[k] = (uint8_t)(grid_index & 255);
      qh[(ib * bs4 + k) / 8] |= (uint8_t)((grid_index >> 8) << ((ib * bs4 + k) % 8));
    }
    qs += bs4;
    for (int k = 0; k < bs8; ++k) signs[k] = block_signs[k];
    signs += bs8;
    scales[ib] = scale;
    max_scale = MAX(max_scale, scale);
  }

  if (!max_scale) return;

  float d = max_scale / 31;
  y->d = tk_fp16_round(d * 1.033f);
  float id = 1 / d;
  for (int ib = 0; ib < 256 / block_size; ib += 2) {
    int l1 = nearest_int(0.5f * (id * scales[ib + 0] - 1));
    l1 = MAX(0, MIN(15, l1));
    int l2 = nearest_int(0.5f * (id * scales[ib + 1] - 1));
    l2 = MAX(0, MIN(15, l2));
    y->scales[ib / 2] = (uint8_t)(l1 | (l2 << 4));
  }
}

/// ggml's `kmask_iq2xs`: the sign bit of element j of a group of 8.
static const uint8_t kmask_iq2xs[8] = {1, 2, 4, 8, 16, 32, 64, 128};

/// Code of a grid element: index of its signed value in ascending order (levels 0…7 each side).
static inline int32_t signed_code(int level, int negative) { return negative ? 7 - level : 8 + level; }

/// `dequantize_row_iq3_xxs` on one block; each element's code into `slot`.
static void dequantize_iq3_xxs(const iq3_entry *entry, const iq3_xxs_block *x, float *y, int32_t *slot) {
  const float d = x->d;
  const uint8_t *qs = x->qs;
  for (int ib32 = 0; ib32 < 256 / 32; ++ib32) {
    const uint32_t aux32 = x->scales_and_signs[ib32];
    const float db = d * (0.5f + (aux32 >> 28)) * 0.5f;
    for (int l = 0; l < 4; ++l) {
      const uint8_t signs = tk_ksigns_iq2xs[(aux32 >> 7 * l) & 127];
      const uint32_t grid1 = tk_iq3xxs_grid[qs[2 * l + 0]];
      const uint32_t grid2 = tk_iq3xxs_grid[qs[2 * l + 1]];
      for (int j = 0; j < 4; ++j) {
        const int neg1 = (signs & kmask_iq2xs[j + 0]) != 0;
        const int neg2 = (signs & kmask_iq2xs[j + 4]) != 0;
        y[j + 0] = db * (uint8_t)(grid1 >> 8 * j) * (neg1 ? -1.f : 1.f);
        y[j + 4] = db * (uint8_t)(grid2 >> 8 * j) * (neg2 ? -1.f : 1.f);
        slot[j + 0] = signed_code(entry->grid[qs[2 * l + 0]][j] >> 1, neg1);
        slot[j + 4] = signed_code(entry->grid[qs[2 * l + 1]][j] >> 1, neg2);
      }
      y += 8;
      slot += 8;
    }
    qs += 8;
  }
}

/// `dequantize_row_iq3_s` on one block; each element's code into `slot`.
static void dequantize_iq3_s(const iq3_entry *entry, const iq3_s_block *x, float *y, int32_t *slot) {
  const float d = x->d;
  const uint8_t *qs = x->qs;
  const uint8_t *qh = x->qh;
  const uint8_t *signs = x->signs;
  for (int ib32 = 0; ib32 < 256 / 32; ib32 += 2) {
    for (int half = 0; half < 2; ++half) {
      const float db = d * (1 + 2 * (half == 0 ? x->scales[ib32 / 2] & 0xf : x->scales[ib32 / 2] >> 4));
      for (int l = 0; l < 4; ++l) {
        const int index1 = qs[2 * l + 0] | ((qh[half] << (8 - 2 * l)) & 256);
        const int index2 = qs[2 * l + 1] | ((qh[half] << (7 - 2 * l)) & 256);
        const uint32_t grid1 = tk_iq3s_grid[index1];
        const uint32_t grid2 = tk_iq3s_grid[index2];
        for (int j = 0; j < 4; ++j) {
          const int neg1 = (signs[l] & kmask_iq2xs[j + 0]) != 0;
          const int neg2 = (signs[l] & kmask_iq2xs[j + 4]) != 0;
          y[j + 0] = db * (uint8_t)(grid1 >> 8 * j) * (neg1 ? -1.f : 1.f);
          y[j + 4] = db * (uint8_t)(grid2 >> 8 * j) * (neg2 ? -1.f : 1.f);
          slot[j + 0] = signed_code(entry->grid[index1][j] >> 1, neg1);
          slot[j + 4] = signed_code(entry->grid[index2][j] >> 1, neg2);
        }
        y += 8;
        slot += 8;
      }
      qs += 8;
      signs += 4;
    }
    qh += 2;
  }
}

void tk_iq3_super_block(int32_t type, const float *x, const float *importance, float *rounded, int32_t *slot) {
  if (type == TK_GGML_IQ3_XXS) {
    const iq3_entry *entry = iq3_entry_for(0);
    iq3_xxs_block block;
    quantize_iq3_xxs(entry, x, importance, &block);
    dequantize_iq3_xxs(entry, &block, rounded, slot);
  } else if (type == TK_GGML_IQ3_S) {
    const iq3_entry *entry = iq3_entry_for(1);
    iq3_s_block block;
    quantize_iq3_s(entry, x, importance, &block);
    dequantize_iq3_s(entry, &block, rounded, slot);
  } else {
    abort();
  }
}
