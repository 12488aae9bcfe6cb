/* Entry point of the ncurses wizard. Only src/tui/ includes curses. */
#ifndef KVL_TUI_H
#define KVL_TUI_H

#include "flow/session.h"

struct kvl_tui_options {
	bool sandbox;		/* show that the sandbox is in use */
};

/*
 * Runs the wizard on the controlling terminal until the user quits.
 * Signs in (device code flow shown on screen) when needed, guides the
 * creation of an environment when there is none, and restores the
 * terminal on every exit path. Returns a kvlink exit code.
 */
int kvl_tui_run(struct kvl_session *session,
		const struct kvl_tui_options *options);

#endif
