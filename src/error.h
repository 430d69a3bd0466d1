/* Internal: error reporting and logging. */
#ifndef FBK_ERROR_H
#define FBK_ERROR_H

#include "fbkit/common.h"

#if defined(__GNUC__)
#define FBK_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define FBK_PRINTF(fmt, args)
#endif

/*
 * Record `fmt` as this thread's last error message and return err (a
 * negative errno), so failures read `return fbk_fail(-EINVAL, "...")`.
 */
int fbk_fail(int err, const char *fmt, ...) FBK_PRINTF(2, 3);

/* Prefix the current last-error message with "prefix: " and return err. */
int fbk_fail_context(int err, const char *prefix);

void fbk_log(enum fbk_log_level level, const char *fmt, ...) FBK_PRINTF(2, 3);

#endif
