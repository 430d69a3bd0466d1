/*
 * fbkit: anti-aliased shapes. A path of lines, quadratic and cubic Bézier
 * curves and elliptical arcs is filled with exact area coverage (every
 * edge pixel gets the fraction of its area the shape covers), blended
 * with a colour (OVER) in any format, clipped to the surface's clip.
 * Convenience calls draw the common shapes without a path object.
 *
 * Coordinates are doubles in pixels: (0, 0) is the top left corner of the
 * top left pixel, so the pixel (x, y) is the square [x, x + 1) x [y, y + 1)
 * and its centre is (x + 0.5, y + 0.5). After the path's transform every
 * coordinate must lie within +-FBK_SHAPE_COORD_MAX; the rasterizer keeps
 * them in 22.10 fixed point (1/1024 pixel). Curves are flattened to lines
 * that stay within FBK_SHAPE_TOLERANCE pixels of the true curve.
 *
 * Errors are negative errno values with a message in fbk_last_error():
 * -EINVAL for NULL arguments and non-finite numbers, -ERANGE for
 * coordinates beyond the range, -ENOMEM, -EFBIG for paths too large.
 * A failing call changes no pixel and leaves a path as it was.
 */
#ifndef FBKIT_SHAPES_H
#define FBKIT_SHAPES_H

#include "fbkit/surface.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The largest coordinate magnitude (pixels, after the transform): 2^20. */
#define FBK_SHAPE_COORD_MAX 1048576.0

/** How far (pixels) flattened curves and arcs may stray from the true curve. */
#define FBK_SHAPE_TOLERANCE (1.0 / 256)

/** Which points a path with crossing or nested contours covers. */
enum fbk_fill_rule {
	FBK_FILL_NONZERO, /* points the path winds around at all */
	FBK_FILL_EVEN_ODD, /* points the path winds around an odd number of times */
};

/**
 * An affine transform: a user point (x, y) maps to
 * (xx * x + xy * y + x0, yx * x + yy * y + y0).
 */
struct fbk_transform {
	double xx, yx, xy, yy, x0, y0;
};

/** The identity transform. */
#define FBK_TRANSFORM_IDENTITY ((struct fbk_transform){ 1, 0, 0, 1, 0, 0 })

/** A path: contours of lines, curves and arcs, built a command at a time. */
struct fbk_path;

/** Create an empty path with the identity transform. Errors: -EINVAL (NULL), -ENOMEM. */
FBK_API int fbk_path_create(struct fbk_path **out);

/** Free a path. Accepts NULL. */
FBK_API void fbk_path_destroy(struct fbk_path *path);

/** Remove every contour; the transform is kept. Accepts NULL. */
FBK_API void fbk_path_reset(struct fbk_path *path);

/**
 * Set the transform applied to the coordinates of the commands that
 * follow (those already added keep theirs). NULL: the identity.
 * Errors: -EINVAL (NULL path, a non-finite entry).
 */
FBK_API int fbk_path_set_transform(struct fbk_path *path, const struct fbk_transform *t);

/** Start a new contour at (x, y). Errors: -EINVAL, -ERANGE, -ENOMEM, -EFBIG. */
FBK_API int fbk_path_move_to(struct fbk_path *path, double x, double y);

/**
 * A straight line from the current point to (x, y); with no current
 * point, it starts a contour there instead. Errors as fbk_path_move_to.
 */
FBK_API int fbk_path_line_to(struct fbk_path *path, double x, double y);

/** A quadratic Bézier curve with control point (cx, cy). Errors as fbk_path_move_to. */
FBK_API int fbk_path_quad_to(struct fbk_path *path, double cx, double cy, double x, double y);

/** A cubic Bézier curve with control points (c1x, c1y), (c2x, c2y). Errors as fbk_path_move_to. */
FBK_API int fbk_path_cubic_to(struct fbk_path *path, double c1x, double c1y, double c2x,
			      double c2y, double x, double y);

/**
 * A circular arc of radius r around (cx, cy) from angle a0 to a1 (radians;
 * 0 points along +x and angles grow towards +y, clockwise on screen; a1 <
 * a0 sweeps the other way; at most one full turn is drawn). A line joins
 * the current point to the arc's start; with no current point the arc
 * starts a contour. Errors as fbk_path_move_to (r < 0 is -EINVAL).
 */
FBK_API int fbk_path_arc(struct fbk_path *path, double cx, double cy, double r, double a0,
			 double a1);

/** Close the current contour with a line back to its start. Errors: -EINVAL (NULL). */
FBK_API int fbk_path_close(struct fbk_path *path);

/**
 * Closed contours of common shapes, each a contour of its own, wound
 * clockwise on screen. A rectangle with w <= 0 or h <= 0 adds nothing.
 * rounded_rect's radii are the top left, top right, bottom right and
 * bottom left corners' (NULL: all 0); radii too large for the sides are
 * scaled down together, as CSS does. Errors as fbk_path_move_to, and
 * -EINVAL for a negative radius.
 */
FBK_API int fbk_path_rect(struct fbk_path *path, double x, double y, double w, double h);
FBK_API int fbk_path_rounded_rect(struct fbk_path *path, double x, double y, double w, double h,
				  const double radii[4]);
FBK_API int fbk_path_circle(struct fbk_path *path, double cx, double cy, double r);
FBK_API int fbk_path_ellipse(struct fbk_path *path, double cx, double cy, double rx, double ry);

/**
 * Fill the path (every contour closed) with a colour by the rule, blended
 * OVER the destination with anti-aliased edges. Works in the caller's
 * thread; temporary memory is proportional to the path's size and the
 * clip's width, never to the shape's size. Errors: -EINVAL (NULL, invalid
 * surface, unknown rule), -ENOTSUP (unknown format), -ENOMEM, -EFBIG (the
 * flattened path has more than 2^24 lines).
 */
FBK_API int fbk_path_fill(struct fbk_surface *dst, const struct fbk_path *path,
			  enum fbk_fill_rule rule, struct fbk_color color);

/**
 * Convenience fills that need no path object; the errors of fbk_path_fill
 * and of the path call each one stands for.
 */
FBK_API int fbk_fill_rounded_rect(struct fbk_surface *dst, double x, double y, double w, double h,
				  double radius, struct fbk_color color);
FBK_API int fbk_fill_circle(struct fbk_surface *dst, double cx, double cy, double r,
			    struct fbk_color color);
FBK_API int fbk_fill_ellipse(struct fbk_surface *dst, double cx, double cy, double rx, double ry,
			     struct fbk_color color);

/**
 * A gauge's arc or a pie slice: the part of the ring between radii r_inner
 * and r_outer around (cx, cy) swept from angle a0 to a1 (as fbk_path_arc).
 * r_inner 0 gives a pie slice. Errors as fbk_fill_circle, and -EINVAL when
 * r_inner > r_outer.
 */
FBK_API int fbk_fill_pie(struct fbk_surface *dst, double cx, double cy, double r_outer,
			 double r_inner, double a0, double a1, struct fbk_color color);

/**
 * An anti-aliased straight line `width` pixels wide from (x0, y0) to
 * (x1, y1), with flat (butt) ends at the two points. A zero-length line or
 * a width <= 0 draws nothing. Errors as fbk_fill_circle.
 */
FBK_API int fbk_draw_line_aa(struct fbk_surface *dst, double x0, double y0, double x1, double y1,
			     double width, struct fbk_color color);

/**
 * A polyline (a chart's line) `width` pixels wide through the n points
 * xy[0..2n) (x, y pairs), anti-aliased, with round joins and flat (butt)
 * ends; closed != 0 joins the last point to the first (a polygon's
 * outline; two points closed go out and back, a capsule). Repeated points are skipped; fewer than two distinct points
 * or a width <= 0 draw nothing. The outline does not overlap itself at a
 * join, so joins have no seams: a sharp join's inner side goes round what
 * both segments cover. Only a round join next to a segment shorter than
 * half the width, and one join of a closed line small enough for all its
 * sides to overlap, are pieces of their own between the outlines on
 * either side, where pixels near them may come out too strong, never too
 * weak; where the line crosses itself, the crossing pixels are
 * approximated as fbk_path_fill's rules say.
 * Errors: -EINVAL (NULL, a non-finite number), -ERANGE, -ENOMEM, -EFBIG,
 * and those of fbk_path_fill.
 */
FBK_API int fbk_stroke_polyline(struct fbk_surface *dst, const double *xy, size_t n, int closed,
				double width, struct fbk_color color);

/** How a stroke's open ends look. */
enum fbk_line_cap {
	FBK_CAP_BUTT, /* flat, at the end point */
	FBK_CAP_ROUND, /* a half disc around the end point */
	FBK_CAP_SQUARE, /* flat, half the width past the end point */
};

/** How a stroke turns at a vertex, on the outer side of the turn. */
enum fbk_line_join {
	FBK_JOIN_MITER, /* the outer edges extended until they meet, while within the limit */
	FBK_JOIN_ROUND, /* an arc of the half width around the vertex */
	FBK_JOIN_BEVEL, /* a straight line across the outer corners */
};

/** The most entries a stroke's dash pattern may have. */
#define FBK_STROKE_MAX_DASHES 1024

/**
 * How fbk_path_stroke draws a path's lines. Initialise it with
 * FBK_STROKE_STYLE_INIT and then set the fields: `size` lets later
 * versions add fields at the end without breaking programs built against
 * this one (a style sized before the dash fields strokes solid lines).
 * A miter join whose length (vertex to tip, doubled) exceeds miter_limit
 * times the width is drawn beveled; a limit below 1 bevels every turn
 * (cairo's rule and default, 10).
 *
 * Dashes: `dashes` holds n_dashes lengths (pixels along the line, after
 * the transform), dash and gap in turn from a dash; an odd count is used
 * twice over, so its entries are dashes and gaps in turn (cairo's rule).
 * Each contour starts dash_offset pixels into the pattern (negative
 * offsets count back from its end). Every dash is a line of its own, with
 * the style's caps at its ends and joins where it turns; a dash of length
 * 0 draws what a line of length 0 draws (a disc with round caps, an
 * axis-aligned square with square caps, nothing with butt caps). On a
 * closed contour a dash that runs through the start is one dash, joined
 * there. NULL or n_dashes 0: solid lines.
 */
struct fbk_stroke_style {
	size_t size; /* sizeof(struct fbk_stroke_style) */
	double width; /* pixels, after the transform; <= 0 draws nothing */
	enum fbk_line_cap cap;
	enum fbk_line_join join;
	double miter_limit;
	const double *dashes; /* the caller's; read during fbk_path_stroke only */
	size_t n_dashes; /* at most FBK_STROKE_MAX_DASHES */
	double dash_offset;
};

#define FBK_STROKE_STYLE_INIT                                                                  \
	((struct fbk_stroke_style){ sizeof(struct fbk_stroke_style), 1.0, FBK_CAP_BUTT,        \
				    FBK_JOIN_MITER, 10.0, NULL, 0, 0.0 })

/**
 * Stroke the path: every contour's lines (curves and arcs flattened first)
 * drawn `style->width` pixels wide with the style's caps and joins, as one
 * outline filled non-zero and blended OVER like fbk_path_fill. Closed
 * contours are rings with a join at their start and no caps. Repeated
 * points are skipped; a contour whose points all coincide (a line of
 * length 0) draws a disc with round caps, an axis-aligned square with
 * square caps and nothing with butt caps; a lone move_to draws nothing.
 * The width is in device pixels: the path's transform moved the points,
 * it does not scale the width. Where the outline cannot be one
 * non-overlapping polygon (near a join whose segments are shorter than
 * its turn needs, a line crossing itself, dashes whose caps overlap), the
 * pixels along overlapping pieces' edges may come out too strong, never
 * too weak (see fbk_stroke_polyline).
 * Errors: -EINVAL (NULL, a non-finite width or limit, an unknown cap or
 * join, a size smaller than the fields up to miter_limit; a dash pattern
 * with NULL entries, more than FBK_STROKE_MAX_DASHES, a negative or
 * non-finite entry or offset, or entries that are all 0), -ERANGE (the
 * outline beyond FBK_SHAPE_COORD_MAX), -ENOMEM, -EFBIG (also: more than
 * 2^20 dashes in one call), and those of fbk_path_fill.
 */
FBK_API int fbk_path_stroke(struct fbk_surface *dst, const struct fbk_path *path,
			    const struct fbk_stroke_style *style, struct fbk_color color);

#ifdef __cplusplus
}
#endif

#endif
