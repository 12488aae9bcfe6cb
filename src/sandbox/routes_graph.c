/*
 * Microsoft Graph under /graph: service principals by $filter, by id and
 * by appId key, and /me. Only reads: writes get Graph's
 * Authorization_RequestDenied, as for a user without directory roles.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sandbox/sandbox.h"

static const char *const sp_properties[] = {
	"id", "appId", "displayName", "servicePrincipalType",
	"accountEnabled", "appOwnerOrganizationId", "servicePrincipalNames",
	NULL };

static bool authenticate(struct sb_request *req, struct sb_reply *reply)
{
	enum sb_token_status st = sb_authenticate(req, "graph");

	if (st == SB_TOKEN_OK)
		return true;
	sb_graph_error(reply, 401, "InvalidAuthenticationToken", "%s",
		       st == SB_TOKEN_MISSING ? "Access token is empty." :
		       st == SB_TOKEN_EXPIRED ? "Lifetime validation failed, "
						"the token is expired." :
		       st == SB_TOKEN_AUDIENCE ? "Access token validation "
						 "failure. Invalid audience." :
		       "Access token validation failure.");
	return false;
}

static json_object *sp_json(struct sb_sandbox *sb, json_object *sp)
{
	json_object *o = json_object_new_object();
	json_object *names = json_object_new_array();

	json_object_object_add(o, "id",
			       json_object_new_string(sb_jstr(sp, "id")));
	json_object_object_add(o, "appId",
			       json_object_new_string(sb_jstr(sp, "appId")));
	json_object_object_add(o, "displayName", json_object_new_string(
				       sb_jstr(sp, "displayName")));
	json_object_object_add(o, "servicePrincipalType",
			       json_object_new_string("Application"));
	json_object_object_add(o, "accountEnabled",
			       json_object_new_boolean(1));
	json_object_object_add(o, "appOwnerOrganizationId",
			       json_object_new_string(
				       sb_tenant_id(sb->tenant)));
	json_object_array_add(names, json_object_new_string(
				      sb_jstr(sp, "appId")));
	json_object_object_add(o, "servicePrincipalNames", names);
	return o;
}

/* Keeps only the $select properties of obj; false for unknown ones. */
static bool apply_select(json_object *obj, const char *select,
			 const char **bad)
{
	json_object *keep = json_object_new_object();
	char *copy = strdup(select), *save = NULL, *tok;
	bool ok = true;

	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		const char *const *p;
		json_object *v;

		for (p = sp_properties; *p != NULL; p++)
			if (strcasecmp(*p, tok) == 0)
				break;
		if (*p == NULL) {
			*bad = select;
			ok = false;
			break;
		}
		if (json_object_object_get_ex(obj, *p, &v))
			json_object_object_add(keep, *p, json_object_get(v));
	}
	if (ok) {
		json_object_object_foreach(obj, key, val) {
			(void)val;
			if (!json_object_object_get_ex(keep, key, NULL))
				json_object_object_del(obj, key);
		}
	}
	json_object_put(keep);
	free(copy);
	return ok;
}

/* Parses "appId eq 'X'", "id eq 'X'" or "displayName eq 'X'". */
static bool parse_filter(const char *filter, const char **field,
			 char **value)
{
	static const char *const fields[] = { "appId", "id", "displayName",
					      NULL };
	const char *const *f;

	for (f = fields; *f != NULL; f++) {
		size_t len = strlen(*f);
		const char *rest, *end;

		if (strncasecmp(filter, *f, len) != 0 ||
		    strncasecmp(filter + len, " eq '", 5) != 0)
			continue;
		rest = filter + len + 5;
		end = strrchr(rest, '\'');
		if (end == NULL || end[1] != '\0')
			return false;
		*field = *f;
		*value = strndup(rest, (size_t)(end - rest));
		return true;
	}
	return false;
}

/* Graph reads from the directory of the token's tenant only. */
static bool in_token_tenant(struct sb_request *req, json_object *sp)
{
	return sb_ieq(sb_entry_tenant(req->sb->tenant, sp),
		      sb_jstr(req->claims, "tid"));
}

/* The first service principal of the token's tenant whose key is value. */
static json_object *find_sp(struct sb_request *req, const char *key,
			    const char *value)
{
	json_object *sps = sb_jarr(req->sb->tenant, "servicePrincipals");
	size_t i, n = json_object_array_length(sps);

	for (i = 0; i < n; i++) {
		json_object *sp = json_object_array_get_idx(sps, i);

		if (in_token_tenant(req, sp) &&
		    sb_ieq(sb_jstr(sp, key), value))
			return sp;
	}
	return NULL;
}

static void list_sps(struct sb_request *req, struct sb_reply *reply)
{
	struct sb_sandbox *sb = req->sb;
	const char *filter = sb_query(req, "$filter");
	const char *select = sb_query(req, "$select"), *field = NULL, *bad;
	json_object *sps = sb_jarr(sb->tenant, "servicePrincipals");
	json_object *body, *value;
	char *want = NULL, *context;
	size_t i;

	if (filter != NULL && !parse_filter(filter, &field, &want)) {
		sb_graph_error(reply, 400, "BadRequest", "Invalid filter "
			       "clause: the sandbox supports appId, id or "
			       "displayName eq '<value>', not '%s'.", filter);
		return;
	}
	value = json_object_new_array();
	for (i = 0; i < json_object_array_length(sps); i++) {
		json_object *sp = json_object_array_get_idx(sps, i);
		json_object *item;

		if (!in_token_tenant(req, sp) ||
		    (want != NULL && !sb_ieq(sb_jstr(sp, field), want)))
			continue;
		item = sp_json(sb, sp);
		if (select != NULL && !apply_select(item, select, &bad)) {
			sb_graph_error(reply, 400, "BadRequest", "Parsing "
				       "OData Select and Expand failed: "
				       "could not find a property in '%s' on "
				       "type 'microsoft.graph."
				       "servicePrincipal'.", bad);
			json_object_put(item);
			json_object_put(value);
			free(want);
			return;
		}
		json_object_array_add(value, item);
	}
	context = sb_printf("%s/graph/v1.0/$metadata#servicePrincipals%s%s%s",
			    sb->base, select ? "(" : "", select ? select : "",
			    select ? ")" : "");
	body = json_object_new_object();
	json_object_object_add(body, "@odata.context",
			       json_object_new_string(context));
	json_object_object_add(body, "value", value);
	sb_reply_json(reply, 200, body);
	free(context);
	free(want);
}

static void get_sp(struct sb_request *req, struct sb_reply *reply,
		   const char *key, const char *value)
{
	json_object *sp = find_sp(req, key, value);
	json_object *item;
	char *context;

	if (sp == NULL) {
		sb_graph_error(reply, 404, "Request_ResourceNotFound",
			       "Resource '%s' does not exist or one of its "
			       "queried reference-property objects are not "
			       "present.", value);
		return;
	}
	item = sp_json(req->sb, sp);
	context = sb_printf("%s/graph/v1.0/$metadata#servicePrincipals/"
			    "$entity", req->sb->base);
	json_object_object_add(item, "@odata.context",
			       json_object_new_string(context));
	sb_reply_json(reply, 200, item);
	free(context);
}

static void get_me(struct sb_request *req, struct sb_reply *reply)
{
	json_object *user = sb_tenant_find_user(req->sb->tenant,
						sb_jstr(req->claims, "oid"));
	json_object *o;

	if (user == NULL) {
		sb_graph_error(reply, 400, "BadRequest", "/me request is only "
			       "valid with delegated authentication flow.");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(
				       sb_jstr(user, "id")));
	json_object_object_add(o, "displayName", json_object_new_string(
				       sb_jstr(user, "displayName")));
	json_object_object_add(o, "userPrincipalName",
			       json_object_new_string(
				       sb_jstr(user, "userPrincipalName")));
	sb_reply_json(reply, 200, o);
}

void sb_route_graph(struct sb_request *req, struct sb_reply *reply)
{
	char **s = req->segs;
	size_t n = req->n_segs;
	const char *key = "servicePrincipals(appId='";
	size_t klen = strlen(key);

	if (!authenticate(req, reply))
		return;
	if (strcmp(req->method, "GET") != 0) {
		sb_graph_error(reply, 403, "Authorization_RequestDenied",
			       "Insufficient privileges to complete the "
			       "operation.");
		return;
	}
	if (n == 2 && strcmp(s[0], "v1.0") == 0 &&
	    strcmp(s[1], "servicePrincipals") == 0) {
		list_sps(req, reply);
	} else if (n == 3 && strcmp(s[0], "v1.0") == 0 &&
		   strcmp(s[1], "servicePrincipals") == 0) {
		get_sp(req, reply, "id", s[2]);
	} else if (n == 2 && strcmp(s[0], "v1.0") == 0 &&
		   strncmp(s[1], key, klen) == 0 &&
		   strlen(s[1]) > klen + 2) {
		char *app = strndup(s[1] + klen, strlen(s[1]) - klen - 2);

		get_sp(req, reply, "appId", app);
		free(app);
	} else if (n == 2 && strcmp(s[0], "v1.0") == 0 &&
		   strcmp(s[1], "me") == 0) {
		get_me(req, reply);
	} else {
		sb_graph_error(reply, 400, "BadRequest", "Resource not found "
			       "for the segment '%s'.", n ? s[n - 1] : "");
	}
}
