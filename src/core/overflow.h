/* Internal: checked size arithmetic. */
#ifndef FBK_OVERFLOW_H
#define FBK_OVERFLOW_H

#include <stdbool.h>
#include <stddef.h>

/* Store a * b in *out; true (and *out unspecified) when it does not fit. */
static inline bool fbk_mul_overflows(size_t a, size_t b, size_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}

static inline bool fbk_add_overflows(size_t a, size_t b, size_t *out)
{
	return __builtin_add_overflow(a, b, out);
}

#endif
