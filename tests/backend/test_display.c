/*
 * Displays through the registry, with the offscreen backend: sizes and
 * formats, present with every kind of rectangle list, the error messages
 * of unknown or unbuilt backends, FBKIT_DISPLAY, the file= mapping as
 * another process would read it, FBKIT_SNAPSHOT, back-buffer, a surface
 * the application clipped or redefined, and "auto" past a DRM master
 * conflict.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend.h"
#include "config.h"
#include "display_checks.h"

#if FBK_HAVE_DRM
#include "backend/drm_modes.h"
#endif

#if FBK_HAVE_PNG
#include <png.h>
#endif

static char temp_dir[256];

static size_t expected_stride(int32_t width, uint32_t format)
{
	size_t row = (size_t)width * fbk_format_info(format)->bytes_per_pixel;
	return (row + 15) & ~(size_t)15;
}

/* A pattern that differs per pixel and per call, so stale pixels show. */
static void draw_pattern(struct fbk_surface *s, uint32_t seed)
{
	const struct fbk_format_info *info = fbk_format_info(s->format);
	for (int32_t y = 0; y < s->height; y++) {
		for (int32_t x = 0; x < s->width; x++) {
			struct fbk_color c = { (uint8_t)(x * 7 + seed), (uint8_t)(y * 13 + seed),
					       (uint8_t)(x ^ y ^ seed), (uint8_t)(x + y * 3) };
			uint32_t v = fbk_color_pack(s->format, c);
			uint8_t *p = fbk_surface_pixel(s, x, y);
			for (int i = 0; i < info->bytes_per_pixel; i++)
				p[i] = (uint8_t)(v >> (8 * i));
		}
	}
}

static int open_ok(struct fbk_display **d, const char *spec)
{
	int err = fbk_display_open(d, spec);
	CHECK(err == 0, "open \"%s\": %d %s", spec ? spec : "(null)", err, fbk_last_error());
	CHECK(err || (*d && !strcmp(fbk_display_backend(*d), "offscreen")), "open \"%s\"",
	      spec ? spec : "(null)");
	return err;
}

static void check_geometry(struct fbk_display *d, const char *spec, int32_t w, int32_t h,
			   uint32_t format)
{
	struct fbk_surface *s = fbk_display_surface(d);
	CHECK(s && s->pixels, "%s: no surface", spec);
	if (!s)
		return;
	CHECK(s->width == w && s->height == h, "%s: %dx%d, want %dx%d", spec, (int)s->width,
	      (int)s->height, (int)w, (int)h);
	CHECK(s->format == format, "%s: format %08x, want %08x", spec, (unsigned)s->format,
	      (unsigned)format);
	CHECK(s->stride == expected_stride(w, format), "%s: stride %zu", spec, s->stride);
	CHECK(s->clip.x == 0 && s->clip.y == 0 && s->clip.w == w && s->clip.h == h,
	      "%s: clip not the whole surface", spec);
	CHECK(fbk_surface_check(s) == 0, "%s: surface check: %s", spec, fbk_last_error());
	CHECK(s->owned_memory == NULL, "%s: display surface claims to own memory", spec);
}

static void test_default(void)
{
	struct fbk_display *d = NULL;
	if (open_ok(&d, "offscreen"))
		return;
	check_geometry(d, "offscreen", 1280, 800, FBK_FORMAT_XRGB8888);
	struct fbk_surface *s = fbk_display_surface(d);
	/* Fresh pixels are zero, and the whole mapping can be written. */
	const uint8_t *p = s->pixels;
	int zero = 1;
	for (size_t i = 0; i < s->stride * (size_t)s->height; i++)
		zero &= p[i] == 0;
	CHECK(zero, "fresh offscreen pixels are not zero");
	fbk_display_close(d);
}

static void test_formats(void)
{
	for (size_t i = 0; fbk_format_at(i); i++) {
		const struct fbk_format_info *info = fbk_format_at(i);
		const char *names[] = { info->name, info->long_name };
		for (int n = 0; n < 2; n++) {
			char spec[128];
			int32_t w = 33 + (int32_t)i, h = 17 + n;
			snprintf(spec, sizeof(spec), "offscreen:%dx%d,format=%s", (int)w, (int)h,
				 names[n]);
			struct fbk_display *d = NULL;
			if (open_ok(&d, spec))
				continue;
			check_geometry(d, spec, w, h, info->fourcc);
			struct fbk_surface *s = fbk_display_surface(d);
			draw_pattern(s, (uint32_t)i);
			CHECK(fbk_display_present(d, NULL, 0) == 0, "%s: present: %s", spec,
			      fbk_last_error());
			fbk_display_close(d);
		}
	}
	/* Sizes at the edges, and a lower-case format name. */
	static const struct {
		const char *spec;
		int32_t w, h;
		uint32_t format;
	} sizes[] = {
		{ "offscreen:1x1", 1, 1, FBK_FORMAT_XRGB8888 },
		{ "offscreen:1x1,format=bg24", 1, 1, FBK_FORMAT_BGR888 },
		{ "offscreen:32767x1,format=rgb565", 32767, 1, FBK_FORMAT_RGB565 },
		{ "offscreen:1x32767,format=ab24", 1, 32767, FBK_FORMAT_ABGR8888 },
		{ "offscreen:3x2,format=xr15", 3, 2, FBK_FORMAT_XRGB1555 },
		{ "offscreen:2x3,format=argb1555", 2, 3, FBK_FORMAT_ARGB1555 },
		{ "offscreen:641x479", 641, 479, FBK_FORMAT_XRGB8888 },
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct fbk_display *d = NULL;
		if (open_ok(&d, sizes[i].spec))
			continue;
		check_geometry(d, sizes[i].spec, sizes[i].w, sizes[i].h, sizes[i].format);
		struct fbk_surface *s = fbk_display_surface(d);
		/* The last byte of the last row must be mapped. */
		uint8_t *last = fbk_surface_pixel(s, s->width - 1, s->height - 1);
		last[fbk_format_info(s->format)->bytes_per_pixel - 1] = 0x5a;
		fbk_display_close(d);
	}
}

static void test_present(void)
{
	struct fbk_display *d = NULL;
	if (open_ok(&d, "offscreen:31x19,format=RG24"))
		return;
	struct fbk_surface *s = fbk_display_surface(d);
	draw_pattern(s, 3);
	size_t bytes = s->stride * (size_t)s->height;
	uint8_t *before = malloc(bytes);
	memcpy(before, s->pixels, bytes);

	struct fbk_rect whole = { 0, 0, 31, 19 };
	struct fbk_rect partly[] = {
		{ -10, -10, 20, 20 }, { 25, 15, 100, 100 }, { -5, 3, 1000, 2 },
		{ 3, -100, 2, 1000 }, { 100, 100, 5, 5 }, { 0, 0, 0, 5 }, { 2, 2, -3, 4 },
		{ INT32_MAX - 1, 0, 10, 10 }, { INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX },
	};
	struct fbk_rect many[40];
	for (int i = 0; i < 40; i++)
		many[i] = (struct fbk_rect){ i % 31, i % 19, 3, 2 };
	struct fbk_rect off[] = { { 31, 0, 5, 5 }, { -5, -5, 5, 5 } };

	CHECK(fbk_display_present(d, NULL, 0) == 0, "NULL, 0: %s", fbk_last_error());
	CHECK(fbk_display_present(d, &whole, 1) == 0, "whole: %s", fbk_last_error());
	CHECK(fbk_display_present(d, partly, sizeof(partly) / sizeof(partly[0])) == 0,
	      "partly off-screen: %s", fbk_last_error());
	CHECK(fbk_display_present(d, many, 40) == 0, "40 rects: %s", fbk_last_error());
	CHECK(fbk_display_present(d, off, 2) == 0, "all off-screen: %s", fbk_last_error());
	CHECK(fbk_display_present(d, &whole, 0) == 0, "n = 0: %s", fbk_last_error());
	CHECK(fbk_display_present(d, NULL, 1) == -EINVAL, "NULL with n = 1 accepted");
	CHECK(fbk_display_present(d, NULL, 3) == -EINVAL && strstr(fbk_last_error(), "NULL"),
	      "NULL with n = 3: %s", fbk_last_error());
	CHECK(fbk_display_present(NULL, NULL, 0) == -EINVAL, "NULL display accepted");
	CHECK(!memcmp(before, s->pixels, bytes), "present changed the pixels");
	CHECK(fbk_display_surface(d) == s, "surface moved on an offscreen display");
	free(before);
	fbk_display_close(d);

	fbk_display_close(NULL);
	CHECK(fbk_display_surface(NULL) == NULL, "surface of NULL");
	CHECK(fbk_display_backend(NULL) == NULL, "backend of NULL");
	CHECK(fbk_display_rotation(NULL) == 0, "rotation of NULL");
	CHECK(fbk_display_open(NULL, "offscreen") == -EINVAL, "NULL output pointer");
}

/* Open must fail with `err` and a message containing every needle. */
static void expect_fail(const char *spec, int err, const char *needle1, const char *needle2)
{
	struct fbk_display *d = (struct fbk_display *)&d; /* must be reset to NULL */
	int got = fbk_display_open(&d, spec);
	const char *msg = fbk_last_error();
	CHECK(got == err, "\"%s\": got %d (%s), want %d", spec ? spec : "(null)", got, msg, err);
	CHECK(d == NULL, "\"%s\": output not NULL after failure", spec ? spec : "(null)");
	if (got == 0 && d)
		fbk_display_close(d);
	CHECK(!needle1 || strstr(msg, needle1), "\"%s\": message '%s' lacks '%s'",
	      spec ? spec : "(null)", msg, needle1);
	CHECK(!needle2 || strstr(msg, needle2), "\"%s\": message '%s' lacks '%s'",
	      spec ? spec : "(null)", msg, needle2);
}


/* "auto" where no display exists: one error naming why each backend failed. */
static void expect_auto_fails(const char *spec)
{
	expect_fail(spec, -ENOENT, "no display found", "FBKIT_DISPLAY=offscreen");
	expect_fail(spec, -ENOENT, "fbdev: /dev/fb0: no such device", NULL);
#if FBK_HAVE_DRM
	expect_fail(spec, -ENOENT, "(drm: no DRM device found", "; fbdev: ");
#else
	/* Not built is not the reason to report first: fbdev's error code wins. */
	expect_fail(spec, -ENOENT, "(drm: this fbkit was built without libdrm", "; fbdev: ");
#endif
}

/* describe: the common lines, then the backend's; snprintf-style length and cutting. */
static void test_describe(void)
{
	struct fbk_display *d = NULL;
	if (open_ok(&d, "offscreen:33x7,format=RG16"))
		return;
	char text[512];
	int n = fbk_display_describe(d, text, sizeof(text));
	CHECK(n > 0 && (size_t)n == strlen(text), "describe: %d for %zu bytes", n, strlen(text));
	static const char *const lines[] = { "backend: offscreen\n", "mode: 33x7\n",
					     "format: RG16 (RGB565)\n", "stride: 80\n",
					     "file: none (memory only)\n", "snapshot: none\n" };
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		CHECK(strstr(text, lines[i]), "describe lacks '%s' in:\n%s", lines[i], text);
	CHECK(!strncmp(text, "backend: ", 9), "describe does not start with the backend");
	/* Cut: terminated, same total length reported. */
	char small[12];
	memset(small, 'x', sizeof(small));
	CHECK(fbk_display_describe(d, small, sizeof(small)) == n, "cut describe length");
	CHECK(small[sizeof(small) - 1] == '\0' && !strncmp(small, text, sizeof(small) - 1),
	      "cut describe: '%.12s'", small);
	CHECK(fbk_display_describe(d, NULL, 0) == n, "describe size query");
	CHECK(fbk_display_describe(d, NULL, 5) == -EINVAL, "NULL buffer with a size");
	CHECK(fbk_display_describe(NULL, text, sizeof(text)) == -EINVAL, "NULL display");
	CHECK(!fbk_display_needs_redraw(d), "offscreen needs a redraw");
	CHECK(!fbk_display_needs_redraw(NULL), "NULL needs a redraw");
	fbk_display_close(d);
}

static void test_errors(void)
{
#if FBK_HAVE_DRM
	/* The drm backend is built; its own test (test_drm) covers bad devices and options. */
	expect_fail("drm:/nonexistent-fbkit-dir/card0", -ENOENT, "drm: /nonexistent-fbkit-dir/card0",
		    "no such device");
	expect_fail("drm:/dev/null", -ENOTTY, "drm: /dev/null", "not a DRM device");
	expect_fail("drm:/dev/null,bogus", -EINVAL, "drm: ", "'bogus'");
	if (!have_drm_card())
		expect_fail("drm", -ENOENT, "drm: ", "no DRM device found");
#else
	/* Without libdrm: a clear error, never a fallback. */
	expect_fail("drm", -ENOTSUP, "drm: ", "built without libdrm");
	expect_fail("drm:/dev/dri/card0,mode=640x480", -ENOTSUP, "drm: ", "built without libdrm");
#endif
	/* fbdev is built; its own test covers bad devices. */
	expect_fail("fbdev:/nonexistent-fbkit-dir/fb0", -ENOENT, "fbdev: /nonexistent-fbkit-dir/fb0",
		    "no such device");
	expect_fail("fbdev:/dev/null", -ENOTTY, "fbdev: /dev/null", "not a framebuffer device");
	expect_fail("auto,format=XR24", -EINVAL, "auto", NULL);

	expect_fail("nosuch", -EINVAL, "unknown display backend 'nosuch'", "offscreen");
	expect_fail("offscreen,bogus=1", -EINVAL, "offscreen: ", "'bogus'");
	expect_fail("offscreen,bogus=1", -EINVAL, "known: format, file", NULL);
	expect_fail("offscreen,format=XX99", -EINVAL, "'XX99'", "XR24, AR24");
	expect_fail("offscreen,format=XX99", -EINVAL, "offscreen: unknown format", NULL);
	expect_fail("offscreen,format", -EINVAL, "'format' needs a value", NULL);
	expect_fail("offscreen,file", -EINVAL, "'file' needs a value", NULL);
	expect_fail("offscreen,back-buffer=yes", -EINVAL, "'back-buffer' takes no value", NULL);
	expect_fail("offscreen:800x", -EINVAL, "display spec \"offscreen:800x\"", "height");
	expect_fail("offscreen:0x5", -EINVAL, "'0x5'", NULL);
	expect_fail("offscreen:99999x5", -EINVAL, "'99999x5'", "32767");
	expect_fail("offscreen:-1x5", -EINVAL, "'-1x5'", NULL);
	expect_fail("offscreen:", -EINVAL, "empty argument", NULL);
	expect_fail("Offscreen", -EINVAL, "display spec \"Offscreen\"", NULL);
	expect_fail("offscreen,,format=XR24", -EINVAL, "empty", NULL);
	expect_fail("offscreen,file=/nonexistent-fbkit-dir/screen", -ENOENT,
		    "/nonexistent-fbkit-dir/screen", "No such file");
	expect_fail("offscreen,file=/dev/null", -EINVAL, "/dev/null", "not a regular file");

	char spec[512];
	snprintf(spec, sizeof(spec), "offscreen,file=%s", temp_dir);
	expect_fail(spec, -EISDIR, temp_dir, NULL);
}

static void test_environment(void)
{
	const char *saved = getenv("FBKIT_DISPLAY");
	char *restore = saved ? strdup(saved) : NULL;

	setenv("FBKIT_DISPLAY", "offscreen:7x5,format=RG16", 1);
	for (int i = 0; i < 2; i++) {
		const char *spec = i ? "" : NULL;
		struct fbk_display *d = NULL;
		if (!open_ok(&d, spec))
			check_geometry(d, "FBKIT_DISPLAY", 7, 5, FBK_FORMAT_RGB565);
		fbk_display_close(d);
	}
	/* A spec given by the program wins over the environment. */
	struct fbk_display *d = NULL;
	if (!open_ok(&d, "offscreen:9x4"))
		check_geometry(d, "explicit", 9, 4, FBK_FORMAT_XRGB8888);
	fbk_display_close(d);

	setenv("FBKIT_DISPLAY", "offscreen,format=nope", 1);
	expect_fail(NULL, -EINVAL, "'nope'", NULL);

	if (restore)
		setenv("FBKIT_DISPLAY", restore, 1);
	free(restore);
}

/* Map the file the way a watching process would, read-only. */
struct watched {
	void *map;
	size_t size;
	const struct fbk_offscreen_file_header *header;
};

static int watch(struct watched *w, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(struct fbk_offscreen_file_header)) {
		close(fd);
		return -1;
	}
	w->size = (size_t)st.st_size;
	w->map = mmap(NULL, w->size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (w->map == MAP_FAILED)
		return -1;
	w->header = w->map;
	return 0;
}

static void unwatch(struct watched *w)
{
	munmap(w->map, w->size);
}

/* Watch the file of the open display d; on failure (checked) d is closed. */
static bool watch_open(struct watched *w, const char *path, struct fbk_display *d)
{
	if (!watch(w, path))
		return true;
	CHECK(0, "cannot map %s: %s", path, strerror(errno));
	fbk_display_close(d);
	return false;
}

static uint32_t frame_count(const struct watched *w)
{
	return __atomic_load_n(&w->header->frame_count, __ATOMIC_ACQUIRE);
}

static void check_file_pixels(const struct watched *w, const struct fbk_surface *s,
			      const char *when)
{
	const uint8_t *pixels = (const uint8_t *)w->map + w->header->pixel_offset;
	size_t row = (size_t)s->width * fbk_format_info(s->format)->bytes_per_pixel;
	int same = 1;
	for (int32_t y = 0; y < s->height; y++)
		same &= !memcmp(pixels + (size_t)y * w->header->stride,
				(const uint8_t *)s->pixels + (size_t)y * s->stride, row);
	CHECK(same, "%s: file pixels differ from the surface", when);
}

static void test_file(void)
{
	char path[512], spec[600];
	snprintf(path, sizeof(path), "%s/screen", temp_dir);
	/* What file= does with a file already there: test_offscreen_file. */

	snprintf(spec, sizeof(spec), "offscreen:37x21,format=RG24,file=%s", path);
	struct fbk_display *d = NULL;
	if (open_ok(&d, spec))
		return;
	check_geometry(d, spec, 37, 21, FBK_FORMAT_RGB888);
	struct fbk_surface *s = fbk_display_surface(d);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	struct watched w;
	if (!watch_open(&w, path, d))
		return;
	const struct fbk_offscreen_file_header *h = w.header;
	size_t pixel_bytes = (s->stride * 21 + page - 1) / page * page;
	CHECK(w.size == page + pixel_bytes, "file size %zu, want %zu", w.size, page + pixel_bytes);
	CHECK(!memcmp(h->magic, FBK_OFFSCREEN_FILE_MAGIC, 8), "bad magic");
	CHECK(h->width == 37 && h->height == 21, "header size %ux%u", (unsigned)h->width,
	      (unsigned)h->height);
	CHECK(h->stride == s->stride, "header stride %u", (unsigned)h->stride);
	CHECK(h->format == FBK_FORMAT_RGB888, "header format %08x", (unsigned)h->format);
	CHECK(h->pixel_offset == page, "pixel_offset %u", (unsigned)h->pixel_offset);
	CHECK(frame_count(&w) == 0, "frame_count %u before any present",
	      (unsigned)frame_count(&w));
	/* The surface is the file: a watcher sees a write even before present. */
	*(uint8_t *)s->pixels = 0xa7;
	CHECK(*((const uint8_t *)w.map + h->pixel_offset) == 0xa7, "surface is not the file");

	draw_pattern(s, 11);
	CHECK(fbk_display_present(d, NULL, 0) == 0, "present: %s", fbk_last_error());
	CHECK(frame_count(&w) == 1, "frame_count %u after one present", (unsigned)frame_count(&w));
	check_file_pixels(&w, s, "first present");

	draw_pattern(s, 99);
	struct fbk_rect rects[] = { { -3, 19, 10, 10 }, { 30, 2, 1, 1 } };
	CHECK(fbk_display_present(d, rects, 2) == 0, "present rects: %s", fbk_last_error());
	CHECK(frame_count(&w) == 2, "frame_count %u after two presents", (unsigned)frame_count(&w));
	check_file_pixels(&w, s, "second present");

	struct fbk_rect many[40];
	for (int i = 0; i < 40; i++)
		many[i] = (struct fbk_rect){ i, i / 2, 1, 1 };
	CHECK(fbk_display_present(d, many, 40) == 0, "present 40: %s", fbk_last_error());
	CHECK(frame_count(&w) == 3, "frame_count %u after 40 rects", (unsigned)frame_count(&w));

	/* Nothing on screen changed: no frame. */
	struct fbk_rect off = { 100, 100, 5, 5 };
	CHECK(fbk_display_present(d, &off, 1) == 0, "off-screen: %s", fbk_last_error());
	CHECK(fbk_display_present(d, rects, 0) == 0, "n = 0: %s", fbk_last_error());
	CHECK(frame_count(&w) == 3, "frame_count %u after empty presents",
	      (unsigned)frame_count(&w));

	/* Keep a copy, close, and read the file afresh: the screen stays. */
	size_t bytes = s->stride * 21;
	uint8_t *copy = malloc(bytes);
	memcpy(copy, s->pixels, bytes);
	fbk_display_close(d);
	unwatch(&w);
	if (watch(&w, path)) {
		CHECK(0, "cannot map %s again", path);
		free(copy);
		return;
	}
	CHECK(frame_count(&w) == 3, "frame_count %u after close", (unsigned)frame_count(&w));
	CHECK(!memcmp((const uint8_t *)w.map + w.header->pixel_offset, copy, bytes),
	      "file pixels lost on close");
	unwatch(&w);
	free(copy);

	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == (0644 & ~(mode_t)022),
	      "file mode %o", (unsigned)(st.st_mode & 0777));

	/* Re-opening starts over: new geometry, frame_count 0. */
	snprintf(spec, sizeof(spec), "offscreen:5x3,file=%s", path);
	if (open_ok(&d, spec))
		return;
	if (!watch(&w, path)) {
		CHECK(w.header->width == 5 && w.header->height == 3 && frame_count(&w) == 0 &&
			      w.header->format == FBK_FORMAT_XRGB8888,
		      "re-opened header");
		CHECK(w.size == 2 * page, "re-opened size %zu", w.size);
		unwatch(&w);
	}
	fbk_display_close(d);
	unlink(path);
}

#if FBK_HAVE_PNG
/* Compare a PNG written by the snapshot with the surface, pixel for pixel. */
static void check_png(const char *path, const struct fbk_surface *s)
{
	png_image image;
	memset(&image, 0, sizeof(image));
	image.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&image, path)) {
		CHECK(0, "cannot read %s: %s", path, image.message);
		return;
	}
	int alpha = fbk_format_has_alpha(s->format);
	CHECK(image.format == (alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB), "%s: format %u", path,
	      (unsigned)image.format);
	CHECK(image.width == (png_uint_32)s->width && image.height == (png_uint_32)s->height,
	      "%s: %ux%u", path, (unsigned)image.width, (unsigned)image.height);
	image.format = PNG_FORMAT_RGBA;
	uint8_t *rgba = malloc(PNG_IMAGE_SIZE(image));
	if (!rgba || !png_image_finish_read(&image, NULL, rgba, 0, NULL)) {
		CHECK(0, "cannot decode %s: %s", path, image.message);
		png_image_free(&image);
		free(rgba);
		return;
	}
	int bad = 0;
	for (int32_t y = 0; y < s->height && image.width == (png_uint_32)s->width; y++) {
		for (int32_t x = 0; x < s->width; x++) {
			const uint8_t *p = rgba + ((size_t)y * image.width + (size_t)x) * 4;
			struct fbk_color want = pixel_at(s, x, y);
			if (!color_equal(want, (struct fbk_color){ p[0], p[1], p[2], p[3] }))
				bad++;
		}
	}
	CHECK(bad == 0, "%s: %d pixels differ", path, bad);
	free(rgba);
}

static int has_temporary(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int found = 0;
	for (struct dirent *e; (e = readdir(d));)
		found |= strstr(e->d_name, ".tmp-") != NULL;
	closedir(d);
	return found;
}
#endif

static void test_snapshot(void)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/snap.png", temp_dir);
	setenv("FBKIT_SNAPSHOT", path, 1);
	struct fbk_display *d = NULL;
#if !FBK_HAVE_PNG
	/* Refused at open, not on every present: the program learns at once. */
	int refused = fbk_display_open(&d, "offscreen:3x3");
	CHECK(refused == -ENOTSUP && d == NULL && strstr(fbk_last_error(), "FBKIT_SNAPSHOT"),
	      "FBKIT_SNAPSHOT without libpng: %d %s", refused, fbk_last_error());
	unsetenv("FBKIT_SNAPSHOT");
	fbk_display_close(d);
#else
	int err = open_ok(&d, "offscreen:19x13,format=AR24");
	/* Read at open: changing it afterwards does not matter. */
	setenv("FBKIT_SNAPSHOT", "/nonexistent-fbkit-dir/other.png", 1);
	if (err) {
		unsetenv("FBKIT_SNAPSHOT");
		return;
	}
	struct fbk_surface *s = fbk_display_surface(d);
	draw_pattern(s, 5);
	err = fbk_display_present(d, NULL, 0);
	CHECK(err == 0, "present with snapshot: %s", fbk_last_error());
	check_png(path, s);
	draw_pattern(s, 77);
	struct fbk_rect corner = { 0, 0, 1, 1 };
	CHECK(fbk_display_present(d, &corner, 1) == 0, "second snapshot: %s", fbk_last_error());
	/* The whole screen is saved whatever the rectangles say. */
	check_png(path, s);
	CHECK(!has_temporary(temp_dir), "a temporary file was left in %s", temp_dir);
	fbk_display_close(d);
	unlink(path);

	/* A snapshot that cannot be written fails the present, naming the path. */
	d = NULL;
	err = open_ok(&d, "offscreen:3x3");
	unsetenv("FBKIT_SNAPSHOT");
	if (err)
		return;
	err = fbk_display_present(d, NULL, 0);
	CHECK(err == -ENOENT, "snapshot to a missing folder: %d %s", err, fbk_last_error());
	CHECK(strstr(fbk_last_error(), "/nonexistent-fbkit-dir/other.png") != NULL,
	      "message does not name the path: %s", fbk_last_error());
	fbk_display_close(d);
#endif
}

/*
 * back-buffer: the surface is not the screen; only presented rectangles
 * reach it (seen through the file as a watcher sees it, and in the
 * snapshot), clipped like every present.
 */
static void test_back_buffer(void)
{
	char path[512], spec[600], snapshot[512];
	snprintf(path, sizeof(path), "%s/back", temp_dir);
	snprintf(snapshot, sizeof(snapshot), "%s/back.png", temp_dir);
	unlink(path);
	snprintf(spec, sizeof(spec), "offscreen:37x21,format=RG16,back-buffer,file=%s", path);
	if (FBK_HAVE_PNG)
		setenv("FBKIT_SNAPSHOT", snapshot, 1);
	struct fbk_display *d = NULL;
	int err = open_ok(&d, spec);
	unsetenv("FBKIT_SNAPSHOT");
	if (err)
		return;
	check_geometry(d, spec, 37, 21, FBK_FORMAT_RGB565);
	struct fbk_surface *s = fbk_display_surface(d);
	struct watched w;
	if (!watch_open(&w, path, d))
		return;
	CHECK((const uint8_t *)s->pixels < (const uint8_t *)w.map ||
		      (const uint8_t *)s->pixels >= (const uint8_t *)w.map + w.size,
	      "back-buffer: the surface is the file's mapping");

	/* The screen as it should be: starts black, takes only what is presented. */
	size_t bytes = s->stride * (size_t)s->height;
	struct fbk_surface screen = *s;
	screen.pixels = calloc(1, bytes);
	const uint8_t *file_pixels = (const uint8_t *)w.map + w.header->pixel_offset;

	draw_pattern(s, 41);
	CHECK(!memcmp(file_pixels, screen.pixels, bytes), "drawing reached the screen unpresented");

	struct fbk_rect rects[] = { { 2, 3, 10, 4 }, { -3, 19, 10, 10 }, { 30, 0, 50, 1 } };
	CHECK(fbk_display_present(d, rects, 3) == 0, "present rects: %s", fbk_last_error());
	struct fbk_rect clipped[] = { { 2, 3, 10, 4 }, { 0, 19, 7, 2 }, { 30, 0, 7, 1 } };
	for (size_t i = 0; i < 3; i++)
		for (int32_t y = clipped[i].y; y < clipped[i].y + clipped[i].h; y++)
			memcpy(fbk_surface_pixel(&screen, clipped[i].x, y),
			       fbk_surface_pixel(s, clipped[i].x, y), (size_t)clipped[i].w * 2);
	CHECK(!memcmp(file_pixels, screen.pixels, bytes),
	      "after presenting three rectangles the screen is not exactly them");
	CHECK(frame_count(&w) == 1, "frame_count %u after one present", (unsigned)frame_count(&w));
#if FBK_HAVE_PNG
	check_png(snapshot, &screen);
#endif

	CHECK(fbk_display_present(d, NULL, 0) == 0, "present all: %s", fbk_last_error());
	CHECK(!memcmp(file_pixels, s->pixels, bytes), "present of everything left differences");
#if FBK_HAVE_PNG
	check_png(snapshot, s);
#endif

	char text[512];
	fbk_display_describe(d, text, sizeof(text));
	CHECK(strstr(text, "present: copy from a back buffer") != NULL, "describe: %s", text);
	free(screen.pixels);
	unwatch(&w);
	fbk_display_close(d);
	unlink(path);
	unlink(snapshot);
}

/*
 * The display surface is the application's to draw on, clip included,
 * not to redefine: a descriptor that no longer describes the screen
 * (fbk_surface_sub in place, a field written by hand) is refused with a
 * message, and nothing reaches the screen; put back, it presents again.
 */
enum redefinition { SUB_IN_PLACE, WIDER, TALLER, WIDER_STRIDE, OTHER_FORMAT, OTHER_PIXELS };

static const char *const redefinition_names[] = { "fbk_surface_sub(s, s, ...)", "width + 100",
						   "height + 5", "stride + 64", "format RG16",
						   "other pixels" };

static void redefine(struct fbk_surface *s, enum redefinition how, void *elsewhere)
{
	struct fbk_rect panel = { 10, 6, 12, 9 };
	switch (how) {
	case SUB_IN_PLACE:
		CHECK(fbk_surface_sub(s, s, &panel) == 0, "sub in place: %s", fbk_last_error());
		break;
	case WIDER: /* with the stride to match: past the screen's memory */
		s->width += 100;
		s->stride += 400;
		break;
	case TALLER:
		s->height += 5;
		break;
	case WIDER_STRIDE:
		s->stride += 64;
		break;
	case OTHER_FORMAT:
		s->format = FBK_FORMAT_RGB565;
		break;
	case OTHER_PIXELS:
		s->pixels = elsewhere;
		break;
	}
}

static void check_redefinitions(const char *spec, const char *path, bool back_buffer)
{
	struct fbk_display *d = NULL;
	if (open_ok(&d, spec))
		return;
	struct fbk_surface *s = fbk_display_surface(d);
	struct watched w;
	if (!watch_open(&w, path, d))
		return;
	const uint8_t *file_pixels = (const uint8_t *)w.map + w.header->pixel_offset;
	size_t bytes = s->stride * (size_t)s->height;
	uint8_t *shown = malloc(bytes), *elsewhere = calloc(1, bytes * 2);
	const struct fbk_surface saved = *s;

	for (enum redefinition how = SUB_IN_PLACE; how <= OTHER_PIXELS; how++) {
		const char *name = redefinition_names[how];
		*s = saved;
		draw_pattern(s, 60 + how);
		CHECK(fbk_display_present(d, NULL, 0) == 0, "%s: %s: present: %s", spec, name,
		      fbk_last_error());
		memcpy(shown, file_pixels, bytes);
		uint32_t frames = frame_count(&w);

		draw_pattern(s, 90 + how);
		redefine(s, how, elsewhere);
		struct fbk_rect some = { 0, 0, 20, 20 };
		int got_all = fbk_display_present(d, NULL, 0);
		CHECK(got_all == -EINVAL, "%s: %s: present of all gave %d, want -EINVAL", spec,
		      name, got_all);
		CHECK(strstr(fbk_last_error(), "no longer describes the screen") &&
			      strstr(fbk_last_error(), "fbk_surface_sub(&part"),
		      "%s: %s: message '%s'", spec, name, fbk_last_error());
		int got_some = fbk_display_present(d, &some, 1);
		CHECK(got_some == -EINVAL, "%s: %s: present of a rectangle gave %d, want -EINVAL",
		      spec, name, got_some);
		CHECK(frame_count(&w) == frames, "%s: %s: a refused present counted a frame", spec,
		      name);
		/* In place, drawing is on screen already; a back buffer shows the refusal. */
		CHECK(!back_buffer || !memcmp(file_pixels, shown, bytes),
		      "%s: %s: a refused present changed the screen", spec, name);

		/* describe tells the screen as it is, whatever the descriptor says. */
		char text[512];
		fbk_display_describe(d, text, sizeof(text));
		CHECK(strstr(text, "mode: 40x30\n") && strstr(text, "format: XR24"),
		      "%s: %s: describe: %s", spec, name, text);

		*s = saved;
		CHECK(fbk_display_present(d, NULL, 0) == 0, "%s: %s: present after putting the "
		      "surface back: %s", spec, name, fbk_last_error());
		CHECK(!memcmp(file_pixels, s->pixels, bytes), "%s: %s: present after putting the "
		      "surface back did not show it", spec, name);
	}
	free(elsewhere);
	free(shown);
	unwatch(&w);
	fbk_display_close(d);
}

/*
 * The clip is the application's: narrowed to a panel, drawing stays in
 * the panel and present still shows the whole screen at its place; a clip
 * written by hand, even one outside the surface, changes nothing for
 * present.
 */
static void check_clips(const char *spec, const char *path)
{
	struct fbk_display *d = NULL;
	if (open_ok(&d, spec))
		return;
	struct fbk_surface *s = fbk_display_surface(d);
	struct watched w;
	if (!watch_open(&w, path, d))
		return;
	const uint8_t *file_pixels = (const uint8_t *)w.map + w.header->pixel_offset;
	size_t bytes = s->stride * (size_t)s->height;
	void *pixels = s->pixels;

	draw_pattern(s, 7);
	struct fbk_rect panel = { 10, 6, 12, 9 };
	fbk_surface_set_clip(s, &panel);
	struct fbk_color red = { 255, 0, 0, 255 };
	CHECK(fbk_fill(s, NULL, red) == 0, "%s: fill: %s", spec, fbk_last_error());
	CHECK(fbk_display_present(d, NULL, 0) == 0, "%s: present with a panel clip: %s", spec,
	      fbk_last_error());
	CHECK(!memcmp(file_pixels, s->pixels, bytes), "%s: with a panel clip, present of all "
	      "did not show all", spec);
	uint32_t packed = fbk_color_pack(s->format, red), got;
	size_t panel_at = (size_t)panel.y * s->stride + (size_t)panel.x * 4; /* XR24 */
	memcpy(&got, file_pixels + panel_at + s->stride + 4, 4);
	CHECK(got == packed, "%s: the panel is not red on screen at its place: %08x", spec,
	      (unsigned)got);
	memcpy(&got, file_pixels, 4);
	CHECK(got != packed, "%s: red outside the panel", spec);

	draw_pattern(s, 8);
	CHECK(fbk_display_present(d, &panel, 1) == 0, "%s: present of the panel: %s", spec,
	      fbk_last_error());
	CHECK(!memcmp(file_pixels + panel_at, (const uint8_t *)s->pixels + panel_at,
		      (size_t)panel.w * 4),
	      "%s: present of the panel rectangle did not show it at its place", spec);

	static const struct fbk_rect odd[] = {
		{ -50, -50, 1000, 1000 }, { 39, 29, 50, 50 }, { 100, 100, 5, 5 }, { 3, 3, -4, 2 },
		{ INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX },
	};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		s->clip = odd[i];
		draw_pattern(s, 20 + (uint32_t)i);
		CHECK(fbk_display_present(d, NULL, 0) == 0, "%s: present with clip %d,%d %dx%d: %s",
		      spec, (int)odd[i].x, (int)odd[i].y, (int)odd[i].w, (int)odd[i].h,
		      fbk_last_error());
		CHECK(!memcmp(file_pixels, s->pixels, bytes), "%s: clip %d,%d %dx%d: the screen is "
		      "not the surface", spec, (int)odd[i].x, (int)odd[i].y, (int)odd[i].w,
		      (int)odd[i].h);
	}
	CHECK(fbk_display_surface(d) == s && s->pixels == pixels,
	      "%s: the surface moved after present", spec);
	unwatch(&w);
	fbk_display_close(d);
}

static void test_surface_is_drawn_on(void)
{
	static const char *const modes[] = { "", ",back-buffer" };
	for (size_t i = 0; i < 2; i++) {
		char path[512], spec[700];
		snprintf(path, sizeof(path), "%s/drawn", temp_dir);
		snprintf(spec, sizeof(spec), "offscreen:40x30,format=XR24%s,file=%s", modes[i],
			 path);
		unlink(path);
		check_redefinitions(spec, path, i == 1);
		unlink(path);
		check_clips(spec, path);
		unlink(path);
	}
}

/*
 * "auto" over stand-in backends that fail the way devices do (the real
 * ones would need a card another program holds): DRM's master conflict is
 * the answer, and fbdev, whose emulation would open and show nothing, is
 * not tried; any other DRM failure still falls back to fbdev.
 */
static int fbdev_opens;

static int drm_master_held(struct fbk_display **out, const struct fbk_spec *spec)
{
	(void)out;
	(void)spec;
	return fbk_fail(-EBUSY, "/dev/dri/card0: another program holds the display (it is DRM "
				"master)");
}

static int drm_no_card(struct fbk_display **out, const struct fbk_spec *spec)
{
	(void)out;
	(void)spec;
	return fbk_fail(-ENOENT, "no DRM device found");
}

#if FBK_HAVE_DRM
/* The card's one CRTC drives another display: the error DRM's open gives then. */
static int drm_no_free_crtc(struct fbk_display **out, const struct fbk_spec *spec)
{
	(void)out;
	(void)spec;
	const bool busy[1] = { true };
	return fbk_fail(fbk_drm_pick_crtc(0x1, -1, busy, 1), "/dev/dri/card0: no CRTC is free");
}
#endif

static int fbdev_emulation(struct fbk_display **out, const struct fbk_spec *spec)
{
	fbdev_opens++;
	return fbk_offscreen_open(out, spec); /* opens, as the emulation would */
}

static void test_auto_master_conflict(void)
{
	static const struct fbk_backend busy = { "drm", drm_master_held, NULL },
					absent = { "drm", drm_no_card, NULL },
					fbdev = { "fbdev", fbdev_emulation, NULL };
	struct fbk_spec *spec = malloc(sizeof(*spec));
	if (!spec || fbk_spec_parse(spec, "auto")) {
		CHECK(0, "cannot parse \"auto\": %s", fbk_last_error());
		free(spec);
		return;
	}

	const struct fbk_backend *held[] = { &busy, &fbdev };
	struct fbk_display *d = NULL;
	fbdev_opens = 0;
	int err = fbk_display_open_first(&d, spec, held, 2);
	CHECK(err == -EBUSY, "DRM master held elsewhere: got %d, want -EBUSY (%s)", err,
	      fbk_last_error());
	CHECK(d == NULL, "DRM master held elsewhere: a display was opened (backend %s)",
	      d ? fbk_display_backend(d) : "");
	CHECK(fbdev_opens == 0, "DRM master held elsewhere: fbdev was tried %d times",
	      fbdev_opens);
	CHECK(!strncmp(fbk_last_error(), "drm: ", 5) && strstr(fbk_last_error(), "DRM master"),
	      "DRM master held elsewhere: message '%s'", fbk_last_error());
	fbk_display_close(d);

	const struct fbk_backend *none[] = { &absent, &fbdev };
	d = NULL;
	fbdev_opens = 0;
	err = fbk_display_open_first(&d, spec, none, 2);
	CHECK(err == 0 && d && fbdev_opens == 1, "no DRM card: fbdev not opened instead "
	      "(%d, %d opens: %s)", err, fbdev_opens, fbk_last_error());
	fbk_display_close(d);

#if FBK_HAVE_DRM
	/* Every CRTC taken is no master conflict: fbdev may still show a picture. */
	static const struct fbk_backend crtcs_taken = { "drm", drm_no_free_crtc, NULL };
	const struct fbk_backend *taken[] = { &crtcs_taken, &fbdev };
	d = NULL;
	fbdev_opens = 0;
	err = fbk_display_open_first(&d, spec, taken, 2);
	CHECK(err == 0 && d && fbdev_opens == 1, "no free CRTC: fbdev not opened instead "
	      "(%d, %d opens: %s)", err, fbdev_opens, fbk_last_error());
	fbk_display_close(d);
#endif
	free(spec);
}

/*
 * With --auto: "auto", an empty FBKIT_DISPLAY and an empty spec, as a
 * test of its own. Where /dev/fb0 or a DRM card exists, opening it would
 * draw on a real screen: not in a unit test (tests/vm covers real
 * devices), so it is skipped there.
 */
static int test_auto(void)
{
	if (access("/dev/fb0", F_OK) == 0 || have_drm_card())
		SKIP("/dev/fb0 or /dev/dri/card* exists, and 'auto' would draw on that screen: "
		     "its error where no display exists is not checked");
	expect_auto_fails("auto");
	setenv("FBKIT_DISPLAY", "", 1);
	expect_auto_fails(NULL);
	unsetenv("FBKIT_DISPLAY");
	expect_auto_fails("");
	return harness_exit();
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--auto"))
		return test_auto();
	const char *tmp = getenv("TMPDIR");
	snprintf(temp_dir, sizeof(temp_dir), "%s/fbkit-test-display-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(temp_dir)) {
		fprintf(stderr, "cannot create a temporary folder: %s\n", strerror(errno));
		return 1;
	}
	umask(022);
	unsetenv("FBKIT_SNAPSHOT");
	unsetenv("FBKIT_DISPLAY");

	test_default();
	test_formats();
	test_present();
	test_describe();
	test_errors();
	test_environment();
	test_file();
	test_snapshot();
	test_back_buffer();
	test_surface_is_drawn_on();
	test_auto_master_conflict();

	rmdir(temp_dir);
	return harness_exit();
}
