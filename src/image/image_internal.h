/* Internal: what image.c offers the format readers. */
#ifndef FBK_IMAGE_INTERNAL_H
#define FBK_IMAGE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

struct fbk_mapped_file;
struct fbk_png;
struct fbk_png_limits;

/* The name of a common image format by its first n bytes ("JPEG", "GIF", ...), or NULL. */
const char *fbk_image_other_format(const uint8_t *b, size_t n);

/*
 * Read the caller's limits struct (struct fbk_png_limits or struct
 * fbk_image_limits: what "PNG" or "image" names), which may have been
 * compiled against a smaller (older) or larger (newer) struct than this
 * library's known bytes: copy what both know over out, which holds the
 * defaults. A byte only the caller knows must be 0 (its default), or the
 * caller would believe a limit applies that this library cannot enforce.
 * init names the _INIT macro for the message. Errors: -EINVAL (a size no
 * version of the struct has), -ENOTSUP (a limit this library lacks), with
 * a message naming name.
 */
int fbk_image_read_limits(void *out, size_t known, const void *given, const char *kind,
			  const char *init, const char *name);

/*
 * fbk_png_open over a file image.c has mapped (and sniffed) already: the
 * handle takes the mapping over, and unmaps it at once when this fails, so
 * that the bytes decoded are the bytes sniffed. Without libpng: -ENOTSUP.
 */
int fbk_png_open_mapped(struct fbk_png **out, const char *path, struct fbk_mapped_file *file,
			const struct fbk_png_limits *limits);

#endif
