/*
 * Microsoft.KeyVault/deletedVaults under /arm: the vaults deleted with
 * soft delete on, which wait for recovery until their scheduled purge
 * date. GET /subscriptions/{s}/providers/Microsoft.KeyVault/deletedVaults
 * lists them, and GET .../locations/{location}/deletedVaults/{name} reads
 * one. The tenant keeps them in "deletedVaults": the vault as it was, plus
 * "deletionDate" and "scheduledPurgeDate" (see control_vault.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

static void add_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

/* The DeletedVault object as Resource Manager returns it. */
static json_object *deleted_json(json_object *vault)
{
	json_object *o = json_object_new_object();
	json_object *p = json_object_new_object();
	json_object *tags = sb_jobj(vault, "tags");
	char *id = sb_printf("/subscriptions/%s/providers/Microsoft.KeyVault/"
			     "locations/%s/deletedVaults/%s",
			     sb_jstr(vault, "subscriptionId"),
			     sb_jstr(vault, "location"),
			     sb_jstr(vault, "name"));
	char *vault_id = sb_vault_scope(vault);

	add_str(o, "id", id);
	add_str(o, "name", sb_jstr(vault, "name"));
	add_str(o, "type", "Microsoft.KeyVault/deletedVaults");
	add_str(p, "vaultId", vault_id);
	add_str(p, "location", sb_jstr(vault, "location"));
	json_object_object_add(p, "tags", tags != NULL ?
			       json_object_get(tags) :
			       json_object_new_object());
	add_str(p, "deletionDate", sb_jstr(vault, "deletionDate"));
	add_str(p, "scheduledPurgeDate", sb_jstr(vault, "scheduledPurgeDate"));
	json_object_object_add(p, "purgeProtectionEnabled",
			       json_object_new_boolean(sb_jbool(
				       vault, "enablePurgeProtection",
				       false)));
	json_object_object_add(o, "properties", p);
	free(id);
	free(vault_id);
	return o;
}

/* Deleted vaults need read access at the subscription, as in Azure. */
static bool readable(struct sb_request *req, struct sb_reply *reply,
		     json_object *sub, const char *action)
{
	char *scope = sb_printf("/subscriptions/%s",
				sb_jstr(sub, "subscriptionId"));
	bool ok = sb_rbac_allows(req->sb->tenant, sb_jstr(req->claims, "oid"),
				 scope, action);

	if (!ok)
		sb_arm_forbidden(req, reply, action, scope);
	free(scope);
	return ok;
}

static bool in_subscription(json_object *vault, json_object *sub)
{
	return sb_ieq(sb_jstr(vault, "subscriptionId"),
		      sb_jstr(sub, "subscriptionId"));
}

static void list_deleted(struct sb_request *req, struct sb_reply *reply,
			 json_object *sub)
{
	json_object *deleted = sb_jarr(req->sb->tenant, "deletedVaults");
	json_object *items = json_object_new_array();
	size_t i, n = deleted ? json_object_array_length(deleted) : 0;

	for (i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(deleted, i);

		if (in_subscription(v, sub))
			json_object_array_add(items, deleted_json(v));
	}
	sb_arm_page(req, reply, items);
}

static void get_deleted(struct sb_request *req, struct sb_reply *reply,
			json_object *sub, const char *location,
			const char *name)
{
	json_object *deleted = sb_jarr(req->sb->tenant, "deletedVaults");
	json_object *v = sb_find_by(deleted, "name", name);

	if (v == NULL || !in_subscription(v, sub) ||
	    !sb_ieq(sb_jstr(v, "location"), location)) {
		sb_arm_error(reply, 404, "DeletedVaultNotFound",
			     "No deleted vault named '%s' is waiting in "
			     "location '%s' of subscription '%s'.", name,
			     location, sb_jstr(sub, "subscriptionId"));
		return;
	}
	sb_reply_json(reply, 200, deleted_json(v));
}

void sb_route_deleted_vaults(struct sb_request *req, struct sb_reply *reply,
			     json_object *sub, char **rest, size_t n_rest)
{
	if (!sb_arm_check_version(req, reply, sb_keyvault_versions) ||
	    !sb_arm_only_get(req, reply))
		return;
	if (n_rest == 1 && sb_ieq(rest[0], "deletedVaults")) {
		if (readable(req, reply, sub,
			     "Microsoft.KeyVault/deletedVaults/read"))
			list_deleted(req, reply, sub);
		return;
	}
	if (n_rest == 4 && sb_ieq(rest[0], "locations") &&
	    sb_ieq(rest[2], "deletedVaults")) {
		if (readable(req, reply, sub, "Microsoft.KeyVault/locations/"
			     "deletedVaults/read"))
			get_deleted(req, reply, sub, rest[1], rest[3]);
		return;
	}
	sb_arm_error(reply, 404, "NotFound", "No route for %s.", req->path);
}
