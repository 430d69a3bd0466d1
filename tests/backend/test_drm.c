/*
 * The DRM backend without a device: the mode= option, connector names as
 * libdrm spells them, the choice of connector, mode and CRTC from
 * fabricated lists, the lists error messages print, and the swap chain's
 * damage bookkeeping checked against a pixel model over many random
 * presents (1, 2 and 3 buffers). Then bad devices and options, each with
 * its own clear error and signal handling left as it was.
 *
 *     test_drm            everything above (no device needed)
 *     test_drm --device   open a real card; skipped (77) without one
 *
 * Real drivers are tested in the VM (tests/vm).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "display_checks.h"

#if FBK_HAVE_DRM
#include <dirent.h>

#include "backend/damage.h"
#include "backend/drm_modes.h"
#endif

static char temp_dir[256];


#if FBK_HAVE_DRM

/* ---------------------------------------------------------------- mode= */

static void test_parse_mode(void)
{
	static const struct {
		const char *text;
		int32_t w, h;
		uint32_t hz;
	} good[] = {
		{ "1280x800", 1280, 800, 0 },      { "1920x1080@60", 1920, 1080, 60 },
		{ "1x1@1", 1, 1, 1 },              { "32767x32767@1000", 32767, 32767, 1000 },
		{ "640x480@075", 640, 480, 75 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct fbk_drm_mode_request r = { -1, -1, 99 };
		int err = fbk_drm_parse_mode(good[i].text, &r);
		CHECK(err == 0, "'%s': %d %s", good[i].text, err, fbk_last_error());
		CHECK(r.width == good[i].w && r.height == good[i].h && r.refresh == good[i].hz,
		      "'%s': %dx%d@%u", good[i].text, (int)r.width, (int)r.height,
		      (unsigned)r.refresh);
	}
	static const struct {
		const char *text, *needle;
	} bad[] = {
		{ "", "width" },
		{ "x", "width" },
		{ "1280", "'x'" },
		{ "1280x", "height" },
		{ "1280x800@", "no refresh rate" },
		{ "1280x800@0", "1..1000" },
		{ "1280x800@1001", "1..1000" },
		{ "1280x800@99999999999999999999", "1..1000" },
		{ "1280x800@60.5", "whole number" },
		{ "1280x800@-1", "whole number" },
		{ "1280x800@60Hz", "whole number" },
		{ "1280x800@60@60", "whole number" },
		{ "0x800", "outside" },
		{ "40000x800", "outside" },
		{ "@60", "width" },
		{ "1280X800", "'x'" },
		{ "123456789012345678901234567890123x1", "too long" },
		{ "12\x01x5", "mode '12?x5'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fbk_drm_mode_request r = { 7, 8, 9 };
		int err = fbk_drm_parse_mode(bad[i].text, &r);
		CHECK(err == -EINVAL, "'%s' accepted (%d)", bad[i].text, err);
		CHECK(strstr(fbk_last_error(), bad[i].needle), "'%s': message '%s' lacks '%s'",
		      bad[i].text, fbk_last_error(), bad[i].needle);
		CHECK(r.width == 7 && r.height == 8 && r.refresh == 9, "'%s': output changed",
		      bad[i].text);
	}
}

/* ---------------------------------------------------------------- connectors */

static void test_connector_names(void)
{
	static const struct {
		uint32_t type, id;
		const char *name;
	} names[] = {
		{ DRM_MODE_CONNECTOR_HDMIA, 1, "HDMI-A-1" },
		{ DRM_MODE_CONNECTOR_HDMIB, 2, "HDMI-B-2" },
		{ DRM_MODE_CONNECTOR_VGA, 1, "VGA-1" },
		{ DRM_MODE_CONNECTOR_VIRTUAL, 1, "Virtual-1" },
		{ DRM_MODE_CONNECTOR_eDP, 1, "eDP-1" },
		{ DRM_MODE_CONNECTOR_DisplayPort, 3, "DP-3" },
		{ DRM_MODE_CONNECTOR_DVII, 1, "DVI-I-1" },
		{ DRM_MODE_CONNECTOR_DSI, 1, "DSI-1" },
		{ DRM_MODE_CONNECTOR_LVDS, 1, "LVDS-1" },
		{ DRM_MODE_CONNECTOR_Unknown, 1, "Unknown-1" },
		{ 999, 4, "Type999-4" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char out[48];
		fbk_drm_connector_name(names[i].type, names[i].id, out, sizeof(out));
		CHECK(!strcmp(out, names[i].name), "type %u id %u: '%s', want '%s'",
		      (unsigned)names[i].type, (unsigned)names[i].id, out, names[i].name);
	}
	char tiny[4];
	fbk_drm_connector_name(DRM_MODE_CONNECTOR_HDMIA, 1, tiny, sizeof(tiny));
	CHECK(!strcmp(tiny, "HDM"), "cut name '%s'", tiny);
	CHECK(!strcmp(fbk_drm_connection_name(DRM_MODE_CONNECTED), "connected") &&
		      !strcmp(fbk_drm_connection_name(DRM_MODE_DISCONNECTED), "disconnected") &&
		      !strcmp(fbk_drm_connection_name(DRM_MODE_UNKNOWNCONNECTION), "unknown"),
	      "connection names");
}

static drmModeModeInfo mode(uint16_t w, uint16_t h, uint32_t hz, bool preferred)
{
	drmModeModeInfo m;
	memset(&m, 0, sizeof(m));
	m.hdisplay = w;
	m.vdisplay = h;
	m.vrefresh = hz;
	m.type = DRM_MODE_TYPE_DRIVER | (preferred ? DRM_MODE_TYPE_PREFERRED : 0);
	snprintf(m.name, sizeof(m.name), "%ux%u", (unsigned)w, (unsigned)h);
	return m;
}

static drmModeConnector connector(uint32_t id, uint32_t type, uint32_t type_id,
				  drmModeConnection state, drmModeModeInfo *modes, int count)
{
	drmModeConnector c;
	memset(&c, 0, sizeof(c));
	c.connector_id = id;
	c.connector_type = type;
	c.connector_type_id = type_id;
	c.connection = state;
	c.modes = modes;
	c.count_modes = count;
	return c;
}

static void test_pick_connector(void)
{
	drmModeModeInfo modes[1] = { mode(1024, 768, 60, true) };
	drmModeConnector c[] = {
		connector(30, DRM_MODE_CONNECTOR_VGA, 1, DRM_MODE_DISCONNECTED, NULL, 0),
		connector(31, DRM_MODE_CONNECTOR_HDMIA, 1, DRM_MODE_CONNECTED, NULL, 0),
		connector(32, DRM_MODE_CONNECTOR_HDMIA, 2, DRM_MODE_UNKNOWNCONNECTION, modes, 1),
		connector(33, DRM_MODE_CONNECTOR_DisplayPort, 1, DRM_MODE_CONNECTED, modes, 1),
		connector(34, DRM_MODE_CONNECTOR_VIRTUAL, 1, DRM_MODE_CONNECTED, modes, 1),
	};
	drmModeConnector *list[] = { &c[0], &c[1], &c[2], &c[3], &c[4] };
	size_t n = sizeof(list) / sizeof(list[0]);
	/* Connected with modes: a connected connector without modes cannot be used. */
	CHECK(fbk_drm_pick_connector(list, n, NULL) == 3, "first connected: %d",
	      fbk_drm_pick_connector(list, n, NULL));
	CHECK(fbk_drm_pick_connector(list, n, "VGA-1") == 0, "VGA-1 by name, disconnected");
	CHECK(fbk_drm_pick_connector(list, n, "hdmi-a-2") == 2, "name without regard to case");
	CHECK(fbk_drm_pick_connector(list, n, "Virtual-1") == 4, "Virtual-1");
	CHECK(fbk_drm_pick_connector(list, n, "HDMI-A-3") == -1, "no HDMI-A-3");
	CHECK(fbk_drm_pick_connector(list, n, "HDMI-A") == -1, "a prefix is no name");
	CHECK(fbk_drm_pick_connector(list, n, "") == -1, "empty name");
	CHECK(fbk_drm_pick_connector(list, 3, NULL) == -1, "none connected with modes");
	CHECK(fbk_drm_pick_connector(list, 0, NULL) == -1, "no connectors");

	char text[200];
	fbk_drm_list_connectors(list, n, text, sizeof(text));
	CHECK(!strcmp(text, "VGA-1 (disconnected), HDMI-A-1 (connected), HDMI-A-2 (unknown), "
			    "DP-1 (connected), Virtual-1 (connected)"),
	      "connector list '%s'", text);
	fbk_drm_list_connectors(list, n, text, 50);
	CHECK(strlen(text) < 50 && !strcmp(text + strlen(text) - 5, ", ...") &&
		      !strncmp(text, "VGA-1 (disconnected)", 20),
	      "cut connector list '%s'", text);
	fbk_drm_list_connectors(list, 0, text, sizeof(text));
	CHECK(!strcmp(text, ""), "empty connector list '%s'", text);
}

/* ---------------------------------------------------------------- modes */

static void test_refresh(void)
{
	drmModeModeInfo m = mode(1920, 1080, 0, false);
	m.clock = 148500; /* CEA 1080p60: 2200 x 1125 */
	m.htotal = 2200;
	m.vtotal = 1125;
	CHECK(fbk_drm_mode_refresh(&m) == 60, "1080p60 from timings: %u",
	      (unsigned)fbk_drm_mode_refresh(&m));
	m.flags = DRM_MODE_FLAG_INTERLACE;
	m.clock = 74250;
	CHECK(fbk_drm_mode_refresh(&m) == 60, "1080i60 from timings: %u",
	      (unsigned)fbk_drm_mode_refresh(&m));
	char name[48];
	fbk_drm_mode_name(&m, name, sizeof(name));
	CHECK(!strcmp(name, "1920x1080i@60"), "interlaced name '%s'", name);
	m.vrefresh = 50;
	CHECK(fbk_drm_mode_refresh(&m) == 50, "the kernel's vrefresh wins");
	m = mode(640, 480, 0, false);
	CHECK(fbk_drm_mode_refresh(&m) == 0, "no timings, no refresh");
	m.clock = 25175;
	m.htotal = 800;
	m.vtotal = 525;
	CHECK(fbk_drm_mode_refresh(&m) == 60, "VGA 59.94 rounds to 60: %u",
	      (unsigned)fbk_drm_mode_refresh(&m));
	m.flags = DRM_MODE_FLAG_DBLSCAN;
	CHECK(fbk_drm_mode_refresh(&m) == 30, "double scan halves: %u",
	      (unsigned)fbk_drm_mode_refresh(&m));
}

static int pick(const drmModeModeInfo *modes, size_t n, const char *want)
{
	struct fbk_drm_mode_request r;
	if (!want)
		return fbk_drm_pick_mode(modes, n, NULL);
	if (fbk_drm_parse_mode(want, &r))
		return -100;
	return fbk_drm_pick_mode(modes, n, &r);
}

static void test_pick_mode(void)
{
	drmModeModeInfo modes[] = {
		mode(1920, 1080, 60, false), mode(1920, 1080, 50, false),
		mode(1280, 800, 75, true),   mode(1280, 800, 60, false),
		mode(1024, 768, 60, false),  mode(1920, 1080, 60, false),
		mode(720, 576, 50, false),   mode(720, 576, 50, false),
	};
	modes[0].flags = DRM_MODE_FLAG_INTERLACE;
	modes[6].flags = DRM_MODE_FLAG_INTERLACE;
	modes[7].flags = DRM_MODE_FLAG_INTERLACE;
	size_t n = sizeof(modes) / sizeof(modes[0]);
	CHECK(pick(modes, n, NULL) == 2, "preferred: %d", pick(modes, n, NULL));
	CHECK(pick(modes, 2, NULL) == 0, "no preferred: the first");
	CHECK(pick(modes, 0, NULL) == -1, "no modes");
	CHECK(pick(modes, n, "1280x800") == 2, "size of the preferred");
	CHECK(pick(modes, n, "1280x800@60") == 3, "refresh given");
	CHECK(pick(modes, n, "1920x1080") == 1, "progressive before interlaced: %d",
	      pick(modes, n, "1920x1080"));
	CHECK(pick(modes, n, "1920x1080@60") == 5, "progressive at 60: %d",
	      pick(modes, n, "1920x1080@60"));
	CHECK(pick(modes, n, "720x576") == 6, "only interlaced: the first: %d",
	      pick(modes, n, "720x576"));
	CHECK(pick(modes, n, "800x600") == -1, "absent size");
	CHECK(pick(modes, n, "1024x768@75") == -1, "absent refresh");
	CHECK(pick(modes, 0, "1024x768") == -1, "no modes to match");

	char text[300];
	size_t next = fbk_drm_list_modes(modes, n, 0, text, sizeof(text));
	CHECK(next == n, "whole list: %zu", next);
	CHECK(!strcmp(text, "1920x1080i@60, 1920x1080@50, 1280x800@75 (preferred), 1280x800@60, "
			    "1024x768@60, 1920x1080@60, 720x576i@50"),
	      "mode list '%s'", text);
	/* In parts: every entry exactly once, no part longer than asked. */
	char joined[300] = "";
	size_t parts = 0;
	for (size_t at = 0; at < n; parts++) {
		size_t after = fbk_drm_list_modes(modes, n, at, text, 40);
		CHECK(after > at && strlen(text) < 40, "part from %zu: '%s' (next %zu)", at, text,
		      after);
		if (after <= at)
			break;
		snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
			 parts ? ", " : "", text);
		at = after;
	}
	CHECK(parts > 1, "a 40-byte limit took %zu parts", parts);
	CHECK(strstr(joined, "1280x800@75 (preferred)") && strstr(joined, "720x576i@50") &&
		      strstr(joined, "1024x768@60"),
	      "parts joined '%s'", joined);
	CHECK(fbk_drm_list_modes(modes, n, 0, text, 5) == 0 && !strcmp(text, ""),
	      "nothing fits: '%s'", text);
}

static void test_pick_crtc(void)
{
	bool busy[4] = { false, true, false, false };
	CHECK(fbk_drm_pick_crtc(0xf, 3, busy, 4) == 3, "the current CRTC first");
	CHECK(fbk_drm_pick_crtc(0x6, 0, busy, 4) == 2, "current not reachable: a free one");
	CHECK(fbk_drm_pick_crtc(0x3, -1, busy, 4) == 0, "first free reachable");
	/* Not -EBUSY: that is another DRM master, where "auto" stops (test_display). */
	int err = fbk_drm_pick_crtc(0x2, -1, busy, 4);
	CHECK(err == -ENOSPC, "only a busy one reachable: %d, want -ENOSPC", err);
	CHECK(fbk_drm_pick_crtc(0x2, 1, busy, 4) == 1, "busy with this connector itself");
	err = fbk_drm_pick_crtc(0, -1, busy, 4);
	CHECK(err == -ENODEV, "no encoder reaches any: %d, want -ENODEV", err);
	err = fbk_drm_pick_crtc(0x10, -1, busy, 4);
	CHECK(err == -ENODEV, "a bit past the CRTC list: %d, want -ENODEV", err);
	CHECK(fbk_drm_pick_crtc(0xf, 7, busy, 4) == 0, "current index past the list ignored");
}

/* ---------------------------------------------------------------- damage */

#define GRID_W 13
#define GRID_H 9

/* Pictures as one value per pixel: which frame last wrote it. */
struct grid {
	uint32_t px[GRID_H][GRID_W];
};

static void grid_copy(struct grid *to, const struct grid *from, const struct fbk_rect *r)
{
	struct fbk_rect all = { 0, 0, GRID_W, GRID_H }, cut;
	if (!fbk_rect_intersect(r, &all, &cut))
		return;
	for (int32_t y = cut.y; y < cut.y + cut.h; y++)
		for (int32_t x = cut.x; x < cut.x + cut.w; x++)
			to->px[y][x] = from->px[y][x];
}

static struct fbk_rect random_rect(void)
{
	int32_t x = rng_range(0, GRID_W - 1), y = rng_range(0, GRID_H - 1);
	return (struct fbk_rect){ x, y, rng_range(1, GRID_W - x), rng_range(1, GRID_H - y) };
}

/* One random present sequence against the model; returns the front-buffer reads made. */
static size_t run_swap_model(size_t buffers, unsigned presents, int max_rects)
{
	struct fbk_swap swap;
	struct grid shadow, screen, buf[FBK_SWAP_MAX_BUFFERS];
	memset(&shadow, 0, sizeof(shadow));
	memset(&screen, 0, sizeof(screen));
	memset(buf, 0, sizeof(buf));
	fbk_swap_init(&swap, buffers);
	size_t reads = 0;
	for (uint32_t frame = 1; frame <= presents; frame++) {
		/* The application draws anywhere, presented or not. */
		for (int i = rng_range(0, 3); i > 0; i--) {
			struct fbk_rect r = random_rect();
			for (int32_t y = r.y; y < r.y + r.h; y++)
				for (int32_t x = r.x; x < r.x + r.w; x++)
					shadow.px[y][x] = frame;
		}
		struct fbk_rect rects[40];
		size_t n = (size_t)rng_range(1, max_rects);
		for (size_t i = 0; i < n; i++)
			rects[i] = rng_range(0, 9) ? random_rect() : (struct fbk_rect){ 0, 0, GRID_W, GRID_H };
		size_t back = fbk_swap_back(&swap);
		struct fbk_rect lag[FBK_DAMAGE_MAX_RECTS];
		size_t lagging = fbk_swap_catch_up(&swap, rects, n, lag);
		CHECK(lagging <= FBK_DAMAGE_MAX_RECTS, "catch-up list of %zu", lagging);
		for (size_t i = 0; i < lagging; i++)
			grid_copy(&buf[back], &buf[swap.front], &lag[i]);
		reads += lagging;
		for (size_t i = 0; i < n; i++)
			grid_copy(&buf[back], &shadow, &rects[i]);
		if (buffers > 1 && !rng_range(0, 7)) {
			/* The flip fails: written, never shown, and the screen stays. */
			fbk_swap_spoil(&swap, rects, n);
			continue;
		}
		for (size_t i = 0; i < n; i++)
			grid_copy(&screen, &shadow, &rects[i]); /* what must be seen */
		fbk_swap_shown(&swap, rects, n);
		CHECK(swap.front == back, "the back buffer did not become the front");
		if (memcmp(&buf[swap.front], &screen, sizeof(screen))) {
			CHECK(0, "%zu buffers, present %u: the screen is not what was presented",
			      buffers, (unsigned)frame);
			return reads;
		}
	}
	return reads;
}

static void test_swap_model(void)
{
	rng_seed(0x5eed0d4a);
	for (size_t buffers = 1; buffers <= FBK_SWAP_MAX_BUFFERS; buffers++) {
		for (int round = 0; round < 300; round++)
			run_swap_model(buffers, 40, 3);
		/* Long lists: the lag collapses into a bounding box and must stay right. */
		for (int round = 0; round < 100; round++)
			run_swap_model(buffers, 20, 40);
	}
}

/* The cases the backend meets most: full frames, and a box moving over a still picture. */
static void test_swap_costs(void)
{
	struct fbk_swap swap;
	struct fbk_rect all = { 0, 0, 640, 480 }, lag[FBK_DAMAGE_MAX_RECTS];
	fbk_swap_init(&swap, 2);
	for (int i = 0; i < 4; i++) {
		CHECK(fbk_swap_catch_up(&swap, &all, 1, lag) == 0, "full frame %d reads the front",
		      i);
		fbk_swap_shown(&swap, &all, 1);
	}
	struct fbk_rect box = { 10, 10, 20, 20 }, old = box;
	for (int i = 0; i < 10; i++) {
		box.x += 7;
		struct fbk_rect changed[2] = { old, box };
		size_t n = fbk_swap_catch_up(&swap, changed, 2, lag);
		/*
		 * The back was last shown a frame ago: after the full frames it
		 * lags by the whole screen, then only by the box two frames back.
		 */
		CHECK(n == 1, "moving box %d: %zu lagging rectangles", i, n);
		if (n == 1 && !i)
			CHECK(!memcmp(&lag[0], &all, sizeof(all)), "moving box 0: lag is not all");
		if (n == 1 && i)
			CHECK(lag[0].x == old.x - 7 && lag[0].w == 20, "moving box %d: lag at %d", i,
			      (int)lag[0].x);
		fbk_swap_shown(&swap, changed, 2);
		old = box;
	}
	/* One buffer never lags; clamping keeps the count sane. */
	fbk_swap_init(&swap, 1);
	CHECK(fbk_swap_back(&swap) == swap.front, "one buffer: back is front");
	fbk_swap_shown(&swap, &box, 1);
	CHECK(fbk_swap_catch_up(&swap, NULL, 0, lag) == 0, "one buffer lags");
	fbk_swap_init(&swap, 0);
	CHECK(swap.count == 1, "0 buffers clamped to %zu", swap.count);
	fbk_swap_init(&swap, 9);
	CHECK(swap.count == FBK_SWAP_MAX_BUFFERS, "9 buffers clamped to %zu", swap.count);
	/* Falling back to one buffer keeps the one on screen. */
	fbk_swap_init(&swap, 2);
	fbk_swap_shown(&swap, &box, 1);
	fbk_swap_single(&swap);
	CHECK(swap.front == 1 && fbk_swap_back(&swap) == 1, "single keeps the front");
}

static void test_damage_region(void)
{
	struct fbk_damage d = { 0 };
	struct fbk_rect r[] = { { 0, 0, 4, 4 }, { 1, 1, 2, 2 }, { 0, 0, 0, 9 }, { 5, 5, -1, 3 } };
	fbk_damage_add(&d, r, 4);
	CHECK(d.count == 1, "contained and empty rectangles added: %zu", d.count);
	for (int i = 0; i < FBK_DAMAGE_MAX_RECTS + 3; i++) {
		struct fbk_rect one = { 10 * i, 100, 3, 3 };
		fbk_damage_add(&d, &one, 1);
	}
	CHECK(d.count <= FBK_DAMAGE_MAX_RECTS, "region of %zu rectangles", d.count);
	/* Every rectangle added lies inside one of the region's. */
	for (int i = -1; i < FBK_DAMAGE_MAX_RECTS + 3; i++) {
		struct fbk_rect one = i < 0 ? r[0] : (struct fbk_rect){ 10 * i, 100, 3, 3 };
		bool inside = false;
		for (size_t j = 0; j < d.count; j++) {
			const struct fbk_rect *o = &d.rects[j];
			inside |= one.x >= o->x && one.y >= o->y && one.x + one.w <= o->x + o->w &&
				  one.y + one.h <= o->y + o->h;
		}
		CHECK(inside, "rectangle %d is not in the overflowed region", i);
	}
	/* Far-apart extremes: the bounding box saturates instead of overflowing. */
	struct fbk_damage far = { 0 };
	for (int i = 0; i <= FBK_DAMAGE_MAX_RECTS; i++) {
		struct fbk_rect one = { i % 2 ? INT32_MAX - 5 : INT32_MIN, i, 5, 1 };
		fbk_damage_add(&far, &one, 1);
	}
	CHECK(far.count == 1 && far.rects[0].x == INT32_MIN && far.rects[0].w == INT32_MAX,
	      "saturated box %d+%d", (int)far.rects[0].x, (int)far.rects[0].w);
}

#endif /* FBK_HAVE_DRM */

/* ---------------------------------------------------------------- bad devices and options */

static void test_bad_devices(void)
{
#if FBK_HAVE_DRM
	expect_open_fails("drm:/nonexistent-fbkit/card9", -ENOENT, "/nonexistent-fbkit/card9",
			  "no such device");
	expect_open_fails("drm:/dev/null", -ENOTTY, "/dev/null", "is not a DRM device");
	expect_not_device_nodes("drm", "is not a DRM device", temp_dir);
#else
	expect_open_fails("drm", -ENOTSUP, "built without libdrm", "fbdev");
	expect_open_fails("drm:/dev/dri/card0,mode=640x480", -ENOTSUP, "built without libdrm",
			  NULL);
#endif
}

static void test_bad_options(void)
{
#if FBK_HAVE_DRM
	expect_open_fails("drm:/dev/null,bogus", -EINVAL, "'bogus'",
			  "connector, mode, format, vt-switch, no-flip");
	expect_open_fails("drm,direct", -EINVAL, "'direct'", NULL);
	expect_open_fails("drm,mode", -EINVAL, "'mode' needs a value", NULL);
	expect_open_fails("drm,mode=abc", -EINVAL, "mode 'abc'", "WIDTHxHEIGHT");
	expect_open_fails("drm,mode=1280x800@", -EINVAL, "no refresh rate", NULL);
	expect_open_fails("drm,connector", -EINVAL, "'connector' needs a value", NULL);
	expect_open_fails("drm,format", -EINVAL, "'format' needs a value", "XR24");
	expect_open_fails("drm,format=XX99", -EINVAL, "unknown format 'XX99'", "RG16");
	expect_open_fails("drm,vt-switch=1", -EINVAL, "'vt-switch' takes no value", NULL);
	expect_open_fails("drm,no-flip=yes", -EINVAL, "'no-flip' takes no value", NULL);
	/* Options are checked before the device is opened. */
	expect_open_fails("drm:/nonexistent-fbkit/card9,mode=1x", -EINVAL, "height", NULL);
	/* Good options with a missing device: the device error. */
	expect_open_fails("drm:/nonexistent-fbkit/card9,connector=HDMI-A-1,mode=640x480@60,"
			  "format=RG16,vt-switch,no-flip",
			  -ENOENT, "no such device", NULL);
#endif
}

/* ---------------------------------------------------------------- a real card */

#if FBK_HAVE_DRM

/* Open the first card, check what it reports, present, and refuse a second opener. */
static int test_device(void)
{
	if (!have_drm_card())
		SKIP("no DRM card (/dev/dri/card*) on this machine; tests/vm tests real drivers");
	struct fbk_display *d;
	int err = fbk_display_open(&d, "drm");
	if (err == -EBUSY)
		SKIP("the display is in use: %s", fbk_last_error());
	CHECK(err == 0, "open drm: %s", fbk_last_error());
	if (err)
		return harness_exit();
	CHECK(!strcmp(fbk_display_backend(d), "drm"), "backend '%s'", fbk_display_backend(d));
	struct fbk_surface *s = fbk_display_surface(d);
	CHECK(fbk_surface_check(s) == 0, "surface: %s", fbk_last_error());
	void *pixels = s->pixels;
	fbk_fill(s, NULL, FBK_RGB(0, 0, 0));
	CHECK(fbk_display_present(d, NULL, 0) == 0, "present: %s", fbk_last_error());
	CHECK(fbk_display_present(d, &(struct fbk_rect){ 1, 1, 5, 5 }, 1) == 0, "present: %s",
	      fbk_last_error());
	CHECK(fbk_display_surface(d) == s && s->pixels == pixels, "the surface moved");
	/* Flips or not, a surface redefined in place is refused until it is put back. */
	const struct fbk_surface saved = *s;
	CHECK(fbk_surface_sub(s, s, &(struct fbk_rect){ 8, 8, 16, 16 }) == 0, "sub: %s",
	      fbk_last_error());
	CHECK(fbk_display_present(d, NULL, 0) == -EINVAL, "a redefined surface was presented");
	*s = saved;
	CHECK(fbk_display_present(d, NULL, 0) == 0, "present after putting the surface back: %s",
	      fbk_last_error());
	char text[4096];
	fbk_display_describe(d, text, sizeof(text));
	static const char *const keys[] = { "\ndevice: ",	  "\nconnector: ", "\ncrtc: ",
					    "\nprimary plane formats: ", "\nflips: ",
					    "\ndirtyfb: " };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		CHECK(strstr(text, keys[i]), "describe lacks '%s':\n%s", keys[i] + 1, text);
	struct fbk_display *second = NULL;
	err = fbk_display_open(&second, "drm");
	CHECK(err == -EBUSY && strstr(fbk_last_error(), "DRM master"),
	      "a second opener: %d %s", err, fbk_last_error());
	fbk_display_close(second);
	fbk_display_close(d);
	return harness_exit();
}
#endif

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--device")) {
#if FBK_HAVE_DRM
		return test_device();
#else
		SKIP("fbkit was built without libdrm");
#endif
	}
	/* The KMS choices are a case of their own (drm_model): skipped without libdrm. */
	if (argc > 1 && !strcmp(argv[1], "--model")) {
#if FBK_HAVE_DRM
		test_parse_mode();
		test_connector_names();
		test_pick_connector();
		test_refresh();
		test_pick_mode();
		test_pick_crtc();
		test_damage_region();
		test_swap_costs();
		test_swap_model();
		return harness_exit();
#else
		SKIP("fbkit was built without libdrm: the DRM backend that makes these choices "
		     "is not built");
#endif
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(temp_dir, sizeof(temp_dir), "%s/fbkit-test-drm-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(temp_dir)) {
		fprintf(stderr, "cannot create a temporary folder: %s\n", strerror(errno));
		return 1;
	}
	test_bad_devices();
	test_bad_options();
	rmdir(temp_dir);
	return harness_exit();
}
