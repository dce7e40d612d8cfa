#ifndef TSCOPE_COPENBLAS_SHIM_H
#define TSCOPE_COPENBLAS_SHIM_H
// OpenBLAS's CBLAS interface (Debian: libopenblas-dev puts cblas.h on the include path).
#include <cblas.h>

// A threaded OpenBLAS starts its worker threads when it loads, and after loading and after every
// threaded call each one spins on a core of its own for about 0.1 s before it sleeps: on a
// 2-core machine that took one of the cores from tscope's own work at every start. Shutting them
// down stops the spinning; OpenBLAS starts them again for its next threaded call. Weak, so that
// an OpenBLAS without the (long-standing, unprototyped) function links and skips the call.
extern int blas_thread_shutdown_(void) __attribute__((weak));

static inline void tscope_openblas_stop_threads(void) {
  if (blas_thread_shutdown_) blas_thread_shutdown_();
}
#endif
