#include <errno.h>
#include "backend.h"
#include "error.h"
int fbk_offscreen_open(struct fbk_display **out, const struct fbk_spec *spec) { (void)out; (void)spec; return fbk_fail(-ENOSYS, "not written yet"); }
