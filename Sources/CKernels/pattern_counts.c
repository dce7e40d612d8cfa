// Counts of 16-bit patterns: the one read of an F16/BF16 tensor that answers the explorer's load
// (range, finite count, histogram) and every statistic of the fit, since such a tensor has at
// most 65,536 distinct values.
#include "tk_internal.h"

void tk_count_patterns16(const uint16_t *x, int64_t count, uint32_t *tables) {
  // Four tables, element i counted in table i % 4: a value repeated in a run does not make each
  // increment wait for the store of the one before.
  uint32_t *t0 = tables, *t1 = tables + 65536, *t2 = tables + 2 * 65536, *t3 = tables + 3 * 65536;
  // Eight elements (two words) per iteration: measured 25% faster than four on Zen 3.
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    uint64_t low, high;
    memcpy(&low, x + i, 8);
    memcpy(&high, x + i + 4, 8);
    t0[low & 0xffff] += 1;
    t1[(low >> 16) & 0xffff] += 1;
    t2[(low >> 32) & 0xffff] += 1;
    t3[low >> 48] += 1;
    t0[high & 0xffff] += 1;
    t1[(high >> 16) & 0xffff] += 1;
    t2[(high >> 32) & 0xffff] += 1;
    t3[high >> 48] += 1;
  }
  for (; i < count; i++) {
    uint16_t one;
    memcpy(&one, x + i, 2);
    t0[one] += 1;
  }
}
