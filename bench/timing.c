#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double bench_median(const struct bench_config *cfg, bench_fn run, void *arg)
{
	double *times = calloc((size_t)cfg->repeats, sizeof(*times));
	if (!times || run(arg)) { /* the warm-up also checks the case works */
		free(times);
		return -1;
	}
	for (int i = 0; i < cfg->repeats; i++) {
		double start = now();
		if (run(arg)) {
			free(times);
			return -1;
		}
		times[i] = now() - start;
	}
	qsort(times, (size_t)cfg->repeats, sizeof(*times), compare_doubles);
	double median = cfg->repeats % 2 ? times[cfg->repeats / 2]
					 : (times[cfg->repeats / 2 - 1] + times[cfg->repeats / 2]) / 2;
	free(times);
	return median;
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
		snprintf(ratio, sizeof(ratio), "%.2fx %s", anchor_seconds / seconds, anchor_name);
	printf("%-44s %10.3f %10.1f  %s\n", name, seconds * 1e3, pixels / seconds / 1e6, ratio);
	if (cfg->machine)
		printf("BENCH case=\"%s\" median_s=%.9f mpixel_s=%.3f anchor=\"%s\" speedup=%.4f\n", name,
		       seconds, pixels / seconds / 1e6, anchor_name ? anchor_name : "",
		       anchor_seconds > 0 ? anchor_seconds / seconds : 0.0);
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
