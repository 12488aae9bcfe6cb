#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "flow/link_grants.h"

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
			"a role assignment of the link has no role "
			"definition id; fix environment.json or move it "
			"aside");
	rc = kvl_link_assignment_name(vault->id, grant->principal_id, role,
				      name);
	if (rc != KVL_OK)
		return kvl_error_set(err, rc, "out of memory");

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
