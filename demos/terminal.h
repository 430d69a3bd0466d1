/* Demo helper: single keys from the terminal, and putting it back. */
#ifndef FBK_DEMO_TERMINAL_H
#define FBK_DEMO_TERMINAL_H

#include <stdbool.h>
#include <termios.h>

struct terminal {
	bool raw;
	struct termios saved;
};

/*
 * Keys without Enter and without echo when stdin is a terminal (else
 * nothing); ISIG stays on so Ctrl-C still quits. Handle SIGINT, SIGTERM
 * and SIGQUIT and call terminal_restore(), or the shell is left blind.
 */
void terminal_raw(struct terminal *t);

/* Put back what terminal_raw() changed; harmless when it changed nothing. */
void terminal_restore(struct terminal *t);

#endif
