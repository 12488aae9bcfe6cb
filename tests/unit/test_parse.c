/*
 * Every Azure payload shape kvlink reads, parsed from our own fixtures in
 * tests/fixtures, plus the permission and region rules built on them.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/arm.h"
#include "core/arm_vault.h"
#include "core/cloud.h"
#include "core/graph.h"
#include "core/http.h"
#include "core/jsonutil.h"
#include "core/keyvault.h"

#define SUB "5f1c3a2e-8d4b-4c6a-9e0f-1a2b3c4d5e6f"
#define TENANT "0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a"

static char *read_fixture(const char *name)
{
	char path[512];
	char *text;
	long len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", KVL_FIXTURES, name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open fixture %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return text;
}

static json_object *load_fixture(const char *name)
{
	char *text = read_fixture(name);
	struct kvl_error err;
	json_object *obj = NULL;

	kvl_error_init(&err);
	assert_int_equal(kvl_json_parse(text, strlen(text), name, &obj, &err),
			 KVL_OK);
	free(text);
	return obj;
}

static json_object *item_at(json_object *list, size_t i)
{
	json_object *value = kvl_json_path(list, "value");

	assert_non_null(value);
	return json_object_array_get_idx(value, i);
}

/* Paths whose first key is longer than kvl_json_path's buffer for
 * short keys, next to short ones and keys that contain a dot. */
static void json_path_key_lengths(void **state)
{
	char key[101], text[400], path[160];
	json_object *obj;

	(void)state;
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	snprintf(text, sizeof(text), "{\"%s\":{\"name\":\"long\"},"
		 "\"a\":{\"b\":{\"c\":\"short\"}},\"x.y\":{\"z\":"
		 "\"dotted\"}}", key);
	obj = json_tokener_parse(text);
	assert_non_null(obj);
	snprintf(path, sizeof(path), "%s.name", key);
	assert_string_equal(kvl_json_str(obj, path), "long");
	assert_string_equal(kvl_json_str(obj, "a.b.c"), "short");
	assert_string_equal(kvl_json_str(obj, "x.y.z"), "dotted");
	assert_null(kvl_json_path(obj, "a.b.missing"));
	json_object_put(obj);
}

static void subscription_list(void **state)
{
	json_object *list = load_fixture("subscriptions.json");
	struct kvl_subscription s;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_arm_parse_subscription(item_at(list, 0), &s,
						    &err), KVL_OK);
	assert_string_equal(s.subscription_id, SUB);
	assert_string_equal(s.display_name, "Fabrikam Analytics");
	assert_string_equal(s.state, "Enabled");
	assert_string_equal(s.tenant_id, TENANT);
	kvl_subscription_clear(&s);

	assert_int_equal(kvl_arm_parse_subscription(item_at(list, 1), &s,
						    &err), KVL_OK);
	assert_string_equal(s.state, "Disabled");
	/* The name stays as Azure sent it; screens sanitise it. */
	assert_string_equal(s.display_name, "Old \x1b[7mlab\x1b[0m");
	kvl_subscription_clear(&s);

	/* Id only in "id", no name, a number where a string belongs. */
	assert_int_equal(kvl_arm_parse_subscription(item_at(list, 2), &s,
						    &err), KVL_OK);
	assert_string_equal(s.subscription_id,
			    "7b3e5c4a-0f6d-4e8c-9a2b-3c4d5e6f7a8b");
	assert_string_equal(s.display_name, "");
	assert_null(s.state);
	assert_null(s.tenant_id);
	kvl_subscription_clear(&s);
	assert_false(kvl_json_has(list, "nextLink"));
	json_object_put(list);
}

static void resource_group_list(void **state)
{
	json_object *list = load_fixture("resource_groups.json");
	struct kvl_resource_group rg;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_arm_parse_resource_group(item_at(list, 0), &rg,
						      &err), KVL_OK);
	assert_string_equal(rg.name, "rg-insights");
	assert_string_equal(rg.location, "westeurope");
	kvl_resource_group_clear(&rg);
	assert_int_equal(kvl_arm_parse_resource_group(item_at(list, 1), &rg,
						      &err), KVL_OK);
	assert_string_equal(rg.name, "rg-(shared).1");
	kvl_resource_group_clear(&rg);
	assert_int_equal(kvl_arm_parse_resource_group(item_at(list, 2), &rg,
						      &err), KVL_ERR_PARSE);
	assert_null(rg.name);
	kvl_error_clear(&err);
	json_object_put(list);
}

static void vault_access_policy(void **state)
{
	json_object *obj = load_fixture("vault_policy.json");
	struct kvl_vault v;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_arm_parse_vault(obj, &v, &err), KVL_OK);
	assert_string_equal(v.name, "kv-fabrikam-ci");
	assert_string_equal(v.subscription_id, SUB);
	assert_string_equal(v.resource_group, "rg-insights");
	assert_string_equal(v.location, "westeurope");
	assert_string_equal(v.tenant_id, TENANT);
	assert_string_equal(v.vault_uri,
			    "https://kv-fabrikam-ci.vault.azure.net/");
	assert_string_equal(v.sku, "standard");
	assert_false(v.rbac);
	assert_true(v.soft_delete);
	assert_false(v.purge_protection);
	assert_null(v.default_action);
	assert_null(v.bypass);
	assert_null(v.public_network_access);
	assert_string_equal(v.provisioning_state, "Succeeded");

	assert_int_equal(v.n_policies, 2);
	assert_string_equal(v.policies[0].object_id,
			    "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
	assert_null(v.policies[0].application_id);
	assert_string_equal(v.policies[0].secrets[2], "set");
	assert_null(v.policies[0].secrets[3]);
	assert_null(v.policies[0].certificates[0]);
	assert_string_equal(v.policies[1].application_id,
			    "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b");
	assert_string_equal(v.policies[1].secrets[0], "get");
	assert_null(v.policies[1].secrets[1]);
	assert_null(v.policies[1].keys[0]);
	kvl_vault_clear(&v);
	json_object_put(obj);
}

static void vault_rbac_firewalled(void **state)
{
	json_object *obj = load_fixture("vault_rbac_private.json");
	struct kvl_vault v;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_arm_parse_vault(obj, &v, &err), KVL_OK);
	assert_string_equal(v.resource_group, "rg-secure");
	assert_string_equal(v.subscription_id, SUB);
	assert_true(v.rbac);
	assert_false(v.soft_delete);
	assert_true(v.purge_protection);
	assert_string_equal(v.default_action, "Deny");
	assert_string_equal(v.bypass, "AzureServices");
	assert_string_equal(v.public_network_access, "Disabled");
	assert_string_equal(v.sku, "premium");
	assert_int_equal(v.n_policies, 0);
	assert_true(kvl_region_equal(v.location, "westeurope"));
	kvl_vault_clear(&v);
	json_object_put(obj);
}

static void vault_list_next_link(void **state)
{
	json_object *list = load_fixture("vault_list_page.json");
	struct kvl_vault v;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_non_null(strstr(kvl_json_str(list, "nextLink"),
			       "$skiptoken=a2V5dmF1bHQ"));
	assert_int_equal(kvl_arm_parse_vault(item_at(list, 0), &v, &err),
			 KVL_OK);
	assert_string_equal(v.name, "kv-one");
	assert_string_equal(v.resource_group, "rg-a");
	assert_false(v.rbac);
	kvl_vault_clear(&v);

	/* No name: taken from the id. A string for a boolean: the default. */
	assert_int_equal(kvl_arm_parse_vault(item_at(list, 1), &v, &err),
			 KVL_OK);
	assert_string_equal(v.name, "kv-two");
	assert_false(v.rbac);
	assert_null(v.vault_uri);
	assert_string_equal(v.default_action, "Allow");
	assert_null(v.bypass);
	kvl_vault_clear(&v);

	assert_int_equal(kvl_arm_parse_vault(item_at(list, 2), &v, &err),
			 KVL_ERR_PARSE);
	assert_null(v.id);
	kvl_error_clear(&err);
	json_object_put(list);
}

static void permissions_contributor_uaa(void **state)
{
	json_object *list = load_fixture("permissions.json");
	struct kvl_permission p[2];
	struct kvl_error err;
	const char *write = "Microsoft.Authorization/roleAssignments/write";
	const char *policy = "Microsoft.KeyVault/vaults/accessPolicies/write";

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_arm_parse_permission(item_at(list, 0), &p[0],
						  &err), KVL_OK);
	assert_int_equal(kvl_arm_parse_permission(item_at(list, 1), &p[1],
						  &err), KVL_OK);
	assert_string_equal(p[0].actions[0], "*");
	assert_string_equal(p[0].not_actions[1],
			    "Microsoft.Authorization/*/Write");

	/* Contributor alone: may edit access policies, not grant roles. */
	assert_true(kvl_permissions_allow(&p[0], 1, policy));
	assert_false(kvl_permissions_allow(&p[0], 1, write));
	assert_false(kvl_permissions_allow(&p[0], 1,
					   "microsoft.authorization/"
					   "roleassignments/WRITE"));
	/* User Access Administrator adds role assignments. */
	assert_true(kvl_permissions_allow(&p[1], 1, write));
	assert_false(kvl_permissions_allow(&p[1], 1, policy));
	assert_true(kvl_permissions_allow(&p[1], 1,
					  "Microsoft.KeyVault/vaults/read"));
	assert_true(kvl_permissions_allow(p, 2, write));
	assert_true(kvl_permissions_allow(p, 2, policy));
	assert_false(kvl_permissions_allow(p, 0, policy));

	kvl_permission_clear(&p[0]);
	kvl_permission_clear(&p[1]);
	json_object_put(list);
}

static void wildcard_rules(void **state)
{
	char *actions[] = { "Microsoft.KeyVault/*/read",
			    "Microsoft.Storage/storageAccounts/*", NULL };
	char *not_actions[] = { "Microsoft.Storage/*/delete", NULL };
	struct kvl_permission p = { actions, not_actions };

	(void)state;
	assert_true(kvl_permissions_allow(&p, 1,
					  "Microsoft.KeyVault/vaults/read"));
	assert_true(kvl_permissions_allow(&p, 1, "microsoft.keyvault/"
					  "vaults/secrets/READ"));
	assert_false(kvl_permissions_allow(&p, 1,
					   "Microsoft.KeyVault/vaults/write"));
	assert_true(kvl_permissions_allow(&p, 1, "Microsoft.Storage/"
					  "storageAccounts/write"));
	assert_false(kvl_permissions_allow(&p, 1, "Microsoft.Storage/"
					   "storageAccounts/delete"));
	assert_false(kvl_permissions_allow(&p, 1, "Microsoft.KeyVault"));
}

static void region_equality(void **state)
{
	(void)state;
	assert_true(kvl_region_equal("West Europe", "westeurope"));
	assert_true(kvl_region_equal("EASTUS", "eastus"));
	assert_false(kvl_region_equal("eastus", "eastus2"));
	assert_false(kvl_region_equal("East US 2", "eastus"));
	assert_true(kvl_region_equal("East US 2", "eastus2"));
	assert_false(kvl_region_equal(NULL, "eastus"));
	assert_false(kvl_region_equal("northeurope", "westeurope"));
}

static void role_assignment_created(void **state)
{
	json_object *obj = load_fixture("role_assignment_created.json");
	struct kvl_role_assignment ra;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_arm_parse_role_assignment(obj, &ra, &err),
			 KVL_OK);
	assert_string_equal(ra.name, "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");
	assert_non_null(strstr(ra.id, "/roleAssignments/9a8b7c6d"));
	assert_non_null(strstr(ra.role_definition_id,
			       KVL_ROLE_KEY_VAULT_SECRETS_USER));
	assert_string_equal(ra.principal_id,
			    "6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c");
	assert_string_equal(ra.principal_type, "ServicePrincipal");
	assert_non_null(strstr(ra.scope, "/vaults/kv-fabrikam-rbac"));
	kvl_role_assignment_clear(&ra);
	json_object_put(obj);
}

static void role_assignment_exists(void **state)
{
	char *text = read_fixture("role_assignment_exists.json");
	struct kvl_http_response resp = { .status = 409, .body = text };
	struct kvl_error err;

	(void)state;
	resp.body_len = strlen(text);
	kvl_error_init(&err);
	assert_int_equal(kvl_http_check(&resp, "create role assignment", &err),
			 KVL_ERR_CONFLICT);
	assert_string_equal(err.azure_code, "RoleAssignmentExists");
	assert_non_null(strstr(err.azure_message,
			       "0e1d2c3b4a5948678f7e6d5c4b3a2918"));
	assert_int_equal(err.http_status, 409);
	kvl_error_clear(&err);
	free(text);
}

static void role_assignment_list(void **state)
{
	json_object *list = load_fixture("role_assignment_list.json");
	json_object *value = json_object_object_get(list, "value");
	struct kvl_role_assignment ra;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(json_object_array_length(value), 2);
	assert_non_null(kvl_json_str(list, "nextLink"));

	/* Nulls in optional members do not stop the parse. */
	assert_int_equal(kvl_arm_parse_role_assignment(
				 json_object_array_get_idx(value, 0), &ra,
				 &err),
			 KVL_OK);
	assert_non_null(strstr(ra.role_definition_id,
			       KVL_ROLE_KEY_VAULT_READER));
	assert_non_null(strstr(ra.scope, "/vaults/kv-fabrikam-rbac"));
	assert_string_equal(ra.principal_type, "ServicePrincipal");
	kvl_role_assignment_clear(&ra);

	/* The tenant-level form of a role definition id is read too. */
	assert_int_equal(kvl_arm_parse_role_assignment(
				 json_object_array_get_idx(value, 1), &ra,
				 &err),
			 KVL_OK);
	assert_string_equal(ra.role_definition_id,
			    "/providers/Microsoft.Authorization/"
			    "roleDefinitions/"
			    "00482a5a-887f-4fb3-b363-3b7fe8e74483");
	assert_string_equal(ra.name, "7e8f9a0b-1c2d-4e3f-9a4b-5c6d7e8f9a0b");
	assert_null(strstr(ra.scope, "/vaults/"));
	kvl_role_assignment_clear(&ra);
	json_object_put(list);
}

static void deleted_vault(void **state)
{
	json_object *obj = load_fixture("deleted_vault.json");
	struct kvl_deleted_vault v;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_arm_parse_deleted_vault(obj, &v, &err), KVL_OK);
	assert_string_equal(v.name, "kv-fabrikam-old");
	assert_string_equal(v.location, "northeurope");
	assert_non_null(strstr(v.vault_id,
			       "/resourceGroups/rg-fabrikam/providers/"
			       "Microsoft.KeyVault/vaults/kv-fabrikam-old"));
	assert_string_equal(v.deletion_date, "2025-11-20T09:15:00Z");
	assert_string_equal(v.scheduled_purge_date, "2026-02-18T09:15:00Z");
	assert_false(v.purge_protection);
	kvl_deleted_vault_clear(&v);
	json_object_put(obj);
}

/* Parses item index of the diagnostic settings fixture. */
static void parse_setting(json_object *list, size_t index,
			  struct kvl_diagnostic_setting *out)
{
	json_object *value = json_object_object_get(list, "value");
	struct kvl_error err;

	kvl_error_init(&err);
	assert_int_equal(kvl_arm_parse_diagnostic_setting(
				 json_object_array_get_idx(value, index), out,
				 &err),
			 KVL_OK);
}

static void diagnostic_settings_audit(void **state)
{
	json_object *list = load_fixture("diagnostic_settings.json");
	struct kvl_diagnostic_setting *v = calloc(3, sizeof(*v));

	(void)state;
	assert_non_null(v);
	/* AuditEvent switched off: a destination, but no audit log. */
	parse_setting(list, 0, &v[0]);
	assert_string_equal(v[0].name, "metrics-only");
	assert_true(v[0].has_destination);
	assert_false(v[0].audit_logs);
	/* allLogs, but an empty workspace id is no destination. */
	parse_setting(list, 1, &v[1]);
	assert_false(v[1].has_destination);
	assert_true(v[1].audit_logs);
	assert_false(kvl_diagnostic_settings_audit(v, 2));
	/* The audit category group to a storage account. */
	parse_setting(list, 2, &v[2]);
	assert_true(v[2].has_destination);
	assert_true(v[2].audit_logs);
	assert_true(kvl_diagnostic_settings_audit(v, 3));
	kvl_diagnostic_settings_free(v, 3);
	json_object_put(list);
}

/* Checks kvl_http_check on a fixture body with the given status. */
static void check_error_fixture(const char *name, long status,
				kvl_result expected, const char *code,
				const char *message_part)
{
	char *text = read_fixture(name);
	struct kvl_http_response resp = { .status = status, .body = text };
	struct kvl_error err;

	resp.body_len = strlen(text);
	kvl_error_init(&err);
	assert_int_equal(kvl_http_check(&resp, "test", &err), expected);
	assert_string_equal(err.azure_code, code);
	assert_non_null(err.azure_message);
	assert_non_null(strstr(err.azure_message, message_part));
	assert_int_equal(err.http_status, status);
	kvl_error_clear(&err);
	free(text);
}

static void service_error_envelopes(void **state)
{
	(void)state;
	check_error_fixture("arm_error_forbidden.json", 403,
			    KVL_ERR_FORBIDDEN, "AuthorizationFailed",
			    "Microsoft.Authorization/roleAssignments/write");
	/* Key Vault's inner code says which rule refused the call. */
	check_error_fixture("keyvault_error_firewall.json", 403,
			    KVL_ERR_FORBIDDEN, "Forbidden",
			    "ForbiddenByFirewall");
	check_error_fixture("graph_error_denied.json", 403,
			    KVL_ERR_FORBIDDEN, "Authorization_RequestDenied",
			    "Insufficient privileges");
}

static void graph_error_request_id(void **state)
{
	char *text = read_fixture("graph_error_denied.json");
	struct kvl_http_response resp = { .status = 403, .body = text };
	struct kvl_error err;

	(void)state;
	resp.body_len = strlen(text);
	kvl_error_init(&err);
	assert_int_equal(kvl_http_check(&resp, "find service principal", &err),
			 KVL_ERR_FORBIDDEN);
	/* Without a correlation header, Graph's request id is used. */
	assert_string_equal(err.correlation_id,
			    "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
	kvl_error_clear(&err);
	free(text);
}

static void service_principal_lists(void **state)
{
	json_object *found = load_fixture("sp_found.json");
	json_object *empty = load_fixture("sp_empty.json");
	struct kvl_service_principal sp;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_graph_parse_service_principals(found, &sp, &err),
			 KVL_OK);
	assert_string_equal(sp.object_id,
			    "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d");
	assert_string_equal(sp.app_id, KVL_CI_APP_ID);
	assert_string_equal(sp.display_name,
			    "Dynamics 365 AI for Customer Insights");
	kvl_service_principal_clear(&sp);

	assert_int_equal(kvl_graph_parse_service_principals(empty, &sp, &err),
			 KVL_ERR_NOT_FOUND);
	assert_null(sp.object_id);
	kvl_error_clear(&err);
	assert_int_equal(kvl_graph_parse_service_principals(NULL, &sp, &err),
			 KVL_ERR_PARSE);
	kvl_error_clear(&err);
	json_object_put(found);
	json_object_put(empty);
}

static void secret_list(void **state)
{
	json_object *list = load_fixture("secrets.json");
	struct kvl_secret_item s;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_kv_parse_secret_item(item_at(list, 0), &s, &err),
			 KVL_OK);
	assert_string_equal(s.name, "ci-storage-key");
	assert_string_equal(s.content_type, "text/plain");
	assert_true(s.enabled);
	assert_false(s.managed);
	assert_int_equal(s.expires, 0);
	assert_int_equal(s.not_before, 0);
	assert_true(s.created == 1767225600);
	assert_true(s.updated == 1767312000);
	kvl_secret_item_clear(&s);

	assert_int_equal(kvl_kv_parse_secret_item(item_at(list, 1), &s, &err),
			 KVL_OK);
	assert_string_equal(s.name, "old-password");
	assert_false(s.enabled);
	assert_null(s.content_type);
	kvl_secret_item_clear(&s);

	/* exp in 2100 is past 32 bits. */
	assert_int_equal(kvl_kv_parse_secret_item(item_at(list, 2), &s, &err),
			 KVL_OK);
	assert_true(s.expires == 4102444800LL);
	assert_true(s.not_before == 1767225600);
	kvl_secret_item_clear(&s);

	assert_int_equal(kvl_kv_parse_secret_item(item_at(list, 3), &s, &err),
			 KVL_OK);
	assert_string_equal(s.name, "tls-cert");
	assert_true(s.managed);
	assert_string_equal(s.content_type, "application/x-pkcs12");
	assert_int_equal(s.expires, 0);
	kvl_secret_item_clear(&s);

	assert_int_equal(kvl_kv_parse_secret_item(item_at(list, 4), &s, &err),
			 KVL_ERR_PARSE);
	kvl_error_clear(&err);
	json_object_put(list);
}

static void token_and_device_code(void **state)
{
	json_object *token = load_fixture("token_response.json");
	json_object *dc = load_fixture("device_code.json");

	(void)state;
	assert_non_null(kvl_json_str(token, "access_token"));
	assert_string_equal(kvl_json_str(token, "refresh_token"),
			    "0.AQEA-fixture-refresh-token");
	assert_true(kvl_json_int64(token, "expires_in", 0) == 3599);
	assert_string_equal(kvl_json_str(dc, "user_code"), "FQK7-2LPM");
	assert_string_equal(kvl_json_str(dc, "verification_uri"),
			    "https://microsoft.com/devicelogin");
	assert_true(kvl_json_int64(dc, "interval", 0) == 5);
	assert_true(kvl_json_int64(dc, "expires_in", 0) == 900);
	assert_non_null(strstr(kvl_json_str(dc, "message"), "FQK7-2LPM"));
	json_object_put(token);
	json_object_put(dc);
}

static void entra_error_response(void **state)
{
	char *text = read_fixture("entra_error.json");
	struct kvl_http_response resp = { .status = 400, .body = text };
	struct kvl_error err;

	(void)state;
	resp.body_len = strlen(text);
	kvl_error_init(&err);
	assert_int_equal(kvl_http_check(&resp, "sign in", &err), KVL_ERR_HTTP);
	assert_string_equal(err.azure_code, "invalid_grant");
	assert_non_null(strstr(err.azure_message, "AADSTS70043"));
	assert_null(strchr(err.azure_message, '\r'));
	assert_string_equal(err.correlation_id,
			    "2c3d4e5f-0000-4000-8000-000000000002");
	kvl_error_clear(&err);
	free(text);
}

static void cloud_profiles(void **state)
{
	char path[512];
	struct kvl_cloud cloud;
	struct kvl_error err;
	char *scope;

	(void)state;
	kvl_error_init(&err);
	snprintf(path, sizeof(path), "%s/cloud_valid.json", KVL_FIXTURES);
	assert_int_equal(kvl_cloud_load(path, &cloud, &err), KVL_OK);
	assert_string_equal(cloud.name, "Sandbox");
	assert_string_equal(cloud.authority_host,
			    "http://127.0.0.1:8443/login");
	assert_string_equal(cloud.resource_manager,
			    "https://management.example.test");
	assert_string_equal(cloud.key_vault_scope, "http://[::1]:9001/kv");
	assert_string_equal(cloud.tenant,
			    "72f988bf-0000-4000-8000-00000000a001");
	assert_string_equal(cloud.ca_bundle,
			    "/etc/ssl/certs/ca-certificates.crt");
	scope = kvl_cloud_vault_scope(&cloud);
	assert_string_equal(scope, "http://[::1]:9001/kv/.default");
	free(scope);
	kvl_cloud_clear(&cloud);

	snprintf(path, sizeof(path), "%s/cloud_http_remote.json",
		 KVL_FIXTURES);
	assert_int_equal(kvl_cloud_load(path, &cloud, &err), KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "resourceManager"));
	assert_null(cloud.authority_host);
	kvl_error_clear(&err);

	snprintf(path, sizeof(path), "%s/cloud_missing.json", KVL_FIXTURES);
	assert_int_equal(kvl_cloud_load(path, &cloud, &err), KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "resourceManager"));
	kvl_error_clear(&err);

	assert_int_equal(kvl_cloud_load("/nonexistent/cloud.json", &cloud,
					&err), KVL_ERR_INVALID);
	kvl_error_clear(&err);
}

/* A profile saved with a UTF-8 byte-order mark loads; a directory gets
 * a message that says so, not a JSON syntax error. */
static void cloud_profile_bom_and_dir(void **state)
{
	char src[512], path[] = "/tmp/kvlink-cloud-bom.XXXXXX";
	char body[4096];
	struct kvl_cloud cloud;
	struct kvl_error err;
	size_t len;
	FILE *in, *out;
	int fd;

	(void)state;
	kvl_error_init(&err);
	snprintf(src, sizeof(src), "%s/cloud_valid.json", KVL_FIXTURES);
	in = fopen(src, "r");
	assert_non_null(in);
	len = fread(body, 1, sizeof(body), in);
	fclose(in);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	out = fdopen(fd, "w");
	assert_non_null(out);
	fputs("\xef\xbb\xbf", out);
	fwrite(body, 1, len, out);
	fclose(out);

	assert_int_equal(kvl_cloud_load(path, &cloud, &err), KVL_OK);
	assert_string_equal(cloud.name, "Sandbox");
	kvl_cloud_clear(&cloud);
	unlink(path);

	assert_int_equal(kvl_cloud_load(KVL_FIXTURES, &cloud, &err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "Is a directory"));
	assert_null(strstr(err.message, "end of text"));
	kvl_error_clear(&err);
}

static void vault_uri_rules(void **state)
{
	struct kvl_cloud cloud;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_cloud_public(&cloud), KVL_OK);
	assert_true(kvl_cloud_vault_uri_allowed(&cloud,
		"https://kv-one.vault.azure.net/"));
	assert_true(kvl_cloud_vault_uri_allowed(&cloud,
		"https://KV-ONE.Vault.Azure.Net:443"));
	assert_false(kvl_cloud_vault_uri_allowed(&cloud,
		"https://kv-one.vault.azure.net.example.com/"));
	assert_false(kvl_cloud_vault_uri_allowed(&cloud,
		"https://evil.example/kv-one.vault.azure.net/"));
	assert_false(kvl_cloud_vault_uri_allowed(&cloud,
		"https://kv-one.vault.azure.net:8443/"));
	assert_false(kvl_cloud_vault_uri_allowed(&cloud,
		"https://x@kv-one.vault.azure.net/"));
	assert_false(kvl_cloud_vault_uri_allowed(&cloud,
		"https://vault.azure.net/"));
	assert_false(kvl_cloud_vault_uri_allowed(&cloud,
		"https://kv-one.vault.azure.net/secrets/"));
	assert_false(kvl_cloud_vault_uri_allowed(&cloud, NULL));
	kvl_cloud_clear(&cloud);

	/* Without either member the suffix comes from keyVaultScope. */
	assert_int_equal(kvl_cloud_parse("{\"authorityHost\":\"https://l\","
		"\"resourceManager\":\"https://m\",\"microsoftGraph\":"
		"\"https://g\",\"keyVaultScope\":\"https://vault.azure.cn\"}",
		"test", &cloud, &err), KVL_OK);
	assert_string_equal(cloud.key_vault_dns_suffix, ".vault.azure.cn");
	assert_true(kvl_cloud_vault_uri_allowed(&cloud,
		"https://kv.vault.azure.cn/"));
	assert_false(kvl_cloud_vault_uri_allowed(&cloud,
		"https://kv.vault.azure.net/"));
	kvl_cloud_clear(&cloud);

	assert_int_equal(kvl_cloud_parse("{\"authorityHost\":\"https://l\","
		"\"resourceManager\":\"https://m\",\"microsoftGraph\":"
		"\"https://g\",\"keyVaultScope\":\"http://127.0.0.1:9/kv\","
		"\"keyVaultUriPrefix\":\"http://127.0.0.1:9/kv\"}",
		"test", &cloud, &err), KVL_OK);
	assert_string_equal(cloud.key_vault_uri_prefix,
			    "http://127.0.0.1:9/kv/");
	assert_true(kvl_cloud_vault_uri_allowed(&cloud,
		"http://127.0.0.1:9/kv/kv-one/"));
	assert_true(kvl_cloud_vault_uri_allowed(&cloud,
		"http://127.0.0.1:9/kv/kv-one"));
	assert_false(kvl_cloud_vault_uri_allowed(&cloud,
		"http://127.0.0.1:10/kv/kv-one/"));
	assert_false(kvl_cloud_vault_uri_allowed(&cloud,
		"https://127.0.0.1:9/kv/kv-one/"));
	assert_false(kvl_cloud_vault_uri_allowed(&cloud,
		"http://127.0.0.1:9/kvx/kv-one/"));
	assert_false(kvl_cloud_vault_uri_allowed(&cloud,
		"http://127.0.0.1:9/kv/kv-one/secrets"));
	kvl_cloud_clear(&cloud);

	assert_int_equal(kvl_cloud_parse("{\"authorityHost\":\"https://l\","
		"\"resourceManager\":\"https://m\",\"microsoftGraph\":"
		"\"https://g\",\"keyVaultScope\":\"https://v\","
		"\"keyVaultDnsSuffix\":\".v\",\"keyVaultUriPrefix\":"
		"\"https://v/\"}", "test", &cloud, &err), KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "keep one"));
	assert_int_equal(kvl_cloud_parse("{\"authorityHost\":\"https://l\","
		"\"resourceManager\":\"https://m\",\"microsoftGraph\":"
		"\"https://g\",\"keyVaultScope\":\"https://v\","
		"\"keyVaultDnsSuffix\":\"vault/x\"}", "test", &cloud, &err),
		KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "keyVaultDnsSuffix"));
	kvl_error_clear(&err);
}

/* A profile's fixed members, followed by extra members. */
#define PROFILE_WITH(extra) "{\"authorityHost\":\"https://l\"," \
	"\"resourceManager\":\"https://m\",\"microsoftGraph\":" \
	"\"https://g\",\"keyVaultScope\":\"https://v\"" extra "}"

static void connection_targets(void **state)
{
	struct kvl_cloud cloud;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_cloud_parse(PROFILE_WITH(""), "test", &cloud,
					 &err), KVL_OK);
	assert_int_equal(cloud.n_connection_targets, 0);
	assert_null(kvl_cloud_connection_target(&cloud, "sendgrid"));
	kvl_cloud_clear(&cloud);

	assert_int_equal(kvl_cloud_parse(PROFILE_WITH(
		",\"connectionTargets\":{\"sendgrid\":"
		"\"http://127.0.0.1:9/vendor/sendgrid/\",\"klaviyo\":"
		"\"https://klaviyo.example.test\"}"), "test", &cloud, &err),
		KVL_OK);
	assert_int_equal(cloud.n_connection_targets, 2);
	assert_string_equal(kvl_cloud_connection_target(&cloud, "sendgrid"),
			    "http://127.0.0.1:9/vendor/sendgrid");
	assert_string_equal(kvl_cloud_connection_target(&cloud, "klaviyo"),
			    "https://klaviyo.example.test");
	assert_null(kvl_cloud_connection_target(&cloud, "omnisend"));
	kvl_cloud_clear(&cloud);

	/* Plain http only to loopback, no query, and strings only. */
	assert_int_equal(kvl_cloud_parse(PROFILE_WITH(
		",\"connectionTargets\":{\"sendgrid\":"
		"\"http://vendor.example.test/x\"}"), "test", &cloud, &err),
		KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "connectionTargets"));
	assert_non_null(strstr(err.message, "sendgrid"));
	assert_null(cloud.connection_targets);
	assert_int_equal(kvl_cloud_parse(PROFILE_WITH(
		",\"connectionTargets\":{\"sendgrid\":"
		"\"https://v.example.test/?key=1\"}"), "test", &cloud, &err),
		KVL_ERR_INVALID);
	assert_int_equal(kvl_cloud_parse(PROFILE_WITH(
		",\"connectionTargets\":{\"sendgrid\":7}"), "test", &cloud,
		&err), KVL_ERR_INVALID);
	assert_int_equal(kvl_cloud_parse(PROFILE_WITH(
		",\"connectionTargets\":[\"https://v.example.test\"]"),
		"test", &cloud, &err), KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "must be an object"));
	kvl_error_clear(&err);
}

static void url_origin_rules(void **state)
{
	(void)state;
	assert_true(kvl_url_same_origin("https://a.example/x",
					"HTTPS://A.Example:443/y?z"));
	assert_true(kvl_url_same_origin("http://127.0.0.1:8/a",
					"http://127.0.0.1:8/b"));
	assert_false(kvl_url_same_origin("http://127.0.0.1:8/a",
					 "http://127.0.0.1:9/a"));
	assert_false(kvl_url_same_origin("https://a.example/",
					 "http://a.example/"));
	assert_false(kvl_url_same_origin("https://a.example/",
					 "https://a.example:8443/"));
	assert_false(kvl_url_same_origin("https://a.example/",
					 "https://u@a.example/"));
	assert_false(kvl_url_same_origin("https://a.example/", "a.example"));
}

static void public_cloud_and_urls(void **state)
{
	struct kvl_cloud cloud;
	char *scope;

	(void)state;
	assert_int_equal(kvl_cloud_public(&cloud), KVL_OK);
	assert_string_equal(cloud.tenant, "organizations");
	assert_null(cloud.ca_bundle);
	scope = kvl_cloud_arm_scope(&cloud);
	assert_string_equal(scope, "https://management.azure.com/.default");
	free(scope);
	scope = kvl_cloud_vault_scope(&cloud);
	assert_string_equal(scope, "https://vault.azure.net/.default");
	free(scope);
	scope = kvl_cloud_graph_scope(&cloud);
	assert_string_equal(scope, "https://graph.microsoft.com/.default");
	free(scope);
	kvl_cloud_clear(&cloud);

	assert_true(kvl_url_allowed("https://management.azure.com/x"));
	assert_true(kvl_url_allowed("http://127.0.0.1:8080/arm"));
	assert_true(kvl_url_allowed("http://127.9.9.9/"));
	assert_true(kvl_url_allowed("http://LOCALHOST:1"));
	assert_true(kvl_url_allowed("http://[::1]:5/kv"));
	assert_false(kvl_url_allowed("http://example.com/"));
	assert_false(kvl_url_allowed("http://127.0.0.1@example.com/"));
	assert_false(kvl_url_allowed("http://127.0.0.1.example.com/"));
	assert_false(kvl_url_allowed("http://localhost.example.com/"));
	assert_false(kvl_url_allowed("http://10.0.0.1/"));
	assert_false(kvl_url_allowed("ftp://127.0.0.1/"));
	assert_false(kvl_url_allowed("https://"));
	assert_false(kvl_url_allowed("http://127.0.0.1:80x/"));
	assert_false(kvl_url_allowed(NULL));
}

static void json_helpers(void **state)
{
	struct kvl_error err;
	json_object *obj = NULL;
	char deep[200];
	const char *text = "{\"a\":{\"b.c\":{\"d\":7}},\"big\":4102444800,"
			   "\"f\":1.5e10,\"n\":null}";

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_json_parse(text, strlen(text), "test", &obj,
					&err), KVL_OK);
	assert_true(kvl_json_int64(obj, "a.b.c.d", 0) == 7);
	assert_true(kvl_json_int64(obj, "big", 0) == 4102444800LL);
	assert_true(kvl_json_int64(obj, "f", 0) == 15000000000LL);
	assert_true(kvl_json_int64(obj, "n", -1) == -1);
	assert_false(kvl_json_has(obj, "n"));
	assert_true(kvl_json_has(obj, "a.b.c"));
	assert_null(kvl_json_str(obj, "a.b.c.d"));
	assert_true(kvl_json_bool(obj, "missing", true));
	json_object_put(obj);

	assert_int_equal(kvl_json_parse("{\"a\":", 5, "half", &obj, &err),
			 KVL_ERR_PARSE);
	assert_non_null(strstr(err.message, "half"));
	kvl_error_clear(&err);
	assert_int_equal(kvl_json_parse("{} x", 4, "tail", &obj, &err),
			 KVL_ERR_PARSE);
	kvl_error_clear(&err);
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_int_equal(kvl_json_parse(deep, 200, "deep", &obj, &err),
			 KVL_ERR_PARSE);
	kvl_error_clear(&err);
}

/* Nesting up to the limit parses; one level more fails with a message
 * that names the limit. */
static void json_depth_limit(void **state)
{
	char text[2 * KVL_JSON_MAX_DEPTH + 2];
	struct kvl_error err;
	json_object *obj = NULL;
	size_t depth;

	(void)state;
	kvl_error_init(&err);
	depth = KVL_JSON_MAX_DEPTH - 1;
	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	assert_int_equal(kvl_json_parse(text, 2 * depth, "ok", &obj, &err),
			 KVL_OK);
	json_object_put(obj);

	depth = KVL_JSON_MAX_DEPTH + 1;
	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	assert_int_equal(kvl_json_parse(text, 2 * depth, "Azure's response",
					&obj, &err), KVL_ERR_PARSE);
	assert_null(obj);
	assert_non_null(strstr(err.message, "Azure's response nests"));
	assert_non_null(strstr(err.message, "deeper than 32 levels"));
	assert_non_null(strstr(err.message, "kvlink's limit"));
	kvl_error_clear(&err);
}

/* Reads "v" of text with kvl_json_int64_range from 1 to the year 9999. */
static kvl_result read_time(const char *text, int64_t *out,
			    struct kvl_error *err)
{
	json_object *obj = NULL;
	kvl_result res;

	*out = -7;
	assert_int_equal(kvl_json_parse(text, strlen(text), "test", &obj,
					err), KVL_OK);
	res = kvl_json_int64_range(obj, "v", "the test's v", 1,
				   KVL_JSON_MAX_UNIX_TIME, out, err);
	json_object_put(obj);
	return res;
}

/* 2100-01-01 is past 32 bits and must come through in each form. */
static void json_time_past_32_bits(void **state)
{
	static const char *const forms[] = {
		"{\"v\":4102444800}", "{\"v\":\"4102444800\"}",
		"{\"v\":4.1024448e9}",
	};
	struct kvl_error err;
	int64_t v;

	(void)state;
	kvl_error_init(&err);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		assert_int_equal(read_time(forms[i], &v, &err), KVL_OK);
		assert_true(v == INT64_C(4102444800));
		assert_null(err.message);
	}
	assert_int_equal(read_time("{\"v\":253402300799}", &v, &err), KVL_OK);
	assert_true(v == KVL_JSON_MAX_UNIX_TIME);

	assert_int_equal(read_time("{}", &v, &err), KVL_ERR_NOT_FOUND);
	assert_int_equal(read_time("{\"v\":null}", &v, &err),
			 KVL_ERR_NOT_FOUND);
	assert_true(v == -7);
	assert_null(err.message);
	kvl_error_clear(&err);
}

/* Values that are no time up to the year 9999 fail, naming the value,
 * the field and the limit. */
static void json_time_absurd_rejected(void **state)
{
	static const struct {
		const char *text;
		const char *excerpt;
	} cases[] = {
		{ "{\"v\":253402300800}", "253402300800" },
		{ "{\"v\":0}", "0" },
		{ "{\"v\":-4102444800}", "-4102444800" },
		{ "{\"v\":9223372036854775807}", "9223372036854775807" },
		/* json-c shows these in its own way. */
		{ "{\"v\":99999999999999999999}", "" },
		{ "{\"v\":1e400}", "" },
		{ "{\"v\":\"99999999999999999999\"}", "99999999999999999999" },
		{ "{\"v\":4102444800.5}", "4102444800.5" },
		{ "{\"v\":\"4102444800 \"}", "4102444800 " },
		{ "{\"v\":\"0x10\"}", "0x10" },
		{ "{\"v\":\"\"}", "\"\"" },
		{ "{\"v\":true}", "true" },
		{ "{\"v\":\"\\u001b[2J\"}", "[2J" },
	};
	struct kvl_error err;
	int64_t v;

	(void)state;
	kvl_error_init(&err);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(read_time(cases[i].text, &v, &err),
				 KVL_ERR_PARSE);
		assert_true(v == -7);
		assert_non_null(strstr(err.message, "the test's v is "));
		assert_non_null(strstr(err.message, cases[i].excerpt));
		assert_non_null(strstr(err.message, "from 1 to 253402300799, "
					"kvlink's limit"));
		assert_null(strchr(err.message, '\033'));
		kvl_error_clear(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_path_key_lengths),
		cmocka_unit_test(subscription_list),
		cmocka_unit_test(resource_group_list),
		cmocka_unit_test(vault_access_policy),
		cmocka_unit_test(vault_rbac_firewalled),
		cmocka_unit_test(vault_list_next_link),
		cmocka_unit_test(permissions_contributor_uaa),
		cmocka_unit_test(wildcard_rules),
		cmocka_unit_test(region_equality),
		cmocka_unit_test(role_assignment_created),
		cmocka_unit_test(role_assignment_exists),
		cmocka_unit_test(role_assignment_list),
		cmocka_unit_test(deleted_vault),
		cmocka_unit_test(diagnostic_settings_audit),
		cmocka_unit_test(service_error_envelopes),
		cmocka_unit_test(graph_error_request_id),
		cmocka_unit_test(service_principal_lists),
		cmocka_unit_test(secret_list),
		cmocka_unit_test(token_and_device_code),
		cmocka_unit_test(entra_error_response),
		cmocka_unit_test(cloud_profiles),
		cmocka_unit_test(cloud_profile_bom_and_dir),
		cmocka_unit_test(public_cloud_and_urls),
		cmocka_unit_test(vault_uri_rules),
		cmocka_unit_test(connection_targets),
		cmocka_unit_test(url_origin_rules),
		cmocka_unit_test(json_helpers),
		cmocka_unit_test(json_depth_limit),
		cmocka_unit_test(json_time_past_32_bits),
		cmocka_unit_test(json_time_absurd_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
