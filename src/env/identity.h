/*
 * The environment's service identity: the identity of the Customer
 * Insights app that `kvlink check` signs in as to read connection
 * secrets. It is stored in environment.json as the member
 * "serviceIdentity"; a client secret is sealed there under
 * credentials.key (see kvl_seal_buffer) and never written in clear. A
 * certificate stays in the user's own PEM file, which is only named.
 */
#ifndef KVL_ENV_IDENTITY_H
#define KVL_ENV_IDENTITY_H

#include <stdbool.h>

#include <json-c/json.h>

#include "core/credential.h"
#include "core/result.h"

struct kvl_env_identity {
	enum kvl_credential_kind kind;
	char *tenant_id;	/* client secret and certificate */
	char *client_id;	/* optional for a managed identity */
	char *certificate_path;	/* certificate: absolute path of the PEM */
	char *sealed_secret;	/* client secret: base64 of the sealed bytes */
	char *set_by;		/* object id of the Admin who set it */
	char *set_at;		/* RFC 3339, UTC */
};

/*
 * Whether id names an app other than Customer Insights by its client id.
 * False for a system-assigned managed identity, which has none.
 */
bool kvl_env_identity_other_app(const struct kvl_env_identity *id);

/* Reads the "serviceIdentity" object; *out is NULL when obj is NULL. */
kvl_result kvl_env_identity_from_json(json_object *obj,
				      struct kvl_env_identity **out,
				      struct kvl_error *err) KVL_NODISCARD;
json_object *kvl_env_identity_to_json(const struct kvl_env_identity *id);
void kvl_env_identity_free(struct kvl_env_identity *id);

/*
 * Seals secret (len bytes) under the key file in env_dir into
 * id->sealed_secret, bound to the environment env_id and id->client_id,
 * so the sealed text copied to another environment or client id no
 * longer opens.
 */
kvl_result kvl_env_identity_seal(const char *env_dir, const char *env_id,
				 struct kvl_env_identity *id,
				 const char *secret, size_t len,
				 struct kvl_error *err) KVL_NODISCARD;

/*
 * Fills out with everything needed to sign in as id, opening the sealed
 * client secret. KVL_ERR_PREREQ, with a message saying why and how to
 * recover, when the secret cannot be opened. out is cleared with
 * kvl_credential_clear().
 */
kvl_result kvl_env_identity_credential(const char *env_dir,
				       const char *env_id,
				       const struct kvl_env_identity *id,
				       struct kvl_credential *out,
				       struct kvl_error *err) KVL_NODISCARD;

#endif
