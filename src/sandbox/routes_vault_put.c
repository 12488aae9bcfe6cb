/*
 * PUT of an existing vault (Vaults_CreateOrUpdate), the way az keyvault
 * set-policy changes access policies: it reads the vault and sends it
 * back whole with its accessPolicies changed. The sandbox replaces the
 * access policies, tags, enabledForDeployment, enabledForDiskEncryption,
 * enabledForTemplateDeployment and enableRbacAuthorization (absent ones
 * become false, as in a full PUT). It cannot create, move or re-home a
 * vault, and it leaves every other property as it was.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

#define ACTION_WRITE "Microsoft.KeyVault/vaults/write"

static const char *const put_flags[] = {
	"enabledForDeployment", "enabledForDiskEncryption",
	"enabledForTemplateDeployment", "enableRbacAuthorization", NULL };

/* Checks what a PUT must keep: location, tenant and a sku. */
static bool put_valid(struct sb_reply *reply, json_object *body,
		      json_object *vault)
{
	json_object *props = sb_jobj(body, "properties");
	const char *location = sb_jstr(body, "location");

	if (props == NULL || location == NULL ||
	    sb_jstr(sb_jobj(props, "sku"), "name") == NULL ||
	    sb_jarr(props, "accessPolicies") == NULL) {
		sb_arm_error(reply, 400, "BadRequest",
			     "The request body must have location and "
			     "properties with tenantId, sku.name and "
			     "accessPolicies.");
		return false;
	}
	if (!sb_ieq(location, sb_jstr(vault, "location"))) {
		sb_arm_error(reply, 400, "InvalidResourceLocation",
			     "The resource '%s' already exists in location "
			     "'%s'. A resource with the same name cannot be "
			     "created in location '%s'.", sb_jstr(vault, "name"),
			     sb_jstr(vault, "location"), location);
		return false;
	}
	if (!sb_ieq(sb_jstr(props, "tenantId"), sb_jstr(vault, "tenantId"))) {
		sb_arm_error(reply, 400, "BadRequest",
			     "The sandbox cannot move vault '%s' to tenant "
			     "'%s': send its own tenantId '%s'.",
			     sb_jstr(vault, "name"),
			     sb_jstr(props, "tenantId") ?
			     sb_jstr(props, "tenantId") : "",
			     sb_jstr(vault, "tenantId"));
		return false;
	}
	return true;
}

/* Stores the accepted parts of body in vault; entries is consumed. */
static void put_apply(json_object *vault, json_object *body,
		      json_object *entries)
{
	json_object *props = sb_jobj(body, "properties");
	json_object *tags = sb_jobj(body, "tags");
	size_t i;

	json_object_object_add(vault, "accessPolicies", entries);
	json_object_object_add(vault, "tags", tags ? json_object_get(tags)
						   : json_object_new_object());
	for (i = 0; put_flags[i] != NULL; i++)
		json_object_object_add(vault, put_flags[i],
				       json_object_new_boolean(sb_jbool(
					       props, put_flags[i], false)));
}

void sb_vault_put(struct sb_request *req, struct sb_reply *reply,
		  json_object *sub, json_object *vault)
{
	char *scope = sb_vault_scope(vault);
	json_object *body = json_tokener_parse(req->body);
	json_object *entries;

	if (!sb_rbac_allows(req->sb->tenant, sb_jstr(req->claims, "oid"),
			    scope, ACTION_WRITE)) {
		sb_arm_forbidden(req, reply, ACTION_WRITE, scope);
		goto out;
	}
	if (!sb_arm_writable(req, reply, sub) ||
	    !put_valid(reply, body, vault))
		goto out;
	entries = sb_vault_policy_entries(reply, sb_jarr(sb_jobj(body,
				"properties"), "accessPolicies"), vault);
	if (entries == NULL)
		goto out;

	put_apply(vault, body, entries);
	sb_vault_touch(req, vault);
	sb_reply_json(reply, 200, sb_vault_json(req->sb, vault));
out:
	json_object_put(body);
	free(scope);
}
