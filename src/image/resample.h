/*
 * Internal: a streaming image scaler. Source rows (0xAARRGGBB, straight
 * alpha) go in one at a time, top to bottom; each finished output row comes
 * out through a callback as soon as the source rows it needs have arrived.
 * It keeps a few rows of state, never an image.
 *
 * Each axis is resampled on its own: shrinking (or equal size) averages
 * the source pixels each output pixel covers, weighted by the area covered
 * (box filter); growing interpolates linearly between the two nearest
 * source pixel centres (bilinear), edges clamped. FBK_FILTER_NEAREST takes
 * the source pixel under each output pixel's centre. Colour is averaged
 * premultiplied by alpha, so transparent pixels do not darken their
 * neighbours.
 */
#ifndef FBK_RESAMPLE_H
#define FBK_RESAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "fbkit/fit.h"

struct fbk_resampler;

/* Receives output row y (0-based in the dst_w x dst_h output), holding the
 * visible columns only: pixels visible.x .. visible.x + visible.w - 1. */
typedef int (*fbk_resample_emit_fn)(void *userdata, int32_t y, const uint32_t *row);

/*
 * Scale src_w x src_h to dst_w x dst_h, producing only the part of the
 * output inside `visible` (output coordinates, non-empty, inside the
 * output). Errors: -EINVAL, -ENOMEM (with fbk_fail messages).
 */
int fbk_resampler_create(struct fbk_resampler **out, int32_t src_w, int32_t src_h, int32_t dst_w,
			 int32_t dst_h, enum fbk_filter filter, const struct fbk_rect *visible);

/*
 * Feed the next source row (src_w pixels). Calls emit for every visible
 * output row this row completes, in order; a non-zero return from emit
 * stops and is returned.
 */
int fbk_resampler_push(struct fbk_resampler *r, const uint32_t *src_row, fbk_resample_emit_fn emit,
		       void *userdata);

/*
 * The source columns the visible output is made of: first .. first +
 * count - 1. A caller that can produce only those (a JPEG decode cropped
 * to them) pushes them with fbk_resampler_push_columns.
 */
void fbk_resampler_source_columns(const struct fbk_resampler *r, int32_t *first, int32_t *count);

/*
 * fbk_resampler_push with only the source columns fbk_resampler_source_columns
 * names: columns[0] is source column `first`.
 */
int fbk_resampler_push_columns(struct fbk_resampler *r, const uint32_t *columns,
			       fbk_resample_emit_fn emit, void *userdata);

/* Whether source row `src_y` (the next to push) contributes to any visible output: if not,
 * the caller may push NULL for it, which costs nothing. */
bool fbk_resampler_needs_row(const struct fbk_resampler *r, int32_t src_y);

/* True once every visible output row has been emitted: the decoder may stop. */
bool fbk_resampler_done(const struct fbk_resampler *r);

void fbk_resampler_destroy(struct fbk_resampler *r);

#endif
