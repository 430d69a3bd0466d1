/*
 * The image layer: images in files and memory, as pixels on a surface and
 * back. It owns the PNG handle (this file: the file mapping, the limits,
 * the checks made before libpng runs, and every read of the file's bytes),
 * PNG decoding (png_decode.c: a libpng session, its warnings judged, rows
 * out), drawing them (png_draw.c: rows straight into the surface, blitted,
 * or through the scaler, and fit into a box), PNG saving (png_save.c),
 * JPEG reading (jpeg_input.c, jpeg_decode.c, jpeg_draw.c: the same three
 * parts over libjpeg-turbo), the one handle for either (image.c, which
 * sniffs the content), the file mapping both use (platform/mapped_file.c), the
 * streaming scaler (resample.c) and fit (fit.c). It may call core/
 * (surfaces, formats, errors and the log, overflow and clip helpers),
 * pixel/ (png_save.c packs rows with its codecs), platform/ for the SIGBUS
 * guard of a mapped file (the PNG and JPEG readers), libpng, zlib and
 * libjpeg-turbo; never backend/. One call crosses to draw/, its sibling: png_draw.c hands each
 * row to fbk_blit, the public entry, rather than repeat blit's format
 * conversions and fast paths here.
 *
 * This file is the main one because every PNG enters the layer here (a
 * JPEG through jpeg_input.c): fbk_png_open maps the whole file read-only, or fbk_png_open_memory takes
 * the caller's bytes, and the handle keeps only them and the header; every
 * draw runs a fresh libpng decoder over the bytes (so threads can share a
 * handle). A file that is no PNG is named for what it is; an image over
 * the limits fails with -EFBIG from its IHDR alone.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "fbkit/png.h"
#include "image/image_internal.h"
#include "platform/mapped_file.h"

/* What messages call a PNG that came from memory. */
static const char *name_or_default(const char *name)
{
	return name && *name ? name : "PNG data";
}

#if FBK_HAVE_PNG

#include <png.h>
#include <sys/mman.h>

#include "image/png_internal.h"
#include "platform/map_guard.h"

#define DEFAULT_MAX_PIXELS ((uint64_t)128 << 20)
#define DEFAULT_MAX_CHUNK_BYTES (8u << 20)

/* Signature, IHDR length and type, its 13 bytes of data, its CRC. */
#define HEAD_BYTES 33

/* ---- the bytes ----------------------------------------------------------- */

int fbk_png_guard(const struct fbk_png *png)
{
	return png->file.map ? fbk_map_guard_prepare() : 0;
}

int fbk_png_copy_out(const struct fbk_png *png, size_t offset, void *out, size_t n)
{
	if (!png->file.map) {
		memcpy(out, png->data + offset, n);
		return 0;
	}
	return fbk_map_guard_copy(out, png->data + offset, n, png->file.map, png->size);
}

bool fbk_png_file_changed(const struct fbk_png *png)
{
	return fbk_mapped_file_changed(&png->file, png->name);
}

/* The first n bytes, for the checks made before libpng runs. */
static int copy_head(const struct fbk_png *png, uint8_t *out, size_t n)
{
	if (fbk_png_copy_out(png, 0, out, n))
		return fbk_fail(-EIO,
				"%s: file changed while reading (it was truncated while mapped)",
				png->name);
	return 0;
}

/* ---- limits and checks before libpng ------------------------------------- */

/* Extra bytes past the known size are compared as fields: padding would be garbage. */
_Static_assert(sizeof(struct fbk_png_limits) == 4 * sizeof(uint32_t) + sizeof(uint64_t),
	       "struct fbk_png_limits has padding");

static int resolve_limits(const struct fbk_png_limits *given, struct fbk_png_limits *out,
			  const char *name)
{
	struct fbk_png_limits l = { .size = sizeof(l) };
	if (given) {
		int err = fbk_image_read_limits(&l, sizeof(l), given, "PNG", "FBK_PNG_LIMITS_INIT",
						name);
		if (err)
			return err;
	}
	if (!l.max_width)
		l.max_width = FBK_MAX_DIMENSION;
	if (!l.max_height)
		l.max_height = FBK_MAX_DIMENSION;
	if (!l.max_pixels)
		l.max_pixels = DEFAULT_MAX_PIXELS;
	if (!l.max_chunk_bytes)
		l.max_chunk_bytes = DEFAULT_MAX_CHUNK_BYTES;
	/* PNG itself allows no more. */
	if (l.max_width > PNG_UINT_31_MAX)
		l.max_width = PNG_UINT_31_MAX;
	if (l.max_height > PNG_UINT_31_MAX)
		l.max_height = PNG_UINT_31_MAX;
	*out = l;
	return 0;
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int bit = 0; bit < 8; bit++)
			crc = crc >> 1 ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/*
 * Check the size an intact IHDR declares against the limits before libpng
 * runs at all, so that an oversized image fails with -EFBIG at once even
 * when nothing but its header is there. Anything that is not an intact
 * IHDR is left to libpng to report.
 */
static int check_limits(const struct fbk_png *png)
{
	static const uint8_t head[16] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
					  0, 0, 0, 13, 'I', 'H', 'D', 'R' };
	uint8_t bytes[HEAD_BYTES];
	if (png->size < HEAD_BYTES)
		return 0;
	int err = copy_head(png, bytes, HEAD_BYTES);
	if (err)
		return err;
	if (memcmp(bytes, head, sizeof(head)) ||
	    crc32_of(bytes + 12, 17) != fbk_load_be32(bytes + 29))
		return 0;
	uint32_t width = fbk_load_be32(bytes + 16), height = fbk_load_be32(bytes + 20);
	const struct fbk_png_limits *l = &png->limits;
	if (width > l->max_width || height > l->max_height)
		return fbk_fail(-EFBIG, "%s: a %ux%u image is over the size limit of %ux%u",
				png->name, (unsigned)width, (unsigned)height,
				(unsigned)l->max_width, (unsigned)l->max_height);
	uint64_t pixels = (uint64_t)width * height;
	if (pixels > l->max_pixels)
		return fbk_fail(-EFBIG, "%s: a %ux%u image has %llu pixels, over the limit of %llu",
				png->name, (unsigned)width, (unsigned)height,
				(unsigned long long)pixels, (unsigned long long)l->max_pixels);
	return 0;
}

/*
 * A file that does not start as a PNG does is some other file: say so, and
 * name its format when it is a common one, rather than let libpng call it a
 * corrupt PNG. What starts with "\x89PNG" (a signature a text-mode transfer
 * damaged, or a truncated one) is left to libpng, which says which.
 */
static int check_signature(const struct fbk_png *png)
{
	static const uint8_t signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	uint8_t bytes[16];
	size_t n = png->size < sizeof(bytes) ? png->size : sizeof(bytes);
	int err = copy_head(png, bytes, n);
	if (err)
		return err;
	if (!memcmp(bytes, signature, n < 4 ? n : 4))
		return 0;
	const char *format = fbk_image_other_format(bytes, n);
	if (format)
		return fbk_fail(-EBADMSG, "%s: not a PNG file (%s)", png->name, format);
	return fbk_fail(-EBADMSG, "%s: not a PNG file", png->name);
}

/* Signature and limits, then the header through libpng: no pixel is decoded. */
static int read_info(struct fbk_png *png, const struct fbk_png_limits *limits)
{
	int err = resolve_limits(limits, &png->limits, png->name);
	if (!err)
		err = fbk_png_guard(png);
	if (!err)
		err = check_signature(png);
	if (!err)
		err = check_limits(png);
	return err ? err : fbk_png_decode_header(png, &png->info);
}

/* ---- the handle ---------------------------------------------------------- */

/*
 * A handle called name over a mapped file (file, which it takes over:
 * unmapped with the handle, or at once when this fails) or, when file is
 * NULL, over the caller's data, with its header read.
 */
static int open_handle(struct fbk_png **out, const char *name, struct fbk_mapped_file *file,
		       const void *data, size_t size, const struct fbk_png_limits *limits)
{
	struct fbk_png *png = calloc(1, sizeof(*png));
	fbk_mapped_file_take(png ? &png->file : NULL, file);
	if (!png)
		return fbk_fail(-ENOMEM, "out of memory");
	png->data = file ? png->file.map : data;
	png->size = file ? png->file.size : size;
	png->name = strdup(name);
	int err = png->name ? 0 : fbk_fail(-ENOMEM, "out of memory");
	if (!err)
		err = read_info(png, limits);
	if (err) {
		fbk_png_close(png);
		return err;
	}
	*out = png;
	return 0;
}

int fbk_png_open(struct fbk_png **out, const char *path, const struct fbk_png_limits *limits)
{
	if (!out)
		return fbk_fail(-EINVAL, "output pointer is NULL");
	*out = NULL;
	if (!path || !*path)
		return fbk_fail(-EINVAL, "PNG path is NULL or empty");
	struct fbk_mapped_file file;
	int err = fbk_mapped_file_open(&file, path, "PNG", MADV_SEQUENTIAL);
	return err ? err : open_handle(out, path, &file, NULL, 0, limits);
}

int fbk_png_open_mapped(struct fbk_png **out, const char *path, struct fbk_mapped_file *file,
			const struct fbk_png_limits *limits)
{
	*out = NULL;
	return open_handle(out, path, file, NULL, 0, limits);
}

int fbk_png_open_memory(struct fbk_png **out, const void *data, size_t size, const char *name,
			const struct fbk_png_limits *limits)
{
	if (!out)
		return fbk_fail(-EINVAL, "output pointer is NULL");
	*out = NULL;
	name = name_or_default(name);
	if (!data)
		return fbk_fail(-EINVAL, "%s: data is NULL", name);
	if (!size)
		return fbk_fail(-EBADMSG, "%s: corrupt PNG: no data (0 bytes)", name);
	return open_handle(out, name, NULL, data, size, limits);
}

void fbk_png_close(struct fbk_png *png)
{
	if (!png)
		return;
	fbk_mapped_file_close(&png->file);
	free(png->name);
	free(png);
}

const struct fbk_png_info *fbk_png_get_info(const struct fbk_png *png)
{
	return png ? &png->info : NULL;
}

#else /* !FBK_HAVE_PNG */

struct fbk_png {
	struct fbk_png_info info;
};

int fbk_png_open(struct fbk_png **out, const char *path, const struct fbk_png_limits *limits)
{
	(void)limits;
	if (out)
		*out = NULL;
	return fbk_fail(-ENOTSUP, "cannot open %s: fbkit was built without libpng",
			path && *path ? path : "a PNG file");
}

int fbk_png_open_memory(struct fbk_png **out, const void *data, size_t size, const char *name,
			const struct fbk_png_limits *limits)
{
	(void)data;
	(void)size;
	(void)limits;
	if (out)
		*out = NULL;
	return fbk_fail(-ENOTSUP, "cannot read %s: fbkit was built without libpng",
			name_or_default(name));
}

int fbk_png_open_mapped(struct fbk_png **out, const char *path, struct fbk_mapped_file *file,
			const struct fbk_png_limits *limits)
{
	(void)limits;
	*out = NULL;
	fbk_mapped_file_close(file);
	return fbk_fail(-ENOTSUP, "cannot open %s: fbkit was built without libpng", path);
}

void fbk_png_close(struct fbk_png *png)
{
	(void)png; /* no handle can exist */
}

const struct fbk_png_info *fbk_png_get_info(const struct fbk_png *png)
{
	return png ? &png->info : NULL;
}

#endif
