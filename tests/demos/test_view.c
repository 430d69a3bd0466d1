/*
 * test_view FBKIT-VIEW: runs the viewer as a user would, on the offscreen
 * backend, and checks what it does:
 *   - every PngSuite file ($FBKIT_TESTDATA/pngsuite): valid ones exit 0 and
 *     their snapshot equals the same file drawn by fbkit itself onto the same
 *     background with the same fit and alignment (fbkit's decoder is checked
 *     against libspng by test_pngsuite); x* files exit 1 naming the file;
 *     nothing ever dies of a signal;
 *   - a missing file and a non-PNG among good ones are skipped: exit 1, the
 *     first good image is the one shown;
 *   - SIGTERM during a slideshow ends it cleanly (exit 0, not a signal);
 *   - --once --delay 0 walks every file and exits;
 *   - keys typed on a terminal (a pseudo-terminal here) step forward and
 *     back, a lone Escape quits, and the terminal's mode is restored.
 * With --shot FBKIT-SHOT: fbkit-shot reads a file= display while fbkit-view
 * is showing an image on it; the shot (whole, and a region) equals the
 * image drawn by fbkit itself.
 * With --pngsuite only the PngSuite part runs (skipped without the data).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#if FBK_HAVE_JPEG
#include <stdbool.h>

#include "jpeg_make.h"
#endif

#if FBK_HAVE_PNG

#define SCREEN_W 97
#define SCREEN_H 61
#define BACKGROUND "336699"

static const char *viewer;
static char workdir[4096];

struct run_result {
	int status; /* raw waitpid status */
	char err[8192];
};

/* Start fbkit-view with argv (NULL-terminated, argv[0] ignored); stderr goes to a file. */
static pid_t spawn(char *const argv[], const char *errpath)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int in = open("/dev/null", O_RDONLY);
		if (fd < 0 || in < 0)
			_exit(126);
		dup2(fd, STDERR_FILENO);
		dup2(in, STDIN_FILENO); /* not a terminal: no keys, like a kiosk */
		unsetenv("FBKIT_DISPLAY");
		unsetenv("FBKIT_SNAPSHOT");
		execv(viewer, argv);
		_exit(127);
	}
	return pid;
}

static void collect(pid_t pid, const char *errpath, struct run_result *r)
{
	r->status = -1;
	r->err[0] = 0;
	if (pid < 0 || waitpid(pid, &r->status, 0) < 0)
		return;
	FILE *f = fopen(errpath, "r");
	if (f) {
		size_t n = fread(r->err, 1, sizeof(r->err) - 1, f);
		r->err[n] = 0;
		fclose(f);
	}
}

static void run(char *const argv[], struct run_result *r)
{
	char errpath[4200];
	snprintf(errpath, sizeof(errpath), "%s/stderr.txt", workdir);
	collect(spawn(argv, errpath), errpath, r);
}

static bool exited_with(const struct run_result *r, int code)
{
	return r->status >= 0 && WIFEXITED(r->status) && WEXITSTATUS(r->status) == code;
}

static const char *describe(const struct run_result *r)
{
	static char text[64];
	if (r->status < 0)
		return "not run";
	if (WIFSIGNALED(r->status))
		snprintf(text, sizeof(text), "killed by signal %d", WTERMSIG(r->status));
	else
		snprintf(text, sizeof(text), "exit %d", WEXITSTATUS(r->status));
	return text;
}

/* Decode an image with fbkit onto an XRGB8888 surface: background, then the image fitted. */
static struct fbk_surface *reference(const char *path, enum fbk_fit fit, unsigned align)
{
	struct fbk_surface *s;
	struct fbk_image *image;
	if (fbk_surface_create(&s, SCREEN_W, SCREEN_H, FBK_FORMAT_XRGB8888))
		return NULL;
	fbk_fill(s, NULL, FBK_RGB(0x33, 0x66, 0x99));
	if (fbk_image_open(&image, path, NULL) ||
	    fbk_image_draw_fit(s, image, &(struct fbk_rect){ 0, 0, SCREEN_W, SCREEN_H }, fit,
			       align, FBK_FILTER_SMOOTH, FBK_OP_OVER)) {
		fprintf(stderr, "%s: %s\n", path, fbk_last_error());
		fbk_surface_destroy(s);
		return NULL;
	}
	fbk_image_close(image);
	return s;
}

/* A snapshot the viewer wrote, read back (it is plain RGB, so SRC copies it). */
static struct fbk_surface *load(const char *path)
{
	struct fbk_surface *s;
	struct fbk_png *png;
	if (fbk_png_open(&png, path, NULL))
		return NULL;
	const struct fbk_png_info *info = fbk_png_get_info(png);
	if (fbk_surface_create(&s, info->width, info->height, FBK_FORMAT_XRGB8888)) {
		fbk_png_close(png);
		return NULL;
	}
	int err = fbk_png_draw(s, png, 0, 0, FBK_OP_SRC);
	fbk_png_close(png);
	if (err) {
		fbk_surface_destroy(s);
		return NULL;
	}
	return s;
}

static size_t differing_pixels(const struct fbk_surface *a, const struct fbk_surface *b)
{
	if (!a || !b || a->width != b->width || a->height != b->height)
		return (size_t)-1;
	size_t n = 0;
	for (int32_t y = 0; y < a->height; y++)
		for (int32_t x = 0; x < a->width; x++)
			n += !color_equal(pixel_at(a, x, y), pixel_at(b, x, y));
	return n;
}

/* Each file gets another fit and alignment, so every mode sees many images. */
static const struct {
	const char *fit, *align;
	enum fbk_fit fit_value;
	unsigned align_value;
} modes[] = {
	{ "contain", "center", FBK_FIT_CONTAIN, FBK_ALIGN_CENTER },
	{ "cover", "top-left", FBK_FIT_COVER, FBK_ALIGN_TOP | FBK_ALIGN_LEFT },
	{ "none", "bottom-right", FBK_FIT_NONE, FBK_ALIGN_BOTTOM | FBK_ALIGN_RIGHT },
	{ "stretch", "center", FBK_FIT_STRETCH, FBK_ALIGN_CENTER },
	{ "contain", "right", FBK_FIT_CONTAIN, FBK_ALIGN_RIGHT },
};

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_one(const char *dir, const char *name, size_t index)
{
	char path[4200], snap[4200], display[64];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(snap, sizeof(snap), "%s/snap.png", workdir);
	snprintf(display, sizeof(display), "offscreen:%dx%d", SCREEN_W, SCREEN_H);
	unlink(snap);
	size_t m = index % (sizeof(modes) / sizeof(modes[0]));
	char *argv[] = { "fbkit-view", "--display", display, "--background", BACKGROUND,
			 "--fit", (char *)modes[m].fit, "--align", (char *)modes[m].align,
			 "--snapshot", snap, path, NULL };
	struct run_result r;
	run(argv, &r);
	CHECK(r.status >= 0 && !WIFSIGNALED(r.status), "%s: %s", name, describe(&r));
	if (name[0] == 'x') {
		CHECK(exited_with(&r, 1), "%s (corrupt) must exit 1, got %s", name, describe(&r));
		CHECK(strstr(r.err, name) != NULL, "%s: stderr must name the file, got: %s", name, r.err);
		return;
	}
	CHECK(exited_with(&r, 0), "%s: %s; stderr: %s", name, describe(&r), r.err);
	struct fbk_surface *want = reference(path, modes[m].fit_value, modes[m].align_value);
	struct fbk_surface *got = load(snap);
	size_t differ = differing_pixels(want, got);
	CHECK(differ == 0, "%s (--fit %s --align %s): %zu pixels differ from fbkit's own decode", name,
	      modes[m].fit, modes[m].align, differ);
	fbk_surface_destroy(want);
	fbk_surface_destroy(got);
}

static void check_pngsuite(void)
{
	const char *data = testdata_dir();
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/pngsuite", data ? data : "");
	DIR *d = data ? opendir(dir) : NULL;
	if (!d)
		SKIP("PngSuite not found (%s)", data ? dir : "FBKIT_TESTDATA unset");
	char *names[512];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < sizeof(names) / sizeof(names[0])) {
		size_t len = strlen(e->d_name);
		/* PngSuite.png is the suite's logo, an ordinary valid file: keep it. */
		if (len > 4 && !strcmp(e->d_name + len - 4, ".png"))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), compare_names);
	for (size_t i = 0; i < n; i++) {
		check_one(dir, names[i], i);
		free(names[i]);
	}
	printf("PngSuite: %zu files through fbkit-view\n", n);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Bad files around a good one: skipped with their names, exit 1, the good one shown. */
static void check_skipping(const char *good)
{
	char missing[4200], junk[4200], snap[4200];
	snprintf(missing, sizeof(missing), "%s/does-not-exist.png", workdir);
	snprintf(junk, sizeof(junk), "%s/junk.png", workdir);
	snprintf(snap, sizeof(snap), "%s/skip.png", workdir);
	write_file(junk, "this is not a PNG file\n");
	char *argv[] = { "fbkit-view", "--display", "offscreen:97x61", "--background", BACKGROUND,
			 "--snapshot", snap, missing, junk, (char *)good, NULL };
	struct run_result r;
	run(argv, &r);
	CHECK(exited_with(&r, 1), "bad files before a good one: want exit 1, got %s", describe(&r));
	CHECK(strstr(r.err, "does-not-exist.png") && strstr(r.err, "junk.png"),
	      "both bad files named on stderr: %s", r.err);
	struct fbk_surface *want = reference(good, FBK_FIT_CONTAIN, FBK_ALIGN_CENTER);
	struct fbk_surface *got = load(snap);
	CHECK(differing_pixels(want, got) == 0, "the good file after two bad ones is the one shown");
	fbk_surface_destroy(want);
	fbk_surface_destroy(got);

	char *only_bad[] = { "fbkit-view", "--display", "offscreen:97x61", "--loop", "--delay", "0",
			     missing, junk, NULL };
	run(only_bad, &r);
	CHECK(exited_with(&r, 1), "only bad files with --loop: want exit 1 (not a busy loop), got %s",
	      describe(&r));
}

/* A slideshow through every file with --once ends by itself, successfully. */
static void check_once(const char *good)
{
	char *argv[] = { "fbkit-view", "--display", "offscreen:97x61", "--once", "--delay", "0.01",
			 (char *)good, (char *)good, (char *)good, NULL };
	struct run_result r;
	run(argv, &r);
	CHECK(exited_with(&r, 0), "--once --delay 0.01 over 3 files: %s; %s", describe(&r), r.err);
}

/* SIGTERM in the middle of a long slideshow: a clean exit, not death by the signal. */
static void check_sigterm(const char *good)
{
	char errpath[4200];
	snprintf(errpath, sizeof(errpath), "%s/stderr-term.txt", workdir);
	char *argv[] = { "fbkit-view", "--display", "offscreen:97x61", "--delay", "60", "--loop",
			 (char *)good, NULL };
	pid_t pid = spawn(argv, errpath);
	nanosleep(&(struct timespec){ 0, 300 * 1000 * 1000 }, NULL);
	kill(pid, SIGHUP); /* re-reads the list and carries on */
	nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
	kill(pid, SIGTERM);
	struct run_result r;
	collect(pid, errpath, &r);
	CHECK(exited_with(&r, 0), "SIGHUP then SIGTERM during a slideshow: want exit 0, got %s; %s",
	      describe(&r), r.err);
}

/*
 * --snapshot with a frame number: one PNG per image, numbered in the order
 * shown, a file that cannot be shown skipped without a number; a bad
 * pattern fails before anything is written.
 */
static void check_frames(const char *first, const char *second)
{
	char pattern[4200], junk[4200], frame[4300];
	snprintf(pattern, sizeof(pattern), "%s/frame-%%02d.png", workdir);
	snprintf(junk, sizeof(junk), "%s/junk-frame.png", workdir);
	write_file(junk, "this is not a PNG file\n");
	char *argv[] = { "fbkit-view", "--display", "offscreen:97x61", "--background", BACKGROUND,
			 "--loop", "--snapshot", pattern, (char *)first, junk, (char *)second, NULL };
	struct run_result r;
	run(argv, &r);
	CHECK(exited_with(&r, 1), "--snapshot %s over good, junk, good: want exit 1, got %s; %s",
	      pattern, describe(&r), r.err);
	CHECK(strstr(r.err, "junk-frame.png") != NULL, "the junk file named on stderr: %s", r.err);
	const char *images[] = { first, second };
	for (int i = 0; i < 2; i++) {
		snprintf(frame, sizeof(frame), "%s/frame-%02d.png", workdir, i);
		struct fbk_surface *want = reference(images[i], FBK_FIT_CONTAIN, FBK_ALIGN_CENTER);
		struct fbk_surface *got = load(frame);
		CHECK(got && differing_pixels(want, got) == 0,
		      "frame-%02d.png must be image %d as shown (%s)", i, i + 1,
		      got ? "it differs" : "missing or unreadable");
		fbk_surface_destroy(want);
		fbk_surface_destroy(got);
	}
	snprintf(frame, sizeof(frame), "%s/frame-02.png", workdir);
	CHECK(access(frame, F_OK) != 0, "two images shown (with --loop too), yet frame-02.png exists");

	snprintf(pattern, sizeof(pattern), "%s/bad-%%s.png", workdir);
	char *bad[] = { "fbkit-view", "--display", "offscreen:97x61", "--snapshot", pattern,
			(char *)first, NULL };
	run(bad, &r);
	CHECK(exited_with(&r, 1) && strstr(r.err, "--snapshot") && strstr(r.err, "%d"),
	      "--snapshot %s: want exit 1 and the pattern rules on stderr, got %s: %s", pattern,
	      describe(&r), r.err);
	DIR *d = opendir(workdir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		CHECK(strncmp(e->d_name, "bad-", 4) != 0, "a bad pattern wrote %s", e->d_name);
	if (d)
		closedir(d);
}

#if FBK_HAVE_JPEG
/*
 * A mixed slideshow: a directory holding a PNG, a JPEG called .jpg and a
 * JPEG called .png (content decides, not the name) and a text file (not a
 * picture's name: not listed), shown in name order, each frame equal to
 * the same file drawn by fbkit.
 */
static void check_mixed(const char *png)
{
	char dir[4200], path[4300], pattern[4300], frame[4300];
	snprintf(dir, sizeof(dir), "%s/mixed", workdir);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/a.png", dir);
	struct fbk_surface *s = NULL;
	CHECK(fbk_png_load(&s, png, FBK_FORMAT_XRGB8888) == 0 && fbk_png_save(s, path) == 0,
	      "copy %s: %s", png, fbk_last_error());
	struct jpeg_spec spec = { 160, 100, JCS_RGB, JCS_YCbCr, 2, 2, 1, 0, 0, 90, NULL, 0 };
	uint8_t *data;
	size_t size;
	CHECK(jpeg_make(&spec, NULL, &data, &size) == 0, "cannot make a JPEG");
	const char *jpegs[] = { "b.jpg", "c-really-a-jpeg.png" };
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, jpegs[i]);
		FILE *f = fopen(path, "wb");
		CHECK(f && fwrite(data, 1, size, f) == size && fclose(f) == 0, "write %s", path);
	}
	free(data);
	fbk_surface_destroy(s);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	write_file(path, "not a picture\n");
	snprintf(pattern, sizeof(pattern), "%s/mixed-%%d.png", workdir);
	char *argv[] = { "fbkit-view", "--display", "offscreen:97x61", "--background", BACKGROUND,
			 "--snapshot", pattern, dir, NULL };
	struct run_result r;
	run(argv, &r);
	CHECK(exited_with(&r, 0), "a mixed directory: want exit 0, got %s; %s", describe(&r),
	      r.err);
	const char *names[] = { "a.png", "b.jpg", "c-really-a-jpeg.png" };
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		snprintf(frame, sizeof(frame), "%s/mixed-%d.png", workdir, i);
		struct fbk_surface *want = reference(path, FBK_FIT_CONTAIN, FBK_ALIGN_CENTER);
		struct fbk_surface *got = load(frame);
		CHECK(want && got && differing_pixels(want, got) == 0,
		      "mixed-%d.png must be %s as shown (%s)", i, names[i],
		      got ? "it differs" : "missing or unreadable");
		fbk_surface_destroy(want);
		fbk_surface_destroy(got);
	}
	snprintf(frame, sizeof(frame), "%s/mixed-3.png", workdir);
	CHECK(access(frame, F_OK) != 0, "notes.txt was listed as a picture");
}
#endif

static int run_shot(const char *shot, const char *display, const char *region, const char *out)
{
	char errpath[4200];
	snprintf(errpath, sizeof(errpath), "%s/stderr-shot.txt", workdir);
	struct run_result r;
	const char *saved = viewer;
	viewer = shot;
	char *with_region[] = { "fbkit-shot", "--display", (char *)display, "--region", (char *)region,
				(char *)out, NULL };
	char *whole[] = { "fbkit-shot", "--display", (char *)display, (char *)out, NULL };
	collect(spawn(region ? with_region : whole, errpath), errpath, &r);
	viewer = saved;
	CHECK(exited_with(&r, 0), "fbkit-shot %s: %s; %s", display, describe(&r), r.err);
	return exited_with(&r, 0) ? 0 : -1;
}

/* fbkit-view draws on a file= display; fbkit-shot reads it from outside while it runs. */
static void check_shot(const char *shot, const char *good)
{
	char file[4200], display[4300], errpath[4200], out[4200];
	snprintf(file, sizeof(file), "%s/screen", workdir);
	snprintf(display, sizeof(display), "offscreen:%dx%d,file=%s", SCREEN_W, SCREEN_H, file);
	snprintf(errpath, sizeof(errpath), "%s/stderr-view.txt", workdir);
	snprintf(out, sizeof(out), "%s/shot.png", workdir);
	unlink(file);
	char *argv[] = { "fbkit-view", "--display", display, "--background", BACKGROUND, "--delay",
			 "60", "--loop", (char *)good, NULL };
	pid_t pid = spawn(argv, errpath);
	/* Wait for the first present: frame_count turns non-zero in the file's header. */
	for (int i = 0; i < 200; i++) {
		struct fbk_offscreen_file_header h = { .frame_count = 0 };
		FILE *f = fopen(file, "rb");
		size_t got = f ? fread(&h, sizeof(h), 1, f) : 0;
		if (f)
			fclose(f);
		if (got == 1 && h.frame_count > 0)
			break;
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	struct fbk_surface *want = reference(good, FBK_FIT_CONTAIN, FBK_ALIGN_CENTER);
	if (!run_shot(shot, display, NULL, out)) {
		struct fbk_surface *got = load(out);
		CHECK(differing_pixels(want, got) == 0, "the shot of a running fbkit-view equals the image");
		fbk_surface_destroy(got);
	}
	if (!run_shot(shot, display, "10,5,40,30", out)) {
		struct fbk_surface *got = load(out), part;
		fbk_surface_sub(&part, want, &(struct fbk_rect){ 10, 5, 40, 30 });
		CHECK(differing_pixels(&part, got) == 0, "--region 10,5,40,30 is that part of the screen");
		fbk_surface_destroy(got);
	}
	fbk_surface_destroy(want);
	kill(pid, SIGTERM);
	struct run_result r;
	collect(pid, errpath, &r);
	CHECK(exited_with(&r, 0), "fbkit-view on a file= display: %s; %s", describe(&r), r.err);

	/* Things that cannot be shot say so and fail. */
	const char *saved = viewer;
	viewer = shot;
	char *bad[][5] = {
		{ "fbkit-shot", "--display", "offscreen", out, NULL },
		{ "fbkit-shot", "--display", "offscreen:8x8,file=/nonexistent/x", out, NULL },
		{ "fbkit-shot", "--display", "fbdev:/dev/null", out, NULL },
		{ "fbkit-shot", "--display", "drm:/nonexistent/card9", out, NULL },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run(bad[i], &r);
		CHECK(exited_with(&r, 1) && strlen(r.err) > 0, "fbkit-shot --display %s: want exit 1 "
		      "with a message, got %s: %s", bad[i][2], describe(&r), r.err);
	}
	viewer = saved;
}

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ ms / 1000, ms % 1000 * 1000 * 1000 }, NULL);
}

/* The picture FBKIT_SNAPSHOT holds now equals `want`? (It is rewritten on every present.) */
static bool showing(const char *snap, const struct fbk_surface *want)
{
	struct fbk_surface *got = load(snap);
	bool same = differing_pixels(want, got) == 0;
	fbk_surface_destroy(got);
	return same;
}

/* Keys from a terminal: the viewer's stdin is a pseudo-terminal we type into. */
static void check_keys(const char *first, const char *second)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master)) {
		SKIP("no pseudo-terminal (%s): fbkit-view cannot be typed into", strerror(errno));
	}
	const char *slave_name = ptsname(master);
	char snap[4200], errpath[4200];
	snprintf(snap, sizeof(snap), "%s/keys.png", workdir);
	snprintf(errpath, sizeof(errpath), "%s/stderr-keys.txt", workdir);
	unlink(snap);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int tty = open(slave_name, O_RDWR | O_NOCTTY);
		if (fd < 0 || tty < 0)
			_exit(126);
		dup2(fd, STDERR_FILENO);
		dup2(tty, STDIN_FILENO);
		unsetenv("FBKIT_DISPLAY");
		setenv("FBKIT_SNAPSHOT", snap, 1);
		execl(viewer, "fbkit-view", "--display", "offscreen:97x61", "--background", BACKGROUND,
		      first, second, (char *)NULL);
		_exit(127);
	}
	int slave = open(slave_name, O_RDWR | O_NOCTTY); /* to look at its mode afterwards */
	struct fbk_surface *a = reference(first, FBK_FIT_CONTAIN, FBK_ALIGN_CENTER);
	struct fbk_surface *b = reference(second, FBK_FIT_CONTAIN, FBK_ALIGN_CENTER);
	static const struct {
		const char *keys, *what;
		int image; /* 0: first, 1: second */
	} steps[] = {
		{ "", "at start", 0 },
		{ "\x1b[C", "right arrow", 1 },
		{ "\x1b[D", "left arrow", 0 },
		{ " ", "space", 1 },
		{ "\x1b[C", "right arrow on the last image (no --loop: stays)", 1 },
		{ "p", "p", 0 },
		{ "\x1b[6~", "page down", 1 },
		{ "\x7f", "backspace", 0 },
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (write(master, steps[i].keys, strlen(steps[i].keys)) < 0)
			break;
		bool ok = false;
		for (int tries = 0; tries < 50 && !ok; tries++) {
			sleep_ms(40);
			ok = showing(snap, steps[i].image ? b : a);
		}
		CHECK(ok, "after %s the %s image is shown", steps[i].what,
		      steps[i].image ? "second" : "first");
	}
	struct termios mode;
	CHECK(slave >= 0 && !tcgetattr(slave, &mode) && !(mode.c_lflag & ICANON),
	      "the terminal is in raw mode while the viewer runs");
	CHECK(write(master, "\x1b", 1) == 1, "typing a lone Escape");
	struct run_result r;
	collect(pid, errpath, &r);
	CHECK(exited_with(&r, 0), "a lone Escape quits with status 0, got %s; %s", describe(&r), r.err);
	CHECK(slave >= 0 && !tcgetattr(slave, &mode) && (mode.c_lflag & ICANON) && (mode.c_lflag & ECHO),
	      "the terminal's mode is restored on exit");
	fbk_surface_destroy(a);
	fbk_surface_destroy(b);
	if (slave >= 0)
		close(slave);
	close(master);
}

/* What a run leaves is kept for a failure and removed after a success. */
static void remove_workdir_if_passed(void)
{
	if (harness_failures)
		return;
	DIR *d = opendir(workdir);
	struct dirent *e;
	char path[4400];
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", workdir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(workdir);
}

/* The good image all other checks use: the golden scene (drawn by fbkit's own test). */
static void good_image(char *out, size_t size)
{
	const char *source = getenv("FBKIT_SOURCE_ROOT");
	snprintf(out, size, "%s/tests/golden/scene-XRGB8888.png", source ? source : ".");
}

int main(int argc, char **argv)
{
	bool pngsuite = argc == 3 && !strcmp(argv[2], "--pngsuite");
	bool shot = argc == 4 && !strcmp(argv[2], "--shot");
	/* A case of its own (view_keys): skipped where there is no pseudo-terminal. */
	bool keys = argc == 3 && !strcmp(argv[2], "--keys");
	if (argc != 2 && !pngsuite && !shot && !keys) {
		fprintf(stderr, "usage: test_view PATH-TO-fbkit-view [--pngsuite | --keys | --shot "
			"PATH-TO-fbkit-shot]\n");
		return 2;
	}
	viewer = argv[1];
	const char *build = getenv("FBKIT_BUILD_ROOT");
	/* A folder of its own: meson may run several copies at once (--repeat). */
	snprintf(workdir, sizeof(workdir), "%s/test-view%s-XXXXXX", build ? build : ".",
		 pngsuite ? "-pngsuite" : shot ? "-shot" : keys ? "-keys" : "");
	if (!mkdtemp(workdir)) {
		fprintf(stderr, "%s: %s\n", workdir, strerror(errno));
		return 1;
	}
	atexit(remove_workdir_if_passed);
	if (pngsuite) {
		check_pngsuite();
		return harness_exit();
	}
	char good[4096];
	good_image(good, sizeof(good));
	if (shot) {
		check_shot(argv[3], good);
		return harness_exit();
	}
	char second[4096];
	snprintf(second, sizeof(second), "%s/tests/golden/view.png",
		 getenv("FBKIT_SOURCE_ROOT") ? getenv("FBKIT_SOURCE_ROOT") : ".");
	if (keys) {
		check_keys(good, second);
		return harness_exit();
	}
	check_skipping(good);
	check_once(good);
	check_sigterm(good);
	check_frames(good, second);
#if FBK_HAVE_JPEG
	check_mixed(good);
#endif
	return harness_exit();
}
#else
int main(void)
{
	SKIP("fbkit built without libpng: fbkit-view cannot show anything");
}
#endif
