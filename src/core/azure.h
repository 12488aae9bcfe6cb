/*
 * The Azure client: one HTTP client, cloud profile and sign-in shared by
 * the Resource Manager, Graph and Key Vault modules.
 */
#ifndef KVL_AZURE_H
#define KVL_AZURE_H

#include "core/auth.h"
#include "core/cloud.h"
#include "core/http.h"
#include "core/sink.h"

/* The tenant that owns a subscription, as Resource Manager reported it. */
struct kvl_subscription_tenant {
	char *subscription_id;
	char *tenant_id;
};

struct kvl_azure {
	struct kvl_cloud cloud;
	struct kvl_http *http;
	struct kvl_auth *auth;
	const struct kvl_sink *sink;
	/* Tenants of the subscriptions seen so far, so that every Resource
	 * Manager call under a subscription uses its tenant's token. */
	struct kvl_subscription_tenant *sub_tenants;
	size_t n_sub_tenants;
};

struct kvl_azure_options {
	/* --cloud: a built-in cloud's name or a profile file; NULL: az
	 * CLI's current cloud, else AzureCloud (see kvl_cloud_select). */
	const char *cloud_file;
	struct kvl_auth_options auth;
	struct kvl_http_options http;	/* ca_bundle defaults to the
					   cloud profile's */
	const struct kvl_sink *sink;
};

kvl_result kvl_azure_init(struct kvl_azure *az,
			  const struct kvl_azure_options *options,
			  struct kvl_error *err) KVL_NODISCARD;
void kvl_azure_clear(struct kvl_azure *az);

/*
 * Sets up svc to call Azure as the service identity credential: it shares
 * az's HTTP client and cloud profile (az must outlive it) and has its own
 * sign-in. Release it with kvl_azure_service_clear(), never
 * kvl_azure_clear().
 */
kvl_result kvl_azure_service_init(struct kvl_azure *svc,
				  const struct kvl_azure *az,
				  const struct kvl_credential *credential,
				  struct kvl_error *err) KVL_NODISCARD;
void kvl_azure_service_clear(struct kvl_azure *svc);

/* Records that subscription sub belongs to tenant (replacing what was
 * recorded before). */
kvl_result kvl_azure_set_tenant_of(struct kvl_azure *az, const char *sub,
				   const char *tenant) KVL_NODISCARD;

/*
 * The tenant recorded for the subscription that a resource id or
 * Resource Manager URL names ("/subscriptions/{id}/..."), or NULL when
 * it names none or an unknown one (the sign-in tenant is used then).
 */
const char *kvl_azure_tenant_of(const struct kvl_azure *az,
				const char *resource);

/* Tokens for each service, for the sign-in tenant or a given one. */
kvl_result kvl_azure_arm_token(struct kvl_azure *az, const char *tenant,
			       const char **token, struct kvl_error *err)
	KVL_NODISCARD;
kvl_result kvl_azure_graph_token(struct kvl_azure *az, const char *tenant,
				 const char **token, struct kvl_error *err)
	KVL_NODISCARD;
kvl_result kvl_azure_vault_token(struct kvl_azure *az, const char *tenant,
				 const char **token, struct kvl_error *err)
	KVL_NODISCARD;

#endif
