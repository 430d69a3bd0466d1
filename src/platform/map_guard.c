/*
 * Surviving a file that shrinks while it is mapped.
 *
 * Reading a page of a mapping that lies wholly past the end of its file
 * raises SIGBUS, and the default action kills the process. fbkit maps PNG
 * files and another process may truncate one at any time, so every read
 * from such a mapping goes through fbk_map_guard_copy(), which turns the
 * fault into -EIO. Why this is safe:
 *
 * - Per thread. A copy registers its mapping's address range and a
 *   sigjmp_buf in a thread-local variable for the few instructions of one
 *   memcpy. SIGBUS from a memory access is delivered to the thread that
 *   faulted, so the handler looks only at the current thread's
 *   registration: several threads can copy at once, and a fault in any
 *   other thread or at any other address is never mistaken for ours.
 * - Async-signal-safe. The handler reads the thread-local pointer (an
 *   initial-exec TLS variable: a plain load, never the lazy allocation a
 *   dlopen'ed library's TLS can need), compares addresses, and then calls
 *   only pthread_sigmask, siglongjmp, sigaction and raise. The registration
 *   is published with a signal fence before the memcpy and cleared after
 *   it, so the compiler cannot move the copy outside the window.
 * - Jumping out is sound. The only code inside the window is memcpy, which
 *   holds no locks and leaves nothing half-updated except the
 *   destination, which the caller discards. The signal mask at the fault
 *   (from the ucontext) is restored before the jump, so sigsetjmp need not
 *   save it: no system call per copy.
 * - Not stealing faults. The disposition found at installation is saved
 *   and every SIGBUS that is not ours is forwarded to it exactly, with
 *   fbk_signal_forward() (the rules are in signals.c): without fbkit the
 *   process would have lived or died of it the same way.
 * - Handlers installed after fbkit. fbk_map_guard_prepare(), called before
 *   each decode, checks that one of fbkit's handlers is still installed.
 *   If the application replaced it, fbkit installs itself on top again and
 *   chains to the application's handler; each such re-installation uses a
 *   handler function of its own (a "generation") with its own saved
 *   previous action, so an application handler that chains to what it
 *   replaced (an older fbkit generation) reaches the action before that,
 *   never loops. After GENERATIONS replacements fbkit stops re-installing
 *   and logs a warning: applications that keep replacing SIGBUS handlers
 *   should chain to the previous one, and then nothing is lost. How this
 *   handler and the console's SIGBUS handler share the signal is in
 *   signals.c.
 * - Races. sigaction() cannot compare-and-swap: an application changing
 *   SIGBUS handling in another thread at the very moment fbkit installs
 *   itself may see its change lost. Install your handlers at start-up.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

#include "core/error.h"
#include "platform/console.h"
#include "platform/map_guard.h"
#include "platform/signals.h"

struct guard {
	uintptr_t start, end; /* the mapping being read */
	sigjmp_buf env;
};

/* The current thread's copy in progress, or NULL. */
static _Thread_local _Atomic(struct guard *) active
	__attribute__((tls_model("initial-exec")));
/* The SIGBUS handler reads it: an atomic that took a lock could deadlock there. */
_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2, "the SIGBUS handler needs lock-free atomic pointers");

#define GENERATIONS 8

/*
 * previous[g] is written before generation g's handler is installed, and
 * afterwards only by a forward to a one-shot handler (to SIG_DFL).
 */
static struct sigaction previous[GENERATIONS];
static int generations; /* installed so far; guarded by install_lock */
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static bool warned_exhausted;

static void on_sigbus(int generation, int sig, siginfo_t *info, void *context)
{
	struct guard *g = atomic_load_explicit(&active, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	uintptr_t addr = (uintptr_t)info->si_addr;
	if (g && fbk_signal_is_fault(sig, info) && addr >= g->start && addr < g->end) {
		const ucontext_t *uc = context;
		pthread_sigmask(SIG_SETMASK, &uc->uc_sigmask, NULL);
		siglongjmp(g->env, 1);
	}
	fbk_signal_forward(&previous[generation], sig, info, context);
}

#define HANDLER(n)                                                              \
	static void on_sigbus_##n(int sig, siginfo_t *info, void *context)      \
	{                                                                       \
		on_sigbus(n, sig, info, context);                               \
	}
HANDLER(0)
HANDLER(1)
HANDLER(2)
HANDLER(3)
HANDLER(4)
HANDLER(5)
HANDLER(6)
HANDLER(7)

static void (*const handlers[GENERATIONS])(int, siginfo_t *, void *) = {
	on_sigbus_0, on_sigbus_1, on_sigbus_2, on_sigbus_3,
	on_sigbus_4, on_sigbus_5, on_sigbus_6, on_sigbus_7,
};

static bool is_ours(const struct sigaction *sa)
{
	for (int g = 0; g < GENERATIONS; g++)
		if (fbk_signal_is(sa, handlers[g]))
			return true;
	return false;
}

static int query(struct sigaction *current)
{
	int err = fbk_signal_query(SIGBUS, current);
	if (err)
		return fbk_fail(err, "cannot read the SIGBUS disposition: %s", fbk_errstr(-err));
	return 0;
}

/* Put the next generation's handler on top of whatever is installed. */
static int install_locked(void)
{
	struct sigaction current;
	int err = query(&current);
	if (err || is_ours(&current))
		return err;
	if (generations == GENERATIONS) {
		if (!warned_exhausted)
			fbk_log(FBK_LOG_WARNING,
				"SIGBUS handler replaced %d times: fbkit no longer re-installs its "
				"own, so a PNG file truncated while mapped may kill the process; "
				"chain SIGBUS handlers to the previous one",
				GENERATIONS);
		warned_exhausted = true;
		return 0;
	}
	int g = generations;
	previous[g] = current;
	err = fbk_signal_install(SIGBUS, handlers[g], NULL, &previous[g]);
	if (err)
		return fbk_fail(err, "cannot install a SIGBUS handler: %s", fbk_errstr(-err));
	generations = g + 1;
	return 0;
}

int fbk_map_guard_prepare(void)
{
	/*
	 * The program asked for no fbkit handler at all: it owns SIGBUS, and
	 * a file shrinking under a guarded copy reaches its handler (or, left
	 * at the default, ends it) instead of becoming -EIO.
	 */
	if (fbk_console_no_signal_handlers())
		return 0;
	/*
	 * Touch this thread's registration in normal context. With the
	 * initial-exec model the handler's access never allocates anyway;
	 * this keeps that true should the model ever change.
	 */
	atomic_store_explicit(&active, NULL, memory_order_relaxed);

	struct sigaction current;
	int err = query(&current);
	if (err || is_ours(&current))
		return err;
	pthread_mutex_lock(&install_lock);
	err = install_locked();
	pthread_mutex_unlock(&install_lock);
	return err;
}

int fbk_map_guard_copy(void *dst, const void *src, size_t n, const void *map, size_t map_size)
{
	struct guard g;
	g.start = (uintptr_t)map;
	g.end = g.start + map_size;
	/* Nothing this function reads after the jump was changed after sigsetjmp. */
	if (sigsetjmp(g.env, 0)) {
		atomic_store_explicit(&active, NULL, memory_order_relaxed);
		return -EIO;
	}
	atomic_store_explicit(&active, &g, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	memcpy(dst, src, n);
	atomic_signal_fence(memory_order_seq_cst);
	atomic_store_explicit(&active, NULL, memory_order_relaxed);
	return 0;
}
