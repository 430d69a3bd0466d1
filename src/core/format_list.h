/*
 * Internal: THE format table, as one X-macro list that every place
 * needing per-format facts expands: format.c builds the public table and
 * the fourcc lookup from it, and each row-kernel level builds its codec
 * array from it (rows_template.c), indexed by the same ids. Adding a format
 * is one line here, its fourcc in include/fbkit/format.h, and its two
 * codec functions in rows_template.c; forgetting the codec fails to compile
 * at every level.
 *
 * Why an X-macro and not a run-time hash: the lookup by fourcc stays a
 * switch the compiler turns into a jump table or a few compares (every
 * primitive looks its formats up, often per row), with nothing to
 * initialise and no hand-written case list to fall out of step; and the
 * codec arrays are designated initializers, so their order follows from
 * the list instead of being kept in step by hand.
 *
 * Columns: X(ID, short name, bytes per pixel, (red), (green), (blue),
 * (alpha), codec, traits). ID is the long name and the suffix of
 * FBK_FORMAT_ID (FBK_FORMAT_<ID> is its fourcc); channels are
 * (offset, length) in the little-endian pixel word, (0, 0) for none;
 * codec names unpack_<codec> and pack_<codec> in rows_template.c. The order
 * is the order of fbk_format_at(): new formats go at the end.
 */
#ifndef FBK_FORMAT_LIST_H
#define FBK_FORMAT_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "fbkit/format.h"

/*
 * Traits: what kernels and fast paths decide on, so no code tests a
 * format's position or its fourcc to learn its shape. Exactly one layout
 * trait per format (which family of kernels can read it); then flags.
 */
enum fbk_format_trait {
	FBK_TRAIT_8888 = 1 << 0, /* 32-bit word, 8-bit channels, alpha or X in the top byte */
	FBK_TRAIT_888 = 1 << 1,  /* 24-bit, 8-bit channels, packed */
	FBK_TRAIT_565 = 1 << 2,  /* 16-bit, 5-6-5 */
	FBK_TRAIT_1555 = 1 << 3, /* 16-bit, 5-5-5 with alpha or X in the top bit */
	FBK_TRAIT_ALPHA = 1 << 4,   /* stores alpha (alpha.length != 0) */
	FBK_TRAIT_SWAPPED = 1 << 5, /* red in the low bits, blue in the high ones: "BGR" */
	/*
	 * fbdev drivers in 15-bit modes report bits_per_pixel 15 or 16 for
	 * the same 16-bit pixels; fbk_format_by_bitfields accepts the depth
	 * too for formats with this trait.
	 */
	FBK_TRAIT_DEPTH_BPP = 1 << 6,
};

#define FBK_TRAIT_LAYOUTS (FBK_TRAIT_8888 | FBK_TRAIT_888 | FBK_TRAIT_565 | FBK_TRAIT_1555)

/* clang-format off */
#define FBK_FORMAT_LIST(X)                                                                       \
	X(XRGB8888, "XR24", 4, (16, 8), (8, 8), (0, 8), (0, 0), xrgb8888, FBK_TRAIT_8888)        \
	X(ARGB8888, "AR24", 4, (16, 8), (8, 8), (0, 8), (24, 8), argb8888,                        \
	  FBK_TRAIT_8888 | FBK_TRAIT_ALPHA)                                                       \
	X(XBGR8888, "XB24", 4, (0, 8), (8, 8), (16, 8), (0, 0), xbgr8888,                         \
	  FBK_TRAIT_8888 | FBK_TRAIT_SWAPPED)                                                     \
	X(ABGR8888, "AB24", 4, (0, 8), (8, 8), (16, 8), (24, 8), abgr8888,                        \
	  FBK_TRAIT_8888 | FBK_TRAIT_ALPHA | FBK_TRAIT_SWAPPED)                                   \
	X(RGB565, "RG16", 2, (11, 5), (5, 6), (0, 5), (0, 0), rgb565, FBK_TRAIT_565)              \
	X(BGR565, "BG16", 2, (0, 5), (5, 6), (11, 5), (0, 0), bgr565,                             \
	  FBK_TRAIT_565 | FBK_TRAIT_SWAPPED)                                                      \
	X(RGB888, "RG24", 3, (16, 8), (8, 8), (0, 8), (0, 0), rgb888, FBK_TRAIT_888)              \
	X(BGR888, "BG24", 3, (0, 8), (8, 8), (16, 8), (0, 0), bgr888,                             \
	  FBK_TRAIT_888 | FBK_TRAIT_SWAPPED)                                                      \
	X(XRGB1555, "XR15", 2, (10, 5), (5, 5), (0, 5), (0, 0), xrgb1555,                         \
	  FBK_TRAIT_1555 | FBK_TRAIT_DEPTH_BPP)                                                   \
	X(ARGB1555, "AR15", 2, (10, 5), (5, 5), (0, 5), (15, 1), argb1555,                        \
	  FBK_TRAIT_1555 | FBK_TRAIT_ALPHA)
/* clang-format on */

/* Each format's position in the list: its index in every table built from it. */
#define FBK_FORMAT_ID_ENUM(id, ...) FBK_FORMAT_ID_##id,
enum fbk_format_id { FBK_FORMAT_LIST(FBK_FORMAT_ID_ENUM) FBK_FORMAT_COUNT };
#undef FBK_FORMAT_ID_ENUM

/* One entry of the table: the public part first, so it is what fbk_format_info() returns. */
struct fbk_format {
	struct fbk_format_info info;
	uint8_t id;      /* enum fbk_format_id: the index of its codec in every level */
	uint16_t traits; /* enum fbk_format_trait */
};

/* The entry for a fourcc, or NULL when fbkit does not support it. */
const struct fbk_format *fbk_format_entry(uint32_t fourcc);

/*
 * Every format's short name, "XR24, AR24, ...", for the messages that say
 * what is known; cut (always terminated) where `out` is full. size >= 1.
 */
void fbk_format_names(char *out, size_t size);

#endif
