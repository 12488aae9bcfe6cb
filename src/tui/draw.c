#include "config.h"

#include <stdlib.h>

#include <curses.h>

#include "core/sanitize.h"
#include "tui/draw.h"

int tui_draw_text(int row, int col, int width, const char *text,
		  enum tui_role role, bool pad)
{
	char *cut;
	int used = 0;

	if (width <= 0)
		return 0;
	cut = kvl_truncate_cols(text ? text : "", (size_t)width);
	attrset(tui_role_attr(role));
	if (cut != NULL) {
		mvaddstr(row, col, cut);
		used = (int)kvl_display_width(cut);
	}
	if (pad) {
		for (int c = used; c < width; c++)
			mvaddch(row, col + c, ' ');
	}
	attrset(A_NORMAL);
	free(cut);
	return used;
}

int tui_draw_untrusted(int row, int col, int width, const char *text,
		       enum tui_role role)
{
	char *clean = kvl_sanitize(text);
	int used = tui_draw_text(row, col, width, clean ? clean : "?", role,
				 false);

	free(clean);
	return used;
}

void tui_draw_field(int row, int col, int width, const char *label,
		    const char *value)
{
	int used = tui_draw_text(row, col, width, label, TUI_ROLE_HEADING,
				 false);

	used += tui_draw_text(row, col + used, width - used, ": ",
			      TUI_ROLE_HEADING, false);
	tui_draw_untrusted(row, col + used, width - used, value,
			   TUI_ROLE_NORMAL);
}

void tui_draw_box(int top, int left, int rows, int cols, enum tui_role role)
{
	if (rows < 2 || cols < 2)
		return;
	attrset(tui_role_attr(role));
	mvaddch(top, left, ACS_ULCORNER);
	mvhline(top, left + 1, ACS_HLINE, cols - 2);
	mvaddch(top, left + cols - 1, ACS_URCORNER);
	mvvline(top + 1, left, ACS_VLINE, rows - 2);
	mvvline(top + 1, left + cols - 1, ACS_VLINE, rows - 2);
	mvaddch(top + rows - 1, left, ACS_LLCORNER);
	mvhline(top + rows - 1, left + 1, ACS_HLINE, cols - 2);
	mvaddch(top + rows - 1, left + cols - 1, ACS_LRCORNER);
	attrset(A_NORMAL);
}
