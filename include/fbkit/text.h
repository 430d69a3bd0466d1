/* fbkit: fonts (bitmap and, with FreeType, TrueType/OpenType) and text. */
#ifndef FBKIT_TEXT_H
#define FBKIT_TEXT_H

#include "fbkit/surface.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A font: fbkit's built-in 8x16, a PSF console font, or (built with
 * FreeType) a TrueType/OpenType face at one pixel size. Opaque. Every text
 * call takes any of them, so a program changes font by changing the line
 * that loads it.
 */
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

/** How outline glyphs are fitted to the pixel grid (fbk_font_load). */
enum fbk_hinting {
	/** The outlines as designed: the most faithful shapes, the softest stems. */
	FBK_HINTING_NONE,
	/** Vertical fitting only (FreeType's light mode): crisp baselines and x-heights. */
	FBK_HINTING_LIGHT,
	/** The font's own instructions, or FreeType's autohinter, in both directions. */
	FBK_HINTING_NORMAL,
};

/** The largest pixel size fbk_font_load accepts. */
#define FBK_FONT_MAX_PIXEL_SIZE 1024

/** How to open an outline font. Start from FBK_FONT_OPTIONS_INIT. */
struct fbk_font_options {
	size_t size;          /**< sizeof(struct fbk_font_options): lets the structure grow */
	int32_t pixel_size;   /**< em size in pixels, 1..FBK_FONT_MAX_PIXEL_SIZE (default 16) */
	uint32_t face_index;  /**< the face of a collection (.ttc, .otc); 0 for single fonts */
	enum fbk_hinting hinting; /**< default FBK_HINTING_LIGHT */
};

#define FBK_FONT_OPTIONS_INIT                                                         \
	{ .size = sizeof(struct fbk_font_options), .pixel_size = 16, .face_index = 0, \
	  .hinting = FBK_HINTING_LIGHT }

/**
 * Open a TrueType or OpenType font (.ttf, .otf, or one face of a .ttc/.otc
 * collection) at one pixel size, drawn with 256-level grayscale
 * anti-aliasing and quarter-pixel horizontal positioning. `options` may be
 * NULL (the defaults). The file is mapped read-only and private, never
 * read whole: if it shrinks while the font is open, drawing fails with
 * -EIO instead of the process dying of SIGBUS. Sizes are not clamped: a
 * pixel size below 1 or above FBK_FONT_MAX_PIXEL_SIZE is -EINVAL. Only
 * scalable faces load; bitmap-only faces (colour emoji, .pcf) are
 * -ENOTSUP (use PSF for bitmap fonts). Free it with fbk_font_destroy(),
 * in any order: a font destroyed while others list it as a fallback
 * leaves their lists, and they draw on as if it had never been listed.
 * Errors: -ENOENT/-EACCES/-EISDIR (opening), -EINVAL (options, or not a
 * regular file), -EBADMSG (not a font, truncated or corrupt, no such face
 * index), -ENOTSUP (built without FreeType: -Dfreetype=enabled; or a
 * bitmap-only face), -ENOMEM.
 */
FBK_API int fbk_font_load(struct fbk_font **out, const char *path,
			  const struct fbk_font_options *options);

/** As fbk_font_load, from memory (copied; the caller keeps `data`). */
FBK_API int fbk_font_load_memory(struct fbk_font **out, const void *data, size_t size,
				 const struct fbk_font_options *options);

/** True for a font loaded by fbk_font_load (an outline font). */
FBK_API bool fbk_font_is_outline(const struct fbk_font *font);

/**
 * Font fallback: the outline fonts to draw a character from, in order,
 * when `font` has no glyph for it. Each character takes its glyph from
 * the first of `font`, fallbacks[0], fallbacks[1] ... that has one (a
 * combining mark stays with the font of the character it marks when that
 * font has it), and text is shaped in runs of one font. The list is
 * copied; the fonts are not: destroying one of them takes it off the list.
 * count 0 clears the list. At most 16 fallbacks, and neither `font` nor
 * the fallbacks may be bitmap fonts. Errors: -EINVAL, -ENOTSUP (built
 * without FreeType), -ENOMEM.
 */
FBK_API int fbk_font_set_fallbacks(struct fbk_font *font, const struct fbk_font *const *fallbacks,
				   size_t count);

/**
 * The glyph cache of outline fonts: one per process, shared by every
 * outline font, holding rendered glyph masks keyed by font (face and
 * size), glyph and quarter-pixel horizontal offset, and dropping the
 * least recently drawn glyphs when its memory (masks plus bookkeeping)
 * passes the limit. The default limit is FBK_GLYPH_CACHE_DEFAULT bytes;
 * only a single glyph larger than the limit may exceed it, until the next
 * glyph is rendered. A font's glyphs leave the cache when it is destroyed.
 * Beside the glyphs it keeps texts as shaped and placed (labels are
 * redrawn every frame, and shaping costs as much as blending a small
 * glyph), keyed by font and the text's exact bytes, least recently drawn
 * dropped first past an eighth of the limit: so the cache's memory stays
 * under 9/8 of the limit. A whole text is the unit, so what the cache
 * gives is exactly what shaping it again would; a font's new fallbacks
 * drop the texts drawn with that font, and a font's destruction drops
 * the texts drawn with it or with a glyph of it as a fallback.
 *
 * Thread safety: every call with an outline font (drawing, measuring,
 * loading fallbacks, the cache calls) takes one process-wide lock, so
 * outline text may be drawn from several threads at once, one call at a
 * time. Bitmap fonts take no lock.
 */
#define FBK_GLYPH_CACHE_DEFAULT ((size_t)4 << 20)

/** Set the cache's limit in bytes (evicting at once); 0 keeps no glyph between calls. */
FBK_API void fbk_glyph_cache_set_limit(size_t bytes);
/** The cache's limit in bytes. */
FBK_API size_t fbk_glyph_cache_limit(void);
/** The memory the cache holds now (glyphs, shaped texts, tables), in bytes (0 without FreeType). */
FBK_API size_t fbk_glyph_cache_memory(void);
/** Drop every cached glyph and shaped text. */
FBK_API void fbk_glyph_cache_clear(void);

/**
 * Free a loaded font. Accepts NULL and the built-in font (then does
 * nothing), and takes a const pointer so that a program holding either
 * kind as `const struct fbk_font *` can release it without a cast.
 */
FBK_API void fbk_font_destroy(const struct fbk_font *font);

/**
 * Glyph cell width and height in pixels (0 for NULL). For an outline font:
 * the widest advance of its glyphs, and its line height.
 */
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
 *
 * With an outline font, (x, y) is the top-left of the first line's box:
 * its baseline lies `ascent` pixels below y (fbk_text_extents). Glyphs are
 * shaped (with HarfBuzz when built; see fbk_text_draw_baseline), blended
 * as colour × coverage like anti-aliased shapes, and each line's box
 * (advance × line height) takes *bg first. A tab advances to the next
 * multiple of 8 space advances from x. Errors also: -EIO (the font's file
 * shrank while open), -ENOMEM.
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

/**
 * As fbk_text_draw, with the first line's baseline at y instead of its
 * top. Bitmap fonts have no baseline in their files: fbkit puts it a
 * quarter of the cell height (rounded down) above the cell's bottom, the
 * baseline of the usual 8x16 console fonts.
 *
 * Shaping: built with HarfBuzz, each line is split into runs of one font
 * (fallback) and one script, and every run is shaped by HarfBuzz in its
 * script's direction: kerning, ligatures, mark positioning, Arabic
 * joining and Indic reordering as the font defines them, and right-to-left
 * runs drawn right to left. Runs themselves stay in logical order: a
 * paragraph mixing directions is not reordered (no bidi algorithm).
 * Without HarfBuzz, each code point is one glyph, placed left to right
 * with FreeType's kerning (the 'kern' table): Latin, Greek, Cyrillic and
 * CJK read correctly; Arabic and Indic scripts do not.
 */
FBK_API int fbk_text_draw_baseline(struct fbk_surface *dst, const struct fbk_font *font,
				   int32_t x, int32_t y, const char *utf8, struct fbk_color fg,
				   const struct fbk_color *bg);

/** What fbk_text_extents reports. Set `size` (FBK_TEXT_EXTENTS_INIT) before the call. */
struct fbk_text_extents {
	size_t size;          /**< sizeof(struct fbk_text_extents): lets the structure grow */
	int32_t width;        /**< as fbk_text_measure: the longest line's advance, rounded up */
	int32_t height;       /**< as fbk_text_measure: lines × line_height */
	int32_t ascent;       /**< baseline to the top of a line's box, pixels */
	int32_t descent;      /**< baseline to the bottom of a line's box, pixels */
	int32_t line_height;  /**< from one baseline to the next; ascent + descent or more */
	int32_t advance;      /**< the last line's advance in 1/64 pixel (where a next glyph would go) */
	/**
	 * The pixels fbk_text_draw at (0, 0) may change (without bg): x, y
	 * relative to the top-left; w = h = 0 when no glyph has ink. It may
	 * start left of 0 or reach past width: glyphs overhang their advance.
	 * For a bitmap font, the whole cells (0, 0, width, height).
	 */
	struct fbk_rect ink;
};

#define FBK_TEXT_EXTENTS_INIT { .size = sizeof(struct fbk_text_extents) }

/**
 * Measure text in detail (see struct fbk_text_extents); for an outline
 * font this renders the glyphs into the cache, as drawing would.
 * Errors: -EINVAL (NULL font, text or out; out->size too small), -EFBIG,
 * -EIO, -ENOMEM.
 */
FBK_API int fbk_text_extents(const struct fbk_font *font, const char *utf8,
			     struct fbk_text_extents *out);

/** Where lines sit within a box's width (fbk_text_draw_box). */
enum fbk_text_align {
	FBK_TEXT_ALIGN_LEFT,
	FBK_TEXT_ALIGN_CENTER, /**< left over pixels split, the odd one to the right */
	FBK_TEXT_ALIGN_RIGHT,
};

/** A box to lay text out in. Start from FBK_TEXT_BOX_INIT. */
struct fbk_text_box {
	size_t size;          /**< sizeof(struct fbk_text_box): lets the structure grow */
	/**
	 * Width in pixels: lines align within it, wrap at it and are
	 * ellipsized to it. 0: no width, lines align against the widest one
	 * and neither wrap nor ellipsize.
	 */
	int32_t width;
	/**
	 * Height in pixels: only the lines that fit wholly are drawn (none if
	 * not even one fits). 0: as many lines as there are.
	 */
	int32_t height;
	enum fbk_text_align align;
	/**
	 * Break lines that are wider than `width` after spaces (which the
	 * break eats), after hyphens, and between CJK ideographs (not before
	 * closing punctuation); a word wider than the width alone is broken
	 * between characters. '\n' always breaks.
	 */
	bool wrap;
	/**
	 * End a line with "…" (U+2026, or "..." when the font lacks it) where
	 * text is cut: a line too wide for `width` that does not wrap, and the
	 * last line drawn when `height` drops the ones after it.
	 */
	bool ellipsize;
	/** Extra pixels between lines, added to the font's line height (may be negative). */
	int32_t line_spacing;
};

#define FBK_TEXT_BOX_INIT                                                          \
	{ .size = sizeof(struct fbk_text_box), .width = 0, .height = 0,            \
	  .align = FBK_TEXT_ALIGN_LEFT, .wrap = true, .ellipsize = false, .line_spacing = 0 }

/**
 * Draw UTF-8 text laid out in a box whose top-left corner is (x, y):
 * lines broken at '\n' and (with wrap) to the width, aligned, cut and
 * ellipsized as `box` says, each drawn as fbk_text_draw would at its own
 * position, line_height + line_spacing below the one before. Works with
 * every font, bitmap and outline. Right-to-left lines are broken in
 * logical order (their first words stay on the first line). Errors: as
 * fbk_text_draw, and -EINVAL for a bad box (NULL, size too small, a
 * negative width or height, an unknown alignment).
 */
FBK_API int fbk_text_draw_box(struct fbk_surface *dst, const struct fbk_font *font, int32_t x,
			      int32_t y, const char *utf8, struct fbk_color fg,
			      const struct fbk_text_box *box);

/**
 * The layout fbk_text_draw_box would make: the widest line's width and
 * the height of the lines drawn (lines × line height + spacing between
 * them; when line_spacing is below -line height, each line sits above the
 * one before, and this is the height they cover), and how many lines.
 * Out-pointers may be NULL. Errors as
 * fbk_text_draw_box, -EFBIG.
 */
FBK_API int fbk_text_measure_box(const struct fbk_font *font, const char *utf8,
				 const struct fbk_text_box *box, int32_t *width, int32_t *height,
				 int32_t *lines);

#ifdef __cplusplus
}
#endif

#endif
