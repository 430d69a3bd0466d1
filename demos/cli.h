/*
 * Demo helper: what every fbkit tool's command line does the same way, as
 * Unix tools do it: --version prints one line to stdout; a usage error is
 * one line on stderr, then a pointer to --help, and exit status 2.
 */
#ifndef FBK_DEMO_CLI_H
#define FBK_DEMO_CLI_H

/* The status a usage error exits with. */
#define CLI_USAGE_ERROR 2

/* "PROGRAM (fbkit) VERSION" on stdout. */
void cli_version(const char *program);

/*
 * "PROGRAM: MESSAGE" (printf-style) and "Try 'PROGRAM --help' ..." on
 * stderr; returns CLI_USAGE_ERROR. With a NULL format only the second line
 * (getopt has printed the first: "unrecognized option ...").
 */
int cli_usage_error(const char *program, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

#endif
