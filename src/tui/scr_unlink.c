/* Admin > Security > Unlink: what unlinking removes and which connections
 * stop working, then the vault's name typed as confirmation, then the
 * removal (kvl_unlink) in the worker. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flow/unlink.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/field.h"
#include "tui/steps.h"
#include "tui/text.h"

#define LABEL_COLS 16

static struct tui_text preview;
static struct tui_field typed;
/* The name confirmed with Enter, read by the worker. */
static char confirmed[TUI_FIELD_MAX];

static void add_connections(struct tui_app *app)
{
	char **names = NULL;
	struct kvl_error err;
	size_t i, n = 0;

	kvl_error_init(&err);
	if (kvl_unlink_affected(&app->session->env, &names, &n, &err) !=
	    KVL_OK) {
		tui_text_add(&preview, _("The connections that use the vault "
					 "could not be listed (out of "
					 "memory)."), TUI_ROLE_ERROR, 0);
		kvl_error_clear(&err);
		return;
	}
	if (n == 0)
		tui_text_add(&preview, _("No connection uses the key vault."),
			     TUI_ROLE_NORMAL, 0);
	else
		tui_text_add(&preview, _("These connections use the key "
					 "vault. They stay but stop working:"),
			     TUI_ROLE_UNKNOWN, 0);
	for (i = 0; i < n; i++)
		tui_text_add(&preview, names[i], TUI_ROLE_NORMAL, 2);
	kvl_unlink_names_free(names, n);
}

static void unlink_enter(struct tui_app *app)
{
	const struct kvl_vault_link *link = &app->session->env.vault;
	char *plan = kvl_unlink_describe(link);

	tui_text_init(&preview);
	tui_field_init(&typed, 0);
	confirmed[0] = '\0';
	tui_text_addf(&preview, TUI_ROLE_NORMAL, _("Vault: %s (resource "
						   "group %s)"),
		      link->name, link->resource_group);
	tui_text_add(&preview, "", TUI_ROLE_NORMAL, 0);
	add_connections(app);
	tui_text_add(&preview, "", TUI_ROLE_NORMAL, 0);
	tui_text_add(&preview, _("Unlinking will:"), TUI_ROLE_NORMAL, 0);
	tui_text_add(&preview, plan != NULL ? plan : "?", TUI_ROLE_NORMAL, 2);
	tui_text_add(&preview, _("No other access policy entry or role "
				 "assignment is changed."),
		     TUI_ROLE_NORMAL, 0);
	free(plan);
}

static void unlink_leave(struct tui_app *app)
{
	(void)app;
	tui_text_clear(&preview);
}

static void unlink_draw(struct tui_app *app, const struct tui_layout *lay)
{
	struct tui_rect r = tui_body_rect(lay, 2);
	int row = lay->body_top + lay->body_rows - 2;

	(void)app;
	tui_steps_title(lay, _("Unlink the key vault"));
	r.rows -= 3;
	tui_text_draw(&preview, &r);
	tui_draw_text(row - 1, 1, lay->cols - 2,
		      _("Type the vault's name and press Enter to unlink:"),
		      TUI_ROLE_HEADING, false);
	tui_draw_text(row, 1, LABEL_COLS, _("Vault name:"),
		      TUI_ROLE_HEADING, false);
	tui_field_draw(&typed, row, LABEL_COLS + 2,
		       lay->cols - LABEL_COLS - 3, true);
}

static kvl_result run_unlink(struct tui_app *app, void *arg,
			     struct kvl_error *err)
{
	struct kvl_session *s = app->session;

	(void)arg;
	return kvl_unlink(&s->az, s->store, app->job.env, confirmed, err);
}

static enum tui_outcome unlink_key(struct tui_app *app,
				   const struct tui_key *key)
{
	const char *vault = app->session->env.vault.name;

	if (key->function && tui_text_key(&preview, key))
		return TUI_KEY_HANDLED;
	if (!tui_steps_enter_key(key))
		return tui_field_key(&typed, key) ? TUI_KEY_HANDLED :
						    TUI_KEY_IGNORED;
	if (tui_app_busy(app))
		return TUI_KEY_HANDLED;
	if (vault == NULL || strcasecmp(typed.text, vault) != 0) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("The name typed is not the linked vault's "
				 "name. Type it exactly to unlink."));
		return TUI_KEY_HANDLED;
	}
	memcpy(confirmed, typed.text, sizeof(confirmed));
	(void)tui_app_start_env_job(app, 0, _("Unlinking the key vault"),
				    run_unlink, NULL);
	return TUI_KEY_HANDLED;
}

static void unlink_done(struct tui_app *app, int tag, kvl_result result,
			const struct kvl_error *err)
{
	(void)tag;
	if (result != KVL_OK) {
		tui_app_error(app, _("Could not unlink the key vault"), err);
		return;
	}
	tui_app_status(app, TUI_ROLE_PASSED, _("Unlinked key vault %s."),
		       confirmed);
	tui_app_pop_to(app, &tui_screen_security);
}

const struct tui_screen tui_screen_unlink = {
	.breadcrumb = N_("Admin > Security > Key Vault > Unlink"),
	.legend = N_("Enter unlink  Up/Down scroll  Ctrl-U clear  Esc back"),
	.help = N_("Removes the link to the key vault and the access that "
		     "kvlink granted on it. Type the vault's name to confirm, "
		     "then press Enter."),
	.enter = unlink_enter,
	.leave = unlink_leave,
	.draw = unlink_draw,
	.key = unlink_key,
	.job_done = unlink_done,
};
