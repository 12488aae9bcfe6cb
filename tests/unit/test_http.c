/* The HTTP client against a scripted libmicrohttpd server on loopback. */
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

#include "core/http.h"
#include "core/log.h"
#include "mock_server.h"

/* What the scripted server sends: one reply per request, the last one
 * repeated once the script runs out. */
struct script {
	struct mock_reply replies[8];
	size_t n;
	struct mock_server *server;
	bool cancel_after_first;
	bool cancelled;
};

static void play_script(void *ctx, size_t index,
			const struct mock_request *request,
			struct mock_reply *reply)
{
	struct script *s = ctx;

	(void)request;
	*reply = s->replies[index < s->n ? index : s->n - 1];
	if (s->cancel_after_first)
		s->cancelled = true;
}

static bool script_cancelled(void *ctx)
{
	return ((struct script *)ctx)->cancelled;
}

static struct kvl_http *fast_client(int max_retries, size_t max_body,
				    const struct kvl_sink *sink)
{
	struct kvl_http_options o = {
		.max_retries = max_retries,
		.backoff_ms = 1,
		.max_backoff_ms = 20,
		.max_body = max_body,
		.sink = sink,
	};
	struct kvl_http *http = NULL;

	assert_int_equal(kvl_http_new(&o, &http), KVL_OK);
	return http;
}

static char *url_of(struct script *s, const char *path)
{
	char *url = NULL;

	assert_true(asprintf(&url, "%s%s", mock_base(s->server), path) > 0);
	return url;
}

/* GETs path as JSON; returns the result and fills err. */
static kvl_result get_json(struct kvl_http *http, struct script *s,
			   const char *path, struct kvl_error *err)
{
	char *url = url_of(s, path);
	json_object *out = NULL;
	kvl_result res;

	res = kvl_http_json(http, "GET", url, "tok", NULL, "test call", &out,
			    err);
	json_object_put(out);
	free(url);
	return res;
}

static void retry_429_then_success(void **state)
{
	struct script s = { .n = 2 };
	struct kvl_error err;
	struct kvl_http *http;

	(void)state;
	s.replies[0] = (struct mock_reply){ 429, "{}", "Retry-After", "1" };
	s.replies[1] = (struct mock_reply){ 200, "{\"ok\":true}", NULL, NULL };
	s.server = mock_start(play_script, &s);
	assert_non_null(s.server);
	http = fast_client(3, 0, NULL);
	kvl_error_init(&err);

	assert_int_equal(get_json(http, &s, "/a", &err), KVL_OK);
	assert_int_equal(mock_count(s.server), 2);
	assert_int_equal(kvl_http_request_count(http), 2);

	kvl_error_clear(&err);
	kvl_http_free(http);
	mock_stop(s.server);
}

static void retry_503_then_success(void **state)
{
	struct script s = { .n = 3 };
	struct kvl_error err;
	struct kvl_http *http;

	(void)state;
	s.replies[0] = (struct mock_reply){ 503, "", NULL, NULL };
	s.replies[1] = (struct mock_reply){ 503, "", NULL, NULL };
	s.replies[2] = (struct mock_reply){ 200, "{}", NULL, NULL };
	s.server = mock_start(play_script, &s);
	http = fast_client(3, 0, NULL);
	kvl_error_init(&err);

	assert_int_equal(get_json(http, &s, "/a", &err), KVL_OK);
	assert_int_equal(mock_count(s.server), 3);

	kvl_error_clear(&err);
	kvl_http_free(http);
	mock_stop(s.server);
}

static void throttled_gives_up(void **state)
{
	struct script s = { .n = 1 };
	struct kvl_error err;
	struct kvl_http *http;

	(void)state;
	s.replies[0] = (struct mock_reply){
		429, "{\"error\":{\"code\":\"TooManyRequests\","
		     "\"message\":\"slow down\"}}",
		"x-ms-correlation-request-id", "corr-429" };
	s.server = mock_start(play_script, &s);
	http = fast_client(2, 0, NULL);
	kvl_error_init(&err);

	assert_int_equal(get_json(http, &s, "/a", &err), KVL_ERR_THROTTLED);
	assert_int_equal(mock_count(s.server), 3);
	assert_int_equal(err.http_status, 429);
	assert_string_equal(err.correlation_id, "corr-429");
	assert_string_equal(err.azure_code, "TooManyRequests");
	assert_string_equal(err.operation, "test call");

	kvl_error_clear(&err);
	kvl_http_free(http);
	mock_stop(s.server);
}

static void server_error_gives_up(void **state)
{
	struct script s = { .n = 1 };
	struct kvl_error err;
	struct kvl_http *http;

	(void)state;
	s.replies[0] = (struct mock_reply){ 500, "oops", "x-ms-request-id",
					    "req-500" };
	s.server = mock_start(play_script, &s);
	http = fast_client(1, 0, NULL);
	kvl_error_init(&err);

	assert_int_equal(get_json(http, &s, "/a", &err), KVL_ERR_HTTP);
	assert_int_equal(mock_count(s.server), 2);
	assert_string_equal(err.correlation_id, "req-500");
	assert_null(err.azure_code);

	kvl_error_clear(&err);
	kvl_http_free(http);
	mock_stop(s.server);
}

static void not_found_no_retry(void **state)
{
	struct script s = { .n = 1 };
	struct kvl_error err;
	struct kvl_http *http;
	char *text;

	(void)state;
	s.replies[0] = (struct mock_reply){
		404, "{\"error\":{\"code\":\"ResourceNotFound\","
		     "\"message\":\"The vault \\u001b[31mkv\\u001b[0m was "
		     "not found.\"}}", "request-id", "rid-404" };
	s.server = mock_start(play_script, &s);
	http = fast_client(3, 0, NULL);
	kvl_error_init(&err);

	assert_int_equal(get_json(http, &s, "/a", &err), KVL_ERR_NOT_FOUND);
	assert_int_equal(mock_count(s.server), 1);
	assert_string_equal(err.azure_code, "ResourceNotFound");
	assert_null(strchr(err.azure_message, '\x1b'));
	assert_string_equal(err.correlation_id, "rid-404");
	text = kvl_error_format(&err);
	assert_non_null(strstr(text, "ResourceNotFound"));
	assert_non_null(strstr(text, "rid-404"));

	free(text);
	kvl_error_clear(&err);
	kvl_http_free(http);
	mock_stop(s.server);
}

static void connection_error_retried(void **state)
{
	struct script s = { .n = 1 };
	struct kvl_error err;
	struct kvl_http *http;
	char *url;

	(void)state;
	s.replies[0] = (struct mock_reply){ 200, "{}", NULL, NULL };
	s.server = mock_start(play_script, &s);
	url = url_of(&s, "/gone");
	mock_stop(s.server);
	http = fast_client(2, 0, NULL);
	kvl_error_init(&err);

	{
		json_object *out = NULL;

		assert_int_equal(kvl_http_json(http, "GET", url, NULL, NULL,
					       "test call", &out, &err),
				 KVL_ERR_NETWORK);
		assert_null(out);
	}
	assert_int_equal(kvl_http_request_count(http), 3);

	free(url);
	kvl_error_clear(&err);
	kvl_http_free(http);
}

static void error_envelope_shapes(void **state)
{
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	kvl_http_parse_error_body("{\"error\":{\"code\":\"Authorization_"
				  "RequestDenied\",\"message\":\"Insufficient"
				  " privileges\",\"innerError\":{\"request-id"
				  "\":\"graph-rid\",\"date\":\"2026-01-01\"}}}",
				  &err);
	assert_string_equal(err.azure_code, "Authorization_RequestDenied");
	assert_string_equal(err.azure_message, "Insufficient privileges");
	assert_string_equal(err.correlation_id, "graph-rid");
	kvl_error_clear(&err);

	kvl_http_parse_error_body("{\"error\":\"invalid_grant\","
				  "\"error_description\":\"AADSTS70000: "
				  "expired\",\"correlation_id\":\"entra-c\","
				  "\"trace_id\":\"entra-t\"}", &err);
	assert_string_equal(err.azure_code, "invalid_grant");
	assert_string_equal(err.azure_message, "AADSTS70000: expired");
	assert_string_equal(err.correlation_id, "entra-c");
	kvl_error_clear(&err);

	kvl_http_parse_error_body("{\"error\":{\"code\":\"Forbidden\","
				  "\"message\":\"Client address is not "
				  "authorized\",\"innererror\":{\"code\":"
				  "\"ForbiddenByFirewall\"}}}", &err);
	assert_string_equal(err.azure_code, "Forbidden");
	assert_non_null(strstr(err.azure_message, "ForbiddenByFirewall"));
	kvl_error_clear(&err);

	kvl_http_parse_error_body("<html>proxy error</html>", &err);
	assert_null(err.azure_code);
	assert_null(err.azure_message);
	kvl_http_parse_error_body("{\"error\":null}", &err);
	assert_null(err.azure_code);
	kvl_error_clear(&err);
}

/* Serves /page/N with two items; the link of each page is set per test. */
struct pager {
	struct mock_server *server;
	const char *next[4];	/* next path or URL after page N, or NULL */
	char message[512];	/* the error message of the list, or "" */
};

static void serve_pages(void *ctx, size_t index,
			const struct mock_request *request,
			struct mock_reply *reply)
{
	static char bodies[4][256];
	struct pager *p = ctx;
	int page = request->target[6] - '0';

	(void)index;
	if (page < 1 || page > 3) {
		*reply = (struct mock_reply){ 404, "{}", NULL, NULL };
		return;
	}
	if (p->next[page] == NULL)
		snprintf(bodies[page], sizeof(bodies[page]),
			 "{\"value\":[{\"n\":%d},{\"n\":%d}]}", page * 10,
			 page * 10 + 1);
	else
		snprintf(bodies[page], sizeof(bodies[page]),
			 "{\"value\":[{\"n\":%d},{\"n\":%d}],\"nextLink\":"
			 "\"%s%s\"}", page * 10, page * 10 + 1,
			 p->next[page][0] == '/' ? mock_base(p->server) : "",
			 p->next[page]);
	*reply = (struct mock_reply){ 200, bodies[page], NULL, NULL };
}

struct seen_items {
	int values[16];
	size_t n;
};

static kvl_result count_item(json_object *item, void *ctx)
{
	struct seen_items *seen = ctx;
	json_object *n;

	if (seen->n >= 16 || !json_object_object_get_ex(item, "n", &n))
		return KVL_ERR_PARSE;
	seen->values[seen->n++] = json_object_get_int(n);
	return KVL_OK;
}

static kvl_result list_pages(struct pager *p, struct seen_items *seen,
			     struct kvl_http **http_out)
{
	struct kvl_http *http = fast_client(1, 0, NULL);
	struct kvl_error err;
	char *url = NULL;
	kvl_result res;

	assert_true(asprintf(&url, "%s/page/1?x=1", mock_base(p->server)) > 0);
	kvl_error_init(&err);
	res = kvl_http_list(http, url, "tok", "nextLink", "list test",
			    count_item, seen, &err);
	snprintf(p->message, sizeof(p->message), "%s",
		 err.message ? err.message : "");
	kvl_error_clear(&err);
	free(url);
	*http_out = http;
	return res;
}

static void paging_three_pages(void **state)
{
	struct pager p = { .next = { NULL, "/page/2?skip=a%20b", "/page/3" } };
	struct seen_items seen = { .n = 0 };
	struct kvl_http *http;
	struct mock_request *second;

	(void)state;
	p.server = mock_start(serve_pages, &p);
	assert_int_equal(list_pages(&p, &seen, &http), KVL_OK);
	assert_int_equal(seen.n, 6);
	assert_int_equal(seen.values[0], 10);
	assert_int_equal(seen.values[5], 31);
	assert_int_equal(mock_count(p.server), 3);
	second = mock_request_at(p.server, 1);
	assert_string_equal(second->target, "/page/2?skip=a b");
	assert_string_equal(second->authorization, "Bearer tok");

	mock_request_free(second);
	kvl_http_free(http);
	mock_stop(p.server);
}

/* A nextLink back to the first page would loop forever: the list fails
 * after the items of the pages already read. */
static void paging_rejects_repeat(void **state)
{
	struct pager p = { .next = { NULL, "/page/2", "/page/1?x=1" } };
	struct seen_items seen = { .n = 0 };
	struct kvl_http *http;

	(void)state;
	p.server = mock_start(serve_pages, &p);
	assert_int_equal(list_pages(&p, &seen, &http), KVL_ERR_PARSE);
	assert_non_null(strstr(p.message, "nextLink repeats page 1"));
	assert_int_equal(mock_count(p.server), 2);
	assert_int_equal(seen.n, 4);

	kvl_http_free(http);
	mock_stop(p.server);
}

static void paging_stops_on_empty(void **state)
{
	struct pager p = { .next = { NULL, "" } };
	struct seen_items seen = { .n = 0 };
	struct kvl_http *http;

	(void)state;
	p.server = mock_start(serve_pages, &p);
	assert_int_equal(list_pages(&p, &seen, &http), KVL_OK);
	assert_int_equal(mock_count(p.server), 1);
	assert_int_equal(seen.n, 2);

	kvl_http_free(http);
	mock_stop(p.server);
}

/* A nextLink to the same host on another port is not followed, so the
 * bearer token stays with the server that listed the first page. */
static void paging_stops_on_other_port(void **state)
{
	struct pager p = { .next = { NULL, "http://127.0.0.1:1/page/2" } };
	struct seen_items seen = { .n = 0 };
	struct kvl_http *http;

	(void)state;
	p.server = mock_start(serve_pages, &p);
	assert_int_equal(list_pages(&p, &seen, &http), KVL_ERR_PARSE);
	assert_int_equal(mock_count(p.server), 1);
	assert_int_equal(kvl_http_request_count(http), 1);

	kvl_http_free(http);
	mock_stop(p.server);
}

/* Serves /endless/N: n_items items and a nextLink to /endless/N+1.
 * Counts the pages itself, as the mock server records 256 requests. */
struct endless {
	struct mock_server *server;
	size_t n_items;
	size_t served;
	char *body;
};

static void serve_endless(void *ctx, size_t index,
			  const struct mock_request *request,
			  struct mock_reply *reply)
{
	struct endless *e = ctx;
	size_t len = 0, cap = e->n_items * 3 + 256;

	(void)request;
	(void)index;
	e->served++;
	free(e->body);
	e->body = malloc(cap);
	assert_non_null(e->body);
	len += (size_t)snprintf(e->body, cap, "{\"value\":[");
	for (size_t i = 0; i < e->n_items; i++)
		len += (size_t)snprintf(e->body + len, cap - len, "%s{}",
					i > 0 ? "," : "");
	snprintf(e->body + len, cap - len,
		 "],\"nextLink\":\"%s/endless/%zu\"}", mock_base(e->server),
		 e->served + 1);
	*reply = (struct mock_reply){ 200, e->body, NULL, NULL };
}

static kvl_result count_any(json_object *item, void *ctx)
{
	(void)item;
	(*(size_t *)ctx)++;
	return KVL_OK;
}

/*
 * Lists /endless/1 with n_items per page, which must fail with limit_text
 * in the message after the server sent `pages` pages and `items` items
 * were handed on.
 */
static void expect_list_limit(size_t n_items, const char *limit_text,
			      size_t pages, size_t items)
{
	struct endless e = { .n_items = n_items };
	struct kvl_http *http = fast_client(1, 0, NULL);
	struct kvl_error err;
	char *url = NULL;
	size_t count = 0;

	e.server = mock_start(serve_endless, &e);
	assert_true(asprintf(&url, "%s/endless/1", mock_base(e.server)) > 0);
	kvl_error_init(&err);

	assert_int_equal(kvl_http_list(http, url, "tok", "nextLink",
				       "list test", count_any, &count, &err),
			 KVL_ERR_PARSE);
	assert_non_null(strstr(err.message, limit_text));
	assert_non_null(strstr(err.message, "kvlink's limit"));
	assert_string_equal(err.operation, "list test");
	assert_int_equal(e.served, pages);
	assert_int_equal(count, items);

	kvl_error_clear(&err);
	free(url);
	kvl_http_free(http);
	mock_stop(e.server);
	free(e.body);
}

static void paging_page_limit(void **state)
{
	char limit[32];

	(void)state;
	snprintf(limit, sizeof(limit), "more than %d pages",
		 KVL_HTTP_MAX_PAGES);
	expect_list_limit(1, limit, KVL_HTTP_MAX_PAGES, KVL_HTTP_MAX_PAGES);
}

/* The maximum number of items in one list passes; one more fails before
 * any item of the page that crosses the limit is handed on. */
static void list_item_limit(void **state)
{
	char limit[32];

	(void)state;
	snprintf(limit, sizeof(limit), "more than %d items",
		 KVL_HTTP_MAX_LIST_ITEMS);
	expect_list_limit(KVL_HTTP_MAX_LIST_ITEMS / 2, limit, 3,
			  KVL_HTTP_MAX_LIST_ITEMS);
}

static void body_size_limit(void **state)
{
	static char big[2048];
	struct script s = { .n = 1 };
	struct kvl_error err;
	struct kvl_http *http;

	(void)state;
	memset(big, ' ', sizeof(big) - 3);
	big[0] = '{';
	big[sizeof(big) - 3] = '}';
	s.replies[0] = (struct mock_reply){ 200, big, NULL, NULL };
	s.server = mock_start(play_script, &s);
	http = fast_client(1, 100, NULL);
	kvl_error_init(&err);

	assert_int_equal(get_json(http, &s, "/big", &err), KVL_ERR_PARSE);
	assert_non_null(strstr(err.message, "larger than 100 bytes, kvlink's "
				"limit"));
	assert_int_equal(mock_count(s.server), 1);

	kvl_error_clear(&err);
	kvl_http_free(http);
	mock_stop(s.server);
}

static void cancel_during_backoff(void **state)
{
	struct script s = { .n = 1, .cancel_after_first = true };
	struct kvl_sink sink = { .cancelled = script_cancelled, .ctx = &s };
	struct kvl_http_options o = {
		.max_retries = 5, .backoff_ms = 60000,
		.max_backoff_ms = 60000, .sink = &sink,
	};
	struct kvl_http *http = NULL;
	struct kvl_error err;

	(void)state;
	s.replies[0] = (struct mock_reply){ 503, "", NULL, NULL };
	s.server = mock_start(play_script, &s);
	assert_int_equal(kvl_http_new(&o, &http), KVL_OK);
	kvl_error_init(&err);

	assert_int_equal(get_json(http, &s, "/a", &err), KVL_ERR_CANCELLED);
	assert_int_equal(mock_count(s.server), 1);

	kvl_error_clear(&err);
	kvl_http_free(http);
	mock_stop(s.server);
}

static void rejects_unsafe_requests(void **state)
{
	struct kvl_http *http = fast_client(1, 0, NULL);
	struct kvl_http_response resp;
	struct kvl_error err;

	(void)state;
	kvl_error_init(&err);
	assert_int_equal(kvl_http_send(http, "GET", "http://example.com/x",
				       NULL, NULL, NULL, &resp, &err),
			 KVL_ERR_INVALID);
	assert_int_equal(kvl_http_request_count(http), 0);
	kvl_error_clear(&err);

	/* A token with a line break would add a header of its own. */
	assert_int_equal(kvl_http_send(http, "GET", "http://127.0.0.1:9/x",
				       "tok\r\nX-Injected: 1", NULL, NULL,
				       &resp, &err), KVL_ERR_AUTH);
	assert_int_equal(kvl_http_request_count(http), 0);
	kvl_error_clear(&err);
	kvl_http_free(http);
}

static void retry_delay_values(void **state)
{
	(void)state;
	assert_int_equal(kvl_http_retry_delay_ms(500, 30000, 0, -1), 500);
	assert_int_equal(kvl_http_retry_delay_ms(500, 30000, 3, -1), 4000);
	assert_int_equal(kvl_http_retry_delay_ms(500, 30000, 20, -1), 30000);
	assert_int_equal(kvl_http_retry_delay_ms(500, 30000, 0, 7), 7000);
	assert_int_equal(kvl_http_retry_delay_ms(500, 30000, 0, 120), 120000);
	assert_int_equal(kvl_http_retry_delay_ms(500, 30000, 0, 3600),
			 KVL_HTTP_MAX_RETRY_AFTER_S * 1000L);
	assert_int_equal(kvl_http_retry_delay_ms(500, 30000, 2, 0), 0);
}

/* A Retry-After beyond the ceiling ends the retries at once, and the
 * error reports how long Azure asked to wait. */
static void long_retry_after_stops(void **state)
{
	struct script s = { .n = 2 };
	struct kvl_error err;
	struct kvl_http *http;

	(void)state;
	s.replies[0] = (struct mock_reply){ 429, "{}", "Retry-After",
					    "3600" };
	s.replies[1] = (struct mock_reply){ 200, "{}", NULL, NULL };
	s.server = mock_start(play_script, &s);
	assert_non_null(s.server);
	http = fast_client(3, 0, NULL);
	kvl_error_init(&err);

	assert_int_equal(get_json(http, &s, "/a", &err), KVL_ERR_THROTTLED);
	assert_int_equal(mock_count(s.server), 1);
	assert_non_null(err.message);
	assert_non_null(strstr(err.message, "wait 3600 seconds"));

	kvl_error_clear(&err);
	kvl_http_free(http);
	mock_stop(s.server);
}

static void request_log_redacts(void **state)
{
	char path[] = "/tmp/kvl-http-log-XXXXXX";
	struct script s = { .n = 1 };
	struct kvl_error err;
	struct kvl_http *http;
	char text[4096] = "";
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(kvl_log_open(path), KVL_OK);
	s.replies[0] = (struct mock_reply){ 200, "{}", "x-ms-request-id",
					    "log-rid" };
	s.server = mock_start(play_script, &s);
	http = fast_client(1, 0, NULL);
	kvl_error_init(&err);

	assert_int_equal(get_json(http, &s, "/v?api-version=1&$skiptoken=s3",
				  &err), KVL_OK);
	kvl_log_close();
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(text, 1, sizeof(text) - 1, f) > 0);
	fclose(f);
	assert_non_null(strstr(text, "GET "));
	assert_non_null(strstr(text, "api-version=1"));
	assert_non_null(strstr(text, "-> 200"));
	assert_non_null(strstr(text, "log-rid"));
	assert_null(strstr(text, "s3"));

	unlink(path);
	kvl_error_clear(&err);
	kvl_http_free(http);
	mock_stop(s.server);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(retry_429_then_success),
		cmocka_unit_test(retry_503_then_success),
		cmocka_unit_test(throttled_gives_up),
		cmocka_unit_test(server_error_gives_up),
		cmocka_unit_test(not_found_no_retry),
		cmocka_unit_test(connection_error_retried),
		cmocka_unit_test(error_envelope_shapes),
		cmocka_unit_test(paging_three_pages),
		cmocka_unit_test(paging_rejects_repeat),
		cmocka_unit_test(paging_page_limit),
		cmocka_unit_test(list_item_limit),
		cmocka_unit_test(paging_stops_on_empty),
		cmocka_unit_test(paging_stops_on_other_port),
		cmocka_unit_test(body_size_limit),
		cmocka_unit_test(cancel_during_backoff),
		cmocka_unit_test(rejects_unsafe_requests),
		cmocka_unit_test(retry_delay_values),
		cmocka_unit_test(long_retry_after_stops),
		cmocka_unit_test(request_log_redacts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
