// Formats with their own scaling rules (SPEC §3): INT4 with a zero point, OCP MXFP4, NVIDIA NVFP4.
// Not the hot path: plain scalar C, one group (or block) at a time, decoded tile by tile.
#include "tk_internal.h"

/// |x| rounded to E2M1 {0, 0.5, 1, 1.5, 2, 3, 4, 6}, ties to even, saturating at 6.
static float e2m1_magnitude(float a) {
  if (a >= 6.0f) return 6.0f;
  float quantum = a < 2.0f ? 0.5f : (a < 4.0f ? 1.0f : 2.0f);
  return rintf(a / quantum) * quantum;
}

/// Index of a rounded E2M1 magnitude among {0, 0.5, 1, 1.5, 2, 3, 4, 6}.
static int e2m1_index(float magnitude) {
  if (magnitude <= 1.5f) return (int)(magnitude * 2.0f);
  if (magnitude == 2.0f) return 4;
  if (magnitude == 3.0f) return 5;
  if (magnitude == 4.0f) return 6;
  return 7;
}

/// v >= 0 rounded to FP8 E4M3 (bias 7, 3 mantissa bits), ties to even, clamped to 448.
static float e4m3_round(float v) {
  if (!(v < 448.0f)) return 448.0f;
  float quantum;
  if (v < 0x1p-6f) {
    quantum = 0x1p-9f;
  } else {
    int exponent;
    frexpf(v, &exponent);  // v = m * 2^exponent, m in [0.5, 1): floor(log2 v) = exponent - 1
    quantum = ldexpf(1.0f, exponent - 1 - 3);
  }
  float rounded = rintf(v / quantum) * quantum;
  return rounded > 448.0f ? 448.0f : rounded;
}

typedef struct {
  int32_t format;
  float clip;
  float tensor_amax;
  tk_sums *sums;
  int64_t *usage;
} block_rule;

static void add_error(tk_sums *sums, float x, float rounded) {
  double error = (double)x - (double)rounded;
  sums->sum_sq_err += error * error;
  sums->sum_sq_x += (double)x * (double)x;
  if (fabs(error) > sums->max_abs_err) sums->max_abs_err = fabs(error);
  sums->finite += 1;
}

typedef struct {
  float minimum, maximum, amax;
} group_range;

static void scan_range(const float *x, int64_t count, group_range *range) {
  for (int64_t i = 0; i < count; i++) {
    float value = x[i];
    if (!(fabsf(value) < INFINITY)) continue;
    if (value < range->minimum) range->minimum = value;
    if (value > range->maximum) range->maximum = value;
    if (fabsf(value) > range->amax) range->amax = fabsf(value);
  }
}

/// The per-group constants of a rule.
typedef struct {
  float scale;  // INT4-asym scale, or the E2M1 divisor (2^e or s_b * s_t)
  float zero_point;
  int zero_group;
} group_params;

static group_params params_for(const block_rule *rule, group_range range) {
  group_params params = {0};
  switch (rule->format) {
    case TK_INT4_ASYM: {
      float low = range.minimum * rule->clip, high = range.maximum * rule->clip;
      params.scale = (high - low) / 15.0f;
      params.zero_group = !(params.scale > 0) || !(params.scale < INFINITY);
      if (!params.zero_group) params.zero_point = rintf(-low / params.scale);
      break;
    }
    case TK_MXFP4: {
      int exponent = -127;
      if (range.amax > 0) {
        int binary;
        frexpf(range.amax, &binary);
        exponent = binary - 1 - 2;  // floor(log2 amax) - emax(E2M1)
        if (exponent < -127) exponent = -127;
        if (exponent > 127) exponent = 127;
      }
      params.scale = ldexpf(1.0f, exponent);
      params.zero_group = !(params.scale > 0);
      break;
    }
    default: {  // TK_NVFP4
      float tensor_scale = rule->tensor_amax / 2688.0f;  // 448 * 6
      if (!(tensor_scale > 0) || !(tensor_scale < INFINITY)) {
        params.zero_group = 1;
        break;
      }
      float block_scale = e4m3_round((range.amax / 6.0f) / tensor_scale);
      if (block_scale == 0) block_scale = 1.0f;
      params.scale = block_scale * tensor_scale;
      params.zero_group = !(params.scale > 0);
      break;
    }
  }
  return params;
}

static void round_span(const block_rule *rule, group_params params, const float *x, int64_t count, float *out) {
  for (int64_t i = 0; i < count; i++) {
    float value = x[i];
    if (!(fabsf(value) < INFINITY)) {
      rule->sums->nonfinite += 1;
      if (out) out[i] = value;
      continue;
    }
    float rounded;
    if (rule->format == TK_INT4_ASYM) {
      float code = 0;
      if (!params.zero_group) {
        code = rintf(value / params.scale) + params.zero_point;
        code = code < 0 ? 0 : (code > 15 ? 15 : code);
      }
      rounded = params.zero_group ? 0.0f : (code - params.zero_point) * params.scale;
      rule->usage[(int)code] += 1;
    } else {
      float magnitude = params.zero_group ? 0.0f : e2m1_magnitude(fabsf(value / params.scale));
      int index = e2m1_index(magnitude);
      int negative = signbit(value) && magnitude > 0;
      rule->usage[negative ? 7 - index : 7 + index] += 1;
      rounded = (negative ? -magnitude : magnitude) * params.scale;
    }
    if (out) out[i] = rounded;
    add_error(rule->sums, value, rounded);
  }
}

void tk_quantize_block(
  const tk_layout *layout, int32_t format, float clip, float tensor_amax, tk_sums *sums, int64_t *usage,
  float *dequantized) {
  block_rule rule = {format, clip, tensor_amax, sums, usage};
  float tile[TK_TILE];
  const int64_t length = layout->row_length;
  int64_t group = format == TK_MXFP4 ? 32 : (format == TK_NVFP4 ? 16 : layout->group);
  if (group < 1) group = 1;
  for (int64_t row = 0; row < layout->rows; row++) {
    for (int64_t start = 0; start < length; start += group) {
      const int64_t count = length - start < group ? length - start : group;
      const int64_t element = row * length + start;
      group_range range = {0, 0, 0};
      if (layout->fixed_amax >= 0 && format == TK_INT4_ASYM) {
        range.minimum = layout->fixed_min;
        range.maximum = layout->fixed_max;
      } else {
        for (int64_t piece = 0; piece < count; piece += TK_TILE) {
          int64_t size = count - piece < TK_TILE ? count - piece : TK_TILE;
          const float *x = (const float *)layout->source + element + piece;
          if (layout->dtype != TK_F32) {
            tk_decode(layout->source, layout->dtype, element + piece, size, tile);
            x = tile;
          }
          scan_range(x, size, &range);
        }
      }
      group_params params = params_for(&rule, range);
      for (int64_t piece = 0; piece < count; piece += TK_TILE) {
        int64_t size = count - piece < TK_TILE ? count - piece : TK_TILE;
        const float *x = (const float *)layout->source + element + piece;
        if (layout->dtype != TK_F32) {
          tk_decode(layout->source, layout->dtype, element + piece, size, tile);
          x = tile;
        }
        round_span(&rule, params, x, size, dequantized ? dequantized + element + piece : NULL);
      }
    }
  }
}

void tk_min_max(const void *source, int32_t dtype, int64_t count, float *minimum, float *maximum) {
  float tile[TK_TILE];
  group_range range = {0, 0, 0};
  int seen = 0;
  for (int64_t piece = 0; piece < count; piece += TK_TILE) {
    int64_t size = count - piece < TK_TILE ? count - piece : TK_TILE;
    tk_decode(source, dtype, piece, size, tile);
    for (int64_t i = 0; i < size; i++) {
      float value = tile[i];
      if (!(fabsf(value) < INFINITY)) continue;
      if (!seen || value < range.minimum) range.minimum = value;
      if (!seen || value > range.maximum) range.maximum = value;
      seen = 1;
    }
  }
  *minimum = range.minimum;
  *maximum = range.maximum;
}
