#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fbkit.h"

/*
 * Wall time, or with --cpu-time the thread's own CPU time, which leaves
 * out the time other programs held the core (on a shared 2-core machine
 * with a load of 8, most of a wall-clock run's time); what their use of
 * the caches costs stays in either.
 */
static double now(const struct bench_config *cfg)
{
	struct timespec ts;
	clock_gettime(cfg->cpu_time ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* "1.23x faster than NAME" / "0.81x NAME, slower", so the direction is never in doubt. */
static void ratio_text(char *out, size_t size, const char *anchor, double anchor_seconds,
		       double seconds)
{
	double r = anchor_seconds / seconds;
	if (r >= 1)
		snprintf(out, size, "%.2fx %s (faster)", r, anchor);
	else
		snprintf(out, size, "%.2fx %s (slower)", r, anchor);
}

double bench_median(const struct bench_config *cfg, bench_fn run, void *arg)
{
	double *times = calloc((size_t)cfg->repeats, sizeof(*times));
	if (!times || run(arg)) { /* the warm-up also checks the case works */
		free(times);
		return -1;
	}
	for (int i = 0; i < cfg->repeats; i++) {
		double start = now(cfg);
		if (run(arg)) {
			free(times);
			return -1;
		}
		times[i] = now(cfg) - start;
	}
	qsort(times, (size_t)cfg->repeats, sizeof(*times), compare_doubles);
	double median = cfg->repeats % 2 ? times[cfg->repeats / 2]
					 : (times[cfg->repeats / 2 - 1] + times[cfg->repeats / 2]) / 2;
	free(times);
	return median;
}

static double median_of(double *times, int n)
{
	qsort(times, (size_t)n, sizeof(*times), compare_doubles);
	return n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
}

void bench_interleaved(const struct bench_config *cfg, struct bench_case *cases, size_t n)
{
	int reps = cfg->repeats;
	double *times = calloc(n * (size_t)reps, sizeof(*times));
	for (size_t c = 0; c < n; c++)
		cases[c].median = !times || !cases[c].run || cases[c].run(cases[c].arg) ? -1 : 0;
	for (int r = 0; r < reps && times; r++) {
		for (size_t c = 0; c < n; c++) {
			if (cases[c].median < 0)
				continue;
			double start = now(cfg);
			if (cases[c].run(cases[c].arg))
				cases[c].median = -1;
			times[c * (size_t)reps + (size_t)r] = now(cfg) - start;
		}
	}
	for (size_t c = 0; c < n && times; c++)
		if (cases[c].median >= 0)
			cases[c].median = median_of(times + c * (size_t)reps, reps);
	free(times);
}

void bench_header(const char *title)
{
	printf("\n%s\n%-44s %10s %10s  %s\n", title, "case", "median ms", "Mpixel/s", "vs anchor");
}

void bench_row(const struct bench_config *cfg, const char *name, double seconds, double pixels,
	       const char *anchor_name, double anchor_seconds)
{
	if (seconds < 0) {
		printf("%-44s %10s\n", name, "failed");
		return;
	}
	char ratio[96] = "";
	if (anchor_seconds > 0)
		ratio_text(ratio, sizeof(ratio), anchor_name, anchor_seconds, seconds);
	printf("%-44s %10.3f %10.1f  %s\n", name, seconds * 1e3, pixels / seconds / 1e6, ratio);
	if (cfg->machine)
		printf("BENCH case=\"%s\" median_s=%.9f mpixel_s=%.3f anchor=\"%s\" speedup=%.4f\n", name,
		       seconds, pixels / seconds / 1e6, anchor_name ? anchor_name : "",
		       anchor_seconds > 0 ? anchor_seconds / seconds : 0.0);
	fflush(stdout);
}

void bench_row2(const struct bench_config *cfg, const char *name, double seconds, double pixels,
		const char *anchor1, double seconds1, const char *anchor2, double seconds2)
{
	if (seconds <= 0) {
		printf("%-44s %10s\n", name, "failed");
		return;
	}
	char r1[96] = "", r2[96] = "";
	if (anchor1 && seconds1 > 0)
		ratio_text(r1, sizeof(r1), anchor1, seconds1, seconds);
	if (anchor2 && seconds2 > 0)
		ratio_text(r2, sizeof(r2), anchor2, seconds2, seconds);
	printf("%-44s %10.3f %10.1f  %s%s%s\n", name, seconds * 1e3, pixels / seconds / 1e6, r1,
	       *r1 && *r2 ? ", " : "", r2);
	if (cfg->machine)
		printf("BENCH case=\"%s\" median_s=%.9f mpixel_s=%.3f anchor=\"%s\" speedup=%.4f "
		       "anchor2=\"%s\" speedup2=%.4f\n",
		       name, seconds, pixels / seconds / 1e6, seconds1 > 0 && anchor1 ? anchor1 : "",
		       seconds1 > 0 ? seconds1 / seconds : 0.0, seconds2 > 0 && anchor2 ? anchor2 : "",
		       seconds2 > 0 ? seconds2 / seconds : 0.0);
	fflush(stdout);
}

static long status_field_kib(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	char line[256];
	long value = -1;
	size_t len = strlen(field);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':') {
			value = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return value;
}

long bench_peak_rss_kib(void)
{
	return status_field_kib("VmHWM");
}

long bench_file_rss_kib(void)
{
	return status_field_kib("RssFile");
}

void bench_decode_rss(const char *label, bench_fn decode, void *arg, struct fbk_surface **target,
		      int32_t w, int32_t h)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		if (fbk_surface_create(target, w, h, FBK_FORMAT_XRGB8888))
			_exit(1);
		fbk_fill(*target, NULL, FBK_RGB(1, 2, 3)); /* touch every page first */
		long peak0 = bench_peak_rss_kib(), file0 = bench_file_rss_kib();
		if (decode(arg))
			_exit(1);
		long peak1 = bench_peak_rss_kib(), file1 = bench_file_rss_kib();
		printf("  peak RSS, %s: +%ld KiB total, +%ld KiB of it the mapped file, +%ld KiB "
		       "beyond it\n",
		       label, peak1 - peak0, file1 - file0, (peak1 - peak0) - (file1 - file0));
		fflush(stdout); /* _exit skips stdio, and stdout may be a pipe */
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}
