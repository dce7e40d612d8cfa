// Element decoding and the group walker shared by every kernel.
#include "tk_internal.h"

#if (defined(__x86_64__) || defined(__i386__)) && !defined(TK_PORTABLE_ONLY)
#include <immintrin.h>
#define TK_X86 1
#endif

#include <stdatomic.h>
#include <stdlib.h>

int32_t tk_path_supported(int32_t path) {
  if (path == TK_PATH_PORTABLE) return 1;
#if TK_X86
  __builtin_cpu_init();
  const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  if (path == TK_PATH_AVX2) return avx2;
  if (path == TK_PATH_AVX512) {
    return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl");
  }
#endif
  return 0;
}

/// -1 until the first call decides.
static _Atomic int32_t active_path = -1;

int32_t tk_active_path(void) {
  int32_t path = atomic_load_explicit(&active_path, memory_order_relaxed);
  if (path >= 0) return path;
  path = TK_PATH_PORTABLE;
  const char *forced = getenv("TSCOPE_KERNEL");
  if (forced && strcmp(forced, "avx512") == 0 && tk_path_supported(TK_PATH_AVX512)) {
    path = TK_PATH_AVX512;
  } else if (forced && strcmp(forced, "avx2") == 0 && tk_path_supported(TK_PATH_AVX2)) {
    path = TK_PATH_AVX2;
  } else if (forced && strcmp(forced, "portable") == 0) {
    path = TK_PATH_PORTABLE;
  } else if (tk_path_supported(TK_PATH_AVX512)) {
    path = TK_PATH_AVX512;
  } else if (tk_path_supported(TK_PATH_AVX2)) {
    path = TK_PATH_AVX2;
  }
  // Two first callers decide alike; either store is the same value.
  atomic_store_explicit(&active_path, path, memory_order_relaxed);
  return path;
}

int32_t tk_set_path(int32_t path) {
  if (!tk_path_supported(path)) return -1;
  atomic_store_explicit(&active_path, path, memory_order_relaxed);
  return 0;
}

int tk_have_avx2(void) {
#if TK_X86
  return tk_active_path() >= TK_PATH_AVX2;
#else
  return 0;
#endif
}

#if TK_X86
__attribute__((target("avx2,f16c"))) static void decode_avx2(
  const uint16_t *in, int32_t dtype, int64_t count, float *out) {
  int64_t i = 0;
  if (dtype == TK_BF16) {
    for (; i + 8 <= count; i += 8) {
      __m128i half = _mm_loadu_si128((const __m128i *)(in + i));
      __m256i wide = _mm256_slli_epi32(_mm256_cvtepu16_epi32(half), 16);
      _mm256_storeu_ps(out + i, _mm256_castsi256_ps(wide));
    }
  } else {
    for (; i + 8 <= count; i += 8) {
      __m128i half = _mm_loadu_si128((const __m128i *)(in + i));
      _mm256_storeu_ps(out + i, _mm256_cvtph_ps(half));
    }
  }
  for (; i < count; i++) out[i] = dtype == TK_BF16 ? tk_bf16_to_f32(in[i]) : tk_f16_to_f32(in[i]);
}
#endif

void tk_decode(const void *source, int32_t dtype, int64_t first, int64_t count, float *out) {
  if (dtype == TK_F32) {
    memcpy(out, (const float *)source + first, (size_t)count * 4);
    return;
  }
  const uint16_t *in = (const uint16_t *)source + first;
#if TK_X86
  if (tk_have_avx2()) {
    decode_avx2(in, dtype, count, out);
    return;
  }
#endif
  for (int64_t i = 0; i < count; i++) out[i] = dtype == TK_BF16 ? tk_bf16_to_f32(in[i]) : tk_f16_to_f32(in[i]);
}

#if TK_X86
__attribute__((target("avx2,fma"))) static float amax_avx2(const float *x, int64_t count, int64_t *nonfinite) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 infinity = _mm256_set1_ps(INFINITY);
  __m256 best = _mm256_setzero_ps();
  __m256i bad = _mm256_setzero_si256();
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256 magnitude = _mm256_and_ps(_mm256_loadu_ps(x + i), abs_mask);
    // |x| < inf is false for NaN and ±Inf: those are counted and left out of the max.
    __m256 finite = _mm256_cmp_ps(magnitude, infinity, _CMP_LT_OQ);
    best = _mm256_max_ps(best, _mm256_and_ps(magnitude, finite));
    bad = _mm256_sub_epi32(bad, _mm256_castps_si256(_mm256_xor_ps(finite, _mm256_castsi256_ps(_mm256_set1_epi32(-1)))));
  }
  float lanes[8];
  int32_t counts[8];
  _mm256_storeu_ps(lanes, best);
  _mm256_storeu_si256((__m256i *)counts, bad);
  float result = 0;
  for (int lane = 0; lane < 8; lane++) {
    if (lanes[lane] > result) result = lanes[lane];
    *nonfinite += counts[lane];
  }
  for (; i < count; i++) {
    float magnitude = fabsf(x[i]);
    if (magnitude < INFINITY) {
      if (magnitude > result) result = magnitude;
    } else {
      *nonfinite += 1;
    }
  }
  return result;
}
#endif

float tk_amax_f32(const float *x, int64_t count, int64_t *nonfinite) {
#if TK_X86
  // The vector path counts non-finite lanes in int32: keep each call's count far below 2^31.
  if (tk_have_avx2() && count < ((int64_t)1 << 30)) return amax_avx2(x, count, nonfinite);
#endif
  float result = 0;
  for (int64_t i = 0; i < count; i++) {
    float magnitude = fabsf(x[i]);
    if (magnitude < INFINITY) {
      if (magnitude > result) result = magnitude;
    } else {
      *nonfinite += 1;
    }
  }
  return result;
}

void tk_walk_groups(const tk_layout *layout, tk_visitor *visitor) {
  float tile[TK_TILE];
  const int64_t length = layout->row_length;
  const int64_t group = layout->group < 1 ? 1 : layout->group;
  for (int64_t row = 0; row < layout->rows; row++) {
    for (int64_t start = 0; start < length; start += group) {
      const int64_t count = length - start < group ? length - start : group;
      const int64_t element = row * length + start;
      int64_t nonfinite = 0;
      if (layout->dtype == TK_F32 || count <= TK_TILE) {
        const float *x = (const float *)layout->source + element;
        if (layout->dtype != TK_F32) {
          tk_decode(layout->source, layout->dtype, element, count, tile);
          x = tile;
        }
        float amax = tk_amax_f32(x, count, &nonfinite);
        visitor->begin(visitor, layout->fixed_amax >= 0 ? layout->fixed_amax : amax, nonfinite);
        visitor->span(visitor, x, count, element);
        continue;
      }
      // A long F16/BF16 group: one decoding pass for the amax, a second one to round.
      float amax = 0;
      for (int64_t piece = 0; piece < count; piece += TK_TILE) {
        int64_t size = count - piece < TK_TILE ? count - piece : TK_TILE;
        tk_decode(layout->source, layout->dtype, element + piece, size, tile);
        float local = tk_amax_f32(tile, size, &nonfinite);
        if (local > amax) amax = local;
      }
      visitor->begin(visitor, layout->fixed_amax >= 0 ? layout->fixed_amax : amax, nonfinite);
      for (int64_t piece = 0; piece < count; piece += TK_TILE) {
        int64_t size = count - piece < TK_TILE ? count - piece : TK_TILE;
        tk_decode(layout->source, layout->dtype, element + piece, size, tile);
        visitor->span(visitor, tile, size, element + piece);
      }
    }
  }
}

void tk_histogram(
  const void *source, int32_t dtype, int64_t count, double low, double high, int32_t bins, int64_t *counts) {
  if (bins < 1 || !(high > low)) return;
  float tile[TK_TILE];
  const double per_unit = (double)bins / (high - low);
  for (int64_t piece = 0; piece < count; piece += TK_TILE) {
    int64_t size = count - piece < TK_TILE ? count - piece : TK_TILE;
    tk_decode(source, dtype, piece, size, tile);
    for (int64_t i = 0; i < size; i++) {
      float x = tile[i];
      if (!(fabsf(x) < INFINITY)) continue;
      double position = ((double)x - low) * per_unit;
      int64_t bin = position < 0 ? 0 : (int64_t)position;
      if (bin >= bins) bin = bins - 1;
      counts[bin] += 1;
    }
  }
}

#if TK_X86
__attribute__((target("avx2"))) static uint64_t sum_words_avx2(const uint64_t *words, int64_t count) {
  __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
  int64_t i = 0;
  for (; i + 16 <= count; i += 16) {
    a = _mm256_add_epi64(a, _mm256_loadu_si256((const __m256i *)(words + i)));
    b = _mm256_add_epi64(b, _mm256_loadu_si256((const __m256i *)(words + i + 4)));
    c = _mm256_add_epi64(c, _mm256_loadu_si256((const __m256i *)(words + i + 8)));
    d = _mm256_add_epi64(d, _mm256_loadu_si256((const __m256i *)(words + i + 12)));
  }
  uint64_t lanes[4];
  _mm256_storeu_si256((__m256i *)lanes, _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d)));
  uint64_t total = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  for (; i < count; i++) total += words[i];
  return total;
}
#endif

uint64_t tk_sum_bytes(const void *source, int64_t bytes) {
  const int64_t count = bytes / 8;
  uint64_t total = 0;
  const uint8_t *tail = (const uint8_t *)source + count * 8;
  for (int64_t i = 0; i < bytes - count * 8; i++) total += tail[i];
#if TK_X86
  if (tk_have_avx2()) return total + sum_words_avx2((const uint64_t *)source, count);
#endif
  uint64_t a = 0, b = 0, c = 0, d = 0;
  const uint64_t *words = (const uint64_t *)source;
  int64_t i = 0;
  for (; i + 4 <= count; i += 4) {
    uint64_t w[4];
    memcpy(w, words + i, 32);
    a += w[0];
    b += w[1];
    c += w[2];
    d += w[3];
  }
  for (; i < count; i++) {
    uint64_t w;
    memcpy(&w, words + i, 8);
    a += w;
  }
  return total + a + b + c + d;
}
