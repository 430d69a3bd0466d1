/*
 * Internal: the DRM backend's choices that need no device: the mode=
 * option, connector names as libdrm spells them, which connector, mode and
 * CRTC to use, and the lists that error messages and fbkit-info print.
 * The structs are libdrm's, filled in by the kernel on a real card and by
 * hand in tests/backend/test_drm.c.
 */
#ifndef FBK_DRM_MODES_H
#define FBK_DRM_MODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xf86drmMode.h>

/* What mode=WxH[@HZ] asks for; refresh 0 means any. */
struct fbk_drm_mode_request {
	int32_t width, height;
	uint32_t refresh;
};

/*
 * Parse "WxH" or "WxH@HZ" (HZ a whole number, 1..1000). -EINVAL with a
 * message quoting the text otherwise.
 */
int fbk_drm_parse_mode(const char *text, struct fbk_drm_mode_request *out);

/*
 * The connector's name the way libdrm and the kernel spell it: the type's
 * name, '-', the index among connectors of that type ("HDMI-A-1",
 * "Virtual-1"). Types libdrm does not know print as "Type17-1".
 */
void fbk_drm_connector_name(uint32_t type, uint32_t type_id, char *out, size_t size);

/* "connected", "disconnected" or "unknown". */
const char *fbk_drm_connection_name(drmModeConnection connection);

/* The refresh rate in whole Hz: the kernel's vrefresh, else worked out from the timings. */
uint32_t fbk_drm_mode_refresh(const drmModeModeInfo *mode);

/* "1280x800@75", "1920x1080i@60" (interlaced). */
void fbk_drm_mode_name(const drmModeModeInfo *mode, char *out, size_t size);

/*
 * The connector to use: the one named `name` (compared without regard to
 * case), whatever its state; with name NULL, the first connected one that
 * offers modes. -1 when there is none.
 */
int fbk_drm_pick_connector(drmModeConnector *const *connectors, size_t n, const char *name);

/*
 * The mode to use: with `want`, one of its size (and refresh, when given),
 * the preferred one among those if any, else the first progressive one,
 * else the first; with want NULL, the preferred mode, else the first. -1
 * when nothing matches or there are no modes.
 */
int fbk_drm_pick_mode(const drmModeModeInfo *modes, size_t n,
		      const struct fbk_drm_mode_request *want);

/*
 * The CRTC to drive the connector, as an index into the card's CRTC list:
 * `current` (the one already driving it, or -1) if the encoders can reach
 * it, else the first reachable one that is not `busy` driving another
 * display. `possible` is the union of the connector's encoders'
 * possible_crtcs. -ENOSPC when every reachable CRTC is busy driving
 * other displays, -ENODEV when no CRTC is reachable at all. Not -EBUSY:
 * to the DRM backend and "auto" that means another program is DRM master,
 * where auto stops; here fbdev may still show a picture.
 */
int fbk_drm_pick_crtc(uint32_t possible, int current, const bool *busy, size_t count);

/*
 * Write "1280x800@75 (preferred), 1024x768@60, ..." for modes[first..]:
 * repeats of a name are left out, and entries stop before one that would
 * not fit in `size`. Returns the index of the first mode not listed (n
 * when all are), so a long list can be written in parts.
 */
size_t fbk_drm_list_modes(const drmModeModeInfo *modes, size_t n, size_t first, char *out,
			  size_t size);

/* "Virtual-1 (connected), VGA-1 (disconnected)", cut with "..." when too long. */
void fbk_drm_list_connectors(drmModeConnector *const *connectors, size_t n, char *out,
			     size_t size);

#endif
