/*
 * Microsoft.Authorization under any scope (subscription, resource group
 * or vault): effective permissions, role definitions and role
 * assignments, with Azure's status codes and error codes.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sandbox/sandbox.h"

#define ASSIGNMENT_TYPE "Microsoft.Authorization/roleAssignments"

static const char *const authorization_versions[] = {
	"2015-07-01", "2018-01-01-preview", "2020-04-01-preview",
	"2022-04-01", NULL };

struct scope {
	char *path;		/* canonical, e.g. /subscriptions/S/... */
	json_object *sub;
};

static void add_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value ? json_object_new_string(value)
					     : NULL);
}

/* Resolves the scope segments before providers/Microsoft.Authorization;
 * replies 404/400 and returns false when they name nothing. */
static bool resolve_scope(struct sb_request *req, struct sb_reply *reply,
			  size_t n, struct scope *out)
{
	char **s = req->segs;
	json_object *tenant = req->sb->tenant, *rg = NULL, *v;
	const char *sub_id;

	out->sub = sb_tenant_subscription(tenant, s[1]);
	if (out->sub == NULL) {
		sb_arm_error(reply, 404, "SubscriptionNotFound",
			     "The subscription '%s' could not be found.", s[1]);
		return false;
	}
	if (!sb_arm_token_tenant_ok(req, reply, out->sub))
		return false;
	sub_id = sb_jstr(out->sub, "subscriptionId");
	if (n == 2) {
		out->path = sb_printf("/subscriptions/%s", sub_id);
		return true;
	}
	if (n >= 4 && sb_ieq(s[2], "resourceGroups"))
		rg = sb_tenant_resource_group(out->sub, s[3]);
	if (n >= 4 && rg == NULL && sb_ieq(s[2], "resourceGroups")) {
		sb_arm_error(reply, 404, "ResourceGroupNotFound",
			     "Resource group '%s' could not be found.", s[3]);
		return false;
	}
	if (n == 4 && rg != NULL) {
		out->path = sb_printf("/subscriptions/%s/resourceGroups/%s",
				      sub_id, sb_jstr(rg, "name"));
		return true;
	}
	if (n == 8 && rg != NULL && sb_ieq(s[4], "providers") &&
	    sb_ieq(s[5], "Microsoft.KeyVault") && sb_ieq(s[6], "vaults")) {
		v = sb_tenant_vault(tenant, s[7]);
		if (v == NULL || !sb_ieq(sb_jstr(v, "subscriptionId"), sub_id)
		    || !sb_ieq(sb_jstr(v, "resourceGroup"),
			       sb_jstr(rg, "name"))) {
			sb_arm_error(reply, 404, "ResourceNotFound",
				     "The Resource 'Microsoft.KeyVault/"
				     "vaults/%s' under resource group '%s' "
				     "was not found.", s[7],
				     sb_jstr(rg, "name"));
			return false;
		}
		out->path = sb_vault_scope(v);
		return true;
	}
	sb_arm_error(reply, 400, "InvalidScope", "The sandbox knows no "
		     "resource at the scope of %s.", req->path);
	return false;
}

static const char *oid_of(struct sb_request *req)
{
	return sb_jstr(req->claims, "oid");
}

static void permissions(struct sb_request *req, struct sb_reply *reply,
			const struct scope *scope)
{
	json_object *body = json_object_new_object();

	json_object_object_add(body, "value", sb_rbac_permissions(
				       req->sb->tenant, oid_of(req),
				       scope->path));
	sb_reply_json(reply, 200, body);
}

/* "/subscriptions/S" from a scope, for role definition ids. */
static char *subscription_part(const char *scope)
{
	const char *p = strchr(scope + 1, '/');

	p = p ? strchr(p + 1, '/') : NULL;
	return p ? strndup(scope, (size_t)(p - scope)) : strdup(scope);
}

static json_object *assignment_json(json_object *ra)
{
	json_object *o = json_object_new_object();
	json_object *p = json_object_new_object();
	const char *scope = sb_jstr(ra, "scope");
	char *sub = subscription_part(scope);
	char *def = sb_printf("%s/providers/Microsoft.Authorization/"
			      "roleDefinitions/%s", sub,
			      sb_jstr(ra, "roleDefinitionId"));
	char *id = sb_printf("%s/providers/%s/%s", scope, ASSIGNMENT_TYPE,
			     sb_jstr(ra, "name"));
	const char *created = sb_jstr(ra, "createdOn");

	add_str(p, "roleDefinitionId", def);
	add_str(p, "principalId", sb_jstr(ra, "principalId"));
	add_str(p, "principalType", sb_jstr(ra, "principalType"));
	add_str(p, "scope", scope);
	add_str(p, "condition", NULL);
	add_str(p, "conditionVersion", NULL);
	add_str(p, "description", sb_jstr(ra, "description"));
	add_str(p, "createdOn", created);
	add_str(p, "updatedOn", sb_jstr(ra, "updatedOn")
		? sb_jstr(ra, "updatedOn") : created);
	add_str(p, "createdBy", sb_jstr(ra, "createdBy"));
	add_str(p, "updatedBy", sb_jstr(ra, "createdBy"));
	add_str(p, "delegatedManagedIdentityResourceId", NULL);
	json_object_object_add(o, "properties", p);
	add_str(o, "id", id);
	add_str(o, "type", ASSIGNMENT_TYPE);
	add_str(o, "name", sb_jstr(ra, "name"));
	free(sub);
	free(def);
	free(id);
	return o;
}

/* Whether the assignment scope a lies at or above scope b. */
static bool at_or_above(const char *a, const char *b)
{
	size_t len = strlen(a);

	return strncasecmp(a, b, len) == 0 && (b[len] == '\0' ||
					       b[len] == '/');
}

struct list_filter {
	bool at_scope;
	char *principal;
};

/* Reads the quoted value after prefix in clause, e.g. "principalId eq '". */
static char *quoted_after(const char *clause, const char *prefix)
{
	size_t len = strlen(prefix);
	const char *end;

	if (strncasecmp(clause, prefix, len) != 0)
		return NULL;
	end = strchr(clause + len, '\'');
	return end ? strndup(clause + len, (size_t)(end - clause - len))
		   : NULL;
}

/* Parses $filter: atScope(), principalId eq '...', assignedTo('...'),
 * joined with "and". */
static bool parse_filter(const char *text, struct list_filter *f)
{
	char *copy, *clause, *next;
	bool ok = true;

	if (text == NULL)
		return true;
	copy = strdup(text);
	for (clause = copy; ok && clause != NULL; clause = next) {
		char *value;

		next = strcasestr(clause, " and ");
		if (next != NULL) {
			*next = '\0';
			next += 5;
		}
		while (isspace((unsigned char)*clause))
			clause++;
		if (strcasecmp(clause, "atScope()") == 0) {
			f->at_scope = true;
		} else if ((value = quoted_after(clause, "principalId eq '")) ||
			   (value = quoted_after(clause, "assignedTo('"))) {
			free(f->principal);
			f->principal = value;
		} else {
			ok = false;
		}
	}
	free(copy);
	return ok;
}

static void list_assignments(struct sb_request *req, struct sb_reply *reply,
			     const struct scope *scope)
{
	json_object *list = sb_jarr(req->sb->tenant, "roleAssignments");
	struct list_filter f = { false, NULL };
	json_object *items;
	size_t i, n = json_object_array_length(list);

	if (!parse_filter(sb_query(req, "$filter"), &f)) {
		sb_arm_error(reply, 400, "UnsupportedQuery", "The filter '%s' "
			     "is not supported. Use atScope(), principalId eq "
			     "'{id}' or assignedTo('{id}'), joined with and.",
			     sb_query(req, "$filter"));
		goto out;
	}
	items = json_object_new_array();
	for (i = 0; i < n; i++) {
		json_object *ra = json_object_array_get_idx(list, i);
		const char *ra_scope = sb_jstr(ra, "scope");
		bool above = at_or_above(ra_scope, scope->path);

		if (f.principal != NULL &&
		    !sb_ieq(sb_jstr(ra, "principalId"), f.principal))
			continue;
		if (!above && (f.at_scope ||
			       !at_or_above(scope->path, ra_scope)))
			continue;
		json_object_array_add(items, assignment_json(ra));
	}
	sb_arm_page(req, reply, items);
out:
	free(f.principal);
}

static json_object *find_assignment(json_object *tenant, const char *name)
{
	return sb_find_by(sb_jarr(tenant, "roleAssignments"), "name", name);
}

static bool is_guid(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* The GUID without hyphens, as Azure prints ids in these messages. */
static void compact_guid(const char *guid, char out[33])
{
	size_t o = 0;

	for (; *guid != '\0' && o < 32; guid++)
		if (*guid != '-')
			out[o++] = *guid;
	out[o] = '\0';
}

static json_object *same_grant(json_object *tenant, const char *scope,
			       const char *role, const char *principal)
{
	json_object *list = sb_jarr(tenant, "roleAssignments");
	size_t i, n = json_object_array_length(list);

	for (i = 0; i < n; i++) {
		json_object *ra = json_object_array_get_idx(list, i);

		if (sb_ieq(sb_jstr(ra, "scope"), scope) &&
		    sb_ieq(sb_jstr(ra, "roleDefinitionId"), role) &&
		    sb_ieq(sb_jstr(ra, "principalId"), principal))
			return ra;
	}
	return NULL;
}

struct new_assignment {
	const char *role;	/* role definition GUID */
	const char *principal;
	const char *type;
	const char *description;
};

/* Checks the PUT body; replies 400 and returns false when it is bad. */
static bool read_assignment_body(struct sb_request *req,
				 struct sb_reply *reply, json_object *body,
				 struct new_assignment *out)
{
	json_object *props = sb_jobj(body, "properties");
	const char *def_id = sb_jstr(props, "roleDefinitionId");
	const char *last = def_id ? strrchr(def_id, '/') : NULL;
	json_object *def, *principal;
	char compact[33];

	out->principal = sb_jstr(props, "principalId");
	if (def_id == NULL || out->principal == NULL) {
		sb_arm_error(reply, 400, "InvalidRoleAssignmentRequest",
			     "The request body must contain properties."
			     "roleDefinitionId and properties.principalId.");
		return false;
	}
	def = sb_tenant_role_definition(req->sb->tenant,
					last ? last + 1 : def_id);
	if (def == NULL) {
		sb_arm_error(reply, 400, "RoleDefinitionDoesNotExist",
			     "The specified role definition with ID '%s' does "
			     "not exist.", last ? last + 1 : def_id);
		return false;
	}
	out->role = sb_jstr(def, "name");
	principal = sb_tenant_principal(req->sb->tenant, out->principal,
					&out->type);
	if (principal == NULL) {
		compact_guid(out->principal, compact);
		sb_arm_error(reply, 400, "PrincipalNotFound",
			     "Principal %s does not exist in the directory "
			     "%s. Check that you have the correct principal "
			     "ID.", compact, sb_tenant_id(req->sb->tenant));
		return false;
	}
	if (sb_jstr(props, "principalType") != NULL)
		out->type = sb_jstr(props, "principalType");
	out->description = sb_jstr(props, "description");
	return true;
}

static void store_assignment(struct sb_request *req, const char *name,
			     const char *scope,
			     const struct new_assignment *a)
{
	json_object *ra = json_object_new_object();
	char when[40];

	sb_iso_time(sb_now(), when, sizeof(when));
	add_str(ra, "name", name);
	add_str(ra, "scope", scope);
	add_str(ra, "roleDefinitionId", a->role);
	add_str(ra, "principalId", a->principal);
	add_str(ra, "principalType", a->type);
	if (a->description != NULL)
		add_str(ra, "description", a->description);
	add_str(ra, "createdOn", when);
	add_str(ra, "createdBy", oid_of(req));
	json_object_array_add(sb_jarr(req->sb->tenant, "roleAssignments"),
			      ra);
	sb_state_changed(req->sb);
}

/* Replies for an existing name: 200 when it grants the same, else 409. */
static void existing_name(struct sb_reply *reply, json_object *ra,
			  const char *scope, const struct new_assignment *a)
{
	if (sb_ieq(sb_jstr(ra, "scope"), scope) &&
	    sb_ieq(sb_jstr(ra, "roleDefinitionId"), a->role) &&
	    sb_ieq(sb_jstr(ra, "principalId"), a->principal)) {
		sb_reply_json(reply, 200, assignment_json(ra));
		return;
	}
	sb_arm_error(reply, 409, "RoleAssignmentUpdateNotPermitted",
		     "Tenant ID, application ID, principal ID, and scope are "
		     "not allowed to be updated.");
}

static void put_assignment(struct sb_request *req, struct sb_reply *reply,
			   const struct scope *scope, const char *name)
{
	json_object *body = NULL, *ra;
	struct new_assignment a;
	char compact[33];

	if (!is_guid(name)) {
		sb_arm_error(reply, 400, "InvalidRoleAssignmentId",
			     "The role assignment ID '%s' is not valid. The "
			     "role assignment ID must be a GUID.", name);
		goto out;
	}
	if (!sb_rbac_allows(req->sb->tenant, oid_of(req), scope->path,
			    ASSIGNMENT_TYPE "/write")) {
		sb_arm_forbidden(req, reply, ASSIGNMENT_TYPE "/write",
				 scope->path);
		goto out;
	}
	if (!sb_arm_writable(req, reply, scope->sub))
		goto out;
	body = json_tokener_parse(req->body);
	if (!read_assignment_body(req, reply, body, &a))
		goto out;

	ra = find_assignment(req->sb->tenant, name);
	if (ra != NULL) {
		existing_name(reply, ra, scope->path, &a);
		goto out;
	}
	ra = same_grant(req->sb->tenant, scope->path, a.role, a.principal);
	if (ra != NULL) {
		compact_guid(sb_jstr(ra, "name"), compact);
		sb_arm_error(reply, 409, "RoleAssignmentExists",
			     "The role assignment already exists. The ID of "
			     "the existing role assignment is %s.", compact);
		goto out;
	}
	store_assignment(req, name, scope->path, &a);
	sb_reply_json(reply, 201, assignment_json(
			      find_assignment(req->sb->tenant, name)));
out:
	json_object_put(body);
}

static void delete_assignment(struct sb_request *req, struct sb_reply *reply,
			      const struct scope *scope, const char *name)
{
	json_object *list = sb_jarr(req->sb->tenant, "roleAssignments");
	size_t i, n = json_object_array_length(list);

	if (!sb_rbac_allows(req->sb->tenant, oid_of(req), scope->path,
			    ASSIGNMENT_TYPE "/delete")) {
		sb_arm_forbidden(req, reply, ASSIGNMENT_TYPE "/delete",
				 scope->path);
		return;
	}
	for (i = 0; i < n; i++) {
		json_object *ra = json_object_array_get_idx(list, i);

		if (!sb_ieq(sb_jstr(ra, "name"), name) ||
		    !sb_ieq(sb_jstr(ra, "scope"), scope->path))
			continue;
		sb_reply_json(reply, 200, assignment_json(ra));
		json_object_array_del_idx(list, i, 1);
		sb_state_changed(req->sb);
		return;
	}
	reply->status = 204;
}

static void get_assignment(struct sb_reply *reply, json_object *tenant,
			   const struct scope *scope, const char *name)
{
	json_object *ra = find_assignment(tenant, name);

	if (ra == NULL || !sb_ieq(sb_jstr(ra, "scope"), scope->path)) {
		sb_arm_error(reply, 404, "RoleAssignmentNotFound",
			     "The role assignment '%s' is not found.", name);
		return;
	}
	sb_reply_json(reply, 200, assignment_json(ra));
}

static json_object *definition_json(json_object *def, const char *scope)
{
	json_object *o = json_object_new_object();
	json_object *p = json_object_new_object();
	char *sub = subscription_part(scope);
	char *id = sb_printf("%s/providers/Microsoft.Authorization/"
			     "roleDefinitions/%s", sub, sb_jstr(def, "name"));

	add_str(o, "id", id);
	add_str(o, "type", "Microsoft.Authorization/roleDefinitions");
	add_str(o, "name", sb_jstr(def, "name"));
	add_str(p, "roleName", sb_jstr(def, "roleName"));
	add_str(p, "type", sb_jstr(def, "type"));
	add_str(p, "description", sb_jstr(def, "description"));
	json_object_object_add(p, "permissions", json_object_get(
				       sb_jarr(def, "permissions")));
	json_object_object_add(p, "assignableScopes",
			       json_object_new_array());
	json_object_array_add(sb_jarr(p, "assignableScopes"),
			      json_object_new_string("/"));
	json_object_object_add(o, "properties", p);
	free(sub);
	free(id);
	return o;
}

/* GET roleDefinitions[/{guid}], the list filtered by roleName eq '...'. */
static void role_definitions(struct sb_request *req, struct sb_reply *reply,
			     const struct scope *scope, char **rest,
			     size_t n_rest)
{
	json_object *defs = sb_jarr(req->sb->tenant, "roleDefinitions");
	json_object *items, *def;
	char *want = NULL;
	size_t i;

	if (n_rest == 2) {
		def = sb_find_by(defs, "name", rest[1]);
		if (def == NULL)
			sb_arm_error(reply, 404, "RoleDefinitionDoesNotExist",
				     "The specified role definition with ID "
				     "'%s' does not exist.", rest[1]);
		else
			sb_reply_json(reply, 200,
				      definition_json(def, scope->path));
		return;
	}
	if (sb_query(req, "$filter") != NULL)
		want = quoted_after(sb_query(req, "$filter"), "roleName eq '");
	items = json_object_new_array();
	for (i = 0; i < json_object_array_length(defs); i++) {
		def = json_object_array_get_idx(defs, i);
		if (want != NULL && !sb_ieq(sb_jstr(def, "roleName"), want))
			continue;
		json_object_array_add(items, definition_json(def,
							     scope->path));
	}
	free(want);
	sb_arm_page(req, reply, items);
}

static void route_assignments(struct sb_request *req, struct sb_reply *reply,
			      const struct scope *scope, char **rest,
			      size_t n_rest)
{
	const char *m = req->method;

	if (n_rest == 1 && strcmp(m, "GET") == 0)
		list_assignments(req, reply, scope);
	else if (n_rest == 2 && strcmp(m, "PUT") == 0)
		put_assignment(req, reply, scope, rest[1]);
	else if (n_rest == 2 && strcmp(m, "GET") == 0)
		get_assignment(reply, req->sb->tenant, scope, rest[1]);
	else if (n_rest == 2 && strcmp(m, "DELETE") == 0)
		delete_assignment(req, reply, scope, rest[1]);
	else
		sb_arm_error(reply, 405, "MethodNotAllowed", "The sandbox "
			     "does not support %s on %s.", m, req->path);
}

void sb_route_authorization(struct sb_request *req, struct sb_reply *reply,
			    size_t providers_index)
{
	char **rest = req->segs + providers_index + 2;
	size_t n_rest = req->n_segs - providers_index - 2;
	struct scope scope = { NULL, NULL };

	if (!sb_arm_check_version(req, reply, authorization_versions) ||
	    !resolve_scope(req, reply, providers_index, &scope))
		goto out;
	if (n_rest == 1 && sb_ieq(rest[0], "permissions")) {
		if (sb_arm_only_get(req, reply))
			permissions(req, reply, &scope);
	} else if (n_rest >= 1 && n_rest <= 2 &&
		   sb_ieq(rest[0], "roleAssignments")) {
		route_assignments(req, reply, &scope, rest, n_rest);
	} else if (n_rest >= 1 && n_rest <= 2 &&
		   sb_ieq(rest[0], "roleDefinitions")) {
		if (sb_arm_only_get(req, reply))
			role_definitions(req, reply, &scope, rest, n_rest);
	} else {
		sb_arm_error(reply, 404, "NotFound", "No route for %s.",
			     req->path);
	}
out:
	free(scope.path);
}
