/* Entry point of the ncurses wizard. Only src/tui/ includes curses. */
#ifndef KVL_TUI_H
#define KVL_TUI_H

#include "core/sink.h"
#include "flow/session.h"

struct kvl_tui_options {
	bool sandbox;		/* show that the sandbox is in use */
	bool no_colour;		/* --no-color: monochrome attributes only */
	bool ascii;		/* --ascii: draw nothing beyond ASCII */
	/*
	 * The sink the session was opened with. While the wizard runs it
	 * replaces the callbacks in it with its own (sign-in messages and
	 * cancelling go through the screen) and puts the old ones back
	 * before it returns. NULL: the wizard cannot show the device code
	 * or cancel calls, and reports that on its status line.
	 */
	struct kvl_sink *sink;
};

/*
 * Returns why the wizard cannot run here (translated, static), or NULL:
 * no terminal on standard input or output, TERM unset, empty or "dumb",
 * a TERM without a terminfo entry, or one that cannot move the cursor.
 */
const char *kvl_tui_terminal_problem(void);

/*
 * Runs the wizard on the controlling terminal until the user quits.
 * Signs in (device code flow shown on screen) when needed, guides the
 * creation of an environment when there is none, and restores the
 * terminal on every exit path. Returns a kvlink exit code.
 */
int kvl_tui_run(struct kvl_session *session,
		const struct kvl_tui_options *options);

#endif
