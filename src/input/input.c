/*
 * The input layer: keyboards, mice, touchscreens and tablets, read
 * through libinput, delivered in the display's coordinates. It may call
 * core, platform (the console: the VT's keyboard mode and VT switching)
 * and backend (the display's size and rotation).
 *
 * This file is what every build has: the public calls, keys (modifiers,
 * the keymap of keymap.c, Ctrl+Alt+Fn, repeat), and positions (map.c).
 * devices.c is the libinput session, built only with libinput; without
 * it fbk_input_open says which option is missing. repeat.c, map.c and
 * input_spec.c are pure, for the tests.
 *
 * One fd for the program's poll set: an epoll set holding libinput's fd
 * and a timerfd armed for the next key repeat, so a program asleep in
 * poll() wakes for a repeat as for a key.
 */
#include <errno.h>
#include <linux/input-event-codes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "backend/backend.h"
#include "core/error.h"
#include "input/input_internal.h"
#include "platform/console.h"

#define DEFAULT_REPEAT_DELAY_MS 600
#define DEFAULT_REPEAT_RATE 25

/* One bit per modifier key in fbk_input.held. */
static const struct {
	uint32_t code;
	uint32_t modifier;
} modifier_keys[] = {
	{ KEY_LEFTSHIFT, FBK_MOD_SHIFT }, { KEY_RIGHTSHIFT, FBK_MOD_SHIFT },
	{ KEY_LEFTCTRL, FBK_MOD_CTRL },   { KEY_RIGHTCTRL, FBK_MOD_CTRL },
	{ KEY_LEFTALT, FBK_MOD_ALT },     { KEY_RIGHTALT, FBK_MOD_ALT },
	{ KEY_LEFTMETA, FBK_MOD_SUPER },  { KEY_RIGHTMETA, FBK_MOD_SUPER },
};
#define MODIFIER_KEY_COUNT (sizeof(modifier_keys) / sizeof(modifier_keys[0]))

static int modifier_index(uint32_t code)
{
	for (size_t i = 0; i < MODIFIER_KEY_COUNT; i++)
		if (modifier_keys[i].code == code)
			return (int)i;
	return -1;
}

static uint32_t held_modifiers(const struct fbk_input *in)
{
	uint32_t mods = 0;
	for (size_t i = 0; i < MODIFIER_KEY_COUNT; i++)
		if (in->held & (1u << i))
			mods |= modifier_keys[i].modifier;
	return mods;
}

#if !FBK_HAVE_XKBCOMMON
bool fbk_keymap_repeats(const struct fbk_keymap *keymap, uint32_t code)
{
	(void)keymap;
	return modifier_index(code) < 0;
}
#endif

static uint64_t monotonic_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The VT number Ctrl+Alt+key asks for, or 0. */
static unsigned vt_of_key(uint32_t code)
{
	if (code >= KEY_F1 && code <= KEY_F10)
		return code - KEY_F1 + 1;
	if (code == KEY_F11)
		return 11;
	if (code == KEY_F12)
		return 12;
	return 0;
}

void fbk_input_deliver(struct fbk_input *in, struct fbk_input_event *event)
{
	if (!in->fn)
		return;
	in->fn(event, in->user);
	in->delivered++;
}

void fbk_input_pointer_moved(struct fbk_input *in)
{
	if (!in->display)
		return;
	/* Kept in the display even without a cursor, so one set later starts at the pointer. */
	int err = fbk_display_move_cursor(in->display, (int32_t)in->pointer.x,
					  (int32_t)in->pointer.y);
	/*
	 * A move fails on every event while the cause lasts (DRM master
	 * lost): said once, and again only after a move succeeded.
	 */
	if (err && !in->cursor_failing)
		fbk_log(FBK_LOG_WARNING, "input: cannot move the cursor: %s", fbk_last_error());
	in->cursor_failing = err != 0;
}

void fbk_input_keyboard_found(struct fbk_input *in)
{
	if (in->console)
		return;
	int err = fbk_console_acquire(&in->console, FBK_CONSOLE_KEYBOARD |
							    (in->no_signals ? FBK_CONSOLE_NO_SIGNALS : 0));
	if (err) {
		in->console = NULL;
		fbk_log(FBK_LOG_WARNING, "input: %s; keys typed reach the VT's shell too",
			fbk_last_error());
	}
}

bool fbk_input_active(const struct fbk_input *in)
{
	return !in->console || fbk_console_active(in->console);
}

static void deliver_key(struct fbk_input *in, uint32_t code, enum fbk_key_state state,
			uint64_t time_us)
{
	struct fbk_key_meaning meaning;
	fbk_keymap_lookup(in->keymap, code, &meaning);
	struct fbk_input_event event = { .type = FBK_INPUT_KEY, .time_usec = time_us };
	event.key.code = code;
	event.key.state = state;
	event.key.keysym = meaning.keysym;
	memcpy(event.key.text, meaning.text, sizeof(event.key.text));
	event.key.modifiers = held_modifiers(in) | meaning.locks;
	fbk_input_deliver(in, &event);
}

/* Arm the timer for the next repeat, or disarm it. */
static void arm_repeat_timer(struct fbk_input *in)
{
	if (in->timer_fd < 0)
		return;
	uint64_t due = fbk_repeat_deadline(&in->repeat);
	struct itimerspec when = { 0 };
	if (due) {
		/* 0 would disarm: a repeat due at time 0 is long overdue anyway */
		when.it_value.tv_sec = (time_t)(due / 1000000);
		when.it_value.tv_nsec = (long)(due % 1000000) * 1000 + 1;
	}
	timerfd_settime(in->timer_fd, TFD_TIMER_ABSTIME, &when, NULL);
}

void fbk_input_repeats(struct fbk_input *in, uint64_t now_us)
{
	/* The VT went away (chvt, or a key of ours) with a key held: none for the other VT. */
	if (!fbk_input_active(in))
		fbk_repeat_cancel(&in->repeat);
	uint32_t code;
	uint64_t due;
	while (fbk_repeat_next(&in->repeat, now_us, &code, &due))
		deliver_key(in, code, FBK_KEY_REPEAT, due);
}

/* A key's effect on the state: held modifiers and the keymap's. */
static void follow_key(struct fbk_input *in, uint32_t code, bool pressed)
{
	int modifier = modifier_index(code);
	if (modifier >= 0) {
		if (pressed)
			in->held |= 1u << modifier;
		else
			in->held &= ~(1u << modifier);
	}
	fbk_keymap_update(in->keymap, code, pressed);
}

void fbk_input_key(struct fbk_input *in, uint32_t code, bool pressed, uint64_t time_us)
{
	fbk_input_repeats(in, time_us);
	uint32_t mods = held_modifiers(in);
	unsigned vt = vt_of_key(code);
	bool active = fbk_input_active(in);
	/* While the VT is away only the state follows, or Ctrl and Alt would stay down. */
	if (!active || (pressed && vt && (mods & FBK_MOD_CTRL) && (mods & FBK_MOD_ALT) &&
			in->console && fbk_console_switch_vt(in->console, vt) == 0)) {
		follow_key(in, code, pressed);
		fbk_repeat_cancel(&in->repeat);
		return;
	}
	/*
	 * The key means what it means under the state before it, as in XKB:
	 * Shift's own press carries no Shift, its release does.
	 */
	deliver_key(in, code, pressed ? FBK_KEY_PRESSED : FBK_KEY_RELEASED, time_us);
	follow_key(in, code, pressed);
	if (pressed && fbk_keymap_repeats(in->keymap, code))
		fbk_repeat_press(&in->repeat, code, time_us);
	else if (!pressed)
		fbk_repeat_release(&in->repeat, code);
}

/* Everything open() sets up that needs no device; closes what it made on failure. */
static int create(struct fbk_input **out, const struct fbk_input_spec *spec, int32_t width,
		  int32_t height, int rotation)
{
	struct fbk_input *in = calloc(1, sizeof(*in));
	if (!in)
		return fbk_fail(-ENOMEM, "out of memory");
	in->width = width;
	in->height = height;
	in->rotation = rotation;
	in->epoll_fd = in->timer_fd = -1;
	in->now = monotonic_us;
	memcpy(in->calibration, spec->calibration, sizeof(in->calibration));
	in->pointer = (struct fbk_point){ width / 2.0, height / 2.0 };
	fbk_repeat_init(&in->repeat);
	if (spec->repeat_set)
		fbk_repeat_configure(&in->repeat, spec->repeat_delay_ms, spec->repeat_rate);
	else
		fbk_repeat_configure(&in->repeat, DEFAULT_REPEAT_DELAY_MS, DEFAULT_REPEAT_RATE);
	int err = fbk_keymap_create(&in->keymap, spec);
	if (err)
		goto fail;
	in->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	in->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (in->epoll_fd < 0 || in->timer_fd < 0) {
		err = fbk_fail(-errno, "input: cannot create its file descriptors: %s",
			       fbk_errstr(errno));
		goto fail;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = in->timer_fd };
	if (epoll_ctl(in->epoll_fd, EPOLL_CTL_ADD, in->timer_fd, &ev)) {
		err = fbk_fail(-errno, "input: epoll_ctl: %s", fbk_errstr(errno));
		goto fail;
	}
	*out = in;
	return 0;
fail:
	fbk_input_close(in);
	return err;
}

int fbk_input_create_bare(struct fbk_input **out, int32_t width, int32_t height, int rotation,
			  uint64_t (*now)(void))
{
	struct fbk_input_spec spec;
	int err = fbk_input_spec_parse(&spec, "");
	if (!err)
		err = create(out, &spec, width, height, rotation);
	if (!err && now)
		(*out)->now = now;
	return err;
}

void fbk_input_test_begin(struct fbk_input *in, fbk_input_fn fn, void *user)
{
	in->fn = fn;
	in->user = user;
	in->delivered = 0;
}

int fbk_input_test_end(struct fbk_input *in)
{
	fbk_input_repeats(in, in->now());
	arm_repeat_timer(in);
	in->fn = NULL;
	return in->delivered;
}

#if FBK_HAVE_LIBINPUT
/* How the display turns the picture on the panel, which the touchscreen is fixed to. */
static int display_rotation(const struct fbk_display *display)
{
	int rotation = fbk_display_rotation(display);
	return fbk_rotation_valid(rotation) ? rotation : 0;
}
#endif

int fbk_input_open(struct fbk_input **out, struct fbk_display *display, const char *text)
{
	if (!out)
		return fbk_fail(-EINVAL, "input: output pointer is NULL");
	*out = NULL;
	if (!display)
		return fbk_fail(-EINVAL, "input: NULL display (positions are the display's)");
	if (!text)
		text = getenv("FBKIT_INPUT");
	/* 4 KiB: on the heap, as the caller's stack may be small */
	struct fbk_input_spec *spec = malloc(sizeof(*spec));
	if (!spec)
		return fbk_fail(-ENOMEM, "out of memory");
	int err = fbk_input_spec_parse(spec, text ? text : "");
	if (err)
		goto done;
#if FBK_HAVE_LIBINPUT
	struct fbk_input *in;
	err = create(&in, spec, display->geometry.width, display->geometry.height,
		     display_rotation(display));
	if (err)
		goto done;
	in->display = display;
	in->no_signals = spec->no_signals;
	bool keyboards = false;
	err = fbk_devices_open(in, spec, &keyboards);
	/*
	 * input= keyboards are read: the VT must stop taking their keys; its
	 * errors are open's. A touchscreen-only list leaves the console's
	 * keyboard alone. udev's keyboards come with their device-added events.
	 */
	if (!err && keyboards)
		err = fbk_console_acquire(&in->console,
					  FBK_CONSOLE_KEYBOARD |
						  (spec->no_signals ? FBK_CONSOLE_NO_SIGNALS : 0));
	if (err) {
		fbk_input_close(in);
		goto done;
	}
	/*
	 * libinput queued the devices it found, and nothing on its fd says
	 * so: the timer makes our fd readable, so the first poll wakes for them.
	 */
	struct itimerspec soon = { .it_value.tv_nsec = 1 };
	timerfd_settime(in->timer_fd, 0, &soon, NULL);
	*out = in;
#else
	err = fbk_fail(-ENOTSUP, "input: fbkit was built without libinput (-Dlibinput=enabled "
				 "needs libinput and libudev)");
#endif
done:
	free(spec);
	return err;
}

void fbk_input_close(struct fbk_input *in)
{
	if (!in)
		return;
#if FBK_HAVE_LIBINPUT
	fbk_devices_close(in->devices);
#endif
	/* The devices first: no key may reach the shell between the two. */
	fbk_console_release(in->console);
	fbk_keymap_destroy(in->keymap);
	if (in->timer_fd >= 0)
		close(in->timer_fd);
	if (in->epoll_fd >= 0)
		close(in->epoll_fd);
	free(in);
}

int fbk_input_fd(const struct fbk_input *in)
{
	if (!in)
		return fbk_fail(-EINVAL, "input: NULL input");
	return in->epoll_fd;
}

int fbk_input_dispatch(struct fbk_input *in, fbk_input_fn fn, void *user)
{
	if (!in || !fn)
		return fbk_fail(-EINVAL, "input: NULL %s", in ? "callback" : "input");
	uint64_t expirations;
	ssize_t n = read(in->timer_fd, &expirations, sizeof(expirations));
	(void)n; /* EAGAIN: not due; the repeat state says what is */
	fbk_input_test_begin(in, fn, user);
	int err = 0;
#if FBK_HAVE_LIBINPUT
	if (in->devices)
		err = fbk_devices_dispatch(in);
#endif
	int delivered = fbk_input_test_end(in);
	return err ? err : delivered;
}

int fbk_input_set_repeat(struct fbk_input *in, uint32_t delay_ms, uint32_t rate)
{
	if (!in)
		return fbk_fail(-EINVAL, "input: NULL input");
	if (delay_ms > 10000 || rate > 1000)
		return fbk_fail(-EINVAL, "input: repeat delay %u ms or rate %u out of range "
					 "(0-10000 ms, 0-1000 per second)",
				delay_ms, rate);
	fbk_repeat_configure(&in->repeat, delay_ms, rate);
	arm_repeat_timer(in);
	return 0;
}

int fbk_input_set_calibration(struct fbk_input *in, const float matrix[6])
{
	if (!in)
		return fbk_fail(-EINVAL, "input: NULL input");
	if (!matrix)
		matrix = fbk_calibration_identity;
	for (int i = 0; i < 6; i++)
		if (!isfinite(matrix[i]))
			return fbk_fail(-EINVAL, "input: calibration entry %d is not a number", i);
	memcpy(in->calibration, matrix, sizeof(in->calibration));
	return 0;
}
