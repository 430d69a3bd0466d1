/*
 * Surface descriptors: validation, allocation, sub-surfaces, clips, pixel
 * addresses, rectangles.
 */
#include <errno.h>

#include "harness.h"

static void check_init(void)
{
	uint8_t buf[64 * 4];
	struct fbk_surface s;
	CHECK(fbk_surface_init(&s, buf, 8, 8, 32, FBK_FORMAT_XRGB8888) == 0, "8x8 XRGB");
	CHECK(s.clip.x == 0 && s.clip.y == 0 && s.clip.w == 8 && s.clip.h == 8, "clip is all");
	CHECK(s.owned_memory == NULL, "wrapping owns nothing");
	CHECK(fbk_surface_init(&s, buf, 8, 8, 31, FBK_FORMAT_XRGB8888) == -EINVAL, "stride too small");
	CHECK(strstr(fbk_last_error(), "stride") != NULL, "message names stride: %s", fbk_last_error());
	CHECK(fbk_surface_init(&s, buf, 8, 8, 33, FBK_FORMAT_XRGB8888) == 0, "odd stride is fine");
	CHECK(fbk_surface_init(&s, buf, 10, 3, 30, FBK_FORMAT_RGB888) == 0, "RGB888 minimal stride");
	CHECK(fbk_surface_init(&s, buf, 0, 8, 32, FBK_FORMAT_XRGB8888) == -EINVAL, "zero width");
	CHECK(fbk_surface_init(&s, buf, 8, -1, 32, FBK_FORMAT_XRGB8888) == -EINVAL, "negative height");
	CHECK(fbk_surface_init(&s, buf, 40000, 1, 160000, FBK_FORMAT_XRGB8888) == -EINVAL, "too wide");
	CHECK(fbk_surface_init(&s, NULL, 8, 8, 32, FBK_FORMAT_XRGB8888) == -EINVAL, "NULL pixels");
	CHECK(fbk_surface_init(NULL, buf, 8, 8, 32, FBK_FORMAT_XRGB8888) == -EINVAL, "NULL surface");
	CHECK(fbk_surface_init(&s, buf, 8, 8, 32, 0x12345678) == -ENOTSUP, "unknown format");
	CHECK(fbk_surface_init(&s, buf, 8, 8, SIZE_MAX / 2, FBK_FORMAT_XRGB8888) == -EFBIG,
	      "stride * height overflows");
	CHECK(strstr(fbk_last_error(), "overflow") != NULL, "says overflow: %s", fbk_last_error());
}

static void check_create(void)
{
	struct fbk_surface *s = NULL;
	CHECK(fbk_surface_create(&s, 13, 7, FBK_FORMAT_RGB888) == 0 && s, "create 13x7 RGB888");
	if (s) {
		CHECK(s->stride >= 39 && s->stride % 16 == 0, "stride %zu", s->stride);
		CHECK(s->owned_memory == s->pixels, "owns its pixels");
		CHECK((uintptr_t)s->pixels % 64 == 0, "pixels at %p: not cache-line aligned",
		      s->pixels);
		uint8_t *p = s->pixels;
		int zero = 1;
		for (size_t i = 0; i < s->stride * 7; i++)
			zero &= p[i] == 0;
		CHECK(zero, "pixels start zeroed");
	}
	if (s) {
		struct fbk_rect part = { 1, 1, 2, 2 };
		CHECK(fbk_surface_sub(s, s, &part) == -EINVAL && s->owned_memory == s->pixels,
		      "an owning surface cannot turn into its own sub-surface");
	}
	fbk_surface_destroy(s);
	fbk_surface_destroy(NULL);
	s = (struct fbk_surface *)1;
	CHECK(fbk_surface_create(&s, 0, 7, FBK_FORMAT_RGB888) == -EINVAL && s == NULL, "bad size");
	CHECK(fbk_surface_create(&s, 7, 7, 0) == -ENOTSUP && s == NULL, "bad format");
	CHECK(fbk_surface_create(NULL, 7, 7, FBK_FORMAT_RGB888) == -EINVAL, "NULL out");
}

static void check_sub_and_clip(void)
{
	uint32_t buf[10 * 10];
	struct fbk_surface s, sub;
	fbk_surface_init(&s, buf, 10, 10, 40, FBK_FORMAT_ARGB8888);
	struct fbk_rect r = { 2, 3, 4, 5 };
	CHECK(fbk_surface_sub(&sub, &s, &r) == 0, "sub");
	CHECK(sub.pixels == (void *)&buf[3 * 10 + 2], "sub starts at (2,3)");
	CHECK(sub.width == 4 && sub.height == 5 && sub.stride == 40, "sub geometry");
	CHECK(sub.clip.x == 0 && sub.clip.w == 4 && sub.clip.h == 5, "sub clip");
	CHECK(sub.owned_memory == NULL, "sub owns nothing");

	struct fbk_rect past = { 8, 8, 10, 10 };
	CHECK(fbk_surface_sub(&sub, &s, &past) == 0 && sub.width == 2 && sub.height == 2,
	      "sub cut to the parent");
	struct fbk_rect outside = { 10, 0, 3, 3 };
	CHECK(fbk_surface_sub(&sub, &s, &outside) == -EINVAL, "sub outside the parent");

	struct fbk_rect clip = { -5, 4, 9, 100 };
	fbk_surface_set_clip(&s, &clip);
	CHECK(s.clip.x == 0 && s.clip.y == 4 && s.clip.w == 4 && s.clip.h == 6, "clip cut to bounds");
	CHECK(fbk_surface_sub(&sub, &s, &r) == 0, "sub of clipped");
	CHECK(sub.clip.x == 0 && sub.clip.y == 1 && sub.clip.w == 2 && sub.clip.h == 4,
	      "sub clip follows parent clip: %d,%d %dx%d", sub.clip.x, sub.clip.y, sub.clip.w,
	      sub.clip.h);
	struct fbk_rect away = { 100, 100, 5, 5 };
	fbk_surface_set_clip(&s, &away);
	CHECK(s.clip.w == 0 && s.clip.h == 0, "clip that misses is empty");
	fbk_surface_set_clip(&s, NULL);
	CHECK(s.clip.w == 10 && s.clip.h == 10, "NULL resets the clip");
}

static void check_pixel_address(void)
{
	uint8_t buf[6 * 40];
	struct fbk_surface s;
	fbk_surface_init(&s, buf, 10, 6, 40, FBK_FORMAT_RGB888);
	CHECK(fbk_surface_pixel(&s, 3, 2) == buf + 2 * 40 + 3 * 3, "RGB888 (3, 2) at %p",
	      fbk_surface_pixel(&s, 3, 2));
	/* A descriptor the caller filled in by hand with a format fbkit lacks. */
	struct fbk_surface unknown = s;
	unknown.format = 0x12345678;
	CHECK(fbk_surface_pixel(&unknown, 3, 2) == NULL, "unknown format: %p, want NULL",
	      fbk_surface_pixel(&unknown, 3, 2));
	unknown.format = 0;
	CHECK(fbk_surface_pixel(&unknown, 0, 0) == NULL, "format 0: %p, want NULL",
	      fbk_surface_pixel(&unknown, 0, 0));
}

static void check_rects(void)
{
	struct fbk_rect out;
	struct fbk_rect a = { 0, 0, 10, 10 }, b = { 5, 5, 10, 10 };
	CHECK(fbk_rect_intersect(&a, &b, &out) == 1 && out.x == 5 && out.w == 5 && out.h == 5, "overlap");
	struct fbk_rect c = { 10, 0, 5, 5 };
	CHECK(fbk_rect_intersect(&a, &c, &out) == 0 && out.w == 0, "touching edges are empty");
	struct fbk_rect huge = { INT32_MAX - 1, INT32_MAX - 1, INT32_MAX, INT32_MAX };
	struct fbk_rect all = { INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX };
	CHECK(fbk_rect_intersect(&huge, &huge, &out) == 1 && out.w == INT32_MAX, "no overflow");
	CHECK(fbk_rect_intersect(&all, &a, &out) == 0, "ends at -1");
	struct fbk_rect neg = { 0, 0, -3, 4 };
	CHECK(fbk_rect_intersect(&neg, &a, &out) == 0, "negative width is empty");
}

int main(void)
{
	check_init();
	check_create();
	check_sub_and_clip();
	check_pixel_address();
	check_rects();
	return harness_exit();
}
