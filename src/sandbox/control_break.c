/*
 * POST /_sandbox/break: test-only damage to a vault, so that each finding
 * of a health check can be produced on purpose. The body names the vault,
 * the action and, depending on the action, a secret or a principal:
 *
 *   {"vault": NAME, "action": ACTION, "secret"?: NAME,
 *    "principalId"?: OID, "role"?: ROLE}
 *
 * principalId defaults to the Customer Insights service principal.
 * Each break records what it removed or replaced, so that POST
 * /_sandbox/repair with the same body undoes it (control_repair.c).
 * POST /_sandbox/reset undoes every break.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

#define DAY 86400

struct breakage {
	struct sb_sandbox *sb;
	json_object *vault;
	const char *principal;
	const char *secret;
	const char *role;
	struct sb_reply *reply;
	json_object *saved;	/* what the break removed or replaced */
};

/* Keeps item, which stood at index of its array, in b->saved. */
static void save_removed(struct breakage *b, size_t index, json_object *item)
{
	json_object *record = json_object_new_object();

	if (b->saved == NULL)
		b->saved = json_object_new_array();
	json_object_object_add(record, "index",
			       json_object_new_int64((int64_t)index));
	json_object_object_add(record, "item", json_object_get(item));
	json_object_array_add(b->saved, record);
}

/* Removes every element of array that matches, keeps it in b->saved and
 * returns the count. */
static size_t remove_if(json_object *array,
			bool (*matches)(struct breakage *, json_object *),
			struct breakage *b)
{
	size_t i = 0, removed = 0;

	while (array != NULL && i < json_object_array_length(array)) {
		json_object *item = json_object_array_get_idx(array, i);

		if (matches(b, item)) {
			save_removed(b, i + removed, item);
			json_object_array_del_idx(array, i, 1);
			removed++;
		} else {
			i++;
		}
	}
	return removed;
}

static bool is_principal_entry(struct breakage *b, json_object *entry)
{
	return sb_ieq(sb_jstr(entry, "objectId"), b->principal);
}

static bool is_role_assignment(struct breakage *b, json_object *ra)
{
	char *scope = sb_vault_scope(b->vault);
	const char *def = sb_jstr(ra, "roleDefinitionId");
	json_object *wanted;
	bool match;

	match = sb_ieq(sb_jstr(ra, "principalId"), b->principal) &&
		sb_ieq(sb_jstr(ra, "scope"), scope);
	free(scope);
	if (!match || b->role == NULL)
		return match;
	if (def != NULL && strrchr(def, '/') != NULL)
		def = strrchr(def, '/') + 1;
	wanted = sb_tenant_role_definition(b->sb->tenant, b->role);
	return wanted != NULL && sb_ieq(sb_jstr(wanted, "name"), def);
}

static bool is_named_secret(struct breakage *b, json_object *secret)
{
	return sb_ieq(sb_jstr(secret, "name"), b->secret);
}

static bool remove_entries(struct breakage *b, json_object *array,
			   bool (*matches)(struct breakage *, json_object *),
			   const char *what)
{
	if (remove_if(array, matches, b) > 0)
		return true;
	sb_arm_error(b->reply, 404, "NotFound", "The vault '%s' has no %s "
		     "of principal '%s' to remove.", sb_jstr(b->vault, "name"),
		     what, b->principal);
	return false;
}

static void firewall_on(struct breakage *b)
{
	json_object *acls = json_object_new_object();

	b->saved = json_object_get(sb_jobj(b->vault, "networkAcls"));
	json_object_object_add(acls, "bypass", json_object_new_string("None"));
	json_object_object_add(acls, "defaultAction",
			       json_object_new_string("Deny"));
	json_object_object_add(acls, "ipRules", json_object_new_array());
	json_object_object_add(acls, "virtualNetworkRules",
			       json_object_new_array());
	json_object_object_add(b->vault, "networkAcls", acls);
}

static json_object *secret_attributes(struct breakage *b)
{
	json_object *secret = sb_find_by(sb_jarr(b->vault, "secrets"),
					 "name", b->secret);
	json_object *attrs;

	if (secret == NULL) {
		sb_arm_error(b->reply, 404, "NotFound", "The vault '%s' has no "
			     "secret named '%s'; give \"secret\".",
			     sb_jstr(b->vault, "name"),
			     b->secret ? b->secret : "");
		return NULL;
	}
	attrs = sb_jobj(secret, "attributes");
	if (attrs == NULL) {
		attrs = json_object_new_object();
		json_object_object_add(secret, "attributes", attrs);
	}
	return attrs;
}

/* Keeps the attribute's current value, if any, for the repair. */
static void save_attribute(struct breakage *b, json_object *attrs,
			   const char *key)
{
	json_object *old = NULL;

	b->saved = json_object_new_object();
	json_object_object_add(b->saved, "key", json_object_new_string(key));
	if (json_object_object_get_ex(attrs, key, &old))
		json_object_object_add(b->saved, "value",
				       json_object_get(old));
}

static bool change_secret(struct breakage *b, const char *action)
{
	json_object *attrs = secret_attributes(b);

	if (attrs == NULL)
		return false;
	if (strcmp(action, "disable-secret") == 0) {
		save_attribute(b, attrs, "enabled");
		json_object_object_add(attrs, "enabled",
				       json_object_new_boolean(0));
	} else if (strcmp(action, "expire-secret") == 0) {
		save_attribute(b, attrs, "exp");
		json_object_object_add(attrs, "exp",
				       json_object_new_int64(sb_now() - DAY));
	} else {
		save_attribute(b, attrs, "nbf");
		json_object_object_add(attrs, "nbf",
				       json_object_new_int64(sb_now() + DAY));
	}
	return true;
}

static bool delete_vault(struct breakage *b)
{
	json_object *vaults = sb_jarr(b->sb->tenant, "vaults");
	size_t i;

	for (i = 0; i < json_object_array_length(vaults); i++) {
		if (json_object_array_get_idx(vaults, i) == b->vault) {
			save_removed(b, i, b->vault);
			json_object_array_del_idx(vaults, i, 1);
			b->vault = NULL;
			return true;
		}
	}
	return false;
}

/* Applies action to b's vault; false when it replied with an error. */
static bool apply(struct breakage *b, const char *action)
{
	if (strcmp(action, "remove-policy") == 0)
		return remove_entries(b, sb_jarr(b->vault, "accessPolicies"),
				      is_principal_entry,
				      "access policy entry");
	if (strcmp(action, "remove-role-assignment") == 0)
		return remove_entries(b, sb_jarr(b->sb->tenant,
						 "roleAssignments"),
				      is_role_assignment,
				      "role assignment at its scope");
	if (strcmp(action, "firewall-on") == 0) {
		firewall_on(b);
		return true;
	}
	if (strcmp(action, "disable-secret") == 0 ||
	    strcmp(action, "expire-secret") == 0 ||
	    strcmp(action, "postdate-secret") == 0)
		return change_secret(b, action);
	if (strcmp(action, "delete-secret") == 0) {
		if (secret_attributes(b) == NULL)
			return false;
		return remove_if(sb_jarr(b->vault, "secrets"),
				 is_named_secret, b) > 0;
	}
	if (strcmp(action, "delete-vault") == 0)
		return delete_vault(b);
	sb_arm_error(b->reply, 400, "BadRequest", "Unknown \"action\" '%s'; "
		     "use remove-policy, remove-role-assignment, firewall-on, "
		     "disable-secret, expire-secret, postdate-secret, "
		     "delete-secret, delete-vault, soft-delete-vault, "
		     "purge-vault, recover-vault, remove-audit-logging or "
		     "add-audit-logging.", action);
	return false;
}

void sb_control_break(struct sb_sandbox *sb, const char *text,
		      struct sb_reply *reply)
{
	json_object *in = json_tokener_parse(text);
	json_object *ci = sb_tenant_find_sp_by_app(sb->tenant, SB_CI_APP_ID);
	struct breakage b = { sb, NULL, sb_jstr(in, "principalId"),
			      sb_jstr(in, "secret"), sb_jstr(in, "role"),
			      reply, NULL };
	const char *action = sb_jstr(in, "action");
	json_object *body;

	if (b.principal == NULL && ci != NULL)
		b.principal = sb_jstr(ci, "id");
	/* The actions of control_vault.c are undone from a copy of the
	 * whole vault as it was. */
	b.saved = sb_vault_snapshot(sb, sb_jstr(in, "vault"));
	if (sb_control_vault_action(sb, in, reply)) {
		if (reply->status == 200)
			sb_undo_push(sb, in, b.principal, b.saved);
		goto out;
	}
	json_object_put(b.saved);
	b.saved = NULL;
	b.vault = sb_tenant_vault(sb->tenant, sb_jstr(in, "vault"));
	if (b.vault == NULL || action == NULL || b.principal == NULL) {
		sb_arm_error(reply, 400, "BadRequest", "Give \"vault\" (a "
			     "vault of the tenant) and \"action\".");
		goto out;
	}
	if (!apply(&b, action))
		goto out;

	sb_undo_push(sb, in, b.principal, b.saved);
	sb_state_changed(sb);
	body = json_object_new_object();
	json_object_object_add(body, "broken", json_object_new_string(action));
	sb_reply_json(reply, 200, body);
out:
	json_object_put(b.saved);
	json_object_put(in);
}
