/*
 * Internals of the HTTP client that core/http.c and core/httpmulti.c
 * share: the client's state, one transfer's state, and the steps of a
 * request (headers, options, error mapping, retry decision, paging).
 * Nothing outside those two files includes this header.
 */
#ifndef KVL_HTTP_PRIVATE_H
#define KVL_HTTP_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "core/buf.h"
#include "core/http.h"
#include "core/netenv.h"

/* The maximum number of requests that run at once on one client: two
 * pages of a paged query, the first page of the next query, and a token
 * renewal. */
#define KVL_HTTP_HANDLES 4

struct kvl_http {
	CURL *curl;
	struct kvl_http_options options;
	char *ca_bundle;
	/* Origin of ca_bundle: "caBundle" when the caller gave it, else a
	 * variable's name; NULL with the system's trust store. */
	const char *ca_source;
	struct kvl_netenv net;
	/* Counted by every thread that sends on this client. */
	atomic_ulong requests;
	/* New connections that libcurl opened, over every transfer. */
	atomic_ulong connections;
	/* For kvl_http_list_many(), created on first use: the multi handle
	 * keeps connections, the share handle TLS sessions and DNS. */
	CURLM *multi;
	CURLSH *share;
	/* More handles, created on first use, for requests sent while
	 * others are still running (see core/httpahead.c), each with a
	 * connection of its own. lent[0] marks curl in use, lent[i] marks
	 * extra[i - 1], under lend_lock. */
	CURL *extra[KVL_HTTP_HANDLES - 1];
	pthread_mutex_t lend_lock;
	bool lent[KVL_HTTP_HANDLES];
};

/*
 * Shows the start of a response body to a reader while it arrives. fn
 * gets the whole body received so far, each time more of it comes,
 * while the status is 2xx, and sets done when it has seen enough.
 */
struct kvl_http_watch {
	void (*fn)(struct kvl_http_watch *watch, const char *body,
		   size_t len);
	bool done;
};

/* State of one transfer, shared with libcurl's callbacks. */
struct kvl_http_transfer {
	struct kvl_http *http;
	CURL *easy;		/* the handle that runs the transfer */
	/* When set, the transfer and its retry waits end once it is
	 * true: a request sent ahead that its caller dropped. */
	const atomic_bool *stop;
	struct kvl_http_watch *watch;	/* or NULL */
	struct kvl_buf body;
	bool too_large;
	char *correlation[3];	/* by preference, see header_cb */
	char *www_authenticate;
	char *content_type;
	long retry_after_s;
	char curl_error[CURL_ERROR_SIZE];	/* libcurl's detail, or "" */
};

/* The Accept, Content-Type and Authorization lines of a request. Free
 * the list with kvl_http_free_headers(), which wipes the token. */
struct curl_slist *kvl_http_request_headers(const char *bearer,
					    const char *content_type);
void kvl_http_free_headers(struct curl_slist *list);

/* Whether a token can go into a header line: printable ASCII only. */
bool kvl_http_token_is_safe(const char *token);

/*
 * Lends a free handle of http, the main one when it is free, and marks
 * it used until kvl_http_give_back(lent). Returns NULL with err set
 * (KVL_ERR_NOMEM) when all KVL_HTTP_HANDLES are in use or memory runs
 * out.
 */
CURL *kvl_http_lend(struct kvl_http *http, bool **lent,
		    struct kvl_error *err);
void kvl_http_give_back(struct kvl_http *http, bool *lent);

/* kvl_http_send() on the handle easy of http (NULL: a free one), with a watch on the body
 * and a stop flag (both may be NULL). */
kvl_result kvl_http_send_on(struct kvl_http *http, CURL *easy,
			    struct kvl_http_watch *watch,
			    const atomic_bool *stop, const char *method,
			    const char *url, const char *bearer,
			    const char *content_type, const char *body,
			    struct kvl_http_response *resp,
			    struct kvl_error *err) KVL_NODISCARD;
kvl_result kvl_http_url_rejected(const char *url, struct kvl_error *err);

/* Resets t->easy and sets every option of one attempt on it. */
void kvl_http_setup_easy(struct kvl_http_transfer *t, const char *method,
			 const char *url, const char *body,
			 struct curl_slist *headers);
void kvl_http_transfer_clear(struct kvl_http_transfer *t);

/* Moves what a finished transfer received into resp. */
void kvl_http_take_response(struct kvl_http_transfer *t,
			    struct kvl_http_response *resp);

/* Fills err for a transfer that libcurl ended with code, and keeps the
 * status and correlation id of what arrived before it failed. */
kvl_result kvl_http_map_curl_error(CURLcode code,
				   const struct kvl_http_transfer *t,
				   const char *url, struct kvl_error *err);
void kvl_http_keep_partial(const struct kvl_http_transfer *t,
			   struct kvl_error *err);

void kvl_http_log_attempt(const char *method, const char *url,
			  CURLcode code, const struct kvl_http_response *resp,
			  int attempt);

/*
 * Returns the delay in milliseconds before retrying attempt (0-based)
 * of a request that easy ended with code (and resp when code is
 * CURLE_OK), or -1 when the request must not be sent again. *timeouts
 * counts the attempts that timed out so far.
 */
long kvl_http_next_delay(struct kvl_http *http, CURL *easy,
			 const char *method, CURLcode code,
			 const struct kvl_http_response *resp, int attempt,
			 int *timeouts);

/* Calls fn on each item of a list page's "value"; *n_items counts the
 * items of the whole list against KVL_HTTP_MAX_LIST_ITEMS. */
kvl_result kvl_http_list_page(json_object *page, kvl_item_fn fn, void *ctx,
			      size_t *n_items, const char *operation,
			      struct kvl_error *err);

/* Checks a nextLink against the pages seen so far (seen[0] is the first
 * page); returns false when paging must stop, with *res set when that
 * is an error. */
bool kvl_http_next_link_usable(const char *next, char **seen, size_t n_seen,
			       const char *first, kvl_result *res,
			       struct kvl_error *err);

#endif
