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
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "backend/backend.h"
#include "platform/console.h"
#include "backend/damage.h"
#include "backend/drm_modes.h"
#include "core/overflow.h"

#define FLIP_TIMEOUT_MS 1000
#define STRIDE_ALIGN 16 /* the shadow's rows, as fbk_surface_create pads them */
#define MAX_CARDS 16
#define MAX_CLONES 8  /* connectors one CRTC drove before us */
#define MAX_BUFFERS 2
#define DIRTY_CHUNK 32 /* clips per DirtyFB call; the kernel takes up to 256 */

_Static_assert(sizeof(drmModeModeInfo) == sizeof(struct drm_mode_modeinfo),
	       "libdrm's mode info is the kernel's");

enum probe { PROBE_UNTRIED, PROBE_WORKS, PROBE_UNSUPPORTED };

struct options {
	const char *device;    /* NULL: the first card that can show a picture */
	const char *connector; /* NULL: the first connected one */
	bool have_mode;
	struct fbk_drm_mode_request mode;
	const struct fbk_format_info *format;
	bool vt_switch, no_flip;
	unsigned console_flags; /* from the options every display takes */
};

/* What drives the picture, and what the CRTC showed before. */
struct output {
	uint32_t connector_id;
	char connector_name[48];
	drmModeModeInfo mode;
	uint32_t crtc_id;
	int crtc_index;
	drmModeCrtc saved;
	uint32_t clones[MAX_CLONES]; /* connectors on the CRTC before us */
	uint32_t clone_count;
};

struct dumb {
	uint32_t handle; /* 0 until created */
	uint32_t fb_id;
	uint32_t pitch;
	size_t size;
	uint8_t *map;
};

struct flip_stats {
	unsigned count;
	double sum_ms, min_ms, max_ms;
};

struct drm {
	struct fbk_display base; /* first: the registry casts between the two */
	int fd;
	char *device;
	char driver[96];
	struct output out;
	uint32_t *plane_formats; /* the primary plane's, or NULL when unknown */
	size_t plane_format_count;
	struct dumb buffers[MAX_BUFFERS];
	size_t buffer_count;
	struct fbk_swap swap;
	void *shadow; /* the surface's pixels */
	size_t shadow_size;
	struct drm_mode_crtc restore_arg; /* the previous CRTC, ready for a signal handler */
	struct fbk_console *console;
	unsigned repainted; /* console lost count the screen was last set up for */
	unsigned reported;  /* lost count fbk_display_needs_redraw last reported */
	atomic_bool master_dropped;
	bool flipping;
	char no_flip_reason[160]; /* why one buffer is written in place */
	bool flip_pending;
	struct timespec flip_start;
	struct flip_stats flips;
	enum probe dirty;
	bool clips_from_left; /* see mark_dirty */
};

static int drm_present(struct fbk_display *display, const struct fbk_rect *rects, size_t n);
static void drm_close(struct fbk_display *display);
static void drm_describe(const struct fbk_display *display, struct fbk_describe *out);
static bool drm_needs_redraw(struct fbk_display *display);

static const struct fbk_display_ops drm_ops = {
	.present = drm_present,
	.close = drm_close,
	.describe = drm_describe,
	.needs_redraw = drm_needs_redraw,
};

/* ---------------------------------------------------------------- options */

static int parse_flag(const struct fbk_spec *spec, const char *key, bool *out)
{
	*out = fbk_spec_has(spec, key);
	if (*out && fbk_spec_get(spec, key))
		return fbk_fail(-EINVAL, "option '%s' takes no value (write just '%s')", key, key);
	return 0;
}

static int parse_format(const char *name, const struct fbk_format_info **out)
{
	char known[160] = "";
	size_t used = 0;
	for (size_t i = 0; fbk_format_at(i) && used < sizeof(known); i++)
		used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
					 fbk_format_at(i)->name);
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
	err = parse_flag(spec, "vt-switch", &o->vt_switch);
	if (!err)
		err = parse_flag(spec, "no-flip", &o->no_flip);
	return err;
}

/* ---------------------------------------------------------------- the card */

static int open_failure(const char *path, int err)
{
	switch (err) {
	case ENOENT:
		return fbk_fail(-ENOENT, "%s: no such device (is a DRM driver loaded? /dev/dri "
					 "lists the cards)",
				path);
	case EACCES:
	case EPERM:
		return fbk_fail(-EACCES, "%s: permission denied (run as root, or as a user in "
					 "the group that owns it, usually 'video')",
				path);
	default:
		return fbk_fail(-err, "%s: cannot open: %s", path, fbk_errstr(err));
	}
}

/* Only a DRM primary node that can set modes passes; version names the driver. */
static int check_node(int fd, const char *path, char *driver, size_t size)
{
	struct stat st;
	if (fstat(fd, &st))
		return fbk_fail(-errno, "%s: cannot stat: %s", path, fbk_errstr(errno));
	if (!S_ISCHR(st.st_mode))
		return fbk_fail(-ENOTTY, "%s is not a DRM device (not a character device)", path);
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
	if (index < 0)
		return fbk_fail(-EBUSY, "%s: no CRTC is free to drive %s (each one it can use "
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
	/* O_NONBLOCK: naming a FIFO must not hang; O_NOCTTY: nor adopt a tty. */
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return open_failure(path, errno);
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
	char reasons[700] = "";
	int first_err = 0;
	for (size_t i = 0; i < cards; i++) {
		int err = open_card(d, paths[i], o);
		if (!err) {
			first_err = 0;
			break;
		}
		if (!first_err || first_err == -ENOTSUP)
			first_err = err;
		size_t used = strlen(reasons);
		snprintf(reasons + used, sizeof(reasons) - used, "%s%s", used ? "; " : "",
			 fbk_last_error());
	}
	drmFreeDevices(devices, count);
	if (!first_err && d->fd < 0)
		return fbk_fail(-ENOENT, "no DRM card found (only render nodes in /dev/dri)");
	if (first_err)
		return fbk_fail(first_err, "%s", reasons);
	return 0;
}

/* ---------------------------------------------------------------- format and buffers */

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

static void destroy_dumb(int fd, struct dumb *b)
{
	if (b->map)
		munmap(b->map, b->size);
	if (b->fb_id)
		drmModeRmFB(fd, b->fb_id);
	if (b->handle) {
		struct drm_mode_destroy_dumb destroy = { .handle = b->handle };
		drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	}
	memset(b, 0, sizeof(*b));
}

static int add_framebuffer(struct drm *d, struct dumb *b, int32_t w, int32_t h)
{
	const struct fbk_format_info *f = fbk_format_info(d->base.surface.format);
	uint32_t handles[4] = { b->handle }, pitches[4] = { b->pitch }, offsets[4] = { 0 };
	int err = drmModeAddFB2(d->fd, (uint32_t)w, (uint32_t)h, f->fourcc, handles, pitches,
				offsets, &b->fb_id, 0);
	if (!err)
		return 0;
	b->fb_id = 0;
	if (err == -EINVAL)
		return fbk_fail(-ENOTSUP, "%s: the driver does not take %s (%s) framebuffers",
				d->device, f->name, f->long_name);
	return fbk_fail(err, "%s: cannot make a framebuffer of a dumb buffer: %s", d->device,
			fbk_errstr(-err));
}

/* One dumb buffer: created, made a framebuffer, mapped, and cleared to black. */
static int create_dumb(struct drm *d, struct dumb *b, int32_t w, int32_t h)
{
	const struct fbk_format_info *f = fbk_format_info(d->base.surface.format);
	struct drm_mode_create_dumb create = {
		.width = (uint32_t)w, .height = (uint32_t)h, .bpp = f->bytes_per_pixel * 8u
	};
	if (drmIoctl(d->fd, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return fbk_fail(-errno, "%s: cannot create a %dx%d dumb buffer: %s", d->device,
				(int)w, (int)h, fbk_errstr(errno));
	b->handle = create.handle;
	b->pitch = create.pitch;
	int err = 0;
	if (create.size > SIZE_MAX || create.pitch < (uint64_t)w * f->bytes_per_pixel ||
	    create.size < (uint64_t)create.pitch * (uint64_t)h) {
		err = fbk_fail(-EIO, "%s: the driver made a dumb buffer that cannot hold %dx%d "
				     "(pitch %u, size %llu)",
			       d->device, (int)w, (int)h, (unsigned)create.pitch,
			       (unsigned long long)create.size);
		goto fail;
	}
	b->size = (size_t)create.size;
	err = add_framebuffer(d, b, w, h);
	if (err)
		goto fail;
	struct drm_mode_map_dumb map = { .handle = b->handle };
	if (drmIoctl(d->fd, DRM_IOCTL_MODE_MAP_DUMB, &map)) {
		err = fbk_fail(-errno, "%s: cannot map a dumb buffer: %s", d->device,
			       fbk_errstr(errno));
		goto fail;
	}
	void *pixels = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
			    (off_t)map.offset);
	if (pixels == MAP_FAILED) {
		err = fbk_fail(-errno, "%s: cannot map %zu bytes of a dumb buffer: %s", d->device,
			       b->size, fbk_errstr(errno));
		goto fail;
	}
	b->map = pixels;
	memset(b->map, 0, b->size); /* writes only: cheap even in write-combined memory */
	return 0;

fail:
	destroy_dumb(d->fd, b);
	return err;
}

static int create_buffers(struct drm *d, size_t count)
{
	const struct fbk_surface *s = &d->base.surface;
	for (size_t i = 0; i < count; i++) {
		int err = create_dumb(d, &d->buffers[i], s->width, s->height);
		if (err) {
			while (i--)
				destroy_dumb(d->fd, &d->buffers[i]);
			return err;
		}
	}
	d->buffer_count = count;
	fbk_swap_init(&d->swap, count);
	return 0;
}

static void destroy_buffers(struct drm *d)
{
	for (size_t i = d->buffer_count; i--;)
		destroy_dumb(d->fd, &d->buffers[i]);
	d->buffer_count = 0;
}

/*
 * cirrus in Linux 6.1 shows 32-bit framebuffers by converting them to its
 * 24-bit mode, and places a converted clip at x1 * 4 bytes into a row of 3
 * bytes per pixel: a clip that does not start at x = 0 lands too far
 * right (seen in tests/vm). Clips that start at the left edge are right.
 */
static bool needs_clips_from_left(const struct drm *d)
{
	return !strncmp(d->driver, "cirrus ", 7) &&
	       fbk_format_info(d->base.surface.format)->bytes_per_pixel == 4;
}

/* The surface the application draws on: system memory, zeroed (black) like the buffers. */
static int make_shadow(struct drm *d)
{
	struct fbk_surface *s = &d->base.surface;
	size_t row = (size_t)s->width * fbk_format_info(s->format)->bytes_per_pixel;
	size_t stride = (row + STRIDE_ALIGN - 1) / STRIDE_ALIGN * STRIDE_ALIGN, size;
	if (fbk_mul_overflows(stride, (size_t)s->height, &size))
		return fbk_fail(-EFBIG, "%s: a %dx%d surface does not fit in memory", d->device,
				(int)s->width, (int)s->height);
	void *pixels = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pixels == MAP_FAILED)
		return fbk_fail(-ENOMEM, "%s: no memory for a %zu-byte surface: %s", d->device,
				size, fbk_errstr(errno));
	d->shadow = pixels;
	d->shadow_size = size;
	s->pixels = pixels;
	s->stride = stride;
	s->clip = (struct fbk_rect){ 0, 0, s->width, s->height };
	return 0;
}

/* ---------------------------------------------------------------- the CRTC */

static int master_lost(const struct drm *d, const char *doing)
{
	return fbk_fail(-EBUSY, "%s: cannot %s: this program is not DRM master any more "
				"(another program holds the display)",
			d->device, doing);
}

static int show_buffer(struct drm *d, size_t index)
{
	uint32_t connector = d->out.connector_id;
	int err = drmModeSetCrtc(d->fd, d->out.crtc_id, d->buffers[index].fb_id, 0, 0, &connector,
				 1, &d->out.mode);
	if (!err)
		return 0;
	if (err == -EACCES || err == -EPERM)
		return master_lost(d, "set the mode");
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

/* Console hooks: called in signal handlers, so one ioctl each and nothing else. */
static void restore_from_signal(void *data)
{
	restore_crtc(data);
}

static void release_from_signal(void *data)
{
	struct drm *d = data;
	if (!ioctl(d->fd, DRM_IOCTL_DROP_MASTER, NULL))
		atomic_store(&d->master_dropped, true);
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
	const struct fbk_console_hooks hooks = { restore_from_signal, release_from_signal, d };
	err = fbk_console_set_hooks(d->console, &hooks);
	if (err)
		goto fail_console;
	err = show_buffer(d, d->swap.front);
	if (err)
		goto fail_hooks;
	d->repainted = d->reported = fbk_console_lost_count(d->console);
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
	err = create_buffers(d, o.no_flip ? 1 : 2);
	if (err)
		goto fail_card;
	err = make_shadow(d);
	if (err)
		goto fail_buffers;
	d->clips_from_left = needs_clips_from_left(d);
	err = take_screen(d, &o);
	if (err)
		goto fail_shadow;
	*out = &d->base;
	return 0;

fail_shadow:
	munmap(d->shadow, d->shadow_size);
fail_buffers:
	destroy_buffers(d);
fail_card:
	free(d->plane_formats);
	close(d->fd);
	free(d->device);
fail_struct:
	free(d);
	return err;
}

/* ---------------------------------------------------------------- present */

static double elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - since->tv_nsec) / 1e6;
}

static void on_flip(int fd, unsigned sequence, unsigned sec, unsigned usec, void *data)
{
	(void)fd;
	(void)sequence;
	(void)sec;
	(void)usec;
	struct drm *d = data;
	double ms = elapsed_ms(&d->flip_start);
	struct flip_stats *f = &d->flips;
	if (!f->count || ms < f->min_ms)
		f->min_ms = ms;
	if (ms > f->max_ms)
		f->max_ms = ms;
	f->sum_ms += ms;
	f->count++;
	d->flip_pending = false;
}

/* Wait for the pending flip's event. -ETIMEDOUT when it has not come within the timeout. */
static int wait_flip(struct drm *d)
{
	drmEventContext events = { .version = 2, .page_flip_handler = on_flip };
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (d->flip_pending) {
		int left = FLIP_TIMEOUT_MS - (int)elapsed_ms(&start);
		struct pollfd p = { .fd = d->fd, .events = POLLIN };
		int ready = left > 0 ? poll(&p, 1, left) : 0;
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready < 0)
			return fbk_fail(-errno, "%s: waiting for the page flip: %s", d->device,
					fbk_errstr(errno));
		if (ready == 0)
			return fbk_fail(-ETIMEDOUT, "%s: the page flip did not complete within %d ms",
					d->device, FLIP_TIMEOUT_MS);
		if (drmHandleEvent(d->fd, &events) && errno != EAGAIN && errno != EINTR)
			return fbk_fail(-EIO, "%s: cannot read the page flip event: %s", d->device,
					fbk_errstr(errno));
	}
	return 0;
}

static void copy_from_shadow(struct drm *d, size_t buffer, const struct fbk_rect *rects,
			     size_t n)
{
	const struct fbk_surface *s = &d->base.geometry;
	size_t bpp = fbk_format_info(s->format)->bytes_per_pixel;
	const struct dumb *b = &d->buffers[buffer];
	for (size_t i = 0; i < n; i++)
		fbk_copy_rect(b->map, b->pitch, s->pixels, s->stride, &rects[i], bpp);
}

/* Tell the driver which rectangles of a buffer on screen changed; stop asking if it cannot. */
static int mark_dirty(struct drm *d, uint32_t fb_id, const struct fbk_rect *rects, size_t n)
{
	for (size_t done = 0; done < n && d->dirty != PROBE_UNSUPPORTED;) {
		drmModeClip clips[DIRTY_CHUNK];
		size_t count = n - done < DIRTY_CHUNK ? n - done : DIRTY_CHUNK;
		for (size_t i = 0; i < count; i++) {
			const struct fbk_rect *r = &rects[done + i];
			int32_t x = d->clips_from_left ? 0 : r->x;
			clips[i] = (drmModeClip){ (uint16_t)x, (uint16_t)r->y,
						  (uint16_t)(r->x + r->w), (uint16_t)(r->y + r->h) };
		}
		int err = drmModeDirtyFB(d->fd, fb_id, clips, (uint32_t)count);
		if (err == -ENOSYS || err == -EOPNOTSUPP) {
			/* bochs: the picture shows without it. */
			d->dirty = PROBE_UNSUPPORTED;
			fbk_log(FBK_LOG_DEBUG, "%s: the driver has no DirtyFB (%s); not asking again",
				d->device, fbk_errstr(-err));
			return 0;
		}
		if (err == -EACCES || err == -EPERM)
			return master_lost(d, "update the screen");
		if (err)
			return fbk_fail(-EIO, "%s: the driver did not take the changed rectangles "
					      "(DirtyFB: %s)",
					d->device, fbk_errstr(-err));
		d->dirty = PROBE_WORKS;
		done += count;
	}
	return 0;
}

static int present_in_place(struct drm *d, const struct fbk_rect *rects, size_t n)
{
	copy_from_shadow(d, d->swap.front, rects, n);
	return mark_dirty(d, d->buffers[d->swap.front].fb_id, rects, n);
}

/* Flipping failed for good: one buffer from now on, and say so once. */
static int stop_flipping(struct drm *d, const char *why, const struct fbk_rect *rects, size_t n)
{
	d->flipping = false;
	snprintf(d->no_flip_reason, sizeof(d->no_flip_reason), "%s", why);
	fbk_log(FBK_LOG_WARNING, "%s: %s; drawing into the buffer on screen from now on "
				 "(frames may tear)",
		d->device, why);
	fbk_swap_single(&d->swap);
	return present_in_place(d, rects, n);
}

static int present_flip(struct drm *d, const struct fbk_rect *rects, size_t n)
{
	const struct fbk_surface *s = &d->base.geometry;
	size_t bpp = fbk_format_info(s->format)->bytes_per_pixel;
	size_t back = fbk_swap_back(&d->swap);
	const struct dumb *front = &d->buffers[d->swap.front], *to = &d->buffers[back];
	struct fbk_rect lag[FBK_DAMAGE_MAX_RECTS];
	size_t lagging = fbk_swap_catch_up(&d->swap, rects, n, lag);
	for (size_t i = 0; i < lagging; i++)
		fbk_copy_rect(to->map, to->pitch, front->map, front->pitch, &lag[i], bpp);
	copy_from_shadow(d, back, rects, n);

	clock_gettime(CLOCK_MONOTONIC, &d->flip_start);
	int err = drmModePageFlip(d->fd, d->out.crtc_id, to->fb_id, DRM_MODE_PAGE_FLIP_EVENT, d);
	if (err == -EACCES || err == -EPERM) {
		fbk_swap_spoil(&d->swap, rects, n);
		return master_lost(d, "flip pages");
	}
	if (err) {
		char why[160];
		snprintf(why, sizeof(why), "page flips fail (%s)", fbk_errstr(-err));
		return stop_flipping(d, why, rects, n);
	}
	d->flip_pending = true;
	err = wait_flip(d);
	if (!err)
		fbk_swap_shown(&d->swap, rects, n);
	return err;
}

/*
 * A flip from an earlier present whose event never came within the
 * timeout. Wait once more; if it is still missing, show the newest buffer
 * with SetCrtc (which does not depend on the event) and stop flipping.
 */
static int finish_late_flip(struct drm *d)
{
	const struct fbk_surface *s = &d->base.geometry;
	struct fbk_rect all = { 0, 0, s->width, s->height };
	int err = wait_flip(d);
	if (err != -ETIMEDOUT) {
		if (!err)
			fbk_swap_shown(&d->swap, &all, 1); /* what that flip changed is unknown */
		return err;
	}
	d->flip_pending = false;
	size_t back = fbk_swap_back(&d->swap);
	err = show_buffer(d, back);
	if (err)
		return err;
	fbk_swap_shown(&d->swap, &all, 1);
	d->flipping = false;
	snprintf(d->no_flip_reason, sizeof(d->no_flip_reason),
		 "a page flip event did not come within %d ms", FLIP_TIMEOUT_MS);
	fbk_log(FBK_LOG_WARNING, "%s: %s; drawing into the buffer on screen from now on",
		d->device, d->no_flip_reason);
	fbk_swap_single(&d->swap);
	return 0;
}

/* After a VT switch or a handled signal: master again, and our buffer back on the CRTC. */
static int take_screen_back(struct drm *d)
{
	if (atomic_load(&d->master_dropped)) {
		if (drmSetMaster(d->fd))
			return fbk_fail(-EBUSY, "%s: cannot take the display back after the VT "
						"switch: another program is DRM master",
					d->device);
		atomic_store(&d->master_dropped, false);
	}
	return show_buffer(d, d->swap.front);
}

static int drm_present(struct fbk_display *display, const struct fbk_rect *rects, size_t n)
{
	struct drm *d = (struct drm *)display;
	/* Switched away: the shadow keeps the picture for when the VT comes back. */
	if (!fbk_console_begin_access(d->console))
		return 0;
	const struct fbk_surface *s = &display->geometry;
	struct fbk_rect all = { 0, 0, s->width, s->height };
	unsigned lost = fbk_console_lost_count(d->console);
	int err = d->flip_pending ? finish_late_flip(d) : 0;
	if (!err && lost != d->repainted) {
		err = take_screen_back(d);
		rects = &all;
		n = 1;
	}
	if (!err)
		err = d->flipping ? present_flip(d, rects, n) : present_in_place(d, rects, n);
	if (!err)
		d->repainted = lost;
	fbk_console_end_access(d->console);
	return err;
}

static bool drm_needs_redraw(struct fbk_display *display)
{
	struct drm *d = (struct drm *)display;
	unsigned lost = fbk_console_lost_count(d->console);
	if (lost == d->reported)
		return false;
	d->reported = lost;
	return true;
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

static void describe_present(const struct drm *d, struct fbk_describe *out)
{
	if (d->flipping)
		fbk_describe_line(out, "present", "page flips between 2 dumb buffers, drawn from a "
						  "shadow surface in system memory");
	else
		fbk_describe_line(out, "present", "one dumb buffer updated in place with DirtyFB "
						  "(%s), drawn from a shadow surface in system "
						  "memory",
				  d->no_flip_reason);
	const struct flip_stats *f = &d->flips;
	if (f->count)
		fbk_describe_line(out, "flips", "%u completed with events, latency min %.2f ms, "
						"avg %.2f ms, max %.2f ms",
				  f->count, f->min_ms, f->sum_ms / f->count, f->max_ms);
	else
		fbk_describe_line(out, "flips", "0 completed");
	fbk_describe_line(out, "dirtyfb", "%s",
			  d->dirty == PROBE_WORKS	  ? "yes (the driver takes changed rectangles)"
			  : d->dirty == PROBE_UNSUPPORTED ? "not supported by the driver (ENOSYS)"
							  : "not called yet");
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
	describe_present(d, out);
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
		wait_flip(d); /* its buffer must not go while the flip is queued */
	/* Only touch the CRTC while the screen is ours. */
	if (fbk_console_begin_access(d->console)) {
		/* Back from a VT switch but not presented since: master is still dropped. */
		if (atomic_load(&d->master_dropped) && !drmSetMaster(d->fd))
			atomic_store(&d->master_dropped, false);
		int err = restore_crtc(d);
		if (err)
			fbk_log(FBK_LOG_WARNING, "%s: cannot restore the previous CRTC: %s",
				d->device, fbk_errstr(-err));
		fbk_console_end_access(d->console);
	}
	fbk_console_set_hooks(d->console, NULL);
	fbk_console_release(d->console);
	munmap(d->shadow, d->shadow_size);
	for (size_t i = 0; forked && i < d->buffer_count; i++)
		d->buffers[i].fb_id = d->buffers[i].handle = 0; /* unmapped, never destroyed */
	destroy_buffers(d);
	free(d->plane_formats);
	close(d->fd);
	free(d->device);
	free(d);
}
