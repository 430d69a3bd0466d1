/*
 * Internal: display spec strings, "name[:argument][,key[=value]]...".
 * Values cannot contain ','; keys without '=' have a NULL value (flags).
 */
#ifndef FBK_SPEC_H
#define FBK_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FBK_SPEC_MAX_LENGTH 4095
#define FBK_SPEC_MAX_OPTIONS 16

struct fbk_spec_option {
	const char *key;
	const char *value; /* NULL for a bare flag */
};

struct fbk_spec {
	const char *backend;  /* never NULL after a successful parse */
	const char *argument; /* text after ':', NULL when absent */
	struct fbk_spec_option options[FBK_SPEC_MAX_OPTIONS];
	size_t option_count;
	char storage[FBK_SPEC_MAX_LENGTH + 1]; /* the pointers above point in here */
};

/*
 * Split a spec string. Errors (-EINVAL, with a message quoting the spec):
 * NULL, empty or over-long text, empty backend name, empty argument after
 * ':', empty or duplicate keys, empty value after '=', too many options.
 */
int fbk_spec_parse(struct fbk_spec *spec, const char *text);

/* The option's value; NULL when absent or a bare flag (see fbk_spec_has). */
const char *fbk_spec_get(const struct fbk_spec *spec, const char *key);

/* True when the key is present, with or without a value. */
int fbk_spec_has(const struct fbk_spec *spec, const char *key);

/*
 * A flag option: *out tells whether it is present. -EINVAL (saying to
 * write just the key) when it was given a value.
 */
int fbk_spec_flag(const struct fbk_spec *spec, const char *key, bool *out);

/*
 * Options every display takes, whatever its backend: the console acts on
 * them, not the backend. `no-signals`: install no signal handler (as
 * FBKIT_NO_SIGNAL_HANDLERS=1 does), for programs that manage signals
 * themselves. Bare flags; "auto" passes them on.
 */
#define FBK_SPEC_NO_SIGNALS "no-signals"

/*
 * `rotate=0|90|180|270`: the degrees clockwise the picture is turned on
 * the panel. The backend acts on it (fbk_spec_rotation); every backend
 * takes it, and "auto" passes it on.
 */
#define FBK_SPEC_ROTATE "rotate"

/*
 * The rotate= option's degrees, 0 when it is absent. -EINVAL (with a
 * message) for a bare `rotate` or any other value.
 */
int fbk_spec_rotation(const struct fbk_spec *spec, int *degrees);

/* True for a key of the options above. */
int fbk_spec_is_common(const char *key);

/*
 * Fail with -EINVAL naming the first option neither in `known` (a
 * NULL-terminated list) nor common to every display, and listing both;
 * or a common option given a value.
 */
int fbk_spec_check_keys(const struct fbk_spec *spec, const char *const *known);

/*
 * The spec as the user wrote it (parsing loses nothing), for messages;
 * cut with "..." when longer than size allows.
 */
void fbk_spec_format(const struct fbk_spec *spec, char *out, size_t size);

/* Parse "WxH" into positive dimensions up to FBK_MAX_DIMENSION. -EINVAL otherwise. */
int fbk_spec_parse_size(const char *text, int32_t *width, int32_t *height);

/* The FBK_CONSOLE_* flags the options common to every display ask for (no-signals). */
unsigned fbk_spec_console_flags(const struct fbk_spec *spec);

#endif
