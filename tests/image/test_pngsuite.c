/*
 * Every file of PngSuite ($FBKIT_TESTDATA/pngsuite). Each valid file is
 * drawn with OVER onto a known background in XRGB8888 and in RGB565 and
 * must equal an independent decode by libspng (16-bit RGBA, tRNS applied,
 * no gamma; rounded to 8 bits as (v * 255 + 32767) / 65535, which is what
 * libpng's png_set_scale_16 computes) composited with fbk_over_pixel and
 * stored with fbk_color_pack, pixel for pixel. Every x*.png must fail with
 * a message naming the file and leave the destination outside the image
 * untouched. One line per failure, then a summary.
 */
#include <dirent.h>
#include <errno.h>

#include "config.h"
#include "harness.h"

#if FBK_HAVE_PNG && FBK_HAVE_SPNG

#include <spng.h>

#include "pixel/pixel.h"

#define MARGIN 3

static int read_whole(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*data = malloc(n > 0 ? (size_t)n : 1);
	*size = n > 0 ? (size_t)n : 0;
	size_t got = *data ? fread(*data, 1, *size, f) : 0;
	fclose(f);
	return got == *size ? 0 : -1;
}

static struct fbk_color background(int32_t x, int32_t y)
{
	return (x / 3 + y / 3) % 2 ? FBK_RGB(200, 40, 90) : FBK_RGB(20, 160, 230);
}

static uint32_t load_pixel(const struct fbk_surface *s, int32_t x, int32_t y)
{
	const uint8_t *p = fbk_surface_pixel(s, x, y);
	uint32_t v = 0;
	for (int i = 0; i < fbk_format_info(s->format)->bytes_per_pixel; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static void store_pixel(struct fbk_surface *s, int32_t x, int32_t y, uint32_t v)
{
	uint8_t *p = fbk_surface_pixel(s, x, y);
	for (int i = 0; i < fbk_format_info(s->format)->bytes_per_pixel; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t round16(uint16_t v)
{
	return (uint8_t)(((uint32_t)v * 255 + 32767) / 65535);
}

/* A guarded (w + 2 MARGIN) x (h + 2 MARGIN) surface holding the background. */
static int make_target(struct guarded *g, int32_t w, int32_t h, uint32_t format)
{
	if (guarded_init(g, w + 2 * MARGIN, h + 2 * MARGIN, 5, format))
		return -1;
	for (int32_t y = 0; y < g->surface.height; y++)
		for (int32_t x = 0; x < g->surface.width; x++)
			store_pixel(&g->surface, x, y, fbk_color_pack(format, background(x, y)));
	return 0;
}

/* libspng's pixels as 0xAARRGGBB, or NULL with a reason. */
static uint32_t *decode_spng(const uint8_t *data, size_t size, struct spng_ihdr *ihdr,
			     const char **why)
{
	spng_ctx *ctx = spng_ctx_new(0);
	uint16_t *rgba = NULL;
	uint32_t *argb = NULL;
	size_t bytes;
	int err = spng_set_png_buffer(ctx, data, size);
	if (!err)
		err = spng_get_ihdr(ctx, ihdr);
	if (!err)
		err = spng_decoded_image_size(ctx, SPNG_FMT_RGBA16, &bytes);
	if (!err && !(rgba = malloc(bytes)))
		err = SPNG_EMEM;
	if (!err)
		err = spng_decode_image(ctx, rgba, bytes, SPNG_FMT_RGBA16, SPNG_DECODE_TRNS);
	if (err) {
		*why = spng_strerror(err);
	} else {
		size_t pixels = (size_t)ihdr->width * ihdr->height;
		argb = malloc(pixels * 4);
		for (size_t i = 0; argb && i < pixels; i++) {
			const uint16_t *p = rgba + 4 * i;
			argb[i] = (uint32_t)round16(p[3]) << 24 | (uint32_t)round16(p[0]) << 16 |
				  (uint32_t)round16(p[1]) << 8 | round16(p[2]);
		}
	}
	free(rgba);
	spng_ctx_free(ctx);
	return argb;
}

/* Returns true when the file decoded exactly as libspng says. */
static bool check_valid(const char *path, const char *name)
{
	uint8_t *data = NULL;
	size_t size = 0;
	if (read_whole(path, &data, &size)) {
		CHECK(0, "%s: cannot read", name);
		free(data);
		return false;
	}
	struct spng_ihdr ihdr;
	const char *why = NULL;
	uint32_t *want = decode_spng(data, size, &ihdr, &why);
	free(data);
	if (!want) {
		CHECK(0, "%s: libspng cannot decode it: %s", name, why);
		return false;
	}
	struct fbk_png *png = NULL;
	int err = fbk_png_open(&png, path, NULL);
	bool ok = !err;
	CHECK(!err, "%s: open returned %d (%s)", name, err, fbk_last_error());
	const struct fbk_png_info *info = png ? fbk_png_get_info(png) : NULL;
	if (info && (info->width != (int32_t)ihdr.width || info->height != (int32_t)ihdr.height ||
		     info->bit_depth != ihdr.bit_depth || (int)info->color_type != ihdr.color_type ||
		     info->interlaced != (ihdr.interlace_method != 0))) {
		CHECK(0, "%s: header differs from libspng's", name);
		ok = false;
	}
	static const uint32_t formats[] = { FBK_FORMAT_XRGB8888, FBK_FORMAT_RGB565 };
	for (size_t f = 0; png && f < 2; f++) {
		uint32_t format = formats[f];
		struct guarded g;
		int32_t w = (int32_t)ihdr.width, h = (int32_t)ihdr.height;
		if (make_target(&g, w, h, format)) {
			CHECK(0, "%s: no memory", name);
			ok = false;
			break;
		}
		err = fbk_png_draw(&g.surface, png, MARGIN, MARGIN, FBK_OP_OVER);
		CHECK(!err, "%s: draw into %s returned %d (%s)", name, fbk_format_info(format)->name,
		      err, fbk_last_error());
		int bad = 0;
		int32_t bx = 0, by = 0;
		for (int32_t y = 0; y < g.surface.height; y++)
			for (int32_t x = 0; x < g.surface.width; x++) {
				uint32_t expected = fbk_color_pack(format, background(x, y));
				int32_t ix = x - MARGIN, iy = y - MARGIN;
				if (ix >= 0 && iy >= 0 && ix < w && iy < h) {
					struct fbk_color bg = fbk_color_unpack(format, expected);
					uint32_t src = want[(size_t)iy * (size_t)w + (size_t)ix];
					uint32_t over = fbk_over_pixel(fbk_argb(bg), src, false);
					struct fbk_color c = { (uint8_t)(over >> 16), (uint8_t)(over >> 8),
							       (uint8_t)over, (uint8_t)(over >> 24) };
					expected = fbk_color_pack(format, c);
				}
				if (load_pixel(&g.surface, x, y) != expected && !bad++) {
					bx = x;
					by = y;
				}
			}
		CHECK(!bad, "%s in %s: %d pixels differ from libspng's, first at (%d,%d)", name,
		      fbk_format_info(format)->name, bad, (int)bx - MARGIN, (int)by - MARGIN);
		CHECK(guarded_intact(&g), "%s: wrote outside the surface", name);
		ok = ok && !err && !bad && guarded_intact(&g);
		guarded_finish(&g);
	}
	fbk_png_close(png);
	free(want);
	return ok;
}

/* Returns true when the file was rejected properly. */
static bool check_invalid(const char *path, const char *name)
{
	struct fbk_png *png = NULL;
	int err = fbk_png_open(&png, path, NULL);
	int32_t w = 1, h = 1;
	bool drawn = false;
	struct guarded g;
	uint8_t *before = NULL;
	if (!err) {
		const struct fbk_png_info *info = fbk_png_get_info(png);
		w = info->width;
		h = info->height;
		if (make_target(&g, w, h, FBK_FORMAT_XRGB8888)) {
			CHECK(0, "%s: no memory", name);
			fbk_png_close(png);
			return false;
		}
		before = malloc(g.block_size);
		memcpy(before, g.block, g.block_size);
		err = fbk_png_draw(&g.surface, png, MARGIN, MARGIN, FBK_OP_OVER);
		drawn = true;
	}
	bool ok = err < 0 && strstr(fbk_last_error(), name);
	CHECK(err < 0, "%s: accepted, should fail", name);
	CHECK(err >= 0 || strstr(fbk_last_error(), name), "%s: message does not name the file: %s",
	      name, fbk_last_error());
	if (drawn) {
		int outside = 0;
		for (int32_t y = 0; y < g.surface.height; y++)
			for (int32_t x = 0; x < g.surface.width; x++) {
				bool inside = x >= MARGIN && y >= MARGIN && x < MARGIN + w &&
					      y < MARGIN + h;
				size_t at = (size_t)((uint8_t *)fbk_surface_pixel(&g.surface, x, y) -
						     g.block);
				outside += !inside && memcmp(g.block + at, before + at, 4);
			}
		CHECK(!outside && guarded_intact(&g), "%s: changed %d pixels outside the image",
		      name, outside);
		ok = ok && !outside && guarded_intact(&g);
		guarded_finish(&g);
	}
	free(before);
	fbk_png_close(png);
	return ok;
}

static int is_png(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n > 4 && !strcmp(e->d_name + n - 4, ".png");
}

int main(void)
{
	const char *root = testdata_dir();
	if (!root)
		SKIP("FBKIT_TESTDATA is not set: no PngSuite to check");
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/pngsuite", root);
	struct dirent **names;
	int n = scandir(dir, &names, is_png, alphasort);
	if (n < 0)
		SKIP("%s is absent: PngSuite not checked", dir);
	int valid = 0, valid_ok = 0, invalid = 0, invalid_ok = 0;
	for (int i = 0; i < n; i++) {
		char path[2048];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] == 'x') {
			invalid++;
			invalid_ok += check_invalid(path, names[i]->d_name);
		} else {
			valid++;
			valid_ok += check_valid(path, names[i]->d_name);
		}
		free(names[i]);
	}
	free(names);
	printf("pngsuite: %d/%d valid files identical to libspng (XRGB8888 and RGB565), "
	       "%d/%d x*.png rejected\n",
	       valid_ok, valid, invalid_ok, invalid);
	CHECK(valid > 100 && invalid > 10, "too few files in %s", dir);
	return harness_exit();
}

#else

int main(void)
{
#if !FBK_HAVE_PNG
	SKIP("fbkit built without libpng: PngSuite not checked");
#else
	SKIP("libspng (Debian package libspng-dev) not found: PngSuite not checked");
#endif
}

#endif
