/*
 * The DRM cursor plane's bookkeeping (src/backend/drm_cursor.c) without a
 * card: the legacy cursor calls and ioctl are wrapped at link time
 * (-Wl,--wrap, see tests/meson.build) and answered by a model of one
 * cursor plane, on a struct drm made here. What is checked is what the
 * console's hooks rely on: a plane that may be showing is marked so that
 * the hook (fbk_drm_cursor_off_from_signal, which the release and
 * restore hooks call) hides it, even when the hook runs right after the
 * plane was shown; a refused SetCursor leaves the mark as the plane is;
 * a plane that fails as the screen comes back warns in its own words and
 * becomes the sprite; and a sprite's plane left showing is hidden then.
 * tests/vm checks the same calls on real drivers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "harness.h"

#if FBK_HAVE_DRM

#include <sys/ioctl.h>

#include "backend/cursor.h"
#include "backend/drm.h"

int __real_ioctl(int fd, unsigned long request, ...);
int __wrap_ioctl(int fd, unsigned long request, ...);
int __wrap_drmModeSetCursor(int fd, uint32_t crtc, uint32_t handle, uint32_t w, uint32_t h);
int __wrap_drmModeSetCursor2(int fd, uint32_t crtc, uint32_t handle, uint32_t w, uint32_t h,
			     int32_t hx, int32_t hy);
int __wrap_drmModeMoveCursor(int fd, uint32_t crtc, int x, int y);

#define FAKE_FD 1000 /* no descriptor of ours: only the wrappers answer it */
#define CRTC 7

/* The plane as the model driver has it, and what the next calls do. */
static struct {
	bool showing;
	int set_calls, hide_calls, signal_hides;
	int refuse_set; /* SetCursor and SetCursor2 with a buffer fail with this (negative) */
	int refuse_hide; /* the hook's ioctl and SetCursor(0) fail with this */
	int refuse_move; /* MoveCursor fails with this */
	struct drm *hook_after_set; /* run the hook on it right after a SetCursor shows the plane */
} plane;

/* The console's hook, as it runs in a signal handler. */
static void hook(struct drm *d)
{
	fbk_drm_cursor_off_from_signal(d);
}

static int set_cursor(uint32_t crtc, uint32_t handle)
{
	CHECK(crtc == CRTC, "SetCursor on CRTC %u", (unsigned)crtc);
	if (!handle) {
		plane.hide_calls++;
		if (plane.refuse_hide)
			return plane.refuse_hide;
		plane.showing = false;
		return 0;
	}
	plane.set_calls++;
	if (plane.refuse_set)
		return plane.refuse_set;
	plane.showing = true;
	if (plane.hook_after_set)
		hook(plane.hook_after_set);
	return 0;
}

int __wrap_drmModeSetCursor(int fd, uint32_t crtc, uint32_t handle, uint32_t w, uint32_t h)
{
	(void)w;
	(void)h;
	CHECK(fd == FAKE_FD, "SetCursor on fd %d", fd);
	return set_cursor(crtc, handle);
}

int __wrap_drmModeSetCursor2(int fd, uint32_t crtc, uint32_t handle, uint32_t w, uint32_t h,
			     int32_t hx, int32_t hy)
{
	(void)w;
	(void)h;
	(void)hx;
	(void)hy;
	CHECK(fd == FAKE_FD, "SetCursor2 on fd %d", fd);
	return set_cursor(crtc, handle);
}

int __wrap_drmModeMoveCursor(int fd, uint32_t crtc, int x, int y)
{
	(void)x;
	(void)y;
	CHECK(fd == FAKE_FD && crtc == CRTC, "MoveCursor on fd %d, CRTC %u", fd, (unsigned)crtc);
	return plane.refuse_move;
}

int __wrap_ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != FAKE_FD)
		return __real_ioctl(fd, request, arg);
	const struct drm_mode_cursor *c = arg;
	CHECK(request == DRM_IOCTL_MODE_CURSOR && c->flags == DRM_MODE_CURSOR_BO &&
		      c->crtc_id == CRTC && !c->handle,
	      "the hook's ioctl: request %#lx, flags %u, CRTC %u, handle %u", request,
	      (unsigned)c->flags, (unsigned)c->crtc_id, (unsigned)c->handle);
	plane.signal_hides++;
	if (plane.refuse_hide) {
		errno = -plane.refuse_hide;
		return -1;
	}
	plane.showing = false;
	return 0;
}

static char last_warning[512];

static void keep_warning(enum fbk_log_level level, const char *msg, void *userdata)
{
	(void)userdata;
	if (level == FBK_LOG_WARNING)
		snprintf(last_warning, sizeof(last_warning), "%s", msg);
}

/* A DRM display with a 64x64 cursor buffer already made (in memory), and the arrow as its cursor. */
static void make(struct drm *d, struct fbk_cursor *c, uint8_t *buffer)
{
	memset(d, 0, sizeof(*d));
	memset(&plane, 0, sizeof(plane));
	d->fd = FAKE_FD;
	d->device = (char *)"/dev/dri/fake";
	d->out.crtc_id = CRTC;
	d->base.geometry = (struct fbk_surface){ .width = 320, .height = 200,
						 .format = FBK_FORMAT_XRGB8888 };
	d->cursor_buffer = (struct dumb){ .handle = 5, .pitch = 64 * 4, .size = 64 * 64 * 4,
					  .map = buffer };
	d->cursor_width = d->cursor_height = 64;
	fbk_drm_cursor_prepare(d);
	memset(c, 0, sizeof(*c));
	if (fbk_cursor_image(NULL, &c->image, &c->width, &c->height, &c->hotspot_x,
			     &c->hotspot_y)) {
		fprintf(stderr, "the arrow: %s\n", fbk_last_error());
		exit(1);
	}
	c->x = 100;
	c->y = 50;
	c->visible = true;
	c->mode = FBK_CURSOR_HARDWARE;
	d->base.cursor = c;
}

/* The hook runs just after SetCursor showed the plane: it must hide it. */
static void check_hook_after_set(uint8_t *buffer)
{
	struct drm d;
	struct fbk_cursor c;
	make(&d, &c, buffer);
	plane.hook_after_set = &d;
	CHECK(fbk_drm_cursor(&d.base, &c, true) == 0, "set: %s", fbk_last_error());
	CHECK(plane.set_calls == 1, "%d SetCursor calls", plane.set_calls);
	CHECK(!plane.showing, "a hook that ran after SetCursor showed the plane left it showing "
	      "(%d hides from the hook)", plane.signal_hides);
	CHECK(!atomic_load(&d.cursor_on), "the plane is hidden but marked on");

	/* Shown again as the screen comes back, with no hook in between: marked on. */
	plane.hook_after_set = NULL;
	CHECK(!fbk_drm_cursor_restore(&d), "restore asked for the sprite");
	CHECK(plane.showing && atomic_load(&d.cursor_on), "restored: showing %d, marked %d",
	      plane.showing, (int)atomic_load(&d.cursor_on));
	hook(&d);
	CHECK(!plane.showing, "the hook left a restored plane showing");
	free(c.image);
}

/*
 * A new image whose plane shows but cannot be moved to its place is
 * hidden again: the caller draws the sprite instead, and two cursors
 * would show.
 */
static void check_refused_move(uint8_t *buffer)
{
	struct drm d;
	struct fbk_cursor c;
	make(&d, &c, buffer);
	plane.refuse_move = -EINVAL;
	CHECK(fbk_drm_cursor(&d.base, &c, true) == -EINVAL, "a refused MoveCursor succeeded");
	CHECK(!plane.showing && !atomic_load(&d.cursor_on),
	      "a plane that could not be moved shows (%d), marked %d", plane.showing,
	      (int)atomic_load(&d.cursor_on));
	free(c.image);
}

/* A SetCursor the driver refuses leaves the mark as the plane is: off, or on with the old image. */
static void check_refused_set(uint8_t *buffer)
{
	struct drm d;
	struct fbk_cursor c;
	make(&d, &c, buffer);
	plane.refuse_set = -EINVAL;
	CHECK(fbk_drm_cursor(&d.base, &c, true) == -EINVAL, "a refused SetCursor succeeded");
	CHECK(!atomic_load(&d.cursor_on), "a plane never shown is marked on after a refusal");
	hook(&d);
	CHECK(plane.signal_hides == 0, "the hook hid a plane that never showed");

	plane.refuse_set = 0;
	CHECK(fbk_drm_cursor(&d.base, &c, true) == 0, "set: %s", fbk_last_error());
	plane.refuse_set = -ENOSPC;
	CHECK(fbk_drm_cursor(&d.base, &c, true) == -ENOSPC, "a refused new image succeeded");
	CHECK(plane.showing && atomic_load(&d.cursor_on),
	      "a refused new image: the old one shows (%d), marked %d", plane.showing,
	      (int)atomic_load(&d.cursor_on));

	/* A hide the driver refuses leaves it marked, so the hook tries again. */
	plane.refuse_hide = -EACCES;
	c.visible = false;
	CHECK(fbk_drm_cursor(&d.base, &c, false) == -EACCES, "a refused hide succeeded");
	CHECK(atomic_load(&d.cursor_on), "a plane whose hide failed is marked off");
	plane.refuse_hide = 0;
	hook(&d);
	CHECK(!plane.showing, "the hook left a plane showing whose hide had failed");
	free(c.image);
}

/* The plane fails as the screen comes back: the sprite, with a warning of its own. */
static void check_restore_fails(uint8_t *buffer)
{
	struct drm d;
	struct fbk_cursor c;
	make(&d, &c, buffer);
	CHECK(fbk_drm_cursor(&d.base, &c, true) == 0, "set: %s", fbk_last_error());
	hook(&d); /* the VT switched away */
	plane.refuse_set = -ENOMEM;
	last_warning[0] = '\0';
	fbk_set_log_handler(keep_warning, NULL);
	bool sprite = fbk_drm_cursor_restore(&d);
	fbk_set_log_handler(NULL, NULL);
	CHECK(sprite && c.mode == FBK_CURSOR_SOFTWARE, "a plane that failed at restore: "
	      "sprite %d, mode %d", sprite, (int)c.mode);
	CHECK(strstr(last_warning, "came back") && strstr(last_warning, "software") &&
		      !strstr(last_warning, "no cursor plane"),
	      "the warning after a failed restore: \"%s\"", last_warning);
	CHECK(!plane.showing && !atomic_load(&d.cursor_on), "the failed plane: showing %d, "
	      "marked %d", plane.showing, (int)atomic_load(&d.cursor_on));
	free(c.image);
}

/*
 * The sprite's plane is hidden as the screen comes back when the hook
 * could not hide it (its ioctl failed): the cursor became the sprite
 * while the screen was away, when the plane could not be touched.
 */
static void check_sprite_restore_hides(uint8_t *buffer)
{
	struct drm d;
	struct fbk_cursor c;
	make(&d, &c, buffer);
	CHECK(fbk_drm_cursor(&d.base, &c, true) == 0, "set: %s", fbk_last_error());
	plane.refuse_hide = -EINTR;
	hook(&d);
	plane.refuse_hide = 0;
	CHECK(plane.showing && atomic_load(&d.cursor_on), "the hook's failed ioctl: showing %d, "
	      "marked %d", plane.showing, (int)atomic_load(&d.cursor_on));
	c.mode = FBK_CURSOR_SOFTWARE;
	CHECK(!fbk_drm_cursor_restore(&d), "a sprite's restore asked for the sprite again");
	CHECK(!plane.showing && !atomic_load(&d.cursor_on),
	      "the sprite's restore left the plane showing (%d), marked %d", plane.showing,
	      (int)atomic_load(&d.cursor_on));
	int hides = plane.hide_calls;
	CHECK(!fbk_drm_cursor_restore(&d) && plane.hide_calls == hides,
	      "a hidden plane was hidden again");
	free(c.image);
}

int main(void)
{
	uint8_t *buffer = malloc(64 * 64 * 4);
	if (!buffer)
		return 1;
	check_hook_after_set(buffer);
	check_refused_set(buffer);
	check_refused_move(buffer);
	check_restore_fails(buffer);
	check_sprite_restore_hides(buffer);
	free(buffer);
	return harness_exit();
}

#else

int main(void)
{
	SKIP("fbkit was built without libdrm (-Ddrm): no cursor plane");
}

#endif
