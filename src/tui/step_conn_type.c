/* Add connection, step 1: the connection type, from the registry. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "i18n.h"
#include "tui/conn_draft.h"
#include "tui/help.h"
#include "tui/list.h"
#include "tui/steps.h"

#define TYPE_COLUMNS 3

static struct tui_list list;

static void type_enter(struct tui_app *app)
{
	static const int minimum[TYPE_COLUMNS] = { 12, 10, 6 };
	const char *head[TYPE_COLUMNS] = {
		_("Type"), _("Credentials"), _("Fields"),
	};

	tui_list_init(&list);
	tui_steps_columns(app, &list, head, minimum, TYPE_COLUMNS);
	for (size_t i = 0; i < kvl_n_conn_types; i++) {
		const struct kvl_conn_type *type = &kvl_conn_types[i];
		char count[32];
		const char *cells[TYPE_COLUMNS] = {
			type->display_name,
			type->key_vault ? _("Key Vault or typed") :
					  _("typed only"),
			count,
		};

		snprintf(count, sizeof(count), "%zu", type->n_fields);
		tui_steps_row(app, &list, cells, false);
	}
}

static void type_leave(struct tui_app *app)
{
	(void)app;
	tui_list_clear(&list);
}

static void type_draw(struct tui_app *app, const struct tui_layout *lay)
{
	(void)app;
	tui_steps_draw_list(lay, _("Choose the type of the connection."),
			    &list, true);
}

static enum tui_outcome type_key(struct tui_app *app,
				 const struct tui_key *key)
{
	struct tui_conn_draft *draft = tui_conn_draft();
	const struct kvl_conn_type *type;
	long row;

	switch (tui_list_key(&list, key)) {
	case TUI_LIST_CHOSEN:
		break;
	case TUI_LIST_HANDLED:
		return TUI_KEY_HANDLED;
	case TUI_LIST_IGNORED:
		return TUI_KEY_IGNORED;
	}

	row = tui_list_selected(&list);
	type = &kvl_conn_types[row];
	/* Going back and choosing the same type keeps what was typed. */
	if (draft->type != type && !tui_conn_draft_add(type)) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s", _("out of memory"));
		return TUI_KEY_HANDLED;
	}
	tui_app_push(app, &tui_step_conn_name);
	return TUI_KEY_HANDLED;
}

static char *list_help(struct tui_app *app)
{
	(void)app;
	return tui_help_list_row(&list);
}

const struct tui_screen tui_step_conn_type = {
	.breadcrumb = N_("Admin > Connections > Add 1/8 Type"),
	.legend = N_("Enter choose  / filter  Esc back"),
	.help = N_("Choose the kind of data source that the connection "
		     "reaches."),
	.help_for = list_help,
	.enter = type_enter,
	.leave = type_leave,
	.draw = type_draw,
	.key = type_key,
};
