/*
 * The DRM backend's buffers and present (see drm.h for the split, and
 * drm_output.c for the whole backend): the shadow the application draws
 * on, dumb buffers made framebuffers, page flips, and DirtyFB.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "backend/drm.h"

#define FLIP_TIMEOUT_MS 1000
#define DIRTY_CHUNK 32 /* clips per DirtyFB call; the kernel takes up to 256 */

/* ---------------------------------------------------------------- buffers */

static void destroy_dumb(int fd, struct dumb *b)
{
	if (b->map)
		munmap(b->map, b->size);
	if (b->fb_id)
		drmModeRmFB(fd, b->fb_id);
	if (b->handle) {
		struct drm_mode_destroy_dumb destroy = { .handle = b->handle };
		drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	}
	memset(b, 0, sizeof(*b));
}

static int add_framebuffer(struct drm *d, struct dumb *b, int32_t w, int32_t h)
{
	const struct fbk_format_info *f = fbk_format_info(d->base.surface.format);
	uint32_t handles[4] = { b->handle }, pitches[4] = { b->pitch }, offsets[4] = { 0 };
	int err = drmModeAddFB2(d->fd, (uint32_t)w, (uint32_t)h, f->fourcc, handles, pitches,
				offsets, &b->fb_id, 0);
	if (!err)
		return 0;
	b->fb_id = 0;
	if (err == -EINVAL)
		return fbk_fail(-ENOTSUP, "%s: the driver does not take %s (%s) framebuffers",
				d->device, f->name, f->long_name);
	return fbk_fail(err, "%s: cannot make a framebuffer of a dumb buffer: %s", d->device,
			fbk_errstr(-err));
}

/* One dumb buffer: created, made a framebuffer, mapped, and cleared to black. */
static int create_dumb(struct drm *d, struct dumb *b, int32_t w, int32_t h)
{
	const struct fbk_format_info *f = fbk_format_info(d->base.surface.format);
	struct drm_mode_create_dumb create = {
		.width = (uint32_t)w, .height = (uint32_t)h, .bpp = f->bytes_per_pixel * 8u
	};
	if (drmIoctl(d->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return fbk_fail(-errno, "%s: cannot create a %dx%d dumb buffer: %s", d->device,
				(int)w, (int)h, fbk_errstr(errno));
	b->handle = create.handle;
	b->pitch = create.pitch;
	int err = 0;
	if (create.size > SIZE_MAX || create.pitch < (uint64_t)w * f->bytes_per_pixel ||
	    create.size < (uint64_t)create.pitch * (uint64_t)h) {
		err = fbk_fail(-EIO, "%s: the driver made a dumb buffer that cannot hold %dx%d "
				     "(pitch %u, size %llu)",
			       d->device, (int)w, (int)h, (unsigned)create.pitch,
			       (unsigned long long)create.size);
		goto fail;
	}
	b->size = (size_t)create.size;
	err = add_framebuffer(d, b, w, h);
	if (err)
		goto fail;
	struct drm_mode_map_dumb map = { .handle = b->handle };
	if (drmIoctl(d->fd, DRM_IOCTL_MODE_MAP_DUMB, &map)) {
		err = fbk_fail(-errno, "%s: cannot map a dumb buffer: %s", d->device,
			       fbk_errstr(errno));
		goto fail;
	}
	void *pixels = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
			    (off_t)map.offset);
	if (pixels == MAP_FAILED) {
		err = fbk_fail(-errno, "%s: cannot map %zu bytes of a dumb buffer: %s", d->device,
			       b->size, fbk_errstr(errno));
		goto fail;
	}
	b->map = pixels;
	memset(b->map, 0, b->size); /* writes only: cheap even in write-combined memory */
	return 0;

fail:
	destroy_dumb(d->fd, b);
	return err;
}

static int create_buffers(struct drm *d, size_t count)
{
	const struct fbk_surface *s = &d->base.surface;
	for (size_t i = 0; i < count; i++) {
		int err = create_dumb(d, &d->buffers[i], s->width, s->height);
		if (err) {
			while (i--)
				destroy_dumb(d->fd, &d->buffers[i]);
			return err;
		}
	}
	d->buffer_count = count;
	fbk_swap_init(&d->swap, count);
	return 0;
}

static void destroy_buffers(struct drm *d)
{
	for (size_t i = d->buffer_count; i--;)
		destroy_dumb(d->fd, &d->buffers[i]);
	d->buffer_count = 0;
}

/*
 * cirrus in Linux 6.1 shows 32-bit framebuffers by converting them to its
 * 24-bit mode, and places a converted clip at x1 * 4 bytes into a row of 3
 * bytes per pixel: a clip that does not start at x = 0 lands too far
 * right (seen in tests/vm). Clips that start at the left edge are right.
 */
static bool needs_clips_from_left(const struct drm *d)
{
	return !strncmp(d->driver, "cirrus ", 7) &&
	       fbk_format_info(d->base.surface.format)->bytes_per_pixel == 4;
}

int fbk_drm_buffers_create(struct drm *d, size_t count)
{
	int err = create_buffers(d, count);
	if (err)
		return err;
	/*
	 * The surface the application draws on: zeroed (black), like the
	 * buffers, and in the picture's orientation (the buffers are the
	 * panel's).
	 */
	fbk_rotated_size(d->base.rotation, &d->base.surface.width, &d->base.surface.height);
	err = fbk_back_create(&d->shadow, &d->base.surface);
	if (err) {
		destroy_buffers(d);
		return fbk_fail_context(err, d->device);
	}
	d->clips_from_left = needs_clips_from_left(d);
	return 0;
}

void fbk_drm_buffers_destroy(struct drm *d)
{
	fbk_back_destroy(&d->shadow);
	destroy_buffers(d);
}

/* ---------------------------------------------------------------- present */

static void on_flip(int fd, unsigned sequence, unsigned sec, unsigned usec, void *data)
{
	(void)fd;
	(void)sequence;
	(void)sec;
	(void)usec;
	struct drm *d = data;
	double ms = fbk_elapsed_ms(&d->flip_start);
	struct flip_stats *f = &d->flips;
	if (!f->count || ms < f->min_ms)
		f->min_ms = ms;
	if (ms > f->max_ms)
		f->max_ms = ms;
	f->sum_ms += ms;
	f->count++;
	/* A late event after finish_late_flip gave up on it changes nothing. */
	if (d->flip_pending)
		fbk_swap_shown(&d->swap, d->flip_damage.rects, d->flip_damage.count);
	d->flip_pending = false;
}

/* Read the flip events the card has now; never blocks. */
static int handle_events(struct drm *d)
{
	drmEventContext events = { .version = 2, .page_flip_handler = on_flip };
	struct pollfd p = { .fd = d->fd, .events = POLLIN };
	if (poll(&p, 1, 0) <= 0)
		return 0;
	if (drmHandleEvent(d->fd, &events) && errno != EAGAIN && errno != EINTR)
		return fbk_fail(-EIO, "%s: cannot read the page flip event: %s", d->device,
				fbk_errstr(errno));
	return 0;
}

/*
 * Wait for the pending flip's event. -ETIMEDOUT when it has not come
 * within the timeout, counted from when the flip was queued: the frame fd
 * already let a frame go at that deadline (fbk_drm_frame_pending), and a
 * present after it must not wait a whole timeout more.
 */
int fbk_drm_wait_flip(struct drm *d)
{
	drmEventContext events = { .version = 2, .page_flip_handler = on_flip };
	while (d->flip_pending) {
		double left = FLIP_TIMEOUT_MS - fbk_elapsed_ms(&d->flip_start);
		struct pollfd p = { .fd = d->fd, .events = POLLIN };
		/* Past the deadline, an event already there still counts. */
		int ready = poll(&p, 1, left > 0 ? (int)left + 1 : 0);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			return fbk_fail(-errno, "%s: waiting for the page flip: %s", d->device,
					fbk_errstr(errno));
		if (ready == 0)
			return fbk_fail(-ETIMEDOUT, "%s: the page flip did not complete within %d ms",
					d->device, FLIP_TIMEOUT_MS);
		if (drmHandleEvent(d->fd, &events) && errno != EAGAIN && errno != EINTR)
			return fbk_fail(-EIO, "%s: cannot read the page flip event: %s", d->device,
					fbk_errstr(errno));
	}
	return 0;
}

int fbk_drm_frame_fd(struct fbk_display *display)
{
	struct drm *d = (struct drm *)display;
	if (!d->flipping)
		return -ENOTSUP; /* one buffer in place: paced by the mode's refresh interval */
	d->flip_nowait = true;
	return d->fd;
}

int fbk_drm_frame_dispatch(struct fbk_display *display)
{
	return handle_events((struct drm *)display);
}

/*
 * A flip whose event is overdue holds no frame back: the next present
 * deals with it as with any late flip (finish_late_flip), instead of the
 * program waiting for an event that a broken driver never sends.
 */
bool fbk_drm_frame_pending(const struct fbk_display *display)
{
	const struct drm *d = (const struct drm *)display;
	return d->flip_pending && fbk_elapsed_ms(&d->flip_start) < FLIP_TIMEOUT_MS;
}

uint64_t fbk_drm_frame_deadline(const struct fbk_display *display)
{
	const struct drm *d = (const struct drm *)display;
	return (uint64_t)d->flip_start.tv_sec * 1000000000u + (uint64_t)d->flip_start.tv_nsec +
	       FLIP_TIMEOUT_MS * 1000000ull;
}

/*
 * Presented rectangles, and the swap chain's lag, are the picture's; the
 * buffers and DirtyFB's clips are the panel's.
 */
static struct fbk_rect on_panel(const struct drm *d, const struct fbk_rect *r)
{
	const struct fbk_surface *s = &d->base.geometry;
	return fbk_rect_rotated(r, s->width, s->height, d->base.rotation);
}

static void copy_from_shadow(struct drm *d, size_t buffer, const struct fbk_rect *rects,
			     size_t n)
{
	const struct dumb *b = &d->buffers[buffer];
	fbk_present_show(&d->base, b->map, b->pitch, rects, n);
}

/* Tell the driver which rectangles of a buffer on screen changed; stop asking if it cannot. */
static int mark_dirty(struct drm *d, uint32_t fb_id, const struct fbk_rect *rects, size_t n)
{
	for (size_t done = 0; done < n && d->dirty != FBK_PROBE_UNSUPPORTED;) {
		drmModeClip clips[DIRTY_CHUNK];
		size_t count = n - done < DIRTY_CHUNK ? n - done : DIRTY_CHUNK;
		for (size_t i = 0; i < count; i++) {
			struct fbk_rect r = on_panel(d, &rects[done + i]);
			int32_t x = d->clips_from_left ? 0 : r.x;
			clips[i] = (drmModeClip){ (uint16_t)x, (uint16_t)r.y, (uint16_t)(r.x + r.w),
						  (uint16_t)(r.y + r.h) };
		}
		int err = drmModeDirtyFB(d->fd, fb_id, clips, (uint32_t)count);
		if (err == -ENOSYS || err == -EOPNOTSUPP) {
			/* bochs: the picture shows without it. */
			d->dirty = FBK_PROBE_UNSUPPORTED;
			fbk_log(FBK_LOG_DEBUG, "%s: the driver has no DirtyFB (%s); not asking again",
				d->device, fbk_errstr(-err));
			return 0;
		}
		if (err == -EACCES || err == -EPERM)
			return fbk_drm_master_lost(d, "update the screen");
		if (err)
			return fbk_fail(-EIO, "%s: the driver did not take the changed rectangles "
					      "(DirtyFB: %s)",
					d->device, fbk_errstr(-err));
		d->dirty = FBK_PROBE_WORKS;
		done += count;
	}
	return 0;
}

static int present_in_place(struct drm *d, const struct fbk_rect *rects, size_t n)
{
	copy_from_shadow(d, d->swap.front, rects, n);
	return mark_dirty(d, d->buffers[d->swap.front].fb_id, rects, n);
}

/* Flipping failed for good: one buffer from now on, and say so once. */
static int stop_flipping(struct drm *d, const char *why, const struct fbk_rect *rects, size_t n)
{
	d->flipping = false;
	snprintf(d->no_flip_reason, sizeof(d->no_flip_reason), "%s", why);
	fbk_log(FBK_LOG_WARNING, "%s: %s; drawing into the buffer on screen from now on "
				 "(frames may tear)",
		d->device, why);
	fbk_swap_single(&d->swap);
	return present_in_place(d, rects, n);
}

static int present_flip(struct drm *d, const struct fbk_rect *rects, size_t n)
{
	const struct fbk_surface *s = &d->base.geometry;
	size_t bpp = fbk_format_info(s->format)->bytes_per_pixel;
	size_t back = fbk_swap_back(&d->swap);
	const struct dumb *front = &d->buffers[d->swap.front], *to = &d->buffers[back];
	struct fbk_rect lag[FBK_DAMAGE_MAX_RECTS];
	size_t lagging = fbk_swap_catch_up(&d->swap, rects, n, lag);
	for (size_t i = 0; i < lagging; i++) {
		struct fbk_rect r = on_panel(d, &lag[i]);
		fbk_copy_rect(to->map, to->pitch, front->map, front->pitch, &r, bpp);
	}
	copy_from_shadow(d, back, rects, n);

	clock_gettime(CLOCK_MONOTONIC, &d->flip_start);
	int err = drmModePageFlip(d->fd, d->out.crtc_id, to->fb_id, DRM_MODE_PAGE_FLIP_EVENT, d);
	if (err == -EACCES || err == -EPERM) {
		fbk_swap_spoil(&d->swap, rects, n);
		fbk_present_not_shown(&d->base);
		return fbk_drm_master_lost(d, "flip pages");
	}
	if (err) {
		char why[160];
		snprintf(why, sizeof(why), "page flips fail (%s)", fbk_errstr(-err));
		return stop_flipping(d, why, rects, n);
	}
	d->flip_pending = true;
	d->flip_damage.count = 0;
	fbk_damage_add(&d->flip_damage, rects, n); /* on_flip tells the swap chain */
	/* Paced by the frame fd, the program learns of the flip there: no waiting. */
	return d->flip_nowait ? 0 : fbk_drm_wait_flip(d);
}

/*
 * A flip from an earlier present is still pending: queued without
 * waiting (the frame fd was asked for, and the program presented before
 * its event came), or its event never came within the timeout. Wait for
 * it; if it is still missing after the timeout, show the newest buffer
 * with SetCrtc (which does not depend on the event) and stop flipping.
 */
static int finish_late_flip(struct drm *d)
{
	const struct fbk_surface *s = &d->base.geometry;
	struct fbk_rect all = { 0, 0, s->width, s->height };
	int err = fbk_drm_wait_flip(d);
	if (err != -ETIMEDOUT)
		return err; /* on_flip told the swap chain what the flip showed */
	d->flip_pending = false;
	size_t back = fbk_swap_back(&d->swap);
	err = fbk_drm_show_buffer(d, back);
	if (err)
		return err;
	fbk_swap_shown(&d->swap, &all, 1);
	d->flipping = false;
	snprintf(d->no_flip_reason, sizeof(d->no_flip_reason),
		 "a page flip event did not come within %d ms", FLIP_TIMEOUT_MS);
	fbk_log(FBK_LOG_WARNING, "%s: %s; drawing into the buffer on screen from now on",
		d->device, d->no_flip_reason);
	fbk_swap_single(&d->swap);
	return 0;
}

int fbk_drm_present(struct fbk_display *display, const struct fbk_rect *rects, size_t n)
{
	struct drm *d = (struct drm *)display;
	struct fbk_frame frame;
	/* A fork()ed child's present does nothing: the screen is the parent's (begin says so). */
	if (!fbk_present_begin(&d->present, &frame, display, rects, n))
		return 0;
	int err = d->flip_pending ? finish_late_flip(d) : 0;
	if (!err && frame.lost) {
		err = fbk_drm_take_screen_back(d);
		if (!err && fbk_drm_cursor_restore(d))
			fbk_present_frame_cursor(&frame, display);
	}
	if (!err)
		err = d->flipping ? present_flip(d, frame.rects, frame.n)
				  : present_in_place(d, frame.rects, frame.n);
	return fbk_present_end(&d->present, &frame, err);
}

bool fbk_drm_needs_redraw(struct fbk_display *display)
{
	return fbk_present_needs_redraw(&((struct drm *)display)->present);
}

/*
 * The buffer on screen, as the device lays it out. A queued buffer is not
 * on screen until its flip completes, and what the screen then shows is
 * what the next present builds on: wait for it.
 */
static int front_screen(struct drm *d, struct fbk_surface *screen)
{
	int err = fbk_drm_not_forked(d, "read the screen");
	if (!err)
		err = fbk_drm_wait_flip(d);
	if (err)
		return err;
	const struct dumb *front = &d->buffers[d->swap.front];
	*screen = d->base.geometry;
	fbk_rotated_size(d->base.rotation, &screen->width, &screen->height);
	screen->pixels = front->map;
	screen->stride = front->pitch;
	return 0;
}

int fbk_drm_read_front(struct fbk_display *display, struct fbk_surface *dst)
{
	struct drm *d = (struct drm *)display;
	struct fbk_surface screen;
	int err = front_screen(d, &screen);
	return err ? err : fbk_present_read(&d->present, &screen, display->rotation, dst);
}

int fbk_drm_read_rect(struct fbk_display *display, const struct fbk_rect *r, uint8_t *dst,
		      size_t dst_stride)
{
	struct drm *d = (struct drm *)display;
	struct fbk_surface screen;
	int err = front_screen(d, &screen);
	return err ? err :
		     fbk_present_read_rect(&d->present, &screen, display->rotation, r, dst,
					   dst_stride);
}

void fbk_drm_describe_present(const struct drm *d, struct fbk_describe *out)
{
	if (d->flipping)
		fbk_describe_line(out, "present", "page flips between 2 dumb buffers, drawn from a "
						  "shadow surface in system memory");
	else
		fbk_describe_line(out, "present", "one dumb buffer updated in place with DirtyFB "
						  "(%s), drawn from a shadow surface in system "
						  "memory",
				  d->no_flip_reason);
	const struct flip_stats *f = &d->flips;
	if (f->count)
		fbk_describe_line(out, "flips", "%u completed with events, latency min %.2f ms, "
						"avg %.2f ms, max %.2f ms",
				  f->count, f->min_ms, f->sum_ms / f->count, f->max_ms);
	else
		fbk_describe_line(out, "flips", "0 completed");
	fbk_describe_line(out, "dirtyfb", "%s",
			  d->dirty == FBK_PROBE_WORKS	  ? "yes (the driver takes changed rectangles)"
			  : d->dirty == FBK_PROBE_UNSUPPORTED ? "not supported by the driver (ENOSYS)"
							  : "not called yet");
}
