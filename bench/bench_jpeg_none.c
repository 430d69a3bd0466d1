/* Without libjpeg-turbo there are no JPEG rows; the group says so instead of failing to build. */
#include <stdio.h>

#include "bench.h"

int bench_jpeg(const struct bench_config *cfg, const char *testdata)
{
	(void)cfg;
	(void)testdata;
	printf("jpeg: fbkit was built without libjpeg-turbo (skipped)\n");
	return 0;
}
