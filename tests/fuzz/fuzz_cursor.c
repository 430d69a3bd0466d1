/*
 * Fuzz target for the cursor image API (fbk_display_set_cursor), whose
 * options come from the program and may carry any size, dimensions,
 * hotspot and stride. The input:
 *
 *   byte 0      bit 0: pixels NULL (fbkit's arrow)
 *   bytes 1-24  the options' fields as stored: size, width, height,
 *               hotspot_x, hotspot_y, stride (little-endian 32 bits each)
 *   bytes 25-28 where to move the cursor: x, y (signed 16 bits each)
 *   the rest    the image's pixels (zeros past the end)
 *
 * The options sit at the start of 4 KiB of zeros, so a `size` up to what
 * fbkit reads stays inside them; a stride beyond what the pixel buffer
 * here can back is folded into it (the library cannot know how large the
 * program's buffer is: only the stride it is told).
 *
 * Besides not crashing: a refused cursor is -EINVAL or -ENOTSUP with a
 * message, and leaves the screen and the cursor's mode as they were; an
 * accepted one is software (offscreen), never reaches the program's
 * surface, and once hidden leaves exactly the presented picture.
 *
 * The verdict: rejected when fbk_display_set_cursor fails, else accepted.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbkit.h"
#include "verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum fuzz_verdict fuzz_verdict;

#define SCREEN_W 61
#define SCREEN_H 37
#define STRIDE_FOLD 1100
#define PIXEL_BYTES (STRIDE_FOLD * FBK_CURSOR_MAX_SIZE + 16)

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The screen as read back, to compare. */
static void front(struct fbk_display *d, struct fbk_surface *out)
{
	REQUIRE(fbk_display_read_front(d, out) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t pixels[PIXEL_BYTES / 4];
	static union {
		struct fbk_cursor_options o;
		uint8_t raw[4096];
	} options;
	uint8_t head[29] = { 0 };
	memcpy(head, data, size < sizeof(head) ? size : sizeof(head));
	memset(&options, 0, sizeof(options));
	options.o.size = rd32(head + 1);
	options.o.width = (int32_t)rd32(head + 5);
	options.o.height = (int32_t)rd32(head + 9);
	options.o.hotspot_x = (int32_t)rd32(head + 13);
	options.o.hotspot_y = (int32_t)rd32(head + 17);
	options.o.stride = rd32(head + 21);
	if (options.o.stride > STRIDE_FOLD)
		options.o.stride %= STRIDE_FOLD;
	int16_t x = (int16_t)(head[25] | head[26] << 8), y = (int16_t)(head[27] | head[28] << 8);
	memset(pixels, 0, sizeof(pixels));
	if (size > sizeof(head)) {
		size_t n = size - sizeof(head);
		memcpy(pixels, data + sizeof(head), n < sizeof(pixels) ? n : sizeof(pixels));
	}
	options.o.pixels = head[0] & 1 ? NULL : pixels;

	struct fbk_display *d;
	REQUIRE(fbk_display_open(&d, "offscreen:61x37,back-buffer") == 0);
	struct fbk_surface *s = fbk_display_surface(d);
	for (int32_t row = 0; row < s->height; row++)
		for (int32_t col = 0; col < s->width; col++)
			*(uint32_t *)fbk_surface_pixel(s, col, row) =
				(uint32_t)(row * 131 + col * 7) * 2654435761u;
	REQUIRE(fbk_display_present(d, NULL, 0) == 0);
	struct fbk_surface *shown, *now, *drawn;
	REQUIRE(fbk_surface_create(&shown, SCREEN_W, SCREEN_H, s->format) == 0);
	REQUIRE(fbk_surface_create(&now, SCREEN_W, SCREEN_H, s->format) == 0);
	REQUIRE(fbk_surface_create(&drawn, SCREEN_W, SCREEN_H, s->format) == 0);
	front(d, shown);
	REQUIRE(fbk_blit(drawn, 0, 0, s, NULL, FBK_OP_SRC, 255) == 0);

	int err = fbk_display_set_cursor(d, &options.o);
	if (err) {
		fuzz_verdict = FUZZ_REJECTED;
		REQUIRE((err == -EINVAL || err == -ENOTSUP) && fbk_last_error()[0]);
		REQUIRE(fbk_display_cursor_mode(d) == FBK_CURSOR_OFF);
		front(d, now);
		REQUIRE(fbk_compare(now, shown, NULL, NULL) == 0);
	} else {
		fuzz_verdict = FUZZ_ACCEPTED;
		REQUIRE(fbk_display_cursor_mode(d) == FBK_CURSOR_SOFTWARE);
		REQUIRE(fbk_display_move_cursor(d, x, y) == 0);
		REQUIRE(fbk_display_move_cursor(d, y, x) == 0);
		REQUIRE(fbk_display_show_cursor(d, false) == 0);
		front(d, now);
		REQUIRE(fbk_compare(now, shown, NULL, NULL) == 0);
	}
	/* The program's surface is never drawn on. */
	REQUIRE(fbk_compare(s, drawn, NULL, NULL) == 0);
	fbk_surface_destroy(drawn);
	fbk_surface_destroy(now);
	fbk_surface_destroy(shown);
	fbk_display_close(d);
	return 0;
}
