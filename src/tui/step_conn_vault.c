/* Add connection, step 4: the Use Key Vault toggle, offered only when a
 * vault is linked and the type supports it. */
#include "config.h"

#include "i18n.h"
#include "tui/conn_draft.h"
#include "tui/draw.h"
#include "tui/steps.h"
#include "tui/text.h"
#include "tui/keys.h"

static struct tui_text about;

static void vault_enter(struct tui_app *app)
{
	const struct kvl_vault_link *link = &app->session->env.vault;

	tui_text_init(&about);
	tui_text_addf(&about, TUI_ROLE_NORMAL,
		      _("With Key Vault on, each credential is the name of a "
			"secret in the linked key vault %s, picked from a "
			"list. No credential is typed, and kvlink never "
			"reads the secret values."),
		      link->name ? link->name : "?");
	tui_text_add(&about, "", TUI_ROLE_NORMAL, 0);
	tui_text_add(&about, _("A connection saved with Key Vault can never "
			       "be switched back to typed credentials."),
		     TUI_ROLE_HEADING, 0);
	tui_text_add(&about, "", TUI_ROLE_NORMAL, 0);
	tui_text_add(&about, _("With Key Vault off, you type each credential; "
			       "it is stored encrypted and never shown "
			       "again."),
		     TUI_ROLE_NORMAL, 0);
}

static void vault_leave(struct tui_app *app)
{
	(void)app;
	tui_text_clear(&about);
}

/* The reason the toggle is not offered, wrapped under it. */
static void draw_why(const char *why, int row, int cols)
{
	char **lines = NULL;
	size_t n = tui_wrap(why, cols - 6, &lines);

	for (size_t i = 0; i < n; i++)
		tui_draw_text(row + (int)i, 5, cols - 6, lines[i],
			      TUI_ROLE_NORMAL, false);
	tui_lines_free(lines, n);
}

static void vault_draw(struct tui_app *app, const struct tui_layout *lay)
{
	struct tui_conn_draft *draft = tui_conn_draft();
	struct tui_rect r = tui_body_rect(lay, 4);
	const char *why = NULL;
	int row = lay->body_top + 2;

	tui_steps_title(lay, _("Where do the credentials come from?"));
	if (!tui_conn_key_vault_offered(app, draft, &why)) {
		tui_draw_text(row, 1, lay->cols - 2,
			      _("[ ] Use Key Vault"), TUI_ROLE_DISABLED,
			      false);
		draw_why(why, row + 1, lay->cols);
		return;
	}
	tui_draw_text(row, 1, lay->cols - 2,
		      draft->use_key_vault ?
			      _("[x] Use Key Vault (Space toggles)") :
			      _("[ ] Use Key Vault (Space toggles)"),
		      TUI_ROLE_SELECTED, false);
	tui_text_draw(&about, &r);
}

static enum tui_outcome vault_key(struct tui_app *app,
				  const struct tui_key *key)
{
	struct tui_conn_draft *draft = tui_conn_draft();
	const char *why = NULL;
	bool offered = tui_conn_key_vault_offered(app, draft, &why);

	if (tui_key_is_space(key)) {
		if (!offered) {
			tui_app_status(app, TUI_ROLE_ERROR, "%s", why);
			return TUI_KEY_HANDLED;
		}
		draft->use_key_vault = !draft->use_key_vault;
		if (!tui_conn_draft_build_creds(draft))
			tui_app_status(app, TUI_ROLE_ERROR, "%s",
				       _("out of memory"));
		return TUI_KEY_HANDLED;
	}
	if (tui_text_key(&about, key))
		return TUI_KEY_HANDLED;
	if (!tui_steps_enter_key(key))
		return TUI_KEY_IGNORED;
	if (!offered && draft->use_key_vault) {
		draft->use_key_vault = false;
		(void)tui_conn_draft_build_creds(draft);
	}
	tui_conn_next(app, &tui_step_conn_creds);
	return TUI_KEY_HANDLED;
}

const struct tui_screen tui_step_conn_vault = {
	.breadcrumb = N_("Admin > Connections > Add 4/8 Key Vault"),
	.legend = N_("Space toggle  Enter continue  Esc back"),
	.help = N_("Choose whether the connection takes its credentials from "
		     "secrets in the linked key vault. Space toggles."),
	.enter = vault_enter,
	.leave = vault_leave,
	.draw = vault_draw,
	.key = vault_key,
};
