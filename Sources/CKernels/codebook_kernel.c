// Group scaling and nearest-codebook rounding (SPEC §4): the hot path.
//
// A group's scale is clip * amax / max_value. y = x / scale goes to code
// #{thresholds < y}; the dequantized value is values[code] * scale. Error sums are in double.
// An all-zero group (or one whose scale underflows to 0 or overflows) dequantizes to zeros.

#include <float.h>
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
  // Per group:
  float scale;
  int zero_group;
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

/// Elements of a group decoded at a time for the scalar path.
#define TK_SCALAR_CHUNK 256

/// The scalar path over `count` elements from element `first` of `x` (any dtype), with the
/// group's scale already in `state`.
static void quantize_scalar(
  quantize_state *state, const void *x, int32_t dtype, int64_t first, int64_t count, float *out) {
  if (dtype == TK_F32) {
    quantize_span_scalar(state, (const float *)x + first, count, out);
    return;
  }
  float chunk[TK_SCALAR_CHUNK];
  for (int64_t done = 0; done < count; done += TK_SCALAR_CHUNK) {
    const int64_t size = count - done < TK_SCALAR_CHUNK ? count - done : TK_SCALAR_CHUNK;
    tk_decode(x, dtype, first + done, size, chunk);
    quantize_span_scalar(state, chunk, size, out ? out + done : NULL);
  }
}

/// The largest finite |x| of a group that holds a non-finite element (any dtype).
static float finite_amax(const void *x, int32_t dtype, int64_t first, int64_t count) {
  float chunk[TK_SCALAR_CHUNK];
  float amax = 0;
  int64_t nonfinite = 0;
  for (int64_t done = 0; done < count; done += TK_SCALAR_CHUNK) {
    const int64_t size = count - done < TK_SCALAR_CHUNK ? count - done : TK_SCALAR_CHUNK;
    tk_decode(x, dtype, first + done, size, chunk);
    const float local = tk_amax_f32(chunk, size, &nonfinite);
    amax = local > amax ? local : amax;
  }
  return amax;
}

/// With a fixed amax every element shares one scale, so long groups are cut into blocks that
/// stay in L1 between the finiteness check and the rounding pass.
#define TK_FIXED_BLOCK 2048

/// Element `i` of `x` as a float.
static inline float load1(const void *x, int64_t i, int32_t dtype) {
  if (dtype == TK_F32) return ((const float *)x)[i];
  const uint16_t bits = ((const uint16_t *)x)[i];
  return dtype == TK_BF16 ? tk_bf16_to_f32(bits) : tk_f16_to_f32(bits);
}

/// The Float32 bit pattern of the largest |x| of `count` elements from `first`: at least
/// 0x7f800000 when one is NaN or ±Inf (the scalar twin of the vector paths' amax).
static uint32_t amax_bits_scalar(const void *x, int32_t dtype, int64_t first, int64_t count) {
  uint32_t result = 0;
  for (int64_t i = 0; i < count; i++) {
    uint32_t bits;
    if (dtype == TK_F32) {
      memcpy(&bits, (const float *)x + first + i, 4);
      bits &= 0x7fffffffu;
    } else {
      const uint16_t half = ((const uint16_t *)x)[first + i] & 0x7fffu;
      if (dtype == TK_BF16) {
        bits = (uint32_t)half << 16;
      } else if (half >= 0x7c00u) {
        bits = 0x7f800000u;
      } else {
        const float value = tk_f16_to_f32(half);
        memcpy(&bits, &value, 4);
      }
    }
    result = bits > result ? bits : result;
  }
  return result;
}

/// The group's scale in `state`; returns whether the group takes the scalar path (a non-finite
/// element, a zero or infinite scale, or an amax outside [2^-40, 2^60], where the vector paths'
/// float32 squares could over- or underflow). The same decision on every path.
static int begin_group(
  quantize_state *state, const void *x, int32_t dtype, int64_t first, int64_t count, uint32_t amax_bits,
  float fixed_amax) {
  const int nonfinite = amax_bits >= 0x7f800000u;
  float amax;
  if (nonfinite) {
    amax = finite_amax(x, dtype, first, count);
  } else {
    memcpy(&amax, &amax_bits, 4);
  }
  if (fixed_amax >= 0) amax = fixed_amax;
  state->scale = (amax * state->clip) / state->codebook->max_value;
  state->zero_group = !(state->scale > 0) || !(state->scale < INFINITY);
  const int float_range = amax >= 0x1p-40f && amax <= 0x1p60f;
  return nonfinite || state->zero_group || !float_range;
}

/// The double lanes' total in the vector paths' order: lanes j and j + 4 first, then (0 + 2) + (1 + 3).
static double lane_total(const double *lanes) {
  double v[4];
  for (int k = 0; k < 4; k++) v[k] = lanes[k] + lanes[k + 4];
  return (v[0] + v[2]) + (v[1] + v[3]);
}

/// The portable path for codebooks of at most 16 values: the vector paths' arithmetic in scalar
/// C, element for element, so every path gives the same sums bit for bit. Element j of each run
/// of 8 goes to double lane j (see vector_sums).
static void quantize_rows_portable(
  quantize_state *state, const void *x, int32_t dtype, int64_t rows, int64_t row_length, int64_t group,
  float fixed_amax, float *out) {
  const tk_codebook *codebook = state->codebook;
  double sse[8] = {0}, ssx[8] = {0};
  double max_err = 0;
  int64_t usage[16] = {0};
  if (fixed_amax >= 0 && group > TK_FIXED_BLOCK) group = TK_FIXED_BLOCK;
  int64_t vectorized = 0;
  for (int64_t row = 0; row < rows; row++) {
    for (int64_t start = 0; start < row_length; start += group) {
      const int64_t count = row_length - start < group ? row_length - start : group;
      const int64_t first = row * row_length + start;
      float *g_out = out ? out + first : NULL;
      if (begin_group(state, x, dtype, first, count, amax_bits_scalar(x, dtype, first, count), fixed_amax)) {
        quantize_scalar(state, x, dtype, first, count, g_out);
        continue;
      }
      const float scale = state->scale;
      int64_t i = 0;
      while (i + 8 <= count) {
        // One block: 4 runs of 8, or the 1 to 3 left at the group's end.
        for (int run = 0; run < 4 && i + 8 <= count; run++, i += 8) {
          for (int j = 0; j < 8; j++) {
            const float value = load1(x, first + i + j, dtype);
            const int32_t code = code_of(codebook, value / scale);
            const float rounded = codebook->values[code] * scale;
            if (g_out) g_out[i + j] = rounded;
            // As add_error_sums8, with fma as the vector paths fuse it.
            const double error = (double)value - (double)rounded;
            sse[j] = fma(error, error, sse[j]);
            ssx[j] = fma((double)value, (double)value, ssx[j]);
            max_err = fabs(error) > max_err ? fabs(error) : max_err;
            usage[code] += 1;
          }
        }
      }
      vectorized += count & ~(int64_t)7;
      quantize_scalar(state, x, dtype, first + i, count - i, g_out ? g_out + i : NULL);
    }
  }
  for (int32_t k = 0; k < codebook->count && k < 16; k++) state->usage[k] += usage[k];
  tk_sums *total = state->sums;
  total->sum_sq_err += lane_total(sse);
  total->sum_sq_x += lane_total(ssx);
  if (max_err > total->max_abs_err) total->max_abs_err = max_err;
  total->finite += vectorized;
}

#if TK_X86
__attribute__((target("avx2,fma"))) static inline double hsum_pd(__m256d v) {
  __m128d sum = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(sum) + _mm_cvtsd_f64(_mm_unpackhi_pd(sum, sum));
}

/// A codebook of at most 16 values as vector tables: the thresholds padded with +inf to 16
/// (t[15] never lies below y), so the code #{t[j] < y} comes from a 4-step branch-free binary
/// search whose lookups are in-register selects and permutes, not gathers.
typedef struct {
  __m256 t3, t7, t11;      // steps 8 and 4
  __m256 t_fours;          // t[1], t[5], t[9], t[13] in each 128-bit lane: step 2, at code / 4
  __m256 t_evens;          // t[0], t[2], ..., t[14]: step 1, at code / 2
  __m256 v_low, v_high;    // values[0...7], values[8...15]
} vector_codebook;

__attribute__((target("avx2,fma"))) static void prepare_vector_codebook(
  const float *values16, const float *thresholds15, vector_codebook *table) {
  float t[16];
  for (int j = 0; j < 15; j++) t[j] = thresholds15[j];
  t[15] = INFINITY;
  table->t3 = _mm256_set1_ps(t[3]);
  table->t7 = _mm256_set1_ps(t[7]);
  table->t11 = _mm256_set1_ps(t[11]);
  table->t_fours = _mm256_setr_ps(t[1], t[5], t[9], t[13], t[1], t[5], t[9], t[13]);
  table->t_evens = _mm256_setr_ps(t[0], t[2], t[4], t[6], t[8], t[10], t[12], t[14]);
  table->v_low = _mm256_loadu_ps(values16);
  table->v_high = _mm256_loadu_ps(values16 + 8);
}

/// The codes #{t[j] < y} of 8 floats (steps 8, 4, 2, 1 of a binary search over 16 entries) and
/// their codebook values in `*value`.
__attribute__((target("avx2,fma"))) static inline __m256i round8(
  const vector_codebook *table, __m256 y, __m256 *value) {
  // Step 8: t[7]. Step 4: t[code + 3], code in {0, 8}.
  const __m256 upper = _mm256_cmp_ps(y, table->t7, _CMP_GT_OQ);
  __m256i code = _mm256_and_si256(_mm256_castps_si256(upper), _mm256_set1_epi32(8));
  __m256 above = _mm256_cmp_ps(y, _mm256_blendv_ps(table->t3, table->t11, upper), _CMP_GT_OQ);
  code = _mm256_add_epi32(code, _mm256_and_si256(_mm256_castps_si256(above), _mm256_set1_epi32(4)));
  // Step 2: t[code + 1], code in {0, 4, 8, 12}: an in-lane permute by code / 4.
  __m256 threshold = _mm256_permutevar_ps(table->t_fours, _mm256_srli_epi32(code, 2));
  above = _mm256_cmp_ps(y, threshold, _CMP_GT_OQ);
  code = _mm256_add_epi32(code, _mm256_and_si256(_mm256_castps_si256(above), _mm256_set1_epi32(2)));
  // Step 1: t[code], code even: a permute by code / 2.
  threshold = _mm256_permutevar8x32_ps(table->t_evens, _mm256_srli_epi32(code, 1));
  above = _mm256_cmp_ps(y, threshold, _CMP_GT_OQ);
  code = _mm256_sub_epi32(code, _mm256_castps_si256(above));
  // vpermps reads the low 3 bits of each index: code & 7 within the half `upper` picks.
  *value = _mm256_blendv_ps(
    _mm256_permutevar8x32_ps(table->v_low, code), _mm256_permutevar8x32_ps(table->v_high, code), upper);
  return code;
}

/// Error sums of the vector path, in 8 double lanes (lanes 0-3 in `*0`, 4-7 in `*1`; lane j
/// holds elements j, 8 + j, 16 + j, … of each group, in order). x and x̂ are floats a bounded
/// factor apart, so x − x̂ is exact in double (as in the scalar path and a float64 reference)
/// and its square is exact, or rounded once to 2^-53 where x̂ lies beyond a factor 2 of x
/// (e2m1-i's 0.0625 next to 1): the sums differ from float64 references only in the order
/// of their additions.
typedef struct {
  __m256d sse0, sse1, ssx0, ssx1, max_err0, max_err1;
} vector_sums;

/// Adds 8 elements' squared errors, squares and largest |error| to the double lanes.
__attribute__((target("avx2,fma"))) static inline void add_error_sums8(
  __m256 value, __m256 rounded, vector_sums *sums) {
  const __m256d v0 = _mm256_cvtps_pd(_mm256_castps256_ps128(value));
  const __m256d v1 = _mm256_cvtps_pd(_mm256_extractf128_ps(value, 1));
  const __m256d e0 = _mm256_sub_pd(v0, _mm256_cvtps_pd(_mm256_castps256_ps128(rounded)));
  const __m256d e1 = _mm256_sub_pd(v1, _mm256_cvtps_pd(_mm256_extractf128_ps(rounded, 1)));
  sums->sse0 = _mm256_fmadd_pd(e0, e0, sums->sse0);
  sums->sse1 = _mm256_fmadd_pd(e1, e1, sums->sse1);
  sums->ssx0 = _mm256_fmadd_pd(v0, v0, sums->ssx0);
  sums->ssx1 = _mm256_fmadd_pd(v1, v1, sums->ssx1);
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
  sums->max_err0 = _mm256_max_pd(sums->max_err0, _mm256_and_pd(e0, abs_mask));
  sums->max_err1 = _mm256_max_pd(sums->max_err1, _mm256_and_pd(e1, abs_mask));
}

/// Moves the lanes' totals into `total` (the same order on every path: see lane_total).
__attribute__((target("avx2,fma"))) static void add_vector_sums(const vector_sums *sums, tk_sums *total) {
  total->sum_sq_err += hsum_pd(_mm256_add_pd(sums->sse0, sums->sse1));
  total->sum_sq_x += hsum_pd(_mm256_add_pd(sums->ssx0, sums->ssx1));
  double lanes[4];
  _mm256_storeu_pd(lanes, _mm256_max_pd(sums->max_err0, sums->max_err1));
  for (int lane = 0; lane < 4; lane++) {
    if (lanes[lane] > total->max_abs_err) total->max_abs_err = lanes[lane];
  }
}

/// Rounds 8 finite floats with `scale`, stores x̂ when `out` is given, adds to the sums and
/// returns the codes.
__attribute__((target("avx2,fma"))) static inline __m256i round_and_sum8(
  const vector_codebook *table, __m256 value, __m256 scale, float *out, vector_sums *sums) {
  __m256 level;
  const __m256i code = round8(table, _mm256_div_ps(value, scale), &level);
  const __m256 rounded = _mm256_mul_ps(level, scale);
  if (out) _mm256_storeu_ps(out, rounded);
  add_error_sums8(value, rounded, sums);
  return code;
}

/// Code usage without a per-element scatter or a register per code: each 64-bit lane holds
/// sixteen 4-bit counts (count k at bits 4k), and a code c adds 1 << 4c to its lane (one
/// variable shift per 4 codes). Two codes of a vector land in each lane per call, so the
/// nibbles are moved into byte counts every 7 calls (at most 14 each), and the byte counts
/// into 64-bit totals every 18 of those (at most 252 each).
typedef struct {
  __m256i nibbles;
  __m256i even_bytes, odd_bytes;  // byte j of a lane: the count of code 2j (even) or 2j + 1 (odd)
  int32_t pending_calls, pending_flushes;
  int64_t totals[16];
} code_counter;

__attribute__((target("avx2,fma"))) static void flush_bytes(code_counter *counter) {
  uint8_t even[32], odd[32];
  _mm256_storeu_si256((__m256i *)even, counter->even_bytes);
  _mm256_storeu_si256((__m256i *)odd, counter->odd_bytes);
  for (int lane = 0; lane < 4; lane++) {
    for (int j = 0; j < 8; j++) {
      counter->totals[2 * j] += even[8 * lane + j];
      counter->totals[2 * j + 1] += odd[8 * lane + j];
    }
  }
  counter->even_bytes = _mm256_setzero_si256();
  counter->odd_bytes = _mm256_setzero_si256();
  counter->pending_flushes = 0;
}

__attribute__((target("avx2,fma"))) static void flush_nibbles(code_counter *counter) {
  const __m256i low = _mm256_set1_epi8(0x0f);
  counter->even_bytes = _mm256_add_epi8(counter->even_bytes, _mm256_and_si256(counter->nibbles, low));
  counter->odd_bytes =
    _mm256_add_epi8(counter->odd_bytes, _mm256_and_si256(_mm256_srli_epi64(counter->nibbles, 4), low));
  counter->nibbles = _mm256_setzero_si256();
  counter->pending_calls = 0;
  if (++counter->pending_flushes == 18) flush_bytes(counter);
}

/// Counts 8 codes (0...15).
__attribute__((target("avx2,fma"))) static inline void count_codes8(code_counter *counter, __m256i code) {
  const __m256i shifts = _mm256_slli_epi32(code, 2);
  const __m256i one = _mm256_set1_epi64x(1);
  const __m256i even = _mm256_and_si256(shifts, _mm256_set1_epi64x(0xffffffff));
  const __m256i odd = _mm256_srli_epi64(shifts, 32);
  counter->nibbles = _mm256_add_epi64(
    counter->nibbles, _mm256_add_epi64(_mm256_sllv_epi64(one, even), _mm256_sllv_epi64(one, odd)));
  if (++counter->pending_calls == 7) flush_nibbles(counter);
}

/// Moves every pending count into `totals`.
__attribute__((target("avx2,fma"))) static void flush_counts(code_counter *counter) {
  flush_nibbles(counter);
  flush_bytes(counter);
}

/// Element `i` of `x` and the 7 after it, as floats (F16/BF16 decoded in registers).
__attribute__((target("avx2,fma,f16c"), always_inline)) static inline __m256 load8(
  const void *x, int64_t i, int32_t dtype) {
  if (dtype == TK_F32) return _mm256_loadu_ps((const float *)x + i);
  const __m128i half = _mm_loadu_si128((const __m128i *)((const uint16_t *)x + i));
  if (dtype == TK_BF16) return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(half), 16));
  return _mm256_cvtph_ps(half);
}

/// The Float32 bit pattern of the largest |x| of `count` F32 elements: at least 0x7f800000
/// when one is NaN or ±Inf (their patterns lie above every finite one).
__attribute__((target("avx2,fma"))) static uint32_t amax_bits_f32(const float *x, int64_t count) {
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff);
  __m256i best0 = _mm256_setzero_si256(), best1 = _mm256_setzero_si256();
  int64_t i = 0;
  for (; i + 16 <= count; i += 16) {
    best0 = _mm256_max_epu32(best0, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i)), abs_mask));
    best1 = _mm256_max_epu32(best1, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i + 8)), abs_mask));
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

/// The same for F16/BF16 elements, 16 at a time on their raw 16-bit patterns (also ordered by
/// magnitude), returned as a Float32 pattern.
__attribute__((target("avx2,fma"))) static uint32_t amax_bits_16(const uint16_t *x, int64_t count, int32_t dtype) {
  const __m256i abs_mask = _mm256_set1_epi16(0x7fff);
  __m256i best = _mm256_setzero_si256();
  int64_t i = 0;
  for (; i + 16 <= count; i += 16) {
    best = _mm256_max_epu16(best, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(x + i)), abs_mask));
  }
  uint16_t lanes[16];
  _mm256_storeu_si256((__m256i *)lanes, best);
  uint16_t result = 0;
  for (int lane = 0; lane < 16; lane++) result = lanes[lane] > result ? lanes[lane] : result;
  for (; i < count; i++) result = (x[i] & 0x7fffu) > result ? (x[i] & 0x7fffu) : result;
  if (dtype == TK_BF16) return (uint32_t)result << 16;
  if (result >= 0x7c00u) return 0x7f800000u;
  const float amax = tk_f16_to_f32(result);
  uint32_t bits;
  memcpy(&bits, &amax, 4);
  return bits;
}

/// Sets up the group of `count` elements from `first` (its scale in `state`) and, when it takes
/// the scalar path (see begin_group), rounds it there and returns 1; the vector paths' shared start.
__attribute__((target("avx2,fma"), always_inline)) static inline int rounded_on_scalar_path(
  quantize_state *state, const void *x, int32_t dtype, int64_t first, int64_t count, float fixed_amax,
  float *out) {
  const uint32_t amax_bits = dtype == TK_F32 ? amax_bits_f32((const float *)x + first, count)
                                             : amax_bits_16((const uint16_t *)x + first, count, dtype);
  if (!begin_group(state, x, dtype, first, count, amax_bits, fixed_amax)) return 0;
  quantize_scalar(state, x, dtype, first, count, out);
  return 1;
}

/// The AVX2 path rounds in x space: no division per element. For a group's scale s, X_j is
/// the least float x with fl(x / s) > t_j, so code #{t_j < fl(x / s)} = #{X_j <= x}, the same
/// code as the division gives, for every finite x. fl(q) > t_j exactly when q > m_j, the
/// midpoint between t_j and the next float up, or q = m_j and that tie rounds up (the next
/// float's pattern is even); m_j * s is exact in double (25 by 24 significant bits), so X_j is
/// m_j * s rounded up to a float, one further where it equals m_j * s and the tie rounds down.
/// Ties need a zero or subnormal t_j: a quotient of floats is never the midpoint of two normal
/// floats (its odd part would need 25 bits), so other codebooks skip that test.

/// Per codebook: m_j and the tie rule of the 16 thresholds (padding +inf) in table order:
/// [0, 12, 8, 4], [1, 13, 9, 5], [2, 14, 10, 6] (X_{4q + r} at index (-q) & 3), [3, 7, 11, pad].
typedef struct {
  double midpoint[16];
  int64_t tie_up[16];  // all ones where a tie at m_j rounds to the float above t_j
  float values[16];    // values[k] at index (-k) & 7 of its half (k < 8, k >= 8)
  int ties;            // some t_j is zero or subnormal: a quotient can tie at m_j
} xspace_codebook;

static void prepare_xspace_codebook(const float *values16, const float *thresholds15, xspace_codebook *prepared) {
  static const int order[16] = {0, 12, 8, 4, 1, 13, 9, 5, 2, 14, 10, 6, 3, 7, 11, 15};
  prepared->ties = 0;
  for (int slot = 0; slot < 16; slot++) {
    const int j = order[slot];
    const float t = j < 15 ? thresholds15[j] : INFINITY;
    if (!(t < INFINITY)) {
      prepared->midpoint[slot] = INFINITY;  // X = +inf: never <= a finite x
      prepared->tie_up[slot] = -1;
      continue;
    }
    const float next = nextafterf(t, INFINITY);
    uint32_t bits;
    memcpy(&bits, &next, 4);
    prepared->midpoint[slot] = ((double)t + (double)next) * 0.5;
    prepared->tie_up[slot] = (bits & 1u) == 0 ? -1 : 0;
    if (fabsf(t) < FLT_MIN) prepared->ties = 1;
  }
  for (int k = 0; k < 16; k++) prepared->values[((16 - k) & 7) | (k & 8)] = values16[k];
}

/// The tables round8_xspace reads: X_j and values * scale, in registers for a span's loop.
typedef struct {
  __m256 x3, x7, x11;    // X_3, X_7, X_11 broadcast: the quarter
  __m256 q0, q1, q2;     // X_{4q}, X_{4q + 1}, X_{4q + 2} at in-lane index (-q) & 3
  __m256 v_low, v_high;  // values[k] * scale at index (-k) & 7
} xspace_table;

/// Four X_j from slot `slot` of `prepared` (`ties`: a constant, see above).
__attribute__((target("avx2,fma"), always_inline)) static inline __m128 xspace4(
  const xspace_codebook *prepared, int slot, __m256d scale, int ties) {
  const __m256d bound = _mm256_mul_pd(_mm256_loadu_pd(prepared->midpoint + slot), scale);
  // The nearest float, -0 made +0 (the same compares) so that a step up is a +1 on its bits.
  const __m128 nearest = _mm_add_ps(_mm256_cvtpd_ps(bound), _mm_setzero_ps());
  const __m256d back = _mm256_cvtps_pd(nearest);
  __m256d step = _mm256_cmp_pd(back, bound, _CMP_LT_OQ);
  if (ties) {
    const __m256d tie_up = _mm256_castsi256_pd(_mm256_loadu_si256((const __m256i *)(prepared->tie_up + slot)));
    step = _mm256_or_pd(step, _mm256_andnot_pd(tie_up, _mm256_cmp_pd(back, bound, _CMP_EQ_OQ)));
  }
  const __m128i step4 = _mm256_castsi256_si128(
    _mm256_permutevar8x32_epi32(_mm256_castpd_si256(step), _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6)));
  // One float up: +1 on the bits of a positive float, -1 on those of a negative one.
  const __m128i bits = _mm_castps_si128(nearest);
  const __m128i direction = _mm_or_si128(_mm_srai_epi32(bits, 31), _mm_set1_epi32(1));
  return _mm_castsi128_ps(_mm_add_epi32(bits, _mm_and_si128(step4, direction)));
}

/// X_j at `scale_value` in slot order (see xspace_codebook).
__attribute__((target("avx2,fma"), always_inline)) static inline void prepare_bounds(
  const xspace_codebook *prepared, float scale_value, float *bounds) {
  const __m256d scale = _mm256_set1_pd((double)scale_value);
  if (prepared->ties) {
    for (int slot = 0; slot < 16; slot += 4) _mm_store_ps(bounds + slot, xspace4(prepared, slot, scale, 1));
  } else {
    for (int slot = 0; slot < 16; slot += 4) _mm_store_ps(bounds + slot, xspace4(prepared, slot, scale, 0));
  }
}

/// A span's tables from a group's X_j (`bounds`) and scale.
__attribute__((target("avx2,fma"), always_inline)) static inline xspace_table load_xspace_table(
  const xspace_codebook *prepared, const float *bounds, float scale_value) {
  xspace_table table;
  table.q0 = _mm256_broadcast_ps((const __m128 *)bounds);
  table.q1 = _mm256_broadcast_ps((const __m128 *)(bounds + 4));
  table.q2 = _mm256_broadcast_ps((const __m128 *)(bounds + 8));
  table.x3 = _mm256_broadcast_ss(bounds + 12);
  table.x7 = _mm256_broadcast_ss(bounds + 13);
  table.x11 = _mm256_broadcast_ss(bounds + 14);
  const __m256 scale = _mm256_set1_ps(scale_value);
  table.v_low = _mm256_mul_ps(_mm256_loadu_ps(prepared->values), scale);
  table.v_high = _mm256_mul_ps(_mm256_loadu_ps(prepared->values + 8), scale);
  return table;
}

/// The codes #{X_j <= x} of 8 finite floats, negated (each compare adds -1), and x̂ in
/// `*rounded`: the quarter from X_3, X_7, X_11, then three compares within it. Shorter
/// dependency chains than a 4-step search, which is what bounds this loop.
__attribute__((target("avx2,fma"), always_inline)) static inline __m256i round8_xspace(
  const xspace_table *table, __m256 x, __m256 *rounded) {
  const __m256 upper = _mm256_cmp_ps(x, table->x7, _CMP_GE_OQ);
  const __m256i quarter = _mm256_add_epi32(
    _mm256_add_epi32(_mm256_castps_si256(_mm256_cmp_ps(x, table->x3, _CMP_GE_OQ)), _mm256_castps_si256(upper)),
    _mm256_castps_si256(_mm256_cmp_ps(x, table->x11, _CMP_GE_OQ)));
  const __m256 a = _mm256_cmp_ps(x, _mm256_permutevar_ps(table->q0, quarter), _CMP_GE_OQ);
  const __m256 b = _mm256_cmp_ps(x, _mm256_permutevar_ps(table->q1, quarter), _CMP_GE_OQ);
  const __m256 c = _mm256_cmp_ps(x, _mm256_permutevar_ps(table->q2, quarter), _CMP_GE_OQ);
  const __m256i negated_code = _mm256_add_epi32(
    _mm256_add_epi32(_mm256_slli_epi32(quarter, 2), _mm256_castps_si256(a)),
    _mm256_add_epi32(_mm256_castps_si256(b), _mm256_castps_si256(c)));
  *rounded = _mm256_blendv_ps(
    _mm256_permutevar8x32_ps(table->v_low, negated_code), _mm256_permutevar8x32_ps(table->v_high, negated_code),
    upper);
  return negated_code;
}

/// Counts the codes (0...15) of a span (n a multiple of 8) seven vectors at a time, the nibble
/// and byte counts in registers (see code_counter).
__attribute__((target("avx2,fma"), always_inline)) static inline void count_span_codes(
  code_counter *counter, const int32_t *codes, int64_t n) {
  const __m256i one = _mm256_set1_epi64x(1), low32 = _mm256_set1_epi64x(0xffffffff), low4 = _mm256_set1_epi8(0x0f);
  __m256i even_bytes = counter->even_bytes, odd_bytes = counter->odd_bytes;
  for (int64_t i = 0; i < n;) {
    __m256i nibbles = _mm256_setzero_si256();
    for (int call = 0; call < 7 && i < n; call++, i += 8) {
      const __m256i shifts = _mm256_slli_epi32(_mm256_load_si256((const __m256i *)(codes + i)), 2);
      nibbles = _mm256_add_epi64(nibbles, _mm256_sllv_epi64(one, _mm256_and_si256(shifts, low32)));
      nibbles = _mm256_add_epi64(nibbles, _mm256_sllv_epi64(one, _mm256_srli_epi64(shifts, 32)));
    }
    even_bytes = _mm256_add_epi8(even_bytes, _mm256_and_si256(nibbles, low4));
    odd_bytes = _mm256_add_epi8(odd_bytes, _mm256_and_si256(_mm256_srli_epi64(nibbles, 4), low4));
    if (++counter->pending_flushes == 18) {
      counter->even_bytes = even_bytes;
      counter->odd_bytes = odd_bytes;
      flush_bytes(counter);
      even_bytes = odd_bytes = _mm256_setzero_si256();
    }
  }
  counter->even_bytes = even_bytes;
  counter->odd_bytes = odd_bytes;
}

/// A group's scale and X_j, made while the group before is rounded (see measure_group).
typedef struct {
  int scalar;  // the group takes the scalar path (see begin_group)
  float scale;
  int zero_group;
  float bounds[16] __attribute__((aligned(16)));  // X_j in slot order
} group_start;

/// A group's start in two steps, placed apart in the loop so that neither dependency chain is
/// long enough to fill the reorder buffer behind it: its amax, then its scale and X_j.
__attribute__((target("avx2,fma,f16c"), always_inline)) static inline uint32_t measure_group(
  const void *x, int32_t dtype, int64_t first, int64_t count) {
  return dtype == TK_F32 ? amax_bits_f32((const float *)x + first, count)
                         : amax_bits_16((const uint16_t *)x + first, count, dtype);
}

/// Group starts made before, by amax (direct-mapped on the amax pattern's low significant bits):
/// within one call a start depends only on the amax, and the groups of an F16 or BF16 tensor
/// share a few hundred amax values, so most find theirs here. F32 amax values rarely repeat.
#define TK_START_CACHE 256
typedef struct {
  uint32_t amax_bits[TK_START_CACHE];  // 0xffffffff: empty (no finite amax has that pattern)
  group_start starts[TK_START_CACHE];
} start_cache;

/// An empty cache, or NULL (no cache) where memory is short.
static start_cache *new_start_cache(void) {
  start_cache *cache = malloc(sizeof(start_cache));
  if (cache) memset(cache->amax_bits, 0xff, sizeof cache->amax_bits);
  return cache;
}

/// The group's start in `start` (`state->scale` and `zero_group` may be left as they were):
/// from `cache` where it holds the amax, else made and kept there.
__attribute__((target("avx2,fma,f16c"), always_inline)) static inline void settle_group(
  quantize_state *state, const xspace_codebook *prepared, start_cache *cache, const void *x, int32_t dtype,
  int64_t first, int64_t count, uint32_t amax_bits, float fixed_amax, group_start *start) {
  // A non-finite amax is not cached: such a group's scale comes from its finite elements.
  const int cached = cache != NULL && amax_bits < 0x7f800000u;
  const uint32_t slot = (amax_bits >> (dtype == TK_F16 ? 13 : 16)) & (TK_START_CACHE - 1);
  if (cached && cache->amax_bits[slot] == amax_bits) {
    *start = cache->starts[slot];
    return;
  }
  start->scalar = begin_group(state, x, dtype, first, count, amax_bits, fixed_amax);
  start->scale = state->scale;
  start->zero_group = state->zero_group;
  if (!start->scalar) prepare_bounds(prepared, start->scale, start->bounds);
  if (cached) {
    cache->amax_bits[slot] = amax_bits;
    cache->starts[slot] = *start;
  }
}

/// The groups of `rows` rows of `row_length` elements in order, `group` at a time (a row's tail
/// group is shorter), without a division per group: the current group starts at element `start`
/// of row `row`.
typedef struct {
  int64_t row, start, row_length, group;
} group_walk;

static inline int64_t walk_first(const group_walk *walk) { return walk->row * walk->row_length + walk->start; }

static inline int64_t walk_count(const group_walk *walk) {
  return walk->row_length - walk->start < walk->group ? walk->row_length - walk->start : walk->group;
}

static inline void walk_advance(group_walk *walk) {
  walk->start += walk->group;
  if (walk->start >= walk->row_length) {
    walk->row += 1;
    walk->start = 0;
  }
}

/// Elements rounded at a time before their sums and counts (in L1).
#define TK_SPAN 256

/// Rounds whole groups of rows read in place (F32, or F16/BF16 decoded to a span buffer),
/// keeping the error sums and code counts in vector lanes across groups: `rows` rows of
/// `row_length` elements at `x`, groups of `group` (the tail group is shorter). A group holding
/// a non-finite value, with a zero scale or an amax outside float-square range, and the last
/// count % 8 elements of a group, take the scalar path. Each span of a group is rounded first
/// (x̂ and codes to L1), then summed, then counted: loops that each keep their state in
/// registers. Inlined once per dtype, so `dtype` is a constant.
__attribute__((target("avx2,fma,f16c"), always_inline)) static inline void quantize_rows_body(
  quantize_state *state, const void *x, int32_t dtype, int64_t rows, int64_t row_length, int64_t group,
  float fixed_amax, float *out) {
  xspace_codebook prepared;
  prepare_xspace_codebook(state->values16, state->thresholds15, &prepared);
  start_cache *cache = dtype == TK_F32 ? NULL : new_start_cache();  // F32 amax values rarely repeat
  code_counter counter;
  memset(&counter, 0, sizeof counter);
  vector_sums sums = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(),
                      _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
  float decoded[TK_SPAN] __attribute__((aligned(32)));
  float rounded[TK_SPAN] __attribute__((aligned(32)));
  int32_t codes[TK_SPAN] __attribute__((aligned(32)));
  if (fixed_amax >= 0 && group > TK_FIXED_BLOCK) group = TK_FIXED_BLOCK;
  const int64_t groups_per_row = (row_length + group - 1) / group;
  const int64_t groups = rows * groups_per_row;
  group_start starts[2];
  int64_t vectorized = 0;
  group_walk walk = {0, 0, row_length, group};
  for (int64_t g = 0; g < groups; g++) {
    const int64_t count = walk_count(&walk), first = walk_first(&walk);
    if (g == 0) {
      const uint32_t amax_bits = measure_group(x, dtype, first, count);
      settle_group(state, &prepared, cache, x, dtype, first, count, amax_bits, fixed_amax, &starts[0]);
    }
    walk_advance(&walk);
    const int has_next = g + 1 < groups;
    const int64_t next_count = walk_count(&walk), next_first = walk_first(&walk);
    group_start *next = &starts[(g + 1) & 1];
    const uint32_t next_amax_bits = has_next ? measure_group(x, dtype, next_first, next_count) : 0;
    const group_start *current = &starts[g & 1];
    float *g_out = out ? out + first : NULL;
    if (current->scalar) {
      if (has_next) settle_group(state, &prepared, cache, x, dtype, next_first, next_count, next_amax_bits, fixed_amax, next);
      state->scale = current->scale;
      state->zero_group = current->zero_group;
      quantize_scalar(state, x, dtype, first, count, g_out);
      continue;
    }
    const int64_t whole = count & ~(int64_t)7;
    for (int64_t span = 0; span < whole; span += TK_SPAN) {
      const int64_t n = whole - span < TK_SPAN ? whole - span : TK_SPAN;
      const float *values = (const float *)x + first + span;
      if (dtype != TK_F32) {
        for (int64_t i = 0; i < n; i += 8) _mm256_store_ps(decoded + i, load8(x, first + span + i, dtype));
        values = decoded;
      }
      float *r = g_out ? g_out + span : rounded;
      // Locals: stores to r could alias tables in memory and force a reload per vector.
      const xspace_table table = load_xspace_table(&prepared, current->bounds, current->scale);
      for (int64_t i = 0; i < n; i += 8) {
        __m256 level;
        const __m256i negated = round8_xspace(&table, _mm256_loadu_ps(values + i), &level);
        _mm256_storeu_ps(r + i, level);
        _mm256_store_si256((__m256i *)(codes + i), _mm256_sub_epi32(_mm256_setzero_si256(), negated));
      }
      if (span == 0 && has_next) {
        settle_group(state, &prepared, cache, x, dtype, next_first, next_count, next_amax_bits, fixed_amax, next);
      }
      for (int64_t i = 0; i < n; i += 8) add_error_sums8(_mm256_loadu_ps(values + i), _mm256_loadu_ps(r + i), &sums);
      count_span_codes(&counter, codes, n);
    }
    if (whole == 0 && has_next) {
      settle_group(state, &prepared, cache, x, dtype, next_first, next_count, next_amax_bits, fixed_amax, next);
    }
    vectorized += whole;
    state->scale = current->scale;
    state->zero_group = current->zero_group;
    if (count > whole) quantize_scalar(state, x, dtype, first + whole, count - whole, g_out ? g_out + whole : NULL);
  }
  free(cache);
  flush_counts(&counter);
  for (int32_t k = 0; k < state->codebook->count; k++) state->usage[k] += counter.totals[k];
  add_vector_sums(&sums, state->sums);
  state->sums->finite += vectorized;
}

/// quantize_rows_body with its dtype fixed: `x` holds rows * row_length elements of `dtype`.
__attribute__((target("avx2,fma,f16c"))) static void quantize_rows_avx2(
  quantize_state *state, const void *x, int32_t dtype, int64_t rows, int64_t row_length, int64_t group,
  float fixed_amax, float *out) {
  switch (dtype) {
    case TK_F32: quantize_rows_body(state, x, TK_F32, rows, row_length, group, fixed_amax, out); break;
    case TK_BF16: quantize_rows_body(state, x, TK_BF16, rows, row_length, group, fixed_amax, out); break;
    default: quantize_rows_body(state, x, TK_F16, rows, row_length, group, fixed_amax, out); break;
  }
}

/// add_error_sums8 from x already in float64 (`x_double`, 8 of them), without Σx²: the error
/// taken as x̂ − x, whose square and magnitude are those of x − x̂ exactly.
__attribute__((target("avx2,fma"), always_inline)) static inline void add_error_sums8_from_double(
  const double *x_double, __m256 rounded, vector_sums *sums) {
  const __m256d e0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(rounded)), _mm256_load_pd(x_double));
  const __m256d e1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(rounded, 1)), _mm256_load_pd(x_double + 4));
  sums->sse0 = _mm256_fmadd_pd(e0, e0, sums->sse0);
  sums->sse1 = _mm256_fmadd_pd(e1, e1, sums->sse1);
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
  sums->max_err0 = _mm256_max_pd(sums->max_err0, _mm256_and_pd(e0, abs_mask));
  sums->max_err1 = _mm256_max_pd(sums->max_err1, _mm256_and_pd(e1, abs_mask));
}

/// Formats one walk of the groups takes at most (tk_quantize_codebooks splits larger sets).
#define TK_MAX_FORMATS 16

/// quantize_rows_body for several codebooks on one layout (no x̂): each group's amax, each
/// span's decoding (F16/BF16) and conversion to float64 are done once for all of them, and so is
/// Σx² while every format rounds the same groups on the vector path (each format's x² lanes
/// would see the same additions; they part when a group is scalar for some formats only, e.g. a
/// scale that underflows for one codebook). Each format's sums and counts are added in the same
/// order as in its one-format run, so they are equal bit for bit.
__attribute__((target("avx2,fma,f16c"), always_inline)) static inline void quantize_rows_many_body(
  quantize_state *states, int32_t formats, const void *x, int32_t dtype, int64_t rows, int64_t row_length,
  int64_t group, float fixed_amax) {
  xspace_codebook prepared[TK_MAX_FORMATS];
  code_counter counters[TK_MAX_FORMATS];
  vector_sums sums[TK_MAX_FORMATS];
  int64_t vectorized[TK_MAX_FORMATS];
  group_start starts[TK_MAX_FORMATS][2];
  start_cache *caches[TK_MAX_FORMATS];
  for (int32_t f = 0; f < formats; f++) {
    prepare_xspace_codebook(states[f].values16, states[f].thresholds15, &prepared[f]);
    caches[f] = dtype == TK_F32 ? NULL : new_start_cache();
    memset(&counters[f], 0, sizeof counters[f]);
    sums[f] = (vector_sums){_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(),
                            _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
    vectorized[f] = 0;
  }
  float decoded[TK_SPAN] __attribute__((aligned(32)));
  double x_double[TK_SPAN] __attribute__((aligned(32)));
  float rounded[TK_SPAN] __attribute__((aligned(32)));
  int32_t codes[TK_SPAN] __attribute__((aligned(32)));
  // The formats' common x² lanes while `shared_squares` (see above).
  int shared_squares = 1;
  __m256d squares0 = _mm256_setzero_pd(), squares1 = _mm256_setzero_pd();
  if (fixed_amax >= 0 && group > TK_FIXED_BLOCK) group = TK_FIXED_BLOCK;
  const int64_t groups = rows * ((row_length + group - 1) / group);
  group_walk walk = {0, 0, row_length, group};
  for (int64_t g = 0; g < groups; g++) {
    const int64_t count = walk_count(&walk), first = walk_first(&walk);
    if (g == 0) {
      const uint32_t amax_bits = measure_group(x, dtype, first, count);
      for (int32_t f = 0; f < formats; f++) {
        settle_group(&states[f], &prepared[f], caches[f], x, dtype, first, count, amax_bits, fixed_amax, &starts[f][0]);
      }
    }
    walk_advance(&walk);
    const int has_next = g + 1 < groups;
    const int64_t next_count = walk_count(&walk), next_first = walk_first(&walk);
    const uint32_t next_amax_bits = has_next ? measure_group(x, dtype, next_first, next_count) : 0;
    const int64_t whole = count & ~(int64_t)7;
    int vector_formats = 0;
    for (int32_t f = 0; f < formats; f++) vector_formats += !starts[f][g & 1].scalar;
    if (shared_squares && vector_formats > 0 && vector_formats < formats) {
      // The formats part here: each keeps its own x² lanes from now on, starting from the common ones.
      for (int32_t f = 0; f < formats; f++) {
        sums[f].ssx0 = squares0;
        sums[f].ssx1 = squares1;
      }
      shared_squares = 0;
    }
    for (int64_t span = 0; span < whole && vector_formats > 0; span += TK_SPAN) {
      const int64_t n = whole - span < TK_SPAN ? whole - span : TK_SPAN;
      const float *values = (const float *)x + first + span;
      if (dtype != TK_F32) {
        for (int64_t i = 0; i < n; i += 8) _mm256_store_ps(decoded + i, load8(x, first + span + i, dtype));
        values = decoded;
      }
      for (int64_t i = 0; i < n; i += 8) {
        const __m256 value = _mm256_loadu_ps(values + i);
        const __m256d v0 = _mm256_cvtps_pd(_mm256_castps256_ps128(value));
        const __m256d v1 = _mm256_cvtps_pd(_mm256_extractf128_ps(value, 1));
        _mm256_store_pd(x_double + i, v0);
        _mm256_store_pd(x_double + i + 4, v1);
        if (shared_squares) {
          squares0 = _mm256_fmadd_pd(v0, v0, squares0);
          squares1 = _mm256_fmadd_pd(v1, v1, squares1);
        }
      }
      for (int32_t f = 0; f < formats; f++) {
        const group_start *current = &starts[f][g & 1];
        if (current->scalar) continue;
        const xspace_table table = load_xspace_table(&prepared[f], current->bounds, current->scale);
        for (int64_t i = 0; i < n; i += 8) {
          __m256 level;
          const __m256i negated = round8_xspace(&table, _mm256_loadu_ps(values + i), &level);
          _mm256_store_ps(rounded + i, level);
          _mm256_store_si256((__m256i *)(codes + i), _mm256_sub_epi32(_mm256_setzero_si256(), negated));
        }
        for (int64_t i = 0; i < n; i += 8) {
          add_error_sums8_from_double(x_double + i, _mm256_load_ps(rounded + i), &sums[f]);
        }
        if (!shared_squares) {
          vector_sums *own = &sums[f];
          for (int64_t i = 0; i < n; i += 8) {
            const __m256d v0 = _mm256_load_pd(x_double + i), v1 = _mm256_load_pd(x_double + i + 4);
            own->ssx0 = _mm256_fmadd_pd(v0, v0, own->ssx0);
            own->ssx1 = _mm256_fmadd_pd(v1, v1, own->ssx1);
          }
        }
        count_span_codes(&counters[f], codes, n);
      }
      if (span == 0 && has_next) {
        for (int32_t f = 0; f < formats; f++) {
          settle_group(
            &states[f], &prepared[f], caches[f], x, dtype, next_first, next_count, next_amax_bits, fixed_amax,
            &starts[f][(g + 1) & 1]);
        }
      }
    }
    if ((whole == 0 || vector_formats == 0) && has_next) {
      for (int32_t f = 0; f < formats; f++) {
        settle_group(
          &states[f], &prepared[f], caches[f], x, dtype, next_first, next_count, next_amax_bits, fixed_amax,
          &starts[f][(g + 1) & 1]);
      }
    }
    for (int32_t f = 0; f < formats; f++) {
      const group_start *current = &starts[f][g & 1];
      states[f].scale = current->scale;
      states[f].zero_group = current->zero_group;
      if (current->scalar) {
        quantize_scalar(&states[f], x, dtype, first, count, NULL);
        continue;
      }
      vectorized[f] += whole;
      if (count > whole) quantize_scalar(&states[f], x, dtype, first + whole, count - whole, NULL);
    }
  }
  for (int32_t f = 0; f < formats; f++) {
    if (shared_squares) {
      sums[f].ssx0 = squares0;
      sums[f].ssx1 = squares1;
    }
    free(caches[f]);
    flush_counts(&counters[f]);
    for (int32_t k = 0; k < states[f].codebook->count; k++) states[f].usage[k] += counters[f].totals[k];
    add_vector_sums(&sums[f], states[f].sums);
    states[f].sums->finite += vectorized[f];
  }
}

/// quantize_rows_many_body with its dtype fixed.
__attribute__((target("avx2,fma,f16c"))) static void quantize_rows_many_avx2(
  quantize_state *states, int32_t formats, const void *x, int32_t dtype, int64_t rows, int64_t row_length,
  int64_t group, float fixed_amax) {
  switch (dtype) {
    case TK_F32: quantize_rows_many_body(states, formats, x, TK_F32, rows, row_length, group, fixed_amax); break;
    case TK_BF16: quantize_rows_many_body(states, formats, x, TK_BF16, rows, row_length, group, fixed_amax); break;
    default: quantize_rows_many_body(states, formats, x, TK_F16, rows, row_length, group, fixed_amax); break;
  }
}

// The AVX-512 path (AVX-512F/BW/VL): 16 lanes, and a 16-entry codebook fits one register, so
// each step of the threshold search and the value lookup is one `vpermps`. It rounds the full
// 32-element blocks of a group 16 lanes at a time and sums them in the AVX2 path's order (float
// lane j of a block holds elements j, 8 + j, 16 + j, 24 + j, then 4 + 4 double lanes), so its
// sums equal the other paths' bit for bit; the last 8 to 24 elements of a group run the AVX2
// code, the last count % 8 the scalar one.
#define TK_AVX512 "avx512f,avx512bw,avx512vl,avx2,fma,f16c"

/// Thresholds padded with +inf to 16 and values padded to 16, one register each.
typedef struct {
  __m512 thresholds, values, t7;
} wide_codebook;

/// The codes #{t[j] < y} of 16 floats (steps 8, 4, 2, 1 of a binary search) and their values.
__attribute__((target(TK_AVX512), always_inline)) static inline __m512i round16(
  const wide_codebook *table, __m512 y, __m512 *value) {
  const __m512i one = _mm512_set1_epi32(1);
  __m512i code = _mm512_maskz_mov_epi32(_mm512_cmp_ps_mask(y, table->t7, _CMP_GT_OQ), _mm512_set1_epi32(8));
  __m512 threshold = _mm512_permutexvar_ps(_mm512_add_epi32(code, _mm512_set1_epi32(3)), table->thresholds);
  code = _mm512_mask_add_epi32(code, _mm512_cmp_ps_mask(y, threshold, _CMP_GT_OQ), code, _mm512_set1_epi32(4));
  threshold = _mm512_permutexvar_ps(_mm512_add_epi32(code, one), table->thresholds);
  code = _mm512_mask_add_epi32(code, _mm512_cmp_ps_mask(y, threshold, _CMP_GT_OQ), code, _mm512_set1_epi32(2));
  threshold = _mm512_permutexvar_ps(code, table->thresholds);
  code = _mm512_mask_add_epi32(code, _mm512_cmp_ps_mask(y, threshold, _CMP_GT_OQ), code, one);
  *value = _mm512_permutexvar_ps(code, table->values);
  return code;
}

/// Element `i` of `x` and the 15 after it, as floats.
__attribute__((target(TK_AVX512), always_inline)) static inline __m512 load16(const void *x, int64_t i, int32_t dtype) {
  if (dtype == TK_F32) return _mm512_loadu_ps((const float *)x + i);
  const __m256i half = _mm256_loadu_si256((const __m256i *)((const uint16_t *)x + i));
  if (dtype == TK_BF16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(half), 16));
  return _mm512_cvtph_ps(half);
}

/// The upper 8 floats of a 16-float register (AVX-512F only: no DQ extract).
__attribute__((target(TK_AVX512), always_inline)) static inline __m256 upper8(__m512 v) {
  return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
}

/// Code usage in 64 byte lanes: for each k < 15, the codes above k (as code_counter, 64 at a time).
typedef struct {
  __m512i above[15];
  int64_t totals[15];
  int32_t pending;
  __m256i stash;
  int has_stash;
} wide_counter;

__attribute__((target(TK_AVX512))) static void flush_wide_counts(wide_counter *counter) {
  for (int k = 0; k < 15; k++) {
    counter->totals[k] += _mm512_reduce_add_epi64(_mm512_sad_epu8(counter->above[k], _mm512_setzero_si512()));
    counter->above[k] = _mm512_setzero_si512();
  }
  counter->pending = 0;
}

/// Counts 64 codes (bytes 0...15; zero bytes, as padding, lie above no k).
__attribute__((target(TK_AVX512), always_inline)) static inline void count_codes64(
  wide_counter *counter, __m512i codes) {
  const __m512i one = _mm512_set1_epi8(1);
  for (int k = 0; k < 15; k++) {
    const __mmask64 above = _mm512_cmpgt_epi8_mask(codes, _mm512_set1_epi8((char)k));
    counter->above[k] = _mm512_mask_add_epi8(counter->above[k], above, counter->above[k], one);
  }
  if (++counter->pending == 255) flush_wide_counts(counter);
}

/// Queues 32 codes (two registers of 16) and counts them 64 at a time.
__attribute__((target(TK_AVX512), always_inline)) static inline void count_codes32(
  wide_counter *counter, __m512i c0, __m512i c1) {
  const __m256i bytes = _mm256_inserti128_si256(
    _mm256_castsi128_si256(_mm512_cvtepi32_epi8(c0)), _mm512_cvtepi32_epi8(c1), 1);
  if (!counter->has_stash) {
    counter->stash = bytes;
    counter->has_stash = 1;
    return;
  }
  counter->has_stash = 0;
  count_codes64(counter, _mm512_inserti64x4(_mm512_castsi256_si512(counter->stash), bytes, 1));
}

/// quantize_rows_body with 16-lane full blocks (see above). Inlined once per dtype.
__attribute__((target(TK_AVX512), always_inline)) static inline void quantize_rows_body512(
  quantize_state *state, const void *x, int32_t dtype, int64_t rows, int64_t row_length, int64_t group,
  float fixed_amax, float *out) {
  vector_codebook table;
  prepare_vector_codebook(state->values16, state->thresholds15, &table);
  wide_codebook wide;
  {
    float t[16];
    for (int j = 0; j < 15; j++) t[j] = state->thresholds15[j];
    t[15] = INFINITY;
    wide.thresholds = _mm512_loadu_ps(t);
    wide.values = _mm512_loadu_ps(state->values16);
    wide.t7 = _mm512_set1_ps(t[7]);
  }
  code_counter counter;
  memset(&counter, 0, sizeof counter);
  wide_counter wide_counts;
  memset(&wide_counts, 0, sizeof wide_counts);
  vector_sums sums = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(),
                      _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
  if (fixed_amax >= 0 && group > TK_FIXED_BLOCK) group = TK_FIXED_BLOCK;
  int64_t vectorized = 0;
  for (int64_t row = 0; row < rows; row++) {
    for (int64_t start = 0; start < row_length; start += group) {
      const int64_t count = row_length - start < group ? row_length - start : group;
      const int64_t first = row * row_length + start;
      float *g_out = out ? out + first : NULL;
      if (rounded_on_scalar_path(state, x, dtype, first, count, fixed_amax, g_out)) continue;
      const __m512 scale = _mm512_set1_ps(state->scale);
      int64_t i = 0;
      for (; i + 32 <= count; i += 32) {
        const __m512 v0 = load16(x, first + i, dtype), v1 = load16(x, first + i + 16, dtype);
        __m512 level0, level1;
        const __m512i c0 = round16(&wide, _mm512_div_ps(v0, scale), &level0);
        const __m512i c1 = round16(&wide, _mm512_div_ps(v1, scale), &level1);
        const __m512 r0 = _mm512_mul_ps(level0, scale), r1 = _mm512_mul_ps(level1, scale);
        if (g_out) {
          _mm512_storeu_ps(g_out + i, r0);
          _mm512_storeu_ps(g_out + i + 16, r1);
        }
        // In 8-element runs through the AVX2 sums, so the lanes see the AVX2 path's order.
        add_error_sums8(_mm512_castps512_ps256(v0), _mm512_castps512_ps256(r0), &sums);
        add_error_sums8(upper8(v0), upper8(r0), &sums);
        add_error_sums8(_mm512_castps512_ps256(v1), _mm512_castps512_ps256(r1), &sums);
        add_error_sums8(upper8(v1), upper8(r1), &sums);
        count_codes32(&wide_counts, c0, c1);
      }
      if (i + 8 <= count) {
        const __m256 scale8 = _mm256_set1_ps(state->scale);
        for (; i + 8 <= count; i += 8) {
          count_codes8(
            &counter, round_and_sum8(&table, load8(x, first + i, dtype), scale8, g_out ? g_out + i : NULL, &sums));
        }
      }
      vectorized += count & ~(int64_t)7;
      quantize_scalar(state, x, dtype, first + i, count - i, g_out ? g_out + i : NULL);
    }
  }
  if (wide_counts.has_stash) {
    count_codes64(&wide_counts, _mm512_inserti64x4(_mm512_setzero_si512(), wide_counts.stash, 0));
  }
  flush_wide_counts(&wide_counts);
  flush_counts(&counter);
  // The wide counts hold #(code > k) of the codes they saw (all but the AVX2 tails', which
  // `counter` holds per code): usage[k] = #(code > k - 1) - #(code > k), with #(code > -1) the
  // number the wide counts saw and #(code > n - 1) = 0.
  const int32_t n = state->codebook->count;
  int64_t previous = vectorized;
  for (int32_t k = 0; k < n; k++) previous -= counter.totals[k];
  for (int32_t k = 0; k < n; k++) {
    int64_t current = k < n - 1 ? wide_counts.totals[k] : 0;
    state->usage[k] += counter.totals[k] + previous - current;
    previous = current;
  }
  add_vector_sums(&sums, state->sums);
  state->sums->finite += vectorized;
}

__attribute__((target(TK_AVX512))) static void quantize_rows_avx512(
  quantize_state *state, const void *x, int32_t dtype, int64_t rows, int64_t row_length, int64_t group,
  float fixed_amax, float *out) {
  switch (dtype) {
    case TK_F32: quantize_rows_body512(state, x, TK_F32, rows, row_length, group, fixed_amax, out); break;
    case TK_BF16: quantize_rows_body512(state, x, TK_BF16, rows, row_length, group, fixed_amax, out); break;
    default: quantize_rows_body512(state, x, TK_F16, rows, row_length, group, fixed_amax, out); break;
  }
}
#endif


static void quantize_begin(tk_visitor *visitor, float amax, int64_t nonfinite) {
  (void)nonfinite;
  quantize_state *state = (quantize_state *)visitor;
  state->scale = (amax * state->clip) / state->codebook->max_value;
  state->zero_group = !(state->scale > 0) || !(state->scale < INFINITY);
}

static void quantize_span(tk_visitor *visitor, const float *x, int64_t count, int64_t element) {
  quantize_state *state = (quantize_state *)visitor;
  quantize_span_scalar(state, x, count, state->dequantized ? state->dequantized + element : NULL);
}

static void prepare_padded(const tk_codebook *codebook, float *values16, float *thresholds15) {
  for (int j = 0; j < 16; j++) values16[j] = codebook->values[j < codebook->count ? j : codebook->count - 1];
  for (int j = 0; j < 15; j++) thresholds15[j] = j < codebook->count - 1 ? codebook->thresholds[j] : INFINITY;
}

static void init_quantize_state(
  quantize_state *state, const tk_codebook *codebook, float clip, tk_sums *sums, int64_t *usage, float *dequantized) {
  memset(state, 0, sizeof *state);
  state->base.begin = quantize_begin;
  state->base.span = quantize_span;
  state->codebook = codebook;
  state->clip = clip;
  state->sums = sums;
  state->usage = usage;
  state->dequantized = dequantized;
  state->zero_code = code_of(codebook, 0.0f);
  if (codebook->count <= 16) prepare_padded(codebook, state->values16, state->thresholds15);
}

void tk_quantize_codebook(
  const tk_layout *layout, const tk_codebook *codebook, float clip, tk_sums *sums, int64_t *usage,
  float *dequantized) {
  quantize_state state;
  init_quantize_state(&state, codebook, clip, sums, usage, dequantized);
  if (codebook->count <= 16) {
    // Every path: the same groups, the same sums in the same order, the same results.
    const int64_t group = layout->group < 1 ? 1 : layout->group;
    const int32_t path = tk_active_path();
#if TK_X86
    if (path == TK_PATH_AVX512) {
      quantize_rows_avx512(
        &state, layout->source, layout->dtype, layout->rows, layout->row_length, group, layout->fixed_amax,
        dequantized);
      return;
    }
    if (path == TK_PATH_AVX2) {
      quantize_rows_avx2(
        &state, layout->source, layout->dtype, layout->rows, layout->row_length, group, layout->fixed_amax,
        dequantized);
      return;
    }
#endif
    (void)path;
    quantize_rows_portable(
      &state, layout->source, layout->dtype, layout->rows, layout->row_length, group, layout->fixed_amax,
      dequantized);
    return;
  }
  // Larger codebooks (up to 256 values): scalar on every path.
  tk_walk_groups(layout, &state.base);
}

void tk_quantize_codebooks(
  const tk_layout *layout, int32_t count, const tk_codebook *codebooks, const float *clips, tk_sums *sums,
  int64_t *const *usages) {
  int together = count > 1;
  for (int32_t f = 0; f < count; f++) together = together && codebooks[f].count <= 16;
#if TK_X86
  together = together && tk_active_path() == TK_PATH_AVX2;
#else
  together = 0;
#endif
  if (!together) {
    for (int32_t f = 0; f < count; f++) tk_quantize_codebook(layout, &codebooks[f], clips[f], &sums[f], usages[f], NULL);
    return;
  }
#if TK_X86
  const int64_t group = layout->group < 1 ? 1 : layout->group;
  for (int32_t first = 0; first < count; first += TK_MAX_FORMATS) {
    const int32_t formats = count - first < TK_MAX_FORMATS ? count - first : TK_MAX_FORMATS;
    quantize_state states[TK_MAX_FORMATS];
    for (int32_t f = 0; f < formats; f++) {
      init_quantize_state(&states[f], &codebooks[first + f], clips[first + f], &sums[first + f], usages[first + f], NULL);
    }
    quantize_rows_many_avx2(
      states, formats, layout->source, layout->dtype, layout->rows, layout->row_length, group, layout->fixed_amax);
  }
#endif
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

/// The vector search's sums in scalar C: element j of each run of 8 to double lane j (fma), the
/// lanes added in the vector order, then the last count % 8 elements one by one.
static double search_span_portable(const tk_codebook *codebook, const float *x, int64_t count, float scale) {
  double lanes[8] = {0};
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    for (int j = 0; j < 8; j++) {
      const float value = x[i + j];
      const float rounded = codebook->values[code_of(codebook, value / scale)] * scale;
      const double error = (double)value - (double)rounded;
      lanes[j] = fma(error, error, lanes[j]);
    }
  }
  return lane_total(lanes) + search_span_scalar(codebook, x + i, count - i, scale);
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
    int zero_group = !(scale > 0) || !(scale < INFINITY);
    if (state->vector_ok && !zero_group && !state->has_nonfinite) {
      // The AVX-512 path searches with the AVX2 loop (the same sums).
#if TK_X86
      if (tk_have_avx2()) {
        state->sse[r] += search_span_avx2(state, x, count, scale);
        continue;
      }
#endif
      state->sse[r] += search_span_portable(state->codebook, x, count, scale);
      continue;
    }
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
  state.vector_ok = codebook->count <= 16;
  if (state.vector_ok) prepare_padded(codebook, state.values16, state.thresholds15);
  tk_walk_groups(layout, &state.base);
}
