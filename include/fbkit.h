/* fbkit: draw straight to a Linux display. Include this for the whole API. */
#ifndef FBKIT_H
#define FBKIT_H

#include "fbkit/version.h"
#include "fbkit/common.h"
#include "fbkit/format.h"
#include "fbkit/surface.h"
#include "fbkit/draw.h"
#include "fbkit/shapes.h"
#include "fbkit/text.h"
#include "fbkit/display.h"
#include "fbkit/fit.h"
#include "fbkit/png.h"
#include "fbkit/image.h"
#include "fbkit/compare.h"
#include "fbkit/loop.h"
#include "fbkit/input.h"

#endif
