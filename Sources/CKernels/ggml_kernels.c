// llama.cpp's block types as formats. The legacy ones, Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0, quantized and
// dequantized as ggml-quants.c's reference does it (`quantize_row_q4_0_ref` … `quantize_row_q8_0_ref`
// and `dequantize_row_*`), element for element: blocks of 32 along the row, the scale d (and the
// minimum m of the _1 types) stored as FP16, codes computed with the unrounded float d.
// Plain C, one block at a time; the rounding loops are written so the compiler vectorizes them.
// The K-quants' super-blocks, and every type's imatrix path, are rounded by ggml_searches.c's scale
// searches; all share the walk at the end.
#include "tk_internal.h"

typedef struct {
  float d;        // the block's FP16 scale
  float minimum;  // its FP16 minimum (the _1 types; 0 otherwise)
  float inverse;  // 1/d from the unrounded d (0 where d is 0): what the codes are computed with
  float low;      // the _1 types' unrounded minimum, subtracted before scaling
} ggml_block;

/// The block's constants from its finite elements (ggml's loops, which see no NaN or Inf).
static ggml_block block_constants(int32_t type, const float *x, int64_t count) {
  ggml_block block = {0, 0, 0, 0};
  float d;
  if (type == TK_GGML_Q4_1 || type == TK_GGML_Q5_1) {
    float minimum = INFINITY, maximum = -INFINITY;
    for (int64_t i = 0; i < count; i++) {
      if (!(fabsf(x[i]) < INFINITY)) continue;
      if (x[i] < minimum) minimum = x[i];
      if (x[i] > maximum) maximum = x[i];
    }
    if (minimum > maximum) minimum = maximum = 0;  // no finite element
    d = (maximum - minimum) / (type == TK_GGML_Q4_1 ? 15 : 31);
    block.low = minimum;
    block.minimum = tk_fp16_round(minimum);
  } else {
    // The first element of the largest magnitude, with its sign (`if (amax < fabsf(v))`).
    float amax = 0, max = 0;
    for (int64_t i = 0; i < count; i++) {
      const float magnitude = fabsf(x[i]);
      if (magnitude < INFINITY && amax < magnitude) {
        amax = magnitude;
        max = x[i];
      }
    }
    switch (type) {
      case TK_GGML_Q4_0: d = max / -8; break;
      case TK_GGML_Q5_0: d = max / -16; break;
      default: d = amax / 127; break;  // TK_GGML_Q8_0
    }
  }
  block.inverse = d != 0 ? 1.0f / d : 0.0f;
  block.d = tk_fp16_round(d);
  return block;
}

/// ggml's `MIN(top, (int8_t)(t))`, defined for every t: (int8_t) truncates the t ≥ 0 ggml meets;
/// a t its cast would leave undefined (NaN, or ±inf from the 1/d of a subnormal d) clamps.
static int truncated_code(float t, int top) {
  if (!(t >= 0)) return 0;
  return t >= (float)top ? top : (int)t;
}

/// The codes of `count` elements (ggml's stored values: q4_0's 0…15, q8_0's −127…127) as their
/// index among the format's values (`slot`) and their dequantized values (`rounded`). One loop per
/// type with no stores to shared counters, which the compiler vectorizes; a NaN or Inf is rounded
/// as 0 here and skipped by the caller.
static void round_block(
  int32_t type, const ggml_block *block, const float *x, int64_t count, float *rounded, int32_t *slot) {
  const float inverse = block->inverse, d = block->d;
  switch (type) {
    case TK_GGML_Q4_0:
    case TK_GGML_Q5_0: {
      const float offset = type == TK_GGML_Q4_0 ? 8.5f : 16.5f;
      const int top = type == TK_GGML_Q4_0 ? 15 : 31, middle = type == TK_GGML_Q4_0 ? 8 : 16;
      for (int64_t i = 0; i < count; i++) {
        const float value = fabsf(x[i]) < INFINITY ? x[i] : 0.0f;
        const int q = truncated_code(value * inverse + offset, top);
        rounded[i] = (float)(q - middle) * d;
        slot[i] = q;
      }
      break;
    }
    case TK_GGML_Q4_1:
    case TK_GGML_Q5_1: {
      const float low = block->low, minimum = block->minimum;
      const int top = type == TK_GGML_Q4_1 ? 15 : 31;
      for (int64_t i = 0; i < count; i++) {
        const float value = fabsf(x[i]) < INFINITY ? x[i] : 0.0f;
        const int q = truncated_code((value - low) * inverse + 0.5f, top);
        rounded[i] = (float)q * d + minimum;
        slot[i] = q;
      }
      break;
    }
    default: {  // TK_GGML_Q8_0
      for (int64_t i = 0; i < count; i++) {
        const float value = fabsf(x[i]) < INFINITY ? x[i] : 0.0f;
        const float scaled = value * inverse;
        // ggml's roundf (halves away from zero) on the magnitude, without the library call:
        // its integer part plus one where the exact fraction is at least a half; clamped to 127,
        // and NaN (0 times an infinite 1/d) to 0, as the clamps on roundf's result did.
        float magnitude = fabsf(scaled);
        magnitude = magnitude == magnitude ? magnitude : 0.0f;
        magnitude = magnitude < 128.0f ? magnitude : 128.0f;
        int q = (int)magnitude;
        q += magnitude - (float)q >= 0.5f;
        q = q > 127 ? 127 : q;
        q = signbit(scaled) ? -q : q;
        rounded[i] = (float)q * d;
        slot[i] = q + 127;
      }
      break;
    }
  }
}

/// `count` elements from element `first` as floats: in place for F32, else decoded into `buffer`.
static const float *floats_at(const tk_layout *layout, int64_t first, int64_t count, float *buffer) {
  if (layout->dtype == TK_F32) return (const float *)layout->source + first;
  tk_decode(layout->source, layout->dtype, first, count, buffer);
  return buffer;
}

/// The imatrix paths' σ² of a legacy row: Σx²/n over its elements in order, NaN and ±Inf as 0.
static float row_mean_square(const tk_layout *layout, int64_t row) {
  enum { chunk = 256 };
  float buffer[chunk], sum = 0;
  const int64_t length = layout->row_length;
  for (int64_t start = 0; start < length; start += chunk) {
    const int64_t count = length - start < chunk ? length - start : chunk;
    const float *x = floats_at(layout, row * length + start, count, buffer);
    for (int64_t i = 0; i < count; i++) {
      const float value = fabsf(x[i]) < INFINITY ? x[i] : 0.0f;
      sum += value * value;
    }
  }
  return sum / length;
}

/// The block of a type rounded without a search: ggml's own (a legacy type's 32).
static int64_t unsearched_block(int32_t type) {
  switch (type) {
    case TK_GGML_NVFP4:
    case TK_GGML_Q2_0: return 64;
    case TK_GGML_Q1_0: return 128;
    case TK_GGML_TQ1_0:
    case TK_GGML_TQ2_0: return 256;
    default: return 32;  // the legacy types, MXFP4
  }
}

void tk_quantize_ggml(
  const tk_layout *layout, int32_t type, const tk_ggml_importance *importance, tk_sums *sums, int64_t *usage,
  float *dequantized) {
  enum { largest_block = 256 };
  const int is_legacy = type < TK_GGML_Q2_K;
  // MXFP4, NVFP4, the TQ types, Q1_0 and Q2_0 have no imatrix path (ggml ignores the weights), nor a search.
  const int unsearched = type >= TK_GGML_MXFP4;
  // Q8_0 has no imatrix path: llama-quantize writes it from the reference with or without one.
  const int weighted = importance != NULL && type != TK_GGML_Q8_0 && !unsearched;
  const int searched = (!is_legacy || weighted) && !unsearched;
  // Searched legacy and IQ4_NL blocks go eight at a time (their searches run in lanes).
  const int64_t block_size = searched ? 256 : unsearched_block(type);
  float buffer[largest_block], rounded[largest_block];
  int32_t slot[largest_block];
  const int64_t length = layout->row_length;
  for (int64_t row = 0; row < layout->rows; row++) {
    const float *row_importance = NULL;
    float row_sigma2 = 0;
    if (weighted) {
      int64_t expert = (importance->first_row + row) / importance->rows_per_expert;
      expert = expert < importance->experts - 1 ? expert : importance->experts - 1;
      row_importance = importance->values + expert * length;
      if (is_legacy) row_sigma2 = row_mean_square(layout, row);
    }
    // A row's last block may be shorter (ggml needs whole blocks; tscope takes the rest as one).
    for (int64_t start = 0; start < length; start += block_size) {
      const int64_t count = length - start < block_size ? length - start : block_size;
      const int64_t first = row * length + start;
      const float *x = floats_at(layout, first, count, buffer);
      if (unsearched) {
        tk_ggml_fp4_low_bit_block(type, x, count, rounded, slot);
      } else if (searched) {
        tk_ggml_searched_block(
          type, x, count, row_importance ? row_importance + start : NULL, row_sigma2, rounded, slot);
      } else {
        const ggml_block block = block_constants(type, x, count);
        round_block(type, &block, x, count, rounded, slot);
      }
      tk_count_and_sum(x, rounded, slot, count, usage, sums, dequantized ? dequantized + first : NULL);
    }
  }
}
