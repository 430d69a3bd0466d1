/* Key repeat timing (see repeat.h). */
#include "input/repeat.h"

void fbk_repeat_init(struct fbk_repeat *r)
{
	*r = (struct fbk_repeat){ 0 };
}

void fbk_repeat_configure(struct fbk_repeat *r, uint32_t delay_ms, uint32_t rate)
{
	fbk_repeat_cancel(r);
	r->delay_ms = delay_ms;
	r->rate = rate;
}

void fbk_repeat_press(struct fbk_repeat *r, uint32_t code, uint64_t time_us)
{
	if (!r->rate) {
		r->active = false;
		return;
	}
	r->active = true;
	r->code = code;
	r->start_us = time_us + (uint64_t)r->delay_ms * 1000;
	r->count = 0;
}

void fbk_repeat_release(struct fbk_repeat *r, uint32_t code)
{
	if (r->active && r->code == code)
		r->active = false;
}

void fbk_repeat_cancel(struct fbk_repeat *r)
{
	r->active = false;
}

uint64_t fbk_repeat_deadline(const struct fbk_repeat *r)
{
	if (!r->active)
		return 0;
	/* count < 2^64 / 10^6 in any run a process lives through */
	return r->start_us + r->count * 1000000 / r->rate;
}

bool fbk_repeat_next(struct fbk_repeat *r, uint64_t now_us, uint32_t *code, uint64_t *due_us)
{
	uint64_t due = fbk_repeat_deadline(r);
	if (!r->active || due > now_us)
		return false;
	if (now_us - due > 1000000) {
		/* Restart the series at now: the n-th repeat is due now. */
		uint64_t behind = (now_us - r->start_us) * r->rate / 1000000;
		r->count = behind;
		due = fbk_repeat_deadline(r);
	}
	*code = r->code;
	*due_us = due;
	r->count++;
	return true;
}
