/*
 * Choosing the row kernels' implementation level once per process: the
 * best one this CPU runs, unless FBKIT_SIMD (none, sse2/neon, avx2) or
 * FBKIT_DISABLE_SIMD=1 asks for less, which is how the tests run every
 * level on the same cases and how a user rules a fast path out.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "pixel/pixel_ops.h"

static const struct fbk_row_ops *chosen;
static pthread_once_t chosen_once = PTHREAD_ONCE_INIT;

bool fbk_cpu_has_avx2(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
#else
	return false;
#endif
}

/* Levels from best to worst; NULL entries are not built here or not supported by the CPU. */
static void choose(void)
{
	const struct fbk_row_ops *avx2 = fbk_cpu_has_avx2() ? fbk_row_ops_avx2() : NULL;
	const struct fbk_row_ops *vector = fbk_row_ops_vector();
	const struct fbk_row_ops *portable = fbk_row_ops_portable();
	const char *want = getenv("FBKIT_SIMD");
	const char *disable = getenv("FBKIT_DISABLE_SIMD");

	chosen = avx2 ? avx2 : vector ? vector : portable;
	if (disable && *disable && strcmp(disable, "0")) {
		chosen = portable;
		return;
	}
	if (!want || !*want)
		return;
	if (!strcmp(want, "none") || !strcmp(want, "portable")) {
		chosen = portable;
	} else if (!strcmp(want, "sse2") || !strcmp(want, "neon") || !strcmp(want, "vector")) {
		chosen = vector ? vector : portable;
	} else if (!strcmp(want, "avx2")) {
		if (!avx2)
			fbk_log(FBK_LOG_WARNING, "FBKIT_SIMD=avx2: not available on this CPU or build; using %s",
				chosen->name);
	} else {
		fbk_log(FBK_LOG_WARNING, "FBKIT_SIMD=%s: unknown (none, sse2, neon or avx2); using %s",
			want, chosen->name);
	}
}

const struct fbk_row_ops *fbk_row_ops(void)
{
	pthread_once(&chosen_once, choose);
	return chosen;
}
