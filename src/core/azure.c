#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/azure.h"
#include "core/log.h"

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
		kvl_error_set(err, res, "cannot start the HTTP client");
		goto out;
	}
	res = kvl_auth_new(az->http, &az->cloud, &options->auth,
			   options->sink, &az->auth);
	if (res != KVL_OK)
		kvl_error_set(err, res, "cannot set up sign-in");
out:
	if (res != KVL_OK)
		kvl_azure_clear(az);
	return res;
}

void kvl_azure_clear(struct kvl_azure *az)
{
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
	res = kvl_auth_new_service(az->http, &svc->cloud, credential,
				   az->sink, &svc->auth);
	if (res != KVL_OK)
		return kvl_error_set(err, res, "cannot set up the service "
				     "identity's sign-in");
	return KVL_OK;
}

void kvl_azure_service_clear(struct kvl_azure *svc)
{
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
		return kvl_error_set(err, KVL_ERR_NOMEM, "out of memory");
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
