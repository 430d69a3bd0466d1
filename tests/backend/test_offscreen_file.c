/*
 * What offscreen's file= does with what is already at the path: an empty
 * file or an earlier screen file is taken over; anything else (a text
 * file, a screen file whose size disagrees with its header) is refused
 * and left exactly as it was; a symbolic link is refused, never followed.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static char dir[256];
static size_t page;

static void path_in_dir(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static void write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	CHECK(f && fwrite(data, 1, size, f) == size && fclose(f) == 0, "cannot write %s", path);
}

/* The file's bytes (malloc'd, *size set), or NULL when it cannot be read. */
static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *data = NULL;
	size_t used = 0, cap = 0;
	for (;;) {
		if (used == cap) {
			cap = cap * 2 + 4096;
			data = realloc(data, cap);
		}
		size_t got = fread(data + used, 1, cap - used, f);
		if (got == 0)
			break;
		used += got;
	}
	fclose(f);
	*size = used;
	return data;
}

static int open_at(struct fbk_display **d, const char *geometry, const char *path)
{
	char spec[600];
	snprintf(spec, sizeof(spec), "offscreen:%s,file=%s", geometry, path);
	*d = NULL;
	return fbk_display_open(d, spec);
}

/* Opening must fail with err and a message holding needle, and leave path's bytes alone. */
static void expect_refused(const char *what, const char *path, int err, const char *needle)
{
	size_t before_size = 0, after_size = 0;
	uint8_t *before = read_file(path, &before_size);
	struct fbk_display *d;
	int got = open_at(&d, "16x16", path);
	const char *msg = fbk_last_error();
	CHECK(got == err && d == NULL, "%s: open gave %d (%s), want %d", what, got,
	      got ? msg : "opened", err);
	if (!got)
		fbk_display_close(d);
	CHECK(got != err || strstr(msg, needle), "%s: message '%s' lacks '%s'", what, msg, needle);
	uint8_t *after = read_file(path, &after_size);
	CHECK(before_size == after_size && (!before || (after && !memcmp(before, after, before_size))),
	      "%s: the file changed (%zu bytes before, %zu after)", what, before_size, after_size);
	free(before);
	free(after);
}

/* A screen file as fbkit leaves it, with the size it should have. */
static size_t make_screen_file(const char *path, const char *geometry)
{
	struct fbk_display *d;
	int err = open_at(&d, geometry, path);
	CHECK(err == 0, "open %s at %s: %s", geometry, path, fbk_last_error());
	if (!err)
		fbk_display_close(d);
	struct stat st;
	return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

static void text_files(void)
{
	static const char text[] = "some notes the user wants to keep, 40 B\n";
	char path[300], link_path[300], dangling[300], missing[300];
	path_in_dir(path, sizeof(path), "notes.txt");
	write_file(path, text, sizeof(text) - 1);
	expect_refused("a 40-byte text file", path, -EEXIST, "not an fbkit screen file");

	/* The abuse case: the same text file reached through a symbolic link. */
	path_in_dir(link_path, sizeof(link_path), "link");
	CHECK(symlink(path, link_path) == 0, "symlink: %s", strerror(errno));
	expect_refused("a symbolic link to a text file", link_path, -ELOOP, "symbolic link");
	expect_refused("the text file behind the link", path, -EEXIST, "not an fbkit");

	/* A link to nothing: following it would create the file it names. */
	path_in_dir(dangling, sizeof(dangling), "dangling");
	path_in_dir(missing, sizeof(missing), "missing");
	CHECK(symlink(missing, dangling) == 0, "symlink: %s", strerror(errno));
	struct fbk_display *d;
	int err = open_at(&d, "16x16", dangling);
	CHECK(err == -ELOOP && strstr(fbk_last_error(), "symbolic link"),
	      "a dangling link: %d %s", err, fbk_last_error());
	if (!err)
		fbk_display_close(d);
	CHECK(access(missing, F_OK) != 0, "the file a dangling link names was created");

	/* A link to an earlier screen file is refused all the same. */
	char screen[300], screen_link[300];
	path_in_dir(screen, sizeof(screen), "screen-behind-link");
	path_in_dir(screen_link, sizeof(screen_link), "screen-link");
	make_screen_file(screen, "8x8");
	CHECK(symlink(screen, screen_link) == 0, "symlink: %s", strerror(errno));
	expect_refused("a link to a screen file", screen_link, -ELOOP, "symbolic link");

	unlink(dangling);
	unlink(link_path);
	unlink(path);
	unlink(screen_link);
	unlink(screen);
}

static void screen_files(void)
{
	char path[300];
	path_in_dir(path, sizeof(path), "screen");

	/* An empty file (as mktemp leaves one) is taken over. */
	write_file(path, "", 0);
	size_t size = make_screen_file(path, "37x21");
	CHECK(size == 2 * page, "empty file became %zu bytes, want %zu", size, 2 * page);

	/* An earlier, larger screen file starts over at the new size. */
	size = make_screen_file(path, "300x200");
	CHECK(size > 2 * page, "300x200 screen file of %zu bytes", size);
	size = make_screen_file(path, "5x3");
	CHECK(size == 2 * page, "the larger screen file became %zu bytes, want %zu", size,
	      2 * page);
	size_t got_size = 0;
	uint8_t *bytes = read_file(path, &got_size);
	const struct fbk_offscreen_file_header *h = (const void *)bytes;
	CHECK(bytes && got_size >= sizeof(*h) && h->width == 5 && h->height == 3 &&
		      !memcmp(h->magic, FBK_OFFSCREEN_FILE_MAGIC, 8),
	      "re-opened header");

	/* A screen file cut short (or grown) no longer matches its header. */
	size = make_screen_file(path, "300x200");
	CHECK(truncate(path, (off_t)(size - page)) == 0, "truncate: %s", strerror(errno));
	expect_refused("a truncated screen file", path, -EEXIST, "too short for its 300x200 screen");
	CHECK(truncate(path, (off_t)(size + page)) == 0, "truncate: %s", strerror(errno));
	expect_refused("a screen file with a page too many", path, -EEXIST, "but the file has");

	/* The magic alone is not enough. */
	write_file(path, FBK_OFFSCREEN_FILE_MAGIC, 8);
	expect_refused("just the magic", path, -EEXIST, "too short");
	if (bytes && got_size == 2 * page) {
		struct fbk_offscreen_file_header *w = (void *)bytes;
		w->format = 0x12345678;
		write_file(path, bytes, got_size);
		expect_refused("an unknown format", path, -EEXIST, "unsupported pixel format");
		w->format = FBK_FORMAT_XRGB8888;
		w->stride = 4;
		write_file(path, bytes, got_size);
		expect_refused("a stride narrower than the width", path, -EEXIST,
			       "is less than a row");
	}
	free(bytes);
	unlink(path);
}

int main(void)
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/fbkit-test-offscreen-file-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "cannot create a temporary folder: %s\n", strerror(errno));
		return 1;
	}
	text_files();
	screen_files();
	CHECK(rmdir(dir) == 0, "%s left files behind: %s", dir, strerror(errno));
	return harness_exit();
}
