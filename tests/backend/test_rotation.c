/*
 * Rotated displays (rotate=) on the offscreen backend, whose screen memory
 * a file= mapping shows as the panel holds it: for every rotation and
 * pixels of 2, 3 and 4 bytes, a pattern drawn on the picture lands on the
 * panel where fbk_display_rotation() says; a present of a few rectangles
 * changes the panel there and nowhere else; fbk_display_read_front(),
 * fbk_offscreen_file_read() and FBKIT_SNAPSHOT give back the picture, not
 * the panel; and the spec's mistakes are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"

#define PANEL_W 37
#define PANEL_H 23

static const int rotations[] = { 0, 90, 180, 270 };
static const char *const formats[] = { "RG16", "RG24", "XR24" };

/* Where picture pixel (x, y) is on the panel: the mapping display.h documents. */
static void panel_position(int rotation, int32_t x, int32_t y, int32_t *px, int32_t *py)
{
	switch (rotation) {
	case 90:
		*px = PANEL_W - 1 - y;
		*py = x;
		break;
	case 180:
		*px = PANEL_W - 1 - x;
		*py = PANEL_H - 1 - y;
		break;
	case 270:
		*px = y;
		*py = PANEL_H - 1 - x;
		break;
	default:
		*px = x;
		*py = y;
	}
}

/* A value per pixel and frame that no two pixels of a frame share in their first two bytes. */
static void pattern(uint8_t *p, size_t bpp, int32_t x, int32_t y, unsigned frame)
{
	uint32_t v = (uint32_t)(y * 64 + x) ^ frame * 0x9e3779b9u;
	for (size_t i = 0; i < bpp; i++)
		p[i] = (uint8_t)(v >> (8 * (i % 4)));
}

static void draw(struct fbk_surface *s, unsigned frame)
{
	size_t bpp = fbk_format_info(s->format)->bytes_per_pixel;
	for (int32_t y = 0; y < s->height; y++)
		for (int32_t x = 0; x < s->width; x++)
			pattern((uint8_t *)s->pixels + (size_t)y * s->stride + (size_t)x * bpp, bpp,
				x, y, frame);
}

static bool inside(const struct fbk_rect *rects, size_t n, int32_t x, int32_t y)
{
	for (size_t i = 0; i < n; i++)
		if (x >= rects[i].x && x < rects[i].x + rects[i].w && y >= rects[i].y &&
		    y < rects[i].y + rects[i].h)
			return true;
	return false;
}

/*
 * The panel (the file's pixels) shows frame `now` at the picture's pixels
 * inside rects, frame `before` elsewhere. Returns the pixels that do not.
 */
static size_t check_panel(const uint8_t *map, int rotation, size_t bpp, int32_t w, int32_t h,
			  const struct fbk_rect *rects, size_t n, unsigned now, unsigned before)
{
	const struct fbk_offscreen_file_header *hd = (const void *)map;
	size_t wrong = 0;
	for (int32_t y = 0; y < h; y++)
		for (int32_t x = 0; x < w; x++) {
			int32_t px, py;
			panel_position(rotation, x, y, &px, &py);
			uint8_t want[4];
			pattern(want, bpp, x, y, inside(rects, n, x, y) ? now : before);
			const uint8_t *got = map + hd->pixel_offset + (size_t)py * hd->stride +
					     (size_t)px * bpp;
			wrong += memcmp(got, want, bpp) != 0;
		}
	return wrong;
}

/* The front in the display's format and, converted, in another: both the picture. */
static void check_read_front(struct fbk_display *d, const char *spec,
			     const struct fbk_surface *expected)
{
	const struct fbk_surface *s = fbk_display_surface(d);
	struct fbk_surface *front = NULL, *argb = NULL, *converted = NULL;
	if (fbk_surface_create(&front, s->width, s->height, s->format) ||
	    fbk_surface_create(&argb, s->width, s->height, FBK_FORMAT_ARGB8888) ||
	    fbk_surface_create(&converted, s->width, s->height, FBK_FORMAT_ARGB8888)) {
		CHECK(0, "create: %s", fbk_last_error());
		goto out;
	}
	CHECK(fbk_display_read_front(d, front) == 0, "%s: read front: %s", spec,
	      fbk_last_error());
	CHECK(same_surfaces(front, expected), "%s: read front is not the picture shown", spec);
	CHECK(fbk_display_read_front(d, argb) == 0, "%s: read front as AR24: %s", spec,
	      fbk_last_error());
	CHECK(fbk_blit(converted, 0, 0, front, NULL, FBK_OP_SRC, 255) == 0, "blit: %s", fbk_last_error());
	CHECK(same_surfaces(argb, converted), "%s: read front as AR24 is not the picture converted",
	      spec);
out:
	fbk_surface_destroy(front);
	fbk_surface_destroy(argb);
	fbk_surface_destroy(converted);
}

static void test_rotation(int rotation, const char *format, const char *path)
{
	char spec[640];
	snprintf(spec, sizeof(spec), "offscreen:%dx%d,format=%s,rotate=%d,back-buffer,file=%s", PANEL_W,
		 PANEL_H, format, rotation, path);
	struct fbk_display *d = NULL;
	if (fbk_display_open(&d, spec)) {
		CHECK(0, "%s: %s", spec, fbk_last_error());
		return;
	}
	struct fbk_surface *s = fbk_display_surface(d);
	size_t bpp = fbk_format_info(s->format)->bytes_per_pixel;
	int32_t w = rotation % 180 ? PANEL_H : PANEL_W, h = rotation % 180 ? PANEL_W : PANEL_H;
	CHECK(fbk_display_rotation(d) == rotation, "%s: rotation %d", spec,
	      fbk_display_rotation(d));
	CHECK(s->width == w && s->height == h, "%s: surface %dx%d, not %dx%d", spec,
	      (int)s->width, (int)s->height, (int)w, (int)h);

	int fd = open(path, O_RDONLY);
	struct stat st;
	uint8_t *map = MAP_FAILED;
	if (fd >= 0 && !fstat(fd, &st))
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		CHECK(0, "%s: cannot map the screen file", spec);
		if (fd >= 0)
			close(fd);
		fbk_display_close(d);
		return;
	}
	const struct fbk_offscreen_file_header *hd = (const void *)map;
	CHECK(hd->width == PANEL_W && hd->height == PANEL_H && hd->rotation == (uint32_t)rotation,
	      "%s: the file says %ux%u at %u degrees", spec, (unsigned)hd->width,
	      (unsigned)hd->height, (unsigned)hd->rotation);

	/* Everything presented: the panel holds the picture turned. */
	draw(s, 1);
	CHECK(fbk_display_present(d, NULL, 0) == 0, "%s: present: %s", spec, fbk_last_error());
	const struct fbk_rect all = { 0, 0, w, h };
	size_t wrong = check_panel(map, rotation, bpp, w, h, &all, 1, 1, 1);
	CHECK(wrong == 0, "%s: %zu of %d panel pixels wrong after a full present", spec, wrong,
	      (int)(w * h));
	check_read_front(d, spec, s);

	/* Redrawn everywhere, a few rectangles presented: only they change on the panel. */
	struct fbk_surface *shown = NULL;
	CHECK(fbk_surface_create(&shown, w, h, s->format) == 0, "create");
	draw(s, 2);
	const struct fbk_rect parts[] = { { 0, 0, 1, 1 }, { 3, 2, 9, 5 }, { w - 4, h - 3, 4, 3 },
					  { 1, h - 11, 13, 2 } };
	size_t n = sizeof(parts) / sizeof(parts[0]);
	CHECK(fbk_display_present(d, parts, n) == 0, "%s: present parts: %s", spec,
	      fbk_last_error());
	wrong = check_panel(map, rotation, bpp, w, h, parts, n, 2, 1);
	CHECK(wrong == 0, "%s: %zu panel pixels wrong after presenting %zu rectangles", spec,
	      wrong, n);
	if (shown) {
		draw(shown, 1);
		for (size_t i = 0; i < n; i++)
			fbk_blit(shown, parts[i].x, parts[i].y, s, &parts[i], FBK_OP_SRC, 255);
		check_read_front(d, spec, shown);
	}

	/* Another process's read of the file is the picture too. */
	struct fbk_surface *copy = NULL;
	CHECK(fbk_offscreen_file_read(&copy, path) == 0, "%s: file read: %s", spec,
	      fbk_last_error());
	CHECK(copy && shown && same_surfaces(copy, shown), "%s: fbk_offscreen_file_read is not the "
							 "picture shown",
	      spec);
	fbk_surface_destroy(copy);
	fbk_surface_destroy(shown);
	munmap(map, (size_t)st.st_size);
	close(fd);
	fbk_display_close(d);
	unlink(path);
}

/* A snapshot is the picture the screen shows, as read_front gives it. */
static void test_snapshot(const char *dir)
{
	if (!FBK_HAVE_PNG)
		SKIP("fbkit is built without libpng: a snapshot cannot be written");
	char png[512];
	/* The pid: the test runs once per SIMD level, perhaps at the same time. */
	snprintf(png, sizeof(png), "%s/rotation-snapshot-%d.png", dir, (int)getpid());
	for (size_t r = 1; r < 4; r++) {
		setenv("FBKIT_SNAPSHOT", png, 1);
		char spec[64];
		snprintf(spec, sizeof(spec), "offscreen:%dx%d,rotate=%d", PANEL_W, PANEL_H,
			 rotations[r]);
		struct fbk_display *d = NULL;
		int err = fbk_display_open(&d, spec);
		unsetenv("FBKIT_SNAPSHOT");
		if (err) {
			CHECK(0, "%s: %s", spec, fbk_last_error());
			continue;
		}
		struct fbk_surface *s = fbk_display_surface(d);
		fbk_fill(s, NULL, FBK_RGB(10, 20, 30));
		fbk_fill(s, &(struct fbk_rect){ 0, 0, 3, 5 }, FBK_RGB(250, 0, 0));
		fbk_fill(s, &(struct fbk_rect){ s->width - 2, s->height - 1, 2, 1 },
			 FBK_RGB(0, 250, 0));
		CHECK(fbk_display_present(d, NULL, 0) == 0, "present: %s", fbk_last_error());
		struct fbk_surface *saved = NULL;
		CHECK(fbk_png_load(&saved, png, s->format) == 0, "%s: load snapshot: %s", spec,
		      fbk_last_error());
		CHECK(saved && same_surfaces(saved, s), "%s: the snapshot is not the picture", spec);
		fbk_surface_destroy(saved);
		fbk_display_close(d);
		unlink(png);
	}
}

static void test_spec(void)
{
	struct fbk_display *d = NULL;
	static const char *const bad[] = { "offscreen,rotate=45", "offscreen,rotate",
					   "offscreen,rotate=-90", "offscreen,rotate=090",
					   "fbdev:/nonexistent,direct,rotate=90" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(fbk_display_open(&d, bad[i]) == -EINVAL && !d, "%s accepted", bad[i]);
		CHECK(strstr(fbk_last_error(), "rotate"), "%s: message: %s", bad[i],
		      fbk_last_error());
	}
	/* No file, no back-buffer asked: rotation brings its own, and the front reads back. */
	if (fbk_display_open(&d, "offscreen:40x30,rotate=270")) {
		CHECK(0, "open: %s", fbk_last_error());
		return;
	}
	struct fbk_surface *s = fbk_display_surface(d);
	CHECK(s->width == 30 && s->height == 40, "surface %dx%d", (int)s->width, (int)s->height);
	char text[1024];
	CHECK(fbk_display_describe(d, text, sizeof(text)) > 0 &&
		      strstr(text, "rotation: 270 degrees clockwise on a 40x30 panel\n") &&
		      strstr(text, "mode: 30x40\n") && strstr(text, "back buffer"),
	      "describe:\n%s", text);
	draw(s, 3);
	CHECK(fbk_display_present(d, NULL, 0) == 0, "present: %s", fbk_last_error());
	check_read_front(d, "offscreen:40x30,rotate=270", s);
	fbk_display_close(d);
	CHECK(fbk_display_open(&d, "offscreen:40x30,rotate=0") == 0 && fbk_display_rotation(d) == 0 &&
		      fbk_display_surface(d)->width == 40,
	      "rotate=0: %s", fbk_last_error());
	CHECK(fbk_display_describe(d, text, sizeof(text)) > 0 && strstr(text, "rotation: 0\n"),
	      "describe:\n%s", text);
	fbk_display_close(d);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("FBKIT_BUILD_ROOT");
	if (!dir)
		dir = "/tmp";
	/* A case of its own (rotation_snapshot), so that without libpng it is skipped. */
	if (argc > 1 && !strcmp(argv[1], "--snapshot")) {
		test_snapshot(dir);
		return harness_exit();
	}
	char path[512];
	snprintf(path, sizeof(path), "%s/rotation-screen-%d", dir, (int)getpid());
	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++)
		for (size_t r = 0; r < 4; r++)
			test_rotation(rotations[r], formats[f], path);
	test_spec();
	return harness_exit();
}
