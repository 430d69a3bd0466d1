/*
 * The rotation kernels (src/pixel/rotate.h) at every level this machine
 * runs, against a per-pixel reference written from the mapping in
 * rotate.h: every rotation, pixels of 2, 3 and 4 bytes, sizes from 1x1 up
 * past a tile, odd sizes and strides, rectangles inside larger buffers at
 * any byte offset (so nothing is aligned), and guard bytes around the
 * destination rectangle that must keep their value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "level.h"
#include "pixel/pixel_ops.h"
#include "pixel/rotate.h"

static const int rotations[] = { 0, 90, 180, 270 };

static void reference(uint8_t *dst, size_t dst_stride, const uint8_t *src, size_t src_stride,
		      int32_t w, int32_t h, size_t bpp, int rotation)
{
	for (int32_t y = 0; y < h; y++)
		for (int32_t x = 0; x < w; x++) {
			int32_t dx = x, dy = y;
			if (rotation == 90) {
				dx = h - 1 - y;
				dy = x;
			} else if (rotation == 180) {
				dx = w - 1 - x;
				dy = h - 1 - y;
			} else if (rotation == 270) {
				dx = y;
				dy = w - 1 - x;
			}
			memcpy(dst + (size_t)dy * dst_stride + (size_t)dx * bpp,
			       src + (size_t)y * src_stride + (size_t)x * bpp, bpp);
		}
}

/*
 * One case: a w x h rectangle at (sx, sy) of a source buffer, turned into
 * a destination buffer at (dx, dy); the destination around the turned
 * rectangle must stay as the reference leaves it (its fill byte).
 */
static bool one_case(const struct fbk_rotate_ops *ops, size_t bpp, int rotation, int32_t w,
		     int32_t h, size_t pad_src, size_t pad_dst, size_t offset)
{
	int32_t tw = rotation % 180 ? h : w, th = rotation % 180 ? w : h;
	int32_t sx = rng_range(0, 5), sy = rng_range(0, 3), dx = rng_range(0, 5),
		dy = rng_range(0, 3);
	size_t src_stride = (size_t)(sx + w + 2) * bpp + pad_src;
	size_t dst_stride = (size_t)(dx + tw + 2) * bpp + pad_dst;
	size_t src_size = src_stride * (size_t)(sy + h + 2) + offset;
	size_t dst_size = dst_stride * (size_t)(dy + th + 2) + offset;
	uint8_t *src = malloc(src_size), *got = malloc(dst_size), *want = malloc(dst_size);
	if (!src || !got || !want) {
		free(src);
		free(got);
		free(want);
		CHECK(0, "out of memory");
		return false;
	}
	for (size_t i = 0; i < src_size; i++)
		src[i] = (uint8_t)rng_next();
	memset(got, 0x5a, dst_size);
	memset(want, 0x5a, dst_size);
	const uint8_t *from = src + offset + (size_t)sy * src_stride + (size_t)sx * bpp;
	size_t to = offset + (size_t)dy * dst_stride + (size_t)dx * bpp;
	ops->rotate(got + to, dst_stride, from, src_stride, w, h, (int)bpp, rotation);
	reference(want + to, dst_stride, from, src_stride, w, h, bpp, rotation);
	bool ok = !memcmp(got, want, dst_size);
	if (!ok) {
		size_t first = 0;
		while (got[first] == want[first])
			first++;
		CHECK(0, "%s: %zu bytes per pixel, %d degrees, %dx%d (strides %zu, %zu, offset "
			 "%zu): byte %zu of the destination (row %zu) is %#x, not %#x",
		      ops->name, bpp, rotation, (int)w, (int)h, src_stride, dst_stride, offset,
		      first, (first - offset) / dst_stride, got[first], want[first]);
	}
	free(src);
	free(got);
	free(want);
	return ok;
}

static void test_level(const struct fbk_rotate_ops *ops)
{
	printf("level %s\n", ops->name);
	rng_seed(23);
	static const size_t bpps[] = { 2, 3, 4 };
	for (size_t b = 0; b < 3; b++)
		for (size_t r = 0; r < 4; r++) {
			size_t bpp = bpps[b];
			int rotation = rotations[r];
			bool ok = true;
			/* Every size up to two blocks each way, at every byte offset in turn. */
			for (int32_t h = 1; h <= 17 && ok; h++)
				for (int32_t w = 1; w <= 33 && ok; w++)
					ok = one_case(ops, bpp, rotation, w, h, (size_t)(w + h) % 7,
						      (size_t)(w * 3 + h) % 5, (size_t)(w + 2 * h) % 32);
			/* Past a tile (and a tile's rows) in both directions, odd sizes. */
			for (int i = 0; i < 12 && ok; i++)
				ok = one_case(ops, bpp, rotation, rng_range(60, 300),
					      rng_range(30, 140), (size_t)rng_range(0, 9),
					      (size_t)rng_range(0, 9), (size_t)rng_range(0, 31));
			ok = ok && one_case(ops, bpp, rotation, 256, 64, 0, 0, 0);
			/* Many tiles each way, cut at both edges. */
			ok = ok && one_case(ops, bpp, rotation, 1100, 530, 4, 2, 3);
			ok = ok && one_case(ops, bpp, rotation, 1, 300, 1, 3, 5);
			ok = ok && one_case(ops, bpp, rotation, 300, 1, 0, 0, 1);
			CHECK(ok, "%s: %zu bytes per pixel at %d degrees", ops->name, bpp, rotation);
		}
}

/*
 * Each SIMD level is a case of its own (rotate_vector, rotate_avx2), so that
 * a level this build or CPU lacks is reported skipped.
 */
int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--level")) {
		const struct fbk_rotate_ops *ops =
			level_asked(argv[2], fbk_rotate_ops_vector(), fbk_rotate_ops_avx2());
		if (ops)
			test_level(ops);
		return harness_exit();
	}
	test_level(fbk_rotate_ops_portable());
	printf("in use by default: %s\n", fbk_rotate_ops()->name);
	return harness_exit();
}
