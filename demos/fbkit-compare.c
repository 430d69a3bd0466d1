/*
 * fbkit-compare: compare a rendered PNG with the expected one, for
 * rendering tests in CI, with any program run as a black box (its
 * FBKIT_SNAPSHOT). Exit 0 when they match within the tolerance, 1 with
 * a one-line summary when they do not, 2 on errors; --update (or
 * FBKIT_UPDATE_GOLDEN=1) writes the actual image over the expected one
 * instead, and says so.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fbkit.h"

#define PROGRAM "fbkit-compare"
#define MAX_IGNORE 64

static void usage(void)
{
	printf("Usage: " PROGRAM " [OPTION]... EXPECTED ACTUAL\n"
	       "Compare two PNG images: exit 0 when they match, 1 when they differ (with a\n"
	       "one-line summary), 2 on errors.\n\n"
	       "  --tolerance N       largest difference of a channel (0-255) that still\n"
	       "                      counts as equal (default 0)\n"
	       "  --max-pixels N      how many pixels may differ beyond it (default 0)\n"
	       "  --ignore X,Y,W,H    leave a rectangle out (a clock); may be repeated\n"
	       "  --region X,Y,W,H    compare only inside this rectangle\n"
	       "  --format FORMAT     compare in the display's pixel format (e.g. RG16):\n"
	       "                      EXPECTED is rounded to what it can store first\n"
	       "  --diff OUT.png      when they differ, write the differences in red over\n"
	       "                      a dimmed ACTUAL\n"
	       "  --update            write ACTUAL over EXPECTED when they differ (or\n"
	       "                      EXPECTED is missing), and say so\n"
	       "  -h, --help          show this help\n"
	       "  -V, --version       show the version\n\n"
	       "FBKIT_UPDATE_GOLDEN=1 in the environment does what --update does.\n");
}

/* A whole decimal number no larger than max. */
static bool parse_number(const char *text, uint64_t max, uint64_t *out)
{
	if (!text || *text < '0' || *text > '9')
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* "X,Y,W,H" with X, Y >= 0 and W, H >= 1. */
static bool parse_rect(const char *text, struct fbk_rect *r)
{
	int32_t v[4];
	const char *p = text;
	for (int i = 0; i < 4; i++) {
		const char *comma = strchr(p, ',');
		char part[16];
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if ((comma != NULL) != (i < 3) || n == 0 || n >= sizeof(part))
			return false;
		memcpy(part, p, n);
		part[n] = '\0';
		uint64_t value;
		if (!parse_number(part, INT32_MAX, &value) || (i >= 2 && value == 0))
			return false;
		v[i] = (int32_t)value;
		p = comma ? comma + 1 : p + n;
	}
	*r = (struct fbk_rect){ v[0], v[1], v[2], v[3] };
	return true;
}

static bool update_asked(bool flag)
{
	const char *env = getenv("FBKIT_UPDATE_GOLDEN");
	return flag || (env && *env && strcmp(env, "0"));
}

static int update(const struct fbk_surface *actual, const char *expected_path,
		  const char *actual_path, const char *why)
{
	if (fbk_png_save(actual, expected_path)) {
		fprintf(stderr, PROGRAM ": cannot update %s: %s\n", expected_path, fbk_last_error());
		return 2;
	}
	printf(PROGRAM ": updated %s from %s (%s)\n", expected_path, actual_path, why);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tolerance", required_argument, NULL, 't' },
		{ "max-pixels", required_argument, NULL, 'm' },
		{ "ignore", required_argument, NULL, 'i' },
		{ "region", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "diff", required_argument, NULL, 'd' },
		{ "update", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct fbk_rect ignore[MAX_IGNORE];
	struct fbk_compare_options opt = FBK_COMPARE_OPTIONS_INIT(.ignore = ignore);
	const char *diff_path = NULL;
	uint32_t format = 0;
	bool update_flag = false;
	uint64_t value;
	int c;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!parse_number(optarg, 255, &value))
				return cli_usage_error(PROGRAM, "--tolerance '%s': want 0 to 255",
						       optarg);
			opt.tolerance = (uint32_t)value;
			break;
		case 'm':
			if (!parse_number(optarg, UINT64_MAX, &value))
				return cli_usage_error(PROGRAM, "--max-pixels '%s': want a count",
						       optarg);
			opt.max_pixels = value;
			break;
		case 'i':
			if (opt.ignore_count == MAX_IGNORE)
				return cli_usage_error(PROGRAM, "more than %d --ignore rectangles",
						       MAX_IGNORE);
			if (!parse_rect(optarg, &ignore[opt.ignore_count]))
				return cli_usage_error(PROGRAM, "--ignore '%s': want X,Y,W,H "
						       "(W and H at least 1)", optarg);
			opt.ignore_count++;
			break;
		case 'r':
			if (!parse_rect(optarg, &opt.region))
				return cli_usage_error(PROGRAM, "--region '%s': want X,Y,W,H "
						       "(W and H at least 1)", optarg);
			break;
		case 'f': {
			const struct fbk_format_info *info = fbk_format_by_name(optarg);
			if (!info)
				return cli_usage_error(PROGRAM, "--format '%s': unknown format "
						       "(fbkit-info lists the display's)", optarg);
			format = info->fourcc;
			opt.flags |= FBK_COMPARE_QUANTIZE;
			break;
		}
		case 'd': diff_path = optarg; break;
		case 'u': update_flag = true; break;
		case 'h': usage(); return 0;
		case 'V': cli_version(PROGRAM); return 0;
		default: return cli_usage_error(PROGRAM, NULL);
		}
	}
	if (argc - optind < 2)
		return cli_usage_error(PROGRAM, "want two images: EXPECTED and ACTUAL");
	if (argc - optind > 2)
		return cli_usage_error(PROGRAM, "unexpected argument '%s'", argv[optind + 2]);
	const char *expected_path = argv[optind], *actual_path = argv[optind + 1];
	bool updating = update_asked(update_flag);

	struct fbk_surface *expected = NULL, *actual = NULL, *diff = NULL;
	int status = 2;
	if (fbk_png_load(&actual, actual_path, format)) {
		fprintf(stderr, PROGRAM ": %s\n", fbk_last_error());
		goto out;
	}
	int err = fbk_png_load(&expected, expected_path, 0);
	if (err == -ENOENT && updating) {
		status = update(actual, expected_path, actual_path, "it did not exist");
		goto out;
	}
	if (err) {
		fprintf(stderr, PROGRAM ": %s%s\n", fbk_last_error(),
			err == -ENOENT ? " (--update writes it from ACTUAL)" : "");
		goto out;
	}
	if (updating && (expected->width != actual->width || expected->height != actual->height)) {
		status = update(actual, expected_path, actual_path, "its size differed");
		goto out;
	}
	struct fbk_compare_result r = FBK_COMPARE_RESULT_INIT;
	int same = fbk_compare(expected, actual, &opt, &r);
	if (same < 0) {
		fprintf(stderr, PROGRAM ": %s\n", fbk_last_error());
		goto out;
	}
	if (diff_path && same == 1) {
		if (fbk_compare_diff(&diff, expected, actual, &opt) || fbk_png_save(diff, diff_path)) {
			fprintf(stderr, PROGRAM ": --diff %s: %s\n", diff_path, fbk_last_error());
			goto out;
		}
	}
	if (same == 0) {
		status = 0;
		goto out;
	}
	if (updating) {
		char why[64];
		snprintf(why, sizeof(why), "%" PRIu64 " pixels differed", r.differing);
		status = update(actual, expected_path, actual_path, why);
		goto out;
	}
	printf("%s: %" PRIu64 " of %" PRIu64 " pixels differ (allowed %" PRIu64 "), worst "
	       "channel difference %u at %d,%d (tolerance %u), within %d,%d %dx%d%s%s\n",
	       actual_path, r.differing, r.compared, opt.max_pixels, r.worst, (int)r.worst_x,
	       (int)r.worst_y, opt.tolerance, (int)r.bounds.x, (int)r.bounds.y, (int)r.bounds.w,
	       (int)r.bounds.h, diff_path ? "; diff: " : "", diff_path ? diff_path : "");
	status = 1;
out:
	fbk_surface_destroy(diff);
	fbk_surface_destroy(expected);
	fbk_surface_destroy(actual);
	return status;
}
