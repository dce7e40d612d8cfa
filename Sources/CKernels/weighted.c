// Importance-weighted error sums (imatrix SQNR): run only when an importance matrix is given.
#include "tk_internal.h"

#include <math.h>

void tk_weighted_error(
  const float *x, const float *xhat, const float *weight, int64_t rows, int64_t row_length, double *signal,
  double *error) {
  double total_signal = 0, total_error = 0;
  for (int64_t r = 0; r < rows; r++) {
    const float *row = x + r * row_length;
    const float *rounded = xhat + r * row_length;
    for (int64_t j = 0; j < row_length; j++) {
      const float value = row[j];
      if (!isfinite(value)) continue;
      const double w = weight[j];
      const double difference = (double)value - (double)rounded[j];
      total_signal += w * (double)value * (double)value;
      total_error += w * difference * difference;
    }
  }
  *signal += total_signal;
  *error += total_error;
}
