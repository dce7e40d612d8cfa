// The vector paths' walk over a tensor's groups, written once for both vector widths: this file is
// included by codebook_kernel.c once per path, with
//   TK_ROWS_TARGET   the target features of the path (a string), and
//   TK_ROWS_NAME(n)  n with the path's suffix (`n##_avx2`, `n##_avx512`),
// and takes from the includer the path's span helpers, which are the only code that differs:
//   TK_ROWS_NAME(measure_group)          a group's amax pattern,
//   TK_ROWS_NAME(prepare_start)          a group's X_j from its scale (and, AVX-512, its grid step),
//   TK_ROWS_NAME(decode_span)            a span of F16/BF16 decoded to floats,
//   TK_ROWS_NAME(code_counter)           code usage counts in vector lanes,
//   TK_ROWS_NAME(round_span)             x̂ and codes of a span (x-space thresholds, no division;
//                                        AVX-512: on the codebook's bucket grid where it applies),
//   TK_ROWS_NAME(sum_and_count_span)     a span's error sums, in the lanes' order of every path
//                                        (from x in float64 without Σx², or from x), and its
//                                        codes counted,
//   TK_ROWS_NAME(widen_span)             a span's x in float64 (and Σx² while shared),
//   TK_ROWS_NAME(flush_counts)           every pending count moved to `totals`.
// The group walk, the group starts' cache, the scalar path and the order of every sum are
// shared, so every path gives the same results bit for bit.

/// Moves a walk's code counts, lane sums and count of elements rounded in vectors into `state`.
__attribute__((target(TK_ROWS_TARGET), always_inline)) static inline void TK_ROWS_NAME(add_to_state)(
  quantize_state *state, TK_ROWS_NAME(code_counter) *counter, const vector_sums *sums, int64_t vectorized) {
  TK_ROWS_NAME(flush_counts)(counter);
  for (int32_t k = 0; k < state->codebook->count; k++) state->usage[k] += counter->totals[k];
  add_vector_sums(sums, state->sums);
  state->sums->finite += vectorized;
}

/// The group's start in `start` (`state->scale` and `zero_group` may be left as they were):
/// from `cache` where it holds the amax, else made and kept there.
__attribute__((target(TK_ROWS_TARGET), always_inline)) static inline void TK_ROWS_NAME(settle_group)(
  quantize_state *state, const xspace_codebook *prepared, const bucket_grid *grid, start_cache *cache,
  const void *x, int32_t dtype, int64_t first, int64_t count, uint32_t amax_bits, float fixed_amax,
  group_start *start) {
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
  if (!start->scalar) TK_ROWS_NAME(prepare_start)(prepared, grid, amax_bits, start);
  if (cached) {
    cache->amax_bits[slot] = amax_bits;
    cache->starts[slot] = *start;
  }
}

/// Rounds whole groups of rows read in place (F32, or F16/BF16 decoded to a span buffer),
/// keeping the error sums and code counts in vector lanes across groups: `rows` rows of
/// `row_length` elements at `x`, groups of `group` (the tail group is shorter). A group holding
/// a non-finite value, with a zero scale or an amax outside float-square range, and the last
/// count % 8 elements of a group, take the scalar path. Each span of a group is rounded first
/// (x̂ and codes to L1), then summed, then counted: loops that each keep their state in
/// registers. Inlined once per dtype, so `dtype` is a constant.
__attribute__((target(TK_ROWS_TARGET), always_inline)) static inline void TK_ROWS_NAME(quantize_rows_body)(
  quantize_state *state, const void *x, int32_t dtype, int64_t rows, int64_t row_length, int64_t group,
  float fixed_amax, float *out) {
  xspace_codebook prepared;
  prepare_xspace_codebook(state->values16, state->thresholds15, &prepared);
  bucket_grid grid;
  prepare_grid(state->thresholds15, state->clip, state->codebook->max_value, &grid);
  start_cache *cache = dtype == TK_F32 ? NULL : new_start_cache();  // F32 amax values rarely repeat
  TK_ROWS_NAME(code_counter) counter;
  memset(&counter, 0, sizeof counter);
  vector_sums sums = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(),
                      _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
  float decoded[TK_SPAN] __attribute__((aligned(64)));
  float rounded[TK_SPAN] __attribute__((aligned(64)));
  int32_t codes[TK_SPAN] __attribute__((aligned(64)));
  if (fixed_amax >= 0 && group > TK_FIXED_BLOCK) group = TK_FIXED_BLOCK;
  const int64_t groups_per_row = (row_length + group - 1) / group;
  const int64_t groups = rows * groups_per_row;
  group_start starts[TK_START_RING];
  int64_t vectorized = 0;
  group_walk walk = {0, 0, row_length, group};
  group_walk ahead = walk;  // the group TK_STARTS_AHEAD after the current one
  for (int64_t g = 0; g < TK_STARTS_AHEAD && g < groups; g++, walk_advance(&ahead)) {
    const int64_t count = walk_count(&ahead), first = walk_first(&ahead);
    TK_ROWS_NAME(settle_group)(
      state, &prepared, &grid, cache, x, dtype, first, count,
      TK_ROWS_NAME(measure_group)(x, dtype, first, count), fixed_amax, &starts[g]);
  }
  for (int64_t g = 0; g < groups; g++) {
    const int64_t count = walk_count(&walk), first = walk_first(&walk);
    walk_advance(&walk);
    const int has_next = g + TK_STARTS_AHEAD < groups;
    const int64_t next_count = walk_count(&ahead), next_first = walk_first(&ahead);
    group_start *next = &starts[(g + TK_STARTS_AHEAD) % TK_START_RING];
    const uint32_t next_amax_bits = has_next ? TK_ROWS_NAME(measure_group)(x, dtype, next_first, next_count) : 0;
    if (has_next) walk_advance(&ahead);
    const group_start *current = &starts[g % TK_START_RING];
    float *g_out = out ? out + first : NULL;
    if (current->scalar) {
      if (has_next) {
        TK_ROWS_NAME(settle_group)(
          state, &prepared, &grid, cache, x, dtype, next_first, next_count, next_amax_bits, fixed_amax, next);
      }
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
        TK_ROWS_NAME(decode_span)(x, dtype, first + span, n, decoded);
        values = decoded;
      }
      float *r = g_out ? g_out + span : rounded;
      TK_ROWS_NAME(round_span)(&prepared, &grid, current, values, n, r, codes);
      if (span == 0 && has_next) {
        TK_ROWS_NAME(settle_group)(
          state, &prepared, &grid, cache, x, dtype, next_first, next_count, next_amax_bits, fixed_amax, next);
      }
      TK_ROWS_NAME(sum_and_count_span)(values, NULL, r, codes, n, &sums, &counter);
    }
    if (whole == 0 && has_next) {
      TK_ROWS_NAME(settle_group)(
        state, &prepared, &grid, cache, x, dtype, next_first, next_count, next_amax_bits, fixed_amax, next);
    }
    vectorized += whole;
    state->scale = current->scale;
    state->zero_group = current->zero_group;
    if (count > whole) quantize_scalar(state, x, dtype, first + whole, count - whole, g_out ? g_out + whole : NULL);
  }
  free(cache);
  TK_ROWS_NAME(add_to_state)(state, &counter, &sums, vectorized);
}

/// quantize_rows_body with its dtype fixed: `x` holds rows * row_length elements of `dtype`.
__attribute__((target(TK_ROWS_TARGET))) static void TK_ROWS_NAME(quantize_rows)(
  quantize_state *state, const void *x, int32_t dtype, int64_t rows, int64_t row_length, int64_t group,
  float fixed_amax, float *out) {
  switch (dtype) {
    case TK_F32: TK_ROWS_NAME(quantize_rows_body)(state, x, TK_F32, rows, row_length, group, fixed_amax, out); break;
    case TK_BF16: TK_ROWS_NAME(quantize_rows_body)(state, x, TK_BF16, rows, row_length, group, fixed_amax, out); break;
    default: TK_ROWS_NAME(quantize_rows_body)(state, x, TK_F16, rows, row_length, group, fixed_amax, out); break;
  }
}

/// quantize_rows_body for several codebooks on one layout (no x̂): each group's amax, each
/// span's decoding (F16/BF16) and conversion to float64 are done once for all of them, and so is
/// Σx² while every format rounds the same groups on the vector path (each format's x² lanes
/// would see the same additions; they part when a group is scalar for some formats only, e.g. a
/// scale that underflows for one codebook). Each format's sums and counts are added in the same
/// order as in its one-format run, so they are equal bit for bit.
__attribute__((target(TK_ROWS_TARGET), always_inline)) static inline void TK_ROWS_NAME(quantize_rows_many_body)(
  quantize_state *states, int32_t formats, const void *x, int32_t dtype, int64_t rows, int64_t row_length,
  int64_t group, float fixed_amax) {
  xspace_codebook prepared[TK_MAX_FORMATS];
  bucket_grid grids[TK_MAX_FORMATS];
  TK_ROWS_NAME(code_counter) counters[TK_MAX_FORMATS];
  vector_sums sums[TK_MAX_FORMATS];
  int64_t vectorized[TK_MAX_FORMATS];
  group_start starts[TK_MAX_FORMATS][2];
  start_cache *caches[TK_MAX_FORMATS];
  for (int32_t f = 0; f < formats; f++) {
    prepare_xspace_codebook(states[f].values16, states[f].thresholds15, &prepared[f]);
    prepare_grid(states[f].thresholds15, states[f].clip, states[f].codebook->max_value, &grids[f]);
    caches[f] = dtype == TK_F32 ? NULL : new_start_cache();
    memset(&counters[f], 0, sizeof counters[f]);
    sums[f] = (vector_sums){_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(),
                            _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
    vectorized[f] = 0;
  }
  float decoded[TK_SPAN] __attribute__((aligned(64)));
  double x_double[TK_SPAN] __attribute__((aligned(64)));
  float rounded[TK_SPAN] __attribute__((aligned(64)));
  int32_t codes[TK_SPAN] __attribute__((aligned(64)));
  // The formats' common x² lanes while `shared_squares` (see above).
  int shared_squares = 1;
  __m256d squares0 = _mm256_setzero_pd(), squares1 = _mm256_setzero_pd();
  if (fixed_amax >= 0 && group > TK_FIXED_BLOCK) group = TK_FIXED_BLOCK;
  const int64_t groups = rows * ((row_length + group - 1) / group);
  group_walk walk = {0, 0, row_length, group};
  for (int64_t g = 0; g < groups; g++) {
    const int64_t count = walk_count(&walk), first = walk_first(&walk);
    if (g == 0) {
      const uint32_t amax_bits = TK_ROWS_NAME(measure_group)(x, dtype, first, count);
      for (int32_t f = 0; f < formats; f++) {
        TK_ROWS_NAME(settle_group)(
          &states[f], &prepared[f], &grids[f], caches[f], x, dtype, first, count, amax_bits, fixed_amax,
          &starts[f][0]);
      }
    }
    walk_advance(&walk);
    const int has_next = g + 1 < groups;
    const int64_t next_count = walk_count(&walk), next_first = walk_first(&walk);
    const uint32_t next_amax_bits = has_next ? TK_ROWS_NAME(measure_group)(x, dtype, next_first, next_count) : 0;
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
        TK_ROWS_NAME(decode_span)(x, dtype, first + span, n, decoded);
        values = decoded;
      }
      TK_ROWS_NAME(widen_span)(values, n, x_double, shared_squares, &squares0, &squares1);
      for (int32_t f = 0; f < formats; f++) {
        const group_start *current = &starts[f][g & 1];
        if (current->scalar) continue;
        TK_ROWS_NAME(round_span)(&prepared[f], &grids[f], current, values, n, rounded, codes);
        TK_ROWS_NAME(sum_and_count_span)(NULL, x_double, rounded, codes, n, &sums[f], &counters[f]);
        if (!shared_squares) {
          vector_sums *own = &sums[f];
          for (int64_t i = 0; i < n; i += 8) {
            const __m256d v0 = _mm256_load_pd(x_double + i), v1 = _mm256_load_pd(x_double + i + 4);
            own->ssx0 = _mm256_fmadd_pd(v0, v0, own->ssx0);
            own->ssx1 = _mm256_fmadd_pd(v1, v1, own->ssx1);
          }
        }
      }
      if (span == 0 && has_next) {
        for (int32_t f = 0; f < formats; f++) {
          TK_ROWS_NAME(settle_group)(
            &states[f], &prepared[f], &grids[f], caches[f], x, dtype, next_first, next_count, next_amax_bits,
            fixed_amax, &starts[f][(g + 1) & 1]);
        }
      }
    }
    if ((whole == 0 || vector_formats == 0) && has_next) {
      for (int32_t f = 0; f < formats; f++) {
        TK_ROWS_NAME(settle_group)(
          &states[f], &prepared[f], &grids[f], caches[f], x, dtype, next_first, next_count, next_amax_bits,
          fixed_amax, &starts[f][(g + 1) & 1]);
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
    TK_ROWS_NAME(add_to_state)(&states[f], &counters[f], &sums[f], vectorized[f]);
  }
}

/// quantize_rows_many_body with its dtype fixed.
__attribute__((target(TK_ROWS_TARGET))) static void TK_ROWS_NAME(quantize_rows_many)(
  quantize_state *states, int32_t formats, const void *x, int32_t dtype, int64_t rows, int64_t row_length,
  int64_t group, float fixed_amax) {
  switch (dtype) {
    case TK_F32:
      TK_ROWS_NAME(quantize_rows_many_body)(states, formats, x, TK_F32, rows, row_length, group, fixed_amax);
      break;
    case TK_BF16:
      TK_ROWS_NAME(quantize_rows_many_body)(states, formats, x, TK_BF16, rows, row_length, group, fixed_amax);
      break;
    default:
      TK_ROWS_NAME(quantize_rows_many_body)(states, formats, x, TK_F16, rows, row_length, group, fixed_amax);
      break;
  }
}

#undef TK_ROWS_TARGET
#undef TK_ROWS_NAME
