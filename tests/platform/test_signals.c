/*
 * src/platform/signals.c: installing on top of a disposition, removing
 * only while on top, and forwarding to what was replaced. Every case runs
 * in a forked child that writes one letter per handler that ran to a
 * pipe; the parent checks the letters and how the child ended.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "platform/map_guard.h"
#include "platform/signals.h"

static int out_fd = -1;
static struct sigaction saved;

static void note(char c)
{
	ssize_t n = write(out_fd, &c, 1);
	(void)n;
}

/* fbkit's side: note, then forward to what it replaced. */
static void ours(int sig, siginfo_t *info, void *context)
{
	note('o');
	fbk_signal_forward(&saved, sig, info, context);
}

static void app_plain(int sig)
{
	note(sig == SIGSEGV ? 'p' : '?');
}

static void app_info(int sig, siginfo_t *info, void *context)
{
	(void)context;
	/* The siginfo must be the one the kernel delivered to ours. */
	bool same = info->si_code == SI_QUEUE && info->si_value.sival_int == 42;
	note(sig == SIGSEGV && same ? 'i' : '?');
}

static void set_app(int sig, void (*plain)(int), void (*with_info)(int, siginfo_t *, void *),
		    int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = flags;
	if (with_info)
		sa.sa_sigaction = with_info;
	else
		sa.sa_handler = plain;
	sigaction(sig, &sa, NULL);
}

static void install_ours(int sig)
{
	if (fbk_signal_query(sig, &saved) || fbk_signal_install(sig, ours, NULL, &saved))
		_exit(3);
}

/* A write to a read-only page: a real SIGSEGV, si_code SEGV_ACCERR. */
static void fault(void)
{
	volatile char *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		_exit(4);
	*page = 1;
}

struct outcome {
	int status;
	char out[32];
};

static struct outcome run_child(void (*fn)(void))
{
	struct outcome o = { -1, "" };
	int fds[2];
	if (pipe(fds))
		return o;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		out_fd = fds[1];
		fn();
		_exit(0);
	}
	close(fds[1]);
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(o.out) - 1 &&
	       (n = read(fds[0], o.out + len, sizeof(o.out) - 1 - len)) > 0)
		len += (size_t)n;
	o.out[len] = 0;
	close(fds[0]);
	waitpid(pid, &o.status, 0);
	return o;
}

/* died: the signal the child must die of, or 0 for a normal exit 0. */
static void expect(const char *name, void (*fn)(void), int died, const char *out)
{
	struct outcome o = run_child(fn);
	bool ok_end = died ? WIFSIGNALED(o.status) && WTERMSIG(o.status) == died
			   : WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0;
	CHECK(ok_end, "%s: child status %#x, expected %s %d", name, (unsigned)o.status,
	      died ? "death by signal" : "exit", died);
	CHECK(!strcmp(o.out, out), "%s: handlers ran \"%s\", expected \"%s\"", name, o.out, out);
}

static void sent_default(void)
{
	set_app(SIGSEGV, SIG_DFL, NULL, 0);
	install_ours(SIGSEGV);
	raise(SIGSEGV);
	note('L'); /* lived */
}

static void fault_default(void)
{
	set_app(SIGSEGV, SIG_DFL, NULL, 0);
	install_ours(SIGSEGV);
	fault();
	note('L');
}

static void sent_ignored(void)
{
	set_app(SIGSEGV, SIG_IGN, NULL, 0);
	install_ours(SIGSEGV);
	raise(SIGSEGV);
	note('L');
}

static void fault_ignored(void)
{
	set_app(SIGSEGV, SIG_IGN, NULL, 0);
	install_ours(SIGSEGV);
	fault();
	note('L');
}

static void sent_plain(void)
{
	set_app(SIGSEGV, app_plain, NULL, 0);
	install_ours(SIGSEGV);
	raise(SIGSEGV);
	note('L');
}

static void sent_info(void)
{
	set_app(SIGSEGV, NULL, app_info, SA_SIGINFO);
	install_ours(SIGSEGV);
	sigqueue(getpid(), SIGSEGV, (union sigval){ .sival_int = 42 });
	note('L');
}

/* One shot: the application's handler once, then the default; ours stays on top. */
static void sent_one_shot(void)
{
	set_app(SIGSEGV, app_plain, NULL, SA_RESETHAND);
	install_ours(SIGSEGV);
	raise(SIGSEGV);
	note(fbk_signal_on_top(SIGSEGV, ours) ? 'T' : 'N');
	raise(SIGSEGV);
	note('L');
}

static void remove_rules(void)
{
	set_app(SIGSEGV, app_plain, NULL, 0);
	install_ours(SIGSEGV);
	note(fbk_signal_on_top(SIGSEGV, ours) ? 'T' : 'N');
	/* Replaced by the application: removing leaves its handler alone. */
	struct sigaction ours_sa;
	fbk_signal_query(SIGSEGV, &ours_sa);
	set_app(SIGSEGV, SIG_IGN, NULL, 0);
	note(fbk_signal_remove(SIGSEGV, ours, &saved) ? 'R' : 'K');
	struct sigaction now;
	fbk_signal_query(SIGSEGV, &now);
	note(fbk_signal_is_ignored(&now) ? 'I' : '?');
	/* On top again: removing puts the previous handler back. */
	sigaction(SIGSEGV, &ours_sa, NULL);
	note(fbk_signal_remove(SIGSEGV, ours, &saved) ? 'R' : 'K');
	raise(SIGSEGV);
}

/* The installed handler keeps the replaced one's mask and SA_RESTART, and adds also_block. */
static void install_flags(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = app_plain;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR1);
	sigaction(SIGSEGV, &sa, NULL);
	sigset_t extra;
	sigemptyset(&extra);
	sigaddset(&extra, SIGUSR2);
	if (fbk_signal_query(SIGSEGV, &saved) || fbk_signal_install(SIGSEGV, ours, &extra, &saved))
		_exit(3);
	struct sigaction now;
	fbk_signal_query(SIGSEGV, &now);
	note(fbk_signal_is(&now, ours) ? 'o' : '?');
	note((now.sa_flags & (SA_RESTART | SA_ONSTACK)) == (SA_RESTART | SA_ONSTACK) ? 'f' : '?');
	bool mask = sigismember(&now.sa_mask, SIGUSR1) == 1 && sigismember(&now.sa_mask, SIGUSR2) == 1;
	note(mask ? 'm' : '?');
}

/*
 * The SIGBUS guard over a one-shot application handler: a sent SIGBUS
 * uses the shot, and a guarded read of a truncated file afterwards (no
 * fbk_map_guard_prepare() in between, as within one decode) must still
 * be -EIO, not death; the next SIGBUS that is not ours then kills.
 */
static void app_bus(int sig)
{
	note(sig == SIGBUS ? 'a' : '?');
}

static void guard_after_one_shot(void)
{
	set_app(SIGBUS, app_bus, NULL, SA_RESETHAND);
	if (fbk_map_guard_prepare())
		_exit(3);
	raise(SIGBUS);
	char path[] = "/tmp/fbkit-test-signals-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		_exit(4);
	unlink(path);
	if (ftruncate(fd, 8192))
		_exit(4);
	void *map = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED || ftruncate(fd, 0))
		_exit(4);
	char buf[16];
	note(fbk_map_guard_copy(buf, (char *)map + 4096, sizeof(buf), map, 8192) == -EIO ? 'E' : '?');
	raise(SIGBUS);
	note('L');
}

/*
 * FBKIT_NO_SIGNAL_HANDLERS=1 leaves SIGBUS to the program: preparing the
 * guard installs nothing over its handler ('n'). Without the variable the
 * guard goes on top ('g'), so the check can fail.
 */
static bool sigbus_is_app_bus(void)
{
	struct sigaction now;
	return !sigaction(SIGBUS, NULL, &now) && !(now.sa_flags & SA_SIGINFO) &&
	       now.sa_handler == app_bus;
}

static void guard_opted_out(void)
{
	set_app(SIGBUS, app_bus, NULL, 0);
	setenv("FBKIT_NO_SIGNAL_HANDLERS", "1", 1);
	if (fbk_map_guard_prepare())
		_exit(3);
	note(sigbus_is_app_bus() ? 'n' : '?');
	unsetenv("FBKIT_NO_SIGNAL_HANDLERS");
	if (fbk_map_guard_prepare())
		_exit(3);
	note(sigbus_is_app_bus() ? '?' : 'g');
}

int main(void)
{
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	expect("sent, default", sent_default, SIGSEGV, "o");
	expect("fault, default", fault_default, SIGSEGV, "o");
	expect("sent, ignored", sent_ignored, 0, "oL");
	expect("fault, ignored", fault_ignored, SIGSEGV, "o");
	expect("sent, plain handler", sent_plain, 0, "opL");
	expect("sent, SA_SIGINFO handler", sent_info, 0, "oiL");
	expect("sent, one-shot handler", sent_one_shot, SIGSEGV, "opTo");
	expect("remove", remove_rules, 0, "TKIRp");
	expect("install flags", install_flags, 0, "ofm");
	expect("guard after a one-shot handler", guard_after_one_shot, SIGBUS, "aE");
	expect("no handlers: the guard leaves SIGBUS alone", guard_opted_out, 0, "ng");
	return harness_exit();
}
