/*
 * Keysyms and text through xkbcommon (see keymap.h). The keymap is
 * compiled once at open from RMLVO names; the state follows every key
 * the devices report, so Shift, AltGr and the locks work as on a desktop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xkbcommon/xkbcommon.h>

#include "fbkit/input.h"
#include "input/keymap.h"

/* evdev codes are XKB keycodes minus 8 (the X11 legacy offset). */
#define XKB_OFFSET 8

struct fbk_keymap {
	struct xkb_context *context;
	struct xkb_keymap *keymap;
	struct xkb_state *state;
};

void fbk_keymap_destroy(struct fbk_keymap *k)
{
	if (!k)
		return;
	xkb_state_unref(k->state);
	xkb_keymap_unref(k->keymap);
	xkb_context_unref(k->context);
	free(k);
}

/* An RMLVO name as xkbcommon takes it: the spec's, else XKB_DEFAULT_*, else its build's. */
static const char *rmlvo(const char *given, const char *variable)
{
	const char *name = given ? given : getenv(variable);
	return name && *name ? name : "(default)";
}

int fbk_keymap_create(struct fbk_keymap **out, const struct fbk_input_spec *spec)
{
	*out = NULL;
	struct fbk_keymap *k = calloc(1, sizeof(*k));
	if (!k)
		return fbk_fail(-ENOMEM, "out of memory");
	int err = -ENOMEM;
	/* No include paths from the environment beyond xkbcommon's own: the keymap is data. */
	k->context = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (!k->context) {
		/* What fails it: none of its include paths is a folder (it says so on stderr). */
		const char *root = getenv("XKB_CONFIG_ROOT");
		err = fbk_fail(-ENOENT, "input: xkbcommon found no keymap data: no XKB folder "
					"(XKB_CONFIG_ROOT '%.200s'; without it, the folder "
					"xkbcommon was built with, /usr/share/X11/xkb on Debian); "
					"install xkb-data or set XKB_CONFIG_ROOT to its folder",
			       root ? root : "unset");
		goto fail;
	}
	/*
	 * NULL fields take XKB_DEFAULT_RULES ... XKB_DEFAULT_OPTIONS, then the
	 * library's build defaults (evdev, pc105, us): what the issue asks,
	 * with "us" as the last resort, is xkbcommon's own order.
	 */
	struct xkb_rule_names names = {
		.rules = spec->rules,
		.model = spec->model,
		.layout = spec->layout,
		.variant = spec->variant,
		.options = spec->options,
	};
	k->keymap = xkb_keymap_new_from_names(k->context, &names, XKB_KEYMAP_COMPILE_NO_FLAGS);
	if (!k->keymap) {
		err = fbk_fail(-EINVAL, "input: xkbcommon cannot compile the keymap from rules "
					"'%.32s', model '%.32s', layout '%.32s', variant '%.32s', "
					"options '%.64s'; check the input options and XKB_DEFAULT_*, "
					"and that xkb-data has these names",
			       rmlvo(spec->rules, "XKB_DEFAULT_RULES"),
			       rmlvo(spec->model, "XKB_DEFAULT_MODEL"),
			       rmlvo(spec->layout, "XKB_DEFAULT_LAYOUT"),
			       rmlvo(spec->variant, "XKB_DEFAULT_VARIANT"),
			       rmlvo(spec->options, "XKB_DEFAULT_OPTIONS"));
		goto fail;
	}
	k->state = xkb_state_new(k->keymap);
	if (!k->state) {
		err = fbk_fail(-ENOMEM, "out of memory");
		goto fail;
	}
	*out = k;
	return 0;
fail:
	fbk_keymap_destroy(k);
	return err;
}

void fbk_keymap_lookup(const struct fbk_keymap *k, uint32_t code, struct fbk_key_meaning *out)
{
	*out = (struct fbk_key_meaning){ 0 };
	if (!k)
		return;
	xkb_keycode_t key = code + XKB_OFFSET;
	out->keysym = xkb_state_key_get_one_sym(k->state, key);
	/* Control characters are keys, not text: Ctrl+C types nothing. */
	char text[sizeof(out->text)];
	int n = xkb_state_key_get_utf8(k->state, key, text, sizeof(text));
	if (n > 0 && (size_t)n < sizeof(text) && (unsigned char)text[0] >= 0x20 && text[0] != 0x7f)
		memcpy(out->text, text, (size_t)n + 1);
	if (xkb_state_mod_name_is_active(k->state, XKB_MOD_NAME_CAPS, XKB_STATE_MODS_EFFECTIVE) > 0)
		out->locks |= FBK_MOD_CAPS_LOCK;
	if (xkb_state_mod_name_is_active(k->state, XKB_MOD_NAME_NUM, XKB_STATE_MODS_EFFECTIVE) > 0)
		out->locks |= FBK_MOD_NUM_LOCK;
}

void fbk_keymap_update(struct fbk_keymap *k, uint32_t code, bool pressed)
{
	if (k)
		xkb_state_update_key(k->state, code + XKB_OFFSET, pressed ? XKB_KEY_DOWN : XKB_KEY_UP);
}

bool fbk_keymap_repeats(const struct fbk_keymap *k, uint32_t code)
{
	return k && xkb_keymap_key_repeats(k->keymap, code + XKB_OFFSET);
}
