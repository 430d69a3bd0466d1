/*
 * Fuzz target for the PNG reader. Any input must either open or fail with
 * one of the documented errors and a message; an opened image must draw
 * (plainly, at an offset that cuts it, and fitted) onto a small surface
 * without touching memory outside it, and fail only with the documented
 * errors. Limits are small so the fuzzer spends its time in parsing, not
 * in decoding huge images. Each input also runs with its chunk CRCs
 * repaired, so that mutations get past libpng's CRC checks. The verdict
 * is the input's as given: accepted when it opens and every draw
 * succeeds; in a build without libpng it is not judged.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fbkit.h"
#include "verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum fuzz_verdict fuzz_verdict;

#define REQUIRE(cond)                                                          \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_png: %s failed (%s)\n", #cond,  \
				fbk_last_error());                             \
			abort();                                               \
		}                                                              \
	} while (0)

#define WIDTH 37
#define HEIGHT 23
#define GUARD 32

static const struct fbk_png_limits limits = FBK_PNG_LIMITS_INIT(
	.max_width = 4096,
	.max_height = 4096,
	.max_pixels = 4 << 20,
	.max_chunk_bytes = 64 << 10,
);

/* True when a draw succeeded; it may fail only with the documented errors. */
static bool drew(int err)
{
	REQUIRE(err == 0 || err == -EBADMSG || err == -ENOMEM || err == -EFBIG);
	REQUIRE(err == 0 || strstr(fbk_last_error(), "fuzz.png"));
	return err == 0;
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/*
 * Give every complete chunk its correct CRC, so that mutations inside
 * chunks reach the code past the CRC check instead of all stopping there.
 * True when anything changed.
 */
static bool fix_crcs(uint8_t *p, size_t size)
{
	bool changed = false;
	for (size_t at = 8; size - at >= 12;) {
		uint32_t length = (uint32_t)p[at] << 24 | (uint32_t)p[at + 1] << 16 |
				  (uint32_t)p[at + 2] << 8 | p[at + 3];
		if (length > size - at - 12)
			break;
		uint32_t crc = crc32_of(p + at + 4, (size_t)length + 4);
		uint8_t *stored = p + at + 8 + length;
		uint8_t be[4] = { (uint8_t)(crc >> 24), (uint8_t)(crc >> 16), (uint8_t)(crc >> 8),
				  (uint8_t)crc };
		changed |= memcmp(stored, be, 4) != 0;
		memcpy(stored, be, 4);
		at += 12 + (size_t)length;
	}
	return changed;
}

static enum fuzz_verdict run(const uint8_t *data, size_t size)
{
	struct fbk_png *png = NULL;
	int err = fbk_png_open_memory(&png, data, size, "fuzz.png", &limits);
	if (err) {
		REQUIRE(png == NULL);
		REQUIRE(err == -EBADMSG || err == -EFBIG || err == -ENOMEM || err == -ENOTSUP);
		REQUIRE(strstr(fbk_last_error(), "fuzz.png"));
		/* Without libpng every input fails with -ENOTSUP unread. */
		return err == -ENOTSUP && !FBK_HAVE_PNG ? FUZZ_UNJUDGED : FUZZ_REJECTED;
	}
	const struct fbk_png_info *info = fbk_png_get_info(png);
	REQUIRE(info->width >= 1 && info->height >= 1 && info->width <= 4096 &&
		info->height <= 4096 && (uint64_t)info->width * (uint64_t)info->height <= 4 << 20);

	/* Guard bytes around the pixels catch any write outside them. */
	size_t stride = WIDTH * 2 + 6, bytes = stride * HEIGHT + 2 * GUARD;
	uint8_t *block = malloc(bytes);
	REQUIRE(block != NULL);
	memset(block, 0x5a, bytes);
	struct fbk_surface s;
	REQUIRE(fbk_surface_init(&s, block + GUARD, WIDTH, HEIGHT, stride, FBK_FORMAT_RGB565) == 0);

	bool accepted = drew(fbk_png_draw(&s, png, 5, -3, FBK_OP_OVER));
	struct fbk_rect box = { 2, 1, 31, 19 };
	accepted &= drew(fbk_png_draw_fit(&s, png, &box, FBK_FIT_CONTAIN, FBK_ALIGN_CENTER,
					  FBK_FILTER_SMOOTH, FBK_OP_OVER));
	fbk_surface_set_clip(&s, &(struct fbk_rect){ 3, 4, 20, 9 });
	accepted &= drew(fbk_png_draw_fit(&s, png, &box, FBK_FIT_COVER, FBK_ALIGN_LEFT,
					  FBK_FILTER_NEAREST, FBK_OP_SRC));

	for (size_t i = 0; i < GUARD; i++)
		REQUIRE(block[i] == 0x5a && block[bytes - 1 - i] == 0x5a);
	for (size_t y = 0; y < HEIGHT; y++)
		for (size_t i = WIDTH * 2; i < stride; i++)
			REQUIRE(block[GUARD + y * stride + i] == 0x5a);
	free(block);
	fbk_png_close(png);
	return accepted ? FUZZ_ACCEPTED : FUZZ_REJECTED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_verdict = run(data, size);
	uint8_t *fixed = malloc(size ? size : 1);
	REQUIRE(fixed != NULL);
	if (size)
		memcpy(fixed, data, size);
	if (size > 8 && fix_crcs(fixed, size))
		run(fixed, size);
	free(fixed);
	return 0;
}
