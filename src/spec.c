#include <errno.h>
#include <stdint.h>
#include "error.h"
#include "spec.h"
int fbk_spec_parse(struct fbk_spec *spec, const char *text) { (void)spec; (void)text; return fbk_fail(-ENOSYS, "not written yet"); }
const char *fbk_spec_get(const struct fbk_spec *spec, const char *key) { (void)spec; (void)key; return 0; }
int fbk_spec_has(const struct fbk_spec *spec, const char *key) { (void)spec; (void)key; return 0; }
int fbk_spec_check_keys(const struct fbk_spec *spec, const char *const *known) { (void)spec; (void)known; return 0; }
int fbk_spec_parse_size(const char *text, int32_t *width, int32_t *height) { (void)text; (void)width; (void)height; return -ENOSYS; }
