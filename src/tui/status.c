#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"
#include "core/sanitize.h"
#include "i18n.h"
#include "tui/draw.h"
#include "tui/widgets.h"

int tui_status_rows(int cols, const struct tui_status_view *view)
{
	char **lines = NULL;
	size_t n;

	if (view->busy || view->text == NULL)
		return 1;
	n = tui_wrap(view->text, cols, &lines);
	tui_lines_free(lines, n);
	return n > 1 ? (int)n : 1;
}

/* Lines first.. of lines joined by spaces, cut to cols with a "~". */
static void draw_rest(int row, int cols, char **lines, size_t first,
		      size_t n, enum tui_role role)
{
	struct kvl_buf buf;
	char *cut;

	kvl_buf_init(&buf);
	for (size_t i = first; i < n; i++) {
		if (i > first)
			(void)kvl_buf_adds(&buf, " ");
		(void)kvl_buf_adds(&buf, lines[i]);
	}
	cut = kvl_truncate_cols(buf.data != NULL ? buf.data : "",
				(size_t)cols);
	tui_draw_text(row, 0, cols, cut != NULL ? cut : "", role, true);
	free(cut);
	kvl_buf_clear(&buf);
}

/* The message wrapped onto the rows the layout gives the status. */
static void draw_message(const struct tui_layout *layout,
			 const struct tui_status_view *view)
{
	char **lines = NULL;
	size_t n = tui_wrap(view->text, layout->cols, &lines);
	size_t rows = (size_t)layout->status_rows;

	if (n == 0) {
		tui_draw_text(layout->status_row, 0, layout->cols,
			      view->text, view->role, true);
		return;
	}
	for (size_t i = 0; i < n && i + 1 < rows; i++)
		tui_draw_text(layout->status_row + (int)i, 0, layout->cols,
			      lines[i], view->role, true);
	if (n >= rows)
		draw_rest(layout->status_row + (int)rows - 1, layout->cols,
			  lines, rows - 1, n, view->role);
	tui_lines_free(lines, n);
}

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
	} else if (view->text != NULL) {
		draw_message(layout, view);
	} else {
		tui_draw_text(layout->status_row, 0, layout->cols, "",
			      view->role, true);
	}
	free(line);
}

void tui_legend_draw(const struct tui_layout *layout, const char *legend)
{
	tui_draw_text(layout->legend_row, 0, layout->cols, legend,
		      TUI_ROLE_LEGEND, true);
}
