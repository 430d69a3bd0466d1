/*
 * One handle for an image of either kind. fbk_image_open maps a file once,
 * reads its first bytes from the mapping (never trusting its name) and
 * hands that mapping to the PNG code (png_input.c) or the JPEG code
 * (jpeg_input.c, only with libjpeg-turbo); draws go to the one that opened
 * it. The first bytes also name the common formats fbkit does not read,
 * for the messages here and in png_input.c.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/error.h"
#include "fbkit/image.h"
#include "fbkit/png.h"
#include "image/image_internal.h"
#include "platform/map_guard.h"
#include "platform/mapped_file.h"
#if FBK_HAVE_JPEG
#include "image/jpeg_internal.h"
#endif

#define DEFAULT_MAX_PIXELS ((uint64_t)128 << 20)
#define DEFAULT_MAX_JPEG_MEMORY ((uint64_t)256 << 20)
#define DEFAULT_MAX_JPEG_SCANS 256

struct fbk_image {
	struct fbk_image_info info;
	struct fbk_png *png;
	struct fbk_jpeg *jpeg;
};

const char *fbk_image_other_format(const uint8_t *b, size_t n)
{
	static const struct {
		const char *name;
		size_t offset, length;
		const char *magic;
	} formats[] = {
		{ "JPEG", 0, 3, "\xff\xd8\xff" },
		{ "GIF", 0, 4, "GIF8" },
		{ "WebP", 8, 4, "WEBP" }, /* after "RIFF" and a length */
		{ "TIFF", 0, 4, "II*\0" },
		{ "TIFF", 0, 4, "MM\0*" },
		{ "BMP", 0, 2, "BM" },
		{ "QOI", 0, 4, "qoif" },
		{ "JPEG XL", 0, 2, "\xff\x0a" },
		{ "JPEG XL", 4, 8, "JXL \r\n\x87\n" },
		{ "AVIF", 4, 8, "ftypavif" },
		{ "HEIF", 4, 8, "ftypheic" },
		{ "HEIF", 4, 8, "ftypmif1" },
		{ "ICO", 0, 4, "\0\0\1\0" },
		{ "MNG", 0, 4, "\x8aMNG" },
		{ "JNG", 0, 4, "\x8bJNG" },
		{ "PSD", 0, 4, "8BPS" },
		{ "PDF", 0, 5, "%PDF-" },
		{ "gzip", 0, 2, "\x1f\x8b" },
		{ "ZIP", 0, 4, "PK\3\4" },
	};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].offset + formats[i].length <= n &&
		    !memcmp(b + formats[i].offset, formats[i].magic, formats[i].length))
			return formats[i].name;
	return NULL;
}

/* ---- limits -------------------------------------------------------------- */

_Static_assert(sizeof(struct fbk_image_limits) == 6 * sizeof(uint32_t) + 2 * sizeof(uint64_t),
	       "struct fbk_image_limits has padding");

/* Far more than the struct will ever grow to, far less than could be unmapped. */
#define LIMITS_MAX_SIZE 4096

int fbk_image_read_limits(void *out, size_t known, const void *given, const char *kind,
			  const char *init, const char *name)
{
	/*
	 * Every version of either struct starts with its uint32_t size and
	 * ends on a field: 4-byte fields up to byte 16, then 8-byte alignment.
	 * Anything else (or a size far past any plausible growth) is not such
	 * a struct, and reading `size` bytes of it could run past the
	 * caller's memory.
	 */
	uint32_t size;
	memcpy(&size, given, sizeof(size));
	if (size < sizeof(size) || size > LIMITS_MAX_SIZE || size % 4 || (size > 16 && size % 8))
		return fbk_fail(-EINVAL, "%s: %s limits with size %u: initialise them with %s", name,
				kind, (unsigned)size, init);
	memcpy(out, given, size < known ? size : known);
	const uint8_t *extra = given;
	for (size_t i = known; i < size; i++)
		if (extra[i])
			return fbk_fail(-ENOTSUP, "%s: %s limits of %u bytes set a limit this fbkit "
					"(%s, %zu bytes) does not know", name, kind, (unsigned)size,
					FBK_VERSION, known);
	return 0;
}

static int resolve_limits(const struct fbk_image_limits *given, struct fbk_image_limits *out,
			  const char *name)
{
	struct fbk_image_limits l = { .size = sizeof(l) };
	if (given) {
		int err = fbk_image_read_limits(&l, sizeof(l), given, "image",
						"FBK_IMAGE_LIMITS_INIT", name);
		if (err)
			return err;
	}
	l.size = sizeof(l);
	if (l.reserved)
		return fbk_fail(-ENOTSUP, "%s: image limits set a reserved field this fbkit (%s) "
				"does not know", name, FBK_VERSION);
	if (!l.max_width)
		l.max_width = FBK_MAX_DIMENSION;
	if (!l.max_height)
		l.max_height = FBK_MAX_DIMENSION;
	if (!l.max_pixels)
		l.max_pixels = DEFAULT_MAX_PIXELS;
	if (!l.max_jpeg_memory)
		l.max_jpeg_memory = DEFAULT_MAX_JPEG_MEMORY;
	if (!l.max_jpeg_scans)
		l.max_jpeg_scans = DEFAULT_MAX_JPEG_SCANS;
	*out = l;
	return 0;
}

static struct fbk_png_limits png_limits(const struct fbk_image_limits *l)
{
	struct fbk_png_limits p = FBK_PNG_LIMITS_INIT(.max_width = l->max_width,
						      .max_height = l->max_height,
						      .max_chunk_bytes = l->max_png_chunk_bytes,
						      .max_pixels = l->max_pixels);
	return p;
}

/* ---- sniffing ------------------------------------------------------------ */

enum kind { KIND_PNG, KIND_JPEG };

static int classify(const uint8_t *b, size_t n, const char *name, enum kind *kind)
{
	if (n >= 4 && !memcmp(b, "\x89PNG", 4)) {
		*kind = KIND_PNG;
		return 0;
	}
	if (n >= 3 && !memcmp(b, "\xff\xd8\xff", 3)) {
		*kind = KIND_JPEG;
		return 0;
	}
	const char *format = fbk_image_other_format(b, n);
	if (format)
		return fbk_fail(-EBADMSG, "%s: not an image fbkit reads (%s): PNG and JPEG are",
				name, format);
	return fbk_fail(-EBADMSG, "%s: not an image fbkit reads (PNG or JPEG)", name);
}

/*
 * The file at path, mapped once, and its kind from the mapping's first
 * bytes. The PNG or JPEG code then takes over this same mapping: opening
 * the path again would cost another open, fstat and mmap, and could find
 * another file there (replaced since), decoded as the kind sniffed here.
 */
static int map_file(struct fbk_mapped_file *file, const char *path, enum kind *kind)
{
	int err = fbk_mapped_file_open(file, path, "PNG or JPEG", MADV_SEQUENTIAL);
	if (err)
		return err;
	uint8_t head[16];
	size_t n = file->size < sizeof(head) ? file->size : sizeof(head);
	err = fbk_map_guard_prepare();
	if (!err && fbk_map_guard_copy(head, file->map, n, file->map, file->size))
		err = fbk_fail(-EIO, "%s: file changed while reading (it was truncated while "
				"mapped)", path);
	if (!err)
		err = classify(head, n, path, kind);
	if (err)
		fbk_mapped_file_close(file);
	return err;
}

/* ---- the handle ---------------------------------------------------------- */

/* file (taken over) is NULL for the caller's data. */
static int open_png(struct fbk_image *image, struct fbk_mapped_file *file, const void *data,
		    size_t size, const char *name, const struct fbk_image_limits *l)
{
	struct fbk_png_limits pl = png_limits(l);
	int err = file ? fbk_png_open_mapped(&image->png, name, file, &pl)
		       : fbk_png_open_memory(&image->png, data, size, name, &pl);
	if (err)
		return err;
	const struct fbk_png_info *info = fbk_png_get_info(image->png);
	image->info = (struct fbk_image_info){
		.type = FBK_IMAGE_PNG,
		.width = info->width,
		.height = info->height,
		.has_alpha = info->has_alpha,
		.orientation = 1,
		.components = (uint8_t)(info->color_type == FBK_PNG_GRAY ? 1 :
					info->color_type == FBK_PNG_GRAY_ALPHA ? 2 :
					info->color_type == FBK_PNG_RGBA ? 4 : 3),
		.progressive = info->interlaced,
	};
	return 0;
}

static int open_jpeg(struct fbk_image *image, struct fbk_mapped_file *file, const void *data,
		     size_t size, const char *name, const struct fbk_image_limits *l)
{
#if FBK_HAVE_JPEG
	int err = fbk_jpeg_open(&image->jpeg, name, file, data, size, l);
	if (!err)
		image->info = image->jpeg->info;
	return err;
#else
	(void)image;
	(void)data;
	(void)size;
	(void)l;
	if (file)
		fbk_mapped_file_close(file);
	return fbk_fail(-ENOTSUP, "cannot read %s: a JPEG, and fbkit was built without "
			"libjpeg-turbo (build with -Djpeg=enabled)", name);
#endif
}

static int open_image(struct fbk_image **out, const char *path, const void *data, size_t size,
		      const char *name, const struct fbk_image_limits *limits)
{
	struct fbk_image_limits l = { 0 };
	int err = resolve_limits(limits, &l, name);
	if (err)
		return err;
	enum kind kind = KIND_PNG;
	struct fbk_mapped_file file = { 0 };
	if (path)
		err = map_file(&file, path, &kind);
	else
		err = classify(data, size < 16 ? size : 16, name, &kind);
	if (err)
		return err;
	struct fbk_mapped_file *mapped = path ? &file : NULL;
	struct fbk_image *image = calloc(1, sizeof(*image));
	if (!image) {
		fbk_mapped_file_close(&file);
		return fbk_fail(-ENOMEM, "out of memory");
	}
	err = kind == KIND_PNG ? open_png(image, mapped, data, size, name, &l)
			       : open_jpeg(image, mapped, data, size, name, &l);
	if (err) {
		fbk_image_close(image);
		return err;
	}
	*out = image;
	return 0;
}

int fbk_image_open(struct fbk_image **out, const char *path, const struct fbk_image_limits *limits)
{
	if (!out)
		return fbk_fail(-EINVAL, "output pointer is NULL");
	*out = NULL;
	if (!path || !*path)
		return fbk_fail(-EINVAL, "image path is NULL or empty");
	return open_image(out, path, NULL, 0, path, limits);
}

int fbk_image_open_memory(struct fbk_image **out, const void *data, size_t size, const char *name,
			  const struct fbk_image_limits *limits)
{
	if (!out)
		return fbk_fail(-EINVAL, "output pointer is NULL");
	*out = NULL;
	name = name && *name ? name : "image data";
	if (!data)
		return fbk_fail(-EINVAL, "%s: data is NULL", name);
	if (!size)
		return fbk_fail(-EBADMSG, "%s: not an image: no data (0 bytes)", name);
	return open_image(out, NULL, data, size, name, limits);
}

void fbk_image_close(struct fbk_image *image)
{
	if (!image)
		return;
	fbk_png_close(image->png);
#if FBK_HAVE_JPEG
	fbk_jpeg_close(image->jpeg);
#endif
	free(image);
}

const struct fbk_image_info *fbk_image_get_info(const struct fbk_image *image)
{
	return image ? &image->info : NULL;
}

/* ---- drawing ------------------------------------------------------------- */

static int check_draw(const struct fbk_surface *dst, const struct fbk_image *image, enum fbk_op op)
{
	int err = fbk_surface_check(dst);
	if (err)
		return fbk_fail_context(err, "image destination");
	if (!image)
		return fbk_fail(-EINVAL, "image handle is NULL");
	if (op != FBK_OP_SRC && op != FBK_OP_OVER)
		return fbk_fail(-EINVAL, "unknown operator %d", (int)op);
	return 0;
}

int fbk_image_draw(struct fbk_surface *dst, const struct fbk_image *image, int32_t x, int32_t y,
		   enum fbk_op op)
{
	if (image && image->png)
		return fbk_png_draw(dst, image->png, x, y, op);
	int err = check_draw(dst, image, op);
	if (err)
		return err;
#if FBK_HAVE_JPEG
	return fbk_jpeg_draw(dst, image->jpeg, x, y);
#else
	return fbk_fail(-EINVAL, "image handle has no image");
#endif
}

int fbk_image_draw_fit(struct fbk_surface *dst, const struct fbk_image *image,
		       const struct fbk_rect *box, enum fbk_fit fit, unsigned align,
		       enum fbk_filter filter, enum fbk_op op)
{
	if (image && image->png)
		return fbk_png_draw_fit(dst, image->png, box, fit, align, filter, op);
	int err = check_draw(dst, image, op);
	if (err)
		return err;
	if (!box)
		return fbk_fail(-EINVAL, "box is NULL");
	if (filter != FBK_FILTER_SMOOTH && filter != FBK_FILTER_NEAREST)
		return fbk_fail(-EINVAL, "unknown filter %d", (int)filter);
#if FBK_HAVE_JPEG
	return fbk_jpeg_draw_fit(dst, image->jpeg, box, fit, align, filter);
#else
	(void)fit;
	(void)align;
	return fbk_fail(-EINVAL, "image handle has no image");
#endif
}
