/*
 * Internal: the row kernels of one implementation level (portable C, or
 * the same C built for SSE2/NEON or AVX2), and the choice between them.
 * The choice is made once per process, from the CPU and from
 * FBKIT_SIMD=none|sse2|avx2 (FBKIT_DISABLE_SIMD=1 means none), so tests
 * can run every level on the same cases.
 */
#ifndef FBK_PIXEL_OPS_H
#define FBK_PIXEL_OPS_H

#include <stdint.h>

#include "core/format_list.h"
#include "pixel/pixel.h"

/*
 * The most pixels one kernel call may take: kernels index bytes with
 * int32_t arithmetic (4 * i), so rows merged from touching rows stop here.
 */
#define FBK_ROW_MAX_PIXELS (INT32_MAX / 4)

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
};

/* The level this process uses (chosen on first call; thread-safe). */
const struct fbk_row_ops *fbk_row_ops(void);

/* Each level's table; NULL when that level is not built for this machine. */
const struct fbk_row_ops *fbk_row_ops_portable(void);
const struct fbk_row_ops *fbk_row_ops_vector(void);
const struct fbk_row_ops *fbk_row_ops_avx2(void);

/* Whether this CPU (and OS) runs AVX2 code: what picks the avx2 level. */
bool fbk_cpu_has_avx2(void);

#endif
