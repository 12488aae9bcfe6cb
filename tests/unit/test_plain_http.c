/*
 * The https-or-loopback rule at each function that sends a request:
 * kvl_http_send (every Azure call, nextLink pages included),
 * kvl_http_get_with_header (IDENTITY_ENDPOINT and the instance metadata
 * service) and kvl_probe_http (connection tests). Plain http to another
 * host is rejected before any request, and plain http to loopback is sent.
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
#include "mock_server.h"

/* URLs that every entry point must reject. The hosts are under .invalid,
 * and main() points the proxy variables at a closed loopback port, so
 * even a broken check sends nothing off the machine. */
static const char *const rejected[] = {
	"http://azure.kvlink-test.invalid/x",
	"http://127.0.0.1@azure.kvlink-test.invalid/x",
	"http://127.0.0.1.kvlink-test.invalid/x",
	"http://localhost.kvlink-test.invalid/x",
	"ftp://127.0.0.1/x",
	"file:///etc/passwd",
};

#define N_REJECTED (sizeof(rejected) / sizeof(rejected[0]))

static void reply_ok(void *ctx, size_t index,
		     const struct mock_request *request,
		     struct mock_reply *reply)
{
	(void)ctx;
	(void)index;
	(void)request;
	*reply = (struct mock_reply){ 200, "{\"ok\":true}", NULL, NULL };
}

static struct kvl_http *new_client(void)
{
	struct kvl_http_options o = { .max_retries = -1 };
	struct kvl_http *http = NULL;

	assert_int_equal(kvl_http_new(&o, &http), KVL_OK);
	return http;
}

static void send_rejects_remote_http(void **state)
{
	struct kvl_http *http = new_client();
	struct kvl_http_response resp;
	struct kvl_error err;
	size_t i;

	(void)state;
	for (i = 0; i < N_REJECTED; i++) {
		kvl_error_init(&err);
		assert_int_equal(kvl_http_send(http, "GET", rejected[i],
					       "token", NULL, NULL, &resp,
					       &err), KVL_ERR_INVALID);
		assert_non_null(strstr(err.message, rejected[i]));
		kvl_error_clear(&err);
	}
	assert_int_equal(kvl_http_request_count(http), 0);
	kvl_http_free(http);
}

/* The instance metadata exception is the address itself, not a host
 * name that starts with it. */
static void header_get_rejects_remote_http(void **state)
{
	static const char *const lookalikes[] = {
		"http://169.254.169.254.kvlink-test.invalid/metadata",
		"http://169.254.169.254@identity.kvlink-test.invalid/",
		"http://169.254.169.2540/metadata",
	};
	struct kvl_http *http = new_client();
	struct kvl_http_response resp;
	struct kvl_error err;
	size_t i;

	(void)state;
	for (i = 0; i < N_REJECTED + 3; i++) {
		const char *url = i < N_REJECTED ? rejected[i]
						 : lookalikes[i - N_REJECTED];

		kvl_error_init(&err);
		assert_int_equal(kvl_http_get_with_header(http, url,
					"X-IDENTITY-HEADER: h", &resp, &err),
				 KVL_ERR_INVALID);
		assert_non_null(strstr(err.message, url));
		kvl_error_clear(&err);
	}
	assert_int_equal(kvl_http_request_count(http), 0);
	kvl_http_free(http);
}

static void probe_rejects_remote_http(void **state)
{
	struct kvl_probe_request req = { .method = "GET" };
	struct kvl_probe_response resp;
	struct kvl_error err;
	size_t i;

	(void)state;
	for (i = 0; i < N_REJECTED; i++) {
		req.url = rejected[i];
		kvl_error_init(&err);
		assert_int_equal(kvl_probe_http(&req, &resp, &err),
				 KVL_ERR_INVALID);
		assert_non_null(strstr(err.message, "plain http is allowed "
				       "only for loopback"));
		assert_int_equal(resp.status, 0);
		kvl_error_clear(&err);
		kvl_probe_response_clear(&resp);
	}
}

/* Plain http to 127.0.0.1 reaches the server through all three. */
static void loopback_http_sent(void **state)
{
	struct mock_server *server = mock_start(reply_ok, NULL);
	struct kvl_http *http = new_client();
	struct kvl_probe_request req = { .method = "GET" };
	struct kvl_http_response resp;
	struct kvl_probe_response probe;
	struct kvl_error err;
	char url[128];

	(void)state;
	snprintf(url, sizeof(url), "%s/msi/token", mock_base(server));
	kvl_error_init(&err);
	assert_int_equal(kvl_http_send(http, "GET", url, NULL, NULL, NULL,
				       &resp, &err), KVL_OK);
	assert_int_equal(resp.status, 200);
	kvl_http_response_clear(&resp);
	assert_int_equal(kvl_http_get_with_header(http, url,
				"X-IDENTITY-HEADER: h", &resp, &err), KVL_OK);
	assert_int_equal(resp.status, 200);
	kvl_http_response_clear(&resp);

	req.url = url;
	assert_int_equal(kvl_probe_http(&req, &probe, &err), KVL_OK);
	assert_int_equal(probe.status, 200);
	kvl_probe_response_clear(&probe);
	assert_int_equal(mock_count(server), 3);

	kvl_error_clear(&err);
	kvl_http_free(http);
	mock_stop(server);
}

int main(void)
{
	static const char *const proxy_vars[] = {
		"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
		"ALL_PROXY", "all_proxy",
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(send_rejects_remote_http),
		cmocka_unit_test(header_get_rejects_remote_http),
		cmocka_unit_test(probe_rejects_remote_http),
		cmocka_unit_test(loopback_http_sent),
	};
	size_t i;

	for (i = 0; i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++)
		setenv(proxy_vars[i], "http://127.0.0.1:9", 1);
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
