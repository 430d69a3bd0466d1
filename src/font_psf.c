/*
 * PSF1 and PSF2 console fonts (the formats of the Linux console and kbd),
 * plain or gzip-compressed. Every field of the file is untrusted: each
 * length is checked against the bytes actually present before it is used,
 * and the failure message says which part is wrong so a user can tell a
 * truncated download from a file that is not a font at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "font.h"
#include "overflow.h"
#include "utf8.h"

#if FBK_HAVE_ZLIB
#include <zlib.h>
#endif

/* Larger files (raw or inflated) are not fonts; this also stops gzip bombs. */
#define MAX_FILE_SIZE ((size_t)16 << 20)
/* Console fonts top out around 32x64; anything bigger is a corrupt header. */
#define MAX_GLYPH_WIDTH 64
#define MAX_GLYPH_HEIGHT 128
/* More glyphs than Unicode has code points cannot all be reached. */
#define MAX_GLYPH_COUNT 0x110000u

#define PSF1_MODE512 0x01
#define PSF1_MODEHASTAB 0x02
#define PSF1_MODEHASSEQ 0x04
#define PSF1_SEPARATOR 0xffff
#define PSF1_STARTSEQ 0xfffe

#define PSF2_HEADER_SIZE 32
#define PSF2_HAS_UNICODE_TABLE 0x01
#define PSF2_SEPARATOR 0xff
#define PSF2_STARTSEQ 0xfe

#define REPLACEMENT_CHARACTER 0xfffd

/* What both versions have once their headers are read. */
struct psf_layout {
	const char *name; /* path, or a description of in-memory data, for messages */
	const char *version; /* "PSF1" or "PSF2" */
	uint32_t width, height, bytes_per_row, glyph_count;
	size_t glyph_offset, glyph_bytes;
	bool has_table;
	bool utf8_table; /* PSF2: UTF-8; PSF1: uint16 little-endian */
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int parse_psf1(struct psf_layout *l, const uint8_t *data, size_t size)
{
	if (size < 4)
		return fbk_fail(-EBADMSG, "%s: truncated PSF1 header (needs 4 bytes, has %zu)",
				l->name, size);
	uint8_t mode = data[2], charsize = data[3];
	if (mode & ~(PSF1_MODE512 | PSF1_MODEHASTAB | PSF1_MODEHASSEQ))
		return fbk_fail(-EBADMSG, "%s: unknown PSF1 mode bits 0x%02x", l->name, mode);
	if (charsize == 0)
		return fbk_fail(-EBADMSG, "%s: PSF1 glyph height is 0", l->name);
	if (charsize > MAX_GLYPH_HEIGHT)
		return fbk_fail(-EFBIG, "%s: PSF1 glyph height %u is larger than fbkit's limit %d",
				l->name, (unsigned)charsize, MAX_GLYPH_HEIGHT);
	l->version = "PSF1";
	l->width = 8;
	l->height = charsize;
	l->bytes_per_row = 1;
	l->glyph_count = mode & PSF1_MODE512 ? 512 : 256;
	l->glyph_offset = 4;
	l->glyph_bytes = (size_t)l->glyph_count * charsize; /* at most 512 * 255 */
	/* kbd reads a table when either bit is set: a table with sequences is still a table. */
	l->has_table = mode & (PSF1_MODEHASTAB | PSF1_MODEHASSEQ);
	l->utf8_table = false;
	return 0;
}

static int parse_psf2(struct psf_layout *l, const uint8_t *data, size_t size)
{
	if (size < PSF2_HEADER_SIZE)
		return fbk_fail(-EBADMSG, "%s: truncated PSF2 header (needs %d bytes, has %zu)",
				l->name, PSF2_HEADER_SIZE, size);
	uint32_t version = le32(data + 4), header_size = le32(data + 8), flags = le32(data + 12);
	uint32_t length = le32(data + 16), charsize = le32(data + 20);
	uint32_t height = le32(data + 24), width = le32(data + 28);
	if (version != 0)
		return fbk_fail(-EBADMSG, "%s: unsupported PSF2 version %u (only 0 exists)", l->name,
				(unsigned)version);
	if (header_size < PSF2_HEADER_SIZE)
		return fbk_fail(-EBADMSG, "%s: PSF2 header size %u is less than %d", l->name,
				(unsigned)header_size, PSF2_HEADER_SIZE);
	if (header_size > size)
		return fbk_fail(-EBADMSG, "%s: PSF2 header size %u is past the end of the %zu-byte file",
				l->name, (unsigned)header_size, size);
	if (width == 0 || height == 0)
		return fbk_fail(-EBADMSG, "%s: PSF2 glyph size %ux%u is empty", l->name,
				(unsigned)width, (unsigned)height);
	if (width > MAX_GLYPH_WIDTH || height > MAX_GLYPH_HEIGHT)
		return fbk_fail(-EFBIG, "%s: PSF2 glyph size %ux%u is larger than fbkit's limit %dx%d",
				l->name, (unsigned)width, (unsigned)height, MAX_GLYPH_WIDTH,
				MAX_GLYPH_HEIGHT);
	uint32_t bytes_per_row = (width + 7) / 8;
	if (charsize != height * bytes_per_row)
		return fbk_fail(-EBADMSG,
				"%s: PSF2 glyph size field says %u bytes, but %ux%u glyphs take %u",
				l->name, (unsigned)charsize, (unsigned)width, (unsigned)height,
				(unsigned)(height * bytes_per_row));
	if (length == 0)
		return fbk_fail(-EBADMSG, "%s: PSF2 font has no glyphs", l->name);
	if (length > MAX_GLYPH_COUNT)
		return fbk_fail(-EFBIG, "%s: PSF2 font claims %u glyphs (more than Unicode has code points)",
				l->name, (unsigned)length);
	l->version = "PSF2";
	l->width = width;
	l->height = height;
	l->bytes_per_row = bytes_per_row;
	l->glyph_count = length;
	l->glyph_offset = header_size;
	if (fbk_mul_overflows(length, charsize, &l->glyph_bytes))
		return fbk_fail(-EFBIG, "%s: PSF2 glyph data size overflows", l->name);
	l->has_table = flags & PSF2_HAS_UNICODE_TABLE;
	l->utf8_table = true;
	return 0;
}

/*
 * One bit per Unicode code point: which ones the map already holds. The
 * table may list a code point any number of times (a 16 MiB table can
 * name the same 95 characters 170000 times over), so entries are
 * deduplicated as they are read: the map, and the memory and time spent
 * on it, grow with the characters the font can draw, not with the table.
 */
#define CODEPOINT_LIMIT 0x110000u
#define SEEN_BYTES (CODEPOINT_LIMIT / 8)

/* Count (and with `map`, store) cp for glyph unless an earlier glyph has it. */
static void add_entry(uint8_t *seen, struct fbk_font_map_entry *map, size_t *n, uint32_t cp,
		      uint32_t glyph)
{
	uint8_t bit = (uint8_t)(1u << (cp & 7));
	if (seen[cp >> 3] & bit)
		return;
	seen[cp >> 3] |= bit;
	if (map)
		map[*n] = (struct fbk_font_map_entry){ cp, glyph };
	(*n)++;
}

/*
 * Walk the Unicode table once. With `map` NULL it only validates and
 * counts the distinct single code points; with `map` it also stores them,
 * each with the first glyph that lists it. `seen` (SEEN_BYTES, zeroed)
 * records the code points met. Sequences (several code points drawn as
 * one glyph) are skipped: fbkit draws one glyph per code point.
 */
static int walk_table(const struct psf_layout *l, const uint8_t *table, size_t size,
		      uint8_t *seen, struct fbk_font_map_entry *map, size_t *count)
{
	size_t pos = 0, n = 0;
	for (uint32_t glyph = 0; glyph < l->glyph_count; glyph++) {
		bool in_sequence = false;
		for (;;) {
			if (l->utf8_table) {
				if (pos >= size)
					goto truncated;
				uint8_t b = table[pos];
				if (b == PSF2_SEPARATOR) {
					pos++;
					break;
				}
				if (b == PSF2_STARTSEQ) {
					in_sequence = true;
					pos++;
					continue;
				}
				uint32_t cp;
				size_t len = fbk_utf8_decode(table + pos, size - pos, &cp);
				if (len == 0)
					return fbk_fail(-EBADMSG,
							"%s: invalid UTF-8 in the Unicode table of glyph %u (byte 0x%02x at table offset %zu)",
							l->name, (unsigned)glyph, b, pos);
				pos += len;
				if (!in_sequence) /* fbk_utf8_decode stops at U+10FFFF */
					add_entry(seen, map, &n, cp, glyph);
			} else {
				if (size - pos < 2)
					goto truncated;
				uint32_t v = (uint32_t)table[pos] | (uint32_t)table[pos + 1] << 8;
				pos += 2;
				if (v == PSF1_SEPARATOR)
					break;
				if (v == PSF1_STARTSEQ) {
					in_sequence = true;
					continue;
				}
				if (!in_sequence)
					add_entry(seen, map, &n, v, glyph);
			}
		}
		continue;
truncated:
		return fbk_fail(-EBADMSG,
				"%s: truncated %s Unicode table (ends inside the entries of glyph %u of %u)",
				l->name, l->version, (unsigned)glyph, (unsigned)l->glyph_count);
	}
	*count = n;
	return 0;
}

/* Code points are unique in the map by now. */
static int compare_entries(const void *a, const void *b)
{
	const struct fbk_font_map_entry *x = a, *y = b;
	return x->codepoint < y->codepoint ? -1 : x->codepoint > y->codepoint;
}

static int parse(struct fbk_font **out, const uint8_t *data, size_t size, const char *name)
{
	struct psf_layout l = { .name = name };
	int err;
	if (size >= 2 && data[0] == 0x36 && data[1] == 0x04)
		err = parse_psf1(&l, data, size);
	else if (size >= 4 && le32(data) == 0x864ab572)
		err = parse_psf2(&l, data, size);
	else
		return fbk_fail(-EBADMSG, "%s: not a PSF font (no PSF1 or PSF2 magic number)", name);
	if (err)
		return err;

	size_t available = size - l.glyph_offset;
	if (l.glyph_bytes > available)
		return fbk_fail(-EBADMSG, "%s: truncated %s glyph data (needs %zu bytes, has %zu)",
				name, l.version, l.glyph_bytes, available);
	const uint8_t *table = data + l.glyph_offset + l.glyph_bytes;
	size_t table_size = available - l.glyph_bytes;

	size_t entries = 0;
	uint8_t *seen = NULL;
	if (l.has_table) {
		seen = calloc(1, SEEN_BYTES);
		if (!seen)
			return fbk_fail(-ENOMEM, "%s: out of memory for the Unicode table", name);
		err = walk_table(&l, table, table_size, seen, NULL, &entries);
		if (err)
			goto out;
	}

	/* One block: the struct, then the map (4-byte aligned), then the glyphs. */
	size_t map_bytes, total;
	if (fbk_mul_overflows(entries, sizeof(struct fbk_font_map_entry), &map_bytes) ||
	    fbk_add_overflows(sizeof(struct fbk_font), map_bytes, &total) ||
	    fbk_add_overflows(total, l.glyph_bytes, &total))
		return fbk_fail(-EFBIG, "%s: font too large for memory", name);
	uint8_t *block = malloc(total);
	if (!block) {
		err = fbk_fail(-ENOMEM, "%s: out of memory for the font (%zu bytes)", name, total);
		goto out;
	}
	struct fbk_font *font = (struct fbk_font *)block;
	struct fbk_font_map_entry *map = (struct fbk_font_map_entry *)(block + sizeof(*font));
	uint8_t *glyphs = block + sizeof(*font) + map_bytes;
	memcpy(glyphs, data + l.glyph_offset, l.glyph_bytes);

	if (entries) {
		/* The same walk over the same bytes: it stores exactly `entries`. */
		memset(seen, 0, SEEN_BYTES);
		walk_table(&l, table, table_size, seen, map, &entries);
		qsort(map, entries, sizeof(*map), compare_entries);
	}

	*font = (struct fbk_font){
		.width = (int32_t)l.width,
		.height = (int32_t)l.height,
		.bytes_per_row = l.bytes_per_row,
		.glyph_count = l.glyph_count,
		.glyphs = glyphs,
		.map = entries ? map : NULL,
		.map_count = (uint32_t)entries, /* at most CODEPOINT_LIMIT */
		.replacement = FBK_NO_GLYPH,
		.is_static = false,
		.storage = block,
	};
	/*
	 * A table that lists no single code points (only sequences) would
	 * leave every character unreachable; treating the font like one
	 * without a table (glyph index == code point) at least draws something.
	 */
	font->replacement = fbk_font_glyph(font, REPLACEMENT_CHARACTER);
	*out = font;
out:
	free(seen);
	return err;
}

#if FBK_HAVE_ZLIB
static int inflate_gzip(const uint8_t *data, size_t size, uint8_t **out, size_t *out_size,
			const char *name)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	/* 16 + MAX_WBITS: a gzip wrapper, not zlib or raw deflate. */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return fbk_fail(-ENOMEM, "%s: cannot start zlib", name);

	size_t cap = size < MAX_FILE_SIZE / 4 ? size * 4 + 4096 : MAX_FILE_SIZE;
	uint8_t *buf = NULL;
	size_t used = 0;
	int err = 0, zret;
	z.next_in = (Bytef *)(uintptr_t)data;
	do {
		if (used == cap || !buf) {
			if (buf) {
				if (cap >= MAX_FILE_SIZE) {
					err = fbk_fail(-EFBIG, "%s: inflates to more than %zu MiB; not a console font",
						       name, MAX_FILE_SIZE >> 20);
					goto out;
				}
				cap = cap > MAX_FILE_SIZE / 2 ? MAX_FILE_SIZE : cap * 2;
			}
			uint8_t *grown = realloc(buf, cap);
			if (!grown) {
				err = fbk_fail(-ENOMEM, "%s: out of memory inflating gzip data", name);
				goto out;
			}
			buf = grown;
		}
		/* zlib counts in uInt; feed huge inputs in pieces. */
		if (z.avail_in == 0) {
			size_t consumed = (size_t)(z.next_in - (const Bytef *)data);
			size_t left = size - consumed;
			z.avail_in = left > 0x40000000u ? 0x40000000u : (uInt)left;
		}
		z.next_out = buf + used;
		z.avail_out = (uInt)(cap - used);
		zret = inflate(&z, Z_NO_FLUSH);
		used = cap - z.avail_out;
		if (zret == Z_BUF_ERROR && z.avail_in == 0 && z.avail_out > 0) {
			err = fbk_fail(-EBADMSG, "%s: truncated gzip data", name);
			goto out;
		}
		if (zret == Z_DATA_ERROR || zret == Z_NEED_DICT || zret == Z_STREAM_ERROR) {
			err = fbk_fail(-EBADMSG, "%s: corrupt gzip data (zlib: %s)", name,
				       z.msg ? z.msg : "invalid data");
			goto out;
		}
		if (zret == Z_MEM_ERROR) {
			err = fbk_fail(-ENOMEM, "%s: out of memory inflating gzip data", name);
			goto out;
		}
	} while (zret != Z_STREAM_END);
	*out = buf;
	*out_size = used;
	buf = NULL;
out:
	free(buf);
	inflateEnd(&z);
	return err;
}
#endif

static bool is_gzip(const uint8_t *data, size_t size)
{
	return size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

static int load(struct fbk_font **out, const uint8_t *data, size_t size, const char *name)
{
	if (!is_gzip(data, size))
		return parse(out, data, size, name);
#if FBK_HAVE_ZLIB
	uint8_t *inflated = NULL;
	size_t inflated_size = 0;
	int err = inflate_gzip(data, size, &inflated, &inflated_size, name);
	if (err)
		return err;
	err = parse(out, inflated, inflated_size, name);
	free(inflated);
	return err;
#else
	return fbk_fail(-ENOTSUP,
			"%s: gzip-compressed font, but fbkit was built without zlib (gunzip it first)",
			name);
#endif
}

int fbk_font_load_psf_memory(struct fbk_font **out, const void *data, size_t size)
{
	if (!out)
		return fbk_fail(-EINVAL, "font output pointer is NULL");
	*out = NULL;
	if (!data && size)
		return fbk_fail(-EINVAL, "font data is NULL");
	return load(out, data ? data : "", size, "PSF font in memory");
}

/* Read the whole file; a regular file's size is only a hint, since it may change under us. */
static int read_file(const char *path, uint8_t **out, size_t *out_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return fbk_fail(-e, "%s: cannot open font: %s", path, fbk_errstr(e));
	}
	int err = 0;
	uint8_t *buf = NULL;
	size_t used = 0, cap = 65536;
	struct stat st;
	if (fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			err = fbk_fail(-EISDIR, "%s: is a folder, not a font file", path);
			goto out;
		}
		/* +1 so the end of file shows without growing the buffer. */
		if (S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= MAX_FILE_SIZE)
			cap = (size_t)st.st_size + 1;
	}
	buf = malloc(cap);
	if (!buf) {
		err = fbk_fail(-ENOMEM, "%s: out of memory reading the font", path);
		goto out;
	}
	for (;;) {
		if (used == cap) {
			if (cap > MAX_FILE_SIZE) {
				err = fbk_fail(-EFBIG, "%s: larger than %zu MiB; not a console font",
					       path, MAX_FILE_SIZE >> 20);
				goto out;
			}
			cap = cap > MAX_FILE_SIZE / 2 ? MAX_FILE_SIZE + 1 : cap * 2;
			uint8_t *grown = realloc(buf, cap);
			if (!grown) {
				err = fbk_fail(-ENOMEM, "%s: out of memory reading the font", path);
				goto out;
			}
			buf = grown;
		}
		ssize_t got = read(fd, buf + used, cap - used);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			err = fbk_fail(-e, "%s: cannot read font: %s", path, fbk_errstr(e));
			goto out;
		}
		if (got == 0)
			break;
		used += (size_t)got;
	}
	*out = buf;
	*out_size = used;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return err;
}

int fbk_font_load_psf(struct fbk_font **out, const char *path)
{
	if (!out)
		return fbk_fail(-EINVAL, "font output pointer is NULL");
	*out = NULL;
	if (!path)
		return fbk_fail(-EINVAL, "font path is NULL");
	uint8_t *data = NULL;
	size_t size = 0;
	int err = read_file(path, &data, &size);
	if (err)
		return err;
	err = load(out, data, size, path);
	free(data);
	return err;
}
