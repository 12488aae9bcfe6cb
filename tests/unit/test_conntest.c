/* The dispatch table, values and sentences of connection tests, and the
 * checks made before any request is sent. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow/conntest.h"

static void every_type_dispatched(void **state)
{
	const struct kvl_conntest_kind *kind;
	size_t i;

	(void)state;
	for (i = 0; i < kvl_n_conn_types; i++) {
		kind = kvl_conntest_kind_find(kvl_conn_types[i].id);
		assert_non_null(kind);
		assert_string_equal(kind->type_id, kvl_conn_types[i].id);
		/* An entry either tests or says why it cannot. */
		assert_true(kind->run != NULL || kind->why_not != NULL);
	}
	assert_null(kvl_conntest_kind_find("ftp"));
	assert_null(kvl_conntest_kind_find(NULL));

	kind = kvl_conntest_kind_find("googleads");
	assert_null(kind->run);
	assert_non_null(strstr(kind->why_not, "browser"));
	assert_true(kvl_conntest_kind_find("sendgrid")->run ==
		    kvl_conntest_http);
}

static void step_sentences(void **state)
{
	char *text;

	(void)state;
	text = kvl_conntest_sentence(kvl_conntest_step_text(KVL_PROBE_AUTH),
				     "SendGrid");
	assert_non_null(text);
	assert_string_equal(text, "SendGrid rejected the credential; check "
			    "that it is current and belongs to this "
			    "account");
	free(text);

	text = kvl_conntest_sentence("no mark here", "SendGrid");
	assert_string_equal(text, "no mark here");
	free(text);

	/* Every step has its own sentence with one mark. */
	for (int s = KVL_PROBE_OK; s <= KVL_PROBE_RESPONSE; s++) {
		const char *fmt = kvl_conntest_step_text(s);

		assert_non_null(strstr(fmt, "%s"));
		assert_null(strstr(strstr(fmt, "%s") + 2, "%"));
	}
}

/* A DotDigital connection with a password and no address book. */
static void dotdigital_input(struct kvl_conntest_input *in,
			     struct kvl_connection *conn,
			     struct kvl_field_value *fields,
			     struct kvl_field_value *creds)
{
	memset(conn, 0, sizeof(*conn));
	conn->display_name = "Mail";
	conn->type_id = "dotdigital";
	conn->fields = fields;
	conn->n_fields = 1;
	memset(in, 0, sizeof(*in));
	in->conn = conn;
	in->type = kvl_conn_type_find("dotdigital");
	in->credentials = creds;
	in->n_credentials = 1;
}

static void values_by_precedence(void **state)
{
	struct kvl_field_value fields[] = {
		{ "api_user", "apiuser-1@apiconnector.com" },
	};
	struct kvl_field_value creds[] = { { "password", "pw" } };
	struct kvl_conntest_input in;
	struct kvl_connection conn;

	(void)state;
	dotdigital_input(&in, &conn, fields, creds);
	assert_string_equal(kvl_conntest_value(&in, "password"), "pw");
	assert_string_equal(kvl_conntest_value(&in, "api_user"),
			    "apiuser-1@apiconnector.com");
	assert_null(kvl_conntest_value(&in, "address_book_id"));
	assert_null(kvl_conntest_value(&in, "no_such_field"));

	/* A type default fills a field the connection does not set. */
	in.type = kvl_conn_type_find("sftp");
	assert_string_equal(kvl_conntest_value(&in, "port"), "22");
}

/* A line break in a header credential is rejected before any request:
 * the target (port 1 of loopback) would otherwise fail at connect. */
static void header_injection_rejected(void **state)
{
	struct kvl_field_value creds[] = {
		{ "api_key", "SG.key\r\nX-Injected: 1" },
	};
	struct kvl_conntest_result out = { 0 };
	struct kvl_connection conn = {
		.display_name = "Mail", .type_id = "sendgrid",
	};
	struct kvl_conntest_input in = {
		.conn = &conn, .base_url = "http://127.0.0.1:1/sendgrid",
		.credentials = creds, .n_credentials = 1,
	};
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	in.type = kvl_conn_type_find("sendgrid");
	assert_int_equal(kvl_conntest_http(&in, &out, &err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "line break"));
	assert_null(strstr(err.message, "SG.key"));
	assert_null(out.target);
	kvl_error_clear(&err);

	/* The same key without the line break gets to the connect step. */
	creds[0].value = "SG.key";
	assert_int_equal(kvl_conntest_http(&in, &out, &err), KVL_OK);
	assert_int_equal(out.step, KVL_PROBE_CONNECT);
	assert_string_equal(out.target,
			    "http://127.0.0.1:1/sendgrid/v3/scopes");
	kvl_conntest_result_clear(&out);
}

static void missing_credential_named(void **state)
{
	struct kvl_field_value fields[] = {
		{ "api_user", "apiuser-1@apiconnector.com" },
	};
	struct kvl_field_value creds[] = { { "other", "x" } };
	struct kvl_conntest_result out = { 0 };
	struct kvl_conntest_input in;
	struct kvl_connection conn;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	dotdigital_input(&in, &conn, fields, creds);
	in.base_url = "http://127.0.0.1:1/dotdigital";
	assert_int_equal(kvl_conntest_http(&in, &out, &err),
			 KVL_ERR_INVALID);
	assert_non_null(strstr(err.message, "password"));
	kvl_error_clear(&err);
}

int main(void)
{
	static const char *const proxies[] = {
		"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
		"ALL_PROXY", "all_proxy",
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_type_dispatched),
		cmocka_unit_test(step_sentences),
		cmocka_unit_test(values_by_precedence),
		cmocka_unit_test(header_injection_rejected),
		cmocka_unit_test(missing_credential_named),
	};

	/* A proxy from the environment would receive the test request. */
	for (size_t i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++)
		unsetenv(proxies[i]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
