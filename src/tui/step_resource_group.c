/* Link step 2: optionally narrow the vault list to one resource group. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/help.h"
#include "tui/list.h"
#include "tui/steps.h"

static struct {
	/* The groups shown, owned by the session's cache. */
	struct kvl_resource_group *groups;
	size_t n;
	/* The running job's result, until the cache takes it over. */
	struct kvl_resource_group *fetched;
	size_t n_fetched;
	struct tui_list list;	/* row 0 is "All resource groups" */
	bool loaded;
} st;

static kvl_result list_groups(struct tui_app *app, void *arg,
			      struct kvl_error *err)
{
	const struct kvl_subscription *sub = arg;

	return kvl_arm_list_resource_groups(&app->session->az,
					    sub->subscription_id, &st.fetched,
					    &st.n_fetched, err);
}

static void free_fetched(void)
{
	kvl_resource_groups_free(st.fetched, st.n_fetched);
	st.fetched = NULL;
	st.n_fetched = 0;
}

static void fill(struct tui_app *app,
		 const struct kvl_listcache_groups *cached);

/* Shows the subscription's groups listed earlier in the session, or
 * lists them. */
static void load(struct tui_app *app)
{
	const struct kvl_listcache_groups *cached = kvl_listcache_groups(
		&app->lists, app->link.subscription->subscription_id);

	st.groups = NULL;
	st.n = 0;
	st.loaded = false;
	tui_list_clear(&st.list);
	free_fetched();
	if (cached != NULL) {
		fill(app, cached);
		return;
	}
	(void)tui_app_start_job(app, 0, _("Listing resource groups"),
				list_groups,
				(void *)app->link.subscription);
}

/* r: drops the session's groups of the subscription and lists them
 * again. */
static void reload(struct tui_app *app)
{
	kvl_listcache_drop_groups(&app->lists,
				  app->link.subscription->subscription_id);
	load(app);
}

static void rg_enter(struct tui_app *app)
{
	memset(&st, 0, sizeof(st));
	tui_list_init(&st.list);
	app->link.resource_group = NULL;
	load(app);
}

static void rg_leave(struct tui_app *app)
{
	(void)app;
	free_fetched();
	tui_list_clear(&st.list);
	memset(&st, 0, sizeof(st));
}

static void fill(struct tui_app *app,
		 const struct kvl_listcache_groups *cached)
{
	static const int minimum[] = { 20, 10 };
	const char *head[2] = { _("Resource group"), _("Region") };
	const char *all[2] = { _("All resource groups"), "" };

	st.groups = cached->groups;
	st.n = cached->n;
	tui_steps_columns(app, &st.list, head, minimum, 2);
	tui_steps_row(app, &st.list, all, false);
	for (size_t i = 0; i < st.n; i++) {
		const char *cells[2] = { st.groups[i].name,
					 st.groups[i].location };

		tui_steps_row(app, &st.list, cells, false);
	}
	st.loaded = true;
}

static void rg_done(struct tui_app *app, int tag, kvl_result result,
		    const struct kvl_error *err)
{
	const char *sub = app->link.subscription->subscription_id;

	(void)tag;
	if (result != KVL_OK) {
		free_fetched();
		tui_steps_failed(app, _("Could not list resource groups"),
				 result, err);
		return;
	}
	if (!kvl_listcache_put_groups(&app->lists, sub, st.fetched,
				      st.n_fetched)) {
		free_fetched();
		tui_app_status(app, TUI_ROLE_ERROR, "%s", _("out of memory"));
		return;
	}
	st.fetched = NULL;
	st.n_fetched = 0;
	fill(app, app->lists.groups[app->lists.n_groups - 1]);
}

static void rg_draw(struct tui_app *app, const struct tui_layout *lay)
{
	(void)app;
	tui_steps_draw_list(lay, _("Optionally limit the vault list to one "
				   "resource group."),
			    &st.list, st.loaded);
}

static enum tui_outcome rg_key(struct tui_app *app,
			       const struct tui_key *key)
{
	enum tui_outcome outcome;
	long row;

	if (!tui_steps_list_key(app, &st.list, st.loaded, key, reload,
				&outcome))
		return outcome;

	row = tui_list_selected(&st.list);
	app->link.resource_group = row > 0 ? st.groups[row - 1].name : NULL;
	tui_app_push(app, &tui_step_vault);
	return TUI_KEY_HANDLED;
}

static char *list_help(struct tui_app *app)
{
	(void)app;
	return tui_help_list_row(&st.list);
}

const struct tui_screen tui_step_resource_group = {
	.breadcrumb = N_("Admin > Security > Key Vault > 2/6 Resource group"),
	.legend = N_("Enter choose  / filter  r reload  Esc back"),
	.help = N_("Step 2 of 6: choose the resource group of the key vault, "
		     "or all resource groups of the subscription."),
	.help_for = list_help,
	.enter = rg_enter,
	.leave = rg_leave,
	.draw = rg_draw,
	.key = rg_key,
	.job_done = rg_done,
};
