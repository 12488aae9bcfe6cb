/* The wizard's repair of a link; see repair.h. */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "env/notifications.h"
#include "flow/repair.h"
#include "flow/secret_reader.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/confirm.h"
#include "tui/repair.h"

/* The confirm dialog's only action. */
enum { ACTION_REPAIR = 1 };

static struct tui_confirm confirm;
/* Filled by the job, read by tui_repair_done once it is collected. */
static struct kvl_repair_outcome outcome;

bool tui_repair_offered(const struct tui_app *app)
{
	const struct kvl_environment *env = &app->session->env;
	json_object *list = kvl_notifications_get(env);
	size_t i, n = list != NULL ? json_object_array_length(list) : 0;

	if (!app->session->env_loaded || env->vault.state != KVL_LINK_LINKED)
		return false;
	for (i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(list, i);
		json_object *id;

		if (json_object_object_get_ex(item, "id", &id) &&
		    kvl_repair_fixes(json_object_get_string(id)))
			return true;
	}
	return false;
}

void tui_repair_ask(struct tui_app *app)
{
	const char *vault = app->session->env.vault.name;

	if (app->session->env.vault.state != KVL_LINK_LINKED) {
		tui_app_status(app, TUI_ROLE_STATUS, "%s",
			       _("No key vault is linked, so there is nothing "
				 "to repair."));
		return;
	}
	if (!tui_repair_offered(app)) {
		tui_app_status(app, TUI_ROLE_STATUS, "%s",
			       _("Nothing to repair: no notification reports "
				 "missing access on the linked key vault."));
		return;
	}
	if (tui_app_busy(app))
		return;
	tui_confirm_open(&confirm, ACTION_REPAIR, 0, _("Repair access"),
			 _("Grant the Customer Insights service principal "
			   "again the access that the link gave it on key "
			   "vault '%s'? The prerequisites of linking are "
			   "checked first, and no other access changes. "
			   "Press y to repair, n to cancel."),
			 vault != NULL ? vault : "?");
}

/*
 * Runs in the worker, on the job's copy of the environment. Secret values
 * are read by the same reader as the background check and `kvlink
 * repair`: the service identity when there is one, else the signed-in
 * user.
 */
static kvl_result run_repair(struct tui_app *app, void *arg,
			     struct kvl_error *err)
{
	struct kvl_session *s = app->session;
	struct kvl_secret_reader reader = { 0 };
	kvl_result r;

	(void)arg;
	kvl_repair_outcome_clear(&outcome);
	r = kvl_secret_reader_open(&s->az, kvl_envstore_dir(s->store),
				   app->job.env, &reader, err);
	if (r == KVL_OK)
		r = kvl_repair(&s->az, &reader.health, s->store, app->job.env,
			       (int64_t)time(NULL), &outcome, err);
	kvl_secret_reader_close(&reader);
	return r;
}

bool tui_repair_key(struct tui_app *app, const struct tui_key *key)
{
	if (!confirm.open)
		return false;
	if (tui_confirm_key(&confirm, key) == TUI_CONFIRM_YES)
		(void)tui_app_start_env_job(app, TUI_REPAIR_JOB,
					    _("Repairing the access on the "
					      "key vault"), run_repair, NULL);
	return true;
}

void tui_repair_draw(const struct tui_layout *layout)
{
	tui_confirm_draw(&confirm, layout);
}

void tui_repair_close(void)
{
	tui_confirm_close(&confirm);
}

bool tui_repair_done(struct tui_app *app, int tag, kvl_result result,
		     const struct kvl_error *err)
{
	const char *vault = app->session->env.vault.name;

	if (tag != TUI_REPAIR_JOB)
		return false;
	if (result != KVL_OK)
		tui_app_error(app, _("Could not repair the access"), err);
	else if (!outcome.repaired && kvl_health_errors(&outcome.health) > 0)
		tui_app_status(app, TUI_ROLE_ERROR, _("Nothing to repair on "
			       "key vault %s, but the check finds %zu other "
			       "problem(s); see Notifications."), vault,
			       kvl_health_errors(&outcome.health));
	else if (!outcome.repaired)
		tui_app_status(app, TUI_ROLE_STATUS, _("Nothing to repair: "
			       "Customer Insights has all the access the link "
			       "gave it on key vault %s."), vault);
	else
		tui_app_status(app, TUI_ROLE_PASSED, _("Granted again on key "
			       "vault %s: %zu grant(s). The check after it "
			       "finds %zu problem(s)."), vault,
			       outcome.n_granted,
			       kvl_health_errors(&outcome.health));
	/* The check after a repair replaced the notifications. */
	if (outcome.repaired)
		app->check_serial++;
	kvl_repair_outcome_clear(&outcome);
	return true;
}
