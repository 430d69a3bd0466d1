/* fbkit: image files of either kind (PNG, JPEG) behind one handle. */
#ifndef FBKIT_IMAGE_H
#define FBKIT_IMAGE_H

#include "fbkit/draw.h"
#include "fbkit/fit.h"
#include "fbkit/surface.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Reading images whatever their format: fbk_image_open looks at the
 * file's first bytes (never its name) and opens a PNG (as fbk_png_open
 * does) or a JPEG; drawing works the same for both. A JPEG is decoded as
 * a PNG is: from a read-only mapping of the file, scanline by scanline,
 * straight into the destination's format (libjpeg-turbo writes 32-bit and
 * 24-bit RGB surfaces itself), with no full-size copy of the image. Scaled
 * down (fbk_image_draw_fit), a JPEG is first decoded smaller in the DCT
 * domain, at 1/2, 1/4 or 1/8 of its size (the largest reduction still at
 * or above the drawn size), then finished by the streaming scaler. Its EXIF orientation is
 * applied. Colour: values as stored, no ICC profile applied; CMYK and
 * YCCK (Adobe, inverted or not) are shown as R = (255 - C)(255 - K)/255.
 */

/** An opened image (PNG or JPEG). Opaque. */
struct fbk_image;

enum fbk_image_type {
	FBK_IMAGE_PNG = 1,
	FBK_IMAGE_JPEG = 2,
};

/**
 * Limits checked before anything is allocated. 0 in a field means the
 * default. Fill it in with FBK_IMAGE_LIMITS_INIT, which sets `size`. It
 * may grow, by the rules of struct fbk_png_limits (png.h).
 */
struct fbk_image_limits {
	uint32_t size;            /* sizeof(struct fbk_image_limits) the caller was built with */
	uint32_t max_width;       /* default FBK_MAX_DIMENSION */
	uint32_t max_height;      /* default FBK_MAX_DIMENSION */
	uint32_t max_png_chunk_bytes; /* PNG: as max_chunk_bytes in struct fbk_png_limits */
	uint64_t max_pixels;      /* width * height; default 128 Mi */
	/*
	 * JPEG: the most memory one decode may hold for the whole picture. A
	 * progressive (or other multi-scan) JPEG keeps all its DCT
	 * coefficients, 2 bytes a sample: a 4000x3000 4:2:0 photo needs
	 * 36 MB. The same bound holds the buffer of a scaled draw of a photo
	 * turned by 90 or 270 degrees (EXIF orientations 5 to 8). Over it,
	 * open or draw fails with -EFBIG and says how much was needed.
	 * Buffers of a few rows (libjpeg-turbo's and fbkit's, growing with
	 * the width, held by max_width) are not counted. Default 256 MiB.
	 */
	uint64_t max_jpeg_memory;
	/*
	 * JPEG: the most scans (SOS segments) a file may have. Each scan of
	 * a progressive file is a pass over every block of the components it
	 * codes, however few bytes it takes, so a crafted file of thousands
	 * of tiny scans costs seconds of CPU. Encoders write 6 to 10 scans
	 * (libjpeg's progressive script), a few dozen at most when they
	 * optimise the script. Over it, the draw fails with -EFBIG and says
	 * so. Default 256.
	 */
	uint32_t max_jpeg_scans;
	uint32_t reserved; /* 0 */
};

/** An initializer for struct fbk_image_limits: sets `size`, then the fields given (or none). */
#define FBK_IMAGE_LIMITS_INIT(...) { .size = sizeof(struct fbk_image_limits), __VA_ARGS__ }

/** What the file's headers say; reading them decodes no pixels. */
struct fbk_image_info {
	enum fbk_image_type type;
	int32_t width, height;  /* as shown: after the EXIF orientation */
	bool has_alpha;
	/* JPEG: */
	uint8_t orientation;    /* EXIF orientation 1-8 (1 when there is none, and for PNG) */
	uint8_t components;     /* 1 grey, 3 YCbCr or RGB, 4 CMYK or YCCK */
	bool progressive;       /* also set for a sequential file of several scans */
	/* memory libjpeg-turbo needs for the DCT coefficients of a multi-scan
	 * file, 0 for single-scan files; held to max_jpeg_memory */
	uint64_t coefficient_bytes;
};

/**
 * Open an image file: read its first bytes, then open it as a PNG (as
 * fbk_png_open) or a JPEG (mapped whole, read-only, and its headers read
 * up to the first scan; the EXIF orientation is read from APP1). limits
 * may be NULL for the defaults. Close with fbk_image_close(). Errors as
 * fbk_png_open; -EBADMSG "not an image fbkit reads (GIF)" for other files;
 * -ENOTSUP for a format fbkit was built without ("built without
 * libjpeg-turbo: -Djpeg=enabled"), and for a JPEG this libjpeg-turbo cannot
 * decode (12-bit samples; arithmetic coding in builds without it).
 */
FBK_API int fbk_image_open(struct fbk_image **out, const char *path,
			   const struct fbk_image_limits *limits);

/**
 * As fbk_image_open, from a caller's buffer, which must stay valid and
 * unchanged until fbk_image_close(). `name` (may be NULL) is used in messages.
 */
FBK_API int fbk_image_open_memory(struct fbk_image **out, const void *data, size_t size,
				  const char *name, const struct fbk_image_limits *limits);

/** Unmap and free. Accepts NULL. */
FBK_API void fbk_image_close(struct fbk_image *image);

/** The header of an opened image. */
FBK_API const struct fbk_image_info *fbk_image_get_info(const struct fbk_image *image);

/**
 * Decode the image into dst with its top-left corner at (x, y), as
 * fbk_png_draw does (clipped, converted, SRC or OVER; rows are drawn as
 * they are decoded, so a draw that fails part way leaves what it drew).
 * A JPEG is opaque. Its damage fails with -EBADMSG: a file that ends
 * early, and entropy-coded data that libjpeg-turbo finds corrupt and
 * would patch over ("premature end of data segment", a bad Huffman code,
 * a lost restart marker). What it only warns about around intact image
 * data (stray bytes between segments, an unknown JFIF version, a bad ICC
 * or Adobe segment) is drawn, with one FBK_LOG_WARNING line. Decoding stops
 * after the last visible row. Several threads may draw at once.
 * Errors: -EBADMSG, -EIO (the file shrank while mapped), -EFBIG (a
 * memory limit), -EINVAL, -ENOMEM.
 */
FBK_API int fbk_image_draw(struct fbk_surface *dst, const struct fbk_image *image, int32_t x,
			   int32_t y, enum fbk_op op);

/**
 * Decode the image scaled into fbk_fit_rect()'s rectangle, cut to box and
 * to dst's clip, as fbk_png_draw_fit does. A JPEG drawn smaller is decoded
 * at the smallest of 1/8, 1/4, 1/2 and 1/1 of its size that is still at
 * least the drawn size in both directions, then scaled with `filter` (not
 * at all when that is exactly the drawn size).
 * Errors as fbk_image_draw and fbk_fit_rect.
 */
FBK_API int fbk_image_draw_fit(struct fbk_surface *dst, const struct fbk_image *image,
			       const struct fbk_rect *box, enum fbk_fit fit, unsigned align,
			       enum fbk_filter filter, enum fbk_op op);

#ifdef __cplusplus
}
#endif

#endif
