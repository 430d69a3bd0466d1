/* fbkit: PNG files. */
#ifndef FBKIT_PNG_H
#define FBKIT_PNG_H

#include "fbkit/draw.h"
#include "fbkit/fit.h"
#include "fbkit/surface.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Write a surface (the whole surface, ignoring its clip) to a PNG file:
 * 8-bit RGBA when its format has alpha, else 8-bit RGB. Narrow channels
 * are widened by bit replication. The file is written to a temporary name
 * beside `path`, flushed to the disk (fsync), renamed, and the folder
 * flushed: a reader never sees half a file, and a crash leaves the old
 * file or the new one under `path`, never an empty one. Blocks until the
 * disk has the data.
 * Errors: -EINVAL (bad surface or path), -ENOTSUP (unknown format, or
 * fbkit built without libpng), and negative errno values from the file
 * system (-ENOENT, -EACCES, -ENOSPC, ...), with a message naming the path.
 */
FBK_API int fbk_png_save(const struct fbk_surface *surface, const char *path);

/*
 * Reading PNG files. A file is mapped read-only and decoded straight from
 * the mapping into the destination surface, one row at a time, converted
 * to the surface's format (and blended, and scaled) on the way: no
 * full-size RGBA copy of the image is ever made, except one bounded buffer
 * for Adam7-interlaced files.
 *
 * Colour: pixel values are shown as stored. gAMA, cHRM, sRGB and iCCP are
 * ignored (never applied, never decompressed), as framebuffers have no
 * colour management; 16-bit samples round to the nearest 8-bit value.
 */

/** An opened PNG: the mapped file (or caller's buffer) and its header. Opaque. */
struct fbk_png;

/**
 * Limits checked before anything is allocated. 0 in a field means the
 * default. Fill it in with FBK_PNG_LIMITS_INIT, which sets `size`:
 *
 *     struct fbk_png_limits limits = FBK_PNG_LIMITS_INIT(.max_pixels = 1 << 24);
 *
 * The structure may grow: later versions add fields at the end only (in
 * 8-byte groups, so it never has padding), and the library reads only
 * the fields `size` covers, taking the default for the others. A program
 * built against a smaller (older) structure keeps working; one built
 * against a larger structure, run with an older library that does not know
 * its extra fields, gets -ENOTSUP if any of them is non-zero, rather than
 * a limit silently ignored. `size` 0 (a structure zeroed by hand) is -EINVAL.
 */
struct fbk_png_limits {
	uint32_t size;            /* sizeof(struct fbk_png_limits) the caller was built with */
	uint32_t max_width;       /* default FBK_MAX_DIMENSION */
	uint32_t max_height;      /* default FBK_MAX_DIMENSION */
	/* largest chunk other than IDAT; libpng refuses a larger one even when it
	 * would only skip it, so such a file fails with -EFBIG; default 8 MiB */
	uint32_t max_chunk_bytes;
	uint64_t max_pixels;      /* width * height; default 128 Mi (e.g. 16384 x 8192) */
};

/** An initializer for struct fbk_png_limits: sets `size`, then the fields given (or none). */
#define FBK_PNG_LIMITS_INIT(...) { .size = sizeof(struct fbk_png_limits), __VA_ARGS__ }

enum fbk_png_color_type {
	FBK_PNG_GRAY = 0,
	FBK_PNG_RGB = 2,
	FBK_PNG_PALETTE = 3,
	FBK_PNG_GRAY_ALPHA = 4,
	FBK_PNG_RGBA = 6,
};

/** What the header says; reading it decodes no pixels. */
struct fbk_png_info {
	int32_t width, height;
	uint8_t bit_depth;                  /* 1, 2, 4, 8 or 16 */
	enum fbk_png_color_type color_type;
	bool interlaced;                    /* Adam7 */
	bool has_alpha;                     /* an alpha channel or tRNS */
};

/**
 * Open a PNG file: map it whole (read-only, private, sequential hint) and
 * read its header. limits may be NULL for the defaults. Close with
 * fbk_png_close(). Errors: -ENOENT/-EACCES/... (opening), -EBADMSG (a
 * corrupt header, or not a PNG file: "not a PNG file (JPEG)" names the
 * format when it is a common one), -EFBIG (over a limit), -EINVAL (limits without
 * their size), -ENOTSUP (fbkit built without libpng, or limits this version
 * does not know), -ENOMEM. The message names the file and the reason.
 */
FBK_API int fbk_png_open(struct fbk_png **out, const char *path,
			 const struct fbk_png_limits *limits);

/**
 * As fbk_png_open, reading from a caller's buffer, which must stay valid
 * and unchanged until fbk_png_close(). `name` (may be NULL) is used in
 * messages.
 */
FBK_API int fbk_png_open_memory(struct fbk_png **out, const void *data, size_t size,
				const char *name, const struct fbk_png_limits *limits);

/** Unmap and free. Accepts NULL. */
FBK_API void fbk_png_close(struct fbk_png *png);

/** The header of an opened PNG. */
FBK_API const struct fbk_png_info *fbk_png_get_info(const struct fbk_png *png);

/**
 * Decode the image into dst with its top-left corner at (x, y), clipped to
 * dst's clip: FBK_OP_SRC replaces pixels (alpha kept where dst has alpha),
 * FBK_OP_OVER blends by the image's alpha. Rows above the clip are
 * decoded but not converted; decoding stops after the last visible row, so
 * nothing below it is verified: not the rest of the image data, not the
 * zlib stream's Adler-32 at its end, not the chunks after it (only a draw
 * that needs the last row reports damage there). Several threads may draw
 * the same or different PNGs at once. If the image turns out corrupt part
 * way, the rows already drawn stay and nothing outside the image's
 * rectangle is touched.
 * Damage fails: a CRC error in any chunk, a bad Adler-32 or deflate data,
 * truncation, anything libpng calls an error. What libpng's defaults treat
 * as benign (bytes after the zlib stream, a tRNS longer than the palette,
 * a palette index past it, drawn opaque black) is drawn and logged as one
 * FBK_LOG_WARNING line.
 * Errors: -EBADMSG (corrupt data, with libpng's reason), -EIO (the file
 * shrank while mapped: "file changed while reading"), -EINVAL, -ENOMEM.
 */
FBK_API int fbk_png_draw(struct fbk_surface *dst, const struct fbk_png *png, int32_t x,
			 int32_t y, enum fbk_op op);

/**
 * Decode the image scaled into fbk_fit_rect()'s rectangle, cut to box and
 * to dst's clip, streaming as fbk_png_draw does (a few rows of state, not
 * a scaled copy). Errors as fbk_png_draw and fbk_fit_rect.
 */
FBK_API int fbk_png_draw_fit(struct fbk_surface *dst, const struct fbk_png *png,
			     const struct fbk_rect *box, enum fbk_fit fit, unsigned align,
			     enum fbk_filter filter, enum fbk_op op);

#ifdef __cplusplus
}
#endif

#endif
