/*
 * Benchmark plumbing: run a case repeatedly, keep the median, and print
 * rows as ratios to an anchor timed in the same run on the same data.
 */
#ifndef FBK_BENCH_TIMING_H
#define FBK_BENCH_TIMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fbk_surface;

struct bench_config {
	int repeats;       /* timed runs per case; the median is reported */
	bool machine;      /* also print "BENCH name=value ..." lines */
	const char *only;  /* draw: only the OVER and SRC rows whose name contains this,
			      or with "fill" only the whole-frame fills */
	bool cpu_time;     /* time the thread's CPU time instead of the wall clock */
};

/* A case: run(arg) does the work once; returns 0, or non-zero to abort the row. */
typedef int (*bench_fn)(void *arg);

/* Median seconds of cfg->repeats runs after one warm-up; negative on failure. */
double bench_median(const struct bench_config *cfg, bench_fn run, void *arg);

/* One case of an interleaved set: what to run, and its median once timed. */
struct bench_case {
	bench_fn run;
	void *arg;
	double median; /* seconds; negative when the case failed */
};

/*
 * Time cases round-robin: one warm-up each, then cfg->repeats rounds that
 * run every case once, so load from other processes falls on all of them
 * alike and their ratios stay meaningful on a busy machine. Cases with
 * run == NULL are skipped (median -1).
 */
void bench_interleaved(const struct bench_config *cfg, struct bench_case *cases, size_t n);

/*
 * Print one row: name, median milliseconds, Mpixel/s for `pixels` per run,
 * and the ratio anchor_seconds / seconds (how many times faster than the
 * anchor; > 1 is faster) when anchor_seconds > 0.
 */
void bench_row(const struct bench_config *cfg, const char *name, double seconds, double pixels,
	       const char *anchor_name, double anchor_seconds);

/*
 * As bench_row with two anchors (either may be absent: NULL or <= 0),
 * each printed as "1.23x faster than NAME" or "0.81x NAME (slower)".
 */
void bench_row2(const struct bench_config *cfg, const char *name, double seconds, double pixels,
		const char *anchor1, double seconds1, const char *anchor2, double seconds2);

void bench_header(const char *title);

/* Peak resident set (VmHWM) and file-backed RSS now, in KiB; -1 if unknown. */
long bench_peak_rss_kib(void);
long bench_file_rss_kib(void);

/*
 * In a child process, so nothing earlier counts: create a w x h XRGB8888
 * surface at *target and touch every page of it, then print how much the
 * peak RSS grows while decode(arg) draws into it, less the file pages a
 * mapping brought in. target points into arg, where decode finds it.
 */
void bench_decode_rss(const char *label, bench_fn decode, void *arg, struct fbk_surface **target,
		      int32_t w, int32_t h);

#endif
