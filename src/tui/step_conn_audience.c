/* Add connection, step 6 (and the editor's audience): who may use the
 * connection in exports. */
#include "config.h"

#include "i18n.h"
#include "tui/conn_draft.h"
#include "tui/help.h"
#include "tui/list.h"
#include "tui/steps.h"

static struct tui_list list;

static void audience_enter(struct tui_app *app)
{
	struct tui_conn_draft *draft = tui_conn_draft();

	tui_list_init(&list);
	/* Rows in the order of enum kvl_conn_audience. */
	if (!tui_list_add(&list, _("Administrators only"), false) ||
	    !tui_list_add(&list, _("Administrators and contributors"),
			  false))
		tui_app_status(app, TUI_ROLE_ERROR, "%s", _("out of memory"));
	list.cursor = draft->audience == KVL_AUDIENCE_ADMINS_AND_CONTRIBUTORS ?
			      1 : 0;
}

static void audience_leave(struct tui_app *app)
{
	(void)app;
	tui_list_clear(&list);
}

static void audience_draw(struct tui_app *app, const struct tui_layout *lay)
{
	(void)app;
	tui_steps_draw_list(lay, _("Who may use this connection in exports?"),
			    &list, true);
}

static enum tui_outcome audience_key(struct tui_app *app,
				     const struct tui_key *key)
{
	struct tui_conn_draft *draft = tui_conn_draft();

	switch (tui_list_key(&list, key)) {
	case TUI_LIST_CHOSEN:
		break;
	case TUI_LIST_HANDLED:
		return TUI_KEY_HANDLED;
	case TUI_LIST_IGNORED:
		return TUI_KEY_IGNORED;
	}
	draft->audience = tui_list_selected(&list) == 1 ?
				  KVL_AUDIENCE_ADMINS_AND_CONTRIBUTORS :
				  KVL_AUDIENCE_ADMINS;
	tui_conn_next(app, &tui_step_conn_privacy);
	return TUI_KEY_HANDLED;
}

static char *list_help(struct tui_app *app)
{
	(void)app;
	return tui_help_list_row(&list);
}

const struct tui_screen tui_step_conn_audience = {
	.breadcrumb = N_("Admin > Connections > Add 6/8 Who may use"),
	.legend = N_("Up/Down move  Enter choose  Esc back"),
	.help = N_("Choose who may use the connection in exports."),
	.help_for = list_help,
	.enter = audience_enter,
	.leave = audience_leave,
	.draw = audience_draw,
	.key = audience_key,
};

const struct tui_screen tui_edit_conn_audience = {
	.breadcrumb = N_("Admin > Connections > Edit > Who may use"),
	.legend = N_("Up/Down move  Enter choose  Esc back"),
	.help = N_("Choose who may use the connection in exports."),
	.help_for = list_help,
	.enter = audience_enter,
	.leave = audience_leave,
	.draw = audience_draw,
	.key = audience_key,
};
