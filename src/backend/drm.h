/*
 * Internal: the DRM backend's state, shared by its two halves.
 *
 * drm_output.c is the card and what it drives: opening and checking the
 * node, DRM master, the connector, mode and CRTC (the choices themselves
 * are drm_modes.c's), the primary plane's formats, saving the previous
 * CRTC and putting it back (also from signal handlers and VT switches),
 * and the display's open, describe and close.
 *
 * drm_buffers.c is what is shown on it: the shadow surface the
 * application draws on, the dumb buffers with their mappings and
 * framebuffer objects, and present (page flips with the swap chain's
 * catch-up from damage.c, or one buffer in place with DirtyFB).
 *
 * drm_cursor.c is the cursor plane, when the display has a cursor.
 */
#ifndef FBK_DRM_H
#define FBK_DRM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "backend/backend.h"
#include "backend/damage.h"
#include "backend/present.h"

#define MAX_BUFFERS 2
#define MAX_CLONES 8 /* connectors one CRTC drove before us */

/* What drives the picture, and what the CRTC showed before. */
struct output {
	uint32_t connector_id;
	char connector_name[48];
	drmModeModeInfo mode;
	uint32_t crtc_id;
	int crtc_index;
	drmModeCrtc saved;
	uint32_t clones[MAX_CLONES]; /* connectors on the CRTC before us */
	uint32_t clone_count;
};

struct dumb {
	uint32_t handle; /* 0 until created */
	uint32_t fb_id;
	uint32_t pitch;
	size_t size;
	uint8_t *map;
};

struct flip_stats {
	unsigned count;
	double sum_ms, min_ms, max_ms;
};

struct drm {
	struct fbk_display base; /* first: the registry casts between the two */
	int fd;
	char *device;
	char driver[96];
	struct output out;
	uint32_t *plane_formats; /* the primary plane's, or NULL when unknown */
	size_t plane_format_count;
	struct dumb buffers[MAX_BUFFERS];
	size_t buffer_count;
	struct fbk_swap swap;
	struct fbk_back shadow; /* the surface's pixels */
	struct drm_mode_crtc restore_arg; /* the previous CRTC, ready for a signal handler */
	struct fbk_console *console;
	struct fbk_present present;
	atomic_bool master_dropped;
	bool flipping;
	char no_flip_reason[160]; /* why one buffer is written in place */
	bool flip_pending;
	bool flip_nowait; /* the frame fd was asked for: present does not wait for the flip */
	struct fbk_damage flip_damage; /* what the pending flip shows, for the swap chain */
	struct timespec flip_start;
	struct flip_stats flips;
	enum fbk_probe dirty;
	bool clips_from_left; /* see mark_dirty */
	/* The cursor plane (drm_cursor.c): its buffer once a cursor was set, and the plane's size */
	struct dumb cursor_buffer;
	int32_t cursor_width, cursor_height;
	atomic_bool cursor_on;                  /* the plane shows the buffer */
	bool cursor_plane_works;                /* a SetCursor succeeded: the driver has a plane */
	struct drm_mode_cursor cursor_off_arg; /* hides it, ready for a signal handler */
};

/* drm_output.c */

/* -EBUSY: another program took DRM master; `doing` says what failed. */
int fbk_drm_master_lost(const struct drm *d, const char *doing);

/*
 * 0 in the process that opened the display; -EPERM (with a message) in a
 * fork()ed child, which shares the card's file, master and flip events
 * with it: it must not make buffers in that file, write the parent's
 * cursor buffer or take its flip events. (Its present does nothing, as
 * on every backend: fbk_console_begin_access refuses it the screen.)
 */
int fbk_drm_not_forked(const struct drm *d, const char *doing);

/* Show buffers[index] on the CRTC with our mode (SetCrtc). */
int fbk_drm_show_buffer(struct drm *d, size_t index);

/*
 * After a VT switch or a handled signal: master again, and our buffer back
 * on the CRTC (the cursor plane is fbk_drm_cursor_restore's).
 */
int fbk_drm_take_screen_back(struct drm *d);

/* drm_buffers.c */

/*
 * `count` dumb buffers of the surface's size and format (set to the
 * mode's, the panel's, with no pixels yet), cleared and made
 * framebuffers, then the shadow the surface points at, turned to the
 * picture's orientation on a rotated display. On failure nothing is held.
 */
int fbk_drm_buffers_create(struct drm *d, size_t count);

/* Release what fbk_drm_buffers_create made; no flip may be pending. */
void fbk_drm_buffers_destroy(struct drm *d);

/* Wait for the pending flip's event. -ETIMEDOUT when it has not come within the timeout. */
int fbk_drm_wait_flip(struct drm *d);

int fbk_drm_present(struct fbk_display *display, const struct fbk_rect *rects, size_t n);
bool fbk_drm_needs_redraw(struct fbk_display *display);
/* Copy the dumb buffer on screen, after the pending flip (if any) completed. */
int fbk_drm_read_front(struct fbk_display *display, struct fbk_surface *dst);

/* The read_rect op: a rectangle of the dumb buffer on screen, after the pending flip. */
int fbk_drm_read_rect(struct fbk_display *display, const struct fbk_rect *r, uint8_t *dst,
		      size_t dst_stride);

/* The frame fd ops (see backend.h): the card's flip events. */
int fbk_drm_frame_fd(struct fbk_display *display);
int fbk_drm_frame_dispatch(struct fbk_display *display);
bool fbk_drm_frame_pending(const struct fbk_display *display);
uint64_t fbk_drm_frame_deadline(const struct fbk_display *display);

/* drm_cursor.c */

/* The cursor op (see backend.h): the cursor plane through the legacy cursor calls. */
int fbk_drm_cursor(struct fbk_display *display, const struct fbk_cursor *cursor, bool image);

/*
 * After the screen came back: the plane shows the display's cursor again,
 * or nothing (a sprite's or no cursor's plane is hidden). A plane that
 * fails now degrades to the software sprite with one warning: true then,
 * and the present, which repaints the whole screen, draws the sprite too
 * (fbk_present_frame_cursor).
 */
bool fbk_drm_cursor_restore(struct drm *d);

/* Hide the plane (when the screen is ours, in the process that made it) and free its buffer. */
void fbk_drm_cursor_destroy(struct drm *d, bool screen_ours, bool forked);

/* Build the argument fbk_drm_cursor_off_from_signal issues (after the CRTC is chosen). */
void fbk_drm_cursor_prepare(struct drm *d);

/*
 * Hide the plane from a signal handler (a fatal signal, or the VT
 * switched away, where another DRM master must not find our cursor on
 * its screen): one ioctl, only when it shows something.
 */
void fbk_drm_cursor_off_from_signal(struct drm *d);

/* The describe lines about presenting: flips or in place, flip latency, DirtyFB. */
void fbk_drm_describe_present(const struct drm *d, struct fbk_describe *out);

#endif
