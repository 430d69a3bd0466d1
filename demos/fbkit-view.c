/*
 * fbkit-view: show PNG files on a display, one at a time or as a slideshow.
 * Each image is decoded straight from the mapped file into the display's
 * back surface and presented only once it is complete, so the picture on
 * screen stays until the next one is ready and nothing half-decoded shows.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/input-event-codes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fbkit.h"
#include "terminal.h"

#define DEFAULT_SNAPSHOT "fbkit-view.png"
#define DEFAULT_CAPTION_FONT "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
/* An ESC with nothing after it for this long was the Escape key itself. */
#define ESC_TIMEOUT_MS 50
/* After ESC [ it is surely a sequence: wait longer for the rest of it on a busy system. */
#define SEQUENCE_TIMEOUT_MS 200

static void usage(void)
{
	printf(
		"Usage: fbkit-view [OPTION]... FILE|DIRECTORY...\n"
		"Show PNG and JPEG images on a display; a directory stands for every *.png,\n"
		"*.jpg and *.jpeg in it (sorted). Files are told apart by content, not name.\n"
		"Files that cannot be read are reported before the display is opened.\n\n"
		"  --display SPEC      display to use (default: $FBKIT_DISPLAY, else auto;\n"
		"                      falls back to offscreen when no device is found)\n"
		"  --fit MODE          none, contain (default), cover or stretch\n"
		"  --align WHERE       center (default), top-left, top, top-right, left, right,\n"
		"                      bottom-left, bottom, bottom-right\n"
		"  --background RRGGBB colour around and behind the image (default 000000)\n"
		"  --delay SECONDS     slideshow: next image after this long (fractions allowed)\n"
		"  --loop              start again after the last image\n"
		"  --shuffle           show the images in random order\n"
		"  --once              exit after the last image instead of staying on it\n"
		"  --snapshot FILE     write the screen to a PNG once the first image is shown,\n"
		"                      then exit (default " DEFAULT_SNAPSHOT " when no display\n"
		"                      device was found and fbkit-view fell back to offscreen).\n"
		"                      A FILE with a frame number (%%d, %%4d or %%04d; %%%% for a %%,\n"
		"                      as FBKIT_SNAPSHOT takes) writes one PNG per image, numbered\n"
		"                      from 0 in the order shown, then exits; it needs an\n"
		"                      offscreen display (the default then)\n"
		"  --caption           draw the file name and image size at the bottom\n"
		"  --caption-font PATH|none\n"
		"                      TrueType/OpenType font for the caption (default: DejaVu\n"
		"                      Sans if installed; none: the built-in 8x16 font)\n"
		"  -q, --quiet         no warnings (offscreen fallback) or progress messages;\n"
		"                      errors are still reported\n"
		"  -h, --help          show this help\n"
		"  -V, --version       show the version\n\n"
		"Keys: space, right, down, page down or n: next image; left, up, page up,\n"
		"backspace or p: previous; q or Escape: quit. Keyboards, touchscreens and mice\n"
		"are read too on a display device ($FBKIT_INPUT: which, see fbkit's README):\n"
		"a tap or click on the right half or a swipe to the left shows the next image,\n"
		"the left half or a swipe to the right the previous. SIGHUP reads the files again.\n"
		"A file that cannot be shown is reported and skipped; the exit status is 1\n"
		"if any file failed, 2 for a usage error.\n");
}

struct options {
	const char *display;
	enum fbk_fit fit;
	unsigned align;
	struct fbk_color background;
	double delay; /* < 0: no slideshow */
	bool loop, shuffle, once, caption, quiet;
	const char *caption_font; /* NULL: DejaVu Sans when present; "none": built-in */
	const char *snapshot;
	bool snapshot_frames; /* snapshot is a frame-number pattern */
	char **paths;
	int path_count;
};

/* ---- signals: the handlers only set flags; the main loop acts on them ---- */

static volatile sig_atomic_t quit_signal, reload_signal;

static void on_quit(int sig)
{
	quit_signal = sig;
}

static void on_reload(int sig)
{
	(void)sig;
	reload_signal = 1;
}

/* Installed before the display opens, so fbkit's console handlers chain to ours. */
static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_quit };
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() must return so the loop sees the flag at once. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Ctrl-\ too: dying of it would leave the terminal in raw mode. */
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = on_reload;
	sigaction(SIGHUP, &sa, NULL);
}

/* ---- option parsing ---- */

static int parse_fit(const char *s, enum fbk_fit *fit)
{
	static const char *const names[] = { "none", "contain", "cover", "stretch" };
	static const enum fbk_fit values[] = { FBK_FIT_NONE, FBK_FIT_CONTAIN, FBK_FIT_COVER,
					       FBK_FIT_STRETCH };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*fit = values[i];
			return 0;
		}
	return -1;
}

static int parse_align(const char *s, unsigned *align)
{
	static const struct {
		const char *name;
		unsigned flags;
	} names[] = {
		{ "center", FBK_ALIGN_CENTER },
		{ "top-left", FBK_ALIGN_TOP | FBK_ALIGN_LEFT },
		{ "top", FBK_ALIGN_TOP },
		{ "top-right", FBK_ALIGN_TOP | FBK_ALIGN_RIGHT },
		{ "left", FBK_ALIGN_LEFT },
		{ "right", FBK_ALIGN_RIGHT },
		{ "bottom-left", FBK_ALIGN_BOTTOM | FBK_ALIGN_LEFT },
		{ "bottom", FBK_ALIGN_BOTTOM },
		{ "bottom-right", FBK_ALIGN_BOTTOM | FBK_ALIGN_RIGHT },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*align = names[i].flags;
			return 0;
		}
	return -1;
}

static int parse_color(const char *s, struct fbk_color *color)
{
	if (*s == '#')
		s++;
	char *end;
	if (strlen(s) != 6 || strspn(s, "0123456789abcdefABCDEF") != 6)
		return -1;
	unsigned long v = strtoul(s, &end, 16);
	*color = FBK_RGB((uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v);
	return 0;
}

static int parse_delay(const char *s, double *delay)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	/* Also rejects NaN (v >= 0 is false) and absurd values poll cannot wait for. */
	if (errno || end == s || *end || !(v >= 0) || v > 86400.0 * 365)
		return -1;
	*delay = v;
	return 0;
}

static int bad_value(const char *option, const char *value, const char *expected)
{
	return cli_usage_error("fbkit-view", "--%s '%s': expected %s", option, value, expected);
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "display", required_argument, NULL, 'd' },
		{ "fit", required_argument, NULL, 'f' },
		{ "align", required_argument, NULL, 'a' },
		{ "background", required_argument, NULL, 'b' },
		{ "delay", required_argument, NULL, 't' },
		{ "loop", no_argument, NULL, 'l' },
		{ "shuffle", no_argument, NULL, 'r' },
		{ "once", no_argument, NULL, '1' },
		{ "snapshot", required_argument, NULL, 's' },
		{ "caption", no_argument, NULL, 'c' },
		{ "caption-font", required_argument, NULL, 'F' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	*opt = (struct options){ .fit = FBK_FIT_CONTAIN, .background = FBK_RGB(0, 0, 0),
				 .delay = -1 };
	int c;
	while ((c = getopt_long(argc, argv, "qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': opt->display = optarg; break;
		case 'f':
			if (parse_fit(optarg, &opt->fit))
				return bad_value("fit", optarg, "none, contain, cover or stretch");
			break;
		case 'a':
			if (parse_align(optarg, &opt->align))
				return bad_value("align", optarg, "center, top-left, top, top-right, left, "
						 "right, bottom-left, bottom or bottom-right");
			break;
		case 'b':
			if (parse_color(optarg, &opt->background))
				return bad_value("background", optarg, "six hex digits RRGGBB");
			break;
		case 't':
			if (parse_delay(optarg, &opt->delay))
				return bad_value("delay", optarg, "a number of seconds >= 0");
			break;
		case 'l': opt->loop = true; break;
		case 'r': opt->shuffle = true; break;
		case '1': opt->once = true; break;
		case 's': opt->snapshot = optarg; break;
		case 'c': opt->caption = true; break;
		case 'F': opt->caption_font = optarg; break;
		case 'q': opt->quiet = true; break;
		case 'h': usage(); exit(0);
		case 'V': cli_version("fbkit-view"); exit(0);
		default: return cli_usage_error("fbkit-view", NULL);
		}
	}
	if (opt->loop && opt->once)
		return cli_usage_error("fbkit-view", "--loop and --once contradict each other");
	if (optind >= argc)
		return cli_usage_error("fbkit-view", "no files given");
	opt->paths = argv + optind;
	opt->path_count = argc - optind;
	opt->snapshot_frames = opt->snapshot && strchr(opt->snapshot, '%');
	return 0;
}

/* ---- the file list ---- */

struct file_list {
	char **names;
	bool *failed; /* reported once; skipped quietly afterwards */
	size_t count, capacity;
};

static void list_clear(struct file_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->names[i]);
	free(l->names);
	free(l->failed);
	*l = (struct file_list){ 0 };
}

static int list_add(struct file_list *l, const char *dir, const char *name)
{
	if (l->count == l->capacity) {
		size_t cap = l->capacity ? l->capacity * 2 : 16;
		char **names = realloc(l->names, cap * sizeof(*names));
		if (!names)
			return -1;
		l->names = names;
		bool *failed = realloc(l->failed, cap * sizeof(*failed));
		if (!failed)
			return -1;
		l->failed = failed;
		l->capacity = cap;
	}
	size_t len = (dir ? strlen(dir) + 1 : 0) + strlen(name) + 1;
	char *path = malloc(len);
	if (!path)
		return -1;
	if (dir)
		snprintf(path, len, "%s/%s", dir, name);
	else
		snprintf(path, len, "%s", name);
	l->names[l->count] = path;
	l->failed[l->count++] = false;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What a directory's pictures are called; the content decides how each is read. */
static bool is_image_name(const char *name)
{
	static const char *const endings[] = { ".png", ".jpg", ".jpeg" };
	size_t n = strlen(name);
	for (size_t i = 0; i < sizeof(endings) / sizeof(endings[0]); i++) {
		size_t e = strlen(endings[i]);
		if (n > e && name[0] != '.' && !strcasecmp(name + n - e, endings[i]))
			return true;
	}
	return false;
}

/* Every picture in a directory, sorted byte-wise so the order never depends on the locale. */
static int add_directory(struct file_list *l, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "fbkit-view: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	size_t first = l->count;
	struct dirent *e;
	int err = 0;
	while (!err && (e = readdir(d)))
		if (is_image_name(e->d_name))
			err = list_add(l, dir, e->d_name);
	closedir(d);
	if (err)
		return -1;
	qsort(l->names + first, l->count - first, sizeof(*l->names), compare_names);
	if (l->count == first) {
		fprintf(stderr, "fbkit-view: %s: no .png, .jpg or .jpeg files in this directory\n",
			dir);
		return 1;
	}
	return 0;
}

/*
 * Build the list from the command line. Returns -1 when out of memory, else
 * the number of arguments that gave nothing to show (counted as failures).
 * Missing files stay in the list: check_readable() reports them.
 */
static int list_build(struct file_list *l, char **paths, int count, bool shuffle)
{
	int failures = 0;
	for (int i = 0; i < count; i++) {
		struct stat st;
		int r = !stat(paths[i], &st) && S_ISDIR(st.st_mode) ? add_directory(l, paths[i])
								    : list_add(l, NULL, paths[i]);
		if (r < 0)
			return -1;
		failures += r;
	}
	for (size_t i = l->count; shuffle && i > 1; i--) { /* Fisher-Yates */
		size_t j = (size_t)rand() % i;
		char *t = l->names[i - 1];
		l->names[i - 1] = l->names[j];
		l->names[j] = t;
	}
	return failures;
}

/*
 * Report the files that cannot be opened for reading and mark them failed,
 * before the display is opened: on a device that switches the console to
 * graphics mode, no way to say that a file name was mistyped. Returns how
 * many can be read. (O_NONBLOCK: naming a FIFO must not hang here.)
 */
static size_t check_readable(struct file_list *l)
{
	size_t readable = 0;
	for (size_t i = 0; i < l->count; i++) {
		int fd = open(l->names[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			fprintf(stderr, "fbkit-view: skipped %s: %s\n", l->names[i], strerror(errno));
			l->failed[i] = true;
			continue;
		}
		close(fd);
		readable++;
	}
	return readable;
}

/* ---- showing an image ---- */

struct viewer {
	const struct options *opt;
	struct fbk_display *display;
	struct file_list list;
	size_t current;  /* index in list of the image on screen */
	bool showing;    /* something from the list is on screen */
	bool any_failed; /* for the exit status */
};

/*
 * The caption's font: the one named, or DejaVu Sans when installed, at a
 * size that follows the screen's height; the built-in font otherwise.
 */
static const struct fbk_font *caption_font(const struct options *opt, int32_t screen_height)
{
	static struct fbk_font *loaded;
	static bool tried;
	if (!tried && !(opt->caption_font && !strcmp(opt->caption_font, "none"))) {
		tried = true;
		struct fbk_font_options o = FBK_FONT_OPTIONS_INIT;
		o.pixel_size = screen_height >= 720 ? 22 : 16;
		const char *path = opt->caption_font ? opt->caption_font : DEFAULT_CAPTION_FONT;
		if (fbk_font_load(&loaded, path, &o) && opt->caption_font && !opt->quiet)
			fprintf(stderr, "fbkit-view: %s; the caption uses the built-in font\n",
				fbk_last_error());
	}
	return loaded ? loaded : fbk_font_builtin();
}

static void draw_caption(struct fbk_surface *s, const struct options *opt, const char *path,
			 const struct fbk_image_info *info)
{
	const struct fbk_font *font = caption_font(opt, s->height);
	const char *base = strrchr(path, '/');
	char text[512];
	snprintf(text, sizeof(text), " %s  %dx%d ", base ? base + 1 : path, (int)info->width,
		 (int)info->height);
	int32_t h = fbk_font_height(font);
	fbk_text_draw(s, font, 4, s->height - h - 4, text, FBK_RGB(255, 255, 255),
		      &(struct fbk_color){ 0, 0, 0, 160 });
}

/*
 * Draw list entry i into the back surface and present it. On failure the
 * reason is reported, the entry marked and nothing presented: the screen
 * keeps the previous picture (the back surface may hold part of the failed
 * one, but every later image repaints it whole).
 */
static int show(struct viewer *v, size_t i)
{
	const char *path = v->list.names[i];
	struct fbk_image *image = NULL;
	struct fbk_surface *s = fbk_display_surface(v->display);
	int err = fbk_image_open(&image, path, NULL);
	if (!err) {
		fbk_fill(s, NULL, v->opt->background);
		struct fbk_rect box = { 0, 0, s->width, s->height };
		err = fbk_image_draw_fit(s, image, &box, v->opt->fit, v->opt->align,
					 FBK_FILTER_SMOOTH, FBK_OP_OVER);
	}
	if (!err && v->opt->caption)
		draw_caption(s, v->opt, path, fbk_image_get_info(image));
	fbk_image_close(image);
	if (err) {
		/* fbkit's messages usually name the file already; never leave it out. */
		const char *why = fbk_last_error();
		if (strstr(why, path))
			fprintf(stderr, "fbkit-view: skipped: %s\n", why);
		else
			fprintf(stderr, "fbkit-view: skipped %s: %s\n", path, why);
		v->list.failed[i] = true;
		v->any_failed = true;
		return err;
	}
	if (fbk_display_present(v->display, NULL, 0)) {
		fprintf(stderr, "fbkit-view: %s\n", fbk_last_error());
		return -EIO;
	}
	v->current = i;
	v->showing = true;
	return 0;
}

/*
 * Show the first entry that works, starting at `start` and stepping by
 * `dir` (+1 or -1), wrapping around only with --loop. Returns 0 when one
 * was shown, -1 when none was left in that direction.
 */
static int show_from(struct viewer *v, size_t start, int dir)
{
	size_t n = v->list.count;
	for (size_t tried = 0, i = start; tried < n; tried++) {
		if (!v->list.failed[i] && !show(v, i))
			return 0;
		if (quit_signal)
			return -1;
		if (dir > 0 && i + 1 == n) {
			if (!v->opt->loop)
				return -1;
			i = 0;
		} else if (dir < 0 && i == 0) {
			if (!v->opt->loop)
				return -1;
			i = n - 1;
		} else {
			i = dir > 0 ? i + 1 : i - 1;
		}
	}
	return -1;
}

/* Step to the next (+1) or previous (-1) image; false when there is none that way. */
static bool step(struct viewer *v, int dir)
{
	size_t n = v->list.count, i = v->current;
	if (dir > 0 && i + 1 >= n && !v->opt->loop)
		return false;
	if (dir < 0 && i == 0 && !v->opt->loop)
		return false;
	size_t start = dir > 0 ? (i + 1) % n : (i + n - 1) % n;
	return show_from(v, start, dir) == 0;
}

/* SIGHUP: read the arguments again and show the same file (by name) or the first. */
static int reload(struct viewer *v)
{
	char *current = v->showing ? strdup(v->list.names[v->current]) : NULL;
	list_clear(&v->list);
	if (list_build(&v->list, v->opt->paths, v->opt->path_count, v->opt->shuffle) < 0) {
		free(current);
		return -1;
	}
	size_t start = 0;
	for (size_t i = 0; current && i < v->list.count; i++)
		if (!strcmp(v->list.names[i], current))
			start = i;
	free(current);
	v->showing = false;
	if (v->list.count)
		show_from(v, start, +1);
	return 0;
}

/* ---- keys ---- */

struct key_reader {
	unsigned char buf[64];
	size_t n, pos;
};

/* The next byte of input, waiting up to timeout_ms for it; -1 when none came. */
static int next_byte(struct key_reader *r, int timeout_ms)
{
	if (r->pos == r->n) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		if (timeout_ms >= 0 && poll(&p, 1, timeout_ms) <= 0)
			return -1;
		ssize_t got = read(STDIN_FILENO, r->buf, sizeof(r->buf));
		if (got <= 0)
			return -1;
		r->n = (size_t)got;
		r->pos = 0;
	}
	return r->buf[r->pos++];
}

struct keys {
	int steps; /* net images forward (negative: back) */
	bool quit;
	bool eof;
};

/* An escape sequence after ESC: CSI (ESC [) or SS3 (ESC O) with a final byte. */
static void read_escape(struct key_reader *r, struct keys *k)
{
	int c = next_byte(r, ESC_TIMEOUT_MS);
	if (c != '[' && c != 'O') {
		k->quit = true; /* a lone Escape (or Escape then another key) */
		return;
	}
	int param = 0;
	while ((c = next_byte(r, SEQUENCE_TIMEOUT_MS)) >= 0 && c >= 0x20 && c <= 0x3f)
		if (c >= '0' && c <= '9' && param < 1000)
			param = param * 10 + (c - '0');
	switch (c) {
	case 'C': case 'B': k->steps++; break; /* right, down */
	case 'D': case 'A': k->steps--; break; /* left, up */
	case '~':
		if (param == 6)
			k->steps++; /* page down */
		else if (param == 5)
			k->steps--; /* page up */
		break;
	default: break;
	}
}

/* Read what was typed (stdin is known to be readable) and add up what it asks for. */
static void read_keys(struct keys *k)
{
	struct key_reader r = { .n = 0 };
	int c = next_byte(&r, -1);
	if (c < 0) {
		k->eof = true;
		return;
	}
	do {
		switch (c) {
		case ' ': case 'n': case 'N': k->steps++; break;
		case 'p': case 'P': case 0x7f: case '\b': k->steps--; break;
		case 'q': case 'Q': k->quit = true; break;
		case 0x1b: read_escape(&r, k); break;
		default: break;
		}
	} while (r.pos < r.n && (c = next_byte(&r, 0)) >= 0);
}

/* ---- main loop ---- */

/* A swipe is a horizontal move of an eighth of the screen's width; less is a tap. */
#define SWIPE_FRACTION 8

struct app {
	struct viewer *v;
	struct fbk_loop *loop;
	struct fbk_loop_source *slide; /* NULL without --delay */
	bool quit;
	int32_t width;
	bool touching;
	double touch_x;                /* where the first finger came down */
	int32_t touch_slot;
};

/* Move by `steps` images; with --once, going past the last one ends the program. */
static bool advance(struct viewer *v, int steps)
{
	int dir = steps > 0 ? 1 : -1;
	for (int i = 0; i != steps; i += dir)
		if (!step(v, dir))
			return !(dir > 0 && v->opt->once);
	return true;
}

/* What keys, taps and the slideshow ask for; the slideshow starts its wait again after a step. */
static void go(struct app *a, int steps)
{
	if (!steps)
		return;
	if (!advance(a->v, steps))
		a->quit = true;
	if (a->slide)
		fbk_loop_timer_set(a->slide, (uint64_t)(a->v->opt->delay * 1e9),
				   (uint64_t)(a->v->opt->delay * 1e9));
}

static void on_terminal(struct fbk_loop_source *source, int fd, uint32_t revents, void *user)
{
	(void)fd;
	(void)revents;
	struct app *a = user;
	struct keys k = { 0 };
	read_keys(&k);
	if (k.eof)
		fbk_loop_remove(source); /* the terminal went away: carry on as a kiosk */
	if (k.quit)
		a->quit = true;
	else
		go(a, k.steps);
}

static void on_slide(struct fbk_loop_source *source, uint64_t now, void *user)
{
	(void)source;
	(void)now;
	struct app *a = user;
	if (!advance(a->v, 1))
		a->quit = true;
}

static void on_redraw(struct fbk_loop_source *source, int fd, uint32_t revents, void *user)
{
	(void)source;
	(void)fd;
	(void)revents;
	struct app *a = user;
	if (fbk_display_needs_redraw(a->v->display) && show(a->v, a->v->current))
		a->quit = true;
}

/* A tap on the left half goes back, on the right half forward; a swipe left goes forward. */
static void tap_or_swipe(struct app *a, double from, double to)
{
	double dx = to - from;
	if (dx * SWIPE_FRACTION <= -a->width)
		go(a, +1);
	else if (dx * SWIPE_FRACTION >= a->width)
		go(a, -1);
	else
		go(a, to * 2 < a->width ? -1 : +1);
}

static void on_input(const struct fbk_input_event *e, void *user)
{
	struct app *a = user;
	switch (e->type) {
	case FBK_INPUT_KEY:
		if (e->key.state == FBK_KEY_RELEASED)
			break;
		switch (e->key.code) {
		case KEY_SPACE: case KEY_RIGHT: case KEY_DOWN: case KEY_PAGEDOWN: case KEY_N:
			go(a, +1);
			break;
		case KEY_LEFT: case KEY_UP: case KEY_PAGEUP: case KEY_BACKSPACE: case KEY_P:
			go(a, -1);
			break;
		case KEY_Q: case KEY_ESC:
			if (e->key.state == FBK_KEY_PRESSED)
				a->quit = true;
			break;
		default:
			break;
		}
		break;
	case FBK_INPUT_TOUCH_DOWN:
		if (!a->touching) {
			a->touching = true;
			a->touch_slot = e->touch.slot;
			a->touch_x = e->touch.x;
		}
		break;
	case FBK_INPUT_TOUCH_UP:
		if (a->touching && e->touch.slot == a->touch_slot) {
			a->touching = false;
			tap_or_swipe(a, a->touch_x, e->touch.x);
		}
		break;
	case FBK_INPUT_TOUCH_CANCEL:
		a->touching = false;
		break;
	case FBK_INPUT_POINTER_BUTTON:
		if (e->pointer.button == BTN_LEFT && !e->pointer.pressed)
			tap_or_swipe(a, e->pointer.x, e->pointer.x);
		break;
	default:
		break;
	}
}

/*
 * The loop: keys from the terminal (when stdin is one) and from input
 * devices (keyboards, touchscreens, mice; on a device display), the
 * slideshow's timer, and the console's redraw fd on device displays.
 * Signals only set flags: the loop returns from its wait for them.
 */
static void run(struct viewer *v, struct terminal *term)
{
	struct app a = { .v = v, .width = fbk_display_surface(v->display)->width };
	if (fbk_loop_create(&a.loop)) {
		fprintf(stderr, "fbkit-view: %s\n", fbk_last_error());
		return;
	}
	if (term->raw)
		fbk_loop_add_fd(a.loop, STDIN_FILENO, POLLIN, on_terminal, &a, NULL);
	uint64_t delay = v->opt->delay >= 0 ? (uint64_t)(v->opt->delay * 1e9) : 0;
	if (v->opt->delay >= 0)
		fbk_loop_add_timer(a.loop, delay, delay, on_slide, &a, &a.slide);
	bool device = strcmp(fbk_display_backend(v->display), "offscreen") != 0;
	int redraw_fd = device ? fbk_display_redraw_fd(v->display) : -1;
	if (redraw_fd >= 0)
		fbk_loop_add_fd(a.loop, redraw_fd, POLLIN, on_redraw, &a, NULL);
	/*
	 * Input devices on a device display (FBKIT_INPUT names others); none
	 * is fine: the terminal's keys still work.
	 */
	struct fbk_input *input = NULL;
	struct fbk_loop_source *input_source = NULL;
	const char *env_input = getenv("FBKIT_INPUT");
	if (device || (env_input && *env_input)) {
		int err = fbk_input_open(&input, v->display, NULL);
		if (!err)
			fbk_loop_add_input(a.loop, input, on_input, &a, &input_source);
		else if (err != -ENOTSUP && !v->opt->quiet)
			fprintf(stderr, "fbkit-view: no input devices: %s\n", fbk_last_error());
	}
	while (!quit_signal && !a.quit) {
		if (reload_signal) {
			reload_signal = 0;
			if (reload(v) || !v->showing)
				break;
		}
		if (fbk_loop_dispatch(a.loop, -1) < 0)
			break;
	}
	fbk_loop_remove(input_source);
	fbk_input_close(input);
	fbk_loop_destroy(a.loop);
}

static int open_display(const struct options *opt, struct fbk_display **display, bool *fell_back)
{
	const char *env_display = getenv("FBKIT_DISPLAY");
	bool explicit = opt->display || (env_display && *env_display);
	*fell_back = false;
	if (opt->snapshot_frames) {
		/*
		 * The offscreen display writes a PNG per present from this very
		 * pattern, and fbkit-view presents once per image shown: so the
		 * library's pattern rules and messages are the tool's, and a bad
		 * pattern fails the open before any image is drawn.
		 */
		setenv("FBKIT_SNAPSHOT", opt->snapshot, 1);
		int err = fbk_display_open(display, explicit ? opt->display : "offscreen");
		if (err) {
			fprintf(stderr, "fbkit-view: --snapshot: %s\n", fbk_last_error());
			return err;
		}
		if (strcmp(fbk_display_backend(*display), "offscreen") != 0) {
			fprintf(stderr, "fbkit-view: --snapshot %s: a frame-number pattern needs an "
				"offscreen display, not %s (--display offscreen:WxH)\n",
				opt->snapshot, fbk_display_backend(*display));
			fbk_display_close(*display);
			return -EINVAL;
		}
		return 0;
	}
	int err = fbk_display_open(display, opt->display);
	*fell_back = err && !explicit;
	if (*fell_back) {
		if (!opt->quiet)
			fprintf(stderr, "fbkit-view: %s\nfbkit-view: showing offscreen instead\n",
				fbk_last_error());
		err = fbk_display_open(display, "offscreen");
	}
	if (err)
		fprintf(stderr, "fbkit-view: %s\n", fbk_last_error());
	return err;
}

int main(int argc, char **argv)
{
	struct options opt;
	if (parse_options(argc, argv, &opt))
		return CLI_USAGE_ERROR;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	install_signals();

	struct viewer v = { .opt = &opt };
	int bad_args = list_build(&v.list, opt.paths, opt.path_count, opt.shuffle);
	if (bad_args < 0) {
		fprintf(stderr, "fbkit-view: out of memory\n");
		return 1;
	}
	size_t readable = check_readable(&v.list);
	v.any_failed = bad_args > 0 || readable < v.list.count;
	if (readable == 0) {
		list_clear(&v.list);
		return 1;
	}
	bool fell_back;
	if (open_display(&opt, &v.display, &fell_back)) {
		list_clear(&v.list);
		return 1;
	}
	/* Only the fallback: an offscreen display asked for runs the loop (for tests). */
	if (!opt.snapshot && fell_back)
		opt.snapshot = DEFAULT_SNAPSHOT;

	struct terminal term = { .raw = false };
	if (opt.snapshot_frames) {
		/* Every image once, in list order (--loop, --delay and --once do
		 * not apply); a file that cannot be shown gets no frame number. */
		unsigned written = 0;
		for (size_t i = 0; i < v.list.count && !quit_signal; i++) {
			if (v.list.failed[i])
				continue;
			int err = show(&v, i);
			if (err == -EIO) {
				v.any_failed = true; /* the present, so its PNG, failed */
				break;
			}
			written += err == 0;
		}
		if (written && !opt.quiet)
			printf("fbkit-view: wrote %u snapshot%s (%s)\n", written,
			       written == 1 ? "" : "s", opt.snapshot);
		else if (!written && !quit_signal)
			fprintf(stderr, "fbkit-view: no image could be shown\n");
	} else if (show_from(&v, 0, +1) == 0) {
		if (opt.snapshot) {
			if (fbk_png_save(fbk_display_surface(v.display), opt.snapshot)) {
				fprintf(stderr, "fbkit-view: %s\n", fbk_last_error());
				v.any_failed = true;
			} else if (!opt.quiet) {
				printf("fbkit-view: wrote %s\n", opt.snapshot);
			}
		} else {
			terminal_raw(&term);
			run(&v, &term);
			terminal_restore(&term);
		}
	} else if (!quit_signal) {
		fprintf(stderr, "fbkit-view: no image could be shown\n");
	}
	bool shown = v.showing;
	fbk_display_close(v.display);
	list_clear(&v.list);
	return v.any_failed || !shown ? 1 : 0;
}
