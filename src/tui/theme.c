#include "config.h"

#include <stdlib.h>

#include <curses.h>

#include "tui/theme.h"

/*
 * One row per role: foreground and background (-1 is the terminal's
 * default, so light terminals keep their background), extra attributes
 * with colour, and the monochrome attributes used under NO_COLOR.
 */
static const struct {
	short fg;
	short bg;
	int colour_attr;
	int mono_attr;
} role_table[TUI_ROLE_COUNT] = {
	[TUI_ROLE_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
	[TUI_ROLE_TITLE] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
	[TUI_ROLE_HEADING] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[TUI_ROLE_SELECTED] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL,
				A_REVERSE },
	[TUI_ROLE_DISABLED] = { COLOR_WHITE, -1, A_DIM, A_DIM },
	[TUI_ROLE_PASSED] = { COLOR_GREEN, -1, A_BOLD, A_NORMAL },
	[TUI_ROLE_FAILED] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[TUI_ROLE_UNKNOWN] = { COLOR_YELLOW, -1, A_NORMAL, A_UNDERLINE },
	[TUI_ROLE_STATUS] = { COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[TUI_ROLE_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[TUI_ROLE_LEGEND] = { COLOR_BLACK, COLOR_WHITE, A_NORMAL,
			      A_REVERSE },
	[TUI_ROLE_INPUT] = { -1, -1, A_UNDERLINE, A_UNDERLINE },
};

static bool use_colour;

void tui_theme_init(bool no_colour)
{
	const char *no_colour_env = getenv("NO_COLOR");

	use_colour = false;
	if (no_colour)
		return;
	if (no_colour_env != NULL && no_colour_env[0] != '\0')
		return;
	if (!has_colors() || start_color() == ERR)
		return;
	if (use_default_colors() == ERR)
		return;
	if (COLOR_PAIRS < TUI_ROLE_COUNT + 1)
		return;

	for (int role = 0; role < TUI_ROLE_COUNT; role++) {
		if (init_pair((short)(role + 1), role_table[role].fg,
			      role_table[role].bg) == ERR)
			return;
	}
	use_colour = true;
}

bool tui_theme_colour(void)
{
	return use_colour;
}

int tui_role_attr(enum tui_role role)
{
	if (role >= TUI_ROLE_COUNT)
		role = TUI_ROLE_NORMAL;
	if (!use_colour)
		return role_table[role].mono_attr;
	return role_table[role].colour_attr | (int)COLOR_PAIR(role + 1);
}
