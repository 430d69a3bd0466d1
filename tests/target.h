/*
 * Random drawing targets for primitive tests: a guarded buffer, sometimes
 * viewed through a sub-surface, with a clip that contains, cuts or misses.
 * Tests draw on `view` and check every pixel of `whole` afterwards.
 *
 * The blend reference the primitive tests use is fbk_over_pixel itself:
 * test_pixel pins it to real arithmetic, so these tests check geometry,
 * formats and clipping, and that each primitive applies that equation.
 */
#ifndef FBK_TEST_TARGET_H
#define FBK_TEST_TARGET_H

#include "harness.h"

struct target {
	struct guarded buffer;
	struct fbk_surface view;   /* what the primitive draws on */
	int32_t view_x, view_y;    /* view's origin inside buffer.surface */
	struct fbk_color *before;  /* decoded colours of the whole buffer before drawing */
};

static inline int32_t random_dimension(int32_t max)
{
	switch (rng_next() % 6) {
	case 0: return 1;
	case 1: return rng_range(1, 3);
	default: return rng_range(1, max);
	}
}

static inline struct fbk_rect random_clip(int32_t w, int32_t h)
{
	switch (rng_next() % 5) {
	case 0: /* whole */
		return (struct fbk_rect){ 0, 0, w, h };
	case 1: /* misses */
		return (struct fbk_rect){ w + rng_range(0, 5), rng_range(-5, h), rng_range(1, 9), rng_range(1, 9) };
	default: { /* cuts or contains, possibly past the edges */
		int32_t x = rng_range(-3, w), y = rng_range(-3, h);
		return (struct fbk_rect){ x, y, rng_range(0, w + 4), rng_range(0, h + 4) };
	}
	}
}

/* Keeps the decoded colours of the whole buffer, to check every pixel against after drawing. */
static inline int target_remember(struct target *t)
{
	int32_t w = t->buffer.surface.width, h = t->buffer.surface.height;
	t->before = malloc(sizeof(*t->before) * (size_t)w * (size_t)h);
	if (!t->before)
		return -1;
	for (int32_t y = 0; y < h; y++)
		for (int32_t x = 0; x < w; x++)
			t->before[y * w + x] = pixel_at(&t->buffer.surface, x, y);
	return 0;
}

static inline int target_init(struct target *t, uint32_t format, int32_t max_size)
{
	int32_t w = random_dimension(max_size), h = random_dimension(max_size);
	if (guarded_init(&t->buffer, w, h, (size_t)rng_range(0, 9), format))
		return -1;
	t->view = t->buffer.surface;
	t->view_x = t->view_y = 0;
	if (rng_next() % 3 == 0) {
		struct fbk_rect r = { rng_range(0, w - 1), rng_range(0, h - 1), 0, 0 };
		r.w = rng_range(1, w - r.x);
		r.h = rng_range(1, h - r.y);
		if (fbk_surface_sub(&t->view, &t->buffer.surface, &r))
			return -1;
		t->view_x = r.x;
		t->view_y = r.y;
	}
	struct fbk_rect clip = random_clip(t->view.width, t->view.height);
	fbk_surface_set_clip(&t->view, &clip);
	return target_remember(t);
}

/* True when (x, y) of the whole buffer is inside the view's clip. */
static inline int target_drawable(const struct target *t, int32_t x, int32_t y)
{
	int32_t vx = x - t->view_x, vy = y - t->view_y;
	const struct fbk_rect *c = &t->view.clip;
	return vx >= c->x && vx < c->x + c->w && vy >= c->y && vy < c->y + c->h &&
	       vx < t->view.width && vy < t->view.height && vx >= 0 && vy >= 0;
}

static inline struct fbk_color target_before(const struct target *t, int32_t x, int32_t y)
{
	return t->before[y * t->buffer.surface.width + x];
}

static inline void target_finish(struct target *t)
{
	guarded_finish(&t->buffer);
	free(t->before);
	t->before = NULL;
}

/* What a colour becomes once stored in the format. */
static inline struct fbk_color stored(uint32_t format, struct fbk_color c)
{
	return fbk_color_unpack(format, fbk_color_pack(format, c));
}

static inline uint32_t argb_of(struct fbk_color c)
{
	return (uint32_t)c.a << 24 | (uint32_t)c.r << 16 | (uint32_t)c.g << 8 | c.b;
}

static inline struct fbk_color color_of(uint32_t argb)
{
	return (struct fbk_color){ (uint8_t)(argb >> 16), (uint8_t)(argb >> 8), (uint8_t)argb,
				   (uint8_t)(argb >> 24) };
}

#endif
