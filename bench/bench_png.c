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

/* The peak RSS of fbkit's decode into a full-size or fitted target. */
static void measure_rss(const char *path, int32_t w, int32_t h, bool fit, const char *label)
{
	struct png_case c = { .path = path, .fit = fit, .box = { 0, 0, w, h } };
	bench_decode_rss(label, decode_fbkit, &c, &c.target, w, h);
}

/* What the summary reports: contain onto 1280x800 against libpng alone, per file. */
struct fit_ratio {
	char name[64];
	double ratio; /* fbkit contain time / libpng time; 0 when not measured */
	bool grows;
};

enum { N_FILES = 5 };
static struct fit_ratio fit_ratios[N_FILES];
static size_t n_fit_ratios;

/* A fit case drawing into a target of its own size. */
static bool fit_case(struct png_case *c, const struct png_case *like, int32_t w, int32_t h)
{
	*c = *like;
	c->fit = true;
	c->box = (struct fbk_rect){ 0, 0, w, h };
	return fbk_surface_create(&c->target, w, h, FBK_FORMAT_XRGB8888) == 0;
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
	/* Full size into XRGB8888 and RGB565, contain onto 1280x800, and 4K onto 1080p. */
	struct png_case full[2] = { c, c }, fit = c, fit_hd = c;
	bool have_full[2] = { false, false }, have_fit = false, have_hd = false;
	static const uint32_t formats[] = { FBK_FORMAT_XRGB8888, FBK_FORMAT_RGB565 };
	if (!c.file || !c.rgba)
		goto out;
	for (size_t i = 0; i < 2; i++)
		have_full[i] = fbk_surface_create(&full[i].target, w, h, formats[i]) == 0;
	have_fit = fit_case(&fit, &c, 1280, 800);
	have_hd = w >= 3840 && h >= 2160 && fit_case(&fit_hd, &c, 1920, 1080);

	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char title[256], row[128];
	snprintf(title, sizeof(title), "%.200s (%dx%d)", name, (int)w, (int)h);
	bench_header(title);
	double pixels = (double)w * h;
	/* Round-robin, so the machine's load falls on the anchors and fbkit alike. */
	struct bench_case cases[] = {
		{ decode_libpng, &c, 0 },
#if BENCH_HAVE_SPNG
		{ decode_libspng, &c, 0 },
#else
		{ NULL, &c, 0 },
#endif
		{ have_full[0] ? decode_fbkit : NULL, &full[0], 0 },
		{ have_full[1] ? decode_fbkit : NULL, &full[1], 0 },
		{ have_fit ? decode_fbkit : NULL, &fit, 0 },
		{ have_hd ? decode_fbkit : NULL, &fit_hd, 0 },
	};
	bench_interleaved(cfg, cases, sizeof(cases) / sizeof(cases[0]));
	double libpng = cases[0].median, spng = cases[1].median;
	bench_row(cfg, "libpng png_image_finish_read -> RGBA", libpng, pixels, NULL, 0);
	if (cases[1].run)
		bench_row(cfg, "libspng spng_decode_image -> RGBA8", spng, pixels, "libpng", libpng);
	for (size_t i = 0; i < 2; i++) {
		if (!cases[2 + i].run)
			continue;
		double t = cases[2 + i].median;
		snprintf(row, sizeof(row), "fbkit draw -> %s surface", fbk_format_info(formats[i])->long_name);
		bench_row(cfg, row, t, pixels, "libpng", libpng);
		if (spng > 0 && t > 0)
			printf("%-44s %32.2fx libspng\n", "", spng / t);
	}
	if (cases[4].run) {
		double t = cases[4].median;
		bench_row(cfg, "fbkit draw_fit contain -> 1280x800 XRGB8888", t, pixels, "libpng", libpng);
		printf("%-44s %10.2fx libpng's time\n", "", t > 0 && libpng > 0 ? t / libpng : 0);
		if (n_fit_ratios < N_FILES) {
			struct fit_ratio *f = &fit_ratios[n_fit_ratios++];
			snprintf(f->name, sizeof(f->name), "%.40s", name);
			f->ratio = t > 0 && libpng > 0 ? t / libpng : 0;
			/* contain grows the image when both sides fit inside the box */
			f->grows = w < 1280 && h < 800;
		}
	}
	if (cases[5].run) {
		double t = cases[5].median;
		bench_row(cfg, "fbkit draw_fit contain -> 1920x1080 XRGB8888", t, pixels, "libpng", libpng);
		printf("%-44s %10.2fx libpng's time\n", "", t > 0 && libpng > 0 ? t / libpng : 0);
	}
	measure_rss(path, w, h, false, "full-size XRGB8888 target");
	measure_rss(path, 1280, 800, true, "contain into 1280x800");
out:
	for (size_t i = 0; i < 2; i++)
		if (have_full[i])
			fbk_surface_destroy(full[i].target);
	if (have_fit)
		fbk_surface_destroy(fit.target);
	if (have_hd)
		fbk_surface_destroy(fit_hd.target);
	free(c.file);
	free(c.rgba);
}

/* The cost of growing: each upscale's contain time as a multiple of decoding alone. */
static void fit_summary(const struct bench_config *cfg)
{
	double worst = 0;
	size_t grown = 0;
	for (size_t i = 0; i < n_fit_ratios; i++) {
		if (!fit_ratios[i].grows || fit_ratios[i].ratio <= 0)
			continue;
		if (!grown++)
			printf("\nsummary: contain upscaled onto 1280x800, time / libpng decoding alone\n");
		printf("  %-42s %6.2fx\n", fit_ratios[i].name, fit_ratios[i].ratio);
		if (cfg->machine)
			printf("BENCH png_upscale_ratio file=%s ratio=%.4f\n", fit_ratios[i].name,
			       fit_ratios[i].ratio);
		if (fit_ratios[i].ratio > worst)
			worst = fit_ratios[i].ratio;
	}
	if (grown)
		printf("  %-42s %6.2fx\n", "highest", worst);
}

int bench_png(const struct bench_config *cfg, const char *testdata)
{
	static const char *const files[] = {
		"exoplanet-3840x2160.png", "kodim02.png", "kodim07.png", "kodim17.png", "kodim23.png",
	};
	int found = 0;
	n_fit_ratios = 0;
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
	fit_summary(cfg);
	return found ? 0 : -1;
}
