#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/httptrace.h"
#include "core/log.h"

static void trace_init(struct kvl_httptrace *trace)
{
	memset(trace, 0, sizeof(*trace));
	kvl_buf_init(&trace->request_headers);
	kvl_buf_init(&trace->request_body);
	kvl_buf_init(&trace->response_headers);
	kvl_buf_init(&trace->response_body);
	trace->request_headers.secret = true;
	trace->request_body.secret = true;
	trace->response_headers.secret = true;
	trace->response_body.secret = true;
}

static void trace_clear(struct kvl_httptrace *trace)
{
	kvl_buf_clear(&trace->request_headers);
	kvl_buf_clear(&trace->request_body);
	kvl_buf_clear(&trace->response_headers);
	kvl_buf_clear(&trace->response_body);
	trace->on = false;
}

/* Gathers headers and bodies as libcurl's CURLOPT_DEBUGFUNCTION. TLS
 * records and libcurl's own remarks are left out. */
static int debug_cb(CURL *curl, curl_infotype type, char *data, size_t size,
		    void *ctx)
{
	struct kvl_httptrace *trace = ctx;

	(void)curl;
	switch (type) {
	case CURLINFO_HEADER_OUT:
		kvl_buf_add(&trace->request_headers, data, size);
		break;
	case CURLINFO_DATA_OUT:
		kvl_buf_add(&trace->request_body, data, size);
		break;
	case CURLINFO_HEADER_IN:
		kvl_buf_add(&trace->response_headers, data, size);
		break;
	case CURLINFO_DATA_IN:
		kvl_buf_add(&trace->response_body, data, size);
		break;
	default:
		break;
	}
	return 0;
}

void kvl_httptrace_start(struct kvl_httptrace *trace, CURL *curl)
{
	trace_init(trace);
	if (!kvl_log_enabled())
		return;
	trace->on = true;
	curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(curl, CURLOPT_DEBUGDATA, trace);
	curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
}

/*
 * Logs each header line of a block, redacted. Request lines ("GET
 * /path?query HTTP/1.1", also a proxy's CONNECT) are skipped, because
 * the URL line before them shows the same with its query redacted.
 */
static void log_headers(const char *prefix, char *block,
			bool skip_request_lines)
{
	char *save = NULL;

	for (char *line = strtok_r(block, "\r\n", &save); line != NULL;
	     line = strtok_r(NULL, "\r\n", &save)) {
		char *redacted;

		if (skip_request_lines && strstr(line, " HTTP/") != NULL)
			continue;
		redacted = kvl_log_redact_header(line);
		if (redacted != NULL)
			kvl_log("http %s %s", prefix, redacted);
		free(redacted);
	}
}

/* Logs a body, redacted whole before it is cut to the size limit. */
static void log_body(const char *prefix, const struct kvl_buf *body)
{
	char *redacted;
	size_t len;

	if (body->len == 0)
		return;
	redacted = kvl_log_redact(body->data);
	if (redacted == NULL)
		return;
	len = strlen(redacted);
	if (len > KVL_HTTPTRACE_MAX_BODY)
		kvl_log("http %s body (%zu bytes, first %u shown): %.*s",
			prefix, body->len, KVL_HTTPTRACE_MAX_BODY,
			(int)KVL_HTTPTRACE_MAX_BODY, redacted);
	else
		kvl_log("http %s body (%zu bytes): %s", prefix, body->len,
			redacted);
	OPENSSL_cleanse(redacted, len);
	free(redacted);
}

static double info_ms(CURL *curl, CURLINFO info)
{
	curl_off_t us = 0;

	if (curl_easy_getinfo(curl, info, &us) != CURLE_OK)
		return 0.0;
	return (double)us / 1000.0;
}

/* The summary line: status (or libcurl's error) and where time went. */
static void log_outcome(CURL *curl, CURLcode code)
{
	long status = 0;
	double total = info_ms(curl, CURLINFO_TOTAL_TIME_T);

	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (code != CURLE_OK) {
		kvl_log("http = failed after %.1f ms: %s", total,
			curl_easy_strerror(code));
		return;
	}
	kvl_log("http = %ld in %.1f ms (connect %.1f ms, TLS done %.1f ms, "
		"first byte %.1f ms)", status, total,
		info_ms(curl, CURLINFO_CONNECT_TIME_T),
		info_ms(curl, CURLINFO_APPCONNECT_TIME_T),
		info_ms(curl, CURLINFO_STARTTRANSFER_TIME_T));
}

void kvl_httptrace_finish(struct kvl_httptrace *trace, CURL *curl,
			  const char *method, const char *url,
			  CURLcode code)
{
	char *shown_url;

	if (!trace->on)
		goto out;
	curl_easy_setopt(curl, CURLOPT_VERBOSE, 0L);

	shown_url = kvl_log_redact_url(url);
	kvl_log("http > %s %s", method, shown_url != NULL ? shown_url : "?");
	free(shown_url);
	if (trace->request_headers.data != NULL)
		log_headers(">", trace->request_headers.data, true);
	log_body(">", &trace->request_body);

	if (trace->response_headers.data != NULL)
		log_headers("<", trace->response_headers.data, false);
	log_body("<", &trace->response_body);
	log_outcome(curl, code);
out:
	trace_clear(trace);
}
