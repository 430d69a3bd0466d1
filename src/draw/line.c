/*
 * Lines and rectangle outlines.
 *
 * Which pixels fbk_line sets is defined by a closed form, so that clipping
 * can jump straight to any step and the tests have an exact reference.
 * Let dx = x1 - x0 and dy = y1 - y0 (exact, in 64 bits). The major axis is
 * x when |dx| >= |dy| (ties go to x), else y; M is the major distance and
 * N <= M the minor one, s_maj and s_min the signs of the two deltas (+1 for
 * zero). Step i = 0..M sets the pixel
 *
 *	major = major0 + s_maj * i
 *	minor = minor0 + s_min * floor((2 * i * N + M) / (2 * M))
 *
 * that is, i * N / M rounded to nearest with halves rounded away from the
 * first point. M == 0 is the single pixel (x0, y0). Reversing the
 * endpoints can therefore move pixels where the rounding ties; the first
 * point decides, as with Bresenham's loop, which computes the same thing
 * incrementally: err = ((2 * i * N + M) mod 2M) - 2M lies in [-2M, 0), and
 * each step adds 2N and, when that makes err >= 0, subtracts 2M and moves
 * one pixel along the minor axis.
 *
 * Clipping is exact and O(1): the steps whose major coordinate lies in the
 * clip form an interval, and because the minor offset q(i) never decreases,
 * so do the steps whose minor coordinate lies in it: q(i) >= k holds
 * exactly when i >= ceil((2k - 1) * M / (2N)). Only the intersection is
 * walked, with err started at its first step, so the cost depends on the
 * pixels drawn and not on how far outside the endpoints are.
 *
 * Overflow: M and N are at most 2^32 - 1, so numerators like 2 * i * N + M
 * can need 65 bits. They are never formed. Every product used is i * N with
 * i <= M, or (k - 1) * M with k <= N, both at most (2^32 - 1)^2 < 2^64; a
 * quotient floor((2p + c) / 2e) is then split as p = a * e + b into
 * a + floor((2b + c) / 2e), where 2b + c < 2^35. So plain 64-bit unsigned
 * arithmetic is enough on every compiler, and no __int128 path exists to
 * drift apart from a fallback.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/clip.h"
#include "core/error.h"
#include "fbkit/draw.h"
#include "pixel/pixel.h"

/* Everything one call draws with, worked out once. */
struct pen {
	uint8_t *pixels;
	ptrdiff_t stride;
	int bpp;
	const struct fbk_row_codec *codec;
	uint32_t argb;
	uint8_t packed[4]; /* the colour as stored, for opaque colours */
	bool opaque;
	bool dst_has_alpha;
	int64_t left, top, right, bottom; /* clip, inclusive edges */
};

/*
 * 1 when there is something to draw, 0 when the colour or clip makes the
 * call a no-op, or a negative errno for an unusable surface.
 */
static int pen_init(struct pen *pen, const struct fbk_surface *dst, struct fbk_color color)
{
	int err = fbk_surface_check(dst);
	if (err)
		return err;
	struct fbk_rect clip = fbk_effective_clip(dst);
	if (color.a == 0 || clip.w <= 0 || clip.h <= 0)
		return 0;
	const struct fbk_format_info *info = fbk_format_info(dst->format);
	pen->pixels = dst->pixels;
	pen->stride = (ptrdiff_t)dst->stride;
	pen->bpp = info->bytes_per_pixel;
	pen->codec = fbk_row_codec(dst->format);
	pen->argb = fbk_argb(color);
	memset(pen->packed, 0, sizeof(pen->packed));
	/* Packed by the row codec so both paths agree with the blending rows. */
	pen->codec->pack(pen->packed, &pen->argb, 1);
	pen->opaque = color.a == 255;
	pen->dst_has_alpha = info->alpha.length != 0;
	pen->left = clip.x;
	pen->top = clip.y;
	pen->right = (int64_t)clip.x + clip.w - 1;
	pen->bottom = (int64_t)clip.y + clip.h - 1;
	return 1;
}

/* The packed colour as fbk_fill_row wants it. */
static uint32_t row_value(const struct pen *pen)
{
	uint32_t v32;
	uint16_t v16;
	switch (pen->bpp) {
	case 4:
		memcpy(&v32, pen->packed, 4);
		return v32;
	case 2:
		memcpy(&v16, pen->packed, 2);
		return v16;
	default:
		return (uint32_t)pen->packed[0] | (uint32_t)pen->packed[1] << 8 |
		       (uint32_t)pen->packed[2] << 16;
	}
}

/*
 * Opaque stepping loop. The error term is the loop-carried dependency, so
 * both candidates for its next value are formed from the current one and
 * one is picked: the chain is an add and a select. Deriving a mask from
 * the sign and subtracting through it made the chain five operations and
 * measured about a third slower on random lines. Inlined with a constant
 * bpp, the memcpy becomes a single store.
 */
static inline void walk_opaque(uint8_t *pixels, ptrdiff_t off, ptrdiff_t major, ptrdiff_t minor,
			       int32_t n, int64_t err, int64_t inc, int64_t dec,
			       const uint8_t *packed, size_t bpp)
{
	uint8_t px[4];
	memcpy(px, packed, 4);
	ptrdiff_t diagonal = major + minor;
	int64_t inc_carry = inc - dec;
	for (int32_t k = 0; k < n; k++) {
		memcpy(pixels + off, px, bpp);
		int64_t plain = err + inc, carried = err + inc_carry;
		bool carry = plain >= 0;
		err = carry ? carried : plain;
		off += carry ? diagonal : major;
	}
}

/*
 * Translucent stepping: gather a chunk of pixels along the path into a
 * contiguous buffer so the row codec and fbk_over_color_row do the work,
 * then scatter it back. A line never visits a pixel twice, so gathering a
 * whole chunk before writing any of it is safe.
 */
static void walk_blend(const struct pen *pen, ptrdiff_t off, ptrdiff_t major, ptrdiff_t minor,
		       int32_t n, int64_t err, int64_t inc, int64_t dec)
{
	ptrdiff_t at[FBK_ROW_CHUNK];
	uint8_t bytes[FBK_ROW_CHUNK * 4];
	uint32_t argb[FBK_ROW_CHUNK];
	size_t bpp = (size_t)pen->bpp;
	while (n > 0) {
		int32_t count = n < FBK_ROW_CHUNK ? n : FBK_ROW_CHUNK;
		for (int32_t k = 0; k < count; k++) {
			at[k] = off;
			memcpy(bytes + (size_t)k * bpp, pen->pixels + off, bpp);
			err += inc;
			if (err >= 0) {
				err -= dec;
				off += minor;
			}
			off += major;
		}
		pen->codec->unpack(argb, bytes, count);
		fbk_over_color_row(argb, pen->argb, count, pen->dst_has_alpha);
		pen->codec->pack(bytes, argb, count);
		for (int32_t k = 0; k < count; k++)
			memcpy(pen->pixels + at[k], bytes + (size_t)k * bpp, bpp);
		n -= count;
	}
}

/*
 * n pixels from (x, y), which lies inside the clip, moving `major` bytes a
 * step and `minor` more whenever err (see the top of the file) carries.
 */
static void walk(const struct pen *pen, int64_t x, int64_t y, ptrdiff_t major, ptrdiff_t minor,
		 int32_t n, int64_t err, int64_t inc, int64_t dec)
{
	ptrdiff_t off = (ptrdiff_t)y * pen->stride + (ptrdiff_t)x * pen->bpp;
	if (!pen->opaque) {
		walk_blend(pen, off, major, minor, n, err, inc, dec);
		return;
	}
	switch (pen->bpp) {
	case 4:
		walk_opaque(pen->pixels, off, major, minor, n, err, inc, dec, pen->packed, 4);
		break;
	case 3:
		walk_opaque(pen->pixels, off, major, minor, n, err, inc, dec, pen->packed, 3);
		break;
	case 2:
		walk_opaque(pen->pixels, off, major, minor, n, err, inc, dec, pen->packed, 2);
		break;
	}
}

/* Pixels xa..xb (inclusive) of row y, clipped. */
static void hspan(const struct pen *pen, int64_t xa, int64_t xb, int64_t y)
{
	if (y < pen->top || y > pen->bottom)
		return;
	if (xa < pen->left)
		xa = pen->left;
	if (xb > pen->right)
		xb = pen->right;
	if (xa > xb)
		return;
	uint8_t *row = pen->pixels + (ptrdiff_t)y * pen->stride + (ptrdiff_t)xa * pen->bpp;
	int32_t n = (int32_t)(xb - xa + 1);
	if (pen->opaque) {
		fbk_fill_row(row, row_value(pen), pen->bpp, n);
		return;
	}
	fbk_blend_color_span(row, pen->codec, pen->bpp, n, pen->argb, pen->dst_has_alpha);
}

/* Pixels ya..yb (inclusive) of column x, clipped: a walk that never carries. */
static void vspan(const struct pen *pen, int64_t x, int64_t ya, int64_t yb)
{
	if (x < pen->left || x > pen->right)
		return;
	if (ya < pen->top)
		ya = pen->top;
	if (yb > pen->bottom)
		yb = pen->bottom;
	if (ya > yb)
		return;
	walk(pen, x, ya, pen->stride, 0, (int32_t)(yb - ya + 1), -1, 0, 0);
}

/* floor((2p + c) / 2e) and its remainder, for e >= 1 and c < 2^62, in 64 bits. */
static uint64_t div_twice(uint64_t p, uint64_t c, uint64_t e, uint64_t *rem)
{
	uint64_t t = 2 * (p % e) + c;
	*rem = t % (2 * e);
	return p / e + t / (2 * e);
}

/* The first step whose minor offset reaches k, for 1 <= k <= n (n >= 1). */
static int64_t first_step_reaching(int64_t k, uint64_t m, uint64_t n)
{
	uint64_t rem;
	/* ceil((2k - 1) m / 2n) == floor((2 (k - 1) m + m + 2n - 1) / 2n) */
	return (int64_t)div_twice((uint64_t)(k - 1) * m, m + 2 * n - 1, n, &rem);
}

/* The range of offsets t, in steps of sign s from c0, that land in [lo, hi]. */
static void offsets_inside(int64_t c0, int s, int64_t lo, int64_t hi, int64_t *first,
			   int64_t *last)
{
	if (s > 0) {
		*first = lo - c0;
		*last = hi - c0;
	} else {
		*first = c0 - hi;
		*last = c0 - lo;
	}
}

static void diagonal(const struct pen *pen, int64_t x0, int64_t y0, int64_t dx, int64_t dy)
{
	uint64_t ax = (uint64_t)(dx < 0 ? -dx : dx), ay = (uint64_t)(dy < 0 ? -dy : dy);
	bool x_major = ax >= ay;
	uint64_t m = x_major ? ax : ay, n = x_major ? ay : ax;
	int sx = dx < 0 ? -1 : 1, sy = dy < 0 ? -1 : 1;
	int s_maj = x_major ? sx : sy, s_min = x_major ? sy : sx;

	int64_t first, last, k_lo, k_hi;
	if (x_major) {
		offsets_inside(x0, sx, pen->left, pen->right, &first, &last);
		offsets_inside(y0, sy, pen->top, pen->bottom, &k_lo, &k_hi);
	} else {
		offsets_inside(y0, sy, pen->top, pen->bottom, &first, &last);
		offsets_inside(x0, sx, pen->left, pen->right, &k_lo, &k_hi);
	}
	/* The minor offset runs over 0..n: outside that the line misses. */
	if (k_hi < 0 || k_lo > (int64_t)n)
		return;
	if (first < 0)
		first = 0;
	if (last > (int64_t)m)
		last = (int64_t)m;
	if (k_lo > 0) {
		int64_t i = first_step_reaching(k_lo, m, n);
		if (i > first)
			first = i;
	}
	if (k_hi < (int64_t)n) {
		int64_t i = first_step_reaching(k_hi + 1, m, n) - 1;
		if (i < last)
			last = i;
	}
	if (first > last)
		return;

	uint64_t rem;
	int64_t q = (int64_t)div_twice((uint64_t)first * n, m, m, &rem);
	int64_t maj_off = first * s_maj, min_off = q * s_min;
	ptrdiff_t bpp = pen->bpp;
	ptrdiff_t maj_step = x_major ? s_maj * bpp : s_maj * pen->stride;
	ptrdiff_t min_step = x_major ? s_min * pen->stride : s_min * bpp;
	int64_t x = x0 + (x_major ? maj_off : min_off), y = y0 + (x_major ? min_off : maj_off);
	walk(pen, x, y, maj_step, min_step, (int32_t)(last - first + 1),
	     (int64_t)rem - (int64_t)(2 * m), (int64_t)(2 * n), (int64_t)(2 * m));
}

int fbk_line(struct fbk_surface *dst, int32_t x0, int32_t y0, int32_t x1, int32_t y1,
	     struct fbk_color color)
{
	struct pen pen;
	int ready = pen_init(&pen, dst, color);
	if (ready < 0)
		return fbk_fail_context(ready, "line");
	if (!ready)
		return 0;
	/* Axis-aligned lines need no clipping maths and fill whole rows. */
	if (y0 == y1)
		hspan(&pen, x0 < x1 ? x0 : x1, x0 < x1 ? x1 : x0, y0);
	else if (x0 == x1)
		vspan(&pen, x0, y0 < y1 ? y0 : y1, y0 < y1 ? y1 : y0);
	else
		diagonal(&pen, x0, y0, (int64_t)x1 - x0, (int64_t)y1 - y0);
	return 0;
}

int fbk_rect_outline(struct fbk_surface *dst, const struct fbk_rect *rect, struct fbk_color color)
{
	struct pen pen;
	int ready = pen_init(&pen, dst, color);
	if (ready < 0)
		return fbk_fail_context(ready, "rectangle outline");
	if (!rect)
		return fbk_fail(-EINVAL, "rectangle outline: rectangle is NULL");
	if (!ready || rect->w <= 0 || rect->h <= 0)
		return 0;
	/* Far edges in 64 bits: x + w - 1 may not fit in int32. */
	int64_t left = rect->x, top = rect->y;
	int64_t right = left + rect->w - 1, bottom = top + rect->h - 1;
	/* Sides stop short of the top and bottom rows so corners are drawn once. */
	hspan(&pen, left, right, top);
	if (bottom > top)
		hspan(&pen, left, right, bottom);
	if (bottom - top >= 2) {
		vspan(&pen, left, top + 1, bottom - 1);
		if (right > left)
			vspan(&pen, right, top + 1, bottom - 1);
	}
	return 0;
}
