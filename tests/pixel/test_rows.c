/*
 * Every row-kernel level this machine runs (the vector level, and AVX2
 * when the CPU has it) against the portable level, kernel by kernel, on
 * the same fixed-seed random rows: lengths from 0 past several vector
 * widths (so loop bodies and every tail length run), unaligned starts,
 * every opacity class, and alpha mixes with clear and opaque pixels;
 * then every 24-bit colour through the kernels that narrow to RGB565.
 * The primitive tests (test_fill, test_blit, ...) also run once per level
 * through FBKIT_SIMD; this test reaches each kernel directly.
 */
#include "harness.h"
#include "pixel/pixel_ops.h"

enum { MAX_N = 300, PAD = 64 };

static uint8_t in_a[(MAX_N + PAD) * 4];
static uint8_t out_a[(MAX_N + PAD) * 4], out_b[(MAX_N + PAD) * 4];
static uint32_t row_a[MAX_N + PAD], row_b[MAX_N + PAD];

static void store32_le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static void random_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rng_next();
}

/* Alpha bytes (every 4th byte from 3) as the UI mix: clear, opaque, or partial. */
static void mix_alpha(uint8_t *p, int32_t n)
{
	for (int32_t i = 0; i < n; i++) {
		uint32_t r = (uint32_t)(rng_next() % 5);
		if (r < 2)
			p[4 * i + 3] = r ? 255 : 0;
	}
}

static uint8_t random_opacity(void)
{
	switch (rng_next() % 3) {
	case 0: return 255;
	case 1: return (uint8_t)rng_next();
	default: return 0;
	}
}

static void compare_codecs(const struct fbk_row_ops *ref, const struct fbk_row_ops *ops,
			   int32_t n, size_t off)
{
	for (int f = 0; f < FBK_FORMAT_COUNT; f++) {
		random_bytes(in_a, sizeof(in_a));
		ref->codecs[f].unpack(row_a, in_a + off, n);
		ops->codecs[f].unpack(row_b, in_a + off, n);
		CHECK(!memcmp(row_a, row_b, (size_t)n * 4), "%s unpack %s n %d off %zu",
		      ops->name, fbk_format_at((size_t)f)->name, (int)n, off);
		memset(out_a, 0x5a, sizeof(out_a));
		memset(out_b, 0x5a, sizeof(out_b));
		ref->codecs[f].pack(out_a + off, row_a, n);
		ops->codecs[f].pack(out_b + off, row_a, n);
		CHECK(!memcmp(out_a, out_b, sizeof(out_a)), "%s pack %s n %d off %zu", ops->name,
		      fbk_format_at((size_t)f)->name, (int)n, off);
	}
}

static void compare_over(const struct fbk_row_ops *ref, const struct fbk_row_ops *ops, int32_t n,
			 size_t off)
{
	uint8_t opacity = random_opacity();
	random_bytes(in_a, sizeof(in_a));
	mix_alpha(in_a + off, n);
	random_bytes(out_a, sizeof(out_a));
	memcpy(out_b, out_a, sizeof(out_a));
	/* 0xAARRGGBB rows */
	memcpy(row_a, out_a, sizeof(row_a));
	memcpy(row_b, out_a, sizeof(row_b));
	uint32_t src[MAX_N];
	memcpy(src, in_a + off, (size_t)n * 4);
	ref->over_opaque_dst(row_a, src, n, opacity);
	ops->over_opaque_dst(row_b, src, n, opacity);
	CHECK(!memcmp(row_a, row_b, sizeof(row_a)), "%s over row n %d opacity %d", ops->name, (int)n,
	      opacity);
	uint32_t color = (uint32_t)rng_next();
	ref->over_color_opaque_dst(row_a, color, n);
	ops->over_color_opaque_dst(row_b, color, n);
	CHECK(!memcmp(row_a, row_b, sizeof(row_a)), "%s over colour n %d", ops->name, (int)n);
	uint8_t mask[MAX_N];
	for (int32_t i = 0; i < n; i++) {
		uint32_t r = (uint32_t)rng_next();
		mask[i] = (uint8_t)(r % 3 == 0 ? 0 : r % 3 == 1 ? 255 : r >> 8);
	}
	color = (uint32_t)rng_next();
	ref->over_color_mask_opaque_dst(row_a, color, mask, n);
	ops->over_color_mask_opaque_dst(row_b, color, mask, n);
	CHECK(!memcmp(row_a, row_b, sizeof(row_a)), "%s over colour through a mask n %d", ops->name,
	      (int)n);
	/* stored rows, in place */
	ref->over_argb_onto_xrgb(out_a + off, in_a + off, n, opacity);
	ops->over_argb_onto_xrgb(out_b + off, in_a + off, n, opacity);
	CHECK(!memcmp(out_a, out_b, sizeof(out_a)), "%s ARGB onto XRGB n %d off %zu opacity %d",
	      ops->name, (int)n, off, opacity);
	ref->over_argb_onto_rgb565(out_a + off, in_a + off, n, opacity);
	ops->over_argb_onto_rgb565(out_b + off, in_a + off, n, opacity);
	CHECK(!memcmp(out_a, out_b, sizeof(out_a)), "%s ARGB onto RGB565 n %d off %zu opacity %d",
	      ops->name, (int)n, off, opacity);
	/* one colour onto stored rows, plain and through the mask */
	color = (uint32_t)rng_next();
	ref->over_color_onto_xrgb(out_a + off, color, n);
	ops->over_color_onto_xrgb(out_b + off, color, n);
	CHECK(!memcmp(out_a, out_b, sizeof(out_a)), "%s colour onto XRGB n %d off %zu", ops->name,
	      (int)n, off);
	ref->over_color_mask_onto_xrgb(out_a + off, color, mask, n);
	ops->over_color_mask_onto_xrgb(out_b + off, color, mask, n);
	CHECK(!memcmp(out_a, out_b, sizeof(out_a)), "%s colour through a mask onto XRGB n %d off %zu",
	      ops->name, (int)n, off);
	ref->over_color_onto_rgb565(out_a + off, color, n);
	ops->over_color_onto_rgb565(out_b + off, color, n);
	CHECK(!memcmp(out_a, out_b, sizeof(out_a)), "%s colour onto RGB565 n %d off %zu", ops->name,
	      (int)n, off);
	ref->over_color_mask_onto_rgb565(out_a + off, color, mask, n);
	ops->over_color_mask_onto_rgb565(out_b + off, color, mask, n);
	CHECK(!memcmp(out_a, out_b, sizeof(out_a)),
	      "%s colour through a mask onto RGB565 n %d off %zu", ops->name, (int)n, off);
}

/*
 * The stored-row colour kernels of the portable level against the
 * definition they stand for: unpack, the 0xAARRGGBB kernel, pack.
 */
static void check_stored_colour_kernels(void)
{
	const struct fbk_row_ops *ref = fbk_row_ops_portable();
	const struct fbk_row_codec *codecs[2] = { &ref->codecs[FBK_FORMAT_ID_XRGB8888],
						  &ref->codecs[FBK_FORMAT_ID_RGB565] };
	rng_seed(12);
	for (int round = 0; round < 500; round++) {
		int32_t n = rng_range(0, MAX_N);
		uint8_t mask[MAX_N];
		for (int32_t i = 0; i < n; i++)
			mask[i] = (uint8_t)rng_next();
		uint32_t color = (uint32_t)rng_next();
		for (int f = 0; f < 2; f++) {
			for (int masked = 0; masked < 2; masked++) {
				random_bytes(out_a, sizeof(out_a));
				memcpy(out_b, out_a, sizeof(out_a));
				codecs[f]->unpack(row_a, out_a, n);
				if (masked)
					ref->over_color_mask_opaque_dst(row_a, color, mask, n);
				else
					ref->over_color_opaque_dst(row_a, color, n);
				codecs[f]->pack(out_a, row_a, n);
				if (f == 0 && masked)
					ref->over_color_mask_onto_xrgb(out_b, color, mask, n);
				else if (f == 0)
					ref->over_color_onto_xrgb(out_b, color, n);
				else if (masked)
					ref->over_color_mask_onto_rgb565(out_b, color, mask, n);
				else
					ref->over_color_onto_rgb565(out_b, color, n);
				CHECK(!memcmp(out_a, out_b, sizeof(out_a)),
				      "portable stored colour kernel %s masked %d n %d against "
				      "unpack, blend, pack",
				      f ? "RGB565" : "XRGB8888", masked, (int)n);
			}
		}
	}
}

static void compare_convert_fill(const struct fbk_row_ops *ref, const struct fbk_row_ops *ops,
				 int32_t n, size_t off)
{
	random_bytes(in_a, sizeof(in_a));
	bool swap = rng_next() % 2;
	uint32_t set = rng_next() % 2 ? 0xff000000u : 0, keep = rng_next() % 2 ? ~0u : 0x00ffffffu;
	memset(out_a, 0x5a, sizeof(out_a));
	memset(out_b, 0x5a, sizeof(out_b));
	ref->convert_8888(out_a + off, in_a + off, n, swap, set, keep);
	ops->convert_8888(out_b + off, in_a + off, n, swap, set, keep);
	CHECK(!memcmp(out_a, out_b, sizeof(out_a)), "%s convert 8888 n %d", ops->name, (int)n);
	uint32_t set_16 = rng_next() % 2 ? 0x8000u : 0, keep_16 = rng_next() % 2 ? ~0u : ~0x8000u;
	ref->convert_1555(out_a + off, in_a + off, n, set_16, keep_16);
	ops->convert_1555(out_b + off, in_a + off, n, set_16, keep_16);
	CHECK(!memcmp(out_a, out_b, sizeof(out_a)), "%s convert 1555 n %d off %zu", ops->name,
	      (int)n, off);
	for (int swap_565 = 0; swap_565 < 2; swap_565++) {
		ref->convert_8888_to_565(out_a + off, in_a + off, n, swap_565);
		ops->convert_8888_to_565(out_b + off, in_a + off, n, swap_565);
		CHECK(!memcmp(out_a, out_b, sizeof(out_a)), "%s convert to 565 n %d off %zu swap %d",
		      ops->name, (int)n, off, swap_565);
	}
	uint32_t packed = (uint32_t)rng_next();
	for (int bpp = 2; bpp <= 4; bpp++) {
		ref->fill_row(out_a + off, packed, bpp, n);
		ops->fill_row(out_b + off, packed, bpp, n);
		CHECK(!memcmp(out_a, out_b, sizeof(out_a)), "%s fill row bpp %d n %d", ops->name, bpp,
		      (int)n);
		int32_t w = n / 4, h = 4;
		size_t stride = (size_t)w * (size_t)bpp + (size_t)(rng_next() % 5);
		if (stride * (size_t)h + off <= sizeof(out_a)) {
			ref->fill_rect(out_a + off, stride, packed, bpp, w, h);
			ops->fill_rect(out_b + off, stride, packed, bpp, w, h);
			CHECK(!memcmp(out_a, out_b, sizeof(out_a)), "%s fill rect bpp %d %dx%d",
			      ops->name, bpp, (int)w, (int)h);
		}
	}
}

/*
 * Every 24-bit colour (with random alpha bytes) through both kernels that
 * narrow to RGB565: the vector levels use multiplier constants of their
 * own for narrow5/narrow6, so each channel value must be seen in every
 * channel. OVER with opaque pixels at full opacity writes the source,
 * narrowed, whatever the destination held. Rows are long enough for the
 * loops that only run far from a row's end, at every destination offset.
 */
enum { COLOUR_ROW = 4096 };
static uint8_t colour_in[COLOUR_ROW * 4 + 64], colour_a[COLOUR_ROW * 2 + 64],
	colour_b[COLOUR_ROW * 2 + 64];

static void compare_every_colour(const struct fbk_row_ops *ref, const struct fbk_row_ops *ops)
{
	bool conv_ok[2] = { true, true }, over_ok = true;
	for (uint32_t first = 0; first < 1u << 24; first += COLOUR_ROW) {
		size_t src_off = first / COLOUR_ROW % 4 * 4, dst_off = first / COLOUR_ROW % 64;
		uint8_t *in = colour_in + src_off, *a = colour_a + dst_off, *b = colour_b + dst_off;
		for (uint32_t i = 0; i < COLOUR_ROW; i++)
			store32_le(in + 4 * i, (first + i) | (uint32_t)(rng_next() & 0xff) << 24);
		for (int swap = 0; swap < 2; swap++) {
			ref->convert_8888_to_565(a, in, COLOUR_ROW, swap);
			ops->convert_8888_to_565(b, in, COLOUR_ROW, swap);
			conv_ok[swap] &= !memcmp(a, b, COLOUR_ROW * 2);
		}
		for (uint32_t i = 0; i < COLOUR_ROW; i++)
			in[4 * i + 3] = 255;
		random_bytes(a, COLOUR_ROW * 2);
		memcpy(b, a, COLOUR_ROW * 2);
		ref->over_argb_onto_rgb565(a, in, COLOUR_ROW, 255);
		ops->over_argb_onto_rgb565(b, in, COLOUR_ROW, 255);
		over_ok &= !memcmp(a, b, COLOUR_ROW * 2);
	}
	CHECK(conv_ok[0], "%s convert to 565, every colour", ops->name);
	CHECK(conv_ok[1], "%s convert to 565 swapped, every colour", ops->name);
	CHECK(over_ok, "%s opaque ARGB onto RGB565, every colour", ops->name);
}

static void compare_level(const struct fbk_row_ops *ops)
{
	const struct fbk_row_ops *ref = fbk_row_ops_portable();
	printf("level %s against %s\n", ops->name, ref->name);
	rng_seed(11);
	for (int round = 0; round < 3000; round++) {
		int32_t n = round < MAX_N ? round : rng_range(0, MAX_N);
		/* every byte offset within 32 (kernels may align their stores), and beyond */
		size_t off = (size_t)(rng_next() % 64);
		compare_codecs(ref, ops, n, off);
		compare_over(ref, ops, n, off);
		compare_convert_fill(ref, ops, n, off);
	}
	compare_every_colour(ref, ops);
}

int main(void)
{
	int levels = 0;
	check_stored_colour_kernels();
	if (fbk_row_ops_vector()) {
		compare_level(fbk_row_ops_vector());
		levels++;
	}
	if (fbk_row_ops_avx2() && fbk_cpu_has_avx2()) {
		compare_level(fbk_row_ops_avx2());
		levels++;
	} else {
		printf("AVX2 level not tested: not built or not supported by this CPU\n");
	}
	printf("in use by default: %s\n", fbk_row_ops()->name);
	if (!levels)
		SKIP("no vector level on this architecture; only the portable one exists");
	return harness_exit();
}
