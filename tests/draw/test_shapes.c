/*
 * Anti-aliased shapes against an independent reference: the exact area of
 * each pixel covered by a polygon, computed in double precision by
 * clipping the polygon to the pixel's square (Sutherland-Hodgman) and
 * summing signed areas, so a contour's winding weighs its area. Curves
 * are compared with a 4096-gon of the true curve, whose own error is far
 * below a 1/255 step. Coverage is read back from white drawn opaque on
 * black: the blue byte of XRGB8888 is the coverage byte exactly.
 *
 * Then what is independent of geometry: every format, sub-surfaces,
 * clips and guard bytes against fbk_over_pixel applied with the coverage
 * just checked; no seams between shapes that share an edge; translation
 * invariance; degenerate and hostile input.
 */
#include <errno.h>
#include <math.h>

#include "draw/raster.h"
#include "pixel/pixel.h"
#include "target.h"

enum { W = 40, H = 40, MAX_VERTS = 8192 };

struct contour {
	int n;
	double x[MAX_VERTS], y[MAX_VERTS];
};

static struct contour contours[4];
static int n_contours;

/* Sutherland-Hodgman against one half-plane: keep points with sign * (coord - limit) <= 0. */
static int clip_half(const double *ix, const double *iy, int n, double *ox, double *oy, int axis,
		     double limit, double sign)
{
	int m = 0;
	for (int i = 0; i < n; i++) {
		int j = (i + 1) % n;
		double ci = sign * ((axis ? iy[i] : ix[i]) - limit);
		double cj = sign * ((axis ? iy[j] : ix[j]) - limit);
		if (ci <= 0) {
			ox[m] = ix[i];
			oy[m] = iy[i];
			m++;
		}
		if ((ci < 0 && cj > 0) || (ci > 0 && cj < 0)) {
			double t = ci / (ci - cj);
			ox[m] = ix[i] + t * (ix[j] - ix[i]);
			oy[m] = iy[i] + t * (iy[j] - iy[i]);
			m++;
		}
	}
	return m;
}

static double shoelace(const double *x, const double *y, int n)
{
	double a = 0;
	for (int i = 0; i < n; i++) {
		int j = (i + 1) % n;
		a += x[i] * y[j] - x[j] * y[i];
	}
	return a / 2;
}

static double bufx[4][2 * MAX_VERTS + 16], bufy[4][2 * MAX_VERTS + 16];

/* Signed coverage of every pixel of a W x H grid: the winding integrated over it. */
static void reference(double *cover)
{
	memset(cover, 0, sizeof(double) * W * H);
	for (int c = 0; c < n_contours; c++) {
		const struct contour *k = &contours[c];
		for (int y = 0; y < H; y++) {
			int n = clip_half(k->x, k->y, k->n, bufx[0], bufy[0], 1, y, -1);
			n = clip_half(bufx[0], bufy[0], n, bufx[1], bufy[1], 1, y + 1, 1);
			if (n < 3)
				continue;
			for (int x = 0; x < W; x++) {
				int m = clip_half(bufx[1], bufy[1], n, bufx[2], bufy[2], 0, x, -1);
				m = clip_half(bufx[2], bufy[2], m, bufx[3], bufy[3], 0, x + 1, 1);
				if (m >= 3)
					cover[y * W + x] += shoelace(bufx[3], bufy[3], m);
			}
		}
	}
}

static double apply_rule(double s, enum fbk_fill_rule rule)
{
	s = fabs(s);
	if (rule == FBK_FILL_EVEN_ODD) {
		s -= 2 * floor(s / 2);
		return s > 1 ? 2 - s : s;
	}
	return s > 1 ? 1 : s;
}

static struct fbk_surface *canvas;

static void clear_canvas(void)
{
	fbk_fill(canvas, NULL, FBK_RGB(0, 0, 0));
}

static uint8_t coverage_at(const struct fbk_surface *s, int x, int y)
{
	return ((const uint8_t *)fbk_surface_pixel(s, x, y))[0];
}

static void contours_to_path(struct fbk_path *p)
{
	fbk_path_reset(p);
	for (int c = 0; c < n_contours; c++) {
		fbk_path_move_to(p, contours[c].x[0], contours[c].y[0]);
		for (int i = 1; i < contours[c].n; i++)
			fbk_path_line_to(p, contours[c].x[i], contours[c].y[i]);
		fbk_path_close(p);
	}
}

static double worst_polygon, worst_curve;

/* The canvas against the reference of the contours; returns the largest error in 1/255. */
static double compare(enum fbk_fill_rule rule, double tolerance, const char *what)
{
	static double cover[W * H];
	reference(cover);
	double worst = 0;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			double want = apply_rule(cover[y * W + x], rule) * 255;
			double err = fabs(coverage_at(canvas, x, y) - want);
			if (err > worst)
				worst = err;
			CHECK(err <= tolerance, "%s: pixel (%d, %d) coverage %d, exact %.3f", what, x, y,
			      coverage_at(canvas, x, y), want);
		}
	return worst;
}

/* A random star-shaped (so simple) polygon of n vertices, either orientation. */
static void random_star(struct contour *k, int n, double cx, double cy, double r_max)
{
	double angles[64];
	for (int i = 0; i < n; i++)
		angles[i] = (double)(rng_next() % 1000000) / 1000000 * 2 * M_PI;
	for (int i = 1; i < n; i++) /* sort */
		for (int j = i; j > 0 && angles[j - 1] > angles[j]; j--) {
			double t = angles[j];
			angles[j] = angles[j - 1];
			angles[j - 1] = t;
		}
	bool reverse = rng_next() % 2;
	for (int i = 0; i < n; i++) {
		double a = angles[reverse ? n - 1 - i : i];
		double r = r_max * (0.2 + 0.8 * (double)(rng_next() % 1000) / 1000);
		k->x[i] = cx + r * cos(a);
		k->y[i] = cy + r * sin(a);
	}
	k->n = n;
}

static double frand(double lo, double hi)
{
	return lo + (hi - lo) * (double)(rng_next() % 1000001) / 1000000;
}

static void check_polygons(struct fbk_path *p)
{
	rng_seed(13);
	for (int round = 0; round < 150; round++) {
		n_contours = 1;
		int n = round < 20 ? 3 + round % 3 : rng_range(3, 40);
		random_star(&contours[0], n, frand(10, 30), frand(10, 30), frand(1, 25));
		enum fbk_fill_rule rule = round % 2 ? FBK_FILL_EVEN_ODD : FBK_FILL_NONZERO;
		contours_to_path(p);
		clear_canvas();
		CHECK(fbk_path_fill(canvas, p, rule, FBK_RGB(255, 255, 255)) == 0, "fill polygon");
		char what[64];
		snprintf(what, sizeof(what), "polygon %d (%d vertices)", round, n);
		worst_polygon = fmax(worst_polygon, compare(rule, 1.0, what));
	}
	/*
	 * Rectangles at fractional coordinates, one or two side by side whose
	 * sides end in different rows: rows that vertical edges cross whole
	 * are painted again from the row before, up to where an edge ends.
	 */
	for (int round = 0; round < 40; round++) {
		n_contours = round % 2 ? 2 : 1;
		fbk_path_reset(p);
		double x = frand(-3, 20);
		for (int c = 0; c < n_contours; c++) {
			double y = frand(-3, 30), w = frand(0.2, 15), h = frand(0.2, 20);
			struct contour *k = &contours[c];
			k->n = 4;
			k->x[0] = k->x[3] = x;
			k->x[1] = k->x[2] = x + w;
			k->y[0] = k->y[1] = y;
			k->y[2] = k->y[3] = y + h;
			fbk_path_rect(p, x, y, w, h);
			x += w + frand(0.5, 3);
		}
		clear_canvas();
		CHECK(fbk_path_fill(canvas, p, FBK_FILL_NONZERO, FBK_RGB(255, 255, 255)) == 0, "fill rect");
		worst_polygon = fmax(worst_polygon, compare(FBK_FILL_NONZERO, 1.0, "rectangles"));
	}
	/* nested contours: a hole under even-odd, solid under non-zero, a hole when wound back */
	for (int round = 0; round < 40; round++) {
		n_contours = 2;
		double cx = frand(15, 25), cy = frand(15, 25);
		double r = frand(8, 18);
		for (int c = 0; c < 2; c++) {
			double rr = c ? r * frand(0.3, 0.8) : r;
			bool back = c && round % 4 == 3;
			int n = rng_range(3, 30);
			for (int i = 0; i < n; i++) {
				double a = 2 * M_PI * (back ? n - i : i) / n + 0.1 * round;
				contours[c].x[i] = cx + rr * cos(a);
				contours[c].y[i] = cy + rr * sin(a);
			}
			contours[c].n = n;
		}
		enum fbk_fill_rule rule = round % 2 ? FBK_FILL_EVEN_ODD : FBK_FILL_NONZERO;
		contours_to_path(p);
		clear_canvas();
		CHECK(fbk_path_fill(canvas, p, rule, FBK_RGB(255, 255, 255)) == 0, "fill nested");
		worst_polygon = fmax(worst_polygon, compare(rule, 1.0, "nested contours"));
	}
}

/* The true curve as a 4096-gon: points of P(t), t in [0, 1). */
static void sample_ellipse(struct contour *k, double cx, double cy, double rx, double ry,
			   double rot)
{
	k->n = 4096;
	for (int i = 0; i < k->n; i++) {
		double a = 2 * M_PI * i / k->n;
		double ex = rx * cos(a), ey = ry * sin(a);
		k->x[i] = cx + ex * cos(rot) - ey * sin(rot);
		k->y[i] = cy + ex * sin(rot) + ey * cos(rot);
	}
}

static void add_arc(struct contour *k, double cx, double cy, double r, double a0, double a1,
		    int n)
{
	for (int i = 0; i <= n; i++) {
		double a = a0 + (a1 - a0) * i / n;
		k->x[k->n] = cx + r * cos(a);
		k->y[k->n] = cy + r * sin(a);
		k->n++;
	}
}

static void check_curves(struct fbk_path *p)
{
	rng_seed(14);
	for (int round = 0; round < 60; round++) {
		n_contours = 1;
		struct contour *k = &contours[0];
		k->n = 0;
		clear_canvas();
		int kind = round % 5;
		int err = 0;
		char what[64];
		if (kind == 0) { /* circle */
			double cx = frand(12, 28), cy = frand(12, 28), r = frand(0.5, 12);
			sample_ellipse(k, cx, cy, r, r, 0);
			err = fbk_fill_circle(canvas, cx, cy, r, FBK_RGB(255, 255, 255));
			snprintf(what, sizeof(what), "circle r %.2f", r);
		} else if (kind == 1) { /* rotated ellipse, through the transform */
			double cx = frand(14, 26), cy = frand(14, 26), rx = frand(1, 13), ry = frand(1, 13);
			double rot = frand(0, M_PI);
			sample_ellipse(k, cx, cy, rx, ry, rot);
			fbk_path_reset(p);
			struct fbk_transform t = { cos(rot), sin(rot), -sin(rot), cos(rot), cx, cy };
			fbk_path_set_transform(p, &t);
			fbk_path_ellipse(p, 0, 0, rx, ry);
			fbk_path_set_transform(p, NULL);
			err = fbk_path_fill(canvas, p, FBK_FILL_NONZERO, FBK_RGB(255, 255, 255));
			snprintf(what, sizeof(what), "ellipse %.2f x %.2f", rx, ry);
		} else if (kind == 2) { /* rounded rectangle, per-corner radii */
			double x = frand(2, 12), y = frand(2, 12), w = frand(4, 26), h = frand(4, 26);
			double radii[4];
			for (int i = 0; i < 4; i++)
				radii[i] = frand(0, fmin(w, h) / 2);
			fbk_path_reset(p);
			fbk_path_rounded_rect(p, x, y, w, h, radii);
			err = fbk_path_fill(canvas, p, FBK_FILL_NONZERO, FBK_RGB(255, 255, 255));
			double r0 = radii[0], r1 = radii[1], r2 = radii[2], r3 = radii[3];
			add_arc(k, x + r0, y + r0, r0, M_PI, 1.5 * M_PI, 1000);
			add_arc(k, x + w - r1, y + r1, r1, -M_PI / 2, 0, 1000);
			add_arc(k, x + w - r2, y + h - r2, r2, 0, M_PI / 2, 1000);
			add_arc(k, x + r3, y + h - r3, r3, M_PI / 2, M_PI, 1000);
			snprintf(what, sizeof(what), "rounded rect %.2f x %.2f", w, h);
		} else if (kind == 3) { /* gauge: part of a ring */
			double cx = frand(15, 25), cy = frand(15, 25), ro = frand(4, 14);
			double ri = ro * frand(0, 0.9), a0 = frand(-4, 4), a1 = a0 + frand(0.2, 6);
			err = fbk_fill_pie(canvas, cx, cy, ro, ri, a0, a1, FBK_RGB(255, 255, 255));
			add_arc(k, cx, cy, ro, a0, a1, 3000);
			if (ri > 0) {
				add_arc(k, cx, cy, ri, a1, a0, 3000);
			} else {
				k->x[k->n] = cx;
				k->y[k->n++] = cy;
			}
			snprintf(what, sizeof(what), "pie %.2f..%.2f", ri, ro);
		} else { /* a closed pair of Bézier curves: a quadratic and a cubic */
			double px[4], py[4], qx, qy;
			for (int i = 0; i < 4; i++) {
				px[i] = frand(4, 36);
				py[i] = frand(4, 36);
			}
			qx = frand(4, 36);
			qy = frand(4, 36);
			fbk_path_reset(p);
			fbk_path_move_to(p, px[0], py[0]);
			fbk_path_cubic_to(p, px[1], py[1], px[2], py[2], px[3], py[3]);
			fbk_path_quad_to(p, qx, qy, px[0], py[0]);
			err = fbk_path_fill(canvas, p, FBK_FILL_NONZERO, FBK_RGB(255, 255, 255));
			for (int i = 0; i < 3000; i++) {
				double t = i / 3000.0, s = 1 - t;
				k->x[k->n] = s * s * s * px[0] + 3 * s * s * t * px[1] +
					     3 * s * t * t * px[2] + t * t * t * px[3];
				k->y[k->n++] = s * s * s * py[0] + 3 * s * s * t * py[1] +
					       3 * s * t * t * py[2] + t * t * t * py[3];
			}
			for (int i = 0; i < 3000; i++) {
				double t = i / 3000.0, s = 1 - t;
				k->x[k->n] = s * s * px[3] + 2 * s * t * qx + t * t * px[0];
				k->y[k->n++] = s * s * py[3] + 2 * s * t * qy + t * t * py[0];
			}
			snprintf(what, sizeof(what), "Bezier pair %d", round);
		}
		CHECK(err == 0, "%s: %s", what, fbk_last_error());
		/*
		 * The Bézier pair may cross itself, where a pixel holding two
		 * crossing edges is approximated (see raster.c): compare it by
		 * the summed winding area, which the rasterizer computes exactly.
		 */
		worst_curve = fmax(worst_curve, compare(FBK_FILL_NONZERO, 2.0, what));
	}
}

/* Every format, sub-surfaces, clips and guards: pixels follow the coverage and fbk_over_pixel. */
/* check_formats fills its shapes, or strokes them with this style. */
static const struct fbk_stroke_style *format_stroke;

static int draw_shape(struct fbk_surface *dst, const struct fbk_path *p, struct fbk_color color)
{
	if (format_stroke)
		return fbk_path_stroke(dst, p, format_stroke, color);
	return fbk_path_fill(dst, p, FBK_FILL_NONZERO, color);
}

static void check_formats(struct fbk_path *p)
{
	rng_seed(15);
	for (size_t f = 0; fbk_format_at(f); f++) {
		uint32_t format = fbk_format_at(f)->fourcc;
		for (int round = 0; round < 40; round++) {
			struct target t;
			if (target_init(&t, format, W)) {
				CHECK(0, "target");
				return;
			}
			n_contours = 1;
			random_star(&contours[0], rng_range(3, 12), frand(-5, W + 5), frand(-5, H + 5),
				    frand(1, 30));
			struct fbk_color color = rng_color();
			if (round % 3 == 0)
				color.a = 255;
			/* every other shape a rounded rectangle: rows painted again from the last */
			double rr[6] = { frand(-5, W), frand(-5, H), frand(1, W), frand(1, H), frand(0, 9) };
			bool rounded = round % 2;
			/* the shape in the view's coordinates */
			fbk_path_reset(p);
			if (rounded)
				fbk_path_rounded_rect(p, rr[0], rr[1], rr[2], rr[3],
						      (double[]){ rr[4], rr[4], rr[4], rr[4] });
			else
				contours_to_path(p);
			int err = draw_shape(&t.view, p, color);
			CHECK(err == 0, "fill on %s: %s", fbk_format_at(f)->name, fbk_last_error());
			/* its coverage, on the canvas in the buffer's coordinates */
			for (int i = 0; i < contours[0].n; i++) {
				contours[0].x[i] += t.view_x;
				contours[0].y[i] += t.view_y;
			}
			fbk_path_reset(p);
			if (rounded)
				fbk_path_rounded_rect(p, rr[0] + t.view_x, rr[1] + t.view_y, rr[2], rr[3],
						      (double[]){ rr[4], rr[4], rr[4], rr[4] });
			else
				contours_to_path(p);
			clear_canvas();
			draw_shape(canvas, p, FBK_RGB(255, 255, 255));
			bool alpha = fbk_format_at(f)->alpha.length != 0;
			int bad = 0;
			for (int32_t y = 0; y < t.buffer.surface.height; y++)
				for (int32_t x = 0; x < t.buffer.surface.width; x++) {
					struct fbk_color have = pixel_at(&t.buffer.surface, x, y);
					struct fbk_color before = target_before(&t, x, y);
					if (!target_drawable(&t, x, y)) {
						bad += !color_equal(have, before);
						continue;
					}
					/*
					 * The same coverage, give or take the last bit of
					 * rounding: the clip moves where a row's sums start.
					 */
					int m = coverage_at(canvas, x, y), ok = 0;
					for (int dm = -1; dm <= 1 && !ok; dm++) {
						int mm = m + dm < 0 ? 0 : m + dm > 255 ? 255 : m + dm;
						uint32_t a = fbk_div255(color.a * (uint32_t)mm);
						uint32_t src = (argb_of(color) & 0xffffffu) | a << 24;
						struct fbk_color want = stored(
							format, color_of(fbk_over_pixel(argb_of(before), src, alpha)));
						ok = color_equal(have, want);
					}
					if (!ok && bad < 3)
						fprintf(stderr, "  (%d, %d) coverage %d colour %08x before %08x have %08x\n",
							x, y, m, argb_of(color), argb_of(before), argb_of(have));
					bad += !ok;
				}
			CHECK(bad == 0, "%s round %d: %d pixels differ", fbk_format_at(f)->name, round, bad);
			CHECK(guarded_intact(&t.buffer), "%s round %d: wrote outside the surface",
			      fbk_format_at(f)->name, round);
			target_finish(&t);
		}
	}
}

/*
 * Rows wider than a chunk of the row engine (FBK_ROW_CHUNK): spans and the
 * runs between them cut at chunk boundaries, on formats with and without
 * alpha, against fbk_over_pixel with the coverage of the same shape.
 */
static void check_wide(struct fbk_path *p)
{
	enum { WW = 700, WH = 12 };
	static const uint32_t formats[] = { FBK_FORMAT_XRGB8888, FBK_FORMAT_RGB565,
					    FBK_FORMAT_RGB888, FBK_FORMAT_ARGB8888 };
	rng_seed(19);
	struct fbk_surface *cover;
	if (fbk_surface_create(&cover, WW, WH, FBK_FORMAT_XRGB8888))
		return;
	for (int round = 0; round < 40; round++) {
		/*
		 * a zigzag across the width: many spans, long runs, edges at
		 * chunk ends; then rectangles wider than a narrow box's one mask
		 * call (fill_box in raster.c), up to past a mask row's 512 pixels
		 */
		fbk_path_reset(p);
		double box[4] = { 0, 0, 0, 0 };
		if (round >= 24) {
			box[0] = frand(-2, 5);
			box[1] = frand(-1, 3);
			box[2] = frand(65, 690);
			box[3] = frand(0.5, WH);
			fbk_path_rect(p, box[0], box[1], box[2], box[3]);
		} else {
			fbk_path_move_to(p, frand(-3, 3), frand(0, WH));
			for (int i = 1; i <= 9; i++)
				fbk_path_line_to(p, WW * i / 9.0 + frand(-20, 20), frand(-2, WH + 2));
			fbk_path_line_to(p, WW + 3, WH + 3);
			fbk_path_line_to(p, frand(-3, 3), WH + 3);
			if (round % 2)
				fbk_path_ellipse(p, frand(200, 500), WH / 2.0, frand(100, 340),
						 frand(2, WH));
		}
		enum fbk_fill_rule rule = round % 4 < 2 ? FBK_FILL_NONZERO : FBK_FILL_EVEN_ODD;
		fbk_fill(cover, NULL, FBK_RGB(0, 0, 0));
		fbk_path_fill(cover, p, rule, FBK_RGB(255, 255, 255));
		for (int y = 0; y < WH && round >= 24; y++)
			for (int x = 0; x < WW; x++) {
				double ox = fmin(x + 1, box[0] + box[2]) - fmax(x, box[0]);
				double oy = fmin(y + 1, box[1] + box[3]) - fmax(y, box[1]);
				double want = fmax(ox, 0) * fmax(oy, 0) * 255;
				CHECK(fabs(coverage_at(cover, x, y) - want) <= 1,
				      "wide rectangle %d: pixel (%d, %d) coverage %d, exact %.3f", round, x, y,
				      coverage_at(cover, x, y), want);
			}
		uint32_t format = formats[round % 4];
		struct guarded g;
		if (guarded_init(&g, WW, WH, 3, format)) {
			CHECK(0, "wide target");
			break;
		}
		struct fbk_color *before = malloc(sizeof(*before) * WW * WH);
		for (int y = 0; y < WH; y++)
			for (int x = 0; x < WW; x++)
				before[y * WW + x] = pixel_at(&g.surface, x, y);
		struct fbk_color color = rng_color();
		color.a = (uint8_t)(color.a % 254 + 1); /* translucent */
		CHECK(fbk_path_fill(&g.surface, p, rule, color) == 0, "wide fill");
		bool alpha = fbk_format_info(format)->alpha.length != 0;
		int bad = 0;
		for (int y = 0; y < WH; y++)
			for (int x = 0; x < WW; x++) {
				uint32_t a = fbk_div255(color.a * (uint32_t)coverage_at(cover, x, y));
				uint32_t src = (argb_of(color) & 0xffffffu) | a << 24;
				struct fbk_color want = stored(
					format, color_of(fbk_over_pixel(argb_of(before[y * WW + x]), src, alpha)));
				bad += !color_equal(pixel_at(&g.surface, x, y), want);
			}
		CHECK(bad == 0, "wide rows on %s, round %d: %d pixels differ",
		      fbk_format_info(format)->name, round, bad);
		CHECK(guarded_intact(&g), "wide rows on %s: wrote outside", fbk_format_info(format)->name);
		free(before);
		guarded_finish(&g);
	}
	fbk_surface_destroy(cover);
}

/* The part of [lo, hi) in the pixel [i, i + 1). */
static double overlap_1d(double lo, double hi, int i)
{
	double d = fmin(hi, i + 1) - fmax(lo, i);
	return d > 0 ? d : 0;
}

/*
 * Frames wider than the cells' limit, so filled in bands: a rectangle
 * with a rectangular hole wound the other way. Their rows between the
 * hole's top and bottom are the same row again (vertical sides only),
 * painted a box of rows at a time (paint_steady in raster.c), with runs
 * wider than a merged gap on both sides of the hole, opaque (one fill of
 * the box) and translucent, in formats with and without box kernels;
 * against the exact area, guard bytes around.
 */
static void check_steady(struct fbk_path *p)
{
	enum { SW = 320, SH = 48 };
	static const uint32_t formats[] = { FBK_FORMAT_XRGB8888, FBK_FORMAT_RGB565,
					    FBK_FORMAT_RGB888, FBK_FORMAT_ARGB8888 };
	rng_seed(29);
	for (int round = 0; round < 32; round++) {
		double ox = frand(-3, 6), oy = frand(-3, 6), ow = frand(250, SW - ox + 3);
		double oh = frand(20, SH - oy + 3);
		double ix = ox + frand(70, 100), iw = frand(20, ow - (ix - ox) - 70);
		double iy = oy + frand(1, 6), ih = frand(5, oh - (iy - oy) - 1);
		fbk_path_reset(p);
		fbk_path_move_to(p, ox, oy);
		fbk_path_line_to(p, ox + ow, oy);
		fbk_path_line_to(p, ox + ow, oy + oh);
		fbk_path_line_to(p, ox, oy + oh);
		fbk_path_close(p);
		fbk_path_move_to(p, ix, iy);
		fbk_path_line_to(p, ix, iy + ih);
		fbk_path_line_to(p, ix + iw, iy + ih);
		fbk_path_line_to(p, ix + iw, iy);
		fbk_path_close(p);
		uint32_t format = formats[round % 4];
		struct guarded g;
		if (guarded_init(&g, SW, SH, 5, format)) {
			CHECK(0, "frame target");
			return;
		}
		struct fbk_color *before = malloc(sizeof(*before) * SW * SH);
		for (int y = 0; y < SH; y++)
			for (int x = 0; x < SW; x++)
				before[y * SW + x] = pixel_at(&g.surface, x, y);
		struct fbk_color color = rng_color();
		color.a = round % 8 < 4 ? 255 : (uint8_t)(color.a % 254 + 1);
		CHECK(fbk_path_fill(&g.surface, p, FBK_FILL_NONZERO, color) == 0, "frame fill");
		bool alpha = fbk_format_info(format)->alpha.length != 0;
		int bad = 0;
		for (int y = 0; y < SH; y++)
			for (int x = 0; x < SW; x++) {
				double exact = overlap_1d(ox, ox + ow, x) * overlap_1d(oy, oy + oh, y) -
					       overlap_1d(ix, ix + iw, x) * overlap_1d(iy, iy + ih, y);
				int m = (int)(exact * 255 + 0.5), ok = 0;
				/* the last bit of rounding, as check_formats allows */
				for (int dm = -1; dm <= 1 && !ok; dm++) {
					int mm = m + dm < 0 ? 0 : m + dm > 255 ? 255 : m + dm;
					uint32_t a = fbk_div255(color.a * (uint32_t)mm);
					uint32_t src = (argb_of(color) & 0xffffffu) | a << 24;
					struct fbk_color want = stored(
						format, color_of(fbk_over_pixel(argb_of(before[y * SW + x]),
										src, alpha)));
					ok = color_equal(pixel_at(&g.surface, x, y), want);
				}
				if (!ok && bad++ == 0)
					fprintf(stderr, "  (%d, %d) exact coverage %.3f\n", x, y, exact);
			}
		CHECK(bad == 0, "frame on %s, round %d, colour alpha %d: %d pixels differ",
		      fbk_format_info(format)->name, round, color.a, bad);
		CHECK(guarded_intact(&g), "frame on %s: wrote outside", fbk_format_info(format)->name);
		free(before);
		guarded_finish(&g);
	}
}

/*
 * A guarded size x size target of format (rows extra bytes longer) and a
 * copy of its pixels before drawing; NULL (nothing to free) on failure.
 */
static struct fbk_color *guarded_with_copy(struct guarded *g, int size, size_t extra,
					   uint32_t format)
{
	if (guarded_init(g, size, size, extra, format))
		return NULL;
	struct fbk_color *before = malloc(sizeof(*before) * (size_t)size * (size_t)size);
	if (!before) {
		guarded_finish(g);
		return NULL;
	}
	for (int y = 0; y < size; y++)
		for (int x = 0; x < size; x++)
			before[y * size + x] = pixel_at(&g->surface, x, y);
	return before;
}

/* What a pixel of format holds after color at coverage 0..255 is blended OVER it. */
static struct fbk_color over_expected(uint32_t format, struct fbk_color before,
				      struct fbk_color color, uint32_t cover)
{
	bool alpha = fbk_format_info(format)->alpha.length != 0;
	uint32_t a = fbk_div255(color.a * cover);
	uint32_t src = (argb_of(color) & 0xffffffu) | a << 24;
	return stored(format, color_of(fbk_over_pixel(argb_of(before), src, alpha)));
}

/*
 * Rectangles of 1 to 66 pixels a side at fractional places (fill_box; a
 * small one is one mask box call, small_box), translucent and opaque, in
 * the formats with their own kernels and two without, against
 * fbk_over_pixel with the exact coverage.
 */
static void check_small_rects(struct fbk_path *p)
{
	enum { S = 72 };
	static const uint32_t formats[] = { FBK_FORMAT_XRGB8888, FBK_FORMAT_RGB565,
					    FBK_FORMAT_RGB888, FBK_FORMAT_ARGB8888 };
	rng_seed(37);
	for (int round = 0; round < 160; round++) {
		double x = frand(0.2, 5), y = frand(0.2, 5), w = frand(0.5, 66), h = frand(0.5, 66);
		uint32_t format = formats[round % 4];
		struct guarded g;
		struct fbk_color *before = guarded_with_copy(&g, S, 2 * (size_t)(round % 5), format);
		if (!before) {
			CHECK(0, "rectangle target");
			return;
		}
		struct fbk_color color = rng_color();
		color.a = round % 8 < 2 ? 255 : (uint8_t)(color.a % 254 + 1);
		fbk_path_reset(p);
		fbk_path_rect(p, x, y, w, h);
		CHECK(fbk_path_fill(&g.surface, p, FBK_FILL_NONZERO, color) == 0, "rectangle fill");
		int bad = 0;
		for (int yy = 0; yy < S; yy++)
			for (int xx = 0; xx < S; xx++) {
				double exact = overlap_1d(x, x + w, xx) * overlap_1d(y, y + h, yy);
				int m = (int)(exact * 255 + 0.5), ok = 0;
				/* the last bit of rounding, as check_formats allows */
				for (int dm = -1; dm <= 1 && !ok; dm++) {
					int mm = m + dm < 0 ? 0 : m + dm > 255 ? 255 : m + dm;
					ok = color_equal(pixel_at(&g.surface, xx, yy),
							 over_expected(format, before[yy * S + xx], color,
								       (uint32_t)mm));
				}
				if (!ok && bad++ == 0)
					fprintf(stderr, "  (%d, %d) exact coverage %.3f\n", xx, yy, exact);
			}
		CHECK(bad == 0, "rectangle %.2f x %.2f on %s, round %d, colour alpha %d: %d pixels differ",
		      w, h, fbk_format_info(format)->name, round, color.a, bad);
		CHECK(guarded_intact(&g), "rectangle on %s: wrote outside", fbk_format_info(format)->name);
		free(before);
		guarded_finish(&g);
	}
}

static void save_coverage(uint8_t *m)
{
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			m[y * W + x] = coverage_at(canvas, x, y);
}

/*
 * No seams: shapes that share an edge add up to the shape they split, a
 * pixel at a time (each piece rounds once, so by at most 1/255 where two
 * pieces meet).
 */
static void check_seams(struct fbk_path *p)
{
	static uint8_t whole[W * H], sum[W * H], piece[W * H], pieces[W * H];
	rng_seed(16);
	for (int round = 0; round < 30; round++) {
		double cx = frand(12, 28), cy = frand(12, 28), r = frand(3, 14);
		clear_canvas();
		fbk_fill_circle(canvas, cx, cy, r, FBK_RGB(255, 255, 255));
		save_coverage(whole);
		memset(sum, 0, sizeof(sum));
		memset(pieces, 0, sizeof(pieces));
		int n = rng_range(2, 7);
		double start = frand(0, 7), a = start;
		for (int i = 0; i < n; i++) {
			double b = i == n - 1 ? start + 2 * M_PI : a + frand(0.1, 2 * M_PI / n * 1.5);
			if (b > start + 2 * M_PI)
				b = start + 2 * M_PI;
			clear_canvas();
			fbk_fill_pie(canvas, cx, cy, r, 0, a, b, FBK_RGB(255, 255, 255));
			save_coverage(piece);
			for (int k = 0; k < W * H; k++) {
				sum[k] = (uint8_t)(sum[k] + piece[k] > 255 ? 255 : sum[k] + piece[k]);
				pieces[k] += piece[k] != 0;
			}
			a = b;
		}
		int bad = 0;
		for (int k = 0; k < W * H; k++)
			if (pieces[k] <= 2)
				bad += abs(sum[k] - whole[k]) > 1;
		CHECK(bad == 0, "pie of %d slices: %d pixels differ from the disc by more than 1/255",
		      n, bad);

		/* a rounded rectangle split down a fractional x */
		double x = frand(2, 10), y = frand(2, 10), w = frand(6, 28), h = frand(6, 28);
		double rr = frand(0, fmin(w, h) / 4), cut = x + frand(rr, w - rr);
		clear_canvas();
		fbk_path_reset(p);
		fbk_path_rounded_rect(p, x, y, w, h, (double[]){ rr, rr, rr, rr });
		fbk_path_fill(canvas, p, FBK_FILL_NONZERO, FBK_RGB(255, 255, 255));
		save_coverage(whole);
		clear_canvas();
		fbk_path_reset(p);
		fbk_path_rounded_rect(p, x, y, cut - x, h, (double[]){ rr, 0, 0, rr });
		fbk_path_fill(canvas, p, FBK_FILL_NONZERO, FBK_RGB(255, 255, 255));
		save_coverage(sum);
		clear_canvas();
		fbk_path_reset(p);
		fbk_path_rounded_rect(p, cut, y, x + w - cut, h, (double[]){ 0, rr, rr, 0 });
		fbk_path_fill(canvas, p, FBK_FILL_NONZERO, FBK_RGB(255, 255, 255));
		bad = 0;
		for (int yy = 0; yy < H; yy++)
			for (int xx = 0; xx < W; xx++)
				bad += abs(sum[yy * W + xx] + coverage_at(canvas, xx, yy) - whole[yy * W + xx]) > 1;
		CHECK(bad == 0, "rounded rectangle cut at x = %.3f: %d pixels differ", cut, bad);
	}
}

/* A shape moved by whole pixels gives the same coverage; a centred circle is symmetric. */
static void check_invariance(struct fbk_path *p)
{
	static uint8_t a[W * H];
	rng_seed(17);
	for (int round = 0; round < 40; round++) {
		n_contours = 1;
		random_star(&contours[0], rng_range(3, 20), frand(8, 16), frand(8, 16), frand(1, 8));
		int dx = rng_range(0, 15), dy = rng_range(0, 15);
		contours_to_path(p);
		clear_canvas();
		fbk_path_fill(canvas, p, FBK_FILL_NONZERO, FBK_RGB(255, 255, 255));
		save_coverage(a);
		for (int i = 0; i < contours[0].n; i++) {
			contours[0].x[i] += dx;
			contours[0].y[i] += dy;
		}
		contours_to_path(p);
		clear_canvas();
		fbk_path_fill(canvas, p, FBK_FILL_NONZERO, FBK_RGB(255, 255, 255));
		int bad = 0;
		for (int y = 0; y + dy < H; y++)
			for (int x = 0; x + dx < W; x++)
				bad += a[y * W + x] != coverage_at(canvas, x + dx, y + dy);
		CHECK(bad == 0, "polygon moved by (%d, %d): %d pixels differ", dx, dy, bad);

		double r = frand(0.5, 19);
		clear_canvas();
		fbk_fill_circle(canvas, W / 2.0, H / 2.0, r, FBK_RGB(255, 255, 255));
		bad = 0;
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				int m = coverage_at(canvas, x, y);
				bad += abs(m - coverage_at(canvas, W - 1 - x, y)) > 1;
				bad += abs(m - coverage_at(canvas, x, H - 1 - y)) > 1;
				bad += abs(m - coverage_at(canvas, y, x)) > 1;
			}
		CHECK(bad == 0, "circle of radius %.3f: %d pixels break its symmetry", r, bad);
	}
}

static int painted(void)
{
	int n = 0;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			n += coverage_at(canvas, x, y) != 0;
	return n;
}

/* Degenerate and hostile input: errors said clearly, nothing drawn, no hang. */
static void check_degenerate(struct fbk_path *p)
{
	const struct fbk_color white = FBK_RGB(255, 255, 255);
	clear_canvas();
	fbk_path_reset(p);
	CHECK(fbk_path_fill(canvas, p, FBK_FILL_NONZERO, white) == 0 && !painted(), "empty path");
	CHECK(fbk_fill_circle(canvas, 10, 10, 0, white) == 0 && !painted(), "radius 0");
	CHECK(fbk_fill_rounded_rect(canvas, 5, 5, 0, 9, 2, white) == 0 && !painted(), "width 0");
	CHECK(fbk_draw_line_aa(canvas, 5, 5, 5, 5, 3, white) == 0 && !painted(), "zero-length line");
	CHECK(fbk_draw_line_aa(canvas, 5, 5, 20, 9, 0, white) == 0 && !painted(), "zero-width line");
	fbk_path_move_to(p, 3, 3);
	fbk_path_line_to(p, 3, 3);
	fbk_path_line_to(p, 3, 3);
	fbk_path_line_to(p, 30, 30); /* a contour with no area */
	CHECK(fbk_path_fill(canvas, p, FBK_FILL_NONZERO, white) == 0 && !painted(), "no area");

	double bad_values[] = { NAN, INFINITY, -INFINITY };
	for (int i = 0; i < 3; i++) {
		CHECK(fbk_path_move_to(p, bad_values[i], 1) == -EINVAL, "move_to %g", bad_values[i]);
		CHECK(fbk_path_line_to(p, 1, bad_values[i]) == -EINVAL, "line_to %g", bad_values[i]);
		CHECK(fbk_path_cubic_to(p, 1, 1, bad_values[i], 2, 3, 3) == -EINVAL, "cubic_to");
		CHECK(fbk_path_arc(p, 1, 1, 5, 0, bad_values[i]) == -EINVAL, "arc to %g", bad_values[i]);
		CHECK(fbk_fill_circle(canvas, 10, 10, bad_values[i], white) == -EINVAL, "circle r %g",
		      bad_values[i]);
		CHECK(fbk_path_set_transform(p, &(struct fbk_transform){ 1, 0, 0, bad_values[i], 0, 0 }) ==
			      -EINVAL, "transform with %g", bad_values[i]);
	}
	CHECK(strstr(fbk_last_error(), "finite") != NULL, "the message says why: %s",
	      fbk_last_error());
	CHECK(fbk_path_move_to(p, 1e300, 0) == -ERANGE, "1e300");
	CHECK(fbk_path_quad_to(p, 0, -2e6, 5, 5) == -ERANGE, "-2e6");
	CHECK(fbk_fill_circle(canvas, 10, 10, 1e7, white) == -ERANGE, "radius 1e7");
	CHECK(fbk_fill_circle(canvas, 10, 10, -1, white) == -EINVAL, "negative radius");
	CHECK(fbk_fill_pie(canvas, 10, 10, 3, 5, 0, 1, white) == -EINVAL, "inner radius > outer");
	fbk_path_set_transform(p, &(struct fbk_transform){ 1e9, 0, 0, 1e9, 0, 0 });
	CHECK(fbk_path_line_to(p, 1, 1) == -ERANGE, "a transform that sends points out of range");
	fbk_path_set_transform(p, NULL);
	/* the failures left the path as it was: still nothing to fill */
	CHECK(fbk_path_fill(canvas, p, FBK_FILL_NONZERO, white) == 0 && !painted(),
	      "failed calls changed the path");
	CHECK(fbk_path_fill(canvas, p, (enum fbk_fill_rule)7, white) == -EINVAL, "unknown rule");
	CHECK(fbk_path_fill(NULL, p, FBK_FILL_NONZERO, white) == -EINVAL, "NULL surface");
	CHECK(fbk_path_fill(canvas, NULL, FBK_FILL_NONZERO, white) == -EINVAL, "NULL path");
	CHECK(fbk_path_move_to(NULL, 0, 0) == -EINVAL, "NULL path");
	CHECK(fbk_path_create(NULL) == -EINVAL, "NULL out");
	fbk_path_destroy(NULL);

	/*
	 * Shapes a million pixels across: only the clip's rows and columns
	 * are worked, and the coverage is the same as for a small one.
	 */
	fbk_path_reset(p);
	fbk_path_rect(p, 10.25, -1e6, 5.5, 2e6);
	CHECK(fbk_path_fill(canvas, p, FBK_FILL_NONZERO, white) == 0, "tall: %s", fbk_last_error());
	int bad = 0;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			int want = x == 10 || x == 15 ? 191 : x > 10 && x < 15 ? 255 : 0;
			bad += coverage_at(canvas, x, y) != want;
		}
	CHECK(bad == 0, "a rectangle 2e6 pixels tall: %d pixels wrong", bad);
	clear_canvas();
	CHECK(fbk_fill_circle(canvas, 5e5, 20.5, 5e5 - 4, white) == 0, "circle r 5e5: %s",
	      fbk_last_error());
	bad = 0;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			bad += coverage_at(canvas, x, y) != (x < 3 ? 0 : x > 4 ? 255 : -1) &&
			       x != 3 && x != 4;
	CHECK(bad == 0, "the edge of a circle of radius 5e5: %d pixels wrong", bad);
	CHECK(coverage_at(canvas, 4, 20) >= 253 && coverage_at(canvas, 3, 20) <= 2,
	      "the edge of a circle of radius 5e5 falls at x = 4: %d %d", coverage_at(canvas, 3, 20),
	      coverage_at(canvas, 4, 20));
}

/* Whether (x, y) is in the polyline's stroke: near a segment (flat ends) or an inner vertex. */
static bool in_stroke(const double *xy, int n, double hw, double x, double y)
{
	for (int i = 0; i + 1 < n; i++) {
		double ax = xy[2 * i], ay = xy[2 * i + 1], dx = xy[2 * i + 2] - ax, dy = xy[2 * i + 3] - ay;
		double len = sqrt(dx * dx + dy * dy);
		double t = ((x - ax) * dx + (y - ay) * dy) / len;
		double side = ((x - ax) * dy - (y - ay) * dx) / len;
		if (t >= 0 && t <= len && fabs(side) <= hw)
			return true;
		if (i > 0 && (x - ax) * (x - ax) + (y - ay) * (y - ay) <= hw * hw)
			return true;
	}
	return false;
}

/* Pixel (x, y)'s coverage by the polyline's stroke, from 256 x 256 samples. */
static double sampled_polyline(const double *xy, int n, double hw, int x, int y)
{
	/* a pixel whose 9 x 9 grid of points (borders included) agree is whole */
	int hits = 0;
	for (int gy = 0; gy <= 8; gy++)
		for (int gx = 0; gx <= 8; gx++)
			hits += in_stroke(xy, n, hw, x + gx / 8.0, y + gy / 8.0);
	if (hits == 0 || hits == 81)
		return hits ? 255 : 0;
	int inside = 0;
	for (int sy = 0; sy < 256; sy++)
		for (int sx = 0; sx < 256; sx++)
			inside += in_stroke(xy, n, hw, x + (sx + 0.5) / 256, y + (sy + 0.5) / 256);
	return inside / 65536.0 * 255;
}

static double point_segment(double px, double py, const double *a, const double *b)
{
	double dx = b[0] - a[0], dy = b[1] - a[1];
	double t = ((px - a[0]) * dx + (py - a[1]) * dy) / (dx * dx + dy * dy);
	t = fmax(0, fmin(1, t));
	return hypot(px - a[0] - t * dx, py - a[1] - t * dy);
}

/* The distance between segments ab and cd (0 when they cross). */
static double segment_segment(const double *a, const double *b, const double *c, const double *d)
{
	double d1 = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
	double d2 = (b[0] - a[0]) * (d[1] - a[1]) - (b[1] - a[1]) * (d[0] - a[0]);
	double d3 = (d[0] - c[0]) * (a[1] - c[1]) - (d[1] - c[1]) * (a[0] - c[0]);
	double d4 = (d[0] - c[0]) * (b[1] - c[1]) - (d[1] - c[1]) * (b[0] - c[0]);
	if (d1 * d2 < 0 && d3 * d4 < 0)
		return 0;
	return fmin(fmin(point_segment(a[0], a[1], c, d), point_segment(b[0], b[1], c, d)),
		    fmin(point_segment(c[0], c[1], a, b), point_segment(d[0], d[1], a, b)));
}

/*
 * Polylines against their definition: straight runs against the exact
 * rectangle; joins against 256 x 256 samples per pixel of the set of
 * points within half the width of a segment or of an inner vertex (pixels
 * well inside or outside by the distance of their centre).
 */
static void check_polylines(void)
{
	rng_seed(18);
	for (int round = 0; round < 20; round++) {
		/* collinear points, some repeated: the rectangle, exactly */
		double x0 = frand(2, 10), y0 = frand(5, 35), x1 = frand(25, 38), y1 = frand(5, 35);
		double w = frand(0.3, 6), hw = w / 2;
		double xy[12];
		for (int i = 0; i < 6; i++) {
			double t = i < 2 ? 0 : i > 4 ? 1 : (i - 1) / 4.0 + frand(-0.1, 0.1);
			xy[2 * i] = x0 + t * (x1 - x0);
			xy[2 * i + 1] = y0 + t * (y1 - y0);
		}
		clear_canvas();
		CHECK(fbk_stroke_polyline(canvas, xy, 6, 0, w, FBK_RGB(255, 255, 255)) == 0, "straight");
		double len = sqrt((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0));
		double nx = -(y1 - y0) / len * hw, ny = (x1 - x0) / len * hw;
		n_contours = 1;
		struct contour *k = &contours[0];
		k->n = 4;
		k->x[0] = x0 + nx, k->y[0] = y0 + ny, k->x[1] = x1 + nx, k->y[1] = y1 + ny;
		k->x[2] = x1 - nx, k->y[2] = y1 - ny, k->x[3] = x0 - nx, k->y[3] = y0 - ny;
		worst_polygon = fmax(worst_polygon, compare(FBK_FILL_NONZERO, 1.0, "straight polyline"));
	}
	double worst = 0;
	int regular_lines = 0;
	for (int round = 0; round < 16; round++) {
		int n = 3 + round % 3;
		double xy[10], w = frand(0.5, round < 8 ? 2.5 : 7);
		for (int i = 0; i < n; i++) {
			xy[2 * i] = frand(6, 34);
			xy[2 * i + 1] = frand(6, 34);
		}
		/*
		 * Regular: at each join the inner edges meet within both
		 * segments, hw tan(turn / 2) from the vertex. Otherwise the
		 * line is a union of overlapping pieces (see path.c), whose
		 * shared edge pixels may come out too strong but never weak.
		 */
		bool regular = true;
		for (int i = 1; i + 1 < n; i++) {
			double ax = xy[2 * i] - xy[2 * i - 2], ay = xy[2 * i + 1] - xy[2 * i - 1];
			double bx = xy[2 * i + 2] - xy[2 * i], by = xy[2 * i + 3] - xy[2 * i + 1];
			double la = sqrt(ax * ax + ay * ay), lb = sqrt(bx * bx + by * by);
			double turn = acos(fmax(-1, fmin(1, (ax * bx + ay * by) / (la * lb))));
			regular &= w / 2 * tan(turn / 2) <= fmin(la, lb) * 0.999;
		}
		/* and segments that are not neighbours keep clear of each other */
		for (int i = 0; i + 1 < n; i++)
			for (int j = i + 2; j + 1 < n; j++)
				regular &= segment_segment(xy + 2 * i, xy + 2 * i + 2, xy + 2 * j,
							   xy + 2 * j + 2) > w + 2;
		regular_lines += regular;
		clear_canvas();
		CHECK(fbk_stroke_polyline(canvas, xy, (size_t)n, 0, w, FBK_RGB(255, 255, 255)) == 0,
		      "polyline: %s", fbk_last_error());

		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				double want = sampled_polyline(xy, n, w / 2, x, y);
				double err = fabs(coverage_at(canvas, x, y) - want);
				if (regular) {
					worst = fmax(worst, err);
					CHECK(err <= 2.0,
					      "polyline of %d points, width %.2f: (%d, %d) %d, sampled %.2f", n,
					      w, x, y, coverage_at(canvas, x, y), want);
				} else {
					CHECK(coverage_at(canvas, x, y) >= want - 2,
					      "polyline of %d points, width %.2f (pieces): (%d, %d) %d, sampled "
					      "%.2f", n, w, x, y, coverage_at(canvas, x, y), want);
				}
			}
	}
	printf("polylines with joins: largest error %.3f/255 against 256x256 samples per pixel "
	       "(%d of 16 drawn as one outline)\n", worst, regular_lines);

	/* degenerate: one point, repeated points, zero width, a turn back, hostile numbers */
	clear_canvas();
	double same[] = { 5, 5, 5, 5, 5, 5 };
	CHECK(fbk_stroke_polyline(canvas, same, 3, 0, 3, FBK_RGB(255, 255, 255)) == 0 && !painted(),
	      "one point repeated");
	double two[] = { 5, 5, 30, 9 };
	CHECK(fbk_stroke_polyline(canvas, two, 2, 0, 0, FBK_RGB(255, 255, 255)) == 0 && !painted(),
	      "width 0");
	CHECK(fbk_stroke_polyline(canvas, two, 1, 0, 2, FBK_RGB(255, 255, 255)) == 0 && !painted(),
	      "one point");
	double back[] = { 5, 20, 30, 20, 12, 20 };
	CHECK(fbk_stroke_polyline(canvas, back, 3, 0, 4, FBK_RGB(255, 255, 255)) == 0, "turn back");
	CHECK(coverage_at(canvas, 20, 20) == 255 && coverage_at(canvas, 20, 17) == 0 &&
	      coverage_at(canvas, 31, 20) > 0, "a turn back covers its line and rounds its end");
	double nan_pts[] = { 5, 5, NAN, 9 };
	CHECK(fbk_stroke_polyline(canvas, nan_pts, 2, 0, 2, FBK_RGB(255, 255, 255)) == -EINVAL, "NaN");
	CHECK(fbk_stroke_polyline(canvas, two, 2, 0, INFINITY, FBK_RGB(255, 255, 255)) == -EINVAL,
	      "infinite width");
	CHECK(fbk_stroke_polyline(canvas, NULL, 2, 0, 2, FBK_RGB(255, 255, 255)) == -EINVAL, "NULL");
	double far_pts[] = { 5, 5, 1e7, 9 };
	CHECK(fbk_stroke_polyline(canvas, far_pts, 2, 0, 2, FBK_RGB(255, 255, 255)) == -ERANGE, "far");
	/* a closed outline is a ring: the inside of a big square stays clear */
	clear_canvas();
	double square[] = { 5, 5, 35, 5, 35, 35, 5, 35 };
	CHECK(fbk_stroke_polyline(canvas, square, 4, 1, 2, FBK_RGB(255, 255, 255)) == 0, "ring");
	CHECK(coverage_at(canvas, 20, 20) == 0 && coverage_at(canvas, 20, 4) == 255 &&
	      coverage_at(canvas, 20, 5) == 255 && coverage_at(canvas, 20, 6) == 0 &&
	      abs(coverage_at(canvas, 4, 4) - 200) <= 1 /* a quarter of a circle of radius 1 */,
	      "closed square outline: %d %d %d %d", coverage_at(canvas, 20, 20),
	      coverage_at(canvas, 20, 4), coverage_at(canvas, 20, 6), coverage_at(canvas, 4, 4));
}

/*
 * The pixels of polyline xy (n <= 6 points, width w) against 256 x 256
 * samples: within 2/255 everywhere except near the joins too sharp for
 * one outline, which path.c cuts the line at; near those only never too
 * weak. Such a join's two runs of outline and its piece overlap only where
 * the strips of half the width around both segments cross (segments that
 * are not neighbours kept clear), within hw / min(sin(a / 2), cos(a / 2))
 * of the vertex, a the angle between the segments, and no farther than a
 * segment and hw; a pixel is near when its centre is within that plus
 * half its diagonal. Counts near pixels, those over 2/255 among them and
 * the cut joins, and keeps the largest errors far and near.
 */
struct cut_counts {
	int joins, near, strong;
	double worst_far, worst_near;
};

static void check_cut_line(const double *xy, int n, double w, struct cut_counts *c)
{
	double hw = w / 2, reach[6] = { 0 };
	for (int i = 1; i + 1 < n; i++) {
		double ax = xy[2 * i] - xy[2 * i - 2], ay = xy[2 * i + 1] - xy[2 * i - 1];
		double bx = xy[2 * i + 2] - xy[2 * i], by = xy[2 * i + 3] - xy[2 * i + 1];
		double la = sqrt(ax * ax + ay * ay), lb = sqrt(bx * bx + by * by);
		double turn = acos(fmax(-1, fmin(1, (ax * bx + ay * by) / (la * lb))));
		/*
		 * With margins, so a join path.c cuts is never taken for one it
		 * does not; it cuts too next to a flat end closer than hw.
		 */
		if (hw * tan(turn / 2) <= 0.999 * fmin(la, lb) && !(i == 1 && la < 1.001 * hw) &&
		    !(i == n - 2 && lb < 1.001 * hw))
			continue;
		double a = M_PI - turn;
		reach[i] = fmin(hw / fmin(sin(a / 2), cos(a / 2)), fmax(la, lb) + hw) + M_SQRT1_2;
		c->joins++;
	}
	clear_canvas();
	CHECK(fbk_stroke_polyline(canvas, xy, (size_t)n, 0, w, FBK_RGB(255, 255, 255)) == 0,
	      "cut line: %s", fbk_last_error());
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			double want = sampled_polyline(xy, n, hw, x, y);
			double err = coverage_at(canvas, x, y) - want;
			bool near = false;
			for (int i = 1; i + 1 < n; i++)
				near |= hypot(x + 0.5 - xy[2 * i], y + 0.5 - xy[2 * i + 1]) <= reach[i];
			if (!near) {
				c->worst_far = fmax(c->worst_far, fabs(err));
				CHECK(fabs(err) <= 2.0, "line of %d points cut at sharp joins, width %.2f: "
				      "(%d, %d) %d, sampled %.2f", n, w, x, y, coverage_at(canvas, x, y),
				      want);
				continue;
			}
			c->near++;
			c->strong += err > 2.0;
			c->worst_near = fmax(c->worst_near, fabs(err));
			CHECK(err >= -2.0, "line of %d points cut at sharp joins, width %.2f: (%d, %d) "
			      "%d too weak, sampled %.2f", n, w, x, y, coverage_at(canvas, x, y), want);
		}
}

/*
 * A line is cut only at its joins too sharp for one outline: one such
 * join (a turn of 152 degrees, segments of 6 and 29 pixels) among three
 * turns of 92-116 degrees that are not, then random
 * lines with at least one, all exact away from those joins.
 */
static void check_cut_joins(void)
{
	struct cut_counts one = { 0 }, all = { 0 };
	const double hook[] = { 5, 28, 23, 14, 27, 33, 37, 30, 28, 3, 27, 9 };
	check_cut_line(hook, 6, 4, &one);
	CHECK(one.joins == 1, "the hook has one join too sharp for one outline, not %d", one.joins);
	/* its inner side goes round what both segments cover: exact there too (2 were too strong) */
	CHECK(one.strong == 0, "%d pixels near the hook's sharp join are too strong", one.strong);
	printf("a line with one join cut: largest error %.3f/255 farther than 8.8 pixels from it, "
	       "%.3f/255 nearer (%d of %d pixels too strong)\n", one.worst_far, one.worst_near,
	       one.strong, one.near);
	/*
	 * A round join cut where one segment is shorter than half the width
	 * is the half disc beyond the other's end, drawn as that run's round
	 * cap: 6 lines and half a circle's (28; 31 as a piece of its own
	 * between two flat ends), and never too weak.
	 */
	const double short_end[] = { 5, 20, 30, 20, 28, 22 };
	struct fbk_path *outline;
	const struct fbk_rect far_clip = { 0, 0, 4096, 4096 };
	struct fbk_raster r;
	if (fbk_path_create(&outline) == 0) {
		CHECK(fbk_polyline_outline(outline, short_end, 3, 0, 6) == 0, "outline: %s",
		      fbk_last_error());
		fbk_raster_init(&r, &far_clip);
		fbk_path_flatten(outline, &r);
		size_t lines = r.count;
		fbk_raster_finish(&r);
		fbk_path_reset(outline);
		fbk_path_circle(outline, 30, 20, 3);
		fbk_raster_init(&r, &far_clip);
		fbk_path_flatten(outline, &r);
		CHECK(lines <= 6 + r.count / 2, "a join with a short segment: %zu lines, a whole "
		      "circle alone is %zu", lines, r.count);
		fbk_raster_finish(&r);
		fbk_path_destroy(outline);
	}
	/* and the same line walked the other way (the short segment first) */
	const double short_start[] = { 28, 22, 30, 20, 5, 20 };
	/*
	 * A gentle turn whose inner lines meet, 1 pixel from a flat end: the
	 * join's circle reaches 2 pixels past that end, which one outline
	 * would leave out (too weak by up to 255)
	 */
	const double short_gentle[] = { 5, 20, 30, 20, 31, 20.2 };
	struct cut_counts half = { 0 };
	check_cut_line(short_end, 3, 6, &half);
	check_cut_line(short_start, 3, 6, &half);
	check_cut_line(short_gentle, 3, 6, &half);
	CHECK(half.joins == 3, "the short ends' joins are cut: %d", half.joins);
	rng_seed(131);
	int n_lines = 0;
	while (n_lines < 10) {
		int n = 4 + n_lines % 3;
		double xy[12], w = frand(1, 7);
		for (int i = 0; i < 2 * n; i++)
			xy[i] = frand(5, 35);
		bool clear = true, sharp = false;
		for (int i = 0; i + 1 < n; i++)
			for (int j = i + 2; j + 1 < n; j++)
				clear &= segment_segment(xy + 2 * i, xy + 2 * i + 2, xy + 2 * j,
							 xy + 2 * j + 2) > w + 2;
		for (int i = 1; i + 1 < n; i++) {
			double ax = xy[2 * i] - xy[2 * i - 2], ay = xy[2 * i + 1] - xy[2 * i - 1];
			double bx = xy[2 * i + 2] - xy[2 * i], by = xy[2 * i + 3] - xy[2 * i + 1];
			double la = sqrt(ax * ax + ay * ay), lb = sqrt(bx * bx + by * by);
			double turn = acos(fmax(-1, fmin(1, (ax * bx + ay * by) / (la * lb))));
			sharp |= w / 2 * tan(turn / 2) > fmin(la, lb);
		}
		if (!clear || !sharp)
			continue;
		n_lines++;
		check_cut_line(xy, n, w, &all);
	}
	/*
	 * measured: 11 of 5589, by up to 65.4/255, all near round joins next to
	 * a segment shorter than half the width, drawn as pieces (99, by up to
	 * 107.4/255, when every cut join was)
	 */
	CHECK(all.strong <= 12 && all.worst_near < 70, "%d pixels near the random lines' cut joins "
	      "are too strong, by up to %.1f/255", all.strong, all.worst_near);
	printf("random lines cut at %d sharp joins: largest error %.3f/255 away from them, "
	       "%.3f/255 near (%d of %d pixels too strong)\n", all.joins, all.worst_far,
	       all.worst_near, all.strong, all.near);
}

/* A polygon of up to 8 points as the reference's only contour. */
static void set_polygon(const double *xy, int n)
{
	n_contours = 1;
	contours[0].n = n;
	for (int i = 0; i < n; i++) {
		contours[0].x[i] = xy[2 * i];
		contours[0].y[i] = xy[2 * i + 1];
	}
}


/* Where the line through a along da meets the line through b along db. */
static void meet(const double *a, const double *da, const double *b, const double *db, double *out)
{
	double den = da[0] * db[1] - da[1] * db[0];
	double t = ((b[0] - a[0]) * db[1] - (b[1] - a[1]) * db[0]) / den;
	out[0] = a[0] + t * da[0];
	out[1] = a[1] + t * da[1];
}

/* With ring_r > 0, the distance to that circle around ring_c instead of to the polyline. */
static double ring_c[2], ring_r;

/* With n_dash_segs > 0, the distance to those segments (dashes' pieces) instead. */
enum { MAX_DASH_SEGS = 512 };
static double dash_segs[MAX_DASH_SEGS][4];
static int n_dash_segs;

static double dist_to_polyline(const double *xy, int n, double x, double y)
{
	if (ring_r > 0)
		return fabs(hypot(x - ring_c[0], y - ring_c[1]) - ring_r);
	if (n_dash_segs > 0) {
		double d = INFINITY;
		for (int i = 0; i < n_dash_segs; i++)
			d = fmin(d, point_segment(x, y, dash_segs[i], dash_segs[i] + 2));
		return d;
	}
	double d = INFINITY;
	for (int i = 0; i + 1 < n; i++)
		d = fmin(d, point_segment(x, y, xy + 2 * i, xy + 2 * i + 2));
	return d;
}

/*
 * The canvas against 256 x 256 samples per pixel of the set of points at
 * a distance from the polyline xy (closed: a ring) in [lo, hi]: a stroke
 * with round joins and caps. Pixels whose 9 x 9 grid agree are whole.
 */
static double compare_sampled(const double *xy, int n, double lo, double hi, double tolerance,
			      const char *what)
{
	double worst = 0;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			int hits = 0;
			for (int gy = 0; gy <= 8; gy++)
				for (int gx = 0; gx <= 8; gx++) {
					double d = dist_to_polyline(xy, n, x + gx / 8.0, y + gy / 8.0);
					hits += d >= lo && d <= hi;
				}
			double want = hits ? 255 : 0;
			if (hits != 0 && hits != 81) {
				int inside = 0;
				for (int sy = 0; sy < 256; sy++)
					for (int sx = 0; sx < 256; sx++) {
						double d = dist_to_polyline(xy, n, x + (sx + 0.5) / 256,
									    y + (sy + 0.5) / 256);
						inside += d >= lo && d <= hi;
					}
				want = inside / 65536.0 * 255;
			}
			double err = fabs(coverage_at(canvas, x, y) - want);
			worst = fmax(worst, err);
			CHECK(err <= tolerance, "%s: (%d, %d) %d, sampled %.2f", what, x, y,
			      coverage_at(canvas, x, y), want);
		}
	return worst;
}

static int stroke_points(struct fbk_path *p, const double *xy, int n, bool closed,
			 const struct fbk_stroke_style *st)
{
	fbk_path_reset(p);
	for (int i = 0; i < n; i++)
		fbk_path_line_to(p, xy[2 * i], xy[2 * i + 1]);
	if (closed)
		fbk_path_close(p);
	clear_canvas();
	return fbk_path_stroke(canvas, p, st, FBK_RGB(255, 255, 255));
}

/*
 * Miter and bevel joins next to a flat end. Every segment's rectangle is
 * part of the stroke, so no pixel may come out weaker than the exact
 * coverage of any one of them; one outline through a join next to a
 * segment shorter than half the width times the sine of the turn leaves
 * out the corner of the other segment's rectangle that reaches past that
 * segment's flat end. The lines: cut at one sharp join (the turn back at
 * its second point) with a short last segment; a flat end inside the
 * line, where a cut join's neighbour has a short segment towards it; and
 * a short first segment on a line with no sharp join.
 */
static void check_flat_end_rects(struct fbk_path *p)
{
	static const struct {
		int n;
		double width, xy[8];
	} lines[] = {
		{ 4, 11.75, { 23.037, 26.244, 23.153, 26.805, 24.599, 16.505, 27.153, 14.960 } },
		{ 4, 6.49, { 34.320, 18.375, 14.447, 19.663, 16.708, 20.225, 19.686, 29.755 } },
		{ 3, 9.71, { 16.451, 30.719, 18.229, 29.527, 24.015, 6.040 } },
	};
	static double cover[W * H];
	for (size_t l = 0; l < sizeof(lines) / sizeof(lines[0]); l++)
		for (int j = 0; j < 2; j++) {
			const double *xy = lines[l].xy, hw = lines[l].width / 2;
			struct fbk_stroke_style st = FBK_STROKE_STYLE_INIT;
			st.width = lines[l].width;
			st.join = j ? FBK_JOIN_BEVEL : FBK_JOIN_MITER;
			CHECK(stroke_points(p, xy, lines[l].n, false, &st) == 0, "flat end: %s",
			      fbk_last_error());
			int weak = 0;
			for (int i = 0; i + 1 < lines[l].n; i++) {
				const double *a = xy + 2 * i, *b = xy + 2 * i + 2;
				double len = hypot(b[0] - a[0], b[1] - a[1]);
				double nx = -(b[1] - a[1]) / len * hw, ny = (b[0] - a[0]) / len * hw;
				const double rect[] = { a[0] + nx, a[1] + ny, b[0] + nx, b[1] + ny,
							b[0] - nx, b[1] - ny, a[0] - nx, a[1] - ny };
				set_polygon(rect, 4);
				reference(cover);
				for (int y = 0; y < H; y++)
					for (int x = 0; x < W; x++) {
						double want =
							apply_rule(cover[y * W + x], FBK_FILL_NONZERO) * 255;
						int got = coverage_at(canvas, x, y);
						if (got < want - 1.0 && weak++ < 3)
							CHECK(0, "line %zu, %s join next to a flat end: (%d, %d) "
							      "%d, weaker than segment %d's rectangle alone "
							      "(%.2f)", l, j ? "bevel" : "miter", x, y, got,
							      i, want);
					}
			}
		}
}

/* Whether (x, y) is inside the convex polygon xy of n points, either orientation. */
static bool in_convex(const double *xy, int n, double x, double y)
{
	int pos = 0, neg = 0;
	for (int i = 0; i < n; i++) {
		const double *a = xy + 2 * i, *b = xy + 2 * ((i + 1) % n);
		double c = (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]);
		pos += c > 0;
		neg += c < 0;
	}
	return !pos || !neg;
}

/*
 * Whether (x, y) is in an open 3-point line's stroke with flat ends and a
 * miter (within limit, else bevel) join: the two rectangles and, on the
 * outer side, the triangle to the corners or the quadrilateral to the tip.
 */
static bool in_mitered(const double *xy, double hw, double limit, double x, double y)
{
	double n[2][2];
	for (int i = 0; i < 2; i++) {
		const double *a = xy + 2 * i, *b = xy + 2 * i + 2;
		double len = hypot(b[0] - a[0], b[1] - a[1]);
		n[i][0] = -(b[1] - a[1]) / len;
		n[i][1] = (b[0] - a[0]) / len;
		const double rect[] = { a[0] + hw * n[i][0], a[1] + hw * n[i][1], b[0] + hw * n[i][0],
					b[1] + hw * n[i][1], b[0] - hw * n[i][0], b[1] - hw * n[i][1],
					a[0] - hw * n[i][0], a[1] - hw * n[i][1] };
		if (in_convex(rect, 4, x, y))
			return true;
	}
	/* the outer normals: away from the side the line turns to */
	double cross = n[0][0] * n[1][1] - n[0][1] * n[1][0], sgn = cross > 0 ? -1 : 1;
	const double *v = xy + 2;
	double o1x = sgn * n[0][0], o1y = sgn * n[0][1], o2x = sgn * n[1][0], o2y = sgn * n[1][1];
	double dot = o1x * o2x + o1y * o2y;
	double join[8] = { v[0], v[1], v[0] + hw * o1x, v[1] + hw * o1y };
	int k = 2;
	if ((1 + dot) / 2 >= 1 / (limit * limit)) {
		join[2 * k] = v[0] + hw * (o1x + o2x) / (1 + dot);
		join[2 * k++ + 1] = v[1] + hw * (o1y + o2y) / (1 + dot);
	}
	join[2 * k] = v[0] + hw * o2x;
	join[2 * k++ + 1] = v[1] + hw * o2y;
	return in_convex(join, k, x, y);
}

/*
 * Miter and bevel joins too sharp for their segments (cut: the inner
 * edges meet past a segment's end, or a segment is shorter than half the
 * width times the sine of the turn next to a flat end) are one outline
 * whose inner side goes round what both rectangles cover: within 2/255 of
 * 256 x 256 samples everywhere, not too strong where the rectangles
 * overlap (up to 105/255 before).
 */
static void check_cut_miters(struct fbk_path *p)
{
	static const struct {
		double width, xy[6];
	} lines[] = {
		{ 8, { 16, 36, 20, 4, 22, 36 } },  /* a spike past the miter limit: beveled */
		{ 8, { 10, 30, 20, 8, 23, 13 } },  /* a short last segment, mitered */
		{ 14, { 6, 30, 20, 10, 34, 28 } }, /* a wide line, mitered */
		{ 5, { 4, 20, 36, 22, 5, 26 } },   /* nearly a turn back: beveled */
		/*
		 * both segments shorter than the inner corner of the first
		 * reaches: that corner lies past the second's end, so the
		 * overlap is clipped by all three other sides
		 */
		{ 10.29, { 19.934, 20.104, 21.153, 19.129, 22.950, 19.052 } },
	};
	double worst = 0;
	for (size_t l = 0; l < sizeof(lines) / sizeof(lines[0]); l++)
		for (int j = 0; j < 2; j++) {
			const double *xy = lines[l].xy, hw = lines[l].width / 2;
			struct fbk_stroke_style st = FBK_STROKE_STYLE_INIT;
			st.width = lines[l].width;
			st.join = j ? FBK_JOIN_BEVEL : FBK_JOIN_MITER;
			double limit = j ? 1 : st.miter_limit;
			CHECK(stroke_points(p, xy, 3, false, &st) == 0, "cut miter: %s", fbk_last_error());
			int bad = 0;
			for (int y = 0; y < H; y++)
				for (int x = 0; x < W; x++) {
					int hits = 0;
					for (int gy = 0; gy <= 8; gy++)
						for (int gx = 0; gx <= 8; gx++)
							hits += in_mitered(xy, hw, limit, x + gx / 8.0,
									   y + gy / 8.0);
					double want = hits ? 255 : 0;
					if (hits && hits < 81) {
						int inside = 0;
						for (int sy = 0; sy < 256; sy++)
							for (int sx = 0; sx < 256; sx++)
								inside += in_mitered(xy, hw, limit,
										     x + (sx + 0.5) / 256,
										     y + (sy + 0.5) / 256);
						want = inside / 65536.0 * 255;
					}
					double err = fabs(coverage_at(canvas, x, y) - want);
					worst = fmax(worst, err);
					if (err > 2.0 && bad++ < 3)
						CHECK(0, "line %zu, %s join cut: (%d, %d) %d, sampled %.2f", l,
						      j ? "bevel" : "miter", x, y, coverage_at(canvas, x, y),
						      want);
				}
		}
	printf("miter and bevel joins cut: largest error %.3f/255 against 256x256 samples\n", worst);
}

/*
 * Small closed rings stroked wider than their sides, so every join is cut:
 * the middle is covered by every side's rectangle and must come out whole
 * (each cut join's inner side takes back only its two segments' overlap,
 * so where all of a ring's rectangles overlap nothing may be left out).
 * A triangle whose joins are not cut takes back each join's kite, which
 * must lie in both its sides' rectangles too.
 */
static void check_cut_rings(struct fbk_path *p)
{
	static const struct {
		double width;
		int n;
		double xy[8];
	} rings[] = {
		{ 14, 4, { 20, 20, 26, 20, 26, 26, 20, 26 } }, /* a 6 px square, 14 wide */
		{ 8, 3, { 20, 20, 26, 20, 23, 25 } },          /* a 6 px triangle, 8 wide */
		/* no join cut: the inner sides' kites all reach round the middle */
		{ 10, 3, { 15, 17, 25, 17, 20, 25.66 } },
		/* the kite at (28.05, 12.81), uncut, reaches past its short side's far end */
		{ 26.657, 3, { 17.768, 10.974, 28.050, 12.807, 39.382, 56.177 } },
	};
	static const enum fbk_line_join joins[] = { FBK_JOIN_MITER, FBK_JOIN_ROUND, FBK_JOIN_BEVEL };
	for (size_t k = 0; k < sizeof(rings) / sizeof(rings[0]); k++)
		for (size_t j = 0; j < 3; j++) {
			struct fbk_stroke_style st = FBK_STROKE_STYLE_INIT;
			st.width = rings[k].width;
			st.join = joins[j];
			const double *xy = rings[k].xy, hw = st.width / 2;
			int n = rings[k].n;
			CHECK(stroke_points(p, xy, n, true, &st) == 0, "cut ring: %s", fbk_last_error());
			int holes = 0;
			for (int y = 0; y < H; y++)
				for (int x = 0; x < W; x++) {
					/* a pixel wholly inside one side's rectangle */
					bool whole = false;
					for (int i = 0; i < n && !whole; i++) {
						const double *a = xy + 2 * i, *b = xy + 2 * ((i + 1) % n);
						double dx = b[0] - a[0], dy = b[1] - a[1], len = hypot(dx, dy);
						bool in = true;
						for (int c = 0; c < 4; c++) {
							double px = x + (c & 1), py = y + (c >> 1);
							double t = ((px - a[0]) * dx + (py - a[1]) * dy) / len;
							double side = ((px - a[0]) * dy - (py - a[1]) * dx) / len;
							in &= t >= 0 && t <= len && fabs(side) <= hw;
						}
						whole = in;
					}
					if (whole && coverage_at(canvas, x, y) != 255 && holes++ < 2)
						CHECK(0, "ring %zu stroked %.0f wide, join %d: (%d, %d) is %d, "
						      "inside a side's rectangle", k, st.width, (int)st.join, x,
						      y, coverage_at(canvas, x, y));
				}
		}
}

/*
 * Rings large for their width keep every join in their outline: the cut
 * that ring_meets asks for (one join a piece, whose runs' flat ends
 * overlap on its inner side) is only for rings whose sides' rectangles
 * can all share a point. Any triangle's sides' bounding boxes share the
 * point of its middle x and middle y, as a diamond's do, so boxes alone
 * cut them all: the join's inner corner pixel comes out too strong.
 * Round joins against 256 x 256 samples of the rectangles and vertex
 * discs (the ring's points with its first two again, so every vertex is
 * an inner one).
 */
static void check_large_rings(struct fbk_path *p)
{
	static const struct {
		double width;
		int n;
		double xy[12];
	} rings[] = {
		{ 3, 3, { 5.3, 5.2, 36.6, 8.1, 20.2, 36.7, 5.3, 5.2, 36.6, 8.1 } },
		{ 2, 4, { 20.2, 3.3, 36.1, 20.2, 20.3, 36.2, 4.2, 20.1, 20.2, 3.3, 36.1, 20.2 } },
	};
	for (size_t k = 0; k < sizeof(rings) / sizeof(rings[0]); k++) {
		struct fbk_stroke_style st = FBK_STROKE_STYLE_INIT;
		st.width = rings[k].width;
		st.join = FBK_JOIN_ROUND;
		const double *xy = rings[k].xy, hw = st.width / 2;
		int n = rings[k].n;
		CHECK(stroke_points(p, xy, n, true, &st) == 0, "large ring: %s", fbk_last_error());
		int bad = 0;
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++) {
				double want = sampled_polyline(xy, n + 2, hw, x, y);
				if (fabs(coverage_at(canvas, x, y) - want) > 2.0 && bad++ < 2)
					CHECK(0, "ring %zu, %d points stroked %g wide: (%d, %d) is %d, "
					      "sampled %.2f", k, n, st.width, x, y,
					      coverage_at(canvas, x, y), want);
			}
	}
}

/*
 * A closed line of two points goes out and back: both ends are turns
 * back, so they take the join (round: a capsule; miter and bevel: flat),
 * never the style's caps, as the same two points open with caps of that
 * shape do.
 */
static void check_two_point_rings(struct fbk_path *p)
{
	const double xy[] = { 23.760, 28.852, 11.740, 18.033 };
	static const enum fbk_line_join joins[] = { FBK_JOIN_ROUND, FBK_JOIN_MITER, FBK_JOIN_BEVEL };
	static uint8_t ring[W * H];
	for (size_t j = 0; j < 3; j++) {
		struct fbk_stroke_style st = FBK_STROKE_STYLE_INIT;
		st.width = 6.5;
		st.join = joins[j];
		st.cap = FBK_CAP_SQUARE;
		CHECK(stroke_points(p, xy, 2, true, &st) == 0, "ring: %s", fbk_last_error());
		for (int i = 0; i < W * H; i++)
			ring[i] = (uint8_t)coverage_at(canvas, i % W, i / W);
		st.cap = joins[j] == FBK_JOIN_ROUND ? FBK_CAP_ROUND : FBK_CAP_BUTT;
		CHECK(stroke_points(p, xy, 2, false, &st) == 0, "open: %s", fbk_last_error());
		int differ = 0;
		for (int i = 0; i < W * H; i++)
			differ += ring[i] != coverage_at(canvas, i % W, i / W);
		CHECK(differ == 0, "a closed line of two points, join %d: %d pixels differ from "
		      "the open line with caps of its join", (int)joins[j], differ);
	}
	/* fbk_stroke_polyline's round joins: closed, a capsule */
	clear_canvas();
	CHECK(fbk_stroke_polyline(canvas, xy, 2, 1, 6.5, FBK_RGB(255, 255, 255)) == 0, "polyline");
	for (int i = 0; i < W * H; i++)
		ring[i] = (uint8_t)coverage_at(canvas, i % W, i / W);
	struct fbk_stroke_style st = FBK_STROKE_STYLE_INIT;
	st.width = 6.5;
	st.join = FBK_JOIN_ROUND;
	st.cap = FBK_CAP_ROUND;
	CHECK(stroke_points(p, xy, 2, false, &st) == 0, "capsule: %s", fbk_last_error());
	int differ = 0;
	for (int i = 0; i < W * H; i++)
		differ += ring[i] != coverage_at(canvas, i % W, i / W);
	CHECK(differ == 0, "a closed polyline of two points: %d pixels differ from a capsule",
	      differ);
}

/*
 * fbk_path_stroke against the stroke's definition: straight strokes and
 * their caps against the exact polygon (butt: the rectangle; square: half
 * the width longer at each end) or the sampled capsule (round); a join's
 * miter tip where the offset edges meet while within the limit, the bevel
 * past it; round strokes of random chart lines and of a circle against
 * 256 x 256 samples; degenerate input.
 */
static void check_path_strokes(struct fbk_path *p)
{
	struct fbk_stroke_style st = FBK_STROKE_STYLE_INIT;
	double worst = 0;
	rng_seed(21);
	for (int round = 0; round < 12; round++) {
		double a[2] = { frand(6, 14), frand(8, 32) }, b[2] = { frand(26, 34), frand(8, 32) };
		double w = frand(0.4, 5), hw = w / 2;
		double len = hypot(b[0] - a[0], b[1] - a[1]);
		double d[2] = { (b[0] - a[0]) / len, (b[1] - a[1]) / len }, nx = -d[1] * hw, ny = d[0] * hw;
		/* a repeated point mid-way changes nothing */
		double xy[8] = { a[0], a[1], (a[0] + b[0]) / 2, (a[1] + b[1]) / 2,
				 (a[0] + b[0]) / 2, (a[1] + b[1]) / 2, b[0], b[1] };
		st.width = w;
		for (int cap = FBK_CAP_BUTT; cap <= FBK_CAP_SQUARE; cap++) {
			st.cap = (enum fbk_line_cap)cap;
			CHECK(stroke_points(p, xy, 4, false, &st) == 0, "straight: %s", fbk_last_error());
			if (cap == FBK_CAP_ROUND) {
				worst = fmax(worst, compare_sampled(xy, 4, 0, hw, 2.0, "round caps"));
				continue;
			}
			double e = cap == FBK_CAP_SQUARE ? hw : 0;
			double ax = a[0] - d[0] * e, ay = a[1] - d[1] * e;
			double bx = b[0] + d[0] * e, by = b[1] + d[1] * e;
			set_polygon((double[]){ ax + nx, ay + ny, bx + nx, by + ny, bx - nx, by - ny,
						ax - nx, ay - ny },
				    4);
			worst = fmax(worst, compare(FBK_FILL_NONZERO, 1.0,
						    cap ? "square caps: half the width past each end"
							: "butt caps: the rectangle"));
		}
	}
	/* a horizontal stroke covers exactly its width's rows */
	st = FBK_STROKE_STYLE_INIT;
	st.width = 3.5;
	CHECK(stroke_points(p, (double[]){ 4.25, 20.25, 36.75, 20.25 }, 2, false, &st) == 0, "row");
	for (int x = 5; x < 36; x++) {
		int sum = 0;
		for (int y = 0; y < H; y++)
			sum += coverage_at(canvas, x, y);
		CHECK(abs(sum - (int)(3.5 * 255)) <= 2, "column %d of a width 3.5 stroke sums to %d", x,
		      sum);
	}

	/* a sharp turn: miter ratio 1 / sin(half the angle) = 3.07 */
	double v[6] = { 4, 30, 34, 20, 6, 10 };
	double d1[2] = { v[2] - v[0], v[3] - v[1] }, d2[2] = { v[4] - v[2], v[5] - v[3] };
	double l1 = hypot(d1[0], d1[1]), l2 = hypot(d2[0], d2[1]), hw = 1.5;
	double n1[2] = { -d1[1] / l1 * hw, d1[0] / l1 * hw }, n2[2] = { -d2[1] / l2 * hw, d2[0] / l2 * hw };
	/* the offset corners; +n is the outer side of this turn */
	double o1[2] = { v[2] + n1[0], v[3] + n1[1] }, o2[2] = { v[2] + n2[0], v[3] + n2[1] };
	double i1[2] = { v[2] - n1[0], v[3] - n1[1] }, i2[2] = { v[2] - n2[0], v[3] - n2[1] };
	double tip[2], inner[2];
	meet(o1, d1, o2, d2, tip);
	meet(i1, d1, i2, d2, inner);
	st = FBK_STROKE_STYLE_INIT;
	st.width = 2 * hw;
	for (int limit = 0; limit < 3; limit++) {
		st.join = limit == 2 ? FBK_JOIN_BEVEL : FBK_JOIN_MITER;
		st.miter_limit = limit == 0 ? 3.2 : 3.0;
		CHECK(stroke_points(p, v, 3, false, &st) == 0, "join: %s", fbk_last_error());
		bool miter = limit == 0;
		double poly[16] = { v[0] + n1[0], v[1] + n1[1], o1[0], o1[1], tip[0], tip[1], o2[0], o2[1],
				    v[4] + n2[0], v[5] + n2[1], v[4] - n2[0], v[5] - n2[1], inner[0], inner[1],
				    v[0] - n1[0], v[1] - n1[1] };
		if (!miter)
			memmove(poly + 4, poly + 6, 10 * sizeof(double));
		set_polygon(poly, miter ? 8 : 7);
		worst = fmax(worst, compare(FBK_FILL_NONZERO, 1.0,
					    miter ? "a miter within its limit reaches the edges' meeting point"
						  : "a miter past its limit is beveled"));
	}

	/* random chart lines with round joins and caps, and a circle's ring */
	st = FBK_STROKE_STYLE_INIT;
	st.cap = FBK_CAP_ROUND;
	st.join = FBK_JOIN_ROUND;
	int drawn = 0;
	for (int round = 0; round < 24 && drawn < 8; round++) {
		double xy[10];
		int n = 3 + round % 3;
		st.width = frand(0.5, 4);
		for (int i = 0; i < n; i++) {
			xy[2 * i] = 6 + i * 28.0 / (n - 1) + frand(-1, 1);
			xy[2 * i + 1] = frand(8, 32);
		}
		/* one outline: the inner edges meet within both segments at every join */
		bool regular = true;
		for (int i = 1; i + 1 < n; i++) {
			double ax = xy[2 * i] - xy[2 * i - 2], ay = xy[2 * i + 1] - xy[2 * i - 1];
			double bx = xy[2 * i + 2] - xy[2 * i], by = xy[2 * i + 3] - xy[2 * i + 1];
			double la = hypot(ax, ay), lb = hypot(bx, by);
			double turn = acos(fmax(-1, fmin(1, (ax * bx + ay * by) / (la * lb))));
			regular &= st.width / 2 * tan(turn / 2) <= fmin(la, lb) * 0.999 && turn < 2.5;
		}
		if (!regular)
			continue;
		drawn++;
		CHECK(stroke_points(p, xy, n, false, &st) == 0, "chart: %s", fbk_last_error());
		worst = fmax(worst, compare_sampled(xy, n, 0, st.width / 2, 2.0, "round chart line"));
	}
	CHECK(drawn == 8, "only %d regular chart lines", drawn);
	fbk_path_reset(p);
	fbk_path_circle(p, 20.3, 19.6, 12.2);
	clear_canvas();
	st.width = 2.6;
	CHECK(fbk_path_stroke(canvas, p, &st, FBK_RGB(255, 255, 255)) == 0, "ring: %s",
	      fbk_last_error());
	ring_c[0] = 20.3, ring_c[1] = 19.6, ring_r = 12.2;
	worst_curve = fmax(worst_curve, compare_sampled(NULL, 0, 0, 1.3, 2.0, "stroked circle"));
	ring_r = 0;
	printf("path strokes: largest error %.3f/255 against exact polygons and 256x256 samples\n",
	       worst);

	/* degenerate input */
	st = FBK_STROKE_STYLE_INIT;
	st.width = 4;
	double dot[4] = { 20.5, 20.5, 20.5, 20.5 };
	st.cap = FBK_CAP_BUTT;
	CHECK(stroke_points(p, dot, 2, false, &st) == 0 && !painted(), "a zero-length butt line");
	st.cap = FBK_CAP_SQUARE;
	CHECK(stroke_points(p, dot, 2, false, &st) == 0, "a zero-length square line");
	set_polygon((double[]){ 18.5, 18.5, 22.5, 18.5, 22.5, 22.5, 18.5, 22.5 }, 4);
	compare(FBK_FILL_NONZERO, 1.0, "a zero-length line with square caps: the square");
	st.cap = FBK_CAP_ROUND;
	CHECK(stroke_points(p, dot, 2, false, &st) == 0, "a zero-length round line");
	compare_sampled(dot, 2, 0, 2, 2.0, "a zero-length line with round caps: the disc");
	CHECK(stroke_points(p, dot, 1, false, &st) == 0 && !painted(), "a lone move_to");
	for (int i = 0; i < 2; i++) {
		st.width = i ? -3 : 0;
		CHECK(stroke_points(p, v, 3, false, &st) == 0 && !painted(), "width %g", st.width);
	}
	double bad_values[] = { NAN, INFINITY };
	for (int i = 0; i < 2; i++) {
		st = FBK_STROKE_STYLE_INIT;
		st.width = bad_values[i];
		CHECK(stroke_points(p, v, 3, false, &st) == -EINVAL, "width %g", bad_values[i]);
		st = FBK_STROKE_STYLE_INIT;
		st.miter_limit = bad_values[i];
		CHECK(stroke_points(p, v, 3, false, &st) == -EINVAL, "miter limit %g", bad_values[i]);
	}
	st = FBK_STROKE_STYLE_INIT;
	st.size = 0;
	CHECK(stroke_points(p, v, 3, false, &st) == -EINVAL && !painted(), "size 0");
	st = FBK_STROKE_STYLE_INIT;
	st.cap = (enum fbk_line_cap)3;
	CHECK(stroke_points(p, v, 3, false, &st) == -EINVAL, "unknown cap");
	st = FBK_STROKE_STYLE_INIT;
	st.join = (enum fbk_line_join)-1;
	CHECK(stroke_points(p, v, 3, false, &st) == -EINVAL, "unknown join");
	st = FBK_STROKE_STYLE_INIT;
	CHECK(fbk_path_stroke(canvas, p, NULL, FBK_RGB(1, 2, 3)) == -EINVAL, "NULL style");
	CHECK(fbk_path_stroke(canvas, NULL, &st, FBK_RGB(1, 2, 3)) == -EINVAL, "NULL path");
	CHECK(fbk_path_stroke(NULL, p, &st, FBK_RGB(1, 2, 3)) == -EINVAL, "NULL surface");
	/* a square cap that reaches past the range */
	st.cap = FBK_CAP_SQUARE;
	st.width = 10;
	CHECK(stroke_points(p, (double[]){ 0, 5, FBK_SHAPE_COORD_MAX - 1, 5 }, 2, false, &st) ==
		      -ERANGE, "a cap beyond the range");
	/* a turn back and coincident points: no crash, the line covered */
	st = FBK_STROKE_STYLE_INIT;
	st.width = 4;
	double back[] = { 5, 20, 30, 20, 30, 20, 12, 20 };
	CHECK(stroke_points(p, back, 4, false, &st) == 0, "turn back: %s", fbk_last_error());
	CHECK(coverage_at(canvas, 20, 20) == 255 && coverage_at(canvas, 20, 17) == 0 &&
	      coverage_at(canvas, 31, 20) == 0, "a turn back with a miter join is beveled flat");
}

/*
 * The dashes of a pattern along a length L, the definition written out:
 * from -(offset mod period), entries in turn (an odd count twice over),
 * every even one a dash; each dash's [u0, u1] within [0, L] goes to
 * out[] (a dash of length 0 too). Returns how many.
 */
static int dash_intervals(const double *len, int n_len, double offset, double total,
			  double (*out)[2], int max)
{
	int n = n_len % 2 ? 2 * n_len : n_len, count = 0;
	double period = 0;
	for (int i = 0; i < n; i++)
		period += len[i % n_len];
	double pos = -(offset - floor(offset / period) * period);
	for (int i = 0; pos <= total && count < max; i = (i + 1) % n) {
		double e = len[i % n_len];
		if (i % 2 == 0 && pos + e >= 0) {
			out[count][0] = fmax(pos, 0);
			out[count][1] = fmin(pos + e, total);
			count++;
		}
		pos += e;
	}
	return count;
}

/* The pieces of polyline xy (n points, closed: a ring) under the dashes, into dash_segs. */
static void dash_pieces(const double *xy, int n, bool closed, const double *len, int n_len,
			double offset)
{
	int segs = closed ? n : n - 1;
	double total = 0;
	for (int i = 0; i < segs; i++) {
		const double *a = xy + 2 * i, *b = xy + 2 * ((i + 1) % n);
		total += hypot(b[0] - a[0], b[1] - a[1]);
	}
	double iv[256][2];
	int n_iv = dash_intervals(len, n_len, offset, total, iv, 256);
	n_dash_segs = 0;
	double s0 = 0;
	for (int i = 0; i < segs; i++) {
		const double *a = xy + 2 * i, *b = xy + 2 * ((i + 1) % n);
		double l = hypot(b[0] - a[0], b[1] - a[1]), s1 = s0 + l;
		for (int k = 0; k < n_iv && n_dash_segs < MAX_DASH_SEGS; k++) {
			double u0 = fmax(iv[k][0], s0), u1 = fmin(iv[k][1], s1);
			if (u0 > u1)
				continue;
			double t0 = (u0 - s0) / l, t1 = (u1 - s0) / l;
			double *seg = dash_segs[n_dash_segs++];
			seg[0] = a[0] + (b[0] - a[0]) * t0;
			seg[1] = a[1] + (b[1] - a[1]) * t0;
			seg[2] = a[0] + (b[0] - a[0]) * t1;
			seg[3] = a[1] + (b[1] - a[1]) * t1;
		}
		s0 = s1;
	}
}

/*
 * Dashed strokes against their definition: butt dashes of a horizontal
 * line against the exact rectangles (areas per pixel as products of
 * overlaps), round dashes of chart lines and rings against 256 x 256
 * samples of the capsules of the pieces the pattern leaves, a dash
 * through a closed contour's start joined there, styles sized before
 * dashes, and bad patterns.
 */
static void check_dashes(struct fbk_path *p)
{
	struct fbk_stroke_style st = FBK_STROKE_STYLE_INIT;
	static const struct {
		double len[4];
		int n;
		double offset;
	} patterns[] = {
		{ { 5, 2.5 }, 2, 1.2 },	      { { 4, 2, 1 }, 3, -3.3 }, { { 3, 0, 0, 2 }, 4, 0 },
		{ { 0.7, 1.9 }, 2, 1e6 + 0.3 }, { { 40, 3 }, 2, 2 },	  { { 2, 6.5, 0, 3 }, 4, 17.25 },
	};
	double worst = 0, iv[64][2];
	for (size_t k = 0; k < sizeof(patterns) / sizeof(patterns[0]); k++) {
		double x0 = 4.3, x1 = 35.6, y = 20.4, hw = 1.5 + 0.25 * (double)k;
		st.width = 2 * hw;
		st.cap = FBK_CAP_BUTT;
		st.dashes = patterns[k].len;
		st.n_dashes = (size_t)patterns[k].n;
		st.dash_offset = patterns[k].offset;
		CHECK(stroke_points(p, (double[]){ x0, y, x1, y }, 2, false, &st) == 0, "dashes: %s",
		      fbk_last_error());
		int n_iv = dash_intervals(patterns[k].len, patterns[k].n, patterns[k].offset, x1 - x0,
					  iv, 64);
		double err_max = 0;
		for (int py = 0; py < H; py++)
			for (int px = 0; px < W; px++) {
				double area = 0, oy = fmax(0, fmin(py + 1, y + hw) - fmax(py, y - hw));
				for (int i = 0; i < n_iv; i++)
					area += fmax(0, fmin(px + 1, x0 + iv[i][1]) -
								fmax(px, x0 + iv[i][0])) *
						oy;
				double err = fabs(coverage_at(canvas, px, py) - area * 255);
				err_max = fmax(err_max, err);
				CHECK(err <= 1.0, "butt dashes %zu: (%d, %d) %d, exact %.2f", k, px, py,
				      coverage_at(canvas, px, py), area * 255);
			}
		worst = fmax(worst, err_max);
	}

	/*
	 * Round dashes against the capsules of their pieces: straight lines
	 * at random angles (gaps wider than the line, so dashes stay apart:
	 * where they overlap, their edge pixels add up as fbk_path_fill's
	 * crossing contours do), a turn inside a dash, and a ring whose dashes
	 * run through its corners, the first through its start.
	 */
	st = FBK_STROKE_STYLE_INIT;
	st.cap = FBK_CAP_ROUND;
	st.join = FBK_JOIN_ROUND;
	rng_seed(33);
	for (int round = 0; round < 9; round++) {
		double xy[8], len[2];
		int n = 2;
		bool closed = false;
		st.width = frand(0.8, 3);
		double offset = frand(-20, 20);
		if (round < 6) {
			double angle = frand(0, 2 * M_PI);
			xy[0] = 20 - 15 * cos(angle), xy[1] = 20 - 15 * sin(angle);
			xy[2] = 20 + 15 * cos(angle), xy[3] = 20 + 15 * sin(angle);
			len[0] = round == 0 ? 0 : frand(0, 6);
			len[1] = st.width + frand(0.2, 4);
		} else if (round < 8) {
			memcpy(xy, (double[]){ 6, 8.5, 30.5, 8.5, 30.5, 33 }, 6 * sizeof(double));
			n = 3;
			len[0] = 12, len[1] = 5, offset = round == 6 ? 0 : 0.5;
		} else {
			memcpy(xy, (double[]){ 10.5, 10.5, 30.5, 10.5, 30.5, 30.5, 10.5, 30.5 },
			       sizeof(xy));
			n = 4;
			closed = true; /* corners at 0, 20, 40, 60: 2.5 into dashes, past hw tan 45 */
			st.width = 2.5;
			len[0] = 15, len[1] = 5, offset = 2.5;
		}
		st.dashes = len;
		st.n_dashes = 2;
		st.dash_offset = offset;
		CHECK(stroke_points(p, xy, n, closed, &st) == 0, "round dashes: %s", fbk_last_error());
		dash_pieces(xy, n, closed, len, 2, offset);
		char what[64];
		snprintf(what, sizeof(what), "round dashes %d", round);
		worst = fmax(worst, compare_sampled(xy, n, 0, st.width / 2, 2.0, what));
		n_dash_segs = 0;
	}

	/*
	 * A square ring from its corner (10, 10), miter joins: dashes of 50
	 * and gaps of 10, started 15 in, run through the start, which makes
	 * one dash with a miter there (the corner pixel (9, 9) whole);
	 * started 55 in, the start falls in a gap after a dash's butt end.
	 */
	double square[8] = { 10, 10, 30, 10, 30, 30, 10, 30 };
	st = FBK_STROKE_STYLE_INIT;
	st.width = 2;
	st.dashes = (double[]){ 50, 10 };
	st.n_dashes = 2;
	st.dash_offset = 15;
	CHECK(stroke_points(p, square, 4, true, &st) == 0, "square ring: %s", fbk_last_error());
	CHECK(coverage_at(canvas, 9, 9) == 255 && coverage_at(canvas, 30, 14) == 255 &&
	      coverage_at(canvas, 30, 28) == 0,
	      "a dash through a ring's start is joined there: corner %d, dash %d, gap %d",
	      coverage_at(canvas, 9, 9), coverage_at(canvas, 30, 14), coverage_at(canvas, 30, 28));
	st.dash_offset = 55;
	CHECK(stroke_points(p, square, 4, true, &st) == 0 && coverage_at(canvas, 9, 9) == 0 &&
	      coverage_at(canvas, 9, 10) == 255 && coverage_at(canvas, 12, 10) == 0,
	      "a ring's start in a gap: corner %d, end %d, gap %d", coverage_at(canvas, 9, 9),
	      coverage_at(canvas, 9, 10), coverage_at(canvas, 12, 10));
	printf("dashes: largest error %.3f/255 against exact rectangles and 256x256 samples\n", worst);

	/* a style sized before the dash fields strokes solid, whatever follows */
	double line[4] = { 5, 20, 35, 20 };
	st = FBK_STROKE_STYLE_INIT;
	st.width = 3;
	CHECK(stroke_points(p, line, 2, false, &st) == 0, "solid");
	int solid = painted();
	st.size = offsetof(struct fbk_stroke_style, dashes);
	st.dashes = (const double *)(uintptr_t)1;
	st.n_dashes = 7;
	CHECK(stroke_points(p, line, 2, false, &st) == 0 && painted() == solid,
	      "a style without dash fields: %s", fbk_last_error());

	/* bad patterns */
	st = FBK_STROKE_STYLE_INIT;
	st.dashes = (double[]){ 3, -1 };
	st.n_dashes = 2;
	CHECK(stroke_points(p, line, 2, false, &st) == -EINVAL && !painted(), "a negative dash");
	st.dashes = (double[]){ 0, 0, 0 };
	st.n_dashes = 3;
	CHECK(stroke_points(p, line, 2, false, &st) == -EINVAL, "dashes all 0");
	st.dashes = (double[]){ 2, NAN };
	st.n_dashes = 2;
	CHECK(stroke_points(p, line, 2, false, &st) == -EINVAL, "a NaN dash");
	st.dashes = (double[]){ 2, 1 };
	st.dash_offset = INFINITY;
	CHECK(stroke_points(p, line, 2, false, &st) == -EINVAL, "an infinite offset");
	st.dash_offset = 0;
	st.dashes = NULL;
	CHECK(stroke_points(p, line, 2, false, &st) == -EINVAL, "NULL dashes");
	static double many[FBK_STROKE_MAX_DASHES + 1];
	for (int i = 0; i <= FBK_STROKE_MAX_DASHES; i++)
		many[i] = 1;
	st.dashes = many;
	st.n_dashes = FBK_STROKE_MAX_DASHES + 1;
	CHECK(stroke_points(p, line, 2, false, &st) == -EINVAL, "too many dash entries");
	st.n_dashes = FBK_STROKE_MAX_DASHES;
	CHECK(stroke_points(p, line, 2, false, &st) == 0 && painted(), "the most dash entries");
	st.dashes = (double[]){ 1e-6, 1e-6 };
	st.n_dashes = 2;
	CHECK(stroke_points(p, line, 2, false, &st) == -EFBIG && !painted(),
	      "a pattern too fine for the line");
}

/*
 * Shapes up to 64 pixels wide and tall, the most fill_cells takes (its
 * bit per pixel of a row), against the band fill, which the reference
 * holds: random polygons and circles whose box ends on the 64th column
 * and row, or one past it, or is cut there by the clip. The two sum the
 * same cells, so every byte is the same.
 */
static void check_cells_limit(struct fbk_path *p)
{
	enum { S = 72 };
	struct fbk_surface *a, *b;
	if (fbk_surface_create(&a, S, S, FBK_FORMAT_XRGB8888) ||
	    fbk_surface_create(&b, S, S, FBK_FORMAT_XRGB8888)) {
		CHECK(0, "cells targets");
		return;
	}
	rng_seed(23);
	for (int round = 0; round < 60; round++) {
		double size = 62 + frand(0, 3), x0 = frand(0.5, 4), y0 = frand(0.5, 4);
		fbk_path_reset(p);
		if (round % 3 == 2) {
			fbk_path_circle(p, x0 + size / 2, y0 + size / 2, size / 2);
		} else {
			int n = rng_range(3, 30);
			fbk_path_move_to(p, x0, y0 + frand(0, size));
			fbk_path_line_to(p, x0 + size, y0 + frand(0, size));
			fbk_path_line_to(p, x0 + frand(0, size), y0 + size);
			fbk_path_line_to(p, x0 + frand(0, size), y0);
			for (int i = 3; i < n; i++)
				fbk_path_line_to(p, x0 + frand(0, size), y0 + frand(0, size));
		}
		if (round % 4 == 3)
			a->clip = b->clip = (struct fbk_rect){ (int32_t)x0 + 1, (int32_t)y0, 63, 64 };
		else
			a->clip = b->clip = (struct fbk_rect){ 0, 0, S, S };
		enum fbk_fill_rule rule = round % 2 ? FBK_FILL_EVEN_ODD : FBK_FILL_NONZERO;
		fbk_fill(a, NULL, FBK_RGB(0, 0, 0));
		fbk_fill(b, NULL, FBK_RGB(0, 0, 0));
		CHECK(fbk_path_fill(a, p, rule, FBK_RGB(255, 255, 255)) == 0, "cells fill");
		fbk_raster_cell_limit = 0;
		CHECK(fbk_path_fill(b, p, rule, FBK_RGB(255, 255, 255)) == 0, "band fill");
		fbk_raster_cell_limit = FBK_RASTER_CELL_LIMIT;
		int bad = 0, first = -1, full = 0;
		for (int y = 0; y < S; y++)
			for (int x = 0; x < S; x++) {
				full += coverage_at(b, x, y) == 255;
				/* the same sums in the same cells: the same bytes */
				if (coverage_at(a, x, y) != coverage_at(b, x, y)) {
					bad++;
					if (first < 0)
						first = y * S + x;
				}
			}
		CHECK(full > 0, "round %d: the band fill covered no pixel", round);
		CHECK(bad == 0, "round %d (%s, %.2f px): %d pixels differ from the band fill, first "
		      "(%d, %d): %d, not %d", round, round % 3 == 2 ? "circle" : "polygon", size, bad,
		      first % S, first / S, bad ? coverage_at(a, first % S, first / S) : 0,
		      bad ? coverage_at(b, first % S, first / S) : 0);
	}
	fbk_surface_destroy(a);
	fbk_surface_destroy(b);
}

/* Fill p on s again as tiles of t x t pixels (each through fill_cells when t <= 64), s's clip left whole. */
static void fill_as_tiles(struct fbk_surface *s, const struct fbk_path *p, enum fbk_fill_rule rule,
			  struct fbk_color color, int t)
{
	for (int ty = 0; ty < s->height; ty += t)
		for (int tx = 0; tx < s->width; tx += t) {
			s->clip = (struct fbk_rect){ tx, ty, s->width - tx < t ? s->width - tx : t,
						     s->height - ty < t ? s->height - ty : t };
			CHECK(fbk_path_fill(s, p, rule, color) == 0, "tile fill");
		}
	s->clip = (struct fbk_rect){ 0, 0, s->width, s->height };
}

/*
 * Shapes larger than the cells' limit go through the band fill
 * (fill_bands in raster.c): many bands of rows, rows of several 64-pixel
 * words, edges that cross bands, rows of vertical sides painted again
 * (rounded rectangles, frames with holes, rectangles that start and end
 * on whole rows), lines from a vertex a million pixels away. Each is
 * held to the same shape drawn again as 64 x 64 tiles, each tile clipped
 * so that fill_cells draws it: every pixel the same within the last bit
 * of rounding (a tile's first column sums what lies left of it in one
 * step, the band fill pixel by pixel). Opaque white on black, so a
 * pixel's byte is its coverage.
 */
static void check_bands_tiles(struct fbk_path *p)
{
	enum { TW = 300, TH = 230, T = 64 };
	struct fbk_surface *a, *b;
	if (fbk_surface_create(&a, TW, TH, FBK_FORMAT_XRGB8888) ||
	    fbk_surface_create(&b, TW, TH, FBK_FORMAT_XRGB8888)) {
		CHECK(0, "band targets");
		return;
	}
	rng_seed(31);
	for (int round = 0; round < 48; round++) {
		double x0 = frand(-20, 40), y0 = frand(-20, 40), w = frand(70, TW - 10 - x0);
		double h = frand(70, TH - 10 - y0);
		fbk_path_reset(p);
		const char *what;
		if (round % 4 == 0) {
			what = "circle";
			fbk_path_circle(p, x0 + w / 2, y0 + h / 2, fmin(w, h) / 2);
		} else if (round % 4 == 1) {
			what = "rounded rectangle with a hole";
			double radii[4] = { frand(0, 30), frand(0, 30), frand(0, 30), frand(0, 30) };
			fbk_path_rounded_rect(p, x0, y0, w, h, radii);
			/* wound back: a hole under both rules */
			double hx = x0 + frand(5, w / 3), hy = y0 + frand(5, h / 3);
			fbk_path_move_to(p, hx, hy);
			fbk_path_line_to(p, hx, hy + h / 2);
			fbk_path_line_to(p, hx + w / 2, hy + h / 2);
			fbk_path_line_to(p, hx + w / 2, hy);
			fbk_path_close(p);
		} else if (round % 4 == 3) {
			/*
			 * rectangles whose sides start and end on whole rows: the
			 * rows where one starts or ends hold only whole vertical
			 * lines too, but are not the row above again
			 */
			what = "rectangles on whole rows";
			for (int i = 0; i < 3; i++) {
				double top = floor(frand(y0, y0 + h / 2)), bottom = floor(frand(top + 1, y0 + h));
				double left = frand(x0, x0 + w / 2);
				fbk_path_rect(p, left, top, frand(1, x0 + w - left), bottom - top);
			}
		} else {
			what = round % 8 == 6 ? "polygon with a vertex 1e6 px away" : "polygon";
			int n = rng_range(3, 40);
			if (round % 8 == 6) /* lines from far outside across the bands */
				fbk_path_move_to(p, frand(-1e6, 1e6), round % 16 == 6 ? -1e6 : 1e6);
			else
				fbk_path_move_to(p, x0 + frand(0, w), y0 + frand(0, h));
			for (int i = 1; i < n; i++)
				fbk_path_line_to(p, x0 + frand(0, w), y0 + frand(0, h));
		}
		enum fbk_fill_rule rule = round % 2 ? FBK_FILL_EVEN_ODD : FBK_FILL_NONZERO;
		a->clip = b->clip = (struct fbk_rect){ 0, 0, TW, TH };
		fbk_fill(a, NULL, FBK_RGB(0, 0, 0));
		fbk_fill(b, NULL, FBK_RGB(0, 0, 0));
		CHECK(fbk_path_fill(a, p, rule, FBK_RGB(255, 255, 255)) == 0, "band fill");
		fill_as_tiles(b, p, rule, FBK_RGB(255, 255, 255), T);
		int bad = 0, first = -1, full = 0;
		for (int y = 0; y < TH; y++)
			for (int x = 0; x < TW; x++) {
				full += coverage_at(a, x, y) == 255;
				int d = coverage_at(a, x, y) - coverage_at(b, x, y);
				if (d < -1 || d > 1) {
					bad++;
					if (first < 0)
						first = y * TW + x;
				}
			}
		CHECK(full > 0, "round %d: the band fill covered no pixel", round);
		CHECK(bad == 0, "round %d (%s, %.1f x %.1f px): %d pixels differ from the tiles, first "
		      "(%d, %d): %d, not %d", round, what, w, h, bad, first % TW, first / TW,
		      bad ? coverage_at(a, first % TW, first / TW) : 0,
		      bad ? coverage_at(b, first % TW, first / TW) : 0);
	}
	fbk_surface_destroy(a);
	fbk_surface_destroy(b);
}

/*
 * Fixed shapes through the band fill against the same shapes as 64 px
 * tiles (fill_cells), byte for byte on XRGB8888 under 0xff bytes, X
 * included: a translucent rounded rectangle whose straight sides' rows
 * are painted as one edge-run-edge call per band (the pixels of no
 * coverage in their spans must lose X as every other row's do), and
 * rectangles whose sides end exactly on a band's first row (what one
 * band's last row hands the next).
 */
static void check_band_bytes(struct fbk_path *p)
{
	enum { TW = 240, TH = 150, T = 64 };
	struct fbk_surface *a, *b;
	if (fbk_surface_create(&a, TW, TH, FBK_FORMAT_XRGB8888) ||
	    fbk_surface_create(&b, TW, TH, FBK_FORMAT_XRGB8888)) {
		CHECK(0, "band byte targets");
		return;
	}
	for (int round = 0; round < 6; round++) {
		fbk_path_reset(p);
		const char *what;
		struct fbk_color color = FBK_RGBA(200, 100, 50, 128);
		if (round < 3) {
			what = "rounded rectangle";
			double r = 6 + 4 * round;
			fbk_path_rounded_rect(p, 10 + 0.3 * round, 10, 150, 60 + 20 * round,
					      (double[]){ r, r, r, r });
		} else {
			/* the fill's first row is 3: bands start on rows 3, 19, 35... */
			what = "rectangles ending on a band's first row";
			fbk_path_rect(p, 10.5, 3, 30, 16 * (round - 2));
			fbk_path_rect(p, 60.5, 3, 139.8, 117);
			if (round == 5)
				color.a = 255;
		}
		for (int i = 0; i < 2; i++) {
			struct fbk_surface *s = i ? b : a;
			s->clip = (struct fbk_rect){ 0, 0, TW, TH };
			memset(s->pixels, 0xff, (size_t)s->stride * TH);
		}
		CHECK(fbk_path_fill(a, p, FBK_FILL_NONZERO, color) == 0, "band fill");
		fill_as_tiles(b, p, FBK_FILL_NONZERO, color, T);
		/*
		 * a tile of a lone rectangle is fill_box's, which leaves the X of
		 * pixels of no coverage alone: the rectangles' rounds compare
		 * colours
		 */
		size_t bytes = round < 3 ? 4 : 3;
		int bad = 0, first = -1;
		for (int y = 0; y < TH; y++)
			for (int x = 0; x < TW; x++)
				if (memcmp(fbk_surface_pixel(a, x, y), fbk_surface_pixel(b, x, y), bytes)) {
					if (first < 0)
						first = y * TW + x;
					bad++;
				}
		uint32_t got = 0, want = 0;
		if (bad) {
			memcpy(&got, fbk_surface_pixel(a, first % TW, first / TW), 4);
			memcpy(&want, fbk_surface_pixel(b, first % TW, first / TW), 4);
		}
		CHECK(bad == 0, "round %d (%s): %d pixels' bytes differ from the tiles', first (%d, %d): "
		      "%08x, not %08x", round, what, bad, first % TW, first / TW, got, want);
	}
	fbk_surface_destroy(a);
	fbk_surface_destroy(b);
}

/*
 * Translucent rounded rectangles and circles accumulated whole (wider
 * than the one-box size), whose rows of straight sides fill_cells
 * paints a group at a time (paint_edge_run_rows: one edge-run-edge kernel
 * call on XRGB8888): in every format with a random background, each
 * pixel against fbk_over_pixel with the coverage the same shape leaves
 * in opaque white on black, which is painted row by row.
 */
static void check_cell_sides(struct fbk_path *p)
{
	enum { S = 72 };
	struct fbk_surface *cover;
	if (fbk_surface_create(&cover, S, S, FBK_FORMAT_XRGB8888)) {
		CHECK(0, "coverage target");
		return;
	}
	rng_seed(31);
	for (size_t f = 0; fbk_format_at(f); f++) {
		uint32_t format = fbk_format_at(f)->fourcc;
		for (int round = 0; round < 24; round++) {
			double x = frand(0.5, 6), y = frand(0.5, 6), w = frand(17, 62), h = frand(4, 62);
			double r = frand(0, 8);
			fbk_path_reset(p);
			if (round % 4 == 3)
				fbk_path_circle(p, x + w / 2, y + w / 2, w / 2);
			else
				fbk_path_rounded_rect(p, x, y, w, h, (double[]){ r, r, r, r });
			struct guarded g;
			struct fbk_color *before =
				guarded_with_copy(&g, S, 4 * (size_t)(round % 3), format);
			if (!before) {
				CHECK(0, "sides target");
				break;
			}
			struct fbk_color color = rng_color();
			color.a = (uint8_t)(color.a % 254 + 1);
			fbk_fill(cover, NULL, FBK_RGB(0, 0, 0));
			CHECK(fbk_path_fill(cover, p, FBK_FILL_NONZERO, FBK_RGB(255, 255, 255)) == 0,
			      "coverage fill");
			CHECK(fbk_path_fill(&g.surface, p, FBK_FILL_NONZERO, color) == 0, "sides fill");
			int bad = 0;
			for (int yy = 0; yy < S; yy++)
				for (int xx = 0; xx < S; xx++) {
					uint32_t m = (uint32_t)coverage_at(cover, xx, yy);
					struct fbk_color want =
						over_expected(format, before[yy * S + xx], color, m);
					if (!color_equal(pixel_at(&g.surface, xx, yy), want) && bad++ == 0)
						fprintf(stderr, "  (%d, %d) coverage %u\n", xx, yy, m);
				}
			CHECK(bad == 0, "%s round %d (%s %.2f x %.2f): %d pixels differ",
			      fbk_format_at(f)->name, round, round % 4 == 3 ? "circle" : "rounded rect",
			      w, h, bad);
			CHECK(guarded_intact(&g), "%s round %d: wrote outside", fbk_format_at(f)->name,
			      round);
			free(before);
			guarded_finish(&g);
		}
	}
	fbk_surface_destroy(cover);
}

/* An edge's ends in pixels: (x, y) at its top and at its bottom. */
static void edge_ends(const struct fbk_raster_edge *e, double *xy)
{
	xy[0] = e->x0;
	xy[1] = (double)e->y0 / FBK_RASTER_ONE;
	xy[2] = e->x1;
	xy[3] = (double)e->y1 / FBK_RASTER_ONE;
}

/* How far r's lines stray from a circle: those with an end near its centre left out. */
static double circle_error(const struct fbk_raster *r, double cx, double cy, double rad)
{
	double worst = 0;
	for (size_t k = 0; k < r->count; k++) {
		double xy[4];
		edge_ends(&r->edges[k], xy);
		double mid_x = (xy[0] + xy[2]) / 2, mid_y = (xy[1] + xy[3]) / 2;
		double d0 = hypot(xy[0] - cx, xy[1] - cy), d1 = hypot(xy[2] - cx, xy[3] - cy);
		if (d0 < rad / 2 || d1 < rad / 2)
			continue;
		worst = fmax(worst, fabs(d0 - rad));
		worst = fmax(worst, fabs(d1 - rad));
		worst = fmax(worst, fabs(hypot(mid_x - cx, mid_y - cy) - rad));
	}
	return worst;
}

/*
 * Arcs flatten to as few lines as the tolerance needs and no more
 * tolerance than that: a circle's lines (its points moved out by half
 * the sagitta) stay within FBK_SHAPE_TOLERANCE of it, plus the 22.10
 * rounding, and are as many as a sagitta of twice the tolerance needs;
 * a part of a circle (a pie's) may take one line more, for its ends
 * (never a radial line from each end to the moved points); an
 * ellipse's chords stay within the tolerance of the arc between their
 * ends, and number at most what its larger radius's bound asks for.
 */
/*
 * A path 5 points short of fbk_path's limit (2^24 points) still takes a
 * rectangle, which adds 5, and then is full: fbk_path_rounded_rect makes
 * room for what it adds, not for a rounded rectangle's 33 points. About
 * 270 MB and half a second.
 */
static void check_rect_at_limit(void)
{
	const size_t max = (size_t)1 << 24;
	struct fbk_path *big;
	if (fbk_path_create(&big)) {
		CHECK(0, "path: %s", fbk_last_error());
		return;
	}
	int err = fbk_path_move_to(big, 0, 0);
	for (size_t n = 1; n + 5 < max && !err; n++)
		err = fbk_path_line_to(big, (double)(n & 1023), (double)(n >> 10 & 1023));
	CHECK(err == 0, "a path of 2^24 - 5 points: %s", fbk_last_error());
	if (!err) {
		err = fbk_path_rect(big, 1, 1, 5, 5);
		CHECK(err == 0, "a rectangle's 5 points to 2^24: %d", err);
		CHECK(fbk_path_rect(big, 1, 1, 5, 5) == -EFBIG, "5 more points past 2^24");
		CHECK(fbk_path_rounded_rect(big, 1, 1, 5, 5, (double[]){ 1, 0, 0, 0 }) == -EFBIG,
		      "a rounded rectangle past 2^24");
	}
	fbk_path_destroy(big);
}

/*
 * fbk_path_rounded_rect builds its contour itself: the lines it
 * flattens to are those of the same contour through fbk_path_move_to,
 * fbk_path_line_to, fbk_path_arc and fbk_path_close, with random radii
 * per corner (some 0, some shrunk by the CSS rule) and transforms, after
 * other contours in the same path.
 */
static void check_rounded_path(struct fbk_path *p)
{
	struct fbk_path *q;
	if (fbk_path_create(&q)) {
		CHECK(0, "second path");
		return;
	}
	struct fbk_rect clip = { -200, -200, 600, 600 };
	rng_seed(41);
	for (int round = 0; round < 400; round++) {
		double x = frand(-20, 60), y = frand(-20, 60), w = frand(0.1, 80), h = frand(0.1, 80);
		double r[4];
		for (int i = 0; i < 4; i++)
			r[i] = rng_next() % 4 == 0 ? 0 : frand(0, 50);
		struct fbk_transform t = FBK_TRANSFORM_IDENTITY;
		if (round % 3 == 1)
			t = (struct fbk_transform){ frand(-2, 2), frand(-2, 2), frand(-2, 2),
						    frand(-2, 2), frand(-9, 9), frand(-9, 9) };
		fbk_path_reset(p);
		fbk_path_reset(q);
		if (round % 2) {
			fbk_path_circle(p, 5, 5, 3);
			fbk_path_circle(q, 5, 5, 3);
		}
		fbk_path_set_transform(p, &t);
		fbk_path_set_transform(q, &t);
		CHECK(fbk_path_rounded_rect(p, x, y, w, h, r) == 0, "rounded rect: %s", fbk_last_error());
		/* the radii as the CSS rule leaves them */
		double f = 1, sums[4] = { r[0] + r[1], r[2] + r[3], r[0] + r[3], r[1] + r[2] };
		double sides[4] = { w, w, h, h };
		for (int i = 0; i < 4; i++)
			if (sums[i] > sides[i] * f && sums[i] > 0)
				f = sides[i] / sums[i];
		for (int i = 0; i < 4; i++)
			r[i] *= f;
		fbk_path_move_to(q, x + r[0], y);
		fbk_path_line_to(q, x + w - r[1], y);
		if (r[1] > 0)
			fbk_path_arc(q, x + w - r[1], y + r[1], r[1], -M_PI / 2, 0);
		fbk_path_line_to(q, x + w, y + h - r[2]);
		if (r[2] > 0)
			fbk_path_arc(q, x + w - r[2], y + h - r[2], r[2], 0, M_PI / 2);
		fbk_path_line_to(q, x + r[3], y + h);
		if (r[3] > 0)
			fbk_path_arc(q, x + r[3], y + h - r[3], r[3], M_PI / 2, M_PI);
		fbk_path_line_to(q, x, y + r[0]);
		if (r[0] > 0)
			fbk_path_arc(q, x + r[0], y + r[0], r[0], M_PI, 1.5 * M_PI);
		fbk_path_close(q);
		struct fbk_raster a, b;
		fbk_raster_init(&a, &clip);
		fbk_path_flatten(p, &a);
		fbk_raster_init(&b, &clip);
		fbk_path_flatten(q, &b);
		bool same = a.count == b.count && a.count > 0;
		for (size_t i = 0; same && i < a.count; i++) {
			const struct fbk_raster_edge *ea = &a.edges[i], *eb = &b.edges[i];
			same = ea->y0 == eb->y0 && ea->y1 == eb->y1 && ea->x0 == eb->x0 &&
			       ea->x1 == eb->x1 && ea->dir == eb->dir;
		}
		CHECK(same, "round %d: rounded rect %.2f x %.2f, radii %.2f %.2f %.2f %.2f: %zu lines, "
		      "%zu through the path calls", round, w, h, r[0], r[1], r[2], r[3], a.count,
		      b.count);
		fbk_raster_finish(&a);
		fbk_raster_finish(&b);
	}
	/* a corner out of range fails with the path as it was */
	fbk_path_reset(p);
	fbk_path_circle(p, 5, 5, 3);
	struct fbk_raster a, b;
	fbk_raster_init(&a, &clip);
	fbk_path_flatten(p, &a);
	CHECK(fbk_path_rounded_rect(p, 0, 0, 3 * FBK_SHAPE_COORD_MAX, 10,
				    (double[]){ 1, 1, 1, 1 }) == -ERANGE, "a rounded rect out of range");
	fbk_raster_init(&b, &clip);
	fbk_path_flatten(p, &b);
	CHECK(a.count == b.count, "a failed rounded rect left %zu lines, not %zu", b.count, a.count);
	fbk_raster_finish(&a);
	fbk_raster_finish(&b);
	fbk_path_destroy(q);
}

/* The lines of a circle of radius r at (cx, cy) through t, added to a fresh r_out. */
static void flatten_circle(struct fbk_path *p, const struct fbk_transform *t, double cx, double cy,
			   double rad, struct fbk_raster *out)
{
	struct fbk_rect clip = { -1000, -1000, 3000, 3000 };
	fbk_path_reset(p);
	fbk_path_set_transform(p, t);
	fbk_path_circle(p, cx, cy, rad);
	fbk_path_set_transform(p, NULL);
	fbk_raster_init(out, &clip);
	fbk_path_flatten(p, out);
}

/*
 * Fills keep what an arc's size and step worked out from one call to
 * the next (flatten in path.c): an arc must flatten to the same lines
 * whatever was flattened before it, here a circle and an ellipse whose
 * axes have the same lengths but not the same angle (a shear), after
 * each other and after an unrelated ellipse.
 */
static void check_kept_arcs(struct fbk_path *p)
{
	/* axes (3, 4) r and (4, 3) r: as long as a circle's of 5 r, exactly, but not square */
	const struct fbk_transform scale = { 5, 0, 0, 5, 0, 0 }, shear = { 3, 4, 4, 3, 0, 0 };
	const struct fbk_transform other = { 1.7, 0, 0, 0.4, 0, 0 };
	const struct fbk_transform *shapes[2] = { &scale, &shear };
	for (int round = 0; round < 8; round++) {
		double rad = 0.25 + round * 0.75;
		for (int k = 0; k < 2; k++) {
			struct fbk_raster a, b, before;
			flatten_circle(p, &other, 40, 40, rad + 1, &before);
			fbk_raster_finish(&before);
			flatten_circle(p, shapes[k], 50, 50, rad, &a);
			flatten_circle(p, &other, 40, 40, rad + 1, &before);
			fbk_raster_finish(&before);
			flatten_circle(p, shapes[1 - k], 50, 50, rad, &before);
			fbk_raster_finish(&before);
			flatten_circle(p, shapes[k], 50, 50, rad, &b);
			bool same = a.count == b.count;
			for (size_t i = 0; same && i < a.count; i++) {
				const struct fbk_raster_edge *ea = &a.edges[i], *eb = &b.edges[i];
				same = ea->y0 == eb->y0 && ea->y1 == eb->y1 && ea->x0 == eb->x0 &&
				       ea->x1 == eb->x1 && ea->dir == eb->dir;
			}
			CHECK(same, "radius %.2f, %s: %zu lines after another shape, %zu after the %s",
			      rad, k ? "sheared" : "circle", a.count, b.count, k ? "circle" : "sheared");
			fbk_raster_finish(&a);
			fbk_raster_finish(&b);
		}
	}
}

/*
 * A stroke's round join, cap or circle flattens to chords of the circle
 * of half the width round the vertex: every chord within the tolerance
 * of it (plus the 22.10 rounding), the first starting on the outer
 * corner of the segment before, the last ending on that of the segment
 * after, no more chords than the tolerance needs (a step the sagitta of
 * twice the tolerance allows, at most a radian, and two shorter end
 * steps), and no part of the arc skipped: the chords' turns add up to the
 * join's (within the 22.10 rounding of their ends). Widths from under a
 * pixel to 300 px, turns near none, a quarter and near a half turn, both
 * ways.
 */
static void check_round_joins(struct fbk_path *p)
{
	const struct fbk_rect clip = { 0, 0, 4096, 4096 };
	const double tol = FBK_SHAPE_TOLERANCE, slack = 1.5 / FBK_RASTER_ONE;
	static const double widths[] = { 0.7, 2, 2.5, 6, 17, 64, 300 };
	static const double turns[] = { 2e-6, 0.01, 0.3, M_PI / 2, 2, 3, M_PI - 1e-6 };
	const double vx = 2000.37, vy = 2000.71, len = 1000;
	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
		double hw = widths[w] / 2;
		double theta = fmin(1, sqrt(8 * tol / (hw / 2)));
		for (size_t t = 0; t < sizeof(turns) / sizeof(turns[0]); t++) {
			for (int way = -1; way <= 1; way += 2) {
				double a0 = 0.4 + w, turn = way * turns[t];
				double d1x = cos(a0), d1y = sin(a0);
				double d2x = cos(a0 + turn), d2y = sin(a0 + turn);
				double xy[6] = { vx - len * d1x, vy - len * d1y, vx, vy,
						 vx + len * d2x, vy + len * d2y };
				fbk_path_reset(p);
				if (fbk_polyline_outline(p, xy, 3, 0, 2 * hw)) {
					CHECK(0, "outline: %s", fbk_last_error());
					continue;
				}
				struct fbk_raster r;
				fbk_raster_init(&r, &clip);
				fbk_path_flatten(p, &r);
				/* the outer corners: the outline turns left, its outer side is right of it */
				double side = turn > 0 ? -1 : 1;
				double c1x = vx - side * d1y * hw, c1y = vy + side * d1x * hw;
				double c2x = vx - side * d2y * hw, c2y = vy + side * d2x * hw;
				double worst = 0, swept = 0;
				size_t chords = 0;
				bool from = false, to = false;
				for (size_t k = 0; k < r.count; k++) {
					double e[4];
					edge_ends(&r.edges[k], e);
					double d0 = hypot(e[0] - vx, e[1] - vy), d1 = hypot(e[2] - vx, e[3] - vy);
					/* the join's chords: both ends on its circle, not along a segment */
					if (fabs(d0 - hw) > hw / 4 || fabs(d1 - hw) > hw / 4)
						continue;
					double mx = (e[0] + e[2]) / 2, my = (e[1] + e[3]) / 2;
					worst = fmax(worst, fabs(d0 - hw));
					worst = fmax(worst, fabs(d1 - hw));
					worst = fmax(worst, fabs(hypot(mx - vx, my - vy) - hw));
					double a = atan2(e[1] - vy, e[0] - vx), b = atan2(e[3] - vy, e[2] - vx);
					swept += fabs(remainder(b - a, 2 * M_PI));
					chords++;
					for (int end = 0; end < 4; end += 2) {
						from |= hypot(e[end] - c1x, e[end + 1] - c1y) <= slack;
						to |= hypot(e[end] - c2x, e[end + 1] - c2y) <= slack;
					}
				}
				fbk_raster_finish(&r);
				double sweep = fabs(turn);
				/* a whole step and two of END_STEP (0.8) each; horizontal chords are not lines */
				double need = fmax(2, ceil(sweep / theta - 1.6 - 1e-9) + 2);
				const char *what = way > 0 ? "left" : "right";
				CHECK(worst <= tol + slack, "width %g, turn %s %g: a chord strays %.5f px from "
				      "the join's circle (tolerance %.5f)", 2 * hw, what, sweep, worst, tol);
				CHECK(chords <= need, "width %g, turn %s %g: %zu chords, where %.0f are "
				      "enough", 2 * hw, what, sweep, chords, need);
				CHECK(sweep < 0.1 || (from && to), "width %g, turn %s %g: the arc does not "
				      "%s on the segment's corner", 2 * hw, what, sweep, from ? "end" : "start");
				/* horizontal chords are left out: at most two of them, each a step */
				double rounding = 2 * (double)chords * slack / hw + 1e-9;
				CHECK(swept <= sweep + rounding && swept >= sweep - 2 * theta - rounding,
				      "width %g, turn %s %g: the chords turn by %.6f", 2 * hw, what, sweep,
				      swept);
			}
		}
	}
}

/*
 * An outline with a round join, stroked itself (its arc flattened as a
 * curve, not into the rasterizer): a thin line along the join's outer arc
 * through its middle, none across the inside of the turn.
 */
static void check_stroked_outline(struct fbk_path *p)
{
	/* a right turn at (20, 20) of a 24 px line: the outer arc from (20, 8) to (32, 20) */
	const double xy[] = { -40, 20, 20, 20, 20, 80 };
	fbk_path_reset(p);
	if (fbk_polyline_outline(p, xy, 3, 0, 24)) {
		CHECK(0, "outline: %s", fbk_last_error());
		return;
	}
	struct fbk_stroke_style st = FBK_STROKE_STYLE_INIT;
	st.width = 1;
	st.join = FBK_JOIN_ROUND;
	clear_canvas();
	CHECK(fbk_path_stroke(canvas, p, &st, FBK_RGB(255, 255, 255)) == 0, "stroke: %s",
	      fbk_last_error());
	/* the arc's middle, (20, 20) + 12 (0.71, -0.71), and that point mirrored inside the turn */
	CHECK(coverage_at(canvas, 28, 11) >= 128, "the stroked join's arc: coverage %d at its middle",
	      coverage_at(canvas, 28, 11));
	CHECK(coverage_at(canvas, 11, 28) == 0, "the stroked join's arc: coverage %d inside the turn",
	      coverage_at(canvas, 11, 28));
}

static void check_flattening(struct fbk_path *p)
{
	const struct fbk_rect clip = { 0, 0, 4096, 4096 };
	const double tol = FBK_SHAPE_TOLERANCE, slack = 1.5 / FBK_RASTER_ONE;
	const double cx = 2000.37, cy = 2000.71;
	static const double radii[] = { 0.3, 1, 2.5, 4, 7.3, 16, 50, 200, 1000 };
	struct fbk_raster r;
	for (size_t i = 0; i < sizeof(radii) / sizeof(radii[0]); i++) {
		double rad = radii[i];
		fbk_path_reset(p);
		fbk_path_circle(p, cx, cy, rad);
		fbk_raster_init(&r, &clip);
		fbk_path_flatten(p, &r);
		/* a circle's lines may fall short by twice the tolerance: see flatten_arc */
		double step = 2 * acos(1 - 2 * tol / rad);
		double need = rad > tol ? ceil(2 * M_PI / step) : 1;
		if (need < 7)
			need = 7; /* a step per radian at most */
		CHECK(r.count <= need, "circle r %g: %zu lines, where %.0f are enough", rad, r.count,
		      need);
		CHECK(circle_error(&r, cx, cy, rad) <= tol + slack, "circle r %g: a line strays %.5f "
		      "px from it (tolerance %.5f)", rad, circle_error(&r, cx, cy, rad), tol);
		fbk_raster_finish(&r);
		/* pies: two radii and the arc, which starts and ends on the circle */
		for (int j = 0; j < 3; j++) {
			double a0 = 0.3 + j, sweep = (j + 1) * 1.3 - 0.2;
			fbk_path_reset(p);
			fbk_path_move_to(p, cx, cy);
			fbk_path_arc(p, cx, cy, rad, a0, a0 + sweep);
			fbk_path_close(p);
			fbk_raster_init(&r, &clip);
			fbk_path_flatten(p, &r);
			double arc = fmax(ceil(sweep), rad > tol ? ceil(sweep / step) : 1) + 1;
			CHECK(r.count <= arc + 2, "pie r %g, %.1f rad: %zu lines, where %.0f and two "
			      "radii are enough", rad, sweep, r.count, arc);
			CHECK(circle_error(&r, cx, cy, rad) <= tol + slack, "pie r %g, %.1f rad: a line "
			      "strays %.5f px from the circle (tolerance %.5f)", rad, sweep,
			      circle_error(&r, cx, cy, rad), tol);
			fbk_raster_finish(&r);
		}
	}
	static const double ellipses[][2] = { { 10, 5 }, { 3, 40 }, { 300, 120 }, { 1.5, 0.4 } };
	for (size_t i = 0; i < sizeof(ellipses) / sizeof(ellipses[0]); i++) {
		double rx = ellipses[i][0], ry = ellipses[i][1], big = fmax(rx, ry);
		fbk_path_reset(p);
		fbk_path_ellipse(p, cx, cy, rx, ry);
		fbk_raster_init(&r, &clip);
		fbk_path_flatten(p, &r);
		double need = fmax(7, ceil(2 * M_PI * sqrt(big / (8 * tol))));
		CHECK(r.count <= need + 1, "ellipse %g x %g: %zu lines, where %.0f are enough", rx,
		      ry, r.count, need);
		double worst = 0;
		for (size_t k = 0; k < r.count; k++) {
			double xy[4];
			edge_ends(&r.edges[k], xy);
			double a0 = atan2((xy[1] - cy) / ry, (xy[0] - cx) / rx);
			double a1 = atan2((xy[3] - cy) / ry, (xy[2] - cx) / rx);
			if (a1 - a0 > M_PI)
				a1 -= 2 * M_PI;
			if (a0 - a1 > M_PI)
				a1 += 2 * M_PI;
			/* the arc between the chord's ends, against the chord's line */
			double dx = xy[2] - xy[0], dy = xy[3] - xy[1], len = hypot(dx, dy);
			for (int j = 1; j < 32 && len > 0; j++) {
				double a = a0 + (a1 - a0) * j / 32;
				double px = cx + rx * cos(a) - xy[0], py = cy + ry * sin(a) - xy[1];
				worst = fmax(worst, fabs(px * dy - py * dx) / len);
			}
		}
		CHECK(worst <= tol + slack, "ellipse %g x %g: the arc strays %.5f px from a chord "
		      "(tolerance %.5f)", rx, ry, worst, tol);
		fbk_raster_finish(&r);
	}
	/*
	 * Flattening keeps what one arc worked out for the next (the corners
	 * of a rounded rectangle share it): arcs of other shapes in the same
	 * path, some of the same width or height, take the lines each takes
	 * alone.
	 */
	static const double shapes[][2] = { { 10, 10 }, { 10, 5 }, { 5, 10 }, { 2.5, 2.5 },
					    { 10, 10 }, { 5, 10 } };
	size_t n_shapes = sizeof(shapes) / sizeof(shapes[0]), alone = 0;
	for (size_t i = 0; i < n_shapes; i++) {
		fbk_path_reset(p);
		fbk_path_ellipse(p, cx, cy, shapes[i][0], shapes[i][1]);
		fbk_raster_init(&r, &clip);
		fbk_path_flatten(p, &r);
		alone += r.count;
		fbk_raster_finish(&r);
	}
	fbk_path_reset(p);
	for (size_t i = 0; i < n_shapes; i++)
		fbk_path_ellipse(p, cx, cy, shapes[i][0], shapes[i][1]);
	fbk_raster_init(&r, &clip);
	fbk_path_flatten(p, &r);
	CHECK(r.count == alone, "%zu ellipses in one path: %zu lines, %zu when each is alone",
	      n_shapes, r.count, alone);
	fbk_raster_finish(&r);
}

int main(void)
{
	struct fbk_path *p;
	if (fbk_surface_create(&canvas, W, H, FBK_FORMAT_XRGB8888) || fbk_path_create(&p))
		return 1;
	check_flattening(p);
	check_kept_arcs(p);
	check_round_joins(p);
	check_stroked_outline(p);
	check_rounded_path(p);
	check_rect_at_limit();
	check_polygons(p);
	check_curves(p);
	/*
	 * Shapes this small are accumulated whole (fill_cells in raster.c);
	 * the band fill that larger ones take is held to the same
	 * references, seams and translations.
	 */
	fbk_raster_cell_limit = 0;
	check_polygons(p);
	check_curves(p);
	check_seams(p);
	check_invariance(p);
	check_degenerate(p); /* degenerate input through the band fill too */
	fbk_raster_cell_limit = FBK_RASTER_CELL_LIMIT;
	check_cells_limit(p);
	check_cell_sides(p);
	check_bands_tiles(p);
	check_band_bytes(p);
	check_formats(p);
	/*
	 * and the band fill in every format: its rows of vertical sides are
	 * painted a box of rows at a time (paint_steady), with the box
	 * kernels where a format has them
	 */
	fbk_raster_cell_limit = 0;
	check_formats(p);
	fbk_raster_cell_limit = FBK_RASTER_CELL_LIMIT;
	/* strokes through the same kernels: every format, clips, sub-surfaces, guards */
	struct fbk_stroke_style st = FBK_STROKE_STYLE_INIT;
	st.width = 2.5;
	st.cap = FBK_CAP_ROUND;
	format_stroke = &st;
	check_formats(p);
	format_stroke = NULL;
	check_wide(p);
	check_steady(p);
	check_small_rects(p);
	check_seams(p);
	check_invariance(p);
	check_degenerate(p);
	check_polylines();
	check_cut_joins();
	check_flat_end_rects(p);
	check_two_point_rings(p);
	check_cut_rings(p);
	check_large_rings(p);
	check_cut_miters(p);
	check_path_strokes(p);
	check_dashes(p);
	printf("largest coverage error: polygons %.3f/255, curves %.3f/255\n", worst_polygon,
	       worst_curve);
	fbk_path_destroy(p);
	fbk_surface_destroy(canvas);
	return harness_exit();
}
