/*
 * The rotation kernels' portable level (rotate_template.c built with the
 * build's own flags) and the choice of level: the one the row kernels use
 * (cpu.c), so FBKIT_SIMD rules both.
 */
#include <string.h>

#include "pixel/pixel_ops.h"
#include "pixel/rotate.h"
#include "pixel/rotate_template.c"

static const struct fbk_rotate_ops portable_rotate = ROTATE_OPS_TABLE("portable");

const struct fbk_rotate_ops *fbk_rotate_ops_portable(void)
{
	return &portable_rotate;
}

const struct fbk_rotate_ops *fbk_rotate_ops(void)
{
	const char *level = fbk_row_ops()->name;
	const struct fbk_rotate_ops *ops = NULL;
	if (!strcmp(level, "avx2"))
		ops = fbk_rotate_ops_avx2();
	else if (strcmp(level, "portable"))
		ops = fbk_rotate_ops_vector();
	return ops ? ops : &portable_rotate;
}
