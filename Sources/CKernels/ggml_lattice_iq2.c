// ggml-quants.c's 2-bit lattice types, operation for operation in float32, one super-block of 256
// at a time: IQ2_XXS (`quantize_row_iq2_xxs_impl`), IQ2_XS (`quantize_row_iq2_xs_impl`) and IQ2_S
// (`quantize_row_iq2_s_impl`), with the lattice tables `iq2xs_init_impl` builds for them (the map
// from a point of {0, 1, 2}^8 to its grid index, and each off-grid point's nearest grid points), the
// search `iq2_find_best_neighbour` (ggml_search.h's `lattice_best_neighbour`), and `make_qp_quants`
// (IQ2_XXS's first scale). The block is packed as ggml packs it (FP16 d, 4-bit sub-block scales,
// grid indices, sign bytes or their 7-bit even parity codes) and dequantized from it as
// `dequantize_row_iq2_xxs/_xs/_s` does. The grids are ggml-common.h's (`tk_iq2xxs_grid`,
// `tk_iq2xs_grid`, `tk_iq2s_grid` and `tk_ksigns_iq2xs` from ggml_grids.h); the init derives ggml's
// `kgrid_2bit_256/512/1024` points from them.
#include <float.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "ggml_grids.h"
#include "ggml_search.h"

#define GROUP_MAX_EPS 1e-15f
#define GROUP_MAX_EPS_IQ2_S 1e-8f

enum {
  kMaxQ = 3,
  // kmap_size: a point's 2-bit codes packed 2 bits each, all 2s (0xAAAA) being the largest reached.
  iq2_map_size = 43692,
  iq2_max_grid = 1024,
};

/// One type's lattice, as `iq2xs_init_impl` builds it: `grid` (kgrid_q2xs) holds each grid point's
/// coordinates 2l + 1; `map` (kmap_q2xs) a point's grid index, or −(offset + 1) of its neighbour list
/// in `neighbours` (kneighbors_q2xs: the count, then the grid indices by distance, then index).
typedef struct {
  int grid_size;
  int8_t grid[iq2_max_grid][8];
  int32_t map[iq2_map_size];
  uint16_t *neighbours;
} iq2_lattice;

static iq2_lattice lattices[3];

/// The grid byte of a code l (0x08, 0x19, 0x2b) and back.
static const uint8_t grid_bytes[3] = {0x08, 0x19, 0x2b};
static inline int grid_level(uint8_t byte) { return (byte > 0x08) + (byte > 0x19); }

/// Builds `lattices[which]` for a grid of `grid_size` points with neighbours at the `nwant` smallest
/// distances (ggml: 2 for IQ2_XXS and IQ2_XS, 1 for IQ2_S). Only points with codes 0…2 get a list: the
/// quantizers clamp their codes to kMaxQ − 1, so ggml's lists for points with a code 3 are never read.
static void iq2_lattice_init(int which, const uint64_t *ggml_grid, int grid_size, int nwant) {
  iq2_lattice *lattice = &lattices[which];
  lattice->grid_size = grid_size;
  for (int i = 0; i < iq2_map_size; ++i) lattice->map[i] = -1;
  for (int j = 0; j < grid_size; ++j) {
    uint16_t index = 0;
    for (int k = 0; k < 8; ++k) {
      const uint8_t byte = (uint8_t)(ggml_grid[j] >> 8 * k);
      const int l = grid_level(byte);
      if (grid_bytes[l] != byte) abort();
      lattice->grid[j][k] = (int8_t)(2 * l + 1);
      index |= (uint16_t)(l << 2 * k);
    }
    lattice->map[index] = j;
  }
  size_t capacity = 1 << 16, used = 0;
  uint16_t *neighbours = malloc(capacity * sizeof *neighbours);
  if (!neighbours) abort();
  int dist2[iq2_max_grid];
  for (int point = 0; point < 6561; ++point) {  // 3^8 points of {0, 1, 2}^8
    int i = 0;
    int8_t pos[8];
    for (int k = 0, rest = point; k < 8; ++k, rest /= 3) {
      i |= (rest % 3) << 2 * k;
      pos[k] = (int8_t)(2 * (rest % 3) + 1);
    }
    if (lattice->map[i] >= 0) continue;
    for (int j = 0; j < grid_size; ++j) {
      int d2 = 0;
      for (int k = 0; k < 8; ++k) d2 += (lattice->grid[j][k] - pos[k]) * (lattice->grid[j][k] - pos[k]);
      dist2[j] = d2;
    }
    // ggml sorts (d2, j) and keeps the first nwant distances: the same list, distance by distance.
    if (used + 1 + (size_t)grid_size > capacity) {
      capacity *= 2;
      neighbours = realloc(neighbours, capacity * sizeof *neighbours);
      if (!neighbours) abort();
    }
    const size_t start = used++;
    int previous = -1;
    for (int nhave = 0; nhave < nwant; ++nhave) {
      int next = INT32_MAX;
      for (int j = 0; j < grid_size; ++j) {
        if (dist2[j] > previous && dist2[j] < next) next = dist2[j];
      }
      if (next == INT32_MAX) break;
      for (int j = 0; j < grid_size; ++j) {
        if (dist2[j] == next) neighbours[used++] = (uint16_t)j;
      }
      previous = next;
    }
    neighbours[start] = (uint16_t)(used - start - 1);
    lattice->map[i] = -(int32_t)start - 1;
  }
  lattice->neighbours = neighbours;
}

static void init_iq2_xxs(void) { iq2_lattice_init(0, tk_iq2xxs_grid, 256, 2); }
static void init_iq2_xs(void) { iq2_lattice_init(1, tk_iq2xs_grid, 512, 2); }
static void init_iq2_s(void) { iq2_lattice_init(2, tk_iq2s_grid, 1024, 1); }

static pthread_once_t lattice_once[3] = {PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT};

static const iq2_lattice *lattice_for(int which) {
  static void (*const init[3])(void) = {init_iq2_xxs, init_iq2_xs, init_iq2_s};
  pthread_once(&lattice_once[which], init[which]);
  return &lattices[which];
}

/// The grid index of 8 codes 0…2, or the best of its neighbours at `scale` (codes into `L`).
static inline int nearest_on_grid(
  const iq2_lattice *lattice, uint16_t u, const float *xval, const float *waux, float scale, int8_t *L) {
  const int grid_index = lattice->map[u];
  if (grid_index >= 0) return grid_index;
  const uint16_t *neighbours = lattice->neighbours - lattice->map[u] - 1;
  return lattice_best_neighbour(neighbours, &lattice->grid[0][0], 8, xval, waux, scale, L);
}

/// The grid index of 8 codes that are on the grid (ggml asserts so); codes a NaN or infinite scale
/// left off it take their first listed neighbour (where ggml would abort), and `L` its codes.
static inline int grid_index_of(const iq2_lattice *lattice, int8_t *L) {
  uint16_t u = 0;
  for (int i = 0; i < 8; ++i) u |= (uint16_t)(L[i] << 2 * i);
  const int grid_index = lattice->map[u];
  if (grid_index >= 0) return grid_index;
  const int nearest = lattice->neighbours[-lattice->map[u] - 1 + 1];
  for (int i = 0; i < 8; ++i) L[i] = (int8_t)((lattice->grid[nearest][i] - 1) / 2);
  return nearest;
}

/// The 4-bit code of a sub-block scale under the super-block's 1/d.
static inline int scale_code(float id, float scale) {
  const int l = nearest_int(0.5f * (id * scale - 1));
  return clamp_int(l, 0, 15);
}

// ---- IQ2_XXS: 8 sub-blocks of 32, each 4 grid indices (bytes) and 4 × 7 sign bits + a 4-bit scale
// in two uint32s.

/// `quantize_row_iq2_xxs_impl` on one super-block: the FP16 d into `*d_out`, the packed words
/// (block_iq2_xxs.qs as uint32s) into `q2`.
static void quantize_iq2_xxs(const float *xbl, const float *quant_weights, float *d_out, uint32_t q2[16]) {
  const iq2_lattice *lattice = lattice_for(0);
  float scales[8];
  float weight[32];
  float xval[32];
  int8_t L[32];
  int8_t Laux[32];
  float waux[32];
  uint8_t block_signs[4];

  *d_out = 0;
  memset(q2, 0, 64);
  float max_scale = 0;
  const float sigma2 = sum_of_squares(xbl, super_block) / super_block;

  for (int ib = 0; ib < 8; ++ib) {
    const float *xb = xbl + 32 * ib;
    const float *qw = quant_weights + 32 * ib;
    for (int i = 0; i < 32; ++i) weight[i] = qw[i] * sqrtf(sigma2 + xb[i] * xb[i]);
    for (int i = 0; i < 32; ++i) waux[i] = sqrtf(weight[i]);
    for (int k = 0; k < 4; ++k) block_signs[k] = even_signs(xb + 8 * k, weight + 8 * k, xval + 8 * k);
    float max = xval[0];
    for (int i = 1; i < 32; ++i) max = max > xval[i] ? max : xval[i];
    if (max < GROUP_MAX_EPS) {
      scales[ib] = 0;
      continue;
    }
    float scale = make_qp_quants(32, kMaxQ + 1, xval, (uint8_t *)L, weight);
    const float eff_max = scale * kMaxQ;
    if (eff_max <= 0) {
      scales[ib] = 0;
      continue;
    }
    float best = 0;
    for (int is = -6; is <= 6; ++is) {
      const float id = (2 * kMaxQ - 1 + is * 0.1f) / eff_max;
      const float this_scale = 1 / id;
      for (int k = 0; k < 4; ++k) {
        uint16_t u = 0;
        for (int i = 0; i < 8; ++i) {
          const int l = nearest_int(0.5f * (id * xval[8 * k + i] - 1));
          Laux[8 * k + i] = (int8_t)clamp_int(l, 0, kMaxQ - 1);
          u |= (uint16_t)(Laux[8 * k + i] << 2 * i);
        }
        nearest_on_grid(lattice, u, xval + 8 * k, waux + 8 * k, this_scale, Laux + 8 * k);
      }
      float sumqx = 0, sumq2 = 0;
      for (int i = 0; i < 32; ++i) {
        const float w = weight[i];
        const float q = 2 * Laux[i] + 1;
        sumqx += w * xval[i] * q;
        sumq2 += w * q * q;
      }
      if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
        scale = sumqx / sumq2;
        best = scale * sumqx;
        memcpy(L, Laux, 32);
      }
    }
    if (scale > 0) {
      const float id = 1 / scale;
      for (int k = 0; k < 4; ++k) {
        uint16_t u = 0;
        for (int i = 0; i < 8; ++i) {
          const int l = clamp_int(nearest_int(0.5f * (id * xval[8 * k + i] - 1)), 0, kMaxQ - 1);
          u |= (uint16_t)(l << 2 * i);
        }
        const int grid_index = nearest_on_grid(lattice, u, xval + 8 * k, waux + 8 * k, scale, L + 8 * k);
        const int8_t *pg = lattice->grid[grid_index];
        for (int i = 0; i < 8; ++i) L[8 * k + i] = (int8_t)((pg[i] - 1) / 2);
      }
      float sumqx = 0, sumq2 = 0;
      for (int i = 0; i < 32; ++i) {
        const float w = weight[i];
        const float q = 2 * L[i] + 1;
        sumqx += w * xval[i] * q;
        sumq2 += w * q * q;
      }
      if (sumq2 > 0) scale = sumqx / sumq2;
    }
    if (scale < 0) {
      // ggml: "should never happen"; a positive scale with every sign flipped.
      scale = -scale;
      for (int k = 0; k < 4; ++k) block_signs[k] = (uint8_t)(~block_signs[k] & 127);
    }
    for (int k = 0; k < 4; ++k) {
      const int grid_index = grid_index_of(lattice, L + 8 * k);
      q2[2 * ib + 0] |= ((uint32_t)grid_index << 8 * k);
      q2[2 * ib + 1] |= ((uint32_t)block_signs[k] << 7 * k);
    }
    scales[ib] = scale;
    max_scale = max_scale > scale ? max_scale : scale;
  }

  if (!max_scale) {
    memset(q2, 0, 64);
    return;
  }
  const float d = max_scale / 31;
  *d_out = tk_fp16_round(d);
  const float id = 1 / d;
  for (int ib = 0; ib < 8; ++ib) q2[2 * ib + 1] |= ((uint32_t)scale_code(id, scales[ib]) << 28);
}

/// `dequantize_row_iq2_xxs` of one block, with each element's code.
static void dequantize_iq2_xxs(float d, const uint32_t q2[16], float *y, int32_t *slot) {
  for (int ib32 = 0; ib32 < 8; ++ib32) {
    const uint32_t aux0 = q2[2 * ib32], aux1 = q2[2 * ib32 + 1];
    const float db = d * (0.5f + (aux1 >> 28)) * 0.25f;
    for (int l = 0; l < 4; ++l) {
      const uint64_t grid = tk_iq2xxs_grid[(aux0 >> 8 * l) & 255];
      const uint8_t signs = tk_ksigns_iq2xs[(aux1 >> 7 * l) & 127];
      for (int j = 0; j < 8; ++j) {
        const uint8_t byte = (uint8_t)(grid >> 8 * j);
        const bool negative = signs & (1 << j);
        y[j] = db * byte * (negative ? -1.f : 1.f);
        slot[j] = negative ? 2 - grid_level(byte) : 3 + grid_level(byte);
      }
      y += 8;
      slot += 8;
    }
  }
}

// ---- IQ2_XS and IQ2_S: 16 sub-blocks of 16, each two grid points with a 4-bit scale.

/// The search `quantize_row_iq2_xs_impl` and `quantize_row_iq2_s_impl` share, for one sub-block of 16
/// (xval ≥ 0 but for IQ2_XS's parity flips): 19 trial scales around max/5, each rounded onto the grid,
/// the best by weighted fit; then the off-grid halves re-rounded at the fitted scale. Codes into `L`,
/// the scale into `*scale_out`; false (scale 0, codes 0) where max < eps.
static bool search_16(
  const iq2_lattice *lattice, const float *xval, const float *weight, const float *waux, float eps, int8_t *L,
  float *scale_out) {
  int8_t Laux[16];
  bool is_on_grid[2];
  bool is_on_grid_aux[2];
  float max = xval[0];
  for (int i = 1; i < 16; ++i) max = max > xval[i] ? max : xval[i];
  memset(L, 0, 16);
  if (max < eps) {
    *scale_out = 0;
    return false;
  }
  float best = 0;
  float scale = max / (2 * kMaxQ - 1);
  is_on_grid[0] = is_on_grid[1] = true;
  for (int is = -9; is <= 9; ++is) {
    const float id = (2 * kMaxQ - 1 + is * 0.1f) / max;
    const float this_scale = 1 / id;
    for (int k = 0; k < 2; ++k) {
      uint16_t u = 0;
      for (int i = 0; i < 8; ++i) {
        const int l = nearest_int(0.5f * (id * xval[8 * k + i] - 1));
        Laux[8 * k + i] = (int8_t)clamp_int(l, 0, kMaxQ - 1);
        u |= (uint16_t)(Laux[8 * k + i] << 2 * i);
      }
      is_on_grid_aux[k] = lattice->map[u] >= 0;
      nearest_on_grid(lattice, u, xval + 8 * k, waux + 8 * k, this_scale, Laux + 8 * k);
    }
    float sumqx = 0, sumq2 = 0;
    for (int i = 0; i < 16; ++i) {
      const float w = weight[i];
      const float q = 2 * Laux[i] + 1;
      sumqx += w * xval[i] * q;
      sumq2 += w * q * q;
    }
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      scale = sumqx / sumq2;
      best = scale * sumqx;
      memcpy(L, Laux, 16);
      for (int k = 0; k < 2; ++k) is_on_grid[k] = is_on_grid_aux[k];
    }
  }
  const int n_not_ongrid = !is_on_grid[0] + !is_on_grid[1];
  if (n_not_ongrid > 0 && scale > 0) {
    const float id = 1 / scale;
    for (int k = 0; k < 2; ++k) {
      if (is_on_grid[k]) continue;
      uint16_t u = 0;
      for (int i = 0; i < 8; ++i) {
        const int l = clamp_int(nearest_int(0.5f * (id * xval[8 * k + i] - 1)), 0, kMaxQ - 1);
        u |= (uint16_t)(l << 2 * i);
        L[8 * k + i] = (int8_t)l;
      }
      nearest_on_grid(lattice, u, xval + 8 * k, waux + 8 * k, scale, L + 8 * k);
    }
    float sumqx = 0, sumq2 = 0;
    for (int i = 0; i < 16; ++i) {
      const float w = weight[i];
      const float q = 2 * L[i] + 1;
      sumqx += w * xval[i] * q;
      sumq2 += w * q * q;
    }
    if (sumq2 > 0) scale = sumqx / sumq2;
  }
  *scale_out = scale;
  return true;
}

/// `quantize_row_iq2_xs_impl` on one super-block: the FP16 d into `*d_out`, block_iq2_xs.qs (grid
/// index | 7 sign bits << 9) into `q2`, the 4-bit scale pairs into `packed_scales`.
static void quantize_iq2_xs(
  const float *xbl, const float *quant_weights, float *d_out, uint16_t q2[32], uint8_t packed_scales[8]) {
  const iq2_lattice *lattice = lattice_for(1);
  float scales[16];
  float weight[16];
  float xval[16];
  int8_t L[16];
  float waux[16];
  uint8_t block_signs[2];

  *d_out = 0;
  memset(q2, 0, 64);
  memset(packed_scales, 0, 8);
  float max_scale = 0;
  const float sigma2 = sum_of_squares(xbl, super_block) / super_block;

  for (int ib = 0; ib < 16; ++ib) {
    const float *xb = xbl + 16 * ib;
    const float *qw = quant_weights + 16 * ib;
    for (int i = 0; i < 16; ++i) weight[i] = qw[i] * sqrtf(sigma2 + xb[i] * xb[i]);
    for (int i = 0; i < 16; ++i) waux[i] = sqrtf(weight[i]);
    for (int k = 0; k < 2; ++k) block_signs[k] = even_signs(xb + 8 * k, weight + 8 * k, xval + 8 * k);
    float scale;
    if (!search_16(lattice, xval, weight, waux, GROUP_MAX_EPS, L, &scale)) {
      scales[ib] = 0;
      continue;
    }
    if (scale < 0) {
      scale = -scale;
      for (int k = 0; k < 2; ++k) block_signs[k] = (uint8_t)(~block_signs[k] & 127);
    }
    for (int k = 0; k < 2; ++k) {
      q2[2 * ib + k] = (uint16_t)(grid_index_of(lattice, L + 8 * k) | (block_signs[k] << 9));
    }
    scales[ib] = scale;
    max_scale = max_scale > scale ? max_scale : scale;
  }

  if (!max_scale) {
    memset(q2, 0, 64);
    return;
  }
  const float d = max_scale / 31;
  *d_out = tk_fp16_round(d);
  const float id = 1 / d;
  for (int ib = 0; ib < 16; ++ib) {
    const int l = scale_code(id, scales[ib]);
    if (ib % 2 == 0) packed_scales[ib / 2] = (uint8_t)l;
    else packed_scales[ib / 2] |= (uint8_t)(l << 4);
  }
}

/// `dequantize_row_iq2_xs` of one block, with each element's code.
static void dequantize_iq2_xs(float d, const uint16_t qs[32], const uint8_t scales[8], float *y, int32_t *slot) {
  float db[2];
  for (int ib32 = 0; ib32 < 8; ++ib32) {
    db[0] = d * (0.5f + (scales[ib32] & 0xf)) * 0.25f;
    db[1] = d * (0.5f + (scales[ib32] >> 4)) * 0.25f;
    for (int l = 0; l < 4; ++l) {
      const uint64_t grid = tk_iq2xs_grid[qs[4 * ib32 + l] & 511];
      const uint8_t signs = tk_ksigns_iq2xs[qs[4 * ib32 + l] >> 9];
      for (int j = 0; j < 8; ++j) {
        const uint8_t byte = (uint8_t)(grid >> 8 * j);
        const bool negative = signs & (1 << j);
        y[j] = db[l / 2] * byte * (negative ? -1.f : 1.f);
        slot[j] = negative ? 2 - grid_level(byte) : 3 + grid_level(byte);
      }
      y += 8;
      slot += 8;
    }
  }
}

/// block_iq2_s without its FP16 d: low index bytes then sign bytes, index high bits, scale pairs.
typedef struct {
  uint8_t qs[64];
  uint8_t qh[8];
  uint8_t scales[8];
} iq2_s_block;

/// `quantize_row_iq2_s_impl` on one super-block (`quant_weights` NULL for its path without weights):
/// the FP16 d into `*d_out`, the rest into `y`.
static void quantize_iq2_s(const float *xbl, const float *quant_weights, float *d_out, iq2_s_block *y) {
  const iq2_lattice *lattice = lattice_for(2);
  float scales[16];
  float weight[16];
  float xval[16];
  int8_t L[16];
  float waux[16];
  uint8_t block_signs[2];

  memset(y, 0, sizeof *y);
  *d_out = 0;
  float max_scale = 0;
  const float sigma2 = 2 * sum_of_squares(xbl, super_block) / super_block;

  for (int ib = 0; ib < 16; ++ib) {
    const float *xb = xbl + 16 * ib;
    if (quant_weights) {
      const float *qw = quant_weights + 16 * ib;
      for (int i = 0; i < 16; ++i) weight[i] = qw[i] * sqrtf(sigma2 + xb[i] * xb[i]);
    } else {
      for (int i = 0; i < 16; ++i) weight[i] = 0.25f * sigma2 + xb[i] * xb[i];
    }
    for (int i = 0; i < 16; ++i) waux[i] = sqrtf(weight[i]);
    for (int k = 0; k < 2; ++k) block_signs[k] = sign_bits(xb + 8 * k, xval + 8 * k);
    float scale;
    if (!search_16(lattice, xval, weight, waux, GROUP_MAX_EPS_IQ2_S, L, &scale)) {
      scales[ib] = 0;
      continue;
    }
    if (scale < 0) {
      scale = -scale;
      for (int k = 0; k < 2; ++k) block_signs[k] = (uint8_t)~block_signs[k];
    }
    for (int k = 0; k < 2; ++k) {
      const int grid_index = grid_index_of(lattice, L + 8 * k);
      const int i8 = 2 * ib + k;
      y->qs[i8] = (uint8_t)(grid_index & 255);
      y->qh[i8 / 4] |= (uint8_t)((grid_index >> 8) << 2 * (i8 % 4));
      y->qs[32 + i8] = block_signs[k];
    }
    scales[ib] = scale;
    max_scale = max_scale > scale ? max_scale : scale;
  }

  if (!max_scale) return;
  const float d = max_scale / 31;
  *d_out = tk_fp16_round(d * 0.9875f);
  const float id = 1 / d;
  for (int ib = 0; ib < 16; ++ib) {
    const int l = scale_code(id, scales[ib]);
    if (ib % 2 == 0) y->scales[ib / 2] = (uint8_t)l;
    else y->scales[ib / 2] |= (uint8_t)(l << 4);
  }
}

/// `dequantize_row_iq2_s` of one block, with each element's code.
static void dequantize_iq2_s(float d, const iq2_s_block *x, float *y, int32_t *slot) {
  float db[2];
  const uint8_t *qs = x->qs;
  const uint8_t *signs = qs + 32;
  for (int ib32 = 0; ib32 < 8; ++ib32) {
    db[0] = d * (0.5f + (x->scales[ib32] & 0xf)) * 0.25f;
    db[1] = d * (0.5f + (x->scales[ib32] >> 4)) * 0.25f;
    for (int l = 0; l < 4; ++l) {
      const float dl = db[l / 2];
      const uint64_t grid = tk_iq2s_grid[qs[l] | ((x->qh[ib32] << (8 - 2 * l)) & 0x300)];
      for (int j = 0; j < 8; ++j) {
        const uint8_t byte = (uint8_t)(grid >> 8 * j);
        const bool negative = signs[l] & (1 << j);
        y[j] = dl * byte * (negative ? -1.f : 1.f);
        slot[j] = negative ? 2 - grid_level(byte) : 3 + grid_level(byte);
      }
      y += 8;
      slot += 8;
    }
    qs += 4;
    signs += 4;
  }
}

void tk_iq2_super_block(int32_t type, const float *x, const float *importance, float *rounded, int32_t *slot) {
  float d;
  switch (type) {
    case TK_GGML_IQ2_XXS: {
      if (!importance) abort();  // ggml asserts its weights
      uint32_t q2[16];
      quantize_iq2_xxs(x, importance, &d, q2);
      dequantize_iq2_xxs(d, q2, rounded, slot);
      break;
    }
    case TK_GGML_IQ2_XS: {
      if (!importance) abort();
      uint16_t qs[32];
      uint8_t scales[8];
      quantize_iq2_xs(x, importance, &d, qs, scales);
      dequantize_iq2_xs(d, qs, scales, rounded, slot);
      break;
    }
    case TK_GGML_IQ2_S: {
      iq2_s_block block;
      quantize_iq2_s(x, importance, &d, &block);
      dequantize_iq2_s(d, &block, rounded, slot);
      break;
    }
    default:
      abort();
  }
}
