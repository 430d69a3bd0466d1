/* fbkit: pixel surfaces, the one thing every drawing call works on. */
#ifndef FBKIT_SURFACE_H
#define FBKIT_SURFACE_H

#include "fbkit/common.h"
#include "fbkit/format.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A plain descriptor of pixels in memory. It can wrap any memory (caller's,
 * a mapped framebuffer, a sub-rectangle of another surface); it owns the
 * memory only when fbk_surface_create() allocated it. Drawing is clipped to
 * `clip`, which always lies inside the surface.
 */
struct fbk_surface {
	void *pixels;
	int32_t width, height;
	size_t stride; /* bytes from one row to the next */
	uint32_t format; /* FBK_FORMAT_* fourcc */
	struct fbk_rect clip;
	void *owned_memory; /* freed by fbk_surface_destroy(); NULL when wrapping */
};

/** Largest width or height fbkit accepts for any surface. */
#define FBK_MAX_DIMENSION 32767

/**
 * Describe caller memory as a surface; nothing is allocated and the surface
 * does not own the pixels. The clip is set to the whole surface.
 * Errors: -EINVAL (NULL pixels, width/height < 1 or > FBK_MAX_DIMENSION,
 * stride smaller than width * bytes per pixel, or a byte size that
 * overflows), -ENOTSUP (unknown format).
 */
FBK_API int fbk_surface_init(struct fbk_surface *surface, void *pixels, int32_t width,
			     int32_t height, size_t stride, uint32_t format);

/**
 * Allocate a surface with zeroed pixels and the minimal stride rounded up to
 * 16 bytes, cache-line (64-byte) aligned. Pixels of a large surface (1 MiB
 * and up) are mapped from the kernel and become resident only as they are
 * drawn on. Free it with fbk_surface_destroy(). Errors as fbk_surface_init,
 * and -ENOMEM.
 */
FBK_API int fbk_surface_create(struct fbk_surface **out, int32_t width, int32_t height,
			       uint32_t format);

/** Free a surface from fbk_surface_create() and the memory it owns. Accepts NULL. */
FBK_API void fbk_surface_destroy(struct fbk_surface *surface);

/**
 * Make `sub` a view of the part of `parent` inside `rect` (in parent
 * coordinates), sharing its pixels: drawing at (0, 0) of sub draws at
 * (rect->x, rect->y) of parent. The rectangle is cut to the parent's
 * bounds; the sub's clip is the parent's clip cut the same way (it may be
 * empty). sub does not own memory. Errors: -EINVAL (NULL, or rect misses
 * the parent entirely).
 */
FBK_API int fbk_surface_sub(struct fbk_surface *sub, const struct fbk_surface *parent,
			    const struct fbk_rect *rect);

/** Set the clip to rect cut to the surface bounds; NULL resets it to the whole surface. */
FBK_API void fbk_surface_set_clip(struct fbk_surface *surface, const struct fbk_rect *rect);

/** Check that a descriptor is usable (what fbk_surface_init checks). 0 or -EINVAL/-ENOTSUP. */
FBK_API int fbk_surface_check(const struct fbk_surface *surface);

/**
 * Address of pixel (x, y); no bounds check. NULL when the surface's format
 * is not one fbkit knows (fbk_surface_check() says why), so a descriptor
 * with a bad format cannot make this read through a NULL format entry.
 */
static inline void *fbk_surface_pixel(const struct fbk_surface *s, int32_t x, int32_t y)
{
	const struct fbk_format_info *info = fbk_format_info(s->format);
	if (!info)
		return NULL;
	return (uint8_t *)s->pixels + (size_t)y * s->stride + (size_t)x * info->bytes_per_pixel;
}

#ifdef __cplusplus
}
#endif

#endif
