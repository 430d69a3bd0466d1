#include <errno.h>
#include "error.h"
#include "fbkit/draw.h"
int fbk_fill(struct fbk_surface *dst, const struct fbk_rect *rect, struct fbk_color color)
{ (void)dst; (void)rect; (void)color; return fbk_fail(-ENOSYS, "not written yet"); }
