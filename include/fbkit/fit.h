/* fbkit: fitting an image into a box (contain, cover, stretch) with an alignment. */
#ifndef FBKIT_FIT_H
#define FBKIT_FIT_H

#include "fbkit/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How an image is fitted into a box. */
enum fbk_fit {
	FBK_FIT_NONE,    /* natural size, aligned in the box, cut to it */
	FBK_FIT_CONTAIN, /* as large as fits inside, keeping the aspect ratio */
	FBK_FIT_COVER,   /* as small as covers the box, keeping the aspect ratio; cut to it */
	FBK_FIT_STRETCH, /* exactly the box */
};

/** Alignment inside the box: combine one horizontal and one vertical flag; 0 is centred. */
enum fbk_align {
	FBK_ALIGN_CENTER = 0,
	FBK_ALIGN_LEFT = 1 << 0,
	FBK_ALIGN_RIGHT = 1 << 1,
	FBK_ALIGN_TOP = 1 << 2,
	FBK_ALIGN_BOTTOM = 1 << 3,
};

enum fbk_filter {
	FBK_FILTER_SMOOTH,  /* box filter when shrinking, bilinear when growing */
	FBK_FILTER_NEAREST, /* nearest source pixel */
};

/**
 * The rectangle an image_width x image_height image occupies when fitted
 * into box with `fit` and `align` (fbk_align flags). It may extend past
 * the box (FBK_FIT_NONE with a larger image, FBK_FIT_COVER); drawing cuts
 * it to the box. Never smaller than 1x1. Errors: -EINVAL (non-positive
 * sizes, empty box, unknown fit, contradictory align flags).
 */
FBK_API int fbk_fit_rect(int32_t image_width, int32_t image_height, const struct fbk_rect *box,
			 enum fbk_fit fit, unsigned align, struct fbk_rect *out);

#ifdef __cplusplus
}
#endif

#endif
