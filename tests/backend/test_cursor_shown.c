/*
 * A software-cursor move whose present failed after it had written the
 * screen (here an offscreen display whose snapshot cannot be saved: the
 * picture is in screen memory before the save fails; fbdev's fsync,
 * DRM's DirtyFB and a flip whose wait fails the same way). The screen
 * shows the sprite at the new place, so the next move must take it away
 * from there: no copy of the sprite may stay where no cursor is.
 * Fails on main after 096b549 (the move undone as if nothing was shown).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"

#define BACKGROUND 0x336699u

static uint32_t pixel(const struct fbk_surface *s, int32_t x, int32_t y)
{
	uint32_t p;
	memcpy(&p, (const uint8_t *)s->pixels + (size_t)y * s->stride + (size_t)x * 4, 4);
	return p & 0xffffff;
}

int main(void)
{
	if (!FBK_HAVE_PNG)
		SKIP("built without libpng (-Dpng): no snapshot to fail");
	char dir[] = "/tmp/fbkit-cursor-shown-XXXXXX", away[64], pattern[96];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(away, sizeof(away), "%s.away", dir);
	snprintf(pattern, sizeof(pattern), "%s/out-%%04d.png", dir);
	setenv("FBKIT_SNAPSHOT", pattern, 1);
	struct fbk_display *d;
	if (fbk_display_open(&d, "offscreen:40x30,back-buffer")) {
		fprintf(stderr, "open: %s\n", fbk_last_error());
		return 1;
	}
	struct fbk_surface *s = fbk_display_surface(d);
	for (int32_t y = 0; y < s->height; y++)
		for (int32_t x = 0; x < s->width; x++)
			memcpy((uint8_t *)s->pixels + (size_t)y * s->stride + (size_t)x * 4,
			       &(uint32_t){ BACKGROUND }, 4);
	CHECK(fbk_display_present(d, NULL, 0) == 0, "present: %s", fbk_last_error());
	CHECK(fbk_display_set_cursor(d, NULL) == 0, "the arrow: %s", fbk_last_error());
	CHECK(fbk_display_move_cursor(d, 3, 3) == 0, "move: %s", fbk_last_error());

	/* The snapshot's folder gone: the move's present writes the screen, then fails. */
	CHECK(rename(dir, away) == 0, "rename %s", dir);
	CHECK(fbk_display_move_cursor(d, 25, 15) != 0, "a move whose snapshot failed succeeded");
	CHECK(rename(away, dir) == 0, "rename %s back", away);
	CHECK(fbk_display_move_cursor(d, 2, 2) == 0, "move: %s", fbk_last_error());

	struct fbk_surface *front;
	CHECK(fbk_surface_create(&front, s->width, s->height, s->format) == 0, "%s",
	      fbk_last_error());
	CHECK(fbk_display_read_front(d, front) == 0, "read: %s", fbk_last_error());
	/* The arrow at (2, 2) is well inside the top left quarter: the rest is the picture. */
	int left = 0;
	for (int32_t y = 12; y < s->height; y++)
		for (int32_t x = 20; x < s->width; x++)
			if (pixel(front, x, y) != BACKGROUND && !left++)
				fprintf(stderr, "pixel (%d, %d) is %06x, want %06x\n", (int)x, (int)y,
					(unsigned)pixel(front, x, y), BACKGROUND);
	CHECK(left == 0, "%d pixels of the sprite left where the failed move showed it", left);
	fbk_surface_destroy(front);
	fbk_display_close(d);

	char path[128];
	for (int i = 0; i < 8; i++) {
		snprintf(path, sizeof(path), "%s/out-%04d.png", dir, i);
		unlink(path);
	}
	rmdir(dir);
	return harness_exit();
}
