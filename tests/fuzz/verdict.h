/*
 * What a fuzz target made of the input it was last given, so that the
 * corpus replay (replay_main.c) can hold it against the file's name.
 * Each target defines fuzz_verdict and sets it on every call; libFuzzer
 * never reads it.
 */
#ifndef FUZZ_VERDICT_H
#define FUZZ_VERDICT_H

enum fuzz_verdict {
	/* The target could not judge: what would decide is not built in. */
	FUZZ_UNJUDGED,
	/* Nothing the target checks refused the input. */
	FUZZ_ACCEPTED,
	/* The library refused the input (an error, never a crash). */
	FUZZ_REJECTED,
};

extern enum fuzz_verdict fuzz_verdict;

#endif
