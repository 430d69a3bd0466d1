/*
 * Internal: evdev key codes to keysyms and text under an XKB keymap
 * (keymap.c, built only with xkbcommon). Without xkbcommon the stubs
 * below make every key "no keysym, no text" and let keys repeat unless
 * they are modifiers.
 */
#ifndef FBK_INPUT_KEYMAP_H
#define FBK_INPUT_KEYMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "core/error.h"
#include "input/input_spec.h"

struct fbk_keymap;

/* What a key means now. */
struct fbk_key_meaning {
	uint32_t keysym;
	char text[8];
	uint32_t locks; /* FBK_MOD_CAPS_LOCK, FBK_MOD_NUM_LOCK */
};

#if FBK_HAVE_XKBCOMMON
/*
 * The keymap the spec names (RMLVO), each part not given taken from
 * XKB_DEFAULT_*, else xkbcommon's defaults with the layout `us`. -EINVAL
 * when xkbcommon cannot compile it (the message names it), -ENOMEM.
 */
int fbk_keymap_create(struct fbk_keymap **out, const struct fbk_input_spec *spec);
void fbk_keymap_destroy(struct fbk_keymap *keymap);
/* The key's keysym and text under the state before this event. */
void fbk_keymap_lookup(const struct fbk_keymap *keymap, uint32_t code,
		       struct fbk_key_meaning *out);
/* The key went down or up: modifiers and locks follow. */
void fbk_keymap_update(struct fbk_keymap *keymap, uint32_t code, bool pressed);
/* Whether the keymap says the key repeats (modifiers do not). */
bool fbk_keymap_repeats(const struct fbk_keymap *keymap, uint32_t code);
#else
static inline int fbk_keymap_create(struct fbk_keymap **out, const struct fbk_input_spec *spec)
{
	*out = NULL;
	if (spec->rules || spec->model || spec->layout || spec->variant || spec->options)
		return fbk_fail(-ENOTSUP, "input: keymap options need xkbcommon; fbkit was built "
					  "without it (-Dxkbcommon=enabled)");
	return 0;
}
static inline void fbk_keymap_destroy(struct fbk_keymap *keymap)
{
	(void)keymap;
}
static inline void fbk_keymap_lookup(const struct fbk_keymap *keymap, uint32_t code,
				     struct fbk_key_meaning *out)
{
	(void)keymap;
	(void)code;
	*out = (struct fbk_key_meaning){ 0 };
}
static inline void fbk_keymap_update(struct fbk_keymap *keymap, uint32_t code, bool pressed)
{
	(void)keymap;
	(void)code;
	(void)pressed;
}
bool fbk_keymap_repeats(const struct fbk_keymap *keymap, uint32_t code);
#endif

#endif
