/* The benchmark groups fbkit-bench can run. */
#ifndef FBK_BENCH_H
#define FBK_BENCH_H

#include "timing.h"

/* PNG decoding rows; testdata is the folder holding photos/. -1 when nothing was found. */
int bench_png(const struct bench_config *cfg, const char *testdata);

/* JPEG decoding of a 4K photo made from testdata (or the repository's backdrop); -1 on setup failure. */
int bench_jpeg(const struct bench_config *cfg, const char *testdata);

/* Drawing rows against memset/memcpy, pixman and Cairo; 0, or -1 on setup failure. */
int bench_draw(const struct bench_config *cfg);

/* Anti-aliased shapes against Cairo and the aliased box; 0, or -1 on setup failure. */
int bench_shapes(const struct bench_config *cfg);

/* TrueType text against Cairo (cairo-ft) and SDL2_ttf; 0, or -1 on setup failure. */
int bench_text(const struct bench_config *cfg);

/* Rotated presents against memcpy of the same bytes; 0. */
int bench_rotate(const struct bench_config *cfg);

#endif
