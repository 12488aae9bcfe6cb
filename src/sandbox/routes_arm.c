/*
 * Resource Manager under /arm: subscriptions, resource groups and key
 * vaults. Every call needs a token for the /arm audience and a supported
 * api-version; lists page with nextLink and $skiptoken. Authorization
 * paths go to routes_authz.c, access policy writes to routes_policy.c.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

static const char *const subscription_versions[] = {
	"2016-06-01", "2019-11-01", "2020-01-01", "2021-01-01",
	"2022-12-01", NULL };
static const char *const group_versions[] = {
	"2019-10-01", "2020-06-01", "2021-04-01", "2022-09-01",
	"2024-03-01", "2025-04-01", NULL };
const char *const sb_keyvault_versions[] = {
	"2022-07-01", "2023-02-01", "2023-07-01", "2024-11-01",
	"2025-05-01", NULL };

const char *sb_caller_name(struct sb_request *req)
{
	const char *name = sb_jstr(req->claims, "upn");

	if (name == NULL)
		name = sb_jstr(req->claims, "appid");
	return name ? name : sb_jstr(req->claims, "oid");
}

/* Checks the bearer token for the Resource Manager audience. */
bool sb_arm_authenticate(struct sb_request *req, struct sb_reply *reply)
{
	struct sb_sandbox *sb = req->sb;
	enum sb_token_status st = sb_authenticate(req, "arm");
	char *challenge;

	if (st == SB_TOKEN_OK)
		return true;
	if (st == SB_TOKEN_MISSING)
		sb_arm_error(reply, 401, "AuthenticationFailed",
			     "Authentication failed. The 'Authorization' "
			     "header is missing.");
	else if (st == SB_TOKEN_EXPIRED)
		sb_arm_error(reply, 401, "ExpiredAuthenticationToken",
			     "The access token expiry UTC time is earlier "
			     "than current UTC time.");
	else if (st == SB_TOKEN_AUDIENCE)
		sb_arm_error(reply, 401, "InvalidAuthenticationTokenAudience",
			     "The access token has been obtained for wrong "
			     "audience or resource. It should exactly match "
			     "'%s/arm'.", sb->base);
	else
		sb_arm_error(reply, 401, "InvalidAuthenticationToken",
			     "The access token is invalid.");
	challenge = sb_printf("Bearer authorization_uri=\"%s/login/%s\", "
			      "error=\"invalid_token\"", sb->base,
			      sb_tenant_id(sb->tenant));
	sb_reply_add_header(reply, "WWW-Authenticate", challenge);
	free(challenge);
	return false;
}

bool sb_arm_check_version(struct sb_request *req, struct sb_reply *reply,
			  const char *const *versions)
{
	const char *v = sb_query(req, "api-version");
	const char *const *p;
	char list[256] = "";

	if (v == NULL || *v == '\0') {
		sb_arm_error(reply, 400, "MissingApiVersionParameter",
			     "The api-version query parameter (?api-version=)"
			     " is required for all requests.");
		return false;
	}
	for (p = versions; *p != NULL; p++) {
		if (strcmp(*p, v) == 0)
			return true;
		if (list[0] != '\0')
			strncat(list, ",", sizeof(list) - strlen(list) - 1);
		strncat(list, *p, sizeof(list) - strlen(list) - 1);
	}
	sb_arm_error(reply, 400, "InvalidApiVersionParameter",
		     "The api-version '%s' is invalid. The supported versions "
		     "are '%s'.", v, list);
	return false;
}

bool sb_arm_only_get(struct sb_request *req, struct sb_reply *reply)
{
	if (strcmp(req->method, "GET") == 0)
		return true;
	sb_arm_error(reply, 405, "MethodNotAllowed",
		     "The sandbox does not support %s on %s.", req->method,
		     req->path);
	return false;
}

/* Writes fail on a disabled subscription, as Azure makes it read-only. */
bool sb_arm_writable(struct sb_request *req, struct sb_reply *reply,
		     json_object *sub)
{
	(void)req;
	if (!sb_ieq(sb_jstr(sub, "state"), "Disabled"))
		return true;
	sb_arm_error(reply, 409, "ReadOnlyDisabledSubscription",
		     "The subscription '%s' is disabled and therefore marked "
		     "as read only. You cannot perform any write actions on "
		     "this subscription until it is re-enabled.",
		     sb_jstr(sub, "subscriptionId"));
	return false;
}

void sb_arm_forbidden(struct sb_request *req, struct sb_reply *reply,
		      const char *action, const char *scope)
{
	sb_arm_error(reply, 403, "AuthorizationFailed",
		     "The client '%s' with object id '%s' does not have "
		     "authorization to perform action '%s' over scope '%s' "
		     "or the scope is invalid. If access was recently "
		     "granted, please refresh your credentials.",
		     sb_caller_name(req), sb_jstr(req->claims, "oid"), action,
		     scope);
}

static json_object *array_item(void *ctx, size_t i)
{
	return json_object_get(json_object_array_get_idx(ctx, i));
}

/*
 * Replies with one page of items (consumed): $top or --page-size items
 * from the $skiptoken offset, and a nextLink when more remain.
 */
void sb_arm_page(struct sb_request *req, struct sb_reply *reply,
		 json_object *items)
{
	sb_arm_page_with(req, reply, json_object_array_length(items),
			 array_item, items);
	json_object_put(items);
}

void sb_arm_page_with(struct sb_request *req, struct sb_reply *reply,
		      size_t total,
		      json_object *(*item)(void *ctx, size_t i), void *ctx)
{
	const char *top = sb_query(req, "$top");
	const char *skip = sb_query(req, "$skiptoken");
	size_t offset = 0, i;
	long size = req->sb->opt.page_size;
	json_object *body, *value;

	if (top != NULL && (size = strtol(top, NULL, 10)) <= 0) {
		sb_arm_error(reply, 400, "InvalidTopParameter",
			     "The value '%s' of $top is invalid: use a "
			     "positive integer.", top);
		return;
	}
	if (skip != NULL && !sb_skiptoken_decode(skip, &offset)) {
		sb_arm_error(reply, 400, "InvalidSkipToken",
			     "The $skiptoken '%s' is invalid: use the "
			     "nextLink of the previous page as it is.", skip);
		return;
	}
	body = json_object_new_object();
	value = json_object_new_array();
	for (i = offset; i < total && i < offset + (size_t)size; i++)
		json_object_array_add(value, item(ctx, i));
	json_object_object_add(body, "value", value);
	if (offset + (size_t)size < total) {
		char *token = sb_skiptoken_encode(offset + (size_t)size);
		char *next = sb_printf("%s%s?api-version=%s%s%s&$skiptoken=%s",
				       req->sb->base, req->path,
				       sb_query(req, "api-version"),
				       top ? "&$top=" : "", top ? top : "",
				       token);

		json_object_object_add(body, "nextLink",
				       json_object_new_string(next));
		free(token);
		free(next);
	}
	sb_reply_json(reply, 200, body);
}

static json_object *subscription_json(json_object *tenant, json_object *sub)
{
	json_object *o = json_object_new_object();
	json_object *pol = json_object_new_object();
	const char *id = sb_jstr(sub, "subscriptionId");
	char *path = sb_printf("/subscriptions/%s", id);

	json_object_object_add(o, "id", json_object_new_string(path));
	json_object_object_add(o, "authorizationSource",
			       json_object_new_string("RoleBased"));
	json_object_object_add(o, "managedByTenants", json_object_new_array());
	json_object_object_add(o, "subscriptionId",
			       json_object_new_string(id));
	json_object_object_add(o, "tenantId", json_object_new_string(
				       sb_entry_tenant(tenant, sub)));
	json_object_object_add(o, "displayName", json_object_new_string(
				       sb_jstr(sub, "displayName")));
	json_object_object_add(o, "state",
			       json_object_new_string(sb_jstr(sub, "state")));
	json_object_object_add(pol, "locationPlacementId",
			       json_object_new_string("Public_2014-09-01"));
	json_object_object_add(pol, "quotaId",
			       json_object_new_string("PayAsYouGo_2014-09-01"));
	json_object_object_add(pol, "spendingLimit",
			       json_object_new_string("Off"));
	json_object_object_add(o, "subscriptionPolicies", pol);
	free(path);
	return o;
}

static bool sub_visible(struct sb_request *req, json_object *sub)
{
	char *scope = sb_printf("/subscriptions/%s",
				sb_jstr(sub, "subscriptionId"));
	bool visible = sb_rbac_has_any_below(req->sb->tenant,
					     sb_jstr(req->claims, "oid"),
					     scope);

	free(scope);
	return visible;
}

static void list_subscriptions(struct sb_request *req,
			       struct sb_reply *reply)
{
	json_object *subs = sb_jarr(req->sb->tenant, "subscriptions");
	json_object *items = json_object_new_array();
	size_t i, n = json_object_array_length(subs);

	for (i = 0; i < n; i++) {
		json_object *sub = json_object_array_get_idx(subs, i);

		/* Resource Manager lists the token tenant's only. */
		if (sb_ieq(sb_entry_tenant(req->sb->tenant, sub),
			   sb_jstr(req->claims, "tid")) &&
		    sub_visible(req, sub))
			json_object_array_add(items, subscription_json(
						      req->sb->tenant, sub));
	}
	sb_arm_page(req, reply, items);
}

/* Finds the subscription named in the path; replies 404 if unknown or
 * invisible to the caller. */
static json_object *find_subscription(struct sb_request *req,
				      struct sb_reply *reply, const char *id)
{
	json_object *sub = sb_tenant_subscription(req->sb->tenant, id);

	if (sub != NULL && !sb_arm_token_tenant_ok(req, reply, sub))
		return NULL;
	if (sub == NULL || !sub_visible(req, sub)) {
		sb_arm_error(reply, 404, "SubscriptionNotFound",
			     "The subscription '%s' could not be found.", id);
		return NULL;
	}
	return sub;
}

static json_object *group_json(json_object *sub, json_object *rg)
{
	json_object *o = json_object_new_object();
	json_object *props = json_object_new_object();
	json_object *tags = sb_jobj(rg, "tags");
	char *id = sb_printf("/subscriptions/%s/resourceGroups/%s",
			     sb_jstr(sub, "subscriptionId"),
			     sb_jstr(rg, "name"));

	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "name",
			       json_object_new_string(sb_jstr(rg, "name")));
	json_object_object_add(o, "type", json_object_new_string(
				       "Microsoft.Resources/resourceGroups"));
	json_object_object_add(o, "location", json_object_new_string(
				       sb_jstr(rg, "location")));
	if (tags != NULL)
		json_object_object_add(o, "tags", json_object_get(tags));
	json_object_object_add(props, "provisioningState",
			       json_object_new_string("Succeeded"));
	json_object_object_add(o, "properties", props);
	free(id);
	return o;
}

static bool group_readable(struct sb_request *req, json_object *sub,
			   json_object *rg)
{
	char *scope = sb_printf("/subscriptions/%s/resourceGroups/%s",
				sb_jstr(sub, "subscriptionId"),
				sb_jstr(rg, "name"));
	bool ok = sb_rbac_allows(req->sb->tenant, sb_jstr(req->claims, "oid"),
				 scope,
				 "Microsoft.Resources/subscriptions/"
				 "resourceGroups/read");

	free(scope);
	return ok;
}

static void list_groups(struct sb_request *req, struct sb_reply *reply,
			json_object *sub)
{
	json_object *rgs = sb_jarr(sub, "resourceGroups");
	json_object *items = json_object_new_array();
	size_t i, n = json_object_array_length(rgs);

	for (i = 0; i < n; i++) {
		json_object *rg = json_object_array_get_idx(rgs, i);

		if (group_readable(req, sub, rg))
			json_object_array_add(items, group_json(sub, rg));
	}
	sb_arm_page(req, reply, items);
}

static void get_group(struct sb_request *req, struct sb_reply *reply,
		      json_object *sub, json_object *rg)
{
	if (!group_readable(req, sub, rg)) {
		char *scope = sb_printf("/subscriptions/%s/resourceGroups/%s",
					sb_jstr(sub, "subscriptionId"),
					sb_jstr(rg, "name"));

		sb_arm_forbidden(req, reply, "Microsoft.Resources/"
				 "subscriptions/resourceGroups/read", scope);
		free(scope);
		return;
	}
	sb_reply_json(reply, 200, group_json(sub, rg));
}

static json_object *find_group(struct sb_reply *reply, json_object *sub,
			       const char *name)
{
	json_object *rg = sb_tenant_resource_group(sub, name);

	if (rg == NULL)
		sb_arm_error(reply, 404, "ResourceGroupNotFound",
			     "Resource group '%s' could not be found.", name);
	return rg;
}

/* Routes /subscriptions/{s}/resourcegroups[/{rg}[/providers/...]]. */
static void route_group(struct sb_request *req, struct sb_reply *reply,
			json_object *sub)
{
	char **s = req->segs;
	size_t n = req->n_segs;
	json_object *rg;

	if (n == 3) {
		if (sb_arm_only_get(req, reply) &&
		    sb_arm_check_version(req, reply, group_versions))
			list_groups(req, reply, sub);
		return;
	}
	rg = find_group(reply, sub, s[3]);
	if (rg == NULL)
		return;
	if (n == 4) {
		if (sb_arm_only_get(req, reply) &&
		    sb_arm_check_version(req, reply, group_versions))
			get_group(req, reply, sub, rg);
		return;
	}
	if (n >= 7 && sb_ieq(s[4], "providers") &&
	    sb_ieq(s[5], "Microsoft.KeyVault") && sb_ieq(s[6], "vaults")) {
		sb_route_vaults(req, reply, sub, rg, s + 7, n - 7);
		return;
	}
	sb_arm_error(reply, 404, "NotFound", "No route for %s.", req->path);
}

/* Routes /subscriptions/{s}[/...]. */
static void route_subscription(struct sb_request *req,
			       struct sb_reply *reply)
{
	char **s = req->segs;
	size_t n = req->n_segs;
	json_object *sub = find_subscription(req, reply, s[1]);

	if (sub == NULL)
		return;
	if (n == 2) {
		if (sb_arm_only_get(req, reply) &&
		    sb_arm_check_version(req, reply, subscription_versions))
			sb_reply_json(reply, 200,
				      subscription_json(req->sb->tenant, sub));
		return;
	}
	if (sb_ieq(s[2], "resourcegroups")) {
		route_group(req, reply, sub);
		return;
	}
	if (n == 3 && sb_ieq(s[2], "resources")) {
		sb_route_resources(req, reply, sub);
		return;
	}
	if (n >= 5 && sb_ieq(s[2], "providers") &&
	    sb_ieq(s[3], "Microsoft.KeyVault") && !sb_ieq(s[4], "vaults")) {
		sb_route_deleted_vaults(req, reply, sub, s + 4, n - 4);
		return;
	}
	if (n == 5 && sb_ieq(s[2], "providers") &&
	    sb_ieq(s[3], "Microsoft.KeyVault") && sb_ieq(s[4], "vaults")) {
		sb_route_vaults(req, reply, sub, NULL, NULL, 0);
		return;
	}
	sb_arm_error(reply, 404, "NotFound", "No route for %s.", req->path);
}

/* Index of "providers/Microsoft.Authorization" in the path, or 0. */
static size_t authorization_index(struct sb_request *req)
{
	size_t i;

	for (i = 2; i + 1 < req->n_segs; i++)
		if (sb_ieq(req->segs[i], "providers") &&
		    sb_ieq(req->segs[i + 1], "Microsoft.Authorization"))
			return i;
	return 0;
}

void sb_route_arm(struct sb_request *req, struct sb_reply *reply)
{
	char **s = req->segs;
	size_t n = req->n_segs, authz;

	if (!sb_arm_authenticate(req, reply))
		return;
	if (n == 3 && sb_ieq(s[0], "providers") &&
	    sb_ieq(s[1], "Microsoft.ResourceGraph") &&
	    sb_ieq(s[2], "resources")) {
		sb_route_resource_graph(req, reply);
		return;
	}
	if (n == 1 && sb_ieq(s[0], "tenants")) {
		sb_route_tenants(req, reply);
		return;
	}
	if (n == 0 || !sb_ieq(s[0], "subscriptions")) {
		sb_arm_error(reply, 404, "NotFound",
			     "No route for %s.", req->path);
		return;
	}
	if (n == 1) {
		if (sb_arm_only_get(req, reply) &&
		    sb_arm_check_version(req, reply, subscription_versions))
			list_subscriptions(req, reply);
		return;
	}
	authz = authorization_index(req);
	if (authz > 0) {
		sb_route_authorization(req, reply, authz);
		return;
	}
	route_subscription(req, reply);
}
