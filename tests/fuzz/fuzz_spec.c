/*
 * Fuzz target for the display spec parser. Besides not crashing, every
 * input must either fail with -EINVAL and a message, or split into parts
 * that obey the grammar and join back into exactly the input. Offscreen
 * specs are also opened, since the backend reads the parsed options;
 * file=PATH is left out so the fuzzer never writes files (a bare "file"
 * names none, and must be refused). "auto" with an argument or options is
 * opened too: it must refuse them before it looks for a device. The DRM
 * backend's mode= parser gets the whole input and every mode= value.
 *
 * The verdict: rejected when the parser, an open, or (for a drm spec) the
 * mode= parser refuses the input, else accepted. Options that only a
 * device's open reads are not checked, so "accepted" means nothing here
 * refused it. Without libdrm a drm spec with a mode= is not judged.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fbkit.h"
#include "backend/spec.h"
#include "verdict.h"
#if FBK_HAVE_DRM
#include "backend/drm_modes.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum fuzz_verdict fuzz_verdict;

static int is_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '-'))
			return 0;
	return 1;
}

static void check_parsed(const struct fbk_spec *spec, const char *text)
{
	static char joined[2 * FBK_SPEC_MAX_LENGTH + 64];
	REQUIRE(spec->backend && is_name(spec->backend));
	REQUIRE(!spec->argument || (*spec->argument && !strchr(spec->argument, ',')));
	REQUIRE(spec->option_count <= FBK_SPEC_MAX_OPTIONS);
	size_t used = (size_t)snprintf(joined, sizeof(joined), "%s%s%s", spec->backend,
				       spec->argument ? ":" : "",
				       spec->argument ? spec->argument : "");
	for (size_t i = 0; i < spec->option_count; i++) {
		const struct fbk_spec_option *o = &spec->options[i];
		REQUIRE(is_name(o->key));
		REQUIRE(!o->value || (*o->value && !strchr(o->value, ',')));
		REQUIRE(fbk_spec_has(spec, o->key));
		REQUIRE(fbk_spec_get(spec, o->key) == o->value);
		for (size_t j = 0; j < i; j++)
			REQUIRE(strcmp(spec->options[j].key, o->key));
		used += (size_t)snprintf(joined + used, sizeof(joined) - used, ",%s%s%s", o->key,
					 o->value ? "=" : "", o->value ? o->value : "");
	}
	REQUIRE(!strcmp(joined, text));
}

/* A size that parses is digits, 'x', digits, within range. */
static void check_size(const char *text)
{
	int32_t w = -1, h = -1;
	int err = fbk_spec_parse_size(text, &w, &h);
	if (err) {
		REQUIRE(err == -EINVAL && w == -1 && h == -1);
		return;
	}
	REQUIRE(w >= 1 && w <= FBK_MAX_DIMENSION && h >= 1 && h <= FBK_MAX_DIMENSION);
	size_t digits = strspn(text, "0123456789");
	REQUIRE(digits > 0 && text[digits] == 'x');
	REQUIRE(strtol(text, NULL, 10) == w);
	REQUIRE(strtol(text + digits + 1, NULL, 10) == h);
	REQUIRE(strspn(text + digits + 1, "0123456789") == strlen(text + digits + 1));
}

/*
 * A mode that parses is a size that parses, then nothing or '@' and
 * 1..1000 in decimal. The verdict is the mode's.
 */
static enum fuzz_verdict check_drm_mode(const char *text)
{
#if FBK_HAVE_DRM
	struct fbk_drm_mode_request want = { -1, -1, 12345 };
	int err = fbk_drm_parse_mode(text, &want);
	if (err) {
		REQUIRE(err == -EINVAL && want.width == -1 && want.refresh == 12345);
		return FUZZ_REJECTED;
	}
	const char *at = strchr(text, '@');
	char size[32];
	size_t length = at ? (size_t)(at - text) : strlen(text);
	REQUIRE(length < sizeof(size));
	memcpy(size, text, length);
	size[length] = '\0';
	check_size(size);
	REQUIRE(!at ? want.refresh == 0 : want.refresh >= 1 && want.refresh <= 1000);
	REQUIRE(!at || (at[1] && strspn(at + 1, "0123456789") == strlen(at + 1)));
	return FUZZ_ACCEPTED;
#else
	(void)text;
	return FUZZ_UNJUDGED;
#endif
}

/*
 * Open the spec when that touches nothing outside this process; spec is
 * valid only when parse_err is 0. The open's error, or 0 (opened, or not
 * tried).
 */
static int try_open(const char *text, const struct fbk_spec *spec, int parse_err)
{
	bool offscreen = !strncmp(text, "offscreen", 9);
	if (offscreen && parse_err == 0 && fbk_spec_get(spec, "file"))
		return 0;
	bool auto_options = !offscreen && parse_err == 0 && !strcmp(spec->backend, "auto") &&
			    (spec->argument || spec->option_count);
	/* Options every display takes (no-signals, rotate=) pass auto on to the devices. */
	bool all_common = true;
	for (size_t i = 0; auto_options && i < spec->option_count; i++)
		all_common &= fbk_spec_is_common(spec->options[i].key) != 0;
	if (auto_options && !spec->argument && all_common)
		return 0;
	if (!offscreen && !auto_options)
		return 0;
	struct fbk_display *display = NULL;
	int err = fbk_display_open(&display, text);
	if (err) {
		REQUIRE(err < 0 && !display && *fbk_last_error());
		/* auto must refuse these itself: other errors would come from a device. */
		REQUIRE(!auto_options || err == -EINVAL);
		return err;
	}
	REQUIRE(display && parse_err == 0 && !fbk_spec_has(spec, "file"));
	struct fbk_surface *s = fbk_display_surface(display);
	REQUIRE(fbk_surface_check(s) == 0);
	/* Touch both ends of the pixels: a short mapping faults here. */
	const struct fbk_format_info *info = fbk_format_info(s->format);
	memset(fbk_surface_pixel(s, 0, 0), 0xff, info->bytes_per_pixel);
	memset(fbk_surface_pixel(s, s->width - 1, s->height - 1), 0xff, info->bytes_per_pixel);
	REQUIRE(fbk_display_present(display, NULL, 0) == 0);
	fbk_display_close(display);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fbk_spec spec;
	static int initialised;
	if (!initialised) {
		/* Snapshots would write files: keep the target side-effect free. */
		unsetenv("FBKIT_SNAPSHOT");
		fbk_set_log_level(FBK_LOG_ERROR);
		initialised = 1;
	}

	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	int err = fbk_spec_parse(&spec, text);
	if (err) {
		REQUIRE(err == -EINVAL);
		REQUIRE(*fbk_last_error());
	} else {
		/* Inputs with a NUL inside parse as their first C string. */
		check_parsed(&spec, text);
	}
	check_size(text);
	check_drm_mode(text);
	enum fuzz_verdict mode = FUZZ_ACCEPTED;
	if (!err && fbk_spec_get(&spec, "mode")) {
		enum fuzz_verdict verdict = check_drm_mode(fbk_spec_get(&spec, "mode"));
		/* Only the drm backend reads mode=. */
		if (!strcmp(spec.backend, "drm"))
			mode = verdict;
	}
	int open_err = try_open(text, &spec, err);
	fuzz_verdict = err || open_err ? FUZZ_REJECTED : mode;

	free(text);
	return 0;
}
