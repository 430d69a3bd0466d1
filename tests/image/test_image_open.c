/*
 * fbk_image_open opens a file once: the kind is sniffed from the mapping
 * the decoder then reads, so a file replaced between the sniff and the
 * decode cannot be decoded as the kind its predecessor had, and the path
 * costs one open, not two. open and openat (and their 64-bit names, which
 * the headers pick under _FILE_OFFSET_BITS=64) are wrapped at link time
 * (-Wl,--wrap, see tests/meson.build): each call on the watched path is
 * counted, and the first can rename another image over the path once it
 * has returned, as a writer replacing the file would.
 *
 * calloc is wrapped too: each calloc an open makes is made to fail in
 * turn, the PNG and JPEG handles' among them (their failure path takes the
 * file's mapping over, fbk_mapped_file_take), and every failure must be
 * -ENOMEM with a message that leaves no mapping of the file and no
 * descriptor behind. (The name's strdup and libpng's own allocations are
 * not made to fail here.)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "core/error.h"
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

void *__real_calloc(size_t count, size_t size);
void *__wrap_calloc(size_t count, size_t size);

static const char *mapped_path; /* the file whose mapping the failures look for */
static int callocs, fail_at;    /* fail_at > 0: that call (counted from 1) fails */
static bool failed_while_mapped;

/* Whether /proc/self/maps lists a mapping of path. */
static bool is_mapped(const char *path)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *name = strchr(line, '/');
		if (name) {
			name[strcspn(name, "\n")] = '\0';
			found = !strcmp(name, path);
		}
	}
	fclose(f);
	return found;
}

void *__wrap_calloc(size_t count, size_t size)
{
	if (fail_at && ++callocs == fail_at) {
		failed_while_mapped |= is_mapped(mapped_path);
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(count, size);
}

static int open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	if (!dir)
		return -1;
	int n = 0;
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
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

/*
 * Each allocation of an open made to fail in turn, until the open needs no
 * more: -ENOMEM and a message, and neither the file's mapping nor a
 * descriptor is left. `direct` opens through fbk_png_open, not the image
 * handle.
 */
static void check_out_of_memory(enum kind kind, bool direct)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/memory", temp_dir);
	if (!make_image(kind, path, 5, 4))
		return;
	const char *how = direct ? "fbk_png_open" : "fbk_image_open";
	mapped_path = path;
	failed_while_mapped = false;
	int fds = open_fds(), n;
	bool opened = false;
	for (n = 1; n < 50 && !opened; n++) {
		callocs = 0;
		fail_at = n;
		struct fbk_image *image = NULL;
		struct fbk_png *png = NULL;
		int err = -ENOSYS;
		fbk_fail(-ENOSYS, "test: no message yet"); /* not the last failure's */
#if FBK_HAVE_PNG
		if (direct)
			err = fbk_png_open(&png, path, NULL);
#endif
		if (!direct)
			err = fbk_image_open(&image, path, NULL);
		fail_at = 0;
		opened = callocs < n;
		if (opened) {
			CHECK(err == 0, "%s %s, no allocation failed: %s", kind_names[kind], how,
			      fbk_last_error());
		} else {
			CHECK(err == -ENOMEM && strstr(fbk_last_error(), "out of memory") &&
				      !image && !png,
			      "%s %s, allocation %d failed: %d (%s), handle %p", kind_names[kind],
			      how, n, err, fbk_last_error(), image ? (void *)image : (void *)png);
			CHECK(!is_mapped(path), "%s %s, allocation %d failed: the file is still "
			      "mapped", kind_names[kind], how, n);
			CHECK(open_fds() == fds, "%s %s, allocation %d failed: %d descriptors "
			      "open, %d before", kind_names[kind], how, n, open_fds(), fds);
		}
#if FBK_HAVE_PNG
		fbk_png_close(png);
#endif
		fbk_image_close(image);
	}
	CHECK(opened, "%s %s: still failing after %d allocations", kind_names[kind], how, n);
	CHECK(failed_while_mapped, "%s %s: no allocation failed while the file was mapped (the "
	      "handle's, which takes the mapping over)", kind_names[kind], how);
	CHECK(!is_mapped(path), "%s %s: closed, the file is still mapped", kind_names[kind], how);
	mapped_path = NULL;
	unlink(path);
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
		check_out_of_memory((enum kind)kind, false);
	}
	if (have(PNG))
		check_out_of_memory(PNG, true);
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
