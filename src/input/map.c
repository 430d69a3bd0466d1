/* Device positions to display positions (see map.h). */
#include <math.h>

#include "input/map.h"

const float fbk_calibration_identity[6] = { 1, 0, 0, 0, 1, 0 };

bool fbk_rotation_valid(int rotation)
{
	return rotation == 0 || rotation == 90 || rotation == 180 || rotation == 270;
}

/* Into [0, limit): the far edge (u == 1) belongs to the last pixel, not past it. */
static double clamp_below(double value, int32_t limit)
{
	if (!(value > 0)) /* NaN too */
		return 0;
	double top = nextafter((double)limit, 0);
	return value > top ? top : value;
}

struct fbk_point fbk_map_absolute(double u, double v, const float *calibration, int rotation,
				  int32_t width, int32_t height)
{
	const float *m = calibration ? calibration : fbk_calibration_identity;
	double cu = m[0] * u + m[1] * v + m[2];
	double cv = m[3] * u + m[4] * v + m[5];
	/*
	 * (cu, cv) is across the panel; the picture's x axis runs along the
	 * panel's edge the rotation turned it to. 90: the picture's top row
	 * is the panel's right column, running down it.
	 */
	double x, y;
	switch (rotation) {
	case 90:
		x = cv;
		y = 1 - cu;
		break;
	case 180:
		x = 1 - cu;
		y = 1 - cv;
		break;
	case 270:
		x = 1 - cv;
		y = cu;
		break;
	default:
		x = cu;
		y = cv;
		break;
	}
	return (struct fbk_point){ clamp_below(x * width, width), clamp_below(y * height, height) };
}

struct fbk_point fbk_map_relative(struct fbk_point from, double dx, double dy, int32_t width,
				  int32_t height)
{
	return (struct fbk_point){ clamp_below(from.x + dx, width),
				   clamp_below(from.y + dy, height) };
}
