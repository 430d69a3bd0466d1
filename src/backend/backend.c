/*
 * The backend layer: the registry (spec string -> backend), the public
 * display calls, and what backends share (opening a device node, the
 * reasons several candidates failed); present.c is the back buffer and
 * present sequence they share. Each backend (offscreen.c, fbdev.c, the
 * DRM files) embeds struct fbk_display and fills in its ops. This layer
 * may call core (surfaces, formats, errors), image (PNG snapshots) and
 * platform (the console); drawing code never calls it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/cursor.h"
#include "backend/present.h"
#include "config.h"
#include "core/error.h"
#include "platform/console.h"

#define DEFAULT_FRAME_INTERVAL 16666667u /* ns: 60 Hz, the rate of nearly every screen */

static const struct fbk_backend backends[] = {
	{ "offscreen", fbk_offscreen_open, NULL },
#if FBK_HAVE_DRM
	{ "drm", fbk_drm_open, NULL },
#else
	{ "drm", NULL, "drm: this fbkit was built without libdrm, so it has no DRM backend "
		       "(rebuild with libdrm-dev installed and -Ddrm=enabled, or use fbdev)" },
#endif
	{ "fbdev", fbk_fbdev_open, NULL },
};

#define BACKEND_COUNT (sizeof(backends) / sizeof(backends[0]))

static const struct fbk_backend *find_backend(const char *name)
{
	for (size_t i = 0; i < BACKEND_COUNT; i++)
		if (!strcmp(backends[i].name, name))
			return &backends[i];
	return NULL;
}

static int open_backend(const struct fbk_backend *backend, struct fbk_display **out,
			const struct fbk_spec *spec)
{
	if (!backend->open)
		return fbk_fail(-ENOTSUP, "%s", backend->missing_reason);
	int err = backend->open(out, spec);
	if (err)
		return fbk_fail_context(err, backend->name);
	/* From here on the application owns `surface`; the backend's truth is kept apart. */
	struct fbk_display *display = *out;
	display->geometry = display->surface;
	display->geometry.clip = (struct fbk_rect){ 0, 0, display->geometry.width,
						    display->geometry.height };
	if (!display->frame_interval)
		display->frame_interval = DEFAULT_FRAME_INTERVAL;
	display->frame_timer_open = false;
	display->frame_set_open = false;
	display->frame_ticking = false;
	display->frame_started = 0;
	display->cursor = NULL;
	fbk_cursor_position_init(&display->cursor_x, &display->cursor_y, display->geometry.width,
				 display->geometry.height);
	return 0;
}

/*
 * While another program is DRM master, the kernel's fbdev emulation on the
 * same card opens fine but shows nothing: that conflict is the answer, not
 * a reason to try fbdev.
 */
static bool ends_auto(const struct fbk_backend *backend, int err)
{
	return err == -EBUSY && !strcmp(backend->name, "drm");
}

int fbk_display_open_first(struct fbk_display **out, const struct fbk_spec *spec,
			   const struct fbk_backend *const *candidates, size_t count)
{
	struct fbk_failures failed = { 0, "" };
	for (size_t i = 0; i < count; i++) {
		struct fbk_spec single = *spec;
		single.backend = candidates[i]->name;
		int err = open_backend(candidates[i], out, &single);
		if (!err)
			return 0;
		if (ends_auto(candidates[i], err))
			return err; /* the message already says who holds the display */
		fbk_failures_add(&failed, err);
	}
	return fbk_fail(failed.err, "no display found (%s); use FBKIT_DISPLAY=offscreen to "
				    "render without one",
			failed.reasons);
}

/* "auto": each candidate in turn; the error says why every one failed. */
static int open_auto(struct fbk_display **out, const struct fbk_spec *spec)
{
	const struct fbk_backend *const order[] = { find_backend("drm"), find_backend("fbdev") };
	for (size_t i = 0; i < spec->option_count; i++)
		if (!fbk_spec_is_common(spec->options[i].key))
			return fbk_fail(-EINVAL, "'auto' takes no options but those every display "
						 "takes (no-signals, rotate=)");
	if (spec->argument)
		return fbk_fail(-EINVAL, "'auto' takes no argument");
	return fbk_display_open_first(out, spec, order, sizeof(order) / sizeof(order[0]));
}

void fbk_failures_add(struct fbk_failures *failures, int err)
{
	if (!failures->err || failures->err == -ENOTSUP)
		failures->err = err;
	size_t used = strlen(failures->reasons);
	snprintf(failures->reasons + used, sizeof(failures->reasons) - used, "%s%s",
		 used ? "; " : "", fbk_last_error());
}

double fbk_elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

static int open_failure(const char *path, int err, const char *missing)
{
	switch (err) {
	case ENOENT:
		return fbk_fail(-ENOENT, "%s: no such device (%s)", path, missing);
	case EACCES:
	case EPERM:
		return fbk_fail(-EACCES, "%s: permission denied (run as root, or as a user in "
					 "the group that owns it, usually 'video')",
				path);
	default:
		return fbk_fail(-err, "%s: cannot open: %s", path, fbk_errstr(err));
	}
}

int fbk_open_device(const char *path, const char *kind, const char *missing)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return open_failure(path, errno, missing);
	struct stat st;
	int err = 0;
	if (fstat(fd, &st))
		err = fbk_fail(-errno, "%s: cannot stat: %s", path, fbk_errstr(errno));
	else if (!S_ISCHR(st.st_mode))
		err = fbk_fail(-ENOTTY, "%s is not a %s device (not a character device)", path,
			       kind);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int fbk_display_open(struct fbk_display **out, const char *spec_text)
{
	if (!out)
		return fbk_fail(-EINVAL, "output pointer is NULL");
	*out = NULL;
	if (!spec_text || !*spec_text)
		spec_text = getenv("FBKIT_DISPLAY");
	if (!spec_text || !*spec_text)
		spec_text = "auto";

	struct fbk_spec *spec = malloc(sizeof(*spec));
	if (!spec)
		return fbk_fail(-ENOMEM, "out of memory");
	int err = fbk_spec_parse(spec, spec_text);
	if (!err) {
		const struct fbk_backend *backend = find_backend(spec->backend);
		if (!strcmp(spec->backend, "auto"))
			err = open_auto(out, spec);
		else if (backend)
			err = open_backend(backend, out, spec);
		else
			err = fbk_fail(-EINVAL,
				       "unknown display backend '%s' in \"%s\" (known: offscreen, "
				       "fbdev, drm, auto)",
				       spec->backend, spec_text);
	}
	free(spec);
	return err;
}

void fbk_display_close(struct fbk_display *display)
{
	if (!display)
		return;
	if (display->frame_timer_open)
		close(display->frame_timer);
	if (display->frame_set_open)
		close(display->frame_set);
	/* The backend hides a cursor plane as it closes; the cursor's memory is the registry's. */
	struct fbk_cursor *cursor = display->cursor;
	display->ops->close(display);
	fbk_cursor_destroy(cursor);
}

/* ---------------------------------------------------------------- frames */

uint64_t fbk_refresh_interval(uint64_t pixel_hz, uint32_t htotal, uint32_t vtotal)
{
	uint64_t pixels = (uint64_t)htotal * vtotal;
	if (!pixel_hz || !pixels)
		return 0;
	/* Refresh rates beyond 1000 Hz or under 1 Hz are a mode's nonsense, not a screen. */
	uint64_t ns = (uint64_t)((double)pixels * 1e9 / (double)pixel_hz + 0.5);
	return ns >= 1000000u && ns <= 1000000000u ? ns : 0;
}

uint64_t fbk_display_frame_interval(const struct fbk_display *display)
{
	return display ? display->frame_interval : 0;
}

int fbk_display_device_frame_fd(struct fbk_display *display)
{
	return display->ops->frame_fd ? display->ops->frame_fd(display) : -ENOTSUP;
}

int fbk_display_device_frame_dispatch(struct fbk_display *display)
{
	return display->ops->frame_dispatch ? display->ops->frame_dispatch(display) : 0;
}

bool fbk_display_frame_pending(const struct fbk_display *display)
{
	return display->ops->frame_pending && display->ops->frame_pending(display);
}

uint64_t fbk_display_frame_deadline(const struct fbk_display *display)
{
	if (!display->ops->frame_deadline || !fbk_display_frame_pending(display))
		return UINT64_MAX;
	return display->ops->frame_deadline(display);
}

/* Arm the frame timer: at `at` (CLOCK_MONOTONIC ns, 0 disarms), then every `every` ns. */
static int set_frame_timer(struct fbk_display *display, uint64_t at, uint64_t every)
{
	struct itimerspec spec = {
		.it_value = { (time_t)(at / 1000000000u), (long)(at % 1000000000u) },
		.it_interval = { (time_t)(every / 1000000000u), (long)(every % 1000000000u) },
	};
	if (timerfd_settime(display->frame_timer, TFD_TIMER_ABSTIME, &spec, NULL))
		return fbk_fail(-errno, "%s: cannot set the frame timer: %s",
				display->backend_name, fbk_errstr(errno));
	return 0;
}

static uint64_t monotonic_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Time paces the frames from now on: the timer ticks every frame interval. */
static int start_ticking(struct fbk_display *display)
{
	uint64_t every = display->frame_interval;
	int err = set_frame_timer(display, monotonic_ns() + every, every);
	if (!err)
		display->frame_ticking = true;
	return err;
}

/*
 * A device's frames come to the program through one epoll set holding
 * the device's fd and the frame timer: the timer wakes a poller when the
 * device gives up on a frame without an event, and paces the frames by
 * itself once the device no longer can, all behind the one fd the
 * program already polls.
 */
static int make_frame_set(struct fbk_display *display, int device_fd)
{
	int set = epoll_create1(EPOLL_CLOEXEC);
	if (set < 0)
		return fbk_fail(-errno, "%s: cannot make the frame fd: %s", display->backend_name,
				fbk_errstr(errno));
	struct epoll_event ev = { .events = EPOLLIN };
	if (epoll_ctl(set, EPOLL_CTL_ADD, device_fd, &ev) ||
	    epoll_ctl(set, EPOLL_CTL_ADD, display->frame_timer, &ev)) {
		int err = -errno;
		close(set);
		return fbk_fail(err, "%s: cannot make the frame fd: %s", display->backend_name,
				fbk_errstr(-err));
	}
	display->frame_set = set;
	display->frame_set_open = true;
	return set;
}

int fbk_display_frame_fd(struct fbk_display *display)
{
	if (!display)
		return fbk_fail(-EINVAL, "display is NULL");
	if (display->frame_set_open)
		return display->frame_set;
	if (display->frame_timer_open)
		return display->frame_timer;
	int device_fd = fbk_display_device_frame_fd(display);
	if (device_fd < 0 && device_fd != -ENOTSUP)
		return device_fd;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return fbk_fail(-errno, "%s: cannot make the frame timer: %s",
				display->backend_name, fbk_errstr(errno));
	display->frame_timer = fd;
	display->frame_timer_open = true;
	display->frame_owner = getpid();
	display->frame_forked = false;
	int err = device_fd >= 0 ? make_frame_set(display, device_fd) : start_ticking(display);
	if (err < 0) {
		close(fd);
		display->frame_timer_open = false;
		return err;
	}
	return device_fd >= 0 ? display->frame_set : fd;
}

/* 1 when the timer ticked since last asked, 0 when not yet. */
static int read_frame_timer(struct fbk_display *display)
{
	uint64_t expirations;
	ssize_t got = read(display->frame_timer, &expirations, sizeof(expirations));
	if (got == (ssize_t)sizeof(expirations))
		return 1;
	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return fbk_fail(got < 0 ? -errno : -EIO, "%s: cannot read the frame timer: %s",
			display->backend_name, got < 0 ? fbk_errstr(errno) : "short read");
}

/* The device paces the frames (fbk_display_frame_fd() handed out frame_set). */
static int device_frame_ready(struct fbk_display *display)
{
	/* Whatever woke the set is taken first, so that it does not stay readable. */
	int err = fbk_display_device_frame_dispatch(display);
	if (err)
		return err;
	if (display->frame_ticking)
		return read_frame_timer(display);
	if (fbk_display_device_frame_fd(display) == -ENOTSUP) {
		/*
		 * The device stopped pacing (DRM gave up flipping, fbdev's
		 * waits failed): the frame just presented went straight to
		 * the screen, and the next one is a frame interval away.
		 */
		err = start_ticking(display);
		return err ? err : read_frame_timer(display);
	}
	int ticked = read_frame_timer(display);
	if (ticked < 0)
		return ticked;
	if (!fbk_display_frame_pending(display)) {
		/*
		 * A frame shown long before the refresh interval is over had
		 * no vertical blank to wait for (QEMU's bochs completes flips
		 * in under a millisecond): hold the next one until the
		 * interval is, as the loop does (pace.c), or such a card
		 * would be drawn on as fast as the program can.
		 */
		uint64_t now = monotonic_ns(), interval = display->frame_interval;
		uint64_t slot = display->frame_started + interval;
		if (display->frame_started && now < slot && slot - now > interval / 4) {
			err = set_frame_timer(display, slot, 0);
			return err ? err : 0;
		}
		display->frame_started = now;
		err = set_frame_timer(display, 0, 0);
		return err ? err : 1;
	}
	/* Held back: wake the poller when the device gives up on the frame, event or not. */
	uint64_t deadline = fbk_display_frame_deadline(display);
	err = set_frame_timer(display, deadline == UINT64_MAX ? 0 : deadline, 0);
	return err ? err : 0;
}

/*
 * In a fork()ed child: a timer and a set of its own, put under the numbers
 * the program already polls (the parent's stay as they are), ticking at
 * the frame interval.
 */
static int own_frame_fds(struct fbk_display *display)
{
	int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (timer < 0)
		return fbk_fail(-errno, "%s: cannot make the frame timer: %s",
				display->backend_name, fbk_errstr(errno));
	int err = 0;
	if (dup3(timer, display->frame_timer, O_CLOEXEC) < 0)
		err = -errno;
	close(timer);
	if (!err && display->frame_set_open) {
		int set = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN };
		if (set < 0 || epoll_ctl(set, EPOLL_CTL_ADD, display->frame_timer, &ev) ||
		    dup3(set, display->frame_set, O_CLOEXEC) < 0)
			err = -errno;
		if (set >= 0)
			close(set);
	}
	if (err)
		return fbk_fail(err, "%s: cannot make the frame fd in a forked process: %s",
				display->backend_name, fbk_errstr(-err));
	display->frame_owner = getpid();
	display->frame_forked = true;
	return start_ticking(display);
}

int fbk_display_frame_ready(struct fbk_display *display)
{
	if (!display)
		return fbk_fail(-EINVAL, "display is NULL");
	if (display->frame_timer_open && display->frame_owner != getpid()) {
		int err = own_frame_fds(display);
		if (err)
			return err;
	}
	if (display->frame_forked)
		return read_frame_timer(display);
	if (display->frame_set_open)
		return device_frame_ready(display);
	if (!display->frame_timer_open)
		return fbk_fail(-EINVAL, "%s: call fbk_display_frame_fd() first",
				display->backend_name);
	return read_frame_timer(display);
}

struct fbk_surface *fbk_display_surface(struct fbk_display *display)
{
	return display ? &display->surface : NULL;
}

const char *fbk_display_backend(const struct fbk_display *display)
{
	return display ? display->backend_name : NULL;
}

int fbk_display_rotation(const struct fbk_display *display)
{
	return display ? display->rotation : 0;
}

/*
 * The application may narrow the clip (present does not read it), but a
 * descriptor that no longer describes the screen would make present copy
 * the wrong pixels, or past the memory behind the screen: refuse it.
 */
static int check_surface(const struct fbk_display *display)
{
	const struct fbk_surface *s = &display->surface, *g = &display->geometry;
	if (s->pixels == g->pixels && s->width == g->width && s->height == g->height &&
	    s->stride == g->stride && s->format == g->format)
		return 0;
	const char *what = s->pixels != g->pixels ? "pixels"
			   : s->width != g->width ? "width"
			   : s->height != g->height ? "height"
			   : s->stride != g->stride ? "stride"
						    : "format";
	return fbk_fail(-EINVAL, "the display's surface no longer describes the screen (its %s "
				 "was changed; the screen is %dx%d, stride %zu): leave "
				 "fbk_display_surface()'s fields as they are (only the clip may "
				 "change) and draw on a part of it through a surface of your own, "
				 "fbk_surface_sub(&part, surface, &rect)",
			what, (int)g->width, (int)g->height, g->stride);
}

int fbk_display_present(struct fbk_display *display, const struct fbk_rect *rects, size_t n)
{
	if (!display)
		return fbk_fail(-EINVAL, "display is NULL");
	if (!rects && n)
		return fbk_fail(-EINVAL, "%zu rectangles given but the list is NULL", n);
	int err = check_surface(display);
	if (err)
		return err;
	const struct fbk_surface *s = &display->geometry;
	struct fbk_rect bounds = { 0, 0, s->width, s->height };
	if (!rects)
		return display->ops->present(display, &bounds, 1);

	/* Cut the caller's rectangles to the screen and drop empty ones. */
	struct fbk_rect small[32];
	struct fbk_rect *cut = small;
	if (n > sizeof(small) / sizeof(small[0])) {
		cut = malloc(n * sizeof(*cut)); /* n * 16 cannot overflow: rects exist */
		if (!cut)
			return fbk_fail(-ENOMEM, "out of memory for %zu rectangles", n);
	}
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += (size_t)fbk_rect_intersect(&rects[i], &bounds, &cut[count]);
	err = count ? display->ops->present(display, cut, count) : 0;
	if (cut != small)
		free(cut);
	return err;
}

int fbk_display_read_front(struct fbk_display *display, struct fbk_surface *dst)
{
	if (!display || !dst)
		return fbk_fail(-EINVAL, "read front: %s is NULL", display ? "surface" : "display");
	int err = fbk_surface_check(dst);
	if (err)
		return fbk_fail_context(err, "read front");
	const struct fbk_surface *s = &display->geometry;
	if (dst->width != s->width || dst->height != s->height)
		return fbk_fail(-EINVAL, "read front: the surface is %dx%d, the screen %dx%d",
				(int)dst->width, (int)dst->height, (int)s->width, (int)s->height);
	if (!display->ops->read_front)
		return fbk_fail(-ENOTSUP, "%s: this backend cannot read its screen back",
				display->backend_name);
	return display->ops->read_front(display, dst);
}

void fbk_describe_line(struct fbk_describe *out, const char *key, const char *fmt, ...)
{
	char value[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	size_t room = out->used < out->size ? out->size - out->used : 0;
	int n = snprintf(room ? out->buf + out->used : NULL, room, "%s: %s\n", key, value);
	if (n > 0)
		out->used += (size_t)n;
}

int fbk_display_describe(const struct fbk_display *display, char *buf, size_t size)
{
	if (!display)
		return fbk_fail(-EINVAL, "display is NULL");
	if (!buf && size)
		return fbk_fail(-EINVAL, "buffer is NULL but its size is %zu", size);
	if (size)
		buf[0] = '\0';
	struct fbk_describe out = { buf, size, 0 };
	const struct fbk_surface *s = &display->geometry;
	const struct fbk_format_info *info = fbk_format_info(s->format);
	fbk_describe_line(&out, "backend", "%s", display->backend_name);
	fbk_describe_line(&out, "mode", "%dx%d", (int)s->width, (int)s->height);
	fbk_describe_line(&out, "format", "%s (%s)", info ? info->name : "?",
			  info ? info->long_name : "unknown");
	fbk_describe_line(&out, "stride", "%zu", s->stride);
	if (display->rotation) {
		int32_t w = s->width, h = s->height;
		fbk_rotated_size(display->rotation, &w, &h);
		fbk_describe_line(&out, "rotation", "%d degrees clockwise on a %dx%d panel",
				  display->rotation, (int)w, (int)h);
	} else {
		fbk_describe_line(&out, "rotation", "0");
	}
	const struct fbk_cursor *c = display->cursor;
	if (!c)
		fbk_describe_line(&out, "cursor", "off");
	else
		fbk_describe_line(&out, "cursor", "%s, %dx%d, %s",
				  c->mode == FBK_CURSOR_HARDWARE ? "hardware (the driver's cursor "
								   "plane)"
								 : "software (blended into the "
								   "screen's memory)",
				  (int)c->width, (int)c->height, c->visible ? "shown" : "hidden");
	if (display->ops->describe)
		display->ops->describe(display, &out);
	return out.used > INT_MAX ? INT_MAX : (int)out.used;
}

bool fbk_display_needs_redraw(struct fbk_display *display)
{
	if (!display || !display->ops->needs_redraw)
		return false;
	/* Emptied before asking: a VT switch back after this leaves it readable again. */
	fbk_console_clear_redraw();
	return display->ops->needs_redraw(display);
}

int fbk_display_redraw_fd(const struct fbk_display *display)
{
	if (!display)
		return fbk_fail(-EINVAL, "display is NULL");
	/* Backends that can lose the screen are exactly those holding the console. */
	if (!display->ops->needs_redraw)
		return fbk_fail(-ENOTSUP, "%s displays never need a redraw; leave them out of "
					  "the poll set",
				display->backend_name);
	int fd = fbk_console_redraw_fd();
	return fd >= 0 ? fd : fbk_fail(-EBADF, "%s: the display holds no console",
				       display->backend_name);
}

void fbk_display_restore_console(void)
{
	fbk_console_restore();
}
