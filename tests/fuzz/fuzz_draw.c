/*
 * Fuzz target for the drawing API: fills, blits (SRC and OVER, with
 * opacity, from a separate source or overlapping the destination), lines,
 * rectangle outlines and text of random bytes in the built-in font, at any
 * int32 coordinates, on a buffer of any format with an odd stride, drawn
 * through a sub-surface with a random clip. The input is a recipe: the
 * buffer, the view and its clip, then up to MAX_OPS calls (read_* below).
 *
 * After every call, no byte outside the view's clip may have changed: not
 * the guard bytes around the buffer, not the padding at the end of rows,
 * not a pixel outside the clip, not the blit's source; a call that fails
 * changes nothing. Every call but text is also checked pixel by pixel
 * against a reference computed here from the public pack/unpack functions
 * and fbk_over_pixel, the blend's definition (test_pixel pins those):
 * fills, rectangle outlines, lines (the closed form in src/draw/line.c), SRC
 * blits, and OVER blits with their opacity; a fully transparent colour
 * changes nothing.
 * A broken check aborts, which libFuzzer reports as a crash.
 *
 * The verdict: rejected when a call failed (only SRC with an opacity may),
 * else accepted.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbkit.h"
#include "pixel/pixel.h"
#include "verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum fuzz_verdict fuzz_verdict;

#define GUARD 64       /* bytes before and after each buffer */
#define MAX_SIDE 48    /* destination buffer, pixels */
#define MAX_SRC_SIDE 24
#define MAX_OPS 24
#define MAX_TEXT 40

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint8_t read_u8(struct reader *r)
{
	if (!r->n)
		return 0;
	r->n--;
	return *r->p++;
}

static uint32_t read_u32(struct reader *r)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)read_u8(r) << (8 * i);
	return v;
}

/* Mostly small values near the buffer; a tag byte >= 0xc0 takes any int32. */
static int32_t read_coord(struct reader *r)
{
	uint8_t tag = read_u8(r);
	if (tag < 0xc0)
		return (int32_t)tag - 0x60;
	return (int32_t)read_u32(r);
}

static struct fbk_rect read_rect(struct reader *r)
{
	struct fbk_rect rect;
	rect.x = read_coord(r);
	rect.y = read_coord(r);
	rect.w = read_coord(r);
	rect.h = read_coord(r);
	return rect;
}

static const struct fbk_format_info *read_format(struct reader *r)
{
	static size_t count;
	if (!count)
		while (fbk_format_at(count))
			count++;
	return fbk_format_at(read_u8(r) % count);
}

/* Opaque half the time, so the references get to check often. */
static struct fbk_color read_color(struct reader *r)
{
	uint8_t mode = read_u8(r);
	struct fbk_color c = { read_u8(r), read_u8(r), read_u8(r), 255 };
	if (mode & 1)
		c.a = read_u8(r);
	return c;
}

/* A buffer of pixels with guard bytes around it, and its whole surface. */
struct buffer {
	uint8_t *memory; /* GUARD, pixels (stride * height), GUARD */
	size_t size;
	struct fbk_surface surface;
	const struct fbk_format_info *info;
};

static bool buffer_init(struct buffer *b, struct reader *r, int32_t max_side)
{
	b->info = read_format(r);
	int32_t w = 1 + read_u8(r) % max_side, h = 1 + read_u8(r) % max_side;
	/* Any padding, odd included: rows of 32-bit pixels need not be aligned. */
	size_t stride = (size_t)w * b->info->bytes_per_pixel + read_u8(r) % 16;
	b->size = 2 * GUARD + stride * (size_t)h;
	b->memory = malloc(b->size);
	if (!b->memory)
		return false;
	uint8_t seed = read_u8(r);
	for (size_t i = 0; i < b->size; i++)
		b->memory[i] = (uint8_t)(seed + i * 167 + (i >> 7));
	if (fbk_surface_init(&b->surface, b->memory + GUARD, w, h, stride, b->info->fourcc)) {
		free(b->memory);
		b->memory = NULL;
		return false;
	}
	return true;
}

static uint32_t load(const uint8_t *p, int bytes)
{
	uint32_t v = 0;
	for (int i = 0; i < bytes; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static bool same_color(struct fbk_color a, struct fbk_color b)
{
	return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a;
}

/* a ∩ b in 64 bits; empty when w or h <= 0. */
struct box {
	int64_t x0, y0, x1, y1;
};

static struct box box_of(const struct fbk_rect *r)
{
	return (struct box){ r->x, r->y, (int64_t)r->x + r->w, (int64_t)r->y + r->h };
}

static struct box box_cut(struct box a, struct box b)
{
	struct box c = { a.x0 > b.x0 ? a.x0 : b.x0, a.y0 > b.y0 ? a.y0 : b.y0,
			 a.x1 < b.x1 ? a.x1 : b.x1, a.y1 < b.y1 ? a.y1 : b.y1 };
	if (c.x1 <= c.x0 || c.y1 <= c.y0 || a.x1 <= a.x0 || a.y1 <= a.y0 || b.x1 <= b.x0 ||
	    b.y1 <= b.y0)
		return (struct box){ 0, 0, 0, 0 };
	return c;
}

static bool box_has(const struct box *b, int64_t x, int64_t y)
{
	return x >= b->x0 && x < b->x1 && y >= b->y0 && y < b->y1;
}

/* The destination: the buffer, the view drawn on, and where the view may draw. */
struct scene {
	struct buffer dst;
	struct fbk_surface view;
	int32_t view_x, view_y; /* the view's origin in the buffer */
	struct box drawable;    /* in view coordinates: the clip as computed here */
	bool *may_change;       /* per byte of dst.memory */
	uint8_t *before;        /* dst.memory before the call */
};

static void compute_may_change(struct scene *s)
{
	memset(s->may_change, 0, s->dst.size);
	int bpp = s->dst.info->bytes_per_pixel;
	for (int64_t y = s->drawable.y0; y < s->drawable.y1; y++)
		for (int64_t x = s->drawable.x0; x < s->drawable.x1; x++) {
			size_t at = GUARD + (size_t)(y + s->view_y) * s->dst.surface.stride +
				    (size_t)(x + s->view_x) * bpp;
			memset(s->may_change + at, 1, (size_t)bpp);
		}
}

static void set_clip(struct scene *s, const struct fbk_rect *clip)
{
	fbk_surface_set_clip(&s->view, clip);
	struct box bounds = { 0, 0, s->view.width, s->view.height };
	s->drawable = box_cut(box_of(clip), bounds);
	compute_may_change(s);
}

/* A pixel of the view as it was before the call and as it is now. */
static struct fbk_color view_color(const struct scene *s, const uint8_t *memory, int64_t x,
				   int64_t y)
{
	int bpp = s->dst.info->bytes_per_pixel;
	size_t at = GUARD + (size_t)(y + s->view_y) * s->dst.surface.stride +
		    (size_t)(x + s->view_x) * bpp;
	return fbk_color_unpack(s->dst.info->fourcc, load(memory + at, bpp));
}

static void check_outside_unchanged(const struct scene *s, bool changed_allowed)
{
	for (size_t i = 0; i < s->dst.size; i++)
		REQUIRE(s->dst.memory[i] == s->before[i] || (changed_allowed && s->may_change[i]));
}

static struct fbk_color color_of(uint32_t argb)
{
	return (struct fbk_color){ (uint8_t)(argb >> 16), (uint8_t)(argb >> 8), (uint8_t)argb,
				   (uint8_t)(argb >> 24) };
}

/* How a call puts its colour on a pixel. */
enum put {
	REPLACE,      /* SRC blits, opaque colours */
	BLEND,        /* translucent colours: OVER, once per pixel */
	BLEND_SCALED, /* OVER blits: source alpha scaled by the opacity first */
};

/*
 * Every drawable pixel: want(x, y) returns true and sets *c when the call
 * puts colour c there, false when the pixel must be unchanged. The result
 * is what `put` makes of c and the pixel before, stored in the format
 * (fbk_over_pixel is the blend's definition; test_pixel pins it).
 */
static void check_reference(const struct scene *s,
			    bool (*want)(const struct scene *s, const void *ctx, int64_t x,
					 int64_t y, struct fbk_color *c),
			    const void *ctx, enum put put, uint8_t opacity)
{
	uint32_t f = s->dst.info->fourcc;
	bool has_alpha = fbk_format_has_alpha(f);
	for (int64_t y = s->drawable.y0; y < s->drawable.y1; y++)
		for (int64_t x = s->drawable.x0; x < s->drawable.x1; x++) {
			struct fbk_color c, got = view_color(s, s->dst.memory, x, y);
			struct fbk_color before = view_color(s, s->before, x, y);
			if (!want(s, ctx, x, y, &c)) {
				REQUIRE(same_color(got, before));
				continue;
			}
			if (put == BLEND_SCALED)
				c.a = (uint8_t)fbk_div255((uint32_t)c.a * opacity);
			if (put != REPLACE)
				c = color_of(fbk_over_pixel(fbk_argb(before), fbk_argb(c), has_alpha));
			REQUIRE(same_color(got, fbk_color_unpack(f, fbk_color_pack(f, c))));
		}
}

/* Fills, lines and outlines: opaque replaces, translucent blends, transparent does nothing. */
static enum put put_of(struct fbk_color c)
{
	return c.a == 255 ? REPLACE : BLEND;
}

struct shape {
	struct box box;
	struct fbk_color color;
};

static bool in_fill(const struct scene *s, const void *ctx, int64_t x, int64_t y,
		    struct fbk_color *c)
{
	(void)s;
	const struct shape *f = ctx;
	*c = f->color;
	return box_has(&f->box, x, y);
}

static bool on_outline(const struct scene *s, const void *ctx, int64_t x, int64_t y,
		       struct fbk_color *c)
{
	(void)s;
	const struct shape *o = ctx;
	*c = o->color;
	return box_has(&o->box, x, y) &&
	       (x == o->box.x0 || y == o->box.y0 || x == o->box.x1 - 1 || y == o->box.y1 - 1);
}

struct copy {
	const struct fbk_surface *src;
	const uint8_t *src_pixels; /* src's pixels as they were before the call */
	struct box from;           /* the source rectangle cut to the source */
	int64_t dx, dy;            /* view pixel = source pixel + (dx, dy) */
};

static bool from_source(const struct scene *s, const void *ctx, int64_t x, int64_t y,
			struct fbk_color *c)
{
	(void)s;
	const struct copy *k = ctx;
	int64_t sx = x - k->dx, sy = y - k->dy;
	if (!box_has(&k->from, sx, sy))
		return false;
	int bpp = fbk_format_info(k->src->format)->bytes_per_pixel;
	uint32_t v = load(k->src_pixels + (size_t)sy * k->src->stride + (size_t)sx * bpp, bpp);
	*c = fbk_color_unpack(k->src->format, v);
	return true;
}

static int do_fill(struct scene *s, struct reader *r)
{
	bool whole = read_u8(r) & 1;
	struct fbk_rect rect = read_rect(r);
	struct fbk_color color = read_color(r);
	int err = fbk_fill(&s->view, whole ? NULL : &rect, color);
	REQUIRE(err == 0);
	check_outside_unchanged(s, color.a != 0);
	if (color.a != 0) {
		struct fbk_rect all = { 0, 0, s->view.width, s->view.height };
		struct shape f = { box_of(whole ? &all : &rect), color };
		check_reference(s, in_fill, &f, put_of(color), 255);
	}
	return err;
}

static int do_outline(struct scene *s, struct reader *r)
{
	struct fbk_rect rect = read_rect(r);
	struct fbk_color color = read_color(r);
	int err = fbk_rect_outline(&s->view, &rect, color);
	REQUIRE(err == 0);
	check_outside_unchanged(s, color.a != 0);
	if (color.a != 0) {
		struct shape o = { box_of(&rect), color };
		if (rect.w <= 0 || rect.h <= 0)
			o.box = (struct box){ 0, 0, 0, 0 };
		check_reference(s, on_outline, &o, put_of(color), 255);
	}
	return err;
}

struct line {
	int64_t x0, y0, x1, y1;
	struct fbk_color color;
};

/*
 * The closed form in src/draw/line.c's opening comment, asked the other way
 * round: step i is fixed by the pixel's major coordinate, and the pixel is
 * set when its minor coordinate is the one step i rounds to. The quotient
 * floor((2 * i * N + M) / (2 * M)) is split as in line.c, since i * N can
 * fill 64 bits.
 */
static bool on_line(const struct scene *s, const void *ctx, int64_t x, int64_t y,
		    struct fbk_color *c)
{
	(void)s;
	const struct line *l = ctx;
	*c = l->color;
	int64_t dx = l->x1 - l->x0, dy = l->y1 - l->y0;
	uint64_t adx = (uint64_t)(dx < 0 ? -dx : dx), ady = (uint64_t)(dy < 0 ? -dy : dy);
	bool x_major = adx >= ady;
	uint64_t m = x_major ? adx : ady, n = x_major ? ady : adx;
	int64_t major = x_major ? x : y, minor = x_major ? y : x;
	int64_t major0 = x_major ? l->x0 : l->y0, minor0 = x_major ? l->y0 : l->x0;
	int64_t s_maj = (x_major ? dx : dy) < 0 ? -1 : 1, s_min = (x_major ? dy : dx) < 0 ? -1 : 1;
	if (m == 0)
		return x == l->x0 && y == l->y0;
	int64_t step = (major - major0) * s_maj;
	if (step < 0 || (uint64_t)step > m)
		return false;
	uint64_t p = (uint64_t)step * n, a = p / m, b = p % m;
	uint64_t q = a + (2 * b + m) / (2 * m);
	return minor == minor0 + s_min * (int64_t)q;
}

static int do_line(struct scene *s, struct reader *r)
{
	int32_t x0 = read_coord(r), y0 = read_coord(r), x1 = read_coord(r), y1 = read_coord(r);
	struct fbk_color color = read_color(r);
	int err = fbk_line(&s->view, x0, y0, x1, y1, color);
	REQUIRE(err == 0);
	check_outside_unchanged(s, color.a != 0);
	if (color.a != 0) {
		struct line l = { x0, y0, x1, y1, color };
		check_reference(s, on_line, &l, put_of(color), 255);
	}
	return err;
}

static int do_text(struct scene *s, struct reader *r)
{
	char text[MAX_TEXT + 1];
	size_t n = read_u8(r) % (MAX_TEXT + 1);
	for (size_t i = 0; i < n; i++)
		text[i] = (char)read_u8(r);
	text[n] = '\0';
	int32_t x = read_coord(r), y = read_coord(r);
	struct fbk_color fg = read_color(r), bg = read_color(r);
	bool with_bg = read_u8(r) & 1;
	int err = fbk_text_draw(&s->view, fbk_font_builtin(), x, y, text, fg, with_bg ? &bg : NULL);
	REQUIRE(err == 0);
	check_outside_unchanged(s, true);
	return err;
}

static int do_blit(struct scene *s, struct reader *r)
{
	uint8_t how = read_u8(r);
	bool overlap = how & 1, whole = how & 2;
	enum fbk_op op = how & 4 ? FBK_OP_OVER : FBK_OP_SRC;
	uint8_t opacity = how & 8 ? read_u8(r) : 255;
	struct fbk_rect src_rect = read_rect(r);
	int32_t x = read_coord(r), y = read_coord(r);

	struct buffer own = { 0 };
	struct copy k;
	if (overlap) {
		/* The source is the buffer the view lies in: memmove semantics. */
		k.src = &s->dst.surface;
		k.src_pixels = s->before + GUARD;
	} else {
		if (!buffer_init(&own, r, MAX_SRC_SIDE))
			return 0;
		k.src = &own.surface;
		k.src_pixels = own.surface.pixels;
	}
	uint8_t *src_before = NULL;
	if (!overlap) {
		src_before = malloc(own.size);
		if (!src_before) {
			free(own.memory);
			return 0;
		}
		memcpy(src_before, own.memory, own.size);
	}

	int err = fbk_blit(&s->view, x, y, k.src, whole ? NULL : &src_rect, op, opacity);
	if (op == FBK_OP_SRC && opacity != 255) {
		REQUIRE(err == -EINVAL);
		check_outside_unchanged(s, false);
	} else {
		REQUIRE(err == 0);
		check_outside_unchanged(s, true);
		struct fbk_rect all = { 0, 0, k.src->width, k.src->height };
		struct fbk_rect wanted = whole ? all : src_rect;
		k.from = box_cut(box_of(&wanted), box_of(&all));
		k.dx = (int64_t)x - wanted.x;
		k.dy = (int64_t)y - wanted.y;
		if (op == FBK_OP_OVER && opacity == 0)
			check_outside_unchanged(s, false);
		else
			check_reference(s, from_source, &k,
					op == FBK_OP_SRC ? REPLACE : BLEND_SCALED, opacity);
	}
	if (!overlap) {
		REQUIRE(!memcmp(src_before, own.memory, own.size));
		free(src_before);
		free(own.memory);
	}
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool initialised;
	if (!initialised) {
		fbk_set_log_level(FBK_LOG_ERROR);
		initialised = true;
	}
	struct reader r = { data, size };
	struct scene s = { 0 };
	fuzz_step = -1;
	fuzz_verdict = FUZZ_ACCEPTED;
	if (!buffer_init(&s.dst, &r, MAX_SIDE))
		return 0;
	s.may_change = malloc(s.dst.size);
	s.before = malloc(s.dst.size);
	if (!s.may_change || !s.before)
		goto out;

	/* The view: the whole buffer, or a sub-surface of it (cut to the buffer). */
	s.view = s.dst.surface;
	if (read_u8(&r) & 1) {
		struct fbk_rect sub = read_rect(&r);
		struct box bounds = { 0, 0, s.dst.surface.width, s.dst.surface.height };
		struct box cut = box_cut(box_of(&sub), bounds);
		int err = fbk_surface_sub(&s.view, &s.dst.surface, &sub);
		if (cut.x1 == cut.x0) {
			REQUIRE(err == -EINVAL);
			s.view = s.dst.surface;
		} else {
			REQUIRE(err == 0);
			REQUIRE(s.view.width == cut.x1 - cut.x0 && s.view.height == cut.y1 - cut.y0);
			s.view_x = (int32_t)cut.x0;
			s.view_y = (int32_t)cut.y0;
			REQUIRE(s.view.pixels == fbk_surface_pixel(&s.dst.surface, s.view_x, s.view_y));
		}
	}
	struct fbk_rect clip = read_rect(&r);
	set_clip(&s, &clip);

	for (fuzz_step = 0; fuzz_step < MAX_OPS && r.n; fuzz_step++) {
		memcpy(s.before, s.dst.memory, s.dst.size);
		int err = 0;
		switch (read_u8(&r) % 6) {
		case 0: err = do_fill(&s, &r); break;
		case 1: err = do_blit(&s, &r); break;
		case 2: err = do_line(&s, &r); break;
		case 3: err = do_outline(&s, &r); break;
		case 4: err = do_text(&s, &r); break;
		case 5:
			clip = read_rect(&r);
			set_clip(&s, &clip);
			break;
		}
		if (err)
			fuzz_verdict = FUZZ_REJECTED;
	}
out:
	free(s.before);
	free(s.may_change);
	free(s.dst.memory);
	return 0;
}
