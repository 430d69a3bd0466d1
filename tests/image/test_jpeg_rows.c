/*
 * Where fbkit asks libjpeg-turbo to put the scanlines it reads back: never
 * on a 16-byte boundary. libjpeg-turbo's x86 colour converters write such
 * a row with non-temporal stores (past the cache), and reading it back
 * then comes from memory: the JPEG `contain` time swung by about 25% with
 * heap placement alone (src/image/jpeg_internal.h, fbk_jpeg_row_alloc).
 * jpeg_read_scanlines is wrapped at link time to see every row pointer;
 * rows inside the destination surface (libjpeg-turbo writing the surface
 * itself) are left as they are. Each case must hand over rows, so none
 * passes by decoding nothing. jpeg_skip_scanlines is wrapped too: cover
 * that cuts rows off must skip those above, not decode them; and cover
 * that cuts the sides off must decode rows cropped to the middle
 * (jpeg_crop_scanline: the scanlines narrower than the decoded picture).
 */
#include <stdint.h>

#include "config.h"
#include "harness.h"

#if FBK_HAVE_JPEG

#include "jpeg_make.h"

JDIMENSION __real_jpeg_read_scanlines(j_decompress_ptr cinfo, JSAMPARRAY rows, JDIMENSION max);
JDIMENSION __wrap_jpeg_read_scanlines(j_decompress_ptr cinfo, JSAMPARRAY rows, JDIMENSION max);
JDIMENSION __real_jpeg_skip_scanlines(j_decompress_ptr cinfo, JDIMENSION n);
JDIMENSION __wrap_jpeg_skip_scanlines(j_decompress_ptr cinfo, JDIMENSION n);

static const uint8_t *surface_lo, *surface_hi; /* the destination's pixels */
static int rows_seen, rows_aligned, rows_skipped;
static uintptr_t first_aligned;
static JDIMENSION widest, full_width; /* scanlines read, and the picture at its scale */

JDIMENSION __wrap_jpeg_read_scanlines(j_decompress_ptr cinfo, JSAMPARRAY rows, JDIMENSION max)
{
	if (cinfo->output_width > widest)
		widest = cinfo->output_width;
	full_width = (cinfo->image_width * cinfo->scale_num + cinfo->scale_denom - 1) /
		     cinfo->scale_denom;
	for (JDIMENSION i = 0; i < max; i++) {
		const uint8_t *p = rows[i];
		if (p >= surface_lo && p < surface_hi)
			continue;
		rows_seen++;
		if ((uintptr_t)p % 16 == 0 && rows_aligned++ == 0)
			first_aligned = (uintptr_t)p;
	}
	return __real_jpeg_read_scanlines(cinfo, rows, max);
}

JDIMENSION __wrap_jpeg_skip_scanlines(j_decompress_ptr cinfo, JDIMENSION n)
{
	rows_skipped += (int)n;
	return __real_jpeg_skip_scanlines(cinfo, n);
}

enum draw_kind { PLAIN, CONTAIN, COVER, COVER_TALL };

static void check_case(const char *what, const struct jpeg_spec *spec, uint32_t format,
		       enum draw_kind kind)
{
	uint8_t *data;
	size_t size;
	struct fbk_image *image = NULL;
	struct fbk_surface *dst = NULL;
	if (jpeg_make(spec, NULL, &data, &size)) {
		CHECK(0, "%s: cannot make the file", what);
		return;
	}
	int err = fbk_image_open_memory(&image, data, size, what, NULL);
	if (!err)
		err = fbk_surface_create(&dst, 150, 100, format);
	CHECK(!err, "%s: open or surface: %s", what, fbk_last_error());
	if (err)
		goto out;
	surface_lo = dst->pixels;
	surface_hi = surface_lo + (size_t)dst->stride * (size_t)dst->height;
	rows_seen = rows_aligned = rows_skipped = 0;
	widest = full_width = 0;
	/* COVER_TALL: 400x300 at 1/2 is 200x150, scaled to 133x100 to cover 50x100: sides cut. */
	struct fbk_rect box = { 0, 0, kind == COVER_TALL ? 50 : 150, 100 };
	if (kind == PLAIN)
		err = fbk_image_draw(dst, image, 0, 0, FBK_OP_SRC);
	else
		err = fbk_image_draw_fit(dst, image, &box,
					 kind == CONTAIN ? FBK_FIT_CONTAIN : FBK_FIT_COVER,
					 FBK_ALIGN_CENTER, FBK_FILTER_SMOOTH, FBK_OP_SRC);
	CHECK(!err, "%s: draw: %s", what, fbk_last_error());
	CHECK(rows_seen > 0, "%s: no scanline was read into fbkit's own rows", what);
	CHECK(rows_aligned == 0,
	      "%s: %d of %d rows read back were on a 16-byte boundary (first at %#lx): "
	      "libjpeg-turbo writes those past the cache",
	      what, rows_aligned, rows_seen, (unsigned long)first_aligned);
	/* 400x300 at 1/2 is 200x150, scaled to 150x113 to cover 150x100: rows above cut. */
	if (kind == COVER)
		CHECK(rows_skipped > 0 && rows_seen + rows_skipped <= 150,
		      "%s: %d rows skipped, %d read: the rows above the box must be skipped", what,
		      rows_skipped, rows_seen);
	if (kind == COVER_TALL)
		CHECK(widest > 0 && widest < full_width,
		      "%s: scanlines %u wide of the picture's %u: the sides cut off were decoded",
		      what, (unsigned)widest, (unsigned)full_width);
out:
	fbk_surface_destroy(dst);
	fbk_image_close(image);
	free(data);
}

int main(void)
{
	/* 4:2:0 and 4:4:4 YCbCr, CMYK (converted by fbkit from its own row). */
	struct jpeg_spec ycc420 = { 400, 300, JCS_RGB, JCS_YCbCr, 2, 2, 0, 0, 0, 90, NULL, 0 };
	struct jpeg_spec ycc444 = { 120, 90, JCS_RGB, JCS_YCbCr, 1, 1, 0, 0, 0, 90, NULL, 0 };
	struct jpeg_spec cmyk = { 400, 300, JCS_CMYK, JCS_CMYK, 1, 1, 0, 0, 0, 90, NULL, 0 };
	/* DCT 1/2, then the scaler's box sums. */
	check_case("contain, 4:2:0", &ycc420, FBK_FORMAT_XRGB8888, CONTAIN);
	/* Rows above and below the box dropped, the rest scaled. */
	check_case("cover, 4:2:0", &ycc420, FBK_FORMAT_XRGB8888, COVER);
	/* Columns left and right of the box cropped, the rest scaled. */
	check_case("cover the sides off, 4:2:0", &ycc420, FBK_FORMAT_XRGB8888, COVER_TALL);
	check_case("cover the sides off, CMYK", &cmyk, FBK_FORMAT_XRGB8888, COVER_TALL);
	/* A format libjpeg-turbo does not write: words, then fbk_blit. */
	check_case("plain into RGB565", &ycc444, FBK_FORMAT_RGB565, PLAIN);
	check_case("contain, CMYK", &cmyk, FBK_FORMAT_XRGB8888, CONTAIN);
	return harness_exit();
}

#else

int main(void)
{
	SKIP("built without libjpeg-turbo (-Djpeg)");
}

#endif
