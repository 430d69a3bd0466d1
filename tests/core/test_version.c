/*
 * The version three ways must agree: the macros in fbkit/version.h, the
 * string fbk_version() returns, and what FBKIT_CHECK_VERSION answers.
 */
#include "harness.h"

int main(void)
{
	char expect[32];
	snprintf(expect, sizeof(expect), "%d.%d.%d", FBKIT_VERSION_MAJOR, FBKIT_VERSION_MINOR,
		 FBKIT_VERSION_PATCH);
	CHECK(!strcmp(expect, FBKIT_VERSION_STRING), "macros say %s, FBKIT_VERSION_STRING %s",
	      expect, FBKIT_VERSION_STRING);
	CHECK(!strcmp(fbk_version(), FBKIT_VERSION_STRING), "fbk_version() %s, headers %s",
	      fbk_version(), FBKIT_VERSION_STRING);

	/* Compile-time answers, so a broken macro fails the build of this test too. */
	_Static_assert(FBKIT_CHECK_VERSION(FBKIT_VERSION_MAJOR, FBKIT_VERSION_MINOR,
					   FBKIT_VERSION_PATCH), "the version itself");
	_Static_assert(FBKIT_CHECK_VERSION(0, 0, 0), "the first version");
	_Static_assert(!FBKIT_CHECK_VERSION(FBKIT_VERSION_MAJOR + 1, 0, 0), "next major");
	_Static_assert(!FBKIT_CHECK_VERSION(FBKIT_VERSION_MAJOR, FBKIT_VERSION_MINOR + 1, 0),
		       "next minor");
	_Static_assert(!FBKIT_CHECK_VERSION(FBKIT_VERSION_MAJOR, FBKIT_VERSION_MINOR,
					    FBKIT_VERSION_PATCH + 1), "next patch");
	/* An older minor with a larger patch number is still older. */
	CHECK(FBKIT_VERSION_MINOR == 0 ||
		      FBKIT_CHECK_VERSION(FBKIT_VERSION_MAJOR, FBKIT_VERSION_MINOR - 1, 99),
	      "%d.%d.99 counts as newer", FBKIT_VERSION_MAJOR, FBKIT_VERSION_MINOR - 1);
	CHECK(FBKIT_VERSION_MAJOR == 0 || FBKIT_CHECK_VERSION(FBKIT_VERSION_MAJOR - 1, 99, 99),
	      "%d.99.99 counts as newer", FBKIT_VERSION_MAJOR - 1);
	return harness_exit();
}
