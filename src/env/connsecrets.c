/*
 * Credentials of connections: sealing typed ones under credentials.key and
 * judging the vault secrets that Key Vault mode connections name.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "core/crypto.h"
#include "core/secret.h"
#include "env/connections.h"
#include "env/identity.h"
#include "i18n.h"

/* Length of credentials.key: an AES-256 key. */
#define CREDENTIALS_KEY_LEN 32

/* Path of the key file in env_dir; the caller frees it. */
static char *key_path(const char *env_dir)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s", env_dir, KVL_CREDENTIALS_KEY_FILE) < 0)
		return NULL;
	return path;
}

/*
 * Additional authenticated data of a sealed credential: it binds the
 * sealed bytes to one connection and field, so a sealed value copied to
 * another field or connection fails authentication.
 */
static char *seal_context(const struct kvl_connection *conn,
			  const char *key)
{
	char *aad = NULL;

	if (asprintf(&aad, "kvlink-connection:%s:%s", conn->id, key) < 0)
		return NULL;
	return aad;
}

/* Checks that key is a credential field of a typed connection. */
static kvl_result check_typed_credential(const struct kvl_connection *conn,
					 const char *key,
					 const struct kvl_field_def **field,
					 struct kvl_error *err)
{
	const struct kvl_conn_type *type = kvl_conn_type_find(conn->type_id);
	const struct kvl_field_def *f = kvl_conn_type_field(type, key);

	if (f == NULL || !f->credential)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("'%s' is not a credential field of %s; "
				       "run 'kvlink connection types' to see "
				       "them"), key != NULL ? key : "",
				     type != NULL ? type->display_name
					: _("this connection type"));
	if (conn->use_key_vault)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("connection '%s' uses Key Vault, so "
				       "its credentials are secret names and "
				       "cannot be typed"),
				     conn->display_name != NULL
					? conn->display_name : "");
	*field = f;
	return KVL_OK;
}

/* Checks a credential to be sealed without ever quoting it. */
static kvl_result check_plaintext(const struct kvl_field_def *f,
				  const char *plaintext, size_t len,
				  struct kvl_error *err)
{
	if (len == 0)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("%s (%s) is empty; type the credential"),
				     f->label, f->key);
	if (strlen(plaintext) != len)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("%s (%s) contains a NUL byte"),
				     f->label, f->key);
	return kvl_conn_field_validate(f, plaintext, err);
}

static kvl_result ensure_id(struct kvl_connection *conn,
			    struct kvl_error *err)
{
	char id[37];

	if (conn->id != NULL)
		return KVL_OK;
	if (kvl_uuid4(id) != KVL_OK)
		return kvl_error_set(err, KVL_ERR_IO,
				     _("cannot create a connection id"));
	conn->id = strdup(id);
	if (conn->id == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

/* Stores encoded as the sealed value of key, replacing an older one. */
static kvl_result store_sealed(struct kvl_connection *conn, const char *key,
			       char *encoded, struct kvl_error *err)
{
	struct kvl_field_value *grown;
	size_t i;

	for (i = 0; i < conn->n_sealed; i++) {
		if (strcmp(conn->sealed[i].key, key) == 0) {
			kvl_free_secret(conn->sealed[i].value);
			conn->sealed[i].value = encoded;
			return KVL_OK;
		}
	}
	grown = realloc(conn->sealed, (conn->n_sealed + 1) * sizeof(*grown));
	if (grown == NULL)
		goto nomem;
	conn->sealed = grown;
	grown[conn->n_sealed].key = strdup(key);
	if (grown[conn->n_sealed].key == NULL)
		goto nomem;
	grown[conn->n_sealed].value = encoded;
	conn->n_sealed++;
	return KVL_OK;

nomem:
	free(encoded);
	return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
}

kvl_result kvl_conn_seal_credential(const char *env_dir,
				    struct kvl_connection *conn,
				    const char *key, const char *plaintext,
				    size_t len, struct kvl_error *err)
{
	const struct kvl_field_def *f = NULL;
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	char *path = NULL, *aad = NULL, *encoded;
	kvl_result rc;

	rc = check_typed_credential(conn, key, &f, err);
	if (rc == KVL_OK)
		rc = check_plaintext(f, plaintext, len, err);
	if (rc == KVL_OK)
		rc = ensure_id(conn, err);
	if (rc != KVL_OK)
		return rc;

	path = key_path(env_dir);
	aad = seal_context(conn, key);
	if (path == NULL || aad == NULL) {
		rc = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	rc = kvl_seal_buffer(path, aad, plaintext, len, &sealed, &sealed_len,
			     err);
	if (rc != KVL_OK)
		goto out;

	encoded = kvl_base64_encode(sealed, sealed_len);
	if (encoded == NULL) {
		rc = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	rc = store_sealed(conn, key, encoded, err);
out:
	free(sealed);
	free(aad);
	free(path);
	return rc;
}

/* Opens a sealed credential; failures keep the result of the crypto
 * layer (KVL_ERR_PARSE when the value fails authentication). */
static kvl_result open_credential(const char *env_dir,
				  const struct kvl_connection *conn,
				  const char *key, char **plaintext,
				  size_t *len, struct kvl_error *err)
{
	const char *encoded = NULL;
	unsigned char *sealed = NULL;
	size_t i, sealed_len = 0;
	char *path = NULL, *aad = NULL;
	kvl_result rc;

	for (i = 0; key != NULL && i < conn->n_sealed; i++)
		if (strcmp(conn->sealed[i].key, key) == 0)
			encoded = conn->sealed[i].value;
	if (encoded == NULL || conn->id == NULL)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
				     _("connection '%s' has no typed "
				       "credential '%s'"),
				     conn->display_name != NULL
					? conn->display_name : "",
				     key != NULL ? key : "");
	if (kvl_base64_decode(encoded, &sealed, &sealed_len) != KVL_OK)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the sealed credential '%s' of '%s' is "
				       "not base64; type it again"), key,
				     conn->display_name);

	path = key_path(env_dir);
	aad = seal_context(conn, key);
	if (path == NULL || aad == NULL)
		rc = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	else
		rc = kvl_open_sealed_buffer(path, aad, sealed, sealed_len,
					    plaintext, len, err);
	free(sealed);
	free(aad);
	free(path);
	return rc;
}

enum key_file_state {
	KEY_FILE_USABLE,	/* a regular file of the right size */
	KEY_FILE_MISSING,
	KEY_FILE_UNREADABLE,
	KEY_FILE_DAMAGED,
};

static enum key_file_state key_file_state(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? KEY_FILE_MISSING
				       : KEY_FILE_UNREADABLE;
	if (!S_ISREG(st.st_mode) || st.st_size != CREDENTIALS_KEY_LEN)
		return KEY_FILE_DAMAGED;
	return KEY_FILE_USABLE;
}

/* N_(): what is wrong with the key file at path, to follow its name;
 * NULL when it looks usable. */
static const char *key_file_problem(const char *path)
{
	switch (key_file_state(path)) {
	case KEY_FILE_MISSING:
		return N_("is missing");
	case KEY_FILE_UNREADABLE:
		return N_("cannot be read");
	case KEY_FILE_DAMAGED:
		return N_("is damaged (it must be a file of exactly 32 "
			  "bytes)");
	case KEY_FILE_USABLE:
		break;
	}
	return NULL;
}

const char *kvl_credentials_key_problem(const char *env_dir)
{
	char *path = key_path(env_dir);
	enum key_file_state state;

	if (path == NULL)
		return N_("the key file credentials.key cannot be read");
	state = key_file_state(path);
	free(path);
	switch (state) {
	case KEY_FILE_MISSING:
		return N_("the key file credentials.key is missing");
	case KEY_FILE_UNREADABLE:
		return N_("the key file credentials.key cannot be read");
	case KEY_FILE_DAMAGED:
		return N_("the key file credentials.key is damaged (it must "
			  "be a file of exactly 32 bytes)");
	case KEY_FILE_USABLE:
		break;
	}
	return NULL;
}

/* N_(): why a sealed value failed to open with result rc; NULL when the
 * message of the crypto layer says it better (a key file with the wrong
 * mode, say). */
static const char *open_problem(const char *env_dir, kvl_result rc)
{
	const char *problem = kvl_credentials_key_problem(env_dir);

	if (problem != NULL)
		return problem;
	if (rc == KVL_ERR_PARSE)
		return N_("it was changed, copied from another field or "
			  "connection, or sealed with another key");
	return NULL;
}

kvl_result kvl_conn_open_credential(const char *env_dir,
				    const struct kvl_connection *conn,
				    const char *key, char **plaintext,
				    size_t *len, struct kvl_error *err)
{
	const char *problem;
	char *detail = NULL;
	kvl_result rc;

	rc = open_credential(env_dir, conn, key, plaintext, len, err);
	if (rc == KVL_OK || rc == KVL_ERR_NOT_FOUND || rc == KVL_ERR_NOMEM)
		return rc;

	problem = open_problem(env_dir, rc);
	if (problem == NULL && err != NULL && err->message != NULL)
		detail = strdup(err->message);
	kvl_error_set(err, KVL_ERR_PREREQ,
		      _("cannot open the sealed credential '%s' of connection "
			"'%s': %s; restore credentials.key from a backup of "
			"the environment directory, or type the credential "
			"again with 'kvlink connection edit'"), key,
		      conn->display_name != NULL ? conn->display_name : "",
		      problem != NULL ? problem : detail != NULL ? detail
			: _("the key file credentials.key cannot be read"));
	free(detail);
	return KVL_ERR_PREREQ;
}

/* Appends item to the comma-separated *list; false when out of memory. */
static bool append_owner(char **list, const char *item)
{
	char *grown;

	if (asprintf(&grown, "%s%s%s", *list != NULL ? *list : "",
		     *list != NULL ? ", " : "", item) < 0)
		return false;
	free(*list);
	*list = grown;
	return true;
}

/*
 * "'A', 'B', the service identity's client secret": the parts of env with
 * credentials sealed under credentials.key; NULL when there are none.
 */
static char *sealed_owner_list(const struct kvl_environment *env,
			       bool *nomem)
{
	const struct kvl_env_identity *id = env->service_identity;
	char *list = NULL, *quoted;
	size_t i;

	*nomem = false;
	for (i = 0; i < env->n_connections; i++) {
		const struct kvl_connection *c = &env->connections[i];

		if (c->n_sealed == 0)
			continue;
		if (asprintf(&quoted, "'%s'", c->display_name != NULL
			     ? c->display_name : c->id) < 0)
			goto nomem;
		if (!append_owner(&list, quoted)) {
			free(quoted);
			goto nomem;
		}
		free(quoted);
	}
	if (id != NULL && id->sealed_secret != NULL &&
	    !append_owner(&list, _("the service identity's client secret")))
		goto nomem;
	return list;

nomem:
	free(list);
	*nomem = true;
	return NULL;
}

kvl_result kvl_conn_check_credentials_key(const char *env_dir,
					  const struct kvl_environment *env,
					  struct kvl_error *err)
{
	char *path = key_path(env_dir), *owners = NULL;
	const char *problem;
	bool nomem = false;
	kvl_result rc = KVL_OK;

	if (path == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	problem = key_file_problem(path);
	if (problem == NULL)
		goto out;
	owners = sealed_owner_list(env, &nomem);
	if (nomem)
		rc = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	if (owners == NULL)
		goto out;

	rc = kvl_error_set(err, KVL_ERR_PREREQ,
			   _("the credentials key file '%s' %s, so the sealed "
			     "credentials of %s cannot be decrypted, and "
			     "kvlink will not make a new key over them; "
			     "restore the file from a backup of the "
			     "environment directory, or set those credentials "
			     "again: delete the connections and add them "
			     "again, and run 'kvlink env identity set' for "
			     "the service identity"), path, problem, owners);
out:
	free(owners);
	free(path);
	return rc;
}

const char *kvl_conn_credential_problem(const char *env_dir,
					const struct kvl_connection *conn,
					const char *key)
{
	struct kvl_error ignored;
	const char *problem;
	char *plain = NULL;
	size_t len = 0;
	kvl_result rc;

	kvl_error_init(&ignored);
	rc = open_credential(env_dir, conn, key, &plain, &len, &ignored);
	kvl_error_clear(&ignored);
	kvl_secret_free(plain, len);
	if (rc == KVL_OK || rc == KVL_ERR_NOT_FOUND)
		return NULL;
	problem = open_problem(env_dir, rc);
	return problem != NULL ? problem
		: N_("the key file credentials.key cannot be read");
}

enum kvl_secret_usability kvl_secret_usability(
	const struct kvl_secret_item *s, int64_t now)
{
	if (s->managed)
		return KVL_SECRET_MANAGED;
	if (!s->enabled)
		return KVL_SECRET_DISABLED;
	if (s->expires != 0 && s->expires <= now)
		return KVL_SECRET_EXPIRED;
	if (s->not_before != 0 && s->not_before > now)
		return KVL_SECRET_NOT_YET_VALID;
	return KVL_SECRET_USABLE;
}

const char *kvl_secret_usability_reason(enum kvl_secret_usability u)
{
	switch (u) {
	case KVL_SECRET_USABLE:
		return NULL;
	case KVL_SECRET_DISABLED:
		return N_("the secret is disabled");
	case KVL_SECRET_EXPIRED:
		return N_("the secret has expired");
	case KVL_SECRET_NOT_YET_VALID:
		return N_("the secret is not valid yet (not-before date)");
	case KVL_SECRET_MANAGED:
		return N_("the secret backs a certificate");
	}
	return N_("the secret cannot be used");
}

const struct kvl_secret_item *kvl_conn_find_secret(
	const struct kvl_secret_item *items, size_t n,
	const char *secret_name)
{
	size_t i;

	for (i = 0; secret_name != NULL && i < n; i++)
		if (items[i].name != NULL &&
		    strcasecmp(items[i].name, secret_name) == 0)
			return &items[i];
	return NULL;
}

kvl_result kvl_conn_check_secret(const struct kvl_secret_item *items,
				 size_t n, const char *secret_name,
				 bool allow_unusable, int64_t now,
				 enum kvl_secret_usability *usability,
				 struct kvl_error *err)
{
	const struct kvl_secret_item *item;
	enum kvl_secret_usability u;
	struct kvl_error ignored;

	item = kvl_conn_find_secret(items, n, secret_name);
	if (item == NULL) {
		/* Only a valid secret name is quoted: the text may be a
		 * credential pasted into the wrong place. */
		kvl_error_init(&ignored);
		if (kvl_conn_secret_name_validate("", secret_name, &ignored)
		    == KVL_OK)
			kvl_error_set(err, KVL_ERR_NOT_FOUND,
				      _("the linked vault has no secret named "
					"'%s'; check the name or add the "
					"secret to the vault"), secret_name);
		else
			kvl_error_set(err, KVL_ERR_NOT_FOUND,
				      _("the linked vault has no secret with "
					"that name; check the name or add the "
					"secret to the vault"));
		kvl_error_clear(&ignored);
		return KVL_ERR_NOT_FOUND;
	}

	u = kvl_secret_usability(item, now);
	if (usability != NULL)
		*usability = u;
	if (u == KVL_SECRET_MANAGED)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("secret '%s' backs a certificate and "
				       "cannot be picked; choose another "
				       "secret"), secret_name);
	if (u != KVL_SECRET_USABLE && !allow_unusable)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("secret '%s' cannot be used as it is: "
				       "%s; confirm to pick it anyway"),
				     secret_name,
				     kvl_secret_usability_reason(u));
	return KVL_OK;
}
