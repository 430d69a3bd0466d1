/*
 * The streaming scaler against a reference written from the definitions
 * in src/image/resample.c, in double precision, one output pixel at a time from
 * its two-axis weights. Tolerance: every channel within +-1 of the
 * reference. The scaler claims more, exact rounding, so a second check
 * wants the rounded reference itself wherever the reference is not within
 * 1e-7 of a tie. Random cases cover each of the scaler's ways of working
 * (copy, rows first, columns first, 16- or 32-bit lanes, wide) and say how
 * many each got.
 * Also: identity and nearest copy pixels exactly, opaque averages are
 * exact, rows come out in order and only the visible ones, needs_row and
 * done, NULL rows, the largest sizes, bad input, and no memory that grows
 * with the height.
 */
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <stdbool.h>

#include "harness.h"
#include "image/resample.h"

struct image {
	int32_t w, h;
	uint32_t *px;
};

enum alpha_kind { ALPHA_OPAQUE, ALPHA_RANDOM, ALPHA_BINARY, ALPHA_CLEAR, ALPHA_KINDS };

static uint32_t random_pixel(enum alpha_kind kind)
{
	uint32_t rgb = (uint32_t)rng_next() & 0xffffff;
	uint32_t a = 255;
	switch (kind) {
	case ALPHA_OPAQUE:
	case ALPHA_KINDS:
		break;
	case ALPHA_RANDOM: {
		uint32_t pick = (uint32_t)(rng_next() % 4);
		a = pick == 0 ? 0 : pick == 1 ? 255 : (uint32_t)(rng_next() % 256);
		break;
	}
	case ALPHA_BINARY:
		a = rng_next() % 2 ? 255 : 0;
		break;
	case ALPHA_CLEAR:
		a = (uint32_t)(rng_next() % 3);
		break;
	}
	return a << 24 | rgb;
}

static bool image_init(struct image *im, int32_t w, int32_t h, enum alpha_kind kind)
{
	im->w = w;
	im->h = h;
	im->px = malloc((size_t)w * (size_t)h * sizeof(uint32_t));
	if (!im->px)
		return false;
	for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
		im->px[i] = random_pixel(kind);
	return true;
}

/* ---- the reference ---- */

/* Source pixels and weights (adding up to 1) of output j on one axis. */
static int ref_taps(int32_t n_in, int32_t n_out, int32_t j, bool nearest, int32_t *idx, double *w)
{
	if (nearest) {
		idx[0] = (int32_t)floor((j + 0.5) * n_in / n_out);
		w[0] = 1;
		return 1;
	}
	if (n_out <= n_in) {
		double lo = (double)j * n_in / n_out, hi = (double)(j + 1) * n_in / n_out;
		int n = 0;
		for (int32_t i = (int32_t)floor(lo); i < hi; i++) {
			double part = fmin(i + 1, hi) - fmax(i, lo);
			if (part > 0) {
				idx[n] = i;
				w[n++] = part / (hi - lo);
			}
		}
		return n;
	}
	double u = (j + 0.5) * n_in / n_out - 0.5;
	if (u <= 0 || u >= n_in - 1) {
		idx[0] = u <= 0 ? 0 : n_in - 1;
		w[0] = 1;
		return 1;
	}
	double i0 = floor(u), f = u - i0;
	idx[0] = (int32_t)i0;
	w[0] = 1 - f;
	if (f == 0)
		return 1;
	idx[1] = (int32_t)i0 + 1;
	w[1] = f;
	return 2;
}

struct ref_pixel {
	uint8_t c[4];     /* blue, green, red, alpha: 0 when alpha rounds to 0 */
	uint8_t shown[3]; /* the colour, even where alpha rounds to 0 */
	double alpha;     /* before rounding */
	double colour[3]; /* before rounding */
};

static uint8_t channel(uint32_t px, int k)
{
	return (uint8_t)(px >> (8 * k));
}

/* Scratch for one axis: at most n_in + 1 taps. */
struct taps {
	int32_t *idx;
	double *w;
	int n;
};

static struct ref_pixel ref_average(const struct image *src, const struct taps *tx,
				    const struct taps *ty)
{
	double sum_a = 0, sum_ca[3] = { 0, 0, 0 };
	for (int ky = 0; ky < ty->n; ky++) {
		const uint32_t *row = src->px + (size_t)ty->idx[ky] * (size_t)src->w;
		for (int kx = 0; kx < tx->n; kx++) {
			uint32_t px = row[tx->idx[kx]];
			double wa = ty->w[ky] * tx->w[kx] * channel(px, 3);
			sum_a += wa;
			for (int k = 0; k < 3; k++)
				sum_ca[k] += wa * channel(px, k);
		}
	}
	struct ref_pixel p = { { 0, 0, 0, 0 }, { 0, 0, 0 }, sum_a, { 0, 0, 0 } };
	if (sum_a == 0)
		return p;
	for (int k = 0; k < 3; k++) {
		p.colour[k] = sum_ca[k] / sum_a;
		p.shown[k] = (uint8_t)fmin(255, floor(p.colour[k] + 0.5));
	}
	double alpha = floor(sum_a + 0.5);
	if (alpha == 0)
		return p;
	p.c[3] = (uint8_t)alpha;
	memcpy(p.c, p.shown, 3);
	return p;
}

/* ---- running the scaler ---- */

struct capture {
	struct fbk_rect vis;
	uint32_t *pixels; /* vis.w x vis.h */
	int32_t next_y;
	int emitted, out_of_order;
	int32_t fail_at; /* emit returns -1234 at this row */
};

static int capture_row(void *userdata, int32_t y, const uint32_t *row)
{
	struct capture *c = userdata;
	if (y != c->next_y) {
		c->out_of_order++;
		return 0;
	}
	c->next_y++;
	c->emitted++;
	memcpy(c->pixels + (size_t)(y - c->vis.y) * (size_t)c->vis.w, row,
	       (size_t)c->vis.w * sizeof(*row));
	return y == c->fail_at ? -1234 : 0;
}

enum push_mode { PUSH_NULL_WHEN_UNNEEDED, PUSH_ALWAYS };

struct run {
	int32_t dst_w, dst_h;
	enum fbk_filter filter;
	struct fbk_rect vis;
	const char *name;
};

/*
 * Push every source row, checking needs_row against `needed` (if given)
 * and done as rows come out. Returns false if something failed.
 */
static bool run_scaler(const struct run *run, const struct image *src, enum push_mode mode,
		       const bool *needed, struct capture *cap)
{
	struct fbk_resampler *r;
	int err = fbk_resampler_create(&r, src->w, src->h, run->dst_w, run->dst_h, run->filter,
				       &run->vis);
	CHECK(err == 0, "%s: create returned %d (%s)", run->name, err, fbk_last_error());
	if (err)
		return false;
	*cap = (struct capture){ run->vis, NULL, run->vis.y, 0, 0, -1 };
	cap->pixels = malloc((size_t)run->vis.w * (size_t)run->vis.h * sizeof(uint32_t));
	if (!cap->pixels) {
		fbk_resampler_destroy(r);
		CHECK(0, "out of memory");
		return false;
	}
	bool ok = true;
	for (int32_t y = 0; y < src->h && ok; y++) {
		bool done = fbk_resampler_done(r);
		if (done != (cap->emitted == run->vis.h)) {
			CHECK(0, "%s: done is %d before row %d with %d of %d rows out", run->name,
			      done, y, cap->emitted, run->vis.h);
			ok = false;
		}
		bool needs = fbk_resampler_needs_row(r, y);
		if (needed && needs != needed[y]) {
			CHECK(0, "%s: needs_row(%d) is %d, want %d", run->name, y, needs, needed[y]);
			ok = false;
		}
		const uint32_t *row = src->px + (size_t)y * (size_t)src->w;
		err = fbk_resampler_push(r, mode == PUSH_ALWAYS || needs ? row : NULL, capture_row,
					 cap);
		if (err) {
			CHECK(0, "%s: push of row %d returned %d (%s)", run->name, y, err,
			      fbk_last_error());
			ok = false;
		}
	}
	CHECK(fbk_resampler_done(r), "%s: not done after the last row", run->name);
	CHECK(cap->emitted == run->vis.h && cap->out_of_order == 0,
	      "%s: emitted %d rows of %d, %d out of order", run->name, cap->emitted, run->vis.h,
	      cap->out_of_order);
	ok = ok && fbk_resampler_done(r) && cap->emitted == run->vis.h && !cap->out_of_order;
	fbk_resampler_destroy(r);
	return ok;
}

static bool taps_init(struct taps *t, int32_t n_in)
{
	t->idx = malloc(((size_t)n_in + 2) * sizeof(*t->idx));
	t->w = malloc(((size_t)n_in + 2) * sizeof(*t->w));
	return t->idx && t->w;
}

static void taps_finish(struct taps *t)
{
	free(t->idx);
	free(t->w);
}

/* Which source rows some visible output row uses, by the reference. */
static bool *ref_needed_rows(const struct run *run, const struct image *src, bool copy)
{
	bool *needed = calloc((size_t)src->h, sizeof(*needed));
	struct taps ty = { NULL, NULL, 0 };
	if (!needed || !taps_init(&ty, src->h)) {
		free(needed);
		taps_finish(&ty);
		return NULL;
	}
	for (int32_t y = run->vis.y; y < run->vis.y + run->vis.h; y++) {
		ty.n = ref_taps(src->h, run->dst_h, y, copy, ty.idx, ty.w);
		for (int k = 0; k < ty.n; k++)
			needed[ty.idx[k]] = true;
	}
	taps_finish(&ty);
	return needed;
}

static bool within_one(uint32_t got, const uint8_t want[], int channels)
{
	for (int k = 0; k < channels; k++)
		if (abs((int)channel(got, k) - (int)want[k]) > 1)
			return false;
	return true;
}

static bool pixel_matches(uint32_t got, const struct ref_pixel *want)
{
	/*
	 * Alpha at exactly one half is a tie that double rounding may put on
	 * either side of the step between a clear pixel and a coloured one.
	 */
	if (fabs(want->alpha - 0.5) < 1e-6)
		return got == 0 || (channel(got, 3) == 1 && within_one(got, want->shown, 3));
	return within_one(got, want->c, 4);
}

/* Whether v is so close to a rounding step (k + 0.5) that double precision cannot tell the side. */
static bool near_half(double v)
{
	return fabs(v - floor(v) - 0.5) < 1e-7;
}

/*
 * Beyond the tolerance: the scaler rounds exactly, so wherever the
 * reference is not at a tie, every channel must be the rounded reference.
 */
static bool pixel_exact(uint32_t got, const struct ref_pixel *want)
{
	if (near_half(want->alpha))
		return true;
	if (channel(got, 3) != want->c[3])
		return false;
	for (int k = 0; k < 3 && want->c[3]; k++)
		if (!near_half(want->colour[k]) && channel(got, k) != want->c[k])
			return false;
	return true;
}

static int inexact_pixels;

/* Compare a captured output with the reference; returns the number of bad pixels. */
static int compare(const struct run *run, const struct image *src, const uint32_t *got)
{
	bool copy = run->filter == FBK_FILTER_NEAREST ||
		    (src->w == run->dst_w && src->h == run->dst_h);
	struct taps tx = { NULL, NULL, 0 }, ty = { NULL, NULL, 0 };
	if (!taps_init(&tx, src->w) || !taps_init(&ty, src->h)) {
		taps_finish(&tx);
		taps_finish(&ty);
		CHECK(0, "out of memory");
		return 1;
	}
	int bad = 0;
	for (int32_t y = 0; y < run->vis.h; y++) {
		ty.n = ref_taps(src->h, run->dst_h, run->vis.y + y, copy, ty.idx, ty.w);
		for (int32_t x = 0; x < run->vis.w; x++) {
			tx.n = ref_taps(src->w, run->dst_w, run->vis.x + x, copy, tx.idx, tx.w);
			uint32_t g = got[(size_t)y * (size_t)run->vis.w + (size_t)x];
			if (copy) {
				uint32_t want = src->px[(size_t)ty.idx[0] * (size_t)src->w +
							(size_t)tx.idx[0]];
				if (g != want && bad++ < 3)
					CHECK(0, "%s: copy pixel (%d,%d) is %08x, want %08x",
					      run->name, run->vis.x + x, run->vis.y + y, g, want);
				continue;
			}
			struct ref_pixel want = ref_average(src, &tx, &ty);
			if (!pixel_exact(g, &want) && inexact_pixels++ < 3)
				CHECK(0, "%s: pixel (%d,%d) is %08x, not exactly %02x%02x%02x%02x",
				      run->name, run->vis.x + x, run->vis.y + y, g, want.c[3], want.c[2],
				      want.c[1], want.c[0]);
			if (!pixel_matches(g, &want) && bad++ < 3)
				CHECK(0, "%s: pixel (%d,%d) is %08x, want %02x%02x%02x%02x (alpha %.6f)",
				      run->name, run->vis.x + x, run->vis.y + y, g, want.c[3], want.c[2],
				      want.c[1], want.c[0], want.alpha);
		}
	}
	taps_finish(&tx);
	taps_finish(&ty);
	return bad;
}

/* Both push modes, checked against the reference and against each other. */
static void check_run(const struct run *run, const struct image *src)
{
	bool copy = run->filter == FBK_FILTER_NEAREST ||
		    (src->w == run->dst_w && src->h == run->dst_h);
	bool *needed = ref_needed_rows(run, src, copy);
	struct capture with_null, with_data;
	bool ok = run_scaler(run, src, PUSH_NULL_WHEN_UNNEEDED, needed, &with_null);
	if (ok) {
		CHECK(compare(run, src, with_null.pixels) == 0, "%s: matches the reference",
		      run->name);
		if (run_scaler(run, src, PUSH_ALWAYS, NULL, &with_data)) {
			size_t bytes = (size_t)run->vis.w * (size_t)run->vis.h * sizeof(uint32_t);
			CHECK(memcmp(with_null.pixels, with_data.pixels, bytes) == 0,
			      "%s: NULL for unneeded rows changes the output", run->name);
		}
		free(with_data.pixels);
	}
	free(with_null.pixels);
	free(needed);
}

/*
 * A source and output size for one axis: equal, shrinking, anything, or
 * a whole or small ratio (k:1, 1:k, 3:2, 2:3), which the scaler does in
 * 16-bit lanes.
 */
static void random_axis(int32_t *src, int32_t *dst, int tiny)
{
	int32_t max = tiny ? 12 : 300;
	switch (rng_next() % 4) {
	case 0:
		*src = *dst = rng_range(1, max);
		return;
	case 1:
		*src = rng_range(1, max);
		*dst = rng_range(1, *src);
		return;
	case 2:
		*src = rng_range(1, max);
		*dst = rng_range(1, max);
		return;
	default: {
		static const int32_t ratios[][2] = { { 1, 2 }, { 1, 3 }, { 1, 4 }, { 1, 5 },
						     { 2, 1 }, { 3, 1 }, { 4, 1 }, { 2, 3 },
						     { 3, 2 }, { 1, 7 }, { 8, 1 } };
		const int32_t *q = ratios[rng_next() % (sizeof(ratios) / sizeof(ratios[0]))];
		int32_t unit = rng_range(1, max / (q[0] > q[1] ? q[0] : q[1]));
		*src = unit * q[0];
		*dst = unit * q[1];
	}
	}
}

/* The scaler's ways of working (src/image/resample.c), to check each is exercised. */
enum way { WAY_COPY, WAY_ROWS16, WAY_ROWS32, WAY_COLUMNS16, WAY_COLUMNS32, WAY_BILINEAR, WAY_WIDE,
	   WAYS };

static int64_t gcd64(int64_t a, int64_t b)
{
	return b ? gcd64(b, a % b) : a;
}

static int64_t axis_total(int32_t n_in, int32_t n_out)
{
	int64_t g = gcd64(n_in, n_out);
	return n_out <= n_in ? n_in / g : 2 * (int64_t)n_out / g;
}

static enum way way_of(const struct run *run, const struct image *src)
{
	if (run->filter == FBK_FILTER_NEAREST || (src->w == run->dst_w && src->h == run->dst_h))
		return WAY_COPY;
	int64_t tx = axis_total(src->w, run->dst_w), ty = axis_total(src->h, run->dst_h);
	bool lanes = tx * ty <= 257;
	if (run->dst_h <= src->h && ty <= 257)
		return lanes ? WAY_ROWS16 : WAY_ROWS32;
	if (run->dst_w > src->w && run->dst_h > src->h && tx * ty <= 1 << 22 && tx <= 65535)
		return WAY_BILINEAR;
	if (run->dst_h > src->h && tx <= 257)
		return lanes ? WAY_COLUMNS16 : WAY_COLUMNS32;
	return WAY_WIDE;
}

static int way_counts[WAYS];

static struct fbk_rect random_visible(int32_t w, int32_t h)
{
	if (rng_next() % 4 == 0)
		return (struct fbk_rect){ 0, 0, w, h };
	struct fbk_rect v;
	v.x = rng_range(0, w - 1);
	v.y = rng_range(0, h - 1);
	v.w = rng_range(1, w - v.x);
	v.h = rng_range(1, h - v.y);
	return v;
}

static void random_case(int n)
{
	struct image src;
	int32_t sw, sh, dw, dh;
	random_axis(&sw, &dw, n % 4 == 0);
	random_axis(&sh, &dh, n % 3 == 0);
	if (!image_init(&src, sw, sh, (enum alpha_kind)(n % ALPHA_KINDS))) {
		CHECK(0, "out of memory");
		return;
	}
	char name[64];
	snprintf(name, sizeof(name), "random %d", n);
	struct run run = { dw, dh, rng_next() % 6 ? FBK_FILTER_SMOOTH : FBK_FILTER_NEAREST,
			   { 0, 0, 0, 0 }, name };
	run.vis = random_visible(run.dst_w, run.dst_h);
	way_counts[way_of(&run, &src)]++;
	check_run(&run, &src);
	free(src.px);
}

/* ---- exact cases ---- */

static uint32_t scale_one(int32_t sw, int32_t sh, const uint32_t *px, int32_t dw, int32_t dh,
			  int32_t x, int32_t y, enum fbk_filter filter)
{
	struct image src = { sw, sh, (uint32_t *)px };
	struct run run = { dw, dh, filter, { x, y, 1, 1 }, "exact" };
	struct capture cap;
	uint32_t result = 0xdeadbeef;
	if (run_scaler(&run, &src, PUSH_ALWAYS, NULL, &cap))
		result = cap.pixels[0];
	free(cap.pixels);
	return result;
}

static void exact_averages(void)
{
	/* Opaque: the plain average, rounded to nearest with halves up. */
	static const uint32_t quad[] = { 0xff000102, 0xff000102, 0xff010203, 0xff010203 };
	CHECK(scale_one(2, 2, quad, 1, 1, 0, 0, FBK_FILTER_SMOOTH) == 0xff010203,
	      "2x2 halves round up");
	static const uint32_t quarter[] = { 0xff0a0a0a, 0xff0b0b0b, 0xff0b0b0b, 0xff0b0b0b };
	CHECK(scale_one(2, 2, quarter, 1, 1, 0, 0, FBK_FILTER_SMOOTH) == 0xff0b0b0b,
	      "2x2 10.75 rounds to 11");
	static const uint32_t quarter_down[] = { 0xff0a0a0a, 0xff0a0a0a, 0xff0a0a0a, 0xff0b0b0b };
	CHECK(scale_one(2, 2, quarter_down, 1, 1, 0, 0, FBK_FILTER_SMOOTH) == 0xff0a0a0a,
	      "2x2 10.25 rounds to 10");
	static const uint32_t spread[] = { 0xffff0000, 0xff00ff00, 0xff0000ff, 0xff000000 };
	CHECK(scale_one(2, 2, spread, 1, 1, 0, 0, FBK_FILTER_SMOOTH) == 0xff404040,
	      "2x2 of red, green, blue and black is 64 each (63.75)");
	static const uint32_t thirds[] = { 0xff0a0a0a, 0xff0b0b0b, 0xff0b0b0b };
	CHECK(scale_one(3, 1, thirds, 1, 1, 0, 0, FBK_FILTER_SMOOTH) == 0xff0b0b0b, "3x1 mean 10.67");
	/* 3 -> 2 covers 1.5 pixels each: (2*10 + 20) / 3 = 13.33 and (20 + 2*40) / 3 = 33.33 */
	static const uint32_t three[] = { 0xff0a0a0a, 0xff141414, 0xff282828 };
	CHECK(scale_one(3, 1, three, 2, 1, 0, 0, FBK_FILTER_SMOOTH) == 0xff0d0d0d, "3->2 left");
	CHECK(scale_one(3, 1, three, 2, 1, 1, 0, FBK_FILTER_SMOOTH) == 0xff212121, "3->2 right");
	/* Transparent pixels do not darken: premultiplied averaging. */
	static const uint32_t half[] = { 0xffff0000, 0x000000ff };
	CHECK(scale_one(2, 1, half, 1, 1, 0, 0, FBK_FILTER_SMOOTH) == 0x80ff0000,
	      "opaque red beside clear blue is half-transparent red");
	static const uint32_t clear[] = { 0x00123456, 0x00abcdef, 0x01000000, 0x00ffffff };
	CHECK(scale_one(2, 2, clear, 1, 1, 0, 0, FBK_FILTER_SMOOTH) == 0, "alpha 0.25 rounds to 0");
	/* Growing: 2 -> 4 puts output centres at 0.25 and 0.75 between the two. */
	static const uint32_t two[] = { 0xff000000, 0xff808080 };
	CHECK(scale_one(2, 1, two, 4, 1, 0, 0, FBK_FILTER_SMOOTH) == 0xff000000, "grow edge");
	CHECK(scale_one(2, 1, two, 4, 1, 1, 0, FBK_FILTER_SMOOTH) == 0xff202020, "grow 1/4");
	CHECK(scale_one(2, 1, two, 4, 1, 2, 0, FBK_FILTER_SMOOTH) == 0xff606060, "grow 3/4");
	CHECK(scale_one(2, 1, two, 4, 1, 3, 0, FBK_FILTER_SMOOTH) == 0xff808080, "grow edge");
	/* Nearest copies, colour under alpha 0 included. */
	CHECK(scale_one(2, 2, clear, 5, 3, 3, 2, FBK_FILTER_NEAREST) == 0x00ffffff,
	      "nearest copies");
}

static void identity(void)
{
	for (int n = 0; n < 40; n++) {
		struct image src;
		int32_t w = rng_range(1, 200), h = rng_range(1, 200);
		if (!image_init(&src, w, h, (enum alpha_kind)(n % ALPHA_KINDS)))
			return;
		for (int f = 0; f < 2; f++) {
			struct run run = { w, h, f ? FBK_FILTER_NEAREST : FBK_FILTER_SMOOTH,
					   random_visible(w, h), "identity" };
			struct capture cap;
			if (run_scaler(&run, &src, PUSH_NULL_WHEN_UNNEEDED, NULL, &cap)) {
				bool same = true;
				for (int32_t y = 0; y < run.vis.h; y++)
					same = same &&
					       !memcmp(cap.pixels + (size_t)y * (size_t)run.vis.w,
						       src.px + (size_t)(run.vis.y + y) * (size_t)w +
							       run.vis.x,
						       (size_t)run.vis.w * sizeof(uint32_t));
				CHECK(same, "identity %d (%dx%d, filter %d) copies exactly", n, w, h,
				      f);
			}
			free(cap.pixels);
		}
		free(src.px);
	}
}

/* ---- the largest sizes ---- */

static void large(void)
{
	struct {
		int32_t sw, sh, dw, dh;
		struct fbk_rect vis;
		enum fbk_filter filter;
	} cases[] = {
		{ 32767, 1, 1, 1, { 0, 0, 1, 1 }, FBK_FILTER_SMOOTH },
		{ 32767, 1, 1000, 1, { 0, 0, 1000, 1 }, FBK_FILTER_SMOOTH },
		{ 32767, 1, 32767, 3, { 100, 0, 300, 3 }, FBK_FILTER_SMOOTH },
		{ 32767, 1, 32766, 1, { 32000, 0, 766, 1 }, FBK_FILTER_SMOOTH },
		{ 32767, 1, 999, 1, { 0, 0, 999, 1 }, FBK_FILTER_NEAREST },
		{ 1, 32767, 1, 1, { 0, 0, 1, 1 }, FBK_FILTER_SMOOTH },
		{ 1, 32767, 1, 999, { 0, 0, 1, 999 }, FBK_FILTER_SMOOTH },
		{ 1, 32767, 2, 32767, { 0, 32000, 2, 767 }, FBK_FILTER_SMOOTH },
		{ 1, 32767, 1, 777, { 0, 5, 1, 700 }, FBK_FILTER_NEAREST },
		{ 3, 1, 32767, 1, { 16000, 0, 700, 1 }, FBK_FILTER_SMOOTH },
		{ 1, 3, 1, 32767, { 0, 0, 1, 32767 }, FBK_FILTER_SMOOTH },
		/* the largest weight totals on both axes: 32767 (box) by 65534 (bilinear) */
		{ 32767, 2, 2, 32767, { 0, 16000, 2, 100 }, FBK_FILTER_SMOOTH },
		{ 2, 32767, 32767, 2, { 32667, 0, 100, 2 }, FBK_FILTER_SMOOTH },
		{ 2, 2, 32767, 32767, { 16300, 16300, 60, 60 }, FBK_FILTER_SMOOTH },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct image src;
		if (!image_init(&src, cases[i].sw, cases[i].sh, i % 2 ? ALPHA_RANDOM : ALPHA_OPAQUE)) {
			CHECK(0, "out of memory");
			return;
		}
		char name[64];
		snprintf(name, sizeof(name), "large %zu (%dx%d to %dx%d)", i, cases[i].sw,
			 cases[i].sh, cases[i].dw, cases[i].dh);
		struct run run = { cases[i].dw, cases[i].dh, cases[i].filter, cases[i].vis, name };
		check_run(&run, &src);
		free(src.px);
	}
}

/*
 * Memory is a few rows of the visible width: creating a scaler for a
 * 1-pixel-wide, 32767-row image must take far less than one word per row.
 * mallinfo2 only sees glibc's heap; under ASan it reports nothing, and
 * this check, a test of its own (--memory), is skipped.
 */
static void memory_not_by_height(void)
{
	struct mallinfo2 before = mallinfo2();
	void *volatile probe = malloc(50000); /* volatile: the compiler may not drop it */
	bool measurable = mallinfo2().uordblks >= before.uordblks + 50000;
	free(probe);
	if (!measurable)
		SKIP("mallinfo2 does not see this program's allocations (a sanitizer's or another "
		     "allocator), so a scaler's memory cannot be measured");
	static const enum fbk_filter filters[] = { FBK_FILTER_SMOOTH, FBK_FILTER_NEAREST };
	static const int32_t heights[] = { 32767, 30000, 1 };
	for (int f = 0; f < 2; f++) {
		for (int k = 0; k < 3; k++) {
			struct fbk_resampler *r;
			struct fbk_rect vis = { 0, 0, 1, heights[k] };
			before = mallinfo2();
			if (fbk_resampler_create(&r, 1, 32767, 1, heights[k], filters[f], &vis)) {
				CHECK(0, "create: %s", fbk_last_error());
				continue;
			}
			size_t used = mallinfo2().uordblks - before.uordblks;
			CHECK(used < 1024, "1x32767 to 1x%d, filter %d: %zu bytes", heights[k], f,
			      used);
			fbk_resampler_destroy(r);
		}
	}
}

/* ---- protocol and bad input ---- */

static void protocol(void)
{
	struct image src;
	if (!image_init(&src, 9, 9, ALPHA_RANDOM))
		return;
	struct fbk_rect vis = { 0, 2, 3, 4 };
	struct fbk_resampler *r;
	CHECK(fbk_resampler_create(&r, 9, 9, 3, 9, FBK_FILTER_SMOOTH, &vis) == 0, "create");
	/* Output rows 2..5 of 9 from 9 rows: source rows 2..5, nothing else. */
	CHECK(!fbk_resampler_needs_row(r, 0) && !fbk_resampler_needs_row(r, 1) &&
		      fbk_resampler_needs_row(r, 2) && fbk_resampler_needs_row(r, 5) &&
		      !fbk_resampler_needs_row(r, 6) && !fbk_resampler_needs_row(r, -1) &&
		      !fbk_resampler_needs_row(r, 9),
	      "needs_row for rows 2..5");
	uint32_t pixels[12];
	struct capture cap = { vis, pixels, vis.y, 0, 0, 3 };
	CHECK(fbk_resampler_push(r, NULL, capture_row, &cap) == 0, "NULL row 0");
	CHECK(fbk_resampler_push(r, src.px + 9, capture_row, &cap) == 0, "data for unneeded row 1");
	CHECK(fbk_resampler_push(r, NULL, capture_row, &cap) == -EINVAL, "NULL for needed row 2");
	CHECK(fbk_resampler_push(r, src.px + 18, NULL, &cap) == -EINVAL, "NULL callback");
	CHECK(fbk_resampler_push(r, src.px + 18, capture_row, &cap) == 0 && cap.emitted == 1,
	      "row 2 after the refused NULL");
	CHECK(fbk_resampler_push(r, src.px + 27, capture_row, &cap) == -1234 && cap.emitted == 2,
	      "the callback's error comes back");
	CHECK(!fbk_resampler_done(r), "not done at row 3");
	CHECK(fbk_resampler_push(r, src.px + 36, capture_row, &cap) == 0, "row 4");
	CHECK(fbk_resampler_push(r, src.px + 45, capture_row, &cap) == 0 && cap.emitted == 4,
	      "row 5");
	CHECK(fbk_resampler_done(r) && !fbk_resampler_needs_row(r, 6), "done after row 5");
	for (int y = 6; y < 9; y++)
		CHECK(fbk_resampler_push(r, NULL, capture_row, &cap) == 0, "rows after done");
	CHECK(fbk_resampler_push(r, src.px, capture_row, &cap) == -EINVAL,
	      "a row past the last one");
	CHECK(cap.out_of_order == 0 && cap.emitted == 4, "four rows in order");
	fbk_resampler_destroy(r);
	fbk_resampler_destroy(NULL);
	free(src.px);
}

static void bad_input(void)
{
	static int dummy;
	struct fbk_resampler *r = (struct fbk_resampler *)&dummy;
	struct fbk_rect vis = { 0, 0, 4, 4 };
	CHECK(fbk_resampler_create(NULL, 4, 4, 4, 4, FBK_FILTER_SMOOTH, &vis) == -EINVAL,
	      "NULL out");
	CHECK(fbk_resampler_create(&r, 4, 4, 4, 4, FBK_FILTER_SMOOTH, NULL) == -EINVAL && !r,
	      "NULL visible");
	static const int32_t sizes[][4] = {
		{ 0, 4, 4, 4 },     { 4, 0, 4, 4 },     { 4, 4, 0, 4 },     { 4, 4, 4, 0 },
		{ -1, 4, 4, 4 },    { 32768, 4, 4, 4 }, { 4, 32768, 4, 4 }, { 4, 4, 32768, 4 },
		{ 4, 4, 4, 32768 }, { INT32_MIN, 4, 4, 4 },
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		CHECK(fbk_resampler_create(&r, sizes[i][0], sizes[i][1], sizes[i][2], sizes[i][3],
					   FBK_FILTER_SMOOTH, &vis) == -EINVAL,
		      "sizes %zu", i);
	static const struct fbk_rect bad_vis[] = {
		{ 0, 0, 0, 4 },	 { 0, 0, 4, 0 },	 { -1, 0, 4, 4 },
		{ 0, -1, 4, 4 }, { 1, 0, 4, 4 },	 { 0, 1, 4, 4 },
		{ 4, 0, 1, 1 },	 { 0, 0, INT32_MAX, 4 }, { INT32_MAX, 0, INT32_MAX, 4 },
	};
	for (size_t i = 0; i < sizeof(bad_vis) / sizeof(bad_vis[0]); i++)
		CHECK(fbk_resampler_create(&r, 8, 8, 4, 4, FBK_FILTER_SMOOTH, &bad_vis[i]) ==
			      -EINVAL,
		      "visible %zu", i);
	CHECK(fbk_resampler_create(&r, 8, 8, 4, 4, (enum fbk_filter)7, &vis) == -EINVAL,
	      "unknown filter");
	CHECK(fbk_resampler_push(NULL, NULL, capture_row, NULL) == -EINVAL, "NULL resampler");
	CHECK(!fbk_resampler_needs_row(NULL, 0) && fbk_resampler_done(NULL), "NULL queries");
}

/* With --memory only the memory check runs, as a test that can be skipped on its own. */
int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--memory")) {
		memory_not_by_height();
		return harness_exit();
	}
	rng_seed(7);
	exact_averages();
	identity();
	protocol();
	bad_input();
	for (int n = 0; n < 3000; n++)
		random_case(n);
	static const char *const ways[] = { "copy", "rows first, 16-bit", "rows first, 32-bit",
					    "columns first, 16-bit", "columns first, 32-bit",
					    "bilinear (row engine)", "wide" };
	for (int w = 0; w < WAYS; w++) {
		printf("%d random cases %s\n", way_counts[w], ways[w]);
		CHECK(way_counts[w] >= 50, "only %d random cases %s", way_counts[w], ways[w]);
	}
	CHECK(inexact_pixels == 0, "%d pixels not exactly rounded", inexact_pixels);
	large();
	return harness_exit();
}
