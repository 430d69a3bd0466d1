/*
 * FBKIT_SNAPSHOT's names (backend/snapshot.c): which patterns are taken,
 * what each frame's file is called, and the offscreen display writing one
 * PNG per present with a pattern, refusing to open with a bad one.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/snapshot.h"
#include "harness.h"

static void check_name(const char *value, uint64_t frame, const char *want)
{
	struct fbk_snapshot_name name;
	char out[256];
	int err = fbk_snapshot_name_parse(&name, value);
	if (!err)
		err = fbk_snapshot_name_format(&name, frame, out, sizeof(out));
	CHECK(err == 0 && !strcmp(out, want), "%s, frame %llu: got %d '%s', want '%s' (%s)", value,
	      (unsigned long long)frame, err, err ? "" : out, want, fbk_last_error());
}

static void check_refused(const char *value)
{
	struct fbk_snapshot_name name;
	int err = fbk_snapshot_name_parse(&name, value);
	CHECK(err == -EINVAL && strstr(fbk_last_error(), value), "%s: got %d (%s)", value, err,
	      fbk_last_error());
}

static void test_names(void)
{
	check_name("out.png", 7, "out.png");
	check_name("out-%d.png", 7, "out-7.png");
	check_name("out-%04d.png", 7, "out-0007.png");
	check_name("out-%04d.png", 123456, "out-123456.png");
	check_name("out-%3d.png", 7, "out-  7.png");
	check_name("%d", 0, "0");
	check_name("100%%-%02d.png", 5, "100%-05.png");
	check_name("a/%d/b%%", 12, "a/12/b%");
	check_name("x-%020d", 1, "x-00000000000000000001");

	check_refused("out-%s.png");
	check_refused("out-%n.png");
	check_refused("out-%x.png");
	check_refused("out-%-4d.png");
	check_refused("out-%+d.png");
	check_refused("out-%ld.png");
	check_refused("out-%.4d.png");
	check_refused("out-%021d.png");
	check_refused("out-%999999999999d.png");
	check_refused("out-%d-%d.png");
	check_refused("out-%");
	check_refused("out-100%%.png");
	check_refused("out%.png");

	struct fbk_snapshot_name name;
	char small[8];
	CHECK(fbk_snapshot_name_parse(&name, "frame-%04d.png") == 0, "parse");
	CHECK(fbk_snapshot_name_format(&name, 1, small, sizeof(small)) == -ENAMETOOLONG &&
	      strlen(small) < sizeof(small), "too long: %s", fbk_last_error());
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && st.st_size > 0;
}

static void test_offscreen(void)
{
	const char *build = getenv("FBKIT_BUILD_ROOT");
	char folder[1024], pattern[1200], path[1300];
	snprintf(folder, sizeof(folder), "%s/test_snapshot-%ld", build ? build : "/tmp",
		 (long)getpid());
	if (mkdir(folder, 0755)) {
		CHECK(0, "mkdir %s", folder);
		return;
	}
	snprintf(pattern, sizeof(pattern), "%s/%%s-%%04d.png", folder);
	setenv("FBKIT_SNAPSHOT", pattern, 1);
	struct fbk_display *d = NULL;
	CHECK(fbk_display_open(&d, "offscreen:4x3") == -EINVAL && !d &&
	      strstr(fbk_last_error(), "FBKIT_SNAPSHOT"), "bad pattern opened: %s",
	      fbk_last_error());
	fbk_display_close(d);

	snprintf(pattern, sizeof(pattern), "%s/frame-%%04d.png", folder);
	setenv("FBKIT_SNAPSHOT", pattern, 1);
	int err = fbk_display_open(&d, "offscreen:4x3,back-buffer");
	if (err == -ENOTSUP) {
		unsetenv("FBKIT_SNAPSHOT");
		rmdir(folder);
		CHECK(strstr(fbk_last_error(), "libpng"), "no PNG: %s", fbk_last_error());
		return;
	}
	CHECK(err == 0, "open: %s", fbk_last_error());
	struct fbk_surface *s = d ? fbk_display_surface(d) : NULL;
	struct fbk_color colours[3] = { FBK_RGB(255, 0, 0), FBK_RGB(0, 255, 0), FBK_RGB(0, 0, 255) };
	for (int i = 0; s && i < 3; i++) {
		fbk_fill(s, NULL, colours[i]);
		CHECK(fbk_display_present(d, NULL, 0) == 0, "present %d: %s", i, fbk_last_error());
	}
	fbk_display_close(d);
	unsetenv("FBKIT_SNAPSHOT");
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/frame-%04d.png", folder, i);
		CHECK(exists(path) == (i < 3), "%s %s", path, i < 3 ? "missing" : "written");
		if (i < 3 && exists(path)) {
			/* Each frame's file holds that frame. */
			struct fbk_surface *got = NULL, *want = NULL;
			CHECK(fbk_png_load(&got, path, 0) == 0, "load %s: %s", path, fbk_last_error());
			CHECK(fbk_surface_create(&want, 4, 3, FBK_FORMAT_XRGB8888) == 0, "create");
			fbk_fill(want, NULL, colours[i]);
			CHECK(got && fbk_compare(want, got, NULL, NULL) == 0, "%s is not frame %d",
			      path, i);
			fbk_surface_destroy(got);
			fbk_surface_destroy(want);
		}
		unlink(path);
	}
	rmdir(folder);
}

int main(void)
{
	unsetenv("FBKIT_SNAPSHOT");
	test_names();
	test_offscreen();
	return harness_exit();
}
