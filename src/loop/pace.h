/*
 * Internal: the loop's decisions that need no file descriptor, kept apart
 * so tests/loop/test_pace.c can drive them with made-up times: when a
 * display may start its next frame, and what FBKIT_CLOCK says.
 */
#ifndef FBK_PACE_H
#define FBK_PACE_H

#include <stdbool.h>
#include <stdint.h>

#include "fbkit/loop.h"

#define FBK_PACE_NEVER UINT64_MAX

/*
 * One display's frames. Frames start on a grid of slots `interval` apart,
 * anchored at the first frame and re-anchored when the device says it
 * showed a frame just before a slot (fbk_pace_shown): a frame starts at the first slot at or
 * after its request, or at once when that slot has gone by, and never
 * while the device is busy with the previous frame. Slots that went by
 * while the program was late are skipped, never made up.
 */
struct fbk_pace {
	uint64_t interval;     /* ns between slots, > 0 */
	uint64_t next;         /* the next slot, once started */
	uint64_t requested_at; /* when the pending request was made */
	uint64_t number;       /* frames started so far */
	bool started;
	bool requested;
};

void fbk_pace_init(struct fbk_pace *pace, uint64_t interval);

/* Ask for a frame at `now`; requests before the frame starts are one. */
void fbk_pace_request(struct fbk_pace *pace, uint64_t now);

/*
 * When the requested frame may start, judged by time only (the device's
 * state aside): FBK_PACE_NEVER without a request.
 */
uint64_t fbk_pace_deadline(const struct fbk_pace *pace);

/* True when the frame may start at `now`: requested, due, and the device not busy. */
bool fbk_pace_due(const struct fbk_pace *pace, uint64_t now, bool busy);

/* Start the frame at `now` (due): fills in *frame and consumes the request. */
void fbk_pace_begin(struct fbk_pace *pace, uint64_t now, struct fbk_loop_frame *frame);

/*
 * The device showed a frame at `now` (a page flip completed): when that is
 * within a quarter interval before the next slot, slots start there.
 */
void fbk_pace_shown(struct fbk_pace *pace, uint64_t now);

/*
 * Parse a clock name as fbk_loop_set_clock() takes it: *step is 0 for
 * "monotonic", else the stepped clock's step in ns. -EINVAL with a
 * message for anything else.
 */
int fbk_clock_parse(const char *text, uint64_t *step);

#endif
