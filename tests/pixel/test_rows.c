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
#include "level.h"
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
	/* one colour onto stored rows, plain and through the mask; half opaque (kernels shortcut it) */
	color = (uint32_t)rng_next();
	if (rng_next() % 2)
		color |= 0xff000000u;
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
	/* the same through a box of rows, stride apart, the mask's rows back to back */
	int32_t rows = 1 + (int32_t)(rng_next() % 12), w = n / rows;
	for (int bpp = 2; bpp <= 4; bpp += 2) {
		size_t stride = (size_t)w * (size_t)bpp + (size_t)(rng_next() % 40);
		if (stride * (size_t)rows + off > sizeof(out_a))
			continue;
		if (bpp == 4) {
			ref->over_color_mask_box_onto_xrgb(out_a + off, stride, color, mask, w, rows);
			ops->over_color_mask_box_onto_xrgb(out_b + off, stride, color, mask, w, rows);
		} else {
			ref->over_color_mask_box_onto_rgb565(out_a + off, stride, color, mask, w, rows);
			ops->over_color_mask_box_onto_rgb565(out_b + off, stride, color, mask, w, rows);
		}
		CHECK(!memcmp(out_a, out_b, sizeof(out_a)),
		      "%s colour through a mask onto a box of %s, %dx%d stride %zu off %zu",
		      ops->name, bpp == 4 ? "XRGB" : "RGB565", (int)w, (int)rows, stride, off);
	}
}

typedef void mask_box_fn(uint8_t *dst, size_t stride, uint32_t argb, const uint8_t *mask,
			 int32_t n, int32_t rows);

/* The portable and the tested box function on equal random bytes: true when both draw the same. */
static bool same_box(mask_box_fn *ref_box, mask_box_fn *ops_box, size_t off, size_t stride,
		     uint32_t color, const uint8_t *mask, int32_t w, int32_t rows)
{
	random_bytes(out_a, sizeof(out_a));
	memcpy(out_b, out_a, sizeof(out_a));
	ref_box(out_a + off, stride, color, mask, w, rows);
	ops_box(out_b + off, stride, color, mask, w, rows);
	return !memcmp(out_a, out_b, sizeof(out_a));
}

/*
 * Every box a small glyph makes, against the portable level: each width
 * the box kernels treat their own way (rows paired into one step, a
 * masked tail, a whole step plus an overlapping last one) and each
 * height, odd and even, opaque and translucent colours. The mask is
 * allocated at its exact size so that a read past it is a fault under
 * the sanitizers.
 */
static void compare_small_boxes(const struct fbk_row_ops *ref, const struct fbk_row_ops *ops)
{
	rng_seed(13);
	for (int32_t w = 1; w <= 20; w++) {
		for (int32_t rows = 1; rows <= 12; rows++) {
			for (int k = 0; k < 4; k++) {
				uint8_t *mask = malloc((size_t)w * (size_t)rows);
				if (!mask)
					return;
				for (int32_t i = 0; i < w * rows; i++) {
					uint32_t r = (uint32_t)rng_next();
					mask[i] = (uint8_t)(r % 3 == 0 ? 0 : r % 3 == 1 ? 255 : r >> 8);
				}
				uint32_t color = (uint32_t)rng_next();
				if (k % 2)
					color |= 0xff000000u;
				size_t stride = (size_t)w * 4 + 4 * (rng_next() % 3),
				       off = (size_t)(rng_next() % 16);
				CHECK(same_box(ref->over_color_mask_box_onto_xrgb,
					       ops->over_color_mask_box_onto_xrgb, off, stride, color,
					       mask, w, rows),
				      "%s colour %08x through a mask onto a box of XRGB, %dx%d",
				      ops->name, (unsigned)color, (int)w, (int)rows);
				stride = (size_t)w * 2 + 2 * (rng_next() % 3);
				CHECK(same_box(ref->over_color_mask_box_onto_rgb565,
					       ops->over_color_mask_box_onto_rgb565, off, stride, color,
					       mask, w, rows),
				      "%s colour %08x through a mask onto a box of RGB565, %dx%d",
				      ops->name, (unsigned)color, (int)w, (int)rows);
				free(mask);
			}
		}
	}
}

/*
 * Lines of small boxes in one call of the many-box kernel, against the
 * portable box kernel called box by box in the same order: random sizes
 * up to 20x12 at random places, so that boxes overlap as a line's glyphs
 * do and the later must blend over the earlier, opaque and translucent.
 * Each mask is allocated at its exact size (a read past it faults under
 * the sanitizers).
 */
static void compare_mask_boxes(const struct fbk_row_ops *ref, const struct fbk_row_ops *ops)
{
	enum { W = 160, H = 24, BOXES = 24 };
	size_t stride = W * 4 + 12, size = stride * H;
	uint8_t *a = malloc(size), *b = malloc(size);
	struct fbk_mask_box boxes[BOXES];
	uint8_t *masks[BOXES] = { 0 };
	rng_seed(14);
	for (int round = 0; round < 200 && a && b; round++) {
		size_t count = 1 + rng_next() % BOXES;
		for (size_t i = 0; i < count; i++) {
			int32_t n = rng_range(1, 20), rows = rng_range(1, 12);
			masks[i] = malloc((size_t)n * (size_t)rows);
			if (!masks[i])
				goto out;
			for (int32_t k = 0; k < n * rows; k++) {
				uint32_t r = (uint32_t)rng_next();
				masks[i][k] = (uint8_t)(r % 3 == 0 ? 0 : r % 3 == 1 ? 255 : r >> 8);
			}
			int32_t x = rng_range(0, W - n), y = rng_range(0, H - rows);
			boxes[i] = (struct fbk_mask_box){ b + (size_t)y * stride + (size_t)x * 4,
							  masks[i], n, rows };
		}
		uint32_t color = (uint32_t)rng_next();
		if (round % 2)
			color |= 0xff000000u;
		random_bytes(a, size);
		memcpy(b, a, size);
		for (size_t i = 0; i < count; i++)
			ref->over_color_mask_box_onto_xrgb(a + (boxes[i].dst - b), stride, color,
							   boxes[i].mask, boxes[i].n, boxes[i].rows);
		ops->over_color_mask_boxes_onto_xrgb(stride, color, boxes, count);
		CHECK(!memcmp(a, b, size), "%s colour %08x through %zu masks onto boxes of XRGB",
		      ops->name, (unsigned)color, count);
		for (size_t i = 0; i < count; i++) {
			free(masks[i]);
			masks[i] = NULL;
		}
	}
out:
	for (size_t i = 0; i < BOXES; i++)
		free(masks[i]);
	free(a);
	free(b);
}

/*
 * The edge-run-edge box kernel against what it stands for: each row
 * through the portable mask kernel with the mask (cover_left, 255, ...,
 * 255, cover_right). Every run length to past several steps (rows of
 * fewer than 8 pixels, exactly 8, a last step overlapping the first),
 * longer random ones, 1 to 5 rows at random strides and offsets, covers
 * of 0, 255 and between, colours clear, translucent and opaque; the
 * whole buffer is compared, so a byte written past a row or between rows
 * fails too.
 */
static void compare_edges_boxes(const struct fbk_row_ops *ref, const struct fbk_row_ops *ops)
{
	uint8_t mask[MAX_N];
	rng_seed(15);
	for (int round = 0; round < 3000; round++) {
		int32_t n = round < 600 ? round % 60 : rng_range(0, 120);
		int32_t rows = rng_range(1, 5);
		size_t stride = 4 * ((size_t)n + 2) + 4 * (rng_next() % 4),
		       off = (size_t)(rng_next() % 16);
		if (off + stride * (size_t)rows > sizeof(out_a))
			rows = (int32_t)((sizeof(out_a) - off) / stride);
		uint8_t covers[2];
		for (int e = 0; e < 2; e++) {
			uint32_t r = (uint32_t)rng_next();
			covers[e] = (uint8_t)(r % 4 == 0 ? 0 : r % 4 == 1 ? 255 : r >> 8);
		}
		uint32_t color = (uint32_t)rng_next();
		if (round % 3 == 1)
			color |= 0xff000000u;
		else if (round % 9 == 2)
			color &= 0x00ffffffu;
		memset(mask, 255, (size_t)n + 2);
		mask[0] = covers[0];
		mask[n + 1] = covers[1];
		random_bytes(out_a, sizeof(out_a));
		memcpy(out_b, out_a, sizeof(out_a));
		for (int32_t r = 0; r < rows; r++)
			ref->over_color_mask_onto_xrgb(out_a + off + (size_t)r * stride, color, mask,
						       n + 2);
		ops->over_color_edges_box_onto_xrgb(out_b + off, stride, color, covers[0], n, covers[1],
						    rows);
		CHECK(!memcmp(out_a, out_b, sizeof(out_a)),
		      "%s colour %08x edges %u, %u around %d px, %d rows, stride %zu off %zu",
		      ops->name, (unsigned)color, covers[0], covers[1], (int)n, (int)rows, stride,
		      off);
	}
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
		if (round % 2)
			color |= 0xff000000u;
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
				if (!masked)
					continue;
				/* a box: its rows, each the row kernel's */
				int32_t rows = 1 + (int32_t)(rng_next() % 6), w = n / rows;
				size_t bpp = f ? 2 : 4, stride = (size_t)w * bpp + rng_next() % 9;
				if (stride * (size_t)rows > sizeof(out_a))
					continue;
				random_bytes(out_a, sizeof(out_a));
				memcpy(out_b, out_a, sizeof(out_a));
				for (int32_t r = 0; r < rows; r++) {
					uint8_t *at = out_a + (size_t)r * stride;
					const uint8_t *m = mask + (size_t)r * (size_t)w;
					if (f)
						ref->over_color_mask_onto_rgb565(at, color, m, w);
					else
						ref->over_color_mask_onto_xrgb(at, color, m, w);
				}
				if (f)
					ref->over_color_mask_box_onto_rgb565(out_b, stride, color, mask, w,
									     rows);
				else
					ref->over_color_mask_box_onto_xrgb(out_b, stride, color, mask, w,
									   rows);
				CHECK(!memcmp(out_a, out_b, sizeof(out_a)),
				      "portable box kernel %s %dx%d stride %zu against its rows",
				      f ? "RGB565" : "XRGB8888", (int)w, (int)rows, stride);
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

/*
 * Long fills, which take the C library's memset (patterns of one repeated
 * byte) or the string store from fbk_fill_plan's size on: every level,
 * the portable one included, against a plain loop, at lengths around that
 * size and at every 2-byte offset from an 8-byte boundary, with the bytes
 * around the row untouched.
 */
static uint8_t *long_a, *long_b;

static bool fill_matches(const struct fbk_row_ops *ops, size_t off, uint32_t packed, int bpp,
			 int32_t n, size_t size)
{
	memset(long_a, 0x5a, size);
	memset(long_b, 0x5a, size);
	for (int32_t i = 0; i < n; i++)
		for (int k = 0; k < bpp; k++)
			long_a[off + (size_t)i * (size_t)bpp + (size_t)k] = (uint8_t)(packed >> 8 * k);
	ops->fill_row(long_b + off, packed, bpp, n);
	return !memcmp(long_a, long_b, size);
}

static void compare_long_fills(const struct fbk_row_ops *ops)
{
	size_t min = fbk_fill_plan()->string_min;
	size_t base = min == SIZE_MAX ? 65536 : min;
	size_t size = 2 * base + 64;
	long_a = malloc(size);
	long_b = malloc(size);
	if (!long_a || !long_b) {
		CHECK(0, "out of memory for %zu-byte rows", size);
		goto out;
	}
	static const uint32_t patterns[] = { 0x00123456u, 0xffffffffu, 0, 0x12345678u, 0x7e7e7e7eu };
	for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
		for (int bpp = 2; bpp <= 4; bpp += 2) {
			for (size_t off = 0; off < 16; off += 2) {
				if (bpp == 4 && off % 4)
					continue;
				for (int d = -3; d <= 3; d++) {
					int32_t n = (int32_t)(base / (size_t)bpp) + d;
					CHECK(fill_matches(ops, off, patterns[p], bpp, n, size),
					      "%s long fill 0x%08x bpp %d n %d off %zu", ops->name,
					      patterns[p], bpp, (int)n, off);
				}
			}
		}
	}
	/* A whole frame of touching rows is one long row. */
	uint32_t packed = 0x00abcdefu;
	int32_t w = 64, h = (int32_t)(base / 256 + 1);
	memset(long_a, 0x5a, size);
	memset(long_b, 0x5a, size);
	for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
		memcpy(long_a + 8 + 4 * i, &packed, 4);
	ops->fill_rect(long_b + 8, (size_t)w * 4, packed, 4, w, h);
	CHECK(!memcmp(long_a, long_b, size), "%s long fill rect %dx%d", ops->name, (int)w, (int)h);
out:
	free(long_a);
	free(long_b);
}

/*
 * The bilinear kernels of image/resample.c, every level (the portable one
 * included) against plain integer arithmetic: the horizontal sums with
 * clear pixels counted as 0, and the vertical rounding at totals on both
 * sides of the float-only limit (4096) up to FBK_BILINEAR_MAX_TOTAL, on
 * random sums and on every sum a row of one weight can make, which meets
 * every tie of the rounding.
 */
enum { BILINEAR_N = 300 };
static uint32_t bl_src[BILINEAR_N], bl_planes[3 * BILINEAR_N], bl_a[3 * BILINEAR_N],
	bl_b[3 * BILINEAR_N], bl_out[BILINEAR_N];
static int32_t bl_i0[BILINEAR_N], bl_i1[BILINEAR_N];
static uint32_t bl_w0[BILINEAR_N];

static uint32_t channel_of(uint32_t px, int c)
{
	return px >> 24 ? px >> 8 * c & 0xff : 0;
}

static void compare_bilinear_h(const struct fbk_row_ops *ops, int32_t n, uint32_t total)
{
	int32_t m = rng_range(1, BILINEAR_N);
	for (int32_t i = 0; i < m; i++) {
		uint32_t r = (uint32_t)rng_next();
		bl_src[i] = r % 4 == 0 ? r & 0x00ffffffu : r % 4 == 1 ? r | 0xff000000u : r;
	}
	bool opaque = rng_next() % 2;
	uint32_t all = ~0u;
	for (int32_t j = 0; j < n; j++) {
		if (opaque)
			bl_src[j % m] |= 0xff000000u;
		bl_i0[j] = rng_range(0, m - 1);
		bl_i1[j] = bl_i0[j] + (bl_i0[j] < m - 1 && rng_next() % 4);
		bl_w0[j] = rng_next() % 3 ? (uint32_t)rng_range(0, (int32_t)total)
					 : rng_next() % 2 ? total : 0;
	}
	for (int32_t j = 0; j < n; j++)
		all &= bl_src[bl_i0[j]] & bl_src[bl_i1[j]];
	size_t stride = (size_t)n;
	memset(bl_planes, 0x5a, sizeof(bl_planes));
	uint32_t got_all = ops->bilinear_h(bl_planes, stride, bl_src, bl_i0, bl_i1, bl_w0, total, n);
	CHECK(n == 0 || got_all == all, "%s bilinear_h AND of the pixels n %d", ops->name, (int)n);
	int wrong = 0;
	for (int32_t j = 0; j < n; j++)
		for (int c = 0; c < 3; c++) {
			uint64_t want = (uint64_t)bl_w0[j] * channel_of(bl_src[bl_i0[j]], c) +
					(uint64_t)(total - bl_w0[j]) * channel_of(bl_src[bl_i1[j]], c);
			wrong += bl_planes[(size_t)c * stride + (size_t)j] != want;
		}
	CHECK(wrong == 0, "%s bilinear_h n %d total %u: %d sums wrong", ops->name, (int)n, total,
	      wrong);
}

static uint32_t rounded(uint64_t s, uint64_t total)
{
	return (uint32_t)((2 * s + total) / (2 * total));
}

/* bl_a and bl_b (n columns per plane) blended by wa + wb = ty, checked; returns the bad pixels. */
static int check_bilinear_v(const struct fbk_row_ops *ops, int32_t n, uint32_t wa, uint32_t wb,
			    uint32_t total)
{
	size_t stride = (size_t)n;
	memset(bl_out, 0x5a, sizeof(bl_out));
	ops->bilinear_v(bl_out, bl_a, bl_b, stride, wa, wb, total, n);
	int wrong = 0;
	for (int32_t j = 0; j < n; j++) {
		uint32_t want = 0xff000000u;
		for (int c = 0; c < 3; c++)
			want |= rounded((uint64_t)wa * bl_a[(size_t)c * stride + (size_t)j] +
						(uint64_t)wb * bl_b[(size_t)c * stride + (size_t)j],
					total)
				<< 8 * c;
		wrong += bl_out[j] != want;
	}
	wrong += bl_out[n] != 0x5a5a5a5au;
	return wrong;
}

static void compare_bilinear_v(const struct fbk_row_ops *ops)
{
	/*
	 * total_x * total_y: small, 82 (where a float quotient of a tie falls
	 * just short of it), both sides of 4096, a photo's 1066 * 50, the largest
	 */
	static const uint32_t totals[][2] = { { 2, 2 },	   { 2, 41 },	  { 50, 50 },
					      { 64, 64 },   { 4097, 2 },   { 2, 2049 },
					      { 1066, 50 }, { 2048, 2048 }, { 65535, 64 } };
	for (size_t t = 0; t < sizeof(totals) / sizeof(totals[0]); t++) {
		uint32_t tx = totals[t][0], ty = totals[t][1], total = tx * ty;
		for (int round = 0; round < 40; round++) {
			int32_t n = rng_range(0, BILINEAR_N - 1);
			for (size_t i = 0; i < 3 * (size_t)n; i++) {
				bl_a[i] = (uint32_t)(rng_next() % (255 * (uint64_t)tx + 1));
				bl_b[i] = (uint32_t)(rng_next() % (255 * (uint64_t)tx + 1));
			}
			uint32_t wa = (uint32_t)rng_range(0, (int32_t)ty);
			CHECK(check_bilinear_v(ops, n, wa, ty - wa, total) == 0,
			      "%s bilinear_v n %d totals %u x %u weights %u, %u", ops->name, (int)n,
			      tx, ty, wa, ty - wa);
		}
		/*
		 * Sums ty * a of one weight: every a where there are few, else a run
		 * around each (k + 1/2) * tx, where the rounding has its ties.
		 */
		int bad = 0;
		uint32_t top = 255 * tx;
		int32_t n = BILINEAR_N - 1;
		bool all = top <= 20000;
		for (uint32_t k = 0; all ? k * (uint32_t)n <= top : k < 256; k++) {
			uint32_t tie = k * tx + tx / 2, first = all ? k * (uint32_t)n : tie;
			if (!all)
				first = tie > (uint32_t)n / 2 ? tie - (uint32_t)n / 2 : 0;
			for (int32_t j = 0; j < n; j++)
				for (int c = 0; c < 3; c++)
					bl_a[c * n + j] = bl_b[c * n + j] =
						first + (uint32_t)j > top ? top : first + (uint32_t)j;
			bad += check_bilinear_v(ops, n, ty, 0, total);
			bad += check_bilinear_v(ops, n, 1, ty - 1, total);
		}
		CHECK(bad == 0, "%s bilinear_v totals %u x %u, sums of one weight: %d pixels wrong",
		      ops->name, tx, ty, bad);
	}
}

static void compare_bilinear(const struct fbk_row_ops *ops)
{
	static const uint32_t totals[] = { 1, 2, 50, 257, 1066, 4097, 65535 };
	for (int round = 0; round < 400; round++)
		compare_bilinear_h(ops, round < 40 ? round : rng_range(0, BILINEAR_N),
				   totals[round % (sizeof(totals) / sizeof(totals[0]))]);
	compare_bilinear_v(ops);
}

/*
 * The box kernels of image/resample.c, every level against plain
 * per-channel arithmetic: box_add's lane sums and its AND, with nothing
 * written past the row; box_h's weighted sums of padded taps rounded at
 * random totals, and every sum s <= 255 * total for every total up to
 * FBK_BOX_MAX_TOTAL, which meets every tie of the rounding.
 */
enum { BOX_N = 300, BOX_TAPS = 8, BOX_SUMS = 255 * 257 + 1 };
static uint32_t box_src[BOX_N], box_m[BOX_SUMS + BOX_TAPS], box_n[BOX_SUMS + BOX_TAPS],
	box_out[BOX_SUMS + 1];
static uint32_t box_want_m[BOX_N], box_want_n[BOX_N];
static int32_t box_start[BOX_SUMS];
static uint16_t box_wt[BOX_SUMS + BOX_TAPS * BOX_N];
static uint8_t box_average[BOX_SUMS];

static uint32_t lanes_of(uint32_t lo, uint32_t hi)
{
	return lo | hi << 16;
}

static void compare_box_add(const struct fbk_row_ops *ops, int32_t len)
{
	uint32_t w = (uint32_t)rng_range(0, 257), room = 65535 - 255 * w, all = ~0u;
	bool first = rng_next() % 2, opaque = rng_next() % 2;
	for (int32_t i = 0; i < len; i++) {
		uint32_t r = (uint32_t)rng_next();
		box_src[i] = opaque ? r | 0xff000000u : r;
		all &= box_src[i];
		uint32_t c[4];
		for (int k = 0; k < 4; k++)
			c[k] = (uint32_t)(rng_next() % (room + 1));
		box_m[i] = lanes_of(c[0], c[2]);
		box_n[i] = lanes_of(c[1], c[3]);
		for (int k = 0; k < 4; k++)
			c[k] = (first ? 0 : c[k]) + w * (box_src[i] >> 8 * k & 0xff);
		box_want_m[i] = lanes_of(c[0], c[2]);
		box_want_n[i] = lanes_of(c[1], c[3]);
	}
	box_m[len] = box_n[len] = 0x5a5a5a5au;
	uint32_t got = ops->box_add(box_m, box_n, box_src, len, w, first);
	CHECK(got == all, "%s box_add AND of the pixels len %d", ops->name, (int)len);
	int wrong = box_m[len] != 0x5a5a5a5au || box_n[len] != 0x5a5a5a5au;
	for (int32_t i = 0; i < len; i++)
		wrong += box_m[i] != box_want_m[i] || box_n[i] != box_want_n[i];
	CHECK(wrong == 0, "%s box_add len %d w %u first %d: %d columns wrong", ops->name, (int)len,
	      w, first, wrong);
}

/* box_out against round(s / total) of the taps' sums; returns the wrong pixels. */
static int check_box_h(const struct fbk_row_ops *ops, int32_t taps, uint32_t total, int32_t count)
{
	for (uint32_t v = 0; v <= 255 * total; v++)
		box_average[v] = (uint8_t)rounded(v, total);
	box_out[count] = 0x5a5a5a5au;
	ops->box_h(box_out, box_m, box_n, box_start, box_wt, taps, total, box_average, count);
	int wrong = box_out[count] != 0x5a5a5a5au;
	for (int32_t j = 0; j < count; j++) {
		uint64_t s[3] = { 0, 0, 0 };
		for (int32_t k = 0; k < taps; k++) {
			uint32_t w = box_wt[(size_t)k * (size_t)count + (size_t)j];
			uint32_t m = box_m[box_start[j] + k], n = box_n[box_start[j] + k];
			s[0] += w * (m & 0xffff);
			s[1] += w * (n & 0xffff);
			s[2] += w * (m >> 16);
		}
		uint32_t want = 0xff000000u;
		for (int c = 0; c < 3; c++)
			want |= rounded(s[c], total) << 8 * c;
		wrong += box_out[j] != want;
	}
	return wrong;
}

/*
 * near: the starts a shrinking resampler makes (a ratio of 1 to 2.75, the
 * taps of eight columns within 16 words: AVX2 loads them instead of
 * gathering), else anywhere.
 */
static void compare_box_h(const struct fbk_row_ops *ops, int32_t count, bool near)
{
	int32_t taps = rng_range(1, near ? 3 : BOX_TAPS), quarters = rng_range(4, 11);
	int32_t cols = near ? count * quarters / 4 + taps : count + taps;
	uint32_t total = (uint32_t)rng_range(1, (int32_t)FBK_BOX_MAX_TOTAL);
	for (int32_t i = 0; i < cols; i++) {
		box_m[i] = (uint32_t)rng_next();
		box_n[i] = (uint32_t)rng_next();
	}
	/* weights of sum W <= total, taking lanes to at most 255 * total / W */
	for (int32_t j = 0; j < count; j++) {
		box_start[j] = near ? j * quarters / 4 : rng_range(0, count);
		uint32_t sum = 0;
		for (int32_t k = 0; k < taps; k++) {
			uint32_t w = (uint32_t)rng_range(0, (int32_t)(total - sum) / (taps - k));
			box_wt[(size_t)k * (size_t)count + (size_t)j] = (uint16_t)w;
			sum += w;
		}
		uint32_t top = sum ? 255 * total / sum : 0;
		for (int32_t k = 0; k < taps; k++) {
			uint32_t *m = &box_m[box_start[j] + k], *n = &box_n[box_start[j] + k];
			if ((*m & 0xffff) > top || (*m >> 16) > top || (*n & 0xffff) > top)
				*m = *n = lanes_of(top, top);
		}
	}
	CHECK(check_box_h(ops, taps, total, count) == 0, "%s box_h count %d taps %d total %u%s",
	      ops->name, (int)count, (int)taps, total, near ? " near" : "");
}

static void compare_box(const struct fbk_row_ops *ops)
{
	for (int round = 0; round < 400; round++) {
		int32_t n = round < 40 ? round : rng_range(0, BOX_N - 1);
		compare_box_add(ops, n);
		compare_box_h(ops, n, false);
		compare_box_h(ops, n, true);
	}
	/* every sum of every total, one tap of weight 1 per column */
	int bad = 0;
	for (uint32_t total = 1; total <= FBK_BOX_MAX_TOTAL; total++) {
		int32_t count = (int32_t)(255 * total + 1);
		for (int32_t j = 0; j < count; j++) {
			box_start[j] = j;
			box_wt[j] = 1;
			box_m[j] = lanes_of((uint32_t)j, 255 * total - (uint32_t)j);
			box_n[j] = lanes_of((uint32_t)(j * 7) % (255 * total + 1), 0);
		}
		bad += check_box_h(ops, 1, total, count);
	}
	CHECK(bad == 0, "%s box_h every sum of every total: %d pixels wrong", ops->name, bad);
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
	compare_small_boxes(ref, ops);
	compare_mask_boxes(ref, ops);
	compare_edges_boxes(ref, ops);
	compare_every_colour(ref, ops);
	compare_long_fills(ops);
	compare_bilinear(ops);
	compare_box(ops);
}

/*
 * Each SIMD level against the portable one is a case of its own (rows_vector,
 * rows_avx2), so that a level this build or CPU lacks is reported skipped.
 */
int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--level")) {
		const struct fbk_row_ops *ops =
			level_asked(argv[2], fbk_row_ops_vector(), fbk_row_ops_avx2());
		if (ops)
			compare_level(ops);
		return harness_exit();
	}
	printf("fills use the string store from %zu bytes\n", fbk_fill_plan()->string_min);
	compare_long_fills(fbk_row_ops_portable());
	compare_bilinear(fbk_row_ops_portable());
	compare_box(fbk_row_ops_portable());
	compare_mask_boxes(fbk_row_ops_portable(), fbk_row_ops_portable());
	compare_edges_boxes(fbk_row_ops_portable(), fbk_row_ops_portable());
	check_stored_colour_kernels();
	printf("in use by default: %s\n", fbk_row_ops()->name);
	return harness_exit();
}
