/* The health check as a background job; see check.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "env/notifications.h"
#include "flow/health_run.h"
#include "flow/secret_reader.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/check.h"

/*
 * Runs in the worker. Secret values are read as the environment's service
 * identity when it has one, else as the signed-in user, as in `kvlink
 * check`.
 */
static kvl_result run_check(struct tui_app *app, void *arg,
			    struct kvl_error *err)
{
	struct kvl_session *s = app->session;
	struct kvl_secret_reader reader = { 0 };
	struct kvl_health health = { 0 };
	kvl_result r;

	(void)arg;
	r = kvl_secret_reader_open(&s->az, kvl_envstore_dir(s->store),
				   app->job.env, &reader, err);
	if (r == KVL_OK)
		r = kvl_health_run(&s->az, &reader.health, s->store,
				   app->job.env, &health, err);
	kvl_health_clear(&health);
	kvl_secret_reader_close(&reader);
	return r;
}

static void check_done(struct tui_app *app, kvl_result result,
		       const struct kvl_error *err)
{
	char *text;

	app->check_serial++;
	if (result == KVL_OK) {
		kvl_log("wizard: health check stored %zu notification(s)",
			kvl_notifications_count(&app->session->env));
		return;
	}
	if (result == KVL_ERR_CANCELLED) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("Health check stopped. Press r on "
				 "Notifications to run it again."));
		return;
	}
	/* One line on the status line, not a dialog, because the user did
	 * not request the check at start and may be busy elsewhere. */
	text = kvl_error_format(err);
	kvl_log("wizard: health check failed: %s (%s)", text ? text : "?",
		kvl_result_name(result));
	tui_app_status(app, TUI_ROLE_ERROR, _("Health check failed: %s"),
		       text ? text : _("out of memory"));
	free(text);
}

/* The reason the check cannot run now, or NULL when it can. */
static const char *why_not(const struct tui_app *app)
{
	const struct kvl_session *s = app->session;

	if (!s->env_loaded || s->env.vault.state != KVL_LINK_LINKED)
		return _("No key vault is linked, so there is nothing to "
			 "check.");
	if (tui_app_identity(app) == NULL)
		return _("Sign in to run the health check.");
	if (app->job.running)
		return _("Wait for the current operation to finish, then "
			 "press r again.");
	return NULL;
}

bool tui_check_start(struct tui_app *app, bool asked)
{
	const char *reason = why_not(app);

	if (reason == NULL &&
	    tui_app_start_background_job(app, _("Checking the key vault"),
					 run_check, check_done))
		return true;
	if (asked && reason != NULL)
		tui_app_status(app, TUI_ROLE_ERROR, "%s", reason);
	return false;
}

void tui_check_start_once(struct tui_app *app)
{
	if (app->check_tried)
		return;
	app->check_tried = true;
	(void)tui_check_start(app, false);
}

bool tui_check_running(const struct tui_app *app)
{
	return tui_app_background(app);
}
