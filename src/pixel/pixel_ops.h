/*
 * Internal: the row kernels of one implementation level (portable C, or
 * the same C built for SSE2/NEON or AVX2), and the choice between them.
 * The choice is made once per process, from the CPU and from
 * FBKIT_SIMD=none|sse2|avx2 (FBKIT_DISABLE_SIMD=1 means none), so tests
 * can run every level on the same cases.
 */
#ifndef FBK_PIXEL_OPS_H
#define FBK_PIXEL_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "core/format_list.h"
#include "pixel/pixel.h"

/*
 * The most pixels one kernel call may take: kernels index bytes with
 * int32_t arithmetic (4 * i), so rows merged from touching rows stop here.
 */
#define FBK_ROW_MAX_PIXELS (INT32_MAX / 4)

/* One box of over_color_mask_boxes_onto_xrgb: its first pixel, its mask (rows * n bytes), its size. */
struct fbk_mask_box {
	uint8_t *dst;
	const uint8_t *mask;
	int32_t n, rows;
};

struct fbk_row_ops {
	const char *name; /* "portable", "sse2", "neon", "avx2" */
	struct fbk_row_codec codecs[FBK_FORMAT_COUNT]; /* by enum fbk_format_id */
	/* fbk_over_row and fbk_over_color_row for destinations without alpha */
	void (*over_opaque_dst)(uint32_t *dst, const uint32_t *src, int32_t n, uint8_t opacity);
	void (*over_color_opaque_dst)(uint32_t *dst, uint32_t argb, int32_t n);
	/* fbk_over_color_mask_row for destinations without alpha */
	void (*over_color_mask_opaque_dst)(uint32_t *dst, uint32_t argb, const uint8_t *mask,
					   int32_t n);
	/* stored ARGB8888 over stored XRGB8888, n pixels, in place */
	void (*over_argb_onto_xrgb)(uint8_t *dst, const uint8_t *src, int32_t n, uint8_t opacity);
	void (*over_argb_onto_rgb565)(uint8_t *dst, const uint8_t *src, int32_t n, uint8_t opacity);
	/*
	 * one colour over stored XRGB8888 or RGB565, n pixels, in place; the
	 * mask kernels scale its alpha by mask[i] / 255 as
	 * over_color_mask_opaque_dst does
	 */
	void (*over_color_onto_xrgb)(uint8_t *dst, uint32_t argb, int32_t n);
	void (*over_color_mask_onto_xrgb)(uint8_t *dst, uint32_t argb, const uint8_t *mask,
					  int32_t n);
	void (*over_color_onto_rgb565)(uint8_t *dst, uint32_t argb, int32_t n);
	void (*over_color_mask_onto_rgb565)(uint8_t *dst, uint32_t argb, const uint8_t *mask,
					    int32_t n);
	/*
	 * the mask kernels over a box: rows rows of n pixels, stride bytes
	 * apart, through rows * n mask bytes (no gaps between rows)
	 */
	void (*over_color_mask_box_onto_xrgb)(uint8_t *dst, size_t stride, uint32_t argb,
					      const uint8_t *mask, int32_t n, int32_t rows);
	void (*over_color_mask_box_onto_rgb565)(uint8_t *dst, size_t stride, uint32_t argb,
						const uint8_t *mask, int32_t n, int32_t rows);
	/*
	 * count boxes of one colour onto XRGB8888, rows stride bytes apart,
	 * in order (a later box over an earlier one where they overlap): what
	 * as many calls of the box kernel draw, the colour set up once
	 */
	void (*over_color_mask_boxes_onto_xrgb)(size_t stride, uint32_t argb,
						const struct fbk_mask_box *boxes, size_t count);
	/*
	 * rows rows, stride bytes apart, each one colour over stored XRGB8888
	 * at three coverages: pixel 0 at cover_left (alpha scaled by
	 * cover_left / 255 as the mask kernels scale it), pixels 1..n plain
	 * and pixel n + 1 at cover_right; n + 2 pixels a row, n >= 0
	 */
	void (*over_color_edges_box_onto_xrgb)(uint8_t *dst, size_t stride, uint32_t argb,
					       uint8_t cover_left, int32_t n, uint8_t cover_right,
					       int32_t rows);
	/* one-pass conversions; see rows_template.c */
	void (*convert_8888)(uint8_t *dst, const uint8_t *src, int32_t n, bool swap, uint32_t set,
			     uint32_t keep);
	void (*convert_8888_to_565)(uint8_t *dst, const uint8_t *src, int32_t n, bool swap);
	/* 16 bits: (pixel | set) & keep, between XRGB1555 and ARGB1555 */
	void (*convert_1555)(uint8_t *dst, const uint8_t *src, int32_t n, uint32_t set,
			     uint32_t keep);
	void (*fill_row)(uint8_t *dst, uint32_t packed, int bytes_per_pixel, int32_t n);
	/* h rows of w pixels, stride bytes apart */
	void (*fill_rect)(uint8_t *dst, size_t stride, uint32_t packed, int bytes_per_pixel,
			  int32_t w, int32_t h);
	/*
	 * Bilinear growing for image/resample.c (see rows_template.c). The
	 * horizontal step: n output columns of one 0xAARRGGBB source row into
	 * three planes (blue, green, red; `stride` words apart) of sums
	 * w0[j] * c(src[i0[j]]) + (total - w0[j]) * c(src[i1[j]]), clear
	 * pixels counting as 0; returns the AND of every pixel read.
	 */
	uint32_t (*bilinear_h)(uint32_t *planes, size_t stride, const uint32_t *src,
			       const int32_t *i0, const int32_t *i1, const uint32_t *w0,
			       uint32_t total, int32_t n);
	/*
	 * The vertical step: n opaque pixels from two rows of planes, each
	 * channel round((wa * a + wb * b) / total), halves up; total at most
	 * FBK_BILINEAR_MAX_TOTAL.
	 */
	void (*bilinear_v)(uint32_t *out, const uint32_t *a, const uint32_t *b, size_t stride,
			   uint32_t wa, uint32_t wb, uint32_t total, int32_t n);
	/*
	 * Box shrinking for image/resample.c (see rows_template.c), sums in
	 * 16-bit lanes: blue | red << 16 in m, green | alpha << 16 in n.
	 * box_add adds (or, when first, stores) w times the len pixels of src
	 * into m and n, returning the AND of the pixels; w times 255 plus what
	 * the sums hold stays at most 65535.
	 */
	uint32_t (*box_add)(uint32_t *m, uint32_t *n, const uint32_t *src, int32_t len, uint32_t w,
			    bool first);
	/*
	 * count opaque pixels: out[j]'s channels are round(s / total), halves
	 * up, of s = sum over k < taps of wt[k * count + j] times the lanes of
	 * m[start[j] + k] and n[start[j] + k]; every s at most 255 * total and
	 * total at most FBK_BOX_MAX_TOTAL. average[s] holds round(s / total)
	 * for levels that look it up. Alpha sums are not read: the caller
	 * redoes pixels that are not opaque.
	 */
	void (*box_h)(uint32_t *out, const uint32_t *m, const uint32_t *n, const int32_t *start,
		      const uint16_t *wt, int32_t taps, uint32_t total, const uint8_t *average,
		      int32_t count);
};

/* The largest total box_h divides by: 255 * 257 sums fill a 16-bit lane. */
#define FBK_BOX_MAX_TOTAL 257u

/* The largest two-axis total bilinear_v divides by: 511 * total + 1 stays below 2^31. */
#define FBK_BILINEAR_MAX_TOTAL (1u << 22)

/* The level this process uses (chosen on first call; thread-safe). */
const struct fbk_row_ops *fbk_row_ops(void);

/* Each level's table; NULL when that level is not built for this machine. */
const struct fbk_row_ops *fbk_row_ops_portable(void);
const struct fbk_row_ops *fbk_row_ops_vector(void);
const struct fbk_row_ops *fbk_row_ops_avx2(void);

/* Whether this CPU (and OS) runs AVX2 code: what picks the avx2 level. */
bool fbk_cpu_has_avx2(void);

/*
 * How fills of many bytes store on this CPU, the same at every level
 * (chosen once, in cpu.c). Rows of at least string_min bytes whose
 * pattern is not one repeated byte use the string store (x86-64 `rep
 * stosq`), which writes whole cache lines without reading them first, as
 * the C library's memset does for large sizes; SIZE_MAX where it is not
 * used. Rows of one repeated byte go to memset itself.
 */
struct fbk_fill_plan {
	size_t string_min;
};

const struct fbk_fill_plan *fbk_fill_plan(void);

#endif
