/*
 * fbkit-bench: times fbkit against the libraries people would otherwise
 * use, in the same run on the same data, and prints the ratios. Not a
 * test: nothing here passes or fails.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "fbkit.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: fbkit-bench [--repeats N] [--machine] [--only TEXT] [--testdata DIR]\n"
		     "                   [--cpu-time] [GROUP]...\n"
		     "Groups: draw shapes text rotate png jpeg (default: all)\n"
		     "  --repeats N     timed runs per case, median reported (default 9)\n"
		     "  --machine       also print BENCH key=value lines\n"
		     "  --only TEXT     draw: only the OVER and SRC rows whose name contains TEXT\n"
		     "                  (fill: only the whole-frame fills)\n"
		     "  --testdata DIR  folder with photos/ (default $FBKIT_TESTDATA or ../shared/testdata)\n"
		     "  --cpu-time      time CPU used, not wall time (a machine others are busy on)\n"
		     "  -h, --help      show this help\n"
		     "  -V, --version   show the version\n");
}

/* As the tools in demos/ do: one line (unless getopt said it), where to read more, status 2. */
static int usage_error(const char *group)
{
	if (group)
		fprintf(stderr, "fbkit-bench: unknown group '%s'\n", group);
	fprintf(stderr, "Try 'fbkit-bench --help' for more information.\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "repeats", required_argument, NULL, 'r' },
		{ "machine", no_argument, NULL, 'm' },
		{ "only", required_argument, NULL, 'o' },
		{ "testdata", required_argument, NULL, 't' },
		{ "cpu-time", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_config cfg = { .repeats = 9 };
	const char *testdata = getenv("FBKIT_TESTDATA");
	if (!testdata || !*testdata)
		testdata = "../shared/testdata";
	int c;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': cfg.repeats = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
		case 'm': cfg.machine = true; break;
		case 'o': cfg.only = optarg; break;
		case 't': testdata = optarg; break;
		case 'c': cfg.cpu_time = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("fbkit-bench (fbkit) %s\n", fbk_version()); return 0;
		default: return usage_error(NULL);
		}
	}
	bool all = optind == argc;
	int status = 0;
	bool want_draw = all, want_shapes = all, want_text = all, want_rotate = all,
	     want_png = all, want_jpeg = all;
	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "draw")) {
			want_draw = true;
		} else if (!strcmp(argv[i], "shapes")) {
			want_shapes = true;
		} else if (!strcmp(argv[i], "text")) {
			want_text = true;
		} else if (!strcmp(argv[i], "rotate")) {
			want_rotate = true;
		} else if (!strcmp(argv[i], "png")) {
			want_png = true;
		} else if (!strcmp(argv[i], "jpeg")) {
			want_jpeg = true;
		} else {
			return usage_error(argv[i]);
		}
	}
	if (want_draw)
		status |= bench_draw(&cfg) != 0;
	if (want_shapes)
		status |= bench_shapes(&cfg) != 0;
	if (want_text)
		status |= bench_text(&cfg) != 0;
	if (want_rotate)
		status |= bench_rotate(&cfg) != 0;
	if (want_png)
		status |= bench_png(&cfg, testdata) != 0;
	if (want_jpeg)
		status |= bench_jpeg(&cfg, testdata) != 0;
	return status;
}
