/*
 * HTTP on libcurl for every Azure call. TLS verification is always on.
 * Requests are retried with exponential backoff on 429, 5xx and connection
 * errors, honouring Retry-After. Non-2xx responses are turned into a
 * kvl_error carrying Azure's code, message and correlation id.
 */
#ifndef KVL_HTTP_H
#define KVL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "core/result.h"
#include "core/sink.h"

struct kvl_http;

/*
 * The longest Retry-After kvlink waits for. A longer one ends the retries
 * and the error reports the wait Azure asked for.
 */
#define KVL_HTTP_MAX_RETRY_AFTER_S 300

struct kvl_http_options {
	const char *ca_bundle;		/* NULL: system trust store */
	long connect_timeout_ms;	/* 0: 10 s */
	long total_timeout_ms;		/* per attempt; 0: 30 s */
	int max_retries;		/* 0: 4; negative: none */
	long backoff_ms;		/* first backoff, doubled; 0: 500 ms */
	long max_backoff_ms;		/* 0: 30 s; Retry-After excluded */
	size_t max_body;		/* 0: 16 MiB */
	const struct kvl_sink *sink;	/* for cancel; may be NULL */
};

struct kvl_http_response {
	long status;
	char *body;		/* NUL-terminated, may be empty */
	size_t body_len;
	char *correlation_id;	/* x-ms-correlation-request-id, or
				   x-ms-request-id, or request-id */
	char *www_authenticate;
	char *content_type;	/* Content-Type header, or NULL */
	long retry_after_s;	/* -1 when absent */
};

kvl_result kvl_http_new(const struct kvl_http_options *options,
			struct kvl_http **out) KVL_NODISCARD;
void kvl_http_free(struct kvl_http *http);

/*
 * Replaces the sink that requests consult for cancellation and returns
 * the previous one. With NULL, requests end only by their timeouts and
 * retries; a rollback uses that so that the cancel that stopped a grant
 * does not also stop its undo.
 */
const struct kvl_sink *kvl_http_set_cancel_sink(struct kvl_http *http,
						const struct kvl_sink *sink);

/* Number of requests sent (retries included), for tests and bench/. */
unsigned long kvl_http_request_count(const struct kvl_http *http);

/* Number of connections opened (each TLS handshake with a server), for
 * tests that check connection reuse. */
unsigned long kvl_http_connection_count(const struct kvl_http *http);

/*
 * Sends one request (with retries). bearer and body may be NULL.
 * Any HTTP status is a success here; see kvl_http_check() for errors.
 */
kvl_result kvl_http_send(struct kvl_http *http, const char *method,
			 const char *url, const char *bearer,
			 const char *content_type, const char *body,
			 struct kvl_http_response *resp,
			 struct kvl_error *err) KVL_NODISCARD;
void kvl_http_response_clear(struct kvl_http_response *resp);

/* Azure's instance metadata service, which serves plain http only. */
#define KVL_HTTP_IMDS_BASE "http://169.254.169.254"

/*
 * Sends a GET with one extra header line, "Name: value", which the
 * managed identity endpoints require; the line is wiped afterwards. Besides
 * the URLs kvl_http_send() accepts, url may start with KVL_HTTP_IMDS_BASE.
 */
kvl_result kvl_http_get_with_header(struct kvl_http *http, const char *url,
				    const char *header,
				    struct kvl_http_response *resp,
				    struct kvl_error *err) KVL_NODISCARD;

/*
 * Maps a response to a result: 2xx is KVL_OK; otherwise fills err from
 * Azure's error envelope ({"error":{"code","message"}}, Entra's
 * {"error","error_description","correlation_id"}), naming operation.
 */
kvl_result kvl_http_check(const struct kvl_http_response *resp,
			  const char *operation, struct kvl_error *err)
	KVL_NODISCARD;

/* Parses an Azure error body into err's azure_code/azure_message. */
void kvl_http_parse_error_body(const char *body, struct kvl_error *err);

/*
 * Completes err after a response body that did not parse. It adds the
 * HTTP status and correlation id. It also replaces the message when the
 * body has another content type (an HTML page, likely from a proxy) or
 * is JSON that ends early (cut off on the way).
 */
void kvl_http_explain_bad_body(const struct kvl_http_response *resp,
			       struct kvl_error *err);

/*
 * JSON request: body_json may be NULL. On 2xx *out gets the parsed body
 * (an empty body gives an empty object); otherwise the error.
 */
kvl_result kvl_http_json(struct kvl_http *http, const char *method,
			 const char *url, const char *bearer,
			 json_object *body_json, const char *operation,
			 json_object **out, struct kvl_error *err)
	KVL_NODISCARD;

/*
 * Checks a response the way kvl_http_json() does and parses its body
 * into *out (an empty body gives an empty object). resp stays the
 * caller's.
 */
kvl_result kvl_http_json_response(const struct kvl_http_response *resp,
				  const char *operation, json_object **out,
				  struct kvl_error *err) KVL_NODISCARD;

/* A request running on a thread of its own; see kvl_http_ahead_start. */
struct kvl_http_ahead;

/*
 * How a request sent ahead leads to the next one, for paged responses.
 * early gets the start of a 2xx body that is still arriving (the whole
 * body so far). It returns a copy of one value once that value is
 * complete there, else NULL. follow, when not NULL, gets that value
 * and returns the next request, started with kvl_http_ahead_start(),
 * or NULL. Both run on the request's own thread, so follow must be
 * safe to call while the caller's thread is busy with the same data.
 */
struct kvl_http_chain {
	char *(*early)(const char *body, size_t len);
	struct kvl_http_ahead *(*follow)(void *ctx, const char *value);
	void *ctx;
};

/*
 * Sends a request as kvl_http_send() does, with the same retries and
 * limits, on a new thread, and returns at once. The strings are copied.
 * At most four requests run at once on one client, counting those of
 * kvl_http_send(), each on its own handle and connection; a fifth one
 * fails. chain may be NULL (see struct kvl_http_chain and
 * kvl_http_ahead_early()).
 */
kvl_result kvl_http_ahead_start(struct kvl_http *http, const char *method,
				const char *url, const char *bearer,
				const char *content_type, const char *body,
				const struct kvl_http_chain *chain,
				struct kvl_http_ahead **out,
				struct kvl_error *err) KVL_NODISCARD;
/*
 * Waits until the chain's early function has found its value, or the
 * request has ended. Returns the value (the caller frees it) or NULL,
 * and sets *next to the request that follow sent with it, or NULL; the
 * caller finishes or discards that one too. The value may come from a
 * response that is then retried, so it is a hint to check against the
 * finished response.
 */
char *kvl_http_ahead_early(struct kvl_http_ahead *ahead,
			   struct kvl_http_ahead **next);
/* Waits for the request and returns what kvl_http_send() would have
 * returned; frees ahead. */
kvl_result kvl_http_ahead_finish(struct kvl_http_ahead *ahead,
				 struct kvl_http_response *resp,
				 struct kvl_error *err) KVL_NODISCARD;
/* Stops the request as soon as it can (its response, if any, is
 * dropped) and frees ahead. NULL is allowed. */
void kvl_http_ahead_discard(struct kvl_http_ahead *ahead);

/*
 * Limits on one paged list, past which kvl_http_list() fails: a list this
 * long is a paging loop or not worth showing.
 */
#define KVL_HTTP_MAX_PAGES 1000
#define KVL_HTTP_MAX_LIST_ITEMS 100000

/* Called once per item of a paged list; a non-OK result stops paging. */
typedef kvl_result (*kvl_item_fn)(json_object *item, void *ctx);

/*
 * GETs url and every following page. next_key is "nextLink" (Resource
 * Manager, Key Vault) or "@odata.nextLink" (Graph). The link is used
 * exactly as returned; paging stops on a missing or empty link. A link
 * that repeats an earlier page or leaves the first page's origin, and a
 * list past the limits above, give KVL_ERR_PARSE.
 */
kvl_result kvl_http_list(struct kvl_http *http, const char *url,
			 const char *bearer, const char *next_key,
			 const char *operation, kvl_item_fn fn, void *ctx,
			 struct kvl_error *err) KVL_NODISCARD;

/* The default number of lists kvl_http_list_many() runs at once. */
#define KVL_HTTP_CONCURRENCY 8

/* One paged list for kvl_http_list_many(). */
struct kvl_http_list_job {
	const char *url;		/* the first page */
	/* This list's bearer token, or NULL for the one of
	 * kvl_http_list_many(): lists of other tenants need their own. */
	const char *bearer;
	const char *operation;		/* names the list in errors */
	kvl_item_fn fn;
	void *ctx;
	/* Set by kvl_http_list_many(): this list's outcome, and on failure
	 * why, naming operation. The caller clears err. */
	kvl_result result;
	struct kvl_error err;
};

/*
 * Lists every job the way kvl_http_list() does (the same retries, body
 * limit, nextLink checks and list limits), running up to concurrency
 * transfers at a time (0 or less: KVL_HTTP_CONCURRENCY) on one libcurl
 * multi handle, so that connections, DNS answers and TLS sessions are
 * reused. A job without a bearer of its own uses bearer. fn runs on
 * the caller's thread. A failed job does not stop the others; each job
 * gets its own result.
 * Returns KVL_OK once every job has ended, or an error for the whole
 * run (cancelled, out of memory, an unusable token); jobs it did not
 * finish keep the result KVL_ERR_CANCELLED.
 */
kvl_result kvl_http_list_many(struct kvl_http *http, const char *bearer,
			      const char *next_key,
			      struct kvl_http_list_job *jobs, size_t n_jobs,
			      int concurrency, struct kvl_error *err)
	KVL_NODISCARD;

/*
 * Waits the backoff delay for retry number attempt (0-based) of a call
 * the caller retries itself, in short steps; false when the sink cancels.
 */
bool kvl_http_backoff_wait(struct kvl_http *http, int attempt);

/* Parses a Retry-After value: delay seconds or an HTTP date. Returns the
 * seconds to wait (0 for a date in the past), or -1 when unreadable. */
long kvl_http_parse_retry_after(const char *value);

/*
 * Delay before retry number attempt (0-based): Retry-After when given,
 * capped at KVL_HTTP_MAX_RETRY_AFTER_S, else backoff_ms * 2^attempt,
 * capped at max_backoff_ms.
 */
long kvl_http_retry_delay_ms(long backoff_ms, long max_backoff_ms,
			     int attempt, long retry_after_s);

#endif
