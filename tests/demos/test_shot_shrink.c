/*
 * fbkit-shot against a screen file that its writer keeps shrinking and
 * growing again (a display closed or resized while it is shot): every run
 * must end with exit 0 (a whole copy) or exit 1 and a message, never die of
 * a signal. Before fbkit-shot read the file through fbkit's SIGBUS guard,
 * about half of such runs died of SIGBUS.
 *
 * The race cannot be forced from outside the process, so the file is big
 * (4000x4000 XRGB8888, 64 MB, sparse) to make each copy long, the writer
 * flips its size every few milliseconds, and fbkit-shot runs until enough
 * copies were cut short ("shrank") or the time is up. When no copy was
 * ever cut short, nothing was tested: SKIP, saying so.
 * tests/test_screen_file.c cuts the copy deterministically.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define SIDE 4000
#define PAGE 4096
#define FULL_SIZE ((off_t)PAGE + (off_t)SIDE * SIDE * 4)
#define WANT_CUT 5      /* copies cut short before the test is satisfied */
#define MAX_RUNS 200
#define MAX_SECONDS 60

static char dir[4096];

static int make_file(const char *path)
{
	struct fbk_offscreen_file_header h = {
		.width = SIDE, .height = SIDE, .stride = SIDE * 4,
		.format = FBK_FORMAT_XRGB8888, .pixel_offset = PAGE,
	};
	memcpy(h.magic, FBK_OFFSCREEN_FILE_MAGIC, sizeof(h.magic));
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) || ftruncate(fd, FULL_SIZE)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The writer: whole, then only the header page, then whole again... */
static void writer(int fd)
{
	struct timespec pause = { 0, 3 * 1000 * 1000 };
	for (;;) {
		if (ftruncate(fd, PAGE) || (nanosleep(&pause, NULL), ftruncate(fd, FULL_SIZE)))
			_exit(1);
		nanosleep(&pause, NULL);
	}
}

static char *read_text(const char *path)
{
	static char text[4096];
	text[0] = '\0';
	FILE *f = fopen(path, "r");
	if (f) {
		text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
		fclose(f);
	}
	return text;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_shot_shrink PATH-TO-fbkit-shot\n");
		return 2;
	}
	const char *root = getenv("FBKIT_BUILD_ROOT");
	snprintf(dir, sizeof(dir), "%s/test-shot-shrink-XXXXXX", root ? root : "/tmp");
	if (!mkdtemp(dir))
		SKIP("cannot make a folder under %s", root ? root : "/tmp");
	char screen[4200], display[4300], out[4200], errpath[4200];
	snprintf(screen, sizeof(screen), "%s/screen", dir);
	snprintf(display, sizeof(display), "offscreen,file=%s", screen);
	snprintf(out, sizeof(out), "%s/shot.png", dir);
	snprintf(errpath, sizeof(errpath), "%s/stderr.txt", dir);
	int fd = make_file(screen);
	if (fd < 0)
		SKIP("cannot make a %lld-byte sparse file in %s", (long long)FULL_SIZE, dir);

	pid_t w = fork();
	if (w == 0)
		writer(fd);
	CHECK(w > 0, "fork: %s", strerror(errno));

	int runs = 0, whole = 0, cut = 0, refused = 0;
	time_t start = time(NULL);
	while (w > 0 && cut < WANT_CUT && runs < MAX_RUNS && time(NULL) - start < MAX_SECONDS) {
		runs++;
		pid_t pid = fork();
		if (pid == 0) {
			int e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			if (e < 0 || dup2(e, 2) < 0)
				_exit(126);
			/* Only one pixel is encoded: the copy of the whole screen is what is tested. */
			execl(argv[1], "fbkit-shot", "--display", display, "--region", "0,0,1,1", out,
			      (char *)NULL);
			_exit(127);
		}
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			CHECK(0, "cannot run %s", argv[1]);
			break;
		}
		const char *err = read_text(errpath);
		if (WIFSIGNALED(status)) {
			CHECK(0, "run %d: fbkit-shot died of signal %d (%s); stderr: %s", runs,
			      WTERMSIG(status), strsignal(WTERMSIG(status)), err);
			continue;
		}
		int code = WEXITSTATUS(status);
		CHECK(code == 0 || (code == 1 && strlen(err) > 0),
		      "run %d: fbkit-shot exited %d; stderr: %s", runs, code, err);
		if (code == 0)
			whole++;
		else if (strstr(err, "shrank"))
			cut++;
		else
			refused++;
	}
	if (w > 0) {
		kill(w, SIGKILL);
		waitpid(w, NULL, 0);
	}
	close(fd);
	printf("%d runs: %d whole copies, %d cut short, %d refused before copying\n", runs, whole,
	       cut, refused);
	unlink(screen);
	unlink(out);
	unlink(errpath);
	rmdir(dir);
	if (harness_failures == 0 && cut == 0)
		SKIP("the writer never shrank the file during a copy in %d runs: nothing was tested",
		     runs);
	return harness_exit();
}
