/* fbkit: shared definitions (export macro, rectangles, colours, errors, logging). */
#ifndef FBKIT_COMMON_H
#define FBKIT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(FBK_BUILDING_LIBRARY) && defined(__GNUC__)
#define FBK_API __attribute__((visibility("default")))
#else
#define FBK_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** A rectangle in pixels; empty when w <= 0 or h <= 0. */
struct fbk_rect {
	int32_t x, y, w, h;
};

/** An 8-bit-per-channel colour with straight (not premultiplied) alpha. */
struct fbk_color {
	uint8_t r, g, b, a;
};

#define FBK_RGB(r, g, b) ((struct fbk_color){ (r), (g), (b), 255 })
#define FBK_RGBA(r, g, b, a) ((struct fbk_color){ (r), (g), (b), (a) })

/**
 * Intersect two rectangles into *out. Returns 1 when the result is
 * non-empty, 0 when it is empty (then *out has w == h == 0).
 */
FBK_API int fbk_rect_intersect(const struct fbk_rect *a, const struct fbk_rect *b,
			       struct fbk_rect *out);

/**
 * The message describing the last error fbkit returned in this thread,
 * written for the user ("offscreen: unknown format 'XX99' (known: XR24,
 * AR24, ...)"). Never NULL; valid until the next fbkit call in this thread.
 */
FBK_API const char *fbk_last_error(void);

/**
 * A short description of a negative errno value returned by fbkit. Safe in
 * any thread; the text of a value fbkit has no words of its own for lives
 * in a per-thread buffer, valid until this thread's next call.
 */
FBK_API const char *fbk_strerror(int err);

enum fbk_log_level {
	FBK_LOG_ERROR,
	FBK_LOG_WARNING,
	FBK_LOG_INFO,
	FBK_LOG_DEBUG,
};

/** Receives every message fbkit logs; msg has no trailing newline. */
typedef void (*fbk_log_fn)(enum fbk_log_level level, const char *msg, void *userdata);

/**
 * Replace the log handler (process-wide). NULL restores the default, which
 * writes messages up to the current level to stderr. Not thread-safe with
 * respect to concurrent logging: set it once at start-up.
 */
FBK_API void fbk_set_log_handler(fbk_log_fn fn, void *userdata);

/** Messages more verbose than level are dropped before the handler. Default: FBK_LOG_WARNING. */
FBK_API void fbk_set_log_level(enum fbk_log_level level);

/**
 * The version of the library running, e.g. "0.1.0"; FBKIT_VERSION_STRING
 * (fbkit/version.h) is the version of the headers compiled against.
 */
FBK_API const char *fbk_version(void);

#ifdef __cplusplus
}
#endif

#endif
