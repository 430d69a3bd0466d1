#include <errno.h>
#include "error.h"
#include "font.h"
int fbk_text_draw(struct fbk_surface *dst, const struct fbk_font *font, int32_t x, int32_t y, const char *utf8, struct fbk_color fg, const struct fbk_color *bg)
{ (void)dst; (void)font; (void)x; (void)y; (void)utf8; (void)fg; (void)bg; return fbk_fail(-ENOSYS, "not written yet"); }
int fbk_text_measure(const struct fbk_font *font, const char *utf8, int32_t *width, int32_t *height)
{ (void)font; (void)utf8; (void)width; (void)height; return fbk_fail(-ENOSYS, "not written yet"); }
