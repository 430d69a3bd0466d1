/*
 * The mouse cursor (see cursor.h for how the software sprite meets
 * present): the public calls, the image checks, fbkit's arrow, and the
 * sprite's blending through the row engine.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/cursor.h"
#include "backend/present.h"
#include "core/error.h"
#include "core/overflow.h"
#include "pixel/pixel.h"
#include "pixel/pixel_ops.h"

/*
 * fbkit's arrow, pointing with its tip at (0, 0): 'X' black, '.' white,
 * anything else clear. Drawn here rather than loaded, so every build has it.
 */
static const char *const arrow[] = {
	"X",
	"XX",
	"X.X",
	"X..X",
	"X...X",
	"X....X",
	"X.....X",
	"X......X",
	"X.......X",
	"X........X",
	"X.........X",
	"X......XXXXX",
	"X...X..X",
	"X..XX..X",
	"X.X  X..X",
	"XX   X..X",
	"X     X..X",
	"      X..X",
	"       XX",
};

#define ARROW_HEIGHT ((int32_t)(sizeof(arrow) / sizeof(arrow[0])))
#define ARROW_WIDTH 12

/* Positions further out than this show nothing either: kept there, no sum can overflow. */
#define POSITION_LIMIT (4 * FBK_MAX_DIMENSION)

static int32_t clamp_position(int32_t v)
{
	return v < -POSITION_LIMIT ? -POSITION_LIMIT : v > POSITION_LIMIT ? POSITION_LIMIT : v;
}

void fbk_cursor_position_init(int32_t *x, int32_t *y, int32_t w, int32_t h)
{
	*x = w / 2;
	*y = h / 2;
}

static void draw_arrow(uint32_t *image)
{
	for (int32_t y = 0; y < ARROW_HEIGHT; y++) {
		size_t len = strlen(arrow[y]);
		for (int32_t x = 0; x < ARROW_WIDTH; x++) {
			char c = (size_t)x < len ? arrow[y][x] : ' ';
			image[y * ARROW_WIDTH + x] = c == 'X' ? 0xff000000u
						     : c == '.' ? 0xffffffffu
								: 0;
		}
	}
}

/* Far more than the struct will ever grow to. */
#define OPTIONS_MAX_SIZE 4096

/*
 * No padding, so `size` counts only fields; this first version's size is
 * the smallest there will ever be, so a smaller one was never made with
 * FBK_CURSOR_OPTIONS_INIT.
 */
_Static_assert(sizeof(struct fbk_cursor_options) ==
		       6 * sizeof(uint32_t) + sizeof(const uint32_t *),
	       "struct fbk_cursor_options has padding");

static int read_options(struct fbk_cursor_options *o, const struct fbk_cursor_options *given)
{
	uint32_t size;
	memcpy(&size, given, sizeof(size));
	if (size < sizeof(*o) || size > OPTIONS_MAX_SIZE || size % sizeof(uint32_t))
		return fbk_fail(-EINVAL, "cursor options with size %u: initialise them with "
					 "FBK_CURSOR_OPTIONS_INIT",
				(unsigned)size);
	memcpy(o, given, sizeof(*o));
	const uint8_t *extra = (const uint8_t *)given;
	for (size_t i = sizeof(*o); i < size; i++)
		if (extra[i])
			return fbk_fail(-ENOTSUP, "cursor options of %u bytes set a field this fbkit "
						  "(%zu bytes) does not know",
					(unsigned)size, sizeof(*o));
	return 0;
}

int fbk_cursor_image(const struct fbk_cursor_options *options, uint32_t **image, int32_t *width,
		     int32_t *height, int32_t *hotspot_x, int32_t *hotspot_y)
{
	struct fbk_cursor_options o = FBK_CURSOR_OPTIONS_INIT();
	if (options) {
		int err = read_options(&o, options);
		if (err)
			return err;
	}
	if (!o.pixels) {
		if (o.width || o.height || o.stride || o.hotspot_x || o.hotspot_y)
			return fbk_fail(-EINVAL, "cursor: a size, stride or hotspot is given but the "
						 "pixels are NULL (NULL pixels: fbkit's arrow)");
		*image = malloc((size_t)ARROW_WIDTH * ARROW_HEIGHT * sizeof(uint32_t));
		if (!*image)
			return fbk_fail(-ENOMEM, "out of memory for the cursor");
		draw_arrow(*image);
		*width = ARROW_WIDTH;
		*height = ARROW_HEIGHT;
		*hotspot_x = *hotspot_y = 0;
		return 0;
	}
	if (o.width < 1 || o.height < 1 || o.width > FBK_CURSOR_MAX_SIZE ||
	    o.height > FBK_CURSOR_MAX_SIZE)
		return fbk_fail(-EINVAL, "cursor: a %dx%d image; cursors are 1 to %d pixels each "
					 "way",
				(int)o.width, (int)o.height, FBK_CURSOR_MAX_SIZE);
	size_t row = (size_t)o.width * sizeof(uint32_t);
	size_t stride = o.stride ? o.stride : row;
	if (stride < row || stride % sizeof(uint32_t))
		return fbk_fail(-EINVAL, "cursor: stride %u for %d-pixel rows; give at least %zu, "
					 "a multiple of 4 (or 0)",
				(unsigned)o.stride, (int)o.width, row);
	if (o.hotspot_x < 0 || o.hotspot_y < 0 || o.hotspot_x >= o.width ||
	    o.hotspot_y >= o.height)
		return fbk_fail(-EINVAL, "cursor: hotspot (%d, %d) is outside the %dx%d image",
				(int)o.hotspot_x, (int)o.hotspot_y, (int)o.width, (int)o.height);
	/* Sizes are at most 256 each way: no product here can overflow. */
	*image = malloc(row * (size_t)o.height);
	if (!*image)
		return fbk_fail(-ENOMEM, "out of memory for the cursor");
	for (int32_t y = 0; y < o.height; y++)
		memcpy(*image + (size_t)y * (size_t)o.width,
		       (const uint8_t *)o.pixels + (size_t)y * stride, row);
	*width = o.width;
	*height = o.height;
	*hotspot_x = o.hotspot_x;
	*hotspot_y = o.hotspot_y;
	return 0;
}

/* The image's whole rectangle on the picture, not cut. */
static struct fbk_rect place_of(const struct fbk_cursor *c)
{
	return (struct fbk_rect){ c->x - c->hotspot_x, c->y - c->hotspot_y, c->width, c->height };
}

struct fbk_rect fbk_cursor_rect(const struct fbk_cursor *c, int32_t w, int32_t h)
{
	struct fbk_rect place = place_of(c), screen = { 0, 0, w, h }, at = { 0, 0, 0, 0 };
	if (c->visible)
		fbk_rect_intersect(&place, &screen, &at);
	return at;
}

/* Byte offset of picture pixel (x, y) in a buffer holding `place`. */
static size_t offset_in(const struct fbk_cursor *c, const struct fbk_rect *place, int32_t x,
			int32_t y, size_t bpp)
{
	return (size_t)(y - place->y) * c->stride + (size_t)(x - place->x) * bpp;
}

/*
 * Blend the image onto what `from` holds at rectangle r (inside `at`):
 * from points at pixel (r->x, r->y), rows from_stride apart.
 */
static void blend_onto(struct fbk_cursor *c, uint32_t format, const struct fbk_rect *r,
		       const uint8_t *from, size_t from_stride)
{
	const struct fbk_format_info *info = fbk_format_info(format);
	size_t bpp = info->bytes_per_pixel;
	const struct fbk_row_ops *ops = fbk_row_ops();
	const struct fbk_row_codec *codec = fbk_row_codec(format);
	bool has_alpha = info->alpha.length != 0;
	for (int32_t y = r->y; y < r->y + r->h; y++, from += from_stride) {
		uint8_t *to = c->sprite + offset_in(c, &c->place, r->x, y, bpp);
		const uint32_t *src = c->image + (size_t)(y - c->place.y) * (size_t)c->width +
				      (r->x - c->place.x);
		/* The one-pass kernels where they exist, as fbk_blit chooses them. */
		if (format == FBK_FORMAT_XRGB8888) {
			memcpy(to, from, (size_t)r->w * bpp);
			ops->over_argb_onto_xrgb(to, (const uint8_t *)src, r->w, 255);
			continue;
		}
		if (format == FBK_FORMAT_RGB565) {
			memcpy(to, from, (size_t)r->w * bpp);
			ops->over_argb_onto_rgb565(to, (const uint8_t *)src, r->w, 255);
			continue;
		}
		uint32_t argb[FBK_ROW_CHUNK];
		for (int32_t x = 0; x < r->w; x += FBK_ROW_CHUNK) {
			int32_t n = r->w - x < FBK_ROW_CHUNK ? r->w - x : FBK_ROW_CHUNK;
			codec->unpack(argb, from + (size_t)x * bpp, n);
			fbk_over_row(argb, src + x, n, 255, has_alpha);
			codec->pack(to + (size_t)x * bpp, argb, n);
		}
	}
}

void fbk_cursor_blend(struct fbk_cursor *c, uint32_t format, const struct fbk_rect *r)
{
	size_t bpp = fbk_format_info(format)->bytes_per_pixel;
	blend_onto(c, format, r, c->under + offset_in(c, &c->place, r->x, r->y, bpp), c->stride);
}

/* Pixel (r->x, r->y) of the back buffer. */
static const uint8_t *back_at(const struct fbk_surface *from, const struct fbk_rect *r)
{
	return (const uint8_t *)from->pixels + (size_t)r->y * from->stride +
	       (size_t)r->x * fbk_format_info(from->format)->bytes_per_pixel;
}

bool fbk_cursor_frame(struct fbk_cursor *c, const struct fbk_surface *from,
		      const struct fbk_rect *rects, size_t n, bool full)
{
	if (full) {
		/* The whole screen is written from the back buffer: any move waiting is moot. */
		c->moving = false;
		c->lost = false;
		c->place = place_of(c);
		c->at = fbk_cursor_rect(c, from->width, from->height);
	}
	if (c->moving)
		return false; /* the move made `under` and `sprite` */
	/*
	 * Only `sprite`, which every present writes afresh where it shows
	 * it: `under` is what the screen shows, and takes the new pixels
	 * once the present succeeded (fbk_cursor_presented).
	 */
	for (size_t i = 0; i < n; i++) {
		struct fbk_rect part;
		if (fbk_rect_intersect(&rects[i], &c->at, &part))
			blend_onto(c, from->format, &part, back_at(from, &part), from->stride);
	}
	return true;
}

void fbk_cursor_presented(struct fbk_cursor *c, const struct fbk_surface *from,
			  const struct fbk_rect *rects, size_t n)
{
	size_t bpp = fbk_format_info(from->format)->bytes_per_pixel;
	for (size_t i = 0; i < n; i++) {
		struct fbk_rect part;
		if (!fbk_rect_intersect(&rects[i], &c->at, &part))
			continue;
		const uint8_t *row = back_at(from, &part);
		for (int32_t y = part.y; y < part.y + part.h; y++, row += from->stride)
			memcpy(c->under + offset_in(c, &c->place, part.x, y, bpp), row,
			       (size_t)part.w * bpp);
	}
}

/* ---------------------------------------------------------------- the calls */

static void cursor_free(struct fbk_cursor *c)
{
	if (!c)
		return;
	free(c->image);
	free(c->under);
	free(c->restore);
	free(c->sprite);
	free(c);
}

void fbk_cursor_destroy(struct fbk_cursor *c)
{
	cursor_free(c);
}

/*
 * Put the software sprite where its position and visibility say: read
 * what the screen shows at the new place, then present the old place
 * (from what was under it) and the new one (the sprite). Nothing is
 * written when nothing moved.
 */
static int sprite_update(struct fbk_display *d)
{
	struct fbk_cursor *c = d->cursor;
	const struct fbk_surface *g = &d->geometry;
	size_t bpp = fbk_format_info(g->format)->bytes_per_pixel;
	struct fbk_rect place = place_of(c);
	struct fbk_rect at = fbk_cursor_rect(c, g->width, g->height);
	if (c->lost) {
		c->place = place; /* the next full present shows it */
		return 0;
	}
	if (at.x == c->at.x && at.y == c->at.y && at.w == c->at.w && at.h == c->at.h &&
	    place.x == c->place.x && place.y == c->place.y)
		return 0;
	uint8_t *spare = c->restore;
	struct fbk_rect was_at = c->at, was_place = c->place;
	if (at.w > 0) {
		int err = d->ops->read_rect(d, &at, spare + offset_in(c, &place, at.x, at.y, bpp),
					    c->stride);
		if (err == -EAGAIN) {
			/* Switched away: the screen is repainted whole when it comes back. */
			c->lost = true;
			c->at = (struct fbk_rect){ 0, 0, 0, 0 };
			c->place = place;
			return 0;
		}
		if (err)
			return err;
		/* Where the old sprite still covers the new place, the screen shows the sprite. */
		struct fbk_rect both;
		if (fbk_rect_intersect(&at, &c->at, &both))
			for (int32_t y = both.y; y < both.y + both.h; y++)
				memcpy(spare + offset_in(c, &place, both.x, y, bpp),
				       c->under + offset_in(c, &c->place, both.x, y, bpp),
				       (size_t)both.w * bpp);
	}
	c->restore = c->under;
	c->under = spare;
	c->restore_at = c->at;
	c->restore_place = c->place;
	c->at = at;
	c->place = place;
	if (at.w > 0)
		fbk_cursor_blend(c, g->format, &at);
	struct fbk_rect rects[2];
	size_t n = 0;
	if (c->restore_at.w > 0)
		rects[n++] = c->restore_at;
	if (at.w > 0)
		rects[n++] = at;
	if (!n)
		return 0;
	c->moving = true;
	c->move_shown = false;
	int err = d->ops->present(d, rects, n);
	bool moved = c->moving; /* false when the present repainted the screen whole instead */
	c->moving = false;
	c->restore_at = (struct fbk_rect){ 0, 0, 0, 0 };
	/*
	 * Failed before anything reached the screen (a refused flip, a
	 * refusing backend): it still shows the sprite at its old place, over
	 * what `restore` holds, so that is `under` again, and the next move
	 * puts back what the screen really shows there. A present that wrote
	 * the screen and failed after (a sync, DirtyFB, a snapshot) shows the
	 * new place, which stays. (A present turned whole rebuilds the
	 * sprite's state from the back buffer.)
	 */
	if (err && moved && !c->move_shown) {
		c->under = c->restore;
		c->restore = spare;
		c->at = was_at;
		c->place = was_place;
	}
	return err;
}

static int update(struct fbk_display *d, bool image)
{
	struct fbk_cursor *c = d->cursor;
	if (c->mode == FBK_CURSOR_HARDWARE)
		return d->ops->cursor(d, c, image);
	return sprite_update(d);
}

/* A new cursor with the image the options give, its buffers made for `format`. */
static int cursor_create(struct fbk_cursor **out, const struct fbk_cursor_options *options,
			 uint32_t format)
{
	struct fbk_cursor *c = calloc(1, sizeof(*c));
	if (!c)
		return fbk_fail(-ENOMEM, "out of memory for the cursor");
	int err = fbk_cursor_image(options, &c->image, &c->width, &c->height, &c->hotspot_x,
				   &c->hotspot_y);
	if (err) {
		free(c);
		return err;
	}
	/* At most 256 x 256 x 4 bytes: no product overflows. */
	c->stride = (size_t)c->width * fbk_format_info(format)->bytes_per_pixel;
	size_t bytes = c->stride * (size_t)c->height;
	c->under = malloc(bytes);
	c->restore = malloc(bytes);
	c->sprite = malloc(bytes);
	if (!c->under || !c->restore || !c->sprite) {
		cursor_free(c);
		return fbk_fail(-ENOMEM, "out of memory for the cursor");
	}
	c->visible = true;
	*out = c;
	return 0;
}

/* Take the old cursor off the screen (software: its place presented from what was under it). */
static int take_off(struct fbk_display *d)
{
	struct fbk_cursor *c = d->cursor;
	if (!c || c->mode != FBK_CURSOR_SOFTWARE)
		return 0;
	bool visible = c->visible;
	c->visible = false;
	int err = sprite_update(d);
	c->visible = visible;
	return err;
}

int fbk_display_set_cursor(struct fbk_display *display, const struct fbk_cursor_options *options)
{
	if (!display)
		return fbk_fail(-EINVAL, "set cursor: display is NULL");
	struct fbk_cursor *c = NULL; /* set when cursor_create succeeds; gcc cannot tell */
	int err = cursor_create(&c, options, display->geometry.format);
	if (err)
		return fbk_fail_context(err, display->backend_name);
	c->x = display->cursor_x;
	c->y = display->cursor_y;
	c->place = place_of(c);
	struct fbk_cursor *old = display->cursor;
	if (old)
		c->visible = old->visible;

	/* The plane first; the sprite where there is none or the driver refuses this image. */
	if (display->ops->cursor) {
		err = display->ops->cursor(display, c, true);
		if (!err) {
			c->mode = FBK_CURSOR_HARDWARE;
			err = take_off(display);
			cursor_free(old);
			display->cursor = c;
			return err;
		}
		/* A fork()ed child must not fall back to a sprite it could never show. */
		if (err == -EPERM) {
			cursor_free(c);
			return err;
		}
		fbk_log(FBK_LOG_DEBUG, "%s: no cursor plane for this cursor (%s); drawing it in "
				       "software",
			display->backend_name, fbk_last_error());
	}
	if (!display->ops->read_rect || display->draws_on_screen) {
		cursor_free(c);
		return fbk_fail(-ENOTSUP, "%s: a software cursor needs a back buffer, and this "
					  "display draws straight on the screen (leave out fbdev's "
					  "'direct'; give offscreen 'back-buffer')",
				display->backend_name);
	}
	if (old && old->mode == FBK_CURSOR_HARDWARE) {
		old->visible = false;
		display->ops->cursor(display, old, false);
	}
	err = take_off(display);
	if (err) {
		cursor_free(c);
		return err;
	}
	c->mode = FBK_CURSOR_SOFTWARE;
	cursor_free(old);
	display->cursor = c;
	return sprite_update(display);
}

int fbk_display_move_cursor(struct fbk_display *display, int32_t x, int32_t y)
{
	if (!display)
		return fbk_fail(-EINVAL, "move cursor: display is NULL");
	display->cursor_x = clamp_position(x);
	display->cursor_y = clamp_position(y);
	struct fbk_cursor *c = display->cursor;
	if (!c)
		return 0;
	c->x = display->cursor_x;
	c->y = display->cursor_y;
	return update(display, false);
}

int fbk_display_show_cursor(struct fbk_display *display, bool visible)
{
	if (!display)
		return fbk_fail(-EINVAL, "show cursor: display is NULL");
	struct fbk_cursor *c = display->cursor;
	if (!c)
		return fbk_fail(-EINVAL, "%s: no cursor to show or hide; fbk_display_set_cursor() "
					 "makes one",
				display->backend_name);
	c->visible = visible;
	return update(display, false);
}

enum fbk_cursor_mode fbk_display_cursor_mode(const struct fbk_display *display)
{
	return display && display->cursor ? display->cursor->mode : FBK_CURSOR_OFF;
}
