/*
 * Comparing surfaces for rendering tests: what tests/golden.h does for
 * fbkit's own tests, as library calls for users' tests. It lives in image/
 * because it is image work on whole surfaces, like PNG in and out, and
 * needs only core (surfaces, errors) and pixel (the row codecs that turn
 * any format into 0xAARRGGBB); loading a golden PNG reuses the PNG API.
 *
 * Both surfaces are read a row chunk at a time through their codecs; with
 * FBK_COMPARE_QUANTIZE the expected chunk goes once more through the
 * actual format's pack and unpack, which is exactly what drawing that
 * colour into the actual format would have stored.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/error.h"
#include "fbkit/compare.h"
#include "fbkit/png.h"
#include "pixel/pixel.h"

/* The options as this version knows them, defaults filled in; see png_input.c's limits. */
static int read_options(struct fbk_compare_options *o, const struct fbk_compare_options *given)
{
	*o = (struct fbk_compare_options){ .size = sizeof(*o) };
	if (!given)
		return 0;
	if (given->size < sizeof(given->size))
		return fbk_fail(-EINVAL, "compare options with size %u: initialise them with "
				"FBK_COMPARE_OPTIONS_INIT", (unsigned)given->size);
	memcpy(o, given, given->size < sizeof(*o) ? given->size : sizeof(*o));
	/* Extra bytes past the known size are compared one by one: padding would be garbage. */
	for (size_t i = sizeof(*o); i < given->size; i++)
		if (((const uint8_t *)given)[i])
			return fbk_fail(-ENOTSUP, "compare options of %u bytes set a field this "
					"fbkit (%zu bytes) does not know", (unsigned)given->size,
					sizeof(*o));
	if (o->tolerance > 255)
		return fbk_fail(-EINVAL, "compare tolerance %u is over 255 (channels are "
				"compared as 8-bit values)", (unsigned)o->tolerance);
	if (o->flags & ~(uint64_t)FBK_COMPARE_QUANTIZE)
		return fbk_fail(-EINVAL, "compare flags 0x%llx: unknown bits",
				(unsigned long long)o->flags);
	if (o->ignore_count && !o->ignore)
		return fbk_fail(-EINVAL, "compare options: %llu ignore rectangles but no array",
				(unsigned long long)o->ignore_count);
	return 0;
}

static bool rect_inside(const struct fbk_rect *r, int32_t w, int32_t h)
{
	return r->w > 0 && r->h > 0 && r->x >= 0 && r->y >= 0 && r->x <= w - r->w &&
	       r->y <= h - r->h;
}

/* Everything a walk over the region needs; ignore rectangles already cut to the surface. */
struct walk {
	struct fbk_compare_options opt;
	struct fbk_rect region;
	const struct fbk_row_codec *want_codec, *got_codec;
	int want_bpp, got_bpp;
	bool alpha;
};

static int prepare(struct walk *w, const struct fbk_surface *expected,
		   const struct fbk_surface *actual, const struct fbk_compare_options *options)
{
	if (!expected || !actual)
		return fbk_fail(-EINVAL, "compare: NULL surface");
	int err = fbk_surface_check(expected);
	if (err)
		return fbk_fail_context(err, "compare: expected surface");
	err = fbk_surface_check(actual);
	if (err)
		return fbk_fail_context(err, "compare: actual surface");
	if (expected->width != actual->width || expected->height != actual->height)
		return fbk_fail(-EINVAL, "compare: expected is %dx%d, actual is %dx%d: the "
				"sizes must be equal", (int)expected->width, (int)expected->height,
				(int)actual->width, (int)actual->height);
	err = read_options(&w->opt, options);
	if (err)
		return err;
	int32_t width = actual->width, height = actual->height;
	w->region = w->opt.region;
	if (w->region.w == 0 && w->region.h == 0)
		w->region = (struct fbk_rect){ 0, 0, width, height };
	else if (!rect_inside(&w->region, width, height))
		return fbk_fail(-EINVAL, "compare: region %d,%d %dx%d is not inside the %dx%d "
				"surfaces", (int)w->region.x, (int)w->region.y, (int)w->region.w,
				(int)w->region.h, (int)width, (int)height);
	const struct fbk_rect whole = { 0, 0, width, height };
	for (uint64_t i = 0; i < w->opt.ignore_count; i++) {
		const struct fbk_rect *r = &w->opt.ignore[i];
		struct fbk_rect cut;
		if (r->w <= 0 || r->h <= 0 || !fbk_rect_intersect(r, &whole, &cut))
			return fbk_fail(-EINVAL, "compare: ignore rectangle %llu (%d,%d %dx%d) is "
					"empty or outside the %dx%d surfaces", (unsigned long long)i,
					(int)r->x, (int)r->y, (int)r->w, (int)r->h, (int)width,
					(int)height);
	}
	w->want_codec = fbk_row_codec(expected->format);
	w->got_codec = fbk_row_codec(actual->format);
	w->want_bpp = fbk_format_info(expected->format)->bytes_per_pixel;
	w->got_bpp = fbk_format_info(actual->format)->bytes_per_pixel;
	w->alpha = fbk_format_has_alpha(expected->format) && fbk_format_has_alpha(actual->format);
	return 0;
}

static bool ignored(const struct walk *w, int32_t x, int32_t y)
{
	for (uint64_t i = 0; i < w->opt.ignore_count; i++) {
		const struct fbk_rect *r = &w->opt.ignore[i];
		if (x >= r->x && y >= r->y && x - r->x < r->w && y - r->y < r->h)
			return true;
	}
	return false;
}

static uint32_t channel_diff(uint32_t a, uint32_t b, int shift)
{
	int d = (int)((a >> shift) & 0xff) - (int)((b >> shift) & 0xff);
	return (uint32_t)(d < 0 ? -d : d);
}

static uint32_t pixel_diff(uint32_t a, uint32_t b, bool alpha)
{
	uint32_t worst = channel_diff(a, b, 0);
	for (int shift = 8; shift <= (alpha ? 24 : 16); shift += 8) {
		uint32_t d = channel_diff(a, b, shift);
		if (d > worst)
			worst = d;
	}
	return worst;
}

/* What the diff picture shows for one pixel of the actual image. */
static uint32_t dimmed(uint32_t argb, uint32_t tint)
{
	uint32_t grey = (((argb >> 16) & 0xff) + ((argb >> 8) & 0xff) + (argb & 0xff)) / 12;
	return 0xff000000u | grey << 16 | grey << 8 | grey | tint;
}

/*
 * Compare the region a chunk at a time; write the diff picture's rows into
 * diff (XRGB8888, same size) when it is not NULL.
 */
static void walk(const struct walk *w, const struct fbk_surface *expected,
		 const struct fbk_surface *actual, struct fbk_compare_result *res,
		 struct fbk_surface *diff)
{
	uint32_t want[FBK_ROW_CHUNK], got[FBK_ROW_CHUNK], out[FBK_ROW_CHUNK];
	const struct fbk_row_codec *xrgb = fbk_row_codec(FBK_FORMAT_XRGB8888);
	uint8_t packed[FBK_ROW_CHUNK * 4];
	int32_t x1 = w->region.x + w->region.w, y1 = w->region.y + w->region.h;
	int32_t bx0 = INT32_MAX, by0 = INT32_MAX, bx1 = -1, by1 = -1;
	bool quantize = w->opt.flags & FBK_COMPARE_QUANTIZE;

	*res = (struct fbk_compare_result){ .size = sizeof(*res), .worst_x = -1, .worst_y = -1 };
	for (int32_t y = 0; y < actual->height; y++) {
		const uint8_t *wrow = (const uint8_t *)expected->pixels + (size_t)y * expected->stride;
		const uint8_t *grow = (const uint8_t *)actual->pixels + (size_t)y * actual->stride;
		bool row_in = y >= w->region.y && y < y1;
		/* Only the diff picture needs the rows outside the region. */
		if (!row_in && !diff)
			continue;
		for (int32_t x0 = 0; x0 < actual->width; x0 += FBK_ROW_CHUNK) {
			int32_t n = actual->width - x0 < FBK_ROW_CHUNK ? actual->width - x0
								       : FBK_ROW_CHUNK;
			w->want_codec->unpack(want, wrow + (size_t)x0 * (size_t)w->want_bpp, n);
			w->got_codec->unpack(got, grow + (size_t)x0 * (size_t)w->got_bpp, n);
			if (quantize) {
				w->got_codec->pack(packed, want, n);
				w->got_codec->unpack(want, packed, n);
			}
			for (int32_t i = 0; i < n; i++) {
				int32_t x = x0 + i;
				if (!row_in || x < w->region.x || x >= x1 || ignored(w, x, y)) {
					out[i] = dimmed(got[i], 0x60);
					continue;
				}
				res->compared++;
				uint32_t d = pixel_diff(want[i], got[i], w->alpha);
				if (d > res->worst) {
					res->worst = d;
					res->worst_x = x;
					res->worst_y = y;
				}
				if (d <= w->opt.tolerance) {
					out[i] = dimmed(got[i], 0);
					continue;
				}
				out[i] = 0xffff0000u;
				res->differing++;
				bx0 = x < bx0 ? x : bx0;
				bx1 = x > bx1 ? x : bx1;
				by0 = y < by0 ? y : by0;
				by1 = y;
			}
			if (diff)
				xrgb->pack((uint8_t *)diff->pixels + (size_t)y * diff->stride +
						   (size_t)x0 * 4, out, n);
		}
	}
	if (res->differing)
		res->bounds = (struct fbk_rect){ bx0, by0, bx1 - bx0 + 1, by1 - by0 + 1 };
}

int fbk_compare(const struct fbk_surface *expected, const struct fbk_surface *actual,
		const struct fbk_compare_options *options, struct fbk_compare_result *result)
{
	struct walk w;
	if (result && result->size < sizeof(result->size))
		return fbk_fail(-EINVAL, "compare result with size %u: initialise it with "
				"FBK_COMPARE_RESULT_INIT", (unsigned)result->size);
	int err = prepare(&w, expected, actual, options);
	if (err)
		return err;
	struct fbk_compare_result res;
	walk(&w, expected, actual, &res, NULL);
	if (result) {
		/* Only the fields the caller's structure has; its size stays as it was. */
		uint32_t size = result->size;
		memcpy((uint8_t *)result + sizeof(size), (const uint8_t *)&res + sizeof(size),
		       (size < sizeof(res) ? size : sizeof(res)) - sizeof(size));
	}
	return res.differing > w.opt.max_pixels ? 1 : 0;
}

int fbk_compare_diff(struct fbk_surface **out, const struct fbk_surface *expected,
		     const struct fbk_surface *actual, const struct fbk_compare_options *options)
{
	struct walk w;
	if (!out)
		return fbk_fail(-EINVAL, "compare diff: NULL out");
	*out = NULL;
	int err = prepare(&w, expected, actual, options);
	if (err)
		return err;
	struct fbk_surface *diff;
	err = fbk_surface_create(&diff, actual->width, actual->height, FBK_FORMAT_XRGB8888);
	if (err)
		return err;
	struct fbk_compare_result res;
	walk(&w, expected, actual, &res, diff);
	*out = diff;
	return 0;
}

int fbk_png_load(struct fbk_surface **out, const char *path, uint32_t format)
{
	if (!out || !path)
		return fbk_fail(-EINVAL, "load PNG: NULL %s", out ? "path" : "out");
	*out = NULL;
	if (format && !fbk_format_info(format))
		return fbk_fail(-ENOTSUP, "load PNG %s: unknown format 0x%08x", path,
				(unsigned)format);
	struct fbk_png *png;
	int err = fbk_png_open(&png, path, NULL);
	if (err)
		return err;
	const struct fbk_png_info *info = fbk_png_get_info(png);
	if (!format)
		format = info->has_alpha ? FBK_FORMAT_ARGB8888 : FBK_FORMAT_XRGB8888;
	struct fbk_surface *s;
	err = fbk_surface_create(&s, info->width, info->height, format);
	if (err)
		goto close;
	err = fbk_png_draw(s, png, 0, 0, FBK_OP_SRC);
	if (err) {
		fbk_surface_destroy(s);
		goto close;
	}
	*out = s;
close:
	fbk_png_close(png);
	return err;
}
