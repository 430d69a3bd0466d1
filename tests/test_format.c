/* The format table: fourcc values, look-ups, and single-pixel pack/unpack. */
#include "config.h"
#include "format_list.h"
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
	CHECK(count == FBK_FORMAT_COUNT && count == 8, "8 formats, got %zu", count);
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
	struct fbk_channel r555 = { 10, 5 }, g555 = { 5, 5 }, b555 = { 0, 5 };
	CHECK(fbk_format_by_bitfields(16, r555, g555, b555, none) == NULL, "RGB555 is unsupported");
	CHECK(fbk_format_by_bitfields(32, c8, c16, c24, none) == NULL, "odd 32-bpp layout");
	CHECK(fbk_format_by_bitfields(16, c16, c8, c0, none) == NULL, "bpp mismatch");
	/* Drivers leave junk offsets in zero-length alpha fields. */
	struct fbk_channel junk = { 24, 0 };
	CHECK(fbk_format_by_bitfields(32, c16, c8, c0, junk) == fbk_format_info(FBK_FORMAT_XRGB8888),
	      "zero-length alpha with an offset");
}

/* The nearest representable value of an n-bit channel, widened back to 8 bits. */
static int nearest_error(uint8_t v, int bits)
{
	int best = 256;
	for (int q = 0; q < 1 << bits; q++) {
		int wide = (q << (8 - bits)) | (q >> (2 * bits - 8));
		int e = abs(wide - v);
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
			CHECK(back.a == (f->alpha.length ? c.a : 255), "%s alpha %d", f->name, v);
		}
		/* Every stored value survives unpack then pack (no X bits in 16-bit formats). */
		if (f->bytes_per_pixel == 2)
			for (uint32_t p = 0; p < 65536; p++)
				CHECK(fbk_color_pack(f->fourcc, fbk_color_unpack(f->fourcc, p)) == p,
				      "%s 0x%04x", f->name, p);
	}
	struct fbk_color red = FBK_RGB(255, 0, 0);
	CHECK(fbk_color_pack(FBK_FORMAT_XRGB8888, red) == 0x00ff0000u, "XRGB red");
	CHECK(fbk_color_pack(FBK_FORMAT_ARGB8888, red) == 0xffff0000u, "ARGB red");
	CHECK(fbk_color_pack(FBK_FORMAT_XBGR8888, red) == 0x000000ffu, "XBGR red");
	CHECK(fbk_color_pack(FBK_FORMAT_RGB565, red) == 0xf800u, "RGB565 red");
	CHECK(fbk_color_pack(FBK_FORMAT_BGR565, red) == 0x001fu, "BGR565 red");
	CHECK(fbk_color_pack(FBK_FORMAT_RGB888, red) == 0xff0000u, "RGB888 red");
	CHECK(fbk_color_pack(FBK_FORMAT_BGR888, red) == 0x0000ffu, "BGR888 red");
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
