/*
 * The loop layer: an optional event loop over file descriptors, timers
 * and displays' frames (include/fbkit/loop.h). It owns an epoll set (what
 * fbk_loop_fd() hands out) holding the caller's fds, one timerfd armed
 * for the earliest deadline, the displays' frame-completion fds and the
 * console's redraw fd; pace.c decides when frames may start. It may call
 * every layer below it: backend (frame fds, redraw) and core (errors).
 *
 * Sources live in one list in the order they were added, and are only
 * marked when removed from a callback: the list is swept when the
 * outermost dispatch ends, so a callback can remove anything, itself
 * included, without pulling the list from under the dispatch.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "backend/backend.h"
#include "core/error.h"
#include "fbkit/loop.h"
#include "loop/pace.h"

#define MAX_EVENTS 32
#define NS_PER_SEC 1000000000u

enum kind { SOURCE_FD, SOURCE_TIMER, SOURCE_DISPLAY };

struct fbk_loop_source {
	struct fbk_loop *loop;
	struct fbk_loop_source *next; /* the loop's list, in the order added */
	enum kind kind;
	bool removed;
	void *user;
	union {
		struct {
			int fd;
			fbk_loop_fd_fn callback;
			bool internal; /* the loop's own (a display's device fd, redraw) */
		} fd;
		struct {
			fbk_loop_timer_fn callback;
			bool armed;
			uint64_t deadline, interval;
			uint64_t order; /* ties between equal deadlines go by arming order */
			uint64_t due_in; /* the dispatch that found it due; 0: none */
		} timer;
		struct {
			struct fbk_display *display;
			fbk_loop_frame_fn callback;
			struct fbk_pace pace;
			struct fbk_loop_source *device; /* frame-completion fd source, or NULL */
			bool paced_by_device; /* flips re-anchor the slots (not under a stepped clock) */
			bool redraw;          /* the next frame must draw everything */
		} display;
	} u;
};

struct fbk_loop {
	int epoll_fd;
	int timer_fd;
	struct fbk_loop_source *sources, *tail;
	uint64_t step;    /* 0: CLOCK_MONOTONIC; else the stepped clock's step */
	uint64_t virtual; /* the stepped clock's time */
	uint64_t armed;   /* timers armed so far: the next timer's order */
	uint64_t dispatches;
	int depth; /* > 0 inside a dispatch */
	bool quit; /* fbk_loop_run returns */
	bool stop; /* the current dispatch makes no more calls */
	bool has_removed;
	struct fbk_loop_source *redraw; /* the console's redraw fd (a dup), or NULL */
	int redraw_fd;
};

static uint64_t monotonic_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * NS_PER_SEC + (uint64_t)t.tv_nsec;
}

uint64_t fbk_loop_now(const struct fbk_loop *loop)
{
	if (!loop)
		return 0;
	return loop->step ? loop->virtual : monotonic_ns();
}

static void arm_wakeup(struct fbk_loop *loop);

/*
 * After a change outside a dispatch, fbk_loop_fd() must wake for the new
 * deadlines; inside one, the dispatch re-arms when it ends.
 */
static void changed(struct fbk_loop *loop)
{
	if (!loop->depth)
		arm_wakeup(loop);
}

static uint64_t add_saturated(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ---------------------------------------------------------------- life */

int fbk_loop_create(struct fbk_loop **out)
{
	if (!out)
		return fbk_fail(-EINVAL, "output pointer is NULL");
	*out = NULL;
	struct fbk_loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return fbk_fail(-ENOMEM, "out of memory");
	loop->redraw_fd = -1;
	loop->timer_fd = -1;
	int err = fbk_loop_set_clock(loop, NULL);
	if (err)
		goto fail;
	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epoll_fd < 0) {
		err = fbk_fail(-errno, "cannot make the loop's epoll set: %s", fbk_errstr(errno));
		goto fail;
	}
	loop->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (loop->timer_fd < 0) {
		err = fbk_fail(-errno, "cannot make the loop's timer: %s", fbk_errstr(errno));
		goto fail_epoll;
	}
	/* data.ptr NULL is the timer; every other entry points at its source. */
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->timer_fd, &ev)) {
		err = fbk_fail(-errno, "cannot watch the loop's timer: %s", fbk_errstr(errno));
		goto fail_timer;
	}
	*out = loop;
	return 0;

fail_timer:
	close(loop->timer_fd);
fail_epoll:
	close(loop->epoll_fd);
fail:
	free(loop);
	return err;
}

static void free_source(struct fbk_loop_source *s)
{
	free(s);
}

void fbk_loop_destroy(struct fbk_loop *loop)
{
	if (!loop)
		return;
	for (struct fbk_loop_source *s = loop->sources, *next; s; s = next) {
		next = s->next;
		free_source(s);
	}
	if (loop->redraw_fd >= 0)
		close(loop->redraw_fd);
	close(loop->timer_fd);
	close(loop->epoll_fd);
	free(loop);
}

/* Frames every step under a stepped clock, else as often as the display shows them. */
static void pace_display(struct fbk_loop_source *s)
{
	const struct fbk_loop *loop = s->loop;
	uint64_t interval = loop->step ? loop->step : fbk_display_frame_interval(s->u.display.display);
	fbk_pace_init(&s->u.display.pace, interval);
	s->u.display.paced_by_device = s->u.display.device && !loop->step;
}

int fbk_loop_set_clock(struct fbk_loop *loop, const char *clock)
{
	if (!loop)
		return fbk_fail(-EINVAL, "loop is NULL");
	if (loop->depth)
		return fbk_fail(-EBUSY, "the clock cannot change from inside a callback");
	const char *from_env = NULL;
	if (!clock) {
		from_env = getenv("FBKIT_CLOCK");
		clock = from_env && *from_env ? from_env : "monotonic";
	}
	uint64_t step;
	int err = fbk_clock_parse(clock, &step);
	if (err)
		return from_env ? fbk_fail_context(err, "FBKIT_CLOCK") : err;
	loop->step = step;
	loop->virtual = 0;
	/*
	 * Displays added already: their frames follow the new clock too. A
	 * frame they asked for is still owed, from the new clock's now, or
	 * a program that asked before choosing the clock would wait forever.
	 */
	for (struct fbk_loop_source *s = loop->sources; s; s = s->next)
		if (s->kind == SOURCE_DISPLAY) {
			bool requested = s->u.display.pace.requested;
			pace_display(s);
			if (requested)
				fbk_pace_request(&s->u.display.pace, fbk_loop_now(loop));
		}
	return 0;
}

/* ---------------------------------------------------------------- sources */

static struct fbk_loop_source *new_source(struct fbk_loop *loop, enum kind kind, void *user)
{
	struct fbk_loop_source *s = calloc(1, sizeof(*s));
	if (!s) {
		fbk_fail(-ENOMEM, "out of memory");
		return NULL;
	}
	s->loop = loop;
	s->kind = kind;
	s->user = user;
	return s;
}

static void link_source(struct fbk_loop_source *s)
{
	struct fbk_loop *loop = s->loop;
	if (loop->tail)
		loop->tail->next = s;
	else
		loop->sources = s;
	loop->tail = s;
}

static uint32_t to_epoll(uint32_t events)
{
	return (events & POLLIN ? EPOLLIN : 0u) | (events & POLLOUT ? EPOLLOUT : 0u) |
	       (events & POLLPRI ? EPOLLPRI : 0u);
}

static uint32_t from_epoll(uint32_t events)
{
	return (events & EPOLLIN ? POLLIN : 0u) | (events & EPOLLOUT ? POLLOUT : 0u) |
	       (events & EPOLLPRI ? POLLPRI : 0u) | (events & EPOLLERR ? POLLERR : 0u) |
	       (events & EPOLLHUP ? POLLHUP : 0u);
}

static int add_fd(struct fbk_loop *loop, int fd, uint32_t events, fbk_loop_fd_fn callback,
		  void *user, bool internal, struct fbk_loop_source **out)
{
	struct fbk_loop_source *s = new_source(loop, SOURCE_FD, user);
	if (!s)
		return -ENOMEM;
	s->u.fd.fd = fd;
	s->u.fd.callback = callback;
	s->u.fd.internal = internal;
	struct epoll_event ev = { .events = to_epoll(events), .data.ptr = s };
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev)) {
		int err = -errno;
		free(s);
		if (err == -EEXIST)
			return fbk_fail(err, "fd %d is already in this loop", fd);
		if (err == -EPERM)
			return fbk_fail(err, "fd %d cannot be watched: it is always ready (a "
					     "regular file or a folder)",
					fd);
		return fbk_fail(err, "cannot watch fd %d: %s", fd, fbk_errstr(-err));
	}
	link_source(s);
	*out = s;
	return 0;
}

int fbk_loop_add_fd(struct fbk_loop *loop, int fd, uint32_t events, fbk_loop_fd_fn callback,
		    void *user, struct fbk_loop_source **out)
{
	if (out)
		*out = NULL;
	if (!loop || !callback)
		return fbk_fail(-EINVAL, "%s is NULL", loop ? "callback" : "loop");
	if (fd < 0)
		return fbk_fail(-EINVAL, "fd %d is not a file descriptor", fd);
	if (!to_epoll(events))
		return fbk_fail(-EINVAL, "no events to watch on fd %d (POLLIN, POLLOUT, POLLPRI)",
				fd);
	struct fbk_loop_source *s;
	int err = add_fd(loop, fd, events, callback, user, false, &s);
	if (!err && out)
		*out = s;
	return err;
}

static void arm(struct fbk_loop_source *timer, uint64_t delay, uint64_t interval)
{
	struct fbk_loop *loop = timer->loop;
	timer->u.timer.armed = delay || interval;
	timer->u.timer.deadline = add_saturated(fbk_loop_now(loop), delay);
	timer->u.timer.interval = interval;
	timer->u.timer.order = loop->armed++;
	/* Not this dispatch's any more, even when it was due: delay 0 means the next one. */
	timer->u.timer.due_in = 0;
}

int fbk_loop_add_timer(struct fbk_loop *loop, uint64_t delay, uint64_t interval,
		       fbk_loop_timer_fn callback, void *user, struct fbk_loop_source **out)
{
	if (out)
		*out = NULL;
	if (!loop || !callback)
		return fbk_fail(-EINVAL, "%s is NULL", loop ? "callback" : "loop");
	struct fbk_loop_source *s = new_source(loop, SOURCE_TIMER, user);
	if (!s)
		return -ENOMEM;
	s->u.timer.callback = callback;
	arm(s, delay, interval);
	/* delay 0, interval 0 would be disarmed: a timer added is always armed. */
	s->u.timer.armed = true;
	link_source(s);
	changed(loop);
	if (out)
		*out = s;
	return 0;
}

int fbk_loop_timer_set(struct fbk_loop_source *timer, uint64_t delay, uint64_t interval)
{
	if (!timer || timer->kind != SOURCE_TIMER)
		return fbk_fail(-EINVAL, "%s", timer ? "the source is not a timer" : "timer is NULL");
	arm(timer, delay, interval);
	changed(timer->loop);
	return 0;
}

/* The console's redraw fd woke: ask every display (asking one empties the fd for all). */
static void on_redraw(struct fbk_loop_source *source, int fd, uint32_t revents, void *user)
{
	(void)revents;
	(void)user;
	struct fbk_loop *loop = source->loop;
	bool asked = false;
	for (struct fbk_loop_source *s = loop->sources; s; s = s->next) {
		if (s->kind != SOURCE_DISPLAY || s->removed)
			continue;
		asked = true;
		if (fbk_display_needs_redraw(s->u.display.display)) {
			s->u.display.redraw = true;
			fbk_pace_request(&s->u.display.pace, fbk_loop_now(loop));
		}
	}
	/*
	 * No display left to ask (all removed): empty the fd here, or it
	 * stays readable and every dispatch wakes at once for it. Nothing is
	 * lost: a display's next present copies its whole back buffer after a
	 * lost screen, and fbk_display_needs_redraw() still answers true.
	 */
	if (!asked) {
		uint64_t count;
		ssize_t got = read(fd, &count, sizeof(count));
		(void)got; /* EAGAIN: emptied already */
	}
}

/* The device showed the last frame (a page flip completed). */
static void on_device(struct fbk_loop_source *source, int fd, uint32_t revents, void *user)
{
	(void)fd;
	(void)revents;
	struct fbk_loop_source *d = user;
	if (d->removed)
		return;
	bool was_pending = fbk_display_frame_pending(d->u.display.display);
	int err = fbk_display_device_frame_dispatch(d->u.display.display);
	if (err)
		fbk_log(FBK_LOG_WARNING, "%s", fbk_last_error());
	if (was_pending && !fbk_display_frame_pending(d->u.display.display) &&
	    d->u.display.paced_by_device)
		fbk_pace_shown(&d->u.display.pace, fbk_loop_now(source->loop));
}

/* The console's redraw fd, dup()ed once per loop: it is shared by every display. */
static int watch_redraw(struct fbk_loop *loop, struct fbk_display *display)
{
	if (loop->redraw)
		return 0;
	int fd = fbk_display_redraw_fd(display);
	if (fd == -ENOTSUP)
		return 0; /* offscreen: never loses its picture */
	if (fd < 0)
		return fd;
	int mine = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (mine < 0)
		return fbk_fail(-errno, "cannot duplicate the redraw fd: %s", fbk_errstr(errno));
	struct fbk_loop_source *s;
	int err = add_fd(loop, mine, POLLIN, on_redraw, NULL, true, &s);
	if (err) {
		close(mine);
		return err;
	}
	loop->redraw = s;
	loop->redraw_fd = mine;
	return 0;
}

int fbk_loop_add_display(struct fbk_loop *loop, struct fbk_display *display,
			 fbk_loop_frame_fn frame, void *user, struct fbk_loop_source **out)
{
	if (out)
		*out = NULL;
	if (!loop || !display || !frame)
		return fbk_fail(-EINVAL, "%s is NULL",
				!loop ? "loop" : !display ? "display" : "frame callback");
	for (const struct fbk_loop_source *s = loop->sources; s; s = s->next)
		if (s->kind == SOURCE_DISPLAY && !s->removed && s->u.display.display == display)
			return fbk_fail(-EEXIST, "the display is already in this loop");
	struct fbk_loop_source *s = new_source(loop, SOURCE_DISPLAY, user);
	if (!s)
		return -ENOMEM;
	s->u.display.display = display;
	s->u.display.callback = frame;
	int err = watch_redraw(loop, display);
	if (err)
		goto fail;
	int fd = fbk_display_device_frame_fd(display);
	if (fd >= 0) {
		err = add_fd(loop, fd, POLLIN, on_device, s, true, &s->u.display.device);
		if (err)
			goto fail;
	} else if (fd != -ENOTSUP) {
		err = fd;
		goto fail;
	}
	pace_display(s);
	link_source(s);
	if (out)
		*out = s;
	return 0;

fail:
	free(s);
	return err;
}

int fbk_loop_request_frame(struct fbk_loop_source *source)
{
	if (!source || source->kind != SOURCE_DISPLAY)
		return fbk_fail(-EINVAL, "%s",
				source ? "the source is not a display" : "display source is NULL");
	fbk_pace_request(&source->u.display.pace, fbk_loop_now(source->loop));
	changed(source->loop);
	return 0;
}

struct fbk_loop *fbk_loop_source_loop(const struct fbk_loop_source *source)
{
	return source ? source->loop : NULL;
}

static void unlink_removed(struct fbk_loop *loop)
{
	struct fbk_loop_source **link = &loop->sources;
	loop->tail = NULL;
	while (*link) {
		struct fbk_loop_source *s = *link;
		if (s->removed) {
			*link = s->next;
			free_source(s);
		} else {
			loop->tail = s;
			link = &s->next;
		}
	}
	loop->has_removed = false;
}

void fbk_loop_remove(struct fbk_loop_source *source)
{
	if (!source || source->removed)
		return;
	struct fbk_loop *loop = source->loop;
	source->removed = true;
	loop->has_removed = true;
	/* Out of the epoll set now: a closed fd must not linger in it. */
	if (source->kind == SOURCE_FD)
		epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, source->u.fd.fd, NULL);
	if (source->kind == SOURCE_DISPLAY && source->u.display.device)
		fbk_loop_remove(source->u.display.device);
	if (!loop->depth) {
		unlink_removed(loop);
		arm_wakeup(loop);
	}
}

/* ---------------------------------------------------------------- dispatch */

/* The display's device is still taking the last frame. */
static bool busy(const struct fbk_loop_source *s)
{
	return fbk_display_frame_pending(s->u.display.display);
}

/* The earliest moment a timer or frame is due (FBK_PACE_NEVER: none). */
static uint64_t next_deadline(const struct fbk_loop *loop)
{
	uint64_t next = FBK_PACE_NEVER;
	for (const struct fbk_loop_source *s = loop->sources; s; s = s->next) {
		if (s->removed)
			continue;
		uint64_t t = FBK_PACE_NEVER;
		if (s->kind == SOURCE_TIMER && s->u.timer.armed)
			t = s->u.timer.deadline;
		else if (s->kind == SOURCE_DISPLAY && !busy(s))
			t = fbk_pace_deadline(&s->u.display.pace);
		if (t < next)
			next = t;
	}
	return next;
}

/* A requested frame waits for its device. */
static bool waiting_for_device(const struct fbk_loop *loop)
{
	for (const struct fbk_loop_source *s = loop->sources; s; s = s->next)
		if (s->kind == SOURCE_DISPLAY && !s->removed && s->u.display.pace.requested &&
		    busy(s))
			return true;
	return false;
}

/*
 * Under a stepped clock, time stands still while a requested frame waits
 * for its device (a page flip still pending): otherwise timers would run
 * ahead of frames by as much as the device happened to take, and the
 * order of frames and timers would change from run to run.
 */
static bool device_holds_clock(const struct fbk_loop *loop)
{
	return loop->step && waiting_for_device(loop);
}

/*
 * When the first device holding a requested frame gives up on it without
 * an event (DRM's flip timeout), on CLOCK_MONOTONIC whatever the loop's
 * clock: a device says so only when asked, and the loop must wake to ask.
 */
static uint64_t device_deadline(const struct fbk_loop *loop)
{
	uint64_t first = FBK_PACE_NEVER;
	for (const struct fbk_loop_source *s = loop->sources; s; s = s->next)
		if (s->kind == SOURCE_DISPLAY && !s->removed && s->u.display.pace.requested &&
		    busy(s)) {
			uint64_t t = fbk_display_frame_deadline(s->u.display.display);
			if (t < first)
				first = t;
		}
	return first;
}

/*
 * Keep the timerfd (and so fbk_loop_fd()) readable from the next
 * deadline on: at it on the monotonic clock; at once under a stepped
 * clock, whose time moves as soon as the loop is asked to dispatch; and
 * at the moment a device gives up on a frame the loop waits for.
 */
static void arm_wakeup(struct fbk_loop *loop)
{
	bool held = device_holds_clock(loop);
	uint64_t next = held ? FBK_PACE_NEVER : next_deadline(loop);
	uint64_t give_up = device_deadline(loop);
	struct itimerspec spec = { 0 };
	int flags = 0;
	if (loop->step && next != FBK_PACE_NEVER) {
		spec.it_value.tv_nsec = 1; /* relative: now */
	} else {
		/* Stepped, nothing is due but what a device holds: only its give-up is real time. */
		uint64_t at = loop->step || give_up < next ? give_up : next;
		if (at != FBK_PACE_NEVER) {
			flags = TFD_TIMER_ABSTIME;
			at = at ? at : 1; /* 0 would disarm */
			spec.it_value.tv_sec = (time_t)(at / NS_PER_SEC);
			spec.it_value.tv_nsec = (long)(at % NS_PER_SEC);
		}
	}
	timerfd_settime(loop->timer_fd, flags, &spec, NULL);
}

/* Milliseconds to wait for fds, given the caller's timeout and the next deadline. */
static int wait_ms(const struct fbk_loop *loop, int timeout_ms, uint64_t now, uint64_t next)
{
	if (next == FBK_PACE_NEVER)
		return timeout_ms;
	if (next <= now || loop->step)
		return 0;
	uint64_t ms = (next - now + 999999u) / 1000000u;
	if (timeout_ms >= 0 && (uint64_t)timeout_ms < ms)
		return timeout_ms;
	return ms > 60000u ? 60000 : (int)ms; /* the timerfd wakes us anyway; stay bounded */
}

/* The earliest timer this dispatch found due and has not run yet. */
static struct fbk_loop_source *next_due_timer(const struct fbk_loop *loop, uint64_t dispatch)
{
	struct fbk_loop_source *best = NULL;
	for (struct fbk_loop_source *s = loop->sources; s; s = s->next) {
		if (s->kind != SOURCE_TIMER || s->removed || s->u.timer.due_in != dispatch)
			continue;
		if (!best || s->u.timer.deadline < best->u.timer.deadline ||
		    (s->u.timer.deadline == best->u.timer.deadline &&
		     s->u.timer.order < best->u.timer.order))
			best = s;
	}
	return best;
}

static int run_timers(struct fbk_loop *loop, uint64_t now)
{
	uint64_t dispatch = ++loop->dispatches;
	for (struct fbk_loop_source *s = loop->sources; s; s = s->next)
		if (s->kind == SOURCE_TIMER && !s->removed && s->u.timer.armed &&
		    s->u.timer.deadline <= now)
			s->u.timer.due_in = dispatch;
	int calls = 0;
	struct fbk_loop_source *t;
	while (!loop->stop && (t = next_due_timer(loop, dispatch))) {
		t->u.timer.due_in = 0;
		uint64_t interval = t->u.timer.interval;
		if (interval) {
			/* The next period still ahead: late periods are skipped, not made up. */
			uint64_t late = now - t->u.timer.deadline;
			uint64_t periods = late / interval + 1;
			t->u.timer.deadline = add_saturated(t->u.timer.deadline,
							    periods > UINT64_MAX / interval
								    ? UINT64_MAX
								    : periods * interval);
		} else {
			t->u.timer.armed = false;
		}
		t->u.timer.callback(t, now, t->user);
		calls++;
	}
	return calls;
}

static int run_frames(struct fbk_loop *loop, uint64_t now)
{
	int calls = 0;
	/* Displays added by a callback wait for the next dispatch: stop at today's tail. */
	struct fbk_loop_source *last = loop->tail;
	for (struct fbk_loop_source *s = loop->sources; s && !loop->stop; s = s->next) {
		if (s->kind == SOURCE_DISPLAY && !s->removed &&
		    fbk_pace_due(&s->u.display.pace, now, busy(s))) {
			struct fbk_loop_frame frame;
			fbk_pace_begin(&s->u.display.pace, now, &frame);
			frame.redraw = s->u.display.redraw;
			s->u.display.redraw = false;
			s->u.display.callback(s, &frame, s->user);
			calls++;
		}
		if (s == last)
			break;
	}
	return calls;
}

static void drain_timer(const struct fbk_loop *loop)
{
	uint64_t expirations;
	ssize_t got = read(loop->timer_fd, &expirations, sizeof(expirations));
	(void)got; /* EAGAIN: re-armed since it woke */
}

int fbk_loop_dispatch(struct fbk_loop *loop, int timeout_ms)
{
	if (!loop)
		return fbk_fail(-EINVAL, "loop is NULL");
	if (loop->depth)
		return fbk_fail(-EBUSY, "fbk_loop_dispatch called from inside one of its callbacks");
	loop->depth++;
	loop->stop = false;
	uint64_t now = fbk_loop_now(loop);
	bool device_wait = waiting_for_device(loop);
	/* Under a stepped clock nothing is due before the device is done: wait for it as for any fd. */
	uint64_t next = loop->step && device_wait ? FBK_PACE_NEVER : next_deadline(loop);
	struct epoll_event events[MAX_EVENTS];
	/* A device giving up on a frame wakes the wait through the timerfd (arm_wakeup). */
	int ready = epoll_wait(loop->epoll_fd, events, MAX_EVENTS,
			       wait_ms(loop, timeout_ms, now, next));
	int calls = 0;
	if (ready < 0) {
		if (errno != EINTR) {
			calls = fbk_fail(-errno, "waiting for events: %s", fbk_errstr(errno));
			goto out;
		}
		ready = 0;
	}
	/* The stepped clock moves only when nothing else is left to do. */
	bool fds_ready = false;
	for (int i = 0; i < ready; i++)
		fds_ready |= events[i].data.ptr != NULL;
	if (loop->step && !fds_ready && next != FBK_PACE_NEVER && next > loop->virtual)
		loop->virtual = next;
	now = fbk_loop_now(loop);

	for (int i = 0; i < ready && !loop->stop; i++) {
		struct fbk_loop_source *s = events[i].data.ptr;
		if (!s) {
			drain_timer(loop);
			continue;
		}
		if (s->removed)
			continue;
		s->u.fd.callback(s, s->u.fd.fd, from_epoll(events[i].events), s->user);
		if (!s->u.fd.internal)
			calls++;
	}
	if (loop->stop)
		goto out;
	now = fbk_loop_now(loop);
	calls += run_timers(loop, now);
	calls += run_frames(loop, now);

out:
	loop->depth--;
	if (loop->has_removed)
		unlink_removed(loop);
	arm_wakeup(loop);
	return calls;
}

int fbk_loop_run(struct fbk_loop *loop)
{
	if (!loop)
		return fbk_fail(-EINVAL, "loop is NULL");
	loop->quit = false;
	while (!loop->quit) {
		bool any = false;
		for (const struct fbk_loop_source *s = loop->sources; s && !any; s = s->next)
			any = !s->removed && !(s->kind == SOURCE_FD && s->u.fd.internal);
		if (!any)
			return fbk_fail(-ENOENT, "the loop has nothing left to wait for, so nothing "
						 "could ever quit it");
		int err = fbk_loop_dispatch(loop, -1);
		if (err < 0)
			return err;
	}
	loop->quit = false;
	return 0;
}

void fbk_loop_quit(struct fbk_loop *loop)
{
	if (loop)
		loop->quit = loop->stop = true;
}

int fbk_loop_advance(struct fbk_loop *loop, uint64_t ns)
{
	if (!loop)
		return fbk_fail(-EINVAL, "loop is NULL");
	if (!loop->step)
		return fbk_fail(-EINVAL, "only a stepped clock can be moved by hand (FBKIT_CLOCK=step:...)");
	loop->virtual = add_saturated(loop->virtual, ns);
	changed(loop);
	return 0;
}

int fbk_loop_fd(const struct fbk_loop *loop)
{
	if (!loop)
		return fbk_fail(-EINVAL, "loop is NULL");
	return loop->epoll_fd;
}
