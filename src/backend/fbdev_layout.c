/* fbdev screen infos to a pixel format and a mapping layout; no device needed. */
#include <errno.h>

#include "core/error.h"
#include "core/format_list.h"
#include "backend/fbdev_layout.h"
#include "fbkit/surface.h"
#include "core/overflow.h"

const char *fbk_fbdev_visual_name(uint32_t visual)
{
	switch (visual) {
	case FB_VISUAL_MONO01: return "monochrome, 0 is white";
	case FB_VISUAL_MONO10: return "monochrome, 1 is white";
	case FB_VISUAL_TRUECOLOR: return "truecolor";
	case FB_VISUAL_PSEUDOCOLOR: return "pseudocolor";
	case FB_VISUAL_DIRECTCOLOR: return "directcolor";
	case FB_VISUAL_STATIC_PSEUDOCOLOR: return "static pseudocolor";
	case FB_VISUAL_FOURCC: return "fourcc";
	default: return "unknown";
	}
}

const char *fbk_fbdev_type_name(uint32_t type)
{
	switch (type) {
	case FB_TYPE_PACKED_PIXELS: return "packed pixels";
	case FB_TYPE_PLANES: return "planes";
	case FB_TYPE_INTERLEAVED_PLANES: return "interleaved planes";
	case FB_TYPE_TEXT: return "text";
	case FB_TYPE_VGA_PLANES: return "VGA planes";
	case FB_TYPE_FOURCC: return "fourcc";
	default: return "unknown";
	}
}

static struct fbk_channel channel(struct fb_bitfield b)
{
	/* Wider than any format fbkit knows: clamp so the lookup fails instead of wrapping. */
	return (struct fbk_channel){ (uint8_t)(b.offset > 255 ? 255 : b.offset),
				     (uint8_t)(b.length > 255 ? 255 : b.length) };
}

const struct fbk_format_info *fbk_fbdev_format(const struct fb_var_screeninfo *var)
{
	/* Bits numbered from the other end would need their own codecs. */
	if (var->red.msb_right || var->green.msb_right || var->blue.msb_right ||
	    var->transp.msb_right)
		return NULL;
	return fbk_format_by_bitfields(var->bits_per_pixel, channel(var->red),
				       channel(var->green), channel(var->blue),
				       channel(var->transp));
}

/* Entry i of n: i scaled to 0..0xffff, rounded; 0xffff past the channel's own entries. */
static void ramp(uint16_t *entries, size_t n, size_t len)
{
	for (size_t i = 0; i < len; i++)
		entries[i] = i >= n ? 0xffff : (uint16_t)((i * 0xffff + (n - 1) / 2) / (n - 1));
}

size_t fbk_fbdev_ramp(const struct fb_var_screeninfo *var, uint16_t *red, uint16_t *green,
		      uint16_t *blue)
{
	const struct fb_bitfield *fields[3] = { &var->red, &var->green, &var->blue };
	uint16_t *out[3] = { red, green, blue };
	size_t len = 0;
	for (size_t c = 0; c < 3; c++) {
		if (fields[c]->length == 0 || fields[c]->length > 8)
			return 0;
		size_t n = (size_t)1 << fields[c]->length;
		len = n > len ? n : len;
	}
	for (size_t c = 0; c < 3; c++)
		ramp(out[c], (size_t)1 << fields[c]->length, len);
	return len;
}

static int check_pixels(const struct fb_fix_screeninfo *fix, const struct fb_var_screeninfo *var,
			const struct fbk_format_info **format)
{
	if (fix->type != FB_TYPE_PACKED_PIXELS)
		return fbk_fail(-ENOTSUP, "pixel memory type %u (%s) is not supported; fbkit "
					  "draws packed pixels only",
				(unsigned)fix->type, fbk_fbdev_type_name(fix->type));
	if (fix->visual != FB_VISUAL_TRUECOLOR && fix->visual != FB_VISUAL_DIRECTCOLOR)
		return fbk_fail(-ENOTSUP, "visual %u (%s) is not supported; fbkit needs a "
					  "truecolor or directcolor mode",
				(unsigned)fix->visual, fbk_fbdev_visual_name(fix->visual));
	if (var->grayscale || var->nonstd)
		return fbk_fail(-ENOTSUP, "non-standard pixels (grayscale %u, nonstd %u) are "
					  "not supported",
				(unsigned)var->grayscale, (unsigned)var->nonstd);
	*format = fbk_fbdev_format(var);
	if (!*format) {
		char names[128];
		fbk_format_names(names, sizeof(names));
		return fbk_fail(-ENOTSUP, "unsupported pixel layout: %u bpp, red %u/%u green %u/%u "
					  "blue %u/%u alpha %u/%u%s (fbkit knows %s)",
				(unsigned)var->bits_per_pixel, (unsigned)var->red.offset,
				(unsigned)var->red.length, (unsigned)var->green.offset,
				(unsigned)var->green.length, (unsigned)var->blue.offset,
				(unsigned)var->blue.length, (unsigned)var->transp.offset,
				(unsigned)var->transp.length,
				var->red.msb_right || var->green.msb_right ||
						var->blue.msb_right || var->transp.msb_right
					? ", bits numbered from the right"
					: "",
				names);
	}
	return 0;
}

static int check_size(const struct fb_var_screeninfo *var)
{
	if (var->xres == 0 || var->yres == 0)
		return fbk_fail(-EINVAL, "the device reports an empty %ux%u mode",
				(unsigned)var->xres, (unsigned)var->yres);
	if (var->xres > FBK_MAX_DIMENSION || var->yres > FBK_MAX_DIMENSION)
		return fbk_fail(-EFBIG, "the %ux%u mode is larger than fbkit's %dx%d limit",
				(unsigned)var->xres, (unsigned)var->yres, FBK_MAX_DIMENSION,
				FBK_MAX_DIMENSION);
	return 0;
}

/* Byte offsets of the visible area inside the framebuffer; -EINVAL when it does not fit. */
static int place_visible(const struct fb_fix_screeninfo *fix, const struct fb_var_screeninfo *var,
			 size_t bytes_per_pixel, struct fbk_fbdev_layout *out)
{
	size_t stride = fix->line_length, row_end, start, last_row, end;
	if (stride == 0)
		return fbk_fail(-EINVAL, "the device reports line_length 0");
	if (fix->smem_len == 0)
		return fbk_fail(-EINVAL, "the device reports no framebuffer memory (smem_len 0)");
	/* A panned view must still fit in each line. */
	if (fbk_add_overflows(var->xoffset, var->xres, &row_end) ||
	    fbk_mul_overflows(row_end, bytes_per_pixel, &row_end) || row_end > stride)
		return fbk_fail(-EINVAL, "line_length %zu is too short for %u pixels at x offset %u "
					 "of %zu bytes each",
				stride, (unsigned)var->xres, (unsigned)var->xoffset, bytes_per_pixel);
	if (fbk_mul_overflows(var->yoffset, stride, &start) ||
	    fbk_add_overflows(start, (size_t)var->xoffset * bytes_per_pixel, &start) ||
	    fbk_mul_overflows((size_t)var->yres - 1, stride, &last_row) ||
	    fbk_add_overflows(start, last_row, &end) ||
	    fbk_add_overflows(end, (size_t)var->xres * bytes_per_pixel, &end))
		return fbk_fail(-EFBIG, "the visible area's offsets overflow");
	if (end > fix->smem_len)
		return fbk_fail(-EINVAL, "the visible %ux%u area at offset %u,%u ends at byte %zu, "
					 "past the framebuffer memory (smem_len %u)",
				(unsigned)var->xres, (unsigned)var->yres, (unsigned)var->xoffset,
				(unsigned)var->yoffset, end, (unsigned)fix->smem_len);
	out->visible_offset = out->page_offset + start;
	return 0;
}

int fbk_fbdev_layout(const struct fb_fix_screeninfo *fix, const struct fb_var_screeninfo *var,
		     size_t page_size, struct fbk_fbdev_layout *out)
{
	const struct fbk_format_info *format;
	int err = check_pixels(fix, var, &format);
	if (!err)
		err = check_size(var);
	if (err)
		return err;

	struct fbk_fbdev_layout l = {
		.format = format,
		.width = (int32_t)var->xres,
		.height = (int32_t)var->yres,
		.stride = fix->line_length,
		.page_offset = (size_t)(fix->smem_start % page_size),
	};
	err = place_visible(fix, var, format->bytes_per_pixel, &l);
	if (err)
		return err;
	size_t length;
	if (fbk_add_overflows(l.page_offset, fix->smem_len, &length) ||
	    fbk_add_overflows(length, page_size - 1, &length))
		return fbk_fail(-EFBIG, "framebuffer memory of %u bytes cannot be mapped",
				(unsigned)fix->smem_len);
	l.map_length = length - length % page_size;
	*out = l;
	return 0;
}
