/* Fuzz target: Resource Manager list items (subscriptions, resource
 * groups, key vaults, permissions, role assignments). */
#include "config.h"

#include "core/arm.h"
#include "fuzz.h"

/* Every parser gets every item, because a hostile endpoint could put
 * any shape in any list. */
static void parse_item(json_object *item)
{
	struct kvl_error err;
	struct kvl_subscription sub = { 0 };
	struct kvl_resource_group rg = { 0 };
	struct kvl_vault vault = { 0 };
	struct kvl_permission perm = { 0 };
	struct kvl_role_assignment ra = { 0 };
	char *last;

	kvl_result res;

	kvl_error_init(&err);
	res = kvl_arm_parse_subscription(item, &sub, &err);
	kvl_fuzz_check(res, &err, "kvl_arm_parse_subscription");
	res = kvl_arm_parse_resource_group(item, &rg, &err);
	kvl_fuzz_check(res, &err, "kvl_arm_parse_resource_group");

	res = kvl_arm_parse_vault(item, &vault, &err);
	kvl_fuzz_check(res, &err, "kvl_arm_parse_vault");
	if (res == KVL_OK) {
		last = kvl_arm_id_last_segment(vault.id);
		free(last);
	}

	res = kvl_arm_parse_permission(item, &perm, &err);
	kvl_fuzz_check(res, &err, "kvl_arm_parse_permission");
	if (res == KVL_OK)
		(void)kvl_permissions_allow(&perm, 1, "Microsoft.KeyVault/"
					    "vaults/write");
	res = kvl_arm_parse_role_assignment(item, &ra, &err);
	kvl_fuzz_check(res, &err, "kvl_arm_parse_role_assignment");

	kvl_subscription_clear(&sub);
	kvl_resource_group_clear(&rg);
	kvl_vault_clear(&vault);
	kvl_permission_clear(&perm);
	kvl_role_assignment_clear(&ra);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kvl_fuzz_each_item(data, size, parse_item);
	return 0;
}
