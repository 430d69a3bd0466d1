/*
 * The vertical-blank thread (src/backend/vsync.c) with an injected wait
 * in place of FBIO_WAITFORVSYNC, as the loop tests inject clocks: blanks
 * come when the test posts them. Then a display paced by it, through
 * fbk_display_frame_fd()/fbk_display_frame_ready() and fbkit's loop, and
 * the falls back to a timer: a wait that fails, and one that returns at
 * once (DRM's fbdev emulation without vertical blanks).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/vsync.h"
#include "fbkit/loop.h"
#include "harness.h"
#include "log_count.h"
#include "poll_wait.h"

#define MS 1000000ull
#define INTERVAL (4 * MS)

/* A counting eventfd: each post is one vertical blank; the wait takes one. */
static int blanks = -1;
static atomic_int waits;   /* waits made, by any waiter */
static atomic_int entered; /* waits for a posted blank entered */
static int posted;         /* blanks posted */

/*
 * Whether every wait so far ran with these signals blocked: the console's
 * handlers, and the program's, must never run in the vertical-blank
 * thread. Read in the thread itself (qemu-user, which runs the AArch64
 * tests, shows its own threads' masks in /proc, not the program's).
 */
static atomic_bool unblocked_in_wait;
static sigset_t blockable; /* what a thread can block here (qemu-user: not the top two) */

static void find_blockable(void)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_sigmask(SIG_SETMASK, &old, &blockable);
}

static void check_mask(void)
{
	sigset_t mask;
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	for (int sig = 1; sig <= SIGRTMAX; sig++)
		if (sigismember(&blockable, sig) == 1 && sigismember(&mask, sig) != 1)
			atomic_store(&unblocked_in_wait, true);
}

static int wait_posted(void *ctx)
{
	(void)ctx;
	uint64_t one;
	atomic_fetch_add(&waits, 1);
	atomic_fetch_add(&entered, 1);
	check_mask();
	return read(blanks, &one, sizeof(one)) == (ssize_t)sizeof(one) ? 0 : errno;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&t, NULL);
}

/* Until the thread is in the wait the next blank ends (however loaded the machine). */
static void until_waiting(void)
{
	for (int i = 0; i < 10000 && atomic_load(&entered) <= posted; i++)
		sleep_ms(1);
}

static void post_blank(void)
{
	until_waiting();
	uint64_t one = 1;
	CHECK(write(blanks, &one, sizeof(one)) == (ssize_t)sizeof(one), "post");
	posted++;
}

/* A blank the thread waited 20 ms for: most of a refresh, for the probe. */
static void post_slow_blank(void)
{
	until_waiting();
	sleep_ms(20);
	post_blank();
}

/* The thread's first wait is followed by its probe: two waits that must take a while. */
static void post_first_blanks(void)
{
	post_blank();
	post_slow_blank();
	post_slow_blank();
}

static int wait_fails(void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&waits, 1);
	return ENOTTY;
}

static int wait_instant(void *ctx)
{
	(void)ctx;
	atomic_fetch_add(&waits, 1);
	return 0;
}

/*
 * A busy machine: the thread was descheduled for most of a refresh
 * before its first probe wait, so the blank ended that wait at once.
 */
static atomic_int descheduled_calls;

static int wait_descheduled(void *ctx)
{
	if (atomic_fetch_add(&descheduled_calls, 1) != 1)
		return wait_posted(ctx);
	atomic_fetch_add(&waits, 1);
	return 0;
}

/* One probe wait cut short does not take the display off its vertical blanks. */
static void test_busy_probe(void)
{
	struct fbk_vsync v;
	CHECK(!fbk_vsync_init(&v, wait_descheduled, NULL, INTERVAL, 100 * MS), "%s",
	      fbk_last_error());
	CHECK(!fbk_vsync_presented(&v, "test"), "%s", fbk_last_error());
	post_blank();
	post_slow_blank();
	post_slow_blank();
	CHECK(readable(v.event_fd, 3000), "the blank wakes the fd");
	fbk_vsync_dispatch(&v, "test");
	CHECK(fbk_vsync_paces(&v), "one probe wait that returned at once (the thread was "
				   "descheduled) put the display on timer pacing");
	CHECK(!fbk_vsync_presented(&v, "test") && fbk_vsync_pending(&v), "the next frame waits");
	post_blank();
	CHECK(readable(v.event_fd, 3000), "and its blank comes");
	fbk_vsync_finish(&v);
}

static void test_thread(void)
{
	struct fbk_vsync v;
	CHECK(!fbk_vsync_init(&v, wait_posted, NULL, INTERVAL, 100 * MS), "%s", fbk_last_error());
	CHECK(!v.started && !fbk_vsync_pending(&v) && fbk_vsync_paces(&v), "idle until a present");
	CHECK(!fbk_vsync_presented(&v, "test"), "%s", fbk_last_error());
	CHECK(v.started, "the thread starts with the first present");

	CHECK(fbk_vsync_pending(&v), "the frame waits for its blank");
	CHECK(!readable(v.event_fd, 50), "no blank yet");
	post_first_blanks();
	CHECK(readable(v.event_fd, 3000), "the blank wakes the fd");
	CHECK(!atomic_load(&unblocked_in_wait), "the thread blocks every signal");
	CHECK(!fbk_vsync_dispatch(&v, "test"), "%s", fbk_last_error());
	CHECK(!fbk_vsync_pending(&v) && fbk_vsync_paces(&v), "shown, and the waits work");
	CHECK(!readable(v.event_fd, 0), "quiet once read");
	/* The thread sleeps while nothing is pending: no waits without a present. */
	int before = atomic_load(&waits);
	sleep_ms(30);
	CHECK(atomic_load(&waits) == before, "no wait while idle: %d", atomic_load(&waits) - before);
	for (int i = 0; i < 3; i++) {
		CHECK(!fbk_vsync_presented(&v, "test"), "%s", fbk_last_error());
		CHECK(fbk_vsync_pending(&v), "pending %d", i);
		post_blank();
		CHECK(readable(v.event_fd, 3000), "blank %d", i);
		fbk_vsync_dispatch(&v, "test");
		CHECK(!fbk_vsync_pending(&v), "shown %d", i);
	}
	/* Stopped while it waits for a blank: finish returns once the wait does. */
	CHECK(!fbk_vsync_presented(&v, "test"), "%s", fbk_last_error());
	post_blank();
	fbk_vsync_finish(&v);
	CHECK(!v.open, "finished");
	fbk_vsync_finish(&v); /* twice is harmless */
	struct fbk_vsync never = { 0 };
	fbk_vsync_finish(&never);
}

/* The first wait fails, or returns at once: the frame is let go, and time paces frames. */
static void test_fallback(fbk_vsync_wait_fn wait, const char *what)
{
	struct fbk_vsync v;
	CHECK(!fbk_vsync_init(&v, wait, NULL, INTERVAL, 100 * MS), "%s", fbk_last_error());
	CHECK(!fbk_vsync_presented(&v, "test"), "%s", fbk_last_error());
	CHECK(readable(v.event_fd, 3000), "%s: the frame is let go", what);
	fbk_vsync_dispatch(&v, "test");
	CHECK(!fbk_vsync_paces(&v) && !fbk_vsync_pending(&v), "%s: paced by time now", what);
	int before = atomic_load(&waits);
	CHECK(!fbk_vsync_presented(&v, "test") && !fbk_vsync_pending(&v),
	      "%s: later presents wait for nothing", what);
	sleep_ms(20);
	CHECK(atomic_load(&waits) == before, "%s: and no more waits", what);
	fbk_vsync_finish(&v);
}

/* A fork()ed child closing what it inherited must not join its parent's thread. */
static void test_fork(void)
{
	struct fbk_vsync v;
	CHECK(!fbk_vsync_init(&v, wait_posted, NULL, INTERVAL, 100 * MS), "%s", fbk_last_error());
	fbk_vsync_presented(&v, "test");
	post_first_blanks();
	CHECK(readable(v.event_fd, 3000), "blank");
	fbk_vsync_dispatch(&v, "test");
	pid_t child = fork();
	if (!child) {
		/*
		 * The eventfds are the parent's too, whose thread would take the
		 * child's wake-ups: the child is paced by time.
		 */
		alarm(10);
		int failed = fbk_vsync_presented(&v, "test") != 0;
		failed |= fbk_vsync_pending(&v) || fbk_vsync_paces(&v);
		fbk_vsync_finish(&v);
		_exit(failed);
	}
	int status = 0;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status),
	      "the child is paced by time, and finishes without its parent's thread "
	      "(status %#x)",
	      status);
	/* The parent's pacing is untouched. */
	CHECK(fbk_vsync_paces(&v) && !fbk_vsync_presented(&v, "test") && fbk_vsync_pending(&v),
	      "the parent still waits for blanks");
	post_blank();
	CHECK(readable(v.event_fd, 3000), "blank");

	/* A child that asks for its frames leaves the parent's blank where it is. */
	child = fork();
	if (!child) {
		alarm(10);
		_exit(fbk_vsync_dispatch(&v, "test") != 0 || fbk_vsync_paces(&v));
	}
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status),
	      "the child dispatching is paced by time (status %#x)", status);
	CHECK(readable(v.event_fd, 0), "a child's dispatch took the parent's vertical blank");
	fbk_vsync_finish(&v);
}

static int spawn_fails(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *),
		       void *arg)
{
	(void)thread;
	(void)attr;
	(void)fn;
	(void)arg;
	return EAGAIN;
}

/* No thread to wait for blanks (out of threads): the frame was shown, time paces the next. */
static void test_no_thread(void)
{
	struct fbk_vsync v;
	CHECK(!fbk_vsync_init(&v, wait_posted, NULL, INTERVAL, 100 * MS), "%s", fbk_last_error());
	v.spawn = spawn_fails;
	warnings = 0;
	fbk_set_log_handler(count_warnings, NULL);
	int err = fbk_vsync_presented(&v, "test");
	CHECK(err == 0, "a present without the thread failed: %d", err);
	CHECK(!fbk_vsync_paces(&v) && !fbk_vsync_pending(&v), "still waits for blanks");
	CHECK(readable(v.event_fd, 0), "the poller is not woken to find the fallback");
	CHECK(fbk_vsync_dispatch(&v, "test") == 0, "dispatch: %s", fbk_last_error());
	for (int i = 0; i < 3; i++)
		CHECK(fbk_vsync_presented(&v, "test") == 0, "present %d after the fallback", i);
	CHECK(fbk_vsync_dispatch(&v, "test") == 0, "dispatch: %s", fbk_last_error());
	fbk_set_log_handler(NULL, NULL);
	CHECK(warnings == 1, "%d warnings, want 1", warnings);
	fbk_vsync_finish(&v);
}

/* ---------------------------------------------------------------- a display */

/* A display paced as fbdev's is: present copies, the thread waits for the blank. */
struct blanking {
	struct fbk_display base;
	uint32_t pixels[4 * 4];
	struct fbk_vsync blank;
	fbk_vsync_wait_fn wait;
	int presents;
};

static int blanking_present(struct fbk_display *display, const struct fbk_rect *rects, size_t n)
{
	(void)rects;
	(void)n;
	struct blanking *b = (struct blanking *)display;
	b->presents++;
	return b->blank.open && fbk_vsync_paces(&b->blank)
		       ? fbk_vsync_presented(&b->blank, "blanking")
		       : 0;
}

static void blanking_close(struct fbk_display *display)
{
	fbk_vsync_finish(&((struct blanking *)display)->blank);
}

static int blanking_frame_fd(struct fbk_display *display)
{
	struct blanking *b = (struct blanking *)display;
	if (b->blank.open)
		return fbk_vsync_paces(&b->blank) ? b->blank.event_fd : -ENOTSUP;
	int err = fbk_vsync_init(&b->blank, b->wait, b, display->frame_interval, 100 * MS);
	return err ? err : b->blank.event_fd;
}

static int blanking_frame_dispatch(struct fbk_display *display)
{
	struct blanking *b = (struct blanking *)display;
	return b->blank.open ? fbk_vsync_dispatch(&b->blank, "blanking") : 0;
}

static bool blanking_frame_pending(const struct fbk_display *display)
{
	const struct blanking *b = (const struct blanking *)display;
	return b->blank.open && fbk_vsync_pending(&b->blank);
}

static uint64_t blanking_frame_deadline(const struct fbk_display *display)
{
	return fbk_vsync_deadline(&((const struct blanking *)display)->blank);
}

static const struct fbk_display_ops blanking_ops = {
	.present = blanking_present,
	.close = blanking_close,
	.frame_fd = blanking_frame_fd,
	.frame_dispatch = blanking_frame_dispatch,
	.frame_pending = blanking_frame_pending,
	.frame_deadline = blanking_frame_deadline,
};

static void blanking_init(struct blanking *b, fbk_vsync_wait_fn wait, uint64_t interval)
{
	*b = (struct blanking){ .wait = wait };
	b->base.ops = &blanking_ops;
	b->base.backend_name = "blanking";
	b->base.surface = (struct fbk_surface){ .pixels = b->pixels, .width = 4, .height = 4,
						.stride = 16, .format = FBK_FORMAT_XRGB8888,
						.clip = { 0, 0, 4, 4 } };
	b->base.geometry = b->base.surface;
	b->base.frame_interval = interval;
}

/*
 * A display paced by posted blanks, its frame fd, and its first frame drawn
 * at once and presented: from here the next frame waits for a blank.
 */
static int blanking_first_frame(struct blanking *b)
{
	blanking_init(b, wait_posted, INTERVAL);
	int fd = fbk_display_frame_fd(&b->base);
	CHECK(fd >= 0, "frame fd: %s", fbk_last_error());
	CHECK(fbk_display_frame_ready(&b->base) == 1, "the first frame at once");
	CHECK(!fbk_display_present(&b->base, NULL, 0), "%s", fbk_last_error());
	return fd;
}

/* A program with its own poll loop: one frame per blank, never more. */
static void test_own_loop(void)
{
	struct blanking b;
	int fd = blanking_first_frame(&b);
	CHECK(fbk_display_frame_ready(&b.base) == 0, "then wait for the blank");
	CHECK(!readable(fd, 50), "which has not come");
	post_first_blanks();
	CHECK(readable(fd, 3000), "the blank wakes the frame fd");
	CHECK(wait_ready(&b.base, fd) == 1, "the next frame");
	for (int i = 0; i < 3; i++) {
		CHECK(!fbk_display_present(&b.base, NULL, 0), "%s", fbk_last_error());
		CHECK(fbk_display_frame_ready(&b.base) == 0, "held %d", i);
		post_blank();
		CHECK(wait_ready(&b.base, fd) == 1, "frame %d", i);
	}
	fbk_display_close(&b.base);
}

/* A fork()ed child polling the frame fd is paced by a timer of its own, not the parent's. */
static void test_fork_frames(void)
{
	struct blanking b;
	int fd = blanking_first_frame(&b);
	post_first_blanks();
	CHECK(wait_ready(&b.base, fd) == 1, "the next frame");
	CHECK(!fbk_display_present(&b.base, NULL, 0), "%s", fbk_last_error());
	CHECK(fbk_display_frame_ready(&b.base) == 0, "held for the blank");
	pid_t child = fork();
	if (!child) {
		alarm(10);
		int failed = wait_ready(&b.base, fd) != 1;
		failed |= wait_ready(&b.base, fd) != 1;
		fbk_display_close(&b.base);
		_exit(failed);
	}
	int status = 0;
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status),
	      "the child's frames are paced by time (status %#x)", status);
	struct itimerspec timer;
	CHECK(!timerfd_gettime(b.base.frame_timer, &timer), "timerfd_gettime");
	CHECK(!timer.it_interval.tv_sec && !timer.it_interval.tv_nsec,
	      "the child set the parent's frame timer ticking (every %ld ns)",
	      (long)timer.it_interval.tv_nsec);
	/* The parent's frame still waits for its blank, which the frame fd still brings. */
	CHECK(fbk_display_frame_ready(&b.base) == 0, "the parent's frame is no longer held");
	post_blank();
	CHECK(wait_ready(&b.base, fd) == 1, "the parent's next frame");
	fbk_display_close(&b.base);
}

/* The waits fail at the first: the same fd ticks at the display's interval instead. */
static void test_own_loop_fallback(fbk_vsync_wait_fn wait, const char *what)
{
	struct blanking b;
	blanking_init(&b, wait, 60 * MS);
	int fd = fbk_display_frame_fd(&b.base);
	CHECK(fd >= 0, "frame fd: %s", fbk_last_error());
	CHECK(fbk_display_frame_ready(&b.base) == 1, "%s: the first frame", what);
	CHECK(!fbk_display_present(&b.base, NULL, 0), "%s", fbk_last_error());
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int frames = 0;
	/* Draw as fast as frame_ready allows for 150 ms: a 60 ms timer allows 2 or 3. */
	while (fbk_elapsed_ms(&start) < 150) {
		if (readable(fd, 10) && fbk_display_frame_ready(&b.base) == 1) {
			frames++;
			fbk_display_present(&b.base, NULL, 0);
		}
	}
	CHECK(frames >= 1 && frames <= 3, "%s: paced at the interval: %d frames in 150 ms", what,
	      frames);
	fbk_display_close(&b.base);
}

static int loop_frames;

static void on_frame(struct fbk_loop_source *source, const struct fbk_loop_frame *frame,
		     void *user)
{
	(void)frame;
	loop_frames++;
	CHECK(!fbk_display_present(user, NULL, 0), "%s", fbk_last_error());
	fbk_loop_request_frame(source);
}

/* fbkit's loop: a frame after each blank, and none while input waits. */
static void test_loop(void)
{
	struct blanking b;
	blanking_init(&b, wait_posted, INTERVAL);
	struct fbk_loop *loop;
	CHECK(!fbk_loop_create(&loop), "%s", fbk_last_error());
	struct fbk_loop_source *screen;
	CHECK(!fbk_loop_add_display(loop, &b.base, on_frame, &b.base, &screen), "%s",
	      fbk_last_error());
	fbk_loop_request_frame(screen);
	CHECK(fbk_loop_dispatch(loop, 0) == 1 && loop_frames == 1, "the first frame at once");
	/* No blank: dispatch waits its timeout and makes no frame (it does not block in the wait). */
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK(fbk_loop_dispatch(loop, 50) == 0 && loop_frames == 1, "no frame before the blank");
	CHECK(fbk_elapsed_ms(&start) < 1000, "dispatch kept to its timeout");
	post_first_blanks();
	for (int i = 0; i < 20 && loop_frames < 2; i++)
		fbk_loop_dispatch(loop, 100);
	CHECK(loop_frames == 2, "a frame after the blank: %d", loop_frames);
	/* Blanks a refresh apart: one frame each. */
	for (int k = 0; k < 3; k++) {
		sleep_ms(5);
		post_blank();
		for (int i = 0; i < 20 && loop_frames < 3 + k; i++)
			fbk_loop_dispatch(loop, 100);
		CHECK(loop_frames == 3 + k, "frame %d after its blank: %d", 3 + k, loop_frames);
	}
	fbk_loop_destroy(loop);
	/* The last frame's wait ends at a blank, as a driver's does within a refresh. */
	post_blank();
	fbk_display_close(&b.base);
}

int main(void)
{
	find_blockable();
	CHECK(sigismember(&blockable, SIGTERM) == 1 && sigismember(&blockable, SIGRTMIN) == 1,
	      "signals can be blocked");
	blanks = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
	CHECK(blanks >= 0, "eventfd");
	test_thread();
	test_fallback(wait_fails, "ENOTTY");
	test_fallback(wait_instant, "instant");
	test_busy_probe();
	test_fork();
	test_no_thread();
	test_own_loop();
	test_fork_frames();
	test_own_loop_fallback(wait_fails, "ENOTTY");
	test_own_loop_fallback(wait_instant, "instant");
	test_loop();
	return harness_exit();
}
