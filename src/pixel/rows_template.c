/*
 * Internal: the row kernels, written once in plain C and compiled once per
 * implementation level. Not a header and never built on its own: pixel.c
 * includes this file for the portable table, and rows_vector.c and
 * rows_avx2.c include it again under other compiler flags (-O3, and
 * -mavx2), where the same loops come out vectorized. So every level runs
 * the same source and the results are identical by construction; the
 * tests still compare each level against the portable one (see README.md
 * in this folder).
 *
 * Every loop is branch-free over its pixels and uses `restrict` row
 * pointers (codec input and output are never the same memory), which is
 * what lets compilers vectorize loops whose trip count is known only at
 * run time. Each includer gets static functions and ROW_OPS_TABLE(name).
 */
#ifndef FBK_PIXEL_ROWS_TEMPLATE_C
#define FBK_PIXEL_ROWS_TEMPLATE_C

#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "pixel/pixel.h"
#include "pixel/pixel_ops.h"

static inline uint32_t load32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline void store32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static inline uint32_t load16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static inline void store16(uint8_t *p, uint32_t v)
{
	uint16_t w = (uint16_t)v;
	memcpy(p, &w, 2);
}

static inline uint32_t swap_red_blue(uint32_t p)
{
	return (p & 0xff00ff00u) | (p >> 16 & 0xffu) | (p & 0xffu) << 16;
}

static inline uint32_t widen5(uint32_t v)
{
	return v << 3 | v >> 2;
}

static inline uint32_t widen6(uint32_t v)
{
	return v << 2 | v >> 4;
}

/*
 * Nearest 5- and 6-bit values, (v * max + 127) / 255, as one multiply, add
 * and shift: (v * 249 + 1014) >> 11 and (v * 253 + 505) >> 10 are equal
 * to it for every v in 0..255 (checked exhaustively), and stay below 2^16
 * so vector code can use 16-bit lanes.
 */
static inline uint32_t narrow5(uint32_t v)
{
	return (v * 249 + 1014) >> 11;
}

static inline uint32_t narrow6(uint32_t v)
{
	return (v * 253 + 505) >> 10;
}

static inline uint32_t to_rgb565(uint32_t p)
{
	return narrow5(p >> 16 & 0xff) << 11 | narrow6(p >> 8 & 0xff) << 5 | narrow5(p & 0xff);
}

static void unpack_xrgb8888(uint32_t *restrict argb, const uint8_t *restrict src, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		argb[i] = load32(src + 4 * i) | 0xff000000u;
}

static void pack_xrgb8888(uint8_t *restrict dst, const uint32_t *restrict argb, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		store32(dst + 4 * i, argb[i] & 0x00ffffffu);
}

static void unpack_argb8888(uint32_t *restrict argb, const uint8_t *restrict src, int32_t n)
{
	memcpy(argb, src, (size_t)n * 4);
}

static void pack_argb8888(uint8_t *restrict dst, const uint32_t *restrict argb, int32_t n)
{
	memcpy(dst, argb, (size_t)n * 4);
}

static void unpack_xbgr8888(uint32_t *restrict argb, const uint8_t *restrict src, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		argb[i] = swap_red_blue(load32(src + 4 * i)) | 0xff000000u;
}

static void pack_xbgr8888(uint8_t *restrict dst, const uint32_t *restrict argb, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		store32(dst + 4 * i, swap_red_blue(argb[i]) & 0x00ffffffu);
}

static void unpack_abgr8888(uint32_t *restrict argb, const uint8_t *restrict src, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		argb[i] = swap_red_blue(load32(src + 4 * i));
}

static void pack_abgr8888(uint8_t *restrict dst, const uint32_t *restrict argb, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		store32(dst + 4 * i, swap_red_blue(argb[i]));
}

static void unpack_rgb565(uint32_t *restrict argb, const uint8_t *restrict src, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		uint32_t p = load16(src + 2 * i);
		argb[i] = 0xff000000u | widen5(p >> 11) << 16 | widen6(p >> 5 & 63) << 8 |
			  widen5(p & 31);
	}
}

static void pack_rgb565(uint8_t *restrict dst, const uint32_t *restrict argb, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		store16(dst + 2 * i, to_rgb565(argb[i]));
	}
}

static void unpack_bgr565(uint32_t *restrict argb, const uint8_t *restrict src, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		uint32_t p = load16(src + 2 * i);
		argb[i] = 0xff000000u | widen5(p & 31) << 16 | widen6(p >> 5 & 63) << 8 |
			  widen5(p >> 11);
	}
}

static void pack_bgr565(uint8_t *restrict dst, const uint32_t *restrict argb, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		store16(dst + 2 * i, to_rgb565(swap_red_blue(argb[i])));
	}
}

/*
 * 15-bit colour, 5 bits a channel: packed to nearest as RGB565 is, widened
 * by bit replication. ARGB1555's one alpha bit is set from 128 up, which
 * is the alpha byte's top bit and also the nearest of 0 and 255 (what
 * fbk_color_pack rounds to); it unpacks to 0 or 255. XRGB1555's top bit
 * is written 0 and ignored on reading, as XRGB8888's X byte is.
 */
static inline uint32_t to_rgb555(uint32_t p)
{
	return narrow5(p >> 16 & 0xff) << 10 | narrow5(p >> 8 & 0xff) << 5 | narrow5(p & 0xff);
}

static inline uint32_t from_rgb555(uint32_t p)
{
	return widen5(p >> 10 & 31) << 16 | widen5(p >> 5 & 31) << 8 | widen5(p & 31);
}

static void unpack_xrgb1555(uint32_t *restrict argb, const uint8_t *restrict src, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		argb[i] = 0xff000000u | from_rgb555(load16(src + 2 * i));
}

static void pack_xrgb1555(uint8_t *restrict dst, const uint32_t *restrict argb, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		store16(dst + 2 * i, to_rgb555(argb[i]));
}

static void unpack_argb1555(uint32_t *restrict argb, const uint8_t *restrict src, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		uint32_t p = load16(src + 2 * i);
		argb[i] = (p >> 15) * 0xff000000u | from_rgb555(p);
	}
}

static void pack_argb1555(uint8_t *restrict dst, const uint32_t *restrict argb, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		store16(dst + 2 * i, argb[i] >> 31 << 15 | to_rgb555(argb[i]));
}

/*
 * 24-bit pixels four at a time: three 32-bit loads hold four pixels, so
 * shifts pick them out without a load per byte. The tail goes bytewise.
 * `swap` turns RGB888's byte order into BGR888's.
 */
static inline uint32_t from_rgb565(uint32_t p)
{
	return 0xff000000u | widen5(p >> 11) << 16 | widen6(p >> 5 & 63) << 8 | widen5(p & 31);
}

static inline void unpack_24(uint32_t *restrict argb, const uint8_t *restrict src, int32_t n,
			     bool swap)
{
	int32_t i = 0;
	for (; i + 4 <= n; i += 4) {
		const uint8_t *p = src + 3 * i;
		uint32_t w0 = load32(p), w1 = load32(p + 4), w2 = load32(p + 8);
		uint32_t px[4] = { w0, w0 >> 24 | w1 << 8, w1 >> 16 | w2 << 16, w2 >> 8 };
		for (int k = 0; k < 4; k++) {
			uint32_t v = px[k] | 0xff000000u;
			argb[i + k] = swap ? swap_red_blue(v) : v;
		}
	}
	for (; i < n; i++) {
		const uint8_t *p = src + 3 * i;
		uint32_t v = 0xff000000u | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
		argb[i] = swap ? swap_red_blue(v) : v;
	}
}

/* The inverse: four pixels become three 32-bit stores. */
static inline void pack_24(uint8_t *restrict dst, const uint32_t *restrict argb, int32_t n, bool swap)
{
	int32_t i = 0;
	for (; i + 4 <= n; i += 4) {
		uint32_t px[4];
		for (int k = 0; k < 4; k++)
			px[k] = (swap ? swap_red_blue(argb[i + k]) : argb[i + k]) & 0x00ffffffu;
		uint8_t *p = dst + 3 * i;
		store32(p, px[0] | px[1] << 24);
		store32(p + 4, px[1] >> 8 | px[2] << 16);
		store32(p + 8, px[2] >> 16 | px[3] << 8);
	}
	for (; i < n; i++) {
		uint32_t v = swap ? swap_red_blue(argb[i]) : argb[i];
		uint8_t *p = dst + 3 * i;
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
	}
}

/* RGB888 is stored blue, green, red in memory (a little-endian 24-bit word). */
static void unpack_rgb888(uint32_t *restrict argb, const uint8_t *restrict src, int32_t n)
{
	unpack_24(argb, src, n, false);
}

static void pack_rgb888(uint8_t *restrict dst, const uint32_t *restrict argb, int32_t n)
{
	pack_24(dst, argb, n, false);
}

static void unpack_bgr888(uint32_t *restrict argb, const uint8_t *restrict src, int32_t n)
{
	unpack_24(argb, src, n, true);
}

static void pack_bgr888(uint8_t *restrict dst, const uint32_t *restrict argb, int32_t n)
{
	pack_24(dst, argb, n, true);
}

/*
 * s over d onto an opaque destination with alpha a: each channel is
 * div255(s * a + d * (255 - a)), exactly as fbk_over_pixel computes it
 * (a = 255 and a = 0 give s and d by the same formula, so no branch is
 * needed). Red and blue share one 32-bit multiply, green and alpha the
 * other: every product and sum stays below 2^16 within its half.
 */
static inline uint32_t lerp_opaque(uint32_t d, uint32_t s, uint32_t a)
{
	uint32_t keep = 255 - a;
	uint32_t rb = (s & 0x00ff00ffu) * a + (d & 0x00ff00ffu) * keep + 0x00800080u;
	uint32_t ag = (s >> 8 & 0x00ff00ffu) * a + (d >> 8 & 0x00ff00ffu) * keep + 0x00800080u;
	rb = (rb + (rb >> 8 & 0x00ff00ffu)) >> 8 & 0x00ff00ffu;
	ag = (ag + (ag >> 8 & 0x00ff00ffu)) & 0x0000ff00u;
	return 0xff000000u | rb | ag;
}

static void over_opaque_dst(uint32_t *restrict dst, const uint32_t *restrict src, int32_t n,
			    uint8_t opacity)
{
	if (opacity == 255) {
		for (int32_t i = 0; i < n; i++)
			dst[i] = lerp_opaque(dst[i], src[i], src[i] >> 24);
		return;
	}
	for (int32_t i = 0; i < n; i++)
		dst[i] = lerp_opaque(dst[i], src[i], fbk_div255((src[i] >> 24) * opacity));
}

static void over_color_opaque_dst(uint32_t *restrict dst, uint32_t argb, int32_t n)
{
	uint32_t a = argb >> 24;
	for (int32_t i = 0; i < n; i++)
		dst[i] = lerp_opaque(dst[i], argb, a);
}

/*
 * A colour through an A8 coverage mask over n opaque-destination pixels:
 * pixel i gets the colour with alpha div255(a * mask[i]), so a mask of 255
 * is fbk_over_color_row and 0 leaves the pixel. Shapes pass their edge
 * coverage here, and glyph masks are the same kind of row.
 */
static void over_color_mask_opaque_dst(uint32_t *restrict dst, uint32_t argb,
				       const uint8_t *restrict mask, int32_t n)
{
	uint32_t a = argb >> 24;
	for (int32_t i = 0; i < n; i++)
		dst[i] = lerp_opaque(dst[i], argb, fbk_div255(a * mask[i]));
}

/* ARGB8888 straight over stored XRGB8888: the UI blit, with no row copies. */
static void over_argb_onto_xrgb(uint8_t *restrict dst, const uint8_t *restrict src, int32_t n,
				uint8_t opacity)
{
	if (opacity == 255) {
		for (int32_t i = 0; i < n; i++) {
			uint32_t s = load32(src + 4 * i);
			store32(dst + 4 * i, lerp_opaque(load32(dst + 4 * i), s, s >> 24) & 0x00ffffffu);
		}
		return;
	}
	for (int32_t i = 0; i < n; i++) {
		uint32_t s = load32(src + 4 * i);
		uint32_t a = fbk_div255((s >> 24) * opacity);
		store32(dst + 4 * i, lerp_opaque(load32(dst + 4 * i), s, a) & 0x00ffffffu);
	}
}

/* ARGB8888 straight over stored RGB565, n pixels, in place. */
static void over_argb_onto_rgb565(uint8_t *restrict dst, const uint8_t *restrict src, int32_t n,
				  uint8_t opacity)
{
	for (int32_t i = 0; i < n; i++) {
		uint32_t s = load32(src + 4 * i);
		uint32_t a = opacity == 255 ? s >> 24 : fbk_div255((s >> 24) * opacity);
		store16(dst + 2 * i, to_rgb565(lerp_opaque(from_rgb565(load16(dst + 2 * i)), s, a)));
	}
}

/*
 * One colour OVER stored XRGB8888 and RGB565 pixels in place, without the
 * trip through a row of 0xAARRGGBB that unpack and pack make: the same
 * integers as unpacking, over_color_opaque_dst (or
 * over_color_mask_opaque_dst, alpha div255(a * mask[i])) and packing.
 * Shapes send their interior runs and edge pixels here; glyph masks can
 * use the mask kernels the same way.
 */
static void over_color_onto_xrgb(uint8_t *restrict dst, uint32_t argb, int32_t n)
{
	uint32_t a = argb >> 24;
	for (int32_t i = 0; i < n; i++)
		store32(dst + 4 * i, lerp_opaque(load32(dst + 4 * i), argb, a) & 0x00ffffffu);
}

static void over_color_mask_onto_xrgb(uint8_t *restrict dst, uint32_t argb,
				      const uint8_t *restrict mask, int32_t n)
{
	uint32_t a = argb >> 24;
	for (int32_t i = 0; i < n; i++)
		store32(dst + 4 * i,
			lerp_opaque(load32(dst + 4 * i), argb, fbk_div255(a * mask[i])) & 0x00ffffffu);
}

static void over_color_onto_rgb565(uint8_t *restrict dst, uint32_t argb, int32_t n)
{
	uint32_t a = argb >> 24;
	for (int32_t i = 0; i < n; i++)
		store16(dst + 2 * i, to_rgb565(lerp_opaque(from_rgb565(load16(dst + 2 * i)), argb, a)));
}

static void over_color_mask_onto_rgb565(uint8_t *restrict dst, uint32_t argb,
					const uint8_t *restrict mask, int32_t n)
{
	uint32_t a = argb >> 24;
	for (int32_t i = 0; i < n; i++)
		store16(dst + 2 * i, to_rgb565(lerp_opaque(from_rgb565(load16(dst + 2 * i)), argb,
							   fbk_div255(a * mask[i]))));
}

/*
 * The mask kernels over a box: `rows` rows of n pixels, stride bytes apart,
 * through a mask of rows * n bytes (row after row, no gaps), each row what
 * the row kernel makes of it. A small glyph's rows are a few pixels wide,
 * and one call a box keeps the set-up and the call out of every row.
 */
static void over_color_mask_box_onto_xrgb(uint8_t *restrict dst, size_t stride, uint32_t argb,
					  const uint8_t *restrict mask, int32_t n, int32_t rows)
{
	for (int32_t r = 0; r < rows; r++)
		over_color_mask_onto_xrgb(dst + (size_t)r * stride, argb, mask + (size_t)r * (size_t)n,
					  n);
}

/*
 * A box of rows that are each an edge pixel, a run and an edge pixel (the
 * rows wholly inside an anti-aliased rectangle): pixel 0 of a row gets
 * the colour at alpha div255(a * cover_left), pixels 1..n at alpha a,
 * pixel n + 1 at div255(a * cover_right), as three calls of the row
 * kernels would; one call for all the rows, where two of the three calls
 * a row were for one pixel each.
 */
static void over_color_edges_box_onto_xrgb(uint8_t *restrict dst, size_t stride, uint32_t argb,
					   uint8_t cover_left, int32_t n, uint8_t cover_right,
					   int32_t rows)
{
	uint32_t a = argb >> 24;
	uint32_t a_left = fbk_div255(a * cover_left), a_right = fbk_div255(a * cover_right);
	for (int32_t r = 0; r < rows; r++) {
		uint8_t *row = dst + (size_t)r * stride, *end = row + 4 * ((size_t)n + 1);
		store32(row, lerp_opaque(load32(row), argb, a_left) & 0x00ffffffu);
		over_color_onto_xrgb(row + 4, argb, n);
		store32(end, lerp_opaque(load32(end), argb, a_right) & 0x00ffffffu);
	}
}

static void over_color_mask_boxes_onto_xrgb(size_t stride, uint32_t argb,
					    const struct fbk_mask_box *boxes, size_t count)
{
	for (size_t i = 0; i < count; i++)
		over_color_mask_box_onto_xrgb(boxes[i].dst, stride, argb, boxes[i].mask, boxes[i].n,
					      boxes[i].rows);
}

static void over_color_mask_box_onto_rgb565(uint8_t *restrict dst, size_t stride, uint32_t argb,
					    const uint8_t *restrict mask, int32_t n, int32_t rows)
{
	for (int32_t r = 0; r < rows; r++)
		over_color_mask_onto_rgb565(dst + (size_t)r * stride, argb,
					    mask + (size_t)r * (size_t)n, n);
}

/*
 * One pass between 32-bit formats: optionally swap red and blue, set the
 * alpha byte when the source has none (as unpack does), and clear it when
 * the destination has none (as pack does).
 */
static void convert_8888(uint8_t *restrict dst, const uint8_t *restrict src, int32_t n, bool swap,
			 uint32_t set, uint32_t keep)
{
	if (swap) {
		for (int32_t i = 0; i < n; i++)
			store32(dst + 4 * i, (swap_red_blue(load32(src + 4 * i)) | set) & keep);
		return;
	}
	for (int32_t i = 0; i < n; i++)
		store32(dst + 4 * i, (load32(src + 4 * i) | set) & keep);
}

/*
 * One pass between two 16-bit formats of one layout that differ only in
 * what their top bit means (XRGB1555 and ARGB1555): the channels are
 * kept, and the top bit is set when the source has no alpha (unpack gives
 * 255) and cleared when the destination has none (pack writes 0).
 */
static void convert_1555(uint8_t *restrict dst, const uint8_t *restrict src, int32_t n,
			 uint32_t set, uint32_t keep)
{
	for (int32_t i = 0; i < n; i++)
		store16(dst + 2 * i, (load16(src + 2 * i) | set) & keep);
}

/* One pass from a 32-bit format to RGB565 (swap: the source's order differs). */
static void convert_8888_to_565(uint8_t *restrict dst, const uint8_t *restrict src, int32_t n,
				bool swap)
{
	if (swap) {
		for (int32_t i = 0; i < n; i++)
			store16(dst + 2 * i, to_rgb565(swap_red_blue(load32(src + 4 * i))));
		return;
	}
	for (int32_t i = 0; i < n; i++)
		store16(dst + 2 * i, to_rgb565(load32(src + 4 * i)));
}

/*
 * Long rows of 32-bit words go to the C library's wmemset where wchar_t is
 * 32 bits (Linux): it is memset's own code with a wider pattern (glibc:
 * the same vector paths, chosen for the CPU), which measured 5-15% faster
 * than this file's loops on a 1080p frame. Short rows stay inline, where a
 * call costs more than it saves.
 */
#define FILL_LIBC_MIN_WORDS 256

static inline bool fill_words_libc(uint8_t *dst, uint32_t word, int32_t words)
{
#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 4
	if (words >= FILL_LIBC_MIN_WORDS && (uintptr_t)dst % _Alignof(wchar_t) == 0) {
		wchar_t w;
		memcpy(&w, &word, sizeof(w));
		wmemset((wchar_t *)(void *)dst, w, (size_t)words);
		return true;
	}
#endif
	(void)dst;
	(void)word;
	(void)words;
	return false;
}

/* The 64-bit word whose bytes repeat the 4-byte pattern from byte `phase` of it. */
static inline uint64_t pattern_at(uint32_t pattern, size_t phase)
{
	uint32_t r = (uint32_t)(phase % 4 * 8);
	uint32_t rotated = r ? pattern >> r | pattern << (32 - r) : pattern;
	return (uint64_t)rotated * 0x100000001u;
}

/*
 * Long rows (see fbk_fill_plan): `bytes` bytes repeating the 4 bytes of
 * `pattern` as memory holds them from dst on; 2-byte pixels repeat twice
 * in it. A pattern of one repeated byte is memset's; otherwise, from the
 * plan's size on, the bytes before the first 8-byte boundary and after
 * the last are copied from the pattern and the whole words between go to
 * the string store. False when neither applies.
 */
static bool fill_long(uint8_t *dst, uint32_t pattern, size_t bytes)
{
	if (bytes < FILL_LIBC_MIN_WORDS * 4)
		return false;
	if (pattern == (pattern & 0xffu) * 0x01010101u) {
		memset(dst, (int)(pattern & 0xffu), bytes);
		return true;
	}
#if defined(__x86_64__) && defined(__GNUC__)
	if (bytes < fbk_fill_plan()->string_min)
		return false;
	uint64_t head_words = pattern_at(pattern, 0);
	size_t head = (8 - (uintptr_t)dst % 8) % 8;
	memcpy(dst, &head_words, head);
	uint64_t words = pattern_at(pattern, head);
	size_t count = (bytes - head) / 8, tail = (bytes - head) % 8;
	uint8_t *at = dst + head;
	__asm__ volatile("rep stosq" : "+D"(at), "+c"(count) : "a"(words) : "memory");
	memcpy(at, &words, tail);
	return true;
#else
	return false;
#endif
}

static void fill_row_any(uint8_t *restrict dst, uint32_t packed, int bytes_per_pixel, int32_t n)
{
	switch (bytes_per_pixel) {
	case 4:
		if (fill_long(dst, packed, 4 * (size_t)n) || fill_words_libc(dst, packed, n))
			break;
		for (int32_t i = 0; i < n; i++)
			store32(dst + 4 * i, packed);
		break;
	case 2:
		/* Pairs of pixels as 32-bit words: half the stores. */
		packed = (packed & 0xffffu) * 0x00010001u;
		if (fill_long(dst, packed, 2 * (size_t)n))
			break;
		if (!fill_words_libc(dst, packed, n / 2))
			for (int32_t i = 0; i + 2 <= n; i += 2)
				store32(dst + 2 * i, packed);
		if (n % 2)
			store16(dst + 2 * (n - 1), packed);
		break;
	case 3: {
		/* Four pixels are three words, as in pack_24. */
		packed &= 0x00ffffffu;
		uint32_t w0 = packed | packed << 24, w1 = packed >> 8 | packed << 16,
			 w2 = packed >> 16 | packed << 8;
		int32_t i = 0;
		for (; i + 4 <= n; i += 4) {
			store32(dst + 3 * i, w0);
			store32(dst + 3 * i + 4, w1);
			store32(dst + 3 * i + 8, w2);
		}
		for (; i < n; i++) {
			dst[3 * i] = (uint8_t)packed;
			dst[3 * i + 1] = (uint8_t)(packed >> 8);
			dst[3 * i + 2] = (uint8_t)(packed >> 16);
		}
		break;
	}
	}
}

/*
 * A rectangle of rows: the pixel size is switched on once, not per row,
 * which is most of the cost for glyph-sized rectangles; rows that touch
 * (stride equal to the row) are one long row.
 */
static void fill_rect_any(uint8_t *restrict row, size_t stride, uint32_t packed,
			  int bytes_per_pixel, int32_t w, int32_t h)
{
	if (stride == (size_t)w * (size_t)bytes_per_pixel && (int64_t)w * h <= FBK_ROW_MAX_PIXELS) {
		fill_row_any(row, packed, bytes_per_pixel, w * h);
		return;
	}
	switch (bytes_per_pixel) {
	case 4:
		for (int32_t y = 0; y < h; y++, row += stride)
			fill_row_any(row, packed, 4, w);
		break;
	case 2:
		for (int32_t y = 0; y < h; y++, row += stride)
			fill_row_any(row, packed, 2, w);
		break;
	default:
		for (int32_t y = 0; y < h; y++, row += stride)
			fill_row_any(row, packed, 3, w);
		break;
	}
}

/*
 * Bilinear growing (image/resample.c keeps the definitions and the exact
 * rounding they promise): the loops over every output pixel, in 32-bit
 * lanes, a plane per channel so each loop is one operation over an array.
 * The horizontal step reads its two source pixels by index, which the
 * vector levels turn into gathers where the unit has them.
 */
static uint32_t bilinear_h(uint32_t *restrict planes, size_t stride, const uint32_t *restrict src,
			   const int32_t *restrict i0, const int32_t *restrict i1,
			   const uint32_t *restrict w0, uint32_t total, int32_t n)
{
	uint32_t *restrict blue = planes, *restrict green = planes + stride,
			   *restrict red = planes + 2 * stride;
	uint32_t all = ~0u;
	for (int32_t j = 0; j < n; j++) {
		uint32_t p = src[i0[j]], q = src[i1[j]];
		all &= p & q;
		/* Clear pixels are 0x00000000 premultiplied, whatever colour they hold. */
		p &= 0u - (p >> 24 != 0);
		q &= 0u - (q >> 24 != 0);
		uint32_t wp = w0[j], wq = total - wp;
		blue[j] = wp * (p & 0xff) + wq * (q & 0xff);
		green[j] = wp * (p >> 8 & 0xff) + wq * (q >> 8 & 0xff);
		red[j] = wp * (p >> 16 & 0xff) + wq * (q >> 16 & 0xff);
	}
	return all;
}

/*
 * round(s / total) = floor(x / d) with x = 2 * s + total and d = 2 * total,
 * both below 2^31. A float quotient is within 1 of the true one (three
 * roundings of relative size 2^-24 on a quotient below 256 move it by
 * less than 2^-14), so one step up or down, decided by the integer
 * remainder, makes it exact at every level whatever the unit rounds.
 */
static inline uint32_t divide_round(uint32_t s, uint32_t total, uint32_t d, float inv)
{
	uint32_t x = 2 * s + total;
	uint32_t q = (uint32_t)(int32_t)((float)(int32_t)x * inv);
	uint32_t rem = x - q * d;
	q += (int32_t)rem >= (int32_t)d;
	q -= (int32_t)rem < 0;
	return q;
}

/*
 * Small totals need no remainder. Up to BILINEAR_FLOAT_MAX_TOTAL every
 * sum wa * a + wb * b is an integer below 2^20, so float computes it
 * exactly (products and sum alike); then y = s * (1 / total) + 1/2 + e,
 * with e = 2^-14, is off from s / total + 1/2 + e by at most
 * 255 * 2^-23 (the reciprocal's and the product's roundings) plus 2^-17
 * (the sum's), under 3.9e-5 < e. The true s / total + 1/2 lies on a
 * multiple of 1 / (2 * total), 1.2e-4 or more apart, so adding e (and
 * the error) never crosses the next multiple: truncating y gives the
 * rounded quotient exactly. A fused multiply-add only removes a rounding.
 */
#define BILINEAR_FLOAT_MAX_TOTAL 4096

static inline uint32_t round_float(float fa, uint32_t a, float fb, uint32_t b, float inv,
				   float half)
{
	float sum = fa * (float)(int32_t)a + fb * (float)(int32_t)b;
	return (uint32_t)(int32_t)(sum * inv + half);
}

static void bilinear_v(uint32_t *restrict out, const uint32_t *restrict a,
		       const uint32_t *restrict b, size_t stride, uint32_t wa, uint32_t wb,
		       uint32_t total, int32_t n)
{
	const uint32_t *restrict a1 = a + stride, *restrict a2 = a + 2 * stride;
	const uint32_t *restrict b1 = b + stride, *restrict b2 = b + 2 * stride;
	if (total <= BILINEAR_FLOAT_MAX_TOTAL) {
		float fa = (float)wa, fb = (float)wb, inv = 1.0f / (float)total;
		float half = 0.5f + 0x1p-14f;
		for (int32_t j = 0; j < n; j++) {
			uint32_t blue = round_float(fa, a[j], fb, b[j], inv, half);
			uint32_t green = round_float(fa, a1[j], fb, b1[j], inv, half);
			uint32_t red = round_float(fa, a2[j], fb, b2[j], inv, half);
			out[j] = 0xff000000u | red << 16 | green << 8 | blue;
		}
		return;
	}
	uint32_t d = 2 * total;
	float inv = 1.0f / (float)d;
	for (int32_t j = 0; j < n; j++) {
		uint32_t blue = divide_round(wa * a[j] + wb * b[j], total, d, inv);
		uint32_t green = divide_round(wa * a1[j] + wb * b1[j], total, d, inv);
		uint32_t red = divide_round(wa * a2[j] + wb * b2[j], total, d, inv);
		out[j] = 0xff000000u | red << 16 | green << 8 | blue;
	}
}

/*
 * Box shrinking (image/resample.c's rows-first path, two-axis total at
 * most 257): each source row is added into per-column sums of two 8-bit
 * channels in the 16-bit halves of a word (blue | red << 16 in m,
 * green | alpha << 16 in n), and a completed output row is summed
 * horizontally and divided. 255 * 257 = 65535, so no lane carries into
 * the next and a 32-bit multiply by w is two 16-bit ones.
 */
#define BOX_LANES 0x00ff00ffu

/*
 * GNU C vectors here, not a plain loop: gcc vectorizes the plain one
 * with 32-bit multiplies, which SSE2 lacks (emulated, it ran 2.5 times
 * slower), while two 8-bit channels per 32-bit word are just 16-bit lanes.
 */
typedef uint32_t box_u32x4 __attribute__((vector_size(16)));
typedef uint16_t box_u16x8 __attribute__((vector_size(16)));

static uint32_t box_add(uint32_t *restrict m, uint32_t *restrict n, const uint32_t *restrict src,
			int32_t len, uint32_t w, bool first)
{
	const box_u32x4 lanes = { BOX_LANES, BOX_LANES, BOX_LANES, BOX_LANES };
	const uint16_t w16 = (uint16_t)w;
	const box_u16x8 wv = { w16, w16, w16, w16, w16, w16, w16, w16 };
	box_u32x4 all = { ~0u, ~0u, ~0u, ~0u };
	int32_t i = 0;
	for (; i + 4 <= len; i += 4) {
		box_u32x4 px, bm, bn;
		memcpy(&px, src + i, sizeof(px));
		all &= px;
		bm = (box_u32x4)((box_u16x8)(px & lanes) * wv);
		bn = (box_u32x4)((box_u16x8)(px >> 8 & lanes) * wv);
		if (!first) {
			box_u32x4 om, on;
			memcpy(&om, m + i, sizeof(om));
			memcpy(&on, n + i, sizeof(on));
			bm += om;
			bn += on;
		}
		memcpy(m + i, &bm, sizeof(bm));
		memcpy(n + i, &bn, sizeof(bn));
	}
	uint32_t folded = all[0] & all[1] & all[2] & all[3];
	for (; i < len; i++) {
		uint32_t p = src[i];
		folded &= p;
		m[i] = (first ? 0 : m[i]) + w * (p & BOX_LANES);
		n[i] = (first ? 0 : n[i]) + w * (p >> 8 & BOX_LANES);
	}
	return folded;
}

/*
 * The horizontal step, every pixel taken as opaque: column j sums `taps`
 * lane words from m[start[j]] on with weights wt[k * count + j] (0 for
 * padding; one plane per tap, so vector levels load them in a row), and
 * each channel becomes average[s] = round(s / total). Without gathers the
 * loads are one by one anyway, and a table beats dividing them in float
 * (the AVX2 level divides, exactly: see box_h_avx2).
 */
static inline void box_h_taps(uint32_t *restrict out, const uint32_t *restrict m,
			      const uint32_t *restrict n, const int32_t *restrict start,
			      const uint16_t *restrict wt, int32_t taps,
			      const uint8_t *restrict average, int32_t count)
{
	for (int32_t j = 0; j < count; j++) {
		const uint32_t *mj = m + start[j], *nj = n + start[j];
		uint32_t sm = 0, sn = 0;
		for (int32_t k = 0; k < taps; k++) {
			uint32_t w = wt[(size_t)k * (size_t)count + (size_t)j];
			sm += w * mj[k];
			sn += w * nj[k];
		}
		out[j] = 0xff000000u | (uint32_t)average[sm >> 16] << 16 |
			 (uint32_t)average[sn & 0xffff] << 8 | average[sm & 0xffff];
	}
}

/* 2 and 3 taps (2:1, 3:2, 3:1) written out: the inner loop goes. */
static void box_h(uint32_t *restrict out, const uint32_t *restrict m, const uint32_t *restrict n,
		  const int32_t *restrict start, const uint16_t *restrict wt, int32_t taps,
		  uint32_t total, const uint8_t *restrict average, int32_t count)
{
	(void)total;
	if (taps == 2)
		box_h_taps(out, m, n, start, wt, 2, average, count);
	else if (taps == 3)
		box_h_taps(out, m, n, start, wt, 3, average, count);
	else
		box_h_taps(out, m, n, start, wt, taps, average, count);
}

/* Every format's codec at its id, from the one format list (format_list.h). */
#define ROW_CODEC(id, short_name, bytes, red, green, blue, alpha, codec, traits)                 \
	[FBK_FORMAT_ID_##id] = { unpack_##codec, pack_##codec },
#define ROW_CODECS { FBK_FORMAT_LIST(ROW_CODEC) }

/* The table for one level. */
#define ROW_OPS_TABLE(level_name)                                                             \
	{                                                                                     \
		.name = level_name,                                                           \
		.codecs = ROW_CODECS,                                                         \
		.over_opaque_dst = over_opaque_dst,                                           \
		.over_color_opaque_dst = over_color_opaque_dst,                               \
		.over_color_mask_opaque_dst = over_color_mask_opaque_dst,                     \
		.over_argb_onto_xrgb = over_argb_onto_xrgb,                                   \
		.over_argb_onto_rgb565 = over_argb_onto_rgb565,                               \
		.over_color_onto_xrgb = over_color_onto_xrgb,                                 \
		.over_color_mask_onto_xrgb = over_color_mask_onto_xrgb,                       \
		.over_color_onto_rgb565 = over_color_onto_rgb565,                             \
		.over_color_mask_onto_rgb565 = over_color_mask_onto_rgb565,                   \
		.over_color_mask_box_onto_xrgb = over_color_mask_box_onto_xrgb,               \
		.over_color_mask_box_onto_rgb565 = over_color_mask_box_onto_rgb565,           \
		.over_color_mask_boxes_onto_xrgb = over_color_mask_boxes_onto_xrgb,           \
		.over_color_edges_box_onto_xrgb = over_color_edges_box_onto_xrgb,             \
		.convert_8888 = convert_8888,                                                 \
		.convert_8888_to_565 = convert_8888_to_565,                                   \
		.convert_1555 = convert_1555,                                                 \
		.fill_row = fill_row_any,                                                     \
		.fill_rect = fill_rect_any,                                                   \
		.bilinear_h = bilinear_h,                                                     \
		.bilinear_v = bilinear_v,                                                     \
		.box_add = box_add,                                                           \
		.box_h = box_h,                                                               \
	}

#endif
