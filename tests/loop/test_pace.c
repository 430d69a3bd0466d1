/*
 * The loop's pure decisions (src/loop/pace.c) with made-up times: when a
 * frame may start, what it is told, and the names FBKIT_CLOCK takes.
 */
#include <errno.h>

#include "harness.h"
#include "loop/pace.h"

#define I 1000u /* the interval of the cases below */

/* Begin a due frame at now and return what it was told. */
static struct fbk_loop_frame begin(struct fbk_pace *p, uint64_t now)
{
	struct fbk_loop_frame f;
	fbk_pace_begin(p, now, &f);
	return f;
}

static void test_first_frame_and_slots(void)
{
	struct fbk_pace p;
	fbk_pace_init(&p, I);
	CHECK(fbk_pace_deadline(&p) == FBK_PACE_NEVER, "no request, no deadline");
	CHECK(!fbk_pace_due(&p, 123456, false), "nothing is due without a request");
	fbk_pace_request(&p, 500);
	CHECK(fbk_pace_deadline(&p) == 500, "the first frame starts at once: %llu",
	      (unsigned long long)fbk_pace_deadline(&p));
	CHECK(fbk_pace_due(&p, 500, false), "due at its request");
	struct fbk_loop_frame f = begin(&p, 500);
	CHECK(f.number == 0 && f.time == 500 && f.skipped == 0, "first frame %llu at %llu",
	      (unsigned long long)f.number, (unsigned long long)f.time);
	CHECK(!fbk_pace_due(&p, 600, false), "the request was consumed");

	/* Asked again at once: the next slot, one interval on, not before. */
	fbk_pace_request(&p, 520);
	fbk_pace_request(&p, 530); /* the same request */
	CHECK(fbk_pace_deadline(&p) == 1500, "next slot %llu",
	      (unsigned long long)fbk_pace_deadline(&p));
	CHECK(!fbk_pace_due(&p, 1499, false), "a frame before its slot could not be shown");
	CHECK(fbk_pace_due(&p, 1500, false), "due at the slot");
	f = begin(&p, 1503);
	CHECK(f.number == 1 && f.skipped == 0, "on time: frame %llu skipped %llu",
	      (unsigned long long)f.number, (unsigned long long)f.skipped);
	/* Started 3 late: the grid stays where it was (no drift). */
	fbk_pace_request(&p, 1600);
	CHECK(fbk_pace_deadline(&p) == 2500, "the grid drifted: %llu",
	      (unsigned long long)fbk_pace_deadline(&p));
}

static void test_busy_device(void)
{
	struct fbk_pace p;
	fbk_pace_init(&p, I);
	fbk_pace_request(&p, 0);
	CHECK(!fbk_pace_due(&p, 0, true), "no frame while the device takes the last one");
	CHECK(!fbk_pace_due(&p, 5 * I, true), "not even when late");
	CHECK(fbk_pace_due(&p, 5 * I, false), "due once the device is free");
}

static void test_late_frames_skip(void)
{
	struct fbk_pace p;
	fbk_pace_init(&p, I);
	fbk_pace_request(&p, 0);
	begin(&p, 0);
	fbk_pace_request(&p, 10); /* asked on time, for the slot at 1000 */
	/* The program was busy until 3700: one frame, not four. */
	CHECK(fbk_pace_due(&p, 3700, false), "a late frame is due");
	struct fbk_loop_frame f = begin(&p, 3700);
	CHECK(f.skipped == 2, "slots 1000 and 2000 went by: skipped %llu",
	      (unsigned long long)f.skipped);
	CHECK(!fbk_pace_due(&p, 3700, false), "no second frame in a burst");
	fbk_pace_request(&p, 3710);
	CHECK(fbk_pace_deadline(&p) == 4000, "the next slot still ahead, got %llu",
	      (unsigned long long)fbk_pace_deadline(&p));
	CHECK(!fbk_pace_due(&p, 3999, false), "not before it");
}

static void test_idle_then_request(void)
{
	struct fbk_pace p;
	fbk_pace_init(&p, I);
	fbk_pace_request(&p, 0);
	begin(&p, 0);
	/* Nothing for a while (no animation), then a key asks for a frame. */
	fbk_pace_request(&p, 7250);
	CHECK(fbk_pace_deadline(&p) == 7250, "an idle program's frame starts at once, got %llu",
	      (unsigned long long)fbk_pace_deadline(&p));
	struct fbk_loop_frame f = begin(&p, 7250);
	CHECK(f.skipped == 0, "idle slots are not skipped frames: %llu",
	      (unsigned long long)f.skipped);
	fbk_pace_request(&p, 7260);
	CHECK(fbk_pace_deadline(&p) == 8000, "then the grid's next slot, got %llu",
	      (unsigned long long)fbk_pace_deadline(&p));
}

static void test_shown_reanchors(void)
{
	struct fbk_pace p;
	fbk_pace_init(&p, I);
	fbk_pace_request(&p, 0);
	begin(&p, 0);
	fbk_pace_request(&p, 100);
	/* The flip completed at 940 (the real vblank, a little before our slot): start there. */
	fbk_pace_shown(&p, 940);
	CHECK(fbk_pace_deadline(&p) == 940, "frame after the flip at 940, got %llu",
	      (unsigned long long)fbk_pace_deadline(&p));
	begin(&p, 950);
	fbk_pace_request(&p, 1000);
	CHECK(fbk_pace_deadline(&p) == 1940, "slots follow the flip, got %llu",
	      (unsigned long long)fbk_pace_deadline(&p));

	/* A driver with no vblank completes flips at once: still one frame per interval. */
	begin(&p, 1940);
	fbk_pace_request(&p, 1950);
	fbk_pace_shown(&p, 1960);
	CHECK(fbk_pace_deadline(&p) == 2940, "an instant flip is not a vblank, got %llu",
	      (unsigned long long)fbk_pace_deadline(&p));
	/* Completed after the slot (a slow device): the slot is due already; nothing moves. */
	fbk_pace_shown(&p, 3100);
	CHECK(fbk_pace_deadline(&p) == 2940, "late flip, got %llu",
	      (unsigned long long)fbk_pace_deadline(&p));
}

static void test_clock_names(void)
{
	static const struct {
		const char *text;
		int err;
		uint64_t step;
	} cases[] = {
		{ "monotonic", 0, 0 },
		{ "step:16.667ms", 0, 16667000 },
		{ "step:16ms", 0, 16000000 },
		{ "step:1s", 0, 1000000000 },
		{ "step:0.5s", 0, 500000000 },
		{ "step:250us", 0, 250000 },
		{ "step:7ns", 0, 7 },
		{ "step:.5ms", 0, 500000 },
		{ "step:1.123456789s", 0, 1123456789 },
		{ "step:3600s", 0, 3600000000000ull },
		{ "step:3601s", -EINVAL, 0 },
		{ "step:99999999999999999999ms", -EINVAL, 0 },
		{ "step:1.1234567891s", -EINVAL, 0 },
		{ "step:0ms", -EINVAL, 0 },
		{ "step:0.0000001ns", -EINVAL, 0 },
		{ "step:16", -EINVAL, 0 },
		{ "step:ms", -EINVAL, 0 },
		{ "step:16 ms", -EINVAL, 0 },
		{ "step:16,7ms", -EINVAL, 0 },
		{ "step:-1ms", -EINVAL, 0 },
		{ "step:16mss", -EINVAL, 0 },
		{ "step:", -EINVAL, 0 },
		{ "step", -EINVAL, 0 },
		{ "Monotonic", -EINVAL, 0 },
		{ "", -EINVAL, 0 },
		{ "realtime", -EINVAL, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t step = 12345;
		int err = fbk_clock_parse(cases[i].text, &step);
		CHECK(err == cases[i].err, "'%s': %d (%s)", cases[i].text, err, fbk_last_error());
		if (!cases[i].err)
			CHECK(step == cases[i].step, "'%s' is %llu ns", cases[i].text,
			      (unsigned long long)step);
		else
			CHECK(strstr(fbk_last_error(), "step:"), "'%s': the message says what "
								 "works: %s",
			      cases[i].text, fbk_last_error());
	}
	CHECK(fbk_clock_parse(NULL, &(uint64_t){ 0 }) == -EINVAL, "NULL");
}

int main(void)
{
	test_first_frame_and_slots();
	test_busy_device();
	test_late_frames_skip();
	test_idle_then_request();
	test_shown_reanchors();
	test_clock_names();
	return harness_exit();
}
