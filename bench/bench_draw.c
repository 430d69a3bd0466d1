/*
 * Drawing rows: fbkit's primitives against memset/memcpy and, when they
 * were found at build time, pixman and Cairo, in one run on the same
 * buffers. Ratios are anchor time / fbkit time: above 1 fbkit is faster.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "fbkit.h"
#include "core/format_list.h"
#include "pixel/pixel_ops.h"

#if BENCH_HAVE_PIXMAN
#include <pixman.h>
#endif
#if BENCH_HAVE_CAIRO
#include <cairo.h>
#endif

enum { N_FORMATS = FBK_FORMAT_COUNT, N_LINES = 2000, N_TEXT_LINES = 60, TEXT_CHARS = 80, N_PRESENT_RECTS = 20 };

/* One buffer seen as an fbkit surface (and as a pixman image when built with it). */
struct buffer {
	struct fbk_surface *s;
#if BENCH_HAVE_PIXMAN
	pixman_image_t *image;
#endif
};

struct draw {
	int32_t w, h;
	struct buffer dst, dst565, src, ui, partial;
	struct buffer fmt_src[N_FORMATS], fmt_dst[N_FORMATS];
	/* the current case */
	struct buffer *a, *b;
	uint32_t fmt_a, fmt_b;
	struct fbk_rect *rects;
	size_t n_rects;
	int32_t (*lines)[4];
	char text[TEXT_CHARS + 1];
	struct fbk_display *display;
	int pix_op;
};

static uint64_t rng = 0x243f6a8885a308d3u;

static uint32_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

#if BENCH_HAVE_PIXMAN
static pixman_format_code_t pixman_format(uint32_t fourcc)
{
	switch (fourcc) {
	case FBK_FORMAT_XRGB8888: return PIXMAN_x8r8g8b8;
	case FBK_FORMAT_ARGB8888: return PIXMAN_a8r8g8b8;
	case FBK_FORMAT_XBGR8888: return PIXMAN_x8b8g8r8;
	case FBK_FORMAT_ABGR8888: return PIXMAN_a8b8g8r8;
	case FBK_FORMAT_RGB565: return PIXMAN_r5g6b5;
	case FBK_FORMAT_BGR565: return PIXMAN_b5g6r5;
	case FBK_FORMAT_RGB888: return PIXMAN_r8g8b8;
	case FBK_FORMAT_BGR888: return PIXMAN_b8g8r8;
	case FBK_FORMAT_XRGB1555: return PIXMAN_x1r5g5b5;
	default: return PIXMAN_a1r5g5b5;
	}
}
#endif

/* Random bytes; pixman wants strides in whole 32-bit words, which every size here has. */
static int buffer_init(struct buffer *b, int32_t w, int32_t h, uint32_t format)
{
	if (fbk_surface_create(&b->s, w, h, format))
		return -1;
	uint8_t *p = b->s->pixels;
	for (size_t i = 0; i < b->s->stride * (size_t)h; i++)
		p[i] = (uint8_t)next_random();
#if BENCH_HAVE_PIXMAN
	b->image = pixman_image_create_bits(pixman_format(format), w, h, b->s->pixels,
					    (int)b->s->stride);
	if (!b->image)
		return -1;
#endif
	return 0;
}

static void buffer_finish(struct buffer *b)
{
#if BENCH_HAVE_PIXMAN
	if (b->image)
		pixman_image_unref(b->image);
#endif
	fbk_surface_destroy(b->s);
	memset(b, 0, sizeof(*b));
}

/* Alpha for OVER sources: the UI mix (40% opaque, 40% clear, 20% partial) or all partial. */
static void set_alpha(struct buffer *b, bool ui_mix)
{
	for (int32_t y = 0; y < b->s->height; y++) {
		uint8_t *row = (uint8_t *)b->s->pixels + (size_t)y * b->s->stride;
		for (int32_t x = 0; x < b->s->width; x++) {
			uint32_t r = next_random() % 10;
			uint8_t a = (uint8_t)(1 + next_random() % 254);
			if (ui_mix && r < 4)
				a = 255;
			else if (ui_mix && r < 8)
				a = 0;
			row[4 * x + 3] = a;
		}
	}
}

/* ---- cases: each does the work once ---- */

static int run_memset(void *arg)
{
	struct draw *d = arg;
	memset(d->a->s->pixels, 0x5a, d->a->s->stride * (size_t)d->a->s->height);
	return 0;
}

static int run_memcpy(void *arg)
{
	struct draw *d = arg;
	memcpy(d->a->s->pixels, d->b->s->pixels, d->b->s->stride * (size_t)d->b->s->height);
	return 0;
}

static int run_fbk_fill(void *arg)
{
	struct draw *d = arg;
	return fbk_fill(d->a->s, NULL, FBK_RGB(0x12, 0x34, 0x56));
}

/* A translucent colour: blended onto every pixel, not stored. */
#define TRANSLUCENT FBK_RGBA(0x12, 0x34, 0x56, 0x80)

static int run_fbk_fill_translucent(void *arg)
{
	struct draw *d = arg;
	return fbk_fill(d->a->s, NULL, TRANSLUCENT);
}

static int run_fbk_rects(void *arg)
{
	struct draw *d = arg;
	for (size_t i = 0; i < d->n_rects; i++)
		if (fbk_fill(d->a->s, &d->rects[i], FBK_RGB(0x12, (uint8_t)i, 0x56)))
			return 1;
	return 0;
}

static int run_fbk_copy(void *arg)
{
	struct draw *d = arg;
	return fbk_blit(d->a->s, 0, 0, d->b->s, NULL, FBK_OP_SRC, 255);
}

static int run_fbk_over(void *arg)
{
	struct draw *d = arg;
	return fbk_blit(d->a->s, 0, 0, d->b->s, NULL, FBK_OP_OVER, 255);
}

static int run_fbk_lines(void *arg)
{
	struct draw *d = arg;
	for (int i = 0; i < N_LINES; i++)
		if (fbk_line(d->a->s, d->lines[i][0], d->lines[i][1], d->lines[i][2], d->lines[i][3],
			     FBK_RGB(255, (uint8_t)i, 0)))
			return 1;
	return 0;
}

static int run_fbk_text(void *arg)
{
	struct draw *d = arg;
	for (int i = 0; i < N_TEXT_LINES; i++)
		if (fbk_text_draw(d->a->s, fbk_font_builtin(), 4, 4 + 17 * i, d->text,
				  FBK_RGB(255, 255, (uint8_t)i), NULL))
			return 1;
	return 0;
}

static int run_present(void *arg)
{
	struct draw *d = arg;
	return fbk_display_present(d->display, d->rects, d->n_rects);
}

/* The bytes a present of d->rects would copy, copied with memcpy row by row. */
static int run_memcpy_rects(void *arg)
{
	struct draw *d = arg;
	const struct fbk_surface *s = d->b->s;
	size_t bpp = fbk_format_info(s->format)->bytes_per_pixel;
	for (size_t i = 0; i < d->n_rects; i++) {
		const struct fbk_rect *r = &d->rects[i];
		for (int32_t y = r->y; y < r->y + r->h; y++) {
			size_t off = (size_t)y * s->stride + (size_t)r->x * bpp;
			memcpy((uint8_t *)d->a->s->pixels + off, (const uint8_t *)s->pixels + off,
			       (size_t)r->w * bpp);
		}
	}
	return 0;
}

#if BENCH_HAVE_PIXMAN
static int pixman_bpp(const struct fbk_surface *s)
{
	return 8 * fbk_format_info(s->format)->bytes_per_pixel;
}

static int run_pixman_fill(void *arg)
{
	struct draw *d = arg;
	const struct fbk_surface *s = d->a->s;
	return !pixman_fill(s->pixels, (int)(s->stride / 4), pixman_bpp(s), 0, 0, s->width,
			    s->height, 0x123456);
}

/* The same colour OVER the frame: pixman's solid source, premultiplied in 16 bits. */
static int run_pixman_fill_translucent(void *arg)
{
	struct draw *d = arg;
	struct fbk_color c = TRANSLUCENT;
	pixman_color_t pc = { (uint16_t)(c.r * c.a * 257 / 255), (uint16_t)(c.g * c.a * 257 / 255),
			      (uint16_t)(c.b * c.a * 257 / 255), (uint16_t)(c.a * 257) };
	pixman_image_t *solid = pixman_image_create_solid_fill(&pc);
	if (!solid)
		return 1;
	pixman_image_composite32(PIXMAN_OP_OVER, solid, NULL, d->a->image, 0, 0, 0, 0, 0, 0,
				 d->a->s->width, d->a->s->height);
	pixman_image_unref(solid);
	return 0;
}

static int run_pixman_rects(void *arg)
{
	struct draw *d = arg;
	const struct fbk_surface *s = d->a->s;
	for (size_t i = 0; i < d->n_rects; i++) {
		const struct fbk_rect *r = &d->rects[i];
		if (!pixman_fill(s->pixels, (int)(s->stride / 4), pixman_bpp(s), r->x, r->y, r->w,
				 r->h, 0x120056 | (uint32_t)(i & 0xff) << 8))
			return 1;
	}
	return 0;
}

static int run_pixman_blt(void *arg)
{
	struct draw *d = arg;
	const struct fbk_surface *s = d->b->s, *t = d->a->s;
	return !pixman_blt(s->pixels, t->pixels, (int)(s->stride / 4), (int)(t->stride / 4),
			   pixman_bpp(s), pixman_bpp(t), 0, 0, 0, 0, s->width, s->height);
}

static int run_pixman_composite(void *arg)
{
	struct draw *d = arg;
	pixman_image_composite32((pixman_op_t)d->pix_op, d->b->image, NULL, d->a->image, 0, 0, 0,
				 0, 0, 0, d->a->s->width, d->a->s->height);
	return 0;
}
#endif

#if BENCH_HAVE_CAIRO
struct cairo_target {
	cairo_surface_t *surface;
	cairo_t *cr;
};

static int cairo_target_init(struct cairo_target *c, const struct fbk_surface *s)
{
	c->surface = cairo_image_surface_create_for_data(s->pixels, CAIRO_FORMAT_RGB24, s->width,
							 s->height, (int)s->stride);
	c->cr = cairo_create(c->surface);
	if (cairo_status(c->cr))
		return -1;
	cairo_set_antialias(c->cr, CAIRO_ANTIALIAS_NONE);
	cairo_set_line_width(c->cr, 1.0);
	cairo_select_font_face(c->cr, "monospace", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(c->cr, 16);
	cairo_font_options_t *fo = cairo_font_options_create();
	cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_NONE);
	cairo_set_font_options(c->cr, fo);
	cairo_font_options_destroy(fo);
	return 0;
}

static void cairo_target_finish(struct cairo_target *c)
{
	cairo_destroy(c->cr);
	cairo_surface_destroy(c->surface);
}

static struct cairo_target cairo_now;

/* One stroke per line, as a program drawing lines one call at a time would. */
static int run_cairo_lines(void *arg)
{
	struct draw *d = arg;
	cairo_t *cr = cairo_now.cr;
	for (int i = 0; i < N_LINES; i++) {
		cairo_set_source_rgb(cr, 1, (i & 255) / 255.0, 0);
		cairo_move_to(cr, d->lines[i][0] + 0.5, d->lines[i][1] + 0.5);
		cairo_line_to(cr, d->lines[i][2] + 0.5, d->lines[i][3] + 0.5);
		cairo_stroke(cr);
	}
	cairo_surface_flush(cairo_now.surface);
	return cairo_status(cr) != CAIRO_STATUS_SUCCESS;
}

static int run_cairo_text(void *arg)
{
	struct draw *d = arg;
	cairo_t *cr = cairo_now.cr;
	for (int i = 0; i < N_TEXT_LINES; i++) {
		cairo_set_source_rgb(cr, 1, 1, (i & 255) / 255.0);
		cairo_move_to(cr, 4, 16 + 17 * i);
		cairo_show_text(cr, d->text);
	}
	cairo_surface_flush(cairo_now.surface);
	return cairo_status(cr) != CAIRO_STATUS_SUCCESS;
}
#endif

/* ---- groups of rows ---- */

static double pixels_of(const struct fbk_surface *s)
{
	return (double)s->width * s->height;
}

/* A copy of the context drawing on `a` from `b`: each interleaved case has its own. */
static struct draw with(const struct draw *d, struct buffer *a, struct buffer *b)
{
	struct draw v = *d;
	v.a = a;
	v.b = b;
	return v;
}

#if BENCH_HAVE_PIXMAN
#define IF_PIXMAN(fn) fn
#else
#define IF_PIXMAN(fn) NULL
#endif

static void fill_rows(const struct bench_config *cfg, struct draw *d, struct buffer *b)
{
	char name[128];
	const char *fmt = fbk_format_info(b->s->format)->long_name;
	double px = pixels_of(b->s);
	struct draw v = with(d, b, NULL);
	struct bench_case c[] = { { run_memset, &v, 0 },
				  { IF_PIXMAN(run_pixman_fill), &v, 0 },
				  { run_fbk_fill, &v, 0 } };
	bench_interleaved(cfg, c, 3);
	snprintf(name, sizeof(name), "memset %s frame", fmt);
	bench_row(cfg, name, c[0].median, px, NULL, 0);
	if (c[1].run) {
		snprintf(name, sizeof(name), "pixman_fill %s", fmt);
		bench_row(cfg, name, c[1].median, px, "memset", c[0].median);
	}
	snprintf(name, sizeof(name), "fbkit fill %s", fmt);
	bench_row2(cfg, name, c[2].median, px, "memset", c[0].median, "pixman", c[1].median);

	struct bench_case t[] = { { run_memset, &v, 0 },
				  { IF_PIXMAN(run_pixman_fill_translucent), &v, 0 },
				  { run_fbk_fill_translucent, &v, 0 } };
	bench_interleaved(cfg, t, 3);
	if (t[1].run) {
		snprintf(name, sizeof(name), "pixman OVER solid alpha 128 %s", fmt);
		bench_row(cfg, name, t[1].median, px, "memset", t[0].median);
	}
	snprintf(name, sizeof(name), "fbkit fill alpha 128 %s", fmt);
	bench_row2(cfg, name, t[2].median, px, "memset", t[0].median, "pixman", t[1].median);
}

static void rect_rows(const struct bench_config *cfg, struct draw *d, struct buffer *b, int32_t rw,
		      int32_t rh)
{
	char name[128];
	const char *fmt = fbk_format_info(b->s->format)->long_name;
	size_t cols = (size_t)(b->s->width / rw), rows = (size_t)(b->s->height / rh);
	/* Rects tile the screen in a scattered order, so none is hot from the last. */
	size_t n = cols * rows;
	struct fbk_rect *rects = calloc(n, sizeof(*rects));
	if (!rects)
		return;
	for (size_t i = 0; i < n; i++)
		rects[i] = (struct fbk_rect){ (int32_t)(i % cols) * rw, (int32_t)(i / cols) * rh, rw, rh };
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = next_random() % (i + 1);
		struct fbk_rect tmp = rects[i];
		rects[i] = rects[j];
		rects[j] = tmp;
	}
	struct draw v = with(d, b, NULL);
	v.rects = rects;
	v.n_rects = n;
	struct bench_case c[] = { { IF_PIXMAN(run_pixman_rects), &v, 0 }, { run_fbk_rects, &v, 0 } };
	bench_interleaved(cfg, c, 2);
	double px = (double)n * rw * rh;
	if (c[0].run) {
		snprintf(name, sizeof(name), "pixman_fill %zu rects %dx%d %s", n, (int)rw, (int)rh, fmt);
		bench_row(cfg, name, c[0].median, px, NULL, 0);
		printf("%-44s %10.1f ns per rect\n", "", c[0].median / (double)n * 1e9);
	}
	snprintf(name, sizeof(name), "fbkit fill %zu rects %dx%d %s", n, (int)rw, (int)rh, fmt);
	bench_row(cfg, name, c[1].median, px, "pixman", c[0].median);
	printf("%-44s %10.1f ns per rect\n", "", c[1].median / (double)n * 1e9);
	free(rects);
}

/*
 * A buffer of to's size and format whose bytes memcpy can copy into `to`:
 * the anchor for every copy, OVER and conversion row (the destination's
 * bytes, whatever the source's size).
 */
static struct buffer twin_of(struct draw *d, struct buffer *to, struct fbk_surface *storage)
{
	struct buffer twin = { .s = NULL };
	for (int i = 0; i < N_FORMATS; i++) {
		const struct fbk_surface *t = d->fmt_dst[i].s;
		if (t && t != to->s &&
		    t->stride * (size_t)t->height >= to->s->stride * (size_t)to->s->height) {
			*storage = *to->s;
			storage->pixels = t->pixels;
			twin.s = storage;
			break;
		}
	}
	return twin;
}

static void copy_rows(const struct bench_config *cfg, struct draw *d, struct buffer *to,
		      struct buffer *from)
{
	char name[128];
	const char *fmt = fbk_format_info(to->s->format)->long_name;
	double px = pixels_of(to->s);
	struct draw v = with(d, to, from);
	struct bench_case c[] = { { run_memcpy, &v, 0 },
				  { IF_PIXMAN(run_pixman_blt), &v, 0 },
				  { run_fbk_copy, &v, 0 } };
	bench_interleaved(cfg, c, 3);
	snprintf(name, sizeof(name), "memcpy %s frame", fmt);
	bench_row(cfg, name, c[0].median, px, NULL, 0);
	if (c[1].run) {
		snprintf(name, sizeof(name), "pixman_blt %s", fmt);
		bench_row(cfg, name, c[1].median, px, "memcpy", c[0].median);
	}
	snprintf(name, sizeof(name), "fbkit blit SRC %s", fmt);
	bench_row2(cfg, name, c[2].median, px, "memcpy", c[0].median, "pixman", c[1].median);
}

/* fbkit's blit (OVER or SRC) against pixman's composite and memcpy of the destination's bytes. */
static void blit_rows(const struct bench_config *cfg, struct draw *d, struct buffer *to,
		      struct buffer *from, bool over, const char *what)
{
	char name[160];
	snprintf(name, sizeof(name), "%s %s", over ? "OVER" : "SRC", what);
	if (cfg->only && !strstr(name, cfg->only))
		return;
	double px = pixels_of(to->s);
	struct fbk_surface storage;
	struct buffer twin = twin_of(d, to, &storage);
	struct draw m = with(d, to, &twin), v = with(d, to, from);
#if BENCH_HAVE_PIXMAN
	v.pix_op = over ? PIXMAN_OP_OVER : PIXMAN_OP_SRC;
#endif
	struct bench_case c[] = { { twin.s ? run_memcpy : NULL, &m, 0 },
				  { IF_PIXMAN(run_pixman_composite), &v, 0 },
				  { over ? run_fbk_over : run_fbk_copy, &v, 0 } };
	bench_interleaved(cfg, c, 3);
	if (c[1].run) {
		snprintf(name, sizeof(name), "pixman %s %s", over ? "OVER" : "SRC", what);
		bench_row(cfg, name, c[1].median, px, "memcpy", c[0].median);
	}
	snprintf(name, sizeof(name), "fbkit %s %s", over ? "OVER" : "SRC", what);
	bench_row2(cfg, name, c[2].median, px, "pixman", c[1].median, "memcpy", c[0].median);
}

static void over_rows(const struct bench_config *cfg, struct draw *d, struct buffer *to,
		      struct buffer *from, const char *mix)
{
	char what[128];
	snprintf(what, sizeof(what), "%s -> %s", mix, fbk_format_info(to->s->format)->long_name);
	blit_rows(cfg, d, to, from, true, what);
}

static void convert_rows(const struct bench_config *cfg, struct draw *d)
{
	printf("(SRC blit from every format to every other; memcpy is of the destination's bytes)\n");
	for (int i = 0; i < N_FORMATS; i++) {
		for (int j = 0; j < N_FORMATS; j++) {
			if (i == j)
				continue;
			char what[128];
			snprintf(what, sizeof(what), "%s -> %s",
				 fbk_format_info(d->fmt_src[i].s->format)->long_name,
				 fbk_format_info(d->fmt_dst[j].s->format)->long_name);
			blit_rows(cfg, d, &d->fmt_dst[j], &d->fmt_src[i], false, what);
		}
	}
}

static void line_rows(const struct bench_config *cfg, struct draw *d)
{
	d->lines = calloc(N_LINES, sizeof(*d->lines));
	if (!d->lines)
		return;
	double px = 0;
	for (int i = 0; i < N_LINES; i++) {
		for (int k = 0; k < 4; k++)
			d->lines[i][k] = (int32_t)(next_random() % (uint32_t)(k % 2 ? d->h : d->w));
		int64_t dx = llabs((long long)d->lines[i][2] - d->lines[i][0]);
		int64_t dy = llabs((long long)d->lines[i][3] - d->lines[i][1]);
		px += (double)(dx > dy ? dx : dy) + 1;
	}
	struct draw v = with(d, &d->dst, NULL), v565 = with(d, &d->dst565, NULL);
	struct bench_case c[] = { { NULL, &v, 0 }, { run_fbk_lines, &v, 0 }, { run_fbk_lines, &v565, 0 } };
#if BENCH_HAVE_CAIRO
	if (cairo_target_init(&cairo_now, d->dst.s) == 0)
		c[0].run = run_cairo_lines;
#endif
	bench_interleaved(cfg, c, 3);
#if BENCH_HAVE_CAIRO
	cairo_target_finish(&cairo_now);
#endif
	if (c[0].run)
		bench_row(cfg, "cairo 2000 lines, ANTIALIAS_NONE, XRGB8888", c[0].median, px, NULL, 0);
	bench_row(cfg, "fbkit 2000 lines XRGB8888", c[1].median, px, "cairo", c[0].median);
	bench_row(cfg, "fbkit 2000 lines RGB565", c[2].median, px, "cairo XRGB8888", c[0].median);
	free(d->lines);
	d->lines = NULL;
}

static void text_rows(const struct bench_config *cfg, struct draw *d)
{
	for (int i = 0; i < TEXT_CHARS; i++)
		d->text[i] = (char)('!' + (i * 7) % 94);
	d->text[TEXT_CHARS] = 0;
	double glyphs = (double)N_TEXT_LINES * TEXT_CHARS;
	struct draw v = with(d, &d->dst, NULL);
	struct bench_case c[] = { { NULL, &v, 0 }, { run_fbk_text, &v, 0 } };
#if BENCH_HAVE_CAIRO
	if (cairo_target_init(&cairo_now, d->dst.s) == 0)
		c[0].run = run_cairo_text;
#endif
	bench_interleaved(cfg, c, 2);
#if BENCH_HAVE_CAIRO
	cairo_target_finish(&cairo_now);
#endif
	if (c[0].run) {
		bench_row(cfg, "cairo show_text 60x80 glyphs, 16px, no AA", c[0].median, glyphs * 128,
			  NULL, 0);
		printf("%-44s %10.1f ns per glyph\n", "", c[0].median / glyphs * 1e9);
	}
	bench_row(cfg, "fbkit text 60x80 glyphs 8x16 XRGB8888", c[1].median, glyphs * 128, "cairo",
		  c[0].median);
	printf("%-44s %10.1f ns per glyph\n", "", c[1].median / glyphs * 1e9);
}

static void present_rows(const struct bench_config *cfg, struct draw *d, const char *spec,
			 const char *label)
{
	struct fbk_display *display;
	if (fbk_display_open(&display, spec)) {
		printf("%s: %s (skipped)\n", spec, fbk_last_error());
		return;
	}
	struct fbk_surface *s = fbk_display_surface(display);
	struct buffer screen = { .s = s }, shadow = { .s = NULL };
	if (buffer_init(&shadow, s->width, s->height, s->format)) {
		buffer_finish(&shadow);
		fbk_display_close(display);
		return;
	}
	char name[128];
	struct fbk_rect scattered[N_PRESENT_RECTS];
	/* 1% of the screen: N_PRESENT_RECTS squares at random places. */
	int32_t side = 1;
	while ((double)(side + 1) * (side + 1) * N_PRESENT_RECTS <= 0.01 * s->width * s->height)
		side++;
	for (int i = 0; i < N_PRESENT_RECTS; i++)
		scattered[i] = (struct fbk_rect){ (int32_t)(next_random() % (uint32_t)(s->width - side)),
						  (int32_t)(next_random() % (uint32_t)(s->height - side)),
						  side, side };
	struct fbk_rect whole = { 0, 0, s->width, s->height };
	for (int part = 0; part < 2; part++) {
		struct draw v = with(d, &screen, &shadow);
		v.display = display;
		v.rects = part ? scattered : &whole;
		v.n_rects = part ? N_PRESENT_RECTS : 1;
		double px = part ? (double)N_PRESENT_RECTS * side * side : pixels_of(s);
		struct bench_case c[] = { { run_memcpy_rects, &v, 0 }, { run_present, &v, 0 } };
		bench_interleaved(cfg, c, 2);
		snprintf(name, sizeof(name), "memcpy of the same bytes (%s)", part ? "1%" : "frame");
		bench_row(cfg, name, c[0].median, px, NULL, 0);
		snprintf(name, sizeof(name), "present %s, %s", label,
			 part ? "1% in 20 rects" : "full frame");
		bench_row(cfg, name, c[1].median, px, "memcpy", c[0].median);
	}
	buffer_finish(&shadow);
	fbk_display_close(display);
}

static void draw_finish(struct draw *d)
{
	buffer_finish(&d->dst);
	buffer_finish(&d->dst565);
	buffer_finish(&d->src);
	buffer_finish(&d->ui);
	buffer_finish(&d->partial);
	for (int i = 0; i < N_FORMATS; i++) {
		buffer_finish(&d->fmt_src[i]);
		buffer_finish(&d->fmt_dst[i]);
	}
}

static int draw_init(struct draw *d, int32_t w, int32_t h, bool conversions)
{
	memset(d, 0, sizeof(*d));
	d->w = w;
	d->h = h;
	if (buffer_init(&d->dst, w, h, FBK_FORMAT_XRGB8888) ||
	    buffer_init(&d->dst565, w, h, FBK_FORMAT_RGB565) ||
	    buffer_init(&d->src, w, h, FBK_FORMAT_XRGB8888) ||
	    buffer_init(&d->ui, w, h, FBK_FORMAT_ARGB8888) ||
	    buffer_init(&d->partial, w, h, FBK_FORMAT_ARGB8888))
		return -1;
	set_alpha(&d->ui, true);
	set_alpha(&d->partial, false);
	/* twin_of needs a same-size buffer for each destination; src/dst serve when not converting. */
	for (int i = 0; i < N_FORMATS && conversions; i++)
		if (buffer_init(&d->fmt_src[i], w, h, fbk_format_at((size_t)i)->fourcc) ||
		    buffer_init(&d->fmt_dst[i], w, h, fbk_format_at((size_t)i)->fourcc))
			return -1;
	if (!conversions) {
		d->fmt_dst[0] = d->src; /* borrowed: not finished twice */
		d->fmt_dst[1] = d->dst;
	}
	return 0;
}

static void draw_size(const struct bench_config *cfg, int32_t w, int32_t h, bool full)
{
	struct draw d;
	char title[128];
	if (draw_init(&d, w, h, full)) {
		printf("draw %dx%d: out of memory (skipped)\n", (int)w, (int)h);
		if (!full)
			memset(d.fmt_dst, 0, sizeof(d.fmt_dst));
		draw_finish(&d);
		return;
	}
	snprintf(title, sizeof(title), "draw %dx%d%s", (int)w, (int)h,
		 full ? "" : " (larger than the caches: DRAM bandwidth)");
	bench_header(title);
	if (!cfg->only || !strcmp(cfg->only, "fill")) {
		fill_rows(cfg, &d, &d.dst);
		fill_rows(cfg, &d, &d.dst565);
	}
	if (full && !cfg->only) {
		rect_rows(cfg, &d, &d.dst, 32, 32);
		rect_rows(cfg, &d, &d.dst, 8, 16);
		rect_rows(cfg, &d, &d.dst565, 32, 32);
	}
	if (!cfg->only)
		copy_rows(cfg, &d, &d.dst, &d.src);
	over_rows(cfg, &d, &d.dst, &d.ui, "UI mix");
	over_rows(cfg, &d, &d.dst, &d.partial, "partial");
	over_rows(cfg, &d, &d.dst565, &d.ui, "UI mix");
	over_rows(cfg, &d, &d.dst565, &d.partial, "partial");
	if (full)
		convert_rows(cfg, &d);
	if (full && !cfg->only) {
		line_rows(cfg, &d);
		text_rows(cfg, &d);
		char spec[128], path[64];
		snprintf(spec, sizeof(spec), "offscreen:%dx%d", (int)w, (int)h);
		present_rows(cfg, &d, spec, "offscreen");
		/* With a back buffer, present copies as fbdev's and DRM's do. */
		snprintf(spec, sizeof(spec), "offscreen:%dx%d,back-buffer", (int)w, (int)h);
		present_rows(cfg, &d, spec, "back-buffer");
		snprintf(path, sizeof(path), "/tmp/fbkit-bench-%d.screen", (int)getpid());
		snprintf(spec, sizeof(spec), "offscreen:%dx%d,file=%s", (int)w, (int)h, path);
		present_rows(cfg, &d, spec, "offscreen file=");
		snprintf(spec, sizeof(spec), "offscreen:%dx%d,back-buffer,file=%s", (int)w, (int)h,
			 path);
		present_rows(cfg, &d, spec, "back-buffer,file=");
		unlink(path);
	}
	if (!full)
		memset(d.fmt_dst, 0, sizeof(d.fmt_dst));
	draw_finish(&d);
}

int bench_draw(const struct bench_config *cfg)
{
	printf("fbkit row implementation: %s\n", fbk_row_ops()->name);
	draw_size(cfg, 1920, 1080, true);
	draw_size(cfg, 3840, 2160, false);
	return 0;
}
