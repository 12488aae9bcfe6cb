/* Link step 1: choose the subscription that contains the vault. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/azcli.h"
#include "core/sanitize.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/help.h"
#include "tui/list.h"
#include "tui/steps.h"

static struct {
	/* The list shown, owned by the session's cache. */
	struct kvl_subscription *subs;
	size_t n;
	struct kvl_tenant *skipped;	/* tenants left out, with notes */
	size_t n_skipped;
	/* The running job's result, until the cache takes it over. */
	struct kvl_subscription *fetched;
	size_t n_fetched;
	struct kvl_tenant *fetched_skipped;
	size_t n_fetched_skipped;
	bool several_tenants;	/* the list has a Tenant column */
	int tenant_cols;	/* columns the list needs to show it whole */
	struct tui_list list;
	bool loaded;
} st;

static kvl_result list_subscriptions(struct tui_app *app, void *arg,
				     struct kvl_error *err)
{
	(void)arg;
	return kvl_arm_list_all_subscriptions(&app->session->az, &st.fetched,
					      &st.n_fetched,
					      &st.fetched_skipped,
					      &st.n_fetched_skipped, err);
}

static void free_fetched(void)
{
	kvl_subscriptions_free(st.fetched, st.n_fetched);
	kvl_tenants_free(st.fetched_skipped, st.n_fetched_skipped);
	st.fetched = NULL;
	st.n_fetched = 0;
	st.fetched_skipped = NULL;
	st.n_fetched_skipped = 0;
}

static void show(struct tui_app *app,
		 const struct kvl_listcache_subscriptions *cached);

/* Shows the session's subscription list, or lists them when there is
 * none yet. */
static void load(struct tui_app *app)
{
	const struct kvl_listcache_subscriptions *cached =
		kvl_listcache_subscriptions(&app->lists);

	st.subs = NULL;
	st.n = 0;
	st.skipped = NULL;
	st.n_skipped = 0;
	st.loaded = false;
	tui_list_clear(&st.list);
	free_fetched();
	if (cached != NULL) {
		show(app, cached);
		return;
	}
	(void)tui_app_start_job(app, 0, _("Listing subscriptions"),
				list_subscriptions, NULL);
}

/* r: drops the session's list and requests it again. */
static void reload(struct tui_app *app)
{
	kvl_listcache_drop_subscriptions(&app->lists);
	load(app);
}

static void sub_enter(struct tui_app *app)
{
	memset(&st, 0, sizeof(st));
	tui_list_init(&st.list);
	load(app);
}

static void sub_leave(struct tui_app *app)
{
	(void)app;
	free_fetched();
	tui_list_clear(&st.list);
	memset(&st, 0, sizeof(st));
}

static bool usable(const struct kvl_subscription *sub)
{
	return kvl_subscription_usable(sub);
}

/* A subscription's tenant as the list shows it. */
static const char *tenant_text(const struct kvl_subscription *sub)
{
	return sub->tenant_name ? sub->tenant_name : sub->tenant_id;
}

static bool spans_tenants(void)
{
	for (size_t i = 1; i < st.n; i++) {
		if (st.subs[i].tenant_id == NULL || st.subs[0].tenant_id == NULL
		    || strcasecmp(st.subs[i].tenant_id,
				  st.subs[0].tenant_id) != 0)
			return true;
	}
	return false;
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

/*
 * Raises the columns' minimum widths when the list spans tenants, so
 * that names (up to NAME_KEEP columns) and states stay whole. Sets
 * st.tenant_cols, the width that also shows the Tenant column whole.
 * Below it, sub_draw() drops the column and names the selected row's
 * tenant in the title.
 */
#define NAME_KEEP 24
static void tenant_minimums(int *minimum)
{
	int tenant = 0;

	for (size_t i = 0; i < st.n; i++) {
		const struct kvl_subscription *sub = &st.subs[i];
		char *state = tui_steps_state_text(sub->state, usable(sub));
		char *clean = kvl_sanitize(sub->display_name);
		char *clean_tenant = kvl_sanitize(tenant_text(sub));
		int name = (int)kvl_display_width(clean);

		minimum[0] = max_int(minimum[0], name < NAME_KEEP ? name
							      : NAME_KEEP);
		minimum[2] = max_int(minimum[2], state ? (int)
				     kvl_display_width(state) : 0);
		tenant = max_int(tenant, (int)kvl_display_width(clean_tenant));
		free(clean_tenant);
		free(clean);
		free(state);
	}
	st.tenant_cols = minimum[0] + minimum[1] + minimum[2] + tenant + 6;
}

static void fill(struct tui_app *app)
{
	int minimum[] = { 12, 36, 8, 0 };
	const char *head[4] = { _("Name"), _("Subscription ID"), _("State"),
				_("Tenant") };
	size_t n_cols = 3;

	st.several_tenants = spans_tenants();
	if (st.several_tenants) {
		tenant_minimums(minimum);
		n_cols = 4;
	}
	tui_steps_columns(app, &st.list, head, minimum, n_cols);
	for (size_t i = 0; i < st.n; i++) {
		const struct kvl_subscription *sub = &st.subs[i];
		char *state = tui_steps_state_text(sub->state, usable(sub));
		const char *cells[4] = { sub->display_name,
					 sub->subscription_id, state,
					 tenant_text(sub) };

		tui_steps_row(app, &st.list, cells, !usable(sub));
		free(state);
	}
	st.loaded = true;
}

/*
 * Puts the cursor on az CLI's default subscription when the live list has
 * it. The file is only a preference, so a default that Resource Manager
 * does not list is named in a note and otherwise ignored.
 */
static void preselect_default(struct tui_app *app)
{
	char *id = NULL, *name = NULL, *warning = NULL;
	size_t i;

	if (kvl_azcli_default_subscription(app->session->az.cloud.name, &id,
					   &name, &warning) != KVL_OK)
		return;
	for (i = 0; id != NULL && i < st.n; i++) {
		if (st.subs[i].subscription_id != NULL &&
		    strcasecmp(st.subs[i].subscription_id, id) == 0)
			break;
	}
	if (warning != NULL)
		tui_app_status(app, TUI_ROLE_ERROR, "%s", warning);
	else if (id != NULL && i < st.n && tui_list_select(&st.list, i))
		tui_app_status(app, TUI_ROLE_STATUS,
			       _("Preselected az CLI's default subscription "
				 "%s."), st.subs[i].display_name);
	else if (id != NULL)
		tui_app_status(app, TUI_ROLE_STATUS,
			       _("az CLI's default subscription %s is not "
				 "listed for this account; ignoring it."), id);
	free(id);
	free(name);
	free(warning);
}

/* Fills the list from cached and names what the list leaves out. */
static void show(struct tui_app *app,
		 const struct kvl_listcache_subscriptions *cached)
{
	st.subs = cached->subs;
	st.n = cached->n;
	st.skipped = cached->skipped;
	st.n_skipped = cached->n_skipped;
	fill(app);
	preselect_default(app);
	if (st.n == 0)
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("The signed-in account sees no "
				 "subscriptions; sign in with another "
				 "account or ask for access."));
	else if (st.n_skipped == 1)
		tui_app_status(app, TUI_ROLE_STATUS, "%s",
			       st.skipped[0].skip_note);
	else if (st.n_skipped > 1)
		tui_app_status(app, TUI_ROLE_STATUS, _("%s (and %zu more "
				"tenants skipped; 'kvlink list subscriptions' "
				"names them)"), st.skipped[0].skip_note,
			       st.n_skipped - 1);
}

static void sub_done(struct tui_app *app, int tag, kvl_result result,
		     const struct kvl_error *err)
{
	(void)tag;
	if (result != KVL_OK) {
		free_fetched();
		tui_steps_failed(app, _("Could not list subscriptions"),
				 result, err);
		return;
	}
	if (!kvl_listcache_put_subscriptions(&app->lists, st.fetched,
					     st.n_fetched, st.fetched_skipped,
					     st.n_fetched_skipped)) {
		free_fetched();
		tui_app_status(app, TUI_ROLE_ERROR, "%s", _("out of memory"));
		return;
	}
	st.fetched = NULL;
	st.fetched_skipped = NULL;
	free_fetched();
	show(app, app->lists.subscriptions);
}

static void sub_draw(struct tui_app *app, const struct tui_layout *lay)
{
	const char *prompt = _("Choose the subscription that contains the "
			       "key vault.");
	long row = tui_list_selected(&st.list);
	char *title = NULL;
	bool narrow;

	(void)app;
	/* Too narrow for the Tenant column: the title names the selected
	 * row's tenant instead. */
	narrow = st.several_tenants && lay->cols - 2 < st.tenant_cols;
	tui_list_draw_columns(&st.list, narrow ? 3 : 0);
	if (st.loaded && narrow && row >= 0 &&
	    asprintf(&title, _("%s Tenant: %s"), prompt,
		     tenant_text(&st.subs[row])) < 0)
		title = NULL;
	tui_steps_draw_list(lay, title ? title : prompt, &st.list, st.loaded);
	free(title);
}

/* Goes to the vault step with every subscription, skipping step 2. */
static enum tui_outcome choose_all(struct tui_app *app)
{
	app->link.subscription = NULL;
	app->link.subscriptions = st.subs;
	app->link.n_subscriptions = st.n;
	app->link.resource_group = NULL;
	tui_app_push(app, &tui_step_vault);
	return TUI_KEY_HANDLED;
}

static enum tui_outcome sub_key(struct tui_app *app,
				const struct tui_key *key)
{
	enum tui_outcome outcome;
	long row;

	if (!tui_steps_list_key(app, &st.list, st.loaded, key, reload,
				&outcome)) {
		if (outcome == TUI_KEY_IGNORED && st.loaded && st.n > 0 &&
		    !key->function && (key->ch == 'a' || key->ch == 'A'))
			return choose_all(app);
		return outcome;
	}

	row = tui_list_selected(&st.list);
	if (!usable(&st.subs[row])) {
		tui_app_status(app, TUI_ROLE_ERROR,
			       _("Subscription %s is %s; choose an enabled "
				 "subscription."),
			       st.subs[row].display_name, st.subs[row].state);
		return TUI_KEY_HANDLED;
	}
	app->link.subscription = &st.subs[row];
	app->link.subscriptions = NULL;
	app->link.n_subscriptions = 0;
	tui_app_push(app, &tui_step_resource_group);
	return TUI_KEY_HANDLED;
}

static char *list_help(struct tui_app *app)
{
	(void)app;
	return tui_help_list_row(&st.list);
}

const struct tui_screen tui_step_subscription = {
	.breadcrumb = N_("Admin > Security > Key Vault > 1/6 Subscription"),
	.legend = N_("Enter choose  a all subscriptions  / filter  r reload  "
		     "Esc back"),
	.help = N_("Step 1 of 6: choose the Azure subscription that holds the "
		     "key vault. a searches every subscription at once. Disabled "
		     "subscriptions are shown dimmed and cannot be chosen."),
	.help_for = list_help,
	.enter = sub_enter,
	.leave = sub_leave,
	.draw = sub_draw,
	.key = sub_key,
	.job_done = sub_done,
};
