/*
 * Text in a box: line breaking, alignment, ellipsis and line spacing,
 * for bitmap and outline fonts alike through one question, "how wide is
 * this piece of text?" (fbk_text_measure, or the outline fonts' shaped
 * width). Lines are chosen greedily: each takes as many break
 * opportunities as fit, and a word wider than the box alone is broken
 * between characters, at the longest prefix that fits (found by
 * bisection, so a long word costs a few measurements, not one per
 * character).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "text/font.h"
#include "text/layout.h"
#include "text/outline.h"
#include "text/utf8.h"

#define ELLIPSIS "\xe2\x80\xa6"
#define ELLIPSIS_ASCII "..."

struct line {
	size_t start, length;  /* bytes of the text */
	const char *suffix;    /* "" or the ellipsis */
	int64_t width;         /* 1/64 pixel, suffix included */
};

struct layout {
	const struct fbk_font *font;
	const char *text;
	const struct fbk_text_box *box;
	const char *ellipsis;
	struct line *lines;
	size_t count, capacity, max_lines;
};

static _Thread_local size_t measured;

size_t fbk_layout_measured(void)
{
	return measured;
}

/* The width of text[start, start + length) followed by suffix, in 1/64 pixel. */
static int piece_width(const struct layout *l, size_t start, size_t length, const char *suffix,
		       int64_t *width)
{
	size_t suffix_length = strlen(suffix);
	char stack[256];
	char *buf = stack;
	if (length + suffix_length + 1 > sizeof(stack)) {
		buf = malloc(length + suffix_length + 1);
		if (!buf)
			return fbk_fail(-ENOMEM, "out of memory laying out text");
	}
	memcpy(buf, l->text + start, length);
	memcpy(buf + length, suffix, suffix_length + 1);
	measured += length + suffix_length;
	int err;
	if (l->font->outline) {
		err = fbk_outline_width(l->font, buf, width);
	} else {
		int32_t w = 0;
		err = fbk_text_measure(l->font, buf, &w, NULL);
		*width = (int64_t)w * 64;
	}
	if (buf != stack)
		free(buf);
	return err;
}

static size_t next_char(const char *text, size_t at, size_t end, uint32_t *cp)
{
	size_t n = fbk_utf8_decode((const uint8_t *)text + at, end - at, cp);
	if (!n) {
		*cp = 0xfffd;
		n = 1;
	}
	return at + n;
}

static bool is_ideograph(uint32_t cp)
{
	return (cp >= 0x2e80 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) ||
	       (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xff00 && cp <= 0xffef) ||
	       (cp >= 0x20000 && cp <= 0x3ffff);
}

/* Closing punctuation a line may not start with. */
static bool no_break_before(uint32_t cp)
{
	static const uint32_t closing[] = { 0x3001, 0x3002, 0xff0c, 0xff0e, 0xff01, 0xff1f,
					    0xff09, 0x300d, 0x300f, 0x3011, 0xff1a, 0xff1b,
					    0x30fc, 0x2026 };
	for (size_t i = 0; i < sizeof(closing) / sizeof(*closing); i++)
		if (cp == closing[i])
			return true;
	return cp == ',' || cp == '.' || cp == ')' || cp == '!' || cp == '?' || cp == ';' ||
	       cp == ':';
}

/* Trailing spaces of text[start, end) do not count: a break eats them. */
static size_t trim(const char *text, size_t start, size_t end)
{
	while (end > start && text[end - 1] == ' ')
		end--;
	return end;
}

static int add_line(struct layout *l, size_t start, size_t end, const char *suffix,
		    int64_t width)
{
	if (l->count == l->capacity) {
		size_t capacity = l->capacity ? l->capacity * 2 : 16;
		struct line *grown = realloc(l->lines, capacity * sizeof(*grown));
		if (!grown)
			return fbk_fail(-ENOMEM, "out of memory laying out text");
		l->lines = grown;
		l->capacity = capacity;
	}
	l->lines[l->count++] = (struct line){ start, end - start, suffix, width };
	return 0;
}

/*
 * The longest prefix of text[start, end), at a character boundary and
 * with `suffix` after it, that fits `limit` (1/64 pixel); at least one
 * character when `at_least_one`. Bisection over the characters.
 */
static int fit_prefix(const struct layout *l, size_t start, size_t end, const char *suffix,
		      int64_t limit, bool at_least_one, size_t *cut, int64_t *width)
{
	size_t count = 0;
	for (size_t at = start; at < end; count++) {
		uint32_t cp;
		at = next_char(l->text, at, end, &cp);
	}
	size_t lo = at_least_one ? 1 : 0, hi = count; /* the answer is in [lo, hi] */
	size_t best_end = start;
	int64_t best_width = 0;
	/* Find the largest k in [lo, hi] whose prefix fits, or lo. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2, at = start;
		for (size_t i = 0; i < mid; i++) {
			uint32_t cp;
			at = next_char(l->text, at, end, &cp);
		}
		int64_t w;
		int err = piece_width(l, start, trim(l->text, start, at) - start, suffix, &w);
		if (err)
			return err;
		if (w <= limit)
			lo = mid;
		else
			hi = mid - 1;
	}
	size_t at = start;
	for (size_t i = 0; i < lo; i++) {
		uint32_t cp;
		at = next_char(l->text, at, end, &cp);
	}
	best_end = lo ? at : start;
	size_t kept = trim(l->text, start, best_end);
	int err = piece_width(l, start, kept - start, suffix, &best_width);
	if (err)
		return err;
	*cut = best_end;
	*width = best_width;
	return 0;
}

/*
 * One paragraph (no '\n') into lines. Each line measures its candidate
 * breaks from its own start, the paragraph's end being the last candidate,
 * and stops at the first that does not fit: a line costs measurements of
 * about its own length, never of the rest of the paragraph, so a long
 * paragraph costs in proportion to its length. A long stretch without a
 * break (a URL) is measured at doubling lengths as it goes, so that one
 * too wide stops the line there too, before the next break or the end.
 */
static int break_paragraph(struct layout *l, size_t start, size_t end)
{
	const struct fbk_text_box *box = l->box;
	int64_t limit = (int64_t)box->width * 64;
	bool wrap = box->wrap && box->width > 0;
	int64_t w;
	int err;
	if (start == end)
		return add_line(l, start, end, "", 0);
	if (!wrap) {
		if ((err = piece_width(l, start, end - start, "", &w)))
			return err;
		if (box->ellipsize && box->width > 0 && w > limit) {
			size_t cut;
			if ((err = fit_prefix(l, start, end, l->ellipsis, limit, false, &cut, &w)))
				return err;
			return add_line(l, start, trim(l->text, start, cut), l->ellipsis, w);
		}
		return add_line(l, start, end, "", w);
	}
	while (start < end && l->count < l->max_lines) {
		/* The furthest break opportunity whose line fits; the first that does not. */
		size_t best = 0, at = start, stop = end, chars = 0, probe = 32;
		int64_t best_width = 0;
		uint32_t previous = 0;
		for (;;) {
			uint32_t cp = 0;
			size_t next = at;
			bool opportunity = at == end;
			if (at < end) {
				next = next_char(l->text, at, end, &cp);
				if (at > start) {
					if (previous == ' ' && cp != ' ')
						opportunity = true;
					else if ((previous == '-' || previous == 0x2010) && cp != ' ')
						opportunity = true;
					else if ((is_ideograph(previous) || is_ideograph(cp)) &&
						 !no_break_before(cp) && cp != ' ')
						opportunity = true;
				}
			}
			bool probe_due = false;
			if (at < end && ++chars == probe) {
				probe *= 2;
				probe_due = true;
			}
			if (opportunity || probe_due) {
				size_t line_end = trim(l->text, start, at);
				if ((err = piece_width(l, start, line_end - start, "", &w)))
					return err;
				if (w > limit) {
					stop = at;
					break;
				}
				if (opportunity) {
					best = at;
					best_width = w;
					if (at == end)
						return add_line(l, start, line_end, "", w);
				}
			}
			previous = cp;
			at = next;
		}
		if (!best) {
			/* A word wider than the box: cut it between characters. */
			if ((err = fit_prefix(l, start, stop, "", limit, true, &best, &best_width)))
				return err;
		}
		if ((err = add_line(l, start, trim(l->text, start, best), "", best_width)))
			return err;
		start = best;
		while (start < end && l->text[start] == ' ')
			start++;
	}
	return 0;
}

static int check_box(const struct fbk_text_box *box)
{
	if (!box)
		return fbk_fail(-EINVAL, "text box is NULL");
	if (box->size < sizeof(*box))
		return fbk_fail(-EINVAL, "struct fbk_text_box size %zu is less than %zu: start from "
				"FBK_TEXT_BOX_INIT", box->size, sizeof(*box));
	if (box->width < 0 || box->height < 0)
		return fbk_fail(-EINVAL, "text box %dx%d has a negative size", (int)box->width,
				(int)box->height);
	if (box->align != FBK_TEXT_ALIGN_LEFT && box->align != FBK_TEXT_ALIGN_CENTER &&
	    box->align != FBK_TEXT_ALIGN_RIGHT)
		return fbk_fail(-EINVAL, "unknown text alignment %d", (int)box->align);
	return 0;
}

/* The lines of the whole text, as the box says. */
static int lay_out(struct layout *l, const struct fbk_font *font, const char *utf8,
		   const struct fbk_text_box *box, int32_t *line_height)
{
	*l = (struct layout){ .font = font, .text = utf8, .box = box, .max_lines = SIZE_MAX };
	int err = check_box(box);
	if (err)
		return err;
	if (!font)
		return fbk_fail(-EINVAL, "font is NULL");
	if (!utf8)
		return fbk_fail(-EINVAL, "text is NULL");
	struct fbk_text_extents e = FBK_TEXT_EXTENTS_INIT;
	if ((err = fbk_text_extents(font, "", &e)))
		return err;
	*line_height = e.line_height;
	int64_t step = (int64_t)e.line_height + box->line_spacing;
	if (step < 1)
		step = 1;
	if (box->height > 0)
		l->max_lines = box->height < e.line_height ?
				       0 :
				       (size_t)(((int64_t)box->height - e.line_height) / step + 1);
	l->ellipsis = fbk_font_has_glyph(font, 0x2026) ? ELLIPSIS : ELLIPSIS_ASCII;
	size_t length = strlen(utf8), start = 0;
	if (!length)
		return 0;
	bool cut = false;
	for (;;) {
		const char *nl = memchr(utf8 + start, '\n', length - start);
		size_t end = nl ? (size_t)(nl - utf8) : length;
		if (l->count >= l->max_lines) {
			cut = true;
			break;
		}
		if ((err = break_paragraph(l, start, end)))
			return err;
		if (!nl)
			break;
		start = end + 1;
	}
	/* Lines the height dropped: the last one kept says so. */
	if (!cut && l->count == l->max_lines && l->count) {
		const struct line *last = &l->lines[l->count - 1];
		cut = last->start + last->length < trim(utf8, 0, length);
	}
	if (cut && box->ellipsize && l->count) {
		struct line *last = &l->lines[l->count - 1];
		size_t end = last->start + last->length, keep = end;
		int64_t w = 0;
		if (box->width > 0) {
			if ((err = fit_prefix(l, last->start, end, l->ellipsis, (int64_t)box->width * 64,
					      false, &keep, &w)))
				return err;
		} else if ((err = piece_width(l, last->start, last->length, l->ellipsis, &w))) {
			return err;
		}
		last->length = trim(utf8, last->start, keep) - last->start;
		last->suffix = l->ellipsis;
		last->width = w;
	}
	return 0;
}

static int32_t pixels(int64_t width)
{
	int64_t px = (width + 63) / 64;
	return px > INT32_MAX ? INT32_MAX : (int32_t)px;
}

int fbk_text_measure_box(const struct fbk_font *font, const char *utf8,
			 const struct fbk_text_box *box, int32_t *width, int32_t *height,
			 int32_t *lines)
{
	if (width)
		*width = 0;
	if (height)
		*height = 0;
	if (lines)
		*lines = 0;
	struct layout l;
	int32_t line_height = 0;
	int err = lay_out(&l, font, utf8, box, &line_height);
	int64_t widest = 0;
	for (size_t i = 0; !err && i < l.count; i++)
		if (l.lines[i].width > widest)
			widest = l.lines[i].width;
	/* A spacing below -line_height stacks the lines upwards: the height they cover. */
	int64_t step = (int64_t)line_height + box->line_spacing;
	int64_t h = l.count ? line_height + (int64_t)(l.count - 1) * (step < 0 ? -step : step) : 0;
	if (!err && (h > INT32_MAX || h < 0 || l.count > INT32_MAX || (widest + 63) / 64 > INT32_MAX))
		err = fbk_fail(-EFBIG, "text of %zu lines is too large to measure", l.count);
	if (!err) {
		if (width)
			*width = pixels(widest);
		if (height)
			*height = (int32_t)h;
		if (lines)
			*lines = (int32_t)l.count;
	}
	free(l.lines);
	return err;
}

int fbk_text_draw_box(struct fbk_surface *dst, const struct fbk_font *font, int32_t x, int32_t y,
		      const char *utf8, struct fbk_color fg, const struct fbk_text_box *box)
{
	int err = fbk_surface_check(dst);
	if (err)
		return err;
	struct layout l;
	int32_t line_height = 0;
	err = lay_out(&l, font, utf8, box, &line_height);
	/* Without a width, lines align against the widest. */
	int64_t against = box && box->width > 0 ? (int64_t)box->width * 64 : 0;
	for (size_t i = 0; !err && box->width == 0 && i < l.count; i++)
		if (l.lines[i].width > against)
			against = l.lines[i].width;
	char stack[256];
	for (size_t i = 0; !err && i < l.count; i++) {
		const struct line *line = &l.lines[i];
		int64_t spare = pixels(against) - (int64_t)pixels(line->width), lx = x;
		if (box->align == FBK_TEXT_ALIGN_RIGHT)
			lx += spare;
		else if (box->align == FBK_TEXT_ALIGN_CENTER)
			lx += spare / 2;
		int64_t ly = (int64_t)y + (int64_t)i * ((int64_t)line_height + box->line_spacing);
		if (lx < INT32_MIN || lx > INT32_MAX || ly < INT32_MIN || ly > INT32_MAX)
			continue; /* nowhere on any surface */
		size_t suffix = strlen(line->suffix), bytes = line->length + suffix + 1;
		char *buf = bytes <= sizeof(stack) ? stack : malloc(bytes);
		if (!buf) {
			err = fbk_fail(-ENOMEM, "out of memory drawing text");
			break;
		}
		memcpy(buf, utf8 + line->start, line->length);
		memcpy(buf + line->length, line->suffix, suffix + 1);
		err = fbk_text_draw(dst, font, (int32_t)lx, (int32_t)ly, buf, fg, NULL);
		if (buf != stack)
			free(buf);
	}
	free(l.lines);
	return err;
}
