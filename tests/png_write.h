/*
 * Test helper: PNG files from known pixel data. encode_png() writes a
 * proper file with libpng (every colour type, depth and interlace);
 * the chunk functions build files byte by byte, with stored (uncompressed)
 * deflate blocks, so tests can corrupt exactly the byte they mean to.
 * expected_argb() says what each pixel must decode to.
 */
#ifndef FBK_TEST_PNG_WRITE_H
#define FBK_TEST_PNG_WRITE_H

#include <png.h>
#include <stdbool.h>

#include "harness.h"

/* ---- growing byte buffers ------------------------------------------------ */

struct membuf {
	uint8_t *data;
	size_t size, cap;
};

static inline void membuf_put(struct membuf *b, const void *p, size_t n)
{
	if (b->size + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->size + n)
			cap *= 2;
		uint8_t *grown = realloc(b->data, cap);
		if (!grown) {
			fprintf(stderr, "out of memory building a PNG\n");
			exit(1);
		}
		b->data = grown;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->size, p, n);
	b->size += n;
}

static inline void membuf_put32(struct membuf *b, uint32_t v)
{
	uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	membuf_put(b, be, 4);
}

static inline void membuf_free(struct membuf *b)
{
	free(b->data);
	*b = (struct membuf){ 0 };
}

static inline int write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t done = fwrite(data, 1, n, f);
	return fclose(f) || done != n ? -1 : 0;
}

/* ---- checksums and chunks ------------------------------------------------ */

static inline uint32_t crc32_bytes(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static inline void put_signature(struct membuf *b)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	membuf_put(b, sig, 8);
}

/* A chunk; bad_crc flips the stored CRC. */
static inline void put_chunk_crc(struct membuf *b, const char *type, const void *data, size_t n,
				 bool bad_crc)
{
	membuf_put32(b, (uint32_t)n);
	size_t start = b->size;
	membuf_put(b, type, 4);
	membuf_put(b, data, n);
	uint32_t crc = crc32_bytes(0, b->data + start, n + 4);
	membuf_put32(b, bad_crc ? crc ^ 0x5a5a5a5au : crc);
}

static inline void put_chunk(struct membuf *b, const char *type, const void *data, size_t n)
{
	put_chunk_crc(b, type, data, n, false);
}

static inline void put_ihdr(struct membuf *b, uint32_t w, uint32_t h, int depth, int color_type,
			    int interlace, bool bad_crc)
{
	uint8_t d[13] = { (uint8_t)(w >> 24), (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w,
			  (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h,
			  (uint8_t)depth, (uint8_t)color_type, 0, 0, (uint8_t)interlace };
	put_chunk_crc(b, "IHDR", d, 13, bad_crc);
}

/* A zlib stream of stored blocks: the raw bytes appear as they are. */
static inline void zlib_stored(struct membuf *out, const uint8_t *raw, size_t n)
{
	static const uint8_t header[2] = { 0x78, 0x01 };
	membuf_put(out, header, 2);
	size_t done = 0;
	do {
		size_t len = n - done > 65535 ? 65535 : n - done;
		uint8_t block[5] = { (uint8_t)(done + len == n), (uint8_t)len, (uint8_t)(len >> 8),
				     (uint8_t)~len, (uint8_t)(~len >> 8) };
		membuf_put(out, block, 5);
		membuf_put(out, raw + done, len);
		done += len;
	} while (done < n);
	uint32_t a = 1, s = 0;
	for (size_t i = 0; i < n; i++) {
		a = (a + raw[i]) % 65521;
		s = (s + a) % 65521;
	}
	membuf_put32(out, s << 16 | a);
}

/* ---- images from known samples ------------------------------------------- */

struct test_image {
	int32_t width, height;
	int color_type;  /* PNG_COLOR_TYPE_* */
	int depth;
	bool interlaced;
	int channels;
	uint16_t *samples; /* width * height * channels, at `depth` bits */
	png_color palette[256];
	int palette_size;
	uint8_t palette_alpha[256];
	int palette_alpha_count; /* tRNS entries for palettes (0: none) */
	bool has_key;            /* tRNS colour key for gray and RGB */
	uint16_t key[3];         /* gray in key[0], or R, G, B */
	char name[64];
};

static inline int channels_of(int color_type)
{
	switch (color_type) {
	case PNG_COLOR_TYPE_GRAY: return 1;
	case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
	case PNG_COLOR_TYPE_RGB: return 3;
	case PNG_COLOR_TYPE_PALETTE: return 1;
	default: return 4;
	}
}

/* A sample at `depth` bits as the 8-bit value a decoder shows: low depths by
 * bit replication, 16 bits rounded to nearest. */
static inline uint8_t sample8(uint32_t v, int depth)
{
	switch (depth) {
	case 1: return v ? 255 : 0;
	case 2: return (uint8_t)(v * 85);
	case 4: return (uint8_t)(v * 17);
	case 8: return (uint8_t)v;
	default: return (uint8_t)((v * 255 + 32767) / 65535);
	}
}

/* What pixel (x, y) must decode to, as 0xAARRGGBB. */
static inline uint32_t expected_argb(const struct test_image *img, int32_t x, int32_t y)
{
	const uint16_t *s = img->samples + ((size_t)y * (size_t)img->width + (size_t)x) *
						   (size_t)img->channels;
	uint32_t r, g, b, a = 255;
	switch (img->color_type) {
	case PNG_COLOR_TYPE_PALETTE: {
		const png_color *c = &img->palette[s[0]];
		a = s[0] < img->palette_alpha_count ? img->palette_alpha[s[0]] : 255;
		return a << 24 | (uint32_t)c->red << 16 | (uint32_t)c->green << 8 | c->blue;
	}
	case PNG_COLOR_TYPE_GRAY:
	case PNG_COLOR_TYPE_GRAY_ALPHA:
		r = g = b = sample8(s[0], img->depth);
		if (img->color_type == PNG_COLOR_TYPE_GRAY_ALPHA)
			a = sample8(s[1], img->depth);
		else if (img->has_key && s[0] == img->key[0])
			a = 0;
		break;
	default:
		r = sample8(s[0], img->depth);
		g = sample8(s[1], img->depth);
		b = sample8(s[2], img->depth);
		if (img->color_type == PNG_COLOR_TYPE_RGB_ALPHA)
			a = sample8(s[3], img->depth);
		else if (img->has_key && s[0] == img->key[0] && s[1] == img->key[1] &&
			 s[2] == img->key[2])
			a = 0;
	}
	return a << 24 | r << 16 | g << 8 | b;
}

/* Random samples (a fixed seed gives the same image everywhere); keys and
 * transparent entries are made to occur. */
static inline void image_fill_random(struct test_image *img)
{
	img->channels = channels_of(img->color_type);
	size_t n = (size_t)img->width * (size_t)img->height * (size_t)img->channels;
	img->samples = malloc(n * sizeof(*img->samples) + 1);
	uint32_t max = img->depth == 16 ? 65535 : (1u << img->depth) - 1;
	if (img->color_type == PNG_COLOR_TYPE_PALETTE) {
		if (!img->palette_size)
			img->palette_size = (int)max + 1;
		max = (uint32_t)img->palette_size - 1;
		for (int i = 0; i < img->palette_size; i++) {
			uint64_t v = rng_next();
			img->palette[i] = (png_color){ (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16) };
			img->palette_alpha[i] = (uint8_t)(v >> 24);
		}
		if (img->palette_alpha_count > 1) /* the classic cases: clear and opaque */
			img->palette_alpha[0] = 0, img->palette_alpha[1] = 255;
	}
	for (size_t i = 0; i < n; i++)
		img->samples[i] = (uint16_t)(rng_next() % (max + 1));
	if (img->has_key) {
		for (int c = 0; c < 3; c++)
			img->key[c] = (uint16_t)(rng_next() % (max + 1));
		/* Every fifth pixel takes the key; some others differ from it in one channel. */
		size_t pixels = (size_t)img->width * (size_t)img->height;
		for (size_t p = 0; p < pixels; p += 5)
			for (int c = 0; c < img->channels; c++)
				img->samples[p * (size_t)img->channels + (size_t)c] = img->key[c];
		if (img->channels == 3)
			for (size_t p = 2; p < pixels; p += 7) {
				for (int c = 0; c < 3; c++)
					img->samples[p * 3 + (size_t)c] = img->key[c];
				img->samples[p * 3 + p % 3] ^= 1;
			}
	}
}

static inline void image_free(struct test_image *img)
{
	free(img->samples);
	img->samples = NULL;
}

/* Row y packed as PNG stores it (big-endian 16-bit, low depths MSB first). */
static inline void pack_row(const struct test_image *img, int32_t y, uint8_t *out, size_t bytes)
{
	memset(out, 0, bytes);
	size_t n = (size_t)img->width * (size_t)img->channels;
	const uint16_t *s = img->samples + (size_t)y * n;
	for (size_t i = 0; i < n; i++) {
		if (img->depth == 16) {
			out[2 * i] = (uint8_t)(s[i] >> 8);
			out[2 * i + 1] = (uint8_t)s[i];
		} else if (img->depth == 8) {
			out[i] = (uint8_t)s[i];
		} else {
			size_t bit = i * (size_t)img->depth;
			out[bit / 8] |= (uint8_t)(s[i] << (8 - img->depth - (int)(bit % 8)));
		}
	}
}

static inline size_t row_size(const struct test_image *img)
{
	return ((size_t)img->width * (size_t)img->channels * (size_t)img->depth + 7) / 8;
}

struct png_sink {
	struct membuf *out;
};

static inline void png_sink_write(png_structp png, png_bytep data, size_t n)
{
	struct membuf *out = png_get_io_ptr(png);
	membuf_put(out, data, n);
}

static inline void png_sink_flush(png_structp png)
{
	(void)png;
}

/*
 * Encode with libpng (compression `level`, -1 for the default; filters
 * chosen by libpng). Extra chunks: a tEXt before IDAT when `text` is set.
 */
static inline int encode_png(const struct test_image *img, struct membuf *out, int level,
			     const char *text)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	size_t bytes = row_size(img);
	uint8_t *rows = malloc(bytes * (size_t)img->height + 1);
	png_bytep *pointers = malloc(sizeof(*pointers) * (size_t)img->height);
	if (!info || !rows || !pointers) {
		png_destroy_write_struct(&png, &info);
		free(rows);
		free(pointers);
		return -1;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		free(rows);
		free(pointers);
		return -1;
	}
	png_set_write_fn(png, out, png_sink_write, png_sink_flush);
	if (level >= 0)
		png_set_compression_level(png, level);
	png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, img->depth,
		     img->color_type, img->interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (img->color_type == PNG_COLOR_TYPE_PALETTE) {
		png_set_PLTE(png, info, img->palette, img->palette_size);
		if (img->palette_alpha_count)
			png_set_tRNS(png, info, img->palette_alpha, img->palette_alpha_count, NULL);
	} else if (img->has_key) {
		png_color_16 key = { 0 };
		key.gray = img->key[0];
		key.red = img->key[0];
		key.green = img->key[1];
		key.blue = img->key[2];
		png_set_tRNS(png, info, NULL, 0, &key);
	}
	if (text) {
		png_text t = { 0 };
		t.compression = PNG_TEXT_COMPRESSION_NONE;
		t.key = (png_charp) "Comment";
		t.text = (png_charp)text;
		png_set_text(png, info, &t, 1);
	}
	png_write_info(png, info);
	for (int32_t y = 0; y < img->height; y++) {
		pointers[y] = rows + (size_t)y * bytes;
		pack_row(img, y, pointers[y], bytes);
	}
	png_set_interlace_handling(png);
	png_write_image(png, pointers);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(rows);
	free(pointers);
	return 0;
}

/* The raw scanlines (filter byte 0, then the packed row) of a non-interlaced image. */
static inline void raw_scanlines(const struct test_image *img, struct membuf *out)
{
	size_t bytes = row_size(img);
	uint8_t *row = malloc(bytes + 1);
	for (int32_t y = 0; y < img->height; y++) {
		row[0] = 0;
		pack_row(img, y, row + 1, bytes);
		membuf_put(out, row, bytes + 1);
	}
	free(row);
}

#endif
