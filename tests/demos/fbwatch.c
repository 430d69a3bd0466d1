/*
 * fbwatch: how long a viewer takes from its start to its picture on the
 * framebuffer, for the VM startup test (vm_startup.py).
 *
 *   fbwatch --want WANT.png [OPTION]... -- COMMAND [ARG]...
 *
 * It paints /dev/fb0 a marker colour, takes CLOCK_MONOTONIC, starts COMMAND
 * on a VT (stdin and stdout on it, in front, as a shell on the VT would),
 * and polls the mapped framebuffer until the screen shows WANT.png, a
 * screen-sized picture (fbkit-view's offscreen snapshot of the same file).
 *
 * "Shows the picture" is judged on block means, so that viewers that
 * resample differently still match: the screen is cut into 40 x 25 blocks,
 * each block's mean red, green and blue are compared with the wanted
 * picture's, and every block must be within --tolerance levels (of 255) in
 * every channel. A screen still partly marker-coloured, black or half drawn
 * fails in some block; fbwatch refuses to measure a picture that a black or
 * marker-coloured screen would pass.
 *
 * Polling must cost the viewer little CPU: every --interval ms (default 5) a
 * sparse grid of 2000 pixels is read. Only when that grid has changed and
 * then held still for one poll is the whole screen compared (or 50 ms after
 * a comparison that came close, in case the last change fell between the
 * grid's pixels); if it matches and the grid is still the same afterwards,
 * the picture counts as shown at the first poll that saw this grid (or, if
 * the grid had not changed since the last comparison, at this poll). So the
 * time is exact to a poll interval, and the comparisons (~50 ms of the
 * guest's CPU each under TCG; a first look at one pixel in 16 throws out
 * screens far from the picture for ~3 ms) hardly delay it or slow a viewer
 * that is still writing.
 *
 * The viewer may fork and exit (fbi -T does): fbwatch is a child subreaper,
 * so every process of the viewer ends up as its child; they all get SIGTERM
 * at the end (SIGKILL 3 s later) and their CPU times are added up.
 *
 * One line goes to stdout (times in ms from the start; -1: never):
 *   @@ RUN name=N result=SHOWN|TIMEOUT|EXITED first_change_ms=.. shown_ms=..
 *          cpu_ms=.. maxdiff=.. worst_block=X,Y tolerance=.. black_diff=..
 *          watch_cpu_ms=.. polls=.. checks=.. [exit_status=..]
 * cpu_ms is the viewer's (all its processes), watch_cpu_ms fbwatch's own
 * until it decided, maxdiff the last comparison's, black_diff what a black
 * screen would have shown. The exit status is 0 for SHOWN, 1 otherwise, 2
 * when nothing could be measured.
 * With --ack, fbwatch prints "@@ SHOWN name=N" once the picture is shown
 * and reads a line from stdin before it stops the viewer (the host takes a
 * screendump meanwhile).
 *
 *   fbwatch --want WANT.png --compare SHOT.ppm
 * compares a binary PPM (a QEMU screendump) the same way: exit 0 if it
 * shows the picture, 1 if not.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/fb.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fbkit.h"

#define BLOCKS_X 40
#define BLOCKS_Y 25
/* The poll grid: every 4th row, one pixel in 128 along it, shifted by 32
 * from row to row (2000 pixels at 1280x800): rows written anywhere on the
 * screen show up in it, and reading it costs the guest ~0.1 ms. */
#define GRID_X 128
#define GRID_Y 4
/* A comparison that came close (within CLOSE_FACTOR times the tolerance) is
 * repeated after RECHECK_MS even if the grid has not changed, in case the
 * last change fell between its pixels. */
#define CLOSE_FACTOR 4
#define RECHECK_MS 50
/* Before the whole screen, every 4th pixel of every 4th row is compared, with
 * CLOSE_FACTOR times the tolerance (sampling can miss or hit thin lines). */
#define QUICK_STEP 4
#define KILL_GRACE_MS 3000

struct options {
	const char *want, *compare, *fb, *tty, *log, *name;
	double timeout_s, tolerance;
	unsigned interval_ms;
	uint32_t marker; /* 0xRRGGBB */
	bool ack;
	char **command;
};

/* Where pixels come from: the framebuffer, a PPM, or the wanted picture. */
struct picture {
	const uint8_t *base;
	int32_t width, height;
	size_t stride, bpp; /* bytes */
	/* bit offset and length of red, green, blue in a little-endian pixel;
	 * for the PPM (bpp 3, byte order R G B) these are unused */
	unsigned offset[3], length[3];
	bool rgb_bytes;
};

/* Block means, per block and channel, 0..255. */
struct means {
	double v[BLOCKS_Y][BLOCKS_X][3];
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(const struct rusage *ru)
{
	return (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1e3 +
	       (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e3;
}

static uint32_t raw_pixel(const struct picture *p, int32_t x, int32_t y)
{
	const uint8_t *s = p->base + (size_t)y * p->stride + (size_t)x * p->bpp;
	if (p->bpp == 4) {
		uint32_t v;
		memcpy(&v, s, 4);
		return v;
	}
	uint32_t v = 0;
	for (size_t i = 0; i < p->bpp; i++)
		v |= (uint32_t)s[i] << (8 * i);
	return v;
}

/* Channel c (0 red, 1 green, 2 blue) of a raw pixel, widened to 0..255. */
static unsigned channel(const struct picture *p, uint32_t v, int c)
{
	if (p->rgb_bytes)
		return (v >> (8 * c)) & 0xff;
	unsigned len = p->length[c];
	if (len == 8)
		return (v >> p->offset[c]) & 0xff;
	if (len == 0)
		return 0;
	uint32_t max = len >= 32 ? UINT32_MAX : (UINT32_C(1) << len) - 1;
	uint32_t raw = (v >> p->offset[c]) & max;
	return (unsigned)(((uint64_t)raw * 255 + max / 2) / max);
}

/* Block means over every step-th pixel of every step-th row. */
static void block_means(const struct picture *p, struct means *m, int32_t step)
{
	for (int by = 0; by < BLOCKS_Y; by++) {
		int32_t y0 = by * p->height / BLOCKS_Y, y1 = (by + 1) * p->height / BLOCKS_Y;
		for (int bx = 0; bx < BLOCKS_X; bx++) {
			int32_t x0 = bx * p->width / BLOCKS_X, x1 = (bx + 1) * p->width / BLOCKS_X;
			uint64_t sum[3] = { 0, 0, 0 }, n = 0;
			for (int32_t y = y0; y < y1; y += step)
				for (int32_t x = x0; x < x1; x += step) {
					uint32_t v = raw_pixel(p, x, y);
					for (int c = 0; c < 3; c++)
						sum[c] += channel(p, v, c);
					n++;
				}
			for (int c = 0; c < 3; c++)
				m->v[by][bx][c] = n > 0 ? (double)sum[c] / (double)n : 0;
		}
	}
}

/* The largest difference of any block in any channel; *worst gets its block. */
static double max_diff(const struct means *a, const struct means *b, int *worst_x, int *worst_y)
{
	double worst = 0;
	*worst_x = *worst_y = 0;
	for (int by = 0; by < BLOCKS_Y; by++)
		for (int bx = 0; bx < BLOCKS_X; bx++)
			for (int c = 0; c < 3; c++) {
				double d = fabs(a->v[by][bx][c] - b->v[by][bx][c]);
				if (d > worst) {
					worst = d;
					*worst_x = bx;
					*worst_y = by;
				}
			}
	return worst;
}

/* The difference a uniformly coloured screen would show. */
static double flat_diff(const struct means *want, uint32_t rgb)
{
	struct means flat;
	for (int by = 0; by < BLOCKS_Y; by++)
		for (int bx = 0; bx < BLOCKS_X; bx++)
			for (int c = 0; c < 3; c++)
				flat.v[by][bx][c] = (rgb >> (16 - 8 * c)) & 0xff;
	int x, y;
	return max_diff(want, &flat, &x, &y);
}

static int load_want(const char *path, struct fbk_surface **out, struct picture *p)
{
	struct fbk_png *png;
	if (fbk_png_open(&png, path, NULL)) {
		fprintf(stderr, "fbwatch: %s\n", fbk_last_error());
		return -1;
	}
	const struct fbk_png_info *info = fbk_png_get_info(png);
	int err = fbk_surface_create(out, info->width, info->height, FBK_FORMAT_XRGB8888);
	if (!err)
		err = fbk_png_draw(*out, png, 0, 0, FBK_OP_SRC);
	fbk_png_close(png);
	if (err) {
		fprintf(stderr, "fbwatch: %s: %s\n", path, fbk_last_error());
		return -1;
	}
	*p = (struct picture){ .base = (*out)->pixels, .width = (*out)->width,
			       .height = (*out)->height, .stride = (*out)->stride, .bpp = 4,
			       .offset = { 16, 8, 0 }, .length = { 8, 8, 8 } };
	return 0;
}

/* A binary 8-bit PPM, read whole. */
static uint8_t *load_ppm(const char *path, struct picture *p)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "fbwatch: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	int w, h, max;
	uint8_t *data = NULL;
	if (fscanf(f, "P6 %d %d %d", &w, &h, &max) != 3 || fgetc(f) == EOF || max != 255 ||
	    w < 1 || h < 1 || w > FBK_MAX_DIMENSION || h > FBK_MAX_DIMENSION) {
		fprintf(stderr, "fbwatch: %s: not an 8-bit binary PPM\n", path);
		goto out;
	}
	size_t size = (size_t)w * (size_t)h * 3;
	data = malloc(size);
	if (!data || fread(data, 1, size, f) != size) {
		fprintf(stderr, "fbwatch: %s: short file\n", path);
		free(data);
		data = NULL;
		goto out;
	}
	*p = (struct picture){ .base = data, .width = w, .height = h, .stride = (size_t)w * 3,
			       .bpp = 3, .rgb_bytes = true };
out:
	fclose(f);
	return data;
}

/* ---- the framebuffer ---- */

struct screen {
	int fd;
	uint8_t *map;
	size_t map_size;
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	struct picture pic; /* the visible area */
};

static int screen_open(struct screen *s, const char *path)
{
	s->fd = open(path, O_RDWR | O_CLOEXEC);
	if (s->fd < 0 || ioctl(s->fd, FBIOGET_FSCREENINFO, &s->fix) ||
	    ioctl(s->fd, FBIOGET_VSCREENINFO, &s->var)) {
		fprintf(stderr, "fbwatch: %s: %s\n", path, strerror(errno));
		return -1;
	}
	unsigned bpp = s->var.bits_per_pixel;
	if (bpp != 16 && bpp != 24 && bpp != 32) {
		fprintf(stderr, "fbwatch: %s: %u bits per pixel is not handled\n", path, bpp);
		return -1;
	}
	s->map_size = s->fix.smem_len;
	s->map = mmap(NULL, s->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, 0);
	if (s->map == MAP_FAILED) {
		fprintf(stderr, "fbwatch: mmap %s: %s\n", path, strerror(errno));
		return -1;
	}
	s->pic = (struct picture){ .width = (int32_t)s->var.xres, .height = (int32_t)s->var.yres,
				   .stride = s->fix.line_length, .bpp = bpp / 8,
				   .offset = { s->var.red.offset, s->var.green.offset,
					       s->var.blue.offset },
				   .length = { s->var.red.length, s->var.green.length,
					       s->var.blue.length } };
	return 0;
}

/* Follow panning: the visible area starts at the current offsets. */
static void screen_locate(struct screen *s)
{
	struct fb_var_screeninfo var;
	if (ioctl(s->fd, FBIOGET_VSCREENINFO, &var) == 0)
		s->var = var;
	size_t offset = (size_t)s->var.yoffset * s->fix.line_length +
			(size_t)s->var.xoffset * s->pic.bpp;
	size_t visible = (size_t)(s->pic.height - 1) * s->fix.line_length +
			 (size_t)s->pic.width * s->pic.bpp;
	if (offset + visible > s->map_size)
		offset = 0;
	s->pic.base = s->map + offset;
}

static void screen_fill(struct screen *s, uint32_t rgb)
{
	uint32_t v = 0;
	for (int c = 0; c < 3; c++) {
		uint32_t c8 = (rgb >> (16 - 8 * c)) & 0xff, len = s->pic.length[c];
		v |= (len <= 8 ? c8 >> (8 - len) : c8 << (len - 8)) << s->pic.offset[c];
	}
	screen_locate(s);
	for (int32_t y = 0; y < s->pic.height; y++) {
		uint8_t *row = (uint8_t *)s->pic.base + (size_t)y * s->pic.stride;
		for (int32_t x = 0; x < s->pic.width; x++)
			for (size_t i = 0; i < s->pic.bpp; i++)
				row[(size_t)x * s->pic.bpp + i] = (uint8_t)(v >> (8 * i));
	}
	msync(s->map, s->map_size, MS_SYNC);
}

/* The sparse grid, as raw pixels. */
struct grid {
	size_t count;
	uint32_t *v;
};

/* The first grid column of row y (alternate rows are staggered). */
static int32_t grid_x0(int32_t y)
{
	return (y / GRID_Y % 4) * GRID_X / 4;
}

static void grid_sample(const struct picture *p, struct grid *g)
{
	size_t i = 0;
	for (int32_t y = GRID_Y / 2; y < p->height; y += GRID_Y)
		for (int32_t x = grid_x0(y); x < p->width; x += GRID_X)
			g->v[i++] = raw_pixel(p, x, y);
	g->count = i;
}

/* ---- the viewer ---- */

/*
 * Make the VT our controlling terminal, as a login shell's would be. The
 * viewer must not lead the session itself: a session leader's exit hangs up
 * its terminal, and fbi -T exits in its parent right after forking the child
 * that shows the picture (whose descriptors on the VT would die with it).
 * The VT is cleared (so that what the viewer writes there can be read back
 * from /dev/vcs alone) and its cursor hidden, so that fbcon's blinking does
 * not count as a change.
 */
static int take_terminal(const char *path)
{
	if (getpgrp() == getpid()) {
		/* a process group leader cannot start a session: go on in a child */
		pid_t pid = fork();
		if (pid < 0)
			return -1;
		if (pid > 0) {
			int status;
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			exit(WIFEXITED(status) ? WEXITSTATUS(status) : 2);
		}
	}
	int tty = -1;
	if (setsid() < 0 || (tty = open(path, O_RDWR | O_CLOEXEC)) < 0 ||
	    ioctl(tty, TIOCSCTTY, 0) < 0) {
		fprintf(stderr, "fbwatch: %s as controlling terminal: %s\n", path, strerror(errno));
		return -1;
	}
	(void)!write(tty, "\033[H\033[2J\033[?25l", 13);
	return tty;
}

/* The viewer, in its own process group in front on the terminal. */
static pid_t start_viewer(const struct options *opt, int tty)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	int log = opt->log ? open(opt->log, O_WRONLY | O_CREAT | O_TRUNC, 0644) : tty;
	if (log < 0) {
		fprintf(stderr, "fbwatch: %s: %s\n", opt->log, strerror(errno));
		_exit(127);
	}
	setpgid(0, 0);
	signal(SIGTTOU, SIG_IGN);
	tcsetpgrp(tty, getpid());
	signal(SIGTTOU, SIG_DFL);
	dup2(tty, 0);
	dup2(tty, 1);
	dup2(log, 2);
	if (log != tty)
		close(log);
	execvp(opt->command[0], opt->command);
	fprintf(stderr, "fbwatch: %s: %s\n", opt->command[0], strerror(errno));
	_exit(127);
}

/* Our children now: the viewer and whatever of it was adopted by us. */
static size_t children(pid_t *pids, size_t max)
{
	DIR *d = opendir("/proc");
	size_t n = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		char path[300], buf[512];
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = 0;
		/* pid (comm) state ppid ...: comm may hold spaces, so go past its ')' */
		char *p = strrchr(buf, ')');
		char state;
		int ppid;
		if (p && sscanf(p + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid())
			pids[n++] = (pid_t)atoi(e->d_name);
	}
	closedir(d);
	return n;
}

/* Reap what has exited; adds CPU time. Returns false when no child is left. */
static bool reap(double *cpu, int *last_status, bool block)
{
	for (;;) {
		struct rusage ru;
		int status;
		pid_t pid = wait4(-1, &status, block ? 0 : WNOHANG, &ru);
		if (pid < 0)
			return errno != ECHILD;
		if (pid == 0)
			return true;
		*cpu += cpu_ms(&ru);
		*last_status = status;
		if (block)
			return true;
	}
}

static void stop_viewer(double *cpu, int *status)
{
	pid_t pids[64];
	size_t n = children(pids, 64);
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	double deadline = now_ms() + KILL_GRACE_MS;
	while (reap(cpu, status, false)) {
		if (now_ms() > deadline) {
			n = children(pids, 64);
			for (size_t i = 0; i < n; i++)
				kill(pids[i], SIGKILL);
			while (reap(cpu, status, true))
				;
			break;
		}
		usleep(5000);
	}
}

static int parse_args(int argc, char **argv, struct options *opt)
{
	static const struct option longs[] = {
		{ "want", required_argument, NULL, 'w' },
		{ "compare", required_argument, NULL, 'c' },
		{ "fb", required_argument, NULL, 'f' },
		{ "tty", required_argument, NULL, 't' },
		{ "log", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "interval", required_argument, NULL, 'i' },
		{ "tolerance", required_argument, NULL, 'd' },
		{ "marker", required_argument, NULL, 'm' },
		{ "ack", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	*opt = (struct options){ .fb = "/dev/fb0", .tty = "/dev/tty1", .name = "viewer",
				 .timeout_s = 60, .tolerance = 16, .interval_ms = 5,
				 .marker = 0xff00ff };
	int c;
	while ((c = getopt_long(argc, argv, "+", longs, NULL)) != -1) {
		switch (c) {
		case 'w': opt->want = optarg; break;
		case 'c': opt->compare = optarg; break;
		case 'f': opt->fb = optarg; break;
		case 't': opt->tty = optarg; break;
		case 'l': opt->log = optarg; break;
		case 'n': opt->name = optarg; break;
		case 'T': opt->timeout_s = atof(optarg); break;
		case 'i': opt->interval_ms = (unsigned)atoi(optarg); break;
		case 'd': opt->tolerance = atof(optarg); break;
		case 'm': opt->marker = (uint32_t)strtoul(optarg, NULL, 16) & 0xffffff; break;
		case 'a': opt->ack = true; break;
		default: return -1;
		}
	}
	if (!opt->want || (!opt->compare && optind >= argc) || opt->timeout_s <= 0 ||
	    opt->tolerance <= 0 || opt->interval_ms < 1 || opt->interval_ms > 1000) {
		fprintf(stderr, "Usage: fbwatch --want WANT.png [--fb DEV] [--tty DEV] [--log FILE]\n"
				"         [--name NAME] [--timeout S] [--interval MS] [--tolerance N]\n"
				"         [--marker RRGGBB] [--ack] -- COMMAND [ARG]...\n"
				"       fbwatch --want WANT.png [--tolerance N] --compare SHOT.ppm\n");
		return -1;
	}
	opt->command = argv + optind;
	return 0;
}

static int compare_file(const struct options *opt, const struct means *want, int32_t w,
			int32_t h)
{
	struct picture shot;
	uint8_t *data = load_ppm(opt->compare, &shot);
	if (!data)
		return 2;
	if (shot.width != w || shot.height != h) {
		fprintf(stderr, "fbwatch: %s is %dx%d, the picture %dx%d\n", opt->compare,
			shot.width, shot.height, w, h);
		free(data);
		return 1;
	}
	static struct means m;
	block_means(&shot, &m, 1);
	free(data);
	int bx, by;
	double d = max_diff(want, &m, &bx, &by);
	printf("maxdiff=%.1f worst_block=%d,%d tolerance=%.1f %s\n", d, bx, by, opt->tolerance,
	       d <= opt->tolerance ? "SHOWN" : "DIFFERENT");
	return d <= opt->tolerance ? 0 : 1;
}

/* What one watched run came to. */
struct run {
	const char *result;
	double first_change, shown; /* ms after the start, < 0: never */
	double viewer_cpu, watch_cpu; /* ms; the watcher's until shown */
	double diff;
	int worst_x, worst_y, status;
	bool exited;
	unsigned long polls, checks;
};

static void watch(const struct options *opt, struct screen *s, int tty, const struct means *want,
		  struct run *r)
{
	static struct means seen;
	struct grid marker, last, now;
	size_t cells = (size_t)(s->pic.width / GRID_X + 1) * (size_t)(s->pic.height / GRID_Y + 1);
	marker.v = calloc(cells, sizeof(uint32_t));
	last.v = calloc(cells, sizeof(uint32_t));
	now.v = calloc(cells, sizeof(uint32_t));
	*r = (struct run){ .result = "TIMEOUT", .first_change = -1, .shown = -1, .diff = -1 };
	if (!marker.v || !last.v || !now.v) {
		r->result = "NOMEMORY";
		goto out;
	}
	screen_fill(s, opt->marker);
	grid_sample(&s->pic, &marker);
	size_t grid_bytes = marker.count * sizeof(uint32_t);
	memcpy(last.v, marker.v, grid_bytes);

	struct rusage before, after;
	getrusage(RUSAGE_SELF, &before);
	double start = now_ms(), since = -1, last_check = -1;
	if (start_viewer(opt, tty) < 0) {
		r->result = "NOFORK";
		goto out;
	}
	const struct timespec pause = { 0, (long)opt->interval_ms * 1000000L };
	for (double t = start; t - start < opt->timeout_s * 1e3; t = now_ms()) {
		grid_sample(&s->pic, &now);
		r->polls++;
		if (memcmp(now.v, last.v, grid_bytes) != 0) {
			memcpy(last.v, now.v, grid_bytes);
			since = t;
			if (r->first_change < 0)
				r->first_change = t - start;
		}
		/* The whole screen is compared when the grid has changed since the
		 * last comparison and then held still for a poll (not while the
		 * viewer is still writing, which the comparison would only slow
		 * down), or a little after a comparison that came close. */
		bool moved = since > last_check;
		if ((moved && since < t) ||
		    (!moved && r->diff >= 0 && r->diff <= CLOSE_FACTOR * opt->tolerance &&
		     t - last_check >= RECHECK_MS)) {
			r->checks++;
			last_check = t;
			screen_locate(s);
			/* a look at one pixel in 16 first, loose, so that a screen
			 * still far from the picture costs little */
			block_means(&s->pic, &seen, QUICK_STEP);
			r->diff = max_diff(want, &seen, &r->worst_x, &r->worst_y);
			if (r->diff <= CLOSE_FACTOR * opt->tolerance) {
				block_means(&s->pic, &seen, 1);
				r->diff = max_diff(want, &seen, &r->worst_x, &r->worst_y);
			}
			if (r->diff <= opt->tolerance) {
				grid_sample(&s->pic, &now);
				if (memcmp(now.v, last.v, grid_bytes) == 0) {
					/* at the poll that first saw this grid; if the grid
					 * had not changed since, at this one */
					r->shown = (moved ? since : t) - start;
					r->result = "SHOWN";
					break;
				}
				continue; /* it changed while being compared: look again */
			}
		}
		if (r->polls % 8 == 0 && !reap(&r->viewer_cpu, &r->status, false)) {
			r->exited = true;
			r->result = "EXITED";
			break;
		}
		nanosleep(&pause, NULL);
	}
	getrusage(RUSAGE_SELF, &after);
	r->watch_cpu = cpu_ms(&after) - cpu_ms(&before);
	if (r->shown >= 0 && opt->ack) {
		printf("@@ SHOWN name=%s\n", opt->name);
		fflush(stdout);
		char line[64];
		if (!fgets(line, sizeof(line), stdin))
			clearerr(stdin);
	}
	if (!r->exited)
		stop_viewer(&r->viewer_cpu, &r->status);
out:
	free(marker.v);
	free(last.v);
	free(now.v);
}

int main(int argc, char **argv)
{
	struct options opt;
	if (parse_args(argc, argv, &opt))
		return 2;
	struct fbk_surface *want_surface;
	struct picture want_pic;
	static struct means want;
	if (load_want(opt.want, &want_surface, &want_pic))
		return 2;
	block_means(&want_pic, &want, 1);
	/* The criterion must tell the picture from a blank or marker screen. */
	double black = flat_diff(&want, 0), marker = flat_diff(&want, opt.marker);
	if (black <= 2 * opt.tolerance || marker <= 2 * opt.tolerance) {
		fprintf(stderr, "fbwatch: a black (%.1f) or marker-coloured (%.1f) screen is too "
				"close to the picture for tolerance %.1f\n", black, marker,
			opt.tolerance);
		return 2;
	}
	if (opt.compare)
		return compare_file(&opt, &want, want_pic.width, want_pic.height);

	struct screen s;
	if (screen_open(&s, opt.fb))
		return 2;
	if (s.pic.width != want_pic.width || s.pic.height != want_pic.height) {
		fprintf(stderr, "fbwatch: the screen is %dx%d, the picture %dx%d\n", s.pic.width,
			s.pic.height, want_pic.width, want_pic.height);
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		fprintf(stderr, "fbwatch: PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
		return 2;
	}
	int tty = take_terminal(opt.tty);
	if (tty < 0)
		return 2;
	screen_locate(&s);
	struct run r;
	watch(&opt, &s, tty, &want, &r);
	(void)!write(tty, "\033[?25h", 6);
	printf("@@ RUN name=%s result=%s first_change_ms=%.1f shown_ms=%.1f cpu_ms=%.1f "
	       "maxdiff=%.1f worst_block=%d,%d tolerance=%.1f black_diff=%.1f "
	       "watch_cpu_ms=%.1f polls=%lu checks=%lu",
	       opt.name, r.result, r.first_change, r.shown, r.viewer_cpu, r.diff, r.worst_x,
	       r.worst_y, opt.tolerance, black, r.watch_cpu, r.polls, r.checks);
	if (r.exited)
		printf(" exit_status=%d", WIFEXITED(r.status) ? WEXITSTATUS(r.status)
							  : 128 + WTERMSIG(r.status));
	printf("\n");
	fbk_surface_destroy(want_surface);
	return r.shown >= 0 ? 0 : 1;
}
