/*
 * Proxy and CA-bundle variables: their order, and that the HTTP client
 * really sends requests through the proxy they name. A scripted
 * libmicrohttpd server on loopback plays the forward proxy. The target
 * URL is a loopback port where nothing listens, so a request that skips
 * the proxy fails to connect, and one that reaches the proxy is counted.
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
#include "core/httpprobe.h"
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
		{ "http://alice:pa#ss@127.0.0.1:9", "http://***@127.0.0.1:9" },
		{ "http://alice:pa/ss@127.0.0.1:9", "http://***@127.0.0.1:9" },
		{ "http://alice:pa?ss@127.0.0.1:9/",
		  "http://***@127.0.0.1:9/" },
		{ "http://a:b@c#d@proxy.test", "http://***@proxy.test" },
		/* Over-redacted, because a path cannot be told apart from a
		 * password that contains '/'. */
		{ "http://proxy.test/a@b", "http://***@b" },
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

static void reply_status(void *ctx, size_t index,
			 const struct mock_request *request,
			 struct mock_reply *reply)
{
	(void)index;
	(void)request;
	reply->status = *(const int *)ctx;
	reply->body = "{}";
}

/* Sends GET url with retries as given; nothing listens on port 1. */
static kvl_result get_url(const char *url, int max_retries,
			  struct kvl_error *err)
{
	struct kvl_http_options o = {
		.max_retries = max_retries, .backoff_ms = 1,
	};
	struct kvl_http_response resp;
	struct kvl_http *http = NULL;
	kvl_result res;

	assert_int_equal(kvl_http_new(&o, &http), KVL_OK);
	res = kvl_http_send(http, "GET", url, NULL, NULL, NULL, &resp, err);
	if (res == KVL_OK)
		kvl_http_response_clear(&resp);
	kvl_http_free(http);
	return res;
}

#define PLAIN_TARGET "http://127.0.0.1:1/direct"
#define TLS_TARGET "https://127.0.0.1:1/target"

/* Plain http is allowed only to loopback, and never goes to a proxy,
 * whichever variable names one. */
static void plain_http_direct(void **state)
{
	int status = 200;
	struct mock_server *proxy = mock_start(reply_status, &status);
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_non_null(proxy);
	setenv("HTTP_PROXY", mock_base(proxy), 1);
	setenv("http_proxy", mock_base(proxy), 1);
	setenv("ALL_PROXY", mock_base(proxy), 1);
	assert_int_equal(get_url(PLAIN_TARGET, -1, &err), KVL_ERR_NETWORK);
	assert_null(strstr(err.message, "proxy"));
	kvl_error_clear(&err);
	assert_int_equal(mock_count(proxy), 0);
	mock_stop(proxy);
}

/* Connection tests open their own libcurl handles, which must not hand a
 * plain-http request and its credentials to a proxy either. */
static void probe_plain_http_direct(void **state)
{
	int status = 200;
	struct mock_server *proxy = mock_start(reply_status, &status);
	const char *const headers[] = { "Authorization: Bearer probe-key" };
	struct kvl_probe_request req = {
		.method = "GET", .url = PLAIN_TARGET,
		.headers = headers, .n_headers = 1,
	};
	struct kvl_probe_response resp;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_non_null(proxy);
	setenv("http_proxy", mock_base(proxy), 1);
	setenv("ALL_PROXY", mock_base(proxy), 1);
	assert_int_equal(kvl_probe_http(&req, &resp, &err), KVL_OK);
	assert_int_equal(resp.step, KVL_PROBE_CONNECT);
	kvl_probe_response_clear(&resp);
	assert_int_equal(mock_count(proxy), 0);
	mock_stop(proxy);
}

static void https_uses_proxy(void **state)
{
	int status = 200;
	struct mock_server *proxy = mock_start(reply_status, &status);
	struct mock_request *seen;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_non_null(proxy);

	/* Upper-case HTTPS_PROXY alone is enough. */
	setenv("HTTPS_PROXY", mock_base(proxy), 1);
	assert_int_not_equal(get_url(TLS_TARGET, -1, &err), KVL_OK);
	kvl_error_clear(&err);
	assert_int_equal(mock_count(proxy), 1);
	seen = mock_request_at(proxy, 0);
	assert_string_equal(seen->method, "CONNECT");
	assert_non_null(strstr(seen->target, "127.0.0.1:1"));
	mock_request_free(seen);

	/* NO_PROXY sends it directly. */
	setenv("NO_PROXY", "127.0.0.1", 1);
	assert_int_equal(get_url(TLS_TARGET, -1, &err), KVL_ERR_NETWORK);
	kvl_error_clear(&err);
	assert_int_equal(mock_count(proxy), 1);

	/* no_proxy in lower case wins over NO_PROXY. */
	setenv("no_proxy", "other.test", 1);
	assert_int_not_equal(get_url(TLS_TARGET, -1, &err), KVL_OK);
	kvl_error_clear(&err);
	assert_int_equal(mock_count(proxy), 2);
	mock_stop(proxy);
}

/*
 * A loopback target skips a proxy on another host. 0.0.0.0 is not a
 * loopback address, but a connection to it reaches the mock on
 * 127.0.0.1, so a request sent to that proxy would be counted.
 */
static void loopback_skips_remote_proxy(void **state)
{
	int status = 200;
	struct mock_server *proxy = mock_start(reply_status, &status);
	const char *port;
	char remote[64];
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_non_null(proxy);
	port = strrchr(mock_base(proxy), ':');
	snprintf(remote, sizeof(remote), "http://0.0.0.0%s", port);
	setenv("HTTPS_PROXY", remote, 1);
	assert_int_equal(get_url(TLS_TARGET, -1, &err), KVL_ERR_NETWORK);
	assert_null(strstr(err.message, "proxy"));
	kvl_error_clear(&err);
	assert_int_equal(mock_count(proxy), 0);
	mock_stop(proxy);
}

/* A 407 is not retried, and the message blames the proxy's credentials
 * without showing them. */
static void proxy_407_not_retried(void **state)
{
	int status = 407;
	struct mock_server *proxy = mock_start(reply_status, &status);
	char url[128];
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_non_null(proxy);
	snprintf(url, sizeof(url), "http://ops:s3cret@%s",
		 mock_base(proxy) + strlen("http://"));
	setenv("https_proxy", url, 1);
	assert_int_equal(get_url(TLS_TARGET, 3, &err), KVL_ERR_NETWORK);
	assert_int_equal(mock_count(proxy), 1);
	assert_non_null(strstr(err.message, "rejected the user name and "
				"password in https_proxy (HTTP 407)"));
	assert_non_null(strstr(err.message, "http://***@127.0.0.1:"));
	assert_null(strstr(err.message, "s3cr"));
	kvl_error_clear(&err);
	mock_stop(proxy);
}

/* Another error status in answer to CONNECT names the proxy, not Azure
 * or the network. */
static void proxy_502_names_proxy(void **state)
{
	int status = 502;
	struct mock_server *proxy = mock_start(reply_status, &status);
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_non_null(proxy);
	setenv("HTTPS_PROXY", mock_base(proxy), 1);
	assert_int_equal(get_url(TLS_TARGET, -1, &err), KVL_ERR_NETWORK);
	assert_non_null(strstr(err.message, "(from HTTPS_PROXY) could not "
				"open a connection to " TLS_TARGET
				" (HTTP 502)"));
	assert_null(strstr(err.message, "Azure"));
	kvl_error_clear(&err);
	mock_stop(proxy);
}

/* A proxy that cannot be reached is named with its variable. */
static void dead_proxy_named(void **state)
{
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1);
	assert_int_equal(get_url(TLS_TARGET, -1, &err), KVL_ERR_NETWORK);
	assert_non_null(strstr(err.message, "cannot connect to the proxy "
				"http://127.0.0.1:9 (from HTTPS_PROXY)"));
	kvl_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(proxy_order, clear_vars),
		cmocka_unit_test_setup(ca_order, clear_vars),
		cmocka_unit_test(proxy_redacted),
		cmocka_unit_test_setup(plain_http_direct, clear_vars),
		cmocka_unit_test_setup(probe_plain_http_direct, clear_vars),
		cmocka_unit_test_setup(https_uses_proxy, clear_vars),
		cmocka_unit_test_setup(loopback_skips_remote_proxy,
				       clear_vars),
		cmocka_unit_test_setup(proxy_407_not_retried, clear_vars),
		cmocka_unit_test_setup(proxy_502_names_proxy, clear_vars),
		cmocka_unit_test_setup(dead_proxy_named, clear_vars),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
