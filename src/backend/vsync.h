/*
 * Internal: a thread that waits for a device's vertical blank on the
 * program's behalf, so that a wait which only blocks (fbdev's
 * FBIO_WAITFORVSYNC) can pace frames through a pollable descriptor: the
 * frame fd ops of backend.h for a device without events of its own.
 *
 * After each present the backend calls fbk_vsync_presented(); the thread
 * waits for the next vertical blank and then writes the eventfd, and until
 * the program reads it (fbk_vsync_dispatch) the frame is pending. The
 * thread starts at the first present, sleeps while nothing is pending,
 * has every signal blocked (the console's handlers run in the program's
 * threads, never in it) and touches nothing but the device's wait and its
 * two eventfds. Its first wait is followed by up to three more, most of
 * which must take a good part of a refresh interval (a wait that returns
 * at once is no vertical blank; one alone can mislead on a busy machine).
 * When a wait fails or takes too long, the thread marks the
 * waits unusable, frees the pending frame and ends: from then on the
 * display is paced by time (fbk_vsync_paces() false).
 */
#ifndef FBK_VSYNC_H
#define FBK_VSYNC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Blocks until the device's next vertical blank: 0, or an errno: EINTR
 * is tried again, EBUSY (no screen to wait on just now) is slept through
 * for a refresh interval, and any other gives up on the waits for good.
 */
typedef int (*fbk_vsync_wait_fn)(void *ctx);

struct fbk_vsync {
	fbk_vsync_wait_fn wait;
	void *ctx;
	uint64_t interval_ns; /* the mode's refresh interval */
	uint64_t max_wait_ns; /* a wait longer than this is no vertical blank worth waiting for */
	bool open;            /* initialized: the eventfds exist */
	int event_fd;         /* readable when a presented frame was shown */
	int kick_fd;          /* the program's side: a present, or stop */
	pthread_t thread;
	/* pthread_create when NULL; tests put a failing one here (set after init) */
	int (*spawn)(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *),
		     void *arg);
	pid_t owner;          /* the process that made it: only there does a thread pace frames */
	bool started;
	/* Shared with the thread (atomic builtins): */
	uint64_t presented;   /* presents so far */
	uint64_t shown;       /* presents known to be on screen */
	bool failed;          /* the waits are unusable: paced by time from now on */
	bool stop;
	int error;            /* the errno that made it fail; 0 for a wait too long */
	bool instant;         /* it failed because the waits return at once */
	uint64_t took_ns;     /* how long that wait took */
	/* The program's side only: */
	uint64_t presented_at; /* CLOCK_MONOTONIC ns of the last present */
	bool reported;         /* the failure was logged */
};

/* Make the eventfds; the thread waits for a present. -errno with a message. */
int fbk_vsync_init(struct fbk_vsync *v, fbk_vsync_wait_fn wait, void *ctx, uint64_t interval_ns,
		   uint64_t max_wait_ns);

/*
 * Stop the thread and join it (at most one wait of the device), close the
 * eventfds. In a child made by fork() the thread is not there: only the
 * descriptors are closed. Accepts a vsync never initialized (all zero).
 */
void fbk_vsync_finish(struct fbk_vsync *v);

/*
 * A frame was presented: the thread waits for the vertical blank that
 * shows it. A thread that cannot start is one more failed wait: logged
 * once, paced by time from then on.
 */
int fbk_vsync_presented(struct fbk_vsync *v, const char *device);

/*
 * Read the eventfd (never blocks); logs once when the waits turned out
 * unusable. In a fork()ed child nothing is read (the parent's blanks stay
 * its own) and the child is paced by time from then on.
 */
int fbk_vsync_dispatch(struct fbk_vsync *v, const char *device);

/* A presented frame waits for its vertical blank (and has not waited too long). */
bool fbk_vsync_pending(const struct fbk_vsync *v);

/* While pending: the CLOCK_MONOTONIC ns at which the frame stops being held back. */
uint64_t fbk_vsync_deadline(const struct fbk_vsync *v);

/* False once a wait failed: frames are paced by time. */
bool fbk_vsync_paces(const struct fbk_vsync *v);

#endif
