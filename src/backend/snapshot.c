/*
 * FBKIT_SNAPSHOT's names: one path, or a pattern with a frame number for
 * black-box tests of programs that present many frames. The pattern is
 * never handed to printf: only the one checked conversion is formatted,
 * so a stray "%s" or "%n" in a path cannot read or write memory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "backend/snapshot.h"
#include "core/error.h"

#define MAX_WIDTH 20

int fbk_snapshot_name_parse(struct fbk_snapshot_name *name, const char *value)
{
	*name = (struct fbk_snapshot_name){ .value = value };
	for (size_t i = 0; value[i]; i++) {
		if (value[i] != '%')
			continue;
		if (value[i + 1] == '%') {
			i++;
			continue;
		}
		size_t j = i + 1;
		bool zero = value[j] == '0';
		j += zero;
		unsigned width = 0;
		while (value[j] >= '0' && value[j] <= '9' && width <= MAX_WIDTH)
			width = width * 10 + (unsigned)(value[j++] - '0');
		if (value[j] != 'd' || width > MAX_WIDTH)
			return fbk_fail(-EINVAL, "FBKIT_SNAPSHOT=%s: '%%' at byte %zu starts no frame "
					"number: write %%d, %%4d or %%04d (width up to %d), and %%%% "
					"for a '%%'", value, i, MAX_WIDTH);
		if (name->pattern)
			return fbk_fail(-EINVAL, "FBKIT_SNAPSHOT=%s: more than one frame number "
					"(%%d); a pattern holds exactly one", value);
		name->pattern = true;
		name->at = i;
		name->length = j + 1 - i;
		name->width = width;
		name->zero = zero;
		i = j;
	}
	if (!name->pattern && strchr(value, '%'))
		return fbk_fail(-EINVAL, "FBKIT_SNAPSHOT=%s: a pattern (it has '%%') needs one "
				"frame number: %%d, %%4d or %%04d", value);
	return 0;
}

/* Append n bytes of text with "%%" made '%'; false when out is full. */
static bool append(char *out, size_t size, size_t *used, const char *text, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '%' && i + 1 < n && text[i + 1] == '%')
			i++;
		if (*used + 1 >= size)
			return false;
		out[(*used)++] = text[i];
	}
	out[*used] = '\0';
	return true;
}

int fbk_snapshot_name_format(const struct fbk_snapshot_name *name, uint64_t frame, char *out,
			     size_t size)
{
	size_t used = 0;
	const char *v = name->value;
	if (size)
		out[0] = '\0';
	if (!name->pattern) {
		if (!append(out, size, &used, v, strlen(v)))
			goto too_long;
		return 0;
	}
	char number[48];
	snprintf(number, sizeof(number), name->zero ? "%0*" PRIu64 : "%*" PRIu64,
		 (int)name->width, frame);
	const char *rest = v + name->at + name->length;
	if (!append(out, size, &used, v, name->at) ||
	    !append(out, size, &used, number, strlen(number)) ||
	    !append(out, size, &used, rest, strlen(rest)))
		goto too_long;
	return 0;
too_long:
	return fbk_fail(-ENAMETOOLONG, "FBKIT_SNAPSHOT=%s: the name of frame %" PRIu64
			" is longer than %zu bytes", v, frame, size ? size - 1 : 0);
}
