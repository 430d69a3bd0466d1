/*
 * Internal: FBKIT_SNAPSHOT's file names. A value without '%' is one path,
 * written over on every present; with '%' it is a pattern holding exactly
 * one conversion of the form %d, %Nd or %0Nd (width N up to 20) for the
 * frame number, counted from 0 at the first present, and "%%" for a
 * literal '%'. Anything else is refused when the display opens, before
 * a frame is lost to a bad name.
 */
#ifndef FBK_SNAPSHOT_H
#define FBK_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fbk_snapshot_name {
	const char *value;  /* the variable's value; not owned */
	bool pattern;       /* has a frame-number conversion */
	size_t at, length;  /* where the conversion is in value, and its length */
	unsigned width;
	bool zero;          /* pad with zeros rather than spaces */
};

/* Check value and describe it in *name; -EINVAL with a message for a bad pattern. */
int fbk_snapshot_name_parse(struct fbk_snapshot_name *name, const char *value);

/*
 * The file name for frame `frame` into out (size bytes); -ENAMETOOLONG
 * with a message when it does not fit.
 */
int fbk_snapshot_name_format(const struct fbk_snapshot_name *name, uint64_t frame, char *out,
			     size_t size);

#endif
