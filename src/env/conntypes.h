/*
 * The registry of export connection types, kept as data. It lists each
 * type's fields, which of them are credentials, how each value is
 * validated, a one-line help text per field and whether the type can take
 * its credentials from a linked key vault. The wizard and the command line
 * both build their forms and checks from this table.
 *
 * Labels, help texts and rules are marked with N_(); callers translate
 * them with _() when they show them.
 */
#ifndef KVL_CONNTYPES_H
#define KVL_CONNTYPES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/result.h"

/* Validation rule of a field's value (see kvl_conn_field_validate()). */
enum kvl_field_kind {
	KVL_FIELD_TEXT,		/* any non-empty printable text */
	KVL_FIELD_HOSTNAME,	/* RFC 1123 host name, no scheme, no path */
	KVL_FIELD_PORT,		/* decimal 1-65535 */
	KVL_FIELD_PATH,		/* absolute: starts with "/" */
	KVL_FIELD_ID,		/* letters, digits, '-', '_', '.' */
	KVL_FIELD_NUMERIC_ID,	/* decimal digits only */
	KVL_FIELD_EMAIL,	/* local@domain, domain a host name */
	KVL_FIELD_USERNAME,	/* printable, no spaces or ':' */
	KVL_FIELD_URL,		/* https:// followed by a host name */
	KVL_FIELD_PRIVATE_KEY,	/* PEM or OpenSSH private key block */
	KVL_FIELD_GOOGLE_ADS_ID, /* 10 digits, dashes allowed (123-456-7890) */
};

/* One field of a connection type. */
struct kvl_field_def {
	const char *key;	/* stable key: "api_key", "host" */
	const char *label;	/* N_(): "API key" */
	const char *help;	/* N_(): one line shown under the field */
	enum kvl_field_kind kind;
	bool credential;	/* sealed, or a secret name in a vault */
	bool required;
	const char *default_value;	/* or NULL */
	const char *needs;	/* key of a field that must come with it */
};

/* One connection type. */
struct kvl_conn_type {
	const char *id;		/* stable id: "sftp", "sendgrid" */
	const char *display_name;	/* "SFTP", "SendGrid" */
	bool key_vault;		/* credentials may come from a linked vault */
	/*
	 * N_(): the credential rule in words ("a password or a private key
	 * is required"); NULL when every required credential is simply
	 * required on its own.
	 */
	const char *rule;
	/*
	 * NULL-terminated keys of credential fields of which at least one
	 * must be given; NULL when the type has no such rule.
	 */
	const char *const *one_of;
	const struct kvl_field_def *fields;
	size_t n_fields;
};

/* A field key with its value (or, in other contexts, a secret name). */
struct kvl_field_value {
	char *key;
	char *value;
};

/* The registered types, in the order they are offered. */
extern const struct kvl_conn_type kvl_conn_types[];
extern const size_t kvl_n_conn_types;

/* The type whose id or display name equals name ignoring case; or NULL. */
const struct kvl_conn_type *kvl_conn_type_find(const char *name);

/* The field of type with this key (exact match); or NULL. */
const struct kvl_field_def *kvl_conn_type_field(
	const struct kvl_conn_type *type, const char *key);

/* Number of credential fields of type. */
size_t kvl_conn_type_n_credentials(const struct kvl_conn_type *type);

/*
 * Checks one value against its field's kind. An empty value is accepted
 * only for a field that is not required. On failure the message names the
 * field's label and what is expected, translated; KVL_ERR_INVALID.
 */
kvl_result kvl_conn_field_validate(const struct kvl_field_def *field,
				   const char *value, struct kvl_error *err)
	KVL_NODISCARD;

/*
 * Checks a Key Vault secret name: 1 to 127 characters of 0-9, a-z, A-Z
 * and '-'. label names the field the secret is for, in the message.
 */
kvl_result kvl_conn_secret_name_validate(const char *label, const char *name,
					 struct kvl_error *err) KVL_NODISCARD;

/*
 * Checks a whole set of values for type:
 * - every key is a field of the type, and no key is given twice;
 * - every value is valid for its field (credential values as secret
 *   names when use_key_vault is set, else by their kind);
 * - every required field is given, or has a default;
 * - the type's one_of rule holds, and a field with needs set comes with
 *   that field;
 * - use_key_vault is set only for a type that supports it.
 * A credential entry whose value is NULL counts as given but is not
 * checked: it stands for a sealed credential kept from before.
 * KVL_ERR_INVALID with a message naming the field and what is expected.
 */
kvl_result kvl_conn_values_validate(const struct kvl_conn_type *type,
				    const struct kvl_field_value *values,
				    size_t n_values, bool use_key_vault,
				    struct kvl_error *err) KVL_NODISCARD;

#endif
