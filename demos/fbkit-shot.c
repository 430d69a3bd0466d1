/*
 * fbkit-shot: write what a display shows right now to a PNG.
 *
 * It never opens the display the way a drawing program does: that would put
 * the console in graphics mode and clear the screen, destroying what was to
 * be shot. Instead it reads the pixels where they live, read-only:
 *   fbdev[:DEVICE]          the framebuffer's memory (the visible, panned
 *                           area), in the format the driver reports;
 *   offscreen:...,file=PATH the shared file an fbkit program draws into
 *                           (fbk_offscreen_file_read, which survives the
 *                           file shrinking under it);
 *   drm[:DEVICE]            the framebuffer on the first active CRTC, through
 *                           drmModeGetFB2 and a dumb-buffer map (the kernel
 *                           hands out its buffer handle only to root).
 * The pixels are copied first and encoded afterwards, so the picture is one
 * moment's, not smeared across a slow PNG encode.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if FBK_SHOT_DRM
#include <xf86drm.h>
#include <xf86drmMode.h>
#endif

#include "cli.h"
#include "fbkit.h"

static void usage(void)
{
	printf("Usage: fbkit-shot [OPTION]... OUTPUT.png\n"
	       "Write what is on a display now to a PNG, without disturbing it.\n\n"
	       "  --display SPEC       where to read (default: $FBKIT_DISPLAY, else fbdev):\n"
	       "                       fbdev[:DEVICE]           framebuffer memory (default /dev/fb0)\n"
	       "                       offscreen:file=PATH      an offscreen display's shared file\n"
	       "                                                (also offscreen:WxH,file=PATH:\n"
	       "                                                the size is read from the file)\n"
	       "                       drm[:DEVICE]             the framebuffer on the first active\n"
	       "                                                CRTC (default /dev/dri/card0; root)\n"
	       "                       fbdev and drm take ,rotate=90|180|270: the program's\n"
	       "                       rotation, to turn the panel's memory back to its picture\n"
	       "  --region X,Y,W,H     only this rectangle (cut to the screen)\n"
	       "  -h, --help           show this help\n"
	       "  -V, --version        show the version\n");
}

/*
 * The value of `key=...` among a spec's comma-separated options, copied, or
 * NULL. The options start after the name's ':' or ',': a reader needs no
 * size, so "offscreen:file=PATH" is as good as "offscreen:WxH,file=PATH".
 */
static char *spec_option(const char *spec, const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = spec + strcspn(spec, ":,"); *p; p += 1 + strcspn(p + 1, ",")) {
		const char *item = p + 1;
		if (!strncmp(item, key, klen) && item[klen] == '=')
			return strndup(item + klen + 1, strcspn(item + klen + 1, ","));
	}
	return NULL;
}

/* The library reads it: its SIGBUS guard survives the writer shrinking the file. */
static int shoot_offscreen_file(struct fbk_surface **out, const char *path)
{
	if (fbk_offscreen_file_read(out, path)) {
		fprintf(stderr, "fbkit-shot: %s\n", fbk_last_error());
		return -1;
	}
	return 0;
}

/* The library reads it, with the fbdev backend's layout of the screen infos. */
static int shoot_fbdev(struct fbk_surface **out, const char *device)
{
	if (fbk_fbdev_read_screen(out, device)) {
		fprintf(stderr, "fbkit-shot: %s\n", fbk_last_error());
		return -1;
	}
	return 0;
}

#if FBK_SHOT_DRM
/* The pixels of the DRM framebuffer, copied into memory fbkit owns. */
static int copy_pixels(struct fbk_surface **out, const void *pixels, uint32_t width,
		       uint32_t height, size_t stride, uint32_t format, const char *what)
{
	struct fbk_surface view;
	if (fbk_surface_init(&view, (void *)pixels, (int32_t)width, (int32_t)height, stride, format) ||
	    fbk_surface_create(out, view.width, view.height, format) ||
	    fbk_blit(*out, 0, 0, &view, NULL, FBK_OP_SRC, 255)) {
		fprintf(stderr, "fbkit-shot: %s: %s\n", what, fbk_last_error());
		return -1;
	}
	return 0;
}

/* The framebuffer scanned out by the first CRTC that has one. */
static drmModeFB2Ptr active_framebuffer(int fd, const char *device)
{
	drmModeResPtr res = drmModeGetResources(fd);
	drmModeFB2Ptr fb = NULL;
	for (int i = 0; res && !fb && i < res->count_crtcs; i++) {
		drmModeCrtcPtr crtc = drmModeGetCrtc(fd, res->crtcs[i]);
		if (crtc && crtc->mode_valid && crtc->buffer_id)
			fb = drmModeGetFB2(fd, crtc->buffer_id);
		drmModeFreeCrtc(crtc);
	}
	if (!res)
		fprintf(stderr, "fbkit-shot: %s: not a KMS device (%s)\n", device, strerror(errno));
	else if (!fb)
		fprintf(stderr, "fbkit-shot: %s: no CRTC is showing a framebuffer\n", device);
	drmModeFreeResources(res);
	return fb;
}

static int shoot_drm(struct fbk_surface **out, const char *device)
{
	int fd = open(device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "fbkit-shot: %s: %s\n", device, strerror(errno));
		return -1;
	}
	int err = -1;
	drmModeFB2Ptr fb = active_framebuffer(fd, device);
	if (!fb)
		goto out_fd;
	/* Without CAP_SYS_ADMIN the kernel reports the framebuffer but no handle. */
	if (!fb->handles[0]) {
		fprintf(stderr, "fbkit-shot: %s: the kernel gives the framebuffer's buffer only to "
			"root\n", device);
		goto out_fb;
	}
	if ((fb->flags & DRM_MODE_FB_MODIFIERS) && fb->modifier) { /* 0 is linear */
		fprintf(stderr, "fbkit-shot: %s: the framebuffer is tiled (modifier 0x%llx)\n", device,
			(unsigned long long)fb->modifier);
		goto out_fb;
	}
	const struct fbk_format_info *f = fbk_format_info(fb->pixel_format);
	if (!f) {
		fprintf(stderr, "fbkit-shot: %s: pixel format 0x%08x not supported\n", device,
			fb->pixel_format);
		goto out_fb;
	}
	/* Map it the way dumb buffers are mapped; drivers whose buffers are not dumb refuse. */
	struct drm_mode_map_dumb map_req = { .handle = fb->handles[0] };
	size_t size = (size_t)fb->offsets[0] + (size_t)fb->pitches[0] * fb->height;
	void *map = MAP_FAILED;
	if (!drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map_req))
		map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, (off_t)map_req.offset);
	if (map == MAP_FAILED) {
		fprintf(stderr, "fbkit-shot: %s: cannot map the framebuffer (%s): this driver does not "
			"allow it\n", device, strerror(errno));
	} else {
		err = copy_pixels(out, (const uint8_t *)map + fb->offsets[0], fb->width, fb->height,
				  fb->pitches[0], f->fourcc, device);
		munmap(map, size);
	}
	struct drm_gem_close close_req = { .handle = fb->handles[0] };
	drmIoctl(fd, DRM_IOCTL_GEM_CLOSE, &close_req); /* GETFB2 opened a handle for us */
out_fb:
	drmModeFreeFB2(fb);
out_fd:
	close(fd);
	return err;
}
#else
static int shoot_drm(struct fbk_surface **out, const char *device)
{
	(void)out;
	fprintf(stderr, "fbkit-shot: %s: fbkit-shot was built without libdrm (shoot the DRM "
		"driver's fbdev emulation with --display fbdev instead)\n", device);
	return -1;
}
#endif

static int shoot(struct fbk_surface **out, const char *spec)
{
	size_t name_len = strcspn(spec, ":,");
	if (!strncmp(spec, "fbdev", name_len) && name_len == 5) {
		char device[4096] = "/dev/fb0";
		if (spec[5] == ':')
			snprintf(device, sizeof(device), "%.*s", (int)strcspn(spec + 6, ","), spec + 6);
		return shoot_fbdev(out, device);
	}
	if (!strncmp(spec, "offscreen", name_len) && name_len == 9) {
		char *file = spec_option(spec, "file");
		if (!file || !*file) {
			fprintf(stderr, "fbkit-shot: --display %s: %s\n", spec, file ? "file= needs a path"
				: "no file=PATH: an offscreen display without one lives in its "
				  "program's memory, which cannot be read (give the program and "
				  "fbkit-shot --display offscreen:file=PATH)");
			free(file);
			return -1;
		}
		int err = shoot_offscreen_file(out, file);
		free(file);
		return err;
	}
	if (!strncmp(spec, "drm", name_len) && name_len == 3) {
		char device[4096] = "/dev/dri/card0";
		if (spec[3] == ':')
			snprintf(device, sizeof(device), "%.*s", (int)strcspn(spec + 4, ","), spec + 4);
		return shoot_drm(out, device);
	}
	fprintf(stderr, "fbkit-shot: cannot shoot display '%s' (expected fbdev[:DEVICE] or "
		"offscreen:file=PATH or drm[:DEVICE])\n", spec);
	return -1;
}

/*
 * The device's memory is the panel's; a program with rotate=N drew the
 * picture turned N degrees clockwise on it (fbk_display_rotation). Turn
 * it back, pixel by pixel: a shot is small, and this stays independent
 * of the library's rotation kernels, so a shot checks them.
 */
static int turn_back(struct fbk_surface **screen, int rotation)
{
	struct fbk_surface *panel = *screen, *picture;
	int32_t w = rotation == 180 ? panel->width : panel->height;
	int32_t h = rotation == 180 ? panel->height : panel->width;
	if (fbk_surface_create(&picture, w, h, panel->format)) {
		fprintf(stderr, "fbkit-shot: %s\n", fbk_last_error());
		return -1;
	}
	size_t bpp = fbk_format_info(panel->format)->bytes_per_pixel;
	for (int32_t y = 0; y < h; y++)
		for (int32_t x = 0; x < w; x++) {
			int32_t px = rotation == 90    ? panel->width - 1 - y
				     : rotation == 180 ? panel->width - 1 - x
						       : y;
			int32_t py = rotation == 90    ? x
				     : rotation == 180 ? panel->height - 1 - y
						       : panel->height - 1 - x;
			memcpy((uint8_t *)picture->pixels + (size_t)y * picture->stride + (size_t)x * bpp,
			       (const uint8_t *)panel->pixels + (size_t)py * panel->stride +
				       (size_t)px * bpp,
			       bpp);
		}
	fbk_surface_destroy(panel);
	*screen = picture;
	return 0;
}

/* The spec's rotate=: 0 when absent, -1 (said) when not a quarter turn or on offscreen. */
static int spec_rotation(const char *spec)
{
	char *value = spec_option(spec, "rotate");
	if (!value)
		return 0;
	int rotation = !strcmp(value, "0") ? 0 : !strcmp(value, "90") ? 90 : !strcmp(value, "180") ? 180
			: !strcmp(value, "270") ? 270 : -1;
	if (rotation < 0)
		fprintf(stderr, "fbkit-shot: --display %s: rotate=%s: expected 0, 90, 180 or 270\n",
			spec, value);
	else if (rotation && !strncmp(spec, "offscreen", 9))
		fprintf(stderr, "fbkit-shot: --display %s: an offscreen file carries its rotation "
				"and reads as the picture already: leave rotate= out\n",
			spec);
	free(value);
	return rotation && !strncmp(spec, "offscreen", 9) ? -1 : rotation;
}

static int parse_region(const char *s, struct fbk_rect *r)
{
	long v[4];
	char *end;
	for (int i = 0; i < 4; i++) {
		errno = 0;
		v[i] = strtol(s, &end, 10);
		if (errno || end == s || *end != (i < 3 ? ',' : '\0') || v[i] < (i < 2 ? 0 : 1) ||
		    v[i] > FBK_MAX_DIMENSION)
			return -1;
		s = end + 1;
	}
	*r = (struct fbk_rect){ (int32_t)v[0], (int32_t)v[1], (int32_t)v[2], (int32_t)v[3] };
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "display", required_argument, NULL, 'd' },
		{ "region", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *spec = getenv("FBKIT_DISPLAY");
	struct fbk_rect region = { 0, 0, 0, 0 };
	int c;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': spec = optarg; break;
		case 'r':
			if (parse_region(optarg, &region))
				return cli_usage_error("fbkit-shot", "--region '%s': expected X,Y,W,H "
						       "(W and H at least 1)", optarg);
			break;
		case 'h': usage(); return 0;
		case 'V': cli_version("fbkit-shot"); return 0;
		default: return cli_usage_error("fbkit-shot", NULL);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("fbkit-shot", "give exactly one output file");
	if (!spec || !*spec || !strcmp(spec, "auto"))
		spec = "fbdev";

	int rotation = spec_rotation(spec);
	if (rotation < 0)
		return 1;
	struct fbk_surface *screen = NULL;
	if (shoot(&screen, spec))
		return 1;
	if (rotation && turn_back(&screen, rotation)) {
		fbk_surface_destroy(screen);
		return 1;
	}
	struct fbk_surface part = *screen;
	int status = 0;
	if (region.w && fbk_surface_sub(&part, screen, &region)) {
		fprintf(stderr, "fbkit-shot: --region %d,%d,%d,%d lies outside the %dx%d screen\n",
			(int)region.x, (int)region.y, (int)region.w, (int)region.h, (int)screen->width,
			(int)screen->height);
		status = 1;
	} else if (fbk_png_save(&part, argv[optind])) {
		fprintf(stderr, "fbkit-shot: %s\n", fbk_last_error());
		status = 1;
	}
	fbk_surface_destroy(screen);
	return status;
}
