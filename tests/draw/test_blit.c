/*
 * fbk_blit against a per-pixel reference: every pair of formats, SRC and
 * OVER with opacity, clipping on both sides, and sources that share memory
 * with the destination (same surface, overlapping sub-surfaces, and the
 * same bytes seen through another format and stride).
 */
#include <errno.h>

#include "core/format_list.h"
#include "pixel/pixel.h"
#include "target.h"

enum source_kind { SEPARATE, SAME_BUFFER, ALIASED_FORMAT, SOURCE_KINDS };

struct source {
	struct guarded own;           /* for SEPARATE */
	struct fbk_surface surface;   /* what is passed to fbk_blit */
	struct fbk_surface before;    /* the same pixels as they were, for the reference */
	uint8_t *snapshot;
};

/* A view of `block` (size bytes) described by `s`, moved onto a copy of the block. */
static struct fbk_surface moved(const struct fbk_surface *s, const uint8_t *block, uint8_t *copy)
{
	struct fbk_surface m = *s;
	m.pixels = copy + ((const uint8_t *)s->pixels - block);
	return m;
}

static int source_init(struct source *src, enum source_kind kind, struct target *dst)
{
	const uint8_t *block;
	size_t block_size;
	memset(src, 0, sizeof(*src));
	if (kind == SEPARATE) {
		uint32_t format = fbk_format_at(rng_next() % FBK_FORMAT_COUNT)->fourcc;
		/* Some sources wider than FBK_ROW_CHUNK, so chunk seams are compared too. */
		int32_t width = rng_next() % 5 ? random_dimension(40) : rng_range(250, 600);
		if (guarded_init(&src->own, width, random_dimension(40), (size_t)rng_range(0, 7),
				 format))
			return -1;
		src->surface = src->own.surface;
		block = src->own.block;
		block_size = src->own.block_size;
	} else {
		const struct fbk_surface *all = &dst->buffer.surface;
		block = dst->buffer.block;
		block_size = dst->buffer.block_size;
		if (kind == SAME_BUFFER) {
			src->surface = *all;
		} else {
			/*
			 * Reinterpret the destination's bytes with another stride, and half
			 * the time another format: same format with another stride is
			 * the overlap a row-order memmove alone would get wrong.
			 */
			uint32_t format = rng_next() % 2
						  ? all->format
						  : fbk_format_at(rng_next() % FBK_FORMAT_COUNT)->fourcc;
			size_t bpp = fbk_format_info(format)->bytes_per_pixel;
			size_t bytes = all->stride * (size_t)(all->height - 1) + dst->buffer.row_bytes;
			size_t stride = bpp * (size_t)rng_range(1, 24) + (size_t)rng_range(0, 5);
			int32_t w = (int32_t)((stride < bytes ? stride : bytes) / bpp);
			size_t rows = (bytes - (size_t)w * bpp) / stride + 1;
			int32_t h = rows > FBK_MAX_DIMENSION ? FBK_MAX_DIMENSION : (int32_t)rows;
			if (w < 1) /* a pixel of the other format is bigger than the buffer */
				src->surface = *all;
			else if (fbk_surface_init(&src->surface, all->pixels, w, h, stride, format))
				return -1;
		}
		if (rng_next() % 2) {
			struct fbk_rect r = { rng_range(0, src->surface.width - 1),
					      rng_range(0, src->surface.height - 1), 0, 0 };
			r.w = rng_range(1, src->surface.width - r.x);
			r.h = rng_range(1, src->surface.height - r.y);
			fbk_surface_sub(&src->surface, &src->surface, &r);
		}
	}
	src->snapshot = malloc(block_size);
	if (!src->snapshot)
		return -1;
	memcpy(src->snapshot, block, block_size);
	src->before = moved(&src->surface, block, src->snapshot);
	return 0;
}

static void source_finish(struct source *src)
{
	guarded_finish(&src->own);
	free(src->snapshot);
}

static struct fbk_color expected_pixel(uint32_t dst_format, struct fbk_color before,
				       struct fbk_color from, enum fbk_op op, uint8_t opacity)
{
	if (op == FBK_OP_SRC)
		return stored(dst_format, from);
	from.a = (uint8_t)fbk_div255((uint32_t)from.a * opacity);
	uint32_t blended = fbk_over_pixel(argb_of(before), argb_of(from), fbk_format_has_alpha(dst_format));
	return stored(dst_format, color_of(blended));
}

static void random_blit(int round)
{
	struct target t;
	uint32_t dst_format = fbk_format_at((size_t)round % FBK_FORMAT_COUNT)->fourcc;
	if (target_init(&t, dst_format, round < 5600 ? 24 : 700)) {
		CHECK(0, "setting up a target");
		return;
	}
	enum source_kind kind = (enum source_kind)(rng_next() % SOURCE_KINDS);
	struct source src;
	if (source_init(&src, kind, &t)) {
		CHECK(0, "setting up a source (kind %d): %s", kind, fbk_last_error());
		target_finish(&t);
		return;
	}
	bool whole = rng_next() % 4 == 0;
	struct fbk_rect sr = { rng_range(-5, src.surface.width), rng_range(-5, src.surface.height),
			       rng_range(-1, src.surface.width + 6), rng_range(-1, src.surface.height + 6) };
	int32_t x = rng_range(-src.surface.width - 5, t.view.width + 5);
	int32_t y = rng_range(-src.surface.height - 5, t.view.height + 5);
	enum fbk_op op = rng_next() % 2 ? FBK_OP_OVER : FBK_OP_SRC;
	uint8_t opacity = op == FBK_OP_SRC || rng_next() % 2 ? 255 : (uint8_t)rng_next();

	int err = fbk_blit(&t.view, x, y, &src.surface, whole ? NULL : &sr, op, opacity);
	CHECK(err == 0, "round %d: blit returned %d (%s)", round, err, fbk_last_error());

	struct fbk_rect from = whole ? (struct fbk_rect){ 0, 0, src.surface.width, src.surface.height } : sr;
	const struct fbk_surface *all = &t.buffer.surface;
	int bad = 0;
	for (int32_t py = 0; py < all->height && !bad; py++) {
		for (int32_t px = 0; px < all->width && !bad; px++) {
			struct fbk_color before = target_before(&t, px, py);
			struct fbk_color want = before;
			/* The source pixel that lands here, if any. */
			int64_t sx = (int64_t)px - t.view_x - x + from.x;
			int64_t sy = (int64_t)py - t.view_y - y + from.y;
			bool covered = sx >= from.x && sx < (int64_t)from.x + from.w && sy >= from.y &&
				       sy < (int64_t)from.y + from.h && sx >= 0 && sy >= 0 &&
				       sx < src.surface.width && sy < src.surface.height;
			if (target_drawable(&t, px, py) && covered)
				want = expected_pixel(dst_format, before,
						      pixel_at(&src.before, (int32_t)sx, (int32_t)sy), op,
						      opacity);
			struct fbk_color got = pixel_at(all, px, py);
			if (!color_equal(got, want)) {
				bad = 1;
				CHECK(0, "round %d (%s -> %s, kind %d, op %d, opacity %d) pixel (%d,%d): "
					 "got %02x%02x%02x%02x want %02x%02x%02x%02x",
				      round, fbk_format_info(src.surface.format)->name,
				      fbk_format_info(dst_format)->name, kind, op, opacity, px, py, got.a,
				      got.r, got.g, got.b, want.a, want.r, want.g, want.b);
			}
		}
	}
	CHECK(!bad, "blit matches the reference");
	CHECK(guarded_intact(&t.buffer), "round %d: blit wrote outside the destination", round);
	if (kind == SEPARATE)
		CHECK(!memcmp(src.own.block, src.snapshot, src.own.block_size), "round %d: source changed",
		      round);
	source_finish(&src);
	target_finish(&t);
}

/* Scrolling a screen by a few pixels in each direction: the classic overlap. */
static void scroll_cases(void)
{
	for (int dir = 0; dir < 8; dir++) {
		static const int dx[] = { 1, -1, 0, 0, 3, -3, 2, -2 };
		static const int dy[] = { 0, 0, 1, -1, 2, -2, -3, 3 };
		struct fbk_surface *s, *copy;
		fbk_surface_create(&s, 37, 23, FBK_FORMAT_RGB888);
		fbk_surface_create(&copy, 37, 23, FBK_FORMAT_RGB888);
		uint8_t *p = s->pixels;
		for (size_t i = 0; i < s->stride * 23; i++)
			p[i] = (uint8_t)rng_next();
		memcpy(copy->pixels, s->pixels, s->stride * 23);
		CHECK(fbk_blit(s, dx[dir], dy[dir], s, NULL, FBK_OP_SRC, 255) == 0, "scroll");
		int bad = 0;
		for (int y = 0; y < 23; y++)
			for (int x = 0; x < 37; x++) {
				int sx = x - dx[dir], sy = y - dy[dir];
				struct fbk_color want = sx >= 0 && sx < 37 && sy >= 0 && sy < 23
								? pixel_at(copy, sx, sy)
								: pixel_at(copy, x, y);
				bad |= !color_equal(pixel_at(s, x, y), want);
			}
		CHECK(!bad, "scroll by (%d,%d)", dx[dir], dy[dir]);
		fbk_surface_destroy(s);
		fbk_surface_destroy(copy);
	}
}

/*
 * Surfaces without row padding, blitted whole: blit hands the one-pass
 * kernels such rows as one long row (long enough, at times, for the loops
 * that only run far from a row's end), and every pixel must still land
 * where separate rows would put it.
 */
static void touching_rows(void)
{
	for (int round = 0; round < 300; round++) {
		/* 32-bit sources: the ones the one-pass kernels read. */
		const struct fbk_format_info *sf;
		do
			sf = fbk_format_at(rng_next() % FBK_FORMAT_COUNT);
		while (sf->bytes_per_pixel != 4);
		uint32_t src_format = sf->fourcc;
		uint32_t dst_format = fbk_format_at(rng_next() % FBK_FORMAT_COUNT)->fourcc;
		int32_t w = rng_next() % 4 ? rng_range(1, 80) : rng_range(200, 700);
		int32_t h = rng_range(1, 8);
		struct guarded src, dst;
		if (guarded_init(&src, w, h, 0, src_format) || guarded_init(&dst, w, h, 0, dst_format)) {
			CHECK(0, "setting up touching rows");
			return;
		}
		uint8_t *copy = malloc(dst.block_size);
		if (!copy) {
			CHECK(0, "setting up touching rows");
			return;
		}
		memcpy(copy, dst.block, dst.block_size);
		struct fbk_surface before = moved(&dst.surface, dst.block, copy);
		enum fbk_op op = rng_next() % 2 ? FBK_OP_OVER : FBK_OP_SRC;
		uint8_t opacity = op == FBK_OP_SRC || rng_next() % 2 ? 255 : (uint8_t)rng_next();
		CHECK(fbk_blit(&dst.surface, 0, 0, &src.surface, NULL, op, opacity) == 0,
		      "touching rows: blit failed");
		int bad = 0;
		for (int32_t y = 0; y < h; y++)
			for (int32_t x = 0; x < w; x++)
				bad |= !color_equal(pixel_at(&dst.surface, x, y),
						    expected_pixel(dst_format, pixel_at(&before, x, y),
								   pixel_at(&src.surface, x, y), op,
								   opacity));
		CHECK(!bad, "touching rows %s -> %s, %dx%d, op %d, opacity %d",
		      fbk_format_info(src_format)->name, fbk_format_info(dst_format)->name, (int)w,
		      (int)h, op, opacity);
		CHECK(guarded_intact(&dst), "touching rows: blit wrote outside the destination");
		free(copy);
		guarded_finish(&src);
		guarded_finish(&dst);
	}
}

static void bad_input(void)
{
	uint32_t a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 };
	struct fbk_surface s, d;
	fbk_surface_init(&s, a, 2, 2, 8, FBK_FORMAT_ARGB8888);
	fbk_surface_init(&d, b, 2, 2, 8, FBK_FORMAT_ARGB8888);
	CHECK(fbk_blit(NULL, 0, 0, &s, NULL, FBK_OP_SRC, 255) == -EINVAL, "NULL dst");
	CHECK(fbk_blit(&d, 0, 0, NULL, NULL, FBK_OP_SRC, 255) == -EINVAL, "NULL src");
	CHECK(fbk_blit(&d, 0, 0, &s, NULL, FBK_OP_SRC, 128) == -EINVAL, "SRC with opacity");
	CHECK(fbk_blit(&d, 0, 0, &s, NULL, (enum fbk_op)7, 255) == -EINVAL, "unknown op");
	struct fbk_surface broken = s;
	broken.width = -4;
	CHECK(fbk_blit(&d, 0, 0, &broken, NULL, FBK_OP_SRC, 255) == -EINVAL, "bad source");
	CHECK(strstr(fbk_last_error(), "source") != NULL, "message names the source: %s", fbk_last_error());
	CHECK(b[0] == 5 && b[1] == 6 && b[2] == 7 && b[3] == 8, "nothing written");
	CHECK(fbk_blit(&d, INT32_MAX, INT32_MIN, &s, NULL, FBK_OP_SRC, 255) == 0, "far away is fine");
	struct fbk_rect huge = { INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX };
	CHECK(fbk_blit(&d, INT32_MAX, 0, &s, &huge, FBK_OP_OVER, 255) == 0, "huge rect, far away");
	CHECK(b[0] == 5 && b[1] == 6 && b[2] == 7 && b[3] == 8, "nothing written");
}

/* The bits of a pixel no channel uses: X in XRGB8888, the top bit of XRGB1555. */
static uint32_t spare_bits(const struct fbk_format_info *f)
{
	uint32_t all = f->bytes_per_pixel == 4 ? ~0u : (1u << (8 * f->bytes_per_pixel)) - 1;
	const struct fbk_channel ch[] = { f->red, f->green, f->blue, f->alpha };
	for (size_t i = 0; i < 4; i++)
		if (ch[i].length)
			all &= ~(((1u << ch[i].length) - 1) << ch[i].offset);
	return all;
}

/*
 * A converting SRC blit writes 0 into the bits no channel of the
 * destination uses, as pack does, whatever the source held there (its
 * alpha, or its own X bits): the fast one-pass kernels too.
 */
static void spare_bits_cleared(void)
{
	enum { W = 37, H = 3 };
	for (size_t i = 0; fbk_format_at(i); i++) {
		for (size_t j = 0; fbk_format_at(j); j++) {
			const struct fbk_format_info *from = fbk_format_at(i), *to = fbk_format_at(j);
			uint32_t spare = spare_bits(to);
			if (from == to || !spare)
				continue;
			struct fbk_surface *src = NULL, *dst = NULL;
			if (fbk_surface_create(&src, W, H, from->fourcc) ||
			    fbk_surface_create(&dst, W, H, to->fourcc)) {
				CHECK(0, "surfaces: %s", fbk_last_error());
				fbk_surface_destroy(src);
				return;
			}
			memset(src->pixels, 0xff, src->stride * H);
			memset(dst->pixels, 0xff, dst->stride * H);
			CHECK(fbk_blit(dst, 0, 0, src, NULL, FBK_OP_SRC, 255) == 0, "%s", fbk_last_error());
			uint32_t left = 0;
			for (int32_t y = 0; y < H; y++)
				for (int32_t x = 0; x < W; x++) {
					uint32_t p = 0;
					memcpy(&p, fbk_surface_pixel(dst, x, y), to->bytes_per_pixel);
					left |= p & spare;
				}
			CHECK(left == 0, "%s -> %s: spare bits 0x%x left set", from->name, to->name,
			      (unsigned)left);
			fbk_surface_destroy(src);
			fbk_surface_destroy(dst);
		}
	}
}

int main(void)
{
	rng_seed(7);
	for (int round = 0; round < 6000; round++)
		random_blit(round);
	scroll_cases();
	touching_rows();
	spare_bits_cleared();
	bad_input();
	return harness_exit();
}
