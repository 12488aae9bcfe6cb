/* Link step 3: choose the vault. Vaults that fail a prerequisite visible
 * from the list are shown with the reason; choosing one still leads to
 * the checks, which explain the fix. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/resourcegraph.h"
#include "i18n.h"
#include "tui/app.h"
#include "tui/draw.h"
#include "tui/help.h"
#include "tui/list.h"
#include "tui/steps.h"

#define VAULT_COLUMNS 5

static struct {
	/* The vaults shown, owned by the session's cache. */
	struct kvl_vault *vaults;
	size_t n;
	struct tui_list list;
	bool loaded;
	/* The discovery behind the vaults shown; owned by the cache. */
	const struct kvl_vault_discovery *found;
	/* The running job's result, until the cache takes it over. */
	struct kvl_vault_discovery fetched;
} st;

struct vault_query {
	const char *subscription_id;
	const char *resource_group;
	const struct kvl_subscription *subscriptions;	/* NULL: one */
	size_t n_subscriptions;
};

static struct vault_query query;

static kvl_result list_vaults(struct tui_app *app, void *arg,
			      struct kvl_error *err)
{
	const struct vault_query *q = arg;

	if (q->subscriptions != NULL)
		return kvl_resgraph_discover_vaults(&app->session->az,
						    q->subscriptions,
						    q->n_subscriptions, NULL,
						    &st.fetched, err);
	return kvl_arm_list_vaults(&app->session->az, q->subscription_id,
				   q->resource_group, &st.fetched.vaults,
				   &st.fetched.n_vaults, err);
}

static void fill(struct tui_app *app,
		 const struct kvl_listcache_vaults *cached);

/* Shows the vaults of the query listed earlier in the session, or lists
 * them. */
static void load(struct tui_app *app)
{
	const struct kvl_listcache_vaults *cached;

	st.vaults = NULL;
	st.n = 0;
	st.found = NULL;
	st.loaded = false;
	kvl_vault_discovery_clear(&st.fetched);
	tui_list_clear(&st.list);
	query.subscriptions = app->link.subscriptions;
	query.n_subscriptions = app->link.n_subscriptions;
	query.subscription_id = query.subscriptions != NULL ? NULL :
				app->link.subscription->subscription_id;
	query.resource_group = app->link.resource_group;

	cached = kvl_listcache_vaults(&app->lists, query.subscription_id,
				      query.resource_group);
	if (cached != NULL) {
		fill(app, cached);
		return;
	}
	(void)tui_app_start_job(app, 0, _("Listing key vaults"), list_vaults,
				&query);
}

/* r: drops the session's listing of these vaults and lists them
 * again. */
static void reload(struct tui_app *app)
{
	kvl_listcache_drop_vaults(&app->lists, query.subscription_id,
				  query.resource_group);
	load(app);
}

static void vault_enter(struct tui_app *app)
{
	memset(&st, 0, sizeof(st));
	tui_list_init(&st.list);
	app->link.vault = NULL;
	load(app);
}

static void vault_leave(struct tui_app *app)
{
	(void)app;
	kvl_vault_discovery_clear(&st.fetched);
	tui_list_clear(&st.list);
	memset(&st, 0, sizeof(st));
}

static void add_reason(struct kvl_buf *buf, const char *reason)
{
	if (buf->len > 0)
		(void)kvl_buf_adds(buf, ", ");
	(void)kvl_buf_adds(buf, reason);
}

/* Every reason visible from the list why the vault cannot be linked as
 * it is, comma-separated, or NULL when there is none. Caller frees. */
static char *ineligible_reason(const struct kvl_vault *v,
			       const struct kvl_environment *env)
{
	struct kvl_buf buf;

	kvl_buf_init(&buf);
	if (v->public_network_access != NULL &&
	    strcasecmp(v->public_network_access, "Disabled") == 0)
		add_reason(&buf, _("public access off"));
	else if (!kvl_vault_firewall_open(v))
		add_reason(&buf, _("firewall on"));

	/* The region column already shows the vault's region. */
	if (!kvl_region_equal(v->location, env->region)) {
		(void)kvl_buf_adds(&buf, buf.len > 0 ? ", " : "");
		(void)kvl_buf_addf(&buf, tui_draw_unicode()
				   ? _("region \u2260 %s") : _("region != %s"),
				   env->region ? env->region : "?");
	}

	if (buf.len == 0) {
		kvl_buf_clear(&buf);
		return NULL;
	}
	return kvl_buf_detach(&buf);
}

static void add_vault(struct tui_app *app, const struct kvl_vault *v)
{
	char *reason = ineligible_reason(v, &app->session->env);
	const char *cells[VAULT_COLUMNS] = {
		v->name, v->resource_group, v->location,
		v->rbac ? _("RBAC") : _("policy"),
		reason ? reason : _("open"),
	};

	tui_steps_row(app, &st.list, cells, reason != NULL);
	free(reason);
}

/* Shows on the status line how the vaults of all subscriptions were
 * found. */
static void show_source(struct tui_app *app)
{
	const struct kvl_error *reason = &st.found->fallback;

	if (st.found->source == KVL_VAULTS_RESOURCE_GRAPH)
		tui_app_status(app, TUI_ROLE_STATUS,
			       ngettext("Found with Azure Resource Graph in "
					"%zu subscription.",
					"Found with Azure Resource Graph in "
					"%zu subscriptions.",
					st.found->n_subscriptions),
			       st.found->n_subscriptions);
	else
		tui_app_status(app, TUI_ROLE_STATUS,
			       _("Azure Resource Graph is not available (%s), "
				 "so each subscription was listed on its "
				 "own."), reason->azure_code ?
			       reason->azure_code :
			       kvl_result_name(reason->result));
}

static void fill(struct tui_app *app,
		 const struct kvl_listcache_vaults *cached)
{
	static const int minimum[VAULT_COLUMNS] = { 12, 10, 8, 6, 12 };
	const char *head[VAULT_COLUMNS] = {
		_("Vault"), _("Resource group"), _("Region"),
		_("Model"), _("Eligibility"),
	};

	st.found = &cached->found;
	st.vaults = cached->found.vaults;
	st.n = cached->found.n_vaults;
	tui_steps_columns(app, &st.list, head, minimum, VAULT_COLUMNS);
	for (size_t i = 0; i < st.n; i++)
		add_vault(app, &st.vaults[i]);
	st.loaded = true;

	if (st.n == 0)
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("No key vaults here; press Esc to choose "
				 "another resource group or subscription."));
	else if (query.subscriptions != NULL)
		show_source(app);
}

static void vault_done(struct tui_app *app, int tag, kvl_result result,
		       const struct kvl_error *err)
{
	(void)tag;
	if (result != KVL_OK) {
		kvl_vault_discovery_clear(&st.fetched);
		tui_steps_failed(app, _("Could not list key vaults"), result,
				 err);
		return;
	}
	if (!kvl_listcache_put_vaults(&app->lists, query.subscription_id,
				      query.resource_group, &st.fetched)) {
		kvl_vault_discovery_clear(&st.fetched);
		tui_app_status(app, TUI_ROLE_ERROR, "%s", _("out of memory"));
		return;
	}
	fill(app, app->lists.vaults[app->lists.n_vaults - 1]);
}

static void vault_draw(struct tui_app *app, const struct tui_layout *lay)
{
	(void)app;
	tui_steps_draw_list(lay, _("Choose the key vault to link. Dimmed "
				   "rows fail a prerequisite."),
			    &st.list, st.loaded);
}

/* The searched subscription that contains v, or NULL. */
static const struct kvl_subscription *subscription_of(
	const struct kvl_vault *v)
{
	for (size_t i = 0; i < query.n_subscriptions; i++)
		if (strcasecmp(query.subscriptions[i].subscription_id,
			       v->subscription_id) == 0)
			return &query.subscriptions[i];
	return NULL;
}

static enum tui_outcome vault_key(struct tui_app *app,
				  const struct tui_key *key)
{
	enum tui_outcome outcome;

	if (!tui_steps_list_key(app, &st.list, st.loaded, key, reload,
				&outcome))
		return outcome;

	app->link.vault = &st.vaults[tui_list_selected(&st.list)];
	if (query.subscriptions != NULL)
		app->link.subscription = subscription_of(app->link.vault);
	if (app->link.subscription == NULL) {
		tui_app_status(app, TUI_ROLE_ERROR, _("Vault %s is in none of "
						      "the listed "
						      "subscriptions; press r "
						      "to reload."),
			       app->link.vault->name);
		app->link.vault = NULL;
		return TUI_KEY_HANDLED;
	}
	tui_app_push(app, &tui_step_checks);
	return TUI_KEY_HANDLED;
}

static char *list_help(struct tui_app *app)
{
	(void)app;
	return tui_help_list_row(&st.list);
}

const struct tui_screen tui_step_vault = {
	.breadcrumb = N_("Admin > Security > Key Vault > 3/6 Vault"),
	.legend = N_("Enter choose  / filter  r reload  Esc back"),
	.help = N_("Step 3 of 6: choose the key vault to link. A vault that "
		     "cannot be linked is dimmed, with the reason next to it."),
	.help_for = list_help,
	.enter = vault_enter,
	.leave = vault_leave,
	.draw = vault_draw,
	.key = vault_key,
	.job_done = vault_done,
};
