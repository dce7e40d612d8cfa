#include "CKernels.h"

int tscope_ckernels_version(void) { return 3; }
