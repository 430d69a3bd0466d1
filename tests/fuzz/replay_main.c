/*
 * Runs a fuzz target over files without libFuzzer, so every corpus entry
 * (and every crash ever found) is replayed as a plain test. Arguments are
 * files or folders of files, and options:
 *   --samples=PATTERN  other names matching PATTERN must be accepted
 *   -v                 print every file's verdict
 * Beyond not crashing, a file must get the verdict its name asks for
 * (README.md): bad-* rejected, good-* accepted, crash-* anything.
 */
#include <dirent.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct replay {
	const char *samples; /* --samples=PATTERN, or NULL */
	bool verbose;
	int count;
	int checked[3]; /* by verdict, for files whose name asked for it */
	int unchecked;  /* no expectation, or the target could not judge */
	int wrong;
};

static const char *const verdict_names[] = {
	[FUZZ_UNJUDGED] = "not judged",
	[FUZZ_ACCEPTED] = "accepted",
	[FUZZ_REJECTED] = "rejected",
};

/* The verdict a file's name asks for; FUZZ_UNJUDGED when any will do. */
static enum fuzz_verdict expected(const struct replay *r, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	if (!strncmp(name, "bad-", 4))
		return FUZZ_REJECTED;
	if (!strncmp(name, "good-", 5))
		return FUZZ_ACCEPTED;
	if (!strncmp(name, "crash-", 6))
		return FUZZ_UNJUDGED;
	if (r->samples && !fnmatch(r->samples, name, 0))
		return FUZZ_ACCEPTED;
	return FUZZ_UNJUDGED;
}

static int read_file(const char *path, uint8_t **out, size_t *out_size)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	uint8_t *data = NULL;
	size_t size = 0, cap = 0;
	for (;;) {
		if (size == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *grown = realloc(data, cap);
			if (!grown) {
				free(data);
				fclose(f);
				fprintf(stderr, "%s: out of memory\n", path);
				return 1;
			}
			data = grown;
		}
		size_t got = fread(data + size, 1, cap - size, f);
		size += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*out = data;
	*out_size = size;
	return 0;
}

static int replay_file(struct replay *r, const char *path)
{
	uint8_t *data;
	size_t size;
	if (read_file(path, &data, &size))
		return 1;
	fuzz_verdict = FUZZ_UNJUDGED;
	LLVMFuzzerTestOneInput(data, size);
	free(data);

	enum fuzz_verdict got = fuzz_verdict, want = expected(r, path);
	if (r->verbose)
		printf("%s: %s%s%s\n", path, verdict_names[got],
		       want == FUZZ_UNJUDGED ? "" : ", must be ",
		       want == FUZZ_UNJUDGED ? "" : verdict_names[want]);
	if (want == FUZZ_UNJUDGED || got == FUZZ_UNJUDGED) {
		r->unchecked++;
		return 0;
	}
	if (got != want) {
		fprintf(stderr, "%s: %s, but its name says it must be %s\n", path,
			verdict_names[got], verdict_names[want]);
		r->wrong++;
		return 1;
	}
	r->checked[got]++;
	return 0;
}

static int replay(struct replay *r, const char *path)
{
	struct stat st;
	if (stat(path, &st)) {
		perror(path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		r->count++;
		return replay_file(r, path);
	}
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return 1;
	}
	int failed = 0;
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			char child[4096];
			snprintf(child, sizeof(child), "%s/%s", path, names[i]->d_name);
			failed |= replay(r, child);
		}
		free(names[i]);
	}
	free(names);
	return failed;
}

/* Take arg if it is an option; false for a path. */
static bool take_option(struct replay *r, const char *arg)
{
	if (!strncmp(arg, "--samples=", 10))
		r->samples = arg + 10;
	else if (!strcmp(arg, "-v"))
		r->verbose = true;
	else
		return false;
	return true;
}

int main(int argc, char **argv)
{
	struct replay r = { .samples = NULL };
	int failed = 0;
	for (int i = 1; i < argc; i++)
		take_option(&r, argv[i]);
	for (int i = 1; i < argc; i++)
		if (!take_option(&r, argv[i]))
			failed |= replay(&r, argv[i]);
	printf("replayed %d inputs: %d accepted and %d rejected as their names say, "
	       "%d unchecked, %d wrong\n",
	       r.count, r.checked[FUZZ_ACCEPTED], r.checked[FUZZ_REJECTED], r.unchecked,
	       r.wrong);
	if (r.count == 0) {
		fprintf(stderr, "no inputs found\n");
		return 1;
	}
	return failed;
}
