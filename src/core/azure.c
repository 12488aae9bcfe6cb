#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/azure.h"
#include "core/log.h"
#include "i18n.h"

kvl_result kvl_azure_init(struct kvl_azure *az,
			  const struct kvl_azure_options *options,
			  struct kvl_error *err)
{
	struct kvl_http_options http_options = { 0 };
	enum kvl_cloud_origin origin;
	char *warning = NULL;
	kvl_result res;

	memset(az, 0, sizeof(*az));
	az->sink = options->sink;
	res = kvl_cloud_select(options->cloud_file, &az->cloud, &origin,
			       &warning, err);
	if (warning != NULL)
		kvl_sink_message(options->sink, KVL_LEVEL_WARNING, "%s",
				 warning);
	free(warning);
	if (res != KVL_OK)
		goto out;
	kvl_log("cloud %s: authority %s, resource manager %s", az->cloud.name,
		az->cloud.authority_host, az->cloud.resource_manager);

	http_options = options->http;
	if (http_options.ca_bundle == NULL)
		http_options.ca_bundle = az->cloud.ca_bundle;
	if (http_options.sink == NULL)
		http_options.sink = options->sink;
	res = kvl_http_new(&http_options, &az->http);
	if (res != KVL_OK) {
		kvl_error_set(err, res, _("cannot start the HTTP client"));
		goto out;
	}
	res = kvl_auth_new(az->http, &az->cloud, &options->auth,
			   options->sink, &az->auth);
	if (res != KVL_OK)
		kvl_error_set(err, res, _("cannot set up sign-in"));
out:
	if (res != KVL_OK)
		kvl_azure_clear(az);
	return res;
}

static void forget_tenants(struct kvl_azure *az)
{
	for (size_t i = 0; i < az->n_sub_tenants; i++) {
		free(az->sub_tenants[i].subscription_id);
		free(az->sub_tenants[i].tenant_id);
	}
	free(az->sub_tenants);
	az->sub_tenants = NULL;
	az->n_sub_tenants = 0;
}

void kvl_azure_clear(struct kvl_azure *az)
{
	forget_tenants(az);
	kvl_auth_free(az->auth);
	kvl_http_free(az->http);
	kvl_cloud_clear(&az->cloud);
	memset(az, 0, sizeof(*az));
}

kvl_result kvl_azure_service_init(struct kvl_azure *svc,
				  const struct kvl_azure *az,
				  const struct kvl_credential *credential,
				  struct kvl_error *err)
{
	kvl_result res;

	*svc = *az;
	svc->auth = NULL;
	/* The service identity has one tenant; az keeps its own list. */
	svc->sub_tenants = NULL;
	svc->n_sub_tenants = 0;
	res = kvl_auth_new_service(az->http, &svc->cloud, credential,
				   az->sink, &svc->auth);
	if (res != KVL_OK)
		return kvl_error_set(err, res, _("cannot set up the service "
						 "identity's sign-in"));
	return KVL_OK;
}

void kvl_azure_service_clear(struct kvl_azure *svc)
{
	forget_tenants(svc);
	kvl_auth_free(svc->auth);
	memset(svc, 0, sizeof(*svc));
}

typedef char *(*scope_fn)(const struct kvl_cloud *cloud);

static kvl_result service_token(struct kvl_azure *az, scope_fn scope_of,
				const char *tenant, const char **token,
				struct kvl_error *err)
{
	char *scope = scope_of(&az->cloud);
	kvl_result res;

	if (scope == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	res = kvl_auth_token(az->auth, scope, tenant, token, err);
	free(scope);
	return res;
}

kvl_result kvl_azure_arm_token(struct kvl_azure *az, const char *tenant,
			       const char **token, struct kvl_error *err)
{
	return service_token(az, kvl_cloud_arm_scope, tenant, token, err);
}

kvl_result kvl_azure_graph_token(struct kvl_azure *az, const char *tenant,
				 const char **token, struct kvl_error *err)
{
	return service_token(az, kvl_cloud_graph_scope, tenant, token, err);
}

kvl_result kvl_azure_vault_token(struct kvl_azure *az, const char *tenant,
				 const char **token, struct kvl_error *err)
{
	return service_token(az, kvl_cloud_vault_scope, tenant, token, err);
}

static struct kvl_subscription_tenant *find_sub(const struct kvl_azure *az,
						const char *sub, size_t len)
{
	for (size_t i = 0; i < az->n_sub_tenants; i++) {
		const char *id = az->sub_tenants[i].subscription_id;

		if (strlen(id) == len && strncasecmp(id, sub, len) == 0)
			return &az->sub_tenants[i];
	}
	return NULL;
}

kvl_result kvl_azure_set_tenant_of(struct kvl_azure *az, const char *sub,
				   const char *tenant)
{
	struct kvl_subscription_tenant *entry = find_sub(az, sub, strlen(sub));
	struct kvl_subscription_tenant *grown;
	char *copy = strdup(tenant);

	if (copy == NULL)
		return KVL_ERR_NOMEM;
	if (entry != NULL) {
		free(entry->tenant_id);
		entry->tenant_id = copy;
		return KVL_OK;
	}
	grown = realloc(az->sub_tenants,
			(az->n_sub_tenants + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(copy);
		return KVL_ERR_NOMEM;
	}
	az->sub_tenants = grown;
	entry = &grown[az->n_sub_tenants];
	entry->subscription_id = strdup(sub);
	entry->tenant_id = copy;
	if (entry->subscription_id == NULL) {
		free(copy);
		return KVL_ERR_NOMEM;
	}
	az->n_sub_tenants++;
	kvl_log("subscription %s belongs to tenant %s", sub, tenant);
	return KVL_OK;
}

const char *kvl_azure_tenant_of(const struct kvl_azure *az,
				const char *resource)
{
	static const char key[] = "/subscriptions/";
	const struct kvl_subscription_tenant *entry;
	const char *p = resource != NULL ? strcasestr(resource, key) : NULL;

	if (p == NULL)
		return NULL;
	p += strlen(key);
	entry = find_sub(az, p, strcspn(p, "/?"));
	return entry != NULL ? entry->tenant_id : NULL;
}
