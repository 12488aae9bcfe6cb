/* The single HTTP request of a connection test, on libcurl. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "core/buf.h"
#include "core/cloud.h"
#include "core/httpprobe.h"
#include "core/log.h"
#include "i18n.h"

/* The part of a vendor's answer worth keeping: its error text. */
#define PROBE_MAX_BODY (64u << 10)

struct probe_transfer {
	struct kvl_buf body;
	const struct kvl_sink *sink;
};

static size_t probe_write(char *data, size_t size, size_t n, void *ctx)
{
	struct probe_transfer *t = ctx;
	size_t len = size * n;
	size_t room = PROBE_MAX_BODY - t->body.len;

	/* A longer body is cut, not refused: the status decides. */
	if (room > 0 && !kvl_buf_add(&t->body, data, len < room ? len : room))
		return 0;
	return len;
}

static int probe_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow,
			  curl_off_t ultotal, curl_off_t ulnow)
{
	struct probe_transfer *t = ctx;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return kvl_sink_cancelled(t->sink) ? 1 : 0;
}

/* Builds libcurl's header list; NULL when out of memory. */
static struct curl_slist *probe_headers(const struct kvl_probe_request *req,
					bool *ok)
{
	struct curl_slist *list = NULL, *next;
	size_t i;

	*ok = true;
	next = curl_slist_append(list, "Expect:");
	for (i = 0; next != NULL && i < req->n_headers; i++) {
		list = next;
		next = curl_slist_append(list, req->headers[i]);
	}
	if (next == NULL)
		*ok = false;
	else
		list = next;
	return list;
}

/* Wipes the credential lines libcurl copied before freeing the list. */
static void probe_free_headers(struct curl_slist *list)
{
	for (struct curl_slist *l = list; l != NULL; l = l->next)
		OPENSSL_cleanse(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

static void probe_setup(CURL *c, const struct kvl_probe_request *req,
			struct curl_slist *headers, struct probe_transfer *t)
{
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_bundle != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, req->ca_bundle);
	/* Plain http is allowed only to loopback, so it goes there directly
	 * and never hands its credentials to a proxy from the environment. */
	if (strncasecmp(req->url, "http://", 7) == 0)
		curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 KVL_PROBE_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, KVL_PROBE_TOTAL_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT,
			 PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, probe_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, probe_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);

	if (strcmp(req->method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)strlen(req->body));
	}
}

/* The step that failed when libcurl got no response. */
static enum kvl_probe_step probe_step_of(CURL *c, CURLcode code)
{
	curl_off_t connected = 0;

	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return KVL_PROBE_DNS;
	case CURLE_COULDNT_CONNECT:
		return KVL_PROBE_CONNECT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return KVL_PROBE_TLS;
	case CURLE_OPERATION_TIMEDOUT:
		/* A timeout before the TCP connection is a connect failure. */
		curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connected);
		return connected > 0 ? KVL_PROBE_RESPONSE : KVL_PROBE_CONNECT;
	default:
		return KVL_PROBE_RESPONSE;
	}
}

/* The URL without its query, which is all the debug log gets. */
static void probe_log(const struct kvl_probe_request *req,
		      const struct kvl_probe_response *resp)
{
	int path_len = (int)strcspn(req->url, "?#");

	if (resp->status > 0)
		kvl_log("probe %s %.*s -> %ld", req->method, path_len,
			req->url, resp->status);
	else
		kvl_log("probe %s %.*s failed at %s: %s", req->method,
			path_len, req->url, kvl_probe_step_name(resp->step),
			resp->transport_error);
}

static kvl_result probe_perform(CURL *c, const struct kvl_probe_request *req,
				struct probe_transfer *t,
				struct kvl_probe_response *resp,
				struct kvl_error *err)
{
	CURLcode code = curl_easy_perform(c);

	if (code == CURLE_ABORTED_BY_CALLBACK)
		return kvl_error_set(err, KVL_ERR_CANCELLED, "cancelled");
	if (code == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
		resp->step = KVL_PROBE_OK;
		resp->body_len = t->body.len;
		resp->body = t->body.data != NULL ? kvl_buf_detach(&t->body)
						  : strdup("");
	} else {
		resp->step = probe_step_of(c, code);
		resp->transport_error = strdup(curl_easy_strerror(code));
	}
	if (code == CURLE_OK ? resp->body == NULL
			     : resp->transport_error == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	probe_log(req, resp);
	return KVL_OK;
}

kvl_result kvl_probe_http(const struct kvl_probe_request *req,
			  struct kvl_probe_response *resp,
			  struct kvl_error *err)
{
	struct probe_transfer t = { .sink = req->sink };
	struct curl_slist *headers = NULL;
	CURL *c = NULL;
	bool ok;
	kvl_result res;

	memset(resp, 0, sizeof(*resp));
	kvl_buf_init(&t.body);
	t.body.secret = true;
	if (!kvl_url_allowed(req->url))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("'%s' is not an https URL (plain http "
				       "is allowed only for loopback "
				       "addresses)"), req->url);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	headers = probe_headers(req, &ok);
	if (c == NULL || !ok) {
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}

	probe_setup(c, req, headers, &t);
	res = probe_perform(c, req, &t, resp, err);
out:
	if (res != KVL_OK)
		kvl_probe_response_clear(resp);
	probe_free_headers(headers);
	kvl_buf_clear(&t.body);
	curl_easy_cleanup(c);
	return res;
}

void kvl_probe_response_clear(struct kvl_probe_response *resp)
{
	if (resp->body != NULL)
		OPENSSL_cleanse(resp->body, resp->body_len);
	free(resp->body);
	free(resp->transport_error);
	memset(resp, 0, sizeof(*resp));
}
