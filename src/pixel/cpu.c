/*
 * Choosing the row kernels' implementation level once per process: the
 * best one this CPU runs, unless FBKIT_SIMD (none, sse2/neon, avx2) or
 * FBKIT_DISABLE_SIMD=1 asks for less, which is how the tests run every
 * level on the same cases and how a user rules a fast path out.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

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

/*
 * The string store (rep stosq) pays a start-up of some tens of cycles, and
 * while a row stays in the first-level cache the vector stores of wmemset
 * are as fast. Past it the string store wins (measured on a Xeon: 10-18%
 * at 64 KiB to 1 MiB, 2-3% for a 1080p frame; on AMD Zen the 4K
 * fills ran at 0.64x memset through wmemset's vector loop while memset
 * itself uses rep stosb there), because it writes whole lines without
 * reading them. So rows start using it at the size of the L1 data cache,
 * on CPUs that report fast string stores (ERMS).
 */
static struct fbk_fill_plan plan = { SIZE_MAX };
static pthread_once_t plan_once = PTHREAD_ONCE_INIT;

#define FILL_STRING_MIN_DEFAULT 32768
#define CPUID_7_EBX_ERMS (1u << 9) /* enhanced rep movsb/stosb */

static void plan_fills(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	unsigned eax, ebx, ecx, edx;
	if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) || !(ebx & CPUID_7_EBX_ERMS))
		return;
	size_t min = FILL_STRING_MIN_DEFAULT;
#ifdef _SC_LEVEL1_DCACHE_SIZE
	long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE);
	if (l1 >= 4096 && l1 <= 1 << 20)
		min = (size_t)l1;
#endif
	plan.string_min = min;
#endif
}

const struct fbk_fill_plan *fbk_fill_plan(void)
{
	pthread_once(&plan_once, plan_fills);
	return &plan;
}
