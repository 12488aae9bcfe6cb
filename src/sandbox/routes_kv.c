/*
 * The Key Vault data plane under /kv/{vault}: list secrets, list a
 * secret's versions and get a secret. Access follows the vault: its
 * network rules first, then RBAC data actions or access policies. Every
 * write is rejected and counted, because kvlink must never change a
 * secret and the tests check that it never tries.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "sandbox/sandbox.h"

#define ACTION_LIST "Microsoft.KeyVault/vaults/secrets/readMetadata/action"
#define ACTION_GET "Microsoft.KeyVault/vaults/secrets/getSecret/action"

static const char *const data_versions[] = {
	"7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", NULL };

/* One data-plane request and the vault it addresses. */
struct kv_call {
	struct sb_request *req;
	struct sb_reply *reply;
	json_object *vault;
	const char *name;	/* vault name */
};

static void add_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

/* The URL of rest (no leading slash) below the vault's URI. */
static char *vault_url(struct kv_call *c, const char *rest)
{
	char *uri = sb_vault_uri(c->req->sb, c->name);
	char *url = sb_printf("%s%s", uri, rest);

	free(uri);
	return url;
}

/* The request's path below /kv/NAME/, without the leading slash. */
static const char *path_below_vault(struct kv_call *c)
{
	size_t len = strlen(c->name);
	const char *p = c->req->path;

	if (strncmp(p, "/kv/", 4) == 0 && strncmp(p + 4, c->name, len) == 0 &&
	    p[4 + len] == '/')
		return p + 4 + len + 1;
	return "";
}

static bool authenticate(struct kv_call *c)
{
	struct sb_sandbox *sb = c->req->sb;
	enum sb_token_status st = sb_authenticate(c->req, "kv");
	char *challenge;

	if (st == SB_TOKEN_OK)
		return true;
	sb_kv_error(c->reply, 401, "Unauthorized", NULL, "%s",
		    st == SB_TOKEN_MISSING ? "AKV10000: Request is missing a "
					     "Bearer or PoP token." :
		    st == SB_TOKEN_EXPIRED ? "AKV10021: The access token has "
					     "expired." :
		    st == SB_TOKEN_AUDIENCE ? "AKV10022: Invalid audience: "
					      "the token is not for this "
					      "Key Vault." :
		    "AKV10032: Invalid issuer or signature.");
	/* Key Vault names the authority as host/tenant, with no path
	 * before the tenant: clients read the tenant from there. */
	challenge = sb_printf("Bearer authorization=\"%s/%s\", "
			      "resource=\"%s/kv\"", sb->base,
			      sb_tenant_id(sb->tenant), sb->base);
	sb_reply_add_header(c->reply, "WWW-Authenticate", challenge);
	free(challenge);
	return false;
}

/* Key Vault accepts only tokens issued by the vault's own tenant and
 * names that tenant in its challenge, so a client can fetch the token. */
static bool tenant_matches(struct kv_call *c)
{
	struct sb_sandbox *sb = c->req->sb;
	const char *want = sb_jstr(c->vault, "tenantId");
	char *challenge;

	if (sb_ieq(want, sb_jstr(c->req->claims, "tid")))
		return true;
	sb_kv_error(c->reply, 401, "Unauthorized", NULL, "AKV10032: Invalid "
		    "issuer. Expected one of %s/login/%s/, found %s.",
		    sb->base, want, sb_jstr(c->req->claims, "iss") ?
		    sb_jstr(c->req->claims, "iss") : "");
	challenge = sb_printf("Bearer authorization=\"%s/login/%s\", "
			      "resource=\"%s/kv\"", sb->base, want, sb->base);
	sb_reply_add_header(c->reply, "WWW-Authenticate", challenge);
	free(challenge);
	return false;
}

/* "appid=...;oid=...;iss=..." as Key Vault names callers in messages. */
static char *caller_text(struct kv_call *c)
{
	json_object *cl = c->req->claims;

	return sb_printf("appid=%s;oid=%s;iss=%s", sb_jstr(cl, "appid") ?
			 sb_jstr(cl, "appid") : "", sb_jstr(cl, "oid"),
			 sb_jstr(cl, "iss") ? sb_jstr(cl, "iss") : "");
}

static bool ip_in_rule(const char *ip, const char *rule)
{
	char net[64];
	const char *slash = strchr(rule, '/');
	struct in_addr a, b;
	long bits = 32;
	uint32_t mask;

	snprintf(net, sizeof(net), "%.*s",
		 (int)(slash ? (size_t)(slash - rule) : strlen(rule)), rule);
	if (slash != NULL)
		bits = strtol(slash + 1, NULL, 10);
	if (inet_pton(AF_INET, ip, &a) != 1 ||
	    inet_pton(AF_INET, net, &b) != 1 || bits < 0 || bits > 32)
		return false;
	mask = bits == 0 ? 0 : htonl(~0u << (32 - bits));
	return (a.s_addr & mask) == (b.s_addr & mask);
}

static bool firewall_allows(json_object *acls, const char *ip)
{
	json_object *rules = sb_jarr(acls, "ipRules");
	size_t i, n = rules ? json_object_array_length(rules) : 0;

	if (!sb_ieq(sb_jstr(acls, "defaultAction"), "Deny"))
		return true;
	for (i = 0; i < n; i++) {
		const char *v = sb_jstr(json_object_array_get_idx(rules, i),
					"value");

		if (v != NULL && ip_in_rule(ip, v))
			return true;
	}
	return false;
}

static void client_ip(struct sb_request *req, char *out, size_t len)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(
		req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr_in *sin;

	snprintf(out, len, "127.0.0.1");
	if (info == NULL || info->client_addr == NULL ||
	    info->client_addr->sa_family != AF_INET)
		return;
	sin = (const struct sockaddr_in *)(const void *)info->client_addr;
	inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)len);
}

/* Public network access, then the firewall. The sandbox's callers are
 * never trusted Azure services, so bypass AzureServices does not help. */
static bool network_allows(struct kv_call *c)
{
	char ip[64], *caller;

	if (sb_ieq(sb_jstr(c->vault, "publicNetworkAccess"), "Disabled")) {
		sb_kv_error(c->reply, 403, "Forbidden", "ForbiddenByConnection",
			    "Public network access is disabled and request is "
			    "not from a trusted service nor via an approved "
			    "private link.\r\nVault: %s;location=%s", c->name,
			    sb_jstr(c->vault, "location"));
		return false;
	}
	client_ip(c->req, ip, sizeof(ip));
	if (firewall_allows(sb_jobj(c->vault, "networkAcls"), ip))
		return true;
	caller = caller_text(c);
	sb_kv_error(c->reply, 403, "Forbidden", "ForbiddenByFirewall",
		    "Client address is not authorized and caller is not a "
		    "trusted service.\r\nClient address: %s\r\nCaller: %s\r\n"
		    "Vault: %s;location=%s", ip, caller, c->name,
		    sb_jstr(c->vault, "location"));
	free(caller);
	return false;
}

static bool policy_allows(json_object *vault, const char *oid,
			  const char *permission)
{
	json_object *list = sb_jarr(vault, "accessPolicies");
	size_t i, j, n = list ? json_object_array_length(list) : 0;

	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(list, i);
		json_object *perms;

		if (!sb_ieq(sb_jstr(e, "objectId"), oid) ||
		    sb_jstr(e, "applicationId") != NULL)
			continue;
		perms = sb_jarr(sb_jobj(e, "permissions"), "secrets");
		for (j = 0; perms && j < json_object_array_length(perms); j++) {
			const char *p = json_object_get_string(
				json_object_array_get_idx(perms, j));

			if (sb_ieq(p, permission) || sb_ieq(p, "all"))
				return true;
		}
	}
	return false;
}

/* Checks the data-plane permission: permission is "list" or "get". */
static bool authorized(struct kv_call *c, const char *permission,
		       const char *secret)
{
	const char *oid = sb_jstr(c->req->claims, "oid");
	char *scope = sb_vault_scope(c->vault), *caller;
	const char *action = strcmp(permission, "get") == 0 ? ACTION_GET
							     : ACTION_LIST;
	bool ok;

	if (sb_jbool(c->vault, "enableRbacAuthorization", false))
		ok = sb_rbac_allows_data(c->req->sb->tenant, oid, scope,
					 action);
	else
		ok = policy_allows(c->vault, oid, permission);
	if (ok)
		goto out;
	caller = caller_text(c);
	if (sb_jbool(c->vault, "enableRbacAuthorization", false))
		sb_kv_error(c->reply, 403, "Forbidden", "ForbiddenByRbac",
			    "Caller is not authorized to perform action on "
			    "resource.\r\nCaller: %s\r\nAction: '%s'\r\n"
			    "Resource: '%s/secrets%s%s'\r\nAssignment: (not "
			    "found)\r\nVault: %s;location=%s", caller, action,
			    scope, secret ? "/" : "", secret ? secret : "",
			    c->name, sb_jstr(c->vault, "location"));
	else
		sb_kv_error(c->reply, 403, "Forbidden", "ForbiddenByPolicy",
			    "The user, group or application '%s' does not "
			    "have secrets %s permission on key vault "
			    "'%s;location=%s'.", caller, permission, c->name,
			    sb_jstr(c->vault, "location"));
	free(caller);
out:
	free(scope);
	return ok;
}

static const char *recovery_level(json_object *vault, int64_t *days)
{
	bool purge = sb_jbool(vault, "enablePurgeProtection", false);

	*days = sb_jint(vault, "softDeleteRetentionInDays", 90);
	if (!sb_jbool(vault, "enableSoftDelete", true)) {
		*days = 0;
		return "Purgeable";
	}
	if (*days < 90)
		return purge ? "CustomizedRecoverable"
			     : "CustomizedRecoverable+Purgeable";
	return purge ? "Recoverable" : "Recoverable+Purgeable";
}

static json_object *attributes_json(json_object *vault, json_object *secret)
{
	json_object *in = sb_jobj(secret, "attributes");
	json_object *o = json_object_new_object();
	static const char *const times[] = { "nbf", "exp", "created",
					     "updated", NULL };
	const char *const *t;
	int64_t days;

	json_object_object_add(o, "enabled", json_object_new_boolean(
				       sb_jbool(in, "enabled", true)));
	for (t = times; *t != NULL; t++)
		if (sb_jint(in, *t, 0) != 0)
			json_object_object_add(o, *t, json_object_new_int64(
						       sb_jint(in, *t, 0)));
	add_str(o, "recoveryLevel", recovery_level(vault, &days));
	json_object_object_add(o, "recoverableDays",
			       json_object_new_int64(days));
	return o;
}

/* A SecretItem; with_version adds the version to id. */
static json_object *item_json(struct kv_call *c, json_object *secret,
			      bool with_version)
{
	json_object *o = json_object_new_object();
	json_object *tags = sb_jobj(secret, "tags");
	char *rest = sb_printf("secrets/%s%s%s", sb_jstr(secret, "name"),
			       with_version ? "/" : "",
			       with_version ? sb_jstr(secret, "version") : "");
	char *id = vault_url(c, rest);

	add_str(o, "id", id);
	json_object_object_add(o, "attributes",
			       attributes_json(c->vault, secret));
	if (tags != NULL)
		json_object_object_add(o, "tags", json_object_get(tags));
	if (sb_jstr(secret, "contentType") != NULL)
		add_str(o, "contentType", sb_jstr(secret, "contentType"));
	if (sb_jbool(secret, "managed", false))
		json_object_object_add(o, "managed",
				       json_object_new_boolean(1));
	free(id);
	free(rest);
	return o;
}

/* Reads maxresults (1..25, default 25); replies 400 when invalid. */
static bool page_size(struct kv_call *c, long *size)
{
	const char *text = sb_query(c->req, "maxresults");
	char *end;

	*size = SB_SECRET_PAGE_MAX;
	if (text == NULL)
		return true;
	*size = strtol(text, &end, 10);
	if (end != text && *end == '\0' && *size >= 1 &&
	    *size <= SB_SECRET_PAGE_MAX)
		return true;
	sb_kv_error(c->reply, 400, "BadParameter", NULL,
		    "Invalid value '%s' for maxresults: it must be an integer "
		    "from 1 to %d.", text, SB_SECRET_PAGE_MAX);
	return false;
}

/* Lists the vault's secrets, or the versions of single when set. */
static void list(struct kv_call *c, json_object *single)
{
	json_object *all = sb_jarr(c->vault, "secrets");
	const char *skip = sb_query(c->req, "$skiptoken");
	size_t total = single ? 1 : json_object_array_length(all);
	size_t offset = 0, i;
	json_object *body, *value;
	long size;

	if (!page_size(c, &size))
		return;
	if (skip != NULL && !sb_skiptoken_decode(skip, &offset)) {
		sb_kv_error(c->reply, 400, "BadParameter", NULL,
			    "Invalid $skiptoken '%s': use the nextLink of the "
			    "previous page as it is.", skip);
		return;
	}
	value = json_object_new_array();
	for (i = offset; i < total && i < offset + (size_t)size; i++) {
		json_object *secret = single ? single
				      : json_object_array_get_idx(all, i);

		json_object_array_add(value, item_json(c, secret,
						       single != NULL));
	}
	body = json_object_new_object();
	json_object_object_add(body, "value", value);
	if (offset + (size_t)size < total) {
		char *token = sb_skiptoken_encode(offset + (size_t)size);
		char *rest = sb_printf("%s?api-version=%s&$skiptoken=%s"
				       "&maxresults=%ld", path_below_vault(c),
				       sb_query(c->req, "api-version"), token,
				       size);
		char *next = vault_url(c, rest);

		add_str(body, "nextLink", next);
		free(token);
		free(rest);
		free(next);
	} else {
		json_object_object_add(body, "nextLink", NULL);
	}
	sb_reply_json(c->reply, 200, body);
}

static json_object *find_secret(struct kv_call *c, const char *name,
				const char *version)
{
	json_object *s = sb_find_by(sb_jarr(c->vault, "secrets"), "name",
				    name);

	if (s != NULL && version != NULL &&
	    !sb_ieq(sb_jstr(s, "version"), version))
		s = NULL;
	if (s == NULL)
		sb_kv_error(c->reply, 404, "SecretNotFound", NULL,
			    "A secret with (name/id) %s%s%s was not found in "
			    "this key vault. If you recently deleted this "
			    "secret you may be able to recover it using the "
			    "correct recovery command.", name,
			    version ? "/" : "", version ? version : "");
	return s;
}

static void get_secret(struct kv_call *c, const char *name,
		       const char *version)
{
	json_object *secret = find_secret(c, name, version), *body;
	char *kid;

	if (secret == NULL)
		return;
	if (!sb_jbool(sb_jobj(secret, "attributes"), "enabled", true)) {
		sb_kv_error(c->reply, 403, "Forbidden", "SecretDisabled",
			    "Operation get is not allowed on a disabled "
			    "secret.");
		return;
	}
	body = item_json(c, secret, true);
	add_str(body, "value", sb_jstr(secret, "value"));
	if (sb_jbool(secret, "managed", false)) {
		char *rest = sb_printf("keys/%s/%s", sb_jstr(secret, "name"),
				       sb_jstr(secret, "version"));

		kid = vault_url(c, rest);
		free(rest);
		add_str(body, "kid", kid);
		free(kid);
	}
	sb_reply_json(c->reply, 200, body);
}

static bool valid_name(const char *name)
{
	const char *p;

	if (*name == '\0' || strlen(name) > 127)
		return false;
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
	return true;
}

static void route_secrets(struct kv_call *c, char **s, size_t n)
{
	const char *secret = n >= 2 ? s[1] : NULL;
	json_object *single;

	if (secret != NULL && !valid_name(secret)) {
		sb_kv_error(c->reply, 400, "BadParameter", NULL,
			    "The secret name '%s' is invalid: use 1 to 127 "
			    "letters, digits and dashes.", secret);
		return;
	}
	if (n == 1) {
		if (authorized(c, "list", NULL))
			list(c, NULL);
	} else if (n == 3 && strcmp(s[2], "versions") == 0) {
		if (authorized(c, "list", secret) &&
		    (single = find_secret(c, secret, NULL)) != NULL)
			list(c, single);
	} else if (n <= 3) {
		if (authorized(c, "get", secret))
			get_secret(c, secret, n == 3 ? s[2] : NULL);
	} else {
		sb_kv_error(c->reply, 404, "NotFound", NULL,
			    "No route for %s.", c->req->path);
	}
}

static bool check_version(struct kv_call *c)
{
	const char *v = sb_query(c->req, "api-version");
	const char *const *p;

	for (p = data_versions; v != NULL && *p != NULL; p++)
		if (strcmp(*p, v) == 0)
			return true;
	sb_kv_error(c->reply, 400, "BadParameter", NULL,
		    v ? "The specified version (%s) is not recognized. "
		        "Consider using the latest supported version (7.5)."
		      : "The api-version query parameter is missing%s.",
		    v ? v : "");
	return false;
}

static void reject_write(struct sb_request *req, struct sb_reply *reply)
{
	req->sb->refused_writes++;
	sb_kv_error(reply, 405, "MethodNotAllowed", "WriteRefusedBySandbox",
		    "kvlink-sandbox rejects every write to the Key Vault data "
		    "plane (%s %s): kvlink only reads secret names.",
		    req->method, req->path);
	sb_reply_add_header(reply, "Allow", "GET, HEAD");
}

void sb_route_kv(struct sb_request *req, struct sb_reply *reply)
{
	struct kv_call c = { req, reply, NULL, NULL };

	if (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0) {
		reject_write(req, reply);
		return;
	}
	if (req->n_segs == 0 || !authenticate(&c))
		goto no_vault;
	c.vault = sb_tenant_vault(req->sb->tenant, req->segs[0]);
	if (c.vault == NULL)
		goto no_vault;
	c.name = sb_jstr(c.vault, "name");
	if (!tenant_matches(&c) || !check_version(&c) || !network_allows(&c))
		return;
	if (req->n_segs >= 2 && strcmp(req->segs[1], "secrets") == 0)
		route_secrets(&c, req->segs + 1, req->n_segs - 1);
	else
		sb_kv_error(reply, 404, "NotFound", NULL, "The sandbox serves "
			    "only secrets: no route for %s.", req->path);
	return;
no_vault:
	if (reply->status == 0)
		sb_kv_error(reply, 404, "VaultNotFound", NULL, "No key vault "
			    "named '%s' exists in the sandbox.",
			    req->n_segs ? req->segs[0] : "");
}
