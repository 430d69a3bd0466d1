/* The format table and fourcc lookup, from format_list.h; single-pixel pack/unpack. */
#include <stdio.h>
#include <strings.h>

#include "fbkit/format.h"
#include "core/format_list.h"

#define CHANNEL(offset, length) { (offset), (length) }
#define ENTRY(id, short_name, bytes, red, green, blue, alpha, codec, traits)                   \
	[FBK_FORMAT_ID_##id] = { { FBK_FORMAT_##id, short_name, #id, bytes, CHANNEL red,       \
				   CHANNEL green, CHANNEL blue, CHANNEL alpha },               \
				 FBK_FORMAT_ID_##id, (traits) },

static const struct fbk_format formats[FBK_FORMAT_COUNT] = { FBK_FORMAT_LIST(ENTRY) };

#define FORMAT_COUNT ((size_t)FBK_FORMAT_COUNT)

/*
 * A switch, not a search: every primitive looks its formats up, often per
 * row. It is generated from the list, so it cannot miss a format.
 */
#define CASE(id, ...)                                                                           \
	case FBK_FORMAT_##id: return &formats[FBK_FORMAT_ID_##id];

const struct fbk_format *fbk_format_entry(uint32_t fourcc)
{
	switch (fourcc) {
		FBK_FORMAT_LIST(CASE)
	}
	return NULL;
}

const struct fbk_format_info *fbk_format_info(uint32_t fourcc)
{
	const struct fbk_format *f = fbk_format_entry(fourcc);
	return f ? &f->info : NULL;
}

const struct fbk_format_info *fbk_format_at(size_t i)
{
	return i < FORMAT_COUNT ? &formats[i].info : NULL;
}

void fbk_format_names(char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < FORMAT_COUNT && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : "",
					 formats[i].info.name);
}

const struct fbk_format_info *fbk_format_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < FORMAT_COUNT; i++)
		if (!strcasecmp(formats[i].info.name, name) ||
		    !strcasecmp(formats[i].info.long_name, name))
			return &formats[i].info;
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
		const struct fbk_format_info *f = &formats[i].info;
		unsigned depth = f->red.length + f->green.length + f->blue.length + f->alpha.length;
		bool bpp_fits = f->bytes_per_pixel * 8u == bits_per_pixel ||
				((formats[i].traits & FBK_TRAIT_DEPTH_BPP) && depth == bits_per_pixel);
		if (bpp_fits && same_channel(f->red, red) &&
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
