#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "core/buf.h"
#include "core/cloud.h"
#include "core/http.h"
#include "core/http_private.h"
#include "core/httptrace.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/netenv.h"
#include "core/sanitize.h"
#include "i18n.h"

#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_TOTAL_MS 30000L
/* A request that timed out is sent once more at most: an endpoint that
 * accepts connections but never answers would otherwise hold a run for
 * (retries + 1) times the timeout. */
#define MAX_TIMEOUT_RETRIES 1
#define DEFAULT_RETRIES 4
#define DEFAULT_BACKOFF_MS 500L
#define DEFAULT_MAX_BACKOFF_MS 30000L
#define DEFAULT_MAX_BODY (16u << 20)
#define SLEEP_STEP_MS 100L

/* The caller's CA bundle (the cloud profile's caBundle) wins over the
 * environment's; see core/netenv.h for the order of the variables. */
static bool choose_ca_bundle(struct kvl_http *http)
{
	const char *file = http->options.ca_bundle;

	http->ca_source = "caBundle";
	if (file == NULL) {
		file = http->net.ca_file.value;
		http->ca_source = http->net.ca_file.var;
	}
	http->options.ca_bundle = NULL;
	if (file == NULL)
		return true;
	http->ca_bundle = strdup(file);
	http->options.ca_bundle = http->ca_bundle;
	return http->ca_bundle != NULL;
}

/* Whether the caller's CA bundle is the only trust: SSL_CERT_DIR is then
 * left out too. */
static bool ca_pinned(const struct kvl_http *http)
{
	return http->ca_source != NULL &&
	       strcmp(http->ca_source, "caBundle") == 0;
}

static void log_proxy(const char *scheme, const struct kvl_netenv_value *p)
{
	char *redacted;

	if (p->value == NULL)
		return;
	redacted = kvl_netenv_redact(p->value);
	kvl_log("http %s proxy %s (from %s)", scheme, redacted ? redacted : "?",
		p->var);
	free(redacted);
}

static void log_network_settings(const struct kvl_http *http)
{
	if (!kvl_log_enabled())
		return;
	log_proxy("https", &http->net.https_proxy);
	log_proxy("http", &http->net.http_proxy);
	if (http->net.no_proxy.value != NULL)
		kvl_log("http no proxy for %s (from %s)",
			http->net.no_proxy.value, http->net.no_proxy.var);
	if (http->ca_bundle != NULL)
		kvl_log("http CA bundle %s (from %s)", http->ca_bundle,
			http->ca_source);
	if (!ca_pinned(http) && http->net.ca_dir.value != NULL)
		kvl_log("http CA directory %s (from SSL_CERT_DIR)",
			http->net.ca_dir.value);
}

kvl_result kvl_http_new(const struct kvl_http_options *options,
			struct kvl_http **out)
{
	struct kvl_http *http = calloc(1, sizeof(*http));

	*out = NULL;
	if (http == NULL)
		return KVL_ERR_NOMEM;

	pthread_mutex_init(&http->lend_lock, NULL);
	if (options != NULL)
		http->options = *options;
	if (http->options.connect_timeout_ms <= 0)
		http->options.connect_timeout_ms = DEFAULT_CONNECT_MS;
	if (http->options.total_timeout_ms <= 0)
		http->options.total_timeout_ms = DEFAULT_TOTAL_MS;
	if (http->options.max_retries == 0)
		http->options.max_retries = DEFAULT_RETRIES;
	else if (http->options.max_retries < 0)
		http->options.max_retries = 0;
	if (http->options.backoff_ms <= 0)
		http->options.backoff_ms = DEFAULT_BACKOFF_MS;
	if (http->options.max_backoff_ms <= 0)
		http->options.max_backoff_ms = DEFAULT_MAX_BACKOFF_MS;
	if (http->options.max_body == 0)
		http->options.max_body = DEFAULT_MAX_BODY;

	if (!kvl_netenv_read(&http->net) || !choose_ca_bundle(http)) {
		kvl_http_free(http);
		return KVL_ERR_NOMEM;
	}
	log_network_settings(http);

	curl_global_init(CURL_GLOBAL_DEFAULT);
	http->curl = curl_easy_init();
	if (http->curl == NULL) {
		kvl_http_free(http);
		return KVL_ERR_NOMEM;
	}
	*out = http;
	return KVL_OK;
}

const struct kvl_sink *kvl_http_set_cancel_sink(struct kvl_http *http,
						const struct kvl_sink *sink)
{
	const struct kvl_sink *previous = http->options.sink;

	http->options.sink = sink;
	return previous;
}

void kvl_http_free(struct kvl_http *http)
{
	if (http == NULL)
		return;
	if (http->curl != NULL)
		curl_easy_cleanup(http->curl);
	for (size_t i = 0; i < KVL_HTTP_HANDLES - 1; i++)
		if (http->extra[i] != NULL)
			curl_easy_cleanup(http->extra[i]);
	pthread_mutex_destroy(&http->lend_lock);
	if (http->multi != NULL)
		curl_multi_cleanup(http->multi);
	if (http->share != NULL)
		curl_share_cleanup(http->share);
	kvl_netenv_clear(&http->net);
	free(http->ca_bundle);
	free(http);
}

unsigned long kvl_http_request_count(const struct kvl_http *http)
{
	return http->requests;
}

unsigned long kvl_http_connection_count(const struct kvl_http *http)
{
	return http->connections;
}

void kvl_http_response_clear(struct kvl_http_response *resp)
{
	if (resp->body != NULL)
		OPENSSL_cleanse(resp->body, resp->body_len);
	free(resp->body);
	free(resp->correlation_id);
	free(resp->www_authenticate);
	free(resp->content_type);
	memset(resp, 0, sizeof(*resp));
	resp->retry_after_s = -1;
}

long kvl_http_retry_delay_ms(long backoff_ms, long max_backoff_ms,
			     int attempt, long retry_after_s)
{
	long delay = backoff_ms;

	if (retry_after_s >= 0) {
		if (retry_after_s > KVL_HTTP_MAX_RETRY_AFTER_S)
			return KVL_HTTP_MAX_RETRY_AFTER_S * 1000L;
		return retry_after_s * 1000;
	}
	for (int i = 0; i < attempt && delay < max_backoff_ms; i++)
		delay *= 2;
	return delay < max_backoff_ms ? delay : max_backoff_ms;
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct kvl_http_transfer *t = ctx;
	size_t len = size * nmemb;

	if (t->body.len + len > t->http->options.max_body) {
		t->too_large = true;
		return 0;
	}
	if (!kvl_buf_add(&t->body, data, len))
		return 0;
	if (t->watch != NULL && !t->watch->done) {
		long status = 0;

		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status <= 299)
			t->watch->fn(t->watch, t->body.data, t->body.len);
	}
	return len;
}

long kvl_http_parse_retry_after(const char *value)
{
	char *end;
	long secs = strtol(value, &end, 10);
	time_t when;

	if (end != value && (*end == '\0' || isspace((unsigned char)*end)))
		return secs < 0 ? 0 : secs;
	when = curl_getdate(value, NULL);
	if (when < 0)
		return -1;
	return when > time(NULL) ? (long)(when - time(NULL)) : 0;
}

static void set_string(char **field, const char *value, size_t len)
{
	free(*field);
	*field = strndup(value, len);
}

static size_t header_cb(char *data, size_t size, size_t nmemb, void *ctx)
{
	static const char *const corr[] = {
		"x-ms-correlation-request-id", "x-ms-request-id", "request-id",
	};
	struct kvl_http_transfer *t = ctx;
	size_t len = size * nmemb, name_len, vlen;
	const char *colon = memchr(data, ':', len), *value;

	if (colon == NULL)
		return len;
	name_len = (size_t)(colon - data);
	value = colon + 1;
	while (value < data + len && (*value == ' ' || *value == '\t'))
		value++;
	vlen = (size_t)(data + len - value);
	while (vlen > 0 && isspace((unsigned char)value[vlen - 1]))
		vlen--;

	for (size_t i = 0; i < 3; i++) {
		if (name_len == strlen(corr[i]) &&
		    strncasecmp(data, corr[i], name_len) == 0)
			set_string(&t->correlation[i], value, vlen);
	}
	if (name_len == 16 && strncasecmp(data, "www-authenticate", 16) == 0)
		set_string(&t->www_authenticate, value, vlen);
	if (name_len == 12 && strncasecmp(data, "content-type", 12) == 0)
		set_string(&t->content_type, value, vlen);
	if (name_len == 11 && strncasecmp(data, "retry-after", 11) == 0) {
		char *copy = strndup(value, vlen);

		t->retry_after_s = copy ? kvl_http_parse_retry_after(copy) : -1;
		free(copy);
	}
	return len;
}

static int progress_cb(void *ctx, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct kvl_http_transfer *t = ctx;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return kvl_sink_cancelled(t->http->options.sink) ||
	       (t->stop != NULL && atomic_load(t->stop)) ? 1 : 0;
}

void kvl_http_transfer_clear(struct kvl_http_transfer *t)
{
	kvl_buf_clear(&t->body);
	for (size_t i = 0; i < 3; i++)
		free(t->correlation[i]);
	free(t->www_authenticate);
	free(t->content_type);
}

/* Returns a copy of url with query values replaced, except harmless ones. */
static char *url_for_log(const char *url)
{
	static const char *const keep[] = {
		"api-version", "maxresults", "$top", "$filter", "$select", NULL,
	};
	struct kvl_buf out;
	const char *q = strchr(url, '?'), *p;

	kvl_buf_init(&out);
	kvl_buf_add(&out, url, q ? (size_t)(q - url) : strlen(url));
	for (p = q; p != NULL && *p != '\0';) {
		size_t seg = strcspn(p + 1, "&") + 1;
		size_t name = strcspn(p + 1, "=&");
		bool keep_value = false;

		for (int i = 0; keep[i] != NULL; i++)
			keep_value |= name == strlen(keep[i]) &&
				      strncmp(p + 1, keep[i], name) == 0;
		if (keep_value || name + 1 >= seg)
			kvl_buf_add(&out, p, seg);
		else
			kvl_buf_addf(&out, "%.*s=...", (int)name + 1, p);
		p += seg;
	}
	return kvl_buf_detach(&out);
}

struct curl_slist *kvl_http_request_headers(const char *bearer,
					  const char *content_type)
{
	struct curl_slist *list = NULL, *next;
	struct kvl_buf auth;

	next = curl_slist_append(list, "Accept: application/json");
	if (next != NULL)
		list = next;
	next = curl_slist_append(list, "Expect:");
	if (next != NULL)
		list = next;
	if (content_type != NULL) {
		char line[128];

		snprintf(line, sizeof(line), "Content-Type: %s", content_type);
		next = curl_slist_append(list, line);
		if (next != NULL)
			list = next;
	}
	if (bearer != NULL) {
		kvl_buf_init(&auth);
		auth.secret = true;
		kvl_buf_addf(&auth, "Authorization: Bearer %s", bearer);
		if (auth.data != NULL)
			next = curl_slist_append(list, auth.data);
		if (auth.data != NULL && next != NULL)
			list = next;
		kvl_buf_clear(&auth);
	}
	return list;
}

/* Wipes the Authorization line libcurl copied before freeing the list. */
void kvl_http_free_headers(struct curl_slist *list)
{
	for (struct curl_slist *l = list; l != NULL; l = l->next)
		OPENSSL_cleanse(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

/* Whether url goes to the instance metadata service, which is reached
 * only from the machine itself. */
static bool url_is_imds(const char *url)
{
	return strncmp(url, KVL_HTTP_IMDS_BASE "/",
		       strlen(KVL_HTTP_IMDS_BASE) + 1) == 0;
}

/* Whether the host in url is a loopback address. url may be a proxy
 * setting, which can omit the scheme and carry user information. */
static bool host_is_loopback(const char *url)
{
	const char *rest = strstr(url, "://");
	const char *at;
	char *origin = NULL;
	bool loopback;

	rest = rest != NULL ? rest + 3 : url;
	at = strrchr(rest, '@');
	if (at != NULL)
		rest = at + 1;
	if (asprintf(&origin, "http://%.*s", (int)strcspn(rest, "/?#"),
		     rest) < 0)
		return false;
	loopback = kvl_url_allowed(origin);
	free(origin);
	return loopback;
}

/*
 * Returns the proxy setting for url, or NULL for a direct connection
 * (libcurl still applies no_proxy). Plain http is allowed only to
 * loopback hosts and to the instance metadata service, neither of which
 * a proxy should see, so it is always direct. An https request to a
 * loopback host goes through a proxy only when the proxy is on loopback
 * too, because a proxy on another host cannot reach this machine's
 * loopback.
 */
static const struct kvl_netenv_value *proxy_for(const struct kvl_http *http,
						const char *url)
{
	const struct kvl_netenv_value *proxy =
		kvl_netenv_proxy_for(&http->net, url);

	if (proxy->value == NULL || strncasecmp(url, "http://", 7) == 0)
		return NULL;
	if (host_is_loopback(url) && !host_is_loopback(proxy->value))
		return NULL;
	return proxy;
}

/*
 * Sets the CA bundle and the proxy from kvlink's own reading of the
 * environment. An empty CURLOPT_PROXY and CURLOPT_NOPROXY keep libcurl
 * from reading the proxy variables again with its own rules.
 */
static void setup_trust_and_proxy(struct kvl_http *http, CURL *c,
				  const char *url)
{
	const struct kvl_netenv_value *proxy = proxy_for(http, url);

	if (http->ca_bundle != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, http->ca_bundle);
	if (!ca_pinned(http) && http->net.ca_dir.value != NULL)
		curl_easy_setopt(c, CURLOPT_CAPATH, http->net.ca_dir.value);

	if (proxy == NULL) {
		curl_easy_setopt(c, CURLOPT_PROXY, "");
		return;
	}
	curl_easy_setopt(c, CURLOPT_PROXY, proxy->value);
	curl_easy_setopt(c, CURLOPT_NOPROXY, http->net.no_proxy.value != NULL
			 ? http->net.no_proxy.value : "");
}

void kvl_http_setup_easy(struct kvl_http_transfer *t, const char *method,
			 const char *url, const char *body,
			 struct curl_slist *headers)
{
	struct kvl_http *http = t->http;
	CURL *c = t->easy;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	setup_trust_and_proxy(http, c, url);

	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 http->options.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, http->options.total_timeout_ms);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)http->options.max_body);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT,
			 PACKAGE_NAME "/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->curl_error);

	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);

	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)strlen(body));
	} else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
}

/* "the CA bundle FILE (from VAR)" or "the system's trust store". */
static char *describe_trust(const struct kvl_http *http)
{
	char *text = NULL;

	if (http->ca_bundle == NULL)
		return strdup("the system's trust store");
	if (asprintf(&text, "the CA bundle '%s' (from %s)", http->ca_bundle,
		     ca_pinned(http) ? "the cloud profile's caBundle"
		     : http->ca_source) < 0)
		return NULL;
	return text;
}

/* " Requests to URL go through the proxy P (from VAR)." or "". */
static char *describe_proxy(const struct kvl_http *http, const char *url)
{
	const struct kvl_netenv_value *p = proxy_for(http, url);
	char *redacted, *text = NULL;

	if (p == NULL)
		return strdup("");
	redacted = kvl_netenv_redact(p->value);
	if (asprintf(&text, " Requests go through the proxy %s (from %s)%s.",
		     redacted != NULL ? redacted : "?", p->var,
		     http->net.no_proxy.value != NULL
		     ? " unless no_proxy lists the host" : "") < 0)
		text = NULL;
	free(redacted);
	return text;
}

/*
 * A certificate that fails verification often comes from a proxy or
 * firewall that inspects TLS with a certificate of its own. The advice
 * explains how to trust that proxy's CA; verification itself stays on.
 */
static kvl_result tls_verify_failed(const struct kvl_http_transfer *t,
				    const char *url, CURLcode code,
				    struct kvl_error *err)
{
	const struct kvl_http *http = t->http;
	char *trust = describe_trust(http);
	char *proxy = describe_proxy(http, url);
	char *fix = NULL;
	kvl_result res;

	/* The profile's caBundle replaces every variable, so only an edit
	 * of that file can add the proxy's CA. */
	if (ca_pinned(http) &&
	    asprintf(&fix, "add that proxy's CA certificate to '%s', the "
		     "caBundle of the cloud profile, which kvlink uses "
		     "instead of REQUESTS_CA_BUNDLE and the other "
		     "variables", http->ca_bundle) < 0)
		fix = NULL;
	res = kvl_error_set(err, KVL_ERR_TLS,
			    _("the TLS certificate of %s could not be "
			      "verified against %s (%s).%s The likely cause "
			      "is a proxy or firewall that inspects TLS with "
			      "its own certificate: %s. Otherwise check the "
			      "system clock"), url,
			    trust != NULL ? trust : "the trusted CAs",
			    t->curl_error[0] != '\0' ? t->curl_error
			    : curl_easy_strerror(code),
			    proxy != NULL ? proxy : "",
			    fix != NULL ? fix
			    : "set REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE or "
			      "SSL_CERT_FILE) to a PEM file with that proxy's "
			      "CA certificate");
	free(fix);
	free(trust);
	free(proxy);
	return res;
}

static kvl_result ca_bundle_unreadable(const struct kvl_http *http,
				       struct kvl_error *err)
{
	char *trust = describe_trust(http);
	kvl_result res;

	res = kvl_error_set(err, KVL_ERR_TLS,
			    _("cannot read %s; point it at a readable PEM "
			      "file of CA certificates, or unset it to use "
			      "the system's trust store"),
			    trust != NULL ? trust : "the CA bundle");
	free(trust);
	return res;
}

/* The proxy's status code for kvlink's CONNECT, or 0 without a proxy. */
static long proxy_connect_status(CURL *easy)
{
	long status = 0;

	curl_easy_getinfo(easy, CURLINFO_HTTP_CONNECTCODE, &status);
	return status;
}

static kvl_result proxy_rejected(const struct kvl_netenv_value *p,
				 const char *shown, long status,
				 const char *url, struct kvl_error *err)
{
	if (status == 407 && strchr(p->value, '@') != NULL)
		return kvl_error_set(err, KVL_ERR_NETWORK,
				     _("the proxy %s (from %s) rejected the "
				       "user name and password in %s (HTTP "
				       "407); correct them in %s"), shown,
				     p->var, p->var, p->var);
	if (status == 407)
		return kvl_error_set(err, KVL_ERR_NETWORK,
				     _("the proxy %s (from %s) requires a "
				       "user name and password (HTTP 407); "
				       "set %s to "
				       "http://USER:PASSWORD@HOST:PORT"),
				     shown, p->var, p->var);
	return kvl_error_set(err, KVL_ERR_NETWORK,
			     _("the proxy %s (from %s) could not open a "
			       "connection to %s (HTTP %ld); check the proxy, "
			       "or list the host in no_proxy to reach it "
			       "directly"), shown, p->var, url, status);
}

/*
 * Explains a failure that the proxy caused: an error status in reply
 * to CONNECT, or a proxy that cannot be reached. Returns KVL_OK when
 * the failure is not the proxy's. With no_proxy set, a failed connection
 * may have been a direct one, so only the generic message fits.
 */
static kvl_result proxy_failed(const struct kvl_http_transfer *t,
			       const char *url, CURLcode code,
			       struct kvl_error *err)
{
	const struct kvl_netenv_value *p = proxy_for(t->http, url);
	long status = proxy_connect_status(t->easy);
	bool unreachable = code == CURLE_COULDNT_RESOLVE_PROXY ||
			   (code == CURLE_COULDNT_CONNECT &&
			    t->http->net.no_proxy.value == NULL);
	char *shown;
	kvl_result res;

	if (p == NULL || (status / 100 == 2 && !unreachable) ||
	    (status == 0 && !unreachable))
		return KVL_OK;
	shown = kvl_netenv_redact(p->value);
	if (status != 0)
		res = proxy_rejected(p, shown != NULL ? shown : "?", status,
				     url, err);
	else
		res = kvl_error_set(err, KVL_ERR_NETWORK,
				    _("cannot connect to the proxy %s (from "
				      "%s) for %s: %s; check that the proxy "
				      "runs, or correct or unset %s"),
				    shown != NULL ? shown : "?", p->var, url,
				    curl_easy_strerror(code), p->var);
	free(shown);
	return res;
}

/* The generic message for a failed request, naming the proxy if any. */
static kvl_result request_failed(const struct kvl_http_transfer *t,
				 const char *url, CURLcode code,
				 struct kvl_error *err)
{
	char *proxy = describe_proxy(t->http, url);
	kvl_result res;

	if (code == CURLE_OPERATION_TIMEDOUT)
		res = kvl_error_set(err, KVL_ERR_NETWORK,
				    _("request to %s timed out (the limit is "
				      "%ld s per request).%s Check the "
				      "network connection, or allow more time "
				      "with --timeout"), url,
				    t->http->options.total_timeout_ms / 1000,
				    proxy != NULL ? proxy : "");
	else
		res = kvl_error_set(err, KVL_ERR_NETWORK,
				    _("request to %s failed: %s.%s Check the "
				      "network connection and try again"), url,
				    curl_easy_strerror(code),
				    proxy != NULL ? proxy : "");
	free(proxy);
	return res;
}

kvl_result kvl_http_map_curl_error(CURLcode code,
				   const struct kvl_http_transfer *t,
				   const char *url, struct kvl_error *err)
{
	kvl_result res = proxy_failed(t, url, code, err);

	if (res != KVL_OK)
		return res;
	switch (code) {
	case CURLE_ABORTED_BY_CALLBACK:
		return kvl_error_set(err, KVL_ERR_CANCELLED, "cancelled");
	case CURLE_PEER_FAILED_VERIFICATION:
		return tls_verify_failed(t, url, code, err);
	case CURLE_SSL_CACERT_BADFILE:
		return ca_bundle_unreadable(t->http, err);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
		return kvl_error_set(err, KVL_ERR_TLS,
				     _("TLS connection to %s failed: %s; "
				       "check the system clock and CA bundle"),
				     url,
				     curl_easy_strerror(code));
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_WRITE_ERROR:
		if (t->too_large || code == CURLE_FILESIZE_EXCEEDED)
			return kvl_error_set(err, KVL_ERR_PARSE,
					     _("the response from %s is "
					       "larger than %zu bytes, "
					       "kvlink's limit, so it was not "
					       "read; try again, and check "
					       "the proxy settings if it "
					       "persists"), url,
					     t->http->options.max_body);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	default:
		return request_failed(t, url, code, err);
	}
}

static bool curl_error_retryable(CURLcode code)
{
	return code == CURLE_COULDNT_CONNECT ||
	       code == CURLE_OPERATION_TIMEDOUT ||
	       code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR ||
	       code == CURLE_GOT_NOTHING || code == CURLE_PARTIAL_FILE;
}

static bool status_retryable(long status)
{
	return status == 429 || (status >= 500 && status != 501 &&
				 status != 505);
}

static bool stopped(const struct kvl_sink *sink, const atomic_bool *stop)
{
	return kvl_sink_cancelled(sink) || (stop != NULL && atomic_load(stop));
}

/* Sleeps delay_ms in short steps so that a cancel, or the stop flag of
 * a request sent ahead, is noticed quickly. */
static bool sleep_or_cancel(struct kvl_http *http, const atomic_bool *stop,
			    long delay_ms)
{
	const struct kvl_sink *sink = http->options.sink;

	while (delay_ms > 0) {
		long step = delay_ms < SLEEP_STEP_MS ? delay_ms : SLEEP_STEP_MS;
		struct timespec ts = { step / 1000, (step % 1000) * 1000000L };

		if (stopped(sink, stop))
			return false;
		nanosleep(&ts, NULL);
		delay_ms -= step;
	}
	return !stopped(sink, stop);
}

/* Moves what one transfer received into resp. */
void kvl_http_take_response(struct kvl_http_transfer *t,
			    struct kvl_http_response *resp)
{
	kvl_http_response_clear(resp);
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &resp->status);
	resp->body_len = t->body.len;
	resp->body = kvl_buf_detach(&t->body);
	for (size_t i = 0; i < 3 && resp->correlation_id == NULL; i++) {
		resp->correlation_id = t->correlation[i];
		t->correlation[i] = NULL;
	}
	resp->www_authenticate = t->www_authenticate;
	t->www_authenticate = NULL;
	resp->content_type = t->content_type;
	t->content_type = NULL;
	resp->retry_after_s = t->retry_after_s;
}

/* Keeps in err the status and correlation id of a response that failed
 * part way (too large, cut off), so that Azure can trace it. */
void kvl_http_keep_partial(const struct kvl_http_transfer *t,
			   struct kvl_error *err)
{
	long status = 0;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	err->http_status = status;
	for (size_t i = 0; i < 3 && err->correlation_id == NULL; i++) {
		if (t->correlation[i] != NULL)
			err->correlation_id = kvl_sanitize(t->correlation[i]);
	}
}

/* The target of one request: the handle that sends it (NULL: a free one
 * of the client's), and the watch and stop flag of a request sent ahead
 * (NULL otherwise). */
struct send_target {
	CURL *easy;
	struct kvl_http_watch *watch;
	const atomic_bool *stop;
};

static CURLcode perform_once(struct kvl_http *http,
			     const struct send_target *to, const char *method,
			     const char *url, const char *body,
			     struct curl_slist *headers,
			     struct kvl_http_response *resp,
			     struct kvl_error *err, kvl_result *res)
{
	struct kvl_http_transfer t = { .http = http, .easy = to->easy,
				       .stop = to->stop, .watch = to->watch,
				       .retry_after_s = -1 };
	struct kvl_httptrace trace;
	long connects = 0;
	CURLcode code;

	t.body.secret = true;
	kvl_http_setup_easy(&t, method, url, body, headers);
	kvl_httptrace_start(&trace, to->easy);
	http->requests++;
	code = curl_easy_perform(to->easy);
	kvl_httptrace_finish(&trace, to->easy, method, url, code);
	if (curl_easy_getinfo(to->easy, CURLINFO_NUM_CONNECTS,
			      &connects) == CURLE_OK && connects > 0)
		http->connections += (unsigned long)connects;
	if (code == CURLE_OK) {
		kvl_http_take_response(&t, resp);
	} else {
		*res = kvl_http_map_curl_error(code, &t, url, err);
		kvl_http_keep_partial(&t, err);
	}
	kvl_http_transfer_clear(&t);
	return code;
}

void kvl_http_log_attempt(const char *method, const char *url,
			  CURLcode code, const struct kvl_http_response *resp,
			  int attempt)
{
	char *loggable_url;
	const char *shown_url;

	if (!kvl_log_enabled())
		return;
	loggable_url = url_for_log(url);
	shown_url = loggable_url ? loggable_url : "";
	if (code != CURLE_OK)
		kvl_log("http %s %s failed: %s (attempt %d)", method,
			shown_url, curl_easy_strerror(code), attempt + 1);
	else
		kvl_log("http %s %s -> %ld correlation %s (attempt %d)",
			method, shown_url, resp->status,
			resp->correlation_id ? resp->correlation_id : "-",
			attempt + 1);
	free(loggable_url);
}

/* Whether a token can go into a header line: printable ASCII only. */
bool kvl_http_token_is_safe(const char *token)
{
	for (; token != NULL && *token != '\0'; token++) {
		if (*token < 0x21 || *token > 0x7e)
			return false;
	}
	return true;
}

long kvl_http_next_delay(struct kvl_http *http, CURL *easy,
			 const char *method, CURLcode code,
			 const struct kvl_http_response *resp, int attempt,
			 int *timeouts)
{
	const struct kvl_http_options *o = &http->options;

	/* Sending the same proxy credentials again cannot help. */
	if (code != CURLE_OK && proxy_connect_status(easy) == 407)
		return -1;
	if (code != CURLE_OK ? !curl_error_retryable(code)
			     : !status_retryable(resp->status))
		return -1;
	if (attempt >= o->max_retries)
		return -1;
	if (code == CURLE_OPERATION_TIMEDOUT &&
	    ++*timeouts > MAX_TIMEOUT_RETRIES) {
		kvl_log("http not retrying %s: timed out %d times", method,
			*timeouts);
		return -1;
	}
	if (code == CURLE_OK &&
	    resp->retry_after_s > KVL_HTTP_MAX_RETRY_AFTER_S) {
		kvl_log("http not retrying %s: Retry-After %ld s is above "
			"%d s", method, resp->retry_after_s,
			KVL_HTTP_MAX_RETRY_AFTER_S);
		return -1;
	}
	return kvl_http_retry_delay_ms(o->backoff_ms, o->max_backoff_ms,
				       attempt, code == CURLE_OK
				       ? resp->retry_after_s : -1);
}

/* Sends one request with its retries on to->easy; frees (and wipes)
 * headers. */
static kvl_result send_attempts(struct kvl_http *http,
				const struct send_target *to,
				const char *method, const char *url,
				struct curl_slist *headers, const char *body,
				struct kvl_http_response *resp,
				struct kvl_error *err)
{
	struct kvl_error attempt_err;
	kvl_result res = KVL_OK;
	CURLcode code;
	long delay;
	int timeouts = 0;

	kvl_error_init(&attempt_err);

	for (int attempt = 0;; attempt++) {
		res = KVL_OK;
		kvl_error_clear(&attempt_err);
		code = perform_once(http, to, method, url, body, headers,
				    resp, &attempt_err, &res);
		kvl_http_log_attempt(method, url, code, resp, attempt);
		if (res == KVL_ERR_CANCELLED)
			break;
		delay = kvl_http_next_delay(http, to->easy, method, code,
					    resp, attempt, &timeouts);
		if (delay < 0)
			break;
		kvl_log("http retrying %s in %ld ms", method, delay);
		if (!sleep_or_cancel(http, to->stop, delay)) {
			res = kvl_error_set(&attempt_err, KVL_ERR_CANCELLED,
					    "cancelled");
			break;
		}
	}
	kvl_http_free_headers(headers);
	if (res != KVL_OK) {
		kvl_http_response_clear(resp);
		if (err != NULL)
			kvl_error_move(err, &attempt_err);
	}
	kvl_error_clear(&attempt_err);
	return res;
}

/* Sends one request with its retries, on a free handle of http unless
 * to->easy is set; frees (and wipes) headers. */
static kvl_result send_request(struct kvl_http *http,
			       const struct send_target *to,
			       const char *method, const char *url,
			       struct curl_slist *headers, const char *body,
			       struct kvl_http_response *resp,
			       struct kvl_error *err)
{
	struct send_target lent_to = *to;
	bool *lent = NULL;
	kvl_result res;

	if (to->easy != NULL)
		return send_attempts(http, to, method, url, headers, body,
				     resp, err);
	lent_to.easy = kvl_http_lend(http, &lent, err);
	if (lent_to.easy == NULL) {
		kvl_http_free_headers(headers);
		return KVL_ERR_NOMEM;
	}
	res = send_attempts(http, &lent_to, method, url, headers, body, resp,
			    err);
	kvl_http_give_back(http, lent);
	return res;
}

kvl_result kvl_http_url_rejected(const char *url, struct kvl_error *err)
{
	return kvl_error_set(err, KVL_ERR_INVALID,
			     _("rejected the request to '%s': only https, or "
			       "http to a loopback address, is allowed"), url);
}

kvl_result kvl_http_send(struct kvl_http *http, const char *method,
			 const char *url, const char *bearer,
			 const char *content_type, const char *body,
			 struct kvl_http_response *resp,
			 struct kvl_error *err)
{
	return kvl_http_send_on(http, NULL, NULL, NULL, method, url, bearer,
				content_type, body, resp, err);
}

CURL *kvl_http_lend(struct kvl_http *http, bool **lent,
		    struct kvl_error *err)
{
	CURL *easy = NULL;
	size_t i = 0;

	pthread_mutex_lock(&http->lend_lock);
	while (i < KVL_HTTP_HANDLES && http->lent[i])
		i++;
	if (i == 0) {
		easy = http->curl;
	} else if (i < KVL_HTTP_HANDLES) {
		if (http->extra[i - 1] == NULL)
			http->extra[i - 1] = curl_easy_init();
		easy = http->extra[i - 1];
	}
	if (easy != NULL) {
		http->lent[i] = true;
		*lent = &http->lent[i];
	}
	pthread_mutex_unlock(&http->lend_lock);
	if (easy == NULL)
		kvl_error_set(err, KVL_ERR_NOMEM, i == KVL_HTTP_HANDLES ?
			      _("cannot send another request at the same "
				"time") : _("out of memory"));
	return easy;
}

void kvl_http_give_back(struct kvl_http *http, bool *lent)
{
	pthread_mutex_lock(&http->lend_lock);
	*lent = false;
	pthread_mutex_unlock(&http->lend_lock);
}

kvl_result kvl_http_send_on(struct kvl_http *http, CURL *easy,
			    struct kvl_http_watch *watch,
			    const atomic_bool *stop, const char *method,
			    const char *url, const char *bearer,
			    const char *content_type, const char *body,
			    struct kvl_http_response *resp,
			    struct kvl_error *err)
{
	struct send_target to = { easy, watch, stop };

	memset(resp, 0, sizeof(*resp));
	resp->retry_after_s = -1;
	if (!kvl_url_allowed(url))
		return kvl_http_url_rejected(url, err);
	if (!kvl_http_token_is_safe(bearer))
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("the access token contains invalid "
				       "characters; sign in again"));
	return send_request(http, &to, method, url,
			    kvl_http_request_headers(bearer, content_type),
			    body, resp, err);
}

kvl_result kvl_http_get_with_header(struct kvl_http *http, const char *url,
				    const char *header,
				    struct kvl_http_response *resp,
				    struct kvl_error *err)
{
	const char *value = strchr(header, ':');
	struct send_target to = { NULL, NULL, NULL };
	struct curl_slist *headers, *next;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after_s = -1;
	if (!kvl_url_allowed(url) && !url_is_imds(url))
		return kvl_http_url_rejected(url, err);
	while (value != NULL && (*value == ':' || *value == ' '))
		value++;
	if (value == NULL || *value == '\0' || !kvl_http_token_is_safe(value))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the request header for '%s' contains "
				       "invalid characters"), url);
	headers = kvl_http_request_headers(NULL, NULL);
	next = curl_slist_append(headers, header);
	if (next == NULL) {
		kvl_http_free_headers(headers);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	return send_request(http, &to, "GET", url, next, NULL, resp, err);
}

static kvl_result status_result(long status)
{
	switch (status) {
	case 401:
		return KVL_ERR_AUTH;
	case 403:
		return KVL_ERR_FORBIDDEN;
	case 404:
		return KVL_ERR_NOT_FOUND;
	case 409:
		return KVL_ERR_CONFLICT;
	case 429:
		return KVL_ERR_THROTTLED;
	default:
		return KVL_ERR_HTTP;
	}
}

static const char *status_advice(long status)
{
	switch (status) {
	case 401:
		return _("the sign-in is no longer accepted; run 'kvlink "
			 "logout', then 'kvlink login'");
	case 403:
		return _("ask an owner of the resource to grant you access");
	case 404:
		return _("check the name and subscription");
	case 429:
		return _("Azure is throttling requests; wait a minute and try "
			 "again");
	default:
		if (status >= 500)
			return _("Azure had a server error; try again later");
		if (status >= 300 && status < 400)
			return _("kvlink does not follow redirects; check the "
				 "cloud profile");
		return _("see Azure's message below");
	}
}

/*
 * Whether a 403 comes from Key Vault's network rules rather than from a
 * missing permission: its error has the inner code ForbiddenByFirewall,
 * or ForbiddenByConnection when public network access is disabled.
 */
static bool blocked_by_network(const struct kvl_http_response *resp)
{
	json_object *body = NULL;
	const char *code;
	bool blocked = false;

	if (resp->body == NULL || resp->body_len == 0 ||
	    kvl_json_parse(resp->body, resp->body_len, "error body", &body,
			   NULL) != KVL_OK)
		return false;
	code = kvl_json_str(body, "error.innererror.code");
	if (code != NULL)
		blocked = strcmp(code, "ForbiddenByFirewall") == 0 ||
			  strcmp(code, "ForbiddenByConnection") == 0;
	json_object_put(body);
	return blocked;
}

kvl_result kvl_http_check(const struct kvl_http_response *resp,
			  const char *operation, struct kvl_error *err)
{
	kvl_result res;

	if (resp->status >= 200 && resp->status < 300)
		return KVL_OK;
	res = status_result(resp->status);
	if (err == NULL)
		return res;
	if (resp->retry_after_s > 0)
		kvl_error_set(err, res, _("Azure returned HTTP %ld and asked "
					  "to wait %ld seconds; try again "
					  "after that"),
			      resp->status, resp->retry_after_s);
	else
		kvl_error_set(err, res, _("Azure returned HTTP %ld; %s"),
			      resp->status, status_advice(resp->status));
	kvl_error_operation(err, operation);
	err->http_status = resp->status;
	free(err->correlation_id);
	err->correlation_id = resp->correlation_id
			      ? kvl_sanitize(resp->correlation_id) : NULL;
	kvl_http_parse_error_body(resp->body, err);
	if (res == KVL_ERR_FORBIDDEN && blocked_by_network(resp))
		kvl_error_set(err, res, _("Azure returned HTTP 403 because "
					  "the key vault's firewall blocks "
					  "the request; turn the firewall off "
					  "(in the vault's Networking "
					  "settings allow public access from "
					  "all networks), as linking a vault "
					  "requires"));
	return res;
}

/* Azure's messages may contain line breaks, which are shown as spaces. */
static void set_sanitized(char **field, const char *value)
{
	if (value == NULL)
		return;
	free(*field);
	*field = kvl_sanitize_line(value);
}

/* {"error":{"code","message","innererror"|"innerError"}} */
static void parse_arm_error(json_object *error, struct kvl_error *err)
{
	const char *inner_code = kvl_json_str(error, "innererror.code");
	const char *request_id = kvl_json_str(error, "innerError.request-id");
	const char *message = kvl_json_str(error, "message");
	char *combined = NULL;

	set_sanitized(&err->azure_code, kvl_json_str(error, "code"));
	if (inner_code != NULL && message != NULL &&
	    asprintf(&combined, "%s (%s)", message, inner_code) < 0)
		combined = NULL;
	set_sanitized(&err->azure_message, combined ? combined : message);
	free(combined);
	if (err->correlation_id == NULL)
		set_sanitized(&err->correlation_id, request_id);
}

/* Entra: {"error","error_description","correlation_id","trace_id"} */
static void parse_entra_error(json_object *body, struct kvl_error *err)
{
	const char *trace = kvl_json_str(body, "trace_id");

	set_sanitized(&err->azure_code, kvl_json_str(body, "error"));
	set_sanitized(&err->azure_message,
		      kvl_json_str(body, "error_description"));
	if (err->correlation_id == NULL)
		set_sanitized(&err->correlation_id,
			      kvl_json_str(body, "correlation_id"));
	if (trace != NULL)
		kvl_log("entra error %s trace id %s",
			err->azure_code ? err->azure_code : "-", trace);
}

void kvl_http_parse_error_body(const char *body, struct kvl_error *err)
{
	struct kvl_error ignored;
	json_object *obj = NULL, *error;

	if (body == NULL || body[0] == '\0' || err == NULL)
		return;
	kvl_error_init(&ignored);
	if (kvl_json_parse(body, strlen(body), "error body", &obj,
			   &ignored) != KVL_OK)
		goto out;
	error = kvl_json_path(obj, "error");
	if (error != NULL && json_object_is_type(error, json_type_object))
		parse_arm_error(error, err);
	else if (error != NULL && json_object_is_type(error, json_type_string))
		parse_entra_error(obj, err);
out:
	json_object_put(obj);
	kvl_error_clear(&ignored);
}

/* Whether a Content-Type names JSON: application/json or a +json type,
 * with or without parameters. A missing type is taken for JSON. */
static bool content_type_is_json(const char *type)
{
	size_t len;

	if (type == NULL || *type == '\0')
		return true;
	len = strcspn(type, "; \t");
	return (len == 16 && strncasecmp(type, "application/json", 16) == 0) ||
	       (len > 5 && strncasecmp(type + len - 5, "+json", 5) == 0);
}

void kvl_http_explain_bad_body(const struct kvl_http_response *resp,
			       struct kvl_error *err)
{
	char *type;

	if (err == NULL)
		return;
	err->http_status = resp->status;
	free(err->correlation_id);
	err->correlation_id = resp->correlation_id
			      ? kvl_sanitize(resp->correlation_id) : NULL;
	if (!content_type_is_json(resp->content_type)) {
		type = kvl_sanitize_line(resp->content_type);
		kvl_error_set(err, KVL_ERR_PARSE, _("the response (HTTP %ld, "
						    "%s) is not JSON, so it "
						    "likely came from a proxy "
						    "or gateway rather than "
						    "Azure; try again, and "
						    "check the proxy settings "
						    "if it persists"),
			      resp->status, type != NULL ? type : "?");
		free(type);
		return;
	}
	if (err->message != NULL &&
	    strstr(err->message, "unexpected end of text") != NULL)
		kvl_error_set(err, KVL_ERR_PARSE, _("the response (HTTP %ld) "
						    "ends in the middle of "
						    "its JSON, so it was cut "
						    "off on the way; try "
						    "again"), resp->status);
}

kvl_result kvl_http_json_response(const struct kvl_http_response *resp,
				  const char *operation, json_object **out,
				  struct kvl_error *err)
{
	kvl_result res;

	*out = NULL;
	res = kvl_http_check(resp, operation, err);
	if (res != KVL_OK)
		return res;
	if (resp->body_len == 0) {
		*out = json_object_new_object();
		return *out ? KVL_OK : KVL_ERR_NOMEM;
	}

	res = kvl_json_parse(resp->body, resp->body_len, "Azure's response",
			     out, err);
	if (res != KVL_OK) {
		kvl_http_explain_bad_body(resp, err);
		kvl_error_operation(err, operation);
	}
	return res;
}

kvl_result kvl_http_json(struct kvl_http *http, const char *method,
			 const char *url, const char *bearer,
			 json_object *body_json, const char *operation,
			 json_object **out, struct kvl_error *err)
{
	struct kvl_http_response resp;
	const char *body = NULL;
	kvl_result res;

	*out = NULL;
	if (body_json != NULL)
		body = json_object_to_json_string_ext(body_json,
						      JSON_C_TO_STRING_PLAIN);
	res = kvl_http_send(http, method, url, bearer,
			    body ? "application/json" : NULL, body, &resp, err);
	if (res != KVL_OK) {
		kvl_error_operation(err, operation);
		return res;
	}
	res = kvl_http_json_response(&resp, operation, out, err);
	kvl_http_response_clear(&resp);
	return res;
}

kvl_result kvl_http_list_page(json_object *page, kvl_item_fn fn, void *ctx,
			      size_t *n_items, const char *operation,
			      struct kvl_error *err)
{
	json_object *items = kvl_json_path(page, "value");
	size_t n;
	kvl_result res;

	if (items == NULL || json_object_is_type(items, json_type_null))
		return KVL_OK;
	if (!json_object_is_type(items, json_type_array)) {
		kvl_error_set(err, KVL_ERR_PARSE,
			      _("Azure's list response has no \"value\" "
				"array"));
		kvl_error_operation(err, operation);
		return KVL_ERR_PARSE;
	}
	n = json_object_array_length(items);
	if (n > KVL_HTTP_MAX_LIST_ITEMS - *n_items) {
		kvl_error_set(err, KVL_ERR_PARSE,
			      _("Azure's list has more than %d items, "
				"kvlink's limit; list a smaller scope (one "
				"subscription or resource group)"),
			      KVL_HTTP_MAX_LIST_ITEMS);
		kvl_error_operation(err, operation);
		return KVL_ERR_PARSE;
	}
	*n_items += n;
	for (size_t i = 0; i < n; i++) {
		res = fn(json_object_array_get_idx(items, i), ctx);
		if (res != KVL_OK)
			return res;
	}
	return KVL_OK;
}

/* Checks a nextLink; returns false when paging must stop, with *res set
 * when that is an error. */
bool kvl_http_next_link_usable(const char *next, char **seen, size_t n_seen,
			       const char *first, kvl_result *res,
			       struct kvl_error *err)
{
	if (next == NULL || next[0] == '\0')
		return false;
	for (size_t i = 0; i < n_seen; i++) {
		if (strcmp(seen[i], next) == 0) {
			*res = kvl_error_set(err, KVL_ERR_PARSE,
					     _("Azure's nextLink repeats page "
					       "%zu of the list, so the list "
					       "never ends; try again later"),
					     i + 1);
			return false;
		}
	}

	if (!kvl_url_same_origin(first, next)) {
		*res = kvl_error_set(err, KVL_ERR_PARSE,
				     _("Azure's nextLink points to another "
				       "host, port or scheme, so it was not "
				       "followed"));
		return false;
	}
	if (n_seen >= KVL_HTTP_MAX_PAGES) {
		*res = kvl_error_set(err, KVL_ERR_PARSE,
				     _("Azure's list has more than %d pages, "
				       "kvlink's limit; list a smaller scope "
				       "(one subscription or resource group)"),
				     KVL_HTTP_MAX_PAGES);
		return false;
	}
	return true;
}

kvl_result kvl_http_list(struct kvl_http *http, const char *url,
			 const char *bearer, const char *next_key,
			 const char *operation, kvl_item_fn fn, void *ctx,
			 struct kvl_error *err)
{
	char **seen = NULL, **grown;
	size_t n_seen = 0;
	json_object *page = NULL, *link;
	const char *next;
	size_t n_items = 0;
	kvl_result res = KVL_OK;

	seen = malloc(sizeof(*seen));
	if (seen == NULL || (seen[0] = strdup(url)) == NULL) {
		free(seen);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	n_seen = 1;

	for (;;) {
		res = kvl_http_json(http, "GET", seen[n_seen - 1], bearer, NULL,
				    operation, &page, err);
		if (res != KVL_OK)
			break;
		res = kvl_http_list_page(page, fn, ctx, &n_items, operation, err);
		if (res != KVL_OK)
			break;

		next = NULL;
		if (json_object_object_get_ex(page, next_key, &link) &&
		    json_object_is_type(link, json_type_string))
			next = json_object_get_string(link);
		if (!kvl_http_next_link_usable(next, seen, n_seen, url, &res, err))
			break;

		grown = realloc(seen, (n_seen + 1) * sizeof(*seen));
		if (grown == NULL || (grown[n_seen] = strdup(next)) == NULL) {
			seen = grown ? grown : seen;
			res = kvl_error_set(err, KVL_ERR_NOMEM,
					    _("out of memory"));
			break;
		}
		seen = grown;
		n_seen++;
		json_object_put(page);
		page = NULL;
	}

	if (res != KVL_OK)
		kvl_error_operation(err, operation);
	json_object_put(page);
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
	free(seen);
	return res;
}

bool kvl_http_backoff_wait(struct kvl_http *http, int attempt)
{
	long delay = kvl_http_retry_delay_ms(http->options.backoff_ms,
					     http->options.max_backoff_ms,
					     attempt, -1);

	return sleep_or_cancel(http, NULL, delay);
}
