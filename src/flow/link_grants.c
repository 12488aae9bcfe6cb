#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/crypto.h"
#include "flow/link_grants.h"
#include "i18n.h"

#define POLICY_PERMISSIONS "keys,secrets,certificates: get,list"

/* The roles an RBAC vault gets, in the order of a link's grants. */
static const char *const rbac_roles[] = {
	KVL_ROLE_KEY_VAULT_READER,
	KVL_ROLE_KEY_VAULT_SECRETS_USER,
};

#define N_RBAC_ROLES (sizeof(rbac_roles) / sizeof(rbac_roles[0]))

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

kvl_result kvl_link_assignment_name(const char *scope, const char *principal,
				    const char *role_guid, char name[37])
{
	char *key = NULL;

	if (asprintf(&key, "%s|%s|%s", scope, principal, role_guid) < 0)
		return KVL_ERR_NOMEM;
	kvl_uuid_from(key, name);
	free(key);
	return KVL_OK;
}

/* The vault's access policy entry for principal, or NULL. */
static const struct kvl_access_policy *
vault_policy(const struct kvl_vault *vault, const char *principal)
{
	size_t i;

	for (i = 0; i < vault->n_policies; i++)
		if (vault->policies[i].object_id != NULL &&
		    strcasecmp(vault->policies[i].object_id, principal) == 0)
			return &vault->policies[i];
	return NULL;
}

/* Plans the one access policy grant, remembering the principal's entry
 * as it is now so that an undo can restore it. */
static kvl_result plan_policy_grant(const struct kvl_vault *vault,
				    const char *principal,
				    struct kvl_grant *grant)
{
	const struct kvl_access_policy *before = vault_policy(vault, principal);

	grant->kind = strdup("accessPolicy");
	grant->principal_id = strdup(principal);
	grant->permissions = strdup(POLICY_PERMISSIONS);
	grant->existed = before != NULL;
	if (before != NULL)
		grant->previous_permissions =
			dup_or_null(before->permissions_json);
	if (grant->kind == NULL || grant->principal_id == NULL ||
	    grant->permissions == NULL ||
	    (before != NULL && grant->previous_permissions == NULL))
		return KVL_ERR_NOMEM;
	return KVL_OK;
}

kvl_result kvl_link_plan_grants(const struct kvl_vault *vault,
				const char *principal,
				struct kvl_vault_link *link)
{
	size_t i, n = vault->rbac ? N_RBAC_ROLES : 1;
	char name[37];

	link->grants = calloc(n, sizeof(*link->grants));
	if (link->grants == NULL)
		return KVL_ERR_NOMEM;
	link->n_grants = n;

	if (!vault->rbac)
		return plan_policy_grant(vault, principal, &link->grants[0]);

	for (i = 0; i < n; i++) {
		struct kvl_grant *grant = &link->grants[i];
		kvl_result rc = kvl_link_assignment_name(vault->id, principal,
							 rbac_roles[i], name);

		if (rc != KVL_OK)
			return rc;
		grant->kind = strdup("roleAssignment");
		grant->principal_id = strdup(principal);
		if (asprintf(&grant->role_definition_id,
			     "/subscriptions/%s/providers/Microsoft."
			     "Authorization/roleDefinitions/%s",
			     vault->subscription_id, rbac_roles[i]) < 0 ||
		    asprintf(&grant->assignment_id,
			     "%s/providers/Microsoft.Authorization/"
			     "roleAssignments/%s", vault->id, name) < 0)
			return KVL_ERR_NOMEM;
	}
	return KVL_OK;
}

static kvl_result grant_role(struct kvl_azure *az,
			     const struct kvl_vault *vault,
			     struct kvl_grant *grant, struct kvl_error *err)
{
	const char *role = kvl_arm_id_tail(grant->role_definition_id);
	char name[37], *assignment_id = NULL;
	bool existing = false;
	kvl_result rc;

	if (role == NULL || role[0] == '\0')
		return kvl_error_set(err, KVL_ERR_STORE,
			_("a role assignment of the link has no role "
			  "definition id; fix environment.json or move it "
			  "aside"));
	rc = kvl_link_assignment_name(vault->id, grant->principal_id, role,
				      name);
	if (rc != KVL_OK)
		return kvl_error_set(err, rc, _("out of memory"));

	rc = kvl_arm_create_role_assignment(az, vault->id, name, role,
					    grant->principal_id,
					    &assignment_id, &existing, err);
	if (rc != KVL_OK)
		return rc;

	/* An assignment that someone else made is not ours to remove, and
	 * its id is recorded only when Azure names it. */
	if (existing)
		grant->existed = true;
	if (existing || assignment_id != NULL) {
		free(grant->assignment_id);
		grant->assignment_id = assignment_id;
	}
	return KVL_OK;
}

kvl_result kvl_link_make_grants(struct kvl_azure *az,
				const struct kvl_vault *vault,
				struct kvl_vault_link *link, size_t *attempted,
				struct kvl_error *err)
{
	size_t i;
	kvl_result rc = KVL_OK;

	*attempted = 0;
	for (i = 0; i < link->n_grants; i++) {
		struct kvl_grant *grant = &link->grants[i];

		*attempted = i + 1;
		if (strcmp(grant->kind, "accessPolicy") == 0)
			rc = kvl_arm_add_access_policy(az, vault,
						       grant->principal_id,
						       err);
		else
			rc = grant_role(az, vault, grant, err);
		if (rc != KVL_OK)
			return rc;
	}
	return KVL_OK;
}

kvl_result kvl_link_undo_grants(struct kvl_azure *az,
				const struct kvl_vault *vault,
				const struct kvl_vault_link *link,
				size_t attempted, struct kvl_error *err)
{
	struct kvl_error one;
	kvl_result first = KVL_OK, rc;
	size_t i;

	for (i = attempted; i-- > 0;) {
		const struct kvl_grant *grant = &link->grants[i];
		bool policy = strcmp(grant->kind, "accessPolicy") == 0;

		if (grant->existed &&
		    !(policy && grant->previous_permissions != NULL))
			continue;
		kvl_error_init(&one);
		if (policy && grant->existed)
			rc = kvl_arm_replace_access_policy(
				az, vault, grant->principal_id,
				grant->previous_permissions, &one);
		else if (policy)
			rc = kvl_arm_remove_access_policy(az, vault,
							  grant->principal_id,
							  &one);
		else if (grant->assignment_id != NULL)
			rc = kvl_arm_delete_role_assignment(
				az, grant->assignment_id, &one);
		else
			rc = KVL_OK;
		if (rc != KVL_OK && first == KVL_OK) {
			first = rc;
			kvl_error_move(err, &one);
		}
		kvl_error_clear(&one);
	}
	return first;
}
