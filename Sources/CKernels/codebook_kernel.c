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
    tk_add_error(state->sums, value, rounded);
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

/// Whether a group's amax lies in [2^-40, 2^60], where the vector paths round it (outside, their
/// float32 squares could over- or underflow, and the clip search divides).
static inline int amax_in_vector_range(float amax) { return amax >= 0x1p-40f && amax <= 0x1p60f; }

/// The group's scale in `state`; returns whether the group takes the scalar path (a non-finite
/// element, a zero or infinite scale, or an amax outside amax_in_vector_range). The same decision
/// on every path.
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
  return nonfinite || state->zero_group || !amax_in_vector_range(amax);
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

/// Adds byte counts of `lanes` 64-bit lanes to `totals`: byte j of a lane counts code 2j in
/// `even`, code 2j + 1 in `odd` (see code_counter_avx2).
static void add_byte_counts(const uint8_t *even, const uint8_t *odd, int lanes, int64_t *totals) {
  for (int lane = 0; lane < lanes; lane++) {
    for (int j = 0; j < 8; j++) {
      totals[2 * j] += even[8 * lane + j];
      totals[2 * j + 1] += odd[8 * lane + j];
    }
  }
}

/// Code usage without a per-element scatter or a register per code: each 64-bit lane holds
/// sixteen 4-bit counts (count k at bits 4k), and a code c adds 1 << 4c to its lane (one
/// variable shift per 4 codes). Two codes of a vector land in each lane per vector, so the
/// nibbles are moved into byte counts every 7 vectors (at most 14 each), and the byte counts
/// into 64-bit totals every 18 of those (at most 252 each).
typedef struct {
  __m256i even_bytes, odd_bytes;  // byte j of a lane: the count of code 2j (even) or 2j + 1 (odd)
  int32_t pending_flushes;
  int64_t totals[16];
} code_counter_avx2;

/// Moves every pending count into `totals`.
__attribute__((target("avx2,fma"))) static void flush_counts_avx2(code_counter_avx2 *counter) {
  uint8_t even[32], odd[32];
  _mm256_storeu_si256((__m256i *)even, counter->even_bytes);
  _mm256_storeu_si256((__m256i *)odd, counter->odd_bytes);
  add_byte_counts(even, odd, 4, counter->totals);
  counter->even_bytes = _mm256_setzero_si256();
  counter->odd_bytes = _mm256_setzero_si256();
  counter->pending_flushes = 0;
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

/// The vector paths round in x space: no division per element. For a group's scale s, X_j is
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

/// A codebook's bucket grid at one clip ratio (see prepare_grid).
typedef struct {
  int fits;          // the codebook's thresholds lie apart enough for it
  float k, offset;   // u = offset + k * y for y = x / s, in [2, 4)
  int32_t below[32]; // per bucket: the thresholds below it
  int32_t slot[32];  // per bucket: the slot (above) of the threshold within it, 15 (+inf) if none
} bucket_grid;

/// The bucket grid: a group's x̂ from one compare instead of six. u = fl(x * step + offset),
/// with step = fl(K / s), lies in [2, 4), where the 5 bits of its pattern after the exponent
/// number 32 buckets of equal width; for each bucket, the thresholds below it are counted ahead,
/// and at most one lies within it, whose X_j is then the only compare. Exact: u is within 2^-22
/// of U = offset + K * x / s, and every threshold's U_j = offset + K * t_j lies at least
/// TK_GRID_MARGIN = 2^-16 from every bucket edge, so x lies beyond each threshold outside its
/// bucket with room to spare (x / s is off t_j by ≥ 2^-17 / K, its rounding by ≤ 2^-24 / K),
/// where X_j would give the same answer. K = 0.96875 * clip / max_value and an offset within
/// 1/64 of 3 keep u in [2, 4) for |x| ≤ the group's amax (grid_applies checks each group's
/// amax * step ≤ 0.98); the offset is the first of 3, 3 ± 1/512, … 3 ± 8/512 that keeps
/// every U_j off the edges, one per bucket at most. Codebooks with no such offset (thresholds
/// closer than a bucket, as a subnormal one) and groups that fail the check round by quarters.
#define TK_GRID_MARGIN 0x1p-16

static void prepare_grid(const float *thresholds15, float clip, float max_value, bucket_grid *grid) {
  static const int slot_of[15] = {0, 4, 8, 12, 3, 7, 11, 13, 2, 6, 10, 14, 1, 5, 9};  // the inverse of the slot order
  grid->fits = 0;
  if (!(clip > 0) || !(max_value > 0)) return;
  const float k = (float)(0.96875 * (double)clip / (double)max_value);
  if (!(k >= FLT_MIN) || !(k < INFINITY)) return;
  for (int attempt = 0; attempt <= 16; attempt++) {
    const int step = (attempt + 1) / 2 * (attempt % 2 ? 1 : -1);  // 0, 1, -1, 2, -2, …
    const float offset = 3.0f + (float)step / 512.0f;
    int below_all = 0, fits = 1;
    int32_t slot[32];
    for (int b = 0; b < 32; b++) slot[b] = 15;
    for (int j = 0; j < 15 && fits; j++) {
      if (!(thresholds15[j] < INFINITY)) continue;
      const double u = (double)offset + (double)k * (double)thresholds15[j];
      if (u < 2.0 - TK_GRID_MARGIN) {
        below_all++;  // below every element's u
        continue;
      }
      if (u > 4.0 + TK_GRID_MARGIN) continue;  // above every element's u
      const double position = (u - 2.0) * 16.0;
      const double bucket = floor(position);
      const int b = (int)bucket;
      fits = position - bucket >= 16 * TK_GRID_MARGIN && bucket + 1 - position >= 16 * TK_GRID_MARGIN && b >= 0 &&
             b < 32 && slot[b] == 15;
      if (fits) slot[b] = slot_of[j];
    }
    if (!fits) continue;
    for (int b = 0; b < 32; b++) {
      grid->below[b] = below_all;
      grid->slot[b] = slot[b];
      below_all += slot[b] != 15;
    }
    grid->fits = 1;
    grid->k = k;
    grid->offset = offset;
    return;
  }
}

/// Whether a group of finite amax `amax` and scale `scale` rounds on `grid`: where |x| * step
/// ≤ 0.98 for every |x| up to the amax, step = fl(K / scale) (to `*step`), so u stays in [2, 4).
static inline int grid_applies(const bucket_grid *grid, float amax, float scale, float *step) {
  if (!grid->fits) return 0;
  *step = (float)((double)grid->k / (double)scale);
  return (double)amax * (double)*step <= 0.98;
}

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
__attribute__((target("avx2,fma"), always_inline)) static inline void prepare_bounds_avx2(
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
/// and byte counts in registers (see code_counter_avx2).
__attribute__((target("avx2,fma"), always_inline)) static inline void count_span_avx2(
  code_counter_avx2 *counter, const int32_t *codes, int64_t n) {
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
      flush_counts_avx2(counter);
      even_bytes = odd_bytes = _mm256_setzero_si256();
    }
  }
  counter->even_bytes = even_bytes;
  counter->odd_bytes = odd_bytes;
}

/// In the one-format body a group's start is made while the group TK_STARTS_AHEAD before it is
/// rounded, so that the chain from its amax to its X_j (a division, float64 products) is done
/// when its rounding needs them: one group ahead left the AVX-512 rounding waiting (two ahead: 4%
/// faster on F32 and BF16; AVX2 the same). The starts in flight are kept in a ring of
/// TK_START_RING. The multi-format body makes the next group's starts after every format has
/// rounded and summed the current group's first span, which leaves time enough (two ahead there
/// was no faster on AVX-512 and 4% slower on AVX2).
#define TK_STARTS_AHEAD 2
#define TK_START_RING 4

/// A group's scale and X_j, made ahead of its rounding (see measure_group_avx2).
typedef struct {
  int scalar;  // the group takes the scalar path (see begin_group)
  float scale;
  int zero_group;
  float bounds[16] __attribute__((aligned(16)));  // X_j in slot order
  int grid;         // the AVX-512 path rounds the group on the codebook's grid
  float grid_step;  // fl(K / scale) (see prepare_grid)
} group_start;

/// A group's start in two steps, placed apart in the loop so that neither dependency chain is
/// long enough to fill the reorder buffer behind it: its amax, then its scale and X_j.
__attribute__((target("avx2,fma,f16c"), always_inline)) static inline uint32_t measure_group_avx2(
  const void *x, int32_t dtype, int64_t first, int64_t count) {
  return dtype == TK_F32 ? amax_bits_f32((const float *)x + first, count)
                         : amax_bits_16((const uint16_t *)x + first, count, dtype);
}

/// A span's F16/BF16 elements from `first` decoded to `decoded` (`n` a multiple of 8).
__attribute__((target("avx2,fma,f16c"), always_inline)) static inline void decode_span_avx2(
  const void *x, int32_t dtype, int64_t first, int64_t n, float *decoded) {
  for (int64_t i = 0; i < n; i += 8) _mm256_store_ps(decoded + i, load8(x, first + i, dtype));
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

/// A span's x̂ (to `rounded`) and codes (to `codes`): `n` floats, a multiple of 8, of a group
/// whose start is `current`.
__attribute__((target("avx2,fma"), always_inline)) static inline void round_span_avx2(
  const xspace_codebook *prepared, const bucket_grid *grid, const group_start *current, const float *values,
  int64_t n, float *rounded, int32_t *codes) {
  (void)grid;  // the AVX2 path has no grid
  // Locals: stores to `rounded` could alias tables in memory and force a reload per vector.
  const xspace_table table = load_xspace_table(prepared, current->bounds, current->scale);
  for (int64_t i = 0; i < n; i += 8) {
    __m256 level;
    const __m256i negated = round8_xspace(&table, _mm256_loadu_ps(values + i), &level);
    _mm256_storeu_ps(rounded + i, level);
    _mm256_store_si256((__m256i *)(codes + i), _mm256_sub_epi32(_mm256_setzero_si256(), negated));
  }
}

/// A span's error sums and squares (`n` a multiple of 8).
__attribute__((target("avx2,fma"), always_inline)) static inline void sum_span_avx2(
  const float *values, const float *rounded, int64_t n, vector_sums *sums) {
  for (int64_t i = 0; i < n; i += 8) add_error_sums8(_mm256_loadu_ps(values + i), _mm256_loadu_ps(rounded + i), sums);
}

/// A span's error sums from x already in float64, without Σx²: the error taken as x̂ − x, whose
/// square and magnitude are those of x − x̂ exactly.
__attribute__((target("avx2,fma"), always_inline)) static inline void sum_span_from_double_avx2(
  const double *x_double, const float *rounded, int64_t n, vector_sums *sums) {
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
  for (int64_t i = 0; i < n; i += 8) {
    const __m256 r = _mm256_load_ps(rounded + i);
    const __m256d e0 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(r)), _mm256_load_pd(x_double + i));
    const __m256d e1 = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(r, 1)), _mm256_load_pd(x_double + i + 4));
    sums->sse0 = _mm256_fmadd_pd(e0, e0, sums->sse0);
    sums->sse1 = _mm256_fmadd_pd(e1, e1, sums->sse1);
    sums->max_err0 = _mm256_max_pd(sums->max_err0, _mm256_and_pd(e0, abs_mask));
    sums->max_err1 = _mm256_max_pd(sums->max_err1, _mm256_and_pd(e1, abs_mask));
  }
}

/// A span's error sums and code counts (with `x_double`: x from there, without Σx², as
/// sum_span_from_double_avx2): two loops, each with its state in the 16 registers.
__attribute__((target("avx2,fma"), always_inline)) static inline void sum_and_count_span_avx2(
  const float *values, const double *x_double, const float *rounded, const int32_t *codes, int64_t n,
  vector_sums *sums, code_counter_avx2 *counter) {
  if (x_double) {
    sum_span_from_double_avx2(x_double, rounded, n, sums);
  } else {
    sum_span_avx2(values, rounded, n, sums);
  }
  count_span_avx2(counter, codes, n);
}

/// A span's x in float64 (to `x_double`) and, while `shared`, its squares added to the common
/// x² lanes.
__attribute__((target("avx2,fma"), always_inline)) static inline void widen_span_avx2(
  const float *values, int64_t n, double *x_double, int shared, __m256d *squares0, __m256d *squares1) {
  __m256d s0 = *squares0, s1 = *squares1;
  for (int64_t i = 0; i < n; i += 8) {
    const __m256 value = _mm256_loadu_ps(values + i);
    const __m256d v0 = _mm256_cvtps_pd(_mm256_castps256_ps128(value));
    const __m256d v1 = _mm256_cvtps_pd(_mm256_extractf128_ps(value, 1));
    _mm256_store_pd(x_double + i, v0);
    _mm256_store_pd(x_double + i + 4, v1);
    if (shared) {
      s0 = _mm256_fmadd_pd(v0, v0, s0);
      s1 = _mm256_fmadd_pd(v1, v1, s1);
    }
  }
  *squares0 = s0;
  *squares1 = s1;
}

/// Formats one walk of the groups takes at most (tk_quantize_codebooks splits larger sets).
#define TK_MAX_FORMATS 16

/// A group's X_j (the AVX2 path has no grid).
__attribute__((target("avx2,fma"), always_inline)) static inline void prepare_start_avx2(
  const xspace_codebook *prepared, const bucket_grid *grid, uint32_t amax_bits, group_start *start) {
  (void)grid;
  (void)amax_bits;
  prepare_bounds_avx2(prepared, start->scale, start->bounds);
  start->grid = 0;
}

#define TK_ROWS_TARGET "avx2,fma,f16c"
#define TK_ROWS_NAME(name) name##_avx2
#include "codebook_rows.h"

// The AVX-512 path (AVX-512F/BW/VL): the AVX2 path's walk, group starts and x-space thresholds
// (codebook_rows.h), with spans rounded 16 lanes at a time: the 16 X_j fit one register, so each
// lookup is one `vpermps` and each compare lands in a mask. The sums take x in 8-element runs
// into 8 double lanes, lane j holding elements j, 8 + j, … as the AVX2 path's sse0 (lanes 0-3)
// and sse1 (4-7) do, so every sum is the same bit for bit.
#define TK_AVX512 "avx512f,avx512bw,avx512vl,avx2,fma,f16c"

/// decode_span_avx2 16 at a time, so that the rounding's 16-float loads each read one store
/// (a load spanning two 8-float stores cannot take its data from them and waits).
__attribute__((target(TK_AVX512), always_inline)) static inline void decode_span_avx512(
  const void *x, int32_t dtype, int64_t first, int64_t n, float *decoded) {
  const uint16_t *source = (const uint16_t *)x + first;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i half = _mm256_loadu_si256((const __m256i *)(source + i));
    _mm512_store_ps(
      decoded + i, dtype == TK_BF16 ? _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(half), 16))
                                    : _mm512_cvtph_ps(half));
  }
  if (i < n) _mm256_store_ps(decoded + i, load8(x, first + i, dtype));
}

/// prepare_bounds_avx2 for the 16 slots at once: X_j is m_j * scale rounded to the nearest float,
/// one float up where that lies below m_j * scale (or equals it and the tie rounds down).
__attribute__((target(TK_AVX512), always_inline)) static inline void prepare_bounds_avx512(
  const xspace_codebook *prepared, float scale_value, float *bounds) {
  const __m512d scale = _mm512_set1_pd((double)scale_value);
  const __m512d bound_low = _mm512_mul_pd(_mm512_loadu_pd(prepared->midpoint), scale);
  const __m512d bound_high = _mm512_mul_pd(_mm512_loadu_pd(prepared->midpoint + 8), scale);
  if (!prepared->ties) {
    // m_j * s is never a float here (see above), so X_j is m_j * s rounded up, by the conversion's
    // own rounding: half the work of the nearest float and a step (-0 compares as +0).
    const __m256 up_low = _mm512_cvt_roundpd_ps(bound_low, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
    const __m256 up_high = _mm512_cvt_roundpd_ps(bound_high, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC);
    _mm512_storeu_pd((double *)bounds, _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(up_low)),
                                                          _mm256_castps_pd(up_high), 1));
    return;
  }
  const __m256 nearest_low = _mm512_cvtpd_ps(bound_low), nearest_high = _mm512_cvtpd_ps(bound_high);
  const __m512d back_low = _mm512_cvtps_pd(nearest_low), back_high = _mm512_cvtps_pd(nearest_high);
  __mmask16 step = (__mmask16)(_mm512_cmp_pd_mask(back_low, bound_low, _CMP_LT_OQ) |
                               (_mm512_cmp_pd_mask(back_high, bound_high, _CMP_LT_OQ) << 8));
  if (prepared->ties) {
    const __mmask16 tie = (__mmask16)(_mm512_cmp_pd_mask(back_low, bound_low, _CMP_EQ_OQ) |
                                      (_mm512_cmp_pd_mask(back_high, bound_high, _CMP_EQ_OQ) << 8));
    const __m512i zero = _mm512_setzero_si512();
    const __mmask16 tie_up =
      (__mmask16)(_mm512_cmpneq_epi64_mask(_mm512_loadu_si512(prepared->tie_up), zero) |
                  (_mm512_cmpneq_epi64_mask(_mm512_loadu_si512(prepared->tie_up + 8), zero) << 8));
    step |= tie & ~tie_up;
  }
  // The nearest floats, -0 made +0; one float up is +1 on a positive float's bits, -1 on a negative one's.
  const __m512 nearest = _mm512_add_ps(
    _mm512_castpd_ps(_mm512_insertf64x4(
      _mm512_castpd256_pd512(_mm256_castps_pd(nearest_low)), _mm256_castps_pd(nearest_high), 1)),
    _mm512_setzero_ps());
  const __m512i bits = _mm512_castps_si512(nearest);
  const __m512i direction = _mm512_or_si512(_mm512_srai_epi32(bits, 31), _mm512_set1_epi32(1));
  _mm512_storeu_si512(bounds, _mm512_mask_add_epi32(bits, step, bits, direction));
}

/// A group's X_j, and whether it rounds on the codebook's grid: where |x| * step ≤ 0.98 for
/// every |x| up to the group's amax (`amax_bits`, finite), so u stays in [2, 4).
__attribute__((target(TK_AVX512), always_inline)) static inline void prepare_start_avx512(
  const xspace_codebook *prepared, const bucket_grid *grid, uint32_t amax_bits, group_start *start) {
  prepare_bounds_avx512(prepared, start->scale, start->bounds);
  float amax;
  memcpy(&amax, &amax_bits, 4);
  start->grid = grid_applies(grid, amax, start->scale, &start->grid_step);
}

/// amax_bits_f32 32 lanes at a time (2-3% faster than 16 on F32 groups of 128 on the grid).
__attribute__((target(TK_AVX512))) static uint32_t amax_bits_f32_avx512(const float *x, int64_t count) {
  const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff);
  __m512i best0 = _mm512_setzero_si512(), best1 = _mm512_setzero_si512();
  int64_t i = 0;
  for (; i + 32 <= count; i += 32) {
    best0 = _mm512_max_epu32(best0, _mm512_and_si512(_mm512_loadu_si512(x + i), abs_mask));
    best1 = _mm512_max_epu32(best1, _mm512_and_si512(_mm512_loadu_si512(x + i + 16), abs_mask));
  }
  if (i + 16 <= count) {
    best0 = _mm512_max_epu32(best0, _mm512_and_si512(_mm512_loadu_si512(x + i), abs_mask));
    i += 16;
  }
  uint32_t result = _mm512_reduce_max_epu32(_mm512_max_epu32(best0, best1));
  for (; i < count; i++) {  // written out: a call to amax_bits_scalar here cost 10% on groups of 128
    uint32_t bits;
    memcpy(&bits, x + i, 4);
    bits &= 0x7fffffffu;
    if (bits > result) result = bits;
  }
  return result;
}

/// measure_group_avx2 with the F32 amax 32 lanes at a time.
__attribute__((target(TK_AVX512), always_inline)) static inline uint32_t measure_group_avx512(
  const void *x, int32_t dtype, int64_t first, int64_t count) {
  return dtype == TK_F32 ? amax_bits_f32_avx512((const float *)x + first, count)
                         : amax_bits_16((const uint16_t *)x + first, count, dtype);
}

/// The upper 8 floats of a 16-float register (AVX-512F only: no DQ extract).
__attribute__((target(TK_AVX512), always_inline)) static inline __m256 upper8(__m512 v) {
  return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
}

/// values[k] * scale in natural order, 16 lanes (prepared->values holds values[k] at
/// ((-k) & 7) | (k & 8)).
__attribute__((target(TK_AVX512), always_inline)) static inline __m512 scaled_levels16(
  const xspace_codebook *prepared, float scale) {
  return _mm512_mul_ps(
    _mm512_permutexvar_ps(
      _mm512_setr_epi32(0, 7, 6, 5, 4, 3, 2, 1, 8, 15, 14, 13, 12, 11, 10, 9), _mm512_loadu_ps(prepared->values)),
    _mm512_set1_ps(scale));
}

/// Stores 16 x̂ and codes from element `i` (`whole`), or the low 8 of each: no masked stores
/// (on AMD a masked store costs several plain ones), so undefined upper lanes are never stored.
__attribute__((target(TK_AVX512), always_inline)) static inline void store_rounded16(
  __m512 level, __m512i code, int whole, float *rounded, int32_t *codes) {
  if (whole) {
    _mm512_storeu_ps(rounded, level);
    _mm512_storeu_si512(codes, code);
  } else {
    _mm256_storeu_ps(rounded, _mm512_castps512_ps256(level));
    _mm256_storeu_si256((__m256i *)codes, _mm512_castsi512_si256(code));
  }
}

/// A group's x-space tables for 16 lanes: X_j in natural order (X_15 = +inf) and shifted by 1
/// and 2, so that X_{4q + 1} and X_{4q + 2} are lookups at 4q (the only indices read); X_3, X_7
/// and X_11 broadcast; values[k] * scale in natural order.
typedef struct {
  __m512 at0, at1, at2, x3, x7, x11, levels;
} wide_xspace_table;

/// The tables from a group's X_j in slot order (`bounds`, see xspace_codebook) and scale.
__attribute__((target(TK_AVX512), always_inline)) static inline wide_xspace_table load_wide_xspace_table(
  const xspace_codebook *prepared, const float *bounds, float scale) {
  wide_xspace_table table;
  const __m512 slots = _mm512_loadu_ps(bounds);
  table.at0 = _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 3, 7, 11, 13, 2, 6, 10, 14, 1, 5, 9, 15), slots);
  table.at1 = _mm512_permutexvar_ps(_mm512_setr_epi32(4, 8, 12, 3, 7, 11, 13, 2, 6, 10, 14, 1, 5, 9, 15, 15), slots);
  table.at2 = _mm512_permutexvar_ps(_mm512_setr_epi32(8, 12, 3, 7, 11, 13, 2, 6, 10, 14, 1, 5, 9, 15, 15, 15), slots);
  table.x3 = _mm512_set1_ps(bounds[12]);
  table.x7 = _mm512_set1_ps(bounds[13]);
  table.x11 = _mm512_set1_ps(bounds[14]);
  table.levels = scaled_levels16(prepared, scale);
  return table;
}

/// The codes #{X_j <= x} of 16 finite floats and x̂ in `*rounded`, as round8_xspace: the
/// quarter 4q from X_3, X_7, X_11, then X_{4q}, X_{4q + 1}, X_{4q + 2}.
__attribute__((target(TK_AVX512), always_inline)) static inline __m512i round16_xspace(
  const wide_xspace_table *table, __m512 x, __m512 *rounded) {
  const __m512i four = _mm512_set1_epi32(4), one = _mm512_set1_epi32(1);
  __m512i code = _mm512_maskz_mov_epi32(_mm512_cmp_ps_mask(x, table->x3, _CMP_GE_OQ), four);
  code = _mm512_mask_add_epi32(code, _mm512_cmp_ps_mask(x, table->x7, _CMP_GE_OQ), code, four);
  code = _mm512_mask_add_epi32(code, _mm512_cmp_ps_mask(x, table->x11, _CMP_GE_OQ), code, four);
  const __mmask16 a = _mm512_cmp_ps_mask(x, _mm512_permutexvar_ps(code, table->at0), _CMP_GE_OQ);
  const __mmask16 b = _mm512_cmp_ps_mask(x, _mm512_permutexvar_ps(code, table->at1), _CMP_GE_OQ);
  const __mmask16 c = _mm512_cmp_ps_mask(x, _mm512_permutexvar_ps(code, table->at2), _CMP_GE_OQ);
  code = _mm512_mask_add_epi32(code, a, code, one);
  code = _mm512_mask_add_epi32(code, b, code, one);
  code = _mm512_mask_add_epi32(code, c, code, one);
  *rounded = _mm512_permutexvar_ps(code, table->levels);
  return code;
}

/// A group's grid tables for 16 lanes: per bucket the codes below it (`below_*`) and its
/// threshold's X_j (`x_*`, +inf where none), buckets 0-15 in `*_low`, 16-31 in `*_high`.
typedef struct {
  __m512 step, offset, x_low, x_high, levels;
  __m512i below_low, below_high;
} grid_table;

__attribute__((target(TK_AVX512), always_inline)) static inline grid_table load_grid_table(
  const xspace_codebook *prepared, const bucket_grid *grid, const float *bounds, float step, float scale) {
  grid_table table;
  const __m512 slots = _mm512_loadu_ps(bounds);
  table.x_low = _mm512_permutexvar_ps(_mm512_loadu_si512(grid->slot), slots);
  table.x_high = _mm512_permutexvar_ps(_mm512_loadu_si512(grid->slot + 16), slots);
  table.below_low = _mm512_loadu_si512(grid->below);
  table.below_high = _mm512_loadu_si512(grid->below + 16);
  table.step = _mm512_set1_ps(step);
  table.offset = _mm512_set1_ps(grid->offset);
  table.levels = scaled_levels16(prepared, scale);
  return table;
}

/// The codes #{X_j <= x} of 16 finite floats of a grid group and x̂ in `*rounded`: the bucket
/// from u's pattern (bits 18-22: vpermt2d reads the low 5 bits of each index), the codes
/// below it, and one compare with its threshold.
__attribute__((target(TK_AVX512), always_inline)) static inline __m512i round16_grid(
  const grid_table *table, __m512 x, __m512 *rounded) {
  const __m512i bucket = _mm512_srli_epi32(_mm512_castps_si512(_mm512_fmadd_ps(x, table->step, table->offset)), 18);
  const __m512i below = _mm512_permutex2var_epi32(table->below_low, bucket, table->below_high);
  const __m512 threshold = _mm512_permutex2var_ps(table->x_low, bucket, table->x_high);
  const __m512i code =
    _mm512_mask_add_epi32(below, _mm512_cmp_ps_mask(x, threshold, _CMP_GE_OQ), below, _mm512_set1_epi32(1));
  *rounded = _mm512_permutexvar_ps(code, table->levels);
  return code;
}

/// round_span_avx512 for a group on the grid. A loop of its own: one loop choosing the grid or
/// the quarters per vector (as the clip search does) made the rows kernel 30% slower.
__attribute__((target(TK_AVX512), always_inline)) static inline void round_span_grid_avx512(
  const xspace_codebook *prepared, const bucket_grid *grid, const group_start *current, const float *values,
  int64_t n, float *rounded, int32_t *codes) {
  const grid_table table = load_grid_table(prepared, grid, current->bounds, current->grid_step, current->scale);
  for (int64_t i = 0; i < n; i += 16) {
    const int whole = n - i >= 16;
    const __m512 x = whole ? _mm512_loadu_ps(values + i) : _mm512_castps256_ps512(_mm256_loadu_ps(values + i));
    __m512 level;
    const __m512i code = round16_grid(&table, x, &level);
    store_rounded16(level, code, whole, rounded + i, codes + i);
  }
}

/// A span's x̂ and codes as round_span_avx2, 16 at a time (a last 8 in the low half): on the
/// grid where the group has it, else by quarters (round16_xspace).
__attribute__((target(TK_AVX512), always_inline)) static inline void round_span_avx512(
  const xspace_codebook *prepared, const bucket_grid *grid, const group_start *current, const float *values,
  int64_t n, float *rounded, int32_t *codes) {
  if (current->grid) {
    round_span_grid_avx512(prepared, grid, current, values, n, rounded, codes);
    return;
  }
  // Locals: stores to `rounded` could alias tables in memory and force a reload per vector.
  const wide_xspace_table table = load_wide_xspace_table(prepared, current->bounds, current->scale);
  // No masked loads or stores: a last 8 is loaded and stored as 256-bit halves.
  for (int64_t i = 0; i < n; i += 16) {
    const int whole = n - i >= 16;
    const __m512 x = whole ? _mm512_loadu_ps(values + i) : _mm512_castps256_ps512(_mm256_loadu_ps(values + i));
    __m512 level;
    const __m512i code = round16_xspace(&table, x, &level);
    store_rounded16(level, code, whole, rounded + i, codes + i);
  }
}

/// widen_span_avx2, each run of 8 in one register.
__attribute__((target(TK_AVX512), always_inline)) static inline void widen_span_avx512(
  const float *values, int64_t n, double *x_double, int shared, __m256d *squares0, __m256d *squares1) {
  __m512d squares = _mm512_insertf64x4(_mm512_castpd256_pd512(*squares0), *squares1, 1);
  for (int64_t i = 0; i < n; i += 8) {
    const __m512d v = _mm512_cvtps_pd(_mm256_loadu_ps(values + i));
    _mm512_store_pd(x_double + i, v);
    if (shared) squares = _mm512_fmadd_pd(v, v, squares);
  }
  *squares0 = _mm512_castpd512_pd256(squares);
  *squares1 = _mm512_extractf64x4_pd(squares, 1);
}

/// code_counter_avx2 with 8 64-bit lanes: a vector of 16 codes adds two codes' 1 << 4c to each.
typedef struct {
  __m512i even_bytes, odd_bytes;
  int32_t pending_flushes;
  int64_t totals[16];
} code_counter_avx512;

__attribute__((target(TK_AVX512))) static void flush_counts_avx512(code_counter_avx512 *counter) {
  uint8_t even[64], odd[64];
  _mm512_storeu_si512(even, counter->even_bytes);
  _mm512_storeu_si512(odd, counter->odd_bytes);
  add_byte_counts(even, odd, 8, counter->totals);
  counter->even_bytes = _mm512_setzero_si512();
  counter->odd_bytes = _mm512_setzero_si512();
  counter->pending_flushes = 0;
}

/// A span's error sums (as sum_span_avx2, each run of 8 in one 8-double register) and code
/// counts (as count_span_avx2, 16 codes at a time) in one loop: the sums' dependency chains and
/// the counts' shifts overlap. With `x_double`, x comes from there in float64 and Σx² is left
/// out (as sum_span_from_double_avx2); `values` is then unused. The last 8 codes of a span are
/// padded with code 16, whose shift of 64 adds nothing. Two tries that were slower on Zen 5 (one
/// core, NF4, groups of 128): rounding grid groups inside this loop, with no x̂ and codes through
/// L1, by 9% on F32 and 28% on 12 BF16 formats; counting one code per 32-bit lane by a rotate
/// (codes c and c + 8 in one nibble, c ≥ 8 again in a masked second one), by 8-10%.
__attribute__((target(TK_AVX512), always_inline)) static inline void sum_and_count_span_avx512(
  const float *values, const double *x_double, const float *rounded, const int32_t *codes, int64_t n,
  vector_sums *sums, code_counter_avx512 *counter) {
  __m512d sse = _mm512_insertf64x4(_mm512_castpd256_pd512(sums->sse0), sums->sse1, 1);
  __m512d ssx = _mm512_insertf64x4(_mm512_castpd256_pd512(sums->ssx0), sums->ssx1, 1);
  __m512d max_err = _mm512_insertf64x4(_mm512_castpd256_pd512(sums->max_err0), sums->max_err1, 1);
  const __m512i one = _mm512_set1_epi64(1), low32 = _mm512_set1_epi64(0xffffffff), low4 = _mm512_set1_epi8(0x0f);
  const __m512i padding = _mm512_set1_epi32(16);
  __m512i even_bytes = counter->even_bytes, odd_bytes = counter->odd_bytes;
  for (int64_t i = 0; i < n;) {
    __m512i nibbles = _mm512_setzero_si512();
    for (int vector = 0; vector < 7 && i < n; vector++, i += 16) {
      const int whole = n - i >= 16;
      const __m512i code =
        whole ? _mm512_loadu_si512(codes + i)
              : _mm512_inserti64x4(padding, _mm256_loadu_si256((const __m256i *)(codes + i)), 0);
      const __m512i shifts = _mm512_slli_epi32(code, 2);
      nibbles = _mm512_add_epi64(nibbles, _mm512_sllv_epi64(one, _mm512_and_si512(shifts, low32)));
      nibbles = _mm512_add_epi64(nibbles, _mm512_sllv_epi64(one, _mm512_srli_epi64(shifts, 32)));
      for (int run = 0; run < 1 + whole; run++) {
        const int64_t at = i + 8 * run;
        const __m512d rounded_double = _mm512_cvtps_pd(_mm256_loadu_ps(rounded + at));
        if (x_double) {
          const __m512d e = _mm512_sub_pd(rounded_double, _mm512_load_pd(x_double + at));
          sse = _mm512_fmadd_pd(e, e, sse);
          max_err = _mm512_max_pd(max_err, _mm512_abs_pd(e));
        } else {
          const __m512d v = _mm512_cvtps_pd(_mm256_loadu_ps(values + at));
          const __m512d e = _mm512_sub_pd(v, rounded_double);
          sse = _mm512_fmadd_pd(e, e, sse);
          ssx = _mm512_fmadd_pd(v, v, ssx);
          max_err = _mm512_max_pd(max_err, _mm512_abs_pd(e));
        }
      }
    }
    even_bytes = _mm512_add_epi8(even_bytes, _mm512_and_si512(nibbles, low4));
    odd_bytes = _mm512_add_epi8(odd_bytes, _mm512_and_si512(_mm512_srli_epi64(nibbles, 4), low4));
    if (++counter->pending_flushes == 18) {
      counter->even_bytes = even_bytes;
      counter->odd_bytes = odd_bytes;
      flush_counts_avx512(counter);
      even_bytes = odd_bytes = _mm512_setzero_si512();
    }
  }
  counter->even_bytes = even_bytes;
  counter->odd_bytes = odd_bytes;
  sums->sse0 = _mm512_castpd512_pd256(sse);
  sums->sse1 = _mm512_extractf64x4_pd(sse, 1);
  sums->max_err0 = _mm512_castpd512_pd256(max_err);
  sums->max_err1 = _mm512_extractf64x4_pd(max_err, 1);
  if (!x_double) {
    sums->ssx0 = _mm512_castpd512_pd256(ssx);
    sums->ssx1 = _mm512_extractf64x4_pd(ssx, 1);
  }
}

#define TK_ROWS_TARGET TK_AVX512
#define TK_ROWS_NAME(name) name##_avx512
#include "codebook_rows.h"

/// quantize_rows_body_avx512 for the layout most tensors have: groups of a multiple of 8 elements
/// and at most 512 bytes (so at most TK_SPAN elements) that tile the rows, each with its own
/// amax, on a codebook with a grid. Groups are taken 16 at a time: their amax one by one, then
/// their scales, grid steps and grid checks in 16 lanes at once, lane by lane the IEEE operations
/// begin_group and grid_applies make (so the same bits), with none of the per-group walk, ring
/// and flags. Each group on the grid is then rounded, summed and counted as the body does it; any
/// other group (a non-finite element, a zero scale, an amax out of range or off the grid) goes the
/// body's way, group by group, into the same sums in the same order. `groups` groups of `group`
/// from `x`.
__attribute__((target(TK_AVX512), always_inline)) static inline void quantize_tiles_body_avx512(
  quantize_state *state, const void *x, int32_t dtype, int64_t groups, int64_t group, const xspace_codebook *prepared,
  const bucket_grid *grid, float *out) {
  code_counter_avx512 counter;
  memset(&counter, 0, sizeof counter);
  vector_sums sums = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(),
                      _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
  float decoded[TK_SPAN] __attribute__((aligned(64)));
  float rounded[TK_SPAN] __attribute__((aligned(64)));
  int32_t codes[TK_SPAN] __attribute__((aligned(64)));
  // A batch's amax patterns, and the next batch's, measured while this one is rounded; lanes past
  // the last group hold +inf's pattern, so they are never on the grid.
  uint32_t amax_bits[16] __attribute__((aligned(64)));
  uint32_t next_bits[16] __attribute__((aligned(64)));
  float scales[16] __attribute__((aligned(64)));
  float steps[16] __attribute__((aligned(64)));
  const __m512 clip = _mm512_set1_ps(state->clip), max_value = _mm512_set1_ps(state->codebook->max_value);
  const __m512d k = _mm512_set1_pd((double)grid->k), grid_limit = _mm512_set1_pd(0.98);
  int64_t vectorized = 0;
  for (int b = 0; b < 16; b++) {
    next_bits[b] = b < groups ? measure_group_avx512(x, dtype, b * group, group) : 0x7f800000u;
  }
  for (int64_t batch_first = 0; batch_first < groups; batch_first += 16) {
    const int batch = groups - batch_first < 16 ? (int)(groups - batch_first) : 16;
    memcpy(amax_bits, next_bits, sizeof amax_bits);
    const __m512i bits = _mm512_load_si512(amax_bits);
    const __m512 amax = _mm512_castsi512_ps(bits);
    // begin_group: scale = (amax * clip) / max_value; the vector path needs a finite amax in
    // [2^-40, 2^60] and a scale in (0, inf).
    const __m512 scale = _mm512_div_ps(_mm512_mul_ps(amax, clip), max_value);
    __mmask16 on_grid = _mm512_cmplt_epu32_mask(bits, _mm512_set1_epi32(0x7f800000));
    on_grid &= _mm512_cmp_ps_mask(scale, _mm512_setzero_ps(), _CMP_GT_OQ) &
               _mm512_cmp_ps_mask(scale, _mm512_set1_ps(INFINITY), _CMP_LT_OQ);
    on_grid &= _mm512_cmp_ps_mask(amax, _mm512_set1_ps(0x1p-40f), _CMP_GE_OQ) &
               _mm512_cmp_ps_mask(amax, _mm512_set1_ps(0x1p60f), _CMP_LE_OQ);
    // grid_applies: step = (float)(K / (double)scale), and (double)amax * (double)step <= 0.98.
    const __m256 step_low = _mm512_cvtpd_ps(_mm512_div_pd(k, _mm512_cvtps_pd(_mm512_castps512_ps256(scale))));
    const __m256 step_high = _mm512_cvtpd_ps(_mm512_div_pd(k, _mm512_cvtps_pd(upper8(scale))));
    const __mmask8 fits_low = _mm512_cmp_pd_mask(
      _mm512_mul_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(amax)), _mm512_cvtps_pd(step_low)), grid_limit,
      _CMP_LE_OQ);
    const __mmask8 fits_high = _mm512_cmp_pd_mask(
      _mm512_mul_pd(_mm512_cvtps_pd(upper8(amax)), _mm512_cvtps_pd(step_high)), grid_limit, _CMP_LE_OQ);
    on_grid &= (__mmask16)(fits_low | ((unsigned)fits_high << 8));
    _mm512_store_ps(scales, scale);
    _mm256_store_ps(steps, step_low);
    _mm256_store_ps(steps + 8, step_high);
    for (int b = 0; b < batch; b++) {
      // The next batch's amax, one group per group rounded: the reads spread over the rounding
      // (measured all at once, F32 groups of 128 ran 38% slower from memory).
      const int64_t ahead = batch_first + 16 + b;
      next_bits[b] = ahead < groups ? measure_group_avx512(x, dtype, ahead * group, group) : 0x7f800000u;
      const int64_t first = (batch_first + b) * group;
      float *g_out = out ? out + first : NULL;
      group_start start;
      if ((on_grid >> b) & 1) {
        start.scalar = 0;
        start.zero_group = 0;
        start.scale = scales[b];
        start.grid = 1;
        start.grid_step = steps[b];
        prepare_bounds_avx512(prepared, start.scale, start.bounds);
      } else {
        settle_group_avx512(state, prepared, grid, NULL, x, dtype, first, group, amax_bits[b], -1, &start);
        if (start.scalar) {
          state->scale = start.scale;
          state->zero_group = start.zero_group;
          quantize_scalar(state, x, dtype, first, group, g_out);
          continue;
        }
      }
      const float *values = (const float *)x + first;
      if (dtype != TK_F32) {
        decode_span_avx512(x, dtype, first, group, decoded);
        values = decoded;
      }
      float *r = g_out ? g_out : rounded;
      round_span_avx512(prepared, grid, &start, values, group, r, codes);
      sum_and_count_span_avx512(values, NULL, r, codes, group, &sums, &counter);
      vectorized += group;
    }
  }
  add_to_state_avx512(state, &counter, &sums, vectorized);
}

/// quantize_tiles_body_avx512 where the layout and codebook allow it (returns 1), else 0. Only
/// for groups of at most 512 bytes, and for F32 only without x̂: read from memory, F32 groups of
/// 256 ran 35-70% slower this way than in the body (whatever the batch's size, 4 to 16 groups)
/// and F32 groups of 128 writing x̂ 3-8% slower, where BF16 groups of 256 ran 10% faster and BF16
/// groups of 128 writing x̂ 4-7% faster.
__attribute__((target(TK_AVX512))) static int quantize_tiles_avx512(
  quantize_state *state, const void *x, int32_t dtype, int64_t rows, int64_t row_length, int64_t group,
  float fixed_amax, float *out) {
  const int64_t group_bytes = group * (dtype == TK_F32 ? 4 : 2);
  if (fixed_amax >= 0 || group % 8 != 0 || group_bytes > 512 || row_length % group != 0) return 0;
  if (dtype == TK_F32 && out != NULL) return 0;
  bucket_grid grid;
  prepare_grid(state->thresholds15, state->clip, state->codebook->max_value, &grid);
  if (!grid.fits) return 0;
  xspace_codebook prepared;
  prepare_xspace_codebook(state->values16, state->thresholds15, &prepared);
  const int64_t groups = rows * (row_length / group);
  switch (dtype) {
    case TK_F32: quantize_tiles_body_avx512(state, x, TK_F32, groups, group, &prepared, &grid, out); break;
    case TK_BF16: quantize_tiles_body_avx512(state, x, TK_BF16, groups, group, &prepared, &grid, out); break;
    default: quantize_tiles_body_avx512(state, x, TK_F16, groups, group, &prepared, &grid, out); break;
  }
  return 1;
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
      if (!quantize_tiles_avx512(
            &state, layout->source, layout->dtype, layout->rows, layout->row_length, group, layout->fixed_amax,
            dequantized)) {
        quantize_rows_avx512(
          &state, layout->source, layout->dtype, layout->rows, layout->row_length, group, layout->fixed_amax,
          dequantized);
      }
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
  together = together && tk_active_path() >= TK_PATH_AVX2;
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
    if (tk_active_path() == TK_PATH_AVX512) {
      quantize_rows_many_avx512(
        states, formats, layout->source, layout->dtype, layout->rows, layout->row_length, group, layout->fixed_amax);
    } else {
      quantize_rows_many_avx2(
        states, formats, layout->source, layout->dtype, layout->rows, layout->row_length, group, layout->fixed_amax);
    }
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
#if TK_X86
  xspace_codebook prepared;  // for the x-space loops (vector_ok only)
  bucket_grid *grids;        // the AVX-512 path's grid per ratio, or NULL
#endif
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

/// search_span_avx2 in x space (the same codes, so the same sums): no division per element.
__attribute__((target("avx2,fma"))) static double search_span_xspace_avx2(
  const search_state *state, const float *x, int64_t count, float scale_value) {
  float bounds[16] __attribute__((aligned(16)));
  prepare_bounds_avx2(&state->prepared, scale_value, bounds);
  const xspace_table table = load_xspace_table(&state->prepared, bounds, scale_value);
  __m256d sse0 = _mm256_setzero_pd(), sse1 = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256 value = _mm256_loadu_ps(x + i);
    __m256 rounded;
    (void)round8_xspace(&table, value, &rounded);
    const __m256d e0 = _mm256_sub_pd(
      _mm256_cvtps_pd(_mm256_castps256_ps128(value)), _mm256_cvtps_pd(_mm256_castps256_ps128(rounded)));
    const __m256d e1 = _mm256_sub_pd(
      _mm256_cvtps_pd(_mm256_extractf128_ps(value, 1)), _mm256_cvtps_pd(_mm256_extractf128_ps(rounded, 1)));
    sse0 = _mm256_fmadd_pd(e0, e0, sse0);
    sse1 = _mm256_fmadd_pd(e1, e1, sse1);
  }
  return hsum_pd(_mm256_add_pd(sse0, sse1)) + search_span_scalar(state->codebook, x + i, count - i, scale_value);
}

/// search_span_xspace_avx2 16 lanes at a time, each run of 8 into one 8-double register (lanes
/// 0-3 and 4-7 are the AVX2 loop's sse0 and sse1): on the ratio's bucket grid (`grid`, NULL for
/// none) where the group's amax allows, as the rows kernel does, by quarters elsewhere.
__attribute__((target(TK_AVX512))) static double search_span_xspace_avx512(
  const search_state *state, const bucket_grid *grid, const float *x, int64_t count, float scale_value) {
  float bounds[16] __attribute__((aligned(64)));
  prepare_bounds_avx512(&state->prepared, scale_value, bounds);
  float step = 0;
  const int on_grid = grid != NULL && grid_applies(grid, state->amax, scale_value, &step);
  grid_table buckets;
  wide_xspace_table table;
  if (on_grid) {
    buckets = load_grid_table(&state->prepared, grid, bounds, step, scale_value);
  } else {
    table = load_wide_xspace_table(&state->prepared, bounds, scale_value);
  }
  __m512d sse = _mm512_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= count; i += 16) {
    const int whole = i + 16 <= count;
    const __m512 value = whole ? _mm512_loadu_ps(x + i) : _mm512_castps256_ps512(_mm256_loadu_ps(x + i));
    __m512 rounded;
    if (on_grid) {
      (void)round16_grid(&buckets, value, &rounded);
    } else {
      (void)round16_xspace(&table, value, &rounded);
    }
    const __m512d e0 = _mm512_sub_pd(
      _mm512_cvtps_pd(_mm512_castps512_ps256(value)), _mm512_cvtps_pd(_mm512_castps512_ps256(rounded)));
    sse = _mm512_fmadd_pd(e0, e0, sse);
    if (!whole) {
      i += 8;
      break;
    }
    const __m512d e1 = _mm512_sub_pd(_mm512_cvtps_pd(upper8(value)), _mm512_cvtps_pd(upper8(rounded)));
    sse = _mm512_fmadd_pd(e1, e1, sse);
  }
  const __m256d lanes = _mm256_add_pd(_mm512_castpd512_pd256(sse), _mm512_extractf64x4_pd(sse, 1));
  return hsum_pd(lanes) + search_span_scalar(state->codebook, x + i, count - i, scale_value);
}
#endif

static void search_span(tk_visitor *visitor, const float *x, int64_t count, int64_t element) {
  (void)element;
  search_state *state = (search_state *)visitor;
  for (int32_t r = 0; r < state->ratio_count; r++) {
    float scale = (state->amax * state->ratios[r]) / state->codebook->max_value;
    int zero_group = !(scale > 0) || !(scale < INFINITY);
    if (state->vector_ok && !zero_group && !state->has_nonfinite) {
#if TK_X86
      // In x space where the rows kernel rounds there (amax_in_vector_range), else dividing;
      // every loop gives the same codes and sums.
      const int32_t path = tk_active_path();
      const int in_range = amax_in_vector_range(state->amax);
      if (path == TK_PATH_AVX512 && in_range) {
        state->sse[r] += search_span_xspace_avx512(state, state->grids ? &state->grids[r] : NULL, x, count, scale);
        continue;
      }
      if (path >= TK_PATH_AVX2) {
        state->sse[r] += in_range ? search_span_xspace_avx2(state, x, count, scale)
                                  : search_span_avx2(state, x, count, scale);
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
  if (state.vector_ok) {
    prepare_padded(codebook, state.values16, state.thresholds15);
#if TK_X86
    prepare_xspace_codebook(state.values16, state.thresholds15, &state.prepared);
    // The grid needs each group's own amax as the bound on its |x|; a fixed amax is not one.
    if (tk_active_path() == TK_PATH_AVX512 && layout->fixed_amax < 0 && ratio_count > 0) {
      state.grids = malloc(sizeof(bucket_grid) * (size_t)ratio_count);
      for (int32_t r = 0; state.grids != NULL && r < ratio_count; r++) {
        prepare_grid(state.thresholds15, ratios[r], codebook->max_value, &state.grids[r]);
      }
    }
#endif
  }
  tk_walk_groups(layout, &state.base);
#if TK_X86
  free(state.grids);
#endif
}

int32_t tk_codebook_grid_fits(const tk_codebook *codebook, float clip) {
#if TK_X86
  if (codebook->count > 16) return 0;
  float values16[16], thresholds15[15];
  prepare_padded(codebook, values16, thresholds15);
  bucket_grid grid;
  prepare_grid(thresholds15, clip, codebook->max_value, &grid);
  return grid.fits;
#else
  (void)codebook;
  (void)clip;
  return 0;
#endif
}
