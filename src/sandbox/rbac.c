/*
 * Azure RBAC evaluation: a role assignment applies at its own scope and at
 * every scope below it. An action is allowed when one applicable role's
 * permission entry matches it in actions and not in notActions (dataActions
 * and notDataActions for the data plane). Deny assignments and ABAC
 * conditions do not exist in the sandbox.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "sandbox/sandbox.h"

/* Whether an assignment at outer applies at scope. */
static bool scope_covers(const char *outer, const char *scope)
{
	size_t len = strlen(outer);

	while (len > 0 && outer[len - 1] == '/')
		len--;
	if (len == 0)
		return true;	/* the root scope "/" */
	return strncasecmp(outer, scope, len) == 0 &&
	       (scope[len] == '\0' || scope[len] == '/');
}

static bool list_matches(json_object *patterns, const char *action)
{
	size_t i, n = patterns ? json_object_array_length(patterns) : 0;

	for (i = 0; i < n; i++) {
		const char *p = json_object_get_string(
			json_object_array_get_idx(patterns, i));

		if (p != NULL && sb_glob_match(p, action))
			return true;
	}
	return false;
}

/* Calls fn for every permission entry of every role that principal oid
 * has at scope; stops when fn returns true. */
static bool each_permission(json_object *tenant, const char *oid,
			    const char *scope,
			    bool (*fn)(json_object *perm, void *arg),
			    void *arg)
{
	json_object *list = sb_jarr(tenant, "roleAssignments");
	size_t i, n = list ? json_object_array_length(list) : 0;

	for (i = 0; i < n; i++) {
		json_object *ra = json_object_array_get_idx(list, i);
		json_object *def, *perms;
		size_t j, m;

		if (!sb_ieq(sb_jstr(ra, "principalId"), oid) ||
		    !scope_covers(sb_jstr(ra, "scope"), scope))
			continue;
		def = sb_tenant_role_definition(tenant,
					sb_jstr(ra, "roleDefinitionId"));
		perms = sb_jarr(def, "permissions");
		m = perms ? json_object_array_length(perms) : 0;
		for (j = 0; j < m; j++)
			if (fn(json_object_array_get_idx(perms, j), arg))
				return true;
	}
	return false;
}

static bool collect(json_object *perm, void *arg)
{
	json_object_array_add(arg, json_object_get(perm));
	return false;
}

/* The value array of GET {scope}/providers/Microsoft.Authorization/
 * permissions for oid: one entry per applicable role permission. */
json_object *sb_rbac_permissions(json_object *tenant, const char *oid,
				 const char *scope)
{
	json_object *value = json_object_new_array();

	each_permission(tenant, oid, scope, collect, value);
	return value;
}

struct action_query {
	const char *action;
	const char *allow_key;
	const char *deny_key;
};

static bool grants(json_object *perm, void *arg)
{
	struct action_query *q = arg;

	return list_matches(sb_jarr(perm, q->allow_key), q->action) &&
	       !list_matches(sb_jarr(perm, q->deny_key), q->action);
}

bool sb_rbac_allows(json_object *tenant, const char *oid, const char *scope,
		    const char *action)
{
	struct action_query q = { action, "actions", "notActions" };

	return each_permission(tenant, oid, scope, grants, &q);
}

bool sb_rbac_allows_data(json_object *tenant, const char *oid,
			 const char *scope, const char *data_action)
{
	struct action_query q = { data_action, "dataActions",
				  "notDataActions" };

	return each_permission(tenant, oid, scope, grants, &q);
}

/* Whether oid has any role at scope, above it or below it: what makes a
 * subscription show up in GET /subscriptions. */
bool sb_rbac_has_any_below(json_object *tenant, const char *oid,
			   const char *scope)
{
	json_object *list = sb_jarr(tenant, "roleAssignments");
	size_t i, n = list ? json_object_array_length(list) : 0;

	for (i = 0; i < n; i++) {
		json_object *ra = json_object_array_get_idx(list, i);
		const char *ra_scope = sb_jstr(ra, "scope");

		if (!sb_ieq(sb_jstr(ra, "principalId"), oid))
			continue;
		if (scope_covers(ra_scope, scope) ||
		    scope_covers(scope, ra_scope))
			return true;
	}
	return false;
}
