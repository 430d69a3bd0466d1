/*
 * A tiny test harness: CHECK records a failure and goes on, so one run
 * shows every broken case; main returns harness_exit(). Exit 77 is
 * meson's "skipped".
 */
#ifndef FBK_TEST_HARNESS_H
#define FBK_TEST_HARNESS_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbkit.h"

static int harness_failures;
static int harness_checks;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		harness_checks++;                                               \
		if (!(cond)) {                                                  \
			harness_failures++;                                     \
			if (harness_failures <= 50) {                           \
				fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, \
					__LINE__, #cond);                       \
				fprintf(stderr, __VA_ARGS__);                   \
				fputc('\n', stderr);                            \
			}                                                       \
		}                                                               \
	} while (0)

/* Stop the test as skipped, saying why. */
#define SKIP(...)                                  \
	do {                                       \
		fprintf(stdout, "SKIP: ");         \
		fprintf(stdout, __VA_ARGS__);      \
		fputc('\n', stdout);               \
		exit(77);                          \
	} while (0)

static inline int harness_exit(void)
{
	printf("%d checks, %d failed\n", harness_checks, harness_failures);
	return harness_failures ? 1 : 0;
}

/* splitmix64: fixed seeds give the same cases on every machine. */
static uint64_t harness_rng_state = 0x9e3779b97f4a7c15u;

static inline void rng_seed(uint64_t seed)
{
	harness_rng_state = seed;
}

static inline uint64_t rng_next(void)
{
	uint64_t z = (harness_rng_state += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi], inclusive. */
static inline int32_t rng_range(int32_t lo, int32_t hi)
{
	uint64_t span = (uint64_t)((int64_t)hi - lo) + 1;
	return (int32_t)((int64_t)lo + (int64_t)(rng_next() % span));
}

static inline struct fbk_color rng_color(void)
{
	uint64_t v = rng_next();
	return (struct fbk_color){ (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
				   (uint8_t)(v >> 24) };
}

/*
 * A surface whose pixels sit between guard bytes, with stride padding, all
 * filled with a known pattern: guarded_intact() tells whether anything was
 * written outside the pixels that belong to the surface.
 */
#define GUARD_BYTES 64
#define GUARD_PATTERN 0xa5

struct guarded {
	struct fbk_surface surface;
	uint8_t *block;
	size_t block_size;
	size_t row_bytes;
};

static inline int guarded_init(struct guarded *g, int32_t width, int32_t height,
			       size_t extra_stride, uint32_t format)
{
	const struct fbk_format_info *info = fbk_format_info(format);
	g->row_bytes = (size_t)width * info->bytes_per_pixel;
	size_t stride = g->row_bytes + extra_stride;
	g->block_size = 2 * GUARD_BYTES + stride * (size_t)height;
	g->block = malloc(g->block_size);
	if (!g->block)
		return -1;
	memset(g->block, GUARD_PATTERN, g->block_size);
	for (int32_t y = 0; y < height; y++) /* pixels random, padding pattern */
		for (size_t i = 0; i < g->row_bytes; i++)
			g->block[GUARD_BYTES + (size_t)y * stride + i] = (uint8_t)rng_next();
	return fbk_surface_init(&g->surface, g->block + GUARD_BYTES, width, height, stride,
				format);
}

static inline int guarded_intact(const struct guarded *g)
{
	const uint8_t *pixels = g->block + GUARD_BYTES;
	for (size_t i = 0; i < g->block_size; i++) {
		size_t off = i - GUARD_BYTES;
		int in_pixels = i >= GUARD_BYTES && i < g->block_size - GUARD_BYTES &&
				off % g->surface.stride < g->row_bytes;
		if (!in_pixels && g->block[i] != GUARD_PATTERN)
			return 0;
	}
	(void)pixels;
	return 1;
}

static inline void guarded_finish(struct guarded *g)
{
	free(g->block);
	g->block = NULL;
}

/* The colour at (x, y) as the format stores it, widened to 8 bits. */
static inline struct fbk_color pixel_at(const struct fbk_surface *s, int32_t x, int32_t y)
{
	const struct fbk_format_info *info = fbk_format_info(s->format);
	const uint8_t *p = fbk_surface_pixel(s, x, y);
	uint32_t v = 0;
	for (int i = 0; i < info->bytes_per_pixel; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return fbk_color_unpack(s->format, v);
}

static inline int color_equal(struct fbk_color a, struct fbk_color b)
{
	return a.r == b.r && a.g == b.g && a.b == b.b && a.a == b.a;
}

/* Surfaces of the same size and format whose pixels are the same bytes (padding aside). */
static inline int same_surfaces(const struct fbk_surface *a, const struct fbk_surface *b)
{
	if (a->width != b->width || a->height != b->height || a->format != b->format)
		return 0;
	size_t row = (size_t)a->width * fbk_format_info(a->format)->bytes_per_pixel;
	for (int32_t y = 0; y < a->height; y++)
		if (memcmp((const uint8_t *)a->pixels + (size_t)y * a->stride,
			   (const uint8_t *)b->pixels + (size_t)y * b->stride, row))
			return 0;
	return 1;
}

/* Folder with pngsuite/ and photos/, or NULL (tests then skip). */
static inline const char *testdata_dir(void)
{
	const char *dir = getenv("FBKIT_TESTDATA");
	return dir && *dir ? dir : NULL;
}

#endif
