/*
 * Internal: console hygiene for backends that draw on a screen a Linux
 * virtual terminal also draws on (fbdev, DRM).
 *
 * Acquiring the console puts the VT the program runs on in graphics mode
 * (KDSETMODE KD_GRAPHICS, so fbcon stops drawing its cursor and text over
 * the picture) and hides the cursor; releasing restores the saved mode and
 * shows the cursor. Handlers for fatal signals restore the console before
 * the process dies. All users in a process share one console: the first
 * acquire does the work, the last release undoes it.
 *
 * Which VT: standard input when it is a VT, else the controlling terminal
 * (/dev/tty) when it is one, else the VT in the foreground (/dev/tty0,
 * resolved to /dev/ttyN at acquire time, so a later VT switch cannot make
 * the restore land on another VT). No VT at all (ssh without root, CI,
 * containers) is not an error: acquire succeeds and does nothing.
 *
 * The console belongs to the process that acquired it. A child made by
 * fork() (without exec) inherits the handlers and the files, but never
 * restores anything: its handlers only chain, fbk_console_begin_access()
 * is false there (no present, no restore on close), and its last release
 * closes only its own copies. With FBKIT_NO_SIGNAL_HANDLERS=1 or
 * FBK_CONSOLE_NO_SIGNALS no handler is ever installed, and the
 * application calls
 * fbk_display_restore_console() from its own.
 */
#ifndef FBK_CONSOLE_H
#define FBK_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

struct fbk_console;

enum fbk_console_flags {
	/*
	 * Take part in VT switching (VT_SETMODE VT_PROCESS): switching away
	 * waits until no access is in progress, then lets the switch happen;
	 * fbk_console_begin_access() returns false until the VT is back.
	 */
	FBK_CONSOLE_VT_SWITCH = 1 << 0,
	/*
	 * Install no signal handler (the spec's no-signals; the
	 * FBKIT_NO_SIGNAL_HANDLERS=1 environment variable does the same for
	 * every display). Cannot be combined with FBK_CONSOLE_VT_SWITCH.
	 * Every display of the process must agree while the console is held.
	 */
	FBK_CONSOLE_NO_SIGNALS = 1 << 1,
	/*
	 * This user reads the keyboards itself (input/): while any such user
	 * holds the console, the VT's keyboard mode is K_OFF (KDSKBMODE), so
	 * keystrokes stop reaching the VT's shell; the saved mode comes back
	 * with the rest of the console (last release, fatal signals, the
	 * restore hooks' path) and K_OFF again when graphics mode is re-taken.
	 * Joining a console held already follows its no-signals setting.
	 */
	FBK_CONSOLE_KEYBOARD = 1 << 2,
};

/*
 * Acquire the console for one user (a display). Never fails for lack of a
 * console; a VT that refuses graphics mode (no permission) is logged as a
 * warning and treated as none. Errors: -ENOMEM, and with
 * FBK_CONSOLE_VT_SWITCH -EBUSY (no free real-time signal) or the errno of
 * a failing VT_SETMODE, -EINVAL (FBKIT_NO_SIGNAL_HANDLERS not 0 or 1, or
 * no signal handlers with FBK_CONSOLE_VT_SWITCH), -EBUSY in a forked child
 * while the parent's console is still held or when FBK_CONSOLE_NO_SIGNALS
 * differs from the displays already open, the errno of eventfd(), with a
 * message. Release with fbk_console_release().
 */
int fbk_console_acquire(struct fbk_console **out, unsigned flags);

/* Drop one user; the last one restores the console. Accepts NULL. */
void fbk_console_release(struct fbk_console *console);

/*
 * What a backend must do from inside fbkit's signal handlers. Both run in
 * a signal handler, so only async-signal-safe calls: an ioctl on a file
 * opened earlier, with an argument built earlier, is the usual one.
 */
struct fbk_console_hooks {
	/*
	 * A signal is about to end the program, or the console is shown
	 * while the application's handler runs: put the screen back as it
	 * was found (DRM: the previous CRTC). Runs before the VT goes back to
	 * text mode. After a handler that returns, the console's lost count
	 * grows, so the backend knows to set its own picture up again.
	 */
	void (*restore)(void *data);
	/*
	 * vt-switch: the VT is about to be handed to another; no access is
	 * in progress. Let go of the display (DRM: drop master) so the next
	 * VT's owner can take it. Taking it back is up to the backend, when
	 * the lost count says the VT has returned.
	 */
	void (*vt_release)(void *data);
	void *data;
};

/*
 * Set this user's hooks (a copy is kept), or remove them with NULL. Hooks
 * work with no VT too: the fatal-signal handlers are installed for them,
 * so a program started without a terminal (a service, ssh) still puts the
 * screen back when a signal ends it. Remove the hooks before freeing what
 * `data` points to. Errors: -EBUSY (more than 8 users with hooks).
 */
int fbk_console_set_hooks(struct fbk_console *console, const struct fbk_console_hooks *hooks);

/*
 * Bracket every access to the device (a present). begin returns false
 * while the VT is switched away: then skip the access and do not call
 * end. Re-takes graphics mode if a signal handler gave the console back
 * and the program went on (its own handler returned or jumped out).
 */
bool fbk_console_begin_access(struct fbk_console *console);
void fbk_console_end_access(struct fbk_console *console);

/*
 * True in a child made by fork() (without exec) from the process that
 * acquired the console. Kernel objects reached through inherited files
 * (DRM framebuffers and dumb buffers: their handles belong to the open
 * file both processes share) are the parent's and on its screen: a close
 * there frees only this process's memory and files.
 */
bool fbk_console_forked(const struct fbk_console *console);

/*
 * A counter that grows whenever what was on the screen may have been
 * lost: the VT came back after a switch, or the text console was restored
 * and then graphics mode re-taken. Compare with a value seen before.
 */
unsigned fbk_console_lost_count(const struct fbk_console *console);

/*
 * Switch to VT n (1..63), for keyboard users: with the keyboard K_OFF the
 * kernel no longer acts on Ctrl+Alt+Fn. Only while VT switching is on
 * (FBK_CONSOLE_VT_SWITCH from some user): -ENOTSUP otherwise, as the
 * program would go on drawing over the other VT. -EINVAL for n out of
 * range; the errno of VT_ACTIVATE. Does not wait for the switch.
 */
int fbk_console_switch_vt(struct fbk_console *console, unsigned n);

/* False while the VT is switched away (vt-switch); true with no VT. */
bool fbk_console_active(const struct fbk_console *console);

/* "/dev/tty2 (vt-switch)" or "none": for describing a display. */
void fbk_console_describe(const struct fbk_console *console, char *buf, size_t size);

/*
 * Tests only. Acquire with `fd` (kept open by the caller; not closed) as
 * the console even when it is not a VT: the console ioctls may fail, the
 * cursor escapes are written to fd, and the signal handlers are installed
 * all the same, so a pipe shows what the handlers did and in which order.
 * `candidates` for fbk_console_acquire_from: the paths tried in order,
 * "-" meaning standard input; NULL-terminated.
 */
int fbk_console_acquire_fd(struct fbk_console **out, unsigned flags, int fd);
int fbk_console_acquire_from(struct fbk_console **out, unsigned flags,
			     const char *const *candidates);

/*
 * An eventfd that becomes readable whenever the lost count grows (from
 * the signal handlers too), for fbk_display_redraw_fd(); -1 while no
 * console is held. fbk_console_clear_redraw() empties it.
 */
int fbk_console_redraw_fd(void);
void fbk_console_clear_redraw(void);

/* Tests only: whether the keyboard is K_OFF now (a keyboard user holds a VT). */
bool fbk_console_keyboard_off(void);

/* Tests only: the signals used for VT release and acquire (0 when not in use). */
void fbk_console_vt_signals(int *release, int *acquire);

/*
 * Async-signal-safe: what fbkit's fatal-signal handler does before the
 * process dies (hooks, then the VT), for programs that install no fbkit
 * handler; only in the process that acquired the console. Public as
 * fbk_display_restore_console().
 */
void fbk_console_restore(void);

/*
 * Whether fbkit may install no signal handler now: FBKIT_NO_SIGNAL_HANDLERS=1,
 * or a console held with no-signals. The SIGBUS guard of mapped files asks
 * too, so the opt-out leaves the program with no fbkit handler at all.
 */
bool fbk_console_no_signal_handlers(void);

#endif
