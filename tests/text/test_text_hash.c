/*
 * The kept-text hash spreads texts that differ only in a few bytes (a
 * counter, a clock) over the shaped-text cache's buckets, which take its
 * low bits: short ones, long ones, and differences in the last word.
 */
#include <stdio.h>

#include "harness.h"
#include "text/text_hash.h"

enum { BUCKETS = 1024 };

struct texts {
	const char *before; /* the text before a counter of `digits` digits (0: as wide as it is) */
	int digits;
	const char *after;
};

/* How many of BUCKETS the texts with the counter at 0 .. count - 1 fill. */
static int buckets_used(const struct texts *t, int count, uint64_t serial)
{
	static unsigned char used[BUCKETS];
	memset(used, 0, sizeof(used));
	int filled = 0;
	for (int i = 0; i < count; i++) {
		char text[128];
		snprintf(text, sizeof(text), "%s%0*d%s", t->before, t->digits, i, t->after);
		size_t length;
		uint64_t h = fbk_text_hash(serial, text, &length);
		CHECK(length == strlen(text), "length of '%s': %zu", text, length);
		if (!used[h & (BUCKETS - 1)]++)
			filled++;
	}
	return filled;
}

int main(void)
{
	/*
	 * 1000 texts thrown at random into 1024 buckets fill about 630 of
	 * them; half of that catches a hash whose low bits ignore some bytes.
	 */
	static const struct texts kinds[] = {
		{ "Item ", 3, "" }, { "x=", 5, "" },	       { "", 0, "" },
		{ "Temperature ", 3, "" }, { "Line ", 4, " of the kept texts, long" }, { "", 4, "" },
	};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		int filled = buckets_used(&kinds[k], 1000, 1);
		CHECK(filled >= 320, "'%s%.*s%s': 1000 texts fill %d of %d buckets", kinds[k].before,
		      kinds[k].digits ? kinds[k].digits : 1, "nnnnnnnn", kinds[k].after, filled,
		      BUCKETS);
	}
	/* The same text in two fonts (serials) is two keys. */
	size_t length;
	CHECK(fbk_text_hash(1, "Item 7", &length) != fbk_text_hash(2, "Item 7", &length),
	      "two fonts' texts hash alike");
	return harness_exit();
}
