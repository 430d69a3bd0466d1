/*
 * Internal: the interface every display backend implements. A backend's
 * display struct embeds struct fbk_display as its first member; drawing
 * code only ever sees the surface.
 */
#ifndef FBK_BACKEND_H
#define FBK_BACKEND_H

#include "fbkit/display.h"
#include "spec.h"

struct fbk_display_ops {
	/* rects are already cut to the surface and non-empty; n >= 1 */
	int (*present)(struct fbk_display *display, const struct fbk_rect *rects, size_t n);
	void (*close)(struct fbk_display *display);
};

struct fbk_display {
	const struct fbk_display_ops *ops;
	const char *backend_name;
	struct fbk_surface surface;
};

struct fbk_backend {
	const char *name;
	/* NULL while the backend is not built into this fbkit */
	int (*open)(struct fbk_display **out, const struct fbk_spec *spec);
	const char *missing_reason;
};

int fbk_offscreen_open(struct fbk_display **out, const struct fbk_spec *spec);

#endif
