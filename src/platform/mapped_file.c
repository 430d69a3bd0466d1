/*
 * Mapping a file whole, for the image handles (image/image.c,
 * image/png_input.c, image/jpeg_input.c) and outline fonts
 * (text/outline.c). The descriptor is not needed once the mapping exists. Reads of the mapping go through
 * the SIGBUS guard (map_guard.c), in each caller's copy function.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "platform/mapped_file.h"

int fbk_mapped_file_open(struct fbk_mapped_file *out, const char *path, const char *kind,
			 int advice)
{
	int err;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		err = -errno;
		return fbk_fail(err, "cannot open %s: %s", path, fbk_errstr(-err));
	}
	struct stat st;
	if (fstat(fd, &st)) {
		err = -errno;
		fbk_fail(err, "cannot stat %s: %s", path, fbk_errstr(-err));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = fbk_fail(-EISDIR, "%s is a directory, not a %s file", path, kind);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = fbk_fail(-EINVAL, "%s is not a regular file", path);
		goto out;
	}
	if (st.st_size == 0) {
		err = fbk_fail(-EBADMSG, "%s: the file is empty, not a %s file", path, kind);
		goto out;
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		err = fbk_fail(-EFBIG, "%s: too large to map", path);
		goto out;
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		fbk_fail(err, "cannot map %s: %s", path, fbk_errstr(-err));
		goto out;
	}
	if (advice != MADV_NORMAL)
		madvise(map, (size_t)st.st_size, advice); /* only a hint */
	*out = (struct fbk_mapped_file){
		.map = map,
		.size = (size_t)st.st_size,
		.dev = st.st_dev,
		.ino = st.st_ino,
		.mtime = st.st_mtim,
	};
	err = 0;
out:
	close(fd);
	return err;
}

void fbk_mapped_file_close(struct fbk_mapped_file *m)
{
	if (m->map)
		munmap(m->map, m->size);
	m->map = NULL;
}

void fbk_mapped_file_take(struct fbk_mapped_file *to, struct fbk_mapped_file *from)
{
	if (!from)
		return;
	if (to)
		*to = *from;
	else
		fbk_mapped_file_close(from);
	*from = (struct fbk_mapped_file){ 0 };
}

bool fbk_mapped_file_changed(const struct fbk_mapped_file *m, const char *path)
{
	struct stat st;
	if (!m->map || stat(path, &st) || st.st_dev != m->dev || st.st_ino != m->ino)
		return false;
	return (uint64_t)st.st_size != m->size || st.st_mtim.tv_sec != m->mtime.tv_sec ||
	       st.st_mtim.tv_nsec != m->mtime.tv_nsec;
}
