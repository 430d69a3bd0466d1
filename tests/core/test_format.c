/* The format table: fourcc values, look-ups, and single-pixel pack/unpack. */
#include "config.h"
#include "core/format_list.h"
#include "harness.h"

#if FBK_HAVE_DRM
#include <drm_fourcc.h>
#endif

static void check_against_drm(void)
{
#if FBK_HAVE_DRM
	CHECK(FBK_FORMAT_XRGB8888 == DRM_FORMAT_XRGB8888, "XRGB8888");
	CHECK(FBK_FORMAT_ARGB8888 == DRM_FORMAT_ARGB8888, "ARGB8888");
	CHECK(FBK_FORMAT_XBGR8888 == DRM_FORMAT_XBGR8888, "XBGR8888");
	CHECK(FBK_FORMAT_ABGR8888 == DRM_FORMAT_ABGR8888, "ABGR8888");
	CHECK(FBK_FORMAT_RGB565 == DRM_FORMAT_RGB565, "RGB565");
	CHECK(FBK_FORMAT_BGR565 == DRM_FORMAT_BGR565, "BGR565");
	CHECK(FBK_FORMAT_RGB888 == DRM_FORMAT_RGB888, "RGB888");
	CHECK(FBK_FORMAT_BGR888 == DRM_FORMAT_BGR888, "BGR888");
	CHECK(FBK_FORMAT_XRGB1555 == DRM_FORMAT_XRGB1555, "XRGB1555");
	CHECK(FBK_FORMAT_ARGB1555 == DRM_FORMAT_ARGB1555, "ARGB1555");
#else
	printf("libdrm not built in: fourcc values not compared with drm_fourcc.h\n");
#endif
}

static void check_lookups(void)
{
	size_t count = 0;
	for (const struct fbk_format_info *f; (f = fbk_format_at(count)); count++) {
		CHECK(fbk_format_info(f->fourcc) == f, "%s by fourcc", f->name);
		CHECK(fbk_format_by_name(f->name) == f, "%s by short name", f->name);
		CHECK(fbk_format_by_name(f->long_name) == f, "%s by long name", f->name);
		char lower[16];
		size_t i = 0;
		for (; f->long_name[i] && i < sizeof(lower) - 1; i++)
			lower[i] = (char)(f->long_name[i] | 0x20);
		lower[i] = '\0';
		CHECK(fbk_format_by_name(lower) == f, "%s by lower-case name", lower);
		CHECK(fbk_format_by_bitfields(f->bytes_per_pixel * 8u, f->red, f->green, f->blue,
					      f->alpha) == f,
		      "%s by bitfields", f->name);
		char name[5] = { (char)f->fourcc, (char)(f->fourcc >> 8), (char)(f->fourcc >> 16),
				 (char)(f->fourcc >> 24), 0 };
		CHECK(!strcmp(name, f->name), "short name %s spells the fourcc %s", f->name, name);
		CHECK(fbk_format_has_alpha(f->fourcc) == (f->alpha.length != 0), "%s alpha", f->name);
	}
	CHECK(count == FBK_FORMAT_COUNT && count == 10, "10 formats, got %zu", count);
	CHECK(fbk_format_info(0) == NULL, "fourcc 0");
	CHECK(fbk_format_info(FBK_FOURCC('N', 'V', '1', '2')) == NULL, "NV12 unsupported");
	CHECK(fbk_format_by_name("XR2") == NULL && fbk_format_by_name("") == NULL &&
		      fbk_format_by_name(NULL) == NULL && fbk_format_by_name("XRGB88888") == NULL,
	      "bad names");

	struct fbk_channel none = { 0, 0 };
	struct fbk_channel c16 = { 16, 8 }, c8 = { 8, 8 }, c0 = { 0, 8 }, c24 = { 24, 8 };
	/* Same bpp, swapped channels: must find the BGR twin, never guess by bpp. */
	CHECK(fbk_format_by_bitfields(32, c0, c8, c16, none) == fbk_format_info(FBK_FORMAT_XBGR8888),
	      "32-bpp BGR");
	CHECK(fbk_format_by_bitfields(32, c16, c8, c0, c24) == fbk_format_info(FBK_FORMAT_ARGB8888),
	      "32-bpp ARGB");
	CHECK(fbk_format_by_bitfields(24, c0, c8, c16, none) == fbk_format_info(FBK_FORMAT_BGR888),
	      "24-bpp BGR");
	/* 15-bit modes: drivers say 16 or 15 bits per pixel for the same pixels. */
	struct fbk_channel r555 = { 10, 5 }, g555 = { 5, 5 }, b555 = { 0, 5 }, a1 = { 15, 1 };
	const struct fbk_format_info *xr15 = fbk_format_info(FBK_FORMAT_XRGB1555);
	const struct fbk_format_info *ar15 = fbk_format_info(FBK_FORMAT_ARGB1555);
	CHECK(xr15 && fbk_format_by_bitfields(16, r555, g555, b555, none) == xr15, "16-bpp XRGB1555");
	CHECK(xr15 && fbk_format_by_bitfields(15, r555, g555, b555, none) == xr15, "15-bpp XRGB1555");
	CHECK(ar15 && fbk_format_by_bitfields(16, r555, g555, b555, a1) == ar15, "16-bpp ARGB1555");
	CHECK(fbk_format_by_bitfields(15, r555, g555, b555, a1) == NULL, "15 bpp cannot hold alpha");
	CHECK(fbk_format_by_bitfields(14, r555, g555, b555, none) == NULL, "14 bpp");
	CHECK(fbk_format_by_bitfields(32, r555, g555, b555, none) == NULL, "555 in 32 bpp");
	/* The depth is accepted for XRGB1555 only: 24 is RGB888, never XRGB8888. */
	CHECK(fbk_format_by_bitfields(24, c16, c8, c0, none) == fbk_format_info(FBK_FORMAT_RGB888),
	      "24-bpp RGB");
	CHECK(fbk_format_by_bitfields(16, r555, (struct fbk_channel){ 5, 6 }, b555, none) == NULL,
	      "5-6-5 with red at 10");
	CHECK(fbk_format_by_bitfields(32, c8, c16, c24, none) == NULL, "odd 32-bpp layout");
	CHECK(fbk_format_by_bitfields(16, c16, c8, c0, none) == NULL, "bpp mismatch");
	/* Drivers leave junk offsets in zero-length alpha fields. */
	struct fbk_channel junk = { 24, 0 };
	CHECK(fbk_format_by_bitfields(32, c16, c8, c0, junk) == fbk_format_info(FBK_FORMAT_XRGB8888),
	      "zero-length alpha with an offset");
}

/* An n-bit value widened to 8 bits by repeating its bits: 1 -> 255, 31 -> 255. */
static int widened(int q, int bits)
{
	int wide = 0;
	for (int shift = 8 - bits; shift > -bits; shift -= bits)
		wide |= shift >= 0 ? q << shift : q >> -shift;
	return wide & 0xff;
}

/* The nearest representable value of an n-bit channel, widened back to 8 bits. */
static int nearest_error(uint8_t v, int bits)
{
	int best = 256;
	for (int q = 0; q < 1 << bits; q++) {
		int e = abs(widened(q, bits) - v);
		best = e < best ? e : best;
	}
	return best;
}

static void check_pack_unpack(void)
{
	for (size_t i = 0; fbk_format_at(i); i++) {
		const struct fbk_format_info *f = fbk_format_at(i);
		for (int v = 0; v < 256; v++) {
			struct fbk_color c = { (uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v * 7),
					       (uint8_t)(v ^ 0x5a) };
			struct fbk_color back = fbk_color_unpack(f->fourcc, fbk_color_pack(f->fourcc, c));
			CHECK(abs(back.r - c.r) == nearest_error(c.r, f->red.length), "%s red %d", f->name, v);
			CHECK(abs(back.g - c.g) == nearest_error(c.g, f->green.length), "%s green %d", f->name, v);
			CHECK(abs(back.b - c.b) == nearest_error(c.b, f->blue.length), "%s blue %d", f->name, v);
			if (f->alpha.length)
				CHECK(abs(back.a - c.a) == nearest_error(c.a, f->alpha.length),
				      "%s alpha %d: %d", f->name, c.a, back.a);
			else
				CHECK(back.a == 255, "%s alpha %d", f->name, v);
		}
		/* Every stored value survives unpack then pack, except X bits, which pack clears. */
		uint32_t used = 0;
		const struct fbk_channel *ch[] = { &f->red, &f->green, &f->blue, &f->alpha };
		for (int k = 0; k < 4; k++)
			used |= ((1u << ch[k]->length) - 1) << ch[k]->offset;
		if (f->bytes_per_pixel == 2)
			for (uint32_t p = 0; p < 65536; p++)
				CHECK(fbk_color_pack(f->fourcc, fbk_color_unpack(f->fourcc, p)) == (p & used),
				      "%s 0x%04x", f->name, p);
	}
	/* 1-bit alpha: from 128 up it is set, and it reads back as 0 or 255. */
	for (int a = 0; a < 256; a++) {
		uint32_t p = fbk_color_pack(FBK_FORMAT_ARGB1555, FBK_RGBA(0, 0, 0, (uint8_t)a));
		CHECK(p == (a >= 128 ? 0x8000u : 0), "ARGB1555 alpha %d packs to %04x", a, p);
	}
	CHECK(fbk_color_unpack(FBK_FORMAT_ARGB1555, 0x8000).a == 255 &&
		      fbk_color_unpack(FBK_FORMAT_ARGB1555, 0x7fff).a == 0,
	      "ARGB1555 alpha unpacks to 0 or 255");
	CHECK(fbk_color_unpack(FBK_FORMAT_XRGB1555, 0x8000).a == 255, "XRGB1555's X bit is not alpha");
	struct fbk_color red = FBK_RGB(255, 0, 0);
	CHECK(fbk_color_pack(FBK_FORMAT_XRGB8888, red) == 0x00ff0000u, "XRGB red");
	CHECK(fbk_color_pack(FBK_FORMAT_ARGB8888, red) == 0xffff0000u, "ARGB red");
	CHECK(fbk_color_pack(FBK_FORMAT_XBGR8888, red) == 0x000000ffu, "XBGR red");
	CHECK(fbk_color_pack(FBK_FORMAT_RGB565, red) == 0xf800u, "RGB565 red");
	CHECK(fbk_color_pack(FBK_FORMAT_BGR565, red) == 0x001fu, "BGR565 red");
	CHECK(fbk_color_pack(FBK_FORMAT_RGB888, red) == 0xff0000u, "RGB888 red");
	CHECK(fbk_color_pack(FBK_FORMAT_BGR888, red) == 0x0000ffu, "BGR888 red");
	CHECK(fbk_color_pack(FBK_FORMAT_XRGB1555, red) == 0x7c00u, "XRGB1555 red");
	CHECK(fbk_color_pack(FBK_FORMAT_ARGB1555, red) == 0xfc00u, "ARGB1555 red");
	CHECK(fbk_color_pack(FBK_FORMAT_XRGB1555, FBK_RGB(0, 5, 4)) == 0x0020u,
	      "XRGB1555 rounds to nearest: 5 -> 1, 4 -> 0");
	CHECK(fbk_color_unpack(FBK_FORMAT_XRGB1555, 0x0421).r == 8 &&
		      fbk_color_unpack(FBK_FORMAT_XRGB1555, 0x7fff).b == 255,
	      "XRGB1555 widens by bit replication");
	CHECK(fbk_color_pack(0, red) == 0, "unknown format packs to 0");
}

/* The traits each entry carries agree with its channels (format_list.h). */
static void check_traits(void)
{
	for (size_t i = 0; fbk_format_at(i); i++) {
		const struct fbk_format_info *info = fbk_format_at(i);
		const struct fbk_format *f = fbk_format_entry(info->fourcc);
		CHECK(f && &f->info == info && f->id == i, "%s: entry %zu", info->name, i);
		if (!f)
			continue;
		unsigned layout = f->traits & FBK_TRAIT_LAYOUTS;
		unsigned want = 0;
		if (info->bytes_per_pixel == 4 && info->green.offset == 8 && info->green.length == 8)
			want = FBK_TRAIT_8888;
		else if (info->bytes_per_pixel == 3 && info->green.length == 8)
			want = FBK_TRAIT_888;
		else if (info->bytes_per_pixel == 2 && info->green.length == 6)
			want = FBK_TRAIT_565;
		else if (info->bytes_per_pixel == 2 && info->green.length == 5)
			want = FBK_TRAIT_1555;
		CHECK(layout == want, "%s: layout trait %x, channels say %x", info->name, layout, want);
		CHECK(!(f->traits & FBK_TRAIT_ALPHA) == !info->alpha.length, "%s: alpha trait",
		      info->name);
		CHECK(!(f->traits & FBK_TRAIT_SWAPPED) == (info->red.offset > info->blue.offset),
		      "%s: swapped trait", info->name);
	}
	CHECK(fbk_format_entry(0) == NULL, "no entry for fourcc 0");
}

int main(void)
{
	check_against_drm();
	check_lookups();
	check_traits();
	check_pack_unpack();
	return harness_exit();
}
