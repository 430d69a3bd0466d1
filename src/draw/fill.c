/*
 * The draw layer: the primitives on a surface (fill, blit, lines and
 * outlines). Each cuts its work to the effective clip first, then works a
 * row at a time through the pixel layer's codecs and kernels. It may call
 * core and pixel; it knows nothing of displays or files.
 *
 * This file: rectangle fill, a packed-pixel store for opaque colours and
 * row blending otherwise.
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

static void fill_blend(struct fbk_surface *dst, const struct fbk_rect *r, uint32_t argb,
		       const struct fbk_format_info *info)
{
	const struct fbk_row_codec *codec = fbk_row_codec(dst->format);
	uint8_t *row = fbk_surface_pixel(dst, r->x, r->y);
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
