/*
 * The built-in tenant ("Contoso Sandbox") and Azure's built-in role
 * definitions. Other tests rely on these ids and names: change them only
 * together with kvlink-sandbox(1) and every test that uses them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "sandbox/sandbox.h"

#define DEV_VAULT "kv-dev-eastus"
#define DEV_SECRETS 60		/* enough for three pages of 25 */
/* Enough secrets for 402 pages of 25: listing must follow every page. */
#define BULK_VAULT "kv-dev-bulk"
#define BULK_SECRETS 10050

/* Role GUIDs are the ones Azure uses in every tenant. */
struct builtin_role {
	const char *name;
	const char *role_name;
	const char *description;
	const char *const *actions;
	const char *const *not_actions;
	const char *const *data_actions;
};

static const char *const all_actions[] = { "*", NULL };
static const char *const read_actions[] = { "*/read", NULL };
static const char *const contributor_not[] = {
	"Microsoft.Authorization/*/Delete",
	"Microsoft.Authorization/*/Write",
	"Microsoft.Authorization/elevateAccess/Action",
	"Microsoft.Blueprint/blueprintAssignments/write",
	"Microsoft.Blueprint/blueprintAssignments/delete",
	"Microsoft.Compute/galleries/share/action",
	"Microsoft.Purview/consents/write",
	"Microsoft.Purview/consents/delete",
	NULL };
static const char *const uaa_actions[] = {
	"*/read", "Microsoft.Authorization/*", "Microsoft.Support/*", NULL };
static const char *const kv_reader_actions[] = {
	"Microsoft.Authorization/*/read",
	"Microsoft.Insights/alertRules/*",
	"Microsoft.Resources/deployments/*",
	"Microsoft.Resources/subscriptions/resourceGroups/read",
	"Microsoft.Support/*",
	"Microsoft.KeyVault/checkNameAvailability/read",
	"Microsoft.KeyVault/deletedVaults/read",
	"Microsoft.KeyVault/locations/*/read",
	"Microsoft.KeyVault/vaults/*/read",
	"Microsoft.KeyVault/operations/read",
	NULL };
static const char *const kv_reader_data[] = {
	"Microsoft.KeyVault/vaults/*/read",
	"Microsoft.KeyVault/vaults/secrets/readMetadata/action", NULL };
static const char *const kv_secrets_user_data[] = {
	"Microsoft.KeyVault/vaults/secrets/getSecret/action",
	"Microsoft.KeyVault/vaults/secrets/readMetadata/action", NULL };
static const char *const kv_admin_actions[] = {
	"Microsoft.Authorization/*/read",
	"Microsoft.Resources/deployments/*",
	"Microsoft.Resources/subscriptions/resourceGroups/read",
	"Microsoft.KeyVault/checkNameAvailability/read",
	"Microsoft.KeyVault/vaults/*/read",
	"Microsoft.KeyVault/operations/read",
	NULL };
static const char *const kv_admin_data[] = {
	"Microsoft.KeyVault/vaults/*", NULL };

static const struct builtin_role builtin_roles[] = {
	{ "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner",
	  "Grants full access to manage all resources, including the ability "
	  "to assign roles in Azure RBAC.", all_actions, NULL, NULL },
	{ "b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor",
	  "Grants full access to manage all resources, but does not allow "
	  "you to assign roles in Azure RBAC.", all_actions, contributor_not,
	  NULL },
	{ "acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader",
	  "View all resources, but does not allow you to make any changes.",
	  read_actions, NULL, NULL },
	{ "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator",
	  "Lets you manage user access to Azure resources.", uaa_actions,
	  NULL, NULL },
	{ "21090545-7ca7-4776-b22c-e363652d74d2", "Key Vault Reader",
	  "Read metadata of key vaults and its certificates, keys, and "
	  "secrets.", kv_reader_actions, NULL, kv_reader_data },
	{ "4633458b-17de-408a-b874-0445c86b69e6", "Key Vault Secrets User",
	  "Read secret contents.", NULL, NULL, kv_secrets_user_data },
	{ "00482a5a-887f-4fb3-b363-3b7fe8e74483", "Key Vault Administrator",
	  "Perform all data plane operations on a key vault and all objects "
	  "in it.", kv_admin_actions, NULL, kv_admin_data },
};

static json_object *role_json(const struct builtin_role *r)
{
	json_object *role = json_object_new_object();
	json_object *perm = json_object_new_object();
	json_object *perms = json_object_new_array();

	json_object_object_add(role, "name",
			       json_object_new_string(r->name));
	json_object_object_add(role, "roleName",
			       json_object_new_string(r->role_name));
	json_object_object_add(role, "type",
			       json_object_new_string("BuiltInRole"));
	json_object_object_add(role, "description",
			       json_object_new_string(r->description));
	json_object_object_add(perm, "actions", sb_strings(r->actions));
	json_object_object_add(perm, "notActions",
			       sb_strings(r->not_actions));
	json_object_object_add(perm, "dataActions",
			       sb_strings(r->data_actions));
	json_object_object_add(perm, "notDataActions", sb_strings(NULL));
	json_object_array_add(perms, perm);
	json_object_object_add(role, "permissions", perms);
	return role;
}

json_object *sb_builtin_roles(void)
{
	json_object *roles = json_object_new_array();
	size_t i;

	for (i = 0; i < sizeof(builtin_roles) / sizeof(builtin_roles[0]);
	     i++)
		json_object_array_add(roles, role_json(&builtin_roles[i]));
	return roles;
}

/* The tenant without role definitions (added when it is parsed) and
 * without the generated secrets of kv-dev-eastus and kv-dev-bulk. */
static const char default_tenant_json[] =
	"{\n"
	" \"tenant\": {\n"
	"  \"id\": \"72f988bf-0000-4000-8000-00000000a001\",\n"
	"  \"displayName\": \"Contoso Sandbox\",\n"
	"  \"defaultDomain\": \"contoso.test\"\n"
	" },\n"
	" \"defaultUser\": \"a0000000-0000-4000-8000-000000000001\",\n"
	" \"users\": [\n"
	"  {\n"
	"   \"id\": \"a0000000-0000-4000-8000-000000000001\",\n"
	"   \"userPrincipalName\": \"avery@contoso.test\",\n"
	"   \"displayName\": \"Avery Admin\"\n"
	"  },\n"
	"  {\n"
	"   \"id\": \"a0000000-0000-4000-8000-000000000002\",\n"
	"   \"userPrincipalName\": \"riley@contoso.test\",\n"
	"   \"displayName\": \"Riley Reader\"\n"
	"  }\n"
	" ],\n"
	" \"servicePrincipals\": [\n"
	"  {\n"
	"   \"id\": \"c1000000-0000-4000-8000-0000000000c1\",\n"
	"   \"appId\": \"0bfc4568-a4ba-4c58-bd3e-5d3e76bd7fff\",\n"
	"   \"displayName\": \"Dynamics 365 AI for Customer Insights\",\n"
	"   \"managedIdentity\": true\n"
	"  },\n"
	"  {\n"
	"   \"id\": \"b0000000-0000-4000-8000-0000000000b2\",\n"
	"   \"appId\": \"b0000000-0000-4000-8000-0000000000b1\",\n"
	"   \"displayName\": \"kvlink-automation\",\n"
	"   \"clientSecret\": \"sandbox-automation-secret-not-real\",\n"
	"   \"federatedCredentials\": [\n"
	"    {\n"
	"     \"name\": \"kvlink-ci\",\n"
	"     \"issuer\": \"" SB_FEDERATION_ISSUER "\",\n"
	"     \"subject\": \"" SB_FEDERATION_SUBJECT "\",\n"
	"     \"audiences\": [\"" SB_FEDERATION_AUDIENCE "\"]\n"
	"    }\n"
	"   ]\n"
	"  },\n"
	"  {\n"
	"   \"id\": \"d0000000-0000-4000-8000-0000000000d2\",\n"
	"   \"appId\": \"d0000000-0000-4000-8000-0000000000d1\",\n"
	"   \"displayName\": \"contoso-backup\"\n"
	"  }\n"
	" ],\n"
	" \"subscriptions\": [\n"
	"  {\n"
	"   \"subscriptionId\": \"11111111-1111-4111-8111-111111111111\",\n"
	"   \"displayName\": \"Contoso Production\",\n"
	"   \"state\": \"Enabled\",\n"
	"   \"resourceGroups\": [\n"
	"    {\n"
	"     \"name\": \"rg-ci-prod\",\n"
	"     \"location\": \"westeurope\"\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"rg-shared\",\n"
	"     \"location\": \"westeurope\"\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"rg-legacy\",\n"
	"     \"location\": \"northeurope\"\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"rg-restricted\",\n"
	"     \"location\": \"westeurope\"\n"
	"    }\n"
	"   ]\n"
	"  },\n"
	"  {\n"
	"   \"subscriptionId\": \"22222222-2222-4222-8222-222222222222\",\n"
	"   \"displayName\": \"Contoso Development\",\n"
	"   \"state\": \"Enabled\",\n"
	"   \"resourceGroups\": [\n"
	"    {\n"
	"     \"name\": \"rg-dev\",\n"
	"     \"location\": \"eastus\"\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"rg-dev2\",\n"
	"     \"location\": \"eastus2\"\n"
	"    }\n"
	"   ]\n"
	"  },\n"
	"  {\n"
	"   \"subscriptionId\": \"33333333-3333-4333-8333-333333333333\",\n"
	"   \"displayName\": \"Contoso Archive\",\n"
	"   \"state\": \"Disabled\",\n"
	"   \"resourceGroups\": [\n"
	"    {\n"
	"     \"name\": \"rg-archive\",\n"
	"     \"location\": \"westeurope\"\n"
	"    }\n"
	"   ]\n"
	"  }\n"
	" ],\n"
	" \"roleAssignments\": [\n"
	"  {\n"
	"   \"name\": \"e0000000-0000-4000-8000-000000000001\",\n"
	"   \"scope\": \"/subscriptions/11111111-1111-4111-8111-11111111111"
	"1\",\n"
	"   \"role\": \"Contributor\",\n"
	"   \"principalId\": \"a0000000-0000-4000-8000-000000000001\"\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"e0000000-0000-4000-8000-000000000002\",\n"
	"   \"scope\": \"/subscriptions/11111111-1111-4111-8111-11111111111"
	"1/resourceGroups/rg-ci-prod\",\n"
	"   \"role\": \"User Access Administrator\",\n"
	"   \"principalId\": \"a0000000-0000-4000-8000-000000000001\"\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"e0000000-0000-4000-8000-000000000003\",\n"
	"   \"scope\": \"/subscriptions/11111111-1111-4111-8111-11111111111"
	"1/resourceGroups/rg-shared\",\n"
	"   \"role\": \"User Access Administrator\",\n"
	"   \"principalId\": \"a0000000-0000-4000-8000-000000000001\"\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"e0000000-0000-4000-8000-000000000004\",\n"
	"   \"scope\": \"/subscriptions/11111111-1111-4111-8111-11111111111"
	"1/resourceGroups/rg-legacy\",\n"
	"   \"role\": \"User Access Administrator\",\n"
	"   \"principalId\": \"a0000000-0000-4000-8000-000000000001\"\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"e0000000-0000-4000-8000-000000000005\",\n"
	"   \"scope\": \"/subscriptions/22222222-2222-4222-8222-22222222222"
	"2\",\n"
	"   \"role\": \"Owner\",\n"
	"   \"principalId\": \"a0000000-0000-4000-8000-000000000001\"\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"e0000000-0000-4000-8000-000000000006\",\n"
	"   \"scope\": \"/subscriptions/33333333-3333-4333-8333-33333333333"
	"3\",\n"
	"   \"role\": \"Reader\",\n"
	"   \"principalId\": \"a0000000-0000-4000-8000-000000000001\"\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"e0000000-0000-4000-8000-000000000007\",\n"
	"   \"scope\": \"/subscriptions/11111111-1111-4111-8111-11111111111"
	"1\",\n"
	"   \"role\": \"Reader\",\n"
	"   \"principalId\": \"a0000000-0000-4000-8000-000000000002\"\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"e0000000-0000-4000-8000-000000000008\",\n"
	"   \"scope\": \"/subscriptions/11111111-1111-4111-8111-11111111111"
	"1/resourceGroups/rg-shared/providers/Microsoft.KeyVault/vaults/kv-"
	"rbac-existing\",\n"
	"   \"role\": \"Key Vault Reader\",\n"
	"   \"principalId\": \"c1000000-0000-4000-8000-0000000000c1\"\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"e0000000-0000-4000-8000-000000000009\",\n"
	"   \"scope\": \"/subscriptions/22222222-2222-4222-8222-22222222222"
	"2\",\n"
	"   \"role\": \"Owner\",\n"
	"   \"principalId\": \"b0000000-0000-4000-8000-0000000000b2\"\n"
	"  }\n"
	" ],\n"
	" \"vaults\": [\n"
	"  {\n"
	"   \"name\": \"kv-ci-prod\",\n"
	"   \"subscriptionId\": \"11111111-1111-4111-8111-111111111111\",\n"
	"   \"resourceGroup\": \"rg-ci-prod\",\n"
	"   \"location\": \"westeurope\",\n"
	"   \"tags\": {\n"
	"    \"environment\": \"production\"\n"
	"   },\n"
	"   \"diagnosticSettings\": [\n"
	"    {\n"
	"     \"name\": \"audit-to-law-ci\",\n"
	"     \"properties\": {\n"
	"      \"workspaceId\": \"/subscriptions/11111111-1111-4111-8111-"
	"111111111111/resourceGroups/rg-ci-prod/providers/Microsoft."
	"OperationalInsights/workspaces/law-ci\",\n"
	"      \"logs\": [\n"
	"       {\"category\": \"AuditEvent\", \"enabled\": true},\n"
	"       {\"category\": \"AzurePolicyEvaluationDetails\",\n"
	"        \"enabled\": false}\n"
	"      ],\n"
	"      \"metrics\": [\n"
	"       {\"category\": \"AllMetrics\", \"enabled\": true}\n"
	"      ]\n"
	"     }\n"
	"    }\n"
	"   ],\n"
	"   \"accessPolicies\": [\n"
	"    {\n"
	"     \"tenantId\": \"72f988bf-0000-4000-8000-00000000a001\",\n"
	"     \"objectId\": \"a0000000-0000-4000-8000-000000000001\",\n"
	"     \"permissions\": {\n"
	"      \"keys\": [\n"
	"       \"get\",\n"
	"       \"list\",\n"
	"       \"create\",\n"
	"       \"update\",\n"
	"       \"delete\"\n"
	"      ],\n"
	"      \"secrets\": [\n"
	"       \"get\",\n"
	"       \"list\",\n"
	"       \"set\",\n"
	"       \"delete\",\n"
	"       \"backup\",\n"
	"       \"restore\",\n"
	"       \"recover\",\n"
	"       \"purge\"\n"
	"      ],\n"
	"      \"certificates\": [\n"
	"       \"get\",\n"
	"       \"list\",\n"
	"       \"create\",\n"
	"       \"update\",\n"
	"       \"delete\"\n"
	"      ]\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"tenantId\": \"72f988bf-0000-4000-8000-00000000a001\",\n"
	"     \"objectId\": \"d0000000-0000-4000-8000-0000000000d2\",\n"
	"     \"permissions\": {\n"
	"      \"keys\": [\n"
	"       \"backup\"\n"
	"      ],\n"
	"      \"secrets\": [\n"
	"       \"list\",\n"
	"       \"backup\"\n"
	"      ],\n"
	"      \"certificates\": [\n"
	"       \"backup\"\n"
	"      ]\n"
	"     }\n"
	"    }\n"
	"   ],\n"
	"   \"secrets\": [\n"
	"    {\n"
	"     \"name\": \"sftp-password\",\n"
	"     \"value\": \"sandbox-sftp-password-1\",\n"
	"     \"contentType\": \"text/plain\",\n"
	"     \"tags\": {\n"
	"      \"system\": \"sftp\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1714550400\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"sendgrid-api-key\",\n"
	"     \"value\": \"SG.sandbox-not-a-real-key\",\n"
	"     \"contentType\": \"application/x-api-key\",\n"
	"     \"tags\": {\n"
	"      \"vendor\": \"sendgrid\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1717228800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"mail-readonly-key\",\n"
	"     \"value\": \"SG.sandbox-readonly-key\",\n"
	"     \"contentType\": \"application/x-api-key\",\n"
	"     \"tags\": {\n"
	"      \"vendor\": \"sendgrid\",\n"
	"      \"vendorAccess\": \"restricted\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1717228800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"klaviyo-private-key\",\n"
	"     \"value\": \"pk_sandbox-klaviyo-key\",\n"
	"     \"contentType\": \"application/x-api-key\",\n"
	"     \"tags\": {\n"
	"      \"vendor\": \"klaviyo\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1717228800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"brevo-api-key\",\n"
	"     \"value\": \"xkeysib-sandbox-brevo-key\",\n"
	"     \"contentType\": \"application/x-api-key\",\n"
	"     \"tags\": {\n"
	"      \"vendor\": \"sendinblue\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1717228800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"storage-connection-string\",\n"
	"     \"value\": \"DefaultEndpointsProtocol=https;AccountName=sandb"
	"ox;AccountKey=c2FuZGJveA==\",\n"
	"     \"attributes\": {\n"
	"      \"created\": 1719820800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"old-ftp-password\",\n"
	"     \"value\": \"sandbox-disabled-value\",\n"
	"     \"contentType\": \"text/plain\",\n"
	"     \"attributes\": {\n"
	"      \"enabled\": false,\n"
	"      \"created\": 1672531200\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"expired-partner-token\",\n"
	"     \"value\": \"sandbox-expired-value\",\n"
	"     \"attributes\": {\n"
	"      \"created\": 1672531200,\n"
	"      \"exp\": 1704067200\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"next-year-api-key\",\n"
	"     \"value\": \"sandbox-future-value\",\n"
	"     \"attributes\": {\n"
	"      \"created\": 1714550400,\n"
	"      \"nbf\": 4070908800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"long-lived-webhook-key\",\n"
	"     \"value\": \"sandbox-long-lived-value\",\n"
	"     \"contentType\": \"text/plain\",\n"
	"     \"attributes\": {\n"
	"      \"created\": 1714550400,\n"
	"      \"exp\": 4102444800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"ci-tls-certificate\",\n"
	"     \"value\": \"MIIsandboxcertificatedata\",\n"
	"     \"contentType\": \"application/x-pkcs12\",\n"
	"     \"managed\": true,\n"
	"     \"attributes\": {\n"
	"      \"created\": 1714550400,\n"
	"      \"nbf\": 1714550400,\n"
	"      \"exp\": 1777622400\n"
	"     }\n"
	"    }\n"
	"   ]\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"kv-ci-rbac\",\n"
	"   \"subscriptionId\": \"11111111-1111-4111-8111-111111111111\",\n"
	"   \"resourceGroup\": \"rg-ci-prod\",\n"
	"   \"location\": \"westeurope\",\n"
	"   \"enableRbacAuthorization\": true,\n"
	"   \"secrets\": [\n"
	"    {\n"
	"     \"name\": \"crm-api-key\",\n"
	"     \"value\": \"sandbox-crm-key\",\n"
	"     \"contentType\": \"text/plain\"\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"crm-client-secret\",\n"
	"     \"value\": \"sandbox-crm-client-secret\",\n"
	"     \"contentType\": \"application/x-client-secret\",\n"
	"     \"attributes\": {\n"
	"      \"created\": 1714550400,\n"
	"      \"exp\": 4102444800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"crm-old-password\",\n"
	"     \"value\": \"sandbox-crm-disabled\",\n"
	"     \"attributes\": {\n"
	"      \"enabled\": false,\n"
	"      \"created\": 1672531200\n"
	"     }\n"
	"    }\n"
	"   ]\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"kv-ci-firewall\",\n"
	"   \"subscriptionId\": \"11111111-1111-4111-8111-111111111111\",\n"
	"   \"resourceGroup\": \"rg-ci-prod\",\n"
	"   \"location\": \"westeurope\",\n"
	"   \"networkAcls\": {\n"
	"    \"bypass\": \"None\",\n"
	"    \"defaultAction\": \"Deny\",\n"
	"    \"ipRules\": [\n"
	"     {\n"
	"      \"value\": \"203.0.113.0/24\"\n"
	"     }\n"
	"    ]\n"
	"   },\n"
	"   \"accessPolicies\": [\n"
	"    {\n"
	"     \"tenantId\": \"72f988bf-0000-4000-8000-00000000a001\",\n"
	"     \"objectId\": \"a0000000-0000-4000-8000-000000000001\",\n"
	"     \"permissions\": {\n"
	"      \"secrets\": [\n"
	"       \"get\",\n"
	"       \"list\"\n"
	"      ]\n"
	"     }\n"
	"    }\n"
	"   ],\n"
	"   \"secrets\": [\n"
	"    {\n"
	"     \"name\": \"firewalled-secret\",\n"
	"     \"value\": \"sandbox-fw-value\"\n"
	"    }\n"
	"   ]\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"kv-ci-bypass\",\n"
	"   \"subscriptionId\": \"11111111-1111-4111-8111-111111111111\",\n"
	"   \"resourceGroup\": \"rg-shared\",\n"
	"   \"location\": \"westeurope\",\n"
	"   \"networkAcls\": {\n"
	"    \"bypass\": \"AzureServices\",\n"
	"    \"defaultAction\": \"Deny\"\n"
	"   },\n"
	"   \"accessPolicies\": [\n"
	"    {\n"
	"     \"tenantId\": \"72f988bf-0000-4000-8000-00000000a001\",\n"
	"     \"objectId\": \"a0000000-0000-4000-8000-000000000001\",\n"
	"     \"permissions\": {\n"
	"      \"secrets\": [\n"
	"       \"get\",\n"
	"       \"list\"\n"
	"      ]\n"
	"     }\n"
	"    }\n"
	"   ],\n"
	"   \"secrets\": [\n"
	"    {\n"
	"     \"name\": \"bypass-secret\",\n"
	"     \"value\": \"sandbox-bypass-value\"\n"
	"    }\n"
	"   ]\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"kv-ci-private\",\n"
	"   \"subscriptionId\": \"11111111-1111-4111-8111-111111111111\",\n"
	"   \"resourceGroup\": \"rg-shared\",\n"
	"   \"location\": \"westeurope\",\n"
	"   \"enableRbacAuthorization\": true,\n"
	"   \"publicNetworkAccess\": \"Disabled\",\n"
	"   \"networkAcls\": {\n"
	"    \"bypass\": \"AzureServices\",\n"
	"    \"defaultAction\": \"Deny\"\n"
	"   }\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"kv-rbac-existing\",\n"
	"   \"subscriptionId\": \"11111111-1111-4111-8111-111111111111\",\n"
	"   \"resourceGroup\": \"rg-shared\",\n"
	"   \"location\": \"westeurope\",\n"
	"   \"enableRbacAuthorization\": true,\n"
	"   \"secrets\": [\n"
	"    {\n"
	"     \"name\": \"existing-secret\",\n"
	"     \"value\": \"sandbox-existing-value\"\n"
	"    }\n"
	"   ]\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"kv-legacy-ne\",\n"
	"   \"subscriptionId\": \"11111111-1111-4111-8111-111111111111\",\n"
	"   \"resourceGroup\": \"rg-legacy\",\n"
	"   \"location\": \"northeurope\",\n"
	"   \"accessPolicies\": [\n"
	"    {\n"
	"     \"tenantId\": \"72f988bf-0000-4000-8000-00000000a001\",\n"
	"     \"objectId\": \"a0000000-0000-4000-8000-000000000001\",\n"
	"     \"permissions\": {\n"
	"      \"secrets\": [\n"
	"       \"get\",\n"
	"       \"list\"\n"
	"      ]\n"
	"     }\n"
	"    }\n"
	"   ],\n"
	"   \"secrets\": [\n"
	"    {\n"
	"     \"name\": \"legacy-secret\",\n"
	"     \"value\": \"sandbox-legacy-value\"\n"
	"    }\n"
	"   ]\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"kv-legacy-nosd\",\n"
	"   \"subscriptionId\": \"11111111-1111-4111-8111-111111111111\",\n"
	"   \"resourceGroup\": \"rg-legacy\",\n"
	"   \"location\": \"westeurope\",\n"
	"   \"enableSoftDelete\": false,\n"
	"   \"accessPolicies\": [\n"
	"    {\n"
	"     \"tenantId\": \"72f988bf-0000-4000-8000-00000000a001\",\n"
	"     \"objectId\": \"a0000000-0000-4000-8000-000000000001\",\n"
	"     \"permissions\": {\n"
	"      \"secrets\": [\n"
	"       \"get\",\n"
	"       \"list\"\n"
	"      ]\n"
	"     }\n"
	"    }\n"
	"   ]\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"kv-restricted-rbac\",\n"
	"   \"subscriptionId\": \"11111111-1111-4111-8111-111111111111\",\n"
	"   \"resourceGroup\": \"rg-restricted\",\n"
	"   \"location\": \"westeurope\",\n"
	"   \"enableRbacAuthorization\": true\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"kv-restricted-policy\",\n"
	"   \"subscriptionId\": \"11111111-1111-4111-8111-111111111111\",\n"
	"   \"resourceGroup\": \"rg-restricted\",\n"
	"   \"location\": \"westeurope\",\n"
	"   \"accessPolicies\": [\n"
	"    {\n"
	"     \"tenantId\": \"72f988bf-0000-4000-8000-00000000a001\",\n"
	"     \"objectId\": \"a0000000-0000-4000-8000-000000000001\",\n"
	"     \"permissions\": {\n"
	"      \"secrets\": [\n"
	"       \"get\",\n"
	"       \"list\"\n"
	"      ]\n"
	"     }\n"
	"    }\n"
	"   ],\n"
	"   \"secrets\": [\n"
	"    {\n"
	"     \"name\": \"restricted-secret\",\n"
	"     \"value\": \"sandbox-restricted-value\"\n"
	"    }\n"
	"   ]\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"kv-dev-eastus\",\n"
	"   \"subscriptionId\": \"22222222-2222-4222-8222-222222222222\",\n"
	"   \"resourceGroup\": \"rg-dev\",\n"
	"   \"location\": \"eastus\",\n"
	"   \"accessPolicies\": [\n"
	"    {\n"
	"     \"tenantId\": \"72f988bf-0000-4000-8000-00000000a001\",\n"
	"     \"objectId\": \"a0000000-0000-4000-8000-000000000001\",\n"
	"     \"permissions\": {\n"
	"      \"secrets\": [\n"
	"       \"get\",\n"
	"       \"list\"\n"
	"      ]\n"
	"     }\n"
	"    }\n"
	"   ]\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"kv-dev-eastus2\",\n"
	"   \"subscriptionId\": \"22222222-2222-4222-8222-222222222222\",\n"
	"   \"resourceGroup\": \"rg-dev2\",\n"
	"   \"location\": \"eastus2\",\n"
	"   \"accessPolicies\": [\n"
	"    {\n"
	"     \"tenantId\": \"72f988bf-0000-4000-8000-00000000a001\",\n"
	"     \"objectId\": \"a0000000-0000-4000-8000-000000000001\",\n"
	"     \"permissions\": {\n"
	"      \"secrets\": [\n"
	"       \"get\",\n"
	"       \"list\"\n"
	"      ]\n"
	"     }\n"
	"    }\n"
	"   ],\n"
	"   \"secrets\": [\n"
	"    {\n"
	"     \"name\": \"sendgrid-eastus-key\",\n"
	"     \"value\": \"SG.sandbox-eastus-key\",\n"
	"     \"contentType\": \"application/x-api-key\",\n"
	"     \"tags\": {\n"
	"      \"vendor\": \"sendgrid\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1717228800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"klaviyo-limited-key\",\n"
	"     \"value\": \"pk_sandbox-klaviyo-limited\",\n"
	"     \"contentType\": \"application/x-api-key\",\n"
	"     \"tags\": {\n"
	"      \"vendor\": \"klaviyo\",\n"
	"      \"vendorAccess\": \"restricted\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1717228800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"brevo-limited-key\",\n"
	"     \"value\": \"xkeysib-sandbox-brevo-limited\",\n"
	"     \"contentType\": \"application/x-api-key\",\n"
	"     \"tags\": {\n"
	"      \"vendor\": \"sendinblue\",\n"
	"      \"vendorAccess\": \"restricted\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1717228800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"dotdigital-password\",\n"
	"     \"value\": \"sandbox-dotdigital-password\",\n"
	"     \"contentType\": \"application/x-api-key\",\n"
	"     \"tags\": {\n"
	"      \"vendor\": \"dotdigital\",\n"
	"      \"vendorUser\": \"apiuser-sandbox@apiconnector.com\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1717228800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"dotdigital-limited-password\",\n"
	"     \"value\": \"sandbox-dotdigital-limited\",\n"
	"     \"contentType\": \"application/x-api-key\",\n"
	"     \"tags\": {\n"
	"      \"vendor\": \"dotdigital\",\n"
	"      \"vendorUser\": \"apiuser-limited@apiconnector.com\",\n"
	"      \"vendorAccess\": \"restricted\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1717228800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"activecampaign-api-key\",\n"
	"     \"value\": \"sandbox-activecampaign-key\",\n"
	"     \"contentType\": \"application/x-api-key\",\n"
	"     \"tags\": {\n"
	"      \"vendor\": \"activecampaign\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1717228800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"omnisend-api-key\",\n"
	"     \"value\": \"sandbox-omnisend-key\",\n"
	"     \"contentType\": \"application/x-api-key\",\n"
	"     \"tags\": {\n"
	"      \"vendor\": \"omnisend\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1717228800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"autopilot-api-key\",\n"
	"     \"value\": \"sandbox-autopilot-key\",\n"
	"     \"contentType\": \"application/x-api-key\",\n"
	"     \"tags\": {\n"
	"      \"vendor\": \"autopilot\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1717228800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"marketo-client-secret\",\n"
	"     \"value\": \"sandbox-marketo-secret\",\n"
	"     \"contentType\": \"application/x-api-key\",\n"
	"     \"tags\": {\n"
	"      \"vendor\": \"marketo\",\n"
	"      \"vendorUser\": \"sbx-marketo-client-1\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1717228800\n"
	"     }\n"
	"    },\n"
	"    {\n"
	"     \"name\": \"marketo-limited-secret\",\n"
	"     \"value\": \"sandbox-marketo-limited\",\n"
	"     \"contentType\": \"application/x-api-key\",\n"
	"     \"tags\": {\n"
	"      \"vendor\": \"marketo\",\n"
	"      \"vendorUser\": \"sbx-marketo-client-2\",\n"
	"      \"vendorAccess\": \"restricted\"\n"
	"     },\n"
	"     \"attributes\": {\n"
	"      \"created\": 1717228800\n"
	"     }\n"
	"    }\n"
	"   ]\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"kv-dev-rbac\",\n"
	"   \"subscriptionId\": \"22222222-2222-4222-8222-222222222222\",\n"
	"   \"resourceGroup\": \"rg-dev\",\n"
	"   \"location\": \"eastus\",\n"
	"   \"enableRbacAuthorization\": true\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"kv-dev-bulk\",\n"
	"   \"subscriptionId\": \"22222222-2222-4222-8222-222222222222\",\n"
	"   \"resourceGroup\": \"rg-dev\",\n"
	"   \"location\": \"eastus\",\n"
	"   \"accessPolicies\": [\n"
	"    {\n"
	"     \"tenantId\": \"72f988bf-0000-4000-8000-00000000a001\",\n"
	"     \"objectId\": \"a0000000-0000-4000-8000-000000000001\",\n"
	"     \"permissions\": {\n"
	"      \"secrets\": [\n"
	"       \"get\",\n"
	"       \"list\"\n"
	"      ]\n"
	"     }\n"
	"    }\n"
	"   ]\n"
	"  },\n"
	"  {\n"
	"   \"name\": \"kv-archive\",\n"
	"   \"subscriptionId\": \"33333333-3333-4333-8333-333333333333\",\n"
	"   \"resourceGroup\": \"rg-archive\",\n"
	"   \"location\": \"westeurope\",\n"
	"   \"accessPolicies\": [\n"
	"    {\n"
	"     \"tenantId\": \"72f988bf-0000-4000-8000-00000000a001\",\n"
	"     \"objectId\": \"a0000000-0000-4000-8000-000000000001\",\n"
	"     \"permissions\": {\n"
	"      \"secrets\": [\n"
	"       \"get\",\n"
	"       \"list\"\n"
	"      ]\n"
	"     }\n"
	"    }\n"
	"   ],\n"
	"   \"secrets\": [\n"
	"    {\n"
	"     \"name\": \"archived-secret\",\n"
	"     \"value\": \"sandbox-archive-value\"\n"
	"    }\n"
	"   ]\n"
	"  }\n"
	" ]\n"
	"}\n";

/* Secrets generated into a vault of the built-in tenant. */
struct generated_secrets {
	const char *vault;
	const char *name_prefix;	/* followed by the zero-padded index */
	const char *value_prefix;
	int digits;		/* width of the index */
	int count;
	int content_type_every;	/* every nth has text/plain */
	int disabled_every;	/* every nth is disabled; 0 for none */
	int created_step;	/* seconds between creation times */
};

/* kv-dev-eastus: three pages of 25. */
static const struct generated_secrets dev_secrets = {
	DEV_VAULT, "app-setting-", "sandbox-dev-value-", 2,
	DEV_SECRETS, 1, 0, 3600,
};

/*
 * kv-dev-bulk: every 1000th secret is disabled and every 7th has a
 * content type, so a picker over the whole list meets both.
 */
static const struct generated_secrets bulk_secrets = {
	BULK_VAULT, "bulk-secret-", "sandbox-bulk-value-", 5,
	BULK_SECRETS, 7, 1000, 1,
};

static json_object *generated_secret(const struct generated_secrets *g,
				     int i)
{
	json_object *secret = json_object_new_object();
	json_object *attrs = json_object_new_object();
	char name[32], value[48];

	snprintf(name, sizeof(name), "%s%0*d", g->name_prefix, g->digits, i);
	snprintf(value, sizeof(value), "%s%0*d", g->value_prefix, g->digits,
		 i);
	json_object_object_add(secret, "name", json_object_new_string(name));
	json_object_object_add(secret, "value",
			       json_object_new_string(value));
	if (i % g->content_type_every == 0)
		json_object_object_add(secret, "contentType",
				       json_object_new_string("text/plain"));
	if (g->disabled_every > 0 && i % g->disabled_every == 0)
		json_object_object_add(attrs, "enabled",
				       json_object_new_boolean(0));
	json_object_object_add(attrs, "created",
			       json_object_new_int64(1714550400 +
						     (int64_t)i *
						     g->created_step));
	json_object_object_add(secret, "attributes", attrs);
	return secret;
}

static void add_secrets(json_object *tenant,
			const struct generated_secrets *g)
{
	json_object *vault = sb_tenant_vault(tenant, g->vault);
	json_object *secrets = json_object_new_array_ext(g->count);
	int i;

	for (i = 1; i <= g->count; i++)
		json_object_array_add(secrets, generated_secret(g, i));
	json_object_object_add(vault, "secrets", secrets);
}

json_object *sb_default_tenant(void)
{
	char errbuf[512];
	json_object *raw = json_tokener_parse(default_tenant_json);
	json_object *tenant;

	if (raw == NULL)
		abort();
	add_secrets(raw, &dev_secrets);
	add_secrets(raw, &bulk_secrets);
	sb_add_guest_tenant(raw);
	tenant = sb_tenant_from_json(raw, "the built-in tenant", errbuf,
				 sizeof(errbuf));
	if (tenant == NULL) {
		/* A broken built-in tenant is a bug in this file. */
		fprintf(stderr, "kvlink-sandbox: %s\n", errbuf);
		abort();
	}
	return tenant;
}
