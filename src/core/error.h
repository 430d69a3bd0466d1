/* Internal: error reporting and logging. */
#ifndef FBK_ERROR_H
#define FBK_ERROR_H

#include <stddef.h>

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

/*
 * Hold this thread's log messages from now until the matching
 * fbk_log_release() (they nest), which hands them to the handler in order.
 * For code that fails while it holds a lock the application's handler may
 * need: a handler that draws text would otherwise wait forever on the text
 * layer's lock. Up to FBK_LOG_HELD messages are kept; past that the last
 * one is replaced, so the newest message always arrives.
 */
#define FBK_LOG_HELD 4
void fbk_log_hold(void);
void fbk_log_release(void);

/*
 * The C library's text for a positive errno value, as strerror gives it but
 * safe in any thread: strerror may hand every thread the same buffer. The
 * text may be written into buf, so it lives as long as buf.
 */
const char *fbk_errno_text(int errnum, char *buf, size_t size);

/*
 * fbk_errno_text with a buffer that lives until the end of the enclosing
 * block: made for the arguments of one fbk_fail or fbk_log call, where each
 * use gets its own buffer.
 */
#define FBK_ERRNO_TEXT_SIZE 64
#define fbk_errstr(errnum) fbk_errno_text((errnum), (char[FBK_ERRNO_TEXT_SIZE]){ 0 }, \
					  FBK_ERRNO_TEXT_SIZE)

#endif
