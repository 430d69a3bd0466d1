/* fbkit: bitmap fonts and text. */
#ifndef FBKIT_TEXT_H
#define FBKIT_TEXT_H

#include "fbkit/surface.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A bitmap font: fbkit's built-in 8x16 or a PSF console font. Opaque. */
struct fbk_font;

/** The built-in 8x16 font (ASCII and Latin-1). Static: never destroy it. */
FBK_API const struct fbk_font *fbk_font_builtin(void);

/**
 * Load a PSF1 or PSF2 console font from a file, gzip-compressed or not
 * (gzip needs fbkit built with zlib). Code points map to glyphs through the
 * font's Unicode table, or by glyph index when it has none. Free it with
 * fbk_font_destroy(). Errors: -ENOENT/-EACCES (opening), -EBADMSG (not a
 * PSF font, truncated or corrupt), -EFBIG (absurd glyph size or count),
 * -ENOTSUP (gzip without zlib), -ENOMEM.
 */
FBK_API int fbk_font_load_psf(struct fbk_font **out, const char *path);

/** As fbk_font_load_psf, from memory (copied; the caller keeps `data`). */
FBK_API int fbk_font_load_psf_memory(struct fbk_font **out, const void *data, size_t size);

/** Free a loaded font. Accepts NULL and the built-in font (then does nothing). */
FBK_API void fbk_font_destroy(struct fbk_font *font);

/** Glyph cell width and height in pixels. */
FBK_API int32_t fbk_font_width(const struct fbk_font *font);
FBK_API int32_t fbk_font_height(const struct fbk_font *font);

/** True when the font has a glyph for the code point (else a replacement box is drawn). */
FBK_API bool fbk_font_has_glyph(const struct fbk_font *font, uint32_t codepoint);

/**
 * Draw UTF-8 text with its first cell's top-left corner at (x, y). '\n'
 * starts a new line at x; '\t' advances to the next multiple of 8 cells.
 * Set pixels take `fg`; with `bg` non-NULL every cell's other pixels take
 * *bg (translucent colours blend). Invalid UTF-8 draws one replacement
 * glyph per bad byte. Errors: -EINVAL.
 */
FBK_API int fbk_text_draw(struct fbk_surface *dst, const struct fbk_font *font, int32_t x,
			  int32_t y, const char *utf8, struct fbk_color fg,
			  const struct fbk_color *bg);

/**
 * The size fbk_text_draw would cover: width of the longest line and height
 * of all lines, in pixels. Errors: -EINVAL.
 */
FBK_API int fbk_text_measure(const struct fbk_font *font, const char *utf8, int32_t *width,
			     int32_t *height);

#ifdef __cplusplus
}
#endif

#endif
