/*
 * Sign-in to Microsoft Entra ID and access tokens per scope.
 *
 * A chain of credentials, each also selectable on its own (the method
 * names are kvlink's --auth values), in the order KVL_AUTH_AUTO tries
 * them:
 *   env                a service principal from AZURE_TENANT_ID,
 *                      AZURE_CLIENT_ID and AZURE_CLIENT_SECRET or
 *                      AZURE_CLIENT_CERTIFICATE_PATH (PEM, or PKCS#12
 *                      with AZURE_CLIENT_CERTIFICATE_PASSWORD; PS256
 *                      client assertion)
 *   workload-identity  AZURE_TENANT_ID, AZURE_CLIENT_ID and
 *                      AZURE_FEDERATED_TOKEN_FILE, whose token is read
 *                      again for every token request
 *   cached             the refresh token kvlink saved at its last sign-in
 *   managed-identity   IDENTITY_ENDPOINT with IDENTITY_HEADER, or the
 *                      instance metadata service on an Azure VM only
 *   azure-cli          'az account get-access-token' run as a child
 *   device-code        the device code flow for people (the server's
 *                      message goes to the sink's device_code callback;
 *                      polling honours the interval, slow_down and
 *                      expired_token, and stops on a cancel)
 * KVL_AUTH_AUTO uses the first whose inputs are present, the device code
 * flow only when interactive.
 *
 * Only the device code and cached sign-ins keep their tokens in the token
 * cache file (sealed, mode 0600), so that the next run does not sign in
 * again; the other methods get fresh tokens in every run.
 */
#ifndef KVL_AUTH_H
#define KVL_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/cloud.h"
#include "core/credential.h"
#include "core/http.h"
#include "core/result.h"
#include "core/sink.h"

/* Azure CLI's well-known public client; works in any tenant. */
#define KVL_DEFAULT_CLIENT_ID "04b07795-8ddb-461a-bbee-02f9e1bf7b46"

enum kvl_auth_method {
	KVL_AUTH_AUTO,		/* the first available method below */
	KVL_AUTH_DEVICE_CODE,
	KVL_AUTH_ENVIRONMENT,	/* service principal from AZURE_* */
	KVL_AUTH_WORKLOAD_IDENTITY,
	KVL_AUTH_MANAGED_IDENTITY,
	KVL_AUTH_CACHED,
	KVL_AUTH_AZURE_CLI,
	KVL_AUTH_SERVICE,	/* kvl_auth_new_service() only */
};

/* The stable name of a method: "auto", "env", "workload-identity",
 * "managed-identity", "cached", "azure-cli", "device-code" or
 * "service-identity". */
const char *kvl_auth_method_name(enum kvl_auth_method method);
/* Reads a name of kvl_auth_method_name() other than "service-identity",
 * or "client-secret" (the older name of "env"); false for anything
 * else. */
bool kvl_auth_method_parse(const char *name, enum kvl_auth_method *method);

struct kvl_auth_options {
	enum kvl_auth_method method;
	const char *tenant;	/* NULL: cloud->tenant or "organizations" */
	const char *client_id;	/* NULL: KVLINK_CLIENT_ID or the default */
	const char *cache_path;	/* NULL: no token cache */
	const char *cache_key_path;
	/* Only kvlink's own sign-ins (cached and device code): the chain
	 * never reads AZURE_* or IDENTITY_* nor runs az, and the other
	 * methods are rejected. Set for a sandbox, which must never see a
	 * real credential. */
	bool own_sign_in_only;
};

/* The signed-in principal, read from the access token's claims. */
struct kvl_identity {
	char *object_id;	/* oid */
	char *tenant_id;	/* tid */
	char *name;		/* upn, preferred_username, unique_name or
				   app id for service principals */
	bool is_app;		/* idtyp == "app" */
};

struct kvl_auth;

kvl_result kvl_auth_new(struct kvl_http *http, const struct kvl_cloud *cloud,
			const struct kvl_auth_options *options,
			const struct kvl_sink *sink, struct kvl_auth **out)
	KVL_NODISCARD;
void kvl_auth_free(struct kvl_auth *auth);

/*
 * Creates a sign-in that gets every token with credential (a copy is
 * kept), always in the credential's own tenant, with no token cache on
 * disk. kvl_auth_sign_in() then requests a Key Vault token and reads
 * the identity from it.
 */
kvl_result kvl_auth_new_service(struct kvl_http *http,
				const struct kvl_cloud *cloud,
				const struct kvl_credential *credential,
				const struct kvl_sink *sink,
				struct kvl_auth **out) KVL_NODISCARD;

/*
 * Makes sure someone is signed in: uses the cache when it holds a usable
 * token or refresh token, else signs in with the chosen method.
 * interactive false forbids the device code flow (no terminal).
 */
kvl_result kvl_auth_sign_in(struct kvl_auth *auth, bool interactive,
			    struct kvl_error *err) KVL_NODISCARD;

/* Whether kvl_auth_sign_in() would succeed without user interaction. */
bool kvl_auth_has_cached(struct kvl_auth *auth);

/* The method kvl_auth_sign_in() would use without user interaction:
 * the chosen one or the first of --auth auto's chain whose inputs are
 * present; KVL_AUTH_AUTO when there is none. Sends no request. */
enum kvl_auth_method kvl_auth_ready_method(struct kvl_auth *auth);

/*
 * Returns an access token for scope ("https://management.azure.com/
 * .default"), from memory, the cache, a refresh or client credentials.
 * tenant may be NULL for the sign-in tenant. The token stays owned by
 * auth and is valid until the next call.
 */
kvl_result kvl_auth_token(struct kvl_auth *auth, const char *scope,
			  const char *tenant, const char **token,
			  struct kvl_error *err) KVL_NODISCARD;

/*
 * Waits delay_ms between device code polls; returns false to cancel.
 * The default sleeps in short steps and watches the sink for a cancel.
 * Tests install their own to record the requested intervals.
 */
typedef bool (*kvl_auth_wait_fn)(void *ctx, long delay_ms);
void kvl_auth_set_wait(struct kvl_auth *auth, kvl_auth_wait_fn wait,
		       void *ctx);

/* The signed-in principal; NULL before a successful sign-in. */
const struct kvl_identity *kvl_auth_identity(const struct kvl_auth *auth);

/* The method that signed in (never KVL_AUTH_AUTO after a successful
 * kvl_auth_sign_in()); KVL_AUTH_AUTO before. */
enum kvl_auth_method kvl_auth_used_method(const struct kvl_auth *auth);

/* Forgets every token and removes the cache file. */
kvl_result kvl_auth_sign_out(struct kvl_auth *auth, struct kvl_error *err)
	KVL_NODISCARD;

/* Reads oid, tid, name and idtyp from a JWT's payload (no signature
 * check: the token came straight from the authority over TLS). */
kvl_result kvl_identity_from_jwt(const char *jwt, struct kvl_identity *id,
				 int64_t *expires_at, struct kvl_error *err)
	KVL_NODISCARD;
void kvl_identity_clear(struct kvl_identity *id);

#endif
