/*
 * The event loop (src/loop/loop.c): timers in order and repeating, fds,
 * removal and quitting from callbacks, the loop's own fd, and frames
 * paced by time (offscreen) and by a device that takes a while to show
 * each frame (a fake display whose "page flip" completes when the test
 * says). Under a stepped clock no case waits for real time: a timer an
 * hour away fires at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backend/backend.h"
#include "platform/console.h"
#include "harness.h"
#include "poll_wait.h"

#define MS FBK_MS(1)

/* What callbacks did, in order. */
struct event {
	char what;
	uint64_t time; /* ms */
	uint64_t number;
};
static struct event events[64];
static size_t event_count;

static void record(char what, uint64_t now, uint64_t number)
{
	if (event_count < sizeof(events) / sizeof(events[0]))
		events[event_count++] = (struct event){ what, now / MS, number };
}

static void reset(void)
{
	event_count = 0;
}

/* The events as text, "B@10 D@10 C@20", for messages and comparisons. */
static const char *trace(void)
{
	static char text[1024];
	size_t used = 0;
	text[0] = 0;
	for (size_t i = 0; i < event_count && used < sizeof(text) - 32; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%c@%llu",
					 i ? " " : "", events[i].what,
					 (unsigned long long)events[i].time);
	return text;
}

#define CHECK_TRACE(expected) CHECK(!strcmp(trace(), expected), "got \"%s\"", trace())

static struct fbk_loop *stepped(const char *clock)
{
	struct fbk_loop *loop = NULL;
	int err = fbk_loop_create(&loop);
	CHECK(!err, "create: %s", fbk_last_error());
	if (!err)
		CHECK(!fbk_loop_set_clock(loop, clock), "%s: %s", clock, fbk_last_error());
	return loop;
}

/* Dispatch until nothing more happens (at most `rounds` dispatches). */
static void drain(struct fbk_loop *loop, int rounds)
{
	while (rounds-- > 0 && fbk_loop_dispatch(loop, 0) >= 0)
		;
}

static void on_timer(struct fbk_loop_source *source, uint64_t now, void *user)
{
	(void)source;
	record(*(const char *)user, now, 0);
}

static void test_timer_order(void)
{
	reset();
	struct fbk_loop *loop = stepped("step:16ms");
	fbk_loop_add_timer(loop, 30 * MS, 0, on_timer, "A", NULL);
	fbk_loop_add_timer(loop, 10 * MS, 0, on_timer, "B", NULL);
	fbk_loop_add_timer(loop, 20 * MS, 0, on_timer, "C", NULL);
	fbk_loop_add_timer(loop, 10 * MS, 0, on_timer, "D", NULL);
	drain(loop, 10);
	CHECK_TRACE("B@10 D@10 C@20 A@30");

	/* An hour away, and no real waiting: dispatch(-1) would hang otherwise. */
	reset();
	fbk_loop_add_timer(loop, 3600000 * MS, 0, on_timer, "H", NULL);
	CHECK(fbk_loop_dispatch(loop, -1) == 1, "one call");
	CHECK_TRACE("H@3600030");
	CHECK(fbk_loop_now(loop) == 3600030 * MS, "the clock is at the deadline");
	fbk_loop_destroy(loop);
}

static struct fbk_loop_source *repeating;

static void on_repeat(struct fbk_loop_source *source, uint64_t now, void *user)
{
	(void)user;
	record('R', now, 0);
	if (event_count == 4)
		fbk_loop_timer_set(source, 0, 0); /* disarmed, still in the loop */
}

static void on_slow(struct fbk_loop_source *source, uint64_t now, void *user)
{
	(void)user;
	record('S', now, 0);
	if (event_count == 1)
		fbk_loop_advance(fbk_loop_source_loop(source), 35 * MS); /* busy until 45 */
	if (event_count == 3)
		fbk_loop_remove(source);
}

static void test_repeat(void)
{
	reset();
	struct fbk_loop *loop = stepped("step:16ms");
	fbk_loop_add_timer(loop, 5 * MS, 10 * MS, on_repeat, NULL, &repeating);
	drain(loop, 20);
	CHECK_TRACE("R@5 R@15 R@25 R@35");
	CHECK(fbk_loop_timer_set(repeating, 1 * MS, 0) == 0, "re-arm");
	drain(loop, 5);
	CHECK_TRACE("R@5 R@15 R@25 R@35 R@36");
	fbk_loop_destroy(loop);

	/* Late by three and a half periods: one call at 45, then on at 50; no burst. */
	reset();
	loop = stepped("step:16ms");
	fbk_loop_add_timer(loop, 10 * MS, 10 * MS, on_slow, NULL, NULL);
	drain(loop, 20);
	CHECK_TRACE("S@10 S@45 S@50");
	fbk_loop_destroy(loop);
}

static struct fbk_loop_source *victims[4];

static void on_remover(struct fbk_loop_source *source, uint64_t now, void *user)
{
	record(*(const char *)user, now, 0);
	fbk_loop_remove(victims[1]);
	fbk_loop_remove(source);
	fbk_loop_remove(source); /* twice is harmless */
}

static void on_adder(struct fbk_loop_source *source, uint64_t now, void *user)
{
	(void)user;
	record('P', now, 0);
	/* Delay 0 from a callback: the next dispatch, not this one. */
	fbk_loop_add_timer(fbk_loop_source_loop(source), 0, 0, on_timer, "Z", NULL);
}

static void test_removal_in_dispatch(void)
{
	reset();
	struct fbk_loop *loop = stepped("step:16ms");
	fbk_loop_add_timer(loop, 10 * MS, 0, on_remover, "A", &victims[0]);
	fbk_loop_add_timer(loop, 10 * MS, 0, on_timer, "B", &victims[1]);
	fbk_loop_add_timer(loop, 10 * MS, 5 * MS, on_timer, "C", &victims[2]);
	CHECK(fbk_loop_dispatch(loop, 0) == 2, "A and C ran, B was removed before its turn");
	CHECK_TRACE("A@10 C@10");
	drain(loop, 2);
	CHECK_TRACE("A@10 C@10 C@15 C@20");
	fbk_loop_remove(victims[2]); /* outside a dispatch: freed at once (ASan: no leak) */
	fbk_loop_destroy(loop);

	reset();
	loop = stepped("step:16ms");
	fbk_loop_add_timer(loop, 10 * MS, 0, on_adder, NULL, NULL);
	CHECK(fbk_loop_dispatch(loop, 0) == 1, "only P");
	CHECK(fbk_loop_dispatch(loop, 0) == 1, "then Z");
	CHECK_TRACE("P@10 Z@10");
	fbk_loop_destroy(loop);
}

static int pipes[2][2];
static struct fbk_loop_source *pipe_sources[2];

static void on_pipe(struct fbk_loop_source *source, int fd, uint32_t revents, void *user)
{
	(void)source;
	size_t which = (size_t)(uintptr_t)user;
	record(which ? 'Y' : 'X', 0, revents);
	char byte;
	CHECK(read(fd, &byte, 1) == 1, "readable");
	fbk_loop_remove(pipe_sources[1 - which]);
}

static void on_hup(struct fbk_loop_source *source, int fd, uint32_t revents, void *user)
{
	(void)fd;
	(void)user;
	record('H', 0, revents);
	fbk_loop_remove(source);
}

static void test_fds(void)
{
	reset();
	struct fbk_loop *loop = stepped("monotonic");
	for (size_t i = 0; i < 2; i++) {
		CHECK(!pipe2(pipes[i], O_CLOEXEC), "pipe");
		CHECK(!fbk_loop_add_fd(loop, pipes[i][0], POLLIN, on_pipe, (void *)(uintptr_t)i,
				       &pipe_sources[i]),
		      "add: %s", fbk_last_error());
		CHECK(write(pipes[i][1], "x", 1) == 1, "write");
	}
	/* Both are ready in one dispatch; whichever runs first removes the other. */
	CHECK(fbk_loop_dispatch(loop, 1000) == 1, "one of the two");
	CHECK(event_count == 1 && events[0].number == POLLIN, "POLLIN: %s", trace());
	size_t kept = events[0].what == 'X' ? 0 : 1;
	CHECK(fbk_loop_dispatch(loop, 0) == 0, "the removed one never runs");

	CHECK(fbk_loop_add_fd(loop, pipes[kept][0], POLLIN, on_pipe, NULL, NULL) == -EEXIST,
	      "twice: %s", fbk_last_error());
	CHECK(fbk_loop_add_fd(loop, -1, POLLIN, on_pipe, NULL, NULL) == -EINVAL, "fd -1");
	CHECK(fbk_loop_add_fd(loop, pipes[kept][1], 0, on_pipe, NULL, NULL) == -EINVAL,
	      "no events");
	CHECK(fbk_loop_add_fd(loop, pipes[kept][1], POLLOUT, NULL, NULL, NULL) == -EINVAL,
	      "no callback");
	CHECK(fbk_loop_add_fd(NULL, pipes[kept][1], POLLOUT, on_pipe, NULL, NULL) == -EINVAL,
	      "no loop");
	int file = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	CHECK(fbk_loop_add_fd(loop, file, POLLIN, on_pipe, NULL, NULL) == -EPERM,
	      "a regular file: %s", fbk_last_error());
	close(file);

	/* The writer closed: POLLHUP comes even though only POLLIN was asked. */
	reset();
	fbk_loop_remove(pipe_sources[kept]);
	CHECK(!fbk_loop_add_fd(loop, pipes[kept][0], POLLIN, on_hup, NULL, NULL), "re-add");
	close(pipes[kept][1]);
	CHECK(fbk_loop_dispatch(loop, 1000) == 1, "hang-up");
	CHECK(event_count == 1 && (events[0].number & POLLHUP), "POLLHUP: %s", trace());
	fbk_loop_destroy(loop);
	for (size_t i = 0; i < 2; i++) {
		close(pipes[i][0]);
		if (i != kept)
			close(pipes[i][1]);
	}
}

static void on_quit(struct fbk_loop_source *source, uint64_t now, void *user)
{
	struct fbk_loop *loop = fbk_loop_source_loop(source);
	CHECK(fbk_loop_dispatch(loop, 0) == -EBUSY, "no dispatch inside a dispatch");
	CHECK(fbk_loop_set_clock(loop, "monotonic") == -EBUSY, "no new clock inside either");
	record(*(const char *)user, now, 0);
	fbk_loop_quit(fbk_loop_source_loop(source));
}

static void test_run_and_quit(void)
{
	reset();
	struct fbk_loop *loop = stepped("step:16ms");
	CHECK(fbk_loop_run(loop) == -ENOENT, "nothing to wait for: %s", fbk_last_error());
	fbk_loop_add_timer(loop, 10 * MS, 0, on_quit, "Q", NULL);
	fbk_loop_add_timer(loop, 10 * MS, 0, on_quit, "R", NULL);
	CHECK(fbk_loop_run(loop) == 0, "quit");
	CHECK_TRACE("Q@10");
	CHECK(fbk_loop_run(loop) == 0, "quit again");
	CHECK_TRACE("Q@10 R@10");
	CHECK(fbk_loop_dispatch(NULL, 0) == -EINVAL, "NULL");
	fbk_loop_quit(NULL);
	fbk_loop_destroy(loop);
	fbk_loop_destroy(NULL);
}

static void test_loop_fd(void)
{
	reset();
	struct fbk_loop *loop = stepped("monotonic");
	int fd = fbk_loop_fd(loop);
	CHECK(fd >= 0, "fd");
	CHECK(!readable(fd, 0), "nothing to do yet");
	fbk_loop_add_timer(loop, 20 * MS, 0, on_timer, "T", NULL);
	CHECK(!readable(fd, 0), "not before the deadline");
	CHECK(readable(fd, 5000), "woken by the deadline");
	CHECK(fbk_loop_dispatch(loop, 0) == 1, "the timer ran");
	CHECK(!readable(fd, 0), "quiet again");
	fbk_loop_destroy(loop);

	/* A stepped clock's deadline is now, however far away. */
	loop = stepped("step:1ms");
	fd = fbk_loop_fd(loop);
	fbk_loop_add_timer(loop, 3600000 * MS, 0, on_timer, "T", NULL);
	CHECK(readable(fd, 0), "a stepped deadline wakes at once");
	fbk_loop_destroy(loop);
	CHECK(fbk_loop_fd(NULL) == -EINVAL, "NULL");
}

/*
 * On the real clock a loaded machine (CI, the AArch64 run under
 * qemu-user) may keep the program past a 10 ms slot, and the slot is
 * rightly skipped: only a stepped clock promises none.
 */
static bool real_clock;

static void on_frame(struct fbk_loop_source *source, const struct fbk_loop_frame *frame,
		     void *user)
{
	struct fbk_display *display = user;
	record('F', frame->time, frame->number);
	CHECK(real_clock || frame->skipped == 0, "frame %llu skipped %llu",
	      (unsigned long long)frame->number, (unsigned long long)frame->skipped);
	CHECK(!fbk_display_present(display, NULL, 0), "present: %s", fbk_last_error());
	if (frame->number < 3)
		fbk_loop_request_frame(source);
}

static void test_offscreen_frames(void)
{
	reset();
	struct fbk_display *display;
	CHECK(!fbk_display_open(&display, "offscreen:16x8,rate=100"), "%s", fbk_last_error());
	CHECK(fbk_display_frame_interval(display) == 10 * MS, "rate=100: %llu",
	      (unsigned long long)fbk_display_frame_interval(display));
	struct fbk_loop *loop = stepped("step:16ms");
	struct fbk_loop_source *screen;
	CHECK(!fbk_loop_add_display(loop, display, on_frame, display, &screen), "%s",
	      fbk_last_error());
	CHECK(fbk_loop_add_display(loop, display, on_frame, display, NULL) == -EEXIST, "twice");
	fbk_loop_add_timer(loop, 40 * MS, 0, on_timer, "T", NULL);
	CHECK(!fbk_loop_request_frame(screen), "request");
	drain(loop, 20);
	/* The step, not the display's rate, spaces frames; timers go between. */
	CHECK_TRACE("F@0 F@16 F@32 T@40 F@48");
	CHECK(fbk_loop_request_frame(NULL) == -EINVAL, "NULL");
	fbk_loop_destroy(loop);

	/* On the real clock, rate= spaces them: four frames take 30 ms at least. */
	reset();
	real_clock = true;
	CHECK(!fbk_loop_create(&loop), "%s", fbk_last_error());
	fbk_loop_add_display(loop, display, on_frame, display, &screen);
	fbk_loop_request_frame(screen);
	uint64_t start = fbk_loop_now(loop);
	for (int i = 0; i < 100 && event_count < 4; i++)
		fbk_loop_dispatch(loop, 1000);
	CHECK(event_count == 4, "four frames: %s", trace());
	CHECK(fbk_loop_now(loop) - start >= 30 * MS, "paced at 100 Hz: %s", trace());
	fbk_loop_destroy(loop);
	real_clock = false;
	fbk_display_close(display);

	static const struct {
		const char *spec;
		uint64_t interval;
	} rates[] = {
		{ "offscreen:8x8", 16666667 }, { "offscreen:8x8,rate=59.94", 16683350 },
		{ "offscreen:8x8,rate=1000", 1000000 }, { "offscreen:8x8,rate=1", 1000000000 },
		{ "offscreen:8x8,rate=0", 0 }, { "offscreen:8x8,rate=1001", 0 },
		{ "offscreen:8x8,rate=60hz", 0 }, { "offscreen:8x8,rate=1.2345", 0 },
		{ "offscreen:8x8,rate", 0 }, { "offscreen:8x8,rate=.", 0 },
	};
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		display = NULL;
		int err = fbk_display_open(&display, rates[i].spec);
		CHECK(rates[i].interval ? !err : err == -EINVAL, "%s: %d %s", rates[i].spec, err,
		      fbk_last_error());
		CHECK(fbk_display_frame_interval(display) == rates[i].interval, "%s: %llu",
		      rates[i].spec, (unsigned long long)fbk_display_frame_interval(display));
		fbk_display_close(display);
	}
}

/*
 * A display whose presented frames reach the screen when the test says,
 * as a DRM page flip completes when its event comes: present marks a
 * frame pending, and writing `done` is the flip's event.
 */
struct fake {
	struct fbk_display base;
	uint32_t pixels[4 * 4];
	int done; /* eventfd */
	bool pending;
	bool stopped; /* no longer paces frames (DRM that gave up flipping) */
	int presents;
};

static int fake_present(struct fbk_display *display, const struct fbk_rect *rects, size_t n)
{
	(void)rects;
	(void)n;
	struct fake *f = (struct fake *)display;
	CHECK(!f->pending, "a present while the last frame is pending would have to wait");
	f->pending = true;
	f->presents++;
	return 0;
}

static void fake_close(struct fbk_display *display)
{
	(void)display;
}

static int fake_frame_fd(struct fbk_display *display)
{
	const struct fake *f = (const struct fake *)display;
	return f->stopped ? -ENOTSUP : f->done;
}

static int fake_frame_dispatch(struct fbk_display *display)
{
	struct fake *f = (struct fake *)display;
	uint64_t count;
	if (read(f->done, &count, sizeof(count)) == (ssize_t)sizeof(count))
		f->pending = false;
	return 0;
}

static bool fake_frame_pending(const struct fbk_display *display)
{
	return ((const struct fake *)display)->pending;
}

static const struct fbk_display_ops fake_ops = {
	.present = fake_present,
	.close = fake_close,
	.frame_fd = fake_frame_fd,
	.frame_dispatch = fake_frame_dispatch,
	.frame_pending = fake_frame_pending,
};

static void fake_init(struct fake *f, uint64_t interval)
{
	memset(f, 0, sizeof(*f));
	f->base.ops = &fake_ops;
	f->base.backend_name = "fake";
	f->base.surface = (struct fbk_surface){ .pixels = f->pixels, .width = 4, .height = 4,
						.stride = 16, .format = FBK_FORMAT_XRGB8888,
						.clip = { 0, 0, 4, 4 } };
	f->base.geometry = f->base.surface;
	f->base.frame_interval = interval;
	f->done = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	CHECK(f->done >= 0, "eventfd");
}

/* Close the display, then the fake's event fd, which fbk_display_close() leaves open. */
static void fake_destroy(struct fake *f)
{
	fbk_display_close(&f->base);
	close(f->done);
}

static void flip_done(struct fake *f)
{
	uint64_t one = 1;
	CHECK(write(f->done, &one, sizeof(one)) == (ssize_t)sizeof(one), "eventfd write");
}

static void on_device_frame(struct fbk_loop_source *source, const struct fbk_loop_frame *frame,
			    void *user)
{
	struct fake *f = user;
	record('F', frame->time, frame->number);
	CHECK(!fbk_display_present(&f->base, NULL, 0), "present: %s", fbk_last_error());
	fbk_loop_request_frame(source);
}

static void test_device_pacing(void)
{
	/* Stepped: no frame while the flip is pending, however late; then the next slot. */
	reset();
	struct fake f;
	fake_init(&f, 3600000 * MS);
	struct fbk_loop *loop = stepped("step:10ms");
	struct fbk_loop_source *screen;
	CHECK(!fbk_loop_add_display(loop, &f.base, on_device_frame, &f, &screen), "%s",
	      fbk_last_error());
	fbk_loop_request_frame(screen);
	CHECK(fbk_loop_dispatch(loop, 0) == 1, "the first frame at once");
	fbk_loop_advance(loop, 100 * MS);
	/* Time stands still while the device holds the frame: the timer waits too. */
	fbk_loop_add_timer(loop, 5 * MS, 0, on_timer, "T", NULL);
	for (int i = 0; i < 3; i++)
		CHECK(fbk_loop_dispatch(loop, 0) == 0, "no frame while the flip is pending");
	CHECK(event_count == 1 && f.presents == 1, "%s", trace());
	CHECK(!readable(fbk_loop_fd(loop), 0), "nothing for a poller to do either");
	flip_done(&f);
	drain(loop, 5);
	CHECK_TRACE("F@0 F@100");
	flip_done(&f);
	drain(loop, 5);
	CHECK_TRACE("F@0 F@100 T@105 F@110");
	CHECK(f.presents == 3 && f.pending, "presented, pending again");
	/* Removed while its flip is pending: the event wakes nothing. */
	fbk_loop_remove(screen);
	flip_done(&f);
	CHECK(fbk_loop_dispatch(loop, 0) == 0, "removed");
	fbk_loop_destroy(loop);
	close(f.done);

	/*
	 * Real clock, a driver whose flips complete at once (no vertical
	 * blank): the flip frees the frame, the refresh interval still spaces
	 * them.
	 */
	reset();
	fake_init(&f, 50 * MS);
	CHECK(!fbk_loop_create(&loop), "%s", fbk_last_error());
	fbk_loop_add_display(loop, &f.base, on_device_frame, &f, &screen);
	fbk_loop_request_frame(screen);
	uint64_t start = fbk_loop_now(loop);
	CHECK(fbk_loop_dispatch(loop, 0) == 1, "the first frame at once");
	flip_done(&f);
	CHECK(fbk_loop_dispatch(loop, 0) == 0, "an instant flip is no vertical blank");
	for (int i = 0; i < 10 && event_count < 2; i++)
		fbk_loop_dispatch(loop, 1000);
	CHECK(event_count == 2 && fbk_loop_now(loop) - start >= 50 * MS,
	      "the second frame a refresh interval later: %s", trace());
	fbk_loop_destroy(loop);
	close(f.done);
}

/* A device that gives up on a frame 150 ms after it was presented, with no event (as DRM does after its flip timeout). */
static struct timespec gave_up_start;

static bool giving_up_pending(const struct fbk_display *display)
{
	const struct fake *f = (const struct fake *)display;
	return f->pending && fbk_elapsed_ms(&gave_up_start) < 150;
}

static int giving_up_present(struct fbk_display *display, const struct fbk_rect *rects, size_t n)
{
	clock_gettime(CLOCK_MONOTONIC, &gave_up_start);
	((struct fake *)display)->pending = false; /* the last one was given up on */
	return fake_present(display, rects, n);
}

static uint64_t giving_up_deadline(const struct fbk_display *display)
{
	(void)display;
	return (uint64_t)gave_up_start.tv_sec * 1000000000u + (uint64_t)gave_up_start.tv_nsec +
	       150 * MS;
}

static const struct fbk_display_ops giving_up_ops = {
	.present = giving_up_present,
	.close = fake_close,
	.frame_fd = fake_frame_fd,
	.frame_dispatch = fake_frame_dispatch,
	.frame_pending = giving_up_pending,
	.frame_deadline = giving_up_deadline,
};

static uint64_t elapsed_ms_since(const struct timespec *start)
{
	return (uint64_t)fbk_elapsed_ms(start);
}

/*
 * A program with its own poll loop, polling only fbk_loop_fd() while the
 * device holds a frame whose event never comes: the loop's fd must wake
 * when the device gives up on it, or the program waits forever.
 */
static void test_loop_fd_wakes_when_device_gives_up(void)
{
	reset();
	struct fake f;
	fake_init(&f, 10 * MS);
	f.base.ops = &giving_up_ops;
	struct fbk_loop *loop;
	CHECK(!fbk_loop_create(&loop), "%s", fbk_last_error());
	struct fbk_loop_source *screen;
	fbk_loop_add_display(loop, &f.base, on_device_frame, &f, &screen);
	fbk_loop_request_frame(screen);
	CHECK(fbk_loop_dispatch(loop, 0) == 1, "the first frame at once");
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK(readable(fbk_loop_fd(loop), 3000),
	      "the loop's fd woke when the device gave up on the frame (waited %llu ms)",
	      (unsigned long long)elapsed_ms_since(&start));
	for (int i = 0; i < 5 && event_count < 2; i++)
		fbk_loop_dispatch(loop, 0);
	CHECK(event_count == 2, "the next frame after the give-up: %s", trace());
	fbk_loop_destroy(loop);
	close(f.done);
}

/* The same for a program that polls only fbk_display_frame_fd(). */
static void test_frame_fd_wakes_when_device_gives_up(void)
{
	struct fake f;
	fake_init(&f, 10 * MS);
	f.base.ops = &giving_up_ops;
	int fd = fbk_display_frame_fd(&f.base);
	CHECK(fd >= 0, "frame fd: %s", fbk_last_error());
	CHECK(fbk_display_frame_ready(&f.base) == 1, "nothing presented yet");
	CHECK(!fbk_display_present(&f.base, NULL, 0), "%s", fbk_last_error());
	CHECK(fbk_display_frame_ready(&f.base) == 0, "the device holds the frame");
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK(readable(fd, 3000), "the frame fd woke when the device gave up (waited %llu ms)",
	      (unsigned long long)elapsed_ms_since(&start));
	CHECK(fbk_display_frame_ready(&f.base) == 1, "then the next frame can be drawn");
	CHECK(!readable(fd, 0), "and the fd is quiet again");
	/* An event that does come: ready once, and the fd quiet after. */
	CHECK(!fbk_display_present(&f.base, NULL, 0), "%s", fbk_last_error());
	CHECK(fbk_display_frame_ready(&f.base) == 0, "held again");
	flip_done(&f);
	CHECK(readable(fd, 3000), "the event wakes the fd");
	CHECK(wait_ready(&f.base, fd) == 1, "ready after the event");
	CHECK(!readable(fd, 0), "quiet after the event was read");
	fake_destroy(&f);
}

/*
 * A device that stops pacing mid-run (DRM gave up flipping and writes in
 * place): fbk_display_frame_ready() must go on pacing by time at the
 * display's interval, and never say "ready" at every call.
 */
/*
 * A card whose flips complete at once (QEMU's bochs: no vertical blank)
 * and a program with its own loop drawing as fast as frame_ready allows:
 * no faster than the refresh interval all the same.
 */
static void test_frame_ready_instant_flips(void)
{
	struct fake f;
	fake_init(&f, 40 * MS);
	int fd = fbk_display_frame_fd(&f.base);
	CHECK(fd >= 0, "frame fd: %s", fbk_last_error());
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int frames = 0;
	while (fbk_elapsed_ms(&start) < 200) {
		int ready = fbk_display_frame_ready(&f.base);
		CHECK(ready >= 0, "%s", fbk_last_error());
		if (ready == 1) {
			frames++;
			fbk_display_present(&f.base, NULL, 0);
			flip_done(&f); /* at once */
		} else {
			readable(fd, 100);
		}
	}
	/* 200 ms at 40 ms a frame: 5, and one more for a slow first turn. */
	CHECK(frames >= 3 && frames <= 6, "paced at the refresh interval: %d frames in 200 ms",
	      frames);
	fake_destroy(&f);
}

static void test_frame_ready_after_device_stops(void)
{
	struct fake f;
	fake_init(&f, 40 * MS);
	int fd = fbk_display_frame_fd(&f.base);
	CHECK(fd >= 0 && fd != f.done, "frame fd: %d %s", fd, fbk_last_error());
	CHECK(!fbk_display_present(&f.base, NULL, 0), "%s", fbk_last_error());
	flip_done(&f);
	CHECK(wait_ready(&f.base, fd) == 1, "flip done");
	/* Flipping stops: the next present goes straight to the screen. */
	f.stopped = true;
	CHECK(!fbk_display_present(&f.base, NULL, 0), "%s", fbk_last_error());
	f.pending = false;
	CHECK(fbk_display_frame_ready(&f.base) == 0, "not ready again at once after a present");
	CHECK(fbk_display_frame_ready(&f.base) == 0, "nor when asked again");
	CHECK(readable(fd, 3000), "the fd wakes a frame interval later");
	CHECK(fbk_display_frame_ready(&f.base) == 1, "then a frame");
	CHECK(fbk_display_frame_ready(&f.base) == 0, "and one per tick");
	fake_destroy(&f);
}

static void test_device_gives_up(void)
{
	reset();
	struct fake f;
	fake_init(&f, 10 * MS);
	f.base.ops = &giving_up_ops;
	struct fbk_loop *loop;
	CHECK(!fbk_loop_create(&loop), "%s", fbk_last_error());
	struct fbk_loop_source *screen;
	fbk_loop_add_display(loop, &f.base, on_device_frame, &f, &screen);
	fbk_loop_request_frame(screen);
	/* No event will ever come, and nothing else is armed: dispatch(-1) must look again by itself. */
	alarm(20);
	while (event_count < 3)
		CHECK(fbk_loop_dispatch(loop, -1) >= 0, "%s", fbk_last_error());
	alarm(0);
	CHECK(event_count == 3, "frames go on after the device gave up: %s", trace());
	fbk_loop_destroy(loop);
	close(f.done);
}

static void on_redraw_frame(struct fbk_loop_source *source, const struct fbk_loop_frame *frame,
			    void *user)
{
	(void)source;
	(void)user;
	record(frame->redraw ? 'R' : 'F', frame->time, frame->number);
}

/* Removing a display from a timer whose frame is due in the same dispatch. */
static struct fbk_loop_source *doomed;

static void on_remove_display(struct fbk_loop_source *source, uint64_t now, void *user)
{
	(void)source;
	(void)user;
	record('X', now, 0);
	fbk_loop_remove(doomed);
}

static void test_remove_display_in_dispatch(void)
{
	reset();
	struct fbk_display *display;
	CHECK(!fbk_display_open(&display, "offscreen:8x8"), "%s", fbk_last_error());
	struct fbk_loop *loop = stepped("step:10ms");
	fbk_loop_add_timer(loop, 0, 0, on_remove_display, NULL, NULL);
	fbk_loop_add_display(loop, display, on_redraw_frame, NULL, &doomed);
	fbk_loop_request_frame(doomed);
	drain(loop, 5);
	CHECK_TRACE("X@0");
	/* Gone: the display can join the loop again. */
	CHECK(!fbk_loop_add_display(loop, display, on_redraw_frame, NULL, &doomed), "%s",
	      fbk_last_error());
	fbk_loop_request_frame(doomed);
	drain(loop, 5);
	CHECK_TRACE("X@0 F@0");
	fbk_loop_destroy(loop);
	fbk_display_close(display);
}

/* A display with a frame_fd op that has no device fd now (drm with no-flip): paced by a timer. */
static int no_flip_frame_fd(struct fbk_display *display)
{
	(void)display;
	return -ENOTSUP;
}

static const struct fbk_display_ops no_flip_ops = {
	.present = fake_present,
	.close = fake_close,
	.frame_fd = no_flip_frame_fd,
	.frame_dispatch = fake_frame_dispatch,
	.frame_pending = fake_frame_pending,
};

/*
 * fbk_display_frame_ready() on such a display reads the timer that
 * fbk_display_frame_fd() gave: not yet before it fires, or a program
 * polling that fd would draw unpaced and spin on a timer nobody reads.
 */
static void test_frame_ready_timer_of_device_display(void)
{
	struct fake f;
	fake_init(&f, 3600000 * MS);
	f.base.ops = &no_flip_ops;
	int fd = fbk_display_frame_fd(&f.base);
	CHECK(fd >= 0 && fd != f.done, "frame fd is a timer: %d", fd);
	CHECK(fbk_display_frame_ready(&f.base) == 0, "an hour's timer has not fired yet");
	if (f.base.frame_timer_open)
		close(f.base.frame_timer);
	close(f.done);
}

/* fbk_display_frame_fd() where time paces frames: a timer at the display's rate. */
static void test_display_frame_fd(void)
{
	struct fbk_display *display;
	/*
	 * 2 Hz: "not a second one before the next tick" must hold however long
	 * a loaded machine (CI, sanitizers) takes between the two calls.
	 */
	CHECK(!fbk_display_open(&display, "offscreen:8x8,rate=2"), "%s", fbk_last_error());
	CHECK(fbk_display_frame_ready(display) == -EINVAL, "before the fd: %s", fbk_last_error());
	int fd = fbk_display_frame_fd(display);
	CHECK(fd >= 0, "frame fd: %s", fbk_last_error());
	CHECK(fbk_display_frame_fd(display) == fd, "one timer per display");
	CHECK(readable(fd, 5000), "the timer fires");
	CHECK(fbk_display_frame_ready(display) == 1, "a frame can be drawn");
	CHECK(fbk_display_frame_ready(display) == 0, "and not a second one before the next tick");
	fbk_display_close(display); /* closes the timer (ASan/valgrind: no fd leak to see) */
	CHECK(fbk_display_frame_fd(NULL) == -EINVAL && fbk_display_frame_ready(NULL) == -EINVAL,
	      "NULL");
	CHECK(fbk_display_frame_interval(NULL) == 0, "NULL");
}

/* A video mode's refresh interval from its pixel clock and totals. */
static void test_refresh_interval(void)
{
	/* CEA 1080p60, VESA 1024x768@60, 640x480@59.94 */
	CHECK(fbk_refresh_interval(148500000, 2200, 1125) == 16666667, "1080p60: %llu",
	      (unsigned long long)fbk_refresh_interval(148500000, 2200, 1125));
	CHECK(fbk_refresh_interval(65000000, 1344, 806) == 16665600, "1024x768@60");
	CHECK(fbk_refresh_interval(25175000, 800, 525) == 16683217, "640x480: %llu",
	      (unsigned long long)fbk_refresh_interval(25175000, 800, 525));
	CHECK(fbk_refresh_interval(0, 2200, 1125) == 0, "no clock");
	CHECK(fbk_refresh_interval(148500000, 0, 1125) == 0, "no htotal");
	CHECK(fbk_refresh_interval(148500000, 10, 10) == 0, "over 1000 Hz is nonsense");
	CHECK(fbk_refresh_interval(1000, 2200, 1125) == 0, "under 1 Hz is nonsense");
}

/* Fake displays that lost their picture (a VT switch back) once the test says so. */
static bool lost[2];

static bool fake_needs_redraw(struct fbk_display *display)
{
	bool *flag = &lost[display->backend_name[4] - '0'];
	bool was = *flag;
	*flag = false;
	return was;
}

static const struct fbk_display_ops losing_ops = {
	.present = fake_present,
	.close = fake_close,
	.needs_redraw = fake_needs_redraw,
};

static void test_redraw(void)
{
	/* A console with no VT: the redraw eventfd exists, nothing on screen is touched. */
	static const char *const no_vt[] = { "/nonexistent-fbkit/tty", NULL };
	struct fbk_console *console;
	if (fbk_console_acquire_from(&console, FBK_CONSOLE_NO_SIGNALS, no_vt)) {
		CHECK(0, "console: %s", fbk_last_error());
		return;
	}
	reset();
	struct fake f[2];
	struct fbk_loop *loop = stepped("step:10ms");
	struct fbk_loop_source *screen[2];
	for (int i = 0; i < 2; i++) {
		fake_init(&f[i], 10 * MS);
		close(f[i].done);
		f[i].base.ops = &losing_ops;
		f[i].base.backend_name = i ? "fake1" : "fake0";
		CHECK(!fbk_loop_add_display(loop, &f[i].base, on_redraw_frame, NULL, &screen[i]),
		      "%s", fbk_last_error());
	}
	drain(loop, 3);
	CHECK_TRACE("");
	/* Both lost the screen; one wake-up of the shared fd, and asking one empties it. */
	lost[0] = lost[1] = true;
	uint64_t one = 1;
	CHECK(write(fbk_console_redraw_fd(), &one, sizeof(one)) == (ssize_t)sizeof(one), "wake");
	drain(loop, 3);
	CHECK_TRACE("R@0 R@0");
	/* The next frame asked for by the program is an ordinary one. */
	fbk_loop_request_frame(screen[1]);
	drain(loop, 3);
	CHECK_TRACE("R@0 R@0 F@10");
	fbk_loop_destroy(loop);
	fbk_console_release(console);
}

/*
 * The console lost the screen while the loop holds no display (the
 * program took its display out for a while): the loop's redraw fd must
 * not stay readable, or every dispatch would wake at once for it and the
 * loop would spin.
 */
static void test_redraw_without_display(void)
{
	static const char *const no_vt[] = { "/nonexistent-fbkit/tty", NULL };
	struct fbk_console *console;
	if (fbk_console_acquire_from(&console, FBK_CONSOLE_NO_SIGNALS, no_vt)) {
		CHECK(0, "console: %s", fbk_last_error());
		return;
	}
	struct fake f;
	struct fbk_loop *loop = stepped("step:10ms");
	fake_init(&f, 10 * MS);
	close(f.done);
	f.base.ops = &losing_ops;
	f.base.backend_name = "fake0";
	struct fbk_loop_source *screen;
	CHECK(!fbk_loop_add_display(loop, &f.base, on_redraw_frame, NULL, &screen), "%s",
	      fbk_last_error());
	fbk_loop_remove(screen);
	uint64_t one = 1;
	CHECK(write(fbk_console_redraw_fd(), &one, sizeof(one)) == (ssize_t)sizeof(one), "wake");
	drain(loop, 2);
	CHECK(!readable(fbk_loop_fd(loop), 0),
	      "the loop's fd stays readable for a redraw no display is there to take");
	fbk_loop_destroy(loop);
	fbk_console_release(console);
}

/* A frame asked for before the clock is chosen is still drawn, on the new clock. */
static void test_request_before_clock(void)
{
	reset();
	struct fbk_display *display;
	CHECK(!fbk_display_open(&display, "offscreen:16x8"), "%s", fbk_last_error());
	struct fbk_loop *loop = stepped("step:16ms");
	fbk_loop_advance(loop, 100 * MS);
	struct fbk_loop_source *screen;
	CHECK(!fbk_loop_add_display(loop, display, on_frame, display, &screen), "%s",
	      fbk_last_error());
	CHECK(!fbk_loop_request_frame(screen), "request");
	CHECK(!fbk_loop_set_clock(loop, "step:10ms"), "%s", fbk_last_error());
	drain(loop, 10);
	CHECK_TRACE("F@0 F@10 F@20 F@30");
	fbk_loop_destroy(loop);
	fbk_display_close(display);
}

static void test_clock_setting(void)
{
	struct fbk_loop *loop = stepped("step:16ms");
	CHECK(fbk_loop_set_clock(loop, "step:0ms") == -EINVAL, "bad step");
	CHECK(fbk_loop_set_clock(NULL, "monotonic") == -EINVAL, "NULL");
	CHECK(!fbk_loop_advance(loop, 5 * MS) && fbk_loop_now(loop) == 5 * MS, "advance");
	CHECK(!fbk_loop_set_clock(loop, "monotonic"), "monotonic");
	CHECK(fbk_loop_advance(loop, 5 * MS) == -EINVAL, "the real clock cannot be moved");
	fbk_loop_destroy(loop);

	setenv("FBKIT_CLOCK", "step:2ms", 1);
	CHECK(!fbk_loop_create(&loop), "%s", fbk_last_error());
	CHECK(fbk_loop_now(loop) == 0, "FBKIT_CLOCK makes a stepped clock");
	fbk_loop_destroy(loop);
	setenv("FBKIT_CLOCK", "step:2", 1);
	loop = NULL;
	CHECK(fbk_loop_create(&loop) == -EINVAL && !loop, "no unit");
	CHECK(strstr(fbk_last_error(), "FBKIT_CLOCK"), "names the variable: %s", fbk_last_error());
	unsetenv("FBKIT_CLOCK");
}

int main(void)
{
	unsetenv("FBKIT_CLOCK");
	unsetenv("FBKIT_SNAPSHOT");
	test_timer_order();
	test_repeat();
	test_removal_in_dispatch();
	test_fds();
	test_run_and_quit();
	test_loop_fd();
	test_offscreen_frames();
	test_device_pacing();
	test_device_gives_up();
	test_loop_fd_wakes_when_device_gives_up();
	test_frame_fd_wakes_when_device_gives_up();
	test_frame_ready_after_device_stops();
	test_frame_ready_instant_flips();
	test_remove_display_in_dispatch();
	test_clock_setting();
	test_request_before_clock();
	test_redraw();
	test_redraw_without_display();
	test_display_frame_fd();
	test_frame_ready_timer_of_device_display();
	test_refresh_interval();
	return harness_exit();
}
