#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/resourcegraph.h"
#include "core/secret.h"
#include "i18n.h"

/*
 * Resource Graph keeps resource types in lower case. "properties" is the
 * vault's whole property bag, as a Resource Manager GET returns it, so
 * that one parser serves both paths. Ordering by id keeps paging stable.
 */
const char kvl_resgraph_vault_query[] =
	"resources"
	" | where type =~ 'microsoft.keyvault/vaults'"
	" | project id, name, type, location, resourceGroup, subscriptionId,"
	" tenantId, properties"
	" | order by id asc";

#define VAULT_TYPE "microsoft.keyvault/vaults"

/* --- Request and response shapes ------------------------------------ */

kvl_result kvl_resgraph_build_request(const char *const *subscriptions,
				      size_t n_subscriptions, int top,
				      const char *skip_token,
				      json_object **out,
				      struct kvl_error *err)
{
	json_object *body, *list, *options;

	*out = NULL;
	if (n_subscriptions == 0 ||
	    n_subscriptions > KVL_RESGRAPH_MAX_SUBSCRIPTIONS)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("a Resource Graph request takes 1 to "
				       "%d subscriptions, not %zu"),
				     KVL_RESGRAPH_MAX_SUBSCRIPTIONS,
				     n_subscriptions);
	if (top < 1 || top > KVL_RESGRAPH_MAX_TOP)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("a Resource Graph page holds 1 to %d "
				       "rows, not %d"), KVL_RESGRAPH_MAX_TOP,
				     top);

	body = json_object_new_object();
	list = json_object_new_array();
	options = json_object_new_object();
	for (size_t i = 0; i < n_subscriptions; i++)
		json_object_array_add(list, json_object_new_string(
					      subscriptions[i]));
	json_object_object_add(body, "subscriptions", list);
	json_object_object_add(body, "query",
			       json_object_new_string(
				       kvl_resgraph_vault_query));

	json_object_object_add(options, "$top", json_object_new_int(top));
	if (skip_token != NULL)
		json_object_object_add(options, "$skipToken",
				       json_object_new_string(skip_token));
	json_object_object_add(options, "resultFormat",
			       json_object_new_string("objectArray"));
	json_object_object_add(body, "options", options);
	*out = body;
	return KVL_OK;
}

static const char *json_type_text(json_object *value)
{
	switch (json_object_get_type(value)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double:
	case json_type_int: return "a number";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "unknown";
}

static const char *expected_text(json_type type)
{
	switch (type) {
	case json_type_boolean: return "a boolean";
	case json_type_int: return "an integer";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	default: return "a value";
	}
}

/*
 * Checks that path in obj has type, or is absent or null when optional.
 * what names obj in the message ("the page", "the row").
 */
static kvl_result check_member(json_object *obj, const char *path,
			       json_type type, bool optional,
			       const char *what, struct kvl_error *err)
{
	json_object *value = kvl_json_path(obj, path);

	if (value == NULL && optional)
		return KVL_OK;
	if (value == NULL)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("\"%s\" is missing from %s"),
				     path, what);
	if (json_object_is_type(value, type))
		return KVL_OK;
	return kvl_error_set(err, KVL_ERR_PARSE, _("\"%s\" of %s is %s, not "
						   "%s"),
			     path, what, json_type_text(value),
			     expected_text(type));
}

/* A member that a page or row must or may have, and its JSON type. */
struct member_rule {
	const char *path;
	json_type type;
	bool optional;
};

/* Checks obj, named what in messages, against n rules. */
static kvl_result check_members(json_object *obj, const char *what,
				const struct member_rule *rules, size_t n,
				struct kvl_error *err)
{
	kvl_result r = KVL_OK;

	if (!json_object_is_type(obj, json_type_object))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("%s is %s, not an object"), what,
				     json_type_text(obj));
	for (size_t i = 0; r == KVL_OK && i < n; i++)
		r = check_member(obj, rules[i].path, rules[i].type,
				 rules[i].optional, what, err);
	return r;
}

static kvl_result check_page_fields(json_object *body,
				    struct kvl_error *err)
{
	static const struct member_rule fields[] = {
		{ "data", json_type_array, false },
		{ "count", json_type_int, false },
		{ "totalRecords", json_type_int, false },
		{ "resultTruncated", json_type_string, false },
		{ "$skipToken", json_type_string, true },
		{ "facets", json_type_array, true },
	};

	return check_members(body, "the page", fields,
			     sizeof(fields) / sizeof(fields[0]), err);
}

static kvl_result check_page_counts(json_object *body, int top,
				    struct kvl_resgraph_page *page,
				    struct kvl_error *err)
{
	const char *truncated = kvl_json_str(body, "resultTruncated");
	int64_t count = kvl_json_int64(body, "count", -1);
	size_t rows = json_object_array_length(page->data);

	if (rows > (size_t)top)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the page has %zu rows, more than the "
				       "%d requested"), rows, top);
	if (count < 0 || (uint64_t)count != rows)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the page's \"count\" is %lld but it "
				       "has %zu rows"), (long long)count, rows);
	page->count = rows;
	page->total_records = kvl_json_int64(body, "totalRecords", -1);
	if (page->total_records < count)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the page's \"totalRecords\" (%lld) is "
				       "less than its \"count\" (%lld)"),
				     (long long)page->total_records,
				     (long long)count);
	/* "true" means rows were cut off with no way to page to them. */
	if (strcmp(truncated, "false") != 0)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the page's \"resultTruncated\" is not "
				       "\"false\", so some vaults were left "
				       "out"));
	return KVL_OK;
}

static kvl_result check_skip_token(json_object *body,
				   struct kvl_resgraph_page *page,
				   struct kvl_error *err)
{
	const char *token = kvl_json_str(body, "$skipToken");
	size_t len = token != NULL ? strlen(token) : 0;

	if (token == NULL)
		return KVL_OK;
	if (len == 0 || len > KVL_RESGRAPH_MAX_TOKEN)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the page's \"$skipToken\" is %zu "
				       "bytes long; 1 to %d are expected"), len,
				     KVL_RESGRAPH_MAX_TOKEN);
	page->skip_token = strdup(token);
	if (page->skip_token == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

kvl_result kvl_resgraph_parse_page(json_object *body, int top,
				   struct kvl_resgraph_page *page,
				   struct kvl_error *err)
{
	kvl_result r;

	memset(page, 0, sizeof(*page));
	r = check_page_fields(body, err);
	if (r != KVL_OK)
		return r;

	page->data = kvl_json_path(body, "data");
	r = check_page_counts(body, top, page, err);
	if (r == KVL_OK)
		r = check_skip_token(body, page, err);
	if (r != KVL_OK)
		kvl_resgraph_page_clear(page);
	return r;
}

void kvl_resgraph_page_clear(struct kvl_resgraph_page *page)
{
	free(page->skip_token);
	memset(page, 0, sizeof(*page));
}

/* --- Finding $skipToken in the raw text ------------------------------ */

#define SKIP_TOKEN_KEY "$skipToken"

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
			   *p == '\r'))
		p++;
	return p;
}

/* Returns the position after the JSON string that opens at p, or NULL
 * when the text ends first. *escaped is set when it has a backslash.
 * The text is NUL-terminated at end. */
static const char *skip_string(const char *p, const char *end,
			       bool *escaped)
{
	*escaped = false;
	for (p++; p < end; p++) {
		p += strcspn(p, "\"\\");
		/* A NUL inside the text is not JSON. */
		if (p >= end || *p == '\0')
			return NULL;
		if (*p == '"')
			return p + 1;
		*escaped = true;
		p++;
	}
	return NULL;
}

/* Reads the value after the key that ends at p into *found: a copy of
 * a plain string, or NULL for an escaped string or another type.
 * Returns where scanning goes on, or NULL on broken text. */
static const char *read_token_value(const char *p, const char *end,
				    char **found)
{
	const char *value, *after;
	bool escaped;

	free(*found);
	*found = NULL;
	p = skip_space(p, end);
	if (p >= end || *p != ':')
		return NULL;
	p = skip_space(p + 1, end);
	if (p >= end || *p != '"')
		return p;
	value = p;
	after = skip_string(value, end, &escaped);
	if (after != NULL && !escaped)
		*found = strndup(value + 1, (size_t)(after - value - 2));
	return after;
}

/* Scans for kvl_resgraph_scan_skip_token() when whole is set, else for
 * kvl_resgraph_scan_skip_token_start(). */
static char *scan_skip_token(const char *text, size_t len, bool whole)
{
	const char *p = skip_space(text, text + len), *end = text + len;
	const char *after;
	char *found = NULL;
	int depth = 0;
	bool expect_key = false, escaped;

	if (p >= end || *p != '{')
		return NULL;
	while (p != NULL && p < end) {
		switch (*p) {
		case '{':
		case '[':
			depth++;
			expect_key = depth == 1;
			p++;
			break;
		case '}':
		case ']':
			depth--;
			p++;
			break;
		case ',':
			expect_key = depth == 1;
			p++;
			break;
		case '"':
			after = skip_string(p, end, &escaped);
			if (after != NULL && depth == 1 && expect_key &&
			    !escaped &&
			    (size_t)(after - p) == sizeof(SKIP_TOKEN_KEY) + 1 &&
			    memcmp(p + 1, SKIP_TOKEN_KEY,
				   sizeof(SKIP_TOKEN_KEY) - 1) == 0)
				after = read_token_value(after, end, &found);
			expect_key = false;
			p = after;
			break;
		default:
			p++;
			break;
		}
	}
	/* Whole text that ends early or does not close its object is
	 * left to the full parse, which reports it. */
	if (whole && (p == NULL || depth != 0)) {
		free(found);
		return NULL;
	}
	return found;
}

char *kvl_resgraph_scan_skip_token(const char *text, size_t len)
{
	return scan_skip_token(text, len, true);
}

char *kvl_resgraph_scan_skip_token_start(const char *text, size_t len)
{
	return scan_skip_token(text, len, false);
}

/* --- Rows --------------------------------------------------------------- */

static kvl_result check_row_fields(json_object *row, struct kvl_error *err)
{
	static const struct member_rule fields[] = {
		{ "id", json_type_string, false },
		{ "name", json_type_string, false },
		{ "type", json_type_string, false },
		{ "subscriptionId", json_type_string, false },
		{ "properties", json_type_object, false },
		{ "location", json_type_string, true },
		{ "resourceGroup", json_type_string, true },
		{ "tenantId", json_type_string, true },
		{ "properties.tenantId", json_type_string, true },
		{ "properties.vaultUri", json_type_string, true },
		{ "properties.sku", json_type_object, true },
		{ "properties.enableRbacAuthorization", json_type_boolean,
		  true },
		{ "properties.enableSoftDelete", json_type_boolean, true },
		{ "properties.enablePurgeProtection", json_type_boolean, true },
		{ "properties.networkAcls", json_type_object, true },
		{ "properties.publicNetworkAccess", json_type_string, true },
		{ "properties.accessPolicies", json_type_array, true },
		{ "properties.provisioningState", json_type_string, true },
	};

	return check_members(row, "the row", fields,
			     sizeof(fields) / sizeof(fields[0]), err);
}

kvl_result kvl_resgraph_parse_vault_row(json_object *row,
					struct kvl_vault *out,
					struct kvl_error *err)
{
	kvl_result r;

	memset(out, 0, sizeof(*out));
	r = check_row_fields(row, err);
	if (r != KVL_OK)
		return r;
	if (strcasecmp(kvl_json_str(row, "type"), VAULT_TYPE) != 0)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the row's \"type\" is not %s"),
				     VAULT_TYPE);

	r = kvl_arm_parse_vault(row, out, err);
	if (r != KVL_OK)
		return r;
	/* The id decides where grants go, so it must agree with the
	 * subscription the row claims. */
	if (strcasecmp(out->subscription_id,
		       kvl_json_str(row, "subscriptionId")) != 0) {
		kvl_vault_clear(out);
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the row's \"subscriptionId\" differs "
				       "from the subscription in its \"id\""));
	}
	return KVL_OK;
}

/* --- Calls ---------------------------------------------------------------- */

/* The state of one kvl_resgraph_list_vaults() call. */
struct resgraph_run {
	struct kvl_azure *az;
	const char *resource_group;
	/* Each vault goes to each when it is set, else to vaults. */
	kvl_vault_fn each;
	void *each_ctx;
	struct kvl_vault *vaults;
	size_t n_vaults;
	size_t cap_vaults;
	size_t n_delivered;	/* vaults handed to each */
	char *url;
};

/*
 * One query of up to KVL_RESGRAPH_MAX_SUBSCRIPTIONS subscriptions of one
 * tenant, paged. The threads of its page requests read it too: each
 * requests the next page as soon as its own page shows a $skipToken
 * (see follow_page).
 */
struct graph_batch {
	struct resgraph_run *run;
	const char *tenant;	/* to ask a token for; NULL: sign-in's */
	const char *const *subs;
	size_t n_subs;
	/* The first page's request when it was sent before the batch's
	 * turn (see run_queries), else NULL. */
	struct kvl_http_ahead *first;
	/* The $skipToken values that the parsed pages gave, to catch a
	 * repeat. */
	char *tokens[KVL_RESGRAPH_MAX_PAGES];
	size_t n_tokens;
	struct kvl_http_chain chain;
	pthread_mutex_t lock;
	/* Under lock: the bearer token for the next request (in secret
	 * memory), the tokens that pages were requested with, and the
	 * page requests that the caller has not finished or discarded. */
	char *bearer;
	char *sent[KVL_RESGRAPH_MAX_PAGES];
	size_t n_sent;
	int outstanding;
};

/* The maximum number of page requests of a batch that follow_page()
 * lets be outstanding: the next page on the way and one more. This
 * bounds what waits in memory while the caller is slower than the
 * network. */
#define MAX_PAGES_AHEAD 2

/* Notes that the caller has finished or discarded a page request of b. */
static void page_done(struct graph_batch *b)
{
	pthread_mutex_lock(&b->lock);
	b->outstanding--;
	pthread_mutex_unlock(&b->lock);
}

/* Discards a page request of b; NULL is allowed.
 * NOTE: a request that page had already sent for the page after it is
 * dropped inside kvl_http_ahead_discard() without page_done(), so the
 * rest of the batch then fetches one page fewer ahead. That happens
 * only when the parse did not confirm a page's early $skipToken. */
static void page_discard(struct graph_batch *b, struct kvl_http_ahead *page)
{
	if (page == NULL)
		return;
	kvl_http_ahead_discard(page);
	page_done(b);
}

static bool in_list(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(list[i], s) == 0)
			return true;
	return false;
}

static kvl_result keep_vault(struct resgraph_run *run, struct kvl_vault *v)
{
	if (run->resource_group != NULL &&
	    strcasecmp(v->resource_group, run->resource_group) != 0) {
		kvl_vault_clear(v);
		return KVL_OK;
	}
	if (run->each != NULL) {
		run->n_delivered++;
		return run->each(v, run->each_ctx);
	}
	if (run->n_vaults == run->cap_vaults) {
		size_t cap = run->cap_vaults ? run->cap_vaults * 2 : 64;
		struct kvl_vault *grown = realloc(run->vaults,
						  cap * sizeof(*grown));

		if (grown == NULL) {
			kvl_vault_clear(v);
			return KVL_ERR_NOMEM;
		}
		run->vaults = grown;
		run->cap_vaults = cap;
	}
	run->vaults[run->n_vaults++] = *v;
	return KVL_OK;
}

/* Maps the rows of one page of batch b. */
static kvl_result take_rows(struct graph_batch *b,
			    const struct kvl_resgraph_page *page,
			    struct kvl_error *err)
{
	for (size_t i = 0; i < page->count; i++) {
		json_object *row = json_object_array_get_idx(page->data, i);
		struct kvl_vault v;
		kvl_result r = kvl_resgraph_parse_vault_row(row, &v, err);

		if (r != KVL_OK)
			return kvl_error_set(err, r, _("row %zu of page %zu: "
						       "%s"),
					     i + 1, b->n_tokens + 1,
					     err->message ? err->message : "");
		if (!in_list(b->subs, b->n_subs, v.subscription_id)) {
			kvl_vault_clear(&v);
			return kvl_error_set(err, KVL_ERR_PARSE,
					     _("row %zu of page %zu is a "
					       "vault of a subscription that "
					       "was not requested"), i + 1,
					     b->n_tokens + 1);
		}
		r = keep_vault(b->run, &v);
		if (r != KVL_OK)
			return kvl_error_set(err, r, r == KVL_ERR_NOMEM ?
					     _("out of memory") :
					     _("writing the vaults failed"));
	}
	return KVL_OK;
}

/* Records the next page's token, or fails when an earlier page had it. */
static kvl_result next_token(struct graph_batch *b, char **token,
			     struct kvl_error *err)
{
	for (size_t i = 0; i < b->n_tokens; i++)
		if (strcmp(b->tokens[i], *token) == 0)
			return kvl_error_set(err, KVL_ERR_PARSE,
					     _("page %zu repeats the "
					       "$skipToken of page %zu, so "
					       "paging would never end"),
					     b->n_tokens + 1,
					     i + 1);
	if (b->n_tokens == KVL_RESGRAPH_MAX_PAGES)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the answer has more than %d pages"),
				     KVL_RESGRAPH_MAX_PAGES);
	b->tokens[b->n_tokens++] = *token;
	*token = NULL;
	return KVL_OK;
}

/* Frees what b holds; its first request must be taken or discarded. */
static void batch_clear(struct graph_batch *b)
{
	kvl_http_ahead_discard(b->first);
	for (size_t i = 0; i < b->n_tokens; i++)
		free(b->tokens[i]);
	for (size_t i = 0; i < b->n_sent; i++)
		free(b->sent[i]);
	if (b->bearer != NULL)
		kvl_secret_free(b->bearer, strlen(b->bearer));
	pthread_mutex_destroy(&b->lock);
	memset(b, 0, sizeof(*b));
}

/* Logs a failure that the normal path makes up for later (an early
 * request or a token renewal) and clears err. */
static void log_early_failure(const char *step, struct kvl_error *err)
{
	kvl_log("Resource Graph: %s: %s", step, err->message ? err->message :
		kvl_result_name(err->result));
	kvl_error_clear(err);
}

/* Whether a page may be requested with token now: it is a usable
 * length, no page of the batch was requested with it, and the page
 * limit is not reached. next_token() checks the same after the full
 * parse. Safe on any thread. */
static bool token_may_follow(struct graph_batch *b, const char *token)
{
	size_t len = strlen(token);
	bool ok;

	if (len == 0 || len > KVL_RESGRAPH_MAX_TOKEN)
		return false;
	pthread_mutex_lock(&b->lock);
	ok = b->n_sent < KVL_RESGRAPH_MAX_PAGES;
	for (size_t i = 0; ok && i < b->n_sent; i++)
		ok = strcmp(b->sent[i], token) != 0;
	pthread_mutex_unlock(&b->lock);
	return ok;
}

/*
 * Starts the request for the page with token skip (NULL for the first
 * page) on its own thread, with the batch's current bearer token. Runs
 * on the caller's thread and on the threads of page requests. With
 * bounded set, no request is started (*out stays NULL) while
 * MAX_PAGES_AHEAD pages of b are outstanding.
 */
static kvl_result start_page(struct graph_batch *b, const char *skip,
			     bool bounded, struct kvl_http_ahead **out,
			     struct kvl_error *err)
{
	json_object *request = NULL;
	char *copy = NULL;
	kvl_result r;

	*out = NULL;
	r = kvl_resgraph_build_request(b->subs, b->n_subs,
				       KVL_RESGRAPH_MAX_TOP, skip, &request,
				       err);
	if (r == KVL_OK && skip != NULL && (copy = strdup(skip)) == NULL)
		r = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	if (r == KVL_OK) {
		pthread_mutex_lock(&b->lock);
		if (!bounded || b->outstanding < MAX_PAGES_AHEAD)
			r = kvl_http_ahead_start(b->run->az->http, "POST",
						 b->run->url, b->bearer,
						 "application/json",
						 json_object_to_json_string_ext(
							 request,
							 JSON_C_TO_STRING_PLAIN),
						 &b->chain, out, err);
		if (*out != NULL)
			b->outstanding++;
		if (*out != NULL && copy != NULL &&
		    b->n_sent < KVL_RESGRAPH_MAX_PAGES) {
			b->sent[b->n_sent++] = copy;
			copy = NULL;
		}
		pthread_mutex_unlock(&b->lock);
	}
	free(copy);
	json_object_put(request);
	return r;
}

/* Makes the batch's bearer token the current one for its tenant, which
 * a token cache may have renewed since the last page. */
static kvl_result refresh_bearer(struct graph_batch *b,
				 struct kvl_error *err)
{
	const char *bearer;
	char *copy = NULL;
	kvl_result r = kvl_azure_arm_token(b->run->az, b->tenant, &bearer,
					   err);

	if (r != KVL_OK)
		return r;
	pthread_mutex_lock(&b->lock);
	if (b->bearer == NULL || strcmp(b->bearer, bearer) != 0) {
		copy = kvl_secret_strdup(bearer);
		if (copy == NULL) {
			r = kvl_error_set(err, KVL_ERR_NOMEM,
					  _("out of memory"));
		} else {
			if (b->bearer != NULL)
				kvl_secret_free(b->bearer,
						strlen(b->bearer));
			b->bearer = copy;
		}
	}
	pthread_mutex_unlock(&b->lock);
	return r;
}

/* Sends the request for one page of the batch from the caller's
 * thread. */
static kvl_result send_page(struct graph_batch *b, const char *skip,
			    struct kvl_http_ahead **out, struct kvl_error *err)
{
	kvl_result r = refresh_bearer(b, err);

	*out = NULL;
	if (r == KVL_OK)
		r = start_page(b, skip, false, out, err);
	if (r == KVL_ERR_NOMEM)
		kvl_error_operation(err, _("query Resource Graph"));
	return r;
}

/*
 * Requests the next page with token, on the thread of a page's request,
 * as soon as the start of that page's body shows token. So the request
 * leaves while the rest of the page arrives, whatever the caller's
 * thread is doing. The caller checks the token against the full parse
 * later and drops the request when they differ.
 */
static struct kvl_http_ahead *follow_page(void *ctx, const char *token)
{
	struct graph_batch *b = ctx;
	struct kvl_http_ahead *next = NULL;
	struct kvl_error err;

	if (!token_may_follow(b, token))
		return NULL;
	kvl_error_init(&err);
	if (start_page(b, token, true, &next, &err) != KVL_OK)
		log_early_failure("the next page was not requested early",
				  &err);
	return next;
}

/*
 * Requests the next page with the $skipToken that the raw text of this
 * one shows (scanned), before this page is parsed. The request is then
 * on the way while this page is parsed and its vaults are handed on.
 * *next gets that request, or NULL. A failure to send it early is only
 * logged, because the normal path sends it again after the full parse.
 */
static void send_early(struct graph_batch *b, const char *scanned,
		       struct kvl_http_ahead **next)
{
	struct kvl_error early_err;

	*next = NULL;
	if (scanned == NULL || !token_may_follow(b, scanned))
		return;
	kvl_error_init(&early_err);
	if (send_page(b, scanned, next, &early_err) != KVL_OK)
		log_early_failure("the next page was not requested early",
				  &early_err);
}

/*
 * Receives the page that ahead requested and maps its rows. The next
 * page is requested early (see send_early): as soon as the start of
 * this page's body shows its $skipToken, else once the body is whole
 * and scanned. *next gets the early request only when its token is the
 * one the full parse found. Any other early request is discarded, so
 * the caller sends the right one.
 */
static kvl_result take_page(struct graph_batch *b,
			    struct kvl_http_ahead *ahead,
			    struct kvl_http_ahead **next,
			    struct kvl_resgraph_page *page,
			    struct kvl_error *err)
{
	struct kvl_http_response resp;
	struct kvl_error token_err;
	json_object *body = NULL;
	char *scanned = NULL;
	kvl_result r;

	*next = NULL;
	memset(page, 0, sizeof(*page));
	scanned = kvl_http_ahead_early(ahead, next);
	if (*next == NULL)
		send_early(b, scanned, next);
	r = kvl_http_ahead_finish(ahead, &resp, err);
	page_done(b);
	if (r != KVL_OK) {
		page_discard(b, *next);
		*next = NULL;
		free(scanned);
		kvl_error_operation(err, _("query Resource Graph"));
		return r;
	}

	/* Pages that follow_page() requests from now on use the renewed
	 * token. Renewing it may take a request of its own, on the handle
	 * this page has just given back. When it fails, send_page()
	 * reports why later. */
	kvl_error_init(&token_err);
	if (refresh_bearer(b, &token_err) != KVL_OK)
		log_early_failure("the token was not renewed", &token_err);

	if (scanned == NULL && resp.status >= 200 && resp.status <= 299 &&
	    resp.body != NULL) {
		scanned = kvl_resgraph_scan_skip_token(resp.body,
						       resp.body_len);
		send_early(b, scanned, next);
	}
	r = kvl_http_json_response(&resp, _("query Resource Graph"), &body,
				   err);
	kvl_http_response_clear(&resp);
	if (r == KVL_OK)
		r = kvl_resgraph_parse_page(body, KVL_RESGRAPH_MAX_TOP, page,
					    err);
	if (r == KVL_OK)
		r = take_rows(b, page, err);
	page->data = NULL;
	json_object_put(body);

	if (*next != NULL && (r != KVL_OK || page->skip_token == NULL ||
			      strcmp(page->skip_token, scanned) != 0)) {
		if (r == KVL_OK)
			kvl_log("Resource Graph: the page's $skipToken is not "
				"the one found in its raw text; requesting the "
				"next page again");
		page_discard(b, *next);
		*next = NULL;
	}
	free(scanned);
	return r;
}

static void batch_init(struct graph_batch *b, struct resgraph_run *run,
		       const char *tenant, const char *const *subs,
		       size_t n_subs)
{
	memset(b, 0, sizeof(*b));
	b->run = run;
	b->tenant = tenant;
	b->subs = subs;
	b->n_subs = n_subs;
	pthread_mutex_init(&b->lock, NULL);
	b->chain = (struct kvl_http_chain){
		kvl_resgraph_scan_skip_token_start, follow_page, b };
}

/* Lists the vaults of batch b, every page. */
static kvl_result query_batch(struct graph_batch *b, struct kvl_error *err)
{
	struct kvl_http_ahead *ahead = b->first, *next = NULL;
	struct kvl_resgraph_page page;
	bool more;
	kvl_result r = KVL_OK;

	b->first = NULL;
	if (ahead == NULL)
		r = send_page(b, NULL, &ahead, err);
	while (r == KVL_OK && ahead != NULL) {
		r = take_page(b, ahead, &next, &page, err);
		ahead = next;
		more = r == KVL_OK && page.skip_token != NULL;
		if (more)
			r = next_token(b, &page.skip_token, err);
		kvl_resgraph_page_clear(&page);
		/* Without an early request, the next page is sent now. */
		if (r == KVL_OK && more && ahead == NULL)
			r = send_page(b, b->tokens[b->n_tokens - 1], &ahead,
				      err);
	}
	page_discard(b, ahead);
	if (r != KVL_OK && err->result == KVL_ERR_PARSE) {
		kvl_error_operation(err, _("query Resource Graph"));
		kvl_error_set(err, KVL_ERR_PARSE, _("Resource Graph's answer "
						    "is not usable: %s. "
						    "Listing the vaults of "
						    "one subscription does "
						    "not use Resource Graph"),
			      err->message);
	}
	return r;
}

/* Sends the first page's request of b before its turn. A failure is
 * only logged, because query_batch() sends the request again then. */
static void send_first_early(struct graph_batch *b)
{
	struct kvl_error err;

	kvl_error_init(&err);
	if (send_page(b, NULL, &b->first, &err) != KVL_OK)
		log_early_failure("the next query was not sent early", &err);
}

/*
 * The tenant to ask a token for: NULL (the sign-in tenant) when the
 * subscription's tenant is unknown or is the one signed in to.
 */
static const char *token_tenant(struct kvl_azure *az, const char *tenant)
{
	const struct kvl_identity *me = kvl_auth_identity(az->auth);

	if (tenant == NULL || me == NULL || me->tenant_id == NULL ||
	    strcasecmp(tenant, me->tenant_id) == 0)
		return NULL;
	return tenant;
}

static bool same_tenant(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcasecmp(a, b) == 0;
}

/* Whether an earlier subscription of subs has the tenant of subs[i]. */
static bool tenant_seen(const struct kvl_subscription *subs, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (same_tenant(subs[j].tenant_id, subs[i].tenant_id))
			return true;
	return false;
}

/*
 * Splits subs into batches: the subscriptions of one tenant, in the
 * order the tenants first appear, at most KVL_RESGRAPH_MAX_SUBSCRIPTIONS
 * at a time. ids gets the subscription ids in that order. Returns the
 * number of batches, each initialised in batches when it is not NULL.
 */
static size_t make_batches(struct resgraph_run *run,
			   const struct kvl_subscription *subs, size_t n_subs,
			   const char **ids, struct graph_batch *batches)
{
	size_t n_ids = 0, n_batches = 0, from, n;

	for (size_t i = 0; i < n_subs; i++) {
		const char *tenant = subs[i].tenant_id;

		if (tenant_seen(subs, i))
			continue;
		from = n_ids;
		for (size_t j = i; j < n_subs; j++)
			if (same_tenant(subs[j].tenant_id, tenant))
				ids[n_ids++] = subs[j].subscription_id;
		for (; from < n_ids; from += n) {
			n = n_ids - from < KVL_RESGRAPH_MAX_SUBSCRIPTIONS ?
			    n_ids - from : KVL_RESGRAPH_MAX_SUBSCRIPTIONS;
			if (batches != NULL)
				batch_init(&batches[n_batches], run,
					   token_tenant(run->az, tenant),
					   ids + from, n);
			n_batches++;
		}
	}
	return n_batches;
}

/*
 * Queries every batch of subs for run, which has az, resource_group and
 * each set. The vaults come batch by batch, in order, but each batch's
 * first page is requested while the batch before is being paged, so
 * that its round trip does not add to the whole.
 */
static kvl_result run_queries(struct resgraph_run *run,
			      const struct kvl_subscription *subs,
			      size_t n_subs, struct kvl_error *err)
{
	struct kvl_azure *az = run->az;
	const char **ids = calloc(n_subs ? n_subs : 1, sizeof(*ids));
	size_t n_batches = ids ? make_batches(run, subs, n_subs, ids, NULL)
			       : 0;
	struct graph_batch *batches = calloc(n_batches ? n_batches : 1,
					     sizeof(*batches));
	struct kvl_buf url;
	kvl_result r = KVL_OK;

	kvl_buf_init(&url);
	kvl_buf_addf(&url, "%s/providers/Microsoft.ResourceGraph/resources"
		     "?api-version=%s", az->cloud.resource_manager,
		     KVL_API_RESOURCE_GRAPH);
	run->url = kvl_buf_detach(&url);
	if (ids == NULL || batches == NULL || run->url == NULL) {
		r = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	make_batches(run, subs, n_subs, ids, batches);

	kvl_sink_progress(az->sink, _("Listing key vaults through Azure "
				      "Resource Graph"));
	for (size_t i = 0; i < n_batches && r == KVL_OK; i++) {
		if (i == 0)
			r = send_page(&batches[0], NULL, &batches[0].first,
				      err);
		if (r == KVL_OK && i + 1 < n_batches)
			send_first_early(&batches[i + 1]);
		if (r == KVL_OK)
			r = query_batch(&batches[i], err);
	}
out:
	for (size_t i = 0; batches != NULL && i < n_batches; i++)
		batch_clear(&batches[i]);
	if (r != KVL_OK) {
		kvl_vaults_free(run->vaults, run->n_vaults);
		run->vaults = NULL;
		run->n_vaults = 0;
	}
	free(run->url);
	run->url = NULL;
	free(batches);
	free(ids);
	return r;
}

kvl_result kvl_resgraph_list_vaults(struct kvl_azure *az,
				    const struct kvl_subscription *subs,
				    size_t n_subs, const char *resource_group,
				    struct kvl_vault **out, size_t *n,
				    struct kvl_error *err)
{
	struct resgraph_run run = { .az = az,
				    .resource_group = resource_group };
	kvl_result r = run_queries(&run, subs, n_subs, err);

	*out = run.vaults;
	*n = run.n_vaults;
	return r;
}

bool kvl_resgraph_unavailable(const struct kvl_error *err)
{
	static const char *const codes[] = {
		"MissingSubscriptionRegistration",
		"NoRegisteredProviderFound",
		"InvalidResourceNamespace",
	};

	if (err->result == KVL_ERR_FORBIDDEN ||
	    err->result == KVL_ERR_NOT_FOUND)
		return true;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (err->azure_code != NULL &&
		    strcasecmp(err->azure_code, codes[i]) == 0)
			return true;
	return false;
}

/* --- Discovery with fallback -------------------------------------------- */

/* Subscriptions that are neither Disabled nor Deleted can be listed. */
static bool subscription_usable(const struct kvl_subscription *s)
{
	return s->state == NULL || (strcasecmp(s->state, "Disabled") != 0 &&
				    strcasecmp(s->state, "Deleted") != 0);
}

/* Copies the usable subscriptions' structs (not their strings). */
static struct kvl_subscription *usable_subscriptions(
	const struct kvl_subscription *subs, size_t n_subs, size_t *n)
{
	struct kvl_subscription *usable = calloc(n_subs ? n_subs : 1,
						 sizeof(*usable));

	*n = 0;
	for (size_t i = 0; usable != NULL && i < n_subs; i++)
		if (subscription_usable(&subs[i]))
			usable[(*n)++] = subs[i];
	return usable;
}

/* Hands the vaults the fallback collected in d to each, in order, and
 * leaves d without vaults. */
static kvl_result deliver_vaults(struct kvl_vault_discovery *d,
				 kvl_vault_fn each, void *ctx,
				 struct kvl_error *err)
{
	kvl_result r = KVL_OK;
	size_t i;

	for (i = 0; i < d->n_vaults && r == KVL_OK; i++)
		r = each(&d->vaults[i], ctx);
	/* each clears the vaults it took; the rest are cleared here. */
	for (; i < d->n_vaults; i++)
		kvl_vault_clear(&d->vaults[i]);
	free(d->vaults);
	d->vaults = NULL;
	d->n_vaults = 0;
	if (r != KVL_OK)
		kvl_error_set(err, r, _("writing the vaults failed"));
	return r;
}

kvl_result kvl_resgraph_discover_vaults(struct kvl_azure *az,
					const struct kvl_subscription *subs,
					size_t n_subs,
					const char *resource_group,
					struct kvl_vault_discovery *out,
					struct kvl_error *err)
{
	return kvl_resgraph_discover_vaults_each(az, subs, n_subs,
						 resource_group, NULL, NULL,
						 NULL, out, err);
}

kvl_result kvl_resgraph_discover_vaults_each(
	struct kvl_azure *az, const struct kvl_subscription *subs,
	size_t n_subs, const char *resource_group, kvl_vault_fn each,
	kvl_vault_rewind_fn rewind, void *each_ctx,
	struct kvl_vault_discovery *out, struct kvl_error *err)
{
	struct resgraph_run run = { .az = az,
				    .resource_group = resource_group,
				    .each = each, .each_ctx = each_ctx };
	struct kvl_subscription *usable;
	size_t n_usable;
	kvl_result r = KVL_OK;

	memset(out, 0, sizeof(*out));
	kvl_error_init(&out->fallback);
	out->source = KVL_VAULTS_RESOURCE_GRAPH;
	usable = usable_subscriptions(subs, n_subs, &n_usable);
	if (usable == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	out->n_subscriptions = n_usable;
	if (n_usable == 0)
		goto out;

	r = run_queries(&run, usable, n_usable, err);
	out->vaults = run.vaults;
	out->n_vaults = run.n_vaults;
	if (r == KVL_OK || !kvl_resgraph_unavailable(err))
		goto out;
	/* Vaults that each has already passed on cannot be taken back, so
	 * Resource Graph refusing a later tenant then fails the listing
	 * instead of listing every subscription again. */
	if (run.n_delivered > 0 && (rewind == NULL || !rewind(each_ctx))) {
		kvl_log("Resource Graph became unavailable (%s) after %zu "
			"vaults were written; not listing them again",
			err->azure_code ? err->azure_code :
			kvl_result_name(err->result), run.n_delivered);
		goto out;
	}

	kvl_log("Resource Graph is unavailable (%s); listing key vaults "
		"per subscription", err->azure_code ? err->azure_code :
		kvl_result_name(err->result));
	kvl_error_move(&out->fallback, err);
	out->source = KVL_VAULTS_PER_SUBSCRIPTION;
	r = kvl_arm_list_vaults_each(az, usable, n_usable, resource_group,
				     out, err);
	if (r == KVL_OK && each != NULL)
		r = deliver_vaults(out, each, each_ctx, err);
out:
	if (r != KVL_OK) {
		kvl_vaults_free(out->vaults, out->n_vaults);
		out->vaults = NULL;
		out->n_vaults = 0;
	}
	free(usable);
	return r;
}

void kvl_vault_discovery_clear(struct kvl_vault_discovery *d)
{
	kvl_vaults_free(d->vaults, d->n_vaults);
	kvl_error_clear(&d->fallback);
	memset(d, 0, sizeof(*d));
}
