/*
 * The back buffer and the present sequence every backend shares (see
 * present.h): the backends keep only what their device needs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "backend/backend.h"
#include "backend/cursor.h"
#include "backend/present.h"
#include "core/error.h"
#include "core/overflow.h"
#include "pixel/pixel.h"
#include "pixel/rotate.h"
#include "platform/console.h"

#define STRIDE_ALIGN 16 /* as fbk_surface_create pads rows */

void fbk_copy_rect(uint8_t *to, size_t to_stride, const uint8_t *from, size_t from_stride,
		   const struct fbk_rect *r, size_t bytes_per_pixel)
{
	size_t bytes = (size_t)r->w * bytes_per_pixel;
	to += (size_t)r->y * to_stride + (size_t)r->x * bytes_per_pixel;
	from += (size_t)r->y * from_stride + (size_t)r->x * bytes_per_pixel;
	/*
	 * Rows that fill both strides (a full-width band, no padding) are one
	 * block: one memcpy of a whole frame lets the C library pick its
	 * large-copy method, which a call per row never reaches.
	 */
	if (bytes == to_stride && bytes == from_stride) {
		memcpy(to, from, bytes * (size_t)r->h);
		return;
	}
	for (int32_t y = 0; y < r->h; y++, to += to_stride, from += from_stride)
		memcpy(to, from, bytes);
}

void fbk_rotated_size(int rotation, int32_t *w, int32_t *h)
{
	if (rotation == 90 || rotation == 270) {
		int32_t t = *w;
		*w = *h;
		*h = t;
	}
}

struct fbk_rect fbk_rect_rotated(const struct fbk_rect *r, int32_t w, int32_t h, int rotation)
{
	switch (rotation) {
	case 90:
		return (struct fbk_rect){ h - r->y - r->h, r->x, r->h, r->w };
	case 180:
		return (struct fbk_rect){ w - r->x - r->w, h - r->y - r->h, r->w, r->h };
	case 270:
		return (struct fbk_rect){ r->y, w - r->x - r->w, r->h, r->w };
	default:
		return *r;
	}
}

void fbk_present_copy(uint8_t *to, size_t to_stride, const struct fbk_surface *from,
		      int rotation, const struct fbk_rect *rects, size_t n)
{
	size_t bytes_per_pixel = fbk_format_info(from->format)->bytes_per_pixel;
	if (!rotation) {
		for (size_t i = 0; i < n; i++)
			fbk_copy_rect(to, to_stride, from->pixels, from->stride, &rects[i],
				      bytes_per_pixel);
		return;
	}
	fbk_rotate_fn rotate = fbk_rotate_ops()->rotate;
	for (size_t i = 0; i < n; i++) {
		const struct fbk_rect *r = &rects[i];
		struct fbk_rect d = fbk_rect_rotated(r, from->width, from->height, rotation);
		rotate(to + (size_t)d.y * to_stride + (size_t)d.x * bytes_per_pixel, to_stride,
		       (const uint8_t *)from->pixels + (size_t)r->y * from->stride +
			       (size_t)r->x * bytes_per_pixel,
		       from->stride, r->w, r->h, (int)bytes_per_pixel, rotation);
	}
}

/* Copy rectangle r of a w x h picture, whose pixel (r->x, r->y) is at `from`, to the screen. */
static void show_block(uint8_t *to, size_t to_stride, const uint8_t *from, size_t from_stride,
		       const struct fbk_rect *r, int32_t w, int32_t h, int rotation, size_t bpp)
{
	struct fbk_rect d = fbk_rect_rotated(r, w, h, rotation);
	to += (size_t)d.y * to_stride + (size_t)d.x * bpp;
	if (!rotation) {
		for (int32_t y = 0; y < r->h; y++, to += to_stride, from += from_stride)
			memcpy(to, from, (size_t)r->w * bpp);
		return;
	}
	fbk_rotate_ops()->rotate(to, to_stride, from, from_stride, r->w, r->h, (int)bpp, rotation);
}

/* Write what of rects falls in `at` from buf, which holds the picture's rectangle `place`. */
static void show_overlay(const struct fbk_display *display, uint8_t *to, size_t to_stride,
			 const struct fbk_rect *rects, size_t n, const struct fbk_rect *at,
			 const struct fbk_rect *place, const uint8_t *buf, size_t buf_stride)
{
	const struct fbk_surface *g = &display->geometry;
	size_t bpp = fbk_format_info(g->format)->bytes_per_pixel;
	for (size_t i = 0; i < n; i++) {
		struct fbk_rect part;
		if (!fbk_rect_intersect(&rects[i], at, &part))
			continue;
		const uint8_t *from = buf + (size_t)(part.y - place->y) * buf_stride +
				      (size_t)(part.x - place->x) * bpp;
		show_block(to, to_stride, from, buf_stride, &part, g->width, g->height,
			   display->rotation, bpp);
	}
}

void fbk_present_show(const struct fbk_display *display, uint8_t *to, size_t to_stride,
		      const struct fbk_rect *rects, size_t n)
{
	const struct fbk_cursor *c = display->cursor;
	bool sprite = c && c->mode == FBK_CURSOR_SOFTWARE;
	if (!sprite || !c->moving)
		fbk_present_copy(to, to_stride, &display->geometry, display->rotation, rects, n);
	if (!sprite)
		return;
	if (c->moving)
		display->cursor->move_shown = true;
	/* The old place first: where the two meet, the sprite wins. */
	if (c->moving)
		show_overlay(display, to, to_stride, rects, n, &c->restore_at, &c->restore_place,
			     c->restore, c->stride);
	show_overlay(display, to, to_stride, rects, n, &c->at, &c->place, c->sprite, c->stride);
}

void fbk_present_not_shown(const struct fbk_display *display)
{
	if (display->cursor)
		display->cursor->move_shown = false;
}

int fbk_back_stride(int32_t width, uint32_t format, size_t *stride)
{
	const struct fbk_format_info *info = fbk_format_info(format);
	/* Cannot overflow a 64-bit size_t (width <= FBK_MAX_DIMENSION); a 32-bit one can. */
	if (fbk_mul_overflows((size_t)width, info->bytes_per_pixel, stride) ||
	    fbk_add_overflows(*stride, STRIDE_ALIGN - 1, stride))
		return fbk_fail(-EFBIG, "a %d pixel wide %s row does not fit in memory", (int)width,
				info->name);
	*stride -= *stride % STRIDE_ALIGN;
	return 0;
}

int fbk_back_create(struct fbk_back *back, struct fbk_surface *s)
{
	size_t stride, size;
	int err = fbk_back_stride(s->width, s->format, &stride);
	if (err)
		return err;
	if (fbk_mul_overflows(stride, (size_t)s->height, &size))
		return fbk_fail(-EFBIG, "a %dx%d back buffer does not fit in memory", (int)s->width,
				(int)s->height);
	void *pixels = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pixels == MAP_FAILED)
		return fbk_fail(-ENOMEM, "no memory for a %zu-byte back buffer: %s", size,
				fbk_errstr(errno));
	back->pixels = pixels;
	back->size = size;
	s->pixels = pixels;
	s->stride = stride;
	s->clip = (struct fbk_rect){ 0, 0, s->width, s->height };
	return 0;
}

void fbk_back_destroy(struct fbk_back *back)
{
	if (back->pixels)
		munmap(back->pixels, back->size);
	back->pixels = NULL;
	back->size = 0;
}

void fbk_present_init(struct fbk_present *p, struct fbk_console *console, bool stale)
{
	p->console = console;
	p->repainted = p->reported = console ? fbk_console_lost_count(console) : 0;
	p->stale = stale;
}

bool fbk_present_begin(struct fbk_present *p, struct fbk_frame *frame,
		       const struct fbk_display *display, const struct fbk_rect *rects, size_t n)
{
	/* Switched away: the back buffer keeps the picture for when the VT comes back. */
	if (p->console && !fbk_console_begin_access(p->console))
		return false;
	frame->count = p->console ? fbk_console_lost_count(p->console) : 0;
	frame->lost = frame->count != p->repainted;
	frame->all = (struct fbk_rect){ 0, 0, display->geometry.width, display->geometry.height };
	frame->rects = rects;
	frame->n = n;
	bool full = frame->lost || p->stale;
	if (full) {
		frame->rects = &frame->all;
		frame->n = 1;
	}
	frame->cursor = NULL;
	frame->from = &display->geometry;
	fbk_present_frame_cursor(frame, display);
	return true;
}

void fbk_present_frame_cursor(struct fbk_frame *frame, const struct fbk_display *display)
{
	bool full = frame->rects == &frame->all;
	if (display->cursor && display->cursor->mode == FBK_CURSOR_SOFTWARE &&
	    fbk_cursor_frame(display->cursor, &display->geometry, frame->rects, frame->n, full))
		frame->cursor = display->cursor;
}

int fbk_present_end(struct fbk_present *p, const struct fbk_frame *frame, int err)
{
	if (!err) {
		p->repainted = frame->count;
		p->stale = false;
		if (frame->cursor)
			fbk_cursor_presented(frame->cursor, frame->from, frame->rects, frame->n);
	}
	if (p->console)
		fbk_console_end_access(p->console);
	return err;
}

/* Rows of the picture turned back from the panel per step of a rotated read in another format. */
#define READ_STRIP_ROWS 16

/*
 * A rotated screen read into dst of another format: a strip of the
 * picture's rows at a time turned back into `strip` (the screen's
 * format), then converted row by row.
 */
static void read_rotated(const struct fbk_surface *screen, int rotation,
			 const struct fbk_surface *dst, uint8_t *strip, size_t strip_stride)
{
	const struct fbk_row_codec *from = fbk_row_codec(screen->format);
	const struct fbk_row_codec *to = fbk_row_codec(dst->format);
	size_t from_bpp = fbk_format_info(screen->format)->bytes_per_pixel;
	size_t to_bpp = fbk_format_info(dst->format)->bytes_per_pixel;
	int back = (360 - rotation) % 360;
	fbk_rotate_fn rotate = fbk_rotate_ops()->rotate;
	uint32_t argb[FBK_ROW_CHUNK];
	for (int32_t y0 = 0; y0 < dst->height; y0 += READ_STRIP_ROWS) {
		int32_t rows = dst->height - y0 < READ_STRIP_ROWS ? dst->height - y0
								   : READ_STRIP_ROWS;
		struct fbk_rect part = { 0, y0, dst->width, rows };
		struct fbk_rect on_screen = fbk_rect_rotated(&part, dst->width, dst->height,
							     rotation);
		rotate(strip, strip_stride,
		       (const uint8_t *)screen->pixels + (size_t)on_screen.y * screen->stride +
			       (size_t)on_screen.x * from_bpp,
		       screen->stride, on_screen.w, on_screen.h, (int)from_bpp, back);
		for (int32_t y = 0; y < rows; y++) {
			const uint8_t *src = strip + (size_t)y * strip_stride;
			uint8_t *out = (uint8_t *)dst->pixels + (size_t)(y0 + y) * dst->stride;
			for (int32_t x = 0; x < dst->width; x += FBK_ROW_CHUNK) {
				int32_t n = dst->width - x < FBK_ROW_CHUNK ? dst->width - x
									   : FBK_ROW_CHUNK;
				from->unpack(argb, src + (size_t)x * from_bpp, n);
				to->pack(out + (size_t)x * to_bpp, argb, n);
			}
		}
	}
}

int fbk_present_read(struct fbk_present *p, const struct fbk_surface *screen, int rotation,
		     struct fbk_surface *dst)
{
	uint8_t *strip = NULL;
	size_t strip_stride = 0;
	if (rotation && screen->format != dst->format) {
		/* dst->width <= FBK_MAX_DIMENSION: no product here can overflow. */
		strip_stride = (size_t)dst->width * fbk_format_info(screen->format)->bytes_per_pixel;
		strip = malloc(strip_stride * READ_STRIP_ROWS);
		if (!strip)
			return fbk_fail(-ENOMEM, "out of memory for reading the screen back");
	}
	if (p->console && !fbk_console_begin_access(p->console)) {
		free(strip);
		return fbk_fail(-EAGAIN, "the screen is switched away to another VT: what it "
				"shows is not this program's; read it after it comes back");
	}
	if (rotation) {
		if (strip)
			read_rotated(screen, rotation, dst, strip, strip_stride);
		else
			fbk_rotate_ops()->rotate(dst->pixels, dst->stride, screen->pixels,
						 screen->stride, screen->width, screen->height,
						 (int)fbk_format_info(screen->format)->bytes_per_pixel,
						 (360 - rotation) % 360);
		if (p->console)
			fbk_console_end_access(p->console);
		free(strip);
		return 0;
	}
	const struct fbk_row_codec *from = fbk_row_codec(screen->format);
	const struct fbk_row_codec *to = fbk_row_codec(dst->format);
	size_t from_bpp = fbk_format_info(screen->format)->bytes_per_pixel;
	size_t to_bpp = fbk_format_info(dst->format)->bytes_per_pixel;
	uint32_t argb[FBK_ROW_CHUNK];
	for (int32_t y = 0; y < screen->height; y++) {
		const uint8_t *src = (const uint8_t *)screen->pixels + (size_t)y * screen->stride;
		uint8_t *out = (uint8_t *)dst->pixels + (size_t)y * dst->stride;
		if (screen->format == dst->format) {
			memcpy(out, src, (size_t)screen->width * from_bpp);
			continue;
		}
		for (int32_t x = 0; x < screen->width; x += FBK_ROW_CHUNK) {
			int32_t n = screen->width - x < FBK_ROW_CHUNK ? screen->width - x
								       : FBK_ROW_CHUNK;
			from->unpack(argb, src + (size_t)x * from_bpp, n);
			to->pack(out + (size_t)x * to_bpp, argb, n);
		}
	}
	if (p->console)
		fbk_console_end_access(p->console);
	return 0;
}

int fbk_present_read_rect(struct fbk_present *p, const struct fbk_surface *screen, int rotation,
			  const struct fbk_rect *r, uint8_t *dst, size_t dst_stride)
{
	if (p->console && !fbk_console_begin_access(p->console))
		return -EAGAIN;
	int32_t w = screen->width, h = screen->height; /* the picture's size */
	fbk_rotated_size(rotation, &w, &h);
	struct fbk_rect on_panel = fbk_rect_rotated(r, w, h, rotation);
	size_t bpp = fbk_format_info(screen->format)->bytes_per_pixel;
	const uint8_t *from = (const uint8_t *)screen->pixels + (size_t)on_panel.y * screen->stride +
			      (size_t)on_panel.x * bpp;
	if (rotation)
		fbk_rotate_ops()->rotate(dst, dst_stride, from, screen->stride, on_panel.w,
					 on_panel.h, (int)bpp, (360 - rotation) % 360);
	else
		for (int32_t y = 0; y < r->h; y++)
			memcpy(dst + (size_t)y * dst_stride, from + (size_t)y * screen->stride,
			       (size_t)r->w * bpp);
	if (p->console)
		fbk_console_end_access(p->console);
	return 0;
}

bool fbk_present_needs_redraw(struct fbk_present *p)
{
	unsigned lost = p->console ? fbk_console_lost_count(p->console) : 0;
	if (lost == p->reported)
		return false;
	p->reported = lost;
	return true;
}
