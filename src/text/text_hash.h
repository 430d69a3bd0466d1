/*
 * Internal: the hash of a kept text (outline.c's shaped-text cache), here
 * so the tests can check how it spreads without FreeType.
 */
#ifndef FBK_TEXT_HASH_H
#define FBK_TEXT_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Eight bytes a multiply, not one: every draw of a kept text hashes it,
 * and a byte at a time is a chain of 80 multiplies for an 80-character
 * line (a twentieth of drawing it at 16 px). The result is mixed
 * down again before the cache takes the low bits for its bucket: without
 * that, texts of up to 8 bytes that differ in their last bytes ("Item 000"
 * to "Item 999") shared 32 of 1024 buckets. The words' byte order is the
 * machine's, which only has to agree with itself. Sets *length to the
 * text's length.
 */
static inline uint64_t fbk_text_hash(uint64_t serial, const char *text, size_t *length)
{
	const uint64_t k = 0x9e3779b97f4a7c15u;
	size_t n = strlen(text), i = 0;
	uint64_t h = 0xcbf29ce484222325u ^ (serial * k) ^ n;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, text + i, 8);
		h = (h ^ w) * k;
		h ^= h >> 29;
	}
	if (i < n) {
		uint64_t w = 0;
		memcpy(&w, text + i, n - i);
		h = (h ^ w) * k;
	}
	*length = n;
	/* a full 64-bit finish (MurmurHash3's constants), so every bit reaches the low ones */
	h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdu;
	h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53u;
	return h ^ (h >> 33);
}

#endif
