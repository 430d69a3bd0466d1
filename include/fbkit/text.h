/* fbkit: bitmap fonts and text. */
#ifndef FBKIT_TEXT_H
#define FBKIT_TEXT_H

#include "fbkit/surface.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A bitmap font: fbkit's built-in 8x16 or a PSF console font. Opaque. */
struct fbk_font;

/** The built-in 8x16 font (ASCII and Latin-1). Static: fbk_font_destroy() leaves it alone. */
FBK_API const struct fbk_font *fbk_font_builtin(void);

/**
 * Load a PSF1 or PSF2 console font from a file, gzip-compressed or not
 * (gzip needs fbkit built with zlib). Code points map to glyphs through the
 * font's Unicode table (the first glyph listed wins; multi-code-point
 * sequences are ignored), or, when it has none, code point N is glyph N.
 * Glyphs may be up to 64x128 pixels; files up to 16 MiB (after inflating).
 * Free it with fbk_font_destroy(). Errors: -ENOENT/-EACCES/-EISDIR
 * (opening), -EBADMSG (not a PSF font, truncated or corrupt, including
 * invalid UTF-8 in a PSF2 Unicode table), -EFBIG (absurd glyph size or
 * count, file too large), -ENOTSUP (gzip without zlib), -ENOMEM.
 */
FBK_API int fbk_font_load_psf(struct fbk_font **out, const char *path);

/** As fbk_font_load_psf, from memory (copied; the caller keeps `data`). */
FBK_API int fbk_font_load_psf_memory(struct fbk_font **out, const void *data, size_t size);

/**
 * Free a loaded font. Accepts NULL and the built-in font (then does
 * nothing), and takes a const pointer so that a program holding either
 * kind as `const struct fbk_font *` can release it without a cast.
 */
FBK_API void fbk_font_destroy(const struct fbk_font *font);

/** Glyph cell width and height in pixels (0 for NULL). */
FBK_API int32_t fbk_font_width(const struct fbk_font *font);
FBK_API int32_t fbk_font_height(const struct fbk_font *font);

/**
 * True when the font has a glyph of its own for the code point. When it
 * does not, text draws the font's U+FFFD glyph instead, or a box (the
 * cell's outline inset by one pixel) if it lacks that too.
 */
FBK_API bool fbk_font_has_glyph(const struct fbk_font *font, uint32_t codepoint);

/**
 * Draw UTF-8 text with its first cell's top-left corner at (x, y). '\n'
 * starts a new line at x; '\t' advances to the next multiple of 8 cells
 * (counted from x), and with `bg` the cells it skips are filled with *bg
 * like spaces. Set pixels take `fg`; with `bg` non-NULL every cell's
 * other pixels take *bg (translucent colours blend exactly as fbk_fill
 * blends). Invalid UTF-8 (overlong forms, surrogates, values past
 * U+10FFFF, cut sequences) draws one replacement glyph per bad byte.
 * Errors: -EINVAL (bad surface, NULL font or text), -ENOTSUP (unknown
 * surface format).
 */
FBK_API int fbk_text_draw(struct fbk_surface *dst, const struct fbk_font *font, int32_t x,
			  int32_t y, const char *utf8, struct fbk_color fg,
			  const struct fbk_color *bg);

/**
 * The size fbk_text_draw would cover: width of the longest line and height
 * of all lines, in pixels. "" is 0x0; a trailing '\n' starts one more
 * (empty) line, which counts. Either out-pointer may be NULL. Errors:
 * -EINVAL (NULL font or text), -EFBIG (the size does not fit int32_t).
 */
FBK_API int fbk_text_measure(const struct fbk_font *font, const char *utf8, int32_t *width,
			     int32_t *height);

#ifdef __cplusplus
}
#endif

#endif
