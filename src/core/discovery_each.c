/*
 * The fallback of vault discovery: Resource Manager's vault list of each
 * subscription, several subscriptions at a time (kvl_http_list_many).
 * Subscriptions are grouped by tenant, because each tenant needs its own
 * token and the token of one tenant stays valid only until the next is
 * requested.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arm.h"
#include "core/buf.h"
#include "core/http.h"
#include "core/log.h"
#include "core/resourcegraph.h"
#include "i18n.h"

/* The vaults of one subscription, and its request. */
struct sub_list {
	const struct kvl_subscription *sub;
	char *url;
	char *operation;
	struct kvl_vault *vaults;
	size_t n;
	size_t cap;
	struct kvl_http_list_job job;
};

/* Parses one item of a vault list; an item that does not parse is
 * logged and skipped, as kvl_arm_list_vaults() does. */
static kvl_result add_vault_item(json_object *item, void *ctx)
{
	struct sub_list *list = ctx;
	struct kvl_error err;

	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		struct kvl_vault *grown = realloc(list->vaults,
						  cap * sizeof(*grown));

		if (grown == NULL)
			return KVL_ERR_NOMEM;
		list->vaults = grown;
		list->cap = cap;
	}
	kvl_error_init(&err);
	if (kvl_arm_parse_vault(item, &list->vaults[list->n], &err) == KVL_OK)
		list->n++;
	else
		kvl_log("skipping a key vault Azure listed: %s",
			err.message ? err.message : "unreadable");
	kvl_error_clear(&err);
	return KVL_OK;
}

static char *vault_list_url(struct kvl_azure *az, const char *sub,
			    const char *resource_group)
{
	struct kvl_buf url;

	kvl_buf_init(&url);
	kvl_buf_adds(&url, az->cloud.resource_manager);
	kvl_buf_adds(&url, "/subscriptions/");
	kvl_buf_add_urlencoded(&url, sub);
	if (resource_group != NULL) {
		kvl_buf_adds(&url, "/resourceGroups/");
		kvl_buf_add_urlencoded(&url, resource_group);
	}
	kvl_buf_addf(&url, "/providers/Microsoft.KeyVault/vaults"
		     "?api-version=%s", KVL_API_KEYVAULT);
	return kvl_buf_detach(&url);
}

static bool sub_list_init(struct sub_list *list, struct kvl_azure *az,
			  const struct kvl_subscription *sub,
			  const char *resource_group)
{
	memset(list, 0, sizeof(*list));
	kvl_error_init(&list->job.err);
	list->sub = sub;
	list->url = vault_list_url(az, sub->subscription_id, resource_group);
	if (asprintf(&list->operation, "list the key vaults of subscription "
		     "%s (%s)", sub->display_name ? sub->display_name : "?",
		     sub->subscription_id) < 0)
		list->operation = NULL;
	list->job.url = list->url;
	list->job.operation = list->operation;
	list->job.fn = add_vault_item;
	list->job.ctx = list;
	return list->url != NULL && list->operation != NULL;
}

static void sub_list_clear(struct sub_list *list)
{
	kvl_vaults_free(list->vaults, list->n);
	free(list->url);
	free(list->operation);
	kvl_error_clear(&list->job.err);
	memset(list, 0, sizeof(*list));
}

/* The tenant whose token lists list's subscription: NULL for the
 * sign-in tenant. */
static const char *list_tenant(struct kvl_azure *az,
			       const struct sub_list *list)
{
	return kvl_azure_tenant_of(az, list->url);
}

static bool same_tenant(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcasecmp(a, b) == 0;
}

/* Runs the lists of lists whose tenant is tenant, all at once. */
static kvl_result list_tenant_group(struct kvl_azure *az,
				    struct sub_list *lists, size_t n,
				    const char *tenant, struct kvl_error *err)
{
	struct kvl_http_list_job *jobs = calloc(n, sizeof(*jobs));
	size_t n_jobs = 0;
	const char *token;
	kvl_result res;

	if (jobs == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	res = kvl_azure_arm_token(az, tenant, &token, err);
	if (res != KVL_OK)
		goto out;

	for (size_t i = 0; i < n; i++)
		if (same_tenant(list_tenant(az, &lists[i]), tenant))
			jobs[n_jobs++] = lists[i].job;
	res = kvl_http_list_many(az->http, token, "nextLink", jobs, n_jobs,
				 KVL_DISCOVERY_CONCURRENCY, err);

	/* Hand each job's outcome back to its list. */
	n_jobs = 0;
	for (size_t i = 0; i < n; i++) {
		if (!same_tenant(list_tenant(az, &lists[i]), tenant))
			continue;
		lists[i].job.result = jobs[n_jobs].result;
		kvl_error_move(&lists[i].job.err, &jobs[n_jobs].err);
		n_jobs++;
	}
out:
	free(jobs);
	return res;
}

/* Whether an earlier list of lists has the tenant of lists[i]. */
static bool tenant_done(struct kvl_azure *az, const struct sub_list *lists,
			size_t i)
{
	const char *tenant = list_tenant(az, &lists[i]);

	for (size_t j = 0; j < i; j++)
		if (same_tenant(list_tenant(az, &lists[j]), tenant))
			return true;
	return false;
}

/*
 * Settles a list whose request failed: a subscription without the
 * resource group has no vaults there, and a subscription whose tenant
 * was unknown is listed again on its own, which learns the tenant from
 * Resource Manager's response.
 */
static void settle_failure(struct kvl_azure *az, struct sub_list *list,
			   const char *resource_group)
{
	struct kvl_http_list_job *job = &list->job;

	if (job->result == KVL_ERR_NOT_FOUND && resource_group != NULL) {
		kvl_error_clear(&job->err);
		job->result = KVL_OK;
		return;
	}
	if (job->err.azure_code == NULL ||
	    strcmp(job->err.azure_code, "InvalidAuthenticationTokenTenant"))
		return;
	kvl_vaults_free(list->vaults, list->n);
	list->vaults = NULL;
	list->n = list->cap = 0;
	kvl_error_clear(&job->err);
	job->result = kvl_arm_list_vaults(az, list->sub->subscription_id,
					  resource_group, &list->vaults,
					  &list->n, &job->err);
	if (job->result != KVL_OK)
		kvl_error_operation(&job->err, list->operation);
}

/* Moves the error of the first failed list into err and names how many
 * other subscriptions failed too; every failure goes to the log. */
static kvl_result report_failures(struct sub_list *lists, size_t n,
				  struct kvl_error *err)
{
	size_t failed = 0, first = n;
	char *message;

	for (size_t i = 0; i < n; i++) {
		if (lists[i].job.result == KVL_OK)
			continue;
		kvl_log("%s failed: %s", lists[i].operation,
			lists[i].job.err.message ? lists[i].job.err.message
			: kvl_result_name(lists[i].job.result));
		if (failed++ == 0)
			first = i;
	}
	if (failed == 0)
		return KVL_OK;
	kvl_error_move(err, &lists[first].job.err);
	err->result = lists[first].job.result;
	if (failed > 1 && err->message != NULL) {
		message = strdup(err->message);
		if (message != NULL)
			kvl_error_set(err, err->result, _("%s (and %zu more "
				      "subscriptions failed; the debug log "
				      "names them)"), message, failed - 1);
		free(message);
	}
	return err->result;
}

/* Moves the vaults of every list, in the order of the lists, to d. */
static kvl_result collect_vaults(struct sub_list *lists, size_t n,
				 struct kvl_vault_discovery *d)
{
	size_t total = d->n_vaults;
	struct kvl_vault *grown;

	for (size_t i = 0; i < n; i++)
		total += lists[i].n;
	if (total == d->n_vaults)
		return KVL_OK;
	grown = realloc(d->vaults, total * sizeof(*grown));
	if (grown == NULL)
		return KVL_ERR_NOMEM;
	d->vaults = grown;
	for (size_t i = 0; i < n; i++) {
		/* A subscription without vaults has no array to copy. */
		if (lists[i].n > 0)
			memcpy(d->vaults + d->n_vaults, lists[i].vaults,
			       lists[i].n * sizeof(*grown));
		d->n_vaults += lists[i].n;
		free(lists[i].vaults);
		lists[i].vaults = NULL;
		lists[i].n = 0;
	}
	return KVL_OK;
}

kvl_result kvl_arm_list_vaults_each(struct kvl_azure *az,
				    const struct kvl_subscription *subs,
				    size_t n_subs, const char *resource_group,
				    struct kvl_vault_discovery *d,
				    struct kvl_error *err)
{
	struct sub_list *lists = calloc(n_subs ? n_subs : 1, sizeof(*lists));
	size_t n_lists = 0;
	kvl_result res = KVL_OK;

	if (lists == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	for (; n_lists < n_subs && res == KVL_OK; n_lists++)
		if (!sub_list_init(&lists[n_lists], az, &subs[n_lists],
				   resource_group))
			res = kvl_error_set(err, KVL_ERR_NOMEM,
					    _("out of memory"));
	if (res != KVL_OK)
		goto out;

	kvl_sink_progress(az->sink, _("Listing key vaults per subscription"));
	for (size_t i = 0; i < n_lists && res == KVL_OK; i++)
		if (!tenant_done(az, lists, i))
			res = list_tenant_group(az, lists, n_lists,
						list_tenant(az, &lists[i]),
						err);
	if (res != KVL_OK)
		goto out;

	for (size_t i = 0; i < n_lists; i++)
		if (lists[i].job.result != KVL_OK)
			settle_failure(az, &lists[i], resource_group);
	res = report_failures(lists, n_lists, err);
	if (res == KVL_OK && collect_vaults(lists, n_lists, d) != KVL_OK)
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
out:
	for (size_t i = 0; i < n_lists; i++)
		sub_list_clear(&lists[i]);
	free(lists);
	return res;
}
