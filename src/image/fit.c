/*
 * Fitting an image into a box. Every size is computed exactly in 64-bit
 * integers (products of two int32 values stay below 2^62), so the result
 * depends on nothing but these definitions, for image iw x ih, box bw x bh:
 *
 * - NONE: iw x ih. STRETCH: bw x bh.
 * - CONTAIN: if iw * bh >= ih * bw (the image is at least as wide as the
 *   box, relatively), the width is bw and the height round(ih * bw / iw);
 *   otherwise the height is bh and the width round(iw * bh / ih). Rounding
 *   is to nearest, halves up, and a result below 1 becomes 1. The rounded
 *   side never exceeds the box, since its exact value does not.
 * - COVER: the other choice: if iw * bh >= ih * bw, the height is bh and the
 *   width round(iw * bh / ih), else the width is bw and the height
 *   round(ih * bw / iw). Never smaller than the box, since the exact value
 *   is not.
 * - Alignment, horizontally (vertically alike with TOP and BOTTOM):
 *   LEFT puts x at box.x, RIGHT puts x + w at box.x + bw, neither centres:
 *   x = box.x + floor((bw - w) / 2), so with an odd difference the image's
 *   centre sits half a pixel left of (or above) the box's, whether the
 *   image is smaller or larger than the box. LEFT with RIGHT, TOP with
 *   BOTTOM, or any bit that is no fbk_align flag is -EINVAL.
 * - The result, including its right and bottom edges (x + w, y + h), must
 *   fit int32, so callers may add them; otherwise it is -EINVAL. Only
 *   huge boxes or cover rectangles of extreme aspect ratios get there.
 */
#include <errno.h>
#include <stdbool.h>

#include "core/error.h"
#include "fbkit/fit.h"

#define HORIZONTAL (FBK_ALIGN_LEFT | FBK_ALIGN_RIGHT)
#define VERTICAL (FBK_ALIGN_TOP | FBK_ALIGN_BOTTOM)

/* round(v * num / den), halves up; all positive and below 2^31. */
static int64_t scale_round(int64_t v, int64_t num, int64_t den)
{
	int64_t product = v * num;
	int64_t q = product / den;
	return 2 * (product % den) >= den ? q + 1 : q;
}

/* floor(v / 2) for either sign: C division truncates towards zero. */
static int64_t floor_half(int64_t v)
{
	return v >= 0 ? v / 2 : -((-v + 1) / 2);
}

static int64_t align_offset(int64_t origin, int64_t box_size, int64_t size, unsigned flags,
			    unsigned start_flag)
{
	if (flags == 0)
		return origin + floor_half(box_size - size);
	return flags == start_flag ? origin : origin + box_size - size;
}

static void fitted_size(int64_t iw, int64_t ih, int64_t bw, int64_t bh, enum fbk_fit fit,
			int64_t *w, int64_t *h)
{
	bool wider = iw * bh >= ih * bw;
	switch (fit) {
	case FBK_FIT_NONE:
		*w = iw;
		*h = ih;
		return;
	case FBK_FIT_STRETCH:
		*w = bw;
		*h = bh;
		return;
	case FBK_FIT_CONTAIN:
		break;
	case FBK_FIT_COVER:
		wider = !wider;
		break;
	}
	if (wider) {
		*w = bw;
		*h = scale_round(ih, bw, iw);
	} else {
		*w = scale_round(iw, bh, ih);
		*h = bh;
	}
	if (*w < 1)
		*w = 1;
	if (*h < 1)
		*h = 1;
}

static bool fits_int32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static int check_arguments(int32_t image_width, int32_t image_height, const struct fbk_rect *box,
			   enum fbk_fit fit, unsigned align, const struct fbk_rect *out)
{
	if (!box || !out)
		return fbk_fail(-EINVAL, "fit: box or output rectangle is NULL");
	if (image_width < 1 || image_height < 1)
		return fbk_fail(-EINVAL, "fit: image size %dx%d is not positive", (int)image_width,
				(int)image_height);
	if (box->w < 1 || box->h < 1)
		return fbk_fail(-EINVAL, "fit: box %dx%d is empty", (int)box->w, (int)box->h);
	if (fit != FBK_FIT_NONE && fit != FBK_FIT_CONTAIN && fit != FBK_FIT_COVER &&
	    fit != FBK_FIT_STRETCH)
		return fbk_fail(-EINVAL, "fit: unknown fit mode %d", (int)fit);
	if (align & ~(unsigned)(HORIZONTAL | VERTICAL))
		return fbk_fail(-EINVAL, "fit: unknown alignment flags 0x%x", align);
	if ((align & HORIZONTAL) == HORIZONTAL || (align & VERTICAL) == VERTICAL)
		return fbk_fail(-EINVAL,
				"fit: alignment 0x%x asks for both edges of one axis (left and "
				"right, or top and bottom)",
				align);
	return 0;
}

int fbk_fit_rect(int32_t image_width, int32_t image_height, const struct fbk_rect *box,
		 enum fbk_fit fit, unsigned align, struct fbk_rect *out)
{
	int err = check_arguments(image_width, image_height, box, fit, align, out);
	if (err)
		return err;
	int64_t w, h;
	fitted_size(image_width, image_height, box->w, box->h, fit, &w, &h);
	int64_t x = align_offset(box->x, box->w, w, align & HORIZONTAL, FBK_ALIGN_LEFT);
	int64_t y = align_offset(box->y, box->h, h, align & VERTICAL, FBK_ALIGN_TOP);
	if (!fits_int32(w) || !fits_int32(h) || !fits_int32(x) || !fits_int32(y) ||
	    !fits_int32(x + w) || !fits_int32(y + h))
		return fbk_fail(-EINVAL,
				"fit: %dx%d fitted into %dx%d at (%d,%d) gives %lldx%lld at "
				"(%lld,%lld), outside 32-bit coordinates",
				(int)image_width, (int)image_height, (int)box->w, (int)box->h,
				(int)box->x, (int)box->y, (long long)w, (long long)h, (long long)x,
				(long long)y);
	*out = (struct fbk_rect){ (int32_t)x, (int32_t)y, (int32_t)w, (int32_t)h };
	return 0;
}
