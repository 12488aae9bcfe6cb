/*
 * Service identity credentials: how an application (not a person) signs
 * in to Microsoft Entra ID. Three kinds: a client secret, a certificate
 * (an RS256 client assertion signed with its private key) and a managed
 * identity (a token from the App Service endpoint or from Azure's
 * instance metadata service).
 *
 * kvl_auth_new_service() (core/auth.h) turns one into a sign-in.
 */
#ifndef KVL_CREDENTIAL_H
#define KVL_CREDENTIAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/http.h"
#include "core/result.h"

enum kvl_credential_kind {
	KVL_CREDENTIAL_CLIENT_SECRET,
	KVL_CREDENTIAL_CERTIFICATE,
	KVL_CREDENTIAL_MANAGED_IDENTITY,
};

struct kvl_credential {
	enum kvl_credential_kind kind;
	char *tenant;		/* client secret and certificate only */
	char *client_id;	/* optional for a managed identity */
	char *client_secret;	/* secret; client secret only */
	char *certificate_path;	/* PEM with certificate and private key */
};

/* Longest client assertion lifetime kvlink asks for, in seconds. Entra
 * ID accepts assertions that expire at most ten minutes ahead. */
#define KVL_ASSERTION_LIFETIME_S 600

/* App Service's managed identity protocol version. */
#define KVL_MSI_APP_SERVICE_API "2019-08-01"
/* The instance metadata service's managed identity protocol version. */
#define KVL_MSI_IMDS_API "2018-02-01"

/* Stable names: "clientSecret", "certificate", "managedIdentity". */
const char *kvl_credential_kind_name(enum kvl_credential_kind kind);
/* Reads a stable name, or the command line's "client-secret",
 * "certificate" and "managed-identity"; false for anything else. */
bool kvl_credential_kind_parse(const char *name,
			       enum kvl_credential_kind *kind);

/* Deep copy; dst is cleared with kvl_credential_clear(). */
kvl_result kvl_credential_copy(const struct kvl_credential *src,
			       struct kvl_credential *dst) KVL_NODISCARD;
/* Wipes the client secret and frees everything. */
void kvl_credential_clear(struct kvl_credential *cred);

/*
 * Builds a client assertion for client_id: a JWT signed with RS256 by
 * the private key in the PEM file at pem_path, with the header members
 * alg, typ and x5t#S256 (base64url of the certificate's SHA-256
 * thumbprint) and the claims aud (the token endpoint URL), iss and sub
 * (client_id), jti (a fresh GUID), iat and nbf (now) and exp (now +
 * KVL_ASSERTION_LIFETIME_S). The key must be RSA and not encrypted, and
 * must match the certificate. The caller frees *jwt.
 */
kvl_result kvl_client_assertion(const char *pem_path, const char *client_id,
				const char *audience, int64_t now, char **jwt,
				struct kvl_error *err) KVL_NODISCARD;

/* The base64url SHA-256 thumbprint of the first certificate in the PEM
 * file at pem_path; the caller frees *thumbprint. */
kvl_result kvl_certificate_thumbprint(const char *pem_path,
				      char **thumbprint,
				      struct kvl_error *err) KVL_NODISCARD;

/*
 * The managed identity endpoint in use: IDENTITY_ENDPOINT when both it
 * and IDENTITY_HEADER are set (App Service, Functions, Container Apps),
 * else the instance metadata service. Returns a static string or the
 * environment's value; *app_service says which.
 */
const char *kvl_managed_identity_endpoint(bool *app_service);

/*
 * Gets an access token for resource (a scope without "/.default") from
 * the managed identity endpoint, for the user-assigned identity client_id
 * or, when NULL, the system-assigned one. The caller frees *token with
 * kvl_free_secret(); *expires_at is Unix seconds.
 */
kvl_result kvl_managed_identity_token(struct kvl_http *http,
				      const char *client_id,
				      const char *resource, char **token,
				      int64_t *expires_at,
				      struct kvl_error *err) KVL_NODISCARD;

#endif
