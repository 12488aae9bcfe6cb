/* Link step 4: the prerequisite checks (kvl_link_plan). The flow cannot
 * continue while a check failed or is unknown. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph.h"
#include "flow/advice.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/steps.h"
#include "tui/text.h"

static struct {
	struct kvl_link_plan plan;
	bool loaded;
	bool ready;
	struct tui_text text;
} st;

static kvl_result make_plan(struct tui_app *app, void *arg,
			    struct kvl_error *err)
{
	const struct tui_link_choice *c = &app->link;

	(void)arg;
	return kvl_link_plan(&app->session->az, &app->session->env,
			     c->subscription->subscription_id,
			     c->vault->resource_group, c->vault->name, NULL,
			     &st.plan, err);
}

static void load(struct tui_app *app)
{
	kvl_link_plan_clear(&st.plan);
	memset(&st.plan, 0, sizeof(st.plan));
	tui_text_clear(&st.text);
	st.loaded = false;
	st.ready = false;
	app->link.plan = NULL;
	(void)tui_app_start_job(app, 0, _("Checking prerequisites"),
				make_plan, NULL);
}

static void checks_enter(struct tui_app *app)
{
	memset(&st, 0, sizeof(st));
	tui_text_init(&st.text);
	load(app);
}

static void checks_leave(struct tui_app *app)
{
	app->link.plan = NULL;
	kvl_link_plan_clear(&st.plan);
	tui_text_clear(&st.text);
	memset(&st, 0, sizeof(st));
}

static void add_check(const struct kvl_check *check)
{
	static const enum tui_role roles[] = {
		[KVL_CHECK_PASSED] = TUI_ROLE_PASSED,
		[KVL_CHECK_FAILED] = TUI_ROLE_FAILED,
		[KVL_CHECK_UNKNOWN] = TUI_ROLE_UNKNOWN,
	};
	const char *label = check->state == KVL_CHECK_PASSED ? _("passed") :
			    check->state == KVL_CHECK_FAILED ? _("FAILED") :
							       _("unknown");

	tui_text_addf(&st.text, roles[check->state], "[%s] %s", label,
		      kvl_check_title(check->id));
	if (check->reason != NULL)
		tui_text_add(&st.text, check->reason, TUI_ROLE_NORMAL, 4);
	if (check->fix != NULL) {
		char *fix = NULL;

		if (asprintf(&fix, _("Fix: %s"), check->fix) >= 0)
			tui_text_add(&st.text, fix, TUI_ROLE_NORMAL, 4);
		free(fix);
	}
}

static void add_principal(const struct kvl_link_plan *plan)
{
	if (plan->principal_found) {
		char *detail = NULL;

		tui_text_add(&st.text, _("[passed] Customer Insights service "
					 "principal found"),
			     TUI_ROLE_PASSED, 0);
		if (asprintf(&detail, _("Object id %s"),
			     plan->principal.object_id) >= 0)
			tui_text_add(&st.text, detail, TUI_ROLE_NORMAL, 4);
		free(detail);
		return;
	}
	tui_text_add(&st.text, _("[FAILED] Customer Insights service "
				 "principal not found in the tenant"),
		     TUI_ROLE_FAILED, 0);
	tui_text_addf(&st.text, TUI_ROLE_NORMAL,
		      _("    Fix: a tenant administrator runs: az ad sp "
			"create --id %s"), KVL_CI_APP_ID);
}

/* Recommendations do not block the link, so they get no state word. */
static void add_advice(const struct kvl_link_plan *plan)
{
	struct kvl_advice advice;

	kvl_advice_collect(plan, &advice);
	if (advice.n > 0) {
		tui_text_add(&st.text, "", TUI_ROLE_NORMAL, 0);
		tui_text_add(&st.text, _("Recommendations (they do not block "
					 "the link):"), TUI_ROLE_HEADING, 0);
	}
	for (size_t i = 0; i < advice.n; i++)
		tui_text_add(&st.text, advice.items[i].text, TUI_ROLE_NORMAL,
			     2);
	kvl_advice_clear(&advice);
}

/* The verdict comes first, so that it shows on an 80x24 screen however
 * long the checks, recommendations and manual steps below it are. */
static void build_text(struct tui_app *app)
{
	const struct kvl_vault *v = app->link.vault;

	tui_text_addf(&st.text, TUI_ROLE_HEADING, _("Vault %s in %s, %s"),
		      v->name, v->resource_group,
		      app->link.subscription->display_name);
	if (st.ready)
		tui_text_add(&st.text, _("All checks passed. Press Enter to "
					 "continue."), TUI_ROLE_PASSED, 0);
	else
		tui_text_add(&st.text, _("Cannot continue: fix what failed, "
					 "then press r to check again."),
			     TUI_ROLE_FAILED, 0);
	tui_text_add(&st.text, "", TUI_ROLE_NORMAL, 0);

	for (size_t i = 0; i < KVL_CHECK_COUNT; i++)
		add_check(&st.plan.checks[i]);
	add_principal(&st.plan);
	add_advice(&st.plan);
	if (st.plan.manual_steps != NULL) {
		tui_text_add(&st.text, "", TUI_ROLE_NORMAL, 0);
		tui_text_add(&st.text, _("Manual steps for an administrator:"),
			     TUI_ROLE_HEADING, 0);
		/* Not indented, so that the commands copy as they are. */
		tui_text_add(&st.text, st.plan.manual_steps, TUI_ROLE_NORMAL,
			     0);
	}
}

static void checks_done(struct tui_app *app, int tag, kvl_result result,
			const struct kvl_error *err)
{
	(void)tag;
	if (result != KVL_OK) {
		tui_steps_failed(app, _("Could not check the prerequisites"),
				 result, err);
		return;
	}
	st.loaded = true;
	st.ready = kvl_link_plan_ready(&st.plan);
	build_text(app);
	if (!st.ready)
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("A prerequisite is not met; the link cannot "
				 "continue."));
}

static void checks_draw(struct tui_app *app, const struct tui_layout *lay)
{
	struct tui_rect r = tui_body_rect(lay, 2);

	(void)app;
	tui_steps_title(lay, _("Prerequisite checks"));
	if (st.loaded)
		tui_text_draw(&st.text, &r);
}

static enum tui_outcome checks_key(struct tui_app *app,
				   const struct tui_key *key)
{
	if (tui_steps_retry_key(key)) {
		load(app);
		return TUI_KEY_HANDLED;
	}
	if (!st.loaded)
		return TUI_KEY_IGNORED;
	if (tui_text_key(&st.text, key))
		return TUI_KEY_HANDLED;
	if (!tui_steps_enter_key(key))
		return TUI_KEY_IGNORED;

	if (!st.ready) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("Cannot continue while a check failed; fix "
				 "it and press r, or Esc to choose another "
				 "vault."));
		return TUI_KEY_HANDLED;
	}
	app->link.plan = &st.plan;
	tui_app_push(app, &tui_step_privacy);
	return TUI_KEY_HANDLED;
}

const struct tui_screen tui_step_checks = {
	.breadcrumb = N_("Admin > Security > Key Vault > 4/6 Checks"),
	.legend = N_("Enter continue  r check again  Up/Down scroll  "
		     "Esc back"),
	.help = N_("Step 4 of 6: kvlink checks the vault and your permissions "
		     "before it changes anything. Nothing is changed in Azure on "
		     "this step."),
	.enter = checks_enter,
	.leave = checks_leave,
	.draw = checks_draw,
	.key = checks_key,
	.job_done = checks_done,
};
