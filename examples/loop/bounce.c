/*
 * bounce: a square crossing the screen and back, drawn by fbkit's event
 * loop one frame at a time, for SECONDS (default 3). The README's "Event
 * loop" section shows this file; the tests build and run it.
 */
#include <stdio.h>
#include <stdlib.h>

#include <fbkit.h>

struct app {
	struct fbk_display *display;
	struct fbk_rect last; /* where the square was drawn last frame */
	int err;              /* why the loop was stopped early, or 0 */
};

static void frame(struct fbk_loop_source *screen, const struct fbk_loop_frame *f, void *user)
{
	struct app *app = user;
	struct fbk_surface *s = fbk_display_surface(app->display);
	/* Position from the loop's clock, not a frame count: right at any frame rate. */
	int32_t span = s->width - 40;
	int32_t x = (int32_t)((double)f->time / 1e9 * 300.0) % (2 * span);
	struct fbk_rect square = { x < span ? x : 2 * span - x, s->height / 2 - 20, 40, 40 };

	fbk_fill(s, f->redraw ? NULL : &app->last, FBK_RGB(0, 0, 0));
	fbk_fill(s, &square, FBK_RGB(255, 190, 0));
	struct fbk_rect changed[2] = { app->last, square };
	app->err = fbk_display_present(app->display, f->redraw ? NULL : changed, f->redraw ? 0 : 2);
	app->last = square;
	if (app->err)
		fbk_loop_quit(fbk_loop_source_loop(screen));
	else
		fbk_loop_request_frame(screen); /* and the next one, when the display can show it */
}

static void time_up(struct fbk_loop_source *timer, uint64_t now, void *user)
{
	(void)now;
	(void)user;
	fbk_loop_quit(fbk_loop_source_loop(timer));
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	struct app app = { 0 };
	struct fbk_loop *loop = NULL;
	struct fbk_loop_source *screen;
	int err = fbk_display_open(&app.display, NULL); /* FBKIT_DISPLAY, else auto */
	if (!err)
		err = fbk_loop_create(&loop); /* on the clock FBKIT_CLOCK names */
	if (!err)
		err = fbk_loop_add_display(loop, app.display, frame, &app, &screen);
	if (!err)
		err = fbk_loop_add_timer(loop, (uint64_t)(seconds * 1e9), 0, time_up, NULL, NULL);
	if (!err)
		err = fbk_loop_request_frame(screen);
	if (!err)
		err = fbk_loop_run(loop);
	if (!err)
		err = app.err;
	if (err)
		fprintf(stderr, "bounce: %s\n", fbk_last_error());
	fbk_loop_destroy(loop);
	fbk_display_close(app.display);
	return err ? 1 : 0;
}
