/*
 * Azure's conventions without the network: the built-in clouds, how
 * --cloud and az CLI's configuration choose one, and az CLI's
 * azureProfile.json. Every test works in its own temporary
 * AZURE_CONFIG_DIR.
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

#include "core/azcli.h"
#include "core/cloud.h"

struct fixture {
	char dir[64];
};

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/kvl-azcli.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	setenv("AZURE_CONFIG_DIR", f->dir, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[256];
	const char *names[] = { "config", "azureProfile.json", NULL };

	for (int i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
		unlink(path);
	}
	rmdir(f->dir);
	unsetenv("AZURE_CONFIG_DIR");
	free(f);
	return 0;
}

/* Endpoints as Microsoft documents them for each national cloud. */
static void builtin_tables(void **state)
{
	const struct kvl_cloud_builtin *b;

	(void)state;
	b = kvl_cloud_builtin_find("AzureCloud");
	assert_non_null(b);
	assert_string_equal(b->authority_host,
			    "https://login.microsoftonline.com");
	assert_string_equal(b->resource_manager,
			    "https://management.azure.com");
	assert_string_equal(b->microsoft_graph, "https://graph.microsoft.com");
	assert_string_equal(b->key_vault_scope, "https://vault.azure.net");
	assert_string_equal(b->key_vault_dns_suffix, ".vault.azure.net");

	b = kvl_cloud_builtin_find("AzureUSGovernment");
	assert_non_null(b);
	assert_string_equal(b->authority_host,
			    "https://login.microsoftonline.us");
	assert_string_equal(b->resource_manager,
			    "https://management.usgovcloudapi.net");
	assert_string_equal(b->microsoft_graph, "https://graph.microsoft.us");
	assert_string_equal(b->key_vault_scope,
			    "https://vault.usgovcloudapi.net");
	assert_string_equal(b->key_vault_dns_suffix,
			    ".vault.usgovcloudapi.net");

	b = kvl_cloud_builtin_find("azurechinacloud");
	assert_non_null(b);
	assert_string_equal(b->name, "AzureChinaCloud");
	assert_string_equal(b->authority_host,
			    "https://login.chinacloudapi.cn");
	assert_string_equal(b->resource_manager,
			    "https://management.chinacloudapi.cn");
	assert_string_equal(b->microsoft_graph,
			    "https://microsoftgraph.chinacloudapi.cn");
	assert_string_equal(b->key_vault_scope, "https://vault.azure.cn");
	assert_string_equal(b->key_vault_dns_suffix, ".vault.azure.cn");

	assert_null(kvl_cloud_builtin_find("AzureGermanCloud"));
	assert_null(kvl_cloud_builtin_at(3));
	assert_string_equal(kvl_cloud_builtin_names(),
			    "AzureCloud, AzureUSGovernment, AzureChinaCloud");
}

/* A built-in cloud becomes a profile with its scopes and vault rule. */
static void builtin_profile_scopes(void **state)
{
	struct kvl_cloud cloud;
	char *scope;

	(void)state;
	assert_int_equal(kvl_cloud_from_builtin(
		kvl_cloud_builtin_find("AzureUSGovernment"), &cloud), KVL_OK);
	assert_string_equal(cloud.tenant, "organizations");
	assert_null(cloud.ca_bundle);
	scope = kvl_cloud_arm_scope(&cloud);
	assert_string_equal(scope,
			    "https://management.usgovcloudapi.net/.default");
	free(scope);
	scope = kvl_cloud_graph_scope(&cloud);
	assert_string_equal(scope, "https://graph.microsoft.us/.default");
	free(scope);
	scope = kvl_cloud_vault_scope(&cloud);
	assert_string_equal(scope, "https://vault.usgovcloudapi.net/.default");
	free(scope);
	assert_true(kvl_cloud_vault_uri_allowed(&cloud,
		"https://kv-one.vault.usgovcloudapi.net/"));
	assert_false(kvl_cloud_vault_uri_allowed(&cloud,
		"https://kv-one.vault.azure.net/"));
	kvl_cloud_clear(&cloud);
}

static void select_expect(const char *value, const char *name,
			  enum kvl_cloud_origin origin)
{
	struct kvl_cloud cloud;
	struct kvl_error err;
	enum kvl_cloud_origin got;
	char *warning = NULL;

	kvl_error_init(&err);
	assert_int_equal(kvl_cloud_select(value, &cloud, &got, &warning,
					  &err), KVL_OK);
	assert_string_equal(cloud.name, name);
	assert_int_equal(got, origin);
	assert_null(warning);
	kvl_cloud_clear(&cloud);
	kvl_error_clear(&err);
}

static void select_by_name_and_default(void **state)
{
	struct fixture *f = *state;

	select_expect(NULL, "AzureCloud", KVL_CLOUD_ORIGIN_DEFAULT);
	select_expect("AzureChinaCloud", "AzureChinaCloud",
		      KVL_CLOUD_ORIGIN_NAME);
	select_expect("azureusgovernment", "AzureUSGovernment",
		      KVL_CLOUD_ORIGIN_NAME);

	/* az CLI's current cloud is the default... */
	write_file(f->dir, "config", "[core]\noutput = json\n\n"
		   "[cloud]\n# chosen with az cloud set\n"
		   "name = AzureUSGovernment\n");
	select_expect(NULL, "AzureUSGovernment", KVL_CLOUD_ORIGIN_AZ_CLI);
	/* ...and --cloud wins over it. */
	select_expect("AzureCloud", "AzureCloud", KVL_CLOUD_ORIGIN_NAME);

	write_file(f->dir, "config", "[cloud]\nname: AzureChinaCloud\n");
	select_expect(NULL, "AzureChinaCloud", KVL_CLOUD_ORIGIN_AZ_CLI);

	/* A [cloud] section without a name leaves the default. */
	write_file(f->dir, "config", "[cloud]\nprofile = latest\n");
	select_expect(NULL, "AzureCloud", KVL_CLOUD_ORIGIN_DEFAULT);

	/* AZURE_CLOUD_NAME wins over the file, as it does in az. */
	write_file(f->dir, "config", "[cloud]\nname = AzureChinaCloud\n");
	setenv("AZURE_CLOUD_NAME", "AzureUSGovernment", 1);
	select_expect(NULL, "AzureUSGovernment", KVL_CLOUD_ORIGIN_AZ_CLI);
	setenv("AZURE_CLOUD_NAME", "", 1);
	select_expect(NULL, "AzureChinaCloud", KVL_CLOUD_ORIGIN_AZ_CLI);
	unsetenv("AZURE_CLOUD_NAME");
}

static void select_profile_file(void **state)
{
	struct fixture *f = *state;
	char path[256];

	write_file(f->dir, "azureProfile.json", "{}");
	write_file(f->dir, "config",
		   "{\"name\": \"Lab\","
		   " \"authorityHost\": \"https://login.lab.example\","
		   " \"resourceManager\": \"https://arm.lab.example\","
		   " \"microsoftGraph\": \"https://graph.lab.example\","
		   " \"keyVaultScope\": \"https://vault.lab.example\"}");
	snprintf(path, sizeof(path), "%s/config", f->dir);
	select_expect(path, "Lab", KVL_CLOUD_ORIGIN_FILE);
}

static void select_unknown_name(void **state)
{
	struct kvl_cloud cloud;
	struct kvl_error err;
	enum kvl_cloud_origin origin;
	char *warning = NULL;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_cloud_select("AzureGermanCloud", &cloud, &origin,
					  &warning, &err), KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "unknown cloud "
					    "'AzureGermanCloud'"));
	assert_non_null(strstr(err.message, "AzureCloud, AzureUSGovernment, "
					    "AzureChinaCloud"));
	assert_null(cloud.name);
	kvl_error_clear(&err);
}

/* An az CLI cloud that kvlink lacks must not fall back to public Azure,
 * but a damaged configuration is only a warning. */
static void select_az_cloud_problems(void **state)
{
	struct fixture *f = *state;
	struct kvl_cloud cloud;
	struct kvl_error err;
	enum kvl_cloud_origin origin;
	char *warning = NULL;

	kvl_error_init(&err);
	write_file(f->dir, "config", "[cloud]\nname = MyAzureStack\n");
	assert_int_equal(kvl_cloud_select(NULL, &cloud, &origin, &warning,
					  &err), KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "'MyAzureStack'"));
	assert_non_null(strstr(err.message, "/config'"));
	assert_non_null(strstr(err.message, "give --cloud"));
	assert_null(warning);
	kvl_error_clear(&err);

	setenv("AZURE_CLOUD_NAME", "AzureStackHub", 1);
	assert_int_equal(kvl_cloud_select(NULL, &cloud, &origin, &warning,
					  &err), KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "'AzureStackHub' (set in "
					    "AZURE_CLOUD_NAME)"));
	unsetenv("AZURE_CLOUD_NAME");
	kvl_error_clear(&err);

	/* A damaged line that may have held the name is an error. */
	write_file(f->dir, "config", "[cloud\nname = AzureChinaCloud\n");
	assert_int_equal(kvl_cloud_select(NULL, &cloud, &origin, &warning,
					  &err), KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "line 1 is not in INI syntax"));
	assert_null(warning);
	kvl_error_clear(&err);

	/* One elsewhere is a warning, and the name still counts. */
	write_file(f->dir, "config", "[cloud]\nname = AzureUSGovernment\n"
		   "[core]\ncollect_telemetry\n");
	assert_int_equal(kvl_cloud_select(NULL, &cloud, &origin, &warning,
					  &err), KVL_OK);
	assert_string_equal(cloud.name, "AzureUSGovernment");
	assert_int_equal(origin, KVL_CLOUD_ORIGIN_AZ_CLI);
	assert_non_null(warning);
	assert_non_null(strstr(warning, "line 4 is not in INI syntax"));
	assert_null(strchr(warning, '\n'));
	free(warning);
	kvl_cloud_clear(&cloud);
	kvl_error_clear(&err);
}

static const char profile_json[] =
	"{\"installationId\": \"0b7e6a4e-0000-4000-8000-00000000aaaa\","
	" \"subscriptions\": ["
	"  {\"id\": \"11111111-1111-4111-8111-111111111111\","
	"   \"name\": \"Contoso Production\", \"state\": \"Enabled\","
	"   \"tenantId\": \"72f988bf-0000-4000-8000-00000000a001\","
	"   \"isDefault\": false, \"environmentName\": \"AzureCloud\","
	"   \"homeTenantId\": \"72f988bf-0000-4000-8000-00000000a001\","
	"   \"managedByTenants\": [],"
	"   \"user\": {\"name\": \"avery@contoso.test\", \"type\": \"user\"}},"
	"  {\"id\": \"22222222-2222-4222-8222-222222222222\","
	"   \"name\": \"Contoso Development\", \"state\": \"Enabled\","
	"   \"tenantId\": \"72f988bf-0000-4000-8000-00000000a001\","
	"   \"isDefault\": true, \"environmentName\": \"AzureCloud\","
	"   \"user\": {\"name\": \"avery@contoso.test\", \"type\": \"user\"}},"
	"  {\"id\": \"33333333-3333-4333-8333-333333333333\","
	"   \"name\": \"Gov Sub\", \"isDefault\": true,"
	"   \"environmentName\": \"AzureUSGovernment\"},"
	"  {\"name\": \"no id, skipped\", \"isDefault\": true}"
	" ]}";

static void profile_with_bom(void **state)
{
	struct kvl_azcli_profile p;
	struct kvl_error err;
	const struct kvl_azcli_subscription *s;
	char text[sizeof(profile_json) + 3];

	(void)state;
	kvl_error_init(&err);
	memcpy(text, "\xef\xbb\xbf", 3);
	memcpy(text + 3, profile_json, sizeof(profile_json));
	assert_int_equal(kvl_azcli_profile_parse(text, strlen(text), "test",
						 &p, &err), KVL_OK);
	assert_int_equal(p.n_subscriptions, 3);
	assert_string_equal(p.subscriptions[0].user_name,
			    "avery@contoso.test");
	assert_string_equal(p.subscriptions[0].tenant_id,
			    "72f988bf-0000-4000-8000-00000000a001");
	assert_false(p.subscriptions[0].is_default);

	s = kvl_azcli_profile_default(&p, "AzureCloud");
	assert_non_null(s);
	assert_string_equal(s->id, "22222222-2222-4222-8222-222222222222");
	assert_string_equal(s->name, "Contoso Development");
	s = kvl_azcli_profile_default(&p, "AzureUSGovernment");
	assert_non_null(s);
	assert_string_equal(s->name, "Gov Sub");
	assert_null(kvl_azcli_profile_default(&p, "AzureChinaCloud"));
	kvl_azcli_profile_clear(&p);

	/* The same text without the mark parses the same. */
	assert_int_equal(kvl_azcli_profile_parse(profile_json,
						 strlen(profile_json), "test",
						 &p, &err), KVL_OK);
	assert_int_equal(p.n_subscriptions, 3);
	kvl_azcli_profile_clear(&p);
	kvl_error_clear(&err);
}

static void profile_damaged(void **state)
{
	const char *bad[] = {
		"\xef\xbb\xbf{\"subscriptions\": [",
		"{\"subscriptions\": {}}",
		"{\"subscriptions\": [\"11111111\"]}",
		"[]",
		"",
	};
	struct kvl_azcli_profile p;
	struct kvl_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kvl_error_init(&err);
		assert_int_equal(kvl_azcli_profile_parse(bad[i], strlen(bad[i]),
							 "az profile", &p,
							 &err), KVL_ERR_PARSE);
		assert_non_null(strstr(err.message, "az profile"));
		assert_int_equal(p.n_subscriptions, 0);
		kvl_error_clear(&err);
	}
}

/* az writes this file on its first run of any command, signed in or
 * not. */
static void profile_first_run(void **state)
{
	const char *text = "\xef\xbb\xbf{\"installationId\": "
			   "\"0b7e6a4e-0000-4000-8000-00000000aaaa\"}";
	struct kvl_azcli_profile p;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_azcli_profile_parse(text, strlen(text),
						 "az profile", &p, &err),
			 KVL_OK);
	assert_null(err.message);
	assert_int_equal(p.n_subscriptions, 0);
	kvl_azcli_profile_clear(&p);
}

static void default_subscription_from_dir(void **state)
{
	struct fixture *f = *state;
	char *id, *name, *warning;

	/* A missing file is silent. */
	assert_int_equal(kvl_azcli_default_subscription("AzureCloud", &id,
							&name, &warning),
			 KVL_OK);
	assert_null(id);
	assert_null(name);
	assert_null(warning);

	write_file(f->dir, "azureProfile.json", profile_json);
	assert_int_equal(kvl_azcli_default_subscription("AzureCloud", &id,
							&name, &warning),
			 KVL_OK);
	assert_string_equal(id, "22222222-2222-4222-8222-222222222222");
	assert_string_equal(name, "Contoso Development");
	assert_null(warning);
	free(id);
	free(name);

	/* A damaged file is one line of warning and no default. */
	write_file(f->dir, "azureProfile.json", "\xef\xbb\xbf{\"subscr");
	assert_int_equal(kvl_azcli_default_subscription("AzureCloud", &id,
							&name, &warning),
			 KVL_OK);
	assert_null(id);
	assert_null(name);
	assert_non_null(warning);
	assert_non_null(strstr(warning, "azureProfile.json"));
	assert_null(strchr(warning, '\n'));
	free(warning);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builtin_tables),
		cmocka_unit_test(builtin_profile_scopes),
		cmocka_unit_test_setup_teardown(select_by_name_and_default,
						setup, teardown),
		cmocka_unit_test_setup_teardown(select_profile_file,
						setup, teardown),
		cmocka_unit_test_setup_teardown(select_unknown_name,
						setup, teardown),
		cmocka_unit_test_setup_teardown(select_az_cloud_problems,
						setup, teardown),
		cmocka_unit_test(profile_with_bom),
		cmocka_unit_test(profile_damaged),
		cmocka_unit_test(profile_first_run),
		cmocka_unit_test_setup_teardown(default_subscription_from_dir,
						setup, teardown),
	};

	unsetenv("AZURE_CONFIG_DIR");
	unsetenv("AZURE_CLOUD_NAME");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
