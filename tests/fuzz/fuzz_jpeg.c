/*
 * Fuzz target for the image API's JPEG reader (and its sniffing: the
 * input goes through fbk_image_open_memory). Any input must either open or
 * fail with one of the documented errors and a message naming it; an
 * opened image must draw (plainly at offsets that cut it, at the left edge
 * where libjpeg-turbo writes straight into the surface, fitted with
 * contain and cover, which take the DCT scales and the scaler) onto small
 * surfaces of three formats without touching memory outside them, and
 * fail only with the documented errors. XRGB8888 and RGB888 are written
 * by libjpeg-turbo itself (4 and 3 bytes a pixel), RGB565 converted.
 * Limits are small so the fuzzer spends its time in parsing. The verdict:
 * accepted when it opens and every draw succeeds; in a build without
 * libjpeg-turbo it is not judged.
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

static const struct fbk_image_limits limits = FBK_IMAGE_LIMITS_INIT(
	.max_width = 4096,
	.max_height = 4096,
	.max_pixels = 4 << 20,
	.max_jpeg_memory = 32 << 20,
	.max_jpeg_scans = 64, /* each scan is a pass over the picture: inputs stay fast */
);

static bool drew(int err)
{
	REQUIRE(err == 0 || err == -EBADMSG || err == -ENOMEM || err == -EFBIG ||
		err == -ENOTSUP);
	REQUIRE(err == 0 || strstr(fbk_last_error(), "fuzz.jpg"));
	return err == 0;
}

static bool draw_into(const struct fbk_image *image, uint32_t format)
{
	size_t bpp = fbk_format_info(format)->bytes_per_pixel;
	size_t stride = WIDTH * bpp + 2 * bpp, bytes = stride * HEIGHT + 2 * GUARD;
	uint8_t *block = malloc(bytes);
	REQUIRE(block != NULL);
	memset(block, 0x5a, bytes);
	struct fbk_surface s;
	REQUIRE(fbk_surface_init(&s, block + GUARD, WIDTH, HEIGHT, stride, format) == 0);

	bool accepted = drew(fbk_image_draw(&s, image, 5, -3, FBK_OP_OVER));
	accepted &= drew(fbk_image_draw(&s, image, 0, 2, FBK_OP_SRC));
	accepted &= drew(fbk_image_draw(&s, image, -3, 1, FBK_OP_SRC));
	struct fbk_rect box = { 2, 1, 31, 19 };
	accepted &= drew(fbk_image_draw_fit(&s, image, &box, FBK_FIT_CONTAIN, FBK_ALIGN_CENTER,
					    FBK_FILTER_SMOOTH, FBK_OP_OVER));
	fbk_surface_set_clip(&s, &(struct fbk_rect){ 3, 4, 20, 9 });
	accepted &= drew(fbk_image_draw_fit(&s, image, &box, FBK_FIT_COVER, FBK_ALIGN_LEFT,
					    FBK_FILTER_NEAREST, FBK_OP_SRC));
	fbk_surface_set_clip(&s, NULL);
	box = (struct fbk_rect){ 0, 0, WIDTH, HEIGHT };
	accepted &= drew(fbk_image_draw_fit(&s, image, &box, FBK_FIT_NONE,
					    FBK_ALIGN_LEFT | FBK_ALIGN_TOP, FBK_FILTER_SMOOTH,
					    FBK_OP_OVER));

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
	struct fbk_image *image = NULL;
	int err = fbk_image_open_memory(&image, data, size, "fuzz.jpg", &limits);
	if (err) {
		REQUIRE(image == NULL);
		REQUIRE(err == -EBADMSG || err == -EFBIG || err == -ENOMEM || err == -ENOTSUP);
		REQUIRE(strstr(fbk_last_error(), "fuzz.jpg"));
		return err == -ENOTSUP && !FBK_HAVE_JPEG ? FUZZ_UNJUDGED : FUZZ_REJECTED;
	}
	const struct fbk_image_info *info = fbk_image_get_info(image);
	REQUIRE(info->width >= 1 && info->height >= 1 && info->width <= 4096 &&
		info->height <= 4096 && (uint64_t)info->width * (uint64_t)info->height <= 4 << 20);
	REQUIRE(info->orientation >= 1 && info->orientation <= 8);

	static const uint32_t formats[] = { FBK_FORMAT_RGB565, FBK_FORMAT_XRGB8888,
					    FBK_FORMAT_RGB888 };
	bool accepted = true;
	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++)
		accepted &= draw_into(image, formats[f]);
	fbk_image_close(image);
	return accepted ? FUZZ_ACCEPTED : FUZZ_REJECTED;
}

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
	return 0;
}
