/* Add connection, step 2 (and the editor's rename): the display name,
 * unique in the environment ignoring case, checked as it is typed. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "i18n.h"
#include "tui/conn_draft.h"
#include "tui/draw.h"
#include "tui/steps.h"

#define LABEL_COLS 16

static void name_draw(struct tui_app *app, const struct tui_layout *lay)
{
	struct tui_conn_draft *draft = tui_conn_draft();
	const char *problem = tui_conn_name_problem(app, draft);
	int row = lay->body_top + 2;
	int width = lay->cols - LABEL_COLS - 3;
	char *hint = NULL;

	tui_steps_title(lay, _("Name the connection. The name is unique in "
			       "this environment."));
	tui_draw_field(row++, 1, lay->cols - 2, _("Type"),
		       draft->type->display_name);
	row++;
	tui_draw_text(row, 1, LABEL_COLS,
		      problem ? _("! Display name:") : _("Display name:"),
		      problem ? TUI_ROLE_ERROR : TUI_ROLE_HEADING, false);
	tui_field_draw(&draft->name, row++, LABEL_COLS + 2, width, true);
	if (problem != NULL)
		tui_draw_text(row, LABEL_COLS + 2, width, problem,
			      TUI_ROLE_ERROR, false);
	else if (asprintf(&hint, _("Up to %d characters; shown in "
				   "exports."), KVL_CONN_NAME_MAX) >= 0)
		tui_draw_text(row, LABEL_COLS + 2, width, hint,
			      TUI_ROLE_DISABLED, false);
	free(hint);
	tui_form_draw_action(row + 2, LABEL_COLS + 2, width,
			     draft->mode == TUI_CONN_EDIT ? _("Done") :
							    _("Continue"),
			     problem == NULL);
}

static enum tui_outcome name_key(struct tui_app *app,
				 const struct tui_key *key)
{
	struct tui_conn_draft *draft = tui_conn_draft();
	const char *problem;

	if (!tui_steps_enter_key(key))
		return tui_field_key(&draft->name, key) ? TUI_KEY_HANDLED :
							  TUI_KEY_IGNORED;
	problem = tui_conn_name_problem(app, draft);
	if (problem != NULL) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s", problem);
		return TUI_KEY_HANDLED;
	}
	tui_conn_next(app, &tui_step_conn_fields);
	return TUI_KEY_HANDLED;
}

const struct tui_screen tui_step_conn_name = {
	.breadcrumb = N_("Admin > Connections > Add 2/8 Name"),
	.legend = N_("Enter continue  Ctrl-U clear  Esc back"),
	.help = N_("Type a display name for the connection. It must be unique "
		     "in the environment, whatever its case."),
	.draw = name_draw,
	.key = name_key,
};

const struct tui_screen tui_edit_conn_name = {
	.breadcrumb = N_("Admin > Connections > Edit > Name"),
	.legend = N_("Enter keep this name  Ctrl-U clear  Esc back"),
	.help = N_("Type a new display name for the connection. It must be "
		     "unique in the environment, whatever its case."),
	.draw = name_draw,
	.key = name_key,
};
