/*
 * Outline fonts in a build without FreeType: nothing can load one, so the
 * functions that take one are never reached; the public calls say which
 * build option is missing.
 */
#include <errno.h>

#include "core/error.h"
#include "text/font.h"
#include "text/outline.h"

#define NO_FREETYPE "outline fonts need fbkit built with FreeType (-Dfreetype=enabled)"

int fbk_font_load(struct fbk_font **out, const char *path, const struct fbk_font_options *options)
{
	if (out)
		*out = NULL;
	return fbk_fail(-ENOTSUP, "%s: %s", path ? path : "(null)", NO_FREETYPE);
}

int fbk_font_load_memory(struct fbk_font **out, const void *data, size_t size,
			 const struct fbk_font_options *options)
{
	if (out)
		*out = NULL;
	return fbk_fail(-ENOTSUP, NO_FREETYPE);
}

int fbk_font_set_fallbacks(struct fbk_font *font, const struct fbk_font *const *fallbacks,
			   size_t count)
{
	return fbk_fail(-ENOTSUP, NO_FREETYPE);
}

void fbk_glyph_cache_set_limit(size_t bytes)
{
}

size_t fbk_glyph_cache_limit(void)
{
	return FBK_GLYPH_CACHE_DEFAULT;
}

size_t fbk_glyph_cache_memory(void)
{
	return 0;
}

void fbk_glyph_cache_clear(void)
{
}

void fbk_outline_destroy(const struct fbk_font *font)
{
}

bool fbk_outline_has_glyph(const struct fbk_font *font, uint32_t codepoint)
{
	return false;
}

int fbk_outline_draw(struct fbk_surface *dst, const struct fbk_font *font, int32_t x, int32_t y,
		     bool top, const char *utf8, struct fbk_color fg, const struct fbk_color *bg)
{
	return fbk_fail(-ENOTSUP, NO_FREETYPE);
}

int fbk_outline_extents(const struct fbk_font *font, const char *utf8,
			struct fbk_text_extents *out)
{
	return fbk_fail(-ENOTSUP, NO_FREETYPE);
}

bool fbk_outline_cached(const struct fbk_font *font, uint32_t id, uint32_t subpixel)
{
	return false;
}

size_t fbk_outline_shaped_memory(void)
{
	return 0;
}

int fbk_outline_width(const struct fbk_font *font, const char *utf8, int64_t *advance)
{
	return fbk_fail(-ENOTSUP, NO_FREETYPE);
}

size_t fbk_outline_glyphs(const struct fbk_font *font, const char *utf8, uint32_t *ids,
			  int64_t *x, int64_t *y, size_t max)
{
	return 0;
}

size_t fbk_outline_shaped_glyphs(const struct fbk_font *font, const char *utf8, uint32_t *ids,
				 int64_t *x, int64_t *y, size_t max)
{
	return 0;
}

bool fbk_outline_shaped_cached(const struct fbk_font *font, const char *utf8)
{
	return false;
}

uint64_t fbk_outline_lookups(void)
{
	return 0;
}

uint64_t fbk_outline_placings(void)
{
	return 0;
}
