// Group scaling and nearest-codebook rounding (SPEC §4): the hot path.
//
// A group's scale is clip * amax / max_value. y = x / scale goes to code
// #{thresholds < y}; the dequantized value is values[code] * scale. Error sums are in double.
// An all-zero group (or one whose scale underflows to 0 or overflows) dequantizes to zeros.
#include <stdlib.h>

#include "tk_internal.h"

#if (defined(__x86_64__) || defined(__i386__)) && !defined(TK_PORTABLE_ONLY)
#include <immintrin.h>
#define TK_X86 1
#endif

/// The number of thresholds strictly below y (a binary search: codebooks go up to 256 values).
static inline int32_t code_of(const tk_codebook *codebook, float y) {
  int32_t low = 0, high = codebook->count - 1;
  while (low < high) {
    int32_t middle = (low + high) / 2;
    if (codebook->thresholds[middle] < y) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

typedef struct {
  tk_visitor base;
  const tk_codebook *codebook;
  float clip;
  tk_sums *sums;
  int64_t *usage;
  float *dequantized;
  int32_t zero_code;
  int vector_ok;
  // Per group:
  float scale;
  float amax_for_span;
  float fixed_amax;
  int zero_group;
  int has_nonfinite;
  // The codebook padded to 16 values / 15 thresholds (+inf never lies below y) for the vector path.
  float values16[16];
  float thresholds15[15];
} quantize_state;

static void accumulate(tk_sums *sums, float x, float rounded) {
  double error = (double)x - (double)rounded;
  sums->sum_sq_err += error * error;
  sums->sum_sq_x += (double)x * (double)x;
  if (fabs(error) > sums->max_abs_err) sums->max_abs_err = fabs(error);
  sums->finite += 1;
}

static void quantize_span_scalar(quantize_state *state, const float *x, int64_t count, float *out) {
  for (int64_t i = 0; i < count; i++) {
    float value = x[i];
    if (!(fabsf(value) < INFINITY)) {
      state->sums->nonfinite += 1;
      if (out) out[i] = value;
      continue;
    }
    float rounded;
    if (state->zero_group) {
      rounded = 0;
      state->usage[state->zero_code] += 1;
    } else {
      int32_t code = code_of(state->codebook, value / state->scale);
      rounded = state->codebook->values[code] * state->scale;
      state->usage[code] += 1;
    }
    if (out) out[i] = rounded;
    accumulate(state->sums, value, rounded);
  }
}

#if TK_X86
__attribute__((target("avx2,fma"))) static inline double hsum_pd(__m256d v) {
  __m128d sum = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(sum) + _mm_cvtsd_f64(_mm_unpackhi_pd(sum, sum));
}

/// A codebook of at most 16 values as vector tables: the thresholds padded with +inf to 16
/// (t[15] never lies below y), so the code #{t[j] < y} comes from a 4-step branch-free binary
/// search whose lookups are in-register permutes, not gathers.
typedef struct {
  __m256 t_low, t_high;    // t[0...7], t[8...15]
  __m256 t1_low, t1_high;  // t[1...8], t[9...15] then +inf: the lookups of t[idx + 1]
  __m256 v_low, v_high;    // values[0...7], values[8...15]
  __m256 t3, t7, t11;
} vector_codebook;

__attribute__((target("avx2,fma"))) static void prepare_vector_codebook(
  const float *values16, const float *thresholds15, vector_codebook *table) {
  float t[17];
  for (int j = 0; j < 15; j++) t[j] = thresholds15[j];
  t[15] = t[16] = INFINITY;
  table->t_low = _mm256_loadu_ps(t);
  table->t_high = _mm256_loadu_ps(t + 8);
  table->t1_low = _mm256_loadu_ps(t + 1);
  table->t1_high = _mm256_loadu_ps(t + 9);
  table->v_low = _mm256_loadu_ps(values16);
  table->v_high = _mm256_loadu_ps(values16 + 8);
  table->t3 = _mm256_set1_ps(t[3]);
  table->t7 = _mm256_set1_ps(t[7]);
  table->t11 = _mm256_set1_ps(t[11]);
}

/// The codes #{t[j] < y} of 8 floats (steps 8, 4, 2, 1 of a binary search over 16 entries) and
/// their codebook values. `*upper` is set where the code is 8 or more.
__attribute__((target("avx2,fma"))) static inline __m256i round8(
  const vector_codebook *table, __m256 y, __m256 *value) {
  const __m256 upper = _mm256_cmp_ps(y, table->t7, _CMP_GT_OQ);
  __m256i code = _mm256_and_si256(_mm256_castps_si256(upper), _mm256_set1_epi32(8));
  __m256 threshold = _mm256_blendv_ps(table->t3, table->t11, upper);
  __m256 above = _mm256_cmp_ps(y, threshold, _CMP_GT_OQ);
  code = _mm256_add_epi32(code, _mm256_and_si256(_mm256_castps_si256(above), _mm256_set1_epi32(4)));
  // vpermps reads the low 3 bits of each index: code & 7 within the half `upper` picks.
  threshold = _mm256_blendv_ps(
    _mm256_permutevar8x32_ps(table->t1_low, code), _mm256_permutevar8x32_ps(table->t1_high, code), upper);
  above = _mm256_cmp_ps(y, threshold, _CMP_GT_OQ);
  code = _mm256_add_epi32(code, _mm256_and_si256(_mm256_castps_si256(above), _mm256_set1_epi32(2)));
  threshold = _mm256_blendv_ps(
    _mm256_permutevar8x32_ps(table->t_low, code), _mm256_permutevar8x32_ps(table->t_high, code), upper);
  above = _mm256_cmp_ps(y, threshold, _CMP_GT_OQ);
  code = _mm256_sub_epi32(code, _mm256_castps_si256(above));
  *value = _mm256_blendv_ps(
    _mm256_permutevar8x32_ps(table->v_low, code), _mm256_permutevar8x32_ps(table->v_high, code), upper);
  return code;
}

/// Error sums of the vector path. The error x - x̂ and the squares are computed in float lanes
/// and summed over one block of at most 32 elements (4 per lane), then added to double lanes.
/// x - x̂ is exact in float whenever x̂ lies within a factor 2 of x (Sterbenz), which holds for
/// rounding to a codebook with a zero and neighbours within a factor 3 (every paper format);
/// groups whose amax lies outside [2^-40, 2^60] take the scalar path, so no square over- or
/// underflows float range.
typedef struct {
  __m256 block_sse, block_ssx, max_err;
  __m256d sse0, sse1, ssx0, ssx1;
} vector_sums;

/// Moves the block's float sums into the double lanes.
__attribute__((target("avx2,fma"))) static inline void flush_block(vector_sums *sums) {
  sums->sse0 = _mm256_add_pd(sums->sse0, _mm256_cvtps_pd(_mm256_castps256_ps128(sums->block_sse)));
  sums->sse1 = _mm256_add_pd(sums->sse1, _mm256_cvtps_pd(_mm256_extractf128_ps(sums->block_sse, 1)));
  sums->ssx0 = _mm256_add_pd(sums->ssx0, _mm256_cvtps_pd(_mm256_castps256_ps128(sums->block_ssx)));
  sums->ssx1 = _mm256_add_pd(sums->ssx1, _mm256_cvtps_pd(_mm256_extractf128_ps(sums->block_ssx, 1)));
  sums->block_sse = _mm256_setzero_ps();
  sums->block_ssx = _mm256_setzero_ps();
}

/// Rounds 8 finite floats at `x` with `scale`, stores x̂ when `out` is given, adds to the
/// block sums and returns the codes.
__attribute__((target("avx2,fma"))) static inline __m256i round_and_sum8(
  const vector_codebook *table, const float *x, __m256 scale, float *out, vector_sums *sums) {
  const __m256 value = _mm256_loadu_ps(x);
  __m256 level;
  const __m256i code = round8(table, _mm256_div_ps(value, scale), &level);
  const __m256 rounded = _mm256_mul_ps(level, scale);
  if (out) _mm256_storeu_ps(out, rounded);
  const __m256 error = _mm256_sub_ps(value, rounded);
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  sums->block_sse = _mm256_fmadd_ps(error, error, sums->block_sse);
  sums->block_ssx = _mm256_fmadd_ps(value, value, sums->block_ssx);
  sums->max_err = _mm256_max_ps(sums->max_err, _mm256_and_ps(error, abs_mask));
  return code;
}

/// Code usage without a per-element scatter: for each k < 15, byte lanes counting the codes
/// above k (code usage follows as differences). Each count adds at most 1 to a byte, so the
/// bytes are flushed into 64-bit totals every 255 counts.
typedef struct {
  __m256i above[15];
  int64_t totals[15];
  int32_t pending;
} code_counter;

__attribute__((target("avx2,fma"))) static void flush_counts(code_counter *counter) {
  for (int k = 0; k < 15; k++) {
    // Sums of 8 bytes into each 64-bit lane.
    __m256i sums = _mm256_sad_epu8(counter->above[k], _mm256_setzero_si256());
    int64_t lanes[4];
    _mm256_storeu_si256((__m256i *)lanes, sums);
    counter->totals[k] += lanes[0] + lanes[1] + lanes[2] + lanes[3];
    counter->above[k] = _mm256_setzero_si256();
  }
  counter->pending = 0;
}

/// Counts 32 codes (0...15) at once; a code of a padding lane is 0, which lies above no k.
__attribute__((target("avx2,fma"))) static inline void count_codes(
  code_counter *counter, __m256i c0, __m256i c1, __m256i c2, __m256i c3) {
  // The packs interleave lanes; only the counts matter, not which lane holds which code.
  const __m256i codes = _mm256_packs_epi16(_mm256_packs_epi32(c0, c1), _mm256_packs_epi32(c2, c3));
  for (int k = 0; k < 15; k++) {
    counter->above[k] = _mm256_sub_epi8(counter->above[k], _mm256_cmpgt_epi8(codes, _mm256_set1_epi8((char)k)));
  }
  if (++counter->pending == 255) flush_counts(counter);
}

/// Largest |x| bit pattern of `count` floats: at least 0x7f800000 when one is NaN or ±Inf
/// (their patterns lie above every finite one).
__attribute__((target("avx2,fma"))) static uint32_t amax_bits_avx2(const float *x, int64_t count) {
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff);
  __m256i best0 = _mm256_setzero_si256(), best1 = _mm256_setzero_si256();
  int64_t i = 0;
  for (; i + 16 <= count; i += 16) {
    best0 = _mm256_max_epu32(best0, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i)), abs_mask));
    best1 = _mm256_max_epu32(best1, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i + 8)), abs_mask));
  }
  if (i + 8 <= count) {
    best0 = _mm256_max_epu32(best0, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i)), abs_mask));
    i += 8;
  }
  __m256i best = _mm256_max_epu32(best0, best1);
  __m128i half = _mm_max_epu32(_mm256_castsi256_si128(best), _mm256_extracti128_si256(best, 1));
  half = _mm_max_epu32(half, _mm_shuffle_epi32(half, 0x4e));
  half = _mm_max_epu32(half, _mm_shuffle_epi32(half, 0xb1));
  uint32_t result = (uint32_t)_mm_cvtsi128_si32(half);
  for (; i < count; i++) {
    uint32_t bits;
    memcpy(&bits, x + i, 4);
    bits &= 0x7fffffffu;
    if (bits > result) result = bits;
  }
  return result;
}

/// With a fixed amax every element shares one scale, so long groups are cut into blocks that
/// stay in L1 between the finiteness check and the rounding pass.
#define TK_FIXED_BLOCK 2048

/// Rounds whole groups of F32 rows, keeping the error sums and code counts in vector lanes across
/// groups: `rows` rows of `row_length` floats at `x`, groups of `group` (the tail group is shorter).
/// A group holding a non-finite value or with a zero scale, and the last count % 8 elements of a
/// group, take the scalar path.
__attribute__((target("avx2,fma"))) static void quantize_rows_avx2(
  quantize_state *state, const float *x, int64_t rows, int64_t row_length, int64_t group, float fixed_amax,
  float *out) {
  vector_codebook table;
  prepare_vector_codebook(state->values16, state->thresholds15, &table);
  code_counter counter;
  memset(&counter, 0, sizeof counter);
  vector_sums sums = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_pd(),
                      _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
  if (fixed_amax >= 0 && group > TK_FIXED_BLOCK) group = TK_FIXED_BLOCK;
  const float max_value = state->codebook->max_value;
  const __m256i none = _mm256_setzero_si256();
  int64_t vectorized = 0;
  for (int64_t row = 0; row < rows; row++) {
    for (int64_t start = 0; start < row_length; start += group) {
      const int64_t count = row_length - start < group ? row_length - start : group;
      const float *g = x + row * row_length + start;
      float *g_out = out ? out + row * row_length + start : NULL;
      const uint32_t amax_bits = amax_bits_avx2(g, count);
      float amax;
      if (amax_bits >= 0x7f800000u) {
        int64_t nonfinite = 0;
        amax = tk_amax_f32(g, count, &nonfinite);
      } else {
        memcpy(&amax, &amax_bits, 4);
      }
      if (fixed_amax >= 0) amax = fixed_amax;
      state->scale = (amax * state->clip) / max_value;
      state->zero_group = !(state->scale > 0) || !(state->scale < INFINITY);
      const int float_range = amax >= 0x1p-40f && amax <= 0x1p60f;
      if (amax_bits >= 0x7f800000u || state->zero_group || !float_range) {
        quantize_span_scalar(state, g, count, g_out);
        continue;
      }
      const __m256 scale = _mm256_set1_ps(state->scale);
      int64_t i = 0;
      for (; i + 32 <= count; i += 32) {
        __m256i c0 = round_and_sum8(&table, g + i, scale, g_out ? g_out + i : NULL, &sums);
        __m256i c1 = round_and_sum8(&table, g + i + 8, scale, g_out ? g_out + i + 8 : NULL, &sums);
        __m256i c2 = round_and_sum8(&table, g + i + 16, scale, g_out ? g_out + i + 16 : NULL, &sums);
        __m256i c3 = round_and_sum8(&table, g + i + 24, scale, g_out ? g_out + i + 24 : NULL, &sums);
        count_codes(&counter, c0, c1, c2, c3);
        flush_block(&sums);
      }
      if (i + 8 <= count) {
        __m256i c[3] = {none, none, none};
        for (int v = 0; i + 8 <= count; i += 8, v++) {
          c[v] = round_and_sum8(&table, g + i, scale, g_out ? g_out + i : NULL, &sums);
        }
        count_codes(&counter, c[0], c[1], c[2], none);
        flush_block(&sums);
      }
      vectorized += count & ~(int64_t)7;
      quantize_span_scalar(state, g + i, count - i, g_out ? g_out + i : NULL);
    }
  }
  flush_counts(&counter);
  // usage[k] = #(code > k - 1) - #(code > k), with #(code > -1) = all and #(code > n - 1) = 0.
  const int32_t n = state->codebook->count;
  int64_t previous = vectorized;
  for (int32_t k = 0; k < n; k++) {
    int64_t current = k < n - 1 ? counter.totals[k] : 0;
    state->usage[k] += previous - current;
    previous = current;
  }
  tk_sums *total = state->sums;
  total->sum_sq_err += hsum_pd(_mm256_add_pd(sums.sse0, sums.sse1));
  total->sum_sq_x += hsum_pd(_mm256_add_pd(sums.ssx0, sums.ssx1));
  float lanes[8];
  _mm256_storeu_ps(lanes, sums.max_err);
  double largest = 0;
  for (int lane = 0; lane < 8; lane++) largest = lanes[lane] > largest ? lanes[lane] : largest;
  if (largest > total->max_abs_err) total->max_abs_err = largest;
  total->finite += vectorized;
}
#endif

#if TK_X86
static void quantize_segment(
  void *context, const float *x, int64_t rows, int64_t row_length, int64_t group, int64_t element) {
  quantize_state *state = (quantize_state *)context;
  float *out = state->dequantized ? state->dequantized + element : NULL;
  quantize_rows_avx2(state, x, rows, row_length, group, state->fixed_amax, out);
}
#endif

static void quantize_begin(tk_visitor *visitor, float amax, int64_t nonfinite) {
  quantize_state *state = (quantize_state *)visitor;
  state->amax_for_span = amax;
  state->scale = (amax * state->clip) / state->codebook->max_value;
  state->zero_group = !(state->scale > 0) || !(state->scale < INFINITY);
  state->has_nonfinite = nonfinite > 0;
}

static void quantize_span(tk_visitor *visitor, const float *x, int64_t count, int64_t element) {
  quantize_state *state = (quantize_state *)visitor;
  float *out = state->dequantized ? state->dequantized + element : NULL;
#if TK_X86
  if (state->vector_ok && !state->zero_group && !state->has_nonfinite) {
    quantize_rows_avx2(state, x, 1, count, count, state->amax_for_span, out);
    return;
  }
#endif
  quantize_span_scalar(state, x, count, out);
}

static void prepare_padded(const tk_codebook *codebook, float *values16, float *thresholds15) {
  for (int j = 0; j < 16; j++) values16[j] = codebook->values[j < codebook->count ? j : codebook->count - 1];
  for (int j = 0; j < 15; j++) thresholds15[j] = j < codebook->count - 1 ? codebook->thresholds[j] : INFINITY;
}

void tk_quantize_codebook(
  const tk_layout *layout, const tk_codebook *codebook, float clip, tk_sums *sums, int64_t *usage,
  float *dequantized) {
  quantize_state state = {0};
  state.base.begin = quantize_begin;
  state.base.span = quantize_span;
  state.codebook = codebook;
  state.clip = clip;
  state.sums = sums;
  state.usage = usage;
  state.dequantized = dequantized;
  state.zero_code = code_of(codebook, 0.0f);
  state.vector_ok = tk_have_avx2() && codebook->count <= 16;
  if (state.vector_ok) {
    prepare_padded(codebook, state.values16, state.thresholds15);
#if TK_X86
    state.fixed_amax = layout->fixed_amax;
    float *tile = layout->dtype == TK_F32 ? NULL : malloc(TK_SEGMENT * sizeof(float));
    int done = (layout->dtype == TK_F32 || tile) && tk_walk_segments(layout, tile, TK_SEGMENT, quantize_segment, &state);
    free(tile);
    if (done) return;
#endif
  }
  tk_walk_groups(layout, &state.base);
}

// The --scale mse search: one pass over the data, every clip ratio per group while it is in cache.

typedef struct {
  tk_visitor base;
  const tk_codebook *codebook;
  const float *ratios;
  int32_t ratio_count;
  double *sse;
  int vector_ok;
  float amax;
  int has_nonfinite;
  float values16[16];
  float thresholds15[15];
} search_state;

static void search_begin(tk_visitor *visitor, float amax, int64_t nonfinite) {
  search_state *state = (search_state *)visitor;
  state->amax = amax;
  state->has_nonfinite = nonfinite > 0;
}

static double search_span_scalar(const tk_codebook *codebook, const float *x, int64_t count, float scale) {
  const int zero_group = !(scale > 0) || !(scale < INFINITY);
  double sse = 0;
  for (int64_t i = 0; i < count; i++) {
    float value = x[i];
    if (!(fabsf(value) < INFINITY)) continue;
    float rounded = zero_group ? 0.0f : codebook->values[code_of(codebook, value / scale)] * scale;
    double error = (double)value - (double)rounded;
    sse += error * error;
  }
  return sse;
}

#if TK_X86
__attribute__((target("avx2,fma"))) static double search_span_avx2(
  const search_state *state, const float *x, int64_t count, float scale_value) {
  vector_codebook table;
  prepare_vector_codebook(state->values16, state->thresholds15, &table);
  const __m256 scale = _mm256_set1_ps(scale_value);
  __m256d sse0 = _mm256_setzero_pd(), sse1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256 value = _mm256_loadu_ps(x + i);
    __m256 level;
    (void)round8(&table, _mm256_div_ps(value, scale), &level);
    __m256 rounded = _mm256_mul_ps(level, scale);
    __m256d e0 = _mm256_sub_pd(
      _mm256_cvtps_pd(_mm256_castps256_ps128(value)), _mm256_cvtps_pd(_mm256_castps256_ps128(rounded)));
    __m256d e1 = _mm256_sub_pd(
      _mm256_cvtps_pd(_mm256_extractf128_ps(value, 1)), _mm256_cvtps_pd(_mm256_extractf128_ps(rounded, 1)));
    sse0 = _mm256_fmadd_pd(e0, e0, sse0);
    sse1 = _mm256_fmadd_pd(e1, e1, sse1);
  }
  return hsum_pd(_mm256_add_pd(sse0, sse1)) + search_span_scalar(state->codebook, x + i, count - i, scale_value);
}
#endif

static void search_span(tk_visitor *visitor, const float *x, int64_t count, int64_t element) {
  (void)element;
  search_state *state = (search_state *)visitor;
  for (int32_t r = 0; r < state->ratio_count; r++) {
    float scale = (state->amax * state->ratios[r]) / state->codebook->max_value;
#if TK_X86
    int zero_group = !(scale > 0) || !(scale < INFINITY);
    if (state->vector_ok && !zero_group && !state->has_nonfinite) {
      state->sse[r] += search_span_avx2(state, x, count, scale);
      continue;
    }
#endif
    state->sse[r] += search_span_scalar(state->codebook, x, count, scale);
  }
}

void tk_clip_search_codebook(
  const tk_layout *layout, const tk_codebook *codebook, const float *ratios, int32_t ratio_count,
  double *sse) {
  search_state state = {0};
  state.base.begin = search_begin;
  state.base.span = search_span;
  state.codebook = codebook;
  state.ratios = ratios;
  state.ratio_count = ratio_count;
  state.sse = sse;
  state.vector_ok = tk_have_avx2() && codebook->count <= 16;
  if (state.vector_ok) prepare_padded(codebook, state.values16, state.thresholds15);
  tk_walk_groups(layout, &state.base);
}
