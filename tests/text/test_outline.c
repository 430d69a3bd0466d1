/*
 * Outline fonts (fbk_font_load) against FreeType and HarfBuzz themselves.
 * The reference places glyphs as HarfBuzz shapes them (or, built without
 * HarfBuzz, by FreeType's advances and kerning, one glyph per code point),
 * renders each with FT_Render_Glyph at the same size, hinting and quarter
 * pixel, and blends every mask pixel with fbk_over_pixel, one glyph after
 * another: fbkit must match it exactly, in every format, through
 * sub-surfaces and clips, with nothing written outside. So coverage,
 * placement and shaping (glyph ids and positions: a wrong glyph or a
 * quarter pixel off changes pixels) are all checked by one comparison,
 * and the glyph ids and positions are also compared with the reference's
 * one by one.
 * Then fallback, metrics, the cache, and bad input. Fonts come from
 * Debian's fonts-dejavu-core and fonts-noto-*; a missing one skips with
 * its path.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "core/format_list.h"
#include "harness.h"
#include "pixel/pixel.h"
#include "target.h"
#include "text/font.h"
#include "text/outline.h"

#if FBK_HAVE_FREETYPE
#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_ADVANCES_H
#include FT_OUTLINE_H
#endif
#if FBK_HAVE_HARFBUZZ
#include <hb-ft.h>
#include <hb.h>
#endif

#define DEJAVU "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define DEJAVU_MONO "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
#define NOTO_ARABIC "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf"
#define NOTO_DEVANAGARI "/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf"
#define NOTO_CJK "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

#if FBK_HAVE_FREETYPE

static uint32_t formats[FBK_FORMAT_COUNT];
static size_t format_count;

static void list_formats(void)
{
#define FBK_FORMAT_ENTRY(id, ...) formats[format_count++] = FBK_FORMAT_##id;
	FBK_FORMAT_LIST(FBK_FORMAT_ENTRY)
#undef FBK_FORMAT_ENTRY
}

static bool have_file(const char *path)
{
	return access(path, R_OK) == 0;
}

/* ---- the reference ------------------------------------------------------- */

struct ref_font {
	FT_Library library;
	FT_Face face;
	FT_Int32 load_flags;
#if FBK_HAVE_HARFBUZZ
	hb_font_t *hb;
#endif
};

static FT_Int32 flags_for(enum fbk_hinting h)
{
	return FT_LOAD_NO_BITMAP | (h == FBK_HINTING_NONE ? FT_LOAD_NO_HINTING :
				    h == FBK_HINTING_NORMAL ? FT_LOAD_TARGET_NORMAL :
							      FT_LOAD_TARGET_LIGHT);
}

static int ref_open(struct ref_font *r, const char *path, uint32_t index, int32_t size,
		    enum fbk_hinting hinting)
{
	if (FT_Init_FreeType(&r->library) || FT_New_Face(r->library, path, index, &r->face) ||
	    FT_Set_Pixel_Sizes(r->face, 0, (FT_UInt)size))
		return -1;
	r->load_flags = flags_for(hinting);
#if FBK_HAVE_HARFBUZZ
	r->hb = hb_ft_font_create_referenced(r->face);
	hb_ft_font_set_load_flags(r->hb, r->load_flags);
#endif
	return 0;
}

static void ref_close(struct ref_font *r)
{
#if FBK_HAVE_HARFBUZZ
	hb_font_destroy(r->hb);
#endif
	FT_Done_Face(r->face);
	FT_Done_FreeType(r->library);
}

/* FreeType's glyph id for code point cp in the font at path (0 when it has none). */
static uint32_t glyph_id(const char *path, uint32_t cp)
{
	struct ref_font r;
	if (ref_open(&r, path, 0, 16, FBK_HINTING_NONE)) {
		CHECK(0, "FreeType cannot open %s for the reference glyph ids", path);
		return 0;
	}
	uint32_t id = FT_Get_Char_Index(r.face, cp);
	ref_close(&r);
	return id;
}

struct ref_glyph {
	uint32_t id;
	int64_t x, y; /* 26.6, y down */
};

/* One line of one font and script, shaped as the library's documentation says. */
static size_t ref_shape(struct ref_font *r, const char *utf8, struct ref_glyph *out, size_t max,
			int64_t *advance)
{
	size_t n = 0;
	int64_t pen = 0;
#if FBK_HAVE_HARFBUZZ
	hb_buffer_t *buf = hb_buffer_create();
	hb_buffer_add_utf8(buf, utf8, -1, 0, -1);
	hb_buffer_guess_segment_properties(buf);
	hb_shape(r->hb, buf, NULL, 0);
	unsigned count;
	hb_glyph_info_t *info = hb_buffer_get_glyph_infos(buf, &count);
	hb_glyph_position_t *pos = hb_buffer_get_glyph_positions(buf, NULL);
	for (unsigned i = 0; i < count && n < max; i++) {
		out[n++] = (struct ref_glyph){ info[i].codepoint, pen + pos[i].x_offset,
					       -(int64_t)pos[i].y_offset };
		pen += pos[i].x_advance;
	}
	hb_buffer_destroy(buf);
#else
	const unsigned char *s = (const unsigned char *)utf8;
	FT_UInt previous = 0;
	while (*s && n < max) {
		/* ASCII and well-formed UTF-8 only: the cases below are. */
		uint32_t cp = *s++;
		if (cp >= 0xc0) {
			int more = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : 1;
			cp &= 0x3f >> more;
			while (more--)
				cp = cp << 6 | (*s++ & 0x3f);
		}
		FT_UInt id = FT_Get_Char_Index(r->face, cp);
		FT_Vector k;
		if (previous && FT_HAS_KERNING(r->face) &&
		    !FT_Get_Kerning(r->face, previous, id, FT_KERNING_UNFITTED, &k))
			pen += k.x;
		out[n++] = (struct ref_glyph){ id, pen, 0 };
		FT_Fixed a = 0;
		FT_Get_Advance(r->face, id, r->load_flags, &a);
		pen += (a + (1 << 9)) >> 10;
		previous = id;
	}
#endif
	*advance = pen;
	return n;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/*
 * Draw the shaped line on the reference canvas (colours of the whole
 * buffer, as stored): each glyph rendered by FreeType at its quarter
 * pixel, each of its pixels blended with fbk_over_pixel.
 */
static void ref_draw(struct ref_font *r, const struct ref_glyph *g, size_t n, struct target *t,
		     struct fbk_color *canvas, int32_t x, int32_t baseline, struct fbk_color fg)
{
	uint32_t format = t->buffer.surface.format;
	bool alpha = fbk_format_info(format)->alpha.length != 0;
	int32_t w = t->buffer.surface.width;
	for (size_t i = 0; i < n; i++) {
		int64_t q = floor_div((int64_t)x * 64 + g[i].x + 8, 16);
		int64_t px = floor_div(q, 4), sub = q - px * 4;
		int64_t py = baseline + floor_div(g[i].y + 32, 64);
		FT_GlyphSlot slot = r->face->glyph;
		if (FT_Load_Glyph(r->face, g[i].id, r->load_flags) ||
		    slot->format != FT_GLYPH_FORMAT_OUTLINE)
			continue;
		FT_Outline_Translate(&slot->outline, sub * 16, 0);
		if (FT_Render_Glyph(slot, FT_RENDER_MODE_NORMAL))
			continue;
		const FT_Bitmap *b = &slot->bitmap;
		for (unsigned row = 0; row < b->rows; row++)
			for (unsigned col = 0; col < b->width; col++) {
				int64_t vx = px + slot->bitmap_left + col;
				int64_t vy = py - slot->bitmap_top + row;
				int64_t bx = vx + t->view_x, by = vy + t->view_y;
				if (vx < 0 || vy < 0 || bx >= w || by >= t->buffer.surface.height ||
				    !target_drawable(t, (int32_t)bx, (int32_t)by))
					continue;
				uint8_t cover = b->buffer[row * b->pitch + col];
				uint32_t src = (argb_of(fg) & 0xffffffu) |
					       fbk_div255(fg.a * (uint32_t)cover) << 24;
				struct fbk_color *c = &canvas[by * w + bx];
				*c = stored(format, color_of(fbk_over_pixel(argb_of(*c), src, alpha)));
			}
	}
}

static struct fbk_font *load_font(const char *path, uint32_t index, int32_t size,
				  enum fbk_hinting hinting)
{
	struct fbk_font_options o = FBK_FONT_OPTIONS_INIT;
	o.pixel_size = size;
	o.face_index = index;
	o.hinting = hinting;
	struct fbk_font *font = NULL;
	int err = fbk_font_load(&font, path, &o);
	CHECK(err == 0, "%s at %d px: %s", path, (int)size, fbk_last_error());
	return font;
}

/*
 * One font and one line of text, many random targets in every format:
 * fbk_text_draw_baseline equals the reference exactly, and the guards hold.
 */
static int whole_target(struct target *t, uint32_t format, int32_t w, int32_t h)
{
	if (guarded_init(&t->buffer, w, h, 0, format))
		return -1;
	t->view = t->buffer.surface;
	t->view_x = t->view_y = 0;
	return target_remember(t);
}

/*
 * rounds > 0: random targets, clips and positions; rounds == 0: the text
 * whole inside an unclipped surface of every format, an opaque and a
 * translucent colour each, so the unclipped paths of every format are
 * certainly compared (random clips rarely leave a large glyph whole).
 */
static void check_against_reference(const char *path, uint32_t index, const char *text,
				    int32_t size, enum fbk_hinting hinting, int rounds)
{
	bool whole = rounds == 0;
	if (whole)
		rounds = 2 * (int)format_count;
	struct ref_font ref;
	if (ref_open(&ref, path, index, size, hinting)) {
		CHECK(0, "FreeType cannot open %s", path);
		return;
	}
	struct fbk_font *font = load_font(path, index, size, hinting);
	if (!font) {
		ref_close(&ref);
		return;
	}
	struct ref_glyph glyphs[256];
	int64_t advance;
	size_t n = ref_shape(&ref, text, glyphs, 256, &advance);
	/* The glyphs themselves: ids and positions exactly as the reference shapes them. */
	uint32_t ids[256];
	int64_t xs[256], ys[256];
	size_t placed = fbk_outline_glyphs(font, text, ids, xs, ys, 256);
	CHECK(placed == n, "%s \"%s\": %zu glyphs, the reference has %zu", path, text, placed, n);
	for (size_t i = 0; i < n && i < placed; i++)
		CHECK(ids[i] == glyphs[i].id && xs[i] == glyphs[i].x && ys[i] == glyphs[i].y,
		      "%s \"%s\" glyph %zu: id %u at (%lld, %lld), the reference's %u at (%lld, %lld)",
		      path, text, i, (unsigned)ids[i], (long long)xs[i], (long long)ys[i],
		      (unsigned)glyphs[i].id, (long long)glyphs[i].x, (long long)glyphs[i].y);
	int mismatched = 0;
	for (int round = 0; round < rounds; round++) {
		uint32_t format = formats[(size_t)(whole ? round / 2 : round) % format_count];
		struct target t;
		int32_t whole_w = (int32_t)(advance / 64) + 2 * size;
		if (whole ? whole_target(&t, format, whole_w, 3 * size) :
			    target_init(&t, format, 3 * size)) {
			CHECK(0, "out of memory");
			break;
		}
		struct fbk_color fg = rng_color();
		if (round % (whole ? 2 : 3) == 0)
			fg.a = 255;
		else if (whole && fg.a == 255)
			fg.a = 200;
		int32_t x = whole ? size : rng_range(-(int32_t)(advance / 64), t.view.width);
		int32_t baseline = whole ? 2 * size : rng_range(-size / 2, t.view.height + size / 2);
		int32_t w = t.buffer.surface.width, h = t.buffer.surface.height;
		struct fbk_color *canvas = malloc(sizeof(*canvas) * (size_t)w * (size_t)h);
		memcpy(canvas, t.before, sizeof(*canvas) * (size_t)w * (size_t)h);
		ref_draw(&ref, glyphs, n, &t, canvas, x, baseline, fg);
		int err = fbk_text_draw_baseline(&t.view, font, x, baseline, text, fg, NULL);
		CHECK(err == 0, "draw: %s", fbk_last_error());
		int bad = 0;
		for (int32_t yy = 0; yy < h; yy++)
			for (int32_t xx = 0; xx < w; xx++) {
				struct fbk_color have = pixel_at(&t.buffer.surface, xx, yy);
				struct fbk_color want = canvas[yy * w + xx];
				if (!color_equal(have, want)) {
					if (bad < 2 && mismatched < 6)
						fprintf(stderr, "  %s %dpx %.4s at (%d,%d): have %08x want %08x\n",
							path, (int)size, (const char *)&format, (int)xx,
							(int)yy, argb_of(have), argb_of(want));
					bad++;
				}
			}
		CHECK(bad == 0, "%s, %d px, hinting %d, \"%s\", format %.4s: %d pixels differ", path,
		      (int)size, (int)hinting, text, (const char *)&format, bad);
		CHECK(guarded_intact(&t.buffer), "wrote outside the surface");
		mismatched += bad != 0;
		free(canvas);
		target_finish(&t);
	}
	fbk_font_destroy(font);
	ref_close(&ref);
}

static void test_reference(void)
{
	if (!have_file(DEJAVU))
		SKIP("%s is missing (Debian: fonts-dejavu-core)", DEJAVU);
	/* Kerning pairs, a ligature candidate, descenders, accents, fractional advances. */
	static const char *latin[] = { "AVAToWa", "fi ffl jy,", "Tr\xc3\xa9s g\xc3\xbcn", "1/4 ", "x" };
	for (size_t i = 0; i < sizeof(latin) / sizeof(*latin); i++) {
		check_against_reference(DEJAVU, 0, latin[i], 16, FBK_HINTING_LIGHT, 30);
		check_against_reference(DEJAVU, 0, latin[i], 11, FBK_HINTING_NONE, 30);
		check_against_reference(DEJAVU, 0, latin[i], 23, FBK_HINTING_NORMAL, 20);
	}
	check_against_reference(DEJAVU, 0, "Quick", 48, FBK_HINTING_NONE, 16);
	/* Glyphs too large to blend as one box go span by span (full runs filled). */
	check_against_reference(DEJAVU, 0, "MWo@", 90, FBK_HINTING_LIGHT, 12);
	check_against_reference(DEJAVU, 0, "MWo@", 90, FBK_HINTING_LIGHT, 0);
	/* Small glyphs go as one box: whole in every format too. */
	check_against_reference(DEJAVU, 0, "AVAToWa", 16, FBK_HINTING_LIGHT, 0);
}

/*
 * The scripts other than Latin, each run as its own meson test with the
 * font it needs (test_outline --script NAME), so a missing font is a SKIP
 * with its reason, not a pass that checked nothing.
 */
#if FBK_HAVE_HARFBUZZ
static void test_shaping_sanity(void);
#endif

static void test_arabic(void)
{
#if FBK_HAVE_HARFBUZZ
	if (!have_file(NOTO_ARABIC))
		SKIP("%s is missing (Debian: fonts-noto-core): Arabic shaping not checked",
		     NOTO_ARABIC);
	/* Joining forms and marks, right to left. */
	check_against_reference(NOTO_ARABIC, 0, "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85", 20,
				FBK_HINTING_LIGHT, 30);
	/* Two words and punctuation: one right-to-left run, the first word rightmost. */
	check_against_reference(NOTO_ARABIC, 0,
				"\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85 \xd8\xb9\xd9\x84\xd9\x8a\xd9\x83\xd9\x85\xd8\x8c "
				"\xd9\x8a\xd8\xa7 \xd8\xb5\xd8\xaf\xd9\x8a\xd9\x82\xd9\x8a!",
				18, FBK_HINTING_LIGHT, 30);
	check_against_reference(NOTO_ARABIC, 0,
				"\xd8\xa7\xd9\x84\xd8\xb9\xd9\x8e\xd8\xb1\xd9\x8e\xd8\xa8\xd9\x90\xd9\x8a\xd9\x91\xd9\x8e\xd8\xa9",
				24, FBK_HINTING_NONE, 30);
	test_shaping_sanity();
#else
	SKIP("built without HarfBuzz (-Dharfbuzz=disabled): Arabic is not shaped");
#endif
}

static void test_devanagari(void)
{
#if FBK_HAVE_HARFBUZZ
	if (!have_file(NOTO_DEVANAGARI))
		SKIP("%s is missing (Debian: fonts-noto-core): Devanagari shaping not checked",
		     NOTO_DEVANAGARI);
	/* Reordering and conjuncts. */
	check_against_reference(NOTO_DEVANAGARI, 0,
				"\xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\xa8\xe0\xa5\x8d\xe0\xa4\xa6\xe0\xa5\x80 \xe0\xa4\x95\xe0\xa5\x8d\xe0\xa4\xb7",
				20, FBK_HINTING_LIGHT, 30);
#else
	SKIP("built without HarfBuzz (-Dharfbuzz=disabled): Devanagari is not shaped");
#endif
}

static void test_cjk(void)
{
	if (!have_file(NOTO_CJK))
		SKIP("%s is missing (Debian: fonts-noto-cjk): CJK not checked", NOTO_CJK);
	/* Face 1 of the collection: the Japanese-first one. */
	check_against_reference(NOTO_CJK, 1, "\xe6\xbc\xa2\xe5\xad\x97\xe3\x81\x8b\xe3\x81\xaa", 18,
				FBK_HINTING_LIGHT, 20);
}

#if FBK_HAVE_HARFBUZZ
/* The shaping itself, for the record: what the reference above compares pixels of. */
static void test_shaping_sanity(void)
{
	if (!have_file(NOTO_ARABIC))
		return;
	struct ref_font ref;
	if (ref_open(&ref, NOTO_ARABIC, 0, 20, FBK_HINTING_LIGHT))
		return;
	struct ref_glyph g[16];
	int64_t advance;
	/* Joined, the initial and final forms are other glyphs than the isolated letters. */
	size_t n = ref_shape(&ref, "\xd8\xb3\xd9\x84", g, 16, &advance);
	CHECK(n == 2 && g[0].id != FT_Get_Char_Index(ref.face, 0x644) &&
	      g[1].id != FT_Get_Char_Index(ref.face, 0x633), "Arabic is not joined");
	ref_close(&ref);
}
#endif

/* ---- fallback ------------------------------------------------------------ */

static struct fbk_surface *new_surface(int32_t w, int32_t h, uint32_t format)
{
	struct fbk_surface *s = NULL;
	if (fbk_surface_create(&s, w, h, format)) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return s;
}

static void clear(struct fbk_surface *s)
{
	for (int32_t y = 0; y < s->height; y++)
		memset(fbk_surface_pixel(s, 0, y), 0, (size_t)s->width * 4);
}

/*
 * Latin, then CJK from the fallback: the same pixels as drawing the Latin
 * part with the first font and the CJK part with the second where the
 * first part's advance ends (normal hinting keeps advances whole pixels).
 */
static void test_fallback(void)
{
	if (!have_file(NOTO_CJK) || !have_file(NOTO_DEVANAGARI))
		SKIP("%s or %s is missing (Debian: fonts-noto-cjk, fonts-noto-core): fallback "
		     "not checked", NOTO_CJK, NOTO_DEVANAGARI);
	struct fbk_font *latin = load_font(DEJAVU, 0, 20, FBK_HINTING_NORMAL);
	struct fbk_font *deva = load_font(NOTO_DEVANAGARI, 0, 20, FBK_HINTING_NORMAL);
	struct fbk_font *cjk = load_font(NOTO_CJK, 0, 20, FBK_HINTING_NORMAL);
	if (!latin || !deva || !cjk)
		goto out;
	const struct fbk_font *list[] = { deva, cjk };
	CHECK(fbk_font_set_fallbacks(latin, list, 2) == 0, "%s", fbk_last_error());
	CHECK(fbk_font_set_fallbacks(latin, list, 17) == -EINVAL, "17 fallbacks accepted");
	const struct fbk_font *self[] = { latin };
	CHECK(fbk_font_set_fallbacks(latin, self, 1) == -EINVAL, "a font falls back on itself");
	const struct fbk_font *bitmap[] = { fbk_font_builtin() };
	CHECK(fbk_font_set_fallbacks(latin, bitmap, 1) == -EINVAL, "a bitmap fallback accepted");
	CHECK(fbk_font_set_fallbacks((struct fbk_font *)fbk_font_builtin(), list, 1) == -EINVAL,
	      "a bitmap font took fallbacks");

	const char *first = "Hello ", *second = "\xe6\xbc\xa2\xe5\xad\x97";
	char both[64];
	snprintf(both, sizeof(both), "%s%s", first, second);
	struct fbk_surface *a = new_surface(200, 40, FBK_FORMAT_XRGB8888);
	struct fbk_surface *b = new_surface(200, 40, FBK_FORMAT_XRGB8888);
	struct fbk_color white = { 255, 255, 255, 255 };

	/*
	 * A fallback destroyed drops the texts that took glyphs from it, not the
	 * others (test_fallback_lists: what the font that listed it draws then).
	 */
	struct fbk_font *cjk2 = load_font(NOTO_CJK, 0, 20, FBK_HINTING_NORMAL);
	if (cjk2) {
		const struct fbk_font *with[] = { deva, cjk2 };
		fbk_font_set_fallbacks(latin, with, 2);
		fbk_text_draw(a, latin, 3, 5, both, white, NULL);
		fbk_text_draw(a, latin, 3, 5, first, white, NULL);
		fbk_font_destroy(cjk2);
		CHECK(!fbk_outline_shaped_cached(latin, both),
		      "a text kept with glyphs of a destroyed fallback font");
		CHECK(fbk_outline_shaped_cached(latin, first),
		      "destroying a fallback dropped a text that took no glyph from it");
		fbk_font_set_fallbacks(latin, list, 2);
		clear(a);
	}
	CHECK(fbk_text_draw(a, latin, 3, 5, both, white, NULL) == 0, "%s", fbk_last_error());
	struct fbk_text_extents e = FBK_TEXT_EXTENTS_INIT;
	CHECK(fbk_text_extents(latin, first, &e) == 0, "%s", fbk_last_error());
	CHECK(e.advance % 64 == 0, "normal hinting gave a fractional advance %d", (int)e.advance);
	struct fbk_text_extents ec = FBK_TEXT_EXTENTS_INIT;
	fbk_text_extents(cjk, second, &ec);
	struct fbk_text_extents el = FBK_TEXT_EXTENTS_INIT;
	fbk_text_extents(latin, first, &el);
	/* Both parts on one baseline: the first font's. */
	fbk_text_draw_baseline(b, latin, 3, 5 + el.ascent, first, white, NULL);
	fbk_text_draw_baseline(b, cjk, 3 + e.advance / 64, 5 + el.ascent, second, white, NULL);
	CHECK(same_surfaces(a, b), "fallback text differs from its parts drawn by their fonts");
	/* Without the fallbacks the CJK part is the first font's .notdef boxes. */
	fbk_font_set_fallbacks(latin, NULL, 0);
	clear(a);
	fbk_text_draw(a, latin, 3, 5, both, white, NULL);
	CHECK(!same_surfaces(a, b), "clearing the fallbacks changed nothing");
	fbk_surface_destroy(a);
	fbk_surface_destroy(b);
out:
	fbk_font_destroy(latin);
	fbk_font_destroy(deva);
	fbk_font_destroy(cjk);
}

/* ---- metrics and measure/draw agreement ----------------------------------- */

static void test_metrics(void)
{
	struct fbk_font *font = load_font(DEJAVU, 0, 16, FBK_HINTING_LIGHT);
	if (!font)
		return;
	struct fbk_text_extents e = FBK_TEXT_EXTENTS_INIT;
	CHECK(fbk_text_extents(font, "", &e) == 0, "%s", fbk_last_error());
	CHECK(e.width == 0 && e.height == 0 && e.ink.w == 0 && e.advance == 0,
	      "empty text measures %dx%d", (int)e.width, (int)e.height);
	CHECK(e.ascent > 0 && e.descent > 0 && e.line_height >= e.ascent + e.descent,
	      "metrics %d %d %d", (int)e.ascent, (int)e.descent, (int)e.line_height);
	CHECK(e.ascent == 15 && e.descent == 4 && e.line_height == 19,
	      "DejaVu Sans 16 px: ascent %d descent %d line %d (FreeType says 15, 4, 19)",
	      (int)e.ascent, (int)e.descent, (int)e.line_height);
	CHECK(fbk_font_height(font) == e.line_height, "fbk_font_height %d",
	      (int)fbk_font_height(font));
	CHECK(fbk_font_is_outline(font) && !fbk_font_is_outline(fbk_font_builtin()), "is_outline");
	CHECK(fbk_font_has_glyph(font, 'A') && !fbk_font_has_glyph(font, 0x4e2d), "has_glyph");
	int32_t mw, mh;
	CHECK(fbk_text_measure(font, "a\nbb\n", &mw, &mh) == 0 && mh == 3 * e.line_height,
	      "three lines measure %d high", (int)mh);

	/* Random strings: every pixel drawing changes lies in the ink box; top-left = baseline - ascent. */
	static const char alphabet[] = "AVWaxgjyQ|_^.,fi\t \xc3\xa9";
	for (int round = 0; round < 60; round++) {
		char text[24];
		int len = rng_range(0, 20);
		for (int i = 0; i < len; i++)
			text[i] = alphabet[rng_range(0, (int)sizeof(alphabet) - 4)];
		text[len] = 0;
		if (round % 7 == 0 && len > 3)
			text[len / 2] = '\n';
		struct fbk_text_extents x = FBK_TEXT_EXTENTS_INIT;
		CHECK(fbk_text_extents(font, text, &x) == 0, "%s", fbk_last_error());
		int32_t w = 260, h = 80, ox = 40, oy = 10;
		struct fbk_surface *s = new_surface(w, h, FBK_FORMAT_XRGB8888);
		struct fbk_surface *t = new_surface(w, h, FBK_FORMAT_XRGB8888);
		struct fbk_color white = { 255, 255, 255, 255 };
		fbk_text_draw(s, font, ox, oy, text, white, NULL);
		fbk_text_draw_baseline(t, font, ox, oy + x.ascent, text, white, NULL);
		CHECK(same_surfaces(s, t), "top-left and baseline drawing differ for \"%s\"", text);
		int outside = 0, inked = 0;
		for (int32_t yy = 0; yy < h; yy++)
			for (int32_t xx = 0; xx < w; xx++) {
				uint32_t v;
				memcpy(&v, fbk_surface_pixel(s, xx, yy), 4);
				if (!(v & 0xffffff))
					continue;
				inked++;
				int32_t rx = xx - ox, ry = yy - oy;
				outside += rx < x.ink.x || rx >= x.ink.x + x.ink.w || ry < x.ink.y ||
					   ry >= x.ink.y + x.ink.h;
			}
		CHECK(outside == 0, "\"%s\": %d pixels outside the ink box", text, outside);
		CHECK(inked == 0 || x.ink.w > 0, "ink box empty");
		int32_t mwidth;
		fbk_text_measure(font, text, &mwidth, NULL);
		CHECK(mwidth == x.width, "measure and extents differ");
		fbk_surface_destroy(s);
		fbk_surface_destroy(t);
	}
	/* The bitmap fonts' extents and baseline, by the documented rule. */
	CHECK(fbk_text_extents(fbk_font_builtin(), "ab", &e) == 0 && e.width == 16 &&
	      e.height == 16 && e.ascent == 12 && e.descent == 4 && e.advance == 16 * 64,
	      "built-in extents %d %d %d %d", (int)e.width, (int)e.height, (int)e.ascent,
	      (int)e.descent);
	struct fbk_text_extents small = { .size = 8 };
	CHECK(fbk_text_extents(font, "a", &small) == -EINVAL, "a short extents struct accepted");
	fbk_font_destroy(font);
}

/* ---- the cache ----------------------------------------------------------- */

static void test_cache(void)
{
	fbk_glyph_cache_clear();
	CHECK(fbk_glyph_cache_limit() == FBK_GLYPH_CACHE_DEFAULT, "default limit %zu",
	      fbk_glyph_cache_limit());
	size_t empty = fbk_glyph_cache_memory();
	struct fbk_font *font = load_font(DEJAVU, 0, 40, FBK_HINTING_NONE);
	if (!font)
		return;
	uint32_t id_a = glyph_id(DEJAVU, 'A'), id_b = glyph_id(DEJAVU, 'B');
	uint32_t id_c = glyph_id(DEJAVU, 'C'), id_e = glyph_id(DEJAVU, 'E');
	struct fbk_surface *s = new_surface(100, 60, FBK_FORMAT_XRGB8888);
	struct fbk_color white = { 255, 255, 255, 255 };
	fbk_text_draw(s, font, 0, 0, "A", white, NULL);
	CHECK(fbk_outline_cached(font, id_a, 0), "A not cached after drawing it");
	CHECK(!fbk_outline_cached(font, id_a, 1), "A cached at a quarter pixel never drawn");
	size_t one = fbk_glyph_cache_memory();
	CHECK(one > empty, "memory %zu did not grow from %zu", one, empty);

	/*
	 * Least recently drawn goes first: with room for exactly A, C and D,
	 * drawing A again and then E must evict C (and maybe D), never A.
	 */
	fbk_glyph_cache_clear();
	fbk_text_draw(s, font, 0, 0, "ACD", white, NULL);
	/* The shaped-text cache is bounded by its slots, not by the limit. */
	size_t three = fbk_glyph_cache_memory() - fbk_outline_shaped_memory();
	fbk_glyph_cache_set_limit(three);
	fbk_text_draw(s, font, 0, 0, "A", white, NULL);
	fbk_text_draw(s, font, 0, 0, "E", white, NULL);
	CHECK(fbk_outline_cached(font, id_a, 0), "the glyph drawn again was evicted before older ones");
	CHECK(!fbk_outline_cached(font, id_c, 0), "the least recently drawn glyph was kept");
	CHECK(fbk_outline_cached(font, id_e, 0), "the glyph drawn last was evicted");
	fbk_text_draw(s, font, 0, 0, "BCDEFGHIJKLMNOPQRSTUVWXYZ", white, NULL);
	size_t glyphs = fbk_glyph_cache_memory() - fbk_outline_shaped_memory();
	CHECK(glyphs <= three, "cache holds %zu bytes of glyphs over a limit of %zu", glyphs, three);
	uint32_t id_z = glyph_id(DEJAVU, 'Z');
	CHECK(fbk_outline_cached(font, id_z, 0) || fbk_outline_cached(font, id_z, 1) ||
	      fbk_outline_cached(font, id_z, 2) || fbk_outline_cached(font, id_z, 3),
	      "the glyph drawn last was evicted");
	/* A limit of 0 keeps only the glyph in hand; destroying the font empties the cache. */
	fbk_glyph_cache_set_limit(0);
	CHECK(!fbk_outline_cached(font, id_b, 0) && !fbk_outline_cached(font, id_a, 0),
	      "set_limit(0) did not evict");
	fbk_glyph_cache_set_limit(FBK_GLYPH_CACHE_DEFAULT);
	fbk_text_draw(s, font, 0, 0, "AB", white, NULL);
	size_t before_destroy = fbk_glyph_cache_memory();
	fbk_font_destroy(font);
	CHECK(fbk_glyph_cache_memory() < before_destroy &&
	      fbk_glyph_cache_memory() <= empty + 256 * sizeof(void *),
	      "destroying the font left %zu bytes", fbk_glyph_cache_memory());
	fbk_surface_destroy(s);
}

/* ---- bad input ----------------------------------------------------------- */

static int write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t put = fwrite(data, 1, size, f);
	return fclose(f) || put != size ? -1 : 0;
}

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*size = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *data = malloc(*size);
	if (fread(data, 1, *size, f) != *size) {
		free(data);
		data = NULL;
	}
	fclose(f);
	return data;
}

static void test_bad_input(void)
{
	struct fbk_font *font = (struct fbk_font *)1;
	struct fbk_font_options o = FBK_FONT_OPTIONS_INIT;
	int32_t sizes[] = { 0, -5, 100000, FBK_FONT_MAX_PIXEL_SIZE + 1, INT32_MIN };
	for (size_t i = 0; i < 5; i++) {
		o.pixel_size = sizes[i];
		int err = fbk_font_load(&font, DEJAVU, &o);
		CHECK(err == -EINVAL && !font && strstr(fbk_last_error(), "pixel size"),
		      "size %d: %d %s", (int)sizes[i], err, fbk_last_error());
	}
	o.pixel_size = FBK_FONT_MAX_PIXEL_SIZE;
	CHECK(fbk_font_load(&font, DEJAVU, &o) == 0, "the largest size: %s", fbk_last_error());
	struct fbk_surface *s = new_surface(64, 64, FBK_FORMAT_ARGB8888);
	struct fbk_color red = { 255, 0, 0, 255 };
	CHECK(fbk_text_draw(s, font, -300, -300, "W", red, NULL) == 0, "%s", fbk_last_error());
	fbk_font_destroy(font);
	o = (struct fbk_font_options)FBK_FONT_OPTIONS_INIT;
	o.hinting = (enum fbk_hinting)7;
	CHECK(fbk_font_load(&font, DEJAVU, &o) == -EINVAL, "hinting 7 accepted");
	o = (struct fbk_font_options)FBK_FONT_OPTIONS_INIT;
	o.size = 4;
	CHECK(fbk_font_load(&font, DEJAVU, &o) == -EINVAL, "a short options struct accepted");
	o = (struct fbk_font_options)FBK_FONT_OPTIONS_INIT;
	o.face_index = 3;
	CHECK(fbk_font_load(&font, DEJAVU, &o) == -EBADMSG && strstr(fbk_last_error(), "no face 3"),
	      "face 3 of a single font: %s", fbk_last_error());
	CHECK(fbk_font_load(&font, "/nonexistent/font.ttf", NULL) == -ENOENT, "missing file");
	CHECK(fbk_font_load(&font, "/tmp", NULL) == -EISDIR, "a directory");
	CHECK(fbk_font_load(&font, NULL, NULL) == -EINVAL, "NULL path");
	CHECK(fbk_font_load_memory(&font, "", 0, NULL) == -EBADMSG, "empty data");
	const char not_font[] = "this is not a font, just some text\n";
	CHECK(fbk_font_load_memory(&font, not_font, sizeof(not_font), NULL) == -EBADMSG &&
	      strstr(fbk_last_error(), "not a font"), "text as a font: %s", fbk_last_error());

	/* Truncated: every cut of the header and tables fails cleanly or loads and draws. */
	size_t size;
	uint8_t *data = read_file(DEJAVU, &size);
	if (!data) {
		CHECK(0, "cannot read %s", DEJAVU);
		return;
	}
	size_t cuts[] = { 1, 12, 100, 1000, 20000, size / 2, size - 1 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(*cuts); i++) {
		int err = fbk_font_load_memory(&font, data, cuts[i], NULL);
		CHECK(err == 0 || err == -EBADMSG, "cut at %zu: %d", cuts[i], err);
		if (!err) {
			CHECK(fbk_text_draw(s, font, 0, 0, "Hello \xff\xfe", red, NULL) == 0, "%s",
			      fbk_last_error());
			fbk_font_destroy(font);
		}
	}
	/* Corrupt: random bytes over the tables; never a crash. */
	rng_seed(7);
	for (int round = 0; round < 40; round++) {
		uint8_t *bad = malloc(size);
		memcpy(bad, data, size);
		for (int k = 0; k < 64; k++)
			bad[rng_next() % size] = (uint8_t)rng_next();
		if (!fbk_font_load_memory(&font, bad, size, NULL)) {
			fbk_text_draw(s, font, 0, 0, "AVfi\xc3\xa9 Wg", red, NULL);
			fbk_font_destroy(font);
		}
		free(bad);
	}

	/* Invalid UTF-8 draws one U+FFFD per bad byte. */
	CHECK(fbk_font_load(&font, DEJAVU, NULL) == 0, "%s", fbk_last_error());
	struct fbk_surface *t = new_surface(64, 64, FBK_FORMAT_ARGB8888);
	clear(s);
	fbk_text_draw(s, font, 0, 0, "a\xff\xc0\x80" "b", red, NULL);
	fbk_text_draw(t, font, 0, 0, "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "b", red, NULL);
	CHECK(same_surfaces(s, t), "invalid UTF-8 is not one U+FFFD per bad byte");
	fbk_font_destroy(font);
	fbk_surface_destroy(t);

	/* The file shrinks under the mapping: -EIO, not SIGBUS. */
	char path[] = "/tmp/fbkit-font-XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0 && !write_file(path, data, size)) {
		CHECK(fbk_font_load(&font, path, NULL) == 0, "%s", fbk_last_error());
		CHECK(truncate(path, 4096) == 0, "truncate");
		int err = fbk_text_draw(s, font, 0, 0, "shrunk \xe2\x82\xac", red, NULL);
		CHECK(err == -EIO, "drawing from a shrunk file: %d %s", err, fbk_last_error());
		fbk_font_destroy(font);
	}
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	free(data);
	fbk_surface_destroy(s);
}

/* ---- threads ------------------------------------------------------------- */

struct thread_job {
	const struct fbk_font *font;
	struct fbk_surface *s;
	int rounds;
	int failures;
};

static void *draw_job(void *arg)
{
	struct thread_job *job = arg;
	char text[64];
	for (int r = 0; r < job->rounds; r++) {
		/* Different strings each round: shaping, placing and rendering all run. */
		snprintf(text, sizeof(text), "Round %d: AV fi \xc3\xa9 %x", r, (unsigned)(r * 2654435761u));
		job->failures += fbk_text_draw(job->s, job->font, 2, 2 + (r % 5) * 9, text,
					       FBK_RGB(255, 255, 255), NULL) != 0;
		if (r % 16 == 0)
			fbk_glyph_cache_set_limit(r % 32 ? 3000 : FBK_GLYPH_CACHE_DEFAULT);
	}
	return NULL;
}

/*
 * Four threads drawing with two fonts at once while the cache limit keeps
 * changing: each picture must equal the same drawing made alone.
 */
static void test_threads(void)
{
	struct fbk_font *fonts[2] = { load_font(DEJAVU, 0, 13, FBK_HINTING_NONE),
				      load_font(DEJAVU, 0, 21, FBK_HINTING_LIGHT) };
	if (!fonts[0] || !fonts[1])
		goto out;
	struct thread_job jobs[4], alone[4];
	pthread_t threads[4];
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct thread_job){ fonts[i % 2], new_surface(300, 60, FBK_FORMAT_XRGB8888),
					       200, 0 };
		alone[i] = (struct thread_job){ fonts[i % 2], new_surface(300, 60, FBK_FORMAT_XRGB8888),
						200, 0 };
	}
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&threads[i], NULL, draw_job, &jobs[i]) == 0, "pthread_create");
	for (int i = 0; i < 4; i++)
		pthread_join(threads[i], NULL);
	for (int i = 0; i < 4; i++) {
		draw_job(&alone[i]);
		CHECK(jobs[i].failures == 0 && same_surfaces(jobs[i].s, alone[i].s),
		      "thread %d drew %d failures, or other pixels than alone", i, jobs[i].failures);
		fbk_surface_destroy(jobs[i].s);
		fbk_surface_destroy(alone[i].s);
	}
	fbk_glyph_cache_set_limit(FBK_GLYPH_CACHE_DEFAULT);
out:
	fbk_font_destroy(fonts[0]);
	fbk_font_destroy(fonts[1]);
}

/* ---- the shaped-text cache ------------------------------------------------ */

/* Random texts from pieces that share prefixes and lengths, kerning pairs, tabs, lines, bad bytes. */
static void random_text(char *out, size_t size)
{
	static const char *pieces[] = { "AV", "To", "fi", "ffl", " ", "Wa", "\t", "\n", "\xc3\xa9",
					"1/4", "x", "\xff", "Sphinx", "Sphinz", "AW", "yo" };
	size_t n = 0, count = (size_t)rng_range(1, 12);
	out[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		const char *p = pieces[rng_next() % (sizeof(pieces) / sizeof(*pieces))];
		if (n + strlen(p) + 1 > size)
			break;
		memcpy(out + n, p, strlen(p) + 1);
		n += strlen(p);
	}
}

/*
 * Texts drawn through the shaped-text cache get exactly the glyphs and
 * positions that shaping them afresh gives, at two sizes of one face (the
 * same bytes, other keys), first shaped and then from the cache; the cache
 * stays within an eighth of the limit, drops the least recently drawn
 * text first, and keeps nothing at a limit of 0.
 */
static void test_shaped_cache(void)
{
	struct fbk_font *fonts[2] = { load_font(DEJAVU, 0, 16, FBK_HINTING_LIGHT),
				      load_font(DEJAVU, 0, 17, FBK_HINTING_NONE) };
	if (!fonts[0] || !fonts[1])
		goto out;
	fbk_glyph_cache_clear();
	enum { MAX = 256 };
	static uint32_t ids[3][MAX];
	static int64_t xs[3][MAX], ys[3][MAX];
	char text[96], recent[16][96];
	int bad = 0, hits = 0;
	for (int round = 0; round < 600; round++) {
		/* A third of the texts again, as a screen redraws its labels. */
		if (round >= 16 && rng_next() % 3 == 0)
			memcpy(text, recent[rng_next() % 16], sizeof(text));
		else
			random_text(text, sizeof(text));
		memcpy(recent[round % 16], text, sizeof(text));
		const struct fbk_font *font = fonts[round % 2];
		bool was = fbk_outline_shaped_cached(font, text);
		hits += was;
		size_t n = fbk_outline_glyphs(font, text, ids[0], xs[0], ys[0], MAX);
		size_t c1 = fbk_outline_shaped_glyphs(font, text, ids[1], xs[1], ys[1], MAX);
		CHECK(fbk_outline_shaped_cached(font, text), "\"%s\" was not kept", text);
		size_t c2 = fbk_outline_shaped_glyphs(font, text, ids[2], xs[2], ys[2], MAX);
		bool same = n == c1 && n == c2 && n <= MAX;
		for (size_t i = 0; same && i < n; i++)
			for (int k = 1; k < 3; k++)
				same &= ids[k][i] == ids[0][i] && xs[k][i] == xs[0][i] &&
					ys[k][i] == ys[0][i];
		if (!same && bad++ < 5)
			fprintf(stderr, "  round %d, %d px, \"%s\" (%s cached before): %zu glyphs "
				"shaped, %zu and %zu through the cache, or other ids or positions\n",
				round, round % 2 ? 17 : 16, text, was ? "was" : "not", n, c1, c2);
	}
	CHECK(bad == 0, "%d texts placed otherwise through the shaped-text cache", bad);
	CHECK(hits > 50, "only %d of 600 random texts were drawn before: the test repeats too "
	      "little", hits);
	CHECK(fbk_glyph_cache_memory() >= fbk_outline_shaped_memory() &&
	      fbk_outline_shaped_memory() > 0, "memory %zu, of which shaped %zu",
	      fbk_glyph_cache_memory(), fbk_outline_shaped_memory());

	/* Bounded: an eighth of a 64 KiB limit, the least recently drawn out first. */
	size_t limit = 64 << 10;
	fbk_glyph_cache_set_limit(limit);
	fbk_glyph_cache_clear();
	const struct fbk_font *f = fonts[0];
	char first[32], second[32];
	snprintf(first, sizeof(first), "text number %d", 0);
	snprintf(second, sizeof(second), "text number %d", 1);
	fbk_outline_shaped_glyphs(f, first, ids[0], xs[0], ys[0], MAX);
	fbk_outline_shaped_glyphs(f, second, ids[0], xs[0], ys[0], MAX);
	size_t over = 0;
	bool order_kept = true;
	int added = 0;
	for (int i = 2; i < 2000 && fbk_outline_shaped_cached(f, second); i++, added++) {
		fbk_outline_shaped_glyphs(f, first, ids[0], xs[0], ys[0], MAX); /* drawn again */
		snprintf(text, sizeof(text), "text number %d", i);
		fbk_outline_shaped_glyphs(f, text, ids[0], xs[0], ys[0], MAX);
		if (fbk_outline_shaped_memory() > limit / 8)
			over++;
		order_kept &= fbk_outline_shaped_cached(f, text) && fbk_outline_shaped_cached(f, first);
	}
	CHECK(!fbk_outline_shaped_cached(f, second) && added > 2,
	      "the shaped-text cache never evicted (%d texts added)", added);
	CHECK(over == 0, "%zu times over the shaped texts' bound of %zu bytes", over, limit / 8);
	CHECK(order_kept, "a recently drawn text was evicted before the least recently drawn");
	/* A limit of 0 keeps no shaped text; drawing works all the same. */
	fbk_glyph_cache_set_limit(0);
	CHECK(fbk_outline_shaped_memory() == 0, "limit 0 left %zu bytes of shaped text",
	      fbk_outline_shaped_memory());
	size_t n = fbk_outline_glyphs(f, "Wa", ids[0], xs[0], ys[0], MAX);
	CHECK(fbk_outline_shaped_glyphs(f, "Wa", ids[1], xs[1], ys[1], MAX) == n && n == 2 &&
	      ids[1][1] == ids[0][1] && xs[1][1] == xs[0][1] && !fbk_outline_shaped_cached(f, "Wa"),
	      "at limit 0: %zu glyphs", n);
	fbk_glyph_cache_set_limit(FBK_GLYPH_CACHE_DEFAULT);
out:
	fbk_font_destroy(fonts[0]);
	fbk_font_destroy(fonts[1]);
}

/* ---- a log handler that draws text ----------------------------------------- */

struct drawing_handler {
	const struct fbk_font *font;
	struct fbk_surface *s;
	int calls, draw_errors;
	bool saw_reason;
};

static void draw_from_handler(enum fbk_log_level level, const char *msg, void *userdata)
{
	(void)level;
	struct drawing_handler *h = userdata;
	h->calls++;
	h->saw_reason |= strstr(msg, "not a font") != NULL;
	struct fbk_color white = { 255, 255, 255, 255 };
	if (fbk_text_draw(h->s, h->font, 2, 2, "logged", white, NULL))
		h->draw_errors++;
}

static void *load_garbage(void *arg)
{
	static const uint8_t garbage[64] = { 'n', 'o', 't', ' ', 'a', ' ', 'f', 'o', 'n', 't' };
	struct fbk_font *font = NULL;
	*(int *)arg = fbk_font_load_memory(&font, garbage, sizeof(garbage), NULL);
	fbk_font_destroy(font);
	return NULL;
}

/*
 * Layout measures a text the shaped-text cache holds from the cache, with
 * the width shaping it again gives, and keeps no text it measures.
 */
static void test_measure_kept(void)
{
	struct fbk_font *font = load_font(DEJAVU, 0, 16, FBK_HINTING_LIGHT);
	if (!font)
		return;
	struct fbk_surface *s = new_surface(300, 40, FBK_FORMAT_XRGB8888);
	struct fbk_color ink = { 250, 240, 10, 255 };
	const char *text = "AVAToWa, fi ffl\nand a second line";
	fbk_glyph_cache_clear();
	int64_t fresh = -1, kept = -1;
	CHECK(fbk_outline_width(font, text, &fresh) == 0 && fresh > 0, "width %lld",
	      (long long)fresh);
	CHECK(!fbk_outline_shaped_cached(font, text), "measuring kept the text");
	fbk_text_draw(s, font, 0, 0, text, ink, NULL);
	uint64_t placed = fbk_outline_placings();
	CHECK(fbk_outline_width(font, text, &kept) == 0 && kept == fresh,
	      "the kept text measures %lld, shaped afresh %lld", (long long)kept, (long long)fresh);
	CHECK(fbk_outline_placings() == placed, "measuring a kept text shaped it again");
	fbk_surface_destroy(s);
	fbk_font_destroy(font);
}

/*
 * A fallback font destroyed first leaves the list of the font that named
 * it, which then draws as a font without it (DejaVu Sans Mono has APL
 * symbols that DejaVu Sans lacks); and new fallbacks for one font drop
 * only that font's kept texts.
 */
static void test_fallback_lists(void)
{
	CHECK(have_file(DEJAVU_MONO), "%s is missing (Debian: fonts-dejavu-core)", DEJAVU_MONO);
	struct fbk_font *sans = load_font(DEJAVU, 0, 20, FBK_HINTING_NORMAL);
	struct fbk_font *plain = load_font(DEJAVU, 0, 20, FBK_HINTING_NORMAL);
	struct fbk_font *other = load_font(DEJAVU, 0, 16, FBK_HINTING_LIGHT);
	struct fbk_font *mono = load_font(DEJAVU_MONO, 0, 20, FBK_HINTING_NORMAL);
	struct fbk_surface *with = new_surface(120, 30, FBK_FORMAT_XRGB8888);
	struct fbk_surface *after = new_surface(120, 30, FBK_FORMAT_XRGB8888);
	struct fbk_surface *without = new_surface(120, 30, FBK_FORMAT_XRGB8888);
	struct fbk_color ink = { 250, 240, 10, 255 };
	const char *text = "a\xe2\x8c\xb6\xe2\x8c\xb7" "b"; /* a, U+2336, U+2337, b */
	if (!sans || !plain || !other || !mono)
		goto out;
	const struct fbk_font *list[] = { mono };
	CHECK(fbk_font_set_fallbacks(sans, list, 1) == 0, "%s", fbk_last_error());
	fbk_text_draw(with, sans, 2, 2, text, ink, NULL);
	fbk_text_draw(without, plain, 2, 2, text, ink, NULL);
	CHECK(!same_surfaces(with, without), "the fallback gave no glyph: nothing to destroy");

	fbk_font_destroy(mono);
	mono = NULL;
	CHECK(fbk_text_draw(after, sans, 2, 2, text, ink, NULL) == 0, "%s", fbk_last_error());
	CHECK(same_surfaces(after, without),
	      "after its fallback was destroyed, a font draws otherwise than one that never had it");

	fbk_text_draw(with, other, 2, 2, "kept text", ink, NULL);
	fbk_text_draw(with, sans, 2, 2, "dropped", ink, NULL);
	const struct fbk_font *fallback[] = { plain };
	CHECK(fbk_font_set_fallbacks(sans, fallback, 1) == 0, "%s", fbk_last_error());
	CHECK(fbk_outline_shaped_cached(other, "kept text"),
	      "new fallbacks of one font dropped another font's kept text");
	CHECK(!fbk_outline_shaped_cached(sans, "dropped"),
	      "a font's new fallbacks kept its own shaped text");
out:
	fbk_surface_destroy(with);
	fbk_surface_destroy(after);
	fbk_surface_destroy(without);
	fbk_font_destroy(sans);
	fbk_font_destroy(plain);
	fbk_font_destroy(other);
	fbk_font_destroy(mono);
}

/* Destroying a font drops the kept texts drawn with it, and only those. */
static void test_destroy_keeps_others(void)
{
	struct fbk_font *a = load_font(DEJAVU, 0, 16, FBK_HINTING_LIGHT);
	struct fbk_font *b = load_font(DEJAVU, 0, 20, FBK_HINTING_LIGHT);
	struct fbk_surface *s = new_surface(200, 40, FBK_FORMAT_XRGB8888);
	struct fbk_color ink = { 250, 240, 10, 255 };
	if (!a || !b)
		goto out;
	fbk_glyph_cache_clear();
	fbk_text_draw(s, a, 0, 0, "kept text", ink, NULL);
	fbk_text_draw(s, b, 0, 0, "dropped text", ink, NULL);
	size_t both = fbk_outline_shaped_memory();
	fbk_font_destroy(b);
	b = NULL;
	CHECK(fbk_outline_shaped_cached(a, "kept text"),
	      "destroying a font dropped another font's kept texts");
	CHECK(fbk_outline_shaped_memory() < both, "destroying a font kept its texts (%zu bytes)",
	      fbk_outline_shaped_memory());
out:
	fbk_surface_destroy(s);
	fbk_font_destroy(a);
	fbk_font_destroy(b);
}

/*
 * A kept text drawn again whole looks no glyph up (it keeps its glyphs'
 * cache entries), yet draws what a fresh text draws, leaves the glyphs
 * in the LRU order lookups would have, and looks them up again once the
 * cache has dropped any glyph.
 */
static void test_redraw(void)
{
	struct fbk_font *font = load_font(DEJAVU, 0, 100, FBK_HINTING_NONE);
	if (!font)
		return;
	uint32_t id_a = glyph_id(DEJAVU, 'A'), id_c = glyph_id(DEJAVU, 'C');
	uint32_t id_d = glyph_id(DEJAVU, 'D'), id_e = glyph_id(DEJAVU, 'E');
	struct fbk_surface *s = new_surface(300, 130, FBK_FORMAT_XRGB8888);
	struct fbk_surface *t = new_surface(300, 130, FBK_FORMAT_XRGB8888);
	struct fbk_color ink = { 250, 240, 10, 255 };

	fbk_glyph_cache_clear();
	clear(s);
	clear(t);
	fbk_text_draw(s, font, 3, 2, "WAVE", ink, NULL);
	uint64_t looked = fbk_outline_lookups();
	fbk_text_draw(s, font, 3, 2, "WAVE", ink, NULL);
	CHECK(fbk_outline_lookups() == looked, "a kept text drawn again looked up %llu glyphs",
	      (unsigned long long)(fbk_outline_lookups() - looked));
	/* Elsewhere, translucent: the same pixels as a text never drawn before. */
	clear(s);
	struct fbk_color half = { 30, 200, 90, 140 };
	fbk_text_draw(s, font, 17, 9, "WAVE", half, NULL);
	CHECK(fbk_outline_lookups() == looked, "drawn elsewhere, it looked glyphs up");
	fbk_glyph_cache_clear();
	fbk_text_draw(t, font, 17, 9, "WAVE", half, NULL);
	CHECK(same_surfaces(s, t), "a kept text drawn again differs from a fresh one");
	CHECK(fbk_outline_lookups() > looked, "a fresh text looked no glyph up");

	/*
	 * Other glyphs pushed some of its glyphs out, the text itself still
	 * kept: looked up (and rendered) again, what was freed never used.
	 */
	size_t limit = fbk_glyph_cache_memory() - fbk_outline_shaped_memory() + 1000;
	fbk_glyph_cache_set_limit(limit);
	fbk_text_draw(s, font, 17, 9, "WAVE", half, NULL);
	fbk_text_draw(s, font, 0, 0, "xyz", ink, NULL);
	CHECK(fbk_outline_shaped_cached(font, "WAVE") &&
	      fbk_glyph_cache_memory() - fbk_outline_shaped_memory() <= limit,
	      "the test's texts did not fit as meant");
	clear(s);
	looked = fbk_outline_lookups();
	fbk_text_draw(s, font, 17, 9, "WAVE", half, NULL);
	CHECK(fbk_outline_lookups() == looked + 4, "after the cache dropped glyphs: %llu lookups",
	      (unsigned long long)(fbk_outline_lookups() - looked));
	CHECK(same_surfaces(s, t), "drawn again after the cache dropped glyphs, it differs");
	fbk_glyph_cache_set_limit(FBK_GLYPH_CACHE_DEFAULT);

	/*
	 * Room for three glyphs: "AC" drawn, "D" drawn, "AC" drawn again (no
	 * lookup) must leave D the least recently drawn, so "E" evicts D.
	 */
	fbk_glyph_cache_clear();
	fbk_text_draw(s, font, 0, 0, "AC", ink, NULL);
	fbk_text_draw(s, font, 0, 0, "D", ink, NULL);
	size_t three = fbk_glyph_cache_memory() - fbk_outline_shaped_memory();
	fbk_glyph_cache_set_limit(three);
	fbk_text_draw(s, font, 0, 0, "AC", ink, NULL);
	fbk_text_draw(s, font, 0, 0, "D", ink, NULL);
	looked = fbk_outline_lookups();
	fbk_text_draw(s, font, 0, 0, "AC", ink, NULL);
	CHECK(fbk_outline_lookups() == looked, "\"AC\" drawn again looked glyphs up");
	fbk_text_draw(s, font, 0, 0, "E", ink, NULL);
	bool c_kept = false; /* at the quarter pixel "AC" puts it */
	for (uint32_t q = 0; q < 4; q++)
		c_kept |= fbk_outline_cached(font, id_c, q);
	CHECK(fbk_outline_cached(font, id_a, 0) && c_kept,
	      "a glyph drawn again without a lookup was evicted before an older one");
	CHECK(!fbk_outline_cached(font, id_d, 0), "the least recently drawn glyph was kept");
	CHECK(fbk_outline_cached(font, id_e, 0), "the glyph drawn last was evicted");
	fbk_glyph_cache_set_limit(FBK_GLYPH_CACHE_DEFAULT);
	fbk_surface_destroy(s);
	fbk_surface_destroy(t);
	fbk_font_destroy(font);
}

/*
 * A kept text drawn again takes the box kernel straight when all its
 * glyph boxes are small and inside the clip, and hands the kernel 64
 * boxes a call: it must write what a fresh text writes, wherever the
 * text lies against the clip. Each clip edge is approached a pixel at a
 * time from outside and in (a check one pixel too wide on any side
 * writes outside the clip), around a sub-surface whose parent is
 * compared whole, guard bytes and stride padding included. The text is
 * resolved on another surface with another clip before each redraw, so
 * nothing of the clip it was resolved under may be kept.
 */
/*
 * Pen coordinates that put the ink's edge 7, 6, 2 and 1 pixels outside
 * `edge` (outward: -1 for a left or top edge, 1 for a right or bottom
 * one), on it and one pixel inside; each value once.
 */
static void add_edge(int32_t *v, size_t *n, int32_t edge, int32_t outward)
{
	static const int32_t out[] = { 7, 6, 2, 1, 0, -1 };
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		int32_t c = edge + outward * out[i];
		size_t j = 0;
		while (j < *n && v[j] != c)
			j++;
		if (j == *n)
			v[(*n)++] = c;
	}
}

static void test_kept_edges(void)
{
	struct fbk_font *font = load_font(DEJAVU, 0, 16, FBK_HINTING_LIGHT);
	if (!font)
		return;
	const char *text = "il.Vx,AW";
	struct fbk_text_extents e = FBK_TEXT_EXTENTS_INIT;
	CHECK(fbk_text_extents(font, text, &e) == 0 && e.ink.w > 1 && e.ink.h > 1,
	      "extents of %s: %s", text, fbk_last_error());
	const uint32_t pair[] = { FBK_FORMAT_XRGB8888, FBK_FORMAT_RGB565 };
	const struct fbk_rect inner = { 30, 15, 120, 30 };
	const struct fbk_rect clips[] = { { 0, 0, 120, 30 }, { 5, 3, 80, 20 }, { 20, 0, 1, 30 } };
	const struct fbk_rect elsewhere = { 0, 0, 300, 80 };
	struct fbk_color ink = { 240, 30, 200, 255 }, half = { 20, 200, 90, 150 };
	int cases = 0, bad = 0;
	for (size_t f = 0; f < sizeof(pair) / sizeof(pair[0]); f++) {
		int direct = 0;
		struct guarded a, b;
		struct fbk_surface *scratch = new_surface(400, 100, pair[f]);
		uint8_t *before = NULL;
		if (guarded_init(&a, 200, 60, 12, pair[f]) || guarded_init(&b, 200, 60, 12, pair[f]) ||
		    !(before = malloc(a.block_size))) {
			fprintf(stderr, "out of memory\n");
			exit(1);
		}
		memcpy(before, a.block, a.block_size);
		/* Between the guards: guard bytes are never restored, so a write shows at the end. */
		size_t body = a.block_size - 2 * GUARD_BYTES;
		fbk_surface_set_clip(scratch, &elsewhere);
		for (size_t c = 0; c < sizeof(clips) / sizeof(clips[0]); c++) {
			const struct fbk_rect *k = &clips[c];
			/*
			 * Pen positions where the ink's left edge nears the clip's
			 * and the surface's left edges, its right edge their right
			 * ones; likewise top and bottom; and some wholly outside.
			 */
			int32_t xs[32], ys[32];
			size_t nx = 0, ny = 0;
			add_edge(xs, &nx, k->x - e.ink.x, -1);
			add_edge(xs, &nx, -e.ink.x, -1);
			add_edge(xs, &nx, k->x + k->w - e.ink.x - e.ink.w, 1);
			add_edge(xs, &nx, inner.w - e.ink.x - e.ink.w, 1);
			xs[nx++] = -e.ink.x - e.ink.w - 2;
			xs[nx++] = inner.w + 3;
			add_edge(ys, &ny, k->y - e.ink.y, -1);
			add_edge(ys, &ny, -e.ink.y, -1);
			add_edge(ys, &ny, k->y + k->h - e.ink.y - e.ink.h, 1);
			add_edge(ys, &ny, inner.h - e.ink.y - e.ink.h, 1);
			ys[ny++] = -e.ink.y - e.ink.h - 2;
			ys[ny++] = inner.h + 3;
			for (size_t j = 0; j < ny; j++)
				for (size_t i = 0; i < nx; i++) {
					int32_t x = xs[i], y = ys[j];
					struct fbk_color fg = (i + j) & 1 ? ink : half;
					struct fbk_surface sa, sb;
					memcpy(a.block + GUARD_BYTES, before + GUARD_BYTES, body);
					memcpy(b.block + GUARD_BYTES, before + GUARD_BYTES, body);
					fbk_surface_sub(&sa, &a.surface, &inner);
					fbk_surface_sub(&sb, &b.surface, &inner);
					fbk_surface_set_clip(&sa, k);
					fbk_surface_set_clip(&sb, k);
					fbk_glyph_cache_clear();
					fbk_text_draw(&sa, font, x, y, text, fg, NULL);
					fbk_text_draw(scratch, font, 100, 40, text, fg, NULL);
					uint64_t looked = fbk_outline_lookups();
					fbk_text_draw(&sb, font, x, y, text, fg, NULL);
					/* A redraw looking nothing up, whole inside the clip. */
					direct += fbk_outline_lookups() == looked &&
						  x + e.ink.x >= k->x && y + e.ink.y >= k->y &&
						  x + e.ink.x + e.ink.w <= k->x + k->w &&
						  y + e.ink.y + e.ink.h <= k->y + k->h;
					cases++;
					if (memcmp(a.block, b.block, a.block_size) && bad++ < 5)
						fprintf(stderr,
							"format %s, clip %d,%d %dx%d, text at (%d, %d): "
							"the kept text's redraw differs from a fresh draw\n",
							fbk_format_info(pair[f])->name, k->x, k->y, k->w,
							k->h, x, y);
				}
		}
		CHECK(direct > 0, "%s: no kept text was redrawn whole inside a clip (the direct "
		      "path untried)", fbk_format_info(pair[f])->name);
		CHECK(guarded_intact(&a) && guarded_intact(&b),
		      "%s: a text drawn around a sub-surface wrote past the parent's pixels",
		      fbk_format_info(pair[f])->name);
		free(before);
		guarded_finish(&a);
		guarded_finish(&b);
		fbk_surface_destroy(scratch);
	}
	CHECK(bad == 0, "%d of %d kept-text redraws differ from fresh draws", bad, cases);
	fbk_font_destroy(font);
}

/*
 * A kept line of more glyph boxes than one kernel call takes (64), twice
 * over and some: the same pixels as drawing it fresh, in both formats
 * with a box kernel.
 */
static void test_kept_long_line(void)
{
	struct fbk_font *font = load_font(DEJAVU, 0, 16, FBK_HINTING_LIGHT);
	if (!font)
		return;
	char line[151];
	for (int i = 0; i < 150; i++)
		line[i] = "il.:'"[i % 5];
	line[150] = '\0';
	int32_t width = 0;
	CHECK(fbk_text_measure(font, line, &width, NULL) == 0 && width > 0 && width < 990,
	      "the line measures %d px: %s", width, fbk_last_error());
	const uint32_t pair[] = { FBK_FORMAT_XRGB8888, FBK_FORMAT_RGB565 };
	struct fbk_color ink = { 240, 30, 200, 255 };
	for (size_t f = 0; f < sizeof(pair) / sizeof(pair[0]); f++) {
		struct fbk_surface *fresh = new_surface(1000, 30, pair[f]);
		struct fbk_surface *kept = new_surface(1000, 30, pair[f]);
		const struct fbk_rect all = { 0, 0, 1000, 30 };
		const struct fbk_color paper = { 17, 60, 120, 255 };
		fbk_fill(fresh, &all, paper);
		fbk_glyph_cache_clear();
		fbk_text_draw(fresh, font, 2, 2, line, ink, NULL);
		fbk_text_draw(kept, font, 2, 2, line, ink, NULL);
		fbk_fill(kept, &all, paper);
		uint64_t looked = fbk_outline_lookups();
		fbk_text_draw(kept, font, 2, 2, line, ink, NULL);
		CHECK(fbk_outline_lookups() == looked, "%s: the kept line looked %llu glyphs up",
		      fbk_format_info(pair[f])->name,
		      (unsigned long long)(fbk_outline_lookups() - looked));
		CHECK(same_surfaces(fresh, kept), "%s: a kept line of 150 glyphs differs from a fresh one",
		      fbk_format_info(pair[f])->name);
		fbk_surface_destroy(fresh);
		fbk_surface_destroy(kept);
	}
	fbk_font_destroy(font);
}

/*
 * A failure inside the text layer's lock (here a font that is not one)
 * logs its message; a handler that draws text with an outline font takes
 * that lock again, so the message must reach it after the lock is let go.
 * The load runs in a thread the test waits a minute for: a deadlock fails
 * the check instead of hanging the suite.
 */
static void test_log_handler_draws(void)
{
	struct fbk_font *font = load_font(DEJAVU, 0, 16, FBK_HINTING_LIGHT);
	if (!font)
		return;
	struct drawing_handler h = { font, new_surface(80, 24, FBK_FORMAT_XRGB8888), 0, 0, false };
	fbk_set_log_handler(draw_from_handler, &h);
	fbk_set_log_level(FBK_LOG_DEBUG);
	int err = 0;
	pthread_t thread;
	CHECK(pthread_create(&thread, NULL, load_garbage, &err) == 0, "pthread_create");
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	int joined = pthread_timedjoin_np(thread, NULL, &until);
	CHECK(joined == 0, "loading a bad font with a handler that draws text never returned "
	      "(deadlocked on the text lock)");
	if (joined) {
		fprintf(stderr, "giving up: the loading thread is stuck\n");
		exit(1);
	}
	fbk_set_log_level(FBK_LOG_WARNING);
	fbk_set_log_handler(NULL, NULL);
	CHECK(err == -EBADMSG, "loading garbage gave %d", err);
	CHECK(h.calls >= 1 && h.saw_reason && h.draw_errors == 0,
	      "handler called %d times, reason seen %d, %d draws failed", h.calls, h.saw_reason,
	      h.draw_errors);
	bool inked = false;
	for (int32_t y = 0; y < h.s->height; y++)
		for (int32_t x = 0; x < h.s->width; x++)
			inked |= *(uint32_t *)fbk_surface_pixel(h.s, x, y) != 0;
	CHECK(inked, "the handler drew nothing");
	fbk_surface_destroy(h.s);
	fbk_font_destroy(font);
}

int main(int argc, char **argv)
{
	list_formats();
	rng_seed(14);
	if (!have_file(DEJAVU))
		SKIP("%s is missing (Debian: fonts-dejavu-core)", DEJAVU);
	/* The checks that need more fonts, one meson test each (tests/meson.build). */
	if (argc == 3 && !strcmp(argv[1], "--script")) {
		if (!strcmp(argv[2], "arabic"))
			test_arabic();
		else if (!strcmp(argv[2], "devanagari"))
			test_devanagari();
		else if (!strcmp(argv[2], "cjk"))
			test_cjk();
		else
			CHECK(false, "unknown script %s", argv[2]);
		return harness_exit();
	}
	if (argc == 2 && !strcmp(argv[1], "--fallback")) {
		test_fallback();
		return harness_exit();
	}
	test_reference();
	test_metrics();
	test_cache();
	test_shaped_cache();
	test_redraw();
	test_kept_edges();
	test_kept_long_line();
	test_destroy_keeps_others();
	test_fallback_lists();
	test_measure_kept();
	test_threads();
	test_bad_input();
	test_log_handler_draws();
	return harness_exit();
}

#else

int main(void)
{
	struct fbk_font *font = (struct fbk_font *)1;
	int err = fbk_font_load(&font, DEJAVU, NULL);
	CHECK(err == -ENOTSUP && !font && strstr(fbk_last_error(), "-Dfreetype"),
	      "without FreeType: %d %s", err, fbk_last_error());
	if (harness_failures)
		return harness_exit();
	SKIP("built without FreeType (-Dfreetype=disabled): only the -ENOTSUP answer checked");
}

#endif
