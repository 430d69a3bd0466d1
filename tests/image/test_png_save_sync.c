/*
 * fbk_png_save against a crash: the temporary file's data must reach the
 * disk (fsync) before it is renamed over the target, and the folder's new
 * entry after the rename; a failing fsync must fail the save and leave the
 * old file in place. fsync and rename are wrapped at link time
 * (-Wl,--wrap, see tests/meson.build), so each call is recorded with the
 * file it was made on, in order, and can be made to fail.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"

int __real_fsync(int fd);
int __wrap_fsync(int fd);
int __real_rename(const char *from, const char *to);
int __wrap_rename(const char *from, const char *to);

struct call {
	char what;            /* 'f' fsync, 'r' rename */
	char path[PATH_MAX + 32]; /* the file fsync was given, or rename's source */
	char to[PATH_MAX + 32];   /* rename's target */
};

static struct call calls[16];
static int call_count;
static int fsync_error;      /* errno the next fsync fails with, or 0 */

static struct call *record(char what)
{
	static struct call spare;
	struct call *c = call_count < 16 ? &calls[call_count] : &spare;
	call_count++;
	memset(c, 0, sizeof(*c));
	c->what = what;
	return c;
}

int __wrap_fsync(int fd)
{
	struct call *c = record('f');
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, c->path, sizeof(c->path) - 1);
	c->path[n > 0 ? n : 0] = '\0';
	if (fsync_error) {
		errno = fsync_error;
		fsync_error = 0;
		return -1;
	}
	return __real_fsync(fd);
}

int __wrap_rename(const char *from, const char *to)
{
	struct call *c = record('r');
	snprintf(c->path, sizeof(c->path), "%s", from);
	snprintf(c->to, sizeof(c->to), "%s", to);
	return __real_rename(from, to);
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int temporaries_in(const char *dir)
{
	DIR *d = opendir(dir);
	int found = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		found += strstr(e->d_name, ".tmp-") != NULL;
	if (d)
		closedir(d);
	return found;
}

int main(void)
{
	if (!FBK_HAVE_PNG)
		SKIP("fbkit built without libpng: nothing is saved");
	char dir[] = "/tmp/fbkit-test-save-sync-XXXXXX";
	if (!mkdtemp(dir))
		SKIP("cannot make a temporary folder: %s", strerror(errno));
	/* /proc/self/fd names the real path; the folder may sit behind a symlink. */
	char real_dir[PATH_MAX];
	if (!realpath(dir, real_dir))
		SKIP("realpath %s: %s", dir, strerror(errno));
	char path[PATH_MAX + 16], tmp_prefix[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/shot.png", real_dir);
	snprintf(tmp_prefix, sizeof(tmp_prefix), "%s.tmp-", path);

	struct fbk_surface *s = NULL;
	CHECK(fbk_surface_create(&s, 7, 5, FBK_FORMAT_XRGB8888) == 0, "create: %s",
	      fbk_last_error());
	if (!s)
		return harness_exit();

	/* The order: fsync(temporary), rename(temporary, path), fsync(folder). */
	int err = fbk_png_save(s, path);
	CHECK(err == 0, "save: %d (%s)", err, fbk_last_error());
	CHECK(call_count == 3, "%d calls to fsync and rename, want 3", call_count);
	int renamed = -1;
	for (int i = 0; i < call_count && i < 16; i++)
		if (calls[i].what == 'r')
			renamed = i;
	CHECK(renamed >= 0 && starts_with(calls[renamed].path, tmp_prefix) &&
		      !strcmp(calls[renamed].to, path),
	      "no rename of a temporary file onto %s", path);
	bool synced_before = false, folder_after = false;
	for (int i = 0; renamed >= 0 && i < call_count && i < 16; i++) {
		if (calls[i].what != 'f')
			continue;
		if (i < renamed && !strcmp(calls[i].path, calls[renamed].path))
			synced_before = true;
		if (i > renamed && !strcmp(calls[i].path, real_dir))
			folder_after = true;
	}
	CHECK(synced_before, "the temporary file was not fsynced before the rename");
	CHECK(folder_after, "the folder %s was not fsynced after the rename", real_dir);
	for (int i = 0; i < call_count && i < 16; i++)
		printf("  %d: %s %s%s%s\n", i, calls[i].what == 'f' ? "fsync" : "rename",
		       calls[i].path, calls[i].what == 'r' ? " -> " : "", calls[i].to);

	/* A failing fsync fails the save: the old file stays, no temporary is left. */
	struct stat before, after;
	CHECK(stat(path, &before) == 0, "stat %s", path);
	fbk_fill(s, NULL, (struct fbk_color){ 255, 0, 0, 255 });
	call_count = 0;
	fsync_error = EIO;
	err = fbk_png_save(s, path);
	CHECK(err == -EIO && strstr(fbk_last_error(), path), "save with fsync failing: %d (%s)",
	      err, fbk_last_error());
	bool any_rename = false;
	for (int i = 0; i < call_count && i < 16; i++)
		any_rename |= calls[i].what == 'r';
	CHECK(!any_rename, "renamed after fsync failed");
	CHECK(stat(path, &after) == 0 && after.st_ino == before.st_ino &&
		      after.st_size == before.st_size,
	      "the old %s was replaced", path);
	CHECK(temporaries_in(real_dir) == 0, "a temporary file was left in %s", real_dir);

	fbk_surface_destroy(s);
	unlink(path);
	rmdir(dir);
	return harness_exit();
}
