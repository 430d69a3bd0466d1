/*
 * Internal: the row engine every primitive is built on. Rows are converted
 * to and from a working format, 32-bit 0xAARRGGBB with straight alpha, in
 * chunks of FBK_ROW_CHUNK pixels so no primitive calls a function per pixel.
 */
#ifndef FBK_PIXEL_H
#define FBK_PIXEL_H

#include <stdbool.h>
#include <stdint.h>

#include "fbkit/format.h"

#define FBK_ROW_CHUNK 256

struct fbk_row_codec {
	/* n pixels of the format at src into 0xAARRGGBB words */
	void (*unpack)(uint32_t *argb, const uint8_t *src, int32_t n);
	/* n 0xAARRGGBB words into the format at dst */
	void (*pack)(uint8_t *dst, const uint32_t *argb, int32_t n);
};

/* The codec for a supported format; NULL for anything else. */
const struct fbk_row_codec *fbk_row_codec(uint32_t fourcc);

/* Round x / 255 to nearest, exact for 0 <= x <= 255 * 255. */
static inline uint32_t fbk_div255(uint32_t x)
{
	x += 128;
	return (x + (x >> 8)) >> 8;
}

static inline uint32_t fbk_argb(struct fbk_color c)
{
	return (uint32_t)c.a << 24 | (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
}

/*
 * Blend n source pixels over n destination pixels (both 0xAARRGGBB),
 * source alpha scaled by opacity. With dst_has_alpha false the destination
 * counts as opaque and keeps alpha 255; with it true the straight-alpha
 * OVER equation is applied exactly (see pixel.c).
 */
void fbk_over_row(uint32_t *dst, const uint32_t *src, int32_t n, uint8_t opacity,
		  bool dst_has_alpha);

/* Blend one colour over n destination pixels, as fbk_over_row. */
void fbk_over_color_row(uint32_t *dst, uint32_t argb, int32_t n, bool dst_has_alpha);

/*
 * Blend one colour through an A8 coverage mask over n destination pixels:
 * pixel i is blended as fbk_over_pixel with the colour's alpha scaled by
 * mask[i] (div255(a * mask[i])). What anti-aliased shapes and glyph masks
 * share.
 */
void fbk_over_color_mask_row(uint32_t *dst, uint32_t argb, const uint8_t *mask, int32_t n,
			     bool dst_has_alpha);

/* fbk_over_color_mask_row on n stored pixels of a format, in place, as fbk_blend_color_span. */
void fbk_blend_mask_span(uint8_t *pixels, const struct fbk_row_codec *codec, int bytes_per_pixel,
			 int32_t n, uint32_t argb, const uint8_t *mask, bool dst_has_alpha);

/*
 * Blend one colour over n stored pixels of a format in place, a chunk at
 * a time through the codec: what fill, lines and text share.
 */
void fbk_blend_color_span(uint8_t *pixels, const struct fbk_row_codec *codec, int bytes_per_pixel,
			  int32_t n, uint32_t argb, bool dst_has_alpha);

/* One pixel of fbk_over_row: the definition the row loops must match. */
uint32_t fbk_over_pixel(uint32_t dst, uint32_t src, bool dst_has_alpha);

/* Store n copies of a packed pixel value of `bytes_per_pixel` bytes at dst. */
void fbk_fill_row(uint8_t *dst, uint32_t packed, int bytes_per_pixel, int32_t n);

#endif
