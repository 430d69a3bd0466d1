/* fbkit: keyboards, mice, touchscreens and tablets (libinput). */
#ifndef FBKIT_INPUT_H
#define FBKIT_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "fbkit/common.h"
#include "fbkit/display.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Input read through libinput (optional: without it fbk_input_open fails
 * with -ENOTSUP and says which build option is missing). Positions are in
 * the display's coordinates: touchscreens and tablets are mapped from
 * their range to the screen (following the display's rotation, then an
 * optional calibration), relative mice move a pointer kept on the
 * screen. Keys carry the evdev code (linux/input-event-codes.h) and, with
 * xkbcommon, the keysym and text under a keymap. Key repeat is fbkit's
 * (libinput has none).
 *
 * On a VT, reading keyboards sets the VT's keyboard mode to K_OFF, so the
 * keystrokes stop reaching the shell on that VT (and Ctrl+C stops being a
 * signal): at open for `input=` keyboards, and for udev's as soon as
 * libinput has opened one (its device-added event, in the first
 * dispatch), so a user who may not read /dev/input keeps the console's
 * keyboard. The mode comes back on close and when a fatal signal ends the
 * program, with the rest of the console. With a display opened with
 * `vt-switch`, Ctrl+Alt+F1..F12 switch VTs (the kernel no longer sees
 * them), and no events are delivered while another VT is in front. With
 * no device display holding the VT (offscreen), the input takes it as
 * one would (graphics mode too). `input=` paths with no keyboard among
 * them leave the VT's keyboard alone.
 *
 * Events come through a callback inside fbk_input_dispatch() rather than
 * a queue the program empties: nothing is copied or allocated per event,
 * no queue can overflow, and the strings (device names) need no owner.
 */

/** An input context: its devices, keymap and repeat state. Opaque. */
struct fbk_input;

enum fbk_input_type {
	FBK_INPUT_KEY = 1,         /* key: a key went down, up, or repeats */
	FBK_INPUT_TOUCH_DOWN,      /* touch: a finger touched at (x, y) */
	FBK_INPUT_TOUCH_MOTION,    /* touch: it moved to (x, y) */
	FBK_INPUT_TOUCH_UP,        /* touch: it left (x, y: where it was last) */
	FBK_INPUT_TOUCH_CANCEL,    /* touch: the touch is void (the device took it back) */
	FBK_INPUT_TOUCH_FRAME,     /* the touches since the last frame belong together */
	FBK_INPUT_POINTER_MOTION,  /* pointer: moved to (x, y) by (dx, dy) */
	FBK_INPUT_POINTER_BUTTON,  /* pointer: button pressed or released at (x, y) */
	FBK_INPUT_POINTER_SCROLL,  /* pointer: scroll by (scroll_x, scroll_y) */
	FBK_INPUT_DEVICE_ADDED,    /* device: name; hot-plugged or found at open */
	FBK_INPUT_DEVICE_REMOVED,  /* device: name */
};

enum fbk_key_state {
	FBK_KEY_RELEASED = 0,
	FBK_KEY_PRESSED = 1,
	FBK_KEY_REPEAT = 2, /* made by fbkit while the key is held (see fbk_input_set_repeat) */
};

/** Modifiers held (or locked) when a key event happened. */
enum fbk_input_modifier {
	FBK_MOD_SHIFT = 1 << 0,
	FBK_MOD_CTRL = 1 << 1,
	FBK_MOD_ALT = 1 << 2,
	FBK_MOD_SUPER = 1 << 3,
	FBK_MOD_CAPS_LOCK = 1 << 4, /* with xkbcommon only */
	FBK_MOD_NUM_LOCK = 1 << 5,  /* with xkbcommon only */
};

/** FBK_INPUT_KEY */
struct fbk_input_key {
	uint32_t code;           /* evdev code: KEY_A, KEY_ESC, ... */
	enum fbk_key_state state;
	uint32_t keysym;         /* XKB keysym; 0 without xkbcommon */
	char text[8];            /* UTF-8 the key types, "" for none or without xkbcommon */
	uint32_t modifiers;      /* FBK_MOD_* held before this key (Shift's own press has none) */
};

/** FBK_INPUT_TOUCH_* */
struct fbk_input_touch {
	int32_t slot;            /* which touch: unique among touches down at once */
	double x, y;             /* not for FRAME and CANCEL */
};

/** FBK_INPUT_POINTER_* */
struct fbk_input_pointer {
	double x, y;             /* where the pointer is now */
	double dx, dy;           /* MOTION: how far it moved (before clamping; mice: accelerated) */
	uint32_t button;         /* BUTTON: BTN_LEFT, BTN_RIGHT, ... */
	bool pressed;            /* BUTTON: pressed or released */
	double scroll_x, scroll_y; /* SCROLL: in wheel clicks, down and right positive */
};

/** FBK_INPUT_DEVICE_* */
struct fbk_input_device {
	const char *name;        /* the kernel's device name */
};

/**
 * One event: `type` says which member of the union is meant. Positions
 * x, y are in display pixels as continuous values (the pixel under a
 * touch is (floor(x), floor(y))), always within the screen: 0 <= x <
 * width, 0 <= y < height. Strings belong to the event and are valid only
 * during the callback.
 */
struct fbk_input_event {
	enum fbk_input_type type;
	uint64_t time_usec; /* CLOCK_MONOTONIC, from the kernel's event (repeats: when due) */
	union {
		struct fbk_input_key key;
		struct fbk_input_touch touch;
		struct fbk_input_pointer pointer;
		struct fbk_input_device device;
	};
};

/** Receives each event; `user` as given to fbk_input_dispatch(). */
typedef void (*fbk_input_fn)(const struct fbk_input_event *event, void *user);

/**
 * Open input for a display (whose size and rotation positions follow; it
 * must outlive the input). `spec` is a list of options separated by ',',
 * NULL for the FBKIT_INPUT environment variable, or "" (NULL with no
 * variable) for every device of seat0 from udev, hot-plugged ones
 * included:
 *
 *   - `seat=NAME`: another udev seat;
 *   - `input=PATH[,PATH]...`: only these devices (/dev/input/eventN), for
 *     systems without udev; no hot-plug;
 *   - `repeat=DELAY:RATE`: key repeat after DELAY ms at RATE per second
 *     (default 600:25), `repeat=off` for none;
 *   - `rules=`, `model=`, `layout=`, `variant=`, `options=`: the XKB
 *     keymap (RMLVO; the options' own commas written as '+'); each one not
 *     given comes from XKB_DEFAULT_RULES ... XKB_DEFAULT_OPTIONS, else the
 *     layout is `us`;
 *   - `calibration=A:B:C:D:E:F`: the calibration matrix for touchscreens
 *     and tablets (as fbk_input_set_calibration);
 *   - `no-signals`: as the display option (when no display holds the
 *     console yet).
 *
 * Opening blocks only while devices are opened. The device-added events of
 * the devices found come with the first dispatch. Errors: -EINVAL (NULL
 * out or display, a malformed spec: the message says which option; a
 * keymap xkbcommon cannot compile: the message gives the names it tried),
 * -ENOTSUP (fbkit built without libinput, or a keymap option without
 * xkbcommon), -ENOENT/-EACCES (an `input=` device: the message names it;
 * -ENOENT also when xkbcommon finds no XKB data folder), -ENOMEM, or the
 * console's errors (see fbk_display_open).
 */
FBK_API int fbk_input_open(struct fbk_input **out, struct fbk_display *display, const char *spec);

/** Close every device and give the keyboard back to the VT. Accepts NULL. */
FBK_API void fbk_input_close(struct fbk_input *input);

/**
 * A file descriptor for the program's poll set: readable (POLLIN) when
 * events wait or a key repeat is due; then call fbk_input_dispatch(). It
 * belongs to the input (never close it). -EINVAL for NULL.
 */
FBK_API int fbk_input_fd(const struct fbk_input *input);

/**
 * Read what is pending and call `fn` for each event, in order, repeats
 * included: events are delivered inside the call, so nothing is queued
 * or copied and no event can be lost to a full queue. Never blocks.
 * Returns the number of events delivered, or -EINVAL (NULL input or fn),
 * or a negative errno when reading the devices failed. `fn` must not
 * close the input.
 */
FBK_API int fbk_input_dispatch(struct fbk_input *input, fbk_input_fn fn, void *user);

/**
 * Key repeat: the first repeat `delay_ms` after the press, then `rate`
 * per second; rate 0 turns repeat off. Errors: -EINVAL (NULL, delay over
 * 10000 ms, rate over 1000).
 */
FBK_API int fbk_input_set_repeat(struct fbk_input *input, uint32_t delay_ms, uint32_t rate);

/**
 * The calibration matrix, as libinput's: a touch at (u, v) in the
 * device's range (0..1 each, before the display's rotation) is taken to
 * be at (a*u + b*v + c, d*u + e*v + f). NULL puts back the identity.
 * Applies to touchscreens and tablets, after any matrix libinput applies
 * from udev (LIBINPUT_CALIBRATION_MATRIX). -EINVAL for NULL input or a
 * non-finite entry.
 */
FBK_API int fbk_input_set_calibration(struct fbk_input *input, const float matrix[6]);

struct fbk_loop;
struct fbk_loop_source;

/**
 * Deliver the input's events from an event loop (fbkit/loop.h): `fn` is
 * called for each event, as fbk_input_dispatch() calls it, whenever the
 * input's fd is ready. `out` (may be NULL) receives the source; remove it
 * (fbk_loop_remove()) before closing the input, as for any fd. One loop
 * at a time per input. Errors: -EINVAL (NULL loop, input or fn), and
 * fbk_loop_add_fd's (-EEXIST: already in this loop).
 */
FBK_API int fbk_loop_add_input(struct fbk_loop *loop, struct fbk_input *input, fbk_input_fn fn,
			       void *user, struct fbk_loop_source **out);

#ifdef __cplusplus
}
#endif

#endif
