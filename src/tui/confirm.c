#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/sanitize.h"
#include "i18n.h"
#include "tui/confirm.h"
#include "tui/draw.h"
#include "tui/keys.h"


void tui_confirm_open(struct tui_confirm *confirm, int action, long target,
		      const char *title, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;

	tui_confirm_close(confirm);
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);

	confirm->title = kvl_sanitize(title);
	confirm->text = kvl_sanitize(text ? text : "?");
	confirm->action = action;
	confirm->target = target;
	confirm->open = true;
	free(text);
}

/* Leaves action and target as they were: the caller reads them after a
 * yes. */
void tui_confirm_close(struct tui_confirm *confirm)
{
	free(confirm->title);
	free(confirm->text);
	confirm->title = NULL;
	confirm->text = NULL;
	confirm->open = false;
}

enum tui_confirm_answer tui_confirm_key(struct tui_confirm *confirm,
					const struct tui_key *key)
{
	enum tui_confirm_answer answer = TUI_CONFIRM_PENDING;

	if (!confirm->open || key->function)
		return TUI_CONFIRM_PENDING;
	if (tui_key_is_letter(key, 'y'))
		answer = TUI_CONFIRM_YES;
	else if (tui_key_is_letter(key, 'n') || tui_key_is_escape(key) ||
		 tui_key_is_enter(key))
		answer = TUI_CONFIRM_NO;
	if (answer != TUI_CONFIRM_PENDING)
		tui_confirm_close(confirm);
	return answer;
}

void tui_confirm_draw(const struct tui_confirm *confirm,
		      const struct tui_layout *layout)
{
	struct tui_rect r = tui_dialog_rect(layout, 0);
	char **lines = NULL;
	size_t n;
	int row;

	if (!confirm->open)
		return;
	n = tui_wrap(confirm->text, r.cols - 4, &lines);
	r = tui_dialog_rect(layout, (int)n + 1);
	for (row = r.top; row < r.top + r.rows; row++)
		tui_draw_text(row, r.left, r.cols, "", TUI_ROLE_NORMAL, true);
	tui_draw_box(r.top, r.left, r.rows, r.cols, TUI_ROLE_HEADING);
	tui_draw_text(r.top + 1, r.left + 2, r.cols - 4, confirm->title,
		      TUI_ROLE_HEADING, false);

	row = r.top + 2;
	for (size_t i = 0; i < n && row < r.top + r.rows - 2; i++)
		tui_draw_text(row++, r.left + 2, r.cols - 4, lines[i],
			      TUI_ROLE_NORMAL, false);
	tui_draw_text(r.top + r.rows - 2, r.left + 2, r.cols - 4,
		      _("y yes   n or Esc no"), TUI_ROLE_SELECTED, false);
	tui_lines_free(lines, n);
}
