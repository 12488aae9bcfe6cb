#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "env/conntypes.h"
#include "flow/sftp_conn.h"
#include "i18n.h"

bool kvl_sftp_conn_type(const char *type_id)
{
	static const char *const types[] = { "sftp", "liveramp", "sfmc" };
	size_t i;

	for (i = 0; type_id != NULL && i < sizeof(types) / sizeof(types[0]);
	     i++)
		if (strcmp(types[i], type_id) == 0)
			return true;
	return false;
}

/* The plain field key of conn, else the type's default, else NULL. */
static const char *field_value(const struct kvl_connection *conn,
			       const struct kvl_conn_type *type,
			       const char *key)
{
	const struct kvl_field_def *f;
	size_t i;

	for (i = 0; i < conn->n_fields; i++)
		if (strcmp(conn->fields[i].key, key) == 0)
			return conn->fields[i].value;
	f = type != NULL ? kvl_conn_type_field(type, key) : NULL;
	return f != NULL ? f->default_value : NULL;
}

static kvl_result check_field(const struct kvl_conn_type *type,
			      const char *key, const char *value,
			      struct kvl_error *err)
{
	const struct kvl_field_def *f = kvl_conn_type_field(type, key);

	if (f == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("connection type %s has no field %s"),
				     type->id, key);
	if (value == NULL || value[0] == '\0')
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the connection has no %s; set it "
				       "with 'kvlink connection edit'"),
				     _(f->label));
	return kvl_conn_field_validate(f, value, err);
}

kvl_result kvl_sftp_conn_target(const struct kvl_connection *conn,
				struct kvl_sftp_target *target,
				struct kvl_error *err)
{
	static const char *const keys[] = { "host", "port", "username",
					     "folder" };
	const struct kvl_conn_type *type = kvl_conn_type_find(conn->type_id);
	size_t i;
	kvl_result r;

	memset(target, 0, sizeof(*target));
	if (type == NULL || !kvl_sftp_conn_type(type->id))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("connection '%s' is not an SFTP "
				       "connection"), conn->display_name);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		r = check_field(type, keys[i],
				field_value(conn, type, keys[i]), err);
		if (r != KVL_OK)
			return r;
	}
	target->host = field_value(conn, type, "host");
	target->port = (unsigned)strtoul(field_value(conn, type, "port"),
					 NULL, 10);
	target->username = field_value(conn, type, "username");
	target->folder = field_value(conn, type, "folder");
	return KVL_OK;
}

char *kvl_sftp_conn_target_text(const struct kvl_sftp_target *target)
{
	char *raw = NULL, *clean;

	if (asprintf(&raw, "sftp://%s:%u%s", target->host, target->port,
		     target->folder) < 0)
		return NULL;
	clean = kvl_sanitize(raw);
	free(raw);
	return clean;
}

const char *kvl_sftp_conn_pin(const struct kvl_connection *conn)
{
	const struct kvl_conn_type *type = kvl_conn_type_find(conn->type_id);

	return kvl_conn_trusted_host_key(conn,
					 field_value(conn, type, "host"),
					 field_value(conn, type, "port"));
}

kvl_result kvl_sftp_conn_check_host_key(const struct kvl_connection *conn,
					struct kvl_sftp_report *report,
					enum kvl_sftp_trust *trust,
					const struct kvl_sink *sink,
					struct kvl_error *err)
{
	struct kvl_sftp_target target;
	const char *pin;
	kvl_result r;

	memset(report, 0, sizeof(*report));
	*trust = KVL_SFTP_TRUST_NEW;
	r = kvl_sftp_conn_target(conn, &target, err);
	if (r == KVL_OK)
		r = kvl_sftp_read_host_key(&target, report, sink, err);
	if (r != KVL_OK)
		return r;

	pin = kvl_sftp_conn_pin(conn);
	if (pin == NULL)
		*trust = KVL_SFTP_TRUST_NEW;
	else if (strcmp(pin, report->host_key.fingerprint) == 0)
		*trust = KVL_SFTP_TRUST_MATCH;
	else
		*trust = KVL_SFTP_TRUST_CHANGED;
	return KVL_OK;
}

static kvl_result trust_in_env(struct kvl_environment *env,
			       const char *conn_id,
			       const struct kvl_sftp_host_key *key,
			       struct kvl_error *err)
{
	struct kvl_connection *conn = kvl_conn_find(env, conn_id);
	const struct kvl_conn_type *type;
	kvl_result r;

	if (conn == NULL)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
				     _("the connection was deleted by "
				       "another kvlink; list them with "
				       "'kvlink connection list'"));
	type = kvl_conn_type_find(conn->type_id);
	r = kvl_conn_trust_host_key(conn, field_value(conn, type, "host"),
				    field_value(conn, type, "port"),
				    key->type, key->fingerprint, err);
	if (r == KVL_OK)
		r = kvl_conn_touch(conn, err);
	return r;
}

kvl_result kvl_sftp_conn_trust(struct kvl_session *s, const char *conn_id,
			       const struct kvl_sftp_host_key *key,
			       struct kvl_error *err)
{
	char *id = strdup(conn_id);
	kvl_result r;

	/* conn_id may point into s->env, which a reload replaces. */
	if (id == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	r = trust_in_env(&s->env, id, key, err);
	if (r == KVL_OK)
		r = kvl_envstore_save(s->store, &s->env, err);
	if (r == KVL_ERR_CONFLICT) {
		kvl_error_clear(err);
		r = kvl_session_reload(s, err);
		if (r == KVL_OK)
			r = trust_in_env(&s->env, id, key, err);
		if (r == KVL_OK)
			r = kvl_envstore_save(s->store, &s->env, err);
	}
	if (r != KVL_OK)
		kvl_error_operation(err, _("save the trusted host key"));
	free(id);
	return r;
}
