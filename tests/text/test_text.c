/*
 * fbk_text_draw and fbk_text_measure against a slow reference that lays
 * the text out cell by cell and computes every pixel from the definitions
 * (glyph bit, fbk_over_pixel, fbk_color_pack). Fonts are built here, not
 * loaded, so this test does not depend on the PSF loader or on the
 * built-in font's contents.
 */
#include <errno.h>

#include "core/format_list.h"
#include "text/font.h"
#include "harness.h"
#include "pixel/pixel.h"

/* ---- fonts built by the test ---- */

struct test_font {
	struct fbk_font font;
	uint8_t *glyphs;
	struct fbk_font_map_entry *map;
};

/* Code points the mapped test fonts have, besides ASCII 0x20..0x7e. */
static const uint32_t extra_codepoints[] = { 0xe9, 0xfc, 0xa0, 0x3a9, 0x4e2d, 0x1f600 };
#define EXTRA_COUNT (sizeof(extra_codepoints) / sizeof(extra_codepoints[0]))

/*
 * A font of random glyphs. The padding bits right of `width` are random
 * too: drawing must ignore them. With `mapped`, glyphs are reached through
 * a map (ASCII, a few others, and U+FFFD when `with_replacement`); without,
 * glyph index == code point for the first `count` code points.
 */
static void test_font_init(struct test_font *t, int32_t width, int32_t height, bool mapped,
			   bool with_replacement)
{
	uint32_t bytes_per_row = ((uint32_t)width + 7) / 8;
	uint32_t count = mapped ? 0x7f - 0x20 + EXTRA_COUNT + 1 : 200;
	size_t glyph_size = (size_t)height * bytes_per_row;
	t->glyphs = malloc(glyph_size * count);
	for (size_t i = 0; i < glyph_size * count; i++) {
		uint64_t r = rng_next();
		/* Sparse and dense glyphs both: runs of set and unset bits matter. */
		t->glyphs[i] = (uint8_t)(i % 3 == 0 ? r : r & (r >> 8));
	}
	t->map = NULL;
	uint32_t map_count = 0;
	uint32_t replacement = FBK_NO_GLYPH;
	if (mapped) {
		t->map = malloc(sizeof(*t->map) * count);
		for (uint32_t cp = 0x20; cp < 0x7f; cp++)
			t->map[map_count++] = (struct fbk_font_map_entry){ cp, cp - 0x20 };
		/* Sorted by code point as the loader leaves them. */
		uint32_t sorted[EXTRA_COUNT];
		memcpy(sorted, extra_codepoints, sizeof(sorted));
		for (size_t i = 0; i < EXTRA_COUNT; i++)
			for (size_t j = i + 1; j < EXTRA_COUNT; j++)
				if (sorted[j] < sorted[i]) {
					uint32_t tmp = sorted[i];
					sorted[i] = sorted[j];
					sorted[j] = tmp;
				}
		for (size_t i = 0; i < EXTRA_COUNT; i++) {
			if (sorted[i] > 0xfffd && with_replacement)
				break;
			t->map[map_count] = (struct fbk_font_map_entry){ sorted[i], map_count };
			map_count++;
		}
		if (with_replacement) {
			replacement = map_count;
			t->map[map_count] = (struct fbk_font_map_entry){ 0xfffd, map_count };
			map_count++;
			/* U+1F600 comes after U+FFFD. */
			t->map[map_count] = (struct fbk_font_map_entry){ 0x1f600, map_count };
			map_count++;
		}
	}
	t->font = (struct fbk_font){
		.width = width,
		.height = height,
		.bytes_per_row = bytes_per_row,
		.glyph_count = count,
		.glyphs = t->glyphs,
		.map = t->map,
		.map_count = map_count,
		.replacement = replacement,
		.is_static = true,
	};
}

static void test_font_finish(struct test_font *t)
{
	free(t->glyphs);
	free(t->map);
}

/* ---- the reference ---- */

/* Decode the next character the slow way; returns bytes used, *cp = -1 for a bad byte. */
static int ref_decode(const uint8_t *s, int64_t *cp)
{
	static const struct {
		uint8_t lo, hi;
		int len;
		uint32_t min;
	} leads[] = { { 0x00, 0x7f, 1, 0 }, { 0xc2, 0xdf, 2, 0x80 }, { 0xe0, 0xef, 3, 0x800 },
		      { 0xf0, 0xf4, 4, 0x10000 } };
	for (size_t k = 0; k < 4; k++) {
		if (s[0] < leads[k].lo || s[0] > leads[k].hi)
			continue;
		int len = leads[k].len;
		uint32_t v = len == 1 ? s[0] : s[0] & (0x7fu >> len);
		for (int i = 1; i < len; i++) {
			if (s[i] < 0x80 || s[i] > 0xbf) {
				*cp = -1;
				return 1;
			}
			v = v * 64 + (s[i] - 0x80u);
		}
		bool surrogate = v >= 0xd800 && v <= 0xdfff;
		*cp = v < leads[k].min || v > 0x10ffff || surrogate ? -1 : (int64_t)v;
		return *cp < 0 ? 1 : len;
	}
	*cp = -1;
	return 1;
}

enum cell_kind { CELL_GLYPH, CELL_BOX, CELL_BLANK };

struct cell {
	int64_t x, y;
	enum cell_kind kind;
	uint32_t glyph;
};

/* Lay text out the way text.h describes it. Returns the cell count; *lines gets the line count. */
static size_t ref_layout(const struct fbk_font *f, int64_t x, int64_t y, const char *text,
			 struct cell *cells, int64_t *lines, int64_t *widest)
{
	size_t n = 0;
	int64_t col = 0, line = 0;
	*widest = 0;
	const uint8_t *s = (const uint8_t *)text;
	while (*s) {
		int64_t cp;
		s += ref_decode(s, &cp);
		if (cp == '\n') {
			line++;
			col = 0;
			continue;
		}
		if (cp == '\t') {
			do {
				cells[n++] = (struct cell){ x + col * f->width, y + line * f->height,
							    CELL_BLANK, 0 };
				col++;
			} while (col % 8);
		} else {
			uint32_t g = FBK_NO_GLYPH;
			if (cp >= 0) {
				for (uint32_t i = 0; i < f->map_count; i++)
					if (f->map[i].codepoint == (uint32_t)cp)
						g = f->map[i].glyph;
				if (f->map_count == 0 && cp < f->glyph_count)
					g = (uint32_t)cp;
			}
			if (g == FBK_NO_GLYPH)
				g = f->replacement;
			cells[n++] = (struct cell){ x + col * f->width, y + line * f->height,
						    g == FBK_NO_GLYPH ? CELL_BOX : CELL_GLYPH, g };
			col++;
		}
		if (col > *widest)
			*widest = col;
	}
	*lines = *text ? line + 1 : 0;
	return n;
}

static bool ref_bit(const struct fbk_font *f, const struct cell *c, int32_t col, int32_t row)
{
	switch (c->kind) {
	case CELL_BLANK:
		return false;
	case CELL_BOX: {
		int32_t l = 1, r = f->width - 2, t = 1, b = f->height - 2;
		bool in = col >= l && col <= r && row >= t && row <= b;
		return in && (col == l || col == r || row == t || row == b);
	}
	case CELL_GLYPH: {
		const uint8_t *g = f->glyphs + (size_t)c->glyph * f->height * f->bytes_per_row;
		return g[(size_t)row * f->bytes_per_row + (size_t)col / 8] >> (7 - col % 8) & 1;
	}
	}
	return false;
}

static uint32_t argb_of(struct fbk_color c)
{
	return fbk_argb(c);
}

static struct fbk_color color_of(uint32_t argb)
{
	return (struct fbk_color){ (uint8_t)(argb >> 16), (uint8_t)(argb >> 8), (uint8_t)argb,
				   (uint8_t)(argb >> 24) };
}

/* What the format keeps of a colour. */
static struct fbk_color stored(uint32_t format, struct fbk_color c)
{
	return fbk_color_unpack(format, fbk_color_pack(format, c));
}

static struct fbk_color ref_paint(uint32_t format, struct fbk_color before, struct fbk_color c)
{
	if (c.a == 0)
		return before;
	if (c.a == 255)
		return stored(format, c);
	return stored(format, color_of(fbk_over_pixel(argb_of(before), argb_of(c),
						       fbk_format_has_alpha(format))));
}

/* ---- random cases ---- */

static size_t append(char *buf, size_t at, const char *piece)
{
	size_t len = strlen(piece);
	memcpy(buf + at, piece, len);
	return at + len;
}

static void random_text(char *buf, size_t max_pieces)
{
	static const char *const pieces[] = {
		"\n", "\t", "\xc3\xa9", "\xc3\xbc", "\xc2\xa0", "\xce\xa9", "\xe4\xb8\xad",
		"\xf0\x9f\x98\x80", "\xef\xbf\xbd", "\xe2\x82\xac", /* euro: missing */
		"\xc3\x9f",		     /* missing Latin-1 */
		"\x80", "\xbf", "\xff", "\xfe", "\xc0\x80", "\xc1\xbf", "\xe0\x80\xaf",
		"\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
		"\xe2\x82", "\xf0\x9f\x98", "\xc3", "\x01", "\x7f",
	};
	size_t n = (size_t)rng_range(0, (int32_t)max_pieces), at = 0;
	for (size_t i = 0; i < n; i++) {
		if (rng_next() % 2) {
			char ascii[2] = { (char)rng_range(0x20, 0x7e), 0 };
			at = append(buf, at, ascii);
		} else {
			at = append(buf, at, pieces[rng_next() % (sizeof(pieces) / sizeof(pieces[0]))]);
		}
	}
	buf[at] = '\0';
}

static struct fbk_color random_paint(void)
{
	struct fbk_color c = rng_color();
	switch (rng_next() % 5) {
	case 0:
	case 1: c.a = 255; break;
	case 2: c.a = 0; break;
	}
	return c;
}

/* Mostly where some of the text shows, sometimes cut by an edge, sometimes far away. */
static int64_t random_position(int32_t size, int32_t cell)
{
	switch (rng_next() % 12) {
	case 0: return (int64_t)(rng_next() >> 32) + INT32_MIN; /* any int32 */
	case 1: return rng_next() % 2 ? INT32_MAX - rng_range(0, 100) : INT32_MIN + rng_range(0, 100);
	case 2: return rng_range(-20 * cell, -cell);
	case 3:
	case 4:
	case 5: return rng_range(-2 * cell, size);
	default: return rng_range(-cell / 2, size / 2);
	}
}

struct case_stats {
	int cases, painted_pixels;
};

static void random_case(uint32_t format, struct test_font *tf, int round, struct case_stats *st)
{
	const struct fbk_font *f = &tf->font;
	struct guarded g;
	int32_t w = rng_next() % 8 ? rng_range(1, 48) : rng_range(1, 3);
	int32_t h = rng_next() % 8 ? rng_range(1, 48) : rng_range(1, 3);
	if (guarded_init(&g, w, h, (size_t)rng_range(0, 9), format)) {
		CHECK(0, "guarded_init");
		return;
	}
	struct fbk_surface *whole = &g.surface;
	struct fbk_surface view = *whole;
	int32_t vx = 0, vy = 0;
	if (rng_next() % 3 == 0) {
		struct fbk_rect r = { rng_range(0, w - 1), rng_range(0, h - 1), 0, 0 };
		r.w = rng_range(1, w - r.x);
		r.h = rng_range(1, h - r.y);
		if (rng_next() % 4 == 0) {
			struct fbk_rect parent_clip = { rng_range(-2, w / 2), rng_range(-2, h / 2),
							rng_range(w / 2, w + 2), rng_range(h / 2, h + 2) };
			fbk_surface_set_clip(whole, &parent_clip);
		}
		CHECK(fbk_surface_sub(&view, whole, &r) == 0, "sub-surface");
		vx = r.x;
		vy = r.y;
	}
	if (rng_next() % 2) {
		struct fbk_rect clip = { rng_range(-3, view.width - 1), rng_range(-3, view.height - 1),
					 rng_range(1, view.width + 4), rng_range(1, view.height + 4) };
		if (rng_next() % 8 == 0) /* empty */
			clip.w = 0;
		/* Clip intersects with whatever the sub inherited, as a caller would. */
		struct fbk_rect inherited = view.clip;
		fbk_rect_intersect(&inherited, &clip, &clip);
		fbk_surface_set_clip(&view, &clip);
	}

	char text[256];
	random_text(text, 24);
	int64_t lines, widest;
	static struct cell cells[256 * 8];
	int64_t x = random_position(view.width, f->width);
	int64_t y = random_position(view.height, f->height);
	size_t n = ref_layout(f, x, y, text, cells, &lines, &widest);

	struct fbk_color fg = random_paint(), bg_color = random_paint();
	const struct fbk_color *bg = rng_next() % 3 ? &bg_color : NULL;

	size_t count = (size_t)w * (size_t)h;
	struct fbk_color *want = malloc(count * sizeof(*want));
	uint8_t *raw_before = malloc(g.block_size);
	memcpy(raw_before, g.block, g.block_size);
	for (int32_t py = 0; py < h; py++)
		for (int32_t px = 0; px < w; px++)
			want[(size_t)py * w + px] = pixel_at(whole, px, py);

	const struct fbk_rect clip = view.clip;
	for (size_t i = 0; i < n; i++) {
		const struct cell *c = &cells[i];
		for (int32_t row = 0; row < f->height; row++) {
			int64_t py = c->y + row;
			if (py < clip.y || py >= (int64_t)clip.y + clip.h)
				continue;
			for (int32_t col = 0; col < f->width; col++) {
				int64_t px = c->x + col;
				if (px < clip.x || px >= (int64_t)clip.x + clip.w)
					continue;
				bool bit = ref_bit(f, c, col, row);
				if (!bit && !bg)
					continue;
				struct fbk_color *p = &want[(size_t)(py + vy) * w + (size_t)(px + vx)];
				*p = ref_paint(format, *p, bit ? fg : *bg);
				st->painted_pixels++;
			}
		}
	}

	int err = fbk_text_draw(&view, f, (int32_t)x, (int32_t)y, text, fg, bg);
	CHECK(err == 0, "draw returns %d: %s", err, fbk_last_error());

	int bad = 0;
	const struct fbk_format_info *info = fbk_format_info(format);
	for (int32_t py = 0; py < h && !bad; py++) {
		for (int32_t px = 0; px < w && !bad; px++) {
			struct fbk_color got = pixel_at(whole, px, py), exp = want[(size_t)py * w + px];
			if (!color_equal(got, exp)) {
				bad = 1;
				CHECK(0,
				      "round %d %s %dx%d font, pixel (%d,%d) of %dx%d: got %02x%02x%02x%02x want %02x%02x%02x%02x (text \"%s\" at %lld,%lld fg a=%d bg %s)",
				      round, info->name, (int)f->width, (int)f->height, px, py, w, h,
				      got.a, got.r, got.g, got.b, exp.a, exp.r, exp.g, exp.b, text,
				      (long long)x, (long long)y, fg.a, bg ? "set" : "NULL");
			}
			/* Outside the view's clip not even padding bits may change. */
			int32_t cx = px - vx, cy = py - vy;
			bool in_clip = cx >= clip.x && cx < clip.x + clip.w && cy >= clip.y &&
				       cy < clip.y + clip.h;
			size_t off = GUARD_BYTES + (size_t)py * whole->stride +
				     (size_t)px * info->bytes_per_pixel;
			if (!in_clip && memcmp(g.block + off, raw_before + off, info->bytes_per_pixel)) {
				bad = 1;
				CHECK(0, "round %d %s: pixel (%d,%d) outside the clip changed", round,
				      info->name, px, py);
			}
		}
	}
	CHECK(guarded_intact(&g), "round %d %s: draw wrote outside the surface", round, info->name);

	int32_t mw = -1, mh = -1;
	CHECK(fbk_text_measure(f, text, &mw, &mh) == 0, "measure returns 0");
	CHECK(mw == widest * f->width && mh == lines * f->height,
	      "measure \"%s\": %dx%d, want %lldx%lld", text, mw, mh,
	      (long long)(widest * f->width), (long long)(lines * f->height));

	free(want);
	free(raw_before);
	guarded_finish(&g);
	st->cases++;
}

/* ---- fixed cases ---- */

static void measure_cases(void)
{
	struct test_font tf;
	test_font_init(&tf, 7, 13, true, true);
	const struct fbk_font *f = &tf.font;
	static const struct {
		const char *text;
		int32_t cells, lines;
	} cases[] = {
		{ "", 0, 0 },
		{ "A", 1, 1 },
		{ "A\n", 1, 2 },
		{ "\n", 0, 2 },
		{ "\n\n", 0, 3 },
		{ "abc\nde\n", 3, 3 },
		{ "ab\nabcdef", 6, 2 },
		{ "\t", 8, 1 },
		{ "a\t", 8, 1 },
		{ "abcdefg\t", 8, 1 },
		{ "abcdefgh\t", 16, 1 },
		{ "ab\tc", 9, 1 },
		{ "\t\t", 16, 1 },
		{ "x\n\tx", 9, 2 },
		{ "\xc3\xa9", 1, 1 },
		{ "\xe4\xb8\xad\xf0\x9f\x98\x80", 2, 1 },
		{ "\xe2\x82", 2, 1 },	  /* truncated: one cell per byte */
		{ "\xc0\x80", 2, 1 },	  /* overlong NUL */
		{ "\xe0\x80\xaf", 3, 1 },  /* overlong '/' */
		{ "\xed\xa0\x80", 3, 1 },  /* surrogate */
		{ "\xf4\x90\x80\x80", 4, 1 }, /* past U+10FFFF */
		{ "\xf0\x9f\x98", 3, 1 },
		{ "\xe2\x82" "A", 3, 1 },
		{ "\xff\xfe", 2, 1 },
		{ "\x80\n\x80\x80", 2, 2 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int32_t w = -1, h = -1;
		int err = fbk_text_measure(f, cases[i].text, &w, &h);
		CHECK(err == 0 && w == cases[i].cells * 7 && h == cases[i].lines * 13,
		      "measure case %zu: %d, %dx%d, want %dx%d", i, err, w, h, cases[i].cells * 7,
		      cases[i].lines * 13);
	}
	int32_t w = 5, h = 5;
	CHECK(fbk_text_measure(NULL, "A", &w, &h) == -EINVAL, "measure NULL font");
	CHECK(fbk_text_measure(f, NULL, &w, &h) == -EINVAL, "measure NULL text");
	CHECK(fbk_text_measure(f, "ab", NULL, &h) == 0 && h == 13, "NULL width allowed");
	CHECK(fbk_text_measure(f, "ab", &w, NULL) == 0 && w == 14, "NULL height allowed");
	test_font_finish(&tf);
}

static void bad_input(void)
{
	struct test_font tf;
	test_font_init(&tf, 8, 16, true, true);
	uint32_t px[64 * 16];
	memset(px, 0x11, sizeof(px));
	struct fbk_surface s;
	fbk_surface_init(&s, px, 64, 16, 256, FBK_FORMAT_XRGB8888);
	struct fbk_color bg = FBK_RGB(1, 2, 3);
	CHECK(fbk_text_draw(NULL, &tf.font, 0, 0, "A", FBK_RGB(255, 0, 0), &bg) == -EINVAL,
	      "NULL surface");
	CHECK(fbk_text_draw(&s, NULL, 0, 0, "A", FBK_RGB(255, 0, 0), &bg) == -EINVAL, "NULL font");
	CHECK(fbk_text_draw(&s, &tf.font, 0, 0, NULL, FBK_RGB(255, 0, 0), &bg) == -EINVAL,
	      "NULL text");
	struct fbk_surface broken = s;
	broken.stride = 3;
	CHECK(fbk_text_draw(&broken, &tf.font, 0, 0, "A", FBK_RGB(255, 0, 0), &bg) == -EINVAL,
	      "bad stride");
	broken = s;
	broken.pixels = NULL;
	CHECK(fbk_text_draw(&broken, &tf.font, 0, 0, "A", FBK_RGB(255, 0, 0), &bg) == -EINVAL,
	      "NULL pixels");
	bool untouched = true;
	for (size_t i = 0; i < 64 * 16; i++)
		untouched &= px[i] == 0x11111111u;
	CHECK(untouched, "failed draws change nothing");

	/* A clip set by hand past the bounds must not let drawing escape. */
	uint32_t guard[2 + 8 * 16 + 2];
	memset(guard, 0, sizeof(guard));
	struct fbk_surface wild;
	fbk_surface_init(&wild, guard + 2, 8, 16, 32, FBK_FORMAT_XRGB8888);
	wild.clip = (struct fbk_rect){ -100, -100, 1000, 1000 };
	CHECK(fbk_text_draw(&wild, &tf.font, -4, -4, "AB\nCD", FBK_RGB(255, 255, 255), &bg) == 0,
	      "wild clip");
	CHECK(guard[0] == 0 && guard[1] == 0 && guard[130] == 0 && guard[131] == 0,
	      "wild clip stays inside");
	test_font_finish(&tf);
}

/* The replacement box and has_glyph, exactly. */
static void box_and_lookup(void)
{
	struct test_font tf;
	test_font_init(&tf, 6, 9, true, false);
	const struct fbk_font *f = &tf.font;
	CHECK(fbk_font_has_glyph(f, 'A'), "has A");
	CHECK(fbk_font_has_glyph(f, 0x4e2d), "has U+4E2D");
	CHECK(!fbk_font_has_glyph(f, 0x20ac), "lacks the euro sign");
	CHECK(!fbk_font_has_glyph(f, 0xfffd), "lacks U+FFFD");
	CHECK(!fbk_font_has_glyph(f, 0x1f), "lacks U+001F");
	CHECK(!fbk_font_has_glyph(f, 0x110000), "lacks 0x110000");
	CHECK(!fbk_font_has_glyph(NULL, 'A'), "NULL font has nothing");
	CHECK(fbk_font_width(f) == 6 && fbk_font_height(f) == 9, "size");

	uint32_t px[6 * 9];
	struct fbk_surface s;
	fbk_surface_init(&s, px, 6, 9, 24, FBK_FORMAT_ARGB8888);
	for (int k = 0; k < 2; k++) {
		memset(px, 0, sizeof(px));
		/* A missing character and a bad byte both draw the box when there is no U+FFFD. */
		struct fbk_color bg = FBK_RGB(0, 0, 255);
		CHECK(fbk_text_draw(&s, f, 0, 0, k ? "\x80" : "\xe2\x82\xac", FBK_RGB(255, 0, 0),
				    &bg) == 0, "draw box");
		int bad = 0;
		for (int y = 0; y < 9; y++)
			for (int x = 0; x < 6; x++) {
				bool edge = x >= 1 && x <= 4 && y >= 1 && y <= 7 &&
					    (x == 1 || x == 4 || y == 1 || y == 7);
				bad += px[y * 6 + x] != (edge ? 0xffff0000u : 0xff0000ffu);
			}
		CHECK(bad == 0, "box case %d: %d pixels wrong", k, bad);
	}
	test_font_finish(&tf);

	/* Without a map, code points are glyph indices. */
	test_font_init(&tf, 8, 8, false, false);
	CHECK(fbk_font_has_glyph(&tf.font, 0) && fbk_font_has_glyph(&tf.font, 199),
	      "direct map has 0..199");
	CHECK(!fbk_font_has_glyph(&tf.font, 200), "direct map lacks 200");
	CHECK(fbk_font_glyph(&tf.font, 65) == 65, "direct map: glyph 65");
	test_font_finish(&tf);
}

/* Only what stays true once the real built-in font replaces the placeholder. */
static void builtin_font(void)
{
	const struct fbk_font *f = fbk_font_builtin();
	CHECK(f && fbk_font_width(f) == 8 && fbk_font_height(f) == 16, "built-in font is 8x16");
	CHECK(f == fbk_font_builtin(), "built-in font is one object");
	fbk_font_destroy((struct fbk_font *)f); /* must be a no-op */
	fbk_font_destroy(NULL);
	CHECK(!fbk_font_has_glyph(f, 0x4e2d), "built-in font lacks CJK");
	CHECK(!fbk_font_has_glyph(f, 0x110000), "built-in font lacks 0x110000");
	if (f->map_count > 0) {
		CHECK(fbk_font_has_glyph(f, 'A') && fbk_font_has_glyph(f, 0xe9) &&
			      fbk_font_has_glyph(f, 0xfffd),
		      "built-in font has A, e-acute and U+FFFD");
		CHECK(f->replacement != FBK_NO_GLYPH, "built-in font has a replacement glyph");
	}
	struct fbk_surface *s;
	CHECK(fbk_surface_create(&s, 100, 40, FBK_FORMAT_RGB565) == 0, "surface");
	struct fbk_color bg = FBK_RGB(0, 0, 0);
	CHECK(fbk_text_draw(s, f, 3, 2, "Hello, w\xc3\xb6rld!\n\t\xe2\x82\xac", FBK_RGB(255, 255, 255),
			    &bg) == 0,
	      "draw with the built-in font");
	int32_t w, h;
	CHECK(fbk_text_measure(f, "Hello\nab", &w, &h) == 0 && w == 40 && h == 32, "measure");
	fbk_surface_destroy(s);
}

int main(void)
{
	rng_seed(0x7e47);
	static const struct {
		int32_t width, height;
		bool mapped, replacement;
	} fonts[] = {
		{ 8, 16, true, true },	{ 8, 16, true, false }, { 8, 16, false, false },
		{ 5, 7, true, true },	{ 12, 20, true, false }, { 10, 18, true, true },
		{ 17, 3, false, false }, { 1, 1, true, false },	 { 2, 2, true, false },
		{ 64, 5, true, true },	{ 33, 4, true, false }, { 3, 3, false, false },
	};
	size_t font_count = sizeof(fonts) / sizeof(fonts[0]);
	struct case_stats st = { 0, 0 };
	for (size_t fi = 0; fi < font_count; fi++) {
		struct test_font tf;
		test_font_init(&tf, fonts[fi].width, fonts[fi].height, fonts[fi].mapped,
			       fonts[fi].replacement);
		for (int round = 0; round < 1600; round++) {
			const struct fbk_format_info *info = fbk_format_at((size_t)round % FBK_FORMAT_COUNT);
			random_case(info->fourcc, &tf, round, &st);
		}
		test_font_finish(&tf);
	}
	printf("%d random cases, %d reference pixels painted\n", st.cases, st.painted_pixels);
	measure_cases();
	bad_input();
	box_and_lookup();
	builtin_font();
	return harness_exit();
}
