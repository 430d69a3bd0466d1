/*
 * The built-in 8x16 font: coverage, the shape of its lookup table, and the
 * design rules stated at the top of assets/font-8x16.txt (metrics, the
 * spacing column, accented letters built on their base letters).
 */
#include "harness.h"

#include "text/font.h"

enum { WIDTH = 8, HEIGHT = 16 };

static const struct fbk_font *font;

static bool required(uint32_t cp)
{
	return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || cp == 0xfffd;
}

/* The bitmap of a code point through the public lookup, or NULL. */
static const uint8_t *bitmap(uint32_t cp)
{
	uint32_t glyph = fbk_font_glyph(font, cp);
	if (glyph == FBK_NO_GLYPH || glyph >= font->glyph_count)
		return NULL;
	return font->glyphs + (size_t)glyph * HEIGHT;
}

static int pixel(const uint8_t *g, int x, int y)
{
	return (g[y] >> (7 - x)) & 1;
}

/* First and last rows holding a set pixel; -1 for a blank glyph. */
static void ink_rows(const uint8_t *g, int *top, int *bottom)
{
	*top = *bottom = -1;
	for (int y = 0; y < HEIGHT; y++) {
		if (g[y] && *top < 0)
			*top = y;
		if (g[y])
			*bottom = y;
	}
}

static void check_shape(void)
{
	CHECK(fbk_font_width(font) == WIDTH, "width %d", (int)fbk_font_width(font));
	CHECK(fbk_font_height(font) == HEIGHT, "height %d", (int)fbk_font_height(font));
	CHECK(font->bytes_per_row == 1, "bytes_per_row %u", (unsigned)font->bytes_per_row);
	CHECK(font->is_static && font->storage == NULL, "static, owns no storage");
	CHECK(font->map_count > 0 && font->map_count == font->glyph_count,
	      "one map entry per glyph (%u, %u)", (unsigned)font->map_count,
	      (unsigned)font->glyph_count);
	for (uint32_t i = 0; i < font->map_count; i++) {
		const struct fbk_font_map_entry *e = &font->map[i];
		CHECK(i == 0 || font->map[i - 1].codepoint < e->codepoint,
		      "map sorted and unique at entry %u (U+%04X)", (unsigned)i,
		      (unsigned)e->codepoint);
		CHECK(e->glyph < font->glyph_count, "U+%04X maps to glyph %u of %u",
		      (unsigned)e->codepoint, (unsigned)e->glyph, (unsigned)font->glyph_count);
	}
	CHECK(font->replacement != FBK_NO_GLYPH &&
		      font->replacement == fbk_font_glyph(font, 0xfffd),
	      "replacement is U+FFFD's glyph (%u)", (unsigned)font->replacement);
	/* Takes the const pointer fbk_font_builtin() gives (a cast here would hide a
	 * non-const signature), and does nothing to the built-in font. */
	fbk_font_destroy(font);
	CHECK(fbk_font_builtin() == font && fbk_font_width(font) == WIDTH, "survives destroy");
}

static void check_coverage(void)
{
	/* Exactly the required code points, through the public API. */
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++)
		CHECK(fbk_font_has_glyph(font, cp) == required(cp), "U+%04X %s", (unsigned)cp,
		      required(cp) ? "missing" : "unexpected");
	static const uint32_t absent[] = { 0x100, 0x4e00, 0xfffc, 0xfffe, 0x110000, UINT32_MAX };
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		CHECK(!fbk_font_has_glyph(font, absent[i]), "no glyph for U+%04X",
		      (unsigned)absent[i]);
}

static void check_glyphs_distinct(void)
{
	/* The only glyphs drawn alike on purpose: spaces, and the soft hyphen. */
	static const uint32_t alike[][2] = { { 0x20, 0xa0 }, { 0x2d, 0xad } };
	for (size_t i = 0; i < sizeof(alike) / sizeof(alike[0]); i++) {
		const uint8_t *a = bitmap(alike[i][0]), *b = bitmap(alike[i][1]);
		CHECK(a && b && memcmp(a, b, HEIGHT) == 0, "U+%04X looks like U+%04X",
		      (unsigned)alike[i][1], (unsigned)alike[i][0]);
	}
	for (uint32_t i = 0; i < font->map_count; i++) {
		for (uint32_t j = i + 1; j < font->map_count; j++) {
			uint32_t a = font->map[i].codepoint, b = font->map[j].codepoint;
			if ((a == 0x20 && b == 0xa0) || (a == 0x2d && b == 0xad))
				continue;
			CHECK(memcmp(bitmap(a), bitmap(b), HEIGHT) != 0,
			      "U+%04X and U+%04X are drawn the same", (unsigned)a, (unsigned)b);
		}
	}
}

static void check_design_rules(void)
{
	for (uint32_t i = 0; i < font->map_count; i++) {
		uint32_t cp = font->map[i].codepoint;
		const uint8_t *g = bitmap(cp);
		int top, bottom;
		ink_rows(g, &top, &bottom);
		bool blank = cp == 0x20 || cp == 0xa0;
		CHECK(blank == (top < 0), "U+%04X %s", (unsigned)cp,
		      blank ? "should be blank" : "has no set pixel");
		CHECK(g[HEIGHT - 1] == 0, "U+%04X: row 15 (line gap) is clear", (unsigned)cp);
		if (cp == '_') {
			CHECK(top == 14 && bottom == 14 && g[14] == 0xff,
			      "'_' is one full-width line at row 14");
			continue;
		}
		bool gap_clear = true;
		for (int y = 0; y < HEIGHT; y++)
			gap_clear = gap_clear && !pixel(g, 7, y);
		CHECK(gap_clear, "U+%04X: column 7 (the gap between letters) is clear",
		      (unsigned)cp);
	}
}

/* Every glyph of `chars` has ink from row `top` down to row `bottom`. */
static void check_extent(const char *chars, int top, int bottom)
{
	for (const char *c = chars; *c; c++) {
		int t, b;
		ink_rows(bitmap((unsigned char)*c), &t, &b);
		CHECK(t == top && b == bottom, "'%c' spans rows %d-%d, expected %d-%d", *c, t, b,
		      top, bottom);
	}
}

static void check_metrics(void)
{
	check_extent("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3, 12); /* capitals */
	check_extent("0123456789", 3, 12);
	check_extent("bdfhikl", 3, 12); /* ascenders (and the dot of i) */
	check_extent("acemnorsuvwxz", 6, 12); /* x-height */
	check_extent("gpqy", 6, 14);	   /* descenders */
	check_extent("j", 3, 14);
	/* Capitals use all of columns 0-6 between them, and each keeps to them. */
	uint8_t columns = 0;
	for (uint32_t c = 'A'; c <= 'Z'; c++) {
		const uint8_t *g = bitmap(c);
		for (int y = 0; y < HEIGHT; y++)
			columns |= g[y];
	}
	CHECK(columns == 0xfe, "capitals cover columns 0-6 exactly (mask 0x%02x)", columns);
}

/*
 * Latin-1 letters with accents are their base letter, unchanged, plus a mark
 * in the rows above it (below it for the cedilla).
 */
static void check_accented(void)
{
	/* U+00C0..U+00FF: base letter, or 0 for letters drawn on their own. */
	static const char base[] = "AAAAAA\0CEEEEIIII\0NOOOOO\0\0UUUUY\0\0"
				   "aaaaaa\0ceeeeiiii\0nooooo\0\0uuuuy\0y";
	for (uint32_t cp = 0xc0; cp <= 0xff; cp++) {
		char b = base[cp - 0xc0];
		if (!b)
			continue;
		bool capital = cp < 0xe0;
		const uint8_t *g = bitmap(cp), *letter = bitmap((unsigned char)b);
		bool cedilla = b == 'C' || b == 'c';
		/* rows of the letter itself; the i's dot gives way to the accent */
		int from = capital ? 3 : 6, to = b == 'y' ? 14 : 12;
		if (cedilla)
			from = 0;
		bool same = true, mark = false;
		for (int y = 0; y < HEIGHT; y++) {
			if (y >= from && y <= to)
				same = same && g[y] == letter[y];
			else
				mark = mark || g[y] != letter[y];
		}
		CHECK(same, "U+%04X keeps '%c' in rows %d-%d", (unsigned)cp, b, from, to);
		CHECK(mark, "U+%04X has a mark outside rows %d-%d", (unsigned)cp, from, to);
	}
}

int main(void)
{
	font = fbk_font_builtin();
	if (!font) {
		fprintf(stderr, "no built-in font\n");
		return 1;
	}
	check_shape();
	check_coverage();
	/* The checks below read bitmaps through the lookup: they need it sound. */
	if (harness_failures)
		return harness_exit();
	check_glyphs_distinct();
	check_design_rules();
	check_metrics();
	check_accented();
	return harness_exit();
}
