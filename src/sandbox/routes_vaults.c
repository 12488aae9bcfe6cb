/*
 * Microsoft.KeyVault/vaults under /arm: list by subscription or resource
 * group, get one vault, and PUT .../accessPolicies/{add|replace|remove}.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

static const char *const key_permissions[] = {
	"all", "encrypt", "decrypt", "wrapkey", "unwrapkey", "sign", "verify",
	"get", "list", "create", "update", "import", "delete", "backup",
	"restore", "recover", "purge", "release", "rotate",
	"getrotationpolicy", "setrotationpolicy", NULL };
static const char *const secret_permissions[] = {
	"all", "get", "list", "set", "delete", "backup", "restore", "recover",
	"purge", NULL };
static const char *const certificate_permissions[] = {
	"all", "get", "list", "delete", "create", "import", "update",
	"managecontacts", "getissuers", "listissuers", "setissuers",
	"deleteissuers", "manageissuers", "recover", "purge", "backup",
	"restore", NULL };
static const char *const storage_permissions[] = {
	"all", "get", "list", "delete", "set", "update", "regeneratekey",
	"recover", "purge", "backup", "restore", "setsas", "listsas",
	"getsas", "deletesas", NULL };

static const struct {
	const char *name;
	const char *const *allowed;
} categories[] = {
	{ "keys", key_permissions },
	{ "secrets", secret_permissions },
	{ "certificates", certificate_permissions },
	{ "storage", storage_permissions },
};

#define N_CATEGORIES (sizeof(categories) / sizeof(categories[0]))

static void add_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

static void copy_member(json_object *to, json_object *from, const char *key)
{
	json_object *v;

	if (json_object_object_get_ex(from, key, &v))
		json_object_object_add(to, key, json_object_get(v));
}

static json_object *system_data(json_object *vault)
{
	json_object *o = json_object_new_object();
	const char *by = sb_jstr(vault, "lastModifiedBy");
	const char *at = sb_jstr(vault, "lastModifiedAt");

	add_str(o, "createdBy", "avery@contoso.test");
	add_str(o, "createdByType", "User");
	add_str(o, "createdAt", "2024-05-01T08:00:00.0000000Z");
	add_str(o, "lastModifiedBy", by ? by : "avery@contoso.test");
	add_str(o, "lastModifiedByType", sb_jstr(vault, "lastModifiedByType")
		? sb_jstr(vault, "lastModifiedByType") : "User");
	add_str(o, "lastModifiedAt", at ? at : "2024-05-01T08:00:00.0000000Z");
	return o;
}

/* The Vault object as Resource Manager returns it. */
json_object *sb_vault_json(struct sb_sandbox *sb, json_object *vault)
{
	json_object *o = json_object_new_object();
	json_object *p = json_object_new_object();
	json_object *sku = json_object_new_object();
	char *id = sb_vault_scope(vault);
	char *uri = sb_vault_uri(sb, sb_jstr(vault, "name"));
	static const char *const copied[] = {
		"accessPolicies", "enabledForDeployment",
		"enabledForDiskEncryption", "enabledForTemplateDeployment",
		"enableSoftDelete", "softDeleteRetentionInDays",
		"enableRbacAuthorization", "enablePurgeProtection",
		"networkAcls", "publicNetworkAccess", NULL };
	const char *const *key;

	add_str(o, "id", id);
	add_str(o, "name", sb_jstr(vault, "name"));
	add_str(o, "type", "Microsoft.KeyVault/vaults");
	add_str(o, "location", sb_jstr(vault, "location"));
	copy_member(o, vault, "tags");
	json_object_object_add(o, "systemData", system_data(vault));

	add_str(sku, "family", "A");
	add_str(sku, "name", sb_jstr(vault, "sku"));
	json_object_object_add(p, "sku", sku);
	add_str(p, "tenantId", sb_jstr(vault, "tenantId"));
	for (key = copied; *key != NULL; key++)
		copy_member(p, vault, *key);
	if (!sb_jbool(vault, "enablePurgeProtection", false))
		json_object_object_del(p, "enablePurgeProtection");
	add_str(p, "vaultUri", uri);
	json_object_object_add(p, "privateEndpointConnections",
			       json_object_new_array());
	add_str(p, "provisioningState", "Succeeded");
	json_object_object_add(o, "properties", p);
	free(id);
	free(uri);
	return o;
}

static bool vault_readable(struct sb_request *req, json_object *vault)
{
	char *scope = sb_vault_scope(vault);
	bool ok = sb_rbac_allows(req->sb->tenant, sb_jstr(req->claims, "oid"),
				 scope, "Microsoft.KeyVault/vaults/read");

	free(scope);
	return ok;
}

/* The vaults of one list request, whose JSON is built page by page. */
struct vault_page {
	struct sb_sandbox *sb;
	struct sb_vault_refs refs;
};

static json_object *vault_item(void *ctx, size_t i)
{
	struct vault_page *page = ctx;
	json_object *vault = sb_vault_ref_get(page->sb->tenant,
					      &page->refs.items[i]);
	json_object *item;

	if (vault == NULL)
		return NULL;
	item = sb_vault_json(page->sb, vault);
	json_object_put(vault);
	return item;
}

static void list_vaults(struct sb_request *req, struct sb_reply *reply,
			json_object *sub, json_object *rg)
{
	struct vault_page page = { .sb = req->sb };
	struct sb_vault_refs all;
	struct sb_gen_fields f;
	const char *oid = sb_jstr(req->claims, "oid");
	char *scope;
	size_t i;

	sb_vault_refs_list(req->sb->tenant, sb_jstr(sub, "subscriptionId"),
			   &all);
	for (i = 0; i < all.n; i++) {
		sb_vault_ref_fields(req->sb->tenant, &all.items[i], &f);
		if (rg != NULL && !sb_ieq(f.group, sb_jstr(rg, "name")))
			continue;
		scope = sb_vault_fields_scope(&f);
		if (sb_rbac_allows(req->sb->tenant, oid, scope,
				   "Microsoft.KeyVault/vaults/read"))
			all.items[page.refs.n++] = all.items[i];
		free(scope);
	}
	page.refs.items = all.items;
	sb_arm_page_with(req, reply, page.refs.n, vault_item, &page);
	sb_vault_refs_clear(&all);
}

static json_object *find_vault(struct sb_request *req, struct sb_reply *reply,
			       json_object *sub, json_object *rg,
			       const char *name)
{
	json_object *v = sb_tenant_vault(req->sb->tenant, name);

	if (v == NULL || !sb_ieq(sb_jstr(v, "subscriptionId"),
				 sb_jstr(sub, "subscriptionId")) ||
	    !sb_ieq(sb_jstr(v, "resourceGroup"), sb_jstr(rg, "name"))) {
		sb_arm_error(reply, 404, "ResourceNotFound",
			     "The Resource 'Microsoft.KeyVault/vaults/%s' "
			     "under resource group '%s' was not found.", name,
			     sb_jstr(rg, "name"));
		return NULL;
	}
	return v;
}

static void get_vault(struct sb_request *req, struct sb_reply *reply,
		      json_object *vault)
{
	char *scope;

	if (vault_readable(req, vault)) {
		sb_reply_json(reply, 200, sb_vault_json(req->sb, vault));
		return;
	}
	scope = sb_vault_scope(vault);
	sb_arm_forbidden(req, reply, "Microsoft.KeyVault/vaults/read", scope);
	free(scope);
}

static bool known_permission(const char *const *allowed, const char *name)
{
	for (; *allowed != NULL; allowed++)
		if (sb_ieq(*allowed, name))
			return true;
	return false;
}

static json_object *lowercase_string(const char *s)
{
	char *copy = strdup(s), *p;
	json_object *o;

	for (p = copy; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	o = json_object_new_string(copy);
	free(copy);
	return o;
}

/*
 * Checks one requested entry and returns it in stored form (lower-case
 * permission names, every category present), or NULL after replying 400.
 */
static json_object *normalize_entry(struct sb_reply *reply, json_object *in,
				    json_object *vault, size_t index)
{
	json_object *perms = sb_jobj(in, "permissions");
	json_object *out, *out_perms;
	size_t c;

	if (!sb_ieq(sb_jstr(in, "tenantId"), sb_jstr(vault, "tenantId")) ||
	    sb_jstr(in, "objectId") == NULL || perms == NULL) {
		sb_arm_error(reply, 400, "BadRequest",
			     "An invalid value was provided for "
			     "'accessPolicies' (entry %zu): each entry needs "
			     "the vault's tenantId '%s', an objectId and "
			     "permissions.", index,
			     sb_jstr(vault, "tenantId"));
		return NULL;
	}
	out = json_object_new_object();
	add_str(out, "tenantId", sb_jstr(vault, "tenantId"));
	add_str(out, "objectId", sb_jstr(in, "objectId"));
	copy_member(out, in, "applicationId");
	out_perms = json_object_new_object();
	json_object_object_add(out, "permissions", out_perms);
	for (c = 0; c < N_CATEGORIES; c++) {
		json_object *list = sb_jarr(perms, categories[c].name);
		json_object *norm = json_object_new_array();
		size_t i, n = list ? json_object_array_length(list) : 0;

		json_object_object_add(out_perms, categories[c].name, norm);
		for (i = 0; i < n; i++) {
			const char *p = json_object_get_string(
				json_object_array_get_idx(list, i));

			if (!known_permission(categories[c].allowed, p)) {
				sb_arm_error(reply, 400, "BadRequest",
					     "Invalid permission '%s' in "
					     "'%s' of access policy entry "
					     "%zu.", p ? p : "",
					     categories[c].name, index);
				json_object_put(out);
				return NULL;
			}
			json_object_array_add(norm, lowercase_string(p));
		}
	}
	return out;
}

static bool contains(json_object *list, const char *name)
{
	size_t i, n = json_object_array_length(list);

	for (i = 0; i < n; i++)
		if (sb_ieq(json_object_get_string(
				   json_object_array_get_idx(list, i)), name))
			return true;
	return false;
}

/* Merges (add) or subtracts (remove) want's permissions into have's. */
static size_t combine(json_object *have, json_object *want, bool add)
{
	size_t c, remaining = 0;

	for (c = 0; c < N_CATEGORIES; c++) {
		const char *cat = categories[c].name;
		json_object *h = sb_jarr(sb_jobj(have, "permissions"), cat);
		json_object *w = sb_jarr(sb_jobj(want, "permissions"), cat);
		json_object *result = json_object_new_array();
		size_t i, n = h ? json_object_array_length(h) : 0;

		for (i = 0; i < n; i++) {
			json_object *p = json_object_array_get_idx(h, i);

			if (add || !contains(w, json_object_get_string(p)))
				json_object_array_add(result,
						      json_object_get(p));
		}
		n = add && w ? json_object_array_length(w) : 0;
		for (i = 0; i < n; i++) {
			json_object *p = json_object_array_get_idx(w, i);

			if (!contains(result, json_object_get_string(p)))
				json_object_array_add(result,
						      json_object_get(p));
		}
		remaining += json_object_array_length(result);
		json_object_object_add(sb_jobj(have, "permissions"), cat,
				       result);
	}
	return remaining;
}

static void apply_entry(json_object *policies, json_object *entry,
			const char *kind)
{
	const char *oid = sb_jstr(entry, "objectId");
	size_t i, n = json_object_array_length(policies);

	for (i = 0; i < n; i++) {
		json_object *have = json_object_array_get_idx(policies, i);

		if (!sb_ieq(sb_jstr(have, "objectId"), oid) ||
		    !sb_ieq(sb_jstr(have, "applicationId") ?
			    sb_jstr(have, "applicationId") : "",
			    sb_jstr(entry, "applicationId") ?
			    sb_jstr(entry, "applicationId") : ""))
			continue;
		if (strcmp(kind, "replace") == 0)
			json_object_array_put_idx(policies, i,
						  json_object_get(entry));
		else if (combine(have, entry, strcmp(kind, "add") == 0) == 0)
			json_object_array_del_idx(policies, i, 1);
		return;
	}
	if (strcmp(kind, "remove") != 0)
		json_object_array_add(policies, json_object_get(entry));
}

/* Parses and checks the request body; returns the normalized entries. */
json_object *sb_vault_policy_entries(struct sb_reply *reply,
				     json_object *list, json_object *vault)
{
	json_object *out = json_object_new_array();
	size_t i, n = json_object_array_length(list);

	for (i = 0; i < n; i++) {
		json_object *e = normalize_entry(reply,
				json_object_array_get_idx(list, i), vault, i);

		if (e == NULL) {
			json_object_put(out);
			return NULL;
		}
		json_object_array_add(out, e);
	}
	return out;
}

static json_object *requested_entries(struct sb_request *req,
				      struct sb_reply *reply,
				      json_object *vault)
{
	json_object *body = json_tokener_parse(req->body);
	json_object *list = sb_jarr(sb_jobj(body, "properties"),
				    "accessPolicies");
	json_object *out = NULL;

	if (list == NULL || json_object_array_length(list) == 0)
		sb_arm_error(reply, 400, "BadRequest",
			     "The request body must be {\"properties\":"
			     "{\"accessPolicies\":[...]}} with at least one "
			     "entry.");
	else
		out = sb_vault_policy_entries(reply, list, vault);
	json_object_put(body);
	return out;
}

void sb_vault_touch(struct sb_request *req, json_object *vault)
{
	char when[40];

	sb_iso_time(sb_now(), when, sizeof(when));
	add_str(vault, "lastModifiedBy", sb_caller_name(req));
	add_str(vault, "lastModifiedByType",
		sb_jstr(req->claims, "upn") ? "User" : "Application");
	add_str(vault, "lastModifiedAt", when);
	sb_state_changed(req->sb);
}

static void update_policies(struct sb_request *req, struct sb_reply *reply,
			    json_object *sub, json_object *vault,
			    const char *kind)
{
	char *scope = sb_vault_scope(vault), *id;
	json_object *entries = NULL, *body, *props;
	size_t i;

	if (strcmp(kind, "add") != 0 && strcmp(kind, "replace") != 0 &&
	    strcmp(kind, "remove") != 0) {
		sb_arm_error(reply, 400, "BadRequest",
			     "The operation kind '%s' is invalid: use add, "
			     "replace or remove.", kind);
		goto out;
	}
	if (!sb_rbac_allows(req->sb->tenant, sb_jstr(req->claims, "oid"),
			    scope, "Microsoft.KeyVault/vaults/"
			    "accessPolicies/write")) {
		sb_arm_forbidden(req, reply, "Microsoft.KeyVault/vaults/"
				 "accessPolicies/write", scope);
		goto out;
	}
	if (!sb_arm_writable(req, reply, sub))
		goto out;
	entries = requested_entries(req, reply, vault);
	if (entries == NULL)
		goto out;

	for (i = 0; i < json_object_array_length(entries); i++)
		apply_entry(sb_jarr(vault, "accessPolicies"),
			    json_object_array_get_idx(entries, i), kind);
	sb_vault_touch(req, vault);

	id = sb_printf("%s/accessPolicies/", scope);
	body = json_object_new_object();
	props = json_object_new_object();
	add_str(body, "id", id);
	add_str(body, "type", "Microsoft.KeyVault/vaults/accessPolicies");
	json_object_object_add(props, "accessPolicies",
			       json_object_get(entries));
	json_object_object_add(body, "properties", props);
	sb_reply_json(reply, 200, body);
	free(id);
out:
	json_object_put(entries);
	free(scope);
}

void sb_route_vaults(struct sb_request *req, struct sb_reply *reply,
		     json_object *sub, json_object *rg, char **rest,
		     size_t n_rest)
{
	json_object *vault;

	/* Diagnostic settings belong to Microsoft.Insights, which has its
	 * own api-versions. */
	if (n_rest >= 4 && sb_ieq(rest[1], "providers") &&
	    sb_ieq(rest[2], "Microsoft.Insights") &&
	    sb_ieq(rest[3], "diagnosticSettings")) {
		vault = find_vault(req, reply, sub, rg, rest[0]);
		if (vault != NULL)
			sb_route_diagnostics(req, reply, vault, rest + 3,
					     n_rest - 3);
		return;
	}
	if (!sb_arm_check_version(req, reply, sb_keyvault_versions))
		return;
	if (n_rest == 0) {
		if (sb_arm_only_get(req, reply))
			list_vaults(req, reply, sub, rg);
		return;
	}
	if (n_rest == 1 && strcmp(req->method, "PUT") == 0 &&
	    sb_tenant_vault(req->sb->tenant, rest[0]) == NULL) {
		sb_arm_error(reply, 400, "BadRequest",
			     "The sandbox cannot create vault '%s': add it to "
			     "the tenant file (--tenant) instead.", rest[0]);
		return;
	}
	vault = find_vault(req, reply, sub, rg, rest[0]);
	if (vault == NULL)
		return;
	if (n_rest == 1 && strcmp(req->method, "PUT") == 0) {
		sb_vault_put(req, reply, sub, vault);
		return;
	}
	if (n_rest == 1) {
		if (sb_arm_only_get(req, reply))
			get_vault(req, reply, vault);
		return;
	}
	if (n_rest == 3 && sb_ieq(rest[1], "accessPolicies")) {
		if (strcmp(req->method, "PUT") == 0)
			update_policies(req, reply, sub, vault, rest[2]);
		else
			sb_arm_error(reply, 405, "MethodNotAllowed",
				     "Access policies are updated with PUT.");
		return;
	}
	sb_arm_error(reply, 404, "NotFound", "No route for %s.", req->path);
}
