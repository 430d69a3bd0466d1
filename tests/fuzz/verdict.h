/*
 * What a fuzz target made of the input it was last given, so that the
 * corpus replay (replay_main.c) can hold it against the file's name.
 * Each target defines fuzz_verdict and sets it on every call; libFuzzer
 * never reads it. REQUIRE is how every target stops on a broken promise.
 */
#ifndef FUZZ_VERDICT_H
#define FUZZ_VERDICT_H

#include <stdio.h>
#include <stdlib.h>

#include "fbkit.h"

enum fuzz_verdict {
	/* The target could not judge: what would decide is not built in. */
	FUZZ_UNJUDGED,
	/* Nothing the target checks refused the input. */
	FUZZ_ACCEPTED,
	/* The library refused the input (an error, never a crash). */
	FUZZ_REJECTED,
};

extern enum fuzz_verdict fuzz_verdict;

/*
 * A target that runs a sequence of steps on one input (fuzz_draw's
 * operations) keeps the one it is at here, so that a failure names it.
 */
static int fuzz_step = -1;

_Noreturn static inline void fuzz_broken(const char *file, int line, const char *cond)
{
	fprintf(stderr, "%s:%d: %s failed", file, line, cond);
	if (fuzz_step >= 0)
		fprintf(stderr, " (step %d)", fuzz_step);
	fprintf(stderr, " (last error: %s)\n", fbk_last_error());
	abort();
}

/*
 * The library broke a promise on this input: say where and why, and abort,
 * which libFuzzer and the replay both report as a crash on the input.
 */
#define REQUIRE(cond)                                            \
	do {                                                     \
		if (!(cond))                                     \
			fuzz_broken(__FILE__, __LINE__, #cond);  \
	} while (0)

#endif
