/*
 * Internal: where a device position lands on the display, as pure
 * functions of the rotation and the display's size, so that every
 * rotation and calibration is checked without a device.
 *
 * Rotation is how far the picture is turned clockwise on the panel
 * (0, 90, 180, 270): the application draws on a surface of
 * `width` x `height` (the logical, upright size) and present turns it.
 * A touchscreen is fixed to the panel, so its range covers the panel:
 * with rotation 90 the picture's top-left corner is at the panel's
 * top-right, and a touch there must come out at (0, 0).
 */
#ifndef FBK_INPUT_MAP_H
#define FBK_INPUT_MAP_H

#include <stdbool.h>
#include <stdint.h>

/* A display position as the events carry it. */
struct fbk_point {
	double x, y;
};

/* libinput's convention: u' = m[0]*u + m[1]*v + m[2], v' = m[3]*u + m[4]*v + m[5]. */
extern const float fbk_calibration_identity[6];

/* False unless rotation is 0, 90, 180 or 270. */
bool fbk_rotation_valid(int rotation);

/*
 * A position in the device's range (u, v in 0..1 across the panel, as
 * libinput's *_transformed(event, 1) give it) to display coordinates:
 * calibration first (NULL: none), then the rotation; the result is kept
 * within 0 <= x < width, 0 <= y < height.
 */
struct fbk_point fbk_map_absolute(double u, double v, const float *calibration, int rotation,
				  int32_t width, int32_t height);

/*
 * A relative pointer: move `from` by (dx, dy) and keep it on the screen.
 * The motion is not turned: a mouse moved right moves the pointer right
 * in the picture as the viewer sees it, whatever the panel's mounting.
 */
struct fbk_point fbk_map_relative(struct fbk_point from, double dx, double dy, int32_t width,
				  int32_t height);

#endif
