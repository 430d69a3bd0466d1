/*
 * Fuzz target for outline fonts. The first byte picks what the rest is:
 *
 * - even: a font file. It must load or fail with a documented error and a
 *   message; a font that loads must draw, measure and answer has_glyph
 *   with anything. Rejected when fbk_font_load_memory fails.
 * - odd: text (up to the first NUL), shaped, drawn and measured with
 *   DejaVu Sans and Noto fallbacks (the system's fonts: not judged when
 *   DejaVu Sans is missing), and laid out in a small box. Every call must
 *   succeed, the ink must lie within the measured box and the laid-out
 *   lines within the box's height. Never rejected.
 *
 * Without FreeType nothing is judged: fbk_font_load* answer -ENOTSUP.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fbkit.h"
#include "verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum fuzz_verdict fuzz_verdict;

static const char sample_text[] = "Az~ fi\xc3\xa9\xe2\x94\x80\xef\xbf\xbd\x01\x80\xc0\x80\n\tend "
				  "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85 \xe0\xa4\xb9\xe0\xa4\xbf "
				  "\xe6\xbc\xa2";

/* Draw and measure: the ink inside the measured box, nothing drawn outside the surface. */
static void exercise(const struct fbk_font *font, const char *text)
{
	struct fbk_surface *s;
	if (fbk_surface_create(&s, 97, 61, FBK_FORMAT_XRGB8888))
		return;
	struct fbk_text_extents e = FBK_TEXT_EXTENTS_INIT;
	int err = fbk_text_extents(font, text, &e);
	REQUIRE(err == 0 || err == -EFBIG || err == -ENOMEM);
	REQUIRE(fbk_text_draw(s, font, 20, 10, text, FBK_RGB(255, 255, 255), NULL) == 0);
	if (!err) {
		for (int32_t y = 0; y < s->height; y++)
			for (int32_t x = 0; x < s->width; x++) {
				uint32_t v;
				memcpy(&v, fbk_surface_pixel(s, x, y), 4);
				if (!(v & 0xffffff))
					continue;
				int32_t rx = x - 20, ry = y - 10;
				REQUIRE(rx >= e.ink.x && rx < e.ink.x + e.ink.w && ry >= e.ink.y &&
					ry < e.ink.y + e.ink.h);
			}
	}
	/* Laid out in a small box: wrapped, centred, cut and ellipsized. */
	struct fbk_text_box box = FBK_TEXT_BOX_INIT;
	box.width = 1 + (int32_t)(strlen(text) % 70);
	box.height = 40;
	box.align = FBK_TEXT_ALIGN_CENTER;
	box.ellipsize = true;
	int32_t bw, bh, lines;
	err = fbk_text_measure_box(font, text, &box, &bw, &bh, &lines);
	REQUIRE(err == 0 || err == -ENOMEM);
	REQUIRE(err || (bh <= 40 && lines >= 0));
	REQUIRE(fbk_text_draw_box(s, font, 3, 3, text, FBK_RGB(200, 200, 255), &box) == 0);
	struct fbk_color bg = FBK_RGBA(0, 0, 80, 200);
	REQUIRE(fbk_text_draw_baseline(s, font, -7, 30, text, FBK_RGBA(9, 200, 9, 100), &bg) == 0);
	fbk_surface_destroy(s);
}

static void font_case(const uint8_t *data, size_t size)
{
	struct fbk_font *font = NULL;
	struct fbk_font_options o = FBK_FONT_OPTIONS_INIT;
	o.pixel_size = 13;
	int err = fbk_font_load_memory(&font, data, size, &o);
	if (err) {
		REQUIRE(font == NULL);
		REQUIRE(err == -EBADMSG || err == -ENOTSUP || err == -ENOMEM || err == -EIO);
		REQUIRE(strcmp(fbk_last_error(), "no error") != 0);
		fuzz_verdict = err == -ENOTSUP && !FBK_HAVE_FREETYPE ? FUZZ_UNJUDGED : FUZZ_REJECTED;
		return;
	}
	fuzz_verdict = FUZZ_ACCEPTED;
	REQUIRE(fbk_font_is_outline(font));
	exercise(font, sample_text);
	for (uint32_t cp = 0; cp < 0x180; cp++)
		(void)fbk_font_has_glyph(font, cp);
	fbk_font_destroy(font);
}

static struct fbk_font *text_font;

static void text_case(const uint8_t *data, size_t size)
{
	if (!text_font) {
		if (fbk_font_load(&text_font, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
				  NULL)) {
			fuzz_verdict = FUZZ_UNJUDGED;
			return;
		}
		static const char *const paths[] = {
			"/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
			"/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf",
		};
		static struct fbk_font *fallbacks[2];
		const struct fbk_font *list[2];
		size_t n = 0;
		for (size_t i = 0; i < 2; i++)
			if (!fbk_font_load(&fallbacks[i], paths[i], NULL))
				list[n++] = fallbacks[i];
		REQUIRE(fbk_font_set_fallbacks(text_font, list, n) == 0);
		/* The fonts stay loaded for the process, as a program's would. */
	}
	char *text = malloc(size + 1);
	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = 0;
	fuzz_verdict = FUZZ_ACCEPTED;
	exercise(text_font, text);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_verdict = FUZZ_UNJUDGED;
	if (size == 0)
		return 0;
	if (data[0] & 1)
		text_case(data + 1, size - 1);
	else
		font_case(data + 1, size - 1);
	return 0;
}
