/* Error messages and the replaceable logger. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

#define MESSAGE_SIZE 512

static _Thread_local char last_error[MESSAGE_SIZE];

static void log_to_stderr(enum fbk_log_level level, const char *msg, void *userdata);

static fbk_log_fn log_handler = log_to_stderr;
static void *log_userdata;
static enum fbk_log_level log_level = FBK_LOG_WARNING;

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
	log_handler = fn ? fn : log_to_stderr;
	log_userdata = fn ? userdata : NULL;
}

void fbk_set_log_level(enum fbk_log_level level)
{
	log_level = level;
}

void fbk_log(enum fbk_log_level level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	char msg[MESSAGE_SIZE];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_handler(level, msg, log_userdata);
}

int fbk_fail(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	fbk_log(FBK_LOG_DEBUG, "%s", last_error);
	return err;
}

int fbk_fail_context(int err, const char *prefix)
{
	size_t shift = strlen(prefix) + 2;
	if (shift >= MESSAGE_SIZE)
		return err;
	memmove(last_error + shift, last_error, MESSAGE_SIZE - shift);
	last_error[MESSAGE_SIZE - 1] = '\0';
	memcpy(last_error, prefix, shift - 2);
	memcpy(last_error + shift - 2, ": ", 2);
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
	default: return err < 0 ? strerror(-err) : "not an error code";
	}
}
