/* The pixel format table and single-pixel pack/unpack. */
#include <strings.h>

#include "fbkit/format.h"

#define CH(o, l) { (o), (l) }
#define NONE CH(0, 0)

static const struct fbk_format_info formats[] = {
	{ FBK_FORMAT_XRGB8888, "XR24", "XRGB8888", 4, CH(16, 8), CH(8, 8), CH(0, 8), NONE },
	{ FBK_FORMAT_ARGB8888, "AR24", "ARGB8888", 4, CH(16, 8), CH(8, 8), CH(0, 8), CH(24, 8) },
	{ FBK_FORMAT_XBGR8888, "XB24", "XBGR8888", 4, CH(0, 8), CH(8, 8), CH(16, 8), NONE },
	{ FBK_FORMAT_ABGR8888, "AB24", "ABGR8888", 4, CH(0, 8), CH(8, 8), CH(16, 8), CH(24, 8) },
	{ FBK_FORMAT_RGB565, "RG16", "RGB565", 2, CH(11, 5), CH(5, 6), CH(0, 5), NONE },
	{ FBK_FORMAT_BGR565, "BG16", "BGR565", 2, CH(0, 5), CH(5, 6), CH(11, 5), NONE },
	{ FBK_FORMAT_RGB888, "RG24", "RGB888", 3, CH(16, 8), CH(8, 8), CH(0, 8), NONE },
	{ FBK_FORMAT_BGR888, "BG24", "BGR888", 3, CH(0, 8), CH(8, 8), CH(16, 8), NONE },
};

#define FORMAT_COUNT (sizeof(formats) / sizeof(formats[0]))

/* A switch, not a search: every primitive looks its formats up, often per row. */
const struct fbk_format_info *fbk_format_info(uint32_t fourcc)
{
	switch (fourcc) {
	case FBK_FORMAT_XRGB8888: return &formats[0];
	case FBK_FORMAT_ARGB8888: return &formats[1];
	case FBK_FORMAT_XBGR8888: return &formats[2];
	case FBK_FORMAT_ABGR8888: return &formats[3];
	case FBK_FORMAT_RGB565: return &formats[4];
	case FBK_FORMAT_BGR565: return &formats[5];
	case FBK_FORMAT_RGB888: return &formats[6];
	case FBK_FORMAT_BGR888: return &formats[7];
	}
	return NULL;
}

const struct fbk_format_info *fbk_format_at(size_t i)
{
	return i < FORMAT_COUNT ? &formats[i] : NULL;
}

const struct fbk_format_info *fbk_format_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < FORMAT_COUNT; i++)
		if (!strcasecmp(formats[i].name, name) || !strcasecmp(formats[i].long_name, name))
			return &formats[i];
	return NULL;
}

static int same_channel(struct fbk_channel a, struct fbk_channel b)
{
	/* A zero-length channel's offset means nothing; drivers leave junk there. */
	if (a.length == 0 || b.length == 0)
		return a.length == b.length;
	return a.offset == b.offset && a.length == b.length;
}

const struct fbk_format_info *fbk_format_by_bitfields(unsigned bits_per_pixel,
							      struct fbk_channel red,
							      struct fbk_channel green,
							      struct fbk_channel blue,
							      struct fbk_channel alpha)
{
	for (size_t i = 0; i < FORMAT_COUNT; i++) {
		const struct fbk_format_info *f = &formats[i];
		if (f->bytes_per_pixel * 8u == bits_per_pixel && same_channel(f->red, red) &&
		    same_channel(f->green, green) && same_channel(f->blue, blue) &&
		    same_channel(f->alpha, alpha))
			return f;
	}
	return NULL;
}

bool fbk_format_has_alpha(uint32_t fourcc)
{
	const struct fbk_format_info *f = fbk_format_info(fourcc);
	return f && f->alpha.length;
}

static uint32_t narrow(uint8_t v, struct fbk_channel ch)
{
	uint32_t max = (1u << ch.length) - 1;
	return ((v * max + 127) / 255) << ch.offset;
}

static uint8_t widen(uint32_t pixel, struct fbk_channel ch)
{
	uint32_t v = (pixel >> ch.offset) & ((1u << ch.length) - 1);
	uint32_t wide = v << (8 - ch.length);
	/* Replicating the top bits maps the narrow maximum to exactly 255. */
	for (int filled = ch.length; filled < 8; filled += ch.length)
		wide |= v << (8 - ch.length) >> filled;
	return (uint8_t)wide;
}

uint32_t fbk_color_pack(uint32_t fourcc, struct fbk_color c)
{
	const struct fbk_format_info *f = fbk_format_info(fourcc);
	if (!f)
		return 0;
	uint32_t p = narrow(c.r, f->red) | narrow(c.g, f->green) | narrow(c.b, f->blue);
	if (f->alpha.length)
		p |= narrow(c.a, f->alpha);
	return p;
}

struct fbk_color fbk_color_unpack(uint32_t fourcc, uint32_t pixel)
{
	const struct fbk_format_info *f = fbk_format_info(fourcc);
	if (!f)
		return (struct fbk_color){ 0, 0, 0, 0 };
	return (struct fbk_color){
		widen(pixel, f->red),
		widen(pixel, f->green),
		widen(pixel, f->blue),
		f->alpha.length ? widen(pixel, f->alpha) : 255,
	};
}
