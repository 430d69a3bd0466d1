/* fbk_fill against a per-pixel reference, in every format, clipped, guarded. */
#include <errno.h>

#include "core/format_list.h"
#include "pixel/pixel.h"
#include "target.h"

/* The reference: one pixel at a time from the definitions. */
static struct fbk_color expected_fill(uint32_t format, struct fbk_color before, struct fbk_color c)
{
	if (c.a == 0)
		return before;
	if (c.a == 255)
		return stored(format, c);
	uint32_t blended = fbk_over_pixel(argb_of(before), argb_of(c), fbk_format_has_alpha(format));
	return stored(format, color_of(blended));
}

static void random_fill(uint32_t format, int round)
{
	struct target t;
	if (target_init(&t, format, round < 3000 ? 17 : 300)) {
		CHECK(0, "setting up a target");
		return;
	}
	struct fbk_rect rect = { rng_range(-20, t.view.width + 5), rng_range(-20, t.view.height + 5),
				 rng_range(-2, t.view.width + 20), rng_range(-2, t.view.height + 20) };
	bool whole = rng_next() % 8 == 0;
	struct fbk_color c = rng_color();
	switch (rng_next() % 4) {
	case 0: c.a = 255; break;
	case 1: c.a = 0; break;
	}
	CHECK(fbk_fill(&t.view, whole ? NULL : &rect, c) == 0, "fill returns 0");

	const struct fbk_surface *all = &t.buffer.surface;
	int bad = 0;
	for (int32_t y = 0; y < all->height && !bad; y++) {
		for (int32_t x = 0; x < all->width && !bad; x++) {
			int32_t vx = x - t.view_x, vy = y - t.view_y;
			bool inside = target_drawable(&t, x, y) &&
				      (whole || (vx >= rect.x && vx < rect.x + rect.w && vy >= rect.y &&
						 vy < rect.y + rect.h));
			struct fbk_color before = target_before(&t, x, y);
			struct fbk_color want = inside ? expected_fill(format, before, c) : before;
			struct fbk_color got = pixel_at(all, x, y);
			if (!color_equal(got, want)) {
				bad = 1;
				CHECK(0, "round %d %s pixel (%d,%d): got %02x%02x%02x%02x want %02x%02x%02x%02x",
				      round, fbk_format_info(format)->name, x, y, got.a, got.r, got.g, got.b,
				      want.a, want.r, want.g, want.b);
			}
		}
	}
	CHECK(!bad, "fill matches the reference");
	CHECK(guarded_intact(&t.buffer), "round %d: fill wrote outside the surface", round);
	target_finish(&t);
}

static void bad_input(void)
{
	uint32_t px[4] = { 1, 2, 3, 4 };
	struct fbk_surface s;
	fbk_surface_init(&s, px, 2, 2, 8, FBK_FORMAT_XRGB8888);
	CHECK(fbk_fill(NULL, NULL, FBK_RGB(1, 2, 3)) == -EINVAL, "NULL surface");
	struct fbk_surface broken = s;
	broken.stride = 4;
	CHECK(fbk_fill(&broken, NULL, FBK_RGB(1, 2, 3)) == -EINVAL, "bad stride");
	broken = s;
	broken.format = 0;
	CHECK(fbk_fill(&broken, NULL, FBK_RGB(1, 2, 3)) == -ENOTSUP, "bad format");
	CHECK(px[0] == 1 && px[1] == 2 && px[2] == 3 && px[3] == 4, "nothing written");
	/* A clip written by hand past the bounds must not let fill escape. */
	struct fbk_surface wild = s;
	wild.clip = (struct fbk_rect){ -100, -100, 1000, 1000 };
	uint32_t guard[8] = { 0 };
	uint32_t *inner = guard + 2;
	fbk_surface_init(&wild, inner, 2, 2, 8, FBK_FORMAT_XRGB8888);
	wild.clip = (struct fbk_rect){ -100, -100, 1000, 1000 };
	CHECK(fbk_fill(&wild, NULL, FBK_RGB(255, 255, 255)) == 0, "wild clip");
	CHECK(guard[0] == 0 && guard[1] == 0 && guard[6] == 0 && guard[7] == 0, "stayed inside");
}

/*
 * Opaque fills of long rows, which go to the C library (wmemset) when the
 * destination is word-aligned: every width around that path's threshold,
 * every byte alignment of the first pixel, rows that touch (one long row)
 * and rows that do not, checked pixel by pixel and against the guards.
 */
static void long_rows(void)
{
	static const uint32_t formats[] = { FBK_FORMAT_XRGB8888, FBK_FORMAT_ABGR8888,
					    FBK_FORMAT_RGB565, FBK_FORMAT_BGR565,
					    FBK_FORMAT_ARGB1555 };
	static const int32_t widths[] = { 255, 256, 257, 300, 511, 512, 513, 1021, 1024 };
	int cases = 0;
	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++) {
			for (int skip = 0; skip < 4; skip++) {
				for (size_t extra = 0; extra <= 6; extra += 3) {
					struct guarded g;
					int32_t w = widths[wi] + skip, h = 3;
					if (guarded_init(&g, w, h, extra, formats[f])) {
						CHECK(0, "setting up a %dx%d surface", (int)w, (int)h);
						return;
					}
					/* skip pixels in: the first pixel's address moves by 2 or 4 bytes */
					struct fbk_rect r = { skip, 0, widths[wi], h };
					struct fbk_color c = rng_color();
					c.a = 255;
					struct fbk_color want = stored(formats[f], c);
					uint8_t *before = malloc(g.block_size);
					memcpy(before, g.block, g.block_size);
					CHECK(fbk_fill(&g.surface, &r, c) == 0, "long fill returns 0");
					int bad = 0;
					for (int32_t y = 0; y < h; y++) {
						for (int32_t x = 0; x < w; x++) {
							struct fbk_color got = pixel_at(&g.surface, x, y);
							bool inside = x >= skip;
							size_t at = (size_t)((uint8_t *)fbk_surface_pixel(&g.surface, x, y) -
									     (uint8_t *)g.block);
							bool same = !memcmp(before + at,
									    g.block + at,
									    fbk_format_info(formats[f])->bytes_per_pixel);
							bad += inside ? !color_equal(got, want) : !same;
						}
					}
					CHECK(bad == 0, "%s, %d pixels from x %d, stride +%zu: %d wrong",
					      fbk_format_info(formats[f])->name, (int)widths[wi], skip,
					      extra, bad);
					CHECK(guarded_intact(&g), "long fill wrote outside the surface");
					free(before);
					guarded_finish(&g);
					cases++;
				}
			}
		}
	}
	printf("%d long-row fills\n", cases);
}

/*
 * Translucent fills of long rows: XRGB8888 and RGB565 blend in one pass on
 * the stored pixels (rows that touch as one long row), the others through
 * unpacked rows. Every pixel against the reference, the X byte written 0,
 * and nothing outside the rectangle or the surface touched.
 */
static void translucent_rows(void)
{
	static const uint32_t formats[] = { FBK_FORMAT_XRGB8888, FBK_FORMAT_RGB565,
					    FBK_FORMAT_BGR565, FBK_FORMAT_ARGB8888 };
	static const int32_t widths[] = { 1, 7, 31, 64, 257, 1021 };
	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		size_t bpp = fbk_format_info(formats[f])->bytes_per_pixel;
		for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++) {
			for (size_t extra = 0; extra <= 8; extra += 8) {
				/* x from 0: the whole width; from 1: rows never touch */
				for (int32_t x0 = 0; x0 < 2; x0++) {
					struct guarded g;
					int32_t w = widths[wi] + x0, h = 5;
					if (guarded_init(&g, w, h, extra, formats[f])) {
						CHECK(0, "setting up a %dx%d surface", (int)w, (int)h);
						return;
					}
					struct fbk_color c = rng_color();
					c.a = (uint8_t)rng_range(1, 254);
					uint8_t *before = malloc(g.block_size);
					if (!before) {
						CHECK(0, "out of memory");
						guarded_finish(&g);
						return;
					}
					memcpy(before, g.block, g.block_size);
					struct fbk_surface was = g.surface;
					was.pixels = before + ((uint8_t *)g.surface.pixels - g.block);
					struct fbk_rect r = { x0, 1, widths[wi], h - 2 };
					CHECK(fbk_fill(&g.surface, &r, c) == 0, "translucent fill returns 0");
					int bad = 0;
					for (int32_t y = 0; y < h; y++) {
						for (int32_t x = 0; x < w; x++) {
							const uint8_t *at = fbk_surface_pixel(&g.surface, x, y);
							const uint8_t *old = fbk_surface_pixel(&was, x, y);
							bool inside = x >= x0 && y >= 1 && y < h - 1;
							if (!inside) {
								bad += memcmp(at, old, bpp) != 0;
								continue;
							}
							struct fbk_color want = expected_fill(
								formats[f], pixel_at(&was, x, y), c);
							bad += !color_equal(pixel_at(&g.surface, x, y), want);
							if (formats[f] == FBK_FORMAT_XRGB8888)
								bad += at[3] != 0;
						}
					}
					CHECK(bad == 0, "%s alpha %d, %d pixels from x %d, stride +%zu: %d wrong",
					      fbk_format_info(formats[f])->name, c.a, (int)widths[wi],
					      (int)x0, extra, bad);
					CHECK(guarded_intact(&g),
					      "translucent fill wrote outside the surface");
					free(before);
					guarded_finish(&g);
				}
			}
		}
	}
}

int main(void)
{
	rng_seed(42);
	int rounds = 0;
	for (int round = 0; round < 4000; round++) {
		const struct fbk_format_info *f = fbk_format_at((size_t)round % FBK_FORMAT_COUNT);
		random_fill(f->fourcc, round);
		rounds++;
	}
	printf("%d random fills\n", rounds);
	long_rows();
	translucent_rows();
	bad_input();
	return harness_exit();
}
