/*
 * Internal: key repeat, which libinput leaves to its users. A pure state
 * machine over times the caller passes in (microseconds on
 * CLOCK_MONOTONIC), so a test drives it with a clock of its own.
 *
 * One key repeats at a time, the last one pressed that repeats (as on a
 * VT and in X): pressing another takes over, releasing the repeating key
 * stops it, releasing another leaves it running. Repeat n (from 1) is
 * due at press + delay + (n - 1) / rate seconds, computed from the press
 * each time, so the rate never drifts.
 */
#ifndef FBK_INPUT_REPEAT_H
#define FBK_INPUT_REPEAT_H

#include <stdbool.h>
#include <stdint.h>

struct fbk_repeat {
	uint32_t delay_ms;
	uint32_t rate;      /* per second; 0: no repeat */
	bool active;
	uint32_t code;      /* the repeating key */
	uint64_t start_us;  /* press time + delay: when repeat 1 is due */
	uint64_t count;     /* repeats delivered */
};

/* Repeat off until fbk_repeat_configure(). */
void fbk_repeat_init(struct fbk_repeat *r);

/* New delay and rate; a key repeating now stops (as when a setting changes under it). */
void fbk_repeat_configure(struct fbk_repeat *r, uint32_t delay_ms, uint32_t rate);

/* A key that repeats went down at `time_us`. */
void fbk_repeat_press(struct fbk_repeat *r, uint32_t code, uint64_t time_us);

/* A key went up. */
void fbk_repeat_release(struct fbk_repeat *r, uint32_t code);

/* Stop (the VT went away, a device was removed). */
void fbk_repeat_cancel(struct fbk_repeat *r);

/*
 * The next repeat due at or before `now_us`: true with its key and the
 * time it was due, counted as delivered. Call until false. After a
 * stall of more than a second (a suspended process), the repeats missed
 * are dropped and the count resumes from now, rather than a burst.
 */
bool fbk_repeat_next(struct fbk_repeat *r, uint64_t now_us, uint32_t *code, uint64_t *due_us);

/* When the next repeat is due, or 0 when none is coming. */
uint64_t fbk_repeat_deadline(const struct fbk_repeat *r);

#endif
