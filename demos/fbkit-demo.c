/*
 * fbkit-demo: a showcase scene of every primitive. On a display device it
 * shows the scene; with no device (or --display offscreen) it renders in
 * memory and writes a PNG you can open.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fbkit.h"

#define DEFAULT_SNAPSHOT "fbkit-demo.png"

static const char *const default_fonts[] = {
	"/usr/share/consolefonts/Lat15-TerminusBold16.psf.gz",
	"/usr/share/consolefonts/Lat15-Terminus16.psf.gz",
	"/usr/share/consolefonts/Lat15-Fixed16.psf.gz",
	NULL,
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: fbkit-demo [OPTION]...\n"
		"Draw fbkit's showcase scene: lines, text, translucent rectangles, blits.\n\n"
		"  --display SPEC    display to use (default: $FBKIT_DISPLAY, else auto;\n"
		"                    falls back to offscreen when no device is found)\n"
		"                    e.g. offscreen:800x480,format=RG16  fbdev:/dev/fb0  drm\n"
		"  --snapshot FILE   write the scene to a PNG (default " DEFAULT_SNAPSHOT
		" when offscreen)\n"
		"  --font PATH|none  PSF console font for the second text sample\n"
		"                    (default: a Terminus or Fixed font from kbd, if installed)\n"
		"  --hold SECONDS    keep the scene on a real display this long (default 5)\n"
		"  --help            show this help\n");
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

static void draw_starburst(struct fbk_surface *s, struct fbk_rect area)
{
	int32_t cx = area.x + area.w / 2, cy = area.y + area.h / 2;
	int32_t radius = (area.w < area.h ? area.w : area.h) / 2 - 4;
	struct fbk_surface view;
	if (radius < 4 || fbk_surface_sub(&view, s, &area))
		return;
	fbk_fill(&view, NULL, FBK_RGBA(0, 0, 0, 110));
	fbk_rect_outline(&view, &(struct fbk_rect){ 0, 0, area.w, area.h }, FBK_RGB(200, 200, 220));
	for (int i = 0; i < 96; i++) {
		double a = i * 2 * M_PI / 96;
		int32_t x1 = cx + (int32_t)lround(cos(a) * radius);
		int32_t y1 = cy + (int32_t)lround(sin(a) * radius);
		fbk_line(s, cx, cy, x1, y1, hue(i * 16));
	}
	/* Lines far outside the screen are clipped exactly, not wrapped. */
	fbk_line(&view, -1000000, area.h - 3, 1000000, area.h - 3, FBK_RGB(255, 255, 255));
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

static void draw_blending(struct fbk_surface *s, struct fbk_rect area)
{
	struct fbk_surface view;
	if (fbk_surface_sub(&view, s, &area))
		return;
	int32_t w = area.w, h = area.h, u = (w < h ? w : h) / 3;
	fbk_fill(&view, NULL, FBK_RGB(235, 235, 240));
	for (int32_t i = 0; i < w; i += 16) /* a checkerboard shows what shines through */
		for (int32_t j = (i / 16) % 2 * 16; j < h; j += 32)
			fbk_fill(&view, &(struct fbk_rect){ i, j, 16, 16 }, FBK_RGB(200, 200, 210));
	fbk_fill(&view, &(struct fbk_rect){ w / 2 - u, h / 2 - u, u + u / 2, u + u / 2 },
		 FBK_RGBA(230, 30, 40, 150));
	fbk_fill(&view, &(struct fbk_rect){ w / 2 - u / 2, h / 2 - u / 3, u + u / 2, u + u / 2 },
		 FBK_RGBA(30, 200, 60, 150));
	fbk_fill(&view, &(struct fbk_rect){ w / 2 - u / 4 - u / 2, h / 2 - u / 2 - u / 3, u + u / 2, u },
		 FBK_RGBA(40, 80, 230, 150));
	struct fbk_surface *glow = make_glow(u, FBK_RGB(255, 220, 80));
	if (glow) {
		for (int i = 0; i < 4; i++)
			fbk_blit(&view, i * (w - u) / 3, h - u - 4, glow, NULL, FBK_OP_OVER,
				 (uint8_t)(64 + i * 63));
		fbk_surface_destroy(glow);
	}
	fbk_rect_outline(&view, &(struct fbk_rect){ 0, 0, w, h }, FBK_RGB(60, 60, 80));
}

static void draw_text_panel(struct fbk_surface *s, struct fbk_rect area, const struct fbk_font *psf,
			    const char *psf_name)
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
	int hold;
};

static int parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "display", required_argument, NULL, 'd' },
		{ "snapshot", required_argument, NULL, 's' },
		{ "font", required_argument, NULL, 'f' },
		{ "hold", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*opt = (struct options){ .hold = 5 };
	int c;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': opt->display = optarg; break;
		case 's': opt->snapshot = optarg; break;
		case 'f': opt->font = optarg; break;
		case 'H': opt->hold = atoi(optarg); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fbkit-demo: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
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

int main(int argc, char **argv)
{
	struct options opt;
	if (parse_options(argc, argv, &opt))
		return 2;

	struct fbk_display *display;
	const char *env_display = getenv("FBKIT_DISPLAY");
	bool explicit = opt.display || (env_display && *env_display);
	int err = fbk_display_open(&display, opt.display);
	if (err && !explicit) {
		fprintf(stderr, "fbkit-demo: %s\nfbkit-demo: rendering offscreen instead\n",
			fbk_last_error());
		err = fbk_display_open(&display, "offscreen");
	}
	if (err) {
		fprintf(stderr, "fbkit-demo: %s\n", fbk_last_error());
		return 1;
	}
	bool offscreen = !strcmp(fbk_display_backend(display), "offscreen");
	if (!opt.snapshot && offscreen)
		opt.snapshot = DEFAULT_SNAPSHOT;

	const char *font_name = NULL;
	struct fbk_font *psf = load_font(opt.font, &font_name);

	struct fbk_surface *s = fbk_display_surface(display);
	const int32_t w = s->width, h = s->height, pad = w / 64 + 4;
	draw_background(s);
	draw_big_text(s, fbk_font_builtin(), pad, pad, h >= 600 ? 4 : 3, "fbkit", FBK_RGB(255, 200, 60));
	int32_t top = pad + 16 * (h >= 600 ? 4 : 3) + pad;
	int32_t col = (w - 3 * pad) / 2, rows = h - top - 2 * pad - 20;
	draw_starburst(s, (struct fbk_rect){ pad, top, col, rows / 2 });
	draw_blending(s, (struct fbk_rect){ 2 * pad + col, top, col, rows / 2 });
	struct fbk_rect panel = { pad, top + rows / 2 + pad, col, rows - rows / 2 - pad };
	draw_text_panel(s, panel, psf, font_name);
	draw_format_swatches(s, (struct fbk_rect){ 2 * pad + col, panel.y, col, panel.h });

	char footer[160];
	snprintf(footer, sizeof(footer), "fbkit %s  %s %dx%d %s", fbk_version(), fbk_display_backend(display),
		 (int)w, (int)h, fbk_format_info(s->format)->long_name);
	fbk_text_draw(s, fbk_font_builtin(), pad, h - pad - 16, footer, FBK_RGB(180, 190, 210), NULL);

	int status = 0;
	if (fbk_display_present(display, NULL, 0)) {
		fprintf(stderr, "fbkit-demo: %s\n", fbk_last_error());
		status = 1;
	}
	if (opt.snapshot) {
		if (fbk_png_save(fbk_display_surface(display), opt.snapshot)) {
			fprintf(stderr, "fbkit-demo: %s\n", fbk_last_error());
			status = 1;
		} else {
			printf("fbkit-demo: wrote %s (%dx%d)\n", opt.snapshot, (int)w, (int)h);
		}
	}
	if (!offscreen && opt.hold > 0)
		sleep((unsigned)opt.hold);
	fbk_font_destroy(psf);
	fbk_display_close(display);
	return status;
}
