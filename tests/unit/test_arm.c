/*
 * Resource Manager, Graph and Key Vault calls through kvl_azure against a
 * scripted server on 127.0.0.1 that also serves the token requests of a
 * service principal sign-in.
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
#include "core/azure.h"
#include "core/graph.h"
#include "core/jsonutil.h"
#include "core/keyvault.h"
#include "mock_azure.h"
#include "mock_server.h"

#define SUB "5f1c3a2e-8d4b-4c6a-9e0f-1a2b3c4d5e6f"
#define VAULT_ID "/subscriptions/" SUB "/resourceGroups/rg-a/providers/" \
	"Microsoft.KeyVault/vaults/kv-one"
#define PRINCIPAL "6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c"
#define JWT_APP "eyJhbGciOiJub25lIn0." \
	"eyJvaWQiOiJiMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwYjIiLCJ0" \
	"aWQiOiJ0LXNwIiwiYXBwaWQiOiJhcHAtMSIsImlkdHlwIjoiYXBwIiwiZXhwIjo0" \
	"MTAyNDQ0ODAwfQ.c2ln"

struct fake_azure {
	struct mock_server *server;
	int principal_missing;	/* PUTs answered PrincipalNotFound first */
	bool assignment_exists;
	int delete_status;
	char body[2048];
	char dir[64];
	struct kvl_azure az;
};

static void reply_json(struct fake_azure *f, int status,
		       struct mock_reply *reply)
{
	*reply = (struct mock_reply){ status, f->body, NULL, NULL };
}

static void serve_role_assignment(struct fake_azure *f,
				  const struct mock_request *r,
				  struct mock_reply *reply)
{
	if (strcmp(r->method, "DELETE") == 0) {
		strcpy(f->body, "");
		reply_json(f, f->delete_status, reply);
	} else if (f->principal_missing > 0) {
		f->principal_missing--;
		strcpy(f->body, "{\"error\":{\"code\":\"PrincipalNotFound\","
		       "\"message\":\"Principal does not exist.\"}}");
		reply_json(f, 400, reply);
	} else if (f->assignment_exists) {
		strcpy(f->body, "{\"error\":{\"code\":\"RoleAssignmentExists\","
		       "\"message\":\"The role assignment already exists. The "
		       "ID of the existing role assignment is "
		       "0E1D2C3B4A5948678F7E6D5C4B3A2918.\"}}");
		reply_json(f, 409, reply);
	} else {
		snprintf(f->body, sizeof(f->body),
			 "{\"id\":\"%.*s\",\"name\":\"n\"}",
			 (int)strcspn(r->target + 4, "?"), r->target + 4);
		reply_json(f, 201, reply);
	}
}

static void serve_lists(struct fake_azure *f, const struct mock_request *r,
			struct mock_reply *reply)
{
	const char *base = mock_base(f->server);

	if (strstr(r->target, "/vaults?") && !strstr(r->target, "page=2"))
		snprintf(f->body, sizeof(f->body),
			 "{\"value\":[{\"id\":\"%s\",\"name\":\"kv-one\"}],"
			 "\"nextLink\":\"%s/arm/subscriptions/%s/providers/"
			 "Microsoft.KeyVault/vaults?page=2\"}", VAULT_ID, base,
			 SUB);
	else if (strstr(r->target, "/vaults?"))
		snprintf(f->body, sizeof(f->body),
			 "{\"value\":[{\"id\":\"/subscriptions/%s/resource"
			 "Groups/rg-b/providers/Microsoft.KeyVault/vaults/"
			 "kv-two\"},{\"bad\":1}]}", SUB);
	else if (strncmp(r->target, "/kv/kv-one/secrets/pw?", 22) == 0)
		snprintf(f->body, sizeof(f->body),
			 "{\"value\":\"pa\\u0073s w\",\"id\":"
			 "\"%s/kv/kv-one/secrets/pw/1\"}", base);
	else if (strncmp(r->target, "/kv/kv-one/secrets/bare?", 24) == 0)
		strcpy(f->body, "{\"id\":\"bare\"}");
	else if (strstr(r->target, "/secrets?") &&
		 !strstr(r->target, "skip"))
		snprintf(f->body, sizeof(f->body),
			 "{\"value\":[{\"id\":\"%s/kv/kv-one/secrets/a\"}],"
			 "\"nextLink\":\"%s/kv/kv-one/secrets?skip=1\"}",
			 base, base);
	else if (strstr(r->target, "/secrets?"))
		snprintf(f->body, sizeof(f->body),
			 "{\"value\":[{\"id\":\"%s/kv/kv-one/secrets/b\","
			 "\"attributes\":{\"enabled\":false}}]}", base);
	else if (strstr(r->target, "appId eq '" KVL_CI_APP_ID "'"))
		strcpy(f->body, "{\"value\":[{\"id\":\"sp-object\",\"appId\":"
		       "\"" KVL_CI_APP_ID "\",\"displayName\":\"CI\"}]}");
	else if (strstr(r->target, "/servicePrincipals?"))
		strcpy(f->body, "{\"value\":[]}");
	else
		strcpy(f->body, "{}");
	reply_json(f, 200, reply);
}

static void serve_missing_secret(struct fake_azure *f,
				 struct mock_reply *reply)
{
	strcpy(f->body, "{\"error\":{\"code\":\"SecretNotFound\","
	       "\"message\":\"A secret with (name/id) gone was not "
	       "found in this key vault.\"}}");
	reply_json(f, 404, reply);
}

static void serve_azure(void *ctx, size_t index,
			const struct mock_request *r,
			struct mock_reply *reply)
{
	struct fake_azure *f = ctx;

	(void)index;
	if (strncmp(r->target, "/login/", 7) == 0) {
		strcpy(f->body, "{\"token_type\":\"Bearer\",\"expires_in\":"
		       "3599,\"access_token\":\"" JWT_APP "\"}");
		reply_json(f, 200, reply);
	} else if (strncmp(r->target, "/kv/kv-one/secrets/gone?", 24) == 0) {
		serve_missing_secret(f, reply);
	} else if (strstr(r->target, "/roleAssignments/") != NULL) {
		serve_role_assignment(f, r, reply);
	} else {
		serve_lists(f, r, reply);
	}
}

static int setup(void **state)
{
	struct fake_azure *f = calloc(1, sizeof(*f));

	f->delete_status = 204;
	f->server = mock_start(serve_azure, f);
	if (f->server == NULL ||
	    mock_azure_init(&f->az, f->dir, f->server) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake_azure *f = *state;

	mock_azure_clear(&f->az, f->dir);
	mock_stop(f->server);
	free(f);
	return 0;
}

static json_object *request_json(struct fake_azure *f, size_t index)
{
	struct mock_request *r = mock_request_at(f->server, index);
	json_object *obj = json_tokener_parse(r->body);

	mock_request_free(r);
	assert_non_null(obj);
	return obj;
}

static char *request_target(struct fake_azure *f, size_t index)
{
	struct mock_request *r = mock_request_at(f->server, index);
	char *target = strdup(r->target);

	mock_request_free(r);
	return target;
}

static void role_assignment_created(void **state)
{
	struct fake_azure *f = *state;
	size_t first = mock_count(f->server);
	json_object *body;
	char *id = NULL, *target;
	bool existing = true;
	struct kvl_error err;

	f->principal_missing = 2;
	kvl_error_init(&err);
	assert_int_equal(kvl_arm_create_role_assignment(
				 &f->az, VAULT_ID,
				 "11111111-2222-4333-8444-555555555555",
				 KVL_ROLE_KEY_VAULT_SECRETS_USER, PRINCIPAL,
				 &id, &existing, &err), KVL_OK);
	assert_false(existing);
	assert_int_equal(mock_count(f->server), first + 3);
	assert_string_equal(id, VAULT_ID "/providers/Microsoft.Authorization/"
			    "roleAssignments/11111111-2222-4333-8444-"
			    "555555555555");

	target = request_target(f, first);
	assert_string_equal(target, "/arm" VAULT_ID "/providers/Microsoft."
			    "Authorization/roleAssignments/11111111-2222-4333-"
			    "8444-555555555555?api-version=2022-04-01");
	body = request_json(f, first);
	assert_string_equal(kvl_json_str(body, "properties.roleDefinitionId"),
			    "/subscriptions/" SUB "/providers/Microsoft."
			    "Authorization/roleDefinitions/"
			    KVL_ROLE_KEY_VAULT_SECRETS_USER);
	assert_string_equal(kvl_json_str(body, "properties.principalId"),
			    PRINCIPAL);
	assert_string_equal(kvl_json_str(body, "properties.principalType"),
			    "ServicePrincipal");

	json_object_put(body);
	free(target);
	free(id);
	kvl_error_clear(&err);
}

static void role_assignment_exists(void **state)
{
	struct fake_azure *f = *state;
	char *id = NULL;
	bool existing = false;
	struct kvl_error err;

	f->assignment_exists = true;
	kvl_error_init(&err);
	assert_int_equal(kvl_arm_create_role_assignment(
				 &f->az, VAULT_ID, "name-1",
				 KVL_ROLE_KEY_VAULT_READER, PRINCIPAL, &id,
				 &existing, &err), KVL_OK);
	assert_true(existing);
	assert_string_equal(id, VAULT_ID "/providers/Microsoft.Authorization/"
			    "roleAssignments/0e1d2c3b-4a59-4867-8f7e-"
			    "6d5c4b3a2918");
	assert_null(err.message);
	free(id);
}

static void principal_never_found(void **state)
{
	struct fake_azure *f = *state;
	size_t first = mock_count(f->server);
	char *id = NULL;
	bool existing = false;
	struct kvl_error err;

	f->principal_missing = 100;
	kvl_error_init(&err);
	assert_int_equal(kvl_arm_create_role_assignment(
				 &f->az, VAULT_ID, "name-2",
				 KVL_ROLE_KEY_VAULT_READER, PRINCIPAL, &id,
				 &existing, &err), KVL_ERR_HTTP);
	assert_null(id);
	assert_string_equal(err.azure_code, "PrincipalNotFound");
	assert_int_equal(mock_count(f->server), first + 7);
	kvl_error_clear(&err);
}

static void role_assignment_delete(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_error err;

	kvl_error_init(&err);
	assert_int_equal(kvl_arm_delete_role_assignment(&f->az, VAULT_ID
				"/providers/Microsoft.Authorization/"
				"roleAssignments/x", &err), KVL_OK);
	f->delete_status = 404;
	assert_int_equal(kvl_arm_delete_role_assignment(&f->az, VAULT_ID
				"/providers/Microsoft.Authorization/"
				"roleAssignments/x", &err), KVL_OK);
	f->delete_status = 403;
	assert_int_equal(kvl_arm_delete_role_assignment(&f->az, VAULT_ID
				"/providers/Microsoft.Authorization/"
				"roleAssignments/x", &err), KVL_ERR_FORBIDDEN);
	kvl_error_clear(&err);
	assert_int_equal(kvl_arm_delete_role_assignment(&f->az, "not-an-id",
							&err), KVL_ERR_INVALID);
	kvl_error_clear(&err);
}

static void access_policy_body(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_vault vault = { .id = VAULT_ID, .name = "kv-one",
				   .tenant_id = "vault-tenant" };
	size_t first = mock_count(f->server);
	json_object *body, *policies, *entry, *perms;
	struct kvl_error err;
	char *target;

	kvl_error_init(&err);
	assert_int_equal(kvl_arm_add_access_policy(&f->az, &vault, PRINCIPAL,
						   &err), KVL_OK);
	assert_int_equal(kvl_arm_remove_access_policy(&f->az, &vault,
						      PRINCIPAL, &err), KVL_OK);
	target = request_target(f, first);
	assert_string_equal(target, "/arm" VAULT_ID "/accessPolicies/add"
			    "?api-version=2024-11-01");
	free(target);
	target = request_target(f, first + 1);
	assert_non_null(strstr(target, "/accessPolicies/remove?"));
	free(target);

	body = request_json(f, first);
	policies = kvl_json_path(body, "properties.accessPolicies");
	entry = json_object_array_get_idx(policies, 0);
	assert_int_equal(json_object_array_length(policies), 1);
	assert_string_equal(kvl_json_str(entry, "tenantId"), "vault-tenant");
	assert_string_equal(kvl_json_str(entry, "objectId"), PRINCIPAL);
	assert_false(kvl_json_has(entry, "applicationId"));
	perms = kvl_json_path(entry, "permissions");
	assert_string_equal(json_object_to_json_string_ext(
				    perms, JSON_C_TO_STRING_PLAIN),
			    "{\"keys\":[\"get\",\"list\"],\"secrets\":"
			    "[\"get\",\"list\"],\"certificates\":[\"get\","
			    "\"list\"]}");
	json_object_put(body);
	kvl_error_clear(&err);
}

static void vault_list_pages(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_vault *vaults = NULL;
	struct kvl_error err;
	char *target;
	size_t n = 0, first = mock_count(f->server);

	kvl_error_init(&err);
	assert_int_equal(kvl_arm_list_vaults(&f->az, SUB, NULL, &vaults, &n,
					     &err), KVL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(vaults[0].name, "kv-one");
	assert_string_equal(vaults[1].name, "kv-two");
	assert_string_equal(vaults[1].resource_group, "rg-b");
	target = request_target(f, first);
	assert_string_equal(target, "/arm/subscriptions/" SUB "/providers/"
			    "Microsoft.KeyVault/vaults?api-version=2024-11-01");
	free(target);
	kvl_vaults_free(vaults, n);
	kvl_error_clear(&err);
}

static void graph_finds_principal(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_service_principal sp;
	struct kvl_error err;
	char *target;
	size_t first = mock_count(f->server);

	kvl_error_init(&err);
	assert_int_equal(kvl_graph_find_service_principal(
				 &f->az, NULL, KVL_CI_APP_ID, &sp, &err),
			 KVL_OK);
	assert_string_equal(sp.object_id, "sp-object");
	assert_string_equal(sp.display_name, "CI");
	/* One token request for Graph, then the lookup itself. */
	target = request_target(f, first + 1);
	assert_string_equal(target, "/graph/v1.0/servicePrincipals?$filter="
			    "appId eq '" KVL_CI_APP_ID "'&$select=id,appId,"
			    "displayName");
	free(target);
	kvl_service_principal_clear(&sp);

	assert_int_equal(kvl_graph_find_service_principal(
				 &f->az, NULL, "00000000-0000-4000-8000-"
				 "000000000000", &sp, &err), KVL_ERR_NOT_FOUND);
	assert_non_null(strstr(err.message, "no service principal"));
	kvl_error_clear(&err);
	assert_int_equal(kvl_graph_find_service_principal(
				 &f->az, NULL, "x' or 1 eq 1", &sp, &err),
			 KVL_ERR_INVALID);
	kvl_error_clear(&err);
}

static void secrets_follow_next_link(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_secret_item *items = NULL;
	struct kvl_error err;
	char *uri = NULL, *target;
	size_t n = 0, first = mock_count(f->server);

	kvl_error_init(&err);
	assert_true(asprintf(&uri, "%s/kv/kv-one/", mock_base(f->server)) > 0);
	assert_int_equal(kvl_kv_list_secrets(&f->az, uri, "vault-tenant",
					     &items, &n, &err), KVL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(items[0].name, "a");
	assert_true(items[0].enabled);
	assert_string_equal(items[1].name, "b");
	assert_false(items[1].enabled);
	target = request_target(f, first);
	assert_string_equal(target, "/login/vault-tenant/oauth2/v2.0/token");
	free(target);
	target = request_target(f, first + 1);
	assert_string_equal(target, "/kv/kv-one/secrets?api-version=7.5&"
			    "maxresults=25");
	free(target);
	kvl_secret_items_free(items, n);
	free(uri);

	assert_int_equal(kvl_kv_list_secrets(&f->az, "http://kv.example/",
					     NULL, &items, &n, &err),
			 KVL_ERR_INVALID);
	kvl_error_clear(&err);
}

/* A vault URI outside the profile's keyVaultUriPrefix gets no token,
 * even on loopback. */
static void secrets_foreign_vault_uri(void **state)
{
	static const char *const paths[] = {
		"/other/kv-one/", "/kv/kv-one/extra/", "/kv/", "/kv/a?x=1",
	};
	struct fake_azure *f = *state;
	struct kvl_secret_item *items = NULL;
	struct kvl_error err;
	size_t i, n = 0, first = mock_count(f->server);
	char *uri = NULL;

	kvl_error_init(&err);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_true(asprintf(&uri, "%s%s", mock_base(f->server),
				     paths[i]) > 0);
		assert_int_equal(kvl_kv_list_secrets(&f->az, uri, NULL,
						     &items, &n, &err),
				 KVL_ERR_INVALID);
		assert_non_null(strstr(err.message, "no Key Vault token"));
		free(uri);
		kvl_error_clear(&err);
	}
	assert_int_equal(kvl_kv_list_secrets(&f->az,
					     "http://127.0.0.1:1/kv/kv-one/",
					     NULL, &items, &n, &err),
			 KVL_ERR_INVALID);
	kvl_error_clear(&err);
	assert_int_equal(mock_count(f->server), first);
}

static void secret_value_read(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_secret_value value = { NULL, 0 };
	struct kvl_error err;
	char *uri = NULL, *target;
	size_t first = mock_count(f->server);

	kvl_error_init(&err);
	assert_true(asprintf(&uri, "%s/kv/kv-one", mock_base(f->server)) > 0);
	assert_int_equal(kvl_kv_get_secret_value(&f->az, uri, NULL, "pw",
						 &value, &err), KVL_OK);
	assert_string_equal(value.data, "pass w");
	assert_int_equal(value.len, 6);
	target = request_target(f, first + 1);
	assert_string_equal(target, "/kv/kv-one/secrets/pw?api-version=7.5");
	free(target);
	kvl_secret_value_clear(&value);
	assert_null(value.data);
	assert_int_equal(value.len, 0);
	kvl_secret_value_clear(&value);

	assert_int_equal(kvl_kv_get_secret_value(&f->az, uri, NULL, "gone",
						 &value, &err),
			 KVL_ERR_NOT_FOUND);
	assert_non_null(strstr(err.azure_code, "SecretNotFound"));
	assert_null(value.data);
	kvl_error_clear(&err);

	assert_int_equal(kvl_kv_get_secret_value(&f->az, uri, NULL, "bare",
						 &value, &err),
			 KVL_ERR_PARSE);
	assert_null(value.data);
	kvl_error_clear(&err);
	free(uri);
}

/* A name that is not a secret name, or a vault URI the profile does not
 * allow, is rejected before any request. */
static void secret_value_rejected(void **state)
{
	static const char *const names[] = { "", "a/b", "a?x=1", "x..y" };
	struct fake_azure *f = *state;
	struct kvl_secret_value value = { NULL, 0 };
	struct kvl_error err;
	size_t i, first = mock_count(f->server);
	char *uri = NULL;

	kvl_error_init(&err);
	assert_true(asprintf(&uri, "%s/kv/kv-one/", mock_base(f->server)) > 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(kvl_kv_get_secret_value(&f->az, uri, NULL,
							 names[i], &value,
							 &err),
				 KVL_ERR_INVALID);
		assert_null(value.data);
		kvl_error_clear(&err);
	}
	assert_int_equal(kvl_kv_get_secret_value(&f->az, "http://kv.example/",
						 NULL, "pw", &value, &err),
			 KVL_ERR_INVALID);
	kvl_error_clear(&err);
	assert_int_equal(mock_count(f->server), first);
	free(uri);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(role_assignment_created),
		T(role_assignment_exists),
		T(principal_never_found),
		T(role_assignment_delete),
		T(access_policy_body),
		T(vault_list_pages),
		T(graph_finds_principal),
		T(secrets_follow_next_link),
		T(secrets_foreign_vault_uri),
		T(secret_value_read),
		T(secret_value_rejected),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
