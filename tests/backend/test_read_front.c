/*
 * fbk_display_read_front on the offscreen backend: with back-buffer it
 * reads what was presented, not what was drawn since, so a forgotten
 * present shows; without, the screen is the drawing. fbdev and DRM share
 * fbk_present_read and are read in the VM tests' guests.
 */
#include <errno.h>

#include "harness.h"

static int compare_to(const struct fbk_surface *drawn, const struct fbk_surface *front,
		      struct fbk_compare_result *r)
{
	struct fbk_compare_options q = FBK_COMPARE_OPTIONS_INIT(.flags = FBK_COMPARE_QUANTIZE);
	return fbk_compare(drawn, front, &q, r);
}

static void test_back_buffer(const char *spec, uint32_t read_format)
{
	struct fbk_display *d = NULL;
	if (fbk_display_open(&d, spec)) {
		CHECK(0, "%s: %s", spec, fbk_last_error());
		return;
	}
	struct fbk_surface *s = fbk_display_surface(d);
	struct fbk_surface *front = NULL;
	CHECK(fbk_surface_create(&front, s->width, s->height, read_format) == 0, "create");
	struct fbk_compare_result r = FBK_COMPARE_RESULT_INIT;

	/* Drawn and presented: the front is the drawing. */
	fbk_fill(s, NULL, FBK_RGB(0, 0, 200));
	fbk_fill(s, &(struct fbk_rect){ 1, 1, 3, 2 }, FBK_RGB(255, 128, 0));
	CHECK(fbk_display_present(d, NULL, 0) == 0, "present: %s", fbk_last_error());
	CHECK(fbk_display_read_front(d, front) == 0, "%s: read: %s", spec, fbk_last_error());
	CHECK(compare_to(s, front, &r) == 0, "%s: presented frame differs in %llu pixels, "
	      "worst %u at %d,%d", spec, (unsigned long long)r.differing, r.worst, r.worst_x,
	      r.worst_y);

	/* Drawn, present forgotten: the front still shows the last frame. */
	fbk_fill(s, &(struct fbk_rect){ 5, 4, 2, 2 }, FBK_RGB(0, 255, 0));
	CHECK(fbk_display_read_front(d, front) == 0, "read again: %s", fbk_last_error());
	int ret = compare_to(s, front, &r);
	CHECK(ret == 1 && r.differing == 4 && r.bounds.x == 5 && r.bounds.y == 4 &&
	      r.bounds.w == 2 && r.bounds.h == 2, "%s: forgotten present not seen: ret %d, "
	      "%llu pixels differ", spec, ret, (unsigned long long)r.differing);

	/* A partial present shows only its rectangle. */
	fbk_fill(s, &(struct fbk_rect){ 0, 0, 1, 1 }, FBK_RGB(255, 255, 255));
	CHECK(fbk_display_present(d, &(struct fbk_rect){ 5, 4, 2, 2 }, 1) == 0, "present part");
	CHECK(fbk_display_read_front(d, front) == 0, "read part: %s", fbk_last_error());
	ret = compare_to(s, front, &r);
	CHECK(ret == 1 && r.differing == 1 && r.bounds.x == 0 && r.bounds.y == 0,
	      "%s: partial present: ret %d, %llu differ", spec, ret,
	      (unsigned long long)r.differing);

	fbk_surface_destroy(front);
	fbk_display_close(d);
}

static void test_in_place(void)
{
	struct fbk_display *d = NULL;
	if (fbk_display_open(&d, "offscreen:6x5,format=AR24")) {
		CHECK(0, "open: %s", fbk_last_error());
		return;
	}
	struct fbk_surface *s = fbk_display_surface(d);
	struct fbk_surface *front = NULL;
	CHECK(fbk_surface_create(&front, 6, 5, FBK_FORMAT_ARGB8888) == 0, "create");
	fbk_fill(s, &(struct fbk_rect){ 2, 2, 2, 2 }, FBK_RGBA(10, 20, 30, 255));
	CHECK(fbk_display_read_front(d, front) == 0, "in place: %s", fbk_last_error());
	CHECK(fbk_compare(s, front, NULL, NULL) == 0, "in place: the front is the drawing");

	/* Errors: a wrong size, NULLs. */
	struct fbk_surface *small = NULL;
	CHECK(fbk_surface_create(&small, 5, 5, FBK_FORMAT_ARGB8888) == 0, "create small");
	CHECK(fbk_display_read_front(d, small) == -EINVAL, "wrong size: %s", fbk_last_error());
	CHECK(fbk_display_read_front(NULL, front) == -EINVAL, "NULL display");
	CHECK(fbk_display_read_front(d, NULL) == -EINVAL, "NULL surface");
	struct fbk_surface bad = *front;
	bad.format = 0;
	CHECK(fbk_display_read_front(d, &bad) == -ENOTSUP, "bad format: %s", fbk_last_error());
	fbk_surface_destroy(small);
	fbk_surface_destroy(front);
	fbk_display_close(d);
}

int main(void)
{
	test_back_buffer("offscreen:8x6,back-buffer", FBK_FORMAT_XRGB8888);
	/* The screen in RGB565 read into XRGB8888, and XRGB8888 into RGB565. */
	test_back_buffer("offscreen:9x7,format=RG16,back-buffer", FBK_FORMAT_XRGB8888);
	test_back_buffer("offscreen:9x7,back-buffer", FBK_FORMAT_RGB565);
	test_in_place();
	return harness_exit();
}
