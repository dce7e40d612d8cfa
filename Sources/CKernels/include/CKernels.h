#ifndef TSCOPE_CKERNELS_H
#define TSCOPE_CKERNELS_H
#include <stddef.h>
#include <stdint.h>

/// Version of the C kernel shim; lets Swift check it linked the expected one.
int tscope_ckernels_version(void);

#endif
