/*
 * The pixel layer, the row engine: per-format codecs, the blend
 * equations, the row kernels of every SIMD level and the choice between
 * them (see README.md in this folder). It may call core only; draw, text,
 * image and the backends reach pixels only through it.
 *
 * This file holds the definitions: the OVER equations (fbk_over_pixel is THE definition)
 * and the row entry points, which hand their work to the row kernels of
 * the level fbk_row_ops() chose (rows_template.c; this file instantiates the
 * portable level). Loads and stores go through memcpy because surfaces may
 * have any stride, so pixels need not be aligned.
 */
#include "pixel/rows_template.c"

static const struct fbk_row_ops portable_ops = ROW_OPS_TABLE("portable");

const struct fbk_row_ops *fbk_row_ops_portable(void)
{
	return &portable_ops;
}

const struct fbk_row_codec *fbk_row_codec(uint32_t fourcc)
{
	const struct fbk_format *f = fbk_format_entry(fourcc);
	return f ? &fbk_row_ops()->codecs[f->id] : NULL;
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
	if (!dst_has_alpha) {
		fbk_row_ops()->over_opaque_dst(dst, src, n, opacity);
		return;
	}
	if (opacity == 255) {
		for (int32_t i = 0; i < n; i++)
			dst[i] = over(dst[i], src[i], src[i] >> 24, dst_has_alpha);
		return;
	}
	for (int32_t i = 0; i < n; i++)
		dst[i] = over(dst[i], src[i], fbk_div255((src[i] >> 24) * opacity), dst_has_alpha);
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
		fbk_row_ops()->over_color_opaque_dst(dst, argb, n);
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

void fbk_over_color_mask_row(uint32_t *dst, uint32_t argb, const uint8_t *mask, int32_t n,
			     bool dst_has_alpha)
{
	if (!dst_has_alpha) {
		fbk_row_ops()->over_color_mask_opaque_dst(dst, argb, mask, n);
		return;
	}
	uint32_t a = argb >> 24;
	for (int32_t i = 0; i < n; i++)
		dst[i] = over(dst[i], argb, fbk_div255(a * mask[i]), true);
}

void fbk_blend_mask_span(uint8_t *pixels, const struct fbk_row_codec *codec, int bytes_per_pixel,
			 int32_t n, uint32_t argb, const uint8_t *mask, bool dst_has_alpha)
{
	uint32_t row[FBK_ROW_CHUNK];
	for (int32_t done = 0; done < n; done += FBK_ROW_CHUNK) {
		int32_t count = n - done < FBK_ROW_CHUNK ? n - done : FBK_ROW_CHUNK;
		uint8_t *at = pixels + (size_t)done * (size_t)bytes_per_pixel;
		codec->unpack(row, at, count);
		fbk_over_color_mask_row(row, argb, mask + done, count, dst_has_alpha);
		codec->pack(at, row, count);
	}
}

void fbk_fill_row(uint8_t *dst, uint32_t packed, int bytes_per_pixel, int32_t n)
{
	fbk_row_ops()->fill_row(dst, packed, bytes_per_pixel, n);
}
