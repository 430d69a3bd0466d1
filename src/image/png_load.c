/*
 * Reading PNG files with libpng, straight from a read-only mapping into a
 * surface. The handle holds only the mapping and the header; every draw
 * runs a fresh libpng decoder over the bytes (so threads can share a
 * handle), and each decoded row is handed to fbk_blit as a one-row
 * ARGB8888 surface, or to the scaler, as soon as it exists. Nothing
 * image-sized is allocated, except one bounded buffer of the visible rows
 * of an Adam7-interlaced image.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "fbkit/png.h"

/* What messages call a PNG that came from memory. */
static const char *name_or_default(const char *name)
{
	return name && *name ? name : "PNG data";
}

#if FBK_HAVE_PNG

#include <fcntl.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/clip.h"
#include "platform/map_guard.h"
#include "core/overflow.h"
#include "image/resample.h"

#define DEFAULT_MAX_PIXELS ((uint64_t)128 << 20)
#define DEFAULT_MAX_CHUNK_BYTES (8u << 20)

/*
 * libpng asks the read callback for IDAT data in pieces this large
 * (default 8 KiB): fewer, larger copies out of the mapping.
 */
#define IDAT_PIECE (64u * 1024)

/* Signature, IHDR length and type, its 13 bytes of data, its CRC. */
#define HEAD_BYTES 33

struct fbk_png {
	const uint8_t *data; /* the whole file */
	size_t size;
	void *map;           /* our mapping of data, or NULL for a caller's buffer */
	dev_t dev;           /* the mapped file as it was when opened, */
	ino_t ino;           /* to tell a file changed under us from a corrupt one */
	struct timespec mtime;
	char *name;          /* the path, the caller's name, or "PNG data" */
	struct fbk_png_limits limits; /* defaults filled in */
	struct fbk_png_info info;
};

/*
 * Where decoded rows go: straight onto dst (resampler NULL) or through the
 * scaler. Rows first .. end - 1 of the image may be needed; decoding stops
 * at end.
 */
struct sink {
	struct fbk_surface *dst;
	enum fbk_op op;
	uint32_t row_format;        /* rows blitted: ARGB8888, or XRGB8888 (see opaque_byte) */
	struct fbk_rect area;       /* the dst pixels this draw may change */
	int32_t first, end;
	int32_t left;               /* plain: first visible image column */
	bool direct;                /* plain: libpng writes rows straight into dst */
	struct fbk_resampler *resampler;
	int32_t top;                /* scaled: dst row of output row 0 */
};

/* Where a session is: what a warning or an error there means depends on it. */
enum phase {
	PHASE_HEADER, /* png_read_info: chunks before the image data */
	PHASE_ROWS,   /* png_read_row */
	PHASE_END,    /* png_read_end: the rest of the zlib stream and the chunks after it */
};

/* One decoder run over a handle: everything the libpng callbacks and the error path see. */
struct session {
	const struct fbk_png *png;
	png_structp lib;
	png_infop info;
	size_t offset;        /* next byte the read callback hands to libpng */
	size_t last_header;   /* offset of the last chunk header handed to libpng */
	bool over_limit;      /* libpng stopped at a chunk over max_chunk_bytes */
	enum phase phase;
	int err;              /* an error of ours that stopped decoding (message recorded) */
	bool file_changed;    /* the mapping faulted, or the header is not what open saw */
	bool out_of_memory;
	bool index_logged;    /* the palette index warning was logged this run */
	int held;             /* warnings not logged yet */
	bool end_warned;      /* one of them came after the last row */
	char reason[200];     /* libpng's message for the error that stopped it */
	char warning[120];    /* its last warning: says what "Invalid IHDR data" means */
	char first_held[120]; /* the first of the held warnings */

	bool indexed;         /* palette image: rows come as one index byte per pixel */
	bool check_indices;   /* the palette is shorter than the bit depth allows */
	int palette_size;
	uint32_t palette[256];
	size_t row_bytes;     /* bytes per decoded row */
	uint8_t *rows;        /* one decoded row, or Adam7's rows first .. end - 1 */
	uint32_t *argb;       /* palette images: a row looked up into 0xAARRGGBB */
	int passes;
};

/* ---- libpng callbacks ---------------------------------------------------- */

static void on_error(png_structp lib, png_const_charp message)
{
	struct session *s = png_get_error_ptr(lib);
	snprintf(s->reason, sizeof(s->reason), "%s", message);
	png_longjmp(lib, 1);
}

/* Our allocator only so that running out of memory is not reported as corruption. */
static png_voidp on_malloc(png_structp lib, png_alloc_size_t size)
{
	void *p = malloc(size);
	struct session *s = png_get_mem_ptr(lib);
	if (!p && s)
		s->out_of_memory = true;
	return p;
}

static void on_free(png_structp lib, png_voidp p)
{
	(void)lib;
	free(p);
}

/* Copy n bytes at offset out of the data; -EIO if the mapping faulted. */
static int copy_out(const struct fbk_png *png, size_t offset, void *out, size_t n)
{
	if (!png->map) {
		memcpy(out, png->data + offset, n);
		return 0;
	}
	return fbk_map_guard_copy(out, png->data + offset, n, png->map, png->size);
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The only code that reads the image data: straight from the mapping. */
static void on_read(png_structp lib, png_bytep out, size_t length)
{
	struct session *s = png_get_io_ptr(lib);
	if (length > s->png->size - s->offset)
		png_error(lib, "the data ends early (truncated file)");
	if (copy_out(s->png, s->offset, out, length)) {
		s->file_changed = true;
		png_error(lib, "file changed while reading");
	}
	if ((png_get_io_state(lib) & PNG_IO_MASK_LOC) == PNG_IO_CHUNK_HDR)
		s->last_header = s->offset;
	s->offset += length;
}

/*
 * Whether libpng's warning is about a chunk over max_chunk_bytes (which
 * png_set_chunk_malloc_max gave it): libpng reports that as a benign
 * error, and would skip the chunk, but the limit is the caller's, so it
 * fails with -EFBIG. libpng checks a chunk's length right after reading
 * its header and before its data, so the chunk is the one whose header
 * was read last, and its length field says whether it is over. IDAT is
 * not held to the limit (libpng bounds it by the image size).
 */
static bool over_chunk_limit(const struct session *s)
{
	uint8_t head[8];
	if ((png_get_io_state(s->lib) & PNG_IO_MASK_LOC) != PNG_IO_CHUNK_HDR ||
	    s->offset - s->last_header != 8 || copy_out(s->png, s->last_header, head, 8))
		return false;
	return load_be32(head) > s->png->limits.max_chunk_bytes && memcmp(head + 4, "IDAT", 4);
}

/*
 * libpng's warnings and, as its defaults have them, its benign errors:
 * the image is shown, and they are one line in fbkit's log per open or
 * draw (libpng's default handler would print to stderr, which the library
 * never does). They are held back (log_held) until the run succeeds: a
 * header warning may be the detail of the error that follows it, and what
 * a warning after the last row means is for read_end to decide. A draw
 * reads the header again and repeats its warnings, which open has logged.
 */
static void on_warning(png_structp lib, png_const_charp message)
{
	struct session *s = png_get_error_ptr(lib);
	snprintf(s->warning, sizeof(s->warning), "%s", message);
	if (over_chunk_limit(s)) {
		s->over_limit = true;
		png_error(lib, message);
	}
	fbk_log(FBK_LOG_DEBUG, "%s: libpng: %s", s->png->name, message);
	s->end_warned |= s->phase == PHASE_END;
	if (!s->held++)
		snprintf(s->first_held, sizeof(s->first_held), "%s", message);
}

/* One line for the warnings held back, then none are held. */
static void log_held(struct session *s)
{
	if (s->held > 1)
		fbk_log(FBK_LOG_WARNING, "%s: libpng: %s, and %d more warnings (shown anyway)",
			s->png->name, s->first_held, s->held - 1);
	else if (s->held)
		fbk_log(FBK_LOG_WARNING, "%s: libpng: %s (shown anyway)", s->png->name,
			s->first_held);
	s->held = 0;
}

/* ---- sessions ------------------------------------------------------------ */

static int session_begin(struct session *s, const struct fbk_png *png)
{
	*s = (struct session){ .png = png };
	s->lib = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, s, on_error, on_warning, s,
					  on_malloc, on_free);
	if (!s->lib)
		return fbk_fail(-ENOMEM, "%s: out of memory for libpng", png->name);
	s->info = png_create_info_struct(s->lib);
	if (!s->info) {
		png_destroy_read_struct(&s->lib, NULL, NULL);
		return fbk_fail(-ENOMEM, "%s: out of memory for libpng", png->name);
	}
	png_set_read_fn(s->lib, s, on_read);
	return 0;
}

static void session_end(struct session *s)
{
	png_destroy_read_struct(&s->lib, &s->info, NULL);
	free(s->rows);
	free(s->argb);
}

/* True when the mapped file is no longer what was opened: truncated or rewritten in place. */
static bool file_changed_on_disk(const struct fbk_png *png)
{
	struct stat st;
	if (!png->map || stat(png->name, &st) || st.st_dev != png->dev || st.st_ino != png->ino)
		return false;
	return (uint64_t)st.st_size != png->size || st.st_mtim.tv_sec != png->mtime.tv_sec ||
	       st.st_mtim.tv_nsec != png->mtime.tv_nsec;
}

/* The error that stopped a session, as an errno and a message naming the file. */
static int session_error(struct session *s)
{
	const char *name = s->png->name;
	if (s->err)
		return s->err;
	if (s->out_of_memory)
		return fbk_fail(-ENOMEM, "%s: out of memory while decoding", name);
	if (s->file_changed || file_changed_on_disk(s->png))
		return fbk_fail(-EIO, "%s: %s", name,
				s->png->map ? "file changed while reading (it was truncated or "
					      "replaced while mapped)"
					    : "data changed while reading (the buffer must stay "
					      "unchanged until fbk_png_close)");
	if (s->over_limit)
		return fbk_fail(-EFBIG,
				"%s: %s: a chunk is over the limit of %u bytes (max_chunk_bytes)",
				name, s->reason, (unsigned)s->png->limits.max_chunk_bytes);
	/* libpng says what is wrong with a header in warnings before its error. */
	if (s->phase == PHASE_HEADER && s->warning[0])
		return fbk_fail(-EBADMSG, "%s: corrupt PNG: %s (%s)", name, s->reason, s->warning);
	return fbk_fail(-EBADMSG, "%s: corrupt PNG: %s", name, s->reason);
}

typedef void (*step_fn)(struct session *s, struct sink *k);

/*
 * The only function that calls setjmp. It changes no local after setjmp,
 * and every piece of state the error path reads lives in *s, outside this
 * stack frame, so nothing here needs volatile.
 */
static int run_protected(struct session *s, step_fn step, struct sink *k)
{
	if (setjmp(png_jmpbuf(s->lib)))
		return session_error(s);
	step(s, k);
	return s->err;
}

/* ---- the header ---------------------------------------------------------- */

/*
 * Limits first, then skip every chunk fbkit does not use (text, iCCP,
 * zTXt, ...: never decompressed, never stored). libpng's own policy stays
 * for everything else: its benign errors (a tRNS longer than the palette,
 * bytes after the end of the zlib stream) are warnings and the image is
 * shown, and zlib checks the stream's Adler-32. The one change: a CRC
 * error in an ancillary chunk fails as in a critical one, as damage
 * anywhere in the file does (libpng would drop the chunk and go on,
 * showing the pixels without its tRNS, say).
 */
static void read_header(struct session *s)
{
	const struct fbk_png_limits *l = &s->png->limits;
	png_set_user_limits(s->lib, l->max_width, l->max_height);
	png_set_chunk_malloc_max(s->lib, l->max_chunk_bytes);
	png_set_keep_unknown_chunks(s->lib, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
	png_set_crc_action(s->lib, PNG_CRC_DEFAULT, PNG_CRC_ERROR_QUIT);
	/* check_row looks at the indices itself, in the rows it draws. */
	png_set_check_for_invalid_index(s->lib, 0);
	png_set_compression_buffer_size(s->lib, IDAT_PIECE);
	s->phase = PHASE_HEADER;
	png_read_info(s->lib, s->info);
}

static void fill_info(struct session *s, struct fbk_png_info *info)
{
	png_uint_32 width, height;
	int depth, color_type, interlace;
	png_get_IHDR(s->lib, s->info, &width, &height, &depth, &color_type, &interlace, NULL,
		     NULL);
	*info = (struct fbk_png_info){
		.width = (int32_t)width,
		.height = (int32_t)height,
		.bit_depth = (uint8_t)depth,
		.color_type = (enum fbk_png_color_type)color_type,
		.interlaced = interlace != PNG_INTERLACE_NONE,
		.has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) ||
			     png_get_valid(s->lib, s->info, PNG_INFO_tRNS),
	};
}

static void open_step(struct session *s, struct sink *k)
{
	(void)k;
	read_header(s);
	log_held(s);
}

/* ---- rows ---------------------------------------------------------------- */

/*
 * The alpha byte of opaque pixels in decoded rows. Rows described as
 * XRGB8888 carry 0 there, so that a straight copy into an XRGB8888 surface
 * leaves 0 in the X byte, as every fbkit packer does; the scaler needs
 * real alpha.
 */
static uint8_t opaque_byte(const struct sink *k)
{
	return !k->resampler && k->row_format == FBK_FORMAT_XRGB8888 ? 0 : 0xff;
}

/* Palette entries as 0xAARRGGBB; indices past the palette are caught before lookup. */
static void load_palette(struct session *s, uint8_t opaque)
{
	png_colorp colors = NULL;
	png_bytep alphas = NULL;
	int count = 0, alpha_count = 0;
	png_get_PLTE(s->lib, s->info, &colors, &count);
	png_get_tRNS(s->lib, s->info, &alphas, &alpha_count, NULL);
	for (int i = 0; i < 256; i++) {
		uint32_t a = i < alpha_count ? alphas[i] : opaque;
		s->palette[i] = i < count ? a << 24 | (uint32_t)colors[i].red << 16 |
						    (uint32_t)colors[i].green << 8 | colors[i].blue
					  : 0xff000000u;
	}
	s->palette_size = count;
	s->check_indices = count < (1 << s->png->info.bit_depth);
}

/*
 * Transforms so that each row comes out of libpng as 32-bit 0xAARRGGBB
 * words in native byte order: low depths widened by bit replication, tRNS
 * made alpha, 16-bit samples rounded to 8 bits (scale, not strip), gray
 * made RGB, and the bytes ordered for this machine. No gamma is ever set,
 * so values are shown as stored. Palette images come as bare indices,
 * which we check and look up ourselves: libpng's own index check is
 * skipped once it expands the palette.
 */
static void set_transforms(struct session *s, const struct sink *k)
{
	uint8_t opaque = opaque_byte(k);
	if (s->png->info.color_type == FBK_PNG_PALETTE) {
		s->indexed = true;
		png_set_packing(s->lib);
		load_palette(s, opaque);
	} else {
		png_set_expand(s->lib); /* includes png_set_tRNS_to_alpha */
		png_set_scale_16(s->lib);
		png_set_gray_to_rgb(s->lib);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		png_set_bgr(s->lib); /* B, G, R, A in memory */
		png_set_filler(s->lib, opaque, PNG_FILLER_AFTER);
#else
		png_set_swap_alpha(s->lib); /* A, R, G, B in memory */
		png_set_filler(s->lib, opaque, PNG_FILLER_BEFORE);
#endif
	}
	s->passes = png_set_interlace_handling(s->lib);
	png_read_update_info(s->lib, s->info);
	if (png_get_rowbytes(s->lib, s->info) != s->row_bytes)
		png_error(s->lib, "unexpected row size after transforms");
}

/* The header again, as every run reads it: it must be the one open saw. */
static void check_same_header(struct session *s)
{
	struct fbk_png_info now;
	const struct fbk_png_info *then = &s->png->info;
	fill_info(s, &now);
	if (now.width != then->width || now.height != then->height ||
	    now.bit_depth != then->bit_depth || now.color_type != then->color_type ||
	    now.interlaced != then->interlaced || now.has_alpha != then->has_alpha) {
		s->file_changed = true;
		png_error(s->lib, "the header changed since the file was opened");
	}
}

/* A decoded row as 0xAARRGGBB words. */
static const uint32_t *argb_row(struct session *s, const uint8_t *decoded)
{
	if (!s->indexed)
		return (const uint32_t *)(const void *)decoded;
	int32_t width = s->png->info.width;
	for (int32_t i = 0; i < width; i++)
		s->argb[i] = s->palette[decoded[i]];
	return s->argb;
}

/*
 * An index past the palette is drawn as opaque black, as libpng draws it
 * (its tables hold 256 entries, zero past the palette), and logged once
 * per draw: libpng's default policy calls it a benign error.
 */
static void check_row(struct session *s, const uint8_t *decoded)
{
	if (!s->check_indices || s->index_logged)
		return;
	int32_t width = s->png->info.width;
	uint8_t top = 0;
	for (int32_t i = 0; i < width; i++)
		top = decoded[i] > top ? decoded[i] : top;
	if (top >= s->palette_size) {
		s->index_logged = true;
		fbk_log(FBK_LOG_WARNING,
			"%s: palette index %u is past the palette's %d entries: drawn as opaque "
			"black (shown anyway)",
			s->png->name, (unsigned)top, s->palette_size);
	}
}

/* ---- sinks --------------------------------------------------------------- */

static int blit_row(struct sink *k, int32_t x, int32_t y, const uint32_t *argb, int32_t n)
{
	struct fbk_surface row;
	int err = fbk_surface_init(&row, (void *)argb, n, 1, (size_t)n * 4, k->row_format);
	return err ? err : fbk_blit(k->dst, x, y, &row, NULL, k->op, 255);
}

/* The scaler's output rows, holding only the visible columns. */
static int emit_row(void *userdata, int32_t y, const uint32_t *row)
{
	struct sink *k = userdata;
	return blit_row(k, k->area.x, k->top + y, row, k->area.w);
}

static bool sink_wants(const struct sink *k, int32_t y)
{
	if (y < k->first || y >= k->end)
		return false;
	return !k->resampler || fbk_resampler_needs_row(k->resampler, y);
}

static bool sink_finished(const struct sink *k)
{
	return k->resampler && fbk_resampler_done(k->resampler);
}

/* Row y of the image, or NULL for a row the sink does not want. */
static int sink_put(struct sink *k, int32_t y, const uint32_t *argb)
{
	if (k->resampler)
		return fbk_resampler_push(k->resampler, argb, emit_row, k);
	if (!argb)
		return 0;
	return blit_row(k, k->area.x, k->area.y + (y - k->first), argb + k->left, k->area.w);
}

/* ---- decoding ------------------------------------------------------------ */

static void begin_rows(struct session *s, const struct sink *k)
{
	read_header(s);
	check_same_header(s);
	set_transforms(s, k);
	s->held = 0; /* open logged the header's */
	s->phase = PHASE_ROWS;
}

/*
 * Whether the zlib stream in the IDAT chunks (the first run of them, as
 * libpng reads) inflates to its end with a matching Adler-32: 1 if so, 0
 * if not, or a negative errno. The output is thrown away.
 */
static int stream_intact(const struct fbk_png *png)
{
	enum { IN = 8192, OUT = 32768 };
	uint8_t *in = malloc(IN + OUT), *out = in + IN;
	z_stream z = { 0 };
	if (!in)
		return -ENOMEM;
	if (inflateInit(&z) != Z_OK) {
		free(in);
		return -ENOMEM;
	}
	int ret = Z_OK, result = 0;
	bool seen = false;
	for (size_t at = 8; ret == Z_OK && png->size - at >= 12;) {
		uint8_t head[8];
		if (copy_out(png, at, head, 8)) {
			result = -EIO;
			break;
		}
		size_t length = load_be32(head), left = length;
		if (memcmp(head + 4, "IDAT", 4)) {
			if (seen)
				break;
		} else {
			seen = true;
		}
		if (length > png->size - at - 12)
			break;
		for (size_t from = at + 8; seen && left && ret == Z_OK;) {
			size_t n = left < IN ? left : IN;
			if (copy_out(png, from, in, n)) {
				result = -EIO;
				goto out;
			}
			z.next_in = in;
			z.avail_in = (uInt)n;
			do {
				z.next_out = out;
				z.avail_out = OUT;
				ret = inflate(&z, Z_NO_FLUSH);
			} while (ret == Z_OK && z.avail_in);
			from += n;
			left -= n;
		}
		at += 12 + length;
	}
	result = ret == Z_STREAM_END;
	if (ret == Z_MEM_ERROR)
		result = -ENOMEM;
out:
	inflateEnd(&z);
	free(in);
	return result;
}

/*
 * libpng's checks after the last row, which start inside the call that
 * reads it (PHASE_END is set before that call): the rest of the zlib
 * stream (its Adler-32 among it) and the chunks up to IEND. libpng
 * reports a zlib error there, when the stream's last bytes come after the
 * last row's, as a benign error, with nothing but zlib's English message
 * to tell it from stray bytes after the stream's end. So when anything
 * was reported, the stream is inflated again on its own, and zlib's
 * return code decides: damaged data fails, anything else is shown.
 */
static void read_end(struct session *s)
{
	s->phase = PHASE_END;
	png_read_end(s->lib, NULL);
	if (!s->end_warned)
		return;
	const char *name = s->png->name;
	int intact = stream_intact(s->png);
	if (intact < 0) {
		s->file_changed = intact == -EIO;
		s->out_of_memory = intact == -ENOMEM;
		png_error(s->lib, "checking the image data");
	}
	if (!intact)
		s->err = fbk_fail(-EBADMSG,
				  "%s: corrupt PNG: the image data fails zlib's check (Adler-32 "
				  "or deflate data) after the last row: %s",
				  name, s->warning);
}

/*
 * Non-interlaced: one row at a time, decoded into s->rows when wanted
 * (rows outside the clip are decoded and dropped), converted; or
 * straight into the destination (see can_go_direct).
 */
static void decode_progressive(struct session *s, struct sink *k)
{
	begin_rows(s, k);
	int32_t y = 0;
	for (; y < k->end && !sink_finished(k); y++) {
		bool wanted = sink_wants(k, y);
		if (y == s->png->info.height - 1)
			s->phase = PHASE_END; /* see read_end */
		if (wanted && k->direct) {
			int32_t dst_y = k->area.y + (y - k->first);
			png_read_row(s->lib, fbk_surface_pixel(k->dst, k->area.x, dst_y), NULL);
			continue;
		}
		png_read_row(s->lib, wanted ? s->rows : NULL, NULL);
		if (wanted)
			check_row(s, s->rows);
		s->err = sink_put(k, y, wanted ? argb_row(s, s->rows) : NULL);
		if (s->err)
			return;
	}
	/* The whole image went through: let libpng check what follows it. */
	if (y == s->png->info.height)
		read_end(s);
}

/* rows_for() and the scaler disagree: a bug, never the file's fault. */
static int scaler_mismatch(struct session *s, int32_t y)
{
	return fbk_fail(-EINVAL, "%s: internal error: the scaler needs row %d, which was not kept",
			s->png->name, (int)y);
}

/*
 * Adam7: every pass adds pixels to rows all over the image, so rows
 * first .. end - 1 are kept in s->rows until the last pass, which is cut
 * short after row end - 1; then they go to the sink in order.
 */
static void decode_interlaced(struct session *s, struct sink *k)
{
	begin_rows(s, k);
	int32_t height = s->png->info.height;
	for (int pass = 0; pass < s->passes; pass++) {
		int32_t rows = pass == s->passes - 1 ? k->end : height;
		for (int32_t y = 0; y < rows; y++) {
			bool kept = y >= k->first && y < k->end;
			if (pass == s->passes - 1 && y == height - 1)
				s->phase = PHASE_END; /* see read_end */
			size_t at = kept ? (size_t)(y - k->first) * s->row_bytes : 0;
			png_read_row(s->lib, kept ? s->rows + at : NULL, NULL);
		}
	}
	for (int32_t y = 0; y < k->end && !sink_finished(k); y++) {
		const uint32_t *argb = NULL;
		if (sink_wants(k, y)) {
			const uint8_t *decoded = s->rows + (size_t)(y - k->first) * s->row_bytes;
			check_row(s, decoded);
			argb = argb_row(s, decoded);
		} else if (k->resampler && y < k->first &&
			   fbk_resampler_needs_row(k->resampler, y)) {
			s->err = scaler_mismatch(s, y);
			return;
		}
		s->err = sink_put(k, y, argb);
		if (s->err)
			return;
	}
	if (k->resampler && k->end < height && !sink_finished(k)) {
		s->err = scaler_mismatch(s, k->end);
		return;
	}
	if (k->end == height)
		read_end(s);
}

/* Buffers for a run: one row (two for palettes), or Adam7's kept rows. */
static int alloc_rows(struct session *s, const struct sink *k)
{
	const struct fbk_png_info *info = &s->png->info;
	size_t width = (size_t)info->width, bytes;
	if (info->color_type == FBK_PNG_PALETTE) {
		s->row_bytes = width;
		if (fbk_mul_overflows(width, 4, &bytes))
			goto too_big;
		s->argb = malloc(bytes);
		if (!s->argb)
			goto no_memory;
	} else if (fbk_mul_overflows(width, 4, &s->row_bytes)) {
		goto too_big;
	}
	size_t rows = info->interlaced ? (size_t)(k->end - k->first) : 1;
	if (fbk_mul_overflows(s->row_bytes, rows, &bytes))
		goto too_big;
	s->rows = malloc(bytes ? bytes : 1);
	if (!s->rows)
		goto no_memory;
	return 0;

too_big:
	return fbk_fail(-EFBIG, "%s: a %dx%d image is too large to decode here",
			s->png->name, (int)info->width, (int)info->height);
no_memory:
	return fbk_fail(-ENOMEM, "%s: out of memory for %s", s->png->name,
			info->interlaced ? "the interlaced image's rows" : "a row");
}

/* Decode the image into the sink. */
static int decode(const struct fbk_png *png, struct sink *k)
{
	int err = png->map ? fbk_map_guard_prepare() : 0;
	if (err)
		return err;
	struct session s;
	err = session_begin(&s, png);
	if (err)
		return err;
	err = alloc_rows(&s, k);
	if (!err)
		err = run_protected(&s, png->info.interlaced ? decode_interlaced
							     : decode_progressive,
				    k);
	if (!err)
		log_held(&s);
	session_end(&s);
	return err;
}

/* ---- opening ------------------------------------------------------------- */

/*
 * The caller's limits, which may have been compiled against a smaller
 * (older) or larger (newer) struct fbk_png_limits than this library's: read
 * what both know. A field only the caller knows must be 0 (its default),
 * or the caller would believe a limit applies that this library cannot
 * enforce.
 */
/* Extra bytes past the known size are compared as fields: padding would be garbage. */
_Static_assert(sizeof(struct fbk_png_limits) == 4 * sizeof(uint32_t) + sizeof(uint64_t),
	       "struct fbk_png_limits has padding");

static int resolve_limits(const struct fbk_png_limits *given, struct fbk_png_limits *out,
			  const char *name)
{
	struct fbk_png_limits l = { .size = sizeof(l) };
	if (given) {
		if (given->size < sizeof(given->size))
			return fbk_fail(-EINVAL, "%s: PNG limits with size %u: initialise them with "
					"FBK_PNG_LIMITS_INIT", name, (unsigned)given->size);
		memcpy(&l, given, given->size < sizeof(l) ? given->size : sizeof(l));
		const uint8_t *extra = (const uint8_t *)given;
		for (size_t i = sizeof(l); i < given->size; i++)
			if (extra[i])
				return fbk_fail(-ENOTSUP, "%s: PNG limits of %u bytes set a limit this "
						"fbkit (%s, %zu bytes) does not know", name,
						(unsigned)given->size, FBK_VERSION, sizeof(l));
	}
	if (!l.max_width)
		l.max_width = FBK_MAX_DIMENSION;
	if (!l.max_height)
		l.max_height = FBK_MAX_DIMENSION;
	if (!l.max_pixels)
		l.max_pixels = DEFAULT_MAX_PIXELS;
	if (!l.max_chunk_bytes)
		l.max_chunk_bytes = DEFAULT_MAX_CHUNK_BYTES;
	/* PNG itself allows no more. */
	if (l.max_width > PNG_UINT_31_MAX)
		l.max_width = PNG_UINT_31_MAX;
	if (l.max_height > PNG_UINT_31_MAX)
		l.max_height = PNG_UINT_31_MAX;
	*out = l;
	return 0;
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int bit = 0; bit < 8; bit++)
			crc = crc >> 1 ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/*
 * Check the size an intact IHDR declares against the limits before libpng
 * runs at all, so that an oversized image fails with -EFBIG at once even
 * when nothing but its header is there. Anything that is not an intact
 * IHDR is left to libpng to report.
 */
static int check_limits(const struct fbk_png *png)
{
	static const uint8_t head[16] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
					  0, 0, 0, 13, 'I', 'H', 'D', 'R' };
	uint8_t bytes[HEAD_BYTES];
	if (png->size < HEAD_BYTES)
		return 0;
	if (copy_out(png, 0, bytes, HEAD_BYTES))
		return fbk_fail(-EIO,
				"%s: file changed while reading (it was truncated while mapped)",
				png->name);
	if (memcmp(bytes, head, sizeof(head)) || crc32_of(bytes + 12, 17) != load_be32(bytes + 29))
		return 0;
	uint32_t width = load_be32(bytes + 16), height = load_be32(bytes + 20);
	const struct fbk_png_limits *l = &png->limits;
	if (width > l->max_width || height > l->max_height)
		return fbk_fail(-EFBIG, "%s: a %ux%u image is over the size limit of %ux%u",
				png->name, (unsigned)width, (unsigned)height,
				(unsigned)l->max_width, (unsigned)l->max_height);
	uint64_t pixels = (uint64_t)width * height;
	if (pixels > l->max_pixels)
		return fbk_fail(-EFBIG, "%s: a %ux%u image has %llu pixels, over the limit of %llu",
				png->name, (unsigned)width, (unsigned)height,
				(unsigned long long)pixels, (unsigned long long)l->max_pixels);
	return 0;
}

/* The common image formats by their first bytes, for "not a PNG file (JPEG)". */
static const char *other_format(const uint8_t *b, size_t n)
{
	static const struct {
		const char *name;
		size_t offset, length;
		const char *magic;
	} formats[] = {
		{ "JPEG", 0, 3, "\xff\xd8\xff" },
		{ "GIF", 0, 4, "GIF8" },
		{ "WebP", 8, 4, "WEBP" }, /* after "RIFF" and a length */
		{ "TIFF", 0, 4, "II*\0" },
		{ "TIFF", 0, 4, "MM\0*" },
		{ "BMP", 0, 2, "BM" },
		{ "QOI", 0, 4, "qoif" },
		{ "JPEG XL", 0, 2, "\xff\x0a" },
		{ "JPEG XL", 4, 8, "JXL \r\n\x87\n" },
		{ "AVIF", 4, 8, "ftypavif" },
		{ "HEIF", 4, 8, "ftypheic" },
		{ "HEIF", 4, 8, "ftypmif1" },
		{ "ICO", 0, 4, "\0\0\1\0" },
		{ "MNG", 0, 4, "\x8aMNG" },
		{ "JNG", 0, 4, "\x8bJNG" },
		{ "PSD", 0, 4, "8BPS" },
		{ "PDF", 0, 5, "%PDF-" },
		{ "gzip", 0, 2, "\x1f\x8b" },
		{ "ZIP", 0, 4, "PK\3\4" },
	};
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].offset + formats[i].length <= n &&
		    !memcmp(b + formats[i].offset, formats[i].magic, formats[i].length))
			return formats[i].name;
	return NULL;
}

/*
 * A file that does not start as a PNG does is some other file: say so, and
 * name its format when it is a common one, rather than let libpng call it a
 * corrupt PNG. What starts with "\x89PNG" (a signature a text-mode transfer
 * damaged, or a truncated one) is left to libpng, which says which.
 */
static int check_signature(const struct fbk_png *png)
{
	static const uint8_t signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	uint8_t bytes[16];
	size_t n = png->size < sizeof(bytes) ? png->size : sizeof(bytes);
	if (copy_out(png, 0, bytes, n))
		return fbk_fail(-EIO,
				"%s: file changed while reading (it was truncated while mapped)",
				png->name);
	if (!memcmp(bytes, signature, n < 4 ? n : 4))
		return 0;
	const char *format = other_format(bytes, n);
	if (format)
		return fbk_fail(-EBADMSG, "%s: not a PNG file (%s)", png->name, format);
	return fbk_fail(-EBADMSG, "%s: not a PNG file", png->name);
}

/* Signature and limits, then the header through libpng: no pixel is decoded. */
static int read_info(struct fbk_png *png, const struct fbk_png_limits *limits)
{
	int err = resolve_limits(limits, &png->limits, png->name);
	if (!err && png->map)
		err = fbk_map_guard_prepare();
	if (!err)
		err = check_signature(png);
	if (!err)
		err = check_limits(png);
	if (err)
		return err;
	struct session s;
	err = session_begin(&s, png);
	if (err)
		return err;
	err = run_protected(&s, open_step, NULL);
	if (!err)
		fill_info(&s, &png->info);
	session_end(&s);
	return err;
}

/*
 * Map the whole file read-only. O_NONBLOCK so that naming a FIFO cannot
 * hang the open; fstat then turns away anything but a regular file. The
 * descriptor is not needed once the mapping exists.
 */
static int map_file(struct fbk_png *png, const char *path)
{
	int err;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		return fbk_fail(err, "cannot open %s: %s", path, fbk_errstr(-err));
	}
	struct stat st;
	if (fstat(fd, &st)) {
		err = -errno;
		fbk_fail(err, "cannot stat %s: %s", path, fbk_errstr(-err));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = fbk_fail(-EISDIR, "%s is a directory, not a PNG file", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = fbk_fail(-EINVAL, "%s is not a regular file", path);
		goto out;
	}
	if (st.st_size == 0) {
		err = fbk_fail(-EBADMSG, "%s: corrupt PNG: the file is empty", path);
		goto out;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		err = fbk_fail(-EFBIG, "%s: too large to map", path);
		goto out;
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		fbk_fail(err, "cannot map %s: %s", path, fbk_errstr(-err));
		goto out;
	}
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL); /* only a hint */
	png->map = map;
	png->data = map;
	png->size = (size_t)st.st_size;
	png->dev = st.st_dev;
	png->ino = st.st_ino;
	png->mtime = st.st_mtim;
	err = 0;
out:
	close(fd);
	return err;
}

static int create(struct fbk_png **out, const char *name)
{
	struct fbk_png *png = calloc(1, sizeof(*png));
	if (!png)
		return fbk_fail(-ENOMEM, "out of memory");
	png->name = strdup(name);
	if (!png->name) {
		free(png);
		return fbk_fail(-ENOMEM, "out of memory");
	}
	*out = png;
	return 0;
}

int fbk_png_open(struct fbk_png **out, const char *path, const struct fbk_png_limits *limits)
{
	if (!out)
		return fbk_fail(-EINVAL, "output pointer is NULL");
	*out = NULL;
	if (!path || !*path)
		return fbk_fail(-EINVAL, "PNG path is NULL or empty");
	struct fbk_png *png = NULL; /* gcc -O3 cannot see create() set it */
	int err = create(&png, path);
	if (err)
		return err;
	err = map_file(png, path);
	if (!err)
		err = read_info(png, limits);
	if (err) {
		fbk_png_close(png);
		return err;
	}
	*out = png;
	return 0;
}

int fbk_png_open_memory(struct fbk_png **out, const void *data, size_t size, const char *name,
			const struct fbk_png_limits *limits)
{
	if (!out)
		return fbk_fail(-EINVAL, "output pointer is NULL");
	*out = NULL;
	name = name_or_default(name);
	if (!data)
		return fbk_fail(-EINVAL, "%s: data is NULL", name);
	if (!size)
		return fbk_fail(-EBADMSG, "%s: corrupt PNG: no data (0 bytes)", name);
	struct fbk_png *png = NULL; /* gcc -O3 cannot see create() set it */
	int err = create(&png, name);
	if (err)
		return err;
	png->data = data;
	png->size = size;
	err = read_info(png, limits);
	if (err) {
		fbk_png_close(png);
		return err;
	}
	*out = png;
	return 0;
}

void fbk_png_close(struct fbk_png *png)
{
	if (!png)
		return;
	if (png->map)
		munmap(png->map, png->size);
	free(png->name);
	free(png);
}

const struct fbk_png_info *fbk_png_get_info(const struct fbk_png *png)
{
	return png ? &png->info : NULL;
}

/* ---- drawing ------------------------------------------------------------- */

static int check_draw(const struct fbk_surface *dst, const struct fbk_png *png, enum fbk_op op)
{
	int err = fbk_surface_check(dst);
	if (err)
		return fbk_fail_context(err, "PNG destination");
	if (!png)
		return fbk_fail(-EINVAL, "PNG handle is NULL");
	if (op != FBK_OP_SRC && op != FBK_OP_OVER)
		return fbk_fail(-EINVAL, "unknown operator %d", (int)op);
	return 0;
}


/*
 * Whether libpng's rows can be written straight into dst: every column
 * visible, and the decoded words already what fbk_blit would store there
 * (fbkit keeps 32-bit pixels as native words, as libpng gives them).
 */
static bool can_go_direct(const struct fbk_surface *dst, const struct fbk_png *png,
			  const struct sink *k, enum fbk_op op)
{
	const struct fbk_png_info *info = &png->info;
	if (info->interlaced || info->color_type == FBK_PNG_PALETTE || k->left != 0 ||
	    k->area.w != info->width)
		return false;
	if (dst->format == FBK_FORMAT_XRGB8888)
		return !info->has_alpha;
	return dst->format == FBK_FORMAT_ARGB8888 && (!info->has_alpha || op == FBK_OP_SRC);
}

static int draw(struct fbk_surface *dst, const struct fbk_png *png, int32_t x, int32_t y,
		enum fbk_op op)
{
	struct fbk_rect image = { x, y, png->info.width, png->info.height };
	struct fbk_rect clip = fbk_effective_clip(dst), area;
	if (!fbk_rect_intersect(&image, &clip, &area))
		return 0;
	/* Image coordinates of the visible part; 64-bit because x may be far off. */
	int32_t left = (int32_t)((int64_t)area.x - x), top = (int32_t)((int64_t)area.y - y);
	bool opaque = !png->info.has_alpha;
	struct sink k = {
		.dst = dst,
		/* Opaque rows: SRC is OVER, and cheaper. */
		.op = opaque ? FBK_OP_SRC : op,
		/* Opaque rows as XRGB8888 into XRGB8888 make every row a plain copy. */
		.row_format = opaque && dst->format == FBK_FORMAT_XRGB8888 ? FBK_FORMAT_XRGB8888
									  : FBK_FORMAT_ARGB8888,
		.area = area,
		.first = top,
		.end = top + area.h,
		.left = left,
	};
	k.direct = can_go_direct(dst, png, &k, op);
	return decode(png, &k);
}

int fbk_png_draw(struct fbk_surface *dst, const struct fbk_png *png, int32_t x, int32_t y,
		 enum fbk_op op)
{
	int err = check_draw(dst, png, op);
	return err ? err : draw(dst, png, x, y, op);
}

/*
 * Source rows an Adam7 image must keep for output rows visible->y ..
 * visible->y + visible->h - 1 of a scale from src_h to dst_h rows. Box,
 * bilinear and nearest all read within one row of the span the output
 * rows cover, so one row of margin on each side is enough.
 */
static void rows_for(int32_t src_h, int32_t dst_h, const struct fbk_rect *visible, int32_t *first,
		     int32_t *end)
{
	int64_t lo = (int64_t)visible->y * src_h / dst_h - 1;
	int64_t hi = ((int64_t)(visible->y + visible->h) * src_h + dst_h - 1) / dst_h + 1;
	*first = (int32_t)(lo < 0 ? 0 : lo);
	*end = (int32_t)(hi > src_h ? src_h : hi);
}

static int draw_scaled(struct fbk_surface *dst, const struct fbk_png *png,
		       const struct fbk_rect *fitted, const struct fbk_rect *area,
		       enum fbk_filter filter, enum fbk_op op)
{
	const struct fbk_png_info *info = &png->info;
	/* The scaler's limit on either side; COVER of a very thin image can pass it. */
	if (info->width > FBK_MAX_DIMENSION || info->height > FBK_MAX_DIMENSION ||
	    fitted->w > FBK_MAX_DIMENSION || fitted->h > FBK_MAX_DIMENSION)
		return fbk_fail(-EFBIG,
				"%s: cannot scale %dx%d to %dx%d: the scaler works up to %dx%d",
				png->name, (int)info->width, (int)info->height, (int)fitted->w,
				(int)fitted->h, FBK_MAX_DIMENSION, FBK_MAX_DIMENSION);
	struct fbk_rect visible = { (int32_t)((int64_t)area->x - fitted->x),
				    (int32_t)((int64_t)area->y - fitted->y), area->w, area->h };
	/* The scaler's rows of an opaque image are opaque: SRC is OVER, and cheaper. */
	struct sink k = {
		.dst = dst,
		.op = info->has_alpha ? op : FBK_OP_SRC,
		.row_format = FBK_FORMAT_ARGB8888,
		.area = *area,
		.first = 0,
		.end = info->height,
		.top = fitted->y,
	};
	if (info->interlaced)
		rows_for(info->height, fitted->h, &visible, &k.first, &k.end);
	int err = fbk_resampler_create(&k.resampler, info->width, info->height, fitted->w,
				       fitted->h, filter, &visible);
	if (err)
		return err;
	err = decode(png, &k);
	fbk_resampler_destroy(k.resampler);
	return err;
}

int fbk_png_draw_fit(struct fbk_surface *dst, const struct fbk_png *png,
		     const struct fbk_rect *box, enum fbk_fit fit, unsigned align,
		     enum fbk_filter filter, enum fbk_op op)
{
	int err = check_draw(dst, png, op);
	if (err)
		return err;
	if (!box)
		return fbk_fail(-EINVAL, "box is NULL");
	if (filter != FBK_FILTER_SMOOTH && filter != FBK_FILTER_NEAREST)
		return fbk_fail(-EINVAL, "unknown filter %d", (int)filter);
	struct fbk_rect fitted, cut, area;
	err = fbk_fit_rect(png->info.width, png->info.height, box, fit, align, &fitted);
	if (err)
		return err;
	struct fbk_rect clip = fbk_effective_clip(dst);
	if (!fbk_rect_intersect(&fitted, box, &cut) || !fbk_rect_intersect(&cut, &clip, &area))
		return 0;
	if (fitted.w == png->info.width && fitted.h == png->info.height) {
		/* Natural size: the plain path, clipped to the box as well. */
		struct fbk_surface view = *dst;
		view.clip = area;
		return draw(&view, png, fitted.x, fitted.y, op);
	}
	return draw_scaled(dst, png, &fitted, &area, filter, op);
}

#else /* !FBK_HAVE_PNG */

struct fbk_png {
	struct fbk_png_info info;
};

int fbk_png_open(struct fbk_png **out, const char *path, const struct fbk_png_limits *limits)
{
	(void)limits;
	if (out)
		*out = NULL;
	return fbk_fail(-ENOTSUP, "cannot open %s: fbkit was built without libpng",
			path && *path ? path : "a PNG file");
}

int fbk_png_open_memory(struct fbk_png **out, const void *data, size_t size, const char *name,
			const struct fbk_png_limits *limits)
{
	(void)data;
	(void)size;
	(void)limits;
	if (out)
		*out = NULL;
	return fbk_fail(-ENOTSUP, "cannot read %s: fbkit was built without libpng",
			name_or_default(name));
}

void fbk_png_close(struct fbk_png *png)
{
	(void)png; /* no handle can exist */
}

const struct fbk_png_info *fbk_png_get_info(const struct fbk_png *png)
{
	return png ? &png->info : NULL;
}

int fbk_png_draw(struct fbk_surface *dst, const struct fbk_png *png, int32_t x, int32_t y,
		 enum fbk_op op)
{
	(void)dst;
	(void)png;
	(void)x;
	(void)y;
	(void)op;
	return fbk_fail(-ENOTSUP, "cannot draw a PNG: fbkit was built without libpng");
}

int fbk_png_draw_fit(struct fbk_surface *dst, const struct fbk_png *png,
		     const struct fbk_rect *box, enum fbk_fit fit, unsigned align,
		     enum fbk_filter filter, enum fbk_op op)
{
	(void)dst;
	(void)png;
	(void)box;
	(void)fit;
	(void)align;
	(void)filter;
	(void)op;
	return fbk_fail(-ENOTSUP, "cannot draw a PNG: fbkit was built without libpng");
}

#endif
