/* fbkit: an event loop with timers, file descriptors and frames paced by the display. */
#ifndef FBKIT_LOOP_H
#define FBKIT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "fbkit/display.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The loop is optional: every event it waits for is a file descriptor a
 * program with a loop of its own can poll instead (fbk_display_frame_fd(),
 * fbk_display_redraw_fd(), input's fd, fbk_loop_fd() for the loop as a
 * whole). A loop belongs to one thread; nothing in it is thread-safe.
 *
 * Time is the loop's clock, in nanoseconds: CLOCK_MONOTONIC by default,
 * or a stepped clock for tests (fbk_loop_set_clock(), FBKIT_CLOCK), under
 * which no callback ever waits for real time and every run of a program
 * sees the same times, so an animation renders the same frames.
 *
 * Callbacks may add and remove sources (their own included), re-arm
 * timers, request frames and quit the loop. A source removed while the
 * loop dispatches is never called again, not even later in the same
 * dispatch.
 */

/** The loop. Opaque; make one with fbk_loop_create(). */
struct fbk_loop;

/** A file descriptor, timer or display watched by a loop. Opaque. */
struct fbk_loop_source;

/** Nanoseconds, for readable delays: FBK_MS(16) is 16 milliseconds. */
#define FBK_MS(ms) ((uint64_t)(ms) * 1000000u)

/**
 * Called when `fd` is ready: revents holds the poll(2) bits that are set
 * (POLLIN, POLLOUT, and POLLERR or POLLHUP, which are always watched).
 */
typedef void (*fbk_loop_fd_fn)(struct fbk_loop_source *source, int fd, uint32_t revents,
			       void *user);

/** Called when a timer expires; `now` is the loop's clock (ns), at or after the deadline. */
typedef void (*fbk_loop_timer_fn)(struct fbk_loop_source *source, uint64_t now, void *user);

/** What a frame callback is told. */
struct fbk_loop_frame {
	uint64_t time;    /* the loop's clock (ns) when the frame was started */
	uint64_t number;  /* frames of this display so far, counting from 0 */
	uint64_t skipped; /* frame slots that went by unused since the last frame */
	bool redraw;      /* the screen lost its picture: draw all of it (see
	                     fbk_display_needs_redraw(), which the loop asked) */
};

/**
 * Called when the display can take the next frame: draw it and present
 * it (with fbk_display_present(), which then waits neither for a DRM page
 * flip nor for fbdev's vertical blank), and call fbk_loop_request_frame()
 * again for the one after.
 */
typedef void (*fbk_loop_frame_fn)(struct fbk_loop_source *source,
				  const struct fbk_loop_frame *frame, void *user);

/**
 * Make a loop, on the clock FBKIT_CLOCK names (see fbk_loop_set_clock();
 * unset or "" is "monotonic"). Errors: -EINVAL (FBKIT_CLOCK malformed:
 * the message says what it takes), -ENOMEM, and the errno of epoll or
 * timerfd creation. Destroy with fbk_loop_destroy().
 */
FBK_API int fbk_loop_create(struct fbk_loop **out);

/**
 * Remove every source (closing no descriptor of the caller's) and free
 * the loop. Not from inside one of its callbacks. Accepts NULL.
 */
FBK_API void fbk_loop_destroy(struct fbk_loop *loop);

/**
 * Choose the loop's clock:
 *
 *   monotonic        CLOCK_MONOTONIC (the default)
 *   step:DURATION    a stepped clock for tests: starts at 0 and moves only
 *                    when the loop has nothing left to do now, straight to
 *                    the next timer's deadline or frame; frames come every
 *                    DURATION (a number with a unit: ns, us, ms or s, as in
 *                    step:16.667ms), whatever the display's rate
 *
 * Under a stepped clock fds are still watched, but the loop waits for
 * them in real time only when no timer is armed and no frame requested.
 * While a requested frame waits for its device (a DRM page flip still
 * pending) the loop waits for the device in real time and the clock
 * stands still, so frames and timers keep their order whatever the
 * device takes. NULL reads
 * FBKIT_CLOCK. Call before adding timers (their deadlines are on the old
 * clock). Errors: -EINVAL (NULL loop, malformed clock: the message says
 * what it takes), -EBUSY (from inside a callback).
 */
FBK_API int fbk_loop_set_clock(struct fbk_loop *loop, const char *clock);

/** The loop's clock now, in nanoseconds; 0 for NULL. */
FBK_API uint64_t fbk_loop_now(const struct fbk_loop *loop);

/**
 * Move a stepped clock forward by `ns`, as if the program had been busy
 * that long (a slow frame, a stall): for tests of what a late program
 * does. Callable from callbacks. Errors: -EINVAL (NULL, or a clock that is
 * not stepped).
 */
FBK_API int fbk_loop_advance(struct fbk_loop *loop, uint64_t ns);

/**
 * Call `callback` whenever `fd` is ready for `events` (POLLIN and/or
 * POLLOUT from <poll.h>), level-triggered as poll(2) is: a callback that
 * leaves data unread is called again. The fd stays the caller's (the loop
 * never closes it); remove the source before closing it. `out` (may be
 * NULL) receives the source, for fbk_loop_remove(). Errors: -EINVAL
 * (NULL loop or callback, negative fd, no events), -EEXIST (fd already in
 * this loop), -ENOMEM, and epoll_ctl's errno (-EPERM: regular files are
 * always ready and cannot be watched).
 */
FBK_API int fbk_loop_add_fd(struct fbk_loop *loop, int fd, uint32_t events,
			    fbk_loop_fd_fn callback, void *user, struct fbk_loop_source **out);

/**
 * A timer that expires `delay` ns from now, then every `interval` ns when
 * interval is not 0. A repeating timer that fell behind (the program was
 * busy) expires once and goes on from the next period still ahead: missed
 * periods are skipped, never made up in a burst. Timers due at the same
 * moment run in deadline order, then in the order they were armed; one
 * armed with delay 0 from a callback runs in the next dispatch, not the
 * current one. Errors: -EINVAL (NULL loop or callback), -ENOMEM.
 */
FBK_API int fbk_loop_add_timer(struct fbk_loop *loop, uint64_t delay, uint64_t interval,
			       fbk_loop_timer_fn callback, void *user,
			       struct fbk_loop_source **out);

/**
 * Re-arm a timer as fbk_loop_add_timer() would; delay and interval both 0
 * disarm it (it stays in the loop). Errors: -EINVAL (NULL, not a timer).
 */
FBK_API int fbk_loop_timer_set(struct fbk_loop_source *timer, uint64_t delay,
			       uint64_t interval);

/**
 * Pace frames of `display` (which stays the caller's; remove the source
 * before closing it): after fbk_loop_request_frame(), `frame` is called
 * once, as soon as the display can show a new frame, and never while it
 * is still taking the previous one. DRM displays that flip pages are
 * paced by the flips (present returns at once, the flip's completion
 * frees the next frame, never sooner than the refresh interval: some
 * virtual cards complete flips at once; a flip whose event never comes
 * is given up on after a second); fbdev displays whose driver waits for
 * vertical blanks (FBIO_WAITFORVSYNC) by the blank after each present,
 * which a thread of fbkit's waits for; other displays, and those whose
 * device stops pacing (DRM gave up flipping, fbdev's waits return at
 * once), by a timer at the display's refresh interval
 * (fbk_display_frame_interval()). A program that falls
 * behind gets the next slot still ahead, never a burst of late frames.
 * The display's redraw fd is watched too: when the screen lost its
 * picture, a frame is requested with `redraw` set. Errors: -EINVAL (NULL
 * loop, display or callback), -EEXIST (display already in this loop),
 * -ENOMEM, and the errors of fbk_display_frame_fd().
 */
FBK_API int fbk_loop_add_display(struct fbk_loop *loop, struct fbk_display *display,
				 fbk_loop_frame_fn frame, void *user,
				 struct fbk_loop_source **out);

/**
 * Ask for one call of the display source's frame callback (requests
 * before it runs are one request). Errors: -EINVAL (NULL, not a display
 * source). Never blocks.
 */
FBK_API int fbk_loop_request_frame(struct fbk_loop_source *display_source);

/**
 * Remove a source: its callback is never called again, and it is freed
 * (at the end of the dispatch, when removed from a callback). Accepts NULL.
 */
FBK_API void fbk_loop_remove(struct fbk_loop_source *source);

/** The loop a source belongs to; NULL for NULL. */
FBK_API struct fbk_loop *fbk_loop_source_loop(const struct fbk_loop_source *source);

/**
 * For programs with a loop of their own: a file descriptor (the loop's
 * epoll set) that is readable (POLLIN) whenever fbk_loop_dispatch() has
 * something to do; timers and frame timers included, and under a stepped
 * clock at once while a timer or frame is pending. It belongs to the loop.
 * Errors: -EINVAL (NULL).
 */
FBK_API int fbk_loop_fd(const struct fbk_loop *loop);

/**
 * One iteration: wait at most `timeout_ms` (-1: no limit; 0: do not wait)
 * for something to do, then run what is due: ready fds, then expired
 * timers, then frames. Under a stepped clock, time moves to the next
 * deadline instead of waiting. Returns the number of callbacks made (0 on
 * a timeout), or a negative errno (epoll's; a signal is not an error).
 * Errors also -EINVAL (NULL), -EBUSY (from inside a callback).
 */
FBK_API int fbk_loop_dispatch(struct fbk_loop *loop, int timeout_ms);

/**
 * Dispatch until fbk_loop_quit() is called (or nothing is left that could
 * ever call it: no source at all, -ENOENT rather than wait forever).
 * Returns 0 after quit, or the first error of fbk_loop_dispatch().
 */
FBK_API int fbk_loop_run(struct fbk_loop *loop);

/** Make fbk_loop_run() return after the current callback. Accepts NULL. */
FBK_API void fbk_loop_quit(struct fbk_loop *loop);

#ifdef __cplusplus
}
#endif

#endif
