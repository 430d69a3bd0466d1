/*
 * Reading an offscreen display's screen file from another process (what
 * fbkit-shot does). The writer owns the file: it presents while we copy,
 * and may shrink or recreate it at any moment. So nothing in the mapping
 * is trusted twice: the header is copied out once and checked against the
 * size mapped, and every read of the mapping, header and frame counter
 * included, goes through the SIGBUS guard, which turns a page that
 * vanished into -EIO instead of killing the reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "backend/present.h"
#include "pixel/rotate.h"
#include "platform/map_guard.h"
#include "backend/screen_file.h"

/* A present during this many copies in a row: keep the last one. */
#define COPY_TRIES 5

int fbk_screen_file_check(const struct fbk_offscreen_file_header *h, size_t file_size)
{
	if (memcmp(h->magic, FBK_OFFSCREEN_FILE_MAGIC, sizeof(h->magic)))
		return fbk_fail(-EBADMSG, "not an fbkit screen file (no " FBK_OFFSCREEN_FILE_MAGIC
				" magic)");
	const struct fbk_format_info *info = fbk_format_info(h->format);
	if (!info)
		return fbk_fail(-ENOTSUP, "screen file has unsupported pixel format 0x%08x",
				(unsigned)h->format);
	if (h->width < 1 || h->height < 1 || h->width > FBK_MAX_DIMENSION ||
	    h->height > FBK_MAX_DIMENSION)
		return fbk_fail(-EBADMSG, "screen file size %ux%u is outside 1x1..%dx%d",
				(unsigned)h->width, (unsigned)h->height, FBK_MAX_DIMENSION,
				FBK_MAX_DIMENSION);
	/* 64-bit: each factor is below 2^32 and height below 2^15, so nothing wraps. */
	uint64_t row_bytes = (uint64_t)h->width * info->bytes_per_pixel;
	if (h->stride < row_bytes)
		return fbk_fail(-EBADMSG, "screen file stride %u is less than a row of %u pixels",
				(unsigned)h->stride, (unsigned)h->width);
	if (h->pixel_offset < offsetof(struct fbk_offscreen_file_header, rotation))
		return fbk_fail(-EBADMSG, "screen file pixels (at byte %u) overlap its header",
				(unsigned)h->pixel_offset);
	uint64_t end = (uint64_t)h->pixel_offset + (uint64_t)(h->height - 1) * h->stride + row_bytes;
	if (h->pixel_offset >= sizeof(*h) && h->rotation != 0 && h->rotation != 90 &&
	    h->rotation != 180 && h->rotation != 270)
		return fbk_fail(-EBADMSG, "screen file rotation %u is not 0, 90, 180 or 270",
				(unsigned)h->rotation);
	if (end > file_size)
		return fbk_fail(-EBADMSG, "screen file of %zu bytes is too short for its %ux%u "
				"screen (needs %llu)", file_size, (unsigned)h->width,
				(unsigned)h->height, (unsigned long long)end);
	return 0;
}

static int read_frame(uint32_t *frame, const void *map, size_t size)
{
	const uint8_t *at = (const uint8_t *)map + offsetof(struct fbk_offscreen_file_header,
							     frame_count);
	int err = fbk_map_guard_copy(frame, at, sizeof(*frame), map, size);
	/* Pairs with the writer's release increment: pixels are read after the count. */
	atomic_thread_fence(memory_order_acquire);
	return err;
}

static int copy_rows(struct fbk_surface *s, const struct fbk_offscreen_file_header *h,
		     const void *map, size_t size)
{
	const uint8_t *src = (const uint8_t *)map + h->pixel_offset;
	size_t row_bytes = (size_t)s->width * fbk_format_info(s->format)->bytes_per_pixel;
	for (int32_t y = 0; y < s->height; y++)
		if (fbk_map_guard_copy((uint8_t *)s->pixels + (size_t)y * s->stride,
				       src + (size_t)y * h->stride, row_bytes, map, size))
			return -EIO;
	return 0;
}

/* The copy of a rotated display's memory, turned back to the picture; s is used up. */
static int turn_back(struct fbk_surface **out, struct fbk_surface *s, int rotation)
{
	if (!rotation) {
		*out = s;
		return 0;
	}
	int32_t w = s->width, h = s->height;
	fbk_rotated_size(rotation, &w, &h);
	struct fbk_surface *picture;
	int err = fbk_surface_create(&picture, w, h, s->format);
	if (!err) {
		fbk_rotate_ops()->rotate(picture->pixels, picture->stride, s->pixels, s->stride,
					 s->width, s->height,
					 (int)fbk_format_info(s->format)->bytes_per_pixel,
					 (360 - rotation) % 360);
		*out = picture;
	}
	fbk_surface_destroy(s);
	return err;
}

int fbk_screen_file_copy(struct fbk_surface **out, const void *map, size_t size)
{
	if (!out || !map)
		return fbk_fail(-EINVAL, "screen file copy: NULL output or mapping");
	*out = NULL;
	struct fbk_offscreen_file_header h = { .rotation = 0 };
	/* Files written before the rotation field have their pixels where it would be. */
	size_t header_size = offsetof(struct fbk_offscreen_file_header, rotation);
	if (size < header_size)
		return fbk_fail(-EBADMSG, "screen file of %zu bytes is shorter than its header",
				size);
	int err = fbk_map_guard_prepare();
	if (err)
		return err;
	if (fbk_map_guard_copy(&h, map, header_size, map, size))
		goto shrunk;
	if (h.pixel_offset >= sizeof(h) && size >= sizeof(h) &&
	    fbk_map_guard_copy(&h.rotation, (const uint8_t *)map + header_size,
			       sizeof(h.rotation), map, size))
		goto shrunk;
	err = fbk_screen_file_check(&h, size);
	if (err)
		return err;
	struct fbk_surface *s;
	err = fbk_surface_create(&s, (int32_t)h.width, (int32_t)h.height, h.format);
	if (err)
		return err;
	for (int tries = 0; tries < COPY_TRIES; tries++) {
		uint32_t before, after;
		if (read_frame(&before, map, size) || copy_rows(s, &h, map, size))
			goto shrunk_surface;
		atomic_thread_fence(memory_order_acquire);
		if (read_frame(&after, map, size))
			goto shrunk_surface;
		if (after == before)
			return turn_back(out, s, (int)h.rotation);
	}
	fbk_surface_destroy(s);
	return fbk_fail(-EAGAIN, "the display presented during each of %d copies of its screen "
				 "file: try again",
			COPY_TRIES);

shrunk_surface:
	fbk_surface_destroy(s);
shrunk:
	return fbk_fail(-EIO, "screen file shrank while it was read (its display was closed "
			"or resized?)");
}

static int fail_errno(const char *path, const char *what)
{
	int e = errno;
	return fbk_fail(-e, "%s: %s%s", path, what, fbk_errstr(e));
}

int fbk_offscreen_file_read(struct fbk_surface **out, const char *path)
{
	if (!out || !path)
		return fbk_fail(-EINVAL, "fbk_offscreen_file_read: NULL output or path");
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(path, "cannot open: ");
	struct stat st;
	int err = 0;
	if (fstat(fd, &st)) {
		err = fail_errno(path, "");
		goto out_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		err = fbk_fail(-EBADMSG, "%s: not a regular file, so not an fbkit screen file", path);
		goto out_fd;
	}
	if ((uint64_t)st.st_size < sizeof(struct fbk_offscreen_file_header) ||
	    (uint64_t)st.st_size > SIZE_MAX) {
		err = fbk_fail(-EBADMSG, "%s: %lld bytes cannot be an fbkit screen file", path,
			       (long long)st.st_size);
		goto out_fd;
	}
	size_t size = (size_t)st.st_size;
	void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err = fail_errno(path, "cannot map: ");
		goto out_fd;
	}
	err = fbk_screen_file_copy(out, map, size);
	if (err)
		fbk_fail_context(err, path);
	munmap(map, size);
out_fd:
	close(fd);
	return err;
}
