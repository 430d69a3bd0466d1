/*
 * The platform layer: what fbkit asks of the operating system beyond
 * files and memory. The VT and console state (this file), the one owner
 * of fbkit's signal handlers (signals.c), whole-file mappings
 * (mapped_file.c) and reads of them that survive the file shrinking
 * (map_guard.c). It may call core only; text/, image/ and backend/ call
 * it, which is why it sits low although it is the layer nearest the
 * kernel.
 *
 * This file, console hygiene: graphics mode and a hidden cursor on the VT while a
 * display is open, and the keyboard off (K_OFF) while the input layer
 * reads keyboards, restored on release and when a fatal signal ends the
 * program; optional VT switching.
 *
 * Fatal signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS,
 * SIGFPE, SIGABRT) get a handler while a console is held. The handler
 * runs only async-signal-safe calls (ioctl, write, sigaction, sigpending,
 * raise) on state published before it was installed, and chains to the
 * disposition it replaced with fbk_signal_forward() (signals.c says what
 * a forward does); this file decides when to restore around it:
 *
 *   - replaced SIG_DFL: restore the console, then forward, so the process
 *     dies of the signal as it would have (core included);
 *   - replaced SIG_IGN: no handler is installed (nohup'd programs live on);
 *   - an application handler, for a signal sent to the process (kill,
 *     raise, Ctrl-C): restore first (the handler may well _exit), then
 *     call it. If it returns, the handler is still ours and the signal is
 *     not pending again, the application dealt with it: graphics mode is
 *     taken back (never for SIGABRT: abort() kills the process after the
 *     handlers return);
 *   - an application handler, for a fault (SIGSEGV, SIGBUS, SIGFPE raised
 *     by the kernel, si_code > 0): call it first, because fault handlers
 *     usually recover (a garbage collector, a guarded mapping) and should
 *     not make the screen flash the console; restore only when it returns
 *     with the signal pending or with another disposition in place, that
 *     is, when the fault is about to kill the process.
 *
 * If a handler leaves by longjmp instead of returning, the console stays
 * restored until the next fbk_console_begin_access() takes it back.
 *
 * Only the process that acquired the console ever restores it: its pid is
 * recorded, and the handlers compare getpid() (async-signal-safe) with it.
 * A child made by fork() without exec inherits the handlers, the VT's file
 * and, with DRM, the master's file; restoring from there would put the
 * text console (or the previous CRTC) back under the running parent. In
 * such a child the handlers only chain, fbk_console_begin_access() is
 * false (so the backends neither present nor restore the device on
 * close), its last release closes its own copies without touching the
 * VT, and a new acquire fails with -EBUSY while the inherited console is
 * held.
 *
 * "Restore" starts with the backends' restore hooks (DRM puts the previous
 * CRTC back with one prepared ioctl), then the VT. Hooks need no VT: with
 * hooks set, the handlers are installed even when there is none, and
 * restoring then runs the hooks alone.
 *
 * Other handlers of the same signals, the SIGBUS guard of map_guard.c
 * included: how they and ours sit in one chain, and what forwarding to
 * the replaced disposition does, is written once in signals.c, which
 * makes every sigaction() of this file.
 *
 * No handlers (FBK_CONSOLE_NO_SIGNALS from the no-signals spec option, or
 * FBKIT_NO_SIGNAL_HANDLERS=1): nothing above is installed, hooks included,
 * and VT switching is refused; fbk_display_restore_console() runs the same
 * restore from the application's own handlers.
 *
 * Whatever makes the lost count grow (VT back, console re-taken after a
 * signal) also writes to an eventfd, so a program can poll for "redraw
 * needed" (fbk_display_redraw_fd()); fbk_display_needs_redraw() empties it.
 *
 * VT switching (FBK_CONSOLE_VT_SWITCH): VT_SETMODE VT_PROCESS with the two
 * highest real-time signals the application leaves at SIG_DFL (real-time
 * signals queue instead of merging, and SIGUSR1/2 are often the
 * application's own). Release: no new access may begin; once none is in
 * progress the VT is handed over (VT_RELDISP 1), from the signal handler
 * or from the access that finishes last. Acquire: acknowledge
 * (VT_RELDISP VT_ACKACQ), allow access again and count the screen as lost
 * so the backend repaints and the application is told to redraw.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kd.h>
#include <linux/vt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "platform/console.h"
#include "platform/signals.h"

#define CURSOR_HIDE "\033[?25l"
#define CURSOR_SHOW "\033[?25h"
#define TTY_MAJOR 4

static const int fatal_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
				     SIGSEGV, SIGBUS, SIGFPE, SIGABRT };
#define FATAL_COUNT (sizeof(fatal_signals) / sizeof(fatal_signals[0]))

/* vt_state: two flags and, above them, the number of accesses in progress. */
#define VT_ACTIVE 1u          /* the VT is ours: the device may be touched */
#define VT_RELEASE_PENDING 2u /* the kernel asked for the VT back */
#define VT_BUSY_ONE 4u

#define MAX_HOOKED 8

/*
 * The handlers read and write these atomics: one that fell back to a lock
 * could deadlock when the signal lands while the interrupted code holds it.
 */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "signal handlers need lock-free atomic int and unsigned");
_Static_assert(ATOMIC_BOOL_LOCK_FREE == 2, "signal handlers need lock-free atomic bool");
_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2, "signal handlers need lock-free atomic pointers");

struct fbk_console {
	unsigned flags;
	struct fbk_console_hooks hooks; /* written only while unpublished */
	int slot;                       /* index in console.hooked, or -1 */
};

/*
 * One console per process. Fields the signal handlers read are written
 * before `fd` is published (sequentially consistent store) or before the
 * handlers are installed, and are not changed while a console is held.
 */
static struct {
	pthread_mutex_t lock; /* acquire and release; never taken by handlers */
	unsigned users;
	atomic_int owner;     /* pid of the process that acquired it, 0 while none */
	atomic_int fd;        /* the VT, or -1 while no console is held */
	bool owns_fd;         /* false for fbk_console_acquire_fd */
	bool no_signals;      /* never install a handler: no-signals or the variable below */
	bool no_signals_env;  /* FBKIT_NO_SIGNAL_HANDLERS=1: for every display */
	atomic_int redraw_fd; /* eventfd, readable once the screen was lost; -1 while none */
	/*
	 * The eventfd behind redraw_fd, made once per process and never
	 * closed: a handler on another thread may still be about to write to
	 * it while the last display closes, and a closed number could by then
	 * name another file. A forked child that opens a display of its own
	 * makes its own (its inherited copy shares the parent's counter).
	 */
	int redraw_kept;
	int redraw_kept_pid;
	char name[48];
	int saved_kd_mode;
	/*
	 * Users with FBK_CONSOLE_KEYBOARD (under the lock), and the VT's
	 * keyboard mode from before K_OFF, written before kb_off is set.
	 */
	unsigned keyboard_users;
	int saved_kb_mode;
	atomic_bool kb_off;   /* the VT's keyboard is K_OFF: give saved_kb_mode back */
	atomic_bool releasing; /* the last release is under way: never re-take */
	atomic_bool dropped;   /* a handler restored the console and did not re-take it */
	atomic_uint lost;
	atomic_uint vt_state;

	bool fatal_in_chain[FATAL_COUNT]; /* our handler is installed or in someone's chain */
	struct sigaction previous[FATAL_COUNT];
	sigset_t handler_mask; /* blocked while any of our handlers runs */

	/* Users with hooks; a slot is cleared before its user is freed. */
	_Atomic(struct fbk_console *) hooked[MAX_HOOKED];
	atomic_uint hook_count;
	atomic_uint hooks_running; /* handlers inside run_hooks(); unhook waits for 0 */

	atomic_bool vt_switch;
	struct vt_mode saved_vt_mode, process_vt_mode;
	int release_signal, acquire_signal;
	struct sigaction previous_release, previous_acquire;
} console = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.fd = -1,
	.redraw_fd = -1,
	.redraw_kept = -1,
	.vt_state = VT_ACTIVE,
};

/* ---- async-signal-safe part: only ioctl, write, sigaction, sigpending, raise, getpid ---- */

/*
 * A child made by fork() inherits our handlers, the VT's file and the
 * DRM master's file, but not the screen: restoring from there would
 * hand the console back under the running parent. Only the process that
 * acquired the console acts on it.
 */
static bool is_owner(void)
{
	return atomic_load(&console.owner) == (int)getpid();
}

/* What was on the screen may be gone: count it and wake whoever polls the redraw fd. */
static void note_lost(void)
{
	atomic_fetch_add(&console.lost, 1);
	int efd = atomic_load(&console.redraw_fd);
	if (efd >= 0) {
		uint64_t one = 1;
		ssize_t n = write(efd, &one, sizeof(one));
		(void)n; /* full only after 2^64-2 unread wake-ups: readable all the same */
	}
}

static void write_text(int fd, const char *text)
{
	size_t left = strlen(text);
	while (left) {
		ssize_t n = write(fd, text, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* cosmetic: a cursor left hidden is not worth blocking for */
		text += n;
		left -= (size_t)n;
	}
}

static void run_hooks(bool vt_release)
{
	/* Counted, so that a user is not freed while a handler on another thread uses it. */
	atomic_fetch_add(&console.hooks_running, 1);
	for (size_t i = 0; i < MAX_HOOKED; i++) {
		struct fbk_console *c = atomic_load(&console.hooked[i]);
		void (*fn)(void *) = !c ? NULL : vt_release ? c->hooks.vt_release : c->hooks.restore;
		if (fn)
			fn(c->hooks.data);
	}
	atomic_fetch_sub(&console.hooks_running, 1);
}

/* Hand the VT over once the kernel asked and no access is in progress; exactly one caller does. */
static void finish_release(void)
{
	unsigned old = atomic_fetch_and(&console.vt_state, ~(VT_ACTIVE | VT_RELEASE_PENDING));
	int fd = atomic_load(&console.fd);
	if ((old & VT_RELEASE_PENDING) && fd >= 0) {
		run_hooks(true); /* the next VT's owner can take the display at once */
		ioctl(fd, VT_RELDISP, 1);
	}
}

/* Text mode, the keyboard, cursor shown, automatic VT switching: what was there before. */
static void give_back(int fd)
{
	if (atomic_load(&console.vt_switch)) {
		if (atomic_load(&console.vt_state) & VT_RELEASE_PENDING)
			finish_release();
		ioctl(fd, VT_SETMODE, &console.saved_vt_mode);
	}
	ioctl(fd, KDSETMODE, console.saved_kd_mode);
	if (atomic_load(&console.kb_off))
		ioctl(fd, KDSKBMODE, console.saved_kb_mode);
	write_text(fd, CURSOR_SHOW);
}

/* Something to restore: a VT, or a backend's hooks. */
static bool held(int fd)
{
	return fd >= 0 || atomic_load(&console.hook_count) > 0;
}

/* The screen first (the backends' hooks), then the VT. */
static void restore_all(int fd)
{
	run_hooks(false);
	if (fd >= 0)
		give_back(fd);
}

static void take(int fd)
{
	write_text(fd, CURSOR_HIDE);
	ioctl(fd, KDSETMODE, KD_GRAPHICS);
	if (atomic_load(&console.kb_off))
		ioctl(fd, KDSKBMODE, K_OFF);
	if (atomic_load(&console.vt_switch))
		ioctl(fd, VT_SETMODE, &console.process_vt_mode);
}

static void on_fatal_signal(int sig, siginfo_t *info, void *context);

static bool handler_is_ours(int sig)
{
	return fbk_signal_on_top(sig, on_fatal_signal);
}

static void on_fatal_signal(int sig, siginfo_t *info, void *context)
{
	int saved_errno = errno;
	size_t i = 0;
	while (i < FATAL_COUNT && fatal_signals[i] != sig)
		i++;
	if (i == FATAL_COUNT) /* cannot happen: installed only for fatal_signals */
		return;
	int fd = atomic_load(&console.fd);
	struct sigaction *prev = &console.previous[i];
	bool restore = is_owner() && held(fd);
	if (fbk_signal_forward_kills(prev, sig, info)) {
		if (restore)
			restore_all(fd);
		fbk_signal_forward(prev, sig, info, context);
	} else if (fbk_signal_is_fault(sig, info)) {
		fbk_signal_forward(prev, sig, info, context);
		if (restore && (fbk_signal_pending(sig) || !handler_is_ours(sig))) {
			restore_all(fd);
			atomic_store(&console.dropped, true);
		}
	} else {
		if (restore) {
			restore_all(fd);
			atomic_store(&console.dropped, true);
		}
		fbk_signal_forward(prev, sig, info, context);
		if (restore && sig != SIGABRT && !atomic_load(&console.releasing) &&
		    handler_is_ours(sig) && !fbk_signal_pending(sig)) {
			if (fd >= 0)
				take(fd);
			atomic_store(&console.dropped, false);
			note_lost();
		}
	}
	errno = saved_errno;
}

static void on_vt_release(int sig)
{
	(void)sig;
	if (!is_owner())
		return; /* a forked child's inherited handler: the VT is the parent's */
	int saved_errno = errno;
	unsigned old = atomic_fetch_or(&console.vt_state, VT_RELEASE_PENDING);
	if (old < VT_BUSY_ONE)
		finish_release();
	errno = saved_errno;
}

static void on_vt_acquire(int sig)
{
	(void)sig;
	if (!is_owner())
		return;
	int saved_errno = errno;
	int fd = atomic_load(&console.fd);
	if (fd >= 0)
		ioctl(fd, VT_RELDISP, VT_ACKACQ);
	atomic_fetch_and(&console.vt_state, ~VT_RELEASE_PENDING);
	atomic_fetch_or(&console.vt_state, VT_ACTIVE);
	note_lost();
	errno = saved_errno;
}

void fbk_console_restore(void)
{
	int saved_errno = errno;
	int fd = atomic_load(&console.fd);
	if (is_owner() && held(fd)) {
		restore_all(fd);
		/* Should the program go on, its next present takes the screen back. */
		atomic_store(&console.dropped, true);
	}
	errno = saved_errno;
}

/* ---- normal context ---- */

static void install_fatal_handlers(void)
{
	if (console.no_signals)
		return;
	for (size_t i = 0; i < FATAL_COUNT; i++) {
		int sig = fatal_signals[i];
		/*
		 * Left in an application's chain by an earlier release:
		 * installing again would make the chain call itself.
		 */
		if (console.fatal_in_chain[i] || fbk_signal_query(sig, &console.previous[i]) ||
		    fbk_signal_is_ignored(&console.previous[i]))
			continue;
		if (!fbk_signal_install(sig, on_fatal_signal, &console.handler_mask,
					&console.previous[i]))
			console.fatal_in_chain[i] = true;
	}
}

static void remove_fatal_handlers(void)
{
	for (size_t i = 0; i < FATAL_COUNT; i++) {
		if (console.fatal_in_chain[i] &&
		    fbk_signal_remove(fatal_signals[i], on_fatal_signal, &console.previous[i]))
			console.fatal_in_chain[i] = false;
	}
}

static bool is_vt(int fd, int *mode)
{
	return ioctl(fd, KDGETMODE, mode) == 0;
}

/*
 * /dev/tty0 follows the foreground VT: pin it to /dev/ttyN, so the restore
 * lands where we started even after the user switched VTs.
 */
static int pin_foreground_vt(int fd)
{
	struct stat st;
	struct vt_stat vs;
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode) || major(st.st_rdev) != TTY_MAJOR ||
	    minor(st.st_rdev) != 0 || ioctl(fd, VT_GETSTATE, &vs))
		return fd;
	char path[32];
	snprintf(path, sizeof(path), "/dev/tty%u", (unsigned)vs.v_active);
	int pinned = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	int mode;
	if (pinned < 0 || !is_vt(pinned, &mode)) {
		if (pinned >= 0)
			close(pinned);
		fbk_log(FBK_LOG_DEBUG, "console: cannot open %s; using /dev/tty0", path);
		return fd;
	}
	close(fd);
	return pinned;
}

/*
 * Standard input is reopened rather than used: our own open file gets
 * O_NONBLOCK (a cursor escape must never block a dying process on a
 * stopped tty) without changing the application's stdin.
 */
static int open_candidate(const char *path)
{
	int mode;
	if (strcmp(path, "-"))
		return open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (!is_vt(STDIN_FILENO, &mode))
		return -1;
	int fd = open("/proc/self/fd/0", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	return fd >= 0 ? fd : fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
}

static void describe_vt(int fd, const char *path)
{
	struct stat st;
	if (!fstat(fd, &st) && S_ISCHR(st.st_mode) && major(st.st_rdev) == TTY_MAJOR &&
	    minor(st.st_rdev) > 0 && minor(st.st_rdev) < 64)
		snprintf(console.name, sizeof(console.name), "/dev/tty%u",
			 (unsigned)minor(st.st_rdev));
	else
		snprintf(console.name, sizeof(console.name), "%s",
			 strcmp(path, "-") ? path : "standard input");
}

/* The first candidate that is a VT, or -1. */
static int find_vt(const char *const *candidates)
{
	for (size_t i = 0; candidates[i]; i++) {
		int fd = open_candidate(candidates[i]);
		if (fd < 0)
			continue;
		int mode;
		if (!is_vt(fd, &mode)) {
			close(fd);
			continue;
		}
		fd = pin_foreground_vt(fd);
		describe_vt(fd, candidates[i]);
		return fd;
	}
	return -1;
}

/* Graphics mode on fd, handlers in place. False when the VT refuses (no permission). */
static bool hold(int fd, bool test_fd)
{
	int mode = KD_TEXT;
	if (!is_vt(fd, &mode) && !test_fd)
		return false;
	console.saved_kd_mode = mode;
	atomic_store(&console.dropped, false);
	atomic_store(&console.fd, fd);
	/* Handlers first: a signal during the switch below then restores too. */
	install_fatal_handlers();
	if (ioctl(fd, KDSETMODE, KD_GRAPHICS) && !test_fd) {
		int err = errno;
		remove_fatal_handlers();
		atomic_store(&console.fd, -1);
		fbk_log(FBK_LOG_WARNING,
			"console: cannot switch %s to graphics mode (%s); the text cursor may "
			"draw over the picture",
			console.name, fbk_errstr(err));
		return false;
	}
	write_text(fd, CURSOR_HIDE);
	fbk_log(FBK_LOG_INFO, "console: %s in graphics mode", console.name);
	return true;
}

/*
 * The first keyboard user: K_OFF, having saved the mode to give back. A
 * VT that refuses is a warning, as for graphics mode: the program still
 * reads its devices, and the keys reach the shell too. Under the lock.
 */
static void keyboard_off(int fd)
{
	int mode;
	if (ioctl(fd, KDGKBMODE, &mode)) {
		fbk_log(FBK_LOG_WARNING, "console: cannot read the keyboard mode of %s (%s); "
					 "keys typed reach its shell too",
			console.name, fbk_errstr(errno));
		return;
	}
	console.saved_kb_mode = mode;
	/* Published first: a signal between the two restores the mode. */
	atomic_store(&console.kb_off, true);
	if (ioctl(fd, KDSKBMODE, K_OFF)) {
		int err = errno;
		atomic_store(&console.kb_off, false);
		fbk_log(FBK_LOG_WARNING, "console: cannot turn the keyboard of %s off (%s); keys "
					 "typed reach its shell too",
			console.name, fbk_errstr(err));
		return;
	}
	fbk_log(FBK_LOG_INFO, "console: keyboard of %s off (was mode %d)", console.name, mode);
}

/* The last keyboard user left: the saved mode back. Under the lock. */
static void keyboard_back(int fd)
{
	if (!atomic_load(&console.kb_off))
		return;
	ioctl(fd, KDSKBMODE, console.saved_kb_mode);
	atomic_store(&console.kb_off, false);
}

/* The two highest real-time signals nobody handles. */
static int pick_vt_signals(void)
{
	/*
	 * A signal the calling thread blocks is left alone too: the kernel's
	 * release request would wait in it, and the VT switch never answer.
	 */
	sigset_t blocked;
	sigemptyset(&blocked);
	pthread_sigmask(SIG_BLOCK, NULL, &blocked);
	console.release_signal = console.acquire_signal = 0;
	for (int s = SIGRTMAX; s >= SIGRTMIN && !console.acquire_signal; s--) {
		struct sigaction current;
		if (sigismember(&blocked, s) || fbk_signal_query(s, &current) ||
		    !fbk_signal_is_default(&current))
			continue;
		if (!console.release_signal)
			console.release_signal = s;
		else
			console.acquire_signal = s;
	}
	if (!console.acquire_signal) {
		console.release_signal = 0;
		return fbk_fail(-EBUSY, "vt-switch: no free real-time signal for VT switching "
					"(the application handles them all)");
	}
	return 0;
}

static int enable_vt_switch(int fd, bool test_fd)
{
	int err = pick_vt_signals();
	if (err)
		return err;
	sigaddset(&console.handler_mask, console.release_signal);
	sigaddset(&console.handler_mask, console.acquire_signal);
	console.process_vt_mode = (struct vt_mode){
		.mode = VT_PROCESS,
		.relsig = (short)console.release_signal,
		.acqsig = (short)console.acquire_signal,
	};
	if (ioctl(fd, VT_GETMODE, &console.saved_vt_mode)) {
		if (!test_fd)
			return fbk_fail(-errno, "vt-switch: cannot read the VT mode of %s: %s",
					console.name, fbk_errstr(errno));
		console.saved_vt_mode = (struct vt_mode){ .mode = VT_AUTO };
	}
	fbk_signal_take(console.release_signal, on_vt_release, &console.handler_mask,
			&console.previous_release);
	fbk_signal_take(console.acquire_signal, on_vt_acquire, &console.handler_mask,
			&console.previous_acquire);
	atomic_store(&console.vt_state, VT_ACTIVE);
	atomic_store(&console.vt_switch, true);
	if (ioctl(fd, VT_SETMODE, &console.process_vt_mode) && !test_fd) {
		err = -errno;
		atomic_store(&console.vt_switch, false);
		fbk_signal_put_back(console.release_signal, &console.previous_release);
		fbk_signal_put_back(console.acquire_signal, &console.previous_acquire);
		console.release_signal = console.acquire_signal = 0;
		return fbk_fail(err, "vt-switch: cannot take over VT switching on %s: %s",
				console.name, fbk_errstr(-err));
	}
	fbk_log(FBK_LOG_INFO, "console: VT switching on %s with signals %d/%d", console.name,
		console.release_signal, console.acquire_signal);
	return 0;
}

/*
 * Called after VT_SETMODE went back to automatic: signals the kernel
 * queued before that are drained while blocked, so none arrives after
 * the disposition is SIG_DFL again (which would kill the process).
 */
static void disable_vt_switch(void)
{
	sigset_t vt_signals, old_mask;
	sigemptyset(&vt_signals);
	sigaddset(&vt_signals, console.release_signal);
	sigaddset(&vt_signals, console.acquire_signal);
	pthread_sigmask(SIG_BLOCK, &vt_signals, &old_mask);
	atomic_store(&console.vt_switch, false);
	struct timespec no_wait = { 0, 0 };
	while (sigtimedwait(&vt_signals, NULL, &no_wait) > 0)
		;
	fbk_signal_put_back(console.release_signal, &console.previous_release);
	fbk_signal_put_back(console.acquire_signal, &console.previous_acquire);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	sigdelset(&console.handler_mask, console.release_signal);
	sigdelset(&console.handler_mask, console.acquire_signal);
	console.release_signal = console.acquire_signal = 0;
	atomic_store(&console.vt_state, VT_ACTIVE);
}

static void init_handler_mask(void)
{
	sigemptyset(&console.handler_mask);
	/* The asynchronous ones only: a blocked synchronous fault would kill outright. */
	sigaddset(&console.handler_mask, SIGINT);
	sigaddset(&console.handler_mask, SIGTERM);
	sigaddset(&console.handler_mask, SIGHUP);
	sigaddset(&console.handler_mask, SIGQUIT);
}

/* The last user is gone: nothing left for the handlers or the redraw fd. Under the lock. */
static void forget_owner(void)
{
	atomic_store(&console.redraw_fd, -1);
	atomic_store(&console.owner, 0);
	console.no_signals = console.no_signals_env = false;
}

/* FBKIT_NO_SIGNAL_HANDLERS: "1" for none, "0" or unset for fbkit's handlers. */
static int read_no_signals(bool *no_signals)
{
	const char *value = getenv("FBKIT_NO_SIGNAL_HANDLERS");
	*no_signals = value && !strcmp(value, "1");
	if (!value || !*value || !strcmp(value, "0") || *no_signals)
		return 0;
	return fbk_fail(-EINVAL, "FBKIT_NO_SIGNAL_HANDLERS='%.32s': use 1 (no signal handlers) or "
				 "0 (fbkit's handlers restore the console)",
			value);
}

bool fbk_console_no_signal_handlers(void)
{
	const char *value = getenv("FBKIT_NO_SIGNAL_HANDLERS");
	if (value && !strcmp(value, "1"))
		return true;
	pthread_mutex_lock(&console.lock);
	bool held_without = console.users > 0 && console.no_signals;
	pthread_mutex_unlock(&console.lock);
	return held_without;
}

/* Before anything is touched: the things that make this acquire fail. Under the lock. */
static int check_acquire(unsigned flags)
{
	if (console.users > 0 && !is_owner())
		return fbk_fail(-EBUSY, "console: held by process %d, which this process was "
					"forked from; close the inherited displays first, or open "
					"displays only after exec",
				(int)atomic_load(&console.owner));
	bool no_signals = flags & FBK_CONSOLE_NO_SIGNALS;
	if (console.users == 0) {
		int err = read_no_signals(&console.no_signals_env);
		if (err)
			return err;
		console.no_signals = console.no_signals_env || no_signals;
	} else if (!console.no_signals_env && no_signals != console.no_signals &&
		   !(flags & FBK_CONSOLE_KEYBOARD)) {
		/* The handlers are per process: one display cannot have them and another not. */
		return fbk_fail(-EBUSY, "%s: another display of this process is open %s; give "
					"no-signals to every display or to none (or set "
					"FBKIT_NO_SIGNAL_HANDLERS=1)",
				no_signals ? "no-signals" : "console",
				console.no_signals ? "with no-signals"
						   : "with fbkit's signal handlers");
	}
	if ((flags & FBK_CONSOLE_VT_SWITCH) && console.no_signals)
		return fbk_fail(-EINVAL, "vt-switch: the kernel asks for the VT with signals, and "
					 "%s forbids handlers; drop one of the two",
				console.no_signals_env ? "FBKIT_NO_SIGNAL_HANDLERS=1"
						       : "no-signals");
	if (console.users == 0) {
		int pid = (int)getpid();
		if (console.redraw_kept < 0 || console.redraw_kept_pid != pid) {
			int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			/* No strerror: not thread-safe, and these errors are few and plain. */
			if (efd < 0)
				return fbk_fail(-errno, "console: cannot create the redraw eventfd "
							"(errno %d: out of file descriptors or memory)",
						errno);
			console.redraw_kept = efd;
			console.redraw_kept_pid = pid;
		}
		/* A wake-up left from the last display is not this one's. */
		uint64_t stale;
		ssize_t n = read(console.redraw_kept, &stale, sizeof(stale));
		(void)n; /* EAGAIN: none */
		atomic_store(&console.redraw_fd, console.redraw_kept);
		atomic_store(&console.owner, pid);
	}
	return 0;
}

static int acquire(struct fbk_console **out, unsigned flags, const char *const *candidates,
		   int test_fd)
{
	if (!out)
		return fbk_fail(-EINVAL, "console: output pointer is NULL");
	*out = NULL;
	struct fbk_console *c = calloc(1, sizeof(*c));
	if (!c)
		return fbk_fail(-ENOMEM, "out of memory");
	c->flags = flags;
	c->slot = -1;

	pthread_mutex_lock(&console.lock);
	int err = check_acquire(flags);
	if (err) {
		pthread_mutex_unlock(&console.lock);
		free(c);
		return err;
	}
	if (console.users == 0) {
		init_handler_mask();
		int fd = test_fd >= 0 ? test_fd : find_vt(candidates);
		if (test_fd >= 0)
			snprintf(console.name, sizeof(console.name), "fd %d", test_fd);
		if (fd < 0) {
			fbk_log(FBK_LOG_DEBUG, "console: no VT found; leaving the console alone");
		} else if (!hold(fd, test_fd >= 0)) {
			close(fd);
		} else {
			console.owns_fd = test_fd < 0;
		}
	}
	int fd = atomic_load(&console.fd);
	if ((flags & FBK_CONSOLE_VT_SWITCH) && fd < 0)
		fbk_log(FBK_LOG_DEBUG, "vt-switch: no VT, nothing to switch");
	if ((flags & FBK_CONSOLE_VT_SWITCH) && fd >= 0 && !atomic_load(&console.vt_switch))
		err = enable_vt_switch(fd, !console.owns_fd);
	if (err && console.users == 0 && fd >= 0) {
		give_back(fd);
		remove_fatal_handlers();
		atomic_store(&console.fd, -1);
		if (console.owns_fd)
			close(fd);
	}
	if (err && console.users == 0)
		forget_owner();
	if (!err)
		console.users++;
	if (!err && (flags & FBK_CONSOLE_KEYBOARD) && console.keyboard_users++ == 0 && fd >= 0)
		keyboard_off(fd);
	pthread_mutex_unlock(&console.lock);
	if (err) {
		free(c);
		return err;
	}
	*out = c;
	return 0;
}

int fbk_console_acquire(struct fbk_console **out, unsigned flags)
{
	static const char *const candidates[] = { "-", "/dev/tty", "/dev/tty0", NULL };
	return acquire(out, flags, candidates, -1);
}

int fbk_console_acquire_from(struct fbk_console **out, unsigned flags,
			     const char *const *candidates)
{
	return acquire(out, flags, candidates, -1);
}

int fbk_console_acquire_fd(struct fbk_console **out, unsigned flags, int fd)
{
	if (fd < 0)
		return fbk_fail(-EINVAL, "console: bad file descriptor %d", fd);
	return acquire(out, flags, NULL, fd);
}

/* Under the lock. */
static void unhook(struct fbk_console *c)
{
	if (c->slot < 0)
		return;
	atomic_store(&console.hooked[c->slot], NULL);
	c->slot = -1;
	/*
	 * A handler on another thread may have read the slot just before: wait
	 * until none is inside run_hooks(), after which none can see this
	 * user. Hooks are one ioctl each, so the wait is short; a handler on
	 * this very thread cannot be inside run_hooks() while we are here.
	 */
	while (atomic_load(&console.hooks_running))
		sched_yield();
	/* Handlers installed for hooks alone go with the last hook. */
	if (atomic_fetch_sub(&console.hook_count, 1) == 1 && atomic_load(&console.fd) < 0)
		remove_fatal_handlers();
}

int fbk_console_set_hooks(struct fbk_console *c, const struct fbk_console_hooks *hooks)
{
	if (!c)
		return fbk_fail(-EINVAL, "console: NULL console");
	int err = 0;
	pthread_mutex_lock(&console.lock);
	unhook(c);
	if (hooks) {
		int slot = 0;
		while (slot < MAX_HOOKED && atomic_load(&console.hooked[slot]))
			slot++;
		if (slot == MAX_HOOKED) {
			err = fbk_fail(-EBUSY, "console: more than %d device displays are open",
				       MAX_HOOKED);
		} else {
			c->hooks = *hooks;
			c->slot = slot;
			/* Handlers first, then publish: a signal in between finds no hook yet. */
			if (atomic_fetch_add(&console.hook_count, 1) == 0)
				install_fatal_handlers(); /* nothing new when a VT is held */
			atomic_store(&console.hooked[slot], c);
		}
	}
	pthread_mutex_unlock(&console.lock);
	return err;
}

void fbk_console_release(struct fbk_console *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&console.lock);
	unhook(c);
	if ((c->flags & FBK_CONSOLE_KEYBOARD) && --console.keyboard_users == 0) {
		int fd = atomic_load(&console.fd);
		if (fd >= 0 && is_owner())
			keyboard_back(fd);
		atomic_store(&console.kb_off, false);
	}
	if (--console.users == 0) {
		int fd = atomic_load(&console.fd);
		/*
		 * A forked child closing what it inherited: the VT and its
		 * switching are the parent's; only this process's own
		 * handlers and file descriptors go.
		 */
		bool owner = is_owner();
		if (fd >= 0) {
			atomic_store(&console.releasing, true);
			/* Restore first: a signal before the handlers are gone restores again. */
			if (owner)
				give_back(fd);
			if (atomic_load(&console.vt_switch))
				disable_vt_switch();
			remove_fatal_handlers();
			atomic_store(&console.fd, -1);
			if (console.owns_fd)
				close(fd);
			atomic_store(&console.releasing, false);
			if (owner)
				fbk_log(FBK_LOG_INFO, "console: %s restored", console.name);
			else
				fbk_log(FBK_LOG_DEBUG, "console: %s left to process %d (this is "
						       "a forked child)",
					console.name, (int)atomic_load(&console.owner));
		}
		forget_owner();
		snprintf(console.name, sizeof(console.name), "none");
	}
	pthread_mutex_unlock(&console.lock);
	free(c);
}

bool fbk_console_forked(const struct fbk_console *c)
{
	(void)c;
	int owner = atomic_load(&console.owner);
	return owner && owner != (int)getpid();
}

bool fbk_console_begin_access(struct fbk_console *c)
{
	if (fbk_console_forked(c))
		return false; /* the screen is the parent's */
	unsigned old = atomic_load(&console.vt_state);
	do {
		if (!(old & VT_ACTIVE) || (old & VT_RELEASE_PENDING))
			return false;
	} while (!atomic_compare_exchange_weak(&console.vt_state, &old, old + VT_BUSY_ONE));
	int fd = atomic_load(&console.fd);
	if (atomic_exchange(&console.dropped, false)) {
		if (fd >= 0)
			take(fd);
		note_lost();
		fbk_log(FBK_LOG_INFO, "console: the screen is taken back after a signal");
	}
	return true;
}

void fbk_console_end_access(struct fbk_console *c)
{
	(void)c;
	unsigned old = atomic_fetch_sub(&console.vt_state, VT_BUSY_ONE);
	if ((old & VT_RELEASE_PENDING) && old < 2 * VT_BUSY_ONE)
		finish_release();
}

unsigned fbk_console_lost_count(const struct fbk_console *c)
{
	(void)c;
	return atomic_load(&console.lost);
}

void fbk_console_describe(const struct fbk_console *c, char *buf, size_t size)
{
	if (!size)
		return;
	pthread_mutex_lock(&console.lock);
	if (!c || atomic_load(&console.fd) < 0)
		snprintf(buf, size, "none");
	else
		snprintf(buf, size, "%s%s", console.name,
			 atomic_load(&console.vt_switch) ? " (vt-switch)" : "");
	pthread_mutex_unlock(&console.lock);
}

int fbk_console_switch_vt(struct fbk_console *c, unsigned n)
{
	(void)c;
	if (n < 1 || n > 63)
		return fbk_fail(-EINVAL, "console: no VT %u (1-63)", n);
	int fd = atomic_load(&console.fd);
	if (!atomic_load(&console.vt_switch) || fd < 0)
		return fbk_fail(-ENOTSUP, "console: VT switching is off (open the display with "
					  "vt-switch)");
	if (ioctl(fd, VT_ACTIVATE, (unsigned long)n))
		return fbk_fail(-errno, "console: cannot switch to VT %u: %s", n,
				fbk_errstr(errno));
	return 0;
}

bool fbk_console_active(const struct fbk_console *c)
{
	(void)c;
	return !atomic_load(&console.vt_switch) ||
	       (atomic_load(&console.vt_state) & VT_ACTIVE);
}

bool fbk_console_keyboard_off(void)
{
	return atomic_load(&console.kb_off);
}

void fbk_console_vt_signals(int *release, int *acquire_signal)
{
	*release = atomic_load(&console.vt_switch) ? console.release_signal : 0;
	*acquire_signal = atomic_load(&console.vt_switch) ? console.acquire_signal : 0;
}

int fbk_console_redraw_fd(void)
{
	return atomic_load(&console.redraw_fd);
}

void fbk_console_clear_redraw(void)
{
	int efd = atomic_load(&console.redraw_fd);
	uint64_t count;
	/* One read empties an eventfd; a forked child must not eat the parent's wake-ups. */
	if (efd >= 0 && is_owner()) {
		ssize_t n = read(efd, &count, sizeof(count));
		(void)n; /* EAGAIN: nothing was pending */
	}
}
