/*
 * Internal: the rotation kernels (rotate.h), written once and compiled once
 * per row-kernel level, as rows_template.c is: rotate.c includes this file
 * for the portable level, rotate_vector.c (-O3) and rotate_avx2.c (-O3
 * -mavx2) again. Not a header and never built on its own.
 *
 * A quarter turn is a transpose with the rows taken in another order, and
 * a plain per-pixel transpose reads one pixel per cache line on one side:
 * 0.17x memcpy for 1080p XRGB8888 (measured on this project's machine).
 * Here the rectangle is cut into tiles whose source and destination fit
 * in the L1 cache together, and each tile into blocks of 8x8 pixels that
 * are loaded as 8 rows of vectors, transposed in registers with unpack
 * shuffles (GNU vector types, so the same source compiles to SSE2, NEON,
 * or plain code without a vector unit) and stored as 8 rows of vectors.
 * Turning by 90 or 270 degrees is the same transpose with the source rows
 * read bottom-up (90) or the destination rows written bottom-up (270): a
 * block is given signed row steps, so no shuffle is spent on the order. A
 * half turn reverses each row's pixels inside vectors. Pixels of 3 bytes,
 * and what is left at the right and bottom edges past whole blocks, are
 * copied one by one, tile by tile.
 *
 * An includer that has faster blocks (rotate_avx2.c) defines
 * ROTATE_BLOCK_32 and ROTATE_BLOCK_16, with their widths in
 * ROTATE_BLOCK_32_W and ROTATE_BLOCK_16_W (pixels along a source row; 8
 * source rows always), before including this file.
 */
#ifndef FBK_PIXEL_ROTATE_TEMPLATE_C
#define FBK_PIXEL_ROTATE_TEMPLATE_C

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pixel/rotate.h"

/*
 * Tiles of this many bytes along a source row and this many rows: 16 KiB
 * read and 16 KiB written per tile, which the L1 data cache holds with
 * room to spare (48 KiB on the machine measured), so the destination's
 * partly written lines stay cached until the tile has filled them.
 * Measured at 1920x1080 with AVX2 blocks: 256 x 64 was the fastest of
 * 128-1024 bytes by 8-128 rows (by 5-30% over 256 x 32, 512 x 16 and
 * 1024 x 8). A build may set other values to measure them again.
 */
#ifndef ROTATE_TILE_BYTES
#define ROTATE_TILE_BYTES 256
#endif
#ifndef ROTATE_TILE_ROWS
#define ROTATE_TILE_ROWS 64
#endif

typedef uint32_t rot_u32x4 __attribute__((vector_size(16)));
typedef uint16_t rot_u16x8 __attribute__((vector_size(16)));
typedef uint64_t rot_u64x2 __attribute__((vector_size(16)));

static inline rot_u32x4 rot_load32x4(const uint8_t *p)
{
	rot_u32x4 v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void rot_store32x4(uint8_t *p, rot_u32x4 v)
{
	memcpy(p, &v, sizeof(v));
}

static inline rot_u16x8 rot_load16x8(const uint8_t *p)
{
	rot_u16x8 v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void rot_store16x8(uint8_t *p, rot_u16x8 v)
{
	memcpy(p, &v, sizeof(v));
}

/* Rows r0..r3 of 4 pixels become columns: out[k] holds pixel k of each row. */
static inline void rot_transpose_4x4(rot_u32x4 out[4], rot_u32x4 r0, rot_u32x4 r1, rot_u32x4 r2,
				     rot_u32x4 r3)
{
	rot_u32x4 t0 = __builtin_shufflevector(r0, r1, 0, 4, 1, 5);
	rot_u32x4 t1 = __builtin_shufflevector(r0, r1, 2, 6, 3, 7);
	rot_u32x4 t2 = __builtin_shufflevector(r2, r3, 0, 4, 1, 5);
	rot_u32x4 t3 = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);
	out[0] = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
	out[1] = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
	out[2] = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
	out[3] = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
}

/*
 * 8x8 pixels of 4 bytes: source row r (r = 0..7) at src + r * src_step,
 * destination row k at dst + k * dst_step gets pixel k of every source
 * row, in row order. The steps are signed: see the opening comment.
 */
static inline void rot_block_32(uint8_t *dst, ptrdiff_t dst_step, const uint8_t *src,
				ptrdiff_t src_step)
{
	rot_u32x4 lo[8], hi[8];
	for (int r = 0; r < 8; r++) {
		lo[r] = rot_load32x4(src + r * src_step);
		hi[r] = rot_load32x4(src + r * src_step + 16);
	}
	rot_u32x4 a[4], b[4], c[4], d[4];
	rot_transpose_4x4(a, lo[0], lo[1], lo[2], lo[3]); /* pixels 0-3 of rows 0-3 */
	rot_transpose_4x4(b, lo[4], lo[5], lo[6], lo[7]); /* pixels 0-3 of rows 4-7 */
	rot_transpose_4x4(c, hi[0], hi[1], hi[2], hi[3]);
	rot_transpose_4x4(d, hi[4], hi[5], hi[6], hi[7]);
	for (int k = 0; k < 4; k++) {
		rot_store32x4(dst + k * dst_step, a[k]);
		rot_store32x4(dst + k * dst_step + 16, b[k]);
		rot_store32x4(dst + (k + 4) * dst_step, c[k]);
		rot_store32x4(dst + (k + 4) * dst_step + 16, d[k]);
	}
}

/* As rot_block_32 for pixels of 2 bytes: three rounds of unpacks (16, 32, 64 bits). */
static inline void rot_block_16(uint8_t *dst, ptrdiff_t dst_step, const uint8_t *src,
				ptrdiff_t src_step)
{
	rot_u16x8 r[8];
	for (int i = 0; i < 8; i++)
		r[i] = rot_load16x8(src + i * src_step);
	rot_u16x8 s[8];
	for (int i = 0; i < 4; i++) {
		s[2 * i] = __builtin_shufflevector(r[2 * i], r[2 * i + 1], 0, 8, 1, 9, 2, 10, 3, 11);
		s[2 * i + 1] =
			__builtin_shufflevector(r[2 * i], r[2 * i + 1], 4, 12, 5, 13, 6, 14, 7, 15);
	}
	/* s[2i] holds pixels 0-3 of rows 2i and 2i+1 interleaved, s[2i+1] pixels 4-7. */
	rot_u32x4 t[8];
	for (int half = 0; half < 2; half++)
		for (int pair = 0; pair < 2; pair++) {
			rot_u32x4 a = (rot_u32x4)s[4 * pair + half];
			rot_u32x4 b = (rot_u32x4)s[4 * pair + 2 + half];
			t[4 * half + 2 * pair] = __builtin_shufflevector(a, b, 0, 4, 1, 5);
			t[4 * half + 2 * pair + 1] = __builtin_shufflevector(a, b, 2, 6, 3, 7);
		}
	/*
	 * t[4 * half + 2 * pair + q] holds, for pixels 4 * half + 2q and the
	 * next, rows 4 * pair .. 4 * pair + 3.
	 */
	for (int half = 0; half < 2; half++)
		for (int q = 0; q < 2; q++) {
			rot_u64x2 a = (rot_u64x2)t[4 * half + q];
			rot_u64x2 b = (rot_u64x2)t[4 * half + 2 + q];
			int k = 4 * half + 2 * q;
			rot_store16x8(dst + k * dst_step, (rot_u16x8)__builtin_shufflevector(a, b, 0, 2));
			rot_store16x8(dst + (k + 1) * dst_step,
				      (rot_u16x8)__builtin_shufflevector(a, b, 1, 3));
		}
}

#ifndef ROTATE_BLOCK_32
#define ROTATE_BLOCK_32 rot_block_32
#define ROTATE_BLOCK_32_W 8
#endif
#ifndef ROTATE_BLOCK_16
#define ROTATE_BLOCK_16 rot_block_16
#define ROTATE_BLOCK_16_W 8
#endif

static inline int32_t rot_min(int32_t a, int32_t b)
{
	return a < b ? a : b;
}

/* Where source pixel (x, y) of a w x h rectangle lands, as bytes from dst. */
static inline size_t rot_offset(int32_t x, int32_t y, int32_t w, int32_t h, size_t dst_stride,
				size_t bpp, int rotation)
{
	switch (rotation) {
	case 90:
		return (size_t)x * dst_stride + (size_t)(h - 1 - y) * bpp;
	case 180:
		return (size_t)(h - 1 - y) * dst_stride + (size_t)(w - 1 - x) * bpp;
	case 270:
		return (size_t)(w - 1 - x) * dst_stride + (size_t)y * bpp;
	default:
		return (size_t)y * dst_stride + (size_t)x * bpp;
	}
}

/* Pixels [x0, x1) x [y0, y1) of the rectangle one by one; constant bpp once inlined. */
static inline void rot_pixels_bpp(uint8_t *dst, size_t dst_stride, const uint8_t *src,
				  size_t src_stride, int32_t w, int32_t h, size_t bpp, int rotation,
				  int32_t x0, int32_t x1, int32_t y0, int32_t y1)
{
	for (int32_t y = y0; y < y1; y++) {
		const uint8_t *s = src + (size_t)y * src_stride + (size_t)x0 * bpp;
		for (int32_t x = x0; x < x1; x++, s += bpp)
			memcpy(dst + rot_offset(x, y, w, h, dst_stride, bpp, rotation), s, bpp);
	}
}

static void rot_pixels(uint8_t *dst, size_t dst_stride, const uint8_t *src, size_t src_stride,
		       int32_t w, int32_t h, size_t bpp, int rotation, int32_t x0, int32_t x1,
		       int32_t y0, int32_t y1)
{
	if (x0 >= x1 || y0 >= y1)
		return;
	if (bpp == 4)
		rot_pixels_bpp(dst, dst_stride, src, src_stride, w, h, 4, rotation, x0, x1, y0, y1);
	else if (bpp == 2)
		rot_pixels_bpp(dst, dst_stride, src, src_stride, w, h, 2, rotation, x0, x1, y0, y1);
	else
		rot_pixels_bpp(dst, dst_stride, src, src_stride, w, h, 3, rotation, x0, x1, y0, y1);
}

/* Pixels [x0, x1) x [y0, y1) one by one, a tile at a time. */
static void rot_pixels_tiled(uint8_t *dst, size_t dst_stride, const uint8_t *src,
			     size_t src_stride, int32_t w, int32_t h, size_t bpp, int rotation,
			     int32_t x0, int32_t x1, int32_t y0, int32_t y1)
{
	int32_t tile_w = (int32_t)(ROTATE_TILE_BYTES / bpp);
	for (int32_t ty = y0; ty < y1; ty += ROTATE_TILE_ROWS)
		for (int32_t tx = x0; tx < x1; tx += tile_w)
			rot_pixels(dst, dst_stride, src, src_stride, w, h, bpp, rotation, tx,
				   rot_min(tx + tile_w, x1), ty, rot_min(ty + ROTATE_TILE_ROWS, y1));
}

typedef void (*rot_block_fn)(uint8_t *dst, ptrdiff_t dst_step, const uint8_t *src,
			     ptrdiff_t src_step);

/* Ask for the cache lines of n bytes at p: for reading, or (write) for writing. */
static inline void rot_prefetch(const uint8_t *p, size_t n, bool write)
{
	/* Addresses as integers: the first line may start before the buffer. */
	uintptr_t end = (uintptr_t)p + n;
	for (uintptr_t a = (uintptr_t)p & ~(uintptr_t)63; a < end; a += 64) {
		if (write)
			__builtin_prefetch((const void *)a, 1, 3);
		else
			__builtin_prefetch((const void *)a, 0, 3);
	}
}

/*
 * A quarter turn: whole blocks of bw x 8 pixels tile by tile, then the
 * right and bottom strips one by one. Inlined with a constant block.
 *
 * A tile reads a piece of 64 source rows and writes a piece of as many
 * destination rows as it is wide: more streams than a CPU's prefetchers
 * follow, so from memory that is not cached (a frame is larger than the
 * caches) each block would wait for its lines. So while it works on one
 * tile it asks for the next tile's lines, a source row and two
 * destination rows per block, read and written lines alike.
 */
static inline void rot_quarter(uint8_t *dst, size_t dst_stride, const uint8_t *src,
			       size_t src_stride, int32_t w, int32_t h, size_t bpp, int rotation,
			       rot_block_fn block, int32_t bw)
{
	const int32_t bh = 8;
	int32_t wb = w - w % bw, hb = h - h % bh;
	int32_t tile_w = (int32_t)(ROTATE_TILE_BYTES / bpp);
	ptrdiff_t ss = (ptrdiff_t)src_stride, ds = (ptrdiff_t)dst_stride;
	for (int32_t ty = 0; ty < hb; ty += ROTATE_TILE_ROWS) {
		int32_t ye = rot_min(ty + ROTATE_TILE_ROWS, hb);
		for (int32_t tx = 0; tx < wb; tx += tile_w) {
			int32_t xe = rot_min(tx + tile_w, wb);
			/* The next tile, along the band of rows or at the start of the next. */
			int32_t nx = xe < wb ? xe : 0, ny = xe < wb ? ty : ye;
			int32_t nw = rot_min(tile_w, wb - nx), nh = rot_min(ROTATE_TILE_ROWS, hb - ny);
			int32_t src_rows = ny < hb ? 0 : nh, dst_rows = ny < hb ? 0 : nw;
			for (int32_t x = tx; x < xe; x += bw)
				for (int32_t y = ty; y < ye; y += bh) {
					if (src_rows < nh) {
						rot_prefetch(src + (size_t)(ny + src_rows) * src_stride +
								     (size_t)nx * bpp,
							     (size_t)nw * bpp, false);
						src_rows++;
					}
					for (int k = 0; k < 2 && dst_rows < nw; k++, dst_rows++) {
						size_t row = rotation == 90
								     ? (size_t)(nx + dst_rows)
								     : (size_t)(w - 1 - nx - dst_rows);
						size_t col = rotation == 90 ? (size_t)(h - ny - nh)
									    : (size_t)ny;
						rot_prefetch(dst + row * dst_stride + col * bpp,
							     (size_t)nh * bpp, true);
					}
					if (rotation == 90)
						block(dst + (size_t)x * dst_stride +
							      (size_t)(h - bh - y) * bpp,
						      ds,
						      src + (size_t)(y + bh - 1) * src_stride +
							      (size_t)x * bpp,
						      -ss);
					else
						block(dst + (size_t)(w - 1 - x) * dst_stride +
							      (size_t)y * bpp,
						      -ds, src + (size_t)y * src_stride + (size_t)x * bpp,
						      ss);
				}
		}
	}
	rot_pixels_tiled(dst, dst_stride, src, src_stride, w, h, bpp, rotation, wb, w, 0, h);
	rot_pixels_tiled(dst, dst_stride, src, src_stride, w, h, bpp, rotation, 0, wb, hb, h);
}

/*
 * A half turn of one row of n pixels: each vector's pixels reversed,
 * vectors in reverse order. 32-byte vectors: one permute with AVX2, two
 * halves swapped and reversed with SSE2 or NEON.
 */
typedef uint32_t rot_u32x8 __attribute__((vector_size(32)));
typedef uint16_t rot_u16x16 __attribute__((vector_size(32)));

static void rot_reverse_row_32(uint8_t *dst, const uint8_t *src, int32_t n)
{
	int32_t i = 0;
	for (; i + 8 <= n; i += 8) {
		rot_u32x8 a;
		memcpy(&a, src + 4 * i, sizeof(a));
		a = __builtin_shufflevector(a, a, 7, 6, 5, 4, 3, 2, 1, 0);
		memcpy(dst + 4 * (n - 8 - i), &a, sizeof(a));
	}
	for (; i < n; i++)
		memcpy(dst + 4 * (n - 1 - i), src + 4 * i, 4);
}

static void rot_reverse_row_16(uint8_t *dst, const uint8_t *src, int32_t n)
{
	int32_t i = 0;
	for (; i + 16 <= n; i += 16) {
		rot_u16x16 a;
		memcpy(&a, src + 2 * i, sizeof(a));
		a = __builtin_shufflevector(a, a, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1,
					    0);
		memcpy(dst + 2 * (n - 16 - i), &a, sizeof(a));
	}
	for (; i < n; i++)
		memcpy(dst + 2 * (n - 1 - i), src + 2 * i, 2);
}

static void rot_half(uint8_t *dst, size_t dst_stride, const uint8_t *src, size_t src_stride,
		     int32_t w, int32_t h, size_t bpp)
{
	for (int32_t y = 0; y < h; y++) {
		const uint8_t *s = src + (size_t)y * src_stride;
		uint8_t *d = dst + (size_t)(h - 1 - y) * dst_stride;
		if (bpp == 4)
			rot_reverse_row_32(d, s, w);
		else if (bpp == 2)
			rot_reverse_row_16(d, s, w);
		else
			rot_pixels(d, 0, s, 0, w, 1, 3, 180, 0, w, 0, 1);
	}
}

static void rotate_rect(uint8_t *dst, size_t dst_stride, const uint8_t *src, size_t src_stride,
			int32_t w, int32_t h, int bytes_per_pixel, int rotation)
{
	size_t bpp = (size_t)bytes_per_pixel;
	if (w <= 0 || h <= 0)
		return;
	switch (rotation) {
	case 90:
	case 270:
		if (bpp == 4)
			rot_quarter(dst, dst_stride, src, src_stride, w, h, 4, rotation,
				    ROTATE_BLOCK_32, ROTATE_BLOCK_32_W);
		else if (bpp == 2)
			rot_quarter(dst, dst_stride, src, src_stride, w, h, 2, rotation,
				    ROTATE_BLOCK_16, ROTATE_BLOCK_16_W);
		else
			rot_pixels_tiled(dst, dst_stride, src, src_stride, w, h, 3, rotation, 0, w,
					 0, h);
		break;
	case 180:
		rot_half(dst, dst_stride, src, src_stride, w, h, bpp);
		break;
	default:
		for (int32_t y = 0; y < h; y++)
			memcpy(dst + (size_t)y * dst_stride, src + (size_t)y * src_stride,
			       (size_t)w * bpp);
		break;
	}
}

#define ROTATE_OPS_TABLE(level_name)                                                          \
	{                                                                                     \
		.name = level_name, .rotate = rotate_rect,                                    \
	}

#endif
