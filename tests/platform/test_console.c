/*
 * Console hygiene without a VT: acquiring with no console does nothing and
 * succeeds; the fatal-signal handlers, installed on a pipe standing in for
 * the VT, restore before the process dies, chain to the application's
 * handlers in the documented order, and go away on the last release; the
 * VT-switching state machine, driven by raising its signals.
 *
 * What the handlers do shows in the pipe: the cursor escapes fbkit writes
 * to the console ("\033[?25l" on taking it, "\033[?25h" on giving it
 * back) interleaved with markers the application's handlers write, and
 * the backends' hooks ("R" restore, "V" VT release), with a VT and
 * without one.
 *
 * Also: a child made by fork() never restores the parent's console;
 * FBKIT_NO_SIGNAL_HANDLERS=1 (or no-signals in the spec) installs no
 * handler and leaves the restore to the application; the redraw fd wakes a poll() when the VT comes back.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kd.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fbkit/display.h"
#include "platform/console.h"
#include "harness.h"
#include "rt_signals.h"

#define HIDE "\033[?25l"
#define SHOW "\033[?25h"

static const int fatal[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGFPE, SIGABRT };
#define FATAL_COUNT (sizeof(fatal) / sizeof(fatal[0]))

static int marker_fd = -1; /* the pipe, for the application's handlers */

static void mark(const char *text)
{
	ssize_t n = write(marker_fd, text, strlen(text));
	(void)n;
}

static void set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void set_info_handler(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* The classic clean-up handler: note it, then die of the signal by default. */
static void app_then_die(int sig)
{
	mark("A");
	signal(sig, SIG_DFL);
	raise(sig);
}

static volatile sig_atomic_t handled;

static void app_returns(int sig, siginfo_t *info, void *context)
{
	(void)sig;
	(void)info;
	(void)context;
	mark("I");
	handled++;
}

/* A fault handler in the "return and fault again with the default" style. */
static void app_fault_then_default(int sig)
{
	mark("F");
	signal(sig, SIG_DFL);
}

static sigjmp_buf recover_env;

static void app_recovers(int sig)
{
	(void)sig;
	mark("R");
	siglongjmp(recover_env, 1);
}

static int fault(void)
{
	volatile int *nowhere = NULL;
	*nowhere = 1;
	return *nowhere;
}

struct outcome {
	int status;
	char text[256];
};

/* Run fn in a child whose console is a pipe; collect its exit status and what it wrote. */
static struct outcome run_child(void (*fn)(int sig), int sig)
{
	struct outcome out = { 0, "" };
	int fds[2];
	if (pipe(fds)) {
		CHECK(0, "pipe: %s", strerror(errno));
		return out;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		marker_fd = fds[1];
		fn(sig);
		_exit(0);
	}
	close(fds[1]);
	size_t used = 0;
	ssize_t n;
	while ((n = read(fds[0], out.text + used, sizeof(out.text) - 1 - used)) > 0)
		used += (size_t)n;
	out.text[used] = '\0';
	close(fds[0]);
	waitpid(pid, &out.status, 0);
	return out;
}

/* The pipe text with escapes shown as + (hide) and - (show), for messages and comparisons. */
static const char *readable(const char *text)
{
	static char out[256];
	size_t j = 0;
	for (size_t i = 0; text[i] && j + 1 < sizeof(out);) {
		if (!strncmp(text + i, HIDE, strlen(HIDE))) {
			out[j++] = '+';
			i += strlen(HIDE);
		} else if (!strncmp(text + i, SHOW, strlen(SHOW))) {
			out[j++] = '-';
			i += strlen(SHOW);
		} else {
			out[j++] = text[i++];
		}
	}
	out[j] = '\0';
	return out;
}

static bool died_of(const struct outcome *o, int sig)
{
	return WIFSIGNALED(o->status) && WTERMSIG(o->status) == sig;
}

static void acquire_pipe(struct fbk_console **c, unsigned flags)
{
	if (fbk_console_acquire_fd(c, flags, marker_fd))
		_exit(100);
}

/*
 * How many of the highest real-time signals this system never delivers
 * (none on a real kernel, two under qemu-user: rt_signals.h); the
 * VT-switching children hold these first, so fbkit picks the next ones down.
 */
static int undelivered_top;

/* In a child, so the probe's handlers go with it. */
static void child_probe_top_signals(int sig)
{
	(void)sig;
	_exit(rt_undelivered_top());
}

static void hold_undelivered_signals(void)
{
	rt_hold_top(undelivered_top);
}

/* ---- children ---- */

static void child_app_then_die(int sig)
{
	struct fbk_console *c;
	set_handler(sig, app_then_die);
	acquire_pipe(&c, 0);
	raise(sig);
	_exit(101); /* not reached */
}

static void child_default(int sig)
{
	struct fbk_console *c;
	set_handler(sig, SIG_DFL);
	acquire_pipe(&c, 0);
	raise(sig);
	_exit(101);
}

/* True when the redraw fd has a wake-up waiting. */
static bool redraw_readable(void)
{
	struct pollfd p = { fbk_console_redraw_fd(), POLLIN, 0 };
	return p.fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void child_app_returns(int sig)
{
	struct fbk_console *c;
	set_info_handler(sig, app_returns);
	acquire_pipe(&c, 0);
	unsigned lost = fbk_console_lost_count(c);
	raise(sig);
	if (!handled)
		_exit(102);
	mark("|");
	/* SIGABRT is never re-taken in the handler: the next access does it. */
	if (fbk_console_begin_access(c))
		fbk_console_end_access(c);
	if (fbk_console_lost_count(c) != lost + 1)
		_exit(103);
	if (!redraw_readable())
		_exit(107);
	fbk_console_release(c);
	/* Our handler is gone; the application's is back. */
	struct sigaction now;
	sigaction(sig, NULL, &now);
	if (!(now.sa_flags & SA_SIGINFO) || now.sa_sigaction != app_returns)
		_exit(104);
	mark("E");
	_exit(0);
}

static void child_fault_default(int sig)
{
	(void)sig;
	struct fbk_console *c;
	set_handler(SIGSEGV, SIG_DFL);
	acquire_pipe(&c, 0);
	fault();
	_exit(101);
}

static void child_fault_app_default(int sig)
{
	(void)sig;
	struct fbk_console *c;
	set_handler(SIGSEGV, app_fault_then_default);
	acquire_pipe(&c, 0);
	fault();
	_exit(101);
}

static void child_fault_recovers(int sig)
{
	(void)sig;
	struct fbk_console *c;
	set_handler(SIGSEGV, app_recovers);
	acquire_pipe(&c, 0);
	if (!sigsetjmp(recover_env, 1))
		fault();
	mark("|");
	unsigned lost = fbk_console_lost_count(c);
	/* The console was never given back, so there is nothing to take back. */
	if (fbk_console_begin_access(c))
		fbk_console_end_access(c);
	if (fbk_console_lost_count(c) != lost)
		_exit(103);
	fbk_console_release(c);
	_exit(0);
}

static void child_ignored(int sig)
{
	struct fbk_console *c;
	set_handler(sig, SIG_IGN);
	acquire_pipe(&c, 0);
	struct sigaction now;
	sigaction(sig, NULL, &now);
	if (now.sa_handler != SIG_IGN || (now.sa_flags & SA_SIGINFO))
		_exit(104);
	raise(sig);
	fbk_console_release(c);
	_exit(0);
}

/* Two users: one take, one give-back; handlers stay until the second release. */
static void child_shared(int sig)
{
	struct fbk_console *a, *b;
	set_handler(sig, SIG_DFL);
	acquire_pipe(&a, 0);
	acquire_pipe(&b, 0);
	fbk_console_release(a);
	struct sigaction now;
	sigaction(sig, NULL, &now);
	if (!(now.sa_flags & SA_SIGINFO))
		_exit(104); /* ours must still be there */
	mark("|");
	fbk_console_release(b);
	sigaction(sig, NULL, &now);
	if (now.sa_handler != SIG_DFL || (now.sa_flags & SA_SIGINFO))
		_exit(105);
	_exit(0);
}

/* A handler the application installs after us is left alone on release. */
static void app_later(int sig)
{
	(void)sig;
}

static void child_installed_later(int sig)
{
	struct fbk_console *c;
	set_handler(sig, SIG_DFL);
	acquire_pipe(&c, 0);
	set_handler(sig, app_later);
	fbk_console_release(c);
	struct sigaction now;
	sigaction(sig, NULL, &now);
	_exit(now.sa_handler == app_later ? 0 : 106);
}

/* VT switching, driven by raising the signals the kernel would send. */
static void child_vt_switch(int sig)
{
	(void)sig;
	struct fbk_console *c;
	hold_undelivered_signals();
	acquire_pipe(&c, FBK_CONSOLE_VT_SWITCH);
	int release, acquire;
	fbk_console_vt_signals(&release, &acquire);
	if (release < SIGRTMIN || acquire < SIGRTMIN || release == acquire)
		_exit(110);
	char name[64];
	fbk_console_describe(c, name, sizeof(name));
	if (!strstr(name, "vt-switch"))
		_exit(111);
	unsigned lost = fbk_console_lost_count(c);

	raise(release); /* idle: handed over at once */
	if (fbk_console_begin_access(c))
		_exit(112);
	raise(acquire);
	if (fbk_console_lost_count(c) != lost + 1)
		_exit(113);
	if (!fbk_console_begin_access(c))
		_exit(114);
	raise(release); /* busy: the access in progress finishes first */
	if (fbk_console_begin_access(c))
		_exit(115); /* no new access once a release is pending */
	fbk_console_end_access(c);
	if (fbk_console_begin_access(c))
		_exit(116);
	raise(acquire);
	if (!fbk_console_begin_access(c))
		_exit(117);
	fbk_console_end_access(c);

	fbk_console_release(c);
	struct sigaction now;
	sigaction(release, NULL, &now);
	if (now.sa_handler != SIG_DFL)
		_exit(118);
	sigaction(acquire, NULL, &now);
	if (now.sa_handler != SIG_DFL)
		_exit(119);
	if (!fbk_console_begin_access(NULL))
		_exit(120); /* with no console everything is accessible */
	fbk_console_end_access(NULL);
	_exit(0);
}

/* ---- backend hooks ---- */

static void hook_restore(void *data)
{
	(void)data;
	mark("R");
}

static void hook_vt_release(void *data)
{
	(void)data;
	mark("V");
}

static const struct fbk_console_hooks marking_hooks = { hook_restore, hook_vt_release, NULL };

static void set_marking_hooks(struct fbk_console *c)
{
	if (fbk_console_set_hooks(c, &marking_hooks))
		_exit(130);
}

/* With a VT: the screen (hook) first, then the console. */
static void child_hook_default(int sig)
{
	struct fbk_console *c;
	set_handler(sig, SIG_DFL);
	acquire_pipe(&c, 0);
	set_marking_hooks(c);
	raise(sig);
	_exit(101);
}

static const char *const no_vt[] = { "/nonexistent-fbkit/tty", NULL };

/* No VT: the handlers are there for the hook alone. */
static void child_hook_no_vt(int sig)
{
	struct fbk_console *c;
	set_handler(sig, SIG_DFL);
	if (fbk_console_acquire_from(&c, 0, no_vt))
		_exit(100);
	struct sigaction now;
	sigaction(sig, NULL, &now);
	if (now.sa_flags & SA_SIGINFO)
		_exit(131); /* not before the hooks */
	set_marking_hooks(c);
	raise(sig);
	_exit(101);
}

/* No VT, the application's handler returns: the hook ran, the screen counts as lost. */
static void child_hook_no_vt_returns(int sig)
{
	struct fbk_console *c;
	set_info_handler(sig, app_returns);
	if (fbk_console_acquire_from(&c, 0, no_vt))
		_exit(100);
	set_marking_hooks(c);
	unsigned lost = fbk_console_lost_count(c);
	raise(sig);
	mark("|");
	if (fbk_console_begin_access(c))
		fbk_console_end_access(c);
	if (fbk_console_lost_count(c) != lost + 1)
		_exit(103);
	/* Removing the last hook removes the handlers installed for it. */
	fbk_console_set_hooks(c, NULL);
	struct sigaction now;
	sigaction(sig, NULL, &now);
	if (!(now.sa_flags & SA_SIGINFO) || now.sa_sigaction != app_returns)
		_exit(104);
	raise(sig);
	fbk_console_release(c);
	_exit(0);
}

/* The VT release hook runs before the VT is handed over; a release hands nothing over. */
static void child_hook_vt_switch(int sig)
{
	(void)sig;
	struct fbk_console *c;
	hold_undelivered_signals();
	acquire_pipe(&c, FBK_CONSOLE_VT_SWITCH);
	set_marking_hooks(c);
	int release, acquire;
	fbk_console_vt_signals(&release, &acquire);
	raise(release);
	mark("|");
	raise(acquire);
	if (!fbk_console_begin_access(c))
		_exit(112);
	fbk_console_end_access(c);
	fbk_console_release(c);
	_exit(0);
}

/* Eight users with hooks at most; released users free their slot. */
static void child_hook_slots(int sig)
{
	(void)sig;
	struct fbk_console *c[9];
	for (int i = 0; i < 9; i++)
		if (fbk_console_acquire_from(&c[i], 0, no_vt))
			_exit(100);
	for (int i = 0; i < 8; i++)
		set_marking_hooks(c[i]);
	if (fbk_console_set_hooks(c[8], &marking_hooks) != -EBUSY)
		_exit(132);
	fbk_console_release(c[3]);
	set_marking_hooks(c[8]);
	if (fbk_console_set_hooks(NULL, &marking_hooks) != -EINVAL)
		_exit(133);
	for (int i = 0; i < 9; i++)
		if (i != 3)
			fbk_console_release(c[i]);
	struct sigaction now;
	sigaction(SIGTERM, NULL, &now);
	_exit(now.sa_flags & SA_SIGINFO ? 134 : 0);
}

/* ---- the tests ---- */

static void expect(const struct outcome *o, const char *what, int sig, int exit_code,
		   const char *want)
{
	const char *got = readable(o->text);
	if (exit_code < 0)
		CHECK(died_of(o, sig), "%s %s: status 0x%x, want death by that signal", what,
		      strsignal(sig), (unsigned)o->status);
	else
		CHECK(WIFEXITED(o->status) && WEXITSTATUS(o->status) == exit_code,
		      "%s %s: status 0x%x, want exit %d", what, strsignal(sig),
		      (unsigned)o->status, exit_code);
	CHECK(!strcmp(got, want), "%s %s: console saw '%s', want '%s'", what, strsignal(sig), got,
	      want);
}

static void test_chaining(void)
{
	for (size_t i = 0; i < FATAL_COUNT; i++) {
		int sig = fatal[i];
		struct outcome o = run_child(child_default, sig);
		expect(&o, "default", sig, -1, "+-");
		o = run_child(child_app_then_die, sig);
		/* Sent signals: restore first, the application's handler may _exit. */
		expect(&o, "app handler that re-raises", sig, -1, "+-A");
		o = run_child(child_app_returns, sig);
		/* Handled: graphics taken back at once, or (SIGABRT) at the next access. */
		expect(&o, "app handler that returns", sig, 0, sig == SIGABRT ? "+-I|+-E" : "+-I+|-E");
		o = run_child(child_shared, sig);
		expect(&o, "two users", sig, 0, "+|-");
		o = run_child(child_installed_later, sig);
		expect(&o, "handler installed later", sig, 0, "+-");
	}
	struct outcome o = run_child(child_ignored, SIGHUP);
	expect(&o, "ignored", SIGHUP, 0, "+-");
	o = run_child(child_ignored, SIGINT);
	expect(&o, "ignored", SIGINT, 0, "+-");
}

static void test_faults(void)
{
	struct outcome o = run_child(child_fault_default, SIGSEGV);
	expect(&o, "fault, default", SIGSEGV, -1, "+-");
	/* Faults: the application's handler first; restored once it is clear the fault kills. */
	o = run_child(child_fault_app_default, SIGSEGV);
	expect(&o, "fault, app handler then default", SIGSEGV, -1, "+F-");
	o = run_child(child_fault_recovers, SIGSEGV);
	expect(&o, "fault the app recovers from", SIGSEGV, 0, "+R|-");
}

/* Signals the application blocks are not taken: they would never arrive. */
static void child_vt_switch_blocked(int sig)
{
	(void)sig;
	struct fbk_console *c;
	hold_undelivered_signals();
	int top = SIGRTMAX - undelivered_top;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, top);
	sigaddset(&mask, top - 1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	acquire_pipe(&c, FBK_CONSOLE_VT_SWITCH);
	int release, acquire;
	fbk_console_vt_signals(&release, &acquire);
	if (release > top - 2 || acquire > top - 2 || release < SIGRTMIN || acquire < SIGRTMIN)
		_exit(120);
	fbk_console_release(c);
	_exit(0);
}

static void test_vt_switch(void)
{
	struct outcome o = run_child(child_probe_top_signals, 0);
	CHECK(WIFEXITED(o.status), "signal probe: status 0x%x", (unsigned)o.status);
	undelivered_top = WIFEXITED(o.status) ? WEXITSTATUS(o.status) : 0;
	if (undelivered_top)
		printf("note: the %d highest real-time signals are never delivered here "
		       "(qemu-user); the VT-switching children hold them so fbkit picks "
		       "lower ones\n", undelivered_top);
	o = run_child(child_vt_switch, 0);
	CHECK(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0, "vt switching: status 0x%x",
	      (unsigned)o.status);
	CHECK(!strcmp(readable(o.text), "+-"), "vt switching: console saw '%s'",
	      readable(o.text));
	o = run_child(child_vt_switch_blocked, 0);
	CHECK(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0,
	      "vt switching took a signal the application blocks: status 0x%x", (unsigned)o.status);
}

static void test_hooks(void)
{
	struct outcome o = run_child(child_hook_default, SIGTERM);
	expect(&o, "hook with a VT", SIGTERM, -1, "+R-");
	o = run_child(child_hook_no_vt, SIGTERM);
	expect(&o, "hook without a VT", SIGTERM, -1, "R");
	o = run_child(child_hook_no_vt, SIGSEGV);
	expect(&o, "hook without a VT", SIGSEGV, -1, "R");
	o = run_child(child_hook_no_vt_returns, SIGINT);
	expect(&o, "hook without a VT, app handler returns", SIGINT, 0, "RI|I");
	o = run_child(child_hook_vt_switch, 0);
	CHECK(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0, "hooks and vt switching: "
	      "status 0x%x", (unsigned)o.status);
	CHECK(!strcmp(readable(o.text), "+V|-"), "hooks and vt switching: console saw '%s'",
	      readable(o.text));
	o = run_child(child_hook_slots, 0);
	CHECK(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0, "hook slots: status 0x%x",
	      (unsigned)o.status);
}

/* ---- fork ---- */

/*
 * A worker forked (no exec) from a program with a display open dies of a
 * signal, and one closes what it inherited: neither touches the console
 * or runs a hook, because the screen is the parent's. The parent's own
 * restore still works afterwards.
 */
static void child_forks(int sig)
{
	struct fbk_console *c;
	set_handler(sig, SIG_DFL);
	acquire_pipe(&c, 0);
	set_marking_hooks(c);
	pid_t worker = fork();
	if (worker == 0) {
		for (;;)
			pause();
	}
	kill(worker, sig);
	int status;
	if (waitpid(worker, &status, 0) != worker || !WIFSIGNALED(status) ||
	    WTERMSIG(status) != sig)
		_exit(140);

	worker = fork();
	if (worker == 0) {
		struct fbk_console *again;
		if (fbk_console_acquire_fd(&again, 0, marker_fd) != -EBUSY)
			_exit(1); /* a second user of the parent's console */
		if (fbk_console_begin_access(c))
			_exit(2); /* would present on, or restore, the parent's screen */
		if (!fbk_console_forked(c))
			_exit(4); /* DRM would destroy the parent's framebuffers */
		/* What fbk_display_close does. */
		fbk_console_set_hooks(c, NULL);
		fbk_console_release(c);
		struct sigaction now;
		sigaction(sig, NULL, &now);
		_exit(now.sa_flags & SA_SIGINFO ? 3 : 0);
	}
	if (waitpid(worker, &status, 0) != worker || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		_exit(141 + (WIFEXITED(status) ? WEXITSTATUS(status) : 9));
	mark("|");
	if (!fbk_console_begin_access(c) || fbk_console_forked(c))
		_exit(151);
	fbk_console_end_access(c);
	raise(sig);
	_exit(101);
}

static void test_fork(void)
{
	struct outcome o = run_child(child_forks, SIGTERM);
	expect(&o, "forked child killed", SIGTERM, -1, "+|R-");
	o = run_child(child_forks, SIGINT);
	expect(&o, "forked child killed", SIGINT, -1, "+|R-");
}

/* ---- FBKIT_NO_SIGNAL_HANDLERS ---- */

static void app_restores_then_dies(int sig)
{
	mark("A");
	fbk_display_restore_console();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void app_restores_and_returns(int sig)
{
	(void)sig;
	mark("A");
	fbk_display_restore_console();
}

static bool same_disposition(int sig, const struct sigaction *before)
{
	struct sigaction now;
	sigaction(sig, NULL, &now);
	return (now.sa_flags & SA_SIGINFO) == (before->sa_flags & SA_SIGINFO) &&
	       now.sa_handler == before->sa_handler;
}

static struct sigaction before_acquire[FATAL_COUNT];

/* Before acquiring: what expect_no_handlers compares with (sanitizers have their own). */
static void note_dispositions(void)
{
	for (size_t i = 0; i < FATAL_COUNT; i++)
		sigaction(fatal[i], NULL, &before_acquire[i]);
}

/* Not one handler, VT or hooks; the console still taken and given back on release. */
static void expect_no_handlers(struct fbk_console *c)
{
	for (size_t i = 0; i < FATAL_COUNT; i++)
		if (!same_disposition(fatal[i], &before_acquire[i]))
			_exit(160 + (int)i);
	struct fbk_console *vt;
	if (fbk_console_acquire_fd(&vt, FBK_CONSOLE_VT_SWITCH | FBK_CONSOLE_NO_SIGNALS,
				   marker_fd) != -EINVAL)
		_exit(170); /* VT switching needs handlers */
	if (!fbk_console_begin_access(c))
		_exit(171);
	fbk_console_end_access(c);
}

/* The application's own handler restores, then dies of the signal. */
static void child_no_handlers(int sig)
{
	struct fbk_console *c;
	setenv("FBKIT_NO_SIGNAL_HANDLERS", "1", 1);
	note_dispositions();
	acquire_pipe(&c, 0);
	set_marking_hooks(c);
	expect_no_handlers(c);
	mark("|");
	set_handler(sig, app_restores_then_dies);
	raise(sig);
	_exit(101);
}

/* ...or restores and goes on: the next access takes the console back and asks for a redraw. */
static void child_no_handlers_returns(int sig)
{
	struct fbk_console *c;
	setenv("FBKIT_NO_SIGNAL_HANDLERS", "1", 1);
	note_dispositions();
	acquire_pipe(&c, 0);
	set_marking_hooks(c);
	expect_no_handlers(c);
	unsigned lost = fbk_console_lost_count(c);
	set_handler(sig, app_restores_and_returns);
	raise(sig);
	mark("|");
	if (!fbk_console_begin_access(c))
		_exit(172);
	fbk_console_end_access(c);
	if (fbk_console_lost_count(c) != lost + 1 || !redraw_readable())
		_exit(173);
	fbk_console_set_hooks(c, NULL);
	fbk_console_release(c);
	_exit(0);
}

/* The same asked for by one display (the spec's no-signals) rather than the environment. */
static void child_no_signals_flag(int sig)
{
	struct fbk_console *c, *other;
	note_dispositions();
	if (fbk_console_acquire_fd(&c, FBK_CONSOLE_NO_SIGNALS, marker_fd))
		_exit(100);
	set_marking_hooks(c);
	expect_no_handlers(c);
	/* Handlers are per process: every display must agree. */
	if (fbk_console_acquire_fd(&other, 0, marker_fd) != -EBUSY)
		_exit(174);
	if (fbk_console_acquire_fd(&other, FBK_CONSOLE_NO_SIGNALS, marker_fd))
		_exit(175);
	fbk_console_release(other);
	mark("|");
	set_handler(sig, app_restores_then_dies);
	raise(sig);
	_exit(101);
}

/* A display asking for no handlers after another installed them is refused. */
static void child_no_signals_late(int sig)
{
	(void)sig;
	struct fbk_console *c, *other;
	acquire_pipe(&c, 0);
	if (fbk_console_acquire_fd(&other, FBK_CONSOLE_NO_SIGNALS, marker_fd) != -EBUSY)
		_exit(176);
	if (!strstr(fbk_last_error(), "no-signals"))
		_exit(177);
	fbk_console_release(c);
	_exit(0);
}

/* The spec option through the public call: every backend and auto take it, valueless. */
static void child_no_signals_spec(int sig)
{
	(void)sig;
	struct fbk_display *d = NULL;
	if (fbk_display_open(&d, "offscreen:8x8,no-signals"))
		_exit(1);
	fbk_display_close(d);
	if (fbk_display_open(&d, "offscreen:8x8,no-signals=1") != -EINVAL)
		_exit(2);
	static const char *const devices[] = { "fbdev:/nonexistent-fbkit/fb0,no-signals",
					       "drm:/nonexistent-fbkit/card0,no-signals" };
	for (size_t i = 0; i < 2; i++) {
		int err = fbk_display_open(&d, devices[i]);
		if (!err || err == -EINVAL) /* refused for the device, not the option */
			_exit(3 + (int)i);
	}
	/*
	 * auto opens real devices where there are some: a bad variable stops
	 * both backends at the console, before the screen is touched.
	 */
	setenv("FBKIT_NO_SIGNAL_HANDLERS", "bogus", 1);
	int err = fbk_display_open(&d, "auto,no-signals");
	if (!err)
		_exit(5);
	if (strstr(fbk_last_error(), "'auto' takes no"))
		_exit(6);
	_exit(0);
}

/* Anything but 1 or 0 is a mistake worth stopping for; 0 means fbkit's handlers. */
static void child_no_handlers_values(int sig)
{
	(void)sig;
	struct fbk_console *c;
	setenv("FBKIT_NO_SIGNAL_HANDLERS", "yes", 1);
	if (fbk_console_acquire_fd(&c, 0, marker_fd) != -EINVAL)
		_exit(180);
	if (!strstr(fbk_last_error(), "FBKIT_NO_SIGNAL_HANDLERS"))
		_exit(181);
	setenv("FBKIT_NO_SIGNAL_HANDLERS", "0", 1);
	acquire_pipe(&c, 0);
	struct sigaction now;
	sigaction(SIGTERM, NULL, &now);
	if (!(now.sa_flags & SA_SIGINFO))
		_exit(182);
	fbk_console_release(c);
	_exit(0);
}

static void test_no_handlers(void)
{
	for (size_t i = 0; i < FATAL_COUNT; i++) {
		if (fatal[i] == SIGSEGV || fatal[i] == SIGBUS || fatal[i] == SIGFPE)
			continue; /* raised, not faults: the same path as the others */
		struct outcome o = run_child(child_no_handlers, fatal[i]);
		expect(&o, "no handlers, the app restores", fatal[i], -1, "+|AR-");
	}
	struct outcome o = run_child(child_no_handlers_returns, SIGINT);
	expect(&o, "no handlers, the app restores and goes on", SIGINT, 0, "+AR-|+-");
	o = run_child(child_no_signals_flag, SIGTERM);
	expect(&o, "no-signals, the app restores", SIGTERM, -1, "+|AR-");
	o = run_child(child_no_signals_late, 0);
	expect(&o, "no-signals after handlers", 0, 0, "+-");
	o = run_child(child_no_signals_spec, 0);
	expect(&o, "no-signals in specs", 0, 0, "");
	o = run_child(child_no_handlers_values, 0);
	CHECK(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0,
	      "FBKIT_NO_SIGNAL_HANDLERS values: status 0x%x", (unsigned)o.status);
}

/* ---- the redraw fd ---- */

static void *switch_away_and_back(void *arg)
{
	const int *vt_signals = arg;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, vt_signals[0]);
	sigaddset(&mask, vt_signals[1]);
	pthread_sigmask(SIG_UNBLOCK, &mask, NULL);
	struct timespec a_while = { 0, 50 * 1000 * 1000 };
	nanosleep(&a_while, NULL);
	raise(vt_signals[0]); /* the user switches away... */
	raise(vt_signals[1]); /* ...and back */
	return NULL;
}

/*
 * A program waiting in poll() wakes up when the VT comes back. The VT
 * signals are handled on another thread, as the kernel may pick any
 * thread: the wake-up comes from the fd, not from an interrupted poll.
 */
static void child_redraw_fd(int sig)
{
	(void)sig;
	struct fbk_console *c;
	hold_undelivered_signals();
	acquire_pipe(&c, FBK_CONSOLE_VT_SWITCH);
	if (fbk_console_redraw_fd() < 0)
		_exit(190);
	if (redraw_readable())
		_exit(191); /* nothing lost yet */
	int vt_signals[2];
	fbk_console_vt_signals(&vt_signals[0], &vt_signals[1]);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, vt_signals[0]);
	sigaddset(&mask, vt_signals[1]);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	pthread_t thread;
	if (pthread_create(&thread, NULL, switch_away_and_back, vt_signals))
		_exit(192);
	struct pollfd p = { fbk_console_redraw_fd(), POLLIN, 0 };
	int n = poll(&p, 1, 5000);
	pthread_join(thread, NULL);
	if (n != 1 || !(p.revents & POLLIN))
		_exit(193);
	fbk_console_clear_redraw();
	if (redraw_readable())
		_exit(194); /* emptied by fbk_display_needs_redraw */
	pthread_sigmask(SIG_UNBLOCK, &mask, NULL);
	int efd = fbk_console_redraw_fd();
	fbk_console_release(c);
	if (fbk_console_redraw_fd() != -1)
		_exit(195); /* no fd without a console */
	/*
	 * Kept open for the process, never closed: a handler still writing
	 * could otherwise hit whatever file reuses the number.
	 */
	if (fcntl(efd, F_GETFD) < 0)
		_exit(196);
	_exit(0);
}

static void test_redraw_fd(void)
{
	struct outcome o = run_child(child_redraw_fd, 0);
	CHECK(WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0, "redraw fd: status 0x%x",
	      (unsigned)o.status);
	CHECK(!strcmp(readable(o.text), "+-"), "redraw fd: console saw '%s'", readable(o.text));

	/* The public calls on displays that never lose the screen. */
	CHECK(fbk_display_redraw_fd(NULL) == -EINVAL, "redraw fd of NULL");
	struct fbk_display *d = NULL;
	int err = fbk_display_open(&d, "offscreen:8x8");
	CHECK(!err, "offscreen: %s", fbk_last_error());
	if (!err) {
		CHECK(fbk_display_redraw_fd(d) == -ENOTSUP, "offscreen has a redraw fd");
		CHECK(!fbk_display_needs_redraw(d), "offscreen needs a redraw");
		fbk_display_close(d);
	}
	fbk_display_restore_console(); /* nothing open: nothing done */
}

static bool reachable_vt(void)
{
	int mode;
	if (!ioctl(STDIN_FILENO, KDGETMODE, &mode))
		return true;
	const char *paths[] = { "/dev/tty", "/dev/tty0" };
	for (size_t i = 0; i < 2; i++) {
		int fd = open(paths[i], O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
		bool vt = fd >= 0 && !ioctl(fd, KDGETMODE, &mode);
		if (fd >= 0)
			close(fd);
		if (vt)
			return true;
	}
	return false;
}

/* No VT: success, nothing done, no handlers. */
static void test_no_console(void)
{
	static const char *const none[] = { "/nonexistent-fbkit/tty", "/dev/null", NULL };
	struct sigaction term, intr;
	sigaction(SIGTERM, NULL, &term);
	sigaction(SIGINT, NULL, &intr);
	for (unsigned flags = 0; flags <= FBK_CONSOLE_VT_SWITCH; flags += FBK_CONSOLE_VT_SWITCH) {
		struct fbk_console *c = NULL;
		int err = fbk_console_acquire_from(&c, flags, none);
		CHECK(err == 0 && c, "acquire without a VT (flags %u): %d %s", flags, err,
		      fbk_last_error());
		CHECK(same_disposition(SIGTERM, &term), "handlers installed without a console");
		char name[32];
		fbk_console_describe(c, name, sizeof(name));
		CHECK(!strcmp(name, "none"), "describe without a VT: '%s'", name);
		unsigned lost = fbk_console_lost_count(c);
		CHECK(fbk_console_begin_access(c), "no access without a VT");
		fbk_console_end_access(c);
		CHECK(fbk_console_lost_count(c) == lost, "lost count moved without a VT");
		fbk_console_release(c);
	}
	fbk_console_release(NULL);
	CHECK(fbk_console_acquire_fd(NULL, 0, 1) == -EINVAL, "NULL output accepted");
}

/*
 * The real search (console_default_search), only where it cannot reach a VT:
 * never touch a real console here.
 */
static void test_default_search(void)
{
	if (reachable_vt())
		SKIP("a VT is reachable from this test; the default console search is not "
		     "exercised so the real console is left alone");
	struct sigaction intr;
	sigaction(SIGINT, NULL, &intr);
	struct fbk_console *c = NULL;
	int err = fbk_console_acquire(&c, FBK_CONSOLE_VT_SWITCH);
	CHECK(err == 0 && c, "acquire with no tty: %d %s", err, fbk_last_error());
	CHECK(same_disposition(SIGINT, &intr), "handlers installed with no tty");
	fbk_console_release(c);
}

int main(int argc, char **argv)
{
	/* Children die of signals on purpose; no core files for them. */
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	signal(SIGCHLD, SIG_DFL);
	if (argc > 1 && !strcmp(argv[1], "--default-search")) {
		test_default_search();
		return harness_exit();
	}
	test_no_console();
	test_chaining();
	test_faults();
	test_vt_switch();
	test_hooks();
	test_fork();
	test_no_handlers();
	test_redraw_fd();
	return harness_exit();
}
