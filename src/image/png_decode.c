/*
 * PNG decoding: one libpng session per open or draw, over the handle's
 * bytes (png_input.c), with our callbacks for reading, memory, warnings
 * and errors. Each decoded row goes to the sink (png_draw.c) as soon as
 * it exists, or libpng writes it straight into the destination. Nothing
 * image-sized is allocated, except one bounded buffer of the visible rows
 * of an Adam7-interlaced image. What a libpng warning means is decided
 * here: most are logged and the image is shown; a chunk over the limit
 * and damaged image data fail.
 */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/error.h"
#include "core/overflow.h"
#include "image/png_internal.h"

/*
 * libpng asks the read callback for IDAT data in pieces this large
 * (default 8 KiB): fewer, larger copies out of the mapping.
 */
#define IDAT_PIECE (64u * 1024)

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

/* The only code that reads the image data: straight from the mapping. */
static void on_read(png_structp lib, png_bytep out, size_t length)
{
	struct session *s = png_get_io_ptr(lib);
	if (length > s->png->size - s->offset)
		png_error(lib, "the data ends early (truncated file)");
	if (fbk_png_copy_out(s->png, s->offset, out, length)) {
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
	    s->offset - s->last_header != 8 || fbk_png_copy_out(s->png, s->last_header, head, 8))
		return false;
	return fbk_load_be32(head) > s->png->limits.max_chunk_bytes && memcmp(head + 4, "IDAT", 4);
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

/* The error that stopped a session, as an errno and a message naming the file. */
static int session_error(struct session *s)
{
	const char *name = s->png->name;
	if (s->err)
		return s->err;
	if (s->out_of_memory)
		return fbk_fail(-ENOMEM, "%s: out of memory while decoding", name);
	if (s->file_changed || fbk_png_file_changed(s->png))
		return fbk_fail(-EIO, "%s: %s", name,
				s->png->file.map ? "file changed while reading (it was truncated or "
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

typedef void (*step_fn)(struct session *s, struct fbk_png_sink *k);

/*
 * The only function that calls setjmp. It changes no local after setjmp,
 * and every piece of state the error path reads lives in *s, outside this
 * stack frame, so nothing here needs volatile.
 */
static int run_protected(struct session *s, step_fn step, struct fbk_png_sink *k)
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

static void header_step(struct session *s, struct fbk_png_sink *k)
{
	(void)k;
	read_header(s);
}

/* ---- rows ---------------------------------------------------------------- */

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
static void set_transforms(struct session *s, const struct fbk_png_sink *k)
{
	uint8_t opaque = fbk_png_sink_opaque_byte(k);
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

/* ---- decoding ------------------------------------------------------------ */

static void begin_rows(struct session *s, const struct fbk_png_sink *k)
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
		if (fbk_png_copy_out(png, at, head, 8)) {
			result = -EIO;
			break;
		}
		size_t length = fbk_load_be32(head), left = length;
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
			if (fbk_png_copy_out(png, from, in, n)) {
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
 * straight into the destination (see can_go_direct in png_draw.c).
 */
static void decode_progressive(struct session *s, struct fbk_png_sink *k)
{
	begin_rows(s, k);
	int32_t y = 0;
	for (; y < k->end && !fbk_png_sink_finished(k); y++) {
		bool wanted = fbk_png_sink_wants(k, y);
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
		s->err = fbk_png_sink_put(k, y, wanted ? argb_row(s, s->rows) : NULL);
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
static void decode_interlaced(struct session *s, struct fbk_png_sink *k)
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
	for (int32_t y = 0; y < k->end && !fbk_png_sink_finished(k); y++) {
		const uint32_t *argb = NULL;
		if (fbk_png_sink_wants(k, y)) {
			const uint8_t *decoded = s->rows + (size_t)(y - k->first) * s->row_bytes;
			check_row(s, decoded);
			argb = argb_row(s, decoded);
		} else if (k->resampler && y < k->first &&
			   fbk_resampler_needs_row(k->resampler, y)) {
			s->err = scaler_mismatch(s, y);
			return;
		}
		s->err = fbk_png_sink_put(k, y, argb);
		if (s->err)
			return;
	}
	if (k->resampler && k->end < height && !fbk_png_sink_finished(k)) {
		s->err = scaler_mismatch(s, k->end);
		return;
	}
	if (k->end == height)
		read_end(s);
}

/* Buffers for a run: one row (two for palettes), or Adam7's kept rows. */
static int alloc_rows(struct session *s, const struct fbk_png_sink *k)
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

/* ---- runs ---------------------------------------------------------------- */

/*
 * One session over the handle: buffers for the sink's rows, if there is a
 * sink, then the step; when it succeeded, the header into *info, if asked,
 * and one line for the warnings held back.
 */
static int run(const struct fbk_png *png, step_fn step, struct fbk_png_sink *k,
	       struct fbk_png_info *info)
{
	struct session s;
	int err = session_begin(&s, png);
	if (err)
		return err;
	if (k)
		err = alloc_rows(&s, k);
	if (!err)
		err = run_protected(&s, step, k);
	if (!err && info)
		fill_info(&s, info);
	if (!err)
		log_held(&s);
	session_end(&s);
	return err;
}

int fbk_png_decode_header(const struct fbk_png *png, struct fbk_png_info *info)
{
	return run(png, header_step, NULL, info);
}

int fbk_png_decode(const struct fbk_png *png, struct fbk_png_sink *k)
{
	int err = fbk_png_guard(png);
	if (err)
		return err;
	return run(png, png->info.interlaced ? decode_interlaced : decode_progressive, k, NULL);
}
