/*
 * A PNG file that shrinks while it is mapped: drawing it returns -EIO
 * ("file changed while reading") instead of dying of SIGBUS, in one
 * thread or several at once, while a good file decodes beside them. And
 * fbkit must not steal SIGBUS: the application's handlers, installed
 * before or after fbkit's, still get the faults that are theirs, and with
 * the default disposition a fault outside fbkit still kills the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"

#if FBK_HAVE_PNG

#include "png_write.h"

static char temp_dir[256];
static struct membuf big_png; /* 2000x2000 RGB, stored: about 12 MB */
static struct test_image big;

static void temp_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", temp_dir, name);
}

/* A fresh copy of the big PNG at `name`, opened (mapped) by fbkit. */
static struct fbk_png *open_copy(const char *name, char *path, size_t size)
{
	temp_path(path, size, name);
	if (write_file(path, big_png.data, big_png.size)) {
		CHECK(0, "cannot write %s", path);
		return NULL;
	}
	struct fbk_png *png = NULL;
	int err = fbk_png_open(&png, path, NULL);
	CHECK(err == 0, "open %s: %s", path, fbk_last_error());
	return png;
}

static int shrink(const char *path, off_t size)
{
	int fd = open(path, O_WRONLY);
	int err = fd < 0 || ftruncate(fd, size);
	if (fd >= 0)
		close(fd);
	return err ? -1 : 0;
}

/* Draws every row (the visible ones are the last 300), so decoding meets the cut. */
static int draw_bottom(struct fbk_png *png, struct fbk_surface *s)
{
	return fbk_png_draw(s, png, 0, s->height - big.height, FBK_OP_SRC);
}

static int check_bottom(const struct fbk_surface *s)
{
	int bad = 0;
	int32_t top = big.height - s->height;
	for (int32_t y = 0; y < s->height; y += 13)
		for (int32_t x = 0; x < s->width; x += 7)
			bad += (*(uint32_t *)fbk_surface_pixel(s, x, y) & 0xffffff) !=
			       (expected_argb(&big, x, top + y) & 0xffffff);
	return bad;
}

static void expect_changed(int err, const char *path, const char *what)
{
	CHECK(err == -EIO, "%s: returned %d (%s), want -EIO", what, err, fbk_last_error());
	CHECK(strstr(fbk_last_error(), path) && strstr(fbk_last_error(), "file changed while reading"),
	      "%s: message: %s", what, fbk_last_error());
}

static void test_single(void)
{
	static const off_t cuts[] = { 65536, 70001, 4096 * 100 + 17, 5000 };
	struct fbk_surface *s;
	fbk_surface_create(&s, big.width, 300, FBK_FORMAT_XRGB8888);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		char path[512], what[64];
		struct fbk_png *png = open_copy("single.png", path, sizeof(path));
		if (!png)
			continue;
		CHECK(draw_bottom(png, s) == 0, "intact: %s", fbk_last_error());
		CHECK(check_bottom(s) == 0, "intact file decodes right");
		CHECK(shrink(path, cuts[i]) == 0, "truncate");
		snprintf(what, sizeof(what), "cut to %lld bytes", (long long)cuts[i]);
		expect_changed(draw_bottom(png, s), path, what);
		expect_changed(draw_bottom(png, s), path, what); /* and again: nothing left broken */
		fbk_png_close(png);
		unlink(path);
	}
	fbk_surface_destroy(s);
}

struct worker {
	struct fbk_png *png;
	const char *path;
	bool truncated;
	int rounds;
	int results[4];
	int bad_pixels;
	char message[4][256];
	pthread_t thread;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct fbk_surface *s;
	if (fbk_surface_create(&s, big.width, 300, FBK_FORMAT_XRGB8888))
		return NULL;
	for (int i = 0; i < w->rounds; i++) {
		w->results[i] = draw_bottom(w->png, s);
		snprintf(w->message[i], sizeof(w->message[i]), "%s", fbk_last_error());
		if (w->results[i] == -EIO && !strstr(fbk_last_error(), "file changed"))
			w->results[i] = -1000; /* wrong message */
		if (!w->results[i])
			w->bad_pixels += check_bottom(s);
	}
	fbk_surface_destroy(s);
	return NULL;
}

static void test_threads(void)
{
	struct worker workers[4];
	char paths[4][512];
	for (int i = 0; i < 4; i++) {
		char name[32];
		snprintf(name, sizeof(name), "thread-%d.png", i);
		workers[i] = (struct worker){ .path = paths[i], .truncated = i < 3, .rounds = 3 };
		workers[i].png = open_copy(name, paths[i], sizeof(paths[i]));
		if (!workers[i].png)
			return;
		if (workers[i].truncated)
			shrink(paths[i], 65536 * (i + 1) + 100 * i);
	}
	for (int i = 0; i < 4; i++)
		pthread_create(&workers[i].thread, NULL, worker_run, &workers[i]);
	for (int i = 0; i < 4; i++) {
		pthread_join(workers[i].thread, NULL);
		for (int r = 0; r < workers[i].rounds; r++)
			CHECK(workers[i].results[r] == (workers[i].truncated ? -EIO : 0),
			      "thread %d round %d: %d (%s)", i, r, workers[i].results[r],
			      workers[i].message[r]);
		CHECK(workers[i].bad_pixels == 0, "thread %d: %d wrong pixels", i,
		      workers[i].bad_pixels);
		fbk_png_close(workers[i].png);
		unlink(paths[i]);
	}

	/* Truncated while being decoded: either it finished first, or -EIO. */
	char path[512];
	struct worker w = { .rounds = 4 };
	w.png = open_copy("racing.png", path, sizeof(path));
	if (!w.png)
		return;
	pthread_create(&w.thread, NULL, worker_run, &w);
	usleep(3000);
	shrink(path, 300000);
	pthread_join(w.thread, NULL);
	for (int r = 0; r < w.rounds; r++)
		CHECK(w.results[r] == 0 || w.results[r] == -EIO, "racing round %d: %d", r,
		      w.results[r]);
	CHECK(w.results[w.rounds - 1] == -EIO, "the last round saw the cut file: %d",
	      w.results[w.rounds - 1]);
	fbk_png_close(w.png);
	unlink(path);
}

/* ---- the application's own SIGBUS handlers -------------------------------- */

/* A mapping of the test's own whose file was cut to nothing: touching it faults. */
struct own_mapping {
	volatile uint8_t *start;
	size_t size;
};

static struct own_mapping make_own_mapping(const char *name)
{
	char path[512];
	temp_path(path, sizeof(path), name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	struct own_mapping m = { NULL, 3 * 4096 };
	if (fd < 0 || ftruncate(fd, (off_t)m.size)) {
		CHECK(0, "own mapping file");
		return m;
	}
	void *p = mmap(NULL, m.size, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "own mapping");
	m.start = p == MAP_FAILED ? NULL : p;
	if (ftruncate(fd, 0))
		CHECK(0, "truncate own mapping");
	close(fd);
	unlink(path);
	return m;
}

/* Two application handlers: "early" installed before fbkit, "late" after. */
struct app_handler {
	struct own_mapping mapping;
	struct sigaction previous;
	bool chain; /* forward faults that are not ours to `previous` */
	volatile sig_atomic_t hits;
};

static struct app_handler early, late;
static sigjmp_buf app_env;

static void handle(struct app_handler *h, int sig, siginfo_t *info, void *context)
{
	uintptr_t a = (uintptr_t)info->si_addr, start = (uintptr_t)h->mapping.start;
	if (a >= start && a < start + h->mapping.size) {
		h->hits++;
		siglongjmp(app_env, 1);
	}
	if (h->chain && (h->previous.sa_flags & SA_SIGINFO))
		h->previous.sa_sigaction(sig, info, context);
}

static void on_early(int sig, siginfo_t *info, void *context)
{
	handle(&early, sig, info, context);
}

static void on_late(int sig, siginfo_t *info, void *context)
{
	handle(&late, sig, info, context);
}

static void install(struct app_handler *h, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa = { .sa_sigaction = fn, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGBUS, &sa, &h->previous) == 0, "sigaction");
}

/* Read the mapping inside a sigsetjmp; true when a handler jumped back. */
static bool touch(const struct own_mapping *m)
{
	if (sigsetjmp(app_env, 1))
		return true;
	(void)m->start[4096 + 10];
	return false;
}

/* One draw of a cut file: fbkit's own fault, caught by fbkit. */
static void fbkit_fault(const char *what)
{
	char path[512];
	struct fbk_png *png = open_copy("fault.png", path, sizeof(path));
	if (!png)
		return;
	struct fbk_surface *s;
	fbk_surface_create(&s, big.width, 300, FBK_FORMAT_XRGB8888);
	shrink(path, 65536);
	sig_atomic_t early_hits = early.hits, late_hits = late.hits;
	expect_changed(draw_bottom(png, s), path, what);
	CHECK(early.hits == early_hits && late.hits == late_hits,
	      "%s: fbkit's fault reached an application handler", what);
	fbk_surface_destroy(s);
	fbk_png_close(png);
	unlink(path);
}

static void test_app_handlers(void)
{
	early.mapping = make_own_mapping("early.bin");
	late.mapping = make_own_mapping("late.bin");
	if (!early.mapping.start || !late.mapping.start)
		return;

	/* The test has not touched fbkit's reader yet: this runs first in main. */
	install(&early, on_early);
	CHECK(touch(&early.mapping) && early.hits == 1, "early handler, before fbkit");

	fbkit_fault("after the early handler"); /* installs fbkit's handler on top */
	CHECK(touch(&early.mapping) && early.hits == 2,
	      "a fault that is not fbkit's reaches the handler installed before fbkit");

	/* Installed after fbkit, not chaining: it gets its faults, fbkit still gets its own. */
	install(&late, on_late);
	CHECK(touch(&late.mapping) && late.hits == 1, "late handler");
	fbkit_fault("after a late handler that does not chain");
	CHECK(touch(&late.mapping) && late.hits == 2,
	      "the late handler still gets its faults after fbkit re-installed itself");

	/*
	 * The late handler puts back what it replaced (fbkit's first handler),
	 * then comes again, chaining this time: a fault for the early handler
	 * passes through fbkit, the late handler and fbkit's older handler.
	 */
	sigaction(SIGBUS, &late.previous, NULL);
	late.chain = true;
	install(&late, on_late);
	fbkit_fault("after a late handler that chains");
	sig_atomic_t hits = early.hits;
	CHECK(touch(&early.mapping) && early.hits == hits + 1,
	      "through fbkit, the late handler and fbkit's older handler to the early one");
	CHECK(touch(&late.mapping), "the chaining late handler gets its own");
}

/* In a child: set SIGBUS to `disposition`, use fbkit, fault outside it. */
static void child_fault(void (*disposition)(int), bool use_kill)
{
	struct sigaction sa = { .sa_handler = disposition };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	fbkit_fault("in a child");
	if (harness_failures)
		_exit(3);
	if (use_kill) {
		kill(getpid(), SIGBUS);
		_exit(disposition == SIG_IGN ? 0 : 2);
	}
	struct own_mapping m = make_own_mapping("child.bin");
	(void)m.start[100];
	_exit(2); /* survived the fault */
}

static void expect_child(void (*disposition)(int), bool use_kill, int want_signal,
			 const char *what)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		child_fault(disposition, use_kill);
	int status = 0;
	waitpid(pid, &status, 0);
	if (want_signal)
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == want_signal,
		      "%s: child status %#x, want death by signal %d", what, status, want_signal);
	else
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: child status %#x", what,
		      status);
}

static void test_default_dispositions(void)
{
	expect_child(SIG_DFL, false, SIGBUS, "SIG_DFL, a fault outside fbkit");
	expect_child(SIG_DFL, true, SIGBUS, "SIG_DFL, SIGBUS sent by kill");
	expect_child(SIG_IGN, false, SIGBUS, "SIG_IGN, a fault (cannot be ignored)");
	expect_child(SIG_IGN, true, 0, "SIG_IGN, SIGBUS sent by kill (ignored)");
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(temp_dir, sizeof(temp_dir), "%s/fbkit-test-truncate-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(temp_dir)) {
		fprintf(stderr, "cannot create a temporary folder: %s\n", strerror(errno));
		return 1;
	}
	big = (struct test_image){ .width = 2000, .height = 2000, .color_type = PNG_COLOR_TYPE_RGB,
				   .depth = 8 };
	image_fill_random(&big);
	if (encode_png(&big, &big_png, 0, NULL)) {
		fprintf(stderr, "cannot encode the test image\n");
		return 1;
	}
	printf("test file: %zu bytes\n", big_png.size);

	/* Before anything else installs fbkit's handler. */
	test_app_handlers();
	test_default_dispositions();
	test_single();
	test_threads();

	membuf_free(&big_png);
	image_free(&big);
	rmdir(temp_dir);
	return harness_exit();
}

#else

int main(void)
{
	SKIP("fbkit built without libpng: nothing is mapped");
}

#endif
