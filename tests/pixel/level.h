/*
 * The --level NAME cases of the pixel tests (rows_vector, rotate_avx2 ...):
 * which of a table's SIMD levels the case asks for, or a skip saying why
 * this build or CPU lacks it.
 */
#ifndef FBK_TEST_LEVEL_H
#define FBK_TEST_LEVEL_H

#include <string.h>

#include "harness.h"
#include "pixel/pixel_ops.h"

/* vector and avx2: the levels' tables (either NULL when not built); NULL for an unknown name. */
static inline const void *level_asked(const char *name, const void *vector, const void *avx2)
{
	if (!strcmp(name, "vector")) {
		if (!vector)
			SKIP("no vector level on this architecture; only the portable one exists");
		return vector;
	}
	if (!strcmp(name, "avx2")) {
		if (!avx2)
			SKIP("the AVX2 level is not built for this architecture");
		if (!fbk_cpu_has_avx2())
			SKIP("this CPU has no AVX2");
		return avx2;
	}
	CHECK(0, "unknown level '%s' (vector or avx2)", name);
	return NULL;
}

#endif
