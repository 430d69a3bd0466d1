/*
 * Frame pacing and the clock's name, without file descriptors (see
 * pace.h): loop.c asks these when to start a frame, so the rules can be
 * tested with made-up times.
 */
#include <errno.h>
#include <string.h>

#include "core/error.h"
#include "loop/pace.h"

void fbk_pace_init(struct fbk_pace *pace, uint64_t interval)
{
	*pace = (struct fbk_pace){ .interval = interval ? interval : 1 };
}

void fbk_pace_request(struct fbk_pace *pace, uint64_t now)
{
	if (pace->requested)
		return;
	pace->requested = true;
	pace->requested_at = now;
}

uint64_t fbk_pace_deadline(const struct fbk_pace *pace)
{
	if (!pace->requested)
		return FBK_PACE_NEVER;
	if (!pace->started)
		return pace->requested_at;
	/* Asked after the slot went by (the program was idle): start at once. */
	return pace->requested_at > pace->next ? pace->requested_at : pace->next;
}

bool fbk_pace_due(const struct fbk_pace *pace, uint64_t now, bool busy)
{
	return pace->requested && !busy && now >= fbk_pace_deadline(pace);
}

/* The first slot at or after `t`, on the grid through `anchor`; t >= anchor. */
static uint64_t slot_from(const struct fbk_pace *pace, uint64_t anchor, uint64_t t)
{
	uint64_t k = (t - anchor + pace->interval - 1) / pace->interval;
	return anchor + k * pace->interval;
}

void fbk_pace_begin(struct fbk_pace *pace, uint64_t now, struct fbk_loop_frame *frame)
{
	*frame = (struct fbk_loop_frame){ .time = now, .number = pace->number++ };
	pace->requested = false;
	if (!pace->started) {
		pace->started = true;
		pace->next = now + pace->interval;
		return;
	}
	/* The slot this frame takes: the last one at or before now. */
	uint64_t slot = pace->next + (now - pace->next) / pace->interval * pace->interval;
	/*
	 * Slots that went by while the request waited are the ones skipped:
	 * counted from the first slot at or after the request.
	 */
	uint64_t first = pace->requested_at > pace->next
				 ? slot_from(pace, pace->next, pace->requested_at)
				 : pace->next;
	frame->skipped = first < slot ? (slot - first) / pace->interval : 0;
	pace->next = slot + pace->interval;
}

void fbk_pace_shown(struct fbk_pace *pace, uint64_t now)
{
	/*
	 * A flip that completes near the next slot marks the real vertical
	 * blank: slots follow it. One that completes long before it comes
	 * from a driver with no vertical blank to wait for (bochs, in
	 * tests/vm, completes flips in under a millisecond): the slots stay,
	 * or frames would run far faster than the screen refreshes.
	 */
	if (pace->started && now < pace->next && pace->next - now <= pace->interval / 4)
		pace->next = now;
}

/* ---------------------------------------------------------------- clocks */

#define STEP_MAX (3600ull * 1000000000ull) /* an hour: a step beyond is a typo */

static int bad_clock(const char *text)
{
	return fbk_fail(-EINVAL, "clock '%s' is not one fbkit knows: use 'monotonic', or "
				 "'step:DURATION' with a unit (ns, us, ms or s) for a stepped "
				 "test clock, as in step:16.667ms",
			text);
}

int fbk_clock_parse(const char *text, uint64_t *step)
{
	if (!text)
		return fbk_fail(-EINVAL, "clock name is NULL");
	if (!strcmp(text, "monotonic")) {
		*step = 0;
		return 0;
	}
	if (strncmp(text, "step:", 5))
		return bad_clock(text);
	/*
	 * Digits by hand rather than strtod: exact (16.667ms is 16667000 ns,
	 * every time) and deaf to the locale's decimal comma.
	 */
	const char *p = text + 5;
	uint64_t whole = 0, fraction = 0, scale = 1;
	size_t digits = 0;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (whole > STEP_MAX)
			return bad_clock(text);
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
			if (scale >= 1000000000u)
				return fbk_fail(-EINVAL, "clock '%s': a step has at most nine "
							 "decimals",
						text);
			fraction = fraction * 10 + (uint64_t)(*p - '0');
			scale *= 10;
		}
	}
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = { { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 } };
	uint64_t unit = 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(p, units[i].name))
			unit = units[i].ns;
	if (!digits || !unit)
		return bad_clock(text);
	if (whole > STEP_MAX / unit)
		return fbk_fail(-EINVAL, "clock '%s': a step is at most an hour", text);
	/* fraction < scale <= 1e9 and unit <= 1e9: the product fits. */
	uint64_t ns = whole * unit + fraction * unit / scale;
	if (ns == 0 || ns > STEP_MAX)
		return fbk_fail(-EINVAL, "clock '%s': a step is more than 0 and at most an hour",
				text);
	*step = ns;
	return 0;
}
