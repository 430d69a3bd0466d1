/*
 * JPEG: fbkit decoding a 4K photo straight into a surface against
 * libjpeg-turbo alone decoding the same file into an RGBX buffer
 * (TurboJPEG's tjDecompress2 when it is built in, and libjpeg's own
 * scanline loop), in one run, round-robin. The photo is made at start-up
 * at quality 90, 4:2:0, from the test data's 3840x2160 PNG (or, without
 * it, the repository's backdrop stretched to 3840x2160), and written to a
 * temporary file that fbkit opens (maps) as a program would. Fitted
 * draws: contain into a 1280x800 panel, and cover of a 1280x800 panel
 * (the photo's sides cut off: 1422 of its columns at that size, 1280
 * shown) and of a portrait 800x1280 one (2276 at that size, 800 shown).
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>

#include "bench.h"
#include "fbkit.h"

#if BENCH_HAVE_TURBOJPEG
#include <turbojpeg.h>
#endif

#define W 3840
#define H 2160

struct jpeg_case {
	const char *path;
	uint8_t *file;          /* the whole file, for the anchors */
	size_t file_size;
	uint8_t *rgbx;          /* the anchors decode into this */
	struct fbk_surface *target;
	struct fbk_rect box;
	bool fit;
	enum fbk_fit mode;      /* when fit */
	int denom;              /* anchors: 1/denom */
};

#if BENCH_HAVE_TURBOJPEG
static int decode_turbojpeg(void *arg)
{
	struct jpeg_case *c = arg;
	tjhandle tj = tjInitDecompress();
	if (!tj)
		return 1;
	int err = tjDecompress2(tj, c->file, (unsigned long)c->file_size, c->rgbx,
				(W + c->denom - 1) / c->denom, 0, (H + c->denom - 1) / c->denom,
				TJPF_RGBX, 0);
	tjDestroy(tj);
	return err != 0;
}
#endif

struct anchor_error {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
};

static void anchor_error_exit(j_common_ptr cinfo)
{
	longjmp(((struct anchor_error *)(void *)cinfo->err)->jump, 1);
}

/* libjpeg's plain scanline loop, as djpeg does it, into RGBX. */
static int decode_scanlines(void *arg)
{
	struct jpeg_case *c = arg;
	struct jpeg_decompress_struct cinfo;
	struct anchor_error err;
	cinfo.err = jpeg_std_error(&err.pub);
	err.pub.error_exit = anchor_error_exit;
	if (setjmp(err.jump)) {
		jpeg_destroy_decompress(&cinfo);
		return 1;
	}
	jpeg_create_decompress(&cinfo);
	jpeg_mem_src(&cinfo, c->file, (unsigned long)c->file_size);
	jpeg_read_header(&cinfo, TRUE);
	cinfo.out_color_space = JCS_EXT_RGBX;
	jpeg_start_decompress(&cinfo);
	size_t stride = (size_t)cinfo.output_width * 4;
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW row = c->rgbx + stride * cinfo.output_scanline;
		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	return 0;
}

/* Open (map), draw, close: everything a program pays to show the file. */
static int decode_fbkit(void *arg)
{
	struct jpeg_case *c = arg;
	struct fbk_image *image;
	if (fbk_image_open(&image, c->path, NULL))
		return 1;
	int err = c->fit ? fbk_image_draw_fit(c->target, image, &c->box, c->mode,
					      FBK_ALIGN_CENTER, FBK_FILTER_SMOOTH, FBK_OP_SRC)
			 : fbk_image_draw(c->target, image, 0, 0, FBK_OP_SRC);
	fbk_image_close(image);
	return err;
}

/* The photo as 3840x2160 RGB rows, from the test data or the repository's backdrop. */
static uint8_t *source_pixels(const char *testdata, char *what, size_t what_size)
{
	char path[4096];
	struct fbk_surface *s = NULL, *png = NULL;
	snprintf(path, sizeof(path), "%s/photos/exoplanet-3840x2160.png", testdata);
	if (fbk_png_load(&png, path, FBK_FORMAT_XRGB8888) == 0 && png->width == W &&
	    png->height == H) {
		s = png;
		snprintf(what, what_size, "exoplanet-3840x2160.png");
	} else {
		fbk_surface_destroy(png);
		const char *root = getenv("FBKIT_SOURCE_ROOT");
		snprintf(path, sizeof(path), "%s/assets/images/backdrop.png", root ? root : ".");
		struct fbk_image *image;
		if (fbk_image_open(&image, path, NULL) ||
		    fbk_surface_create(&s, W, H, FBK_FORMAT_XRGB8888) ||
		    fbk_image_draw_fit(s, image, &(struct fbk_rect){ 0, 0, W, H }, FBK_FIT_STRETCH,
				       0, FBK_FILTER_SMOOTH, FBK_OP_SRC)) {
			printf("jpeg: neither %s/photos/exoplanet-3840x2160.png nor %s: %s "
			       "(skipped)\n", testdata, path, fbk_last_error());
			return NULL;
		}
		fbk_image_close(image);
		snprintf(what, what_size, "assets/images/backdrop.png stretched");
	}
	uint8_t *rgb = malloc((size_t)W * H * 3);
	for (int32_t y = 0; rgb && y < H; y++) {
		const uint32_t *row = fbk_surface_pixel(s, 0, y);
		for (int32_t x = 0; x < W; x++) {
			uint8_t *p = rgb + ((size_t)y * W + x) * 3;
			p[0] = (uint8_t)(row[x] >> 16);
			p[1] = (uint8_t)(row[x] >> 8);
			p[2] = (uint8_t)row[x];
		}
	}
	fbk_surface_destroy(s);
	return rgb;
}

/* Quality 90, 4:2:0, baseline, as a camera or an export would write it. */
static uint8_t *compress(const uint8_t *rgb, size_t *size)
{
	struct jpeg_compress_struct cinfo;
	struct anchor_error err;
	unsigned char *mem = NULL;
	unsigned long mem_size = 0;
	cinfo.err = jpeg_std_error(&err.pub);
	err.pub.error_exit = anchor_error_exit;
	if (setjmp(err.jump)) {
		jpeg_destroy_compress(&cinfo);
		return NULL;
	}
	jpeg_create_compress(&cinfo);
	jpeg_mem_dest(&cinfo, &mem, &mem_size);
	cinfo.image_width = W;
	cinfo.image_height = H;
	cinfo.input_components = 3;
	cinfo.in_color_space = JCS_RGB;
	jpeg_set_defaults(&cinfo);
	jpeg_set_quality(&cinfo, 90, TRUE);
	jpeg_start_compress(&cinfo, TRUE);
	while (cinfo.next_scanline < H) {
		JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo.next_scanline * W * 3);
		jpeg_write_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	*size = mem_size;
	return mem;
}

/* The peak RSS of fbkit's decode into a full-size or fitted target. */
static void measure_rss(const char *path, int32_t w, int32_t h, bool fit, const char *label)
{
	struct jpeg_case c = { .path = path, .fit = fit, .mode = FBK_FIT_CONTAIN,
			       .box = { 0, 0, w, h } };
	bench_decode_rss(label, decode_fbkit, &c, &c.target, w, h);
}

int bench_jpeg(const struct bench_config *cfg, const char *testdata)
{
	char what[128];
	uint8_t *rgb = source_pixels(testdata, what, sizeof(what));
	if (!rgb)
		return -1;
	struct jpeg_case c = { .denom = 1 };
	c.file = compress(rgb, &c.file_size);
	free(rgb);
	char path[] = "/tmp/fbkit-bench-XXXXXX.jpg";
	int fd = mkstemps(path, 4);
	if (!c.file || fd < 0 || write(fd, c.file, c.file_size) != (ssize_t)c.file_size) {
		printf("jpeg: cannot make the photo (skipped)\n");
		if (fd >= 0)
			close(fd);
		free(c.file);
		return -1;
	}
	close(fd);
	c.path = path;
	c.rgbx = malloc((size_t)W * H * 4);

	char title[256];
	snprintf(title, sizeof(title), "JPEG %dx%d q90 4:2:0, %zu KiB, from %s", W, H,
		 c.file_size >> 10, what);
	bench_header(title);
	struct fbk_surface *xrgb = NULL, *rgb565 = NULL, *panel = NULL, *portrait = NULL;
	fbk_surface_create(&xrgb, W, H, FBK_FORMAT_XRGB8888);
	fbk_surface_create(&rgb565, W, H, FBK_FORMAT_RGB565);
	fbk_surface_create(&panel, 1280, 800, FBK_FORMAT_XRGB8888);
	fbk_surface_create(&portrait, 800, 1280, FBK_FORMAT_XRGB8888);
	struct jpeg_case full = c, c565 = c, fit = c, tj2 = c, cover = c, cover_tall = c;
	full.target = xrgb;
	c565.target = rgb565;
	fit.target = panel;
	fit.fit = true;
	fit.mode = FBK_FIT_CONTAIN;
	fit.box = (struct fbk_rect){ 0, 0, 1280, 800 };
	cover = fit;
	cover.mode = FBK_FIT_COVER;
	cover_tall = cover;
	cover_tall.target = portrait;
	cover_tall.box = (struct fbk_rect){ 0, 0, 800, 1280 };
	tj2.denom = 2;
	struct bench_case cases[] = {
#if BENCH_HAVE_TURBOJPEG
		{ decode_turbojpeg, &c, 0 },
		{ decode_turbojpeg, &tj2, 0 },
#else
		{ NULL, NULL, 0 },
		{ NULL, NULL, 0 },
#endif
		{ decode_scanlines, &c, 0 },
		{ decode_fbkit, &full, 0 },
		{ decode_fbkit, &c565, 0 },
		{ decode_fbkit, &fit, 0 },
		{ decode_fbkit, &cover, 0 },
		{ decode_fbkit, &cover_tall, 0 },
	};
	bench_interleaved(cfg, cases, sizeof(cases) / sizeof(cases[0]));
	double pixels = (double)W * H;
	double tj = cases[0].median, scan = cases[2].median;
	if (tj > 0) {
		bench_row(cfg, "TurboJPEG tjDecompress2 -> RGBX", tj, pixels, NULL, 0);
		bench_row(cfg, "TurboJPEG tjDecompress2 1/2 -> RGBX", cases[1].median, pixels,
			  "TurboJPEG", tj);
	}
	bench_row2(cfg, "libjpeg scanlines -> RGBX", scan, pixels, "TurboJPEG", tj, NULL, 0);
	bench_row2(cfg, "fbkit draw -> XRGB8888 surface", cases[3].median, pixels, "TurboJPEG",
		   tj, "libjpeg scanlines", scan);
	bench_row2(cfg, "fbkit draw -> RGB565 surface", cases[4].median, pixels, "TurboJPEG", tj,
		   "libjpeg scanlines", scan);
	bench_row2(cfg, "fbkit draw_fit contain -> 1280x800 XRGB8888", cases[5].median, pixels,
		   "TurboJPEG", tj, "libjpeg scanlines", scan);
	bench_row2(cfg, "fbkit draw_fit cover -> 1280x800 XRGB8888", cases[6].median, pixels,
		   "TurboJPEG", tj, "libjpeg scanlines", scan);
	bench_row2(cfg, "fbkit draw_fit cover -> 800x1280 XRGB8888", cases[7].median, pixels,
		   "TurboJPEG", tj, "libjpeg scanlines", scan);
	fbk_surface_destroy(xrgb);
	fbk_surface_destroy(rgb565);
	fbk_surface_destroy(panel);
	fbk_surface_destroy(portrait);
	measure_rss(path, W, H, false, "full-size XRGB8888 target");
	measure_rss(path, 1280, 800, true, "contain into 1280x800");
	unlink(path);
	free(c.file);
	free(c.rgbx);
	return 0;
}
