/*
 * One request sent on a thread of its own, so that a caller can work on
 * the previous response (parse it, print it) while the next one is on
 * the way. The thread runs the client's request code with its retries
 * and limits, on a handle of the client that no other request is using
 * (kvl_http_lend). Requests can therefore overlap: the next page can be
 * requested while the rest of the current page is still arriving.
 *
 * A request can also watch the start of its response body: the caller
 * gives a function that looks for one value there (a paging token), and
 * a function that sends the next request with that value. The request's
 * own thread calls both as soon as the value has arrived, so the next
 * request leaves before the rest of the body has arrived, whatever the
 * caller's thread is doing then. kvl_http_ahead_early() hands over the
 * value and that next request.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/http_private.h"
#include "core/secret.h"
#include "i18n.h"

/* The early function stops being called once the body is this long:
 * the value it looks for comes before a page's rows, so a body that has
 * not shown it by then is read whole first. This bounds the scans of a
 * growing prefix, as libcurl hands over at most 16 KiB at a time. */
#define EARLY_WINDOW (64 * 1024)

struct kvl_http_ahead {
	/* Must stay first: the watch callback gets its address. */
	struct kvl_http_watch watch;
	struct kvl_http *http;
	CURL *easy;
	bool *lent;		/* http's flag for easy */
	pthread_t thread;
	atomic_bool stop;
	/* Copies, so that the caller may send the next request (and so
	 * change its own strings) while this one may still be retried. */
	char *method;
	char *url;
	char *bearer;		/* in secret memory */
	char *content_type;
	char *body;
	struct kvl_http_chain chain;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	/* Under lock: the early value, once found, the request that
	 * chain.follow sent with it, and whether waiting for them can end
	 * (found, or the request has ended). */
	char *early_value;
	struct kvl_http_ahead *chained;
	bool early_settled;
	struct kvl_http_response resp;
	struct kvl_error err;
	kvl_result result;
};

static void ahead_free(struct kvl_http_ahead *a)
{
	kvl_http_ahead_discard(a->chained);
	kvl_http_give_back(a->http, a->lent);
	kvl_http_response_clear(&a->resp);
	kvl_error_clear(&a->err);
	free(a->method);
	free(a->url);
	if (a->bearer != NULL)
		kvl_secret_free(a->bearer, strlen(a->bearer));
	free(a->content_type);
	free(a->body);
	free(a->early_value);
	pthread_mutex_destroy(&a->lock);
	pthread_cond_destroy(&a->changed);
	free(a);
}

/* Ends the wait in kvl_http_ahead_early(), with what it gets. */
static void settle(struct kvl_http_ahead *a, char *value,
		   struct kvl_http_ahead *next)
{
	pthread_mutex_lock(&a->lock);
	if (!a->early_settled) {
		a->early_value = value;
		a->chained = next;
		a->early_settled = true;
		value = NULL;
		next = NULL;
		pthread_cond_broadcast(&a->changed);
	}
	pthread_mutex_unlock(&a->lock);
	free(value);
	kvl_http_ahead_discard(next);
}

static void watch_body(struct kvl_http_watch *watch, const char *body,
		       size_t len)
{
	struct kvl_http_ahead *a = (struct kvl_http_ahead *)watch;
	char *value = a->chain.early(body, len);

	if (value != NULL || len >= EARLY_WINDOW)
		watch->done = true;
	if (value != NULL)
		settle(a, value, a->chain.follow != NULL ?
		       a->chain.follow(a->chain.ctx, value) : NULL);
}

static void *ahead_main(void *arg)
{
	struct kvl_http_ahead *a = arg;

	a->result = kvl_http_send_on(a->http, a->easy,
				     a->chain.early ? &a->watch : NULL,
				     &a->stop,
				     a->method, a->url, a->bearer,
				     a->content_type, a->body, &a->resp,
				     &a->err);
	settle(a, NULL, NULL);
	return NULL;
}

static bool copy_or_null(char **to, const char *from)
{
	*to = from != NULL ? strdup(from) : NULL;
	return from == NULL || *to != NULL;
}

kvl_result kvl_http_ahead_start(struct kvl_http *http, const char *method,
				const char *url, const char *bearer,
				const char *content_type, const char *body,
				const struct kvl_http_chain *chain,
				struct kvl_http_ahead **out,
				struct kvl_error *err)
{
	struct kvl_http_ahead *a = calloc(1, sizeof(*a));
	bool copied;

	*out = NULL;
	if (a == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	a->easy = kvl_http_lend(http, &a->lent, err);
	if (a->easy == NULL) {
		free(a);
		return KVL_ERR_NOMEM;
	}
	a->http = http;
	a->watch.fn = watch_body;
	if (chain != NULL)
		a->chain = *chain;
	atomic_init(&a->stop, false);
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->changed, NULL);
	a->bearer = bearer != NULL ? kvl_secret_strdup(bearer) : NULL;
	copied = (bearer == NULL || a->bearer != NULL) &&
		 copy_or_null(&a->method, method) &&
		 copy_or_null(&a->url, url) &&
		 copy_or_null(&a->content_type, content_type) &&
		 copy_or_null(&a->body, body);
	a->resp.retry_after_s = -1;
	kvl_error_init(&a->err);
	if (!copied) {
		ahead_free(a);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	if (pthread_create(&a->thread, NULL, ahead_main, a) != 0) {
		ahead_free(a);
		return kvl_error_set(err, KVL_ERR_NOMEM,
				     _("cannot start a thread for the next "
				       "request"));
	}
	*out = a;
	return KVL_OK;
}

char *kvl_http_ahead_early(struct kvl_http_ahead *a,
			   struct kvl_http_ahead **next)
{
	char *value;

	pthread_mutex_lock(&a->lock);
	while (!a->early_settled)
		pthread_cond_wait(&a->changed, &a->lock);
	value = a->early_value;
	*next = a->chained;
	a->early_value = NULL;
	a->chained = NULL;
	pthread_mutex_unlock(&a->lock);
	return value;
}

kvl_result kvl_http_ahead_finish(struct kvl_http_ahead *a,
				 struct kvl_http_response *resp,
				 struct kvl_error *err)
{
	kvl_result result;

	pthread_join(a->thread, NULL);
	result = a->result;
	*resp = a->resp;
	memset(&a->resp, 0, sizeof(a->resp));
	if (result != KVL_OK)
		kvl_error_move(err, &a->err);
	ahead_free(a);
	return result;
}

void kvl_http_ahead_discard(struct kvl_http_ahead *a)
{
	if (a == NULL)
		return;
	atomic_store(&a->stop, true);
	pthread_join(a->thread, NULL);
	ahead_free(a);
}
