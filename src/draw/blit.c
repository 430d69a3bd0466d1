/*
 * Blit: copy (converting formats) or blend a rectangle of one surface onto
 * another. Same-format copies are memcpy/memmove per row; everything else
 * goes through the row engine in FBK_ROW_CHUNK pieces.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clip.h"
#include "core/error.h"
#include "fbkit/draw.h"
#include "pixel/pixel.h"
#include "pixel/pixel_ops.h"

struct blit_job {
	struct fbk_surface *dst;
	const struct fbk_surface *src;
	struct fbk_rect dst_area; /* inside dst's clip */
	int32_t src_x, src_y;     /* source pixel for dst_area's corner */
	enum fbk_op op;
	uint8_t opacity;
};

/* Source and destination areas as byte ranges; true if they may share bytes. */
static bool memory_overlaps(const struct blit_job *job)
{
	const struct fbk_rect *r = &job->dst_area;
	const uint8_t *s0 = fbk_surface_pixel(job->src, job->src_x, job->src_y);
	const uint8_t *s1 = (const uint8_t *)fbk_surface_pixel(job->src, job->src_x + r->w - 1,
							       job->src_y + r->h - 1) +
			    fbk_format_info(job->src->format)->bytes_per_pixel;
	const uint8_t *d0 = fbk_surface_pixel(job->dst, r->x, r->y);
	const uint8_t *d1 = (const uint8_t *)fbk_surface_pixel(job->dst, r->x + r->w - 1,
							       r->y + r->h - 1) +
			    fbk_format_info(job->dst->format)->bytes_per_pixel;
	/* As integers: ISO C leaves < on pointers into different objects undefined. */
	return (uintptr_t)s0 < (uintptr_t)d1 && (uintptr_t)d0 < (uintptr_t)s1;
}

/* Same format, possibly overlapping: rows in an order that reads each before it is overwritten. */
static void copy_rows(const struct blit_job *job)
{
	const struct fbk_rect *r = &job->dst_area;
	size_t row_bytes = (size_t)r->w * fbk_format_info(job->dst->format)->bytes_per_pixel;
	const uint8_t *src = fbk_surface_pixel(job->src, job->src_x, job->src_y);
	uint8_t *dst = fbk_surface_pixel(job->dst, r->x, r->y);
	bool bottom_up = (uintptr_t)dst > (uintptr_t)src;
	/* Whole rows of equal stride are one block: one call streams it best. */
	if (row_bytes == job->dst->stride && row_bytes == job->src->stride) {
		memmove(dst, src, row_bytes * (size_t)r->h);
		return;
	}
	for (int32_t i = 0; i < r->h; i++) {
		int32_t row = bottom_up ? r->h - 1 - i : i;
		memmove(dst + (size_t)row * job->dst->stride, src + (size_t)row * job->src->stride,
			row_bytes);
	}
}

/*
 * One-pass paths for the common pairs, which skip the 0xAARRGGBB rows:
 * ARGB8888 blended onto XRGB8888 or RGB565, and SRC conversions from a
 * 32-bit format to another 32-bit format or to RGB565/BGR565. The kernels
 * compute exactly what unpack, blend and pack would. Chosen by the
 * formats' traits (format_list.h), so a new format takes these paths
 * only if it has the shape the kernels read. False when the pair has none.
 */
enum one_pass_kind {
	NO_ONE_PASS,
	OVER_ONTO_XRGB,
	OVER_ONTO_RGB565,
	CONVERT_32,
	CONVERT_32_TO_16,
	CONVERT_1555,
};

/* What the kernels depend on: layout, alpha and channel order, not other flags. */
#define SHAPE (FBK_TRAIT_LAYOUTS | FBK_TRAIT_ALPHA | FBK_TRAIT_SWAPPED)

static enum one_pass_kind one_pass_kind(unsigned src, unsigned dst, bool blend)
{
	src &= SHAPE;
	dst &= SHAPE;
	/* The OVER kernels read ARGB8888 and write what XRGB8888 and RGB565 store. */
	if (blend) {
		if (src != (FBK_TRAIT_8888 | FBK_TRAIT_ALPHA))
			return NO_ONE_PASS;
		if (dst == FBK_TRAIT_8888)
			return OVER_ONTO_XRGB;
		return dst == FBK_TRAIT_565 ? OVER_ONTO_RGB565 : NO_ONE_PASS;
	}
	/* The conversions handle alpha and order themselves (set, keep, swap). */
	if ((src & FBK_TRAIT_LAYOUTS) == FBK_TRAIT_1555)
		return (dst & FBK_TRAIT_LAYOUTS) == FBK_TRAIT_1555 &&
				       (src & FBK_TRAIT_SWAPPED) == (dst & FBK_TRAIT_SWAPPED)
			       ? CONVERT_1555
			       : NO_ONE_PASS;
	if ((src & FBK_TRAIT_LAYOUTS) != FBK_TRAIT_8888)
		return NO_ONE_PASS;
	if ((dst & FBK_TRAIT_LAYOUTS) == FBK_TRAIT_8888)
		return CONVERT_32;
	return (dst & FBK_TRAIT_LAYOUTS) == FBK_TRAIT_565 ? CONVERT_32_TO_16 : NO_ONE_PASS;
}

static bool one_pass(const struct blit_job *job, bool blend)
{
	const struct fbk_row_ops *ops = fbk_row_ops();
	const struct fbk_format *src_format = fbk_format_entry(job->src->format);
	const struct fbk_format *dst_format = fbk_format_entry(job->dst->format);
	unsigned src = src_format->traits, dst = dst_format->traits;
	enum one_pass_kind kind = one_pass_kind(src, dst, blend);
	if (kind == NO_ONE_PASS)
		return false;
	const struct fbk_rect *r = &job->dst_area;
	const uint8_t *s = fbk_surface_pixel(job->src, job->src_x, job->src_y);
	uint8_t *d = fbk_surface_pixel(job->dst, r->x, r->y);
	bool swap = (src & FBK_TRAIT_SWAPPED) != (dst & FBK_TRAIT_SWAPPED);
	/* The alpha (or X) bits: the top byte of 8888, the top bit of 1555. */
	uint32_t top = kind == CONVERT_1555 ? 0x8000u : 0xff000000u;
	uint32_t set = src & FBK_TRAIT_ALPHA ? 0 : top;
	uint32_t keep = dst & FBK_TRAIT_ALPHA ? ~0u : ~top;
	/*
	 * Rows that touch in both surfaces are one long row, as in fill_rect:
	 * kernels then stream (and prefetch) across row ends.
	 */
	int32_t w = r->w, h = r->h;
	if (job->src->stride == (size_t)w * src_format->info.bytes_per_pixel &&
	    job->dst->stride == (size_t)w * dst_format->info.bytes_per_pixel &&
	    (int64_t)w * h <= FBK_ROW_MAX_PIXELS) {
		w *= h;
		h = 1;
	}
	for (int32_t y = 0; y < h; y++, s += job->src->stride, d += job->dst->stride) {
		switch (kind) {
		case OVER_ONTO_XRGB: ops->over_argb_onto_xrgb(d, s, w, job->opacity); break;
		case OVER_ONTO_RGB565: ops->over_argb_onto_rgb565(d, s, w, job->opacity); break;
		case CONVERT_32: ops->convert_8888(d, s, w, swap, set, keep); break;
		case CONVERT_1555: ops->convert_1555(d, s, w, set, keep); break;
		default: ops->convert_8888_to_565(d, s, w, swap); break;
		}
	}
	return true;
}

/* Source and destination do not overlap: convert or blend chunk by chunk. */
static void convert_rows(const struct blit_job *job)
{
	const struct fbk_rect *r = &job->dst_area;
	const struct fbk_format_info *src_info = fbk_format_info(job->src->format);
	const struct fbk_format_info *dst_info = fbk_format_info(job->dst->format);
	const struct fbk_row_codec *src_codec = fbk_row_codec(job->src->format);
	const struct fbk_row_codec *dst_codec = fbk_row_codec(job->dst->format);
	bool blend = job->op == FBK_OP_OVER && (src_info->alpha.length || job->opacity != 255);
	bool dst_has_alpha = dst_info->alpha.length != 0;
	uint32_t src_row[FBK_ROW_CHUNK], dst_row[FBK_ROW_CHUNK];
	if (one_pass(job, blend))
		return;

	for (int32_t y = 0; y < r->h; y++) {
		const uint8_t *s = fbk_surface_pixel(job->src, job->src_x, job->src_y + y);
		uint8_t *d = fbk_surface_pixel(job->dst, r->x, r->y + y);
		for (int32_t done = 0; done < r->w; done += FBK_ROW_CHUNK) {
			int32_t n = r->w - done < FBK_ROW_CHUNK ? r->w - done : FBK_ROW_CHUNK;
			const uint8_t *s_at = s + (size_t)done * src_info->bytes_per_pixel;
			uint8_t *d_at = d + (size_t)done * dst_info->bytes_per_pixel;
			src_codec->unpack(src_row, s_at, n);
			if (blend) {
				dst_codec->unpack(dst_row, d_at, n);
				fbk_over_row(dst_row, src_row, n, job->opacity, dst_has_alpha);
				dst_codec->pack(d_at, dst_row, n);
			} else {
				dst_codec->pack(d_at, src_row, n);
			}
		}
	}
}

/* Overlap with blending or conversion: work from a private copy of the source. */
static int blit_from_copy(struct blit_job *job)
{
	const struct fbk_rect *r = &job->dst_area;
	size_t bpp = fbk_format_info(job->src->format)->bytes_per_pixel;
	size_t stride = (size_t)r->w * bpp;
	uint8_t *copy = malloc(stride * (size_t)r->h);
	if (!copy)
		return fbk_fail(-ENOMEM, "out of memory for an overlapping %dx%d blit", (int)r->w,
				(int)r->h);
	for (int32_t y = 0; y < r->h; y++)
		memcpy(copy + (size_t)y * stride, fbk_surface_pixel(job->src, job->src_x, job->src_y + y),
		       stride);
	struct fbk_surface snapshot;
	fbk_surface_init(&snapshot, copy, r->w, r->h, stride, job->src->format);
	job->src = &snapshot;
	job->src_x = 0;
	job->src_y = 0;
	convert_rows(job);
	free(copy);
	return 0;
}

/* Map src_rect to the destination and cut both to what is visible. False if nothing is. */
static bool place(struct blit_job *job, int32_t x, int32_t y, const struct fbk_rect *src_rect)
{
	const struct fbk_surface *src = job->src;
	struct fbk_rect src_bounds = { 0, 0, src->width, src->height };
	struct fbk_rect wanted = src_rect ? *src_rect : src_bounds, from;
	if (!fbk_rect_intersect(&wanted, &src_bounds, &from))
		return false;
	/* Where `from` lands; 64-bit because x + offset can leave int32. */
	int64_t to_x = (int64_t)x + (from.x - (int64_t)wanted.x);
	int64_t to_y = (int64_t)y + (from.y - (int64_t)wanted.y);
	struct fbk_rect clip = fbk_effective_clip(job->dst);
	int64_t x0 = to_x > clip.x ? to_x : clip.x;
	int64_t y0 = to_y > clip.y ? to_y : clip.y;
	int64_t x1 = to_x + from.w < (int64_t)clip.x + clip.w ? to_x + from.w : (int64_t)clip.x + clip.w;
	int64_t y1 = to_y + from.h < (int64_t)clip.y + clip.h ? to_y + from.h : (int64_t)clip.y + clip.h;
	if (x1 <= x0 || y1 <= y0)
		return false;
	job->dst_area = (struct fbk_rect){ (int32_t)x0, (int32_t)y0, (int32_t)(x1 - x0),
					   (int32_t)(y1 - y0) };
	job->src_x = (int32_t)(from.x + (x0 - to_x));
	job->src_y = (int32_t)(from.y + (y0 - to_y));
	return true;
}

int fbk_blit(struct fbk_surface *dst, int32_t x, int32_t y, const struct fbk_surface *src,
	     const struct fbk_rect *src_rect, enum fbk_op op, uint8_t opacity)
{
	int err = fbk_surface_check(dst);
	if (err)
		return fbk_fail_context(err, "blit destination");
	err = fbk_surface_check(src);
	if (err)
		return fbk_fail_context(err, "blit source");
	if (op != FBK_OP_SRC && op != FBK_OP_OVER)
		return fbk_fail(-EINVAL, "unknown blit operator %d", (int)op);
	if (op == FBK_OP_SRC && opacity != 255)
		return fbk_fail(-EINVAL, "opacity %u needs FBK_OP_OVER; FBK_OP_SRC copies as is",
				(unsigned)opacity);

	struct blit_job job = { .dst = dst, .src = src, .op = op, .opacity = opacity };
	if (!place(&job, x, y, src_rect) || (op == FBK_OP_OVER && opacity == 0))
		return 0;

	bool same_layout = src->format == dst->format && src->stride == dst->stride;
	bool plain_copy = src->format == dst->format &&
			  (op == FBK_OP_SRC || (!fbk_format_has_alpha(src->format) && opacity == 255));
	if (plain_copy && (same_layout || !memory_overlaps(&job))) {
		copy_rows(&job);
		return 0;
	}
	if (memory_overlaps(&job))
		return blit_from_copy(&job);
	convert_rows(&job);
	return 0;
}
