/*
 * Subscriptions across tenants. Resource Manager lists only the
 * subscriptions of the token's tenant, so listing them all takes the
 * tenant list (GET /tenants), then one token and one list per tenant,
 * which is how Azure CLI finds them too. With several tenants, their
 * lists are requested at the same time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arm.h"
#include "core/buf.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "core/secret.h"
#include "i18n.h"

/* A growing array of subscriptions or tenants. */
struct growing {
	void *items;
	size_t n;
	size_t size;
};

static void *grow(struct growing *g)
{
	char *bigger = realloc(g->items, (g->n + 1) * g->size);

	if (bigger == NULL)
		return NULL;
	g->items = bigger;
	memset(bigger + g->n * g->size, 0, g->size);
	return bigger + g->n++ * g->size;
}

static kvl_result collect_tenant(json_object *item, void *ctx)
{
	struct growing *g = ctx;
	const char *id = kvl_json_str(item, "tenantId");
	struct kvl_tenant *t;

	if (id == NULL) {
		kvl_log("skipping a tenant without a tenantId");
		return KVL_OK;
	}
	t = grow(g);
	if (t == NULL)
		return KVL_ERR_NOMEM;
	t->tenant_id = strdup(id);
	/* As for subscriptions: sanitised where it is shown. */
	t->display_name = kvl_utf8_repair(kvl_json_str(item, "displayName"));
	t->default_domain = kvl_sanitize(kvl_json_str(item,
						      "defaultDomain"));
	return t->tenant_id != NULL ? KVL_OK : KVL_ERR_NOMEM;
}

void kvl_tenants_free(struct kvl_tenant *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].tenant_id);
		free(v[i].display_name);
		free(v[i].default_domain);
		free(v[i].skip_note);
	}
	free(v);
}

/* GETs a Resource Manager list with the token of tenant (NULL: the
 * sign-in tenant), calling fn for each item. */
static kvl_result list_with_tenant(struct kvl_azure *az, const char *tenant,
				   const char *path, const char *operation,
				   kvl_item_fn fn, void *ctx,
				   struct kvl_error *err)
{
	const char *token;
	char *url = NULL;
	kvl_result res;

	if (asprintf(&url, "%s%s", az->cloud.resource_manager, path) < 0)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	res = kvl_azure_arm_token(az, tenant, &token, err);
	if (res == KVL_OK)
		res = kvl_http_list(az->http, url, token, "nextLink",
				    operation, fn, ctx, err);
	free(url);
	return res;
}

kvl_result kvl_arm_list_tenants(struct kvl_azure *az, struct kvl_tenant **out,
				size_t *n, struct kvl_error *err)
{
	struct growing g = { NULL, 0, sizeof(**out) };
	kvl_result res;

	kvl_sink_progress(az->sink, _("Listing tenants"));
	res = list_with_tenant(az, NULL, "/tenants?api-version="
			       KVL_API_SUBSCRIPTIONS, _("list tenants"),
			       collect_tenant, &g, err);
	if (res != KVL_OK) {
		kvl_tenants_free(g.items, g.n);
		g.items = NULL;
		g.n = 0;
	}
	*out = g.items;
	*n = g.n;
	return res;
}

static kvl_result collect_subscription(json_object *item, void *ctx)
{
	struct growing *g = ctx;
	struct kvl_subscription *s = grow(g);
	struct kvl_error err;
	kvl_result res;

	if (s == NULL)
		return KVL_ERR_NOMEM;
	kvl_error_init(&err);
	res = kvl_arm_parse_subscription(item, s, &err);
	if (res == KVL_ERR_PARSE) {
		kvl_log("skipping a subscription: %s", err.message);
		g->n--;
		res = KVL_OK;
	}
	kvl_error_clear(&err);
	return res;
}

/* The reason a tenant's token was not issued, in words, from Entra's code. */
static const char *refusal_reason(const struct kvl_error *err)
{
	const char *text = err->azure_message ? err->azure_message : "";

	if (strstr(text, "AADSTS50076") || strstr(text, "AADSTS50079") ||
	    strstr(text, "AADSTS50078"))
		return _("it requires multi-factor authentication");
	if (strstr(text, "AADSTS65001"))
		return _("it requires consent to kvlink");
	return _("the saved sign-in is not accepted there");
}

/* Adds tenant t to skipped with a note on why its subscriptions are
 * not listed: at_sign_in when no token could be had for it. */
static kvl_result note_skipped(struct growing *skipped,
			       const struct kvl_tenant *t,
			       const struct kvl_error *err, bool at_sign_in)
{
	char *detail = kvl_error_format(err);
	const char *name = t->display_name ? t->display_name : t->tenant_id;
	struct kvl_tenant *copy = grow(skipped);
	int len;

	kvl_log("tenant %s skipped: %s", t->tenant_id,
		detail ? detail : "-");
	if (copy == NULL) {
		free(detail);
		return KVL_ERR_NOMEM;
	}
	if (at_sign_in)
		len = asprintf(&copy->skip_note, _("tenant '%s' (%s) is "
				"skipped because %s; to see its subscriptions, "
				"sign in to it with 'kvlink login --tenant %s'"),
			       name, t->tenant_id, refusal_reason(err),
			       t->tenant_id);
	else
		len = asprintf(&copy->skip_note, _("tenant '%s' (%s) is "
				"skipped because its subscriptions could not "
				"be listed: %s"), name, t->tenant_id,
			       detail ? detail : _("unknown error"));
	free(detail);
	copy->tenant_id = strdup(t->tenant_id);
	copy->display_name = t->display_name ? strdup(t->display_name)
					     : NULL;
	if (len < 0)
		copy->skip_note = NULL;
	return copy->tenant_id && copy->skip_note ? KVL_OK : KVL_ERR_NOMEM;
}

/* Drops the subscriptions from index first on. */
static void drop_from(struct growing *g, size_t first)
{
	struct kvl_subscription *subs = g->items;

	for (size_t i = first; i < g->n; i++)
		kvl_subscription_clear(&subs[i]);
	g->n = first;
}

/* Gives each subscription from index first on its tenant's name and
 * records its tenant for the calls that follow. */
static kvl_result label(struct kvl_azure *az, struct growing *g,
			size_t first, const struct kvl_tenant *t)
{
	struct kvl_subscription *subs = g->items;

	for (size_t i = first; i < g->n; i++) {
		struct kvl_subscription *s = &subs[i];

		if (s->tenant_id == NULL)
			s->tenant_id = strdup(t->tenant_id);
		if (t->display_name != NULL &&
		    strcasecmp(s->tenant_id, t->tenant_id) == 0)
			s->tenant_name = strdup(t->display_name);
		if (s->tenant_id == NULL ||
		    kvl_azure_set_tenant_of(az, s->subscription_id,
					    s->tenant_id) != KVL_OK)
			return KVL_ERR_NOMEM;
	}
	return KVL_OK;
}

/* Adds tenant t's subscriptions to g; a tenant that cannot be listed
 * is skipped with a warning unless the failure ends the whole list. */
static kvl_result list_tenant(struct kvl_azure *az, const struct kvl_tenant *t,
			      struct growing *g, struct growing *skipped,
			      struct kvl_error *err)
{
	size_t first = g->n;
	const char *token;
	struct kvl_error inner;
	kvl_result res;

	kvl_error_init(&inner);
	res = kvl_azure_arm_token(az, t->tenant_id, &token, &inner);
	if (res == KVL_ERR_AUTH) {
		res = note_skipped(skipped, t, &inner, true);
		goto out;
	}
	if (res == KVL_OK)
		res = list_with_tenant(az, t->tenant_id, "/subscriptions?"
				       "api-version=" KVL_API_SUBSCRIPTIONS,
				       _("list subscriptions"),
				       collect_subscription, g, &inner);
	if (res == KVL_OK)
		res = label(az, g, first, t);
	if (res == KVL_ERR_AUTH || res == KVL_ERR_FORBIDDEN) {
		drop_from(g, first);
		res = note_skipped(skipped, t, &inner, false);
	}
out:
	if (res == KVL_ERR_NOMEM)
		kvl_error_set(err, res, _("out of memory"));
	else if (res != KVL_OK)
		kvl_error_move(err, &inner);
	kvl_error_clear(&inner);
	return res;
}

/* One tenant's part of list_tenants_at_once(). */
struct tenant_list {
	const struct kvl_tenant *tenant;
	kvl_result token_result;
	struct kvl_error token_err;
	char *token;		/* a copy in secret memory */
	char *operation;	/* names the tenant in errors */
	struct growing subs;
	struct kvl_http_list_job *job;	/* NULL without a token */
};

static void tenant_list_clear(struct tenant_list *l)
{
	kvl_error_clear(&l->token_err);
	if (l->token != NULL)
		kvl_secret_free(l->token, strlen(l->token));
	free(l->operation);
	kvl_subscriptions_free(l->subs.items, l->subs.n);
	l->subs.items = NULL;
	l->subs.n = 0;
}

/* Moves the subscriptions of l to the end of g. */
static kvl_result take_subscriptions(struct growing *g, struct tenant_list *l)
{
	struct kvl_subscription *from = l->subs.items;

	for (size_t i = 0; i < l->subs.n; i++) {
		struct kvl_subscription *to = grow(g);

		if (to == NULL)
			return KVL_ERR_NOMEM;
		*to = from[i];
		memset(&from[i], 0, sizeof(from[i]));
	}
	return KVL_OK;
}

/* Adds the outcome of one tenant's list to g or skipped, as
 * list_tenant() does for a list of its own. */
static kvl_result add_tenant_list(struct kvl_azure *az, struct tenant_list *l,
				  struct growing *g, struct growing *skipped,
				  struct kvl_error *err)
{
	size_t first = g->n;
	kvl_result res = l->token_result;

	if (res == KVL_ERR_AUTH)
		return note_skipped(skipped, l->tenant, &l->token_err, true);
	if (res != KVL_OK) {
		kvl_error_move(err, &l->token_err);
		return res;
	}
	res = l->job->result;
	if (res == KVL_OK)
		res = take_subscriptions(g, l);
	if (res == KVL_OK)
		res = label(az, g, first, l->tenant);
	if (res == KVL_ERR_AUTH || res == KVL_ERR_FORBIDDEN) {
		drop_from(g, first);
		return note_skipped(skipped, l->tenant, &l->job->err, false);
	}
	if (res == KVL_ERR_NOMEM)
		kvl_error_set(err, res, _("out of memory"));
	else if (res != KVL_OK)
		kvl_error_move(err, &l->job->err);
	return res;
}

/*
 * Lists the subscriptions of several tenants with one request per
 * tenant at the same time (kvl_http_list_many), each with its tenant's
 * token, then adds them in the tenants' order. The tokens are fetched
 * one after the other first.
 */
static kvl_result list_tenants_at_once(struct kvl_azure *az,
				       const struct kvl_tenant *tenants,
				       size_t n, struct growing *g,
				       struct growing *skipped,
				       struct kvl_error *err)
{
	struct tenant_list *lists = calloc(n, sizeof(*lists));
	struct kvl_http_list_job *jobs = calloc(n, sizeof(*jobs));
	size_t n_jobs = 0;
	const char *token;
	char *url = NULL;
	kvl_result res = KVL_OK;

	if (lists == NULL || jobs == NULL ||
	    asprintf(&url, "%s/subscriptions?api-version="
		     KVL_API_SUBSCRIPTIONS, az->cloud.resource_manager) < 0) {
		url = NULL;
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct tenant_list *l = &lists[i];

		l->tenant = &tenants[i];
		l->subs.size = sizeof(struct kvl_subscription);
		kvl_error_init(&l->token_err);
		l->token_result = kvl_azure_arm_token(az, tenants[i].tenant_id,
						      &token, &l->token_err);
		if (l->token_result != KVL_OK)
			continue;
		/* The next tenant's token may take the place of this one. */
		l->token = kvl_secret_strdup(token);
		if (asprintf(&l->operation, _("list the subscriptions of "
					      "tenant '%s' (%s)"),
			     tenants[i].display_name ? tenants[i].display_name
						     : tenants[i].tenant_id,
			     tenants[i].tenant_id) < 0)
			l->operation = NULL;
		if (l->token == NULL || l->operation == NULL) {
			res = kvl_error_set(err, KVL_ERR_NOMEM,
					    _("out of memory"));
			goto out;
		}
		l->job = &jobs[n_jobs++];
		*l->job = (struct kvl_http_list_job){
			.url = url, .bearer = l->token,
			.operation = l->operation,
			.fn = collect_subscription, .ctx = &l->subs };
	}
	res = kvl_http_list_many(az->http, NULL, "nextLink", jobs, n_jobs, 0,
				 err);
	for (size_t i = 0; res == KVL_OK && i < n; i++)
		res = add_tenant_list(az, &lists[i], g, skipped, err);
out:
	for (size_t i = 0; lists != NULL && i < n; i++)
		tenant_list_clear(&lists[i]);
	for (size_t i = 0; jobs != NULL && i < n_jobs; i++)
		kvl_error_clear(&jobs[i].err);
	free(lists);
	free(jobs);
	free(url);
	return res;
}

kvl_result kvl_arm_list_all_subscriptions(struct kvl_azure *az,
					  struct kvl_subscription **out,
					  size_t *n,
					  struct kvl_tenant **skipped,
					  size_t *n_skipped,
					  struct kvl_error *err)
{
	struct growing g = { NULL, 0, sizeof(**out) };
	struct growing left_out = { NULL, 0, sizeof(**skipped) };
	struct kvl_tenant *tenants = NULL;
	size_t n_tenants = 0;
	kvl_result res;

	res = kvl_arm_list_tenants(az, &tenants, &n_tenants, err);
	kvl_sink_progress(az->sink, _("Listing subscriptions"));
	if (res == KVL_OK && n_tenants > 1)
		res = list_tenants_at_once(az, tenants, n_tenants, &g,
					   &left_out, err);
	else if (res == KVL_OK && n_tenants == 1)
		res = list_tenant(az, &tenants[0], &g, &left_out, err);
	/* A principal that belongs to no tenant still has a token. */
	if (res == KVL_OK && n_tenants == 0)
		res = list_with_tenant(az, NULL, "/subscriptions?api-version="
				       KVL_API_SUBSCRIPTIONS,
				       _("list subscriptions"),
				       collect_subscription, &g, err);
	if (res != KVL_OK) {
		kvl_subscriptions_free(g.items, g.n);
		kvl_tenants_free(left_out.items, left_out.n);
		g.items = left_out.items = NULL;
		g.n = left_out.n = 0;
	}
	kvl_tenants_free(tenants, n_tenants);
	*out = g.items;
	*n = g.n;
	*skipped = left_out.items;
	*n_skipped = left_out.n;
	return res;
}

kvl_result kvl_arm_list_subscriptions(struct kvl_azure *az,
				      struct kvl_subscription **out,
				      size_t *n, struct kvl_error *err)
{
	struct kvl_tenant *skipped = NULL;
	size_t n_skipped = 0;
	kvl_result res;

	res = kvl_arm_list_all_subscriptions(az, out, n, &skipped,
					     &n_skipped, err);
	for (size_t i = 0; i < n_skipped; i++)
		kvl_sink_message(az->sink, KVL_LEVEL_WARNING, "%s",
				 skipped[i].skip_note);
	kvl_tenants_free(skipped, n_skipped);
	return res;
}
