/*
 * Reading an offscreen display's screen file (fbk_offscreen_file_read, as
 * fbkit-shot does): the picture equals what was presented; headers that do
 * not fit the file are refused before a pixel is read; and a file that
 * shrinks after the header check, before or during the copy, is -EIO with
 * a message, never SIGBUS. The shrinking is deterministic here: the test
 * maps the file, truncates it, and then hands the stale mapping to the
 * library's copy (tests/demos/test_shot_shrink.c races a real writer
 * against fbkit-shot).
 */
#include <errno.h>
#include <stddef.h>
#include <stdatomic.h>
#include <signal.h>
#include <sys/time.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "backend/screen_file.h"

#define W 97
#define H 61

static char dir[256];

/* A screen file drawn by the offscreen backend; the pattern is in `want`. */
static int make_screen_file(const char *path, uint32_t format, struct fbk_surface **want)
{
	char spec[512];
	snprintf(spec, sizeof(spec), "offscreen:%dx%d,format=%.4s,file=%s", W, H,
		 (const char *)&format, path);
	unlink(path);
	struct fbk_display *d;
	if (fbk_display_open(&d, spec)) {
		CHECK(0, "open %s: %s", spec, fbk_last_error());
		return -1;
	}
	struct fbk_surface *s = fbk_display_surface(d);
	for (int32_t y = 0; y < H; y++)
		for (int32_t x = 0; x < W; x++)
			fbk_fill(s, &(struct fbk_rect){ x, y, 1, 1 },
				 FBK_RGB((uint8_t)(x * 7 + y), (uint8_t)(y * 5), (uint8_t)(x ^ y)));
	CHECK(fbk_display_present(d, NULL, 0) == 0, "present: %s", fbk_last_error());
	CHECK(fbk_surface_create(want, W, H, format) == 0, "create: %s", fbk_last_error());
	CHECK(fbk_blit(*want, 0, 0, s, NULL, FBK_OP_SRC, 255) == 0, "blit");
	fbk_display_close(d);
	return 0;
}

static void check_reads(const char *path, uint32_t format)
{
	struct fbk_surface *want = NULL, *got = NULL;
	if (make_screen_file(path, format, &want))
		return;
	int err = fbk_offscreen_file_read(&got, path);
	CHECK(err == 0 && got && same_surfaces(got, want), "read %.4s: %d %s",
	      (const char *)&format, err, fbk_last_error());
	fbk_surface_destroy(got);
	fbk_surface_destroy(want);
}

static size_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) ? 0 : (size_t)st.st_size;
}

/* Rewrite part of the header, then expect `err` and no surface. */
static void check_bad_header(const char *path, size_t offset, const void *bytes, size_t n,
			     int want, const char *what)
{
	struct fbk_surface *s = NULL;
	if (make_screen_file(path, FBK_FORMAT_XRGB8888, &s))
		return;
	fbk_surface_destroy(s);
	s = NULL;
	int fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, bytes, n, (off_t)offset) == (ssize_t)n, "rewrite %s", what);
	if (fd >= 0)
		close(fd);
	int err = fbk_offscreen_file_read(&s, path);
	CHECK(err == want && !s && strlen(fbk_last_error()) > strlen(path),
	      "%s: want %d, got %d (%s)", what, want, err, fbk_last_error());
	fbk_surface_destroy(s);
}

static void check_bad_headers(const char *path)
{
	uint32_t v;
	check_bad_header(path, 0, "FBKSCRN2", 8, -EBADMSG, "magic");
	v = 0x12345678;
	check_bad_header(path, 20, &v, 4, -ENOTSUP, "format");
	v = 0;
	check_bad_header(path, 8, &v, 4, -EBADMSG, "width 0");
	check_bad_header(path, 12, &v, 4, -EBADMSG, "height 0");
	v = 40000;
	check_bad_header(path, 8, &v, 4, -EBADMSG, "width 40000");
	v = W * 4 - 1;
	check_bad_header(path, 16, &v, 4, -EBADMSG, "stride shorter than a row");
	v = 8;
	check_bad_header(path, 24, &v, 4, -EBADMSG, "pixels over the header");
	v = 0xffffffffu;
	check_bad_header(path, 24, &v, 4, -EBADMSG, "pixels past the end");
	check_bad_header(path, 12, &v, 4, -EBADMSG, "height 2^32-1");
	v = H + 1;
	check_bad_header(path, 12, &v, 4, -EBADMSG, "one row more than the file holds");
	v = 0x40000000u;
	check_bad_header(path, 16, &v, 4, -EBADMSG, "stride of 1 GiB");
}

/* Map the whole file, truncate it to `keep` bytes, copy from the stale mapping. */
static void check_shrunk(const char *path, size_t keep)
{
	struct fbk_surface *want = NULL, *got = NULL;
	if (make_screen_file(path, FBK_FORMAT_XRGB8888, &want))
		return;
	size_t size = file_size(path);
	int fd = open(path, O_RDWR);
	void *map = fd >= 0 ? mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
	CHECK(map != MAP_FAILED, "map %s", path);
	if (map != MAP_FAILED) {
		CHECK(ftruncate(fd, (off_t)keep) == 0, "truncate");
		int err = fbk_screen_file_copy(&got, map, size);
		CHECK(err == -EIO && !got && strstr(fbk_last_error(), "shrank"),
		      "file shrunk to %zu of %zu bytes before the copy: want -EIO, got %d (%s)",
		      keep, size, err, fbk_last_error());
		munmap(map, size);
	}
	if (fd >= 0)
		close(fd);
	fbk_surface_destroy(got);
	fbk_surface_destroy(want);
}

static void check_not_screen_files(const char *path)
{
	struct fbk_surface *s = NULL;
	char missing[300];
	snprintf(missing, sizeof(missing), "%s/none", dir);
	CHECK(fbk_offscreen_file_read(&s, missing) == -ENOENT && !s, "missing: %s",
	      fbk_last_error());
	CHECK(fbk_offscreen_file_read(&s, dir) == -EBADMSG && !s, "folder: %s", fbk_last_error());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, "FBKSCRN1", 8) == 8, "write %s", path);
	if (fd >= 0)
		close(fd);
	CHECK(fbk_offscreen_file_read(&s, path) == -EBADMSG && !s, "8 bytes: %s",
	      fbk_last_error());
	CHECK(fbk_offscreen_file_read(NULL, path) == -EINVAL, "NULL out");
	CHECK(fbk_offscreen_file_read(&s, NULL) == -EINVAL && !s, "NULL path");
}

/*
 * A display that presents all the time: a 20 µs timer's handler bumps the
 * frame count, so it changes during every copy of an 8 MiB screen however
 * the machine schedules this process (a signal that comes due while it
 * waits is delivered when it runs again, still inside the copy).
 */
static _Atomic uint32_t *busy_frame_count;

static void present_now(int sig)
{
	(void)sig;
	atomic_fetch_add(busy_frame_count, 1);
}

/*
 * A reader that never catches the display between two presents says so
 * (-EAGAIN), rather than pass off its last copy as one frame; once the
 * display stands still, the copy succeeds.
 */
static void check_busy_writer(void)
{
	enum { BUSY_W = 2048, BUSY_H = 1024, HEADER_PAGE = 4096 };
	size_t size = HEADER_PAGE + (size_t)BUSY_W * BUSY_H * 4;
	uint8_t *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(map != MAP_FAILED, "map %zu bytes", size);
	if (map == MAP_FAILED)
		return;
	struct fbk_offscreen_file_header h = { .width = BUSY_W, .height = BUSY_H,
					       .stride = BUSY_W * 4, .format = FBK_FORMAT_XRGB8888,
					       .pixel_offset = HEADER_PAGE };
	memcpy(h.magic, FBK_OFFSCREEN_FILE_MAGIC, sizeof(h.magic));
	memcpy(map, &h, sizeof(h));
	busy_frame_count = (_Atomic uint32_t *)(void *)(map + offsetof(
									  struct fbk_offscreen_file_header,
									  frame_count));
	struct sigaction sa = { .sa_handler = present_now, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval every = { { 0, 20 }, { 0, 20 } }, off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &every, NULL);
	struct fbk_surface *got = NULL;
	int err = fbk_screen_file_copy(&got, map, size);
	setitimer(ITIMER_REAL, &off, NULL);
	CHECK(err == -EAGAIN && !got && strstr(fbk_last_error(), "try again"),
	      "a display presenting all the time: %d (%s)", err, err ? fbk_last_error() : "copied");
	fbk_surface_destroy(got);
	struct fbk_surface *still = NULL;
	CHECK(fbk_screen_file_copy(&still, map, size) == 0, "a display standing still: %s",
	      fbk_last_error());
	fbk_surface_destroy(still);
	signal(SIGALRM, SIG_DFL);
	munmap(map, size);
}

int main(void)
{
	fbk_set_log_level(FBK_LOG_ERROR);
	unsetenv("FBKIT_SNAPSHOT");
	const char *root = getenv("FBKIT_BUILD_ROOT");
	snprintf(dir, sizeof(dir), "%s/test-screen-file-XXXXXX", root ? root : "/tmp");
	if (!mkdtemp(dir))
		SKIP("cannot make a folder under %s", root ? root : "/tmp");
	char path[300];
	snprintf(path, sizeof(path), "%s/screen", dir);

	check_reads(path, FBK_FORMAT_XRGB8888);
	check_reads(path, FBK_FORMAT_RGB565);
	check_reads(path, FBK_FORMAT_RGB888);
	check_bad_headers(path);
	check_not_screen_files(path);
	/* Pixels gone (the header page stays), then everything gone. */
	check_shrunk(path, 4096);
	check_shrunk(path, 0);
	check_busy_writer();

	unlink(path);
	rmdir(dir);
	return harness_exit();
}
