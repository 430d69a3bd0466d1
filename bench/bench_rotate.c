/*
 * Rotated presents (rotate=) against memcpy of the same bytes, in the same
 * run: full frames of a 1920x1080 panel at 0, 90, 180 and 270 degrees in
 * XRGB8888 and RGB565 (offscreen with a back buffer, so present copies
 * from system memory into the screen memory as fbdev and DRM do), then 1%
 * of the picture in one rectangle and in 20, as a share of the full
 * present.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "fbkit.h"
#include "pixel/rotate.h"

#define PANEL_W 1920
#define PANEL_H 1080
#define N_RECTS 20

static const int rotations[] = { 0, 90, 180, 270 };

struct present_case {
	struct fbk_display *display;
	const struct fbk_rect *rects; /* NULL: all */
	size_t n;
};

struct copy_case {
	void *to;
	const void *from;
	size_t bytes;
};

static int run_present(void *arg)
{
	const struct present_case *p = arg;
	return fbk_display_present(p->display, p->rects, p->n);
}

static int run_memcpy(void *arg)
{
	const struct copy_case *c = arg;
	memcpy(c->to, c->from, c->bytes);
	return 0;
}

/* A picture that is not all one value, so nothing can take a shortcut. */
static void fill_pattern(struct fbk_surface *s)
{
	uint32_t x = 0x12345678u;
	for (int32_t y = 0; y < s->height; y++) {
		uint8_t *row = (uint8_t *)s->pixels + (size_t)y * s->stride;
		for (size_t i = 0; i < s->stride; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			row[i] = (uint8_t)x;
		}
	}
}

/* 20 squares at random places covering 1% of a w x h picture. */
static void one_percent(struct fbk_rect rects[N_RECTS], int32_t w, int32_t h, uint32_t *seed)
{
	int32_t side = 1;
	while ((double)(side + 1) * (side + 1) * N_RECTS <= 0.01 * w * h)
		side++;
	for (int i = 0; i < N_RECTS; i++) {
		*seed = *seed * 1664525u + 1013904223u;
		int32_t x = (int32_t)((*seed >> 8) % (uint32_t)(w - side));
		*seed = *seed * 1664525u + 1013904223u;
		int32_t y = (int32_t)((*seed >> 8) % (uint32_t)(h - side));
		rects[i] = (struct fbk_rect){ x, y, side, side };
	}
}

static void rotate_rows(const struct bench_config *cfg, const char *format, const char *label)
{
	struct fbk_display *displays[4] = { NULL };
	struct present_case full[4], part[4], one[4];
	struct fbk_rect tenth[4];
	struct fbk_rect rects[4][N_RECTS];
	uint32_t seed = 1;
	size_t bpp = 0;
	for (int r = 0; r < 4; r++) {
		char spec[128];
		snprintf(spec, sizeof(spec), "offscreen:%dx%d,format=%s,back-buffer,rotate=%d",
			 PANEL_W, PANEL_H, format, rotations[r]);
		if (fbk_display_open(&displays[r], spec)) {
			printf("%s: %s (skipped)\n", spec, fbk_last_error());
			goto out;
		}
		struct fbk_surface *s = fbk_display_surface(displays[r]);
		bpp = fbk_format_info(s->format)->bytes_per_pixel;
		fill_pattern(s);
		full[r] = (struct present_case){ displays[r], NULL, 0 };
		one_percent(rects[r], s->width, s->height, &seed);
		part[r] = (struct present_case){ displays[r], rects[r], N_RECTS };
		/* A tenth of each side, in the middle: 1% in one rectangle. */
		tenth[r] = (struct fbk_rect){ s->width * 9 / 20, s->height * 9 / 20, s->width / 10,
					      s->height / 10 };
		one[r] = (struct present_case){ displays[r], &tenth[r], 1 };
	}
	size_t bytes = (size_t)PANEL_W * PANEL_H * bpp;
	uint8_t *from = malloc(bytes), *to = malloc(bytes);
	if (!from || !to) {
		printf("rotate %s: out of memory (skipped)\n", label);
		free(from);
		free(to);
		goto out;
	}
	memset(from, 0x5a, bytes);
	memset(to, 0, bytes);
	struct copy_case copy = { to, from, bytes };
	struct copy_case copy_part = { to, from, bytes / 100 };
	struct bench_case c[14] = { { run_memcpy, &copy, 0 }, { run_memcpy, &copy_part, 0 } };
	for (int r = 0; r < 4; r++) {
		c[2 + r] = (struct bench_case){ run_present, &full[r], 0 };
		c[6 + r] = (struct bench_case){ run_present, &part[r], 0 };
		c[10 + r] = (struct bench_case){ run_present, &one[r], 0 };
	}
	bench_interleaved(cfg, c, 14);
	double px = (double)PANEL_W * PANEL_H;
	char name[96];
	snprintf(name, sizeof(name), "memcpy of a frame's bytes, %s", label);
	bench_row(cfg, name, c[0].median, px, NULL, 0);
	for (int r = 0; r < 4; r++) {
		snprintf(name, sizeof(name), "present rotate=%d, full frame, %s", rotations[r], label);
		bench_row(cfg, name, c[2 + r].median, px, "memcpy", c[0].median);
	}
	snprintf(name, sizeof(name), "memcpy of 1%% of the bytes, %s", label);
	bench_row(cfg, name, c[1].median, px / 100, NULL, 0);
	for (int k = 0; k < 2; k++)
		for (int r = 0; r < 4; r++) {
			const struct bench_case *p = &c[(k ? 6 : 10) + r];
			if (k)
				snprintf(name, sizeof(name), "present rotate=%d, 1%% in %d rects, %s",
					 rotations[r], N_RECTS, label);
			else
				snprintf(name, sizeof(name), "present rotate=%d, 1%% in 1 rect, %s",
					 rotations[r], label);
			double pixels = k ? (double)N_RECTS * rects[r][0].w * rects[r][0].h
					  : (double)tenth[r].w * tenth[r].h;
			double share = c[2 + r].median > 0 ? p->median / c[2 + r].median : -1;
			bench_row(cfg, name, p->median, pixels, "memcpy", c[1].median);
			printf("%-44s %10s %9.2f%% of the full present\n", "", "", share * 100);
			if (cfg->machine)
				printf("BENCH case=\"%s share\" share_of_full=%.5f\n", name, share);
		}
	free(from);
	free(to);
out:
	for (int r = 0; r < 4; r++)
		fbk_display_close(displays[r]);
}

int bench_rotate(const struct bench_config *cfg)
{
	bench_header("rotated presents, 1920x1080 panel");
	printf("fbkit rotation kernels: %s\n", fbk_rotate_ops()->name);
	rotate_rows(cfg, "XR24", "XRGB8888");
	rotate_rows(cfg, "RG16", "RGB565");
	return 0;
}
