/*
 * fbk_text_draw_box and fbk_text_measure_box against hand-checked line
 * breaks. The built-in 8x16 font makes every width a count of cells, so
 * each case states its lines outright; the drawing must then equal those
 * lines drawn one by one with fbk_text_draw where the box puts them.
 * With FreeType, the same rules on DejaVu Sans: lines fit the width,
 * nothing is lost but the spaces a break eats, and the ink stays inside
 * the measured box.
 */
#include <errno.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#include "text/layout.h"

#define DEJAVU "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

static struct fbk_surface *new_surface(int32_t w, int32_t h)
{
	struct fbk_surface *s = NULL;
	if (fbk_surface_create(&s, w, h, FBK_FORMAT_XRGB8888)) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return s;
}

/*
 * The box lays `text` out as exactly `want` (NULL-terminated list of
 * lines), each placed by the alignment against `against` cells.
 */
static void expect(const char *text, const struct fbk_text_box *box, const char *const *want,
		   int line, const char *what)
{
	const struct fbk_font *font = fbk_font_builtin();
	size_t n = 0, widest = 0;
	while (want[n]) {
		int32_t w;
		fbk_text_measure(font, want[n], &w, NULL);
		if ((size_t)w > widest)
			widest = (size_t)w;
		n++;
	}
	int32_t mw, mh, ml;
	int err = fbk_text_measure_box(font, text, box, &mw, &mh, &ml);
	int32_t step = 16 + box->line_spacing;
	CHECK(err == 0 && ml == (int32_t)n && mw == (int32_t)widest &&
	      mh == (n ? (int32_t)n * 16 + ((int32_t)n - 1) * box->line_spacing : 0),
	      "line %d (%s): measured %d lines %dx%d, want %zu lines %zux%d: %s", line, what,
	      (int)ml, (int)mw, (int)mh, n, widest,
	      n ? (int)n * 16 + ((int)n - 1) * (int)box->line_spacing : 0, fbk_last_error());
	struct fbk_surface *a = new_surface(200, 160), *b = new_surface(200, 160);
	struct fbk_color c = { 255, 255, 255, 255 };
	CHECK(fbk_text_draw_box(a, font, 10, 5, text, c, box) == 0, "%s", fbk_last_error());
	int32_t against = box->width ? box->width : (int32_t)widest;
	for (size_t i = 0; i < n; i++) {
		int32_t w;
		fbk_text_measure(font, want[i], &w, NULL);
		int32_t x = 10;
		if (box->align == FBK_TEXT_ALIGN_RIGHT)
			x += against - w;
		else if (box->align == FBK_TEXT_ALIGN_CENTER)
			x += (against - w) / 2;
		fbk_text_draw(b, font, x, 5 + (int32_t)i * step, want[i], c, NULL);
	}
	CHECK(same_surfaces(a, b), "line %d (%s): drawn lines differ from the expected ones", line,
	      what);
	fbk_surface_destroy(a);
	fbk_surface_destroy(b);
}

#define LINES(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_LINES ((const char *const[]){ NULL })

static struct fbk_text_box box_of(int32_t width, int32_t height, bool wrap, bool ellipsize)
{
	struct fbk_text_box b = FBK_TEXT_BOX_INIT;
	b.width = width;
	b.height = height;
	b.wrap = wrap;
	b.ellipsize = ellipsize;
	return b;
}

static void test_bitmap_cases(void)
{
	struct fbk_text_box b = box_of(48, 0, true, false);
	expect("hello world", &b, LINES("hello", "world"), __LINE__, "break at a space");
	expect("hello   world  ", &b, LINES("hello", "world"), __LINE__, "the break eats the spaces");
	expect("hi there you", &b, LINES("hi", "there", "you"), __LINE__, "greedy");
	expect("", &b, NO_LINES, __LINE__, "empty");
	expect("a\n\nb", &b, LINES("a", "", "b"), __LINE__, "newlines always break");
	expect("well-known fact", &b, LINES("well-", "known", "fact"), __LINE__, "after a hyphen");
	b.width = 24;
	expect("abcdefghij", &b, LINES("abc", "def", "ghi", "j"), __LINE__,
	       "a word longer than the width");
	expect("ab abcdefgh", &b, LINES("ab", "abc", "def", "gh"), __LINE__,
	       "a long word after a short one");
	b.width = 16;
	expect("\xe6\xbc\xa2\xe5\xad\x97\xe3\x81\x8b\xe3\x81\xaa", &b,
	       LINES("\xe6\xbc\xa2\xe5\xad\x97", "\xe3\x81\x8b\xe3\x81\xaa"), __LINE__,
	       "between ideographs");
	expect("\xe6\xbc\xa2\xe5\xad\x97\xe3\x80\x82", &b,
	       LINES("\xe6\xbc\xa2", "\xe5\xad\x97\xe3\x80\x82"), __LINE__,
	       "never before closing punctuation");
	/* No width: no wrapping, lines aligned against the widest. */
	b = box_of(0, 0, true, true);
	b.align = FBK_TEXT_ALIGN_RIGHT;
	expect("a\nlonger one", &b, LINES("a", "longer one"), __LINE__, "right against the widest");

	/* Ellipsis: the built-in font has no U+2026, so "...". */
	b = box_of(48, 0, false, true);
	expect("hello world", &b, LINES("hel..."), __LINE__, "no wrap, cut and ellipsized");
	expect("hello", &b, LINES("hello"), __LINE__, "fits: no ellipsis");
	b = box_of(48, 0, false, false);
	expect("hello world", &b, LINES("hello world"), __LINE__, "no wrap, no ellipsis: overflows");
	b = box_of(40, 32, true, true);
	expect("one two three four", &b, LINES("one", "tw..."), __LINE__,
	       "height drops lines, the last kept one ellipsized");
	b = box_of(40, 32, true, false);
	expect("one two three four", &b, LINES("one", "two"), __LINE__, "height drops lines");
	b = box_of(40, 15, true, true);
	expect("one two", &b, NO_LINES, __LINE__, "not even one line fits");
	b = box_of(40, 33, true, true);
	expect("one\ntwo", &b, LINES("one", "two"), __LINE__, "everything fits: no ellipsis");
	b = box_of(40, 32, true, true);
	expect("one\ntwo\nthree", &b, LINES("one", "tw..."), __LINE__, "dropped paragraphs");

	/* Alignment and spacing. */
	b = box_of(40, 0, true, false);
	b.align = FBK_TEXT_ALIGN_RIGHT;
	expect("ab cd efg", &b, LINES("ab cd", "efg"), __LINE__, "right");
	b.align = FBK_TEXT_ALIGN_CENTER;
	expect("ab cd efg", &b, LINES("ab cd", "efg"), __LINE__, "centre");
	b.line_spacing = 5;
	expect("ab cd efg x", &b, LINES("ab cd", "efg x"), __LINE__, "line spacing");
	b.line_spacing = -3;
	expect("ab cd efg x", &b, LINES("ab cd", "efg x"), __LINE__, "negative line spacing");
	/* Spacing below minus the line height: each line 24 px above the one before. */
	b = box_of(0, 0, true, false);
	b.line_spacing = -40;
	int32_t mw = 0, mh = 0, ml = 0;
	int err = fbk_text_measure_box(fbk_font_builtin(), "a\nb\nc", &b, &mw, &mh, &ml);
	CHECK(err == 0 && ml == 3 && mw == 8 && mh == 16 + 2 * 24,
	      "line spacing -40: %d, %d lines %dx%d (want 3 lines 8x64): %s", err, (int)ml,
	      (int)mw, (int)mh, fbk_last_error());
}

static void test_bad_boxes(void)
{
	const struct fbk_font *font = fbk_font_builtin();
	struct fbk_surface *s = new_surface(10, 10);
	struct fbk_color c = { 255, 255, 255, 255 };
	struct fbk_text_box b = FBK_TEXT_BOX_INIT;
	CHECK(fbk_text_draw_box(s, font, 0, 0, "x", c, NULL) == -EINVAL, "NULL box");
	b.size = 4;
	CHECK(fbk_text_draw_box(s, font, 0, 0, "x", c, &b) == -EINVAL, "short box");
	b = (struct fbk_text_box)FBK_TEXT_BOX_INIT;
	b.width = -1;
	CHECK(fbk_text_measure_box(font, "x", &b, NULL, NULL, NULL) == -EINVAL, "negative width");
	b = (struct fbk_text_box)FBK_TEXT_BOX_INIT;
	b.align = (enum fbk_text_align)9;
	CHECK(fbk_text_draw_box(s, font, 0, 0, "x", c, &b) == -EINVAL, "alignment 9");
	b = (struct fbk_text_box)FBK_TEXT_BOX_INIT;
	CHECK(fbk_text_draw_box(s, NULL, 0, 0, "x", c, &b) == -EINVAL, "NULL font");
	CHECK(fbk_text_draw_box(s, font, 0, 0, NULL, c, &b) == -EINVAL, "NULL text");
	/* Far off the surface: nothing drawn, no error. */
	CHECK(fbk_text_draw_box(s, font, INT32_MAX - 3, INT32_MIN, "a b c\nd", c, &b) == 0,
	      "%s", fbk_last_error());
	fbk_surface_destroy(s);
}

/* DejaVu Sans: every line fits, the text is all there, the ink in the box. */
static void test_outline(void)
{
	struct fbk_font *font = NULL;
	int err = fbk_font_load(&font, DEJAVU, NULL);
	if (err) {
		/* Only a build without FreeType may leave it unchecked. */
		CHECK(!FBK_HAVE_FREETYPE && err == -ENOTSUP, "loading %s: %d %s", DEJAVU, err,
		      fbk_last_error());
		if (harness_failures)
			return;
		SKIP("built without FreeType (-Dfreetype=disabled): outline layout not checked");
	}
	static const char *texts[] = {
		"The quick brown fox jumps over the lazy dog, twice.",
		"Supercalifragilisticexpialidocious words get cut",
		"short",
		"\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85 \xd8\xb9\xd9\x84\xd9\x8a\xd9\x83\xd9\x85 mixed",
	};
	for (size_t t = 0; t < sizeof(texts) / sizeof(*texts); t++)
		for (int32_t width = 30; width <= 330; width += 60) {
			struct fbk_text_box b = box_of(width, 0, true, false);
			b.align = (enum fbk_text_align)(width / 60 % 3);
			int32_t mw, mh, ml;
			CHECK(fbk_text_measure_box(font, texts[t], &b, &mw, &mh, &ml) == 0, "%s",
			      fbk_last_error());
			CHECK(mw <= width || ml == 0, "\"%s\" in %d: a line %d wide", texts[t],
			      (int)width, (int)mw);
			struct fbk_surface *s = new_surface(400, 400);
			struct fbk_color c = { 255, 255, 255, 255 };
			fbk_text_draw_box(s, font, 20, 10, texts[t], c, &b);
			int outside = 0;
			for (int32_t y = 0; y < s->height; y++)
				for (int32_t x = 0; x < s->width; x++) {
					uint32_t v;
					memcpy(&v, fbk_surface_pixel(s, x, y), 4);
					/* Glyphs may overhang their advance by a pixel or two. */
					outside += (v & 0xffffff) &&
						   (x < 20 - 3 || x >= 20 + width + 3 || y < 10 ||
						    y >= 10 + mh + 4);
				}
			CHECK(outside == 0, "\"%s\" in %d: %d pixels outside the box", texts[t],
			      (int)width, outside);
			fbk_surface_destroy(s);
		}
	/* Ellipsized to the width: "…" from the font, and the line fits. */
	struct fbk_text_box b = box_of(80, 0, false, true);
	int32_t mw, ml;
	CHECK(fbk_text_measure_box(font, "The quick brown fox", &b, &mw, NULL, &ml) == 0 &&
	      ml == 1 && mw <= 80 && mw > 50, "ellipsized to %d px", (int)mw);
	fbk_font_destroy(font);
}

/* Bytes measured to wrap `text` into lines `width` wide, which must be more than 10. */
static size_t wrapped_cost(const struct fbk_font *font, const char *text, int32_t width,
			   const char *what, const char *kind)
{
	struct fbk_text_box b = FBK_TEXT_BOX_INIT;
	b.width = width;
	b.wrap = true;
	int32_t lines = 0;
	size_t before = fbk_layout_measured();
	CHECK(fbk_text_measure_box(font, text, &b, NULL, NULL, &lines) == 0 && lines > 10,
	      "%s%s: %d lines: %s", what, kind, (int)lines, fbk_last_error());
	return fbk_layout_measured() - before;
}

/*
 * A paragraph's layout costs in proportion to its length: twice the words
 * measure about twice the bytes (each line measures only its candidates;
 * measuring what is left of the paragraph per line would make it four
 * times). Counted through fbk_layout_measured, not timed. Also a word
 * longer than the box at the start of a long paragraph.
 */
static void check_linear(const struct fbk_font *font, int32_t width, const char *what)
{
	size_t cost[2];
	for (int k = 0; k < 2; k++) {
		size_t words = 300 << k;
		char *text = malloc(words * 6 + 64);
		if (!text)
			exit(1);
		size_t n = 0;
		n += (size_t)sprintf(text, "Antidisestablishmentarianisms ");
		for (size_t i = 0; i < words; i++)
			n += (size_t)sprintf(text + n, "%s ", i % 3 ? "word" : "an-ok");
		cost[k] = wrapped_cost(font, text, width, what, "");
		free(text);
	}
	CHECK(cost[1] < cost[0] * 5 / 2, "%s: twice the paragraph measured %zu bytes, not about "
	      "twice %zu", what, cost[1], cost[0]);
	/*
	 * Text with no break opportunity at all (a URL, a base64 blob) is cut
	 * between characters line after line: each line must not measure, or
	 * bisect, what is left of the paragraph.
	 */
	for (int k = 0; k < 2; k++) {
		size_t n = (size_t)2000 << k;
		char *text = malloc(n + 1);
		if (!text)
			exit(1);
		for (size_t i = 0; i < n; i++)
			text[i] = (char)('a' + i % 26);
		text[n] = 0;
		cost[k] = wrapped_cost(font, text, width, what, ", unbreakable");
		free(text);
	}
	CHECK(cost[1] < cost[0] * 5 / 2, "%s: twice an unbreakable paragraph measured %zu bytes, "
	      "not about twice %zu", what, cost[1], cost[0]);
}

int main(int argc, char **argv)
{
	/* Outline fonts are a meson test of their own, skipped with its reason. */
	if (argc == 2 && !strcmp(argv[1], "--outline")) {
		if (access(DEJAVU, R_OK))
			SKIP("%s is missing (Debian: fonts-dejavu-core): outline layout not checked",
			     DEJAVU);
		test_outline();
		struct fbk_font *font = NULL;
		CHECK(fbk_font_load(&font, DEJAVU, NULL) == 0, "%s", fbk_last_error());
		if (font)
			check_linear(font, 150, "DejaVu Sans");
		fbk_font_destroy(font);
		return harness_exit();
	}
	test_bitmap_cases();
	test_bad_boxes();
	check_linear(fbk_font_builtin(), 8 * 20, "built-in font");
	return harness_exit();
}
