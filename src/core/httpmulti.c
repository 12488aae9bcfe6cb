/*
 * Several paged lists at once on libcurl's multi interface. Each slot
 * runs one list, page after page; a slot whose list ends takes the next
 * job. The multi handle keeps the connection and DNS caches, and a share
 * handle keeps TLS sessions, so the slots reuse connections and skip
 * full handshakes. Everything runs on the caller's thread.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "core/cloud.h"
#include "core/http.h"
#include "core/http_private.h"
#include "core/httptrace.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "i18n.h"

/* The maximum wait for network activity, so that a cancel or a retry
 * that is due is handled within 100 ms. */
#define POLL_STEP_MS 100

/* One transfer slot: the list it works on and the state of its page. */
struct slot {
	struct kvl_http_list_job *job;	/* NULL: idle */
	/* The request headers with the job's own bearer token, or NULL
	 * for the run's. */
	struct curl_slist *headers;
	struct kvl_http_transfer t;
	struct kvl_httptrace trace;
	struct kvl_http_response resp;
	char **seen;		/* URLs of the pages requested so far */
	size_t n_seen;
	size_t n_items;
	int attempt;		/* of the current page, 0-based */
	int timeouts;
	long long retry_at_ms;	/* waiting to send again; 0: not */
	bool running;		/* added to the multi handle */
};

struct multi_run {
	struct kvl_http *http;
	struct curl_slist *headers;	/* shared by every transfer */
	const char *next_key;
	struct kvl_http_list_job *jobs;
	size_t n_jobs;
	size_t next_job;
	size_t n_done;
	struct slot *slots;
	size_t n_slots;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Creates the client's multi and share handles on first use. */
static bool multi_ready(struct kvl_http *http, long concurrency)
{
	if (http->share == NULL) {
		http->share = curl_share_init();
		if (http->share == NULL)
			return false;
		curl_share_setopt(http->share, CURLSHOPT_SHARE,
				  CURL_LOCK_DATA_SSL_SESSION);
		curl_share_setopt(http->share, CURLSHOPT_SHARE,
				  CURL_LOCK_DATA_DNS);
	}
	if (http->multi == NULL) {
		http->multi = curl_multi_init();
		if (http->multi == NULL)
			return false;
	}
	curl_multi_setopt(http->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
			  concurrency);
	curl_multi_setopt(http->multi, CURLMOPT_MAXCONNECTS, concurrency);
	return true;
}

static void forget_pages(struct slot *slot)
{
	for (size_t i = 0; i < slot->n_seen; i++)
		free(slot->seen[i]);
	free(slot->seen);
	slot->seen = NULL;
	slot->n_seen = 0;
}

/* Sends the request for the slot's latest page. */
static void start_page(struct multi_run *run, struct slot *slot)
{
	CURL *easy = slot->t.easy;

	kvl_http_transfer_clear(&slot->t);
	memset(&slot->t, 0, sizeof(slot->t));
	slot->t.http = run->http;
	slot->t.easy = easy;
	slot->t.retry_after_s = -1;
	slot->t.body.secret = true;
	slot->retry_at_ms = 0;

	kvl_http_setup_easy(&slot->t, "GET", slot->seen[slot->n_seen - 1],
			    NULL, slot->headers ? slot->headers
						: run->headers);
	curl_easy_setopt(easy, CURLOPT_SHARE, run->http->share);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, slot);
	kvl_httptrace_start(&slot->trace, easy);
	run->http->requests++;
	slot->running = curl_multi_add_handle(run->http->multi, easy) ==
			CURLM_OK;
	if (!slot->running)
		slot->retry_at_ms = now_ms();
}

static void take_next_job(struct multi_run *run, struct slot *slot);

/* Ends the slot's job with result (its err already filled) and moves
 * the slot on to the next job. */
static void finish_job(struct multi_run *run, struct slot *slot,
		       kvl_result result)
{
	struct kvl_http_list_job *job = slot->job;

	job->result = result;
	if (result != KVL_OK)
		kvl_error_operation(&job->err, job->operation);
	forget_pages(slot);
	kvl_http_response_clear(&slot->resp);
	kvl_http_free_headers(slot->headers);
	slot->headers = NULL;
	slot->job = NULL;
	run->n_done++;
	take_next_job(run, slot);
}

static void take_next_job(struct multi_run *run, struct slot *slot)
{
	struct kvl_http_list_job *job;

	if (run->next_job == run->n_jobs)
		return;
	job = &run->jobs[run->next_job++];
	slot->job = job;
	slot->n_items = 0;
	slot->attempt = 0;
	slot->timeouts = 0;
	if (!kvl_url_allowed(job->url)) {
		finish_job(run, slot, kvl_http_url_rejected(job->url,
							    &job->err));
		return;
	}
	if (!kvl_http_token_is_safe(job->bearer)) {
		finish_job(run, slot, kvl_error_set(&job->err, KVL_ERR_AUTH,
						    _("the access token "
						      "contains invalid "
						      "characters; sign in "
						      "again")));
		return;
	}
	if (job->bearer != NULL) {
		slot->headers = kvl_http_request_headers(job->bearer, NULL);
		if (slot->headers == NULL) {
			finish_job(run, slot, kvl_error_set(
					   &job->err, KVL_ERR_NOMEM,
					   _("out of memory")));
			return;
		}
	}
	slot->seen = malloc(sizeof(*slot->seen));
	if (slot->seen == NULL ||
	    (slot->seen[0] = strdup(job->url)) == NULL) {
		free(slot->seen);
		slot->seen = NULL;
		finish_job(run, slot, kvl_error_set(&job->err, KVL_ERR_NOMEM,
						    _("out of memory")));
		return;
	}
	slot->n_seen = 1;
	start_page(run, slot);
}

/* Remembers next as the slot's latest page; false when out of memory. */
static bool add_page(struct slot *slot, const char *next)
{
	char **grown = realloc(slot->seen,
			       (slot->n_seen + 1) * sizeof(*grown));

	if (grown == NULL)
		return false;
	slot->seen = grown;
	grown[slot->n_seen] = strdup(next);
	if (grown[slot->n_seen] == NULL)
		return false;
	slot->n_seen++;
	return true;
}

/* The nextLink of page, or NULL on the last page. */
static const char *next_link(json_object *page, const char *key)
{
	json_object *link;

	if (json_object_object_get_ex(page, key, &link) &&
	    json_object_is_type(link, json_type_string))
		return json_object_get_string(link);
	return NULL;
}

/* Parses the response the slot received, hands its items to the job
 * and requests the next page, or ends the job. */
static void take_page(struct multi_run *run, struct slot *slot)
{
	struct kvl_http_list_job *job = slot->job;
	json_object *page = NULL;
	const char *next;
	kvl_result res;

	res = kvl_http_check(&slot->resp, job->operation, &job->err);
	if (res == KVL_OK && slot->resp.body_len == 0)
		goto out;
	if (res == KVL_OK) {
		res = kvl_json_parse(slot->resp.body, slot->resp.body_len,
				     "Azure's response", &page, &job->err);
		if (res != KVL_OK)
			kvl_http_explain_bad_body(&slot->resp, &job->err);
	}
	/* The page is parsed, so its raw text can go before the items
	 * are copied out of it. */
	kvl_http_response_clear(&slot->resp);
	if (res == KVL_OK)
		res = kvl_http_list_page(page, job->fn, job->ctx,
					 &slot->n_items, job->operation,
					 &job->err);
	if (res != KVL_OK)
		goto out;

	next = next_link(page, run->next_key);
	if (!kvl_http_next_link_usable(next, slot->seen, slot->n_seen,
				       slot->seen[0], &res, &job->err))
		goto out;
	if (!add_page(slot, next)) {
		res = kvl_error_set(&job->err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	json_object_put(page);
	slot->attempt = 0;
	slot->timeouts = 0;
	start_page(run, slot);
	return;
out:
	json_object_put(page);
	finish_job(run, slot, res);
}

/* Handles a transfer that libcurl finished with code: a retry, a page,
 * or the end of the job with an error. */
static void transfer_done(struct multi_run *run, struct slot *slot,
			  CURLcode code)
{
	const char *url = slot->seen[slot->n_seen - 1];
	struct kvl_error attempt_err;
	kvl_result res = KVL_OK;
	long connects = 0, delay;

	curl_multi_remove_handle(run->http->multi, slot->t.easy);
	slot->running = false;
	kvl_httptrace_finish(&slot->trace, slot->t.easy, "GET", url, code);
	if (curl_easy_getinfo(slot->t.easy, CURLINFO_NUM_CONNECTS,
			      &connects) == CURLE_OK && connects > 0)
		run->http->connections += (unsigned long)connects;

	kvl_error_init(&attempt_err);
	if (code == CURLE_OK) {
		kvl_http_take_response(&slot->t, &slot->resp);
	} else {
		res = kvl_http_map_curl_error(code, &slot->t, url,
					      &attempt_err);
		kvl_http_keep_partial(&slot->t, &attempt_err);
	}
	kvl_http_log_attempt("GET", url, code, &slot->resp, slot->attempt);

	delay = res == KVL_ERR_CANCELLED ? -1 :
		kvl_http_next_delay(run->http, slot->t.easy, "GET", code,
				    &slot->resp, slot->attempt,
				    &slot->timeouts);
	if (delay >= 0) {
		kvl_log("http retrying GET in %ld ms", delay);
		kvl_http_response_clear(&slot->resp);
		slot->attempt++;
		slot->retry_at_ms = now_ms() + delay;
	} else if (code != CURLE_OK) {
		kvl_error_move(&slot->job->err, &attempt_err);
		finish_job(run, slot, res);
	} else {
		take_page(run, slot);
	}
	kvl_error_clear(&attempt_err);
}

static void read_messages(struct multi_run *run)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(run->http->multi, &left)) != NULL) {
		struct slot *slot = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &slot);
		if (slot != NULL)
			transfer_done(run, slot, msg->data.result);
	}
}

/* Sends the retries that are due; returns the wait in milliseconds
 * until the next one, at most POLL_STEP_MS. */
static int start_due_retries(struct multi_run *run)
{
	long long now = now_ms(), wait = POLL_STEP_MS;

	for (size_t i = 0; i < run->n_slots; i++) {
		struct slot *slot = &run->slots[i];

		if (slot->job == NULL || slot->running ||
		    slot->retry_at_ms == 0)
			continue;
		if (slot->retry_at_ms <= now)
			start_page(run, slot);
		else if (slot->retry_at_ms - now < wait)
			wait = slot->retry_at_ms - now;
	}
	return (int)wait;
}

static void slots_free(struct multi_run *run)
{
	for (size_t i = 0; run->slots != NULL && i < run->n_slots; i++) {
		struct slot *slot = &run->slots[i];

		if (slot->running) {
			curl_multi_remove_handle(run->http->multi,
						 slot->t.easy);
			kvl_httptrace_finish(&slot->trace, slot->t.easy, "GET",
					     slot->seen[slot->n_seen - 1],
					     CURLE_ABORTED_BY_CALLBACK);
		}
		forget_pages(slot);
		kvl_http_response_clear(&slot->resp);
		kvl_http_free_headers(slot->headers);
		kvl_http_transfer_clear(&slot->t);
		if (slot->t.easy != NULL)
			curl_easy_cleanup(slot->t.easy);
	}
	free(run->slots);
}

static bool slots_init(struct multi_run *run, size_t n)
{
	run->slots = calloc(n, sizeof(*run->slots));
	if (run->slots == NULL)
		return false;
	run->n_slots = n;
	for (size_t i = 0; i < n; i++) {
		run->slots[i].resp.retry_after_s = -1;
		run->slots[i].t.easy = curl_easy_init();
		if (run->slots[i].t.easy == NULL)
			return false;
	}
	return true;
}

/* Runs the transfers until every job has ended or the sink cancels. */
static kvl_result run_jobs(struct multi_run *run, struct kvl_error *err)
{
	const struct kvl_sink *sink = run->http->options.sink;
	int still_running = 0, wait;

	for (size_t i = 0; i < run->n_slots; i++)
		take_next_job(run, &run->slots[i]);
	while (run->n_done < run->n_jobs) {
		if (kvl_sink_cancelled(sink))
			return kvl_error_set(err, KVL_ERR_CANCELLED,
					     _("cancelled"));
		wait = start_due_retries(run);
		if (curl_multi_perform(run->http->multi, &still_running) !=
		    CURLM_OK)
			return kvl_error_set(err, KVL_ERR_NOMEM,
					     _("out of memory"));
		read_messages(run);
		if (run->n_done == run->n_jobs)
			break;
		curl_multi_poll(run->http->multi, NULL, 0, wait, NULL);
	}
	return KVL_OK;
}

kvl_result kvl_http_list_many(struct kvl_http *http, const char *bearer,
			      const char *next_key,
			      struct kvl_http_list_job *jobs, size_t n_jobs,
			      int concurrency, struct kvl_error *err)
{
	struct multi_run run = { .http = http, .next_key = next_key,
				 .jobs = jobs, .n_jobs = n_jobs };
	size_t n_slots;
	kvl_result res;

	for (size_t i = 0; i < n_jobs; i++) {
		jobs[i].result = KVL_ERR_CANCELLED;
		kvl_error_init(&jobs[i].err);
	}
	if (n_jobs == 0)
		return KVL_OK;
	if (!kvl_http_token_is_safe(bearer))
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("the access token contains invalid "
				       "characters; sign in again"));
	if (concurrency <= 0)
		concurrency = KVL_HTTP_CONCURRENCY;
	n_slots = (size_t)concurrency < n_jobs ? (size_t)concurrency : n_jobs;

	run.headers = kvl_http_request_headers(bearer, NULL);
	if (run.headers == NULL || !multi_ready(http, concurrency) ||
	    !slots_init(&run, n_slots)) {
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	res = run_jobs(&run, err);
out:
	slots_free(&run);
	kvl_http_free_headers(run.headers);
	return res;
}
