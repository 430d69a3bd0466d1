/*
 * TrueType text: an 80-character Latin line drawn 60 times, DejaVu Sans at
 * 16 and 48 pixels, grayscale anti-aliasing, on XRGB8888, by fbkit (glyph
 * cache warm, warm glyphs but every line a new text to shape, and cold:
 * emptied before every line), by Cairo through
 * FreeType (cairo_show_text; warm, and cold: a scaled font never used
 * before every line) and by SDL2_ttf (TTF_RenderUTF8_Blended and a
 * blit), in one interleaved run. Also HarfBuzz's shaping of the line alone,
 * FreeType loading and rendering every glyph of it with no cache (what any
 * library pays for glyphs it has not cached: the cold row's second anchor),
 * and the glyph cache's memory. Ratios are anchor time / fbkit time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "fbkit.h"

#if BENCH_HAVE_FREETYPE
#include <ft2build.h>
#include FT_FREETYPE_H
#endif
#if BENCH_HAVE_CAIRO_FT
#include <cairo-ft.h>
#include <cairo.h>
#endif
#if BENCH_HAVE_SDL_TTF
#include <SDL.h>
#include <SDL_ttf.h>
#endif
#if BENCH_HAVE_HARFBUZZ
#include <hb-ft.h>
#include <hb.h>
#endif

#if BENCH_HAVE_FREETYPE
#define FONT_PATH "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define LINES 60

/* 80 characters of ordinary Latin text. */
static const char line[] =
	"Sphinx of black quartz, judge my vow: 5 boxing wizards jump quickly (0.25 s). !?";

struct text_case {
	struct fbk_surface *dst;
	struct fbk_font *font;
	int32_t size, line_height;
#if BENCH_HAVE_CAIRO_FT
	cairo_surface_t *cairo_surface;
	cairo_t *cr;
	/* The same face, size and options; a new scaled font every line: the cold row. */
	cairo_t *cr_cold;
	cairo_font_options_t *cold_options;
#endif
#if BENCH_HAVE_SDL_TTF
	TTF_Font *ttf;
	SDL_Surface *sdl_dst;
#endif
	/* The same font in FreeType alone: what rendering every glyph uncached costs. */
	FT_Library library;
	FT_Face face;
	FT_UInt ids[sizeof(line) - 1];
#if BENCH_HAVE_HARFBUZZ
	hb_font_t *hb;
	hb_buffer_t *buf;
#endif
};

static int run_fbk(void *arg)
{
	struct text_case *t = arg;
	struct fbk_color c = { 240, 240, 230, 255 };
	for (int i = 0; i < LINES; i++)
		if (fbk_text_draw(t->dst, t->font, 4, i * t->line_height, line, c, NULL))
			return -1;
	return 0;
}

/*
 * Glyphs warm but every line a text not drawn before (four digits of a
 * counter in place of "0.25", the same glyphs): each line is shaped, as
 * text that changes every frame is. The warm row draws one text 60 times,
 * so after its first line it measures the shaped-text cache, not shaping.
 */
static int run_fbk_shaping(void *arg)
{
	struct text_case *t = arg;
	struct fbk_color c = { 240, 240, 230, 255 };
	static unsigned counter;
	char text[sizeof(line)];
	memcpy(text, line, sizeof(line));
	char *digits = strstr(text, "0.25");
	for (int i = 0; i < LINES; i++) {
		unsigned v = counter++ % 10000;
		for (int k = 3; k >= 0; k--, v /= 10)
			digits[k] = (char)('0' + v % 10);
		if (fbk_text_draw(t->dst, t->font, 4, i * t->line_height, text, c, NULL))
			return -1;
	}
	return 0;
}

static int run_fbk_cold(void *arg)
{
	struct text_case *t = arg;
	struct fbk_color c = { 240, 240, 230, 255 };
	for (int i = 0; i < LINES; i++) {
		fbk_glyph_cache_clear();
		if (fbk_text_draw(t->dst, t->font, 4, i * t->line_height, line, c, NULL))
			return -1;
	}
	return 0;
}

#if BENCH_HAVE_CAIRO_FT
static int run_cairo(void *arg)
{
	struct text_case *t = arg;
	for (int i = 0; i < LINES; i++) {
		cairo_move_to(t->cr, 4, i * t->line_height + t->size);
		cairo_show_text(t->cr, line);
	}
	cairo_surface_flush(t->cairo_surface);
	return cairo_status(t->cr) != CAIRO_STATUS_SUCCESS;
}

/*
 * Cairo with an empty glyph cache every line, the FT_Face and the font face
 * staying open as fbkit's font does. Cairo keeps glyphs in the scaled font
 * (face, matrices and font options), and keeps the last 256 scaled fonts
 * after their last user lets go, so a scaled font not used before is the
 * only empty cache it offers: every line sets font options that differ by
 * a variation setting no font has (a tag of our own; on a font without
 * variation axes, as DejaVu Sans, cairo-ft applies none, so the glyphs are
 * the warm row's). A number never used before names it, so each line gets
 * a new scaled font and Cairo loads and renders every glyph of it through
 * FreeType again. Cairo also pays for making the scaled font and, once 256
 * are held, for freeing the oldest with its glyphs (fbkit's cold row pays
 * for emptying its cache too).
 */
static int run_cairo_cold(void *arg)
{
	struct text_case *t = arg;
	static unsigned serial;
	char variation[32];
	for (int i = 0; i < LINES; i++) {
		snprintf(variation, sizeof(variation), "XCLD=%u", serial++);
		cairo_font_options_set_variations(t->cold_options, variation);
		cairo_set_font_options(t->cr_cold, t->cold_options);
		cairo_move_to(t->cr_cold, 4, i * t->line_height + t->size);
		cairo_show_text(t->cr_cold, line);
	}
	cairo_surface_flush(t->cairo_surface);
	return cairo_status(t->cr_cold) != CAIRO_STATUS_SUCCESS;
}
#endif

#if BENCH_HAVE_SDL_TTF
static int run_sdl_ttf(void *arg)
{
	struct text_case *t = arg;
	SDL_Color c = { 240, 240, 230, 255 };
	for (int i = 0; i < LINES; i++) {
		SDL_Surface *s = TTF_RenderUTF8_Blended(t->ttf, line, c);
		if (!s)
			return -1;
		SDL_Rect at = { 4, i * t->line_height, 0, 0 };
		int err = SDL_BlitSurface(s, NULL, t->sdl_dst, &at);
		SDL_FreeSurface(s);
		if (err)
			return -1;
	}
	return 0;
}
#endif

static int run_freetype(void *arg)
{
	struct text_case *t = arg;
	for (int i = 0; i < LINES; i++)
		for (size_t k = 0; k < sizeof(line) - 1; k++)
			if (FT_Load_Glyph(t->face, t->ids[k], FT_LOAD_NO_BITMAP | FT_LOAD_TARGET_LIGHT) ||
			    FT_Render_Glyph(t->face->glyph, FT_RENDER_MODE_NORMAL))
				return -1;
	return 0;
}

#if BENCH_HAVE_HARFBUZZ
static int run_shape(void *arg)
{
	struct text_case *t = arg;
	for (int i = 0; i < LINES; i++) {
		hb_buffer_clear_contents(t->buf);
		hb_buffer_add_utf8(t->buf, line, -1, 0, -1);
		hb_buffer_guess_segment_properties(t->buf);
		hb_shape(t->hb, t->buf, NULL, 0);
	}
	return 0;
}
#endif

static int setup(struct text_case *t, int32_t size)
{
	*t = (struct text_case){ .size = size };
	struct fbk_font_options o = FBK_FONT_OPTIONS_INIT;
	o.pixel_size = size;
	if (fbk_font_load(&t->font, FONT_PATH, &o)) {
		fprintf(stderr, "fbkit-bench: %s\n", fbk_last_error());
		return -1;
	}
	struct fbk_text_extents e = FBK_TEXT_EXTENTS_INIT;
	int32_t width = 0;
	if (fbk_text_extents(t->font, line, &e))
		return -1;
	width = e.width + 8;
	t->line_height = e.line_height;
	if (fbk_surface_create(&t->dst, width, LINES * t->line_height + size, FBK_FORMAT_XRGB8888))
		return -1;
#if BENCH_HAVE_CAIRO_FT
	{
		FT_Library lib;
		FT_Face face;
		if (!FT_Init_FreeType(&lib) && !FT_New_Face(lib, FONT_PATH, 0, &face)) {
			t->cairo_surface = cairo_image_surface_create_for_data(
				t->dst->pixels, CAIRO_FORMAT_RGB24, t->dst->width, t->dst->height,
				(int)t->dst->stride);
			t->cr = cairo_create(t->cairo_surface);
			cairo_font_face_t *ff = cairo_ft_font_face_create_for_ft_face(face, 0);
			cairo_set_font_face(t->cr, ff);
			cairo_set_font_size(t->cr, size);
			cairo_font_options_t *fo = cairo_font_options_create();
			cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
			cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_SLIGHT);
			cairo_set_font_options(t->cr, fo);
			cairo_set_source_rgb(t->cr, 240 / 255.0, 240 / 255.0, 230 / 255.0);
			t->cr_cold = cairo_create(t->cairo_surface);
			cairo_set_font_face(t->cr_cold, ff);
			cairo_set_font_size(t->cr_cold, size);
			t->cold_options = cairo_font_options_copy(fo);
			cairo_font_options_destroy(fo);
			cairo_set_source_rgb(t->cr_cold, 240 / 255.0, 240 / 255.0, 230 / 255.0);
			/* The face and library live until exit: Cairo holds the face. */
		}
	}
#endif
#if BENCH_HAVE_SDL_TTF
	if (TTF_WasInit() || TTF_Init() == 0) {
		t->ttf = TTF_OpenFont(FONT_PATH, size);
		t->sdl_dst = SDL_CreateRGBSurfaceWithFormatFrom(t->dst->pixels, t->dst->width,
								t->dst->height, 32, (int)t->dst->stride,
								SDL_PIXELFORMAT_RGB888);
		if (t->ttf)
			TTF_SetFontHinting(t->ttf, TTF_HINTING_LIGHT);
	}
#endif
	if (FT_Init_FreeType(&t->library) || FT_New_Face(t->library, FONT_PATH, 0, &t->face) ||
	    FT_Set_Pixel_Sizes(t->face, 0, (FT_UInt)size))
		return -1;
	for (size_t k = 0; k < sizeof(line) - 1; k++)
		t->ids[k] = FT_Get_Char_Index(t->face, (unsigned char)line[k]);
#if BENCH_HAVE_HARFBUZZ
	t->hb = hb_ft_font_create_referenced(t->face);
	hb_ft_font_set_load_flags(t->hb, FT_LOAD_NO_BITMAP | FT_LOAD_TARGET_LIGHT);
	t->buf = hb_buffer_create();
#endif
	return 0;
}

static void teardown(struct text_case *t)
{
#if BENCH_HAVE_CAIRO_FT
	if (t->cr)
		cairo_destroy(t->cr);
	if (t->cr_cold)
		cairo_destroy(t->cr_cold);
	if (t->cold_options)
		cairo_font_options_destroy(t->cold_options);
	if (t->cairo_surface)
		cairo_surface_destroy(t->cairo_surface);
#endif
#if BENCH_HAVE_SDL_TTF
	if (t->ttf)
		TTF_CloseFont(t->ttf);
	if (t->sdl_dst)
		SDL_FreeSurface(t->sdl_dst);
#endif
#if BENCH_HAVE_HARFBUZZ
	if (t->hb)
		hb_font_destroy(t->hb);
	if (t->buf)
		hb_buffer_destroy(t->buf);
#endif
	if (t->face)
		FT_Done_Face(t->face);
	if (t->library)
		FT_Done_FreeType(t->library);
	fbk_font_destroy(t->font);
	fbk_surface_destroy(t->dst);
}

static void size_rows(const struct bench_config *cfg, int32_t size)
{
	struct text_case t;
	if (setup(&t, size)) {
		printf("text %d px: setup failed\n", (int)size);
		teardown(&t);
		return;
	}
	struct bench_case c[] = {
		{ run_fbk, &t, 0 },
		{ run_fbk_cold, &t, 0 },
		{ NULL, &t, 0 }, /* cairo */
		{ NULL, &t, 0 }, /* SDL_ttf */
		{ NULL, &t, 0 }, /* HarfBuzz shaping alone */
		{ run_freetype, &t, 0 },
		{ run_fbk_shaping, &t, 0 },
		{ NULL, &t, 0 }, /* cairo cold */
	};
#if BENCH_HAVE_CAIRO_FT
	if (t.cr)
		c[2].run = run_cairo;
	if (t.cr_cold && t.cold_options)
		c[7].run = run_cairo_cold;
#endif
#if BENCH_HAVE_SDL_TTF
	if (t.ttf && t.sdl_dst)
		c[3].run = run_sdl_ttf;
#endif
#if BENCH_HAVE_HARFBUZZ
	if (t.hb)
		c[4].run = run_shape;
#endif
	bench_interleaved(cfg, c, 8);
	/*
	 * Warm the cache again from empty (the cold case emptied it, the
	 * shaping case filled it with texts) to report its size: the line's
	 * glyphs and the one shaped text.
	 */
	fbk_glyph_cache_clear();
	run_fbk(&t);
	size_t memory = fbk_glyph_cache_memory();
	double glyphs = (double)LINES * (sizeof(line) - 1), pixels = (double)t.dst->width * LINES *
								 t.line_height;
	char name[96];
	static const char *names[] = { "fbkit warm cache", "fbkit cold (cache emptied per line)",
				       "cairo show_text (cairo-ft)", "SDL2_ttf Blended + blit",
				       "HarfBuzz hb_shape alone",
				       "FreeType load+render alone (uncached)",
				       "fbkit warm glyphs, every line shaped",
				       "cairo show_text cold (new scaled font)" };
	/* Each Cairo row beside the other. */
	static const size_t order[] = { 0, 1, 2, 7, 3, 4, 5, 6 };
	for (size_t n = 0; n < 8; n++) {
		size_t i = order[n];
		if (!c[i].run)
			continue;
		snprintf(name, sizeof(name), "%s %dpx", names[i], (int)size);
		if (i == 0 || i == 6)
			bench_row2(cfg, name, c[i].median, pixels, "cairo", c[2].run ? c[2].median : -1,
				   "SDL_ttf", c[3].run ? c[3].median : -1);
		else if (i == 1) /* cold: against Cairo cold and FreeType rendering every glyph */
			bench_row2(cfg, name, c[i].median, pixels, "cairo cold",
				   c[7].run ? c[7].median : -1, "FreeType uncached", c[5].median);
		else
			bench_row(cfg, name, c[i].median, pixels, NULL, 0);
		printf("%-44s %10.1f ns per glyph\n", "", c[i].median / glyphs * 1e9);
		if (cfg->machine)
			printf("BENCH case=\"%s\" ns_per_glyph=%.2f\n", name, c[i].median / glyphs * 1e9);
	}
	printf("%-44s %10zu bytes of glyph cache (%d px, one font)\n", "", memory, (int)size);
	if (cfg->machine)
		printf("BENCH case=\"glyph cache %dpx\" bytes=%zu\n", (int)size, memory);
	teardown(&t);
}

int bench_text(const struct bench_config *cfg)
{
	if (access(FONT_PATH, R_OK)) {
		printf("text: %s is missing (fonts-dejavu-core); skipped\n", FONT_PATH);
		return 0;
	}
	bench_header("TrueType text: 60 lines of 80 characters, DejaVu Sans, XRGB8888");
	size_rows(cfg, 16);
	size_rows(cfg, 48);
	return 0;
}
#else
int bench_text(const struct bench_config *cfg)
{
	printf("text: fbkit built without FreeType; skipped\n");
	return 0;
}
#endif
