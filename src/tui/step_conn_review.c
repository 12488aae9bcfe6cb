/* Add connection, step 8: review the connection, then seal the typed
 * credentials and save the environment. */
#include "config.h"

#include <stdlib.h>

#include "i18n.h"
#include "tui/conn_draft.h"
#include "tui/draw.h"
#include "tui/steps.h"
#include "tui/text.h"

static struct tui_text review;

static void add_settings(const struct tui_conn_draft *draft)
{
	for (size_t i = 0; i < draft->fields.n; i++) {
		const struct tui_form_row *row = &draft->fields.rows[i];

		tui_text_addf(&review, TUI_ROLE_NORMAL, "%s: %s", row->label,
			      row->field.text[0] ? row->field.text : "-");
	}
}

/* One line per credential: where it comes from, never its value. */
static void add_credentials(const struct tui_conn_draft *draft)
{
	for (size_t i = 0; i < draft->creds.n; i++) {
		const struct tui_form_row *row = &draft->creds.rows[i];

		if (draft->use_key_vault && row->choice != NULL)
			tui_text_addf(&review, TUI_ROLE_NORMAL,
				      _("%s: Key Vault secret %s"),
				      row->label, row->choice);
		else if (!draft->use_key_vault && row->secret.len > 0)
			tui_text_addf(&review, TUI_ROLE_NORMAL,
				      _("%s: typed, stored encrypted"),
				      row->label);
		else
			tui_text_addf(&review, TUI_ROLE_NORMAL,
				      _("%s: not given"), row->label);
	}
}

static void review_enter(struct tui_app *app)
{
	const struct tui_conn_draft *draft = tui_conn_draft();
	const struct kvl_identity *me = tui_app_identity(app);
	char *name = tui_conn_draft_name(draft);

	tui_text_init(&review);
	tui_text_addf(&review, TUI_ROLE_NORMAL, _("Name: %s"),
		      name ? name : "?");
	tui_text_addf(&review, TUI_ROLE_NORMAL, _("Type: %s"),
		      draft->type->display_name);
	add_settings(draft);
	tui_text_add(&review, "", TUI_ROLE_NORMAL, 0);
	if (draft->use_key_vault)
		tui_text_addf(&review, TUI_ROLE_NORMAL,
			      _("Credentials from key vault %s (this cannot "
				"be switched off later):"),
			      app->session->env.vault.name);
	add_credentials(draft);
	tui_text_add(&review, "", TUI_ROLE_NORMAL, 0);
	tui_text_addf(&review, TUI_ROLE_NORMAL, _("Who may use it: %s"),
		      tui_conn_audience_text(draft->audience));
	tui_text_addf(&review, TUI_ROLE_NORMAL,
		      _("Created by %s, who agreed to the privacy "
			"statement."),
		      me && me->name ? me->name : "?");
	tui_text_add(&review, "", TUI_ROLE_NORMAL, 0);
	tui_text_add(&review, _("Press Enter to save the connection."),
		     TUI_ROLE_HEADING, 0);
	free(name);
}

static void review_leave(struct tui_app *app)
{
	(void)app;
	tui_text_clear(&review);
}

static void review_draw(struct tui_app *app, const struct tui_layout *lay)
{
	struct tui_rect r = tui_body_rect(lay, 2);

	(void)app;
	tui_steps_title(lay, _("Review and save"));
	tui_text_draw(&review, &r);
}

static enum tui_outcome review_key(struct tui_app *app,
				   const struct tui_key *key)
{
	struct kvl_error err;
	char *name;

	if (tui_text_key(&review, key))
		return TUI_KEY_HANDLED;
	if (!tui_steps_enter_key(key))
		return TUI_KEY_IGNORED;

	kvl_error_init(&err);
	name = tui_conn_draft_name(tui_conn_draft());
	if (tui_conn_draft_save(app, &err) != KVL_OK) {
		tui_app_error(app, _("Could not save the connection"), &err);
	} else {
		tui_app_status(app, TUI_ROLE_PASSED, _("Saved connection %s."),
			       name ? name : "?");
		tui_app_pop_to(app, &tui_screen_connections);
	}
	kvl_error_clear(&err);
	free(name);
	return TUI_KEY_HANDLED;
}

const struct tui_screen tui_step_conn_review = {
	.breadcrumb = N_("Admin > Connections > Add 8/8 Review"),
	.legend = N_("Enter save  Up/Down scroll  Esc back"),
	.help = N_("Review the connection before it is saved. Enter saves it; "
		     "Esc goes back to change it."),
	.enter = review_enter,
	.leave = review_leave,
	.draw = review_draw,
	.key = review_key,
};
