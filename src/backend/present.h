/*
 * Internal: what every backend does between the application's surface and
 * the screen, written once.
 *
 * The application draws into a back buffer in system memory (fbk_back_*):
 * device memory is slow to read, blending reads the destination, and only
 * what present names may reach the screen. Present copies the rectangles
 * it is given (already cut to the screen) to the screen's memory with
 * fbk_present_copy.
 *
 * fbk_present_begin/end frame one present on a screen the console can
 * take away (a VT switch, the console shown after a signal): while it is
 * away nothing is touched and the back buffer keeps the picture; the first
 * present after it came back (and the first of all, where the screen did
 * not start out showing the back buffer) repaints the whole screen, after
 * the backend has set its device up again. What differs per device (fsync,
 * msync, page flips, DirtyFB, the swap chain's catch-up) stays in the
 * backend, between the two calls.
 */
#ifndef FBK_PRESENT_H
#define FBK_PRESENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fbkit/surface.h"

struct fbk_console;
struct fbk_cursor;
struct fbk_display;

/*
 * Copy rectangle r (already inside both buffers) between two buffers of the
 * same format and size but their own strides.
 */
void fbk_copy_rect(uint8_t *to, size_t to_stride, const uint8_t *from, size_t from_stride,
		   const struct fbk_rect *r, size_t bytes_per_pixel);

/*
 * Rotated displays (rotate=, fbk_display_rotation): the application's
 * surface and every rectangle it presents are in the picture's
 * orientation, the screen's memory in the panel's. Present turns each
 * rectangle as it copies it (src/pixel/rotate.h); the backends' own
 * bookkeeping (the swap chain's lag, DirtyFB clips, msync'd rows) turns
 * rectangles with fbk_rect_rotated where it meets the device.
 */

/* The panel's size for a picture of w x h turned `rotation` degrees (90 and 270 swap them). */
void fbk_rotated_size(int rotation, int32_t *w, int32_t *h);

/*
 * Where rectangle r of a w x h picture lands on the panel when the picture
 * is turned `rotation` degrees clockwise (the mapping of
 * fbk_display_rotation()).
 */
struct fbk_rect fbk_rect_rotated(const struct fbk_rect *r, int32_t w, int32_t h, int rotation);

/*
 * Copy rects (n of them, inside `from`) from `from` to the screen's
 * memory at `to`: of its size and format when rotation is 0, else of the
 * size fbk_rotated_size gives, each rectangle turned to where
 * fbk_rect_rotated puts it.
 */
void fbk_present_copy(uint8_t *to, size_t to_stride, const struct fbk_surface *from,
		      int rotation, const struct fbk_rect *rects, size_t n);

/*
 * What a backend's present writes to the screen's memory at `to` for
 * rects (of display->geometry): fbk_present_copy from the surface, with
 * the software cursor (backend/cursor.h) over it, or during a cursor
 * move only the cursor's old and new rectangles, from its buffers.
 * Marks the move shown (cursor.h: move_shown).
 */
void fbk_present_show(const struct fbk_display *display, uint8_t *to, size_t to_stride,
		      const struct fbk_rect *rects, size_t n);

/*
 * What fbk_present_show wrote will not be shown after all (a page flip
 * refused): a cursor move then knows the screen still shows its old place.
 */
void fbk_present_not_shown(const struct fbk_display *display);

/*
 * The stride of a back buffer `width` pixels of `format` wide: rows padded
 * as fbk_surface_create pads them, so drawing code meets a stride wider
 * than the pixels here too, as it will on real framebuffers. -EFBIG (with
 * a message) when it does not fit in a size_t.
 */
int fbk_back_stride(int32_t width, uint32_t format, size_t *stride);

struct fbk_back {
	void *pixels; /* NULL when there is none */
	size_t size;
};

/*
 * Map a back buffer for `s` (width, height and format set), zeroed, so
 * the first picture starts black, and point s at it: pixels, stride, and
 * a clip of all of it. Anonymous pages: only the pages drawn on cost
 * memory. -EFBIG when it cannot be addressed, -ENOMEM; nothing is held
 * then.
 */
int fbk_back_create(struct fbk_back *back, struct fbk_surface *s);

/* Unmap; a back that was never made (zeroed) is left alone. */
void fbk_back_destroy(struct fbk_back *back);

struct fbk_present {
	struct fbk_console *console; /* NULL: the screen is always ours */
	unsigned repainted; /* console lost count the screen was last repainted for */
	unsigned reported;  /* lost count fbk_present_needs_redraw last reported */
	bool stale;         /* the screen shows something other than the back buffer */
};

/* One present, between fbk_present_begin and fbk_present_end. */
struct fbk_frame {
	const struct fbk_rect *rects; /* what to show: the caller's, or all of the screen */
	size_t n;
	bool lost;         /* the screen was lost since: set the device up again first */
	unsigned count;    /* the console's lost count at the start */
	struct fbk_rect all;
	/* The software cursor whose `under` takes rects once the present succeeded, or NULL */
	struct fbk_cursor *cursor;
	const struct fbk_surface *from; /* the back buffer it takes them from */
};

/*
 * After a successful open: `stale` when the screen does not show the
 * (black) back buffer yet, so the first present copies all of it.
 */
void fbk_present_init(struct fbk_present *p, struct fbk_console *console, bool stale);

/*
 * Start a present of rects (n >= 1) on the display's screen. False
 * when the screen is not ours (switched away): do nothing, and do not call
 * fbk_present_end. Otherwise the screen stays ours until fbk_present_end.
 */
bool fbk_present_begin(struct fbk_present *p, struct fbk_frame *frame,
		       const struct fbk_display *display, const struct fbk_rect *rects, size_t n);

/*
 * Between the two: the display's cursor became the software sprite
 * during this present (a cursor plane that failed as the screen came
 * back, whose present repaints all of it): draw it too.
 */
void fbk_present_frame_cursor(struct fbk_frame *frame, const struct fbk_display *display);

/*
 * End the present with the backend's result: 0 means the screen now shows
 * the back buffer at frame->rects. Returns err.
 */
int fbk_present_end(struct fbk_present *p, const struct fbk_frame *frame, int err);

/*
 * Copy what `screen` (the screen's memory: pixels, stride, size and
 * format, in the panel's orientation) shows into dst, in any format and
 * in the picture's orientation: turned back by `rotation` degrees, so of
 * the size fbk_rotated_size gives for the screen. While the screen is
 * ours: -EAGAIN when the console has it (switched away); -ENOMEM when a
 * rotated read in another format finds no memory for its strip.
 */
int fbk_present_read(struct fbk_present *p, const struct fbk_surface *screen, int rotation,
		     struct fbk_surface *dst);

/*
 * Copy rectangle r (the picture's coordinates, inside it) of what
 * `screen` shows to dst in the screen's format, rows dst_stride apart:
 * the read_rect op's work. -EAGAIN while the console has the screen.
 */
int fbk_present_read_rect(struct fbk_present *p, const struct fbk_surface *screen, int rotation,
			  const struct fbk_rect *r, uint8_t *dst, size_t dst_stride);

/* True once after the screen lost its picture (fbk_display_needs_redraw). */
bool fbk_present_needs_redraw(struct fbk_present *p);

#endif
