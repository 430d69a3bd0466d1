/* fbkit: PNG files. */
#ifndef FBKIT_PNG_H
#define FBKIT_PNG_H

#include "fbkit/surface.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Write a surface (the whole surface, ignoring its clip) to a PNG file:
 * 8-bit RGBA when its format has alpha, else 8-bit RGB. Narrow channels
 * are widened by bit replication. The file is written to a temporary name
 * beside `path` and renamed, so a reader never sees half a file.
 * Errors: -EINVAL (bad surface or path), -ENOTSUP (unknown format, or
 * fbkit built without libpng), and negative errno values from the file
 * system (-ENOENT, -EACCES, -ENOSPC, ...), with a message naming the path.
 */
FBK_API int fbk_png_save(const struct fbk_surface *surface, const char *path);

#ifdef __cplusplus
}
#endif

#endif
