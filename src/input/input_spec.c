/* The input spec (see input_spec.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "input/input_spec.h"

#define REPEAT_MAX_DELAY_MS 10000
#define REPEAT_MAX_RATE 1000

/* A whole decimal number in [0, max]; no sign, no spaces. */
static bool parse_uint(const char *text, uint32_t max, uint32_t *out)
{
	if (*text < '0' || *text > '9')
		return false;
	uint32_t value = 0;
	for (; *text; text++) {
		if (*text < '0' || *text > '9')
			return false;
		unsigned digit = (unsigned)(*text - '0');
		if (value > (max - digit) / 10)
			return false;
		value = value * 10 + digit;
	}
	*out = value;
	return true;
}

static int parse_repeat(struct fbk_input_spec *spec, char *value)
{
	if (!strcmp(value, "off")) {
		spec->repeat_delay_ms = spec->repeat_rate = 0;
		return 0;
	}
	char *colon = strchr(value, ':');
	if (colon)
		*colon = '\0';
	if (!colon || !parse_uint(value, REPEAT_MAX_DELAY_MS, &spec->repeat_delay_ms) ||
	    !parse_uint(colon + 1, REPEAT_MAX_RATE, &spec->repeat_rate))
		return fbk_fail(-EINVAL, "input: repeat= takes DELAY:RATE (0-%d ms, 0-%d per "
					 "second; e.g. repeat=600:25) or off",
				REPEAT_MAX_DELAY_MS, REPEAT_MAX_RATE);
	return 0;
}

static int parse_calibration(struct fbk_input_spec *spec, char *value)
{
	char *p = value;
	for (int i = 0; i < 6; i++) {
		char *end;
		errno = 0;
		double d = strtod(p, &end);
		bool last = i == 5;
		if (end == p || errno || !isfinite(d) || fabs(d) > 1e6 ||
		    *end != (last ? '\0' : ':'))
			return fbk_fail(-EINVAL, "input: calibration= takes six numbers A:B:C:D:E:F "
						 "(the identity is 1:0:0:0:1:0)");
		spec->calibration[i] = (float)d;
		p = end + 1;
	}
	return 0;
}

static int add_path(struct fbk_input_spec *spec, const char *path)
{
	if (path[0] != '/')
		return fbk_fail(-EINVAL, "input: '%.64s' is not a device path; input= takes "
					 "absolute paths such as /dev/input/event3",
				path);
	if (spec->path_count == FBK_INPUT_MAX_PATHS)
		return fbk_fail(-EINVAL, "input: more than %d devices in input=",
				FBK_INPUT_MAX_PATHS);
	spec->paths[spec->path_count++] = path;
	return 0;
}

/* The RMLVO keys, in order, and where each goes. */
static const char **rmlvo_slot(struct fbk_input_spec *spec, const char *key)
{
	if (!strcmp(key, "rules"))
		return &spec->rules;
	if (!strcmp(key, "model"))
		return &spec->model;
	if (!strcmp(key, "layout"))
		return &spec->layout;
	if (!strcmp(key, "variant"))
		return &spec->variant;
	if (!strcmp(key, "options"))
		return &spec->options;
	return NULL;
}

static int parse_option(struct fbk_input_spec *spec, char *item, bool *in_paths)
{
	char *eq = strchr(item, '=');
	/* After input=, bare absolute paths are more devices. */
	if (!eq && item[0] == '/' && *in_paths)
		return add_path(spec, item);
	*in_paths = false;
	if (eq)
		*eq = '\0';
	const char *key = item;
	char *value = eq ? eq + 1 : NULL;
	if (!*key)
		return fbk_fail(-EINVAL, "input: empty option name");
	if (eq && !*value)
		return fbk_fail(-EINVAL, "input: %s= needs a value", key);
	if (!strcmp(key, "no-signals")) {
		if (value)
			return fbk_fail(-EINVAL, "input: no-signals takes no value");
		if (spec->no_signals)
			goto repeated;
		spec->no_signals = true;
		return 0;
	}
	if (!value)
		return fbk_fail(-EINVAL, "input: unknown option '%.32s' (known: seat=, input=, "
					 "repeat=, rules=, model=, layout=, variant=, options=, "
					 "calibration=, no-signals)",
				key);
	if (!strcmp(key, "input")) {
		if (spec->path_count)
			goto repeated;
		*in_paths = true;
		return add_path(spec, value);
	}
	if (!strcmp(key, "seat")) {
		if (spec->seat)
			goto repeated;
		spec->seat = value;
		return 0;
	}
	if (!strcmp(key, "repeat")) {
		if (spec->repeat_set)
			goto repeated;
		spec->repeat_set = true;
		return parse_repeat(spec, value);
	}
	if (!strcmp(key, "calibration")) {
		if (spec->calibration_set)
			goto repeated;
		spec->calibration_set = true;
		return parse_calibration(spec, value);
	}
	const char **slot = rmlvo_slot(spec, key);
	if (!slot)
		return fbk_fail(-EINVAL, "input: unknown option '%.32s' (known: seat=, input=, "
					 "repeat=, rules=, model=, layout=, variant=, options=, "
					 "calibration=, no-signals)",
				key);
	if (*slot)
		goto repeated;
	if (slot == &spec->options) {
		for (char *p = value; *p; p++)
			if (*p == '+')
				*p = ',';
	}
	*slot = value;
	return 0;
repeated:
	return fbk_fail(-EINVAL, "input: %s given twice", key);
}

int fbk_input_spec_parse(struct fbk_input_spec *spec, const char *text)
{
	if (!spec || !text)
		return fbk_fail(-EINVAL, "input: NULL spec");
	*spec = (struct fbk_input_spec){ 0 };
	memcpy(spec->calibration, (const float[6]){ 1, 0, 0, 0, 1, 0 }, sizeof(spec->calibration));
	size_t length = strlen(text);
	if (length > FBK_INPUT_SPEC_MAX_LENGTH)
		return fbk_fail(-EINVAL, "input: spec longer than %d bytes",
				FBK_INPUT_SPEC_MAX_LENGTH);
	if (!length)
		return 0;
	memcpy(spec->storage, text, length + 1);
	bool in_paths = false;
	char *item = spec->storage;
	for (;;) {
		char *comma = strchr(item, ',');
		if (comma)
			*comma = '\0';
		if (!*item)
			return fbk_fail(-EINVAL, "input: empty option in '%.64s'", text);
		int err = parse_option(spec, item, &in_paths);
		if (err)
			return err;
		if (!comma)
			break;
		item = comma + 1;
	}
	if (spec->seat && spec->path_count)
		return fbk_fail(-EINVAL, "input: seat= (udev) and input= (paths) exclude each "
					 "other; give one");
	return 0;
}
