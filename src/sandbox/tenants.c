/*
 * Several directories in one sandbox. The "tenant" object of a tenant
 * file is the home directory; "otherTenants" lists more of them:
 *
 *   otherTenants  [{id (GUID), displayName, defaultDomain?, countryCode?,
 *                   signInError? ("mfa" or "consent")}]
 *
 * Users, service principals and subscriptions carry a "tenantId" (the
 * home tenant when absent). A guest is a user entry in another tenant
 * whose "homeObjectId" is the object id of the same person at home, as
 * Entra B2B creates one: it has its own object id there. signInError
 * makes the token endpoint of that tenant reject refresh tokens the way
 * Entra does when the tenant demands multi-factor authentication
 * (AADSTS50076) or consent (AADSTS65001).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

static const char *const subscription_versions[] = {
	"2016-06-01", "2020-01-01", "2021-01-01", "2022-12-01", NULL,
};

json_object *sb_directory_find(json_object *root, const char *name)
{
	json_object *home = sb_jobj(root, "tenant");
	json_object *others = sb_jarr(root, "otherTenants");
	size_t i, n = others ? json_object_array_length(others) : 0;

	if (name == NULL)
		return NULL;
	if (sb_ieq(name, sb_jstr(home, "id")) ||
	    sb_ieq(name, sb_jstr(home, "defaultDomain")))
		return home;
	for (i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(others, i);

		if (sb_ieq(name, sb_jstr(t, "id")) ||
		    sb_ieq(name, sb_jstr(t, "defaultDomain")))
			return t;
	}
	return NULL;
}

const char *sb_entry_tenant(json_object *root, json_object *entry)
{
	const char *tid = sb_jstr(entry, "tenantId");

	return tid != NULL ? tid : sb_tenant_id(root);
}

/* The object id of the person behind user in the home tenant. */
static const char *home_object_id(json_object *user)
{
	const char *home = sb_jstr(user, "homeObjectId");

	return home != NULL ? home : sb_jstr(user, "id");
}

json_object *sb_user_in_tenant(json_object *root, json_object *user,
			       const char *tid)
{
	json_object *users = sb_jarr(root, "users");
	const char *home = home_object_id(user);
	size_t i, n = json_object_array_length(users);

	if (sb_ieq(sb_entry_tenant(root, user), tid))
		return user;
	for (i = 0; i < n; i++) {
		json_object *u = json_object_array_get_idx(users, i);

		if (sb_ieq(sb_entry_tenant(root, u), tid) &&
		    sb_ieq(home_object_id(u), home))
			return u;
	}
	return NULL;
}

json_object *sb_sp_in_tenant(json_object *root, const char *app_id,
			     const char *tid)
{
	json_object *sps = sb_jarr(root, "servicePrincipals");
	size_t i, n = json_object_array_length(sps);

	for (i = 0; i < n; i++) {
		json_object *sp = json_object_array_get_idx(sps, i);

		if (sb_ieq(sb_jstr(sp, "appId"), app_id) &&
		    sb_ieq(sb_entry_tenant(root, sp), tid))
			return sp;
	}
	return NULL;
}

/* Checks one entry's tenantId (filling in the home tenant when absent);
 * returns a message for a tenant that does not exist, else NULL. */
static char *check_entry(json_object *root, json_object *entry,
			 const char *where, size_t i)
{
	const char *tid = sb_jstr(entry, "tenantId");

	if (tid == NULL) {
		json_object_object_add(entry, "tenantId",
				       json_object_new_string(
					       sb_tenant_id(root)));
		return NULL;
	}
	if (sb_directory_find(root, tid) == NULL)
		return sb_printf("%s[%zu]: tenantId '%s' is neither the "
				 "tenant nor one of otherTenants", where, i,
				 tid);
	return NULL;
}

static char *check_others(json_object *root)
{
	json_object *others = sb_jarr(root, "otherTenants");
	size_t i, n = others ? json_object_array_length(others) : 0;

	if (others == NULL &&
	    json_object_object_get_ex(root, "otherTenants", NULL))
		return strdup("\"otherTenants\" must be an array");
	for (i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(others, i);
		const char *error = sb_jstr(t, "signInError");

		if (sb_jstr(t, "id") == NULL ||
		    sb_jstr(t, "displayName") == NULL)
			return sb_printf("otherTenants[%zu] needs an \"id\" "
					 "and a \"displayName\"", i);
		if (error != NULL && strcmp(error, "mfa") != 0 &&
		    strcmp(error, "consent") != 0)
			return sb_printf("otherTenants[%zu]: signInError "
					 "must be \"mfa\" or \"consent\"", i);
		if (sb_jstr(t, "defaultDomain") == NULL)
			json_object_object_add(t, "defaultDomain",
					       json_object_new_string(
						       "other.test"));
	}
	return NULL;
}

char *sb_tenants_check(json_object *root)
{
	static const char *const lists[] = {
		"users", "servicePrincipals", "subscriptions", NULL };
	char *problem = check_others(root);

	for (size_t l = 0; problem == NULL && lists[l] != NULL; l++) {
		json_object *list = sb_jarr(root, lists[l]);
		size_t i, n = list ? json_object_array_length(list) : 0;

		for (i = 0; problem == NULL && i < n; i++)
			problem = check_entry(root,
					      json_object_array_get_idx(list,
									i),
					      lists[l], i);
	}
	return problem;
}

/* The person signed in with req's token, as a user entry, or NULL. */
static json_object *caller_user(struct sb_request *req)
{
	return sb_find_by(sb_jarr(req->sb->tenant, "users"), "id",
			  sb_jstr(req->claims, "oid"));
}

static json_object *tenant_json(json_object *t)
{
	json_object *o = json_object_new_object();
	json_object *domains = json_object_new_array();
	const char *id = sb_jstr(t, "id");
	const char *country = sb_jstr(t, "countryCode");
	char *path = sb_printf("/tenants/%s", id);

	json_object_object_add(o, "id", json_object_new_string(path));
	json_object_object_add(o, "tenantId", json_object_new_string(id));
	json_object_object_add(o, "countryCode", json_object_new_string(
				       country ? country : "US"));
	json_object_object_add(o, "displayName", json_object_new_string(
				       sb_jstr(t, "displayName")));
	json_object_array_add(domains, json_object_new_string(
				      sb_jstr(t, "defaultDomain")));
	json_object_object_add(o, "domains", domains);
	json_object_object_add(o, "tenantCategory",
			       json_object_new_string("Home"));
	json_object_object_add(o, "defaultDomain", json_object_new_string(
				       sb_jstr(t, "defaultDomain")));
	json_object_object_add(o, "tenantType",
			       json_object_new_string("AAD"));
	free(path);
	return o;
}

/* Adds t to items when the caller has an identity in it. */
static void add_if_member(struct sb_request *req, json_object *items,
			  json_object *user, json_object *t)
{
	json_object *root = req->sb->tenant;
	const char *tid = sb_jstr(t, "id");
	bool member;

	if (user != NULL)
		member = sb_user_in_tenant(root, user, tid) != NULL;
	else
		member = sb_ieq(tid, sb_jstr(req->claims, "tid"));
	if (member)
		json_object_array_add(items, tenant_json(t));
}

/* GET /tenants: the home tenant and every tenant where the caller is a
 * guest. An application gets only its own tenant. */
void sb_route_tenants(struct sb_request *req, struct sb_reply *reply)
{
	json_object *root = req->sb->tenant;
	json_object *others = sb_jarr(root, "otherTenants");
	json_object *items, *user = caller_user(req);
	size_t i, n = others ? json_object_array_length(others) : 0;

	if (!sb_arm_only_get(req, reply) ||
	    !sb_arm_check_version(req, reply, subscription_versions))
		return;
	items = json_object_new_array();
	add_if_member(req, items, user, sb_jobj(root, "tenant"));
	for (i = 0; i < n; i++)
		add_if_member(req, items, user,
			      json_object_array_get_idx(others, i));
	sb_arm_page(req, reply, items);
}

bool sb_arm_token_tenant_ok(struct sb_request *req, struct sb_reply *reply,
			    json_object *sub)
{
	const char *want = sb_entry_tenant(req->sb->tenant, sub);
	const char *got = sb_jstr(req->claims, "tid");
	const char *base = req->sb->base;

	if (sb_ieq(want, got))
		return true;
	sb_arm_error(reply, 401, "InvalidAuthenticationTokenTenant",
		     "The access token is from the wrong issuer "
		     "'%s/login/%s/'. It must match the tenant "
		     "'%s/login/%s/' associated with this subscription. "
		     "Please use the authority (URL) '%s/login/%s' to get "
		     "the token.", base, got ? got : "", base, want, base,
		     want);
	return false;
}

/* The home tenant of the person behind user. */
static const char *home_tenant(json_object *root, json_object *user)
{
	json_object *home = sb_find_by(sb_jarr(root, "users"), "id",
				       home_object_id(user));

	return sb_entry_tenant(root, home != NULL ? home : user);
}

/* Replies as Entra does when tenant t demands what a refresh token
 * cannot carry: multi-factor authentication or the user's consent. */
static void sign_in_refused(struct sb_reply *reply, json_object *t,
			    const char *error)
{
	bool mfa = strcmp(error, "mfa") == 0;

	if (mfa)
		sb_login_error(reply, 400, "invalid_grant", 50076,
			       "Due to a configuration change made by your "
			       "administrator, or because you moved to a new "
			       "location, you must use multi-factor "
			       "authentication to access tenant '%s'.",
			       sb_jstr(t, "displayName"));
	else
		sb_login_error(reply, 400, "invalid_grant", 65001,
			       "The user or administrator has not consented "
			       "to use the application in tenant '%s'. Send "
			       "an interactive authorization request for "
			       "this user and resource.",
			       sb_jstr(t, "displayName"));
	json_object_object_add(reply->json, "suberror",
			       json_object_new_string(mfa ? "basic_action"
							  : "consent_required"));
}

json_object *sb_login_user_for(struct sb_request *req,
			       struct sb_reply *reply, json_object *user,
			       bool refresh)
{
	json_object *root = req->sb->tenant, *t, *in_tenant;
	const char *name = req->segs[0], *error;

	if (sb_ieq(name, "organizations") || sb_ieq(name, "common"))
		name = home_tenant(root, user);
	t = sb_directory_find(root, name);
	in_tenant = t ? sb_user_in_tenant(root, user, sb_jstr(t, "id")) : NULL;
	if (in_tenant == NULL) {
		sb_login_error(reply, 400, "invalid_grant", 50020,
			       "User account '%s' from the sandbox does not "
			       "exist in tenant '%s' and cannot access the "
			       "application in that tenant.",
			       sb_jstr(user, "userPrincipalName"), name);
		return NULL;
	}
	error = sb_jstr(t, "signInError");
	if (refresh && error != NULL) {
		sign_in_refused(reply, t, error);
		return NULL;
	}
	return in_tenant;
}

void sb_control_sign_in_policy(struct sb_sandbox *sb, const char *text,
			       struct sb_reply *reply)
{
	json_object *in = json_tokener_parse(text), *t, *body;
	const char *error = sb_jstr(in, "signInError");
	json_object *others = sb_jarr(sb->tenant, "otherTenants");

	t = sb_directory_find(sb->tenant, sb_jstr(in, "tenant"));
	if (t == NULL || t == sb_jobj(sb->tenant, "tenant") ||
	    (error != NULL && strcmp(error, "mfa") != 0 &&
	     strcmp(error, "consent") != 0)) {
		sb_arm_error(reply, 400, "BadRequest", "Send {\"tenant\": ID, "
			     "\"signInError\": \"mfa\", \"consent\" or null} "
			     "naming one of otherTenants (%zu of them).",
			     others ? json_object_array_length(others) : 0);
		goto out;
	}
	if (error != NULL)
		json_object_object_add(t, "signInError",
				       json_object_new_string(error));
	else
		json_object_object_del(t, "signInError");
	sb_state_changed(sb);
	body = json_object_new_object();
	json_object_object_add(body, "tenant", json_object_new_string(
				       sb_jstr(t, "id")));
	json_object_object_add(body, "signInError", error ?
			       json_object_new_string(error) : NULL);
	sb_reply_json(reply, 200, body);
out:
	json_object_put(in);
}
