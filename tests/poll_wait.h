/* Polling a display's frame fd, shared by the loop and vsync tests. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <time.h>

#include "backend/backend.h"

static inline bool readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, timeout_ms) == 1;
}

/* Poll the frame fd until fbk_display_frame_ready() says yes: 1, or 0 after 3 s. */
static inline int wait_ready(struct fbk_display *display, int fd)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (fbk_elapsed_ms(&start) < 3000) {
		int ready = fbk_display_frame_ready(display);
		if (ready)
			return ready;
		readable(fd, 100);
	}
	return 0;
}
