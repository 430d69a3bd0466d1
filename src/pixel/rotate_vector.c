/*
 * The rotation kernels built for the vector unit every CPU of the
 * architecture has (SSE2, NEON), with -O3 as rows_vector.c: the same
 * template as the portable level.
 */
#include "pixel/rotate.h"

#if defined(__x86_64__) || defined(__aarch64__)
#include "pixel/rotate_template.c"

#if defined(__x86_64__)
#define LEVEL_NAME "sse2"
#else
#define LEVEL_NAME "neon"
#endif

static const struct fbk_rotate_ops vector_rotate = ROTATE_OPS_TABLE(LEVEL_NAME);

const struct fbk_rotate_ops *fbk_rotate_ops_vector(void)
{
	return &vector_rotate;
}
#else
const struct fbk_rotate_ops *fbk_rotate_ops_vector(void)
{
	return NULL;
}
#endif
