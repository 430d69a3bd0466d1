/*
 * The parts every backend shares, without a device: the back buffer's
 * shape (stride, zeroed pixels, clip), the copy of presented rectangles
 * (nothing else reaches the screen), the whole-screen rule of
 * fbk_present_begin/end, the reasons list of several failed candidates,
 * and the list of format names in messages.
 */
#include <errno.h>

#include "backend/backend.h"
#include "backend/present.h"
#include "core/format_list.h"
#include "harness.h"

static void test_back_shape(void)
{
	for (size_t f = 0; fbk_format_at(f); f++) {
		const struct fbk_format_info *info = fbk_format_at(f);
		for (int32_t w = 1; w <= 37; w += 3) {
			struct fbk_surface s = { .width = w, .height = 5, .format = info->fourcc };
			struct fbk_back back = { 0 };
			int err = fbk_back_create(&back, &s);
			CHECK(err == 0, "%s %d: %d %s", info->name, (int)w, err, fbk_last_error());
			if (err)
				continue;
			size_t row = (size_t)w * info->bytes_per_pixel;
			CHECK(s.stride % 16 == 0 && s.stride >= row && s.stride < row + 16,
			      "%s %d: stride %zu for a row of %zu bytes", info->name, (int)w,
			      s.stride, row);
			CHECK(s.pixels == back.pixels && back.size >= s.stride * 5,
			      "%s %d: pixels %p, size %zu", info->name, (int)w, (void *)s.pixels,
			      back.size);
			CHECK(s.clip.x == 0 && s.clip.y == 0 && s.clip.w == w && s.clip.h == 5,
			      "%s %d: clip %d,%d %dx%d", info->name, (int)w, (int)s.clip.x,
			      (int)s.clip.y, (int)s.clip.w, (int)s.clip.h);
			size_t nonzero = 0;
			for (size_t i = 0; i < s.stride * 5; i++)
				nonzero += ((const uint8_t *)s.pixels)[i] != 0;
			CHECK(nonzero == 0, "%s %d: %zu bytes not black", info->name, (int)w, nonzero);
			size_t stride;
			CHECK(fbk_back_stride(w, info->fourcc, &stride) == 0 && stride == s.stride,
			      "%s %d: fbk_back_stride disagrees", info->name, (int)w);
			fbk_back_destroy(&back);
			CHECK(back.pixels == NULL, "destroy leaves the pointer");
			fbk_back_destroy(&back); /* twice, as unwinding may */
		}
	}
}

/*
 * Only the presented rectangles reach the screen, at their place, whatever
 * the strides: padded and different, or both exactly a row, where
 * full-width bands are copied as one block.
 */
enum { W = 23, H = 11, BPP = 4, MAX_STRIDE = 100 };

static void check_copy(size_t from_stride, size_t to_stride, const struct fbk_rect *rects,
		       size_t n, const char *what)
{
	uint8_t from[MAX_STRIDE * H], to[MAX_STRIDE * (H + 1)];
	for (size_t i = 0; i < sizeof(from); i++)
		from[i] = (uint8_t)(i * 7 + 1);
	memset(to, 0, sizeof(to));
	struct fbk_surface s = { .pixels = from, .width = W, .height = H, .stride = from_stride,
				 .format = FBK_FORMAT_XRGB8888, .clip = { 0, 0, W, H } };
	fbk_present_copy(to, to_stride, &s, 0, rects, n);
	size_t wrong = 0;
	for (int32_t y = 0; y < H; y++)
		for (int32_t x = 0; x < W; x++) {
			bool inside = false;
			for (size_t r = 0; r < n; r++)
				inside |= x >= rects[r].x && x < rects[r].x + rects[r].w &&
					  y >= rects[r].y && y < rects[r].y + rects[r].h;
			const uint8_t *got = to + (size_t)y * to_stride + (size_t)x * BPP;
			const uint8_t *want = from + (size_t)y * from_stride + (size_t)x * BPP;
			static const uint8_t black[BPP] = { 0 };
			wrong += memcmp(got, inside ? want : black, BPP) != 0;
		}
	CHECK(wrong == 0, "%s: %zu pixels wrong after copying %zu rectangles", what, wrong, n);
	size_t padding = 0;
	for (int32_t y = 0; y < H; y++)
		for (size_t i = (size_t)W * BPP; i < to_stride; i++)
			padding += to[(size_t)y * to_stride + i] != 0;
	padding += to[(size_t)H * to_stride] != 0; /* past the last row, for tight strides */
	CHECK(padding == 0, "%s: %zu padding bytes written", what, padding);
}

static void test_copy(void)
{
	const struct fbk_rect rects[] = { { 0, 0, 1, 1 }, { 5, 3, 7, 4 }, { W - 2, H - 1, 2, 1 } };
	check_copy(96, 100, rects, 3, "padded strides");
	check_copy(W * BPP, W * BPP, rects, 3, "tight strides");
	const struct fbk_rect whole = { 0, 0, W, H }, band = { 0, 2, W, 5 };
	check_copy(W * BPP, W * BPP, &whole, 1, "tight strides, whole frame");
	check_copy(W * BPP, W * BPP, &band, 1, "tight strides, full-width band");
	check_copy(W * BPP, 96, &band, 1, "full-width band onto a padded screen");
	check_copy(96, W * BPP, &band, 1, "full-width band from a padded buffer");
}

static struct fbk_display screen = { .geometry = { .width = 40, .height = 30 } };

static bool whole(const struct fbk_frame *frame)
{
	return frame->n == 1 && frame->rects[0].x == 0 && frame->rects[0].y == 0 &&
	       frame->rects[0].w == 40 && frame->rects[0].h == 30;
}

/*
 * A screen that started out stale is repainted whole until a present
 * succeeds; after that, the caller's rectangles, as given.
 */
static void test_whole_screen(void)
{
	const struct fbk_rect part[2] = { { 1, 2, 3, 4 }, { 5, 6, 7, 8 } };
	struct fbk_present p;
	struct fbk_frame frame;
	fbk_present_init(&p, NULL, false);
	CHECK(fbk_present_begin(&p, &frame, &screen, part, 2), "no console: the screen is ours");
	CHECK(frame.rects == part && frame.n == 2 && !frame.lost, "fresh: the rectangles given");
	CHECK(fbk_present_end(&p, &frame, 0) == 0, "end returns the result");
	CHECK(!fbk_present_needs_redraw(&p), "no console: never a redraw");

	fbk_present_init(&p, NULL, true);
	fbk_present_begin(&p, &frame, &screen, part, 2);
	CHECK(whole(&frame) && !frame.lost, "stale: the first present is the whole screen");
	CHECK(fbk_present_end(&p, &frame, -EIO) == -EIO, "end returns the error");
	fbk_present_begin(&p, &frame, &screen, part, 2);
	CHECK(whole(&frame), "stale after a failed present: whole again");
	fbk_present_end(&p, &frame, 0);
	fbk_present_begin(&p, &frame, &screen, part, 2);
	CHECK(frame.rects == part && frame.n == 2, "after a whole present: the rectangles given");
	fbk_present_end(&p, &frame, 0);
}

static void test_failures(void)
{
	struct fbk_failures failed = { 0, "" };
	fbk_fail(-ENOTSUP, "one");
	fbk_failures_add(&failed, -ENOTSUP);
	fbk_fail(-ENOENT, "two");
	fbk_failures_add(&failed, -ENOENT);
	fbk_fail(-EACCES, "three");
	fbk_failures_add(&failed, -EACCES);
	CHECK(failed.err == -ENOENT, "first error past -ENOTSUP: %d", failed.err);
	CHECK(!strcmp(failed.reasons, "one; two; three"), "reasons '%s'", failed.reasons);
	char long_text[1000];
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	fbk_fail(-EIO, "%s", long_text);
	fbk_failures_add(&failed, -EIO);
	CHECK(strlen(failed.reasons) == sizeof(failed.reasons) - 1, "cut, terminated: %zu",
	      strlen(failed.reasons));
	fbk_failures_add(&failed, -EIO); /* a full list stays as it is */
	CHECK(strlen(failed.reasons) == sizeof(failed.reasons) - 1, "full: %zu",
	      strlen(failed.reasons));
}

static void test_format_names(void)
{
	char want[256] = "", got[256];
	for (size_t i = 0; fbk_format_at(i); i++) {
		if (i)
			strcat(want, ", ");
		strcat(want, fbk_format_at(i)->name);
	}
	fbk_format_names(got, sizeof(got));
	CHECK(!strcmp(got, want), "names '%s', want '%s'", got, want);
	fbk_format_names(got, 7);
	CHECK(!strcmp(got, "XR24, "), "cut to 7 bytes: '%s'", got);
	fbk_format_names(got, 1);
	CHECK(got[0] == '\0', "1 byte: empty");
}

int main(void)
{
	test_back_shape();
	test_copy();
	test_whole_screen();
	test_failures();
	test_format_names();
	return harness_exit();
}
