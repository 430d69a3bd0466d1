/*
 * fbk_compare, fbk_compare_diff and fbk_png_load against cases worked out
 * by hand: a few literal ones (XRGB8888 against RGB565), and every pair of
 * formats of the table against a reference that stores a colour the slow
 * obvious way (round each channel to its bits, widen by replication).
 */
#include <errno.h>
#include <unistd.h>

#include "harness.h"

/* A channel value as a format of `len` bits stores it and reads it back. */
static int stored(int v, int len)
{
	if (len == 0)
		return 255;
	int max = (1 << len) - 1;
	int q = (v * max + 127) / 255;
	int out = 0;
	for (int bits = 0; bits < 8; bits += len)
		out = out << len | q;
	return (out >> (((8 + len - 1) / len) * len - 8)) & 0xff;
}

static struct fbk_color stored_color(const struct fbk_format_info *f, struct fbk_color c)
{
	return (struct fbk_color){ (uint8_t)stored(c.r, f->red.length),
				   (uint8_t)stored(c.g, f->green.length),
				   (uint8_t)stored(c.b, f->blue.length),
				   (uint8_t)stored(c.a, f->alpha.length) };
}

static int worst_of(struct fbk_color a, struct fbk_color b, bool alpha)
{
	int d[4] = { abs(a.r - b.r), abs(a.g - b.g), abs(a.b - b.b), alpha ? abs(a.a - b.a) : 0 };
	int w = 0;
	for (int i = 0; i < 4; i++)
		w = d[i] > w ? d[i] : w;
	return w;
}

/* Store a colour's packed value byte by byte, as fbk_color_pack gives it (no blending). */
static void put(struct fbk_surface *s, int32_t x, int32_t y, struct fbk_color c)
{
	uint32_t v = fbk_color_pack(s->format, c);
	uint8_t *p = fbk_surface_pixel(s, x, y);
	for (int i = 0; i < fbk_format_info(s->format)->bytes_per_pixel; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static struct fbk_surface *make(int32_t w, int32_t h, uint32_t format, struct fbk_color c)
{
	struct fbk_surface *s = NULL;
	if (fbk_surface_create(&s, w, h, format))
		return NULL;
	for (int32_t y = 0; y < h; y++)
		for (int32_t x = 0; x < w; x++)
			put(s, x, y, c);
	return s;
}

/* (200, 100, 50) in RGB565 reads back as (198, 101, 49): worst 2, in red. */
static void test_literal(void)
{
	struct fbk_surface *want = make(4, 3, FBK_FORMAT_XRGB8888, FBK_RGB(200, 100, 50));
	struct fbk_surface *got = make(4, 3, FBK_FORMAT_RGB565, FBK_RGB(200, 100, 50));
	struct fbk_compare_result r = FBK_COMPARE_RESULT_INIT;
	int ret = fbk_compare(want, got, NULL, &r);
	CHECK(ret == 1 && r.worst == 2 && r.differing == 12 && r.compared == 12, "565 straight: "
	      "ret %d worst %u differing %llu", ret, r.worst, (unsigned long long)r.differing);
	CHECK(r.worst_x == 0 && r.worst_y == 0, "worst at %d,%d", r.worst_x, r.worst_y);
	CHECK(r.bounds.x == 0 && r.bounds.y == 0 && r.bounds.w == 4 && r.bounds.h == 3,
	      "bounds %d,%d %dx%d", r.bounds.x, r.bounds.y, r.bounds.w, r.bounds.h);

	struct fbk_compare_options tol = FBK_COMPARE_OPTIONS_INIT(.tolerance = 2);
	ret = fbk_compare(want, got, &tol, &r);
	CHECK(ret == 0 && r.worst == 2 && r.differing == 0, "tolerance 2: ret %d differing %llu",
	      ret, (unsigned long long)r.differing);
	CHECK(r.bounds.w == 0 && r.bounds.h == 0, "no bounds when nothing differs");

	struct fbk_compare_options q = FBK_COMPARE_OPTIONS_INIT(.flags = FBK_COMPARE_QUANTIZE);
	ret = fbk_compare(want, got, &q, &r);
	CHECK(ret == 0 && r.worst == 0 && r.worst_x == -1 && r.worst_y == -1,
	      "quantised: ret %d worst %u at %d,%d", ret, r.worst, r.worst_x, r.worst_y);

	/* One wrong pixel in the right rendering: found where it is. */
	put(got, 2, 1, FBK_RGB(200, 0, 50));
	ret = fbk_compare(want, got, &q, &r);
	CHECK(ret == 1 && r.differing == 1 && r.worst == 101 && r.worst_x == 2 && r.worst_y == 1,
	      "one pixel: ret %d differing %llu worst %u at %d,%d", ret,
	      (unsigned long long)r.differing, r.worst, r.worst_x, r.worst_y);
	CHECK(r.bounds.x == 2 && r.bounds.y == 1 && r.bounds.w == 1 && r.bounds.h == 1,
	      "one pixel bounds %d,%d %dx%d", r.bounds.x, r.bounds.y, r.bounds.w, r.bounds.h);
	fbk_surface_destroy(want);
	fbk_surface_destroy(got);
}

/* Every pair of formats, straight and quantised, and one odd pixel, against the reference. */
static void test_pairs(void)
{
	const struct fbk_color c = FBK_RGBA(200, 100, 50, 255), odd = FBK_RGBA(7, 250, 129, 255);
	for (size_t i = 0; fbk_format_at(i); i++) {
		for (size_t j = 0; fbk_format_at(j); j++) {
			const struct fbk_format_info *fe = fbk_format_at(i), *fa = fbk_format_at(j);
			bool alpha = fe->alpha.length && fa->alpha.length;
			struct fbk_surface *want = make(5, 3, fe->fourcc, c);
			struct fbk_surface *got = make(5, 3, fa->fourcc, c);
			put(got, 3, 2, odd);
			struct fbk_color e = stored_color(fe, c), a = stored_color(fa, c);
			struct fbk_color ao = stored_color(fa, odd);
			struct fbk_color eq = stored_color(fa, e);
			int straight = worst_of(e, a, alpha), oddw = worst_of(e, ao, alpha);
			int quant = worst_of(eq, a, alpha), oddq = worst_of(eq, ao, alpha);

			struct fbk_compare_result r = FBK_COMPARE_RESULT_INIT;
			struct fbk_compare_options o = FBK_COMPARE_OPTIONS_INIT(.tolerance = 3);
			int ret = fbk_compare(want, got, &o, &r);
			int w = straight > oddw ? straight : oddw;
			uint64_t differing = (straight > 3 ? 14u : 0u) + (oddw > 3);
			CHECK(ret == (differing > 0) && (int)r.worst == w && r.differing == differing,
			      "%s vs %s: ret %d worst %u (want %d) differing %llu (want %llu)",
			      fe->name, fa->name, ret, r.worst, w, (unsigned long long)r.differing,
			      (unsigned long long)differing);

			o.flags = FBK_COMPARE_QUANTIZE;
			o.tolerance = 0;
			ret = fbk_compare(want, got, &o, &r);
			w = quant > oddq ? quant : oddq;
			differing = (quant ? 14u : 0u) + (oddq > 0);
			CHECK(ret == (differing > 0) && (int)r.worst == w && r.differing == differing,
			      "%s vs %s quantised: ret %d worst %u (want %d) differing %llu (want %llu)",
			      fe->name, fa->name, ret, r.worst, w, (unsigned long long)r.differing,
			      (unsigned long long)differing);
			/* A wider golden quantised to the rendering's format is exact. */
			if (fe->red.length >= fa->red.length && fe->green.length >= fa->green.length &&
			    fe->blue.length >= fa->blue.length)
				CHECK(quant == 0, "%s vs %s: quantised %d", fe->name, fa->name, quant);
			if (oddq)
				CHECK(r.worst_x == 3 && r.worst_y == 2 && r.bounds.x <= 3 &&
				      r.bounds.w >= 1, "%s vs %s: worst at %d,%d", fe->name, fa->name,
				      r.worst_x, r.worst_y);
			fbk_surface_destroy(want);
			fbk_surface_destroy(got);
		}
	}
}

/* Alpha counts only when both formats store it. */
static void test_alpha(void)
{
	struct fbk_surface *want = make(2, 2, FBK_FORMAT_ARGB8888, FBK_RGBA(10, 20, 30, 40));
	struct fbk_surface *got = make(2, 2, FBK_FORMAT_ABGR8888, FBK_RGBA(10, 20, 30, 90));
	struct fbk_surface *opaque = make(2, 2, FBK_FORMAT_XBGR8888, FBK_RGBA(10, 20, 30, 255));
	struct fbk_compare_result r = FBK_COMPARE_RESULT_INIT;
	CHECK(fbk_compare(want, got, NULL, &r) == 1 && r.worst == 50, "alpha: worst %u", r.worst);
	CHECK(fbk_compare(want, opaque, NULL, &r) == 0 && r.worst == 0, "no alpha: worst %u",
	      r.worst);
	fbk_surface_destroy(want);
	fbk_surface_destroy(got);
	fbk_surface_destroy(opaque);
}

/* Regions, ignore masks and the pixel budget on an 8x6 picture with two wrong pixels. */
static void test_regions(void)
{
	struct fbk_surface *want = make(8, 6, FBK_FORMAT_XRGB8888, FBK_RGB(100, 100, 100));
	struct fbk_surface *got = make(8, 6, FBK_FORMAT_XRGB8888, FBK_RGB(100, 100, 100));
	put(got, 1, 1, FBK_RGB(110, 100, 100));
	put(got, 6, 4, FBK_RGB(100, 100, 90));
	struct fbk_compare_result r = FBK_COMPARE_RESULT_INIT;

	CHECK(fbk_compare(want, got, NULL, &r) == 1 && r.differing == 2 && r.compared == 48 &&
	      r.bounds.x == 1 && r.bounds.y == 1 && r.bounds.w == 6 && r.bounds.h == 4,
	      "whole: differing %llu bounds %d,%d %dx%d", (unsigned long long)r.differing,
	      r.bounds.x, r.bounds.y, r.bounds.w, r.bounds.h);
	struct fbk_compare_options o = FBK_COMPARE_OPTIONS_INIT(.region = { 0, 0, 4, 4 });
	CHECK(fbk_compare(want, got, &o, &r) == 1 && r.differing == 1 && r.compared == 16 &&
	      r.worst_x == 1, "region: differing %llu compared %llu",
	      (unsigned long long)r.differing, (unsigned long long)r.compared);
	o.region = (struct fbk_rect){ 2, 2, 4, 2 };
	CHECK(fbk_compare(want, got, &o, &r) == 0 && r.compared == 8 && r.worst == 0,
	      "region without the wrong pixels: compared %llu worst %u",
	      (unsigned long long)r.compared, r.worst);

	const struct fbk_rect clock[] = { { 5, 3, 2, 2 }, { 7, 5, 10, 10 } };
	struct fbk_compare_options ig = FBK_COMPARE_OPTIONS_INIT(.ignore = clock, .ignore_count = 2);
	CHECK(fbk_compare(want, got, &ig, &r) == 1 && r.differing == 1 && r.compared == 43 &&
	      r.bounds.x == 1 && r.bounds.w == 1, "ignored: differing %llu compared %llu",
	      (unsigned long long)r.differing, (unsigned long long)r.compared);
	ig.region = (struct fbk_rect){ 4, 0, 4, 6 };
	CHECK(fbk_compare(want, got, &ig, &r) == 0 && r.compared == 19 && r.differing == 0,
	      "region and ignored: compared %llu", (unsigned long long)r.compared);

	struct fbk_compare_options budget = FBK_COMPARE_OPTIONS_INIT(.max_pixels = 2);
	CHECK(fbk_compare(want, got, &budget, &r) == 0 && r.differing == 2, "two allowed");
	budget.max_pixels = 1;
	CHECK(fbk_compare(want, got, &budget, &r) == 1, "one allowed");
	budget.tolerance = 10;
	CHECK(fbk_compare(want, got, &budget, &r) == 0 && r.differing == 0 && r.worst == 10,
	      "tolerance 10: worst %u", r.worst);
	fbk_surface_destroy(want);
	fbk_surface_destroy(got);
}

static void expect_error(int ret, int err, const char *what)
{
	CHECK(ret == err, "%s: got %d, want %d (%s)", what, ret, err, fbk_last_error());
	CHECK(strlen(fbk_last_error()) > 10, "%s: message '%s'", what, fbk_last_error());
}

static void test_errors(void)
{
	struct fbk_surface *a = make(4, 4, FBK_FORMAT_XRGB8888, FBK_RGB(1, 2, 3));
	struct fbk_surface *b = make(4, 5, FBK_FORMAT_XRGB8888, FBK_RGB(1, 2, 3));
	struct fbk_compare_result r = FBK_COMPARE_RESULT_INIT;
	expect_error(fbk_compare(NULL, a, NULL, &r), -EINVAL, "NULL expected");
	expect_error(fbk_compare(a, NULL, NULL, &r), -EINVAL, "NULL actual");
	expect_error(fbk_compare(a, b, NULL, &r), -EINVAL, "size mismatch");
	struct fbk_compare_options o = FBK_COMPARE_OPTIONS_INIT(.region = { 1, 1, 4, 1 });
	expect_error(fbk_compare(a, a, &o, &r), -EINVAL, "region past the edge");
	o.region = (struct fbk_rect){ -1, 0, 2, 2 };
	expect_error(fbk_compare(a, a, &o, &r), -EINVAL, "region at -1");
	o.region = (struct fbk_rect){ 0, 0, 2, -2 };
	expect_error(fbk_compare(a, a, &o, &r), -EINVAL, "negative region");
	o.region = (struct fbk_rect){ 0, 0, 0, 0 };
	const struct fbk_rect outside = { 4, 0, 2, 2 }, empty = { 0, 0, 0, 3 };
	o.ignore = &outside;
	o.ignore_count = 1;
	expect_error(fbk_compare(a, a, &o, &r), -EINVAL, "ignore outside");
	o.ignore = &empty;
	expect_error(fbk_compare(a, a, &o, &r), -EINVAL, "empty ignore");
	o.ignore = NULL;
	expect_error(fbk_compare(a, a, &o, &r), -EINVAL, "ignore count without array");
	o.ignore_count = 0;
	o.tolerance = 256;
	expect_error(fbk_compare(a, a, &o, &r), -EINVAL, "tolerance 256");
	o.tolerance = 0;
	o.flags = 2;
	expect_error(fbk_compare(a, a, &o, &r), -EINVAL, "unknown flag");
	struct fbk_compare_options zero = { 0 };
	expect_error(fbk_compare(a, a, &zero, &r), -EINVAL, "options without size");
	struct fbk_compare_result zr = { 0 };
	expect_error(fbk_compare(a, a, NULL, &zr), -EINVAL, "result without size");

	/* A newer caller's larger options: zero extras are fine, a set one is refused. */
	struct {
		struct fbk_compare_options o;
		uint64_t extra;
	} big = { FBK_COMPARE_OPTIONS_INIT(), 0 };
	big.o.size = sizeof(big);
	CHECK(fbk_compare(a, a, &big.o, &r) == 0, "larger options, zero extra: %s",
	      fbk_last_error());
	big.extra = 1;
	expect_error(fbk_compare(a, a, &big.o, &r), -ENOTSUP, "unknown option set");

	/* An older caller's smaller result: nothing past its size is written. */
	struct {
		uint32_t size, worst;
		uint64_t differing;
		uint64_t guard;
	} small = { offsetof(struct fbk_compare_result, compared), 0, 0, 0x5555 };
	put(b, 0, 0, FBK_RGB(9, 9, 9));
	struct fbk_surface *c = make(4, 5, FBK_FORMAT_XRGB8888, FBK_RGB(1, 2, 3));
	CHECK(fbk_compare(c, b, NULL, (struct fbk_compare_result *)(void *)&small) == 1 &&
	      small.worst == 8 && small.differing == 1 && small.guard == 0x5555 &&
	      small.size == offsetof(struct fbk_compare_result, compared),
	      "small result: worst %u guard %llx", small.worst, (unsigned long long)small.guard);

	struct fbk_surface *d = (struct fbk_surface *)1;
	expect_error(fbk_compare_diff(&d, a, b, NULL), -EINVAL, "diff size mismatch");
	CHECK(d == NULL, "diff out cleared on error");
	expect_error(fbk_compare_diff(NULL, a, a, NULL), -EINVAL, "diff NULL out");
	fbk_surface_destroy(a);
	fbk_surface_destroy(b);
	fbk_surface_destroy(c);
}

/* XRGB8888's unused byte left out. */
static uint32_t at(const struct fbk_surface *s, int32_t x, int32_t y)
{
	return *(const uint32_t *)fbk_surface_pixel(s, x, y) & 0xffffff;
}

/* The diff picture: red where it differs, a dimmed grey where not, blue-tinted where not looked at. */
static void test_diff(void)
{
	struct fbk_surface *want = make(4, 2, FBK_FORMAT_RGB888, FBK_RGB(0, 0, 0));
	struct fbk_surface *got = make(4, 2, FBK_FORMAT_RGB565, FBK_RGB(0, 0, 0));
	put(got, 0, 0, FBK_RGB(120, 60, 0));
	put(got, 1, 0, FBK_RGB(120, 60, 0));
	put(got, 2, 0, FBK_RGB(120, 60, 0));
	put(want, 0, 0, FBK_RGB(120, 60, 0));
	const struct fbk_rect skip = { 2, 0, 1, 1 };
	struct fbk_compare_options o = FBK_COMPARE_OPTIONS_INIT(.ignore = &skip, .ignore_count = 1,
								.region = { 0, 0, 4, 1 },
								.flags = FBK_COMPARE_QUANTIZE);
	struct fbk_surface *d = NULL;
	CHECK(fbk_compare_diff(&d, want, got, &o) == 0 && d, "diff: %s", fbk_last_error());
	if (d) {
		CHECK(d->format == FBK_FORMAT_XRGB8888 && d->width == 4 && d->height == 2,
		      "diff surface");
		/* (120, 60, 0) is (123, 60, 0) in RGB565, and its grey 183 / 12 = 15 */
		CHECK(at(d, 0, 0) == 0x0f0f0f, "equal pixel: %08x", at(d, 0, 0));
		CHECK(at(d, 1, 0) == 0xff0000, "differing pixel: %08x", at(d, 1, 0));
		CHECK(at(d, 2, 0) == 0x0f0f6f, "ignored pixel: %08x", at(d, 2, 0));
		CHECK(at(d, 3, 0) == 0x000000, "equal black: %08x", at(d, 3, 0));
		CHECK(at(d, 3, 1) == 0x000060, "outside region: %08x", at(d, 3, 1));
	}
	fbk_surface_destroy(d);
	fbk_surface_destroy(want);
	fbk_surface_destroy(got);
}

static void test_png_load(void)
{
	const char *build = getenv("FBKIT_BUILD_ROOT");
	char path[4096];
	snprintf(path, sizeof(path), "%s/test_compare-%ld.png", build ? build : "/tmp",
		 (long)getpid());
	struct fbk_surface *src = make(3, 2, FBK_FORMAT_XRGB8888, FBK_RGB(200, 100, 50));
	put(src, 1, 1, FBK_RGB(1, 2, 3));
	int err = fbk_png_save(src, path);
	if (err == -ENOTSUP) {
		struct fbk_surface *s = NULL;
		CHECK(fbk_png_load(&s, path, 0) == -ENOTSUP && !s, "load without libpng");
		fbk_surface_destroy(src);
		return;
	}
	CHECK(err == 0, "save: %s", fbk_last_error());
	struct fbk_surface *s = NULL, *s565 = NULL;
	CHECK(fbk_png_load(&s, path, 0) == 0 && s && s->format == FBK_FORMAT_XRGB8888,
	      "load: %s", fbk_last_error());
	CHECK(fbk_png_load(&s565, path, FBK_FORMAT_RGB565) == 0 && s565 &&
	      s565->format == FBK_FORMAT_RGB565, "load 565: %s", fbk_last_error());
	if (s && s565) {
		struct fbk_compare_result r = FBK_COMPARE_RESULT_INIT;
		CHECK(fbk_compare(src, s, NULL, &r) == 0 && r.compared == 6, "round trip");
		struct fbk_compare_options q = FBK_COMPARE_OPTIONS_INIT(.flags = FBK_COMPARE_QUANTIZE);
		CHECK(fbk_compare(s, s565, &q, &r) == 0 && r.worst == 0, "565 load: %u", r.worst);
	}
	struct fbk_surface *none = (struct fbk_surface *)1;
	CHECK(fbk_png_load(&none, "/nonexistent/x.png", 0) == -ENOENT && !none, "missing file");
	CHECK(fbk_png_load(&none, path, 0x12345678) == -ENOTSUP && !none, "unknown format");
	fbk_surface_destroy(s);
	fbk_surface_destroy(s565);
	fbk_surface_destroy(src);
	unlink(path);
}

int main(void)
{
	test_literal();
	test_pairs();
	test_alpha();
	test_regions();
	test_errors();
	test_diff();
	test_png_load();
	return harness_exit();
}
