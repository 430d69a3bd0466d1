/*
 * The text layer: fonts (the built-in 8x16 font, PSF files) in one
 * in-memory form (font.h), and drawing and measuring UTF-8 text with them.
 * It may call core, platform (guarded reads of font files) and pixel; never
 * draw's internals or the backends.
 *
 * This file: bitmap text. Each glyph row is read as one 64-bit word
 * (leftmost pixel in the top bit), cut to the clip, and painted either by
 * selecting packed colours 8 pixels at a time (opaque colours: the hot
 * path, no calls or branches per pixel) or as a span through the row
 * codec and the blend equations of pixel.h (translucent colours, so
 * results match fbk_fill with the same colour bit for bit).
 */
#include <errno.h>
#include <string.h>

#include "core/error.h"
#include "text/font.h"
#include "text/outline.h"
#include "pixel/pixel.h"
#include "text/utf8.h"

/* The loader's limits; the 64-bit row word needs width <= 64. */
#define MAX_CELL_WIDTH 64
#define MAX_CELL_HEIGHT 128
#define MAX_ROW_BYTES ((MAX_CELL_WIDTH + 7) / 8)
#define TAB_CELLS 8
#define TOP_BIT ((uint64_t)1 << 63)
#define NOT_A_CHAR UINT32_MAX

enum paint {
	PAINT_NONE,   /* leave the pixels alone */
	PAINT_OPAQUE, /* store the packed colour */
	PAINT_BLEND,  /* blend through the row codec */
};

struct painter;

/* Paints `rows` rows of a glyph (from `src`) starting at `row`, columns c0..c0+n-1. */
typedef void cell_fn(const struct painter *p, uint8_t *row, const uint8_t *src, int rows,
		     int c0, int n);

/* A glyph row as a word, leftmost pixel in the top bit. */
static inline uint64_t load_row(const uint8_t *src, uint32_t bytes_per_row)
{
	if (bytes_per_row == 1)
		return (uint64_t)src[0] << 56;
	uint64_t bits = 0;
	for (uint32_t i = 0; i < bytes_per_row; i++)
		bits |= (uint64_t)src[i] << (56 - 8 * i);
	return bits;
}

/*
 * Eight pixels at a time with GCC/clang vector types (SSE2 or NEON code,
 * plain scalar code elsewhere): each lane tests its own glyph bit, and
 * the resulting all-ones/all-zeros lanes select fg, bg or the old pixel.
 * A branch per pixel or per set bit would mispredict on every row.
 */
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef uint8_t u8x16 __attribute__((vector_size(16)));
typedef uint8_t u8x8 __attribute__((vector_size(8)));

/* 16-byte vectors: wider ones are split badly by compilers without AVX. */
static const u32x4 lane_bits_left = { 0x80, 0x40, 0x20, 0x10 };
static const u32x4 lane_bits_right = { 0x08, 0x04, 0x02, 0x01 };
static const u16x8 lane_bits_16 = { 0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01 };
/* 3-byte pixels: 8 of them are 24 bytes, a 16-byte and an 8-byte vector. */
static const u8x16 lane_bits_24_left = { 0x80, 0x80, 0x80, 0x40, 0x40, 0x40, 0x20, 0x20,
					 0x20, 0x10, 0x10, 0x10, 0x08, 0x08, 0x08, 0x04 };
static const u8x8 lane_bits_24_right = { 0x04, 0x04, 0x02, 0x02, 0x02, 0x01, 0x01, 0x01 };

enum mode {
	MODE_FG,   /* set pixels take fg, the others stay */
	MODE_BG,   /* unset pixels take bg, the others stay */
	MODE_BOTH, /* every pixel takes fg or bg */
};

struct wide_colors {
	u32x4 fg32, bg32;
	u16x8 fg16, bg16;
	u8x16 fg24_left, bg24_left;
	u8x8 fg24_right, bg24_right;
};

struct painter {
	uint8_t *pixels;
	size_t stride;
	int bpp;
	const struct fbk_row_codec *codec;
	bool dst_has_alpha;
	int64_t clip_x0, clip_y0, clip_x1, clip_y1; /* right and bottom exclusive */
	int32_t width, height;
	uint32_t bytes_per_row;
	enum paint fg_paint, bg_paint;
	uint32_t fg_packed, bg_packed, fg_argb, bg_argb;
	struct wide_colors wide; /* the packed colours in every lane */
	cell_fn *paint_cell;
};

static inline void paint4_4(uint8_t *at, uint32_t byte, u32x4 lane_bits,
			    const struct wide_colors *w, enum mode mode)
{
	u32x4 m = (u32x4)((((u32x4){ 0 } + byte) & lane_bits) == lane_bits), old, out;
	if (mode != MODE_BOTH)
		memcpy(&old, at, sizeof(old));
	switch (mode) {
	case MODE_FG: out = (w->fg32 & m) | (old & ~m); break;
	case MODE_BG: out = (old & m) | (w->bg32 & ~m); break;
	default: out = (w->fg32 & m) | (w->bg32 & ~m); break;
	}
	memcpy(at, &out, sizeof(out));
}

static inline void paint8_4(uint8_t *at, uint32_t byte, const struct wide_colors *w,
			    enum mode mode)
{
	paint4_4(at, byte, lane_bits_left, w, mode);
	paint4_4(at + 16, byte, lane_bits_right, w, mode);
}

static inline void paint8_2(uint8_t *at, uint32_t byte, const struct wide_colors *w,
			    enum mode mode)
{
	u16x8 m = (u16x8)((((u16x8){ 0 } + (uint16_t)byte) & lane_bits_16) == lane_bits_16), old, out;
	if (mode != MODE_BOTH)
		memcpy(&old, at, sizeof(old));
	switch (mode) {
	case MODE_FG: out = (w->fg16 & m) | (old & ~m); break;
	case MODE_BG: out = (old & m) | (w->bg16 & ~m); break;
	default: out = (w->fg16 & m) | (w->bg16 & ~m); break;
	}
	memcpy(at, &out, sizeof(out));
}

static inline void paint8_3(uint8_t *at, uint32_t byte, const struct wide_colors *w,
			    enum mode mode)
{
	u8x16 m = (u8x16)((((u8x16){ 0 } + (uint8_t)byte) & lane_bits_24_left) ==
			  lane_bits_24_left);
	u8x8 m8 = (u8x8)((((u8x8){ 0 } + (uint8_t)byte) & lane_bits_24_right) ==
			 lane_bits_24_right);
	u8x16 old = { 0 }, out;
	u8x8 old8 = { 0 }, out8;
	if (mode != MODE_BOTH) {
		memcpy(&old, at, sizeof(old));
		memcpy(&old8, at + 16, sizeof(old8));
	}
	switch (mode) {
	case MODE_FG:
		out = (w->fg24_left & m) | (old & ~m);
		out8 = (w->fg24_right & m8) | (old8 & ~m8);
		break;
	case MODE_BG:
		out = (old & m) | (w->bg24_left & ~m);
		out8 = (old8 & m8) | (w->bg24_right & ~m8);
		break;
	default:
		out = (w->fg24_left & m) | (w->bg24_left & ~m);
		out8 = (w->fg24_right & m8) | (w->bg24_right & ~m8);
		break;
	}
	memcpy(at, &out, sizeof(out));
	memcpy(at + 16, &out8, sizeof(out8));
}

static inline void paint_pixel(uint8_t *at, bool set, uint32_t fg, uint32_t bg, int bpp,
			       enum mode mode)
{
	if ((mode == MODE_FG && !set) || (mode == MODE_BG && set))
		return;
	uint32_t v = set ? fg : bg;
	if (bpp == 4) {
		memcpy(at, &v, 4);
	} else if (bpp == 2) {
		uint16_t h = (uint16_t)v;
		memcpy(at, &h, 2);
	} else {
		at[0] = (uint8_t)v;
		at[1] = (uint8_t)(v >> 8);
		at[2] = (uint8_t)(v >> 16);
	}
}

/* The first n columns of one row: groups of 8, then single pixels. */
static inline void paint_row(uint8_t *row, uint64_t bits, int n, const struct wide_colors *w,
			     uint32_t fg, uint32_t bg, int bpp, enum mode mode)
{
	int c = 0;
	for (; c + 8 <= n; c += 8, bits <<= 8) {
		if (bpp == 4)
			paint8_4(row + 4 * c, (uint32_t)(bits >> 56), w, mode);
		else if (bpp == 2)
			paint8_2(row + 2 * c, (uint32_t)(bits >> 56), w, mode);
		else
			paint8_3(row + 3 * c, (uint32_t)(bits >> 56), w, mode);
	}
	for (; c < n; c++, bits <<= 1)
		paint_pixel(row + (size_t)c * (size_t)bpp, bits & TOP_BIT, fg, bg, bpp, mode);
}

/*
 * One function per pixel size and mode, so each compiles to straight-line
 * code. Colours are copied to locals: stores to the pixels could alias
 * the painter as far as the compiler knows, forcing reloads. Whole cells
 * of 8-pixel-wide fonts (most console fonts, the built-in one) take a
 * loop with nothing in it but the row.
 */
#define CELL_PAINTER(bpp, mode, name)                                                          \
	static void name(const struct painter *p, uint8_t *row, const uint8_t *src, int rows,  \
			 int c0, int n)                                                        \
	{                                                                                      \
		const struct wide_colors w = p->wide;                                          \
		const uint32_t fg = p->fg_packed, bg = p->bg_packed;                           \
		const size_t stride = p->stride;                                               \
		const uint32_t bytes_per_row = p->bytes_per_row;                               \
		if (n == 8 && bytes_per_row == 1) {                                            \
			for (int r = 0; r < rows; r++, row += stride) {                        \
				if (bpp == 4)                                                  \
					paint8_4(row, src[r], &w, mode);                       \
				else if (bpp == 2)                                             \
					paint8_2(row, src[r], &w, mode);                       \
				else                                                           \
					paint8_3(row, src[r], &w, mode);                       \
			}                                                                      \
			return;                                                                \
		}                                                                              \
		for (int r = 0; r < rows; r++, row += stride, src += bytes_per_row)            \
			paint_row(row, load_row(src, bytes_per_row) << c0, n, &w, fg, bg, bpp, \
				  mode);                                                       \
	}

CELL_PAINTER(2, MODE_FG, cell_fg_2)
CELL_PAINTER(2, MODE_BG, cell_bg_2)
CELL_PAINTER(2, MODE_BOTH, cell_both_2)
CELL_PAINTER(3, MODE_FG, cell_fg_3)
CELL_PAINTER(3, MODE_BG, cell_bg_3)
CELL_PAINTER(3, MODE_BOTH, cell_both_3)
CELL_PAINTER(4, MODE_FG, cell_fg_4)
CELL_PAINTER(4, MODE_BG, cell_bg_4)
CELL_PAINTER(4, MODE_BOTH, cell_both_4)

static inline uint64_t first_columns(int n)
{
	return n >= 64 ? ~(uint64_t)0 : ~(~(uint64_t)0 >> n);
}

/*
 * Translucent colours: per row, unpack the part that changes, give each
 * pixel its source colour (fg, bg, or transparent for one left alone),
 * blend the span with fbk_over_row, and pack it back. fbk_over_row and
 * fbk_over_color_row (what fbk_fill uses) share one per-pixel equation,
 * so a pixel ends up exactly as filling it with the same colour would
 * leave it. Pixels left alone between changed ones go through unpack and
 * pack, which keeps their colour (X padding bits may be cleared).
 */
static void cell_blend(const struct painter *p, uint8_t *row, const uint8_t *src, int rows, int c0,
		       int n)
{
	uint64_t columns = first_columns(n);
	uint32_t fg = p->fg_paint == PAINT_NONE ? 0 : p->fg_argb;
	uint32_t bg = p->bg_paint == PAINT_NONE ? 0 : p->bg_argb;
	uint32_t span[MAX_CELL_WIDTH], colors[MAX_CELL_WIDTH];
	for (int r = 0; r < rows; r++, row += p->stride, src += p->bytes_per_row) {
		uint64_t bits = load_row(src, p->bytes_per_row) << c0;
		uint64_t touched = 0;
		if (p->fg_paint != PAINT_NONE)
			touched |= bits & columns;
		if (p->bg_paint != PAINT_NONE)
			touched |= ~bits & columns;
		if (!touched)
			continue;
		int lo = __builtin_clzll(touched), hi = 63 - __builtin_ctzll(touched);
		int count = hi - lo + 1;
		uint8_t *at = row + (size_t)lo * (size_t)p->bpp;
		bits <<= lo;
		for (int i = 0; i < count; i++, bits <<= 1)
			colors[i] = bits & TOP_BIT ? fg : bg;
		p->codec->unpack(span, at, count);
		fbk_over_row(span, colors, count, 255, p->dst_has_alpha);
		p->codec->pack(at, span, count);
	}
}

/*
 * One cell at (x, y) from a glyph bitmap in the font's layout, cut to the
 * clip. Painters only look at the first n columns, so padding bits right
 * of the glyph width (junk in some fonts) never show.
 */
static inline void draw_cell(const struct painter *p, const uint8_t *glyph, int64_t x, int64_t y)
{
	int64_t x0 = x > p->clip_x0 ? x : p->clip_x0;
	int64_t x1 = x + p->width < p->clip_x1 ? x + p->width : p->clip_x1;
	int64_t y0 = y > p->clip_y0 ? y : p->clip_y0;
	int64_t y1 = y + p->height < p->clip_y1 ? y + p->height : p->clip_y1;
	if (x0 >= x1 || y0 >= y1)
		return;
	uint8_t *row = p->pixels + (size_t)y0 * p->stride + (size_t)x0 * (size_t)p->bpp;
	const uint8_t *src = glyph + (size_t)(y0 - y) * p->bytes_per_row;
	p->paint_cell(p, row, src, (int)(y1 - y0), (int)(x0 - x), (int)(x1 - x0));
}

/*
 * One character of a NUL-terminated string; a byte that does not start a
 * valid sequence becomes NOT_A_CHAR and consumes 1 byte, so every bad byte
 * draws one replacement.
 */
static inline size_t next_char(const uint8_t *s, uint32_t *cp)
{
	size_t len = fbk_utf8_decode(s, SIZE_MAX, cp);
	if (len)
		return len;
	*cp = NOT_A_CHAR;
	return 1;
}

static int check_font(const struct fbk_font *font)
{
	if (!font)
		return fbk_fail(-EINVAL, "font is NULL");
	if (font->outline)
		return 0;
	if (font->width < 1 || font->width > MAX_CELL_WIDTH || font->height < 1 ||
	    font->height > MAX_CELL_HEIGHT ||
	    font->bytes_per_row < ((uint32_t)font->width + 7) / 8 ||
	    font->bytes_per_row > MAX_ROW_BYTES || (font->glyph_count && !font->glyphs))
		return fbk_fail(-EINVAL, "font cell %dx%d is not one fbkit can draw",
				(int)font->width, (int)font->height);
	return 0;
}

static enum paint classify(const struct fbk_color *c)
{
	if (!c || c->a == 0)
		return PAINT_NONE;
	return c->a == 255 ? PAINT_OPAQUE : PAINT_BLEND;
}

static void choose_cell_painter(struct painter *p)
{
	if (p->fg_paint == PAINT_BLEND || p->bg_paint == PAINT_BLEND) {
		p->paint_cell = cell_blend;
		return;
	}
	bool fg = p->fg_paint == PAINT_OPAQUE, bg = p->bg_paint == PAINT_OPAQUE;
	switch (p->bpp) {
	case 2: p->paint_cell = fg && bg ? cell_both_2 : fg ? cell_fg_2 : cell_bg_2; break;
	case 3: p->paint_cell = fg && bg ? cell_both_3 : fg ? cell_fg_3 : cell_bg_3; break;
	default: p->paint_cell = fg && bg ? cell_both_4 : fg ? cell_fg_4 : cell_bg_4; break;
	}
}

/* The replacement box: the outline of the cell inset by one pixel, in the font's layout. */
static void make_box(uint8_t *box, int32_t width, int32_t height, uint32_t bytes_per_row)
{
	memset(box, 0, (size_t)height * bytes_per_row);
	int32_t left = 1, right = width - 2, top = 1, bottom = height - 2;
	if (right < left || bottom < top)
		return;
	for (int32_t r = top; r <= bottom; r++) {
		uint8_t *row = box + (size_t)r * bytes_per_row;
		for (int32_t c = left; c <= right; c++)
			if (r == top || r == bottom || c == left || c == right)
				row[c / 8] |= (uint8_t)(0x80 >> (c % 8));
	}
}

static const uint8_t blank_cell[MAX_CELL_HEIGHT * MAX_ROW_BYTES];

int fbk_text_draw(struct fbk_surface *dst, const struct fbk_font *font, int32_t x, int32_t y,
		  const char *utf8, struct fbk_color fg, const struct fbk_color *bg)
{
	int err = fbk_surface_check(dst);
	if (err)
		return err;
	err = check_font(font);
	if (err)
		return err;
	if (!utf8)
		return fbk_fail(-EINVAL, "text is NULL");
	if (font->outline)
		return fbk_outline_draw(dst, font, x, y, true, utf8, fg, bg);

	struct painter p = {
		.pixels = dst->pixels,
		.stride = dst->stride,
		.width = font->width,
		.height = font->height,
		.bytes_per_row = font->bytes_per_row,
		.fg_paint = classify(&fg),
		.bg_paint = classify(bg),
	};
	if (p.fg_paint == PAINT_NONE && p.bg_paint == PAINT_NONE)
		return 0;
	/* The clip should lie inside the surface; cut it anyway rather than trust it. */
	struct fbk_rect bounds = { 0, 0, dst->width, dst->height }, clip;
	if (!fbk_rect_intersect(&bounds, &dst->clip, &clip))
		return 0;
	p.clip_x0 = clip.x;
	p.clip_y0 = clip.y;
	p.clip_x1 = (int64_t)clip.x + clip.w;
	p.clip_y1 = (int64_t)clip.y + clip.h;

	const struct fbk_format_info *info = fbk_format_info(dst->format);
	p.bpp = info->bytes_per_pixel;
	p.codec = fbk_row_codec(dst->format);
	p.dst_has_alpha = info->alpha.length != 0;
	p.fg_packed = fbk_color_pack(dst->format, fg);
	p.fg_argb = fbk_argb(fg);
	if (bg) {
		p.bg_packed = fbk_color_pack(dst->format, *bg);
		p.bg_argb = fbk_argb(*bg);
	}
	p.wide = (struct wide_colors){
		.fg32 = (u32x4){ 0 } + p.fg_packed,
		.bg32 = (u32x4){ 0 } + p.bg_packed,
		.fg16 = (u16x8){ 0 } + (uint16_t)p.fg_packed,
		.bg16 = (u16x8){ 0 } + (uint16_t)p.bg_packed,
	};
	for (int i = 0; i < 24; i++) {
		uint8_t f = (uint8_t)(p.fg_packed >> (8 * (i % 3)));
		uint8_t b = (uint8_t)(p.bg_packed >> (8 * (i % 3)));
		if (i < 16) {
			p.wide.fg24_left[i] = f;
			p.wide.bg24_left[i] = b;
		} else {
			p.wide.fg24_right[i - 16] = f;
			p.wide.bg24_right[i - 16] = b;
		}
	}
	choose_cell_painter(&p);

	size_t glyph_size = (size_t)font->height * font->bytes_per_row;
	uint8_t box[MAX_CELL_HEIGHT * MAX_ROW_BYTES];
	bool box_made = false;
	const uint8_t *replacement = NULL;
	if (font->replacement < font->glyph_count)
		replacement = font->glyphs + font->replacement * glyph_size;

	const uint8_t *s = (const uint8_t *)utf8;
	int64_t line_y = y, col = 0;
	while (*s) {
		/* Lines above or below the clip only need their newline found. */
		if (line_y + p.height <= p.clip_y0 || line_y >= p.clip_y1) {
			if (line_y >= p.clip_y1)
				break;
			const char *nl = strchr((const char *)s, '\n');
			if (!nl)
				break;
			s = (const uint8_t *)nl + 1;
			line_y += p.height;
			continue;
		}
		uint32_t cp;
		s += next_char(s, &cp);
		if (cp == '\n') {
			line_y += p.height;
			col = 0;
			continue;
		}
		int64_t cell_x = x + col * p.width;
		if (cell_x >= p.clip_x1) {
			/* Cells only move right along a line: the rest of it is clipped. */
			const char *nl = strchr((const char *)s, '\n');
			if (!nl)
				break;
			s = (const uint8_t *)nl;
			continue;
		}
		if (cp == '\t') {
			int64_t next = (col / TAB_CELLS + 1) * TAB_CELLS;
			if (p.bg_paint != PAINT_NONE)
				for (; col < next; col++)
					draw_cell(&p, blank_cell, x + col * p.width, line_y);
			col = next;
			continue;
		}
		col++;
		if (cell_x + p.width <= p.clip_x0)
			continue;
		uint32_t glyph = cp == NOT_A_CHAR ? FBK_NO_GLYPH : fbk_font_glyph(font, cp);
		const uint8_t *bitmap;
		if (glyph < font->glyph_count) {
			bitmap = font->glyphs + glyph * glyph_size;
		} else if (replacement) {
			bitmap = replacement;
		} else {
			if (!box_made) {
				make_box(box, p.width, p.height, p.bytes_per_row);
				box_made = true;
			}
			bitmap = box;
		}
		draw_cell(&p, bitmap, cell_x, line_y);
	}
	return 0;
}

int fbk_text_measure(const struct fbk_font *font, const char *utf8, int32_t *width,
		     int32_t *height)
{
	if (width)
		*width = 0;
	if (height)
		*height = 0;
	int err = check_font(font);
	if (err)
		return err;
	if (!utf8)
		return fbk_fail(-EINVAL, "text is NULL");
	if (font->outline) {
		struct fbk_text_extents e = FBK_TEXT_EXTENTS_INIT;
		err = fbk_outline_extents(font, utf8, &e);
		if (err)
			return err;
		if (width)
			*width = e.width;
		if (height)
			*height = e.height;
		return 0;
	}
	if (!*utf8)
		return 0;
	const uint8_t *s = (const uint8_t *)utf8;
	int64_t lines = 1, col = 0, widest = 0;
	while (*s) {
		uint32_t cp;
		s += next_char(s, &cp);
		if (cp == '\n') {
			lines++;
			col = 0;
		} else if (cp == '\t') {
			col = (col / TAB_CELLS + 1) * TAB_CELLS;
		} else {
			col++;
		}
		if (col > widest)
			widest = col;
	}
	int64_t w = widest * font->width, h = lines * font->height;
	if (w > INT32_MAX || h > INT32_MAX)
		return fbk_fail(-EFBIG, "text of %lld cells by %lld lines is too large to measure",
				(long long)widest, (long long)lines);
	if (width)
		*width = (int32_t)w;
	if (height)
		*height = (int32_t)h;
	return 0;
}

/* Bitmap fonts: the baseline a quarter of the cell above its bottom (row 12 of 16). */
static int32_t bitmap_descent(const struct fbk_font *font)
{
	return font->height / 4;
}

int fbk_text_draw_baseline(struct fbk_surface *dst, const struct fbk_font *font, int32_t x,
			   int32_t y, const char *utf8, struct fbk_color fg,
			   const struct fbk_color *bg)
{
	int err = fbk_surface_check(dst);
	if (err)
		return err;
	err = check_font(font);
	if (err)
		return err;
	if (!utf8)
		return fbk_fail(-EINVAL, "text is NULL");
	if (font->outline)
		return fbk_outline_draw(dst, font, x, y, false, utf8, fg, bg);
	int64_t top = (int64_t)y - (font->height - bitmap_descent(font));
	if (top < INT32_MIN)
		return 0; /* every row would lie above any surface */
	return fbk_text_draw(dst, font, x, (int32_t)top, utf8, fg, bg);
}

int fbk_text_extents(const struct fbk_font *font, const char *utf8, struct fbk_text_extents *out)
{
	if (!out)
		return fbk_fail(-EINVAL, "extents pointer is NULL");
	if (out->size < sizeof(*out))
		return fbk_fail(-EINVAL, "struct fbk_text_extents size %zu is less than %zu: set it "
				"with FBK_TEXT_EXTENTS_INIT", out->size, sizeof(*out));
	*out = (struct fbk_text_extents){ .size = out->size };
	int err = check_font(font);
	if (err)
		return err;
	if (!utf8)
		return fbk_fail(-EINVAL, "text is NULL");
	if (font->outline)
		return fbk_outline_extents(font, utf8, out);
	err = fbk_text_measure(font, utf8, &out->width, &out->height);
	if (err)
		return err;
	out->descent = bitmap_descent(font);
	out->ascent = font->height - out->descent;
	out->line_height = font->height;
	/* The cells of the last line, counted from its start. */
	const char *last = strrchr(utf8, '\n');
	int32_t last_width = 0;
	err = fbk_text_measure(font, last ? last + 1 : utf8, &last_width, NULL);
	if (err)
		return err;
	out->advance = last_width > INT32_MAX / 64 ? INT32_MAX : last_width * 64;
	if (out->width && out->height)
		out->ink = (struct fbk_rect){ 0, 0, out->width, out->height };
	return 0;
}
