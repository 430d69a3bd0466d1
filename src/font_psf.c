#include <errno.h>
#include "error.h"
#include "font.h"
int fbk_font_load_psf(struct fbk_font **out, const char *path) { (void)out; (void)path; return fbk_fail(-ENOSYS, "not written yet"); }
int fbk_font_load_psf_memory(struct fbk_font **out, const void *data, size_t size) { (void)out; (void)data; (void)size; return fbk_fail(-ENOSYS, "not written yet"); }
