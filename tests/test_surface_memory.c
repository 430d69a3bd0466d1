/*
 * Surfaces fbkit allocates cost memory only where they are drawn on: a
 * large surface's zero pages come from the kernel as they are touched,
 * not from a memset over all of them at creation.
 */
#include <errno.h>
#include <unistd.h>

#include "harness.h"

/* Resident bytes of this process (statm's second field, in pages). */
static long long resident_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long long size, resident;
	int got = f ? fscanf(f, "%lld %lld", &size, &resident) : 0;
	if (f)
		fclose(f);
	return got == 2 ? resident * sysconf(_SC_PAGESIZE) : -1;
}

static int all_zero(const struct fbk_surface *s, int32_t x, int32_t y)
{
	const uint8_t *p = (const uint8_t *)s->pixels + (size_t)y * s->stride + (size_t)x * 4;
	return !p[0] && !p[1] && !p[2] && !p[3];
}

/* Zeroed, cache-line aligned, and every corner writable, whichever way it was allocated. */
static void check_sizes(void)
{
	/* Either side of the size where the allocation changes. */
	static const int32_t sides[][2] = { { 1, 1 }, { 511, 512 }, { 512, 512 }, { 513, 512 },
					    { 4000, 3000 } };
	for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
		int32_t w = sides[i][0], h = sides[i][1];
		struct fbk_surface *s = NULL;
		CHECK(fbk_surface_create(&s, w, h, FBK_FORMAT_XRGB8888) == 0 && s, "create %dx%d",
		      (int)w, (int)h);
		if (!s)
			continue;
		CHECK(s->owned_memory == s->pixels, "%dx%d owns its pixels", (int)w, (int)h);
		CHECK((uintptr_t)s->pixels % 64 == 0, "%dx%d pixels at %p: not cache-line aligned",
		      (int)w, (int)h, s->pixels);
		CHECK(all_zero(s, 0, 0) && all_zero(s, w - 1, h - 1) && all_zero(s, w / 2, h / 2),
		      "%dx%d starts black", (int)w, (int)h);
		fbk_fill(s, &(struct fbk_rect){ 0, 0, w, h }, (struct fbk_color){ 1, 2, 3, 255 });
		CHECK(!all_zero(s, w - 1, h - 1), "%dx%d last pixel filled", (int)w, (int)h);
		/* Destroy frees what was allocated, whatever the caller did to the fields. */
		s->width = 1;
		s->height = 1;
		s->stride = 4;
		fbk_surface_destroy(s);
	}
}

static void check_lazy(void)
{
	/* 256 MiB: large enough to see, small enough for any test machine. */
	const int32_t side = 8192;
	long long before = resident_bytes();
	if (before < 0)
		SKIP("cannot read /proc/self/statm, so resident memory cannot be measured");
	struct fbk_surface *s = NULL;
	int err = fbk_surface_create(&s, side, side, FBK_FORMAT_XRGB8888);
	if (err == -ENOMEM)
		SKIP("this machine cannot map a %dx%d surface: %s", (int)side, (int)side,
		     fbk_last_error());
	CHECK(err == 0 && s, "create %dx%d: %s", (int)side, (int)side, fbk_last_error());
	if (!s)
		return;
	long long grown = resident_bytes() - before;
	CHECK(grown < (16ll << 20),
	      "creating a %dx%d surface (%lld MiB) made %lld MiB resident before any drawing",
	      (int)side, (int)side, (long long)s->stride * side >> 20, grown >> 20);
	CHECK(all_zero(s, side - 1, side - 1) && all_zero(s, side / 3, side / 2),
	      "untouched pixels read as zero");
	/* Drawing on a little of it makes only that little resident. */
	fbk_fill(s, &(struct fbk_rect){ 0, 0, side, 64 }, (struct fbk_color){ 9, 9, 9, 255 });
	grown = resident_bytes() - before;
	CHECK(grown < (24ll << 20), "64 drawn rows made %lld MiB resident", grown >> 20);
	fbk_surface_destroy(s);
}

int main(void)
{
	check_sizes();
	check_lazy();
	return harness_exit();
}
