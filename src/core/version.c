#include "config.h"
#include "fbkit/common.h"

const char *fbk_version(void)
{
	return FBK_VERSION;
}
