/*
 * The streaming scaler of resample.h. Definitions, per axis, for n_in
 * source pixels scaled to n_out (output pixel j, source pixel i = [i, i+1)):
 *
 * - Box, SMOOTH with n_out <= n_in: output j covers the source interval
 *   [j * n_in / n_out, (j + 1) * n_in / n_out); source pixel i weighs the
 *   length of [i, i + 1) inside it.
 * - Bilinear, SMOOTH with n_out > n_in: u = (j + 0.5) * n_in / n_out - 0.5.
 *   u <= 0 takes pixel 0 alone, u >= n_in - 1 pixel n_in - 1 alone,
 *   otherwise pixels floor(u) and floor(u) + 1 weigh 1 - f and f, where
 *   f = u - floor(u).
 * - Nearest: source pixel floor((j + 0.5) * n_in / n_out).
 *
 * A source pixel's weight W for an output pixel is the product of its two
 * axis weights. SMOOTH averages premultiplied by alpha:
 *     alpha = round(sum W * a / sum W)
 *     c     = round(sum W * c * a / sum W * a)   for c = red, green, blue
 * with rounding to nearest, halves up, and a pixel whose alpha rounds to 0
 * is 0x00000000. Opaque areas therefore get their plain average colour.
 * NEAREST, and SMOOTH at the source size on both axes, copy source pixels
 * as they are (colour under alpha 0 included): nothing is averaged.
 *
 * Exactness: the weights are rationals with denominator n_out (box) or
 * 2 * n_out (bilinear), so scaled by that denominator and divided by
 * g = gcd(n_in, n_out) they are integers; an axis's weights for any output
 * pixel add up to its `total` (box: n_in / g, bilinear: 2 * n_out / g, at
 * most 65534), and the two-axis weights to TT = total_x * total_y. All
 * sums are exact integers and the one rounding is the final division, so
 * the result is the definition above rounded exactly, not approximately.
 *
 * Premultiplied sums need no multiply by alpha where pixels are opaque:
 * sum W * c * a = 255 * sum W * c - sum W * c * (255 - a), and the second
 * term (the "deficit") is only gathered for rows that are not opaque.
 *
 * Three ways to get there, chosen from the totals; all give the same pixels:
 *
 * - Rows first, shrinking vertically with total_y <= 257: straight sums of
 *   an output row's source rows fit 16 bits (255 * 257 = 65535), so a
 *   32-bit word holds two channels (blue | red << 16, green | alpha << 16)
 *   and one multiply-add serves both. Each source row is added into
 *   per-source-column sums as it arrives (the one loop over every source
 *   pixel: the row engine's box_add), and a completed output row is
 *   resampled horizontally once: when the second step stays in lanes
 *   (below) and every row of it was opaque, by the row engine's box_h
 *   (src/pixel, one per SIMD level: taps padded to the widest with weight
 *   0, rounded by the table below, or in float exactly as bilinear_v's
 *   small totals);
 *   otherwise, or with more than BOX_MAX_TAPS taps, by the code here.
 * - Columns first, growing vertically with total_x <= 257: each source
 *   row is resampled horizontally into the same 16-bit lanes, and an
 *   output row blends the last two of those.
 * - The second step stays in 16-bit lanes when TT <= 257 (whole ratios
 *   such as 3:1 or 1:2, or ratios of small numbers like 3:2), rounded with
 *   a table; otherwise it widens each lane to 32 bits (sum W * c is below
 *   255 * 257 * 65534 < 2^32) and divides.
 * - Bilinear, growing on both axes with TT <= FBK_BILINEAR_MAX_TOTAL (so
 *   2 * 255 * TT + TT < 2^31) and total_x <= 65535: the row engine's
 *   bilinear kernels (src/pixel, one per SIMD level). Each source row is
 *   resampled horizontally into three planes of 32-bit colour sums, and
 *   an output row blends the last two and divides each channel exactly
 *   (a float quotient corrected by its integer remainder). The kernels
 *   take every pixel as opaque; rows with other alpha also keep their
 *   alpha sums and deficits, and the pixels whose alpha sum is not
 *   255 * TT are redone by the same finishing code as the other paths.
 * - Wide, anything else: each needed source row becomes four 32-bit
 *   premultiplied sums per visible column (below 65025 * 65534 < 2^32),
 *   combined vertically in 64 bits (below 2^48).
 *
 * State is a few rows of the visible width (or of the source columns it
 * needs); the vertical taps of an output row are computed when it is
 * reached, so nothing grows with the height.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "fbkit/surface.h"
#include "core/overflow.h"
#include "image/resample.h"
#include "pixel/pixel_ops.h"

#if defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 wide_t;
#endif

/*
 * GNU C vectors (gcc and clang, any target; SSE2 on x86-64): the loops
 * over every source pixel or output column, which gcc -O2 leaves scalar.
 */
typedef uint32_t v4u32 __attribute__((vector_size(16)));
typedef uint16_t v8u16 __attribute__((vector_size(16)));

/* Two 8-bit channels in the low bytes of two 16-bit lanes. */
#define LANES 0x00ff00ffu
#define LANE_MAX_TOTAL 257 /* 255 * 257 = 65535, FBK_BOX_MAX_TOTAL */

/*
 * The most taps box_h is given: whole-ratio and 3:2-like shrinking need 2
 * to 5; beyond, the padded weights cost more than they save.
 */
#define BOX_MAX_TAPS 8

enum axis_kind {
	AXIS_BOX,
	AXIS_LINEAR,
	AXIS_NEAREST,
};

struct axis {
	enum axis_kind kind;
	int64_t n_in, n_out;
	int64_t gcd;
	uint32_t total; /* the weights of every output pixel add up to this */
	uint32_t full;  /* box: the weight of a source pixel wholly inside; else 0 */
	bool uniform;   /* every output has `total` source pixels of weight 1 */
};

struct span {
	int32_t start, count;
};

/* One visible output column: its source pixels (from x0) and where their weights are. */
struct tap {
	int32_t start, count;
	uint32_t first;
};

/*
 * floor(x / d) for x below 2^50 as a multiply: with s = 63 + floor(log2 d)
 * and m = ceil(2^s / d) (below 2^63 + 1), x * m / 2^s is exact to the
 * floor, since its error x * (m * d - 2^s) / (d * 2^s) stays below 1 / d
 * (x * d < 2^s). The high half of the 128-bit product is shifted by
 * s - 64; without 128-bit products it is a plain division.
 */
struct divider {
	uint64_t d, m;
	unsigned shift; /* s - 64 */
};

enum path {
	PATH_COPY,
	PATH_ROWS_FIRST,
	PATH_COLUMNS_FIRST,
	PATH_BILINEAR,
	PATH_WIDE,
};

struct fbk_resampler {
	struct axis ax, ay;
	struct fbk_rect visible;
	int32_t src_h;
	enum path path;
	bool lanes_total; /* TT <= 257: the second step in 16-bit lanes too */
	int32_t next_src, next_out, out_end;
	struct span vspan; /* source rows of output row next_out */
	int32_t need_first, need_last;
	int32_t x0, xn;    /* the visible columns need source columns x0 .. x0 + xn - 1 */
	struct tap *taps;  /* one per visible column */
	uint16_t *weights; /* of all taps */
	uint32_t *out;
	uint64_t total;            /* TT */
	uint64_t opaque;           /* sum W * a when every pixel is opaque: 255 * TT */
	struct divider round_div;  /* x / (2 * TT) */
	struct divider opaque_div; /* x / (2 * 255 * TT) */
	uint8_t *average;          /* lanes_total: round(s / TT) for s <= 255 * TT */
	/* rows first: per source column; columns first: scratch per visible column */
	uint32_t *m, *n; /* blue | red << 16, green | alpha << 16 */
	uint32_t *d;     /* deficits: planes of blue, green, red */
	bool d_used;
	bool span_opaque; /* every source row of the output row so far was opaque */
	/* rows first: box_h's taps, padded to box_taps with weight 0, one weight plane per tap */
	int32_t *box_start;
	uint16_t *box_weights;
	int32_t box_taps;
	uint32_t *hm[2], *hn[2], *hd[2]; /* columns first: the last two rows */
	bool hd_used[2];
	/* bilinear: per visible column, its two source pixels and the first's weight */
	int32_t *i0, *i1;
	uint32_t *w0;
	uint32_t *hp[2];   /* the last two rows: planes of blue, green, red sums */
	uint32_t *ha[2];   /* their alpha sums, for rows that are not opaque */
	bool hp_opaque[2];
	/* wide */
	uint32_t *hrow[2]; /* 4 sums per visible column; bilinear keeps two */
	uint64_t *acc;     /* 4 two-axis sums per visible column */
};

static int64_t gcd(int64_t a, int64_t b)
{
	while (b) {
		int64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static void axis_init(struct axis *a, int32_t n_in, int32_t n_out, bool nearest)
{
	int64_t g = gcd(n_in, n_out);
	*a = (struct axis){ AXIS_NEAREST, n_in, n_out, g, 1, 1, true };
	if (nearest)
		return;
	if (n_out <= n_in) {
		a->kind = AXIS_BOX;
		a->total = (uint32_t)(n_in / g);
		a->full = (uint32_t)(n_out / g);
		a->uniform = n_in % n_out == 0;
	} else {
		a->kind = AXIS_LINEAR;
		a->total = (uint32_t)(2 * n_out / g);
		a->full = 0;
		a->uniform = false;
	}
}

/* Bilinear position of output j as num / (2 * n_out), before clamping. */
static int64_t linear_numerator(const struct axis *a, int64_t j)
{
	return (2 * j + 1) * a->n_in - a->n_out;
}

static struct span axis_span(const struct axis *a, int64_t j)
{
	switch (a->kind) {
	case AXIS_BOX: {
		int64_t start = j * a->n_in / a->n_out;
		int64_t end = ((j + 1) * a->n_in + a->n_out - 1) / a->n_out;
		return (struct span){ (int32_t)start, (int32_t)(end - start) };
	}
	case AXIS_LINEAR: {
		int64_t num = linear_numerator(a, j), den = 2 * a->n_out;
		if (num <= 0)
			return (struct span){ 0, 1 };
		if (num / den >= a->n_in - 1)
			return (struct span){ (int32_t)(a->n_in - 1), 1 };
		return (struct span){ (int32_t)(num / den), num % den ? 2 : 1 };
	}
	case AXIS_NEAREST:
		break;
	}
	return (struct span){ (int32_t)((2 * j + 1) * a->n_in / (2 * a->n_out)), 1 };
}

/* The weight of source pixel i (inside span s) for output j. */
static uint32_t axis_weight(const struct axis *a, int64_t j, struct span s, int64_t i)
{
	if (s.count == 1)
		return a->total;
	if (a->kind == AXIS_BOX) {
		/* Lengths in units of 1 / n_out, where both ends are integers. */
		int64_t lo = i * a->n_out > j * a->n_in ? i * a->n_out : j * a->n_in;
		int64_t hi = (i + 1) * a->n_out < (j + 1) * a->n_in ? (i + 1) * a->n_out
								     : (j + 1) * a->n_in;
		return (uint32_t)((hi - lo) / a->gcd);
	}
	int64_t den = 2 * a->n_out, frac = linear_numerator(a, j) % den;
	return (uint32_t)((i == s.start ? den - frac : frac) / a->gcd);
}

/* For 2 <= d < 2^63. */
static void divider_init(struct divider *dv, uint64_t d)
{
	unsigned log2_floor = 0;
	while (d >> (log2_floor + 1))
		log2_floor++;
	dv->d = d;
	dv->shift = log2_floor - 1;
#if defined(__SIZEOF_INT128__)
	wide_t power = (wide_t)1 << (63 + log2_floor);
	dv->m = (uint64_t)((power + d - 1) / d);
#else
	dv->m = 0;
#endif
}

static inline uint64_t divide(const struct divider *dv, uint64_t x)
{
#if defined(__SIZEOF_INT128__)
	return (uint64_t)(((wide_t)x * dv->m) >> 64) >> dv->shift;
#else
	return x / dv->d;
#endif
}

/* ---- finishing pixels from sums in lanes ---- */

/*
 * Add w * c * (255 - a) for the colour channels c of px at index i of
 * three planes (blue, green, red) `stride` apart.
 */
static inline void add_deficit(uint32_t *planes, size_t stride, size_t i, uint32_t px, uint32_t w)
{
	uint32_t wt = w * (255 - (px >> 24));
	planes[i] += wt * (px & 0xff);
	planes[stride + i] += wt * (px >> 8 & 0xff);
	planes[2 * stride + i] += wt * (px >> 16 & 0xff);
}

/*
 * The colours of a pixel that is not opaque, round(p[k] / a) for its
 * premultiplied sums p (at most 255 * a), added to px (its alpha). With
 * numerators x below 2^32 one division serves all three: for
 * inv = floor(2^32 / d), x * inv / 2^32 lies in (x / d - x / 2^32, x / d],
 * less than 1 short, so one correction step makes the quotient exact.
 */
static uint32_t unpremultiply(const uint64_t p[3], uint64_t a, uint32_t px)
{
	uint64_t d = 2 * a;
	if (511 * a >> 32) {
		for (int k = 0; k < 3; k++)
			px |= (uint32_t)((2 * p[k] + a) / d) << (8 * k);
		return px;
	}
	uint64_t inv = ((uint64_t)1 << 32) / d;
	for (int k = 0; k < 3; k++) {
		uint64_t x = 2 * p[k] + a, q = x * inv >> 32;
		q += x - q * d >= d;
		px |= (uint32_t)q << (8 * k);
	}
	return px;
}

/*
 * A pixel from straight sums s (blue, green, red), alpha sum a and the
 * deficits, when it is not opaque (so a < 255 * TT).
 */
static uint32_t translucent_pixel(const struct fbk_resampler *r, const uint64_t s[3], uint64_t a,
				  const uint64_t deficit[3])
{
	if (2 * a < r->total)
		return 0;
	uint64_t p[3];
	for (int k = 0; k < 3; k++)
		p[k] = 255 * s[k] - deficit[k];
	return unpremultiply(p, a, (uint32_t)divide(&r->round_div, 2 * a + r->total) << 24);
}

/* An opaque pixel from 16-bit-lane sums: their plain averages, from the table. */
static inline uint32_t lanes16_opaque(const uint8_t *average, uint32_t m, uint32_t n)
{
	return 0xff000000u | (uint32_t)average[m >> 16] << 16 | (uint32_t)average[n & 0xffff] << 8 |
	       average[m & 0xffff];
}

static uint32_t lanes16_translucent(const struct fbk_resampler *r, uint32_t m, uint32_t n,
				    const uint64_t deficit[3])
{
	const uint64_t s[3] = { m & 0xffff, n & 0xffff, m >> 16 };
	return translucent_pixel(r, s, n >> 16, deficit);
}

/* The two 16-bit lanes of v in the two 32-bit halves of a 64-bit word. */
static inline uint64_t spread(uint32_t v)
{
	uint64_t x = v;
	return (x | x << 16) & 0x0000ffff0000ffffu;
}

/* A pixel from 32-bit-lane sums (blue | red << 32, green | alpha << 32). */
static inline uint32_t lanes32_opaque(const struct fbk_resampler *r, uint64_t m, uint64_t n)
{
	const struct divider *dv = &r->round_div;
	return 0xff000000u | (uint32_t)divide(dv, 2 * (m >> 32) + r->total) << 16 |
	       (uint32_t)divide(dv, 2 * (n & 0xffffffffu) + r->total) << 8 |
	       (uint32_t)divide(dv, 2 * (m & 0xffffffffu) + r->total);
}

static uint32_t lanes32_translucent(const struct fbk_resampler *r, uint64_t m, uint64_t n,
				    const uint64_t deficit[3])
{
	const uint64_t s[3] = { m & 0xffffffffu, n & 0xffffffffu, m >> 32 };
	return translucent_pixel(r, s, n >> 32, deficit);
}

/* ---- rows first: shrinking vertically ---- */

/* Whether alpha a (0..255) is neither 0 nor 255, so the pixel needs its deficit. */
static inline uint32_t partial_alpha(uint32_t a)
{
	return (a + 1) & 0xfe;
}

/*
 * The rest of a row that is not opaque: a clear pixel is taken back out
 * of the sums (it counts as 0x00000000, its premultiplied value anyway),
 * and a pixel of partial alpha adds its deficit.
 */
static void fix_row(struct fbk_resampler *r, const uint32_t *p, uint32_t w)
{
	for (int32_t i = 0; i < r->xn; i++) {
		uint32_t a = p[i] >> 24;
		if (a == 0xff)
			continue;
		if (a == 0) {
			r->m[i] -= w * (p[i] & LANES);
			r->n[i] -= w * (p[i] >> 8 & LANES);
			continue;
		}
		if (!r->d_used) {
			memset(r->d, 0, 3 * (size_t)r->xn * sizeof(*r->d));
			r->d_used = true;
		}
		add_deficit(r->d, (size_t)r->xn, (size_t)i, p[i], w);
	}
}

/* The deficits of output column j, from the per-source-column ones. */
static void tap_deficits(const struct fbk_resampler *r, int32_t j, uint64_t deficit[3])
{
	const struct tap *t = &r->taps[j];
	const uint16_t *w = r->weights + t->first;
	deficit[0] = deficit[1] = deficit[2] = 0;
	if (!r->d_used)
		return;
	for (int32_t k = 0; k < t->count; k++)
		for (int c = 0; c < 3; c++)
			deficit[c] += (uint64_t)w[k] * r->d[(size_t)c * (size_t)r->xn + (size_t)(t->start + k)];
}

static uint32_t lanes16_column(const struct fbk_resampler *r, int32_t j, uint32_t m, uint32_t n)
{
	uint64_t deficit[3];
	tap_deficits(r, j, deficit);
	return lanes16_translucent(r, m, n, deficit);
}

/* p[0] + ... + p[k - 1] for k from 1 to 4, written out: gcc -O2 keeps short loops. */
static inline uint32_t sum_of(const uint32_t *p, int32_t k)
{
	switch (k) {
	case 1:
		return p[0];
	case 2:
		return p[0] + p[1];
	case 3:
		return p[0] + p[1] + p[2];
	default:
		return p[0] + p[1] + p[2] + p[3];
	}
}

/* Whole-ratio shrinking, k (1 to 4) source columns of weight 1 per output: plain sums. */
static inline void columns_uniform(const struct fbk_resampler *r, int32_t k)
{
	const uint32_t *restrict m = r->m, *restrict n = r->n;
	const uint8_t *average = r->average;
	uint32_t *restrict out = r->out, opaque = (uint32_t)r->opaque;
	for (int32_t j = 0; j < r->visible.w; j++, m += k, n += k) {
		uint32_t sm = sum_of(m, k), sn = sum_of(n, k);
		out[j] = sn >> 16 == opaque ? lanes16_opaque(average, sm, sn)
					   : lanes16_column(r, j, sm, sn);
	}
}

static void columns_weighted(const struct fbk_resampler *r)
{
	const uint32_t *restrict m = r->m, *restrict n = r->n;
	const uint8_t *average = r->average;
	uint32_t *restrict out = r->out, opaque = (uint32_t)r->opaque;
	for (int32_t j = 0; j < r->visible.w; j++) {
		const struct tap *t = &r->taps[j];
		const uint16_t *w = r->weights + t->first;
		uint32_t sm = 0, sn = 0;
		for (int32_t k = 0; k < t->count; k++) {
			sm += w[k] * m[t->start + k];
			sn += w[k] * n[t->start + k];
		}
		out[j] = sn >> 16 == opaque ? lanes16_opaque(average, sm, sn)
					   : lanes16_column(r, j, sm, sn);
	}
}

static void columns_lanes32(const struct fbk_resampler *r)
{
	const uint32_t *restrict m = r->m, *restrict n = r->n;
	for (int32_t j = 0; j < r->visible.w; j++) {
		const struct tap *t = &r->taps[j];
		const uint16_t *w = r->weights + t->first;
		uint64_t sm = 0, sn = 0;
		for (int32_t k = 0; k < t->count; k++) {
			sm += w[k] * spread(m[t->start + k]);
			sn += w[k] * spread(n[t->start + k]);
		}
		if (sn >> 32 == r->opaque) {
			r->out[j] = lanes32_opaque(r, sm, sn);
		} else {
			uint64_t deficit[3];
			tap_deficits(r, j, deficit);
			r->out[j] = lanes32_translucent(r, sm, sn, deficit);
		}
	}
}

/* Resample a completed output row's per-source-column sums horizontally into out. */
static void finish_columns(const struct fbk_resampler *r)
{
	if (r->box_weights && r->span_opaque) {
		fbk_row_ops()->box_h(r->out, r->m, r->n, r->box_start, r->box_weights, r->box_taps,
				     (uint32_t)r->total, r->average, r->visible.w);
		return;
	}
	if (!r->lanes_total) {
		columns_lanes32(r);
		return;
	}
	switch (r->ax.uniform ? r->ax.total : 0) {
	case 1:
		columns_uniform(r, 1);
		break;
	case 2:
		columns_uniform(r, 2);
		break;
	case 3:
		columns_uniform(r, 3);
		break;
	case 4:
		columns_uniform(r, 4);
		break;
	default:
		columns_weighted(r);
	}
}

/* Output row next_out is complete: hand it out and look ahead to the next one. */
static int emit_row(struct fbk_resampler *r, fbk_resample_emit_fn emit, void *userdata)
{
	int32_t out_y = r->next_out++;
	if (r->next_out < r->out_end)
		r->vspan = axis_span(&r->ay, r->next_out);
	return emit(userdata, out_y, r->out);
}

/* p: the source row from column x0 on, as in every push below. */
static int push_rows_first(struct fbk_resampler *r, int32_t y, const uint32_t *p,
			   fbk_resample_emit_fn emit, void *userdata)
{
	while (r->next_out < r->out_end && r->vspan.start <= y) {
		struct span s = r->vspan;
		uint32_t w = axis_weight(&r->ay, r->next_out, s, y);
		bool first = y == s.start;
		if (first) {
			r->d_used = false;
			r->span_opaque = true;
		}
		if (fbk_row_ops()->box_add(r->m, r->n, p, r->xn, w, first) >> 24 != 0xff) {
			r->span_opaque = false;
			fix_row(r, p, w);
		}
		if (y < s.start + s.count - 1)
			break;
		finish_columns(r);
		int err = emit_row(r, emit, userdata);
		if (err)
			return err;
	}
	return 0;
}

/* ---- columns first: growing vertically ---- */

/* One source row resampled horizontally into 16-bit lanes, in ring slot `slot`. */
static void resample_row(struct fbk_resampler *r, const uint32_t *p, int slot)
{
	uint32_t *hm = r->hm[slot], *hn = r->hn[slot], any = 0;
	for (int32_t j = 0; j < r->visible.w; j++) {
		const struct tap *t = &r->taps[j];
		const uint16_t *w = r->weights + t->first;
		uint32_t sm = 0, sn = 0;
		for (int32_t k = 0; k < t->count; k++) {
			uint32_t px = p[t->start + k], a = px >> 24;
			any |= partial_alpha(a);
			px &= a ? ~0u : 0; /* clear counts as 0x00000000, as in add_row */
			sm += w[k] * (px & LANES);
			sn += w[k] * (px >> 8 & LANES);
		}
		hm[j] = sm;
		hn[j] = sn;
	}
	r->hd_used[slot] = any != 0;
	if (!any)
		return;
	uint32_t *hd = r->hd[slot];
	memset(hd, 0, 3 * (size_t)r->visible.w * sizeof(*hd));
	for (int32_t j = 0; j < r->visible.w; j++) {
		const struct tap *t = &r->taps[j];
		for (int32_t k = 0; k < t->count; k++)
			if (partial_alpha(p[t->start + k] >> 24))
				add_deficit(hd, (size_t)r->visible.w, (size_t)j, p[t->start + k],
					    r->weights[t->first + k]);
	}
}

/* out = w[0] * a + w[1] * b, 16-bit lanes that cannot overflow (255 * TT at most). */
static void blend_lanes16(uint32_t *restrict out, const uint32_t *a, const uint32_t *b,
			  const uint16_t w[2], size_t len)
{
	const v8u16 w0 = { w[0], w[0], w[0], w[0], w[0], w[0], w[0], w[0] };
	const v8u16 w1 = { w[1], w[1], w[1], w[1], w[1], w[1], w[1], w[1] };
	size_t i = 0;
	for (; i + 4 <= len; i += 4) {
		v4u32 va, vb;
		memcpy(&va, a + i, sizeof(va));
		memcpy(&vb, b + i, sizeof(vb));
		v4u32 sum = (v4u32)((v8u16)va * w0 + (v8u16)vb * w1);
		memcpy(out + i, &sum, sizeof(sum));
	}
	for (; i < len; i++)
		out[i] = w[0] * a[i] + w[1] * b[i];
}

/* Column j's deficits blended from the rows in slots `slot` with weights w. */
static void blend_deficits(const struct fbk_resampler *r, int32_t j, const int slot[2],
			   const uint16_t w[2], uint64_t deficit[3])
{
	deficit[0] = deficit[1] = deficit[2] = 0;
	for (int k = 0; k < 2; k++)
		if (w[k] && r->hd_used[slot[k]])
			for (int c = 0; c < 3; c++)
				deficit[c] += (uint64_t)w[k] *
					      r->hd[slot[k]][(size_t)c * (size_t)r->visible.w + (size_t)j];
}

static void blend_rows_lanes16(struct fbk_resampler *r, const int slot[2], const uint16_t w[2])
{
	blend_lanes16(r->m, r->hm[slot[0]], r->hm[slot[1]], w, (size_t)r->visible.w);
	blend_lanes16(r->n, r->hn[slot[0]], r->hn[slot[1]], w, (size_t)r->visible.w);
	const uint8_t *average = r->average;
	uint32_t *restrict out = r->out, opaque = (uint32_t)r->opaque;
	for (int32_t j = 0; j < r->visible.w; j++) {
		uint32_t sm = r->m[j], sn = r->n[j];
		if (sn >> 16 == opaque) {
			out[j] = lanes16_opaque(average, sm, sn);
		} else {
			uint64_t deficit[3];
			blend_deficits(r, j, slot, w, deficit);
			out[j] = lanes16_translucent(r, sm, sn, deficit);
		}
	}
}

static void blend_rows_lanes32(struct fbk_resampler *r, const int slot[2], const uint16_t w[2])
{
	const uint32_t *m0 = r->hm[slot[0]], *n0 = r->hn[slot[0]];
	const uint32_t *m1 = r->hm[slot[1]], *n1 = r->hn[slot[1]];
	for (int32_t j = 0; j < r->visible.w; j++) {
		uint64_t sm = w[0] * spread(m0[j]) + w[1] * spread(m1[j]);
		uint64_t sn = w[0] * spread(n0[j]) + w[1] * spread(n1[j]);
		if (sn >> 32 == r->opaque) {
			r->out[j] = lanes32_opaque(r, sm, sn);
		} else {
			uint64_t deficit[3];
			blend_deficits(r, j, slot, w, deficit);
			r->out[j] = lanes32_translucent(r, sm, sn, deficit);
		}
	}
}

/* Output row next_out from the one or two resampled rows of span s. */
static void blend_rows(struct fbk_resampler *r, struct span s)
{
	/* A single row is blended with itself at weight 0: no unwritten slot is read. */
	int slot[2] = { s.start & 1, (s.start + s.count - 1) & 1 };
	uint16_t w[2] = { 0, 0 };
	for (int32_t k = 0; k < s.count; k++)
		w[k] = (uint16_t)axis_weight(&r->ay, r->next_out, s, s.start + k);
	if (r->lanes_total)
		blend_rows_lanes16(r, slot, w);
	else
		blend_rows_lanes32(r, slot, w);
}

/* ---- bilinear: growing on both axes, through the row engine ---- */

/* One source row into ring slot `slot`: colour planes, and alpha and deficits if not opaque. */
static void bilinear_row(struct fbk_resampler *r, const uint32_t *p, int slot)
{
	size_t w = (size_t)r->visible.w;
	uint32_t all = fbk_row_ops()->bilinear_h(r->hp[slot], w, p, r->i0, r->i1, r->w0,
						  r->ax.total, r->visible.w);
	r->hp_opaque[slot] = all >> 24 == 0xff;
	r->hd_used[slot] = false;
	if (r->hp_opaque[slot])
		return;
	uint32_t *ha = r->ha[slot], *hd = r->hd[slot], total = r->ax.total;
	memset(hd, 0, 3 * w * sizeof(*hd));
	for (size_t j = 0; j < w; j++) {
		uint32_t px[2] = { p[r->i0[j]], p[r->i1[j]] }, wt[2] = { r->w0[j], total - r->w0[j] };
		ha[j] = wt[0] * (px[0] >> 24) + wt[1] * (px[1] >> 24);
		for (int k = 0; k < 2; k++) {
			if (wt[k] && partial_alpha(px[k] >> 24)) {
				add_deficit(hd, w, j, px[k], wt[k]);
				r->hd_used[slot] = true;
			}
		}
	}
}

/*
 * Output row next_out from the one or two rows of span s: the kernel's
 * opaque pixels, then the pixels that are not opaque redone from the sums.
 */
static void bilinear_blend(struct fbk_resampler *r, struct span s)
{
	int slot[2] = { s.start & 1, (s.start + s.count - 1) & 1 };
	uint16_t w[2] = { 0, 0 };
	for (int32_t k = 0; k < s.count; k++)
		w[k] = (uint16_t)axis_weight(&r->ay, r->next_out, s, s.start + k);
	size_t stride = (size_t)r->visible.w;
	const uint32_t *a = r->hp[slot[0]], *b = r->hp[slot[1]];
	fbk_row_ops()->bilinear_v(r->out, a, b, stride, w[0], w[1], (uint32_t)r->total,
				  r->visible.w);
	bool opaque[2] = { r->hp_opaque[slot[0]] || !w[0], r->hp_opaque[slot[1]] || !w[1] };
	if (opaque[0] && opaque[1])
		return;
	uint32_t full = 255 * r->ax.total;
	for (size_t j = 0; j < stride; j++) {
		uint64_t alpha = 0;
		for (int k = 0; k < 2; k++)
			alpha += (uint64_t)w[k] * (r->hp_opaque[slot[k]] ? full : r->ha[slot[k]][j]);
		if (alpha == r->opaque)
			continue;
		const uint32_t *plane[2] = { a, b };
		uint64_t sum[3], deficit[3];
		for (int c = 0; c < 3; c++)
			sum[c] = (uint64_t)w[0] * plane[0][(size_t)c * stride + j] +
				 (uint64_t)w[1] * plane[1][(size_t)c * stride + j];
		blend_deficits(r, (int32_t)j, slot, w, deficit);
		r->out[j] = translucent_pixel(r, sum, alpha, deficit);
	}
}

/* ---- the wide path ---- */

/* Straight sums of four channels: blue, green, red, alpha. */
struct sums {
	uint32_t c[4];
};

static inline void add_weighted(struct sums *s, uint32_t px, uint32_t w)
{
	s->c[0] += w * (px & 0xff);
	s->c[1] += w * (px >> 8 & 0xff);
	s->c[2] += w * (px >> 16 & 0xff);
	s->c[3] += w * (px >> 24);
}

/*
 * Plain sums of n pixels times `full`, two channels per 32-bit word; a
 * 16-bit lane holds 257 pixels of 255, hence the chunks.
 */
static void add_body(struct sums *s, const uint32_t *p, int32_t n, uint32_t full)
{
	while (n > 0) {
		int32_t chunk = n < 257 ? n : 257;
		uint32_t br = 0, ga = 0;
		for (int32_t k = 0; k < chunk; k++) {
			br += p[k] & LANES;
			ga += p[k] >> 8 & LANES;
		}
		s->c[0] += full * (br & 0xffff);
		s->c[1] += full * (ga & 0xffff);
		s->c[2] += full * (br >> 16);
		s->c[3] += full * (ga >> 16);
		p += chunk;
		n -= chunk;
	}
}

/*
 * Straight sums of one output column. Only a box's first and last source
 * pixels can be partly covered; the ones between all weigh `full`, so they
 * are added plainly and multiplied once.
 */
static struct sums straight_sums(const uint32_t *p, const uint16_t *w, int32_t n, uint32_t full)
{
	struct sums s = { { 0, 0, 0, 0 } };
	int32_t lo = 0, hi = n;
	if (w[0] != full)
		add_weighted(&s, p[lo++], w[0]);
	if (hi > lo && w[hi - 1] != full) {
		hi--;
		add_weighted(&s, p[hi], w[hi]);
	}
	if (hi > lo)
		add_body(&s, p + lo, hi - lo, full);
	return s;
}

static struct sums premultiplied_sums(const uint32_t *p, const uint16_t *w, int32_t n)
{
	struct sums s = { { 0, 0, 0, 0 } };
	for (int32_t k = 0; k < n; k++) {
		uint32_t wa = w[k] * (p[k] >> 24);
		s.c[0] += wa * (p[k] & 0xff);
		s.c[1] += wa * (p[k] >> 8 & 0xff);
		s.c[2] += wa * (p[k] >> 16 & 0xff);
		s.c[3] += wa;
	}
	return s;
}

/*
 * One source row to 4 premultiplied sums per visible column. Columns whose
 * pixels are all opaque (the alpha sum tells) skip the premultiplication.
 */
static void wide_horizontal(const struct fbk_resampler *r, const uint32_t *src, uint32_t *h)
{
	uint32_t full = r->ax.full, opaque = 255 * r->ax.total;
	for (int32_t j = 0; j < r->visible.w; j++, h += 4) {
		const struct tap *t = &r->taps[j];
		const uint32_t *p = src + t->start;
		const uint16_t *w = r->weights + t->first;
		struct sums s = straight_sums(p, w, t->count, full);
		if (s.c[3] == opaque) {
			h[0] = 255 * s.c[0];
			h[1] = 255 * s.c[1];
			h[2] = 255 * s.c[2];
			h[3] = s.c[3];
		} else {
			s = premultiplied_sums(p, w, t->count);
			memcpy(h, s.c, sizeof(s.c));
		}
	}
}

static void accumulate(uint64_t *acc, const uint32_t *h, uint64_t w, bool first, size_t n)
{
	if (first) {
		for (size_t i = 0; i < n; i++)
			acc[i] = w * h[i];
	} else {
		for (size_t i = 0; i < n; i++)
			acc[i] += w * h[i];
	}
}

/* Two-axis sums to pixels, rounding each channel once (see the top). */
static void wide_finish(const struct fbk_resampler *r)
{
	const uint64_t *v = r->acc;
	uint64_t total = r->total, opaque = r->opaque;
	for (int32_t j = 0; j < r->visible.w; j++, v += 4) {
		uint64_t a = v[3];
		if (a == opaque) {
			r->out[j] = 0xff000000u |
				    (uint32_t)divide(&r->opaque_div, 2 * v[2] + opaque) << 16 |
				    (uint32_t)divide(&r->opaque_div, 2 * v[1] + opaque) << 8 |
				    (uint32_t)divide(&r->opaque_div, 2 * v[0] + opaque);
		} else if (2 * a < total) {
			r->out[j] = 0;
		} else {
			uint32_t alpha = (uint32_t)divide(&r->round_div, 2 * a + total);
			r->out[j] = unpremultiply(v, a, alpha << 24);
		}
	}
}

static int push_wide_box(struct fbk_resampler *r, int32_t y, const uint32_t *p,
			 fbk_resample_emit_fn emit, void *userdata)
{
	size_t n = 4 * (size_t)r->visible.w;
	wide_horizontal(r, p, r->hrow[0]);
	while (r->next_out < r->out_end && r->vspan.start <= y) {
		struct span s = r->vspan;
		accumulate(r->acc, r->hrow[0], axis_weight(&r->ay, r->next_out, s, y),
			   y == s.start, n);
		if (y < s.start + s.count - 1)
			break;
		wide_finish(r);
		int err = emit_row(r, emit, userdata);
		if (err)
			return err;
	}
	return 0;
}

/* ---- rows in, rows out ---- */

static void gather(const struct fbk_resampler *r, const uint32_t *p)
{
	if (r->ax.n_in == r->ax.n_out) {
		/* x0 is visible.x: each visible column is its own source column */
		memcpy(r->out, p, (size_t)r->visible.w * sizeof(*r->out));
		return;
	}
	for (int32_t j = 0; j < r->visible.w; j++)
		r->out[j] = p[r->taps[j].start];
}

/*
 * Growing vertically (and copying): the source row goes into the ring
 * first, then every output row whose last source row it is comes out.
 */
static int push_rows(struct fbk_resampler *r, int32_t y, const uint32_t *p,
		     fbk_resample_emit_fn emit, void *userdata)
{
	switch (r->path) {
	case PATH_COPY:
		gather(r, p);
		break;
	case PATH_COLUMNS_FIRST:
		resample_row(r, p, y & 1);
		break;
	case PATH_BILINEAR:
		bilinear_row(r, p, y & 1);
		break;
	default: /* wide: rows first only shrinks */
		wide_horizontal(r, p, r->hrow[y & 1]);
		break;
	}
	size_t n = 4 * (size_t)r->visible.w;
	while (r->next_out < r->out_end && r->vspan.start + r->vspan.count - 1 <= y) {
		struct span s = r->vspan;
		if (r->path == PATH_COLUMNS_FIRST) {
			blend_rows(r, s);
		} else if (r->path == PATH_BILINEAR) {
			bilinear_blend(r, s);
		} else if (r->path != PATH_COPY) {
			for (int32_t k = 0; k < s.count; k++)
				accumulate(r->acc, r->hrow[(s.start + k) & 1],
					   axis_weight(&r->ay, r->next_out, s, s.start + k), k == 0,
					   n);
			wide_finish(r);
		}
		int err = emit_row(r, emit, userdata);
		if (err)
			return err;
	}
	return 0;
}

bool fbk_resampler_needs_row(const struct fbk_resampler *r, int32_t src_y)
{
	if (!r || src_y < 0 || src_y >= r->src_h || fbk_resampler_done(r))
		return false;
	if (r->ay.kind != AXIS_NEAREST)
		return src_y >= r->need_first && src_y <= r->need_last;
	/* The first output row at or past src_y, found by solving the nearest formula. */
	int64_t num = 2 * (int64_t)src_y * r->ay.n_out - r->ay.n_in;
	int64_t o = num <= 0 ? 0 : (num + 2 * r->ay.n_in - 1) / (2 * r->ay.n_in);
	if (o < r->visible.y)
		o = r->visible.y;
	return o < r->out_end && axis_span(&r->ay, o).start == src_y;
}

bool fbk_resampler_done(const struct fbk_resampler *r)
{
	return !r || r->next_out >= r->out_end;
}

/* p: the source row from column x0 on (NULL for a row not needed). */
static int push(struct fbk_resampler *r, const uint32_t *p, fbk_resample_emit_fn emit,
		void *userdata)
{
	if (!r || !emit)
		return fbk_fail(-EINVAL, "resampler: resampler or emit callback is NULL");
	if (r->next_src >= r->src_h)
		return fbk_fail(-EINVAL, "resampler: all %d source rows were already pushed",
				(int)r->src_h);
	int32_t y = r->next_src;
	if (!fbk_resampler_needs_row(r, y)) {
		r->next_src++;
		return 0;
	}
	if (!p)
		return fbk_fail(-EINVAL, "resampler: source row %d is needed but was NULL", (int)y);
	r->next_src++;
	if (r->path == PATH_ROWS_FIRST)
		return push_rows_first(r, y, p, emit, userdata);
	if (r->path == PATH_WIDE && r->ay.kind == AXIS_BOX)
		return push_wide_box(r, y, p, emit, userdata);
	return push_rows(r, y, p, emit, userdata);
}

int fbk_resampler_push(struct fbk_resampler *r, const uint32_t *src_row, fbk_resample_emit_fn emit,
		       void *userdata)
{
	return push(r, src_row && r ? src_row + r->x0 : NULL, emit, userdata);
}

int fbk_resampler_push_columns(struct fbk_resampler *r, const uint32_t *columns,
			       fbk_resample_emit_fn emit, void *userdata)
{
	return push(r, columns, emit, userdata);
}

void fbk_resampler_source_columns(const struct fbk_resampler *r, int32_t *first, int32_t *count)
{
	*first = r->x0;
	*count = r->xn;
}

/* ---- setting up ---- */

static int check_arguments(int32_t src_w, int32_t src_h, int32_t dst_w, int32_t dst_h,
			   enum fbk_filter filter, const struct fbk_rect *visible)
{
	if (src_w < 1 || src_h < 1 || src_w > FBK_MAX_DIMENSION || src_h > FBK_MAX_DIMENSION ||
	    dst_w < 1 || dst_h < 1 || dst_w > FBK_MAX_DIMENSION || dst_h > FBK_MAX_DIMENSION)
		return fbk_fail(-EINVAL, "resampler: sizes %dx%d to %dx%d must be within 1x1..%dx%d",
				(int)src_w, (int)src_h, (int)dst_w, (int)dst_h, FBK_MAX_DIMENSION,
				FBK_MAX_DIMENSION);
	if (filter != FBK_FILTER_SMOOTH && filter != FBK_FILTER_NEAREST)
		return fbk_fail(-EINVAL, "resampler: unknown filter %d", (int)filter);
	if (!visible || visible->w < 1 || visible->h < 1 || visible->x < 0 || visible->y < 0 ||
	    (int64_t)visible->x + visible->w > dst_w || (int64_t)visible->y + visible->h > dst_h)
		return fbk_fail(-EINVAL, "resampler: the visible part must be a non-empty rectangle "
					 "inside the %dx%d output",
				(int)dst_w, (int)dst_h);
	return 0;
}

static void *alloc_array(size_t n, size_t size)
{
	size_t bytes;
	if (fbk_mul_overflows(n, size, &bytes))
		return NULL;
	return malloc(bytes ? bytes : 1);
}

/* The horizontal taps and weights of the visible columns, counted from x0. */
static int build_taps(struct fbk_resampler *r)
{
	const struct fbk_rect *v = &r->visible;
	r->taps = alloc_array((size_t)v->w, sizeof(*r->taps));
	if (!r->taps)
		return -ENOMEM;
	size_t n = 0;
	for (int32_t j = 0; j < v->w; j++) {
		struct span s = axis_span(&r->ax, (int64_t)v->x + j);
		r->taps[j] = (struct tap){ s.start, s.count, (uint32_t)n };
		if (fbk_add_overflows(n, (size_t)s.count, &n) || n > UINT32_MAX)
			return -ENOMEM;
	}
	r->weights = alloc_array(n, sizeof(*r->weights));
	if (!r->weights)
		return -ENOMEM;
	/* Spans only move right, so the first and last columns bound the source. */
	const struct tap *last = &r->taps[v->w - 1];
	r->x0 = r->taps[0].start;
	r->xn = last->start + last->count - r->x0;
	for (int32_t j = 0; j < v->w; j++) {
		struct tap *t = &r->taps[j];
		struct span s = { t->start, t->count };
		for (int32_t k = 0; k < t->count; k++)
			r->weights[t->first + k] =
				(uint16_t)axis_weight(&r->ax, (int64_t)v->x + j, s, t->start + k);
		t->start -= r->x0;
	}
	return 0;
}

/* The bilinear path's taps as two indices and a weight, and its two rows of planes. */
static int allocate_bilinear(struct fbk_resampler *r)
{
	size_t w = (size_t)r->visible.w;
	r->i0 = alloc_array(w, sizeof(*r->i0));
	r->i1 = alloc_array(w, sizeof(*r->i1));
	r->w0 = alloc_array(w, sizeof(*r->w0));
	if (!r->i0 || !r->i1 || !r->w0)
		return -ENOMEM;
	for (size_t j = 0; j < w; j++) {
		const struct tap *t = &r->taps[j];
		r->i0[j] = t->start;
		r->i1[j] = t->start + t->count - 1;
		r->w0[j] = r->weights[t->first];
	}
	for (int k = 0; k < 2; k++) {
		r->hp[k] = alloc_array(3 * w, sizeof(*r->hp[k]));
		r->ha[k] = alloc_array(w, sizeof(*r->ha[k]));
		r->hd[k] = alloc_array(3 * w, sizeof(*r->hd[k]));
		if (!r->hp[k] || !r->ha[k] || !r->hd[k])
			return -ENOMEM;
	}
	return 0;
}

/*
 * Rows first: the per-source-column sums, and box_h's taps when the
 * second step stays in lanes. Padded taps read up to box_taps - 1 columns
 * past xn, which are zero and stay so (box_add writes xn of them).
 */
static int allocate_rows_first(struct fbk_resampler *r)
{
	size_t w = (size_t)r->visible.w, cols = (size_t)r->xn;
	r->d = alloc_array(3 * cols, sizeof(*r->d));
	if (!r->d)
		return -ENOMEM;
	int32_t taps = 1;
	for (size_t j = 0; j < w; j++)
		taps = r->taps[j].count > taps ? r->taps[j].count : taps;
	size_t padded = cols + (size_t)taps - 1; /* cols and taps fit int32_t */
	r->m = calloc(padded, sizeof(*r->m));
	r->n = calloc(padded, sizeof(*r->n));
	if (!r->m || !r->n)
		return -ENOMEM;
	if (!r->lanes_total || taps > BOX_MAX_TAPS)
		return 0;
	r->box_taps = taps;
	r->box_start = alloc_array(w, sizeof(*r->box_start));
	r->box_weights = calloc(w * (size_t)taps, sizeof(*r->box_weights));
	if (!r->box_start || !r->box_weights)
		return -ENOMEM;
	for (size_t j = 0; j < w; j++) {
		const struct tap *t = &r->taps[j];
		r->box_start[j] = t->start;
		for (int32_t k = 0; k < t->count; k++)
			r->box_weights[(size_t)k * w + j] = r->weights[t->first + k];
	}
	return 0;
}

static int allocate_rows(struct fbk_resampler *r)
{
	size_t w = (size_t)r->visible.w;
	r->out = alloc_array(w, sizeof(*r->out));
	if (!r->out)
		return -ENOMEM;
	switch (r->path) {
	case PATH_COPY:
		return 0;
	case PATH_ROWS_FIRST:
		return allocate_rows_first(r);
	case PATH_COLUMNS_FIRST:
		r->m = alloc_array(w, sizeof(*r->m));
		r->n = alloc_array(w, sizeof(*r->n));
		if (!r->m || !r->n)
			return -ENOMEM;
		for (int k = 0; k < 2; k++) {
			r->hm[k] = alloc_array(w, sizeof(*r->hm[k]));
			r->hn[k] = alloc_array(w, sizeof(*r->hn[k]));
			r->hd[k] = alloc_array(3 * w, sizeof(*r->hd[k]));
			if (!r->hm[k] || !r->hn[k] || !r->hd[k])
				return -ENOMEM;
		}
		return 0;
	case PATH_BILINEAR:
		return allocate_bilinear(r);
	case PATH_WIDE:
		break;
	}
	r->hrow[0] = alloc_array(4 * w, sizeof(*r->hrow[0]));
	r->hrow[1] = alloc_array(4 * w, sizeof(*r->hrow[1]));
	r->acc = alloc_array(4 * w, sizeof(*r->acc));
	return r->hrow[0] && r->hrow[1] && r->acc ? 0 : -ENOMEM;
}

static enum path choose_path(const struct fbk_resampler *r, bool copy)
{
	if (copy)
		return PATH_COPY;
	if (r->ay.kind == AXIS_BOX && r->ay.total <= LANE_MAX_TOTAL)
		return PATH_ROWS_FIRST;
	if (r->ay.kind == AXIS_LINEAR && r->ax.kind == AXIS_LINEAR &&
	    r->total <= FBK_BILINEAR_MAX_TOTAL && r->ax.total <= 65535)
		return PATH_BILINEAR;
	if (r->ay.kind == AXIS_LINEAR && r->ax.total <= LANE_MAX_TOTAL)
		return PATH_COLUMNS_FIRST;
	return PATH_WIDE;
}

static void set_up(struct fbk_resampler *r, int32_t src_w, int32_t src_h, int32_t dst_w,
		   int32_t dst_h, enum fbk_filter filter, const struct fbk_rect *visible)
{
	bool copy = filter == FBK_FILTER_NEAREST || (src_w == dst_w && src_h == dst_h);
	axis_init(&r->ax, src_w, dst_w, copy);
	axis_init(&r->ay, src_h, dst_h, copy);
	r->total = (uint64_t)r->ax.total * r->ay.total;
	r->opaque = 255 * r->total;
	r->path = choose_path(r, copy);
	r->lanes_total = r->total <= LANE_MAX_TOTAL;
	r->visible = *visible;
	r->src_h = src_h;
	r->next_out = visible->y;
	r->out_end = visible->y + visible->h;
	r->vspan = axis_span(&r->ay, r->next_out);
	struct span last = axis_span(&r->ay, r->out_end - 1);
	r->need_first = r->vspan.start;
	r->need_last = last.start + last.count - 1;
	divider_init(&r->round_div, 2 * r->total);
	divider_init(&r->opaque_div, 2 * r->opaque);
}

/* round(s / TT) for every s the narrow path can meet: q steps up at each half. */
static int build_average(struct fbk_resampler *r)
{
	uint32_t total = (uint32_t)r->total, q = 0;
	r->average = alloc_array(255 * (size_t)total + 1, 1);
	if (!r->average)
		return -ENOMEM;
	for (uint32_t s = 0; s <= 255 * total; s++) {
		if (2 * s >= (2 * q + 1) * total)
			q++;
		r->average[s] = (uint8_t)q;
	}
	return 0;
}

int fbk_resampler_create(struct fbk_resampler **out, int32_t src_w, int32_t src_h, int32_t dst_w,
			 int32_t dst_h, enum fbk_filter filter, const struct fbk_rect *visible)
{
	if (!out)
		return fbk_fail(-EINVAL, "resampler: output pointer is NULL");
	*out = NULL;
	int err = check_arguments(src_w, src_h, dst_w, dst_h, filter, visible);
	if (err)
		return err;
	struct fbk_resampler *r = calloc(1, sizeof(*r));
	if (!r)
		return fbk_fail(-ENOMEM, "resampler: out of memory");
	set_up(r, src_w, src_h, dst_w, dst_h, filter, visible);
	bool lanes = r->path == PATH_ROWS_FIRST || r->path == PATH_COLUMNS_FIRST;
	if (build_taps(r) || allocate_rows(r) || (lanes && r->lanes_total && build_average(r))) {
		fbk_resampler_destroy(r);
		return fbk_fail(-ENOMEM, "resampler: out of memory for %d visible columns",
				(int)visible->w);
	}
	*out = r;
	return 0;
}

void fbk_resampler_destroy(struct fbk_resampler *r)
{
	if (!r)
		return;
	free(r->taps);
	free(r->weights);
	free(r->out);
	free(r->m);
	free(r->n);
	free(r->d);
	for (int k = 0; k < 2; k++) {
		free(r->hm[k]);
		free(r->hn[k]);
		free(r->hd[k]);
		free(r->hrow[k]);
	}
	free(r->acc);
	free(r->average);
	free(r->box_start);
	free(r->box_weights);
	free(r->i0);
	free(r->i1);
	free(r->w0);
	for (int k = 0; k < 2; k++) {
		free(r->hp[k]);
		free(r->ha[k]);
	}
	free(r);
}
