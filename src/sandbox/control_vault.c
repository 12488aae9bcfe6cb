/*
 * The actions of POST /_sandbox/break that change a vault's life or its
 * audit logging rather than its contents:
 *
 *   soft-delete-vault   moves the vault to the tenant's "deletedVaults"
 *                       with a deletionDate of now and a
 *                       scheduledPurgeDate softDeleteRetentionInDays
 *                       later; with soft delete off it is gone at once,
 *                       as in Azure
 *   purge-vault         removes the vault for good, soft-deleted or not
 *   recover-vault       moves a soft-deleted vault back, as it was
 *   remove-audit-logging  drops every diagnostic setting of the vault
 *   add-audit-logging   adds the setting "sandbox-audit", which sends the
 *                       audit category group to a Log Analytics workspace
 *
 * Role assignments at the vault's scope stay in place through all of
 * them. POST /_sandbox/reset undoes them too.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

#define DAY 86400
#define AUDIT_SETTING "sandbox-audit"

/* Removes element from array; false when it is not there. */
static bool remove_element(json_object *array, json_object *element)
{
	size_t i, n = array ? json_object_array_length(array) : 0;

	for (i = 0; i < n; i++) {
		if (json_object_array_get_idx(array, i) == element) {
			json_object_array_del_idx(array, i, 1);
			return true;
		}
	}
	return false;
}

static json_object *deleted_list(json_object *tenant)
{
	json_object *list = sb_jarr(tenant, "deletedVaults");

	if (list == NULL) {
		list = json_object_new_array();
		json_object_object_add(tenant, "deletedVaults", list);
	}
	return list;
}

static bool soft_delete(struct sb_sandbox *sb, json_object *vault)
{
	int64_t now = sb_now();
	int64_t days = sb_jint(vault, "softDeleteRetentionInDays", 90);
	char when[40];

	if (!sb_jbool(vault, "enableSoftDelete", true))
		return remove_element(sb_jarr(sb->tenant, "vaults"), vault);

	json_object_get(vault);
	remove_element(sb_jarr(sb->tenant, "vaults"), vault);
	sb_iso_time(now, when, sizeof(when));
	json_object_object_add(vault, "deletionDate",
			       json_object_new_string(when));
	sb_iso_time(now + days * DAY, when, sizeof(when));
	json_object_object_add(vault, "scheduledPurgeDate",
			       json_object_new_string(when));
	json_object_array_add(deleted_list(sb->tenant), vault);
	return true;
}

static bool recover(struct sb_sandbox *sb, json_object *deleted,
		    struct sb_reply *reply)
{
	if (sb_tenant_vault(sb->tenant, sb_jstr(deleted, "name")) != NULL) {
		sb_arm_error(reply, 409, "ConflictError", "A vault named '%s' "
			     "exists already, so the deleted one cannot be "
			     "recovered.", sb_jstr(deleted, "name"));
		return false;
	}
	json_object_get(deleted);
	remove_element(sb_jarr(sb->tenant, "deletedVaults"), deleted);
	json_object_object_del(deleted, "deletionDate");
	json_object_object_del(deleted, "scheduledPurgeDate");
	json_object_array_add(sb_jarr(sb->tenant, "vaults"), deleted);
	return true;
}

static void add_audit_setting(json_object *vault)
{
	json_object *settings = sb_jarr(vault, "diagnosticSettings");
	json_object *setting = json_object_new_object();
	json_object *props = json_object_new_object();
	json_object *logs = json_object_new_array();
	json_object *entry = json_object_new_object();
	char *workspace = sb_printf("/subscriptions/%s/resourceGroups/%s/"
				    "providers/Microsoft.OperationalInsights/"
				    "workspaces/law-sandbox",
				    sb_jstr(vault, "subscriptionId"),
				    sb_jstr(vault, "resourceGroup"));

	if (settings == NULL) {
		settings = json_object_new_array();
		json_object_object_add(vault, "diagnosticSettings", settings);
	}
	json_object_object_add(entry, "categoryGroup",
			       json_object_new_string("audit"));
	json_object_object_add(entry, "enabled", json_object_new_boolean(1));
	json_object_array_add(logs, entry);
	json_object_object_add(props, "workspaceId",
			       json_object_new_string(workspace));
	json_object_object_add(props, "logs", logs);
	json_object_object_add(props, "metrics", json_object_new_array());
	json_object_object_add(setting, "name",
			       json_object_new_string(AUDIT_SETTING));
	json_object_object_add(setting, "properties", props);
	json_object_array_add(settings, setting);
	free(workspace);
}

/* Applies one of this file's actions; false after an error reply. */
static bool apply(struct sb_sandbox *sb, const char *action,
		  const char *name, struct sb_reply *reply)
{
	json_object *vault = sb_tenant_vault(sb->tenant, name);
	json_object *deleted = sb_find_by(sb_jarr(sb->tenant, "deletedVaults"),
					  "name", name);
	bool recovering = strcmp(action, "recover-vault") == 0;

	if (recovering && deleted != NULL)
		return recover(sb, deleted, reply);
	if (strcmp(action, "purge-vault") == 0 && vault == NULL &&
	    deleted != NULL)
		return remove_element(sb_jarr(sb->tenant, "deletedVaults"),
				      deleted);
	if (vault == NULL || recovering) {
		sb_arm_error(reply, 404, "NotFound", "The tenant has no "
			     "%svault named '%s'.", recovering ? "deleted " :
			     "", name ? name : "");
		return false;
	}
	if (strcmp(action, "soft-delete-vault") == 0)
		return soft_delete(sb, vault);
	if (strcmp(action, "purge-vault") == 0)
		return remove_element(sb_jarr(sb->tenant, "vaults"), vault);
	if (strcmp(action, "remove-audit-logging") == 0) {
		json_object_object_add(vault, "diagnosticSettings",
				       json_object_new_array());
		return true;
	}
	add_audit_setting(vault);
	return true;
}

bool sb_control_vault_action(struct sb_sandbox *sb, json_object *in,
			     struct sb_reply *reply)
{
	static const char *const actions[] = {
		"soft-delete-vault", "purge-vault", "recover-vault",
		"remove-audit-logging", "add-audit-logging", NULL };
	const char *action = sb_jstr(in, "action");
	const char *const *known;
	json_object *body;

	for (known = actions; *known != NULL; known++)
		if (action != NULL && strcmp(action, *known) == 0)
			break;
	if (*known == NULL)
		return false;

	if (apply(sb, action, sb_jstr(in, "vault"), reply)) {
		sb_state_changed(sb);
		body = json_object_new_object();
		json_object_object_add(body, "broken",
				       json_object_new_string(action));
		sb_reply_json(reply, 200, body);
	}
	return true;
}
