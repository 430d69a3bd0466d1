/* Error messages and the replaceable logger. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

#define MESSAGE_SIZE 1024
/* Long enough for any real path; longer messages are cut in the middle. */
#define FORMAT_SIZE 4096

static _Thread_local char last_error[MESSAGE_SIZE];

/* Messages this thread logged between fbk_log_hold() and fbk_log_release(). */
static _Thread_local struct {
	unsigned depth;
	size_t count;
	struct {
		enum fbk_log_level level;
		char text[MESSAGE_SIZE];
	} messages[FBK_LOG_HELD];
} held;

static void log_to_stderr(enum fbk_log_level level, const char *msg, void *userdata);

/* Handler and its userdata change together, under the lock; level is read on every call. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static fbk_log_fn log_handler = log_to_stderr;
static void *log_userdata;
static atomic_int log_level = FBK_LOG_WARNING;

static const char *level_name(enum fbk_log_level level)
{
	switch (level) {
	case FBK_LOG_ERROR: return "error";
	case FBK_LOG_WARNING: return "warning";
	case FBK_LOG_INFO: return "info";
	case FBK_LOG_DEBUG: return "debug";
	}
	return "?";
}

static void log_to_stderr(enum fbk_log_level level, const char *msg, void *userdata)
{
	(void)userdata;
	fprintf(stderr, "fbkit %s: %s\n", level_name(level), msg);
}

void fbk_set_log_handler(fbk_log_fn fn, void *userdata)
{
	pthread_mutex_lock(&log_lock);
	log_handler = fn ? fn : log_to_stderr;
	log_userdata = fn ? userdata : NULL;
	pthread_mutex_unlock(&log_lock);
}

void fbk_set_log_level(enum fbk_log_level level)
{
	atomic_store_explicit(&log_level, (int)level, memory_order_relaxed);
}

/* Start of the UTF-8 character holding byte i (never splits a character). */
static size_t char_start(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

/*
 * Copy `text` into out, and when it does not fit keep its beginning and
 * its end with "..." between: the end usually holds the reason ("No such
 * file or directory") and the beginning what failed.
 */
static void fit_message(char *out, size_t size, const char *text)
{
	size_t len = strlen(text);
	if (len < size) {
		memcpy(out, text, len + 1);
		return;
	}
	size_t head = char_start(text, size / 3);
	size_t tail = len - (size - 1 - head - 3);
	while (tail < len && ((unsigned char)text[tail] & 0xc0) == 0x80)
		tail++;
	memcpy(out, text, head);
	memcpy(out + head, "...", 3);
	memcpy(out + head + 3, text + tail, len - tail + 1);
}

__attribute__((format(printf, 3, 0))) static void vformat(char *out, size_t size,
						      const char *fmt, va_list ap)
{
	char full[FORMAT_SIZE];
	vsnprintf(full, sizeof(full), fmt, ap);
	fit_message(out, size, full);
}

void fbk_log(enum fbk_log_level level, const char *fmt, ...)
{
	if ((int)level > atomic_load_explicit(&log_level, memory_order_relaxed))
		return;
	char msg[MESSAGE_SIZE];
	va_list ap;
	va_start(ap, fmt);
	vformat(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (held.depth) {
		size_t i = held.count < FBK_LOG_HELD ? held.count++ : FBK_LOG_HELD - 1;
		held.messages[i].level = level;
		memcpy(held.messages[i].text, msg, sizeof(msg));
		return;
	}
	pthread_mutex_lock(&log_lock);
	fbk_log_fn handler = log_handler;
	void *userdata = log_userdata;
	pthread_mutex_unlock(&log_lock);
	handler(level, msg, userdata);
}

void fbk_log_hold(void)
{
	held.depth++;
}

void fbk_log_release(void)
{
	if (!held.depth || --held.depth)
		return;
	/*
	 * Taken off the front before each is handed over: the handler may log,
	 * or hold and release again (drawing text that fails), which delivers
	 * the rest in order.
	 */
	while (!held.depth && held.count) {
		enum fbk_log_level level = held.messages[0].level;
		char text[MESSAGE_SIZE];
		memcpy(text, held.messages[0].text, sizeof(text));
		held.count--;
		memmove(held.messages, held.messages + 1, held.count * sizeof(*held.messages));
		fbk_log(level, "%s", text);
	}
}

int fbk_fail(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vformat(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	fbk_log(FBK_LOG_DEBUG, "%s", last_error);
	return err;
}

int fbk_fail_context(int err, const char *prefix)
{
	char full[FORMAT_SIZE];
	snprintf(full, sizeof(full), "%s: %s", prefix, last_error);
	fit_message(last_error, sizeof(last_error), full);
	return err;
}

const char *fbk_last_error(void)
{
	return last_error[0] ? last_error : "no error";
}

const char *fbk_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case -EINVAL: return "invalid argument";
	case -ENOMEM: return "out of memory";
	case -ENOTSUP: return "not supported";
	case -EBADMSG: return "corrupt data";
	case -EFBIG: return "too large";
	case -EIO: return "input/output error";
	case -ENOENT: return "no such file or device";
	case -EACCES: return "permission denied";
	case -EBUSY: return "device busy";
	case -ENODEV: return "no such device";
	default: break;
	}
	if (err > 0)
		return "not an error code";
	/* Per thread, as fbk_last_error: valid until this thread's next call. */
	static _Thread_local char text[FBK_ERRNO_TEXT_SIZE];
	return fbk_errno_text(-err, text, sizeof(text));
}

/*
 * strerror_r comes in two kinds: GNU's returns the text (maybe not in
 * buf), POSIX's returns 0 or an error number and fills buf. The type of
 * the call picks the matching reader, so either C library works.
 */
static const char *gnu_text(char *returned, char *buf)
{
	(void)buf;
	return returned;
}

static const char *posix_text(int returned, char *buf)
{
	return returned ? NULL : buf;
}

const char *fbk_errno_text(int errnum, char *buf, size_t size)
{
	if (!buf || size == 0)
		return "unknown error";
	buf[0] = '\0';
	const char *text = _Generic(strerror_r(errnum, buf, size),
				    char *: gnu_text,
				    int: posix_text)(strerror_r(errnum, buf, size), buf);
	if (!text || !text[0]) {
		snprintf(buf, size, "error %d", errnum);
		text = buf;
	}
	return text;
}
