#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "i18n.h"
#include "tui/draw.h"
#include "tui/steps.h"
#include "tui/keys.h"

void tui_steps_title(const struct tui_layout *layout, const char *text)
{
	tui_draw_text(layout->body_top, 1, layout->cols - 2, text,
		      TUI_ROLE_HEADING, false);
}

static void report_memory(struct tui_app *app)
{
	tui_app_status(app, TUI_ROLE_ERROR, "%s",
		       _("out of memory: some rows are missing"));
}

void tui_steps_columns(struct tui_app *app, struct tui_list *list,
		       const char *const *headings, const int *minimum,
		       size_t n)
{
	if (!tui_list_set_columns(list, headings, minimum, n))
		report_memory(app);
}

void tui_steps_row(struct tui_app *app, struct tui_list *list,
		   const char *const *cells, bool disabled)
{
	if (!tui_list_add_cells(list, cells, disabled))
		report_memory(app);
}

char *tui_steps_state_text(const char *state, bool usable)
{
	char *text = NULL;

	if (usable)
		return strdup(state ? state : "?");
	if (asprintf(&text, _("%s: unusable"), state ? state : "?") < 0)
		return NULL;
	return text;
}

void tui_steps_failed(struct tui_app *app, const char *title,
		      kvl_result result, const struct kvl_error *err)
{
	if (result == KVL_ERR_CANCELLED) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("Cancelled. Press r to try again or Esc to "
				 "go back."));
		return;
	}
	tui_app_error(app, title, err);
	tui_app_status(app, TUI_ROLE_ERROR, _("%s. Press r to try again or "
					      "Esc to go back."), title);
}

bool tui_steps_retry_key(const struct tui_key *key)
{
	return tui_key_is_letter(key, 'r');
}

bool tui_steps_enter_key(const struct tui_key *key)
{
	return tui_key_is_enter(key);
}

bool tui_steps_list_key(struct tui_app *app, struct tui_list *list,
			bool loaded, const struct tui_key *key,
			void (*reload)(struct tui_app *app),
			enum tui_outcome *outcome)
{
	enum tui_list_event event = TUI_LIST_IGNORED;

	*outcome = TUI_KEY_HANDLED;
	if (loaded)
		event = tui_list_key(list, key);
	if (event == TUI_LIST_CHOSEN)
		return true;
	if (event == TUI_LIST_HANDLED)
		return false;

	if (tui_steps_retry_key(key))
		reload(app);
	else
		*outcome = TUI_KEY_IGNORED;
	return false;
}

void tui_steps_draw_list(const struct tui_layout *layout, const char *title,
			 struct tui_list *list, bool loaded)
{
	struct tui_rect r = tui_body_rect(layout, 2);

	tui_steps_title(layout, title);
	if (loaded)
		tui_list_draw(list, &r);
}
