/*
 * Benchmark plumbing: run a case repeatedly, keep the median, and print
 * rows as ratios to an anchor timed in the same run on the same data.
 */
#ifndef FBK_BENCH_TIMING_H
#define FBK_BENCH_TIMING_H

#include <stdbool.h>
#include <stddef.h>

struct bench_config {
	int repeats;       /* timed runs per case; the median is reported */
	bool machine;      /* also print "BENCH name=value ..." lines */
};

/* A case: run(arg) does the work once; returns 0, or non-zero to abort the row. */
typedef int (*bench_fn)(void *arg);

/* Median seconds of cfg->repeats runs after one warm-up; negative on failure. */
double bench_median(const struct bench_config *cfg, bench_fn run, void *arg);

/*
 * Print one row: name, median milliseconds, Mpixel/s for `pixels` per run,
 * and the ratio anchor_seconds / seconds (how many times faster than the
 * anchor; > 1 is faster) when anchor_seconds > 0.
 */
void bench_row(const struct bench_config *cfg, const char *name, double seconds, double pixels,
	       const char *anchor_name, double anchor_seconds);

void bench_header(const char *title);

/* Peak resident set (VmHWM) and file-backed RSS now, in KiB; -1 if unknown. */
long bench_peak_rss_kib(void);
long bench_file_rss_kib(void);

#endif
