/*
 * fbkit-info: open a display and print what it reports: backend, device,
 * mode, format, stride and, for fbdev, the driver's raw screen info; for
 * DRM, the connectors with their status and modes, the CRTC in use and
 * the formats its primary plane takes. The first thing to run when
 * colours look wrong, the picture is skewed, or a mode= is refused.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "fbkit.h"

static void usage(void)
{
	printf("Usage: fbkit-info [OPTION]...\n"
	       "Open a display and print what it reports, one \"key: value\" per line.\n\n"
	       "  --display SPEC    display to describe (default: $FBKIT_DISPLAY, else auto)\n"
	       "                    e.g. fbdev:/dev/fb1  drm  offscreen:800x480,format=RG16\n"
	       "  -h, --help        show this help\n"
	       "  -V, --version     show the version\n\n"
	       "Opening a device display switches the console to graphics mode until\n"
	       "fbkit-info exits; nothing is drawn.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "display", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *spec = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': spec = optarg; break;
		case 'h': usage(); return 0;
		case 'V': cli_version("fbkit-info"); return 0;
		default: return cli_usage_error("fbkit-info", NULL);
		}
	}
	if (optind < argc)
		return cli_usage_error("fbkit-info", "unexpected argument '%s'", argv[optind]);

	struct fbk_display *display;
	if (fbk_display_open(&display, spec)) {
		fprintf(stderr, "fbkit-info: %s\n", fbk_last_error());
		return 1;
	}
	/* Ask for the length first: the text is as long as the backend makes it. */
	int length = fbk_display_describe(display, NULL, 0);
	char *text = length >= 0 ? malloc((size_t)length + 1) : NULL;
	int status = 0;
	if (!text || fbk_display_describe(display, text, (size_t)length + 1) < 0) {
		fprintf(stderr, "fbkit-info: %s\n", length < 0 ? fbk_last_error() : "out of memory");
		status = 1;
	} else {
		fputs(text, stdout);
	}
	free(text);
	fbk_display_close(display);
	return status;
}
