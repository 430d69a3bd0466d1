/*
 * Row codecs between each format and 0xAARRGGBB, and the blending
 * equations. Loads and stores go through memcpy because surfaces may have
 * any stride, so pixels need not be aligned; compilers turn these into
 * plain (unaligned) loads.
 */
#include <string.h>

#include "pixel.h"

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

/* Nearest 5- and 6-bit values; (v * max + 127) / 255 without the division. */
static inline uint32_t narrow5(uint32_t v)
{
	return (v * 31 + 127) * 8225 >> 21;
}

static inline uint32_t narrow6(uint32_t v)
{
	return (v * 63 + 127) * 8225 >> 21;
}

static void unpack_xrgb8888(uint32_t *argb, const uint8_t *src, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		argb[i] = load32(src + 4 * i) | 0xff000000u;
}

static void pack_xrgb8888(uint8_t *dst, const uint32_t *argb, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		store32(dst + 4 * i, argb[i] & 0x00ffffffu);
}

static void unpack_argb8888(uint32_t *argb, const uint8_t *src, int32_t n)
{
	memcpy(argb, src, (size_t)n * 4);
}

static void pack_argb8888(uint8_t *dst, const uint32_t *argb, int32_t n)
{
	memcpy(dst, argb, (size_t)n * 4);
}

static void unpack_xbgr8888(uint32_t *argb, const uint8_t *src, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		argb[i] = swap_red_blue(load32(src + 4 * i)) | 0xff000000u;
}

static void pack_xbgr8888(uint8_t *dst, const uint32_t *argb, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		store32(dst + 4 * i, swap_red_blue(argb[i]) & 0x00ffffffu);
}

static void unpack_abgr8888(uint32_t *argb, const uint8_t *src, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		argb[i] = swap_red_blue(load32(src + 4 * i));
}

static void pack_abgr8888(uint8_t *dst, const uint32_t *argb, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		store32(dst + 4 * i, swap_red_blue(argb[i]));
}

static void unpack_rgb565(uint32_t *argb, const uint8_t *src, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		uint32_t p = load16(src + 2 * i);
		argb[i] = 0xff000000u | widen5(p >> 11) << 16 | widen6(p >> 5 & 63) << 8 |
			  widen5(p & 31);
	}
}

static void pack_rgb565(uint8_t *dst, const uint32_t *argb, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		uint32_t p = argb[i];
		store16(dst + 2 * i, narrow5(p >> 16 & 0xff) << 11 | narrow6(p >> 8 & 0xff) << 5 |
					     narrow5(p & 0xff));
	}
}

static void unpack_bgr565(uint32_t *argb, const uint8_t *src, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		uint32_t p = load16(src + 2 * i);
		argb[i] = 0xff000000u | widen5(p & 31) << 16 | widen6(p >> 5 & 63) << 8 |
			  widen5(p >> 11);
	}
}

static void pack_bgr565(uint8_t *dst, const uint32_t *argb, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		uint32_t p = argb[i];
		store16(dst + 2 * i, narrow5(p & 0xff) << 11 | narrow6(p >> 8 & 0xff) << 5 |
					     narrow5(p >> 16 & 0xff));
	}
}

/* RGB888 is stored blue, green, red in memory (a little-endian 24-bit word). */
static void unpack_rgb888(uint32_t *argb, const uint8_t *src, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		const uint8_t *p = src + 3 * i;
		argb[i] = 0xff000000u | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
	}
}

static void pack_rgb888(uint8_t *dst, const uint32_t *argb, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		uint8_t *p = dst + 3 * i;
		p[0] = (uint8_t)argb[i];
		p[1] = (uint8_t)(argb[i] >> 8);
		p[2] = (uint8_t)(argb[i] >> 16);
	}
}

static void unpack_bgr888(uint32_t *argb, const uint8_t *src, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		const uint8_t *p = src + 3 * i;
		argb[i] = 0xff000000u | (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	}
}

static void pack_bgr888(uint8_t *dst, const uint32_t *argb, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		uint8_t *p = dst + 3 * i;
		p[0] = (uint8_t)(argb[i] >> 16);
		p[1] = (uint8_t)(argb[i] >> 8);
		p[2] = (uint8_t)argb[i];
	}
}

#define CODEC(name) { unpack_##name, pack_##name }
static const struct fbk_row_codec codec_xrgb8888 = CODEC(xrgb8888);
static const struct fbk_row_codec codec_argb8888 = CODEC(argb8888);
static const struct fbk_row_codec codec_xbgr8888 = CODEC(xbgr8888);
static const struct fbk_row_codec codec_abgr8888 = CODEC(abgr8888);
static const struct fbk_row_codec codec_rgb565 = CODEC(rgb565);
static const struct fbk_row_codec codec_bgr565 = CODEC(bgr565);
static const struct fbk_row_codec codec_rgb888 = CODEC(rgb888);
static const struct fbk_row_codec codec_bgr888 = CODEC(bgr888);

const struct fbk_row_codec *fbk_row_codec(uint32_t fourcc)
{
	switch (fourcc) {
	case FBK_FORMAT_XRGB8888: return &codec_xrgb8888;
	case FBK_FORMAT_ARGB8888: return &codec_argb8888;
	case FBK_FORMAT_XBGR8888: return &codec_xbgr8888;
	case FBK_FORMAT_ABGR8888: return &codec_abgr8888;
	case FBK_FORMAT_RGB565: return &codec_rgb565;
	case FBK_FORMAT_BGR565: return &codec_bgr565;
	case FBK_FORMAT_RGB888: return &codec_rgb888;
	case FBK_FORMAT_BGR888: return &codec_bgr888;
	}
	return NULL;
}

static inline uint32_t lerp_channel(uint32_t d, uint32_t s, uint32_t a, int shift)
{
	uint32_t dc = d >> shift & 0xff, sc = s >> shift & 0xff;
	return fbk_div255(sc * a + dc * (255 - a)) << shift;
}

/*
 * Straight-alpha OVER onto a destination that has alpha: the result's
 * coverage is a + da(1 - a), and each channel is the coverage-weighted mean
 * of source and destination. Weights are kept scaled by 255 so everything
 * is integer and exact: fa = 255a, fd = da(255 - a).
 */
static inline uint32_t over_with_alpha(uint32_t d, uint32_t s, uint32_t a)
{
	uint32_t da = d >> 24;
	uint32_t fa = a * 255, fd = da * (255 - a), total = fa + fd;
	if (total == 0)
		return 0;
	uint32_t out = fbk_div255(total) << 24;
	for (int shift = 0; shift < 24; shift += 8) {
		uint32_t sc = s >> shift & 0xff, dc = d >> shift & 0xff;
		out |= (sc * fa + dc * fd + total / 2) / total << shift;
	}
	return out;
}

static inline uint32_t over(uint32_t d, uint32_t s, uint32_t a, bool dst_has_alpha)
{
	if (a == 255)
		return s | 0xff000000u;
	if (a == 0)
		return dst_has_alpha ? d : d | 0xff000000u;
	if (dst_has_alpha)
		return over_with_alpha(d, s, a);
	return 0xff000000u | lerp_channel(d, s, a, 16) | lerp_channel(d, s, a, 8) |
	       lerp_channel(d, s, a, 0);
}

uint32_t fbk_over_pixel(uint32_t dst, uint32_t src, bool dst_has_alpha)
{
	return over(dst, src, src >> 24, dst_has_alpha);
}

void fbk_over_row(uint32_t *dst, const uint32_t *src, int32_t n, uint8_t opacity,
		  bool dst_has_alpha)
{
	if (opacity == 255) {
		for (int32_t i = 0; i < n; i++)
			dst[i] = over(dst[i], src[i], src[i] >> 24, dst_has_alpha);
		return;
	}
	for (int32_t i = 0; i < n; i++)
		dst[i] = over(dst[i], src[i], fbk_div255((src[i] >> 24) * opacity), dst_has_alpha);
}

/*
 * One colour over an opaque destination: the colour's share of each
 * channel (plus the rounding bias) is the same for every pixel, so each
 * channel costs one multiply-add and a division by 255 done as shifts.
 */
static void over_color_opaque_dst(uint32_t *dst, uint32_t argb, int32_t n)
{
	uint32_t a = argb >> 24, keep = 255 - a;
	uint32_t r = (argb >> 16 & 0xff) * a + 128, g = (argb >> 8 & 0xff) * a + 128,
		 b = (argb & 0xff) * a + 128;
	for (int32_t i = 0; i < n; i++) {
		uint32_t d = dst[i];
		uint32_t tr = (d >> 16 & 0xff) * keep + r, tg = (d >> 8 & 0xff) * keep + g,
			 tb = (d & 0xff) * keep + b;
		dst[i] = 0xff000000u | ((tr + (tr >> 8)) >> 8) << 16 | ((tg + (tg >> 8)) >> 8) << 8 |
			 ((tb + (tb >> 8)) >> 8);
	}
}

void fbk_over_color_row(uint32_t *dst, uint32_t argb, int32_t n, bool dst_has_alpha)
{
	uint32_t a = argb >> 24;
	if (a == 0 && !dst_has_alpha) {
		for (int32_t i = 0; i < n; i++)
			dst[i] |= 0xff000000u;
		return;
	}
	if (a == 0 || (a == 255 && !dst_has_alpha)) {
		for (int32_t i = 0; i < n; i++)
			dst[i] = over(dst[i], argb, a, dst_has_alpha);
		return;
	}
	if (!dst_has_alpha) {
		over_color_opaque_dst(dst, argb, n);
		return;
	}
	for (int32_t i = 0; i < n; i++)
		dst[i] = over(dst[i], argb, a, true);
}

void fbk_blend_color_span(uint8_t *pixels, const struct fbk_row_codec *codec, int bytes_per_pixel,
			  int32_t n, uint32_t argb, bool dst_has_alpha)
{
	uint32_t row[FBK_ROW_CHUNK];
	for (int32_t done = 0; done < n; done += FBK_ROW_CHUNK) {
		int32_t count = n - done < FBK_ROW_CHUNK ? n - done : FBK_ROW_CHUNK;
		uint8_t *at = pixels + (size_t)done * (size_t)bytes_per_pixel;
		codec->unpack(row, at, count);
		fbk_over_color_row(row, argb, count, dst_has_alpha);
		codec->pack(at, row, count);
	}
}

void fbk_fill_row(uint8_t *dst, uint32_t packed, int bytes_per_pixel, int32_t n)
{
	switch (bytes_per_pixel) {
	case 4:
		for (int32_t i = 0; i < n; i++)
			store32(dst + 4 * i, packed);
		break;
	case 2:
		for (int32_t i = 0; i < n; i++)
			store16(dst + 2 * i, packed);
		break;
	case 3:
		for (int32_t i = 0; i < n; i++) {
			dst[3 * i] = (uint8_t)packed;
			dst[3 * i + 1] = (uint8_t)(packed >> 8);
			dst[3 * i + 2] = (uint8_t)(packed >> 16);
		}
		break;
	}
}
