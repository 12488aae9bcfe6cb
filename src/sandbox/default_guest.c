/*
 * The second tenant of the built-in sandbox, "Fabrikam Sandbox", where
 * Avery Admin of Contoso is a guest with her own object id and owns one
 * subscription with one vault. Tests rely on these ids and names: change
 * them only together with kvlink-sandbox(1) and those tests.
 */
#include "config.h"

#include <stdlib.h>

#include "sandbox/sandbox.h"

#define FABRIKAM "4f5e6d7c-0000-4000-8000-00000000b001"

static const char guest_tenant_json[] =
	"{\n"
	" \"otherTenants\": [{\n"
	"  \"id\": \"" FABRIKAM "\",\n"
	"  \"displayName\": \"Fabrikam Sandbox\",\n"
	"  \"defaultDomain\": \"fabrikam.test\",\n"
	"  \"countryCode\": \"DE\"\n"
	" }],\n"
	" \"users\": [{\n"
	"  \"id\": \"f0000000-0000-4000-8000-000000000001\",\n"
	"  \"userPrincipalName\": \"avery_contoso.test#EXT#@fabrikam.test\",\n"
	"  \"displayName\": \"Avery Admin\",\n"
	"  \"tenantId\": \"" FABRIKAM "\",\n"
	"  \"homeObjectId\": \"a0000000-0000-4000-8000-000000000001\"\n"
	" }],\n"
	" \"servicePrincipals\": [{\n"
	"  \"id\": \"f1000000-0000-4000-8000-0000000000c1\",\n"
	"  \"appId\": \"" SB_CI_APP_ID "\",\n"
	"  \"displayName\": \"Dynamics 365 AI for Customer Insights\",\n"
	"  \"tenantId\": \"" FABRIKAM "\"\n"
	" }],\n"
	" \"subscriptions\": [{\n"
	"  \"subscriptionId\": \"44444444-4444-4444-8444-444444444444\",\n"
	"  \"displayName\": \"Fabrikam Analytics\",\n"
	"  \"state\": \"Enabled\",\n"
	"  \"tenantId\": \"" FABRIKAM "\",\n"
	"  \"resourceGroups\": [{\n"
	"   \"name\": \"rg-fabrikam\",\n"
	"   \"location\": \"westeurope\"\n"
	"  }]\n"
	" }],\n"
	" \"roleAssignments\": [{\n"
	"  \"name\": \"e0000000-0000-4000-8000-0000000000f1\",\n"
	"  \"scope\": \"/subscriptions/44444444-4444-4444-8444-444444444444\",\n"
	"  \"role\": \"Owner\",\n"
	"  \"principalId\": \"f0000000-0000-4000-8000-000000000001\"\n"
	" }],\n"
	" \"vaults\": [{\n"
	"  \"name\": \"kv-fabrikam\",\n"
	"  \"subscriptionId\": \"44444444-4444-4444-8444-444444444444\",\n"
	"  \"resourceGroup\": \"rg-fabrikam\",\n"
	"  \"location\": \"westeurope\",\n"
	"  \"accessPolicies\": [{\n"
	"   \"tenantId\": \"" FABRIKAM "\",\n"
	"   \"objectId\": \"f0000000-0000-4000-8000-000000000001\",\n"
	"   \"permissions\": {\"secrets\": [\"get\", \"list\"]}\n"
	"  }],\n"
	"  \"secrets\": [{\n"
	"   \"name\": \"fabrikam-connection\",\n"
	"   \"value\": \"sandbox-fabrikam-value\"\n"
	"  }]\n"
	" }]\n"
	"}\n";

void sb_add_guest_tenant(json_object *raw)
{
	json_object *guest = json_tokener_parse(guest_tenant_json);

	if (guest == NULL)
		abort();
	json_object_object_foreach(guest, key, value) {
		json_object *list = sb_jarr(raw, key);
		size_t i, n = json_object_array_length(value);

		if (list == NULL) {
			json_object_object_add(raw, key,
					       json_object_get(value));
			continue;
		}
		for (i = 0; i < n; i++)
			json_object_array_add(list, json_object_get(
				json_object_array_get_idx(value, i)));
	}
	json_object_put(guest);
}
