/* Export connections in the environment: add, find, edit, delete. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "core/crypto.h"
#include "core/sanitize.h"
#include "core/sftp.h"
#include "env/connections.h"
#include "i18n.h"

static const char *const audience_names[] = {
	[KVL_AUDIENCE_ADMINS] = "admins",
	[KVL_AUDIENCE_ADMINS_AND_CONTRIBUTORS] = "admins-and-contributors",
};

static char *now_utc(void)
{
	char text[32];
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return strdup(text);
}

/* Frees an array of key/value pairs; wipe is for sealed or secret data. */
static void values_free(struct kvl_field_value *v, size_t n, bool wipe)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].key);
		if (wipe)
			kvl_free_secret(v[i].value);
		else
			free(v[i].value);
	}
	free(v);
}

void kvl_connection_clear(struct kvl_connection *conn)
{
	if (conn == NULL)
		return;
	free(conn->id);
	free(conn->display_name);
	free(conn->type_id);
	values_free(conn->fields, conn->n_fields, false);
	values_free(conn->secrets, conn->n_secrets, false);
	free(conn->vault_name);
	free(conn->vault_uri);
	values_free(conn->sealed, conn->n_sealed, true);
	free(conn->created_by);
	free(conn->created_by_name);
	free(conn->created_at);
	free(conn->updated_at);
	free(conn->consent_by);
	free(conn->consent_by_name);
	free(conn->consent_at);
	kvl_conn_host_key_clear(&conn->host_key);
	json_object_put(conn->extra);
	memset(conn, 0, sizeof(*conn));
}

const char *kvl_conn_audience_name(enum kvl_conn_audience audience)
{
	if ((size_t)audience >= sizeof(audience_names) /
				sizeof(audience_names[0]))
		return "admins";
	return audience_names[audience];
}

bool kvl_conn_audience_parse(const char *name,
			     enum kvl_conn_audience *audience)
{
	size_t i;

	for (i = 0; name != NULL &&
		    i < sizeof(audience_names) / sizeof(audience_names[0]);
	     i++) {
		if (strcmp(audience_names[i], name) == 0) {
			*audience = (enum kvl_conn_audience)i;
			return true;
		}
	}
	return false;
}

struct kvl_connection *kvl_conn_find(const struct kvl_environment *env,
				     const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < env->n_connections; i++) {
		struct kvl_connection *c = &env->connections[i];

		if ((c->id != NULL && strcasecmp(c->id, name) == 0) ||
		    (c->display_name != NULL &&
		     strcasecmp(c->display_name, name) == 0))
			return c;
	}
	return NULL;
}

static struct kvl_field_value *value_find(struct kvl_field_value *v,
					  size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].key, key) == 0)
			return &v[i];
	return NULL;
}

/*
 * Sets key to a copy of value in the array, or removes it when value is
 * NULL. wipe marks values that are secret, so old ones are wiped.
 */
static kvl_result values_set(struct kvl_field_value **v, size_t *n,
			     const char *key, const char *value, bool wipe,
			     struct kvl_error *err)
{
	struct kvl_field_value *slot = value_find(*v, *n, key), *grown;
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));

	if (slot != NULL) {
		if (wipe)
			kvl_free_secret(slot->value);
		else
			free(slot->value);
		slot->value = copy;
		if (copy == NULL) {
			free(slot->key);
			*slot = (*v)[*n - 1];
			(*n)--;
		}
		return KVL_OK;
	}
	if (copy == NULL)
		return KVL_OK;

	grown = realloc(*v, (*n + 1) * sizeof(**v));
	if (grown == NULL || (grown[*n].key = strdup(key)) == NULL) {
		if (grown != NULL)
			*v = grown;
		free(copy);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	grown[*n].value = copy;
	*v = grown;
	(*n)++;
	return KVL_OK;
}

static const struct kvl_conn_type *conn_type(const struct kvl_connection *c,
					     struct kvl_error *err)
{
	const struct kvl_conn_type *type = kvl_conn_type_find(c->type_id);

	if (type == NULL)
		kvl_error_set(err, KVL_ERR_INVALID,
			      _("unknown connection type '%s'; run 'kvlink "
				"connection types' to list them"),
			      c->type_id != NULL ? c->type_id : "");
	return type;
}

/* Checks that each key of v is a field whose credential flag is want. */
static kvl_result check_kind_of_keys(const struct kvl_conn_type *type,
				     const struct kvl_field_value *v,
				     size_t n, bool want_credential,
				     struct kvl_error *err)
{
	const struct kvl_field_def *f;
	size_t i;

	for (i = 0; i < n; i++) {
		f = kvl_conn_type_field(type, v[i].key);
		if (f == NULL || f->credential == want_credential)
			continue;
		if (want_credential)
			return kvl_error_set(err, KVL_ERR_INVALID,
					     _("%s (%s) is not a credential; "
					       "set it as a field"), f->label,
					     f->key);
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("%s (%s) is a credential; use a secret "
				       "name or --credential-stdin for it"),
				     f->label, f->key);
	}
	return KVL_OK;
}

/* Appends the entries of v to all, sharing the strings; sealed values are
 * replaced by NULL (given but not checked). */
static void append_values(struct kvl_field_value *all, size_t *n,
			  const struct kvl_field_value *v, size_t count,
			  bool hide_values)
{
	size_t i;

	for (i = 0; i < count; i++) {
		all[*n].key = v[i].key;
		all[*n].value = hide_values ? NULL : v[i].value;
		(*n)++;
	}
}

static kvl_result check_mode(const struct kvl_connection *conn,
			     struct kvl_error *err)
{
	if (conn->use_key_vault && conn->n_sealed > 0)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("connection '%s' uses Key Vault but "
				       "has typed credentials"),
				     conn->display_name);
	if (!conn->use_key_vault && conn->n_secrets > 0)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("connection '%s' has secret names but "
				       "does not use Key Vault; add "
				       "--use-key-vault"), conn->display_name);
	return KVL_OK;
}

kvl_result kvl_conn_validate(const struct kvl_connection *conn,
			     struct kvl_error *err)
{
	const struct kvl_conn_type *type = conn_type(conn, err);
	struct kvl_field_value *all = NULL;
	size_t n = 0;
	kvl_result rc;

	if (type == NULL)
		return KVL_ERR_INVALID;
	if (conn->display_name == NULL || conn->display_name[0] == '\0')
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the connection has no display name; "
				       "give one with --name"));
	rc = check_mode(conn, err);
	if (rc == KVL_OK)
		rc = check_kind_of_keys(type, conn->fields, conn->n_fields,
					false, err);
	if (rc == KVL_OK)
		rc = check_kind_of_keys(type, conn->secrets, conn->n_secrets,
					true, err);
	if (rc == KVL_OK)
		rc = check_kind_of_keys(type, conn->sealed, conn->n_sealed,
					true, err);
	if (rc != KVL_OK)
		return rc;

	all = calloc(conn->n_fields + conn->n_secrets + conn->n_sealed + 1,
		     sizeof(*all));
	if (all == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	append_values(all, &n, conn->fields, conn->n_fields, false);
	append_values(all, &n, conn->secrets, conn->n_secrets, false);
	append_values(all, &n, conn->sealed, conn->n_sealed, true);
	rc = kvl_conn_values_validate(type, all, n, conn->use_key_vault, err);
	free(all);
	return rc;
}

/* Whether another connection than self is named name, ignoring case. */
static bool name_taken(const struct kvl_environment *env, const char *name,
		       const struct kvl_connection *self)
{
	size_t i;

	for (i = 0; i < env->n_connections; i++) {
		const struct kvl_connection *c = &env->connections[i];

		if (c != self && c->display_name != NULL &&
		    strcasecmp(c->display_name, name) == 0)
			return true;
	}
	return false;
}

const char *kvl_conn_name_problem(const char *name)
{
	size_t len = name != NULL ? strlen(name) : 0;

	if (len == 0)
		return N_("it is empty");
	if (name[0] == ' ' || name[len - 1] == ' ')
		return N_("it starts or ends with a space");
	return kvl_name_problem(name, KVL_CONN_NAME_MAX);
}

/* Checks name with kvl_conn_name_problem(), quoting it only when it is
 * safe to print. */
static kvl_result check_name(const char *name, struct kvl_error *err)
{
	const char *problem = kvl_conn_name_problem(name);

	if (problem == NULL)
		return KVL_OK;
	if (kvl_name_problem(name, KVL_CONN_NAME_MAX) == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("invalid connection name '%s': %s; "
				       "give a name without spaces at either "
				       "end"),
				     name, _(problem));
	return kvl_error_set(err, KVL_ERR_INVALID,
			     _("invalid connection name: %s; use at most %d "
			       "characters of UTF-8 text without control "
			       "characters"), _(problem), KVL_CONN_NAME_MAX);
}

static kvl_result name_conflict(const char *name, struct kvl_error *err)
{
	return kvl_error_set(err, KVL_ERR_CONFLICT,
			     _("a connection named '%s' already exists (names "
			       "are compared ignoring case); choose another "
			       "name"), name);
}

/* Fills the plain fields that have defaults and were not given. */
static kvl_result apply_defaults(struct kvl_connection *conn,
				 const struct kvl_conn_type *type,
				 struct kvl_error *err)
{
	const struct kvl_field_def *f;
	kvl_result rc;
	size_t i;

	for (i = 0; i < type->n_fields; i++) {
		f = &type->fields[i];
		if (f->credential || f->default_value == NULL ||
		    value_find(conn->fields, conn->n_fields, f->key) != NULL)
			continue;
		rc = values_set(&conn->fields, &conn->n_fields, f->key,
				f->default_value, false, err);
		if (rc != KVL_OK)
			return rc;
	}
	return KVL_OK;
}

/* Fills what kvl_conn_add() records: id, times, the vault's name. */
static kvl_result fill_new(struct kvl_connection *conn,
			   const struct kvl_environment *env,
			   struct kvl_error *err)
{
	char id[37];

	if (conn->id == NULL) {
		if (kvl_uuid4(id) != KVL_OK)
			return kvl_error_set(err, KVL_ERR_IO,
					     _("cannot create a connection "
					       "id"));
		conn->id = strdup(id);
	}
	if (conn->created_at == NULL)
		conn->created_at = now_utc();
	if (conn->updated_at == NULL && conn->created_at != NULL)
		conn->updated_at = strdup(conn->created_at);
	if (conn->use_key_vault) {
		free(conn->vault_name);
		free(conn->vault_uri);
		conn->vault_name = env->vault.name != NULL
			? strdup(env->vault.name) : NULL;
		conn->vault_uri = env->vault.vault_uri != NULL
			? strdup(env->vault.vault_uri) : NULL;
	}
	if (conn->id == NULL || conn->created_at == NULL ||
	    conn->updated_at == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

kvl_result kvl_conn_add(struct kvl_environment *env,
			struct kvl_connection *conn, struct kvl_error *err)
{
	struct kvl_connection *grown;
	kvl_result rc;

	rc = kvl_conn_validate(conn, err);
	if (rc == KVL_OK)
		rc = check_name(conn->display_name, err);
	if (rc != KVL_OK)
		return rc;
	if (name_taken(env, conn->display_name, NULL))
		return name_conflict(conn->display_name, err);
	if (conn->use_key_vault && env->vault.state != KVL_LINK_LINKED)
		return kvl_error_set(err, KVL_ERR_PREREQ,
				     _("no key vault is linked to the "
				       "environment; link one with 'kvlink "
				       "link' or type the credentials "
				       "instead"));

	grown = realloc(env->connections,
			(env->n_connections + 1) * sizeof(*grown));
	if (grown == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	env->connections = grown;

	rc = apply_defaults(conn, kvl_conn_type_find(conn->type_id), err);
	if (rc == KVL_OK)
		rc = fill_new(conn, env, err);
	if (rc != KVL_OK)
		return rc;
	grown[env->n_connections++] = *conn;
	memset(conn, 0, sizeof(*conn));
	return KVL_OK;
}

kvl_result kvl_conn_rename(struct kvl_environment *env,
			   struct kvl_connection *conn, const char *new_name,
			   struct kvl_error *err)
{
	char *copy;

	if (new_name == NULL || new_name[0] == '\0')
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the new name is empty; give a display "
				       "name"));
	if (check_name(new_name, err) != KVL_OK)
		return KVL_ERR_INVALID;
	if (name_taken(env, new_name, conn))
		return name_conflict(new_name, err);
	copy = strdup(new_name);
	if (copy == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	free(conn->display_name);
	conn->display_name = copy;
	return KVL_OK;
}

/* The field key of conn's type, or an error naming the valid keys. */
static const struct kvl_field_def *field_of(const struct kvl_connection *c,
					    const char *key,
					    struct kvl_error *err)
{
	const struct kvl_conn_type *type = conn_type(c, err);
	const struct kvl_field_def *f;

	if (type == NULL)
		return NULL;
	f = kvl_conn_type_field(type, key);
	if (f == NULL)
		kvl_error_set(err, KVL_ERR_INVALID,
			      _("%s has no field '%s'; run 'kvlink connection "
				"types' to see its fields"), type->display_name,
			      key != NULL ? key : "");
	return f;
}

kvl_result kvl_conn_set_field(struct kvl_connection *conn, const char *key,
			      const char *value, struct kvl_error *err)
{
	const struct kvl_field_def *f = field_of(conn, key, err);
	kvl_result rc;

	if (f == NULL)
		return KVL_ERR_INVALID;
	if (f->credential)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("%s (%s) is a credential and cannot be "
				       "given as a field; use a secret name "
				       "or --credential-stdin"),
				     f->label, f->key);
	/* Clearing a field with a default restores the default, so a
	 * required field such as the SFTP port never ends up empty. */
	if (value == NULL)
		value = f->default_value;
	if (value != NULL) {
		rc = kvl_conn_field_validate(f, value, err);
		if (rc != KVL_OK)
			return rc;
	}
	return values_set(&conn->fields, &conn->n_fields, key, value, false,
			  err);
}

kvl_result kvl_conn_set_secret(struct kvl_connection *conn, const char *key,
			       const char *secret_name,
			       struct kvl_error *err)
{
	const struct kvl_field_def *f = field_of(conn, key, err);
	kvl_result rc;

	if (f == NULL)
		return KVL_ERR_INVALID;
	if (!f->credential)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("%s (%s) is not a credential; set it "
				       "as a field"), f->label, f->key);
	if (!conn->use_key_vault)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("connection '%s' does not use Key "
				       "Vault, so it takes no secret names"),
				     conn->display_name);
	if (secret_name != NULL) {
		rc = kvl_conn_secret_name_validate(f->label, secret_name,
						   err);
		if (rc != KVL_OK)
			return rc;
	}
	return values_set(&conn->secrets, &conn->n_secrets, key, secret_name,
			  false, err);
}

kvl_result kvl_conn_set_use_key_vault(struct kvl_connection *conn, bool on,
				      struct kvl_error *err)
{
	if (on == conn->use_key_vault)
		return KVL_OK;
	if (!on)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("connection '%s' uses Key Vault and "
				       "cannot be switched to typed "
				       "credentials; create a new connection "
				       "that uses typed credentials, then "
				       "delete this one separately"),
				     conn->display_name);

	values_free(conn->sealed, conn->n_sealed, true);
	conn->sealed = NULL;
	conn->n_sealed = 0;
	conn->use_key_vault = true;
	return KVL_OK;
}

kvl_result kvl_conn_delete(struct kvl_environment *env, const char *name,
			   struct kvl_error *err)
{
	struct kvl_connection *c = kvl_conn_find(env, name);
	size_t index;

	if (c == NULL)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
				     _("no connection named '%s'; run 'kvlink "
				       "connection list' to see them"),
				     name != NULL ? name : "");
	index = (size_t)(c - env->connections);
	kvl_connection_clear(c);
	memmove(c, c + 1,
		(env->n_connections - index - 1) * sizeof(*c));
	env->n_connections--;
	return KVL_OK;
}

kvl_result kvl_conn_touch(struct kvl_connection *conn,
			  struct kvl_error *err)
{
	char *now = now_utc();

	if (now == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	free(conn->updated_at);
	conn->updated_at = now;
	return KVL_OK;
}

kvl_result kvl_conn_consent(struct kvl_connection *conn,
			    const char *object_id, const char *name,
			    struct kvl_error *err)
{
	char *by, *by_name, *at;

	if (object_id == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the consent has no user; sign in "
				       "first"));
	by = strdup(object_id);
	by_name = name != NULL ? strdup(name) : NULL;
	at = now_utc();
	if (by == NULL || at == NULL || (name != NULL && by_name == NULL)) {
		free(by);
		free(by_name);
		free(at);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	free(conn->consent_by);
	free(conn->consent_by_name);
	free(conn->consent_at);
	conn->consent_by = by;
	conn->consent_by_name = by_name;
	conn->consent_at = at;
	return KVL_OK;
}

void kvl_conn_host_key_clear(struct kvl_conn_host_key *key)
{
	free(key->host);
	free(key->port);
	free(key->type);
	free(key->fingerprint);
	free(key->trusted_at);
	memset(key, 0, sizeof(*key));
}

kvl_result kvl_conn_trust_host_key(struct kvl_connection *conn,
				   const char *host, const char *port,
				   const char *type, const char *fingerprint,
				   struct kvl_error *err)
{
	struct kvl_conn_host_key key = { 0 };

	if (!kvl_sftp_fingerprint_valid(fingerprint))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the host key fingerprint is not in "
				       "OpenSSH's SHA256 form (SHA256: and 43 "
				       "base64 characters)"));
	if (host == NULL || port == NULL || type == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("a trusted host key needs its host, "
				       "port and key type"));
	key.host = strdup(host);
	key.port = strdup(port);
	key.type = strdup(type);
	key.fingerprint = strdup(fingerprint);
	key.trusted_at = now_utc();
	if (key.host == NULL || key.port == NULL || key.type == NULL ||
	    key.fingerprint == NULL || key.trusted_at == NULL) {
		kvl_conn_host_key_clear(&key);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	kvl_conn_host_key_clear(&conn->host_key);
	conn->host_key = key;
	return KVL_OK;
}

const char *kvl_conn_trusted_host_key(const struct kvl_connection *conn,
				      const char *host, const char *port)
{
	const struct kvl_conn_host_key *key = &conn->host_key;

	if (key->fingerprint == NULL || key->host == NULL ||
	    key->port == NULL || host == NULL || port == NULL)
		return NULL;
	if (strcasecmp(key->host, host) != 0 ||
	    strtoul(key->port, NULL, 10) != strtoul(port, NULL, 10))
		return NULL;
	return key->fingerprint;
}
