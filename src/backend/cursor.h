/*
 * Internal: the mouse cursor of a display (fbk_display_set_cursor).
 *
 * A driver's cursor plane shows it where there is one (the backend's
 * `cursor` op); otherwise it is a software sprite that lives only in the
 * screen's memory, and present is where it is drawn:
 *
 * - `under` holds what the screen would show at `at` (the sprite's
 *   rectangle, in the picture's coordinates, cut to the screen) without
 *   the sprite: the presented picture, never the back buffer, which may
 *   hold drawing not presented yet. `sprite` is `under` with the image
 *   blended on, in the screen's format.
 * - A present of the program's rectangles blends the sprite again onto
 *   their part of `at` in the back buffer, and the copy to the screen
 *   (fbk_present_show) writes the sprite over it: the sprite outside
 *   those rectangles did not change, so nothing else is written. Once the
 *   present succeeded, `under` takes that part of the back buffer.
 * - A move reads the screen at the new place (what it shows there is the
 *   presented picture, except where the old sprite still is: that part
 *   comes from the old `under`), then presents only the old and the new
 *   rectangles, each from its own buffer (`restore` then `at`), never
 *   from the back buffer. A move whose present failed is undone (`under`,
 *   `at` and `place` as before it), as the screen still shows the sprite
 *   at the old place.
 * Every write of the sprite goes through the backend's present, so page
 * flips, DirtyFB, msync and rotation treat it as any presented
 * rectangle: the sprite is blended in the picture's orientation and
 * turned on its way to the panel with the rest.
 */
#ifndef FBK_CURSOR_H
#define FBK_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fbkit/display.h"

struct fbk_cursor {
	enum fbk_cursor_mode mode;
	uint32_t *image; /* 0xAARRGGBB, straight alpha, width x height, picture orientation */
	int32_t width, height, hotspot_x, hotspot_y;
	int32_t x, y; /* the hotspot's place on the picture */
	bool visible;

	/* The software sprite (see above); buffers of width x height in the screen's format. */
	size_t stride; /* bytes per row of under, restore and sprite */
	uint8_t *under, *restore, *sprite;
	struct fbk_rect place;   /* the image's whole rectangle, which `under` and `sprite` hold */
	struct fbk_rect at;      /* where the screen shows the sprite (place cut); empty: nowhere */
	struct fbk_rect restore_place, restore_at; /* during a move: the old place, from `restore` */
	bool moving;             /* the present in progress writes only the sprite's rectangles */
	bool move_shown;         /* that present wrote them where the screen shows them (or will) */
	bool lost;               /* a move found the screen away: `under` waits for a full present */
};

/* Free a cursor; NULL is fine. */
void fbk_cursor_destroy(struct fbk_cursor *c);

/* The hotspot's place when no one said: the middle of the w x h picture. */
void fbk_cursor_position_init(int32_t *x, int32_t *y, int32_t w, int32_t h);

/*
 * Check options (NULL: the arrow) and make the image from them: *image
 * (malloc'd, the caller frees it) and its size and hotspot. -EINVAL,
 * -ENOTSUP, -ENOMEM with a message; nothing is allocated then.
 */
int fbk_cursor_image(const struct fbk_cursor_options *options, uint32_t **image, int32_t *width,
		     int32_t *height, int32_t *hotspot_x, int32_t *hotspot_y);

/* The sprite's rectangle for the hotspot at (x, y), cut to a w x h picture; empty when hidden. */
struct fbk_rect fbk_cursor_rect(const struct fbk_cursor *c, int32_t w, int32_t h);

/*
 * Called by fbk_present_begin with the rectangles the present will
 * write (the program's, or all of the screen after a loss): blend the
 * sprite again onto what they cover of its place in the back buffer
 * `from`. A move's present (`moving`) turned into a full one forgets the
 * move. True when `under` is to take those pixels if the present
 * succeeds (fbk_cursor_presented), false for a move's present.
 */
bool fbk_cursor_frame(struct fbk_cursor *c, const struct fbk_surface *from,
		      const struct fbk_rect *rects, size_t n, bool full);

/*
 * Called by fbk_present_end when a present for which fbk_cursor_frame
 * said true succeeded: what rects cover of the sprite's place is on the
 * screen now, so `under` takes it from `from`. A present that failed
 * leaves `under` as the screen was, and a later move puts back only
 * what was shown.
 */
void fbk_cursor_presented(struct fbk_cursor *c, const struct fbk_surface *from,
			  const struct fbk_rect *rects, size_t n);

/* Blend the image onto `under` into `sprite`, in rectangle r (picture coordinates, inside `at`). */
void fbk_cursor_blend(struct fbk_cursor *c, uint32_t format, const struct fbk_rect *r);

#endif
