/* Link step 6: review what will be granted to whom, then grant and save
 * (kvl_link_apply) in the worker. */
#include "config.h"

#include <string.h>

#include "flow/link_lock.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/steps.h"
#include "tui/text.h"

static struct tui_text review;

static void add_grants(const struct kvl_link_plan *plan)
{
	if (plan->vault.rbac) {
		tui_text_add(&review, _("Grants: two role assignments on the "
					"vault, Key Vault Reader and Key Vault "
					"Secrets User."),
			     TUI_ROLE_NORMAL, 0);
		return;
	}
	tui_text_add(&review, _("Grants: one access policy entry allowing "
				"get and list on keys, secrets and "
				"certificates."),
		     TUI_ROLE_NORMAL, 0);
}

static void save_enter(struct tui_app *app)
{
	const struct kvl_link_plan *plan = app->link.plan;
	const struct kvl_identity *me = tui_app_identity(app);

	tui_text_init(&review);
	tui_text_addf(&review, TUI_ROLE_NORMAL, _("Vault: %s"),
		      plan->vault.name);
	tui_text_addf(&review, TUI_ROLE_NORMAL, _("Resource group: %s"),
		      plan->vault.resource_group);
	tui_text_addf(&review, TUI_ROLE_NORMAL, _("Subscription: %s (%s)"),
		      plan->subscription.display_name,
		      plan->subscription.subscription_id);
	tui_text_add(&review, "", TUI_ROLE_NORMAL, 0);
	tui_text_addf(&review, TUI_ROLE_NORMAL, _("Granted to: %s (object "
						  "id %s)"),
		      plan->principal.display_name,
		      plan->principal.object_id);
	add_grants(plan);
	tui_text_add(&review, _("No permission to add, change or delete "
				"secrets, keys or certificates is granted."),
		     TUI_ROLE_NORMAL, 0);
	tui_text_add(&review, "", TUI_ROLE_NORMAL, 0);
	tui_text_addf(&review, TUI_ROLE_NORMAL,
		      _("The link is saved in environment %s as made by "
			"%s, who agreed to the privacy statement."),
		      app->session->env.display_name,
		      me && me->name ? me->name : "?");
	tui_text_add(&review, "", TUI_ROLE_NORMAL, 0);
	tui_text_add(&review, _("Press Enter to grant and save."),
		     TUI_ROLE_HEADING, 0);
}

static void save_leave(struct tui_app *app)
{
	(void)app;
	tui_text_clear(&review);
}

static void save_draw(struct tui_app *app, const struct tui_layout *lay)
{
	struct tui_rect r = tui_body_rect(lay, 2);

	(void)app;
	tui_steps_title(lay, _("Review and save"));
	tui_text_draw(&review, &r);
}

static kvl_result apply(struct tui_app *app, void *arg,
			struct kvl_error *err)
{
	struct kvl_session *s = app->session;
	int lock_fd = -1;
	kvl_result r;

	(void)arg;
	r = kvl_link_lock(s->store, &lock_fd, err);
	if (r != KVL_OK)
		return r;
	r = kvl_link_apply(&s->az, s->store, app->job.env, app->link.plan,
			   app->link.consent, NULL, err);
	kvl_link_unlock(lock_fd);
	return r;
}

static enum tui_outcome save_key(struct tui_app *app,
				 const struct tui_key *key)
{
	if (tui_text_key(&review, key))
		return TUI_KEY_HANDLED;
	if (!tui_steps_enter_key(key))
		return TUI_KEY_IGNORED;
	(void)tui_app_start_env_job(app, 0, _("Granting access and saving"),
				    apply, NULL);
	return TUI_KEY_HANDLED;
}

static void save_done(struct tui_app *app, int tag, kvl_result result,
		      const struct kvl_error *err)
{
	const struct kvl_vault_link *link = &app->session->env.vault;

	(void)tag;
	if (result == KVL_ERR_CANCELLED) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("Cancelled. Admin > Security shows whether a "
				 "link is pending."));
		return;
	}
	if (result != KVL_OK) {
		tui_app_error(app, _("Could not link the key vault"), err);
		return;
	}
	tui_app_status(app, TUI_ROLE_PASSED,
		       _("Linked key vault %s (%s, %s)."), link->name,
		       link->resource_group, link->subscription_name);
	tui_app_pop_to(app, &tui_screen_security);
}

const struct tui_screen tui_step_save = {
	.breadcrumb = N_("Admin > Security > Key Vault > 6/6 Save"),
	.legend = N_("Enter save  Up/Down scroll  Esc back"),
	.help = N_("Step 6 of 6: every change kvlink will make in Azure and in "
		     "the environment, each Azure change with the az command "
		     "that makes the same change. Nothing has changed yet: Enter "
		     "makes the changes, Esc goes back without them."),
	.enter = save_enter,
	.leave = save_leave,
	.draw = save_draw,
	.key = save_key,
	.job_done = save_done,
};
