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

__attribute__((target("avx2,fma"))) static inline double hmax_pd(__m256d v) {
  __m128d best = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  double a = _mm_cvtsd_f64(best), b = _mm_cvtsd_f64(_mm_unpackhi_pd(best, best));
  return a > b ? a : b;
}

__attribute__((target("avx2,fma"))) static inline int64_t hsum_epi32(__m256i v) {
  int32_t lanes[8];
  _mm256_storeu_si256((__m256i *)lanes, v);
  int64_t total = 0;
  for (int lane = 0; lane < 8; lane++) total += lanes[lane];
  return total;
}

/// Rounds 8 finite floats: returns the codes, the dequantized values in `*rounded`.
/// The code is the count of thresholds below y (branch-free); the value comes from two
/// in-register table lookups (values 0-7 and 8-15), no gather.
#define TK_ROUND8(y, codes, rounded, masks)                                             \
  do {                                                                                  \
    codes = _mm256_setzero_si256();                                                     \
    for (int j = 0; j < 15; j++) {                                                      \
      masks[j] = _mm256_castps_si256(_mm256_cmp_ps(y, thresholds[j], _CMP_GT_OQ));     \
      codes = _mm256_sub_epi32(codes, masks[j]);                                        \
    }                                                                                   \
    __m256 low_values = _mm256_permutevar8x32_ps(table_low, codes);                    \
    __m256 high_values = _mm256_permutevar8x32_ps(table_high, codes);                  \
    __m256 upper = _mm256_castsi256_ps(_mm256_cmpgt_epi32(codes, seven));               \
    rounded = _mm256_mul_ps(_mm256_blendv_ps(low_values, high_values, upper), scale);    \
  } while (0)

/// Adds the paired 16-bit counts to `above` and clears them.
__attribute__((target("avx2,fma"))) static void flush_pair_counts(__m256i *counts, int64_t *above) {
  const __m256i low_half = _mm256_set1_epi32(0xffff);
  for (int p = 0; p < 8; p++) {
    above[p] += hsum_epi32(_mm256_and_si256(counts[p], low_half));
    above[p + 8] += hsum_epi32(_mm256_srli_epi32(counts[p], 16));
    counts[p] = _mm256_setzero_si256();
  }
}

/// Rounds whole groups of finite-checked F32 rows, keeping every accumulator in registers across
/// groups: `rows` rows of `row_length` floats at `x`, groups of `group` (the tail group is shorter).
/// A group holding a non-finite value, or the scalar tail of a group, takes the scalar path.
__attribute__((target("avx2,fma"))) static void quantize_rows_avx2(
  quantize_state *state, const float *x, int64_t rows, int64_t row_length, int64_t group, float fixed_amax,
  float *out) {
  __m256 thresholds[15];
  for (int j = 0; j < 15; j++) thresholds[j] = _mm256_set1_ps(state->thresholds15[j]);
  const __m256 table_low = _mm256_loadu_ps(state->values16);
  const __m256 table_high = _mm256_loadu_ps(state->values16 + 8);
  const __m256i seven = _mm256_set1_epi32(7);
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
  __m256d sse0 = _mm256_setzero_pd(), sse1 = _mm256_setzero_pd();
  __m256d ssx0 = _mm256_setzero_pd(), ssx1 = _mm256_setzero_pd();
  __m256d max0 = _mm256_setzero_pd(), max1 = _mm256_setzero_pd();
  // Per-threshold counts, two thresholds per register: j in the low 16 bits of each 32-bit
  // lane, j + 8 in the high 16 bits (each field grows by at most 1 per vector).
  __m256i counts[8];
  for (int p = 0; p < 8; p++) counts[p] = _mm256_setzero_si256();
  int64_t above[16] = {0};
  int64_t vectorized = 0, since_flush = 0;
  const float max_value = state->codebook->max_value;
  for (int64_t row = 0; row < rows; row++) {
    for (int64_t start = 0; start < row_length; start += group) {
      const int64_t count = row_length - start < group ? row_length - start : group;
      const float *g = x + row * row_length + start;
      float *g_out = out ? out + row * row_length + start : NULL;
      int64_t nonfinite = 0;
      float amax = tk_amax_f32(g, count, &nonfinite);
      if (fixed_amax >= 0) amax = fixed_amax;
      state->scale = (amax * state->clip) / max_value;
      state->zero_group = !(state->scale > 0) || !(state->scale < INFINITY);
      if (nonfinite > 0 || state->zero_group) {
        quantize_span_scalar(state, g, count, g_out);
        continue;
      }
      // 16-bit fields: flush before any can pass 65535.
      if (since_flush + count / 8 > 65000) {
        flush_pair_counts(counts, above);
        since_flush = 0;
      }
      const __m256 scale = _mm256_set1_ps(state->scale);
      int64_t i = 0;
      for (; i + 8 <= count; i += 8) {
        __m256 value = _mm256_loadu_ps(g + i);
        __m256 y = _mm256_div_ps(value, scale);
        __m256i codes, masks[16];
        __m256 rounded;
        TK_ROUND8(y, codes, rounded, masks);
        masks[15] = _mm256_setzero_si256();
        for (int p = 0; p < 8; p++) {
          counts[p] = _mm256_sub_epi16(counts[p], _mm256_blend_epi16(masks[p], masks[p + 8], 0xAA));
        }
        if (g_out) _mm256_storeu_ps(g_out + i, rounded);
        __m256d x0 = _mm256_cvtps_pd(_mm256_castps256_ps128(value));
        __m256d x1 = _mm256_cvtps_pd(_mm256_extractf128_ps(value, 1));
        __m256d e0 = _mm256_sub_pd(x0, _mm256_cvtps_pd(_mm256_castps256_ps128(rounded)));
        __m256d e1 = _mm256_sub_pd(x1, _mm256_cvtps_pd(_mm256_extractf128_ps(rounded, 1)));
        sse0 = _mm256_fmadd_pd(e0, e0, sse0);
        sse1 = _mm256_fmadd_pd(e1, e1, sse1);
        ssx0 = _mm256_fmadd_pd(x0, x0, ssx0);
        ssx1 = _mm256_fmadd_pd(x1, x1, ssx1);
        max0 = _mm256_max_pd(max0, _mm256_and_pd(e0, abs_mask));
        max1 = _mm256_max_pd(max1, _mm256_and_pd(e1, abs_mask));
      }
      vectorized += i;
      since_flush += i / 8;
      quantize_span_scalar(state, g + i, count - i, g_out ? g_out + i : NULL);
    }
  }
  flush_pair_counts(counts, above);
  // usage[k] = #(y > t[k-1]) - #(y > t[k]), with #(y > t[-1]) = all and #(y > t[n-1]) = 0.
  const int32_t n = state->codebook->count;
  int64_t previous = vectorized;
  for (int32_t k = 0; k < n; k++) {
    int64_t current = k < n - 1 ? above[k] : 0;
    state->usage[k] += previous - current;
    previous = current;
  }
  tk_sums *sums = state->sums;
  sums->sum_sq_err += hsum_pd(_mm256_add_pd(sse0, sse1));
  sums->sum_sq_x += hsum_pd(_mm256_add_pd(ssx0, ssx1));
  double largest = hmax_pd(_mm256_max_pd(max0, max1));
  if (largest > sums->max_abs_err) sums->max_abs_err = largest;
  sums->finite += vectorized;
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
  __m256 thresholds[15];
  for (int j = 0; j < 15; j++) thresholds[j] = _mm256_set1_ps(state->thresholds15[j]);
  const __m256 table_low = _mm256_loadu_ps(state->values16);
  const __m256 table_high = _mm256_loadu_ps(state->values16 + 8);
  const __m256i seven = _mm256_set1_epi32(7);
  const __m256 scale = _mm256_set1_ps(scale_value);
  __m256d sse0 = _mm256_setzero_pd(), sse1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256 value = _mm256_loadu_ps(x + i);
    __m256 y = _mm256_div_ps(value, scale);
    __m256i codes, masks[15];
    __m256 rounded;
    TK_ROUND8(y, codes, rounded, masks);
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
