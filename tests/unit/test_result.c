/* kvl_buf and the error struct shared by every layer. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/result.h"

static void buf_grows_and_detaches(void **state)
{
	struct kvl_buf buf;
	char *text;

	(void)state;
	kvl_buf_init(&buf);
	for (int i = 0; i < 100; i++)
		assert_true(kvl_buf_addf(&buf, "%02d,", i));
	assert_int_equal(buf.len, 300);
	assert_int_equal(strlen(buf.data), 300);
	assert_memory_equal(buf.data + 297, "99,", 3);
	text = kvl_buf_detach(&buf);
	assert_null(buf.data);
	assert_int_equal(buf.len, 0);
	assert_int_equal(strlen(text), 300);
	free(text);

	text = kvl_buf_detach(&buf);
	assert_string_equal(text, "");
	free(text);
}

static void buf_urlencodes(void **state)
{
	struct kvl_buf buf;

	(void)state;
	kvl_buf_init(&buf);
	assert_true(kvl_buf_add_urlencoded(&buf, "appId eq 'x'&a=b/c~d_e.f"));
	assert_string_equal(buf.data,
			    "appId%20eq%20%27x%27%26a%3Db%2Fc~d_e.f");
	kvl_buf_clear(&buf);
	buf.secret = true;
	assert_true(kvl_buf_add_urlencoded(&buf, "p@ss w\xc3\xa9"));
	assert_string_equal(buf.data, "p%40ss%20w%C3%A9");
	kvl_buf_clear(&buf);
	assert_null(buf.data);
}

static void error_format_full(void **state)
{
	struct kvl_error err;
	char *text;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_error_set(&err, KVL_ERR_FORBIDDEN,
				       "cannot read vault %s", "kv1"),
			 KVL_ERR_FORBIDDEN);
	kvl_error_operation(&err, "list secrets");
	err.azure_code = strdup("Forbidden");
	err.azure_message = strdup("Caller is not authorized");
	err.correlation_id = strdup("c-1");
	text = kvl_error_format(&err);
	assert_string_equal(text, "list secrets: cannot read vault kv1 "
			    "(Azure: Forbidden: Caller is not authorized) "
			    "[correlation id c-1]");
	free(text);
	kvl_error_clear(&err);
	assert_null(err.message);
	assert_int_equal(err.result, KVL_OK);
}

static void error_format_minimal(void **state)
{
	struct kvl_error err, moved;
	char *text;

	(void)state;
	kvl_error_init(&err);
	kvl_error_init(&moved);
	err.result = KVL_ERR_NOT_FOUND;
	text = kvl_error_format(&err);
	assert_string_equal(text, "not_found");
	free(text);

	kvl_error_set(&err, KVL_ERR_AUTH, "sign in again");
	kvl_error_move(&moved, &err);
	assert_null(err.message);
	assert_string_equal(moved.message, "sign in again");
	assert_int_equal(moved.result, KVL_ERR_AUTH);
	kvl_error_clear(&moved);
}

static void error_context_keeps_call(void **state)
{
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	kvl_error_context(&err, "link the key vault");
	assert_string_equal(err.operation, "link the key vault");

	kvl_error_operation(&err, "add access policy on kv1");
	kvl_error_context(&err, "link the key vault");
	assert_string_equal(err.operation,
			    "link the key vault: add access policy on kv1");
	kvl_error_context(&err, "link the key vault");
	assert_string_equal(err.operation,
			    "link the key vault: add access policy on kv1");

	kvl_error_context(NULL, "ignored");
	kvl_error_context(&err, NULL);
	assert_string_equal(err.operation,
			    "link the key vault: add access policy on kv1");
	kvl_error_clear(&err);
}

static void result_names_and_exits(void **state)
{
	(void)state;
	assert_string_equal(kvl_result_name(KVL_ERR_THROTTLED), "throttled");
	assert_string_equal(kvl_result_name((kvl_result)999), "unknown");
	assert_int_equal(kvl_result_exit_code(KVL_ERR_AUTH), KVL_EXIT_AUTH);
	assert_int_equal(kvl_result_exit_code(KVL_ERR_NOT_FOUND),
			 KVL_EXIT_NOT_FOUND);
	assert_int_equal(kvl_result_exit_code(KVL_ERR_HTTP), KVL_EXIT_FAILURE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_grows_and_detaches),
		cmocka_unit_test(buf_urlencodes),
		cmocka_unit_test(error_format_full),
		cmocka_unit_test(error_format_minimal),
		cmocka_unit_test(error_context_keeps_call),
		cmocka_unit_test(result_names_and_exits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
