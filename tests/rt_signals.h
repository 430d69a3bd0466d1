/*
 * qemu-user (CI's AArch64 run) accepts handlers for the two highest
 * real-time signals but never delivers them: it has no host signals left
 * to carry the guest's SIGRTMAX-1 and SIGRTMAX. fbkit takes the highest
 * free ones for VT switching, so the tests that switch VTs hold those
 * with a handler of their own, as an application may, and fbkit picks
 * the next ones down.
 */
#ifndef FBK_TEST_RT_SIGNALS_H
#define FBK_TEST_RT_SIGNALS_H

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t rt_probe_arrived;

static void rt_probe_handler(int sig)
{
	rt_probe_arrived = sig;
}

static inline void rt_set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/*
 * How many of the highest real-time signals are never delivered here
 * (counting down from SIGRTMAX to the lowest of the two that is missing):
 * 0 on a real kernel, 2 under qemu-user. Both are left unblocked with the
 * probe's handler: rt_hold_top() says which keep it.
 */
static inline int rt_undelivered_top(void)
{
	int missing = 0;
	for (int s = SIGRTMAX; s > SIGRTMAX - 2; s--) {
		/* Unblocked first: a signal blocked by an inherited mask is not qemu's doing. */
		sigset_t one;
		sigemptyset(&one);
		sigaddset(&one, s);
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		rt_probe_arrived = 0;
		rt_set_handler(s, rt_probe_handler);
		raise(s);
		if (rt_probe_arrived != s)
			missing = SIGRTMAX - s + 1;
	}
	return missing;
}

/*
 * The n highest of the two held with a handler, as an application's would
 * be; the others back to the default, free for fbkit.
 */
static inline void rt_hold_top(int n)
{
	for (int s = SIGRTMAX; s > SIGRTMAX - 2; s--)
		rt_set_handler(s, s > SIGRTMAX - n ? rt_probe_handler : SIG_DFL);
}

#endif
