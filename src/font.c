#include <errno.h>
#include "error.h"
#include "font.h"
uint32_t fbk_font_glyph(const struct fbk_font *font, uint32_t codepoint) { (void)font; (void)codepoint; return FBK_NO_GLYPH; }
const struct fbk_font *fbk_font_builtin(void) { return &fbk_builtin_font; }
void fbk_font_destroy(struct fbk_font *font) { (void)font; }
int32_t fbk_font_width(const struct fbk_font *font) { return font->width; }
int32_t fbk_font_height(const struct fbk_font *font) { return font->height; }
bool fbk_font_has_glyph(const struct fbk_font *font, uint32_t cp) { return fbk_font_glyph(font, cp) != FBK_NO_GLYPH; }
