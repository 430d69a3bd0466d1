/*
 * Internal: what the parts of JPEG reading share. jpeg_input.c owns the
 * handle (the mapping, the limits, the header read at open, the EXIF
 * orientation) and every read of the file's bytes; jpeg_decode.c runs
 * libjpeg-turbo over them (its source and error managers, the warning
 * policy); jpeg_draw.c says where the scanlines go. Only built with
 * libjpeg-turbo.
 */
#ifndef FBK_JPEG_INTERNAL_H
#define FBK_JPEG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "fbkit/image.h"
#include "platform/mapped_file.h"

struct fbk_jpeg {
	const uint8_t *data; /* the whole file */
	size_t size;
	struct fbk_mapped_file file; /* file.map is NULL for a caller's buffer */
	char *name;
	struct fbk_image_limits limits; /* defaults filled in */
	int32_t width, height;          /* as stored, before the orientation */
	struct fbk_image_info info;     /* as shown */
};

/* ---- jpeg_input.c ---- */

/*
 * Open over a file image.c mapped (file, taken over: unmapped with the
 * handle, or at once when this fails; name is its path) or, when file is
 * NULL, over data. limits resolved.
 */
int fbk_jpeg_open(struct fbk_jpeg **out, const char *name, struct fbk_mapped_file *file,
		  const void *data, size_t size, const struct fbk_image_limits *limits);
void fbk_jpeg_close(struct fbk_jpeg *jpeg);

/* Copy n bytes at offset out of the data; -EIO if the mapping faulted. No message. */
int fbk_jpeg_copy_out(const struct fbk_jpeg *jpeg, size_t offset, void *out, size_t n);

/* True when the mapped file is no longer what was opened. */
bool fbk_jpeg_file_changed(const struct fbk_jpeg *jpeg);

/* The EXIF orientation (1-8) in an APP1 segment's data, or 0 if it holds none. */
int fbk_exif_orientation(const uint8_t *data, size_t size);

/* ---- jpeg_decode.c ---- */

/* What a decode produces: the scanlines' format, and the size they come at. */
enum fbk_jpeg_rows {
	FBK_JPEG_ROWS_ARGB,   /* 32-bit 0xffRRGGBB words */
	FBK_JPEG_ROWS_DIRECT, /* the surface's own format (see fbk_jpeg_direct_format) */
};

struct fbk_jpeg_session;

/*
 * Read the header (at open: into jpeg->info and the stored size, with the
 * limits checked and the orientation read). Errors: -EBADMSG, -EFBIG,
 * -ENOTSUP, -ENOMEM, -EIO, with a message naming the file.
 */
int fbk_jpeg_read_header(struct fbk_jpeg *jpeg);

/*
 * Begin a decode at eighths/8 of the size (1 to 8: libjpeg-turbo's DCT
 * scaling) producing rows of `format`
 * (0 for ARGB words, else a surface format fbk_jpeg_direct_ok accepts).
 * *w, *h: the size scanlines come at. extra_bytes: memory the caller
 * will allocate besides, held to max_jpeg_memory with libjpeg's.
 */
int fbk_jpeg_begin(struct fbk_jpeg_session **out, const struct fbk_jpeg *jpeg, int eighths,
		   uint32_t format, uint64_t extra_bytes, int32_t *w, int32_t *h);

/* Whether libjpeg-turbo writes this surface format itself. */
bool fbk_jpeg_direct_ok(const struct fbk_jpeg *jpeg, uint32_t format);

/*
 * A row buffer of `bytes` for scanlines that fbkit reads back (the scaler,
 * fbk_blit, the turned buffer, CMYK conversion), starting 8 bytes past a
 * 16-byte boundary; *block is what to free. Why: libjpeg-turbo's x86 colour
 * converters write a row that starts on a 16-byte (SSE2) or 32-byte (AVX2)
 * boundary with non-temporal stores, which send it to memory past the
 * cache, and reading it back then costs several times the decode of the
 * row itself. malloc's 16-byte alignment made that depend on where the heap
 * happened to put the row. Rows into a surface stay as they are: nothing
 * reads them soon. NULL when out of memory.
 */
uint8_t *fbk_jpeg_row_alloc(size_t bytes, void **block);

/*
 * The next up to n scanlines into rows[] (NULL entries: decoded and
 * dropped); *got says how many came. Errors as fbk_jpeg_read_header.
 */
int fbk_jpeg_read_rows(struct fbk_jpeg_session *s, uint8_t *const *rows, int n, int *got);

/*
 * Pass over the next n scanlines without producing them (libjpeg-turbo's
 * jpeg_skip_scanlines: entropy-decoded, not transformed). Errors as
 * fbk_jpeg_read_rows.
 */
int fbk_jpeg_skip_rows(struct fbk_jpeg_session *s, int n);

/*
 * Decode only scanline columns *x .. *x + *w - 1 (of the width
 * fbk_jpeg_begin gave) from now on: libjpeg-turbo's jpeg_crop_scanline,
 * before the first read or skip. The crop is widened by a margin (its
 * edge pixels may differ from a full decode's) and then to libjpeg-turbo's
 * iMCU boundaries; *x and *w then say which columns every scanline holds,
 * each pixel as a full decode has it. Without a saving (the margin reaches
 * both edges) nothing is cropped: 0 and the full width. Errors as
 * fbk_jpeg_read_rows.
 */
int fbk_jpeg_crop_columns(struct fbk_jpeg_session *s, int32_t *x, int32_t *w);

/*
 * End the decode: when every row was read, let libjpeg-turbo read to EOI;
 * otherwise abort. Then one log line for the warnings held. Returns err
 * (the run's result so far) or the finish's error.
 */
int fbk_jpeg_end(struct fbk_jpeg_session *s, int err);

/* ---- jpeg_draw.c ---- */

/* fbk_image_draw and fbk_image_draw_fit for a JPEG; arguments checked. A JPEG is opaque. */
int fbk_jpeg_draw(struct fbk_surface *dst, const struct fbk_jpeg *jpeg, int32_t x, int32_t y);
int fbk_jpeg_draw_fit(struct fbk_surface *dst, const struct fbk_jpeg *jpeg,
		      const struct fbk_rect *box, enum fbk_fit fit, unsigned align,
		      enum fbk_filter filter);

#endif
