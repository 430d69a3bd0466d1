/* Checks shared by the display backend tests. */
#ifndef FBK_TEST_DISPLAY_CHECKS_H
#define FBK_TEST_DISPLAY_CHECKS_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/*
 * Opening must fail with err and a message that starts with the backend's
 * name ("fbdev: ", from the spec) and holds both needles; signal handling
 * must be untouched.
 */
static inline void expect_open_fails(const char *spec, int err, const char *needle1,
				     const char *needle2)
{
	char prefix[32];
	size_t name = strcspn(spec, ":,");
	snprintf(prefix, sizeof(prefix), "%.*s: ", (int)(name < 20 ? name : 20), spec);
	struct sigaction before, after;
	sigaction(SIGTERM, NULL, &before);
	struct fbk_display *d = (struct fbk_display *)&d;
	int got = fbk_display_open(&d, spec);
	const char *msg = fbk_last_error();
	CHECK(got == err, "\"%s\": got %d (%s), want %d", spec, got, msg, err);
	CHECK(d == NULL, "\"%s\": output not NULL", spec);
	if (!got && d)
		fbk_display_close(d);
	CHECK(!strncmp(msg, prefix, strlen(prefix)), "\"%s\": message '%s' does not start with '%s'",
	      spec, msg, prefix);
	CHECK(!needle1 || strstr(msg, needle1), "\"%s\": message '%s' lacks '%s'", spec, msg,
	      needle1);
	CHECK(!needle2 || strstr(msg, needle2), "\"%s\": message '%s' lacks '%s'", spec, msg,
	      needle2);
	sigaction(SIGTERM, NULL, &after);
	CHECK(before.sa_handler == after.sa_handler && before.sa_flags == after.sa_flags,
	      "\"%s\": a failed open changed signal handling", spec);
}

/*
 * What a backend's open must refuse at once, with the path named, in the
 * folder `dir`: a regular file (not_a, the message for "is not a ...
 * device"), the folder itself (-EISDIR), and a FIFO with no writer, which
 * must not hang the open.
 */
static inline void expect_not_device_nodes(const char *backend, const char *not_a, const char *dir)
{
	char spec[600], path[512];
	snprintf(path, sizeof(path), "%s/regular", dir);
	FILE *f = fopen(path, "wb");
	if (f) {
		fputs("not a device", f);
		fclose(f);
	}
	snprintf(spec, sizeof(spec), "%s:%s", backend, path);
	expect_open_fails(spec, -ENOTTY, not_a, "not a character device");
	unlink(path);

	snprintf(spec, sizeof(spec), "%s:%s", backend, dir);
	expect_open_fails(spec, -EISDIR, dir, NULL);

	snprintf(path, sizeof(path), "%s/fifo", dir);
	if (!mkfifo(path, 0600)) {
		snprintf(spec, sizeof(spec), "%s:%s", backend, path);
		alarm(10);
		expect_open_fails(spec, -ENOTTY, path, "not a character device");
		alarm(0);
		unlink(path);
	}
}

/* True when the machine has a DRM card node (a real screen, or a GPU). */
static inline bool have_drm_card(void)
{
	DIR *dir = opendir("/dev/dri");
	struct dirent *e;
	bool found = false;
	while (dir && !found && (e = readdir(dir)))
		found = !strncmp(e->d_name, "card", 4);
	if (dir)
		closedir(dir);
	return found;
}

#endif
