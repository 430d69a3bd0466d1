/* Internal: strict UTF-8 decoding, shared by text drawing and PSF tables. */
#ifndef FBK_UTF8_H
#define FBK_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode one character at p, reading at most avail bytes. Strict: no
 * overlongs, surrogates or values past U+10FFFF. Returns the sequence
 * length, or 0 when the bytes do not start one valid character. For a
 * NUL-terminated string avail may be SIZE_MAX: NUL is never a continuation
 * byte, so decoding stops at the terminator.
 */
static inline size_t fbk_utf8_decode(const uint8_t *p, size_t avail, uint32_t *cp)
{
	uint8_t b0 = p[0];
	if (b0 < 0x80) {
		*cp = b0;
		return 1;
	}
	size_t len;
	uint32_t min, v;
	if (b0 >= 0xc2 && b0 <= 0xdf) {
		len = 2, min = 0x80, v = b0 & 0x1f;
	} else if (b0 >= 0xe0 && b0 <= 0xef) {
		len = 3, min = 0x800, v = b0 & 0x0f;
	} else if (b0 >= 0xf0 && b0 <= 0xf4) {
		len = 4, min = 0x10000, v = b0 & 0x07;
	} else {
		return 0;
	}
	if (avail < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

#endif
