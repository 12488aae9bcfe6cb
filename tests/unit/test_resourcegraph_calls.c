/*
 * Resource Graph discovery through kvl_azure against a scripted server on
 * 127.0.0.1: batches of subscriptions, one token per tenant, paging with
 * $skipToken, the page limit, and the fallback to per-subscription lists.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/jsonutil.h"
#include "core/resourcegraph.h"
#include "mock_azure.h"
#include "mock_server.h"

#define SUB_A "5f1c3a2e-8d4b-4c6a-9e0f-1a2b3c4d5e6f"
#define SUB_B "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"
#define SUB_C "6c5d4e3f-2a1b-4c0d-9e8f-7a6b5c4d3e2f"
/* An unsigned token of the service principal in tenant t-sp. */
#define JWT_APP "eyJhbGciOiJub25lIn0." \
	"eyJvaWQiOiJiMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwYjIiLCJ0" \
	"aWQiOiJ0LXNwIiwiYXBwaWQiOiJhcHAtMSIsImlkdHlwIjoiYXBwIiwiZXhwIjo0" \
	"MTAyNDQ0ODAwfQ.c2ln"
#define OTHER_TOKEN "token-of-t-other"
#define GRAPH_TARGET "/arm/providers/Microsoft.ResourceGraph/resources" \
	"?api-version=2024-04-01"

/* How the scripted Resource Graph behaves. */
enum graph_mode {
	GRAPH_EMPTY,		/* one empty page */
	GRAPH_THREE_PAGES,	/* a vault per page, tokens p2 and p3 */
	/* The same with tokens p2 to p5, and one empty page for a query
	 * of SUB_B. */
	GRAPH_FIVE_PAGES,
	GRAPH_ENDLESS,		/* a new token on every page */
	GRAPH_FOREIGN_ROW,	/* a vault of an unrequested subscription */
	GRAPH_FORBIDDEN,	/* 403 AuthorizationFailed */
	/* kv-1 for a query of SUB_A, 403 for a query of SUB_B. */
	GRAPH_FORBIDDEN_FOR_B,
	/* As GRAPH_THREE_PAGES, but page 1 writes its key "$skipToken"
	 * with an escape, which the raw scan does not read. */
	GRAPH_ESCAPED_KEY,
	/* As GRAPH_ESCAPED_KEY, with a plain "$skipToken": "wrong" before
	 * the escaped one, so the scan and the parse disagree. The page
	 * for "wrong" contains kv-wrong. */
	GRAPH_TWO_KEYS,
};

struct fake_azure {
	struct mock_server *server;
	enum graph_mode mode;
	char body[4096];
	char dir[64];
	struct kvl_azure az;
};

static void vault_row(char *out, size_t len, const char *sub,
		      const char *name)
{
	snprintf(out, len, "{\"id\":\"/subscriptions/%s/resourceGroups/rg/"
		 "providers/Microsoft.KeyVault/vaults/%s\",\"name\":\"%s\","
		 "\"type\":\"microsoft.keyvault/vaults\",\"subscriptionId\":"
		 "\"%s\",\"properties\":{}}", sub, name, name, sub);
}

/* One page with at most one row, and a token when next is not NULL. */
static void graph_page(struct fake_azure *f, const char *row,
		       const char *next)
{
	snprintf(f->body, sizeof(f->body), "{\"totalRecords\":3,"
		 "\"count\":%d,\"resultTruncated\":\"false\",%s%s%s"
		 "\"facets\":[],\"data\":[%s]}", row ? 1 : 0,
		 next ? "\"$skipToken\":\"" : "", next ? next : "",
		 next ? "\"," : "", row ? row : "");
}

/* The first subscription that a Resource Graph request names, or "". */
static const char *first_subscription(json_object *request)
{
	const char *id = json_object_get_string(json_object_array_get_idx(
		kvl_json_path(request, "subscriptions"), 0));

	return id ? id : "";
}

static void serve_graph(struct fake_azure *f, const struct mock_request *r,
			struct mock_reply *reply)
{
	json_object *in = json_tokener_parse(r->body);
	const char *skip = kvl_json_str(in, "options.$skipToken");
	char row[512], next[32];

	if (f->mode == GRAPH_FORBIDDEN_FOR_B &&
	    strcmp(first_subscription(in), SUB_A) == 0) {
		vault_row(row, sizeof(row), SUB_A, "kv-1");
		graph_page(f, row, NULL);
		*reply = (struct mock_reply){ 200, f->body, NULL, NULL };
		json_object_put(in);
		return;
	}
	if (f->mode == GRAPH_FORBIDDEN || f->mode == GRAPH_FORBIDDEN_FOR_B) {
		strcpy(f->body, "{\"error\":{\"code\":\"AuthorizationFailed\","
		       "\"message\":\"No access to Resource Graph.\"}}");
		*reply = (struct mock_reply){ 403, f->body, NULL, NULL };
		json_object_put(in);
		return;
	}
	if ((f->mode == GRAPH_ESCAPED_KEY || f->mode == GRAPH_TWO_KEYS) &&
	    skip == NULL) {
		vault_row(row, sizeof(row), SUB_A, "kv-1");
		snprintf(f->body, sizeof(f->body), "{\"totalRecords\":3,"
			 "\"count\":1,\"resultTruncated\":\"false\",%s"
			 "\"\\u0024skipToken\":\"p2\",\"facets\":[],"
			 "\"data\":[%s]}", f->mode == GRAPH_TWO_KEYS ?
			 "\"$skipToken\":\"wrong\"," : "", row);
	} else if (f->mode == GRAPH_TWO_KEYS && strcmp(skip, "wrong") == 0) {
		vault_row(row, sizeof(row), SUB_A, "kv-wrong");
		graph_page(f, row, NULL);
	} else if (f->mode == GRAPH_FIVE_PAGES &&
		   strcmp(first_subscription(in), SUB_B) == 0) {
		graph_page(f, NULL, NULL);
	} else if (f->mode == GRAPH_FIVE_PAGES) {
		int page = skip == NULL ? 1 : atoi(skip + 1);

		snprintf(next, sizeof(next), "kv-%d", page);
		vault_row(row, sizeof(row), SUB_A, next);
		snprintf(next, sizeof(next), "p%d", page + 1);
		graph_page(f, row, page < 5 ? next : NULL);
	} else if (f->mode == GRAPH_THREE_PAGES ||
		   f->mode == GRAPH_ESCAPED_KEY || f->mode == GRAPH_TWO_KEYS) {
		const char *name = !skip ? "kv-1" : strcmp(skip, "p2") == 0 ?
				   "kv-2" : "kv-3";

		vault_row(row, sizeof(row), SUB_A, name);
		graph_page(f, row, !skip ? "p2" : strcmp(skip, "p2") == 0 ?
			   "p3" : NULL);
	} else if (f->mode == GRAPH_ENDLESS) {
		snprintf(next, sizeof(next), "p%zu", mock_count(f->server));
		graph_page(f, NULL, next);
	} else if (f->mode == GRAPH_FOREIGN_ROW) {
		vault_row(row, sizeof(row), SUB_C, "kv-foreign");
		graph_page(f, row, NULL);
	} else {
		graph_page(f, NULL, NULL);
	}
	*reply = (struct mock_reply){ 200, f->body, NULL, NULL };
	json_object_put(in);
}

/* Per-subscription vault lists: kv-a in SUB_A and kv-b in SUB_B, in
 * resource group rg. SUB_A has no resource group rg-b (404), SUB_B an
 * empty one. */
static void serve_vault_list(struct fake_azure *f,
			     const struct mock_request *r,
			     struct mock_reply *reply)
{
	bool in_a = strstr(r->target, SUB_A) != NULL;
	char row[512];

	if (in_a && strstr(r->target, "/resourceGroups/rg-b/") != NULL) {
		strcpy(f->body, "{\"error\":{\"code\":\"ResourceGroupNotFound"
		       "\",\"message\":\"Resource group 'rg-b' could not be "
		       "found.\"}}");
		*reply = (struct mock_reply){ 404, f->body, NULL, NULL };
		return;
	}
	vault_row(row, sizeof(row), in_a ? SUB_A : SUB_B,
		  in_a ? "kv-a" : "kv-b");
	if (strstr(r->target, "/resourceGroups/rg-b/") != NULL)
		strcpy(f->body, "{\"value\":[]}");
	else
		snprintf(f->body, sizeof(f->body), "{\"value\":[%s]}", row);
	*reply = (struct mock_reply){ 200, f->body, NULL, NULL };
}

static void serve_azure(void *ctx, size_t index,
			const struct mock_request *r,
			struct mock_reply *reply)
{
	struct fake_azure *f = ctx;

	(void)index;
	if (strncmp(r->target, "/login/t-other/", 15) == 0) {
		strcpy(f->body, "{\"token_type\":\"Bearer\",\"expires_in\":"
		       "3599,\"access_token\":\"" OTHER_TOKEN "\"}");
		*reply = (struct mock_reply){ 200, f->body, NULL, NULL };
	} else if (strncmp(r->target, "/login/", 7) == 0) {
		strcpy(f->body, "{\"token_type\":\"Bearer\",\"expires_in\":"
		       "3599,\"access_token\":\"" JWT_APP "\"}");
		*reply = (struct mock_reply){ 200, f->body, NULL, NULL };
	} else if (strcmp(r->target, GRAPH_TARGET) == 0) {
		serve_graph(f, r, reply);
	} else if (strstr(r->target, "/Microsoft.KeyVault/vaults?") != NULL) {
		serve_vault_list(f, r, reply);
	} else {
		strcpy(f->body, "{\"error\":{\"code\":\"NotFound\","
		       "\"message\":\"No route.\"}}");
		*reply = (struct mock_reply){ 404, f->body, NULL, NULL };
	}
}

static int setup(void **state)
{
	struct fake_azure *f = calloc(1, sizeof(*f));

	f->server = mock_start(serve_azure, f);
	if (f->server == NULL ||
	    mock_azure_init(&f->az, f->dir, f->server) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake_azure *f = *state;

	mock_azure_clear(&f->az, f->dir);
	mock_stop(f->server);
	free(f);
	return 0;
}

/* Collects the Resource Graph requests sent since request first. */
struct graph_calls {
	json_object *bodies[128];
	char *bearers[128];
	size_t n;
};

static void graph_calls_read(struct fake_azure *f, size_t first,
			     struct graph_calls *calls)
{
	memset(calls, 0, sizeof(*calls));
	for (size_t i = first; i < mock_count(f->server) && calls->n < 128;
	     i++) {
		struct mock_request *r = mock_request_at(f->server, i);

		if (strcmp(r->target, GRAPH_TARGET) == 0) {
			assert_string_equal(r->method, "POST");
			calls->bodies[calls->n] = json_tokener_parse(r->body);
			calls->bearers[calls->n] = strdup(r->authorization);
			assert_non_null(calls->bodies[calls->n]);
			calls->n++;
		}
		mock_request_free(r);
	}
}

static void graph_calls_clear(struct graph_calls *calls)
{
	for (size_t i = 0; i < calls->n; i++) {
		json_object_put(calls->bodies[i]);
		free(calls->bearers[i]);
	}
}

static size_t subscription_count(json_object *body)
{
	return json_object_array_length(kvl_json_path(body, "subscriptions"));
}

static const char *subscription_at(json_object *body, size_t i)
{
	return json_object_get_string(json_object_array_get_idx(
					      kvl_json_path(body,
							    "subscriptions"),
					      i));
}

static void subscription_set(struct kvl_subscription *s, const char *id,
			     const char *tenant, const char *state)
{
	s->subscription_id = (char *)id;
	s->tenant_id = (char *)tenant;
	s->state = (char *)state;
}

/* The index of the call whose request names n subscriptions. The next
 * batch's first page may go out before the current batch's, so tests do
 * not rely on the order of the calls. */
static size_t call_with_count(const struct graph_calls *calls, size_t n)
{
	for (size_t i = 0; i < calls->n; i++)
		if (subscription_count(calls->bodies[i]) == n)
			return i;
	fail_msg("no Resource Graph call names %zu subscriptions", n);
	return 0;
}

static void batches_of_a_thousand(void **state)
{
	struct fake_azure *f = *state;
	size_t n = KVL_RESGRAPH_MAX_SUBSCRIPTIONS + 1;
	struct kvl_subscription *subs = calloc(n, sizeof(*subs));
	char (*ids)[40] = calloc(n, sizeof(*ids));
	size_t first = mock_count(f->server), n_vaults = 9, big, small;
	struct kvl_vault *vaults = NULL;
	struct graph_calls calls;
	struct kvl_error err;

	assert_non_null(subs);
	assert_non_null(ids);
	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], sizeof(ids[i]),
			 "00000000-0000-4000-8000-%012zu", i);
		subscription_set(&subs[i], ids[i], "t-sp", "Enabled");
	}
	f->mode = GRAPH_EMPTY;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_list_vaults(&f->az, subs, n, NULL,
						  &vaults, &n_vaults, &err),
			 KVL_OK);
	assert_int_equal(n_vaults, 0);
	graph_calls_read(f, first, &calls);
	assert_int_equal(calls.n, 2);
	big = call_with_count(&calls, 1000);
	small = call_with_count(&calls, 1);
	assert_int_not_equal(big, small);
	assert_string_equal(subscription_at(calls.bodies[big], 0), ids[0]);
	assert_string_equal(subscription_at(calls.bodies[small], 0),
			    ids[1000]);
	graph_calls_clear(&calls);
	kvl_vaults_free(vaults, n_vaults);
	kvl_error_clear(&err);
	free(ids);
	free(subs);
}

static void one_request_per_tenant(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_subscription subs[3] = { 0 };
	size_t first = mock_count(f->server), n_vaults = 0, sp, other;
	struct kvl_vault *vaults = NULL;
	struct graph_calls calls;
	struct kvl_error err;

	subscription_set(&subs[0], SUB_A, "t-sp", "Enabled");
	subscription_set(&subs[1], SUB_B, "t-other", "Enabled");
	subscription_set(&subs[2], SUB_C, "T-SP", "Enabled");
	f->mode = GRAPH_EMPTY;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_list_vaults(&f->az, subs, 3, NULL,
						  &vaults, &n_vaults, &err),
			 KVL_OK);
	graph_calls_read(f, first, &calls);
	assert_int_equal(calls.n, 2);
	sp = call_with_count(&calls, 2);
	other = call_with_count(&calls, 1);
	assert_string_equal(subscription_at(calls.bodies[sp], 0), SUB_A);
	assert_string_equal(subscription_at(calls.bodies[sp], 1), SUB_C);
	assert_string_equal(calls.bearers[sp], "Bearer " JWT_APP);
	assert_string_equal(subscription_at(calls.bodies[other], 0), SUB_B);
	assert_string_equal(calls.bearers[other], "Bearer " OTHER_TOKEN);
	graph_calls_clear(&calls);
	kvl_vaults_free(vaults, n_vaults);
	kvl_error_clear(&err);
}

static void pages_follow_skip_token(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_subscription subs[1] = { 0 };
	size_t first = mock_count(f->server), n_vaults = 0;
	struct kvl_vault *vaults = NULL;
	struct graph_calls calls;
	struct kvl_error err;

	subscription_set(&subs[0], SUB_A, NULL, NULL);
	f->mode = GRAPH_THREE_PAGES;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_list_vaults(&f->az, subs, 1, NULL,
						  &vaults, &n_vaults, &err),
			 KVL_OK);
	assert_int_equal(n_vaults, 3);
	assert_string_equal(vaults[0].name, "kv-1");
	assert_string_equal(vaults[1].name, "kv-2");
	assert_string_equal(vaults[2].name, "kv-3");
	assert_string_equal(vaults[2].resource_group, "rg");
	graph_calls_read(f, first, &calls);
	assert_int_equal(calls.n, 3);
	assert_false(kvl_json_has(calls.bodies[0], "options.$skipToken"));
	assert_string_equal(kvl_json_str(calls.bodies[1],
					 "options.$skipToken"), "p2");
	assert_string_equal(kvl_json_str(calls.bodies[2],
					 "options.$skipToken"), "p3");
	assert_string_equal(kvl_json_str(calls.bodies[2], "query"),
			    kvl_resgraph_vault_query);
	graph_calls_clear(&calls);
	kvl_vaults_free(vaults, n_vaults);
	kvl_error_clear(&err);
}

static void resource_group_filters_rows(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_subscription subs[1] = { 0 };
	struct kvl_vault *vaults = NULL;
	size_t n_vaults = 0;
	struct kvl_error err;

	subscription_set(&subs[0], SUB_A, NULL, NULL);
	f->mode = GRAPH_THREE_PAGES;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_list_vaults(&f->az, subs, 1, "RG",
						  &vaults, &n_vaults, &err),
			 KVL_OK);
	assert_int_equal(n_vaults, 3);
	kvl_vaults_free(vaults, n_vaults);
	assert_int_equal(kvl_resgraph_list_vaults(&f->az, subs, 1, "rg-b",
						  &vaults, &n_vaults, &err),
			 KVL_OK);
	assert_int_equal(n_vaults, 0);
	kvl_vaults_free(vaults, n_vaults);
	kvl_error_clear(&err);
}

static void endless_pages_stop(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_subscription subs[1] = { 0 };
	size_t first = mock_count(f->server), n_vaults = 5;
	struct kvl_vault *vaults = NULL;
	struct graph_calls calls;
	struct kvl_error err;

	subscription_set(&subs[0], SUB_A, NULL, NULL);
	f->mode = GRAPH_ENDLESS;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_list_vaults(&f->az, subs, 1, NULL,
						  &vaults, &n_vaults, &err),
			 KVL_ERR_PARSE);
	assert_null(vaults);
	assert_int_equal(n_vaults, 0);
	assert_non_null(strstr(err.message, "more than 100 pages"));
	graph_calls_read(f, first, &calls);
	assert_int_equal(calls.n, KVL_RESGRAPH_MAX_PAGES + 1);
	graph_calls_clear(&calls);
	kvl_error_clear(&err);
}

static void foreign_row_rejected(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_subscription subs[1] = { 0 };
	struct kvl_vault *vaults = NULL;
	size_t n_vaults = 0;
	struct kvl_error err;

	subscription_set(&subs[0], SUB_A, NULL, NULL);
	f->mode = GRAPH_FOREIGN_ROW;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_list_vaults(&f->az, subs, 1, NULL,
						  &vaults, &n_vaults, &err),
			 KVL_ERR_PARSE);
	assert_non_null(strstr(err.message, "not requested"));
	assert_string_equal(err.operation, "query Resource Graph");
	kvl_error_clear(&err);
}

static void discovery_falls_back(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_subscription subs[3] = { 0 };
	struct kvl_vault_discovery d;
	size_t first = mock_count(f->server);
	struct kvl_error err;
	bool listed_c = false;

	subscription_set(&subs[0], SUB_A, "t-sp", "Enabled");
	subscription_set(&subs[1], SUB_B, "t-sp", "Warned");
	subscription_set(&subs[2], SUB_C, "t-sp", "Disabled");
	f->mode = GRAPH_FORBIDDEN;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_discover_vaults(&f->az, subs, 3, NULL,
						      &d, &err), KVL_OK);
	assert_int_equal(d.source, KVL_VAULTS_PER_SUBSCRIPTION);
	assert_int_equal(d.n_subscriptions, 2);
	assert_int_equal(d.n_vaults, 2);
	assert_string_equal(d.vaults[0].name, "kv-a");
	assert_string_equal(d.vaults[1].name, "kv-b");
	assert_int_equal(d.fallback.result, KVL_ERR_FORBIDDEN);
	assert_string_equal(d.fallback.azure_code, "AuthorizationFailed");
	for (size_t i = first; i < mock_count(f->server); i++) {
		struct mock_request *r = mock_request_at(f->server, i);

		listed_c = listed_c || strstr(r->target, SUB_C) != NULL;
		mock_request_free(r);
	}
	assert_false(listed_c);
	kvl_vault_discovery_clear(&d);

	/* SUB_A has no rg-b: its 404 means no vaults, not a failure. */
	assert_int_equal(kvl_resgraph_discover_vaults(&f->az, subs, 3, "rg-b",
						      &d, &err), KVL_OK);
	assert_int_equal(d.source, KVL_VAULTS_PER_SUBSCRIPTION);
	assert_int_equal(d.n_vaults, 0);
	kvl_vault_discovery_clear(&d);
	kvl_error_clear(&err);
}

static void discovery_uses_graph(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_subscription subs[1] = { 0 };
	struct kvl_vault_discovery d;
	struct kvl_error err;

	subscription_set(&subs[0], SUB_A, "t-sp", "Enabled");
	f->mode = GRAPH_THREE_PAGES;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_discover_vaults(&f->az, subs, 1, NULL,
						      &d, &err), KVL_OK);
	assert_int_equal(d.source, KVL_VAULTS_RESOURCE_GRAPH);
	assert_int_equal(d.n_vaults, 3);
	assert_int_equal(d.fallback.result, KVL_OK);
	kvl_vault_discovery_clear(&d);

	/* A broken answer is an error, not a reason to fall back. */
	f->mode = GRAPH_FOREIGN_ROW;
	assert_int_equal(kvl_resgraph_discover_vaults(&f->az, subs, 1, NULL,
						      &d, &err),
			 KVL_ERR_PARSE);
	assert_null(d.vaults);
	kvl_vault_discovery_clear(&d);
	kvl_error_clear(&err);
}

/* What a kvl_vault_fn receiver saw: each vault's name, and how many
 * requests the fake server had when it came. */
struct received {
	struct fake_azure *f;
	char names[8][32];
	size_t requests[8];
	size_t n;
	size_t fail_at;		/* returns KVL_ERR_IO for this vault */
	/* With wait_page_2, whether the server got the request for page
	 * 2 (token "p2") while the first vault was being received. */
	bool wait_page_2;
	bool page_2_early;
	/* With wait_other, whether the server got a Resource Graph query
	 * with the token of tenant t-other while the first vault was being
	 * received. */
	bool wait_other;
	bool other_early;
	bool cannot_rewind;	/* rewind_received() fails */
	size_t rewinds;
};

/* Whether the server has received a Resource Graph request with the
 * given $skipToken. */
static bool graph_request_seen(struct fake_azure *f, const char *token)
{
	bool seen = false;

	for (size_t i = 0; !seen && i < mock_count(f->server); i++) {
		struct mock_request *r = mock_request_at(f->server, i);
		json_object *body = json_tokener_parse(r->body);
		const char *skip = kvl_json_str(body, "options.$skipToken");

		seen = strcmp(r->target, GRAPH_TARGET) == 0 && skip != NULL &&
		       strcmp(skip, token) == 0;
		json_object_put(body);
		mock_request_free(r);
	}
	return seen;
}

/* Waits up to ten seconds for the request for page 2. Page 2 is only
 * requested in that time when it is requested before the vaults of page
 * 1 are handed on. */
static bool page_2_requested(struct fake_azure *f)
{
	struct timespec step = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 1000; i++) {
		if (graph_request_seen(f, "p2"))
			return true;
		nanosleep(&step, NULL);
	}
	return false;
}

/* Waits up to ten seconds for a Resource Graph query with the token of
 * tenant t-other. */
static bool other_tenant_queried(struct fake_azure *f)
{
	struct timespec step = { 0, 10 * 1000 * 1000 };
	struct graph_calls calls;
	bool seen = false;

	for (int i = 0; i < 1000 && !seen; i++) {
		graph_calls_read(f, 0, &calls);
		for (size_t j = 0; j < calls.n; j++)
			seen = seen || strcmp(calls.bearers[j],
					      "Bearer " OTHER_TOKEN) == 0;
		graph_calls_clear(&calls);
		if (!seen)
			nanosleep(&step, NULL);
	}
	return seen;
}

static kvl_result receive_vault(struct kvl_vault *v, void *ctx)
{
	struct received *got = ctx;
	kvl_result r = got->n + 1 == got->fail_at ? KVL_ERR_IO : KVL_OK;

	assert_true(got->n < 8);
	if (got->n == 0 && got->wait_page_2)
		got->page_2_early = page_2_requested(got->f);
	if (got->n == 0 && got->wait_other)
		got->other_early = other_tenant_queried(got->f);
	snprintf(got->names[got->n], sizeof(got->names[0]), "%s", v->name);
	got->requests[got->n] = mock_count(got->f->server);
	got->n++;
	kvl_vault_clear(v);
	return r;
}

static void discovery_each_per_page(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_subscription subs[1] = { 0 };
	struct received got = { .f = f, .wait_page_2 = true };
	struct kvl_vault_discovery d;
	struct kvl_error err;
	size_t first = mock_count(f->server);
	char name[8];

	subscription_set(&subs[0], SUB_A, "t-sp", "Enabled");
	f->mode = GRAPH_FIVE_PAGES;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_discover_vaults_each(
				 &f->az, subs, 1, NULL, receive_vault, NULL, &got,
				 &d, &err), KVL_OK);
	assert_int_equal(d.source, KVL_VAULTS_RESOURCE_GRAPH);
	assert_int_equal(d.n_vaults, 0);
	assert_null(d.vaults);
	assert_int_equal(got.n, 5);
	for (size_t i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "kv-%zu", i + 1);
		assert_string_equal(got.names[i], name);
	}
	/* Page 2 is on the way while page 1's vault is handed on, but no
	 * more than two pages are requested beyond the one being handed
	 * on: the vaults are not all read before the first is. */
	assert_true(got.page_2_early);
	assert_true(got.requests[0] <= first + 3);
	assert_int_equal(got.requests[4], first + 5);
	kvl_vault_discovery_clear(&d);
	kvl_error_clear(&err);
}

static void next_tenant_sent_early(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_subscription subs[2] = { 0 };
	struct received got = { .f = f, .wait_other = true };
	struct kvl_vault_discovery d;
	struct kvl_error err;

	/* t-other's query goes out while the first vault of t-sp's five
	 * pages is handed on, not after t-sp's last page. */
	subscription_set(&subs[0], SUB_A, "t-sp", "Enabled");
	subscription_set(&subs[1], SUB_B, "t-other", "Enabled");
	f->mode = GRAPH_FIVE_PAGES;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_discover_vaults_each(
				 &f->az, subs, 2, NULL, receive_vault, NULL, &got,
				 &d, &err), KVL_OK);
	assert_int_equal(got.n, 5);
	assert_string_equal(got.names[0], "kv-1");
	assert_string_equal(got.names[4], "kv-5");
	assert_true(got.other_early);
	kvl_vault_discovery_clear(&d);
	kvl_error_clear(&err);
}

static bool rewind_received(void *ctx)
{
	struct received *got = ctx;

	got->rewinds++;
	if (got->cannot_rewind)
		return false;
	got->n = 0;
	return true;
}

static void rewind_lets_fallback_run(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_subscription subs[2] = { 0 };
	struct received got = { .f = f };
	struct kvl_vault_discovery d;
	struct kvl_error err;

	/* t-sp's query hands kv-1 on, then t-other's is rejected. The
	 * receiver drops kv-1, and every subscription is listed. */
	subscription_set(&subs[0], SUB_A, "t-sp", "Enabled");
	subscription_set(&subs[1], SUB_B, "t-other", "Enabled");
	f->mode = GRAPH_FORBIDDEN_FOR_B;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_discover_vaults_each(
				 &f->az, subs, 2, NULL, receive_vault,
				 rewind_received, &got, &d, &err), KVL_OK);
	assert_int_equal(d.source, KVL_VAULTS_PER_SUBSCRIPTION);
	assert_int_equal(d.fallback.result, KVL_ERR_FORBIDDEN);
	assert_int_equal(got.rewinds, 1);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.names[0], "kv-a");
	assert_string_equal(got.names[1], "kv-b");
	kvl_vault_discovery_clear(&d);

	/* A receiver that has passed kv-1 on cannot take it back, so the
	 * refusal fails the listing. */
	got = (struct received){ .f = f, .cannot_rewind = true };
	assert_int_equal(kvl_resgraph_discover_vaults_each(
				 &f->az, subs, 2, NULL, receive_vault,
				 rewind_received, &got, &d, &err),
			 KVL_ERR_FORBIDDEN);
	assert_int_equal(got.rewinds, 1);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.names[0], "kv-1");
	kvl_vault_discovery_clear(&d);
	kvl_error_clear(&err);
}

/* Lists SUB_A in mode and checks that exactly kv-1, kv-2 and kv-3 were
 * received, with requests for pages p2 and p3. */
static void list_three_pages(struct fake_azure *f, enum graph_mode mode,
			     struct received *got)
{
	struct kvl_subscription subs[1] = { 0 };
	struct kvl_vault_discovery d;
	struct kvl_error err;

	subscription_set(&subs[0], SUB_A, "t-sp", "Enabled");
	f->mode = mode;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_discover_vaults_each(
				 &f->az, subs, 1, NULL, receive_vault, NULL, got,
				 &d, &err), KVL_OK);
	assert_int_equal(got->n, 3);
	assert_string_equal(got->names[0], "kv-1");
	assert_string_equal(got->names[1], "kv-2");
	assert_string_equal(got->names[2], "kv-3");
	assert_true(graph_request_seen(f, "p2"));
	assert_true(graph_request_seen(f, "p3"));
	kvl_vault_discovery_clear(&d);
	kvl_error_clear(&err);
}

static void token_only_parse_finds(void **state)
{
	struct fake_azure *f = *state;
	struct received got = { .f = f };
	size_t first = mock_count(f->server);
	struct graph_calls calls;

	/* The scan misses the escaped key, so page 2 is requested after
	 * the parse, once. */
	list_three_pages(f, GRAPH_ESCAPED_KEY, &got);
	graph_calls_read(f, first, &calls);
	assert_int_equal(calls.n, 3);
	assert_string_equal(kvl_json_str(calls.bodies[1],
					 "options.$skipToken"), "p2");
	graph_calls_clear(&calls);
}

static void scanned_token_disagrees(void **state)
{
	struct fake_azure *f = *state;
	struct received got = { .f = f };
	size_t first = mock_count(f->server);
	struct graph_calls calls;
	size_t n_p2 = 0;

	/* The early request for "wrong" is dropped: kv-wrong never
	 * arrives, and page 2 is requested with the parsed token. */
	list_three_pages(f, GRAPH_TWO_KEYS, &got);
	graph_calls_read(f, first, &calls);
	assert_true(calls.n == 3 || calls.n == 4);
	for (size_t i = 0; i < calls.n; i++) {
		const char *skip = kvl_json_str(calls.bodies[i],
						"options.$skipToken");

		n_p2 += skip != NULL && strcmp(skip, "p2") == 0;
	}
	assert_int_equal(n_p2, 1);
	assert_string_equal(kvl_json_str(calls.bodies[calls.n - 1],
					 "options.$skipToken"), "p3");
	graph_calls_clear(&calls);
}

static void discovery_each_stops(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_subscription subs[1] = { 0 };
	struct received got = { .f = f, .fail_at = 2 };
	struct kvl_vault_discovery d;
	struct kvl_error err;

	subscription_set(&subs[0], SUB_A, "t-sp", "Enabled");
	f->mode = GRAPH_THREE_PAGES;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_discover_vaults_each(
				 &f->az, subs, 1, NULL, receive_vault, NULL, &got,
				 &d, &err), KVL_ERR_IO);
	assert_int_equal(got.n, 2);
	assert_int_equal(err.result, KVL_ERR_IO);
	assert_null(d.vaults);
	kvl_vault_discovery_clear(&d);
	kvl_error_clear(&err);
}

static void discovery_each_falls_back(void **state)
{
	struct fake_azure *f = *state;
	struct kvl_subscription subs[2] = { 0 };
	struct received got = { .f = f };
	struct kvl_vault_discovery d;
	struct kvl_error err;

	subscription_set(&subs[0], SUB_A, "t-sp", "Enabled");
	subscription_set(&subs[1], SUB_B, "t-sp", "Enabled");
	f->mode = GRAPH_FORBIDDEN;
	kvl_error_init(&err);
	assert_int_equal(kvl_resgraph_discover_vaults_each(
				 &f->az, subs, 2, NULL, receive_vault, NULL, &got,
				 &d, &err), KVL_OK);
	assert_int_equal(d.source, KVL_VAULTS_PER_SUBSCRIPTION);
	assert_int_equal(d.fallback.result, KVL_ERR_FORBIDDEN);
	assert_int_equal(d.n_vaults, 0);
	assert_null(d.vaults);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.names[0], "kv-a");
	assert_string_equal(got.names[1], "kv-b");
	kvl_vault_discovery_clear(&d);

	/* A receiver that fails stops the fallback's vaults too. */
	got.n = 0;
	got.fail_at = 1;
	assert_int_equal(kvl_resgraph_discover_vaults_each(
				 &f->az, subs, 2, NULL, receive_vault, NULL, &got,
				 &d, &err), KVL_ERR_IO);
	assert_int_equal(got.n, 1);
	assert_null(d.vaults);
	kvl_vault_discovery_clear(&d);
	kvl_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(batches_of_a_thousand, setup,
						teardown),
		cmocka_unit_test_setup_teardown(one_request_per_tenant, setup,
						teardown),
		cmocka_unit_test_setup_teardown(pages_follow_skip_token, setup,
						teardown),
		cmocka_unit_test_setup_teardown(resource_group_filters_rows,
						setup, teardown),
		cmocka_unit_test_setup_teardown(endless_pages_stop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(foreign_row_rejected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(discovery_falls_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(discovery_uses_graph, setup,
						teardown),
		cmocka_unit_test_setup_teardown(next_tenant_sent_early, setup,
						teardown),
		cmocka_unit_test_setup_teardown(rewind_lets_fallback_run, setup,
						teardown),
		cmocka_unit_test_setup_teardown(discovery_each_per_page, setup,
						teardown),
		cmocka_unit_test_setup_teardown(discovery_each_stops, setup,
						teardown),
		cmocka_unit_test_setup_teardown(token_only_parse_finds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(scanned_token_disagrees,
						setup, teardown),
		cmocka_unit_test_setup_teardown(discovery_each_falls_back,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
