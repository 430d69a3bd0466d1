/*
 * The core layer: surface descriptors (this file: validation, allocation,
 * sub-surfaces and clipping), the one format table (format_list.h and
 * format.c), errors and the logger (error.h, log.c), overflow-checked size
 * arithmetic (overflow.h) and the version. It calls nothing of fbkit's but
 * itself and the C library; every other layer may call it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/error.h"
#include "fbkit/surface.h"
#include "core/overflow.h"

#define SURFACE_ALIGN 64 /* bytes: a cache line */
/*
 * From this size on, pixels come from an anonymous mapping: the kernel
 * hands out zero pages as they are first touched, so a large surface the
 * program only partly draws on costs only what it draws (a 32767x32767
 * XRGB8888 surface otherwise faults in 4 GiB in memset before any
 * drawing). Below it, memset is cheap and a syscall per surface is not.
 */
#define LAZY_BYTES ((size_t)1 << 20)

/*
 * What fbk_surface_create allocates: the descriptor the caller sees, then
 * how its pixels were obtained. Destroy reads the size here, never from
 * the caller-writable width, height or stride.
 */
struct owned_surface {
	struct fbk_surface surface; /* first: destroy casts back */
	size_t map_size;            /* munmap this many bytes; 0: free() */
};

int fbk_rect_intersect(const struct fbk_rect *a, const struct fbk_rect *b, struct fbk_rect *out)
{
	if (!a || !b || !out) {
		if (out)
			*out = (struct fbk_rect){ 0, 0, 0, 0 };
		return 0;
	}
	/* 64-bit edges: x + w may not fit in int32. */
	int64_t x0 = a->x > b->x ? a->x : b->x;
	int64_t y0 = a->y > b->y ? a->y : b->y;
	int64_t ax1 = (int64_t)a->x + a->w, bx1 = (int64_t)b->x + b->w;
	int64_t ay1 = (int64_t)a->y + a->h, by1 = (int64_t)b->y + b->h;
	int64_t x1 = ax1 < bx1 ? ax1 : bx1;
	int64_t y1 = ay1 < by1 ? ay1 : by1;
	if (a->w <= 0 || a->h <= 0 || b->w <= 0 || b->h <= 0 || x1 <= x0 || y1 <= y0) {
		*out = (struct fbk_rect){ 0, 0, 0, 0 };
		return 0;
	}
	*out = (struct fbk_rect){ (int32_t)x0, (int32_t)y0, (int32_t)(x1 - x0), (int32_t)(y1 - y0) };
	return 1;
}

static int check_geometry(const void *pixels, int32_t width, int32_t height, size_t stride,
			  uint32_t format)
{
	const struct fbk_format_info *info = fbk_format_info(format);
	if (!info)
		return fbk_fail(-ENOTSUP, "unsupported pixel format 0x%08x", (unsigned)format);
	if (!pixels)
		return fbk_fail(-EINVAL, "surface has no pixels (NULL)");
	if (width < 1 || height < 1 || width > FBK_MAX_DIMENSION || height > FBK_MAX_DIMENSION)
		return fbk_fail(-EINVAL, "surface size %dx%d is outside 1x1..%dx%d", (int)width,
				(int)height, FBK_MAX_DIMENSION, FBK_MAX_DIMENSION);
	size_t row_bytes = (size_t)width * info->bytes_per_pixel;
	if (stride < row_bytes)
		return fbk_fail(-EINVAL, "stride %zu is less than %d pixels of %s (%zu bytes)",
				stride, (int)width, info->long_name, row_bytes);
	size_t total;
	if (fbk_mul_overflows((size_t)height - 1, stride, &total) ||
	    fbk_add_overflows(total, row_bytes, &total))
		return fbk_fail(-EFBIG, "surface of %d rows with stride %zu overflows memory size",
				(int)height, stride);
	return 0;
}

int fbk_surface_check(const struct fbk_surface *s)
{
	if (!s)
		return fbk_fail(-EINVAL, "surface is NULL");
	return check_geometry(s->pixels, s->width, s->height, s->stride, s->format);
}

int fbk_surface_init(struct fbk_surface *s, void *pixels, int32_t width, int32_t height,
		     size_t stride, uint32_t format)
{
	if (!s)
		return fbk_fail(-EINVAL, "surface is NULL");
	int err = check_geometry(pixels, width, height, stride, format);
	if (err)
		return err;
	*s = (struct fbk_surface){
		.pixels = pixels,
		.width = width,
		.height = height,
		.stride = stride,
		.format = format,
		.clip = { 0, 0, width, height },
	};
	return 0;
}

int fbk_surface_create(struct fbk_surface **out, int32_t width, int32_t height, uint32_t format)
{
	if (!out)
		return fbk_fail(-EINVAL, "output pointer is NULL");
	*out = NULL;
	const struct fbk_format_info *info = fbk_format_info(format);
	if (!info)
		return fbk_fail(-ENOTSUP, "unsupported pixel format 0x%08x", (unsigned)format);
	if (width < 1 || height < 1 || width > FBK_MAX_DIMENSION || height > FBK_MAX_DIMENSION)
		return fbk_fail(-EINVAL, "surface size %dx%d is outside 1x1..%dx%d", (int)width,
				(int)height, FBK_MAX_DIMENSION, FBK_MAX_DIMENSION);
	size_t stride = ((size_t)width * info->bytes_per_pixel + 15) & ~(size_t)15;
	size_t bytes;
	if (fbk_mul_overflows(stride, (size_t)height, &bytes))
		return fbk_fail(-EFBIG, "surface %dx%d is too large", (int)width, (int)height);

	/*
	 * Cache-line aligned: malloc's 16-byte alignment makes every other
	 * 32-byte vector store straddle two lines (measured: glyph-sized
	 * fills scattered over a 1080p surface ran 15-20% slower than
	 * pixman's 16-byte stores on the same memory). Mappings are page
	 * aligned, which is more.
	 */
	size_t allocated;
	if (fbk_add_overflows(bytes, SURFACE_ALIGN - 1, &allocated))
		return fbk_fail(-EFBIG, "surface %dx%d is too large", (int)width, (int)height);
	allocated -= allocated % SURFACE_ALIGN; /* aligned_alloc wants a multiple */
	struct owned_surface *owner = malloc(sizeof(*owner));
	if (!owner)
		goto out_of_memory;
	void *pixels;
	if (allocated >= LAZY_BYTES) {
		pixels = mmap(NULL, allocated, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			      -1, 0);
		if (pixels == MAP_FAILED)
			goto fail_owner;
		owner->map_size = allocated;
	} else {
		pixels = aligned_alloc(SURFACE_ALIGN, allocated);
		if (!pixels)
			goto fail_owner;
		memset(pixels, 0, allocated);
		owner->map_size = 0;
	}
	struct fbk_surface *s = &owner->surface;
	fbk_surface_init(s, pixels, width, height, stride, format);
	s->owned_memory = pixels;
	*out = s;
	return 0;

fail_owner:
	free(owner);
out_of_memory:
	return fbk_fail(-ENOMEM, "out of memory for a %dx%d surface (%zu bytes)", (int)width,
			(int)height, bytes);
}

void fbk_surface_destroy(struct fbk_surface *s)
{
	if (!s)
		return;
	struct owned_surface *owner = (struct owned_surface *)s;
	if (owner->map_size)
		munmap(s->owned_memory, owner->map_size);
	else
		free(s->owned_memory);
	free(owner);
}

int fbk_surface_sub(struct fbk_surface *sub, const struct fbk_surface *parent,
		    const struct fbk_rect *rect)
{
	if (!sub || !rect)
		return fbk_fail(-EINVAL, "sub-surface or rectangle is NULL");
	if (sub == parent && parent->owned_memory)
		return fbk_fail(-EINVAL, "a surface that owns its memory cannot become its own "
					 "sub-surface: the memory would be lost");
	int err = fbk_surface_check(parent);
	if (err)
		return err;
	struct fbk_rect bounds = { 0, 0, parent->width, parent->height }, area;
	if (!fbk_rect_intersect(&bounds, rect, &area))
		return fbk_fail(-EINVAL, "sub-surface %dx%d+%d+%d lies outside the %dx%d surface",
				(int)rect->w, (int)rect->h, (int)rect->x, (int)rect->y,
				(int)parent->width, (int)parent->height);
	struct fbk_rect clip;
	if (fbk_rect_intersect(&parent->clip, &area, &clip)) {
		clip.x -= area.x;
		clip.y -= area.y;
	}
	/* Built aside first: sub may be the same descriptor as parent. */
	struct fbk_surface view = *parent;
	view.pixels = fbk_surface_pixel(parent, area.x, area.y);
	view.width = area.w;
	view.height = area.h;
	view.owned_memory = NULL;
	view.clip = clip;
	*sub = view;
	return 0;
}

void fbk_surface_set_clip(struct fbk_surface *s, const struct fbk_rect *rect)
{
	if (!s)
		return;
	struct fbk_rect bounds = { 0, 0, s->width, s->height };
	if (!rect)
		s->clip = bounds;
	else
		fbk_rect_intersect(&bounds, rect, &s->clip);
}
