/*
 * Saving a surface as PNG with libpng. The file is written under a
 * temporary name in the same folder and renamed over the target, so a
 * program watching the target (FBKIT_SNAPSHOT) never reads half a file;
 * its data is on the disk (fsync) before the rename, and the folder's new
 * entry after it, so a crash leaves the old file or the new one, never an
 * empty one under the target's name.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "core/error.h"
#include "fbkit/png.h"

#if FBK_HAVE_PNG

#include <fcntl.h>
#include <libgen.h>
#include <png.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pixel/pixel.h"

/* Everything the libpng callbacks and the error path need to see. */
struct writer {
	const struct fbk_surface *surface;
	const struct fbk_row_codec *codec;
	const char *path;
	FILE *file;
	png_structp png;
	png_infop info;
	int channels;    /* 3 (RGB) or 4 (RGBA) */
	uint8_t *row;    /* one output row: width * channels bytes */
	int write_errno; /* errno of a failed write, 0 when libpng failed on its own */
	char message[160];
};

static void on_error(png_structp png, png_const_charp message)
{
	struct writer *w = png_get_error_ptr(png);
	snprintf(w->message, sizeof(w->message), "%s", message);
	png_longjmp(png, 1);
}

/* libpng's default handlers print to stderr, which the library never does. */
static void on_warning(png_structp png, png_const_charp message)
{
	(void)png;
	fbk_log(FBK_LOG_DEBUG, "libpng: %s", message);
}

/* Our own write so that a failure keeps its errno (ENOSPC, EIO, ...). */
static void on_write(png_structp png, png_bytep data, size_t length)
{
	struct writer *w = png_get_io_ptr(png);
	errno = 0;
	if (fwrite(data, 1, length, w->file) != length) {
		w->write_errno = errno ? errno : EIO;
		png_error(png, fbk_errstr(w->write_errno));
	}
}

static void on_flush(png_structp png)
{
	(void)png; /* the file is flushed once, when it is closed */
}

/* Row y of the surface as 8-bit RGB or RGBA into w->row. */
static void convert_row(struct writer *w, int32_t y)
{
	const struct fbk_surface *s = w->surface;
	const uint8_t *src = (const uint8_t *)s->pixels + (size_t)y * s->stride;
	int bytes_per_pixel = fbk_format_info(s->format)->bytes_per_pixel;
	uint32_t argb[FBK_ROW_CHUNK];
	uint8_t *out = w->row;
	for (int32_t x = 0; x < s->width; x += FBK_ROW_CHUNK) {
		int32_t n = s->width - x < FBK_ROW_CHUNK ? s->width - x : FBK_ROW_CHUNK;
		w->codec->unpack(argb, src + (size_t)x * (size_t)bytes_per_pixel, n);
		for (int32_t i = 0; i < n; i++) {
			*out++ = (uint8_t)(argb[i] >> 16);
			*out++ = (uint8_t)(argb[i] >> 8);
			*out++ = (uint8_t)argb[i];
			if (w->channels == 4)
				*out++ = (uint8_t)(argb[i] >> 24);
		}
	}
}

/*
 * The only function that calls setjmp. Its own locals are not read after a
 * longjmp (the loop counter dies with the jump), and all state that is
 * lives in *w, outside this stack frame, so nothing here needs volatile.
 * Returns 0, or -1 after libpng reported an error.
 */
static int encode(struct writer *w)
{
	if (setjmp(png_jmpbuf(w->png)))
		return -1;
	const struct fbk_surface *s = w->surface;
	png_set_write_fn(w->png, w, on_write, on_flush);
	/*
	 * Screens are saved often (FBKIT_SNAPSHOT on every present, screenshot
	 * tools): zlib's fastest level with the cheap SUB filter takes a few
	 * times less time than the defaults for files a little larger.
	 */
	png_set_compression_level(w->png, 1);
	png_set_filter(w->png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
	png_set_IHDR(w->png, w->info, (png_uint_32)s->width, (png_uint_32)s->height, 8,
		     w->channels == 4 ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(w->png, w->info);
	for (int32_t y = 0; y < s->height; y++) {
		convert_row(w, y);
		png_write_row(w->png, w->row);
	}
	png_write_end(w->png, w->info);
	return 0;
}

/*
 * Open a fresh temporary file beside `path`. The counter keeps threads of
 * one process apart; O_EXCL refuses a name someone else (or a planted
 * symlink) already holds, and then the next number is tried.
 */
static int create_temporary(const char *path, char **tmp_path, FILE **file)
{
	static atomic_uint counter;
	size_t size = strlen(path) + 48;
	char *name = malloc(size);
	if (!name)
		return fbk_fail(-ENOMEM, "out of memory");
	int fd = -1, err = 0;
	for (int attempt = 0; attempt < 100; attempt++) {
		snprintf(name, size, "%s.tmp-%ld-%u", path, (long)getpid(),
			 atomic_fetch_add(&counter, 1));
		fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		err = -errno;
		fbk_fail(err, "cannot create %s: %s", path, fbk_errstr(-err));
		goto fail_name;
	}
	*file = fdopen(fd, "wb");
	if (!*file) {
		err = -errno;
		fbk_fail(err, "cannot create %s: %s", path, fbk_errstr(-err));
		goto fail_fd;
	}
	*tmp_path = name;
	return 0;

fail_fd:
	close(fd);
	unlink(name);
fail_name:
	free(name);
	return err;
}

/*
 * Make the rename itself durable: fsync the folder holding path. A file
 * system that cannot sync a folder says EINVAL; it has nothing to flush.
 */
static int sync_folder(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return fbk_fail(-ENOMEM, "out of memory");
	int err = 0;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (fsync(fd) && errno != EINVAL))
		err = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	if (err)
		return fbk_fail(err, "%s is written, but its folder could not be synced (a crash "
				"may lose the new file): %s",
				path, fbk_errstr(-err));
	return 0;
}

static int save(const struct fbk_surface *surface, const char *path)
{
	int err;
	struct writer w = {
		.surface = surface,
		.codec = fbk_row_codec(surface->format),
		.path = path,
		.channels = fbk_format_has_alpha(surface->format) ? 4 : 3,
	};
	if (!w.codec)
		return fbk_fail(-ENOTSUP, "cannot save %s: no row codec for format 0x%08x", path,
				(unsigned)surface->format);
	/* width <= FBK_MAX_DIMENSION, so width * 4 cannot overflow. */
	w.row = malloc((size_t)surface->width * (size_t)w.channels);
	if (!w.row)
		return fbk_fail(-ENOMEM, "out of memory for a PNG row");

	char *tmp_path = NULL;
	err = create_temporary(path, &tmp_path, &w.file);
	if (err)
		goto fail_row;

	w.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w, on_error, on_warning);
	if (!w.png) {
		err = fbk_fail(-ENOMEM, "cannot save %s: out of memory for libpng", path);
		goto fail_file;
	}
	w.info = png_create_info_struct(w.png);
	if (!w.info) {
		err = fbk_fail(-ENOMEM, "cannot save %s: out of memory for libpng", path);
		goto fail_png;
	}
	if (encode(&w)) {
		err = w.write_errno ? -w.write_errno : -EIO;
		fbk_fail(err, "cannot write %s: %s", path, w.message);
		goto fail_png;
	}
	png_destroy_write_struct(&w.png, &w.info);

	/*
	 * The data must be on the disk before the rename: otherwise a crash
	 * can leave the renamed entry pointing at a file whose blocks were
	 * never written (an empty PNG under the final name). fclose flushes
	 * the last buffered bytes: its failure is a write failure too.
	 */
	FILE *file = w.file;
	w.file = NULL;
	bool synced = !fflush(file) && !fsync(fileno(file));
	err = synced ? 0 : -errno;
	if (fclose(file) && !err)
		err = -errno;
	if (err) {
		fbk_fail(err, "cannot write %s: %s", path, fbk_errstr(-err));
		goto fail_tmp;
	}
	if (rename(tmp_path, path)) {
		err = -errno;
		fbk_fail(err, "cannot replace %s: %s", path, fbk_errstr(-err));
		goto fail_tmp;
	}
	free(tmp_path);
	free(w.row);
	return sync_folder(path);

fail_png:
	png_destroy_write_struct(&w.png, &w.info);
fail_file:
	if (w.file)
		fclose(w.file);
fail_tmp:
	unlink(tmp_path);
	free(tmp_path);
fail_row:
	free(w.row);
	return err;
}

#else

static int save(const struct fbk_surface *surface, const char *path)
{
	(void)surface;
	return fbk_fail(-ENOTSUP, "cannot save %s: fbkit was built without libpng", path);
}

#endif

int fbk_png_save(const struct fbk_surface *surface, const char *path)
{
	if (!path || !*path)
		return fbk_fail(-EINVAL, "PNG path is NULL or empty");
	int err = fbk_surface_check(surface);
	if (err)
		return err;
	return save(surface, path);
}
