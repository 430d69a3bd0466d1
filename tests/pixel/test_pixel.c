/*
 * The row engine under every primitive: row codecs agree with the
 * single-pixel pack/unpack, and the blending equations agree with real
 * arithmetic to within rounding.
 */
#include <math.h>

#include "harness.h"
#include "pixel/pixel.h"

static void check_codecs(void)
{
	rng_seed(1);
	for (size_t i = 0; fbk_format_at(i); i++) {
		const struct fbk_format_info *f = fbk_format_at(i);
		const struct fbk_row_codec *codec = fbk_row_codec(f->fourcc);
		CHECK(codec != NULL, "%s has a codec", f->name);
		if (!codec)
			continue;
		enum { N = 1000 };
		uint8_t bytes[N * 4 + 1], packed[N * 4 + 1];
		uint32_t argb[N];
		for (size_t b = 0; b < sizeof(bytes); b++)
			bytes[b] = (uint8_t)rng_next();
		/* Odd offset: rows need not be aligned. */
		codec->unpack(argb, bytes + 1, N);
		for (int p = 0; p < N; p++) {
			uint32_t v = 0;
			for (int k = 0; k < f->bytes_per_pixel; k++)
				v |= (uint32_t)bytes[1 + p * f->bytes_per_pixel + k] << (8 * k);
			struct fbk_color want = fbk_color_unpack(f->fourcc, v);
			CHECK(argb[p] == fbk_argb(want), "%s unpack pixel %d: %08x vs %08x", f->name, p,
			      argb[p], fbk_argb(want));
		}
		for (int p = 0; p < N; p++)
			argb[p] = (uint32_t)rng_next();
		packed[0] = 0x77;
		codec->pack(packed + 1, argb, N);
		CHECK(packed[0] == 0x77, "%s pack wrote before the row", f->name);
		for (int p = 0; p < N; p++) {
			struct fbk_color c = { (uint8_t)(argb[p] >> 16), (uint8_t)(argb[p] >> 8),
					       (uint8_t)argb[p], (uint8_t)(argb[p] >> 24) };
			uint32_t want = fbk_color_pack(f->fourcc, c), got = 0;
			for (int k = 0; k < f->bytes_per_pixel; k++)
				got |= (uint32_t)packed[1 + p * f->bytes_per_pixel + k] << (8 * k);
			CHECK(got == want, "%s pack pixel %d: %x vs %x", f->name, p, got, want);
		}
	}
	CHECK(fbk_row_codec(0) == NULL, "no codec for unknown formats");
}

static void check_div255(void)
{
	for (uint32_t x = 0; x <= 255 * 255; x++)
		CHECK(fbk_div255(x) == (uint32_t)floor(x / 255.0 + 0.5), "div255(%u)", x);
}

/* Straight-alpha OVER in real numbers. */
static void over_exact(const double d[4], const double s[4], double a, bool dst_alpha, double out[4])
{
	double da = dst_alpha ? d[3] : 1.0;
	double ra = a + da * (1 - a);
	out[3] = dst_alpha ? ra : 1.0;
	for (int c = 0; c < 3; c++)
		out[c] = ra > 0 ? (s[c] * a + d[c] * da * (1 - a)) / ra : 0;
}

static void check_over(void)
{
	rng_seed(2);
	for (int i = 0; i < 200000; i++) {
		uint32_t d = (uint32_t)rng_next(), s = (uint32_t)rng_next();
		if (i % 4 == 0)
			s = (s & 0x00ffffffu) | (uint32_t)(i % 3 ? 0 : 255) << 24;
		bool dst_alpha = i & 1;
		uint32_t got = fbk_over_pixel(d, s, dst_alpha);
		double dv[4], sv[4], out[4];
		for (int c = 0; c < 4; c++) {
			int shift = c == 3 ? 24 : 16 - 8 * c;
			dv[c] = (d >> shift & 0xff) / 255.0;
			sv[c] = (s >> shift & 0xff) / 255.0;
		}
		over_exact(dv, sv, sv[3], dst_alpha, out);
		/* A fully transparent result has no meaningful colour. */
		for (int c = out[3] > 0 ? 0 : 3; c < 4; c++) {
			int shift = c == 3 ? 24 : 16 - 8 * c;
			double want = out[c] * 255.0;
			int have = (int)(got >> shift & 0xff);
			/* Integer weights are exact, so only the final rounding differs. */
			CHECK(fabs(have - want) <= 0.5 + 1e-9,
			      "over %08x on %08x (dst alpha %d) channel %d: %d vs %.3f", s, d,
			      dst_alpha, c, have, want);
		}
	}

	/* The row functions are the pixel function applied along the row. */
	enum { N = 300 };
	uint32_t dst[N], src[N], want[N];
	for (int opacity = 0; opacity < 256; opacity += 17) {
		for (int dst_alpha = 0; dst_alpha < 2; dst_alpha++) {
			for (int p = 0; p < N; p++) {
				dst[p] = (uint32_t)rng_next();
				src[p] = (uint32_t)rng_next();
				uint32_t a = fbk_div255((src[p] >> 24) * (uint32_t)opacity);
				want[p] = fbk_over_pixel(dst[p], (src[p] & 0xffffffu) | a << 24, dst_alpha);
			}
			fbk_over_row(dst, src, N, (uint8_t)opacity, dst_alpha);
			CHECK(!memcmp(dst, want, sizeof(dst)), "over row, opacity %d", opacity);
			uint32_t color = (uint32_t)rng_next();
			for (int p = 0; p < N; p++)
				want[p] = fbk_over_pixel(dst[p], color, dst_alpha);
			fbk_over_color_row(dst, color, N, dst_alpha);
			CHECK(!memcmp(dst, want, sizeof(dst)), "over colour row");
			/* coverage masks: clear, full and partial, as shape edges give them */
			uint8_t mask[N];
			color = (uint32_t)rng_next();
			if (opacity % 3 == 0)
				color |= 0xff000000u;
			for (int p = 0; p < N; p++) {
				uint32_t r = (uint32_t)rng_next();
				mask[p] = (uint8_t)(r % 4 == 0 ? 0 : r % 4 == 1 ? 255 : r >> 8);
				uint32_t a = fbk_div255((color >> 24) * mask[p]);
				want[p] = fbk_over_pixel(dst[p], (color & 0xffffffu) | a << 24, dst_alpha);
			}
			fbk_over_color_mask_row(dst, color, mask, N, dst_alpha);
			CHECK(!memcmp(dst, want, sizeof(dst)), "over colour through a mask, dst alpha %d",
			      dst_alpha);
		}
	}
}

int main(void)
{
	check_codecs();
	check_div255();
	check_over();
	return harness_exit();
}
