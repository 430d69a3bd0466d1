/*
 * Internal: the input context shared by input.c (what every build has:
 * keys, repeat, positions, the console) and devices.c (libinput, built
 * only with it), and the hooks the tests use.
 */
#ifndef FBK_INPUT_INTERNAL_H
#define FBK_INPUT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "fbkit/input.h"
#include "input/input_spec.h"
#include "input/keymap.h"
#include "input/map.h"
#include "input/repeat.h"

#define FBK_INPUT_SLOTS 32 /* touches remembered for UP's position */

struct fbk_devices; /* devices.c */
struct fbk_console;

struct fbk_input {
	struct fbk_display *display; /* NULL in tests (fbk_input_create_bare) */
	bool cursor_failing;         /* the last cursor move failed, and was logged */
	int32_t width, height;       /* the picture's size */
	int rotation;
	struct fbk_console *console; /* with FBK_CONSOLE_KEYBOARD; NULL when no keyboard is read */
	bool no_signals;             /* the spec's no-signals, for that console */
	int epoll_fd;                /* what fbk_input_fd hands out: devices and timer */
	int timer_fd;                /* due key repeats */
	struct fbk_devices *devices;
	struct fbk_keymap *keymap;
	struct fbk_repeat repeat;
	uint64_t (*now)(void);       /* CLOCK_MONOTONIC in microseconds; tests set their own */
	uint32_t held;               /* modifier keys down, one bit per key (input.c) */
	float calibration[6];
	struct fbk_point pointer;
	bool pointer_moved;          /* since the cursor last followed it (devices.c) */
	struct fbk_point touches[FBK_INPUT_SLOTS];

	/* fbk_loop_add_input's callback */
	fbk_input_fn loop_fn;
	void *loop_user;

	/* the callback of the dispatch under way, and what it delivered */
	fbk_input_fn fn;
	void *user;
	int delivered;
};

/* Hand an event to the dispatch's callback. */
void fbk_input_deliver(struct fbk_input *in, struct fbk_input_event *event);

/*
 * A key from a device: repeats due before it first, then modifiers,
 * keymap, Ctrl+Alt+Fn (switches and is not delivered when vt-switch is
 * on), repeat, delivery. While the VT is away only the state follows.
 */
void fbk_input_key(struct fbk_input *in, uint32_t code, bool pressed, uint64_t time_us);

/* Deliver the repeats due at `now_us`. */
void fbk_input_repeats(struct fbk_input *in, uint64_t now_us);

/*
 * A keyboard was opened: from now on the VT's keyboard is off (the
 * console with FBK_CONSOLE_KEYBOARD), once per input. A console that
 * refuses is a warning: the keys then reach the VT's shell too.
 */
void fbk_input_keyboard_found(struct fbk_input *in);

/*
 * The pointer moved (mice and tablets, never touch): the display's
 * cursor follows it, to the pixel under it.
 */
void fbk_input_pointer_moved(struct fbk_input *in);

/* Whether events go to the program now (false while the VT is away). */
bool fbk_input_active(const struct fbk_input *in);

/*
 * Tests: a context with no device, display or console, for a picture of
 * width x height turned by `rotation`; keys go in with fbk_input_key()
 * inside fbk_input_test_begin()/end (which set the callback), time
 * from `now`.
 */
int fbk_input_create_bare(struct fbk_input **out, int32_t width, int32_t height, int rotation,
			  uint64_t (*now)(void));
void fbk_input_test_begin(struct fbk_input *in, fbk_input_fn fn, void *user);
int fbk_input_test_end(struct fbk_input *in);

#if FBK_HAVE_LIBINPUT
/* devices.c: the libinput context for the spec, its fd in in->epoll_fd. */
int fbk_devices_open(struct fbk_input *in, const struct fbk_input_spec *spec,
		     bool *reads_keyboards);
void fbk_devices_close(struct fbk_devices *devices);
/* Read and deliver what libinput has. */
int fbk_devices_dispatch(struct fbk_input *in);
#endif

#endif
