/*
 * Outline fonts: TrueType/OpenType through FreeType, shaped by HarfBuzz
 * when it is built in, rendered once per glyph and quarter-pixel offset
 * into a process-wide cache of A8 masks, and blended through the row
 * engine's mask kernels (the ones anti-aliased shapes use), so a glyph
 * pixel is exactly what fbk_over_pixel makes of the colour with its alpha
 * scaled by FreeType's coverage.
 *
 * The file is mapped, never read whole, and FreeType reads it through a
 * stream (FT_Open_Face with a read callback) rather than FT_New_Memory_Face
 * on the mapping: every read is then a copy through fbk_map_guard_copy(),
 * so a file that shrinks under the mapping costs a -EIO, never a SIGBUS in
 * the middle of FreeType. FreeType keeps what it reads often (cmap,
 * metrics) in its own memory, and the glyph cache keeps what it renders,
 * so reads only happen on cache misses.
 *
 * One lock guards everything here: the cache, and the FreeType faces and
 * HarfBuzz fonts (neither is thread-safe per face). What is logged under
 * it is held until it is released (fbk_log_hold), so a log handler may
 * draw text. Each outline font has
 * its own FT_Library, so loading and freeing need no more than that lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_ADVANCES_H
#include FT_OUTLINE_H

#include "config.h"
#if FBK_HAVE_HARFBUZZ
#include <hb-ft.h>
#include <hb.h>
#endif

#include "core/error.h"
#include "core/overflow.h"
#include "pixel/pixel.h"
#include "pixel/pixel_ops.h"
#include "platform/map_guard.h"
#include "platform/mapped_file.h"
#include "text/font.h"
#include "text/outline.h"
#include "text/text_hash.h"
#include "text/utf8.h"

#define MAX_FALLBACKS 16
#define SUBPIXELS 4 /* horizontal positions per pixel a glyph is rendered at */
#define TAB_SPACES 8
#define ADVANCE_SLOTS 256
#define REPLACEMENT_CHARACTER 0xfffd

struct fbk_outline {
	FT_Library library;
	FT_Face face;
	FT_StreamRec stream;
	const uint8_t *data;
	size_t size;
	struct fbk_mapped_file file; /* file.map is NULL when data is our copy */
	void *copy; /* fbk_font_load_memory's copy */
	uint64_t serial; /* the cache's key for this face at this size */
	FT_Int32 load_flags;
	int32_t ascent, descent, line_height, max_advance_px;
	FT_Pos space_advance; /* 26.6 */
	bool io_error; /* a read of the file failed: it shrank */
	const struct fbk_font *fallbacks[MAX_FALLBACKS]; /* live fonts only: see live_remove */
	size_t fallback_count;
	struct fbk_outline *live_newer, *live_older; /* the open outline fonts, under the lock */
	/* Advances by glyph id (direct-mapped), for shaping without HarfBuzz. */
	struct {
		uint32_t id;
		int32_t advance; /* 26.6 */
	} advances[ADVANCE_SLOTS];
#if FBK_HAVE_HARFBUZZ
	hb_font_t *hb;
#endif
};

/* ---- the lock and the glyph cache ---------------------------------------- */

/*
 * A piece of a glyph's mask row worth one kernel call: its pixels are all
 * 255 (`full`: an opaque colour is stored, not blended) or a mix. Runs of
 * zeros longer than MAX_GAP between them are skipped.
 */
struct mask_span {
	int32_t x, n;
	bool full;
};

#define MAX_GAP 3
#define MIN_FULL_RUN 6
/* Glyphs up to this many pixels (clipped) are blended as one box; 48 px text fits. */
#define BOX_PIXELS 2048

/* A rendered glyph: an A8 mask `width` bytes a row, its top-left relative to the pen. */
struct cached_glyph {
	struct cached_glyph *chain;      /* next in the hash bucket */
	struct cached_glyph *newer, *older; /* the LRU list */
	uint64_t serial;
	uint32_t id;
	uint32_t subpixel;
	int32_t left, top; /* FreeType's bitmap_left, bitmap_top (y up) */
	int32_t width, height;
	size_t bytes; /* what it counts for against the limit */
	/* Row r's spans: spans[row_start[r]] .. [row_start[r + 1] - 1]; none for small glyphs */
	const struct mask_span *spans;
	const uint32_t *row_start;     /* height + 1 entries */
	const uint8_t *mask;           /* width bytes a row */
	_Alignas(8) uint8_t data[];    /* spans, then row_start, then mask */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	struct cached_glyph **buckets;
	size_t bucket_count; /* a power of two, or 0 */
	size_t count;
	size_t memory, limit;
	struct cached_glyph *newest, *oldest;
	/*
	 * Counts of changes: to the LRU order (any glyph moved, added or
	 * removed), and of glyphs removed. A shaped text that kept pointers to
	 * its glyphs checks them (see struct shaped).
	 */
	uint64_t reorders, removals;
	uint64_t lookups; /* for tests: fbk_outline_lookups() */
} cache = { .limit = FBK_GLYPH_CACHE_DEFAULT };
static uint64_t next_serial = 1;
/* Every open outline font, so a destroyed one leaves every fallback list it is on. */
static struct fbk_outline *live_fonts;
/* Whether this locked call has made sure the SIGBUS guard is installed. */
static bool guard_ready;

/*
 * Messages logged under the lock reach the handler after it is released:
 * a handler that draws text would otherwise wait on it forever.
 */
static void enter(void)
{
	fbk_log_hold();
	pthread_mutex_lock(&lock);
	guard_ready = false;
}

static void leave(void)
{
	pthread_mutex_unlock(&lock);
	fbk_log_release();
}

static size_t hash_key(uint64_t serial, uint32_t id, uint32_t subpixel)
{
	uint64_t h = (serial * 0x9e3779b97f4a7c15u) ^ ((uint64_t)id << 2 | subpixel);
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9u;
	h ^= h >> 32;
	return (size_t)h;
}

static void unlink_lru(struct cached_glyph *g)
{
	if (g->newer)
		g->newer->older = g->older;
	else
		cache.newest = g->older;
	if (g->older)
		g->older->newer = g->newer;
	else
		cache.oldest = g->newer;
	g->newer = g->older = NULL;
}

static void push_newest(struct cached_glyph *g)
{
	cache.reorders++;
	g->older = cache.newest;
	g->newer = NULL;
	if (cache.newest)
		cache.newest->newer = g;
	cache.newest = g;
	if (!cache.oldest)
		cache.oldest = g;
}

static void remove_glyph(struct cached_glyph *g)
{
	struct cached_glyph **at =
		&cache.buckets[hash_key(g->serial, g->id, g->subpixel) & (cache.bucket_count - 1)];
	while (*at != g)
		at = &(*at)->chain;
	*at = g->chain;
	unlink_lru(g);
	cache.count--;
	cache.memory -= g->bytes;
	cache.removals++;
	cache.reorders++;
	free(g);
}

/* A glyph drawn: the newest in the LRU order. */
static void touch_glyph(struct cached_glyph *g)
{
	if (g != cache.newest) {
		unlink_lru(g);
		push_newest(g);
	}
}

/* What the cache holds: the glyphs, their bookkeeping, and the hash table. */
/* The shaped-text cache (placed_text): its memory counts in the cache's. */
static size_t shaped_memory;
static void shaped_clear(void);
static void shaped_drop(const struct fbk_outline *keyed, const struct fbk_outline *placed);
static void shaped_evict(size_t room);
static size_t shaped_limit(void);

/* What the limit bounds: the glyphs, their bookkeeping and the hash table. */
static size_t cache_bytes(void)
{
	return cache.memory + cache.bucket_count * sizeof(*cache.buckets);
}

/* Drop the oldest glyphs until the cache fits its limit, never `keep`. */
static void evict(const struct cached_glyph *keep)
{
	while (cache_bytes() > cache.limit && cache.oldest && cache.oldest != keep)
		remove_glyph(cache.oldest);
}

static struct cached_glyph *cache_find(uint64_t serial, uint32_t id, uint32_t subpixel)
{
	if (!cache.bucket_count)
		return NULL;
	struct cached_glyph *g =
		cache.buckets[hash_key(serial, id, subpixel) & (cache.bucket_count - 1)];
	for (; g; g = g->chain)
		if (g->id == id && g->subpixel == subpixel && g->serial == serial)
			return g;
	return NULL;
}

/* Room for one more glyph in the hash table: double it past one glyph a bucket. */
static int grow_buckets(void)
{
	if (cache.count < cache.bucket_count)
		return 0;
	size_t count = cache.bucket_count ? cache.bucket_count * 2 : 256;
	struct cached_glyph **buckets = calloc(count, sizeof(*buckets));
	if (!buckets)
		return cache.bucket_count ? 0 : -ENOMEM; /* longer chains still work */
	for (size_t i = 0; i < cache.bucket_count; i++) {
		struct cached_glyph *g = cache.buckets[i], *next;
		for (; g; g = next) {
			next = g->chain;
			size_t b = hash_key(g->serial, g->id, g->subpixel) & (count - 1);
			g->chain = buckets[b];
			buckets[b] = g;
		}
	}
	free(cache.buckets);
	cache.buckets = buckets;
	cache.bucket_count = count;
	return 0;
}

static void purge_font(uint64_t serial)
{
	struct cached_glyph *g = cache.oldest, *newer;
	for (; g; g = newer) {
		newer = g->newer;
		if (g->serial == serial)
			remove_glyph(g);
	}
}

void fbk_glyph_cache_set_limit(size_t bytes)
{
	enter();
	cache.limit = bytes;
	evict(NULL);
	shaped_evict(0);
	if (shaped_memory > shaped_limit())
		shaped_clear(); /* its table alone is too large now */
	leave();
}

size_t fbk_glyph_cache_limit(void)
{
	enter();
	size_t limit = cache.limit;
	leave();
	return limit;
}

size_t fbk_glyph_cache_memory(void)
{
	enter();
	size_t memory = cache_bytes() + shaped_memory;
	leave();
	return memory;
}

void fbk_glyph_cache_clear(void)
{
	enter();
	while (cache.oldest)
		remove_glyph(cache.oldest);
	free(cache.buckets);
	cache.buckets = NULL;
	cache.bucket_count = 0;
	shaped_clear();
	leave();
}

/* ---- reading the file ---------------------------------------------------- */

/*
 * FreeType's stream read: count 0 is a seek, which fails (non-zero) past
 * the end; otherwise the bytes copied, and 0 when the mapping faulted.
 */
static unsigned long stream_read(FT_Stream stream, unsigned long offset, unsigned char *buffer,
				 unsigned long count)
{
	struct fbk_outline *o = stream->descriptor.pointer;
	if (offset > o->size)
		return count ? 0 : 1;
	if (!count)
		return 0;
	size_t n = o->size - offset < count ? o->size - offset : count;
	if (!o->file.map) {
		memcpy(buffer, o->data + offset, n);
		return n;
	}
	if (!guard_ready) {
		if (fbk_map_guard_prepare()) {
			o->io_error = true;
			return 0;
		}
		guard_ready = true;
	}
	if (fbk_map_guard_copy(buffer, o->data + offset, n, o->file.map, o->size)) {
		o->io_error = true;
		return 0;
	}
	return n;
}

/*
 * Map the whole file read-only and private, as image input does. No
 * sequential hint: FreeType reads the tables in any order.
 */
static int map_file(struct fbk_outline *o, const char *path)
{
	int err = fbk_mapped_file_open(&o->file, path, "font", MADV_NORMAL);
	if (!err) {
		o->data = o->file.map;
		o->size = o->file.size;
	}
	return err;
}

/* ---- loading ------------------------------------------------------------- */

static int check_options(struct fbk_font_options *opt, const struct fbk_font_options *given)
{
	*opt = (struct fbk_font_options)FBK_FONT_OPTIONS_INIT;
	if (!given)
		return 0;
	size_t known = offsetof(struct fbk_font_options, hinting) + sizeof(given->hinting);
	if (given->size < known)
		return fbk_fail(-EINVAL, "struct fbk_font_options size %zu is less than %zu: start "
				"from FBK_FONT_OPTIONS_INIT", given->size, known);
	opt->pixel_size = given->pixel_size;
	opt->face_index = given->face_index;
	opt->hinting = given->hinting;
	if (opt->pixel_size < 1 || opt->pixel_size > FBK_FONT_MAX_PIXEL_SIZE)
		return fbk_fail(-EINVAL, "pixel size %d is out of range: fonts load at 1 to %d pixels",
				(int)opt->pixel_size, FBK_FONT_MAX_PIXEL_SIZE);
	if (opt->hinting != FBK_HINTING_NONE && opt->hinting != FBK_HINTING_LIGHT &&
	    opt->hinting != FBK_HINTING_NORMAL)
		return fbk_fail(-EINVAL, "unknown hinting %d", (int)opt->hinting);
	if (opt->face_index > 0xffff)
		return fbk_fail(-EINVAL, "face index %u is out of range (collections hold at most "
				"65535 faces)", (unsigned)opt->face_index);
	return 0;
}

static void free_outline(struct fbk_outline *o)
{
#if FBK_HAVE_HARFBUZZ
	if (o->hb)
		hb_font_destroy(o->hb);
#endif
	if (o->face)
		FT_Done_Face(o->face);
	if (o->library)
		FT_Done_FreeType(o->library);
	fbk_mapped_file_close(&o->file);
	free(o->copy);
	free(o);
}

/* FreeType's verdict on a face, as an errno and a message naming the file. */
static int face_error(struct fbk_outline *o, const char *name, FT_Error error, uint32_t index)
{
	if (o->io_error)
		return fbk_fail(-EIO, "%s: the file shrank while it was read", name);
	if (error == FT_Err_Out_Of_Memory)
		return fbk_fail(-ENOMEM, "out of memory");
	if (error == FT_Err_Unknown_File_Format)
		return fbk_fail(-EBADMSG, "%s: not a font FreeType can read (TrueType, OpenType, "
				"or a collection of them)", name);
	/* Reads past the end: a few bytes of anything, or a font cut short. */
	if (error >= FT_Err_Cannot_Open_Stream && error <= FT_Err_Invalid_Frame_Read)
		return fbk_fail(-EBADMSG, "%s: not a font, or a truncated one (it ends before "
				"its tables)", name);
	if (error == FT_Err_Invalid_Argument && index > 0)
		return fbk_fail(-EBADMSG, "%s: no face %u in this file (face indices start at 0)",
				name, (unsigned)index);
	return fbk_fail(-EBADMSG, "%s: corrupt or truncated font (FreeType error 0x%02x)", name,
			(unsigned)error);
}

static FT_Int32 load_flags_for(enum fbk_hinting hinting)
{
	switch (hinting) {
	case FBK_HINTING_NONE: return FT_LOAD_NO_BITMAP | FT_LOAD_NO_HINTING;
	case FBK_HINTING_NORMAL: return FT_LOAD_NO_BITMAP | FT_LOAD_TARGET_NORMAL;
	default: return FT_LOAD_NO_BITMAP | FT_LOAD_TARGET_LIGHT;
	}
}

/* The face opened at its size, its metrics read. Called locked. */
static int open_face(struct fbk_outline *o, const char *name, const struct fbk_font_options *opt)
{
	FT_Error error = FT_Init_FreeType(&o->library);
	if (error)
		return fbk_fail(-ENOMEM, "cannot start FreeType (error 0x%02x)", (unsigned)error);
	o->stream.base = NULL;
	o->stream.size = (unsigned long)o->size;
	o->stream.pos = 0;
	o->stream.descriptor.pointer = o;
	o->stream.read = stream_read;
	o->stream.close = NULL;
	FT_Open_Args args = { .flags = FT_OPEN_STREAM, .stream = &o->stream };
	error = FT_Open_Face(o->library, &args, (FT_Long)opt->face_index, &o->face);
	if (error) {
		o->face = NULL;
		return face_error(o, name, error, opt->face_index);
	}
	if (!FT_IS_SCALABLE(o->face))
		return fbk_fail(-ENOTSUP, "%s: a bitmap-only font; fbkit draws outline fonts "
				"(TrueType, OpenType) and PSF bitmap fonts", name);
	error = FT_Set_Pixel_Sizes(o->face, 0, (FT_UInt)opt->pixel_size);
	if (error)
		return face_error(o, name, error, 0);
	o->load_flags = load_flags_for(opt->hinting);
	const FT_Size_Metrics *m = &o->face->size->metrics;
	/* Outlines with absurd units can make these huge; keep them in int32 pixels. */
	FT_Pos limit = (FT_Pos)FBK_FONT_MAX_PIXEL_SIZE * 64 * 64;
	FT_Pos ascender = m->ascender > limit ? limit : m->ascender < 0 ? 0 : m->ascender;
	FT_Pos descender = -m->descender > limit ? limit : m->descender > 0 ? 0 : -m->descender;
	FT_Pos height = m->height > limit ? limit : m->height < 0 ? 0 : m->height;
	FT_Pos max_advance = m->max_advance > limit ? limit : m->max_advance < 0 ? 0 : m->max_advance;
	o->ascent = (int32_t)((ascender + 63) >> 6);
	o->descent = (int32_t)((descender + 63) >> 6);
	o->line_height = (int32_t)((height + 32) >> 6);
	if (o->line_height < o->ascent + o->descent)
		o->line_height = o->ascent + o->descent;
	if (o->line_height < 1)
		o->line_height = 1;
	for (size_t i = 0; i < ADVANCE_SLOTS; i++)
		o->advances[i].id = UINT32_MAX;
	FT_UInt space = FT_Get_Char_Index(o->face, ' ');
	FT_Fixed advance = 0;
	if (space && !FT_Get_Advance(o->face, space, o->load_flags, &advance))
		o->space_advance = (advance + (1 << 9)) >> 10;
	if (o->space_advance <= 0)
		o->space_advance = (FT_Pos)opt->pixel_size * 64 / 3;
	o->max_advance_px = (int32_t)((max_advance + 63) >> 6);
#if FBK_HAVE_HARFBUZZ
	o->hb = hb_ft_font_create_referenced(o->face);
	if (!o->hb || o->hb == hb_font_get_empty())
		return fbk_fail(-ENOMEM, "out of memory");
	hb_ft_font_set_load_flags(o->hb, o->load_flags);
#endif
	if (o->io_error)
		return fbk_fail(-EIO, "%s: the file shrank while it was read", name);
	return 0;
}

/* Called locked. */
static void live_add(struct fbk_outline *o)
{
	o->live_older = live_fonts;
	if (live_fonts)
		live_fonts->live_newer = o;
	live_fonts = o;
}

/*
 * o leaves the open fonts, and every list that names it as a fallback:
 * a font may be destroyed before the fonts that fall back on it, which
 * then draw as if it had never been listed (their texts that took a glyph
 * of it are dropped with its own). Called locked.
 */
static void live_remove(struct fbk_outline *o)
{
	if (o->live_newer)
		o->live_newer->live_older = o->live_older;
	else
		live_fonts = o->live_older;
	if (o->live_older)
		o->live_older->live_newer = o->live_newer;
	for (struct fbk_outline *l = live_fonts; l; l = l->live_older) {
		size_t kept = 0;
		for (size_t i = 0; i < l->fallback_count; i++)
			if (l->fallbacks[i]->outline != o)
				l->fallbacks[kept++] = l->fallbacks[i];
		l->fallback_count = kept;
	}
}

static int load(struct fbk_font **out, const char *path, const void *data, size_t size,
		const struct fbk_font_options *options)
{
	if (!out)
		return fbk_fail(-EINVAL, "font out-pointer is NULL");
	*out = NULL;
	struct fbk_font_options opt;
	int err = check_options(&opt, options);
	if (err)
		return err;
	if (!path && !data)
		return fbk_fail(-EINVAL, "font data is NULL");
	if (!path && size == 0)
		return fbk_fail(-EBADMSG, "font data is empty");
	struct fbk_font *font = calloc(1, sizeof(*font));
	struct fbk_outline *o = calloc(1, sizeof(*o));
	if (!font || !o) {
		free(font);
		free(o);
		return fbk_fail(-ENOMEM, "out of memory");
	}
	if (path) {
		err = map_file(o, path);
	} else {
		o->copy = malloc(size);
		if (o->copy) {
			memcpy(o->copy, data, size);
			o->data = o->copy;
			o->size = size;
		} else {
			err = fbk_fail(-ENOMEM, "out of memory for a %zu-byte font", size);
		}
	}
	if (!err) {
		enter();
		err = open_face(o, path ? path : "font data", &opt);
		o->serial = next_serial++;
		if (!err)
			live_add(o);
		leave();
	}
	if (err) {
		free_outline(o);
		free(font);
		return err;
	}
	font->outline = o;
	font->width = o->max_advance_px;
	font->height = o->line_height;
	font->replacement = FBK_NO_GLYPH;
	font->storage = font;
	*out = font;
	return 0;
}

int fbk_font_load(struct fbk_font **out, const char *path, const struct fbk_font_options *options)
{
	if (!path) {
		if (out)
			*out = NULL;
		return fbk_fail(-EINVAL, "font path is NULL");
	}
	return load(out, path, NULL, 0, options);
}

int fbk_font_load_memory(struct fbk_font **out, const void *data, size_t size,
			 const struct fbk_font_options *options)
{
	return load(out, NULL, data, size, options);
}

void fbk_outline_destroy(const struct fbk_font *font)
{
	struct fbk_outline *o = font->outline;
	enter();
	live_remove(o);
	purge_font(o->serial);
	shaped_drop(o, o);
	free_outline(o);
	leave();
	free(font->storage);
}

int fbk_font_set_fallbacks(struct fbk_font *font, const struct fbk_font *const *fallbacks,
			   size_t count)
{
	if (!font || !font->outline)
		return fbk_fail(-EINVAL, "fallbacks need an outline font (fbk_font_load) to fall "
				"back from");
	if (count > MAX_FALLBACKS)
		return fbk_fail(-EINVAL, "%zu fallback fonts; at most %d", count, MAX_FALLBACKS);
	if (count && !fallbacks)
		return fbk_fail(-EINVAL, "fallback list is NULL");
	for (size_t i = 0; i < count; i++)
		if (!fallbacks[i] || !fallbacks[i]->outline || fallbacks[i] == font)
			return fbk_fail(-EINVAL, "fallback %zu is %s", i,
					!fallbacks[i] ? "NULL" :
					fallbacks[i] == font ? "the font itself" :
							       "a bitmap font (only outline fonts fall back)");
	enter();
	/* Only this font's texts: another font's shaping never reads this list. */
	shaped_drop(font->outline, NULL);
	for (size_t i = 0; i < count; i++)
		font->outline->fallbacks[i] = fallbacks[i];
	font->outline->fallback_count = count;
	leave();
	return 0;
}

bool fbk_outline_has_glyph(const struct fbk_font *font, uint32_t codepoint)
{
	enter();
	bool has = FT_Get_Char_Index(font->outline->face, codepoint) != 0;
	leave();
	return has;
}

size_t fbk_outline_shaped_memory(void)
{
	enter();
	size_t memory = shaped_memory;
	leave();
	return memory;
}

bool fbk_outline_cached(const struct fbk_font *font, uint32_t id, uint32_t subpixel)
{
	enter();
	bool cached = cache_find(font->outline->serial, id, subpixel) != NULL;
	leave();
	return cached;
}

uint64_t fbk_outline_lookups(void)
{
	enter();
	uint64_t lookups = cache.lookups;
	leave();
	return lookups;
}

/* ---- rendering into the cache -------------------------------------------- */

/* Split one mask row into spans (stored when out is not NULL); the count. */
static size_t row_spans(const uint8_t *m, int32_t w, struct mask_span *out)
{
	size_t count = 0;
	int32_t x = 0;
	while (x < w) {
		while (x < w && !m[x])
			x++;
		if (x == w)
			break;
		/* One stretch of ink, across gaps of up to MAX_GAP zeros. */
		int32_t start = x, end = x;
		while (x < w) {
			if (m[x]) {
				end = ++x;
				continue;
			}
			int32_t z = x;
			while (z < w && !m[z])
				z++;
			if (z == w || z - x > MAX_GAP)
				break;
			x = z;
		}
		x = end;
		/* Inside it, runs of MIN_FULL_RUN or more 255s stand alone. */
		for (int32_t p = start; p < end;) {
			int32_t full_start = end, full_end = end;
			for (int32_t i = p; i < end;) {
				if (m[i] != 255) {
					i++;
					continue;
				}
				int32_t j = i;
				while (j < end && m[j] == 255)
					j++;
				if (j - i >= MIN_FULL_RUN) {
					full_start = i;
					full_end = j;
					break;
				}
				i = j;
			}
			if (full_start > p) {
				if (out)
					out[count] = (struct mask_span){ p, full_start - p, false };
				count++;
			}
			if (full_end > full_start) {
				if (out)
					out[count] = (struct mask_span){ full_start, full_end - full_start,
									 true };
				count++;
			}
			p = full_end;
		}
	}
	return count;
}

/*
 * The glyph rendered at `subpixel` quarters of a pixel right of the pen,
 * from the cache or rendered now; NULL with *err set on failure. A glyph
 * FreeType cannot load or render (corrupt data) is cached as empty.
 */
static struct cached_glyph *get_glyph(struct fbk_outline *o, uint32_t id, uint32_t subpixel,
				      int *err)
{
	cache.lookups++;
	struct cached_glyph *g = cache_find(o->serial, id, subpixel);
	if (g) {
		touch_glyph(g);
		return g;
	}
	if (grow_buckets()) {
		*err = fbk_fail(-ENOMEM, "out of memory for the glyph cache");
		return NULL;
	}
	FT_GlyphSlot slot = o->face->glyph;
	const FT_Bitmap *bitmap = NULL;
	bool ok = !FT_Load_Glyph(o->face, id, o->load_flags) &&
		  slot->format == FT_GLYPH_FORMAT_OUTLINE;
	if (ok) {
		FT_Outline_Translate(&slot->outline, (FT_Pos)subpixel * (64 / SUBPIXELS), 0);
		ok = !FT_Render_Glyph(slot, FT_RENDER_MODE_NORMAL);
	}
	if (o->io_error) {
		*err = fbk_fail(-EIO, "a font's file shrank while it was read");
		return NULL;
	}
	if (ok && slot->bitmap.pixel_mode == FT_PIXEL_MODE_GRAY && slot->bitmap.num_grays == 256 &&
	    slot->bitmap.width && slot->bitmap.rows && slot->bitmap.buffer)
		bitmap = &slot->bitmap;
	int32_t width = 0, height = 0;
	ptrdiff_t pitch = 0;
	const uint8_t *top_row = NULL;
	if (bitmap) {
		width = (int32_t)bitmap->width;
		height = (int32_t)bitmap->rows;
		/* A negative pitch stores rows bottom-up, the top row last. */
		pitch = bitmap->pitch;
		top_row = bitmap->buffer;
		if (pitch < 0)
			top_row -= (ptrdiff_t)(bitmap->rows - 1) * pitch;
	}
	/*
	 * Trim rows and columns without coverage (FreeType's box is the
	 * outline's control box, and a quarter-pixel shift often adds an empty
	 * column): every pixel blended is one the glyph touches.
	 */
	int32_t r0 = height, r1 = 0, c0 = width, c1 = 0;
	for (int32_t r = 0; r < height; r++) {
		const uint8_t *row = top_row + r * pitch;
		int32_t a = 0, b = width;
		while (a < width && !row[a])
			a++;
		if (a == width)
			continue;
		while (!row[b - 1])
			b--;
		r0 = r < r0 ? r : r0;
		r1 = r + 1;
		c0 = a < c0 ? a : c0;
		c1 = b > c1 ? b : c1;
	}
	int32_t left = 0, top = 0;
	if (bitmap) {
		left = slot->bitmap_left;
		top = slot->bitmap_top;
	}
	if (r0 >= r1) {
		width = height = 0; /* no coverage at all: a space */
	} else {
		top_row += r0 * pitch + c0;
		left += c0;
		top -= r0;
		width = c1 - c0;
		height = r1 - r0;
	}
	/* Only glyphs too large to blend as one box are blended span by span. */
	bool large = (int64_t)width * height > BOX_PIXELS;
	size_t span_count = 0;
	for (int32_t r = 0; large && r < height; r++)
		span_count += row_spans(top_row + r * pitch, width, NULL);
	size_t mask_bytes, span_bytes, index_bytes, bytes;
	if (fbk_mul_overflows((size_t)width, (size_t)height, &mask_bytes) ||
	    fbk_mul_overflows(span_count, sizeof(struct mask_span), &span_bytes) ||
	    fbk_mul_overflows((size_t)height + 1, sizeof(uint32_t), &index_bytes) ||
	    fbk_add_overflows(sizeof(*g), span_bytes, &bytes) ||
	    fbk_add_overflows(bytes, index_bytes, &bytes) ||
	    fbk_add_overflows(bytes, mask_bytes, &bytes) || span_count > UINT32_MAX ||
	    !(g = malloc(bytes))) {
		*err = fbk_fail(-ENOMEM, "out of memory for glyph %u", (unsigned)id);
		return NULL;
	}
	*g = (struct cached_glyph){ .serial = o->serial, .id = id, .subpixel = subpixel,
				    .bytes = bytes, .width = width, .height = height };
	g->left = left;
	g->top = top;
	struct mask_span *spans = (struct mask_span *)g->data;
	uint32_t *row_start = (uint32_t *)(g->data + span_bytes);
	uint8_t *mask = g->data + span_bytes + index_bytes;
	uint32_t k = 0;
	for (int32_t r = 0; r < height; r++) {
		const uint8_t *row = top_row + r * pitch;
		memcpy(mask + (size_t)r * (size_t)width, row, (size_t)width);
		row_start[r] = k;
		if (large)
			k += (uint32_t)row_spans(row, width, spans + k);
	}
	row_start[height] = k;
	g->spans = spans;
	g->row_start = row_start;
	g->mask = mask;
	size_t b = hash_key(g->serial, id, subpixel) & (cache.bucket_count - 1);
	g->chain = cache.buckets[b];
	cache.buckets[b] = g;
	push_newest(g);
	cache.count++;
	cache.memory += bytes;
	evict(g);
	return g;
}

/* ---- shaping and placing ------------------------------------------------- */

/* A glyph placed: pen position (26.6, y down) from the first line's origin. */
struct placed {
	const struct fbk_outline *font;
	uint32_t id;
	int64_t x, y;
};

struct placement {
	struct placed *glyphs;
	size_t count, capacity;
	int64_t *line_advance; /* 26.6, per line */
	size_t lines, line_capacity;
	int err;
};

static struct placed *add_glyph(struct placement *pl)
{
	if (pl->count == pl->capacity) {
		size_t capacity = pl->capacity ? pl->capacity * 2 : 128, bytes;
		struct placed *grown;
		if (fbk_mul_overflows(capacity, sizeof(*grown), &bytes) ||
		    !(grown = realloc(pl->glyphs, bytes))) {
			pl->err = fbk_fail(-ENOMEM, "out of memory placing glyphs");
			return NULL;
		}
		pl->glyphs = grown;
		pl->capacity = capacity;
	}
	return &pl->glyphs[pl->count++];
}

static int add_line(struct placement *pl)
{
	if (pl->lines == pl->line_capacity) {
		size_t capacity = pl->line_capacity ? pl->line_capacity * 2 : 8, bytes;
		int64_t *grown;
		if (fbk_mul_overflows(capacity, sizeof(*grown), &bytes) ||
		    !(grown = realloc(pl->line_advance, bytes)))
			return pl->err = fbk_fail(-ENOMEM, "out of memory placing lines");
		pl->line_advance = grown;
		pl->line_capacity = capacity;
	}
	pl->line_advance[pl->lines++] = 0;
	return 0;
}

static void free_placement(struct placement *pl)
{
	free(pl->glyphs);
	free(pl->line_advance);
}

/* The code points of one segment (no '\n' or '\t'), each with its font. */
struct segment {
	uint32_t *cps;
	const struct fbk_font **fonts;
	size_t count, capacity;
};

static bool is_mark(uint32_t cp)
{
#if FBK_HAVE_HARFBUZZ
	hb_unicode_general_category_t c = hb_unicode_general_category(hb_unicode_funcs_get_default(), cp);
	return c == HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK ||
	       c == HB_UNICODE_GENERAL_CATEGORY_SPACING_MARK ||
	       c == HB_UNICODE_GENERAL_CATEGORY_ENCLOSING_MARK;
#else
	return (cp >= 0x300 && cp < 0x370) || (cp >= 0x1ab0 && cp < 0x1b00) ||
	       (cp >= 0x1dc0 && cp < 0x1e00) || (cp >= 0x20d0 && cp < 0x2100) ||
	       (cp >= 0xfe20 && cp < 0xfe30);
#endif
}

/*
 * Spaces, punctuation and marks stay in the font of the character before
 * them when it has them, so a right-to-left phrase is one run and a mark
 * sits on its base; anything else takes the first font that has it.
 */
static bool keeps_font(uint32_t cp)
{
#if FBK_HAVE_HARFBUZZ
	hb_script_t s = hb_unicode_script(hb_unicode_funcs_get_default(), cp);
	return s == HB_SCRIPT_COMMON || s == HB_SCRIPT_INHERITED;
#else
	return cp == ' ' || is_mark(cp);
#endif
}

static const struct fbk_font *pick_font(const struct fbk_font *font, uint32_t cp,
					const struct fbk_font *previous)
{
	if (previous && (keeps_font(cp) || is_mark(cp)) &&
	    FT_Get_Char_Index(previous->outline->face, cp))
		return previous;
	if (FT_Get_Char_Index(font->outline->face, cp))
		return font;
	for (size_t i = 0; i < font->outline->fallback_count; i++)
		if (FT_Get_Char_Index(font->outline->fallbacks[i]->outline->face, cp))
			return font->outline->fallbacks[i];
	return font; /* its .notdef box */
}

#if !FBK_HAVE_HARFBUZZ
static int32_t glyph_advance(struct fbk_outline *o, uint32_t id)
{
	size_t slot = id % ADVANCE_SLOTS;
	if (o->advances[slot].id == id)
		return o->advances[slot].advance;
	FT_Fixed advance = 0;
	if (FT_Get_Advance(o->face, id, o->load_flags, &advance))
		advance = 0;
	/* 16.16 to 26.6, as HarfBuzz's FreeType functions convert it. */
	int32_t a = (int32_t)((advance + (1 << 9)) >> 10);
	o->advances[slot].id = id;
	o->advances[slot].advance = a;
	return a;
}
#endif

#if FBK_HAVE_HARFBUZZ
static hb_buffer_t *shared_buffer;

static hb_script_t script_of(uint32_t cp)
{
	return hb_unicode_script(hb_unicode_funcs_get_default(), cp);
}

/* Shape cps[start, end) (one font, one script) with the segment as context. */
static int64_t shape_run(struct placement *pl, const struct segment *seg, size_t start,
			 size_t end, hb_script_t script, int64_t pen, int64_t y)
{
	if (!shared_buffer) {
		shared_buffer = hb_buffer_create();
		if (!hb_buffer_allocation_successful(shared_buffer)) {
			pl->err = fbk_fail(-ENOMEM, "out of memory for shaping");
			return pen;
		}
	}
	hb_buffer_t *buf = shared_buffer;
	hb_buffer_clear_contents(buf);
	if (seg->count > INT32_MAX) {
		pl->err = fbk_fail(-EFBIG, "a line of %zu characters is too long to shape",
				   seg->count);
		return pen;
	}
	hb_buffer_add_codepoints(buf, seg->cps, (int)seg->count, (unsigned)start,
				 (int)(end - start));
	hb_direction_t dir = hb_script_get_horizontal_direction(script);
	hb_buffer_set_direction(buf, dir == HB_DIRECTION_RTL ? HB_DIRECTION_RTL : HB_DIRECTION_LTR);
	if (script != HB_SCRIPT_COMMON && script != HB_SCRIPT_INHERITED &&
	    script != HB_SCRIPT_UNKNOWN)
		hb_buffer_set_script(buf, script);
	hb_buffer_set_language(buf, hb_language_get_default());
	hb_buffer_guess_segment_properties(buf);
	struct fbk_outline *o = seg->fonts[start]->outline;
	hb_shape(o->hb, buf, NULL, 0);
	if (!hb_buffer_allocation_successful(buf)) {
		pl->err = fbk_fail(-ENOMEM, "out of memory for shaping");
		return pen;
	}
	unsigned n;
	const hb_glyph_info_t *info = hb_buffer_get_glyph_infos(buf, &n);
	const hb_glyph_position_t *pos = hb_buffer_get_glyph_positions(buf, NULL);
	for (unsigned i = 0; i < n; i++) {
		struct placed *p = add_glyph(pl);
		if (!p)
			return pen;
		*p = (struct placed){ .font = o, .id = info[i].codepoint,
				      .x = pen + pos[i].x_offset, .y = y - pos[i].y_offset };
		pen += pos[i].x_advance;
	}
	return pen;
}

static int64_t shape_segment(struct placement *pl, const struct segment *seg, int64_t pen,
			     int64_t y)
{
	size_t start = 0;
	hb_script_t run_script = HB_SCRIPT_COMMON;
	for (size_t i = 0; i < seg->count && !pl->err; i++) {
		hb_script_t s = script_of(seg->cps[i]);
		bool neutral = s == HB_SCRIPT_COMMON || s == HB_SCRIPT_INHERITED ||
			       s == HB_SCRIPT_UNKNOWN;
		bool split = i > start && (seg->fonts[i] != seg->fonts[start] ||
					   (!neutral && run_script != HB_SCRIPT_COMMON &&
					    s != run_script));
		if (split) {
			pen = shape_run(pl, seg, start, i, run_script, pen, y);
			start = i;
			run_script = HB_SCRIPT_COMMON;
		}
		if (!neutral && run_script == HB_SCRIPT_COMMON)
			run_script = s;
	}
	if (seg->count > start && !pl->err)
		pen = shape_run(pl, seg, start, seg->count, run_script, pen, y);
	return pen;
}
#else
/* One glyph per code point, with the 'kern' table's kerning inside a font's run. */
static int64_t shape_segment(struct placement *pl, const struct segment *seg, int64_t pen,
			     int64_t y)
{
	uint32_t previous = 0;
	const struct fbk_font *previous_font = NULL;
	for (size_t i = 0; i < seg->count; i++) {
		struct fbk_outline *o = seg->fonts[i]->outline;
		uint32_t id = FT_Get_Char_Index(o->face, seg->cps[i]);
		if (previous && previous_font == seg->fonts[i] && FT_HAS_KERNING(o->face)) {
			FT_Vector delta;
			if (!FT_Get_Kerning(o->face, previous, id, FT_KERNING_UNFITTED, &delta))
				pen += delta.x;
		}
		struct placed *p = add_glyph(pl);
		if (!p)
			return pen;
		*p = (struct placed){ .font = o, .id = id, .x = pen, .y = y };
		pen += glyph_advance(o, id);
		previous = id;
		previous_font = seg->fonts[i];
	}
	return pen;
}
#endif

static int segment_push(struct segment *seg, uint32_t cp, const struct fbk_font *font)
{
	if (seg->count == seg->capacity) {
		size_t capacity = seg->capacity ? seg->capacity * 2 : 128, bytes;
		if (fbk_mul_overflows(capacity, sizeof(*seg->cps) + sizeof(*seg->fonts), &bytes))
			return fbk_fail(-ENOMEM, "text too long");
		uint32_t *cps = realloc(seg->cps, capacity * sizeof(*cps));
		if (cps)
			seg->cps = cps;
		const struct fbk_font **fonts = realloc(seg->fonts, capacity * sizeof(*fonts));
		if (fonts)
			seg->fonts = fonts;
		if (!cps || !fonts)
			return fbk_fail(-ENOMEM, "out of memory shaping text");
		seg->capacity = capacity;
	}
	seg->cps[seg->count] = cp;
	seg->fonts[seg->count++] = font;
	return 0;
}

/* For tests: fbk_outline_placings(). */
static uint64_t placings;

uint64_t fbk_outline_placings(void)
{
	enter();
	uint64_t n = placings;
	leave();
	return n;
}

/*
 * Shape and place every glyph of the text: lines split at '\n' (the first
 * line's baseline at y 0, each next one line_height lower), segments
 * split at '\t' (which moves the pen to the next tab stop). Called locked.
 */
static int place_text(const struct fbk_font *font, const char *utf8, struct placement *pl)
{
	placings++;
	struct fbk_outline *o = font->outline;
	struct segment seg = { 0 };
	const uint8_t *s = (const uint8_t *)utf8;
	int64_t pen = 0, y = 0;
	int64_t tab = (int64_t)o->space_advance * TAB_SPACES;
	if (*s && add_line(pl))
		return pl->err;
	for (;;) {
		uint32_t cp = 0;
		size_t len = *s ? fbk_utf8_decode(s, SIZE_MAX, &cp) : 0;
		if (*s && !len) {
			cp = REPLACEMENT_CHARACTER; /* one for every bad byte */
			len = 1;
		}
		if (!*s || cp == '\n' || cp == '\t') {
			if (seg.count)
				pen = shape_segment(pl, &seg, pen, y);
			seg.count = 0;
			if (pl->err || !pl->lines)
				break;
			if (pen > pl->line_advance[pl->lines - 1])
				pl->line_advance[pl->lines - 1] = pen;
			if (!*s)
				break;
			if (cp == '\t') {
				pen = (pen < 0 ? 0 : pen / tab + 1) * tab;
				pl->line_advance[pl->lines - 1] = pen;
			} else {
				pen = 0;
				y += (int64_t)o->line_height * 64;
				if (add_line(pl))
					break;
			}
			s += len;
			continue;
		}
		const struct fbk_font *previous = seg.count ? seg.fonts[seg.count - 1] : NULL;
		int err = segment_push(&seg, cp, pick_font(font, cp, previous));
		if (err) {
			pl->err = err;
			break;
		}
		s += len;
	}
	free(seg.cps);
	free(seg.fonts);
	return pl->err;
}

/*
 * The shaped-text cache: texts as placed, keyed by the font (its serial
 * names face, size and hinting; fallbacks are the font's) and the text's
 * exact bytes (a hash, then a full compare), least recently drawn evicted
 * first past an eighth of the glyph cache's limit, beside it. A kiosk
 * redraws the same labels every frame, and shaping and fallback lookups
 * cost as much as blending a small glyph. The unit is a whole call's text,
 * not words cut at spaces: HarfBuzz may shape across a space (kerning,
 * contextual forms of the font's 'space' lookups), so only the whole text
 * is sure to shape as it did. What else decides shaping is fixed: no
 * features are passed, direction and script come from the text, the
 * language is HarfBuzz's default for the process. A font's new fallbacks
 * drop the texts keyed by it (no other font's shaping reads its list);
 * destroying a font drops the texts keyed by it and those that placed a
 * glyph of it as a fallback (placed glyphs point at fonts), and no other:
 * the fonts that listed it lose it from their lists, and shape as before
 * every character it did not give.
 */
/*
 * A text drawn again skips the glyph cache's lookups too: once one draw
 * has drawn every glyph of it (none left out by the clip), the entry
 * keeps each glyph's cache entry and where its box lies from the origin
 * (a pen position snaps to the same pixel offset and quarter pixel from
 * any whole-pixel origin), valid while the cache has removed no glyph.
 * Such a draw still leaves the glyphs in the LRU order a lookup of each
 * would: it moves them to the newest end in the text's order, unless
 * nothing has changed the order since the text's last draw, which left
 * them there already. A 16 px glyph's lookup cost as much as a third of
 * blending it.
 */
struct drawn {
	struct cached_glyph *glyph;
	int32_t x, y; /* the glyph's box from the origin and baseline */
};

struct shaped {
	struct shaped *chain;          /* next in the hash bucket */
	struct shaped *newer, *older;  /* the LRU list */
	uint64_t serial, hash;
	size_t length, bytes;
	struct placement pl;
	struct drawn *drawn;           /* pl.count entries, or NULL */
	bool resolved;                 /* drawn[] filled, while removals is cache.removals */
	uint64_t removals, reorders;   /* cache.removals then; cache.reorders after the last draw */
	int32_t pen_x0, pen_x1, pen_y0, pen_y1; /* the snapped pens' span, from the origin */
	/* The inked glyphs' boxes' bounds from the origin; whether each is small (one box). */
	int32_t box_x0, box_x1, box_y0, box_y1;
	bool boxes;
	char text[];                   /* length bytes and a NUL */
};

static struct {
	struct shaped **buckets;
	size_t bucket_count; /* a power of two, or 0 */
	size_t count;
	struct shaped *newest, *oldest;
} shaped_cache;

/* The shaped texts' bound: an eighth of the glyph cache's limit. */
static size_t shaped_limit(void)
{
	return cache.limit / 8;
}

static void shaped_unlink_lru(struct shaped *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		shaped_cache.newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		shaped_cache.oldest = e->newer;
	e->newer = e->older = NULL;
}

static void shaped_push_newest(struct shaped *e)
{
	e->older = shaped_cache.newest;
	e->newer = NULL;
	if (shaped_cache.newest)
		shaped_cache.newest->newer = e;
	shaped_cache.newest = e;
	if (!shaped_cache.oldest)
		shaped_cache.oldest = e;
}

static void shaped_remove(struct shaped *e)
{
	struct shaped **at = &shaped_cache.buckets[e->hash & (shaped_cache.bucket_count - 1)];
	while (*at != e)
		at = &(*at)->chain;
	*at = e->chain;
	shaped_unlink_lru(e);
	shaped_cache.count--;
	shaped_memory -= e->bytes;
	free_placement(&e->pl);
	free(e->drawn);
	free(e);
}

static size_t shaped_table_bytes(void)
{
	return shaped_cache.bucket_count * sizeof(*shaped_cache.buckets);
}

/* Drop the least recently drawn texts until the cache fits its bound. */
static void shaped_evict(size_t room)
{
	while (shaped_cache.oldest && shaped_memory + room > shaped_limit())
		shaped_remove(shaped_cache.oldest);
}

static void shaped_clear(void)
{
	while (shaped_cache.oldest)
		shaped_remove(shaped_cache.oldest);
	shaped_memory -= shaped_table_bytes();
	free(shaped_cache.buckets);
	shaped_cache.buckets = NULL;
	shaped_cache.bucket_count = 0;
}

/* Drop the kept texts of font `keyed`, and those with a glyph of font `placed` (unless NULL). */
static void shaped_drop(const struct fbk_outline *keyed, const struct fbk_outline *placed)
{
	struct shaped *e = shaped_cache.oldest, *newer;
	for (; e; e = newer) {
		newer = e->newer;
		bool uses = e->serial == keyed->serial;
		for (size_t i = 0; !uses && placed && i < e->pl.count; i++)
			uses = e->pl.glyphs[i].font == placed;
		if (uses)
			shaped_remove(e);
	}
	if (!shaped_cache.count)
		shaped_clear(); /* its table too */
}

/* Room for one more entry in the table: double it past one entry a bucket. */
static bool shaped_grow(void)
{
	if (shaped_cache.count < shaped_cache.bucket_count)
		return true;
	size_t count = shaped_cache.bucket_count ? shaped_cache.bucket_count * 2 : 64;
	size_t extra = (count - shaped_cache.bucket_count) * sizeof(*shaped_cache.buckets);
	if (shaped_memory + extra > shaped_limit())
		return shaped_cache.bucket_count != 0; /* longer chains still work */
	struct shaped **buckets = calloc(count, sizeof(*buckets));
	if (!buckets)
		return shaped_cache.bucket_count != 0;
	for (size_t i = 0; i < shaped_cache.bucket_count; i++) {
		struct shaped *e = shaped_cache.buckets[i], *next;
		for (; e; e = next) {
			next = e->chain;
			e->chain = buckets[e->hash & (count - 1)];
			buckets[e->hash & (count - 1)] = e;
		}
	}
	free(shaped_cache.buckets);
	shaped_cache.buckets = buckets;
	shaped_cache.bucket_count = count;
	shaped_memory += extra;
	return true;
}

static struct shaped *shaped_find(uint64_t serial, uint64_t hash, const char *text,
				  size_t length)
{
	if (!shaped_cache.bucket_count)
		return NULL;
	struct shaped *e = shaped_cache.buckets[hash & (shaped_cache.bucket_count - 1)];
	for (; e; e = e->chain)
		if (e->hash == hash && e->serial == serial && e->length == length &&
		    !memcmp(e->text, text, length))
			return e;
	return NULL;
}

/*
 * The kept text utf8 of font, or NULL, with the hash and length it is (or
 * would be) kept under. Called locked.
 */
static struct shaped *shaped_lookup(const struct fbk_font *font, const char *utf8,
				    uint64_t *hash, size_t *length)
{
	uint64_t serial = font->outline->serial;
	*hash = fbk_text_hash(serial, utf8, length);
	return shaped_find(serial, *hash, utf8, *length);
}

/*
 * The text placed, from the shaped-text cache or placed now into `own`
 * (which the caller frees; a placement moved into the cache leaves it
 * empty). NULL with *err on failure. Called locked.
 */
static const struct placement *placed_text(const struct fbk_font *font, const char *utf8,
					   struct placement *own, struct shaped **entry, int *err)
{
	if (entry)
		*entry = NULL;
	uint64_t serial = font->outline->serial, hash;
	size_t length;
	struct shaped *e = shaped_lookup(font, utf8, &hash, &length);
	if (e) {
		if (e != shaped_cache.newest) {
			shaped_unlink_lru(e);
			shaped_push_newest(e);
		}
		if (entry)
			*entry = e;
		return &e->pl;
	}
	*err = place_text(font, utf8, own);
	if (*err)
		return NULL;
	/* Kept at their sizes. */
	if (own->count < own->capacity) {
		struct placed *glyphs = realloc(own->glyphs, own->count * sizeof(*glyphs));
		if (glyphs) {
			own->glyphs = glyphs;
			own->capacity = own->count;
		}
	}
	if (own->lines < own->line_capacity) {
		int64_t *lines = realloc(own->line_advance, own->lines * sizeof(*lines));
		if (lines) {
			own->line_advance = lines;
			own->line_capacity = own->lines;
		}
	}
	size_t bytes = sizeof(*e) + length + 1 + own->capacity * sizeof(*own->glyphs) +
		       own->line_capacity * sizeof(*own->line_advance) +
		       own->count * sizeof(*e->drawn);
	/* Too large for the bound, or no memory: drawn, not kept. */
	if (bytes > shaped_limit() || !shaped_grow())
		return own;
	shaped_evict(bytes);
	if (shaped_memory + bytes > shaped_limit() || !(e = malloc(sizeof(*e) + length + 1)))
		return own;
	*e = (struct shaped){ .serial = serial, .hash = hash, .length = length, .bytes = bytes,
			      .pl = *own };
	/* No room to keep the glyphs: drawn with lookups, as a text not kept. */
	if (own->count)
		e->drawn = malloc(own->count * sizeof(*e->drawn));
	memcpy(e->text, utf8, length + 1);
	*own = (struct placement){ 0 };
	size_t b = hash & (shaped_cache.bucket_count - 1);
	e->chain = shaped_cache.buckets[b];
	shaped_cache.buckets[b] = e;
	shaped_push_newest(e);
	shaped_cache.count++;
	shaped_memory += bytes;
	if (entry)
		*entry = e;
	return &e->pl;
}

/* ---- drawing ------------------------------------------------------------- */

struct mask_painter {
	uint8_t *pixels;
	size_t stride;
	int bpp;
	const struct fbk_row_codec *codec;
	const struct fbk_row_ops *ops;
	bool dst_has_alpha;
	bool opaque; /* fg.a == 255 */
	uint32_t argb, packed;
	/*
	 * The one-pass kernels onto stored pixels (a row, a box of rows) where
	 * the format has them (XRGB8888, RGB565): the same integers as unpack,
	 * blend, pack, without the row copies that took a third of a warm
	 * glyph's time. NULL: the codec's way.
	 */
	void (*masked)(uint8_t *dst, uint32_t argb, const uint8_t *mask, int32_t n);
	void (*masked_box)(uint8_t *dst, size_t stride, uint32_t argb, const uint8_t *mask,
			   int32_t n, int32_t rows);
	void (*masked_boxes)(size_t stride, uint32_t argb, const struct fbk_mask_box *boxes,
			     size_t count);
	int64_t clip_x0, clip_y0, clip_x1, clip_y1;
};

/*
 * A small glyph's clipped box in one kernel call, through its mask rows
 * (contiguous already unless the clip cuts the glyph's sides): the box
 * kernel on stored pixels where the format has one, else its rows unpacked
 * one after another into one buffer, blended at once and packed back.
 * Kernels pay per call, and a 16-pixel glyph's rows are only a few pixels
 * wide.
 */
static void blend_box(const struct mask_painter *p, const struct cached_glyph *g, int64_t gx,
		      int64_t gy, int64_t x0, int64_t y0, int32_t n, int32_t rows)
{
	uint32_t px[BOX_PIXELS];
	uint8_t cut[BOX_PIXELS];
	const uint8_t *mask = g->mask + (size_t)(y0 - gy) * (size_t)g->width + (size_t)(x0 - gx);
	if (n != g->width) {
		for (int32_t r = 0; r < rows; r++)
			memcpy(cut + (size_t)r * (size_t)n, mask + (size_t)r * (size_t)g->width,
			       (size_t)n);
		mask = cut;
	}
	uint8_t *first = p->pixels + (size_t)y0 * p->stride + (size_t)x0 * (size_t)p->bpp;
	if (p->masked_box) {
		p->masked_box(first, p->stride, p->argb, mask, n, rows);
		return;
	}
	uint8_t *row = first;
	for (int32_t r = 0; r < rows; r++, row += p->stride)
		p->codec->unpack(px + (size_t)r * (size_t)n, row, n);
	if (p->dst_has_alpha)
		fbk_over_color_mask_row(px, p->argb, mask, n * rows, true);
	else
		p->ops->over_color_mask_opaque_dst(px, p->argb, mask, n * rows);
	row = first;
	for (int32_t r = 0; r < rows; r++, row += p->stride)
		p->codec->pack(row, px + (size_t)r * (size_t)n, n);
}

/*
 * A glyph's mask at (gx, gy), cut to the clip: small ones as one box,
 * larger ones span by span: full spans of
 * an opaque colour are stored with the fill kernel (what blending would
 * give), the others go through the A8 mask kernels.
 */
static void blend_glyph(const struct mask_painter *p, const struct cached_glyph *g, int64_t gx,
			int64_t gy)
{
	int64_t y0 = gy > p->clip_y0 ? gy : p->clip_y0;
	int64_t y1 = gy + g->height < p->clip_y1 ? gy + g->height : p->clip_y1;
	if (gx >= p->clip_x1 || gx + g->width <= p->clip_x0 || y0 >= y1)
		return;
	int64_t x0 = gx > p->clip_x0 ? gx : p->clip_x0;
	int64_t x1 = gx + g->width < p->clip_x1 ? gx + g->width : p->clip_x1;
	if ((x1 - x0) * (y1 - y0) <= BOX_PIXELS) {
		blend_box(p, g, gx, gy, x0, y0, (int32_t)(x1 - x0), (int32_t)(y1 - y0));
		return;
	}
	/* The clip in the glyph's columns. */
	int64_t c0 = p->clip_x0 - gx, c1 = p->clip_x1 - gx;
	uint8_t *row = p->pixels + (size_t)y0 * p->stride;
	for (int64_t y = y0; y < y1; y++, row += p->stride) {
		int64_t r = y - gy;
		const uint8_t *mask = g->mask + (size_t)r * (size_t)g->width;
		for (uint32_t k = g->row_start[r]; k < g->row_start[r + 1]; k++) {
			const struct mask_span *s = &g->spans[k];
			int64_t a = s->x > c0 ? s->x : c0, b = s->x + s->n < c1 ? s->x + s->n : c1;
			if (a >= b)
				continue;
			int32_t n = (int32_t)(b - a);
			uint8_t *at = row + (size_t)(gx + a) * (size_t)p->bpp;
			if (s->full && p->opaque) {
				p->ops->fill_row(at, p->packed, p->bpp, n);
			} else if (p->masked) {
				p->masked(at, p->argb, mask + a, n);
			} else if (p->dst_has_alpha) {
				fbk_blend_mask_span(at, p->codec, p->bpp, n, p->argb, mask + a, true);
			} else {
				uint32_t px[FBK_ROW_CHUNK];
				for (int32_t done = 0; done < n; done += FBK_ROW_CHUNK) {
					int32_t count = n - done < FBK_ROW_CHUNK ? n - done : FBK_ROW_CHUNK;
					uint8_t *chunk = at + (size_t)done * (size_t)p->bpp;
					p->codec->unpack(px, chunk, count);
					p->ops->over_color_mask_opaque_dst(px, p->argb, mask + a + done,
									   count);
					p->codec->pack(chunk, px, count);
				}
			}
		}
	}
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/*
 * Where a pen position (26.6, from origin pixel x) puts a glyph: the pixel
 * and the quarter of it nearest the pen.
 */
static void snap(int64_t origin, int64_t pos, int64_t *pixel, uint32_t *subpixel)
{
	int64_t q = floor_div(origin * 64 + pos + 64 / SUBPIXELS / 2, 64 / SUBPIXELS);
	*pixel = floor_div(q, SUBPIXELS);
	*subpixel = (uint32_t)(q - *pixel * SUBPIXELS);
}

static int64_t round_26_6(int64_t v)
{
	return floor_div(v + 32, 64);
}

static void fill_box(const struct mask_painter *p, int64_t x0, int64_t y0, int64_t x1, int64_t y1,
		     struct fbk_color bg, uint32_t format)
{
	if (x0 < p->clip_x0)
		x0 = p->clip_x0;
	if (y0 < p->clip_y0)
		y0 = p->clip_y0;
	if (x1 > p->clip_x1)
		x1 = p->clip_x1;
	if (y1 > p->clip_y1)
		y1 = p->clip_y1;
	if (x0 >= x1 || y0 >= y1 || bg.a == 0)
		return;
	uint32_t packed = fbk_color_pack(format, bg);
	bool has_alpha = p->dst_has_alpha;
	for (int64_t y = y0; y < y1; y++) {
		uint8_t *at = p->pixels + (size_t)y * p->stride + (size_t)x0 * (size_t)p->bpp;
		if (bg.a == 255)
			fbk_fill_row(at, packed, p->bpp, (int32_t)(x1 - x0));
		else
			fbk_blend_color_span(at, p->codec, p->bpp, (int32_t)(x1 - x0), fbk_argb(bg),
					     has_alpha);
	}
}

/* How far from its pen a glyph of the largest size can reach: far less than this. */
#define REACH ((int64_t)FBK_FONT_MAX_PIXEL_SIZE * 4)

static bool fits_int32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

/*
 * Each glyph looked up (rendered if the cache lacks it) and drawn, but
 * those the clip leaves out; a kept text (e) whose every glyph was drawn
 * keeps them for draw_resolved. Called locked.
 */
static int draw_looked_up(const struct mask_painter *p, const struct placement *pl,
			  struct shaped *e, int64_t x, int64_t baseline)
{
	uint64_t removals = cache.removals;
	bool every = e && e->drawn, boxes = true;
	int64_t x0 = INT64_MAX, x1 = INT64_MIN, y0 = INT64_MAX, y1 = INT64_MIN;
	int64_t bx0 = INT64_MAX, bx1 = INT64_MIN, by0 = INT64_MAX, by1 = INT64_MIN;
	int err = 0;
	if (e)
		e->resolved = false;
	for (size_t i = 0; i < pl->count; i++) {
		const struct placed *g = &pl->glyphs[i];
		int64_t pen_y = round_26_6(g->y), gy = baseline + pen_y;
		if (gy + REACH < p->clip_y0 || gy - REACH >= p->clip_y1) {
			every = false;
			continue;
		}
		int64_t gx;
		uint32_t subpixel;
		snap(x, g->x, &gx, &subpixel);
		if (gx + REACH < p->clip_x0 || gx - REACH >= p->clip_x1) {
			every = false;
			continue;
		}
		struct cached_glyph *c = get_glyph((struct fbk_outline *)g->font, g->id, subpixel, &err);
		if (!c)
			break;
		if (c->width)
			blend_glyph(p, c, gx + c->left, gy - c->top);
		int64_t pen_x = gx - x, box_x = pen_x + c->left, box_y = pen_y - c->top;
		if (!every || !fits_int32(box_x) || !fits_int32(box_y)) {
			every = false;
			continue;
		}
		e->drawn[i] = (struct drawn){ c, (int32_t)box_x, (int32_t)box_y };
		if (c->width) {
			boxes = boxes && (int64_t)c->width * c->height <= BOX_PIXELS;
			bx0 = box_x < bx0 ? box_x : bx0;
			by0 = box_y < by0 ? box_y : by0;
			bx1 = box_x + c->width > bx1 ? box_x + c->width : bx1;
			by1 = box_y + c->height > by1 ? box_y + c->height : by1;
		}
		x0 = pen_x < x0 ? pen_x : x0;
		x1 = pen_x > x1 ? pen_x : x1;
		y0 = pen_y < y0 ? pen_y : y0;
		y1 = pen_y > y1 ? pen_y : y1;
	}
	/* Lookups that rendered a glyph may have evicted one kept above. */
	if (every && !err && pl->count && cache.removals == removals && fits_int32(x0) &&
	    fits_int32(x1) && fits_int32(y0) && fits_int32(y1)) {
		e->resolved = true;
		e->removals = removals;
		e->reorders = cache.reorders;
		e->pen_x0 = (int32_t)x0;
		e->pen_x1 = (int32_t)x1;
		e->pen_y0 = (int32_t)y0;
		e->pen_y1 = (int32_t)y1;
		/* A text of spaces has no boxes: its bounds stay out of range. */
		e->boxes = boxes && fits_int32(bx0) && fits_int32(bx1) && fits_int32(by0) &&
			   fits_int32(by1);
		if (e->boxes) {
			e->box_x0 = (int32_t)bx0;
			e->box_x1 = (int32_t)bx1;
			e->box_y0 = (int32_t)by0;
			e->box_y1 = (int32_t)by1;
		}
	}
	return err;
}

/* Boxes handed to the kernel a call: a line of text's glyphs, on the stack. */
#define BOXES_A_CALL 64

/*
 * A kept text's glyphs from the pointers it keeps (see struct drawn), the
 * clip known to leave none out, then the LRU order they would have left.
 */
static void draw_resolved(const struct mask_painter *p, struct shaped *e, int64_t x,
			  int64_t baseline)
{
	const struct drawn *d = e->drawn;
	size_t n = e->pl.count;
	if (p->masked_box && e->boxes && x + e->box_x0 >= p->clip_x0 &&
	    x + e->box_x1 <= p->clip_x1 && baseline + e->box_y0 >= p->clip_y0 &&
	    baseline + e->box_y1 <= p->clip_y1) {
		/*
		 * Every box inside the clip and small: each glyph's whole mask
		 * straight to the box kernel, with none of blend_glyph's
		 * clipping and choosing per glyph.
		 */
		struct fbk_mask_box boxes[BOXES_A_CALL];
		size_t count = 0;
		for (size_t i = 0; i < n; i++) {
			const struct cached_glyph *g = d[i].glyph;
			if (!g->width)
				continue;
			uint8_t *first = p->pixels + (size_t)(baseline + d[i].y) * p->stride +
					 (size_t)(x + d[i].x) * (size_t)p->bpp;
			if (!p->masked_boxes) {
				p->masked_box(first, p->stride, p->argb, g->mask, g->width, g->height);
				continue;
			}
			boxes[count++] = (struct fbk_mask_box){ first, g->mask, g->width, g->height };
			if (count == BOXES_A_CALL) {
				p->masked_boxes(p->stride, p->argb, boxes, count);
				count = 0;
			}
		}
		if (count)
			p->masked_boxes(p->stride, p->argb, boxes, count);
	} else {
		for (size_t i = 0; i < n; i++)
			if (d[i].glyph->width)
				blend_glyph(p, d[i].glyph, x + d[i].x, baseline + d[i].y);
	}
	if (e->reorders != cache.reorders)
		for (size_t i = 0; i < n; i++)
			touch_glyph(d[i].glyph);
	e->reorders = cache.reorders;
}

int fbk_outline_draw(struct fbk_surface *dst, const struct fbk_font *font, int32_t x, int32_t y,
		     bool top, const char *utf8, struct fbk_color fg, const struct fbk_color *bg)
{
	struct fbk_outline *o = font->outline;
	struct fbk_rect bounds = { 0, 0, dst->width, dst->height }, clip;
	if (!fbk_rect_intersect(&bounds, &dst->clip, &clip) || (fg.a == 0 && (!bg || bg->a == 0)))
		return 0;
	const struct fbk_format_info *info = fbk_format_info(dst->format);
	struct mask_painter p = {
		.pixels = dst->pixels,
		.stride = dst->stride,
		.bpp = info->bytes_per_pixel,
		.codec = fbk_row_codec(dst->format),
		.ops = fbk_row_ops(),
		.dst_has_alpha = info->alpha.length != 0,
		.argb = fbk_argb(fg),
		.opaque = fg.a == 255,
		.packed = fbk_color_pack(dst->format, fg),
		.clip_x0 = clip.x,
		.clip_y0 = clip.y,
		.clip_x1 = (int64_t)clip.x + clip.w,
		.clip_y1 = (int64_t)clip.y + clip.h,
	};
	if (dst->format == FBK_FORMAT_XRGB8888) {
		p.masked = p.ops->over_color_mask_onto_xrgb;
		p.masked_box = p.ops->over_color_mask_box_onto_xrgb;
		p.masked_boxes = p.ops->over_color_mask_boxes_onto_xrgb;
	} else if (dst->format == FBK_FORMAT_RGB565) {
		p.masked = p.ops->over_color_mask_onto_rgb565;
		p.masked_box = p.ops->over_color_mask_box_onto_rgb565;
	}
	int64_t baseline = top ? (int64_t)y + o->ascent : y;
	struct placement own = { 0 };
	int err = 0;
	enter();
	struct shaped *e;
	const struct placement *pl = placed_text(font, utf8, &own, &e, &err);
	if (!err && bg && bg->a) {
		for (size_t l = 0; l < pl->lines; l++) {
			int64_t line_top = baseline - o->ascent + (int64_t)l * o->line_height;
			int64_t advance = (pl->line_advance[l] + 63) / 64;
			fill_box(&p, x, line_top, x + advance, line_top + o->line_height, *bg,
				 dst->format);
		}
	}
	if (!err && fg.a) {
		if (e && e->resolved && e->removals == cache.removals &&
		    baseline + e->pen_y0 + REACH >= p.clip_y0 &&
		    baseline + e->pen_y1 - REACH < p.clip_y1 &&
		    (int64_t)x + e->pen_x0 + REACH >= p.clip_x0 &&
		    (int64_t)x + e->pen_x1 - REACH < p.clip_x1)
			draw_resolved(&p, e, x, baseline);
		else
			err = draw_looked_up(&p, pl, e, x, baseline);
	}
	leave();
	free_placement(&own);
	return err;
}

int fbk_outline_extents(const struct fbk_font *font, const char *utf8,
			struct fbk_text_extents *out)
{
	struct fbk_outline *o = font->outline;
	struct placement own = { 0 };
	int err = 0;
	enter();
	const struct placement *pl = placed_text(font, utf8, &own, NULL, &err);
	int64_t ix0 = INT64_MAX, iy0 = INT64_MAX, ix1 = INT64_MIN, iy1 = INT64_MIN;
	for (size_t i = 0; !err && i < pl->count; i++) {
		const struct placed *g = &pl->glyphs[i];
		int64_t gx, gy = o->ascent + round_26_6(g->y);
		uint32_t subpixel;
		snap(0, g->x, &gx, &subpixel);
		const struct cached_glyph *c =
			get_glyph((struct fbk_outline *)g->font, g->id, subpixel, &err);
		if (!c || !c->width)
			continue;
		int64_t x0 = gx + c->left, y0 = gy - c->top;
		if (x0 < ix0)
			ix0 = x0;
		if (y0 < iy0)
			iy0 = y0;
		if (x0 + c->width > ix1)
			ix1 = x0 + c->width;
		if (y0 + c->height > iy1)
			iy1 = y0 + c->height;
	}
	int64_t widest = 0;
	size_t lines = err ? 0 : pl->lines;
	for (size_t l = 0; l < lines; l++)
		if (pl->line_advance[l] > widest)
			widest = pl->line_advance[l];
	int64_t last = lines ? pl->line_advance[lines - 1] : 0;
	leave();
	int64_t width = (widest + 63) / 64, height = (int64_t)lines * o->line_height;
	if (!err && (width > INT32_MAX || height > INT32_MAX || ix0 < INT32_MIN ||
		     iy1 > INT32_MAX || (ix1 > ix0 && ix1 - ix0 > INT32_MAX)))
		err = fbk_fail(-EFBIG, "text of %zu lines is too large to measure", lines);
	if (!err) {
		out->width = (int32_t)width;
		out->height = (int32_t)height;
		out->ascent = o->ascent;
		out->descent = o->descent;
		out->line_height = o->line_height;
		out->advance = last > INT32_MAX ? INT32_MAX : (int32_t)last;
		if (ix1 > ix0)
			out->ink = (struct fbk_rect){ (int32_t)ix0, (int32_t)iy0, (int32_t)(ix1 - ix0),
						      (int32_t)(iy1 - iy0) };
	}
	free_placement(&own);
	return err;
}

int fbk_outline_width(const struct fbk_font *font, const char *utf8, int64_t *advance)
{
	struct placement pl = { 0 };
	const struct placement *from = &pl;
	uint64_t hash;
	size_t length;
	int err = 0;
	enter();
	/* A kept text's lines as they were placed: the same advances as placing it now. */
	const struct shaped *e = shaped_lookup(font, utf8, &hash, &length);
	if (e)
		from = &e->pl;
	else
		err = place_text(font, utf8, &pl);
	*advance = 0;
	for (size_t l = 0; !err && l < from->lines; l++)
		if (from->line_advance[l] > *advance)
			*advance = from->line_advance[l];
	leave();
	free_placement(&pl);
	return err;
}

static size_t copy_glyphs(const struct placement *pl, uint32_t *ids, int64_t *x, int64_t *y,
			  size_t max)
{
	for (size_t i = 0; i < pl->count && i < max; i++) {
		ids[i] = pl->glyphs[i].id;
		x[i] = pl->glyphs[i].x;
		y[i] = pl->glyphs[i].y;
	}
	return pl->count;
}

size_t fbk_outline_glyphs(const struct fbk_font *font, const char *utf8, uint32_t *ids,
			  int64_t *x, int64_t *y, size_t max)
{
	struct placement pl = { 0 };
	enter();
	int err = place_text(font, utf8, &pl);
	leave();
	size_t n = err ? 0 : copy_glyphs(&pl, ids, x, y, max);
	free_placement(&pl);
	return n;
}

size_t fbk_outline_shaped_glyphs(const struct fbk_font *font, const char *utf8, uint32_t *ids,
				 int64_t *x, int64_t *y, size_t max)
{
	struct placement own = { 0 };
	int err = 0;
	enter();
	const struct placement *pl = placed_text(font, utf8, &own, NULL, &err);
	size_t n = err ? 0 : copy_glyphs(pl, ids, x, y, max);
	leave();
	free_placement(&own);
	return n;
}

bool fbk_outline_shaped_cached(const struct fbk_font *font, const char *utf8)
{
	uint64_t hash;
	size_t length;
	enter();
	bool cached = shaped_lookup(font, utf8, &hash, &length) != NULL;
	leave();
	return cached;
}
