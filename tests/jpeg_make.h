/*
 * Test helpers for JPEG: files made with libjpeg-turbo's own compressor
 * (every colour space, sampling, progression, coding and restart
 * interval a test asks for), and libjpeg-turbo's own decode of a file at a
 * DCT scale into 0xffRRGGBB words: the reference fbkit must equal.
 */
#ifndef FBK_TEST_JPEG_MAKE_H
#define FBK_TEST_JPEG_MAKE_H

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

struct jpeg_spec {
	int width, height;
	J_COLOR_SPACE in_space;   /* JCS_RGB, JCS_GRAYSCALE or JCS_CMYK */
	J_COLOR_SPACE file_space; /* JCS_YCbCr, JCS_RGB, JCS_GRAYSCALE, JCS_CMYK, JCS_YCCK */
	int h_samp, v_samp;       /* the first component's; 0 means 1 */
	bool progressive, arithmetic;
	int restart_rows;         /* restart_in_rows (MCU rows), 0 for none */
	int quality;              /* 0 means 90 */
	const uint8_t *exif;      /* an APP1 segment's data, or NULL */
	size_t exif_size;
};

struct jmake_error {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
};

static void jmake_on_error(j_common_ptr cinfo)
{
	longjmp(((struct jmake_error *)(void *)cinfo->err)->jump, 1);
}

static void jmake_silent(j_common_ptr cinfo, int level)
{
	(void)cinfo;
	(void)level;
}

/* A smooth pattern with detail, in the spec's input colour space. */
static inline uint8_t jmake_sample(int x, int y, int c, int w, int h)
{
	int base = c == 0 ? x * 255 / (w > 1 ? w - 1 : 1)
		 : c == 1 ? y * 255 / (h > 1 ? h - 1 : 1)
		 : c == 2 ? ((x + y) * 4) & 255
			  : ((x ^ y) * 3) & 255;
	int detail = ((x * 7 + y * 13 + c * 29) % 17) * 3;
	return (uint8_t)((base + detail) & 255);
}

/*
 * The file, malloc'ed into *out (free it), or -1. pixels may be NULL for
 * the pattern. scans: for a progressive spec, this scan script instead of
 * libjpeg's (NULL for libjpeg's).
 */
static inline int jpeg_make_scans(const struct jpeg_spec *spec, const uint8_t *pixels,
				  const jpeg_scan_info *scans, int num_scans, uint8_t **out,
				  size_t *size)
{
	struct jpeg_compress_struct cinfo;
	struct jmake_error err;
	unsigned char *mem = NULL;
	unsigned long mem_size = 0;
	int comps = spec->in_space == JCS_GRAYSCALE ? 1 : spec->in_space == JCS_CMYK ? 4 : 3;
	uint8_t *row = malloc((size_t)spec->width * (size_t)comps);
	cinfo.err = jpeg_std_error(&err.pub);
	err.pub.error_exit = jmake_on_error;
	err.pub.emit_message = jmake_silent;
	if (setjmp(err.jump)) {
		jpeg_destroy_compress(&cinfo);
		free(row);
		free(mem);
		return -1;
	}
	jpeg_create_compress(&cinfo);
	jpeg_mem_dest(&cinfo, &mem, &mem_size);
	cinfo.image_width = (JDIMENSION)spec->width;
	cinfo.image_height = (JDIMENSION)spec->height;
	cinfo.input_components = comps;
	cinfo.in_color_space = spec->in_space;
	jpeg_set_defaults(&cinfo);
	jpeg_set_colorspace(&cinfo, spec->file_space);
	jpeg_set_quality(&cinfo, spec->quality ? spec->quality : 90, TRUE);
	if (spec->h_samp) {
		cinfo.comp_info[0].h_samp_factor = spec->h_samp;
		cinfo.comp_info[0].v_samp_factor = spec->v_samp ? spec->v_samp : 1;
	}
	if (spec->progressive)
		jpeg_simple_progression(&cinfo);
	if (spec->progressive && scans) {
		cinfo.scan_info = scans;
		cinfo.num_scans = num_scans;
	}
	cinfo.arith_code = spec->arithmetic;
	cinfo.restart_in_rows = spec->restart_rows;
	jpeg_start_compress(&cinfo, TRUE);
	if (spec->exif)
		jpeg_write_marker(&cinfo, JPEG_APP0 + 1, spec->exif, (unsigned)spec->exif_size);
	for (int y = 0; y < spec->height; y++) {
		for (int x = 0; x < spec->width; x++)
			for (int c = 0; c < comps; c++)
				row[(size_t)x * comps + c] =
					pixels ? pixels[((size_t)y * spec->width + x) * comps + c]
					       : jmake_sample(x, y, c, spec->width, spec->height);
		JSAMPROW r = row;
		jpeg_write_scanlines(&cinfo, &r, 1);
	}
	jpeg_finish_compress(&cinfo);
	jpeg_destroy_compress(&cinfo);
	free(row);
	*out = mem;
	*size = mem_size;
	return 0;
}

static inline int jpeg_make(const struct jpeg_spec *spec, const uint8_t *pixels, uint8_t **out,
			    size_t *size)
{
	return jpeg_make_scans(spec, pixels, NULL, 0, out, size);
}

/*
 * libjpeg-turbo's own decode at eighths/8 into 0xffRRGGBB words (malloc'ed),
 * through JCS_EXT_BGRX, or for CMYK/YCCK through JCS_CMYK and the formula
 * fbkit documents. -1 when libjpeg-turbo refuses the file (reason in why).
 */
static inline int jpeg_reference(const uint8_t *data, size_t size, int eighths, uint32_t **out,
				 int *w, int *h, char *why)
{
	struct jpeg_decompress_struct cinfo;
	struct jmake_error err;
	uint8_t *row = NULL;
	uint32_t *pixels = NULL;
	cinfo.err = jpeg_std_error(&err.pub);
	err.pub.error_exit = jmake_on_error;
	err.pub.emit_message = jmake_silent;
	if (setjmp(err.jump)) {
		if (why)
			(*cinfo.err->format_message)((j_common_ptr)&cinfo, why);
		jpeg_destroy_decompress(&cinfo);
		free(row);
		free(pixels);
		return -1;
	}
	jpeg_create_decompress(&cinfo);
	jpeg_mem_src(&cinfo, data, (unsigned long)size);
	jpeg_read_header(&cinfo, TRUE);
	bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
	bool inverted = cinfo.saw_Adobe_marker;
	cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_BGRX;
	cinfo.scale_num = (unsigned)eighths;
	cinfo.scale_denom = 8;
	jpeg_start_decompress(&cinfo);
	*w = (int)cinfo.output_width;
	*h = (int)cinfo.output_height;
	row = malloc((size_t)*w * 4);
	pixels = malloc((size_t)*w * (size_t)*h * 4);
	for (int y = 0; y < *h; y++) {
		JSAMPROW r = row;
		jpeg_read_scanlines(&cinfo, &r, 1);
		for (int x = 0; x < *w; x++) {
			const uint8_t *p = row + 4 * x;
			uint32_t v;
			if (cmyk) {
				uint32_t c = p[0], m = p[1], yy = p[2], k = p[3];
				if (!inverted) {
					c = 255 - c;
					m = 255 - m;
					yy = 255 - yy;
					k = 255 - k;
				}
				v = (c * k + 127) / 255 << 16 | (m * k + 127) / 255 << 8 |
				    (yy * k + 127) / 255;
			} else {
				v = (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
			}
			pixels[(size_t)y * *w + x] = 0xff000000u | v;
		}
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	free(row);
	*out = pixels;
	return 0;
}

/* An APP1 EXIF segment's data with one IFD0 entry: Orientation = o. */
static inline size_t exif_orientation_segment(uint8_t *out, int o, bool big_endian)
{
	static const uint8_t le[] = { 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0,
				      2, 0,                         /* two entries */
				      0x0f, 0x01, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, /* Make, empty */
				      0x12, 0x01, 3, 0, 1, 0, 0, 0, 0, 0, 0, 0, /* Orientation */
				      0, 0, 0, 0 };
	static const uint8_t be[] = { 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8,
				      0, 2,
				      0x01, 0x0f, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0,
				      0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0,
				      0, 0, 0, 0 };
	memcpy(out, big_endian ? be : le, sizeof(le));
	/* the value: first two bytes of the entry's value field */
	size_t at = 6 + 8 + 2 + 12 + 8;
	out[at + (big_endian ? 1 : 0)] = (uint8_t)o;
	return sizeof(le);
}

#endif
