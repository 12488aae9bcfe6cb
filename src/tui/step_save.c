/* Link step 6: a review of each change the link makes in Azure, with the
 * az commands that make the same changes, and of what the environment
 * records. Enter then grants and saves (kvl_link_apply) in the worker. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "flow/link.h"
#include "flow/link_lock.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/steps.h"
#include "tui/text.h"

static struct tui_text review;

/* The grants, each in words, then the az commands that make them. */
static void add_azure_changes(const struct kvl_link_plan *plan)
{
	const char *who = plan->principal.display_name;
	const char *id = plan->principal.object_id;
	char *commands = kvl_link_az_commands(plan);
	char *save = NULL;

	tui_text_add(&review, _("Changes in Azure:"), TUI_ROLE_HEADING, 0);
	if (plan->vault.rbac) {
		tui_text_addf(&review, TUI_ROLE_NORMAL,
			      _("- assign the role Key Vault Reader to %s "
				"(object id %s) on vault %s"),
			      who, id, plan->vault.name);
		tui_text_addf(&review, TUI_ROLE_NORMAL,
			      _("- assign the role Key Vault Secrets User to %s "
				"(object id %s) on vault %s"),
			      who, id, plan->vault.name);
	} else {
		tui_text_addf(&review, TUI_ROLE_NORMAL,
			      _("- add an access policy entry allowing get and "
				"list on keys, secrets and certificates for %s "
				"(object id %s) on vault %s"),
			      who, id, plan->vault.name);
	}
	tui_text_add(&review, _("No permission to add, change or delete "
				"secrets, keys or certificates is granted."),
		     TUI_ROLE_NORMAL, 0);
	tui_text_add(&review, _("The same changes with the Azure CLI:"),
		     TUI_ROLE_HEADING, 0);
	if (commands == NULL) {
		tui_text_add(&review, _("out of memory"), TUI_ROLE_ERROR, 2);
		return;
	}
	/* One paragraph per command, without the final newline. */
	for (char *line = strtok_r(commands, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		tui_text_add(&review, line, TUI_ROLE_NORMAL, 2);
	free(commands);
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
	add_azure_changes(plan);
	tui_text_add(&review, "", TUI_ROLE_NORMAL, 0);
	tui_text_addf(&review, TUI_ROLE_HEADING,
		      _("Recorded in environment %s:"),
		      app->session->env.display_name);
	tui_text_addf(&review, TUI_ROLE_NORMAL,
		      _("- the vault, its resource group and subscription, "
			"and the grants above, so that unlinking can undo "
			"them"));
	tui_text_addf(&review, TUI_ROLE_NORMAL,
		      _("- that %s made the link and agreed to the privacy "
			"statement, with the time"),
		      me && me->name ? me->name : "?");
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
	tui_steps_title(lay, _("Nothing has changed yet. Press Enter to "
			       "grant and save."));
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
