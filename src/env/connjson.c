/*
 * Conversion between struct kvl_connection and one entry of the
 * "connections" array of environment.json.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/jsonutil.h"
#include "env/connections.h"
#include "env/members.h"
#include "i18n.h"

/* Members read into the struct; everything else goes to extra. */
static const char *const known_members[] = {
	"id", "displayName", "type", "useKeyVault", "fields", "secrets",
	"keyVault", "sealedCredentials", "audience", "createdBy",
	"createdByName", "createdAt", "updatedAt", "consentBy",
	"consentByName", "consentAt", "sftpHostKey", NULL,
};

static bool is_known(const char *key)
{
	size_t i;

	for (i = 0; known_members[i] != NULL; i++)
		if (strcmp(known_members[i], key) == 0)
			return true;
	return false;
}

/* Reads an object of string members (key -> value) into an array. */
static kvl_result parse_map(json_object *obj, const char *member,
			    struct kvl_field_value **out, size_t *n,
			    struct kvl_error *err)
{
	json_object *map = NULL;
	size_t count;

	*out = NULL;
	*n = 0;
	if (!json_object_object_get_ex(obj, member, &map) || map == NULL)
		return KVL_OK;
	if (!json_object_is_type(map, json_type_object))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the member \"%s\" of a connection is "
				       "not an object"), member);

	count = (size_t)json_object_object_length(map);
	*out = calloc(count > 0 ? count : 1, sizeof(**out));
	if (*out == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	json_object_object_foreach(map, key, value) {
		struct kvl_field_value *slot = &(*out)[*n];

		if (!json_object_is_type(value, json_type_string))
			return kvl_error_set(err, KVL_ERR_PARSE,
					     _("\"%s.%s\" of a connection is "
					       "not a string"), member, key);
		slot->key = strdup(key);
		slot->value = strdup(json_object_get_string(value));
		(*n)++;
		if (slot->key == NULL || slot->value == NULL)
			return kvl_error_set(err, KVL_ERR_NOMEM,
					     _("out of memory"));
	}
	return KVL_OK;
}

static kvl_result parse_strings(json_object *obj,
				struct kvl_connection *conn,
				struct kvl_error *err)
{
	struct {
		const char *key;
		char **field;
		bool required;
	} members[] = {
		{ "id", &conn->id, true },
		{ "displayName", &conn->display_name, true },
		{ "type", &conn->type_id, true },
		{ "createdBy", &conn->created_by, false },
		{ "createdByName", &conn->created_by_name, false },
		{ "createdAt", &conn->created_at, false },
		{ "updatedAt", &conn->updated_at, false },
		{ "consentBy", &conn->consent_by, false },
		{ "consentByName", &conn->consent_by_name, false },
		{ "consentAt", &conn->consent_at, false },
	};
	size_t i;
	kvl_result rc;

	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		rc = kvl_env_member_string(obj, members[i].key,
					   members[i].required,
					   members[i].field, err);
		if (rc != KVL_OK)
			return rc;
	}
	return KVL_OK;
}

static kvl_result parse_vault(json_object *obj, struct kvl_connection *conn,
			      struct kvl_error *err)
{
	json_object *vault = NULL;
	kvl_result rc;

	if (!json_object_object_get_ex(obj, "keyVault", &vault) ||
	    vault == NULL)
		return KVL_OK;
	if (!json_object_is_type(vault, json_type_object))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the member \"keyVault\" of a "
				       "connection is not an object"));
	rc = kvl_env_member_string(vault, "name", false, &conn->vault_name,
				   err);
	if (rc == KVL_OK)
		rc = kvl_env_member_string(vault, "vaultUri", false,
					   &conn->vault_uri, err);
	return rc;
}

static kvl_result parse_host_key(json_object *obj,
				 struct kvl_connection *conn,
				 struct kvl_error *err)
{
	struct kvl_conn_host_key *key = &conn->host_key;
	json_object *member = NULL;
	kvl_result rc;

	if (!json_object_object_get_ex(obj, "sftpHostKey", &member) ||
	    member == NULL)
		return KVL_OK;
	if (!json_object_is_type(member, json_type_object))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the member \"sftpHostKey\" of a "
				       "connection is not an object"));
	rc = kvl_env_member_string(member, "host", true, &key->host, err);
	if (rc == KVL_OK)
		rc = kvl_env_member_string(member, "port", true, &key->port,
					   err);
	if (rc == KVL_OK)
		rc = kvl_env_member_string(member, "type", true, &key->type,
					   err);
	if (rc == KVL_OK)
		rc = kvl_env_member_string(member, "fingerprint", true,
					   &key->fingerprint, err);
	if (rc == KVL_OK)
		rc = kvl_env_member_string(member, "trustedAt", false,
					   &key->trusted_at, err);
	return rc;
}

static kvl_result parse_audience(json_object *obj,
				 struct kvl_connection *conn,
				 struct kvl_error *err)
{
	const char *name = kvl_json_str(obj, "audience");

	conn->audience = KVL_AUDIENCE_ADMINS;
	if (name == NULL)
		return KVL_OK;
	if (!kvl_conn_audience_parse(name, &conn->audience))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the audience \"%s\" of a connection "
				       "is not admins or "
				       "admins-and-contributors"),
				     name);
	return KVL_OK;
}

static kvl_result collect_extra(json_object *obj,
				struct kvl_connection *conn,
				struct kvl_error *err)
{
	json_object_object_foreach(obj, key, value) {
		if (is_known(key))
			continue;
		if (conn->extra == NULL)
			conn->extra = json_object_new_object();
		if (conn->extra == NULL)
			return kvl_error_set(err, KVL_ERR_NOMEM,
					     _("out of memory"));
		json_object_object_add(conn->extra, key,
				       json_object_get(value));
	}
	return KVL_OK;
}

kvl_result kvl_conn_from_json(json_object *obj, struct kvl_connection *conn,
			      struct kvl_error *err)
{
	struct kvl_connection parsed = { 0 };
	kvl_result rc;

	if (!json_object_is_type(obj, json_type_object)) {
		rc = kvl_error_set(err, KVL_ERR_PARSE,
				   _("an entry of \"connections\" is not an "
				     "object"));
		goto out;
	}
	parsed.use_key_vault = kvl_json_bool(obj, "useKeyVault", false);

	rc = parse_strings(obj, &parsed, err);
	if (rc == KVL_OK)
		rc = parse_map(obj, "fields", &parsed.fields,
			       &parsed.n_fields, err);
	if (rc == KVL_OK)
		rc = parse_map(obj, "secrets", &parsed.secrets,
			       &parsed.n_secrets, err);
	if (rc == KVL_OK)
		rc = parse_map(obj, "sealedCredentials", &parsed.sealed,
			       &parsed.n_sealed, err);
	if (rc == KVL_OK)
		rc = parse_vault(obj, &parsed, err);
	if (rc == KVL_OK)
		rc = parse_audience(obj, &parsed, err);
	if (rc == KVL_OK)
		rc = parse_host_key(obj, &parsed, err);
	if (rc == KVL_OK)
		rc = collect_extra(obj, &parsed, err);

out:
	if (rc != KVL_OK) {
		kvl_connection_clear(&parsed);
		return rc;
	}
	kvl_connection_clear(conn);
	*conn = parsed;
	return KVL_OK;
}

static json_object *map_to_json(const struct kvl_field_value *v, size_t n)
{
	json_object *map = json_object_new_object();
	size_t i;

	for (i = 0; i < n; i++)
		kvl_env_member_add(map, v[i].key, v[i].value);
	return map;
}

static json_object *vault_to_json(const struct kvl_connection *conn)
{
	json_object *vault = json_object_new_object();

	kvl_env_member_add(vault, "name", conn->vault_name);
	kvl_env_member_add(vault, "vaultUri", conn->vault_uri);
	return vault;
}

static json_object *host_key_to_json(const struct kvl_conn_host_key *key)
{
	json_object *obj = json_object_new_object();

	kvl_env_member_add(obj, "host", key->host);
	kvl_env_member_add(obj, "port", key->port);
	kvl_env_member_add(obj, "type", key->type);
	kvl_env_member_add(obj, "fingerprint", key->fingerprint);
	kvl_env_member_add(obj, "trustedAt", key->trusted_at);
	return obj;
}

json_object *kvl_conn_to_json(const struct kvl_connection *conn)
{
	json_object *obj = json_object_new_object();

	kvl_env_member_add(obj, "id", conn->id);
	kvl_env_member_add(obj, "displayName", conn->display_name);
	kvl_env_member_add(obj, "type", conn->type_id);
	json_object_object_add(obj, "useKeyVault",
			       json_object_new_boolean(conn->use_key_vault));
	json_object_object_add(obj, "fields",
			       map_to_json(conn->fields, conn->n_fields));
	if (conn->use_key_vault) {
		json_object_object_add(obj, "secrets",
				       map_to_json(conn->secrets,
						   conn->n_secrets));
		json_object_object_add(obj, "keyVault", vault_to_json(conn));
	} else {
		json_object_object_add(obj, "sealedCredentials",
				       map_to_json(conn->sealed,
						   conn->n_sealed));
	}
	kvl_env_member_add(obj, "audience",
			   kvl_conn_audience_name(conn->audience));
	kvl_env_member_add(obj, "createdBy", conn->created_by);
	kvl_env_member_add(obj, "createdByName", conn->created_by_name);
	kvl_env_member_add(obj, "createdAt", conn->created_at);
	kvl_env_member_add(obj, "updatedAt", conn->updated_at);
	kvl_env_member_add(obj, "consentBy", conn->consent_by);
	kvl_env_member_add(obj, "consentByName", conn->consent_by_name);
	kvl_env_member_add(obj, "consentAt", conn->consent_at);
	if (conn->host_key.fingerprint != NULL)
		json_object_object_add(obj, "sftpHostKey",
				       host_key_to_json(&conn->host_key));

	if (conn->extra != NULL) {
		json_object_object_foreach(conn->extra, key, value) {
			if (!is_known(key))
				json_object_object_add(obj, key,
						       json_object_get(value));
		}
	}
	return obj;
}
