#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "i18n.h"
#include "tui/draw.h"
#include "tui/widgets.h"

void tui_status_draw(const struct tui_layout *layout,
		     const struct tui_status_view *view)
{
	static const char frames[] = "|/-\\";
	char *line = NULL;

	if (view->busy) {
		if (asprintf(&line, _("%c %s... %lds  (Esc cancels)"),
			     frames[view->tick % 4], view->label,
			     view->elapsed_s) < 0)
			line = NULL;
		tui_draw_text(layout->status_row, 0, layout->cols,
			      line ? line : view->label, TUI_ROLE_STATUS,
			      true);
	} else {
		tui_draw_text(layout->status_row, 0, layout->cols,
			      view->text ? view->text : "", view->role, true);
	}
	free(line);
}

void tui_legend_draw(const struct tui_layout *layout, const char *legend)
{
	tui_draw_text(layout->legend_row, 0, layout->cols, legend,
		      TUI_ROLE_LEGEND, true);
}
