/*
 * Several paged lists at once (kvl_http_list_many) against a scripted
 * libmicrohttpd server on loopback: every page of every list, connection
 * reuse, retries, and the limits that kvl_http_list() also keeps.
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
#include "mock_server.h"

/* Pages of each list the server serves under /list/N. */
#define PAGES 3
#define ITEMS_PER_PAGE 4
#define MAX_LISTS 40

struct server {
	struct mock_server *mock;
	char body[16384];
	int flaky_requests;	/* requests seen on /flaky */
	char big[8192];		/* a body over the client's limit */
};

/* What one list received: items in the order they came. */
struct received {
	int items[PAGES * ITEMS_PER_PAGE];
	size_t n;
};

/* Writes page page (0-based) of list list: ITEMS_PER_PAGE items
 * numbered list * 100 + page * 10 + i, and a nextLink unless last. */
static void list_page(struct server *s, int list, int page)
{
	int len = snprintf(s->body, sizeof(s->body), "{\"value\": [");

	for (int i = 0; i < ITEMS_PER_PAGE; i++)
		len += snprintf(s->body + len, sizeof(s->body) - (size_t)len,
				"%s{\"n\": %d}", i ? ", " : "",
				list * 100 + page * 10 + i);
	if (page + 1 < PAGES)
		len += snprintf(s->body + len, sizeof(s->body) - (size_t)len,
				"], \"nextLink\": \"%s/list/%d?page=%d\"}",
				mock_base(s->mock), list, page + 1);
	else
		snprintf(s->body + len, sizeof(s->body) - (size_t)len, "]}");
}

static void serve(void *ctx, size_t index, const struct mock_request *r,
		  struct mock_reply *reply)
{
	struct server *s = ctx;
	int list = 0, page = 0;

	(void)index;
	*reply = (struct mock_reply){ 200, s->body, NULL, NULL };
	if (sscanf(r->target, "/list/%d?page=%d", &list, &page) == 2) {
		list_page(s, list, page);
	} else if (sscanf(r->target, "/list/%d", &list) == 1) {
		list_page(s, list, 0);
	} else if (strcmp(r->target, "/fail") == 0) {
		*reply = (struct mock_reply){
			403, "{\"error\": {\"code\": \"AuthorizationFailed\", "
			"\"message\": \"no access\"}}",
			"x-ms-correlation-request-id", "corr-fail-1" };
	} else if (strcmp(r->target, "/loop") == 0) {
		snprintf(s->body, sizeof(s->body), "{\"value\": [], "
			 "\"nextLink\": \"%s/loop\"}", mock_base(s->mock));
	} else if (strcmp(r->target, "/big") == 0) {
		reply->body = s->big;
	} else if (strcmp(r->target, "/flaky") == 0) {
		if (s->flaky_requests++ == 0)
			*reply = (struct mock_reply){ 503, "{}", NULL, NULL };
		else
			snprintf(s->body, sizeof(s->body),
				 "{\"value\": [{\"n\": 7}]}");
	} else {
		*reply = (struct mock_reply){ 404, "{}", NULL, NULL };
	}
}

static kvl_result collect(json_object *item, void *ctx)
{
	struct received *got = ctx;
	json_object *n;

	if (got->n == PAGES * ITEMS_PER_PAGE ||
	    !json_object_object_get_ex(item, "n", &n))
		return KVL_ERR_PARSE;
	got->items[got->n++] = json_object_get_int(n);
	return KVL_OK;
}

static int setup(void **state)
{
	struct server *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -1;
	memset(s->big, ' ', sizeof(s->big) - 1);
	s->big[0] = '{';
	s->big[sizeof(s->big) - 2] = '}';
	s->mock = mock_start(serve, s);
	*state = s;
	return s->mock != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	struct server *s = *state;

	mock_stop(s->mock);
	free(s);
	return 0;
}

static struct kvl_http *client(void)
{
	struct kvl_http_options o = {
		.max_retries = 2, .backoff_ms = 1, .max_backoff_ms = 5,
		.max_body = 4096,
	};
	struct kvl_http *http = NULL;

	assert_int_equal(kvl_http_new(&o, &http), KVL_OK);
	return http;
}

/* Points job at path on the server, collecting into got. */
static void job_at(struct kvl_http_list_job *job, char *url, size_t len,
		   const struct server *s, const char *path,
		   struct received *got)
{
	snprintf(url, len, "%s%s", mock_base(s->mock), path);
	memset(job, 0, sizeof(*job));
	memset(got, 0, sizeof(*got));
	job->url = url;
	job->operation = "list the test items";
	job->fn = collect;
	job->ctx = got;
}

/* Runs one list of path on the server; job and got get its outcome. */
static void run_one(const struct server *s, const char *path,
		    struct kvl_http *http, struct kvl_http_list_job *job,
		    struct received *got)
{
	static char url[96];
	struct kvl_error err;

	kvl_error_init(&err);
	job_at(job, url, sizeof(url), s, path, got);
	assert_int_equal(kvl_http_list_many(http, "tok", "nextLink", job, 1,
					    0, &err), KVL_OK);
	assert_null(err.message);
}

static void every_page_of_every_list(void **state)
{
	struct server *s = *state;
	struct kvl_http_list_job jobs[MAX_LISTS];
	struct received got[MAX_LISTS];
	char urls[MAX_LISTS][96], path[32];
	struct kvl_http *http = client();
	struct kvl_error err;

	kvl_error_init(&err);
	for (int i = 0; i < MAX_LISTS; i++) {
		snprintf(path, sizeof(path), "/list/%d", i);
		job_at(&jobs[i], urls[i], sizeof(urls[i]), s, path, &got[i]);
	}
	assert_int_equal(kvl_http_list_many(http, "tok", "nextLink", jobs,
					    MAX_LISTS, 8, &err), KVL_OK);

	for (int i = 0; i < MAX_LISTS; i++) {
		assert_int_equal(jobs[i].result, KVL_OK);
		assert_int_equal(got[i].n, PAGES * ITEMS_PER_PAGE);
		/* Pages of one list arrive in order. */
		for (int k = 0; k < PAGES * ITEMS_PER_PAGE; k++)
			assert_int_equal(got[i].items[k], i * 100 +
					 (k / ITEMS_PER_PAGE) * 10 +
					 k % ITEMS_PER_PAGE);
		kvl_error_clear(&jobs[i].err);
	}
	assert_int_equal(mock_count(s->mock), MAX_LISTS * PAGES);
	assert_int_equal(kvl_http_request_count(http), MAX_LISTS * PAGES);
	/* 120 requests over at most 8 connections: the multi handle reused
	 * them instead of connecting for each request. */
	assert_true(kvl_http_connection_count(http) >= 1);
	assert_true(kvl_http_connection_count(http) <= 8);
	kvl_http_free(http);
}

static void one_at_a_time_one_connection(void **state)
{
	struct server *s = *state;
	struct kvl_http_list_job jobs[4];
	struct received got[4];
	char urls[4][96], path[32];
	struct kvl_http *http = client();
	struct kvl_error err;

	kvl_error_init(&err);
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/list/%d", i);
		job_at(&jobs[i], urls[i], sizeof(urls[i]), s, path, &got[i]);
	}
	assert_int_equal(kvl_http_list_many(http, "tok", "nextLink", jobs, 4,
					    1, &err), KVL_OK);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(jobs[i].result, KVL_OK);
		assert_int_equal(got[i].n, PAGES * ITEMS_PER_PAGE);
	}
	assert_int_equal(kvl_http_connection_count(http), 1);
	kvl_http_free(http);
}

static void failed_list_named_others_done(void **state)
{
	struct server *s = *state;
	struct kvl_http_list_job jobs[3];
	struct received got[3];
	char urls[3][96];
	struct kvl_http *http = client();
	struct kvl_error err;

	kvl_error_init(&err);
	job_at(&jobs[0], urls[0], sizeof(urls[0]), s, "/list/1", &got[0]);
	job_at(&jobs[1], urls[1], sizeof(urls[1]), s, "/fail", &got[1]);
	jobs[1].operation = "list the vaults of subscription B";
	job_at(&jobs[2], urls[2], sizeof(urls[2]), s, "/list/2", &got[2]);
	assert_int_equal(kvl_http_list_many(http, "tok", "nextLink", jobs, 3,
					    0, &err), KVL_OK);

	assert_int_equal(jobs[0].result, KVL_OK);
	assert_int_equal(got[0].n, PAGES * ITEMS_PER_PAGE);
	assert_int_equal(jobs[2].result, KVL_OK);
	assert_int_equal(got[2].n, PAGES * ITEMS_PER_PAGE);
	assert_int_equal(jobs[1].result, KVL_ERR_FORBIDDEN);
	assert_string_equal(jobs[1].err.operation,
			    "list the vaults of subscription B");
	assert_string_equal(jobs[1].err.azure_code, "AuthorizationFailed");
	assert_string_equal(jobs[1].err.correlation_id, "corr-fail-1");
	assert_int_equal(jobs[1].err.http_status, 403);
	for (int i = 0; i < 3; i++)
		kvl_error_clear(&jobs[i].err);
	kvl_http_free(http);
}

static void repeated_link_rejected(void **state)
{
	struct server *s = *state;
	struct kvl_http_list_job job;
	struct received got;
	struct kvl_http *http = client();

	run_one(s, "/loop", http, &job, &got);
	assert_int_equal(job.result, KVL_ERR_PARSE);
	assert_non_null(strstr(job.err.message, "repeats page 1"));
	assert_string_equal(job.err.operation, "list the test items");
	/* The first page's link repeats it, so it is not requested. */
	assert_int_equal(mock_count(s->mock), 1);
	kvl_error_clear(&job.err);
	kvl_http_free(http);
}

static void body_over_limit_rejected(void **state)
{
	struct server *s = *state;
	struct kvl_http_list_job job;
	struct received got;
	struct kvl_http *http = client();

	run_one(s, "/big", http, &job, &got);
	assert_int_equal(job.result, KVL_ERR_PARSE);
	assert_non_null(strstr(job.err.message, "larger than 4096 bytes"));
	assert_int_equal(got.n, 0);
	kvl_error_clear(&job.err);
	kvl_http_free(http);
}

static void server_error_retried(void **state)
{
	struct server *s = *state;
	struct kvl_http_list_job job;
	struct received got;
	struct kvl_http *http = client();

	run_one(s, "/flaky", http, &job, &got);
	assert_int_equal(job.result, KVL_OK);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.items[0], 7);
	assert_int_equal(s->flaky_requests, 2);
	assert_int_equal(kvl_http_request_count(http), 2);
	kvl_error_clear(&job.err);
	kvl_http_free(http);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_page_of_every_list,
						setup, teardown),
		cmocka_unit_test_setup_teardown(one_at_a_time_one_connection,
						setup, teardown),
		cmocka_unit_test_setup_teardown(failed_list_named_others_done,
						setup, teardown),
		cmocka_unit_test_setup_teardown(repeated_link_rejected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(body_over_limit_rejected,
						setup, teardown),
		cmocka_unit_test_setup_teardown(server_error_retried, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
