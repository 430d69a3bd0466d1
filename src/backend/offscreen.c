/*
 * The offscreen backend: a screen that lives in memory, for tests, CI and
 * headless rendering. With file=PATH the memory is a shared mapping of a
 * file that starts with struct fbk_offscreen_file_header, so another
 * process can watch the screen; FBKIT_SNAPSHOT=PATH saves a PNG on every
 * present, over the last one, or one per frame with a pattern such as
 * out-%04d.png (backend/snapshot.h). With back-buffer the program draws into system memory and
 * present copies the rectangles it names to the screen memory, as on the
 * device backends: so CI sees what a device would show, a forgotten
 * present included.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/present.h"
#include "backend/screen_file.h"
#include "backend/snapshot.h"
#include "config.h"
#include "core/error.h"
#include "core/format_list.h"
#include "fbkit/png.h"
#include "core/overflow.h"

#define DEFAULT_WIDTH 1280
#define DEFAULT_HEIGHT 800
#define DEFAULT_FORMAT FBK_FORMAT_XRGB8888

struct offscreen {
	struct fbk_display base; /* first: the registry casts between the two */
	void *map;               /* the whole mapping: header page (file= only), pixels */
	size_t map_size;
	size_t page_size;
	int fd;                        /* the file= file, or -1 */
	char *file_path;               /* for messages; NULL without file= */
	char *snapshot_path;           /* FBKIT_SNAPSHOT at open time, or NULL */
	struct fbk_snapshot_name snapshot; /* its pattern, when it is one */
	uint64_t frame;                /* presents so far: the next snapshot's number */
	struct fbk_offscreen_file_header *header; /* NULL without file= */
	struct fbk_surface screen; /* what the screen shows: the mapping's pixels */
	struct fbk_back back;      /* back-buffer: the surface's memory; else none */
	struct fbk_present present;
};

static int offscreen_present(struct fbk_display *display, const struct fbk_rect *rects, size_t n);
static void offscreen_close(struct fbk_display *display);
static void offscreen_describe(const struct fbk_display *display, struct fbk_describe *out);
static int offscreen_read_front(struct fbk_display *display, struct fbk_surface *dst);
static int offscreen_read_rect(struct fbk_display *display, const struct fbk_rect *r, uint8_t *dst,
			       size_t dst_stride);

static const struct fbk_display_ops offscreen_ops = {
	.present = offscreen_present,
	.close = offscreen_close,
	.describe = offscreen_describe,
	.read_front = offscreen_read_front,
	.read_rect = offscreen_read_rect,
};

static size_t round_down(size_t value, size_t align)
{
	return value - value % align;
}

/* value rounded up to a multiple of align; true when that overflows. */
static bool round_up_overflows(size_t value, size_t align, size_t *out)
{
	if (fbk_add_overflows(value, align - 1, out))
		return true;
	*out = round_down(*out, align);
	return false;
}

static int parse_options(const struct fbk_spec *spec, int32_t *width, int32_t *height,
			 const struct fbk_format_info **format, const char **file, bool *back_buffer,
			 int *rotation)
{
	static const char *const known[] = { "format", "file", "back-buffer", "rate", NULL };
	int err = fbk_spec_check_keys(spec, known);
	if (!err)
		err = fbk_spec_rotation(spec, rotation);
	if (err)
		return err;

	*width = DEFAULT_WIDTH;
	*height = DEFAULT_HEIGHT;
	if (spec->argument) {
		err = fbk_spec_parse_size(spec->argument, width, height);
		if (err) {
			char text[128], prefix[160];
			fbk_spec_format(spec, text, sizeof(text));
			snprintf(prefix, sizeof(prefix), "display spec \"%s\"", text);
			return fbk_fail_context(err, prefix);
		}
	}

	*format = fbk_format_info(DEFAULT_FORMAT);
	if (fbk_spec_has(spec, "format")) {
		const char *name = fbk_spec_get(spec, "format");
		char known_names[128];
		fbk_format_names(known_names, sizeof(known_names));
		if (!name)
			return fbk_fail(-EINVAL, "option 'format' needs a value (format=NAME; "
						 "known: %s)",
					known_names);
		*format = fbk_format_by_name(name);
		if (!*format)
			return fbk_fail(-EINVAL, "unknown format '%.64s' (known: %s)", name,
					known_names);
	}

	*file = NULL;
	if (fbk_spec_has(spec, "file")) {
		*file = fbk_spec_get(spec, "file");
		if (!*file)
			return fbk_fail(-EINVAL, "option 'file' needs a value (file=PATH)");
	}

	return fbk_spec_flag(spec, "back-buffer", back_buffer);
}

/*
 * rate=HZ, the frames per second the event loop paces this display at:
 * 1 to 1000, with up to three decimals (59.94). *interval is 0 without it.
 */
static int parse_rate(const struct fbk_spec *spec, uint64_t *interval)
{
	*interval = 0;
	if (!fbk_spec_has(spec, "rate"))
		return 0;
	const char *text = fbk_spec_get(spec, "rate");
	uint64_t millihertz = 0;
	int decimals = -1; /* -1 before the point */
	for (const char *p = text ? text : ""; *p; p++) {
		if (*p == '.' && decimals < 0) {
			decimals = 0;
			continue;
		}
		if (*p < '0' || *p > '9' || decimals >= 3 || millihertz > 1000000u)
			goto bad;
		millihertz = millihertz * 10 + (uint64_t)(*p - '0');
		if (decimals >= 0)
			decimals++;
	}
	for (int d = decimals < 0 ? 0 : decimals; d < 3; d++)
		millihertz *= 10;
	if (!text || !*text || !strcmp(text, ".") || millihertz < 1000 || millihertz > 1000000)
		goto bad;
	*interval = (1000000000000u + millihertz / 2) / millihertz;
	return 0;
bad:
	return fbk_fail(-EINVAL, "option 'rate' takes frames per second from 1 to 1000 "
				 "(rate=60, rate=59.94), not '%.32s'",
			text ? text : "");
}

/* Why an existing file is not an earlier screen file, or NULL when it is one. */
static const char *not_a_screen_file(int fd, off_t file_size, char *why, size_t size)
{
	struct fbk_offscreen_file_header h;
	if ((size_t)file_size < sizeof(h))
		return "too short for an fbkit screen header";
	ssize_t got = pread(fd, &h, sizeof(h), 0);
	if (got != (ssize_t)sizeof(h))
		return "its header cannot be read";
	if (fbk_screen_file_check(&h, (size_t)file_size)) {
		snprintf(why, size, "%s", fbk_last_error());
		return why;
	}
	/*
	 * fbkit writes the header page, then the pixels padded to a whole
	 * page, and the header page is one page: the size is exact to less
	 * than a page. The fields are 32 bits and the height at most
	 * 32767, so nothing here overflows 64 bits.
	 */
	uint64_t needed = h.pixel_offset + (uint64_t)h.stride * h.height;
	if ((uint64_t)file_size < needed || (uint64_t)file_size - needed >= h.pixel_offset) {
		snprintf(why, size,
			 "its header describes a %ux%u screen of %llu bytes, but the file has %lld",
			 (unsigned)h.width, (unsigned)h.height, (unsigned long long)needed,
			 (long long)file_size);
		return why;
	}
	return NULL;
}

/*
 * Open (or create) the file without truncating it: a file that turns out
 * not to be usable must be left as it was, and a file we created removed.
 * An existing file is taken over only when it is empty or an earlier
 * screen file, so a path typed by mistake cannot turn someone's document
 * into pixels; and a symbolic link is refused, not followed, so a link
 * left at the path cannot send the screen into a file elsewhere.
 */
static int open_screen_file(const char *path, bool *created)
{
	/* O_NONBLOCK so that naming a FIFO cannot hang the open. */
	int flags = O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW;
	int fd = open(path, flags | O_CREAT | O_EXCL, 0644);
	*created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, flags);
	if (fd < 0) {
		int err = -errno;
		struct stat link;
		if (err == -ELOOP && lstat(path, &link) == 0 && S_ISLNK(link.st_mode))
			return fbk_fail(err, "%s is a symbolic link; file= does not follow links: "
					     "name the file itself",
					path);
		return fbk_fail(err, "cannot create %s: %s", path, fbk_errstr(-err));
	}
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return fbk_fail(-EINVAL, "%s is not a regular file", path);
	}
	/*
	 * One display per file: a second would resize the file under the
	 * first, whose next draw then dies of SIGBUS. The lock lives as long
	 * as this descriptor, the display's; readers (fbkit-shot) take none.
	 */
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		/* Not unlinked even if we created it: the holder opened it since. */
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return fbk_fail(err, "%s is the screen of another fbkit display that is open; "
				     "close that one or name another path",
				path);
	}
	char detail[160];
	const char *why = *created || st.st_size == 0 ?
				  NULL :
				  not_a_screen_file(fd, st.st_size, detail, sizeof(detail));
	if (why) {
		close(fd);
		return fbk_fail(-EEXIST, "%s already exists and is not an fbkit screen file (%s); "
					 "file= takes over only an empty file or an earlier screen "
					 "file: remove it or name another path",
				path, why);
	}
	return fd;
}

/*
 * Give the file its size with real blocks behind it: a sparse file on a
 * full disk or tmpfs would make the first draw into an unbacked page die
 * of SIGBUS instead of failing here.
 */
static int size_screen_file(int fd, const char *path, size_t size)
{
	/* Emptied first, so an earlier screen's pixels read back as zeros: a new screen is black. */
	int err = ftruncate(fd, 0) || ftruncate(fd, (off_t)size) ? errno :
								   posix_fallocate(fd, 0, (off_t)size);
	/* Some file systems cannot preallocate; the ftruncate size is still right. */
	if (err == EOPNOTSUPP || err == EINVAL)
		err = 0;
	if (err)
		return fbk_fail(-err, "cannot size %s to %zu bytes: %s", path, size, fbk_errstr(err));
	return 0;
}

/*
 * Size the file, map it shared, then fill in the header, magic last, so
 * a watcher that sees the magic also sees the other fields. On failure
 * nothing stays open or mapped.
 */
static int map_file(struct offscreen *o, size_t pixel_bytes)
{
	struct fbk_surface *s = &o->base.surface;
	size_t map_size;
	if (fbk_add_overflows(o->page_size, pixel_bytes, &map_size) || (off_t)map_size < 0 ||
	    (size_t)(off_t)map_size != map_size)
		return fbk_fail(-EFBIG, "a %dx%d screen is too large for a file", (int)s->width,
				(int)s->height);

	bool created;
	int fd = open_screen_file(o->file_path, &created);
	if (fd < 0)
		return fd;
	int err = size_screen_file(fd, o->file_path, map_size);
	if (err)
		goto fail_fd;
	void *map = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		fbk_fail(err, "cannot map %s (%zu bytes): %s", o->file_path, map_size,
			 fbk_errstr(-err));
		goto fail_fd;
	}

	o->fd = fd;
	o->map = map;
	o->map_size = map_size;
	o->header = map;
	memset(o->header->magic, 0, sizeof(o->header->magic));
	o->header->width = (uint32_t)s->width;
	o->header->height = (uint32_t)s->height;
	o->header->stride = (uint32_t)s->stride;
	o->header->format = s->format;
	o->header->pixel_offset = (uint32_t)o->page_size;
	o->header->frame_count = 0;
	o->header->rotation = (uint32_t)o->base.rotation;
	atomic_thread_fence(memory_order_release);
	memcpy(o->header->magic, FBK_OFFSCREEN_FILE_MAGIC, sizeof(o->header->magic));
	s->pixels = (uint8_t *)map + o->page_size;
	return 0;

fail_fd:
	close(fd);
	if (created)
		unlink(o->file_path);
	return err;
}

static int map_memory(struct offscreen *o, size_t pixel_bytes)
{
	void *map = mmap(NULL, pixel_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (map == MAP_FAILED) {
		int err = -errno;
		return fbk_fail(err, "cannot map %zu bytes of memory: %s", pixel_bytes,
				fbk_errstr(-err));
	}
	o->map = map;
	o->map_size = pixel_bytes;
	o->base.surface.pixels = map;
	return 0;
}

int fbk_offscreen_open(struct fbk_display **out, const struct fbk_spec *spec)
{
	int32_t width, height;
	/* Set by parse_options when it succeeds; NULL only for gcc, which cannot tell. */
	const struct fbk_format_info *info = NULL;
	const char *file = NULL;
	bool back_buffer;
	uint64_t frame_interval;
	int rotation;
	int err = parse_options(spec, &width, &height, &info, &file, &back_buffer, &rotation);
	if (!err)
		err = parse_rate(spec, &frame_interval);
	if (err)
		return err;
	/*
	 * The screen memory is the panel's, the surface the picture's: a
	 * rotated display draws into a back buffer, whatever the options say.
	 */
	back_buffer |= rotation != 0;

	long page = sysconf(_SC_PAGESIZE);
	size_t page_size = page > 0 ? (size_t)page : 4096;
	size_t stride, pixel_bytes;
	/*
	 * The screen's rows are padded as a back buffer's are, so that with
	 * back-buffer both have one stride. Neither product can overflow a
	 * 64-bit size_t, but a 32-bit one can.
	 */
	if (fbk_back_stride(width, info->fourcc, &stride) ||
	    fbk_mul_overflows(stride, (size_t)height, &pixel_bytes) ||
	    round_up_overflows(pixel_bytes, page_size, &pixel_bytes))
		return fbk_fail(-EFBIG, "a %dx%d %s screen does not fit in memory", (int)width,
				(int)height, info->name);

	struct offscreen *o = calloc(1, sizeof(*o));
	if (!o)
		return fbk_fail(-ENOMEM, "out of memory");
	o->base.ops = &offscreen_ops;
	o->base.backend_name = "offscreen";
	o->base.frame_interval = frame_interval;
	o->base.rotation = rotation;
	o->page_size = page_size;
	o->fd = -1;
	/* The mapping below supplies the pixels. */
	o->base.surface = (struct fbk_surface){
		.width = width,
		.height = height,
		.stride = stride,
		.format = info->fourcc,
		.clip = { 0, 0, width, height },
	};

	struct fbk_surface back_surface = { 0 };
	const char *snapshot = getenv("FBKIT_SNAPSHOT");
	/* A bad pattern is wrong in any build: say so before anything else. */
	if (snapshot && *snapshot) {
		err = fbk_snapshot_name_parse(&o->snapshot, snapshot);
		if (err)
			goto fail_struct;
	}
	if (snapshot && *snapshot && !FBK_HAVE_PNG) {
		err = fbk_fail(-ENOTSUP, "FBKIT_SNAPSHOT=%s needs PNG support, and fbkit was "
					 "built without libpng",
			       snapshot);
		goto fail_struct;
	}
	if (snapshot && *snapshot) {
		o->snapshot_path = strdup(snapshot);
		if (!o->snapshot_path) {
			err = fbk_fail(-ENOMEM, "out of memory");
			goto fail_struct;
		}
		o->snapshot.value = o->snapshot_path;
	}
	if (back_buffer) {
		/*
		 * Before the screen, so that a failure here leaves no file behind.
		 * Zeroed: the program's first picture starts black, whatever an
		 * existing file= screen still shows until the first present.
		 */
		struct fbk_surface drawn = o->base.surface;
		fbk_rotated_size(rotation, &drawn.width, &drawn.height);
		err = fbk_back_create(&o->back, &drawn);
		if (err)
			goto fail_snapshot;
		back_surface = drawn;
	}
	if (file) {
		o->file_path = strdup(file);
		if (!o->file_path) {
			err = fbk_fail(-ENOMEM, "out of memory");
			goto fail_back;
		}
		err = map_file(o, pixel_bytes);
	} else {
		err = map_memory(o, pixel_bytes);
	}
	if (err)
		goto fail_path;
	o->screen = o->base.surface;
	if (o->back.pixels)
		o->base.surface = back_surface;
	o->base.draws_on_screen = !o->back.pixels;
	fbk_present_init(&o->present, NULL, false);

	*out = &o->base;
	return 0;

fail_path:
	free(o->file_path);
fail_back:
	fbk_back_destroy(&o->back);
fail_snapshot:
	free(o->snapshot_path);
fail_struct:
	free(o);
	return err;
}

/* Flush the rows the rectangles touch, then tell watchers a frame is done. */
static int sync_file(struct offscreen *o, const struct fbk_rect *rects, size_t n)
{
	const struct fbk_surface *g = &o->base.geometry, *s = &o->screen;
	int32_t top = s->height, bottom = 0;
	for (size_t i = 0; i < n; i++) {
		struct fbk_rect r = fbk_rect_rotated(&rects[i], g->width, g->height,
						     o->base.rotation);
		if (r.y < top)
			top = r.y;
		if (r.y + r.h > bottom)
			bottom = r.y + r.h;
	}
	/*
	 * The pixels end well inside the mapping (both are page-rounded), so
	 * the page-aligned range never runs past it. MS_ASYNC: the page cache
	 * already makes the pixels visible to every process mapping or reading
	 * the file; waiting for the disk on every frame would only slow the
	 * screen down.
	 */
	size_t start = round_down(o->page_size + (size_t)top * s->stride, o->page_size);
	size_t end = o->page_size + (size_t)bottom * s->stride;
	end = round_down(end + o->page_size - 1, o->page_size);
	if (msync((uint8_t *)o->map + start, end - start, MS_ASYNC)) {
		int err = -errno;
		return fbk_fail(err, "cannot sync %s: %s", o->file_path, fbk_errstr(-err));
	}
	/* Release order: a watcher that sees the new count also sees the pixels. */
	__atomic_fetch_add(&o->header->frame_count, 1, __ATOMIC_RELEASE);
	if (msync(o->map, o->page_size, MS_ASYNC)) {
		int err = -errno;
		return fbk_fail(err, "cannot sync %s: %s", o->file_path, fbk_errstr(-err));
	}
	return 0;
}

/*
 * The snapshot is the picture as the screen shows it: on a rotated
 * display, turned back to the picture's orientation, as
 * fbk_display_read_front() reads it.
 */
static int save_snapshot(struct offscreen *o, const char *path)
{
	if (!o->base.rotation)
		return fbk_png_save(&o->screen, path);
	const struct fbk_surface *g = &o->base.geometry;
	struct fbk_surface *picture;
	int err = fbk_surface_create(&picture, g->width, g->height, g->format);
	if (err)
		return err;
	err = fbk_present_read(&o->present, &o->screen, o->base.rotation, picture);
	if (!err)
		err = fbk_png_save(picture, path);
	fbk_surface_destroy(picture);
	return err;
}

/* What the screen does with a frame: the file's watchers and the snapshot hear of it. */
static int show(struct offscreen *o, const struct fbk_rect *rects, size_t n)
{
	if (o->back.pixels)
		fbk_present_show(&o->base, o->screen.pixels, o->screen.stride, rects, n);
	if (o->header) {
		int err = sync_file(o, rects, n);
		if (err)
			return err;
	}
	if (o->snapshot_path) {
		char path[4096];
		int err = fbk_snapshot_name_format(&o->snapshot, o->frame, path, sizeof(path));
		if (!err)
			err = save_snapshot(o, path);
		if (err) {
			/* fbk_png_save's message may not name the path (no libpng). */
			char reason[256];
			snprintf(reason, sizeof(reason), "%s", fbk_last_error());
			return fbk_fail(err, "FBKIT_SNAPSHOT=%s: %s", o->snapshot_path, reason);
		}
		o->frame++;
	}
	return 0;
}

static int offscreen_present(struct fbk_display *display, const struct fbk_rect *rects, size_t n)
{
	struct offscreen *o = (struct offscreen *)display;
	struct fbk_frame frame;
	if (!fbk_present_begin(&o->present, &frame, display, rects, n))
		return 0; /* cannot happen: no console takes this screen away */
	return fbk_present_end(&o->present, &frame, show(o, frame.rects, frame.n));
}

static void offscreen_describe(const struct fbk_display *display, struct fbk_describe *out)
{
	const struct offscreen *o = (const struct offscreen *)display;
	fbk_describe_line(out, "file", "%s", o->file_path ? o->file_path : "none (memory only)");
	fbk_describe_line(out, "snapshot", "%s", o->snapshot_path ? o->snapshot_path : "none");
	fbk_describe_line(out, "present", "%s",
			  o->back.pixels ? "copy from a back buffer in system memory" : "in place");
}

/* Without back-buffer the screen is the memory drawn on: nothing to forget to present. */
static int offscreen_read_front(struct fbk_display *display, struct fbk_surface *dst)
{
	struct offscreen *o = (struct offscreen *)display;
	return fbk_present_read(&o->present, &o->screen, o->base.rotation, dst);
}

static int offscreen_read_rect(struct fbk_display *display, const struct fbk_rect *r, uint8_t *dst,
			       size_t dst_stride)
{
	struct offscreen *o = (struct offscreen *)display;
	return fbk_present_read_rect(&o->present, &o->screen, o->base.rotation, r, dst, dst_stride);
}

/* Release in reverse order of fbk_offscreen_open; unset fields are skipped. */
static void offscreen_close(struct fbk_display *display)
{
	struct offscreen *o = (struct offscreen *)display;
	fbk_back_destroy(&o->back);
	if (o->map)
		munmap(o->map, o->map_size);
	if (o->fd >= 0)
		close(o->fd);
	free(o->file_path);
	free(o->snapshot_path);
	free(o);
}
