// ggml-quants.c's scale searches, operation for operation in float32, for llama.cpp's types as
// formats:
// - the K-quants' reference path (`quantize_row_q2_K_ref` … `quantize_row_q6_K_ref`, with
//   `make_qkx2_quants`, `make_q3_quants` and `make_qx_quants`), which llama-quantize takes for a
//   tensor without an imatrix entry: super-blocks of 256 along the row, sub-blocks of 16 (Q2_K,
//   Q3_K, Q6_K) or 32 (Q4_K, Q5_K) with their own scales (and minimums) quantized to 4, 6 or 8 bits
//   under an FP16 d (and dmin);
// - the imatrix paths (`quantize_row_*_K_impl`, `quantize_row_q4_0_impl` … `q5_1_impl`, with
//   `make_qkx3_quants`, `make_qp_quants` and `make_qx_quants` weighted), which it takes with one:
//   the searches weigh each element by its column's importance (and its own size);
// - IQ4_NL and IQ4_XS (`quantize_row_iq4_nl_impl`), with or without an imatrix.
// Values are dequantized as `dequantize_row_*` does. Where eight whole sub-blocks follow, their
// searches run side by side in ggml_search_lanes.c (the same results); these scalar functions
// take the rest, and everything with `TSCOPE_GGML_SEARCH=scalar`.
//
// A row whose length is not a multiple of the block (llama.cpp gives such tensors another type)
// ends in a shorter block; its last sub-block is cut at the row's end and searched over the
// elements it has. NaN and ±Inf are searched and rounded as 0 (ggml's loops see none); the caller
// counts them as non-finite.
#include "ggml_search.h"

/// `make_qkx2_quants` (`qkx3` 0) and `make_qkx3_quants` (`qkx3` 1, as the imatrix paths run it:
/// squared error): the scale and minimum of an asymmetric sub-block of `n` elements with codes
/// 0…nmax, searched over nstep + 1 trial scales by weighted squared (or absolute, `use_mad`) error.
/// Codes into `L`; returns the scale, the minimum's negation into `the_min`. The two differ only
/// where marked: qkx3 gives up on max ≤ min, and guards its trial codes against a minimum at or
/// near the maximum.
static float make_qkx_quants(
  int qkx3, int n, int nmax, const float *x, const float *weights, uint8_t *L, float *the_min, float rmin,
  float rdelta, int nstep, int use_mad) {
  uint8_t Laux[32];
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0) min = 0;
  if (qkx3 ? max <= min : max == min) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    *the_min = -min;
    return 0.f;
  }
  float iscale = nmax / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    L[i] = (uint8_t)clamp_int(nearest_int(iscale * (x[i] - min)), 0, nmax);
    float diff = scale * L[i] + min - x[i];
    diff = use_mad ? fabsf(diff) : diff * diff;
    best_error += weights[i] * diff;
  }
  if (nstep < 1) {
    *the_min = -min;
    return scale;
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * is + nmax) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      const float v = iscale * (x[i] - min);
      const int l = qkx3 ? (v > 0 ? nearest_int(v < nmax ? v : (float)nmax) : 0) : clamp_int(nearest_int(v), 0, nmax);
      Laux[i] = (uint8_t)l;
      const float w = weights[i];
      sum_l += w * l;
      sum_l2 += w * l * l;
      sum_xl += w * l * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0;
      for (int i = 0; i < n; ++i) {
        float diff = this_scale * Laux[i] + this_min - x[i];
        diff = use_mad ? fabsf(diff) : diff * diff;
        cur_error += weights[i] * diff;
      }
      if (cur_error < best_error) {
        for (int i = 0; i < n; ++i) L[i] = Laux[i];
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *the_min = -min;
  return scale;
}

/// `make_qp_quants` (declared in ggml_search.h): codes 0…nmax for non-negative values (the
/// sub-block scales and minimums of the imatrix paths) under one scale, tried at nine values around
/// nmax/max by weighted squared error, then refined by moving one code at a time. Codes into `L`;
/// returns the scale.
float make_qp_quants(int n, int nmax, const float *x, uint8_t *L, const float *quant_weights) {
  float max = 0;
  for (int i = 0; i < n; ++i) max = max > x[i] ? max : x[i];
  if (max < 1e-15f) {  // GROUP_MAX_EPS: all zero
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.f;
  }
  float iscale = nmax / max;
  for (int i = 0; i < n; ++i) L[i] = (uint8_t)nearest_int(iscale * x[i]);
  const float scale = 1 / iscale;
  float best_mse = 0;
  for (int i = 0; i < n; ++i) {
    const float diff = x[i] - scale * L[i];
    best_mse += quant_weights[i] * diff * diff;
  }
  for (int is = -4; is <= 4; ++is) {
    if (is == 0) continue;
    const float iscale_is = (0.1f * is + nmax) / max;
    const float scale_is = 1 / iscale_is;
    float mse = 0;
    for (int i = 0; i < n; ++i) {
      int l = nearest_int(iscale_is * x[i]);
      l = l < nmax ? l : nmax;
      const float diff = x[i] - scale_is * l;
      mse += quant_weights[i] * diff * diff;
    }
    if (mse < best_mse) {
      best_mse = mse;
      iscale = iscale_is;
    }
  }
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    int l = nearest_int(iscale * x[i]);
    l = l < nmax ? l : nmax;
    L[i] = (uint8_t)l;
    const float w = quant_weights[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  for (int itry = 0; itry < 5; ++itry) {
    int n_changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = quant_weights[i];
      float slx = sumlx - w * x[i] * L[i];
      float sl2 = suml2 - w * L[i] * L[i];
      if (slx > 0 && sl2 > 0) {
        int new_l = nearest_int(x[i] * sl2 / slx);
        new_l = new_l < nmax ? new_l : nmax;
        if (new_l != L[i]) {
          slx += w * x[i] * new_l;
          sl2 += w * new_l * new_l;
          if (slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = (uint8_t)new_l;
            sumlx = slx;
            suml2 = sl2;
            ++n_changed;
          }
        }
      }
    }
    if (!n_changed) break;
  }
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/// The first element of the largest magnitude, with its sign (ggml's `if (ax > amax)` scan); that
/// magnitude into `amax`.
static float largest_magnitude(const float *x, int n, float *amax) {
  float max = 0, largest = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = fabsf(x[i]);
    if (ax > largest) {
      largest = ax;
      max = x[i];
    }
  }
  *amax = largest;
  return max;
}

/// `make_q3_quants` with do_rmse: a symmetric sub-block's scale (signed, from its largest-magnitude
/// element) refined by moving one code at a time, weights x². Codes 0…2·nmax−1 into `L`.
static float make_q3_quants(int n, int nmax, const float *x, int8_t *L) {
  float amax;
  const float max = largest_magnitude(x, n, &amax);
  if (amax < 1e-15f) {  // GROUP_MAX_EPS: all zero
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.f;
  }
  const float iscale = -nmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
    L[i] = (int8_t)l;
    const float w = x[i] * x[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  for (int itry = 0; itry < 5; ++itry) {
    int n_changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      float slx = sumlx - w * x[i] * L[i];
      if (slx > 0) {
        float sl2 = suml2 - w * L[i] * L[i];
        const int new_l = clamp_int(nearest_int(x[i] * sl2 / slx), -nmax, nmax - 1);
        if (new_l != L[i]) {
          slx += w * x[i] * new_l;
          sl2 += w * new_l * new_l;
          if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = (int8_t)new_l;
            sumlx = slx;
            suml2 = sl2;
            ++n_changed;
          }
        }
      }
    }
    if (!n_changed) break;
  }
  for (int i = 0; i < n; ++i) L[i] = (int8_t)(L[i] + nmax);
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/// `make_qx_quants` with rmse_type 1: a symmetric sub-block's signed scale, the best of 19 trial
/// scales around nmax/max by weighted squared error, the weights `qw` (the imatrix paths) or, when
/// NULL, x². Codes 0…2·nmax−1 into `L`.
static float make_qx_quants(int n, int nmax, const float *x, int8_t *L, const float *qw) {
  float amax;
  const float max = largest_magnitude(x, n, &amax);
  if (amax < 1e-15f) {  // GROUP_MAX_EPS: all zero
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.f;
  }
  float iscale = -nmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
    L[i] = (int8_t)(l + nmax);
    const float w = qw ? qw[i] : x[i] * x[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  float scale = suml2 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(nmax + 0.1f * is) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
      const float w = qw ? qw[i] : x[i] * x[i];
      sumlx += w * x[i] * l;
      suml2 += w * l * l;
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i) L[i] = (int8_t)(nmax + clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1));
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

/// Every sub-block of `size`'s `make_qx_quants` (rmse_type 1; weights `qw`, or x² when NULL):
/// eight at a time in lanes where eight whole sub-blocks follow, the rest one by one.
static void symmetric_searches(
  int64_t count, int size, int nmax, const float *x, const float *qw, int8_t *L, float *scales) {
  const int sub_blocks = (int)((count + size - 1) / size);
  int j = 0;
  const int in_lanes = tk_ggml_search_lanes_enabled();
  for (; in_lanes && j + lanes <= sub_blocks && (int64_t)(j + lanes) * size <= count; j += lanes) {
    tk_symmetric_search_lanes(
      size, nmax, x + size * j, qw ? qw + size * j : NULL, L + size * j, scales + j);
  }
  for (; j < sub_blocks; ++j) {
    const int n = sub_count(count, size, j);
    scales[j] = make_qx_quants(n, nmax, x + size * j, L + size * j, qw ? qw + size * j : NULL);
  }
}

/// Every sub-block's asymmetric search (`make_qkx2_quants`, or `make_qkx3_quants` with `qkx3`):
/// eight at a time in lanes where eight whole sub-blocks follow, the rest one by one.
static void asymmetric_searches(
  int qkx3, int64_t count, int size, int nmax, const float *x, const float *weights, uint8_t *L, float *scales,
  float *mins, float rmin, float rdelta, int nstep, int use_mad) {
  const int sub_blocks = (int)((count + size - 1) / size);
  int j = 0;
  const int in_lanes = tk_ggml_search_lanes_enabled();
  for (; in_lanes && j + lanes <= sub_blocks && (int64_t)(j + lanes) * size <= count; j += lanes) {
    tk_asymmetric_search_lanes(
      qkx3, size, nmax, x + size * j, weights + size * j, size, L + size * j, scales + j, mins + j, rmin, rdelta,
      nstep, use_mad);
  }
  for (; j < sub_blocks; ++j) {
    const int n = sub_count(count, size, j);
    const float *xs = x + size * j, *ws = weights + size * j;
    scales[j] = make_qkx_quants(qkx3, n, nmax, xs, ws, L + size * j, &mins[j], rmin, rdelta, nstep, use_mad);
  }
}

/// What an asymmetric K-quant super-block (Q2_K, Q4_K, Q5_K) stores: the codes of each sub-block's
/// search, each sub-block's scale and minimum codes, and the FP16 d and dmin they multiply.
typedef struct {
  uint8_t L[super_block];
  int scale[super_block / 16];
  int minimum[super_block / 16];
  float d, dmin;
} asymmetric_block;

/// Q2_K's byte per sub-block: the scale's code, the minimum's shifted left 4 and ORed in, as the
/// uint8_t ggml stores keeps them.
static void unpack_q2_scales(const uint8_t *packed, int sub_blocks, asymmetric_block *block) {
  for (int j = 0; j < sub_blocks; ++j) {
    block->scale[j] = packed[j] & 0xF;
    block->minimum[j] = packed[j] >> 4;
  }
}

/// The reference search (`quantize_row_q2_K_ref`, `q4_K_ref`, `q5_K_ref`): `make_qkx2_quants` per
/// sub-block, then its scale and minimum as codes of the largest ones (4 bits for Q2_K, 6 bits).
static void asymmetric_reference(int32_t type, const float *x, int64_t count, asymmetric_block *block) {
  const int size = type == TK_GGML_Q2_K ? 16 : 32;
  const int nmax = type == TK_GGML_Q2_K ? 3 : type == TK_GGML_Q4_K ? 15 : 31;
  const int sub_blocks = (int)((count + size - 1) / size);
  float scales[super_block / 16], mins[super_block / 16], weights[super_block];
  for (int j = 0; j < sub_blocks; ++j) {
    const int n = sub_count(count, size, j);
    const float *xs = x + size * j;
    float *ws = weights + size * j;
    if (type == TK_GGML_Q2_K) {
      for (int l = 0; l < n; ++l) ws[l] = fabsf(xs[l]);
    } else {
      const float av_x = sqrtf(sum_of_squares(xs, n) / n);
      for (int l = 0; l < n; ++l) ws[l] = av_x + fabsf(xs[l]);
    }
  }
  switch (type) {
    case TK_GGML_Q2_K:
      asymmetric_searches(0, count, size, nmax, x, weights, block->L, scales, mins, -0.5f, 0.1f, 15, 1);
      break;
    case TK_GGML_Q4_K:
      asymmetric_searches(0, count, size, nmax, x, weights, block->L, scales, mins, -1.f, 0.1f, 20, 0);
      break;
    default: asymmetric_searches(0, count, size, nmax, x, weights, block->L, scales, mins, -0.5f, 0.1f, 15, 0); break;
  }
  float max_scale = 0, max_min = 0;  // as the minimum is deducted, scales are positive
  for (int j = 0; j < sub_blocks; ++j) {
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  if (type == TK_GGML_Q2_K) {
    const float q4scale = 15.f;
    uint8_t packed[super_block / 16] = {0};
    block->d = 0;
    block->dmin = 0;
    if (max_scale > 0) {
      const float iscale = q4scale / max_scale;
      for (int j = 0; j < sub_blocks; ++j) packed[j] = (uint8_t)nearest_int(iscale * scales[j]);
      block->d = tk_fp16_round(max_scale / q4scale);
    }
    if (max_min > 0) {
      const float iscale = q4scale / max_min;
      for (int j = 0; j < sub_blocks; ++j) packed[j] |= (uint8_t)(nearest_int(iscale * mins[j]) << 4);
      block->dmin = tk_fp16_round(max_min / q4scale);
    }
    unpack_q2_scales(packed, sub_blocks, block);
    return;
  }
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  for (int j = 0; j < sub_blocks; ++j) {
    const uint8_t ls = (uint8_t)nearest_int(inv_scale * scales[j]);
    const uint8_t lm = (uint8_t)nearest_int(inv_min * mins[j]);
    block->scale[j] = ls < 63 ? ls : 63;
    block->minimum[j] = lm < 63 ? lm : 63;
  }
  block->d = tk_fp16_round(max_scale / 63.f);
  block->dmin = tk_fp16_round(max_min / 63.f);
}

/// The imatrix search (`quantize_row_q2_K_impl`, `q4_K_impl`, `q5_K_impl`): weights
/// qw·√(σ² + x²) (σ² the super-block's mean square, doubled for Q4_K/Q5_K), `make_qkx3_quants`
/// per sub-block, then the scales and minimums coded by `make_qp_quants` weighted by each
/// sub-block's total weight.
static void asymmetric_imatrix(
  int32_t type, const float *x, int64_t count, const float *qw, asymmetric_block *block) {
  const int size = type == TK_GGML_Q2_K ? 16 : 32;
  const int nmax = type == TK_GGML_Q2_K ? 3 : type == TK_GGML_Q4_K ? 15 : 31;
  const int sub_blocks = (int)((count + size - 1) / size);
  const float sum_x2 = sum_of_squares(x, count);
  const float sigma2 = type == TK_GGML_Q2_K ? sum_x2 / super_block : 2 * sum_x2 / super_block;
  float scales[super_block / 16], mins[super_block / 16], sw[super_block / 16], weights[super_block];
  for (int j = 0; j < sub_blocks; ++j) {
    const int n = sub_count(count, size, j);
    const float *xs = x + size * j;
    float *ws = weights + size * j;
    for (int l = 0; l < n; ++l) ws[l] = qw[size * j + l] * sqrtf(sigma2 + xs[l] * xs[l]);
    float sumw = 0;
    for (int l = 0; l < n; ++l) sumw += ws[l];
    sw[j] = sumw;
  }
  asymmetric_searches(1, count, size, nmax, x, weights, block->L, scales, mins, -0.9f, 0.05f, 36, 0);
  const int levels = type == TK_GGML_Q2_K ? 15 : 63;
  uint8_t Ls[super_block / 16], Lm[super_block / 16];
  const float d = make_qp_quants(sub_blocks, levels, scales, Ls, sw);
  const float dmin = make_qp_quants(sub_blocks, levels, mins, Lm, sw);
  block->d = tk_fp16_round(d);
  block->dmin = tk_fp16_round(dmin);
  if (type == TK_GGML_Q2_K) {
    uint8_t packed[super_block / 16];
    for (int j = 0; j < sub_blocks; ++j) packed[j] = (uint8_t)(Ls[j] | (Lm[j] << 4));
    unpack_q2_scales(packed, sub_blocks, block);
    return;
  }
  for (int j = 0; j < sub_blocks; ++j) {  // 6-bit fields: what get_scale_min_k4 reads back
    block->scale[j] = (Ls[j] < 63 ? Ls[j] : 63) & 63;
    block->minimum[j] = (Lm[j] < 63 ? Lm[j] : 63) & 63;
  }
}

/// Every code rounded again against its sub-block's stored scale and minimum, then dequantized:
/// x̂ = d·scale·q − dmin·minimum. A sub-block whose stored scale is 0 keeps its search's codes
/// (`if (!d) continue;`).
static void asymmetric_round(
  int32_t type, const float *x, int64_t count, asymmetric_block *block, float *rounded, int32_t *slot) {
  const int size = type == TK_GGML_Q2_K ? 16 : 32;
  const int nmax = type == TK_GGML_Q2_K ? 3 : type == TK_GGML_Q4_K ? 15 : 31;
  const int sub_blocks = (int)((count + size - 1) / size);
  for (int j = 0; j < sub_blocks; ++j) {
    const int n = sub_count(count, size, j);
    uint8_t *L = block->L + size * j;
    const float dl = block->d * block->scale[j];
    const float ml = block->dmin * block->minimum[j];
    if (dl != 0) {
      for (int l = 0; l < n; ++l) L[l] = (uint8_t)clamp_int(nearest_int((x[size * j + l] + ml) / dl), 0, nmax);
    }
    for (int l = 0; l < n; ++l) {
      rounded[size * j + l] = dl * L[l] - ml;
      slot[size * j + l] = L[l];
    }
  }
}

/// The symmetric sub-blocks of 16 of Q3_K (nmax 4) and Q6_K (nmax 32): every code −nmax…nmax−1
/// (stored nmax higher) rounded again against its sub-block's stored scale `dl[j]`, then
/// dequantized: x̂ = dl·(q − nmax). A sub-block whose scale is 0 keeps its search's codes.
static void symmetric_round(
  const float *x, int64_t count, int8_t *L, const float *dl, int nmax, float *rounded, int32_t *slot) {
  const int sub_blocks = (int)((count + 15) / 16);
  for (int j = 0; j < sub_blocks; ++j) {
    const int n = sub_count(count, 16, j);
    if (dl[j] != 0) {
      for (int l = 0; l < n; ++l) {
        L[16 * j + l] = (int8_t)(clamp_int(nearest_int(x[16 * j + l] / dl[j]), -nmax, nmax - 1) + nmax);
      }
    }
    for (int l = 0; l < n; ++l) {
      const int q = L[16 * j + l];
      rounded[16 * j + l] = dl[j] * (float)(q - nmax);
      slot[16 * j + l] = q;
    }
  }
}

/// Q3_K's stored scales (the decoded 6-bit fields minus 32) under d, applied: dl = d·scale.
static void q3_round(const float *x, int64_t count, int8_t *L, const int *scale, float d, float *rounded, int32_t *slot) {
  float dl[super_block / 16];
  for (int j = 0; j < (int)((count + 15) / 16); ++j) dl[j] = d * scale[j];
  symmetric_round(x, count, L, dl, 4, rounded, slot);
}

/// Q3_K's reference path: `make_q3_quants` per sub-block of 16, the signed scales coded in 6 bits
/// (−32…31) under d = max_scale/−32.
static void q3_reference(const float *x, int64_t count, float *rounded, int32_t *slot) {
  const int sub_blocks = (int)((count + 15) / 16);
  int8_t L[super_block];
  float scales[super_block / 16];
  for (int j = 0; j < sub_blocks; ++j) scales[j] = make_q3_quants(sub_count(count, 16, j), 4, x + 16 * j, L + 16 * j);
  float amax;
  const float max_scale = largest_magnitude(scales, sub_blocks, &amax);
  int stored[super_block / 16];  // the decoded 6-bit scale minus 32
  float d = 0;
  if (max_scale != 0) {
    const float iscale = -32.f / max_scale;
    for (int j = 0; j < sub_blocks; ++j) stored[j] = clamp_int((int8_t)nearest_int(iscale * scales[j]), -32, 31);
    d = tk_fp16_round(1 / iscale);
  } else {
    for (int j = 0; j < sub_blocks; ++j) stored[j] = -32;  // zeroed fields decode to 0 − 32
  }
  q3_round(x, count, L, stored, d, rounded, slot);
}

/// Q3_K's imatrix path: weights qw·√(σ² + x²) (σ² twice the mean square), `make_qx_quants` per
/// sub-block, then the scales coded by `make_qx_quants` (nmax 32) weighted by each sub-block's
/// total weight.
static void q3_imatrix(const float *x, int64_t count, const float *qw, float *rounded, int32_t *slot) {
  const int sub_blocks = (int)((count + 15) / 16);
  int8_t L[super_block], Ls[super_block / 16];
  float scales[super_block / 16], sw[super_block / 16], weights[super_block];
  const float sigma2 = 2 * sum_of_squares(x, count) / super_block;
  for (int j = 0; j < sub_blocks; ++j) {
    const int n = sub_count(count, 16, j);
    float *ws = weights + 16 * j;
    for (int l = 0; l < n; ++l) ws[l] = qw[16 * j + l] * sqrtf(sigma2 + x[16 * j + l] * x[16 * j + l]);
    float sumw = 0;
    for (int l = 0; l < n; ++l) sumw += ws[l];
    sw[j] = sumw;
  }
  symmetric_searches(count, 16, 4, x, weights, L, scales);
  const float d = tk_fp16_round(make_qx_quants(sub_blocks, 32, scales, Ls, sw));
  int stored[super_block / 16];
  for (int j = 0; j < sub_blocks; ++j) stored[j] = (Ls[j] & 63) - 32;  // its 6 bits, minus 32
  q3_round(x, count, L, stored, d, rounded, slot);
}

/// Q6_K: `make_qx_quants` per sub-block of 16 (codes −32…31 stored as 0…63; weights x², or the
/// importance itself on the imatrix path), the signed scales coded in 8 bits under
/// d = max_scale/−128; a super-block whose scales are all below 1e-15 is stored as 0.
static void q6_super_block(const float *x, int64_t count, const float *qw, float *rounded, int32_t *slot) {
  const int sub_blocks = (int)((count + 15) / 16);
  int8_t L[super_block];
  float scales[super_block / 16];
  symmetric_searches(count, 16, 32, x, qw, L, scales);
  float max_abs_scale;
  const float max_scale = largest_magnitude(scales, sub_blocks, &max_abs_scale);
  if (max_abs_scale < 1e-15f) {  // GROUP_MAX_EPS: the block is stored as zeros
    for (int64_t i = 0; i < count; ++i) {
      rounded[i] = 0;
      slot[i] = 0;
    }
    return;
  }
  const float iscale = -128.f / max_scale;
  const float d = tk_fp16_round(1 / iscale);
  float dl[super_block / 16];
  for (int j = 0; j < sub_blocks; ++j) {
    const int scale = nearest_int(iscale * scales[j]);
    dl[j] = d * (int8_t)(scale < 127 ? scale : 127);  // the stored int8 scale
  }
  symmetric_round(x, count, L, dl, 32, rounded, slot);
}

/// Legacy blocks of 32 (Q4_0, Q4_1, Q5_0, Q5_1; up to eight, `count` elements) on the imatrix path
/// (`quantize_row_q4_0_impl` …): weights qw·√(σ² + x²), σ² the whole row's mean square;
/// `make_qx_quants` (Q4_0, Q5_0) or `make_qkx3_quants` (Q4_1, Q5_1) gives each block's scale (and
/// minimum), stored as FP16 with the search's codes kept.
static void legacy_imatrix(
  int32_t type, const float *x, int64_t count, const float *qw, float row_sigma2, float *rounded, int32_t *slot) {
  enum { block = 32 };
  float weights[super_block], scales[super_block / block], mins[super_block / block];
  for (int64_t j = 0; j < count; ++j) weights[j] = qw[j] * sqrtf(row_sigma2 + x[j] * x[j]);
  const int blocks = (int)((count + block - 1) / block);
  if (type == TK_GGML_Q4_0 || type == TK_GGML_Q5_0) {
    const int nmax = type == TK_GGML_Q4_0 ? 8 : 16;
    int8_t L[super_block];
    symmetric_searches(count, block, nmax, x, weights, L, scales);
    for (int b = 0; b < blocks; ++b) {
      const float d = tk_fp16_round(scales[b]);
      for (int j = block * b; j < block * b + sub_count(count, block, b); ++j) {
        rounded[j] = (float)(L[j] - nmax) * d;
        slot[j] = L[j];
      }
    }
    return;
  }
  uint8_t L[super_block];
  asymmetric_searches(1, count, block, type == TK_GGML_Q4_1 ? 15 : 31, x, weights, L, scales, mins, -0.9f, 0.05f, 36, 0);
  for (int b = 0; b < blocks; ++b) {
    const float d = tk_fp16_round(scales[b]), m = tk_fp16_round(-mins[b]);
    for (int j = block * b; j < block * b + sub_count(count, block, b); ++j) {
      rounded[j] = (float)L[j] * d + m;
      slot[j] = L[j];
    }
  }
}

int tk_iq4_index(float x) { return iq4_index(x); }

/// One block's scale search (`quantize_row_iq4_nl_impl`'s loop body): 0 for a block below 1e-15.
static float iq4_block_scale(const float *xb, const float *weight, int n) {
  enum { ntry = 7 };
  float amax;
  const float max = largest_magnitude(xb, n, &amax);
  if (amax < 1e-15f) return 0;  // GROUP_MAX_EPS
  float d = -max / iq4_values[0];
  float id = 1 / d;
  float sumqx = 0, sumq2 = 0;
  for (int j = 0; j < n; ++j) {
    const float q = iq4_values[iq4_index(id * xb[j])];
    sumqx += weight[j] * q * xb[j];
    sumq2 += weight[j] * q * q;
  }
  d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
  float best = d * sumqx;
  for (int itry = -ntry; itry <= ntry; ++itry) {
    id = (itry + iq4_values[0]) / max;
    sumqx = sumq2 = 0;
    for (int j = 0; j < n; ++j) {
      const float q = iq4_values[iq4_index(id * xb[j])];
      sumqx += weight[j] * q * xb[j];
      sumq2 += weight[j] * q * q;
    }
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      d = sumqx / sumq2;
      best = d * sumqx;
    }
  }
  return d;
}

/// IQ4_NL (blocks of 32; up to eight at a time here) and IQ4_XS (a super-block of 256, blocks of 32
/// whose scales are coded in 6 bits under an FP16 d) as llama-quantize writes them
/// (`quantize_iq4_nl`, `quantize_iq4_xs`: `quantize_row_iq4_nl_impl` with 7 trial scales each way):
/// weights x², or qw·√(σ² + x²) on the imatrix path (σ² twice the mean square of the IQ4_NL block
/// or IQ4_XS super-block); each block's scale the best least-squares one, then every code the
/// nearest value to x/scale. x̂ = d·value (IQ4_XS: d·(scale − 32)·value).
static void iq4_block(int32_t type, const float *x, int64_t count, const float *qw, float *rounded, int32_t *slot) {
  enum { block = 32 };
  const int blocks = (int)((count + block - 1) / block);
  float weight[super_block], scales[super_block / block];
  const float super_sigma2 = type == TK_GGML_IQ4_XS && qw ? sum_of_squares(x, count) * (2.f / super_block) : 0;
  for (int ib = 0; ib < blocks; ++ib) {
    const int n = sub_count(count, block, ib);
    const float *xb = x + ib * block;
    const float sigma2 =
      type == TK_GGML_IQ4_XS ? super_sigma2 : qw ? sum_of_squares(xb, n) * (2.f / block) : 0;
    for (int j = 0; j < n; ++j) {
      weight[ib * block + j] = qw ? qw[ib * block + j] * sqrtf(sigma2 + xb[j] * xb[j]) : xb[j] * xb[j];
    }
  }
  int first = 0;
  if (tk_ggml_search_lanes_enabled() && blocks == lanes && count == super_block) {
    tk_iq4_search_lanes(x, weight, scales);
    first = lanes;
  }
  for (int ib = first; ib < blocks; ++ib) {
    scales[ib] = iq4_block_scale(x + ib * block, weight + ib * block, sub_count(count, block, ib));
  }
  if (type == TK_GGML_IQ4_NL) {  // each block's scale as FP16, the codes against the unrounded one
    for (int ib = 0; ib < blocks; ++ib) {
      const float d16 = tk_fp16_round(scales[ib]);
      const float id = scales[ib] ? 1 / scales[ib] : 0;
      for (int j = ib * block; j < ib * block + sub_count(count, block, ib); ++j) {
        slot[j] = iq4_index(id * x[j]);
        rounded[j] = d16 * iq4_values[slot[j]];
      }
    }
    return;
  }
  float amax_scale;
  const float max_scale = largest_magnitude(scales, blocks, &amax_scale);
  const float d = -max_scale / 32;
  const float d16 = tk_fp16_round(d);
  const float id = d ? 1 / d : 0.f;
  for (int ib = 0; ib < blocks; ++ib) {
    const int l = clamp_int(nearest_int(id * scales[ib]), -32, 31);
    const float dl = d * l;
    const float idl = dl ? 1 / dl : 0.f;
    const float stored = d16 * l;  // dequantize_row_iq4_xs: d · (ls − 32)
    for (int j = ib * block; j < ib * block + sub_count(count, block, ib); ++j) {
      slot[j] = iq4_index(idl * x[j]);
      rounded[j] = stored * iq4_values[slot[j]];
    }
  }
}

/// An IQ lattice type's super-block: ggml needs whole super-blocks of 256, so a row's shorter tail
/// is padded with zeros (importance 0 where an imatrix is given) and the padding dropped after.
static void lattice_block(
  int32_t type, float *clean, int64_t count, const float *importance, float *rounded, int32_t *slot) {
  float padded_importance[super_block], padded_rounded[super_block];
  int32_t padded_slot[super_block];
  for (int64_t i = count; i < super_block; i++) clean[i] = 0;
  if (!importance && (type == TK_GGML_IQ2_XXS || type == TK_GGML_IQ2_XS || type == TK_GGML_IQ1_S)) {
    // ggml asserts an imatrix for these; tscope refuses them without one before they get here, so
    // this only keeps a caller that forgot from crashing: every element weighs the same.
    for (int i = 0; i < super_block; i++) padded_importance[i] = i < count ? 1.0f : 0.0f;
    importance = padded_importance;
  }
  if (importance && importance != padded_importance && count < super_block) {
    memcpy(padded_importance, importance, (size_t)count * sizeof(float));
    for (int64_t i = count; i < super_block; i++) padded_importance[i] = 0;
    importance = padded_importance;
  }
  float *out = count < super_block ? padded_rounded : rounded;
  int32_t *codes = count < super_block ? padded_slot : slot;
  switch (type) {
    case TK_GGML_IQ3_XXS:
    case TK_GGML_IQ3_S: tk_iq3_super_block(type, clean, importance, out, codes); break;
    case TK_GGML_IQ1_S:
    case TK_GGML_IQ1_M: tk_iq1_super_block(type, clean, importance, out, codes); break;
    default: tk_iq2_super_block(type, clean, importance, out, codes); break;
  }
  if (count < super_block) {
    memcpy(rounded, padded_rounded, (size_t)count * sizeof(float));
    memcpy(slot, padded_slot, (size_t)count * sizeof(int32_t));
  }
}

void tk_ggml_searched_block(
  int32_t type, const float *x, int64_t count, const float *importance, float row_sigma2, float *rounded,
  int32_t *slot) {
  float clean[super_block];
  for (int64_t i = 0; i < count; i++) clean[i] = fabsf(x[i]) < INFINITY ? x[i] : 0.0f;
  switch (type) {
    case TK_GGML_Q3_K:
      if (importance) {
        q3_imatrix(clean, count, importance, rounded, slot);
      } else {
        q3_reference(clean, count, rounded, slot);
      }
      break;
    case TK_GGML_Q6_K: q6_super_block(clean, count, importance, rounded, slot); break;
    case TK_GGML_IQ4_NL:
    case TK_GGML_IQ4_XS: iq4_block(type, clean, count, importance, rounded, slot); break;
    case TK_GGML_Q2_K:
    case TK_GGML_Q4_K:
    case TK_GGML_Q5_K: {
      asymmetric_block block;
      if (importance) {
        asymmetric_imatrix(type, clean, count, importance, &block);
      } else {
        asymmetric_reference(type, clean, count, &block);
      }
      asymmetric_round(type, clean, count, &block, rounded, slot);
      break;
    }
    case TK_GGML_IQ2_XXS:
    case TK_GGML_IQ2_XS:
    case TK_GGML_IQ2_S:
    case TK_GGML_IQ3_XXS:
    case TK_GGML_IQ3_S:
    case TK_GGML_IQ1_S:
    case TK_GGML_IQ1_M: lattice_block(type, clean, count, importance, rounded, slot); break;
    default: legacy_imatrix(type, clean, count, importance, row_sigma2, rounded, slot); break;
  }
}
