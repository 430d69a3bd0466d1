/*
 * Anti-aliased shapes: fbkit's fills against Cairo's cairo_fill (default
 * antialias, image surface) when it was found at build time, timed
 * round-robin in one run on the cases of Blend2D's bl_bench: a rectangle
 * at fractional coordinates, a rounded rectangle, a circle, and polygons
 * of 10 and 40 random vertices (self-intersecting, non-zero and
 * even-odd), a 10-vertex polygon's outline 2 pixels wide and a 60-point
 * chart line 2 pixels wide (round joins, flat ends: Cairo set the same),
 * at 8, 32, 128 and 256 pixels, OVER with a translucent colour, onto
 * XRGB8888 and RGB565. The floors a rasterizer can approach
 * run beside them: an aliased opaque fill and an aliased OVER of the
 * shape's box.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "fbkit.h"

#if BENCH_HAVE_CAIRO
#include <cairo.h>
#endif

enum { SURFACE = 512, N_POSITIONS = 64, MAX_VERTICES = 60 };

enum kind {
	RECT, ROUNDED, CIRCLE, POLY10, POLY10_EO, POLY40, POLY40_EO, STROKE10, CHART60, N_KINDS
};

static const char *const kind_names[N_KINDS] = {
	"rect, fractional", "rounded rect", "circle", "polygon 10 non-zero",
	"polygon 10 even-odd", "polygon 40 non-zero", "polygon 40 even-odd",
	"polygon 10 stroked w2", "chart 60 points w2",
};

struct shapes {
	struct fbk_surface *s;
	struct fbk_path *path;
	enum kind kind;
	double size;
	int calls; /* per timed run */
	double pos[N_POSITIONS][2];
	double verts[N_POSITIONS][MAX_VERTICES][2]; /* polygon vertices, relative to pos */
#if BENCH_HAVE_CAIRO
	cairo_surface_t *cs;
	cairo_t *cr;
#endif
};

static const struct fbk_color colour = { 40, 160, 230, 190 };

static uint64_t rng = 0x9e3779b97f4a7c15u;

static double next_unit(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static int vertices(enum kind k)
{
	return k == POLY10 || k == POLY10_EO || k == STROKE10 ? 10 : k == CHART60 ? 60 : 40;
}

/* Vertex k's x in call i: a chart's go evenly across the box, a polygon's are random. */
static double vertex_x(const struct shapes *b, int i, int k)
{
	return b->kind == CHART60 ? b->size * k / 59.0 : b->verts[i % N_POSITIONS][k][0];
}

static int run_fbkit(void *arg)
{
	struct shapes *b = arg;
	double sz = b->size;
	for (int i = 0; i < b->calls; i++) {
		const double *p = b->pos[i % N_POSITIONS];
		int err = 0;
		switch (b->kind) {
		case RECT:
			fbk_path_reset(b->path);
			fbk_path_rect(b->path, p[0], p[1], sz, sz);
			err = fbk_path_fill(b->s, b->path, FBK_FILL_NONZERO, colour);
			break;
		case ROUNDED:
			err = fbk_fill_rounded_rect(b->s, p[0], p[1], sz, sz, sz / 8, colour);
			break;
		case CIRCLE:
			err = fbk_fill_circle(b->s, p[0] + sz / 2, p[1] + sz / 2, sz / 2, colour);
			break;
		case STROKE10:
		case CHART60: {
			double xy[2 * MAX_VERTICES];
			int n = vertices(b->kind);
			for (int k = 0; k < n; k++) {
				xy[2 * k] = p[0] + vertex_x(b, i, k);
				xy[2 * k + 1] = p[1] + b->verts[i % N_POSITIONS][k][1];
			}
			err = fbk_stroke_polyline(b->s, xy, (size_t)n, b->kind == STROKE10, 2, colour);
			break;
		}
		default: {
			double(*v)[2] = b->verts[i % N_POSITIONS];
			fbk_path_reset(b->path);
			fbk_path_move_to(b->path, p[0] + v[0][0], p[1] + v[0][1]);
			for (int k = 1; k < vertices(b->kind); k++)
				fbk_path_line_to(b->path, p[0] + v[k][0], p[1] + v[k][1]);
			enum fbk_fill_rule rule = b->kind == POLY10_EO || b->kind == POLY40_EO
							  ? FBK_FILL_EVEN_ODD
							  : FBK_FILL_NONZERO;
			err = fbk_path_fill(b->s, b->path, rule, colour);
			break;
		}
		}
		if (err)
			return err;
	}
	return 0;
}

/* The shape's box, aliased: translucent (OVER) or the same colour opaque (a plain fill). */
static int run_box(void *arg, struct fbk_color c)
{
	struct shapes *b = arg;
	for (int i = 0; i < b->calls; i++) {
		const double *p = b->pos[i % N_POSITIONS];
		struct fbk_rect r = { (int32_t)p[0], (int32_t)p[1], (int32_t)b->size, (int32_t)b->size };
		if (fbk_fill(b->s, &r, c))
			return -1;
	}
	return 0;
}

static int run_box_over(void *arg)
{
	return run_box(arg, colour);
}

static int run_box_fill(void *arg)
{
	struct fbk_color c = colour;
	c.a = 255;
	return run_box(arg, c);
}

#if BENCH_HAVE_CAIRO
static void cairo_rounded(cairo_t *cr, double x, double y, double w, double h, double r)
{
	cairo_new_sub_path(cr);
	cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
	cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
	cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
	cairo_arc(cr, x + r, y + r, r, M_PI, 1.5 * M_PI);
	cairo_close_path(cr);
}

static int run_cairo(void *arg)
{
	struct shapes *b = arg;
	cairo_t *cr = b->cr;
	double sz = b->size;
	cairo_set_source_rgba(cr, colour.r / 255.0, colour.g / 255.0, colour.b / 255.0,
			      colour.a / 255.0);
	for (int i = 0; i < b->calls; i++) {
		const double *p = b->pos[i % N_POSITIONS];
		switch (b->kind) {
		case RECT:
			cairo_rectangle(cr, p[0], p[1], sz, sz);
			break;
		case ROUNDED:
			cairo_rounded(cr, p[0], p[1], sz, sz, sz / 8);
			break;
		case CIRCLE:
			cairo_new_sub_path(cr);
			cairo_arc(cr, p[0] + sz / 2, p[1] + sz / 2, sz / 2, 0, 2 * M_PI);
			break;
		case STROKE10:
		case CHART60: {
			double(*v)[2] = b->verts[i % N_POSITIONS];
			cairo_move_to(cr, p[0] + vertex_x(b, i, 0), p[1] + v[0][1]);
			for (int k = 1; k < vertices(b->kind); k++)
				cairo_line_to(cr, p[0] + vertex_x(b, i, k), p[1] + v[k][1]);
			if (b->kind == STROKE10)
				cairo_close_path(cr);
			cairo_stroke(cr);
			continue;
		}
		default: {
			double(*v)[2] = b->verts[i % N_POSITIONS];
			cairo_move_to(cr, p[0] + v[0][0], p[1] + v[0][1]);
			for (int k = 1; k < vertices(b->kind); k++)
				cairo_line_to(cr, p[0] + v[k][0], p[1] + v[k][1]);
			cairo_close_path(cr);
			cairo_set_fill_rule(cr, b->kind == POLY10_EO || b->kind == POLY40_EO
							? CAIRO_FILL_RULE_EVEN_ODD
							: CAIRO_FILL_RULE_WINDING);
			break;
		}
		}
		cairo_fill(cr);
	}
	cairo_surface_flush(b->cs);
	return cairo_status(cr) != CAIRO_STATUS_SUCCESS;
}
#endif

static void print_row(const struct bench_config *cfg, const char *format, const struct shapes *b,
		      const struct bench_case *c)
{
	double per = 1e9 / b->calls;
	double fbkit = c[0].median * per, over = c[1].median * per, fill = c[2].median * per;
	char name[64];
	snprintf(name, sizeof(name), "%s %d", kind_names[b->kind], (int)b->size);
	if (c[0].median < 0) {
		printf("%-26s %-8s %10s\n", name, format, "failed");
		return;
	}
	printf("%-26s %-8s %10.0f", name, format, fbkit);
	if (c[3].median > 0)
		printf(" %10.0f %7.2fx", c[3].median * per, c[3].median / c[0].median);
	else
		printf(" %10s %8s", "-", "-");
	printf(" %9.2f %9.2f\n", fbkit / over, fbkit / fill);
	if (cfg->machine)
		printf("BENCH group=shapes case=\"%s\" format=%s fbkit_ns=%.1f cairo_ns=%.1f "
		       "over_box_ns=%.1f fill_box_ns=%.1f\n",
		       name, format, fbkit, c[3].median > 0 ? c[3].median * per : -1, over, fill);
}

int bench_shapes(const struct bench_config *cfg)
{
	static const double sizes[] = { 8, 32, 128, 256 };
	static const uint32_t formats[] = { FBK_FORMAT_XRGB8888, FBK_FORMAT_RGB565 };
	static const char *const format_names[] = { "XRGB8888", "RGB565" };
	struct shapes *b = calloc(1, sizeof(*b));
	if (!b || fbk_path_create(&b->path))
		return -1;
	printf("\nshapes: ns per call (median of %d round-robin runs); ratio = Cairo / fbkit "
	       "(> 1: fbkit faster);\nvs box = fbkit / an aliased OVER and an aliased opaque fill "
	       "of the shape's box\n",
	       cfg->repeats);
	printf("%-26s %-8s %10s %10s %8s %9s %9s\n", "case", "format", "fbkit ns", "cairo ns",
	       "ratio", "vs OVER", "vs fill");
	int status = 0;
	for (size_t f = 0; f < 2 && !status; f++) {
		if (fbk_surface_create(&b->s, SURFACE, SURFACE, formats[f])) {
			status = -1;
			break;
		}
#if BENCH_HAVE_CAIRO
		b->cs = cairo_image_surface_create_for_data(
			b->s->pixels, f == 0 ? CAIRO_FORMAT_RGB24 : CAIRO_FORMAT_RGB16_565, SURFACE,
			SURFACE, (int)b->s->stride);
		b->cr = cairo_create(b->cs);
		cairo_set_line_width(b->cr, 2);
		cairo_set_line_join(b->cr, CAIRO_LINE_JOIN_ROUND);
		cairo_set_line_cap(b->cr, CAIRO_LINE_CAP_BUTT);
#endif
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			b->size = sizes[si];
			/* about the same pixels per run at every size */
			b->calls = (int)(4 * 65536 / (b->size * b->size)) + 8;
			for (int i = 0; i < N_POSITIONS; i++) {
				b->pos[i][0] = 2 + next_unit() * (SURFACE - b->size - 4);
				b->pos[i][1] = 2 + next_unit() * (SURFACE - b->size - 4);
				for (int k = 0; k < MAX_VERTICES; k++) {
					b->verts[i][k][0] = next_unit() * b->size;
					b->verts[i][k][1] = next_unit() * b->size;
				}

			}
			for (int k = 0; k < N_KINDS; k++) {
				b->kind = (enum kind)k;
				struct bench_case c[4] = {
					{ run_fbkit, b, 0 },
					{ run_box_over, b, 0 },
					{ run_box_fill, b, 0 },
					{ NULL, b, 0 },
				};
#if BENCH_HAVE_CAIRO
				if (b->cr && cairo_status(b->cr) == CAIRO_STATUS_SUCCESS)
					c[3].run = run_cairo;
#endif
				bench_interleaved(cfg, c, 4);
				print_row(cfg, format_names[f], b, c);
			}
		}
#if BENCH_HAVE_CAIRO
		cairo_destroy(b->cr);
		cairo_surface_destroy(b->cs);
#endif
		fbk_surface_destroy(b->s);
	}
#if !BENCH_HAVE_CAIRO
	printf("(built without Cairo: -Dbench_cairo=enabled with libcairo2-dev installed compares it)\n");
#endif
	fbk_path_destroy(b->path);
	free(b);
	return status;
}
