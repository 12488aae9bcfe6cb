#include "config.h"

#include <curses.h>

#include "i18n.h"
#include "tui/draw.h"
#include "tui/text.h"
#include "tui/widgets.h"

void tui_dialog_draw(const struct tui_layout *layout, const char *title,
		     const char *text)
{
	struct tui_rect r = tui_dialog_rect(layout, 0);
	char **lines = NULL;
	size_t n = tui_wrap(text, r.cols - 4, &lines);
	int row;

	r = tui_dialog_rect(layout, (int)n + 1);
	for (row = r.top; row < r.top + r.rows; row++)
		tui_draw_text(row, r.left, r.cols, "", TUI_ROLE_NORMAL, true);
	tui_draw_box(r.top, r.left, r.rows, r.cols, TUI_ROLE_ERROR);
	tui_draw_untrusted(r.top + 1, r.left + 2, r.cols - 4, title,
			   TUI_ROLE_ERROR);

	row = r.top + 2;
	for (size_t i = 0; i < n && row < r.top + r.rows - 2; i++)
		tui_draw_text(row++, r.left + 2, r.cols - 4, lines[i],
			      TUI_ROLE_NORMAL, false);
	tui_draw_text(r.top + r.rows - 2, r.left + 2, r.cols - 4,
		      _("Enter or Esc closes this message."),
		      TUI_ROLE_STATUS, false);
	tui_lines_free(lines, n);
}

void tui_panel_draw(const struct tui_layout *layout, const char *title,
		    struct tui_text *text, const char *footer)
{
	struct tui_rect r = tui_dialog_rect(layout, layout->body_rows);
	struct tui_rect inner = {
		.top = r.top + 2,
		.left = r.left + 2,
		.rows = r.rows - 4,
		.cols = r.cols - 4,
	};

	for (int row = r.top; row < r.top + r.rows; row++)
		tui_draw_text(row, r.left, r.cols, "", TUI_ROLE_NORMAL, true);
	tui_draw_box(r.top, r.left, r.rows, r.cols, TUI_ROLE_HEADING);
	tui_draw_text(r.top + 1, r.left + 2, r.cols - 4, title,
		      TUI_ROLE_HEADING, false);
	tui_text_draw(text, &inner);
	tui_draw_text(r.top + r.rows - 2, r.left + 2, r.cols - 4, footer,
		      TUI_ROLE_STATUS, false);
}
