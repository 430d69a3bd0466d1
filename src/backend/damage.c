/* Per-buffer damage for a swap chain: see damage.h. */
#include <stdbool.h>
#include <stdint.h>

#include "backend/damage.h"

static struct fbk_rect bounding_box(const struct fbk_rect *a, const struct fbk_rect *b)
{
	/* 64-bit: x + w of a valid rectangle can pass INT32_MAX. */
	int64_t x0 = a->x < b->x ? a->x : b->x;
	int64_t y0 = a->y < b->y ? a->y : b->y;
	int64_t ax1 = (int64_t)a->x + a->w, bx1 = (int64_t)b->x + b->w;
	int64_t ay1 = (int64_t)a->y + a->h, by1 = (int64_t)b->y + b->h;
	int64_t x1 = ax1 > bx1 ? ax1 : bx1, y1 = ay1 > by1 ? ay1 : by1;
	int64_t w = x1 - x0, h = y1 - y0;
	return (struct fbk_rect){ (int32_t)x0, (int32_t)y0, (int32_t)(w > INT32_MAX ? INT32_MAX : w),
				  (int32_t)(h > INT32_MAX ? INT32_MAX : h) };
}

static bool contains(const struct fbk_rect *outer, const struct fbk_rect *inner)
{
	return inner->x >= outer->x && inner->y >= outer->y &&
	       (int64_t)inner->x + inner->w <= (int64_t)outer->x + outer->w &&
	       (int64_t)inner->y + inner->h <= (int64_t)outer->y + outer->h;
}

static void collapse(struct fbk_damage *damage)
{
	struct fbk_rect box = damage->rects[0];
	for (size_t i = 1; i < damage->count; i++)
		box = bounding_box(&box, &damage->rects[i]);
	damage->rects[0] = box;
	damage->count = 1;
}

static void add_one(struct fbk_damage *damage, const struct fbk_rect *r)
{
	for (size_t i = 0; i < damage->count; i++)
		if (contains(&damage->rects[i], r))
			return;
	if (damage->count == FBK_DAMAGE_MAX_RECTS) {
		collapse(damage);
		damage->rects[0] = bounding_box(&damage->rects[0], r);
		return;
	}
	damage->rects[damage->count++] = *r;
}

void fbk_damage_add(struct fbk_damage *damage, const struct fbk_rect *rects, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rects[i].w > 0 && rects[i].h > 0)
			add_one(damage, &rects[i]);
}

void fbk_swap_init(struct fbk_swap *swap, size_t count)
{
	swap->count = count < 1 ? 1 : count > FBK_SWAP_MAX_BUFFERS ? FBK_SWAP_MAX_BUFFERS : count;
	swap->front = 0;
	for (size_t i = 0; i < FBK_SWAP_MAX_BUFFERS; i++)
		swap->behind[i].count = 0;
}

void fbk_swap_single(struct fbk_swap *swap)
{
	/* The front is the screen itself, so it lags behind nothing. */
	swap->behind[swap->front].count = 0;
	swap->count = 1;
}

size_t fbk_swap_back(const struct fbk_swap *swap)
{
	return swap->count > 1 ? (swap->front + 1) % swap->count : swap->front;
}

size_t fbk_swap_catch_up(const struct fbk_swap *swap, const struct fbk_rect *rects, size_t n,
			 struct fbk_rect out[FBK_DAMAGE_MAX_RECTS])
{
	const struct fbk_damage *lag = &swap->behind[fbk_swap_back(swap)];
	size_t count = 0;
	for (size_t i = 0; i < lag->count; i++) {
		bool covered = false;
		for (size_t j = 0; j < n && !covered; j++)
			covered = contains(&rects[j], &lag->rects[i]);
		if (!covered)
			out[count++] = lag->rects[i];
	}
	return count;
}

void fbk_swap_spoil(struct fbk_swap *swap, const struct fbk_rect *rects, size_t n)
{
	if (swap->count > 1)
		fbk_damage_add(&swap->behind[fbk_swap_back(swap)], rects, n);
}

void fbk_swap_shown(struct fbk_swap *swap, const struct fbk_rect *rects, size_t n)
{
	size_t back = fbk_swap_back(swap);
	for (size_t i = 0; i < swap->count; i++)
		if (i != back)
			fbk_damage_add(&swap->behind[i], rects, n);
	swap->behind[back].count = 0;
	swap->front = back;
}
