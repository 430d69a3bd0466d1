/*
 * The JPEG handle: the file image.c mapped read-only (or the caller's bytes), the
 * limits, and every read of the bytes, each a guarded copy out of the
 * mapping (platform/map_guard.c) so that a file truncated while mapped is
 * -EIO and never SIGBUS: libjpeg-turbo never reads the mapping itself,
 * only the pieces jpeg_decode.c's source manager copies out. The header
 * is read once at open (jpeg_decode.c) and its size checked against the
 * limits there, before libjpeg-turbo allocates anything image-sized. The
 * EXIF orientation is parsed here from the APP1 segment libjpeg kept.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "image/jpeg_internal.h"
#include "platform/map_guard.h"

int fbk_jpeg_copy_out(const struct fbk_jpeg *jpeg, size_t offset, void *out, size_t n)
{
	if (!jpeg->file.map) {
		memcpy(out, jpeg->data + offset, n);
		return 0;
	}
	return fbk_map_guard_copy(out, jpeg->data + offset, n, jpeg->file.map, jpeg->size);
}

bool fbk_jpeg_file_changed(const struct fbk_jpeg *jpeg)
{
	return fbk_mapped_file_changed(&jpeg->file, jpeg->name);
}

/* ---- EXIF ---------------------------------------------------------------- */

static uint32_t load(const uint8_t *p, int bytes, bool big_endian)
{
	uint32_t v = 0;
	for (int i = 0; i < bytes; i++)
		v |= (uint32_t)p[big_endian ? i : bytes - 1 - i] << 8 * (bytes - 1 - i);
	return v;
}

/*
 * "Exif\0\0", a TIFF header (II or MM, 42, the offset of IFD0), then
 * IFD0's entries: tag 0x0112 (Orientation), type SHORT, count 1, the value
 * in the entry itself. Anything out of bounds or of another shape is no
 * orientation: a damaged EXIF block is metadata, and the picture is shown
 * as stored.
 */
int fbk_exif_orientation(const uint8_t *data, size_t size)
{
	if (size < 6 + 8 || memcmp(data, "Exif\0\0", 6))
		return 0;
	const uint8_t *tiff = data + 6;
	size_t n = size - 6;
	bool be;
	if (!memcmp(tiff, "II*\0", 4))
		be = false;
	else if (!memcmp(tiff, "MM\0*", 4))
		be = true;
	else
		return 0;
	uint32_t ifd = load(tiff + 4, 4, be);
	if (ifd > n || n - ifd < 2)
		return 0;
	uint32_t count = load(tiff + ifd, 2, be);
	if ((n - ifd - 2) / 12 < count)
		return 0;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = tiff + ifd + 2 + 12 * (size_t)i;
		if (load(e, 2, be) != 0x0112)
			continue;
		if (load(e + 2, 2, be) != 3 || load(e + 4, 4, be) != 1)
			return 0;
		uint32_t v = load(e + 8, 2, be);
		return v >= 1 && v <= 8 ? (int)v : 0;
	}
	return 0;
}

/* ---- the handle ---------------------------------------------------------- */

int fbk_jpeg_open(struct fbk_jpeg **out, const char *name, struct fbk_mapped_file *file,
		  const void *data, size_t size, const struct fbk_image_limits *limits)
{
	struct fbk_jpeg *jpeg = calloc(1, sizeof(*jpeg));
	fbk_mapped_file_take(jpeg ? &jpeg->file : NULL, file);
	if (!jpeg)
		return fbk_fail(-ENOMEM, "out of memory");
	jpeg->data = file ? jpeg->file.map : data;
	jpeg->size = file ? jpeg->file.size : size;
	jpeg->limits = *limits;
	jpeg->name = strdup(name);
	int err = jpeg->name ? 0 : fbk_fail(-ENOMEM, "out of memory");
	if (!err && jpeg->file.map)
		err = fbk_map_guard_prepare();
	if (!err)
		err = fbk_jpeg_read_header(jpeg);
	if (err) {
		fbk_jpeg_close(jpeg);
		return err;
	}
	*out = jpeg;
	return 0;
}

void fbk_jpeg_close(struct fbk_jpeg *jpeg)
{
	if (!jpeg)
		return;
	fbk_mapped_file_close(&jpeg->file);
	free(jpeg->name);
	free(jpeg);
}
