/*
 * The fbdev backend without a framebuffer: every kind of bad device and
 * bad option gets its own clear error and leaves signal handling (so the
 * console) as it was; and the pure layout logic on fabricated screen
 * infos: formats from bitfields (BGR panels, 16 and 24 bpp, alpha), padded
 * lines, panned views, framebuffers that do not start on a page, and the
 * layouts fbkit must refuse; and the colour map of directcolor modes on a
 * fake device. Real drivers are tested in the VM (tests/vm).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/fbdev_layout.h"
#include "display_checks.h"

#define PAGE 4096

static char temp_dir[256];

struct screen {
	struct fb_fix_screeninfo fix;
	struct fb_var_screeninfo var;
};

static struct fb_bitfield bits(unsigned offset, unsigned length)
{
	return (struct fb_bitfield){ offset, length, 0 };
}

/* A truecolor packed-pixel screen, w x h visible and virtual, unpadded, page-aligned memory. */
static struct screen screen(unsigned w, unsigned h, unsigned bpp, struct fb_bitfield r,
			    struct fb_bitfield g, struct fb_bitfield b, struct fb_bitfield a)
{
	struct screen s;
	memset(&s, 0, sizeof(s));
	snprintf(s.fix.id, sizeof(s.fix.id), "fabricated");
	s.fix.type = FB_TYPE_PACKED_PIXELS;
	s.fix.visual = FB_VISUAL_TRUECOLOR;
	s.fix.line_length = w * bpp / 8;
	s.fix.smem_start = 0xfd000000ul;
	s.fix.smem_len = s.fix.line_length * h;
	s.var.xres = s.var.xres_virtual = w;
	s.var.yres = s.var.yres_virtual = h;
	s.var.bits_per_pixel = bpp;
	s.var.red = r;
	s.var.green = g;
	s.var.blue = b;
	s.var.transp = a;
	return s;
}

static struct screen xrgb(unsigned w, unsigned h)
{
	return screen(w, h, 32, bits(16, 8), bits(8, 8), bits(0, 8), bits(0, 0));
}

static int layout(const struct screen *s, size_t page, struct fbk_fbdev_layout *l)
{
	memset(l, 0xa5, sizeof(*l)); /* fields left unset show up as garbage */
	return fbk_fbdev_layout(&s->fix, &s->var, page, l);
}

/* The layout must be self-consistent: the visible area inside the memory, inside the mapping. */
static void check_consistent(const struct screen *s, const struct fbk_fbdev_layout *l, size_t page,
			     const char *what)
{
	size_t bpp = l->format->bytes_per_pixel;
	size_t end = l->visible_offset + (size_t)(l->height - 1) * l->stride +
		     (size_t)l->width * bpp;
	CHECK(l->map_length % page == 0, "%s: map length %zu not whole pages", what,
	      l->map_length);
	CHECK(l->map_length >= l->page_offset + s->fix.smem_len &&
		      l->map_length < l->page_offset + s->fix.smem_len + page,
	      "%s: map length %zu for %zu + %u", what, l->map_length, l->page_offset,
	      (unsigned)s->fix.smem_len);
	CHECK(l->visible_offset >= l->page_offset && end <= l->page_offset + s->fix.smem_len,
	      "%s: visible bytes %zu..%zu outside the framebuffer", what, l->visible_offset, end);
	CHECK(l->stride == s->fix.line_length, "%s: stride %zu, line_length %u", what, l->stride,
	      (unsigned)s->fix.line_length);
}

static void expect_format(const struct screen *s, uint32_t fourcc, const char *what)
{
	struct fbk_fbdev_layout l;
	int err = layout(s, PAGE, &l);
	CHECK(err == 0, "%s: %d %s", what, err, fbk_last_error());
	if (err)
		return;
	CHECK(l.format->fourcc == fourcc, "%s: got %s, want %s", what, l.format->name,
	      fbk_format_info(fourcc)->name);
	CHECK(l.width == (int32_t)s->var.xres && l.height == (int32_t)s->var.yres, "%s: %dx%d",
	      what, (int)l.width, (int)l.height);
	CHECK(l.page_offset == 0 && l.visible_offset == 0, "%s: offsets %zu %zu", what,
	      l.page_offset, l.visible_offset);
	check_consistent(s, &l, PAGE, what);
	CHECK(fbk_fbdev_format(&s->var) == l.format, "%s: fbk_fbdev_format disagrees", what);
}

static void test_formats(void)
{
	struct fb_bitfield none = bits(0, 0);
	struct screen s = xrgb(1280, 800);
	expect_format(&s, FBK_FORMAT_XRGB8888, "XRGB8888 1280x800");
	s = screen(800, 480, 32, bits(0, 8), bits(8, 8), bits(16, 8), none);
	expect_format(&s, FBK_FORMAT_XBGR8888, "BGR panel, 32 bpp");
	s = screen(800, 480, 32, bits(16, 8), bits(8, 8), bits(0, 8), bits(24, 8));
	expect_format(&s, FBK_FORMAT_ARGB8888, "ARGB8888");
	s = screen(800, 480, 32, bits(0, 8), bits(8, 8), bits(16, 8), bits(24, 8));
	expect_format(&s, FBK_FORMAT_ABGR8888, "ABGR8888");
	s = screen(1024, 768, 16, bits(11, 5), bits(5, 6), bits(0, 5), none);
	expect_format(&s, FBK_FORMAT_RGB565, "RGB565 (cirrus)");
	s = screen(320, 240, 16, bits(0, 5), bits(5, 6), bits(11, 5), none);
	expect_format(&s, FBK_FORMAT_BGR565, "BGR565 panel");
	s = screen(1024, 768, 24, bits(16, 8), bits(8, 8), bits(0, 8), none);
	expect_format(&s, FBK_FORMAT_RGB888, "24 bpp packed (vesafb)");
	s = screen(1024, 768, 24, bits(0, 8), bits(8, 8), bits(16, 8), none);
	expect_format(&s, FBK_FORMAT_BGR888, "24 bpp BGR");
	/* 15-bit modes (vesafb vga=0x316, some older drivers): 16 or 15 bits per pixel. */
	s = screen(1024, 768, 16, bits(10, 5), bits(5, 5), bits(0, 5), none);
	expect_format(&s, FBK_FORMAT_XRGB1555, "15-bit colour, 16 bpp (vesafb)");
	s.var.bits_per_pixel = 15;
	expect_format(&s, FBK_FORMAT_XRGB1555, "15-bit colour, 15 bpp");
	s = screen(1024, 768, 16, bits(10, 5), bits(5, 5), bits(0, 5), bits(15, 1));
	expect_format(&s, FBK_FORMAT_ARGB1555, "ARGB1555");
	/* Drivers leave junk in the offset of an absent channel. */
	s = screen(640, 480, 32, bits(16, 8), bits(8, 8), bits(0, 8), bits(24, 0));
	expect_format(&s, FBK_FORMAT_XRGB8888, "XRGB with transp offset 24 length 0");
	s = xrgb(640, 480);
	s.fix.visual = FB_VISUAL_DIRECTCOLOR;
	expect_format(&s, FBK_FORMAT_XRGB8888, "directcolor");
}

static void test_geometry(void)
{
	struct fbk_fbdev_layout l;
	/* A padded line: 1366 pixels in 5504 bytes, not 5464. */
	struct screen s = xrgb(1366, 768);
	s.fix.line_length = 5504;
	s.fix.smem_len = 5504 * 768;
	if (layout(&s, PAGE, &l) == 0) {
		CHECK(l.stride == 5504, "padded: stride %zu", l.stride);
		check_consistent(&s, &l, PAGE, "padded");
	} else {
		CHECK(0, "padded: %s", fbk_last_error());
	}

	/* A panned view of a larger virtual screen. */
	s = xrgb(640, 480);
	s.var.xres_virtual = 1024;
	s.var.yres_virtual = 1536;
	s.var.xoffset = 16;
	s.var.yoffset = 480;
	s.fix.line_length = 1024 * 4;
	s.fix.smem_len = 1024 * 4 * 1536;
	if (layout(&s, PAGE, &l) == 0) {
		CHECK(l.visible_offset == 480 * 4096 + 16 * 4, "panned: visible offset %zu",
		      l.visible_offset);
		check_consistent(&s, &l, PAGE, "panned");
	} else {
		CHECK(0, "panned: %s", fbk_last_error());
	}

	/* Memory that starts inside a page: the mapping begins at that page. */
	s = screen(100, 30, 32, bits(16, 8), bits(8, 8), bits(0, 8), bits(0, 0));
	s.fix.smem_start = 0xe0000400ul;
	s.fix.smem_len = 3 * 4096 + 500;
	s.var.yres_virtual = 31;
	s.var.yoffset = 1;
	if (layout(&s, PAGE, &l) == 0) {
		CHECK(l.page_offset == 0x400, "unaligned: page offset %zu", l.page_offset);
		CHECK(l.visible_offset == 0x400 + 400, "unaligned: visible offset %zu",
		      l.visible_offset);
		CHECK(l.map_length == 4 * 4096, "unaligned: map length %zu", l.map_length);
		check_consistent(&s, &l, PAGE, "unaligned");
	} else {
		CHECK(0, "unaligned: %s", fbk_last_error());
	}

	/* Bigger pages (arm64 with 64 KiB pages). */
	CHECK(layout(&s, 65536, &l) == 0 && l.page_offset == 0x400 && l.map_length == 65536,
	      "64 KiB pages: page offset %zu, map %zu", l.page_offset, l.map_length);

	/* 24 bpp with a line padded to 4 bytes, panned by one line and three pixels. */
	s = screen(1023, 10, 24, bits(16, 8), bits(8, 8), bits(0, 8), bits(0, 0));
	s.fix.line_length = 3072;
	s.fix.smem_len = 3072 * 11;
	s.var.yres_virtual = 11;
	s.var.xres_virtual = 1024;
	s.var.xoffset = 1;
	s.var.yoffset = 1;
	CHECK(layout(&s, PAGE, &l) == 0 && l.visible_offset == 3072 + 3, "24 bpp panned: %s %zu",
	      fbk_last_error(), l.visible_offset);

	/* Random layouts (fixed seed): always self-consistent when accepted. */
	rng_seed(6);
	for (int i = 0; i < 2000; i++) {
		unsigned w = (unsigned)rng_range(1, 3000), h = (unsigned)rng_range(1, 2000);
		size_t bpp = (size_t)rng_range(2, 4);
		struct screen r = bpp == 2 ? screen(w, h, 16, bits(11, 5), bits(5, 6), bits(0, 5),
						    bits(0, 0))
				  : bpp == 3 ? screen(w, h, 24, bits(16, 8), bits(8, 8),
						      bits(0, 8), bits(0, 0))
					     : xrgb(w, h);
		r.var.xres_virtual = w + (unsigned)rng_range(0, 64);
		r.var.yres_virtual = h + (unsigned)rng_range(0, 64);
		r.var.xoffset = (unsigned)rng_range(0, (int32_t)(r.var.xres_virtual - w));
		r.var.yoffset = (unsigned)rng_range(0, (int32_t)(r.var.yres_virtual - h));
		r.fix.line_length = (unsigned)(r.var.xres_virtual * bpp) + (unsigned)rng_range(0, 70);
		r.fix.smem_len = r.fix.line_length * r.var.yres_virtual + (unsigned)rng_range(0, 5000);
		r.fix.smem_start = (unsigned long)rng_next() & 0xfffffffful;
		char what[64];
		snprintf(what, sizeof(what), "random layout %d", i);
		int err = layout(&r, PAGE, &l);
		CHECK(err == 0, "%s: %s", what, fbk_last_error());
		if (!err) {
			check_consistent(&r, &l, PAGE, what);
			CHECK(l.visible_offset == r.fix.smem_start % PAGE +
							  (size_t)r.var.yoffset * r.fix.line_length +
							  r.var.xoffset * bpp,
			      "%s: visible offset %zu", what, l.visible_offset);
		}
	}
}

static void expect_refused(const struct screen *s, int err, const char *needle, const char *what)
{
	struct fbk_fbdev_layout l;
	int got = layout(s, PAGE, &l);
	CHECK(got == err, "%s: got %d (%s), want %d", what, got, fbk_last_error(), err);
	CHECK(strstr(fbk_last_error(), needle), "%s: message '%s' lacks '%s'", what,
	      fbk_last_error(), needle);
}

static void test_refused(void)
{
	struct screen s = screen(640, 480, 16, bits(8, 4), bits(4, 4), bits(0, 4), bits(12, 4));
	expect_refused(&s, -ENOTSUP,
		       "unsupported pixel layout: 16 bpp, red 8/4 green 4/4 blue 0/4 alpha 12/4",
		       "ARGB4444");
	expect_refused(&s, -ENOTSUP, "XR24, AR24, XB24, AB24, RG16, BG16, RG24, BG24, XR15, AR15",
		       "ARGB4444 lists every known format");
	CHECK(fbk_fbdev_format(&s.var) == NULL, "ARGB4444 has a format");
	/* 15 bits per pixel is XRGB1555's depth; RGB565 is 16 bits, always. */
	s = screen(640, 480, 16, bits(11, 5), bits(5, 6), bits(0, 5), bits(0, 0));
	s.var.bits_per_pixel = 15;
	expect_refused(&s, -ENOTSUP, "15 bpp, red 11/5 green 5/6 blue 0/5", "RGB565 at 15 bpp");
	/* 32 bpp alone says nothing: these bitfields are no format fbkit knows. */
	s = screen(640, 480, 32, bits(22, 10), bits(12, 10), bits(2, 10), bits(0, 0));
	expect_refused(&s, -ENOTSUP, "red 22/10 green 12/10 blue 2/10", "XRGB2101010-like");
	s = xrgb(640, 480);
	s.var.red.msb_right = 1;
	expect_refused(&s, -ENOTSUP, "numbered from the right", "msb_right");
	s = screen(640, 480, 8, bits(0, 8), bits(0, 8), bits(0, 8), bits(0, 0));
	s.fix.visual = FB_VISUAL_PSEUDOCOLOR;
	expect_refused(&s, -ENOTSUP, "visual 3 (pseudocolor)", "8 bpp palette");
	s = xrgb(640, 480);
	s.fix.visual = FB_VISUAL_MONO01;
	expect_refused(&s, -ENOTSUP, "monochrome", "mono");
	s = xrgb(640, 480);
	s.fix.type = FB_TYPE_PLANES;
	expect_refused(&s, -ENOTSUP, "pixel memory type 1 (planes)", "planar");
	s = xrgb(640, 480);
	s.var.grayscale = 1;
	expect_refused(&s, -ENOTSUP, "grayscale 1", "grayscale");
	s = xrgb(640, 480);
	s.var.nonstd = 1;
	expect_refused(&s, -ENOTSUP, "nonstd 1", "nonstd");

	s = xrgb(640, 480);
	s.fix.line_length = 640 * 4 - 4;
	expect_refused(&s, -EINVAL, "line_length 2556 is too short", "short line");
	s = xrgb(640, 480);
	s.var.xres_virtual = 648;
	s.var.xoffset = 8;
	expect_refused(&s, -EINVAL, "at x offset 8", "panned past the line");
	s = xrgb(640, 480);
	s.fix.smem_len -= 1;
	expect_refused(&s, -EINVAL, "past the framebuffer memory", "memory one byte short");
	s = xrgb(640, 480);
	s.var.yoffset = 1;
	expect_refused(&s, -EINVAL, "smem_len", "panned past the memory");
	s = xrgb(640, 480);
	s.fix.line_length = 0;
	expect_refused(&s, -EINVAL, "line_length 0", "line_length 0");
	s = xrgb(640, 480);
	s.fix.smem_len = 0;
	expect_refused(&s, -EINVAL, "smem_len 0", "no memory");
	s = xrgb(640, 480);
	s.var.yres = 0;
	expect_refused(&s, -EINVAL, "empty 640x0", "zero height");
	s = xrgb(640, 480);
	s.var.xres = 40000;
	expect_refused(&s, -EFBIG, "40000x480", "too wide");
	s = xrgb(640, 480);
	s.var.yoffset = 0xffffffffu;
	s.fix.line_length = 0xffffffffu;
	struct fbk_fbdev_layout l;
	int err = layout(&s, PAGE, &l);
	CHECK(err == -EINVAL || err == -EFBIG, "absurd offsets: %d %s", err, fbk_last_error());
}

static void test_bad_devices(void)
{
	expect_open_fails("fbdev:/nonexistent-fbkit/fb9", -ENOENT, "/nonexistent-fbkit/fb9",
			  "no such device");
	expect_open_fails("fbdev:/dev/null", -ENOTTY, "/dev/null",
			  "is not a framebuffer device");
	expect_not_device_nodes("fbdev", "is not a framebuffer device", temp_dir);
}

/*
 * A node the user may not open: refused with "permission denied" (a case
 * of its own, fbdev_permission: root ignores file modes, so it is skipped
 * there).
 */
static void test_permission(void)
{
	if (geteuid() == 0)
		SKIP("running as root, which ignores file modes: a mode-000 file opens");
	char spec[600], path[512];
	snprintf(path, sizeof(path), "%s/unreadable", temp_dir);
	FILE *f = fopen(path, "wb");
	if (f)
		fclose(f);
	chmod(path, 0);
	snprintf(spec, sizeof(spec), "fbdev:%s", path);
	expect_open_fails(spec, -EACCES, path, "permission denied");
	unlink(path);
}

static void test_bad_options(void)
{
	expect_open_fails("fbdev:/dev/null,bogus", -EINVAL, "'bogus'", "direct, vt-switch");
	expect_open_fails("fbdev,direct=yes", -EINVAL, "'direct' takes no value", NULL);
	expect_open_fails("fbdev,vt-switch=1", -EINVAL, "'vt-switch' takes no value", NULL);
	expect_open_fails("fbdev,direct,vt-switch", -EINVAL, "cannot be combined", NULL);
	/* Options are checked before the device is opened. */
	expect_open_fails("fbdev:/nonexistent-fbkit/fb9,format=XR24", -EINVAL, "'format'", NULL);
	/* Flags with a real device path that is missing: the device error. */
	expect_open_fails("fbdev:/nonexistent-fbkit/fb9,direct", -ENOENT, "no such device", NULL);
	expect_open_fails("fbdev:/nonexistent-fbkit/fb9,vt-switch", -ENOENT, "no such device",
			  NULL);
}

/*
 * A fake framebuffer: fbkit opens /dev/zero (a character device whose
 * shared mapping is plain memory), and the ioctl() below, which the
 * library's calls reach because tests link it statically, answers the
 * fbdev requests on it from `fake`. That lives in shared memory, so what a
 * forked child's signal handler did shows in the parent. Every other call
 * goes to the kernel, except that while the fake is on no terminal is a
 * VT: the console of the machine running the tests is never touched.
 */
#define FAKE_CMAP_LEN 256 /* the device's map, as aty128fb and radeonfb allocate it */

struct fake {
	bool on;
	dev_t rdev;
	/* a regular file answering too (its memory keeps what is written to it) */
	dev_t file_dev;
	ino_t file_ino;
	struct fb_fix_screeninfo fix;
	struct fb_var_screeninfo var;
	bool get_fails;
	/* the next this many FBIOPUT_VSCREENINFO pan back to the top, as some drivers do */
	unsigned pan_resets;
	unsigned gets, puts;
	unsigned put_start, put_len; /* of the last FBIOPUTCMAP */
	uint16_t map[3][FAKE_CMAP_LEN];
};

static struct fake *fake;

/* The kernel's rules: entries from start, clipped to the device's map. */
static int fake_cmap(unsigned long request, struct fb_cmap *c)
{
	if (request == FBIOGETCMAP)
		fake->gets++;
	else
		fake->puts++;
	if (request == FBIOGETCMAP && fake->get_fails)
		return -EINVAL;
	if (c->start >= FAKE_CMAP_LEN || c->len == 0)
		return -EINVAL;
	size_t n = c->len < FAKE_CMAP_LEN - c->start ? c->len : FAKE_CMAP_LEN - c->start;
	uint16_t *user[3] = { c->red, c->green, c->blue };
	for (size_t ch = 0; ch < 3; ch++) {
		uint16_t *dev = fake->map[ch] + c->start;
		if (request == FBIOGETCMAP)
			memcpy(user[ch], dev, n * sizeof(*dev));
		else
			memcpy(dev, user[ch], n * sizeof(*dev));
	}
	if (request == FBIOPUTCMAP) {
		fake->put_start = c->start;
		fake->put_len = c->len;
	}
	return 0;
}

static int fake_ioctl(unsigned long request, void *arg)
{
	switch (request) {
	case FBIOGET_FSCREENINFO:
		memcpy(arg, &fake->fix, sizeof(fake->fix));
		return 0;
	case FBIOGET_VSCREENINFO:
		memcpy(arg, &fake->var, sizeof(fake->var));
		return 0;
	case FBIOPUT_VSCREENINFO:
		memcpy(&fake->var, arg, sizeof(fake->var));
		fake->var.activate = 0;
		if (fake->pan_resets) {
			fake->pan_resets--;
			fake->var.yoffset = 0;
		}
		memcpy(arg, &fake->var, sizeof(fake->var)); /* the kernel writes back what it set */
		return 0;
	case FBIOPAN_DISPLAY:
		return 0;
	case FBIOGETCMAP:
	case FBIOPUTCMAP:
		return fake_cmap(request, arg);
	default:
		return -ENOTTY;
	}
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	struct stat st;
	if (fake && fake->on) {
		if (request == KDGETMODE) {
			errno = ENOTTY;
			return -1;
		}
		bool device = !fstat(fd, &st) &&
			      ((S_ISCHR(st.st_mode) && st.st_rdev == fake->rdev) ||
			       (S_ISREG(st.st_mode) && st.st_dev == fake->file_dev &&
				st.st_ino == fake->file_ino));
		if (device) {
			int err = fake_ioctl(request, arg);
			if (err) {
				errno = -err;
				return -1;
			}
			return 0;
		}
	}
	return (int)syscall(SYS_ioctl, fd, request, arg);
}

/* What the console might have left: anything but a ramp. */
static void fake_device(const struct screen *s)
{
	fake->fix = s->fix;
	fake->var = s->var;
	fake->get_fails = false;
	fake->pan_resets = 0;
	fake->file_dev = 0;
	fake->file_ino = 0;
	fake->gets = fake->puts = fake->put_start = fake->put_len = 0;
	for (size_t ch = 0; ch < 3; ch++)
		for (size_t i = 0; i < FAKE_CMAP_LEN; i++)
			fake->map[ch][i] = (uint16_t)rng_next();
	fake->on = true;
}

static uint16_t ramp_entry(size_t i, size_t n)
{
	return i >= n ? 0xffff : (uint16_t)((i * 0xffffu + (n - 1) / 2) / (n - 1));
}

/* Every entry of each channel's ramp is in the fake's map. */
static bool map_is_ramp(const struct fb_var_screeninfo *var, const char *what)
{
	const struct fb_bitfield *fields[3] = { &var->red, &var->green, &var->blue };
	bool ok = true;
	for (size_t ch = 0; ch < 3; ch++) {
		size_t n = (size_t)1 << fields[ch]->length;
		for (size_t i = 0; i < n && ok; i++)
			if (fake->map[ch][i] != ramp_entry(i, n)) {
				CHECK(0, "%s: channel %zu entry %zu of %zu is 0x%04x, want 0x%04x",
				      what, ch, i, n, fake->map[ch][i], ramp_entry(i, n));
				ok = false;
			}
	}
	return ok;
}

static void test_ramp(void)
{
	uint16_t r[FBK_FBDEV_CMAP_MAX], g[FBK_FBDEV_CMAP_MAX], b[FBK_FBDEV_CMAP_MAX];
	struct screen s = screen(64, 64, 16, bits(11, 5), bits(5, 6), bits(0, 5), bits(0, 0));
	size_t len = fbk_fbdev_ramp(&s.var, r, g, b);
	CHECK(len == 64, "RGB565: %zu entries, want 64", len);
	/* Bit replication, as the pixel's 5 or 6 bits widen to 16: the same 8 top bits. */
	for (unsigned i = 0; i < 32; i++)
		CHECK(r[i] >> 8 == ((i << 3 | i >> 2) & 0xff) && b[i] == r[i],
		      "RGB565: red/blue entry %u is 0x%04x", i, r[i]);
	for (unsigned i = 0; i < 64; i++)
		CHECK(g[i] >> 8 == ((i << 2 | i >> 4) & 0xff), "RGB565: green entry %u is 0x%04x",
		      i, g[i]);
	CHECK(r[0] == 0 && r[31] == 0xffff && g[63] == 0xffff && r[32] == 0xffff &&
		      b[63] == 0xffff,
	      "RGB565: ends 0x%04x 0x%04x 0x%04x, past the channel 0x%04x 0x%04x", r[0], r[31],
	      g[63], r[32], b[63]);
	s = xrgb(64, 64);
	len = fbk_fbdev_ramp(&s.var, r, g, b);
	CHECK(len == 256, "XRGB8888: %zu entries", len);
	for (unsigned i = 0; i < 256; i++)
		CHECK(r[i] == i * 257 && g[i] == r[i] && b[i] == r[i],
		      "XRGB8888: entry %u is 0x%04x 0x%04x 0x%04x", i, r[i], g[i], b[i]);
	s = screen(64, 64, 32, bits(20, 10), bits(10, 10), bits(0, 10), bits(0, 0));
	CHECK(fbk_fbdev_ramp(&s.var, r, g, b) == 0, "10-bit channels given a ramp");
}

static struct fbk_display *open_fake(const char *what)
{
	struct fbk_display *d = NULL;
	int err = fbk_display_open(&d, "fbdev:/dev/zero");
	CHECK(err == 0, "%s: open: %d %s", what, err, fbk_last_error());
	return err ? NULL : d;
}

/* Open: the ramps for each channel's length. Close: the map exactly as it was. */
static void expect_ramp_and_restore(const struct screen *s, unsigned len, const char *what)
{
	fake_device(s);
	uint16_t before[3][FAKE_CMAP_LEN];
	memcpy(before, fake->map, sizeof(before));
	struct fbk_display *d = open_fake(what);
	if (!d)
		return;
	CHECK(fake->gets == 1 && fake->puts == 1, "%s: %u gets, %u puts at open", what,
	      fake->gets, fake->puts);
	CHECK(fake->put_start == 0 && fake->put_len == len,
	      "%s: loaded %u entries from %u, want %u", what, fake->put_len, fake->put_start, len);
	map_is_ramp(&s->var, what);
	struct fbk_surface *surface = fbk_display_surface(d);
	fbk_fill(surface, NULL, (struct fbk_color){ 255, 0, 0, 255 });
	CHECK(fbk_display_present(d, NULL, 0) == 0, "%s: present: %s", what, fbk_last_error());
	CHECK(fake->puts == 1, "%s: %u puts after a present, want 1", what, fake->puts);
	fbk_display_close(d);
	CHECK(fake->puts == 2, "%s: %u puts after close", what, fake->puts);
	CHECK(!memcmp(before, fake->map, sizeof(before)), "%s: close left another map", what);
	fake->on = false;
}

static volatile sig_atomic_t app_handler_ran;
static bool map_was_restored_in_handler;
static uint16_t map_before[3][FAKE_CMAP_LEN];

static void app_handler(int sig)
{
	(void)sig;
	app_handler_ran = 1;
	map_was_restored_in_handler = !memcmp(map_before, fake->map, sizeof(map_before));
}

/*
 * An application's handler that returns: the console's map is shown while
 * it runs, and the next present loads the ramp again.
 */
static void test_cmap_handler_returns(void)
{
	struct screen s = screen(64, 48, 16, bits(11, 5), bits(5, 6), bits(0, 5), bits(0, 0));
	s.fix.visual = FB_VISUAL_DIRECTCOLOR;
	fake_device(&s);
	memcpy(map_before, fake->map, sizeof(map_before));
	struct sigaction app, old;
	memset(&app, 0, sizeof(app));
	app.sa_handler = app_handler;
	sigemptyset(&app.sa_mask);
	sigaction(SIGINT, &app, &old);
	struct fbk_display *d = open_fake("handler returns");
	if (d) {
		raise(SIGINT);
		CHECK(app_handler_ran && map_was_restored_in_handler,
		      "handler returns: the map was not the console's while the handler ran");
		CHECK(fbk_display_present(d, NULL, 0) == 0, "handler returns: present: %s",
		      fbk_last_error());
		map_is_ramp(&s.var, "handler returns, after the next present");
		fbk_display_close(d);
		CHECK(!memcmp(map_before, fake->map, sizeof(map_before)),
		      "handler returns: close left another map");
	}
	sigaction(SIGINT, &old, NULL);
	fake->on = false;
}

/*
 * A child that opens the fake device, runs `then` in it (when given; false
 * fails it) and waits to be killed. Its pid once it is ready, or -1
 * (checked, under `what`).
 */
static pid_t opened_in_child(const char *what, bool (*then)(void))
{
	int ready[2];
	if (pipe(ready)) {
		CHECK(0, "%s: pipe: %s", what, strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t child = fork();
	if (child == 0) {
		close(ready[0]);
		struct fbk_display *d = NULL;
		char ok = fbk_display_open(&d, "fbdev:/dev/zero") || (then && !then()) ? 'n' : 'y';
		if (write(ready[1], &ok, 1) != 1 || ok != 'y')
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	char ok = 0;
	bool up = child > 0 && read(ready[0], &ok, 1) == 1 && ok == 'y';
	close(ready[0]);
	CHECK(up, "%s: the child could not open the fake device, or its own check failed", what);
	if (child > 0 && !up) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	return up ? child : -1;
}

/* SIGTERM to the child; true when it died of it (checked). */
static bool killed_by_sigterm(const char *what, pid_t child)
{
	kill(child, SIGTERM);
	int status = 0;
	waitpid(child, &status, 0);
	bool died = WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM;
	CHECK(died, "%s: the child did not die of SIGTERM (status 0x%x)", what, (unsigned)status);
	return died;
}

/* A child killed by SIGTERM: its handler puts the map back before it dies. */
static void test_cmap_killed(void)
{
	struct screen s = xrgb(64, 48);
	s.fix.visual = FB_VISUAL_DIRECTCOLOR;
	fake_device(&s);
	uint16_t before[3][FAKE_CMAP_LEN];
	memcpy(before, fake->map, sizeof(before));
	pid_t child = opened_in_child("killed", NULL);
	if (child > 0) {
		map_is_ramp(&s.var, "killed, before the signal");
		if (killed_by_sigterm("killed", child)) {
			CHECK(fake->puts == 2, "killed: %u puts, want the ramp and the restore",
			      fake->puts);
			CHECK(!memcmp(before, fake->map, sizeof(before)),
			      "killed: the map was not restored when SIGTERM ended the program");
		}
	}
	fake->on = false;
}

/* In the process that opened the display: a forked child of it dies of SIGTERM. */
static bool fork_dies_mode_stays(void)
{
	fflush(NULL);
	pid_t grandchild = fork();
	if (grandchild == 0) {
		raise(SIGTERM);
		_exit(3);
	}
	int status = 0;
	return grandchild > 0 && waitpid(grandchild, &status, 0) == grandchild &&
	       WIFSIGNALED(status) && fake->var.yoffset == 0;
}

/*
 * A driver that pans back to the top when fbkit sets the mode again: the
 * mode found (panned to the second page) goes back on close and when
 * SIGTERM ends the program, but not when a forked child of it dies.
 */
static void test_mode_restore(void)
{
	struct screen s = xrgb(64, 48);
	s.var.yres_virtual = 96;
	s.var.yoffset = 48;
	s.fix.smem_len *= 2;
	fake_device(&s);
	fake->pan_resets = 1;
	struct fbk_display *d = open_fake("mode restore");
	CHECK(fake->var.yoffset == 0, "mode restore: the fake did not pan back (%u)",
	      (unsigned)fake->var.yoffset);
	fbk_display_close(d);
	CHECK(fake->var.yoffset == 48, "mode restore: close left yoffset %u, want 48",
	      (unsigned)fake->var.yoffset);

	fake_device(&s);
	fake->pan_resets = 1;
	pid_t child = opened_in_child("mode killed (a forked child's death must not restore)",
				      fork_dies_mode_stays);
	if (child > 0 && killed_by_sigterm("mode killed", child))
		CHECK(fake->var.yoffset == 48,
		      "mode killed: yoffset %u when SIGTERM ended the program, want 48",
		      (unsigned)fake->var.yoffset);
	fake->on = false;
}

/*
 * fbk_fbdev_read_screen (fbkit-shot's read) on a file answering as a
 * framebuffer whose memory starts 100 bytes into its page and is panned to
 * (3, 30): the picture is the visible area, pixel for pixel, read-only.
 */
static void test_read_screen(void)
{
	struct screen s = xrgb(48, 60);
	s.var.xres = 40;
	s.var.yres = 30;
	s.var.xoffset = 3;
	s.var.yoffset = 30;
	s.fix.smem_start += 100;
	size_t bytes = 100 + s.fix.smem_len;
	char path[600];
	snprintf(path, sizeof(path), "%s/screen", temp_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	uint8_t *memory = calloc(1, bytes);
	struct stat st;
	if (fd < 0 || !memory || fstat(fd, &st)) {
		CHECK(0, "read screen: setting up %s: %s", path, strerror(errno));
		goto out;
	}
	/* Every pixel names its own place in the framebuffer: 0x00XXYY00 + 0x55. */
	for (uint32_t y = 0; y < 60; y++)
		for (uint32_t x = 0; x < 48; x++) {
			uint32_t v = x << 16 | y << 8 | 0x55;
			memcpy(memory + 100 + y * s.fix.line_length + x * 4, &v, 4);
		}
	CHECK(write(fd, memory, bytes) == (ssize_t)bytes, "read screen: write: %s", strerror(errno));
	fake_device(&s);
	fake->file_dev = st.st_dev;
	fake->file_ino = st.st_ino;
	struct fbk_surface *shot = NULL;
	int err = fbk_fbdev_read_screen(&shot, path);
	CHECK(err == 0 && shot && shot->width == 40 && shot->height == 30 &&
		      shot->format == FBK_FORMAT_XRGB8888,
	      "read screen: %d %s", err, fbk_last_error());
	int bad = 0;
	for (int32_t y = 0; shot && y < 30; y++)
		for (int32_t x = 0; x < 40; x++) {
			uint32_t got;
			memcpy(&got, fbk_surface_pixel(shot, x, y), 4);
			bad += got != ((uint32_t)(x + 3) << 16 | (uint32_t)(y + 30) << 8 | 0x55);
		}
	CHECK(bad == 0, "read screen: %d pixels are not the visible area's", bad);
	CHECK(fake->puts == 0 && fake->var.yoffset == 30, "read screen: the device was changed");
	fbk_surface_destroy(shot);
	fake->on = false;
	CHECK(fbk_fbdev_read_screen(&shot, path) == -ENOTTY && !shot,
	      "read screen: a plain file was read as a framebuffer: %s", fbk_last_error());
	CHECK(fbk_fbdev_read_screen(NULL, path) == -EINVAL, "read screen: NULL output accepted");
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
	free(memory);
}

static void test_fake_device(void)
{
	fake = mmap(NULL, sizeof(*fake), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct stat st;
	if (fake == MAP_FAILED || stat("/dev/zero", &st) || !S_ISCHR(st.st_mode)) {
		rmdir(temp_dir);
		SKIP("fake device tests: no shared memory or no /dev/zero to fake a device with");
	}
	memset(fake, 0, sizeof(*fake));
	fake->rdev = st.st_rdev;
	rng_seed(11);

	struct screen s = screen(320, 240, 16, bits(11, 5), bits(5, 6), bits(0, 5), bits(0, 0));
	s.fix.visual = FB_VISUAL_DIRECTCOLOR;
	expect_ramp_and_restore(&s, 64, "directcolor RGB565");
	s = xrgb(320, 240);
	s.fix.visual = FB_VISUAL_DIRECTCOLOR;
	expect_ramp_and_restore(&s, 256, "directcolor XRGB8888");

	s = xrgb(320, 240);
	fake_device(&s);
	struct fbk_display *d = open_fake("truecolor");
	if (d)
		fbk_display_close(d);
	CHECK(fake->gets == 0 && fake->puts == 0, "truecolor: %u gets, %u puts of the map",
	      fake->gets, fake->puts);

	/* A map that cannot be read is left alone: nothing could put it back. */
	s.fix.visual = FB_VISUAL_DIRECTCOLOR;
	fake_device(&s);
	fake->get_fails = true;
	d = open_fake("unreadable map");
	if (d)
		fbk_display_close(d);
	CHECK(fake->puts == 0, "unreadable map: %u puts", fake->puts);
	fake->on = false;

	test_cmap_handler_returns();
	test_cmap_killed();
	test_mode_restore();
	test_read_screen();
}

int main(int argc, char **argv)
{
	/*
	 * The fake device is a case of its own (fbdev_fake_device), so that
	 * where it cannot be made it is skipped with the reason.
	 */
	const char *tmp = getenv("TMPDIR");
	snprintf(temp_dir, sizeof(temp_dir), "%s/fbkit-test-fbdev-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(temp_dir)) {
		fprintf(stderr, "cannot create a temporary folder: %s\n", strerror(errno));
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "--fake-device")) {
		test_fake_device();
		rmdir(temp_dir);
		return harness_exit();
	}
	if (argc > 1 && !strcmp(argv[1], "--permission")) {
		test_permission();
		rmdir(temp_dir);
		return harness_exit();
	}
	test_formats();
	test_geometry();
	test_refused();
	test_bad_devices();
	test_bad_options();
	test_ramp();
	rmdir(temp_dir);
	return harness_exit();
}
