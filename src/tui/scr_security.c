/* Admin > Security: the Key Vault tile, the way into the link steps, and
 * the repair of a link whose grants a check found missing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/link_lock.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/repair.h"
#include "tui/keys.h"

#define TILE_ROWS 12

static const char *model_name(const char *model)
{
	if (model != NULL && strcmp(model, "rbac") == 0)
		return _("Azure role-based access control");
	return _("Key Vault access policy");
}

static void draw_linked(const struct kvl_vault_link *link, int row, int col,
			int width)
{
	char *sub = NULL;
	char *when = NULL;

	if (asprintf(&sub, "%s (%s)", link->subscription_name ?
		     link->subscription_name : "?",
		     link->subscription_id ? link->subscription_id : "?") < 0)
		sub = NULL;
	if (asprintf(&when, _("%s on %s"), link->linked_by_name ?
		     link->linked_by_name : "?",
		     link->linked_at ? link->linked_at : "?") < 0)
		when = NULL;

	tui_draw_field(row++, col, width, _("Vault"), link->name);
	tui_draw_field(row++, col, width, _("Resource group"),
		       link->resource_group);
	tui_draw_field(row++, col, width, _("Subscription"), sub);
	tui_draw_field(row++, col, width, _("Permission model"),
		       model_name(link->permission_model));
	tui_draw_field(row++, col, width, _("Linked by"), when);
	tui_draw_field(row, col, width, _("Vault URI"), link->vault_uri);
	free(sub);
	free(when);
}

static void draw_tile(const struct tui_app *app, int top, int width)
{
	const struct kvl_vault_link *link = &app->session->env.vault;
	int col = 3;
	int inner = width - 4;
	int row = top + 1;

	tui_draw_box(top, 1, TILE_ROWS, width, TUI_ROLE_HEADING);
	tui_draw_text(row++, col, inner, _("Key Vault"), TUI_ROLE_HEADING,
		      false);
	row++;
	switch (link->state) {
	case KVL_LINK_LINKED:
		draw_linked(link, row, col, inner);
		tui_draw_text(row + 7, col, 16, _("[ u Unlink ]"),
			      TUI_ROLE_NORMAL, false);
		if (tui_repair_offered(app))
			tui_draw_text(row + 7, col + 16, inner - 16,
				      _("[ r Repair access ]"),
				      TUI_ROLE_SELECTED, false);
		break;
	case KVL_LINK_PENDING:
		tui_draw_text(row++, col, inner,
			      _("A link was interrupted before it was "
				"saved:"), TUI_ROLE_UNKNOWN, false);
		tui_draw_field(row++, col, inner, _("Vault"), link->name);
		row++;
		tui_draw_text(row, col, 30, _("[ Finish the link ]"),
			      TUI_ROLE_SELECTED, false);
		break;
	case KVL_LINK_NONE:
		tui_draw_text(row++, col, inner,
			      _("No key vault is linked to this "
				"environment."), TUI_ROLE_NORMAL, false);
		row++;
		tui_draw_text(row, col, 12, _("[ Setup ]"), TUI_ROLE_SELECTED,
			      false);
		break;
	}
}

static void security_draw(struct tui_app *app, const struct tui_layout *lay)
{
	tui_draw_text(lay->body_top, 1, lay->cols - 2,
		      _("Secrets for connections can come from your own Azure "
			"key vault."), TUI_ROLE_NORMAL, false);
	draw_tile(app, lay->body_top + 2, lay->cols - 2);
	if (tui_repair_offered(app))
		tui_draw_text(lay->body_top + 2 + TILE_ROWS, 1, lay->cols - 2,
			      _("The last check found that Customer Insights "
				"lost access that the link gave it. Press r to "
				"grant it again."), TUI_ROLE_ERROR, false);
	tui_repair_draw(lay);
}

static kvl_result resume(struct tui_app *app, void *arg,
			 struct kvl_error *err)
{
	struct kvl_session *s = app->session;
	int lock_fd = -1;
	kvl_result r;

	(void)arg;
	r = kvl_link_lock(s->store, &lock_fd, err);
	if (r != KVL_OK)
		return r;
	r = kvl_link_resume(&s->az, s->store, app->job.env, NULL, err);
	kvl_link_unlock(lock_fd);
	return r;
}

static enum tui_outcome security_key(struct tui_app *app,
				     const struct tui_key *key)
{
	const struct kvl_vault_link *link = &app->session->env.vault;
	bool enter = tui_key_is_enter(key);
	bool unlink = !key->function && (key->ch == 'u' || key->ch == 'U');
	bool repair = !key->function && (key->ch == 'r' || key->ch == 'R');

	if (tui_repair_key(app, key))
		return TUI_KEY_HANDLED;
	/* The wizard offers to unlink a finished link only; a pending one
	 * is finished with Enter or unlinked with `kvlink unlink`. */
	if (unlink && link->state == KVL_LINK_LINKED) {
		tui_app_push(app, &tui_screen_unlink);
		return TUI_KEY_HANDLED;
	}
	if (unlink) {
		tui_app_status(app, TUI_ROLE_STATUS, "%s",
			       link->state == KVL_LINK_NONE ?
			       _("No key vault is linked, so there is nothing "
				 "to unlink.") :
			       _("Press Enter to finish the pending link, or "
				 "remove it with 'kvlink unlink'."));
		return TUI_KEY_HANDLED;
	}
	if (repair) {
		tui_repair_ask(app);
		return TUI_KEY_HANDLED;
	}
	if (!enter)
		return TUI_KEY_IGNORED;
	switch (link->state) {
	case KVL_LINK_NONE:
		memset(&app->link, 0, sizeof(app->link));
		tui_app_push(app, &tui_step_subscription);
		break;
	case KVL_LINK_PENDING:
		(void)tui_app_start_env_job(app, 0, _("Finishing the link"),
					    resume, NULL);
		break;
	case KVL_LINK_LINKED:
		tui_app_status(app, TUI_ROLE_STATUS, "%s",
			       _("A key vault is already linked to this "
				 "environment. Press u to unlink it."));
		break;
	}
	return TUI_KEY_HANDLED;
}

static void security_done(struct tui_app *app, int tag, kvl_result result,
			  const struct kvl_error *err)
{
	if (tui_repair_done(app, tag, result, err))
		return;
	if (result == KVL_OK)
		tui_app_status(app, TUI_ROLE_PASSED, _("Linked key vault %s."),
			       app->session->env.vault.name);
	else
		tui_app_error(app, _("Could not finish the link"), err);
}

static void security_leave(struct tui_app *app)
{
	(void)app;
	tui_repair_close();
}

/* Only the keys that do something in the tile's current state. */
static const char *security_legend(const struct tui_app *app)
{
	switch (app->session->env.vault.state) {
	case KVL_LINK_NONE:
		return _("Enter setup  Esc back");
	case KVL_LINK_PENDING:
		return _("Enter finish the link  Esc back");
	case KVL_LINK_LINKED:
		break;
	}
	if (tui_repair_offered(app))
		return _("u unlink  r repair access  Esc back");
	return _("u unlink  Esc back");
}

const struct tui_screen tui_screen_security = {
	.breadcrumb = N_("Admin > Security > Key Vault"),
	.legend = N_("Enter setup (or finish a pending link)  u unlink  "
		     "r repair access  Esc back"),
	.help = N_("Shows the key vault linked to the environment. Enter "
		     "starts linking a vault, or finishes a link that was "
		     "interrupted; u removes the link; r repairs the access of "
		     "the Customer Insights service."),
	.legend_for = security_legend,
	.leave = security_leave,
	.draw = security_draw,
	.key = security_key,
	.job_done = security_done,
};
