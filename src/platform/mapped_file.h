/*
 * Internal: a whole file mapped read-only, as the PNG and JPEG handles
 * and outline fonts keep it, and how to tell later that it changed under
 * the mapping. The image handle (image/image.c) maps a file once, sniffs
 * its kind from the mapping and hands that same mapping to the PNG or
 * JPEG code.
 */
#ifndef FBK_MAPPED_FILE_H
#define FBK_MAPPED_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct fbk_mapped_file {
	void *map;
	size_t size;
	dev_t dev;           /* the file as it was when mapped, */
	ino_t ino;           /* to tell a file changed under us from a corrupt one */
	struct timespec mtime;
};

/*
 * Map the regular file at path whole (read-only, private). advice goes to
 * madvise(): MADV_SEQUENTIAL for a decoder that reads front to back,
 * MADV_NORMAL (no call) for random reads such as a font's tables. kind
 * ("PNG", "JPEG", "font") names what was expected in the messages.
 * O_NONBLOCK so that naming a FIFO cannot hang the open; fstat then turns
 * away anything but a regular file. Errors: negative errno from the file
 * system, -EISDIR, -EINVAL (not a regular file), -EBADMSG (empty), -EFBIG,
 * with a message naming the path.
 */
int fbk_mapped_file_open(struct fbk_mapped_file *out, const char *path, const char *kind,
			 int advice);

/*
 * A handle taking over its caller's mapping: *from moves into *to and is
 * left unmapped, so the caller's cleanup leaves it alone. With to NULL (the
 * handle could not be allocated) the mapping is unmapped at once. from
 * NULL (no mapping) does nothing.
 */
void fbk_mapped_file_take(struct fbk_mapped_file *to, struct fbk_mapped_file *from);

/* Unmap a mapping from fbk_mapped_file_open; m->map is NULL after. Accepts an unmapped one. */
void fbk_mapped_file_close(struct fbk_mapped_file *m);

/* True when the file at path is no longer what was mapped: truncated or rewritten in place. */
bool fbk_mapped_file_changed(const struct fbk_mapped_file *m, const char *path);

#endif
