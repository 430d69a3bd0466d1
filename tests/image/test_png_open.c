/*
 * Opening PNG files: limits structures of other sizes than this library's
 * (older and newer programs), and files that are some other image format.
 */
#include <errno.h>
#include <stddef.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"

/* A 300x5 PNG in memory, written by fbkit itself. */
static uint8_t *make_png(size_t *size)
{
	char path[] = "/tmp/fbkit-test-png-open-XXXXXX";
	int fd = mkstemp(path);
	struct fbk_surface *s = NULL;
	uint8_t *data = NULL;
	if (fd < 0 || fbk_surface_create(&s, 300, 5, FBK_FORMAT_XRGB8888) || fbk_png_save(s, path))
		goto out;
	FILE *f = fopen(path, "rb");
	data = malloc(1 << 16);
	*size = f && data ? fread(data, 1, 1 << 16, f) : 0;
	if (f)
		fclose(f);
out:
	fbk_surface_destroy(s);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	return data;
}

static int open_with(const uint8_t *png, size_t size, const void *limits)
{
	struct fbk_png *p = NULL;
	int err = fbk_png_open_memory(&p, png, size, "limits.png", limits);
	fbk_png_close(p);
	return err;
}

static void limits_sizes(const uint8_t *png, size_t size)
{
	/* What a program built against this library passes. */
	struct fbk_png_limits now = FBK_PNG_LIMITS_INIT(.max_pixels = 1499);
	CHECK(open_with(png, size, &now) == -EFBIG, "this version's limits apply: %s",
	      fbk_last_error());
	struct fbk_png_limits defaults = FBK_PNG_LIMITS_INIT();
	CHECK(open_with(png, size, &defaults) == 0, "defaults: %s", fbk_last_error());

	/*
	 * An older program's structure ends before max_pixels. What lies after
	 * it in memory is not the caller's: here it would read as a 1-pixel
	 * limit, which must not apply.
	 */
	union {
		struct fbk_png_limits limits;
		uint8_t bytes[sizeof(struct fbk_png_limits)];
	} old = { .limits = { .max_pixels = 1 } };
	old.limits.size = offsetof(struct fbk_png_limits, max_pixels);
	old.limits.max_width = 300;
	CHECK(open_with(png, size, &old) == 0, "a smaller (older) structure: %s", fbk_last_error());
	old.limits.max_width = 299;
	CHECK(open_with(png, size, &old) == -EFBIG, "its fields still apply: %s", fbk_last_error());

	/* A newer program's structure: more fields, all 0 (defaults) or not. */
	struct {
		struct fbk_png_limits limits;
		uint64_t later_field;
	} newer = { .limits = FBK_PNG_LIMITS_INIT(), .later_field = 0 };
	newer.limits.size = sizeof(newer);
	CHECK(open_with(png, size, &newer) == 0, "a larger structure, extra fields 0: %s",
	      fbk_last_error());
	newer.later_field = 1;
	int err = open_with(png, size, &newer);
	CHECK(err == -ENOTSUP && strstr(fbk_last_error(), "does not know"),
	      "a limit this version cannot apply: %d %s", err, fbk_last_error());

	struct fbk_png_limits zeroed = { 0 };
	err = open_with(png, size, &zeroed);
	CHECK(err == -EINVAL && strstr(fbk_last_error(), "FBK_PNG_LIMITS_INIT"),
	      "no size: %d %s", err, fbk_last_error());

	/*
	 * A size no struct fbk_png_limits ever had is refused before a byte
	 * past the library's own struct is read: a huge one would have it
	 * read far past the caller's memory, one inside a field would copy
	 * half of max_pixels.
	 */
	struct fbk_png_limits odd = FBK_PNG_LIMITS_INIT();
	const uint32_t bad_sizes[] = { 100000, 4097 * 8, 20, 6, sizeof(odd) + 4 };
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		odd.size = bad_sizes[i];
		err = open_with(png, size, &odd);
		CHECK(err == -EINVAL && strstr(fbk_last_error(), "FBK_PNG_LIMITS_INIT"),
		      "size %u: %d %s", (unsigned)bad_sizes[i], err, fbk_last_error());
	}
}

/* Other formats' first bytes (then filler), and what the message must name. */
static void other_formats(void)
{
	static const struct {
		const char *name;
		const char *head;
		size_t length;
	} files[] = {
		{ "JPEG", "\xff\xd8\xff\xe0\0\x10JFIF\0", 11 },
		{ "GIF", "GIF89a\x10\0\x10\0", 10 },
		{ "WebP", "RIFF\x24\0\0\0WEBPVP8 ", 16 },
		{ "TIFF", "II*\0\x08\0\0\0", 8 },
		{ "TIFF", "MM\0*\0\0\0\x08", 8 },
		{ "BMP", "BM\x36\x10\0\0\0\0", 8 },
		{ "AVIF", "\0\0\0\x1c" "ftypavif", 12 },
	};
	uint8_t data[64];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		memset(data, 0x55, sizeof(data));
		memcpy(data, files[i].head, files[i].length);
		struct fbk_png *p = NULL;
		int err = fbk_png_open_memory(&p, data, sizeof(data), "picture", NULL);
		char want[64];
		snprintf(want, sizeof(want), "picture: not a PNG file (%s)", files[i].name);
		CHECK(err == -EBADMSG && !strcmp(fbk_last_error(), want), "%s: %d '%s', want '%s'",
		      files[i].name, err, fbk_last_error(), want);
		fbk_png_close(p);
	}

	static const char text[] = "This is not a PNG file at all, just words.\n";
	struct fbk_png *p = NULL;
	int err = fbk_png_open_memory(&p, text, sizeof(text) - 1, "words", NULL);
	CHECK(err == -EBADMSG && !strcmp(fbk_last_error(), "words: not a PNG file"),
	      "text: %d '%s'", err, fbk_last_error());
	/* A PNG signature with its CR LF made LF is a damaged PNG, for libpng to describe. */
	static const uint8_t ascii[] = { 0x89, 'P', 'N', 'G', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I',
					 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0 };
	err = fbk_png_open_memory(&p, ascii, sizeof(ascii), "damaged", NULL);
	CHECK(err == -EBADMSG && !strstr(fbk_last_error(), "not a PNG file"),
	      "damaged signature: %d '%s'", err, fbk_last_error());
}

int main(void)
{
	if (!FBK_HAVE_PNG)
		SKIP("fbkit is built without libpng");
	size_t size = 0;
	uint8_t *png = make_png(&size);
	if (!png || !size) {
		CHECK(0, "could not write the test PNG: %s", fbk_last_error());
		return harness_exit();
	}
	limits_sizes(png, size);
	free(png);
	other_formats();
	return harness_exit();
}
