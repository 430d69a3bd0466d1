/*
 * golden_compare ACTUAL.png NAME: compare a PNG a program wrote (a demo's
 * --snapshot) with tests/golden/NAME.png, through the same checks as
 * test_golden. Exit 0 on a match, 1 on a mismatch, 77 without libpng.
 */
#include "config.h"
#include "harness.h"

#if FBK_HAVE_PNG
#include "golden.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: golden_compare ACTUAL.png NAME\n");
		return 2;
	}
	png_image image = { .version = PNG_IMAGE_VERSION };
	if (!png_image_begin_read_from_file(&image, argv[1])) {
		fprintf(stderr, "%s: %s\n", argv[1], image.message);
		return 1;
	}
	image.format = PNG_FORMAT_BGRA; /* the byte order of ARGB8888 in memory */
	uint8_t *pixels = malloc(PNG_IMAGE_SIZE(image));
	struct fbk_surface s;
	if (!pixels || !png_image_finish_read(&image, NULL, pixels, 0, NULL) ||
	    fbk_surface_init(&s, pixels, (int32_t)image.width, (int32_t)image.height,
			     (size_t)image.width * 4, FBK_FORMAT_ARGB8888)) {
		fprintf(stderr, "%s: cannot decode\n", argv[1]);
		return 1;
	}
	CHECK(golden_check(&s, argv[2]), "%s matches golden %s", argv[1], argv[2]);
	free(pixels);
	return harness_exit();
}
#else
int main(void)
{
	SKIP("fbkit built without libpng");
}
#endif
