/* The environment's service identity: JSON, sealing and opening. */
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
#include <json-c/json.h>

#include "core/crypto.h"
#include "env/connections.h"
#include "env/envstore.h"
#include "env/identity.h"

#define ENV_ID "e0000000-0000-4000-8000-000000000001"
#define CLIENT_ID "0bfc4568-a4ba-4c58-bd3e-5d3e76bd7fff"
#define SECRET "unit-test-client-secret"

static int make_dir(void **state)
{
	char *dir = strdup("/tmp/kvl-identity-XXXXXX");

	if (dir == NULL || mkdtemp(dir) == NULL)
		return -1;
	*state = dir;
	return 0;
}

static int remove_dir(void **state)
{
	char *dir = *state, path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, KVL_CREDENTIALS_KEY_FILE);
	unlink(path);
	rmdir(dir);
	free(dir);
	return 0;
}

static struct kvl_env_identity *secret_identity(const char *dir)
{
	struct kvl_env_identity *id = calloc(1, sizeof(*id));
	struct kvl_error err;

	kvl_error_init(&err);
	id->kind = KVL_CREDENTIAL_CLIENT_SECRET;
	id->tenant_id = strdup("72f988bf-0000-4000-8000-00000000a001");
	id->client_id = strdup(CLIENT_ID);
	assert_int_equal(kvl_env_identity_seal(dir, ENV_ID, id, SECRET,
					       strlen(SECRET), &err), KVL_OK);
	kvl_error_clear(&err);
	return id;
}

static void test_sealed_secret_round_trip(void **state)
{
	const char *dir = *state;
	struct kvl_env_identity *id = secret_identity(dir), *back = NULL;
	struct kvl_credential cred;
	struct kvl_error err;
	json_object *obj = kvl_env_identity_to_json(id);
	const char *text = json_object_to_json_string(obj);

	kvl_error_init(&err);
	assert_null(strstr(text, SECRET));
	assert_non_null(strstr(text, "sealedClientSecret"));
	assert_int_equal(kvl_env_identity_from_json(obj, &back, &err), KVL_OK);
	assert_int_equal(back->kind, KVL_CREDENTIAL_CLIENT_SECRET);
	assert_string_equal(back->client_id, CLIENT_ID);
	assert_int_equal(kvl_env_identity_credential(dir, ENV_ID, back, &cred,
						     &err), KVL_OK);
	assert_string_equal(cred.client_secret, SECRET);
	assert_string_equal(cred.client_id, CLIENT_ID);
	assert_string_equal(cred.tenant,
			    "72f988bf-0000-4000-8000-00000000a001");
	kvl_credential_clear(&cred);
	kvl_env_identity_free(back);
	kvl_env_identity_free(id);
	json_object_put(obj);
	kvl_error_clear(&err);
}

static void test_sealed_secret_bound(void **state)
{
	const char *dir = *state;
	struct kvl_env_identity *id = secret_identity(dir);
	struct kvl_credential cred;
	struct kvl_error err;

	kvl_error_init(&err);
	/* Another environment id is other authenticated data. */
	assert_int_not_equal(kvl_env_identity_credential(
		dir, "e0000000-0000-4000-8000-000000000002", id, &cred, &err),
		KVL_OK);
	assert_null(cred.client_secret);
	assert_non_null(strstr(err.message, "kvlink env identity set"));
	kvl_error_clear(&err);

	/* So is another client id. */
	free(id->client_id);
	id->client_id = strdup("11111111-0000-4000-8000-000000000001");
	assert_int_not_equal(kvl_env_identity_credential(dir, ENV_ID, id,
							 &cred, &err),
			     KVL_OK);
	kvl_error_clear(&err);
	kvl_env_identity_free(id);
}

static kvl_result parse_text(const char *text, struct kvl_env_identity **id,
			     struct kvl_error *err)
{
	json_object *obj = json_tokener_parse(text);
	kvl_result r;

	assert_non_null(obj);
	r = kvl_env_identity_from_json(obj, id, err);
	json_object_put(obj);
	return r;
}

static void test_incomplete_identity_rejected(void **state)
{
	static const char *const cases[][2] = {
		{ "{\"kind\":\"password\"}", "password" },
		{ "{\"tenantId\":\"t\"}", "kind" },
		{ "{\"kind\":\"certificate\",\"tenantId\":\"t\","
		  "\"clientId\":\"c\"}", "certificatePath" },
		{ "{\"kind\":\"clientSecret\",\"tenantId\":\"t\","
		  "\"clientId\":\"c\"}", "sealedClientSecret" },
		{ "{\"kind\":\"certificate\",\"certificatePath\":\"/x\"}",
		  "tenantId" },
		{ "[1]", "not an object" },
	};
	struct kvl_env_identity *id = NULL;
	struct kvl_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kvl_error_init(&err);
		assert_int_equal(parse_text(cases[i][0], &id, &err),
				 KVL_ERR_PARSE);
		assert_null(id);
		assert_non_null(strstr(err.message, cases[i][1]));
		kvl_error_clear(&err);
	}
}

static void test_managed_identity_optional_id(void **state)
{
	struct kvl_env_identity *id = NULL;
	struct kvl_credential cred;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(parse_text("{\"kind\":\"managedIdentity\"}", &id,
				    &err), KVL_OK);
	assert_int_equal(id->kind, KVL_CREDENTIAL_MANAGED_IDENTITY);
	assert_null(id->client_id);
	assert_int_equal(kvl_env_identity_credential("/nonexistent", ENV_ID,
						     id, &cred, &err), KVL_OK);
	assert_int_equal(cred.kind, KVL_CREDENTIAL_MANAGED_IDENTITY);
	assert_null(cred.client_id);
	assert_null(cred.client_secret);
	kvl_credential_clear(&cred);
	kvl_env_identity_free(id);
	kvl_error_clear(&err);
}

static void test_environment_keeps_identity(void **state)
{
	struct kvl_environment env = { 0 };
	struct kvl_error err;
	json_object *doc, *again;

	(void)state;
	kvl_error_init(&err);
	doc = json_tokener_parse(
		"{\"format\":1,\"id\":\"" ENV_ID "\",\"displayName\":\"E\","
		"\"region\":\"westeurope\",\"revision\":3,\"users\":[],"
		"\"keyVault\":null,\"connections\":[],\"serviceIdentity\":"
		"{\"kind\":\"certificate\",\"tenantId\":\"t\",\"clientId\":"
		"\"c\",\"certificatePath\":\"/etc/app.pem\"}}");
	assert_non_null(doc);
	assert_int_equal(kvl_env_from_json(doc, &env, &err), KVL_OK);
	assert_non_null(env.service_identity);
	assert_string_equal(env.service_identity->certificate_path,
			    "/etc/app.pem");
	again = kvl_env_to_json(&env);
	assert_string_equal(json_object_get_string(json_object_object_get(
		json_object_object_get(again, "serviceIdentity"), "kind")),
		"certificate");
	json_object_put(again);
	json_object_put(doc);
	kvl_env_clear(&env);
	assert_null(env.service_identity);
	kvl_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sealed_secret_round_trip,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_sealed_secret_bound,
						make_dir, remove_dir),
		cmocka_unit_test(test_incomplete_identity_rejected),
		cmocka_unit_test(test_managed_identity_optional_id),
		cmocka_unit_test(test_environment_keeps_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
