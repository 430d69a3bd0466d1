/* fbkit: displays. A display hands out a surface to draw on and shows it on present. */
#ifndef FBKIT_DISPLAY_H
#define FBKIT_DISPLAY_H

#include "fbkit/surface.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fbk_display;

/**
 * Open a display. `spec` names the backend and its options:
 *
 *   offscreen[:WxH][,format=NAME][,file=PATH][,back-buffer][,rate=HZ]
 *                                               memory only (default 1280x800 XR24;
 *                                               rate: frames per second for frame
 *                                               pacing, default 60)
 *   fbdev[:DEVICE][,direct][,vt-switch]         Linux framebuffer (default /dev/fb0)
 *   drm[:DEVICE][,connector=NAME][,mode=WxH[@HZ]][,format=NAME][,vt-switch][,no-flip]
 *                                               DRM/KMS dumb buffers (default: the
 *                                               first card with a connected display)
 *   auto                                        drm, then fbdev (not when drm
 *                                               fails with -EBUSY: see below)
 *
 * Every display also takes `no-signals` (see fbk_display_restore_console())
 * and `rotate=0|90|180|270`: the picture is turned that many degrees
 * clockwise on the panel, for a panel mounted on its side or upside down.
 * The surface is then in the picture's orientation (800x1280 on a
 * 1280x800 panel; offscreen's WxH and drm's mode= are the panel's), and
 * present turns each rectangle it copies to the screen; see
 * fbk_display_rotation() for where pixels land. fbk_display_read_front(),
 * FBKIT_SNAPSHOT and fbk_offscreen_file_read() give the picture, turned
 * back, so a rendering test compares the same image at every rotation.
 * Rotation needs a back buffer: offscreen takes one by itself, and fbdev's
 * `direct` refuses it (-EINVAL).
 *
 * NULL or "" reads the spec from the FBKIT_DISPLAY environment variable,
 * and "auto" when that is unset. A backend named explicitly that fails is
 * an error, never a silent fallback. "auto" reports drm's -EBUSY (another
 * program is DRM master) as its own error instead of trying fbdev: the
 * card's fbdev emulation would open and show nothing while that program
 * holds the card. Close with fbk_display_close().
 *
 * offscreen: the surface is the screen memory itself, unless
 * `back-buffer` asks for a back buffer in system memory whose presented
 * rectangles present copies to the screen memory, as fbdev and drm do (so
 * a test sees what a device would show, a missing present included);
 * FBKIT_SNAPSHOT and file= watchers see the screen memory. FBKIT_SNAPSHOT
 * is one PNG path written over on every present, or a pattern with one
 * frame number (%d, %4d or %04d; %% for a '%'), counted from 0, for a
 * file per present; any other '%' fails the open with -EINVAL.
 *
 * fbdev: the surface is a back buffer in system memory in the device's
 * own format, and present copies the given rectangles to the device
 * (after the vertical blank where the driver can wait for it). `direct`
 * makes the surface the device memory itself (no second buffer; present
 * only flushes). `vt-switch` lets the user switch virtual terminals while
 * the display is open: fbkit stops touching the device until the VT
 * comes back, then fbk_display_needs_redraw() says so (not with
 * `direct`). Device displays put the VT the program runs on in graphics
 * mode with the cursor hidden, and restore it on close and when a fatal
 * signal ends the program (see the README); with no VT (ssh, CI) they
 * leave the console alone.
 *
 * drm: the surface is a shadow in system memory in the display's format
 * (XR24 unless format= names another the display takes), at one address
 * for the life of the display. Present copies the given rectangles into
 * the back dumb buffer and page-flips to it, returning once the flip has
 * happened (tear-free); `no-flip`, or a driver that cannot flip, writes
 * into the one buffer on screen instead. The connector is the one named
 * as libdrm spells it (HDMI-A-1, VGA-1, Virtual-1), else the first
 * connected; the mode the one asked for, else the preferred one. The
 * CRTC's previous state comes back on close and when a fatal signal ends
 * the program, VT or not. `vt-switch` as for fbdev (DRM master is
 * dropped while another VT is in front).
 *
 * Errors: -EINVAL (malformed spec, unknown backend or option, a connector
 * or mode the card does not have: the message lists what it has),
 * -ENOTSUP (backend not built or format unsupported), -ENOENT/-EACCES
 * (device, or no display connected), -ENOTTY (the device is not a
 * framebuffer or DRM card), -EBUSY (another program is DRM master),
 * -ENOMEM; fbk_last_error() says which and why. A failed open leaves the
 * console and the screen as they were.
 */
FBK_API int fbk_display_open(struct fbk_display **out, const char *spec);

/** Close the display, restoring what it changed. Accepts NULL. */
FBK_API void fbk_display_close(struct fbk_display *display);

/**
 * The surface to draw on. It belongs to the display and is the same
 * surface, with the same pixels at the same address, from open to close on
 * every backend (present copies from it or flushes it, never swaps it), so
 * the pointer may be kept. Draw on it and set its clip freely (present
 * ignores the clip); its pixels, width, height, stride and format must stay
 * as they are, or fbk_display_present() fails with -EINVAL until they are
 * put back. To draw on a part, make a surface of your own with
 * fbk_surface_sub(&part, surface, &rect). NULL for a NULL display.
 */
FBK_API struct fbk_surface *fbk_display_surface(struct fbk_display *display);

/**
 * Show what was drawn. `rects` lists the changed rectangles (n of them);
 * NULL with n == 0 means the whole surface. Backends copy or flush only
 * those. May block until the display has taken the frame (drm: until the
 * page flip, at most a second; once fbk_display_frame_fd() was asked for,
 * only until the previous present's flip, if that one is still pending). Errors: -EINVAL (also when the surface's
 * pixels, size, stride or format were changed: nothing is shown), -ENOMEM
 * (a long rectangle list), -EIO (device write failed), -EBUSY (drm: another
 * program took the display), -ETIMEDOUT (drm: the flip did not happen
 * within a second; the next present finishes it), msync's error for a
 * file= display, or fbk_png_save's error when writing the FBKIT_SNAPSHOT
 * file fails.
 */
FBK_API int fbk_display_present(struct fbk_display *display, const struct fbk_rect *rects,
				size_t n);

/**
 * Copy what the screen shows now (the front buffer: what was presented,
 * not what was drawn since) into dst, a surface of the screen's size in
 * any format, converted as fbk_blit converts: so a test sees a forgotten
 * present. On offscreen without back-buffer and fbdev with direct the
 * application draws on the screen itself, so there the front is what
 * was drawn. Reads device memory, which may be slow;
 * waits for a pending page flip. Errors: -EINVAL (NULL, a bad surface, a
 * size other than the screen's), -EAGAIN (the VT is switched away),
 * -ENOTSUP (a backend that cannot), -EPERM (DRM, in a child made with
 * fork(): the card's file and flip events are the parent's), and the DRM
 * flip wait's errors.
 */
FBK_API int fbk_display_read_front(struct fbk_display *display, struct fbk_surface *dst);

/**
 * How the display turns the picture on the panel, in degrees clockwise:
 * 0, 90, 180 or 270, as the spec's rotate= option asked (0 without it).
 * At 90 and 270 the surface is the panel's mode turned on its side (a
 * 1280x800 panel gives an 800x1280 surface): coordinates on the surface
 * are the picture's, and (x, y) is shown at the panel's (width - 1 - y, x)
 * at 90, (width - 1 - x, height - 1 - y) at 180 and (y, height - 1 - x) at
 * 270, width and height being the panel's. 0 for NULL. Never blocks.
 */
FBK_API int fbk_display_rotation(const struct fbk_display *display);

/** The backend's name: "offscreen", "fbdev" or "drm". */
FBK_API const char *fbk_display_backend(const struct fbk_display *display);

/**
 * True once after the display lost what was on screen: the VT came back
 * after a switch (vt-switch), or the text console was shown because of a
 * signal the application then handled. Draw the whole surface again (in
 * `direct` mode its pixels are gone) and present; with a back buffer the
 * next present repaints the whole screen anyway. Programs that wait for
 * input can poll fbk_display_redraw_fd() to learn when to ask (VT signals
 * do not interrupt every blocking call). False for NULL and for offscreen
 * displays. Never blocks.
 */
FBK_API bool fbk_display_needs_redraw(struct fbk_display *display);

/**
 * A file descriptor to put in a poll set: readable (POLLIN) whenever
 * fbk_display_needs_redraw() would say true, woken from the VT-switch
 * and fatal-signal handlers, so a program waiting for input needs no
 * timeout to notice. fbk_display_needs_redraw() empties it. It belongs to
 * the display (valid until close; never close it yourself) and is shared
 * by every device display of the process: when it wakes, ask each of
 * them. In a child made by fork() the display is the parent's: the fd
 * would wake for the parent's losses, which the child cannot clear, so
 * do not poll it there. Errors: -EINVAL (NULL), -ENOTSUP (offscreen
 * displays never need a redraw), -EBADF (the display no longer holds the
 * console). Never blocks.
 */
FBK_API int fbk_display_redraw_fd(const struct fbk_display *display);

/**
 * The time between frames the screen can show, in nanoseconds: the video
 * mode's refresh interval (drm, and fbdev where the driver gives its
 * timings), offscreen's `rate=HZ` option (default 60), else that of
 * 60 Hz. 0 for NULL. Never blocks.
 */
FBK_API uint64_t fbk_display_frame_interval(const struct fbk_display *display);

/**
 * A file descriptor to put in a poll set, for programs with a loop of
 * their own: ask fbk_display_frame_ready() whether the next frame can be
 * drawn now, and when it says not yet, poll this fd (POLLIN) and ask
 * again when it wakes:
 *
 *     if (fbk_display_frame_ready(d) == 1) { draw; fbk_display_present(d, ...); }
 *     poll(...this fd, input fds...);
 *
 * On DRM displays that flip pages it wakes when the page flip of the
 * last present completed, and once it was asked for,
 * fbk_display_present() returns as soon as the flip is queued instead of
 * waiting for it (a present while a flip is still pending waits for that
 * one first). On fbdev where the driver waits for vertical blanks
 * (FBIO_WAITFORVSYNC) it wakes at the blank after the last present, and
 * present no longer waits for it: a thread of fbkit's does. Elsewhere it
 * is a timer at fbk_display_frame_interval(). It also wakes when the
 * device gives up on a frame (a flip event a second overdue), and when a
 * device stops pacing frames (DRM that gave up flipping, fbdev whose
 * waits return at once) it goes on as that timer: the fd stays the same.
 * fbkit's event loop (fbkit/loop.h) uses it for you. It belongs to the
 * display (valid until close; never close it yourself). Errors: -EINVAL
 * (NULL), -ENOMEM, and the errno of timerfd, epoll or eventfd creation.
 */
FBK_API int fbk_display_frame_fd(struct fbk_display *display);

/**
 * Whether the next frame can be drawn now: 1 yes, 0 not yet (poll
 * fbk_display_frame_fd(), then ask again). Takes what made the fd
 * readable (the flip event; the timer's expiry, so one tick answers 1
 * once). Never blocks. Errors:
 * -EINVAL (NULL, or the frame fd was never asked for), -EIO, and the
 * errno of reading the card or the timer.
 */
FBK_API int fbk_display_frame_ready(struct fbk_display *display);

/**
 * Put the screen and the console back as the device displays found them
 * (DRM: the previous CRTC; the VT in text mode, cursor shown), from a
 * signal handler: async-signal-safe, unlike fbk_display_close(). For
 * programs that run without fbkit's signal handlers (the `no-signals`
 * option that every display spec takes, or FBKIT_NO_SIGNAL_HANDLERS=1 in
 * the environment: language runtimes, programs that manage signals
 * themselves), call it from your handlers
 * of the signals that end the program, before dying. If the program goes
 * on instead, the next present takes the screen back and
 * fbk_display_needs_redraw() says true. Does nothing with no device
 * display open, and in a child made by fork() (the screen belongs to the
 * process that opened the display).
 */
FBK_API void fbk_display_restore_console(void);

/**
 * Describe the display as "key: value" lines, one per fact, each ending in
 * '\n': first backend, mode (WxH, the surface's), format ("XR24
 * (XRGB8888)"), stride, rotation ("0", or the degrees and the panel's
 * size) and cursor ("off", or hardware/software, its size, shown/hidden),
 * then what the backend adds (offscreen: file, snapshot; fbdev: device,
 * present mode, console, vsync, and the driver's raw screen info: id,
 * smem_len, line_length, bits_per_pixel, red/green/blue/transp
 * offset/length, xres/yres, xres_virtual/yres_virtual, xoffset/yoffset,
 * visual, type; drm: device, driver, connector, video mode, crtc,
 * previous crtc, buffers, present, flips (count and event latency),
 * dirtyfb, master, console, primary plane formats, then for each
 * connector "connector NAME" with its status and "modes NAME" lines).
 * Keys are stable; values are for people. Writes at most
 * `size` bytes including the terminating NUL (buf may be NULL when size is
 * 0) and returns the length of the whole text, like snprintf: a result >=
 * size means it was cut. Errors: -EINVAL (NULL display, or NULL buf with a
 * size). Never blocks.
 */
FBK_API int fbk_display_describe(const struct fbk_display *display, char *buf, size_t size);

/** The largest cursor image fbk_display_set_cursor() takes, in either direction. */
#define FBK_CURSOR_MAX_SIZE 256

/**
 * A cursor image for fbk_display_set_cursor(). Fill it in with
 * FBK_CURSOR_OPTIONS_INIT, which sets `size`:
 *
 *     struct fbk_cursor_options o = FBK_CURSOR_OPTIONS_INIT(
 *             .pixels = argb, .width = 24, .height = 24, .hotspot_x = 12, .hotspot_y = 12);
 *
 * The structure may grow at the end only; fbkit reads the fields `size`
 * covers, and refuses (-ENOTSUP) a larger structure whose unknown fields
 * are not zero.
 */
struct fbk_cursor_options {
	uint32_t size;               /* sizeof(struct fbk_cursor_options) the caller was built with */
	int32_t width, height;       /* 1..FBK_CURSOR_MAX_SIZE (0 with pixels NULL: the arrow) */
	int32_t hotspot_x, hotspot_y; /* the pixel that points, inside the image */
	uint32_t stride;             /* bytes from one row to the next; 0: width * 4 */
	/* 0xAARRGGBB words, straight alpha, in the picture's orientation; NULL: fbkit's arrow */
	const uint32_t *pixels;
};

/** An initializer for struct fbk_cursor_options: sets `size`, then the fields given (or none). */
#define FBK_CURSOR_OPTIONS_INIT(...) { .size = sizeof(struct fbk_cursor_options), __VA_ARGS__ }

/** How a display shows its mouse cursor (fbk_display_cursor_mode()). */
enum fbk_cursor_mode {
	FBK_CURSOR_OFF,      /* no cursor (the default) */
	FBK_CURSOR_SOFTWARE, /* a sprite blended into the screen's memory at present time */
	FBK_CURSOR_HARDWARE, /* the DRM driver's cursor plane */
};

/**
 * Show a mouse cursor (there is none until this is called), or change
 * its image. `options` NULL (or its pixels NULL) is fbkit's arrow,
 * pointing with its tip; otherwise the image is copied, so it may be
 * freed after the call. The cursor's hotspot is put where
 * fbk_display_move_cursor() last said (the middle of the surface at
 * first), and an fbk_input opened on this display moves it with the
 * pointer (mice and tablets; touch leaves it alone).
 *
 * On DRM displays whose driver has a cursor plane, the plane shows it
 * (FBK_CURSOR_HARDWARE: the screen's memory never holds it); elsewhere,
 * when the driver refuses the image, or when the plane has not shown a
 * cursor yet and cannot be tried now (the cursor hidden, or the VT
 * switched away), fbkit blends it into the
 * screen's memory itself (FBK_CURSOR_SOFTWARE): never into the surface
 * the program draws on, and what it covered is put back when it moves
 * or hides. Every present of a rectangle under it draws it again on top,
 * and moving it writes only the old and new places to the screen. Being
 * on the screen, a software cursor is in what fbk_display_read_front(),
 * an offscreen display's file= watchers (fbkit-shot) and FBKIT_SNAPSHOT
 * see, and each move is a present of its own (a snapshot pattern with a
 * frame number gets a file per move). A software cursor needs a back
 * buffer: displays drawn straight on the screen (fbdev's `direct`,
 * offscreen without `back-buffer`) refuse it with -ENOTSUP, since the
 * program's drawing would both erase the sprite and blend with it.
 *
 * Shows the cursor at once (a present of its rectangle). Errors:
 * -EINVAL (NULL display; options with a bad size, a width or height out
 * of 1..FBK_CURSOR_MAX_SIZE, a stride shorter than a row, a hotspot
 * outside the image, NULL pixels with a size), -ENOTSUP (see above; or
 * options of a later fbkit setting fields this one does not know),
 * -EPERM (DRM, in a child made with fork(): the cursor plane and the
 * screen are the parent's), -ENOMEM, and a present's errors. On a
 * refused image or -EPERM the cursor is as
 * it was; when only the present that shows it fails, the new cursor is
 * set (fbk_display_cursor_mode() says how) though the screen may not show
 * it yet.
 */
FBK_API int fbk_display_set_cursor(struct fbk_display *display,
				   const struct fbk_cursor_options *options);

/**
 * Put the cursor's hotspot at (x, y), in the surface's coordinates (the
 * picture's, on a rotated display). Any position is taken: the cursor is
 * cut to the screen. Without a cursor the position is only remembered
 * for fbk_display_set_cursor(). Writes the old and new rectangles to the
 * screen (software) or moves the plane (hardware). Errors: -EINVAL
 * (NULL), -EPERM (DRM, in a child made with fork()), and a present's
 * errors.
 */
FBK_API int fbk_display_move_cursor(struct fbk_display *display, int32_t x, int32_t y);

/**
 * Hide the cursor (visible false) or show it again, keeping its image
 * and position. Errors: -EINVAL (NULL display, or no cursor was set),
 * and a present's errors.
 */
FBK_API int fbk_display_show_cursor(struct fbk_display *display, bool visible);

/** How the display shows its cursor now; FBK_CURSOR_OFF for NULL. Never blocks. */
FBK_API enum fbk_cursor_mode fbk_display_cursor_mode(const struct fbk_display *display);

/**
 * Header at the start of an offscreen display's file= mapping, so another
 * process can find the pixels. Pixels start at byte `pixel_offset`.
 */
#define FBK_OFFSCREEN_FILE_MAGIC "FBKSCRN1"
struct fbk_offscreen_file_header {
	char magic[8];
	uint32_t width, height;
	uint32_t stride;
	uint32_t format;
	uint32_t pixel_offset;
	uint32_t frame_count; /* incremented on every present */
	/*
	 * The display's rotation (fbk_display_rotation): width, height and
	 * stride describe the panel's memory, and the picture is that turned
	 * back by this many degrees. Files whose pixels start before this
	 * field (pixel_offset < sizeof the header) are not rotated.
	 */
	uint32_t rotation;
};

/**
 * Read what an offscreen display with file=PATH shows now, from any
 * process: a new surface of the screen's size and format, which the
 * caller destroys with fbk_surface_destroy(); for a rotated display, the
 * picture as fbk_display_read_front() gives it (the panel's memory turned
 * back, so 800x1280 for a 1280x800 panel at 90 degrees). The header is checked
 * against the file's size before any pixel is read; when the display
 * presents during the copy, the copy is made again (a few times at most),
 * so the pixels are those of one present: a display with `back-buffer`
 * changes its file only when it presents, so the picture is one whole
 * frame; one without draws straight into the file, so a copy may catch a
 * frame half drawn. The writer may close, shrink or recreate
 * the file at any moment: a page that vanishes under the copy is an
 * error, never a SIGBUS (fbkit's SIGBUS guard, as for PNG files, is
 * installed for the call). Errors: -EINVAL (NULL), the errno of
 * open/fstat/mmap, -EBADMSG (not a screen file, or its header does not
 * fit the file), -ENOTSUP (unknown pixel format), -EIO (the file shrank
 * during the copy), -EAGAIN (the display presented during every one of
 * the copies: try again), -ENOMEM.
 */
FBK_API int fbk_offscreen_file_read(struct fbk_surface **out, const char *path);

/**
 * Copy what the framebuffer `device` (NULL: /dev/fb0) shows now into a new
 * surface the caller owns (fbk_surface_destroy): the visible area at the
 * pan offsets, in the format the driver's bitfields describe, as the fbdev
 * backend lays it out. The device is opened read-only and only read: no
 * mode is set, the console is not touched and the screen keeps what it
 * shows (what fbkit-shot reads). The pixels are the panel's memory as it
 * is: what a program with rotate=N drew is there turned N degrees.
 * Errors: -EINVAL (NULL out, or geometry that does not fit the memory),
 * the errno of open or mmap, -ENOTTY (not a framebuffer), -ENOTSUP (a
 * pixel layout fbkit lacks), -EFBIG, -ENOMEM. Does not block.
 */
FBK_API int fbk_fbdev_read_screen(struct fbk_surface **out, const char *device);

#ifdef __cplusplus
}
#endif

#endif
