/*
 * Internal: what an fbdev device's screen infos mean for drawing, as pure
 * arithmetic on the two structs, so fabricated ones (BGR panels, padded
 * lines, panned views, unaligned memory) can be tested without a device.
 */
#ifndef FBK_FBDEV_LAYOUT_H
#define FBK_FBDEV_LAYOUT_H

#include <linux/fb.h>
#include <stddef.h>
#include <stdint.h>

#include "fbkit/format.h"

struct fbk_fbdev_layout {
	const struct fbk_format_info *format;
	int32_t width, height; /* the visible area: xres x yres */
	size_t stride;         /* line_length, as the kernel says */
	/*
	 * mmap of an fbdev maps whole pages from the one holding
	 * smem_start, so the framebuffer's byte 0 is page_offset bytes into
	 * the mapping.
	 */
	size_t page_offset;
	size_t visible_offset; /* mapping start to pixel (0, 0) of the visible area */
	size_t map_length;     /* page_offset + smem_len, rounded up to whole pages */
};

/*
 * Check what the device reports and work out the layout. Errors (message
 * without the device's name; the caller adds it): -ENOTSUP (not packed
 * pixels, not true/direct colour, grayscale or non-standard, or a pixel
 * layout fbkit lacks: the message lists the reported bitfields), -EINVAL
 * (inconsistent geometry: a zero size, a line shorter than the visible
 * row, a visible area past smem_len), -EFBIG (a side past
 * FBK_MAX_DIMENSION, or sizes that overflow).
 */
int fbk_fbdev_layout(const struct fb_fix_screeninfo *fix, const struct fb_var_screeninfo *var,
		     size_t page_size, struct fbk_fbdev_layout *out);

/* The format the bitfields describe exactly, or NULL (also for msb_right). */
const struct fbk_format_info *fbk_fbdev_format(const struct fb_var_screeninfo *var);

/*
 * A directcolor mode looks each channel up in the device's colour map:
 * the pixel's red field indexes the red entries, and so on. For the
 * colours fbkit draws to come out, entry i of a channel with n bits must
 * be i scaled to 0..0xffff, over 2^n entries. The longest channel decides
 * how many entries are written, and a shorter channel's entries past its
 * own 2^n hold 0xffff (drivers ignore them: aty128fb at 16 bpp keeps the
 * red and blue of entries 32..63 out of the hardware).
 */
#define FBK_FBDEV_CMAP_MAX 256 /* 8-bit channels: the widest fbkit's formats have */

/*
 * Fill red, green and blue (FBK_FBDEV_CMAP_MAX entries each) with the
 * ramps for var's channels; returns how many entries to write, or 0 when
 * a channel is empty or wider than 8 bits.
 */
size_t fbk_fbdev_ramp(const struct fb_var_screeninfo *var, uint16_t *red, uint16_t *green,
		      uint16_t *blue);

/* "truecolor", "packed pixels", ...; "unknown" for values the kernel does not define. */
const char *fbk_fbdev_visual_name(uint32_t visual);
const char *fbk_fbdev_type_name(uint32_t type);

#endif
