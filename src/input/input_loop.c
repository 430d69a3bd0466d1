/*
 * The input as a source of the optional event loop (fbkit/loop.h): its fd
 * watched with fbk_loop_add_fd(), events dispatched to the program's
 * callback when it is ready. Nothing of the loop's is needed elsewhere in
 * input/, so programs with their own loop never link through here.
 */
#include <errno.h>
#include <poll.h>

#include "core/error.h"
#include "fbkit/loop.h"
#include "input/input_internal.h"

static void on_ready(struct fbk_loop_source *source, int fd, uint32_t revents, void *user)
{
	(void)source;
	(void)fd;
	(void)revents;
	struct fbk_input *in = user;
	int err = fbk_input_dispatch(in, in->loop_fn, in->loop_user);
	if (err < 0)
		fbk_log(FBK_LOG_WARNING, "input: %s", fbk_last_error());
}

int fbk_loop_add_input(struct fbk_loop *loop, struct fbk_input *input, fbk_input_fn fn,
		       void *user, struct fbk_loop_source **out)
{
	if (out)
		*out = NULL;
	if (!loop || !input || !fn)
		return fbk_fail(-EINVAL, "loop: NULL %s", !loop ? "loop" : !input ? "input" : "callback");
	input->loop_fn = fn;
	input->loop_user = user;
	return fbk_loop_add_fd(loop, input->epoll_fd, POLLIN, on_ready, input, out);
}
