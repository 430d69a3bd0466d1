/*
 * The guest half of vm_input.py: fbkit's input read through the real
 * libinput from real kernel devices, in QEMU. Runs on tty1 (its
 * controlling terminal) with the protocol on the serial line (--control):
 *
 *   guest: @@ READY NAME     host: injects NAME's events with QMP, then "GO"
 *   guest: @@ CHECK name=... ok=0|1 ...   (one per check)
 *   guest: @@ STAT ...                    (latencies)
 *   guest: @@ END
 *
 * Steps, in order: a multi-touch touchscreen made here with uinput (two
 * fingers, checked in display coordinates); keys from QEMU's virtio
 * keyboard (code, state, keysym, text, modifiers, repeat); the virtio
 * tablet (absolute position, buttons) moving fbkit's software cursor,
 * which the framebuffer shows where the pointer went; the VT keyboard mode (K_OFF while
 * the input is open, back after close, SIGTERM and SIGSEGV); Ctrl+Alt+F2
 * with vt-switch; input= paths. Run again with --hotplug once /init has
 * started udevd: a uinput keyboard made while the input is open.
 *
 * Until then the guest has no udevd: udev's database entries, which libinput needs
 * to take a device (ID_INPUT_*), are written here for the devices QEMU
 * gives (from their names) and for the uinput device, as udevd would.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <linux/kd.h>
#include <linux/uinput.h>
#include <linux/vt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "fbkit.h"

#define TOUCH_MAX 4095
#define TOUCH_NAME "fbkit-vm touchscreen"

static FILE *control;
static int control_fd = -1;
static int failures;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("@@ ", control);
	vfprintf(control, fmt, ap);
	fputs("\n", control);
	fflush(control);
	va_end(ap);
}

static void check(const char *name, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(const char *name, bool ok, const char *fmt, ...)
{
	char detail[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (!ok)
		failures++;
	say("CHECK name=%s ok=%d %s", name, ok, detail);
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Wait for the host's "GO" after READY. */
static void ready(const char *step)
{
	say("READY %s", step);
	char line[64];
	size_t n = 0;
	while (n < sizeof(line) - 1) {
		char c;
		if (read(control_fd, &c, 1) != 1)
			break;
		if (c == '\n' || c == '\r') {
			if (n)
				break;
			continue;
		}
		line[n++] = c;
	}
	line[n] = '\0';
}

/* ---- udev's database, as udevd would write it ---- */

static void write_db(const char *event_dir, const char *props)
{
	char path[512], dev[32] = "";
	snprintf(path, sizeof(path), "%s/dev", event_dir);
	FILE *f = fopen(path, "r");
	if (!f || !fgets(dev, sizeof(dev), f)) {
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	dev[strcspn(dev, "\n")] = '\0';
	mkdir("/run", 0755);
	mkdir("/run/udev", 0755);
	mkdir("/run/udev/data", 0755);
	snprintf(path, sizeof(path), "/run/udev/data/c%s", dev);
	f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "E:ID_INPUT=1\n");
	for (const char *p = props; *p;) {
		size_t n = strcspn(p, " ");
		fprintf(f, "E:%.*s\n", (int)n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
	fclose(f);
}

static char touch_node[300];   /* /dev/input/eventN of the uinput touchscreen */
static char touch_entry[300]; /* its sysfs folder */

/* Every event device, by its name: what udev's input_id would say of it. */
static void udev_db(void)
{
	DIR *d = opendir("/sys/class/input");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "event", 5))
			continue;
		char dir[300], path[400], name[128] = "";
		snprintf(dir, sizeof(dir), "/sys/class/input/%s", e->d_name);
		snprintf(path, sizeof(path), "%s/device/name", dir);
		FILE *f = fopen(path, "r");
		if (f) {
			if (!fgets(name, sizeof(name), f))
				name[0] = '\0';
			fclose(f);
		}
		name[strcspn(name, "\n")] = '\0';
		const char *props = NULL;
		if (!strcmp(name, TOUCH_NAME)) {
			props = "ID_INPUT_TOUCHSCREEN=1";
			snprintf(touch_node, sizeof(touch_node), "/dev/input/%s", e->d_name);
			snprintf(touch_entry, sizeof(touch_entry), "%s", dir);
		}
		else if (strstr(name, "Keyboard") || strstr(name, "keyboard"))
			props = "ID_INPUT_KEY=1 ID_INPUT_KEYBOARD=1";
		else if (strstr(name, "Tablet") || strstr(name, "Mouse"))
			props = "ID_INPUT_MOUSE=1"; /* an absolute pointer, as udev tags QEMU's */
		if (props) {
			write_db(dir, props);
			say("NOTE udev entry for %s (%s): %s", e->d_name, name, props);
		}
	}
	if (d)
		closedir(d);
}

/* ---- the uinput touchscreen ---- */

static int touch_fd = -1;

static void emit(int type, int code, int value)
{
	struct input_event ev = { .type = (unsigned short)type, .code = (unsigned short)code,
				  .value = value };
	if (write(touch_fd, &ev, sizeof(ev)) != (ssize_t)sizeof(ev))
		say("NOTE uinput write: %s", strerror(errno));
}

static void make_touchscreen(void)
{
	touch_fd = open("/dev/uinput", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (touch_fd < 0) {
		check("uinput", false, "open /dev/uinput: %s", strerror(errno));
		return;
	}
	ioctl(touch_fd, UI_SET_EVBIT, EV_KEY);
	ioctl(touch_fd, UI_SET_KEYBIT, BTN_TOUCH);
	ioctl(touch_fd, UI_SET_EVBIT, EV_ABS);
	ioctl(touch_fd, UI_SET_PROPBIT, INPUT_PROP_DIRECT);
	int axes[] = { ABS_X, ABS_Y, ABS_MT_SLOT, ABS_MT_TRACKING_ID, ABS_MT_POSITION_X,
		       ABS_MT_POSITION_Y };
	for (size_t i = 0; i < sizeof(axes) / sizeof(axes[0]); i++) {
		struct uinput_abs_setup abs = { .code = (uint16_t)axes[i] };
		abs.absinfo.maximum = axes[i] == ABS_MT_SLOT ? 9
				      : axes[i] == ABS_MT_TRACKING_ID ? 65535
									: TOUCH_MAX;
		abs.absinfo.resolution = axes[i] == ABS_MT_SLOT || axes[i] == ABS_MT_TRACKING_ID ? 0 : 16;
		ioctl(touch_fd, UI_SET_ABSBIT, axes[i]);
		ioctl(touch_fd, UI_ABS_SETUP, &abs);
	}
	struct uinput_setup setup = { .id = { .bustype = BUS_VIRTUAL, .vendor = 0x1, .product = 0x2 } };
	snprintf(setup.name, sizeof(setup.name), TOUCH_NAME);
	if (ioctl(touch_fd, UI_DEV_SETUP, &setup) || ioctl(touch_fd, UI_DEV_CREATE)) {
		check("uinput", false, "create: %s", strerror(errno));
		close(touch_fd);
		touch_fd = -1;
		return;
	}
	/* the event node appears under the uinput device's sysfs folder */
	usleep(200000);
}

/* ---- events ---- */

#define MAX_EVENTS 256
static struct fbk_input_event events[MAX_EVENTS];
static uint64_t arrived[MAX_EVENTS];
static int event_count;

static char device_log[4096]; /* "added:NAME;removed:NAME;..." */

static void record(const struct fbk_input_event *event, void *user)
{
	(void)user;
	if (event->type == FBK_INPUT_DEVICE_ADDED || event->type == FBK_INPUT_DEVICE_REMOVED) {
		const char *what = event->type == FBK_INPUT_DEVICE_ADDED ? "added" : "removed";
		say("NOTE device %s: %s", what, event->device.name);
		size_t used = strlen(device_log);
		snprintf(device_log + used, sizeof(device_log) - used, "%s:%s;", what,
			 event->device.name);
		return;
	}
	/* at once, so the host can time injection to callback */
	if (event->type == FBK_INPUT_KEY && event->key.state != FBK_KEY_REPEAT)
		say("GOT key code=%u state=%d", event->key.code, event->key.state);
	else if (event->type == FBK_INPUT_POINTER_MOTION)
		say("GOT motion x=%.2f y=%.2f", event->pointer.x, event->pointer.y);
	else if (event->type == FBK_INPUT_POINTER_BUTTON)
		say("GOT button pressed=%d", event->pointer.pressed);
	else if (event->type == FBK_INPUT_POINTER_SCROLL)
		say("GOT scroll x=%.2f y=%.2f", event->pointer.scroll_x, event->pointer.scroll_y);
	if (event_count < MAX_EVENTS) {
		events[event_count] = *event;
		arrived[event_count] = now_us();
		event_count++;
	}
}

/* Dispatch until `done` says so or `timeout_ms` passes without an event. */
static void collect(struct fbk_input *in, bool (*done)(void), int timeout_ms)
{
	struct pollfd p = { .fd = fbk_input_fd(in), .events = POLLIN };
	while (!done()) {
		int r = poll(&p, 1, timeout_ms);
		if (r <= 0)
			break;
		fbk_input_dispatch(in, record, NULL);
	}
}

static int find(enum fbk_input_type type, int from)
{
	for (int i = from; i < event_count; i++)
		if (events[i].type == type)
			return i;
	return -1;
}

/* ---- touch ---- */

static bool two_ups(void)
{
	int ups = 0;
	for (int i = 0; i < event_count; i++)
		ups += events[i].type == FBK_INPUT_TOUCH_UP;
	return ups >= 2;
}

static bool near(double a, double b)
{
	return fabs(a - b) <= 1.0;
}

/*
 * One finger in slot 0 with tracking id `id`, down at (u, v) of the
 * touchscreen's 0..4095 and up again after hold_ms (none: at once; < 0:
 * left down).
 */
static void touch_at(int id, int u, int v, int hold_ms)
{
	emit(EV_ABS, ABS_MT_SLOT, 0);
	emit(EV_ABS, ABS_MT_TRACKING_ID, id);
	emit(EV_ABS, ABS_MT_POSITION_X, u);
	emit(EV_ABS, ABS_MT_POSITION_Y, v);
	emit(EV_KEY, BTN_TOUCH, 1);
	emit(EV_ABS, ABS_X, u);
	emit(EV_ABS, ABS_Y, v);
	emit(EV_SYN, SYN_REPORT, 0);
	if (hold_ms < 0)
		return;
	if (hold_ms)
		usleep((useconds_t)hold_ms * 1000);
	emit(EV_ABS, ABS_MT_TRACKING_ID, -1);
	emit(EV_KEY, BTN_TOUCH, 0);
	emit(EV_SYN, SYN_REPORT, 0);
}

/* A display and input on it; on failure step `name` fails with the reason and both are closed. */
static bool open_both(const char *name, const char *display_spec, const char *input_spec,
		      struct fbk_display **d, struct fbk_input **in)
{
	if (fbk_display_open(d, display_spec)) {
		check(name, false, "display %s: %s", display_spec, fbk_last_error());
		return false;
	}
	if (fbk_input_open(in, *d, input_spec)) {
		check(name, false, "input '%s': %s", input_spec, fbk_last_error());
		fbk_display_close(*d);
		return false;
	}
	return true;
}

static void step_touch(struct fbk_input *in, int32_t w, int32_t h)
{
	if (touch_fd < 0)
		return;
	event_count = 0;
	uint64_t sent = now_us();
	/* finger 0 at (1024, 3072), finger 1 at (3072, 1024), of 0..4095 */
	emit(EV_ABS, ABS_MT_SLOT, 0);
	emit(EV_ABS, ABS_MT_TRACKING_ID, 100);
	emit(EV_ABS, ABS_MT_POSITION_X, 1024);
	emit(EV_ABS, ABS_MT_POSITION_Y, 3072);
	emit(EV_ABS, ABS_MT_SLOT, 1);
	emit(EV_ABS, ABS_MT_TRACKING_ID, 101);
	emit(EV_ABS, ABS_MT_POSITION_X, 3072);
	emit(EV_ABS, ABS_MT_POSITION_Y, 1024);
	emit(EV_KEY, BTN_TOUCH, 1);
	emit(EV_ABS, ABS_X, 1024);
	emit(EV_ABS, ABS_Y, 3072);
	emit(EV_SYN, SYN_REPORT, 0);
	collect(in, two_ups, 100); /* the downs, before anything else is sent */
	uint64_t first = event_count ? arrived[0] : 0;
	/* finger 1 moves to the far corner */
	emit(EV_ABS, ABS_MT_SLOT, 1);
	emit(EV_ABS, ABS_MT_POSITION_X, TOUCH_MAX);
	emit(EV_ABS, ABS_MT_POSITION_Y, TOUCH_MAX);
	emit(EV_SYN, SYN_REPORT, 0);
	emit(EV_ABS, ABS_MT_SLOT, 0);
	emit(EV_ABS, ABS_MT_TRACKING_ID, -1);
	emit(EV_ABS, ABS_MT_SLOT, 1);
	emit(EV_ABS, ABS_MT_TRACKING_ID, -1);
	emit(EV_KEY, BTN_TOUCH, 0);
	emit(EV_SYN, SYN_REPORT, 0);
	collect(in, two_ups, 3000);

	/* libinput scales by the range's size (4096 values): 1024 -> a quarter */
	double qx = w * 1024.0 / 4096, tx = w * 3072.0 / 4096;
	double qy = h * 1024.0 / 4096, ty = h * 3072.0 / 4096;
	int d0 = find(FBK_INPUT_TOUCH_DOWN, 0);
	int d1 = d0 >= 0 ? find(FBK_INPUT_TOUCH_DOWN, d0 + 1) : -1;
	check("touch-down", d0 >= 0 && d1 >= 0 && events[d0].touch.slot != events[d1].touch.slot &&
				    near(events[d0].touch.x, qx) && near(events[d0].touch.y, ty) &&
				    near(events[d1].touch.x, tx) && near(events[d1].touch.y, qy),
	      "slots %d %d at (%.2f, %.2f) (%.2f, %.2f), want (%.2f, %.2f) (%.2f, %.2f)",
	      d0 >= 0 ? events[d0].touch.slot : -1, d1 >= 0 ? events[d1].touch.slot : -1,
	      d0 >= 0 ? events[d0].touch.x : -1, d0 >= 0 ? events[d0].touch.y : -1,
	      d1 >= 0 ? events[d1].touch.x : -1, d1 >= 0 ? events[d1].touch.y : -1, qx, ty, tx, qy);
	int m = find(FBK_INPUT_TOUCH_MOTION, 0);
	check("touch-motion", m >= 0 && d1 >= 0 && events[m].touch.slot == events[d1].touch.slot &&
				      events[m].touch.x < w && events[m].touch.x > w - 1.01 &&
				      events[m].touch.y < h && events[m].touch.y > h - 1.01,
	      "slot %d to (%.3f, %.3f), want the last pixel (%d, %d)",
	      m >= 0 ? events[m].touch.slot : -1, m >= 0 ? events[m].touch.x : -1,
	      m >= 0 ? events[m].touch.y : -1, w - 1, h - 1);
	int u0 = find(FBK_INPUT_TOUCH_UP, 0);
	int u1 = u0 >= 0 ? find(FBK_INPUT_TOUCH_UP, u0 + 1) : -1;
	check("touch-up", u0 >= 0 && u1 >= 0 && find(FBK_INPUT_TOUCH_FRAME, 0) >= 0,
	      "two ups (%d, %d) and frames", u0, u1);
	if (first)
		say("STAT touch write-to-callback us=%llu", (unsigned long long)(first - sent));
}

/* ---- keys from the host ---- */

static bool escape_seen(void)
{
	for (int i = 0; i < event_count; i++)
		if (events[i].type == FBK_INPUT_KEY && events[i].key.code == KEY_ESC &&
		    events[i].key.state == FBK_KEY_RELEASED)
			return true;
	return false;
}

static int find_key(uint32_t code, enum fbk_key_state state)
{
	for (int i = 0; i < event_count; i++)
		if (events[i].type == FBK_INPUT_KEY && events[i].key.code == code &&
		    events[i].key.state == state)
			return i;
	return -1;
}

static void latency_stats(const char *what)
{
	uint64_t sum = 0, max = 0;
	int n = 0;
	for (int i = 0; i < event_count; i++) {
		if (events[i].type == FBK_INPUT_KEY && events[i].key.state == FBK_KEY_REPEAT)
			continue;
		uint64_t d = arrived[i] - events[i].time_usec;
		sum += d;
		max = d > max ? d : max;
		n++;
	}
	if (n)
		say("STAT %s kernel-to-callback events=%d avg_us=%llu max_us=%llu", what, n,
		    (unsigned long long)(sum / (uint64_t)n), (unsigned long long)max);
}

/* Host: Shift+A, b, C held 1.2 s, Esc. */
static void step_keys(struct fbk_input *in)
{
	event_count = 0;
	ready("keys");
	collect(in, escape_seen, 10000);
	for (int i = 0; i < event_count; i++)
		if (events[i].type == FBK_INPUT_KEY && events[i].key.state != FBK_KEY_REPEAT)
			say("NOTE key code=%u state=%d sym=%#x text='%s' mods=%#x", events[i].key.code,
			    events[i].key.state, events[i].key.keysym, events[i].key.text,
			    events[i].key.modifiers);
	int shift = find_key(KEY_LEFTSHIFT, FBK_KEY_PRESSED);
	int a = find_key(KEY_A, FBK_KEY_PRESSED);
	check("key-shift-a", shift >= 0 && a > shift && events[a].key.keysym == 0x41 &&
				     !strcmp(events[a].key.text, "A") &&
				     (events[a].key.modifiers & FBK_MOD_SHIFT),
	      "A: keysym %#x text '%s' mods %#x", a >= 0 ? events[a].key.keysym : 0,
	      a >= 0 ? events[a].key.text : "", a >= 0 ? events[a].key.modifiers : 0);
	int b = find_key(KEY_B, FBK_KEY_PRESSED);
	int b_up = find_key(KEY_B, FBK_KEY_RELEASED);
	check("key-b", b >= 0 && b_up > b && !strcmp(events[b].key.text, "b") &&
			       events[b].key.modifiers == 0,
	      "b: text '%s' mods %#x", b >= 0 ? events[b].key.text : "",
	      b >= 0 ? events[b].key.modifiers : 0);
	int repeats = 0;
	for (int i = 0; i < event_count; i++)
		repeats += events[i].type == FBK_INPUT_KEY && events[i].key.code == KEY_C &&
			   events[i].key.state == FBK_KEY_REPEAT;
	int c = find_key(KEY_C, FBK_KEY_PRESSED), c_up = find_key(KEY_C, FBK_KEY_RELEASED);
	/* repeat=300:20 held 1.2 s: about 18; TCG timing allows fewer */
	check("key-repeat", c >= 0 && c_up > c && repeats >= 5 && repeats <= 25,
	      "c held: %d repeats", repeats);
	check("key-escape", escape_seen(), "Esc released");
	latency_stats("keys");
}

/* ---- the tablet ---- */

static bool button_released(void)
{
	for (int i = 0; i < event_count; i++)
		if (events[i].type == FBK_INPUT_POINTER_BUTTON && !events[i].pointer.pressed)
			return true;
	return false;
}

/* Host: absolute (8192, 24576) of 0..32767, left button down and up. */
static void step_tablet(struct fbk_input *in, int32_t w, int32_t h)
{
	event_count = 0;
	ready("tablet");
	collect(in, button_released, 10000);
	double wx = w * 8192.0 / 32768, wy = h * 24576.0 / 32768;
	int m = find(FBK_INPUT_POINTER_MOTION, 0);
	int last = -1;
	for (int i = 0; i < event_count; i++)
		if (events[i].type == FBK_INPUT_POINTER_MOTION)
			last = i;
	check("tablet-motion", m >= 0 && near(events[last].pointer.x, wx) &&
				       near(events[last].pointer.y, wy),
	      "at (%.2f, %.2f), want (%.2f, %.2f)", last >= 0 ? events[last].pointer.x : -1,
	      last >= 0 ? events[last].pointer.y : -1, wx, wy);
	int down = find(FBK_INPUT_POINTER_BUTTON, 0);
	check("tablet-button", down >= 0 && events[down].pointer.button == BTN_LEFT &&
				       events[down].pointer.pressed && button_released() &&
				       near(events[down].pointer.x, wx),
	      "button %#x pressed %d at x %.2f", down >= 0 ? events[down].pointer.button : 0,
	      down >= 0 ? events[down].pointer.pressed : -1, down >= 0 ? events[down].pointer.x : -1);
	latency_stats("tablet");
}

/* ---- the mouse cursor ---- */

#define CURSOR_SIZE 10
#define CURSOR_HOT 2
#define CURSOR_COLOR 0xff00ffu

/* Before the tablet step: fbkit's software cursor on the fbdev display, an opaque square. */
static void cursor_on(struct fbk_display *display)
{
	uint32_t image[CURSOR_SIZE * CURSOR_SIZE];
	for (int i = 0; i < CURSOR_SIZE * CURSOR_SIZE; i++)
		image[i] = 0xff000000u | CURSOR_COLOR;
	struct fbk_cursor_options o = FBK_CURSOR_OPTIONS_INIT(
		.pixels = image, .width = CURSOR_SIZE, .height = CURSOR_SIZE,
		.hotspot_x = CURSOR_HOT, .hotspot_y = CURSOR_HOT);
	int err = fbk_display_set_cursor(display, &o);
	check("cursor-software", !err && fbk_display_cursor_mode(display) == FBK_CURSOR_SOFTWARE,
	      "set: %s, mode %d", err ? fbk_last_error() : "ok",
	      (int)fbk_display_cursor_mode(display));
}

static uint32_t screen_pixel(int x, int y);

/*
 * After the tablet moved the pointer to (w/4, 3h/4): the cursor is there
 * in the framebuffer, and gone from the middle where it started; then the
 * host checks QEMU's picture of the screen ("cursor-shot").
 */
static void step_cursor_moved(int32_t w, int32_t h)
{
	int x = (int)(w * 8192.0 / 32768), y = (int)(h * 24576.0 / 32768);
	int x0 = x - CURSOR_HOT, y0 = y - CURSOR_HOT, x1 = x0 + CURSOR_SIZE - 1,
	    y1 = y0 + CURSOR_SIZE - 1;
	uint32_t in[4] = { screen_pixel(x0, y0), screen_pixel(x1, y1), screen_pixel(x, y),
			   screen_pixel(x1, y0) };
	uint32_t out[3] = { screen_pixel(x0 - 1, y0), screen_pixel(x1 + 1, y1),
			    screen_pixel(w / 2, h / 2) };
	bool ok = true;
	for (int i = 0; i < 4; i++)
		ok &= in[i] == CURSOR_COLOR;
	for (int i = 0; i < 3; i++)
		ok &= out[i] != CURSOR_COLOR;
	check("cursor-follows", ok,
	      "framebuffer: %06x %06x %06x %06x inside the cursor at (%d, %d), %06x %06x "
	      "beside it, %06x where it started",
	      in[0], in[1], in[2], in[3], x, y, out[0], out[1], out[2]);
	ready("cursor-shot");
}

/* ---- the relative mouse ---- */

static int motions(void)
{
	int n = 0;
	for (int i = 0; i < event_count; i++)
		n += events[i].type == FBK_INPUT_POINTER_MOTION;
	return n;
}

static bool scrolled(void)
{
	return find(FBK_INPUT_POINTER_SCROLL, 0) >= 0;
}

struct position {
	double x, y;
};

/* The last motion's position, or (-1, -1). */
static struct position last_motion(void)
{
	for (int i = event_count - 1; i >= 0; i--)
		if (events[i].type == FBK_INPUT_POINTER_MOTION)
			return (struct position){ events[i].pointer.x, events[i].pointer.y };
	return (struct position){ -1, -1 };
}

static bool one_motion(void)
{
	return motions() >= 1;
}

/*
 * Host: the mouse moves far right and down (the pointer stops at the
 * last pixel), far back (at 0, 0), a little right, then the wheel turns
 * up one click. libinput accelerates motion, so only where the pointer
 * stops is exact.
 */
static void step_mouse(struct fbk_input *in, int32_t w, int32_t h)
{
	event_count = 0;
	ready("mouse-far");
	collect(in, one_motion, 5000);
	double x = last_motion().x, y = last_motion().y;
	check("mouse-clamp-far", x < w && x > w - 1.01 && y < h && y > h - 1.01,
	      "at (%.3f, %.3f), want the last pixel (%d, %d)", x, y, w - 1, h - 1);
	event_count = 0;
	ready("mouse-back");
	collect(in, one_motion, 5000);
	x = last_motion().x;
	y = last_motion().y;
	check("mouse-clamp-back", x == 0 && y == 0, "at (%.3f, %.3f), want (0, 0)", x, y);
	event_count = 0;
	ready("mouse-step");
	collect(in, one_motion, 5000);
	int m = find(FBK_INPUT_POINTER_MOTION, 0);
	check("mouse-step", m >= 0 && events[m].pointer.dx > 0 && events[m].pointer.x > 0 &&
				    events[m].pointer.x == events[m].pointer.dx &&
				    events[m].pointer.y == 0,
	      "moved by %.3f to (%.3f, %.3f)", m >= 0 ? events[m].pointer.dx : 0,
	      m >= 0 ? events[m].pointer.x : -1, m >= 0 ? events[m].pointer.y : -1);
	event_count = 0;
	ready("wheel");
	collect(in, scrolled, 5000);
	int sc = find(FBK_INPUT_POINTER_SCROLL, 0);
	check("mouse-wheel", sc >= 0 && events[sc].pointer.scroll_y == -1 &&
				     events[sc].pointer.scroll_x == 0,
	      "scroll (%.3f, %.3f), want (0, -1): one click up",
	      sc >= 0 ? events[sc].pointer.scroll_x : 0, sc >= 0 ? events[sc].pointer.scroll_y : 0);
}

/* ---- the VT keyboard ---- */

static int kb_mode(void)
{
	int mode = -1;
	if (ioctl(STDIN_FILENO, KDGKBMODE, &mode))
		return -errno;
	return mode;
}

/* A child holds display and input, says so on a pipe, then dies of `sig`. */
static void step_death(int sig, int saved)
{
	int to_parent[2], to_child[2];
	if (pipe(to_parent) || pipe(to_child))
		return;
	pid_t pid = fork();
	if (pid == 0) {
		struct fbk_display *d;
		struct fbk_input *in;
		char c = 'x';
		if (!fbk_display_open(&d, "fbdev") && !fbk_input_open(&in, d, "")) {
			/* udev's keyboards are found by the first dispatch */
			struct pollfd p = { .fd = fbk_input_fd(in), .events = POLLIN };
			if (poll(&p, 1, 2000) == 1)
				fbk_input_dispatch(in, record, NULL);
			c = 'r';
		}
		if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(3);
		if (sig == SIGSEGV) {
			volatile int *volatile nowhere = NULL;
			*nowhere = 1;
		}
		pause();
		_exit(4);
	}
	char c = 0;
	if (read(to_parent[0], &c, 1) != 1)
		c = 0;
	int running = kb_mode();
	if (write(to_child[1], "g", 1) != 1)
		c = 0;
	if (sig != SIGSEGV)
		kill(pid, sig);
	int status = 0;
	waitpid(pid, &status, 0);
	int after = kb_mode();
	char name[32];
	snprintf(name, sizeof(name), "kbmode-%s", sig == SIGSEGV ? "sigsegv" : "sigterm");
	check(name, c == 'r' && running == K_OFF && WIFSIGNALED(status) && WTERMSIG(status) == sig &&
			    after == saved,
	      "child opened %c, mode %d while running, died %s (%d), then mode %d (want %d)", c,
	      running, WIFSIGNALED(status) ? "of a signal" : "otherwise",
	      WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), after, saved);
	close(to_parent[0]);
	close(to_parent[1]);
	close(to_child[0]);
	close(to_child[1]);
}

static int active_vt(void)
{
	struct vt_stat vs;
	return ioctl(STDIN_FILENO, VT_GETSTATE, &vs) ? -1 : vs.v_active;
}

static bool f5_seen(void)
{
	return find_key(KEY_F5, FBK_KEY_RELEASED) >= 0;
}

/* Host: Ctrl+Alt+F2, then, once the VT is 2, Ctrl+Alt+F1, then F5. */
static void step_vt_switch(int saved)
{
	struct fbk_display *d;
	struct fbk_input *in;
	if (!open_both("vt-switch", "fbdev,vt-switch", "", &d, &in))
		return;
	event_count = 0;
	collect(in, f5_seen, 300);
	event_count = 0;
	int before = active_vt();
	ready("vt2");
	int after = -1;
	for (int i = 0; i < 100 && after != 2; i++) {
		collect(in, f5_seen, 50);
		after = active_vt();
	}
	int delivered = find_key(KEY_F2, FBK_KEY_PRESSED);
	check("vt-switch-away", before == 1 && after == 2 && delivered < 0,
	      "VT %d -> %d, F2 delivered: %s", before, after, delivered >= 0 ? "yes" : "no");
	/* On VT 2 nothing reaches the program; VT 2's own keyboard works. */
	event_count = 0;
	ready("vt1");
	for (int i = 0; i < 100 && active_vt() != 1; i++)
		collect(in, f5_seen, 50);
	event_count = 0;
	ready("f5");
	collect(in, f5_seen, 10000);
	check("vt-switch-back", active_vt() == 1 && f5_seen() && fbk_display_needs_redraw(d),
	      "VT %d, F5 after the return: %s", active_vt(), f5_seen() ? "yes" : "no");
	fbk_input_close(in);
	fbk_display_close(d);
	check("vt-switch-mode", kb_mode() == saved, "mode %d after close (want %d)", kb_mode(),
	      saved);
}

/*
 * input= names the touchscreen alone: its touches arrive through
 * libinput's path backend, the VT keyboard stays as it was (no keyboard
 * is read), and without its udev entry the open fails and says why.
 */
static void step_paths(int saved)
{
	struct fbk_display *d;
	struct fbk_input *in;
	char spec[320];
	snprintf(spec, sizeof(spec), "input=%s", touch_node);
	if (!touch_node[0]) {
		check("paths", false, "no touchscreen node");
		return;
	}
	if (!open_both("paths", "fbdev", spec, &d, &in))
		return;
	int err;
	int mode = kb_mode();
	event_count = 0;
	collect(in, two_ups, 300);
	event_count = 0;
	touch_at(200, 2048, 2048, 0);
	collect(in, two_ups, 2000);
	int down = find(FBK_INPUT_TOUCH_DOWN, 0);
	struct fbk_surface *s = fbk_display_surface(d);
	check("paths", mode == saved && down >= 0 && near(events[down].touch.x, s->width / 2.0) &&
			       near(events[down].touch.y, s->height / 2.0),
	      "%s: keyboard mode %d (want %d, untouched), touch at (%.2f, %.2f)", spec, mode, saved,
	      down >= 0 ? events[down].touch.x : -1, down >= 0 ? events[down].touch.y : -1);
	fbk_input_close(in);

	/* No udev entry: refused, with the entry named */
	char dev[32] = "", entry[64];
	char path[400];
	snprintf(path, sizeof(path), "%s/dev", touch_entry);
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(dev, sizeof(dev), f))
			dev[0] = '\0';
		fclose(f);
	}
	dev[strcspn(dev, "\n")] = '\0';
	snprintf(entry, sizeof(entry), "/run/udev/data/c%s", dev);
	rename(entry, "/run/udev/hidden");
	err = fbk_input_open(&in, d, spec);
	check("paths-no-udev", err == -ENODEV && strstr(fbk_last_error(), entry),
	      "without %s: %d, %s", entry, err, fbk_last_error());
	if (!err)
		fbk_input_close(in);
	rename("/run/udev/hidden", entry);
	fbk_display_close(d);
}

/*
 * rotate=90 and 270: the picture is turned on the panel, the touchscreen
 * is not. A touch at panel pixel (px, py) of a Wp x Hp panel lands where
 * display.h says the picture's pixel shown there comes from: at 90 the
 * picture's (x, y) is shown at the panel's (Wp - 1 - y, x), at 270 at
 * (y, Hp - 1 - x); in continuous coordinates x = py, y = Wp - px at 90
 * and x = Hp - py, y = px at 270.
 */
static void step_rotated(int rotation)
{
	char spec[320], display_spec[64], name[32];
	snprintf(name, sizeof(name), "touch-rotate-%d", rotation);
	snprintf(spec, sizeof(spec), "input=%s", touch_node);
	snprintf(display_spec, sizeof(display_spec), "fbdev,rotate=%d", rotation);
	struct fbk_display *d;
	struct fbk_input *in;
	if (!open_both(name, display_spec, spec, &d, &in))
		return;
	struct fbk_surface *s = fbk_display_surface(d);
	double wp = s->height, hp = s->width; /* the panel is the picture on its side */
	event_count = 0;
	collect(in, two_ups, 300);
	event_count = 0;
	/* (1024, 3072) of 0..4095: panel pixel (Wp / 4, 3 Hp / 4) */
	touch_at(300 + rotation, 1024, 3072, 0);
	collect(in, two_ups, 2000);
	double px = wp / 4, py = hp * 3 / 4;
	double wx = rotation == 90 ? py : hp - py, wy = rotation == 90 ? wp - px : px;
	int down = find(FBK_INPUT_TOUCH_DOWN, 0);
	check(name, fbk_display_rotation(d) == rotation && s->width < s->height && down >= 0 &&
			    near(events[down].touch.x, wx) && near(events[down].touch.y, wy),
	      "picture %dx%d, panel (%.0f, %.0f) -> (%.2f, %.2f), want (%.2f, %.2f)",
	      (int)s->width, (int)s->height, px, py, down >= 0 ? events[down].touch.x : -1,
	      down >= 0 ? events[down].touch.y : -1, wx, wy);
	fbk_input_close(in);
	fbk_display_close(d);
}

/* ---- the demos, driven by touch ---- */

/* The screen's pixel at (x, y), read from the framebuffer (XRGB8888 on bochs). */
static uint32_t screen_pixel(int x, int y)
{
	uint32_t p = 0;
	int fd = open("/dev/fb0", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (pread(fd, &p, sizeof(p), (off_t)y * 1280 * 4 + (off_t)x * 4) != (ssize_t)sizeof(p))
			p = 0;
		close(fd);
	}
	return p & 0xffffff;
}

/* A tap at (u, v) of the touchscreen's 0..4095; `hold` leaves the finger down. */
static void tap(int u, int v, bool hold)
{
	touch_at(400, u, v, hold ? -1 : 50);
}

static pid_t start_tool(char *const argv[])
{
	char env[400];
	snprintf(env, sizeof(env), "input=%s", touch_node);
	pid_t pid = fork();
	if (pid == 0) {
		setenv("FBKIT_INPUT", env, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Wait up to `ms` for the child to exit; its status, or -1 if it is still running. */
static int wait_exit(pid_t pid, int ms)
{
	int status;
	for (int i = 0; i < ms / 50; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(50000);
	}
	return -1;
}

/* Wait up to `ms` for the screen's centre to become `want`. */
static uint32_t wait_pixel(int x, int y, uint32_t want, int ms)
{
	uint32_t p = screen_pixel(x, y);
	for (int i = 0; i < ms / 50 && p != want; i++) {
		usleep(50000);
		p = screen_pixel(x, y);
	}
	return p;
}

/* fbkit-view with a red and a blue picture: a tap on the right half shows the next, on the left the previous. */
static void step_view(void)
{
	char *argv[] = { "/bin/fbkit-view", "--display", "fbdev", "/img/red.png", "/img/blue.png", NULL };
	pid_t pid = start_tool(argv);
	uint32_t first = wait_pixel(640, 400, 0xff0000, 5000);
	/* the input is opened after the first picture: tap again until it is read */
	uint32_t next = 0, back = 0;
	for (int i = 0; i < 10 && next != 0x0000ff; i++) {
		tap(3500, 2048, false);
		next = wait_pixel(640, 400, 0x0000ff, 1000);
	}
	tap(500, 2048, false);
	back = wait_pixel(640, 400, 0xff0000, 3000);
	kill(pid, SIGTERM);
	int status = wait_exit(pid, 5000);
	check("view-touch", first == 0xff0000 && next == 0x0000ff && back == 0xff0000,
	      "centre %06x, after a tap on the right %06x, on the left %06x; exit status %#x",
	      first, next, back, status);
}

/* fbkit-demo: a finger held down shows the marker under it; a tap in a corner quits. */
static void step_demo(void)
{
	char *argv[] = { "/bin/fbkit-demo", "--display", "fbdev", "--images", "/img", "-q", NULL };
	pid_t pid = start_tool(argv);
	/* a finger put down before the input is open is not seen: again until it is */
	uint32_t marker = 0;
	for (int i = 0; i < 10 && (marker >> 16 & 0xff) < 180; i++) {
		usleep(500000);
		tap(2048, 3072, true); /* (640, 600) */
		marker = wait_pixel(640, 600, 0xffffff, 1000);
		tap(2048, 3072, false);
	}
	int before = wait_exit(pid, 200);
	tap(0, 0, false);
	int status = wait_exit(pid, 5000);
	if (status < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	bool white = (marker >> 16 & 0xff) >= 180 && (marker >> 8 & 0xff) >= 180 && (marker & 0xff) >= 180;
	check("demo-touch", white && before < 0 && status == 0,
	      "under the finger %06x (want near white), running until the corner tap: %s, exit "
	      "status %#x",
	      marker, before < 0 ? "yes" : "no", status);
}

/* ---- hot-plug, with udevd running ---- */

#define HOTPLUG_NAME "fbkit-vm hotplug keyboard"

static bool hotplug_added(void)
{
	return strstr(device_log, "added:" HOTPLUG_NAME ";") != NULL;
}

static bool hotplug_removed(void)
{
	return strstr(device_log, "removed:" HOTPLUG_NAME ";") != NULL;
}

static bool h_released(void)
{
	return find_key(KEY_H, FBK_KEY_RELEASED) >= 0;
}

/*
 * udevd runs (started by /init after the steps above): the devices come
 * with the entries udevd wrote, a keyboard made with uinput while the
 * input is open appears, types, and goes away.
 */
static int step_hotplug(void)
{
	struct fbk_display *d;
	struct fbk_input *in;
	if (fbk_display_open(&d, "fbdev") || fbk_input_open(&in, d, "")) {
		check("hotplug-open", false, "%s", fbk_last_error());
		return 1;
	}
	event_count = 0;
	collect(in, hotplug_added, 500);
	check("hotplug-udevd", strstr(device_log, "added:QEMU Virtio Keyboard;") != NULL,
	      "devices found through udevd's entries: %s", device_log);
	int fd = open("/dev/uinput", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	struct uinput_setup setup = { .id = { .bustype = BUS_VIRTUAL, .vendor = 0x1, .product = 0x3 } };
	snprintf(setup.name, sizeof(setup.name), HOTPLUG_NAME);
	ioctl(fd, UI_SET_EVBIT, EV_KEY);
	for (int k = KEY_ESC; k <= KEY_SLASH; k++)
		ioctl(fd, UI_SET_KEYBIT, k);
	if (fd < 0 || ioctl(fd, UI_DEV_SETUP, &setup) || ioctl(fd, UI_DEV_CREATE)) {
		check("hotplug-added", false, "uinput: %s", strerror(errno));
		return 1;
	}
	uint64_t made = now_us();
	collect(in, hotplug_added, 10000);
	check("hotplug-added", hotplug_added(), "after %llu ms: %s",
	      (unsigned long long)((now_us() - made) / 1000), device_log);
	touch_fd = fd;
	event_count = 0;
	emit(EV_KEY, KEY_H, 1);
	emit(EV_SYN, SYN_REPORT, 0);
	emit(EV_KEY, KEY_H, 0);
	emit(EV_SYN, SYN_REPORT, 0);
	collect(in, h_released, 5000);
	int h = find_key(KEY_H, FBK_KEY_PRESSED);
	check("hotplug-key", h >= 0 && !strcmp(events[h].key.text, "h"), "H typed '%s'",
	      h >= 0 ? events[h].key.text : "");
	ioctl(fd, UI_DEV_DESTROY);
	close(fd);
	collect(in, hotplug_removed, 10000);
	check("hotplug-removed", hotplug_removed(), "%s", device_log);
	fbk_input_close(in);
	fbk_display_close(d);
	say("END failures=%d", failures);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 && !strncmp(argv[1], "--control=", 10) ? argv[1] + 10 : NULL;
	control_fd = path ? open(path, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
	if (control_fd < 0)
		return 2;
	struct termios t;
	if (!tcgetattr(control_fd, &t)) {
		cfmakeraw(&t);
		tcsetattr(control_fd, TCSANOW, &t);
	}
	control = fdopen(dup(control_fd), "w");
	if (!control)
		return 2;
	setenv("XKB_DEFAULT_LAYOUT", "us", 1);
	if (argc > 2 && !strcmp(argv[2], "--hotplug"))
		return step_hotplug();

	make_touchscreen();
	udev_db();
	int saved = kb_mode();
	say("NOTE tty1 keyboard mode %d", saved);

	struct fbk_display *display;
	if (fbk_display_open(&display, "fbdev")) {
		check("display", false, "%s", fbk_last_error());
		say("END");
		return 1;
	}
	struct fbk_surface *s = fbk_display_surface(display);
	int32_t w = s->width, h = s->height;
	say("NOTE display %dx%d", w, h);
	struct fbk_input *in;
	if (fbk_input_open(&in, display, "repeat=300:20")) {
		check("input-open", false, "%s", fbk_last_error());
		fbk_display_close(display);
		say("END");
		return 1;
	}
	event_count = 0;
	collect(in, two_ups, 300); /* the devices found */
	check("kbmode-running", kb_mode() == K_OFF, "mode %d with the input open (K_OFF is %d)",
	      kb_mode(), K_OFF);

	step_touch(in, w, h);
	step_keys(in);
	cursor_on(display);
	step_tablet(in, w, h);
	step_cursor_moved(w, h);
	step_mouse(in, w, h);

	fbk_input_close(in);
	check("kbmode-close", kb_mode() == saved, "mode %d after close (want %d)", kb_mode(), saved);
	fbk_display_close(display);

	step_death(SIGTERM, saved);
	step_death(SIGSEGV, saved);
	step_vt_switch(saved);
	step_paths(saved);
	step_rotated(90);
	step_rotated(270);
	step_view();
	step_demo();
	say("END failures=%d", failures);
	return failures ? 1 : 0;
}
