/*
 * Export connections of an environment, stored in environment.json under
 * "connections".
 *
 * A connection keeps its credentials in one of two ways, chosen when it is
 * created:
 * - Key Vault mode (use_key_vault): each credential field names a secret
 *   in the linked vault. kvlink stores only the name and never reads or
 *   writes the secret's value.
 * - Typed mode: each credential is sealed with AES-256-GCM under the key
 *   file <env dir>/credentials.key (32 random bytes, mode 0600, created on
 *   first use) and stored base64-encoded. The plaintext never reaches the
 *   document.
 * A connection saved in Key Vault mode can never be switched to typed
 * credentials; a new connection has to be created instead.
 *
 * The functions here change the struct kvl_environment in memory only;
 * callers write it with kvl_envstore_save().
 */
#ifndef KVL_CONNECTIONS_H
#define KVL_CONNECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/keyvault.h"
#include "core/result.h"
#include "env/conntypes.h"
#include "env/envstore.h"

/* Name of the key file in the environment directory. */
#define KVL_CREDENTIALS_KEY_FILE "credentials.key"

/* Maximum length of a connection's display name, in characters. */
#define KVL_CONN_NAME_MAX KVL_ENV_NAME_MAX

/*
 * Checks a new display name: not empty, no white space at either end,
 * and what kvl_name_problem() checks with KVL_CONN_NAME_MAX. Returns NULL
 * when it passes, else a reason marked with N_() ("it is empty").
 */
const char *kvl_conn_name_problem(const char *name);

/* Audience of a connection: the roles that may use it in exports. */
enum kvl_conn_audience {
	KVL_AUDIENCE_ADMINS,	/* the default */
	KVL_AUDIENCE_ADMINS_AND_CONTRIBUTORS,
};

/*
 * The SSH host key of an SFTP-based connection's server that a user
 * trusted (on first use, or again after a change). It is not a secret.
 * It applies only while the connection's host and port are the ones it
 * was read from. All members are NULL until a key is trusted.
 */
struct kvl_conn_host_key {
	char *host;
	char *port;
	char *type;		/* SSH key type: "ssh-ed25519" */
	char *fingerprint;	/* OpenSSH form: "SHA256:" + base64 */
	char *trusted_at;	/* RFC 3339, UTC */
};

struct kvl_connection {
	char *id;		/* GUID, set by kvl_conn_add() when NULL */
	char *display_name;	/* unique in the environment, ignoring case */
	char *type_id;		/* struct kvl_conn_type.id */
	bool use_key_vault;
	/* Values of the fields that are not credentials. */
	struct kvl_field_value *fields;
	size_t n_fields;
	/* Key Vault mode: credential field key -> secret name. */
	struct kvl_field_value *secrets;
	size_t n_secrets;
	char *vault_name;	/* Key Vault mode: the linked vault ... */
	char *vault_uri;	/* ... when the connection was created */
	/* Typed mode: credential field key -> base64 sealed credential. */
	struct kvl_field_value *sealed;
	size_t n_sealed;
	enum kvl_conn_audience audience;
	char *created_by;	/* object id */
	char *created_by_name;
	char *created_at;	/* RFC 3339, UTC */
	char *updated_at;
	char *consent_by;	/* object id of who accepted the privacy text */
	char *consent_by_name;
	char *consent_at;
	struct kvl_conn_host_key host_key;	/* SFTP-based types */
	json_object *extra;	/* unknown members, kept on save */
};

/* Frees every member and zeroes conn; NULL-safe. */
void kvl_connection_clear(struct kvl_connection *conn);

/* Stable names of an audience: "admins", "admins-and-contributors". */
const char *kvl_conn_audience_name(enum kvl_conn_audience audience);
/* Parses a name of kvl_conn_audience_name(); false when unknown. */
bool kvl_conn_audience_parse(const char *name,
			     enum kvl_conn_audience *audience);

/* The connection whose id or display name (ignoring case) is name. */
struct kvl_connection *kvl_conn_find(const struct kvl_environment *env,
				     const char *name);

/*
 * Checks conn on its own: its type exists, its display name is not empty,
 * its field values pass kvl_conn_values_validate() (secret names for
 * credentials in Key Vault mode, sealed credentials as given), no field
 * is both plain and a credential, and a Key Vault mode connection has no
 * sealed credentials and a typed one no secret names.
 */
kvl_result kvl_conn_validate(const struct kvl_connection *conn,
			     struct kvl_error *err) KVL_NODISCARD;

/*
 * Adds conn to env after kvl_conn_validate(), kvl_conn_name_problem()
 * and a check that no other connection has the same display name
 * ignoring case (KVL_ERR_CONFLICT).
 * Key Vault mode needs a linked vault in env (KVL_ERR_PREREQ); its name
 * and URI are recorded. Fills id, created_at and updated_at when NULL.
 * Fills the plain fields that have defaults. On success env owns the
 * contents of conn and *conn is zeroed.
 */
kvl_result kvl_conn_add(struct kvl_environment *env,
			struct kvl_connection *conn,
			struct kvl_error *err) KVL_NODISCARD;

/* Renames conn (a member of env) after kvl_conn_name_problem(), keeping
 * names unique ignoring case. */
kvl_result kvl_conn_rename(struct kvl_environment *env,
			   struct kvl_connection *conn, const char *new_name,
			   struct kvl_error *err) KVL_NODISCARD;

/*
 * Sets the plain (non-credential) field key of conn to value, or removes
 * it when value is NULL; a field with a default gets its default back
 * instead. The value is checked against the field's kind.
 */
kvl_result kvl_conn_set_field(struct kvl_connection *conn, const char *key,
			      const char *value,
			      struct kvl_error *err) KVL_NODISCARD;

/*
 * Key Vault mode only: sets the credential field key to the secret named
 * secret_name (checked with kvl_conn_secret_name_validate()), or removes
 * it when secret_name is NULL. Checking that the secret exists in the
 * vault is kvl_conn_check_secret()'s job.
 */
kvl_result kvl_conn_set_secret(struct kvl_connection *conn, const char *key,
			       const char *secret_name,
			       struct kvl_error *err) KVL_NODISCARD;

/*
 * Turns Key Vault mode on or off. Turning it on drops the sealed
 * credentials (their secret names must then be set). Turning it off on a
 * connection that uses Key Vault is rejected with KVL_ERR_INVALID and a
 * message saying to create a new connection with typed credentials and
 * to delete this one separately.
 */
kvl_result kvl_conn_set_use_key_vault(struct kvl_connection *conn, bool on,
				      struct kvl_error *err) KVL_NODISCARD;

/* Removes the connection whose id or display name is name. */
kvl_result kvl_conn_delete(struct kvl_environment *env, const char *name,
			   struct kvl_error *err) KVL_NODISCARD;

/* Stamps conn->updated_at with the current time. */
kvl_result kvl_conn_touch(struct kvl_connection *conn,
			  struct kvl_error *err) KVL_NODISCARD;

/*
 * Records that the user object_id (named name) accepted the data privacy
 * and compliance statement now.
 */
kvl_result kvl_conn_consent(struct kvl_connection *conn,
			    const char *object_id, const char *name,
			    struct kvl_error *err) KVL_NODISCARD;

/*
 * Typed mode only: seals len bytes of plaintext for the credential field
 * key and stores the result in conn->sealed, replacing an earlier one.
 * The key file is <env_dir>/credentials.key (see kvl_seal_buffer()). The sealed
 * value is bound to the connection id and field key, so it cannot be
 * moved to another field or connection; conn->id must be set (it is
 * filled here when NULL). The caller still owns and wipes plaintext.
 */
kvl_result kvl_conn_seal_credential(const char *env_dir,
				    struct kvl_connection *conn,
				    const char *key, const char *plaintext,
				    size_t len,
				    struct kvl_error *err) KVL_NODISCARD;

/*
 * Decrypts the sealed credential of field key. KVL_ERR_NOT_FOUND when
 * there is none; KVL_ERR_PREREQ, with a message saying why and how to
 * recover, when it cannot be opened (key file missing, unreadable or
 * damaged, or the value fails authentication). The caller frees
 * *plaintext with kvl_free_secret() (it is NUL-terminated).
 */
kvl_result kvl_conn_open_credential(const char *env_dir,
				    const struct kvl_connection *conn,
				    const char *key, char **plaintext,
				    size_t *len,
				    struct kvl_error *err) KVL_NODISCARD;

/*
 * Checks, before a credential is sealed, that sealing will not make a new
 * credentials.key while env holds credentials sealed under the old one
 * (typed credentials of connections, or the service identity's client
 * secret): a new key would leave those unreadable for good.
 * KVL_ERR_PREREQ, with a message naming the holders and saying how to
 * recover, when the key file is missing or has the wrong size and any of
 * them exists; KVL_OK otherwise.
 */
kvl_result kvl_conn_check_credentials_key(const char *env_dir,
					  const struct kvl_environment *env,
					  struct kvl_error *err)
	KVL_NODISCARD;

/*
 * N_(): why the sealed credential of field key cannot be decrypted (key
 * file missing, unreadable or damaged, or the value fails
 * authentication); NULL when it decrypts or is not set. The plaintext is
 * wiped at once.
 */
const char *kvl_conn_credential_problem(const char *env_dir,
					const struct kvl_connection *conn,
					const char *key);

/*
 * N_(): why <env_dir>/credentials.key cannot be used (missing, unreadable,
 * or not a file of 32 bytes); NULL when it looks usable.
 */
const char *kvl_credentials_key_problem(const char *env_dir);

/* Whether a secret can back a credential, judged from its attributes. */
enum kvl_secret_usability {
	KVL_SECRET_USABLE,
	KVL_SECRET_DISABLED,	/* pickable after confirmation */
	KVL_SECRET_EXPIRED,	/* pickable after confirmation */
	KVL_SECRET_NOT_YET_VALID,	/* pickable after confirmation */
	KVL_SECRET_MANAGED,	/* backs a certificate: never offered */
};

/* Judges s at the time now (Unix seconds); disabled wins over dates. */
enum kvl_secret_usability kvl_secret_usability(
	const struct kvl_secret_item *s, int64_t now);

/* N_(): why a secret is not usable ("the secret is disabled"); NULL for
 * KVL_SECRET_USABLE. */
const char *kvl_secret_usability_reason(enum kvl_secret_usability u);

/*
 * The item of items named secret_name, compared ignoring case as Key
 * Vault compares secret names; NULL when there is none.
 */
const struct kvl_secret_item *kvl_conn_find_secret(
	const struct kvl_secret_item *items, size_t n,
	const char *secret_name);

/*
 * Looks secret_name up in items (a vault's list, from
 * kvl_kv_list_secrets()) with kvl_conn_find_secret() and checks that it
 * can be picked:
 * - not in the list: KVL_ERR_NOT_FOUND;
 * - managed: KVL_ERR_INVALID;
 * - disabled, expired or not yet valid: KVL_ERR_INVALID unless
 *   allow_unusable, in which case KVL_OK.
 * *usability (may be NULL) gets the verdict whenever the secret was found,
 * so callers can tell a confirmation is needed.
 */
kvl_result kvl_conn_check_secret(const struct kvl_secret_item *items,
				 size_t n, const char *secret_name,
				 bool allow_unusable, int64_t now,
				 enum kvl_secret_usability *usability,
				 struct kvl_error *err) KVL_NODISCARD;

/*
 * Trusts an SFTP server's host key for conn, replacing any earlier one,
 * and stamps trusted_at. host and port are those the key was read from;
 * fingerprint must pass kvl_sftp_fingerprint_valid() (KVL_ERR_INVALID).
 */
kvl_result kvl_conn_trust_host_key(struct kvl_connection *conn,
				   const char *host, const char *port,
				   const char *type, const char *fingerprint,
				   struct kvl_error *err) KVL_NODISCARD;

/*
 * The trusted fingerprint of conn for a server at host (compared
 * ignoring case) and port, or NULL when none was trusted for them.
 */
const char *kvl_conn_trusted_host_key(const struct kvl_connection *conn,
				      const char *host, const char *port);

/* Frees the members of key and zeroes it. */
void kvl_conn_host_key_clear(struct kvl_conn_host_key *key);

/*
 * Applies an edit that another kvlink's save overtook. base is the stored
 * form (kvl_conn_to_json) of the connection before the edit, edited the
 * connection after it, and conn the connection in env as saved since.
 * Each member of the stored form that the edit changed, and each key of
 * "fields", "secrets" and "sealedCredentials", is copied into conn.
 * Fails with KVL_ERR_CONFLICT, leaving conn unchanged, when the other
 * save changed one of them to another value, or took a new name.
 */
kvl_result kvl_conn_merge(const struct kvl_environment *env,
			  struct kvl_connection *conn, json_object *base,
			  const struct kvl_connection *edited,
			  struct kvl_error *err) KVL_NODISCARD;

/* JSON conversion of one connection, used by envjson.c. The JSON contains
 * secret names and sealed credentials, never a plaintext credential. */
kvl_result kvl_conn_from_json(json_object *obj, struct kvl_connection *conn,
			      struct kvl_error *err) KVL_NODISCARD;
json_object *kvl_conn_to_json(const struct kvl_connection *conn);

#endif
