/*
 * One request sent on a thread of its own, so that a caller can work on
 * the previous response (parse it, print it) while the next one is on
 * the way. The thread runs kvl_http_send() on the client's own handle,
 * so it reuses the client's connection, retries and limits. The caller
 * makes no other request on the client until it has finished or
 * discarded the request, and keeps the arguments valid until then.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/http_private.h"
#include "i18n.h"

struct kvl_http_ahead {
	struct kvl_http *http;
	pthread_t thread;
	/* The caller's strings, not copies, because a page request's body
	 * repeats the whole list of subscriptions on every page. */
	const char *method;
	const char *url;
	const char *bearer;
	const char *content_type;
	const char *body;
	struct kvl_http_response resp;
	struct kvl_error err;
	kvl_result result;
};

static void ahead_free(struct kvl_http_ahead *a)
{
	kvl_http_response_clear(&a->resp);
	kvl_error_clear(&a->err);
	free(a);
}

static void *ahead_main(void *arg)
{
	struct kvl_http_ahead *a = arg;

	a->result = kvl_http_send(a->http, a->method, a->url, a->bearer,
				  a->content_type, a->body, &a->resp,
				  &a->err);
	return NULL;
}

kvl_result kvl_http_ahead_start(struct kvl_http *http, const char *method,
				const char *url, const char *bearer,
				const char *content_type, const char *body,
				struct kvl_http_ahead **out,
				struct kvl_error *err)
{
	struct kvl_http_ahead *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (a == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	a->http = http;
	a->method = method;
	a->url = url;
	a->bearer = bearer;
	a->content_type = content_type;
	a->body = body;
	a->resp.retry_after_s = -1;
	kvl_error_init(&a->err);
	atomic_store(&http->ahead_discarded, false);
	if (pthread_create(&a->thread, NULL, ahead_main, a) != 0) {
		ahead_free(a);
		return kvl_error_set(err, KVL_ERR_NOMEM,
				     _("cannot start a thread for the next "
				       "request"));
	}
	*out = a;
	return KVL_OK;
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
	atomic_store(&a->http->ahead_discarded, true);
	pthread_join(a->thread, NULL);
	atomic_store(&a->http->ahead_discarded, false);
	ahead_free(a);
}
