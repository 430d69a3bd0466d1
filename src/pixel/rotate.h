/*
 * Internal: copying a rectangle of pixels turned by a quarter, half or
 * three-quarter turn clockwise, what a rotated display's present does to
 * every rectangle it shows. One implementation per row-kernel level, as
 * the row kernels (pixel_ops.h): rotate_template.c compiled once per level,
 * with hand-written AVX2 blocks in rotate_avx2.c.
 */
#ifndef FBK_PIXEL_ROTATE_H
#define FBK_PIXEL_ROTATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Copy the w x h pixels of `bytes_per_pixel` (2, 3 or 4) bytes at src
 * (rows src_stride bytes apart) to dst turned `rotation` degrees
 * clockwise (90, 180 or 270; 0 copies them as they are). dst is the
 * turned rectangle's top-left pixel: h x w pixels at 90 and 270, w x h at
 * 0 and 180. Source pixel (x, y) lands at (h - 1 - y, x) at 90,
 * (w - 1 - x, h - 1 - y) at 180 and (y, w - 1 - x) at 270. The two must
 * not overlap.
 */
typedef void (*fbk_rotate_fn)(uint8_t *dst, size_t dst_stride, const uint8_t *src,
			      size_t src_stride, int32_t w, int32_t h, int bytes_per_pixel,
			      int rotation);

struct fbk_rotate_ops {
	const char *name; /* the row-kernel level's: "portable", "sse2", "neon", "avx2" */
	fbk_rotate_fn rotate;
};

/* The level fbk_row_ops() chose for this process. */
const struct fbk_rotate_ops *fbk_rotate_ops(void);

/* Each level's; NULL when that level is not built for this machine. */
const struct fbk_rotate_ops *fbk_rotate_ops_portable(void);
const struct fbk_rotate_ops *fbk_rotate_ops_vector(void);
const struct fbk_rotate_ops *fbk_rotate_ops_avx2(void);

#endif
