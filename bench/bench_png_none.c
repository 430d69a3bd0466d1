/* Without libpng there are no PNG rows; the group says so instead of failing to build. */
#include <stdio.h>

#include "bench.h"

int bench_png(const struct bench_config *cfg, const char *testdata)
{
	(void)cfg;
	(void)testdata;
	printf("png: fbkit was built without libpng (skipped)\n");
	return 0;
}
