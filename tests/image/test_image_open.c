/*
 * fbk_image_open opens a file once: the kind is sniffed from the mapping
 * the decoder then reads, so a file replaced between the sniff and the
 * decode cannot be decoded as the kind its predecessor had, and the path
 * costs one open, not two. open and openat (and their 64-bit names, which
 * the headers pick under _FILE_OFFSET_BITS=64) are wrapped at link time
 * (-Wl,--wrap, see tests/meson.build): each call on the watched path is
 * counted, and the first can rename another image over the path once it
 * has returned, as a writer replacing the file would.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"

#if FBK_HAVE_PNG || FBK_HAVE_JPEG

#if FBK_HAVE_JPEG
#include "jpeg_make.h"
#endif

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __real_open64(const char *path, int flags, ...);
int __wrap_open64(const char *path, int flags, ...);
int __real_openat(int dir, const char *path, int flags, ...);
int __wrap_openat(int dir, const char *path, int flags, ...);
int __real_openat64(int dir, const char *path, int flags, ...);
int __wrap_openat64(int dir, const char *path, int flags, ...);

static const char *watched;   /* the image's path, NULL when not counting */
static const char *swap_with; /* renamed over it after its first open, or NULL */
static int opens;

/* A mode is passed only when the flags create a file. */
#define MODE_ARG(flags, mode)                                        \
	do {                                                          \
		if ((flags) & (O_CREAT | __O_TMPFILE)) {             \
			va_list ap;                                   \
			va_start(ap, flags);                          \
			mode = va_arg(ap, unsigned);                  \
			va_end(ap);                                   \
		}                                                     \
	} while (0)

static void opened(const char *path, int fd)
{
	if (!watched || strcmp(path, watched))
		return;
	opens++;
	if (fd >= 0 && opens == 1 && swap_with) {
		CHECK(rename(swap_with, watched) == 0, "rename %s over %s", swap_with, watched);
		swap_with = NULL;
	}
}

int __wrap_open(const char *path, int flags, ...)
{
	unsigned mode = 0;
	MODE_ARG(flags, mode);
	int fd = __real_open(path, flags, mode);
	opened(path, fd);
	return fd;
}

int __wrap_open64(const char *path, int flags, ...)
{
	unsigned mode = 0;
	MODE_ARG(flags, mode);
	int fd = __real_open64(path, flags, mode);
	opened(path, fd);
	return fd;
}

int __wrap_openat(int dir, const char *path, int flags, ...)
{
	unsigned mode = 0;
	MODE_ARG(flags, mode);
	int fd = __real_openat(dir, path, flags, mode);
	opened(path, fd);
	return fd;
}

int __wrap_openat64(int dir, const char *path, int flags, ...)
{
	unsigned mode = 0;
	MODE_ARG(flags, mode);
	int fd = __real_openat64(dir, path, flags, mode);
	opened(path, fd);
	return fd;
}

static char temp_dir[256];

enum kind { PNG, JPEG };
static const char *const kind_names[] = { "PNG", "JPEG" };

static bool have(enum kind kind)
{
	return kind == PNG ? FBK_HAVE_PNG : FBK_HAVE_JPEG;
}

/* An opaque w x h image of the kind at path (a flat colour: any decoder gets it exactly). */
static bool make_image(enum kind kind, const char *path, int w, int h)
{
	struct fbk_surface *s = NULL;
	if (fbk_surface_create(&s, w, h, FBK_FORMAT_XRGB8888))
		return false;
	fbk_fill(s, NULL, (struct fbk_color){ 200, 40, 90, 255 });
	bool ok = false;
#if FBK_HAVE_PNG
	if (kind == PNG)
		ok = fbk_png_save(s, path) == 0;
#endif
#if FBK_HAVE_JPEG
	if (kind == JPEG) {
		struct jpeg_spec spec = { w, h, JCS_RGB, JCS_YCbCr, 1, 1, 0, 0, 0, 100, NULL, 0 };
		uint8_t *data;
		size_t size;
		if (!jpeg_make(&spec, NULL, &data, &size)) {
			FILE *f = fopen(path, "wb");
			ok = f && fwrite(data, 1, size, f) == size;
			ok = f && !fclose(f) && ok;
			free(data);
		}
	}
#endif
	fbk_surface_destroy(s);
	CHECK(ok, "cannot write a %s to %s", kind_names[kind], path);
	return ok;
}

/*
 * Open a `kind` image at a path: one open. With `swapped` (another
 * kind, or the same at another size), that file is renamed over the path
 * right after the open: the handle must still be the first file, a
 * w x h `kind`, and draw.
 */
static void check_open(enum kind kind, int swapped)
{
	char path[300], other[300];
	snprintf(path, sizeof(path), "%s/picture", temp_dir);
	snprintf(other, sizeof(other), "%s/replacement", temp_dir);
	const int w = 5, h = 4;
	if (!make_image(kind, path, w, h))
		return;
	if (swapped >= 0 && !make_image((enum kind)swapped, other, 7, 3))
		return;
	const char *what = swapped < 0 ? "" : swapped == (int)kind ? ", replaced by a smaller one"
					   : ", replaced by the other kind";
	watched = path;
	swap_with = swapped >= 0 ? other : NULL;
	opens = 0;
	struct fbk_image *image = NULL;
	int err = fbk_image_open(&image, path, NULL);
	watched = NULL;
	CHECK(opens == 1, "%s%s: fbk_image_open opened the file %d times, want once",
	      kind_names[kind], what, opens);
	CHECK(err == 0, "%s%s: open: %s", kind_names[kind], what, fbk_last_error());
	if (!err) {
		const struct fbk_image_info *info = fbk_image_get_info(image);
		enum fbk_image_type type = kind == PNG ? FBK_IMAGE_PNG : FBK_IMAGE_JPEG;
		CHECK(info->type == type && info->width == w && info->height == h,
		      "%s%s: the handle is a %s %ux%u, not the %dx%d file opened",
		      kind_names[kind], what, info->type == FBK_IMAGE_PNG ? "PNG" : "JPEG",
		      (unsigned)info->width, (unsigned)info->height, w, h);
		struct fbk_surface *s = NULL;
		fbk_surface_create(&s, w, h, FBK_FORMAT_XRGB8888);
		err = s ? fbk_image_draw(s, image, 0, 0, FBK_OP_SRC) : -ENOMEM;
		CHECK(err == 0, "%s%s: draw: %s", kind_names[kind], what, fbk_last_error());
		fbk_surface_destroy(s);
	}
	fbk_image_close(image);
	unlink(path);
	unlink(other);
}

/* An empty file is said to be empty, not corrupt: nothing was written into it. */
static void check_empty(void)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/empty", temp_dir);
	FILE *f = fopen(path, "w");
	if (!f) {
		CHECK(0, "cannot make %s", path);
		return;
	}
	fclose(f);
	struct fbk_image *image = NULL;
	int err = fbk_image_open(&image, path, NULL);
	CHECK(err == -EBADMSG && strstr(fbk_last_error(), "is empty") &&
		      !strstr(fbk_last_error(), "corrupt"),
	      "an empty file: %d, %s", err, err ? fbk_last_error() : "opened");
	fbk_image_close(image);
	unlink(path);
}

int main(void)
{
	snprintf(temp_dir, sizeof(temp_dir), "%s/test_image_open.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(temp_dir))
		SKIP("cannot make a temporary folder");
	for (int kind = PNG; kind <= JPEG; kind++) {
		if (!have((enum kind)kind))
			continue;
		check_open((enum kind)kind, -1);
		check_open((enum kind)kind, kind);
		if (have((enum kind)!kind))
			check_open((enum kind)kind, !kind);
	}
	check_empty();
	rmdir(temp_dir);
	return harness_exit();
}

#else

int main(void)
{
	SKIP("built without libpng and libjpeg-turbo (-Dpng, -Djpeg): no image file opens");
}

#endif
