/*
 * Drawing a PNG handle: where its decoded rows go. At its natural size
 * each visible row is handed to fbk_blit as a one-row ARGB8888 (or
 * XRGB8888) surface, or libpng writes it straight into the destination
 * when that is what the blit would store; scaled (fbk_png_draw_fit), rows
 * go through the streaming scaler, whose output rows are blitted. The
 * decoding itself is png_decode.c's.
 */
#include "config.h"

#include <errno.h>

#include "core/error.h"
#include "fbkit/png.h"

#if FBK_HAVE_PNG

#include <stdbool.h>

#include "core/clip.h"
#include "image/png_internal.h"

/* ---- sinks --------------------------------------------------------------- */

static int blit_row(struct fbk_png_sink *k, int32_t x, int32_t y, const uint32_t *argb, int32_t n)
{
	struct fbk_surface row;
	int err = fbk_surface_init(&row, (void *)argb, n, 1, (size_t)n * 4, k->row_format);
	return err ? err : fbk_blit(k->dst, x, y, &row, NULL, k->op, 255);
}

/* The scaler's output rows, holding only the visible columns. */
static int emit_row(void *userdata, int32_t y, const uint32_t *row)
{
	struct fbk_png_sink *k = userdata;
	return blit_row(k, k->area.x, k->top + y, row, k->area.w);
}

/* Row y of the image, or NULL for a row the sink does not want. */
int fbk_png_sink_put(struct fbk_png_sink *k, int32_t y, const uint32_t *argb)
{
	if (k->resampler)
		return fbk_resampler_push(k->resampler, argb, emit_row, k);
	if (!argb)
		return 0;
	return blit_row(k, k->area.x, k->area.y + (y - k->first), argb + k->left, k->area.w);
}

/* ---- drawing ------------------------------------------------------------- */

static int check_draw(const struct fbk_surface *dst, const struct fbk_png *png, enum fbk_op op)
{
	int err = fbk_surface_check(dst);
	if (err)
		return fbk_fail_context(err, "PNG destination");
	if (!png)
		return fbk_fail(-EINVAL, "PNG handle is NULL");
	if (op != FBK_OP_SRC && op != FBK_OP_OVER)
		return fbk_fail(-EINVAL, "unknown operator %d", (int)op);
	return 0;
}


/*
 * Whether libpng's rows can be written straight into dst: every column
 * visible, and the decoded words already what fbk_blit would store there
 * (fbkit keeps 32-bit pixels as native words, as libpng gives them).
 */
static bool can_go_direct(const struct fbk_surface *dst, const struct fbk_png *png,
			  const struct fbk_png_sink *k, enum fbk_op op)
{
	const struct fbk_png_info *info = &png->info;
	if (info->interlaced || info->color_type == FBK_PNG_PALETTE || k->left != 0 ||
	    k->area.w != info->width)
		return false;
	if (dst->format == FBK_FORMAT_XRGB8888)
		return !info->has_alpha;
	return dst->format == FBK_FORMAT_ARGB8888 && (!info->has_alpha || op == FBK_OP_SRC);
}

static int draw(struct fbk_surface *dst, const struct fbk_png *png, int32_t x, int32_t y,
		enum fbk_op op)
{
	struct fbk_rect image = { x, y, png->info.width, png->info.height };
	struct fbk_rect clip = fbk_effective_clip(dst), area;
	if (!fbk_rect_intersect(&image, &clip, &area))
		return 0;
	/* Image coordinates of the visible part; 64-bit because x may be far off. */
	int32_t left = (int32_t)((int64_t)area.x - x), top = (int32_t)((int64_t)area.y - y);
	bool opaque = !png->info.has_alpha;
	struct fbk_png_sink k = {
		.dst = dst,
		/* Opaque rows: SRC is OVER, and cheaper. */
		.op = opaque ? FBK_OP_SRC : op,
		/* Opaque rows as XRGB8888 into XRGB8888 make every row a plain copy. */
		.row_format = opaque && dst->format == FBK_FORMAT_XRGB8888 ? FBK_FORMAT_XRGB8888
									  : FBK_FORMAT_ARGB8888,
		.area = area,
		.first = top,
		.end = top + area.h,
		.left = left,
	};
	k.direct = can_go_direct(dst, png, &k, op);
	return fbk_png_decode(png, &k);
}

int fbk_png_draw(struct fbk_surface *dst, const struct fbk_png *png, int32_t x, int32_t y,
		 enum fbk_op op)
{
	int err = check_draw(dst, png, op);
	return err ? err : draw(dst, png, x, y, op);
}

/*
 * Source rows an Adam7 image must keep for output rows visible->y ..
 * visible->y + visible->h - 1 of a scale from src_h to dst_h rows. Box,
 * bilinear and nearest all read within one row of the span the output
 * rows cover, so one row of margin on each side is enough.
 */
static void rows_for(int32_t src_h, int32_t dst_h, const struct fbk_rect *visible, int32_t *first,
		     int32_t *end)
{
	int64_t lo = (int64_t)visible->y * src_h / dst_h - 1;
	int64_t hi = ((int64_t)(visible->y + visible->h) * src_h + dst_h - 1) / dst_h + 1;
	*first = (int32_t)(lo < 0 ? 0 : lo);
	*end = (int32_t)(hi > src_h ? src_h : hi);
}

static int draw_scaled(struct fbk_surface *dst, const struct fbk_png *png,
		       const struct fbk_rect *fitted, const struct fbk_rect *area,
		       enum fbk_filter filter, enum fbk_op op)
{
	const struct fbk_png_info *info = &png->info;
	/* The scaler's limit on either side; COVER of a very thin image can pass it. */
	if (info->width > FBK_MAX_DIMENSION || info->height > FBK_MAX_DIMENSION ||
	    fitted->w > FBK_MAX_DIMENSION || fitted->h > FBK_MAX_DIMENSION)
		return fbk_fail(-EFBIG,
				"%s: cannot scale %dx%d to %dx%d: the scaler works up to %dx%d",
				png->name, (int)info->width, (int)info->height, (int)fitted->w,
				(int)fitted->h, FBK_MAX_DIMENSION, FBK_MAX_DIMENSION);
	struct fbk_rect visible = { (int32_t)((int64_t)area->x - fitted->x),
				    (int32_t)((int64_t)area->y - fitted->y), area->w, area->h };
	/* The scaler's rows of an opaque image are opaque: SRC is OVER, and cheaper. */
	struct fbk_png_sink k = {
		.dst = dst,
		.op = info->has_alpha ? op : FBK_OP_SRC,
		.row_format = FBK_FORMAT_ARGB8888,
		.area = *area,
		.first = 0,
		.end = info->height,
		.top = fitted->y,
	};
	if (info->interlaced)
		rows_for(info->height, fitted->h, &visible, &k.first, &k.end);
	int err = fbk_resampler_create(&k.resampler, info->width, info->height, fitted->w,
				       fitted->h, filter, &visible);
	if (err)
		return err;
	err = fbk_png_decode(png, &k);
	fbk_resampler_destroy(k.resampler);
	return err;
}

int fbk_png_draw_fit(struct fbk_surface *dst, const struct fbk_png *png,
		     const struct fbk_rect *box, enum fbk_fit fit, unsigned align,
		     enum fbk_filter filter, enum fbk_op op)
{
	int err = check_draw(dst, png, op);
	if (err)
		return err;
	if (!box)
		return fbk_fail(-EINVAL, "box is NULL");
	if (filter != FBK_FILTER_SMOOTH && filter != FBK_FILTER_NEAREST)
		return fbk_fail(-EINVAL, "unknown filter %d", (int)filter);
	struct fbk_rect fitted, cut, area;
	err = fbk_fit_rect(png->info.width, png->info.height, box, fit, align, &fitted);
	if (err)
		return err;
	struct fbk_rect clip = fbk_effective_clip(dst);
	if (!fbk_rect_intersect(&fitted, box, &cut) || !fbk_rect_intersect(&cut, &clip, &area))
		return 0;
	if (fitted.w == png->info.width && fitted.h == png->info.height) {
		/* Natural size: the plain path, clipped to the box as well. */
		struct fbk_surface view = *dst;
		view.clip = area;
		return draw(&view, png, fitted.x, fitted.y, op);
	}
	return draw_scaled(dst, png, &fitted, &area, filter, op);
}

#else /* !FBK_HAVE_PNG */

int fbk_png_draw(struct fbk_surface *dst, const struct fbk_png *png, int32_t x, int32_t y,
		 enum fbk_op op)
{
	(void)dst;
	(void)png;
	(void)x;
	(void)y;
	(void)op;
	return fbk_fail(-ENOTSUP, "cannot draw a PNG: fbkit was built without libpng");
}

int fbk_png_draw_fit(struct fbk_surface *dst, const struct fbk_png *png,
		     const struct fbk_rect *box, enum fbk_fit fit, unsigned align,
		     enum fbk_filter filter, enum fbk_op op)
{
	(void)dst;
	(void)png;
	(void)box;
	(void)fit;
	(void)align;
	(void)filter;
	(void)op;
	return fbk_fail(-ENOTSUP, "cannot draw a PNG: fbkit was built without libpng");
}

#endif
