/* Add connection, step 3 (and the editor's settings): the type's fields
 * that are not credentials, as a form validated as it is filled in. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "i18n.h"
#include "tui/conn_draft.h"
#include "tui/draw.h"
#include "tui/help.h"
#include "tui/steps.h"

static void fields_draw(struct tui_app *app, const struct tui_layout *lay)
{
	struct tui_conn_draft *draft = tui_conn_draft();
	struct tui_rect r = tui_body_rect(lay, 2);
	char *title = NULL;

	(void)app;
	if (asprintf(&title, _("Settings of the %s connection"),
		     draft->type->display_name) < 0)
		title = NULL;
	tui_steps_title(lay, title ? title : _("Settings"));
	free(title);
	if (draft->fields.n == 0) {
		tui_draw_text(r.top, r.left, r.cols,
			      _("This type has no settings besides its "
				"credentials. Press Enter to go on."),
			      TUI_ROLE_NORMAL, false);
		return;
	}
	/* The last two rows: a blank one and the action. */
	r.rows -= 2;
	tui_form_draw(&draft->fields, &r);
	tui_form_draw_action(r.top + r.rows + 1, r.left, r.cols,
			     draft->mode == TUI_CONN_EDIT ? _("Done") :
							    _("Continue"),
			     tui_conn_fields_valid(draft));
}

static void submit(struct tui_app *app, struct tui_conn_draft *draft)
{
	size_t bad = tui_conn_validate_fields(draft);

	if (bad > 0) {
		draft->fields.focus = tui_form_first_error(&draft->fields);
		tui_app_status(app, TUI_ROLE_ERROR,
			       _("%zu field(s) need attention; the marked "
				 "labels say why."), bad);
		return;
	}
	tui_conn_next(app, &tui_step_conn_vault);
}

static enum tui_outcome fields_key(struct tui_app *app,
				   const struct tui_key *key)
{
	struct tui_conn_draft *draft = tui_conn_draft();
	struct tui_form *form = &draft->fields;

	if (form->n == 0) {
		if (!tui_steps_enter_key(key))
			return TUI_KEY_IGNORED;
		submit(app, draft);
		return TUI_KEY_HANDLED;
	}

	switch (tui_conn_form_key(draft, form, key,
				  tui_conn_validate_field)) {
	case TUI_FORM_IGNORED:
		return TUI_KEY_IGNORED;
	case TUI_FORM_SUBMIT:
		submit(app, draft);
		break;
	default:
		break;
	}
	return TUI_KEY_HANDLED;
}

static char *fields_help(struct tui_app *app)
{
	(void)app;
	return tui_help_form_row(&tui_conn_draft()->fields);
}

const struct tui_screen tui_step_conn_fields = {
	.breadcrumb = N_("Admin > Connections > Add 3/8 Settings"),
	.legend = N_("Tab/S-Tab field  Enter continue  Esc back"),
	.help = N_("Fill in the settings of the connection. A field marked "
		     "with ! is not valid yet and the reason is next to it; you "
		     "can go on once every field is valid."),
	.help_for = fields_help,
	.draw = fields_draw,
	.key = fields_key,
};

const struct tui_screen tui_edit_conn_fields = {
	.breadcrumb = N_("Admin > Connections > Edit > Settings"),
	.legend = N_("Tab/S-Tab field  Enter done  Esc back"),
	.help = N_("Change the settings of the connection. A field marked with "
		     "! is not valid yet and the reason is next to it."),
	.help_for = fields_help,
	.draw = fields_draw,
	.key = fields_key,
};
