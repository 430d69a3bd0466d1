#include <errno.h>
#include "error.h"
#include "fbkit/png.h"
int fbk_png_save(const struct fbk_surface *surface, const char *path) { (void)surface; (void)path; return fbk_fail(-ENOSYS, "not written yet"); }
