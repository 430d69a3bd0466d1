/*
 * Fuzz target for the input spec parser (src/input/input_spec.c). Besides
 * not crashing: a refused spec says why (-EINVAL and a message); an
 * accepted one has every pointer inside its own storage, paths that are
 * absolute, at most FBK_INPUT_MAX_PATHS of them, never both seat= and
 * input=, repeat within its limits and a finite calibration matrix.
 *
 * The verdict: rejected when fbk_input_spec_parse fails, else accepted.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbkit.h"
#include "input/input_spec.h"
#include "verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum fuzz_verdict fuzz_verdict;

static void inside(const struct fbk_input_spec *s, const char *p)
{
	REQUIRE(!p || (p >= s->storage && p < s->storage + sizeof(s->storage) && *p));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fbk_input_spec spec;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	int err = fbk_input_spec_parse(&spec, text);
	if (err) {
		REQUIRE(err == -EINVAL && fbk_last_error()[0]);
		fuzz_verdict = FUZZ_REJECTED;
		free(text);
		return 0;
	}
	fuzz_verdict = FUZZ_ACCEPTED;
	REQUIRE(spec.path_count <= FBK_INPUT_MAX_PATHS);
	REQUIRE(!(spec.seat && spec.path_count));
	for (unsigned i = 0; i < spec.path_count; i++) {
		inside(&spec, spec.paths[i]);
		REQUIRE(spec.paths[i][0] == '/' && !strchr(spec.paths[i], ','));
	}
	const char *strings[] = { spec.seat, spec.rules, spec.model, spec.layout, spec.variant,
				  spec.options };
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		inside(&spec, strings[i]);
	REQUIRE(!spec.options || !strchr(spec.options, '+'));
	REQUIRE(spec.repeat_delay_ms <= 10000 && spec.repeat_rate <= 1000);
	for (int i = 0; i < 6; i++)
		REQUIRE(isfinite(spec.calibration[i]));
	free(text);
	return 0;
}
