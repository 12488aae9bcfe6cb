/*
 * Add connection, step 5 (and the editor's credentials): with Key Vault,
 * a secret name per credential field, picked from the vault's list; else
 * masked entries. Stored typed credentials are never shown again, only
 * replaced.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "i18n.h"
#include "tui/conn_draft.h"
#include "tui/draw.h"
#include "tui/help.h"
#include "tui/steps.h"

/* Rows above the form: the instruction and the type's rule. */
#define HEADER_ROWS 3

static void creds_draw(struct tui_app *app, const struct tui_layout *lay)
{
	struct tui_conn_draft *draft = tui_conn_draft();
	const struct kvl_vault_link *link = &app->session->env.vault;
	struct tui_rect r = tui_body_rect(lay, HEADER_ROWS);
	char *title = NULL;

	if (draft->use_key_vault) {
		if (asprintf(&title, _("Credentials from key vault %s. "
				       "kvlink never reads their values."),
			     link->name ? link->name : "?") < 0)
			title = NULL;
	}
	tui_steps_title(lay, title ? title :
				     _("Type the credentials: masked, stored "
				       "encrypted, never shown again."));
	free(title);
	if (draft->type->rule != NULL)
		tui_draw_text(lay->body_top + 1, 1, lay->cols - 2,
			      _(draft->type->rule), TUI_ROLE_NORMAL, false);
	/* The last two rows: a blank one and the action. */
	r.rows -= 2;
	tui_form_draw(&draft->creds, &r);
	tui_form_draw_action(r.top + r.rows + 1, r.left, r.cols,
			     draft->mode == TUI_CONN_EDIT ? _("Done") :
							    _("Continue"),
			     tui_conn_creds_valid(draft));
}

static void submit(struct tui_app *app, struct tui_conn_draft *draft)
{
	size_t bad = tui_conn_validate_creds(draft);

	if (bad > 0) {
		draft->creds.focus = tui_form_first_error(&draft->creds);
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("Some credentials need attention; the "
				 "marked labels say why."));
		return;
	}
	tui_conn_next(app, &tui_step_conn_audience);
}

static void activate(struct tui_app *app, struct tui_conn_draft *draft)
{
	struct tui_form_row *row = tui_form_focused(&draft->creds);

	if (row->kind == TUI_FORM_STORED) {
		tui_form_replace_stored(row);
		return;
	}
	draft->picking = draft->creds.focus;
	tui_app_push(app, &tui_screen_secret_picker);
}

/* Keys of the Key Vault form that have no text to go to: c continues,
 * x clears the focused choice. */
static bool choice_command(struct tui_app *app, struct tui_conn_draft *draft,
			   const struct tui_key *key)
{
	struct tui_form_row *row = tui_form_focused(&draft->creds);

	if (!draft->use_key_vault || key->function || row == NULL)
		return false;
	if (key->ch == 'c' || key->ch == 'C') {
		submit(app, draft);
		return true;
	}
	if (key->ch == 'x' || key->ch == 'X') {
		free(draft->secret_names[row->tag]);
		draft->secret_names[row->tag] = NULL;
		tui_form_set_choice(row, NULL);
		return true;
	}
	return false;
}

static enum tui_outcome creds_key(struct tui_app *app,
				  const struct tui_key *key)
{
	struct tui_conn_draft *draft = tui_conn_draft();
	struct tui_form *form = &draft->creds;

	if (choice_command(app, draft, key))
		return TUI_KEY_HANDLED;
	switch (tui_conn_form_key(draft, form, key,
				  tui_conn_validate_cred)) {
	case TUI_FORM_IGNORED:
		return TUI_KEY_IGNORED;
	case TUI_FORM_SUBMIT:
		submit(app, draft);
		break;
	case TUI_FORM_ACTIVATE:
		activate(app, draft);
		break;
	default:
		break;
	}
	return TUI_KEY_HANDLED;
}

static char *creds_help(struct tui_app *app)
{
	(void)app;
	return tui_help_form_row(&tui_conn_draft()->creds);
}

const struct tui_screen tui_step_conn_creds = {
	.breadcrumb = N_("Admin > Connections > Add 5/8 Credentials"),
	.legend = N_("Tab field  Enter pick  c continue  x clear (Key Vault)  "
		     "Esc back"),
	.help = N_("Type the credentials of the connection, or pick the Key "
		     "Vault secrets that hold them. Typed credentials are stored "
		     "encrypted and never shown."),
	.help_for = creds_help,
	.draw = creds_draw,
	.key = creds_key,
};

const struct tui_screen tui_edit_conn_creds = {
	.breadcrumb = N_("Admin > Connections > Edit > Credentials"),
	.legend = N_("Tab field  Enter pick  c done  x clear (vault)  "
		     "r replace  Esc back"),
	.help = N_("Change the credentials of the connection, or the Key Vault "
		     "secrets that hold them. r replaces a stored credential."),
	.help_for = creds_help,
	.draw = creds_draw,
	.key = creds_key,
};
