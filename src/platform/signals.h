/*
 * Internal: the one place fbkit installs, queries and removes signal
 * handlers, and forwards a signal to the disposition one of them
 * replaced. console.c (fatal signals, VT switching) and map_guard.c
 * (SIGBUS from truncated file mappings) decide what their handlers do;
 * how they sit in a chain with each other and with the application's
 * handlers is written once, in signals.c.
 */
#ifndef FBK_SIGNALS_H
#define FBK_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

typedef void fbk_signal_fn(int sig, siginfo_t *info, void *context);

/* sig's disposition into *current. 0, or negative errno (no message). */
int fbk_signal_query(int sig, struct sigaction *current);

/* Whether `sa` is the handler fn. */
bool fbk_signal_is(const struct sigaction *sa, fbk_signal_fn *fn);

/* Whether `sa` ignores the signal (SIG_IGN) / takes the default action (SIG_DFL). */
bool fbk_signal_is_ignored(const struct sigaction *sa);
bool fbk_signal_is_default(const struct sigaction *sa);

/* Whether fn is sig's installed handler right now. Async-signal-safe. */
bool fbk_signal_on_top(int sig, fbk_signal_fn *fn);

/* Whether sig is pending for this thread or the process. Async-signal-safe. */
bool fbk_signal_pending(int sig);

/*
 * Whether this delivery is a fault the kernel raised for an access or an
 * instruction (SIGSEGV, SIGBUS, SIGFPE with si_code > 0): returning from
 * the handler runs the access again. False for a signal sent by kill(),
 * raise() or the terminal. Async-signal-safe.
 */
bool fbk_signal_is_fault(int sig, const siginfo_t *info);

/*
 * Install fn (SA_SIGINFO) for sig on top of *previous, the disposition the
 * caller just queried: it keeps previous's blocked signals and SA_RESTART,
 * blocks also_block (may be NULL) too, and runs on the alternate stack
 * when the thread has one. *previous must be where fn's forwards read it
 * (a signal may arrive before this returns); should the disposition have
 * changed since the query, *previous becomes what was really replaced.
 * 0, or negative errno (no message).
 */
int fbk_signal_install(int sig, fbk_signal_fn *fn, const sigset_t *also_block,
		       struct sigaction *previous);

/*
 * Put *previous back for sig if fn is still the installed handler. True
 * when it was put back; false when fn is not on top (it stays in whoever's
 * chain replaced it) or sigaction() failed.
 */
bool fbk_signal_remove(int sig, fbk_signal_fn *fn, const struct sigaction *previous);

/*
 * A signal fbkit owns outright while it holds it (the real-time signals
 * picked for VT switching because nothing handles them): plain handler,
 * SA_RESTART, `mask` blocked; no chaining. fbk_signal_put_back() returns
 * *previous unconditionally.
 */
void fbk_signal_take(int sig, void (*fn)(int), const sigset_t *mask, struct sigaction *previous);
void fbk_signal_put_back(int sig, const struct sigaction *previous);

/*
 * Whether fbk_signal_forward() to *previous will apply the default action
 * (SIG_DFL, or SIG_IGN for a fault, which the kernel does not ignore), so
 * the process is about to die of the signal. Async-signal-safe.
 */
bool fbk_signal_forward_kills(const struct sigaction *previous, int sig, const siginfo_t *info);

/*
 * From inside a handler: do what *previous would have done had it been
 * installed instead (rules in signals.c). *previous is written when it is
 * a one-shot handler (SA_RESETHAND): it becomes SIG_DFL. Async-signal-safe.
 */
void fbk_signal_forward(struct sigaction *previous, int sig, siginfo_t *info, void *context);

#endif
