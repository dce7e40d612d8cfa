// ggml-quants.c's scale searches on eight sub-blocks (or blocks) at once, one per vector lane
// (the compiler's vector extension: two SSE registers on the baseline ISA, one AVX register with
// AVX2, chosen at run time as the kernel's paths are, `TSCOPE_KERNEL`). ggml's search cannot be
// vectorized in place: each of up to 37 trial scales waits on one float addition after another.
// Here every lane does its own sub-block's operations in ggml's order (no FMA, no reassociation),
// so the results are those of ggml_searches.c's scalar functions bit for bit; only the eight
// dependency chains run side by side.
#include <stdatomic.h>
#include <stdlib.h>

#include "ggml_search.h"

int tk_ggml_search_lanes_enabled(void) {
  static _Atomic int decided = -1;
  int value = atomic_load_explicit(&decided, memory_order_relaxed);
  if (value < 0) {
    const char *forced = getenv("TSCOPE_GGML_SEARCH");
    value = !(forced && strcmp(forced, "scalar") == 0);
    atomic_store_explicit(&decided, value, memory_order_relaxed);
  }
  return value;
}

// The lane helpers pass 32-byte vectors by value; they are always inlined, so the ABI of such
// arguments without AVX (what -Wpsabi warns about) never applies.
#pragma clang diagnostic ignored "-Wpsabi"

/// Eight floats or ints, one lane per sub-block (the compiler's vector extension: two SSE registers
/// on the baseline ISA, one AVX register with AVX2). Lane arithmetic is IEEE per lane, as scalar.
typedef float lane_floats __attribute__((vector_size(32)));
typedef int32_t lane_ints __attribute__((vector_size(32)));

static inline __attribute__((always_inline)) lane_floats lane_splat(float value) {
  return (lane_floats){value, value, value, value, value, value, value, value};
}

static inline __attribute__((always_inline)) lane_ints lane_splat_int(int32_t value) {
  return (lane_ints){value, value, value, value, value, value, value, value};
}

/// `mask ? yes : no` per lane (mask lanes all ones or all zeros, as comparisons give).
static inline __attribute__((always_inline)) lane_ints lane_select_int(lane_ints mask, lane_ints yes, lane_ints no) {
  return (yes & mask) | (no & ~mask);
}

static inline __attribute__((always_inline)) lane_floats lane_select(lane_ints mask, lane_floats yes, lane_floats no) {
  return (lane_floats)lane_select_int(mask, (lane_ints)yes, (lane_ints)no);
}

/// `nearest_int` per lane.
static inline __attribute__((always_inline)) lane_ints lane_nearest(lane_floats value) {
  const lane_floats shifted = value + lane_splat(12582912.0f);
  return ((lane_ints)shifted & lane_splat_int(0x007fffff)) - lane_splat_int(0x00400000);
}

static inline __attribute__((always_inline)) lane_ints lane_clamp(lane_ints value, int32_t high) {
  const lane_ints low = lane_select_int(value < lane_splat_int(0), lane_splat_int(0), value);
  return lane_select_int(low > lane_splat_int(high), lane_splat_int(high), low);
}

static inline __attribute__((always_inline)) lane_floats lane_abs(lane_floats value) {
  return (lane_floats)((lane_ints)value & lane_splat_int(0x7fffffff));
}

/// Sub-block k's element i (at `x[k·stride + i]`) into lane k of `xt[i]`, its weight likewise (x²
/// when `weights` is NULL).
static inline __attribute__((always_inline)) void lane_transpose(
  int n, int stride, const float *x, const float *weights, lane_floats *xt, lane_floats *wt) {
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < lanes; ++k) {
      xt[i][k] = x[k * stride + i];
      wt[i][k] = weights ? weights[k * stride + i] : x[k * stride + i] * x[k * stride + i];
    }
  }
}

/// Each lane's first element of the largest magnitude, with its sign (ggml's `if (ax > amax)`
/// scan); that magnitude into `amax`.
static inline __attribute__((always_inline)) lane_floats lane_largest_magnitude(
  int n, const lane_floats *xt, lane_floats *amax) {
  lane_floats largest = lane_splat(0), max = lane_splat(0);
  for (int i = 0; i < n; ++i) {
    const lane_floats ax = lane_abs(xt[i]);
    const lane_ints larger = ax > largest;
    largest = lane_select(larger, ax, largest);
    max = lane_select(larger, xt[i], max);
  }
  *amax = largest;
  return max;
}

/// `make_qkx2_quants` (`qkx3` 0) or `make_qkx3_quants` (`qkx3` 1) on eight sub-blocks of `n`
/// elements at once, one per lane: sub-block k's elements at `x + k·stride` (weights likewise),
/// codes to `L + k·stride`, scales and minimums' negations to `scales[k]`, `mins[k]`. Each lane
/// does its sub-block's operations in the scalar function's order, so the results are the same bit
/// for bit; the lanes only take the eight dependency chains of the trial sums side by side (the
/// scalar search waits on one float addition after another: about 50 ns an element).
static inline __attribute__((always_inline)) void asymmetric_search_lanes(
  int qkx3, int n, int nmax, const float *x, const float *weights, int stride, uint8_t *L, float *scales,
  float *mins, float rmin, float rdelta, int nstep, int use_mad) {
  lane_floats xt[32], wt[32];
  lane_ints Lt[32], Laux[32];
  lane_transpose(n, stride, x, weights, xt, wt);
  lane_floats min = xt[0], max = xt[0], sum_w = wt[0];
  lane_floats sum_x = sum_w * xt[0];
  for (int i = 1; i < n; ++i) {
    min = lane_select(xt[i] < min, xt[i], min);
    max = lane_select(xt[i] > max, xt[i], max);
    sum_w += wt[i];
    sum_x += wt[i] * xt[i];
  }
  const lane_floats zero = lane_splat(0), levels = lane_splat((float)nmax);
  min = lane_select(min > zero, zero, min);
  const lane_ints done = qkx3 ? ~(max > min) : max == min;
  const lane_floats first_iscale = levels / (max - min);
  lane_floats scale = lane_splat(1) / first_iscale, best = zero;
  for (int i = 0; i < n; ++i) {
    const lane_ints l = lane_clamp(lane_nearest(first_iscale * (xt[i] - min)), nmax);
    Lt[i] = l;
    lane_floats diff = scale * __builtin_convertvector(l, lane_floats) + min - xt[i];
    diff = use_mad ? lane_abs(diff) : diff * diff;
    best += wt[i] * diff;
  }
  for (int is = 0; nstep >= 1 && is <= nstep; ++is) {
    const lane_floats iscale = lane_splat(rmin + rdelta * is + nmax) / (max - min);
    lane_floats sum_l = zero, sum_l2 = zero, sum_xl = zero;
    for (int i = 0; i < n; ++i) {
      const lane_floats v = iscale * (xt[i] - min);
      lane_ints l;
      if (qkx3) {
        l = lane_select_int(v > zero, lane_nearest(lane_select(v < levels, v, levels)), lane_splat_int(0));
      } else {
        l = lane_clamp(lane_nearest(v), nmax);
      }
      Laux[i] = l;
      const lane_floats lf = __builtin_convertvector(l, lane_floats);
      sum_l += wt[i] * lf;
      sum_l2 += wt[i] * lf * lf;
      sum_xl += wt[i] * lf * xt[i];
    }
    const lane_floats D = sum_w * sum_l2 - sum_l * sum_l;
    const lane_ints solvable = (D > zero) & ~done;
    lane_floats this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
    lane_floats this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
    const lane_ints positive_min = this_min > zero;
    this_scale = lane_select(positive_min, sum_xl / sum_l2, this_scale);
    this_min = lane_select(positive_min, zero, this_min);
    lane_floats error = zero;
    for (int i = 0; i < n; ++i) {
      lane_floats diff = this_scale * __builtin_convertvector(Laux[i], lane_floats) + this_min - xt[i];
      diff = use_mad ? lane_abs(diff) : diff * diff;
      error += wt[i] * diff;
    }
    const lane_ints better = solvable & (error < best);
    best = lane_select(better, error, best);
    scale = lane_select(better, this_scale, scale);
    min = lane_select(better, this_min, min);
    for (int i = 0; i < n; ++i) Lt[i] = lane_select_int(better, Laux[i], Lt[i]);
  }
  scale = lane_select(done, zero, scale);
  for (int k = 0; k < lanes; ++k) {
    mins[k] = -min[k];
    scales[k] = scale[k];
    for (int i = 0; i < n; ++i) L[k * stride + i] = done[k] ? 0 : (uint8_t)Lt[i][k];
  }
}

/// One trial scale of `make_qx_quants` in every lane: codes nmax + clamp(nearest(iscale·x), −nmax,
/// nmax − 1) into `codes`, and Σw·x·l and Σw·l² in element order into `sumlx`, `suml2`.
static inline __attribute__((always_inline)) void symmetric_trial(
  int n, int nmax, const lane_floats *xt, const lane_floats *wt, lane_floats iscale, lane_ints *codes,
  lane_floats *sumlx, lane_floats *suml2) {
  const lane_ints low = lane_splat_int(-nmax), high = lane_splat_int(nmax - 1);
  lane_floats lx = lane_splat(0), l2 = lane_splat(0);
  for (int i = 0; i < n; ++i) {
    lane_ints l = lane_nearest(iscale * xt[i]);
    l = lane_select_int(l < low, low, l);
    l = lane_select_int(l > high, high, l);
    codes[i] = l + lane_splat_int(nmax);
    const lane_floats lf = __builtin_convertvector(l, lane_floats);
    lx += wt[i] * xt[i] * lf;
    l2 += wt[i] * lf * lf;
  }
  *sumlx = lx;
  *suml2 = l2;
}

/// `make_qx_quants` (rmse_type 1) on eight sub-blocks of `n` (16 or 32) at once, one per lane:
/// sub-block k's elements at `x + n·k`, weights likewise (`qw`, or x² when NULL), codes to
/// `L + n·k`, scales to `scales[k]`; each lane in the scalar function's order, as
/// `asymmetric_search_lanes`.
static inline __attribute__((always_inline)) void symmetric_search_lanes(
  int n, int nmax, const float *x, const float *qw, int8_t *L, float *scales) {
  lane_floats xt[32], wt[32];
  lane_ints Lt[32], Laux[32];
  lane_transpose(n, n, x, qw, xt, wt);
  const lane_floats zero = lane_splat(0);
  lane_floats amax;
  const lane_floats max = lane_largest_magnitude(n, xt, &amax);
  const lane_ints done = amax < lane_splat(1e-15f);  // GROUP_MAX_EPS: all zero
  lane_floats sumlx, suml2;
  symmetric_trial(n, nmax, xt, wt, lane_splat((float)-nmax) / max, Lt, &sumlx, &suml2);
  lane_floats scale = lane_select(suml2 != zero, sumlx / suml2, zero);
  lane_floats best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    symmetric_trial(n, nmax, xt, wt, -lane_splat(nmax + 0.1f * is) / max, Laux, &sumlx, &suml2);
    const lane_ints better = (suml2 > zero) & (sumlx * sumlx > best * suml2);
    scale = lane_select(better, sumlx / suml2, scale);
    best = lane_select(better, scale * sumlx, best);
    for (int i = 0; i < n; ++i) Lt[i] = lane_select_int(better, Laux[i], Lt[i]);
  }
  scale = lane_select(done, zero, scale);
  for (int k = 0; k < lanes; ++k) {
    scales[k] = scale[k];
    for (int i = 0; i < n; ++i) L[k * n + i] = done[k] ? 0 : (int8_t)Lt[i][k];
  }
}

/// The lanes compiled for the baseline ISA and for AVX2 (eight lanes, one register each; no FMA, so
/// the same results), chosen at run time as the kernel's paths are (`TSCOPE_KERNEL`).
static void asymmetric_search_lanes_portable(
  int qkx3, int n, int nmax, const float *x, const float *weights, int stride, uint8_t *L, float *scales,
  float *mins, float rmin, float rdelta, int nstep, int use_mad) {
  asymmetric_search_lanes(qkx3, n, nmax, x, weights, stride, L, scales, mins, rmin, rdelta, nstep, use_mad);
}

__attribute__((target("avx2"))) static void asymmetric_search_lanes_avx2(
  int qkx3, int n, int nmax, const float *x, const float *weights, int stride, uint8_t *L, float *scales,
  float *mins, float rmin, float rdelta, int nstep, int use_mad) {
  asymmetric_search_lanes(qkx3, n, nmax, x, weights, stride, L, scales, mins, rmin, rdelta, nstep, use_mad);
}

/// `iq4_index` per lane, with the value it picks.
static inline __attribute__((always_inline)) lane_ints lane_iq4_index(lane_floats x, lane_ints *value) {
  lane_ints index = lane_splat_int(0), picked = lane_splat_int(iq4_values[0]);
  for (int m = 1; m < 16; ++m) {
    const lane_ints reached = (x - lane_splat(iq4_values[m - 1])) >= (lane_splat(iq4_values[m]) - x);
    index -= reached;
    picked += reached & lane_splat_int(iq4_values[m] - iq4_values[m - 1]);
  }
  *value = picked;
  return index;
}

/// One trial scale of the IQ4 search in every lane: each element's nearest value q to id·x, and
/// Σw·q·x and Σw·q² in element order into `sumqx`, `sumq2`.
static inline __attribute__((always_inline)) void iq4_trial(
  int n, const lane_floats *xt, const lane_floats *wt, lane_floats id, lane_floats *sumqx, lane_floats *sumq2) {
  lane_floats qx = lane_splat(0), q2 = lane_splat(0);
  for (int i = 0; i < n; ++i) {
    lane_ints value;
    lane_iq4_index(id * xt[i], &value);
    const lane_floats q = __builtin_convertvector(value, lane_floats);
    qx += wt[i] * q * xt[i];
    q2 += wt[i] * q * q;
  }
  *sumqx = qx;
  *sumq2 = q2;
}

/// `quantize_row_iq4_nl_impl`'s per-block scale search on eight blocks of 32 at once, one per lane
/// (block k's elements and weights at `x + 32·k`, `weight + 32·k`), each lane in ggml's order: the
/// scales to `scales[k]` (0 for a block below 1e-15).
static inline __attribute__((always_inline)) void iq4_search_lanes(
  const float *x, const float *weight, float *scales) {
  enum { n = 32, ntry = 7 };
  lane_floats xt[n], wt[n];
  lane_transpose(n, n, x, weight, xt, wt);
  const lane_floats zero = lane_splat(0);
  lane_floats amax;
  const lane_floats max = lane_largest_magnitude(n, xt, &amax);
  const lane_ints done = amax < lane_splat(1e-15f);  // GROUP_MAX_EPS
  lane_floats d = -max / lane_splat(iq4_values[0]);
  lane_floats sumqx, sumq2;
  iq4_trial(n, xt, wt, lane_splat(1) / d, &sumqx, &sumq2);
  d = lane_select(sumq2 > zero, sumqx / sumq2, zero);
  lane_floats best = d * sumqx;
  for (int itry = -ntry; itry <= ntry; ++itry) {
    iq4_trial(n, xt, wt, lane_splat((float)(itry + iq4_values[0])) / max, &sumqx, &sumq2);
    const lane_ints better = (sumq2 > zero) & (sumqx * sumqx > best * sumq2);
    d = lane_select(better, sumqx / sumq2, d);
    best = lane_select(better, d * sumqx, best);
  }
  d = lane_select(done, zero, d);
  for (int k = 0; k < lanes; ++k) scales[k] = d[k];
}

static void iq4_search_lanes_portable(const float *x, const float *weight, float *scales) {
  iq4_search_lanes(x, weight, scales);
}

__attribute__((target("avx2"))) static void iq4_search_lanes_avx2(const float *x, const float *weight, float *scales) {
  iq4_search_lanes(x, weight, scales);
}


static void symmetric_search_lanes_portable(
  int n, int nmax, const float *x, const float *qw, int8_t *L, float *scales) {
  symmetric_search_lanes(n, nmax, x, qw, L, scales);
}

__attribute__((target("avx2"))) static void symmetric_search_lanes_avx2(
  int n, int nmax, const float *x, const float *qw, int8_t *L, float *scales) {
  symmetric_search_lanes(n, nmax, x, qw, L, scales);
}


void tk_asymmetric_search_lanes(
  int qkx3, int n, int nmax, const float *x, const float *weights, int stride, uint8_t *L, float *scales,
  float *mins, float rmin, float rdelta, int nstep, int use_mad) {
  (tk_have_avx2() ? asymmetric_search_lanes_avx2 : asymmetric_search_lanes_portable)(
    qkx3, n, nmax, x, weights, stride, L, scales, mins, rmin, rdelta, nstep, use_mad);
}

void tk_symmetric_search_lanes(int n, int nmax, const float *x, const float *qw, int8_t *L, float *scales) {
  (tk_have_avx2() ? symmetric_search_lanes_avx2 : symmetric_search_lanes_portable)(n, nmax, x, qw, L, scales);
}

void tk_iq4_search_lanes(const float *x, const float *weight, float *scales) {
  (tk_have_avx2() ? iq4_search_lanes_avx2 : iq4_search_lanes_portable)(x, weight, scales);
}
