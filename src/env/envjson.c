/* Conversion between struct kvl_environment and environment.json. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/jsonutil.h"
#include "env/connections.h"
#include "env/envstore.h"
#include "env/identity.h"
#include "env/members.h"
#include "i18n.h"

/* Top-level members this version reads; everything else goes to extra. */
static const char *const known_members[] = {
	"format", "id", "displayName", "region", "revision", "users",
	"keyVault", "connections", "serviceIdentity", NULL,
};

static const char *const link_states[] = {
	[KVL_LINK_NONE] = "none",
	[KVL_LINK_PENDING] = "pending",
	[KVL_LINK_LINKED] = "linked",
};

static bool is_known_member(const char *key)
{
	size_t i;

	for (i = 0; known_members[i] != NULL; i++)
		if (strcmp(known_members[i], key) == 0)
			return true;
	return false;
}

/*
 * Copies the string member key of obj into *out. A missing or null member
 * is an error only when required; a member of another type always is.
 */
static kvl_result get_string(json_object *obj, const char *key,
			     bool required, char **out,
			     struct kvl_error *err)
{
	json_object *value = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &value) || value == NULL) {
		if (!required)
			return KVL_OK;
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the member \"%s\" is missing"), key);
	}
	if (!json_object_is_type(value, json_type_string))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the member \"%s\" is not a string"),
				     key);
	*out = strdup(json_object_get_string(value));
	if (*out == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

kvl_result kvl_env_member_string(json_object *obj, const char *key,
				 bool required, char **out,
				 struct kvl_error *err)
{
	return get_string(obj, key, required, out, err);
}

static kvl_result parse_role(const char *name, enum kvl_role *role,
			     struct kvl_error *err)
{
	static const enum kvl_role roles[] = {
		KVL_ROLE_ADMIN, KVL_ROLE_CONTRIBUTOR, KVL_ROLE_VIEWER,
	};
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strcmp(kvl_role_name(roles[i]), name) == 0) {
			*role = roles[i];
			return KVL_OK;
		}
	}
	return kvl_error_set(err, KVL_ERR_PARSE,
			     _("the user role \"%s\" is not Admin, "
			       "Contributor or Viewer"), name);
}

static kvl_result parse_user(json_object *item, struct kvl_env_user *user,
			     struct kvl_error *err)
{
	char *role = NULL;
	kvl_result rc;

	if (!json_object_is_type(item, json_type_object))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("an entry of \"users\" is not an "
				       "object"));
	rc = get_string(item, "objectId", true, &user->object_id, err);
	if (rc == KVL_OK)
		rc = get_string(item, "name", false, &user->name, err);
	if (rc == KVL_OK)
		rc = get_string(item, "role", true, &role, err);
	if (rc == KVL_OK)
		rc = parse_role(role, &user->role, err);
	free(role);
	return rc;
}

static kvl_result parse_users(json_object *doc, struct kvl_environment *env,
			      struct kvl_error *err)
{
	json_object *users = NULL;
	size_t i, n;
	kvl_result rc;

	if (!json_object_object_get_ex(doc, "users", &users) ||
	    !json_object_is_type(users, json_type_array))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the member \"users\" is missing or "
				       "not an array"));

	n = json_object_array_length(users);
	env->users = calloc(n > 0 ? n : 1, sizeof(*env->users));
	if (env->users == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));

	for (i = 0; i < n; i++) {
		rc = parse_user(json_object_array_get_idx(users, i),
				&env->users[i], err);
		env->n_users = i + 1;
		if (rc != KVL_OK)
			return rc;
	}
	return KVL_OK;
}

/* "previousPermissions": an object, kept as JSON text. */
static kvl_result parse_previous_permissions(json_object *item,
					     struct kvl_grant *grant,
					     struct kvl_error *err)
{
	json_object *value = NULL;
	const char *text;

	if (!json_object_object_get_ex(item, "previousPermissions", &value) ||
	    value == NULL)
		return KVL_OK;
	if (!json_object_is_type(value, json_type_object))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the member \"previousPermissions\" of "
				       "a grant is not an object"));
	text = json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	grant->previous_permissions = text != NULL ? strdup(text) : NULL;
	if (grant->previous_permissions == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

static kvl_result parse_grant(json_object *item, struct kvl_grant *grant,
			      struct kvl_error *err)
{
	kvl_result rc;

	if (!json_object_is_type(item, json_type_object))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("an entry of \"keyVault.grants\" is "
				       "not an object"));

	rc = get_string(item, "kind", true, &grant->kind, err);
	if (rc != KVL_OK)
		return rc;
	if (strcmp(grant->kind, "accessPolicy") != 0 &&
	    strcmp(grant->kind, "roleAssignment") != 0)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the grant kind \"%s\" is not "
				       "accessPolicy or roleAssignment"),
				     grant->kind);

	rc = get_string(item, "principalId", true, &grant->principal_id, err);
	if (rc == KVL_OK)
		rc = get_string(item, "roleDefinitionId", false,
				&grant->role_definition_id, err);
	if (rc == KVL_OK)
		rc = get_string(item, "assignmentId", false,
				&grant->assignment_id, err);
	if (rc == KVL_OK)
		rc = get_string(item, "permissions", false,
				&grant->permissions, err);
	if (rc == KVL_OK)
		rc = parse_previous_permissions(item, grant, err);
	grant->existed = kvl_json_bool(item, "existed", false);
	return rc;
}

static kvl_result parse_grants(json_object *vault, struct kvl_vault_link *link,
			       struct kvl_error *err)
{
	json_object *grants = NULL;
	size_t i, n;
	kvl_result rc;

	if (!json_object_object_get_ex(vault, "grants", &grants) ||
	    grants == NULL)
		return KVL_OK;
	if (!json_object_is_type(grants, json_type_array))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the member \"keyVault.grants\" is not "
				       "an array"));

	n = json_object_array_length(grants);
	link->grants = calloc(n > 0 ? n : 1, sizeof(*link->grants));
	if (link->grants == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	for (i = 0; i < n; i++) {
		rc = parse_grant(json_object_array_get_idx(grants, i),
				 &link->grants[i], err);
		link->n_grants = i + 1;
		if (rc != KVL_OK)
			return rc;
	}
	return KVL_OK;
}

static kvl_result parse_state(json_object *vault, struct kvl_vault_link *link,
			      struct kvl_error *err)
{
	const char *state = kvl_json_str(vault, "state");
	size_t i;

	if (state == NULL)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the member \"keyVault.state\" is "
				       "missing"));
	for (i = 0; i < sizeof(link_states) / sizeof(link_states[0]); i++) {
		if (strcmp(link_states[i], state) == 0) {
			link->state = (enum kvl_link_state)i;
			return KVL_OK;
		}
	}
	return kvl_error_set(err, KVL_ERR_PARSE,
			     _("the link state \"%s\" is not none, pending or "
			       "linked"), state);
}

/* The string members of keyVault, with whether each is required. */
static kvl_result parse_link_strings(json_object *vault,
				     struct kvl_vault_link *link,
				     struct kvl_error *err)
{
	struct {
		const char *key;
		char **field;
		bool required;
	} members[] = {
		{ "subscriptionId", &link->subscription_id, true },
		{ "subscriptionName", &link->subscription_name, false },
		{ "resourceGroup", &link->resource_group, true },
		{ "name", &link->name, true },
		{ "resourceId", &link->resource_id, true },
		{ "vaultUri", &link->vault_uri, false },
		{ "tenantId", &link->tenant_id, false },
		{ "location", &link->location, false },
		{ "permissionModel", &link->permission_model, true },
		{ "servicePrincipalId", &link->service_principal_id, false },
		{ "linkedBy", &link->linked_by, false },
		{ "linkedByName", &link->linked_by_name, false },
		{ "linkedAt", &link->linked_at, false },
		{ "consentBy", &link->consent_by, false },
		{ "consentAt", &link->consent_at, false },
	};
	size_t i;
	kvl_result rc;

	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		rc = get_string(vault, members[i].key, members[i].required,
				members[i].field, err);
		if (rc != KVL_OK)
			return rc;
	}
	return KVL_OK;
}

static kvl_result parse_link(json_object *doc, struct kvl_vault_link *link,
			     struct kvl_error *err)
{
	json_object *vault = NULL;
	kvl_result rc;

	if (!json_object_object_get_ex(doc, "keyVault", &vault) ||
	    vault == NULL)
		return KVL_OK;
	if (!json_object_is_type(vault, json_type_object))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the member \"keyVault\" is not an "
				       "object"));

	rc = parse_state(vault, link, err);
	if (rc != KVL_OK || link->state == KVL_LINK_NONE)
		return rc;
	rc = parse_link_strings(vault, link, err);
	if (rc != KVL_OK)
		return rc;
	return parse_grants(vault, link, err);
}

static kvl_result parse_connections(json_object *doc,
				    struct kvl_environment *env,
				    struct kvl_error *err)
{
	json_object *list = NULL;
	size_t i, n;
	kvl_result rc;

	if (!json_object_object_get_ex(doc, "connections", &list) ||
	    list == NULL)
		return KVL_OK;
	if (!json_object_is_type(list, json_type_array))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the member \"connections\" is not an "
				       "array"));

	n = json_object_array_length(list);
	env->connections = calloc(n > 0 ? n : 1, sizeof(*env->connections));
	if (env->connections == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	for (i = 0; i < n; i++) {
		rc = kvl_conn_from_json(json_object_array_get_idx(list, i),
					&env->connections[i], err);
		env->n_connections = i + 1;
		if (rc != KVL_OK)
			return rc;
	}
	return KVL_OK;
}

static kvl_result parse_header(json_object *doc, struct kvl_environment *env,
			       struct kvl_error *err)
{
	json_object *value = NULL;
	int64_t format;
	kvl_result rc;

	if (!json_object_object_get_ex(doc, "format", &value) ||
	    !json_object_is_type(value, json_type_int))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the member \"format\" is missing or "
				       "not a number"));
	format = json_object_get_int64(value);
	if (format != KVL_ENV_FORMAT)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("it has format %lld but this kvlink "
				       "reads format %d only"),
				     (long long)format, KVL_ENV_FORMAT);

	if (!json_object_object_get_ex(doc, "revision", &value) ||
	    !json_object_is_type(value, json_type_int) ||
	    json_object_get_int64(value) < 0)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the member \"revision\" is missing or "
				       "not a number of 0 or more"));
	env->revision = (long)json_object_get_int64(value);

	rc = get_string(doc, "id", true, &env->id, err);
	if (rc == KVL_OK)
		rc = get_string(doc, "displayName", true, &env->display_name,
				err);
	if (rc == KVL_OK)
		rc = get_string(doc, "region", true, &env->region, err);
	return rc;
}

static kvl_result collect_extra(json_object *doc, struct kvl_environment *env,
				struct kvl_error *err)
{
	env->extra = json_object_new_object();
	if (env->extra == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));

	json_object_object_foreach(doc, key, value) {
		if (is_known_member(key))
			continue;
		json_object_object_add(env->extra, key,
				       json_object_get(value));
	}
	return KVL_OK;
}

kvl_result kvl_env_from_json(json_object *doc, struct kvl_environment *env,
			     struct kvl_error *err)
{
	struct kvl_environment parsed = { 0 };
	kvl_result rc;

	if (!json_object_is_type(doc, json_type_object)) {
		rc = kvl_error_set(err, KVL_ERR_PARSE,
				   _("the document is not a JSON object"));
		goto out;
	}

	rc = parse_header(doc, &parsed, err);
	if (rc == KVL_OK)
		rc = parse_users(doc, &parsed, err);
	if (rc == KVL_OK)
		rc = parse_link(doc, &parsed.vault, err);
	if (rc == KVL_OK)
		rc = parse_connections(doc, &parsed, err);
	if (rc == KVL_OK)
		rc = kvl_env_identity_from_json(
			json_object_object_get(doc, "serviceIdentity"),
			&parsed.service_identity, err);
	if (rc == KVL_OK)
		rc = collect_extra(doc, &parsed, err);

out:
	if (rc != KVL_OK) {
		kvl_env_clear(&parsed);
		return rc;
	}
	kvl_env_clear(env);
	*env = parsed;
	return KVL_OK;
}

/* Adds key: value when value is not NULL. */
static void add_string(json_object *obj, const char *key, const char *value)
{
	if (value != NULL)
		json_object_object_add(obj, key,
				       json_object_new_string(value));
}

void kvl_env_member_add(json_object *obj, const char *key,
			const char *value)
{
	add_string(obj, key, value);
}

static json_object *grant_to_json(const struct kvl_grant *grant)
{
	json_object *obj = json_object_new_object();

	add_string(obj, "kind", grant->kind);
	add_string(obj, "principalId", grant->principal_id);
	add_string(obj, "roleDefinitionId", grant->role_definition_id);
	add_string(obj, "assignmentId", grant->assignment_id);
	add_string(obj, "permissions", grant->permissions);
	json_object_object_add(obj, "existed",
			       json_object_new_boolean(grant->existed));
	if (grant->previous_permissions != NULL)
		json_object_object_add(obj, "previousPermissions",
				       json_tokener_parse(
					       grant->previous_permissions));
	return obj;
}

static json_object *link_to_json(const struct kvl_vault_link *link)
{
	json_object *obj, *grants;
	size_t i;

	if (link->state == KVL_LINK_NONE)
		return NULL;

	obj = json_object_new_object();
	add_string(obj, "state", link_states[link->state]);
	add_string(obj, "subscriptionId", link->subscription_id);
	add_string(obj, "subscriptionName", link->subscription_name);
	add_string(obj, "resourceGroup", link->resource_group);
	add_string(obj, "name", link->name);
	add_string(obj, "resourceId", link->resource_id);
	add_string(obj, "vaultUri", link->vault_uri);
	add_string(obj, "tenantId", link->tenant_id);
	add_string(obj, "location", link->location);
	add_string(obj, "permissionModel", link->permission_model);
	add_string(obj, "servicePrincipalId", link->service_principal_id);

	grants = json_object_new_array();
	for (i = 0; i < link->n_grants; i++)
		json_object_array_add(grants, grant_to_json(&link->grants[i]));
	json_object_object_add(obj, "grants", grants);

	add_string(obj, "linkedBy", link->linked_by);
	add_string(obj, "linkedByName", link->linked_by_name);
	add_string(obj, "linkedAt", link->linked_at);
	add_string(obj, "consentBy", link->consent_by);
	add_string(obj, "consentAt", link->consent_at);
	return obj;
}

static json_object *users_to_json(const struct kvl_environment *env)
{
	json_object *users = json_object_new_array();
	size_t i;

	for (i = 0; i < env->n_users; i++) {
		json_object *user = json_object_new_object();

		add_string(user, "objectId", env->users[i].object_id);
		add_string(user, "name", env->users[i].name);
		add_string(user, "role", kvl_role_name(env->users[i].role));
		json_object_array_add(users, user);
	}
	return users;
}

static json_object *connections_to_json(const struct kvl_environment *env)
{
	json_object *list = json_object_new_array();
	size_t i;

	for (i = 0; i < env->n_connections; i++)
		json_object_array_add(list,
				      kvl_conn_to_json(&env->connections[i]));
	return list;
}

json_object *kvl_env_to_json(const struct kvl_environment *env)
{
	json_object *doc = json_object_new_object();

	if (doc == NULL)
		return NULL;
	json_object_object_add(doc, "format",
			       json_object_new_int(KVL_ENV_FORMAT));
	add_string(doc, "id", env->id);
	add_string(doc, "displayName", env->display_name);
	add_string(doc, "region", env->region);
	json_object_object_add(doc, "revision",
			       json_object_new_int64(env->revision));
	json_object_object_add(doc, "users", users_to_json(env));
	json_object_object_add(doc, "keyVault", link_to_json(&env->vault));
	json_object_object_add(doc, "connections", connections_to_json(env));
	if (env->service_identity != NULL)
		json_object_object_add(doc, "serviceIdentity",
				       kvl_env_identity_to_json(
					       env->service_identity));

	if (env->extra != NULL) {
		json_object_object_foreach(env->extra, key, value) {
			if (is_known_member(key))
				continue;
			json_object_object_add(doc, key,
					       json_object_get(value));
		}
	}
	return doc;
}
