/*
 * Whether the terminal can run the wizard, asked before curses starts so
 * that the caller can choose line mode instead. Kept apart from term.c
 * because <term.h> defines a macro for every terminfo capability name.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

#include "i18n.h"
#include "tui/tui.h"

/* Whether TERM's terminfo entry exists and can place the cursor
 * anywhere; the entry is loaded and freed again. */
static const char *terminfo_problem(void)
{
	const char *reason = NULL;
	TERMINAL *saved = cur_term;
	int status = 0;
	const char *cup;

	if (setupterm(NULL, STDOUT_FILENO, &status) != OK)
		return _("the terminal type (TERM) is not known to terminfo; "
			 "set TERM to a known type, for example "
			 "xterm-256color, or use a kvlink command instead");
	cup = tigetstr("cup");
	if (cup == NULL || cup == (const char *)-1 || tigetflag("hc") > 0)
		reason = _("the terminal type (TERM) cannot move the cursor "
			   "(a printing or glass terminal); set TERM to your "
			   "terminal's type, for example xterm-256color, or "
			   "use a kvlink command instead");
	del_curterm(cur_term);
	set_curterm(saved);
	return reason;
}

const char *kvl_tui_terminal_problem(void)
{
	const char *term = getenv("TERM");

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return _("the wizard needs a terminal on standard input "
			 "and output; use a kvlink command instead");
	if (term == NULL || term[0] == '\0')
		return _("the terminal type (TERM) is not set; set it, for "
			 "example with 'export TERM=xterm-256color', or use "
			 "a kvlink command instead");
	if (strcmp(term, "dumb") == 0)
		return _("the terminal type (TERM) is 'dumb', which cannot "
			 "draw the wizard; set TERM to your terminal's type, "
			 "for example xterm-256color, or use a kvlink command "
			 "instead");
	return terminfo_problem();
}
