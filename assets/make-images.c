/*
 * make-images DIR: render fbkit's demo images with fbkit itself and write
 * them as PNGs into DIR (assets/images/ in the tree):
 *   backdrop.png  800x450 landscape at dusk: sky, sun, three ridges of hills
 *                 and their reflection in a lake (the "photo" fbkit-demo
 *                 shows); every pixel is computed here, nothing is sampled
 *   star.png, ring.png, drop.png  64x64 icons with soft, anti-aliased
 *                 alpha edges, a little translucent, for blending over it
 * Deterministic: the same program writes the same files on every machine.
 * Regenerate with `ninja -C BUILD images`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fbkit.h"

#define ICON 64
#define SUPER 4 /* samples per axis for anti-aliased icon edges */

static void put(struct fbk_surface *s, int32_t x, int32_t y, struct fbk_color c)
{
	uint32_t v = fbk_color_pack(s->format, c);
	uint8_t *p = fbk_surface_pixel(s, x, y);
	for (int i = 0; i < fbk_format_info(s->format)->bytes_per_pixel; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t mix(double a, double b, double t)
{
	double v = a + (b - a) * (t < 0 ? 0 : t > 1 ? 1 : t);
	return (uint8_t)lround(v);
}

/* A ridge line: the height of the hills at x, as a sum of a few sines. */
static double ridge(double x, double base, double amp, double seed)
{
	return base - amp * (0.55 * sin(x * 0.009 + seed) + 0.3 * sin(x * 0.023 + seed * 2.1) +
			     0.15 * sin(x * 0.061 + seed * 3.7));
}

static struct fbk_color landscape(int32_t x, int32_t y, int32_t w, int32_t h)
{
	double horizon = h * 0.62, fy = y;
	const double sun_x = w * 0.68, sun_y = horizon - h * 0.10;
	if (fy > horizon) /* the lake mirrors the land and sky above it, darker */
		fy = 2 * horizon - fy;
	double t = fy / horizon;
	double r = 40 + 215 * pow(t, 1.6), g = 30 + 120 * pow(t, 2.2), b = 90 + 40 * t;
	double d = hypot(x - sun_x, fy - sun_y);
	double glow = exp(-d / (h * 0.12));
	r += (255 - r) * glow;
	g += (230 - g) * glow;
	b += (170 - b) * glow * 0.6;
	if (d < h * 0.05) /* the sun's disc */
		r = 255, g = 240, b = 200;
	static const double ridges[3][5] = { /* base, amplitude, seed, darkness, blue */
		{ 0.50, 0.10, 1.0, 0.45, 60 }, { 0.56, 0.07, 2.5, 0.65, 45 }, { 0.61, 0.05, 4.2, 0.85, 30 },
	};
	for (int i = 0; i < 3; i++)
		if (fy > ridge(x, h * ridges[i][0], h * ridges[i][1], ridges[i][2])) {
			double k = ridges[i][3];
			r = r * (1 - k) + 20 * k;
			g = g * (1 - k) + 15 * k;
			b = b * (1 - k) + ridges[i][4] * k;
		}
	if (y > horizon) { /* water: darker, with faint ripples */
		double ripple = 0.82 + 0.06 * sin(y * 0.9 + sin(x * 0.02) * 3);
		r *= ripple * 0.85;
		g *= ripple * 0.9;
		b *= ripple;
	}
	return FBK_RGB(mix(0, 255, r / 255), mix(0, 255, g / 255), mix(0, 255, b / 255));
}

static int write_backdrop(const char *dir)
{
	struct fbk_surface *s;
	char path[4096];
	if (fbk_surface_create(&s, 800, 450, FBK_FORMAT_XRGB8888))
		return -1;
	for (int32_t y = 0; y < s->height; y++)
		for (int32_t x = 0; x < s->width; x++)
			put(s, x, y, landscape(x, y, s->width, s->height));
	snprintf(path, sizeof(path), "%s/backdrop.png", dir);
	int err = fbk_png_save(s, path);
	fbk_surface_destroy(s);
	return err;
}

/* Icon shapes: inside or not at a point of the unit square, centre (0.5, 0.5). */
static bool in_star(double x, double y)
{
	double a = atan2(y - 0.5, x - 0.5), r = hypot(x - 0.5, y - 0.5);
	double k = fmod(a + M_PI * 2.5, 2 * M_PI / 5) / (2 * M_PI / 5); /* 0..1 per point */
	double edge = 0.22 + 0.24 * fabs(1 - 2 * k);
	return r < edge;
}

static bool in_ring(double x, double y)
{
	double r = hypot(x - 0.5, y - 0.5);
	return r < 0.46 && r > 0.30;
}

static bool in_drop(double x, double y)
{
	double r = hypot(x - 0.5, y - 0.62);
	if (r < 0.3)
		return true;
	/* The tip: a cone from the circle up to a point near the top. */
	double t = (0.62 - y) / 0.54;
	return t > 0 && t < 1 && fabs(x - 0.5) < 0.3 * sqrt(1 - t) * (1 - t * 0.2);
}

static int write_icon(const char *dir, const char *name, bool (*inside)(double, double),
		      struct fbk_color inner, struct fbk_color outer)
{
	struct fbk_surface *s;
	char path[4096];
	if (fbk_surface_create(&s, ICON, ICON, FBK_FORMAT_ARGB8888))
		return -1;
	for (int32_t y = 0; y < ICON; y++)
		for (int32_t x = 0; x < ICON; x++) {
			int hits = 0;
			for (int sy = 0; sy < SUPER; sy++)
				for (int sx = 0; sx < SUPER; sx++)
					hits += inside((x + (sx + 0.5) / SUPER) / ICON,
						       (y + (sy + 0.5) / SUPER) / ICON);
			double t = hypot(x + 0.5 - ICON / 2.0, y + 0.5 - ICON / 2.0) / (ICON / 2.0);
			struct fbk_color c = FBK_RGBA(mix(inner.r, outer.r, t), mix(inner.g, outer.g, t),
						      mix(inner.b, outer.b, t),
						      (uint8_t)(hits * 230 / (SUPER * SUPER)));
			put(s, x, y, c);
		}
	snprintf(path, sizeof(path), "%s/%s.png", dir, name);
	int err = fbk_png_save(s, path);
	fbk_surface_destroy(s);
	return err;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make-images DIR\n");
		return 2;
	}
	const char *dir = argv[1];
	if (write_backdrop(dir) ||
	    write_icon(dir, "star", in_star, FBK_RGB(255, 250, 190), FBK_RGB(240, 150, 20)) ||
	    write_icon(dir, "ring", in_ring, FBK_RGB(150, 255, 230), FBK_RGB(20, 120, 200)) ||
	    write_icon(dir, "drop", in_drop, FBK_RGB(250, 200, 255), FBK_RGB(150, 40, 200))) {
		fprintf(stderr, "make-images: %s\n", fbk_last_error());
		return 1;
	}
	printf("make-images: wrote backdrop.png, star.png, ring.png, drop.png in %s\n", dir);
	return 0;
}
