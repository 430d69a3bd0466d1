/*
 * Fuzz target for the screen-file reader (fbk_offscreen_file_read, which
 * fbkit-shot uses): the input is the whole file, header then pixels, read
 * from memory by the same code that reads the mapping. Beyond not
 * crashing (the input is copied to a block of exactly its size, so a read
 * past the end is caught by ASan), the reader's verdict must equal this
 * target's own reading of the header rules (display.h, screen_file.h), and
 * a screen that is accepted must hold exactly the file's pixels, row by
 * row at the header's stride.
 *
 * The verdict: rejected when the reader refused the file.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbkit.h"
#include "backend/screen_file.h"
#include "verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum fuzz_verdict fuzz_verdict;

/*
 * The header as files carry it: those written before the rotation field
 * have their pixels where it would be, and are not rotated.
 */
static bool read_header(struct fbk_offscreen_file_header *h, const uint8_t *file, size_t size)
{
	size_t before = offsetof(struct fbk_offscreen_file_header, rotation);
	if (size < before)
		return false;
	memset(h, 0, sizeof(*h));
	memcpy(h, file, before);
	if (h->pixel_offset >= sizeof(*h) && size >= sizeof(*h))
		memcpy(&h->rotation, file + before, sizeof(h->rotation));
	return true;
}

/* The header rules, stated independently of screen_file.c. */
static bool fits(const struct fbk_offscreen_file_header *h, size_t size)
{
	const struct fbk_format_info *info = fbk_format_info(h->format);
	if (memcmp(h->magic, "FBKSCRN1", 8) || !info || h->width == 0 || h->height == 0 ||
	    h->width > FBK_MAX_DIMENSION || h->height > FBK_MAX_DIMENSION ||
	    h->stride / info->bytes_per_pixel < h->width ||
	    h->pixel_offset < offsetof(struct fbk_offscreen_file_header, rotation) ||
	    (h->rotation != 0 && h->rotation != 90 && h->rotation != 180 && h->rotation != 270))
		return false;
	/* The last row needs only its pixels, not a whole stride; divisions, not products. */
	size_t row = (size_t)h->width * info->bytes_per_pixel;
	if (h->pixel_offset > size || size - h->pixel_offset < row)
		return false;
	return (size - h->pixel_offset - row) / h->stride >= h->height - 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool initialised;
	if (!initialised) {
		fbk_set_log_level(FBK_LOG_ERROR);
		initialised = true;
	}
	/* An exact-size block: malloc(0) may return NULL, so never ask for 0. */
	uint8_t *file = malloc(size ? size : 1);
	if (!file)
		return 0;
	memcpy(file, data, size);

	struct fbk_surface *s = (struct fbk_surface *)1;
	int err = fbk_screen_file_copy(&s, file, size);
	struct fbk_offscreen_file_header h;
	bool have_header = read_header(&h, file, size);
	bool want = have_header && fits(&h, size);
	if (err) {
		REQUIRE(!want);
		REQUIRE(!s);
		REQUIRE(err == -EBADMSG || err == -ENOTSUP);
		REQUIRE(strcmp(fbk_last_error(), "no error") != 0);
		if (have_header)
			REQUIRE(fbk_screen_file_check(&h, size) == err);
		fuzz_verdict = FUZZ_REJECTED;
	} else {
		REQUIRE(want);
		REQUIRE(fbk_screen_file_check(&h, size) == 0);
		REQUIRE(s && fbk_surface_check(s) == 0);
		bool turned = h.rotation == 90 || h.rotation == 270;
		REQUIRE(s->width == (int32_t)(turned ? h.height : h.width));
		REQUIRE(s->height == (int32_t)(turned ? h.width : h.height));
		REQUIRE(s->format == h.format);
		/* Picture pixel (x, y) is where display.h puts it on the panel. */
		size_t bpp = fbk_format_info(h.format)->bytes_per_pixel;
		for (int32_t y = 0; y < s->height; y++)
			for (int32_t x = 0; x < s->width; x++) {
				int32_t px = x, py = y;
				if (h.rotation == 90) {
					px = (int32_t)h.width - 1 - y;
					py = x;
				} else if (h.rotation == 180) {
					px = (int32_t)h.width - 1 - x;
					py = (int32_t)h.height - 1 - y;
				} else if (h.rotation == 270) {
					px = y;
					py = (int32_t)h.height - 1 - x;
				}
				REQUIRE(!memcmp((const uint8_t *)s->pixels + (size_t)y * s->stride +
							(size_t)x * bpp,
						file + h.pixel_offset + (size_t)py * h.stride +
							(size_t)px * bpp,
						bpp));
			}
		fbk_surface_destroy(s);
		fuzz_verdict = FUZZ_ACCEPTED;
	}
	free(file);
	return 0;
}
