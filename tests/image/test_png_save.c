/*
 * fbk_png_save: every format, odd widths and strides, sub-surfaces and a
 * row wider than the codec's chunk, each read back with libpng directly
 * and compared pixel for pixel; then the error paths, which must return
 * the right errno and leave no temporary file behind.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"

#if FBK_HAVE_PNG
#include <png.h>
#endif

static char temp_dir[256];

/* Names of temporary files fbk_png_save left in `dir` for `base`. */
static int count_temporaries(const char *dir, const char *base)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	char prefix[300];
	snprintf(prefix, sizeof(prefix), "%s.tmp-", base);
	int found = 0;
	for (struct dirent *e; (e = readdir(d));)
		found += !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return found;
}

#if FBK_HAVE_PNG

/* Read `path` and compare it with the surface; returns the number of bad pixels. */
static int compare_png(const char *path, const struct fbk_surface *s, const char *what)
{
	png_image image;
	memset(&image, 0, sizeof(image));
	image.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&image, path)) {
		CHECK(0, "%s: cannot read %s: %s", what, path, image.message);
		return -1;
	}
	int alpha = fbk_format_has_alpha(s->format);
	/* The file's own layout: 8-bit RGBA for alpha formats, RGB otherwise. */
	CHECK(image.format == (alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB), "%s: PNG format %u",
	      what, (unsigned)image.format);
	if (image.width != (png_uint_32)s->width || image.height != (png_uint_32)s->height) {
		CHECK(0, "%s: PNG is %ux%u, surface %dx%d", what, (unsigned)image.width,
		      (unsigned)image.height, (int)s->width, (int)s->height);
		png_image_free(&image);
		return -1;
	}
	int channels = alpha ? 4 : 3;
	image.format = alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
	uint8_t *pixels = malloc(PNG_IMAGE_SIZE(image));
	if (!pixels || !png_image_finish_read(&image, NULL, pixels, 0, NULL)) {
		CHECK(0, "%s: cannot decode %s: %s", what, path, image.message);
		png_image_free(&image);
		free(pixels);
		return -1;
	}
	int bad = 0;
	for (int32_t y = 0; y < s->height; y++) {
		for (int32_t x = 0; x < s->width; x++) {
			const uint8_t *p = pixels + ((size_t)y * (size_t)s->width + (size_t)x) *
							    (size_t)channels;
			struct fbk_color want = pixel_at(s, x, y);
			struct fbk_color got = { p[0], p[1], p[2], alpha ? p[3] : 255 };
			if (!color_equal(want, got) && bad++ < 3)
				fprintf(stderr,
					"%s: (%d, %d) is %02x%02x%02x%02x, want %02x%02x%02x%02x\n",
					what, (int)x, (int)y, got.r, got.g, got.b, got.a, want.r,
					want.g, want.b, want.a);
		}
	}
	free(pixels);
	return bad;
}

static void save_and_compare(const struct fbk_surface *s, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.png", temp_dir, name);
	int err = fbk_png_save(s, path);
	CHECK(err == 0, "%s: save: %d %s", name, err, fbk_last_error());
	if (err)
		return;
	int bad = compare_png(path, s, name);
	CHECK(bad == 0, "%s: %d pixels differ", name, bad);
	unlink(path);
}

static void test_formats(void)
{
	static const struct {
		int32_t w, h;
		size_t extra_stride;
	} shapes[] = {
		{ 37, 23, 3 },  /* odd width, odd padding */
		{ 1, 1, 0 },    /* smallest */
		{ 1, 5, 1 },    /* one column */
		{ 600, 3, 5 },  /* wider than one FBK_ROW_CHUNK */
		{ 256, 2, 0 },  /* exactly one chunk */
		{ 257, 2, 7 },  /* one chunk and one pixel */
	};
	rng_seed(0x5eed0001);
	for (size_t f = 0; fbk_format_at(f); f++) {
		const struct fbk_format_info *info = fbk_format_at(f);
		for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
			struct guarded g;
			char name[64];
			snprintf(name, sizeof(name), "%s-%dx%d+%zu", info->name, (int)shapes[k].w,
				 (int)shapes[k].h, shapes[k].extra_stride);
			if (guarded_init(&g, shapes[k].w, shapes[k].h, shapes[k].extra_stride,
					 info->fourcc)) {
				CHECK(0, "%s: cannot set up the surface", name);
				guarded_finish(&g);
				continue;
			}
			/* The clip must not matter: the whole surface is saved. */
			struct fbk_rect clip = { 0, 0, 1, 1 };
			fbk_surface_set_clip(&g.surface, &clip);
			save_and_compare(&g.surface, name);
			CHECK(guarded_intact(&g), "%s: saving wrote to the surface", name);
			guarded_finish(&g);
		}

		/* A sub-surface: its stride is its parent's, its pixels start mid-row. */
		struct guarded g;
		if (guarded_init(&g, 41, 29, 1, info->fourcc) == 0) {
			struct fbk_surface sub;
			struct fbk_rect rect = { 5, 3, 17, 11 };
			char name[64];
			snprintf(name, sizeof(name), "%s-sub", info->name);
			CHECK(fbk_surface_sub(&sub, &g.surface, &rect) == 0, "%s: sub: %s", name,
			      fbk_last_error());
			save_and_compare(&sub, name);
			/* A sub-surface hanging over the parent's edge is cut to it. */
			struct fbk_rect edge = { 30, 20, 50, 50 };
			snprintf(name, sizeof(name), "%s-sub-edge", info->name);
			if (fbk_surface_sub(&sub, &g.surface, &edge) == 0 &&
			    sub.width == 11 && sub.height == 9)
				save_and_compare(&sub, name);
			else
				CHECK(0, "%s: edge sub-surface", name);
		}
		guarded_finish(&g);
	}
}

/* A surface created by fbkit, saved twice to one path: the second replaces the first. */
static void test_replace(void)
{
	struct fbk_surface *s;
	if (fbk_surface_create(&s, 13, 7, FBK_FORMAT_ABGR8888)) {
		CHECK(0, "create: %s", fbk_last_error());
		return;
	}
	char path[512];
	snprintf(path, sizeof(path), "%s/replace.png", temp_dir);
	uint8_t *p = s->pixels;
	for (size_t i = 0; i < s->stride * 7; i++)
		p[i] = (uint8_t)(i * 31);
	CHECK(fbk_png_save(s, path) == 0, "first save: %s", fbk_last_error());
	for (size_t i = 0; i < s->stride * 7; i++)
		p[i] = (uint8_t)(i * 17 + 1);
	CHECK(fbk_png_save(s, path) == 0, "second save: %s", fbk_last_error());
	CHECK(compare_png(path, s, "replace") == 0, "replaced file has the old pixels");
	struct stat st;
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode), "replace: not a regular file");
	unlink(path);
	fbk_surface_destroy(s);
}


/*
 * A write that fails half-way: a file size limit makes write() return
 * EFBIG once the PNG outgrows it (SIGXFSZ ignored so the process lives).
 * The error must come back as -EFBIG and the temporary must be removed.
 */
static void test_write_error(void)
{
	struct fbk_surface *s;
	if (fbk_surface_create(&s, 300, 300, FBK_FORMAT_ARGB8888)) {
		CHECK(0, "create: %s", fbk_last_error());
		return;
	}
	rng_seed(42);
	uint8_t *p = s->pixels;
	for (size_t i = 0; i < s->stride * 300; i++)
		p[i] = (uint8_t)rng_next(); /* noise does not compress */
	char path[512];
	snprintf(path, sizeof(path), "%s/big.png", temp_dir);

	struct rlimit saved;
	getrlimit(RLIMIT_FSIZE, &saved);
	struct rlimit small = { 20000, saved.rlim_max };
	void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &small);
	int err = fbk_png_save(s, path);
	setrlimit(RLIMIT_FSIZE, &saved);
	signal(SIGXFSZ, old_handler);

	CHECK(err == -EFBIG, "write past the size limit: %d %s", err, fbk_last_error());
	CHECK(strstr(fbk_last_error(), path), "write error message: %s", fbk_last_error());
	CHECK(access(path, F_OK) != 0, "a half-written %s exists", path);
	CHECK(count_temporaries(temp_dir, "big.png") == 0, "temporary left after a write error");
	fbk_surface_destroy(s);
}
#endif

static void test_errors(void)
{
	struct fbk_surface *s;
	if (fbk_surface_create(&s, 4, 4, FBK_FORMAT_XRGB8888)) {
		CHECK(0, "create: %s", fbk_last_error());
		return;
	}
	char path[512];
	snprintf(path, sizeof(path), "%s/never.png", temp_dir);

	CHECK(fbk_png_save(NULL, path) == -EINVAL, "NULL surface");
	CHECK(fbk_png_save(s, NULL) == -EINVAL, "NULL path");
	CHECK(fbk_png_save(s, "") == -EINVAL, "empty path");
	struct fbk_surface broken = *s;
	broken.width = 0;
	CHECK(fbk_png_save(&broken, path) == -EINVAL, "zero width");
	broken = *s;
	broken.pixels = NULL;
	CHECK(fbk_png_save(&broken, path) == -EINVAL, "NULL pixels");
	broken = *s;
	broken.stride = 3;
	CHECK(fbk_png_save(&broken, path) == -EINVAL, "stride too small");
	broken = *s;
	broken.format = FBK_FOURCC('N', 'O', 'P', 'E');
	CHECK(fbk_png_save(&broken, path) == -ENOTSUP, "unknown format");
	CHECK(access(path, F_OK) != 0, "a bad call created %s", path);

#if FBK_HAVE_PNG
	/* A folder that does not exist: the errno of the failing call, the path named. */
	int err = fbk_png_save(s, "/nonexistent-fbkit-dir/x.png");
	CHECK(err == -ENOENT, "missing folder: %d", err);
	CHECK(strstr(fbk_last_error(), "/nonexistent-fbkit-dir/x.png") &&
		      strstr(fbk_last_error(), strerror(ENOENT)),
	      "missing folder message: %s", fbk_last_error());

	/* The target is a folder: the temporary is written, the rename fails,
	 * and the temporary must be gone afterwards. */
	char folder[512];
	snprintf(folder, sizeof(folder), "%s/folder.png", temp_dir);
	mkdir(folder, 0755);
	err = fbk_png_save(s, folder);
	CHECK(err == -EISDIR, "folder target: %d %s", err, fbk_last_error());
	CHECK(strstr(fbk_last_error(), folder), "folder message: %s", fbk_last_error());
	CHECK(count_temporaries(temp_dir, "folder.png") == 0, "temporary left after a failed rename");
	rmdir(folder);

	/* A path through a regular file: ENOTDIR. */
	char through[512];
	snprintf(through, sizeof(through), "%s/plain", temp_dir);
	FILE *f = fopen(through, "w");
	if (f)
		fclose(f);
	snprintf(through, sizeof(through), "%s/plain/x.png", temp_dir);
	err = fbk_png_save(s, through);
	CHECK(err == -ENOTDIR, "path through a file: %d %s", err, fbk_last_error());
	snprintf(through, sizeof(through), "%s/plain", temp_dir);
	unlink(through);

	/* A folder we may not write to (root may write anywhere: skip that). */
	if (geteuid() != 0) {
		char locked[512], inside[600];
		snprintf(locked, sizeof(locked), "%s/locked", temp_dir);
		mkdir(locked, 0555);
		snprintf(inside, sizeof(inside), "%s/x.png", locked);
		err = fbk_png_save(s, inside);
		CHECK(err == -EACCES, "read-only folder: %d %s", err, fbk_last_error());
		rmdir(locked);
	}

	test_write_error();
#endif

	CHECK(count_temporaries(temp_dir, "never.png") == 0, "temporary left behind");
	fbk_surface_destroy(s);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(temp_dir, sizeof(temp_dir), "%s/fbkit-test-png-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(temp_dir)) {
		fprintf(stderr, "cannot create a temporary folder: %s\n", strerror(errno));
		return 1;
	}

#if FBK_HAVE_PNG
	test_formats();
	test_replace();
	test_errors();
#else
	test_errors();
	struct fbk_surface *s;
	int err = fbk_surface_create(&s, 2, 2, FBK_FORMAT_XRGB8888);
	CHECK(err == 0, "create: %s", fbk_last_error());
	if (!err) {
		char path[512];
		snprintf(path, sizeof(path), "%s/x.png", temp_dir);
		CHECK(fbk_png_save(s, path) == -ENOTSUP, "save without libpng");
		CHECK(strstr(fbk_last_error(), "libpng"), "message: %s", fbk_last_error());
		CHECK(access(path, F_OK) != 0, "a file was written without libpng");
		fbk_surface_destroy(s);
	}
	rmdir(temp_dir);
	if (harness_failures)
		return harness_exit();
	SKIP("fbkit built without libpng: only the -ENOTSUP path was checked");
#endif

	CHECK(count_temporaries(temp_dir, "") == 0, "temporary files left in %s", temp_dir);
	rmdir(temp_dir);
	return harness_exit();
}
