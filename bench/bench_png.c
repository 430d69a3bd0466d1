/*
 * PNG rows: fbkit decoding straight into a surface against libpng and
 * libspng decoding the same file alone into an RGBA buffer, in one run.
 */
#include <fcntl.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "fbkit.h"

#if BENCH_HAVE_SPNG
#include <spng.h>
#endif

struct png_case {
	const char *path;
	uint8_t *file;    /* the whole file in memory, for the anchors */
	size_t file_size;
	uint8_t *rgba;    /* anchors decode into this */
	struct fbk_surface *target;
	struct fbk_rect box; /* for fit cases */
	bool fit;
};

static int decode_libpng(void *arg)
{
	struct png_case *c = arg;
	png_image image = { .version = PNG_IMAGE_VERSION };
	if (!png_image_begin_read_from_memory(&image, c->file, c->file_size))
		return 1;
	image.format = PNG_FORMAT_RGBA;
	int ok = png_image_finish_read(&image, NULL, c->rgba, 0, NULL);
	png_image_free(&image);
	return !ok;
}

#if BENCH_HAVE_SPNG
static int decode_libspng(void *arg)
{
	struct png_case *c = arg;
	spng_ctx *ctx = spng_ctx_new(0);
	size_t size;
	int err = !ctx || spng_set_png_buffer(ctx, c->file, c->file_size) ||
		  spng_decoded_image_size(ctx, SPNG_FMT_RGBA8, &size) ||
		  spng_decode_image(ctx, c->rgba, size, SPNG_FMT_RGBA8, SPNG_DECODE_TRNS);
	spng_ctx_free(ctx);
	return err;
}
#endif

/* Open (map), draw, close: everything a program pays to show the file. */
static int decode_fbkit(void *arg)
{
	struct png_case *c = arg;
	struct fbk_png *png;
	if (fbk_png_open(&png, c->path, NULL))
		return 1;
	int err = c->fit ? fbk_png_draw_fit(c->target, png, &c->box, FBK_FIT_CONTAIN, FBK_ALIGN_CENTER,
					    FBK_FILTER_SMOOTH, FBK_OP_SRC)
			 : fbk_png_draw(c->target, png, 0, 0, FBK_OP_SRC);
	fbk_png_close(png);
	return err;
}

static uint8_t *read_whole(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct stat st;
	uint8_t *data = NULL;
	if (!fstat(fileno(f), &st) && st.st_size > 0 && (data = malloc((size_t)st.st_size)) &&
	    fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(data);
		data = NULL;
	}
	fclose(f);
	*size = data ? (size_t)st.st_size : 0;
	return data;
}

/*
 * In a child process, so nothing earlier counts: how much the peak RSS
 * grows while fbkit decodes the file into an already-touched surface,
 * less the file pages the mapping brought in.
 */
static void measure_rss(const char *path, int32_t w, int32_t h, bool fit, const char *label)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		struct png_case c = { .path = path, .fit = fit, .box = { 0, 0, w, h } };
		if (fbk_surface_create(&c.target, w, h, FBK_FORMAT_XRGB8888))
			_exit(1);
		fbk_fill(c.target, NULL, FBK_RGB(1, 2, 3)); /* touch every page first */
		long peak0 = bench_peak_rss_kib(), file0 = bench_file_rss_kib();
		if (decode_fbkit(&c))
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

static void bench_one_file(const struct bench_config *cfg, const char *path)
{
	struct png_case c = { .path = path };
	struct fbk_png *png;
	if (fbk_png_open(&png, path, NULL)) {
		printf("%s: %s (skipped)\n", path, fbk_last_error());
		return;
	}
	const struct fbk_png_info *info = fbk_png_get_info(png);
	int32_t w = info->width, h = info->height;
	fbk_png_close(png);
	c.file = read_whole(path, &c.file_size);
	c.rgba = malloc((size_t)w * (size_t)h * 4);
	if (!c.file || !c.rgba)
		goto out;

	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char title[256], row[128];
	snprintf(title, sizeof(title), "%.200s (%dx%d)", name, (int)w, (int)h);
	bench_header(title);
	double pixels = (double)w * h;
	double libpng = bench_median(cfg, decode_libpng, &c);
	bench_row(cfg, "libpng png_image_finish_read -> RGBA", libpng, pixels, NULL, 0);
	double spng = -1;
#if BENCH_HAVE_SPNG
	spng = bench_median(cfg, decode_libspng, &c);
	bench_row(cfg, "libspng spng_decode_image -> RGBA8", spng, pixels, "libpng", libpng);
#endif
	static const uint32_t formats[] = { FBK_FORMAT_XRGB8888, FBK_FORMAT_RGB565 };
	for (size_t i = 0; i < 2; i++) {
		if (fbk_surface_create(&c.target, w, h, formats[i]))
			continue;
		snprintf(row, sizeof(row), "fbkit draw -> %s surface", fbk_format_info(formats[i])->long_name);
		double t = bench_median(cfg, decode_fbkit, &c);
		bench_row(cfg, row, t, pixels, "libpng", libpng);
		if (spng > 0 && t > 0)
			printf("%-44s %32.2fx libspng\n", "", spng / t);
		fbk_surface_destroy(c.target);
	}
	if (fbk_surface_create(&c.target, 1280, 800, FBK_FORMAT_XRGB8888) == 0) {
		c.fit = true;
		c.box = (struct fbk_rect){ 0, 0, 1280, 800 };
		double t = bench_median(cfg, decode_fbkit, &c);
		bench_row(cfg, "fbkit draw_fit contain -> 1280x800 XRGB8888", t, pixels, "libpng", libpng);
		fbk_surface_destroy(c.target);
	}
	measure_rss(path, w, h, false, "full-size XRGB8888 target");
	measure_rss(path, 1280, 800, true, "contain into 1280x800");
out:
	free(c.file);
	free(c.rgba);
}

int bench_png(const struct bench_config *cfg, const char *testdata)
{
	static const char *const files[] = {
		"exoplanet-3840x2160.png", "kodim02.png", "kodim07.png", "kodim17.png", "kodim23.png",
	};
	int found = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/photos/%s", testdata, files[i]);
		if (access(path, R_OK)) {
			printf("%s: not found (skipped)\n", path);
			continue;
		}
		found++;
		bench_one_file(cfg, path);
	}
	return found ? 0 : -1;
}
