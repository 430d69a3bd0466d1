/* The benchmark groups fbkit-bench can run. */
#ifndef FBK_BENCH_H
#define FBK_BENCH_H

#include "timing.h"

/* PNG decoding rows; testdata is the folder holding photos/. -1 when nothing was found. */
int bench_png(const struct bench_config *cfg, const char *testdata);

#endif
