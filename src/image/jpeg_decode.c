/*
 * JPEG decoding: one libjpeg-turbo session per open or draw, over the
 * handle's bytes (jpeg_input.c), with our source manager (pieces copied
 * out of the mapping under the SIGBUS guard), error manager (a longjmp
 * back here, never exit) and warning policy. Scanlines come out in the
 * surface's own format where libjpeg-turbo has an extended colour space
 * for it (JCS_EXT_BGRX and friends), else as 0xffRRGGBB words; CMYK and
 * YCCK come out as CMYK and are turned into words here.
 *
 * Warnings: libjpeg-turbo patches over damaged entropy-coded data (it
 * fills the rest of a segment with grey or resyncs at the next restart
 * marker) and only warns. As for PNG (README, "Which PNG files are
 * shown"), damage fails: those warnings stop the decode with -EBADMSG.
 * What it warns about outside the image data (stray bytes between
 * segments, an unknown JFIF revision or Adobe transform, a bad ICC
 * segment) is shown, with one warning line per open or draw.
 *
 * The end of the data: libjpeg's convention is a fake EOI marker and a
 * warning. Here the fake EOI is handed over once, silently; if the
 * entropy decoder then runs short of bits, libjpeg warns of damage and
 * the file is truncated. If it does not, every scan the file holds was
 * whole and only the EOI marker is missing: the picture is shown with a
 * warning, as libjpeg does, provided nothing is missing from it (every
 * component was in a scan, and a progressive file refined every
 * coefficient to its last bit), since a progressive file cut between two
 * scans is otherwise a valid, coarser picture. Arithmetic coding gives no
 * such sign: its decoder is fed zeros at a marker by design (encoders
 * drop a scan's trailing zero bytes), so a scan cut anywhere decodes
 * without a warning, and an arithmetic-coded file without EOI is taken
 * as truncated.
 *
 * Scans: each scan is a pass over the blocks of its components however
 * few bytes it holds, so a progress monitor counts them against
 * max_jpeg_scans and stops a file with more.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* jpeglib.h first: jerror.h's list depends on jconfig.h's settings. */
#include <jpeglib.h>
#include <jerror.h>

#include "core/error.h"
#include "core/overflow.h"
#include "fbkit/format.h"
#include "image/jpeg_internal.h"
#include "platform/map_guard.h"

#define DEFAULT_MAX_PIXELS ((uint64_t)128 << 20)
#define DEFAULT_MAX_MEMORY ((uint64_t)256 << 20)

/* Pieces copied out of a mapping per refill: few copies, a small buffer. */
#define PIECE (64u * 1024)

struct fbk_jpeg_session {
	struct jpeg_decompress_struct cinfo;
	struct jpeg_error_mgr errmgr;
	struct jpeg_source_mgr src;
	struct jpeg_progress_mgr progress;
	const struct fbk_jpeg *jpeg;
	jmp_buf jump;
	size_t offset;        /* next byte the source hands over */
	bool created, started;
	bool file_changed;    /* the mapping faulted */
	bool truncated;       /* the data ended before libjpeg was done: a fake EOI went in */
	bool no_eoi_held;     /* the missing EOI is among the warnings held */
	bool too_many_scans;  /* over max_jpeg_scans */
	int last_scan;        /* the scan number the progress monitor saw last */
	unsigned scanned;     /* bit c: component c was in a scan */
	bool damaged;         /* a warning that means corrupt image data */
	bool cmyk, inverted;  /* CMYK rows to convert; Adobe's inverted values */
	int held;             /* warnings not logged yet */
	int code;             /* libjpeg's message code of the error that stopped it */
	uint32_t rows_read;
	uint8_t *cmyk_row;    /* one CMYK scanline for the conversion, in cmyk_block */
	void *cmyk_block;
	char reason[JMSG_LENGTH_MAX];
	char first_held[JMSG_LENGTH_MAX];
	JOCTET piece[PIECE];
};

/* ---- libjpeg callbacks --------------------------------------------------- */

static struct fbk_jpeg_session *session_of(j_common_ptr cinfo)
{
	return (struct fbk_jpeg_session *)cinfo->client_data;
}

static void on_error(j_common_ptr cinfo)
{
	struct fbk_jpeg_session *s = session_of(cinfo);
	s->code = cinfo->err->msg_code;
	(*cinfo->err->format_message)(cinfo, s->reason);
	longjmp(s->jump, 1);
}

/* Warnings that mean the entropy-coded data is damaged: see the top of the file. */
static bool is_damage(int code)
{
	switch (code) {
	case JWRN_HIT_MARKER:
	case JWRN_HUFF_BAD_CODE:
#if defined(D_ARITH_CODING_SUPPORTED) || defined(C_ARITH_CODING_SUPPORTED)
	case JWRN_ARITH_BAD_CODE:
#endif
	case JWRN_MUST_RESYNC:
	case JWRN_JPEG_EOF:
	case JWRN_NOT_SEQUENTIAL:
	case JWRN_BOGUS_PROGRESSION:
		return true;
	default:
		return false;
	}
}

/* Level -1 is a warning; higher levels are trace messages, never wanted. */
static void on_message(j_common_ptr cinfo, int level)
{
	if (level >= 0)
		return;
	struct fbk_jpeg_session *s = session_of(cinfo);
	cinfo->err->num_warnings++;
	char text[JMSG_LENGTH_MAX];
	(*cinfo->err->format_message)(cinfo, text);
	if (is_damage(cinfo->err->msg_code)) {
		s->damaged = true;
		s->code = cinfo->err->msg_code;
		memcpy(s->reason, text, sizeof(text));
		longjmp(s->jump, 1);
	}
	fbk_log(FBK_LOG_DEBUG, "%s: libjpeg: %s", s->jpeg->name, text);
	if (!s->held++)
		memcpy(s->first_held, text, sizeof(text));
}

static void on_output(j_common_ptr cinfo)
{
	(void)cinfo; /* the library never prints */
}

static void source_init(j_decompress_ptr cinfo)
{
	(void)cinfo;
}

static const JOCTET fake_eoi[2] = { 0xff, JPEG_EOI };

/*
 * The next piece of the file. A caller's buffer is handed over whole the
 * first time; a mapping a piece at a time, copied under the guard. At the
 * end of the data, one fake EOI (see the top of the file); asked again,
 * the file ended inside a segment, which stops the decode.
 */
static boolean source_fill(j_decompress_ptr cinfo)
{
	struct fbk_jpeg_session *s = session_of((j_common_ptr)cinfo);
	const struct fbk_jpeg *jpeg = s->jpeg;
	if (s->offset >= jpeg->size) {
		if (s->truncated)
			ERREXIT(cinfo, JERR_INPUT_EOF);
		s->truncated = true;
		s->src.next_input_byte = fake_eoi;
		s->src.bytes_in_buffer = sizeof(fake_eoi);
		return TRUE;
	}
	size_t n = jpeg->size - s->offset;
	if (!jpeg->file.map) {
		s->src.next_input_byte = jpeg->data + s->offset;
	} else {
		n = n < PIECE ? n : PIECE;
		if (fbk_jpeg_copy_out(jpeg, s->offset, s->piece, n)) {
			s->file_changed = true;
			ERREXIT(cinfo, JERR_FILE_READ);
		}
		s->src.next_input_byte = s->piece;
	}
	s->src.bytes_in_buffer = n;
	s->offset += n;
	return TRUE;
}

static void source_skip(j_decompress_ptr cinfo, long count)
{
	struct fbk_jpeg_session *s = session_of((j_common_ptr)cinfo);
	if (count <= 0)
		return;
	size_t n = (size_t)count;
	if (n <= s->src.bytes_in_buffer) {
		s->src.next_input_byte += n;
		s->src.bytes_in_buffer -= n;
		return;
	}
	n -= s->src.bytes_in_buffer;
	s->src.bytes_in_buffer = 0;
	size_t left = s->jpeg->size - s->offset;
	s->offset += n < left ? n : left;
}

static void source_term(j_decompress_ptr cinfo)
{
	(void)cinfo;
}

/*
 * Called before each step of input: a new scan number means an SOS was
 * read, and its components are those of the scan just begun.
 */
static void on_progress(j_common_ptr common)
{
	struct fbk_jpeg_session *s = session_of(common);
	j_decompress_ptr cinfo = (j_decompress_ptr)common;
	if (cinfo->input_scan_number == s->last_scan)
		return;
	s->last_scan = cinfo->input_scan_number;
	if ((uint32_t)s->last_scan > s->jpeg->limits.max_jpeg_scans) {
		s->too_many_scans = true;
		longjmp(s->jump, 1);
	}
	for (int i = 0; i < cinfo->comps_in_scan; i++)
		s->scanned |= 1u << cinfo->cur_comp_info[i]->component_index;
}

/* ---- sessions ------------------------------------------------------------ */

/* The error that stopped a session, as an errno and a message naming the file. */
static int session_error(struct fbk_jpeg_session *s)
{
	const struct fbk_jpeg *jpeg = s->jpeg;
	const char *name = jpeg->name;
	if (s->file_changed || (s->truncated && fbk_jpeg_file_changed(jpeg)))
		return fbk_fail(-EIO, "%s: %s", name,
				jpeg->file.map ? "file changed while reading (it was truncated or "
					    "replaced while mapped)"
					  : "data changed while reading");
	if (s->too_many_scans)
		return fbk_fail(-EFBIG, "%s: the JPEG has more than %u scans, the limit "
				"(max_jpeg_scans)", name, (unsigned)jpeg->limits.max_jpeg_scans);
	if (s->truncated)
		return fbk_fail(-EBADMSG, "%s: corrupt JPEG: the data ends early (truncated file)",
				name);
	if (s->damaged)
		return fbk_fail(-EBADMSG, "%s: corrupt JPEG: %s", name, s->reason);
	switch (s->code) {
	case JERR_OUT_OF_MEMORY:
		return fbk_fail(-ENOMEM, "%s: out of memory while decoding", name);
	case JERR_NO_BACKING_STORE:
		return fbk_fail(-EFBIG, "%s: libjpeg-turbo needs more memory than the limit of "
				"%llu bytes (max_jpeg_memory)", name,
				(unsigned long long)jpeg->limits.max_jpeg_memory);
	case JERR_BAD_PRECISION:
		return fbk_fail(-ENOTSUP, "%s: cannot decode this JPEG: %s (this libjpeg-turbo "
				"decodes 8-bit samples only)", name, s->reason);
	case JERR_ARITH_NOTIMPL:
	case JERR_NOT_COMPILED:
		return fbk_fail(-ENOTSUP, "%s: cannot decode this JPEG: %s (arithmetic coding is "
				"not in this libjpeg-turbo build)", name, s->reason);
	case JERR_SOF_UNSUPPORTED:
		return fbk_fail(-ENOTSUP, "%s: cannot decode this JPEG: %s", name, s->reason);
	case JERR_NO_SOI:
		return fbk_fail(-EBADMSG, "%s: not a JPEG file", name);
	default:
		return fbk_fail(-EBADMSG, "%s: corrupt JPEG: %s", name, s->reason);
	}
}

/* Whether a file that ended without EOI left nothing out (see the top of the file). */
static bool picture_whole(j_decompress_ptr cinfo, unsigned scanned)
{
	for (int c = 0; c < cinfo->num_components; c++) {
		if (!(scanned >> c & 1))
			return false;
		if (!cinfo->progressive_mode)
			continue;
		for (int k = 0; k < DCTSIZE2; k++)
			if (cinfo->coef_bits[c][k] != 0)
				return false;
	}
	return true;
}

/* Once the input is complete: a missing EOI is a warning, or the truncation it hides. */
static int check_end(struct fbk_jpeg_session *s)
{
	if (!s->truncated || s->no_eoi_held)
		return 0;
	if (s->cinfo.arith_code)
		return fbk_fail(-EBADMSG, "%s: corrupt JPEG: the data ends early (truncated file: "
				"an arithmetic-coded file without its end marker may be cut anywhere)",
				s->jpeg->name);
	if (!picture_whole(&s->cinfo, s->scanned))
		return fbk_fail(-EBADMSG, "%s: corrupt JPEG: the data ends early (truncated file: "
				"it ends between two scans, before the picture is complete)",
				s->jpeg->name);
	s->no_eoi_held = true;
	if (!s->held++)
		snprintf(s->first_held, sizeof(s->first_held),
			 "the file ends without its end marker (EOI)");
	return 0;
}

static void log_held(struct fbk_jpeg_session *s)
{
	if (s->held > 1)
		fbk_log(FBK_LOG_WARNING, "%s: libjpeg: %s, and %d more warnings (shown anyway)",
			s->jpeg->name, s->first_held, s->held - 1);
	else if (s->held)
		fbk_log(FBK_LOG_WARNING, "%s: libjpeg: %s (shown anyway)", s->jpeg->name,
			s->first_held);
	s->held = 0;
}

static void session_free(struct fbk_jpeg_session *s)
{
	if (!s)
		return;
	if (s->created)
		jpeg_destroy_decompress(&s->cinfo);
	free(s->cmyk_block);
	free(s);
}

/*
 * A session with libjpeg's decompressor created over the handle's bytes.
 * Everything after this that calls libjpeg runs under setjmp(s->jump).
 */
static int session_new(struct fbk_jpeg_session **out, const struct fbk_jpeg *jpeg)
{
	struct fbk_jpeg_session *s = calloc(1, sizeof(*s));
	if (!s)
		return fbk_fail(-ENOMEM, "%s: out of memory for libjpeg-turbo", jpeg->name);
	s->jpeg = jpeg;
	s->cinfo.err = jpeg_std_error(&s->errmgr);
	s->errmgr.error_exit = on_error;
	s->errmgr.emit_message = on_message;
	s->errmgr.output_message = on_output;
	s->cinfo.client_data = s;
	if (setjmp(s->jump)) {
		int err = session_error(s);
		session_free(s);
		return err;
	}
	jpeg_create_decompress(&s->cinfo);
	s->created = true;
	s->src.init_source = source_init;
	s->src.fill_input_buffer = source_fill;
	s->src.skip_input_data = source_skip;
	s->src.resync_to_restart = jpeg_resync_to_restart;
	s->src.term_source = source_term;
	s->cinfo.src = &s->src;
	s->progress.progress_monitor = on_progress;
	s->cinfo.progress = &s->progress;
	/* libjpeg-turbo's own bound; our checks below come first and say more. */
	uint64_t limit = jpeg->limits.max_jpeg_memory;
	s->cinfo.mem->max_memory_to_use = limit > (uint64_t)LONG_MAX ? LONG_MAX : (long)limit;
	*out = s;
	return 0;
}

/* DCT coefficients libjpeg-turbo keeps for a multi-scan file (jdcoefct.c's arrays). */
static uint64_t coefficient_bytes(j_decompress_ptr cinfo)
{
	if (!jpeg_has_multiple_scans(cinfo))
		return 0;
	uint64_t total = 0;
	for (int c = 0; c < cinfo->num_components; c++) {
		const jpeg_component_info *comp = &cinfo->comp_info[c];
		uint64_t w = comp->width_in_blocks, h = comp->height_in_blocks;
		w = (w + comp->h_samp_factor - 1) / comp->h_samp_factor * comp->h_samp_factor;
		h = (h + comp->v_samp_factor - 1) / comp->v_samp_factor * comp->v_samp_factor;
		total += w * h * sizeof(JBLOCK);
	}
	return total;
}

/* The size limits, from the frame header alone: nothing image-sized exists yet. */
static int check_limits(const struct fbk_jpeg *jpeg, j_decompress_ptr cinfo)
{
	const struct fbk_image_limits *l = &jpeg->limits;
	uint32_t width = cinfo->image_width, height = cinfo->image_height;
	if (width > l->max_width || height > l->max_height)
		return fbk_fail(-EFBIG, "%s: a %ux%u image is over the size limit of %ux%u",
				jpeg->name, (unsigned)width, (unsigned)height,
				(unsigned)l->max_width, (unsigned)l->max_height);
	uint64_t pixels = (uint64_t)width * height;
	if (pixels > l->max_pixels)
		return fbk_fail(-EFBIG, "%s: a %ux%u image has %llu pixels, over the limit of %llu",
				jpeg->name, (unsigned)width, (unsigned)height,
				(unsigned long long)pixels, (unsigned long long)l->max_pixels);
	uint64_t coef = coefficient_bytes(cinfo);
	if (coef > l->max_jpeg_memory)
		return fbk_fail(-EFBIG, "%s: a progressive (multi-scan) %ux%u JPEG needs %llu bytes "
				"for its coefficients, over the limit of %llu (max_jpeg_memory)",
				jpeg->name, (unsigned)width, (unsigned)height,
				(unsigned long long)coef, (unsigned long long)l->max_jpeg_memory);
	return 0;
}

/* The orientation from the first APP1 segment that is EXIF. */
static int read_orientation(j_decompress_ptr cinfo)
{
	for (jpeg_saved_marker_ptr m = cinfo->marker_list; m; m = m->next) {
		int o = m->marker == JPEG_APP0 + 1 ? fbk_exif_orientation(m->data, m->data_length) : 0;
		if (o)
			return o;
	}
	return 1;
}

static bool transposed(int orientation)
{
	return orientation >= 5;
}

/* The header step of an open; runs under setjmp (see header_protected). */
static int header(struct fbk_jpeg_session *s, struct fbk_jpeg *jpeg)
{
	jpeg_save_markers(&s->cinfo, JPEG_APP0 + 1, 0xffff);
	jpeg_read_header(&s->cinfo, TRUE);
	int err = check_limits(jpeg, &s->cinfo);
	if (err)
		return err;
	jpeg->width = (int32_t)s->cinfo.image_width;
	jpeg->height = (int32_t)s->cinfo.image_height;
	int o = read_orientation(&s->cinfo);
	jpeg->info = (struct fbk_image_info){
		.type = FBK_IMAGE_JPEG,
		.width = transposed(o) ? jpeg->height : jpeg->width,
		.height = transposed(o) ? jpeg->width : jpeg->height,
		.orientation = (uint8_t)o,
		.components = (uint8_t)s->cinfo.num_components,
		.progressive = jpeg_has_multiple_scans(&s->cinfo),
		.coefficient_bytes = coefficient_bytes(&s->cinfo),
	};
	log_held(s);
	return 0;
}

/*
 * The functions that call setjmp change no local after it: what the
 * error path reads lives in *s.
 */
static int header_protected(struct fbk_jpeg_session *s, struct fbk_jpeg *jpeg)
{
	if (setjmp(s->jump))
		return session_error(s);
	return header(s, jpeg);
}

int fbk_jpeg_read_header(struct fbk_jpeg *jpeg)
{
	struct fbk_jpeg_session *s;
	int err = session_new(&s, jpeg);
	if (err)
		return err;
	err = header_protected(s, jpeg);
	session_free(s);
	return err;
}

/* ---- decoding ------------------------------------------------------------ */

static bool is_cmyk(const struct jpeg_decompress_struct *cinfo)
{
	return cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
}

/*
 * The extended colour space that is this surface format's bytes, or
 * JCS_UNKNOWN. libjpeg-turbo fills the X byte of XRGB8888 and XBGR8888
 * with 0xff where fbkit's packers write 0: the byte means nothing either
 * way, and clearing it would cost a pass over every row.
 */
static J_COLOR_SPACE direct_space(uint32_t format)
{
	switch (format) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	case FBK_FORMAT_XRGB8888:
		return JCS_EXT_BGRX;
	case FBK_FORMAT_ARGB8888:
		return JCS_EXT_BGRA;
	case FBK_FORMAT_XBGR8888:
		return JCS_EXT_RGBX;
	case FBK_FORMAT_ABGR8888:
		return JCS_EXT_RGBA;
	case FBK_FORMAT_RGB888:
		return JCS_EXT_BGR;
	case FBK_FORMAT_BGR888:
		return JCS_EXT_RGB;
#else
	case FBK_FORMAT_XRGB8888:
		return JCS_EXT_XRGB;
	case FBK_FORMAT_ARGB8888:
		return JCS_EXT_ARGB;
#endif
	default:
		return JCS_UNKNOWN;
	}
}

bool fbk_jpeg_direct_ok(const struct fbk_jpeg *jpeg, uint32_t format)
{
	return jpeg->info.components != 4 && direct_space(format) != JCS_UNKNOWN;
}

static int begin(struct fbk_jpeg_session *s, int eighths, uint32_t format, uint64_t extra_bytes,
		 int32_t *w, int32_t *h)
{
	const struct fbk_jpeg *jpeg = s->jpeg;
	j_decompress_ptr cinfo = &s->cinfo;
	jpeg_read_header(cinfo, TRUE);
	/*
	 * The callers chose their rows' format from the header read at open:
	 * a file rewritten in place as CMYK would write 4-byte words into a
	 * 3-byte surface's rows.
	 */
	if ((int32_t)cinfo->image_width != jpeg->width ||
	    (int32_t)cinfo->image_height != jpeg->height ||
	    cinfo->num_components != jpeg->info.components) {
		s->file_changed = jpeg->file.map != NULL;
		return fbk_fail(-EIO, "%s: the header changed since the file was opened", jpeg->name);
	}
	int err = check_limits(jpeg, cinfo);
	if (err)
		return err;
	uint64_t coef = coefficient_bytes(cinfo);
	if (extra_bytes > jpeg->limits.max_jpeg_memory - coef)
		return fbk_fail(-EFBIG, "%s: drawing this %dx%d JPEG turned needs %llu bytes (and "
				"%llu for coefficients), over the limit of %llu (max_jpeg_memory)",
				jpeg->name, (int)jpeg->width, (int)jpeg->height,
				(unsigned long long)extra_bytes, (unsigned long long)coef,
				(unsigned long long)jpeg->limits.max_jpeg_memory);
	if (is_cmyk(cinfo)) {
		s->cmyk = true;
		s->inverted = cinfo->saw_Adobe_marker;
		cinfo->out_color_space = JCS_CMYK;
	} else if (format) {
		cinfo->out_color_space = direct_space(format);
	} else {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		cinfo->out_color_space = JCS_EXT_BGRA;
#else
		cinfo->out_color_space = JCS_EXT_ARGB;
#endif
	}
	cinfo->scale_num = (unsigned)eighths;
	cinfo->scale_denom = 8;
	jpeg_start_decompress(cinfo);
	s->started = true;
	/* A multi-scan file is all read in by now. */
	if (jpeg_input_complete(cinfo)) {
		err = check_end(s);
		if (err)
			return err;
	}
	if (s->cmyk) {
		s->cmyk_row = fbk_jpeg_row_alloc((size_t)cinfo->output_width * 4, &s->cmyk_block);
		if (!s->cmyk_row)
			return fbk_fail(-ENOMEM, "%s: out of memory for a row", jpeg->name);
	}
	*w = (int32_t)cinfo->output_width;
	*h = (int32_t)cinfo->output_height;
	return 0;
}

static int begin_protected(struct fbk_jpeg_session *s, int eighths, uint32_t format,
			   uint64_t extra_bytes, int32_t *w, int32_t *h)
{
	if (setjmp(s->jump))
		return session_error(s);
	return begin(s, eighths, format, extra_bytes, w, h);
}

int fbk_jpeg_begin(struct fbk_jpeg_session **out, const struct fbk_jpeg *jpeg, int eighths,
		   uint32_t format, uint64_t extra_bytes, int32_t *w, int32_t *h)
{
	*out = NULL;
	int err = jpeg->file.map ? fbk_map_guard_prepare() : 0;
	struct fbk_jpeg_session *s = NULL;
	if (!err)
		err = session_new(&s, jpeg);
	if (err)
		return err;
	err = begin_protected(s, eighths, format, extra_bytes, w, h);
	if (err) {
		session_free(s);
		return err;
	}
	*out = s;
	return 0;
}

/*
 * CMYK to 0xffRRGGBB: R = (255 - C)(255 - K)/255, rounded. Adobe writes
 * the four values inverted (255 - C), as nearly every CMYK JPEG has them.
 */
static void cmyk_to_argb(const uint8_t *cmyk, uint32_t *out, uint32_t n, bool inverted)
{
	for (uint32_t i = 0; i < n; i++, cmyk += 4) {
		uint32_t c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
		if (!inverted) {
			c = 255 - c;
			m = 255 - m;
			y = 255 - y;
			k = 255 - k;
		}
		uint32_t r = (c * k + 127) / 255, g = (m * k + 127) / 255, b = (y * k + 127) / 255;
		out[i] = 0xff000000u | r << 16 | g << 8 | b;
	}
}

/*
 * Measured: a 1920-pixel row written by non-temporal stores took 2.6 us
 * to go through the scaler's box sums (box_add) against 0.25 us after
 * plain stores, and contain of a 4K photo onto 1280x800 about 25% longer
 * when malloc put the row on a 32-byte boundary.
 */
uint8_t *fbk_jpeg_row_alloc(size_t bytes, void **block)
{
	size_t total;
	if (fbk_add_overflows(bytes, 16, &total))
		return NULL;
	*block = malloc(total);
	if (!*block)
		return NULL;
	uintptr_t at = (uintptr_t)*block;
	return (uint8_t *)*block + ((8 - (at & 15)) & 15);
}

int fbk_jpeg_read_rows(struct fbk_jpeg_session *s, uint8_t *const *rows, int n, int *got)
{
	*got = 0;
	if (setjmp(s->jump))
		return session_error(s);
	j_decompress_ptr cinfo = &s->cinfo;
	/* Dropped rows and CMYK rows go through one scratch row each. */
	if (s->cmyk || !rows[0]) {
		JSAMPROW row = s->cmyk_row;
		if (!row) {
			/* s->cmyk_row doubles as the scratch row of dropped rows. */
			size_t bytes = (size_t)cinfo->output_width * (size_t)cinfo->output_components;
			s->cmyk_row = fbk_jpeg_row_alloc(bytes, &s->cmyk_block);
			if (!s->cmyk_row)
				return fbk_fail(-ENOMEM, "%s: out of memory for a row", s->jpeg->name);
			row = s->cmyk_row;
		}
		if (!jpeg_read_scanlines(cinfo, &row, 1))
			return fbk_fail(-EBADMSG, "%s: corrupt JPEG: no scanline", s->jpeg->name);
		if (rows[0])
			cmyk_to_argb(row, (uint32_t *)(void *)rows[0], cinfo->output_width,
				     s->inverted);
		*got = 1;
		s->rows_read++;
		return 0;
	}
	int count = 1;
	while (count < n && rows[count])
		count++;
	JDIMENSION lines = jpeg_read_scanlines(cinfo, (JSAMPARRAY)rows, (JDIMENSION)count);
	if (!lines)
		return fbk_fail(-EBADMSG, "%s: corrupt JPEG: no scanline", s->jpeg->name);
	*got = (int)lines;
	s->rows_read += lines;
	return 0;
}

static int skip_protected(struct fbk_jpeg_session *s, int n)
{
	if (setjmp(s->jump))
		return session_error(s);
	JDIMENSION done = jpeg_skip_scanlines(&s->cinfo, (JDIMENSION)n);
	s->rows_read += done;
	if (done != (JDIMENSION)n)
		return fbk_fail(-EBADMSG, "%s: corrupt JPEG: fewer scanlines than its header says",
				s->jpeg->name);
	return 0;
}

int fbk_jpeg_skip_rows(struct fbk_jpeg_session *s, int n)
{
	return n > 0 ? skip_protected(s, n) : 0;
}

/*
 * A crop's edge pixels may differ from a full decode's: libjpeg-turbo's
 * smooth 4:2:0 and 4:2:2 upsampling treats the crop's edges as the
 * image's (libjpeg.txt, "Decompressing partial scanlines"). Columns this
 * far inside the crop come out as a full decode has them: the upsampler
 * reads one chroma sample (at most 4 pixels) past a column. Dropping the
 * margin made 6 of test_jpeg's cover comparisons differ, at the crop's
 * right edge.
 */
#define CROP_MARGIN 32

static int crop_protected(struct fbk_jpeg_session *s, int32_t *x, int32_t *w)
{
	if (setjmp(s->jump))
		return session_error(s);
	j_decompress_ptr cinfo = &s->cinfo;
	int32_t full = (int32_t)cinfo->output_width;
	int32_t left = *x > CROP_MARGIN ? *x - CROP_MARGIN : 0;
	int32_t right = full - (*x + *w) > CROP_MARGIN ? *x + *w + CROP_MARGIN : full;
	if (left == 0 && right == full) {
		*x = 0;
		*w = full;
		return 0;
	}
	JDIMENSION xoffset = (JDIMENSION)left, width = (JDIMENSION)(right - left);
	jpeg_crop_scanline(cinfo, &xoffset, &width);
	*x = (int32_t)xoffset;
	*w = (int32_t)width;
	return 0;
}

int fbk_jpeg_crop_columns(struct fbk_jpeg_session *s, int32_t *x, int32_t *w)
{
	return crop_protected(s, x, w);
}

static int finish_protected(struct fbk_jpeg_session *s, bool finish)
{
	if (setjmp(s->jump))
		return session_error(s);
	if (!finish) {
		jpeg_abort_decompress(&s->cinfo);
		return 0;
	}
	jpeg_finish_decompress(&s->cinfo);
	return check_end(s);
}

int fbk_jpeg_end(struct fbk_jpeg_session *s, int err)
{
	if (!s)
		return err;
	int finished = finish_protected(s, !err && s->started &&
					      s->rows_read == s->cinfo.output_height);
	if (!err)
		err = finished;
	if (!err)
		log_held(s);
	session_free(s);
	return err;
}
