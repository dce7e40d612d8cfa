// Shared by ggml_searches.c (ggml's scale searches, one sub-block at a time) and
// ggml_search_lanes.c (the same searches on eight sub-blocks at once): ggml's rounding helpers and
// the lane entry points.
#ifndef TSCOPE_GGML_SEARCH_H
#define TSCOPE_GGML_SEARCH_H
#include <float.h>

#include "tk_internal.h"

/// A K-quant super-block (and the most elements one searched block holds).
enum { super_block = 256 };

/// Sub-blocks searched side by side in `ggml_search_lanes.c`.
enum { lanes = 8 };

/// ggml's `nearest_int`: round half to even by the 1.5·2^23 trick, for any finite float (ggml
/// asserts |x| ≤ 2^22 − 1; beyond that the trick's bits are kept as ggml's release build keeps them).
static inline int nearest_int(float value) {
  const float shifted = value + 12582912.0f;
  int32_t bits;
  memcpy(&bits, &shifted, sizeof bits);
  return (bits & 0x007fffff) - 0x00400000;
}

static inline int clamp_int(int value, int low, int high) { return value < low ? low : value > high ? high : value; }

/// The elements of sub-block `j` of a block of `count` (the last one may be cut short).
static inline int sub_count(int64_t count, int size, int j) {
  const int64_t left = count - (int64_t)size * j;
  return left < size ? (int)left : size;
}

/// ggml's `make_qp_quants` (ggml_searches.c): also IQ2_XXS's first scale, which passes one negative
/// value (the sign-parity flip) whose code wraps in the uint8_t `L`, as in ggml.
float make_qp_quants(int n, int nmax, const float *x, uint8_t *L, const float *quant_weights);

/// Σx² of `count` floats in element order (the imatrix paths' and lattice searches' σ²).
static inline float sum_of_squares(const float *x, int64_t count) {
  float sum = 0;
  for (int64_t i = 0; i < count; ++i) sum += x[i] * x[i];
  return sum;
}

/// ggml's `iq2_find_best_neighbour` and `iq3_find_best_neighbour` (groups of 8 and of 4): of the
/// listed grid points (`neighbours`: the count, then grid indices; `grid`: each point's `group`
/// coordinates 2l + 1), the first with the least weighted squared error at `scale`; its codes l into
/// `L`. Where every error is NaN or beyond FLT_MAX (|x| of about 1e13 and up) ggml asserts; this
/// takes the first listed point.
static inline int lattice_best_neighbour(
  const uint16_t *neighbours, const int8_t *grid, int group, const float *xval, const float *weight, float scale,
  int8_t *L) {
  const int num_neighbors = neighbours[0];
  float best_d2 = FLT_MAX;
  int grid_index = -1;
  for (int j = 1; j <= num_neighbors; ++j) {
    const int8_t *pg = grid + group * neighbours[j];
    float d2 = 0;
    for (int i = 0; i < group; ++i) {
      const float q = pg[i];
      const float diff = scale * q - xval[i];
      d2 += weight[i] * diff * diff;
    }
    if (d2 < best_d2) {
      best_d2 = d2;
      grid_index = neighbours[j];
    }
  }
  if (grid_index < 0) grid_index = neighbours[1];
  const int8_t *pg = grid + group * grid_index;
  for (int i = 0; i < group; ++i) L[i] = (int8_t)((pg[i] - 1) / 2);
  return grid_index;
}

/// The lattice types' signs of 8 elements: |x| into `xval`, and bit i set where x_i < 0 (IQ2_S, IQ3_S).
static inline uint8_t sign_bits(const float *xb, float *xval) {
  uint8_t s = 0;
  for (int i = 0; i < 8; ++i) {
    if (xb[i] >= 0) {
      xval[i] = xb[i];
    } else {
      xval[i] = -xb[i];
      s |= (uint8_t)(1 << i);
    }
  }
  return s;
}

/// IQ2_XXS's, IQ2_XS's and IQ3_XXS's signs of 8 elements: `sign_bits`, made even in number (7 bits
/// stored, the 8th implied) by flipping the element of least weight·x², whose xval becomes −|x|.
/// Returns the 7 stored bits.
static inline uint8_t even_signs(const float *xb, const float *weight, float *xval) {
  uint8_t s = sign_bits(xb, xval);
  if (__builtin_popcount(s) % 2) {
    int imin = 0;
    float min = weight[imin] * xb[imin] * xb[imin];
    for (int i = 1; i < 8; ++i) {
      const float ax = weight[i] * xb[i] * xb[i];
      if (ax < min) {
        min = ax;
        imin = i;
      }
    }
    xval[imin] = -xval[imin];
    s ^= (uint8_t)(1 << imin);
  }
  return s & 127;
}

/// IQ4_NL's and IQ4_XS's non-linear 4-bit values (ggml-common.h `kvalues_iq4nl`).
static const int8_t iq4_values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

/// ggml's `best_index_int8` over `iq4_values` (the nearest value's index, a tie to the larger),
/// without its branches: the count of neighbour pairs whose midpoint x has reached, decided by the
/// same float differences as ggml's last step (`x - val[mu-1] < val[mu] - x`). Equal for every
/// finite x: below a pair both differences keep their signs, and x − v ≠ 0 unless x = v.
static inline int iq4_index(float x) {
  int index = 0;
  for (int m = 1; m < 16; ++m) index += x - iq4_values[m - 1] >= iq4_values[m] - x;
  return index;
}

/// Whether the searches run eight at a time in lanes (the default) or one by one as ggml runs them
/// (`TSCOPE_GGML_SEARCH=scalar`): the same results either way, both paths tested against
/// llama.cpp's files.
int tk_ggml_search_lanes_enabled(void);

/// `make_qkx2_quants` (`qkx3` 0) or `make_qkx3_quants` (`qkx3` 1) on eight sub-blocks of `n`
/// elements, one per lane: sub-block k's elements at `x + k·stride` (weights likewise), codes to
/// `L + k·stride`, scales and minimums' negations to `scales[k]`, `mins[k]`.
void tk_asymmetric_search_lanes(
  int qkx3, int n, int nmax, const float *x, const float *weights, int stride, uint8_t *L, float *scales,
  float *mins, float rmin, float rdelta, int nstep, int use_mad);

/// `make_qx_quants` (rmse_type 1) on eight sub-blocks of `n` (16 or 32), one per lane: sub-block
/// k's elements at `x + n·k`, weights likewise (`qw`, or x² when NULL), codes to `L + n·k`, scales
/// to `scales[k]`.
void tk_symmetric_search_lanes(int n, int nmax, const float *x, const float *qw, int8_t *L, float *scales);

/// `quantize_row_iq4_nl_impl`'s per-block scale search on eight blocks of 32, one per lane (block
/// k's elements and weights at `x + 32·k`, `weight + 32·k`): the scales to `scales[k]`.
void tk_iq4_search_lanes(const float *x, const float *weight, float *scales);

#endif
