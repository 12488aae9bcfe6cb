/*
 * Internals shared by auth.c (the chain, device code and cached sign-in)
 * and auth_methods.c (the environment, workload identity, managed
 * identity and Azure CLI credentials). Nothing outside core/auth*.c
 * includes this.
 */
#ifndef KVL_AUTH_PRIVATE_H
#define KVL_AUTH_PRIVATE_H

#include <json-c/json.h>

#include "core/auth.h"
#include "core/tokencache.h"

struct kvl_auth {
	struct kvl_http *http;
	const struct kvl_cloud *cloud;
	const struct kvl_sink *sink;
	enum kvl_auth_method method;	/* requested, maybe KVL_AUTH_AUTO */
	enum kvl_auth_method used;	/* the method signed in with */
	char *tenant;		/* sign-in tenant */
	bool tenant_given;	/* the caller named the tenant */
	bool own_sign_in_only;	/* see struct kvl_auth_options */
	char *client_id;	/* public client for device code */
	char *cache_path;
	char *cache_key_path;
	struct kvl_token_cache cache;
	bool cache_loaded;
	struct kvl_credential service;	/* KVL_AUTH_SERVICE */
	char *app_client_id;	/* AZURE_CLIENT_ID of env, workload and
				   managed identity */
	struct kvl_signing_cert *env_cert;	/* env with a certificate */
	bool signed_in;
	struct kvl_identity identity;
	kvl_auth_wait_fn wait;
	void *wait_ctx;
};

/* One field of a token request form, sent URL-encoded. */
struct kvl_form_field {
	const char *name;
	const char *value;
};

#define KVL_ASSERTION_TYPE_JWT \
	"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* {authority}/{tenant}/oauth2/v2.0/{endpoint}; the caller frees it. */
char *kvl_auth_endpoint_url(const struct kvl_auth *auth, const char *tenant,
			    const char *endpoint);

/*
 * POSTs URL-encoded fields (ended by a NULL name) to
 * {authority}/{tenant}/oauth2/v2.0/{endpoint} and wipes the encoded form
 * afterwards. *status gets the HTTP status and *body the parsed JSON,
 * whatever the status.
 */
kvl_result kvl_auth_post_form(struct kvl_auth *auth, const char *tenant,
			      const char *endpoint,
			      const struct kvl_form_field *fields,
			      long *status, json_object **body,
			      struct kvl_error *err) KVL_NODISCARD;

/* Fills err from an Entra error body, followed by advice; returns
 * KVL_ERR_AUTH. */
kvl_result kvl_auth_entra_error(json_object *body, long status,
				const char *advice, struct kvl_error *err);

/* Stores the tokens of a successful token response under (tenant,
 * scope), replacing the refresh token when a new one came back. */
kvl_result kvl_auth_store_tokens(struct kvl_auth *auth, const char *tenant,
				 const char *scope, json_object *body,
				 struct kvl_error *err) KVL_NODISCARD;

/* auth_methods.c */

/*
 * A client credentials grant for client_id in tenant, authenticated with
 * secret or, when not NULL, the client assertion; the token goes into
 * the in-memory cache under (tenant, scope). advice follows Entra's
 * error in the message.
 */
kvl_result kvl_auth_client_credentials(struct kvl_auth *auth,
				       const char *tenant,
				       const char *client_id,
				       const char *secret,
				       const char *assertion,
				       const char *scope, const char *advice,
				       struct kvl_error *err) KVL_NODISCARD;

/*
 * Whether method's inputs are present: its environment variables, a
 * managed identity endpoint, an az program with a sign-in. Sends no
 * request. *why gets a static text naming what is missing, for the log.
 */
bool kvl_auth_method_ready(struct kvl_auth *auth,
			   enum kvl_auth_method method, const char **why);

/*
 * Checks and loads method's inputs before its first token request (the
 * certificate of env, the token file of workload identity) and sets the
 * sign-in tenant. Fails with KVL_ERR_AUTH and a message naming the
 * variables to set when an input is missing or unusable.
 */
kvl_result kvl_auth_method_prepare(struct kvl_auth *auth,
				   enum kvl_auth_method method,
				   struct kvl_error *err) KVL_NODISCARD;

/* Gets a token for scope from the managed identity endpoint, for the
 * user-assigned identity client_id or (NULL) the system-assigned one,
 * into the in-memory cache under (tenant, scope). */
kvl_result kvl_auth_managed_token(struct kvl_auth *auth,
				  const char *client_id, const char *tenant,
				  const char *scope, struct kvl_error *err)
	KVL_NODISCARD;

/* Gets a token for scope in tenant with auth->used (env, workload
 * identity, managed identity or azure-cli) into the in-memory cache. */
kvl_result kvl_auth_method_token(struct kvl_auth *auth, const char *tenant,
				 const char *scope, struct kvl_error *err)
	KVL_NODISCARD;

#endif
