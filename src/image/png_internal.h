/*
 * Internal: what the three parts of PNG reading share. png_input.c owns
 * the handle (the mapping, the limits, the checks made before libpng
 * runs) and every read of the file's bytes; png_decode.c runs libpng over
 * them and hands out rows; png_draw.c says where the rows go (a sink) and
 * puts them there. Only built with libpng.
 */
#ifndef FBK_PNG_INTERNAL_H
#define FBK_PNG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "fbkit/png.h"
#include "platform/mapped_file.h"
#include "image/resample.h"

struct fbk_png {
	const uint8_t *data; /* the whole file */
	size_t size;
	struct fbk_mapped_file file; /* file.map is NULL for a caller's buffer */
	char *name;          /* the path, the caller's name, or "PNG data" */
	struct fbk_png_limits limits; /* defaults filled in */
	struct fbk_png_info info;
};

/*
 * Where decoded rows go: straight onto dst (resampler NULL) or through the
 * scaler. Rows first .. end - 1 of the image may be needed; decoding stops
 * at end.
 */
struct fbk_png_sink {
	struct fbk_surface *dst;
	enum fbk_op op;
	uint32_t row_format;        /* rows blitted: ARGB8888, or XRGB8888 (opaque byte below) */
	struct fbk_rect area;       /* the dst pixels this draw may change */
	int32_t first, end;
	int32_t left;               /* plain: first visible image column */
	bool direct;                /* plain: libpng writes rows straight into dst */
	struct fbk_resampler *resampler;
	int32_t top;                /* scaled: dst row of output row 0 */
};

static inline uint32_t fbk_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- png_input.c: the file's bytes ---- */

/*
 * Get ready for a series of fbk_png_copy_out calls (the SIGBUS guard of a
 * mapped file). Errors as fbk_map_guard_prepare.
 */
int fbk_png_guard(const struct fbk_png *png);

/* Copy n bytes at offset out of the data; -EIO if the mapping faulted. No message. */
int fbk_png_copy_out(const struct fbk_png *png, size_t offset, void *out, size_t n);

/* True when the mapped file is no longer what was opened: truncated or rewritten in place. */
bool fbk_png_file_changed(const struct fbk_png *png);

/* ---- png_decode.c: libpng to rows ---- */

/*
 * Read the header through libpng (no pixel is decoded) into *info, and log
 * its warnings. The caller has called fbk_png_guard. Errors: -EBADMSG,
 * -EFBIG, -ENOMEM, -EIO, with a message naming the file.
 */
int fbk_png_decode_header(const struct fbk_png *png, struct fbk_png_info *info);

/* Decode the image into the sink. Errors as above, and the sink's. */
int fbk_png_decode(const struct fbk_png *png, struct fbk_png_sink *k);

/* ---- png_draw.c: the sinks ---- */

/*
 * The alpha byte of opaque pixels in decoded rows. Rows described as
 * XRGB8888 carry 0 there, so that a straight copy into an XRGB8888 surface
 * leaves 0 in the X byte, as every fbkit packer does; the scaler needs
 * real alpha.
 */
static inline uint8_t fbk_png_sink_opaque_byte(const struct fbk_png_sink *k)
{
	return !k->resampler && k->row_format == FBK_FORMAT_XRGB8888 ? 0 : 0xff;
}

static inline bool fbk_png_sink_wants(const struct fbk_png_sink *k, int32_t y)
{
	if (y < k->first || y >= k->end)
		return false;
	return !k->resampler || fbk_resampler_needs_row(k->resampler, y);
}

static inline bool fbk_png_sink_finished(const struct fbk_png_sink *k)
{
	return k->resampler && fbk_resampler_done(k->resampler);
}

/* Row y of the image, or NULL for a row the sink does not want. */
int fbk_png_sink_put(struct fbk_png_sink *k, int32_t y, const uint32_t *argb);

#endif
