/*
 * Paths and the shape calls of fbkit/shapes.h. A path keeps its commands
 * in device coordinates (the transform is applied as each command is
 * added, so one path may mix transforms); filling flattens curves and
 * arcs into the rasterizer's lines (raster.c).
 *
 * Flattening: a parametric curve P(t) whose second derivative is at most
 * M in length stays within M h^2 / 8 of the chord over a parameter step h,
 * so uniform steps of h = sqrt(8 tol / M) keep every line within tol =
 * FBK_SHAPE_TOLERANCE of the curve. The bound comes from the control
 * points: M = 2 |P0 - 2P1 + P2| for a quadratic, M = 6 max(|P0 - 2P1 + P2|,
 * |P1 - 2P2 + P3|) for a cubic (its second derivative is linear in t), and
 * M = the larger singular value of the matrix (u v) for the arc
 * c + u cos a + v sin a (a circle's or ellipse's, through any transform):
 * the radius of a circle, the larger radius of an ellipse. Curves whose control box lies
 * above, below or right of the clip become their chord: it stays in the
 * same region, where only the rows it crosses could matter, and they are
 * outside the clip.
 */
#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/clip.h"
#include "core/error.h"
#include "core/overflow.h"
#include "draw/raster.h"
#include "fbkit/shapes.h"

enum verb {
	VERB_MOVE,  /* 1 point */
	VERB_LINE,  /* 1 point */
	VERB_QUAD,  /* 2 points */
	VERB_CUBIC, /* 3 points */
	VERB_ARC,   /* centre, u, v, (a0, a1), (cos, sin) of a0 and a1: 6 points; ends at c + u cos a1 + v sin a1 */
	VERB_CLOSE, /* none */
	/*
	 * A stroke's round join or cap: centre, (radius, full), unit a, unit b:
	 * 4 points; the circle's arc from c + r a turning negatively to c + r b,
	 * a whole turn when full is 1 (see flatten_round)
	 */
	VERB_ROUND,
};

/* The most points one path holds (-EFBIG past it). */
#define MAX_POINTS ((size_t)1 << 24)

/* The most points a stroke flattens a path to: 64 MiB of them, and twice that to work in. */
#define MAX_STROKE_POINTS ((size_t)1 << 22)

struct point {
	double x, y;
};

/*
 * Small paths live in the structure itself, so the convenience calls
 * build theirs on the stack with no allocation (a rounded rectangle is 14
 * verbs and 37 points).
 */
enum { INLINE_VERBS = 24, INLINE_POINTS = 48 };

struct fbk_path {
	uint8_t *verbs;
	size_t n_verbs, verb_capacity;
	struct point *points;
	size_t n_points, point_capacity;
	struct fbk_transform t;
	bool has_current; /* a contour is open */
	uint8_t inline_verbs[INLINE_VERBS];
	struct point inline_points[INLINE_POINTS];
};

static void path_init(struct fbk_path *p)
{
	p->verbs = p->inline_verbs;
	p->points = p->inline_points;
	p->verb_capacity = INLINE_VERBS;
	p->point_capacity = INLINE_POINTS;
	p->n_verbs = p->n_points = 0;
	p->t = FBK_TRANSFORM_IDENTITY;
	p->has_current = false;
}

static void path_finish(struct fbk_path *p)
{
	if (p->verbs != p->inline_verbs)
		free(p->verbs);
	if (p->points != p->inline_points)
		free(p->points);
}

int fbk_path_create(struct fbk_path **out)
{
	if (!out)
		return fbk_fail(-EINVAL, "fbk_path_create: NULL out");
	struct fbk_path *p = malloc(sizeof(*p));
	if (!p)
		return fbk_fail(-ENOMEM, "fbk_path_create: out of memory");
	path_init(p);
	*out = p;
	return 0;
}

void fbk_path_destroy(struct fbk_path *path)
{
	if (!path)
		return;
	path_finish(path);
	free(path);
}

void fbk_path_reset(struct fbk_path *path)
{
	if (!path)
		return;
	path->n_verbs = path->n_points = 0;
	path->has_current = false;
}

int fbk_path_set_transform(struct fbk_path *path, const struct fbk_transform *t)
{
	if (!path)
		return fbk_fail(-EINVAL, "fbk_path_set_transform: NULL path");
	struct fbk_transform m = t ? *t : FBK_TRANSFORM_IDENTITY;
	if (!isfinite(m.xx) || !isfinite(m.yx) || !isfinite(m.xy) || !isfinite(m.yy) ||
	    !isfinite(m.x0) || !isfinite(m.y0))
		return fbk_fail(-EINVAL, "fbk_path_set_transform: the transform has a non-finite entry");
	path->t = m;
	return 0;
}

static struct point apply(const struct fbk_transform *t, double x, double y)
{
	return (struct point){ t->xx * x + t->xy * y + t->x0, t->yx * x + t->yy * y + t->y0 };
}

/* A vector through the transform, without its translation. */
static struct point apply_linear(const struct fbk_transform *t, double x, double y)
{
	return (struct point){ t->xx * x + t->xy * y, t->yx * x + t->yy * y };
}

/* A user-space number the caller passed: finite. */
static int check_finite(const char *what, double v)
{
	if (!isfinite(v))
		return fbk_fail(-EINVAL, "%s: a coordinate is not a finite number", what);
	return 0;
}

static int check_point(const char *what, struct point p)
{
	if (!isfinite(p.x) || !isfinite(p.y))
		return fbk_fail(-EINVAL, "%s: a coordinate is not a finite number", what);
	if (fabs(p.x) > FBK_SHAPE_COORD_MAX || fabs(p.y) > FBK_SHAPE_COORD_MAX)
		return fbk_fail(-ERANGE, "%s: (%g, %g) after the transform is beyond +-%g pixels",
				what, p.x, p.y, FBK_SHAPE_COORD_MAX);
	return 0;
}

/* Room for nv more verbs (at most n + 1) and n more points. */
static int reserve_verbs(struct fbk_path *p, size_t nv, size_t n)
{
	if (p->n_points + n > MAX_POINTS)
		return fbk_fail(-EFBIG, "path: more than %zu points; split it", MAX_POINTS);
	/* a verb per point at most, so MAX_POINTS bounds both */
	if (p->n_verbs + nv > p->verb_capacity) {
		size_t cap = p->verb_capacity * 2;
		while (cap < p->n_verbs + nv)
			cap *= 2;
		bool was_inline = p->verbs == p->inline_verbs;
		uint8_t *v = was_inline ? malloc(cap) : realloc(p->verbs, cap);
		if (!v)
			return fbk_fail(-ENOMEM, "path: out of memory");
		if (was_inline)
			memcpy(v, p->inline_verbs, p->n_verbs);
		p->verbs = v;
		p->verb_capacity = cap;
	}
	if (p->n_points + n > p->point_capacity) {
		size_t cap = p->point_capacity * 2, bytes;
		while (cap < p->n_points + n)
			cap *= 2;
		if (fbk_mul_overflows(cap, sizeof(struct point), &bytes))
			return fbk_fail(-ENOMEM, "path: out of memory");
		bool was_inline = p->points == p->inline_points;
		struct point *pts = was_inline ? malloc(bytes) : realloc(p->points, bytes);
		if (!pts)
			return fbk_fail(-ENOMEM, "path: out of memory");
		if (was_inline)
			memcpy(pts, p->inline_points, p->n_points * sizeof(*pts));
		p->points = pts;
		p->point_capacity = cap;
	}
	return 0;
}

/* Room for one more verb and n more points. */
static int reserve(struct fbk_path *p, size_t n)
{
	return reserve_verbs(p, 1, n);
}

static int add(struct fbk_path *p, enum verb verb, const struct point *pts, size_t n)
{
	int err = reserve(p, n);
	if (err)
		return err;
	p->verbs[p->n_verbs++] = (uint8_t)verb;
	if (n)
		memcpy(p->points + p->n_points, pts, n * sizeof(*pts));
	p->n_points += n;
	p->has_current = verb != VERB_CLOSE;
	return 0;
}

/* The device points of n user points, checked. */
static int transform_points(const struct fbk_path *p, const char *what, const double *xy, size_t n,
			    struct point *out)
{
	for (size_t i = 0; i < n; i++) {
		out[i] = apply(&p->t, xy[2 * i], xy[2 * i + 1]);
		int err = check_point(what, out[i]);
		if (err)
			return err;
	}
	return 0;
}

int fbk_path_move_to(struct fbk_path *path, double x, double y)
{
	if (!path)
		return fbk_fail(-EINVAL, "fbk_path_move_to: NULL path");
	struct point pt;
	int err = transform_points(path, "fbk_path_move_to", (double[]){ x, y }, 1, &pt);
	return err ? err : add(path, VERB_MOVE, &pt, 1);
}

int fbk_path_line_to(struct fbk_path *path, double x, double y)
{
	if (!path)
		return fbk_fail(-EINVAL, "fbk_path_line_to: NULL path");
	struct point pt;
	int err = transform_points(path, "fbk_path_line_to", (double[]){ x, y }, 1, &pt);
	return err ? err : add(path, path->has_current ? VERB_LINE : VERB_MOVE, &pt, 1);
}

/* A curve with no current point starts at its first control point, as cairo does. */
static int start_if_needed(struct fbk_path *path, const struct point *first)
{
	return path->has_current ? 0 : add(path, VERB_MOVE, first, 1);
}

int fbk_path_quad_to(struct fbk_path *path, double cx, double cy, double x, double y)
{
	if (!path)
		return fbk_fail(-EINVAL, "fbk_path_quad_to: NULL path");
	struct point pts[2];
	int err = transform_points(path, "fbk_path_quad_to", (double[]){ cx, cy, x, y }, 2, pts);
	if (!err)
		err = reserve(path, 3);
	if (!err)
		err = start_if_needed(path, &pts[0]);
	return err ? err : add(path, VERB_QUAD, pts, 2);
}

int fbk_path_cubic_to(struct fbk_path *path, double c1x, double c1y, double c2x, double c2y,
		      double x, double y)
{
	if (!path)
		return fbk_fail(-EINVAL, "fbk_path_cubic_to: NULL path");
	struct point pts[3];
	int err = transform_points(path, "fbk_path_cubic_to",
				   (double[]){ c1x, c1y, c2x, c2y, x, y }, 3, pts);
	if (!err)
		err = reserve(path, 4);
	if (!err)
		err = start_if_needed(path, &pts[0]);
	return err ? err : add(path, VERB_CUBIC, pts, 3);
}

/*
 * (cos a, sin a), exact on quarter turns: the corners of rounded
 * rectangles start and end there, and a sincos per end was a tenth of a
 * small one's time.
 */
static struct point turn_point(double a)
{
	static const double quarter[] = {
		-2 * M_PI, -1.5 * M_PI, -M_PI, -M_PI / 2, 0, M_PI / 2, M_PI, 1.5 * M_PI, 2 * M_PI,
	};
	static const struct point unit[] = {
		{ 1, 0 }, { 0, 1 }, { -1, 0 }, { 0, -1 }, { 1, 0 },
		{ 0, 1 }, { -1, 0 }, { 0, -1 }, { 1, 0 },
	};
	/* the one entry a can equal, found without a branch per entry */
	double q = a * (2 / M_PI) + 4.5;
	if (q >= 0 && q < 9) {
		size_t i = (size_t)q;
		if (a == quarter[i])
			return unit[i];
	}
	return (struct point){ cos(a), sin(a) };
}

/* An arc of the ellipse with radii rx, ry (user space); line or move to its start first. */
static int elliptic_arc(struct fbk_path *path, const char *what, double cx, double cy, double rx,
			double ry, double a0, double a1)
{
	int err = check_finite(what, cx);
	if (!err)
		err = check_finite(what, cy);
	if (!err)
		err = check_finite(what, rx);
	if (!err)
		err = check_finite(what, ry);
	if (!err)
		err = check_finite(what, a0);
	if (!err)
		err = check_finite(what, a1);
	if (err)
		return err;
	if (rx < 0 || ry < 0)
		return fbk_fail(-EINVAL, "%s: negative radius", what);
	/* at most one turn: more would only wind the same points again */
	double sweep = a1 - a0;
	if (!isfinite(sweep))
		return fbk_fail(-EINVAL, "%s: the angles are too far apart", what);
	if (sweep > 2 * M_PI)
		sweep = 2 * M_PI;
	if (sweep < -2 * M_PI)
		sweep = -2 * M_PI;
	/* the angles reduced to one turn, so cos and sin stay exact enough (fmod keeps a smaller a0) */
	if (fabs(a0) >= 2 * M_PI)
		a0 = fmod(a0, 2 * M_PI);
	struct point c = apply(&path->t, cx, cy), u = apply_linear(&path->t, rx, 0),
		     v = apply_linear(&path->t, 0, ry);
	/* kept with the arc, so flattening it needs only its step's sine and cosine */
	struct point at0 = turn_point(a0), at1 = turn_point(a0 + sweep);
	struct point start = { c.x + u.x * at0.x + v.x * at0.y, c.y + u.y * at0.x + v.y * at0.y };
	/* the whole ellipse's box must be in range, so every point flattened is */
	struct point corner = { fabs(u.x) + fabs(v.x), fabs(u.y) + fabs(v.y) };
	err = check_point(what, c);
	if (!err)
		err = check_point(what, corner);
	if (!err)
		err = check_point(what, (struct point){ fabs(c.x) + corner.x, fabs(c.y) + corner.y });
	if (!err)
		err = reserve(path, 7);
	if (err)
		return err;
	err = add(path, path->has_current ? VERB_LINE : VERB_MOVE, &start, 1);
	if (err)
		return err;
	struct point pts[6] = { c, u, v, { a0, a0 + sweep }, at0, at1 };
	return add(path, VERB_ARC, pts, 6);
}

int fbk_path_arc(struct fbk_path *path, double cx, double cy, double r, double a0, double a1)
{
	if (!path)
		return fbk_fail(-EINVAL, "fbk_path_arc: NULL path");
	return elliptic_arc(path, "fbk_path_arc", cx, cy, r, r, a0, a1);
}

int fbk_path_close(struct fbk_path *path)
{
	if (!path)
		return fbk_fail(-EINVAL, "fbk_path_close: NULL path");
	if (!path->has_current)
		return 0;
	return add(path, VERB_CLOSE, NULL, 0);
}

int fbk_path_ellipse(struct fbk_path *path, double cx, double cy, double rx, double ry)
{
	if (!path)
		return fbk_fail(-EINVAL, "fbk_path_ellipse: NULL path");
	bool had = path->has_current;
	path->has_current = false;
	int err = elliptic_arc(path, "fbk_path_ellipse", cx, cy, rx, ry, 0, 2 * M_PI);
	if (err) {
		path->has_current = had;
		return err;
	}
	return fbk_path_close(path);
}

int fbk_path_circle(struct fbk_path *path, double cx, double cy, double r)
{
	if (!path)
		return fbk_fail(-EINVAL, "fbk_path_circle: NULL path");
	return fbk_path_ellipse(path, cx, cy, r, r);
}

int fbk_path_rect(struct fbk_path *path, double x, double y, double w, double h)
{
	return fbk_path_rounded_rect(path, x, y, w, h, NULL);
}

/* A rounded rectangle's move or line (room made): the point as fbk_path_line_to adds it. */
static int rect_point(struct fbk_path *p, const char *what, enum verb verb, double x, double y)
{
	struct point pt = apply(&p->t, x, y);
	int err = check_point(what, pt);
	if (err)
		return err;
	p->verbs[p->n_verbs++] = (uint8_t)verb;
	p->points[p->n_points++] = pt;
	return 0;
}

/*
 * A rounded rectangle's corner (room made): the quarter turn of the
 * circle of radius rr at (cx, cy) from a0 to a1 as elliptic_arc adds it
 * after a line (a line to its start, then the arc), point for point.
 */
static int corner_arc(struct fbk_path *p, const char *what, double cx, double cy, double rr,
		      double a0, double a1)
{
	double sweep = a1 - a0;
	struct point c = apply(&p->t, cx, cy), u = apply_linear(&p->t, rr, 0),
		     v = apply_linear(&p->t, 0, rr);
	struct point at0 = turn_point(a0), at1 = turn_point(a0 + sweep);
	struct point start = { c.x + u.x * at0.x + v.x * at0.y, c.y + u.y * at0.x + v.y * at0.y };
	struct point corner = { fabs(u.x) + fabs(v.x), fabs(u.y) + fabs(v.y) };
	int err = check_point(what, c);
	if (!err)
		err = check_point(what, corner);
	if (!err)
		err = check_point(what, (struct point){ fabs(c.x) + corner.x, fabs(c.y) + corner.y });
	if (err)
		return err;
	p->verbs[p->n_verbs++] = VERB_LINE;
	p->points[p->n_points++] = start;
	p->verbs[p->n_verbs++] = VERB_ARC;
	struct point *pts = p->points + p->n_points;
	pts[0] = c;
	pts[1] = u;
	pts[2] = v;
	pts[3] = (struct point){ a0, a0 + sweep };
	pts[4] = at0;
	pts[5] = at1;
	p->n_points += 6;
	return 0;
}

int fbk_path_rounded_rect(struct fbk_path *path, double x, double y, double w, double h,
			  const double radii[4])
{
	static const char what[] = "fbk_path_rounded_rect";
	if (!path)
		return fbk_fail(-EINVAL, "%s: NULL path", what);
	double r[4] = { 0, 0, 0, 0 };
	int err = check_finite(what, x);
	if (!err)
		err = check_finite(what, y);
	if (!err)
		err = check_finite(what, w);
	if (!err)
		err = check_finite(what, h);
	for (int i = 0; radii && i < 4 && !err; i++) {
		err = check_finite(what, radii[i]);
		if (!err && radii[i] < 0)
			err = fbk_fail(-EINVAL, "%s: negative corner radius", what);
		r[i] = radii ? radii[i] : 0;
	}
	if (err)
		return err;
	if (!(w > 0 && h > 0))
		return 0;
	/* CSS's rule: one factor shrinks every radius until each side holds its two */
	double f = 1;
	double sums[4] = { r[0] + r[1], r[2] + r[3], r[0] + r[3], r[1] + r[2] };
	double sides[4] = { w, w, h, h };
	for (int i = 0; i < 4; i++)
		if (sums[i] > sides[i] * f && sums[i] > 0)
			f = sides[i] / sums[i];
	for (int i = 0; i < 4; i++)
		r[i] *= f;
	/*
	 * The whole contour (a move, four lines, each corner a line to its
	 * start and an arc, a close: 6 verbs and 5 points, and 2 and 7 a
	 * corner) in room made once, each point what fbk_path_move_to,
	 * fbk_path_line_to and elliptic_arc would add, checked as they check
	 * it: through them, a small rounded rectangle's path was a seventh
	 * of its fill's time. Room for what this call adds, no more, so a
	 * path a few points below MAX_POINTS still takes a rectangle. Saved
	 * to undo on failure.
	 */
	size_t verbs = path->n_verbs, points = path->n_points;
	bool had = path->has_current;
	size_t corners = (size_t)(r[0] > 0) + (r[1] > 0) + (r[2] > 0) + (r[3] > 0);
	err = reserve_verbs(path, 6 + 2 * corners, 5 + 7 * corners);
	if (err)
		return err;
	double x1 = x + w, y1 = y + h;
	err = rect_point(path, "fbk_path_move_to", VERB_MOVE, x + r[0], y);
	if (!err)
		err = rect_point(path, "fbk_path_line_to", VERB_LINE, x1 - r[1], y);
	if (!err && r[1] > 0)
		err = corner_arc(path, what, x1 - r[1], y + r[1], r[1], -M_PI / 2, 0);
	if (!err)
		err = rect_point(path, "fbk_path_line_to", VERB_LINE, x1, y1 - r[2]);
	if (!err && r[2] > 0)
		err = corner_arc(path, what, x1 - r[2], y1 - r[2], r[2], 0, M_PI / 2);
	if (!err)
		err = rect_point(path, "fbk_path_line_to", VERB_LINE, x + r[3], y1);
	if (!err && r[3] > 0)
		err = corner_arc(path, what, x + r[3], y1 - r[3], r[3], M_PI / 2, M_PI);
	if (!err)
		err = rect_point(path, "fbk_path_line_to", VERB_LINE, x, y + r[0]);
	if (!err && r[0] > 0)
		err = corner_arc(path, what, x + r[0], y + r[0], r[0], M_PI, 1.5 * M_PI);
	if (!err) {
		path->verbs[path->n_verbs++] = VERB_CLOSE;
		path->has_current = false;
	}
	if (err) {
		path->n_verbs = verbs;
		path->n_points = points;
		path->has_current = had;
	}
	return err;
}

/*
 * Where flattened lines go: the rasterizer (filling), or a list of
 * contours' points (stroking, which needs the lines themselves). Strokes
 * flatten every curve in full, since the stroke reaches past the curve's
 * box by up to `margin`, and without the circles' outward shift (see flatten_arc), whose
 * short radial lines would be joins of their own.
 */
struct contour_span {
	size_t start, n;
	bool closed;
};

struct sink {
	struct fbk_raster *raster; /* NULL: collect points */
	/* strokes: the clip, and how far past a line its stroke may reach (miter tips too) */
	struct fbk_rect clip;
	double margin;
	struct point *pts;
	size_t n_pts, pts_capacity;
	struct contour_span *contours;
	size_t n_contours, contours_capacity;
	int err;
};

/*
 * What the last arc worked out, kept for the next, since the corners of a
 * rounded rectangle and the joins of a stroke are arcs of one radius: its
 * u and v's products and the steps a unit of sweep needs (per_radian,
 * from the bound M), its step, the step's cosine and sine (step 0: cos 1,
 * sin 0 to start) and a circle's outward shift for it (grow), and the
 * cosine and sine of END_STEP times it, a circular arc's end steps.
 */
struct arc_step {
	double uu, vv, uv, per_radian;
	bool circle;
	double step, cos, sin, grow;
	double end_step, end_cos, end_sin;
};

static void sink_point(struct sink *k, double x, double y)
{
	if (k->err)
		return;
	if (k->n_pts == MAX_STROKE_POINTS) {
		k->err = fbk_fail(-EFBIG, "fbk_path_stroke: more than %zu flattened points; split the path",
				  MAX_STROKE_POINTS);
		return;
	}
	if (k->n_pts == k->pts_capacity) {
		size_t cap = k->pts_capacity ? k->pts_capacity * 2 : 64;
		struct point *p = realloc(k->pts, cap * sizeof(*p)); /* cap <= 2^25: no overflow */
		if (!p) {
			k->err = fbk_fail(-ENOMEM, "fbk_path_stroke: out of memory");
			return;
		}
		k->pts = p;
		k->pts_capacity = cap;
	}
	k->pts[k->n_pts++] = (struct point){ x, y };
	if (k->n_contours)
		k->contours[k->n_contours - 1].n++;
}

static void sink_contour(struct sink *k, struct point start)
{
	if (k->err)
		return;
	if (k->n_contours == k->contours_capacity) {
		size_t cap = k->contours_capacity ? k->contours_capacity * 2 : 8;
		/* a contour has a point, so cap stays below 2^26 */
		struct contour_span *c = realloc(k->contours, cap * sizeof(*c));
		if (!c) {
			k->err = fbk_fail(-ENOMEM, "fbk_path_stroke: out of memory");
			return;
		}
		k->contours = c;
		k->contours_capacity = cap;
	}
	k->contours[k->n_contours++] = (struct contour_span){ k->n_pts, 0, false };
	sink_point(k, start.x, start.y);
}

static void emit(struct sink *k, double x0, double y0, double x1, double y1)
{
	if (k->raster)
		fbk_raster_line(k->raster, x0, y0, x1, y1);
	else
		sink_point(k, x1, y1);
}

/*
 * A curve whose box is outside the clip may become its chord. A stroke's
 * chord is checked on all four sides: its outline is closed, so one left
 * of the clip adds no winding inside it.
 */
static bool sink_outside(const struct sink *k, double x0, double y0, double x1, double y1)
{
	if (k->raster)
		return fbk_raster_box_outside(k->raster, x0, y0, x1, y1);
	const struct fbk_rect *c = &k->clip;
	return y1 + k->margin <= c->y || y0 - k->margin >= (double)c->y + c->h ||
	       x1 + k->margin <= c->x || x0 - k->margin >= (double)c->x + c->w;
}

/*
 * Lines of n uniform parameter steps over a parameter range, 1 <= n; the
 * step count a bound M asks for, plus `extra`.
 */
static size_t steps_over_rate(double per_unit, double range, double extra)
{
	double n = ceil(range * per_unit + extra);
	/* coordinates are bounded, so this only caps what rounding could add */
	if (!(n >= 1))
		return 1;
	return n > 1e7 ? 10000000 : (size_t)n;
}

static size_t steps_over(double m, double range, double extra)
{
	return steps_over_rate(sqrt(m / (8 * FBK_SHAPE_TOLERANCE)), range, extra);
}

static size_t steps_for(double m)
{
	return steps_over(m, 1, 0);
}

static double length(double x, double y)
{
	return sqrt(x * x + y * y);
}

static void flatten_quad(struct sink *r, struct point p0, const struct point *c)
{
	struct point p1 = c[0], p2 = c[1];
	double min_x = fmin(p0.x, fmin(p1.x, p2.x)), max_x = fmax(p0.x, fmax(p1.x, p2.x));
	double min_y = fmin(p0.y, fmin(p1.y, p2.y)), max_y = fmax(p0.y, fmax(p1.y, p2.y));
	size_t n = 1;
	if (!sink_outside(r, min_x, min_y, max_x, max_y))
		n = steps_for(2 * length(p0.x - 2 * p1.x + p2.x, p0.y - 2 * p1.y + p2.y));
	struct point prev = p0;
	for (size_t i = 1; i <= n; i++) {
		double t = (double)i / (double)n, s = 1 - t;
		struct point q = i == n ? p2 : (struct point){
			s * s * p0.x + 2 * s * t * p1.x + t * t * p2.x,
			s * s * p0.y + 2 * s * t * p1.y + t * t * p2.y,
		};
		emit(r, prev.x, prev.y, q.x, q.y);
		prev = q;
	}
}

static void flatten_cubic(struct sink *r, struct point p0, const struct point *c)
{
	struct point p1 = c[0], p2 = c[1], p3 = c[2];
	double min_x = fmin(fmin(p0.x, p1.x), fmin(p2.x, p3.x));
	double max_x = fmax(fmax(p0.x, p1.x), fmax(p2.x, p3.x));
	double min_y = fmin(fmin(p0.y, p1.y), fmin(p2.y, p3.y));
	double max_y = fmax(fmax(p0.y, p1.y), fmax(p2.y, p3.y));
	size_t n = 1;
	if (!sink_outside(r, min_x, min_y, max_x, max_y)) {
		double d1 = length(p0.x - 2 * p1.x + p2.x, p0.y - 2 * p1.y + p2.y);
		double d2 = length(p1.x - 2 * p2.x + p3.x, p1.y - 2 * p2.y + p3.y);
		n = steps_for(6 * fmax(d1, d2));
	}
	struct point prev = p0;
	for (size_t i = 1; i <= n; i++) {
		double t = (double)i / (double)n, s = 1 - t;
		double b0 = s * s * s, b1 = 3 * s * s * t, b2 = 3 * s * t * t, b3 = t * t * t;
		struct point q = i == n ? p3 : (struct point){
			b0 * p0.x + b1 * p1.x + b2 * p2.x + b3 * p3.x,
			b0 * p0.y + b1 * p1.y + b2 * p2.y + b3 * p3.y,
		};
		emit(r, prev.x, prev.y, q.x, q.y);
		prev = q;
	}
}

/* A circular arc's first and last chords, in steps (see flatten_arc). */
#define END_STEP 0.8

/* Returns the arc's end point. */
static struct point flatten_arc(struct sink *r, struct arc_step *last, struct point p0,
				const struct point *a)
{
	struct point c = a[0], u = a[1], v = a[2];
	double a0 = a[3].x, a1 = a[3].y;
	double ex = fabs(u.x) + fabs(v.x), ey = fabs(u.y) + fabs(v.y);
	struct point end = { c.x + u.x * a[5].x + v.x * a[5].y, c.y + u.y * a[5].x + v.y * a[5].y };
	size_t n = 1;
	double sweep = fabs(a1 - a0);
	double uu = u.x * u.x + u.y * u.y, vv = v.x * v.x + v.y * v.y, uv = u.x * v.x + u.y * v.y;
	if (uu != last->uu || vv != last->vv || uv != last->uv) {
		/*
		 * The second derivative u cos a + v sin a is at most the larger
		 * singular value of (u v) long: the radius of a circle, the
		 * larger radius of an ellipse, where sqrt(uu + vv) overstates a
		 * circle's by 1.41 (19% more lines). See below for circles'
		 * halved M. Three square roots in a row, so worked out once
		 * for arcs of one shape.
		 */
		double half = (uu - vv) / 2;
		double m = sqrt((uu + vv) / 2 + sqrt(half * half + uv * uv));
		last->uu = uu;
		last->vv = vv;
		last->uv = uv;
		/* strokes take no circles' halved M (see struct sink): one sink per flatten */
		last->circle = r->raster && fabs(uu - vv) <= 1e-12 * uu && fabs(uv) <= 1e-12 * uu;
		last->per_radian = sqrt((last->circle ? m / 2 : m) / (8 * FBK_SHAPE_TOLERANCE));
	}
	bool circle = last->circle;
	/* elliptic_arc keeps a0 + sweep, whose difference from a0 may round below a turn */
	bool partial = circle && sweep < 2 * M_PI - 1e-9;
	if (!sink_outside(r, c.x - ex, c.y - ey, c.x + ex, c.y + ey)) {
		/*
		 * Counted over the sweep, not rounded up per radian first; at
		 * least a step per radian, so a circle's half step below has a
		 * positive cosine.
		 */
		n = steps_over_rate(last->per_radian, sweep, partial ? 2 - 2 * END_STEP : 0);
		if ((double)n < ceil(sweep) + partial)
			n = (size_t)ceil(sweep) + partial;
	} else {
		circle = partial = false;
		n = (size_t)ceil(sweep / (M_PI / 2)); /* chords stay within the box */
	}
	if (n < 1 + (size_t)partial)
		n = 1 + (size_t)partial; /* two end chords */
	/*
	 * cos and sin of each step by rotating the previous pair (one sincos
	 * per arc, not per point); the rounding this accumulates over a
	 * million steps is near 1e-10.
	 *
	 * A circle's chords all fall short of it by the same sagitta
	 * r (1 - cos(step / 2)); with the points moved out by half of it the
	 * error is split evenly between the two sides, so a chord may fall
	 * short by twice the tolerance (M halved above) and still strays at
	 * most the tolerance, with the circle's area kept. A full circle is
	 * the ring of moved points alone. A part of one keeps its true ends,
	 * joined to the moved points by end chords of END_STEP steps, whose
	 * error is within the other chords' (the point moved out is the
	 * farthest); radial lines from the true ends to the moved points were
	 * two more lines per rounded corner or round join.
	 */
	double step = (a1 - a0) / (partial ? (double)n - 2 + 2 * END_STEP : (double)n);
	if (step != last->step) {
		/* the corners of a rounded rectangle, the joins of a stroke often share a step */
		last->step = step;
		last->cos = cos(step);
		last->sin = sin(step);
		/* cos(step / 2): a circle's steps are at most a radian (counted above) */
		last->grow = 1 + (1 - sqrt((1 + last->cos) / 2)) / 2;
	}
	double cs = last->cos, sn = last->sin;
	if (circle) {
		double grow = last->grow;
		u.x *= grow;
		u.y *= grow;
		v.x *= grow;
		v.y *= grow;
	}
	double ca = a[4].x, sa = a[4].y;
	struct point prev = p0;
	size_t i = 1;
	if (partial) {
		if (step != last->end_step) {
			last->end_step = step;
			last->end_cos = cos(END_STEP * step);
			last->end_sin = sin(END_STEP * step);
		}
		double nc = ca * last->end_cos - sa * last->end_sin;
		double ns = sa * last->end_cos + ca * last->end_sin;
		ca = nc;
		sa = ns;
		n--; /* the interior points, the last moved point's index */
		i = 2;
		struct point q = { c.x + u.x * ca + v.x * sa, c.y + u.y * ca + v.y * sa };
		emit(r, prev.x, prev.y, q.x, q.y);
		prev = q;
	} else if (circle) {
		prev = (struct point){ c.x + u.x * ca + v.x * sa, c.y + u.y * ca + v.y * sa };
	}
	struct point ring = prev;
	for (; i <= n; i++) {
		double nc = ca * cs - sa * sn, ns = sa * cs + ca * sn;
		ca = nc;
		sa = ns;
		struct point q = { c.x + u.x * ca + v.x * sa, c.y + u.y * ca + v.y * sa };
		if (i == n && !partial)
			q = circle ? ring : end; /* a full circle's ring closes exactly */
		emit(r, prev.x, prev.y, q.x, q.y);
		prev = q;
	}
	if (!circle || partial)
		emit(r, prev.x, prev.y, end.x, end.y);
	return end;
}

/*
 * What a stroke's round joins of one radius share (flatten_round): the
 * step theta the tolerance allows, at most a radian as flatten_arc's,
 * the cosine and sine of it and of half of it, the cosine of END_STEP
 * times it, and the outward shift of the points a step apart.
 */
struct round_step {
	double r, cos, sin, half_cos, half_sin, end_cos, grow;
};

/*
 * A stroke's round join or cap into the rasterizer, with no trigonometry
 * per join: its chords are steps of theta, set by the radius alone, and
 * so share one sincos where flatten_arc's are set by each join's sweep.
 * The moved points lie symmetrically about the arc's middle m, theta
 * apart; the two end chords from the true ends take what is left of the
 * sweep, e each, between 0.3 and END_STEP steps (the point count is
 * flatten_arc's: sweep <= (k + 2 END_STEP) theta for k + 1 moved points).
 * m comes from a and b (the bisector, no atan2), the moved points nearest
 * the ends by rotating from it by half steps until within END_STEP steps
 * of a, then the arc is walked in whole steps to b. The points are moved
 * out by the shift of a whole step, so they stray at most the tolerance
 * either side of the arc as flatten_arc's do; a single moved point (k 0),
 * whose two chords are shorter, by that of their length. A whole turn and
 * the collected points of strokes (no shift) go to flatten_arc.
 */
static struct point flatten_round(struct sink *k, struct arc_step *last, struct round_step *rs,
				  struct point p0, const struct point *pt)
{
	struct point c = pt[0], a = pt[2], b = pt[3];
	double r = pt[1].x;
	struct point end = { c.x + r * b.x, c.y + r * b.y };
	double cross = a.x * b.y - a.y * b.x, dot = a.x * b.x + a.y * b.y;
	if (!k->raster || pt[1].y != 0) {
		double sweep = pt[1].y != 0 ? -2 * M_PI : atan2(cross, dot);
		if (sweep > 0)
			sweep -= 2 * M_PI;
		struct point arc[6] = { c, { r, 0 }, { 0, r }, { 0, sweep }, a, b };
		return flatten_arc(k, last, p0, arc);
	}
	if (sink_outside(k, c.x - r, c.y - r, c.x + r, c.y + r)) {
		emit(k, p0.x, p0.y, end.x, end.y); /* the chord stays within the box */
		return end;
	}
	if (r != rs->r) {
		/* flatten_arc's count for a circle (M halved), a step at most a radian */
		double per_radian = sqrt(r / 2 / (8 * FBK_SHAPE_TOLERANCE));
		double theta = per_radian > 1 ? 1 / per_radian : 1;
		rs->r = r;
		rs->cos = cos(theta);
		rs->sin = sin(theta);
		rs->half_cos = cos(theta / 2);
		rs->half_sin = sin(theta / 2);
		rs->end_cos = cos(END_STEP * theta);
		rs->grow = 1 + (1 - rs->half_cos) / 2;
	}
	/*
	 * The middle: along a + b where that is the longer (sweeps within a
	 * quarter turn of none or a whole one), else across b - a, each
	 * where its direction is well conditioned; a turns down to b.
	 */
	struct point m;
	double sx = a.x + b.x, sy = a.y + b.y, dx = b.x - a.x, dy = b.y - a.y;
	if (sx * sx + sy * sy >= dx * dx + dy * dy) {
		double f = (cross > 0 ? -1 : 1) / length(sx, sy);
		m = (struct point){ sx * f, sy * f };
	} else {
		double f = 1 / length(dx, dy);
		m = (struct point){ -dy * f, dx * f };
	}
	/* half steps from m towards a (a positive turn) to the first within END_STEP steps of a */
	struct point q = m;
	size_t n = 0;
	while (q.x * a.x + q.y * a.y < rs->end_cos) {
		struct point t = { q.x * rs->half_cos - q.y * rs->half_sin,
				   q.y * rs->half_cos + q.x * rs->half_sin };
		q = t;
		n++;
	}
	double g = rs->grow;
	if (n == 0) {
		/* two chords of half the sweep each: the shift of such a step, 1 - cos(x / 2) ~ x^2 / 8 */
		double ch = m.x * a.x + m.y * a.y;
		g = 1 + (1 - ch) / (2 * 4 * END_STEP * END_STEP);
	}
	double rg = r * g;
	struct point prev = p0;
	for (size_t i = 0;; i++) {
		struct point pt1 = { c.x + rg * q.x, c.y + rg * q.y };
		emit(k, prev.x, prev.y, pt1.x, pt1.y);
		prev = pt1;
		if (i == n)
			break;
		struct point t = { q.x * rs->cos + q.y * rs->sin, q.y * rs->cos - q.x * rs->sin };
		q = t;
	}
	emit(k, prev.x, prev.y, end.x, end.y);
	return end;
}

/* Every contour of the path as lines: closed for the rasterizer, as they are for strokes. */
static void flatten(const struct fbk_path *p, struct sink *r)
{
	struct point start = { 0, 0 }, cur = { 0, 0 };
	/*
	 * Fills keep what their last arc worked out from one call to the
	 * next: a screen's circles and rounded corners are mostly of a few
	 * sizes, and the square roots and two sincos an arc's size and step
	 * need were a twentieth of an 8 px rounded rectangle's time. Every
	 * value kept is looked up by the exact numbers it came from, so the
	 * lines are the same; strokes flatten arcs differently (no circles'
	 * halved M) and start afresh.
	 */
	static _Thread_local struct arc_step kept = { .uu = -1, .cos = 1, .grow = 1, .end_cos = 1 };
	struct arc_step fresh = { .uu = -1, .cos = 1, .grow = 1, .end_cos = 1 };
	struct arc_step *last = r->raster ? &kept : &fresh;
	static _Thread_local struct round_step kept_round = { .r = -1 };
	const struct point *pt = p->points;
	for (size_t i = 0; i < p->n_verbs; i++) {
		switch ((enum verb)p->verbs[i]) {
		case VERB_MOVE:
			if (r->raster)
				emit(r, cur.x, cur.y, start.x, start.y);
			else
				sink_contour(r, pt[0]);
			start = cur = pt[0];
			pt += 1;
			break;
		case VERB_LINE:
			emit(r, cur.x, cur.y, pt[0].x, pt[0].y);
			cur = pt[0];
			pt += 1;
			break;
		case VERB_QUAD:
			flatten_quad(r, cur, pt);
			cur = pt[1];
			pt += 2;
			break;
		case VERB_CUBIC:
			flatten_cubic(r, cur, pt);
			cur = pt[2];
			pt += 3;
			break;
		case VERB_ARC:
			cur = flatten_arc(r, last, cur, pt);
			pt += 6;
			break;
		case VERB_ROUND:
			cur = flatten_round(r, last, &kept_round, cur, pt);
			pt += 4;
			break;
		case VERB_CLOSE:
			if (r->raster)
				emit(r, cur.x, cur.y, start.x, start.y);
			else if (r->n_contours)
				r->contours[r->n_contours - 1].closed = true;
			cur = start;
			break;
		}
	}
	if (r->raster)
		emit(r, cur.x, cur.y, start.x, start.y);
}

void fbk_path_flatten(const struct fbk_path *path, struct fbk_raster *r)
{
	struct sink k = { .raster = r };
	flatten(path, &k);
}

int fbk_path_fill(struct fbk_surface *dst, const struct fbk_path *path, enum fbk_fill_rule rule,
		  struct fbk_color color)
{
	if (!path)
		return fbk_fail(-EINVAL, "fbk_path_fill: NULL path");
	int err = fbk_surface_check(dst);
	if (err)
		return err;
	struct fbk_rect clip = fbk_effective_clip(dst);
	struct fbk_raster r;
	fbk_raster_init(&r, &clip);
	fbk_path_flatten(path, &r);
	err = fbk_raster_fill(&r, dst, rule, color);
	fbk_raster_finish(&r);
	return err;
}

/* The convenience calls: a path on the stack, filled non-zero. */
static int fill_stack_path(struct fbk_surface *dst, struct fbk_path *path, int err,
			   struct fbk_color color)
{
	if (!err)
		err = fbk_path_fill(dst, path, FBK_FILL_NONZERO, color);
	path_finish(path);
	return err;
}

int fbk_fill_rounded_rect(struct fbk_surface *dst, double x, double y, double w, double h,
			  double radius, struct fbk_color color)
{
	struct fbk_path path;
	path_init(&path);
	double radii[4] = { radius, radius, radius, radius };
	return fill_stack_path(dst, &path, fbk_path_rounded_rect(&path, x, y, w, h, radii), color);
}

int fbk_fill_circle(struct fbk_surface *dst, double cx, double cy, double r, struct fbk_color color)
{
	struct fbk_path path;
	path_init(&path);
	return fill_stack_path(dst, &path, fbk_path_circle(&path, cx, cy, r), color);
}

int fbk_fill_ellipse(struct fbk_surface *dst, double cx, double cy, double rx, double ry,
		     struct fbk_color color)
{
	struct fbk_path path;
	path_init(&path);
	return fill_stack_path(dst, &path, fbk_path_ellipse(&path, cx, cy, rx, ry), color);
}

int fbk_fill_pie(struct fbk_surface *dst, double cx, double cy, double r_outer, double r_inner,
		 double a0, double a1, struct fbk_color color)
{
	static const char what[] = "fbk_fill_pie";
	struct fbk_path path;
	path_init(&path);
	int err = 0;
	if (isfinite(r_inner) && isfinite(r_outer) && r_inner > r_outer)
		err = fbk_fail(-EINVAL, "%s: inner radius %g is larger than the outer %g", what,
			       r_inner, r_outer);
	if (!err)
		err = elliptic_arc(&path, what, cx, cy, r_outer, r_outer, a0, a1);
	/* back along the inner edge, or through the centre for a slice */
	if (!err && r_inner > 0)
		err = elliptic_arc(&path, what, cx, cy, r_inner, r_inner, a1, a0);
	else if (!err)
		err = fbk_path_line_to(&path, cx, cy);
	return fill_stack_path(dst, &path, err, color);
}

int fbk_draw_line_aa(struct fbk_surface *dst, double x0, double y0, double x1, double y1,
		     double width, struct fbk_color color)
{
	static const char what[] = "fbk_draw_line_aa";
	int err = check_finite(what, x0);
	if (!err)
		err = check_finite(what, y0);
	if (!err)
		err = check_finite(what, x1);
	if (!err)
		err = check_finite(what, y1);
	if (!err)
		err = check_finite(what, width);
	if (err)
		return err;
	double dx = x1 - x0, dy = y1 - y0, len = length(dx, dy);
	if (!(width > 0) || !(len > 0))
		return fbk_surface_check(dst);
	/* half the width along the normal */
	double nx = -dy / len * width / 2, ny = dx / len * width / 2;
	struct fbk_path path;
	path_init(&path);
	err = fbk_path_move_to(&path, x0 + nx, y0 + ny);
	if (!err)
		err = fbk_path_line_to(&path, x1 + nx, y1 + ny);
	if (!err)
		err = fbk_path_line_to(&path, x1 - nx, y1 - ny);
	if (!err)
		err = fbk_path_line_to(&path, x0 - nx, y0 - ny);
	return fill_stack_path(dst, &path, err, color);
}

/*
 * Polylines: the stroke's outline as one polygon, filled non-zero. The
 * side offset by the normal (+n) is walked forward and the other side as
 * the +n side of the reversed points, so the two meet in flat (butt) ends;
 * a closed polyline gives two rings of opposite winding. On a vertex's
 * outer side a circular arc joins the offset lines (a round join); on its
 * inner side they meet at their intersection, so the outline does not
 * overlap itself there: where two pieces of outline overlap, the coverage
 * of their shared edge pixels would add up (see raster.c).
 *
 * When a segment is too short for that point (a sharp turn, a width
 * larger than the segments), the intersection lies past a segment's end
 * and the outline through it would fold over itself; such a join is cut
 * (mark_cuts). Its inner side then goes round the part both segments'
 * rectangles cover (inner_overlap): as signed areas, the two rectangles
 * and the join's outer side added and their overlap taken away once, so
 * non-zero fills it without holes and its edge pixels come out exact.
 * A join whose kite (v, its two inner corners and the edges' meeting
 * point) is not in both rectangles takes back their overlap too: a point
 * in k of a run's rectangles is then taken back at most k - 1 times, so
 * never left out, but in a ring where every rectangle covers it
 * (ring_meets: one join of such a ring is a piece, below). Where a round
 * join's segment is shorter than half the width, its circle reaches past
 * that segment's far end: there the contour is cut into runs that end
 * flat across the join, and the join is a piece of its own (the
 * whole circle, or the half disc beyond the other segment's end, which
 * that run draws as its round cap), all wound the same way; pixels near
 * it where those pieces overlap come out too strong, never weak, the
 * approximation fbk_path_fill makes where contours cross (as where a line
 * crosses itself).
 */
static struct point unit(struct point a, struct point b)
{
	double dx = b.x - a.x, dy = b.y - a.y, len = length(dx, dy);
	return (struct point){ dx / len, dy / len };
}

/*
 * A segment of a contour: its unit direction and length, worked out once
 * per contour, where the tests of a join (mark_cuts), the join and its piece
 * each took them again from the points.
 */
struct seg {
	struct point d;
	double len;
	bool cut; /* the join at this segment's first point is cut (stroke_contour) */
	bool piece; /* and drawn as a piece of its own between two runs */
};

/* The segment a -> b of two distinct points. */
static struct seg seg_of(struct point a, struct point b)
{
	double dx = b.x - a.x, dy = b.y - a.y, len = length(dx, dy);
	return (struct seg){ { dx / len, dy / len }, len, false, false };
}

/* A style checked and reduced to what the outline needs. */
struct stroker {
	double hw; /* half the width */
	enum fbk_line_cap cap;
	enum fbk_line_join join;
	double min_cos; /* a miter is drawn while (1 + cos turn) / 2 >= this: 1 / limit^2 */
	const char *what;
};

/* Whether the inner offset lines of the segments s1 into v and s2 out of it meet within both. */
static bool inner_meets(struct seg s1, struct point v, struct seg s2, double hw)
{
	struct point d1 = s1.d, d2 = s2.d;
	double cross = d1.x * d2.y - d1.y * d2.x;
	if (fabs(cross) <= 1e-9)
		return d1.x * d2.x + d1.y * d2.y > 0; /* straight on meets; a turn back does not */
	/* the inner side is +n when cross > 0; the -n side mirrors it */
	double sign = cross > 0 ? 1 : -1;
	struct point a = { v.x - sign * d1.y * hw, v.y + sign * d1.x * hw };
	struct point b = { v.x - sign * d2.y * hw, v.y + sign * d2.x * hw };
	double t = ((b.x - a.x) * d2.y - (b.y - a.y) * d2.x) / cross;
	double s = ((b.x - a.x) * d1.y - (b.y - a.y) * d1.x) / cross;
	return t <= 0 && -t <= s1.len && s >= 0 && s <= s2.len;
}

/*
 * The tip of a miter between the outer corners v + hw n1 and v + hw n2
 * (n1, n2 unit normals, dot their cosine): v + hw (n1 + n2) / (1 + dot),
 * or false when the limit asks for a bevel.
 */
static bool miter_tip(const struct stroker *st, struct point v, struct point n1, struct point n2,
		      struct point *tip)
{
	double dot = n1.x * n2.x + n1.y * n2.y;
	if (st->join != FBK_JOIN_MITER || !((1 + dot) / 2 >= st->min_cos) || !(1 + dot > 1e-12))
		return false;
	double f = st->hw / (1 + dot);
	*tip = (struct point){ v.x + f * (n1.x + n2.x), v.y + f * (n1.y + n2.y) };
	return true;
}

/*
 * The arc of a round join or cap: radius hw around v, from unit vector a
 * turning negatively (as the outlines wind) to unit vector b, a whole
 * turn when full. Kept as the vectors the stroker has, not as angles: no
 * atan2, cos or sin per join (flatten_round). The outline's transform is
 * the identity.
 */
static int round_arc(struct fbk_path *path, const struct stroker *st, struct point v,
		     struct point a, struct point b, bool full)
{
	double hw = st->hw;
	int err = check_point(st->what, (struct point){ fabs(v.x) + hw, fabs(v.y) + hw });
	if (!err)
		err = reserve_verbs(path, 2, 5);
	if (err)
		return err;
	/* written in place, as add would (two reserves and copies were a tenth of this call) */
	struct point *pt = path->points + path->n_points;
	pt[0] = (struct point){ v.x + hw * a.x, v.y + hw * a.y };
	pt[1] = v;
	pt[2] = (struct point){ hw, full ? 1 : 0 };
	pt[3] = a;
	pt[4] = b;
	path->n_points += 5;
	path->verbs[path->n_verbs++] = path->has_current ? VERB_LINE : VERB_MOVE;
	path->verbs[path->n_verbs++] = VERB_ROUND;
	path->has_current = true;
	return 0;
}

/* The outer side of a join, from normal n1 turning negatively to n2, as the pieces wind. */
static int join_wedge(struct fbk_path *path, const struct stroker *st, struct point v,
		      struct point n1, struct point n2)
{
	int err = fbk_path_move_to(path, v.x, v.y);
	if (err)
		return err;
	if (st->join == FBK_JOIN_ROUND) {
		err = round_arc(path, st, v, n1, n2, false);
	} else {
		struct point tip;
		err = fbk_path_line_to(path, v.x + st->hw * n1.x, v.y + st->hw * n1.y);
		if (!err && miter_tip(st, v, n1, n2, &tip))
			err = fbk_path_line_to(path, tip.x, tip.y);
		if (!err)
			err = fbk_path_line_to(path, v.x + st->hw * n2.x, v.y + st->hw * n2.y);
	}
	return err ? err : fbk_path_close(path);
}

/* A round cap's half disc around v, from -n to +n of direction d, turning negatively. */
static int cap_arc(struct fbk_path *path, const struct stroker *st, struct point v, struct point d)
{
	return round_arc(path, st, v, (struct point){ d.y, -d.x }, (struct point){ -d.y, d.x }, false);
}

/*
 * A join is_piece picks, drawn as a piece of its own between the two
 * runs of outline that end flat on it (see stroke_contour). Those ends lie
 * on the lines through v across each segment, so what the runs miss of
 * the join is the part past them on the outer side: the wedge between the
 * outer normals, whose straight sides are the runs' ends (their pixels
 * add up exactly). With round joins a segment shorter than half the width
 * does not reach across its side of the join's circle: one short segment
 * leaves the half disc beyond the other's end line (the wedge is in it),
 * two the whole circle. All pieces wind as the outlines do, so non-zero
 * fills them without holes.
 */
static int join_piece(struct fbk_path *path, const struct stroker *st, struct seg s1,
		      struct point v, struct seg s2)
{
	double hw = st->hw;
	struct point d1 = s1.d, d2 = s2.d;
	bool round = st->join == FBK_JOIN_ROUND;
	bool short1 = round && s1.len < hw;
	bool short2 = round && s2.len < hw;
	struct point n1 = { -d1.y, d1.x }, n2 = { -d2.y, d2.x };
	if (short1 && short2) {
		/* counterclockwise, as the outlines wind (a clockwise circle would cancel them) */
		path->has_current = false;
		struct point x = { 1, 0 };
		int err = round_arc(path, st, v, x, x, true);
		return err ? err : fbk_path_close(path);
	}
	/* every piece turns negatively, from its first normal to its last */
	if (short1) /* -n2 round through -d2 to +n2 */
		return join_wedge(path, st, v, (struct point){ -n2.x, -n2.y }, n2);
	if (short2) /* +n1 round through d1 to -n1 */
		return join_wedge(path, st, v, n1, (struct point){ -n1.x, -n1.y });
	/* the outer side's first normal to its second */
	if (d1.x * d2.y - d1.y * d2.x > 0) {
		n1 = (struct point){ d2.y, -d2.x };
		n2 = (struct point){ d1.y, -d1.x };
	}
	return join_wedge(path, st, v, n1, n2);
}

/*
 * One pass of clipping a convex polygon (in[0] inside) to the half-plane
 * ax x + ay y <= c: the points kept, in order, in[0] still first; in
 * itself when all are inside, as they mostly are for two of the four.
 */
static inline const struct point *clip_pass(const struct point *in, size_t *n, struct point *out,
					    double ax, double ay, double c)
{
	double f[9];
	bool out_any = false;
	f[0] = c > 0 ? -c : 0; /* the first point is inside, on the line when c is 0 */
	for (size_t i = 1; i < *n; i++) {
		f[i] = ax * in[i].x + ay * in[i].y - c;
		out_any |= f[i] > 0;
	}
	if (!out_any)
		return in;
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		size_t j = i + 1 == *n ? 0 : i + 1;
		if (f[i] <= 0)
			out[k++] = in[i];
		if ((f[i] < 0 && f[j] > 0) || (f[i] > 0 && f[j] < 0)) {
			double t = f[i] / (f[i] - f[j]);
			out[k++] = (struct point){ in[i].x + t * (in[j].x - in[i].x),
						   in[i].y + t * (in[j].y - in[i].y) };
		}
	}
	*n = k;
	return out;
}

/*
 * What the rectangles of s1 (into v) and s2 (out of v), half the width
 * either side, both cover near a join: s1's rectangle clipped to s2's,
 * in s2's frame (x along it, y along its normal +n, from v), wound as the
 * outlines are, v itself first (the middle of s1's end, on s2's start
 * line: in both). Its point after v lies on s2's start line, its last on
 * s1's end line, both on the side the line turns to. Fewer than 3 points
 * when the two only touch.
 */
static size_t overlap(struct seg s1, struct seg s2, double hw, struct point buf[2][9],
		      const struct point **o)
{
	/* s1's direction (c, -s) and normal (s, c) in s2's frame */
	double c = s1.d.x * s2.d.x + s1.d.y * s2.d.y, s = s1.d.x * s2.d.y - s1.d.y * s2.d.x;
	double ex = -s1.len * c, ey = s1.len * s, nx = hw * s, ny = hw * c;
	buf[0][0] = (struct point){ 0, 0 };
	buf[0][1] = (struct point){ -nx, -ny };
	buf[0][2] = (struct point){ ex - nx, ey - ny };
	buf[0][3] = (struct point){ ex + nx, ey + ny };
	buf[0][4] = (struct point){ nx, ny };
	size_t n = 5;
	const struct point *p = buf[0];
	p = clip_pass(p, &n, p == buf[0] ? buf[1] : buf[0], -1, 0, 0);
	if (n >= 3)
		p = clip_pass(p, &n, p == buf[0] ? buf[1] : buf[0], 0, 1, hw);
	if (n >= 3)
		p = clip_pass(p, &n, p == buf[0] ? buf[1] : buf[0], 0, -1, hw);
	if (n >= 3)
		p = clip_pass(p, &n, p == buf[0] ? buf[1] : buf[0], 1, 0, s2.len);
	*o = p;
	return n;
}

/*
 * The inner side of a cut join in one outline: from s1's inner corner
 * round what the two segments' rectangles both cover (overlap) to s2's,
 * so that part is covered once. As chains this is the pivot through v
 * (a, v, b) plus the overlap wound the other way, whose sides along the
 * two ends cancel the pivot's: the same coverage as the two runs, the
 * join's piece and the overlap taken back. The overlap's first sides often
 * run back along s1's inner edge, its last along s2's, where the outline
 * comes from and goes on: those points are left out (the lines before and
 * after are on the same line, so the chain is the same), or the pixels
 * under them would be walked three times.
 */
static int inner_overlap(struct fbk_path *path, const struct stroker *st, struct seg s1,
			 struct point v, struct seg s2)
{
	double hw = st->hw;
	struct point buf[2][9], d = s2.d;
	const struct point *o;
	size_t n = overlap(s1, s2, hw, buf, &o);
	/* a, the overlap backwards from its last point, b: in s2's frame (see overlap) */
	/* s1's inner edge is x s + y c = hw, s2's y = hw (s, c: overlap's) */
	double c = s1.d.x * s2.d.x + s1.d.y * s2.d.y, s = s1.d.x * s2.d.y - s1.d.y * s2.d.x;
	struct point q[10];
	size_t m = 0;
	/* s1's inner corner at v, from s and c: the clip passes may have written over buf[0] */
	q[m++] = (struct point){ hw * s, hw * c };
	if (n < 3)
		q[m++] = (struct point){ 0, 0 };
	for (size_t i = n < 3 ? 0 : n - 1; i > 0; i--)
		q[m++] = o[i];
	q[m++] = (struct point){ 0, hw };
	double eps = 1e-9 * (hw + s1.len);
	size_t head = 0, tail = m - 1;
	while (head + 1 < m && fabs(q[head + 1].x * s + q[head + 1].y * c - hw) <= eps)
		head++;
	while (tail > 0 && fabs(q[tail - 1].y - hw) <= eps)
		tail--;
	if (tail < head)
		tail = head; /* the two edges' meeting point */
	int err = 0;
	for (size_t i = head; i <= tail && !err; i++)
		err = fbk_path_line_to(path, v.x + q[i].x * d.x - q[i].y * d.y,
				       v.y + q[i].x * d.y + q[i].y * d.x);
	return err;
}

static int join(struct fbk_path *path, struct seg s1, struct point v, struct seg s2,
		const struct stroker *st, bool cut)
{
	double hw = st->hw;
	struct point d1 = s1.d, d2 = s2.d;
	struct point a = { v.x - d1.y * hw, v.y + d1.x * hw }, b = { v.x - d2.y * hw, v.y + d2.x * hw };
	double cross = d1.x * d2.y - d1.y * d2.x, dot = d1.x * d2.x + d1.y * d2.y;
	if (cross > 1e-9) {
		/*
		 * The inner side: where a - t d1 meets b + s d2, when the kite
		 * (v, a, that point, b) it takes back lies in both rectangles:
		 * a is hw cross along s2, b as far back along s1. Past a
		 * segment's far end it would take back what only one rectangle
		 * covers (a hole where the next segment turns away); the
		 * overlap is what both cover.
		 */
		double t = ((b.x - a.x) * d2.y - (b.y - a.y) * d2.x) / cross;
		double s = ((b.x - a.x) * d1.y - (b.y - a.y) * d1.x) / cross;
		double reach = hw * cross;
		if (!cut && t <= 0 && -t <= s1.len && s >= 0 && s <= s2.len && reach <= s1.len &&
		    reach <= s2.len)
			return fbk_path_line_to(path, a.x + t * d1.x, a.y + t * d1.y);
		return inner_overlap(path, st, s1, v, s2);
	}
	if ((cross < -1e-9 || dot < 0) && st->join == FBK_JOIN_ROUND) {
		/* the outer side, or a turn back: round, turning the way the line turns */
		struct point n1 = { -d1.y, d1.x }, n2 = { -d2.y, d2.x };
		return round_arc(path, st, v, n1, n2, false);
	}
	struct point tip;
	int err = fbk_path_line_to(path, a.x, a.y);
	if (!err && cross < -1e-9 && miter_tip(st, v, (struct point){ -d1.y, d1.x },
					       (struct point){ -d2.y, d2.x }, &tip))
		err = fbk_path_line_to(path, tip.x, tip.y);
	return err ? err : fbk_path_line_to(path, b.x, b.y);
}

/*
 * Whether the join of s1 into s2 reaches past a flat end `len` away along
 * one of them, so one outline through it would leave that part out (the
 * piece drawn at a cut holds it): a round join's circle, within half the
 * width; a miter's or bevel's inner side, the corner of the other
 * segment's rectangle, within half the width times the sine of the turn
 * (on flattened curves, with their small turns, only where the curve is
 * tighter than half the width).
 */
static bool reaches_past(const struct stroker *st, struct seg s1, struct seg s2, double len)
{
	double reach = st->hw;
	if (st->join != FBK_JOIN_ROUND)
		reach *= fabs(s1.d.x * s2.d.y - s1.d.y * s2.d.x);
	return len < reach;
}

/*
 * Which joins stroke_contour cuts (segs[k].cut for the join at point k):
 * those inner_meets refuses, and those whose join reaches past a flat
 * end: an open line's butt ends, and the flat ends the cuts themselves
 * make, so one sweep each way carries a cut along a chain of short
 * segments. A round join is cut next to the line's ends only: its circle
 * is drawn at a cut, and carried along, the short segments of a
 * flattened curve would cut it whole into pieces.
 */
static void mark_cuts(const struct point *p, struct seg *segs, size_t m, bool ring,
		      const struct stroker *st)
{
	size_t first = ring ? 0 : 1, last = ring ? m : m - 1; /* the joins */
	bool flat_ends = !ring && st->cap == FBK_CAP_BUTT;
	for (size_t k = first; k < last; k++)
		segs[k].cut = !inner_meets(segs[(k + m - 1) % m], p[k], segs[k], st->hw);
	if (!ring && last > first && flat_ends) {
		if (reaches_past(st, segs[0], segs[1], segs[0].len))
			segs[1].cut = true;
		if (reaches_past(st, segs[m - 3], segs[m - 2], segs[m - 2].len))
			segs[m - 2].cut = true;
	}
	if (st->join == FBK_JOIN_ROUND)
		return;
	/* forward then back, twice round a ring so chains may cross its start */
	size_t span = ring ? 2 * m : last - first;
	for (size_t i = 0; i < span; i++) {
		size_t k = (first + i) % m, prev = (k + m - 1) % m;
		if (!segs[k].cut && (ring || k > first) && segs[prev].cut &&
		    reaches_past(st, segs[prev], segs[k], segs[prev].len))
			segs[k].cut = true;
	}
	for (size_t i = span; i-- > 0;) {
		size_t k = (first + i) % m, next = (k + 1) % m;
		if (!segs[k].cut && (ring || k + 1 < last) && segs[next].cut &&
		    reaches_past(st, segs[(k + m - 1) % m], segs[k], segs[k].len))
			segs[k].cut = true;
	}
}

/*
 * Whether a cut join needs a piece of its own between two runs: a turn
 * back, which has no inner side, or a round join next to a segment
 * shorter than half the width, whose circle reaches past that segment's
 * far end. Any other cut join stays in its outline, its inner side round
 * the overlap (inner_overlap), its outer side the join's: as chains, the
 * runs and the piece they would be (the wedge between the outer normals)
 * are the same outline.
 */
static bool is_piece(const struct stroker *st, struct seg s1, struct seg s2)
{
	if (fabs(s1.d.x * s2.d.y - s1.d.y * s2.d.x) <= 1e-9)
		return true;
	return st->join == FBK_JOIN_ROUND && (s1.len < st->hw || s2.len < st->hw);
}

/*
 * Whether the piece at join k (one is_piece picks) is half the join's
 * circle, beyond the end of the segment that is not shorter than half
 * the width (join_piece): 1 when that is the segment after the join, -1
 * when before, 0 when the piece is another. That half disc is the run's
 * round cap there: drawn so, the run's flat end and the piece's two radii,
 * which cancel, are 3 lines less, and a contour.
 */
static int half_disc(const struct stroker *st, const struct seg *segs, size_t m, size_t k)
{
	if (st->join != FBK_JOIN_ROUND)
		return 0;
	bool short1 = segs[(k + m - 1) % m].len < st->hw, short2 = segs[k % m].len < st->hw;
	return short1 == short2 ? 0 : short1 ? 1 : -1;
}

/*
 * A run of n >= 2 of a contour's m points, walked forward from p[first]
 * (wrapping round a ring) or backward from its last point, so both sides
 * of an outline and runs across a ring's start need no copy.
 */
struct run {
	const struct point *p;
	const struct seg *segs; /* segs[k]: p[k] -> p[(k + 1) % m] */
	size_t m, first, n;
	bool back;
};

static struct point run_at(const struct run *r, size_t i)
{
	return r->p[(r->first + (r->back ? r->n - 1 - i : i)) % r->m];
}

/* Whether the join at the run's point i is cut (mark_cuts). */
static bool run_cut(const struct run *r, size_t i)
{
	return r->segs[(r->first + (r->back ? r->n - 1 - i : i)) % r->m].cut;
}

/* The run's segment from its point i to i + 1 (to its point 0 from n - 1 on a ring). */
static struct seg run_seg(const struct run *r, size_t i)
{
	if (!r->back)
		return r->segs[(r->first + i) % r->m];
	struct seg s = r->segs[(r->first + r->m + r->n - 2 - i) % r->m];
	return (struct seg){ { -s.d.x, -s.d.y }, s.len, false, false };
}

/*
 * The +n side of a run, n >= 2 distinct consecutive points (a ring when
 * closed), starting on the round cap's half from the -n side when
 * round_start.
 */
static int stroke_side(struct fbk_path *path, const struct run *r, bool closed, bool round_start,
		       const struct stroker *st)
{
	double hw = st->hw;
	size_t n = r->n;
	int err = 0;
	if (!closed) {
		struct point p0 = run_at(r, 0), d = run_seg(r, 0).d;
		if (round_start)
			err = cap_arc(path, st, p0, d);
		if (!err)
			err = fbk_path_line_to(path, p0.x - d.y * hw, p0.y + d.x * hw);
	}
	for (size_t k = closed ? 0 : 1; k < (closed ? n : n - 1) && !err; k++)
		err = join(path, run_seg(r, (k + n - 1) % n), run_at(r, k), run_seg(r, k), st,
			   run_cut(r, k));
	if (!err && !closed) {
		struct point b = run_at(r, n - 1), d = run_seg(r, n - 2).d;
		err = fbk_path_line_to(path, b.x - d.y * hw, b.y + d.x * hw);
	}
	if (!err && closed)
		err = fbk_path_close(path);
	return err;
}

/* One outline around an open run: the +n side forward, then back along the other. */
static int stroke_run(struct fbk_path *path, struct run r, bool round_start, bool round_end,
		      const struct stroker *st)
{
	path->has_current = false;
	r.back = false;
	int err = stroke_side(path, &r, false, round_start, st);
	r.back = true;
	if (!err)
		err = stroke_side(path, &r, false, round_end, st);
	return err ? err : fbk_path_close(path);
}

/*
 * One contour's outline into path: p[0..m) distinct consecutive points
 * (the ring's closing one dropped). Square caps are butt caps on the ends
 * moved out by half the width. Each join mark_cuts picks takes its inner
 * side round the segments' overlap (inner_overlap); where is_piece says
 * so it cuts the contour there too: the runs between such joins are one
 * outline each, ending flat on the line across the vertex, and the vertex
 * gets a piece (join_piece), so only pixels near it can come out too
 * strong where the runs and the piece overlap.
 */
#define STROKE_LOCAL_SEGS 128

/* The most corners ring_meets follows of the rectangles' common part before it assumes they meet. */
#define RING_MEET_CORNERS 32

/* The part of the convex polygon in (n points) where (x - a) . (nx, ny) <= c, into out. */
static size_t clip_to_side(const struct point *in, size_t n, struct point *out, struct point a,
			   double nx, double ny, double c)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = i + 1 == n ? 0 : i + 1;
		double fi = (in[i].x - a.x) * nx + (in[i].y - a.y) * ny - c;
		double fj = (in[j].x - a.x) * nx + (in[j].y - a.y) * ny - c;
		if (fi <= 0)
			out[k++] = in[i];
		if ((fi < 0 && fj > 0) || (fi > 0 && fj < 0)) {
			double t = fi / (fi - fj);
			out[k++] = (struct point){ in[i].x + t * (in[j].x - in[i].x),
						   in[i].y + t * (in[j].y - in[i].y) };
		}
	}
	return k;
}

/*
 * Whether the rectangles of a ring's m segments (half the width hw either
 * side) all share an area: the first one clipped to each of the others
 * in turn, until nothing is left. Only there can a ring whose joins each
 * take their two segments' overlap back (the kite inside a join or
 * inner_overlap's) take back as much as is covered: a point in k of the
 * rectangles is taken back at most once per pair of consecutive ones,
 * k - 1 times unless it is in all m, and m times then. Their bounding
 * boxes were not enough: those of every triangle's sides share a point,
 * which made every triangle a piece, its inner corner too strong. A part
 * with more than RING_MEET_CORNERS corners (many short sides, all
 * overlapping) counts as shared: a piece there costs only summed pixels,
 * a hole would show.
 */
static bool ring_meets(const struct seg *segs, const struct point *p, size_t m, double hw)
{
	struct point buf[2][RING_MEET_CORNERS];
	struct point a = p[0], d = segs[0].d, n = { -d.y * hw, d.x * hw };
	struct point e = { a.x + d.x * segs[0].len, a.y + d.y * segs[0].len };
	buf[0][0] = (struct point){ a.x + n.x, a.y + n.y };
	buf[0][1] = (struct point){ e.x + n.x, e.y + n.y };
	buf[0][2] = (struct point){ e.x - n.x, e.y - n.y };
	buf[0][3] = (struct point){ a.x - n.x, a.y - n.y };
	size_t count = 4, in = 0;
	for (size_t k = 1; k < m; k++) {
		struct point at = p[k], dk = segs[k].d;
		double sides[4][3] = {
			{ -dk.x, -dk.y, 0 },	       /* not before its start */
			{ dk.x, dk.y, segs[k].len },   /* nor past its end */
			{ -dk.y, dk.x, hw },	       /* within hw of it */
			{ dk.y, -dk.x, hw },
		};
		for (int i = 0; i < 4; i++) {
			if (count + 1 > RING_MEET_CORNERS)
				return true;
			count = clip_to_side(buf[in], count, buf[1 - in], at, sides[i][0], sides[i][1],
					     sides[i][2]);
			in = 1 - in;
			if (count < 3)
				return false;
		}
	}
	return true;
}

static int stroke_contour(struct fbk_path *path, struct point *p, size_t m, bool closed,
			  const struct stroker *st)
{
	double hw = st->hw;
	if (m == 1) {
		if (st->cap == FBK_CAP_ROUND) {
			bool had = path->has_current;
			path->has_current = false;
			int err = elliptic_arc(path, st->what, p[0].x, p[0].y, hw, hw, 0, 2 * M_PI);
			if (err)
				path->has_current = had;
			return err ? err : fbk_path_close(path);
		}
		if (st->cap == FBK_CAP_SQUARE)
			return fbk_path_rect(path, p[0].x - hw, p[0].y - hw, 2 * hw, 2 * hw);
		return 0;
	}
	if (closed && m == 2) {
		/*
		 * Out and back: both ends are turns back, round with round joins,
		 * flat otherwise (a half turn is past any miter limit, and its
		 * bevel is flat across the point); never the style's caps.
		 */
		struct stroker out_and_back = *st;
		out_and_back.cap = st->join == FBK_JOIN_ROUND ? FBK_CAP_ROUND : FBK_CAP_BUTT;
		return stroke_contour(path, p, m, false, &out_and_back);
	}
	bool ring = closed && m > 2;
	if (!ring && st->cap == FBK_CAP_SQUARE) {
		struct point d = unit(p[0], p[1]), e = unit(p[m - 2], p[m - 1]);
		p[0].x -= d.x * hw;
		p[0].y -= d.y * hw;
		p[m - 1].x += e.x * hw;
		p[m - 1].y += e.y * hw;
		int err = check_point(st->what, p[0]);
		if (!err)
			err = check_point(st->what, p[m - 1]);
		if (err)
			return err;
	}
	/* a ring's m segments, an open line's m - 1; on the stack for a short contour */
	size_t n_segs = ring ? m : m - 1;
	struct seg local[STROKE_LOCAL_SEGS];
	struct seg *segs = local;
	if (n_segs > STROKE_LOCAL_SEGS) {
		segs = malloc(n_segs * sizeof(*segs)); /* m <= 2^23: no overflow */
		if (!segs)
			return fbk_fail(-ENOMEM, "%s: out of memory for %zu segments", st->what, n_segs);
	}
	for (size_t k = 0; k < n_segs; k++)
		segs[k] = seg_of(p[k], p[(k + 1) % m]);
	mark_cuts(p, segs, m, ring, st);
	size_t first = ring ? 0 : 1, last = ring ? m : m - 1; /* the joins */
	size_t cut = last;
	for (size_t k = last; k-- > first;) {
		if (segs[k].cut && is_piece(st, segs[(k + m - 1) % m], segs[k])) {
			segs[k].piece = true;
			cut = k;
		}
	}
	if (ring && cut == last && ring_meets(segs, p, m, hw)) {
		/*
		 * Every join takes its overlap back: where all the rectangles
		 * overlap that is all they cover, a hole. One join a piece (a cut
		 * one if any) makes the ring one open run, whose joins take back
		 * at most all but one of a point's rectangles.
		 */
		cut = 0;
		for (size_t k = 0; k < m; k++)
			if (segs[k].cut) {
				cut = k;
				break;
			}
		segs[cut].piece = true;
	}
	struct run r = { p, segs, m, 0, m, false };
	int err = 0;
	bool round = st->cap == FBK_CAP_ROUND;
	if (cut == last && ring) {
		/* two rings of opposite winding */
		path->has_current = false;
		err = stroke_side(path, &r, true, false, st);
		r.back = true;
		if (!err)
			err = stroke_side(path, &r, true, false, st);
	} else if (cut == last) {
		err = stroke_run(path, r, round, round, st);
	} else {
		/* from a ring's first cut round to itself, or from an open line's start to its end */
		size_t start = ring ? cut : 0, end = ring ? cut + m : m - 1;
		for (size_t k = ring ? cut + 1 : cut; k <= end && !err; k++) {
			bool at_end = k == end;
			if (!at_end && k != cut && !segs[k % m].piece)
				continue;
			r.first = start % m;
			r.n = k - start + 1;
			bool round_start = !ring && start == 0 ? round : half_disc(st, segs, m, start) > 0;
			bool round_end = !ring && at_end ? round : half_disc(st, segs, m, k) < 0;
			err = stroke_run(path, r, round_start, round_end, st);
			if (!err && (ring || !at_end) && !half_disc(st, segs, m, k))
				err = join_piece(path, st, segs[(k + m - 1) % m], p[k % m], segs[k % m]);
			start = k;
		}
	}
	if (segs != local)
		free(segs);
	return err;
}

/*
 * Whether two points are one for a stroke: a line shorter than this has no
 * direction to give its joins (and a flattened closed curve may end a
 * rounding error away from its start).
 */
static bool same_point(struct point a, struct point b)
{
	return fabs(a.x - b.x) <= 1e-7 && fabs(a.y - b.y) <= 1e-7;
}

/* Repeated points dropped from p[0..n), and a ring's closing one; the count left. */
static size_t distinct(struct point *p, size_t n, bool closed)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || !same_point(p[i], p[m - 1]))
			p[m++] = p[i];
	if (closed && m > 1 && same_point(p[0], p[m - 1]))
		m--;
	return m;
}

/* The most dashes one stroke may draw: a finer pattern is -EFBIG before any work. */
#define MAX_DASH_PIECES ((size_t)1 << 20)

/*
 * A dash pattern checked: n entries (an odd count of the caller's is used
 * twice, so entry i is len[i % n_len]) summing to period > 0, and where
 * each contour starts in it.
 */
struct dash {
	const double *len;
	size_t n_len, n;
	double period, offset;
};

/* Where a walk along the pattern is: entry i, with `left` pixels of it to go. */
struct dash_walk {
	size_t i;
	double left;
};

static struct dash_walk dash_start(const struct dash *d)
{
	double o = fmod(d->offset, d->period);
	if (o < 0)
		o += d->period;
	struct dash_walk w = { 0, d->len[0] };
	/*
	 * o < period bounds this by n; an o at an entry's end stays in that
	 * entry, so a dash of length 0 there is drawn
	 */
	while (o > w.left && w.i + 1 < d->n) {
		o -= w.left;
		w.i++;
		w.left = d->len[w.i % d->n_len];
	}
	w.left -= o;
	if (w.left < 0)
		w.left = 0;
	return w;
}

/* The working memory of one dashed contour of up to m points. */
struct dasher {
	struct point *cur, *first, *scratch; /* m + 3, m + 3, 2m + 6 points */
	size_t n_cur, n_first;
	bool keep_first; /* the first dash began at the start of a closed contour */
};

/* Stroke the n points at pts as one open dash: distinct points, then stroke_contour. */
static int stroke_dash(struct fbk_path *path, struct dasher *ds, const struct point *pts, size_t n,
		       const struct point *more, size_t n_more, const struct stroker *st)
{
	memcpy(ds->scratch, pts, n * sizeof(*pts));
	if (n_more)
		memcpy(ds->scratch + n, more, n_more * sizeof(*more));
	size_t m = distinct(ds->scratch, n + n_more, false);
	return m ? stroke_contour(path, ds->scratch, m, false, st) : 0;
}

/*
 * One contour of m distinct points cut into dashes along its length, each
 * stroked as an open line; on a closed contour the dash that runs through
 * the start is the last piece followed by the first, joined at the start.
 */
static int stroke_dashed(struct fbk_path *path, struct point *p, size_t m, bool closed,
			 const struct stroker *st, const struct dash *d, struct dasher *ds)
{
	struct dash_walk w = dash_start(d);
	bool on = w.i % 2 == 0;
	ds->n_cur = ds->n_first = 0;
	ds->keep_first = closed && on;
	bool toggled = false;
	if (on)
		ds->cur[ds->n_cur++] = p[0];
	size_t segments = closed && m > 1 ? m : m - 1;
	int err = 0;
	for (size_t k = 0; k < segments && !err; k++) {
		struct point a = p[k], b = p[(k + 1) % m];
		double len = length(b.x - a.x, b.y - a.y), t = 0;
		while (w.left < len - t && !err) {
			t += w.left;
			struct point q = { a.x + (b.x - a.x) * (t / len), a.y + (b.y - a.y) * (t / len) };
			if (on) {
				ds->cur[ds->n_cur++] = q;
				if (ds->keep_first && !toggled) {
					memcpy(ds->first, ds->cur, ds->n_cur * sizeof(*ds->cur));
					ds->n_first = ds->n_cur;
				} else {
					err = stroke_dash(path, ds, ds->cur, ds->n_cur, NULL, 0, st);
				}
				ds->n_cur = 0;
			} else {
				ds->cur[0] = q;
				ds->n_cur = 1;
			}
			toggled = true;
			on = !on;
			w.i = (w.i + 1) % d->n;
			w.left = d->len[w.i % d->n_len];
		}
		w.left -= len - t;
		if (on)
			ds->cur[ds->n_cur++] = b;
	}
	if (err)
		return err;
	if (!toggled)
		/* one dash longer than the contour: the contour itself */
		return on ? stroke_contour(path, p, m, closed, st) : 0;
	if (on && ds->n_first)
		return stroke_dash(path, ds, ds->cur, ds->n_cur, ds->first + 1, ds->n_first - 1, st);
	if (on)
		err = stroke_dash(path, ds, ds->cur, ds->n_cur, NULL, 0, st);
	if (!err && ds->n_first)
		err = stroke_dash(path, ds, ds->first, ds->n_first, NULL, 0, st);
	return err;
}

/* The style's dash pattern checked into d; d->n == 0 for solid lines. */
static int dash_pattern(const struct fbk_stroke_style *style, struct dash *d, const char *what)
{
	*d = (struct dash){ 0 };
	if (style->size < offsetof(struct fbk_stroke_style, dash_offset) + sizeof(double) ||
	    style->n_dashes == 0)
		return 0;
	if (!style->dashes)
		return fbk_fail(-EINVAL, "%s: %zu dashes but a NULL dash array", what, style->n_dashes);
	if (style->n_dashes > FBK_STROKE_MAX_DASHES)
		return fbk_fail(-EINVAL, "%s: %zu dash entries; at most %d", what, style->n_dashes,
				FBK_STROKE_MAX_DASHES);
	if (!isfinite(style->dash_offset))
		return fbk_fail(-EINVAL, "%s: the dash offset is not a finite number", what);
	double sum = 0;
	for (size_t i = 0; i < style->n_dashes; i++) {
		double v = style->dashes[i];
		if (!isfinite(v) || v < 0)
			return fbk_fail(-EINVAL, "%s: dash entry %zu (%g) is negative or not finite",
					what, i, v);
		sum += v;
	}
	if (!(sum > 0))
		return fbk_fail(-EINVAL, "%s: every dash entry is 0; give a dash or gap a length",
				what);
	d->len = style->dashes;
	d->n_len = style->n_dashes;
	d->n = style->n_dashes % 2 ? 2 * style->n_dashes : style->n_dashes;
	d->period = style->n_dashes % 2 ? 2 * sum : sum;
	d->offset = style->dash_offset;
	return 0;
}

/*
 * How many dashes the contours' lengths ask for, at most: refused past
 * MAX_DASH_PIECES before any is drawn, so a pattern far finer than the
 * path cannot take unbounded time.
 */
static int check_dash_count(const struct sink *k, const struct dash *d, const char *what)
{
	double pieces = 0;
	for (size_t i = 0; i < k->n_contours; i++) {
		const struct contour_span *c = &k->contours[i];
		const struct point *p = k->pts + c->start;
		double len = 0;
		for (size_t j = 0; j + 1 < c->n; j++)
			len += length(p[j + 1].x - p[j].x, p[j + 1].y - p[j].y);
		if (c->closed && c->n > 1)
			len += length(p[0].x - p[c->n - 1].x, p[0].y - p[c->n - 1].y);
		pieces += (floor(len / d->period) + 2) * (double)d->n;
	}
	if (pieces > (double)MAX_DASH_PIECES)
		return fbk_fail(-EFBIG, "%s: the dash pattern (period %g pixels) cuts the path into "
				"more than %zu dashes; use a longer pattern", what, d->period,
				MAX_DASH_PIECES);
	return 0;
}

/*
 * Room for 16 points and 8 verbs a vertex of a polyline (a round join
 * takes 7 points on its outer side, 1 to 10 on its inner), grown once
 * instead of doubling from the inline arrays five or six times (2% of an
 * 8 px chart's time); best effort, for lines of up to 1024 points:
 * reserve still checks each addition.
 */
static void presize(struct fbk_path *p, size_t m)
{
	if (m > 1024 || p->verbs != p->inline_verbs || p->points != p->inline_points)
		return;
	size_t points = 16 * m, verbs = 8 * m;
	if (points > p->point_capacity) {
		struct point *pts = malloc(points * sizeof(*pts));
		if (!pts)
			return;
		memcpy(pts, p->points, p->n_points * sizeof(*pts));
		p->points = pts;
		p->point_capacity = points;
	}
	if (verbs > p->verb_capacity) {
		uint8_t *v = malloc(verbs);
		if (!v)
			return;
		memcpy(v, p->verbs, p->n_verbs);
		p->verbs = v;
		p->verb_capacity = verbs;
	}
}

/* fbk_stroke_polyline's outline into path; a width <= 0 or fewer than 2 distinct points add nothing. */
static int polyline_outline(struct fbk_path *path, const double *xy, size_t n, int closed,
			    double width, const char *what)
{
	if (!xy && n)
		return fbk_fail(-EINVAL, "%s: NULL points", what);
	int err = check_finite(what, width);
	if (err)
		return err;
	if (n > MAX_POINTS / 4)
		return fbk_fail(-EFBIG, "%s: more than %zu points; split the line", what,
				MAX_POINTS / 4);
	struct point *pts = n ? malloc(n * sizeof(*pts)) : NULL;
	if (n && !pts)
		return fbk_fail(-ENOMEM, "%s: out of memory for %zu points", what, n);
	for (size_t i = 0; i < n && !err; i++) {
		pts[i] = (struct point){ xy[2 * i], xy[2 * i + 1] };
		err = check_point(what, pts[i]);
	}
	size_t m = err ? 0 : distinct(pts, n, closed);
	if (!err && m >= 2 && width > 0) {
		const struct stroker st = { width / 2, FBK_CAP_BUTT, FBK_JOIN_ROUND, 0, what };
		presize(path, m);
		err = stroke_contour(path, pts, m, closed, &st);
	}
	free(pts);
	return err;
}

int fbk_polyline_outline(struct fbk_path *path, const double *xy, size_t n, int closed,
			 double width)
{
	return polyline_outline(path, xy, n, closed, width, "fbk_polyline_outline");
}

int fbk_stroke_polyline(struct fbk_surface *dst, const double *xy, size_t n, int closed,
			double width, struct fbk_color color)
{
	struct fbk_path path;
	path_init(&path);
	int err = polyline_outline(&path, xy, n, closed, width, "fbk_stroke_polyline");
	if (!err && path.n_verbs == 0) {
		path_finish(&path);
		return fbk_surface_check(dst);
	}
	return fill_stack_path(dst, &path, err, color);
}

int fbk_path_stroke(struct fbk_surface *dst, const struct fbk_path *path,
		    const struct fbk_stroke_style *style, struct fbk_color color)
{
	static const char what[] = "fbk_path_stroke";
	if (!path || !style)
		return fbk_fail(-EINVAL, "%s: NULL %s", what, path ? "style" : "path");
	if (style->size < offsetof(struct fbk_stroke_style, miter_limit) + sizeof(double))
		return fbk_fail(-EINVAL, "%s: style size %zu is too small; initialise it with "
				"FBK_STROKE_STYLE_INIT", what, style->size);
	if (!isfinite(style->width) || !isfinite(style->miter_limit))
		return fbk_fail(-EINVAL, "%s: the width or miter limit is not a finite number", what);
	if ((unsigned)style->cap > FBK_CAP_SQUARE || (unsigned)style->join > FBK_JOIN_BEVEL)
		return fbk_fail(-EINVAL, "%s: unknown cap %d or join %d", what, (int)style->cap,
				(int)style->join);
	if (style->width > 2 * FBK_SHAPE_COORD_MAX)
		return fbk_fail(-ERANGE, "%s: width %g is beyond %g pixels", what, style->width,
				2 * FBK_SHAPE_COORD_MAX);
	int err = fbk_surface_check(dst);
	if (err || !(style->width > 0))
		return err;
	double limit = style->miter_limit;
	const struct stroker st = { style->width / 2, style->cap, style->join,
				    limit < 1 ? 2 : 1 / (limit * limit), what };
	struct dash dash;
	err = dash_pattern(style, &dash, what);
	if (err)
		return err;
	struct sink k = { .raster = NULL, .clip = fbk_effective_clip(dst) };
	k.margin = st.hw * (st.join == FBK_JOIN_MITER && limit > 1 ? limit : 1) + 2;
	flatten(path, &k);
	err = k.err;
	if (!err && dash.n)
		err = check_dash_count(&k, &dash, what);
	size_t longest = 0;
	for (size_t i = 0; i < k.n_contours; i++)
		if (k.contours[i].n > longest)
			longest = k.contours[i].n;
	/* longest for a solid contour; a dashed one's pieces and their work space after it */
	size_t points = dash.n ? 5 * longest + 12 : longest;
	struct point *scratch = NULL;
	if (!err && longest) {
		scratch = malloc(points * sizeof(*scratch)); /* longest <= 2^22 */
		if (!scratch)
			err = fbk_fail(-ENOMEM, "%s: out of memory for %zu points", what, longest);
	}
	struct dasher ds = { 0 };
	if (scratch && dash.n) {
		ds.scratch = scratch + longest;
		ds.cur = ds.scratch + 2 * longest + 6;
		ds.first = ds.cur + longest + 3;
	}
	struct fbk_path outline;
	path_init(&outline);
	for (size_t i = 0; i < k.n_contours && !err; i++) {
		const struct contour_span *c = &k.contours[i];
		if (c->n < 2)
			continue; /* a lone move_to */
		memcpy(scratch, k.pts + c->start, c->n * sizeof(*scratch));
		size_t m = distinct(scratch, c->n, c->closed);
		if (dash.n && m > 1)
			err = stroke_dashed(&outline, scratch, m, c->closed, &st, &dash, &ds);
		else
			err = stroke_contour(&outline, scratch, m, c->closed, &st);
	}
	free(scratch);
	free(k.pts);
	free(k.contours);
	return fill_stack_path(dst, &outline, err, color);
}
