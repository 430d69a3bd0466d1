/*
 * Internal: outline fonts (FreeType), as the rest of the text layer sees
 * them. outline.c implements this with FreeType (and HarfBuzz when
 * built); outline_none.c, in builds without FreeType, never sees an
 * outline font because none can be loaded.
 */
#ifndef FBK_OUTLINE_H
#define FBK_OUTLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fbkit/text.h"

struct fbk_outline;

/* Free what fbk_font_load attached to the font (the font's own block too). */
void fbk_outline_destroy(const struct fbk_font *font);

/* fbk_font_has_glyph for an outline font (its own cmap, not its fallbacks). */
bool fbk_outline_has_glyph(const struct fbk_font *font, uint32_t codepoint);

/*
 * fbk_text_draw (top = true: y is the top of the first line's box) and
 * fbk_text_draw_baseline, for an outline font; dst, font and text checked.
 */
int fbk_outline_draw(struct fbk_surface *dst, const struct fbk_font *font, int32_t x, int32_t y,
		     bool top, const char *utf8, struct fbk_color fg, const struct fbk_color *bg);

/* fbk_text_extents for an outline font; out checked, zeroed but for size. */
int fbk_outline_extents(const struct fbk_font *font, const char *utf8,
			struct fbk_text_extents *out);

/*
 * The widest line's advance in 1/64 pixel, neither rendered nor kept in
 * the shaped-text cache: what layout measures candidate lines with. A
 * text the cache holds is measured from it, any other shaped now.
 */
int fbk_outline_width(const struct fbk_font *font, const char *utf8, int64_t *advance);

/* For tests: whether the cache holds the font's glyph `id` at `subpixel` quarters. */
bool fbk_outline_cached(const struct fbk_font *font, uint32_t id, uint32_t subpixel);

/*
 * For tests: the glyphs the text is drawn with, as placed (ids, and pen
 * positions in 1/64 pixel, y down, from the first baseline's origin); the
 * count, of which the first `max` are stored.
 */
size_t fbk_outline_glyphs(const struct fbk_font *font, const char *utf8, uint32_t *ids,
			  int64_t *x, int64_t *y, size_t max);

/*
 * For tests: fbk_outline_glyphs through the shaped-text cache, as drawing
 * gets them (a text not cached yet is shaped and kept).
 */
size_t fbk_outline_shaped_glyphs(const struct fbk_font *font, const char *utf8, uint32_t *ids,
				 int64_t *x, int64_t *y, size_t max);

/*
 * For tests: how many times drawing and measuring have looked a glyph up
 * in the cache since the process started (a kept text drawn again whole
 * looks none up).
 */
uint64_t fbk_outline_lookups(void);

/* For tests: how many texts have been shaped and placed since the process started. */
uint64_t fbk_outline_placings(void);

/* For tests: whether the shaped-text cache holds the text for the font. */
bool fbk_outline_shaped_cached(const struct fbk_font *font, const char *utf8);

/* For tests: the shaped-text cache's share of fbk_glyph_cache_memory(). */
size_t fbk_outline_shaped_memory(void);

#endif
