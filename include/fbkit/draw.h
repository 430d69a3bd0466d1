/*
 * fbkit: drawing primitives. Every call is clipped to the destination's
 * clip, works in the caller's thread and never blocks; a failing call
 * changes no pixel.
 */
#ifndef FBKIT_DRAW_H
#define FBKIT_DRAW_H

#include "fbkit/surface.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How source pixels combine with what the destination holds. */
enum fbk_op {
	FBK_OP_SRC,  /* replace (converting format; alpha 255 if the source has none) */
	FBK_OP_OVER, /* blend by source alpha times opacity */
};

/**
 * Fill a rectangle (NULL: the whole surface) with a colour. An opaque colour
 * (a == 255) replaces the pixels; a translucent one blends over them; a
 * fully transparent one changes nothing. Errors: -EINVAL (NULL or invalid
 * surface), -ENOTSUP (unknown format).
 */
FBK_API int fbk_fill(struct fbk_surface *dst, const struct fbk_rect *rect, struct fbk_color color);

/**
 * Copy or blend the part src_rect (NULL: all) of src to dst with its top
 * left corner at (x, y). src_rect is cut to src's bounds (src's clip does
 * not matter); the result is cut to dst's clip. src and dst may share
 * memory and overlap: the result is as if src were copied first (memmove
 * semantics). `opacity` (255: none) scales source alpha for FBK_OP_OVER;
 * with FBK_OP_SRC it must be 255. Errors: -EINVAL (NULL or invalid surface,
 * unknown op, opacity with SRC), -ENOTSUP (unknown format), -ENOMEM (an
 * overlapping blit that converts or blends works from a copy of the source).
 */
FBK_API int fbk_blit(struct fbk_surface *dst, int32_t x, int32_t y, const struct fbk_surface *src,
		     const struct fbk_rect *src_rect, enum fbk_op op, uint8_t opacity);

/**
 * A 1-pixel line from (x0, y0) to (x1, y1), both ends included, drawn with
 * Bresenham's rule from the first point. Any int32 coordinates are allowed:
 * exactly the pixels the unclipped line would set inside the clip are set.
 * Translucent colours blend. Errors: -EINVAL (NULL or invalid surface),
 * -ENOTSUP (unknown format).
 */
FBK_API int fbk_line(struct fbk_surface *dst, int32_t x0, int32_t y0, int32_t x1, int32_t y1,
		     struct fbk_color color);

/**
 * The 1-pixel outline of a rectangle, each pixel drawn once; an empty
 * rectangle draws nothing. Errors: -EINVAL (NULL rect or invalid surface),
 * -ENOTSUP (unknown format).
 */
FBK_API int fbk_rect_outline(struct fbk_surface *dst, const struct fbk_rect *rect,
			     struct fbk_color color);

#ifdef __cplusplus
}
#endif

#endif
