/*
 * A tiny program with a golden-image test: it draws a small scene on the
 * display FBKIT_DISPLAY names, presents it, then reads back what the
 * screen shows (not what was drawn: a forgotten present must fail) and
 * compares it with a golden PNG in the display's format.
 *
 *   scene GOLDEN.png              draw, present, compare: 0 match, 1 differ, 2 error
 *   scene --no-present GOLDEN.png the same with the present forgotten (must fail)
 *   FBKIT_UPDATE_GOLDEN=1 scene GOLDEN.png   write what was shown to GOLDEN.png
 *                                 (not with --no-present)
 */
#include <fbkit.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int draw_scene(struct fbk_surface *s)
{
	const struct fbk_font *font = fbk_font_builtin();
	struct fbk_rect bar = { 0, 0, s->width, fbk_font_height(font) + 4 };
	int err;

	if ((err = fbk_fill(s, NULL, FBK_RGB(0x20, 0x30, 0x48))) ||
	    (err = fbk_fill(s, &bar, FBK_RGB(0xe0, 0xe0, 0xe0))) ||
	    (err = fbk_text_draw(s, font, 4, 2, "ci-golden", FBK_RGB(0x10, 0x10, 0x10), NULL)) ||
	    (err = fbk_fill_circle(s, s->width / 2.0, (s->height + bar.h) / 2.0, s->height / 4.0,
				   FBK_RGB(0xf0, 0x90, 0x20))))
		return err;
	return 0;
}

/* Write what the screen shows as the new golden image, and say so. */
static int update_golden(const struct fbk_surface *front, const char *path)
{
	if (fbk_png_save(front, path)) {
		fprintf(stderr, "scene: %s\n", fbk_last_error());
		return 2;
	}
	fprintf(stderr, "scene: updated %s; look at it before committing\n", path);
	return 0;
}

static int check_golden(const struct fbk_surface *front, const char *path, const char *diff_path)
{
	struct fbk_surface *golden;
	/* Round the golden image to the display's format first, so an RGB565
	 * display matches an XRGB8888 golden with tolerance 0. */
	struct fbk_compare_options opt = FBK_COMPARE_OPTIONS_INIT(.flags = FBK_COMPARE_QUANTIZE);
	struct fbk_compare_result r = FBK_COMPARE_RESULT_INIT;

	if (fbk_png_load(&golden, path, 0)) {
		fprintf(stderr, "scene: %s (make it with FBKIT_UPDATE_GOLDEN=1)\n", fbk_last_error());
		return 2;
	}
	if (golden->width != front->width || golden->height != front->height) {
		fprintf(stderr, "scene: %s is %dx%d, the screen %dx%d\n", path, golden->width,
			golden->height, front->width, front->height);
		fbk_surface_destroy(golden);
		return 1;
	}
	int err = fbk_compare(golden, front, &opt, &r);
	if (err < 0) {
		fprintf(stderr, "scene: %s\n", fbk_last_error());
		fbk_surface_destroy(golden);
		return 2;
	}
	if (err) {
		fprintf(stderr, "scene: the screen differs from %s: %llu pixels, worst %u at %d,%d\n",
			path, (unsigned long long)r.differing, r.worst, r.worst_x, r.worst_y);
		struct fbk_surface *diff;
		if (fbk_compare_diff(&diff, golden, front, &opt) == 0) {
			if (fbk_png_save(diff, diff_path) == 0)
				fprintf(stderr, "scene: differences in red in %s\n", diff_path);
			fbk_surface_destroy(diff);
		}
	}
	fbk_surface_destroy(golden);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	bool present = true;
	if (argc == 3 && strcmp(argv[1], "--no-present") == 0) {
		present = false;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: scene [--no-present] GOLDEN.png\n");
		return 2;
	}
	const char *golden = argv[1];
	const char *update = getenv("FBKIT_UPDATE_GOLDEN");

	struct fbk_display *d;
	if (fbk_display_open(&d, NULL)) {
		fprintf(stderr, "scene: %s\n", fbk_last_error());
		return 2;
	}
	struct fbk_surface *s = fbk_display_surface(d);
	struct fbk_surface *front = NULL;
	int ret = 2;
	if (draw_scene(s) || (present && fbk_display_present(d, NULL, 0)) ||
	    fbk_surface_create(&front, s->width, s->height, s->format) ||
	    fbk_display_read_front(d, front)) {
		fprintf(stderr, "scene: %s\n", fbk_last_error());
		goto out;
	}
	/* A forgotten present must never become the golden image. */
	if (present && update && strcmp(update, "1") == 0)
		ret = update_golden(front, golden);
	else
		/* Each test its own diff: meson runs them at the same time. */
		ret = check_golden(front, golden,
				   present ? "scene-diff.png" : "scene-no-present-diff.png");
out:
	fbk_surface_destroy(front);
	fbk_display_close(d);
	return ret;
}
