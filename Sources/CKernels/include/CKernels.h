#ifndef TSCOPE_CKERNELS_H
#define TSCOPE_CKERNELS_H
#include <stddef.h>
#include <stdint.h>

/// Version of the C kernel shim; lets Swift check it linked the expected one.
int tscope_ckernels_version(void);

/// The kernel's code paths. Every path gives the same results bit for bit (the codes of the same
/// float32 division, the same summation order); they differ only in speed.
typedef enum { TK_PATH_PORTABLE = 0, TK_PATH_AVX2 = 1, TK_PATH_AVX512 = 2 } tk_path;

/// Whether this build and CPU can run `path` (AVX2: AVX2+FMA+F16C; AVX-512: F, BW and VL too).
int32_t tk_path_supported(int32_t path);

/// The path kernels run with: the one set by `tk_set_path`, else the one named by the environment
/// variable TSCOPE_KERNEL (avx512, avx2 or portable) when this CPU has it, else the fastest one.
int32_t tk_active_path(void);

/// Makes every later kernel call run `path`; returns 0, or -1 (and changes nothing) when the CPU
/// lacks it.
int32_t tk_set_path(int32_t path);

/// Element types the kernel reads directly (others are decoded to F32 by TensorIO first).
typedef enum { TK_F32 = 0, TK_F16 = 1, TK_BF16 = 2 } tk_dtype;

/// A codebook prepared for rounding: `count` ascending values and `count - 1` thresholds.
/// The code of y is the number of thresholds strictly below y, so each threshold already
/// encodes its tie rule (the largest float <= the midpoint sends a tie to the lower value,
/// the largest float < the midpoint sends it to the upper one).
typedef struct {
  const float *values;
  const float *thresholds;
  int32_t count;
  /// The largest value: scale = clip * group amax / max_value.
  float max_value;
} tk_codebook;

/// Error sums over finite elements, in double.
typedef struct {
  double sum_sq_err;
  double sum_sq_x;
  double max_abs_err;
  int64_t finite;
  int64_t nonfinite;
} tk_sums;

/// The shape of a run: `rows` rows of `row_length` elements, split into groups of `group`
/// (1...row_length; the tail group of a row is shorter). `fixed_amax >= 0` replaces every
/// group's amax (the whole-tensor group); a negative value means per-group amax.
typedef struct {
  const void *source;
  int32_t dtype;
  int64_t rows;
  int64_t row_length;
  int64_t group;
  float fixed_amax;
  /// With fixed_amax >= 0, the whole-tensor min and max (used by INT4-asym).
  float fixed_min;
  float fixed_max;
} tk_layout;

/// Rounds every element to `codebook` with scale = clip * amax / max_value, adding error sums
/// to `sums`, code counts to `usage` (codebook->count entries) and, when `dequantized` is not
/// NULL, writing rows * row_length dequantized floats there.
void tk_quantize_codebook(
  const tk_layout *layout, const tk_codebook *codebook, float clip, tk_sums *sums, int64_t *usage,
  float *dequantized);

/// tk_quantize_codebook for `count` codebooks on one layout (no dequantized output), with the
/// same results bit for bit; on the AVX2 and AVX-512 paths one walk over the groups reads each
/// group once for all of them.
void tk_quantize_codebooks(
  const tk_layout *layout, int32_t count, const tk_codebook *codebooks, const float *clips, tk_sums *sums,
  int64_t *const *usages);

/// Whether the AVX-512 path rounds groups of `codebook` at `clip` on its bucket grid (one
/// compare per element) rather than by quarters: 1 where every threshold lies apart enough
/// (see prepare_grid); always 0 off x86. For tests that both ways are exercised.
int32_t tk_codebook_grid_fits(const tk_codebook *codebook, float clip);

/// Adds, for each clip ratio, the sum of squared errors of rounding with that ratio to `sse`.
void tk_clip_search_codebook(
  const tk_layout *layout, const tk_codebook *codebook, const float *ratios, int32_t ratio_count,
  double *sse);

/// Block-scaled and asymmetric formats (their own rules, SPEC §3).
typedef enum { TK_INT4_ASYM = 0, TK_MXFP4 = 1, TK_NVFP4 = 2 } tk_block_format;

/// Rounds every element by `format`'s recipe. For TK_INT4_ASYM, groups are `layout->group`
/// (clip scales the group's min and max; usage has 16 entries, the codes 0...15). For the
/// E2M1 block formats the block is 32 (MXFP4) or 16 (NVFP4) and usage has 15 entries, the E2M1
/// values -6...6. `tensor_amax` is NVFP4's tensor-wide amax (ignored otherwise).
void tk_quantize_block(
  const tk_layout *layout, int32_t format, float clip, float tensor_amax, tk_sums *sums, int64_t *usage,
  float *dequantized);

/// An OCP MX element type: `exponent_bits` (0 for MXINT8), `mantissa_bits` (fraction bits; 6
/// for MXINT8), `emax` (exponent of its largest power of two), `max_normal` (it saturates there)
/// and `magnitude_count` (its non-negative values, zero included).
typedef struct {
  int32_t exponent_bits;
  int32_t mantissa_bits;
  int32_t emax;
  float max_normal;
  int32_t magnitude_count;
} tk_mx_element;

/// The shared-exponent rules: the OCP spec's floor(log2 amax) - emax, cuBLAS/torchao's
/// ceil(log2(amax / max_normal)), torchao's EVEN (amax rounded to the element's mantissa first).
typedef enum { TK_MX_FLOOR = 0, TK_MX_RCEIL = 1, TK_MX_EVEN = 2 } tk_mx_rule;

/// Rounds every element in blocks of 32 along the row under an E8M0 scale from `rule`, ties to
/// even, saturating. `usage` has 2 * magnitude_count - 1 entries, the element values ascending.
void tk_quantize_mx(
  const tk_layout *layout, const tk_mx_element *element, int32_t rule, tk_sums *sums, int64_t *usage,
  float *dequantized);

/// The NVFP4 variants of mit-han-lab/fouroversix's reference (blocks of 16, E4M3 block scales).
typedef enum { TK_NV_FOUR_OVER_SIX = 0, TK_NV_INT4 = 1, TK_NV_INT_FLOAT = 2 } tk_nv_variant;

/// Rounds every element by `variant`; `tensor_amax` is the tensor-wide amax. `usage` has 15
/// entries (E2M1 values, or INT4 -7...7) or, for IF4, 27 (E2M1 and INT4 * 6/7 merged).
void tk_quantize_nv_variant(
  const tk_layout *layout, int32_t variant, float tensor_amax, tk_sums *sums, int64_t *usage, float *dequantized);

/// llama.cpp's legacy block types and K-quants (ggml-quants.c's reference recipes).
typedef enum {
  TK_GGML_Q4_0 = 0,
  TK_GGML_Q4_1 = 1,
  TK_GGML_Q5_0 = 2,
  TK_GGML_Q5_1 = 3,
  TK_GGML_Q8_0 = 4,
  TK_GGML_Q2_K = 5,
  TK_GGML_Q3_K = 6,
  TK_GGML_Q4_K = 7,
  TK_GGML_Q5_K = 8,
  TK_GGML_Q6_K = 9,
  TK_GGML_IQ4_NL = 10,
  TK_GGML_IQ4_XS = 11,
  TK_GGML_IQ2_XXS = 12,
  TK_GGML_IQ2_XS = 13,
  TK_GGML_IQ2_S = 14,
  TK_GGML_IQ3_XXS = 15,
  TK_GGML_IQ3_S = 16,
  TK_GGML_IQ1_S = 17,
  TK_GGML_IQ1_M = 18,
  TK_GGML_MXFP4 = 19,
  TK_GGML_NVFP4 = 20,
  TK_GGML_TQ1_0 = 21,
  TK_GGML_TQ2_0 = 22,
  TK_GGML_Q1_0 = 23,
  TK_GGML_Q2_0 = 24
} tk_ggml_type;

/// The column importance llama-quantize quantizes with (`--imatrix`): row r of the layout takes
/// `values + min((first_row + r) / rows_per_expert, experts − 1) · row_length`.
typedef struct {
  const float *values;
  int64_t rows_per_expert;
  int64_t experts;
  int64_t first_row;
} tk_ggml_importance;

/// Rounds every element as llama-quantize does, in blocks of 32 (legacy types, IQ4_NL, MXFP4), 64
/// (NVFP4, Q2_0), 128 (Q1_0) or super-blocks of 256 (K-quants, IQ4_XS, the lattice and ternary types) along the row, a
/// row's shorter tail as one block (a lattice type's padded with zeros); scales from each block's
/// finite elements. Without `importance` (NULL), the path llama-quantize takes for a tensor without
/// an imatrix entry (`quantize_row_<type>_ref`; IQ4's own search weighted by x²; the lattice types'
/// `_impl` without weights); with it, the imatrix path (`quantize_row_<type>_impl`; Q8_0, MXFP4,
/// NVFP4, TQ1_0, TQ2_0, Q1_0 and Q2_0 have none and ignore it); values as `dequantize_row_<type>`. `usage`
/// counts ggml's stored codes: 16 (Q4_0, Q4_1, Q4_K, the IQ4 and FP4 types' value indices, IQ3's
/// signed grid values), 32 (Q5_0, Q5_1, Q5_K), 255 (Q8_0, −127…127), 4 (Q2_K), 8 (Q3_K), 64 (Q6_K),
/// 6 (IQ2's signed grid values), 3 (IQ1, TQ: −1, 0, 1), 2 (Q1_0: −, +) or 4 (Q2_0: −1, 0, 1, 2) entries.
void tk_quantize_ggml(
  const tk_layout *layout, int32_t type, const tk_ggml_importance *importance, tk_sums *sums, int64_t *usage,
  float *dequantized);

/// The index of the IQ4 value (ggml's `kvalues_iq4nl`, −127 … 113) nearest `x`, a tie to the larger:
/// ggml's `best_index_int8`, without branches (what the IQ4_NL/IQ4_XS searches round with).
int tk_iq4_index(float x);

/// Smallest and largest finite element of `count` elements (both 0 when none).
void tk_min_max(const void *source, int32_t dtype, int64_t count, float *minimum, float *maximum);

/// Adds a histogram of `count` elements (finite ones only) over [low, high) with `bins` bins;
/// values outside the range are clamped into the first or last bin.
void tk_histogram(
  const void *source, int32_t dtype, int64_t count, double low, double high, int32_t bins, int64_t *counts);

/// The sum of `bytes` bytes read as 64-bit words (the tail bytes one by one): a plain read of
/// memory at full speed, the ceiling `bench read` measures the kernel against.
uint64_t tk_sum_bytes(const void *source, int64_t bytes);

/// Adds Σ w_j·x² and Σ w_j·(x − x̂)² over `rows` rows of `row_length` finite elements of x (the
/// same `weight` vector for every row) to `signal` and `error`: the imatrix-weighted error.
void tk_weighted_error(
  const float *x, const float *xhat, const float *weight, int64_t rows, int64_t row_length, double *signal,
  double *error);

#endif
