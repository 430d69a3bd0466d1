/*
 * Internal: reading an offscreen display's file= screen file (struct
 * fbk_offscreen_file_header, then pixels) from a mapping that its writer
 * may rewrite or shrink at any time. fbk_offscreen_file_read() (public)
 * maps the file and calls these; the fuzz target calls them on memory.
 */
#ifndef FBK_SCREEN_FILE_H
#define FBK_SCREEN_FILE_H

#include <stddef.h>

#include "fbkit/display.h"
#include "fbkit/surface.h"

/*
 * Whether a header describes a screen the file of `file_size` bytes
 * holds: the magic, a known format, a size within FBK_MAX_DIMENSION, a
 * stride that holds a row, and pixels after the header and inside the
 * file. Errors (with a message): -EBADMSG, -ENOTSUP (unknown format).
 */
int fbk_screen_file_check(const struct fbk_offscreen_file_header *header, size_t file_size);

/*
 * Copy the screen in map .. map + size (a whole screen file) into a new
 * surface of its size and format. Every read of the mapping goes through
 * the SIGBUS guard (map_guard.h); the header is read once, checked, and
 * then the only one used. When the frame counter moves during the copy
 * (a present), copies again, up to a few times. Errors: those of
 * fbk_screen_file_check, -EIO (the file shrank during the copy), -ENOMEM,
 * and the guard's.
 */
int fbk_screen_file_copy(struct fbk_surface **out, const void *map, size_t size);

#endif
