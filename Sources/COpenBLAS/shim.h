#ifndef TSCOPE_COPENBLAS_SHIM_H
#define TSCOPE_COPENBLAS_SHIM_H
// OpenBLAS's CBLAS interface (Debian: libopenblas-dev puts cblas.h on the include path).
#include <cblas.h>
#endif
