/*
 * POST /_sandbox/repair: undoes one POST /_sandbox/break. The body is the
 * break's body again:
 *
 *   {"vault": NAME, "action": ACTION, "secret"?: NAME,
 *    "principalId"?: OID, "role"?: ROLE}
 *
 * Each break records what it removed or replaced. The repair takes the
 * latest matching break that is not repaired yet and puts back exactly
 * that: the removed access policy entries or role assignments, the
 * vault's previous networkAcls (or none), the secret attribute's
 * previous value (or none), the deleted secret or the deleted vault.
 * The vault actions of control_vault.c (soft delete, purge, recover,
 * audit logging) are undone by putting back a copy of the whole vault as
 * it was before, in the list it was in. POST /_sandbox/reset clears the
 * records along with the breaks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

static void add_optional(json_object *record, const char *key,
			 const char *value)
{
	if (value != NULL)
		json_object_object_add(record, key,
				       json_object_new_string(value));
}

void sb_undo_push(struct sb_sandbox *sb, json_object *request,
		  const char *principal, json_object *saved)
{
	json_object *record = json_object_new_object();

	add_optional(record, "vault", sb_jstr(request, "vault"));
	add_optional(record, "action", sb_jstr(request, "action"));
	add_optional(record, "secret", sb_jstr(request, "secret"));
	add_optional(record, "principalId", principal);
	add_optional(record, "role", sb_jstr(request, "role"));
	if (saved != NULL)
		json_object_object_add(record, "saved",
				       json_object_get(saved));
	json_object_array_add(sb->undo, record);
}

/* The snapshot of vault, found at index of the tenant's list. */
static json_object *snapshot_new(struct sb_sandbox *sb, const char *list,
				 size_t index, json_object *vault)
{
	json_object *snapshot, *copy = NULL;
	bool had_deleted = sb_jarr(sb->tenant, "deletedVaults") != NULL;

	if (json_object_deep_copy(vault, &copy, NULL) != 0)
		return NULL;
	snapshot = json_object_new_object();
	json_object_object_add(snapshot, "list", json_object_new_string(list));
	json_object_object_add(snapshot, "index",
			       json_object_new_int64((int64_t)index));
	json_object_object_add(snapshot, "item", copy);
	json_object_object_add(snapshot, "hadDeletedVaults",
			       json_object_new_boolean(had_deleted));
	return snapshot;
}

json_object *sb_vault_snapshot(struct sb_sandbox *sb, const char *name)
{
	static const char *const lists[] = { "vaults", "deletedVaults" };
	size_t l, i, n;

	for (l = 0; l < 2 && name != NULL; l++) {
		json_object *list = sb_jarr(sb->tenant, lists[l]);

		n = list != NULL ? json_object_array_length(list) : 0;
		for (i = 0; i < n; i++) {
			json_object *vault = json_object_array_get_idx(list, i);

			if (sb_ieq(sb_jstr(vault, "name"), name))
				return snapshot_new(sb, lists[l], i, vault);
		}
	}
	return NULL;
}

/* Whether two optional names are both absent or equal but for case. */
static bool same_name(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || sb_ieq(a, b);
}

/* Index of the latest record that the break body in matches, or -1. */
static long find_record(struct sb_sandbox *sb, json_object *in,
			const char *principal)
{
	size_t i = json_object_array_length(sb->undo);

	while (i-- > 0) {
		json_object *rec = json_object_array_get_idx(sb->undo, i);

		if (sb_ieq(sb_jstr(rec, "vault"), sb_jstr(in, "vault")) &&
		    strcmp(sb_jstr(rec, "action"), sb_jstr(in, "action")) ==
			    0 &&
		    same_name(sb_jstr(rec, "secret"), sb_jstr(in, "secret")) &&
		    same_name(sb_jstr(rec, "principalId"), principal) &&
		    same_name(sb_jstr(rec, "role"), sb_jstr(in, "role")))
			return (long)i;
	}
	return -1;
}

/*
 * Puts the removed elements in saved ({"index", "item"} each, in the
 * order they were removed) back where they stood in the array at key of
 * obj, which is created when missing.
 */
static void insert_all(json_object *obj, const char *key, json_object *saved)
{
	json_object *old = sb_jarr(obj, key);
	json_object *array = json_object_new_array();
	size_t n_old = old != NULL ? json_object_array_length(old) : 0;
	size_t n_saved = json_object_array_length(saved);
	size_t i_old = 0, i_saved = 0;

	while (i_old < n_old || i_saved < n_saved) {
		json_object *rec = json_object_array_get_idx(saved, i_saved);
		size_t at = (size_t)sb_jint(rec, "index", 0);
		json_object *next;

		if (i_saved < n_saved &&
		    (at <= json_object_array_length(array) || i_old == n_old)) {
			next = sb_jobj(rec, "item");
			i_saved++;
		} else {
			next = json_object_array_get_idx(old, i_old++);
		}
		json_object_array_add(array, json_object_get(next));
	}
	json_object_object_add(obj, key, array);
}

/* Sets key of obj to value, or removes it when value is NULL. */
static void put_back(json_object *obj, const char *key, json_object *value)
{
	if (value == NULL)
		json_object_object_del(obj, key);
	else
		json_object_object_add(obj, key, json_object_get(value));
}

static bool restore_vault(struct sb_sandbox *sb, json_object *saved,
			  struct sb_reply *reply)
{
	json_object *vault = sb_jobj(json_object_array_get_idx(saved, 0),
				     "item");

	if (sb_tenant_vault(sb->tenant, sb_jstr(vault, "name")) != NULL) {
		sb_arm_error(reply, 409, "Conflict", "A vault named '%s' "
			     "exists again, so the deleted one cannot be "
			     "restored.", sb_jstr(vault, "name"));
		return false;
	}
	insert_all(sb->tenant, "vaults", saved);
	return true;
}

static bool restore_attribute(json_object *vault, json_object *rec,
			      struct sb_reply *reply)
{
	json_object *secret = sb_find_by(sb_jarr(vault, "secrets"), "name",
					 sb_jstr(rec, "secret"));
	json_object *saved = sb_jobj(rec, "saved");
	json_object *attrs = sb_jobj(secret, "attributes");
	json_object *value = NULL;

	if (attrs == NULL) {
		sb_arm_error(reply, 404, "NotFound", "The vault '%s' has no "
			     "secret named '%s' any more.",
			     sb_jstr(vault, "name"), sb_jstr(rec, "secret"));
		return false;
	}
	if (!json_object_object_get_ex(saved, "value", &value))
		value = NULL;
	put_back(attrs, sb_jstr(saved, "key"), value);
	return true;
}

/* Removes every vault named name from the array at key of the tenant. */
static void drop_vaults(struct sb_sandbox *sb, const char *key,
			const char *name)
{
	json_object *list = sb_jarr(sb->tenant, key);
	size_t i = 0;

	while (list != NULL && i < json_object_array_length(list)) {
		if (sb_ieq(sb_jstr(json_object_array_get_idx(list, i), "name"),
			   name))
			json_object_array_del_idx(list, i, 1);
		else
			i++;
	}
}

/* Puts back the vault of a snapshot (sb_vault_snapshot) in place of
 * whatever the tenant has under its name now. */
static void restore_snapshot(struct sb_sandbox *sb, const char *name,
			     json_object *snapshot)
{
	json_object *saved = json_object_new_array();
	json_object *copy = NULL, *deleted;

	drop_vaults(sb, "vaults", name);
	drop_vaults(sb, "deletedVaults", name);
	if (snapshot != NULL &&
	    json_object_deep_copy(snapshot, &copy, NULL) == 0) {
		json_object_array_add(saved, copy);
		insert_all(sb->tenant, sb_jstr(snapshot, "list"), saved);
	}
	json_object_put(saved);
	/* A soft delete creates the list, which the tenant did not have. */
	deleted = sb_jarr(sb->tenant, "deletedVaults");
	if (!sb_jbool(snapshot, "hadDeletedVaults", true) && deleted != NULL &&
	    json_object_array_length(deleted) == 0)
		json_object_object_del(sb->tenant, "deletedVaults");
}

/* Whether action is one of control_vault.c's. */
static bool is_vault_action(const char *action)
{
	static const char *const actions[] = {
		"soft-delete-vault", "purge-vault", "recover-vault",
		"remove-audit-logging", "add-audit-logging", NULL };
	const char *const *known;

	for (known = actions; *known != NULL; known++)
		if (strcmp(action, *known) == 0)
			return true;
	return false;
}

/* Undoes the break that rec records. Returns false after replying with
 * an error. */
static bool undo(struct sb_sandbox *sb, json_object *rec,
		 struct sb_reply *reply)
{
	const char *action = sb_jstr(rec, "action");
	json_object *saved = NULL;
	json_object *vault = sb_tenant_vault(sb->tenant,
					     sb_jstr(rec, "vault"));

	json_object_object_get_ex(rec, "saved", &saved);
	if (is_vault_action(action)) {
		restore_snapshot(sb, sb_jstr(rec, "vault"), saved);
		return true;
	}
	if (strcmp(action, "delete-vault") == 0)
		return restore_vault(sb, saved, reply);
	if (vault == NULL) {
		sb_arm_error(reply, 404, "NotFound", "The vault '%s' no longer "
			     "exists; repair delete-vault first.",
			     sb_jstr(rec, "vault"));
		return false;
	}
	if (strcmp(action, "remove-policy") == 0)
		insert_all(vault, "accessPolicies", saved);
	else if (strcmp(action, "remove-role-assignment") == 0)
		insert_all(sb->tenant, "roleAssignments", saved);
	else if (strcmp(action, "firewall-on") == 0)
		put_back(vault, "networkAcls", saved);
	else if (strcmp(action, "delete-secret") == 0)
		insert_all(vault, "secrets", saved);
	else
		return restore_attribute(vault, rec, reply);
	return true;
}

void sb_control_repair(struct sb_sandbox *sb, const char *text,
		       struct sb_reply *reply)
{
	json_object *in = json_tokener_parse(text);
	json_object *ci = sb_tenant_find_sp_by_app(sb->tenant, SB_CI_APP_ID);
	const char *principal = sb_jstr(in, "principalId");
	const char *action = sb_jstr(in, "action");
	json_object *body;
	long at;

	if (principal == NULL && ci != NULL)
		principal = sb_jstr(ci, "id");
	if (sb_jstr(in, "vault") == NULL || action == NULL) {
		sb_arm_error(reply, 400, "BadRequest", "Give \"vault\" and "
			     "\"action\" as in the break to repair.");
		goto out;
	}
	at = find_record(sb, in, principal);
	if (at < 0) {
		sb_arm_error(reply, 404, "NotFound", "No break '%s' of vault "
			     "'%s' with these names is left to repair since "
			     "the last reset.", action, sb_jstr(in, "vault"));
		goto out;
	}
	if (!undo(sb, json_object_array_get_idx(sb->undo, (size_t)at), reply))
		goto out;

	json_object_array_del_idx(sb->undo, (size_t)at, 1);
	sb_state_changed(sb);
	body = json_object_new_object();
	json_object_object_add(body, "repaired",
			       json_object_new_string(action));
	sb_reply_json(reply, 200, body);
out:
	json_object_put(in);
}
