/*
 * Resource Graph requests and responses: the request body kvlink sends,
 * the checks on each page, and the mapping of rows to key vaults.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/jsonutil.h"
#include "core/resourcegraph.h"

#define SUB_A "5f1c3a2e-8d4b-4c6a-9e0f-1a2b3c4d5e6f"
#define SUB_B "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"
#define VAULT_ID "/subscriptions/" SUB_A "/resourceGroups/RG-Apps/" \
	"providers/Microsoft.KeyVault/vaults/kv-apps"

/* One row of the vault query, as Resource Graph sends it. */
static const char row_text[] =
	"{\"id\":\"" VAULT_ID "\",\"name\":\"kv-apps\","
	"\"type\":\"microsoft.keyvault/vaults\",\"location\":\"westeurope\","
	"\"resourceGroup\":\"rg-apps\",\"subscriptionId\":\"" SUB_A "\","
	"\"tenantId\":\"t-1\",\"properties\":{\"tenantId\":\"t-1\","
	"\"vaultUri\":\"https://kv-apps.vault.azure.net/\","
	"\"sku\":{\"family\":\"A\",\"name\":\"standard\"},"
	"\"enableRbacAuthorization\":true,\"enableSoftDelete\":true,"
	"\"enablePurgeProtection\":true,"
	"\"networkAcls\":{\"defaultAction\":\"Deny\","
	"\"bypass\":\"AzureServices\"},"
	"\"publicNetworkAccess\":\"Enabled\",\"accessPolicies\":[],"
	"\"provisioningState\":\"Succeeded\"}}";

static json_object *parse(const char *text)
{
	json_object *o = json_tokener_parse(text);

	assert_non_null(o);
	return o;
}

static json_object *row(void)
{
	return parse(row_text);
}

/* A page of n copies of the row, with the given trailing fields. */
static json_object *page_of(size_t n, const char *extra)
{
	char text[8192];
	size_t len;

	len = (size_t)snprintf(text, sizeof(text), "{%s\"data\":[", extra);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"%s%s", i ? "," : "", row_text);
	snprintf(text + len, sizeof(text) - len, "]}");
	return parse(text);
}

static void build_request_first_page(void **state)
{
	const char *subs[] = { SUB_A, SUB_B };
	json_object *body = NULL, *list;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_build_request(subs, 2, 1000, NULL,
						    &body, &err), KVL_OK);
	list = kvl_json_path(body, "subscriptions");
	assert_int_equal(json_object_array_length(list), 2);
	assert_string_equal(json_object_get_string(
				    json_object_array_get_idx(list, 0)), SUB_A);
	assert_string_equal(json_object_get_string(
				    json_object_array_get_idx(list, 1)), SUB_B);
	assert_string_equal(kvl_json_str(body, "query"),
			    kvl_resgraph_vault_query);
	assert_int_equal(kvl_json_int64(body, "options.$top", 0), 1000);
	assert_string_equal(kvl_json_str(body, "options.resultFormat"),
			    "objectArray");
	assert_false(kvl_json_has(body, "options.$skipToken"));
	json_object_put(body);
	kvl_error_clear(&err);
}

static void build_request_next_page(void **state)
{
	const char *subs[] = { SUB_A };
	json_object *body = NULL;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_build_request(subs, 1, 5, "tok-2",
						    &body, &err), KVL_OK);
	assert_string_equal(kvl_json_str(body, "options.$skipToken"),
			    "tok-2");
	assert_int_equal(kvl_json_int64(body, "options.$top", 0), 5);
	json_object_put(body);
	kvl_error_clear(&err);
}

static void build_request_limits(void **state)
{
	const char **subs = calloc(KVL_RESGRAPH_MAX_SUBSCRIPTIONS + 1,
				   sizeof(*subs));
	json_object *body = NULL;
	struct kvl_error err;

	(void)state;
	assert_non_null(subs);
	for (size_t i = 0; i <= KVL_RESGRAPH_MAX_SUBSCRIPTIONS; i++)
		subs[i] = SUB_A;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_build_request(
				 subs, KVL_RESGRAPH_MAX_SUBSCRIPTIONS + 1,
				 1000, NULL, &body, &err), KVL_ERR_INVALID);
	assert_null(body);
	assert_int_equal(kvl_resgraph_build_request(subs, 0, 1000, NULL,
						    &body, &err),
			 KVL_ERR_INVALID);
	assert_int_equal(kvl_resgraph_build_request(subs, 1, 0, NULL, &body,
						    &err), KVL_ERR_INVALID);
	assert_int_equal(kvl_resgraph_build_request(subs, 1, 1001, NULL,
						    &body, &err),
			 KVL_ERR_INVALID);
	assert_int_equal(kvl_resgraph_build_request(
				 subs, KVL_RESGRAPH_MAX_SUBSCRIPTIONS, 1000,
				 NULL, &body, &err), KVL_OK);
	json_object_put(body);
	kvl_error_clear(&err);
	free(subs);
}

/* The query is fixed text: nothing a user types can reach it. */
static void query_lists_vaults_by_id(void **state)
{
	(void)state;
	assert_non_null(strstr(kvl_resgraph_vault_query,
			       "'microsoft.keyvault/vaults'"));
	assert_non_null(strstr(kvl_resgraph_vault_query, "properties"));
	assert_non_null(strstr(kvl_resgraph_vault_query, "order by id asc"));
}

static void page_with_skip_token(void **state)
{
	json_object *body = page_of(2, "\"totalRecords\":7,\"count\":2,"
				    "\"resultTruncated\":\"false\","
				    "\"facets\":[],\"$skipToken\":\"abc=\",");
	struct kvl_resgraph_page page;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_parse_page(body, 2, &page, &err),
			 KVL_OK);
	assert_int_equal(page.count, 2);
	assert_int_equal(page.total_records, 7);
	assert_string_equal(page.skip_token, "abc=");
	assert_int_equal(json_object_array_length(page.data), 2);
	kvl_resgraph_page_clear(&page);
	json_object_put(body);
	kvl_error_clear(&err);
}

static void page_last(void **state)
{
	json_object *body = page_of(1, "\"totalRecords\":1,\"count\":1,"
				    "\"resultTruncated\":\"false\",");
	struct kvl_resgraph_page page;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_parse_page(body, 1000, &page, &err),
			 KVL_OK);
	assert_null(page.skip_token);
	assert_int_equal(page.count, 1);
	kvl_resgraph_page_clear(&page);
	json_object_put(body);
	kvl_error_clear(&err);
}

/* Each bad page must fail with a message naming what is wrong. */
static void page_bad_shapes(void **state)
{
	static const struct {
		size_t rows;
		int top;
		const char *extra;
		const char *message;
	} cases[] = {
		{ 1, 10, "\"totalRecords\":1,\"count\":2,"
		  "\"resultTruncated\":\"false\",", "\"count\" is 2" },
		{ 3, 2, "\"totalRecords\":3,\"count\":3,"
		  "\"resultTruncated\":\"false\",", "more than the 2" },
		{ 1, 10, "\"totalRecords\":1,\"count\":1,"
		  "\"resultTruncated\":\"true\",", "resultTruncated" },
		{ 1, 10, "\"totalRecords\":1,\"count\":1,"
		  "\"resultTruncated\":false,", "is a boolean, not a string" },
		{ 1, 10, "\"totalRecords\":\"1\",\"count\":1,"
		  "\"resultTruncated\":\"false\",", "\"totalRecords\"" },
		{ 2, 10, "\"totalRecords\":1,\"count\":2,"
		  "\"resultTruncated\":\"false\",", "less than" },
		{ 1, 10, "\"totalRecords\":1,\"count\":1,"
		  "\"resultTruncated\":\"false\",\"$skipToken\":7,",
		  "\"$skipToken\" of the page is a number" },
		{ 1, 10, "\"totalRecords\":1,\"count\":1,"
		  "\"resultTruncated\":\"false\",\"$skipToken\":\"\",",
		  "0 bytes" },
		{ 1, 10, "\"count\":1,\"resultTruncated\":\"false\",",
		  "\"totalRecords\" is missing" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *body = page_of(cases[i].rows, cases[i].extra);
		struct kvl_resgraph_page page;
		struct kvl_error err;

		kvl_error_init(&err);
		assert_int_equal(kvl_resgraph_parse_page(body, cases[i].top,
							 &page, &err),
				 KVL_ERR_PARSE);
		assert_non_null(err.message);
		if (strstr(err.message, cases[i].message) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err.message,
				 cases[i].message);
		assert_null(page.skip_token);
		json_object_put(body);
		kvl_error_clear(&err);
	}
}

static void page_data_as_table(void **state)
{
	json_object *body = parse("{\"totalRecords\":0,\"count\":0,"
				  "\"resultTruncated\":\"false\","
				  "\"data\":{\"columns\":[],\"rows\":[]}}");
	struct kvl_resgraph_page page;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_parse_page(body, 10, &page, &err),
			 KVL_ERR_PARSE);
	assert_non_null(strstr(err.message, "\"data\" of the page is an "
			       "object, not an array"));
	json_object_put(body);
	kvl_error_clear(&err);
}

/* Scans text with scan and checks the result against expected (NULL:
 * no token found). */
static void check_scan_by(char *(*scan)(const char *, size_t),
			  const char *text, const char *expected)
{
	char *token = scan(text, strlen(text));

	if (expected == NULL) {
		if (token != NULL)
			fail_msg("found '%s' in %s", token, text);
	} else {
		assert_non_null(token);
		assert_string_equal(token, expected);
	}
	free(token);
}

static void check_scan(const char *text, const char *expected)
{
	check_scan_by(kvl_resgraph_scan_skip_token, text, expected);
}

static void check_scan_start(const char *text, const char *expected)
{
	check_scan_by(kvl_resgraph_scan_skip_token_start, text, expected);
}

static void scan_finds_top_level_token(void **state)
{
	(void)state;
	check_scan("{\"count\":0,\"$skipToken\":\"abc\",\"data\":[]}", "abc");
	check_scan("{\"data\":[],\"$skipToken\":\"end\"}", "end");
	check_scan(" \n{ \"$skipToken\" \t:\r\n \"spaced\" }\n", "spaced");
	/* json-c keeps the last of two equal keys, and so does the scan. */
	check_scan("{\"$skipToken\":\"one\",\"$skipToken\":\"two\"}", "two");
	check_scan("{\"count\":0,\"data\":[]}", NULL);
}

static void scan_ignores_names_and_tags(void **state)
{
	(void)state;
	/* The text inside a vault name, with escaped quotes around it. */
	check_scan("{\"data\":[{\"name\":\"kv \\\"$skipToken\\\":\\\"evil\\\""
		   "\"}],\"count\":1}", NULL);
	/* A tag named $skipToken, nested in a row. */
	check_scan("{\"data\":[{\"tags\":{\"$skipToken\":\"evil\"}}],"
		   "\"count\":1}", NULL);
	check_scan("{\"data\":[{\"tags\":{\"$skipToken\":\"evil\"}}],"
		   "\"$skipToken\":\"good\"}", "good");
	/* A value at the top level that reads like the key. */
	check_scan("{\"note\":\"$skipToken\",\"other\":\"x\"}", NULL);
	check_scan("{\"note\":\"$skipToken\",\"$skipToken\":\"real\"}",
		   "real");
	/* Braces and a backslash before the quote inside strings. */
	check_scan("{\"data\":[{\"name\":\"}]{\\\\\"}],"
		   "\"$skipToken\":\"after\"}", "after");
	/* An array at the top level has no members. */
	check_scan("[\"$skipToken\",\"x\"]", NULL);
}

static void scan_leaves_hard_cases_to_parse(void **state)
{
	(void)state;
	/* Escapes in the value or the key: the full parse decides. */
	check_scan("{\"$skipToken\":\"a\\u0062c\"}", NULL);
	check_scan("{\"\\u0024skipToken\":\"abc\"}", NULL);
	/* Not a string. */
	check_scan("{\"$skipToken\":42}", NULL);
	check_scan("{\"$skipToken\":null}", NULL);
	/* A later value that is no string replaces an earlier token. */
	check_scan("{\"$skipToken\":\"a\",\"$skipToken\":null}", NULL);
	/* Cut off, or not closed. */
	check_scan("{\"$skipToken\":\"abc", NULL);
	check_scan("{\"$skipToken\":\"abc\"", NULL);
	check_scan("{\"$skipToken\":\"abc\",\"data\":[{}", NULL);
	check_scan("", NULL);
}

static void scan_start_reads_cut_text(void **state)
{
	static const char cut[] = "{\"count\":2,\"$skipToken\":\"abc\","
				  "\"data\":[{\"name\":\"kv";

	(void)state;
	/* The token is complete, the rows are not: the start of a page
	 * that is still arriving. The scan of a whole page refuses it. */
	check_scan_start(cut, "abc");
	check_scan(cut, NULL);
	check_scan_start("{\"count\":0,\"$skipToken\":\"abc\"}", "abc");
	/* The token itself is not complete yet. */
	check_scan_start("{\"count\":2,\"$skipToken\":\"ab", NULL);
	check_scan_start("{\"count\":2,\"$skipToken\"", NULL);
	check_scan_start("{\"count\":2,\"$skip", NULL);
	check_scan_start("", NULL);
	/* Nested keys, escapes and other types count as in a whole page. */
	check_scan_start("{\"data\":[{\"tags\":{\"$skipToken\":\"evil\"}",
			 NULL);
	check_scan_start("{\"$skipToken\":\"a\\u0062c\",\"data\":[", NULL);
	check_scan_start("{\"$skipToken\":42,\"data\":[", NULL);
	check_scan_start("[\"$skipToken\",\"x\"", NULL);
}

static void scan_stops_at_embedded_nul(void **state)
{
	static const char text[] = "{\"data\":\"a\0b\",\"$skipToken\":\"x\"}";
	char *token;

	(void)state;
	token = kvl_resgraph_scan_skip_token(text, sizeof(text) - 1);
	assert_null(token);
}

static void row_maps_to_vault(void **state)
{
	json_object *r = row();
	struct kvl_vault v;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_parse_vault_row(r, &v, &err), KVL_OK);
	assert_string_equal(v.id, VAULT_ID);
	assert_string_equal(v.name, "kv-apps");
	assert_string_equal(v.subscription_id, SUB_A);
	/* From the id, which keeps the case Resource Manager uses. */
	assert_string_equal(v.resource_group, "RG-Apps");
	assert_string_equal(v.location, "westeurope");
	assert_string_equal(v.tenant_id, "t-1");
	assert_string_equal(v.vault_uri, "https://kv-apps.vault.azure.net/");
	assert_string_equal(v.sku, "standard");
	assert_true(v.rbac);
	assert_true(v.soft_delete);
	assert_true(v.purge_protection);
	assert_string_equal(v.default_action, "Deny");
	assert_string_equal(v.bypass, "AzureServices");
	assert_string_equal(v.public_network_access, "Enabled");
	assert_string_equal(v.provisioning_state, "Succeeded");
	assert_int_equal(v.n_policies, 0);
	kvl_vault_clear(&v);
	json_object_put(r);
	kvl_error_clear(&err);
}

/* Replaces key (a dotted path) of the row with the JSON text value. */
static json_object *row_with(const char *path, const char *value)
{
	json_object *r = row(), *parent = r;
	char *copy = strdup(path), *dot, *key = copy;

	assert_non_null(copy);
	while ((dot = strchr(key, '.')) != NULL) {
		*dot = '\0';
		parent = json_object_object_get(parent, key);
		key = dot + 1;
	}
	if (value == NULL)
		json_object_object_del(parent, key);
	else if (strcmp(value, "null") == 0)
		json_object_object_add(parent, key, NULL);
	else
		json_object_object_add(parent, key, parse(value));
	free(copy);
	return r;
}

static void row_bad_fields(void **state)
{
	static const struct {
		const char *path;
		const char *value;	/* NULL: remove the member */
		const char *message;
	} cases[] = {
		{ "properties.enableRbacAuthorization", "\"yes\"",
		  "\"properties.enableRbacAuthorization\" of the row is a "
		  "string, not a boolean" },
		{ "properties.accessPolicies", "{}", "not an array" },
		{ "properties", "[]", "\"properties\" of the row is an array" },
		{ "id", "42", "\"id\" of the row is a number" },
		{ "id", NULL, "\"id\" is missing" },
		{ "name", "null", "\"name\" is missing" },
		{ "type", "\"microsoft.storage/storageaccounts\"",
		  "is not microsoft.keyvault/vaults" },
		{ "subscriptionId", "\"" SUB_B "\"", "differs" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *r = row_with(cases[i].path, cases[i].value);
		struct kvl_vault v;
		struct kvl_error err;

		kvl_error_init(&err);
		assert_int_equal(kvl_resgraph_parse_vault_row(r, &v, &err),
				 KVL_ERR_PARSE);
		if (strstr(err.message, cases[i].message) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err.message,
				 cases[i].message);
		assert_null(v.id);
		json_object_put(r);
		kvl_error_clear(&err);
	}
}

static void row_not_object(void **state)
{
	json_object *r = parse("[1,2]");
	struct kvl_vault v;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_parse_vault_row(r, &v, &err),
			 KVL_ERR_PARSE);
	assert_string_equal(err.message, "the row is an array, not an object");
	json_object_put(r);
	kvl_error_clear(&err);
}

static void unavailable_errors(void **state)
{
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	kvl_error_set(&err, KVL_ERR_FORBIDDEN, "denied");
	assert_true(kvl_resgraph_unavailable(&err));
	kvl_error_set(&err, KVL_ERR_NOT_FOUND, "no route");
	assert_true(kvl_resgraph_unavailable(&err));
	kvl_error_set(&err, KVL_ERR_CONFLICT, "not registered");
	assert_false(kvl_resgraph_unavailable(&err));
	err.azure_code = strdup("MissingSubscriptionRegistration");
	assert_true(kvl_resgraph_unavailable(&err));
	kvl_error_clear(&err);
	kvl_error_set(&err, KVL_ERR_HTTP, "bad query");
	err.azure_code = strdup("BadRequest");
	assert_false(kvl_resgraph_unavailable(&err));
	kvl_error_clear(&err);
	kvl_error_set(&err, KVL_ERR_NETWORK, "refused");
	assert_false(kvl_resgraph_unavailable(&err));
	kvl_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(build_request_first_page),
		cmocka_unit_test(build_request_next_page),
		cmocka_unit_test(build_request_limits),
		cmocka_unit_test(query_lists_vaults_by_id),
		cmocka_unit_test(page_with_skip_token),
		cmocka_unit_test(page_last),
		cmocka_unit_test(page_bad_shapes),
		cmocka_unit_test(page_data_as_table),
		cmocka_unit_test(scan_finds_top_level_token),
		cmocka_unit_test(scan_ignores_names_and_tags),
		cmocka_unit_test(scan_leaves_hard_cases_to_parse),
		cmocka_unit_test(scan_start_reads_cut_text),
		cmocka_unit_test(scan_stops_at_embedded_nul),
		cmocka_unit_test(row_maps_to_vault),
		cmocka_unit_test(row_bad_fields),
		cmocka_unit_test(row_not_object),
		cmocka_unit_test(unavailable_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
