/*
 * Azure RBAC evaluation: a role assignment applies at its own scope and at
 * every scope below it. An action is allowed when one applicable role's
 * permission entry matches it in actions and not in notActions (dataActions
 * and notDataActions for the data plane). Deny assignments and ABAC
 * conditions do not exist in the sandbox.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
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

struct sb_rbac_grants {
	/* Lowercase subscription id -> array of the granting scopes at or
	 * below /subscriptions/ID. */
	json_object *by_subscription;
	json_object *others;		/* array of the other granting scopes */
};

#define SUBSCRIPTIONS_PREFIX "/subscriptions/"

/* Copies the lowercase subscription id of a scope below
 * /subscriptions/ID into key. False when the scope has none, or one
 * longer than the key. */
static bool subscription_key(const char *scope, char *key, size_t size)
{
	size_t prefix = strlen(SUBSCRIPTIONS_PREFIX), i;

	if (strncasecmp(scope, SUBSCRIPTIONS_PREFIX, prefix) != 0)
		return false;
	scope += prefix;
	for (i = 0; scope[i] != '\0' && scope[i] != '/'; i++) {
		if (i + 1 >= size)
			return false;
		key[i] = (char)tolower((unsigned char)scope[i]);
	}
	key[i] = '\0';
	return i > 0;
}

static bool assignment_grants(json_object *tenant, json_object *ra,
			      struct action_query *q)
{
	json_object *def = sb_tenant_role_definition(tenant,
					sb_jstr(ra, "roleDefinitionId"));
	json_object *perms = sb_jarr(def, "permissions");
	size_t j, m = perms ? json_object_array_length(perms) : 0;

	for (j = 0; j < m; j++)
		if (grants(json_object_array_get_idx(perms, j), q))
			return true;
	return false;
}

struct sb_rbac_grants *sb_rbac_grants_new(json_object *tenant,
					  const char *oid,
					  const char *action)
{
	struct sb_rbac_grants *g = calloc(1, sizeof(*g));
	struct action_query q = { action, "actions", "notActions" };
	json_object *list = sb_jarr(tenant, "roleAssignments");
	size_t i, n = list ? json_object_array_length(list) : 0;
	json_object *bucket;
	char key[128];

	if (g == NULL)
		abort();
	g->by_subscription = json_object_new_object();
	g->others = json_object_new_array();
	for (i = 0; i < n; i++) {
		json_object *ra = json_object_array_get_idx(list, i);
		const char *scope = sb_jstr(ra, "scope");

		if (scope == NULL || !sb_ieq(sb_jstr(ra, "principalId"), oid) ||
		    !assignment_grants(tenant, ra, &q))
			continue;
		if (!subscription_key(scope, key, sizeof(key))) {
			json_object_array_add(g->others,
					      json_object_new_string(scope));
			continue;
		}
		if (!json_object_object_get_ex(g->by_subscription, key,
					       &bucket)) {
			bucket = json_object_new_array();
			json_object_object_add(g->by_subscription, key,
					       bucket);
		}
		json_object_array_add(bucket, json_object_new_string(scope));
	}
	return g;
}

static bool any_covers(json_object *scopes, const char *scope)
{
	size_t i, n = scopes ? json_object_array_length(scopes) : 0;

	for (i = 0; i < n; i++)
		if (scope_covers(json_object_get_string(
				json_object_array_get_idx(scopes, i)), scope))
			return true;
	return false;
}

bool sb_rbac_grants_cover(const struct sb_rbac_grants *g, const char *scope)
{
	json_object *bucket = NULL;
	char key[128];

	if (any_covers(g->others, scope))
		return true;
	/* A scope below /subscriptions/ID can only be covered by another
	 * scope with the same ID, which is in that ID's bucket. */
	if (subscription_key(scope, key, sizeof(key))) {
		json_object_object_get_ex(g->by_subscription, key, &bucket);
		return any_covers(bucket, scope);
	}
	json_object_object_foreach(g->by_subscription, id, scopes) {
		(void)id;
		if (any_covers(scopes, scope))
			return true;
	}
	return false;
}

void sb_rbac_grants_free(struct sb_rbac_grants *g)
{
	if (g == NULL)
		return;
	json_object_put(g->by_subscription);
	json_object_put(g->others);
	free(g);
}
