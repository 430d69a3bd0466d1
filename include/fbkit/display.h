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
 *   offscreen[:WxH][,format=NAME][,file=PATH]   memory only (default 1280x800 XR24)
 *   fbdev[:DEVICE]                              Linux framebuffer (default /dev/fb0)
 *   drm[:DEVICE][,connector=NAME][,mode=WxH[@HZ]]  DRM/KMS dumb buffers
 *   auto                                        drm, then fbdev
 *
 * NULL or "" reads the spec from the FBKIT_DISPLAY environment variable,
 * and "auto" when that is unset. A backend named explicitly that fails is
 * an error, never a silent fallback. Close with fbk_display_close().
 * Errors: -EINVAL (malformed spec, unknown backend or option), -ENOTSUP
 * (backend not built or format unsupported), -ENOENT/-EACCES (device),
 * -ENOMEM; fbk_last_error() says which and why.
 */
FBK_API int fbk_display_open(struct fbk_display **out, const char *spec);

/** Close the display, restoring what it changed. Accepts NULL. */
FBK_API void fbk_display_close(struct fbk_display *display);

/**
 * The surface to draw on. It belongs to the display and stays valid until
 * close; its pixels may change address after fbk_display_present() on
 * backends that flip buffers, so fetch it again after each present.
 */
FBK_API struct fbk_surface *fbk_display_surface(struct fbk_display *display);

/**
 * Show what was drawn. `rects` lists the changed rectangles (n of them);
 * NULL with n == 0 means the whole surface. Backends copy or flush only
 * those. May block until the display has taken the frame. Errors: -EINVAL,
 * -EIO (device write failed), or fbk_png_save's error when writing the
 * FBKIT_SNAPSHOT file fails.
 */
FBK_API int fbk_display_present(struct fbk_display *display, const struct fbk_rect *rects,
				size_t n);

/** The backend's name: "offscreen", "fbdev" or "drm". */
FBK_API const char *fbk_display_backend(const struct fbk_display *display);

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
};

#ifdef __cplusplus
}
#endif

#endif
