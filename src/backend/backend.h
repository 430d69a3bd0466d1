/*
 * Internal: the interface every display backend implements. A backend's
 * display struct embeds struct fbk_display as its first member; drawing
 * code only ever sees the surface.
 */
#ifndef FBK_BACKEND_H
#define FBK_BACKEND_H

#include <sys/types.h>
#include <time.h>

#include "fbkit/display.h"
#include "core/error.h"
#include "backend/spec.h"

/* Where fbk_display_describe() collects its "key: value" lines. */
struct fbk_cursor;

struct fbk_describe {
	char *buf;   /* may be NULL when size is 0 */
	size_t size;
	size_t used; /* the whole text's length, even past size (like snprintf) */
};

/* Append "key: value\n"; the text is cut (always terminated) when buf is full. */
void fbk_describe_line(struct fbk_describe *out, const char *key, const char *fmt, ...)
	FBK_PRINTF(3, 4);

/* What a device turned out to support, for requests tried on first use. */
enum fbk_probe { FBK_PROBE_UNTRIED, FBK_PROBE_WORKS, FBK_PROBE_UNSUPPORTED };

struct fbk_display_ops {
	/*
	 * rects are already cut to `geometry` and non-empty, n >= 1, and the
	 * registry has checked that `surface` still describes the screen.
	 */
	int (*present)(struct fbk_display *display, const struct fbk_rect *rects, size_t n);
	void (*close)(struct fbk_display *display);
	/* Optional: lines about the device after the common ones (backend, mode, format, stride). */
	void (*describe)(const struct fbk_display *display, struct fbk_describe *out);
	/* Optional: true once after the screen lost its picture; NULL means never. */
	bool (*needs_redraw)(struct fbk_display *display);
	/*
	 * Optional (NULL: -ENOTSUP): copy what the screen shows now into dst,
	 * which the registry has checked is a surface of geometry's size;
	 * backends describe their screen memory and call fbk_present_read().
	 */
	int (*read_front)(struct fbk_display *display, struct fbk_surface *dst);
	/*
	 * Optional, all four or none (NULL: frames are paced by a timer at
	 * frame_interval): a descriptor that becomes readable (POLLIN) when
	 * the device finished showing a presented frame (DRM: the page flip
	 * event; fbdev: its vertical-blank thread, vsync.h). Asking for it
	 * makes present return once the frame is queued, without waiting for
	 * the device. Asked again it gives the same fd, or -ENOTSUP (no
	 * message) once the device stopped pacing frames (DRM gave up
	 * flipping, fbdev's waits failed): time paces them from then on.
	 */
	int (*frame_fd)(struct fbk_display *display);
	/* Read what made frame_fd readable; never blocks. */
	int (*frame_dispatch)(struct fbk_display *display);
	/*
	 * True while a presented frame is still on its way to the screen;
	 * false from frame_deadline on, even with no event.
	 */
	bool (*frame_pending)(const struct fbk_display *display);
	/*
	 * While frame_pending: the CLOCK_MONOTONIC time (ns) at which the
	 * device stops holding the next frame back without an event (DRM:
	 * the flip timeout), so that pollers can wake then.
	 */
	uint64_t (*frame_deadline)(const struct fbk_display *display);
	/*
	 * Optional (NULL: no software cursor): copy rectangle r of what the
	 * screen shows (picture coordinates, inside geometry) to dst, in the
	 * screen's format, rows dst_stride apart; backends describe their
	 * screen memory and call fbk_present_read_rect(). -EAGAIN while the
	 * screen is switched away.
	 */
	int (*read_rect)(struct fbk_display *display, const struct fbk_rect *r, uint8_t *dst,
			 size_t dst_stride);
	/*
	 * Optional (NULL: no cursor plane): show `cursor` on the driver's
	 * cursor plane, its image again when `image` is true, at its place,
	 * or hide the plane when it is not visible. An error when the image
	 * is first given means the plane cannot show it, and the registry
	 * falls back to the software sprite. The backend hides the plane on
	 * close.
	 */
	int (*cursor)(struct fbk_display *display, const struct fbk_cursor *cursor, bool image);
};

struct fbk_display {
	const struct fbk_display_ops *ops;
	const char *backend_name;
	/*
	 * The descriptor fbk_display_surface() hands out: the application may
	 * write any of its fields, so nothing below the registry reads it
	 * after open.
	 */
	struct fbk_surface surface;
	/*
	 * The surface as the backend made it (clip: all of it), copied by the
	 * registry when open succeeds: what present, describe and the
	 * backends' own code trust.
	 */
	struct fbk_surface geometry;
	/*
	 * ns between frames the screen can show: the mode's refresh
	 * interval, offscreen's rate=; 0 at open means unknown, and the
	 * registry makes it 60 Hz.
	 */
	uint64_t frame_interval;
	/*
	 * fbk_display_frame_fd()'s timer, which the registry closes: where
	 * time paces frames it is the fd handed out, ticking at
	 * frame_interval; where the device paces them it sits in frame_set
	 * with the device's fd, armed at the pending frame's deadline, and
	 * ticks from the moment the device stopped pacing (frame_ticking).
	 */
	int frame_timer;
	bool frame_timer_open;
	int frame_set; /* the epoll set handed out for a device's frames */
	bool frame_set_open;
	bool frame_ticking;
	uint64_t frame_started; /* CLOCK_MONOTONIC ns when frame_ready last said yes, through frame_set */
	/*
	 * The process that made the timer and the set. A fork()ed child
	 * shares both with its parent: at its first frame_ready it gets its
	 * own under the same numbers, holding only its own timer (paced by
	 * time, frame_forked), and never touches the parent's or the device's.
	 */
	pid_t frame_owner;
	bool frame_forked;
	/*
	 * Degrees clockwise (0, 90, 180, 270) the picture is turned on the
	 * panel, set by the backend at open: `geometry` is the picture's
	 * orientation, the device's memory the panel's.
	 */
	int rotation;
	/* The surface is the screen's memory itself (offscreen without back-buffer, fbdev direct). */
	bool draws_on_screen;
	/* fbk_display_set_cursor()'s cursor, NULL until then; the registry frees it */
	struct fbk_cursor *cursor;
	/* The hotspot's place, kept without a cursor too (fbk_display_move_cursor) */
	int32_t cursor_x, cursor_y;
};

/* The refresh interval (ns) of a video mode with these totals; 0 when they make no sense. */
uint64_t fbk_refresh_interval(uint64_t pixel_hz, uint32_t htotal, uint32_t vtotal);

/*
 * For the event loop: the device's frame-completion descriptor (see the
 * frame_fd op), which also makes present stop waiting for the device;
 * -ENOTSUP (no message) where frames are paced by time only.
 */
int fbk_display_device_frame_fd(struct fbk_display *display);

/* Read the device's frame-completion events (after device_frame_fd woke); never blocks. */
int fbk_display_device_frame_dispatch(struct fbk_display *display);

/* True while a presented frame is still on its way to the screen. */
bool fbk_display_frame_pending(const struct fbk_display *display);

/* While pending: CLOCK_MONOTONIC ns at which the device stops holding frames back; else UINT64_MAX. */
uint64_t fbk_display_frame_deadline(const struct fbk_display *display);

struct fbk_backend {
	const char *name;
	/* NULL while the backend is not built into this fbkit */
	int (*open)(struct fbk_display **out, const struct fbk_spec *spec);
	const char *missing_reason;
};

/*
 * Open a backend's device node read-write: O_NONBLOCK, so that naming a
 * FIFO cannot hang the open; O_NOCTTY, so that naming a tty cannot make it
 * our controlling terminal; and only a character device passes (-ENOTTY
 * for anything else, as "PATH is not a KIND device"). `missing` is the
 * hint for a path that does not exist (where such devices come from).
 * Returns the descriptor, or a negative errno with a message.
 */
int fbk_open_device(const char *path, const char *kind, const char *missing);

/*
 * Why every one of several candidates (backends for "auto", cards for
 * DRM) failed: the error to return (the first, unless it was -ENOTSUP and
 * a later one says more) and each one's message, "; " between them.
 */
struct fbk_failures {
	int err; /* 0 until the first failure */
	char reasons[768];
};

/* Add a candidate's failure: err and fbk_last_error(). */
void fbk_failures_add(struct fbk_failures *failures, int err);

/* Milliseconds on CLOCK_MONOTONIC since `since`. */
double fbk_elapsed_ms(const struct timespec *since);

/*
 * What "auto" does, over a candidate list of its own so that a test can
 * give it backends that fail as real devices do: open each in turn and
 * return the first that opens; stop at a DRM master conflict, which no
 * later candidate could show past.
 */
int fbk_display_open_first(struct fbk_display **out, const struct fbk_spec *spec,
			   const struct fbk_backend *const *candidates, size_t count);

int fbk_offscreen_open(struct fbk_display **out, const struct fbk_spec *spec);
int fbk_fbdev_open(struct fbk_display **out, const struct fbk_spec *spec);
int fbk_drm_open(struct fbk_display **out, const struct fbk_spec *spec); /* only with libdrm */

#endif
