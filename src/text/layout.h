/* Internal: what the text layer's layout lets tests see of its work. */
#ifndef FBK_LAYOUT_H
#define FBK_LAYOUT_H

#include <stddef.h>

/*
 * For tests: the bytes of text this thread's layouts have measured so far
 * (every candidate line counted whole): what a paragraph's layout costs,
 * counted rather than timed.
 */
size_t fbk_layout_measured(void);

#endif
