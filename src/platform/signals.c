/*
 * fbkit's signal handlers: every sigaction() fbkit makes is made here, and
 * so is every forward to a disposition one of its handlers replaced.
 * Two modules own handlers and keep their own policies:
 *
 *   - console.c: the fatal signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT,
 *     SIGSEGV, SIGBUS, SIGFPE, SIGABRT) while a console is held, to give
 *     the screen and the VT back before the process dies; and two
 *     real-time signals it owns outright while VT switching is on.
 *   - map_guard.c: SIGBUS, to turn a fault inside a guarded copy from a
 *     file mapping (the file shrank) into -EIO.
 *
 * Chaining. Whoever installs last runs first. Each handler saves the
 * disposition it replaced and passes every signal it does not consume to
 * it with fbk_signal_forward(), which does what that disposition would
 * have done had it been installed instead:
 *
 *   - SA_SIGINFO handler: called with the same siginfo and context;
 *     plain handler: called with the signal number;
 *   - SA_RESETHAND (a one-shot handler): the saved disposition becomes
 *     SIG_DFL before the call, so the next such signal takes the default
 *     action, as the kernel would have arranged. fbkit's own handler stays
 *     installed (it still has work to do: restore the console, recover a
 *     guarded read), only its record of the previous one changes;
 *   - SIG_DFL: the default is installed and the process dies of the
 *     signal. A signal that was sent (kill, raise, the terminal) is raised
 *     again: it stays pending while the handler runs (a handler blocks its
 *     own signal) and kills when it returns. A fault (fbk_signal_is_fault)
 *     is not raised: returning runs the faulting access again, which now
 *     meets the default action, so the process dies of the real fault;
 *   - SIG_IGN: a sent signal is dropped; a fault cannot be ignored (the
 *     kernel kills for it anyway), so it is treated as SIG_DFL. console.c
 *     never installs over SIG_IGN (nohup'd programs live on).
 *
 * Which handler sits on top. The console's handlers go in when a console
 * (or a backend's restore hook) is first held; the SIGBUS guard goes in
 * before each PNG decode (fbk_map_guard_prepare), and puts itself back on
 * top, in a new "generation" that chains to whatever replaced it, if
 * anything (the console's handler included) was installed over it. So
 * during a decode the guard usually runs first: it recovers its own
 * faults without the console being touched, and every other SIGBUS
 * reaches the console's handler through its chain. Should the console's
 * handler be on top when a guarded read faults, the guard is its previous
 * disposition, and the console's rule for faults applies: the previous
 * handler runs first, and the console is restored only when it returns
 * with the signal pending or with another disposition in place (the
 * fault is about to kill). The guard does not return: it jumps out of
 * the copy, so a SIGBUS inside a guarded copy never restores the console.
 *
 * Handlers the application installs. One installed after fbkit's replaces
 * it: the console never takes its place back (and on its last release
 * removes its handler only where it is still on top; elsewhere the
 * handler stays in the application's chain and only chains while no
 * console is held); the guard re-installs itself on top before the next
 * decode, at most a fixed number of times. An application handler that
 * chains to what it replaced reaches fbkit's, and through it whatever
 * was there before.
 *
 * Handler paths here make only async-signal-safe calls (sigaction,
 * sigpending, raise) and neither lock nor allocate.
 */
#include <errno.h>
#include <string.h>

#include "platform/signals.h"

int fbk_signal_query(int sig, struct sigaction *current)
{
	return sigaction(sig, NULL, current) ? -errno : 0;
}

bool fbk_signal_is(const struct sigaction *sa, fbk_signal_fn *fn)
{
	return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == fn;
}

bool fbk_signal_is_ignored(const struct sigaction *sa)
{
	return !(sa->sa_flags & SA_SIGINFO) && sa->sa_handler == SIG_IGN;
}

bool fbk_signal_is_default(const struct sigaction *sa)
{
	return !(sa->sa_flags & SA_SIGINFO) && sa->sa_handler == SIG_DFL;
}

bool fbk_signal_on_top(int sig, fbk_signal_fn *fn)
{
	struct sigaction current;
	return !sigaction(sig, NULL, &current) && fbk_signal_is(&current, fn);
}

bool fbk_signal_pending(int sig)
{
	sigset_t pending;
	return !sigpending(&pending) && sigismember(&pending, sig) == 1;
}

bool fbk_signal_is_fault(int sig, const siginfo_t *info)
{
	/* Kernel-generated when si_code > 0; kill(), raise() and sigqueue() give <= 0. */
	return (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE) && info && info->si_code > 0;
}

int fbk_signal_install(int sig, fbk_signal_fn *fn, const sigset_t *also_block,
		       struct sigaction *previous)
{
	struct sigaction ours;
	memset(&ours, 0, sizeof(ours));
	ours.sa_sigaction = fn;
	/*
	 * SA_ONSTACK: run on the thread's alternate stack when it has one, as
	 * runtimes that install one expect of every handler (and so that a
	 * stack-overflow SIGSEGV can still restore the console). The signal
	 * itself stays blocked inside (no SA_NODEFER); the previous handler's
	 * mask and restart behaviour are kept for the signals forwarded to it.
	 */
	ours.sa_flags = SA_SIGINFO | SA_ONSTACK | (previous->sa_flags & SA_RESTART);
	sigemptyset(&ours.sa_mask);
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&previous->sa_mask, s) == 1 ||
		    (also_block && sigismember(also_block, s) == 1))
			sigaddset(&ours.sa_mask, s);
	struct sigaction replaced;
	if (sigaction(sig, &ours, &replaced))
		return -errno;
	/*
	 * sigaction() cannot compare-and-swap: if the disposition changed
	 * since the caller's query, chain to what was really there.
	 */
	if (replaced.sa_handler != previous->sa_handler)
		*previous = replaced;
	return 0;
}

bool fbk_signal_remove(int sig, fbk_signal_fn *fn, const struct sigaction *previous)
{
	return fbk_signal_on_top(sig, fn) && !sigaction(sig, previous, NULL);
}

void fbk_signal_take(int sig, void (*fn)(int), const sigset_t *mask, struct sigaction *previous)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = SA_RESTART;
	sa.sa_mask = *mask;
	sigaction(sig, &sa, previous);
}

void fbk_signal_put_back(int sig, const struct sigaction *previous)
{
	sigaction(sig, previous, NULL);
}

/*
 * previous's handler, NULL for SIG_DFL. Read once: a concurrent forward
 * to the same one-shot handler only ever writes SIG_DFL here.
 */
static void (*target(const struct sigaction *previous))(int)
{
	void (*handler)(int) = previous->sa_handler;
	return handler == SIG_DFL ? NULL : handler;
}

bool fbk_signal_forward_kills(const struct sigaction *previous, int sig, const siginfo_t *info)
{
	void (*handler)(int) = target(previous);
	return !handler || (handler == SIG_IGN && fbk_signal_is_fault(sig, info));
}

void fbk_signal_forward(struct sigaction *previous, int sig, siginfo_t *info, void *context)
{
	bool fault = fbk_signal_is_fault(sig, info);
	void (*handler)(int) = target(previous);
	int flags = previous->sa_flags;
	if (handler == SIG_IGN && !fault)
		return;
	if (handler && handler != SIG_IGN) {
		/* sa_handler and sa_sigaction share their storage. */
		fbk_signal_fn *with_info = previous->sa_sigaction;
		if (flags & SA_RESETHAND)
			previous->sa_handler = SIG_DFL;
		if (!(flags & SA_SIGINFO))
			handler(sig);
		else if (with_info) /* NULL: another thread's forward used the one shot */
			with_info(sig, info, context);
		return;
	}
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	if (!fault)
		raise(sig);
}
