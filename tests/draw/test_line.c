/*
 * fbk_line and fbk_rect_outline against a plain reference, in every format,
 * on guarded buffers, through sub-surfaces and clips, with endpoints
 * inside, near and far outside the surface.
 *
 * The reference is the closed form documented at the top of src/draw/line.c,
 * evaluated directly for each step with a wide (128-bit when the compiler
 * has it) integer: no clipping maths, no incremental error term.
 */
#include <errno.h>
#include <stdbool.h>

#include "harness.h"
#include "pixel/pixel.h"

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 wide;
#define FAR_LINES 1
#else
/* 2 * i * n + m fits in 64 bits only while coordinates stay below 2^30. */
typedef uint64_t wide;
#define FAR_LINES 0
#endif

#define MAX_SIZE 40
/* Lines at most this long are checked by walking every step. */
#define WALK_LIMIT 4096

struct ref_line {
	int64_t x0, y0;
	uint64_t m, n; /* major and minor distance */
	int sx, sy;
	bool x_major;
};

static struct ref_line ref_line(int32_t x0, int32_t y0, int32_t x1, int32_t y1)
{
	int64_t dx = (int64_t)x1 - x0, dy = (int64_t)y1 - y0;
	uint64_t ax = (uint64_t)(dx < 0 ? -dx : dx), ay = (uint64_t)(dy < 0 ? -dy : dy);
	struct ref_line l = { x0, y0, ax >= ay ? ax : ay, ax >= ay ? ay : ax, dx < 0 ? -1 : 1,
			      dy < 0 ? -1 : 1, ax >= ay };
	return l;
}

/* Step i: major = major0 + s * i, minor = minor0 + s * floor((2 i n + m) / 2m). */
static void ref_point(const struct ref_line *l, uint64_t i, int64_t *x, int64_t *y)
{
	int64_t q = 0;
	if (l->m)
		q = (int64_t)(((wide)2 * i * l->n + l->m) / ((wide)2 * l->m));
	if (l->x_major) {
		*x = l->x0 + l->sx * (int64_t)i;
		*y = l->y0 + l->sy * q;
	} else {
		*x = l->x0 + l->sx * q;
		*y = l->y0 + l->sy * (int64_t)i;
	}
}

static bool in_clip(const struct fbk_rect *c, int64_t x, int64_t y)
{
	return x >= c->x && x < (int64_t)c->x + c->w && y >= c->y && y < (int64_t)c->y + c->h;
}

static void mark(bool *marks, const struct fbk_surface *s, int64_t x, int64_t y)
{
	marks[(size_t)y * (size_t)s->width + (size_t)x] = true;
}

/* Every step of the unclipped line; keep those inside the clip. */
static void ref_walk(bool *marks, const struct fbk_surface *s, const struct ref_line *l)
{
	for (uint64_t i = 0; i <= l->m; i++) {
		int64_t x, y;
		ref_point(l, i, &x, &y);
		if (in_clip(&s->clip, x, y))
			mark(marks, s, x, y);
	}
}

/*
 * For lines too long to walk: each clip column (x-major) or row (y-major)
 * can only be reached by the one step with that major coordinate, so
 * evaluate that step and keep it when it lands inside the clip.
 */
static void ref_solve(bool *marks, const struct fbk_surface *s, const struct ref_line *l)
{
	const struct fbk_rect *c = &s->clip;
	int64_t lo = l->x_major ? c->x : c->y, len = l->x_major ? c->w : c->h;
	int64_t start = l->x_major ? l->x0 : l->y0, sign = l->x_major ? l->sx : l->sy;
	for (int64_t v = lo; v < lo + len; v++) {
		int64_t i = (v - start) * sign;
		if (i < 0 || (uint64_t)i > l->m)
			continue;
		int64_t x, y;
		ref_point(l, (uint64_t)i, &x, &y);
		if (in_clip(c, x, y))
			mark(marks, s, x, y);
	}
}

static void ref_outline(bool *marks, const struct fbk_surface *s, const struct fbk_rect *r)
{
	if (r->w <= 0 || r->h <= 0)
		return;
	int64_t left = r->x, top = r->y, right = left + r->w - 1, bottom = top + r->h - 1;
	const struct fbk_rect *c = &s->clip;
	for (int64_t y = c->y; y < (int64_t)c->y + c->h; y++)
		for (int64_t x = c->x; x < (int64_t)c->x + c->w; x++)
			if (x >= left && x <= right && y >= top && y <= bottom &&
			    (x == left || x == right || y == top || y == bottom))
				mark(marks, s, x, y);
}

/* A guarded buffer, the surface drawn on (maybe a sub-surface of it), the expected colours. */
struct scene {
	struct guarded g;
	struct fbk_surface view;
	int32_t vx, vy;		  /* view origin in the buffer */
	struct fbk_color *want;	  /* every buffer pixel, decoded */
	bool *marks, *marks2;	  /* view pixels a reference sets */
	char what[160];		  /* the setup, for failure messages */
};

static int32_t random_size(void)
{
	switch (rng_next() % 5) {
	case 0: return 1;
	case 1: return rng_range(2, 4);
	default: return rng_range(1, MAX_SIZE);
	}
}

static struct fbk_rect random_clip(int32_t w, int32_t h)
{
	switch (rng_next() % 6) {
	case 0:
	case 1:
		return (struct fbk_rect){ 0, 0, w, h };
	case 2: /* misses: empty after cutting */
		return (struct fbk_rect){ w + rng_range(0, 4), rng_range(-4, h), rng_range(1, 9),
					  rng_range(1, 9) };
	default: /* cuts, possibly past the edges */
		return (struct fbk_rect){ rng_range(-3, w - 1), rng_range(-3, h - 1),
					  rng_range(0, w + 4), rng_range(0, h + 4) };
	}
}

static int scene_init(struct scene *sc, uint32_t format, int32_t w, int32_t h, bool vary)
{
	*sc = (struct scene){ .g.block = NULL }; /* so scene_finish works after any failure */
	if (guarded_init(&sc->g, w, h, vary ? (size_t)rng_range(0, 9) : 0, format))
		return -1;
	sc->view = sc->g.surface;
	sc->vx = sc->vy = 0;
	if (vary) {
		struct fbk_rect clip = random_clip(w, h);
		fbk_surface_set_clip(&sc->g.surface, &clip);
		sc->view = sc->g.surface;
		if (rng_next() % 3 == 0) {
			struct fbk_rect r = { rng_range(0, w - 1), rng_range(0, h - 1), 0, 0 };
			r.w = rng_range(1, w - r.x);
			r.h = rng_range(1, h - r.y);
			if (fbk_surface_sub(&sc->view, &sc->g.surface, &r))
				return -1;
			sc->vx = r.x;
			sc->vy = r.y;
			if (rng_next() % 2) {
				clip = random_clip(r.w, r.h);
				fbk_surface_set_clip(&sc->view, &clip);
			}
		}
	}
	size_t all = (size_t)w * (size_t)h, part = (size_t)sc->view.width * (size_t)sc->view.height;
	sc->want = malloc(all * sizeof(*sc->want));
	sc->marks = calloc(part, sizeof(bool));
	sc->marks2 = calloc(part, sizeof(bool));
	if (!sc->want || !sc->marks || !sc->marks2)
		return -1;
	for (int32_t y = 0; y < h; y++)
		for (int32_t x = 0; x < w; x++)
			sc->want[(size_t)y * (size_t)w + (size_t)x] = pixel_at(&sc->g.surface, x, y);
	const struct fbk_rect *c = &sc->view.clip;
	snprintf(sc->what, sizeof(sc->what), "%s %dx%d stride %zu view %dx%d+%d+%d clip %dx%d+%d+%d",
		 fbk_format_info(format)->name, (int)w, (int)h, sc->g.surface.stride,
		 (int)sc->view.width, (int)sc->view.height, (int)sc->vx, (int)sc->vy, (int)c->w,
		 (int)c->h, (int)c->x, (int)c->y);
	return 0;
}

static void scene_finish(struct scene *sc)
{
	guarded_finish(&sc->g);
	free(sc->want);
	free(sc->marks);
	free(sc->marks2);
}

static struct fbk_color color_of(uint32_t argb)
{
	return (struct fbk_color){ (uint8_t)(argb >> 16), (uint8_t)(argb >> 8), (uint8_t)argb,
				   (uint8_t)(argb >> 24) };
}

/* Apply the colour once to every marked pixel of the expected picture. */
static void scene_expect(struct scene *sc, struct fbk_color c)
{
	uint32_t format = sc->view.format;
	bool has_alpha = fbk_format_has_alpha(format);
	for (int32_t y = 0; y < sc->view.height; y++) {
		for (int32_t x = 0; x < sc->view.width; x++) {
			if (!sc->marks[(size_t)y * (size_t)sc->view.width + (size_t)x] || c.a == 0)
				continue;
			struct fbk_color *want =
				&sc->want[(size_t)(y + sc->vy) * (size_t)sc->g.surface.width +
					  (size_t)(x + sc->vx)];
			struct fbk_color now = c;
			if (c.a != 255)
				now = color_of(fbk_over_pixel(fbk_argb(*want), fbk_argb(c), has_alpha));
			*want = fbk_color_unpack(format, fbk_color_pack(format, now));
		}
	}
}

/* The whole buffer against the expected picture, and the guard bytes. */
static void scene_check(const struct scene *sc, const char *call)
{
	const struct fbk_surface *all = &sc->g.surface;
	bool same = true;
	for (int32_t y = 0; y < all->height && same; y++) {
		for (int32_t x = 0; x < all->width && same; x++) {
			struct fbk_color got = pixel_at(all, x, y);
			struct fbk_color want = sc->want[(size_t)y * (size_t)all->width + (size_t)x];
			if (!color_equal(got, want)) {
				same = false;
				CHECK(0, "%s on %s: buffer pixel (%d,%d) is %02x%02x%02x%02x, want %02x%02x%02x%02x",
				      call, sc->what, (int)x, (int)y, got.a, got.r, got.g, got.b,
				      want.a, want.r, want.g, want.b);
			}
		}
	}
	CHECK(same, "%s on %s matches the reference", call, sc->what);
	CHECK(guarded_intact(&sc->g), "%s on %s wrote outside the surface", call, sc->what);
}

static struct fbk_color random_color(void)
{
	struct fbk_color c = rng_color();
	switch (rng_next() % 4) {
	case 0: c.a = 255; break;
	case 1: c.a = 0; break;
	}
	return c;
}

/* Draw one line on a prepared scene and compare with the reference. */
static void check_line(struct scene *sc, int32_t x0, int32_t y0, int32_t x1, int32_t y1,
		       struct fbk_color c)
{
	struct ref_line l = ref_line(x0, y0, x1, y1);
	ref_solve(sc->marks, &sc->view, &l);
	if (l.m <= WALK_LIMIT) {
		ref_walk(sc->marks2, &sc->view, &l);
		size_t n = (size_t)sc->view.width * (size_t)sc->view.height;
		CHECK(!memcmp(sc->marks, sc->marks2, n), "references disagree on %d,%d-%d,%d",
		      (int)x0, (int)y0, (int)x1, (int)y1);
	}
	scene_expect(sc, c);
	char call[120];
	snprintf(call, sizeof(call), "line %d,%d-%d,%d colour %02x%02x%02x%02x", (int)x0, (int)y0,
		 (int)x1, (int)y1, c.a, c.r, c.g, c.b);
	int ret = fbk_line(&sc->view, x0, y0, x1, y1, c);
	CHECK(ret == 0, "%s returned %d", call, ret);
	scene_check(sc, call);
}

static int32_t clamp32(int64_t v)
{
	return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* One coordinate: inside, near, far, or at the extremes of int32. */
static int32_t random_coord(int32_t size)
{
	static const int32_t extremes[] = { INT32_MIN, INT32_MIN + 1, -INT32_MAX / 2,
					     INT32_MAX / 2, INT32_MAX - 1, INT32_MAX };
	switch (rng_next() % 8) {
	case 0:
	case 1:
	case 2: return rng_range(0, size - 1);
	case 3:
	case 4: return rng_range(-12, size + 12);
	case 5: return rng_range(-100000, 100000);
	case 6: return FAR_LINES ? (int32_t)rng_next() : rng_range(-(1 << 29), 1 << 29);
	default:
		return FAR_LINES ? extremes[rng_next() % 6] : rng_range(-(1 << 29), 1 << 29);
	}
}

/* A far point and the point mirrored through p, so the line crosses p exactly. */
static void through(int32_t px, int32_t py, int32_t *x0, int32_t *y0, int32_t *x1, int32_t *y1)
{
	int32_t reach = FAR_LINES ? INT32_MAX / 2 : 1 << 28;
	switch (rng_next() % 3) {
	case 0: reach = 1000; break;
	case 1: reach = 1 << 22; break;
	}
	*x0 = rng_range(-reach, reach);
	*y0 = rng_range(-reach, reach);
	*x1 = clamp32(2 * (int64_t)px - *x0);
	*y1 = clamp32(2 * (int64_t)py - *y0);
	if (rng_next() % 4 == 0) { /* end on p instead */
		*x1 = px;
		*y1 = py;
	}
}

/*
 * Nearly corner to corner of the int32 plane, crossing the surface: both
 * distances close to 2^32 and the visible steps near the middle, where
 * step * distance passes 2^63 and 64-bit shortcuts overflow.
 */
static void extreme(int32_t *x0, int32_t *y0, int32_t *x1, int32_t *y1)
{
	*x0 = INT32_MIN + rng_range(0, 40);
	*x1 = INT32_MAX - rng_range(0, 40);
	*y0 = INT32_MIN + rng_range(0, 40);
	*y1 = INT32_MAX - rng_range(0, 40);
	if (rng_next() % 2) { /* the other diagonal */
		int32_t t = *y0;
		*y0 = *y1;
		*y1 = t;
	}
	if (rng_next() % 2) { /* steep instead of shallow */
		int32_t t = *x0;
		*x0 = *y0;
		*y0 = t;
		t = *x1;
		*x1 = *y1;
		*y1 = t;
	}
	if (rng_next() % 2) { /* drawn from the other end */
		int32_t t = *x0;
		*x0 = *x1;
		*x1 = t;
		t = *y0;
		*y0 = *y1;
		*y1 = t;
	}
}

static void random_line(uint32_t format, int round)
{
	struct scene sc;
	if (scene_init(&sc, format, random_size(), random_size(), true)) {
		CHECK(0, "setting up round %d", round);
		scene_finish(&sc);
		return;
	}
	int32_t w = sc.view.width, h = sc.view.height;
	int32_t x0 = random_coord(w), y0 = random_coord(h);
	int32_t x1 = random_coord(w), y1 = random_coord(h);
	switch (rng_next() % 9) {
	case 0: /* horizontal */
		y1 = y0;
		break;
	case 1: /* vertical */
		x1 = x0;
		break;
	case 2: { /* 45 degrees, any octant pair */
		int64_t d = rng_range(0, rng_next() % 2 ? 60 : INT32_MAX / 2);
		x1 = clamp32(x0 + (rng_next() % 2 ? d : -d));
		y1 = clamp32(y0 + (rng_next() % 2 ? d : -d));
		d = x1 - (int64_t)x0;
		d = d < 0 ? -d : d;
		y1 = clamp32(y0 + (y1 < y0 ? -d : d));
		break;
	}
	case 3: /* far endpoints through a point near the surface */
	case 4:
		through(rng_range(-3, w + 2), rng_range(-3, h + 2), &x0, &y0, &x1, &y1);
		break;
	case 5: /* a single pixel */
		x1 = x0;
		y1 = y0;
		break;
	case 6: /* corner to corner of int32 space, near the diagonals */
		if (FAR_LINES)
			extreme(&x0, &y0, &x1, &y1);
		break;
	}
	check_line(&sc, x0, y0, x1, y1, random_color());
	scene_finish(&sc);
}

/*
 * From the centre of an unclipped 21x21 surface to every point on squares
 * of growing radius (some past the edges): all 8 octants, both diagonals,
 * both axes, every slope up to the radius.
 */
static void all_directions(uint32_t format)
{
	for (int32_t r = 0; r <= 14; r++) {
		for (int32_t t = 0; t < (r ? 8 * r : 1); t++) {
			int32_t side = r ? t / (2 * r) : 0, along = r ? t % (2 * r) - r : 0;
			int32_t dx = 0, dy = 0;
			switch (side) {
			case 0: dx = along; dy = -r; break;
			case 1: dx = r; dy = along; break;
			case 2: dx = -along; dy = r; break;
			case 3: dx = -r; dy = -along; break;
			}
			struct scene sc;
			if (scene_init(&sc, format, 21, 21, false) == 0) {
				struct fbk_color c = t % 2 ? FBK_RGB(200, 30, 90) :
							     FBK_RGBA(10, 250, 60, 140);
				if (t % 3 == 0) /* and drawn the other way */
					check_line(&sc, 10 + dx, 10 + dy, 10, 10, c);
				else
					check_line(&sc, 10, 10, 10 + dx, 10 + dy, c);
			} else {
				CHECK(0, "setting up a 21x21 scene");
			}
			scene_finish(&sc);
		}
	}
}

/* Long lines through a small surface, checked by walking every step. */
static void long_walks(uint32_t format)
{
	for (int round = 0; round < 6; round++) {
		struct scene sc;
		if (scene_init(&sc, format, random_size(), random_size(), true)) {
			CHECK(0, "setting up a long walk");
			scene_finish(&sc);
			continue;
		}
		int32_t px = rng_range(0, sc.view.width - 1), py = rng_range(0, sc.view.height - 1);
		int32_t x0 = rng_range(-(1 << 17), 1 << 17), y0 = rng_range(-(1 << 17), 1 << 17);
		int32_t x1 = 2 * px - x0, y1 = 2 * py - y0;
		struct ref_line l = ref_line(x0, y0, x1, y1);
		ref_walk(sc.marks, &sc.view, &l);
		ref_solve(sc.marks2, &sc.view, &l);
		size_t n = (size_t)sc.view.width * (size_t)sc.view.height;
		CHECK(!memcmp(sc.marks, sc.marks2, n), "references disagree on a long line");
		struct fbk_color c = random_color();
		scene_expect(&sc, c);
		int ret = fbk_line(&sc.view, x0, y0, x1, y1, c);
		CHECK(ret == 0, "long line returned %d", ret);
		scene_check(&sc, "long walked line");
		scene_finish(&sc);
	}
}

/* Bigger surfaces, so spans and walks run past a chunk (FBK_ROW_CHUNK pixels). */
static void big_surfaces(uint32_t format)
{
	static const int32_t sizes[][2] = { { 700, 3 }, { 3, 650 }, { 300, 290 }, { 520, 1 } };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int round = 0; round < 6; round++) {
			struct scene sc;
			if (scene_init(&sc, format, sizes[i][0], sizes[i][1], round % 2 != 0)) {
				CHECK(0, "setting up a big surface");
				scene_finish(&sc);
				continue;
			}
			int32_t w = sc.view.width, h = sc.view.height;
			/* From one side to the other, mostly along the longer axis. */
			int32_t x0 = rng_range(-20, 20), y0 = rng_range(-20, h + 20);
			int32_t x1 = w + rng_range(-20, 20), y1 = rng_range(-20, h + 20);
			if (h > w) {
				x0 = rng_range(-20, w + 20);
				y0 = rng_range(-20, 20);
				x1 = rng_range(-20, w + 20);
				y1 = h + rng_range(-20, 20);
			}
			if (round % 3 == 0)
				y1 = y0;
			if (round % 3 == 1 && h > w)
				x1 = x0;
			struct fbk_color c = random_color();
			if (round < 2)
				c.a = round ? 255 : 99;
			check_line(&sc, x0, y0, x1, y1, c);
			scene_finish(&sc);

			if (scene_init(&sc, format, sizes[i][0], sizes[i][1], true) == 0) {
				struct fbk_rect r = { rng_range(-5, 5), rng_range(-5, 5),
						      sc.view.width + rng_range(-10, 5),
						      sc.view.height + rng_range(-10, 5) };
				c = random_color();
				ref_outline(sc.marks, &sc.view, &r);
				scene_expect(&sc, c);
				CHECK(fbk_rect_outline(&sc.view, &r, c) == 0, "big outline");
				scene_check(&sc, "big outline");
			} else {
				CHECK(0, "setting up a big surface");
			}
			scene_finish(&sc);
		}
	}
}

static struct fbk_rect random_rect(int32_t w, int32_t h)
{
	switch (rng_next() % 8) {
	case 0: /* a line of pixels */
		return (struct fbk_rect){ rng_range(-2, w), rng_range(-2, h), 1, rng_range(1, h + 3) };
	case 1:
		return (struct fbk_rect){ rng_range(-2, w), rng_range(-2, h), rng_range(1, w + 3), 1 };
	case 2: /* empty */
		return (struct fbk_rect){ rng_range(-2, w), rng_range(-2, h), rng_range(-5, 3),
					  rng_range(-5, 0) };
	case 3: /* far and huge */
		return (struct fbk_rect){ rng_range(INT32_MIN, 5), rng_range(INT32_MIN, 5),
					  rng_range(1, INT32_MAX), rng_range(1, INT32_MAX) };
	case 4: /* edges at the far end of int32 */
		return (struct fbk_rect){ rng_range(-5, w), rng_range(-5, h), INT32_MAX, INT32_MAX };
	default:
		return (struct fbk_rect){ rng_range(-4, w + 1), rng_range(-4, h + 1),
					  rng_range(1, w + 6), rng_range(1, h + 6) };
	}
}

static void random_outline(uint32_t format, int round)
{
	struct scene sc;
	if (scene_init(&sc, format, random_size(), random_size(), true)) {
		CHECK(0, "setting up outline round %d", round);
		scene_finish(&sc);
		return;
	}
	struct fbk_rect r = random_rect(sc.view.width, sc.view.height);
	struct fbk_color c = random_color();
	ref_outline(sc.marks, &sc.view, &r);
	scene_expect(&sc, c);
	char call[120];
	snprintf(call, sizeof(call), "outline %dx%d+%d+%d colour %02x%02x%02x%02x", (int)r.w,
		 (int)r.h, (int)r.x, (int)r.y, c.a, c.r, c.g, c.b);
	int ret = fbk_rect_outline(&sc.view, &r, c);
	CHECK(ret == 0, "%s returned %d", call, ret);
	scene_check(&sc, call);
	scene_finish(&sc);
}

/* A buffer that must come out of a failing call byte for byte as it went in. */
static void bad_input(void)
{
	struct guarded g;
	if (guarded_init(&g, 9, 7, 3, FBK_FORMAT_XRGB8888)) {
		CHECK(0, "setting up");
		guarded_finish(&g);
		return;
	}
	uint8_t *copy = malloc(g.block_size);
	if (!copy) {
		CHECK(0, "out of memory");
		guarded_finish(&g);
		return;
	}
	memcpy(copy, g.block, g.block_size);
	struct fbk_color red = FBK_RGB(255, 0, 0);
	struct fbk_rect r = { 1, 1, 4, 4 };

	CHECK(fbk_line(NULL, 0, 0, 5, 5, red) == -EINVAL, "NULL surface");
	CHECK(strstr(fbk_last_error(), "line") != NULL, "message names the call: %s",
	      fbk_last_error());
	CHECK(fbk_rect_outline(NULL, &r, red) == -EINVAL, "outline: NULL surface");

	struct fbk_surface s = g.surface;
	s.pixels = NULL;
	CHECK(fbk_line(&s, 0, 0, 5, 5, red) == -EINVAL, "NULL pixels");
	s = g.surface;
	s.stride = 4 * 9 - 1;
	CHECK(fbk_line(&s, 0, 0, 5, 5, red) == -EINVAL, "stride too small");
	CHECK(fbk_rect_outline(&s, &r, red) == -EINVAL, "outline: stride too small");
	s = g.surface;
	s.width = 0;
	CHECK(fbk_line(&s, 0, 0, 5, 5, red) == -EINVAL, "zero width");
	s = g.surface;
	s.height = FBK_MAX_DIMENSION + 1;
	CHECK(fbk_line(&s, 0, 0, 5, 5, red) == -EINVAL, "height too large");
	s = g.surface;
	s.format = FBK_FOURCC('N', 'O', 'P', 'E');
	int err = fbk_line(&s, 0, 0, 5, 5, red);
	CHECK(err < 0 && err == fbk_surface_check(&s), "unknown format gives %d", err);
	CHECK(fbk_rect_outline(&s, &r, red) < 0, "outline: unknown format");

	CHECK(fbk_rect_outline(&g.surface, NULL, red) == -EINVAL, "NULL rectangle");
	CHECK(fbk_rect_outline(&g.surface, NULL, FBK_RGBA(0, 0, 0, 0)) == -EINVAL,
	      "NULL rectangle, transparent colour");
	struct fbk_rect empty[] = { { 1, 1, 0, 5 }, { 1, 1, 5, 0 }, { 1, 1, -3, 5 },
				    { 1, 1, 5, INT32_MIN } };
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++)
		CHECK(fbk_rect_outline(&g.surface, &empty[i], red) == 0, "empty rectangle %zu", i);
	CHECK(fbk_line(&g.surface, 0, 0, 8, 6, FBK_RGBA(255, 0, 0, 0)) == 0, "transparent line");
	CHECK(fbk_rect_outline(&g.surface, &r, FBK_RGBA(255, 0, 0, 0)) == 0,
	      "transparent outline");
	CHECK(memcmp(copy, g.block, g.block_size) == 0, "failed or empty calls wrote nothing");

	/* A clip edited by hand to reach past the surface is still cut to it. */
	s = g.surface;
	s.clip = (struct fbk_rect){ -50, -50, 500, 500 };
	CHECK(fbk_line(&s, -100, -90, 100, 80, red) == 0, "line with a bad clip");
	CHECK(fbk_rect_outline(&s, &(struct fbk_rect){ -1, -1, 11, 9 }, red) == 0,
	      "outline with a bad clip");
	CHECK(guarded_intact(&g), "a bad clip let writes out");
	free(copy);
	guarded_finish(&g);
}

int main(void)
{
	rng_seed(0x4c494e45); /* "LINE" */
	bad_input();
	if (!FAR_LINES)
		printf("no 128-bit integers: lines stay within +-2^29\n");
	const struct fbk_format_info *f;
	for (size_t i = 0; (f = fbk_format_at(i)) != NULL; i++) {
		all_directions(f->fourcc);
		long_walks(f->fourcc);
		big_surfaces(f->fourcc);
		for (int round = 0; round < 2500; round++)
			random_line(f->fourcc, round);
		for (int round = 0; round < 600; round++)
			random_outline(f->fourcc, round);
	}
	return harness_exit();
}
