/*
 * Internal: reading a file mapping without dying when the file shrinks.
 * Touching a page of a mapping that lies past the end of its file raises
 * SIGBUS; a copy made through fbk_map_guard_copy() turns that into -EIO
 * for the thread that made it, and leaves every other SIGBUS to whoever
 * handled it before fbkit (see map_guard.c for why this is safe).
 */
#ifndef FBK_MAP_GUARD_H
#define FBK_MAP_GUARD_H

#include <stddef.h>

/*
 * Make sure fbkit's SIGBUS handler is installed: the first call installs
 * it, later calls put it back on top (chaining to the replacement) if the
 * application installed another handler since. Call it before a series of
 * guarded copies, e.g. once per decode. One sigaction() query when nothing
 * changed. Errors: negative errno from sigaction(), with a message.
 */
int fbk_map_guard_prepare(void);

/*
 * memcpy(dst, src, n) where src .. src + n lies inside the mapping
 * map .. map + map_size. Returns 0, or -EIO when reading the mapping raised
 * SIGBUS (the file shrank under it); dst then holds garbage. Records no
 * message: the caller knows which file it was reading.
 */
int fbk_map_guard_copy(void *dst, const void *src, size_t n, const void *map, size_t map_size);

#endif
