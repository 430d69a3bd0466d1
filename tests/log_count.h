/*
 * A log handler that counts warnings, for tests that check a failure is
 * reported once and not on every call (install with
 * fbk_set_log_handler(count_warnings, NULL), read and reset `warnings`).
 */
#ifndef FBK_TESTS_LOG_COUNT_H
#define FBK_TESTS_LOG_COUNT_H

#include "fbkit/common.h"

static int warnings;

static inline void count_warnings(enum fbk_log_level level, const char *msg, void *userdata)
{
	(void)msg;
	(void)userdata;
	if (level == FBK_LOG_WARNING)
		warnings++;
}

#endif
