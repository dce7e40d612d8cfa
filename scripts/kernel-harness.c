// One core's time for the codebook kernel (tk_quantize_codebook, tk_quantize_codebooks), without
// Swift, threads or file reading: ns per element and a checksum of the results. Built and run by
// scripts/bench-kernel-c, which compares source trees on the same machine.
//
//   kernel-harness DTYPE GROUP FORMATS OUT [ROWS] [REPEATS]
//     DTYPE    f32 | bf16
//     GROUP    elements per group (each with its own amax)
//     FORMATS  0: one format (NF4); N: N formats in one call (NF4 at clip ratios 1, 0.99, …)
//     OUT      1: write x̂ too (one format only)
//     ROWS     rows of 11008 Student's t-like elements (default 4096: 45M, from memory)
//     REPEATS  timed calls; the fastest is reported (default 9)
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "CKernels.h"

static double seconds(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: kernel-harness f32|bf16 GROUP FORMATS OUT [ROWS] [REPEATS]\n");
    return 2;
  }
  const int bf16 = strcmp(argv[1], "bf16") == 0;
  const int64_t group = atoll(argv[2]);
  const int formats = atoi(argv[3]);
  const int write_out = atoi(argv[4]);
  const int64_t rows = argc > 5 ? atoll(argv[5]) : 4096, columns = 11008, count = rows * columns;
  const int repeats = argc > 6 ? atoi(argv[6]) : 9;
  if (group < 1 || formats < 0 || formats > 16 || rows < 1 || repeats < 1 || (write_out && formats)) {
    fprintf(stderr, "kernel-harness: bad arguments\n");
    return 2;
  }
  float *x = malloc((size_t)count * 4);
  uint16_t *halves = malloc((size_t)count * 2);
  float *out = write_out ? malloc((size_t)count * 4) : NULL;
  if (!x || !halves || (write_out && !out)) return 1;
  // A sum of four uniforms, scaled: bell-shaped data with the spread of LLM weights (a fixed LCG).
  uint64_t seed = 1;
  for (int64_t i = 0; i < count; i++) {
    double sum = 0;
    for (int k = 0; k < 4; k++) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      sum += (double)(seed >> 11) / 9007199254740992.0;
    }
    x[i] = (float)((sum - 2) * 0.02);
    uint32_t bits;
    memcpy(&bits, &x[i], 4);
    halves[i] = (uint16_t)(bits >> 16);
  }
  // NF4 (bitsandbytes' table) and its midpoints.
  static const float nf4[16] = {-1, -0.6961928, -0.5250731, -0.3949175, -0.2844414, -0.1847734, -0.09105004, 0,
                                0.0795803, 0.1609302, 0.2461123, 0.3379152, 0.4407098, 0.5626170, 0.7229568, 1};
  float thresholds[15];
  for (int j = 0; j < 15; j++) thresholds[j] = (nf4[j] + nf4[j + 1]) / 2;
  const tk_codebook codebook = {nf4, thresholds, 16, 1.0f};
  const tk_layout layout = {bf16 ? (const void *)halves : (const void *)x, bf16 ? TK_BF16 : TK_F32, rows, columns,
                            group, -1, 0, 0};
  tk_codebook codebooks[16];
  float clips[16];
  tk_sums sums[16];
  int64_t usage[16][16];
  int64_t *usages[16];
  for (int f = 0; f < 16; f++) {
    codebooks[f] = codebook;
    clips[f] = 1.0f - 0.01f * (float)f;
    usages[f] = usage[f];
  }
  double best = INFINITY;
  for (int repeat = 0; repeat < repeats; repeat++) {
    memset(sums, 0, sizeof sums);
    memset(usage, 0, sizeof usage);
    const double start = seconds();
    if (formats) {
      tk_quantize_codebooks(&layout, formats, codebooks, clips, sums, usages);
    } else {
      tk_quantize_codebook(&layout, &codebook, 1.0f, &sums[0], usage[0], out);
    }
    const double elapsed = seconds() - start;
    if (elapsed < best) best = elapsed;
  }
  // The checksum: every format's sums and usage, and x̂, so trees can be compared for equal results.
  uint64_t check = 1469598103934665603ULL;
  for (int f = 0; f < (formats ? formats : 1); f++) {
    const double values[3] = {sums[f].sum_sq_err, sums[f].sum_sq_x, sums[f].max_abs_err};
    for (int k = 0; k < 3; k++) {
      uint64_t bits;
      memcpy(&bits, &values[k], 8);
      check = (check ^ bits) * 1099511628211ULL;
    }
    for (int c = 0; c < 16; c++) check = (check ^ (uint64_t)usage[f][c]) * 1099511628211ULL;
  }
  for (int64_t i = 0; out && i < count; i++) {
    uint32_t bits;
    memcpy(&bits, &out[i], 4);
    check = (check ^ bits) * 1099511628211ULL;
  }
  printf("%.4f %016llx\n", best / (double)count * 1e9 / (formats ? formats : 1), (unsigned long long)check);
  return 0;
}
