/*
 * Golden images: a surface is compared pixel for pixel with
 * tests/golden/NAME.png, read with libpng directly (not through fbkit, so a
 * bug in fbk_png_save cannot hide one in drawing). On a mismatch the actual
 * picture and a diff image go to BUILD/golden-actual/. FBKIT_REGENERATE_GOLDEN=1
 * rewrites the golden files instead: do that only on purpose, and look at them.
 */
#ifndef FBK_TEST_GOLDEN_H
#define FBK_TEST_GOLDEN_H

#include <png.h>
#include <sys/stat.h>

#include "harness.h"

static inline void golden_path(char *out, size_t size, const char *root, const char *dir,
			       const char *name, const char *suffix)
{
	snprintf(out, size, "%s/%s/%s%s.png", root, dir, name, suffix);
}

/* The surface as 8-bit RGBA, the way the golden PNG stores it. */
static inline uint8_t *surface_rgba(const struct fbk_surface *s)
{
	uint8_t *rgba = malloc((size_t)s->width * (size_t)s->height * 4);
	if (!rgba)
		return NULL;
	for (int32_t y = 0; y < s->height; y++)
		for (int32_t x = 0; x < s->width; x++) {
			struct fbk_color c = pixel_at(s, x, y);
			uint8_t *p = rgba + ((size_t)y * (size_t)s->width + (size_t)x) * 4;
			p[0] = c.r;
			p[1] = c.g;
			p[2] = c.b;
			p[3] = c.a;
		}
	return rgba;
}

static inline void write_diff(const uint8_t *want, const uint8_t *got, png_uint_32 w, png_uint_32 h,
			      const char *path)
{
	png_image image = { .version = PNG_IMAGE_VERSION, .width = w, .height = h,
			    .format = PNG_FORMAT_RGB };
	uint8_t *diff = malloc((size_t)w * h * 3);
	if (!diff)
		return;
	for (size_t i = 0; i < (size_t)w * h; i++) {
		int same = !memcmp(want + 4 * i, got + 4 * i, 4);
		uint8_t grey = (uint8_t)((want[4 * i] + want[4 * i + 1] + want[4 * i + 2]) / 12);
		diff[3 * i] = same ? grey : 255;
		diff[3 * i + 1] = same ? grey : 0;
		diff[3 * i + 2] = same ? grey : 0;
	}
	png_image_write_to_file(&image, path, 0, diff, 0, NULL);
	free(diff);
}

/* Compare (or, when asked, regenerate) one golden image. Returns 1 when it matches. */
static inline int golden_check(const struct fbk_surface *s, const char *name)
{
	const char *source = getenv("FBKIT_SOURCE_ROOT");
	const char *build = getenv("FBKIT_BUILD_ROOT");
	char path[4096], actual[4096], diff[4096];
	if (!source || !build) {
		fprintf(stderr, "FBKIT_SOURCE_ROOT and FBKIT_BUILD_ROOT must be set (meson test does)\n");
		return 0;
	}
	golden_path(path, sizeof(path), source, "tests/golden", name, "");
	const char *regenerate = getenv("FBKIT_REGENERATE_GOLDEN");
	if (regenerate && strcmp(regenerate, "") && strcmp(regenerate, "0")) {
		int err = fbk_png_save(s, path);
		printf("regenerated %s: %s\n", path, err ? fbk_last_error() : "ok");
		return err == 0;
	}

	png_image image = { .version = PNG_IMAGE_VERSION };
	uint8_t *want = NULL, *got = surface_rgba(s);
	int ok = 0;
	if (!png_image_begin_read_from_file(&image, path)) {
		fprintf(stderr, "%s: cannot read golden image: %s\n", path, image.message);
		goto out;
	}
	image.format = PNG_FORMAT_RGBA;
	want = malloc(PNG_IMAGE_SIZE(image));
	if (!want || !got || !png_image_finish_read(&image, NULL, want, 0, NULL)) {
		fprintf(stderr, "%s: cannot decode golden image\n", path);
		goto out;
	}
	if (image.width != (png_uint_32)s->width || image.height != (png_uint_32)s->height) {
		fprintf(stderr, "%s: golden is %ux%u, surface is %dx%d\n", path, image.width,
			image.height, (int)s->width, (int)s->height);
		goto out;
	}
	size_t differ = 0, first = 0;
	for (size_t i = (size_t)image.width * image.height; i-- > 0;)
		if (memcmp(want + 4 * i, got + 4 * i, 4)) {
			differ++;
			first = i;
		}
	ok = differ == 0;
	if (!ok) {
		char folder[4096];
		snprintf(folder, sizeof(folder), "%s/golden-actual", build);
		mkdir(folder, 0755);
		golden_path(actual, sizeof(actual), build, "golden-actual", name, "");
		golden_path(diff, sizeof(diff), build, "golden-actual", name, "-diff");
		fbk_png_save(s, actual);
		write_diff(want, got, image.width, image.height, diff);
		fprintf(stderr,
			"%s: %zu pixels differ, first at (%zu,%zu): want %02x%02x%02x%02x got "
			"%02x%02x%02x%02x\n  actual: %s\n  diff:   %s\n",
			name, differ, first % image.width, first / image.width, want[4 * first],
			want[4 * first + 1], want[4 * first + 2], want[4 * first + 3], got[4 * first],
			got[4 * first + 1], got[4 * first + 2], got[4 * first + 3], actual, diff);
	}
out:
	png_image_free(&image);
	free(want);
	free(got);
	return ok;
}

#endif
