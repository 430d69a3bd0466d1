/*
 * The DRM/KMS backend: dumb buffers on a CRTC, shown by page flips.
 *
 * Where drawing happens: in a shadow surface in system memory, never in a
 * dumb buffer. fbkit's blending reads the destination, and on real
 * hardware a dumb buffer is often write-combined or VRAM behind a PCI
 * window, where every read stalls (the kernel says as much with
 * DRM_CAP_DUMB_PREFER_SHADOW). On virtio and qxl dumb buffers are plain
 * memory and the shadow costs one copy of the changed pixels; on real
 * hardware it is what keeps blending fast. It also keeps the surface at
 * one address for the life of the display, and keeps present's promise
 * that only the rectangles given reach the screen.
 *
 * Present copies the changed rectangles from the shadow into the back
 * dumb buffer and flips to it, waiting for the flip event (so the frame
 * is on screen when present returns). A back buffer last shown two frames
 * ago first catches up on what changed since, copied from the front
 * buffer, which holds exactly what is on screen (damage.h); on a full
 * present that costs nothing, since all of it is overwritten anyway.
 * Without flips (the `no-flip` option, or a driver that refuses them) one
 * buffer is written in place and drmModeDirtyFB tells the driver which
 * rectangles changed: virtio, cirrus and qxl show nothing new without it.
 *
 * The previous CRTC (buffer, mode, connectors) is saved at open and put
 * back on close, and from fatal signals through a console hook with an
 * ioctl argument built in advance (async-signal-safe). With vt-switch,
 * DRM master is dropped when the VT goes and taken back, with the mode
 * set again, at the first present after it returns.
 *
 * This file is the card and what it drives (connector, mode, CRTC, the
 * saved CRTC, master, the VT hooks) and the display's open, describe and
 * close; drm_buffers.c makes the buffers and presents (drm.h between the
 * two); drm_modes.c makes the choices that need no device, and damage.c
 * keeps the swap chain's books.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "backend/drm.h"
#include "backend/drm_modes.h"
#include "core/format_list.h"
#include "platform/console.h"

#define MAX_CARDS 16

_Static_assert(sizeof(drmModeModeInfo) == sizeof(struct drm_mode_modeinfo),
	       "libdrm's mode info is the kernel's");

struct options {
	const char *device;    /* NULL: the first card that can show a picture */
	const char *connector; /* NULL: the first connected one */
	bool have_mode;
	struct fbk_drm_mode_request mode;
	const struct fbk_format_info *format;
	bool vt_switch, no_flip;
	unsigned console_flags; /* from the options every display takes */
	int rotation;
};

static void drm_close(struct fbk_display *display);
static void drm_describe(const struct fbk_display *display, struct fbk_describe *out);

static const struct fbk_display_ops drm_ops = {
	.present = fbk_drm_present,
	.close = drm_close,
	.describe = drm_describe,
	.needs_redraw = fbk_drm_needs_redraw,
	.read_front = fbk_drm_read_front,
	.read_rect = fbk_drm_read_rect,
	.cursor = fbk_drm_cursor,
	.frame_fd = fbk_drm_frame_fd,
	.frame_dispatch = fbk_drm_frame_dispatch,
	.frame_pending = fbk_drm_frame_pending,
	.frame_deadline = fbk_drm_frame_deadline,
};

/* ---------------------------------------------------------------- options */

static int parse_format(const char *name, const struct fbk_format_info **out)
{
	char known[160];
	fbk_format_names(known, sizeof(known));
	if (!name)
		return fbk_fail(-EINVAL, "option 'format' needs a value (format=NAME; known: %s)",
				known);
	*out = fbk_format_by_name(name);
	if (!*out)
		return fbk_fail(-EINVAL, "unknown format '%.64s' (known: %s)", name, known);
	return 0;
}

static int parse_options(const struct fbk_spec *spec, struct options *o)
{
	static const char *const known[] = { "connector", "mode", "format", "vt-switch", "no-flip",
					     NULL };
	int err = fbk_spec_check_keys(spec, known);
	if (err)
		return err;
	memset(o, 0, sizeof(*o));
	o->device = spec->argument;
	o->format = fbk_format_info(FBK_FORMAT_XRGB8888);
	if (fbk_spec_has(spec, "connector")) {
		o->connector = fbk_spec_get(spec, "connector");
		if (!o->connector)
			return fbk_fail(-EINVAL, "option 'connector' needs a value (connector=NAME, "
						 "e.g. HDMI-A-1; fbkit-info lists them)");
	}
	if (fbk_spec_has(spec, "mode")) {
		const char *mode = fbk_spec_get(spec, "mode");
		if (!mode)
			return fbk_fail(-EINVAL, "option 'mode' needs a value (mode=WxH or "
						 "mode=WxH@HZ)");
		err = fbk_drm_parse_mode(mode, &o->mode);
		if (err)
			return err;
		o->have_mode = true;
	}
	if (fbk_spec_has(spec, "format")) {
		err = parse_format(fbk_spec_get(spec, "format"), &o->format);
		if (err)
			return err;
	}
	o->console_flags = fbk_spec_console_flags(spec);
	err = fbk_spec_rotation(spec, &o->rotation);
	if (!err)
		err = fbk_spec_flag(spec, "vt-switch", &o->vt_switch);
	if (!err)
		err = fbk_spec_flag(spec, "no-flip", &o->no_flip);
	return err;
}

/* ---------------------------------------------------------------- the card */

/* Only a DRM primary node that can set modes passes; version names the driver. */
static int check_node(int fd, const char *path, char *driver, size_t size)
{
	drmVersionPtr version = drmGetVersion(fd);
	if (!version)
		return fbk_fail(-ENOTTY, "%s is not a DRM device (it does not answer "
					 "DRM_IOCTL_VERSION)",
				path);
	snprintf(driver, size, "%s (%s)", version->name ? version->name : "?",
		 version->desc ? version->desc : "?");
	drmFreeVersion(version);
	if (drmGetNodeTypeFromFd(fd) == DRM_NODE_RENDER)
		return fbk_fail(-ENOTTY, "%s is a render node, which cannot set modes; use the "
					 "card's primary node (/dev/dri/cardN)",
				path);
	if (!drmIsKMS(fd))
		return fbk_fail(-ENOTSUP, "%s (driver %s) cannot set display modes (no KMS: a "
					  "GPU for rendering only?)",
				path, driver);
	uint64_t dumb = 0;
	if (drmGetCap(fd, DRM_CAP_DUMB_BUFFER, &dumb) || !dumb)
		return fbk_fail(-ENOTSUP, "%s (driver %s) has no dumb buffers", path, driver);
	return 0;
}

/*
 * The first process to open a card becomes its master, the one allowed to
 * set modes; anyone else fails here, before the console or the screen is
 * touched.
 */
static int become_master(int fd, const char *path)
{
	if (drmIsMaster(fd) || !drmSetMaster(fd))
		return 0;
	return fbk_fail(-EBUSY, "%s: another program holds the display (it is DRM master: a "
				"display server such as X or a Wayland compositor, or another "
				"fbkit program); stop it, or run from a text console it does not "
				"use",
			path);
}

/* ---------------------------------------------------------------- connector, mode, CRTC */

static uint32_t encoder_crtc(int fd, uint32_t encoder_id, uint32_t *possible)
{
	drmModeEncoder *e = encoder_id ? drmModeGetEncoder(fd, encoder_id) : NULL;
	if (!e)
		return 0;
	uint32_t crtc = e->crtc_id;
	if (possible)
		*possible |= e->possible_crtcs;
	drmModeFreeEncoder(e);
	return crtc;
}

static int crtc_index(const drmModeRes *res, uint32_t crtc_id)
{
	for (int i = 0; crtc_id && i < res->count_crtcs; i++)
		if (res->crtcs[i] == crtc_id)
			return i;
	return -1;
}

static int pick_connector(const char *path, const struct options *o, drmModeConnector **conns,
			  size_t n, struct output *out)
{
	int i = fbk_drm_pick_connector(conns, n, o->connector);
	if (i < 0) {
		char list[400];
		fbk_drm_list_connectors(conns, n, list, sizeof(list));
		if (o->connector)
			return fbk_fail(-EINVAL, "%s: no connector named '%.48s' (connectors: %s)",
					path, o->connector, n ? list : "none");
		return fbk_fail(-ENOENT, "%s: no display is connected (connectors: %s)", path,
				n ? list : "none");
	}
	const drmModeConnector *c = conns[i];
	out->connector_id = c->connector_id;
	fbk_drm_connector_name(c->connector_type, c->connector_type_id, out->connector_name,
			       sizeof(out->connector_name));
	if (c->count_modes <= 0)
		return fbk_fail(-ENOENT, "%s: connector %s is %s and offers no modes", path,
				out->connector_name, fbk_drm_connection_name(c->connection));
	int m = fbk_drm_pick_mode(c->modes, (size_t)c->count_modes, o->have_mode ? &o->mode : NULL);
	if (m < 0) {
		char list[400], want[48];
		size_t listed = fbk_drm_list_modes(c->modes, (size_t)c->count_modes, 0, list,
						   sizeof(list) - 8);
		if (listed < (size_t)c->count_modes)
			strcat(list, ", ...");
		snprintf(want, sizeof(want), "%dx%d", (int)o->mode.width, (int)o->mode.height);
		if (o->mode.refresh)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "@%u",
				 (unsigned)o->mode.refresh);
		return fbk_fail(-EINVAL, "%s: connector %s does not offer mode %s (it offers: %s)",
				path, out->connector_name, want, list);
	}
	out->mode = c->modes[m];
	return i;
}

/* The CRTC already driving the connector, else a free one its encoders can reach. */
static int pick_crtc(int fd, const char *path, const drmModeRes *res, drmModeConnector **conns,
		     size_t n, size_t chosen, struct output *out)
{
	bool busy[32] = { false };
	uint32_t possible = 0;
	const drmModeConnector *c = conns[chosen];
	for (int i = 0; i < c->count_encoders; i++)
		encoder_crtc(fd, c->encoders[i], &possible);
	int current = crtc_index(res, encoder_crtc(fd, c->encoder_id, NULL));
	for (size_t i = 0; i < n; i++) {
		int other = i == chosen ? -1 : crtc_index(res, encoder_crtc(fd, conns[i]->encoder_id, NULL));
		if (other >= 0 && other < 32)
			busy[other] = true;
	}
	size_t count = res->count_crtcs > 0 ? (size_t)res->count_crtcs : 0;
	int index = fbk_drm_pick_crtc(possible, current, busy, count);
	if (index == -ENODEV)
		return fbk_fail(index, "%s: no CRTC can drive %s (its encoders reach none)", path,
				out->connector_name);
	if (index < 0)
		return fbk_fail(index, "%s: no CRTC is free to drive %s (each one it can use "
				       "drives another display)",
				path, out->connector_name);
	out->crtc_index = index;
	out->crtc_id = res->crtcs[index];
	/* Everything driven by that CRTC now comes back with it on close. */
	for (size_t i = 0; i < n && out->clone_count < MAX_CLONES; i++)
		if (encoder_crtc(fd, conns[i]->encoder_id, NULL) == out->crtc_id)
			out->clones[out->clone_count++] = conns[i]->connector_id;
	return 0;
}

static int save_crtc(int fd, const char *path, struct output *out)
{
	drmModeCrtc *saved = drmModeGetCrtc(fd, out->crtc_id);
	if (!saved) {
		int err = errno ? errno : EIO;
		return fbk_fail(-err, "%s: cannot read CRTC %u: %s", path, (unsigned)out->crtc_id,
				fbk_errstr(err));
	}
	out->saved = *saved;
	drmModeFreeCrtc(saved);
	return 0;
}

static int pick_output(int fd, const char *path, const struct options *o, struct output *out)
{
	drmModeRes *res = drmModeGetResources(fd);
	if (!res)
		return fbk_fail(-EIO, "%s: cannot read the display resources: %s", path,
				fbk_errstr(errno));
	size_t total = res->count_connectors > 0 ? (size_t)res->count_connectors : 0, n = 0;
	drmModeConnector **conns = calloc(total ? total : 1, sizeof(*conns));
	int err = conns ? 0 : fbk_fail(-ENOMEM, "out of memory");
	for (size_t i = 0; conns && i < total; i++) {
		/* Probes the connector: on real hardware that reads the monitor's EDID. */
		conns[n] = drmModeGetConnector(fd, res->connectors[i]);
		n += conns[n] != NULL;
	}
	memset(out, 0, sizeof(*out));
	int chosen = err ? err : pick_connector(path, o, conns, n, out);
	if (chosen >= 0)
		err = pick_crtc(fd, path, res, conns, n, (size_t)chosen, out);
	else
		err = chosen;
	if (!err)
		err = save_crtc(fd, path, out);
	for (size_t i = 0; i < n; i++)
		drmModeFreeConnector(conns[i]);
	free(conns);
	drmModeFreeResources(res);
	return err;
}

/* Open one card and choose its output; on failure nothing stays open. */
static int open_card(struct drm *d, const char *path, const struct options *o)
{
	int fd = fbk_open_device(path, "DRM", "is a DRM driver loaded? /dev/dri lists the cards");
	if (fd < 0)
		return fd;
	int err = check_node(fd, path, d->driver, sizeof(d->driver));
	if (!err)
		err = become_master(fd, path);
	if (!err)
		err = pick_output(fd, path, o, &d->out);
	if (!err) {
		d->device = strdup(path);
		if (!d->device)
			err = fbk_fail(-ENOMEM, "out of memory");
	}
	if (err) {
		close(fd);
		return err;
	}
	d->fd = fd;
	return 0;
}

static int compare_paths(const void *a, const void *b)
{
	return strverscmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * No card named: the first one, in name order (card0, card1, ..., card10),
 * where everything works; the error says why each failed. libdrm lists
 * devices in directory order, which is no order at all.
 */
static int find_card(struct drm *d, const struct options *o)
{
	drmDevicePtr devices[MAX_CARDS];
	const char *paths[MAX_CARDS];
	int count = drmGetDevices2(0, devices, MAX_CARDS);
	/* libdrm returns how many devices exist, even past what it stored. */
	if (count > MAX_CARDS)
		count = MAX_CARDS;
	if (count <= 0)
		return fbk_fail(-ENOENT, "no DRM device found (/dev/dri has no cards: is a "
					 "display driver loaded?)");
	size_t cards = 0;
	for (int i = 0; i < count; i++)
		if (devices[i]->available_nodes & (1 << DRM_NODE_PRIMARY))
			paths[cards++] = devices[i]->nodes[DRM_NODE_PRIMARY];
	qsort(paths, cards, sizeof(paths[0]), compare_paths);
	struct fbk_failures failed = { 0, "" };
	for (size_t i = 0; i < cards; i++) {
		int err = open_card(d, paths[i], o);
		if (!err) {
			failed.err = 0;
			break;
		}
		fbk_failures_add(&failed, err);
	}
	drmFreeDevices(devices, count);
	if (!failed.err && d->fd < 0)
		return fbk_fail(-ENOENT, "no DRM card found (only render nodes in /dev/dri)");
	if (failed.err)
		return fbk_fail(failed.err, "%s", failed.reasons);
	return 0;
}

/* ---------------------------------------------------------------- the primary plane's formats */

static const char *fourcc_name(uint32_t fourcc, char out[5])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)(fourcc >> (8 * i));
		out[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	out[4] = '\0';
	return out;
}

static uint32_t plane_type(int fd, uint32_t plane_id)
{
	uint32_t type = UINT32_MAX;
	drmModeObjectProperties *props = drmModeObjectGetProperties(fd, plane_id,
								    DRM_MODE_OBJECT_PLANE);
	for (uint32_t i = 0; props && i < props->count_props; i++) {
		drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);
		if (p && !strcmp(p->name, "type"))
			type = (uint32_t)props->prop_values[i];
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return type;
}

/*
 * The formats the CRTC's primary plane scans out. Unknown (left NULL) on
 * drivers without universal planes; then AddFB2 and SetCrtc decide.
 */
static void read_plane_formats(struct drm *d)
{
	if (drmSetClientCap(d->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1))
		return;
	drmModePlaneRes *planes = drmModeGetPlaneResources(d->fd);
	for (uint32_t i = 0; planes && i < planes->count_planes && !d->plane_formats; i++) {
		drmModePlane *p = drmModeGetPlane(d->fd, planes->planes[i]);
		if (p && (p->possible_crtcs & (1u << d->out.crtc_index)) &&
		    plane_type(d->fd, p->plane_id) == DRM_PLANE_TYPE_PRIMARY && p->count_formats) {
			d->plane_formats = malloc(p->count_formats * sizeof(uint32_t));
			if (d->plane_formats) {
				memcpy(d->plane_formats, p->formats,
				       p->count_formats * sizeof(uint32_t));
				d->plane_format_count = p->count_formats;
			}
		}
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(planes);
}

static void list_plane_formats(const struct drm *d, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < d->plane_format_count && used < size; i++) {
		char name[5];
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "",
					 fourcc_name(d->plane_formats[i], name));
	}
}

static int check_format(const struct drm *d, const struct fbk_format_info *format)
{
	for (size_t i = 0; i < d->plane_format_count; i++)
		if (d->plane_formats[i] == format->fourcc)
			return 0;
	if (!d->plane_formats)
		return 0;
	char list[256];
	list_plane_formats(d, list, sizeof(list));
	return fbk_fail(-ENOTSUP, "%s: the display cannot show %s (%s); CRTC %u's primary plane "
				  "takes: %s",
			d->device, format->name, format->long_name, (unsigned)d->out.crtc_id, list);
}

/* ---------------------------------------------------------------- the CRTC */

int fbk_drm_master_lost(const struct drm *d, const char *doing)
{
	return fbk_fail(-EBUSY, "%s: cannot %s: this program is not DRM master any more "
				"(another program holds the display)",
			d->device, doing);
}

int fbk_drm_not_forked(const struct drm *d, const char *doing)
{
	if (!fbk_console_forked(d->console))
		return 0;
	return fbk_fail(-EPERM, "%s: cannot %s in a fork()ed child: the card's file, its DRM "
				"master and flip events are shared with the process that opened the "
				"display, whose screen it would change; let that process do it",
			d->device, doing);
}

int fbk_drm_show_buffer(struct drm *d, size_t index)
{
	uint32_t connector = d->out.connector_id;
	int err = drmModeSetCrtc(d->fd, d->out.crtc_id, d->buffers[index].fb_id, 0, 0, &connector,
				 1, &d->out.mode);
	if (!err)
		return 0;
	if (err == -EACCES || err == -EPERM)
		return fbk_drm_master_lost(d, "set the mode");
	char mode[48];
	fbk_drm_mode_name(&d->out.mode, mode, sizeof(mode));
	return fbk_fail(err, "%s: cannot show %s on %s (CRTC %u): %s", d->device, mode,
			d->out.connector_name, (unsigned)d->out.crtc_id, fbk_errstr(-err));
}

/*
 * The previous CRTC as one SETCRTC argument, built now so that a signal
 * handler only has to issue it. A CRTC that was off is switched off.
 */
static void prepare_restore(struct drm *d)
{
	const drmModeCrtc *saved = &d->out.saved;
	struct drm_mode_crtc *arg = &d->restore_arg;
	memset(arg, 0, sizeof(*arg));
	arg->crtc_id = d->out.crtc_id;
	if (!saved->mode_valid || !saved->buffer_id)
		return;
	if (!d->out.clone_count)
		d->out.clones[d->out.clone_count++] = d->out.connector_id;
	arg->set_connectors_ptr = (uint64_t)(uintptr_t)d->out.clones;
	arg->count_connectors = d->out.clone_count;
	arg->fb_id = saved->buffer_id;
	arg->x = saved->x;
	arg->y = saved->y;
	arg->mode_valid = 1;
	memcpy(&arg->mode, &saved->mode, sizeof(arg->mode));
}

static int restore_crtc(const struct drm *d)
{
	/* A copy: the ioctl writes its argument back. */
	struct drm_mode_crtc arg = d->restore_arg;
	return ioctl(d->fd, DRM_IOCTL_MODE_SETCRTC, &arg) ? -errno : 0;
}

/* Console hooks: called in signal handlers, so a prepared ioctl or two and nothing else. */
static void restore_from_signal(void *data)
{
	fbk_drm_cursor_off_from_signal(data);
	restore_crtc(data);
}

static void release_from_signal(void *data)
{
	struct drm *d = data;
	/* Whoever takes the screen next must not find our cursor on it. */
	fbk_drm_cursor_off_from_signal(d);
	if (!ioctl(d->fd, DRM_IOCTL_DROP_MASTER, NULL))
		atomic_store(&d->master_dropped, true);
}

/* After a VT switch or a handled signal: master again, and our buffer back on the CRTC. */
int fbk_drm_take_screen_back(struct drm *d)
{
	if (atomic_load(&d->master_dropped)) {
		if (drmSetMaster(d->fd))
			return fbk_fail(-EBUSY, "%s: cannot take the display back after the VT "
						"switch: another program is DRM master",
					d->device);
		atomic_store(&d->master_dropped, false);
	}
	return fbk_drm_show_buffer(d, d->swap.front);
}

/* ---------------------------------------------------------------- open */

static int prepare_surface(struct drm *d, const struct options *o)
{
	d->base.surface = (struct fbk_surface){
		.width = d->out.mode.hdisplay,
		.height = d->out.mode.vdisplay,
		.format = o->format->fourcc,
	};
	if (!d->out.mode.hdisplay || !d->out.mode.vdisplay ||
	    d->out.mode.hdisplay > FBK_MAX_DIMENSION || d->out.mode.vdisplay > FBK_MAX_DIMENSION)
		return fbk_fail(-EFBIG, "%s: mode %ux%u is outside 1x1..%dx%d", d->device,
				(unsigned)d->out.mode.hdisplay, (unsigned)d->out.mode.vdisplay,
				FBK_MAX_DIMENSION, FBK_MAX_DIMENSION);
	/* mode.clock is in kHz */
	d->base.frame_interval = fbk_refresh_interval((uint64_t)d->out.mode.clock * 1000u,
						      d->out.mode.htotal, d->out.mode.vtotal);
	read_plane_formats(d);
	return check_format(d, o->format);
}

/* From here on the console and the screen are ours; undone in reverse on failure. */
static int take_screen(struct drm *d, const struct options *o)
{
	int err = fbk_console_acquire(&d->console, (o->vt_switch ? FBK_CONSOLE_VT_SWITCH : 0) |
							   o->console_flags);
	if (err)
		return fbk_fail_context(err, d->device);
	prepare_restore(d);
	fbk_drm_cursor_prepare(d);
	const struct fbk_console_hooks hooks = { restore_from_signal, release_from_signal, d };
	err = fbk_console_set_hooks(d->console, &hooks);
	if (err)
		goto fail_console;
	err = fbk_drm_show_buffer(d, d->swap.front);
	if (err)
		goto fail_hooks;
	/* The buffer on screen is black, as the shadow is. */
	fbk_present_init(&d->present, d->console, false);
	return 0;

fail_hooks:
	fbk_console_set_hooks(d->console, NULL);
fail_console:
	fbk_console_release(d->console);
	d->console = NULL;
	return err;
}

/*
 * Order: everything that can refuse (no card, no master, no such
 * connector or mode, a format the plane lacks) happens before the console
 * or the CRTC is touched, so a failed open leaves both as they were.
 */
int fbk_drm_open(struct fbk_display **out, const struct fbk_spec *spec)
{
	struct options o;
	int err = parse_options(spec, &o);
	if (err)
		return err;
	struct drm *d = calloc(1, sizeof(*d));
	if (!d)
		return fbk_fail(-ENOMEM, "out of memory");
	d->base.ops = &drm_ops;
	d->base.backend_name = "drm";
	d->base.rotation = o.rotation;
	d->fd = -1;
	d->flipping = !o.no_flip;
	if (o.no_flip)
		snprintf(d->no_flip_reason, sizeof(d->no_flip_reason), "the no-flip option");
	err = o.device ? open_card(d, o.device, &o) : find_card(d, &o);
	if (err)
		goto fail_struct;
	err = prepare_surface(d, &o);
	if (err)
		goto fail_card;
	err = fbk_drm_buffers_create(d, o.no_flip ? 1 : 2);
	if (err)
		goto fail_card;
	err = take_screen(d, &o);
	if (err)
		goto fail_buffers;
	*out = &d->base;
	return 0;

fail_buffers:
	fbk_drm_buffers_destroy(d);
fail_card:
	free(d->plane_formats);
	close(d->fd);
	free(d->device);
fail_struct:
	free(d);
	return err;
}

/* ---------------------------------------------------------------- describe */

static void describe_connector(const struct drm *d, const drmModeConnector *c,
			       struct fbk_describe *out)
{
	char name[48], key[64], list[200];
	fbk_drm_connector_name(c->connector_type, c->connector_type_id, name, sizeof(name));
	snprintf(key, sizeof(key), "connector %s", name);
	fbk_describe_line(out, key, "%s, %d mode%s%s", fbk_drm_connection_name(c->connection),
			  c->count_modes, c->count_modes == 1 ? "" : "s",
			  c->connector_id == d->out.connector_id ? " (in use)" : "");
	snprintf(key, sizeof(key), "modes %s", name);
	size_t count = c->count_modes > 0 ? (size_t)c->count_modes : 0;
	for (size_t next = 0; next < count;) {
		size_t after = fbk_drm_list_modes(c->modes, count, next, list, sizeof(list));
		if (after == next)
			break; /* cannot happen: one mode always fits */
		fbk_describe_line(out, key, "%s", list);
		next = after;
	}
}

/* Without probing (drmModeGetConnectorCurrent): describing must not block on a monitor. */
static void describe_connectors(const struct drm *d, struct fbk_describe *out)
{
	drmModeRes *res = drmModeGetResources(d->fd);
	for (int i = 0; res && i < res->count_connectors; i++) {
		drmModeConnector *c = drmModeGetConnectorCurrent(d->fd, res->connectors[i]);
		if (c)
			describe_connector(d, c, out);
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
}

static void drm_describe(const struct fbk_display *display, struct fbk_describe *out)
{
	const struct drm *d = (const struct drm *)display;
	const drmModeCrtc *saved = &d->out.saved;
	char mode[48], console[64], formats[256];
	fbk_describe_line(out, "device", "%s", d->device);
	fbk_describe_line(out, "driver", "%s", d->driver);
	fbk_describe_line(out, "connector", "%s (id %u)", d->out.connector_name,
			  (unsigned)d->out.connector_id);
	fbk_drm_mode_name(&d->out.mode, mode, sizeof(mode));
	fbk_describe_line(out, "video mode", "%s, pixel clock %u kHz%s", mode,
			  (unsigned)d->out.mode.clock,
			  (d->out.mode.type & DRM_MODE_TYPE_PREFERRED) ? ", preferred" : "");
	fbk_describe_line(out, "crtc", "%u (index %d)", (unsigned)d->out.crtc_id,
			  d->out.crtc_index);
	fbk_drm_mode_name(&saved->mode, mode, sizeof(mode));
	if (saved->mode_valid && saved->buffer_id)
		fbk_describe_line(out, "previous crtc", "framebuffer %u, %s, restored on close",
				  (unsigned)saved->buffer_id, mode);
	else
		fbk_describe_line(out, "previous crtc", "off, switched off again on close");
	fbk_describe_line(out, "buffers", "%zu dumb buffer%s, pitch %u, %zu bytes each",
			  d->buffer_count, d->buffer_count == 1 ? "" : "s",
			  (unsigned)d->buffers[0].pitch, d->buffers[0].size);
	fbk_drm_describe_present(d, out);
	fbk_describe_line(out, "master", "%s",
			  atomic_load(&d->master_dropped) ? "no (dropped for a VT switch)" : "yes");
	fbk_console_describe(d->console, console, sizeof(console));
	fbk_describe_line(out, "console", "%s", console);
	list_plane_formats(d, formats, sizeof(formats));
	fbk_describe_line(out, "primary plane formats", "%s",
			  d->plane_formats ? formats : "unknown (no universal planes)");
	describe_connectors(d, out);
}

/* ---------------------------------------------------------------- close */

/* Release in reverse order of fbk_drm_open. */
static void drm_close(struct fbk_display *display)
{
	struct drm *d = (struct drm *)display;
	/* A forked child: the flip event, framebuffers and dumb buffers are the parent's. */
	bool forked = fbk_console_forked(d->console);
	if (d->flip_pending && !forked)
		fbk_drm_wait_flip(d); /* its buffer must not go while the flip is queued */
	/* Only touch the CRTC while the screen is ours. */
	if (fbk_console_begin_access(d->console)) {
		/* Back from a VT switch but not presented since: master is still dropped. */
		if (atomic_load(&d->master_dropped) && !drmSetMaster(d->fd))
			atomic_store(&d->master_dropped, false);
		fbk_drm_cursor_destroy(d, true, forked);
		int err = restore_crtc(d);
		if (err)
			fbk_log(FBK_LOG_WARNING, "%s: cannot restore the previous CRTC: %s",
				d->device, fbk_errstr(-err));
		fbk_console_end_access(d->console);
	}
	fbk_drm_cursor_destroy(d, false, forked);
	fbk_console_set_hooks(d->console, NULL);
	fbk_console_release(d->console);
	for (size_t i = 0; forked && i < d->buffer_count; i++)
		d->buffers[i].fb_id = d->buffers[i].handle = 0; /* unmapped, never destroyed */
	fbk_drm_buffers_destroy(d);
	free(d->plane_formats);
	close(d->fd);
	free(d->device);
	free(d);
}
