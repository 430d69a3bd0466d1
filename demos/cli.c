#include <stdarg.h>
#include <stdio.h>

#include "cli.h"
#include "fbkit.h"

void cli_version(const char *program)
{
	printf("%s (fbkit) %s\n", program, fbk_version());
}

int cli_usage_error(const char *program, const char *format, ...)
{
	if (format) {
		va_list ap;
		va_start(ap, format);
		fprintf(stderr, "%s: ", program);
		vfprintf(stderr, format, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	fprintf(stderr, "Try '%s --help' for more information.\n", program);
	return CLI_USAGE_ERROR;
}
