/*
 * The fbdev backend: the Linux framebuffer (/dev/fbN).
 *
 * The device's own screen infos decide everything: the format comes from
 * bits per pixel and the channel bitfields (fbdev_layout.c), the stride is
 * line_length, and the visible area starts at the pan offsets inside
 * memory whose start need not be page aligned. Drawing goes to a back
 * buffer in system memory in the device format (device memory is slow to
 * read on real hardware), and present copies the changed rectangles row by
 * row; `direct` draws into the mapping itself. After copying, fsync makes
 * deferred-I/O drivers (DRM's fbdev emulation among them) show the picture
 * now rather than on their next timer.
 *
 * Facts from real drivers (../shared/vm/README.md): when fbcon is not on
 * the device, DRM's emulation shows nothing until the mode is set again
 * (FBIOPUT_VSCREENINFO with FB_ACTIVATE_FORCE, or a pan); drivers may
 * accept a mode and change nothing, so the mode is always read back.
 *
 * Directcolor modes (aty128fb, radeonfb above 8 bpp, many SoC drivers) send
 * each channel through the device's colour map, where the console left its
 * 16 colours: fbkit saves that map, loads a linear ramp per channel while
 * the display is open, and puts the saved map back on close, when a fatal
 * signal ends the program (a console hook issuing one prepared ioctl) and
 * when a vt-switch hands the VT over. The ramp is loaded again whenever
 * the mode is, after the screen was lost. A mode the driver changed when
 * fbkit set it again goes back on close and, through the same hook (before
 * the map: setting a mode may reset it), when a fatal signal ends the
 * program; the console runs the hook in the opening process only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/fbdev_layout.h"
#include "backend/present.h"
#include "backend/vsync.h"
#include "platform/console.h"

#define DEFAULT_DEVICE "/dev/fb0"
/*
 * FBIO_WAITFORVSYNC has no timeout argument. In-tree drivers bound the
 * wait themselves (DRM's emulation gives up after 100 ms), so a call never
 * hangs on them; one that takes longer than this is not a vertical blank
 * worth waiting for, and fbkit stops asking.
 */
#define VSYNC_MAX_MS 100

struct fbdev {
	struct fbk_display base; /* first: the registry casts between the two */
	int fd;
	char *device;
	bool direct;
	struct fb_fix_screeninfo fix;
	struct fb_var_screeninfo var;      /* the mode in use, as read back */
	struct fb_var_screeninfo found;    /* the mode at open, restored on close if changed */
	bool restore_mode;
	/* found, as the FBIOPUT_VSCREENINFO argument the signal hook copies */
	struct fb_var_screeninfo restore_arg;
	bool hooked; /* console hooks set: a mode or a map to put back */
	struct fbk_fbdev_layout layout;
	uint8_t *map;    /* the whole device mapping */
	uint8_t *screen; /* pixel (0, 0) of the visible area, inside map */
	struct fbk_back back; /* none with direct */
	struct fbk_console *console;
	struct fbk_present present;
	enum fbk_probe vsync, flush;
	/* Frames paced by vertical blanks, once the frame fd was asked for (vsync.h). */
	struct fbk_vsync blank;
	/*
	 * Directcolor: the map found at open and fbkit's ramps, as FBIOGETCMAP
	 * and FBIOPUTCMAP arguments pointing at the arrays below, built at
	 * open so a signal handler only issues the ioctl.
	 */
	bool cmap_saved;
	struct fb_cmap saved_cmap, ramp_cmap;
	uint16_t saved_rgb[3][FBK_FBDEV_CMAP_MAX], ramp_rgb[3][FBK_FBDEV_CMAP_MAX];
};

static int fbdev_present(struct fbk_display *display, const struct fbk_rect *rects, size_t n);
static void fbdev_close(struct fbk_display *display);
static void fbdev_describe(const struct fbk_display *display, struct fbk_describe *out);
static bool fbdev_needs_redraw(struct fbk_display *display);
static int fbdev_read_front(struct fbk_display *display, struct fbk_surface *dst);
static int fbdev_frame_fd(struct fbk_display *display);
static int fbdev_frame_dispatch(struct fbk_display *display);
static bool fbdev_frame_pending(const struct fbk_display *display);
static uint64_t fbdev_frame_deadline(const struct fbk_display *display);
static int fbdev_read_rect(struct fbk_display *display, const struct fbk_rect *r, uint8_t *dst,
			   size_t dst_stride);

static const struct fbk_display_ops fbdev_ops = {
	.present = fbdev_present,
	.close = fbdev_close,
	.describe = fbdev_describe,
	.needs_redraw = fbdev_needs_redraw,
	.read_front = fbdev_read_front,
	.frame_fd = fbdev_frame_fd,
	.frame_dispatch = fbdev_frame_dispatch,
	.frame_pending = fbdev_frame_pending,
	.frame_deadline = fbdev_frame_deadline,
	.read_rect = fbdev_read_rect,
};

static int parse_options(const struct fbk_spec *spec, bool *direct, bool *vt_switch,
			 int *rotation)
{
	static const char *const known[] = { "direct", "vt-switch", NULL };
	int err = fbk_spec_check_keys(spec, known);
	if (err)
		return err;
	err = fbk_spec_flag(spec, "direct", direct);
	if (!err)
		err = fbk_spec_flag(spec, "vt-switch", vt_switch);
	if (!err)
		err = fbk_spec_rotation(spec, rotation);
	if (err)
		return err;
	if (*direct && *rotation)
		return fbk_fail(-EINVAL, "'direct' and 'rotate=%d' cannot be combined: in direct "
					 "mode the program draws into the device memory, which is "
					 "in the panel's orientation; rotation turns the picture "
					 "as present copies it from a back buffer (leave out "
					 "'direct')",
				*rotation);
	if (*direct && *vt_switch)
		return fbk_fail(-EINVAL, "'direct' and 'vt-switch' cannot be combined: in direct "
					 "mode the program draws into the device, which must not "
					 "be touched while another VT owns the screen");
	return 0;
}

/* Both screen infos; -ENOTTY with a plain message when this is no framebuffer. */
static int read_info(int fd, const char *device, struct fb_fix_screeninfo *fix,
		     struct fb_var_screeninfo *var)
{
	if (!ioctl(fd, FBIOGET_FSCREENINFO, fix) && !ioctl(fd, FBIOGET_VSCREENINFO, var))
		return 0;
	int err = errno;
	if (err == ENOTTY || err == EINVAL)
		return fbk_fail(-ENOTTY, "%s is not a framebuffer device (it does not answer "
					 "FBIOGET_FSCREENINFO)",
				device);
	return fbk_fail(-err, "%s: cannot read the screen info: %s", device, fbk_errstr(err));
}

/* Only character devices that answer the framebuffer ioctls pass. */
static int open_device(struct fbdev *f)
{
	f->fd = fbk_open_device(f->device, "framebuffer",
				"is a framebuffer driver loaded? /proc/fb lists them");
	if (f->fd < 0)
		return f->fd;
	int err = read_info(f->fd, f->device, &f->fix, &f->var);
	if (err) {
		close(f->fd);
		f->fd = -1;
		return err;
	}
	f->found = f->var;
	return 0;
}

static size_t page_size(void)
{
	long page = sysconf(_SC_PAGESIZE);
	return page > 0 ? (size_t)page : 4096;
}

/* The geometry fields a driver might change behind our back. */
static bool same_mode(const struct fb_var_screeninfo *a, const struct fb_var_screeninfo *b)
{
	return a->xres == b->xres && a->yres == b->yres && a->xres_virtual == b->xres_virtual &&
	       a->yres_virtual == b->yres_virtual && a->xoffset == b->xoffset &&
	       a->yoffset == b->yoffset && a->bits_per_pixel == b->bits_per_pixel &&
	       !memcmp(&a->red, &b->red, sizeof(a->red)) &&
	       !memcmp(&a->green, &b->green, sizeof(a->green)) &&
	       !memcmp(&a->blue, &b->blue, sizeof(a->blue)) &&
	       !memcmp(&a->transp, &b->transp, sizeof(a->transp));
}

/*
 * Put `mode` on screen: set it again with FB_ACTIVATE_FORCE, or pan to it
 * where the driver refuses that, then read back what the driver made of
 * it. A failure of both is only logged: most drivers show the mode anyway.
 */
static int activate(struct fbdev *f, const struct fb_var_screeninfo *mode)
{
	struct fb_var_screeninfo want = *mode;
	want.activate = FB_ACTIVATE_NOW | FB_ACTIVATE_FORCE;
	if (ioctl(f->fd, FBIOPUT_VSCREENINFO, &want)) {
		int put_err = errno;
		want = *mode;
		if (ioctl(f->fd, FBIOPAN_DISPLAY, &want))
			fbk_log(FBK_LOG_DEBUG, "%s: neither setting the mode (%s) nor panning (%s) "
					       "worked; hoping it is on screen",
				f->device, fbk_errstr(put_err), fbk_errstr(errno));
	}
	return read_info(f->fd, f->device, &f->fix, &f->var);
}

/*
 * The mode's refresh interval from its timings (pixclock in picoseconds);
 * 0 (the registry's 60 Hz) when the driver gives none, as vesafb and
 * emulated framebuffers often do.
 */
static uint64_t mode_interval(const struct fb_var_screeninfo *v)
{
	if (!v->pixclock)
		return 0;
	uint64_t htotal = (uint64_t)v->left_margin + v->xres + v->right_margin + v->hsync_len;
	uint64_t vtotal = (uint64_t)v->upper_margin + v->yres + v->lower_margin + v->vsync_len;
	if (htotal > UINT32_MAX || vtotal > UINT32_MAX)
		return 0;
	return fbk_refresh_interval(1000000000000u / v->pixclock, (uint32_t)htotal,
				    (uint32_t)vtotal);
}

static int compute_layout(struct fbdev *f)
{
	int err = fbk_fbdev_layout(&f->fix, &f->var, page_size(), &f->layout);
	return err ? fbk_fail_context(err, f->device) : 0;
}

static int map_device(struct fbdev *f)
{
	void *map = mmap(NULL, f->layout.map_length, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
	if (map == MAP_FAILED) {
		int err = -errno;
		return fbk_fail(err, "%s: cannot map %zu bytes of framebuffer memory: %s",
				f->device, f->layout.map_length, fbk_errstr(-err));
	}
	f->map = map;
	f->screen = f->map + f->layout.visible_offset;
	return 0;
}

/* The back buffer, or (direct) the visible area itself, cleared: every display starts black. */
static int make_surface(struct fbdev *f)
{
	const struct fbk_fbdev_layout *l = &f->layout;
	f->base.surface = (struct fbk_surface){
		.pixels = f->screen,
		.width = l->width,
		.height = l->height,
		.stride = l->stride,
		.format = l->format->fourcc,
		.clip = { 0, 0, l->width, l->height },
	};
	if (!f->direct) {
		fbk_rotated_size(f->base.rotation, &f->base.surface.width, &f->base.surface.height);
		int err = fbk_back_create(&f->back, &f->base.surface);
		return err ? fbk_fail_context(err, f->device) : 0;
	}
	size_t row = (size_t)l->width * l->format->bytes_per_pixel;
	for (int32_t y = 0; y < l->height; y++)
		memset(f->screen + (size_t)y * l->stride, 0, row);
	return 0;
}

static void load_ramp(struct fbdev *f)
{
	if (ioctl(f->fd, FBIOPUTCMAP, &f->ramp_cmap))
		fbk_log(FBK_LOG_WARNING, "%s: cannot load the directcolor colour map (%s); "
					 "colours may be wrong",
			f->device, fbk_errstr(errno));
}

/* FBIOPUTCMAP only reads its argument: the prepared one serves every call. */
static int restore_cmap(struct fbdev *f)
{
	return ioctl(f->fd, FBIOPUTCMAP, &f->saved_cmap) ? -errno : 0;
}

/* Console hook: called in signal handlers, so one ioctl and nothing else. */
static void restore_cmap_from_signal(void *data)
{
	restore_cmap(data);
}

/*
 * Console hook for a fatal signal: the mode found at open, then the map,
 * each one prepared ioctl. The kernel writes the mode it set back into the
 * argument, so the ioctl gets a copy and the prepared one stays as built.
 */
static void restore_from_signal(void *data)
{
	struct fbdev *f = data;
	if (f->restore_mode) {
		struct fb_var_screeninfo mode = f->restore_arg;
		ioctl(f->fd, FBIOPUT_VSCREENINFO, &mode);
	}
	if (f->cmap_saved)
		restore_cmap(f);
}

/*
 * The hooks that put the screen back when a signal ends the program, where
 * there is something to put back: a mode the driver changed, a saved map.
 * Errors: those of fbk_console_set_hooks.
 */
static int set_hooks(struct fbdev *f)
{
	if (!f->restore_mode && !f->cmap_saved)
		return 0;
	f->restore_arg = f->found;
	f->restore_arg.activate = FB_ACTIVATE_NOW | FB_ACTIVATE_FORCE;
	const struct fbk_console_hooks hooks = {
		restore_from_signal, f->cmap_saved ? restore_cmap_from_signal : NULL, f
	};
	int err = fbk_console_set_hooks(f->console, &hooks);
	if (err)
		return fbk_fail_context(err, f->device);
	f->hooked = true;
	return 0;
}

static struct fb_cmap cmap_arg(size_t len, uint16_t (*rgb)[FBK_FBDEV_CMAP_MAX])
{
	return (struct fb_cmap){
		.start = 0, .len = (__u32)len, .red = rgb[0], .green = rgb[1], .blue = rgb[2],
	};
}

/*
 * Directcolor only: save the map (set_hooks then sets what puts it back,
 * before the ramps are loaded). A driver that cannot read its map is left
 * alone with a warning (its colours may be off, but the picture shows, and
 * nothing would put the console's map back).
 */
static void save_cmap(struct fbdev *f)
{
	if (f->fix.visual != FB_VISUAL_DIRECTCOLOR)
		return;
	size_t len = fbk_fbdev_ramp(&f->var, f->ramp_rgb[0], f->ramp_rgb[1], f->ramp_rgb[2]);
	if (!len)
		return; /* not for a format fbkit accepted */
	f->ramp_cmap = cmap_arg(len, f->ramp_rgb);
	f->saved_cmap = cmap_arg(len, f->saved_rgb);
	if (ioctl(f->fd, FBIOGETCMAP, &f->saved_cmap)) {
		fbk_log(FBK_LOG_WARNING, "%s: directcolor mode, but its colour map cannot be read "
					 "(%s); leaving it as it is, so colours may be wrong",
			f->device, fbk_errstr(errno));
		return;
	}
	f->cmap_saved = true;
}

/*
 * Order: everything that can refuse the device (not a framebuffer, a
 * format fbkit lacks) happens before the console is touched, so a failed
 * open leaves it as it was; the mode is activated in graphics mode, so
 * fbcon does not redraw its text over the screen on the way.
 */
int fbk_fbdev_open(struct fbk_display **out, const struct fbk_spec *spec)
{
	bool direct, vt_switch;
	int rotation;
	int err = parse_options(spec, &direct, &vt_switch, &rotation);
	if (err)
		return err;
	struct fbdev *f = calloc(1, sizeof(*f));
	if (!f)
		return fbk_fail(-ENOMEM, "out of memory");
	f->base.ops = &fbdev_ops;
	f->base.backend_name = "fbdev";
	f->direct = direct;
	f->base.draws_on_screen = direct;
	f->base.rotation = rotation;
	f->device = strdup(spec->argument ? spec->argument : DEFAULT_DEVICE);
	if (!f->device) {
		err = fbk_fail(-ENOMEM, "out of memory");
		goto fail_struct;
	}
	err = open_device(f);
	if (err)
		goto fail_device_name;
	err = compute_layout(f);
	if (err)
		goto fail_fd;
	err = fbk_console_acquire(&f->console, (vt_switch ? FBK_CONSOLE_VT_SWITCH : 0) |
						       fbk_spec_console_flags(spec));
	if (err) {
		fbk_fail_context(err, f->device);
		goto fail_fd;
	}
	err = activate(f, &f->found);
	if (!err)
		err = compute_layout(f);
	if (err)
		goto fail_console;
	if (!same_mode(&f->var, &f->found)) {
		f->restore_mode = true;
		fbk_log(FBK_LOG_INFO, "%s: the driver changed the mode when it was set again",
			f->device);
	}
	err = map_device(f);
	if (err)
		goto fail_mode;
	err = make_surface(f);
	if (err)
		goto fail_map;
	save_cmap(f);
	err = set_hooks(f);
	if (err)
		goto fail_surface;
	if (f->cmap_saved)
		load_ramp(f);
	/* The device memory still shows what was there: the first present copies all. */
	fbk_present_init(&f->present, f->console, !f->direct);
	f->base.frame_interval = mode_interval(&f->var);
	*out = &f->base;
	return 0;

fail_surface:
	fbk_back_destroy(&f->back);
fail_map:
	munmap(f->map, f->layout.map_length);
fail_mode:
	if (f->restore_mode)
		activate(f, &f->found);
fail_console:
	fbk_console_release(f->console);
fail_fd:
	close(f->fd);
fail_device_name:
	free(f->device);
fail_struct:
	free(f);
	return err;
}

/* Wait for the vertical blank where the driver can; stop asking where it cannot. */
static void wait_vsync(struct fbdev *f)
{
	if (f->vsync == FBK_PROBE_UNSUPPORTED)
		return;
	__u32 crtc = 0;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int failed = ioctl(f->fd, FBIO_WAITFORVSYNC, &crtc) ? errno : 0;
	long took = (long)fbk_elapsed_ms(&start);
	/* EINTR: a signal; EBUSY: DRM's emulation while another master has the screen. */
	if (failed == EINTR || failed == EBUSY)
		return;
	if (failed || took > VSYNC_MAX_MS) {
		f->vsync = FBK_PROBE_UNSUPPORTED;
		fbk_log(failed ? FBK_LOG_DEBUG : FBK_LOG_WARNING,
			"%s: not waiting for vertical blank (%s%ld ms)", f->device,
			failed ? fbk_errstr(failed) : "the wait took ", failed ? 0L : took);
		return;
	}
	f->vsync = FBK_PROBE_WORKS;
}

/* ---------------------------------------------------------------- frames */

/* The vertical-blank thread's wait (vsync.h): it runs in that thread, and touches only the fd. */
static int wait_blank(void *ctx)
{
	const struct fbdev *f = ctx;
	__u32 crtc = 0;
	return ioctl(f->fd, FBIO_WAITFORVSYNC, &crtc) ? errno : 0;
}

/* Frames are paced by vertical blanks: the frame fd was asked for, and the waits work. */
static bool paced_by_blanks(const struct fbdev *f)
{
	return f->blank.open && fbk_vsync_paces(&f->blank);
}

static int fbdev_frame_fd(struct fbk_display *display)
{
	struct fbdev *f = (struct fbdev *)display;
	if (f->vsync == FBK_PROBE_UNSUPPORTED || (f->blank.open && !paced_by_blanks(f)))
		return -ENOTSUP; /* a timer at the mode's refresh interval */
	if (!f->blank.open) {
		int err = fbk_vsync_init(&f->blank, wait_blank, f, display->frame_interval,
					 VSYNC_MAX_MS * 1000000ull);
		if (err)
			return fbk_fail_context(err, f->device);
	}
	return f->blank.event_fd;
}

static int fbdev_frame_dispatch(struct fbk_display *display)
{
	struct fbdev *f = (struct fbdev *)display;
	if (!f->blank.open)
		return 0;
	int err = fbk_vsync_dispatch(&f->blank, f->device);
	if (!fbk_vsync_paces(&f->blank))
		f->vsync = FBK_PROBE_UNSUPPORTED;
	return err;
}

static bool fbdev_frame_pending(const struct fbk_display *display)
{
	const struct fbdev *f = (const struct fbdev *)display;
	return f->blank.open && fbk_vsync_pending(&f->blank);
}

static uint64_t fbdev_frame_deadline(const struct fbk_display *display)
{
	return fbk_vsync_deadline(&((const struct fbdev *)display)->blank);
}

/* Deferred-I/O drivers show mapped writes on a timer; fsync shows them now. */
static int flush(struct fbdev *f)
{
	if (f->flush == FBK_PROBE_UNSUPPORTED || !fsync(f->fd)) {
		if (f->flush == FBK_PROBE_UNTRIED)
			f->flush = FBK_PROBE_WORKS;
		return 0;
	}
	int err = errno;
	if (err == EINVAL || err == EROFS || err == ENOTSUP || err == ENOSYS) {
		f->flush = FBK_PROBE_UNSUPPORTED; /* nothing to flush on this driver */
		return 0;
	}
	if (err == EINTR)
		return 0;
	return fbk_fail(-EIO, "%s: the device did not take the frame (fsync: %s)", f->device,
			fbk_errstr(err));
}

/*
 * After the VT came back (or the console was shown): another VT may have
 * set another mode. Set ours again; if the driver will not have it, the
 * mapping no longer matches and the display is unusable.
 */
static int reactivate(struct fbdev *f)
{
	struct fb_fix_screeninfo fix = f->fix;
	struct fb_var_screeninfo var = f->var;
	int err = activate(f, &var);
	if (err)
		return err;
	if (!same_mode(&f->var, &var) || f->fix.line_length != fix.line_length ||
	    f->fix.smem_len != fix.smem_len) {
		f->fix = fix;
		f->var = var;
		return fbk_fail(-EIO, "%s: the framebuffer mode was changed by another program "
				      "and cannot be set back; reopen the display",
				f->device);
	}
	if (f->cmap_saved)
		load_ramp(f); /* whoever had the screen may have loaded another map */
	return 0;
}

static int fbdev_present(struct fbk_display *display, const struct fbk_rect *rects, size_t n)
{
	struct fbdev *f = (struct fbdev *)display;
	struct fbk_frame frame;
	/*
	 * Paced by vertical blanks, the frame started just after one: copy
	 * now, and let the thread wait for the blank that shows it. Frames
	 * go on being paced while the screen is away, as its blanks do.
	 */
	bool paced = paced_by_blanks(f);
	if (!fbk_present_begin(&f->present, &frame, display, rects, n))
		return paced ? fbk_vsync_presented(&f->blank, f->device) : 0;
	int err = frame.lost ? reactivate(f) : 0;
	if (!err && !f->direct) {
		if (!paced)
			wait_vsync(f);
		fbk_present_show(display, f->screen, f->layout.stride, frame.rects, frame.n);
	}
	if (!err)
		err = flush(f);
	if (!err && paced)
		err = fbk_vsync_presented(&f->blank, f->device);
	return fbk_present_end(&f->present, &frame, err);
}

static bool fbdev_needs_redraw(struct fbk_display *display)
{
	return fbk_present_needs_redraw(&((struct fbdev *)display)->present);
}

/* The visible area of the mapping: with direct, the memory drawn on. */
static struct fbk_surface screen_of(const struct fbdev *f)
{
	struct fbk_surface screen = f->base.geometry;
	screen.pixels = f->screen;
	screen.width = f->layout.width;
	screen.height = f->layout.height;
	screen.stride = f->layout.stride;
	return screen;
}

static int fbdev_read_front(struct fbk_display *display, struct fbk_surface *dst)
{
	struct fbdev *f = (struct fbdev *)display;
	struct fbk_surface screen = screen_of(f);
	return fbk_present_read(&f->present, &screen, display->rotation, dst);
}

static int fbdev_read_rect(struct fbk_display *display, const struct fbk_rect *r, uint8_t *dst,
			   size_t dst_stride)
{
	struct fbdev *f = (struct fbdev *)display;
	struct fbk_surface screen = screen_of(f);
	return fbk_present_read_rect(&f->present, &screen, display->rotation, r, dst, dst_stride);
}

static const char *probe_name(enum fbk_probe p)
{
	return p == FBK_PROBE_WORKS ? "yes" : p == FBK_PROBE_UNSUPPORTED ? "no" : "not tried yet";
}

static void fbdev_describe(const struct fbk_display *display, struct fbk_describe *out)
{
	const struct fbdev *f = (const struct fbdev *)display;
	const struct fb_fix_screeninfo *fix = &f->fix;
	const struct fb_var_screeninfo *var = &f->var;
	char console[64];
	fbk_console_describe(f->console, console, sizeof(console));
	fbk_describe_line(out, "device", "%s", f->device);
	fbk_describe_line(out, "present", "%s",
			  f->direct ? "direct (the surface is the device memory)"
				    : "copy from a back buffer in system memory");
	fbk_describe_line(out, "console", "%s", console);
	fbk_describe_line(out, "vsync", "%s", probe_name(f->vsync));
	fbk_describe_line(out, "frames paced by", "%s",
			  !paced_by_blanks(f) ? "a timer at the refresh rate"
			  : f->blank.started  ? "vertical blanks (a thread waits for them)"
					      : "vertical blanks, from the first present");
	fbk_describe_line(out, "id", "%.*s", (int)sizeof(fix->id), fix->id);
	fbk_describe_line(out, "smem_start", "0x%lx (offset %zu in its page)", fix->smem_start,
			  f->layout.page_offset);
	fbk_describe_line(out, "smem_len", "%u", (unsigned)fix->smem_len);
	fbk_describe_line(out, "line_length", "%u", (unsigned)fix->line_length);
	fbk_describe_line(out, "type", "%u (%s)", (unsigned)fix->type,
			  fbk_fbdev_type_name(fix->type));
	fbk_describe_line(out, "visual", "%u (%s)", (unsigned)fix->visual,
			  fbk_fbdev_visual_name(fix->visual));
	if (fix->visual == FB_VISUAL_DIRECTCOLOR)
		fbk_describe_line(out, "colour map", "%s",
				  f->cmap_saved ? "linear ramps, the saved map restored on close"
						: "left as found (it could not be read)");
	fbk_describe_line(out, "bits_per_pixel", "%u", (unsigned)var->bits_per_pixel);
	const struct {
		const char *key;
		const struct fb_bitfield *field;
	} fields[] = { { "red", &var->red },
		       { "green", &var->green },
		       { "blue", &var->blue },
		       { "transp", &var->transp } };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		fbk_describe_line(out, fields[i].key, "offset %u, length %u%s",
				  (unsigned)fields[i].field->offset,
				  (unsigned)fields[i].field->length,
				  fields[i].field->msb_right ? ", msb right" : "");
	fbk_describe_line(out, "xres", "%u", (unsigned)var->xres);
	fbk_describe_line(out, "yres", "%u", (unsigned)var->yres);
	fbk_describe_line(out, "xres_virtual", "%u", (unsigned)var->xres_virtual);
	fbk_describe_line(out, "yres_virtual", "%u", (unsigned)var->yres_virtual);
	fbk_describe_line(out, "xoffset", "%u", (unsigned)var->xoffset);
	fbk_describe_line(out, "yoffset", "%u", (unsigned)var->yoffset);
}

/* Release in reverse order of fbk_fbdev_open. */
static void fbdev_close(struct fbk_display *display)
{
	struct fbdev *f = (struct fbdev *)display;
	fbk_vsync_finish(&f->blank); /* the thread uses the fd */
	/*
	 * Only put the old mode and map back while the screen is ours (a
	 * vt-switch away has put the map back already). The map last: a
	 * driver may reset it when the mode is set.
	 */
	if ((f->restore_mode || f->cmap_saved) && fbk_console_begin_access(f->console)) {
		if (f->restore_mode)
			activate(f, &f->found);
		int err = f->cmap_saved ? restore_cmap(f) : 0;
		if (err)
			fbk_log(FBK_LOG_WARNING, "%s: cannot restore the colour map: %s",
				f->device, fbk_errstr(-err));
		fbk_console_end_access(f->console);
	}
	if (f->hooked)
		fbk_console_set_hooks(f->console, NULL);
	fbk_back_destroy(&f->back);
	munmap(f->map, f->layout.map_length);
	fbk_console_release(f->console);
	close(f->fd);
	free(f->device);
	free(f);
}

/*
 * fbkit-shot's read: the same layout as the backend (the pan offsets, a
 * framebuffer whose memory does not start on a page), from a read-only
 * descriptor, with nothing set, drawn or taken from the console.
 */
int fbk_fbdev_read_screen(struct fbk_surface **out, const char *device)
{
	if (!out)
		return fbk_fail(-EINVAL, "fbk_fbdev_read_screen: NULL output");
	*out = NULL;
	if (!device)
		device = DEFAULT_DEVICE;
	/* O_NONBLOCK and O_NOCTTY for what fbk_open_device guards against: a FIFO, a tty. */
	int fd = open(device, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fbk_fail(-errno, "%s: %s", device, fbk_errstr(errno));
	struct fb_fix_screeninfo fix;
	struct fb_var_screeninfo var;
	struct fbk_fbdev_layout l;
	int err = read_info(fd, device, &fix, &var);
	if (!err && (err = fbk_fbdev_layout(&fix, &var, page_size(), &l)))
		fbk_fail_context(err, device);
	if (err) {
		close(fd);
		return err;
	}
	uint8_t *map = mmap(NULL, l.map_length, PROT_READ, MAP_SHARED, fd, 0);
	int map_errno = errno;
	close(fd);
	if (map == MAP_FAILED)
		return fbk_fail(-map_errno, "%s: cannot map %zu bytes of framebuffer memory: %s",
				device, l.map_length, fbk_errstr(map_errno));
	struct fbk_surface *s = NULL;
	err = fbk_surface_create(&s, l.width, l.height, l.format->fourcc);
	if (!err) {
		size_t row = (size_t)l.width * l.format->bytes_per_pixel;
		const uint8_t *from = map + l.visible_offset;
		for (int32_t y = 0; y < l.height; y++)
			memcpy((uint8_t *)s->pixels + (size_t)y * s->stride,
			       from + (size_t)y * l.stride, row);
		*out = s;
	}
	munmap(map, l.map_length);
	return err;
}
