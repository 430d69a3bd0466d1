#include <errno.h>
#include "error.h"
#include "fbkit/draw.h"
int fbk_blit(struct fbk_surface *dst, int32_t x, int32_t y, const struct fbk_surface *src,
	     const struct fbk_rect *src_rect, enum fbk_op op, uint8_t opacity)
{ (void)dst; (void)x; (void)y; (void)src; (void)src_rect; (void)op; (void)opacity; return fbk_fail(-ENOSYS, "not written yet"); }
