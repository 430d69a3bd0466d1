/*
 * The draw layer: the primitives on a surface (fill, blit, lines and
 * outlines). Each cuts its work to the effective clip first, then works a
 * row at a time through the pixel layer's codecs and kernels. It may call
 * core and pixel; it knows nothing of displays or files.
 *
 * This file: rectangle fill, a packed-pixel store for opaque colours and
 * row blending otherwise (in one pass on stored XRGB8888 and RGB565).
 */
#include "core/clip.h"
#include "core/error.h"
#include "fbkit/draw.h"
#include "pixel/pixel.h"
#include "pixel/pixel_ops.h"

/*
 * One kernel call for the whole rectangle: for glyph-sized rectangles the
 * per-row overhead (pixel address, kernel lookup, pixel-size switch)
 * costs as much as the stores.
 */
static void fill_opaque(struct fbk_surface *dst, const struct fbk_rect *r, uint32_t packed,
			int bytes_per_pixel)
{
	fbk_row_ops()->fill_rect(fbk_surface_pixel(dst, r->x, r->y), dst->stride, packed,
				 bytes_per_pixel, r->w, r->h);
}

/*
 * The kernels shapes use on stored XRGB8888 and RGB565 blend in one pass,
 * without unpacking rows to 0xAARRGGBB and packing them back; chosen by
 * the format's traits, as blit's one-pass paths are. NULL for other formats.
 */
static void (*stored_kernel(uint32_t format))(uint8_t *dst, uint32_t argb, int32_t n)
{
	const struct fbk_row_ops *ops = fbk_row_ops();
	unsigned shape = fbk_format_entry(format)->traits &
			 (FBK_TRAIT_LAYOUTS | FBK_TRAIT_ALPHA | FBK_TRAIT_SWAPPED);
	if (shape == FBK_TRAIT_8888)
		return ops->over_color_onto_xrgb;
	return shape == FBK_TRAIT_565 ? ops->over_color_onto_rgb565 : NULL;
}

static void fill_blend(struct fbk_surface *dst, const struct fbk_rect *r, uint32_t argb,
		       const struct fbk_format_info *info)
{
	uint8_t *row = fbk_surface_pixel(dst, r->x, r->y);
	void (*onto)(uint8_t *, uint32_t, int32_t) = stored_kernel(dst->format);
	if (onto) {
		/* Rows that touch are one long row, as in fill_rect. */
		int32_t w = r->w, h = r->h;
		if (dst->stride == (size_t)w * info->bytes_per_pixel &&
		    (int64_t)w * h <= FBK_ROW_MAX_PIXELS) {
			w *= h;
			h = 1;
		}
		for (int32_t y = 0; y < h; y++, row += dst->stride)
			onto(row, argb, w);
		return;
	}
	const struct fbk_row_codec *codec = fbk_row_codec(dst->format);
	for (int32_t y = 0; y < r->h; y++, row += dst->stride)
		fbk_blend_color_span(row, codec, info->bytes_per_pixel, r->w, argb,
				     info->alpha.length != 0);
}

int fbk_fill(struct fbk_surface *dst, const struct fbk_rect *rect, struct fbk_color color)
{
	int err = fbk_surface_check(dst);
	if (err)
		return err;
	struct fbk_rect area = fbk_effective_clip(dst);
	if (rect && !fbk_rect_intersect(rect, &area, &area))
		return 0;
	if (area.w <= 0 || color.a == 0)
		return 0;
	const struct fbk_format_info *info = fbk_format_info(dst->format);
	if (color.a == 255)
		fill_opaque(dst, &area, fbk_color_pack(dst->format, color), info->bytes_per_pixel);
	else
		fill_blend(dst, &area, fbk_argb(color), info);
	return 0;
}
