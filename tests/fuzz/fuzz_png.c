/*
 * Fuzz target for the PNG reader. Any input must either open or fail with
 * one of the documented errors and a message; an opened image must draw
 * (plainly, at offsets that cut it on either side, at the left edge so
 * that a narrow image is whole in width, and fitted) onto small surfaces of three
 * formats without touching memory outside them, and fail only with the
 * documented errors. XRGB8888 and ARGB8888 take the path where libpng
 * writes rows straight into the surface (can_go_direct in png_draw.c);
 * RGB565 the converting one. Limits are small so the fuzzer spends its time in parsing, not
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

/*
 * Every draw onto a WIDTH x HEIGHT surface of `format` whose rows are
 * padded, between guard bytes: true when every draw succeeded.
 */
static bool draw_into(const struct fbk_png *png, uint32_t format)
{
	size_t bpp = fbk_format_info(format)->bytes_per_pixel;
	size_t stride = WIDTH * bpp + 2 * bpp, bytes = stride * HEIGHT + 2 * GUARD;
	uint8_t *block = malloc(bytes);
	REQUIRE(block != NULL);
	memset(block, 0x5a, bytes);
	struct fbk_surface s;
	REQUIRE(fbk_surface_init(&s, block + GUARD, WIDTH, HEIGHT, stride, format) == 0);

	bool accepted = drew(fbk_png_draw(&s, png, 5, -3, FBK_OP_OVER));
	accepted &= drew(fbk_png_draw(&s, png, 0, 2, FBK_OP_SRC));
	accepted &= drew(fbk_png_draw(&s, png, -3, 1, FBK_OP_SRC));
	struct fbk_rect box = { 2, 1, 31, 19 };
	accepted &= drew(fbk_png_draw_fit(&s, png, &box, FBK_FIT_CONTAIN, FBK_ALIGN_CENTER,
					  FBK_FILTER_SMOOTH, FBK_OP_OVER));
	fbk_surface_set_clip(&s, &(struct fbk_rect){ 3, 4, 20, 9 });
	accepted &= drew(fbk_png_draw_fit(&s, png, &box, FBK_FIT_COVER, FBK_ALIGN_LEFT,
					  FBK_FILTER_NEAREST, FBK_OP_SRC));
	/* Natural size in the box: the plain path (direct when it fits in width). */
	fbk_surface_set_clip(&s, NULL);
	box = (struct fbk_rect){ 0, 0, WIDTH, HEIGHT };
	accepted &= drew(fbk_png_draw_fit(&s, png, &box, FBK_FIT_NONE, FBK_ALIGN_LEFT | FBK_ALIGN_TOP,
					  FBK_FILTER_SMOOTH, FBK_OP_OVER));

	for (size_t i = 0; i < GUARD; i++)
		REQUIRE(block[i] == 0x5a && block[bytes - 1 - i] == 0x5a);
	for (size_t y = 0; y < HEIGHT; y++)
		for (size_t i = WIDTH * bpp; i < stride; i++)
			REQUIRE(block[GUARD + y * stride + i] == 0x5a);
	free(block);
	return accepted;
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

	static const uint32_t formats[] = { FBK_FORMAT_RGB565, FBK_FORMAT_XRGB8888,
					    FBK_FORMAT_ARGB8888 };
	bool accepted = true;
	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++)
		accepted &= draw_into(png, formats[f]);
	fbk_png_close(png);
	return accepted ? FUZZ_ACCEPTED : FUZZ_REJECTED;
}

/* Benign problems are logged; the fuzzer's time goes to decoding instead. */
static void discard(enum fbk_log_level level, const char *message, void *userdata)
{
	(void)level;
	(void)message;
	(void)userdata;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fbk_set_log_handler(discard, NULL);
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
