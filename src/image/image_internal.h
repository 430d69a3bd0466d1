/* Internal: what image.c offers the format readers. */
#ifndef FBK_IMAGE_INTERNAL_H
#define FBK_IMAGE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* The name of a common image format by its first n bytes ("JPEG", "GIF", ...), or NULL. */
const char *fbk_image_other_format(const uint8_t *b, size_t n);

#endif
