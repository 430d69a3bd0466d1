/*
 * The libinput session (built only with libinput): devices from udev
 * (seat, hot-plug) or from paths, and libinput's events turned into
 * fbkit's. Keys go through input.c (modifiers, keymap, repeat, VT
 * switching); positions through map.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <libinput.h>
#include <libudev.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/error.h"
#include "input/input_internal.h"

/* evdev's character devices */
#define INPUT_MAJOR 13

struct fbk_devices {
	struct udev *udev;
	struct libinput *li;
};

/* libinput opens devices through us: read-write, non-blocking, never our tty. */
static int open_restricted(const char *path, int flags, void *user)
{
	(void)user;
	int fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

static void close_restricted(int fd, void *user)
{
	(void)user;
	close(fd);
}

static const struct libinput_interface interface = {
	.open_restricted = open_restricted,
	.close_restricted = close_restricted,
};

/* libinput's messages into fbkit's log. */
FBK_PRINTF(3, 0)
static void log_handler(struct libinput *li, enum libinput_log_priority priority,
			const char *format, va_list args)
{
	(void)li;
	char text[256];
	vsnprintf(text, sizeof(text), format, args);
	size_t n = strlen(text);
	if (n && text[n - 1] == '\n')
		text[n - 1] = '\0';
	fbk_log(priority >= LIBINPUT_LOG_PRIORITY_ERROR  ? FBK_LOG_WARNING
		: priority >= LIBINPUT_LOG_PRIORITY_INFO ? FBK_LOG_DEBUG
							 : FBK_LOG_DEBUG,
		"libinput: %s", text);
}

void fbk_devices_close(struct fbk_devices *d)
{
	if (!d)
		return;
	if (d->li)
		libinput_unref(d->li);
	if (d->udev)
		udev_unref(d->udev);
	free(d);
}

static int open_paths(struct fbk_input *in, struct fbk_devices *d,
		      const struct fbk_input_spec *spec, bool *keyboards)
{
	d->li = libinput_path_create_context(&interface, in);
	if (!d->li)
		return fbk_fail(-ENOMEM, "input: cannot create a libinput context");
	for (unsigned i = 0; i < spec->path_count; i++) {
		const char *path = spec->paths[i];
		if (access(path, F_OK))
			return fbk_fail(-errno, "input: %s: %s", path, fbk_errstr(errno));
		if (access(path, R_OK))
			return fbk_fail(-EACCES, "input: %s: permission denied (run as root, or "
						 "join the group that owns it, usually 'input')",
					path);
		struct stat st;
		if (stat(path, &st) || !S_ISCHR(st.st_mode) || major(st.st_rdev) != INPUT_MAJOR)
			return fbk_fail(-ENOTTY, "input: %s is not an input event device "
						 "(/dev/input/eventN)",
					path);
		struct libinput_device *device = libinput_path_add_device(d->li, path);
		if (!device) {
			/* libinput takes no device udev has not seen, paths included. */
			char entry[64];
			snprintf(entry, sizeof(entry), "/run/udev/data/c%u:%u",
				 (unsigned)major(st.st_rdev), (unsigned)minor(st.st_rdev));
			if (access(entry, F_OK))
				return fbk_fail(-ENODEV, "input: libinput refuses %s: udev has no "
							 "entry for it (%s); without udevd, write "
							 "one (see the README, \"Without udevd\")",
						path, entry);
			return fbk_fail(-ENODEV, "input: libinput refuses %s (see the log)", path);
		}
		if (libinput_device_has_capability(device, LIBINPUT_DEVICE_CAP_KEYBOARD))
			*keyboards = true;
	}
	return 0;
}

static int open_seat(struct fbk_input *in, struct fbk_devices *d,
		     const struct fbk_input_spec *spec, bool *keyboards)
{
	d->udev = udev_new();
	if (!d->udev)
		return fbk_fail(-ENOMEM, "input: cannot reach udev (udev_new failed)");
	d->li = libinput_udev_create_context(&interface, in, d->udev);
	if (!d->li)
		return fbk_fail(-ENOMEM, "input: cannot create a libinput context");
	const char *seat = spec->seat ? spec->seat : "seat0";
	if (libinput_udev_assign_seat(d->li, seat))
		return fbk_fail(-ENODEV, "input: udev has no seat '%.32s' (or /run/udev is "
					 "missing: give input=/dev/input/eventN without udev)",
				seat);
	/*
	 * Which keyboards libinput could open shows in their device-added
	 * events: the VT's keyboard is turned off then (fbk_input_keyboard_found),
	 * so a user who may not read /dev/input keeps the console's.
	 */
	*keyboards = false;
	return 0;
}

int fbk_devices_open(struct fbk_input *in, const struct fbk_input_spec *spec, bool *keyboards)
{
	struct fbk_devices *d = calloc(1, sizeof(*d));
	if (!d)
		return fbk_fail(-ENOMEM, "out of memory");
	in->devices = d;
	*keyboards = false;
	int err = spec->path_count ? open_paths(in, d, spec, keyboards)
				   : open_seat(in, d, spec, keyboards);
	if (err)
		return err; /* fbk_input_close frees d */
	libinput_log_set_handler(d->li, log_handler);
	libinput_log_set_priority(d->li, LIBINPUT_LOG_PRIORITY_INFO);
	int fd = libinput_get_fd(d->li);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	if (epoll_ctl(in->epoll_fd, EPOLL_CTL_ADD, fd, &ev))
		return fbk_fail(-errno, "input: epoll_ctl: %s", fbk_errstr(errno));
	return 0;
}

static void touch(struct fbk_input *in, struct libinput_event *event, enum fbk_input_type type)
{
	struct libinput_event_touch *t = libinput_event_get_touch_event(event);
	struct fbk_input_event out = {
		.type = type,
		.time_usec = libinput_event_touch_get_time_usec(t),
	};
	if (type != FBK_INPUT_TOUCH_FRAME)
		out.touch.slot = libinput_event_touch_get_seat_slot(t);
	int32_t slot = out.touch.slot;
	bool remembered = slot >= 0 && slot < FBK_INPUT_SLOTS;
	if (type == FBK_INPUT_TOUCH_DOWN || type == FBK_INPUT_TOUCH_MOTION) {
		struct fbk_point p = fbk_map_absolute(libinput_event_touch_get_x_transformed(t, 1),
						      libinput_event_touch_get_y_transformed(t, 1),
						      in->calibration, in->rotation, in->width,
						      in->height);
		if (remembered)
			in->touches[slot] = p;
		out.touch.x = p.x;
		out.touch.y = p.y;
	} else if (type == FBK_INPUT_TOUCH_UP && remembered) {
		out.touch.x = in->touches[slot].x;
		out.touch.y = in->touches[slot].y;
	}
	fbk_input_deliver(in, &out);
}

static void pointer(struct fbk_input *in, struct libinput_event *event,
		    enum libinput_event_type type)
{
	struct libinput_event_pointer *p = libinput_event_get_pointer_event(event);
	struct fbk_input_event out = { .time_usec = libinput_event_pointer_get_time_usec(p) };
	switch (type) {
	case LIBINPUT_EVENT_POINTER_MOTION:
		out.type = FBK_INPUT_POINTER_MOTION;
		out.pointer.dx = libinput_event_pointer_get_dx(p);
		out.pointer.dy = libinput_event_pointer_get_dy(p);
		in->pointer = fbk_map_relative(in->pointer, out.pointer.dx, out.pointer.dy,
					       in->width, in->height);
		break;
	case LIBINPUT_EVENT_POINTER_MOTION_ABSOLUTE: {
		out.type = FBK_INPUT_POINTER_MOTION;
		struct fbk_point to = fbk_map_absolute(
			libinput_event_pointer_get_absolute_x_transformed(p, 1),
			libinput_event_pointer_get_absolute_y_transformed(p, 1), in->calibration,
			in->rotation, in->width, in->height);
		out.pointer.dx = to.x - in->pointer.x;
		out.pointer.dy = to.y - in->pointer.y;
		in->pointer = to;
		break;
	}
	case LIBINPUT_EVENT_POINTER_BUTTON:
		out.type = FBK_INPUT_POINTER_BUTTON;
		out.pointer.button = libinput_event_pointer_get_button(p);
		out.pointer.pressed = libinput_event_pointer_get_button_state(p) ==
				      LIBINPUT_BUTTON_STATE_PRESSED;
		break;
	case LIBINPUT_EVENT_POINTER_SCROLL_WHEEL:
	case LIBINPUT_EVENT_POINTER_SCROLL_FINGER:
	case LIBINPUT_EVENT_POINTER_SCROLL_CONTINUOUS:
		out.type = FBK_INPUT_POINTER_SCROLL;
		/*
		 * Wheels in clicks (120 units of v120 each); fingers and
		 * continuous sources in libinput's 15-unit "degrees" per click.
		 */
		for (int axis = 0; axis < 2; axis++) {
			enum libinput_pointer_axis a = axis ? LIBINPUT_POINTER_AXIS_SCROLL_VERTICAL
							    : LIBINPUT_POINTER_AXIS_SCROLL_HORIZONTAL;
			if (!libinput_event_pointer_has_axis(p, a))
				continue;
			double v = type == LIBINPUT_EVENT_POINTER_SCROLL_WHEEL
					   ? libinput_event_pointer_get_scroll_value_v120(p, a) / 120
					   : libinput_event_pointer_get_scroll_value(p, a) / 15;
			if (axis)
				out.pointer.scroll_y = v;
			else
				out.pointer.scroll_x = v;
		}
		break;
	default:
		return;
	}
	out.pointer.x = in->pointer.x;
	out.pointer.y = in->pointer.y;
	if (out.type == FBK_INPUT_POINTER_MOTION)
		in->pointer_moved = true;
	fbk_input_deliver(in, &out);
}

static void device(struct fbk_input *in, struct libinput_event *event, enum fbk_input_type type)
{
	struct libinput_device *dev = libinput_event_get_device(event);
	struct fbk_input_event out = { .type = type };
	out.device.name = libinput_device_get_name(dev);
	fbk_log(FBK_LOG_INFO, "input: %s %s (%s)",
		type == FBK_INPUT_DEVICE_ADDED ? "added" : "removed", out.device.name,
		libinput_device_get_sysname(dev));
	if (type == FBK_INPUT_DEVICE_REMOVED)
		fbk_repeat_cancel(&in->repeat);
	else if (libinput_device_has_capability(dev, LIBINPUT_DEVICE_CAP_KEYBOARD))
		fbk_input_keyboard_found(in);
	fbk_input_deliver(in, &out);
}

static void handle(struct fbk_input *in, struct libinput_event *event)
{
	enum libinput_event_type type = libinput_event_get_type(event);
	if (type == LIBINPUT_EVENT_DEVICE_ADDED) {
		device(in, event, FBK_INPUT_DEVICE_ADDED);
		return;
	}
	if (type == LIBINPUT_EVENT_DEVICE_REMOVED) {
		device(in, event, FBK_INPUT_DEVICE_REMOVED);
		return;
	}
	if (type == LIBINPUT_EVENT_KEYBOARD_KEY) {
		struct libinput_event_keyboard *k = libinput_event_get_keyboard_event(event);
		fbk_input_key(in, libinput_event_keyboard_get_key(k),
			      libinput_event_keyboard_get_key_state(k) ==
				      LIBINPUT_KEY_STATE_PRESSED,
			      libinput_event_keyboard_get_time_usec(k));
		return;
	}
	/* Touches and the pointer belong to the VT in front. */
	if (!fbk_input_active(in))
		return;
	switch (type) {
	case LIBINPUT_EVENT_TOUCH_DOWN:
		touch(in, event, FBK_INPUT_TOUCH_DOWN);
		break;
	case LIBINPUT_EVENT_TOUCH_MOTION:
		touch(in, event, FBK_INPUT_TOUCH_MOTION);
		break;
	case LIBINPUT_EVENT_TOUCH_UP:
		touch(in, event, FBK_INPUT_TOUCH_UP);
		break;
	case LIBINPUT_EVENT_TOUCH_CANCEL:
		touch(in, event, FBK_INPUT_TOUCH_CANCEL);
		break;
	case LIBINPUT_EVENT_TOUCH_FRAME:
		touch(in, event, FBK_INPUT_TOUCH_FRAME);
		break;
	default:
		pointer(in, event, type);
		break;
	}
}

int fbk_devices_dispatch(struct fbk_input *in)
{
	struct libinput *li = in->devices->li;
	if (libinput_dispatch(li))
		return fbk_fail(-EIO, "input: reading the devices failed (libinput_dispatch)");
	struct libinput_event *event;
	while ((event = libinput_get_event(li))) {
		handle(in, event);
		libinput_event_destroy(event);
	}
	/*
	 * The cursor once per batch, where the pointer ended: each move is a
	 * present (and on fbdev a wait for the vertical blank), which a
	 * fast mouse's dozen motions must not each pay for.
	 */
	if (in->pointer_moved) {
		in->pointer_moved = false;
		fbk_input_pointer_moved(in);
	}
	return 0;
}
