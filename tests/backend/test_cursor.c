/*
 * The software cursor on offscreen displays with a back buffer, in every
 * format and rotation: the screen (read back with fbk_display_read_front,
 * which turns the panel back to the picture) shows the presented picture
 * with the cursor image blended on at the hotspot's place, against a
 * model blended pixel by pixel with fbk_over_pixel, the OVER equation's
 * definition; what it covered comes back exactly when it moves or hides
 * (the presented picture, not drawing that was never presented); a
 * present under it draws it again on top; the program's surface is never
 * touched; bad images are refused and change nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/cursor.h"
#include "backend/present.h"
#include "fbkit/input.h"
#include "harness.h"
#include "input/input_internal.h"
#include "log_count.h"
#include "pixel/pixel.h"

#define PANEL_W 37
#define PANEL_H 23
#define IMG_W 6
#define IMG_H 7
#define HOT_X 2
#define HOT_Y 3

static const int rotations[] = { 0, 90, 180, 270 };

struct model {
	struct fbk_display *d;
	struct fbk_surface *s; /* the display's surface */
	const struct fbk_format_info *info;
	uint8_t *presented;    /* what was presented, in the picture's orientation, s's stride */
	const uint32_t *image; /* the cursor's, IMG_W x IMG_H */
	int32_t iw, ih, hx, hy;
	int32_t x, y;
	bool visible;
};

static uint32_t stored(const struct model *m, const uint8_t *row, int32_t x)
{
	uint32_t argb;
	fbk_row_codec(m->info->fourcc)->unpack(&argb, row + (size_t)x * m->info->bytes_per_pixel, 1);
	return argb;
}

/* What the screen must show at picture pixel (x, y), packed into out. */
static void expected(const struct model *m, int32_t x, int32_t y, uint8_t *out)
{
	size_t bpp = m->info->bytes_per_pixel;
	const uint8_t *row = m->presented + (size_t)y * m->s->stride;
	memcpy(out, row + (size_t)x * bpp, bpp);
	int32_t ix = x - (m->x - m->hx), iy = y - (m->y - m->hy);
	if (!m->visible || ix < 0 || iy < 0 || ix >= m->iw || iy >= m->ih)
		return;
	uint32_t argb = fbk_over_pixel(stored(m, row, x), m->image[iy * m->iw + ix],
				       m->info->alpha.length != 0);
	fbk_row_codec(m->info->fourcc)->pack(out, &argb, 1);
}

/* Pixels of the screen that differ from the model; the first is reported. */
static size_t screen_mismatches(const struct model *m, const char *when)
{
	struct fbk_surface *front;
	if (fbk_surface_create(&front, m->s->width, m->s->height, m->info->fourcc))
		return 1;
	CHECK(fbk_display_read_front(m->d, front) == 0, "%s: read front: %s", when,
	      fbk_last_error());
	size_t bpp = m->info->bytes_per_pixel, bad = 0;
	for (int32_t y = 0; y < m->s->height; y++)
		for (int32_t x = 0; x < m->s->width; x++) {
			uint8_t want[4];
			expected(m, x, y, want);
			const uint8_t *got = (const uint8_t *)front->pixels +
					     (size_t)y * front->stride + (size_t)x * bpp;
			if (memcmp(want, got, bpp) && !bad++) {
				uint32_t w = 0, g = 0;
				memcpy(&w, want, bpp);
				memcpy(&g, got, bpp);
				fprintf(stderr, "%s: %s rotate=%d: pixel (%d, %d) is %08x, want %08x\n",
					when, m->info->name, fbk_display_rotation(m->d), (int)x,
					(int)y, (unsigned)g, (unsigned)w);
			}
		}
	fbk_surface_destroy(front);
	return bad;
}

static void scribble(struct fbk_surface *s, const struct fbk_rect *r)
{
	size_t bpp = fbk_format_info(s->format)->bytes_per_pixel;
	for (int32_t y = r->y; y < r->y + r->h; y++)
		for (int32_t x = r->x; x < r->x + r->w; x++)
			for (size_t i = 0; i < bpp; i++)
				((uint8_t *)s->pixels)[(size_t)y * s->stride + (size_t)x * bpp + i] =
					(uint8_t)rng_next();
}

/* Present r and note it in the model. */
static void present(struct model *m, const struct fbk_rect *r)
{
	CHECK(fbk_display_present(m->d, r, 1) == 0, "present: %s", fbk_last_error());
	size_t bpp = m->info->bytes_per_pixel;
	for (int32_t y = r->y; y < r->y + r->h; y++)
		memcpy(m->presented + (size_t)y * m->s->stride + (size_t)r->x * bpp,
		       (const uint8_t *)m->s->pixels + (size_t)y * m->s->stride +
			       (size_t)r->x * bpp,
		       (size_t)r->w * bpp);
}

static void move(struct model *m, int32_t x, int32_t y)
{
	CHECK(fbk_display_move_cursor(m->d, x, y) == 0, "move: %s", fbk_last_error());
	m->x = x;
	m->y = y;
}

static void check_surface_kept(const struct model *m, const uint8_t *kept, const char *when)
{
	CHECK(!memcmp(kept, m->s->pixels, m->s->stride * (size_t)m->s->height),
	      "%s: %s: the program's surface changed", m->info->name, when);
}

static void make_image(uint32_t *image)
{
	for (int i = 0; i < IMG_W * IMG_H; i++) {
		uint32_t a = i % 5 == 0 ? 0 : i % 5 == 1 ? 255 : (uint32_t)rng_range(1, 254);
		image[i] = a << 24 | ((uint32_t)rng_next() & 0xffffffu);
	}
}

static void run(const struct fbk_format_info *info, int rotation)
{
	char spec[128];
	snprintf(spec, sizeof(spec), "offscreen:%dx%d,format=%s,back-buffer,rotate=%d", PANEL_W,
		 PANEL_H, info->name, rotation);
	struct model m = { .info = info };
	if (fbk_display_open(&m.d, spec)) {
		CHECK(0, "%s: %s", spec, fbk_last_error());
		return;
	}
	m.s = fbk_display_surface(m.d);
	size_t bytes = m.s->stride * (size_t)m.s->height;
	m.presented = calloc(1, bytes);
	uint8_t *kept = malloc(bytes);
	uint32_t image[IMG_W * IMG_H];
	make_image(image);
	m.image = image;
	m.iw = IMG_W;
	m.ih = IMG_H;
	m.hx = HOT_X;
	m.hy = HOT_Y;
	struct fbk_rect all = { 0, 0, m.s->width, m.s->height };
	scribble(m.s, &all);
	present(&m, &all);

	CHECK(fbk_display_cursor_mode(m.d) == FBK_CURSOR_OFF, "a cursor before one was asked for");
	CHECK(screen_mismatches(&m, "no cursor") == 0, "%s: the screen without a cursor", spec);

	memcpy(kept, m.s->pixels, bytes);
	struct fbk_cursor_options o = FBK_CURSOR_OPTIONS_INIT(
		.pixels = image, .width = IMG_W, .height = IMG_H, .hotspot_x = HOT_X,
		.hotspot_y = HOT_Y);
	CHECK(fbk_display_set_cursor(m.d, &o) == 0, "%s: set cursor: %s", spec, fbk_last_error());
	CHECK(fbk_display_cursor_mode(m.d) == FBK_CURSOR_SOFTWARE, "%s: mode %d", spec,
	      (int)fbk_display_cursor_mode(m.d));
	m.visible = true;
	m.x = m.s->width / 2;
	m.y = m.s->height / 2;
	CHECK(screen_mismatches(&m, "set") == 0, "%s: the cursor at the middle", spec);
	check_surface_kept(&m, kept, "set");

	/* Drawn but not presented: a move must not show it, only the presented picture. */
	scribble(m.s, &all);
	memcpy(kept, m.s->pixels, bytes);
	move(&m, 1, 1); /* cut at the top-left corner */
	CHECK(screen_mismatches(&m, "move to a corner") == 0, "%s: after a move to (1, 1)", spec);
	move(&m, 3, 2); /* overlapping the old place */
	CHECK(screen_mismatches(&m, "overlapping move") == 0, "%s: after a move by (2, 1)", spec);
	move(&m, m.s->width - 2, m.s->height - 1);
	CHECK(screen_mismatches(&m, "move to the far corner") == 0, "%s: far corner", spec);
	check_surface_kept(&m, kept, "moves");

	/* A present under part of the cursor: the new pixels, the cursor on top. */
	struct fbk_rect under = { m.s->width - 5, m.s->height - 3, 4, 3 };
	present(&m, &under);
	CHECK(screen_mismatches(&m, "present under") == 0, "%s: present under the cursor", spec);
	move(&m, 10, 9);
	CHECK(screen_mismatches(&m, "move after present") == 0, "%s: move after a present", spec);
	present(&m, &all);
	CHECK(screen_mismatches(&m, "full present") == 0, "%s: full present", spec);
	check_surface_kept(&m, kept, "presents");

	/* Hidden: exactly the presented picture; shown again where it was. */
	CHECK(fbk_display_show_cursor(m.d, false) == 0, "hide: %s", fbk_last_error());
	m.visible = false;
	CHECK(screen_mismatches(&m, "hidden") == 0, "%s: hidden", spec);
	move(&m, 4, 5);
	CHECK(fbk_display_show_cursor(m.d, true) == 0, "show: %s", fbk_last_error());
	m.visible = true;
	CHECK(screen_mismatches(&m, "shown") == 0, "%s: shown again", spec);
	move(&m, -20, 5);
	CHECK(screen_mismatches(&m, "off screen") == 0, "%s: moved off the screen", spec);
	move(&m, 6, 6);

	/* Input on the display moves the cursor with the pointer, to the pixel under it. */
	struct fbk_input *in;
	if (fbk_input_create_bare(&in, m.s->width, m.s->height, rotation, NULL) == 0) {
		in->display = m.d;
		in->pointer.x = 12.7;
		in->pointer.y = 5.2;
		fbk_input_pointer_moved(in);
		m.x = 12;
		m.y = 5;
		CHECK(screen_mismatches(&m, "pointer") == 0, "%s: moved by the pointer", spec);
		in->display = NULL; /* bare: the test's own */
		fbk_input_close(in);
	} else {
		CHECK(0, "bare input: %s", fbk_last_error());
	}

	/* Bad images: refused, and the cursor and the screen stay as they were. */
	struct fbk_cursor_options bad[] = {
		FBK_CURSOR_OPTIONS_INIT(.pixels = image, .width = 0, .height = IMG_H),
		FBK_CURSOR_OPTIONS_INIT(.pixels = image, .width = IMG_W, .height = -1),
		FBK_CURSOR_OPTIONS_INIT(.pixels = image, .width = FBK_CURSOR_MAX_SIZE + 1,
					.height = 1),
		FBK_CURSOR_OPTIONS_INIT(.pixels = image, .width = IMG_W, .height = IMG_H,
					.hotspot_x = IMG_W),
		FBK_CURSOR_OPTIONS_INIT(.pixels = image, .width = IMG_W, .height = IMG_H,
					.hotspot_y = -1),
		FBK_CURSOR_OPTIONS_INIT(.pixels = image, .width = IMG_W, .height = IMG_H,
					.stride = IMG_W * 4 - 4),
		FBK_CURSOR_OPTIONS_INIT(.pixels = image, .width = IMG_W, .height = IMG_H,
					.stride = IMG_W * 4 + 2),
		FBK_CURSOR_OPTIONS_INIT(.width = IMG_W, .height = IMG_H),
		{ .size = 0 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = fbk_display_set_cursor(m.d, &bad[i]);
		CHECK(err == -EINVAL, "%s: bad cursor %zu gave %d, want -EINVAL", spec, i, err);
		CHECK(fbk_display_cursor_mode(m.d) == FBK_CURSOR_SOFTWARE, "bad cursor %zu: mode",
		      i);
	}
	CHECK(screen_mismatches(&m, "after bad cursors") == 0, "%s: bad images changed it", spec);
	move(&m, 8, 2);
	CHECK(screen_mismatches(&m, "move after bad cursors") == 0, "%s: the image changed", spec);
	check_surface_kept(&m, kept, "all");

	free(kept);
	free(m.presented);
	fbk_display_close(m.d);
}

/* fbkit's arrow: its tip at the hotspot is black, inside it white; on the screen only. */
static void check_arrow(void)
{
	struct fbk_display *d;
	if (fbk_display_open(&d, "offscreen:40x30,back-buffer")) {
		CHECK(0, "open: %s", fbk_last_error());
		return;
	}
	CHECK(fbk_display_move_cursor(d, 10, 10) == 0, "move without a cursor");
	CHECK(fbk_display_show_cursor(d, true) == -EINVAL, "show without a cursor");
	CHECK(fbk_display_set_cursor(d, NULL) == 0, "the arrow: %s", fbk_last_error());
	struct fbk_surface *front;
	fbk_surface_create(&front, 40, 30, FBK_FORMAT_XRGB8888);
	fbk_display_read_front(d, front);
	CHECK((pixel_at(front, 10, 10).r | pixel_at(front, 10, 10).g) == 0 &&
		      pixel_at(front, 10, 10).a == 255,
	      "the arrow's tip is not black");
	CHECK(pixel_at(front, 11, 13).r == 255 && pixel_at(front, 11, 13).b == 255,
	      "the arrow is not white inside");
	CHECK(pixel_at(front, 9, 10).r == 0 && pixel_at(front, 20, 10).r == 0,
	      "the arrow is not where the hotspot is");
	struct fbk_surface *s = fbk_display_surface(d);
	CHECK(pixel_at(s, 11, 13).r == 0, "the arrow reached the program's surface");
	fbk_surface_destroy(front);
	fbk_display_close(d);

	/* Drawn straight on the screen, the sprite would be erased and blended with: refused. */
	CHECK(fbk_display_open(&d, "offscreen:40x30") == 0, "open: %s", fbk_last_error());
	CHECK(fbk_display_set_cursor(d, NULL) == -ENOTSUP, "a software cursor on a direct screen");
	CHECK(fbk_display_cursor_mode(d) == FBK_CURSOR_OFF, "mode after a refused cursor");
	fbk_display_close(d);
	CHECK(fbk_display_set_cursor(NULL, NULL) == -EINVAL, "NULL display");
	CHECK(fbk_display_cursor_mode(NULL) == FBK_CURSOR_OFF, "NULL display's mode");
}

/* Options from a later fbkit: larger, with its unknown fields zero (taken) or not (refused). */
static void check_sizes(void)
{
	struct {
		struct fbk_cursor_options o;
		uint64_t later;
	} grown = { FBK_CURSOR_OPTIONS_INIT(), 0 };
	grown.o.size = sizeof(grown);
	uint32_t *image;
	int32_t w, h, hx, hy;
	CHECK(fbk_cursor_image(&grown.o, &image, &w, &h, &hx, &hy) == 0, "grown, zero: %s",
	      fbk_last_error());
	free(image);
	grown.later = 1;
	CHECK(fbk_cursor_image(&grown.o, &image, &w, &h, &hx, &hy) == -ENOTSUP, "grown, set");
	grown.o.size = 5000;
	CHECK(fbk_cursor_image(&grown.o, &image, &w, &h, &hx, &hy) == -EINVAL, "huge size");
}

/* ---------------------------------------------------------------- failing presents */

/*
 * A display whose present can fail before anything reaches its screen, as
 * a DRM page flip that is refused does: a back buffer, screen memory, and
 * the present sequence every backend uses.
 */
struct refusing {
	struct fbk_display base;
	struct fbk_back back;
	struct fbk_surface screen;
	struct fbk_present present;
	bool refuse;
};

static int refusing_present(struct fbk_display *display, const struct fbk_rect *rects, size_t n)
{
	struct refusing *r = (struct refusing *)display;
	struct fbk_frame frame;
	if (!fbk_present_begin(&r->present, &frame, display, rects, n))
		return 0;
	if (r->refuse)
		return fbk_present_end(&r->present, &frame, fbk_fail(-EIO, "test: refused"));
	fbk_present_show(display, r->screen.pixels, r->screen.stride, frame.rects, frame.n);
	return fbk_present_end(&r->present, &frame, 0);
}

static int refusing_read_front(struct fbk_display *display, struct fbk_surface *dst)
{
	struct refusing *r = (struct refusing *)display;
	return fbk_present_read(&r->present, &r->screen, 0, dst);
}

static int refusing_read_rect(struct fbk_display *display, const struct fbk_rect *rect,
			      uint8_t *dst, size_t dst_stride)
{
	struct refusing *r = (struct refusing *)display;
	return fbk_present_read_rect(&r->present, &r->screen, 0, rect, dst, dst_stride);
}

static void refusing_close(struct fbk_display *display)
{
	struct refusing *r = (struct refusing *)display;
	fbk_back_destroy(&r->back);
	free(r->screen.pixels);
}

static const struct fbk_display_ops refusing_ops = {
	.present = refusing_present,
	.close = refusing_close,
	.read_front = refusing_read_front,
	.read_rect = refusing_read_rect,
};

/*
 * A present that fails shows nothing: what the cursor covers is still
 * the picture presented before, and a move must put back that, never
 * the drawing whose present failed.
 */
static void check_failed_present(void)
{
	struct refusing r = { .base = { .ops = &refusing_ops, .backend_name = "refusing" } };
	struct fbk_surface *s = &r.base.surface;
	*s = (struct fbk_surface){ .width = PANEL_W, .height = PANEL_H,
				   .format = FBK_FORMAT_XRGB8888 };
	if (fbk_back_create(&r.back, s)) {
		CHECK(0, "back buffer: %s", fbk_last_error());
		return;
	}
	r.base.geometry = *s;
	r.screen = *s;
	r.screen.pixels = calloc(1, s->stride * (size_t)s->height);
	fbk_present_init(&r.present, NULL, false);
	fbk_cursor_position_init(&r.base.cursor_x, &r.base.cursor_y, s->width, s->height);
	struct model m = { .d = &r.base, .s = s, .info = fbk_format_info(s->format),
			   .iw = IMG_W, .ih = IMG_H, .hx = HOT_X, .hy = HOT_Y };
	size_t bytes = s->stride * (size_t)s->height;
	m.presented = calloc(1, bytes);
	uint32_t image[IMG_W * IMG_H];
	make_image(image);
	m.image = image;
	struct fbk_rect all = { 0, 0, s->width, s->height };
	scribble(s, &all);
	present(&m, &all);
	struct fbk_cursor_options o = FBK_CURSOR_OPTIONS_INIT(
		.pixels = image, .width = IMG_W, .height = IMG_H, .hotspot_x = HOT_X,
		.hotspot_y = HOT_Y);
	CHECK(fbk_display_set_cursor(&r.base, &o) == 0, "set cursor: %s", fbk_last_error());
	m.visible = true;
	m.x = s->width / 2;
	m.y = s->height / 2;
	CHECK(screen_mismatches(&m, "refusing: set") == 0, "the cursor on the refusing display");

	/* New drawing under the cursor, whose present fails: the screen keeps the old picture. */
	scribble(s, &all);
	r.refuse = true;
	CHECK(fbk_display_present(&r.base, &all, 1) == -EIO, "the refused present succeeded");
	r.refuse = false;
	CHECK(screen_mismatches(&m, "refused present") == 0, "a refused present changed the screen");
	move(&m, 3, 2);
	CHECK(screen_mismatches(&m, "move after a refused present") == 0,
	      "a move after a refused present showed drawing that was never presented");

	/* Presented once it works, and the cursor's place follows it. */
	move(&m, s->width / 2, s->height / 2);
	present(&m, &all);
	move(&m, s->width - 3, 4);
	CHECK(screen_mismatches(&m, "move after the present") == 0, "after a present that worked");

	/*
	 * A move whose present fails leaves the sprite where the screen shows
	 * it: the next move takes it away from there, to the place that
	 * failed as to any other.
	 */
	r.refuse = true;
	CHECK(fbk_display_move_cursor(&r.base, 5, s->height - 2) == -EIO,
	      "the refused move succeeded");
	r.refuse = false;
	CHECK(screen_mismatches(&m, "refused move") == 0, "a refused move changed the screen");
	move(&m, 5, s->height - 2);
	CHECK(screen_mismatches(&m, "the refused move again") == 0,
	      "the move a refused present left undone, made again");
	r.refuse = true;
	CHECK(fbk_display_move_cursor(&r.base, s->width / 2, s->height / 2) == -EIO,
	      "the second refused move succeeded");
	r.refuse = false;
	move(&m, 2, 3);
	CHECK(screen_mismatches(&m, "a move after a refused move") == 0,
	      "a move after a refused move left the sprite or the wrong picture behind");
	free(m.presented);
	fbk_display_close(&r.base);
}

/* ---------------------------------------------------------------- failing moves */

static int read_fails(struct fbk_display *display, const struct fbk_rect *r, uint8_t *dst,
		      size_t stride)
{
	(void)display;
	(void)r;
	(void)dst;
	(void)stride;
	return fbk_fail(-EIO, "test: the screen cannot be read");
}

/* A cursor that cannot move (DRM master lost) is logged once, not on every event. */
static void check_failing_moves(void)
{
	struct fbk_display *d;
	struct fbk_input *in;
	if (fbk_display_open(&d, "offscreen:40x30,back-buffer")) {
		CHECK(0, "open: %s", fbk_last_error());
		return;
	}
	if (fbk_input_create_bare(&in, 40, 30, 0, NULL)) {
		CHECK(0, "bare input: %s", fbk_last_error());
		fbk_display_close(d);
		return;
	}
	CHECK(fbk_display_set_cursor(d, NULL) == 0, "the arrow: %s", fbk_last_error());
	const struct fbk_display_ops *ops = d->ops;
	struct fbk_display_ops failing = *ops;
	failing.read_rect = read_fails;
	in->display = d;
	fbk_set_log_handler(count_warnings, NULL);

	d->ops = &failing;
	for (int i = 0; i < 5; i++) {
		in->pointer.x = 3 + i;
		in->pointer.y = 4 + i;
		fbk_input_pointer_moved(in);
	}
	CHECK(warnings == 1, "5 failing moves logged %d warnings, want 1", warnings);

	/* Once a move succeeded, the next failure is news again. */
	d->ops = ops;
	in->pointer.x = 20;
	fbk_input_pointer_moved(in);
	d->ops = &failing;
	in->pointer.x = 25;
	fbk_input_pointer_moved(in);
	CHECK(warnings == 2, "a failure after a move that worked: %d warnings, want 2", warnings);

	fbk_set_log_handler(NULL, NULL);
	d->ops = ops;
	in->display = NULL; /* bare: the test's own */
	fbk_input_close(in);
	fbk_display_close(d);
}

static int cursor_refused(struct fbk_display *display, const struct fbk_cursor *cursor,
			  bool image)
{
	(void)display;
	(void)cursor;
	(void)image;
	return fbk_fail(-EPERM, "test: a fork()ed child's card");
}

/* A refused plane (DRM in a fork()ed child) is an error that changes nothing, never a sprite. */
static void check_refused_plane(void)
{
	struct fbk_display *d;
	if (fbk_display_open(&d, "offscreen:40x30,back-buffer")) {
		CHECK(0, "open: %s", fbk_last_error());
		return;
	}
	CHECK(fbk_display_set_cursor(d, NULL) == 0, "the arrow: %s", fbk_last_error());
	const struct fbk_display_ops *ops = d->ops;
	struct fbk_display_ops refusing = *ops;
	refusing.cursor = cursor_refused;
	d->ops = &refusing;
	for (int visible = 0; visible < 2; visible++) {
		CHECK(fbk_display_show_cursor(d, visible) == 0, "show %d: %s", visible,
		      fbk_last_error());
		const struct fbk_cursor *before = d->cursor;
		int err = fbk_display_set_cursor(d, NULL);
		CHECK(err == -EPERM, "%s cursor, plane refused with EPERM: set_cursor gave %d (%s)",
		      visible ? "a shown" : "a hidden", err, err ? fbk_last_error() : "ok");
		CHECK(d->cursor == before, "a refused set_cursor replaced the cursor");
	}
	d->ops = ops;
	fbk_display_close(d);
}

int main(void)
{
	rng_seed(15);
	for (size_t f = 0; fbk_format_at(f); f++)
		for (size_t r = 0; r < sizeof(rotations) / sizeof(rotations[0]); r++)
			run(fbk_format_at(f), rotations[r]);
	check_arrow();
	check_sizes();
	check_failed_present();
	check_failing_moves();
	check_refused_plane();
	return harness_exit();
}
