/*
 * The row kernels built for the vector unit every CPU of the architecture
 * has: SSE2 on x86-64, NEON (Advanced SIMD) on AArch64. meson builds this
 * file with -O3, where gcc vectorizes the loops of rows_template.c; the
 * source is the portable one, so results are identical.
 */
#include "pixel/pixel_ops.h"

#if defined(__x86_64__) || defined(__aarch64__)
#include "pixel/rows_template.c"

#if defined(__x86_64__)
#define LEVEL_NAME "sse2"
#else
#define LEVEL_NAME "neon"
#endif

static const struct fbk_row_ops vector_ops = ROW_OPS_TABLE(LEVEL_NAME);

const struct fbk_row_ops *fbk_row_ops_vector(void)
{
	return &vector_ops;
}
#else
/* Other architectures: no vector level (yet); the portable one is used. */
const struct fbk_row_ops *fbk_row_ops_vector(void)
{
	return NULL;
}
#endif
