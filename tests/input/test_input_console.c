/*
 * The VT keyboard while fbkit reads keyboards: K_OFF while a keyboard
 * user (the input layer) holds the console, the saved mode back on
 * release, when a fatal signal ends the program (SIGTERM, SIGSEGV) and
 * while an application's handler runs, and K_OFF again after it returns;
 * Ctrl+Alt+Fn switching VTs only with vt-switch.
 *
 * No real VT is touched: the console is a pipe (fbk_console_acquire_fd),
 * and the ioctl() below, which the statically linked library calls,
 * plays the VT on that pipe from shared memory, so what a child's signal
 * handler did shows in the parent.
 */
#include <errno.h>
#include <linux/input-event-codes.h>
#include <linux/kd.h>
#include <linux/vt.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "input/input_internal.h"
#include "platform/console.h"
#include "harness.h"
#include "rt_signals.h"

struct fake_vt {
	int fd;        /* the pipe end standing for the VT */
	int kd_mode;   /* KD_TEXT / KD_GRAPHICS */
	int kb_mode;   /* K_UNICODE / K_OFF ... */
	int kb_sets;   /* KDSKBMODE calls */
	int activated; /* the last VT_ACTIVATE */
	int mode_in_handler;
	struct vt_mode vt_mode;
};

static struct fake_vt *vt;

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (!vt || fd != vt->fd)
		return (int)syscall(SYS_ioctl, fd, request, arg);
	switch (request) {
	case KDGETMODE:
		*(int *)arg = vt->kd_mode;
		return 0;
	case KDSETMODE:
		vt->kd_mode = (int)(long)arg;
		return 0;
	case KDGKBMODE:
		*(int *)arg = vt->kb_mode;
		return 0;
	case KDSKBMODE:
		vt->kb_mode = (int)(long)arg;
		vt->kb_sets++;
		return 0;
	case VT_GETMODE:
		*(struct vt_mode *)arg = vt->vt_mode;
		return 0;
	case VT_SETMODE:
		vt->vt_mode = *(struct vt_mode *)arg;
		return 0;
	case VT_ACTIVATE:
		vt->activated = (int)(long)arg;
		return 0;
	case VT_RELDISP:
		return 0;
	default:
		errno = ENOTTY;
		return -1;
	}
}

static void reset_vt(void)
{
	vt->kd_mode = KD_TEXT;
	vt->kb_mode = K_UNICODE;
	vt->kb_sets = 0;
	vt->activated = 0;
	vt->vt_mode = (struct vt_mode){ .mode = VT_AUTO };
}

static void test_release(void)
{
	reset_vt();
	struct fbk_console *c;
	CHECK(!fbk_console_acquire_fd(&c, FBK_CONSOLE_KEYBOARD, vt->fd), "acquire: %s",
	      fbk_last_error());
	CHECK(vt->kb_mode == K_OFF && vt->kd_mode == KD_GRAPHICS && fbk_console_keyboard_off(),
	      "while held: kb %d kd %d", vt->kb_mode, vt->kd_mode);
	fbk_console_release(c);
	CHECK(vt->kb_mode == K_UNICODE && vt->kd_mode == KD_TEXT && !fbk_console_keyboard_off(),
	      "after release: kb %d kd %d", vt->kb_mode, vt->kd_mode);

	/* A display first, then the keyboard user: K_OFF only while the latter holds. */
	reset_vt();
	vt->kb_mode = K_XLATE;
	struct fbk_console *display, *keyboard;
	CHECK(!fbk_console_acquire_fd(&display, 0, vt->fd), "display");
	CHECK(vt->kb_mode == K_XLATE && vt->kb_sets == 0, "a display alone leaves the keyboard");
	CHECK(!fbk_console_acquire_fd(&keyboard, FBK_CONSOLE_KEYBOARD, vt->fd), "keyboard: %s",
	      fbk_last_error());
	CHECK(vt->kb_mode == K_OFF, "keyboard user: kb %d", vt->kb_mode);
	fbk_console_release(keyboard);
	CHECK(vt->kb_mode == K_XLATE && vt->kd_mode == KD_GRAPHICS,
	      "keyboard user gone: kb %d kd %d", vt->kb_mode, vt->kd_mode);
	fbk_console_release(display);
	CHECK(vt->kb_mode == K_XLATE && vt->kd_mode == KD_TEXT, "all gone: kb %d", vt->kb_mode);

	/* Joining a console held with no-signals follows it instead of failing. */
	reset_vt();
	CHECK(!fbk_console_acquire_fd(&display, FBK_CONSOLE_NO_SIGNALS, vt->fd), "no-signals");
	CHECK(!fbk_console_acquire_fd(&keyboard, FBK_CONSOLE_KEYBOARD, vt->fd),
	      "keyboard joins a no-signals console: %s", fbk_last_error());
	CHECK(vt->kb_mode == K_OFF, "K_OFF under no-signals");
	fbk_display_restore_console(); /* what such a program calls from its handler */
	CHECK(vt->kb_mode == K_UNICODE, "fbk_display_restore_console: kb %d", vt->kb_mode);
	fbk_console_release(keyboard);
	fbk_console_release(display);
}

/* A child holds the keyboard and dies of `sig`; the parent reads the VT. */
static void test_death(int sig, bool fault)
{
	reset_vt();
	pid_t pid = fork();
	if (pid == 0) {
		struct fbk_console *c;
		/* the default below fbkit's handler (not a sanitizer's, which would abort) */
		signal(sig, SIG_DFL);
		if (fbk_console_acquire_fd(&c, FBK_CONSOLE_KEYBOARD, vt->fd) || vt->kb_mode != K_OFF)
			_exit(3);
		if (fault) {
			/* a real fault (si_code > 0), as a crash gives */
			volatile int *nowhere = NULL;
			*nowhere = 1;
		}
		raise(sig);
		_exit(5);
	}
	int status;
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == sig, "child: status %#x, expected death by %d",
	      status, sig);
	CHECK(vt->kb_mode == K_UNICODE && vt->kd_mode == KD_TEXT,
	      "after signal %d: kb %d kd %d", sig, vt->kb_mode, vt->kd_mode);
}

static void on_int(int sig)
{
	(void)sig;
	vt->mode_in_handler = vt->kb_mode;
}

/* The application handles SIGINT and goes on: the keyboard is off again after. */
static void test_handled(void)
{
	reset_vt();
	signal(SIGINT, on_int);
	struct fbk_console *c;
	CHECK(!fbk_console_acquire_fd(&c, FBK_CONSOLE_KEYBOARD, vt->fd), "acquire");
	vt->mode_in_handler = -1;
	raise(SIGINT);
	CHECK(vt->mode_in_handler == K_UNICODE, "in the handler: kb %d", vt->mode_in_handler);
	CHECK(vt->kb_mode == K_OFF && vt->kd_mode == KD_GRAPHICS, "after it: kb %d kd %d",
	      vt->kb_mode, vt->kd_mode);
	fbk_console_release(c);
	signal(SIGINT, SIG_DFL);
	CHECK(vt->kb_mode == K_UNICODE, "released: kb %d", vt->kb_mode);
}

static int delivered;
static void count(const struct fbk_input_event *event, void *user)
{
	(void)event;
	(void)user;
	delivered++;
}

/* Ctrl+Alt+F3 switches (and is not delivered) with vt-switch, and is a key without. */
static void test_vt_keys(void)
{
	reset_vt();
	struct fbk_input *in;
	CHECK(!fbk_input_create_bare(&in, 100, 100, 0, NULL), "bare");
	struct fbk_console *keyboard;
	CHECK(!fbk_console_acquire_fd(&keyboard, FBK_CONSOLE_KEYBOARD, vt->fd), "keyboard");
	in->console = keyboard; /* as fbk_input_open sets it */
	fbk_input_test_begin(in, count, NULL);
	delivered = 0;
	fbk_input_key(in, KEY_LEFTCTRL, true, 1);
	fbk_input_key(in, KEY_LEFTALT, true, 2);
	fbk_input_key(in, KEY_F3, true, 3);
	CHECK(vt->activated == 0 && delivered == 3, "without vt-switch: activated %d, delivered %d",
	      vt->activated, delivered);
	CHECK(fbk_console_switch_vt(keyboard, 3) == -ENOTSUP, "switch without vt-switch");
	fbk_input_key(in, KEY_F3, false, 4);

	struct fbk_console *display;
	CHECK(!fbk_console_acquire_fd(&display, FBK_CONSOLE_VT_SWITCH, vt->fd), "vt-switch: %s",
	      fbk_last_error());
	delivered = 0;
	fbk_input_key(in, KEY_F3, true, 5);
	CHECK(vt->activated == 3 && delivered == 0, "with vt-switch: activated %d, delivered %d",
	      vt->activated, delivered);
	fbk_input_key(in, KEY_F11, true, 6);
	CHECK(vt->activated == 11, "F11: %d", vt->activated);
	CHECK(fbk_console_switch_vt(keyboard, 0) == -EINVAL &&
		      fbk_console_switch_vt(keyboard, 64) == -EINVAL,
	      "VT out of range");
	/* Ctrl alone: an ordinary key */
	fbk_input_key(in, KEY_LEFTALT, false, 7);
	delivered = 0;
	fbk_input_key(in, KEY_F4, true, 8);
	CHECK(vt->activated == 11 && delivered == 1, "ctrl+F4: activated %d, delivered %d",
	      vt->activated, delivered);
	fbk_input_key(in, KEY_F4, false, 9);

	/* Away (the kernel's release signal): a held key stops repeating, keys are not delivered. */
	int release, acquire;
	fbk_console_vt_signals(&release, &acquire);
	delivered = 0;
	fbk_input_key(in, KEY_Q, true, 10);
	CHECK(delivered == 1, "Q pressed: %d", delivered);
	raise(release);
	CHECK(!fbk_console_active(keyboard), "still active after the release signal");
	fbk_input_repeats(in, 10000000);
	fbk_input_key(in, KEY_W, true, 10000001);
	CHECK(delivered == 1, "while away: %d delivered", delivered);
	raise(acquire);
	CHECK(fbk_console_active(keyboard), "not active after the acquire signal");
	fbk_input_repeats(in, 20000000);
	CHECK(delivered == 1, "repeats after the return: %d", delivered);
	fbk_input_test_end(in);
	in->console = NULL;
	fbk_input_close(in);
	fbk_console_release(display);
	fbk_console_release(keyboard);
	CHECK(vt->kb_mode == K_UNICODE && vt->vt_mode.mode == VT_AUTO, "restored: kb %d, vt mode %d",
	      vt->kb_mode, vt->vt_mode.mode);
}

/* qemu-user's undelivered real-time signals: see rt_signals.h. */
static void hold_undelivered_signals(void)
{
	int n = rt_undelivered_top();
	rt_hold_top(n);
	if (n)
		printf("the %d highest real-time signals are never delivered here: held, so "
		       "fbkit uses lower ones\n", n);
}

int main(void)
{
	hold_undelivered_signals();
	vt = mmap(NULL, sizeof(*vt), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fds[2];
	if (vt == MAP_FAILED || pipe(fds))
		SKIP("no shared memory or pipe");
	vt->fd = fds[1];
	test_release();
	test_death(SIGTERM, false);
	test_death(SIGSEGV, false);
	test_death(SIGSEGV, true);
	test_handled();
	test_vt_keys();
	return harness_exit();
}
