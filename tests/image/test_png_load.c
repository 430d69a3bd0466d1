/*
 * The PNG reader against known pixel data: a corpus written here with
 * libpng (every colour type and bit depth, tRNS, interlaced or not, odd
 * sizes) decoded into every format with SRC and OVER, at positions that
 * cut, onto guarded targets with clips and sub-surfaces, compared exactly
 * with a reference computed from the samples. Then scaling (against the
 * scaler run on the reference), limits, every kind of bad input, the early
 * stop, and several threads sharing one handle.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "core/format_list.h"
#include "target.h"

#if FBK_HAVE_PNG
#include "pixel/pixel.h"
#include "png_write.h"
#include "image/resample.h"
#endif

static char temp_dir[256];

#if FBK_HAVE_PNG

static void temp_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", temp_dir, name);
}

/* Every format in fbkit's table. */
#define FOURCC_OF(id, ...) FBK_FORMAT_##id,
static const uint32_t all_formats[] = { FBK_FORMAT_LIST(FOURCC_OF) };
#define FORMAT_COUNT (sizeof(all_formats) / sizeof(all_formats[0]))

static struct fbk_color expected_color(uint32_t format, struct fbk_color before, uint32_t argb,
				       enum fbk_op op)
{
	if (op == FBK_OP_SRC)
		return stored(format, color_of(argb));
	return stored(format, color_of(fbk_over_pixel(argb_of(before), argb,
						      fbk_format_has_alpha(format))));
}

/* ---- the generated corpus ------------------------------------------------ */

struct kind {
	int color_type, depth;
	int palette_size, palette_alpha; /* palettes: entries and tRNS entries */
	bool key;                        /* gray and RGB: a tRNS colour key */
};

static const struct kind kinds[] = {
	{ PNG_COLOR_TYPE_GRAY, 1, 0, 0, false },      { PNG_COLOR_TYPE_GRAY, 2, 0, 0, false },
	{ PNG_COLOR_TYPE_GRAY, 4, 0, 0, false },      { PNG_COLOR_TYPE_GRAY, 8, 0, 0, false },
	{ PNG_COLOR_TYPE_GRAY, 16, 0, 0, false },     { PNG_COLOR_TYPE_GRAY, 1, 0, 0, true },
	{ PNG_COLOR_TYPE_GRAY, 2, 0, 0, true },       { PNG_COLOR_TYPE_GRAY, 4, 0, 0, true },
	{ PNG_COLOR_TYPE_GRAY, 8, 0, 0, true },       { PNG_COLOR_TYPE_GRAY, 16, 0, 0, true },
	{ PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, 0, false }, { PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0, 0, false },
	{ PNG_COLOR_TYPE_RGB, 8, 0, 0, false },       { PNG_COLOR_TYPE_RGB, 16, 0, 0, false },
	{ PNG_COLOR_TYPE_RGB, 8, 0, 0, true },        { PNG_COLOR_TYPE_RGB, 16, 0, 0, true },
	{ PNG_COLOR_TYPE_PALETTE, 1, 2, 0, false },   { PNG_COLOR_TYPE_PALETTE, 2, 3, 0, false },
	{ PNG_COLOR_TYPE_PALETTE, 4, 16, 0, false },  { PNG_COLOR_TYPE_PALETTE, 8, 200, 0, false },
	{ PNG_COLOR_TYPE_PALETTE, 1, 2, 1, false },   { PNG_COLOR_TYPE_PALETTE, 2, 4, 3, false },
	{ PNG_COLOR_TYPE_PALETTE, 4, 11, 11, false }, { PNG_COLOR_TYPE_PALETTE, 8, 256, 100, false },
	{ PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, 0, false }, { PNG_COLOR_TYPE_RGB_ALPHA, 16, 0, 0, false },
};
#define KIND_COUNT (sizeof(kinds) / sizeof(kinds[0]))

static const struct { int32_t w, h; } sizes[] = { { 1, 1 }, { 3, 7 }, { 257, 13 }, { 600, 3 } };
#define SIZE_COUNT (sizeof(sizes) / sizeof(sizes[0]))

static void make_image(struct test_image *img, const struct kind *k, int32_t w, int32_t h,
		       bool interlaced)
{
	memset(img, 0, sizeof(*img));
	img->width = w;
	img->height = h;
	img->color_type = k->color_type;
	img->depth = k->depth;
	img->interlaced = interlaced;
	img->palette_size = k->palette_size;
	img->palette_alpha_count = k->palette_alpha;
	img->has_key = k->key;
	snprintf(img->name, sizeof(img->name), "ct%d-d%d%s%s-%dx%d%s.png", k->color_type, k->depth,
		 k->key ? "-key" : "", k->palette_alpha ? "-trns" : "", (int)w, (int)h,
		 interlaced ? "-adam7" : "");
	image_fill_random(img);
}

/* The whole image into an ARGB8888 surface with SRC: every pixel exactly. */
static void check_whole(const struct fbk_png *png, const struct test_image *img)
{
	struct fbk_surface *s;
	if (fbk_surface_create(&s, img->width, img->height, FBK_FORMAT_ARGB8888)) {
		CHECK(0, "create: %s", fbk_last_error());
		return;
	}
	int err = fbk_png_draw(s, png, 0, 0, FBK_OP_SRC);
	CHECK(err == 0, "%s: draw returned %d (%s)", img->name, err, fbk_last_error());
	int bad = 0;
	for (int32_t y = 0; y < img->height && !bad; y++)
		for (int32_t x = 0; x < img->width && !bad; x++) {
			uint32_t got = *(uint32_t *)fbk_surface_pixel(s, x, y);
			uint32_t want = expected_argb(img, x, y);
			if (got != want) {
				bad = 1;
				CHECK(0, "%s: pixel (%d,%d) is %08x, want %08x", img->name, (int)x,
				      (int)y, (unsigned)got, (unsigned)want);
			}
		}
	fbk_surface_destroy(s);
}

/* One draw onto a random target, checked everywhere in the buffer. */
static void check_random_draw(const struct fbk_png *png, const struct test_image *img,
			      uint32_t format, enum fbk_op op)
{
	struct target t;
	if (target_init(&t, format, 48)) {
		CHECK(0, "target");
		return;
	}
	int32_t x = rng_range(-img->width - 2, t.view.width + 2);
	int32_t y = rng_range(-img->height - 2, t.view.height + 2);
	if (rng_next() % 4 == 0) { /* partly visible at a corner */
		x = rng_range(-img->width + 1, 0);
		y = rng_range(-img->height + 1, 0);
	}
	int err = fbk_png_draw(&t.view, png, x, y, op);
	CHECK(err == 0, "%s: draw at (%d,%d) returned %d (%s)", img->name, (int)x, (int)y, err,
	      fbk_last_error());
	const struct fbk_surface *all = &t.buffer.surface;
	int bad = 0;
	for (int32_t py = 0; py < all->height && !bad; py++)
		for (int32_t px = 0; px < all->width && !bad; px++) {
			struct fbk_color before = target_before(&t, px, py), want = before;
			int64_t ix = (int64_t)px - t.view_x - x, iy = (int64_t)py - t.view_y - y;
			if (target_drawable(&t, px, py) && ix >= 0 && iy >= 0 && ix < img->width &&
			    iy < img->height)
				want = expected_color(format, before,
						      expected_argb(img, (int32_t)ix, (int32_t)iy), op);
			struct fbk_color got = pixel_at(all, px, py);
			if (!color_equal(got, want)) {
				bad = 1;
				CHECK(0, "%s into %s op %d at (%d,%d): pixel (%d,%d) is %02x%02x%02x%02x, "
					 "want %02x%02x%02x%02x",
				      img->name, fbk_format_info(format)->name, op, (int)x, (int)y,
				      (int)px, (int)py, got.a, got.r, got.g, got.b, want.a, want.r,
				      want.g, want.b);
			}
		}
	CHECK(guarded_intact(&t.buffer), "%s: wrote outside the target", img->name);
	target_finish(&t);
}

static void check_info(const struct fbk_png *png, const struct test_image *img)
{
	const struct fbk_png_info *info = fbk_png_get_info(png);
	bool alpha = (img->color_type & PNG_COLOR_MASK_ALPHA) || img->has_key ||
		     img->palette_alpha_count;
	CHECK(info && info->width == img->width && info->height == img->height &&
		      info->bit_depth == img->depth && (int)info->color_type == img->color_type &&
		      info->interlaced == img->interlaced && info->has_alpha == alpha,
	      "%s: info %dx%d depth %d type %d interlaced %d alpha %d", img->name,
	      info ? (int)info->width : -1, info ? (int)info->height : -1,
	      info ? info->bit_depth : -1, info ? (int)info->color_type : -1,
	      info ? info->interlaced : -1, info ? info->has_alpha : -1);
}

static void test_corpus(void)
{
	int images = 0;
	for (size_t k = 0; k < KIND_COUNT; k++)
		for (size_t z = 0; z < SIZE_COUNT; z++)
			for (int interlaced = 0; interlaced < 2; interlaced++) {
				struct test_image img;
				make_image(&img, &kinds[k], sizes[z].w, sizes[z].h, interlaced);
				struct membuf file = { 0 };
				if (encode_png(&img, &file, rng_next() % 10, NULL)) {
					CHECK(0, "%s: cannot encode", img.name);
					image_free(&img);
					continue;
				}
				/* Every other image goes through a real file and the mapping. */
				struct fbk_png *png = NULL;
				char path[512];
				temp_path(path, sizeof(path), img.name);
				int err;
				if (images % 2) {
					CHECK(write_file(path, file.data, file.size) == 0, "write");
					err = fbk_png_open(&png, path, NULL);
				} else {
					err = fbk_png_open_memory(&png, file.data, file.size, img.name,
								  NULL);
				}
				CHECK(err == 0, "%s: open returned %d (%s)", img.name, err,
				      fbk_last_error());
				if (!err) {
					check_info(png, &img);
					check_whole(png, &img);
					for (size_t f = 0; f < FORMAT_COUNT; f++)
						for (int op = 0; op < 2; op++)
							check_random_draw(png, &img, all_formats[f],
									  (enum fbk_op)op);
				}
				fbk_png_close(png);
				unlink(path);
				membuf_free(&file);
				image_free(&img);
				images++;
			}
	printf("corpus: %d images\n", images);
}

/* libpng's 16-to-8 scaling is the rounding the reference uses, for every value. */
static void test_every_16bit_value(void)
{
	struct test_image img = { .width = 256, .height = 256, .color_type = PNG_COLOR_TYPE_GRAY,
				  .depth = 16, .channels = 1 };
	snprintf(img.name, sizeof(img.name), "all-16-bit-values");
	img.samples = malloc(65536 * sizeof(uint16_t));
	for (uint32_t v = 0; v < 65536; v++)
		img.samples[v] = (uint16_t)v;
	struct membuf file = { 0 };
	struct fbk_png *png = NULL;
	CHECK(encode_png(&img, &file, 1, NULL) == 0, "encode");
	CHECK(fbk_png_open_memory(&png, file.data, file.size, img.name, NULL) == 0, "open: %s",
	      fbk_last_error());
	if (png)
		check_whole(png, &img);
	fbk_png_close(png);
	membuf_free(&file);
	image_free(&img);
}

/* A row wider than FBK_ROW_CHUNK seen whole, in every format. */
static void test_wide_rows(void)
{
	struct test_image img;
	make_image(&img, &kinds[KIND_COUNT - 2], 700, 4, false); /* RGBA 8 */
	struct membuf file = { 0 };
	struct fbk_png *png = NULL;
	encode_png(&img, &file, 6, NULL);
	CHECK(fbk_png_open_memory(&png, file.data, file.size, img.name, NULL) == 0, "open");
	for (size_t f = 0; png && f < FORMAT_COUNT; f++)
		for (int op = 0; op < 2; op++) {
			struct guarded g;
			guarded_init(&g, 703, 6, 5, all_formats[f]);
			struct fbk_color *before = malloc(sizeof(*before) * 703 * 6);
			for (int32_t y = 0; y < 6; y++)
				for (int32_t x = 0; x < 703; x++)
					before[y * 703 + x] = pixel_at(&g.surface, x, y);
			CHECK(fbk_png_draw(&g.surface, png, 2, 1, (enum fbk_op)op) == 0, "draw");
			int bad = 0;
			for (int32_t y = 0; y < 6; y++)
				for (int32_t x = 0; x < 703; x++) {
					struct fbk_color want = before[y * 703 + x];
					if (x >= 2 && x < 702 && y >= 1 && y < 5)
						want = expected_color(all_formats[f], want,
								      expected_argb(&img, x - 2, y - 1),
								      (enum fbk_op)op);
					bad += !color_equal(pixel_at(&g.surface, x, y), want);
				}
			CHECK(!bad, "wide rows into %s op %d: %d bad pixels",
			      fbk_format_info(all_formats[f])->name, op, bad);
			CHECK(guarded_intact(&g), "wide rows: wrote outside");
			free(before);
			guarded_finish(&g);
		}
	fbk_png_close(png);
	membuf_free(&file);
	image_free(&img);
}

/* ---- fitting ------------------------------------------------------------- */

struct collected {
	uint32_t *pixels;
	int32_t width;
};

static int collect_row(void *userdata, int32_t y, const uint32_t *row)
{
	struct collected *c = userdata;
	memcpy(c->pixels + (size_t)y * (size_t)c->width, row, (size_t)c->width * 4);
	return 0;
}

/*
 * The reference for draw_fit: the scaler run over the known pixels for the
 * whole fitted rectangle, then blitted onto a copy of the target cut to
 * box and clip.
 */
static void check_fit(const struct fbk_png *png, const struct test_image *img, uint32_t format,
		      enum fbk_fit fit, unsigned align, enum fbk_filter filter, enum fbk_op op)
{
	struct target t;
	if (target_init(&t, format, 40)) {
		CHECK(0, "target");
		return;
	}
	struct fbk_rect box = { rng_range(-10, t.view.width), rng_range(-10, t.view.height),
				rng_range(1, 50), rng_range(1, 50) };
	struct fbk_rect fitted;
	CHECK(fbk_fit_rect(img->width, img->height, &box, fit, align, &fitted) == 0, "fit_rect: %s",
	      fbk_last_error());

	/* The expected result, built on a copy of the buffer. */
	struct guarded *g = &t.buffer;
	uint8_t *copy = malloc(g->block_size);
	memcpy(copy, g->block, g->block_size);
	struct fbk_surface expected = t.view;
	expected.pixels = copy + ((uint8_t *)t.view.pixels - g->block);
	struct fbk_rect cut;
	fbk_rect_intersect(&box, &expected.clip, &cut);
	expected.clip = cut;

	struct collected scaled = { malloc((size_t)fitted.w * (size_t)fitted.h * 4), fitted.w };
	uint32_t *row = malloc((size_t)img->width * 4);
	struct fbk_resampler *r;
	struct fbk_rect all = { 0, 0, fitted.w, fitted.h };
	CHECK(fbk_resampler_create(&r, img->width, img->height, fitted.w, fitted.h, filter, &all) ==
		      0,
	      "resampler: %s", fbk_last_error());
	for (int32_t y = 0; y < img->height; y++) {
		for (int32_t x = 0; x < img->width; x++)
			row[x] = expected_argb(img, x, y);
		fbk_resampler_push(r, row, collect_row, &scaled);
	}
	fbk_resampler_destroy(r);
	struct fbk_surface out;
	fbk_surface_init(&out, scaled.pixels, fitted.w, fitted.h, (size_t)fitted.w * 4,
			 FBK_FORMAT_ARGB8888);
	if (cut.w > 0 && cut.h > 0)
		fbk_blit(&expected, fitted.x, fitted.y, &out, NULL, op, 255);

	int err = fbk_png_draw_fit(&t.view, png, &box, fit, align, filter, op);
	CHECK(err == 0, "%s: draw_fit returned %d (%s)", img->name, err, fbk_last_error());
	CHECK(!memcmp(copy, g->block, g->block_size),
	      "%s fit %d align %u filter %d op %d into %s: box %d,%d %dx%d fitted %d,%d %dx%d: "
	      "differs from the scaler's output",
	      img->name, fit, align, filter, op, fbk_format_info(format)->name, (int)box.x,
	      (int)box.y, (int)box.w, (int)box.h, (int)fitted.x, (int)fitted.y, (int)fitted.w,
	      (int)fitted.h);
	CHECK(guarded_intact(g), "%s: draw_fit wrote outside the target", img->name);
	free(row);
	free(scaled.pixels);
	free(copy);
	target_finish(&t);
}

static void test_fit(void)
{
	static const unsigned aligns[] = { FBK_ALIGN_CENTER, FBK_ALIGN_LEFT | FBK_ALIGN_TOP,
					   FBK_ALIGN_RIGHT | FBK_ALIGN_BOTTOM, FBK_ALIGN_TOP };
	static const size_t picks[] = { 3, 9, 11, 15, 19, 23, 25 };
	for (size_t p = 0; p < sizeof(picks) / sizeof(picks[0]); p++)
		for (int interlaced = 0; interlaced < 2; interlaced++) {
			struct test_image img;
			make_image(&img, &kinds[picks[p]], rng_range(1, 70), rng_range(1, 70),
				   interlaced);
			struct membuf file = { 0 };
			struct fbk_png *png = NULL;
			encode_png(&img, &file, 3, NULL);
			CHECK(fbk_png_open_memory(&png, file.data, file.size, img.name, NULL) == 0,
			      "open: %s", fbk_last_error());
			for (int round = 0; png && round < 24; round++)
				check_fit(png, &img, all_formats[rng_next() % FORMAT_COUNT],
					  (enum fbk_fit)(round % 4), aligns[rng_next() % 4],
					  (enum fbk_filter)(rng_next() % 2),
					  (enum fbk_op)(rng_next() % 2));
			fbk_png_close(png);
			membuf_free(&file);
			image_free(&img);
		}

	/* Box or clip missing the image: nothing decoded, nothing touched, success. */
	struct test_image img;
	make_image(&img, &kinds[12], 20, 10, false);
	struct membuf file = { 0 };
	struct fbk_png *png = NULL;
	encode_png(&img, &file, 3, NULL);
	fbk_png_open_memory(&png, file.data, file.size, img.name, NULL);
	struct guarded g;
	guarded_init(&g, 30, 30, 3, FBK_FORMAT_RGB565);
	uint8_t *copy = malloc(g.block_size);
	memcpy(copy, g.block, g.block_size);
	struct fbk_rect away = { 40, 40, 10, 10 }, box = { 2, 2, 10, 10 };
	CHECK(fbk_png_draw_fit(&g.surface, png, &away, FBK_FIT_CONTAIN, 0, FBK_FILTER_SMOOTH,
			       FBK_OP_SRC) == 0,
	      "box outside the surface");
	fbk_surface_set_clip(&g.surface, &(struct fbk_rect){ 20, 20, 5, 5 });
	CHECK(fbk_png_draw_fit(&g.surface, png, &box, FBK_FIT_STRETCH, 0, FBK_FILTER_SMOOTH,
			       FBK_OP_OVER) == 0,
	      "box outside the clip");
	CHECK(!memcmp(copy, g.block, g.block_size), "an invisible fit touched the surface");
	CHECK(fbk_png_draw_fit(&g.surface, png, NULL, FBK_FIT_CONTAIN, 0, FBK_FILTER_SMOOTH,
			       FBK_OP_SRC) == -EINVAL,
	      "NULL box");
	CHECK(fbk_png_draw_fit(&g.surface, png, &box, (enum fbk_fit)9, 0, FBK_FILTER_SMOOTH,
			       FBK_OP_SRC) == -EINVAL,
	      "unknown fit");
	CHECK(fbk_png_draw_fit(&g.surface, png, &box, FBK_FIT_NONE, 0, (enum fbk_filter)7,
			       FBK_OP_SRC) == -EINVAL,
	      "unknown filter");
	CHECK(fbk_png_draw_fit(&g.surface, png, &box, FBK_FIT_CONTAIN, 0, FBK_FILTER_SMOOTH,
			       (enum fbk_op)3) == -EINVAL,
	      "unknown op");
	free(copy);
	guarded_finish(&g);
	fbk_png_close(png);
	membuf_free(&file);
	image_free(&img);

	/* COVER of a very thin image: a fitted size past the scaler's limit is -EFBIG. */
	make_image(&img, &kinds[3], 1, 2000, false);
	encode_png(&img, &file, 3, NULL);
	fbk_png_open_memory(&png, file.data, file.size, "thin.png", NULL);
	guarded_init(&g, 50, 30, 3, FBK_FORMAT_XRGB8888);
	copy = malloc(g.block_size);
	memcpy(copy, g.block, g.block_size);
	int err = fbk_png_draw_fit(&g.surface, png, &(struct fbk_rect){ 5, 5, 40, 20 },
				   FBK_FIT_COVER, 0, FBK_FILTER_SMOOTH, FBK_OP_SRC);
	CHECK(err == -EFBIG && strstr(fbk_last_error(), "thin.png"), "cover past the limit: %d (%s)",
	      err, fbk_last_error());
	CHECK(!memcmp(copy, g.block, g.block_size), "a refused fit touched the surface");
	free(copy);
	guarded_finish(&g);
	fbk_png_close(png);
	membuf_free(&file);
	image_free(&img);
}

/* ---- limits -------------------------------------------------------------- */

static double seconds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_limits(void)
{
	/* A header that claims 30000x30000 and nothing more: -EFBIG at once, no allocation. */
	struct membuf b = { 0 };
	put_signature(&b);
	put_ihdr(&b, 30000, 30000, 8, PNG_COLOR_TYPE_RGB_ALPHA, 0, false);
	struct fbk_png *png = NULL;
	double t0 = seconds_now();
	int err = fbk_png_open_memory(&png, b.data, b.size, "huge.png", NULL);
	double spent = seconds_now() - t0;
	CHECK(err == -EFBIG && !png, "30000x30000: %d (%s)", err, fbk_last_error());
	CHECK(strstr(fbk_last_error(), "huge.png") && strstr(fbk_last_error(), "30000x30000") &&
		      strstr(fbk_last_error(), "134217728"),
	      "message gives size and limit: %s", fbk_last_error());
	CHECK(spent < 0.5, "refusing took %.3f s", spent);

	/* The same through a file. */
	char path[512];
	temp_path(path, sizeof(path), "huge.png");
	write_file(path, b.data, b.size);
	err = fbk_png_open(&png, path, NULL);
	CHECK(err == -EFBIG && strstr(fbk_last_error(), path), "file: %d (%s)", err, fbk_last_error());
	unlink(path);
	membuf_free(&b);

	struct test_image img;
	make_image(&img, &kinds[12], 300, 5, false);
	struct membuf file = { 0 };
	encode_png(&img, &file, 3, NULL);
	struct fbk_png_limits narrow = FBK_PNG_LIMITS_INIT(.max_width = 100);
	err = fbk_png_open_memory(&png, file.data, file.size, "wide.png", &narrow);
	CHECK(err == -EFBIG && strstr(fbk_last_error(), "300x5") && strstr(fbk_last_error(), "100x"),
	      "max_width: %d (%s)", err, fbk_last_error());
	struct fbk_png_limits low = FBK_PNG_LIMITS_INIT(.max_height = 4);
	err = fbk_png_open_memory(&png, file.data, file.size, "tall.png", &low);
	CHECK(err == -EFBIG, "max_height: %d (%s)", err, fbk_last_error());
	struct fbk_png_limits few = FBK_PNG_LIMITS_INIT(.max_pixels = 1499);
	err = fbk_png_open_memory(&png, file.data, file.size, "many.png", &few);
	CHECK(err == -EFBIG && strstr(fbk_last_error(), "1500") && strstr(fbk_last_error(), "1499"),
	      "max_pixels: %d (%s)", err, fbk_last_error());
	struct fbk_png_limits exact = FBK_PNG_LIMITS_INIT(.max_width = 300, .max_height = 5,
							  .max_pixels = 1500);
	err = fbk_png_open_memory(&png, file.data, file.size, "exact.png", &exact);
	CHECK(err == 0, "at the limits: %d (%s)", err, fbk_last_error());
	fbk_png_close(png);
	struct fbk_png_limits zeros = FBK_PNG_LIMITS_INIT();
	err = fbk_png_open_memory(&png, file.data, file.size, "zeros.png", &zeros);
	CHECK(err == 0, "zero limits mean defaults: %d (%s)", err, fbk_last_error());
	fbk_png_close(png);
	membuf_free(&file);

	/*
	 * A 2 MiB text chunk: over a 1 MiB max_chunk_bytes, which libpng
	 * applies to every chunk but IDAT, even those it skips. Under a higher
	 * limit it is skipped, never stored.
	 */
	struct fbk_png_limits tight = FBK_PNG_LIMITS_INIT(.max_chunk_bytes = 1 << 20);
	char *text = malloc(2 << 20);
	memset(text, 'x', (2 << 20) - 1);
	text[(2 << 20) - 1] = 0;
	encode_png(&img, &file, 3, text);
	free(text);
	err = fbk_png_open_memory(&png, file.data, file.size, "text.png", &tight);
	CHECK(err == -EFBIG && strstr(fbk_last_error(), "tEXt") &&
		      strstr(fbk_last_error(), "1048576"),
	      "big text chunk: %d (%s)", err, fbk_last_error());
	struct fbk_png_limits roomy = FBK_PNG_LIMITS_INIT(.max_chunk_bytes = 4 << 20);
	err = fbk_png_open_memory(&png, file.data, file.size, "text.png", &roomy);
	CHECK(err == 0, "big text chunk under a higher limit: %d (%s)", err, fbk_last_error());
	if (!err)
		check_whole(png, &img);
	fbk_png_close(png);
	membuf_free(&file);
	image_free(&img);
}

/* ---- bad input ----------------------------------------------------------- */

/* A small RGB image built by hand; each flag breaks one thing. */
struct raw_options {
	bool bad_ihdr_crc, bad_idat_crc, no_idat, no_iend, unknown_critical;
	int bad_filter_row;      /* -1: none */
	bool zlib_garbage, short_data, extra_data;
	bool stray_bytes;        /* bytes after the end of the zlib stream, in its IDAT */
	bool bad_adler;          /* the zlib stream's Adler-32 wrong, every CRC right */
	bool adler_own_idat;     /* the Adler-32 alone in the last IDAT */
	bool bad_text_crc;       /* a tEXt chunk (ancillary) with a wrong CRC */
	size_t rows_per_idat;    /* 0: one IDAT */
};

static void build_raw(const struct test_image *img, const struct raw_options *o, struct membuf *out)
{
	put_signature(out);
	put_ihdr(out, (uint32_t)img->width, (uint32_t)img->height, img->depth, img->color_type, 0,
		 o->bad_ihdr_crc);
	if (img->color_type == PNG_COLOR_TYPE_PALETTE) {
		uint8_t plte[768];
		for (int i = 0; i < img->palette_size; i++) {
			plte[3 * i] = img->palette[i].red;
			plte[3 * i + 1] = img->palette[i].green;
			plte[3 * i + 2] = img->palette[i].blue;
		}
		put_chunk(out, "PLTE", plte, (size_t)img->palette_size * 3);
		if (img->palette_alpha_count)
			put_chunk(out, "tRNS", img->palette_alpha, (size_t)img->palette_alpha_count);
	}
	if (o->unknown_critical)
		put_chunk(out, "ABCD", "data", 4);
	if (o->bad_text_crc)
		put_chunk_crc(out, "tEXt", "Comment\0hello", 13, true);
	struct membuf raw = { 0 }, z = { 0 };
	raw_scanlines(img, &raw);
	size_t line = raw.size / (size_t)img->height;
	if (o->bad_filter_row >= 0)
		raw.data[(size_t)o->bad_filter_row * line] = 9;
	if (o->short_data)
		raw.size -= line / 2;
	if (o->extra_data)
		membuf_put(&raw, "0123456789", 10);
	if (o->zlib_garbage) {
		static const uint8_t bad[] = { 0x78, 0x01, 0x07, 0xff, 0xff, 0x00, 0x11, 0x22 };
		membuf_put(&z, bad, sizeof(bad));
	} else {
		zlib_stored(&z, raw.data, raw.size);
	}
	if (o->bad_adler)
		z.data[z.size - 1] ^= 0x40;
	size_t stream = z.size;
	if (o->stray_bytes)
		membuf_put(&z, "\0\1\2", 3);
	if (!o->no_idat) {
		size_t piece = o->rows_per_idat ? o->rows_per_idat * line : z.size;
		size_t end = o->adler_own_idat ? stream - 4 : z.size;
		for (size_t at = 0; at < end; at += piece) {
			size_t n = end - at < piece ? end - at : piece;
			put_chunk_crc(out, "IDAT", z.data + at, n, o->bad_idat_crc && at == 0);
		}
		if (o->adler_own_idat)
			put_chunk(out, "IDAT", z.data + end, z.size - end);
	}
	if (!o->no_iend)
		put_chunk(out, "IEND", NULL, 0);
	membuf_free(&raw);
	membuf_free(&z);
}

/*
 * Open and draw `data` onto a guarded surface with the image at (3, 2):
 * the result must be `want` (0: success; otherwise at open or at draw),
 * with `name` in the message, and nothing outside the image rectangle
 * may change.
 */
static void expect_failure(const char *what, const uint8_t *data, size_t size, const char *name,
			   int want, const char *needle)
{
	struct guarded g;
	guarded_init(&g, 40, 30, 3, FBK_FORMAT_XRGB8888);
	uint8_t *copy = malloc(g.block_size);
	memcpy(copy, g.block, g.block_size);
	struct fbk_png *png = NULL;
	int err = fbk_png_open_memory(&png, data, size, name, NULL);
	int32_t w = 0, h = 0;
	if (!err) {
		w = fbk_png_get_info(png)->width;
		h = fbk_png_get_info(png)->height;
		err = fbk_png_draw(&g.surface, png, 3, 2, FBK_OP_OVER);
	}
	CHECK(err == want, "%s: returned %d (%s), want %d", what, err, fbk_last_error(), want);
	if (want) {
		CHECK(strstr(fbk_last_error(), name), "%s: message does not name %s: %s", what, name,
		      fbk_last_error());
		if (needle)
			CHECK(strstr(fbk_last_error(), needle), "%s: message lacks '%s': %s", what,
			      needle, fbk_last_error());
	}
	int outside = 0;
	for (int32_t y = 0; y < 30; y++)
		for (int32_t x = 0; x < 40; x++) {
			bool inside = x >= 3 && x < 3 + w && y >= 2 && y < 2 + h;
			size_t at = (size_t)((uint8_t *)fbk_surface_pixel(&g.surface, x, y) - g.block);
			if (!inside && memcmp(g.block + at, copy + at, 4))
				outside++;
		}
	CHECK(!outside, "%s: %d pixels outside the image changed", what, outside);
	CHECK(guarded_intact(&g), "%s: wrote outside the surface", what);
	fbk_png_close(png);
	free(copy);
	guarded_finish(&g);
}

/* Flip a bit of the zlib stream's Adler-32 (the last IDAT's last byte), CRC kept right. */
static void break_adler(struct membuf *b)
{
	size_t last = 0;
	for (size_t at = 8; at + 12 <= b->size;) {
		uint32_t n = (uint32_t)b->data[at] << 24 | (uint32_t)b->data[at + 1] << 16 |
			     (uint32_t)b->data[at + 2] << 8 | b->data[at + 3];
		if (!memcmp(b->data + at + 4, "IDAT", 4))
			last = at;
		at += 12 + (size_t)n;
	}
	uint32_t n = (uint32_t)b->data[last] << 24 | (uint32_t)b->data[last + 1] << 16 |
		     (uint32_t)b->data[last + 2] << 8 | b->data[last + 3];
	b->data[last + 8 + n - 1] ^= 0x40;
	uint32_t crc = crc32_bytes(0, b->data + last + 4, (size_t)n + 4);
	uint8_t *p = b->data + last + 8 + n;
	p[0] = (uint8_t)(crc >> 24);
	p[1] = (uint8_t)(crc >> 16);
	p[2] = (uint8_t)(crc >> 8);
	p[3] = (uint8_t)crc;
}

struct log_lines {
	int count;         /* lines at FBK_LOG_WARNING or more severe */
	char first[300];
};

static void count_log_line(enum fbk_log_level level, const char *message, void *userdata)
{
	struct log_lines *log = userdata;
	if (level <= FBK_LOG_WARNING && !log->count++)
		snprintf(log->first, sizeof(log->first), "%s", message);
}

/*
 * `data` must open and draw whole as img says (an index past the palette
 * as opaque black: zero entries there), with exactly one line in the log
 * over open and two draws, naming the file and holding `needle`.
 */
static void expect_shown(const char *what, const uint8_t *data, size_t size, const char *name,
			 const struct test_image *img, const char *needle)
{
	struct log_lines log = { 0 };
	struct fbk_png *png = NULL;
	struct fbk_surface *s = NULL;
	fbk_set_log_handler(count_log_line, &log);
	int err = fbk_png_open_memory(&png, data, size, name, NULL);
	if (!err)
		err = fbk_surface_create(&s, img->width, img->height, FBK_FORMAT_ARGB8888);
	if (!err)
		err = fbk_png_draw(s, png, 0, 0, FBK_OP_SRC);
	int bad = 0;
	for (int32_t y = 0; !err && y < img->height; y++)
		for (int32_t x = 0; x < img->width; x++)
			bad += *(uint32_t *)fbk_surface_pixel(s, x, y) != expected_argb(img, x, y);
	/* A second draw logs nothing new: open has told of the header. */
	int before = log.count;
	if (!err)
		err = fbk_png_draw(s, png, 0, 0, FBK_OP_SRC);
	fbk_set_log_handler(NULL, NULL);
	CHECK(err == 0, "%s: returned %d (%s), want it shown", what, err, fbk_last_error());
	CHECK(!bad, "%s: %d pixels wrong", what, bad);
	CHECK(before == 1 && log.count <= 2 && strstr(log.first, name) && strstr(log.first, needle),
	      "%s: %d log lines after the first draw, %d after the second (want 1 and 1 or 2), "
	      "the first: '%s', want '%s' in it",
	      what, before, log.count, log.first, needle);
	fbk_surface_destroy(s);
	fbk_png_close(png);
}

static void test_corrupt(void)
{
	struct test_image img;
	make_image(&img, &kinds[12], 13, 7, false); /* RGB 8 */
	struct raw_options o = { .bad_filter_row = -1 };
	struct membuf b = { 0 };

	build_raw(&img, &o, &b);
	expect_failure("hand-built file", b.data, b.size, "good.png", 0, NULL);
	struct fbk_png *png = NULL;
	CHECK(fbk_png_open_memory(&png, b.data, b.size, "good.png", NULL) == 0, "open");
	if (png)
		check_whole(png, &img);
	fbk_png_close(png);

	/* Truncated at every length: an error every time, never a crash. */
	for (size_t n = 0; n < b.size; n++) {
		char what[64];
		snprintf(what, sizeof(what), "truncated to %zu bytes", n);
		expect_failure(what, n ? b.data : (const uint8_t *)"", n, "cut.png",
			       n ? -EBADMSG : -EBADMSG, NULL);
	}
	membuf_free(&b);

	static const struct {
		const char *what;
		struct raw_options o;
		const char *needle;
	} cases[] = {
		{ "bad IHDR CRC", { .bad_ihdr_crc = true, .bad_filter_row = -1 }, "CRC" },
		{ "bad IDAT CRC", { .bad_idat_crc = true, .bad_filter_row = -1 }, "CRC" },
		{ "bad filter byte", { .bad_filter_row = 3 }, "filter" },
		{ "zlib data error", { .zlib_garbage = true, .bad_filter_row = -1 }, NULL },
		{ "not enough image data", { .short_data = true, .bad_filter_row = -1 }, NULL },
		{ "bad Adler-32", { .bad_adler = true, .bad_filter_row = -1 }, "IDAT" },
		{ "bad Adler-32 in its own IDAT",
		  { .bad_adler = true, .adler_own_idat = true, .bad_filter_row = -1 },
		  "Adler-32" },
		{ "bad Adler-32 in its own IDAT, stray bytes after it",
		  { .bad_adler = true, .adler_own_idat = true, .stray_bytes = true,
		    .bad_filter_row = -1 },
		  "Adler-32" },
		{ "bad Adler-32, one IDAT per row",
		  { .bad_adler = true, .rows_per_idat = 1, .bad_filter_row = -1 }, "IDAT" },
		{ "bad CRC in an ancillary chunk", { .bad_text_crc = true, .bad_filter_row = -1 },
		  "CRC" },
		{ "no IDAT", { .no_idat = true, .bad_filter_row = -1 }, NULL },
		{ "no IEND", { .no_iend = true, .bad_filter_row = -1 }, NULL },
		{ "unknown critical chunk", { .unknown_critical = true, .bad_filter_row = -1 }, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build_raw(&img, &cases[i].o, &b);
		expect_failure(cases[i].what, b.data, b.size, "corrupt.png", -EBADMSG, cases[i].needle);
		membuf_free(&b);
	}
	image_free(&img);

	/* A bad filter in row 3: rows 0..2 are drawn and stay. */
	make_image(&img, &kinds[12], 13, 7, false);
	o.bad_filter_row = 3;
	build_raw(&img, &o, &b);
	struct fbk_surface *s;
	fbk_surface_create(&s, 13, 7, FBK_FORMAT_ARGB8888);
	fbk_png_open_memory(&png, b.data, b.size, "filter.png", NULL);
	CHECK(fbk_png_draw(s, png, 0, 0, FBK_OP_SRC) == -EBADMSG, "bad filter");
	int bad = 0;
	for (int32_t y = 0; y < 3; y++)
		for (int32_t x = 0; x < 13; x++)
			bad += *(uint32_t *)fbk_surface_pixel(s, x, y) != expected_argb(&img, x, y);
	CHECK(!bad, "rows before the bad one: %d wrong pixels", bad);
	fbk_png_close(png);
	fbk_surface_destroy(s);
	membuf_free(&b);
	image_free(&img);

	/*
	 * What libpng's defaults call benign is shown, with one line in the
	 * log: bytes after the end of the zlib stream, more image data than
	 * the image holds (both found after the last row), an index past a
	 * short palette (opaque black, as libpng draws it), a tRNS longer
	 * than the palette (ignored).
	 */
	make_image(&img, &kinds[12], 13, 7, false);
	static const struct {
		const char *what;
		struct raw_options o;
		const char *needle;
	} benign[] = {
		{ "stray bytes after the zlib stream", { .stray_bytes = true, .bad_filter_row = -1 },
		  "Extra compressed data" },
		{ "stray bytes after a stream whose Adler-32 is alone in the last IDAT",
		  { .stray_bytes = true, .adler_own_idat = true, .bad_filter_row = -1 },
		  "Extra compressed data" },
		{ "more image data than the image", { .extra_data = true, .bad_filter_row = -1 },
		  "Too much image data" },
	};
	for (size_t i = 0; i < sizeof(benign) / sizeof(benign[0]); i++) {
		build_raw(&img, &benign[i].o, &b);
		expect_shown(benign[i].what, b.data, b.size, "untidy.png", &img, benign[i].needle);
		membuf_free(&b);
	}
	image_free(&img);

	struct kind pal = { PNG_COLOR_TYPE_PALETTE, 8, 3, 0, false };
	make_image(&img, &pal, 9, 6, false);
	memset(img.palette + 3, 0, sizeof(img.palette) - 3 * sizeof(img.palette[0]));
	img.samples[4 * 9 + 5] = 200;
	o.bad_filter_row = -1;
	build_raw(&img, &o, &b);
	expect_shown("palette index 200 of 3", b.data, b.size, "index.png", &img, "palette index");
	membuf_free(&b);
	image_free(&img);
	pal.depth = 2;
	make_image(&img, &pal, 9, 6, false);
	memset(img.palette + 3, 0, sizeof(img.palette) - 3 * sizeof(img.palette[0]));
	img.samples[9 * 6 - 1] = 3;
	build_raw(&img, &o, &b);
	expect_shown("2-bit index 3 of 3", b.data, b.size, "index2.png", &img, "palette index");
	membuf_free(&b);
	img.samples[9 * 6 - 1] = 2;
	img.palette_alpha_count = 4;
	build_raw(&img, &o, &b);
	img.palette_alpha_count = 0; /* libpng ignores the whole tRNS */
	expect_shown("tRNS longer than the palette", b.data, b.size, "trns.png", &img, "tRNS");
	membuf_free(&b);
	image_free(&img);

	/* A deflated stream (libpng's own) with a bad Adler-32 fails too. */
	make_image(&img, &kinds[12], 30, 20, false);
	encode_png(&img, &b, 9, NULL);
	break_adler(&b);
	expect_failure("libpng-written, bad Adler-32", b.data, b.size, "adler.png", -EBADMSG,
		       NULL);
	membuf_free(&b);
	image_free(&img);

	/* libpng-written interlaced images, truncated at many lengths. */
	make_image(&img, &kinds[25], 31, 17, true); /* RGBA 16, Adam7 */
	encode_png(&img, &b, 9, NULL);
	for (size_t n = 1; n < b.size; n += 1 + n / 16) {
		char what[64];
		snprintf(what, sizeof(what), "interlaced, truncated to %zu bytes", n);
		expect_failure(what, b.data, n, "adam7-cut.png", -EBADMSG, NULL);
	}
	membuf_free(&b);
	image_free(&img);
}

static void test_bad_arguments(void)
{
	struct fbk_png *png = (struct fbk_png *)&png;
	CHECK(fbk_png_open(NULL, "x.png", NULL) == -EINVAL, "NULL out");
	CHECK(fbk_png_open(&png, NULL, NULL) == -EINVAL && png == NULL, "NULL path");
	CHECK(fbk_png_open(&png, "", NULL) == -EINVAL, "empty path");
	CHECK(fbk_png_open_memory(&png, NULL, 10, "n.png", NULL) == -EINVAL, "NULL data");
	CHECK(fbk_png_open_memory(&png, "", 0, "zero.png", NULL) == -EBADMSG &&
		      strstr(fbk_last_error(), "zero.png"),
	      "no bytes: %s", fbk_last_error());
	CHECK(fbk_png_open_memory(&png, "hello, world", 12, NULL, NULL) == -EBADMSG &&
		      strstr(fbk_last_error(), "PNG data"),
	      "unnamed memory: %s", fbk_last_error());
	fbk_png_close(NULL);
	CHECK(fbk_png_get_info(NULL) == NULL, "info of NULL");

	char path[512];
	temp_path(path, sizeof(path), "missing.png");
	CHECK(fbk_png_open(&png, path, NULL) == -ENOENT && strstr(fbk_last_error(), path),
	      "missing file: %s", fbk_last_error());
	CHECK(fbk_png_open(&png, temp_dir, NULL) == -EISDIR && strstr(fbk_last_error(), temp_dir),
	      "directory: %s", fbk_last_error());
	temp_path(path, sizeof(path), "empty.png");
	write_file(path, "", 0);
	CHECK(fbk_png_open(&png, path, NULL) == -EBADMSG && strstr(fbk_last_error(), path) &&
		      strstr(fbk_last_error(), "empty"),
	      "empty file: %s", fbk_last_error());
	unlink(path);
	temp_path(path, sizeof(path), "text.png");
	write_file(path, "This is not a PNG file at all, just words.\n", 43);
	CHECK(fbk_png_open(&png, path, NULL) == -EBADMSG && strstr(fbk_last_error(), path),
	      "not a PNG: %s", fbk_last_error());
	unlink(path);
	temp_path(path, sizeof(path), "fifo.png");
	if (mkfifo(path, 0600) == 0) {
		CHECK(fbk_png_open(&png, path, NULL) == -EINVAL && strstr(fbk_last_error(), path),
		      "FIFO: %s", fbk_last_error());
		unlink(path);
	}
	if (access("/dev/null", R_OK) == 0)
		CHECK(fbk_png_open(&png, "/dev/null", NULL) == -EINVAL, "device: %s",
		      fbk_last_error());

	/* A corrupt file by path: the message names the path. */
	struct test_image img;
	make_image(&img, &kinds[12], 5, 5, false);
	struct raw_options o = { .bad_idat_crc = true, .bad_filter_row = -1 };
	struct membuf b = { 0 };
	build_raw(&img, &o, &b);
	temp_path(path, sizeof(path), "crc.png");
	write_file(path, b.data, b.size);
	struct fbk_surface *s;
	fbk_surface_create(&s, 8, 8, FBK_FORMAT_RGB565);
	CHECK(fbk_png_open(&png, path, NULL) == 0, "open: %s", fbk_last_error());
	CHECK(fbk_png_draw(s, png, 0, 0, FBK_OP_SRC) == -EBADMSG && strstr(fbk_last_error(), path) &&
		      strstr(fbk_last_error(), "corrupt PNG"),
	      "corrupt file: %s", fbk_last_error());
	CHECK(fbk_png_draw(NULL, png, 0, 0, FBK_OP_SRC) == -EINVAL, "NULL dst");
	CHECK(fbk_png_draw(s, NULL, 0, 0, FBK_OP_SRC) == -EINVAL, "NULL png");
	CHECK(fbk_png_draw(s, png, 0, 0, (enum fbk_op)5) == -EINVAL, "bad op");
	fbk_png_close(png);
	fbk_surface_destroy(s);
	unlink(path);
	membuf_free(&b);
	image_free(&img);
}

/* ---- early stop ---------------------------------------------------------- */

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_early_stop(void)
{
	/*
	 * One IDAT per row, file cut after row 20: drawing only rows above
	 * the cut must succeed (decoding stopped before reaching it);
	 * drawing the whole image fails.
	 */
	struct test_image img;
	make_image(&img, &kinds[12], 64, 300, false);
	struct raw_options o = { .bad_filter_row = -1, .rows_per_idat = 1 };
	struct membuf b = { 0 };
	build_raw(&img, &o, &b);
	size_t cut = 8 + 25 + 25 * (12 + 64 * 3 + 1);
	struct fbk_surface *s;
	fbk_surface_create(&s, 64, 50, FBK_FORMAT_XRGB8888);
	struct fbk_png *png = NULL;
	CHECK(fbk_png_open_memory(&png, b.data, cut, "cut.png", NULL) == 0, "open: %s",
	      fbk_last_error());
	/* The image mostly below the surface: rows 0..9 land on rows 40..49. */
	int err = png ? fbk_png_draw(s, png, 0, 40, FBK_OP_SRC) : -1;
	CHECK(err == 0, "top rows of a cut file: %d (%s)", err, fbk_last_error());
	int bad = 0;
	for (int32_t y = 40; y < 50; y++)
		for (int32_t x = 0; x < 64; x++)
			bad += (*(uint32_t *)fbk_surface_pixel(s, x, y) & 0xffffff) !=
			       (expected_argb(&img, x, y - 40) & 0xffffff);
	CHECK(!bad, "early stop: %d wrong pixels", bad);
	CHECK(png && fbk_png_draw(s, png, 0, -100, FBK_OP_SRC) == -EBADMSG, "rows past the cut");
	fbk_png_close(png);
	membuf_free(&b);

	/*
	 * What the README says early stop does not verify: the zlib stream's
	 * Adler-32, at its end, is checked only by a draw that decodes the
	 * last row.
	 */
	encode_png(&img, &b, 6, NULL);
	break_adler(&b);
	CHECK(fbk_png_open_memory(&png, b.data, b.size, "adler.png", NULL) == 0, "open: %s",
	      fbk_last_error());
	err = png ? fbk_png_draw(s, png, 0, 40, FBK_OP_SRC) : -1;
	CHECK(err == 0, "top rows of a file with a bad Adler-32: %d (%s)", err, fbk_last_error());
	err = png ? fbk_png_draw(s, png, 0, -250, FBK_OP_SRC) : -1;
	CHECK(err == -EBADMSG, "last rows of a file with a bad Adler-32: %d (%s)", err,
	      fbk_last_error());
	fbk_png_close(png);
	fbk_surface_destroy(s);
	membuf_free(&b);
	image_free(&img);

	/* And it is fast: 4 visible rows of a 1500x1500 image cost little. */
	make_image(&img, &kinds[12], 1500, 1500, false);
	encode_png(&img, &b, 1, NULL);
	fbk_surface_create(&s, 1500, 100, FBK_FORMAT_RGB565);
	CHECK(fbk_png_open_memory(&png, b.data, b.size, "big.png", NULL) == 0, "open");
	double t0 = cpu_seconds();
	fbk_png_draw(s, png, 0, 96, FBK_OP_OVER);
	double top = cpu_seconds() - t0;
	t0 = cpu_seconds();
	fbk_png_draw(s, png, 0, -1400, FBK_OP_OVER);
	double bottom = cpu_seconds() - t0;
	CHECK(top < bottom * 0.2, "4 top rows took %.4f s, 100 bottom rows %.4f s", top, bottom);
	fbk_png_close(png);
	fbk_surface_destroy(s);
	membuf_free(&b);
	image_free(&img);
}

/* ---- threads ------------------------------------------------------------- */

struct worker {
	const struct fbk_png *png; /* drawing only reads the handle, from many threads */
	const struct test_image *img;
	int failures;
	pthread_t thread;
};

static void *draw_many(void *arg)
{
	struct worker *w = arg;
	struct fbk_surface *s;
	if (fbk_surface_create(&s, w->img->width, w->img->height, FBK_FORMAT_ARGB8888))
		return NULL;
	for (int round = 0; round < 20; round++) {
		if (fbk_png_draw(s, w->png, 0, 0, FBK_OP_SRC)) {
			w->failures++;
			continue;
		}
		for (int32_t y = 0; y < w->img->height; y += 7)
			for (int32_t x = 0; x < w->img->width; x += 3)
				w->failures += *(uint32_t *)fbk_surface_pixel(s, x, y) !=
					       expected_argb(w->img, x, y);
	}
	fbk_surface_destroy(s);
	return NULL;
}

static void test_threads(void)
{
	for (int interlaced = 0; interlaced < 2; interlaced++) {
		struct test_image img;
		make_image(&img, &kinds[24], 120, 90, interlaced);
		struct membuf b = { 0 };
		encode_png(&img, &b, 6, NULL);
		char path[512];
		temp_path(path, sizeof(path), "shared.png");
		write_file(path, b.data, b.size);
		struct fbk_png *png = NULL;
		CHECK(fbk_png_open(&png, path, NULL) == 0, "open: %s", fbk_last_error());
		struct worker workers[4];
		for (int i = 0; png && i < 4; i++) {
			workers[i] = (struct worker){ .png = png, .img = &img };
			pthread_create(&workers[i].thread, NULL, draw_many, &workers[i]);
		}
		for (int i = 0; png && i < 4; i++) {
			pthread_join(workers[i].thread, NULL);
			CHECK(workers[i].failures == 0, "thread %d: %d failures", i,
			      workers[i].failures);
		}
		fbk_png_close(png);
		unlink(path);
		membuf_free(&b);
		image_free(&img);
	}
}

#else

/* Without libpng every call fails cleanly. */
static void test_without_libpng(void)
{
	struct fbk_png *png = (struct fbk_png *)&png;
	CHECK(fbk_png_open(&png, "x.png", NULL) == -ENOTSUP && png == NULL, "open");
	CHECK(strstr(fbk_last_error(), "libpng") && strstr(fbk_last_error(), "x.png"), "message: %s",
	      fbk_last_error());
	CHECK(fbk_png_open_memory(&png, "abc", 3, "mem.png", NULL) == -ENOTSUP &&
		      strstr(fbk_last_error(), "mem.png"),
	      "open_memory: %s", fbk_last_error());
	struct fbk_surface *s;
	fbk_surface_create(&s, 4, 4, FBK_FORMAT_XRGB8888);
	struct fbk_rect box = { 0, 0, 4, 4 };
	CHECK(fbk_png_draw(s, NULL, 0, 0, FBK_OP_SRC) == -ENOTSUP, "draw");
	CHECK(fbk_png_draw_fit(s, NULL, &box, FBK_FIT_CONTAIN, 0, FBK_FILTER_SMOOTH, FBK_OP_SRC) ==
		      -ENOTSUP,
	      "draw_fit");
	CHECK(fbk_png_get_info(NULL) == NULL, "info");
	fbk_png_close(NULL);
	fbk_surface_destroy(s);
}

#endif /* FBK_HAVE_PNG */

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(temp_dir, sizeof(temp_dir), "%s/fbkit-test-png-load-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(temp_dir)) {
		fprintf(stderr, "cannot create a temporary folder: %s\n", strerror(errno));
		return 1;
	}
#if FBK_HAVE_PNG
	test_bad_arguments();
	test_every_16bit_value();
	test_wide_rows();
	test_corpus();
	test_fit();
	test_limits();
	test_corrupt();
	test_early_stop();
	test_threads();
#else
	test_without_libpng();
#endif
	rmdir(temp_dir);
	return harness_exit();
}
