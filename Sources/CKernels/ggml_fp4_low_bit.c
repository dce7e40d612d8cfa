// llama.cpp's types that take no search: its own MXFP4 and NVFP4, the ternary TQ1_0 and TQ2_0, and
// the 1- and 2-bit Q1_0 and Q2_0, as ggml-quants.c's reference makes them (`quantize_row_mxfp4_ref`,
// `quantize_row_nvfp4_ref`, `quantize_row_tq1_0_ref`, `quantize_row_tq2_0_ref`,
// `quantize_row_q1_0_ref`, `quantize_row_q2_0_ref`) and `dequantize_row_*` reads them back, operation
// for operation in float32.
// - MXFP4 (blocks of 32): the OCP scale 2^(floor(log2 amax) − 2) as E8M0, but every element takes the
//   first of ggml's values (`kvalues_mxfp4`: 0, 1, 2, 3, 4, 6, 8, 12 and their negatives, twice E2M1,
//   under half the scale) with the least |error|: a tie goes to the smaller magnitude, where the OCP
//   rule rounds half to even (tscope's `mxfp4`).
// - NVFP4 (blocks of 64 in sub-blocks of 16): each sub-block's UE4M3 scale amax/6 rounded as
//   `ggml_fp32_to_ue4m3` rounds it (half up), no FP32 tensor scale (NVIDIA's NVFP4, tscope's `nvfp4`,
//   has one), the same value search.
// - TQ1_0 and TQ2_0 (super-blocks of 256): d = amax as FP16, each element lroundf(x / amax) in
//   {−1, 0, 1}; the two differ only in how they pack the trits (1.6875 and 2.0625 bits per weight).
// - Q1_0 (blocks of 128): each element's sign under d = mean |x| as FP16, ±d (0 counts as +).
// - Q2_0 (blocks of 64): d = amax as FP16, codes roundf(x / amax) + 1 in 0…3 for −d, 0, d, 2d (2d
//   is never chosen: |x / amax| ≤ 1).
// A row's shorter tail is one block (NVFP4: its last sub-block cut short), as for the other types.
#include "tk_internal.h"

/// ggml's `kvalues_mxfp4` (= `kvalues_fp4`): E2M1 doubled, the positive half first.
static const int8_t fp4_values[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

/// ggml's `best_index_mxfp4`: the first value index with the least |value·d − x|.
static int best_fp4_index(float x, float d) {
  int best = 0;
  float best_error = fabsf(fp4_values[0] * d - x);
  for (int i = 1; i < 16; i++) {
    const float error = fabsf(fp4_values[i] * d - x);
    if (error < best_error) {
      best = i;
      best_error = error;
    }
  }
  return best;
}

static float largest_magnitude_of(const float *x, int64_t count) {
  float amax = 0.0f;
  for (int64_t i = 0; i < count; i++) {
    if (amax < fabsf(x[i])) amax = fabsf(x[i]);
  }
  return amax;
}

/// Rounds `count` elements to d·value (ggml's `v*d` with v an int8), codes into `slot`.
static void round_fp4(const float *x, int64_t count, float d, float *rounded, int32_t *slot) {
  for (int64_t i = 0; i < count; i++) {
    slot[i] = best_fp4_index(x[i], d);
    rounded[i] = fp4_values[slot[i]] * d;
  }
}

/// ggml's `ggml_e8m0_to_fp32_half`: 2^(e − 128), subnormal for e < 2.
static float e8m0_half(uint8_t e) {
  const uint32_t bits = e < 2 ? 0x00200000u << e : (uint32_t)(e - 1) << 23;
  float value;
  memcpy(&value, &bits, 4);
  return value;
}

static void mxfp4_block(const float *x, int64_t count, float *rounded, int32_t *slot) {
  const float amax = largest_magnitude_of(x, count);
  // ggml converts the float exponent straight to uint8_t; through int it wraps as x86 does below 2^-125.
  const uint8_t e = amax > 0.0f ? (uint8_t)(int)(floorf(log2f(amax)) - 2 + 127) : 0;
  round_fp4(x, count, e8m0_half(e), rounded, slot);
}

/// ggml's `ggml_fp32_to_ue4m3` (positive x; 0 otherwise): the mantissa rounded half up, subnormals
/// by `(int)(x·512 + 0.5)`, 448 at most (and for every exponent of 15).
static uint8_t fp32_to_ue4m3(float x) {
  if (!(x > 0.0f)) return 0;
  if (x > 448.0f) x = 448.0f;
  uint32_t bits;
  memcpy(&bits, &x, 4);
  const int fp32_exponent = (int)((bits >> 23) & 0xFF) - 127;
  const int fp32_mantissa = (int)((bits >> 20) & 0x7);
  int exponent = fp32_exponent + 7;
  if (exponent <= 0) {
    int mantissa = (int)(x * 512.0f + 0.5f);
    if (mantissa > 7) mantissa = 7;
    return mantissa < 1 ? 0 : (uint8_t)mantissa;
  }
  if (exponent >= 15) return 0x7E;
  int mantissa = fp32_mantissa + (int)((bits >> 19) & 1);
  if (mantissa > 7) {
    mantissa = 0;
    if (++exponent >= 15) return 0x7E;
  }
  return (uint8_t)((exponent << 3) | mantissa);
}

/// ggml's `ggml_ue4m3_to_fp32`: the value, halved (the values are E2M1 doubled).
static float ue4m3_half(uint8_t x) {
  if (x == 0 || x == 0x7F) return 0.0f;
  const int exponent = (x >> 3) & 0xF, mantissa = x & 0x7;
  const float raw = exponent == 0 ? ldexpf((float)mantissa, -9) : ldexpf(1.0f + (float)mantissa / 8.0f, exponent - 7);
  return raw * 0.5f;
}

static void nvfp4_block(const float *x, int64_t count, float *rounded, int32_t *slot) {
  enum { sub_block = 16 };
  for (int64_t start = 0; start < count; start += sub_block) {
    const int64_t n = count - start < sub_block ? count - start : sub_block;
    const float d = ue4m3_half(fp32_to_ue4m3(largest_magnitude_of(x + start, n) / 6.0f));
    round_fp4(x + start, n, d, rounded + start, slot + start);
  }
}

/// TQ1_0 and TQ2_0: codes 0, 1, 2 for −1, 0, 1; values (q − 1)·d with d the FP16 amax.
static void ternary_block(const float *x, int64_t count, float *rounded, int32_t *slot) {
  const float d = largest_magnitude_of(x, count);
  const float inverse = d ? 1.0f / d : 0.0f;
  const float stored = tk_fp16_round(d);
  for (int64_t i = 0; i < count; i++) {
    slot[i] = (int32_t)lroundf(x[i] * inverse) + 1;
    rounded[i] = (float)(slot[i] - 1) * stored;
  }
}

/// Q1_0: codes 1 for x ≥ 0 and 0 below, values ±d with d the FP16 mean |x| (summed in element order).
static void sign_block(const float *x, int64_t count, float *rounded, int32_t *slot) {
  float sum_abs = 0.0f;
  for (int64_t i = 0; i < count; i++) sum_abs += fabsf(x[i]);
  const float d = tk_fp16_round(sum_abs / (float)count);
  for (int64_t i = 0; i < count; i++) {
    slot[i] = x[i] >= 0.0f;
    rounded[i] = slot[i] ? d : -d;
  }
}

/// Q2_0: codes (int)roundf(x / amax) + 1 clamped to 0…3, values (q − 1)·d with d the FP16 amax.
static void two_bit_block(const float *x, int64_t count, float *rounded, int32_t *slot) {
  const float d = largest_magnitude_of(x, count);
  const float inverse = d > 0.0f ? 1.0f / d : 0.0f;
  const float stored = tk_fp16_round(d);
  for (int64_t i = 0; i < count; i++) {
    const int q = (int)roundf(x[i] * inverse) + 1;
    slot[i] = q < 0 ? 0 : q > 3 ? 3 : q;
    rounded[i] = (float)(slot[i] - 1) * stored;
  }
}

void tk_ggml_fp4_low_bit_block(int32_t type, const float *x, int64_t count, float *rounded, int32_t *slot) {
  float clean[256];  // the largest block; NaN and ±Inf as 0, as ggml's loops see none
  for (int64_t i = 0; i < count; i++) clean[i] = fabsf(x[i]) < INFINITY ? x[i] : 0.0f;
  switch (type) {
    case TK_GGML_MXFP4: mxfp4_block(clean, count, rounded, slot); break;
    case TK_GGML_NVFP4: nvfp4_block(clean, count, rounded, slot); break;
    case TK_GGML_Q1_0: sign_block(clean, count, rounded, slot); break;
    case TK_GGML_Q2_0: two_bit_block(clean, count, rounded, slot); break;
    default: ternary_block(clean, count, rounded, slot); break;  // TK_GGML_TQ1_0, TK_GGML_TQ2_0
  }
}
