/*
 * The coverage rasterizer: exact area coverage by signed-area
 * accumulation along each row, the method of FreeType's smooth
 * rasterizer and font-rs, in integer cells as FreeType keeps them, a band
 * of rows at a time so memory is bounded by the clipped width of the
 * shape.
 *
 * Edges are lines in 22.10 fixed point (1/1024 pixel; coordinates within
 * +-2^20 pixels, so differences fit 32 bits, and every product below a
 * double's 53). Only the rows of the clip are visited. Each edge is
 * walked down the rows it crosses and each piece of it within a row adds
 * its signed height d (+ going down, - going up) to the cells of that
 * row so that the running sum along the row is the winding area left of
 * each pixel:
 *
 * in each pixel the piece crosses, of height h there and from x = f1 to
 * f2 within it, the area right of the piece is h (f1 + f2) / 2: the pixel
 * gets h less that, the pixel after it that (cell_piece). Cells change
 * only at the pixels an edge crosses, and a bit per pixel says which
 * those are, so between them the running sum is constant: interior runs
 * are filled without any coverage work (a plain fill when the colour is
 * opaque).
 *
 * The fill rule applies to the summed area of a pixel: |s| clamped to 1
 * (non-zero), or s folded into [0, 1] modulo 2 (even-odd). This is exact
 * wherever a pixel holds edges of one contour only; where edges of
 * crossing contours share a pixel it is the same approximation FreeType
 * makes.
 *
 * Edges left of the clip add their whole height to the first pixel;
 * edges above, below or right of it are dropped when added, and rows
 * outside the clip are never visited, so a shape a million pixels tall
 * costs only the rows that show.
 *
 * Shapes at most 64 pixels wide and tall are accumulated whole
 * (fill_cells), larger ones BAND_ROWS rows at a time (fill_bands), with
 * the same sums; neither keeps a list of active edges cut at every row
 * nor sorts anything per row, which were most of a shape's time.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/clip.h"
#include "core/error.h"
#include "core/overflow.h"
#include "draw/raster.h"
#include "pixel/pixel.h"
#include "pixel/pixel_ops.h"

void fbk_raster_init(struct fbk_raster *r, const struct fbk_rect *clip)
{
	r->clip = *clip;
	r->edges = r->inline_edges;
	r->count = 0;
	r->capacity = FBK_RASTER_INLINE_EDGES;
	r->min_x = r->min_y = INT32_MAX;
	r->max_x = r->max_y = INT32_MIN;
	r->error = 0;
}

void fbk_raster_finish(struct fbk_raster *r)
{
	if (r->edges != r->inline_edges)
		free(r->edges);
	r->edges = r->inline_edges;
	r->count = 0;
}

/* Nearest 22.10 value, halves up: v is within +-2^20, so the shifted sum is positive. */
static int32_t to_fixed(double v)
{
	const double bias = 2147483648.0;
	return (int32_t)((int64_t)(v * FBK_RASTER_ONE + 0.5 + bias) - (int64_t)bias);
}

int fbk_raster_box_outside(const struct fbk_raster *r, double min_x, double min_y, double max_x,
			   double max_y)
{
	return max_y <= r->clip.y || min_y >= (double)r->clip.y + r->clip.h ||
	       min_x >= (double)r->clip.x + r->clip.w;
}

static int grow(struct fbk_raster *r)
{
	if (r->capacity >= FBK_RASTER_MAX_EDGES)
		return fbk_fail(-EFBIG, "shape: more than %zu lines after flattening; split the path",
				FBK_RASTER_MAX_EDGES);
	size_t capacity = r->capacity * 2, bytes;
	if (fbk_mul_overflows(capacity, sizeof(*r->edges), &bytes))
		return fbk_fail(-ENOMEM, "shape: out of memory for %zu lines", capacity);
	struct fbk_raster_edge *edges = r->edges == r->inline_edges ? malloc(bytes)
								      : realloc(r->edges, bytes);
	if (!edges)
		return fbk_fail(-ENOMEM, "shape: out of memory for %zu lines", capacity);
	if (r->edges == r->inline_edges)
		memcpy(edges, r->inline_edges, sizeof(r->inline_edges));
	r->edges = edges;
	r->capacity = capacity;
	return 0;
}

void fbk_raster_line(struct fbk_raster *r, double x0, double y0, double x1, double y1)
{
	if (r->error)
		return;
	int32_t fx0 = to_fixed(x0), fy0 = to_fixed(y0), fx1 = to_fixed(x1), fy1 = to_fixed(y1);
	if (fy0 == fy1)
		return; /* a horizontal line crosses no row */
	int32_t dir = 1;
	if (fy0 > fy1) {
		int32_t t = fx0;
		fx0 = fx1;
		fx1 = t;
		t = fy0;
		fy0 = fy1;
		fy1 = t;
		dir = -1;
	}
	int64_t top = (int64_t)r->clip.y * FBK_RASTER_ONE;
	int64_t bottom = ((int64_t)r->clip.y + r->clip.h) * FBK_RASTER_ONE;
	int64_t right = ((int64_t)r->clip.x + r->clip.w) * FBK_RASTER_ONE;
	if (fy1 <= top || fy0 >= bottom)
		return;
	if (fx0 >= right && fx1 >= right) {
		/* what lies left of it reaches the clip's right edge */
		r->max_x = (int32_t)(right < INT32_MAX ? right : INT32_MAX);
		return;
	}
	if (r->count == r->capacity) {
		r->error = grow(r);
		if (r->error)
			return;
	}
	struct fbk_raster_edge *e = &r->edges[r->count++];
	e->y0 = fy0;
	e->y1 = fy1;
	e->x0 = (double)fx0 / FBK_RASTER_ONE;
	e->x1 = (double)fx1 / FBK_RASTER_ONE;
	e->dir = dir;
	int32_t lo = fx0 < fx1 ? fx0 : fx1, hi = fx0 < fx1 ? fx1 : fx0;
	if (lo < r->min_x)
		r->min_x = lo;
	if (hi > r->max_x)
		r->max_x = hi;
	if (fy0 < r->min_y)
		r->min_y = fy0;
	if (fy1 > r->max_y)
		r->max_y = fy1;
}

struct span {
	int32_t start, end; /* pixels of the accumulation row, inclusive */
};

/* Coverage 0..255 of a summed signed area under the rule. */
static inline uint8_t coverage(double s, enum fbk_fill_rule rule)
{
	double a = fabs(s);
	if (rule == FBK_FILL_EVEN_ODD) {
		a -= 2 * floor(a / 2);
		if (a > 1)
			a = 2 - a;
	} else if (a > 1) {
		a = 1;
	}
	return (uint8_t)(a * 255 + 0.5);
}

/*
 * Gaps between edge spans up to this long are blended through the mask
 * with the spans around them: one kernel call instead of three. Formats
 * with one-pass mask kernels merge longer gaps, since a call and the
 * scalar tails of two short spans cost more than a vector step of mask
 * per 8 pixels.
 */
#define SHORT_GAP 16
#define SHORT_GAP_STORED 64

/* The widest box row fill_box blends in one mask call. */
#define BOX_MASK_ROW 512

/* Box rows inside narrower than this stay one mask call on XRGB8888 (measured: 9 and 17 px). */
#define BOX_RUNS_MIN 32

/*
 * The most pixels of a rectangle blended as one box (small_box): on
 * XRGB8888 narrower than BOX_RUNS_MIN, on RGB565 (whose rows are all mask
 * calls) from 8 to SMALL_BOX_WIDTH pixels wide.
 */
#define SMALL_BOX 4096
#define SMALL_BOX_WIDTH 64

/*
 * fill_cells paints a shape on XRGB8888 (on RGB565, from 8 pixels wide)
 * as one box through the mask box kernel when it is at most this wide or
 * its edges touch a third of its pixels or more (random polygons,
 * strokes): per row, a mask call's
 * set-up cost more than the few pixels of interior it would blend
 * faster. A 32 px circle or rounded rectangle (a fifth or less touched)
 * measured 2-4% slower as a box, a 10-vertex polygon and an outline of
 * 32 px 33% and 13% faster, 16 px circles 5-8%. RGB565's box kernel
 * blends rows of 8 to 15 pixels one step each (8 px circles and rounded
 * rectangles 15-20% less time than as rows); below 8 pixels it is the
 * template's loop, so those keep their rows.
 */
#define BOX_CELLS_WIDTH 16

/* fill_cells' working memory on the stack: enough for a 32 px shape's */
#define CELLS_LOCAL_BLOCK 16384

/* What one fill writes with, worked out once. */
struct painter {
	uint8_t *row; /* the first pixel of the accumulation row, in the current row */
	int bpp;
	const struct fbk_row_codec *codec;
	const struct fbk_row_ops *ops;
	uint32_t argb;
	uint32_t packed;
	bool dst_has_alpha;
	/* the one-pass kernels on stored pixels, where the format has them (else NULL) */
	void (*run)(uint8_t *dst, uint32_t argb, int32_t n);
	void (*masked)(uint8_t *dst, uint32_t argb, const uint8_t *mask, int32_t n);
	/* the same kernels over a box of rows, where the format has them (else NULL) */
	void (*masked_box)(uint8_t *dst, size_t stride, uint32_t argb, const uint8_t *mask,
			   int32_t n, int32_t rows);
	/* rows of an edge pixel, a run and an edge pixel in one call, where the format has it */
	void (*edges_box)(uint8_t *dst, size_t stride, uint32_t argb, uint8_t cover_left, int32_t n,
			  uint8_t cover_right, int32_t rows);
	int32_t merge_gap; /* SHORT_GAP or SHORT_GAP_STORED */
	bool mask_rows; /* a box's rows inside go through the mask kernel too (see fill_box) */
};

/* A colour with its alpha scaled by a coverage, as paint_run blends it. */
static inline uint32_t covered_argb(uint32_t argb, uint8_t cover)
{
	uint32_t a = argb >> 24;
	if (cover != 255)
		a = fbk_div255(a * cover);
	return (argb & 0x00ffffffu) | a << 24;
}

/* n pixels from x at one coverage: interior runs come here. */
static void paint_run(const struct painter *p, int32_t x, int32_t n, uint8_t cover)
{
	if (n <= 0 || cover == 0)
		return;
	uint8_t *at = p->row + (size_t)x * (size_t)p->bpp;
	uint32_t a = p->argb >> 24;
	if (cover == 255 && a == 255) {
		p->ops->fill_row(at, p->packed, p->bpp, n);
		return;
	}
	if (cover != 255)
		a = fbk_div255(a * cover);
	uint32_t argb = (p->argb & 0x00ffffffu) | a << 24;
	if (p->run) {
		p->run(at, argb, n);
		return;
	}
	if (p->dst_has_alpha) {
		fbk_blend_color_span(at, p->codec, p->bpp, n, argb, true);
		return;
	}
	uint32_t row[FBK_ROW_CHUNK];
	for (int32_t done = 0; done < n; done += FBK_ROW_CHUNK) {
		int32_t count = n - done < FBK_ROW_CHUNK ? n - done : FBK_ROW_CHUNK;
		uint8_t *chunk = at + (size_t)done * (size_t)p->bpp;
		p->codec->unpack(row, chunk, count);
		p->ops->over_color_opaque_dst(row, argb, count);
		p->codec->pack(chunk, row, count);
	}
}

/* n pixels from x through the coverage mask. */
static void paint_mask(const struct painter *p, int32_t x, int32_t n, const uint8_t *mask)
{
	uint8_t *at = p->row + (size_t)x * (size_t)p->bpp;
	if (p->masked) {
		p->masked(at, p->argb, mask, n);
		return;
	}
	if (p->dst_has_alpha) {
		fbk_blend_mask_span(at, p->codec, p->bpp, n, p->argb, mask, true);
		return;
	}
	uint32_t row[FBK_ROW_CHUNK];
	for (int32_t done = 0; done < n; done += FBK_ROW_CHUNK) {
		int32_t count = n - done < FBK_ROW_CHUNK ? n - done : FBK_ROW_CHUNK;
		uint8_t *chunk = at + (size_t)done * (size_t)p->bpp;
		p->codec->unpack(row, chunk, count);
		p->ops->over_color_mask_opaque_dst(row, p->argb, mask + done, count);
		p->codec->pack(chunk, row, count);
	}
}

/*
 * A row's merged spans (masks in mask[] at their pixels) and the runs
 * between them (covers[k] before span k, covers[n_ops] after the last),
 * painted. Formats with one-pass kernels on stored pixels, and opaque
 * colours, go span by span and run by run. Otherwise a translucent
 * colour on a destination without alpha is blended in one unpack and
 * pack of the pixels from the first span to the last, a chunk at a time,
 * where painting span by span would unpack and pack each edge's few
 * pixels apart (three times the calls per row).
 */
static void paint_ops(const struct painter *p, const uint8_t *mask, const struct span *ops,
		      const uint8_t *covers, size_t n_ops, int32_t width)
{
	if (!n_ops) {
		paint_run(p, 0, width, covers[0]);
		return;
	}
	uint32_t a = p->argb >> 24;
	if (p->dst_has_alpha || a == 255 || p->masked) {
		int32_t x = 0;
		for (size_t k = 0; k < n_ops; k++) {
			int32_t from = ops[k].start, to = ops[k].end + 1;
			paint_run(p, x, from - x, covers[k]);
			paint_mask(p, from, to - from, mask + from);
			x = to;
		}
		paint_run(p, x, width - x, covers[n_ops]);
		return;
	}
	int32_t first = ops[0].start, last = ops[n_ops - 1].end;
	paint_run(p, 0, first, covers[0]);
	uint32_t row[FBK_ROW_CHUNK];
	size_t k = 0;
	for (int32_t start = first; start <= last; start += FBK_ROW_CHUNK) {
		int32_t end = last - start < FBK_ROW_CHUNK ? last + 1 : start + FBK_ROW_CHUNK;
		uint8_t *at = p->row + (size_t)start * (size_t)p->bpp;
		p->codec->unpack(row, at, end - start);
		/* span k and the run before it, each cut to [start, end) */
		for (; k < n_ops; k++) {
			int32_t run_from = k ? ops[k - 1].end + 1 : first, run_to = ops[k].start;
			if (run_from < start)
				run_from = start;
			if (run_to > end)
				run_to = end;
			if (run_from < run_to && covers[k]) {
				uint32_t ca = covers[k] == 255 ? a : fbk_div255(a * covers[k]);
				p->ops->over_color_opaque_dst(row + (run_from - start),
							      (p->argb & 0x00ffffffu) | ca << 24,
							      run_to - run_from);
			}
			int32_t from = ops[k].start < start ? start : ops[k].start;
			int32_t to = ops[k].end + 1 > end ? end : ops[k].end + 1;
			if (from < to)
				p->ops->over_color_mask_opaque_dst(row + (from - start), p->argb, mask + from,
								   to - from);
			if (ops[k].end + 1 > end)
				break; /* span k goes on in the next chunk */
		}
		p->codec->pack(at, row, end - start);
	}
	paint_run(p, last + 1, width - last - 1, covers[n_ops]);
}

/* The part of [lo, hi) in the pixel [i, i + 1), 0..1. */
static inline double overlap(double lo, double hi, int64_t i)
{
	double a = lo > (double)i ? lo : (double)i, b = hi < (double)i + 1 ? hi : (double)i + 1;
	return b > a ? b - a : 0;
}

/*
 * The coverage of every pixel of a small rectangle (see fill_box) in one
 * mask, blended by one call of the mask box kernel: an 8 px rectangle's
 * nine rows were nine calls of the row kernel, whose set-up cost more
 * than their few pixels. Rows of one height share their bytes.
 */
static bool small_box(const struct painter *p, struct fbk_surface *dst, double xl, double xr,
		      double yt, double yb, int64_t first_row, int32_t rows, int64_t left,
		      int32_t width)
{
	/*
	 * Rows are filled 8 bytes at a time, up to 7 past their end (into the
	 * next row, filled after, or the slack at the end): a memset or memcpy
	 * of a row's few bytes was a string instruction, half of an 8 px
	 * rectangle's time.
	 */
	uint8_t mask[SMALL_BOX + 8];
	double w_first = overlap(xl, xr, left), w_last = overlap(xl, xr, left + width - 1);
	double row_h = -1;
	uint64_t inner = 0;
	uint8_t c_first = 0, c_last = 0;
	uint8_t *m = mask;
	for (int32_t y = 0; y < rows; y++, m += width) {
		double h = overlap(yt, yb, first_row + y);
		if (h != row_h) {
			row_h = h;
			inner = coverage(h, FBK_FILL_NONZERO) * UINT64_C(0x0101010101010101);
			c_first = coverage(w_first * h, FBK_FILL_NONZERO);
			c_last = coverage(w_last * h, FBK_FILL_NONZERO);
		}
		for (int32_t i = 0; i < width; i += 8)
			memcpy(m + i, &inner, 8);
		m[0] = c_first;
		m[width - 1] = c_last;
	}
	p->masked_box((uint8_t *)dst->pixels + (size_t)first_row * dst->stride +
			      (size_t)left * (size_t)p->bpp,
		      dst->stride, p->argb, mask, width, rows);
	return true;
}

/*
 * A path that is one axis-aligned rectangle, as fbk_path_rect leaves it
 * (two vertical edges over the same rows, wound opposite ways, the
 * horizontal ones dropped): the exact area of each pixel under it is the
 * product of its column's and its row's overlaps with the rectangle, so
 * no row is accumulated. Only the first and last column and row can be
 * partial: every row is at most three runs, and the middle one (or all of
 * it) goes through the plain fill or OVER kernel. The coverage bytes are
 * rounded as the accumulated ones are. Returns false for any other path.
 */
static bool fill_box(const struct fbk_raster *r, struct painter *p, struct fbk_surface *dst,
		     int64_t first_row, int64_t end_row, int64_t left, int64_t right)
{
	const struct fbk_raster_edge *e = r->edges;
	if (r->count != 2 || e[0].x1 != e[0].x0 || e[1].x1 != e[1].x0 || e[0].y0 != e[1].y0 ||
	    e[0].y1 != e[1].y1 || e[0].dir != -e[1].dir)
		return false;
	double xl = e[0].x0 < e[1].x0 ? e[0].x0 : e[1].x0, xr = e[0].x0 < e[1].x0 ? e[1].x0 : e[0].x0;
	double yt = (double)e[0].y0 / FBK_RASTER_ONE, yb = (double)e[0].y1 / FBK_RASTER_ONE;
	/* the columns with any area: `right` may be one past them (see fbk_raster_fill) */
	int64_t last = (int64_t)ceil(xr) - 1;
	if (last > right)
		last = right;
	if (last < left)
		return true;
	int32_t width = (int32_t)(last - left + 1);
	double w_first = overlap(xl, xr, left), w_last = overlap(xl, xr, last);
	/*
	 * Small rectangles are one mask box call (small_box, SMALL_BOX). Narrow rows partly covered are one mask call each (see
	 * SHORT_GAP_STORED); rows wholly inside and BOX_RUNS_MIN pixels or
	 * more are their two edge pixels and the run between, which the
	 * XRGB8888 OVER kernel blends faster than its mask kernel. RGB565's two kernels cost the same a pixel (16 a
	 * step), and the edge pixels and the run's tail would be scalar, so
	 * there every row up to BOX_MASK_ROW is one mask call. What a row
	 * paints is worked out again only when its height changes.
	 */
	int32_t rows = (int32_t)(end_row - first_row);
	if (p->masked_box && (size_t)width * (size_t)rows <= SMALL_BOX &&
	    (p->mask_rows ? width >= 8 && width <= SMALL_BOX_WIDTH : width >= 2 && width < BOX_RUNS_MIN))
		return small_box(p, dst, xl, xr, yt, yb, first_row, rows, left, width);
	uint8_t mask[BOX_MASK_ROW];
	bool narrow = p->masked && width <= (p->mask_rows ? BOX_MASK_ROW : SHORT_GAP_STORED);
	double row_h = -1;
	uint8_t c_first = 0, c_last = 0, inner = 0;
	int32_t from = 0, to = 0;
	/*
	 * The rows wholly inside (height 1) between the first and the last:
	 * on a translucent colour with a one-pass kernel, their three runs'
	 * colours are worked out once and the kernel called straight, not
	 * through paint_run's checks and a division each (a third of a
	 * 32 px box's time besides the kernels); on XRGB8888 they are all
	 * one call of the edge-run-edge box kernel (below).
	 */
	bool direct = p->run && p->argb >> 24 != 255 && width > 1 &&
		      !(narrow && (p->mask_rows || width < BOX_RUNS_MIN));
	int64_t full_first = (int64_t)ceil(yt), full_end = (int64_t)floor(yb);
	uint32_t argb_first = 0, argb_inner = 0, argb_last = 0;
	for (int64_t y = first_row; y < end_row; y++) {
		p->row = (uint8_t *)dst->pixels + (size_t)y * dst->stride +
			 (size_t)left * (size_t)p->bpp;
		if (direct && y >= full_first && y < full_end && row_h == 1) {
			if (from && c_first)
				p->run(p->row, argb_first, 1);
			if (to > from && inner)
				p->run(p->row + (size_t)from * (size_t)p->bpp, argb_inner, to - from);
			if (to < width && c_last)
				p->run(p->row + (size_t)(width - 1) * (size_t)p->bpp, argb_last, 1);
			continue;
		}
		double h = overlap(yt, yb, y);
		if (h != row_h) {
			row_h = h;
			inner = coverage(h, FBK_FILL_NONZERO);
			c_first = coverage(w_first * h, FBK_FILL_NONZERO);
			c_last = coverage(w_last * h, FBK_FILL_NONZERO);
			from = c_first == inner ? 0 : 1;
			to = c_last == inner ? width : width - 1;
			if (narrow && (h != 1 || p->mask_rows || width < BOX_RUNS_MIN)) {
				memset(mask, inner, (size_t)width);
				mask[0] = c_first;
				mask[width - 1] = c_last;
			}
			if (direct) {
				argb_first = covered_argb(p->argb, c_first);
				argb_inner = covered_argb(p->argb, inner);
				argb_last = covered_argb(p->argb, c_last);
			}
		}
		/*
		 * All the rows wholly inside at once, where the format has the
		 * kernel: two of a row's three calls were for one pixel each
		 * (about 4 ns, most of a 32 px box's time besides its run). An
		 * edge of coverage 0 is left as paint_run leaves it (the kernel
		 * would clear its X byte), through the rows below.
		 */
		if (direct && p->edges_box && h == 1 && c_first && c_last) {
			int64_t end = full_end < end_row ? full_end : end_row;
			p->edges_box(p->row, dst->stride, p->argb, c_first, width - 2, c_last,
				     (int32_t)(end - y));
			y = end - 1;
			continue;
		}
		if (narrow && (h != 1 || p->mask_rows || width < BOX_RUNS_MIN)) {
			p->masked(p->row, p->argb, mask, width);
			continue;
		}
		if (width == 1) {
			paint_run(p, 0, 1, c_first);
			continue;
		}
		if (from)
			paint_run(p, 0, 1, c_first);
		paint_run(p, from, to - from, inner);
		if (to < width)
			paint_run(p, width - 1, 1, c_last);
	}
	return true;
}

/* The coverage of pixel i of a row of one or two merged spans, the run between them wholly covered. */
static inline uint8_t span_cover(const uint8_t *mask, const struct span *ops, size_t n_ops, int32_t i)
{
	return n_ops == 2 && i > ops[0].end && i < ops[1].start ? 255 : mask[i];
}

/*
 * count rows from p->row on (at most FBK_RASTER_CELL_LIMIT) that all
 * repeat one row (the straight sides of a translucent rounded rectangle)
 * which is one merged span, or two with a wholly covered run between,
 * nothing covered outside them, and from the first span's start to the
 * last's end: a few pixels of no coverage, one edge pixel, pixels wholly
 * covered, one edge pixel and a few of no coverage. The rows go through
 * one call of the edge-run-edge box kernel, where they were a mask call
 * per span and row, or a mask box call per side and an OVER call per row
 * (96 rows of a 128 px rounded rectangle). The pixels of no coverage go
 * through the mask box kernel, as paint_ops paints them (on XRGB8888
 * that clears their X byte), so these rows' bytes are every other row's.
 * False (nothing painted) for other rows, formats without that kernel and
 * opaque colours.
 */
static bool paint_edge_run_rows(const struct painter *p, size_t stride, const uint8_t *mask,
				const struct span *ops, const uint8_t *covers, size_t n_ops,
				int32_t count)
{
	if (!p->edges_box || p->argb >> 24 == 255 || n_ops < 1 || n_ops > 2 || covers[0] ||
	    covers[n_ops] || (n_ops == 2 && covers[1] != 255) || count > FBK_RASTER_CELL_LIMIT)
		return false;
	int32_t start = ops[0].start, end = ops[n_ops - 1].end, from = start, to = end;
	while (from < to && !span_cover(mask, ops, n_ops, from))
		from++;
	while (to > from && !span_cover(mask, ops, n_ops, to))
		to--;
	if (to - from < 3 || end - to + from - start > 8)
		return false;
	for (int32_t i = from + 1; i < to; i++)
		if (span_cover(mask, ops, n_ops, i) != 255)
			return false;
	static const uint8_t zeros[FBK_RASTER_CELL_LIMIT];
	size_t bpp = (size_t)p->bpp;
	for (int32_t i = start; i < from; i++)
		p->masked_box(p->row + (size_t)i * bpp, stride, p->argb, zeros, 1, count);
	p->edges_box(p->row + (size_t)from * bpp, stride, p->argb, span_cover(mask, ops, n_ops, from),
		     to - from - 1, span_cover(mask, ops, n_ops, to), count);
	for (int32_t i = to + 1; i <= end; i++)
		p->masked_box(p->row + (size_t)i * bpp, stride, p->argb, zeros, 1, count);
	return true;
}

/* The most mask bytes paint_steady hands the box kernel at once: a box's rows' copies of a span. */
#define STEADY_MASK 1024

/*
 * count rows from p->row on, all the row paint_ops paints from mask, ops
 * and covers (steady rows, see fill_bands): each merged span goes
 * through the mask kernel over a box of rows, the span's mask bytes once
 * per row, and the runs between row by row, or as one box when they are
 * opaque. The straight sides of a rounded rectangle were a call of the
 * mask kernel per side and row for one or two pixels, a fifth of a 256
 * px one's time. p->row is left at the last row.
 */
static void paint_steady(struct painter *p, size_t stride, const uint8_t *mask,
			 const struct span *ops, const uint8_t *covers, size_t n_ops, int32_t width,
			 int32_t count)
{
	uint8_t *row0 = p->row;
	if (paint_edge_run_rows(p, stride, mask, ops, covers, n_ops, count)) {
		p->row = row0 + (size_t)(count - 1) * stride;
		return;
	}
	if (!p->masked_box || count == 1) {
		for (int32_t i = 0; i < count; i++) {
			p->row = row0 + (size_t)i * stride;
			paint_ops(p, mask, ops, covers, n_ops, width);
		}
		return;
	}
	uint8_t box[STEADY_MASK];
	int32_t x = 0;
	for (size_t k = 0; k <= n_ops; k++) {
		int32_t from = k < n_ops ? ops[k].start : width;
		if (from > x && covers[k] == 255 && p->argb >> 24 == 255) {
			p->ops->fill_rect(row0 + (size_t)x * (size_t)p->bpp, stride, p->packed, p->bpp,
					  from - x, count);
		} else if (from > x && covers[k]) {
			for (int32_t i = 0; i < count; i++) {
				p->row = row0 + (size_t)i * stride;
				paint_run(p, x, from - x, covers[k]);
			}
		}
		if (k == n_ops)
			break;
		int32_t n = ops[k].end + 1 - from;
		uint8_t *at = row0 + (size_t)from * (size_t)p->bpp;
		if (n > STEADY_MASK) {
			for (int32_t i = 0; i < count; i++)
				p->masked(at + (size_t)i * stride, p->argb, mask + from, n);
		} else {
			int32_t per = STEADY_MASK / n < count ? STEADY_MASK / n : count;
			for (int32_t i = 0; i < per; i++)
				memcpy(box + (size_t)i * (size_t)n, mask + from, (size_t)n);
			for (int32_t done = 0; done < count; done += per)
				p->masked_box(at + (size_t)done * stride, stride, p->argb, box, n,
					      count - done < per ? count - done : per);
		}
		x = ops[k].end + 1;
	}
	p->row = row0 + (size_t)(count - 1) * stride;
}

int32_t fbk_raster_cell_limit = FBK_RASTER_CELL_LIMIT;

/*
 * fill_cells works in integers, as FreeType's cells do, with x and
 * heights in 1/65536 pixel (x from the shape's first column): the ends of
 * lines are on the 1/1024 grid, so only where a line crosses a row or a
 * pixel boundary is rounded, 64 times finer than the ends (in 1/1024 the
 * heights cut at pixel boundaries moved polygons' coverage by 0.2/255). A
 * cell's sum is in units of CELL_FULL per pixel of area.
 */
#define CELL_SHIFT 16
#define CELL_ONE ((int64_t)1 << CELL_SHIFT)
#define CELL_FULL (2 * CELL_ONE * CELL_ONE)

/* Coverage 0..255 of a cell sum under the rule, rounded as coverage() rounds. */
static inline uint8_t cell_coverage(int64_t s, enum fbk_fill_rule rule)
{
	/* |s| < 2^57: each of at most 2^24 lines adds at most CELL_FULL to a pixel */
	uint64_t a = (uint64_t)(s < 0 ? -s : s);
	if (rule == FBK_FILL_EVEN_ODD) {
		a &= 2 * CELL_FULL - 1;
		if (a > (uint64_t)CELL_FULL)
			a = 2 * CELL_FULL - a;
	} else if (a > (uint64_t)CELL_FULL) {
		a = CELL_FULL;
	}
	return (uint8_t)((a * 255 + CELL_FULL / 2) >> (2 * CELL_SHIFT + 1));
}

/* Set the bits of pixels lo..hi (lo <= hi) in a row's touched words. */
static inline void mark_touched(uint64_t *touched, int64_t lo, int64_t hi)
{
	int64_t w = lo >> 6, w_end = hi >> 6;
	uint64_t from_lo = ~(uint64_t)0 << (lo & 63), to_hi = ~(uint64_t)0 >> (63 - (hi & 63));
	if (w == w_end) {
		touched[w] |= from_lo & to_hi;
		return;
	}
	touched[w] |= from_lo;
	while (++w < w_end)
		touched[w] = ~(uint64_t)0;
	touched[w_end] |= to_hi;
}

/*
 * Add the piece of a line within one row, from x = xa to xb and of
 * height h (1/65536 pixel, h + going down), to the row's cells
 * a[0..width] (a[width] is past the row: what a piece in the last column
 * leaves right of it), and mark the cells of the row it changed. In each
 * pixel the piece crosses, of height part and from f1 to f2 within it,
 * the area right of it is part (f1 + f2) / 2: the pixel gets its full
 * height less that, the next pixel that, so the running sum along the
 * row is the winding area of each pixel. Left of the row's first pixel
 * everything counts in it; right of the last, nothing. touched holds a
 * bit per pixel of the row, pixel k's in word k / 64; the bit of
 * a[width] may be set where its word holds pixels of the row, and the
 * fills mask it off. words is false for rows of at most 64 pixels
 * (fill_cells' one word a row: cell_piece), true for wider ones
 * (fill_bands: cell_piece_wide); it is a constant where this is inlined,
 * so fill_cells' pieces pay nothing for the wider rows (8 px rounded
 * rectangles and 40-gons measured 6-10% slower in the bench when they
 * did).
 */
static inline __attribute__((always_inline)) void
piece_cells(int64_t *a, uint64_t *touched, int32_t width, int64_t xa, int64_t xb, int64_t h,
	    bool words)
{
	int64_t xl = xa < xb ? xa : xb, xr = xa < xb ? xb : xa;
	if (xr <= 0) {
		a[0] += h * 2 * CELL_ONE;
		touched[0] |= 1;
		return;
	}
	int64_t i = xl >> CELL_SHIFT; /* floor */
	if (i >= width)
		return;
	int64_t base = i * CELL_ONE;
	if (xl >= 0 && xr <= base + CELL_ONE) {
		/* within one pixel, most pieces of small curves */
		int64_t area = h * (xl + xr - 2 * base);
		a[i] += h * 2 * CELL_ONE - area;
		a[i + 1] += area;
		if (!words) {
			*touched |= (uint64_t)3 << i;
			return;
		}
		touched[i >> 6] |= (uint64_t)3 << (i & 63);
		if ((i & 63) == 63 && i + 1 < width)
			touched[(i >> 6) + 1] |= 1;
		return;
	}
	/*
	 * Across pixels: the height left of x is h (x - xl) / (xr - xl), from
	 * one division per piece, as a 32.32 fraction (|slope (x - xl)| is at
	 * most |h| 2^32 <= 2^48 for x within the piece, so no product
	 * overflows); the
	 * last pixel takes what is left, so the parts sum to h exactly.
	 */
	int64_t w = xr - xl, slope = h * ((int64_t)1 << 32) / w, done = 0, x = xl;
	int64_t first = 0;
	if (xl < 0) {
		done = slope * -xl >> 32;
		a[0] += done * 2 * CELL_ONE;
		x = 0;
		i = 0;
		base = 0;
	} else {
		first = i;
	}
	for (;;) {
		int64_t next = base + CELL_ONE, part, f;
		bool last = next >= xr || i == width - 1;
		if (next >= xr) {
			part = h - done;
			f = x + xr - 2 * base;
		} else {
			int64_t cum = slope * (next - xl) >> 32;
			part = cum - done;
			done = cum;
			f = x + next - 2 * base;
		}
		int64_t area = part * f;
		a[i] += part * 2 * CELL_ONE - area;
		a[i + 1] += area;
		if (last)
			break;
		x = next;
		base = next;
		i++;
	}
	if (words) {
		mark_touched(touched, first, i + 1 < width ? i + 1 : width - 1);
		return;
	}
	int64_t hi = i + 1 > 63 ? 63 : i + 1;
	*touched |= (((uint64_t)2 << hi) - 1) - (((uint64_t)1 << first) - 1);
}

static inline void cell_piece(int64_t *a, uint64_t *touched, int32_t width, int64_t xa, int64_t xb,
			      int64_t h)
{
	piece_cells(a, touched, width, xa, xb, h, false);
}

static inline void cell_piece_wide(int64_t *a, uint64_t *touched, int32_t width, int64_t xa,
				   int64_t xb, int64_t h)
{
	piece_cells(a, touched, width, xa, xb, h, true);
}

/*
 * A shape at most fbk_raster_cell_limit pixels wide and tall (icons,
 * markers, small circles, charts in a cell) is accumulated whole, in one
 * row of cells per pixel row, before any row is painted: each edge is
 * walked once down the rows it crosses, with no list of active edges and
 * no sorting. The sums are those the opening comment describes, in
 * integers (cell_piece): a division per line that crosses rows or
 * pixels, none per pixel. A bit per pixel says which pixels any edge
 * touched, so the pixels between are a run of one coverage without
 * reading them, and rows are painted as the band fill paints them
 * (paint_ops), interior runs through the plain fill or OVER kernels, or
 * small and edge-dense shapes as one box (see BOX_CELLS_WIDTH). Not
 * inlined: in fbk_raster_fill's frame it made the fill of 128 px shapes
 * a few per cent slower.
 */
__attribute__((noinline)) static int fill_cells(const struct fbk_raster *r, const struct painter *p_in,
		      struct fbk_surface *dst, enum fbk_fill_rule rule, int64_t first_row,
		      int32_t rows, int64_t left, int32_t width)
{
	struct painter p = *p_in;
	/*
	 * RGB565 keeps its rows below 8 pixels: there its box kernel is the
	 * template's loop (see BOX_CELLS_WIDTH)
	 */
	if (p.mask_rows && width < 8)
		p.masked_box = NULL;
	/* width, rows <= 64: no product below overflows */
	size_t stride = (size_t)width + 1, cells = stride * (size_t)rows;
	size_t bytes = cells * sizeof(int64_t) + (size_t)rows * sizeof(uint64_t) +
		       (size_t)width * (sizeof(struct span) + 2) + 1 +
		       (p.masked_box ? (size_t)width * (size_t)rows : 0);
	_Alignas(int64_t) unsigned char local[CELLS_LOCAL_BLOCK];
	void *block = bytes <= sizeof(local) ? local : malloc(bytes);
	if (!block)
		return fbk_fail(-ENOMEM, "shape: out of memory for %zu pixels of coverage", cells);
	int64_t *acc = block;
	uint64_t *touched = (uint64_t *)(acc + cells);
	struct span *ops = (struct span *)(touched + rows);
	uint8_t *mask = (uint8_t *)(ops + width);
	uint8_t *covers = mask + width; /* width + 1 */
	memset(acc, 0, cells * sizeof(*acc));
	memset(touched, 0, (size_t)rows * sizeof(*touched));

	int64_t top_all = first_row * FBK_RASTER_ONE;
	int64_t bottom_all = (first_row + rows) * FBK_RASTER_ONE;
	int64_t x_origin = left * CELL_ONE;
	for (size_t k = 0; k < r->count; k++) {
		const struct fbk_raster_edge *e = &r->edges[k];
		int32_t ya = (int32_t)(e->y0 > top_all ? e->y0 : top_all);
		int32_t y_end = (int32_t)(e->y1 < bottom_all ? e->y1 : bottom_all);
		if (ya >= y_end)
			continue;
		int64_t row = ((int64_t)ya >> FBK_RASTER_SHIFT) - first_row;
		/* exact: the ends are multiples of 1/1024 within +-2^21 */
		int64_t x0 = (int64_t)(e->x0 * (double)CELL_ONE) - x_origin;
		int64_t x1 = (int64_t)(e->x1 * (double)CELL_ONE) - x_origin;
		int64_t dir = e->dir * (CELL_ONE / FBK_RASTER_ONE); /* heights in 1/65536 */
		if (ya == e->y0 && y_end == e->y1 &&
		    ya >> FBK_RASTER_SHIFT == (y_end - 1) >> FBK_RASTER_SHIFT) {
			/* a line within one row, whole, is its two ends */
			cell_piece(acc + (size_t)row * stride, &touched[row], width, x0, x1,
				   dir * (y_end - ya));
			continue;
		}
		if (x0 == x1) {
			/* vertical (the sides of rectangles and rounded ones): no slope to follow */
			for (; ya < y_end; row++) {
				int32_t yb = (int32_t)((first_row + row + 1) * FBK_RASTER_ONE);
				if (yb > y_end)
					yb = y_end;
				cell_piece(acc + (size_t)row * stride, &touched[row], width, x0, x0,
					   dir * (yb - ya));
				ya = yb;
			}
			continue;
		}
		/*
		 * Where it crosses a row boundary, from its slope in doubles:
		 * x0 + (y - y0) dx / dy overflows 64 bits for a line reaching
		 * far outside, and a division per row costs more.
		 */
		double dxdy = (double)(x1 - x0) / ((double)e->y1 - e->y0);
		int64_t xa = ya == e->y0 ? x0 : x0 + (int64_t)(((double)ya - e->y0) * dxdy);
		for (; ya < y_end; row++) {
			int32_t yb = (int32_t)((first_row + row + 1) * FBK_RASTER_ONE);
			if (yb > y_end)
				yb = y_end;
			int64_t xb = yb == e->y1 ? x1 : x0 + (int64_t)(((double)yb - e->y0) * dxdy);
			cell_piece(acc + (size_t)row * stride, &touched[row], width, xa, xb,
				   dir * (yb - ya));
			xa = xb;
			ya = yb;
		}
	}

	/* the bits of a[width], past the row */
	uint64_t in_row = width == 64 ? ~(uint64_t)0 : ((uint64_t)1 << width) - 1;
	bool box = p.masked_box && width <= BOX_CELLS_WIDTH;
	if (p.masked_box && !box) {
		/* counted only where it decides: without POPCNT it is a library call a row */
		size_t n_touched = 0;
		for (int32_t row = 0; row < rows; row++)
			n_touched += (size_t)__builtin_popcountll(touched[row] & in_row);
		box = 3 * n_touched >= (size_t)width * (size_t)rows;
	}
	if (box) {
		/* every pixel's coverage, then the whole box in one kernel call */
		uint8_t *box_mask = covers + width + 1;
		for (int32_t row = 0; row < rows; row++) {
			const int64_t *a = acc + (size_t)row * stride;
			uint8_t *m = box_mask + (size_t)row * (size_t)width;
			int64_t s = 0;
			for (int32_t i = 0; i < width; i++) {
				s += a[i];
				m[i] = cell_coverage(s, rule);
			}
		}
		p.masked_box((uint8_t *)dst->pixels + (size_t)first_row * dst->stride +
				     (size_t)left * (size_t)p.bpp,
			     dst->stride, p.argb, box_mask, width, rows);
		if (block != local)
			free(block);
		return 0;
	}

	for (int32_t row = 0; row < rows; row++) {
		p.row = (uint8_t *)dst->pixels + (size_t)(first_row + row) * dst->stride +
			(size_t)left * (size_t)p.bpp;
		const int64_t *a = acc + (size_t)row * stride;
		uint64_t bits = touched[row] & in_row;
		/* the rows below that are this row again: the straight sides of rounded rectangles */
		int32_t same = 1;
		while (row + same < rows && touched[row + same] == touched[row] &&
		       !memcmp(a + (size_t)same * stride, a, stride * sizeof(*a)))
			same++;
		int64_t s = 0;
		size_t n_ops = 0;
		while (bits) {
			int32_t i = __builtin_ctzll(bits), start = i, end;
			covers[n_ops] = cell_coverage(s, rule);
			for (;;) {
				/* the touched pixels from i on, then the gap after them */
				uint64_t rest = ~(bits >> i);
				end = rest ? i + __builtin_ctzll(rest) - 1 : 63;
				for (; i <= end; i++) {
					s += a[i];
					mask[i] = cell_coverage(s, rule);
				}
				bits = end == 63 ? 0 : bits & ~(((uint64_t)2 << end) - 1);
				if (!bits)
					break;
				int32_t next = __builtin_ctzll(bits);
				if (next - end - 1 > p.merge_gap)
					break;
				memset(mask + i, cell_coverage(s, rule), (size_t)(next - i));
				i = next;
			}
			ops[n_ops++] = (struct span){ start, end };
		}
		covers[n_ops] = cell_coverage(s, rule);
		if (same > 1 && paint_edge_run_rows(&p, dst->stride, mask, ops, covers, n_ops, same)) {
			row += same - 1;
			continue;
		}
		for (int32_t i = 0; i < same; i++) {
			paint_ops(&p, mask, ops, covers, n_ops, width);
			p.row += dst->stride;
		}
		row += same - 1;
	}
	if (block != local)
		free(block);
	return 0;
}

/*
 * Rows a band of the band fill holds in cells at once: the cells cost
 * the clipped width times this many int64, whatever the shape's height.
 */
#define BAND_ROWS 16

/* The band fill's working memory on the stack: a 128 px shape's band of cells and more */
#define BANDS_LOCAL_BLOCK 24576

/* What the band fill knows of a row from its pieces (flags[] in fill_bands). */
enum {
	ROW_MOVES = 1, /* a piece that is not a vertical line across the whole row */
	ROW_CHANGES = 2, /* a line starts or ends at the row's top */
};

/* The first pixel from i on whose touched bit is set, or width when none is. */
static inline int32_t next_touched(const uint64_t *t, int32_t i, int32_t width)
{
	int32_t w = i >> 6;
	uint64_t bits = t[w] & ~(uint64_t)0 << (i & 63);
	while (!bits) {
		if (++w > (width - 1) >> 6)
			return width;
		bits = t[w];
	}
	return (w << 6) + __builtin_ctzll(bits);
}

/* The first pixel from i on whose touched bit is clear (at most width: t[width / 64] exists). */
static inline int32_t next_untouched(const uint64_t *t, int32_t i)
{
	int32_t w = i >> 6;
	uint64_t bits = ~t[w] & ~(uint64_t)0 << (i & 63);
	while (!bits)
		bits = ~t[++w];
	return (w << 6) + __builtin_ctzll(bits);
}

/*
 * Shapes wider or taller than the cells' limit: fill_cells' integer
 * cells, BAND_ROWS rows at a time. The lines are put in order of the
 * first band they cross by counting (the clipped height / BAND_ROWS
 * counters, no sort); each band walks every line that crosses it once
 * down its rows into the band's cells, as fill_cells does (the same
 * sums, so a shape gets the coverage fill_cells would give it), then
 * paints the band's rows from the touched bits: between touched pixels
 * the coverage is constant, a run painted without reading anything. The
 * cells are cleared as they are read, so only the first band's are
 * zeroed. Rows holding only vertical lines across them whole, with the
 * same lines as the row above (no line starts or ends between them, and
 * that row held only such lines too), are that row again: the straight
 * sides of rounded rectangles and frames are painted a box of rows at a
 * time (paint_steady) from the spans and masks kept.
 */
__attribute__((noinline)) static int fill_bands(const struct fbk_raster *r, struct painter *p,
						struct fbk_surface *dst, enum fbk_fill_rule rule,
						int64_t first_row, int32_t rows, int64_t left,
						int32_t width)
{
	size_t n = r->count, stride = (size_t)width + 1, words = (size_t)width / 64 + 1;
	int32_t band_rows = rows < BAND_ROWS ? rows : BAND_ROWS;
	int32_t n_bands = (int32_t)((rows + (int64_t)BAND_ROWS - 1) / BAND_ROWS);
	/*
	 * One block: the band's cells and touched words, a row's spans,
	 * mask and covers (the clipped width), the lines in band order and
	 * the active ones (the path's lines), and a counter per band (the
	 * clipped height / BAND_ROWS).
	 */
	size_t bytes = 0, part;
	bool big = fbk_mul_overflows(stride * (size_t)band_rows, sizeof(int64_t), &bytes) ||
		   fbk_mul_overflows(words * (size_t)band_rows, sizeof(uint64_t), &part) ||
		   fbk_add_overflows(bytes, part, &bytes) ||
		   fbk_mul_overflows(stride, sizeof(struct span) + 2, &part) ||
		   fbk_add_overflows(bytes, part, &bytes) ||
		   fbk_mul_overflows(n, 2 * sizeof(uint32_t), &part) ||
		   fbk_add_overflows(bytes, part, &bytes) ||
		   fbk_mul_overflows((size_t)n_bands + 1, sizeof(uint32_t), &part) ||
		   fbk_add_overflows(bytes, part, &bytes);
	_Alignas(int64_t) unsigned char local[BANDS_LOCAL_BLOCK];
	void *block = big ? NULL : bytes <= sizeof(local) ? local : malloc(bytes);
	if (!block)
		return fbk_fail(-ENOMEM, "shape: out of memory for a band of %d pixels and %zu lines",
				(int)width, n);
	int64_t *cells = block;
	uint64_t *touched = (uint64_t *)(cells + stride * (size_t)band_rows);
	struct span *ops = (struct span *)(touched + words * (size_t)band_rows); /* width + 1 */
	uint32_t *order = (uint32_t *)(ops + stride);
	uint32_t *active = order + n;
	uint32_t *band_start = active + n; /* n_bands + 1 */
	uint8_t *mask = (uint8_t *)(band_start + n_bands + 1); /* width + 1 */
	uint8_t *covers = mask + stride; /* width + 1 */
	memset(cells, 0, stride * (size_t)band_rows * sizeof(*cells));
	memset(touched, 0, words * (size_t)band_rows * sizeof(*touched));
	memset(band_start, 0, ((size_t)n_bands + 1) * sizeof(*band_start));

	/* counting sort of the lines by the first band they cross */
	for (size_t k = 0; k < n; k++) {
		int64_t band = ((int64_t)r->edges[k].y0 >> FBK_RASTER_SHIFT) - first_row;
		band = band < 0 ? 0 : band / BAND_ROWS;
		if (band < n_bands)
			band_start[band + 1]++;
	}
	for (int32_t b = 0; b < n_bands; b++)
		band_start[b + 1] += band_start[b];
	for (size_t k = 0; k < n; k++) {
		int64_t band = ((int64_t)r->edges[k].y0 >> FBK_RASTER_SHIFT) - first_row;
		band = band < 0 ? 0 : band / BAND_ROWS;
		if (band < n_bands)
			order[band_start[band]++] = (uint32_t)k;
	}
	/* band_start[b] now holds the end of band b's lines */

	int64_t x_origin = left * CELL_ONE;
	size_t n_active = 0, n_ops = 0;
	uint32_t next = 0;
	/* flags[row] of the band (see ROW_MOVES); flags[band_rows] is the next band's first row's */
	uint8_t flags[BAND_ROWS + 1] = { 0 };
	/* the row above held only whole vertical lines (and was painted from ops) */
	bool above_simple = false;
	for (int32_t b = 0; b < n_bands; b++) {
		int64_t band_row = first_row + (int64_t)b * BAND_ROWS;
		int32_t count = rows - b * BAND_ROWS < BAND_ROWS ? rows - b * BAND_ROWS : BAND_ROWS;
		int64_t top_all = band_row * FBK_RASTER_ONE;
		int64_t bottom_all = (band_row + count) * FBK_RASTER_ONE;
		for (; next < band_start[b]; next++)
			active[n_active++] = order[next];
		flags[0] = flags[BAND_ROWS];
		memset(flags + 1, 0, BAND_ROWS);
		/*
		 * First what each row holds (flags), and the sloped lines into
		 * the cells; then the vertical lines, only into the rows that are
		 * not the row above again (steady), so those need no cells.
		 */
		bool any_vertical = false;
		for (size_t k = 0; k < n_active; k++) {
			const struct fbk_raster_edge *e = &r->edges[active[k]];
			int32_t ya = (int32_t)(e->y0 > top_all ? e->y0 : top_all);
			int32_t y_end = (int32_t)(e->y1 < bottom_all ? e->y1 : bottom_all);
			if (ya >= y_end)
				continue;
			int64_t row = ((int64_t)ya >> FBK_RASTER_SHIFT) - band_row;
			int64_t last = ((int64_t)(y_end - 1) >> FBK_RASTER_SHIFT) - band_row;
			if (ya == e->y0 && !(ya & (FBK_RASTER_ONE - 1)))
				flags[row] |= ROW_CHANGES;
			if (y_end == e->y1 && !(y_end & (FBK_RASTER_ONE - 1)))
				flags[last + 1] |= ROW_CHANGES;
			if (e->x0 == e->x1) {
				/* only where it starts or ends within a row does it move */
				if (ya & (FBK_RASTER_ONE - 1))
					flags[row] |= ROW_MOVES;
				if (y_end & (FBK_RASTER_ONE - 1))
					flags[last] |= ROW_MOVES;
				any_vertical = true;
				continue;
			}
			for (int64_t i = row; i <= last; i++)
				flags[i] |= ROW_MOVES;
			/* exact: the ends are multiples of 1/1024 within +-2^21 */
			int64_t x0 = (int64_t)(e->x0 * (double)CELL_ONE) - x_origin;
			int64_t x1 = (int64_t)(e->x1 * (double)CELL_ONE) - x_origin;
			int64_t dir = e->dir * (CELL_ONE / FBK_RASTER_ONE); /* heights in 1/65536 */
			if (ya == e->y0 && y_end == e->y1 && row == last) {
				/* a line within one row, whole, is its two ends */
				cell_piece_wide(cells + (size_t)row * stride, touched + (size_t)row * words,
					   width, x0, x1, dir * (y_end - ya));
				continue;
			}
			/* as fill_cells: where it crosses a row boundary, from its slope in doubles */
			double dxdy = (double)(x1 - x0) / ((double)e->y1 - e->y0);
			int64_t xa = ya == e->y0 ? x0 : x0 + (int64_t)(((double)ya - e->y0) * dxdy);
			for (; ya < y_end; row++) {
				int32_t yb = (int32_t)((band_row + row + 1) * FBK_RASTER_ONE);
				if (yb > y_end)
					yb = y_end;
				int64_t xb = yb == e->y1 ? x1
							 : x0 + (int64_t)(((double)yb - e->y0) * dxdy);
				cell_piece_wide(cells + (size_t)row * stride, touched + (size_t)row * words,
					   width, xa, xb, dir * (yb - ya));
				xa = xb;
				ya = yb;
			}
		}
		/*
		 * steady[row]: the row is the row above again (see ROW_MOVES):
		 * it holds only whole vertical lines, the same as the row above,
		 * which held only those too
		 */
		bool steady[BAND_ROWS];
		for (int32_t row = 0; row < count; row++) {
			steady[row] = !flags[row] && above_simple;
			above_simple = !(flags[row] & ROW_MOVES);
		}
		for (size_t k = 0; k < n_active && any_vertical; k++) {
			const struct fbk_raster_edge *e = &r->edges[active[k]];
			if (e->x0 != e->x1)
				continue;
			int32_t ya = (int32_t)(e->y0 > top_all ? e->y0 : top_all);
			int32_t y_end = (int32_t)(e->y1 < bottom_all ? e->y1 : bottom_all);
			if (ya >= y_end)
				continue;
			int64_t x0 = (int64_t)(e->x0 * (double)CELL_ONE) - x_origin;
			int64_t dir = e->dir * (CELL_ONE / FBK_RASTER_ONE);
			for (int64_t row = ((int64_t)ya >> FBK_RASTER_SHIFT) - band_row; ya < y_end; row++) {
				int32_t yb = (int32_t)((band_row + row + 1) * FBK_RASTER_ONE);
				if (yb > y_end)
					yb = y_end;
				if (!steady[row])
					cell_piece_wide(cells + (size_t)row * stride,
						   touched + (size_t)row * words, width, x0, x0,
						   dir * (yb - ya));
				ya = yb;
			}
		}
		size_t kept = 0;
		for (size_t k = 0; k < n_active; k++)
			if (r->edges[active[k]].y1 > bottom_all)
				active[kept++] = active[k];
		n_active = kept;

		for (int32_t row = 0; row < count; row++) {
			int64_t *a = cells + (size_t)row * stride;
			uint64_t *t = touched + (size_t)row * words;
			p->row = (uint8_t *)dst->pixels + (size_t)(band_row + row) * dst->stride +
				 (size_t)left * (size_t)p->bpp;
			if (steady[row]) {
				/* this row and the steady ones after it in the band: the row above again */
				int32_t end = row + 1;
				while (end < count && steady[end])
					end++;
				paint_steady(p, dst->stride, mask, ops, covers, n_ops, width, end - row);
				row = end - 1;
				continue;
			}
			int64_t s = 0;
			n_ops = 0;
			t[width >> 6] &= ((uint64_t)1 << (width & 63)) - 1; /* a[width]'s bit */
			int32_t i = next_touched(t, 0, width);
			while (i < width) {
				int32_t start = i, end;
				covers[n_ops] = cell_coverage(s, rule);
				for (;;) {
					/* the touched pixels from i on, then the gap after them */
					end = next_untouched(t, i) - 1;
					for (; i <= end; i++) {
						s += a[i];
						a[i] = 0;
						mask[i] = cell_coverage(s, rule);
					}
					int32_t after = next_touched(t, i, width);
					if (after >= width || after - i > p->merge_gap) {
						i = after;
						break;
					}
					memset(mask + i, cell_coverage(s, rule), (size_t)(after - i));
					i = after;
				}
				ops[n_ops++] = (struct span){ start, end };
			}
			covers[n_ops] = cell_coverage(s, rule);
			a[width] = 0;
			memset(t, 0, words * sizeof(*t));
			paint_ops(p, mask, ops, covers, n_ops, width);
		}
	}
	if (block != local)
		free(block);
	return 0;
}

int fbk_raster_fill(struct fbk_raster *r, struct fbk_surface *dst, enum fbk_fill_rule rule,
		    struct fbk_color color)
{
	if (r->error)
		return r->error;
	if (rule != FBK_FILL_NONZERO && rule != FBK_FILL_EVEN_ODD)
		return fbk_fail(-EINVAL, "shape: unknown fill rule %d (FBK_FILL_NONZERO or "
				"FBK_FILL_EVEN_ODD)", (int)rule);
	if (r->count == 0 || color.a == 0 || r->clip.w <= 0 || r->clip.h <= 0)
		return 0;

	/* The rows and columns the shape can touch, inside the clip. */
	int64_t first_row = (int64_t)r->min_y >> FBK_RASTER_SHIFT;
	int64_t end_row = ((int64_t)r->max_y + FBK_RASTER_ONE - 1) >> FBK_RASTER_SHIFT;
	int64_t left = (int64_t)r->min_x >> FBK_RASTER_SHIFT;
	int64_t right = ((int64_t)r->max_x + FBK_RASTER_ONE - 1) >> FBK_RASTER_SHIFT;
	if (first_row < r->clip.y)
		first_row = r->clip.y;
	if (end_row > (int64_t)r->clip.y + r->clip.h)
		end_row = (int64_t)r->clip.y + r->clip.h;
	if (left < r->clip.x)
		left = r->clip.x;
	/* one more column: the pixel right of an edge ending on a pixel boundary */
	if (right + 1 > (int64_t)r->clip.x + r->clip.w)
		right = (int64_t)r->clip.x + r->clip.w - 1;
	if (first_row >= end_row || left > right)
		return 0;
	int32_t width = (int32_t)(right - left + 1), rows = (int32_t)(end_row - first_row);

	const struct fbk_format_info *info = fbk_format_info(dst->format);
	struct painter p = {
		.bpp = info->bytes_per_pixel,
		.codec = fbk_row_codec(dst->format),
		.ops = fbk_row_ops(),
		.argb = fbk_argb(color),
		.packed = fbk_color_pack(dst->format, color),
		.dst_has_alpha = info->alpha.length != 0,
		.merge_gap = SHORT_GAP,
	};
	if (dst->format == FBK_FORMAT_XRGB8888) {
		p.run = p.ops->over_color_onto_xrgb;
		p.masked = p.ops->over_color_mask_onto_xrgb;
		p.masked_box = p.ops->over_color_mask_box_onto_xrgb;
		p.edges_box = p.ops->over_color_edges_box_onto_xrgb;
		p.merge_gap = SHORT_GAP_STORED;
	} else if (dst->format == FBK_FORMAT_RGB565) {
		p.run = p.ops->over_color_onto_rgb565;
		p.masked = p.ops->over_color_mask_onto_rgb565;
		p.masked_box = p.ops->over_color_mask_box_onto_rgb565;
		p.merge_gap = SHORT_GAP_STORED;
		p.mask_rows = true;
	}

	if (fill_box(r, &p, dst, first_row, end_row, left, right))
		return 0;
	if (width <= fbk_raster_cell_limit && rows <= fbk_raster_cell_limit)
		return fill_cells(r, &p, dst, rule, first_row, rows, left, width);

	return fill_bands(r, &p, dst, rule, first_row, rows, left, width);
}
