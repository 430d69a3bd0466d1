/*
 * Internal: the coverage rasterizer behind fbkit/shapes.h. Lines are added
 * in device pixels (already range-checked by the caller), then one call
 * fills them with a rule and a colour; see raster.c for the method.
 */
#ifndef FBK_RASTER_H
#define FBK_RASTER_H

#include <stddef.h>
#include <stdint.h>

#include "fbkit/shapes.h"

/*
 * Fixed point of edge coordinates: 22.10, so 1/1024 pixel (coordinates
 * within +-2^20 pixels use 31 bits). A vertex moves at most 1/2048 pixel,
 * which changes no pixel's coverage by more than 1/8 of a 1/255 step.
 */
#define FBK_RASTER_SHIFT 10
#define FBK_RASTER_ONE (1 << FBK_RASTER_SHIFT)

/* The most lines one fill may hold (-EFBIG past it). */
#define FBK_RASTER_MAX_EDGES ((size_t)1 << 24)

/*
 * One line, top to bottom (y0 < y1, 22.10), dir +1 when the path ran down.
 * Its slope is not kept: most lines of small curves lie within one pixel
 * row, where the fills need only the ends, and a division per line was a
 * quarter of adding it.
 */
struct fbk_raster_edge {
	int32_t y0, y1;
	double x0; /* x at y0, in pixels */
	double x1; /* x at y1 */
	int32_t dir;
};

/* A circle of 100 pixels or a 40-gon needs no allocation for its lines. */
enum { FBK_RASTER_INLINE_EDGES = 256 };

struct fbk_raster {
	struct fbk_rect clip; /* the effective clip of the destination */
	struct fbk_raster_edge *edges;
	size_t count, capacity;
	int32_t min_x, min_y, max_x, max_y; /* bounds of the kept edges, 22.10 */
	int error; /* the first failure of fbk_raster_line, reported by the fill */
	struct fbk_raster_edge inline_edges[FBK_RASTER_INLINE_EDGES];
};

/*
 * Shapes at most this many pixels wide and tall (after clipping) are
 * accumulated whole, a row of cells per pixel row, not row by row (see
 * fill_cells in raster.c), larger ones BAND_ROWS rows at a time
 * (fill_bands). Tests lower fbk_raster_cell_limit to 0 to hold the band
 * fill to the same references; it is at most 64.
 */
#define FBK_RASTER_CELL_LIMIT 64
extern int32_t fbk_raster_cell_limit;

/* Start an empty set of lines for a destination with this clip. */
void fbk_raster_init(struct fbk_raster *r, const struct fbk_rect *clip);
void fbk_raster_finish(struct fbk_raster *r);

/*
 * Add the line (x0, y0) -> (x1, y1), device pixels within
 * +-FBK_SHAPE_COORD_MAX. Lines that cannot touch the clip are dropped
 * (those left of it are kept: they set the winding of what lies right).
 * Failures are kept in r->error and reported by fbk_raster_fill.
 */
void fbk_raster_line(struct fbk_raster *r, double x0, double y0, double x1, double y1);

/* Whether a box (device pixels) lies wholly above, below or right of the clip. */
int fbk_raster_box_outside(const struct fbk_raster *r, double min_x, double min_y, double max_x,
			   double max_y);

/*
 * The lines filling path adds to r (fbk_path_fill's first step; the
 * tests read them back from r->edges).
 */
void fbk_path_flatten(const struct fbk_path *path, struct fbk_raster *r);

/*
 * The outline fbk_stroke_polyline fills, added to path (the tests count
 * its lines through fbk_path_flatten).
 */
int fbk_polyline_outline(struct fbk_path *path, const double *xy, size_t n, int closed,
			 double width);

/* Fill the lines added with the rule and colour (OVER) on dst. */
int fbk_raster_fill(struct fbk_raster *r, struct fbk_surface *dst, enum fbk_fill_rule rule,
		    struct fbk_color color);

#endif
