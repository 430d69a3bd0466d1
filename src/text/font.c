/* Fonts as the text code sees them: code point to glyph lookup and accessors. */
#include <stdlib.h>

#include "text/font.h"
#include "text/outline.h"

uint32_t fbk_font_glyph(const struct fbk_font *font, uint32_t codepoint)
{
	if (font->map_count == 0)
		return codepoint < font->glyph_count ? codepoint : FBK_NO_GLYPH;

	const struct fbk_font_map_entry *map = font->map;
	/*
	 * Maps usually hold runs of consecutive code points from their first
	 * entry (ASCII in most fonts), so guessing the index from the distance
	 * to the first code point finds common text without a search.
	 */
	uint32_t guess = codepoint - map[0].codepoint;
	if (codepoint >= map[0].codepoint && guess < font->map_count &&
	    map[guess].codepoint == codepoint)
		return map[guess].glyph;

	uint32_t lo = 0, hi = font->map_count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (map[mid].codepoint < codepoint)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < font->map_count && map[lo].codepoint == codepoint)
		return map[lo].glyph;
	return FBK_NO_GLYPH;
}

const struct fbk_font *fbk_font_builtin(void)
{
	return &fbk_builtin_font;
}

void fbk_font_destroy(const struct fbk_font *font)
{
	if (!font || font->is_static)
		return;
	if (font->outline) {
		fbk_outline_destroy(font);
		return;
	}
	/* storage is the one block holding the struct, glyphs and map. */
	free(font->storage);
}

int32_t fbk_font_width(const struct fbk_font *font)
{
	return font ? font->width : 0;
}

int32_t fbk_font_height(const struct fbk_font *font)
{
	return font ? font->height : 0;
}

bool fbk_font_has_glyph(const struct fbk_font *font, uint32_t codepoint)
{
	if (font && font->outline)
		return fbk_outline_has_glyph(font, codepoint);
	return font && fbk_font_glyph(font, codepoint) != FBK_NO_GLYPH;
}

bool fbk_font_is_outline(const struct fbk_font *font)
{
	return font && font->outline;
}
