/*
 * The vertical-blank thread (vsync.h): FBIO_WAITFORVSYNC only blocks, and
 * the program must never block on it while input waits, so one thread per
 * display blocks instead and says "shown" through an eventfd the program
 * can poll. The program and the thread share a few words through atomic
 * builtins and talk through two eventfds; no lock is ever held across a
 * wait.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "backend/vsync.h"
#include "core/error.h"

#define LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void bump(int fd)
{
	uint64_t one = 1;
	ssize_t put = write(fd, &one, sizeof(one));
	(void)put; /* an eventfd takes it unless its count is near 2^64 */
}

/* Waits straight after the first blank that tell a vertical blank from none: the most of them decide. */
#define PROBE_WAITS 3

/*
 * DRM's fbdev emulation answers 0 at once where its driver has no
 * vertical blank (bochs, virtio, cirrus in tests/vm): a wait straight
 * after a blank must take most of a refresh, or none of them is a blank.
 * One such wait is not enough on a busy machine, where the thread can be
 * descheduled for most of a refresh before it waits (a real blank then
 * comes at once), or in the wait (an instant answer then looks slow): of
 * PROBE_WAITS, the most decide, and the probe stops as soon as they do,
 * so a driver with blanks costs two refreshes once. 0 when the waits are
 * blanks, ENODEV when they return at once (v->instant), or a wait's
 * errno; *took is the last wait's time.
 */
static int probe(struct fbk_vsync *v, uint64_t *took)
{
	int blanks = 0, instant = 0;
	while (2 * blanks <= PROBE_WAITS && 2 * instant <= PROBE_WAITS) {
		uint64_t start = now_ns();
		int err = v->wait(v->ctx);
		*took = now_ns() - start;
		if (err == EINTR)
			continue;
		if (err)
			return err;
		if (*took < v->interval_ns / 4)
			instant++;
		else
			blanks++;
	}
	if (instant < blanks)
		return 0;
	v->instant = true;
	return ENODEV;
}

static void *run(void *arg)
{
	struct fbk_vsync *v = arg;
	bool probed = false;
	while (!LOAD(&v->stop)) {
		uint64_t target = LOAD(&v->presented);
		if (target == LOAD(&v->shown)) {
			/* Nothing waits for the screen: sleep until a present or stop. */
			uint64_t kicks;
			ssize_t got = read(v->kick_fd, &kicks, sizeof(kicks));
			(void)got;
			continue;
		}
		/*
		 * A present made during this wait may have missed the blank that
		 * ends it: only the presents made before count as shown, the
		 * others wait for the next blank.
		 */
		uint64_t start = now_ns();
		int err = v->wait(v->ctx);
		uint64_t took = now_ns() - start;
		if (!err && !probed) {
			err = probe(v, &took);
			probed = err != EBUSY; /* the screen away: probe when it is back */
		}
		if (err == EINTR)
			continue;
		if (err == EBUSY) {
			/*
			 * DRM's emulation while another program is master (the VT
			 * is away): no blank to wait for now, but there will be
			 * again. A refresh interval's sleep stands in for it.
			 */
			struct timespec t = { (time_t)(v->interval_ns / 1000000000u),
					      (long)(v->interval_ns % 1000000000u) };
			nanosleep(&t, NULL);
			err = 0;
			took = 0;
		}
		if (err || took > v->max_wait_ns) {
			v->error = err;
			v->took_ns = took;
			STORE(&v->failed, true);
		}
		STORE(&v->shown, target);
		bump(v->event_fd);
		if (LOAD(&v->failed))
			break;
	}
	return NULL;
}

int fbk_vsync_init(struct fbk_vsync *v, fbk_vsync_wait_fn wait, void *ctx, uint64_t interval_ns,
		   uint64_t max_wait_ns)
{
	*v = (struct fbk_vsync){ .wait = wait, .ctx = ctx, .interval_ns = interval_ns,
				 .max_wait_ns = max_wait_ns };
	v->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (v->event_fd < 0)
		return fbk_fail(-errno, "cannot make the vertical blank's eventfd: %s",
				fbk_errstr(errno));
	/* Blocking: the thread sleeps in read() until there is something to wait for. */
	v->kick_fd = eventfd(0, EFD_CLOEXEC);
	if (v->kick_fd < 0) {
		int err = -errno;
		close(v->event_fd);
		return fbk_fail(err, "cannot make the vertical blank's eventfd: %s",
				fbk_errstr(-err));
	}
	v->open = true;
	v->owner = getpid();
	return 0;
}

void fbk_vsync_finish(struct fbk_vsync *v)
{
	if (!v->open)
		return;
	/* A fork()ed child has no such thread: joining it there is undefined. */
	if (v->started && v->owner == getpid()) {
		STORE(&v->stop, true);
		bump(v->kick_fd);
		pthread_join(v->thread, NULL);
	}
	close(v->kick_fd);
	close(v->event_fd);
	v->open = false;
	v->started = false;
}

/* The thread, with every signal blocked: it inherits the mask it is created under. */
static int start(struct fbk_vsync *v, const char *device)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = (v->spawn ? v->spawn : pthread_create)(&v->thread, NULL, run, v);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		/*
		 * The frame is already on the screen: as when the waits fail,
		 * time paces the frames from now on, and the poller is woken
		 * to find that out.
		 */
		v->error = err;
		v->reported = true;
		STORE(&v->failed, true);
		bump(v->event_fd);
		fbk_log(FBK_LOG_WARNING, "%s: cannot start the thread that waits for vertical "
					 "blanks (%s); a timer at the refresh rate paces frames",
			device, fbk_errstr(err));
		return 0;
	}
	v->started = true;
	return 0;
}

/*
 * A fork()ed child shares the eventfds with its parent, whose thread
 * would take the child's wake-ups and whose blanks the child's reads
 * would take: the child is paced by time, and never touches them.
 */
static bool forked(struct fbk_vsync *v)
{
	if (v->owner == getpid())
		return false;
	STORE(&v->failed, true);
	return true;
}

int fbk_vsync_presented(struct fbk_vsync *v, const char *device)
{
	if (forked(v) || LOAD(&v->failed))
		return 0;
	if (!v->started) {
		int err = start(v, device);
		if (err || LOAD(&v->failed))
			return err;
	}
	v->presented_at = now_ns();
	__atomic_add_fetch(&v->presented, 1, __ATOMIC_RELEASE);
	bump(v->kick_fd);
	return 0;
}

int fbk_vsync_dispatch(struct fbk_vsync *v, const char *device)
{
	if (forked(v))
		return 0;
	uint64_t count;
	ssize_t got = read(v->event_fd, &count, sizeof(count));
	if (got < 0 && errno != EAGAIN && errno != EINTR)
		return fbk_fail(-errno, "%s: cannot read the vertical blank's eventfd: %s", device,
				fbk_errstr(errno));
	if (LOAD(&v->failed) && !v->reported) {
		v->reported = true;
		if (v->instant)
			fbk_log(FBK_LOG_DEBUG, "%s: FBIO_WAITFORVSYNC returns at once (no vertical "
					       "blank); a timer at the refresh rate paces frames",
				device);
		else if (v->error)
			fbk_log(FBK_LOG_DEBUG, "%s: no vertical blank to pace frames by (%s); a "
					       "timer at the refresh rate paces them",
				device, fbk_errstr(v->error));
		else
			fbk_log(FBK_LOG_WARNING, "%s: a wait for the vertical blank took %llu ms; "
						 "a timer at the refresh rate paces frames instead",
				device, (unsigned long long)(v->took_ns / 1000000u));
	}
	return 0;
}

/*
 * A wait the thread never comes back from (a driver without a bound of
 * its own) holds a frame back this long at most: twice the longest wait
 * that counts as a vertical blank.
 */
uint64_t fbk_vsync_deadline(const struct fbk_vsync *v)
{
	return v->presented_at + 2 * v->max_wait_ns;
}

bool fbk_vsync_pending(const struct fbk_vsync *v)
{
	if (LOAD(&v->failed) || LOAD(&v->presented) == LOAD(&v->shown))
		return false;
	return now_ns() < fbk_vsync_deadline(v);
}

bool fbk_vsync_paces(const struct fbk_vsync *v)
{
	return !LOAD(&v->failed);
}
