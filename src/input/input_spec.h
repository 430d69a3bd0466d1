/*
 * Internal: the input spec, "option[,option]..." (see fbk_input_open in
 * include/fbkit/input.h). Parsed into fixed storage: every pointer below
 * points into `storage`, and nothing is allocated.
 */
#ifndef FBK_INPUT_SPEC_H
#define FBK_INPUT_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#define FBK_INPUT_SPEC_MAX_LENGTH 4095
#define FBK_INPUT_MAX_PATHS 32

struct fbk_input_spec {
	const char *seat;                        /* NULL: seat0 */
	const char *paths[FBK_INPUT_MAX_PATHS];  /* input=: no udev */
	unsigned path_count;
	bool repeat_set;                         /* repeat= given */
	uint32_t repeat_delay_ms, repeat_rate;   /* rate 0: off */
	/* RMLVO: NULL when not given; options with '+' turned back into ',' */
	const char *rules, *model, *layout, *variant, *options;
	bool calibration_set;
	float calibration[6];
	bool no_signals;
	char storage[FBK_INPUT_SPEC_MAX_LENGTH + 1];
};

/*
 * Parse `text` ("" for the defaults). -EINVAL with a message naming the
 * option for anything else than the options documented: unknown or
 * repeated keys, empty values, paths not absolute, more than
 * FBK_INPUT_MAX_PATHS of them, `seat=` together with `input=`, numbers
 * out of range.
 */
int fbk_input_spec_parse(struct fbk_input_spec *spec, const char *text);

#endif
