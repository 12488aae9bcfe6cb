/*
 * Semantic colour roles. Screens ask for a role, never for a colour, so
 * that NO_COLOR and monochrome terminals get attributes that still tell
 * the states apart.
 */
#ifndef KVL_TUI_THEME_H
#define KVL_TUI_THEME_H

#include <stdbool.h>

enum tui_role {
	TUI_ROLE_NORMAL,
	TUI_ROLE_TITLE,		/* title bar with the breadcrumb */
	TUI_ROLE_HEADING,	/* section and column headings */
	TUI_ROLE_SELECTED,	/* the list row under the cursor */
	TUI_ROLE_DISABLED,	/* rows that cannot be chosen */
	TUI_ROLE_PASSED,
	TUI_ROLE_FAILED,
	TUI_ROLE_UNKNOWN,
	TUI_ROLE_STATUS,	/* progress on the status line */
	TUI_ROLE_ERROR,		/* errors on the status line and dialogs */
	TUI_ROLE_LEGEND,	/* the key legend on the bottom row */
	TUI_ROLE_INPUT,		/* text being typed */
	TUI_ROLE_COUNT
};

/*
 * Sets up colour pairs unless no_colour (--no-color) is set, NO_COLOR is
 * set and non-empty, or the terminal has no colours. Call after the
 * screen is initialised.
 */
void tui_theme_init(bool no_colour);

/* Whether colours are in use (false: monochrome attributes). */
bool tui_theme_colour(void);

/* Curses attributes for role; an int so that callers need not know the
 * attr_t of the curses build. */
int tui_role_attr(enum tui_role role);

#endif
