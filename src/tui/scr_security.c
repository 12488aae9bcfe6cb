/* Admin > Security: the Key Vault tile, the way into the link steps, and
 * the repair of a link whose grants a check found missing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "env/notifications.h"
#include "flow/link_lock.h"
#include "flow/repair.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/confirm.h"
#include "tui/draw.h"

#define TILE_ROWS 12

/* Worker job tags, which security_done distinguishes. */
enum { JOB_RESUME, JOB_REPAIR };
/* The confirm dialog's only action. */
enum { ACTION_REPAIR = 1 };

static struct tui_confirm confirm;
/* Filled by the repair job, read by security_done once it is collected. */
static struct kvl_repair_outcome repaired;

/* Whether a stored notification reports the link's grants missing. */
static bool access_missing(const struct kvl_environment *env)
{
	json_object *list = kvl_notifications_get(env);
	size_t i, n = list != NULL ? json_object_array_length(list) : 0;

	for (i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(list, i);
		json_object *id;

		if (json_object_object_get_ex(item, "id", &id) &&
		    kvl_repair_fixes(json_object_get_string(id)))
			return true;
	}
	return false;
}

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

static void draw_tile(const struct kvl_environment *env, int top, int width)
{
	const struct kvl_vault_link *link = &env->vault;
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
		if (access_missing(env))
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
	const struct kvl_environment *env = &app->session->env;

	tui_draw_text(lay->body_top, 1, lay->cols - 2,
		      _("Secrets for connections can come from your own Azure "
			"key vault."), TUI_ROLE_NORMAL, false);
	draw_tile(env, lay->body_top + 2, lay->cols - 2);
	if (env->vault.state == KVL_LINK_LINKED && access_missing(env))
		tui_draw_text(lay->body_top + 2 + TILE_ROWS, 1, lay->cols - 2,
			      _("The last check found that Customer Insights "
				"lost access that the link gave it. Press r to "
				"grant it again."), TUI_ROLE_ERROR, false);
	tui_confirm_draw(&confirm, lay);
}

static kvl_result run_repair(struct tui_app *app, void *arg,
			     struct kvl_error *err)
{
	struct kvl_session *s = app->session;

	(void)arg;
	kvl_repair_outcome_clear(&repaired);
	return kvl_repair(&s->az, NULL, s->store, app->job.env,
			  (int64_t)time(NULL), &repaired, err);
}

static void ask_repair(struct tui_app *app)
{
	const struct kvl_vault_link *link = &app->session->env.vault;

	if (tui_app_busy(app))
		return;
	tui_confirm_open(&confirm, ACTION_REPAIR, 0, _("Repair access"),
			 _("Grant the Customer Insights service principal "
			   "again the access that the link gave it on key "
			   "vault '%s'? The prerequisites of linking are "
			   "checked first, and no other access changes. "
			   "Press y to repair, n to cancel."),
			 link->name ? link->name : "?");
}

static enum tui_outcome confirm_key(struct tui_app *app,
				    const struct tui_key *key)
{
	if (tui_confirm_key(&confirm, key) == TUI_CONFIRM_YES)
		(void)tui_app_start_env_job(app, JOB_REPAIR,
					    _("Repairing the access on the "
					      "key vault"), run_repair, NULL);
	return TUI_KEY_HANDLED;
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
	bool enter = !key->function && (key->ch == '\r' || key->ch == '\n');
	bool unlink = !key->function && (key->ch == 'u' || key->ch == 'U');
	bool repair = !key->function && (key->ch == 'r' || key->ch == 'R');

	if (confirm.open)
		return confirm_key(app, key);
	if (repair && link->state == KVL_LINK_LINKED &&
	    access_missing(&app->session->env)) {
		ask_repair(app);
		return TUI_KEY_HANDLED;
	}

	/* The wizard offers to unlink a finished link only; a pending one
	 * is finished with Enter or unlinked with `kvlink unlink`. */
	if (unlink && link->state == KVL_LINK_LINKED) {
		tui_app_push(app, &tui_screen_unlink);
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
		(void)tui_app_start_env_job(app, JOB_RESUME,
					    _("Finishing the link"), resume,
					    NULL);
		break;
	case KVL_LINK_LINKED:
		tui_app_status(app, TUI_ROLE_STATUS, "%s",
			       _("A key vault is already linked to this "
				 "environment. Press u to unlink it."));
		break;
	}
	return TUI_KEY_HANDLED;
}

static void repair_done(struct tui_app *app, kvl_result result,
			const struct kvl_error *err)
{
	const char *vault = app->session->env.vault.name;

	if (result != KVL_OK)
		tui_app_error(app, _("Could not repair the access"), err);
	else if (!repaired.repaired)
		tui_app_status(app, TUI_ROLE_STATUS, _("Nothing to repair: "
			       "Customer Insights has all the access the link "
			       "gave it on key vault %s."), vault);
	else
		tui_app_status(app, TUI_ROLE_PASSED, _("Granted again on key "
			       "vault %s: %zu grant(s). The check after it "
			       "finds %zu problem(s)."), vault,
			       repaired.n_granted,
			       kvl_health_errors(&repaired.health));
	/* The check after the repair replaced the notifications. */
	if (repaired.repaired)
		app->check_serial++;
	kvl_repair_outcome_clear(&repaired);
}

static void security_done(struct tui_app *app, int tag, kvl_result result,
			  const struct kvl_error *err)
{
	if (tag == JOB_REPAIR) {
		repair_done(app, result, err);
		return;
	}
	if (result == KVL_OK)
		tui_app_status(app, TUI_ROLE_PASSED, _("Linked key vault %s."),
			       app->session->env.vault.name);
	else
		tui_app_error(app, _("Could not finish the link"), err);
}

static void security_leave(struct tui_app *app)
{
	(void)app;
	tui_confirm_close(&confirm);
}

const struct tui_screen tui_screen_security = {
	.breadcrumb = N_("Admin > Security > Key Vault"),
	.legend = N_("Enter setup (or finish a pending link)  u unlink  "
		     "r repair access  Esc back"),
	.leave = security_leave,
	.draw = security_draw,
	.key = security_key,
	.job_done = security_done,
};
