/*
 * The PSF loader: fonts built here byte by byte (PSF1 and PSF2, with and
 * without Unicode tables, sequences, duplicates, wide glyphs, gzip), every
 * truncation and many corruptions of them, a 16 MiB Unicode table that
 * names 95 characters, and every console font the system has in
 * /usr/share/consolefonts.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include "config.h"
#include "text/font.h"
#include "harness.h"

#if FBK_HAVE_ZLIB
#include <zlib.h>
#endif

#define CONSOLE_FONTS "/usr/share/consolefonts"

/* ---- building files ---- */

struct bytes {
	uint8_t *data;
	size_t size, cap;
};

static void put(struct bytes *b, const void *data, size_t n)
{
	if (b->size + n > b->cap) {
		b->cap = (b->size + n) * 2 + 64;
		b->data = realloc(b->data, b->cap);
	}
	memcpy(b->data + b->size, data, n);
	b->size += n;
}

static void put8(struct bytes *b, uint32_t v)
{
	uint8_t x = (uint8_t)v;
	put(b, &x, 1);
}

static void put16(struct bytes *b, uint32_t v)
{
	put8(b, v);
	put8(b, v >> 8);
}

static void put32(struct bytes *b, uint32_t v)
{
	put16(b, v);
	put16(b, v >> 16);
}

static void put_utf8(struct bytes *b, uint32_t cp)
{
	if (cp < 0x80) {
		put8(b, cp);
	} else if (cp < 0x800) {
		put8(b, 0xc0 | cp >> 6);
		put8(b, 0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		put8(b, 0xe0 | cp >> 12);
		put8(b, 0x80 | (cp >> 6 & 0x3f));
		put8(b, 0x80 | (cp & 0x3f));
	} else {
		put8(b, 0xf0 | cp >> 18);
		put8(b, 0x80 | (cp >> 12 & 0x3f));
		put8(b, 0x80 | (cp >> 6 & 0x3f));
		put8(b, 0x80 | (cp & 0x3f));
	}
}

/* The byte a test font holds at offset i of glyph g: known, varied, rarely 0. */
static uint8_t glyph_byte(uint32_t g, size_t i)
{
	return (uint8_t)(g * 37 + i * 11 + (g >> 3) + 1);
}

static void put_glyphs(struct bytes *b, uint32_t count, size_t glyph_size)
{
	for (uint32_t g = 0; g < count; g++)
		for (size_t i = 0; i < glyph_size; i++)
			put8(b, glyph_byte(g, i));
}

/*
 * Unicode entries for glyph g of a test font: single code points, then
 * (sometimes) sequences that must be skipped. Glyph 3 and glyph 9 both
 * claim U+2500, and glyph 7 is U+FFFD. Returns how many singles.
 */
static int entries_for(uint32_t g, uint32_t out[4], bool *has_sequence)
{
	int n = 0;
	*has_sequence = g % 5 == 2;
	if (g == 7) {
		out[n++] = 0xfffd;
		return n;
	}
	if (g == 11)
		return 0; /* a glyph without code points */
	out[n++] = g < 0x60 ? 0x20 + g : 0x100 + g;
	if (g == 3 || g == 9)
		out[n++] = 0x2500;
	if (g % 4 == 1)
		out[n++] = 0x10000 + g * 7; /* astral: 4-byte UTF-8 in PSF2 */
	return n;
}

/* Which glyph a test font with a table should give for cp, or FBK_NO_GLYPH. */
static uint32_t expected_glyph(uint32_t count, bool utf8, uint32_t cp)
{
	for (uint32_t g = 0; g < count; g++) {
		uint32_t e[4];
		bool seq;
		int n = entries_for(g, e, &seq);
		for (int i = 0; i < n; i++) {
			/* PSF1 tables hold 16-bit values; the astral ones are dropped there. */
			if (e[i] == cp && (utf8 || e[i] < 0x10000))
				return g;
		}
	}
	return FBK_NO_GLYPH;
}

static void put_psf1_table(struct bytes *b, uint32_t count)
{
	for (uint32_t g = 0; g < count; g++) {
		uint32_t e[4];
		bool seq;
		int n = entries_for(g, e, &seq);
		for (int i = 0; i < n; i++)
			if (e[i] < 0x10000)
				put16(b, e[i]);
		if (seq) {
			/* Two sequences: base letter + combining accent. */
			put16(b, 0xfffe);
			put16(b, 0x41);
			put16(b, 0x301);
			put16(b, 0xfffe);
			put16(b, 0x45);
			put16(b, 0x300);
		}
		put16(b, 0xffff);
	}
}

static void put_psf2_table(struct bytes *b, uint32_t count)
{
	for (uint32_t g = 0; g < count; g++) {
		uint32_t e[4];
		bool seq;
		int n = entries_for(g, e, &seq);
		for (int i = 0; i < n; i++)
			put_utf8(b, e[i]);
		if (seq) {
			put8(b, 0xfe);
			put_utf8(b, 0x41);
			put_utf8(b, 0x301);
			put8(b, 0xfe);
			put_utf8(b, 0x1f1e9);
			put_utf8(b, 0x1f1ea);
		}
		put8(b, 0xff);
	}
}

static struct bytes make_psf1(uint8_t mode, uint8_t height, bool table)
{
	struct bytes b = { 0 };
	put8(&b, 0x36);
	put8(&b, 0x04);
	put8(&b, mode);
	put8(&b, height);
	uint32_t count = mode & 1 ? 512 : 256;
	put_glyphs(&b, count, height);
	if (table)
		put_psf1_table(&b, count);
	return b;
}

static struct bytes make_psf2(uint32_t width, uint32_t height, uint32_t count, bool table,
			      uint32_t header_size)
{
	struct bytes b = { 0 };
	uint32_t charsize = height * ((width + 7) / 8);
	put32(&b, 0x864ab572);
	put32(&b, 0);
	put32(&b, header_size);
	put32(&b, table ? 1 : 0);
	put32(&b, count);
	put32(&b, charsize);
	put32(&b, height);
	put32(&b, width);
	while (b.size < header_size)
		put8(&b, 0xee);
	put_glyphs(&b, count, charsize);
	if (table)
		put_psf2_table(&b, count);
	return b;
}

/* Load from an exact-size heap copy so the sanitizers see any read past the end. */
static int load_exact(struct fbk_font **font, const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	if (size)
		memcpy(copy, data, size);
	int err = fbk_font_load_psf_memory(font, copy, size);
	free(copy);
	return err;
}

/* ---- checking loaded fonts ---- */

static void check_map_sorted(const struct fbk_font *f, const char *what)
{
	bool ok = true;
	for (uint32_t i = 0; i < f->map_count; i++) {
		if (i > 0 && f->map[i].codepoint <= f->map[i - 1].codepoint)
			ok = false;
		if (f->map[i].glyph >= f->glyph_count)
			ok = false;
	}
	CHECK(ok, "%s: map sorted, unique and in range", what);
}

static void check_glyph_data(const struct fbk_font *f, const char *what)
{
	size_t glyph_size = (size_t)f->height * f->bytes_per_row;
	int bad = 0;
	for (uint32_t g = 0; g < f->glyph_count; g++)
		for (size_t i = 0; i < glyph_size; i++)
			bad += f->glyphs[g * glyph_size + i] != glyph_byte(g, i);
	CHECK(bad == 0, "%s: %d glyph bytes differ", what, bad);
}

static void check_table_font(const struct fbk_font *f, bool utf8, const char *what)
{
	check_map_sorted(f, what);
	check_glyph_data(f, what);
	int bad = 0;
	uint32_t probes[] = { 0x20, 0x21, 0x41, 0x7e, 0x7f, 0x160, 0x2500, 0xfffd, 0x41 + 0x301,
			      0x301, 0x1f1e9, 0x10000 + 7 * 5, 0x10000 + 7 * 9, 0x10000 + 7 * 4,
			      0x100 + 11, 0x2b, 0x1ff, 0x2ff, 0x110000, 0 };
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		uint32_t want = expected_glyph(f->glyph_count, utf8, probes[i]);
		uint32_t got = fbk_font_glyph(f, probes[i]);
		if (got != want) {
			bad++;
			fprintf(stderr, "%s: U+%04X -> glyph %u, want %u\n", what,
				(unsigned)probes[i], (unsigned)got, (unsigned)want);
		}
		CHECK(fbk_font_has_glyph(f, probes[i]) == (want != FBK_NO_GLYPH),
		      "%s: has_glyph U+%04X", what, (unsigned)probes[i]);
	}
	/* Every code point listed anywhere maps to the first glyph listing it. */
	for (uint32_t g = 0; g < f->glyph_count; g++) {
		uint32_t e[4];
		bool seq;
		int n = entries_for(g, e, &seq);
		for (int i = 0; i < n; i++)
			if (utf8 || e[i] < 0x10000)
				bad += fbk_font_glyph(f, e[i]) != expected_glyph(f->glyph_count, utf8, e[i]);
	}
	CHECK(bad == 0, "%s: %d code points map wrongly", what, bad);
	CHECK(fbk_font_glyph(f, 0x2500) == 3, "%s: duplicate U+2500 keeps the first glyph", what);
	CHECK(f->replacement == 7, "%s: replacement is the U+FFFD glyph (%u)", what,
	      (unsigned)f->replacement);
}

/* ---- valid fonts ---- */

struct sample {
	const char *name;
	struct bytes file;
	bool table, utf8;
	int32_t width, height;
	uint32_t count;
};

static struct sample samples[16];
static size_t sample_count;

static void add_sample(const char *name, struct bytes file, bool table, bool utf8, int32_t width,
		       int32_t height, uint32_t count)
{
	samples[sample_count++] = (struct sample){ name, file, table, utf8, width, height, count };
}

static void make_samples(void)
{
	add_sample("PSF1 256 no table", make_psf1(0, 16, false), false, false, 8, 16, 256);
	add_sample("PSF1 256 table", make_psf1(2, 14, true), true, false, 8, 14, 256);
	add_sample("PSF1 512 table", make_psf1(3, 8, true), true, false, 8, 8, 512);
	add_sample("PSF1 512 table+seq", make_psf1(7, 16, true), true, false, 8, 16, 512);
	add_sample("PSF1 256 seq bit only", make_psf1(4, 1, true), true, false, 8, 1, 256);
	add_sample("PSF2 8x16 table", make_psf2(8, 16, 256, true, 32), true, true, 8, 16, 256);
	add_sample("PSF2 12x24 table", make_psf2(12, 24, 300, true, 32), true, true, 12, 24, 300);
	add_sample("PSF2 10x20 no table", make_psf2(10, 20, 96, false, 32), false, true, 10, 20, 96);
	add_sample("PSF2 64x128 table, header 40", make_psf2(64, 128, 20, true, 40), true, true, 64,
		   128, 20);
	add_sample("PSF2 1x1 table", make_psf2(1, 1, 13, true, 32), true, true, 1, 1, 13);
	add_sample("PSF2 17x5 no table", make_psf2(17, 5, 3, false, 32), false, true, 17, 5, 3);
}

static void check_sample(const struct sample *s, const struct fbk_font *f, const char *how)
{
	char what[128];
	snprintf(what, sizeof(what), "%s (%s)", s->name, how);
	CHECK(fbk_font_width(f) == s->width && fbk_font_height(f) == s->height &&
		      f->glyph_count == s->count,
	      "%s: %dx%d, %u glyphs", what, (int)fbk_font_width(f), (int)fbk_font_height(f),
	      (unsigned)f->glyph_count);
	CHECK(f->bytes_per_row == ((uint32_t)s->width + 7) / 8, "%s: bytes per row", what);
	if (s->table) {
		check_table_font(f, s->utf8, what);
	} else {
		check_glyph_data(f, what);
		CHECK(f->map_count == 0, "%s: no map", what);
		CHECK(fbk_font_glyph(f, 0) == 0 && fbk_font_glyph(f, s->count - 1) == s->count - 1 &&
			      fbk_font_glyph(f, s->count) == FBK_NO_GLYPH,
		      "%s: code points are glyph indices", what);
		CHECK(f->replacement == FBK_NO_GLYPH, "%s: no replacement", what);
	}
	/* Draw everything the font might hold; the text tests check the pixels. */
	struct fbk_surface *surface;
	if (fbk_surface_create(&surface, 200, 300, FBK_FORMAT_XRGB8888) == 0) {
		struct fbk_color bg = FBK_RGB(0, 0, 0);
		CHECK(fbk_text_draw(surface, f, -3, 5, "Az~\xe2\x94\x80\n\xef\xbf\xbd\x80\t\x01",
				    FBK_RGB(255, 255, 255), &bg) == 0,
		      "%s: draws", what);
		fbk_surface_destroy(surface);
	}
}

static void valid_fonts(void)
{
	for (size_t i = 0; i < sample_count; i++) {
		struct fbk_font *f = NULL;
		int err = load_exact(&f, samples[i].file.data, samples[i].file.size);
		CHECK(err == 0 && f, "%s loads: %s", samples[i].name, fbk_last_error());
		if (f)
			check_sample(&samples[i], f, "memory");
		fbk_font_destroy(f);

		/* Junk after the table (or after the glyphs, without one) is ignored. */
		struct bytes padded = { 0 };
		put(&padded, samples[i].file.data, samples[i].file.size);
		put32(&padded, 0xdeadbeef);
		err = load_exact(&f, padded.data, padded.size);
		CHECK(err == 0, "%s with trailing junk loads: %s", samples[i].name, fbk_last_error());
		if (f)
			check_sample(&samples[i], f, "trailing junk");
		fbk_font_destroy(f);
		free(padded.data);
	}

	/* A table of only sequences gives no single code points: glyph indices instead. */
	struct bytes b = { 0 };
	put32(&b, 0x864ab572);
	put32(&b, 0);
	put32(&b, 32);
	put32(&b, 1);
	put32(&b, 2);
	put32(&b, 16);
	put32(&b, 16);
	put32(&b, 8);
	put_glyphs(&b, 2, 16);
	put8(&b, 0xfe);
	put8(&b, 'a');
	put8(&b, 'b');
	put8(&b, 0xff);
	put8(&b, 0xff);
	struct fbk_font *f = NULL;
	CHECK(load_exact(&f, b.data, b.size) == 0, "sequence-only table loads: %s", fbk_last_error());
	CHECK(f && f->map_count == 0 && fbk_font_glyph(f, 1) == 1 && fbk_font_glyph(f, 'a') == FBK_NO_GLYPH,
	      "sequence-only table maps by glyph index");
	fbk_font_destroy(f);
	free(b.data);

	/* Sequences are skipped, but they are still UTF-8: broken bytes there are corruption too. */
	struct bytes c = make_psf2(8, 8, 1, true, 32);
	c.size -= 2; /* glyph 0's entry, U+0020, and its 0xff */
	put8(&c, 0x20);
	put8(&c, 0xfe);
	put8(&c, 0xc0);
	put8(&c, 0x80);
	put8(&c, 0xff);
	CHECK(load_exact(&f, c.data, c.size) == -EBADMSG && f == NULL,
	      "bad UTF-8 in a sequence is rejected");
	CHECK(strstr(fbk_last_error(), "invalid UTF-8") != NULL, "message: %s", fbk_last_error());
	fbk_font_destroy(f);
	free(c.data);
}

/* ---- broken fonts ---- */

/* Each load must fail with `want`; the message names the source and does not say "no error". */
static void expect_fail(const uint8_t *data, size_t size, int want, const char *what,
			const char *message_part)
{
	struct fbk_font *f = (struct fbk_font *)&f; /* must be reset to NULL */
	int err = load_exact(&f, data, size);
	CHECK(err == want, "%s: got %d (%s), want %d", what, err, fbk_last_error(), want);
	CHECK(f == NULL, "%s: out pointer cleared", what);
	if (err == want && message_part)
		CHECK(strstr(fbk_last_error(), message_part) != NULL, "%s: message \"%s\" lacks \"%s\"",
		      what, fbk_last_error(), message_part);
	if (err == 0)
		fbk_font_destroy(f);
}

static void truncations(void)
{
	int cases = 0;
	for (size_t i = 0; i < sample_count; i++) {
		const struct sample *s = &samples[i];
		if (s->file.size > 20000)
			continue;
		char what[160];
		for (size_t len = 0; len < s->file.size; len++) {
			snprintf(what, sizeof(what), "%s cut to %zu of %zu bytes", s->name, len,
				 s->file.size);
			expect_fail(s->file.data, len, -EBADMSG, what, NULL);
			cases++;
		}
	}
	printf("%d truncations rejected\n", cases);

	/* Messages say which part is missing and how much. */
	struct bytes b = make_psf2(8, 16, 256, true, 32);
	expect_fail(b.data, 20, -EBADMSG, "short header", "truncated PSF2 header");
	expect_fail(b.data, 32 + 1200, -EBADMSG, "short glyphs",
		    "truncated PSF2 glyph data (needs 4096 bytes, has 1200)");
	expect_fail(b.data, b.size - 1, -EBADMSG, "short table", "truncated PSF2 Unicode table");
	free(b.data);
	b = make_psf1(2, 16, true);
	expect_fail(b.data, 3, -EBADMSG, "short PSF1 header", "truncated PSF1 header");
	expect_fail(b.data, 4 + 100, -EBADMSG, "short PSF1 glyphs",
		    "truncated PSF1 glyph data (needs 4096 bytes, has 100)");
	expect_fail(b.data, b.size - 1, -EBADMSG, "odd PSF1 table", "truncated PSF1 Unicode table");
	free(b.data);
}

static void patch32(struct bytes *b, size_t at, uint32_t v)
{
	b->data[at] = (uint8_t)v;
	b->data[at + 1] = (uint8_t)(v >> 8);
	b->data[at + 2] = (uint8_t)(v >> 16);
	b->data[at + 3] = (uint8_t)(v >> 24);
}

static void corruptions(void)
{
	struct fbk_font *f;
	CHECK(fbk_font_load_psf_memory(NULL, "x", 1) == -EINVAL, "NULL out");
	CHECK(fbk_font_load_psf_memory(&f, NULL, 10) == -EINVAL && f == NULL, "NULL data");
	expect_fail((const uint8_t *)"", 0, -EBADMSG, "empty", "not a PSF font");
	expect_fail((const uint8_t *)"\x36", 1, -EBADMSG, "one byte", "not a PSF font");
	expect_fail((const uint8_t *)"hello, world, this is text", 26, -EBADMSG, "text",
		    "not a PSF font");

	struct bytes one = make_psf1(2, 16, true);
	one.data[1] = 0x05;
	expect_fail(one.data, one.size, -EBADMSG, "PSF1 bad magic", "not a PSF font");
	one.data[1] = 0x04;
	one.data[2] = 0x0a;
	expect_fail(one.data, one.size, -EBADMSG, "PSF1 unknown mode", "mode");
	one.data[2] = 0x02;
	one.data[3] = 0;
	expect_fail(one.data, one.size, -EBADMSG, "PSF1 height 0", "height");
	one.data[3] = 200;
	expect_fail(one.data, one.size, -EFBIG, "PSF1 height 200", "limit");
	free(one.data);

	/* Header fields: version 4, header size 8, flags 12, length 16, charsize 20, height 24, width 28. */
	static const struct {
		size_t field;
		uint32_t value;
		int err;
		const char *what;
		const char *message_part;
	} fields[] = {
		{ 0, 0x874ab572, -EBADMSG, "PSF2 bad magic", "not a PSF font" },
		{ 4, 1, -EBADMSG, "PSF2 version 1", "version" },
		{ 8, 31, -EBADMSG, "header size 31", "header size" },
		{ 8, 0, -EBADMSG, "header size 0", "header size" },
		{ 8, 100000, -EBADMSG, "header size past the end", "past the end" },
		{ 8, UINT32_MAX, -EBADMSG, "header size 4G", "past the end" },
		{ 16, 0, -EBADMSG, "no glyphs", "no glyphs" },
		{ 16, 257, -EBADMSG, "one glyph too many", NULL },
		{ 16, 0x10ffff, -EBADMSG, "a million glyphs", "truncated PSF2 glyph data" },
		{ 16, 0x110001, -EFBIG, "too many glyphs", "glyphs" },
		{ 16, UINT32_MAX, -EFBIG, "4G glyphs", "glyphs" },
		{ 20, 15, -EBADMSG, "charsize too small", "glyph size field" },
		{ 20, 17, -EBADMSG, "charsize too big", "glyph size field" },
		{ 20, UINT32_MAX, -EBADMSG, "charsize 4G", "glyph size field" },
		{ 24, 0, -EBADMSG, "height 0", "empty" },
		{ 28, 0, -EBADMSG, "width 0", "empty" },
		{ 24, 129, -EFBIG, "height 129", "limit" },
		{ 28, 65, -EFBIG, "width 65", "limit" },
		{ 24, UINT32_MAX, -EFBIG, "height 4G", "limit" },
		{ 28, UINT32_MAX, -EFBIG, "width 4G", "limit" },
		{ 28, 9, -EBADMSG, "width 9 with 1-byte rows", "glyph size field" },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		struct bytes b = make_psf2(8, 16, 256, true, 32);
		patch32(&b, fields[i].field, fields[i].value);
		expect_fail(b.data, b.size, fields[i].err, fields[i].what, fields[i].message_part);
		free(b.data);
	}
	/* Height and charsize that agree but are absurd. */
	struct bytes big = make_psf2(8, 16, 256, true, 32);
	patch32(&big, 24, 0x10000000);
	patch32(&big, 20, 0x10000000);
	expect_fail(big.data, big.size, -EFBIG, "huge consistent height", "limit");
	free(big.data);

	/* Broken UTF-8 in the table (outside sequences). */
	static const struct {
		const char *bytes;
		const char *what;
	} utf8[] = {
		{ "\x80", "lone continuation" },
		{ "\xc0\x80", "overlong NUL" },
		{ "\xe0\x80\xaf", "overlong slash" },
		{ "\xed\xa0\x80", "surrogate" },
		{ "\xf4\x90\x80\x80", "past U+10FFFF" },
		{ "\xf8\x88\x80\x80\x80", "5-byte form" },
		{ "\xc3" "A", "missing continuation" },
		{ "\xe2\x82", "cut before the separator" },
	};
	for (size_t i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++) {
		struct bytes b = make_psf2(8, 4, 2, false, 32);
		b.data[12] = 1;
		put8(&b, 'a');
		put8(&b, 0xff);
		put(&b, utf8[i].bytes, strlen(utf8[i].bytes));
		put8(&b, 0xff);
		char what[80];
		snprintf(what, sizeof(what), "table UTF-8: %s", utf8[i].what);
		expect_fail(b.data, b.size, -EBADMSG, what, "invalid UTF-8");
		free(b.data);
	}
}

/* ---- gzip ---- */

#if FBK_HAVE_ZLIB
static struct bytes gzip(const uint8_t *data, size_t size)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	struct bytes out = { 0 };
	if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return out;
	out.cap = deflateBound(&z, (uLong)size) + 64;
	out.data = malloc(out.cap);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)size;
	z.next_out = out.data;
	z.avail_out = (uInt)out.cap;
	int ret = deflate(&z, Z_FINISH);
	CHECK(ret == Z_STREAM_END, "deflate finished");
	out.size = out.cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

static void gzip_fonts(void)
{
	for (size_t i = 0; i < sample_count; i++) {
		struct bytes gz = gzip(samples[i].file.data, samples[i].file.size);
		struct fbk_font *f = NULL;
		int err = load_exact(&f, gz.data, gz.size);
		CHECK(err == 0, "gzip %s loads: %s", samples[i].name, fbk_last_error());
		if (f)
			check_sample(&samples[i], f, "gzip");
		fbk_font_destroy(f);
		free(gz.data);
	}

	/* Every cut of a compressed font is a truncated gzip stream or a truncated font. */
	struct bytes gz = gzip(samples[1].file.data, samples[1].file.size);
	int cases = 0;
	for (size_t len = 0; len < gz.size; len++) {
		char what[80];
		snprintf(what, sizeof(what), "gzip cut to %zu of %zu", len, gz.size);
		expect_fail(gz.data, len, -EBADMSG, what, NULL);
		cases++;
	}
	printf("%d gzip truncations rejected\n", cases);
	expect_fail(gz.data, gz.size - 3, -EBADMSG, "gzip without its trailer", "truncated gzip");

	/* Damage inside the stream: zlib finds it (bad code or CRC) and says so. */
	int caught = 0, total = 0;
	for (size_t at = 10; at < gz.size; at += 7) {
		struct bytes bad = { 0 };
		put(&bad, gz.data, gz.size);
		bad.data[at] ^= 0x5a;
		struct fbk_font *f = NULL;
		int err = load_exact(&f, bad.data, bad.size);
		/* A flip in the deflate stream either breaks it or changes the font it inflates to. */
		CHECK(err == -EBADMSG || err == 0, "flipped byte %zu: %d", at, err);
		caught += err == -EBADMSG;
		total++;
		fbk_font_destroy(f);
		free(bad.data);
	}
	CHECK(caught == total, "CRC catches every flipped byte (%d of %d)", caught, total);
	free(gz.data);

	/* A gzip bomb: 20 MiB of zeros after a PSF2 header. */
	struct bytes bomb_plain = make_psf2(8, 16, 1, false, 32);
	size_t bomb_size = (size_t)20 << 20;
	uint8_t *zeros = calloc(1, bomb_size);
	memcpy(zeros, bomb_plain.data, bomb_plain.size);
	struct bytes bomb = gzip(zeros, bomb_size);
	free(zeros);
	free(bomb_plain.data);
	expect_fail(bomb.data, bomb.size, -EFBIG, "gzip bomb", "MiB");
	free(bomb.data);

	/* Gzip of something that is not a font. */
	struct bytes text = gzip((const uint8_t *)"just some text", 14);
	expect_fail(text.data, text.size, -EBADMSG, "gzip of text", "not a PSF font");
	free(text.data);
}
#else
static void gzip_fonts(void)
{
	static const uint8_t gz[] = { 0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	expect_fail(gz, sizeof(gz), -ENOTSUP, "gzip without zlib", "without zlib");
	printf("SKIP part: fbkit built without zlib, gzip fonts not tested\n");
}
#endif

/* ---- files ---- */

static void files(void)
{
	char dir[] = "/tmp/fbkit-test-psf-XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	char path[256];
	snprintf(path, sizeof(path), "%s/font.psf", dir);
	struct fbk_font *f = NULL;
	CHECK(fbk_font_load_psf(&f, path) == -ENOENT && f == NULL, "missing file: %s",
	      fbk_last_error());
	CHECK(strstr(fbk_last_error(), path) != NULL, "message names the path: %s", fbk_last_error());
	CHECK(fbk_font_load_psf(&f, NULL) == -EINVAL, "NULL path");
	CHECK(fbk_font_load_psf(NULL, path) == -EINVAL, "NULL out");
	CHECK(fbk_font_load_psf(&f, dir) < 0 && f == NULL, "a folder fails: %s", fbk_last_error());

	const struct sample *s = &samples[6];
	FILE *fp = fopen(path, "wb");
	fwrite(s->file.data, 1, s->file.size, fp);
	fclose(fp);
	CHECK(fbk_font_load_psf(&f, path) == 0, "load from file: %s", fbk_last_error());
	if (f)
		check_sample(s, f, "file");
	fbk_font_destroy(f);

	fp = fopen(path, "wb");
	fwrite(s->file.data, 1, 32 + 100, fp);
	fclose(fp);
	CHECK(fbk_font_load_psf(&f, path) == -EBADMSG, "truncated file");
	char want[400];
	snprintf(want, sizeof(want), "%s: truncated PSF2 glyph data (needs 14400 bytes, has 100)",
		 path);
	CHECK(strcmp(fbk_last_error(), want) == 0, "message \"%s\", want \"%s\"", fbk_last_error(),
	      want);

	fp = fopen(path, "wb");
	fclose(fp);
	CHECK(fbk_font_load_psf(&f, path) == -EBADMSG, "empty file");
#if FBK_HAVE_ZLIB
	struct bytes gz = gzip(s->file.data, s->file.size);
	fp = fopen(path, "wb");
	fwrite(gz.data, 1, gz.size, fp);
	fclose(fp);
	CHECK(fbk_font_load_psf(&f, path) == 0, "load gzip file: %s", fbk_last_error());
	if (f)
		check_sample(s, f, "gzip file");
	fbk_font_destroy(f);
	free(gz.data);
#endif
	unlink(path);
	rmdir(dir);
}

/* ---- the system's console fonts ---- */

static int console_fonts(void)
{
	DIR *d = opendir(CONSOLE_FONTS);
	if (!d)
		return 0;
	struct dirent **names;
	int n = scandir(CONSOLE_FONTS, &names, NULL, alphasort);
	closedir(d);
	int tried = 0, loaded = 0, psf1 = 0, psf2 = 0, gzipped = 0, with_map = 0, skipped_gz = 0;
	struct fbk_surface *surface = NULL;
	fbk_surface_create(&surface, 320, 80, FBK_FORMAT_XRGB8888);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (!strstr(name, ".psf")) {
			free(names[i]);
			continue;
		}
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", CONSOLE_FONTS, name);
		/* Peek at the (inflated) magic to count versions; the loader is what is tested. */
		uint8_t raw[2] = { 0, 0 }, magic[2] = { 0, 0 };
		FILE *fp = fopen(path, "rb");
		if (fp) {
			if (fread(raw, 1, 2, fp) != 2)
				raw[0] = 0;
			fclose(fp);
		}
		bool gz = raw[0] == 0x1f && raw[1] == 0x8b;
#if FBK_HAVE_ZLIB
		gzFile gzf = gzopen(path, "rb");
		if (gzf) {
			if (gzread(gzf, magic, 2) != 2)
				magic[0] = 0;
			gzclose(gzf);
		}
#else
		if (gz) {
			struct fbk_font *f = NULL;
			CHECK(fbk_font_load_psf(&f, path) == -ENOTSUP && f == NULL,
			      "%s without zlib: %s", name, fbk_last_error());
			skipped_gz++;
			free(names[i]);
			continue;
		}
		memcpy(magic, raw, 2);
#endif
		tried++;
		gzipped += gz;
		struct fbk_font *f = NULL;
		int err = fbk_font_load_psf(&f, path);
		CHECK(err == 0, "console font %s: %s", name, fbk_last_error());
		if (err) {
			free(names[i]);
			continue;
		}
		loaded++;
		psf1 += magic[0] == 0x36;
		psf2 += magic[0] == 0x72;
		CHECK(f->width >= 4 && f->width <= 32 && f->height >= 6 && f->height <= 64 &&
			      f->glyph_count >= 256 && f->glyph_count <= 65536,
		      "%s: sane size %dx%d, %u glyphs", name, (int)f->width, (int)f->height,
		      (unsigned)f->glyph_count);
		check_map_sorted(f, name);
		if (f->map_count) {
			with_map++;
			CHECK(fbk_font_has_glyph(f, 'A'), "%s maps 'A'", name);
		}
		int32_t mw, mh;
		CHECK(fbk_text_measure(f, "fbkit", &mw, &mh) == 0 && mw == 5 * f->width &&
			      mh == f->height,
		      "%s: measure", name);
		if (surface) {
			struct fbk_color bg = FBK_RGB(0, 0, 64);
			fbk_surface_set_clip(surface, NULL);
			CHECK(fbk_text_draw(surface, f, 2, 2, "fbkit \xe2\x94\x80 \xc3\xa9\n\tOK",
					    FBK_RGB(255, 255, 0), &bg) == 0,
			      "%s: draws", name);
			/* 'A' drawn alone sets exactly the bits of its glyph. */
			uint32_t g = fbk_font_glyph(f, 'A');
			if (g != FBK_NO_GLYPH) {
				struct fbk_rect cell = { 0, 0, f->width, f->height };
				fbk_surface_set_clip(surface, &cell);
				fbk_text_draw(surface, f, 0, 0, "A", FBK_RGB(255, 255, 255), &bg);
				const uint8_t *bits = f->glyphs + (size_t)g * f->height * f->bytes_per_row;
				int bad = 0;
				for (int32_t y = 0; y < f->height; y++)
					for (int32_t x = 0; x < f->width; x++) {
						bool on = bits[y * f->bytes_per_row + x / 8] >> (7 - x % 8) & 1;
						struct fbk_color c = pixel_at(surface, x, y);
						bad += c.r != (on ? 255 : 0);
					}
				CHECK(bad == 0, "%s: 'A' drawn exactly (%d pixels wrong)", name, bad);
			}
		}
		fbk_font_destroy(f);
		free(names[i]);
	}
	free(names);
	fbk_surface_destroy(surface);
	printf("console fonts: %d of %d loaded (%d gzipped; %d PSF1, %d PSF2; %d with a Unicode table)\n",
	       loaded, tried, gzipped, psf1, psf2, with_map);
	if (skipped_gz)
		printf("SKIP part: %d gzipped console fonts not loaded (fbkit built without zlib; each gave -ENOTSUP)\n",
		       skipped_gz);
	CHECK(tried + skipped_gz > 0, "found PSF fonts in %s", CONSOLE_FONTS);
	return tried + skipped_gz;
}

/* ---- a huge table that names few characters ---- */

/*
 * One 8x16 glyph whose Unicode table lists the 95 printable ASCII
 * characters over and over, for 16 MiB (what a 113 KB gzip file inflates
 * to). What the font can draw is 95 map entries; the load must not cost
 * memory in proportion to the table.
 */
#define BIG_TABLE_BYTES (((size_t)16 << 20) - 4096)
#define PRINTABLE 95

static struct bytes make_big_table_font(void)
{
	struct bytes b = make_psf2(8, 16, 1, false, 32);
	b.data[12] = 1; /* flags: has a Unicode table */
	uint8_t printable[PRINTABLE];
	for (int i = 0; i < PRINTABLE; i++)
		printable[i] = (uint8_t)(0x20 + i);
	for (size_t n = 0; n < BIG_TABLE_BYTES; n += PRINTABLE)
		put(&b, printable, PRINTABLE);
	put8(&b, 0xff);
	return b;
}

static struct fbk_font *load_big_table_font(const struct bytes *b)
{
	struct fbk_font *f = NULL;
	int err = fbk_font_load_psf_memory(&f, b->data, b->size);
	CHECK(err == 0 && f, "16 MiB table: %s", fbk_last_error());
	if (f)
		CHECK(f->map_count == PRINTABLE && fbk_font_glyph(f, '~') == 0 &&
			      fbk_font_glyph(f, 0x7f) == FBK_NO_GLYPH,
		      "16 MiB table: %u map entries, want %d", (unsigned)f->map_count, PRINTABLE);
	return f;
}

/* What the loaded font holds: its one block, measured by the allocator. */
static void big_table_held(void)
{
	struct bytes b = make_big_table_font();
	struct fbk_font *f = load_big_table_font(&b);
	if (f) {
		size_t held = malloc_usable_size(f->storage);
		CHECK(held < 64 * 1024, "a font of 1 glyph and %d characters holds %zu bytes",
		      PRINTABLE, held);
	}
	fbk_font_destroy(f);
	free(b.data);
}

/* The peak resident size of this process in bytes (VmHWM), or -1. */
static long long peak_resident(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	char line[256];
	long long kib = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %lld kB", &kib) == 1)
			break;
	fclose(f);
	return kib < 0 ? -1 : kib * 1024;
}

/*
 * The peak while loading, beyond the input already in memory: writing 5
 * to clear_refs (Linux 4.0 and later) starts VmHWM again from the present
 * resident size. A test of its own, skipped where that is not possible.
 */
static void big_table_peak(void)
{
	struct bytes b = make_big_table_font();
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	bool reset = fd >= 0 && write(fd, "5", 1) == 1;
	int why = errno;
	if (fd >= 0)
		close(fd);
	long long before = peak_resident();
	if (!reset || before < 0)
		SKIP("cannot restart the peak resident size count (/proc/self/clear_refs: %s), "
		     "so the peak while loading cannot be measured",
		     strerror(why));
	struct fbk_font *f = load_big_table_font(&b);
	long long grown = peak_resident() - before;
	CHECK(grown < (32ll << 20),
	      "loading a %zu-byte font raised the peak resident size by %lld MiB", b.size,
	      grown >> 20);
	fbk_font_destroy(f);
	free(b.data);
}

/*
 * With --console-fonts only the system's fonts are loaded, as a test of
 * its own that meson reports as skipped (77) when there are none; with
 * --big-table-peak only the peak memory of loading a huge table is
 * measured, skipped where the peak cannot be measured.
 */
int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--big-table-peak")) {
		big_table_peak();
		return harness_exit();
	}
	if (argc > 1 && !strcmp(argv[1], "--console-fonts")) {
		if (!console_fonts())
			SKIP("%s is absent (install console-setup-linux): real console fonts not tested", CONSOLE_FONTS);
		return harness_exit();
	}
	make_samples();
	valid_fonts();
	truncations();
	corruptions();
	gzip_fonts();
	files();
	big_table_held();
	for (size_t i = 0; i < sample_count; i++)
		free(samples[i].file.data);
	return harness_exit();
}
