/* fbkit: pixel formats, named by DRM fourcc codes. */
#ifndef FBKIT_FORMAT_H
#define FBKIT_FORMAT_H

#include <stdbool.h>

#include "fbkit/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FBK_FOURCC(a, b, c, d) \
	((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | ((uint32_t)(d) << 24))

/* Same values as DRM_FORMAT_* in drm_fourcc.h; names list components from
 * the most significant bit of a little-endian pixel word. */
#define FBK_FORMAT_XRGB8888 FBK_FOURCC('X', 'R', '2', '4')
#define FBK_FORMAT_ARGB8888 FBK_FOURCC('A', 'R', '2', '4')
#define FBK_FORMAT_XBGR8888 FBK_FOURCC('X', 'B', '2', '4')
#define FBK_FORMAT_ABGR8888 FBK_FOURCC('A', 'B', '2', '4')
#define FBK_FORMAT_RGB565 FBK_FOURCC('R', 'G', '1', '6')
#define FBK_FORMAT_BGR565 FBK_FOURCC('B', 'G', '1', '6')
#define FBK_FORMAT_RGB888 FBK_FOURCC('R', 'G', '2', '4')
#define FBK_FORMAT_BGR888 FBK_FOURCC('B', 'G', '2', '4')
/*
 * 15-bit colour: 5 bits per channel, the top bit unused (XRGB1555) or a
 * 1-bit alpha (ARGB1555), as vesafb in 15-bit modes and some older
 * drivers' "16 bpp" report. Alpha packs to 1 from 128 up and unpacks to
 * 0 or 255.
 */
#define FBK_FORMAT_XRGB1555 FBK_FOURCC('X', 'R', '1', '5')
#define FBK_FORMAT_ARGB1555 FBK_FOURCC('A', 'R', '1', '5')

/** Position and width in bits of one channel inside a little-endian pixel word. */
struct fbk_channel {
	uint8_t offset, length;
};

/** What fbkit knows about one pixel format. */
struct fbk_format_info {
	uint32_t fourcc;
	const char *name;      /* short name as drm_fourcc.h prints it: "XR24" */
	const char *long_name; /* "XRGB8888" */
	uint8_t bytes_per_pixel;
	struct fbk_channel red, green, blue, alpha; /* alpha.length == 0: no alpha */
};

/** Info for a fourcc, or NULL when fbkit does not support it. */
FBK_API const struct fbk_format_info *fbk_format_info(uint32_t fourcc);

/**
 * Look a format up by its short name ("XR24", "RG16") or long name
 * ("XRGB8888", "RGB565"), case-insensitively. Returns NULL when unknown.
 */
FBK_API const struct fbk_format_info *fbk_format_by_name(const char *name);

/**
 * Look a format up the way fbdev describes it: bits per pixel and the
 * offset/length of each channel (alpha->length 0 for none). Returns NULL
 * when no supported format matches all of them exactly. bits_per_pixel is
 * the pixel's size in bits, except that XRGB1555 is also found with 15
 * (its depth), which some drivers report for it.
 */
FBK_API const struct fbk_format_info *fbk_format_by_bitfields(unsigned bits_per_pixel,
							      struct fbk_channel red,
							      struct fbk_channel green,
							      struct fbk_channel blue,
							      struct fbk_channel alpha);

/** The i-th supported format (0-based), NULL past the end: for listing. */
FBK_API const struct fbk_format_info *fbk_format_at(size_t i);

/** True when the format stores alpha. Unknown formats: false. */
FBK_API bool fbk_format_has_alpha(uint32_t fourcc);

/**
 * Pack a colour into a pixel value of the format (low bytes_per_pixel bytes,
 * little-endian order as stored in memory). Channels narrower than 8 bits
 * are rounded to nearest; formats without alpha drop it. 0 for unknown formats.
 */
FBK_API uint32_t fbk_color_pack(uint32_t fourcc, struct fbk_color color);

/**
 * Unpack a pixel value of the format into a colour. Narrow channels are
 * widened by bit replication (31 -> 255); alpha is 255 without an alpha
 * channel.
 */
FBK_API struct fbk_color fbk_color_unpack(uint32_t fourcc, uint32_t pixel);

#ifdef __cplusplus
}
#endif

#endif
