/*
 * fbk_fit_rect: tables of worked cases for every mode and alignment, the
 * documented rounding checked as a property over random sizes, and bad input.
 */
#include <errno.h>

#include "harness.h"

#define L FBK_ALIGN_LEFT
#define R FBK_ALIGN_RIGHT
#define T FBK_ALIGN_TOP
#define B FBK_ALIGN_BOTTOM

struct fit_case {
	int32_t iw, ih;
	struct fbk_rect box;
	enum fbk_fit fit;
	unsigned align;
	struct fbk_rect want;
};

/* Worked by hand from the definitions in src/image/fit.c. */
static const struct fit_case cases[] = {
	/* 1x1 images */
	{ 1, 1, { 0, 0, 10, 10 }, FBK_FIT_NONE, 0, { 4, 4, 1, 1 } },
	{ 1, 1, { 0, 0, 10, 10 }, FBK_FIT_NONE, L | T, { 0, 0, 1, 1 } },
	{ 1, 1, { 0, 0, 10, 10 }, FBK_FIT_NONE, R | B, { 9, 9, 1, 1 } },
	{ 1, 1, { 0, 0, 10, 10 }, FBK_FIT_CONTAIN, 0, { 0, 0, 10, 10 } },
	{ 1, 1, { 0, 0, 10, 10 }, FBK_FIT_COVER, 0, { 0, 0, 10, 10 } },
	{ 1, 1, { 0, 0, 10, 10 }, FBK_FIT_STRETCH, 0, { 0, 0, 10, 10 } },
	{ 1, 1, { 0, 0, 10, 4 }, FBK_FIT_CONTAIN, 0, { 3, 0, 4, 4 } },
	{ 1, 1, { 0, 0, 10, 4 }, FBK_FIT_COVER, 0, { 0, -3, 10, 10 } },
	{ 1, 1, { 5, 6, 1, 1 }, FBK_FIT_NONE, 0, { 5, 6, 1, 1 } },
	{ 1, 1, { 5, 6, 1, 1 }, FBK_FIT_CONTAIN, R | B, { 5, 6, 1, 1 } },
	{ 1, 1, { 5, 6, 1, 1 }, FBK_FIT_COVER, L, { 5, 6, 1, 1 } },
	{ 1, 1, { 5, 6, 1, 1 }, FBK_FIT_STRETCH, T, { 5, 6, 1, 1 } },
	/* 4x3 into a square: contain pads top and bottom, cover cuts the sides */
	{ 4, 3, { 10, 20, 100, 100 }, FBK_FIT_CONTAIN, 0, { 10, 32, 100, 75 } },
	{ 4, 3, { 10, 20, 100, 100 }, FBK_FIT_CONTAIN, T, { 10, 20, 100, 75 } },
	{ 4, 3, { 10, 20, 100, 100 }, FBK_FIT_CONTAIN, B, { 10, 45, 100, 75 } },
	{ 4, 3, { 10, 20, 100, 100 }, FBK_FIT_CONTAIN, L | B, { 10, 45, 100, 75 } },
	{ 4, 3, { 10, 20, 100, 100 }, FBK_FIT_CONTAIN, R | T, { 10, 20, 100, 75 } },
	{ 4, 3, { 10, 20, 100, 100 }, FBK_FIT_COVER, 0, { -7, 20, 133, 100 } },
	{ 4, 3, { 10, 20, 100, 100 }, FBK_FIT_COVER, L, { 10, 20, 133, 100 } },
	{ 4, 3, { 10, 20, 100, 100 }, FBK_FIT_COVER, R, { -23, 20, 133, 100 } },
	{ 4, 3, { 10, 20, 100, 100 }, FBK_FIT_COVER, R | B, { -23, 20, 133, 100 } },
	{ 4, 3, { 10, 20, 100, 100 }, FBK_FIT_NONE, 0, { 58, 68, 4, 3 } },
	{ 4, 3, { 10, 20, 100, 100 }, FBK_FIT_NONE, R | B, { 106, 117, 4, 3 } },
	{ 4, 3, { 10, 20, 100, 100 }, FBK_FIT_STRETCH, R | B, { 10, 20, 100, 100 } },
	/* a tall image: contain pads the sides, cover cuts top and bottom */
	{ 3, 4, { 0, 0, 100, 100 }, FBK_FIT_CONTAIN, 0, { 12, 0, 75, 100 } },
	{ 3, 4, { 0, 0, 100, 100 }, FBK_FIT_CONTAIN, R, { 25, 0, 75, 100 } },
	{ 3, 4, { 0, 0, 100, 100 }, FBK_FIT_COVER, 0, { 0, -17, 100, 133 } },
	{ 3, 4, { 0, 0, 100, 100 }, FBK_FIT_COVER, B, { 0, -33, 100, 133 } },
	/* halves round up; the odd leftover pixel goes right or down */
	{ 2, 1, { 0, 0, 3, 10 }, FBK_FIT_CONTAIN, 0, { 0, 4, 3, 2 } },
	{ 1, 2, { 0, 0, 10, 3 }, FBK_FIT_CONTAIN, 0, { 4, 0, 2, 3 } },
	{ 3, 2, { 0, 0, 1, 1 }, FBK_FIT_COVER, 0, { -1, 0, 2, 1 } },
	{ 2, 3, { 0, 0, 1, 1 }, FBK_FIT_COVER, 0, { 0, -1, 1, 2 } },
	{ 3, 2, { 0, 0, 1, 1 }, FBK_FIT_CONTAIN, 0, { 0, 0, 1, 1 } },
	{ 2, 2, { 0, 0, 5, 5 }, FBK_FIT_NONE, 0, { 1, 1, 2, 2 } },
	{ 4, 4, { 0, 0, 1, 1 }, FBK_FIT_NONE, 0, { -2, -2, 4, 4 } },
	{ 5, 5, { 0, 0, 2, 2 }, FBK_FIT_NONE, 0, { -2, -2, 5, 5 } },
	/* a side that would round to 0 is 1 */
	{ 1000, 1, { 0, 0, 10, 10 }, FBK_FIT_CONTAIN, 0, { 0, 4, 10, 1 } },
	{ 1, 1000, { 0, 0, 10, 10 }, FBK_FIT_CONTAIN, R, { 9, 0, 1, 10 } },
	/* extreme aspect ratios */
	{ 32767, 1, { 0, 0, 1, 32767 }, FBK_FIT_CONTAIN, 0, { 0, 16383, 1, 1 } },
	{ 32767, 1, { 0, 0, 1, 32767 }, FBK_FIT_COVER, 0,
	  { -536838144, 0, 1073676289, 32767 } },
	{ 32767, 1, { 0, 0, 1, 32767 }, FBK_FIT_COVER, R, { -1073676288, 0, 1073676289, 32767 } },
	{ 32767, 1, { 0, 0, 1, 32767 }, FBK_FIT_NONE, 0, { -16383, 16383, 32767, 1 } },
	{ 32767, 1, { 0, 0, 1, 32767 }, FBK_FIT_STRETCH, 0, { 0, 0, 1, 32767 } },
	{ 1, 32767, { 0, 0, 32767, 1 }, FBK_FIT_CONTAIN, 0, { 16383, 0, 1, 1 } },
	{ 1, 32767, { 0, 0, 32767, 1 }, FBK_FIT_COVER, T, { 0, 0, 32767, 1073676289 } },
	{ 32767, 1, { 0, 0, 32767, 32767 }, FBK_FIT_CONTAIN, B, { 0, 32766, 32767, 1 } },
	/* boxes at negative positions */
	{ 50, 50, { -100, -50, 200, 100 }, FBK_FIT_CONTAIN, 0, { -50, -50, 100, 100 } },
	{ 50, 50, { -100, -50, 200, 100 }, FBK_FIT_CONTAIN, L, { -100, -50, 100, 100 } },
	{ 50, 50, { -100, -50, 200, 100 }, FBK_FIT_CONTAIN, R, { 0, -50, 100, 100 } },
	{ 50, 50, { -100, -50, 200, 100 }, FBK_FIT_COVER, 0, { -100, -100, 200, 200 } },
	{ 50, 50, { -100, -50, 200, 100 }, FBK_FIT_COVER, T, { -100, -50, 200, 200 } },
	{ 50, 50, { -100, -50, 200, 100 }, FBK_FIT_COVER, B, { -100, -150, 200, 200 } },
	{ 301, 201, { -100, -50, 200, 100 }, FBK_FIT_NONE, 0, { -151, -101, 301, 201 } },
	{ 301, 201, { -100, -50, 200, 100 }, FBK_FIT_NONE, R | B, { -201, -151, 301, 201 } },
	{ 301, 201, { -100, -50, 200, 100 }, FBK_FIT_NONE, L | T, { -100, -50, 301, 201 } },
	/* image == box, and the same aspect ratio */
	{ 640, 480, { 5, -7, 640, 480 }, FBK_FIT_NONE, 0, { 5, -7, 640, 480 } },
	{ 640, 480, { 5, -7, 640, 480 }, FBK_FIT_CONTAIN, R | B, { 5, -7, 640, 480 } },
	{ 640, 480, { 5, -7, 640, 480 }, FBK_FIT_COVER, L | T, { 5, -7, 640, 480 } },
	{ 640, 480, { 5, -7, 640, 480 }, FBK_FIT_STRETCH, 0, { 5, -7, 640, 480 } },
	{ 320, 240, { 0, 0, 640, 480 }, FBK_FIT_CONTAIN, 0, { 0, 0, 640, 480 } },
	{ 320, 240, { 0, 0, 640, 480 }, FBK_FIT_COVER, 0, { 0, 0, 640, 480 } },
	/* the 4K photo of the PNG benchmark onto a 1280x800 screen */
	{ 3840, 2160, { 0, 0, 1280, 800 }, FBK_FIT_CONTAIN, 0, { 0, 40, 1280, 720 } },
	{ 3840, 2160, { 0, 0, 1280, 800 }, FBK_FIT_COVER, 0, { -71, 0, 1422, 800 } },
	/* the largest int32 sizes still fit */
	{ INT32_MAX, 1, { 0, 0, 1, INT32_MAX }, FBK_FIT_CONTAIN, 0, { 0, 1073741823, 1, 1 } },
	{ INT32_MAX, INT32_MAX, { 0, 0, INT32_MAX, INT32_MAX }, FBK_FIT_CONTAIN, 0,
	  { 0, 0, INT32_MAX, INT32_MAX } },
	{ INT32_MAX, 1, { 0, 0, 1, 1 }, FBK_FIT_NONE, 0, { -1073741823, 0, INT32_MAX, 1 } },
	{ 3, 1, { INT32_MIN, 0, 5, 1 }, FBK_FIT_NONE, L, { INT32_MIN, 0, 3, 1 } },
	{ 1, 1, { INT32_MAX - 1, 0, 1, 1 }, FBK_FIT_CONTAIN, 0, { INT32_MAX - 1, 0, 1, 1 } },
};

static void table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct fit_case *c = &cases[i];
		struct fbk_rect got = { -1, -1, -1, -1 };
		int err = fbk_fit_rect(c->iw, c->ih, &c->box, c->fit, c->align, &got);
		CHECK(err == 0, "case %zu: returned %d (%s)", i, err, fbk_last_error());
		CHECK(got.x == c->want.x && got.y == c->want.y && got.w == c->want.w &&
			      got.h == c->want.h,
		      "case %zu: %dx%d fit %d align 0x%x into {%d,%d,%d,%d}: got {%d,%d,%d,%d}, "
		      "want {%d,%d,%d,%d}",
		      i, c->iw, c->ih, c->fit, c->align, c->box.x, c->box.y, c->box.w, c->box.h,
		      got.x, got.y, got.w, got.h, c->want.x, c->want.y, c->want.w, c->want.h);
	}
}

/*
 * The rounding as a property, checked without the implementation's
 * formula: `side` is the integer nearest to num / den, halves up, i.e.
 * |2 * side * den - 2 * num| <= den with a tie only above; 1 if that is 0.
 */
static bool nearest_rounding(int64_t side, int64_t num, int64_t den)
{
	int64_t diff = 2 * side * den - 2 * num;
	if (side == 1 && 2 * num < den)
		return true;
	return diff <= den && diff > -den;
}

static int64_t floor_div2(int64_t v)
{
	int64_t q = v / 2;
	return q * 2 > v ? q - 1 : q;
}

static void check_alignment(const struct fbk_rect *box, unsigned align, const struct fbk_rect *r,
			    int n)
{
	int64_t want_x = align & L ? box->x
			 : align & R ? (int64_t)box->x + box->w - r->w
				     : box->x + floor_div2((int64_t)box->w - r->w);
	int64_t want_y = align & T ? box->y
			 : align & B ? (int64_t)box->y + box->h - r->h
				     : box->y + floor_div2((int64_t)box->h - r->h);
	CHECK(r->x == want_x && r->y == want_y, "random %d: placed at (%d,%d), want (%lld,%lld)", n,
	      r->x, r->y, (long long)want_x, (long long)want_y);
}

/* Whether the cover rectangle, placed, has a coordinate or edge outside int32. */
static bool cover_too_large(int32_t iw, int32_t ih, const struct fbk_rect *box, unsigned align)
{
	int64_t w = box->w, h = box->h;
	if ((int64_t)iw * box->h >= (int64_t)ih * box->w)
		w = ((int64_t)iw * box->h * 2 + ih) / (2 * (int64_t)ih);
	else
		h = ((int64_t)ih * box->w * 2 + iw) / (2 * (int64_t)iw);
	int64_t x = align & L ? box->x
		    : align & R ? (int64_t)box->x + box->w - w
				: box->x + floor_div2((int64_t)box->w - w);
	int64_t y = align & T ? box->y
		    : align & B ? (int64_t)box->y + box->h - h
				: box->y + floor_div2((int64_t)box->h - h);
	return w > INT32_MAX || h > INT32_MAX || x < INT32_MIN || y < INT32_MIN ||
	       x + w > INT32_MAX || y + h > INT32_MAX;
}

static void random_property(int n)
{
	int32_t iw = rng_range(1, n % 2 ? 100 : 100000), ih = rng_range(1, n % 3 ? 100 : 100000);
	struct fbk_rect box = { rng_range(-5000, 5000), rng_range(-5000, 5000),
				rng_range(1, n % 5 ? 2000 : 100000), rng_range(1, 2000) };
	static const unsigned aligns[] = { 0, L, R, T, B, L | T, L | B, R | T, R | B };
	unsigned align = aligns[rng_next() % 9];
	int64_t iwbh = (int64_t)iw * box.h, ihbw = (int64_t)ih * box.w;
	struct fbk_rect r;

	CHECK(fbk_fit_rect(iw, ih, &box, FBK_FIT_CONTAIN, align, &r) == 0, "random %d contain", n);
	CHECK(r.w >= 1 && r.h >= 1 && r.w <= box.w && r.h <= box.h,
	      "random %d: contain %dx%d in %dx%d gave %dx%d", n, iw, ih, box.w, box.h, r.w, r.h);
	if (iwbh >= ihbw)
		CHECK(r.w == box.w && nearest_rounding(r.h, (int64_t)ih * box.w, iw),
		      "random %d: contain %dx%d in %dx%d gave %dx%d", n, iw, ih, box.w, box.h, r.w,
		      r.h);
	else
		CHECK(r.h == box.h && nearest_rounding(r.w, (int64_t)iw * box.h, ih),
		      "random %d: contain %dx%d in %dx%d gave %dx%d", n, iw, ih, box.w, box.h, r.w,
		      r.h);
	check_alignment(&box, align, &r, n);

	int err = fbk_fit_rect(iw, ih, &box, FBK_FIT_COVER, align, &r);
	if (cover_too_large(iw, ih, &box, align)) {
		CHECK(err == -EINVAL, "random %d: cover %dx%d in %dx%d leaves int32, returned %d", n,
		      iw, ih, box.w, box.h, err);
	} else {
		CHECK(err == 0, "random %d cover", n);
		CHECK(r.w >= box.w && r.h >= box.h, "random %d: cover %dx%d in %dx%d gave %dx%d", n,
		      iw, ih, box.w, box.h, r.w, r.h);
		if (iwbh >= ihbw)
			CHECK(r.h == box.h && nearest_rounding(r.w, (int64_t)iw * box.h, ih),
			      "random %d: cover %dx%d in %dx%d gave %dx%d", n, iw, ih, box.w, box.h,
			      r.w, r.h);
		else
			CHECK(r.w == box.w && nearest_rounding(r.h, (int64_t)ih * box.w, iw),
			      "random %d: cover %dx%d in %dx%d gave %dx%d", n, iw, ih, box.w, box.h,
			      r.w, r.h);
		check_alignment(&box, align, &r, n);
	}

	CHECK(fbk_fit_rect(iw, ih, &box, FBK_FIT_NONE, align, &r) == 0 && r.w == iw && r.h == ih,
	      "random %d none", n);
	check_alignment(&box, align, &r, n);
	CHECK(fbk_fit_rect(iw, ih, &box, FBK_FIT_STRETCH, align, &r) == 0 && r.x == box.x &&
		      r.y == box.y && r.w == box.w && r.h == box.h,
	      "random %d stretch", n);
}

struct bad_case {
	int32_t iw, ih;
	struct fbk_rect box;
	int fit;
	unsigned align;
};

static const struct bad_case bad[] = {
	{ 0, 1, { 0, 0, 10, 10 }, FBK_FIT_CONTAIN, 0 },
	{ 1, 0, { 0, 0, 10, 10 }, FBK_FIT_CONTAIN, 0 },
	{ -5, 1, { 0, 0, 10, 10 }, FBK_FIT_NONE, 0 },
	{ 1, INT32_MIN, { 0, 0, 10, 10 }, FBK_FIT_STRETCH, 0 },
	{ 1, 1, { 0, 0, 0, 10 }, FBK_FIT_CONTAIN, 0 },
	{ 1, 1, { 0, 0, 10, 0 }, FBK_FIT_CONTAIN, 0 },
	{ 1, 1, { 0, 0, -3, 10 }, FBK_FIT_NONE, 0 },
	{ 1, 1, { 0, 0, 10, 10 }, 4, 0 },
	{ 1, 1, { 0, 0, 10, 10 }, -1, 0 },
	{ 1, 1, { 0, 0, 10, 10 }, FBK_FIT_CONTAIN, L | R },
	{ 1, 1, { 0, 0, 10, 10 }, FBK_FIT_CONTAIN, T | B },
	{ 1, 1, { 0, 0, 10, 10 }, FBK_FIT_STRETCH, L | R | T },
	{ 1, 1, { 0, 0, 10, 10 }, FBK_FIT_NONE, 1u << 4 },
	{ 1, 1, { 0, 0, 10, 10 }, FBK_FIT_NONE, 0x80000000u },
	/* results outside 32-bit coordinates */
	{ INT32_MAX, 1, { 0, 0, 1, INT32_MAX }, FBK_FIT_COVER, 0 },
	{ 1, INT32_MAX, { 0, 0, INT32_MAX, 1 }, FBK_FIT_COVER, 0 },
	{ INT32_MAX, INT32_MAX, { 1, 0, INT32_MAX, INT32_MAX }, FBK_FIT_CONTAIN, 0 },
	{ 3, 1, { INT32_MIN, 0, 1, 1 }, FBK_FIT_NONE, 0 },
	{ 3, 1, { INT32_MIN, 0, 1, 1 }, FBK_FIT_NONE, R },
	{ 2, 1, { INT32_MAX, 0, 1, 1 }, FBK_FIT_NONE, L },
	{ 1, 1, { INT32_MAX, 0, 1, 1 }, FBK_FIT_CONTAIN, 0 },
	{ 1, 1, { 0, INT32_MAX, 1, 1 }, FBK_FIT_STRETCH, 0 },
};

static void bad_input(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad_case *c = &bad[i];
		struct fbk_rect r;
		int err = fbk_fit_rect(c->iw, c->ih, &c->box, (enum fbk_fit)c->fit, c->align, &r);
		CHECK(err == -EINVAL, "bad case %zu returned %d", i, err);
		CHECK(strncmp(fbk_last_error(), "fit: ", 5) == 0, "bad case %zu message '%s'", i,
		      fbk_last_error());
	}
	struct fbk_rect box = { 0, 0, 10, 10 }, r;
	CHECK(fbk_fit_rect(1, 1, NULL, FBK_FIT_CONTAIN, 0, &r) == -EINVAL, "NULL box");
	CHECK(fbk_fit_rect(1, 1, &box, FBK_FIT_CONTAIN, 0, NULL) == -EINVAL, "NULL out");
}

int main(void)
{
	table();
	rng_seed(3);
	for (int n = 0; n < 20000; n++)
		random_property(n);
	bad_input();
	return harness_exit();
}
