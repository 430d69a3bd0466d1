/*
 * JPEG through the image API: pixels equal libjpeg-turbo's own decode of
 * the same file at the same DCT scale (each m/8), exactly, in every surface format,
 * for every colour space, sampling, progression, coding and restart
 * interval the files here are made with (by libjpeg-turbo's compressor);
 * draw_fit picks the DCT scale the API promises; EXIF orientations 1-8;
 * damage, truncation (also while mapped), limits, 12-bit files; open
 * sniffs the content, not the name.
 *
 *   test_jpeg            the checks above
 *   test_jpeg --tools    files made by cjpeg and jpegtran (skips without them)
 *   test_jpeg --photos   the test data's photos as JPEG (skips without them)
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"

#if FBK_HAVE_JPEG

#include "image/resample.h"
#include "jpeg_make.h"

static char temp_dir[256];

static void temp_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", temp_dir, name);
}

static int write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = fwrite(data, 1, size, f);
	return fclose(f) || n != size ? -1 : 0;
}

/* What a format stores for a colour: the reference as the surface would hold it. */
static struct fbk_color stored(uint32_t format, uint32_t argb)
{
	struct fbk_color c = { (uint8_t)(argb >> 16), (uint8_t)(argb >> 8), (uint8_t)argb, 255 };
	return fbk_color_unpack(format, fbk_color_pack(format, c));
}

/*
 * Picture pixel (px, py) to scanline pixel (*sx, *sy), the scanlines sw x sh:
 * the inverse of the EXIF orientation's turns.
 */
static void scanline_of(int orientation, int32_t px, int32_t py, int32_t sw, int32_t sh,
			int32_t *sx, int32_t *sy)
{
	switch (orientation) {
	default: *sx = px; *sy = py; break;
	case 2: *sx = sw - 1 - px; *sy = py; break;
	case 3: *sx = sw - 1 - px; *sy = sh - 1 - py; break;
	case 4: *sx = px; *sy = sh - 1 - py; break;
	case 5: *sx = py; *sy = px; break;
	case 6: *sx = py; *sy = sh - 1 - px; break;
	case 7: *sx = sw - 1 - py; *sy = sh - 1 - px; break;
	case 8: *sx = sw - 1 - py; *sy = px; break;
	}
}

/*
 * Compare dst's rect (x, y, w, h) with ref (rw wide), ref pixel (rx, ry)
 * at dst (x + rx, y + ry), through fn mapping a dst offset to a ref pixel.
 */
static int count_mismatches(const struct fbk_surface *dst, int32_t x, int32_t y, int32_t w,
			    int32_t h, const uint32_t *ref, int32_t rw, int orientation, int32_t sw,
			    int32_t sh, char *first, size_t first_size)
{
	int bad = 0;
	for (int32_t py = 0; py < h; py++)
		for (int32_t px = 0; px < w; px++) {
			int32_t sx, sy;
			scanline_of(orientation, px, py, sw, sh, &sx, &sy);
			struct fbk_color want = stored(dst->format, ref[(size_t)sy * rw + sx]);
			struct fbk_color got = pixel_at(dst, x + px, y + py);
			if (!color_equal(want, got)) {
				if (!bad++)
					snprintf(first, first_size,
						 "(%d,%d) got %02x%02x%02x want %02x%02x%02x",
						 (int)px, (int)py, got.r, got.g, got.b, want.r,
						 want.g, want.b);
			}
		}
	return bad;
}

/* The output size of libjpeg-turbo's DCT scaling by m/8. */
static int eighths_of(int n, int m)
{
	return (n * m + 7) / 8;
}

/*
 * The file drawn at each DCT scale fits use (1/8, 1/4, 1/2) and at full
 * size into a surface of each format exactly that size (draw_fit must
 * then pick that scale: the smallest whose output is that large, so a
 * scale whose size a smaller one already gives is the smaller one's), and at full size with fbk_image_draw at an
 * offset under a clip, against the reference.
 */
static void check_exact(const char *what, const uint8_t *data, size_t size)
{
	struct fbk_image *image = NULL;
	int err = fbk_image_open_memory(&image, data, size, what, NULL);
	CHECK(err == 0, "%s: open: %s", what, fbk_last_error());
	if (err)
		return;
	const struct fbk_image_info *info = fbk_image_get_info(image);
	for (int m = 8; m >= 1; m /= 2) {
		int pick = 1;
		while (pick < m && (eighths_of(info->width, pick) < eighths_of(info->width, m) ||
				    eighths_of(info->height, pick) < eighths_of(info->height, m)))
			pick *= 2;
		if (pick != m)
			continue;
		uint32_t *ref;
		int rw, rh;
		char why[JMSG_LENGTH_MAX];
		if (jpeg_reference(data, size, m, &ref, &rw, &rh, why)) {
			CHECK(0, "%s: the reference decoder refuses it: %s", what, why);
			break;
		}
		for (size_t f = 0; fbk_format_at(f); f++) {
			uint32_t format = fbk_format_at(f)->fourcc;
			struct guarded g;
			if (guarded_init(&g, rw, rh, 12, format))
				continue;
			struct fbk_rect box = { 0, 0, rw, rh };
			/* stretch: contain would round the other side to the box's aspect */
			err = fbk_image_draw_fit(&g.surface, image, &box, FBK_FIT_STRETCH, 0,
						 FBK_FILTER_SMOOTH, FBK_OP_OVER);
			char first[120] = "";
			int bad = err ? -1 : count_mismatches(&g.surface, 0, 0, rw, rh, ref, rw, 1,
							      rw, rh, first, sizeof(first));
			CHECK(bad == 0, "%s %d/8 into %s: %s %d pixels differ; first %s", what,
			      m, fbk_format_at(f)->name, err ? fbk_last_error() : "", bad,
			      first);
			CHECK(guarded_intact(&g), "%s %d/8 %s: wrote outside", what, m,
			      fbk_format_at(f)->name);
			guarded_finish(&g);
			if (m != 8)
				continue;
			/* Offset and clipped on every side: the row path, cut. */
			if (guarded_init(&g, rw + 9, rh + 7, 4, format))
				continue;
			struct fbk_rect clip = { 4, 3, rw - 1, rh - 1 };
			fbk_surface_set_clip(&g.surface, &clip);
			err = fbk_image_draw(&g.surface, image, 2, 1, FBK_OP_SRC);
			/* visible: the image (2..rw+1, 1..rh) inside the clip */
			bad = err ? -1 : count_mismatches(&g.surface, 4, 3, rw - 2, rh - 2,
							  ref + (size_t)2 * rw + 2, rw, 1, rw, rh,
							  first, sizeof(first));
			CHECK(bad == 0, "%s clipped into %s: %s %d pixels differ; first %s", what,
			      fbk_format_at(f)->name, err ? fbk_last_error() : "", bad, first);
			CHECK(guarded_intact(&g), "%s clipped %s: wrote outside", what,
			      fbk_format_at(f)->name);
			guarded_finish(&g);
			/*
			 * Up (and left) of the surface: many rows above the
			 * visible ones, which are not drawn; whole rows go
			 * straight into the formats libjpeg-turbo writes.
			 */
			int32_t up = rh > 24 ? 21 : rh / 2;
			for (int32_t left = 0; left <= (rw > 10 ? 7 : rw / 2); left += 7) {
				if (guarded_init(&g, rw - left, rh - up, 0, format))
					continue;
				err = fbk_image_draw(&g.surface, image, -left, -up, FBK_OP_SRC);
				bad = err ? -1
					  : count_mismatches(&g.surface, 0, 0, rw - left, rh - up,
							     ref + (size_t)up * rw + left, rw, 1,
							     rw, rh, first, sizeof(first));
				CHECK(bad == 0, "%s %d up, %d left into %s: %s %d pixels differ; "
				      "first %s", what, (int)up, (int)left, fbk_format_at(f)->name,
				      err ? fbk_last_error() : "", bad, first);
				guarded_finish(&g);
			}
		}
		free(ref);
	}
	fbk_image_close(image);
}

static void check_cover_columns(const char *what, const uint8_t *data, size_t size);

static void check_spec(const char *what, const struct jpeg_spec *spec)
{
	uint8_t *data;
	size_t size;
	if (jpeg_make(spec, NULL, &data, &size)) {
		CHECK(0, "%s: cannot make the file", what);
		return;
	}
	check_exact(what, data, size);
	free(data);
}

/* Every colour space, sampling factor, progression, coding and restart interval. */
static void check_kinds(void)
{
	static const struct {
		const char *what;
		struct jpeg_spec spec;
	} kinds[] = {
		{ "baseline 4:2:0", { 61, 45, JCS_RGB, JCS_YCbCr, 2, 2, 0, 0, 0, 0, 0, 0 } },
		{ "baseline 4:4:4", { 61, 45, JCS_RGB, JCS_YCbCr, 1, 1, 0, 0, 0, 0, 0, 0 } },
		{ "baseline 4:2:2", { 61, 45, JCS_RGB, JCS_YCbCr, 2, 1, 0, 0, 0, 0, 0, 0 } },
		{ "baseline 4:4:0", { 61, 45, JCS_RGB, JCS_YCbCr, 1, 2, 0, 0, 0, 0, 0, 0 } },
		{ "baseline 4:1:1", { 67, 45, JCS_RGB, JCS_YCbCr, 4, 1, 0, 0, 0, 0, 0, 0 } },
		{ "progressive 4:2:0", { 61, 45, JCS_RGB, JCS_YCbCr, 2, 2, 1, 0, 0, 0, 0, 0 } },
		{ "progressive 4:4:4", { 61, 45, JCS_RGB, JCS_YCbCr, 1, 1, 1, 0, 0, 0, 0, 0 } },
		{ "arithmetic 4:2:0", { 61, 45, JCS_RGB, JCS_YCbCr, 2, 2, 0, 1, 0, 0, 0, 0 } },
		{ "arithmetic progressive", { 61, 45, JCS_RGB, JCS_YCbCr, 2, 2, 1, 1, 0, 0, 0, 0 } },
		{ "restart markers 4:2:0", { 61, 45, JCS_RGB, JCS_YCbCr, 2, 2, 0, 0, 1, 0, 0, 0 } },
		{ "restart markers progressive", { 61, 45, JCS_RGB, JCS_YCbCr, 2, 1, 1, 0, 2, 0, 0, 0 } },
		{ "RGB (no transform)", { 61, 45, JCS_RGB, JCS_RGB, 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ "greyscale", { 61, 45, JCS_GRAYSCALE, JCS_GRAYSCALE, 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ "greyscale progressive", { 61, 45, JCS_GRAYSCALE, JCS_GRAYSCALE, 0, 0, 1, 0, 0, 0, 0, 0 } },
		{ "CMYK (Adobe, inverted)", { 61, 45, JCS_CMYK, JCS_CMYK, 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ "YCCK (Adobe, inverted)", { 61, 45, JCS_CMYK, JCS_YCCK, 2, 2, 0, 0, 0, 0, 0, 0 } },
		{ "YCCK progressive", { 61, 45, JCS_CMYK, JCS_YCCK, 2, 2, 1, 0, 0, 0, 0, 0 } },
		{ "1x1", { 1, 1, JCS_RGB, JCS_YCbCr, 2, 2, 0, 0, 0, 0, 0, 0 } },
		{ "tall and thin", { 3, 70, JCS_RGB, JCS_YCbCr, 2, 2, 0, 0, 0, 0, 0, 0 } },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		check_spec(kinds[i].what, &kinds[i].spec);
	/* Wide enough for cover to crop the columns decoded (not at 61x45). */
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct jpeg_spec wide = kinds[i].spec;
		wide.width = 397;
		wide.height = 118;
		uint8_t *data;
		size_t size;
		if (jpeg_make(&wide, NULL, &data, &size)) {
			CHECK(0, "%s, 397x118: cannot make the file", kinds[i].what);
			continue;
		}
		check_cover_columns(kinds[i].what, data, size);
		free(data);
	}
}

/* ---- EXIF orientation ---------------------------------------------------- */

static void check_orientations(void)
{
	/* Cover with the sides cut off, per orientation: mirrored ones crop the other side. */
	for (int o = 1; o <= 8; o++) {
		uint8_t exif[64];
		struct jpeg_spec spec = { 397, 118, JCS_RGB, JCS_YCbCr, 2, 2, 0, 0, 0, 90, exif, 0 };
		spec.exif_size = exif_orientation_segment(exif, o, 0);
		uint8_t *data;
		size_t size;
		char what[40];
		snprintf(what, sizeof(what), "orientation %d", o);
		if (jpeg_make(&spec, NULL, &data, &size)) {
			CHECK(0, "%s: cannot make the file", what);
			continue;
		}
		check_cover_columns(what, data, size);
		free(data);
	}
	for (int o = 0; o <= 9; o++) {
		for (int be = 0; be < 2; be++) {
			uint8_t exif[64];
			struct jpeg_spec spec = { 37, 22, JCS_RGB, JCS_YCbCr, 2, 2, 0, 0, 0, 95, NULL, 0 };
			spec.exif = exif;
			spec.exif_size = exif_orientation_segment(exif, o, be);
			uint8_t *data;
			size_t size;
			if (jpeg_make(&spec, NULL, &data, &size)) {
				CHECK(0, "orientation %d: cannot make the file", o);
				continue;
			}
			int shown = o >= 1 && o <= 8 ? o : 1; /* 0 and 9 are not orientations */
			struct fbk_image *image = NULL;
			int err = fbk_image_open_memory(&image, data, size, "exif", NULL);
			CHECK(err == 0, "orientation %d: %s", o, fbk_last_error());
			if (err) {
				free(data);
				continue;
			}
			const struct fbk_image_info *info = fbk_image_get_info(image);
			bool turned = shown >= 5;
			CHECK(info->orientation == shown && info->width == (turned ? 22 : 37) &&
			      info->height == (turned ? 37 : 22),
			      "orientation %d (%s): info says %d, %dx%d", o, be ? "MM" : "II",
			      info->orientation, (int)info->width, (int)info->height);
			for (int denom = 1; denom <= 2; denom *= 2) {
				uint32_t *ref;
				int rw, rh;
				if (jpeg_reference(data, size, 8 / denom, &ref, &rw, &rh, NULL))
					break;
				int32_t pw = turned ? rh : rw, ph = turned ? rw : rh;
				struct guarded g;
				if (guarded_init(&g, pw + 3, ph + 2, 0, FBK_FORMAT_XRGB8888))
					break;
				/* Cut on the right and at the bottom, offset: the buffer's edges. */
				struct fbk_rect clip = { 0, 0, pw, ph }, box = { 1, 1, pw, ph };
				fbk_surface_set_clip(&g.surface, &clip);
				err = denom == 1 ? fbk_image_draw(&g.surface, image, 1, 1, FBK_OP_SRC)
						 : fbk_image_draw_fit(&g.surface, image, &box,
								      FBK_FIT_STRETCH, 0,
								      FBK_FILTER_SMOOTH, FBK_OP_SRC);
				char first[120] = "";
				int bad = err ? -1 : count_mismatches(&g.surface, 1, 1, pw - 1, ph - 1,
								      ref, rw, shown, rw, rh, first,
								      sizeof(first));
				CHECK(bad == 0, "orientation %d (%s) 1/%d: %s %d differ; first %s", o,
				      be ? "MM" : "II", denom, err ? fbk_last_error() : "", bad, first);
				CHECK(guarded_intact(&g), "orientation %d: wrote outside", o);
				guarded_finish(&g);
				free(ref);
			}
			fbk_image_close(image);
			free(data);
		}
	}
}

/*
 * Scaled through the resampler, turned: a picture of four flat quadrants
 * (red, green, blue, white as shown upright), stored turned back by each
 * orientation, must come out upright.
 */
static void check_orientations_scaled(void)
{
	static const uint32_t quadrant[4] = { 0xff0000, 0x00ff00, 0x0000ff, 0xffffff };
	const int pw = 96, ph = 64; /* as shown */
	for (int o = 1; o <= 8; o++) {
		bool turned = o >= 5;
		int sw = turned ? ph : pw, sh = turned ? pw : ph;
		uint8_t *pixels = malloc((size_t)sw * sh * 3);
		for (int sy = 0; sy < sh; sy++)
			for (int sx = 0; sx < sw; sx++) {
				int px, py; /* where scanline pixel (sx, sy) shows */
				switch (o) {
				default: px = sx; py = sy; break;
				case 2: px = sw - 1 - sx; py = sy; break;
				case 3: px = sw - 1 - sx; py = sh - 1 - sy; break;
				case 4: px = sx; py = sh - 1 - sy; break;
				case 5: px = sy; py = sx; break;
				case 6: px = sh - 1 - sy; py = sx; break;
				case 7: px = sh - 1 - sy; py = sw - 1 - sx; break;
				case 8: px = sy; py = sw - 1 - sx; break;
				}
				uint32_t c = quadrant[(py >= ph / 2) * 2 + (px >= pw / 2)];
				uint8_t *p = pixels + ((size_t)sy * sw + sx) * 3;
				p[0] = (uint8_t)(c >> 16);
				p[1] = (uint8_t)(c >> 8);
				p[2] = (uint8_t)c;
			}
		uint8_t exif[64];
		struct jpeg_spec spec = { sw, sh, JCS_RGB, JCS_YCbCr, 1, 1, 0, 0, 0, 100, exif, 0 };
		spec.exif_size = exif_orientation_segment(exif, o, o & 1);
		uint8_t *data;
		size_t size;
		struct fbk_image *image = NULL;
		if (jpeg_make(&spec, pixels, &data, &size) ||
		    fbk_image_open_memory(&image, data, size, "quadrants", NULL)) {
			CHECK(0, "orientation %d: cannot make or open the file", o);
			free(pixels);
			continue;
		}
		/*
		 * 96x64 into 30x20 (DCT 1/2 then the scaler), into 70x47 (the
		 * scaler only), and into 30x20 clipped to its top half, which
		 * the scaler sees as its bottom half when rows come bottom-up.
		 */
		for (int k = 0; k < 3; k++) {
			int32_t w = k == 1 ? 70 : 30, h = k == 1 ? 47 : 20;
			struct fbk_surface *s = NULL;
			fbk_surface_create(&s, w, h, FBK_FORMAT_XRGB8888);
			struct fbk_rect box = { 0, 0, w, h }, top = { 0, 0, w, h / 2 };
			if (k == 2)
				fbk_surface_set_clip(s, &top);
			int err = fbk_image_draw_fit(s, image, &box, FBK_FIT_CONTAIN, 0,
						     FBK_FILTER_SMOOTH, FBK_OP_SRC);
			CHECK(err == 0, "orientation %d scaled: %s", o, fbk_last_error());
			for (int q = 0; q < (k == 2 ? 2 : 4) && !err; q++) {
				int32_t x = (q & 1) ? w * 3 / 4 : w / 4, y = (q & 2) ? h * 3 / 4 : h / 4;
				struct fbk_color c = pixel_at(s, x, y);
				uint32_t want = quadrant[q];
				bool near = abs(c.r - (int)(want >> 16 & 255)) < 12 &&
					    abs(c.g - (int)(want >> 8 & 255)) < 12 &&
					    abs(c.b - (int)(want & 255)) < 12;
				CHECK(near, "orientation %d into %dx%d%s: quadrant %d is %02x%02x%02x, "
				      "want %06x", o, (int)w, (int)h, k == 2 ? " (top half)" : "", q,
				      c.r, c.g, c.b, (unsigned)want);
			}
			if (k == 2) {
				struct fbk_color c = pixel_at(s, w / 2, h * 3 / 4);
				CHECK(c.r == 0 && c.g == 0 && c.b == 0,
				      "orientation %d: drew below the clip", o);
			}
			fbk_surface_destroy(s);
		}
		fbk_image_close(image);
		free(data);
		free(pixels);
	}
}

/* fbk_exif_orientation's reading of odd blocks, through whole files. */
static void check_bad_exif(void)
{
	uint8_t exif[64];
	size_t n = exif_orientation_segment(exif, 6, false);
	/* IFD offset past the block: no orientation, shown as stored. */
	exif[10] = 200;
	struct jpeg_spec spec = { 16, 8, JCS_RGB, JCS_YCbCr, 1, 1, 0, 0, 0, 0, exif, n };
	uint8_t *data;
	size_t size;
	struct fbk_image *image = NULL;
	if (jpeg_make(&spec, NULL, &data, &size))
		return;
	int err = fbk_image_open_memory(&image, data, size, "bad exif", NULL);
	CHECK(err == 0 && fbk_image_get_info(image)->orientation == 1 &&
	      fbk_image_get_info(image)->width == 16,
	      "an EXIF block pointing past its end: %d %s", err, fbk_last_error());
	fbk_image_close(image);
	free(data);
}

/* ---- damage, truncation, limits ------------------------------------------ */

static char logged[512];
static int logged_count;

static void capture_log(enum fbk_log_level level, const char *msg, void *userdata)
{
	(void)userdata;
	if (level > FBK_LOG_WARNING)
		return;
	logged_count++;
	snprintf(logged, sizeof(logged), "%s", msg);
}

/* Offset of the first SOS segment's data (the entropy-coded data), or 0. */
static size_t scan_data(const uint8_t *d, size_t n)
{
	for (size_t i = 2; i + 4 < n;) {
		if (d[i] != 0xff)
			return 0;
		size_t len = (size_t)d[i + 2] << 8 | d[i + 3];
		if (d[i + 1] == 0xda)
			return i + 2 + len;
		i += 2 + len;
	}
	return 0;
}

static int draw_all(const uint8_t *data, size_t size, const char *name)
{
	struct fbk_image *image = NULL;
	int err = fbk_image_open_memory(&image, data, size, name, NULL);
	if (err)
		return err;
	struct fbk_surface *s = NULL;
	const struct fbk_image_info *info = fbk_image_get_info(image);
	fbk_surface_create(&s, info->width, info->height, FBK_FORMAT_RGB565);
	err = fbk_image_draw(s, image, 0, 0, FBK_OP_SRC);
	fbk_surface_destroy(s);
	fbk_image_close(image);
	return err;
}

static void check_damage(void)
{
	struct jpeg_spec spec = { 200, 120, JCS_RGB, JCS_YCbCr, 2, 2, 0, 0, 0, 0, NULL, 0 };
	uint8_t *data;
	size_t size;
	if (jpeg_make(&spec, NULL, &data, &size))
		return;
	size_t scan = scan_data(data, size);
	CHECK(scan > 0, "no scan found");

	/* Cut short: the end of the data is damage, not a grey picture. */
	for (size_t cut = scan + 10; cut < size; cut += (size - scan) / 5) {
		int err = draw_all(data, cut, "cut");
		CHECK(err == -EBADMSG && strstr(fbk_last_error(), "ends early"),
		      "cut at %zu of %zu: %d %s", cut, size, err, fbk_last_error());
	}
	int err = draw_all(data, scan - 3, "cut header");
	CHECK(err == -EBADMSG, "cut in the header: %d %s", err, fbk_last_error());

	/* A marker in the middle of the entropy-coded data: libjpeg would patch it in grey. */
	uint8_t *bad = malloc(size);
	memcpy(bad, data, size);
	size_t mid = scan + (size - scan) / 2;
	bad[mid] = 0xff;
	bad[mid + 1] = 0xd9;
	err = draw_all(bad, size, "marker inside");
	CHECK(err == -EBADMSG && strstr(fbk_last_error(), "corrupt JPEG"),
	      "EOI in the scan data: %d %s", err, fbk_last_error());

	/* Stray bytes between two segments: untidy, drawn, one warning line. */
	free(bad);
	bad = malloc(size + 3);
	size_t after_app0 = 4 + ((size_t)data[4] << 8 | data[5]);
	memcpy(bad, data, after_app0);
	memcpy(bad + after_app0, "abc", 3);
	memcpy(bad + after_app0 + 3, data + after_app0, size - after_app0);
	fbk_set_log_handler(capture_log, NULL);
	logged_count = 0;
	err = draw_all(bad, size + 3, "stray");
	fbk_set_log_handler(NULL, NULL);
	CHECK(err == 0, "stray bytes before a marker: %d %s", err, fbk_last_error());
	CHECK(logged_count == 2 && strstr(logged, "stray") && strstr(logged, "extraneous") &&
	      strstr(logged, "shown anyway"),
	      "stray bytes: %d lines, last \"%s\"", logged_count, logged);
	free(bad);

	/* 12-bit samples: a clear error, not "corrupt". */
	bad = malloc(size);
	memcpy(bad, data, size);
	for (size_t i = 2; i + 4 < scan; i += 2 + ((size_t)bad[i + 2] << 8 | bad[i + 3]))
		if (bad[i + 1] == 0xc0) {
			bad[i + 1] = 0xc1;
			bad[i + 4] = 12;
		}
	struct fbk_image *image = NULL;
	err = fbk_image_open_memory(&image, bad, size, "twelve", NULL);
	CHECK(err == -ENOTSUP && strstr(fbk_last_error(), "precision 12") &&
	      strstr(fbk_last_error(), "8-bit"),
	      "12-bit: %d %s", err, fbk_last_error());
	fbk_image_close(image);
	free(bad);
	free(data);
}

static void check_limits(void)
{
	struct jpeg_spec spec = { 300, 200, JCS_RGB, JCS_YCbCr, 2, 2, 1, 0, 0, 0, NULL, 0 };
	uint8_t *data;
	size_t size;
	if (jpeg_make(&spec, NULL, &data, &size))
		return;
	struct fbk_image *image = NULL;
	struct fbk_image_limits l = FBK_IMAGE_LIMITS_INIT(.max_width = 299);
	int err = fbk_image_open_memory(&image, data, size, "wide", &l);
	CHECK(err == -EFBIG && strstr(fbk_last_error(), "300x200"), "width limit: %d %s", err,
	      fbk_last_error());
	l = (struct fbk_image_limits)FBK_IMAGE_LIMITS_INIT(.max_pixels = 300 * 200 - 1);
	err = fbk_image_open_memory(&image, data, size, "many", &l);
	CHECK(err == -EFBIG, "pixel limit: %d %s", err, fbk_last_error());
	/* 4:2:0 progressive 304x208 blocks: Y 38x26 blocks... = 128 bytes each. */
	err = fbk_image_open_memory(&image, data, size, "progressive", NULL);
	CHECK(err == 0, "progressive: %s", fbk_last_error());
	uint64_t coef = err ? 0 : fbk_image_get_info(image)->coefficient_bytes;
	uint64_t want = (38 * 26 + 2 * 19 * 13) * 128;
	CHECK(coef == want, "coefficient bytes %llu, want %llu", (unsigned long long)coef,
	      (unsigned long long)want);
	fbk_image_close(image);
	l = (struct fbk_image_limits)FBK_IMAGE_LIMITS_INIT(.max_jpeg_memory = want - 1);
	err = fbk_image_open_memory(&image, data, size, "progressive", &l);
	CHECK(err == -EFBIG && strstr(fbk_last_error(), "coefficients"),
	      "coefficient limit: %d %s", err, fbk_last_error());
	/* Enough for the coefficients, not for a turned picture's buffer. */
	l.max_jpeg_memory = want + 1000;
	uint8_t exif[64];
	spec.exif = exif;
	spec.exif_size = exif_orientation_segment(exif, 6, false);
	free(data);
	if (jpeg_make(&spec, NULL, &data, &size))
		return;
	err = fbk_image_open_memory(&image, data, size, "turned", &l);
	CHECK(err == 0, "turned: %s", fbk_last_error());
	if (!err) {
		struct fbk_surface *s = NULL;
		fbk_surface_create(&s, 100, 100, FBK_FORMAT_XRGB8888);
		struct fbk_rect box = { 0, 0, 100, 100 };
		err = fbk_image_draw_fit(s, image, &box, FBK_FIT_CONTAIN, 0, FBK_FILTER_SMOOTH,
					 FBK_OP_SRC);
		CHECK(err == -EFBIG && strstr(fbk_last_error(), "max_jpeg_memory"),
		      "turned buffer over the limit: %d %s", err, fbk_last_error());
		fbk_surface_destroy(s);
	}
	fbk_image_close(image);
	free(data);
	l = (struct fbk_image_limits){ 0 };
	err = fbk_image_open_memory(&image, "\xff\xd8\xff", 3, "x", &l);
	CHECK(err == -EINVAL, "limits without size: %d", err);
}

/* The scaler's output rows into a visible-part buffer (expected pixels). */
struct expect_rows {
	uint32_t *pixels;
	int32_t top, w;
};

static int expect_emit(void *userdata, int32_t y, const uint32_t *row)
{
	struct expect_rows *e = userdata;
	memcpy(e->pixels + (size_t)(y - e->top) * (size_t)e->w, row, (size_t)e->w * 4);
	return 0;
}

/*
 * Cover that cuts rows off, scaled: the rows above the visible part are
 * skipped (jpeg_skip_scanlines), not decoded, and the nearest filter skips
 * rows between its picks too. The pixels must equal the scaler run over
 * libjpeg-turbo's full decode at the DCT scale draw_fit picks, at each
 * scale (the boxes below pick 1/8, 1/4, 1/2, 1/1), 4:2:0 and 4:4:4,
 * baseline, progressive and with restarts, greyscale and YCCK.
 */
static void check_cover_skips(void)
{
	static const struct jpeg_spec specs[] = {
		{ 240, 160, JCS_RGB, JCS_YCbCr, 2, 2, 0, 0, 0, 90, NULL, 0 },
		{ 240, 160, JCS_RGB, JCS_YCbCr, 1, 1, 1, 0, 0, 90, NULL, 0 },
		{ 240, 160, JCS_RGB, JCS_YCbCr, 2, 2, 0, 0, 2, 90, NULL, 0 },
		{ 240, 160, JCS_GRAYSCALE, JCS_GRAYSCALE, 1, 1, 0, 0, 0, 90, NULL, 0 },
		{ 240, 160, JCS_CMYK, JCS_YCCK, 2, 2, 0, 0, 0, 90, NULL, 0 },
	};
	static const struct { int32_t w, h; int eighths; enum fbk_filter filter; } cases[] = {
		{ 28, 9, 1, FBK_FILTER_SMOOTH },   { 50, 15, 2, FBK_FILTER_SMOOTH },
		{ 100, 30, 4, FBK_FILTER_SMOOTH }, { 200, 60, 8, FBK_FILTER_SMOOTH },
		{ 100, 30, 4, FBK_FILTER_NEAREST }, { 170, 25, 8, FBK_FILTER_NEAREST },
	};
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		uint8_t *data;
		size_t size;
		struct fbk_image *image = NULL;
		if (jpeg_make(&specs[i], NULL, &data, &size) ||
		    fbk_image_open_memory(&image, data, size, "cover", NULL)) {
			CHECK(0, "cover %zu: cannot make or open the file", i);
			continue;
		}
		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			struct fbk_rect box = { 0, 0, cases[c].w, cases[c].h }, fitted;
			uint32_t *ref = NULL, *want = NULL;
			int rw, rh;
			struct fbk_resampler *r = NULL;
			struct fbk_surface *s = NULL;
			fbk_fit_rect(240, 160, &box, FBK_FIT_COVER, FBK_ALIGN_CENTER, &fitted);
			/* The visible part is the box: fitted from its top-left, rows cut. */
			struct fbk_rect visible = { -fitted.x, -fitted.y, box.w, box.h };
			CHECK(fitted.h > box.h, "cover %zu, %dx%d: no rows cut", i, (int)box.w,
			      (int)box.h);
			if (jpeg_reference(data, size, cases[c].eighths, &ref, &rw, &rh, NULL) ||
			    fbk_resampler_create(&r, rw, rh, fitted.w, fitted.h, cases[c].filter,
						 &visible) ||
			    fbk_surface_create(&s, box.w, box.h, FBK_FORMAT_ARGB8888)) {
				CHECK(0, "cover %zu: reference, scaler or surface: %s", i,
				      fbk_last_error());
				goto next;
			}
			CHECK(rw > fitted.w && rh > fitted.h,
			      "cover %zu, %dx%d: 1/%d gives %dx%d, not more than %dx%d (not the "
			      "scaled path)", i, (int)box.w, (int)box.h, 8 / cases[c].eighths, rw,
			      rh, (int)fitted.w, (int)fitted.h);
			want = calloc((size_t)box.w * (size_t)box.h, 4);
			struct expect_rows e = { want, visible.y, box.w };
			for (int y = 0; want && y < rh && !fbk_resampler_done(r); y++)
				fbk_resampler_push(r, ref + (size_t)y * (size_t)rw, expect_emit, &e);
			int err = fbk_image_draw_fit(s, image, &box, FBK_FIT_COVER, FBK_ALIGN_CENTER,
						     cases[c].filter, FBK_OP_SRC);
			CHECK(!err, "cover %zu: %s", i, fbk_last_error());
			int bad = 0, bx = 0, by = 0;
			for (int y = 0; want && y < box.h; y++)
				for (int x = 0; x < box.w; x++) {
					uint32_t got = *(uint32_t *)fbk_surface_pixel(s, x, y);
					if (got != want[(size_t)y * (size_t)box.w + (size_t)x] &&
					    bad++ == 0) {
						bx = x;
						by = y;
					}
				}
			CHECK(want && bad == 0,
			      "cover %zu into %dx%d at 1/%d (%s): %d pixels differ from the scaled "
			      "reference, first (%d, %d)", i, (int)box.w, (int)box.h,
			      8 / cases[c].eighths,
			      cases[c].filter == FBK_FILTER_NEAREST ? "nearest" : "smooth", bad, bx,
			      by);
		next:
			free(want);
			free(ref);
			fbk_resampler_destroy(r);
			fbk_surface_destroy(s);
		}
		fbk_image_close(image);
		free(data);
	}
}

/*
 * Cover into boxes narrower than the picture's shape, so that its sides
 * are cut off, scaled: only the columns the scaler reads are decoded
 * (jpeg_crop_scanline, widened by a margin), and the pixels must equal
 * the scaler run over libjpeg-turbo's full decode at the DCT scale
 * draw_fit picks, turned by the file's orientation. Each box height
 * picks another scale; centred, and cut on one side only; smooth and
 * nearest.
 */
static void check_cover_columns(const char *what, const uint8_t *data, size_t size)
{
	struct fbk_image *image = NULL;
	if (fbk_image_open_memory(&image, data, size, what, NULL)) {
		CHECK(0, "%s: open: %s", what, fbk_last_error());
		return;
	}
	const struct fbk_image_info *info = fbk_image_get_info(image);
	int o = info->orientation;
	bool turned = o >= 5;
	int32_t pw = (int32_t)info->width, ph = (int32_t)info->height; /* as shown */
	static const struct { int percent; unsigned align; enum fbk_filter filter; } cases[] = {
		{ 90, FBK_ALIGN_CENTER, FBK_FILTER_SMOOTH }, { 45, FBK_ALIGN_CENTER, FBK_FILTER_SMOOTH },
		{ 20, FBK_ALIGN_CENTER, FBK_FILTER_SMOOTH }, { 11, FBK_ALIGN_CENTER, FBK_FILTER_SMOOTH },
		{ 45, FBK_ALIGN_LEFT, FBK_FILTER_SMOOTH },   { 45, FBK_ALIGN_RIGHT, FBK_FILTER_SMOOTH },
		{ 90, FBK_ALIGN_CENTER, FBK_FILTER_NEAREST },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		int32_t bh = ph * cases[c].percent / 100, bw = pw * cases[c].percent / 100 / 3;
		if (bh < 1 || bw < 1)
			continue;
		struct fbk_rect box = { 0, 0, bw, bh }, fitted;
		fbk_fit_rect(pw, ph, &box, FBK_FIT_COVER, cases[c].align, &fitted);
		/* draw_fit's DCT scale: the smallest of 1/8, 1/4, 1/2 still covering the fitted size */
		int m = 1;
		while (m < 8 && (eighths_of(turned ? ph : pw, m) < (turned ? fitted.h : fitted.w) ||
				 eighths_of(turned ? pw : ph, m) < (turned ? fitted.w : fitted.h)))
			m *= 2;
		uint32_t *ref = NULL, *shown = NULL, *want = NULL;
		int rw, rh;
		struct fbk_resampler *r = NULL;
		struct fbk_surface *s = NULL;
		if (jpeg_reference(data, size, m, &ref, &rw, &rh, NULL)) {
			CHECK(0, "%s: the reference decoder refuses it", what);
			break;
		}
		int32_t sw = turned ? rh : rw, sh = turned ? rw : rh; /* the picture at 1/m */
		if (sw == fitted.w && sh == fitted.h)
			goto next; /* the plain path: check_exact's */
		/* The reference turned as shown: picture (px, py) from scanline (sx, sy). */
		shown = malloc((size_t)sw * (size_t)sh * 4);
		want = calloc((size_t)bw * (size_t)bh, 4);
		struct fbk_rect visible = { -fitted.x, -fitted.y, bw, bh };
		if (!shown || !want ||
		    fbk_resampler_create(&r, sw, sh, fitted.w, fitted.h, cases[c].filter, &visible) ||
		    fbk_surface_create(&s, bw, bh, FBK_FORMAT_ARGB8888)) {
			CHECK(0, "%s: memory, scaler or surface: %s", what, fbk_last_error());
			goto next;
		}
		for (int32_t py = 0; py < sh; py++)
			for (int32_t px = 0; px < sw; px++) {
				int32_t sx, sy;
				scanline_of(o, px, py, rw, rh, &sx, &sy);
				shown[(size_t)py * (size_t)sw + (size_t)px] = ref[(size_t)sy * (size_t)rw + (size_t)sx];
			}
		struct expect_rows e = { want, visible.y, bw };
		for (int32_t y = 0; y < sh && !fbk_resampler_done(r); y++)
			fbk_resampler_push(r, shown + (size_t)y * (size_t)sw, expect_emit, &e);
		int err = fbk_image_draw_fit(s, image, &box, FBK_FIT_COVER, cases[c].align,
					     cases[c].filter, FBK_OP_SRC);
		CHECK(!err, "%s: cover: %s", what, fbk_last_error());
		int bad = 0, bx = 0, by = 0;
		uint32_t got1 = 0, want1 = 0;
		for (int32_t y = 0; !err && y < bh; y++)
			for (int32_t x = 0; x < bw; x++) {
				uint32_t got = *(uint32_t *)fbk_surface_pixel(s, x, y);
				uint32_t w = want[(size_t)y * (size_t)bw + (size_t)x];
				if (got != w && bad++ == 0) {
					bx = x;
					by = y;
					got1 = got;
					want1 = w;
				}
			}
		CHECK(bad == 0,
		      "%s, cover into %dx%d (%d%%, align %u, %s) at 1/%d: %d pixels differ from the "
		      "scaler over the full decode; first (%d, %d) %08x, want %08x", what, (int)bw,
		      (int)bh, cases[c].percent, cases[c].align,
		      cases[c].filter == FBK_FILTER_NEAREST ? "nearest" : "smooth", 8 / m, bad,
		      bx, by, (unsigned)got1, (unsigned)want1);
	next:
		free(want);
		free(shown);
		free(ref);
		fbk_resampler_destroy(r);
		fbk_surface_destroy(s);
	}
	fbk_image_close(image);
}

/* Offset of the last SOS marker, or 0. In entropy-coded data 0xff is followed by 0 or RSTn. */
static size_t last_scan_marker(const uint8_t *d, size_t n)
{
	size_t at = 0;
	for (size_t i = 2; i + 1 < n; i++)
		if (d[i] == 0xff && d[i + 1] == 0xda)
			at = i;
	return at;
}

/*
 * A file missing only its EOI marker: every scan is whole, libjpeg-turbo
 * warns and shows it, and so does fbkit (one warning line), with the
 * same pixels at every scale. Cut anywhere before, it is truncated.
 */
static void check_missing_eoi(void)
{
	static const struct jpeg_spec specs[] = {
		{ 200, 120, JCS_RGB, JCS_YCbCr, 2, 2, 0, 0, 0, 0, NULL, 0 },
		{ 200, 120, JCS_RGB, JCS_YCbCr, 2, 2, 1, 0, 0, 0, NULL, 0 },
		{ 97, 61, JCS_GRAYSCALE, JCS_GRAYSCALE, 0, 0, 1, 0, 0, 0, NULL, 0 },
	};
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		uint8_t *data;
		size_t size;
		if (jpeg_make(&specs[i], NULL, &data, &size))
			continue;
		char what[64];
		snprintf(what, sizeof(what), "no EOI %s", specs[i].progressive ? "progressive"
									: "baseline");
		CHECK(data[size - 2] == 0xff && data[size - 1] == 0xd9, "%s: no EOI to cut", what);
		fbk_set_log_handler(capture_log, NULL); /* a warning a draw */
		check_exact(what, data, size - 2);
		logged_count = 0;
		int err = draw_all(data, size - 2, what);
		fbk_set_log_handler(NULL, NULL);
		CHECK(err == 0, "%s: %d %s", what, err, fbk_last_error());
		CHECK(logged_count == 1 && strstr(logged, "EOI") && strstr(logged, "shown anyway"),
		      "%s: %d warning lines, last \"%s\"", what, logged_count, logged);
		/* One byte less is inside the last scan's data. */
		err = draw_all(data, size - 3, what);
		CHECK(err == -EBADMSG && strstr(fbk_last_error(), "ends early"),
		      "%s, one byte less: %d %s", what, err, fbk_last_error());
		/* Cut before the last scan: a coarser picture libjpeg would show. */
		if (specs[i].progressive) {
			size_t last = last_scan_marker(data, size);
			CHECK(last > 0, "%s: no last scan", what);
			err = draw_all(data, last, what);
			CHECK(err == -EBADMSG && strstr(fbk_last_error(), "between two scans"),
			      "%s, cut before the last scan: %d %s", what, err, fbk_last_error());
		}
		free(data);
	}
}

/*
 * Arithmetic coding has no way to tell a cut scan from a whole one: its
 * decoder is fed zeros at a marker by design (the encoder drops trailing
 * zero bytes), so libjpeg-turbo warns of nothing when the data stops in
 * the middle of a scan. A file that ends without EOI must then be refused
 * as truncated, wherever it was cut, or a picture whose lower part was
 * never in the file is shown as if only the end marker were missing.
 */
static void check_arithmetic_cut(void)
{
	static const struct jpeg_spec specs[] = {
		{ 200, 120, JCS_RGB, JCS_YCbCr, 2, 2, 0, 1, 0, 0, NULL, 0 },
		{ 200, 120, JCS_RGB, JCS_YCbCr, 2, 2, 1, 1, 0, 0, NULL, 0 },
	};
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		uint8_t *data;
		size_t size;
		if (jpeg_make(&specs[i], NULL, &data, &size))
			continue;
		const char *what = specs[i].progressive ? "arithmetic progressive" : "arithmetic";
		CHECK(draw_all(data, size, what) == 0, "%s, whole: %s", what, fbk_last_error());
		size_t last = last_scan_marker(data, size);
		CHECK(last > 0, "%s: no scan", what);
		for (size_t cut = last + (size - last) / 2; cut <= size - 2; cut += (size - cut) / 2 + 1) {
			int err = draw_all(data, cut, what);
			CHECK(err == -EBADMSG && strstr(fbk_last_error(), "ends early"),
			      "%s cut at %zu of %zu (last scan at %zu): %d %s", what, cut, size, last,
			      err, err ? fbk_last_error() : "shown");
		}
		free(data);
	}
}

/*
 * A program built before max_jpeg_scans passes the struct as it knew it:
 * size ends at max_jpeg_memory, and nothing after it is the caller's
 * (here an unreadable page). fbkit must read no further, and apply the
 * default scan limit.
 */
static void check_older_limits(const uint8_t *data, size_t size, int scans)
{
	size_t old = offsetof(struct fbk_image_limits, max_jpeg_scans);
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || mprotect(map + page, (size_t)page, PROT_NONE)) {
		CHECK(0, "a guard page: %s", strerror(errno));
		return;
	}
	struct fbk_image_limits full = FBK_IMAGE_LIMITS_INIT(.max_jpeg_memory = 32 << 20);
	full.size = (uint32_t)old;
	uint8_t *at = map + page - old;
	memcpy(at, &full, old);
	struct fbk_image *image = NULL;
	struct fbk_surface *s = NULL;
	int err = fbk_image_open_memory(&image, data, size, "older limits",
					(const struct fbk_image_limits *)(const void *)at);
	CHECK(err == 0, "limits of %zu bytes (before max_jpeg_scans): %d %s", old, err,
	      fbk_last_error());
	if (!err && !fbk_surface_create(&s, 24, 16, FBK_FORMAT_XRGB8888)) {
		err = fbk_image_draw(s, image, 0, 0, FBK_OP_SRC);
		CHECK(err == -EFBIG && strstr(fbk_last_error(), "more than 256 scans"),
		      "%d scans, limits of %zu bytes: the default limit, not %d %s", scans, old,
		      err, fbk_last_error());
	}
	fbk_surface_destroy(s);
	fbk_image_close(image);
	munmap(map, 2 * (size_t)page);
}

/*
 * A progressive file of 320 scans, valid (each coefficient alone, its
 * bits sent one at a time): over the default limit of 256, it fails
 * before any row is drawn; with the limit at 320 it draws exactly.
 */
static void check_scan_limit(void)
{
	enum { AL = 4, SCANS = 64 * (AL + 1) };
	static jpeg_scan_info script[SCANS];
	int n = 0;
	for (int k = 0; k < 64; k++)
		for (int al = AL; al >= 0; al--)
			script[n++] = (jpeg_scan_info){ .comps_in_scan = 1, .Ss = k, .Se = k,
							.Ah = al == AL ? 0 : al + 1, .Al = al };
	struct jpeg_spec spec = { 24, 16, JCS_GRAYSCALE, JCS_GRAYSCALE, 0, 0, 1, 0, 0, 0,
				  NULL, 0 };
	uint8_t *data = NULL;
	size_t size;
	CHECK(jpeg_make_scans(&spec, NULL, script, SCANS, &data, &size) == 0,
	      "libjpeg refuses the scan script");
	if (!data)
		return;
	struct fbk_image *image = NULL;
	struct fbk_surface *s = NULL;
	fbk_surface_create(&s, 24, 16, FBK_FORMAT_XRGB8888);
	fbk_fill(s, NULL, (struct fbk_color){ 1, 2, 3, 255 });
	const uint32_t *pixel = fbk_surface_pixel(s, 0, 0);
	uint32_t before = pixel[0];
	int err = fbk_image_open_memory(&image, data, size, "scans", NULL);
	CHECK(err == 0, "open: %s", fbk_last_error());
	err = err ? err : fbk_image_draw(s, image, 0, 0, FBK_OP_SRC);
	CHECK(err == -EFBIG && strstr(fbk_last_error(), "more than 256 scans") &&
	      strstr(fbk_last_error(), "max_jpeg_scans"),
	      "%d scans at the default limit: %d %s", SCANS, err, fbk_last_error());
	CHECK(pixel[0] == before, "a row was drawn before the scan limit stopped it");
	fbk_image_close(image);
	image = NULL;
	check_older_limits(data, size, SCANS);
	for (uint32_t limit = SCANS - 1; limit <= SCANS; limit++) {
		struct fbk_image_limits l = FBK_IMAGE_LIMITS_INIT(.max_jpeg_scans = limit);
		err = fbk_image_open_memory(&image, data, size, "scans", &l);
		err = err ? err : fbk_image_draw(s, image, 0, 0, FBK_OP_SRC);
		if (limit < SCANS)
			CHECK(err == -EFBIG, "%d scans, limit %u: %d %s", SCANS, (unsigned)limit,
			      err, fbk_last_error());
		else
			CHECK(err == 0, "%d scans, limit %u: %s", SCANS, (unsigned)limit,
			      fbk_last_error());
		fbk_image_close(image);
		image = NULL;
	}
	uint32_t *ref;
	int rw, rh, bad = 0;
	if (!jpeg_reference(data, size, 8, &ref, &rw, &rh, NULL)) {
		for (int y = 0; y < rh; y++)
			for (int x = 0; x < rw; x++)
				bad += (((const uint32_t *)fbk_surface_pixel(s, x, y))[0] ^
					ref[y * rw + x]) & 0xffffff ? 1 : 0;
		free(ref);
	}
	CHECK(bad == 0, "%d scans: %d pixels differ from libjpeg-turbo's", SCANS, bad);
	fbk_surface_destroy(s);
	free(data);
	/* The reserved field is not a limit this fbkit knows. */
	struct fbk_image_limits l = FBK_IMAGE_LIMITS_INIT(.reserved = 1);
	err = fbk_image_open_memory(&image, "\xff\xd8\xff", 3, "x", &l);
	CHECK(err == -ENOTSUP, "reserved limit set: %d", err);
}

/* ---- files --------------------------------------------------------------- */

/* A file truncated while mapped: -EIO, never SIGBUS. */
static void check_truncated_while_mapped(void)
{
	/* Noise compresses badly: a few MB, so the cut lands in unmapped pages. */
	int w = 1200, h = 900;
	uint8_t *pixels = malloc((size_t)w * h * 3);
	for (size_t i = 0; i < (size_t)w * h * 3; i++)
		pixels[i] = (uint8_t)rng_next();
	struct jpeg_spec spec = { w, h, JCS_RGB, JCS_YCbCr, 1, 1, 0, 0, 0, 100, NULL, 0 };
	uint8_t *data;
	size_t size;
	int made = jpeg_make(&spec, pixels, &data, &size);
	free(pixels);
	if (made)
		return;
	char path[300];
	temp_path(path, sizeof(path), "big.jpg");
	CHECK(write_file(path, data, size) == 0, "write %s", path);
	struct fbk_image *image = NULL;
	int err = fbk_image_open(&image, path, NULL);
	CHECK(err == 0, "open %s: %s", path, fbk_last_error());
	if (!err) {
		CHECK(truncate(path, 8192) == 0, "truncate");
		struct fbk_surface *s = NULL;
		fbk_surface_create(&s, w, h, FBK_FORMAT_XRGB8888);
		err = fbk_image_draw(s, image, 0, 0, FBK_OP_SRC);
		CHECK(err == -EIO && strstr(fbk_last_error(), "file changed while reading") &&
		      strstr(fbk_last_error(), path),
		      "truncated while mapped: %d %s", err, fbk_last_error());
		fbk_surface_destroy(s);
	}
	fbk_image_close(image);
	unlink(path);
	free(data);
}

/*
 * A file rewritten in place (same size) between open and draw: the
 * mapping is private but shows the new bytes. A 3-component JPEG replaced
 * by a CMYK one of the same size must not be decoded as 32-bit words into
 * a 24-bit surface's rows (past each row, and past the last one): the
 * draw fails with -EIO, and no byte around the surface changes.
 */
static void check_replaced_while_mapped(void)
{
	int w = 40, h = 8;
	struct jpeg_spec rgb = { w, h, JCS_RGB, JCS_YCbCr, 1, 1, 0, 0, 0, 0, NULL, 0 };
	struct jpeg_spec cmyk = { w, h, JCS_CMYK, JCS_CMYK, 0, 0, 0, 0, 0, 0, NULL, 0 };
	uint8_t *a, *b;
	size_t a_size, b_size;
	if (jpeg_make(&rgb, NULL, &a, &a_size))
		return;
	if (jpeg_make(&cmyk, NULL, &b, &b_size)) {
		free(a);
		return;
	}
	/* Both padded to one size: bytes after EOI are never read. */
	size_t size = (a_size > b_size ? a_size : b_size) + 16;
	uint8_t *pad = calloc(1, size);
	char path[300];
	temp_path(path, sizeof(path), "replaced.jpg");
	memcpy(pad, a, a_size);
	CHECK(write_file(path, pad, size) == 0, "write %s", path);
	struct fbk_image *image = NULL;
	int err = fbk_image_open(&image, path, NULL);
	CHECK(err == 0, "open %s: %s", path, fbk_last_error());
	if (!err) {
		memset(pad, 0, size);
		memcpy(pad, b, b_size);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		CHECK(fd >= 0 && pwrite(fd, pad, size, 0) == (ssize_t)size, "rewrite %s", path);
		if (fd >= 0)
			close(fd);
		size_t stride = (size_t)w * 3, guard = (size_t)w * 2;
		uint8_t *block = malloc(stride * h + guard);
		memset(block, 0x5a, stride * h + guard);
		struct fbk_surface s;
		fbk_surface_init(&s, block, w, h, stride, FBK_FORMAT_RGB888);
		err = fbk_image_draw(&s, image, 0, 0, FBK_OP_SRC);
		bool intact = true;
		for (size_t i = 0; i < guard; i++)
			intact &= block[stride * h + i] == 0x5a;
		CHECK(intact, "replaced while mapped: the draw wrote past the surface (%d %s)", err,
		      fbk_last_error());
		CHECK(err == -EIO, "replaced while mapped: %d %s", err, fbk_last_error());
		free(block);
	}
	fbk_image_close(image);
	unlink(path);
	free(pad);
	free(a);
	free(b);
}

/* Open looks at the bytes: a PNG called .jpg is a PNG, a JPEG called .png a JPEG. */
static void check_sniffing(void)
{
	struct jpeg_spec spec = { 20, 10, JCS_RGB, JCS_YCbCr, 2, 2, 0, 0, 0, 0, NULL, 0 };
	uint8_t *data;
	size_t size;
	if (jpeg_make(&spec, NULL, &data, &size))
		return;
	char path[300];
	temp_path(path, sizeof(path), "photo.png");
	write_file(path, data, size);
	struct fbk_image *image = NULL;
	int err = fbk_image_open(&image, path, NULL);
	CHECK(err == 0 && fbk_image_get_info(image)->type == FBK_IMAGE_JPEG,
	      "a JPEG called .png: %d %s", err, fbk_last_error());
	fbk_image_close(image);
	unlink(path);
	free(data);

#if FBK_HAVE_PNG
	struct fbk_surface *s = NULL;
	fbk_surface_create(&s, 5, 4, FBK_FORMAT_ARGB8888);
	fbk_fill(s, NULL, (struct fbk_color){ 10, 200, 30, 128 });
	temp_path(path, sizeof(path), "picture.jpg");
	CHECK(fbk_png_save(s, path) == 0, "save: %s", fbk_last_error());
	err = fbk_image_open(&image, path, NULL);
	CHECK(err == 0 && fbk_image_get_info(image)->type == FBK_IMAGE_PNG &&
	      fbk_image_get_info(image)->has_alpha,
	      "a PNG called .jpg: %d %s", err, fbk_last_error());
	if (!err) {
		struct fbk_surface *t = NULL;
		fbk_surface_create(&t, 5, 4, FBK_FORMAT_ARGB8888);
		err = fbk_image_draw(t, image, 0, 0, FBK_OP_SRC);
		CHECK(err == 0 && color_equal(pixel_at(t, 4, 3), pixel_at(s, 4, 3)),
		      "the PNG drawn through the image API: %d %s", err, fbk_last_error());
		fbk_surface_destroy(t);
	}
	fbk_image_close(image);
	unlink(path);
	fbk_surface_destroy(s);
#endif

	err = fbk_image_open_memory(&image, "GIF89a\1\0\1\0", 10, "anim.png", NULL);
	CHECK(err == -EBADMSG && strstr(fbk_last_error(), "(GIF)"), "GIF: %d %s", err,
	      fbk_last_error());
	err = fbk_image_open_memory(&image, "hello, world", 12, "text", NULL);
	CHECK(err == -EBADMSG && strstr(fbk_last_error(), "not an image"), "text: %d %s", err,
	      fbk_last_error());
	err = fbk_image_open(&image, temp_dir, NULL);
	CHECK(err == -EISDIR, "a directory: %d %s", err, fbk_last_error());
}

/* ---- threads ------------------------------------------------------------ */

struct thread_job {
	const struct fbk_image *image;
	struct fbk_surface *s;
	int err;
	bool fit;
};

static void *draw_job(void *arg)
{
	struct thread_job *j = arg;
	struct fbk_rect box = { 0, 0, j->s->width, j->s->height };
	for (int i = 0; i < 5 && !j->err; i++)
		j->err = j->fit ? fbk_image_draw_fit(j->s, j->image, &box, FBK_FIT_COVER, 0,
						     FBK_FILTER_SMOOTH, FBK_OP_SRC)
				: fbk_image_draw(j->s, j->image, 0, 0, FBK_OP_SRC);
	return NULL;
}

/* Several threads drawing one handle at once get what one thread alone gets. */
static void check_threads(void)
{
	struct jpeg_spec spec = { 900, 600, JCS_RGB, JCS_YCbCr, 2, 2, 0, 0, 0, 0, NULL, 0 };
	uint8_t *data;
	size_t size;
	struct fbk_image *image = NULL;
	if (jpeg_make(&spec, NULL, &data, &size) ||
	    fbk_image_open_memory(&image, data, size, "threads", NULL)) {
		CHECK(0, "threads: cannot make or open the file");
		return;
	}
	enum { N = 4 };
	struct thread_job jobs[N], alone[2];
	pthread_t threads[N];
	for (int k = 0; k < 2; k++) {
		alone[k] = (struct thread_job){ .image = image, .fit = k };
		fbk_surface_create(&alone[k].s, k ? 290 : 900, k ? 170 : 600, FBK_FORMAT_RGB565);
		draw_job(&alone[k]);
	}
	for (int i = 0; i < N; i++) {
		jobs[i] = (struct thread_job){ .image = image, .fit = i & 1 };
		fbk_surface_create(&jobs[i].s, alone[i & 1].s->width, alone[i & 1].s->height,
				   FBK_FORMAT_RGB565);
		pthread_create(&threads[i], NULL, draw_job, &jobs[i]);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(threads[i], NULL);
		const struct fbk_surface *want = alone[i & 1].s;
		CHECK(jobs[i].err == 0 && alone[i & 1].err == 0 &&
		      !memcmp(jobs[i].s->pixels, want->pixels, want->stride * (size_t)want->height),
		      "thread %d: %d %s", i, jobs[i].err, fbk_last_error());
		fbk_surface_destroy(jobs[i].s);
	}
	fbk_surface_destroy(alone[0].s);
	fbk_surface_destroy(alone[1].s);
	fbk_image_close(image);
	free(data);
}

/* ---- files made by the tools --------------------------------------------- */

static int run(const char *cmd)
{
	int status = system(cmd);
	return status == 0 ? 0 : -1;
}

static int read_file(const char *path, uint8_t **out, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*out = malloc(n > 0 ? (size_t)n : 1);
	*size = fread(*out, 1, (size_t)n, f);
	fclose(f);
	return *size == (size_t)n ? 0 : -1;
}

/* A PPM of the pattern, then cjpeg and jpegtran with the options each case names. */
static void check_tools(void)
{
	if (run("command -v cjpeg >/dev/null && command -v jpegtran >/dev/null"))
		SKIP("cjpeg or jpegtran not found (Debian: libjpeg-turbo-progs)");
	char ppm[300], pgm[300];
	temp_path(ppm, sizeof(ppm), "pattern.ppm");
	temp_path(pgm, sizeof(pgm), "pattern.pgm");
	int w = 83, h = 59;
	FILE *f = fopen(ppm, "wb"), *g = fopen(pgm, "wb");
	fprintf(f, "P6\n%d %d\n255\n", w, h);
	fprintf(g, "P5\n%d %d\n255\n", w, h);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			for (int c = 0; c < 3; c++)
				fputc(jmake_sample(x, y, c, w, h), f);
			fputc(jmake_sample(x, y, 0, w, h), g);
		}
	fclose(f);
	fclose(g);
	static const struct {
		const char *what, *cjpeg, *jpegtran;
		bool grey;
	} cases[] = {
		{ "cjpeg 4:2:0", "-quality 90 -sample 2x2", NULL, false },
		{ "cjpeg 4:2:2 restart", "-quality 85 -sample 2x1 -restart 1", NULL, false },
		{ "cjpeg 4:4:4 optimized", "-quality 95 -sample 1x1 -optimize", NULL, false },
		{ "cjpeg 4:1:1", "-sample 4x1", NULL, false },
		{ "cjpeg progressive", "-progressive -sample 2x2", NULL, false },
		{ "cjpeg arithmetic", "-arithmetic", NULL, false },
		{ "cjpeg greyscale", "-grayscale", NULL, true },
		{ "cjpeg RGB", "-rgb", NULL, false },
		{ "jpegtran progressive", "-sample 2x2", "-progressive", false },
		{ "jpegtran restart", "-sample 2x2", "-restart 2B", false },
		{ "jpegtran arithmetic", "-sample 2x1", "-arithmetic", false },
		{ "jpegtran crop to odd size", "-sample 2x2", "-crop 45x31+16+8", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char made[300], cmd[1200];
		temp_path(made, sizeof(made), "made.jpg");
		int n = snprintf(cmd, sizeof(cmd), "cjpeg %s -outfile '%s' '%s'", cases[i].cjpeg,
				 made, cases[i].grey ? pgm : ppm);
		if (cases[i].jpegtran)
			snprintf(cmd + n, sizeof(cmd) - (size_t)n,
				 " && jpegtran %s -outfile '%s.t' '%s' && mv '%s.t' '%s'",
				 cases[i].jpegtran, made, made, made, made);
		uint8_t *data;
		size_t size;
		if (run(cmd) || read_file(made, &data, &size)) {
			CHECK(0, "%s: %s failed", cases[i].what, cmd);
			continue;
		}
		check_exact(cases[i].what, data, size);
		free(data);
		unlink(made);
	}
	unlink(ppm);
	unlink(pgm);
}

/* The test data's photos, made JPEG at quality 90 by cjpeg from a PPM fbkit writes. */
static void check_photos(void)
{
	const char *dir = testdata_dir();
	if (!dir)
		SKIP("no test data (FBKIT_TESTDATA)");
#if !FBK_HAVE_PNG
	SKIP("the photos are PNG, and fbkit was built without libpng");
#else
	static const char *names[] = { "kodim23.png", "kodim07.png" };
	int done = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[600];
		snprintf(path, sizeof(path), "%s/photos/%s", dir, names[i]);
		struct fbk_surface *s = NULL;
		if (fbk_png_load(&s, path, FBK_FORMAT_XRGB8888))
			continue;
		uint8_t *rgb = malloc((size_t)s->width * s->height * 3);
		for (int32_t y = 0; y < s->height; y++)
			for (int32_t x = 0; x < s->width; x++) {
				struct fbk_color c = pixel_at(s, x, y);
				uint8_t *p = rgb + ((size_t)y * s->width + x) * 3;
				p[0] = c.r;
				p[1] = c.g;
				p[2] = c.b;
			}
		for (int progressive = 0; progressive < 2; progressive++) {
			struct jpeg_spec spec = { s->width, s->height, JCS_RGB, JCS_YCbCr, 2, 2,
						  progressive, 0, 0, 90, NULL, 0 };
			uint8_t *data;
			size_t size;
			if (jpeg_make(&spec, rgb, &data, &size))
				continue;
			char what[700];
			snprintf(what, sizeof(what), "%s%s", names[i], progressive ? " progressive" : "");
			check_exact(what, data, size);
			check_cover_columns(what, data, size);
			free(data);
			done++;
		}
		free(rgb);
		fbk_surface_destroy(s);
	}
	if (!done)
		SKIP("no photos in %s/photos", dir);
#endif
}

int main(int argc, char **argv)
{
	snprintf(temp_dir, sizeof(temp_dir), "%s/test_jpeg.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(temp_dir))
		SKIP("cannot make a temporary folder");
	if (argc > 1 && !strcmp(argv[1], "--tools")) {
		check_tools();
	} else if (argc > 1 && !strcmp(argv[1], "--photos")) {
		check_photos();
	} else {
		check_kinds();
		check_orientations();
		check_orientations_scaled();
		check_cover_skips();
		check_bad_exif();
		check_damage();
		check_limits();
		check_missing_eoi();
		check_arithmetic_cut();
		check_scan_limit();
		check_truncated_while_mapped();
		check_replaced_while_mapped();
		check_sniffing();
		check_threads();
	}
	rmdir(temp_dir);
	return harness_exit();
}

#else

int main(void)
{
	struct fbk_image *image = NULL;
	int err = fbk_image_open_memory(&image, "\xff\xd8\xff\xe0", 4, "photo.jpg", NULL);
	if (err != -ENOTSUP || !strstr(fbk_last_error(), "-Djpeg")) {
		fprintf(stderr, "FAILED: a JPEG without libjpeg-turbo: %d %s\n", err,
			fbk_last_error());
		return 1;
	}
	SKIP("fbkit was built without libjpeg-turbo (-Djpeg=enabled)");
}

#endif
