/*
 * make_jpeg: a PNG written as the JPEG a camera or a photo export would
 * write (quality 90, 4:2:0, baseline), by libjpeg-turbo's compressor, for
 * the VM startup test (vm_startup.py) and by hand. The same settings as
 * fbkit-bench's jpeg group.
 *
 *   make_jpeg IN.png OUT.jpg
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>

#include "fbkit/compare.h"
#include "fbkit/surface.h"

struct error {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
};

static void on_error(j_common_ptr cinfo)
{
	struct error *err = (struct error *)(void *)cinfo->err;
	(*cinfo->err->output_message)(cinfo);
	longjmp(err->jump, 1);
}

static int compress(const struct fbk_surface *s, FILE *out)
{
	struct jpeg_compress_struct cinfo;
	struct error err;
	uint8_t *row = malloc((size_t)s->width * 3);
	if (!row)
		return -1;
	cinfo.err = jpeg_std_error(&err.pub);
	err.pub.error_exit = on_error;
	if (setjmp(err.jump)) {
		jpeg_destroy_compress(&cinfo);
		free(row);
		return -1;
	}
	jpeg_create_compress(&cinfo);
	jpeg_stdio_dest(&cinfo, out);
	cinfo.image_width = (JDIMENSION)s->width;
	cinfo.image_height = (JDIMENSION)s->height;
	cinfo.input_components = 3;
	cinfo.in_color_space = JCS_RGB;
	jpeg_set_defaults(&cinfo); /* 2x2 luma sampling: 4:2:0 */
	jpeg_set_quality(&cinfo, 90, TRUE);
	jpeg_start_compress(&cinfo, TRUE);
	for (int32_t y = 0; y < s->height; y++) {
		const uint32_t *p = fbk_surface_pixel(s, 0, y);
		for (int32_t x = 0; x < s->width; x++) {
			row[3 * x] = (uint8_t)(p[x] >> 16);
			row[3 * x + 1] = (uint8_t)(p[x] >> 8);
			row[3 * x + 2] = (uint8_t)p[x];
		}
		JSAMPROW r = row;
		jpeg_write_scanlines(&cinfo, &r, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	free(row);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "Usage: make_jpeg IN.png OUT.jpg\n");
		return 2;
	}
	struct fbk_surface *s = NULL;
	if (fbk_png_load(&s, argv[1], FBK_FORMAT_XRGB8888)) {
		fprintf(stderr, "make_jpeg: %s\n", fbk_last_error());
		return 1;
	}
	FILE *out = fopen(argv[2], "wb");
	int err = out ? compress(s, out) : -1;
	if (out && fclose(out))
		err = -1;
	fbk_surface_destroy(s);
	if (err) {
		fprintf(stderr, "make_jpeg: cannot write %s\n", argv[2]);
		remove(argv[2]);
		return 1;
	}
	return 0;
}
