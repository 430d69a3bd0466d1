/*
 * A multi-script sample against its golden image (tests/golden/text-scripts.png):
 * DejaVu Sans with Noto fallbacks for Arabic, Devanagari and CJK, shaped by
 * HarfBuzz, wrapped, aligned and ellipsized in boxes, in two colours over a
 * gradient. It needs FreeType, HarfBuzz (the picture is the shaped one),
 * libpng (to read the golden) and the Debian fonts; it skips naming what
 * is missing. `--write FILE` saves the picture instead (the README's
 * screenshot: assets/screenshots/make-screenshots.sh).
 */
#include <unistd.h>

#include "config.h"
#include "harness.h"

#if FBK_HAVE_FREETYPE && FBK_HAVE_HARFBUZZ && FBK_HAVE_PNG
#include "golden.h"

static const char *const paths[] = {
	"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
	"/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
	"/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
};
#define FONT_COUNT (sizeof(paths) / sizeof(*paths))

static void gradient(struct fbk_surface *s)
{
	for (int32_t y = 0; y < s->height; y++) {
		struct fbk_rect row = { 0, y, s->width, 1 };
		fbk_fill(s, &row, FBK_RGB((uint8_t)(16 + y / 8), 24, (uint8_t)(48 + y / 4)));
	}
}

int main(int argc, char **argv)
{
	for (size_t i = 0; i < FONT_COUNT; i++)
		if (access(paths[i], R_OK))
			SKIP("%s is missing (Debian: fonts-dejavu-core, fonts-noto-core, "
			     "fonts-noto-cjk)", paths[i]);
	struct fbk_font *fonts[FONT_COUNT] = { 0 };
	for (size_t i = 0; i < FONT_COUNT; i++) {
		struct fbk_font_options o = FBK_FONT_OPTIONS_INIT;
		o.pixel_size = i == FONT_COUNT - 1 ? 30 : 20;
		CHECK(fbk_font_load(&fonts[i], paths[i], &o) == 0, "%s", fbk_last_error());
		if (!fonts[i])
			return harness_exit();
	}
	const struct fbk_font *fallbacks[] = { fonts[1], fonts[2], fonts[3] };
	CHECK(fbk_font_set_fallbacks(fonts[0], fallbacks, 3) == 0, "%s", fbk_last_error());
	CHECK(fbk_font_set_fallbacks(fonts[4], fallbacks, 3) == 0, "%s", fbk_last_error());

	struct fbk_surface *s;
	if (fbk_surface_create(&s, 560, 330, FBK_FORMAT_XRGB8888))
		return 1;
	gradient(s);
	struct fbk_color ink = FBK_RGB(240, 240, 235), gold = FBK_RGB(255, 200, 60);
	struct fbk_text_box box = FBK_TEXT_BOX_INIT;
	box.width = 540;
	box.align = FBK_TEXT_ALIGN_CENTER;
	CHECK(fbk_text_draw_box(s, fonts[4], 10, 8, "Text in every script", gold, &box) == 0,
	      "%s", fbk_last_error());
	box.align = FBK_TEXT_ALIGN_LEFT;
	box.line_spacing = 2;
	CHECK(fbk_text_draw_box(s, fonts[0], 10, 52,
				"Latin: office affine AVATAR, To Wa \xe2\x80\x94 ligatures\n"
				"\xce\x95\xce\xbb\xce\xbb\xce\xb7\xce\xbd\xce\xb9\xce\xba\xce\xac: "
				"\xce\x93\xce\xb5\xce\xb9\xce\xac \xcf\x83\xce\xbf\xcf\x85 \xce\xba\xcf\x8c\xcf\x83\xce\xbc\xce\xb5 "
				"\xc2\xb7 \xd0\x9a\xd0\xb8\xd1\x80\xd0\xb8\xd0\xbb\xd0\xbb\xd0\xb8\xd1\x86\xd0\xb0: "
				"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80\n"
				"\xd8\xa7\xd9\x84\xd8\xb9\xd8\xb1\xd8\xa8\xd9\x8a\xd8\xa9: "
				"\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd8\xa8\xd8\xa7\xd9\x84\xd8\xb9\xd8\xa7\xd9\x84\xd9\x85\n"
				"\xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\xa8\xe0\xa5\x8d\xe0\xa4\xa6\xe0\xa5\x80: "
				"\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87 "
				"\xe0\xa4\xa6\xe0\xa5\x81\xe0\xa4\xa8\xe0\xa4\xbf\xe0\xa4\xaf\xe0\xa4\xbe\n"
				"\xe4\xb8\xad\xe6\x96\x87: \xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c "
				"\xc2\xb7 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e: "
				"\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf",
				ink, &box) == 0,
	      "%s", fbk_last_error());
	/* A paragraph wrapped to a narrow box, right-aligned; one cut with an ellipsis. */
	box.width = 260;
	box.align = FBK_TEXT_ALIGN_RIGHT;
	box.line_spacing = 0;
	CHECK(fbk_text_draw_box(s, fonts[0], 290, 204,
				"Lines wrap at spaces and hyphens, and anywhere between "
				"\xe6\xbc\xa2\xe5\xad\x97\xe3\x81\xa8\xe3\x81\x8b\xe3\x81\xaa.",
				gold, &box) == 0,
	      "%s", fbk_last_error());
	box.width = 260;
	box.height = 48;
	box.align = FBK_TEXT_ALIGN_LEFT;
	box.ellipsize = true;
	CHECK(fbk_text_draw_box(s, fonts[0], 10, 204,
				"A box two lines high keeps what fits and ends the last line "
				"with an ellipsis when text is left over.",
				FBK_RGBA(255, 255, 255, 200), &box) == 0,
	      "%s", fbk_last_error());
	CHECK(fbk_text_draw_baseline(s, fonts[0], 10, 312, "Baseline at y = 312, translucent bg",
				     ink, &(struct fbk_color){ 40, 120, 255, 120 }) == 0,
	      "%s", fbk_last_error());

	if (argc == 3 && !strcmp(argv[1], "--write")) {
		CHECK(fbk_png_save(s, argv[2]) == 0, "%s", fbk_last_error());
	} else {
		CHECK(golden_check(s, "text-scripts"), "text-scripts matches its golden image");
	}
	fbk_surface_destroy(s);
	for (size_t i = FONT_COUNT; i-- > 0;)
		fbk_font_destroy(fonts[i]);
	return harness_exit();
}
#else
int main(void)
{
	SKIP("the multi-script golden needs FreeType, HarfBuzz and libpng (-Dfreetype, "
	     "-Dharfbuzz, -Dpng)");
}
#endif
