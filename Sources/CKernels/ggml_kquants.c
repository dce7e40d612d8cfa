// llama.cpp's K-quants as formats: one super-block of Q2_K … Q6_K quantized as ggml-quants.c's
// reference does it (`quantize_row_q2_K_ref` … `quantize_row_q6_K_ref`, with their scale searches
// `make_qkx2_quants`, `make_q3_quants` and `make_qx_quants`) and dequantized as `dequantize_row_*_K`
// does, operation for operation in float32: super-blocks of 256 along the row, sub-blocks of 16
// (Q2_K, Q3_K, Q6_K) or 32 (Q4_K, Q5_K) with their own scales (and minimums) quantized to 4, 6 or 8
// bits under an FP16 d (and dmin). This is the path llama-quantize takes for a tensor without
// an imatrix entry; the imatrix-weighted searches (`quantize_row_*_K_impl`) are not ported.
//
// A row whose length is not a multiple of 256 (llama.cpp gives such tensors another type) ends in a
// shorter super-block; its last sub-block is cut at the row's end and searched over the elements
// it has. NaN and ±Inf are searched and rounded as 0 (ggml's loops see none); the caller counts
// them as non-finite.
#include "tk_internal.h"

enum { super_block = 256 };

/// ggml's `nearest_int`: round half to even by the 1.5·2^23 trick, for any finite float (ggml
/// asserts |x| ≤ 2^22 − 1; beyond that the trick's bits are kept as ggml's release build keeps them).
static int nearest_int(float value) {
  const float shifted = value + 12582912.0f;
  int32_t bits;
  memcpy(&bits, &shifted, sizeof bits);
  return (bits & 0x007fffff) - 0x00400000;
}

static int clamp_int(int value, int low, int high) { return value < low ? low : value > high ? high : value; }

/// `make_qkx2_quants`: the scale and minimum of an asymmetric sub-block of `n` elements with codes
/// 0…nmax, searched over nstep + 1 trial scales by weighted squared (or absolute, `use_mad`) error.
/// Codes into `L`; returns the scale, the minimum's negation into `the_min`.
static float make_qkx2_quants(
  int n, int nmax, const float *x, const float *weights, uint8_t *L, float *the_min, float rmin, float rdelta,
  int nstep, int use_mad) {
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
  if (max == min) {
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
      const int l = clamp_int(nearest_int(iscale * (x[i] - min)), 0, nmax);
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

/// `make_q3_quants` with do_rmse: a symmetric sub-block's scale (signed, from its largest-magnitude
/// element) refined by moving one code at a time, weights x². Codes 0…2·nmax−1 into `L`.
static float make_q3_quants(int n, int nmax, const float *x, int8_t *L) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = fabsf(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
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

/// `make_qx_quants` with rmse_type 1 and no importance (weights x²): a symmetric sub-block's signed
/// scale, the best of 19 trial scales around nmax/max. Codes 0…2·nmax−1 into `L`.
static float make_qx_quants(int n, int nmax, const float *x, int8_t *L) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = fabsf(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < 1e-15f) {  // GROUP_MAX_EPS: all zero
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.f;
  }
  float iscale = -nmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
    L[i] = (int8_t)(l + nmax);
    const float w = x[i] * x[i];
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
      const float w = x[i] * x[i];
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

/// The elements of sub-block `j` of a super-block of `count` (the last one may be cut short).
static int sub_count(int64_t count, int size, int j) {
  const int64_t left = count - (int64_t)size * j;
  return left < size ? (int)left : size;
}

/// Q2_K and Q4_K/Q5_K: asymmetric sub-blocks (16 or 32 elements, codes 0…nmax) whose scales and
/// minimums are quantized to `scale_levels` (15: 4 bits; 63: 6 bits) under the FP16 d and dmin,
/// then every code rounded again against the stored scale and minimum.
static void asymmetric_super_block(
  int32_t type, const float *x, int64_t count, float *rounded, int32_t *slot) {
  const int size = type == TK_GGML_Q2_K ? 16 : 32;
  const int nmax = type == TK_GGML_Q2_K ? 3 : type == TK_GGML_Q4_K ? 15 : 31;
  const int sub_blocks = (int)((count + size - 1) / size);
  uint8_t L[super_block];
  float scales[super_block / 16], mins[super_block / 16], weights[32];
  float max_scale = 0, max_min = 0;  // as the minimum is deducted, scales are positive
  for (int j = 0; j < sub_blocks; ++j) {
    const int n = sub_count(count, size, j);
    const float *xs = x + size * j;
    if (type == TK_GGML_Q2_K) {
      for (int l = 0; l < n; ++l) weights[l] = fabsf(xs[l]);
      scales[j] = make_qkx2_quants(n, nmax, xs, weights, L + size * j, &mins[j], -0.5f, 0.1f, 15, 1);
    } else {
      float sum_x2 = 0;
      for (int l = 0; l < n; ++l) sum_x2 += xs[l] * xs[l];
      const float av_x = sqrtf(sum_x2 / n);
      for (int l = 0; l < n; ++l) weights[l] = av_x + fabsf(xs[l]);
      if (type == TK_GGML_Q4_K) {
        scales[j] = make_qkx2_quants(n, nmax, xs, weights, L + size * j, &mins[j], -1.f, 0.1f, 20, 0);
      } else {
        scales[j] = make_qkx2_quants(n, nmax, xs, weights, L + size * j, &mins[j], -0.5f, 0.1f, 15, 0);
      }
    }
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  // The stored sub-block scales and minimums (`scales[]`'s nibbles or 6-bit fields) and d, dmin.
  int stored_scale[super_block / 16], stored_min[super_block / 16];
  float d, dmin;
  if (type == TK_GGML_Q2_K) {
    // Each sub-block's scale and minimum share a byte (`scales[j]`): the scale's code stored, the
    // minimum's shifted left 4 and ORed in, both as ggml's uint8_t keeps them.
    const float q4scale = 15.f;
    uint8_t packed[super_block / 16] = {0};
    d = 0;
    dmin = 0;
    if (max_scale > 0) {
      const float iscale = q4scale / max_scale;
      for (int j = 0; j < sub_blocks; ++j) packed[j] = (uint8_t)nearest_int(iscale * scales[j]);
      d = tk_fp16_round(max_scale / q4scale);
    }
    if (max_min > 0) {
      const float iscale = q4scale / max_min;
      for (int j = 0; j < sub_blocks; ++j) packed[j] |= (uint8_t)(nearest_int(iscale * mins[j]) << 4);
      dmin = tk_fp16_round(max_min / q4scale);
    }
    for (int j = 0; j < sub_blocks; ++j) {
      stored_scale[j] = packed[j] & 0xF;
      stored_min[j] = packed[j] >> 4;
    }
  } else {
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    for (int j = 0; j < sub_blocks; ++j) {
      const uint8_t ls = (uint8_t)nearest_int(inv_scale * scales[j]);
      const uint8_t lm = (uint8_t)nearest_int(inv_min * mins[j]);
      stored_scale[j] = ls < 63 ? ls : 63;
      stored_min[j] = lm < 63 ? lm : 63;
    }
    d = tk_fp16_round(max_scale / 63.f);
    dmin = tk_fp16_round(max_min / 63.f);
  }
  for (int j = 0; j < sub_blocks; ++j) {
    const int n = sub_count(count, size, j);
    const float dl = d * stored_scale[j];
    const float ml = dmin * stored_min[j];
    // A sub-block whose stored scale is 0 keeps the codes of its search (`if (!d) continue;`).
    if (dl != 0) {
      for (int l = 0; l < n; ++l) {
        L[size * j + l] = (uint8_t)clamp_int(nearest_int((x[size * j + l] + ml) / dl), 0, nmax);
      }
    }
    for (int l = 0; l < n; ++l) {
      const int q = L[size * j + l];
      rounded[size * j + l] = dl * q - ml;
      slot[size * j + l] = q;
    }
  }
}

/// Q3_K: symmetric sub-blocks of 16 (codes −4…3 stored as 0…7), their signed scales quantized to 6
/// bits (−32…31) under d = max_scale/−32.
static void q3_super_block(const float *x, int64_t count, float *rounded, int32_t *slot) {
  const int sub_blocks = (int)((count + 15) / 16);
  int8_t L[super_block];
  float scales[super_block / 16];
  float max_scale = 0, amax = 0;
  for (int j = 0; j < sub_blocks; ++j) {
    scales[j] = make_q3_quants(sub_count(count, 16, j), 4, x + 16 * j, L + 16 * j);
    const float scale = fabsf(scales[j]);
    if (scale > amax) {
      amax = scale;
      max_scale = scales[j];
    }
  }
  int stored_scale[super_block / 16];  // the decoded 6-bit scale minus 32
  float d = 0;
  if (max_scale != 0) {
    const float iscale = -32.f / max_scale;
    for (int j = 0; j < sub_blocks; ++j) {
      const int8_t l = (int8_t)nearest_int(iscale * scales[j]);
      stored_scale[j] = clamp_int(l, -32, 31);
    }
    d = tk_fp16_round(1 / iscale);
  } else {
    for (int j = 0; j < sub_blocks; ++j) stored_scale[j] = -32;  // zeroed fields decode to 0 − 32
  }
  for (int j = 0; j < sub_blocks; ++j) {
    const int n = sub_count(count, 16, j);
    const float dl = d * stored_scale[j];
    if (dl != 0) {
      for (int l = 0; l < n; ++l) L[16 * j + l] = (int8_t)(clamp_int(nearest_int(x[16 * j + l] / dl), -4, 3) + 4);
    }
    for (int l = 0; l < n; ++l) {
      const int q = L[16 * j + l];
      rounded[16 * j + l] = dl * (float)(q - 4);
      slot[16 * j + l] = q;
    }
  }
}

/// Q6_K: symmetric sub-blocks of 16 (codes −32…31 stored as 0…63), their signed scales quantized to
/// 8 bits under d = max_scale/−128; a super-block whose scales are all below 1e-15 is stored as 0.
static void q6_super_block(const float *x, int64_t count, float *rounded, int32_t *slot) {
  const int sub_blocks = (int)((count + 15) / 16);
  int8_t L[super_block];
  float scales[super_block / 16];
  float max_scale = 0, max_abs_scale = 0;
  for (int j = 0; j < sub_blocks; ++j) {
    scales[j] = make_qx_quants(sub_count(count, 16, j), 32, x + 16 * j, L + 16 * j);
    const float abs_scale = fabsf(scales[j]);
    if (abs_scale > max_abs_scale) {
      max_abs_scale = abs_scale;
      max_scale = scales[j];
    }
  }
  if (max_abs_scale < 1e-15f) {  // GROUP_MAX_EPS: the block is stored as zeros
    for (int64_t i = 0; i < count; ++i) {
      rounded[i] = 0;
      slot[i] = 0;
    }
    return;
  }
  const float iscale = -128.f / max_scale;
  const float d = tk_fp16_round(1 / iscale);
  for (int j = 0; j < sub_blocks; ++j) {
    const int n = sub_count(count, 16, j);
    const int scale = nearest_int(iscale * scales[j]);
    const int8_t stored = (int8_t)(scale < 127 ? scale : 127);
    const float dl = d * stored;
    if (dl != 0) {
      for (int l = 0; l < n; ++l) L[16 * j + l] = (int8_t)(clamp_int(nearest_int(x[16 * j + l] / dl), -32, 31) + 32);
    }
    for (int l = 0; l < n; ++l) {
      const int q = L[16 * j + l];
      rounded[16 * j + l] = dl * (float)(q - 32);
      slot[16 * j + l] = q;
    }
  }
}

void tk_kquant_super_block(int32_t type, const float *x, int64_t count, float *rounded, int32_t *slot) {
  float clean[super_block];
  for (int64_t i = 0; i < count; i++) clean[i] = fabsf(x[i]) < INFINITY ? x[i] : 0.0f;
  switch (type) {
    case TK_GGML_Q3_K: q3_super_block(clean, count, rounded, slot); break;
    case TK_GGML_Q6_K: q6_super_block(clean, count, rounded, slot); break;
    default: asymmetric_super_block(type, clean, count, rounded, slot); break;
  }
}
