/*
 * Display spec strings: "name[:argument][,key[=value]]...". The parser is
 * strict because a typo in FBKIT_DISPLAY should stop the program with a
 * message that points at it, not quietly open some other display.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "platform/console.h"
#include "fbkit/surface.h"
#include "backend/spec.h"

/*
 * Quoted text in a message is cut to this many input bytes: the message
 * buffer is far smaller than the longest spec, and the start of a spec is
 * what identifies it.
 */
#define QUOTE_MAX_INPUT 96
/* Room for QUOTE_MAX_INPUT bytes escaped as \xNN, quotes, "..." and NUL. */
#define QUOTE_SIZE (QUOTE_MAX_INPUT * 4 + 8)

/*
 * Put `text` (length bytes) between `mark`s, escaping what would garble
 * the message: specs come from the environment and may hold any byte.
 * Whole specs go in double quotes, parts of them in single quotes.
 */
static const char *quote_with(char mark, char out[QUOTE_SIZE], const char *text, size_t length)
{
	size_t pos = 0;
	bool cut = length > QUOTE_MAX_INPUT;
	if (cut)
		length = QUOTE_MAX_INPUT;
	out[pos++] = mark;
	for (size_t i = 0; i < length; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == (unsigned char)mark || c == '\\') {
			out[pos++] = '\\';
			out[pos++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			pos += (size_t)snprintf(out + pos, 5, "\\x%02x", c);
		} else {
			out[pos++] = (char)c;
		}
	}
	if (cut) {
		memcpy(out + pos, "...", 3);
		pos += 3;
	}
	out[pos++] = mark;
	out[pos] = '\0';
	return out;
}

/* A part of a spec: a name, a key, a size, a character. */
static const char *quote(char out[QUOTE_SIZE], const char *text, size_t length)
{
	return quote_with('\'', out, text, length);
}

static const char *quote_str(char out[QUOTE_SIZE], const char *text)
{
	return quote(out, text, strlen(text));
}

/* Backend names and option keys: lower case so that spelling is unambiguous. */
static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Offset of the first byte of name[0..length) that is not a name character, or length. */
static size_t bad_name_char(const char *name, size_t length)
{
	size_t i = 0;
	while (i < length && is_name_char(name[i]))
		i++;
	return i;
}

/* Every parse error reads: display spec "TEXT": WHAT. */
static int spec_error(const char *text, const char *what)
{
	char q[QUOTE_SIZE];
	return fbk_fail(-EINVAL, "display spec %s: %s", quote_with('"', q, text, strlen(text)),
			what);
}

static int check_name(const char *text, const char *kind, const char *name, size_t length)
{
	char what[QUOTE_SIZE + 160], q[QUOTE_SIZE], c[QUOTE_SIZE];
	if (length == 0) {
		snprintf(what, sizeof(what), "%s is empty", kind);
		return spec_error(text, what);
	}
	size_t bad = bad_name_char(name, length);
	if (bad == length)
		return 0;
	snprintf(what, sizeof(what), "%s %s contains %s; use only a-z, 0-9, '_' and '-'", kind,
		 quote(q, name, length), quote(c, name + bad, 1));
	return spec_error(text, what);
}

int fbk_spec_parse(struct fbk_spec *spec, const char *text)
{
	if (!spec)
		return fbk_fail(-EINVAL, "display spec: output structure is NULL");
	if (!text)
		return fbk_fail(-EINVAL, "display spec is NULL");
	size_t length = strnlen(text, FBK_SPEC_MAX_LENGTH + 1);
	if (length == 0)
		return spec_error(text, "empty; expected name[:argument][,key[=value]]...");
	if (length > FBK_SPEC_MAX_LENGTH) {
		char what[96];
		snprintf(what, sizeof(what), "longer than %d bytes", FBK_SPEC_MAX_LENGTH);
		return spec_error(text, what);
	}

	/* Split in place: separators become NULs, every pointer aims into storage. */
	struct fbk_spec parsed = { .option_count = 0 };
	memcpy(parsed.storage, text, length + 1);
	char *options = strchr(parsed.storage, ',');
	if (options)
		*options++ = '\0';
	char *colon = strchr(parsed.storage, ':');
	if (colon)
		*colon = '\0';

	parsed.backend = parsed.storage;
	int err = check_name(text, "backend name", parsed.backend, strlen(parsed.backend));
	if (err)
		return err;
	if (colon) {
		parsed.argument = colon + 1;
		if (!*parsed.argument) {
			char what[160];
			snprintf(what, sizeof(what), "empty argument after '%s:'", parsed.backend);
			return spec_error(text, what);
		}
	}

	char *item = options;
	while (item) {
		char *next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		char what[QUOTE_SIZE + 160], q[QUOTE_SIZE];
		size_t index = parsed.option_count + 1;
		if (!*item) {
			snprintf(what, sizeof(what), "option %zu is empty (stray ',')", index);
			return spec_error(text, what);
		}
		if (parsed.option_count == FBK_SPEC_MAX_OPTIONS) {
			snprintf(what, sizeof(what), "more than %d options", FBK_SPEC_MAX_OPTIONS);
			return spec_error(text, what);
		}
		char *equals = strchr(item, '=');
		if (equals)
			*equals = '\0';
		if (!*item) {
			snprintf(what, sizeof(what), "option %zu has no name before '='", index);
			return spec_error(text, what);
		}
		err = check_name(text, "option name", item, strlen(item));
		if (err)
			return err;
		if (equals && !equals[1]) {
			snprintf(what, sizeof(what), "option %s has an empty value after '='",
				 quote_str(q, item));
			return spec_error(text, what);
		}
		for (size_t i = 0; i < parsed.option_count; i++) {
			if (!strcmp(parsed.options[i].key, item)) {
				snprintf(what, sizeof(what), "option %s is given more than once",
					 quote_str(q, item));
				return spec_error(text, what);
			}
		}
		parsed.options[parsed.option_count++] = (struct fbk_spec_option){
			.key = item,
			.value = equals ? equals + 1 : NULL,
		};
		item = next;
	}

	/*
	 * Copy field by field: the pointers must aim into the caller's storage,
	 * not into this function's local copy.
	 */
	memcpy(spec->storage, parsed.storage, length + 1);
	spec->backend = spec->storage + (parsed.backend - parsed.storage);
	spec->argument = parsed.argument ? spec->storage + (parsed.argument - parsed.storage) : NULL;
	spec->option_count = parsed.option_count;
	for (size_t i = 0; i < parsed.option_count; i++) {
		const struct fbk_spec_option *o = &parsed.options[i];
		spec->options[i].key = spec->storage + (o->key - parsed.storage);
		spec->options[i].value = o->value ? spec->storage + (o->value - parsed.storage) : NULL;
	}
	return 0;
}

static const struct fbk_spec_option *find_option(const struct fbk_spec *spec, const char *key)
{
	if (!spec || !key)
		return NULL;
	for (size_t i = 0; i < spec->option_count; i++)
		if (!strcmp(spec->options[i].key, key))
			return &spec->options[i];
	return NULL;
}

const char *fbk_spec_get(const struct fbk_spec *spec, const char *key)
{
	const struct fbk_spec_option *option = find_option(spec, key);
	return option ? option->value : NULL;
}

int fbk_spec_has(const struct fbk_spec *spec, const char *key)
{
	return find_option(spec, key) != NULL;
}

int fbk_spec_flag(const struct fbk_spec *spec, const char *key, bool *out)
{
	const struct fbk_spec_option *option = find_option(spec, key);
	*out = option != NULL;
	if (option && option->value)
		return fbk_fail(-EINVAL, "option '%s' takes no value (write just '%s')", key, key);
	return 0;
}

void fbk_spec_format(const struct fbk_spec *spec, char *out, size_t size)
{
	size_t used = (size_t)snprintf(out, size, "%s%s%s", spec->backend,
				       spec->argument ? ":" : "",
				       spec->argument ? spec->argument : "");
	for (size_t i = 0; i < spec->option_count && used < size; i++) {
		const struct fbk_spec_option *o = &spec->options[i];
		used += (size_t)snprintf(out + used, size - used, ",%s%s%s", o->key,
					 o->value ? "=" : "", o->value ? o->value : "");
	}
	if (used >= size && size > 4)
		memcpy(out + size - 4, "...", 4);
}

static const char *const common_keys[] = { FBK_SPEC_NO_SIGNALS, FBK_SPEC_ROTATE, NULL };

/* Common options that take a value; the others are bare flags. */
static bool common_takes_value(const char *key)
{
	return !strcmp(key, FBK_SPEC_ROTATE);
}

int fbk_spec_is_common(const char *key)
{
	for (size_t k = 0; key && common_keys[k]; k++)
		if (!strcmp(common_keys[k], key))
			return 1;
	return 0;
}

int fbk_spec_check_keys(const struct fbk_spec *spec, const char *const *known)
{
	if (!spec || !known)
		return fbk_fail(-EINVAL, "display spec: NULL spec or key list");
	for (size_t i = 0; i < spec->option_count; i++) {
		const char *key = spec->options[i].key;
		if (fbk_spec_is_common(key)) {
			if (!spec->options[i].value || common_takes_value(key))
				continue;
			char text[FBK_SPEC_MAX_LENGTH + 1], what[QUOTE_SIZE + 64], q[QUOTE_SIZE];
			fbk_spec_format(spec, text, sizeof(text));
			snprintf(what, sizeof(what), "option %s takes no value (write just %s)",
				 quote_str(q, key), q);
			return spec_error(text, what);
		}
		size_t k = 0;
		while (known[k] && strcmp(known[k], key))
			k++;
		if (known[k])
			continue;

		char list[256] = "";
		size_t used = 0;
		for (k = 0; known[k] && used < sizeof(list); k++)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 k ? ", " : "", known[k]);
		char text[FBK_SPEC_MAX_LENGTH + 1], what[QUOTE_SIZE + sizeof(list) + 160];
		char q[QUOTE_SIZE];
		fbk_spec_format(spec, text, sizeof(text));
		char common[64] = "";
		used = 0;
		for (k = 0; common_keys[k] && used < sizeof(common); k++)
			used += (size_t)snprintf(common + used, sizeof(common) - used, "%s%s",
						 k ? ", " : "", common_keys[k]);
		if (!known[0])
			snprintf(what, sizeof(what),
				 "unknown option %s ('%s' takes no options of its own; every "
				 "display takes: %s)",
				 quote_str(q, key), spec->backend, common);
		else
			snprintf(what, sizeof(what),
				 "unknown option %s (known: %s; every display takes: %s)",
				 quote_str(q, key), list, common);
		return spec_error(text, what);
	}
	return 0;
}

/*
 * One decimal dimension from *pos up to the first non-digit. Digits past
 * the limit are still consumed so the caller sees where the number ends,
 * but the value stops growing, so nothing can overflow.
 */
static const char *parse_dimension(const char *pos, int32_t *value)
{
	int32_t v = 0;
	for (; *pos >= '0' && *pos <= '9'; pos++)
		if (v <= FBK_MAX_DIMENSION)
			v = v * 10 + (*pos - '0');
	*value = v;
	return pos;
}

int fbk_spec_parse_size(const char *text, int32_t *width, int32_t *height)
{
	if (!text || !width || !height)
		return fbk_fail(-EINVAL, "size: NULL argument");
	char q[QUOTE_SIZE];
	const char *expect = "expected WIDTHxHEIGHT in decimal, e.g. 1280x800";
	int32_t w, h;
	const char *x = parse_dimension(text, &w);
	if (x == text)
		return fbk_fail(-EINVAL, "size %s does not start with a width; %s",
				quote_str(q, text), expect);
	if (!*x)
		return fbk_fail(-EINVAL, "size %s has no 'x' and height after the width; %s",
				quote_str(q, text), expect);
	if (*x != 'x') {
		char c[QUOTE_SIZE];
		return fbk_fail(-EINVAL, "size %s has %s where 'x' should follow the width; %s",
				quote_str(q, text), quote(c, x, 1), expect);
	}
	const char *end = parse_dimension(x + 1, &h);
	if (end == x + 1)
		return fbk_fail(-EINVAL, "size %s has no height after 'x'; %s",
				quote_str(q, text), expect);
	if (*end)
		return fbk_fail(-EINVAL, "size %s has unexpected text after the height; %s",
				quote_str(q, text), expect);
	if (w < 1 || h < 1 || w > FBK_MAX_DIMENSION || h > FBK_MAX_DIMENSION)
		return fbk_fail(-EINVAL, "size %s is outside 1x1..%dx%d", quote_str(q, text),
				FBK_MAX_DIMENSION, FBK_MAX_DIMENSION);
	*width = w;
	*height = h;
	return 0;
}

unsigned fbk_spec_console_flags(const struct fbk_spec *spec)
{
	return fbk_spec_has(spec, FBK_SPEC_NO_SIGNALS) ? FBK_CONSOLE_NO_SIGNALS : 0;
}

int fbk_spec_rotation(const struct fbk_spec *spec, int *degrees)
{
	*degrees = 0;
	if (!fbk_spec_has(spec, FBK_SPEC_ROTATE))
		return 0;
	const char *value = fbk_spec_get(spec, FBK_SPEC_ROTATE);
	static const char *const names[] = { "0", "90", "180", "270" };
	for (int i = 0; value && i < 4; i++)
		if (!strcmp(value, names[i])) {
			*degrees = 90 * i;
			return 0;
		}
	char q[QUOTE_SIZE];
	if (!value)
		return fbk_fail(-EINVAL, "option 'rotate' needs a value: rotate=0, 90, 180 or 270 "
					 "(degrees clockwise)");
	return fbk_fail(-EINVAL, "rotate=%s: the rotation is 0, 90, 180 or 270 (degrees "
				 "clockwise)",
			quote_str(q, value));
}
