/*
 * fbkit-demo: a showcase that runs until you quit (q, Escape, Ctrl-C, or a
 * tap in a corner of a touchscreen; a touch moves a marker):
 * animated lines, text in the built-in and a PSF font, translucent PNG
 * icons moving over a photo, anti-aliased shapes (buttons, a gauge, a
 * chart), a frames-per-second counter; each frame
 * presents only the rectangles that changed. With no display device (or
 * --display offscreen) it renders a number of frames in memory; the last
 * is written to a PNG only when --snapshot names one.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/input-event-codes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fbkit.h"
#include "terminal.h"

#define OFFSCREEN_FRAMES 60 /* frames rendered offscreen when --frames is not given */
#define MAX_SPRITES 6
#define MAX_RECTS (2 * MAX_SPRITES + 4)

/*
 * Where the photo and icons are installed. A demo run from a build folder
 * finds the source tree's through $FBKIT_DEMO_IMAGES (meson devenv sets
 * it), never through a path compiled in: the binary that is installed is
 * the one built, and it must not name the build machine's folders.
 */
#ifndef FBK_DEMO_IMAGES
#define FBK_DEMO_IMAGES "/usr/local/share/fbkit/images"
#endif

static const char *const default_fonts[] = {
	"/usr/share/consolefonts/Lat15-TerminusBold16.psf.gz",
	"/usr/share/consolefonts/Lat15-Terminus16.psf.gz",
	"/usr/share/consolefonts/Lat15-Fixed16.psf.gz",
	NULL,
};

#define DEFAULT_TTF "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
#define DEFAULT_TTF_BOLD "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

static void usage(void)
{
	printf("Usage: fbkit-demo [OPTION]...\n"
	       "fbkit's showcase: animated lines, text, PNG icons blended over a photo, an\n"
	       "FPS counter. Runs until q, Escape or Ctrl-C; offscreen it renders %d frames.\n"
	       "On a display device keyboards, touchscreens and mice are read too: a touch\n"
	       "(or a click) moves a marker, a tap in a corner quits.\n"
	       "It writes no file unless --snapshot names one.\n\n"
	       "  --display SPEC    display to use (default: $FBKIT_DISPLAY, else auto;\n"
	       "                    falls back to offscreen when no device is found)\n"
	       "                    e.g. offscreen:800x480,format=RG16  fbdev:/dev/fb0  drm\n"
	       "  --frames N        stop after N frames (default: until quit; %d offscreen)\n"
	       "  --snapshot FILE   write the last frame to a PNG\n"
	       "  --fixed-time      animate at exactly 60 frames per second of pretend time\n"
	       "                    and show no measured rate: the same frames every run\n"
	       "  --images DIR      the photo and icons (default: $FBKIT_DEMO_IMAGES, else\n"
	       "                    " FBK_DEMO_IMAGES ")\n"
	       "  --font PATH|none  PSF console font for the second text sample\n"
	       "                    (default: a Terminus or Fixed font from kbd, if installed)\n"
	       "  --ttf PATH|none   TrueType/OpenType font for the title and a text sample\n"
	       "                    (default: DejaVu Sans, if installed; none: bitmap only)\n"
	       "  -q, --quiet       no warnings (offscreen fallback) or progress messages;\n"
	       "                    errors are still reported\n"
	       "  -h, --help        show this help\n"
	       "  -V, --version     show the version\n",
	       OFFSCREEN_FRAMES, OFFSCREEN_FRAMES);
}

/* Hue in [0, 1536) to a saturated colour. */
static struct fbk_color hue(int h)
{
	int x = h % 256;
	switch (h / 256 % 6) {
	case 0: return FBK_RGB(255, (uint8_t)x, 0);
	case 1: return FBK_RGB((uint8_t)(255 - x), 255, 0);
	case 2: return FBK_RGB(0, 255, (uint8_t)x);
	case 3: return FBK_RGB(0, (uint8_t)(255 - x), 255);
	case 4: return FBK_RGB((uint8_t)x, 0, 255);
	default: return FBK_RGB(255, 0, (uint8_t)(255 - x));
	}
}

static void draw_background(struct fbk_surface *s)
{
	for (int32_t y = 0; y < s->height; y++) {
		uint8_t t = (uint8_t)(y * 255 / s->height);
		struct fbk_rect row = { 0, y, s->width, 1 };
		fbk_fill(s, &row, FBK_RGB((uint8_t)(16 + t / 8), (uint8_t)(24 + t / 6), (uint8_t)(64 - t / 5)));
	}
}

/* Text drawn with every set pixel as a scale x scale block: a big title from the small font. */
static void draw_big_text(struct fbk_surface *s, const struct fbk_font *font, int32_t x, int32_t y,
			  int32_t scale, const char *text, struct fbk_color color)
{
	int32_t w, h;
	struct fbk_surface *mask;
	if (fbk_text_measure(font, text, &w, &h) || w == 0 ||
	    fbk_surface_create(&mask, w, h, FBK_FORMAT_ARGB8888))
		return;
	fbk_text_draw(mask, font, 0, 0, text, FBK_RGB(255, 255, 255), NULL);
	for (int32_t my = 0; my < h; my++)
		for (int32_t mx = 0; mx < w; mx++) {
			const uint32_t *p = (const uint32_t *)((const uint8_t *)mask->pixels + my * mask->stride);
			if (p[mx] >> 24) {
				struct fbk_rect shadow = { x + mx * scale + 3, y + my * scale + 3, scale, scale };
				struct fbk_rect block = { x + mx * scale, y + my * scale, scale, scale };
				fbk_fill(s, &shadow, FBK_RGBA(0, 0, 0, 96));
				fbk_fill(s, &block, color);
			}
		}
	fbk_surface_destroy(mask);
}

/* The panel behind the animated lines: drawn once into the static picture. */
static void draw_starburst_panel(struct fbk_surface *s, struct fbk_rect area)
{
	struct fbk_surface view;
	if (fbk_surface_sub(&view, s, &area))
		return;
	fbk_fill(&view, NULL, FBK_RGBA(0, 0, 0, 110));
	fbk_rect_outline(&view, &(struct fbk_rect){ 0, 0, area.w, area.h }, FBK_RGB(200, 200, 220));
	/* Lines far outside the screen are clipped exactly, not wrapped. */
	fbk_line(&view, -1000000, area.h - 3, 1000000, area.h - 3, FBK_RGB(255, 255, 255));
}

/* The rays, turned by `t` seconds of animation and cycling through the hues. */
static void draw_starburst(struct fbk_surface *s, struct fbk_rect area, double t)
{
	int32_t cx = area.x + area.w / 2, cy = area.y + area.h / 2 - 2;
	int32_t radius = (area.w < area.h ? area.w : area.h) / 2 - 6;
	if (radius < 4)
		return;
	for (int i = 0; i < 96; i++) {
		double a = i * 2 * M_PI / 96 + t * 0.6;
		double r = radius * (0.75 + 0.25 * sin(t * 2 + i * 0.4));
		int32_t x1 = cx + (int32_t)lround(cos(a) * r);
		int32_t y1 = cy + (int32_t)lround(sin(a) * r);
		fbk_line(s, cx, cy, x1, y1, hue((i * 16 + (int)(t * 300)) % 1536));
	}
}

/* A soft round sprite: ARGB with alpha falling off from the centre. */
static struct fbk_surface *make_glow(int32_t size, struct fbk_color color)
{
	struct fbk_surface *glow;
	if (fbk_surface_create(&glow, size, size, FBK_FORMAT_ARGB8888))
		return NULL;
	double r = size / 2.0;
	for (int32_t y = 0; y < size; y++)
		for (int32_t x = 0; x < size; x++) {
			double d = hypot(x + 0.5 - r, y + 0.5 - r) / r;
			double a = d >= 1 ? 0 : (1 - d) * (1 - d);
			struct fbk_color c = color;
			c.a = (uint8_t)lround(a * 255);
			uint32_t *p = (uint32_t *)((uint8_t *)glow->pixels + y * glow->stride) + x;
			*p = fbk_color_pack(glow->format, c);
		}
	return glow;
}

/* The outline font at a size: the one named, or DejaVu (bold for the title) when present. */
static struct fbk_font *load_ttf(const char *wanted, bool bold, int32_t size)
{
	struct fbk_font *font = NULL;
	if (wanted && !strcmp(wanted, "none"))
		return NULL;
	struct fbk_font_options o = FBK_FONT_OPTIONS_INIT;
	o.pixel_size = size;
	const char *path = wanted ? wanted : bold ? DEFAULT_TTF_BOLD : DEFAULT_TTF;
	if (fbk_font_load(&font, path, &o) && wanted)
		fprintf(stderr, "fbkit-demo: %s\n", fbk_last_error());
	return font;
}

static void draw_text_panel(struct fbk_surface *s, struct fbk_rect area, const struct fbk_font *psf,
			    const char *psf_name, const struct fbk_font *ttf)
{
	const struct fbk_font *builtin = fbk_font_builtin();
	struct fbk_surface view;
	if (fbk_surface_sub(&view, s, &area))
		return;
	fbk_fill(&view, NULL, FBK_RGBA(0, 0, 0, 140));
	fbk_rect_outline(&view, &(struct fbk_rect){ 0, 0, area.w, area.h }, FBK_RGB(200, 200, 220));
	struct fbk_color ink = FBK_RGB(240, 240, 240), dim = FBK_RGB(150, 170, 200);
	int32_t y = 8, line = fbk_font_height(builtin) + 2;
	fbk_text_draw(&view, builtin, 10, y, "Built-in 8x16 font (ASCII + Latin-1):", dim, NULL);
	fbk_text_draw(&view, builtin, 10, y += line,
		      "The quick brown fox jumps over the lazy dog.\n"
		      "Ça va? Grüße aus Köln! ½ × 3 = 1,5 °C ©\n"
		      "!\"#$%&'()*+,-./0123456789:;<=>?@[\\]^_`{|}~",
		      ink, NULL);
	y += 3 * line + 4;
	fbk_text_draw(&view, builtin, 10, y, " highlighted ", FBK_RGB(20, 20, 20),
		      &(struct fbk_color){ 250, 210, 60, 255 });
	fbk_text_draw(&view, builtin, 130, y, " translucent background ", ink,
		      &(struct fbk_color){ 40, 120, 255, 120 });
	y += line + 8;
	if (ttf) {
		/* One line, ellipsized if the panel is narrow: what the box layout is for. */
		struct fbk_text_box box = FBK_TEXT_BOX_INIT;
		box.width = area.w - 20;
		box.wrap = false;
		box.ellipsize = true;
		fbk_text_draw_box(&view, ttf, 10, y,
				  "TrueType: Ça va? Ελληνικά, Кириллица — ﬁne ½ AV", ink, &box);
		y += fbk_font_height(ttf) + 6;
	}
	if (psf) {
		char label[160];
		const char *base = strrchr(psf_name, '/');
		snprintf(label, sizeof(label), "PSF console font %s:", base ? base + 1 : psf_name);
		fbk_text_draw(&view, builtin, 10, y, label, dim, NULL);
		fbk_text_draw(&view, psf, 10, y + line,
			      "Œuvre, Šárka, Žofie: 20 € — «quotes»\n‘single’ … and a missing glyph: ☃", ink,
			      NULL);
	} else {
		fbk_text_draw(&view, builtin, 10, y, "No PSF font loaded\n(install kbd, or --font PATH).",
			      dim, NULL);
	}
}

/*
 * Anti-aliased shapes in the title row: two rounded buttons over a
 * translucent shadow, a gauge (a ring's arc over its track) and a chart
 * line with its data points.
 */
static void draw_shapes_strip(struct fbk_surface *s, struct fbk_rect area)
{
	double h = area.h, x = area.x, y = area.y;
	if (area.w < 8 * h || h < 24)
		return;
	static const char *const labels[] = { "OK", "Cancel" };
	static const struct fbk_color faces[] = { { 40, 130, 230, 255 }, { 90, 96, 110, 255 } };
	double bw = 2 * h, bh = h * 0.6, by = y + (h - bh) / 2;
	for (int i = 0; i < 2; i++) {
		double bx = x + i * (bw + h / 4);
		fbk_fill_rounded_rect(s, bx + 2, by + 3, bw, bh, bh / 3, FBK_RGBA(0, 0, 0, 90));
		fbk_fill_rounded_rect(s, bx, by, bw, bh, bh / 3, faces[i]);
		int32_t tw = (int32_t)strlen(labels[i]) * 8;
		fbk_text_draw(s, fbk_font_builtin(), (int32_t)(bx + (bw - tw) / 2),
			      (int32_t)(by + (bh - 16) / 2), labels[i], FBK_RGB(255, 255, 255), NULL);
	}
	double cx = x + 2 * (bw + h / 4) + h / 2, cy = y + h / 2, r = h / 2 - 1;
	fbk_fill_pie(s, cx, cy, r, r * 0.72, 0.75 * M_PI, 2.25 * M_PI, FBK_RGBA(255, 255, 255, 50));
	fbk_fill_pie(s, cx, cy, r, r * 0.72, 0.75 * M_PI, 1.8 * M_PI, FBK_RGB(60, 210, 120));
	fbk_fill_circle(s, cx, cy, r * 0.3, FBK_RGB(60, 210, 120));
	double chart_x = cx + r + h / 2, chart_w = area.x + area.w - chart_x;
	enum { POINTS = 24 };
	double xy[2 * POINTS];
	for (int i = 0; i < POINTS; i++) {
		xy[2 * i] = chart_x + chart_w * i / (POINTS - 1);
		xy[2 * i + 1] = y + h / 2 - h * 0.35 * sin(i * 0.55) * (0.6 + 0.4 * cos(i * 0.23));
	}
	fbk_stroke_polyline(s, xy, POINTS, 0, 2, FBK_RGB(255, 200, 60));
	for (int i = 0; i < POINTS; i += 4)
		fbk_fill_circle(s, xy[2 * i], xy[2 * i + 1], 3, FBK_RGB(255, 255, 255));
}

/*
 * The same gradient drawn in every pixel format and blitted (converted) to
 * the screen: RGB565's banding shows next to the 8-bit formats.
 */
static void draw_format_swatches(struct fbk_surface *s, struct fbk_rect area)
{
	int32_t rows = 8, h = (area.h - 4) / rows;
	if (h < 10 || area.w < 64)
		return;
	for (int32_t i = 0; i < rows && fbk_format_at((size_t)i); i++) {
		const struct fbk_format_info *f = fbk_format_at((size_t)i);
		struct fbk_surface *swatch;
		if (fbk_surface_create(&swatch, area.w, h - 2, f->fourcc))
			continue;
		for (int32_t x = 0; x < area.w; x++) {
			uint8_t v = (uint8_t)(x * 255 / (area.w - 1));
			fbk_line(swatch, x, 0, x, h - 3, FBK_RGB(v, (uint8_t)(v / 2 + 64), (uint8_t)(255 - v)));
		}
		fbk_text_draw(swatch, fbk_font_builtin(), 4, (h - 2 - 16) / 2, f->long_name,
			      FBK_RGB(255, 255, 255), &(struct fbk_color){ 0, 0, 0, 120 });
		fbk_blit(s, area.x, area.y + 2 + i * h, swatch, NULL, FBK_OP_SRC, 255);
		fbk_surface_destroy(swatch);
	}
}

struct options {
	const char *display;
	const char *snapshot;
	const char *font;
	const char *ttf; /* NULL: DejaVu Sans when present; "none": none */
	const char *images;
	long frames; /* 0: until quit */
	bool fixed_time;
	bool quiet;
};

static int parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "display", required_argument, NULL, 'd' },
		{ "snapshot", required_argument, NULL, 's' },
		{ "font", required_argument, NULL, 'f' },
		{ "ttf", required_argument, NULL, 'T' },
		{ "frames", required_argument, NULL, 'n' },
		{ "fixed-time", no_argument, NULL, 't' },
		{ "images", required_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env_images = getenv("FBKIT_DEMO_IMAGES");
	*opt = (struct options){ .images = env_images && *env_images ? env_images
								     : FBK_DEMO_IMAGES };
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': opt->display = optarg; break;
		case 's': opt->snapshot = optarg; break;
		case 'f': opt->font = optarg; break;
		case 'T': opt->ttf = optarg; break;
		case 'i': opt->images = optarg; break;
		case 't': opt->fixed_time = true; break;
		case 'n':
			opt->frames = strtol(optarg, &end, 10);
			if (end == optarg || *end || opt->frames < 1 || opt->frames > 100000000)
				return cli_usage_error("fbkit-demo", "--frames '%s': expected a count "
						       ">= 1", optarg);
			break;
		case 'q': opt->quiet = true; break;
		case 'h': usage(); exit(0);
		case 'V': cli_version("fbkit-demo"); exit(0);
		default: return cli_usage_error("fbkit-demo", NULL);
		}
	}
	if (optind < argc)
		return cli_usage_error("fbkit-demo", "unexpected argument '%s'", argv[optind]);
	return 0;
}

static struct fbk_font *load_font(const char *wanted, const char **name)
{
	struct fbk_font *font = NULL;
	if (wanted && !strcmp(wanted, "none"))
		return NULL;
	if (wanted) {
		if (fbk_font_load_psf(&font, wanted))
			fprintf(stderr, "fbkit-demo: %s\n", fbk_last_error());
		*name = wanted;
		return font;
	}
	for (size_t i = 0; default_fonts[i]; i++)
		if (!fbk_font_load_psf(&font, default_fonts[i])) {
			*name = default_fonts[i];
			return font;
		}
	return NULL;
}

/* ---- quitting: signals and keys only set a flag the frame loop reads ---- */

static volatile sig_atomic_t quit_requested;

static void on_quit(int sig)
{
	(void)sig;
	quit_requested = 1;
}

/* ---- the scene: a static picture, and what moves over it ---- */

struct sprite {
	struct fbk_surface *image; /* ARGB8888, decoded once from a PNG */
	uint8_t opacity;
	struct fbk_rect shown; /* where it was drawn last frame (w == 0: nowhere) */
};

struct scene {
	struct fbk_surface *still; /* everything that does not move, in the display's format */
	struct fbk_rect lines, photo, fps;
	struct sprite sprites[MAX_SPRITES];
	int sprite_count;
	int32_t pad;
};

/* A PNG decoded into a new ARGB8888 surface (icons are small: decode once, blend often). */
static struct fbk_surface *load_icon(const char *dir, const char *name)
{
	char path[4096];
	struct fbk_png *png;
	struct fbk_surface *s = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (fbk_png_open(&png, path, NULL)) {
		fprintf(stderr, "fbkit-demo: %s\n", fbk_last_error());
		return NULL;
	}
	const struct fbk_png_info *info = fbk_png_get_info(png);
	if (fbk_surface_create(&s, info->width, info->height, FBK_FORMAT_ARGB8888) ||
	    fbk_png_draw(s, png, 0, 0, FBK_OP_SRC)) {
		fprintf(stderr, "fbkit-demo: %s\n", fbk_last_error());
		fbk_surface_destroy(s);
		s = NULL;
	}
	fbk_png_close(png);
	return s;
}

static void load_sprites(struct scene *sc, const char *dir)
{
	static const char *const names[] = { "star.png", "ring.png", "drop.png" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct fbk_surface *icon = load_icon(dir, names[i]);
		if (icon)
			sc->sprites[sc->sprite_count++] = (struct sprite){ icon, 255, { 0, 0, 0, 0 } };
	}
	/* Two soft glows made here, blended at half strength on top of the alpha. */
	static const struct fbk_color glows[] = { { 255, 220, 80, 255 }, { 120, 200, 255, 255 } };
	for (size_t i = 0; i < 2 && sc->sprite_count < MAX_SPRITES; i++) {
		struct fbk_surface *glow = make_glow(72, glows[i]);
		if (glow)
			sc->sprites[sc->sprite_count++] = (struct sprite){ glow, 160, { 0, 0, 0, 0 } };
	}
}

/* The photo, cut to fill its panel (cover), streamed from the file into the picture. */
static void draw_photo(struct fbk_surface *s, struct fbk_rect area, const char *dir)
{
	char path[4096];
	struct fbk_png *png;
	snprintf(path, sizeof(path), "%s/backdrop.png", dir);
	int err = fbk_png_open(&png, path, NULL);
	bool missing = err == -ENOENT;
	if (!err) {
		err = fbk_png_draw_fit(s, png, &area, FBK_FIT_COVER, FBK_ALIGN_CENTER, FBK_FILTER_SMOOTH,
				       FBK_OP_SRC);
		fbk_png_close(png);
	}
	if (err) {
		fprintf(stderr, "fbkit-demo: %s%s\n", fbk_last_error(),
			missing ? " (--images DIR; from a build folder, run it through meson devenv "
				  "-C BUILD)" : "");
		fbk_fill(s, &area, FBK_RGB(60, 40, 90));
	}
	fbk_rect_outline(s, &area, FBK_RGB(200, 200, 220));
	fbk_text_draw(s, fbk_font_builtin(), area.x + 6, area.y + 4, "PNG icons over a photo",
		      FBK_RGB(255, 255, 255), &(struct fbk_color){ 0, 0, 0, 120 });
}

static int build_scene(struct scene *sc, const struct fbk_surface *screen, const struct options *opt,
		       const char *backend)
{
	const char *font_name = NULL;
	struct fbk_font *psf = load_font(opt->font, &font_name);
	int err = fbk_surface_create(&sc->still, screen->width, screen->height, screen->format);
	if (err) {
		fprintf(stderr, "fbkit-demo: %s\n", fbk_last_error());
		fbk_font_destroy(psf);
		return err;
	}
	struct fbk_surface *s = sc->still;
	const int32_t w = s->width, h = s->height, pad = w / 64 + 4, scale = h >= 600 ? 4 : 3;
	sc->pad = pad;
	draw_background(s);
	struct fbk_font *title = load_ttf(opt->ttf, true, 16 * scale);
	struct fbk_font *ttf = load_ttf(opt->ttf, false, 18);
	if (title) {
		/* Anti-aliased, with the same soft shadow as the block letters. */
		fbk_text_draw(s, title, pad + 3, pad + 3, "fbkit", FBK_RGBA(0, 0, 0, 96), NULL);
		fbk_text_draw(s, title, pad, pad, "fbkit", FBK_RGB(255, 200, 60), NULL);
	} else {
		draw_big_text(s, fbk_font_builtin(), pad, pad, scale, "fbkit", FBK_RGB(255, 200, 60));
	}
	int32_t title_w = 5 * 8 * scale + 2 * pad;
	draw_shapes_strip(s, (struct fbk_rect){ pad + title_w, pad, w - 2 * pad - title_w, 16 * scale });
	int32_t top = pad + 16 * scale + pad;
	int32_t col = (w - 3 * pad) / 2, rows = h - top - 2 * pad - 20;
	sc->lines = (struct fbk_rect){ pad, top, col, rows / 2 };
	sc->photo = (struct fbk_rect){ 2 * pad + col, top, col, rows / 2 };
	draw_starburst_panel(s, sc->lines);
	draw_photo(s, sc->photo, opt->images);
	struct fbk_rect panel = { pad, top + rows / 2 + pad, col, rows - rows / 2 - pad };
	draw_text_panel(s, panel, psf, font_name, ttf);
	draw_format_swatches(s, (struct fbk_rect){ 2 * pad + col, panel.y, col, panel.h });

	char footer[160];
	snprintf(footer, sizeof(footer), "fbkit %s  %s %dx%d %s", fbk_version(), backend, (int)w,
		 (int)h, fbk_format_info(s->format)->long_name);
	fbk_text_draw(s, fbk_font_builtin(), pad, h - pad - 16, footer, FBK_RGB(180, 190, 210), NULL);
	int32_t fps_w = 8 * 24;
	sc->fps = (struct fbk_rect){ w - pad - fps_w, h - pad - 16, fps_w, 16 };
	fbk_font_destroy(psf);
	fbk_font_destroy(title);
	fbk_font_destroy(ttf);
	load_sprites(sc, opt->images);
	return 0;
}

static void destroy_scene(struct scene *sc)
{
	for (int i = 0; i < sc->sprite_count; i++)
		fbk_surface_destroy(sc->sprites[i].image);
	fbk_surface_destroy(sc->still);
}

/* Put the static picture back over a rectangle of the screen. */
static void restore(struct fbk_surface *screen, const struct scene *sc, struct fbk_rect r)
{
	if (r.w > 0 && r.h > 0)
		fbk_blit(screen, r.x, r.y, sc->still, &r, FBK_OP_SRC, 255);
}

/* Where sprite i is at time t: its own Lissajous path inside the photo. */
static struct fbk_rect sprite_place(const struct scene *sc, int i, double t)
{
	const struct fbk_surface *img = sc->sprites[i].image;
	double fx = 0.5 + 0.5 * sin(t * (0.7 + 0.13 * i) + i * 1.9);
	double fy = 0.5 + 0.5 * sin(t * (1.1 + 0.17 * i) + i * 0.7);
	int32_t x = sc->photo.x + (int32_t)lround(fx * (sc->photo.w - img->width / 2)) - img->width / 4;
	int32_t y = sc->photo.y + (int32_t)lround(fy * (sc->photo.h - img->height / 2)) - img->height / 4;
	return (struct fbk_rect){ x, y, img->width, img->height };
}

/*
 * Draw frame number `frame` at animation time t onto the screen, which
 * holds the previous frame, and list the rectangles that changed.
 */
static size_t draw_frame(struct fbk_surface *screen, struct scene *sc, double t, const char *fps_text,
			 struct fbk_rect *rects)
{
	size_t n = 0;
	/* Undo everything first, then draw: a sprite must not erase one drawn before it. */
	restore(screen, sc, sc->lines);
	for (int i = 0; i < sc->sprite_count; i++)
		restore(screen, sc, sc->sprites[i].shown);
	restore(screen, sc, sc->fps);

	draw_starburst(screen, sc->lines, t);
	rects[n++] = sc->lines;
	fbk_surface_set_clip(screen, &sc->photo); /* sprites stay inside the photo */
	for (int i = 0; i < sc->sprite_count; i++) {
		struct sprite *sp = &sc->sprites[i];
		struct fbk_rect at = sprite_place(sc, i, t);
		fbk_blit(screen, at.x, at.y, sp->image, NULL, FBK_OP_OVER, sp->opacity);
		if (sp->shown.w)
			rects[n++] = sp->shown; /* the old place, now photo again */
		fbk_rect_intersect(&at, &sc->photo, &sp->shown);
		if (sp->shown.w)
			rects[n++] = sp->shown;
	}
	fbk_surface_set_clip(screen, NULL);
	int32_t tw;
	fbk_text_measure(fbk_font_builtin(), fps_text, &tw, NULL);
	fbk_text_draw(screen, fbk_font_builtin(), sc->fps.x + sc->fps.w - tw, sc->fps.y, fps_text,
		      FBK_RGB(255, 230, 120), NULL);
	rects[n++] = sc->fps;
	return n;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Frames per second over the last half second or more, as text for the counter. */
struct fps_meter {
	double since;
	long frames;
	bool have_rate;
	char text[48];
};

static void fps_tick(struct fps_meter *m, long frame, bool fixed)
{
	double t = now();
	if (fixed) {
		snprintf(m->text, sizeof(m->text), "frame %ld  60 fps (fixed)", frame + 1);
		return;
	}
	if (frame == 0) {
		m->since = t;
		snprintf(m->text, sizeof(m->text), "frame 1");
		return;
	}
	m->frames++;
	if (t - m->since >= 0.5) {
		snprintf(m->text, sizeof(m->text), "%.1f fps", m->frames / (t - m->since));
		m->since = t;
		m->frames = 0;
		m->have_rate = true;
	} else if (!m->have_rate) { /* a short offscreen run ends before the first rate */
		snprintf(m->text, sizeof(m->text), "frame %ld", frame + 1);
	}
}

/* A tap this close to a corner quits (a kiosk has no q key). */
#define CORNER 48
#define MARKER_RADIUS 24

/* The frame loop's state: frames paced by the display through the event loop. */
struct demo {
	struct fbk_display *display;
	struct scene *sc;
	const struct options *opt;
	struct fbk_loop *loop;
	struct fps_meter meter;
	double start;
	long frame;
	int err;
	bool quit;
	bool touched;        /* a finger (or the mouse button) put the marker somewhere */
	double tx, ty;       /* where */
	struct fbk_rect marker; /* where it was drawn last; w == 0: nowhere */
};

static void on_frame(struct fbk_loop_source *source, const struct fbk_loop_frame *frame,
		     void *user)
{
	struct demo *d = user;
	if (quit_requested || d->quit) {
		fbk_loop_quit(d->loop);
		return;
	}
	struct fbk_surface *screen = fbk_display_surface(d->display);
	bool whole = d->frame == 0 || frame->redraw;
	struct fbk_rect rects[MAX_RECTS + 2];
	size_t n = 0;
	if (whole)
		fbk_blit(screen, 0, 0, d->sc->still, NULL, FBK_OP_SRC, 255);
	if (d->marker.w) {
		restore(screen, d->sc, d->marker); /* the sprites drawn next go over it */
		rects[n++] = d->marker;
		d->marker.w = 0;
	}
	fps_tick(&d->meter, d->frame, d->opt->fixed_time);
	double t = d->opt->fixed_time ? d->frame / 60.0 : now() - d->start;
	n += draw_frame(screen, d->sc, t, d->meter.text, rects + n);
	if (d->touched) {
		fbk_fill_circle(screen, d->tx, d->ty, MARKER_RADIUS, FBK_RGBA(255, 255, 255, 200));
		d->marker = (struct fbk_rect){ (int32_t)d->tx - MARKER_RADIUS - 1,
					       (int32_t)d->ty - MARKER_RADIUS - 1,
					       2 * MARKER_RADIUS + 3, 2 * MARKER_RADIUS + 3 };
		rects[n++] = d->marker;
	}
	d->err = fbk_display_present(d->display, whole ? NULL : rects, whole ? 0 : n);
	if (d->err) {
		fprintf(stderr, "fbkit-demo: %s\n", fbk_last_error());
		fbk_loop_quit(d->loop);
		return;
	}
	d->frame++;
	if (d->opt->frames && d->frame >= d->opt->frames)
		fbk_loop_quit(d->loop);
	else
		fbk_loop_request_frame(source);
}

static void on_terminal(struct fbk_loop_source *source, int fd, uint32_t revents, void *user)
{
	(void)fd;
	(void)revents;
	struct demo *d = user;
	unsigned char buf[32];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == 'q' || buf[i] == 'Q' || buf[i] == 0x1b)
			d->quit = true; /* arrow keys start with Escape too: any key of theirs quits */
	if (n <= 0)
		fbk_loop_remove(source); /* the terminal went away: carry on as a kiosk */
}

static bool in_corner(const struct demo *d, double x, double y)
{
	const struct fbk_surface *s = fbk_display_surface(d->display);
	return (x < CORNER || x >= s->width - CORNER) && (y < CORNER || y >= s->height - CORNER);
}

/* Touch (or drag with the mouse) moves the marker; Escape, q or a tap in a corner quits. */
static void on_input(const struct fbk_input_event *e, void *user)
{
	struct demo *d = user;
	switch (e->type) {
	case FBK_INPUT_KEY:
		if (e->key.state == FBK_KEY_PRESSED && (e->key.code == KEY_ESC || e->key.code == KEY_Q))
			d->quit = true;
		break;
	case FBK_INPUT_TOUCH_DOWN:
	case FBK_INPUT_TOUCH_MOTION:
		if (e->type == FBK_INPUT_TOUCH_DOWN && in_corner(d, e->touch.x, e->touch.y))
			d->quit = true;
		d->touched = true;
		d->tx = e->touch.x;
		d->ty = e->touch.y;
		break;
	case FBK_INPUT_POINTER_BUTTON:
	case FBK_INPUT_POINTER_MOTION:
		if (e->type == FBK_INPUT_POINTER_BUTTON && e->pointer.pressed &&
		    in_corner(d, e->pointer.x, e->pointer.y))
			d->quit = true;
		if (e->type == FBK_INPUT_POINTER_BUTTON || d->touched) {
			d->touched = true;
			d->tx = e->pointer.x;
			d->ty = e->pointer.y;
		}
		break;
	default:
		break;
	}
}

static int animate(struct fbk_display *display, struct scene *sc, const struct options *opt,
		   bool device)
{
	struct demo d = { .display = display, .sc = sc, .opt = opt, .start = now() };
	struct fbk_loop_source *frames = NULL, *input_source = NULL;
	if (fbk_loop_create(&d.loop) ||
	    fbk_loop_add_display(d.loop, display, on_frame, &d, &frames)) {
		fprintf(stderr, "fbkit-demo: %s\n", fbk_last_error());
		fbk_loop_destroy(d.loop);
		return -1;
	}
	struct terminal term = { .raw = false };
	struct fbk_input *input = NULL;
	if (device) {
		terminal_raw(&term);
		if (term.raw)
			fbk_loop_add_fd(d.loop, STDIN_FILENO, POLLIN, on_terminal, &d, NULL);
		/* Keyboards, touchscreens and mice; without any, the terminal's keys still quit. */
		int in_err = fbk_input_open(&input, display, NULL);
		if (!in_err)
			fbk_loop_add_input(d.loop, input, on_input, &d, &input_source);
		else if (in_err != -ENOTSUP && !opt->quiet)
			fprintf(stderr, "fbkit-demo: no input devices: %s\n", fbk_last_error());
	}
	fbk_loop_request_frame(frames);
	/* Signals only set a flag, which the next frame reads. */
	int err = fbk_loop_run(d.loop);
	if (err && !d.err) {
		fprintf(stderr, "fbkit-demo: %s\n", fbk_last_error());
		d.err = err;
	}
	fbk_loop_remove(input_source);
	fbk_input_close(input);
	fbk_loop_destroy(d.loop);
	terminal_restore(&term);
	return d.err;
}

int main(int argc, char **argv)
{
	struct options opt;
	if (parse_options(argc, argv, &opt))
		return CLI_USAGE_ERROR;

	/* Before the display opens, so fbkit's console handlers chain to these. */
	struct sigaction sa = { .sa_handler = on_quit };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL); /* dying of Ctrl-\ would leave the terminal raw */

	struct fbk_display *display;
	const char *env_display = getenv("FBKIT_DISPLAY");
	bool explicit = opt.display || (env_display && *env_display);
	int err = fbk_display_open(&display, opt.display);
	if (err && !explicit) {
		if (!opt.quiet)
			fprintf(stderr, "fbkit-demo: %s\nfbkit-demo: rendering offscreen instead%s\n",
				fbk_last_error(),
				opt.snapshot ? "" : " (--snapshot FILE writes the last frame)");
		err = fbk_display_open(&display, "offscreen");
	}
	if (err) {
		fprintf(stderr, "fbkit-demo: %s\n", fbk_last_error());
		return 1;
	}
	bool offscreen = !strcmp(fbk_display_backend(display), "offscreen");
	if (!opt.frames && offscreen)
		opt.frames = OFFSCREEN_FRAMES; /* nobody can press q there */

	struct scene sc = { .sprite_count = 0 };
	int status = 0;
	if (build_scene(&sc, fbk_display_surface(display), &opt, fbk_display_backend(display)) ||
	    animate(display, &sc, &opt, !offscreen))
		status = 1;
	if (!status && opt.snapshot) {
		struct fbk_surface *s = fbk_display_surface(display);
		if (fbk_png_save(s, opt.snapshot)) {
			fprintf(stderr, "fbkit-demo: %s\n", fbk_last_error());
			status = 1;
		} else if (!opt.quiet) {
			printf("fbkit-demo: wrote %s (%dx%d)\n", opt.snapshot, (int)s->width, (int)s->height);
		}
	}
	destroy_scene(&sc);
	fbk_display_close(display);
	return status;
}
