/*
 * Fuzz target for the path, shape and polyline API. The input is a program of path
 * commands: an opcode byte, then its numbers, each either a small
 * fixed-point value (a tag byte below 0x80 and 16 bits, in 1/16 pixel) or
 * any double at all (a tag byte from 0x80 and 8 raw bytes: NaN, infinity,
 * 1e300, denormals). Every call must succeed or fail with a documented
 * error and a message; fills go to a sub-surface with a clip inside a
 * buffer whose bytes outside it must stay as they were. The verdict is
 * whether every call succeeded.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbkit.h"
#include "verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum fuzz_verdict fuzz_verdict;

/*
 * Commands run per input: bounds the time one input can take. The view's
 * clip is wider and taller than 64 px, so large shapes reach the band
 * fill (fill_bands) and small ones fill_cells and fill_box.
 */
enum { MAX_COMMANDS = 64, BUF_W = 160, BUF_H = 120 };

struct reader {
	const uint8_t *p;
	size_t left;
};

static uint8_t byte(struct reader *r)
{
	if (!r->left)
		return 0;
	r->left--;
	return *r->p++;
}

static double number(struct reader *r)
{
	uint8_t tag = byte(r);
	if (tag & 0x80) {
		uint8_t raw[8] = { 0 };
		for (int i = 0; i < 8; i++)
			raw[i] = byte(r);
		double v;
		memcpy(&v, raw, sizeof(v));
		return v;
	}
	int16_t v = (int16_t)(byte(r) | byte(r) << 8);
	return v / 16.0;
}

static void check(int err, bool *failed)
{
	if (!err)
		return;
	REQUIRE(err == -EINVAL || err == -ERANGE || err == -ENOMEM || err == -EFBIG);
	REQUIRE(strcmp(fbk_last_error(), "no error") != 0);
	*failed = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buffer[BUF_H][BUF_W * 2], before[BUF_H][BUF_W * 2];
	struct fbk_surface whole, view;
	for (int y = 0; y < BUF_H; y++)
		for (int x = 0; x < BUF_W * 2; x++)
			buffer[y][x] = (uint8_t)(x * 7 + y * 13);
	memcpy(before, buffer, sizeof(buffer));
	REQUIRE(fbk_surface_init(&whole, buffer, BUF_W, BUF_H, BUF_W * 2, FBK_FORMAT_RGB565) == 0);
	/* a sub-surface at (5, 4), 150 x 110, clipped to 140 x 100 of it */
	REQUIRE(fbk_surface_sub(&view, &whole, &(struct fbk_rect){ 5, 4, 150, 110 }) == 0);
	fbk_surface_set_clip(&view, &(struct fbk_rect){ 3, 2, 140, 100 });

	struct fbk_path *path;
	REQUIRE(fbk_path_create(&path) == 0);
	struct reader r = { data, size };
	bool failed = false;
	for (int n = 0; n < MAX_COMMANDS && r.left; n++) {
		uint8_t op = byte(&r);
		double a[8];
		switch (op % 14) {
		case 0:
			for (int i = 0; i < 2; i++)
				a[i] = number(&r);
			check(fbk_path_move_to(path, a[0], a[1]), &failed);
			break;
		case 1:
			for (int i = 0; i < 2; i++)
				a[i] = number(&r);
			check(fbk_path_line_to(path, a[0], a[1]), &failed);
			break;
		case 2:
			for (int i = 0; i < 4; i++)
				a[i] = number(&r);
			check(fbk_path_quad_to(path, a[0], a[1], a[2], a[3]), &failed);
			break;
		case 3:
			for (int i = 0; i < 6; i++)
				a[i] = number(&r);
			check(fbk_path_cubic_to(path, a[0], a[1], a[2], a[3], a[4], a[5]), &failed);
			break;
		case 4:
			for (int i = 0; i < 5; i++)
				a[i] = number(&r);
			check(fbk_path_arc(path, a[0], a[1], a[2], a[3], a[4]), &failed);
			break;
		case 5:
			check(fbk_path_close(path), &failed);
			break;
		case 6:
			for (int i = 0; i < 4; i++)
				a[i] = number(&r);
			check(fbk_path_rect(path, a[0], a[1], a[2], a[3]), &failed);
			break;
		case 7:
			for (int i = 0; i < 8; i++)
				a[i] = number(&r);
			check(fbk_path_rounded_rect(path, a[0], a[1], a[2], a[3], a + 4), &failed);
			break;
		case 8:
			for (int i = 0; i < 4; i++)
				a[i] = number(&r);
			check(fbk_path_ellipse(path, a[0], a[1], a[2], a[3]), &failed);
			break;
		case 9: {
			struct fbk_transform t;
			double *m = &t.xx;
			for (int i = 0; i < 6; i++)
				m[i] = number(&r);
			check(fbk_path_set_transform(path, byte(&r) % 4 ? &t : NULL), &failed);
			break;
		}
		case 10: {
			uint8_t how = byte(&r);
			struct fbk_color c = { byte(&r), byte(&r), byte(&r), byte(&r) };
			if (how & 8) { /* a stroke, with unknown caps and joins too */
				struct fbk_stroke_style st = FBK_STROKE_STYLE_INIT;
				st.cap = (enum fbk_line_cap)(how % 4);
				st.join = (enum fbk_line_join)(how / 16 % 4);
				st.width = number(&r);
				st.miter_limit = number(&r);
				double dashes[6];
				if (how & 4) { /* dashes: a count byte, the entries, the offset */
					st.n_dashes = byte(&r) % 8;
					for (size_t i = 0; i < st.n_dashes && i < 6; i++)
						dashes[i] = number(&r);
					/* a count of 7: entries missing (NULL), which must be -EINVAL */
					st.dashes = st.n_dashes <= 6 ? dashes : NULL;
					st.dash_offset = number(&r);
				}
				check(fbk_path_stroke(&view, path, &st, c), &failed);
			} else {
				check(fbk_path_fill(&view, path, (enum fbk_fill_rule)(how % 3), c), &failed);
			}
			break;
		}
		case 11:
			for (int i = 0; i < 7; i++)
				a[i] = number(&r);
			check(fbk_fill_pie(&view, a[0], a[1], a[2], a[3], a[4], a[5], FBK_RGBA(9, 200, 40, 160)),
			      &failed);
			break;
		case 12:
			for (int i = 0; i < 5; i++)
				a[i] = number(&r);
			check(fbk_draw_line_aa(&view, a[0], a[1], a[2], a[3], a[4], FBK_RGB(250, 20, 90)),
			      &failed);
			break;
		default:
			if (op >= 0x80) { /* a polyline of 3 points, open or closed */
				for (int i = 0; i < 7; i++)
					a[i] = number(&r);
				check(fbk_stroke_polyline(&view, a, 3, op & 1, a[6], FBK_RGBA(0, 90, 255, 200)),
				      &failed);
				break;
			}
			for (int i = 0; i < 5; i++)
				a[i] = number(&r);
			check(fbk_fill_rounded_rect(&view, a[0], a[1], a[2], a[3], a[4], FBK_RGB(1, 2, 3)),
			      &failed);
			check(fbk_fill_circle(&view, a[0], a[1], a[4], FBK_RGBA(90, 90, 250, 100)), &failed);
			break;
		}
	}
	check(fbk_path_fill(&view, path, FBK_FILL_NONZERO, FBK_RGBA(200, 100, 50, 220)), &failed);
	fbk_path_destroy(path);

	/* nothing outside the view's clip changed */
	for (int y = 0; y < BUF_H; y++)
		for (int x = 0; x < BUF_W; x++) {
			bool inside = x >= 8 && x < 8 + 140 && y >= 6 && y < 6 + 100;
			if (!inside)
				REQUIRE(!memcmp(&buffer[y][2 * x], &before[y][2 * x], 2));
		}
	fuzz_verdict = failed ? FUZZ_REJECTED : FUZZ_ACCEPTED;
	return 0;
}
