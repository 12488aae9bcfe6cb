/*
 * Proxy and CA-bundle variables: their order, and that the HTTP client
 * really sends requests through the proxy they name. A scripted
 * libmicrohttpd server on loopback plays the forward proxy. The target
 * URL is a loopback port where nothing listens, so a request that skips
 * the proxy fails to connect.
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

#include "core/http.h"
#include "core/netenv.h"
#include "mock_server.h"

static const char *const all_vars[] = {
	"https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY",
	"all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY",
	"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE",
	"SSL_CERT_DIR", NULL
};

static int clear_vars(void **state)
{
	(void)state;
	for (size_t i = 0; all_vars[i] != NULL; i++)
		unsetenv(all_vars[i]);
	return 0;
}

static void check_setting(const struct kvl_netenv_value *v,
			 const char *value, const char *var)
{
	if (value == NULL) {
		assert_null(v->value);
		assert_null(v->var);
		return;
	}
	assert_non_null(v->value);
	assert_string_equal(v->value, value);
	assert_string_equal(v->var, var);
}

static void proxy_order(void **state)
{
	struct kvl_netenv env;

	(void)state;
	assert_true(kvl_netenv_read(&env));
	check_setting(&env.https_proxy, NULL, NULL);
	check_setting(&env.http_proxy, NULL, NULL);
	kvl_netenv_clear(&env);

	/* libcurl ignores upper-case HTTP_PROXY; kvlink does not. */
	setenv("HTTP_PROXY", "http://upper:3128", 1);
	setenv("ALL_PROXY", "http://all:3128", 1);
	assert_true(kvl_netenv_read(&env));
	check_setting(&env.http_proxy, "http://upper:3128", "HTTP_PROXY");
	check_setting(&env.https_proxy, "http://all:3128", "ALL_PROXY");
	kvl_netenv_clear(&env);

	/* Lower case wins, and an empty value counts as unset. */
	setenv("http_proxy", "http://lower:3128", 1);
	setenv("https_proxy", "", 1);
	setenv("HTTPS_PROXY", "http://secure:3128", 1);
	assert_true(kvl_netenv_read(&env));
	check_setting(&env.http_proxy, "http://lower:3128", "http_proxy");
	check_setting(&env.https_proxy, "http://secure:3128", "HTTPS_PROXY");
	assert_ptr_equal(kvl_netenv_proxy_for(&env, "https://x.test/"),
			 &env.https_proxy);
	assert_ptr_equal(kvl_netenv_proxy_for(&env, "HTTP://x.test/"),
			 &env.http_proxy);
	kvl_netenv_clear(&env);

	setenv("NO_PROXY", "upper.test", 1);
	assert_true(kvl_netenv_read(&env));
	check_setting(&env.no_proxy, "upper.test", "NO_PROXY");
	kvl_netenv_clear(&env);
	setenv("no_proxy", ".vault.azure.net,127.0.0.1", 1);
	assert_true(kvl_netenv_read(&env));
	check_setting(&env.no_proxy, ".vault.azure.net,127.0.0.1", "no_proxy");
	kvl_netenv_clear(&env);
}

static void ca_order(void **state)
{
	struct kvl_netenv env;

	(void)state;
	setenv("SSL_CERT_FILE", "/c/ssl.pem", 1);
	setenv("SSL_CERT_DIR", "/c/certs", 1);
	assert_true(kvl_netenv_read(&env));
	check_setting(&env.ca_file, "/c/ssl.pem", "SSL_CERT_FILE");
	check_setting(&env.ca_dir, "/c/certs", "SSL_CERT_DIR");
	kvl_netenv_clear(&env);

	setenv("CURL_CA_BUNDLE", "/c/curl.pem", 1);
	assert_true(kvl_netenv_read(&env));
	check_setting(&env.ca_file, "/c/curl.pem", "CURL_CA_BUNDLE");
	kvl_netenv_clear(&env);

	setenv("REQUESTS_CA_BUNDLE", "/c/requests.pem", 1);
	assert_true(kvl_netenv_read(&env));
	check_setting(&env.ca_file, "/c/requests.pem", "REQUESTS_CA_BUNDLE");
	kvl_netenv_clear(&env);
}

static void proxy_redacted(void **state)
{
	const char *cases[][2] = {
		{ "http://proxy.test:3128", "http://proxy.test:3128" },
		{ "http://user:pa@ss@proxy.test:3128/",
		  "http://***@proxy.test:3128/" },
		{ "user:secret@proxy.test:8080", "***@proxy.test:8080" },
		{ "http://proxy.test/a@b", "http://proxy.test/a@b" },
	};
	char *redacted;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		redacted = kvl_netenv_redact(cases[i][0]);
		assert_non_null(redacted);
		assert_string_equal(redacted, cases[i][1]);
		free(redacted);
	}
}

static void reply_ok(void *ctx, size_t index,
		     const struct mock_request *request,
		     struct mock_reply *reply)
{
	(void)ctx;
	(void)index;
	(void)request;
	reply->status = 200;
	reply->body = "{}";
}

/* GETs http://127.0.0.1:1/via-proxy; nothing listens on port 1. */
static kvl_result get_target(struct kvl_error *err)
{
	struct kvl_http_options o = { .max_retries = -1 };
	struct kvl_http_response resp;
	struct kvl_http *http = NULL;
	kvl_result res;

	assert_int_equal(kvl_http_new(&o, &http), KVL_OK);
	res = kvl_http_send(http, "GET", "http://127.0.0.1:1/via-proxy", NULL,
			    NULL, NULL, &resp, err);
	if (res == KVL_OK) {
		assert_int_equal(resp.status, 200);
		kvl_http_response_clear(&resp);
	}
	kvl_http_free(http);
	return res;
}

static void requests_use_proxy(void **state)
{
	struct mock_server *proxy = mock_start(reply_ok, NULL);
	struct mock_request *seen;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_non_null(proxy);

	/* Without a proxy the request fails to connect. */
	assert_int_equal(get_target(&err), KVL_ERR_NETWORK);
	kvl_error_clear(&err);
	assert_int_equal(mock_count(proxy), 0);

	/* Upper-case HTTP_PROXY alone is enough. */
	setenv("HTTP_PROXY", mock_base(proxy), 1);
	assert_int_equal(get_target(&err), KVL_OK);
	assert_int_equal(mock_count(proxy), 1);
	seen = mock_request_at(proxy, 0);
	assert_non_null(strstr(seen->target, "/via-proxy"));
	mock_request_free(seen);

	/* NO_PROXY sends it directly again. */
	setenv("NO_PROXY", "127.0.0.1", 1);
	assert_int_equal(get_target(&err), KVL_ERR_NETWORK);
	kvl_error_clear(&err);
	assert_int_equal(mock_count(proxy), 1);

	/* no_proxy in lower case wins over NO_PROXY. */
	setenv("no_proxy", "other.test", 1);
	assert_int_equal(get_target(&err), KVL_OK);
	assert_int_equal(mock_count(proxy), 2);
	mock_stop(proxy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(proxy_order, clear_vars),
		cmocka_unit_test_setup(ca_order, clear_vars),
		cmocka_unit_test(proxy_redacted),
		cmocka_unit_test_setup(requests_use_proxy, clear_vars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
