/*
 * The row kernels built for AVX2 (x86-64 only): meson compiles this file
 * with -O3 -mavx2, so the loops of rows_template.c become 256-bit code, and
 * the hottest kernels (ARGB8888 and one colour, plain or through a
 * coverage mask, blended onto XRGB8888 and RGB565; 32-bit formats to
 * RGB565) are written here with intrinsics, because
 * gcc keeps their 8-bit channels in 32-bit lanes where 16-bit lanes do
 * twice the work per instruction (measured: 2x for OVER onto RGB565).
 * They compute the same integers as rows_template.c (div255 as
 * (t + 128 + ((t + 128) >> 8)) >> 8, narrow5 and narrow6 as one rounding
 * multiply, see below), and leave tails to its loops (the conversion to
 * RGB565 redoes a few pixels instead; the colour kernels onto XRGB8888
 * mask their last lanes, and those onto RGB565 blend a tail of 4 or more
 * pixels as one step on a copy). Only called when the CPU reports AVX2
 * (see cpu.c); nothing else in the library is built with -mavx2, so
 * it never runs elsewhere.
 */
#include "pixel/pixel_ops.h"

/*
 * rows_template.c only where its kernels are used: elsewhere its static
 * functions would all be unused, which -Werror rejects (AArch64 builds
 * this file too, with no AVX2 to build it for).
 */
#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>
#include <string.h>

#include "pixel/rows_template.c"

static inline __m256i load256(const uint8_t *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

static inline void store256(uint8_t *p, __m256i v)
{
	_mm256_storeu_si256((__m256i *)(void *)p, v);
}

/*
 * div255 of each 16-bit lane holding at most 255 * 255: with x = t + 128,
 * (x + (x >> 8)) >> 8 equals (x * 257) >> 16 for every x < 2^16 (the low
 * byte added can never carry past the second byte), and the high half of
 * a 16-bit multiply is one instruction.
 */
static inline __m256i div255_16(__m256i t)
{
	t = _mm256_add_epi16(t, _mm256_set1_epi16(128));
	return _mm256_mulhi_epu16(t, _mm256_set1_epi16(257));
}

/* Four pixels widened to 16-bit lanes: s * a + d * (255 - a), divided by 255. */
static inline __m256i lerp_16(__m256i d, __m256i s, __m256i a)
{
	__m256i keep = _mm256_sub_epi16(_mm256_set1_epi16(255), a);
	return div255_16(_mm256_add_epi16(_mm256_mullo_epi16(s, a), _mm256_mullo_epi16(d, keep)));
}

/*
 * The weighted sums of even and odd (source, destination) byte pairs,
 * divided by 255 as in div255_16, back in the lanes they came from; the
 * odd lanes' X halves are multiplied by 0.
 */
static inline __m256i weigh_pairs(__m256i weights, __m256i even, __m256i odd)
{
	const __m256i to_t128 = _mm256_set1_epi16((short)0x8000);
	__m256i e = _mm256_add_epi16(_mm256_maddubs_epi16(weights, even), to_t128);
	__m256i o = _mm256_add_epi16(_mm256_maddubs_epi16(weights, odd), to_t128);
	e = _mm256_mulhi_epu16(e, _mm256_set1_epi16(257));
	o = _mm256_mulhi_epu16(o, _mm256_set1_epi32(257));
	return _mm256_or_si256(e, _mm256_slli_epi16(o, 8));
}

/*
 * Eight ARGB8888 pixels over eight XRGB8888 ones, X byte cleared. One
 * vpmaddubsw per channel pair computes s * a + d * (255 - a): the weights
 * (a, 255 - a) are unsigned bytes, the pixels signed bytes biased by -128,
 * so the sum is t - 128 * 255, within int16 for every input (no
 * saturation), and adding 0x8000 turns it into t + 128 for div255.
 * Channels stay in the 16-bit lanes they occupy in memory (blue and red
 * in even lanes, green and X in odd ones), so no unpack or pack is needed,
 * and the X lane's multiplier of zero leaves its byte 0.
 */
static inline __m256i over_8px(__m256i d, __m256i s)
{
	const __m256i bias = _mm256_set1_epi8((char)0x80);
	const __m256i low_bytes = _mm256_set1_epi16(0x00ff);
	const __m256i alpha_twice = _mm256_setr_epi8(3, 3, 3, 3, 7, 7, 7, 7, 11, 11, 11, 11, 15, 15,
						     15, 15, 3, 3, 3, 3, 7, 7, 7, 7, 11, 11, 11, 11,
						     15, 15, 15, 15);
	/* (a, 255 - a) in each 16-bit lane of a pixel */
	__m256i weights = _mm256_xor_si256(_mm256_shuffle_epi8(s, alpha_twice),
					   _mm256_set1_epi16((short)0xff00));
	__m256i sb = _mm256_xor_si256(s, bias), db = _mm256_xor_si256(d, bias);
	/* (source, destination) byte pairs: blue and red, then green and X */
	__m256i even = _mm256_or_si256(_mm256_and_si256(sb, low_bytes), _mm256_slli_epi16(db, 8));
	__m256i odd = _mm256_or_si256(_mm256_srli_epi16(sb, 8), _mm256_andnot_si256(low_bytes, db));
	return weigh_pairs(weights, even, odd);
}

/* The alpha bytes of eight pixels scaled by opacity, div255(a * opacity). */
static inline __m256i with_opacity_8px(__m256i s, uint8_t opacity)
{
	__m256i a = _mm256_srli_epi32(s, 24);
	a = div255_16(_mm256_mullo_epi16(a, _mm256_set1_epi32(opacity)));
	return _mm256_or_si256(_mm256_and_si256(s, _mm256_set1_epi32(0x00ffffff)),
			       _mm256_slli_epi32(a, 24));
}

/*
 * The distance ahead of the current pixels to ask the caches for: a 1080p
 * frame's source and destination do not stay in the L2 cache, and measured
 * on a 2-core EPYC, prefetching 2-4 KiB ahead made the OVER loops 10-30%
 * faster at 1920x1080 and 3840x2160 and the conversion to RGB565 1.3x
 * (512 bytes: no gain; 8 KiB: no more than 4). Not past the row's end:
 * for a blit narrower than its surfaces that would fetch pixels nobody
 * uses (blit hands rows that touch over as one, so whole frames stream).
 */
#define PREFETCH_PIXELS 1024 /* 4 KiB of 32-bit source */

/*
 * Ask for the pixels PREFETCH_PIXELS after pixel i of an n-pixel row, in the
 * source (4 bytes a pixel) and, unless dst_bytes is 0, the destination.
 */
static inline void prefetch_ahead(const uint8_t *src, const uint8_t *dst, int dst_bytes,
				  int32_t i, int32_t n)
{
	if (i + PREFETCH_PIXELS >= n)
		return;
	_mm_prefetch((const char *)(src + 4 * (i + PREFETCH_PIXELS)), _MM_HINT_T0);
	if (dst_bytes)
		_mm_prefetch((const char *)(dst + dst_bytes * (i + PREFETCH_PIXELS)), _MM_HINT_T0);
}

static void over_argb_onto_xrgb_avx2(uint8_t *restrict dst, const uint8_t *restrict src,
				     int32_t n, uint8_t opacity)
{
	int32_t i = 0;
	for (; i + 16 <= n; i += 16) {
		prefetch_ahead(src, dst, 4, i, n);
		__m256i s0 = load256(src + 4 * i), s1 = load256(src + 4 * i + 32);
		if (opacity != 255) {
			s0 = with_opacity_8px(s0, opacity);
			s1 = with_opacity_8px(s1, opacity);
		}
		__m256i out0 = over_8px(load256(dst + 4 * i), s0);
		__m256i out1 = over_8px(load256(dst + 4 * i + 32), s1);
		store256(dst + 4 * i, out0);
		store256(dst + 4 * i + 32, out1);
	}
	over_argb_onto_xrgb(dst + 4 * i, src + 4 * i, n - i, opacity);
}

/*
 * narrow5 and narrow6 of rows_template.c in one instruction each: for every v
 * in 0..255, _mm256_mulhrs_epi16's (v * m + 2^14) >> 15 equals
 * (v * 31 + 127) / 255 with m = 3984 and (v * 63 + 127) / 255 with
 * m = 8096 (a search of every m finds only 3984-3985 and 8095-8096). The
 * instruction rounds by itself, so no constant is added; test_rows runs
 * every 24-bit colour through both kernels that use these.
 */
#define NARROW5_MULHRS 3984
#define NARROW6_MULHRS 8096

/*
 * Sixteen 0xAARRGGBB pixels (eight in a, eight in b) to RGB565, in order.
 * Masking green and alpha off leaves blue and red alone in the two 16-bit
 * lanes of each pixel, so one mulhrs narrows both and one madd puts them
 * in place: rb_weights is (1, 2048) per pixel, or (2048, 1) to swap red
 * and blue for nothing. Shifting each 16-bit lane right by 8 leaves green
 * in the lower lane and alpha in the upper one, which is multiplied by 0.
 */
static inline __m256i to_565_16px(__m256i a, __m256i b, __m256i rb_weights)
{
	const __m256i low_bytes = _mm256_set1_epi32(0x00ff00ff);
	const __m256i n5 = _mm256_set1_epi16(NARROW5_MULHRS);
	const __m256i n6_low_lane = _mm256_set1_epi32(NARROW6_MULHRS);
	__m256i rb_a = _mm256_mulhrs_epi16(_mm256_and_si256(a, low_bytes), n5);
	__m256i rb_b = _mm256_mulhrs_epi16(_mm256_and_si256(b, low_bytes), n5);
	__m256i g_a = _mm256_mulhrs_epi16(_mm256_srli_epi16(a, 8), n6_low_lane);
	__m256i g_b = _mm256_mulhrs_epi16(_mm256_srli_epi16(b, 8), n6_low_lane);
	/* Every 32-bit lane now holds at most 0xffff, which packus keeps exactly. */
	__m256i rb = _mm256_packus_epi32(_mm256_madd_epi16(rb_a, rb_weights),
					 _mm256_madd_epi16(rb_b, rb_weights));
	__m256i g = _mm256_packus_epi32(g_a, g_b);
	__m256i out = _mm256_or_si256(rb, _mm256_slli_epi16(g, 5));
	return _mm256_permute4x64_epi64(out, 0xd8);
}

/* One byte (at bit `shift`) of sixteen 32-bit pixels as sixteen 16-bit lanes, in order. */
static inline __m256i channel_16px(__m256i lo, __m256i hi, int shift)
{
	const __m256i byte = _mm256_set1_epi32(0xff);
	__m256i a = _mm256_and_si256(_mm256_srl_epi32(lo, _mm_cvtsi32_si128(shift)), byte);
	__m256i b = _mm256_and_si256(_mm256_srl_epi32(hi, _mm_cvtsi32_si128(shift)), byte);
	return _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xd8);
}

/* 16-bit lanes of 5 or 6 bits widened to 8 by bit replication, as widen5/widen6. */
static inline __m256i widen_16(__m256i v, int bits)
{
	return _mm256_or_si256(_mm256_sll_epi16(v, _mm_cvtsi32_si128(8 - bits)),
			       _mm256_srl_epi16(v, _mm_cvtsi32_si128(2 * bits - 8)));
}

/*
 * Sixteen pixels per step with every channel in its own register of 16-bit
 * lanes: RGB565 needs no trip through 32-bit pixels that way, which
 * halves the instructions per pixel against an 8-pixel 0xAARRGGBB loop.
 */
/*
 * Sixteen stored RGB565 pixels with sixteen colours (one channel per
 * register of 16-bit lanes) blended over them by the alphas in a.
 */
static inline __m256i over_565_16px(__m256i d, __m256i r, __m256i g, __m256i b, __m256i a)
{
	r = lerp_16(widen_16(_mm256_srli_epi16(d, 11), 5), r, a);
	g = lerp_16(widen_16(_mm256_and_si256(_mm256_srli_epi16(d, 5), _mm256_set1_epi16(63)), 6),
		    g, a);
	b = lerp_16(widen_16(_mm256_and_si256(d, _mm256_set1_epi16(31)), 5), b, a);
	r = _mm256_mulhrs_epi16(r, _mm256_set1_epi16(NARROW5_MULHRS));
	g = _mm256_mulhrs_epi16(g, _mm256_set1_epi16(NARROW6_MULHRS));
	b = _mm256_mulhrs_epi16(b, _mm256_set1_epi16(NARROW5_MULHRS));
	return _mm256_or_si256(_mm256_or_si256(_mm256_slli_epi16(r, 11), _mm256_slli_epi16(g, 5)), b);
}

/*
 * Sixteen pixels per step with every channel in its own register of 16-bit
 * lanes: RGB565 needs no trip through 32-bit pixels that way, which
 * halves the instructions per pixel against an 8-pixel 0xAARRGGBB loop.
 */
static void over_argb_onto_rgb565_avx2(uint8_t *restrict dst, const uint8_t *restrict src,
				       int32_t n, uint8_t opacity)
{
	int32_t i = 0;
	for (; i + 16 <= n; i += 16) {
		prefetch_ahead(src, dst, 2, i, n);
		__m256i lo = load256(src + 4 * i), hi = load256(src + 4 * i + 32);
		__m256i a = channel_16px(lo, hi, 24);
		if (opacity != 255)
			a = div255_16(_mm256_mullo_epi16(a, _mm256_set1_epi16(opacity)));
		store256(dst + 2 * i, over_565_16px(load256(dst + 2 * i), channel_16px(lo, hi, 16),
						    channel_16px(lo, hi, 8), channel_16px(lo, hi, 0),
						    a));
	}
	over_argb_onto_rgb565(dst + 2 * i, src + 4 * i, n - i, opacity);
}

/*
 * Lanes 0..n-1 of eight 32-bit lanes set (0 < n < 8): the rest of a row
 * whose last pixels are fewer than a step, read and written with
 * vpmaskmovd, which touches no memory in the lanes left out, so short
 * runs (the edge pixels of shapes, small shapes' rows) take one vector
 * step instead of a pixel at a time.
 */
static inline __m256i first_lanes(int32_t n)
{
	return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/*
 * One colour over stored XRGB8888 without unpacking: as in over_8px, the
 * pixels' bytes are biased by -128 and one vpmaddubsw per channel pair
 * multiplies them by 255 - a in place (weights (keep, 0) pick blue and
 * red, (0, keep) green, and X gets 0), so each 16-bit lane holds
 * keep * (d - 128). Adding keep * 128 + s * a + 128, worked out once,
 * makes it t + 128 for div255_16 (the sum wraps through negative int16
 * values but ends in 0..65153). No shuffle at all: the loop runs on the
 * multiply and add ports only.
 */
struct color_consts {
	__m256i w_even, w_odd, c_even, c_odd;
};

static inline struct color_consts color_consts(uint32_t argb)
{
	uint32_t a = argb >> 24, keep = 255 - a;
	uint32_t b = argb & 0xff, g = argb >> 8 & 0xff, r = argb >> 16 & 0xff;
	return (struct color_consts){
		.w_even = _mm256_set1_epi32((int)(keep | keep << 16)),
		.w_odd = _mm256_set1_epi32((int)(keep << 8)),
		.c_even = _mm256_set1_epi32((int)((keep * 128 + b * a + 128) |
						  (keep * 128 + r * a + 128) << 16)),
		.c_odd = _mm256_set1_epi32((int)((keep * 128 + g * a + 128) | 128u << 16)),
	};
}

static inline __m256i over_color_8px(__m256i d, const struct color_consts *k)
{
	const __m256i m257 = _mm256_set1_epi16(257);
	__m256i db = _mm256_xor_si256(d, _mm256_set1_epi8((char)0x80));
	__m256i e = _mm256_add_epi16(_mm256_maddubs_epi16(k->w_even, db), k->c_even);
	__m256i o = _mm256_add_epi16(_mm256_maddubs_epi16(k->w_odd, db), k->c_odd);
	e = _mm256_mulhi_epu16(e, m257);
	o = _mm256_mulhi_epu16(o, m257);
	return _mm256_or_si256(e, _mm256_slli_epi16(o, 8));
}

static void over_color_onto_xrgb_avx2(uint8_t *restrict dst, uint32_t argb, int32_t n)
{
	if (n < 2) { /* one pixel (a box's edge): the set-up would cost more than the pixel */
		over_color_onto_xrgb(dst, argb, n);
		return;
	}
	const struct color_consts k = color_consts(argb);
	int32_t i = 0;
	for (; i + 8 <= n; i += 8)
		store256(dst + 4 * i, over_color_8px(load256(dst + 4 * i), &k));
	if (i < n) {
		__m256i lanes = first_lanes(n - i);
		int *at = (int *)(void *)(dst + 4 * i);
		_mm256_maskstore_epi32(at, lanes, over_color_8px(_mm256_maskload_epi32(at, lanes), &k));
	}
}

/* Eight mask bytes as eight pixels' alphas div255(a * mask[i]), one per 32-bit lane. */
static inline __m256i mask_alpha_8px(uint64_t mask8, __m256i a)
{
	__m256i m = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)mask8));
	/* the upper 16-bit halves are 0 and stay 0 through div255_16 */
	return div255_16(_mm256_mullo_epi16(m, a));
}

/*
 * A colour through a mask, and what blending it needs worked out once.
 * An opaque colour's bytes are the same in every pixel, so its halves of
 * over_8px's (source, destination) byte pairs are constants, and the
 * weights (m, 255 - m) come straight from the mask bytes: a quarter fewer
 * instructions a step than building the source pixels first. The result
 * is over_8px's to the bit (the X lanes' products are dropped there too).
 */
struct mask_color {
	__m256i rgb, a, c_even, c_odd;
	bool opaque;
};

static inline struct mask_color mask_color(uint32_t argb)
{
	uint32_t b = argb & 0xff, g = argb >> 8 & 0xff, r = argb >> 16 & 0xff;
	return (struct mask_color){
		.rgb = _mm256_set1_epi32((int)(argb & 0x00ffffffu)),
		.a = _mm256_set1_epi32((int)(argb >> 24)),
		.c_even = _mm256_set1_epi32((int)((b ^ 0x80) | (r ^ 0x80) << 16)),
		.c_odd = _mm256_set1_epi32((int)(g ^ 0x80)),
		.opaque = argb >> 24 == 255,
	};
}

static inline __m256i over_mask_8px_as(__m256i d, uint64_t mask8, const struct mask_color *k,
					bool opaque)
{
	if (!opaque)
		return over_8px(d, _mm256_or_si256(k->rgb,
						   _mm256_slli_epi32(mask_alpha_8px(mask8, k->a), 24)));
	const __m256i low_bytes = _mm256_set1_epi16(0x00ff);
	const __m256i first_byte = _mm256_setr_epi8(0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12,
						    0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12);
	__m256i m = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)mask8));
	__m256i weights = _mm256_xor_si256(_mm256_shuffle_epi8(m, first_byte),
					   _mm256_set1_epi16((short)0xff00));
	__m256i db = _mm256_xor_si256(d, _mm256_set1_epi8((char)0x80));
	__m256i even = _mm256_or_si256(k->c_even, _mm256_slli_epi16(db, 8));
	__m256i odd = _mm256_or_si256(k->c_odd, _mm256_andnot_si256(low_bytes, db));
	return weigh_pairs(weights, even, odd);
}

static inline __m256i over_mask_8px(__m256i d, uint64_t mask8, const struct mask_color *k)
{
	return over_mask_8px_as(d, mask8, k, k->opaque);
}

/* The colour with each pixel's masked alpha, blended by over_8px. */
static void over_color_mask_onto_xrgb_avx2(uint8_t *restrict dst, uint32_t argb,
					   const uint8_t *restrict mask, int32_t n)
{
	if (n < 2) {
		over_color_mask_onto_xrgb(dst, argb, mask, n);
		return;
	}
	const struct mask_color mc = mask_color(argb);
	int32_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t m;
		memcpy(&m, mask + i, 8);
		store256(dst + 4 * i, over_mask_8px(load256(dst + 4 * i), m, &mc));
	}
	if (i < n) {
		/* byte by byte in a register: a short memcpy to the stack and a load of 8 stalls */
		uint64_t m = 0;
		for (int32_t k = 0; k < n - i; k++)
			m |= (uint64_t)mask[i + k] << 8 * k;
		__m256i lanes = first_lanes(n - i);
		int *at = (int *)(void *)(dst + 4 * i);
		_mm256_maskstore_epi32(at, lanes, over_mask_8px(_mm256_maskload_epi32(at, lanes), m, &mc));
	}
}

/*
 * A box's rows share their tail's lanes and the colour's constants; a row
 * of 8 pixels or more ends with a whole step over its last 8, and a
 * shorter row but the last loads its mask bytes as one 8-byte word (the
 * bytes past the row belong to the next row; their lanes are masked off),
 * which is most of what a small glyph's short rows cost one by one.
 */
/*
 * Rows a box kernel asks the cache for ahead of the one it blends: a large
 * text's surface is far from the cache, a glyph's rows are a stride apart
 * (the hardware prefetcher does not follow them), and 48 px text spent
 * most of its time waiting for them (a quarter less with 4 rows ahead,
 * measured on the text bench; 8 was no better).
 */
#define BOX_ROWS_AHEAD 4
/*
 * Bytes past a row's end asked for too: the next glyph of a line is the
 * next box to the right, on the same rows, so its first rows (which the
 * look ahead above never reaches) are on their way while this box blends.
 * On the text bench 48 px text took about 30% less CPU a glyph (2 lines
 * ahead half of that, 6 no better than 4); 16 px about the same at best
 * but no longer a third slower when other work has pushed the surface out
 * of the cache; one line redrawn in a tight loop, its surface cached, 5%
 * more at 16 px. Prefetches never fault, and the addresses are worked
 * out as integers, so past the surface is harmless.
 */
#define BOX_BYTES_RIGHT 256
/*
 * The three row loops below each spell out these prefetches: one inline
 * helper for all three measured 48 px text at half its speed (gcc 12, the
 * text bench, 1.6 against 3.4 ms a run), though the loads are the same.
 */
/*
 * Testing each step's 8 mask bytes for all 0 (leave the pixels, X
 * cleared) or all 255 under an opaque colour (store it, no load) was
 * measured slower at both sizes (a tenth more CPU a glyph): in a line of
 * DejaVu Sans no 16 px glyph has such a step, and at 48 px a third of the
 * steps are, mostly 0, which still loads; the branches cost more than
 * the steps they skip.
 */
/*
 * What a box's steps need, worked out once a call. The step is
 * over_mask_8px_as's arithmetic with the weights (w, 255 - w) built
 * straight from the mask, w the mask byte under an opaque colour and
 * div255(a * mask) otherwise (what over_8px weighs the masked colour by,
 * so the same bits either way), the colour's bytes constants in the
 * (source, destination) pairs. The X lanes come out 0 without a second
 * multiplier: their pairs are (0x80, 0x80), -128 * 255 in all, which
 * div255_16's bias turns into 128 and its multiply into 0.
 */
struct box_consts {
	__m256i c_even, c_odd; /* the colour's biased bytes in their pair lanes */
	__m256i bias, flip, green, spread, t128, m257;
	__m256i alpha, spread_low, round; /* only for a colour that is not opaque */
};

static inline struct box_consts box_consts(uint32_t argb)
{
	uint32_t b = argb & 0xff, g = argb >> 8 & 0xff, r = argb >> 16 & 0xff;
	return (struct box_consts){
		.c_even = _mm256_set1_epi32((int)((b ^ 0x80) | (r ^ 0x80) << 16)),
		.c_odd = _mm256_set1_epi32((int)((g ^ 0x80) | 0x8080u << 16)),
		.bias = _mm256_set1_epi8((char)0x80),
		.flip = _mm256_set1_epi16((short)0xff00),
		.green = _mm256_set1_epi32(0x0000ff00),
		/* a broadcast 8-byte mask word to each pixel's 4 bytes: lane 0 pixels 0-3, lane 1 4-7 */
		.spread = _mm256_setr_epi8(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
					   5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7),
		.t128 = _mm256_set1_epi16((short)0x8000),
		.m257 = _mm256_set1_epi16(257),
		.alpha = _mm256_set1_epi16((short)(argb >> 24)),
		/* the same, each byte once in each 16-bit lane's low byte */
		.spread_low = _mm256_setr_epi8(0, -1, 0, -1, 1, -1, 1, -1, 2, -1, 2, -1, 3, -1, 3, -1,
					       4, -1, 4, -1, 5, -1, 5, -1, 6, -1, 6, -1, 7, -1, 7,
					       -1),
		.round = _mm256_set1_epi16(128),
	};
}

/*
 * gcc rebuilds broadcast constants (a move, a vmovq, a vpbroadcast each)
 * for every row of a box rather than keep them in registers: for a 16 px
 * glyph's rows of one or two steps that was as many instructions again as
 * the steps' own. An empty asm that may have changed them makes them
 * values it cannot rebuild; what does not fit in registers is reloaded
 * from the stack as a memory operand, which costs no extra instruction.
 */
static inline __attribute__((always_inline)) void pin_box_consts(struct box_consts *k,
								  bool opaque)
{
	__asm__("" : "+x"(k->c_even), "+x"(k->c_odd), "+x"(k->bias), "+x"(k->flip),
		     "+x"(k->green), "+x"(k->spread), "+x"(k->t128), "+x"(k->m257));
	if (!opaque)
		__asm__("" : "+x"(k->alpha), "+x"(k->spread_low), "+x"(k->round));
}

/* Eight pixels through the mask bytes broadcast in every 64-bit lane of mb. */
static inline __m256i box_step(__m256i d, __m256i mb, const struct box_consts *k, bool opaque)
{
	__m256i w;
	if (opaque) {
		w = _mm256_shuffle_epi8(mb, k->spread);
	} else {
		/* div255(a * mask) in each 16-bit lane, then in both its bytes */
		w = _mm256_mullo_epi16(_mm256_shuffle_epi8(mb, k->spread_low), k->alpha);
		w = _mm256_mulhi_epu16(_mm256_add_epi16(w, k->round), k->m257);
		w = _mm256_mullo_epi16(w, k->m257);
	}
	w = _mm256_xor_si256(w, k->flip);
	__m256i db = _mm256_xor_si256(d, k->bias);
	__m256i even = _mm256_or_si256(k->c_even, _mm256_slli_epi16(db, 8));
	__m256i odd = _mm256_or_si256(k->c_odd, _mm256_and_si256(db, k->green));
	__m256i e = _mm256_add_epi16(_mm256_maddubs_epi16(w, even), k->t128);
	__m256i o = _mm256_add_epi16(_mm256_maddubs_epi16(w, odd), k->t128);
	e = _mm256_mulhi_epu16(e, k->m257);
	o = _mm256_mulhi_epu16(o, k->m257);
	return _mm256_or_si256(e, _mm256_slli_epi16(o, 8));
}

/* Eight mask bytes at p, in every 64-bit lane (one vpbroadcastq from memory). */
static inline __m256i mask_word(const uint8_t *p)
{
	int64_t m;
	memcpy(&m, p, 8);
	return _mm256_set1_epi64x(m);
}

/*
 * The box's rows for an opaque colour or not, a constant in each inlined
 * copy: tested once a call, not once a step, which also left the compiler
 * registers enough not to keep the row's loop state on the stack (16 px
 * text about 5% less CPU a glyph on the text bench).
 */
static inline __attribute__((always_inline)) void
mask_box_rows(uint8_t *restrict dst, size_t stride, const uint8_t *restrict mask, int32_t n,
	      int32_t rows, const struct box_consts *kc, bool opaque)
{
	const struct box_consts k = *kc;
	int32_t whole = n & ~7, tail = n - whole;
	const __m256i lanes = first_lanes(tail);
	size_t total = (size_t)n * (size_t)rows;
	int32_t r = 0;
	if (n <= 4) {
		/*
		 * Rows of 4 pixels or fewer two at a time, one in each half of
		 * a step (the lanes are independent, so the same bits): half
		 * the blending of a narrow glyph ('i', 'l', 'j', punctuation
		 * at 16 px). The pair's 8 mask bytes are back to back
		 * but for the last pair, read byte by byte so as not to read
		 * past the mask. An odd last row is the loop's below.
		 */
		const __m128i half = _mm256_castsi256_si128(lanes);
		for (; r + 2 <= rows; r += 2) {
			uint8_t *row = dst + (size_t)r * stride;
			size_t at = (size_t)r * (size_t)n;
			if (r + BOX_ROWS_AHEAD < rows)
				_mm_prefetch((const char *)(row + BOX_ROWS_AHEAD * stride),
					     _MM_HINT_T0);
			for (uintptr_t b = 63; b < BOX_BYTES_RIGHT; b += 64)
				_mm_prefetch((const char *)((uintptr_t)row + 4 * (uintptr_t)n + b),
					     _MM_HINT_T0);
			uint64_t m = 0;
			const uint8_t *t = mask + at;
			if (at + (size_t)n + 4 <= total) {
				uint32_t a, b;
				memcpy(&a, t, 4);
				memcpy(&b, t + n, 4);
				m = a | (uint64_t)b << 32;
			} else {
				for (int32_t i = 0; i < n; i++)
					m |= (uint64_t)t[i] << 8 * i |
					     (uint64_t)t[n + i] << (32 + 8 * i);
			}
			int *p0 = (int *)(void *)row, *p1 = (int *)(void *)(row + stride);
			__m256i d = _mm256_inserti128_si256(
				_mm256_castsi128_si256(_mm_maskload_epi32(p0, half)),
				_mm_maskload_epi32(p1, half), 1);
			__m256i o = box_step(d, _mm256_set1_epi64x((int64_t)m), &k, opaque);
			_mm_maskstore_epi32(p0, half, _mm256_castsi256_si128(o));
			_mm_maskstore_epi32(p1, half, _mm256_extracti128_si256(o, 1));
		}
	}
	if (n > 8 && n <= 12) {
		/*
		 * Rows of 9 to 12 pixels (most of a 16 px glyph's wide rows)
		 * two at a time: each row's first 8 pixels a step, and the two
		 * rows' last 4 one step, a row in each half, as narrow rows
		 * are above: 3 steps for 2 rows, not 4, and no masked load or
		 * store. The last 4 overlap the first 8 below 12 pixels; all
		 * is loaded before anything is stored, so the pixels both
		 * cover get the same values twice. Every mask byte read is
		 * the pair's own.
		 */
		for (; r + 2 <= rows; r += 2) {
			uint8_t *row = dst + (size_t)r * stride, *next = row + stride;
			const uint8_t *mrow = mask + (size_t)r * (size_t)n;
			for (int32_t j = 0; j < 2 && r + j + BOX_ROWS_AHEAD < rows; j++) {
				const char *ahead =
					(const char *)(row + (size_t)(BOX_ROWS_AHEAD + j) * stride);
				_mm_prefetch(ahead, _MM_HINT_T0);
				_mm_prefetch(ahead + 4 * (size_t)n - 1, _MM_HINT_T0);
			}
			for (uintptr_t b = 63; b < BOX_BYTES_RIGHT; b += 64) {
				_mm_prefetch((const char *)((uintptr_t)row + 4 * (uintptr_t)n + b),
					     _MM_HINT_T0);
				_mm_prefetch((const char *)((uintptr_t)next + 4 * (uintptr_t)n + b),
					     _MM_HINT_T0);
			}
			uint8_t *t0 = row + 4 * (n - 4), *t1 = next + 4 * (n - 4);
			__m256i d0 = load256(row), d1 = load256(next);
			__m256i dt = _mm256_inserti128_si256(
				_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(void *)t0)),
				_mm_loadu_si128((const __m128i *)(void *)t1), 1);
			uint32_t lo, hi;
			memcpy(&lo, mrow + n - 4, 4);
			memcpy(&hi, mrow + 2 * n - 4, 4);
			__m256i o0 = box_step(d0, mask_word(mrow), &k, opaque);
			__m256i o1 = box_step(d1, mask_word(mrow + n), &k, opaque);
			__m256i ot = box_step(dt, _mm256_set1_epi64x((int64_t)(lo | (uint64_t)hi << 32)),
					      &k, opaque);
			store256(row, o0);
			store256(next, o1);
			_mm_storeu_si128((__m128i *)(void *)t0, _mm256_castsi256_si128(ot));
			_mm_storeu_si128((__m128i *)(void *)t1, _mm256_extracti128_si256(ot, 1));
		}
	}
	for (; r < rows; r++) {
		uint8_t *row = dst + (size_t)r * stride;
		const uint8_t *mrow = mask + (size_t)r * (size_t)n;
		if (r + BOX_ROWS_AHEAD < rows) {
			const char *ahead = (const char *)(row + BOX_ROWS_AHEAD * stride);
			_mm_prefetch(ahead, _MM_HINT_T0);
			_mm_prefetch(ahead + 4 * (size_t)n - 1, _MM_HINT_T0);
		}
		for (uintptr_t b = 63; b < BOX_BYTES_RIGHT; b += 64)
			_mm_prefetch((const char *)((uintptr_t)row + 4 * (uintptr_t)n + b), _MM_HINT_T0);
		if (tail && whole) {
			/*
			 * The tail as the row's last 8 pixels, loaded before the
			 * steps before it store: the pixels both cover get the same
			 * values twice, and no masked load or store.
			 */
			__m256i last = box_step(load256(row + 4 * (n - 8)), mask_word(mrow + n - 8),
						&k, opaque);
			for (int32_t i = 0; i < whole; i += 8)
				store256(row + 4 * i,
					 box_step(load256(row + 4 * i), mask_word(mrow + i), &k, opaque));
			store256(row + 4 * (n - 8), last);
			continue;
		}
		for (int32_t i = 0; i < whole; i += 8)
			store256(row + 4 * i,
				 box_step(load256(row + 4 * i), mask_word(mrow + i), &k, opaque));
		if (!tail)
			continue;
		__m256i mb;
		const uint8_t *t = mrow + whole;
		if ((size_t)(t - mask) + 8 <= total) {
			mb = mask_word(t);
		} else {
			uint64_t m = 0;
			for (int32_t i = 0; i < tail; i++)
				m |= (uint64_t)t[i] << 8 * i;
			mb = _mm256_set1_epi64x((int64_t)m);
		}
		int *px = (int *)(void *)(row + 4 * whole);
		_mm256_maskstore_epi32(px, lanes,
				       box_step(_mm256_maskload_epi32(px, lanes), mb, &k, opaque));
	}
}

static void over_color_mask_box_onto_xrgb_avx2(uint8_t *restrict dst, size_t stride, uint32_t argb,
					       const uint8_t *restrict mask, int32_t n, int32_t rows)
{
	if (n < 2) {
		over_color_mask_box_onto_xrgb(dst, stride, argb, mask, n, rows);
		return;
	}
	struct box_consts k = box_consts(argb);
	if (argb >> 24 == 255) {
		pin_box_consts(&k, true);
		mask_box_rows(dst, stride, mask, n, rows, &k, true);
	} else {
		pin_box_consts(&k, false);
		mask_box_rows(dst, stride, mask, n, rows, &k, false);
	}
}

/*
 * A line's small glyphs: the box kernel's rows for each box, the
 * colour's constants built and pinned once for them all rather than once
 * a glyph, and one call for the line.
 */
static inline __attribute__((always_inline)) void
mask_boxes(size_t stride, uint32_t argb, const struct fbk_mask_box *boxes, size_t count,
	   bool opaque)
{
	struct box_consts k = box_consts(argb);
	pin_box_consts(&k, opaque);
	for (size_t i = 0; i < count; i++) {
		const struct fbk_mask_box *b = &boxes[i];
		if (b->n < 2) /* one column: the set-up was not what it costs */
			over_color_mask_boxes_onto_xrgb(stride, argb, b, 1);
		else
			mask_box_rows(b->dst, stride, b->mask, b->n, b->rows, &k, opaque);
	}
}

static void over_color_mask_boxes_onto_xrgb_avx2(size_t stride, uint32_t argb,
						 const struct fbk_mask_box *boxes, size_t count)
{
	if (argb >> 24 == 255)
		mask_boxes(stride, argb, boxes, count, true);
	else
		mask_boxes(stride, argb, boxes, count, false);
}

/*
 * The colour's constants of over_color_8px per lane: lane 0 at alpha
 * a_left, lane `right` at a_right, the others at the colour's own alpha
 * (right may be 0 or past 7: no lane then). A step with them blends a
 * row's edge pixel and the run beside it at once.
 */
static inline struct color_consts edge_consts(uint32_t argb, uint32_t a_left, int right,
					      uint32_t a_right)
{
	uint32_t words[4][8];
	for (int i = 0; i < 8; i++) {
		uint32_t a = i == right ? a_right : i == 0 ? a_left : argb >> 24, keep = 255 - a;
		uint32_t b = argb & 0xff, g = argb >> 8 & 0xff, r = argb >> 16 & 0xff;
		words[0][i] = keep | keep << 16;
		words[1][i] = keep << 8;
		words[2][i] = (keep * 128 + b * a + 128) | (keep * 128 + r * a + 128) << 16;
		words[3][i] = (keep * 128 + g * a + 128) | 128u << 16;
	}
	return (struct color_consts){
		.w_even = _mm256_loadu_si256((const __m256i *)(const void *)words[0]),
		.w_odd = _mm256_loadu_si256((const __m256i *)(const void *)words[1]),
		.c_even = _mm256_loadu_si256((const __m256i *)(const void *)words[2]),
		.c_odd = _mm256_loadu_si256((const __m256i *)(const void *)words[3]),
	};
}

/*
 * Rows of an edge pixel, a run and an edge pixel (see rows_template.c):
 * each row's first 8 pixels are one step with the left edge's alpha in
 * lane 0, its last 8 one step with the right edge's in lane 7, and the
 * run between whole steps with the colour's; the last 8 are loaded
 * before the steps they overlap store, so the pixels both cover get the
 * same values twice, and no lane is masked. Rows of 4 to 7 pixels are
 * one masked step with both edges' lanes. The constants (three sets)
 * are built once a call, not once a row as three row-kernel calls would.
 */
static void over_color_edges_box_onto_xrgb_avx2(uint8_t *restrict dst, size_t stride,
						uint32_t argb, uint8_t cover_left, int32_t n,
						uint8_t cover_right, int32_t rows)
{
	uint32_t a = argb >> 24;
	uint32_t a_left = fbk_div255(a * cover_left), a_right = fbk_div255(a * cover_right);
	int32_t total = n + 2;
	if (total < 4) { /* a pixel or two between the edges: the set-up would cost more */
		over_color_edges_box_onto_xrgb(dst, stride, argb, cover_left, n, cover_right, rows);
		return;
	}
	if (total <= 8) {
		const struct color_consts kb = edge_consts(argb, a_left, total - 1, a_right);
		const __m256i lanes = first_lanes(total);
		for (int32_t r = 0; r < rows; r++) {
			uint8_t *row = dst + (size_t)r * stride;
			if (total == 8) {
				store256(row, over_color_8px(load256(row), &kb));
				continue;
			}
			int *at = (int *)(void *)row;
			_mm256_maskstore_epi32(at, lanes,
					       over_color_8px(_mm256_maskload_epi32(at, lanes), &kb));
		}
		return;
	}
	const struct color_consts kl = edge_consts(argb, a_left, 8, a),
				  kr = edge_consts(argb, a, 7, a_right), k = color_consts(argb);
	size_t last = 4 * ((size_t)total - 8);
	for (int32_t r = 0; r < rows; r++) {
		uint8_t *row = dst + (size_t)r * stride;
		__m256i first = over_color_8px(load256(row), &kl);
		__m256i end = over_color_8px(load256(row + last), &kr);
		for (int32_t i = 8; i < total - 8; i += 8)
			store256(row + 4 * i, over_color_8px(load256(row + 4 * i), &k));
		store256(row, first);
		store256(row + last, end);
	}
}

/* Tails of RGB565 rows this long or longer are blended as one step on a copy of them. */
#define TAIL_565 4

static void over_color_onto_rgb565_avx2(uint8_t *restrict dst, uint32_t argb, int32_t n)
{
	const __m256i r = _mm256_set1_epi16((short)(argb >> 16 & 0xff));
	const __m256i g = _mm256_set1_epi16((short)(argb >> 8 & 0xff));
	const __m256i b = _mm256_set1_epi16((short)(argb & 0xff));
	const __m256i a = _mm256_set1_epi16((short)(argb >> 24));
	int32_t i = 0;
	if (n > 16 && n % 16) {
		/*
		 * The last 16 pixels are one more step, loaded before the steps
		 * they overlap store, so the pixels both hold get the same
		 * value twice: a 33 px run's last pixel was the scalar loop
		 */
		__m256i last = over_565_16px(load256(dst + 2 * (n - 16)), r, g, b, a);
		for (; i + 16 <= n; i += 16)
			store256(dst + 2 * i, over_565_16px(load256(dst + 2 * i), r, g, b, a));
		store256(dst + 2 * (n - 16), last);
		return;
	}
	for (; i + 16 <= n; i += 16)
		store256(dst + 2 * i, over_565_16px(load256(dst + 2 * i), r, g, b, a));
	if (n - i >= TAIL_565) {
		/* the last few pixels as one step on a copy: a shape's run leaves up to 15 */
		uint8_t tail[32];
		memcpy(tail, dst + 2 * i, 2 * (size_t)(n - i));
		store256(tail, over_565_16px(load256(tail), r, g, b, a));
		memcpy(dst + 2 * i, tail, 2 * (size_t)(n - i));
		return;
	}
	over_color_onto_rgb565(dst + 2 * i, argb, n - i);
}

/* 16 pixels from dst through their 16 mask bytes. */
static inline __m256i over_mask_565_16px(const uint8_t *dst, const uint8_t *mask, __m256i r,
					 __m256i g, __m256i b, __m256i alpha)
{
	__m256i m = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)mask));
	__m256i a = div255_16(_mm256_mullo_epi16(m, alpha));
	return over_565_16px(load256(dst), r, g, b, a);
}

/* A row of more than 16 pixels: its last 16 one more step, as over_color_onto_rgb565_avx2's. */
static inline void over_mask_565_row(uint8_t *restrict dst, const uint8_t *restrict mask,
				     int32_t n, __m256i r, __m256i g, __m256i b, __m256i alpha)
{
	__m256i last = over_mask_565_16px(dst + 2 * (n - 16), mask + n - 16, r, g, b, alpha);
	for (int32_t i = 0; i + 16 <= n; i += 16)
		store256(dst + 2 * i, over_mask_565_16px(dst + 2 * i, mask + i, r, g, b, alpha));
	store256(dst + 2 * (n - 16), last);
}

static void over_color_mask_onto_rgb565_avx2(uint8_t *restrict dst, uint32_t argb,
					     const uint8_t *restrict mask, int32_t n)
{
	const __m256i r = _mm256_set1_epi16((short)(argb >> 16 & 0xff));
	const __m256i g = _mm256_set1_epi16((short)(argb >> 8 & 0xff));
	const __m256i b = _mm256_set1_epi16((short)(argb & 0xff));
	const __m256i alpha = _mm256_set1_epi16((short)(argb >> 24));
	if (n > 16 && n % 16) {
		over_mask_565_row(dst, mask, n, r, g, b, alpha);
		return;
	}
	int32_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m256i m = _mm256_cvtepu8_epi16(
			_mm_loadu_si128((const __m128i *)(const void *)(mask + i)));
		__m256i a = div255_16(_mm256_mullo_epi16(m, alpha));
		store256(dst + 2 * i, over_565_16px(load256(dst + 2 * i), r, g, b, a));
	}
	if (n - i >= TAIL_565) {
		uint8_t tail[32], tail_mask[16] = { 0 };
		memcpy(tail, dst + 2 * i, 2 * (size_t)(n - i));
		memcpy(tail_mask, mask + i, (size_t)(n - i));
		__m256i m = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)tail_mask));
		__m256i a = div255_16(_mm256_mullo_epi16(m, alpha));
		store256(tail, over_565_16px(load256(tail), r, g, b, a));
		memcpy(dst + 2 * i, tail, 2 * (size_t)(n - i));
		return;
	}
	over_color_mask_onto_rgb565(dst + 2 * i, argb, mask + i, n - i);
}

/*
 * RGB565's row kernel works 16 pixels a step (longer rows end with an
 * overlapping one, over_mask_565_row). Rows of 8 to 15 pixels (small
 * shapes, 8 px rectangles and circles) are one step each: their first 8
 * pixels in the low half, their last 8 in the high half, both loaded
 * before either is stored, so the pixels both halves hold get the same
 * value twice and nothing past the row is touched; narrower rows are the
 * template's box.
 */
static void over_color_mask_box_onto_rgb565_avx2(uint8_t *restrict dst, size_t stride,
						 uint32_t argb, const uint8_t *restrict mask,
						 int32_t n, int32_t rows)
{
	if (n < 8) {
		over_color_mask_box_onto_rgb565(dst, stride, argb, mask, n, rows);
		return;
	}
	if (n < 16) {
		const __m256i r = _mm256_set1_epi16((short)(argb >> 16 & 0xff));
		const __m256i g = _mm256_set1_epi16((short)(argb >> 8 & 0xff));
		const __m256i b = _mm256_set1_epi16((short)(argb & 0xff));
		const __m256i alpha = _mm256_set1_epi16((short)(argb >> 24));
		size_t last = 2 * ((size_t)n - 8);
		for (int32_t y = 0; y < rows; y++) {
			uint8_t *row = dst + (size_t)y * stride;
			const uint8_t *m = mask + (size_t)y * (size_t)n;
			__m256i d = _mm256_inserti128_si256(
				_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(void *)row)),
				_mm_loadu_si128((const __m128i *)(void *)(row + last)), 1);
			__m128i mb = _mm_unpacklo_epi64(
				_mm_loadl_epi64((const __m128i *)(const void *)m),
				_mm_loadl_epi64((const __m128i *)(const void *)(m + n - 8)));
			__m256i a = div255_16(_mm256_mullo_epi16(_mm256_cvtepu8_epi16(mb), alpha));
			__m256i out = over_565_16px(d, r, g, b, a);
			_mm_storeu_si128((__m128i *)(void *)(row + last), _mm256_extracti128_si256(out, 1));
			_mm_storeu_si128((__m128i *)(void *)row, _mm256_castsi256_si128(out));
		}
		return;
	}
	if (n % 16 == 0) {
		for (int32_t y = 0; y < rows; y++)
			over_color_mask_onto_rgb565_avx2(dst + (size_t)y * stride, argb,
							  mask + (size_t)y * (size_t)n, n);
		return;
	}
	/* the colour's registers once a box, not once a row */
	const __m256i r = _mm256_set1_epi16((short)(argb >> 16 & 0xff));
	const __m256i g = _mm256_set1_epi16((short)(argb >> 8 & 0xff));
	const __m256i b = _mm256_set1_epi16((short)(argb & 0xff));
	const __m256i alpha = _mm256_set1_epi16((short)(argb >> 24));
	for (int32_t y = 0; y < rows; y++)
		over_mask_565_row(dst + (size_t)y * stride, mask + (size_t)y * (size_t)n, n, r, g, b,
				  alpha);
}

static inline void convert_16px_to_565(uint8_t *dst, const uint8_t *src, __m256i rb_weights)
{
	store256(dst, to_565_16px(load256(src), load256(src + 32), rb_weights));
}

/*
 * Stores that straddle cache lines cost a quarter more, so after one step
 * at the start the loop moves to where dst is 32-byte aligned (when its
 * pixels are 2-byte aligned at all), and the last pixels are one more step
 * ending at n. Both overlap pixels already written, with the same values:
 * src and dst never share memory, so any pixel may be redone. The loop is
 * bound by memory, not arithmetic, on whole frames (blit hands over rows
 * that touch as one), hence the prefetch.
 */
static void convert_8888_to_565_avx2(uint8_t *restrict dst, const uint8_t *restrict src, int32_t n,
				     bool swap)
{
	if (n < 16) {
		convert_8888_to_565(dst, src, n, swap);
		return;
	}
	/* madd weights per pixel: blue's lane then red's, or the other way round */
	const __m256i rb_weights = _mm256_set1_epi32(swap ? 2048 | 1 << 16 : 1 | 2048 << 16);
	int32_t i = 0;
	uint32_t misaligned = (uint32_t)((uintptr_t)dst & 31);
	if (misaligned && misaligned % 2 == 0) {
		convert_16px_to_565(dst, src, rb_weights);
		i = (int32_t)(32 - misaligned) / 2;
	}
	for (; i + 16 <= n; i += 16) {
		prefetch_ahead(src, NULL, 0, i, n);
		convert_16px_to_565(dst + 2 * i, src + 4 * i, rb_weights);
	}
	if (i < n)
		convert_16px_to_565(dst + 2 * (n - 16), src + 4 * (n - 16), rb_weights);
}

/*
 * The bilinear horizontal step (rows_template.c's bilinear_h) eight
 * output columns at a time: the two source pixels of each come in by
 * gathers, which gcc does not use for the template's indexed loads.
 * Weights are below 2^16 and channels below 2^8, so 32-bit products are
 * exact, as in the template; the tail goes to the template.
 */
static uint32_t bilinear_h_avx2(uint32_t *restrict planes, size_t stride,
				const uint32_t *restrict src, const int32_t *restrict i0,
				const int32_t *restrict i1, const uint32_t *restrict w0,
				uint32_t total, int32_t n)
{
	const __m256i bytes = _mm256_set1_epi32(0xff), tot = _mm256_set1_epi32((int)total);
	const __m256i zero = _mm256_setzero_si256();
	__m256i all = _mm256_set1_epi32(-1);
	int32_t j = 0;
	for (; j + 8 <= n; j += 8) {
		__m256i p = _mm256_i32gather_epi32((const int *)(const void *)src,
						   load256((const uint8_t *)(i0 + j)), 4);
		__m256i q = _mm256_i32gather_epi32((const int *)(const void *)src,
						   load256((const uint8_t *)(i1 + j)), 4);
		all = _mm256_and_si256(all, _mm256_and_si256(p, q));
		/* clear pixels count as 0x00000000 */
		p = _mm256_andnot_si256(_mm256_cmpeq_epi32(_mm256_srli_epi32(p, 24), zero), p);
		q = _mm256_andnot_si256(_mm256_cmpeq_epi32(_mm256_srli_epi32(q, 24), zero), q);
		__m256i wp = load256((const uint8_t *)(w0 + j)), wq = _mm256_sub_epi32(tot, wp);
		for (int c = 0; c < 3; c++) {
			__m256i cp = _mm256_and_si256(p, bytes), cq = _mm256_and_si256(q, bytes);
			__m256i sum = _mm256_add_epi32(_mm256_mullo_epi32(cp, wp),
						       _mm256_mullo_epi32(cq, wq));
			store256((uint8_t *)(planes + (size_t)c * stride + (size_t)j), sum);
			p = _mm256_srli_epi32(p, 8);
			q = _mm256_srli_epi32(q, 8);
		}
	}
	uint32_t lanes[8];
	store256((uint8_t *)lanes, all);
	uint32_t folded = lanes[0] & lanes[1] & lanes[2] & lanes[3] & lanes[4] & lanes[5] &
			  lanes[6] & lanes[7];
	if (j < n)
		folded &= bilinear_h(planes + j, stride, src, i0 + j, i1 + j, w0 + j, total, n - j);
	return folded;
}

/*
 * rows_template.c's box_add eight pixels at a time: the weight in every
 * 16-bit lane, one vpmullw per two channels; the tail goes to the template.
 */
static uint32_t box_add_avx2(uint32_t *restrict m, uint32_t *restrict n,
			     const uint32_t *restrict src, int32_t len, uint32_t w, bool first)
{
	const __m256i lanes = _mm256_set1_epi32((int)BOX_LANES), wv = _mm256_set1_epi16((short)w);
	__m256i all = _mm256_set1_epi32(-1);
	int32_t i = 0;
	for (; i + 8 <= len; i += 8) {
		__m256i px = load256((const uint8_t *)(src + i));
		all = _mm256_and_si256(all, px);
		__m256i bm = _mm256_mullo_epi16(_mm256_and_si256(px, lanes), wv);
		__m256i bn = _mm256_mullo_epi16(_mm256_and_si256(_mm256_srli_epi32(px, 8), lanes), wv);
		if (!first) {
			bm = _mm256_add_epi32(bm, load256((const uint8_t *)(m + i)));
			bn = _mm256_add_epi32(bn, load256((const uint8_t *)(n + i)));
		}
		store256((uint8_t *)(m + i), bm);
		store256((uint8_t *)(n + i), bn);
	}
	uint32_t lanes8[8];
	store256((uint8_t *)lanes8, all);
	uint32_t folded = lanes8[0] & lanes8[1] & lanes8[2] & lanes8[3] & lanes8[4] & lanes8[5] &
			  lanes8[6] & lanes8[7];
	if (i < len)
		folded &= box_add(m + i, n + i, src + i, len - i, w, first);
	return folded;
}

/* Tap k's weights of the eight columns from j on, in both 16-bit halves. */
static inline __m256i box_weights_8px(const uint16_t *restrict wt, int32_t k, int32_t count,
				      int32_t j)
{
	__m256i wk = _mm256_cvtepu16_epi32(_mm_loadu_si128(
		(const __m128i *)(const void *)(wt + (size_t)k * (size_t)count + (size_t)j)));
	return _mm256_or_si256(wk, _mm256_slli_epi32(wk, 16));
}

/* The lane sums sm, sn of eight columns rounded into eight opaque pixels at out. */
static inline void box_finish_8px(uint32_t *restrict out, __m256i sm, __m256i sn, __m256 inv)
{
	const __m256i low = _mm256_set1_epi32(0xffff);
	const __m256 half = _mm256_set1_ps(0.5f + 0x1p-14f);
	__m256i c[3] = { _mm256_and_si256(sm, low), _mm256_and_si256(sn, low),
			 _mm256_srli_epi32(sm, 16) };
	__m256i px = _mm256_set1_epi32((int)0xff000000u);
	for (int k = 0; k < 3; k++) {
		__m256 f = _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(c[k]), inv), half);
		px = _mm256_or_si256(px, _mm256_slli_epi32(_mm256_cvttps_epi32(f), 8 * k));
	}
	store256((uint8_t *)out, px);
}

/* box_h_avx2's eight columns from j on, their taps gathered. */
static inline void box_h_8px(uint32_t *restrict out, const uint32_t *restrict m,
			     const uint32_t *restrict n, const int32_t *restrict start,
			     const uint16_t *restrict wt, int32_t taps, int32_t count, int32_t j,
			     __m256 inv)
{
	const __m256i one = _mm256_set1_epi32(1);
	__m256i idx = load256((const uint8_t *)(start + j));
	__m256i sm = _mm256_setzero_si256(), sn = _mm256_setzero_si256();
	for (int32_t k = 0; k < taps; k++) {
		__m256i gm = _mm256_i32gather_epi32((const int *)(const void *)m, idx, 4);
		__m256i gn = _mm256_i32gather_epi32((const int *)(const void *)n, idx, 4);
		__m256i wk = box_weights_8px(wt, k, count, j);
		sm = _mm256_add_epi16(sm, _mm256_mullo_epi16(gm, wk));
		sn = _mm256_add_epi16(sn, _mm256_mullo_epi16(gn, wk));
		idx = _mm256_add_epi32(idx, one);
	}
	box_finish_8px(out + j, sm, sn, inv);
}

/*
 * The same when every tap of the eight columns lies in the 16 words from
 * m[base] on (rel: their starts less base, at most 16 - taps): two loads
 * of each array, and each tap's words picked by vpermd from the low or
 * the high eight (shrinking by up to about 2:1, each column's taps follow
 * the last's). Gathers cost several times as much.
 */
static inline void box_h_8px_near(uint32_t *restrict out, const uint32_t *restrict m,
				  const uint32_t *restrict n, int32_t base, __m256i rel,
				  const uint16_t *restrict wt, int32_t taps, int32_t count,
				  int32_t j, __m256 inv)
{
	const __m256i one = _mm256_set1_epi32(1), seven = _mm256_set1_epi32(7);
	__m256i m0 = load256((const uint8_t *)(m + base));
	__m256i m1 = load256((const uint8_t *)(m + base + 8));
	__m256i n0 = load256((const uint8_t *)(n + base));
	__m256i n1 = load256((const uint8_t *)(n + base + 8));
	__m256i sm = _mm256_setzero_si256(), sn = _mm256_setzero_si256();
	for (int32_t k = 0; k < taps; k++) {
		__m256i high = _mm256_cmpgt_epi32(rel, seven);
		__m256i gm = _mm256_blendv_epi8(_mm256_permutevar8x32_epi32(m0, rel),
						_mm256_permutevar8x32_epi32(m1, rel), high);
		__m256i gn = _mm256_blendv_epi8(_mm256_permutevar8x32_epi32(n0, rel),
						_mm256_permutevar8x32_epi32(n1, rel), high);
		__m256i wk = box_weights_8px(wt, k, count, j);
		sm = _mm256_add_epi16(sm, _mm256_mullo_epi16(gm, wk));
		sn = _mm256_add_epi16(sn, _mm256_mullo_epi16(gn, wk));
		rel = _mm256_add_epi32(rel, one);
	}
	box_finish_8px(out + j, sm, sn, inv);
}

/* The largest start[j] + taps: every word below it is one box_h may read. */
static int32_t box_read_end(const int32_t *restrict start, int32_t taps, int32_t count)
{
	__m256i top = _mm256_setzero_si256();
	int32_t j = 0;
	for (; j + 8 <= count; j += 8)
		top = _mm256_max_epi32(top, load256((const uint8_t *)(start + j)));
	int32_t lanes[8], end = 0;
	store256((uint8_t *)lanes, top);
	for (int i = 0; i < 8; i++)
		end = lanes[i] > end ? lanes[i] : end;
	for (; j < count; j++)
		end = start[j] > end ? start[j] : end;
	return end + taps;
}

/* The eight columns from j on, by the near path where it applies. */
static inline void box_h_block(uint32_t *restrict out, const uint32_t *restrict m,
			       const uint32_t *restrict n, const int32_t *restrict start,
			       const uint16_t *restrict wt, int32_t taps, int32_t count, int32_t j,
			       int32_t read_end, __m256 inv)
{
	int32_t base = start[j];
	__m256i rel = _mm256_sub_epi32(load256((const uint8_t *)(start + j)),
				       _mm256_set1_epi32(base));
	/* every rel in [0, 16 - taps], as unsigned: below 17 - taps */
	__m256i over = _mm256_cmpeq_epi32(
		_mm256_max_epu32(rel, _mm256_set1_epi32(16 - taps)), _mm256_set1_epi32(16 - taps));
	if (taps <= 16 && base + 16 <= read_end && _mm256_movemask_epi8(over) == -1)
		box_h_8px_near(out, m, n, base, rel, wt, taps, count, j, inv);
	else
		box_h_8px(out, m, n, start, wt, taps, count, j, inv);
}

/*
 * The box horizontal step (rows_template.c's box_h) eight output columns
 * at a time: tap k of each column comes in by gathers from m and n, and
 * its weight fills both 16-bit halves so one vpmullw serves two channels
 * (lane sums stay below 2^16, as in the template). Eight table lookups
 * would cost more than dividing in float: with s below 2^16 and total at
 * most 257, bilinear_v's argument for small totals holds, so truncating
 * s * (1 / total) + 1/2 + 2^-14 gives round(s / total) exactly, the
 * template's table value. A tail is done again as the last eight columns.
 */
static void box_h_avx2(uint32_t *restrict out, const uint32_t *restrict m,
		       const uint32_t *restrict n, const int32_t *restrict start,
		       const uint16_t *restrict wt, int32_t taps, uint32_t total,
		       const uint8_t *restrict average, int32_t count)
{
	if (count < 8) {
		box_h(out, m, n, start, wt, taps, total, average, count);
		return;
	}
	const __m256 inv = _mm256_set1_ps(1.0f / (float)total);
	int32_t read_end = box_read_end(start, taps, count);
	int32_t j = 0;
	for (; j + 8 <= count; j += 8)
		box_h_block(out, m, n, start, wt, taps, count, j, read_end, inv);
	if (j < count)
		box_h_block(out, m, n, start, wt, taps, count, count - 8, read_end, inv);
}

static const struct fbk_row_ops avx2_ops = {
	.name = "avx2",
	.codecs = ROW_CODECS,
	.over_opaque_dst = over_opaque_dst,
	.over_color_opaque_dst = over_color_opaque_dst,
	.over_color_mask_opaque_dst = over_color_mask_opaque_dst,
	.over_argb_onto_xrgb = over_argb_onto_xrgb_avx2,
	.over_argb_onto_rgb565 = over_argb_onto_rgb565_avx2,
	.over_color_onto_xrgb = over_color_onto_xrgb_avx2,
	.over_color_mask_onto_xrgb = over_color_mask_onto_xrgb_avx2,
	.over_color_onto_rgb565 = over_color_onto_rgb565_avx2,
	.over_color_mask_onto_rgb565 = over_color_mask_onto_rgb565_avx2,
	.over_color_mask_box_onto_xrgb = over_color_mask_box_onto_xrgb_avx2,
	.over_color_mask_box_onto_rgb565 = over_color_mask_box_onto_rgb565_avx2,
	.over_color_mask_boxes_onto_xrgb = over_color_mask_boxes_onto_xrgb_avx2,
	.over_color_edges_box_onto_xrgb = over_color_edges_box_onto_xrgb_avx2,
	.convert_8888 = convert_8888,
	.convert_8888_to_565 = convert_8888_to_565_avx2,
	.convert_1555 = convert_1555,
	.fill_row = fill_row_any,
	.fill_rect = fill_rect_any,
	.bilinear_h = bilinear_h_avx2,
	.bilinear_v = bilinear_v,
	.box_add = box_add_avx2,
	.box_h = box_h_avx2,
};

const struct fbk_row_ops *fbk_row_ops_avx2(void)
{
	return &avx2_ops;
}
#else
const struct fbk_row_ops *fbk_row_ops_avx2(void)
{
	return NULL;
}
#endif
