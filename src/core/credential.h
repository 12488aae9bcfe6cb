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

/* JWS algorithms of client assertions; both need an RSA key. */
enum kvl_jws_alg {
	KVL_JWS_RS256,		/* RSASSA-PKCS1-v1_5 with SHA-256 */
	KVL_JWS_PS256,		/* RSASSA-PSS, SHA-256, MGF1-SHA-256, 32-byte
				   salt */
};

/* A certificate and its RSA private key, loaded once and kept for
 * signing client assertions. */
struct kvl_signing_cert;

/*
 * Loads a certificate and its private key from path: a PEM file with
 * both (the key not encrypted) or, when the file is not PEM text, a
 * PKCS#12 (.pfx/.p12) file opened with password (NULL for none). The key
 * must be RSA and must match the certificate. A wrong password gives
 * KVL_ERR_INVALID with a message that says so.
 */
kvl_result kvl_signing_cert_load(const char *path, const char *password,
				 struct kvl_signing_cert **out,
				 struct kvl_error *err) KVL_NODISCARD;
void kvl_signing_cert_free(struct kvl_signing_cert *cert);

/*
 * Builds a client assertion for client_id: a JWT signed with alg by the
 * certificate's key, with the header members alg, typ and x5t#S256
 * (base64url of the certificate's SHA-256 thumbprint) and the claims aud
 * (the token endpoint URL), iss and sub (client_id), jti (a fresh GUID),
 * iat and nbf (now) and exp (now + KVL_ASSERTION_LIFETIME_S). The caller
 * frees *jwt.
 */
kvl_result kvl_signing_cert_assertion(const struct kvl_signing_cert *cert,
				      enum kvl_jws_alg alg,
				      const char *client_id,
				      const char *audience, int64_t now,
				      char **jwt, struct kvl_error *err)
	KVL_NODISCARD;

/* kvl_signing_cert_assertion() with RS256 for the PEM file at pem_path,
 * which the service identity uses. */
kvl_result kvl_client_assertion(const char *pem_path, const char *client_id,
				const char *audience, int64_t now, char **jwt,
				struct kvl_error *err) KVL_NODISCARD;

/* The base64url SHA-256 thumbprint of the first certificate in the PEM
 * file at pem_path; the caller frees *thumbprint. */
kvl_result kvl_certificate_thumbprint(const char *pem_path,
				      char **thumbprint,
				      struct kvl_error *err) KVL_NODISCARD;

/* Directory of the DMI (SMBIOS) data kvl_is_azure_vm() reads. */
#define KVL_DMI_DIR "/sys/class/dmi/id"
/* Replaces KVL_DMI_DIR; meant for tests only. */
#define KVL_DMI_DIR_ENV "KVLINK_TEST_DMI_DIR"

/*
 * Whether this machine is an Azure virtual machine, from its DMI data:
 * sys_vendor is "Microsoft Corporation" and chassis_asset_tag is the tag
 * Azure gives every VM. Hyper-V guests elsewhere share the vendor but
 * not the tag. Only an Azure VM may talk to the instance metadata
 * service.
 */
bool kvl_is_azure_vm(void);

/*
 * The managed identity endpoint in use: IDENTITY_ENDPOINT when both it
 * and IDENTITY_HEADER are set (App Service, Functions, Container Apps),
 * else the instance metadata service. Returns a static string or the
 * environment's value; *app_service says which. kvlink only sends a
 * request to the instance metadata service when kvl_is_azure_vm().
 */
const char *kvl_managed_identity_endpoint(bool *app_service);

/*
 * Gets an access token for resource (a scope without "/.default") from
 * the managed identity endpoint, for the user-assigned identity client_id
 * or, when NULL, the system-assigned one. Without IDENTITY_ENDPOINT and
 * IDENTITY_HEADER on a machine that is not an Azure VM it fails with
 * KVL_ERR_AUTH and sends nothing. The caller frees *token with
 * kvl_free_secret(); *expires_at is Unix seconds.
 */
/*
 * Reads the access token and its expiry from a managed identity
 * endpoint's 200 response; now is the current Unix time, for expires_in.
 * The caller frees *token with kvl_free_secret(); it is NULL on failure.
 */
kvl_result kvl_managed_identity_parse(const char *text, size_t len,
				      int64_t now, char **token,
				      int64_t *expires_at,
				      struct kvl_error *err) KVL_NODISCARD;

kvl_result kvl_managed_identity_token(struct kvl_http *http,
				      const char *client_id,
				      const char *resource, char **token,
				      int64_t *expires_at,
				      struct kvl_error *err) KVL_NODISCARD;

#endif
