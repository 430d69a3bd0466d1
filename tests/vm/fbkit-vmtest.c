/*
 * fbkit-vmtest: the VM tests' program, built twice from this file.
 *
 * In the guest (linked statically, run by the initramfs' /init) it runs
 * test steps on the real kernel's display drivers and, whenever a picture
 * is on screen, asks the host for a screendump over the control channel:
 *
 *     fbkit-vmtest [--control=DEV] [--tty=DEV] STEP[=ARG]...
 *
 * On the host (linked normally) it renders the picture a step expects,
 * with the offscreen backend in the device's own pixel format, so a
 * correct driver stack gives a pixel-identical screendump:
 *
 *     fbkit-vmtest render IMAGE WxH FORMAT OUT.ppm
 *
 * Only fbkit's public API draws; the `rawcopy` control step also talks to
 * /dev/fb0 by hand so that it needs no display backend at all, and the
 * DRM steps read the card's CRTCs with libdrm to see what fbkit left.
 *
 * Protocol (one line each, on the control channel; the host reads lines
 * starting with "@@" and ignores anything else):
 *   guest: @@HELLO, @@STEP, @@NOTE, @@RESULT, @@END
 *   guest: @@DUMP seq=N step=S check=KIND [key=value...]   then waits for
 *   host:  @@ACK N                                          (dump taken)
 * See tests/vm/README.md for the keys of each check.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/fb.h>
#include <linux/kd.h>
#include <linux/vt.h>

#include <fbkit.h>

/* Steps that look at the DRM card themselves (CRTC state, who is master) need libdrm. */
#if VMTEST_HAVE_LIBDRM
#include <xf86drm.h>
#include <xf86drmMode.h>

/* Only to break the cursor plane on purpose (break_cursor_plane): never to draw. */
#include "backend/drm.h"
#endif

#define DRM_CARD "/dev/dri/card0"

/* How a step ended; the exit status of the process that ran it. */
enum outcome {
	OUTCOME_PASS = 0,
	OUTCOME_FAIL = 1,
	OUTCOME_NOTBUILT = 2, /* the backend it needs is not built into this fbkit */
};

static const char *const outcome_names[] = { "PASS", "FAIL", "NOTBUILT" };

/* ---------------------------------------------------------------- protocol */

static struct {
	int in, out;      /* control channel to the host */
	const char *tty;  /* the virtual terminal the program runs on */
	const char *step; /* name of the step running, for dump requests */
	unsigned seq;     /* last dump request number */
	/*
	 * The rotation of the display the step opened: its surface is the
	 * picture, the screen the picture turned (dumps say so).
	 */
	int rotation;
} vm = { 0, 1, "/dev/tty1", "-", 0, 0 };

/* Write one protocol line ("@@" + text) in a single write(). */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[1024] = "@@";
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line + 2, sizeof(line) - 3, fmt, ap);
	va_end(ap);
	size_t len = n < 0 ? 2 : strlen(line);
	for (size_t i = 2; i < len; i++) /* one line, whatever the message holds */
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[len++] = '\n';
	for (size_t done = 0; done < len;) {
		ssize_t w = write(vm.out, line + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		done += (size_t)w;
	}
}

static int warnings_logged; /* by fbkit, in this process */

/* fbkit's log goes to the host too: on the guest nobody reads the screen. */
static void log_to_host(enum fbk_log_level level, const char *msg, void *userdata)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	warnings_logged += level == FBK_LOG_WARNING;
	say("NOTE fbkit %s: %s", names[level <= FBK_LOG_DEBUG ? level : FBK_LOG_DEBUG], msg);
}

/* Read one line from the control channel, byte by byte (nothing is
 * buffered, so a forked child and its parent can take turns). */
static bool read_line(char *buf, size_t size)
{
	size_t len = 0;
	for (;;) {
		char c;
		ssize_t r = read(vm.in, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		if (c == '\n')
			break;
		if (c != '\r' && len + 1 < size)
			buf[len++] = c;
	}
	buf[len] = '\0';
	return true;
}

/*
 * Ask the host for a screendump: `fields` says what to check (see the
 * README). Blocks until the host has taken it. 0, or -1 when the host did
 * not answer.
 */
static int request_dump(const char *fields)
{
	unsigned seq = ++vm.seq;
	say("DUMP seq=%u step=%s %s", seq, vm.step, fields);
	char line[256];
	while (read_line(line, sizeof(line))) {
		unsigned got;
		if (sscanf(line, "@@ACK %u", &got) == 1 && got == seq)
			return 0;
	}
	say("NOTE no answer from the host to dump request %u", seq);
	return -1;
}

/* ---------------------------------------------------------------- pictures */

/* An ARGB sprite: a colour gradient with an alpha ramp, so blending is
 * exercised at every alpha value. NULL when out of memory. */
static struct fbk_surface *make_sprite(unsigned variant)
{
	struct fbk_surface *sprite;
	if (fbk_surface_create(&sprite, 64, 48, FBK_FORMAT_ARGB8888))
		return NULL;
	for (int32_t y = 0; y < sprite->height; y++)
		for (int32_t x = 0; x < sprite->width; x++) {
			struct fbk_color c = { (uint8_t)(x * 4 + variant * 40), (uint8_t)(255 - y * 5),
					       (uint8_t)(x * y / 12), (uint8_t)(x * 255 / 63) };
			uint32_t *p = fbk_surface_pixel(sprite, x, y);
			*p = fbk_color_pack(FBK_FORMAT_ARGB8888, c);
		}
	return sprite;
}

/* Channel ramps across the top: every step of a 64-level ramp, so a
 * channel that is shifted, swapped or truncated shows at once. */
static void draw_ramps(struct fbk_surface *s, unsigned variant)
{
	int32_t band = s->height / 20;
	for (int32_t i = 0; i < 64; i++) {
		int32_t x0 = i * s->width / 64, x1 = (i + 1) * s->width / 64;
		uint8_t c = (uint8_t)(i * 4 + i / 16);
		struct fbk_color colors[4] = { FBK_RGB(c, 0, 0), FBK_RGB(0, c, 0), FBK_RGB(0, 0, c),
					       FBK_RGB(c, c, (uint8_t)(c ^ (variant * 16))) };
		for (int32_t row = 0; row < 4; row++)
			fbk_fill(s, &(struct fbk_rect){ x0, 4 + row * band, x1 - x0, band }, colors[row]);
	}
}

/* Overlapping translucent rectangles. */
static void draw_glass(struct fbk_surface *s, struct fbk_rect area, unsigned variant)
{
	int32_t w = area.w / 3, h = area.h / 2;
	fbk_fill(s, &(struct fbk_rect){ area.x, area.y, w * 2, h }, FBK_RGBA(255, 40, 0, 150));
	fbk_fill(s, &(struct fbk_rect){ area.x + w / 2, area.y + h / 3, w * 2, h },
		 FBK_RGBA(0, 255, 60, (uint8_t)(90 + variant * 7)));
	fbk_fill(s, &(struct fbk_rect){ area.x + w, area.y + h / 2 + 7, w * 2, h },
		 FBK_RGBA(30, 60, 255, 200));
	fbk_rect_outline(s, &area, FBK_RGB(255, 255, 255));
}

/* A fan of lines from one point, some translucent, some leaving the screen. */
static void draw_fan(struct fbk_surface *s, int32_t cx, int32_t cy, int32_t r, unsigned variant)
{
	for (int32_t i = 0; i <= 32; i++) {
		int32_t d = (i - 16) * r / 16;
		fbk_line(s, cx, cy, cx + d, cy - r, FBK_RGB(255, (uint8_t)(i * 7), (uint8_t)variant));
		fbk_line(s, cx, cy, cx - r, cy + d, FBK_RGB(0, (uint8_t)(i * 7), 255));
		fbk_line(s, cx, cy, cx + r, cy + d, FBK_RGBA(255, 255, 255, 120));
		fbk_line(s, cx, cy, cx + d * 40, cy + r * 40, FBK_RGB((uint8_t)(i * 7), 200, 0));
	}
}

static void draw_text(struct fbk_surface *s, int32_t x, int32_t y, unsigned variant)
{
	const struct fbk_font *font = fbk_font_builtin();
	char line[128];
	snprintf(line, sizeof(line), "fbkit vmtest scene %u, %dx%d", variant, (int)s->width,
		 (int)s->height);
	fbk_text_draw(s, font, x, y, line, FBK_RGB(255, 255, 0), NULL);
	fbk_text_draw(s, font, x, y + 18, "Grüße aus der VM: äöü ÄÖÜ ß ½ ©\n\tnext line, tab",
		      FBK_RGB(230, 230, 230), &(struct fbk_color){ 0, 0, 40, 170 });
	fbk_text_draw(s, font, x, y + 56, "opaque background", FBK_RGB(0, 0, 0),
		      &(struct fbk_color){ 250, 200, 40, 255 });
}

/*
 * The test scene, a function of the surface size and `variant` only: the
 * guest draws it on the display, the host into an offscreen surface of the
 * same size and format, and both must give the same pixels.
 */
static void draw_scene(struct fbk_surface *s, unsigned variant)
{
	int32_t w = s->width, h = s->height;
	fbk_fill(s, NULL, FBK_RGB((uint8_t)(20 + variant * 9), 36, (uint8_t)(90 - variant * 5)));
	draw_ramps(s, variant);
	int32_t top = 4 + 4 * (h / 20) + 8;
	draw_glass(s, (struct fbk_rect){ w / 2 + (int32_t)variant * 3, top, w / 3, h / 4 }, variant);
	draw_fan(s, w / 4, top + h / 4, h / 6, variant);
	draw_text(s, 16 + (int32_t)variant, h / 2 + 20, variant);

	struct fbk_surface *sprite = make_sprite(variant);
	if (sprite) {
		int32_t y = h - 120;
		fbk_blit(s, w / 2, y, sprite, NULL, FBK_OP_OVER, 255);
		fbk_blit(s, w / 2 + 40, y + 20, sprite, NULL, FBK_OP_OVER, 128);
		fbk_blit(s, w / 2 + 120, y, sprite, &(struct fbk_rect){ 8, 8, 40, 30 }, FBK_OP_SRC, 255);
		fbk_blit(s, w - 30, y + 30, sprite, NULL, FBK_OP_OVER, 255); /* cut by the edge */
		fbk_surface_destroy(sprite);
	}
	/* A piece of the scene copied onto itself, overlapping. */
	fbk_blit(s, w / 2 + 11, h - 60, s, &(struct fbk_rect){ w / 2, h - 120, 200, 50 }, FBK_OP_SRC,
		 255);
	/* The outermost pixels: a stride or offset error shows here first. */
	fbk_rect_outline(s, &(struct fbk_rect){ 0, 0, w, h }, FBK_RGB(255, 0, (uint8_t)(variant * 30)));
	fbk_rect_outline(s, &(struct fbk_rect){ 1, 1, w - 2, h - 2 }, FBK_RGB(0, 255, 255));
}

/* The moving box of the damage steps: a frame and a diagonal, so a stale copy shows. */
static void draw_box(struct fbk_surface *s, struct fbk_rect r)
{
	fbk_fill(s, &r, FBK_RGB(250, 210, 30));
	fbk_rect_outline(s, &r, FBK_RGB(0, 0, 0));
	fbk_line(s, r.x, r.y, r.x + r.w - 1, r.y + r.h - 1, FBK_RGB(200, 0, 120));
}

/* Where the box is after `k` moves: steps smaller than the box, so positions overlap. */
static struct fbk_rect box_at(const struct fbk_surface *s, unsigned k)
{
	int32_t w = 40, h = 30;
	int32_t x = (int32_t)((unsigned)s->width / 3 + k * 23) % (s->width - w);
	int32_t y = (int32_t)((unsigned)s->height / 3 + k * 9) % (s->height - h);
	return (struct fbk_rect){ x, y, w, h };
}

/* The pointer steps' cursor image: a black frame round a translucent blue inside. */
#define POINTER_W 24
#define POINTER_H 20
#define POINTER_HX 5
#define POINTER_HY 3
#define VT_POINTER_X 101 /* where the VT switch step puts it */
#define VT_POINTER_Y 77

static void pointer_image(uint32_t *image)
{
	for (int32_t y = 0; y < POINTER_H; y++)
		for (int32_t x = 0; x < POINTER_W; x++) {
			bool edge = x < 2 || y < 2 || x >= POINTER_W - 2 || y >= POINTER_H - 2;
			image[y * POINTER_W + x] = edge ? 0xff000000u | (uint32_t)(x * 10) << 16
							: (uint32_t)(0x40 + x * 6) << 24 | 0x2080ffu;
		}
}

/* A software cursor's look with its hotspot at (x, y): the image blended on. */
static int draw_pointer(struct fbk_surface *s, int32_t x, int32_t y)
{
	uint32_t image[POINTER_W * POINTER_H];
	pointer_image(image);
	struct fbk_surface sprite;
	int err = fbk_surface_init(&sprite, image, POINTER_W, POINTER_H, POINTER_W * 4,
				   FBK_FORMAT_ARGB8888);
	return err ? err
		   : fbk_blit(s, x - POINTER_HX, y - POINTER_HY, &sprite, NULL, FBK_OP_OVER, 255);
}

/*
 * Draw a picture named by `id`: "scene:V", optionally followed by parts:
 * "+pointer@X,Y" blends the pointer steps' cursor with its hotspot there,
 * "+scene:V@X,Y,W,H" pastes that rectangle of another scene (what a
 * partial present must show), "+box@X,Y,W,H" draws the moving box there.
 * -EINVAL for a malformed id.
 */
static int draw_image(struct fbk_surface *s, const char *id)
{
	unsigned variant;
	int used = 0;
	if (sscanf(id, "scene:%u%n", &variant, &used) != 1)
		return -EINVAL;
	draw_scene(s, variant);
	for (const char *p = id + used; *p;) {
		struct fbk_rect r;
		if (sscanf(p, "+pointer@%d,%d%n", &r.x, &r.y, &used) == 2) {
			int err = draw_pointer(s, r.x, r.y);
			if (err)
				return err;
			p += used;
			continue;
		}
		if (sscanf(p, "+box@%d,%d,%d,%d%n", &r.x, &r.y, &r.w, &r.h, &used) == 4) {
			draw_box(s, r);
			p += used;
			continue;
		}
		if (sscanf(p, "+scene:%u@%d,%d,%d,%d%n", &variant, &r.x, &r.y, &r.w, &r.h, &used) != 5)
			return -EINVAL;
		struct fbk_surface *other;
		int err = fbk_surface_create(&other, s->width, s->height, s->format);
		if (err)
			return err;
		draw_scene(other, variant);
		err = fbk_blit(s, r.x, r.y, other, &r, FBK_OP_SRC, 255);
		fbk_surface_destroy(other);
		if (err)
			return err;
		p += used;
	}
	return 0;
}

/* The fields every image dump request carries: picture, size, format. */
/*
 * The screen's size is the surface's, turned on a rotated display; the
 * host draws the picture at the surface's size and turns it by `rotate`.
 */
static void image_fields(char *out, size_t size, const char *id, const struct fbk_surface *s)
{
	const struct fbk_format_info *f = fbk_format_info(s->format);
	bool turned = vm.rotation == 90 || vm.rotation == 270;
	snprintf(out, size, "image=%s w=%d h=%d format=%s bits=%u,%u,%u rotate=%d", id,
		 (int)(turned ? s->height : s->width), (int)(turned ? s->width : s->height),
		 f ? f->name : "?", f ? f->red.length : 0, f ? f->green.length : 0,
		 f ? f->blue.length : 0, vm.rotation);
}

/* ---------------------------------------------------------------- console */

/* Where fbcon would draw its cursor on our terminal, in pixels. */
struct cursor_cell {
	bool known;
	struct fbk_rect rect;
};

/* For dumps that judge the screen, not the console: no cursor cell to leave out. */
static const struct cursor_cell no_cell = { false, { 0, 0, 0, 0 } };

/*
 * Find the console cursor's cell: its position from /dev/vcsaN's header,
 * the cell size from the console font (asked before graphics mode, when
 * the font can still be read).
 */
static struct cursor_cell find_cursor_cell(void)
{
	struct cursor_cell cell = { false, { 0, 0, 0, 0 } };
	const char *digits = vm.tty + strcspn(vm.tty, "0123456789");
	char path[64];
	snprintf(path, sizeof(path), "/dev/vcsa%s", digits);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char hdr[4]; /* lines, columns, cursor x, cursor y */
	if (fd < 0 || read(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr)) {
		say("NOTE cannot read the cursor position from %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return cell;
	}
	close(fd);

	struct console_font_op op = { .op = KD_FONT_OP_GET, .width = 64, .height = 128,
				       .charcount = 512, .data = NULL };
	fd = open(vm.tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, KDFONTOP, &op) < 0 || !op.width || !op.height) {
		say("NOTE cannot read the console font of %s: %s", vm.tty, strerror(errno));
		if (fd >= 0)
			close(fd);
		return cell;
	}
	close(fd);
	cell.known = true;
	cell.rect = (struct fbk_rect){ (int32_t)(hdr[2] * op.width), (int32_t)(hdr[3] * op.height),
				       (int32_t)op.width, (int32_t)op.height };
	return cell;
}

static void cell_field(char *out, size_t size, const struct cursor_cell *cell)
{
	if (cell->known)
		snprintf(out, size, " cursor=%d,%d,%d,%d", (int)cell->rect.x, (int)cell->rect.y,
			 (int)cell->rect.w, (int)cell->rect.h);
	else
		out[0] = '\0';
}

/* KDGETMODE of a terminal: KD_TEXT, KD_GRAPHICS, or -1 (reported). */
static int console_mode(const char *tty)
{
	int fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	int mode = -1;
	if (fd < 0 || ioctl(fd, KDGETMODE, &mode) < 0) {
		say("NOTE KDGETMODE on %s failed: %s", tty, strerror(errno));
		mode = -1;
	}
	if (fd >= 0)
		close(fd);
	return mode;
}

/* True when our terminal and the foreground console are both in text
 * mode; says what it found either way. */
static bool console_is_text(const char *when)
{
	int mine = console_mode(vm.tty), fg = console_mode("/dev/tty0");
	say("NOTE console %s: %s %s, /dev/tty0 %s", when, vm.tty,
	    mine == KD_TEXT ? "KD_TEXT" : mine == KD_GRAPHICS ? "KD_GRAPHICS" : "unknown",
	    fg == KD_TEXT ? "KD_TEXT" : fg == KD_GRAPHICS ? "KD_GRAPHICS" : "unknown");
	return mine == KD_TEXT && fg == KD_TEXT;
}

/*
 * Ask the host to check that the screen shows the text console again:
 * the cursor visible in its cell, and the last picture gone.
 */
static int request_console_dump(const struct cursor_cell *cell, const char *gone_image)
{
	char fields[256];
	if (!cell->known) {
		say("NOTE the cursor cell is unknown: the console cannot be checked on screen");
		return -1;
	}
	snprintf(fields, sizeof(fields), "check=console cursor=%d,%d,%d,%d%s%s",
		 (int)cell->rect.x, (int)cell->rect.y, (int)cell->rect.w, (int)cell->rect.h,
		 gone_image ? " gone=" : "", gone_image ? gone_image : "");
	return request_dump(fields);
}

/* ---------------------------------------------------------------- displays */

/* Open a display for a step; NOTBUILT when the backend is not in this fbkit. */
static enum outcome open_display(struct fbk_display **d, const char *spec)
{
	int err = fbk_display_open(d, spec);
	vm.rotation = err ? 0 : fbk_display_rotation(*d);
	if (!err) {
		struct fbk_surface *s = fbk_display_surface(*d);
		const struct fbk_format_info *f = fbk_format_info(s->format);
		say("NOTE opened \"%s\": backend %s, %dx%d, stride %zu, format %s, rotation %d",
		    spec, fbk_display_backend(*d), (int)s->width, (int)s->height, s->stride,
		    f ? f->name : "?", vm.rotation);
		return OUTCOME_PASS;
	}
	say("NOTE cannot open \"%s\": %s", spec, fbk_last_error());
	if (err == -ENOTSUP && (strstr(fbk_last_error(), "not built") ||
				strstr(fbk_last_error(), "built without")))
		return OUTCOME_NOTBUILT;
	return OUTCOME_FAIL;
}

/* Draw a scene on the display and present all of it. */
static int show_scene(struct fbk_display *d, unsigned variant)
{
	draw_scene(fbk_display_surface(d), variant);
	int err = fbk_display_present(d, NULL, 0);
	if (err)
		say("NOTE present failed: %s", fbk_last_error());
	return err;
}

static int request_image_dump(const char *id, const struct fbk_surface *s,
			      const struct cursor_cell *cell, unsigned hold_ms)
{
	char image[160], cursor[64], fields[320];
	image_fields(image, sizeof(image), id, s);
	cell_field(cursor, sizeof(cursor), cell);
	snprintf(fields, sizeof(fields), "check=image %s%s hold=%u", image, cursor, hold_ms);
	return request_dump(fields);
}

/* ---------------------------------------------------------------- /dev/fb0 by hand */

struct rawfb {
	int fd;
	struct fb_fix_screeninfo fix;
	struct fb_var_screeninfo var;
	const struct fbk_format_info *format;
	uint8_t *map;    /* from the page holding smem_start */
	size_t map_size;
	uint8_t *pixels; /* the visible area's first pixel */
};

static void rawfb_close(struct rawfb *fb)
{
	if (fb->map)
		munmap(fb->map, fb->map_size);
	if (fb->fd >= 0)
		close(fb->fd);
}

/* Open and map a framebuffer, and find its format by bitfields. */
static int rawfb_open(struct rawfb *fb, const char *path)
{
	memset(fb, 0, sizeof(*fb));
	fb->fd = open(path, O_RDWR | O_CLOEXEC);
	if (fb->fd < 0) {
		say("NOTE open %s: %s", path, strerror(errno));
		return -1;
	}
	if (ioctl(fb->fd, FBIOGET_FSCREENINFO, &fb->fix) < 0 ||
	    ioctl(fb->fd, FBIOGET_VSCREENINFO, &fb->var) < 0) {
		say("NOTE %s: FBIOGET_*SCREENINFO: %s", path, strerror(errno));
		goto fail;
	}
	const struct fb_var_screeninfo *v = &fb->var;
	fb->format = fbk_format_by_bitfields(
		v->bits_per_pixel, (struct fbk_channel){ (uint8_t)v->red.offset, (uint8_t)v->red.length },
		(struct fbk_channel){ (uint8_t)v->green.offset, (uint8_t)v->green.length },
		(struct fbk_channel){ (uint8_t)v->blue.offset, (uint8_t)v->blue.length },
		(struct fbk_channel){ (uint8_t)v->transp.offset, (uint8_t)v->transp.length });
	say("NOTE %s: id '%.16s' %ux%u virtual %ux%u offset %u,%u bpp %u red %u/%u green %u/%u "
	    "blue %u/%u transp %u/%u line_length %u smem_len %u visual %u: format %s",
	    path, fb->fix.id, v->xres, v->yres, v->xres_virtual, v->yres_virtual, v->xoffset,
	    v->yoffset, v->bits_per_pixel, v->red.offset, v->red.length, v->green.offset,
	    v->green.length, v->blue.offset, v->blue.length, v->transp.offset, v->transp.length,
	    fb->fix.line_length, fb->fix.smem_len, fb->fix.visual,
	    fb->format ? fb->format->name : "unsupported");
	if (!fb->format)
		goto fail;

	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t lead = (size_t)(fb->fix.smem_start % page);
	size_t bpp = fb->format->bytes_per_pixel;
	size_t need = (size_t)(v->yoffset + v->yres - 1) * fb->fix.line_length +
		      (size_t)(v->xoffset + v->xres) * bpp;
	if (need > fb->fix.smem_len || fb->fix.line_length < v->xres * bpp) {
		say("NOTE %s: the visible area does not fit in smem_len", path);
		goto fail;
	}
	fb->map_size = (lead + fb->fix.smem_len + page - 1) / page * page;
	fb->map = mmap(NULL, fb->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fb->fd, 0);
	if (fb->map == MAP_FAILED) {
		fb->map = NULL;
		say("NOTE mmap %s (%zu bytes): %s", path, fb->map_size, strerror(errno));
		goto fail;
	}
	fb->pixels = fb->map + lead + (size_t)v->yoffset * fb->fix.line_length +
		     (size_t)v->xoffset * bpp;
	return 0;
fail:
	rawfb_close(fb);
	fb->fd = -1;
	return -1;
}

/* Copy a surface of the device's format to the screen, row by row. */
static void rawfb_copy(struct rawfb *fb, const struct fbk_surface *s)
{
	size_t row = (size_t)s->width * fb->format->bytes_per_pixel;
	for (int32_t y = 0; y < s->height; y++)
		memcpy(fb->pixels + (size_t)y * fb->fix.line_length,
		       (const uint8_t *)s->pixels + (size_t)y * s->stride, row);
}

/* Switch our terminal to graphics or text mode; -1 when that fails. */
static int set_console_mode(int mode)
{
	int fd = open(vm.tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	int err = fd < 0 ? -1 : ioctl(fd, KDSETMODE, mode);
	if (err < 0)
		say("NOTE KDSETMODE %d on %s: %s", mode, vm.tty, strerror(errno));
	if (fd >= 0)
		close(fd);
	return err < 0 ? -1 : 0;
}

/*
 * Render scene `variant` with fbkit offscreen in the framebuffer's format
 * and copy it in by hand, then ask for a dump checked as `fields_extra`
 * says. With graphics false the console stays in text mode.
 */
static enum outcome rawcopy(unsigned variant, bool graphics, const char *check_extra)
{
	struct cursor_cell cell = find_cursor_cell();
	struct rawfb fb;
	if (rawfb_open(&fb, "/dev/fb0"))
		return OUTCOME_FAIL;
	char spec[96], id[32];
	snprintf(spec, sizeof(spec), "offscreen:%ux%u,format=%s", fb.var.xres, fb.var.yres,
		 fb.format->name);
	snprintf(id, sizeof(id), "scene:%u", variant);
	struct fbk_display *off;
	enum outcome result = OUTCOME_FAIL;
	if (open_display(&off, spec) != OUTCOME_PASS)
		goto out_fb;
	struct fbk_surface *s = fbk_display_surface(off);
	if (draw_image(s, id))
		goto out_display;
	bool switched = graphics && set_console_mode(KD_GRAPHICS) == 0;
	if (graphics && !switched)
		goto out_display;
	rawfb_copy(&fb, s);

	char image[160], cursor[64], fields[320];
	image_fields(image, sizeof(image), id, s);
	cell_field(cursor, sizeof(cursor), &cell);
	snprintf(fields, sizeof(fields), "%s %s%s", check_extra, image, cursor);
	result = request_dump(fields) ? OUTCOME_FAIL : OUTCOME_PASS;
	if (switched && set_console_mode(KD_TEXT))
		result = OUTCOME_FAIL;
out_display:
	fbk_display_close(off);
out_fb:
	rawfb_close(&fb);
	return result;
}

/* ---------------------------------------------------------------- steps */

/* What a step gets: its argument (or its default) and a picture number
 * no other step in this run uses. */
struct step_call {
	const char *arg;
	unsigned variant;
};

static enum outcome step_console(const struct step_call *call)
{
	struct cursor_cell cell = find_cursor_cell();
	bool text = console_is_text("before any test");
	if (request_console_dump(&cell, NULL))
		return OUTCOME_FAIL;
	return text ? OUTCOME_PASS : OUTCOME_FAIL;
}

static enum outcome step_rawcopy(const struct step_call *call)
{
	return rawcopy(call->variant, true, "check=image hold=0");
}

static enum outcome step_blink(const struct step_call *call)
{
	return rawcopy(call->variant, false, "check=blink hold=1500");
}

static enum outcome step_scene(const struct step_call *call)
{
	struct cursor_cell cell = find_cursor_cell();
	struct fbk_display *d;
	enum outcome result = open_display(&d, call->arg);
	if (result != OUTCOME_PASS)
		return result;
	char id[32];
	snprintf(id, sizeof(id), "scene:%u", call->variant);
	if (show_scene(d, call->variant) ||
	    request_image_dump(id, fbk_display_surface(d), &cell, 0))
		result = OUTCOME_FAIL;
	fbk_display_close(d);
	if (!console_is_text("after close"))
		result = OUTCOME_FAIL;
	return result;
}

/* The picture held on screen for 1.5 s: several fbcon cursor blinks. */
static enum outcome step_cursor(const struct step_call *call)
{
	struct cursor_cell cell = find_cursor_cell();
	if (!cell.known)
		return OUTCOME_FAIL;
	struct fbk_display *d;
	enum outcome result = open_display(&d, call->arg);
	if (result != OUTCOME_PASS)
		return result;
	char id[32];
	snprintf(id, sizeof(id), "scene:%u", call->variant);
	if (show_scene(d, call->variant) ||
	    request_image_dump(id, fbk_display_surface(d), &cell, 1500))
		result = OUTCOME_FAIL;
	fbk_display_close(d);
	return result;
}

/*
 * fbk_display_read_front after the partial present: the frame `first`
 * with `second` inside the rectangles, not the whole new frame that the
 * surface holds. Made in memory in the screen's format, so it must match
 * exactly.
 */
static bool front_matches(struct fbk_display *d, unsigned first, unsigned second,
			  const struct fbk_rect *changed, size_t n)
{
	const struct fbk_surface *s = fbk_display_surface(d);
	struct fbk_surface *want = NULL, *next = NULL, *front = NULL;
	bool ok = false;
	if (fbk_surface_create(&want, s->width, s->height, s->format) ||
	    fbk_surface_create(&next, s->width, s->height, s->format) ||
	    fbk_surface_create(&front, s->width, s->height, s->format)) {
		say("NOTE read front: %s", fbk_last_error());
		goto out;
	}
	draw_scene(want, first);
	draw_scene(next, second);
	for (size_t i = 0; i < n; i++)
		fbk_blit(want, changed[i].x, changed[i].y, next, &changed[i], FBK_OP_SRC, 255);
	if (fbk_display_read_front(d, front)) {
		say("NOTE read front failed: %s", fbk_last_error());
		goto out;
	}
	struct fbk_compare_result r = FBK_COMPARE_RESULT_INIT;
	int same = fbk_compare(want, front, NULL, &r);
	if (same)
		say("NOTE read front: %d; %llu pixels differ from the presented frames, worst %u "
		    "at %d,%d", same, (unsigned long long)r.differing, r.worst, (int)r.worst_x,
		    (int)r.worst_y);
	else
		say("NOTE read front: the presented frames, not the surface");
	ok = same == 0;
out:
	fbk_surface_destroy(front);
	fbk_surface_destroy(next);
	fbk_surface_destroy(want);
	return ok;
}

/*
 * How the frame steps begin: open the display and show picture
 * call->variant, checked by a screen dump (no cursor cell: these steps
 * judge the screen, not the console). PASS leaves *d open; anything else
 * leaves nothing open.
 */
static enum outcome open_showing(const struct step_call *call, struct fbk_display **d)
{
	enum outcome result = open_display(d, call->arg);
	if (result != OUTCOME_PASS)
		return result;
	char id[32];
	snprintf(id, sizeof(id), "scene:%u", call->variant);
	if (show_scene(*d, call->variant) ||
	    request_image_dump(id, fbk_display_surface(*d), &no_cell, 0)) {
		fbk_display_close(*d);
		return OUTCOME_FAIL;
	}
	return OUTCOME_PASS;
}

/*
 * Present only some rectangles of a new frame: the screen must show the
 * new frame inside them and the previous one everywhere else, and so must
 * fbk_display_read_front.
 */
static enum outcome step_partial(const struct step_call *call)
{
	struct fbk_display *d;
	enum outcome result = open_showing(call, &d);
	if (result != OUTCOME_PASS)
		return result;
	unsigned first = call->variant, second = call->variant + 1;
	char id[160];
	snprintf(id, sizeof(id), "scene:%u", first);
	struct fbk_surface *s = fbk_display_surface(d);
	struct fbk_rect changed[2] = {
		{ s->width / 4 + 3, s->height / 3 + 1, s->width / 3, s->height / 4 },
		{ s->width - 97, s->height - 41, 97, 41 }, /* touching the corner */
	};
	draw_scene(s, second); /* all of it changes in memory... */
	int err = fbk_display_present(d, changed, 2); /* ...but only this is shown */
	if (err) {
		say("NOTE present of 2 rectangles failed: %s", fbk_last_error());
		result = OUTCOME_FAIL;
		goto out;
	}
	size_t used = strlen(id);
	for (size_t i = 0; i < 2; i++)
		used += (size_t)snprintf(id + used, sizeof(id) - used, "+scene:%u@%d,%d,%d,%d", second,
					 (int)changed[i].x, (int)changed[i].y, (int)changed[i].w,
					 (int)changed[i].h);
	if (request_image_dump(id, fbk_display_surface(d), &no_cell, 0))
		result = OUTCOME_FAIL;
	if (!front_matches(d, first, second, changed, 2))
		result = OUTCOME_FAIL;
out:
	fbk_display_close(d);
	return result;
}

/*
 * The application redefines the display's surface (a sub-surface of
 * itself, then a wider width and stride): present must refuse both and
 * leave the old frame on screen untouched; put back, it presents again.
 */
static enum outcome step_redefine(const struct step_call *call)
{
	struct fbk_display *d;
	enum outcome result = open_showing(call, &d);
	if (result != OUTCOME_PASS)
		return result;
	unsigned first = call->variant, second = call->variant + 1;
	struct fbk_surface *s = fbk_display_surface(d);
	char id[32];
	snprintf(id, sizeof(id), "scene:%u", first);
	const struct fbk_surface saved = *s;
	draw_scene(s, second);
	struct fbk_rect panel = { s->width / 4, s->height / 4, s->width / 2, s->height / 2 };
	int sub_err = fbk_surface_sub(s, s, &panel);
	if (!sub_err)
		sub_err = fbk_display_present(d, NULL, 0);
	*s = saved;
	s->width += 64;
	s->stride += 256;
	int wide_err = fbk_display_present(d, NULL, 0);
	*s = saved;
	if (sub_err != -EINVAL || wide_err != -EINVAL) {
		say("NOTE a redefined surface was not refused: %d, %d (%s)", sub_err, wide_err,
		    fbk_last_error());
		result = OUTCOME_FAIL;
		goto out;
	}
	say("NOTE refused: %s", fbk_last_error());
	if (request_image_dump(id, s, &no_cell, 0)) { /* still the first frame */
		result = OUTCOME_FAIL;
		goto out;
	}
	snprintf(id, sizeof(id), "scene:%u", second);
	if (fbk_display_present(d, NULL, 0)) {
		say("NOTE present after putting the surface back failed: %s", fbk_last_error());
		result = OUTCOME_FAIL;
	} else if (request_image_dump(id, s, &no_cell, 0)) {
		result = OUTCOME_FAIL;
	}
out:
	fbk_display_close(d);
	return result;
}

/* What the doomed child tells its parent once its picture is on screen. */
struct shown {
	int32_t width, height;
	uint32_t format;
};

/*
 * In a child: the display open and showing picture call->variant, with
 * its size and format in *shown; when it cannot get that far the child
 * exits with the outcome.
 */
static struct fbk_display *child_showing(const struct step_call *call, struct shown *shown)
{
	struct fbk_display *d;
	enum outcome result = open_display(&d, call->arg);
	if (result != OUTCOME_PASS)
		_exit(result);
	if (show_scene(d, call->variant))
		_exit(OUTCOME_FAIL);
	const struct fbk_surface *s = fbk_display_surface(d);
	*shown = (struct shown){ s->width, s->height, s->format };
	return d;
}

/* Why a child never showed the scene, from its status: NOTBUILT, or FAIL. */
static enum outcome never_shown(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == OUTCOME_NOTBUILT ? OUTCOME_NOTBUILT
									  : OUTCOME_FAIL;
}

/*
 * A child opens the display, shows a scene and sends its surface's shape
 * on `ready`; then it pauses (to be killed by SIGTERM), or, when `crash`,
 * writes through a NULL pointer as soon as a byte arrives on `go`. Exits
 * with its outcome if it cannot get that far.
 */
static void doomed_child(const struct step_call *call, int ready, int go, bool crash)
{
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }); /* no core file in the initramfs */
	struct shown shown;
	child_showing(call, &shown);
	if (write(ready, &shown, sizeof(shown)) != (ssize_t)sizeof(shown))
		_exit(OUTCOME_FAIL);
	if (!crash) {
		for (;;)
			pause();
	}
	char c;
	if (read(go, &c, 1) == 1) {
		/* Volatile both ways, or the compiler drops the store before _exit. */
		volatile int *volatile nowhere = NULL;
		*nowhere = 1;
	}
	_exit(OUTCOME_FAIL);
}

/* Wait up to 30 s for the child's message; false on timeout or end of file. */
static bool wait_shown(int fd, struct shown *shown)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 30000) == 1 && read(fd, shown, sizeof(*shown)) == (ssize_t)sizeof(*shown);
}

/* A child showing the scene until told to close or killed: what the restore rounds share. */
struct scene_child {
	pid_t pid;
	int ready, go; /* the parent's ends */
	bool on_screen;
	struct shown shown;
};

/*
 * Fork a child joined by two pipes: *ready carries what the child tells the
 * parent, *go what the parent tells the child. Each side gets its own ends
 * (the other side's closed): 0 in the child, the child's pid in the parent,
 * -1 when a pipe or the fork fails.
 */
static pid_t fork_with_pipes(int *ready, int *go)
{
	int r[2], g[2];
	if (pipe(r))
		return -1;
	if (pipe(g)) {
		close(r[0]);
		close(r[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(r[0]);
		close(r[1]);
		close(g[0]);
		close(g[1]);
		return -1;
	}
	if (pid == 0) {
		close(r[0]);
		close(g[1]);
		*ready = r[1];
		*go = g[0];
		return 0;
	}
	close(r[1]);
	close(g[0]);
	*ready = r[0];
	*go = g[1];
	return pid;
}

/* `prepare`, when given, runs in the child first (restore rounds without a VT hide them). */
static bool start_scene_child(const struct step_call *call, int (*prepare)(void),
			      struct scene_child *child)
{
	int ready, go;
	child->pid = fork_with_pipes(&ready, &go);
	if (child->pid < 0)
		return false;
	if (child->pid == 0) {
		if (prepare && prepare())
			_exit(OUTCOME_FAIL);
		struct shown shown;
		struct fbk_display *d = child_showing(call, &shown);
		char c;
		if (write(ready, &shown, sizeof(shown)) != (ssize_t)sizeof(shown) ||
		    read(go, &c, 1) != 1)
			_exit(OUTCOME_FAIL);
		fbk_display_close(d);
		_exit(OUTCOME_PASS);
	}
	child->ready = ready;
	child->go = go;
	child->on_screen = wait_shown(child->ready, &child->shown);
	return true;
}

/*
 * Tell the child to close (or kill it with SIGTERM) and reap it: PASS when
 * it ended that way, NOTBUILT or FAIL when it never showed the scene.
 */
static enum outcome end_scene_child(struct scene_child *child, bool kill_it)
{
	enum outcome result = OUTCOME_PASS;
	if (child->on_screen) {
		if (kill_it)
			kill(child->pid, SIGTERM);
		else if (write(child->go, "c", 1) != 1)
			result = OUTCOME_FAIL;
	}
	close(child->ready);
	close(child->go);
	int status;
	while (waitpid(child->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!child->on_screen)
		return never_shown(status);
	bool died = WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM;
	if (kill_it ? !died : !(WIFEXITED(status) && WEXITSTATUS(status) == OUTCOME_PASS)) {
		say("NOTE the child ended with status 0x%x", (unsigned)status);
		result = OUTCOME_FAIL;
	}
	return result;
}

/*
 * The console must come back (text mode, cursor visible, picture gone)
 * when a program holding the display dies of `sig`.
 */
static enum outcome killed_while_showing(const struct step_call *call, int sig)
{
	struct cursor_cell cell = find_cursor_cell();
	int ready, go;
	pid_t pid = fork_with_pipes(&ready, &go);
	if (pid < 0)
		return OUTCOME_FAIL;
	if (pid == 0)
		doomed_child(call, ready, go, sig == SIGSEGV);

	enum outcome result = OUTCOME_PASS;
	char id[32];
	snprintf(id, sizeof(id), "scene:%u", call->variant);
	struct shown shown;
	bool on_screen = wait_shown(ready, &shown);
	if (on_screen) {
		struct fbk_surface shape = { .width = shown.width, .height = shown.height,
					     .format = shown.format };
		if (request_image_dump(id, &shape, &cell, 0))
			result = OUTCOME_FAIL;
		if (sig == SIGSEGV) {
			if (write(go, "g", 1) != 1)
				result = OUTCOME_FAIL;
		} else {
			kill(pid, sig);
		}
	}
	close(ready);
	close(go);

	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status)) {
		enum outcome child = (enum outcome)WEXITSTATUS(status);
		if (!on_screen)
			return child == OUTCOME_NOTBUILT ? OUTCOME_NOTBUILT : OUTCOME_FAIL;
		say("NOTE the child exited with status %d instead of dying of %s", WEXITSTATUS(status),
		    strsignal(sig));
		result = OUTCOME_FAIL;
	} else if (WTERMSIG(status) != sig) {
		say("NOTE the child died of signal %d (%s), not of %s", WTERMSIG(status),
		    strsignal(WTERMSIG(status)), strsignal(sig));
		result = OUTCOME_FAIL;
	} else {
		say("NOTE the child died of %s, as it should", strsignal(sig));
	}
	if (!console_is_text("after the child died"))
		result = OUTCOME_FAIL;
	if (request_console_dump(&cell, on_screen ? id : NULL))
		result = OUTCOME_FAIL;
	return result;
}

static enum outcome step_sigterm(const struct step_call *call)
{
	return killed_while_showing(call, SIGTERM);
}

static enum outcome step_crash(const struct step_call *call)
{
	return killed_while_showing(call, SIGSEGV);
}

/* ---------------------------------------------------------------- VT switching */

/* Wait until VT `n` is in front, up to 5 s; the switch waits for the owner's release. */
static bool switch_vt(int n)
{
	int fd = open("/dev/tty0", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, VT_ACTIVATE, n) < 0) {
		say("NOTE VT_ACTIVATE %d: %s", n, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	struct vt_stat st = { 0 };
	for (int tries = 0; tries < 250; tries++) {
		if (!ioctl(fd, VT_GETSTATE, &st) && st.v_active == n)
			break;
		usleep(20000);
	}
	close(fd);
	if (st.v_active != n)
		say("NOTE VT %d did not come to the front (VT %u is)", n, (unsigned)st.v_active);
	return st.v_active == n;
}

#if VMTEST_HAVE_LIBDRM
/*
 * Make the cursor plane refuse the next SetCursor: its buffer's handle
 * one the card never gave. The only way to make a driver that showed
 * the cursor fail when the screen comes back, which fbkit must survive.
 */
static bool break_cursor_plane(struct fbk_display *d)
{
	if (strcmp(fbk_display_backend(d), "drm"))
		return false;
	((struct drm *)d)->cursor_buffer.handle = UINT32_MAX;
	return true;
}
#else
static bool break_cursor_plane(struct fbk_display *d)
{
	(void)d;
	return false;
}
#endif

#if VMTEST_HAVE_LIBDRM
/*
 * Take the queued page flip's event off the card before fbkit reads it,
 * as a driver that never sends one would: fbkit's own fd, read here.
 */
static bool lose_flip_event(struct fbk_display *d)
{
	if (strcmp(fbk_display_backend(d), "drm"))
		return false;
	int card = ((struct drm *)d)->fd;
	struct pollfd p = { .fd = card, .events = POLLIN };
	char event[1024];
	return poll(&p, 1, 2000) == 1 && read(card, event, sizeof(event)) > 0;
}
#else
static bool lose_flip_event(struct fbk_display *d)
{
	(void)d;
	return false;
}
#endif

/* vtswitch_child's commands for the pointer ('p', 'i', 'm'): true for the answer 'y'. */
static bool pointer_command(struct fbk_display *d, char c)
{
	if (c == 'p') {
		/* The pointer on the plane, seen. */
		uint32_t image[POINTER_W * POINTER_H];
		pointer_image(image);
		struct fbk_cursor_options o = FBK_CURSOR_OPTIONS_INIT(
			.pixels = image, .width = POINTER_W, .height = POINTER_H,
			.hotspot_x = POINTER_HX, .hotspot_y = POINTER_HY);
		if (fbk_display_move_cursor(d, VT_POINTER_X, VT_POINTER_Y) ||
		    fbk_display_set_cursor(d, &o))
			say("NOTE set the pointer: %s", fbk_last_error());
		return fbk_display_cursor_mode(d) == FBK_CURSOR_HARDWARE;
	}
	if (c == 'i') {
		warnings_logged = 0;
		return break_cursor_plane(d);
	}
	/* 'm': the plane failed as the screen came back: the sprite, and one warning. */
	bool sprite = fbk_display_cursor_mode(d) == FBK_CURSOR_SOFTWARE;
	say("NOTE after the plane failed: %s cursor, %d warnings", sprite ? "software" : "hardware",
	    warnings_logged);
	return sprite && warnings_logged == 1;
}

/*
 * The vtswitch child: show the scene, then on 'r' redraw if told to and
 * present; close at EOF. Told means the redraw fd woke, needs_redraw said
 * so, and then the fd was empty again. 'c', 'p', 'i' and 'm' are the
 * cursor's: set one while away, the pointer on the plane, break the
 * plane, and whether the cursor fell back to the sprite.
 */
static void vtswitch_child(const struct step_call *call, int ready, int cmd)
{
	struct shown shown;
	struct fbk_display *d = child_showing(call, &shown);
	struct pollfd redraw = { fbk_display_redraw_fd(d), POLLIN, 0 };
	if (redraw.fd < 0 || poll(&redraw, 1, 0) != 0) {
		say("NOTE the redraw fd (%d) is not there, or readable before any switch", redraw.fd);
		_exit(OUTCOME_FAIL);
	}
	if (write(ready, &shown, sizeof(shown)) != (ssize_t)sizeof(shown))
		_exit(OUTCOME_FAIL);
	char c;
	while (read(cmd, &c, 1) == 1 && strchr("rcpim", c)) {
		if (c == 'p' || c == 'i' || c == 'm') {
			char answer = pointer_command(d, c) ? 'y' : 'n';
			if (write(ready, &answer, 1) != 1)
				_exit(OUTCOME_FAIL);
			continue;
		}
		if (c == 'c') {
			/*
			 * A cursor set while on another VT, kept off the picture
			 * (a sprite would be in the dumps): the driver's plane
			 * cannot be tried now, and whatever fbkit chose must
			 * leave the presents after the switch back working.
			 */
			int err = fbk_display_move_cursor(d, -1000, -1000);
			if (!err)
				err = fbk_display_set_cursor(d, NULL);
			if (err)
				say("NOTE set a cursor while on VT 2: %s", fbk_last_error());
			else
				say("NOTE a cursor set while on VT 2: %s",
				    fbk_display_cursor_mode(d) == FBK_CURSOR_HARDWARE ? "hardware"
										      : "software");
			char answer = err ? 'n' : 'y';
			if (write(ready, &answer, 1) != 1)
				_exit(OUTCOME_FAIL);
			continue;
		}
		bool woke = poll(&redraw, 1, 2000) == 1;
		bool told = fbk_display_needs_redraw(d);
		bool emptied = poll(&redraw, 1, 0) == 0;
		say("NOTE back on the VT: redraw fd %s, needs_redraw %s, then the fd %s",
		    woke ? "readable" : "not readable", told ? "true" : "false",
		    emptied ? "empty" : "still readable");
		char answer = woke && told && emptied && !show_scene(d, call->variant + 1) ? 'y'
											  : 'n';
		if (write(ready, &answer, 1) != 1)
			_exit(OUTCOME_FAIL);
	}
	fbk_display_close(d);
	_exit(OUTCOME_PASS);
}

static bool read_byte(int fd, char *c)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 30000) == 1 && read(fd, c, 1) == 1;
}

/* Wait up to 10 s for the child, then kill it: a stuck VT switch must not hang the run. */
static int reap(pid_t pid)
{
	int status = 0;
	for (int tries = 0; tries < 500; tries++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(20000);
	}
	say("NOTE the child did not finish; killing it");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

/*
 * One VT round trip of a program (vtswitch_child, opened with call->arg):
 * it shows scene call->variant on VT 1, VT 2 comes to the front, VT 1
 * again, and the program, told to redraw, presents scene variant + 1.
 * The checks run at each stage (NULL: none) and return false when one
 * failed; `away` may send the program commands (ask_program).
 */
struct vt_trip {
	const struct step_call *call;
	bool (*shown)(struct vt_trip *trip);  /* on VT 1, the scene on screen */
	bool (*away)(struct vt_trip *trip);   /* on VT 2 */
	bool (*back)(struct vt_trip *trip);   /* on VT 1 again, the next scene presented */
	const void *data;                    /* the checks' own */
	struct shown picture;                 /* the program's surface, once shown */
	int ready, cmd;                       /* the parent's ends of the program's pipes */
};

/* Send the program command c; true when it answers 'y'. */
static bool ask_program(struct vt_trip *trip, char c)
{
	char answer = 0;
	return write(trip->cmd, &c, 1) == 1 && read_byte(trip->ready, &answer) && answer == 'y';
}

/*
 * PASS when every check passed and the program closed cleanly; NOTBUILT
 * or FAIL when it never showed the scene.
 */
static enum outcome vt_round_trip(struct vt_trip *trip)
{
	pid_t pid = fork_with_pipes(&trip->ready, &trip->cmd);
	if (pid < 0)
		return OUTCOME_FAIL;
	if (pid == 0)
		vtswitch_child(trip->call, trip->ready, trip->cmd);
	enum outcome result = OUTCOME_PASS;
	bool on_screen = wait_shown(trip->ready, &trip->picture);
	if (on_screen && trip->shown && !trip->shown(trip))
		result = OUTCOME_FAIL;
	if (on_screen && switch_vt(2)) {
		if (trip->away && !trip->away(trip))
			result = OUTCOME_FAIL;
	} else {
		result = OUTCOME_FAIL;
	}
	if (on_screen && !switch_vt(1))
		result = OUTCOME_FAIL;
	bool redrew = on_screen && ask_program(trip, 'r');
	if (on_screen && !redrew) {
		say("NOTE the program did not redraw after the VT came back");
		result = OUTCOME_FAIL;
	}
	if (redrew && trip->back && !trip->back(trip))
		result = OUTCOME_FAIL;
	close(trip->cmd);
	close(trip->ready);
	int status = reap(pid);
	if (!on_screen)
		return never_shown(status);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != OUTCOME_PASS)
		result = OUTCOME_FAIL;
	return result;
}

/* ---------------------------------------------------------------- colour map */

#define CMAP_MAX 256

struct cmap {
	unsigned len;
	uint16_t rgb[3][CMAP_MAX];
};

/* /dev/fb0's screen infos and the entries its colour map needs: 2^bits of the widest channel. */
static bool read_fb_info(struct fb_fix_screeninfo *fix, struct fb_var_screeninfo *var,
			 unsigned *len)
{
	int fd = open("/dev/fb0", O_RDWR | O_CLOEXEC);
	bool ok = fd >= 0 && !ioctl(fd, FBIOGET_FSCREENINFO, fix) &&
		  !ioctl(fd, FBIOGET_VSCREENINFO, var);
	if (!ok)
		say("NOTE /dev/fb0: cannot read the screen info: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	const struct fb_bitfield *fields[3] = { &var->red, &var->green, &var->blue };
	*len = 0;
	for (size_t c = 0; ok && c < 3; c++)
		if (fields[c]->length <= 8 && (1u << fields[c]->length) > *len)
			*len = 1u << fields[c]->length;
	return ok;
}

static bool read_cmap(struct cmap *m, unsigned len, const char *when)
{
	memset(m, 0, sizeof(*m));
	m->len = len;
	struct fb_cmap arg = { .start = 0, .len = len, .red = m->rgb[0], .green = m->rgb[1],
			       .blue = m->rgb[2] };
	int fd = open("/dev/fb0", O_RDWR | O_CLOEXEC);
	bool ok = fd >= 0 && !ioctl(fd, FBIOGETCMAP, &arg);
	if (!ok)
		say("NOTE FBIOGETCMAP %s: %s", when, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok;
}

static bool write_cmap(struct cmap *m)
{
	struct fb_cmap arg = { .start = 0, .len = m->len, .red = m->rgb[0], .green = m->rgb[1],
			       .blue = m->rgb[2] };
	int fd = open("/dev/fb0", O_RDWR | O_CLOEXEC);
	bool ok = fd >= 0 && !ioctl(fd, FBIOPUTCMAP, &arg);
	if (!ok)
		say("NOTE FBIOPUTCMAP: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok;
}

/* The first entry where two maps differ, or -1. */
static int cmap_differs(const struct cmap *a, const struct cmap *b, unsigned *channel)
{
	for (unsigned i = 0; i < a->len; i++)
		for (unsigned c = 0; c < 3; c++)
			if (a->rgb[c][i] != b->rgb[c][i]) {
				*channel = c;
				return (int)i;
			}
	return -1;
}

/* Each channel's 2^length entries must rise evenly from 0 to 0xffff (rounded to nearest). */
static bool cmap_is_ramp(const struct cmap *m, const struct fb_var_screeninfo *var,
			 const char *when)
{
	static const char *const names[3] = { "red", "green", "blue" };
	const struct fb_bitfield *fields[3] = { &var->red, &var->green, &var->blue };
	for (unsigned c = 0; c < 3; c++) {
		unsigned n = 1u << fields[c]->length;
		for (unsigned i = 0; i < n; i++) {
			unsigned want = (2u * i * 0xffffu + (n - 1)) / (2 * (n - 1));
			if (m->rgb[c][i] != want) {
				say("NOTE %s: %s entry %u of %u is 0x%04x, a linear ramp has "
				    "0x%04x",
				    when, names[c], i, n, m->rgb[c][i], want);
				return false;
			}
		}
		say("NOTE %s: %s is a linear ramp of %u entries", when, names[c], n);
	}
	return true;
}

/*
 * A child shows the scene; the map must be a linear ramp per channel. Then
 * it closes (or is killed by SIGTERM): the map must be `before` again.
 */
static enum outcome cmap_round(const struct step_call *call, const struct fb_var_screeninfo *var,
			       const struct cmap *before, bool kill_it)
{
	struct cursor_cell cell = find_cursor_cell();
	struct cmap during, after;
	unsigned len = before->len;
	struct scene_child child;
	if (!start_scene_child(call, NULL, &child))
		return OUTCOME_FAIL;
	enum outcome result = OUTCOME_PASS;
	char id[32];
	snprintf(id, sizeof(id), "scene:%u", call->variant);
	if (child.on_screen) {
		struct fbk_surface shape = { .width = child.shown.width,
					     .height = child.shown.height,
					     .format = child.shown.format };
		if (request_image_dump(id, &shape, &cell, 0))
			result = OUTCOME_FAIL;
		if (!read_cmap(&during, len, "while open") ||
		    !cmap_is_ramp(&during, var, "while open"))
			result = OUTCOME_FAIL;
	}
	enum outcome ended = end_scene_child(&child, kill_it);
	if (ended == OUTCOME_NOTBUILT || !child.on_screen)
		return ended;
	if (ended != OUTCOME_PASS)
		result = OUTCOME_FAIL;
	const char *how = kill_it ? "after SIGTERM" : "after close";
	unsigned channel = 0;
	int at = read_cmap(&after, len, how) ? cmap_differs(before, &after, &channel) : 0;
	if (at < 0) {
		say("NOTE %s: the console's map is back, all %u entries", how, len);
	} else {
		say("NOTE %s: the map is NOT the console's: entry %d of channel %u is 0x%04x, was "
		    "0x%04x",
		    how, at, channel, after.rgb[channel][at], before->rgb[channel][at]);
		result = OUTCOME_FAIL;
	}
	if (!console_is_text(how))
		result = OUTCOME_FAIL;
	if (request_console_dump(&cell, id))
		result = OUTCOME_FAIL;
	return result;
}

/* True when /dev/fb0's map equals `want`; says where it does not. */
static bool cmap_is(const struct cmap *want, const char *when)
{
	struct cmap now;
	unsigned channel = 0;
	if (!read_cmap(&now, want->len, when))
		return false;
	int at = cmap_differs(want, &now, &channel);
	if (at >= 0)
		say("NOTE %s: entry %d of channel %u is 0x%04x, the console's is 0x%04x", when, at,
		    channel, now.rgb[channel][at], want->rgb[channel][at]);
	return at < 0;
}

/* What the colour map's round trip compares with. */
struct cmap_trip {
	const struct fb_var_screeninfo *var;
	const struct cmap *console;
};

static bool ramp_loaded(const struct vt_trip *trip, const char *when)
{
	const struct cmap_trip *c = trip->data;
	struct cmap now;
	return read_cmap(&now, c->console->len, when) && cmap_is_ramp(&now, c->var, when);
}

static bool cmap_shown(struct vt_trip *trip)
{
	return ramp_loaded(trip, "while open");
}

static bool cmap_away(struct vt_trip *trip)
{
	const struct cmap_trip *c = trip->data;
	bool back = cmap_is(c->console, "on VT 2");
	say("NOTE on VT 2: %s", back ? "the console's map is back" : "NOT the console's map");
	return back;
}

static bool cmap_back(struct vt_trip *trip)
{
	return ramp_loaded(trip, "back on VT 1");
}

/*
 * vt-switch: on VT 2 the console's map is back (fbcon itself reloads only
 * its 16 colours), and back on VT 1 the next present loads the ramp again.
 */
static enum outcome cmap_vtswitch_round(const struct step_call *call,
					const struct fb_var_screeninfo *var,
					const struct cmap *console)
{
	char spec[128];
	snprintf(spec, sizeof(spec), "%s,vt-switch", call->arg);
	const struct step_call switching = { spec, call->variant };
	const struct cmap_trip c = { var, console };
	struct vt_trip trip = { .call = &switching, .shown = cmap_shown, .away = cmap_away,
				.back = cmap_back, .data = &c };
	enum outcome result = vt_round_trip(&trip);
	if (result == OUTCOME_NOTBUILT)
		return result;
	if (!cmap_is(console, "after close") || !console_is_text("after close"))
		result = OUTCOME_FAIL;
	return result;
}

static enum outcome step_cmap(const struct step_call *call)
{
	struct fb_fix_screeninfo fix;
	struct fb_var_screeninfo var;
	unsigned len;
	if (!read_fb_info(&fix, &var, &len))
		return OUTCOME_FAIL;
	if (fix.visual != FB_VISUAL_DIRECTCOLOR || !len) {
		say("NOTE /dev/fb0 has visual %u, bpp %u: not a directcolor mode, nothing to check",
		    (unsigned)fix.visual, (unsigned)var.bits_per_pixel);
		return OUTCOME_FAIL;
	}
	struct cmap console, now;
	if (!read_cmap(&console, len, "before open"))
		return OUTCOME_FAIL;
	unsigned set = 0;
	for (unsigned i = 0; i < len; i++)
		set += console.rgb[0][i] || console.rgb[1][i] || console.rgb[2][i];
	say("NOTE the console's map: %u of its first %u entries not black", set, len);
	enum outcome result = cmap_round(call, &var, &console, false);
	if (result == OUTCOME_NOTBUILT)
		return result;
	/* Each round from the console's map, whatever the last one left. */
	unsigned channel;
	if (!read_cmap(&now, len, "between rounds") || (cmap_differs(&console, &now, &channel) >= 0 &&
							 !write_cmap(&console)))
		return OUTCOME_FAIL;
	if (cmap_round(call, &var, &console, true) != OUTCOME_PASS)
		result = OUTCOME_FAIL;
	if (!read_cmap(&now, len, "between rounds") || (cmap_differs(&console, &now, &channel) >= 0 &&
							 !write_cmap(&console)))
		return OUTCOME_FAIL;
	if (cmap_vtswitch_round(call, &var, &console) != OUTCOME_PASS)
		result = OUTCOME_FAIL;
	return result;
}

static bool cursor_plane_pixel(uint32_t *out);

/*
 * In a fork()ed worker: a present does nothing (the parent's picture
 * stays), and on DRM setting a cursor is refused (-EPERM): where the
 * parent's cursor is on the plane (`plane`) it would write the parent's
 * cursor image, which the step checks is unchanged.
 */
static bool worker_refused(struct fbk_display *d, unsigned variant, bool plane)
{
	int err = show_scene(d, variant);
	int cursor = fbk_display_set_cursor(d, NULL);
	say("NOTE the worker's cursor: %s", cursor ? fbk_last_error() : "set");
	return !err && (!plane || cursor == -EPERM);
}

/*
 * fork() without exec while the scene is shown: a worker killed by
 * SIGTERM, a worker that closes the display it inherited, and on DRM one
 * that presents (nothing happens) and sets a cursor (refused), must leave the
 * parent's picture and graphics mode alone (no restore, no CRTC set, no
 * flip, no framebuffer removed); the parent then presents and closes as
 * usual.
 */
static enum outcome step_fork(const struct step_call *call)
{
	struct cursor_cell cell = find_cursor_cell();
	struct fbk_display *d;
	enum outcome result = open_display(&d, call->arg);
	if (result != OUTCOME_PASS)
		return result;
	char id[32];
	snprintf(id, sizeof(id), "scene:%u", call->variant);
	if (show_scene(d, call->variant))
		result = OUTCOME_FAIL;
	/*
	 * Workers that get SIGTERM, close, and (on DRM, whose card file, master
	 * and flip events they share) present and set a cursor. On a cursor
	 * plane the parent shows an opaque green one, which must stay.
	 */
	static const char *const does[] = { "gets SIGTERM", "closes", "presents" };
	bool drm = !strncmp(call->arg, "drm", 3), plane = false;
	int workers = drm ? 3 : 2;
	uint32_t green[8 * 8];
	for (size_t i = 0; i < sizeof(green) / sizeof(green[0]); i++)
		green[i] = 0xff00ff00u;
	struct fbk_cursor_options solid = FBK_CURSOR_OPTIONS_INIT(.pixels = green, .width = 8,
								   .height = 8);
	if (drm && result == OUTCOME_PASS && !fbk_display_set_cursor(d, &solid)) {
		plane = fbk_display_cursor_mode(d) == FBK_CURSOR_HARDWARE;
		/* A sprite would be in the dumps: hidden. */
		if (!plane && fbk_display_show_cursor(d, false))
			result = OUTCOME_FAIL;
	}
	for (int kind = 0; kind < workers && result == OUTCOME_PASS; kind++) {
		pid_t pid = fork();
		if (pid == 0) {
			if (kind == 1)
				fbk_display_close(d);
			else if (kind == 2)
				_exit(!worker_refused(d, call->variant + 1, plane));
			else
				pause();
			_exit(0);
		}
		if (pid < 0 || (!kind && kill(pid, SIGTERM)))
			result = OUTCOME_FAIL;
		int status = 0;
		while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		bool ok = kind ? WIFEXITED(status) && WEXITSTATUS(status) == 0
			       : WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM;
		say("NOTE the worker that %s: status 0x%x", does[kind], (unsigned)status);
		if (!ok)
			result = OUTCOME_FAIL;
	}
	if (console_mode(vm.tty) != KD_GRAPHICS) {
		say("NOTE a worker gave the console back under the parent");
		result = OUTCOME_FAIL;
	}
	uint32_t shown = 0;
	if (plane && (!cursor_plane_pixel(&shown) || shown != 0xff00ff00u)) {
		say("NOTE the parent's cursor plane: pixel (0, 0) is %08x after the workers, want "
		    "ff00ff00",
		    (unsigned)shown);
		result = OUTCOME_FAIL;
	}
	if (request_image_dump(id, fbk_display_surface(d), &cell, 0) || show_scene(d, call->variant) ||
	    request_image_dump(id, fbk_display_surface(d), &cell, 0))
		result = OUTCOME_FAIL;
	fbk_display_close(d);
	if (!console_is_text("after close"))
		result = OUTCOME_FAIL;
	return result;
}

/* ---------------------------------------------------------------- DRM steps */

/* One line of the display's description ("flips: ..."), without the key; "" when absent. */
static void describe_value(struct fbk_display *d, const char *key, char *out, size_t size)
{
	char text[8192], want[64];
	out[0] = '\0';
	if (fbk_display_describe(d, text, sizeof(text)) < 0)
		return;
	snprintf(want, sizeof(want), "\n%s: ", key);
	const char *at = strstr(text, want);
	if (!at)
		return;
	at += strlen(want);
	snprintf(out, size, "%.*s", (int)strcspn(at, "\n"), at);
}

/* Per-device figures for the run's summary: how presents went on this driver. */
static void report_present(struct fbk_display *d, const char *spec)
{
	static const char *const keys[] = { "present", "flips", "dirtyfb" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char value[256];
		describe_value(d, keys[i], value, sizeof(value));
		say("STAT %s %s: %s", vm.step, keys[i], value);
	}
}

/* Move the box `moves` times over scene `variant`, presenting only the old and new places. */
static int move_box(struct fbk_display *d, const struct fbk_surface *clean, unsigned first,
		    unsigned moves, double *max_ms, double *sum_ms)
{
	struct fbk_surface *s = fbk_display_surface(d);
	for (unsigned k = first; k < first + moves; k++) {
		struct fbk_rect old = box_at(s, k), box = box_at(s, k + 1);
		fbk_blit(s, old.x, old.y, clean, &old, FBK_OP_SRC, 255);
		draw_box(s, box);
		struct fbk_rect changed[2] = { old, box };
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int err = fbk_display_present(d, changed, 2);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		if (max_ms && ms > *max_ms)
			*max_ms = ms;
		if (sum_ms)
			*sum_ms += ms;
		if (err) {
			say("NOTE present of the box (move %u) failed: %s", k + 1, fbk_last_error());
			return err;
		}
		s = fbk_display_surface(d);
	}
	return 0;
}

static int request_box_dump(const struct fbk_surface *s, unsigned variant, unsigned k)
{
	struct fbk_rect box = box_at(s, k);
	char id[96];
	snprintf(id, sizeof(id), "scene:%u+box@%d,%d,%d,%d", variant, (int)box.x, (int)box.y,
		 (int)box.w, (int)box.h);
	return request_image_dump(id, s, &no_cell, 0);
}

/* The scene as it was drawn, to paint back where the box leaves. */
static struct fbk_surface *clean_copy(const struct fbk_surface *s, unsigned variant)
{
	struct fbk_surface *clean;
	if (fbk_surface_create(&clean, s->width, s->height, s->format))
		return NULL;
	draw_scene(clean, variant);
	return clean;
}

/*
 * A box moving over a still picture, each present naming only where it
 * was and where it is. Dumps after two consecutive presents see both
 * buffers of a flipping display: neither may show the box where it was
 * two frames before.
 */
static enum outcome step_damage(const struct step_call *call)
{
	struct fbk_display *d;
	enum outcome result = open_display(&d, call->arg);
	if (result != OUTCOME_PASS)
		return result;
	struct fbk_surface *s = fbk_display_surface(d);
	struct fbk_surface *clean = clean_copy(s, call->variant);
	struct fbk_rect box = box_at(s, 0);
	draw_scene(s, call->variant);
	draw_box(s, box);
	if (!clean || fbk_display_present(d, NULL, 0) || move_box(d, clean, 0, 4, NULL, NULL) ||
	    request_box_dump(fbk_display_surface(d), call->variant, 4) ||
	    move_box(d, clean, 4, 1, NULL, NULL) ||
	    request_box_dump(fbk_display_surface(d), call->variant, 5) ||
	    move_box(d, clean, 5, 1, NULL, NULL) ||
	    request_box_dump(fbk_display_surface(d), call->variant, 6))
		result = OUTCOME_FAIL;
	report_present(d, call->arg);
	fbk_surface_destroy(clean);
	fbk_display_close(d);
	return result;
}

/* At least 50 flips, each with its event; the latency goes to the summary. */
static enum outcome step_flips(const struct step_call *call)
{
	enum { MOVES = 60, MIN_FLIPS = 50 };
	struct fbk_display *d;
	enum outcome result = open_display(&d, call->arg);
	if (result != OUTCOME_PASS)
		return result;
	struct fbk_surface *s = fbk_display_surface(d);
	struct fbk_surface *clean = clean_copy(s, call->variant);
	draw_scene(s, call->variant);
	draw_box(s, box_at(s, 0));
	double max_ms = 0, sum_ms = 0;
	if (!clean || fbk_display_present(d, NULL, 0) ||
	    move_box(d, clean, 0, MOVES, &max_ms, &sum_ms) ||
	    request_box_dump(fbk_display_surface(d), call->variant, MOVES))
		result = OUTCOME_FAIL;
	char flips[256];
	unsigned count = 0;
	describe_value(d, "flips", flips, sizeof(flips));
	if (sscanf(flips, "%u completed", &count) != 1 || count < MIN_FLIPS) {
		say("NOTE only %u flips completed with events (want %d): %s", count, MIN_FLIPS, flips);
		result = OUTCOME_FAIL;
	}
	say("STAT %s presents: %d of 2 small rectangles, avg %.2f ms, max %.2f ms", vm.step, MOVES,
	    sum_ms / MOVES, max_ms);
	report_present(d, call->arg);
	fbk_surface_destroy(clean);
	fbk_display_close(d);
	return result;
}

/* The loop step: a box moved one place per frame, frames paced by fbkit's event loop. */
struct loop_run {
	struct fbk_display *d;
	struct fbk_surface *clean;
	bool flipping;         /* the display flips pages: each frame must find the last flip done */
	unsigned frames;       /* frames drawn so far */
	unsigned early;        /* frames that started with a flip still pending */
	unsigned ticks;        /* of the timer running beside the frames */
	double checking_ms;    /* spent counting flips (fbk_display_describe), not in the loop */
	uint64_t first, last;  /* loop times of the first and last frame (ns) */
	int err;
};

enum { LOOP_FRAMES = 60 };

static unsigned flips_completed(struct fbk_display *d)
{
	char flips[256];
	unsigned count = 0;
	describe_value(d, "flips", flips, sizeof(flips));
	return sscanf(flips, "%u completed", &count) == 1 ? count : 0;
}

static void loop_frame(struct fbk_loop_source *screen, const struct fbk_loop_frame *frame,
		       void *user)
{
	struct loop_run *run = user;
	/* The scene's full present was flip 1, and frame k presents flip k + 2. */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (run->flipping && flips_completed(run->d) != run->frames + 1)
		run->early++;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	run->checking_ms += (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (!run->frames)
		run->first = frame->time;
	run->last = frame->time;
	run->err = move_box(run->d, run->clean, run->frames, 1, NULL, NULL);
	if (run->err || ++run->frames == LOOP_FRAMES)
		fbk_loop_quit(fbk_loop_source_loop(screen));
	else
		fbk_loop_request_frame(screen);
}

static void loop_tick(struct fbk_loop_source *timer, uint64_t now, void *user)
{
	(void)timer;
	(void)now;
	((struct loop_run *)user)->ticks++;
}

enum { OWN_FRAMES = 20 };

/*
 * More frames the way a program with its own loop draws them: ask
 * fbk_display_frame_ready(), poll fbk_display_frame_fd() while it says
 * not yet. Every present of a flipping display must have found the last
 * flip done. Returns the frames drawn.
 */
static unsigned own_loop_frames(struct loop_run *run)
{
	int fd = fbk_display_frame_fd(run->d);
	if (fd < 0) {
		say("NOTE no frame fd: %s", fbk_last_error());
		return 0;
	}
	unsigned drawn = 0;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (drawn < OWN_FRAMES) {
		int ready = fbk_display_frame_ready(run->d);
		if (ready < 0) {
			say("NOTE fbk_display_frame_ready: %s", fbk_last_error());
			break;
		}
		if (ready) {
			if (run->flipping && flips_completed(run->d) != LOOP_FRAMES + drawn + 1) {
				say("NOTE own loop frame %u: %u flips completed, want %u", drawn,
				    flips_completed(run->d), LOOP_FRAMES + drawn + 1);
				break;
			}
			if (move_box(run->d, run->clean, LOOP_FRAMES + drawn, 1, NULL, NULL))
				break;
			drawn++;
			continue;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 2000) != 1) {
			say("NOTE the frame fd did not wake within 2 s (frame %u)", drawn);
			break;
		}
	}
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	double ms = (double)(end.tv_sec - start.tv_sec) * 1e3 +
		    (double)(end.tv_nsec - start.tv_nsec) / 1e6;
	double interval_ms = (double)fbk_display_frame_interval(run->d) / 1e6;
	char paced[128];
	describe_value(run->d, "frames paced by", paced, sizeof(paced));
	say("STAT %s: own loop: %u frames in %.1f ms through the frame fd%s%s", vm.step, drawn, ms,
	    *paced ? ", paced by " : "", paced);
	/* The first is drawn at once: the other 19 come a refresh apart (half allows for jitter). */
	if (drawn == OWN_FRAMES && ms < (OWN_FRAMES - 1) * interval_ms / 2) {
		say("NOTE own loop: %u frames in %.1f ms: faster than a %.2f ms refresh can show",
		    drawn, ms, interval_ms);
		return 0;
	}
	return drawn;
}

/*
 * 60 frames from fbkit's event loop, each moving the box one place: on a
 * display that flips pages every frame must start after the last flip
 * completed (the loop paces by flip events, and present no longer waits
 * for them); elsewhere the frames come at the mode's refresh interval. A
 * 4 ms timer runs beside them: waiting for the screen must not hold it up.
 * Then 20 more through the display's frame fd, as a program with a loop
 * of its own would draw them.
 */
static enum outcome step_loop(const struct step_call *call)
{
	struct fbk_display *d;
	enum outcome result = open_display(&d, call->arg);
	if (result != OUTCOME_PASS)
		return result;
	struct fbk_surface *s = fbk_display_surface(d);
	struct loop_run run = { .d = d, .clean = clean_copy(s, call->variant) };
	char present[256];
	describe_value(d, "present", present, sizeof(present));
	run.flipping = !strncmp(present, "page flips", 10);
	draw_scene(s, call->variant);
	draw_box(s, box_at(s, 0));
	struct fbk_loop *loop = NULL;
	struct fbk_loop_source *screen;
	int err = run.clean ? fbk_display_present(d, NULL, 0) : -ENOMEM;
	if (!err)
		err = fbk_loop_create(&loop);
	if (!err)
		err = fbk_loop_add_display(loop, d, loop_frame, &run, &screen);
	if (!err)
		err = fbk_loop_add_timer(loop, FBK_MS(4), FBK_MS(4), loop_tick, &run, NULL);
	if (!err)
		err = fbk_loop_request_frame(screen);
	if (!err)
		err = fbk_loop_run(loop);
	if (err || run.err) {
		say("NOTE the loop failed: %s", fbk_last_error());
		result = OUTCOME_FAIL;
	}
	double ms = (double)(run.last - run.first) / 1e6;
	double interval_ms = (double)fbk_display_frame_interval(d) / 1e6;
	char vsync[128] = "", paced[128] = "";
	describe_value(d, "vsync", vsync, sizeof(vsync));
	describe_value(d, "frames paced by", paced, sizeof(paced));
	if (*vsync)
		say("STAT %s: FBIO_WAITFORVSYNC waits for a vertical blank: %s; frames paced by %s",
		    vm.step, vsync, paced);
	say("STAT %s: %u frames in %.1f ms (%.2f ms apart, refresh interval %.2f ms), %u timer "
	    "ticks, %u flips, %.1f ms of it counting flips",
	    vm.step, run.frames, ms, run.frames > 1 ? ms / (run.frames - 1) : 0.0, interval_ms,
	    run.ticks, flips_completed(d), run.checking_ms);
	if (run.early) {
		say("NOTE %u frames started while the last page flip was pending", run.early);
		result = OUTCOME_FAIL;
	}
	/* Paced: never faster than the screen refreshes (half its interval allows for jitter). */
	if (run.frames == LOOP_FRAMES && ms < (LOOP_FRAMES - 1) * interval_ms / 2) {
		say("NOTE %u frames in %.1f ms: faster than a %.2f ms refresh can show", run.frames,
		    ms, interval_ms);
		result = OUTCOME_FAIL;
	}
	if (run.flipping && flips_completed(d) < LOOP_FRAMES / 2) {
		say("NOTE only %u flips completed with events", flips_completed(d));
		result = OUTCOME_FAIL;
	}
	fbk_loop_destroy(loop);
	if (result == OUTCOME_PASS && own_loop_frames(&run) != OWN_FRAMES)
		result = OUTCOME_FAIL;
	/* The last frame's flip may still be pending: a dump waits for the screen to settle. */
	if (result == OUTCOME_PASS &&
	    request_box_dump(s, call->variant, LOOP_FRAMES + OWN_FRAMES))
		result = OUTCOME_FAIL;
	fbk_surface_destroy(run.clean);
	fbk_display_close(d);
	return result;
}

/* Open SPEC where it may be refused (a format the driver lacks): a clear refusal or a right picture. */
static enum outcome step_optional(const struct step_call *call)
{
	struct fbk_display *d;
	int err = fbk_display_open(&d, call->arg);
	if (err) {
		bool clear = err == -ENOTSUP && strstr(fbk_last_error(), "cannot show");
		say("NOTE \"%s\" refused%s: %s", call->arg, clear ? " clearly" : "", fbk_last_error());
		say("STAT %s: refused (%s)", vm.step, fbk_last_error());
		return clear ? OUTCOME_PASS : OUTCOME_FAIL;
	}
	char id[32];
	snprintf(id, sizeof(id), "scene:%u", call->variant);
	enum outcome result = OUTCOME_PASS;
	if (show_scene(d, call->variant) || request_image_dump(id, fbk_display_surface(d), &no_cell, 0))
		result = OUTCOME_FAIL;
	say("STAT %s: shown", vm.step);
	fbk_display_close(d);
	return result;
}

/* A connector or mode the card lacks: refused before the console is touched, naming what there is. */
static enum outcome step_refuse(const struct step_call *call)
{
	struct fbk_display *d;
	int err = fbk_display_open(&d, call->arg);
	if (!err) {
		say("NOTE \"%s\" opened, but should have been refused", call->arg);
		fbk_display_close(d);
		return OUTCOME_FAIL;
	}
	const char *msg = fbk_last_error();
	say("NOTE \"%s\": %d (%s)", call->arg, err, msg);
	if (err == -ENOTSUP && strstr(msg, "built without"))
		return OUTCOME_NOTBUILT;
	bool lists = strstr(msg, "(connectors: ") || strstr(msg, "(it offers: ");
	bool text = console_is_text("after the refusal");
	return err == -EINVAL && lists && text ? OUTCOME_PASS : OUTCOME_FAIL;
}

/* What fbkit-info prints for the display: connectors and modes, CRTC, plane formats. */
static enum outcome step_describe(const struct step_call *call)
{
	struct fbk_display *d;
	enum outcome result = open_display(&d, call->arg);
	if (result != OUTCOME_PASS)
		return result;
	char text[8192];
	int n = fbk_display_describe(d, text, sizeof(text));
	fbk_display_close(d);
	if (n < 0 || (size_t)n >= sizeof(text))
		return OUTCOME_FAIL;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		say("NOTE %s", line);
		if (!strncmp(line, "connector", 9) || !strncmp(line, "crtc", 4) ||
		    !strncmp(line, "primary plane formats", 21) || !strncmp(line, "driver", 6))
			say("STAT %s %.200s", vm.step, line);
		if (!strncmp(line, "primary plane formats: unknown", 30))
			result = OUTCOME_FAIL;
	}
	return result;
}

#if VMTEST_HAVE_LIBDRM

/* What the card's CRTCs show: compared before and after a program used the display. */
struct crtc_state {
	unsigned count;
	struct {
		uint32_t id, fb;
		bool on;
		char mode[DRM_DISPLAY_MODE_LEN];
	} crtc[8];
};

static bool read_crtcs(int card, struct crtc_state *out)
{
	memset(out, 0, sizeof(*out));
	drmModeRes *res = drmModeGetResources(card);
	if (!res) {
		say("NOTE cannot read %s's resources: %s", DRM_CARD, strerror(errno));
		return false;
	}
	for (int i = 0; i < res->count_crtcs && out->count < 8; i++) {
		drmModeCrtc *c = drmModeGetCrtc(card, res->crtcs[i]);
		if (!c)
			continue;
		out->crtc[out->count].id = c->crtc_id;
		out->crtc[out->count].fb = c->buffer_id;
		out->crtc[out->count].on = c->mode_valid;
		snprintf(out->crtc[out->count].mode, DRM_DISPLAY_MODE_LEN, "%s", c->mode_valid ? c->mode.name : "-");
		out->count++;
		drmModeFreeCrtc(c);
	}
	drmModeFreeResources(res);
	return true;
}

static void crtc_text(const struct crtc_state *st, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < st->count && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%sCRTC %u: fb %u, %s", i ? "; " : "",
					 (unsigned)st->crtc[i].id, (unsigned)st->crtc[i].fb,
					 st->crtc[i].on ? st->crtc[i].mode : "off");
}

static bool same_crtcs(const struct crtc_state *a, const struct crtc_state *b)
{
	if (a->count != b->count)
		return false;
	for (unsigned i = 0; i < a->count; i++)
		if (a->crtc[i].id != b->crtc[i].id || a->crtc[i].fb != b->crtc[i].fb ||
		    a->crtc[i].on != b->crtc[i].on || strcmp(a->crtc[i].mode, b->crtc[i].mode))
			return false;
	return true;
}

/*
 * Open the card and stay off master: the first opener becomes master, and
 * the program under test must be the one. Holding it open also means the
 * kernel never sees its last close, which would put fbcon back by itself.
 */
static int watch_card(void)
{
	int card = open(DRM_CARD, O_RDWR | O_CLOEXEC);
	if (card < 0) {
		say("NOTE open %s: %s", DRM_CARD, strerror(errno));
		return -1;
	}
	if (drmIsMaster(card))
		drmDropMaster(card);
	return card;
}

/*
 * Make the console unreachable, like a program started by a service
 * manager or over ssh: no controlling terminal, standard input not a VT,
 * and (in a mount namespace of our own) /dev/tty0 covered by /dev/null.
 */
static int hide_consoles(void)
{
	if (unshare(CLONE_NEWNS)) {
		say("NOTE unshare(CLONE_NEWNS): %s", strerror(errno));
		return -1;
	}
	mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (mount("/dev/null", "/dev/tty0", NULL, MS_BIND, NULL)) {
		say("NOTE cannot cover /dev/tty0: %s", strerror(errno));
		return -1;
	}
	setsid();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0)
		return -1;
	close(null);
	return 0;
}

/*
 * A child shows the scene and then closes the display (`kill` false) or
 * dies of SIGTERM; afterwards every CRTC must be as before and the text
 * console back on screen. Without a VT, only fbkit's own CRTC restore can
 * bring the console's picture back.
 */
static enum outcome restore_round(const struct step_call *call, int card, bool with_vt, bool kill_it)
{
	struct cursor_cell cell = find_cursor_cell();
	struct crtc_state before, after;
	if (!read_crtcs(card, &before))
		return OUTCOME_FAIL;
	struct scene_child child;
	if (!start_scene_child(call, with_vt ? NULL : hide_consoles, &child))
		return OUTCOME_FAIL;
	enum outcome result = OUTCOME_PASS;
	char id[32];
	snprintf(id, sizeof(id), "scene:%u", call->variant);
	if (child.on_screen) {
		struct fbk_surface shape = { .width = child.shown.width,
					     .height = child.shown.height,
					     .format = child.shown.format };
		if (request_image_dump(id, &shape, with_vt ? &cell : &(struct cursor_cell){ 0 }, 0))
			result = OUTCOME_FAIL;
	}
	enum outcome ended = end_scene_child(&child, kill_it);
	if (ended == OUTCOME_NOTBUILT || !child.on_screen)
		return ended;
	if (ended != OUTCOME_PASS)
		result = OUTCOME_FAIL;
	char was[512], now[512];
	read_crtcs(card, &after);
	crtc_text(&before, was, sizeof(was));
	crtc_text(&after, now, sizeof(now));
	bool same = same_crtcs(&before, &after);
	say("NOTE %s, %s: CRTCs before: %s; after: %s (%s)", with_vt ? "with a VT" : "no VT",
	    kill_it ? "SIGTERM" : "close", was, now, same ? "restored" : "NOT restored");
	if (!same)
		result = OUTCOME_FAIL;
	if (with_vt && !console_is_text("after the display was gone"))
		result = OUTCOME_FAIL;
	if (request_console_dump(&cell, id))
		result = OUTCOME_FAIL;
	return result;
}

static enum outcome restore_rounds(const struct step_call *call, bool with_vt)
{
	int card = watch_card();
	if (card < 0)
		return OUTCOME_FAIL;
	enum outcome result = restore_round(call, card, with_vt, false);
	if (result != OUTCOME_NOTBUILT) {
		enum outcome killed = restore_round(call, card, with_vt, true);
		if (killed != OUTCOME_PASS)
			result = OUTCOME_FAIL;
	}
	close(card);
	return result;
}

static enum outcome step_restore(const struct step_call *call)
{
	return restore_rounds(call, true);
}

static enum outcome step_novt(const struct step_call *call)
{
	return restore_rounds(call, false);
}



/* Whether anyone is DRM master: opening the card makes us master only when nobody is. */
static bool card_has_master(void)
{
	int card = open(DRM_CARD, O_RDWR | O_CLOEXEC);
	bool ours = card >= 0 && drmIsMaster(card);
	if (ours)
		drmDropMaster(card);
	if (card >= 0)
		close(card);
	return !ours;
}



/* The scene the program shows (variant `later` after the first), as the host draws it. */
static bool scene_dumped(struct vt_trip *trip, unsigned later)
{
	const struct cursor_cell *cell = trip->data;
	struct fbk_surface shape = { .width = trip->picture.width,
				     .height = trip->picture.height,
				     .format = trip->picture.format };
	char id[32];
	snprintf(id, sizeof(id), "scene:%u", trip->call->variant + later);
	return !request_image_dump(id, &shape, cell, 0);
}

static bool vtswitch_shown(struct vt_trip *trip)
{
	return scene_dumped(trip, 0);
}

static bool vtswitch_away(struct vt_trip *trip)
{
	const struct cursor_cell *cell = trip->data;
	char id[32];
	snprintf(id, sizeof(id), "scene:%u", trip->call->variant);
	bool master = card_has_master();
	say("NOTE on VT 2: %s", master ? "someone is still DRM master"
				       : "nobody is DRM master: the program let go");
	bool ok = !master && !request_console_dump(cell, id);
	return ask_program(trip, 'c') && ok;
}

static bool vtswitch_back(struct vt_trip *trip)
{
	return scene_dumped(trip, 1);
}

/*
 * vt-switch: switching to VT 2 makes the program drop DRM master (the
 * console shows), and coming back plus a present shows its picture again.
 */
static enum outcome step_vtswitch(const struct step_call *call)
{
	struct cursor_cell cell = find_cursor_cell();
	struct vt_trip trip = { .call = call, .shown = vtswitch_shown, .away = vtswitch_away,
				.back = vtswitch_back, .data = &cell };
	enum outcome result = vt_round_trip(&trip);
	if (result == OUTCOME_NOTBUILT)
		return result;
	if (!console_is_text("after close"))
		result = OUTCOME_FAIL;
	return result;
}

/*
 * Another program holds the display: a second one must get a clear
 * "DRM master" error, and the first one's picture must stay.
 */
static enum outcome step_master(const struct step_call *call)
{
	int ready[2], go[2];
	if (pipe(ready) || pipe(go))
		return OUTCOME_FAIL;
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		doomed_child(call, ready[1], go[0], false);
	}
	close(ready[1]);
	close(go[0]);
	enum outcome result = OUTCOME_PASS;
	struct shown shown;
	char id[32];
	snprintf(id, sizeof(id), "scene:%u", call->variant);
	bool on_screen = wait_shown(ready[0], &shown);
	struct fbk_surface shape = { .width = shown.width, .height = shown.height,
				     .format = shown.format };
	if (on_screen) {
		struct fbk_display *second = NULL;
		int err = fbk_display_open(&second, call->arg);
		say("NOTE the second program: %d (%s)", err, err ? fbk_last_error() : "opened!");
		if (err != -EBUSY || !strstr(fbk_last_error(), "DRM master"))
			result = OUTCOME_FAIL;
		fbk_display_close(second);
		if (request_image_dump(id, &shape, &no_cell, 0))
			result = OUTCOME_FAIL;
		kill(pid, SIGTERM);
	}
	close(ready[0]);
	close(go[1]);
	int status = reap(pid);
	if (!on_screen)
		return never_shown(status);
	return result;
}

#else /* no libdrm: the steps that read the card cannot run */

static enum outcome step_restore(const struct step_call *call)
{
	return OUTCOME_NOTBUILT;
}

static enum outcome step_novt(const struct step_call *call)
{
	return OUTCOME_NOTBUILT;
}

static enum outcome step_vtswitch(const struct step_call *call)
{
	return OUTCOME_NOTBUILT;
}

static enum outcome step_master(const struct step_call *call)
{
	return OUTCOME_NOTBUILT;
}

#endif

/*
 * Whether the card has a cursor plane the kernel lists (DRM_PLANE_TYPE_CURSOR),
 * and where it shows a framebuffer: fbkit must then use it.
 */
struct cursor_plane {
	bool found;
	uint32_t fb;
	int32_t x, y;
};

static struct cursor_plane read_cursor_plane(void)
{
	struct cursor_plane out = { false, 0, 0, 0 };
#if VMTEST_HAVE_LIBDRM
	int card = open(DRM_CARD, O_RDWR | O_CLOEXEC);
	if (card < 0)
		return out;
	/*
	 * Atomic clients see the planes' CRTC_X/CRTC_Y (GetPlane's crtc_x is
	 * never filled in); legacy-only drivers refuse the cap and list the type alone.
	 */
	drmSetClientCap(card, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	drmSetClientCap(card, DRM_CLIENT_CAP_ATOMIC, 1);
	drmModePlaneRes *planes = drmModeGetPlaneResources(card);
	for (uint32_t i = 0; planes && i < planes->count_planes && !out.found; i++) {
		drmModeObjectProperties *props =
			drmModeObjectGetProperties(card, planes->planes[i], DRM_MODE_OBJECT_PLANE);
		struct cursor_plane seen = { false, 0, 0, 0 };
		for (uint32_t k = 0; props && k < props->count_props; k++) {
			drmModePropertyRes *prop = drmModeGetProperty(card, props->props[k]);
			uint64_t v = props->prop_values[k];
			if (prop && !strcmp(prop->name, "type"))
				seen.found = v == DRM_PLANE_TYPE_CURSOR;
			else if (prop && !strcmp(prop->name, "FB_ID"))
				seen.fb = (uint32_t)v;
			else if (prop && !strcmp(prop->name, "CRTC_X"))
				seen.x = (int32_t)v;
			else if (prop && !strcmp(prop->name, "CRTC_Y"))
				seen.y = (int32_t)v;
			drmModeFreeProperty(prop);
		}
		drmModeFreeObjectProperties(props);
		if (seen.found)
			out = seen;
	}
	drmModeFreePlaneResources(planes);
	close(card);
#endif
	return out;
}

/*
 * Pixel (0, 0) of the framebuffer the cursor plane shows, read through
 * the framebuffer's buffer (GetFB gives root its handle): what fbkit put
 * in its cursor buffer. False when it cannot be read.
 */
static bool cursor_plane_pixel(uint32_t *out)
{
	bool ok = false;
#if VMTEST_HAVE_LIBDRM
	uint32_t fb_id = read_cursor_plane().fb;
	int card = fb_id ? open(DRM_CARD, O_RDWR | O_CLOEXEC) : -1;
	if (card < 0)
		return false;
	drmModeFB *fb = drmModeGetFB(card, fb_id);
	if (fb && fb->handle) {
		struct drm_mode_map_dumb map = { .handle = fb->handle };
		size_t size = (size_t)fb->pitch * fb->height;
		void *pixels = drmIoctl(card, DRM_IOCTL_MODE_MAP_DUMB, &map)
				       ? MAP_FAILED
				       : mmap(NULL, size, PROT_READ, MAP_SHARED, card, (off_t)map.offset);
		if (pixels != MAP_FAILED) {
			memcpy(out, pixels, sizeof(*out));
			munmap(pixels, size);
			ok = true;
		}
		struct drm_gem_close gem = { .handle = fb->handle };
		drmIoctl(card, DRM_IOCTL_GEM_CLOSE, &gem);
	}
	drmModeFreeFB(fb);
	close(card);
#else
	(void)out;
#endif
	return ok;
}

/* Show the pointer at (x, y) and ask for the dump of what that must look like. */
static bool pointer_at(struct fbk_display *d, unsigned variant, int32_t x, int32_t y,
		       const struct cursor_cell *cell)
{
	if (fbk_display_move_cursor(d, x, y)) {
		say("NOTE move cursor: %s", fbk_last_error());
		return false;
	}
	char id[80];
	/* A cursor plane is not in the framebuffer QEMU dumps: the scene alone. */
	if (fbk_display_cursor_mode(d) == FBK_CURSOR_SOFTWARE)
		snprintf(id, sizeof(id), "scene:%u+pointer@%d,%d", variant, (int)x, (int)y);
	else
		snprintf(id, sizeof(id), "scene:%u", variant);
	if (request_image_dump(id, fbk_display_surface(d), cell, 0))
		return false;
	if (fbk_display_cursor_mode(d) != FBK_CURSOR_HARDWARE)
		return true;
	/*
	 * On the panel: the hotspot's pixel where fbk_display_rotation() puts
	 * it, less the hotspot in the image turned with the display.
	 */
	const struct fbk_surface *s = fbk_display_surface(d);
	bool turned = vm.rotation == 90 || vm.rotation == 270;
	int32_t pw = turned ? s->height : s->width, ph = turned ? s->width : s->height;
	int32_t px = x, py = y, hx = POINTER_HX, hy = POINTER_HY;
	if (vm.rotation == 90) {
		px = pw - 1 - y, py = x, hx = POINTER_H - 1 - POINTER_HY, hy = POINTER_HX;
	} else if (vm.rotation == 180) {
		px = pw - 1 - x, py = ph - 1 - y;
		hx = POINTER_W - 1 - POINTER_HX, hy = POINTER_H - 1 - POINTER_HY;
	} else if (vm.rotation == 270) {
		px = y, py = ph - 1 - x, hx = POINTER_HY, hy = POINTER_W - 1 - POINTER_HX;
	}
	struct cursor_plane plane = read_cursor_plane();
	bool ok = plane.fb && plane.x == px - hx && plane.y == py - hy;
	say("NOTE cursor plane: framebuffer %u at (%d, %d), want one at (%d, %d)",
	    (unsigned)plane.fb, (int)plane.x, (int)plane.y, (int)(px - hx), (int)(py - hy));
	return ok;
}

/*
 * The restore fatal signals run (fbk_display_restore_console, from a
 * program still alive, so the kernel's own clean-up when the card is
 * closed does not count) hides the cursor plane with the CRTC; and after
 * SIGTERM nothing of the program's stays on the plane. Without a VT, as
 * a service runs: with one, fbcon's return to text mode resets the
 * planes itself and would hide a missing restore.
 */
static bool plane_off_after_restore(const struct step_call *call)
{
	int ready[2], go[2];
	if (pipe(ready) || pipe(go))
		return false;
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
#if VMTEST_HAVE_LIBDRM
		if (hide_consoles())
			_exit(OUTCOME_FAIL);
#endif
		struct fbk_display *d;
		uint32_t image[POINTER_W * POINTER_H];
		pointer_image(image);
		struct fbk_cursor_options o = FBK_CURSOR_OPTIONS_INIT(
			.pixels = image, .width = POINTER_W, .height = POINTER_H);
		char c = 1;
		if (open_display(&d, call->arg) != OUTCOME_PASS || show_scene(d, call->variant) ||
		    fbk_display_set_cursor(d, &o) ||
		    fbk_display_cursor_mode(d) != FBK_CURSOR_HARDWARE)
			c = 0;
		if (write(ready[1], &c, 1) != 1 || !c || read(go[0], &c, 1) != 1)
			_exit(OUTCOME_FAIL);
		fbk_display_restore_console();
		if (write(ready[1], &c, 1) != 1)
			_exit(OUTCOME_FAIL);
		for (;;)
			pause();
	}
	close(ready[1]);
	close(go[0]);
	char c = 0;
	struct pollfd p = { .fd = ready[0], .events = POLLIN };
	bool shown = pid > 0 && poll(&p, 1, 30000) == 1 && read(ready[0], &c, 1) == 1 && c;
	struct cursor_plane before = read_cursor_plane();
	bool restored = shown && write(go[1], &c, 1) == 1 && poll(&p, 1, 30000) == 1 &&
			read(ready[0], &c, 1) == 1;
	struct cursor_plane after = read_cursor_plane();
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	close(ready[0]);
	close(go[1]);
	struct cursor_plane end = read_cursor_plane();
	say("NOTE the cursor plane's framebuffer: %u shown, %u after the restore, %u after "
	    "SIGTERM",
	    (unsigned)before.fb, (unsigned)after.fb, (unsigned)end.fb);
	return restored && before.fb && !after.fb && !end.fb;
}

/*
 * The mouse cursor: on a DRM card with a cursor plane fbkit must use it
 * (the dumps show the scene alone, the plane shows a framebuffer at the
 * hotspot's place); elsewhere the software sprite, blended into the
 * screen where the host's picture blends it, and what it covered back
 * after a move and after hiding.
 */
static enum outcome step_pointer(const struct step_call *call)
{
	struct cursor_cell cell = find_cursor_cell();
	bool plane = !strncmp(call->arg, "drm", 3) && read_cursor_plane().found;
	struct fbk_display *d;
	enum outcome result = open_display(&d, call->arg);
	if (result != OUTCOME_PASS)
		return result;
	struct fbk_surface *s = fbk_display_surface(d);
	uint32_t image[POINTER_W * POINTER_H];
	pointer_image(image);
	struct fbk_cursor_options o = FBK_CURSOR_OPTIONS_INIT(
		.pixels = image, .width = POINTER_W, .height = POINTER_H, .hotspot_x = POINTER_HX,
		.hotspot_y = POINTER_HY);
	if (show_scene(d, call->variant) || fbk_display_set_cursor(d, &o)) {
		say("NOTE set cursor: %s", fbk_last_error());
		fbk_display_close(d);
		return OUTCOME_FAIL;
	}
	enum fbk_cursor_mode mode = fbk_display_cursor_mode(d);
	say("NOTE cursor: %s; the card lists %s cursor plane",
	    mode == FBK_CURSOR_HARDWARE ? "hardware" : "software", plane ? "a" : "no");
	if (mode != (plane ? FBK_CURSOR_HARDWARE : FBK_CURSOR_SOFTWARE))
		result = OUTCOME_FAIL;
	if (!pointer_at(d, call->variant, 101, 77, &cell) ||
	    !pointer_at(d, call->variant, s->width - 10, s->height - 8, &cell))
		result = OUTCOME_FAIL;
	char id[32];
	snprintf(id, sizeof(id), "scene:%u", call->variant);
	if (fbk_display_show_cursor(d, false) || request_image_dump(id, s, &cell, 0))
		result = OUTCOME_FAIL;
	if (plane && read_cursor_plane().fb) {
		say("NOTE the cursor plane still shows a framebuffer after hiding");
		result = OUTCOME_FAIL;
	}
	/* An image set while hidden is the one shown again (opaque green: the same premultiplied). */
	uint32_t green[8 * 8];
	for (size_t i = 0; i < sizeof(green) / sizeof(green[0]); i++)
		green[i] = 0xff00ff00u;
	struct fbk_cursor_options solid = FBK_CURSOR_OPTIONS_INIT(.pixels = green, .width = 8,
								   .height = 8);
	uint32_t shown = 0;
	if (fbk_display_set_cursor(d, &solid) || fbk_display_show_cursor(d, true)) {
		say("NOTE set a cursor while hidden, then show it: %s", fbk_last_error());
		result = OUTCOME_FAIL;
	} else if (plane && (!cursor_plane_pixel(&shown) || shown != 0xff00ff00u)) {
		say("NOTE the cursor set while hidden: the plane's pixel (0, 0) is %08x, want "
		    "ff00ff00 (the image set while hidden)",
		    (unsigned)shown);
		result = OUTCOME_FAIL;
	}
	/* Larger than any plane QEMU's drivers have (64x64): the sprite, the plane left off. */
	static uint32_t big[FBK_CURSOR_MAX_SIZE * FBK_CURSOR_MAX_SIZE];
	struct fbk_cursor_options large = FBK_CURSOR_OPTIONS_INIT(
		.pixels = big, .width = FBK_CURSOR_MAX_SIZE, .height = FBK_CURSOR_MAX_SIZE);
	if (fbk_display_show_cursor(d, true) || fbk_display_set_cursor(d, &large) ||
	    fbk_display_cursor_mode(d) != FBK_CURSOR_SOFTWARE || read_cursor_plane().fb) {
		say("NOTE a %dx%d cursor: %s, mode %d, the plane shows framebuffer %u",
		    FBK_CURSOR_MAX_SIZE, FBK_CURSOR_MAX_SIZE, fbk_last_error(),
		    (int)fbk_display_cursor_mode(d), (unsigned)read_cursor_plane().fb);
		result = OUTCOME_FAIL;
	}
	fbk_display_close(d);
	if (plane && !plane_off_after_restore(call))
		result = OUTCOME_FAIL;
	return result;
}

/*
 * A flip whose event never comes, with frames paced through the frame
 * fd: once the flip timeout (1 s) has passed, fbk_display_frame_ready()
 * lets the next frame go, and its present must not wait for the lost
 * event a second time; it shows the frame (SetCrtc) and fbkit draws in
 * place from then on.
 */
static enum outcome step_lateflip(const struct step_call *call)
{
	struct fbk_display *d;
	enum outcome result = open_display(&d, call->arg);
	if (result != OUTCOME_PASS)
		return result;
	if (fbk_display_frame_fd(d) < 0 || show_scene(d, call->variant) || !lose_flip_event(d)) {
		say("NOTE the frame fd, the first present or the lost event: %s", fbk_last_error());
		fbk_display_close(d);
		return OUTCOME_FAIL;
	}
	usleep(1100 * 1000);
	if (fbk_display_frame_ready(d) != 1) {
		say("NOTE the frame fd still holds the frame past the flip timeout");
		result = OUTCOME_FAIL;
	}
	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int err = show_scene(d, call->variant + 1);
	clock_gettime(CLOCK_MONOTONIC, &end);
	long ms = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
	char present[160];
	describe_value(d, "present", present, sizeof(present));
	say("NOTE the present after the lost flip: %s, %ld ms; present: %s",
	    err ? fbk_last_error() : "shown", ms, present);
	/* A second's wait against a few ms of drawing, even under emulation. */
	if (err || ms >= 500 || !strstr(present, "did not come"))
		result = OUTCOME_FAIL;
	char id[32];
	snprintf(id, sizeof(id), "scene:%u", call->variant + 1);
	if (!err && request_image_dump(id, fbk_display_surface(d), &no_cell, 0))
		result = OUTCOME_FAIL;
	fbk_display_close(d);
	return result;
}

/* Set VT 2's console mode: graphics keeps fbcon from resetting the planes when it comes. */
static bool vt2_mode(int mode)
{
	int fd = open("/dev/tty2", O_RDWR | O_NOCTTY | O_CLOEXEC);
	bool ok = fd >= 0 && !ioctl(fd, KDSETMODE, mode);
	if (!ok)
		say("NOTE KDSETMODE %d on /dev/tty2: %s", mode, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok;
}

static bool plane_hidden(const char *when)
{
	uint32_t fb = read_cursor_plane().fb;
	say("NOTE %s: the cursor plane shows framebuffer %u", when, (unsigned)fb);
	return !fb;
}

static bool vtcursor_shown(struct vt_trip *trip)
{
	if (!ask_program(trip, 'p') || plane_hidden("the pointer set")) {
		say("NOTE the pointer is not on the cursor plane");
		return false;
	}
	return true;
}

static bool vtcursor_away(struct vt_trip *trip)
{
	bool hidden = plane_hidden("on VT 2");
	/* Text again, or the kernel refuses to switch away from VT 2 (VT_AUTO). */
	bool text = vt2_mode(KD_TEXT);
	return ask_program(trip, 'i') && hidden && text;
}

static bool vtcursor_back(struct vt_trip *trip)
{
	const struct cursor_cell *cell = trip->data;
	struct fbk_surface shape = { .width = trip->picture.width,
				     .height = trip->picture.height,
				     .format = trip->picture.format };
	char id[80];
	snprintf(id, sizeof(id), "scene:%u+pointer@%d,%d", trip->call->variant + 1, VT_POINTER_X,
		 VT_POINTER_Y);
	bool sprite = ask_program(trip, 'm');
	bool hidden = plane_hidden("back on VT 1");
	return sprite && hidden && !request_image_dump(id, &shape, cell, 0);
}

/*
 * The cursor plane across a VT switch: hidden while another VT has the
 * screen (one in graphics mode, which leaves the planes as they are, as
 * another DRM master would find them), and when the plane fails as the
 * screen comes back, the present still works: the pointer becomes the
 * sprite, with one warning. Cards without a cursor plane have nothing to
 * check here.
 */
static enum outcome step_vtcursor(const struct step_call *call)
{
	if (!read_cursor_plane().found) {
		say("NOTE the card lists no cursor plane");
		return OUTCOME_PASS;
	}
	struct cursor_cell cell = no_cell;
	struct vt_trip trip = { .call = call, .shown = vtcursor_shown, .away = vtcursor_away,
				.back = vtcursor_back, .data = &cell };
	if (!vt2_mode(KD_GRAPHICS))
		return OUTCOME_FAIL;
	enum outcome result = vt_round_trip(&trip);
	if (result == OUTCOME_FAIL)
		vt2_mode(KD_TEXT); /* whatever became of the round, VT 2 is the console's again */
	return result;
}

struct step {
	const char *name;
	enum outcome (*run)(const struct step_call *call);
	const char *default_arg; /* NULL: takes no argument */
	const char *help;
};

static const struct step steps[] = {
	{ "console", step_console, NULL,
	  "control: the text console before any test (KD_TEXT, cursor visible)" },
	{ "rawcopy", step_rawcopy, NULL,
	  "control: scene drawn offscreen in /dev/fb0's format, copied in by hand (no backend)" },
	{ "blink", step_blink, NULL,
	  "control: rawcopy without KD_GRAPHICS; the fbcon cursor must be seen in its cell" },
	{ "scene", step_scene, "fbdev", "open SPEC, draw the scene, present all, close" },
	{ "partial", step_partial, "fbdev", "present 2 rectangles of a new frame over the old one" },
	{ "redefine", step_redefine, "fbdev", "a redefined surface refused, the old frame kept" },
	{ "cursor", step_cursor, "fbdev", "the scene held 1.5 s: the cursor cell never changes" },
	{ "sigterm", step_sigterm, "fbdev", "a child showing the scene is killed: console back" },
	{ "crash", step_crash, "fbdev", "a child showing the scene dies of SIGSEGV: console back" },
	{ "cmap", step_cmap, "fbdev",
	  "directcolor: linear ramps while open; close, SIGTERM, VT 2: the console's map back" },
	{ "fork", step_fork, "fbdev", "forked workers killed or closing: the parent's picture stays" },
	{ "damage", step_damage, "drm", "a box moving over the scene: dumps after 3 presents in a row" },
	{ "flips", step_flips, "drm", "60 presents of a moving box: at least 50 flip events" },
	{ "loop", step_loop, "drm", "60 frames of a moving box paced by fbkit's event loop" },
	{ "optional", step_optional, "drm,format=RG16", "SPEC clearly refused, or the scene shown" },
	{ "restore", step_restore, "drm", "close, then SIGTERM: CRTCs as before, console back" },
	{ "novt", step_novt, "drm", "restore without a VT (a service): fbkit's CRTC restore alone" },
	{ "vtswitch", step_vtswitch, "drm,vt-switch", "to VT 2 and back: master dropped, picture back" },
	{ "lateflip", step_lateflip, "drm",
	  "a flip event lost: the present after the frame fd let go waits no more" },
	{ "vtcursor", step_vtcursor, "drm,vt-switch",
	  "the cursor plane hidden on VT 2; failing on the way back, the sprite instead" },
	{ "master", step_master, "drm", "a second program gets the DRM master error" },
	{ "refuse", step_refuse, "drm,connector=HDMI-A-9", "SPEC refused, listing what there is" },
	{ "describe", step_describe, "drm", "what fbkit-info prints: connectors, CRTC, formats" },
	{ "pointer", step_pointer, "drm",
	  "the mouse cursor: the card's cursor plane where it has one, else the software sprite" },
};

#define STEP_COUNT (sizeof(steps) / sizeof(steps[0]))

static const struct step *find_step(const char *name, size_t len)
{
	for (size_t i = 0; i < STEP_COUNT; i++)
		if (strlen(steps[i].name) == len && !strncmp(steps[i].name, name, len))
			return &steps[i];
	return NULL;
}

/* Run one "NAME[=ARG]" in a child process, so a crash fails only that step. */
static enum outcome run_step(const char *text, unsigned index)
{
	size_t len = strcspn(text, "=");
	const struct step *step = find_step(text, len);
	if (!step) {
		say("RESULT step=%s status=FAIL unknown step", text);
		return OUTCOME_FAIL;
	}
	struct step_call call = { text[len] ? text + len + 1 : step->default_arg, 10 + index * 2 };
	vm.step = text;
	vm.seq = index * 100; /* dump numbers stay unique across step processes */
	vm.rotation = 0;
	say("STEP step=%s", text);
	if (!step->default_arg && text[len]) {
		say("RESULT step=%s status=FAIL takes no argument", text);
		return OUTCOME_FAIL;
	}
	pid_t pid = fork();
	if (pid == 0)
		_exit(step->run(&call));
	int status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	enum outcome result = OUTCOME_FAIL;
	if (pid < 0)
		say("RESULT step=%s status=FAIL fork: %s", text, strerror(errno));
	else if (WIFSIGNALED(status))
		say("RESULT step=%s status=FAIL died of signal %d (%s)", text, WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) > OUTCOME_NOTBUILT)
		say("RESULT step=%s status=FAIL exit status %d", text, WEXITSTATUS(status));
	else {
		result = (enum outcome)WEXITSTATUS(status);
		say("RESULT step=%s status=%s", text, outcome_names[result]);
	}
	return result;
}

/* ---------------------------------------------------------------- set-up */

/* The protocol runs over a serial line: raw, so nothing is echoed back. */
static int open_control(const char *path)
{
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "fbkit-vmtest: %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct termios t;
	if (isatty(fd) && tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	vm.in = vm.out = fd;
	return 0;
}

/* Run on the virtual terminal like a user's program: a new session with
 * the terminal as controlling tty and as stdin, stdout and stderr. */
static int attach_tty(const char *path)
{
	setsid();
	int fd = open(path, O_RDWR);
	if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0) {
		say("NOTE cannot make %s the controlling terminal: %s", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < 3; i++)
		dup2(fd, i);
	if (fd > 2)
		close(fd);
	vm.tty = path;
	return 0;
}

static int render(int argc, char **argv)
{
	int32_t w, h;
	char spec[96], tail;
	if (argc != 6 || sscanf(argv[3], "%dx%d%c", &w, &h, &tail) != 2) {
		fprintf(stderr, "usage: fbkit-vmtest render IMAGE WxH FORMAT OUT.ppm\n");
		return 2;
	}
	snprintf(spec, sizeof(spec), "offscreen:%dx%d,format=%s", (int)w, (int)h, argv[4]);
	struct fbk_display *d;
	if (fbk_display_open(&d, spec)) {
		fprintf(stderr, "fbkit-vmtest: %s\n", fbk_last_error());
		return 1;
	}
	struct fbk_surface *s = fbk_display_surface(d);
	int err = draw_image(s, argv[2]);
	if (err) {
		fprintf(stderr, "fbkit-vmtest: cannot draw '%s': %s\n", argv[2], fbk_strerror(err));
		fbk_display_close(d);
		return 1;
	}
	/* P6, each pixel widened the way fbkit widens narrow channels. */
	FILE *out = fopen(argv[5], "wb");
	const struct fbk_format_info *f = fbk_format_info(s->format);
	if (out)
		fprintf(out, "P6\n%d %d\n255\n", (int)s->width, (int)s->height);
	for (int32_t y = 0; out && y < s->height; y++)
		for (int32_t x = 0; x < s->width; x++) {
			const uint8_t *p = fbk_surface_pixel(s, x, y);
			uint32_t value = 0;
			for (unsigned i = 0; i < f->bytes_per_pixel; i++)
				value |= (uint32_t)p[i] << (8 * i);
			struct fbk_color c = fbk_color_unpack(s->format, value);
			uint8_t rgb[3] = { c.r, c.g, c.b };
			fwrite(rgb, 1, 3, out);
		}
	fbk_display_close(d);
	if (!out || fclose(out)) {
		fprintf(stderr, "fbkit-vmtest: cannot write %s: %s\n", argv[5], strerror(errno));
		return 1;
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: fbkit-vmtest [--control=DEV] [--tty=DEV] STEP[=SPEC]...\n"
		     "       fbkit-vmtest render IMAGE WxH FORMAT OUT.ppm\n"
		     "steps (SPEC is a display spec, default shown):\n");
	for (size_t i = 0; i < STEP_COUNT; i++)
		fprintf(out, "  %-8s %-15s %s\n", steps[i].name,
			steps[i].default_arg ? steps[i].default_arg : "", steps[i].help);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "render"))
		return render(argc, argv);
	if (argc < 2 || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	int first = 1;
	const char *tty = NULL;
	for (; first < argc && !strncmp(argv[first], "--", 2); first++) {
		if (!strncmp(argv[first], "--control=", 10)) {
			if (open_control(argv[first] + 10))
				return 1;
		} else if (!strncmp(argv[first], "--tty=", 6)) {
			tty = argv[first] + 6;
		} else {
			usage(stderr);
			return 2;
		}
	}
	fbk_set_log_handler(log_to_host, NULL);
	fbk_set_log_level(FBK_LOG_INFO);
	say("HELLO fbkit=%s pid=%d", fbk_version(), (int)getpid());
	if (tty && attach_tty(tty))
		return 1;
	unsigned failed = 0, notbuilt = 0;
	for (int i = first; i < argc; i++) {
		enum outcome r = run_step(argv[i], (unsigned)(i - first));
		failed += r == OUTCOME_FAIL;
		notbuilt += r == OUTCOME_NOTBUILT;
	}
	say("END steps=%d failed=%u notbuilt=%u", argc - first, failed, notbuilt);
	return failed ? 1 : 0;
}
