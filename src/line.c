#include <errno.h>
#include "error.h"
#include "fbkit/draw.h"
int fbk_line(struct fbk_surface *dst, int32_t x0, int32_t y0, int32_t x1, int32_t y1, struct fbk_color color)
{ (void)dst; (void)x0; (void)y0; (void)x1; (void)y1; (void)color; return fbk_fail(-ENOSYS, "not written yet"); }
int fbk_rect_outline(struct fbk_surface *dst, const struct fbk_rect *rect, struct fbk_color color)
{ (void)dst; (void)rect; (void)color; return fbk_fail(-ENOSYS, "not written yet"); }
