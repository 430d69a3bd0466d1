/*
 * The input layer without devices: where a device position lands for
 * every rotation and calibration (map.c), key repeat timing driven by a
 * clock of the test's own (repeat.c, and through a bare input context:
 * modifiers, repeat events, the keymap's text when xkbcommon is built),
 * the input spec, and fbk_input_open's refusals.
 */
#include <errno.h>
#include <linux/input-event-codes.h>
#include <math.h>

#include "input/input_internal.h"
#include "input/input_spec.h"
#include "input/map.h"
#include "input/repeat.h"
#include "harness.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-6)

/* ---- mapping ---- */

struct corner {
	double u, v;     /* on the panel */
	double x, y;     /* expected in the picture, as fractions of its size */
};

/*
 * The panel's four corners and a point off the diagonals, for each
 * rotation, as a person holding the turned panel sees them: with 90 the
 * picture's top-left is the panel's top-right corner.
 */
static void check_rotation(int rotation, const struct corner *c, size_t n)
{
	const int32_t w = 800, h = 1280; /* the picture (portrait on a landscape panel for 90/270) */
	for (size_t i = 0; i < n; i++) {
		struct fbk_point p = fbk_map_absolute(c[i].u, c[i].v, NULL, rotation, w, h);
		double ex = c[i].x * w, ey = c[i].y * h;
		/* the far edges come out just inside the picture */
		if (ex >= w)
			ex = nextafter(w, 0);
		if (ey >= h)
			ey = nextafter(h, 0);
		CHECK(NEAR(p.x, ex) && NEAR(p.y, ey),
		      "rotation %d: panel (%g, %g) -> (%g, %g), expected (%g, %g)", rotation,
		      c[i].u, c[i].v, p.x, p.y, ex, ey);
		CHECK(p.x >= 0 && p.x < w && p.y >= 0 && p.y < h,
		      "rotation %d: (%g, %g) outside %dx%d", rotation, p.x, p.y, w, h);
	}
}

static void test_rotations(void)
{
	/* panel corners: TL (0,0), TR (1,0), BR (1,1), BL (0,1); a point at (0.25, 0.1) */
	const struct corner r0[] = {
		{ 0, 0, 0, 0 }, { 1, 0, 1, 0 }, { 1, 1, 1, 1 }, { 0, 1, 0, 1 }, { 0.25, 0.1, 0.25, 0.1 },
	};
	/* turned clockwise: the picture's top-left is at the panel's top-right */
	const struct corner r90[] = {
		{ 1, 0, 0, 0 }, { 1, 1, 1, 0 }, { 0, 1, 1, 1 }, { 0, 0, 0, 1 }, { 0.25, 0.1, 0.1, 0.75 },
	};
	const struct corner r180[] = {
		{ 1, 1, 0, 0 }, { 0, 1, 1, 0 }, { 0, 0, 1, 1 }, { 1, 0, 0, 1 }, { 0.25, 0.1, 0.75, 0.9 },
	};
	const struct corner r270[] = {
		{ 0, 1, 0, 0 }, { 0, 0, 1, 0 }, { 1, 0, 1, 1 }, { 1, 1, 0, 1 }, { 0.25, 0.1, 0.9, 0.25 },
	};
	check_rotation(0, r0, 5);
	check_rotation(90, r90, 5);
	check_rotation(180, r180, 5);
	check_rotation(270, r270, 5);
	CHECK(fbk_rotation_valid(0) && fbk_rotation_valid(90) && fbk_rotation_valid(180) &&
		      fbk_rotation_valid(270) && !fbk_rotation_valid(45) && !fbk_rotation_valid(-90) &&
		      !fbk_rotation_valid(360),
	      "valid rotations");

	/* Turning by 90 four times is the identity: compose the maps on random points. */
	rng_seed(15);
	for (int i = 0; i < 1000; i++) {
		double u = (double)(rng_next() % 10000) / 10000, v = (double)(rng_next() % 10000) / 10000;
		struct fbk_point a = fbk_map_absolute(u, v, NULL, 90, 1, 1);
		struct fbk_point b = fbk_map_absolute(a.x, a.y, NULL, 90, 1, 1);
		struct fbk_point c = fbk_map_absolute(u, v, NULL, 180, 1, 1);
		CHECK(NEAR(b.x, c.x) && NEAR(b.y, c.y), "90 twice != 180 at (%g, %g)", u, v);
		struct fbk_point d = fbk_map_absolute(c.x, c.y, NULL, 90, 1, 1);
		struct fbk_point e = fbk_map_absolute(u, v, NULL, 270, 1, 1);
		CHECK(NEAR(d.x, e.x) && NEAR(d.y, e.y), "90 thrice != 270 at (%g, %g)", u, v);
	}
}

static void test_calibration(void)
{
	/* libinput's documented examples: swap axes, flip, and a shrink with an offset */
	const float swap[6] = { 0, 1, 0, 1, 0, 0 };
	struct fbk_point p = fbk_map_absolute(0.2, 0.7, swap, 0, 1000, 500);
	CHECK(NEAR(p.x, 700) && NEAR(p.y, 100), "swap: (%g, %g)", p.x, p.y);
	const float flip_x[6] = { -1, 0, 1, 0, 1, 0 };
	p = fbk_map_absolute(0.2, 0.7, flip_x, 0, 1000, 500);
	CHECK(NEAR(p.x, 800) && NEAR(p.y, 350), "flip x: (%g, %g)", p.x, p.y);
	const float shrink[6] = { 0.5f, 0, 0.25f, 0, 0.5f, 0.25f };
	p = fbk_map_absolute(1, 0, shrink, 0, 1000, 500);
	CHECK(NEAR(p.x, 750) && NEAR(p.y, 125), "shrink: (%g, %g)", p.x, p.y);
	/* The matrix is the panel's: applied before the rotation. */
	p = fbk_map_absolute(1, 0, shrink, 90, 1000, 500);
	CHECK(NEAR(p.x, 0.25 * 1000) && NEAR(p.y, (1 - 0.75) * 500), "shrink then 90: (%g, %g)",
	      p.x, p.y);
	p = fbk_map_absolute(0.2, 0.7, swap, 270, 1000, 500);
	CHECK(NEAR(p.x, (1 - 0.2) * 1000) && NEAR(p.y, 0.7 * 500), "swap then 270: (%g, %g)", p.x,
	      p.y);
	/* Off the range: kept on the screen; NaN lands at 0. */
	const float out[6] = { 2, 0, 0, 0, 1, -1 };
	p = fbk_map_absolute(0.9, 0.5, out, 0, 1000, 500);
	CHECK(p.x < 1000 && p.x > 999.99 && p.y == 0, "clamped: (%.17g, %g)", p.x, p.y);
	p = fbk_map_absolute(NAN, 0.5, NULL, 0, 1000, 500);
	CHECK(p.x == 0 && p.y == 0, "NaN: (%g, %g)", p.x, p.y);
}

static void test_relative(void)
{
	struct fbk_point p = { 10, 10 };
	p = fbk_map_relative(p, 5.5, -3, 100, 50);
	CHECK(NEAR(p.x, 15.5) && NEAR(p.y, 7), "move: (%g, %g)", p.x, p.y);
	p = fbk_map_relative(p, -100, 100, 100, 50);
	CHECK(p.x == 0 && p.y < 50 && p.y > 49.99, "clamped: (%g, %.17g)", p.x, p.y);
	p = fbk_map_relative(p, 1e9, -1e9, 100, 50);
	CHECK(p.x < 100 && p.x > 99.99 && p.y == 0, "far: (%g, %g)", p.x, p.y);
}

/* ---- repeat ---- */

static void test_repeat_machine(void)
{
	struct fbk_repeat r;
	fbk_repeat_init(&r);
	uint32_t code;
	uint64_t due;
	fbk_repeat_press(&r, KEY_A, 1000);
	CHECK(!fbk_repeat_next(&r, 1000000000, &code, &due), "repeat before configure");

	fbk_repeat_configure(&r, 500, 20); /* 500 ms, then every 50 ms */
	fbk_repeat_press(&r, KEY_A, 1000000);
	CHECK(fbk_repeat_deadline(&r) == 1500000, "first due %llu", (unsigned long long)fbk_repeat_deadline(&r));
	CHECK(!fbk_repeat_next(&r, 1499999, &code, &due), "repeat 1 us early");
	CHECK(fbk_repeat_next(&r, 1500000, &code, &due) && code == KEY_A && due == 1500000,
	      "first repeat: %u at %llu", code, (unsigned long long)due);
	CHECK(!fbk_repeat_next(&r, 1549999, &code, &due), "second repeat early");
	/* 120 ms later: the 50 and 100 ms ones are due, in order, with their own times */
	CHECK(fbk_repeat_next(&r, 1620000, &code, &due) && due == 1550000, "second at %llu",
	      (unsigned long long)due);
	CHECK(fbk_repeat_next(&r, 1620000, &code, &due) && due == 1600000, "third at %llu",
	      (unsigned long long)due);
	CHECK(!fbk_repeat_next(&r, 1620000, &code, &due), "fourth early");
	CHECK(fbk_repeat_deadline(&r) == 1650000, "deadline %llu",
	      (unsigned long long)fbk_repeat_deadline(&r));

	/* Another key takes over; releasing the first does not stop it. */
	fbk_repeat_press(&r, KEY_B, 1630000);
	fbk_repeat_release(&r, KEY_A);
	CHECK(fbk_repeat_deadline(&r) == 2130000, "B due %llu",
	      (unsigned long long)fbk_repeat_deadline(&r));
	CHECK(fbk_repeat_next(&r, 2130000, &code, &due) && code == KEY_B, "B repeats: %u", code);
	fbk_repeat_release(&r, KEY_B);
	CHECK(!fbk_repeat_next(&r, 9000000, &code, &due) && !fbk_repeat_deadline(&r),
	      "released B still repeats");

	/* A rate that does not divide a second: no drift over 1000 repeats. */
	fbk_repeat_configure(&r, 0, 30);
	fbk_repeat_press(&r, KEY_C, 0);
	unsigned n = 0;
	for (uint64_t now = 0; now < 1000000 * 100 / 3; now += 10000)
		while (fbk_repeat_next(&r, now, &code, &due))
			n++;
	CHECK(n == 1000, "1000 repeats at 30/s in 33.33 s: %u", n);
	CHECK(due == 999 * 1000000ull / 30, "last due %llu", (unsigned long long)due);

	/* A stall of 10 s: one repeat now, the series resumes from there. */
	fbk_repeat_configure(&r, 100, 10);
	fbk_repeat_press(&r, KEY_D, 0);
	CHECK(fbk_repeat_next(&r, 10050000, &code, &due) && due <= 10050000 && due > 9950000,
	      "after a stall due %llu", (unsigned long long)due);
	CHECK(!fbk_repeat_next(&r, 10050000, &code, &due), "burst after a stall");
	fbk_repeat_cancel(&r);
	CHECK(!fbk_repeat_deadline(&r), "cancel");
	/* rate 0: off */
	fbk_repeat_configure(&r, 100, 0);
	fbk_repeat_press(&r, KEY_E, 0);
	CHECK(!fbk_repeat_next(&r, 5000000, &code, &due), "rate 0 repeats");
}

/* The test's clock and what a context delivered. */
static uint64_t fake_now;
static uint64_t clock_fake(void)
{
	return fake_now;
}

#define MAX_SEEN 64
static struct fbk_input_event seen[MAX_SEEN];
static int seen_count;

static void record(const struct fbk_input_event *event, void *user)
{
	(void)user;
	if (seen_count < MAX_SEEN)
		seen[seen_count] = *event;
	seen_count++;
}

static void start(struct fbk_input *in)
{
	seen_count = 0;
	fbk_input_test_begin(in, record, NULL);
}

static void test_keys(void)
{
	struct fbk_input *in;
	int err = fbk_input_create_bare(&in, 640, 480, 0, clock_fake);
	CHECK(!err, "bare context: %s", fbk_last_error());
	if (err)
		return;
	CHECK(!fbk_input_set_repeat(in, 400, 10), "set_repeat");
	CHECK(fbk_input_set_repeat(in, 10001, 10) == -EINVAL, "delay over 10 s");
	CHECK(fbk_input_set_repeat(in, 100, 1001) == -EINVAL, "rate over 1000");

	/* Shift down, A down at t=1 s; the clock reads 1.45 s: 1 repeat (at 1.4 s) */
	fake_now = 1450000;
	start(in);
	fbk_input_key(in, KEY_LEFTSHIFT, true, 900000);
	fbk_input_key(in, KEY_A, true, 1000000);
	int n = fbk_input_test_end(in);
	CHECK(n == 3 && seen_count == 3, "delivered %d (seen %d), expected 3", n, seen_count);
	CHECK(seen[0].type == FBK_INPUT_KEY && seen[0].key.code == KEY_LEFTSHIFT &&
		      seen[0].key.state == FBK_KEY_PRESSED && seen[0].time_usec == 900000 &&
		      !seen[0].key.modifiers,
	      "shift press");
	CHECK(seen[1].key.code == KEY_A && seen[1].key.state == FBK_KEY_PRESSED &&
		      seen[1].key.modifiers == FBK_MOD_SHIFT,
	      "A with shift: mods %#x", seen[1].key.modifiers);
	CHECK(seen[2].key.code == KEY_A && seen[2].key.state == FBK_KEY_REPEAT &&
		      seen[2].time_usec == 1400000,
	      "repeat: code %u state %d at %llu", seen[2].key.code, seen[2].key.state,
	      (unsigned long long)seen[2].time_usec);
#if FBK_HAVE_XKBCOMMON
	CHECK(!strcmp(seen[1].key.text, "A") && seen[1].key.keysym == 0x41,
	      "shift+A types '%s' keysym %#x", seen[1].key.text, seen[1].key.keysym);
	CHECK(!strcmp(seen[2].key.text, "A"), "repeat types '%s'", seen[2].key.text);
	CHECK(seen[0].key.keysym == 0xffe1 && !seen[0].key.text[0], "Shift_L: %#x '%s'",
	      seen[0].key.keysym, seen[0].key.text);
#else
	CHECK(!seen[1].key.keysym && !seen[1].key.text[0], "no keysym without xkbcommon");
#endif
	/* Release at 1.52 s: the 1.5 s repeat comes first, none after. */
	fake_now = 3000000;
	start(in);
	fbk_input_key(in, KEY_A, false, 1520000);
	fbk_input_key(in, KEY_LEFTSHIFT, false, 1530000);
	n = fbk_input_test_end(in);
	CHECK(n == 3, "delivered %d, expected repeat, release, release", n);
	CHECK(seen[0].key.state == FBK_KEY_REPEAT && seen[0].time_usec == 1500000,
	      "repeat before the release: state %d at %llu", seen[0].key.state,
	      (unsigned long long)seen[0].time_usec);
	CHECK(seen[1].key.code == KEY_A && seen[1].key.state == FBK_KEY_RELEASED, "A up");
	CHECK(seen[2].key.code == KEY_LEFTSHIFT && seen[2].key.modifiers == FBK_MOD_SHIFT,
	      "shift up still under shift: %#x", seen[2].key.modifiers);

	/* Modifiers do not repeat; Ctrl+Alt+F2 with no console is an ordinary key. */
	start(in);
	fbk_input_key(in, KEY_LEFTCTRL, true, 4000000);
	fbk_input_key(in, KEY_RIGHTALT, true, 4000000);
	fbk_input_key(in, KEY_F2, true, 4000000);
	fbk_input_key(in, KEY_F2, false, 4000000);
	fake_now = 9000000;
	n = fbk_input_test_end(in);
	CHECK(n == 4, "ctrl, alt, F2 down and up, no repeats: %d", n);
	CHECK(seen[2].key.code == KEY_F2 &&
		      (seen[2].key.modifiers & (FBK_MOD_CTRL | FBK_MOD_ALT)) ==
			      (FBK_MOD_CTRL | FBK_MOD_ALT),
	      "F2 under ctrl+alt: %#x", seen[2].key.modifiers);
#if FBK_HAVE_XKBCOMMON
	/* Control characters are not text. */
	start(in);
	fbk_input_key(in, KEY_C, true, 9000000);
	fbk_input_key(in, KEY_C, false, 9000001);
	fbk_input_test_end(in);
	CHECK(seen[0].key.keysym == 'c' && !seen[0].key.text[0], "ctrl+c: keysym %#x text '%s'",
	      seen[0].key.keysym, seen[0].key.text);
#endif
	/* The calibration the devices' positions go through */
	const float swap[6] = { 0, 1, 0, 1, 0, 0 };
	CHECK(!fbk_input_set_calibration(in, swap) && in->calibration[1] == 1 &&
		      in->calibration[0] == 0,
	      "set calibration");
	const float bad[6] = { 1, 0, NAN, 0, 1, 0 };
	CHECK(fbk_input_set_calibration(in, bad) == -EINVAL && in->calibration[1] == 1,
	      "NaN refused, the matrix kept");
	CHECK(!fbk_input_set_calibration(in, NULL) && in->calibration[0] == 1 &&
		      in->calibration[1] == 0 && in->calibration[4] == 1,
	      "NULL: identity");
	CHECK(fbk_input_set_calibration(NULL, swap) == -EINVAL, "NULL input");
	fbk_input_close(in);
}

#if FBK_HAVE_XKBCOMMON
/* A keymap named in the spec, and XKB_DEFAULT_LAYOUT when none is. */
static void test_keymaps(void)
{
	struct fbk_input_spec spec;
	struct fbk_keymap *k;
	struct fbk_key_meaning m;
	CHECK(!fbk_input_spec_parse(&spec, "layout=de"), "spec");
	if (fbk_keymap_create(&k, &spec))
		SKIP("no German keymap: is xkb-data installed? %s", fbk_last_error());
	fbk_keymap_lookup(k, KEY_Y, &m);
	CHECK(m.keysym == 'z' && !strcmp(m.text, "z"), "de: Y key types '%s'", m.text);
	fbk_keymap_destroy(k);

	setenv("XKB_DEFAULT_LAYOUT", "fr", 1);
	CHECK(!fbk_input_spec_parse(&spec, ""), "spec");
	CHECK(!fbk_keymap_create(&k, &spec), "fr from the environment: %s", fbk_last_error());
	fbk_keymap_lookup(k, KEY_Q, &m);
	CHECK(!strcmp(m.text, "a"), "fr: Q key types '%s'", m.text);
	fbk_keymap_destroy(k);
	unsetenv("XKB_DEFAULT_LAYOUT");

	CHECK(!fbk_input_spec_parse(&spec, "layout=us"), "spec");
	CHECK(!fbk_keymap_create(&k, &spec), "us");
	fbk_keymap_lookup(k, KEY_Q, &m);
	CHECK(!strcmp(m.text, "q"), "us: Q key types '%s'", m.text);
	fbk_keymap_update(k, KEY_CAPSLOCK, true);
	fbk_keymap_update(k, KEY_CAPSLOCK, false);
	fbk_keymap_lookup(k, KEY_Q, &m);
	CHECK(!strcmp(m.text, "Q") && (m.locks & FBK_MOD_CAPS_LOCK), "caps lock: '%s' %#x",
	      m.text, m.locks);
	CHECK(!fbk_keymap_repeats(k, KEY_LEFTSHIFT) && fbk_keymap_repeats(k, KEY_Q), "repeats");
	fbk_keymap_destroy(k);

	CHECK(!fbk_input_spec_parse(&spec, "layout=no-such-layout-xx,model=pc104"), "spec");
	CHECK(fbk_keymap_create(&k, &spec) == -EINVAL &&
		      strstr(fbk_last_error(), "layout 'no-such-layout-xx'") &&
		      strstr(fbk_last_error(), "model 'pc104'"),
	      "unknown layout: %s", fbk_last_error());

	/*
	 * No XKB data at all: xkbcommon cannot start, and the message says
	 * which folder it looked for, not "out of memory". Every include path
	 * it tries is pointed at nothing.
	 */
	const char *const vars[] = { "XKB_CONFIG_ROOT", "XKB_CONFIG_EXTRA_PATH", "HOME",
				     "XDG_CONFIG_HOME" };
	char *saved[4];
	for (size_t i = 0; i < 4; i++) {
		const char *v = getenv(vars[i]);
		saved[i] = v ? strdup(v) : NULL;
	}
	setenv("XKB_CONFIG_ROOT", "/nonexistent-fbkit-xkb", 1);
	setenv("XKB_CONFIG_EXTRA_PATH", "/nonexistent-fbkit-xkb", 1);
	setenv("HOME", "/nonexistent-fbkit-home", 1);
	setenv("XDG_CONFIG_HOME", "/nonexistent-fbkit-home", 1);
	CHECK(!fbk_input_spec_parse(&spec, "layout=us"), "spec");
	int err = fbk_keymap_create(&k, &spec);
	CHECK(err == -ENOENT && strstr(fbk_last_error(), "'/nonexistent-fbkit-xkb'") &&
		      strstr(fbk_last_error(), "xkb-data") && !strstr(fbk_last_error(), "memory"),
	      "no XKB data: %d %s", err, fbk_last_error());
	if (!err)
		fbk_keymap_destroy(k);
	for (size_t i = 0; i < 4; i++) {
		if (saved[i])
			setenv(vars[i], saved[i], 1);
		else
			unsetenv(vars[i]);
		free(saved[i]);
	}
}
#endif

/* ---- the event loop ---- */

/* A held key's repeats come through fbk_loop_add_input when the loop dispatches. */
static void test_loop(void)
{
	struct fbk_loop *loop;
	struct fbk_input *in;
	if (fbk_loop_create(&loop) || fbk_input_create_bare(&in, 64, 64, 0, NULL)) {
		CHECK(0, "loop or input: %s", fbk_last_error());
		return;
	}
	struct fbk_loop_source *source;
	CHECK(fbk_loop_add_input(NULL, in, record, NULL, &source) == -EINVAL &&
		      fbk_loop_add_input(loop, NULL, record, NULL, &source) == -EINVAL &&
		      fbk_loop_add_input(loop, in, NULL, NULL, &source) == -EINVAL,
	      "NULL arguments");
	CHECK(!fbk_loop_add_input(loop, in, record, NULL, &source) && source, "add: %s",
	      fbk_last_error());
	CHECK(fbk_loop_add_input(loop, in, record, NULL, NULL) == -EEXIST, "added twice");
	CHECK(!fbk_input_set_repeat(in, 20, 100), "repeat");
	/* the key goes in as a device would give it, outside the loop */
	start(in);
	fbk_input_key(in, KEY_X, true, in->now());
	fbk_input_test_end(in);
	seen_count = 0;
	for (int i = 0; i < 50 && seen_count < 3; i++)
		fbk_loop_dispatch(loop, 100);
	CHECK(seen_count >= 3 && seen[0].type == FBK_INPUT_KEY && seen[0].key.code == KEY_X &&
		      seen[0].key.state == FBK_KEY_REPEAT,
	      "repeats through the loop: %d", seen_count);
	fbk_loop_remove(source);
	fbk_input_close(in);
	fbk_loop_destroy(loop);
}

/* ---- spec ---- */

static void test_spec(void)
{
	struct fbk_input_spec s;
	CHECK(!fbk_input_spec_parse(&s, ""), "empty");
	CHECK(!s.seat && !s.path_count && !s.repeat_set && !s.calibration_set && !s.no_signals &&
		      s.calibration[0] == 1 && s.calibration[4] == 1,
	      "defaults");
	CHECK(!fbk_input_spec_parse(&s, "input=/dev/input/event3,/dev/input/event5,repeat=250:30"),
	      "paths: %s", fbk_last_error());
	CHECK(s.path_count == 2 && !strcmp(s.paths[0], "/dev/input/event3") &&
		      !strcmp(s.paths[1], "/dev/input/event5"),
	      "two paths: %u", s.path_count);
	CHECK(s.repeat_set && s.repeat_delay_ms == 250 && s.repeat_rate == 30, "repeat");
	CHECK(!fbk_input_spec_parse(&s, "seat=seat1,repeat=off,no-signals"), "seat");
	CHECK(!strcmp(s.seat, "seat1") && s.repeat_set && !s.repeat_rate && s.no_signals, "seat1");
	CHECK(!fbk_input_spec_parse(&s, "layout=de,variant=nodeadkeys,options=ctrl:nocaps+compose:ralt,"
					"rules=evdev,model=pc105"),
	      "rmlvo: %s", fbk_last_error());
	CHECK(!strcmp(s.layout, "de") && !strcmp(s.variant, "nodeadkeys") &&
		      !strcmp(s.options, "ctrl:nocaps,compose:ralt") && !strcmp(s.rules, "evdev") &&
		      !strcmp(s.model, "pc105"),
	      "rmlvo values");
	CHECK(!fbk_input_spec_parse(&s, "calibration=0:1:0:-1:0:1"), "calibration");
	CHECK(s.calibration_set && s.calibration[1] == 1 && s.calibration[3] == -1 &&
		      s.calibration[5] == 1,
	      "matrix");

	static const char *const bad[] = {
		",", "input=", "input=dev/input/event3", "input=/a,b", "repeat=10", "repeat=1:2:3",
		"repeat=10001:5", "repeat=5:1001", "repeat=-1:5", "repeat=:5", "seat=a,seat=b",
		"seat=a,input=/dev/x", "input=/a,input=/b", "bogus=1", "bogus", "no-signals=1",
		"no-signals,no-signals", "calibration=1:0:0:0:1", "calibration=1:0:0:0:1:0:0",
		"calibration=1:0:0:0:1:nan", "calibration=1:0:0:0:1:x", "layout=us,layout=de",
		"=x", "layout=us,", "repeat=off,repeat=off", "calibration=1e9:0:0:0:1:0",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(fbk_input_spec_parse(&s, bad[i]) == -EINVAL && fbk_last_error()[0],
		      "'%s' accepted", bad[i]);
	/* more paths than fit */
	char many[4096] = "input=/d";
	for (int i = 0; i < FBK_INPUT_MAX_PATHS; i++)
		strcat(many, ",/d");
	CHECK(fbk_input_spec_parse(&s, many) == -EINVAL, "%d paths accepted",
	      FBK_INPUT_MAX_PATHS + 1);
	char *huge = malloc(FBK_INPUT_SPEC_MAX_LENGTH + 2);
	memset(huge, 'a', FBK_INPUT_SPEC_MAX_LENGTH + 1);
	huge[FBK_INPUT_SPEC_MAX_LENGTH + 1] = '\0';
	CHECK(fbk_input_spec_parse(&s, huge) == -EINVAL, "over-long spec");
	free(huge);
}

/* ---- open ---- */

static void test_open(void)
{
	struct fbk_display *display;
	if (fbk_display_open(&display, "offscreen:320x200"))
		SKIP("offscreen display: %s", fbk_last_error());
	struct fbk_input *in = (struct fbk_input *)1;
	CHECK(fbk_input_open(&in, NULL, "") == -EINVAL && !in, "NULL display");
	CHECK(fbk_input_open(NULL, display, "") == -EINVAL, "NULL out");
	CHECK(fbk_input_fd(NULL) == -EINVAL && fbk_input_dispatch(NULL, record, NULL) == -EINVAL,
	      "NULL input");
	fbk_input_close(NULL);
#if FBK_HAVE_LIBINPUT
	CHECK(fbk_input_open(&in, display, "repeat=9") == -EINVAL && !in &&
		      strstr(fbk_last_error(), "repeat="),
	      "bad spec: %s", fbk_last_error());
	CHECK(fbk_input_open(&in, display, "input=/nonexistent/event0") == -ENOENT &&
		      strstr(fbk_last_error(), "/nonexistent/event0"),
	      "missing device: %s", fbk_last_error());
	CHECK(fbk_input_open(&in, display, "input=/dev/null") == -ENOTTY &&
		      strstr(fbk_last_error(), "not an input event device"),
	      "not an input device: %s", fbk_last_error());
	setenv("FBKIT_INPUT", "input=/nonexistent/event7", 1);
	CHECK(fbk_input_open(&in, display, NULL) == -ENOENT &&
		      strstr(fbk_last_error(), "event7"),
	      "FBKIT_INPUT: %s", fbk_last_error());
	unsetenv("FBKIT_INPUT");
#else
	CHECK(fbk_input_open(&in, display, "") == -ENOTSUP && !in &&
		      strstr(fbk_last_error(), "libinput"),
	      "without libinput: %s", fbk_last_error());
#endif
	fbk_display_close(display);
}

int main(void)
{
	test_rotations();
	test_calibration();
	test_relative();
	test_repeat_machine();
	test_keys();
	test_loop();
	test_spec();
	test_open();
#if FBK_HAVE_XKBCOMMON
	test_keymaps(); /* last: it may skip */
#endif
	return harness_exit();
}
