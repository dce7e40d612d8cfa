// Shared by the kernel's C files: element decoding, the ISA check and the group walker.
#ifndef TSCOPE_TK_INTERNAL_H
#define TSCOPE_TK_INTERNAL_H
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "CKernels.h"

// Every path must round alike: no fused multiply-adds the source does not ask for.
#pragma STDC FP_CONTRACT OFF

/// Elements decoded at a time for F16/BF16 (16 KiB of floats: stays in L1/L2).
#define TK_TILE 4096

static inline float tk_bf16_to_f32(uint16_t bits) {
  uint32_t wide = (uint32_t)bits << 16;
  float value;
  memcpy(&value, &wide, 4);
  return value;
}

static inline float tk_f16_to_f32(uint16_t bits) {
  uint32_t sign = (uint32_t)(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  uint32_t out;
  if (exponent == 0x1f) {
    out = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    out = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    out = sign;
  } else {
    // Subnormal half: normalize the mantissa.
    int shift = 0;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      shift++;
    }
    mantissa &= 0x3ffu;
    out = sign | ((uint32_t)(113 - shift) << 23) | (mantissa << 13);
  }
  float value;
  memcpy(&value, &out, 4);
  return value;
}

/// `value` rounded to FP16 and back (round to nearest even, as GGML_FP32_TO_FP16 and numpy).
static inline float tk_fp16_round(float value) { return (float)(_Float16)value; }

/// One block of a llama.cpp type as ggml-quants.c's scale searches make it (ggml_searches.c): a
/// K-quant super-block (256 elements, or a row's shorter tail) on the reference path when
/// `importance` is NULL, on the imatrix path otherwise; or a legacy Q4_0…Q5_1 block on the imatrix
/// path (`row_sigma2`: its row's Σx²/n). The stored codes into `slot`, the dequantized values into
/// `rounded`.
void tk_ggml_searched_block(
  int32_t type, const float *x, int64_t count, const float *importance, float row_sigma2, float *rounded,
  int32_t *slot);

/// One super-block of 256 of an IQ lattice type as ggml-quants.c's `quantize_row_<type>_impl`
/// makes it: IQ2_XXS, IQ2_XS and IQ2_S (ggml_lattice_iq2.c), IQ3_XXS and IQ3_S (ggml_lattice_iq3.c),
/// IQ1_S and IQ1_M (ggml_lattice_iq1.c). `x`: 256 finite floats; `importance`: their 256 imatrix
/// weights, or NULL for ggml's path without one (IQ2_XXS, IQ2_XS and IQ1_S have none: never NULL).
/// The dequantized values (as `dequantize_row_<type>`) into `rounded`; each element's code into
/// `slot`: the index of its signed grid value in ascending order (IQ2: −43, −25, −8, 8, 25, 43;
/// IQ3_XXS: −62, −52, …, −4, 4, …, 62; IQ3_S: −15, −13, …, −1, 1, …, 15; IQ1: −1, 0, 1).
void tk_iq2_super_block(int32_t type, const float *x, const float *importance, float *rounded, int32_t *slot);
void tk_iq3_super_block(int32_t type, const float *x, const float *importance, float *rounded, int32_t *slot);
void tk_iq1_super_block(int32_t type, const float *x, const float *importance, float *rounded, int32_t *slot);

/// One block of llama.cpp's MXFP4 (32 elements), NVFP4 (64), TQ1_0/TQ2_0 (256), Q1_0 (128) or Q2_0
/// (64), or a row's shorter tail, as ggml's reference makes it (ggml_fp4_low_bit.c; no imatrix path):
/// the dequantized values into `rounded`, the stored codes into `slot` (MXFP4/NVFP4: the index into
/// ggml's 16 values; TQ: 0, 1, 2 for −1, 0, 1; Q1_0: the sign bit; Q2_0: 0…3).
void tk_ggml_fp4_low_bit_block(int32_t type, const float *x, int64_t count, float *rounded, int32_t *slot);

/// Adds one finite element's squared error, square and |error| to `sums`, in float64: the
/// scalar kernels' accumulation (x and x̂ are floats, so x − x̂ is exact in double).
static inline void tk_add_error(tk_sums *sums, float x, float rounded) {
  const double error = (double)x - (double)rounded;
  sums->sum_sq_err += error * error;
  sums->sum_sq_x += (double)x * (double)x;
  if (fabs(error) > sums->max_abs_err) sums->max_abs_err = fabs(error);
  sums->finite += 1;
}

/// The second half of the scalar block kernels, once a piece's codes (`slot`, indices into
/// `usage`) and dequantized values (`rounded`) are made: counts each finite element's code and adds
/// its error to `sums` in element order (the sums in a local: through the pointer, each element
/// would wait for the last one's store); a NaN or ±Inf is counted as non-finite and passed to `out`
/// unchanged. `out` (NULL for none) receives the piece's x̂.
static inline void tk_count_and_sum(
  const float *x, const float *rounded, const int32_t *slot, int64_t count, int64_t *usage, tk_sums *sums,
  float *out) {
  tk_sums local = *sums;
  for (int64_t i = 0; i < count; i++) {
    const float value = x[i];
    if (!(fabsf(value) < INFINITY)) {
      local.nonfinite += 1;
      if (out) out[i] = value;
      continue;
    }
    usage[slot[i]] += 1;
    if (out) out[i] = rounded[i];
    tk_add_error(&local, value, rounded[i]);
  }
  *sums = local;
}

/// Decodes `count` elements starting at element `first` of `source` into `out`.
void tk_decode(const void *source, int32_t dtype, int64_t first, int64_t count, float *out);

/// Whether the active path may use AVX2 + FMA + F16C (`tk_active_path() >= TK_PATH_AVX2`).
int tk_have_avx2(void);

/// Visits every group of a layout: `begin` once per group with its amax (or the fixed amax)
/// and its count of non-finite elements, then `span` for consecutive pieces of the group's
/// elements as floats (one piece unless a long F16/BF16 group is streamed tile by tile).
/// `element` is the flat index of the piece's first element.
typedef struct tk_visitor {
  void (*begin)(struct tk_visitor *self, float amax, int64_t nonfinite);
  void (*span)(struct tk_visitor *self, const float *x, int64_t count, int64_t element);
} tk_visitor;

void tk_walk_groups(const tk_layout *layout, tk_visitor *visitor);

/// Largest finite |x| of `count` floats; adds the non-finite ones to `*nonfinite`.
float tk_amax_f32(const float *x, int64_t count, int64_t *nonfinite);

#endif
