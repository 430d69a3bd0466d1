/*
 * Drawing a JPEG handle: where its scanlines go. At the size drawn (the
 * natural size, or a DCT scale that is exactly the fitted size),
 * libjpeg-turbo writes the visible rows straight into the surface when it
 * has the surface's format and every column is visible; otherwise each
 * scanline comes as 0xffRRGGBB words and goes to fbk_blit. Any other size
 * goes through the streaming scaler (resample.c) from the smallest DCT
 * scale still at least the fitted size.
 *
 * EXIF orientations: 2 to 4 (mirrors, 180 degrees) stream as orientation
 * 1 does, rows reversed or fed bottom-up (to a scaler told that its output
 * is upside down). 5 to 8 (turned by 90 or 270 degrees) make each
 * scanline a column of the picture, so they cost a buffer of 32-bit
 * pixels: of the visible part of the picture at its size drawn, or, when
 * scaled, of the whole picture at its DCT scale (the scaler needs rows,
 * which only exist once every scanline is in). For contain or cover of a
 * photo no larger than 8 times the drawn size, that DCT scale is under
 * twice the drawn size in each direction, so the buffer is under 16 bytes
 * per drawn pixel (1280x800: at most 16 MiB; a 4000x3000 portrait photo
 * contained in 1280x800 is decoded at 1/4, 750x1000, 3 MiB). Both are held
 * to max_jpeg_memory before allocating.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clip.h"
#include "core/error.h"
#include "core/overflow.h"
#include "image/jpeg_internal.h"
#include "image/resample.h"

/* Scanlines handed to libjpeg-turbo per call when it writes into the surface. */
#define BATCH 16

/* Where a draw's rows go. */
struct out {
	struct fbk_surface *dst;
	struct fbk_rect area;     /* the dst pixels this draw may change */
	int orientation;
	int32_t sw, sh;           /* scanlines as decoded: sh rows of sw pixels */
	int32_t cw;               /* of which each holds cw (a crop's width, else sw) */
	int32_t pic_x;            /* the picture column of an oriented row's first pixel */
	int32_t x, y;             /* plain: dst position of the picture's top-left */
	struct fbk_resampler *resampler;
	int32_t top;              /* scaled: dst row of output row 0 */
	int32_t fitted_h;
	bool upside_down;         /* scaled: output rows come bottom-up */
	uint32_t *row, *mirror;   /* a scanline as words, and reversed, in row_block */
	void *row_block;
	uint32_t *buffer;         /* orientations 5-8 */
};

static bool transposed(int o)
{
	return o >= 5;
}

/* Orientations 1-4: scanlines reversed (2, 3), rows bottom-up (3, 4). */
static bool flips_x(int o)
{
	return o == 2 || o == 3;
}

static bool flips_y(int o)
{
	return o == 3 || o == 4;
}

static int blit_words(struct fbk_surface *dst, int32_t x, int32_t y, const uint32_t *words,
		      int32_t w, int32_t h, size_t stride)
{
	struct fbk_surface src;
	int err = fbk_surface_init(&src, (void *)words, w, h, stride, FBK_FORMAT_ARGB8888);
	return err ? err : fbk_blit(dst, x, y, &src, NULL, FBK_OP_SRC, 255);
}

static const uint32_t *oriented_row(struct out *o)
{
	if (!flips_x(o->orientation))
		return o->row;
	for (int32_t i = 0; i < o->cw; i++)
		o->mirror[i] = o->row[o->cw - 1 - i];
	return o->mirror;
}

static int alloc_rows(struct out *o, const struct fbk_jpeg *jpeg)
{
	size_t bytes;
	if (fbk_mul_overflows((size_t)o->sw, 8, &bytes))
		return fbk_fail(-EFBIG, "%s: too wide", jpeg->name);
	o->row = (uint32_t *)(void *)fbk_jpeg_row_alloc(bytes, &o->row_block);
	if (!o->row)
		return fbk_fail(-ENOMEM, "%s: out of memory for a row", jpeg->name);
	o->mirror = o->row + o->sw;
	return 0;
}

/* ---- at the size drawn --------------------------------------------------- */

/*
 * libjpeg-turbo writes rows first .. end - 1 of the picture into the
 * surface area itself; the rows above are skipped (entropy-decoded only).
 */
static int decode_direct(struct fbk_jpeg_session *s, struct out *o)
{
	int32_t first = o->area.y - o->y, end = first + o->area.h;
	int err = fbk_jpeg_skip_rows(s, first);
	for (int32_t sy = first; !err && sy < end;) {
		uint8_t *rows[BATCH];
		int n = end - sy < BATCH ? end - sy : BATCH;
		int32_t dst_y = o->area.y + (sy - first);
		for (int i = 0; i < n; i++)
			rows[i] = fbk_surface_pixel(o->dst, o->area.x, dst_y + i);
		int got;
		err = fbk_jpeg_read_rows(s, rows, n, &got);
		sy += got;
	}
	return err;
}

/* The scanline rows a plain draw needs: [*first, *end). */
static void plain_rows(const struct out *o, int32_t *first, int32_t *end)
{
	/* The visible part in picture coordinates. */
	int32_t px = o->area.x - o->x, py = o->area.y - o->y;
	int32_t lo, hi;
	if (!transposed(o->orientation)) {
		lo = py;
		hi = py + o->area.h;
	} else {
		lo = px;
		hi = px + o->area.w;
	}
	/* Which scanlines those are, reading the picture's axis backwards where it is. */
	bool backwards = transposed(o->orientation) ? o->orientation == 6 || o->orientation == 7
						    : flips_y(o->orientation);
	*first = backwards ? o->sh - hi : lo;
	*end = backwards ? o->sh - lo : hi;
}

/*
 * Scanline sy into the visible-area buffer (orientations 5-8): it is
 * picture column 5/8: sy, 6/7: sh - 1 - sy; its pixel sx is picture row
 * 5/6: sx, 7/8: sw - 1 - sx.
 */
static void put_column(struct out *o, int32_t sy)
{
	int ori = o->orientation;
	int32_t px = ori == 5 || ori == 8 ? sy : o->sh - 1 - sy;
	int32_t col = o->x + px - o->area.x;
	if (col < 0 || col >= o->area.w)
		return;
	for (int32_t r = 0; r < o->area.h; r++) {
		int32_t py = o->area.y + r - o->y;
		int32_t sx = ori == 5 || ori == 6 ? py : o->sw - 1 - py;
		o->buffer[(size_t)r * (size_t)o->area.w + (size_t)col] = o->row[sx];
	}
}

static int decode_words(struct fbk_jpeg_session *s, struct out *o)
{
	int32_t first, end;
	plain_rows(o, &first, &end);
	int err = fbk_jpeg_skip_rows(s, first);
	if (err)
		return err;
	for (int32_t sy = first; sy < end; sy++) {
		uint8_t *rows[1] = { (uint8_t *)o->row };
		int got;
		err = fbk_jpeg_read_rows(s, rows, 1, &got);
		if (err)
			return err;
		if (transposed(o->orientation)) {
			put_column(o, sy);
			continue;
		}
		int32_t py = flips_y(o->orientation) ? o->sh - 1 - sy : sy;
		const uint32_t *row = oriented_row(o);
		err = blit_words(o->dst, o->area.x, o->y + py, row + (o->area.x - o->x), o->area.w,
				 1, (size_t)o->area.w * 4);
		if (err)
			return err;
	}
	if (transposed(o->orientation))
		return blit_words(o->dst, o->area.x, o->area.y, o->buffer, o->area.w, o->area.h,
				  (size_t)o->area.w * 4);
	return 0;
}

/*
 * The picture decoded at eighths/8 (shown as w x h) drawn with its
 * top-left at (x, y), cut to dst's clip.
 */
static int draw_plain(struct fbk_surface *dst, const struct fbk_jpeg *jpeg, int eighths,
		      int32_t x, int32_t y, int32_t w, int32_t h)
{
	struct fbk_rect image = { x, y, w, h };
	struct fbk_rect clip = fbk_effective_clip(dst), area;
	if (!fbk_rect_intersect(&image, &clip, &area))
		return 0;
	struct out o = { .dst = dst, .area = area, .orientation = jpeg->info.orientation,
			 .x = x, .y = y };
	bool direct = o.orientation == 1 && area.x == x && area.w == w &&
		      fbk_jpeg_direct_ok(jpeg, dst->format);
	uint64_t extra = 0;
	if (transposed(o.orientation))
		extra = (uint64_t)area.w * (uint64_t)area.h * 4;
	struct fbk_jpeg_session *s;
	int err = fbk_jpeg_begin(&s, jpeg, eighths, direct ? dst->format : 0, extra, &o.sw,
				 &o.sh);
	if (err)
		return err;
	o.cw = o.sw;
	if ((transposed(o.orientation) ? o.sh : o.sw) != w ||
	    (transposed(o.orientation) ? o.sw : o.sh) != h) {
		err = fbk_fail(-EINVAL, "%s: internal error: decoded at %dx%d, not %dx%d", jpeg->name,
			       (int)o.sw, (int)o.sh, (int)w, (int)h);
	} else if (direct) {
		err = decode_direct(s, &o);
	} else {
		err = alloc_rows(&o, jpeg);
		if (!err && transposed(o.orientation)) {
			o.buffer = malloc((size_t)extra);
			if (!o.buffer)
				err = fbk_fail(-ENOMEM, "%s: out of memory for the turned picture's "
					       "%dx%d visible pixels", jpeg->name, (int)area.w,
					       (int)area.h);
		}
		if (!err)
			err = decode_words(s, &o);
	}
	err = fbk_jpeg_end(s, err);
	free(o.row_block);
	free(o.buffer);
	return err;
}

int fbk_jpeg_draw(struct fbk_surface *dst, const struct fbk_jpeg *jpeg, int32_t x, int32_t y)
{
	return draw_plain(dst, jpeg, 8, x, y, jpeg->info.width, jpeg->info.height);
}

/* ---- scaled -------------------------------------------------------------- */

static int emit_row(void *userdata, int32_t y, const uint32_t *row)
{
	struct out *o = userdata;
	int32_t dst_y = o->upside_down ? o->top + (o->fitted_h - 1 - y) : o->top + y;
	return blit_words(o->dst, o->area.x, dst_y, row, o->area.w, 1, (size_t)o->area.w * 4);
}

/*
 * Orientations 1-4: each scanline is a row of the picture, pushed as it
 * comes. Only the columns the scaler reads are decoded (cover cuts the
 * sides off a picture wider than the box; a clip may too): libjpeg-turbo
 * then runs the inverse DCT, upsampling and colour conversion on those
 * iMCU columns only, with the same pixels (fbk_jpeg_crop_columns). Runs of rows the scaler does not need (above what cover or the
 * clip leaves visible; between the rows the nearest filter picks) are
 * skipped with jpeg_skip_scanlines, which passes whole iMCU rows with
 * entropy decoding only (no inverse DCT, upsampling or colour conversion)
 * and decodes and drops the rest, with the same rows after as a full
 * decode. Rows below the last needed are never reached.
 */
static int scale_rows(struct fbk_jpeg_session *s, struct out *o)
{
	int32_t first, count;
	fbk_resampler_source_columns(o->resampler, &first, &count);
	/* Picture columns to scanline columns: mirrored ones read the scanline backwards. */
	int32_t x = flips_x(o->orientation) ? o->sw - first - count : first, w = count;
	int err = fbk_jpeg_crop_columns(s, &x, &w);
	if (err)
		return err;
	o->cw = w;
	o->pic_x = flips_x(o->orientation) ? o->sw - x - w : x;
	for (int32_t sy = 0; sy < o->sh && !fbk_resampler_done(o->resampler);) {
		int32_t run = 0;
		while (sy + run < o->sh && !fbk_resampler_needs_row(o->resampler, sy + run))
			run++;
		err = fbk_jpeg_skip_rows(s, run);
		for (int32_t k = 0; !err && k < run; k++)
			err = fbk_resampler_push(o->resampler, NULL, emit_row, o);
		sy += run;
		if (err || sy >= o->sh)
			return err;
		uint8_t *rows[1] = { (uint8_t *)o->row };
		int got;
		err = fbk_jpeg_read_rows(s, rows, 1, &got);
		if (!err)
			err = fbk_resampler_push_columns(o->resampler,
							 oriented_row(o) + (first - o->pic_x),
							 emit_row, o);
		if (err)
			return err;
		sy++;
	}
	return 0;
}

/* Orientations 5-8: every scanline into the turned picture, then its rows to the scaler. */
static int scale_turned(struct fbk_jpeg_session *s, struct out *o)
{
	int ori = o->orientation;
	size_t pw = (size_t)o->sh; /* the picture is sh wide, sw high */
	for (int32_t sy = 0; sy < o->sh; sy++) {
		uint8_t *rows[1] = { (uint8_t *)o->row };
		int got;
		int err = fbk_jpeg_read_rows(s, rows, 1, &got);
		if (err)
			return err;
		size_t px = (size_t)(ori == 5 || ori == 8 ? sy : o->sh - 1 - sy);
		for (int32_t sx = 0; sx < o->sw; sx++) {
			size_t py = (size_t)(ori == 5 || ori == 6 ? sx : o->sw - 1 - sx);
			o->buffer[py * pw + px] = o->row[sx];
		}
	}
	for (int32_t py = 0; py < o->sw && !fbk_resampler_done(o->resampler); py++) {
		int err = fbk_resampler_push(o->resampler, o->buffer + (size_t)py * pw, emit_row, o);
		if (err)
			return err;
	}
	return 0;
}

/* Decoded size at eighths/8, as libjpeg-turbo computes it (rounded up). */
static int32_t scaled(int32_t n, int eighths)
{
	return (int32_t)(((int64_t)n * eighths + 7) / 8);
}

/*
 * The largest reduction whose output is still at least tw x th (stored
 * orientation), among 1/8, 1/4 and 1/2: libjpeg-turbo has SIMD inverse
 * DCTs for those. It scales by any M/8, but 3/8 of a 4K photo for
 * 1280x800, whose 1440x810 pixels would leave the scaler 44% less work
 * than 1/2's 1920x1080, took longer in all (3x3 and 6x6 inverse DCTs in
 * plain C: 30-35 ms against 22-30 ms, three alternating runs on the busy
 * build machine).
 */
static int pick_scale(const struct fbk_jpeg *jpeg, int32_t tw, int32_t th)
{
	for (int m = 1; m < 8; m *= 2)
		if (scaled(jpeg->width, m) >= tw && scaled(jpeg->height, m) >= th)
			return m;
	return 8;
}

static int draw_scaled(struct fbk_surface *dst, const struct fbk_jpeg *jpeg, int eighths,
		       const struct fbk_rect *fitted, const struct fbk_rect *area,
		       enum fbk_filter filter)
{
	struct out o = { .dst = dst, .area = *area, .orientation = jpeg->info.orientation,
			 .top = fitted->y, .fitted_h = fitted->h };
	bool turned = transposed(o.orientation);
	int32_t sw = scaled(jpeg->width, eighths), sh = scaled(jpeg->height, eighths);
	int32_t pw = turned ? sh : sw, ph = turned ? sw : sh;
	if (pw > FBK_MAX_DIMENSION || ph > FBK_MAX_DIMENSION || fitted->w > FBK_MAX_DIMENSION ||
	    fitted->h > FBK_MAX_DIMENSION)
		return fbk_fail(-EFBIG,
				"%s: cannot scale %dx%d to %dx%d: the scaler works up to %dx%d",
				jpeg->name, (int)pw, (int)ph, (int)fitted->w, (int)fitted->h,
				FBK_MAX_DIMENSION, FBK_MAX_DIMENSION);
	struct fbk_rect visible = { (int32_t)((int64_t)area->x - fitted->x),
				    (int32_t)((int64_t)area->y - fitted->y), area->w, area->h };
	o.upside_down = flips_y(o.orientation);
	if (o.upside_down)
		visible.y = fitted->h - visible.y - visible.h;
	uint64_t extra = turned ? (uint64_t)sw * (uint64_t)sh * 4 : 0;
	struct fbk_jpeg_session *s;
	int err = fbk_jpeg_begin(&s, jpeg, eighths, 0, extra, &o.sw, &o.sh);
	if (err)
		return err;
	o.cw = o.sw;
	if (o.sw != sw || o.sh != sh)
		err = fbk_fail(-EINVAL, "%s: internal error: decoded at %dx%d, not %dx%d",
			       jpeg->name, (int)o.sw, (int)o.sh, (int)sw, (int)sh);
	if (!err)
		err = fbk_resampler_create(&o.resampler, pw, ph, fitted->w, fitted->h, filter,
					   &visible);
	if (!err)
		err = alloc_rows(&o, jpeg);
	if (!err && turned) {
		o.buffer = malloc((size_t)extra);
		if (!o.buffer)
			err = fbk_fail(-ENOMEM, "%s: out of memory for the turned %dx%d picture",
				       jpeg->name, (int)pw, (int)ph);
	}
	if (!err)
		err = turned ? scale_turned(s, &o) : scale_rows(s, &o);
	err = fbk_jpeg_end(s, err);
	fbk_resampler_destroy(o.resampler);
	free(o.row_block);
	free(o.buffer);
	return err;
}

int fbk_jpeg_draw_fit(struct fbk_surface *dst, const struct fbk_jpeg *jpeg,
		      const struct fbk_rect *box, enum fbk_fit fit, unsigned align,
		      enum fbk_filter filter)
{
	struct fbk_rect fitted, cut, area;
	int err = fbk_fit_rect(jpeg->info.width, jpeg->info.height, box, fit, align, &fitted);
	if (err)
		return err;
	struct fbk_rect clip = fbk_effective_clip(dst);
	if (!fbk_rect_intersect(&fitted, box, &cut) || !fbk_rect_intersect(&cut, &clip, &area))
		return 0;
	bool turned = transposed(jpeg->info.orientation);
	int eighths = pick_scale(jpeg, turned ? fitted.h : fitted.w, turned ? fitted.w : fitted.h);
	int32_t sw = scaled(jpeg->width, eighths), sh = scaled(jpeg->height, eighths);
	if ((turned ? sh : sw) == fitted.w && (turned ? sw : sh) == fitted.h) {
		/* Exactly the size drawn: the plain path, clipped to the box as well. */
		struct fbk_surface view = *dst;
		view.clip = area;
		return draw_plain(&view, jpeg, eighths, fitted.x, fitted.y, fitted.w, fitted.h);
	}
	return draw_scaled(dst, jpeg, eighths, &fitted, &area, filter);
}
