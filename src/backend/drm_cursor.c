/*
 * The DRM backend's cursor plane (the `cursor` op, see backend/cursor.h):
 * the legacy cursor calls, as the rest of the backend is legacy KMS. The
 * image goes into an ARGB8888 dumb buffer of the size the driver's
 * DRM_CAP_CURSOR_WIDTH/HEIGHT give (cursor planes take only that size on
 * many drivers), premultiplied (the plane's blending, as the kernel's
 * default "Pre-multiplied" blend mode says) and turned with the display,
 * so the plane shows it as the picture's orientation would. A driver
 * with no cursor plane (bochs) refuses SetCursor, and the registry draws
 * the cursor in software instead.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "backend/cursor.h"
#include "backend/drm.h"
#include "pixel/pixel.h"
#include "pixel/rotate.h"
#include "platform/console.h"

#define DEFAULT_CURSOR_SIZE 64 /* what drivers that do not say take */

static void destroy_buffer(struct drm *d)
{
	struct dumb *b = &d->cursor_buffer;
	if (b->map)
		munmap(b->map, b->size);
	if (b->handle) {
		struct drm_mode_destroy_dumb destroy = { .handle = b->handle };
		drmIoctl(d->fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	}
	memset(b, 0, sizeof(*b));
}

/* The plane's size, and a cleared ARGB8888 dumb buffer of it, mapped. */
static int create_buffer(struct drm *d)
{
	uint64_t w = DEFAULT_CURSOR_SIZE, h = DEFAULT_CURSOR_SIZE;
	if (drmGetCap(d->fd, DRM_CAP_CURSOR_WIDTH, &w) || !w)
		w = DEFAULT_CURSOR_SIZE;
	if (drmGetCap(d->fd, DRM_CAP_CURSOR_HEIGHT, &h) || !h)
		h = DEFAULT_CURSOR_SIZE;
	if (w > 1024 || h > 1024)
		return fbk_fail(-ENOTSUP, "%s: the driver's cursor size %llux%llu is not "
					  "plausible",
				d->device, (unsigned long long)w, (unsigned long long)h);
	struct dumb *b = &d->cursor_buffer;
	struct drm_mode_create_dumb create = { .width = (uint32_t)w, .height = (uint32_t)h,
					       .bpp = 32 };
	if (drmIoctl(d->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return fbk_fail(-errno, "%s: cannot create a %llux%llu cursor buffer: %s",
				d->device, (unsigned long long)w, (unsigned long long)h,
				fbk_errstr(errno));
	b->handle = create.handle;
	b->pitch = create.pitch;
	int err;
	if (create.size > SIZE_MAX || create.pitch < w * 4 || create.size < create.pitch * h) {
		err = fbk_fail(-EIO, "%s: the driver made a cursor buffer that cannot hold it",
			       d->device);
		goto fail;
	}
	b->size = (size_t)create.size;
	struct drm_mode_map_dumb map = { .handle = b->handle };
	if (drmIoctl(d->fd, DRM_IOCTL_MODE_MAP_DUMB, &map)) {
		err = fbk_fail(-errno, "%s: cannot map the cursor buffer: %s", d->device,
			       fbk_errstr(errno));
		goto fail;
	}
	void *pixels = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
			    (off_t)map.offset);
	if (pixels == MAP_FAILED) {
		err = fbk_fail(-errno, "%s: cannot map the cursor buffer: %s", d->device,
			       fbk_errstr(errno));
		goto fail;
	}
	b->map = pixels;
	d->cursor_width = (int32_t)w;
	d->cursor_height = (int32_t)h;
	return 0;

fail:
	destroy_buffer(d);
	return err;
}

/* Picture pixel (x, y) on the panel: the mapping of fbk_display_rotation(). */
static void on_panel(const struct drm *d, int32_t x, int32_t y, int32_t *px, int32_t *py)
{
	int32_t w = d->base.geometry.width, h = d->base.geometry.height;
	fbk_rotated_size(d->base.rotation, &w, &h); /* the panel's */
	switch (d->base.rotation) {
	case 90: *px = w - 1 - y; *py = x; break;
	case 180: *px = w - 1 - x; *py = h - 1 - y; break;
	case 270: *px = y; *py = h - 1 - x; break;
	default: *px = x; *py = y; break;
	}
}

/* The image turned with the display and premultiplied into the cleared buffer. */
static void fill_buffer(struct drm *d, const struct fbk_cursor *c)
{
	struct dumb *b = &d->cursor_buffer;
	memset(b->map, 0, b->size);
	int32_t w = c->width, h = c->height;
	fbk_rotated_size(d->base.rotation, &w, &h);
	if (d->base.rotation)
		fbk_rotate_ops()->rotate(b->map, b->pitch, (const uint8_t *)c->image,
					 (size_t)c->width * 4, c->width, c->height, 4,
					 d->base.rotation);
	else
		for (int32_t y = 0; y < h; y++)
			memcpy(b->map + (size_t)y * b->pitch, c->image + (size_t)y * (size_t)w,
			       (size_t)w * 4);
	for (int32_t y = 0; y < h; y++) {
		uint32_t *row = (uint32_t *)(void *)(b->map + (size_t)y * b->pitch);
		for (int32_t x = 0; x < w; x++) {
			uint32_t p = row[x], a = p >> 24;
			row[x] = a << 24 | fbk_div255(((p >> 16) & 0xff) * a) << 16 |
				 fbk_div255(((p >> 8) & 0xff) * a) << 8 | fbk_div255((p & 0xff) * a);
		}
	}
}

/* Where the hotspot is in the turned image: pixels move as the rotate kernels turn them. */
static void turned_hotspot(const struct drm *d, const struct fbk_cursor *c, int32_t *hx,
			   int32_t *hy)
{
	switch (d->base.rotation) {
	case 90: *hx = c->height - 1 - c->hotspot_y; *hy = c->hotspot_x; break;
	case 180: *hx = c->width - 1 - c->hotspot_x; *hy = c->height - 1 - c->hotspot_y; break;
	case 270: *hx = c->hotspot_y; *hy = c->width - 1 - c->hotspot_x; break;
	default: *hx = c->hotspot_x; *hy = c->hotspot_y; break;
	}
}

/* Show the buffer on the plane (SetCursor2, which gives virtual machines' drivers the hotspot). */
static int set_plane(struct drm *d, const struct fbk_cursor *c)
{
	int32_t hx, hy;
	turned_hotspot(d, c, &hx, &hy);
	/*
	 * Marked on before the call, not after: a hook that runs once the
	 * plane shows must find it marked, or it leaves the plane on the
	 * screen it hands over. The VT's release waits for the access this
	 * runs in, but a fatal signal's restore does not. Hiding a plane that
	 * is not showing is harmless.
	 */
	bool was_on = atomic_exchange(&d->cursor_on, true);
	int err = drmModeSetCursor2(d->fd, d->out.crtc_id, d->cursor_buffer.handle,
				    (uint32_t)d->cursor_width, (uint32_t)d->cursor_height, hx, hy);
	if (err == -EINVAL || err == -ENOSYS)
		err = drmModeSetCursor(d->fd, d->out.crtc_id, d->cursor_buffer.handle,
				       (uint32_t)d->cursor_width, (uint32_t)d->cursor_height);
	/* -EPERM tells the caller "a fork()ed child" (no sprite fallback); a driver's is a refusal. */
	if (err == -EPERM)
		err = -EACCES;
	if (err) {
		/* Refused: the plane shows what it did before, or nothing. */
		if (!was_on)
			atomic_store(&d->cursor_on, false);
		return fbk_fail(err, "%s: the driver has no cursor plane for it (SetCursor: %s)",
				d->device, fbk_errstr(-err));
	}
	d->cursor_plane_works = true;
	return 0;
}

static int move_plane(struct drm *d, const struct fbk_cursor *c)
{
	int32_t px, py, hx, hy;
	on_panel(d, c->x, c->y, &px, &py);
	turned_hotspot(d, c, &hx, &hy);
	int err = drmModeMoveCursor(d->fd, d->out.crtc_id, px - hx, py - hy);
	return err ? fbk_fail(err, "%s: cannot move the cursor: %s", d->device, fbk_errstr(-err))
		   : 0;
}

static int hide_plane(struct drm *d)
{
	if (!atomic_load(&d->cursor_on))
		return 0;
	/* Marked off only once it is: a plane that failed to hide may still show. */
	int err = drmModeSetCursor(d->fd, d->out.crtc_id, 0, 0, 0);
	if (err)
		return fbk_fail(err, "%s: cannot hide the cursor: %s", d->device, fbk_errstr(-err));
	atomic_store(&d->cursor_on, false);
	return 0;
}

int fbk_drm_cursor(struct fbk_display *display, const struct fbk_cursor *c, bool image)
{
	struct drm *d = (struct drm *)display;
	int err = fbk_drm_not_forked(d, "show a cursor");
	if (err)
		return err;
	if (image) {
		int32_t w = c->width, h = c->height;
		fbk_rotated_size(display->rotation, &w, &h);
		if (!d->cursor_buffer.handle) {
			err = create_buffer(d);
			if (err)
				return err;
		}
		if (w > d->cursor_width || h > d->cursor_height)
			return fbk_fail(-ENOTSUP, "%s: a %dx%d cursor is larger than the cursor "
						  "plane's %dx%d",
					d->device, (int)w, (int)h, (int)d->cursor_width,
					(int)d->cursor_height);
	}
	bool ours = fbk_console_begin_access(d->console);
	/*
	 * Switched away the plane cannot be tried (SetCursor needs master),
	 * and hidden it is not: a driver that never showed a cursor may have
	 * no plane, and the present after the switch back, or showing the
	 * cursor, would fail on it every time. The sprite then.
	 */
	if (image && !d->cursor_plane_works && (!ours || !c->visible)) {
		if (ours)
			fbk_console_end_access(d->console);
		return fbk_fail(-EAGAIN, "%s: the cursor plane was never tried, and cannot be "
					 "now (the screen is switched away, or the cursor hidden)",
				d->device);
	}
	/*
	 * The buffer takes the image whether or not the plane shows it now: a
	 * hidden cursor shown again, or the screen back from a switch, puts the
	 * plane on the buffer as it is.
	 */
	if (image)
		fill_buffer(d, c);
	/* Switched away: the plane is set again when the screen comes back. */
	if (!ours)
		return 0;
	if (!c->visible) {
		err = hide_plane(d);
	} else {
		bool shown_here = false;
		if (image || !atomic_load(&d->cursor_on)) {
			err = set_plane(d, c);
			shown_here = !err;
		}
		if (!err)
			err = move_plane(d, c);
		/*
		 * Shown but not where it belongs: hidden again, since a new
		 * image falls back to the sprite, which must not show beside it.
		 */
		if (err && shown_here)
			hide_plane(d);
	}
	fbk_console_end_access(d->console);
	return err;
}

bool fbk_drm_cursor_restore(struct drm *d)
{
	struct fbk_cursor *c = d->base.cursor;
	/*
	 * Not on the plane (any more): a cursor that became the sprite while
	 * the screen was away could not hide the plane then.
	 */
	if (!c || c->mode != FBK_CURSOR_HARDWARE) {
		if (hide_plane(d))
			fbk_log(FBK_LOG_DEBUG, "%s", fbk_last_error());
		return false;
	}
	int err = c->visible ? set_plane(d, c) : hide_plane(d);
	if (!err && c->visible)
		err = move_plane(d, c);
	if (!err)
		return false;
	/*
	 * The picture is back; a cursor is no reason to fail its present
	 * (the program would retry it every frame): the sprite from now on.
	 * Its own words: the plane worked before, so "no cursor plane" (the
	 * message the failed call left) would mislead.
	 */
	fbk_log(FBK_LOG_WARNING, "%s: the cursor plane failed when the screen came back (%s); "
				 "the cursor is drawn in software from now on "
				 "(fbk_display_cursor_mode: FBK_CURSOR_SOFTWARE)",
		d->device, fbk_errstr(-err));
	hide_plane(d);
	c->mode = FBK_CURSOR_SOFTWARE;
	return true;
}

void fbk_drm_cursor_destroy(struct drm *d, bool screen_ours, bool forked)
{
	if (screen_ours && !forked)
		hide_plane(d);
	if (forked)
		d->cursor_buffer.handle = 0; /* the parent's: unmapped, never destroyed */
	destroy_buffer(d);
}

void fbk_drm_cursor_prepare(struct drm *d)
{
	d->cursor_off_arg = (struct drm_mode_cursor){ .flags = DRM_MODE_CURSOR_BO,
						      .crtc_id = d->out.crtc_id };
}

void fbk_drm_cursor_off_from_signal(struct drm *d)
{
	if (!atomic_load(&d->cursor_on))
		return;
	struct drm_mode_cursor arg = d->cursor_off_arg; /* a copy: the ioctl may write it */
	if (!ioctl(d->fd, DRM_IOCTL_MODE_CURSOR, &arg))
		atomic_store(&d->cursor_on, false);
}
