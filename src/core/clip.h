/* Internal: the area a primitive may touch. */
#ifndef FBK_CLIP_H
#define FBK_CLIP_H

#include "fbkit/surface.h"

/*
 * The surface's clip cut to its bounds: callers may have set `clip` by
 * hand, and a bad clip must never let a primitive write outside memory.
 */
static inline struct fbk_rect fbk_effective_clip(const struct fbk_surface *s)
{
	struct fbk_rect bounds = { 0, 0, s->width, s->height }, clip;
	fbk_rect_intersect(&bounds, &s->clip, &clip);
	return clip;
}

#endif
