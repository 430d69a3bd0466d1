/* fbkit: comparing rendered surfaces with expected (golden) images, for tests. */
#ifndef FBKIT_COMPARE_H
#define FBKIT_COMPARE_H

#include "fbkit/surface.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * What fbk_compare() looks at and forgives. 0 in a field means the
 * default. Fill it in with FBK_COMPARE_OPTIONS_INIT, which sets `size`:
 *
 *     struct fbk_compare_options opt = FBK_COMPARE_OPTIONS_INIT(.tolerance = 2);
 *
 * The structure may grow at the end only, as struct fbk_png_limits does
 * (README, "Versions and the ABI"): the library reads the fields `size`
 * covers; a caller's larger structure with unknown non-zero fields is
 * -ENOTSUP; `size` 0 is -EINVAL.
 */
struct fbk_compare_options {
	uint32_t size;      /* sizeof(struct fbk_compare_options) the caller was built with */
	/* the largest difference of one channel (0..255, as 8-bit values)
	 * that still counts as equal; default 0 */
	uint32_t tolerance;
	/* how many pixels may differ (beyond tolerance) for a match; default 0 */
	uint64_t max_pixels;
	/* where to compare; w == 0 and h == 0: the whole surface. Must lie
	 * inside both surfaces. */
	struct fbk_rect region;
	/* rectangles left out (a clock, a cursor); each is cut to the
	 * surface, and one that is empty or misses it entirely is -EINVAL */
	const struct fbk_rect *ignore;
	uint64_t ignore_count;
	/* FBK_COMPARE_* flags */
	uint64_t flags;
};

/**
 * Compare in the actual surface's format: each expected pixel is first
 * rounded to what the actual format can store (packed and unpacked), so
 * a correct RGB565 rendering matches an XRGB8888 golden with tolerance 0.
 */
#define FBK_COMPARE_QUANTIZE (1u << 0)

/** An initializer for struct fbk_compare_options: sets `size`, then the fields given. */
#define FBK_COMPARE_OPTIONS_INIT(...) { .size = sizeof(struct fbk_compare_options), __VA_ARGS__ }

/**
 * What fbk_compare() found. The caller sets `size` (FBK_COMPARE_RESULT_INIT);
 * the library writes the fields `size` covers, so the structure may grow at
 * the end like the options.
 */
struct fbk_compare_result {
	uint32_t size;
	/* the largest channel difference over every compared pixel, 0..255,
	 * within tolerance or not: what a tolerance would have to be */
	uint32_t worst;
	uint64_t differing;  /* pixels with a channel difference over tolerance */
	uint64_t compared;   /* pixels looked at (region less the ignored ones) */
	int32_t worst_x, worst_y; /* first pixel (row by row) with `worst`; -1 when worst is 0 */
	struct fbk_rect bounds;   /* the differing pixels' bounding box; empty (all 0) when none */
};

/** An initializer for struct fbk_compare_result. */
#define FBK_COMPARE_RESULT_INIT { .size = sizeof(struct fbk_compare_result) }

/**
 * Compare two surfaces of the same size and of any formats, pixel by
 * pixel over the whole surface (clips are not looked at). Channels are
 * compared as 8-bit values (narrow channels widened by bit replication);
 * alpha only when both formats store it. options may be NULL for the
 * defaults; result may be NULL.
 * Returns 0 when they match (at most max_pixels pixels differ by more than
 * tolerance), 1 when they do not, or a negative errno: -EINVAL (NULL
 * surface, different sizes, a region not inside the surfaces, a bad
 * ignore rectangle, tolerance over 255, unknown flags, options or result
 * without their size), -ENOTSUP (unknown format, or options this version
 * does not know).
 */
FBK_API int fbk_compare(const struct fbk_surface *expected, const struct fbk_surface *actual,
			const struct fbk_compare_options *options,
			struct fbk_compare_result *result);

/**
 * Make a picture of the differences: a new XRGB8888 surface of the
 * surfaces' size showing the actual image dimmed to a quarter of its
 * grey level, with every pixel that differs beyond tolerance in pure red
 * and the pixels not compared (outside the region, or ignored) tinted
 * dark blue. Free it with fbk_surface_destroy(). Errors as fbk_compare,
 * and -ENOMEM.
 */
FBK_API int fbk_compare_diff(struct fbk_surface **out, const struct fbk_surface *expected,
			     const struct fbk_surface *actual,
			     const struct fbk_compare_options *options);

/**
 * Load a PNG file into a new surface of the given format (0: ARGB8888 when
 * the image has alpha, else XRGB8888), converted as fbk_png_draw() with
 * FBK_OP_SRC converts. Free it with fbk_surface_destroy(). Errors as
 * fbk_png_open() and fbk_png_draw(), -ENOTSUP for an unknown format or a
 * build without libpng.
 */
FBK_API int fbk_png_load(struct fbk_surface **out, const char *path, uint32_t format);

#ifdef __cplusplus
}
#endif

#endif
