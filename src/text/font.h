/*
 * Internal: the in-memory font every bitmap font becomes, built-in or PSF;
 * an outline font (outline.h) is the same struct with `outline` set and
 * width/height as fbk_font_width/height report them, and no glyphs.
 * Glyphs are 1 bit per pixel, rows of bytes_per_row bytes, most significant
 * bit leftmost, `height` rows per glyph, glyphs stored one after another.
 */
#ifndef FBK_FONT_H
#define FBK_FONT_H

#include <stdbool.h>
#include <stdint.h>

#include "fbkit/text.h"

#define FBK_NO_GLYPH UINT32_MAX

struct fbk_font_map_entry {
	uint32_t codepoint;
	uint32_t glyph;
};

struct fbk_font {
	int32_t width, height;
	uint32_t bytes_per_row;
	uint32_t glyph_count;
	const uint8_t *glyphs;
	/* sorted by codepoint, unique; empty means glyph index == code point */
	const struct fbk_font_map_entry *map;
	uint32_t map_count;
	/* glyph for code points the font lacks; FBK_NO_GLYPH: draw a box */
	uint32_t replacement;
	bool is_static;
	void *storage; /* freed on destroy */
	struct fbk_outline *outline; /* an outline font's face, size and fallbacks; else NULL */
};

/* Glyph index for a code point, or FBK_NO_GLYPH. */
uint32_t fbk_font_glyph(const struct fbk_font *font, uint32_t codepoint);

/* The generated built-in font (font_builtin_data.c, from assets/font-8x16.txt). */
extern const struct fbk_font fbk_builtin_font;

#endif
