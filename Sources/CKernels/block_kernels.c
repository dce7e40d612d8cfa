// Formats with their own scaling rules (SPEC §3): INT4 with a zero point, OCP MXFP4, NVIDIA NVFP4;
// at the end the rest of the OCP MX family and the NVFP4 variants of Four Over Six.
// Plain C, one group (or block) at a time, decoded tile by tile; branch-free where the data decide
// (random signs and ranges mispredict), and MXFP4/NVFP4's rounding loop vectorized by the compiler.
#include "tk_internal.h"

/// |x| rounded to E2M1 {0, 0.5, 1, 1.5, 2, 3, 4, 6}, ties to even, saturating at 6. Without
/// branches (random data mispredicts range tests about half the time, which made the block
/// formats ~25 ns an element): the quantum by selects, and a / quantum (exact: a power of two)
/// rounded to nearest even by adding and subtracting 2^23, exact for 0 <= a / quantum <= 12.
/// NaN stays NaN, as before.
static inline float e2m1_magnitude(float a) {
  a = a >= 6.0f ? 6.0f : a;
  float quantum = 0.5f;
  quantum = a >= 2.0f ? 1.0f : quantum;
  quantum = a >= 4.0f ? 2.0f : quantum;
  // IEEE arithmetic (no fast-math, no contraction: tk_internal.h) keeps the two roundings.
  const float steps = (a / quantum + 0x1p23f) - 0x1p23f;
  return steps * quantum;
}

/// Index of a rounded E2M1 magnitude among {0, 0.5, 1, 1.5, 2, 3, 4, 6}, without branches.
static inline int e2m1_index(float magnitude) {
  const int small = (int)(magnitude * 2.0f);  // 0, 0.5, 1, 1.5 -> 0...3
  const int middle = (int)magnitude + 2;       // 2, 3 -> 4, 5
  const int large = magnitude >= 6.0f ? 7 : 6;  // 4 -> 6, 6 -> 7
  const int index = magnitude < 4.0f ? middle : large;
  return magnitude < 2.0f ? small : index;
}

/// `magnitude` negated where `negative` is 1, by its sign bit: a select the compiler keeps
/// branch-free (`negative ? -magnitude : magnitude` became a branch, mispredicted on half of
/// random data).
static inline float with_sign(float magnitude, int negative) {
  uint32_t bits;
  memcpy(&bits, &magnitude, sizeof bits);
  bits ^= (uint32_t)negative << 31;
  float result;
  memcpy(&result, &bits, sizeof result);
  return result;
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
  if (rule->format == TK_INT4_ASYM) {
    tk_sums sums = *rule->sums;  // in a local: see tk_count_and_sum
    for (int64_t i = 0; i < count; i++) {
      float value = x[i];
      if (!(fabsf(value) < INFINITY)) {
        sums.nonfinite += 1;
        if (out) out[i] = value;
        continue;
      }
      float code = 0;
      if (!params.zero_group) {
        code = rintf(value / params.scale) + params.zero_point;
        code = code < 0 ? 0 : (code > 15 ? 15 : code);
      }
      float rounded = params.zero_group ? 0.0f : (code - params.zero_point) * params.scale;
      rule->usage[(int)code] += 1;
      if (out) out[i] = rounded;
      tk_add_error(&sums, value, rounded);
    }
    *rule->sums = sums;
    return;
  }
  // E2M1 formats: the rounding of a piece in a loop of its own, with no stores to shared
  // counters, which the compiler vectorizes (one core, MXFP4: 7.9 -> 5.7 ns an element); then
  // the counts and the sums in element order (tk_count_and_sum).
  enum { piece = 64 };
  float rounded[piece];
  int32_t slot[piece];
  for (int64_t begin = 0; begin < count; begin += piece) {
    const int64_t n = count - begin < piece ? count - begin : piece;
    const float *v = x + begin;
    for (int64_t i = 0; i < n; i++) {
      const float value = fabsf(v[i]) < INFINITY ? v[i] : 0.0f;  // NaN/Inf: skipped below
      const float magnitude = params.zero_group ? 0.0f : e2m1_magnitude(fabsf(value / params.scale));
      const int index = e2m1_index(magnitude);
      const int negative = (signbit(value) != 0) & (magnitude > 0);
      slot[i] = 7 + index - 2 * negative * index;
      rounded[i] = with_sign(magnitude, negative) * params.scale;
    }
    tk_count_and_sum(v, rounded, slot, n, rule->usage, rule->sums, out ? out + begin : NULL);
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

// ---- The OCP MX family and the NVFP4 variants of Four Over Six ----
// MX: OCP Microscaling v1.0 §6.3 (floor), cuBLAS/torchao `_to_mx_rceil` (rceil) and torchao
// `to_mx` ScaleCalculationMode.EVEN (torchao/prototype/mx_formats/mx_tensor.py, commit
// b88afaf4156aeddde1971c000a0cf11a52ce03d5); microsoft/microxcaling mx/mx_ops.py (commit
// 7bc41952de394f5cc5e782baf132e7c7542eb4e4) for floor. NVFP4 variants: ported from
// mit-han-lab/fouroversix src/fouroversix/quantize/pytorch/reference.py (commit
// dadfad6901d473a734fe71e0b082e70ee993e23a), its float32 arithmetic step by step.

static int floor_log2(float positive) {
  int exponent;
  frexpf(positive, &exponent);  // positive = m * 2^exponent, m in [0.5, 1)
  return exponent - 1;
}

/// The E8M0 exponent of a block with amax `amax` (finite, >= 0), clamped to -127...127.
static int mx_shared_exponent(const tk_mx_element *element, int32_t rule, float amax) {
  if (!(amax > 0)) return -127;
  int exponent;
  if (rule == TK_MX_RCEIL) {
    float descale = amax / element->max_normal;
    if (!(descale > 0)) return -127;
    int binary;
    float mantissa = frexpf(descale, &binary);
    // Exact ceil(log2 descale) from the bits, as cuBLAS's cvt.rp does (a float log2 can round
    // a value just above a power of two down onto it).
    exponent = mantissa == 0.5f ? binary - 1 : binary;
  } else if (rule == TK_MX_EVEN) {
    // torchao's EVEN: amax's F32 mantissa rounded to the element's bits (ties up, a carry
    // bumps the exponent), then its exponent; a subnormal amax reads as exponent -127.
    uint32_t bits;
    memcpy(&bits, &amax, 4);
    bits = (bits + (1u << (22 - element->mantissa_bits))) & 0x7f800000u;
    exponent = (int)(bits >> 23) - 127 - element->emax;
  } else {
    exponent = floor_log2(amax) - element->emax;
  }
  return exponent < -127 ? -127 : (exponent > 127 ? 127 : exponent);
}

/// 2^k as a float for -126 <= k <= 127, from its bits (ldexpf is a library call per element).
static inline float power_of_two(int k) {
  const uint32_t bits = (uint32_t)(k + 127) << 23;
  float value;
  memcpy(&value, &bits, sizeof value);
  return value;
}

/// v (0 <= v < 2^22) rounded to an integer, ties to even, in IEEE arithmetic: adding and
/// subtracting 2^23 rounds once (no contraction, tk_internal.h), where rintf is a library call.
static inline float round_to_integer(float v) { return (v + 0x1p23f) - 0x1p23f; }

/// a >= 0 rounded to the element's grid, ties to even, saturating at its max; `index` gets the
/// place of the result among the element's non-negative values (its bit pattern, sign dropped).
/// The scalings are products with exact powers of two (the quotients are below 2^(m + 1), the
/// powers within 2^±30), the same values ldexpf gave.
static float mx_round_magnitude(const tk_mx_element *element, float a, int *index) {
  const int m = element->mantissa_bits;
  if (!(a < element->max_normal)) {
    *index = element->magnitude_count - 1;
    return element->max_normal;
  }
  if (element->exponent_bits == 0) {  // MXINT8: k / 2^m
    float q = round_to_integer(a * power_of_two(m));
    *index = (int)q;
    return q * power_of_two(-m);
  }
  const int minimum = 2 - (1 << (element->exponent_bits - 1));
  // a >= 2^minimum is normal (minimum >= -14), so its exponent is in its bits.
  uint32_t bits;
  memcpy(&bits, &a, sizeof bits);
  int exponent = a < power_of_two(minimum) ? minimum : (int)(bits >> 23) - 127;
  float q = round_to_integer(a * power_of_two(m - exponent));  // a / quantum, exactly
  float rounded = q * power_of_two(exponent - m);
  if (rounded > element->max_normal) {
    *index = element->magnitude_count - 1;
    return element->max_normal;
  }
  // (exponent - minimum) binades of 2^m codes below, then q (2^m...2^(m+1), or < 2^m subnormal).
  *index = (exponent - minimum) * (1 << m) + (int)q;
  return rounded;
}

/// The `count` (<= 32) elements of a block as floats: the source itself for F32, else decoded.
static const float *block_elements(const tk_layout *layout, int64_t element, int64_t count, float *buffer) {
  if (layout->dtype == TK_F32) return (const float *)layout->source + element;
  tk_decode(layout->source, layout->dtype, element, count, buffer);
  return buffer;
}

static float finite_amax(const float *x, int64_t count) {
  float amax = 0;
  for (int64_t i = 0; i < count; i++) {
    float magnitude = fabsf(x[i]);
    if (magnitude < INFINITY && magnitude > amax) amax = magnitude;
  }
  return amax;
}

void tk_quantize_mx(
  const tk_layout *layout, const tk_mx_element *element, int32_t rule, tk_sums *sums, int64_t *usage,
  float *dequantized) {
  enum { block = 32 };
  float buffer[block];
  const int64_t length = layout->row_length;
  const int center = element->magnitude_count - 1;
  for (int64_t row = 0; row < layout->rows; row++) {
    for (int64_t start = 0; start < length; start += block) {
      const int64_t count = length - start < block ? length - start : block;
      const int64_t first = row * length + start;
      const float *x = block_elements(layout, first, count, buffer);
      const float scale = ldexpf(1.0f, mx_shared_exponent(element, rule, finite_amax(x, count)));
      tk_sums block_sums = *sums;  // in a local: see tk_count_and_sum
      for (int64_t i = 0; i < count; i++) {
        float value = x[i];
        float rounded = value;
        if (!(fabsf(value) < INFINITY)) {
          block_sums.nonfinite += 1;
        } else {
          int index;
          float magnitude = mx_round_magnitude(element, fabsf(value / scale), &index);
          const int negative = (signbit(value) != 0) & (magnitude > 0);  // bitwise: no branch on the sign
          usage[center + index - 2 * negative * index] += 1;
          rounded = with_sign(magnitude, negative) * scale;
          tk_add_error(&block_sums, value, rounded);
        }
        if (dequantized) dequantized[first + i] = rounded;
      }
      *sums = block_sums;
    }
  }
}

/// IF4's value index (0...13 among its non-negative values) of E2M1 magnitude index 0...7 and of
/// INT4 magnitude 0...7 (the INT4 grid is k * 6/7 in E2M1 units).
static const int if4_float_place[8] = {0, 1, 3, 4, 6, 8, 10, 13};
static const int if4_int_place[8] = {0, 2, 5, 7, 9, 11, 12, 13};

/// One candidate encoding of a block: x̂ and the usage slot of each element, and its squared error.
typedef struct {
  float rounded[16];
  int32_t slot[16];  // signed places: index into usage + center
  double error;
} nv_candidate;

/// The reference's block-scaled values x * (1 / (decode * s)) rounded to E2M1 (is_int 0) or INT4
/// (is_int 1, after the ×7/6 expansion), x̂ = q * s * amax / constant (× 6/7 for INT4).
static void nv_encode(
  const float *x, int64_t count, float scale, float decode, float tensor_amax, float constant, int is_int,
  int if4_places, nv_candidate *out) {
  const float inverse = scale != 0 ? 1.0f / (decode * scale) : 0.0f;
  out->error = 0;
  for (int64_t i = 0; i < count; i++) {
    float value = x[i];
    if (!(fabsf(value) < INFINITY)) {
      out->rounded[i] = value;
      out->slot[i] = 0;
      continue;
    }
    float scaled = scale != 0 ? value * inverse : 0.0f;
    if (scaled != scaled) scaled = 0.0f;  // 0 * inf when decode * scale underflows: keeps codes in range
    float q;
    int index;
    if (is_int) {
      if (if4_places) scaled = scaled * 1.16666666f;
      q = rintf(scaled < -7.0f ? -7.0f : (scaled > 7.0f ? 7.0f : scaled));
      index = (int)fabsf(q);
      float rounded = q * scale * tensor_amax;
      if (if4_places) rounded = rounded * 0.8571428571f;
      out->rounded[i] = rounded / constant;
      index = if4_places ? if4_int_place[index] : index;
      out->slot[i] = q < 0 ? -index : index;
    } else {
      float magnitude = e2m1_magnitude(fabsf(scaled));
      index = e2m1_index(magnitude);
      q = with_sign(magnitude, signbit(scaled) != 0);
      out->rounded[i] = q * scale * tensor_amax / constant;
      index = if4_places ? if4_float_place[index] : index;
      const int negative = (signbit(scaled) != 0) & (magnitude > 0);  // bitwise: no branch on the sign
      out->slot[i] = index - 2 * negative * index;
    }
    double error = (double)value - (double)out->rounded[i];
    out->error += error * error;
  }
}

void tk_quantize_nv_variant(
  const tk_layout *layout, int32_t variant, float tensor_amax, tk_sums *sums, int64_t *usage, float *dequantized) {
  enum { block = 16 };
  float buffer[block];
  const float constant =
    variant == TK_NV_FOUR_OVER_SIX ? 6.0f * 256.0f : (variant == TK_NV_INT4 ? 7.0f * 448.0f : 6.0f * 448.0f);
  const float element_max = variant == TK_NV_INT4 ? 7.0f : 6.0f;
  // A tensor amax so small that constant / amax overflows scales nothing: all zeros, as amax 0.
  const int valid = tensor_amax > 0 && tensor_amax < INFINITY && constant / tensor_amax < INFINITY;
  const float encode = valid ? constant / tensor_amax : 0.0f;
  const float decode = valid ? 1.0f / encode : 0.0f;
  const int center = variant == TK_NV_INT_FLOAT ? 13 : 7;
  const int64_t length = layout->row_length;
  nv_candidate first_choice, second_choice;
  for (int64_t row = 0; row < layout->rows; row++) {
    for (int64_t start = 0; start < length; start += block) {
      const int64_t count = length - start < block ? length - start : block;
      const int64_t first = row * length + start;
      const float *x = block_elements(layout, first, count, buffer);
      const float high_precision = valid ? (finite_amax(x, count) / element_max) * encode : 0.0f;
      const float scale = e4m3_round(high_precision);
      const nv_candidate *chosen = &first_choice;
      switch (variant) {
        case TK_NV_FOUR_OVER_SIX:
          // Block amax onto 6 (scale s) and onto 4 (scale e4m3(1.5 s)); the 4 wins only when strictly better.
          nv_encode(x, count, scale, decode, tensor_amax, constant, 0, 0, &first_choice);
          nv_encode(x, count, e4m3_round(high_precision * 1.5f), decode, tensor_amax, constant, 0, 0, &second_choice);
          if (second_choice.error < first_choice.error) chosen = &second_choice;
          break;
        case TK_NV_INT4:
          nv_encode(x, count, scale, decode, tensor_amax, constant, 1, 0, &first_choice);
          break;
        default:  // IF4: E2M1 unless INT4 is strictly better
          nv_encode(x, count, scale, decode, tensor_amax, constant, 0, 1, &first_choice);
          nv_encode(x, count, scale, decode, tensor_amax, constant, 1, 1, &second_choice);
          if (second_choice.error < first_choice.error) chosen = &second_choice;
          break;
      }
      tk_count_and_sum(
        x, chosen->rounded, chosen->slot, count, usage + center, sums, dequantized ? dequantized + first : NULL);
    }
  }
}
