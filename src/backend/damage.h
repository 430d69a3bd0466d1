/*
 * Internal: which rectangles each buffer of a swap chain must catch up on
 * before it can be shown again. Pure bookkeeping (no device), so it can be
 * tested exhaustively against a model.
 *
 * The picture on screen is the truth. Each buffer remembers where it
 * differs from that picture ("behind"). To present rectangles R, the
 * caller copies the back buffer's lag that R does not cover from the
 * front buffer (fbk_swap_catch_up), copies R from the application's
 * surface, shows the back buffer, and reports it with fbk_swap_shown.
 * Copying the lag from the front, never from the application's surface,
 * keeps the promise that only presented rectangles reach the screen.
 */
#ifndef FBK_DAMAGE_H
#define FBK_DAMAGE_H

#include <stddef.h>

#include "fbkit/common.h"

/* A region as a short list; past this many rectangles it becomes their bounding box. */
#define FBK_DAMAGE_MAX_RECTS 16
#define FBK_SWAP_MAX_BUFFERS 3

struct fbk_damage {
	size_t count;
	struct fbk_rect rects[FBK_DAMAGE_MAX_RECTS];
};

/*
 * Add non-empty rectangles (empty ones are skipped). Overflowing the list
 * turns the region into one bounding box: more than what changed, which
 * is always safe to copy.
 */
void fbk_damage_add(struct fbk_damage *damage, const struct fbk_rect *rects, size_t n);

struct fbk_swap {
	size_t count; /* buffers, 1..FBK_SWAP_MAX_BUFFERS */
	size_t front; /* the buffer on screen */
	struct fbk_damage behind[FBK_SWAP_MAX_BUFFERS]; /* where each differs from the screen */
};

/* count buffers (clamped to 1..FBK_SWAP_MAX_BUFFERS), all equal to the screen, buffer 0 in front. */
void fbk_swap_init(struct fbk_swap *swap, size_t count);

/* Keep only the front buffer: presents from now on write to the buffer on screen. */
void fbk_swap_single(struct fbk_swap *swap);

/* The buffer to update next: the one after the front, or the front itself with one buffer. */
size_t fbk_swap_back(const struct fbk_swap *swap);

/*
 * What the back buffer must copy from the front before a present of
 * `rects` (n of them) is written over it: its lag, leaving out rectangles
 * that lie wholly inside one of `rects`. Writes at most
 * FBK_DAMAGE_MAX_RECTS rectangles to `out` and returns how many.
 */
size_t fbk_swap_catch_up(const struct fbk_swap *swap, const struct fbk_rect *rects, size_t n,
			 struct fbk_rect out[FBK_DAMAGE_MAX_RECTS]);

/*
 * The back buffer was written at `rects` but is not shown (the flip
 * failed): it now differs from the screen there too.
 */
void fbk_swap_spoil(struct fbk_swap *swap, const struct fbk_rect *rects, size_t n);

/*
 * The back buffer, caught up and with `rects` written, is now on screen:
 * it becomes the front, and every other buffer lags behind by `rects`.
 */
void fbk_swap_shown(struct fbk_swap *swap, const struct fbk_rect *rects, size_t n);

#endif
