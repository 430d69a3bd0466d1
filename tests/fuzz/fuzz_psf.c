/*
 * Fuzz target for the PSF loader. Any input must either load or fail with
 * one of the documented errors and a message. A font that loads must be
 * drawable: its glyphs, map and replacement are used right away, so a
 * loader that lets a bad index or size through shows up here as an
 * out-of-bounds read rather than later in some application. The verdict
 * is whether the font loaded; a gzip-compressed one in a build without
 * zlib is not judged.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fbkit.h"
#include "text/font.h"
#include "verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum fuzz_verdict fuzz_verdict;

/* Every character class the text code treats differently, plus what fonts often map. */
static const char sample_text[] = "Az~ \xc3\xa9\xe2\x94\x80\xef\xbf\xbd\x01\x80\xc0\x80\n\tend";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fbk_font *font = NULL;
	int err = fbk_font_load_psf_memory(&font, data, size);
	if (err) {
		REQUIRE(font == NULL);
		REQUIRE(err == -EBADMSG || err == -EFBIG || err == -ENOTSUP || err == -ENOMEM);
		REQUIRE(strcmp(fbk_last_error(), "no error") != 0);
		/* Without zlib, a gzip-compressed font fails with -ENOTSUP unread. */
		fuzz_verdict = err == -ENOTSUP && !FBK_HAVE_ZLIB ? FUZZ_UNJUDGED : FUZZ_REJECTED;
		return 0;
	}
	fuzz_verdict = FUZZ_ACCEPTED;
	REQUIRE(font != NULL);
	int32_t w = fbk_font_width(font), h = fbk_font_height(font);
	REQUIRE(w >= 1 && w <= 64 && h >= 1 && h <= 128);
	REQUIRE(font->glyph_count >= 1);
	REQUIRE(font->replacement == FBK_NO_GLYPH || font->replacement < font->glyph_count);
	for (uint32_t i = 0; i < font->map_count; i++) {
		REQUIRE(font->map[i].glyph < font->glyph_count);
		REQUIRE(i == 0 || font->map[i - 1].codepoint < font->map[i].codepoint);
	}

	struct fbk_surface *surface;
	if (fbk_surface_create(&surface, 37, 41, FBK_FORMAT_RGB888) == 0) {
		struct fbk_color bg = FBK_RGBA(0, 0, 80, 200);
		REQUIRE(fbk_text_draw(surface, font, -3, 2, sample_text, FBK_RGB(255, 255, 255),
				      &bg) == 0);
		REQUIRE(fbk_text_draw(surface, font, 1, -5, sample_text, FBK_RGBA(9, 200, 9, 100),
				      NULL) == 0);
		fbk_surface_destroy(surface);
	}
	int32_t mw, mh;
	REQUIRE(fbk_text_measure(font, sample_text, &mw, &mh) == 0);
	REQUIRE(mw == 11 * w && mh == 2 * h);
	for (uint32_t cp = 0; cp < 0x200; cp++)
		(void)fbk_font_has_glyph(font, cp);
	fbk_font_destroy(font);
	return 0;
}
