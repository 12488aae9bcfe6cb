/*
 * HTTP tracing into the debug log (core/log.h): each attempt's method,
 * URL, request and response headers and bodies, status and timing, all
 * redacted. Used by core/http.c only. While the log is closed the trace
 * costs one check per attempt and libcurl stays quiet.
 */
#ifndef KVL_HTTPTRACE_H
#define KVL_HTTPTRACE_H

#include <stdbool.h>

#include <curl/curl.h>

#include "core/buf.h"

/* Largest part of a body written to the log, in bytes, after redaction. */
#define KVL_HTTPTRACE_MAX_BODY (64u * 1024u)

/* Headers and bodies of one attempt, gathered by libcurl's debug
 * callback. Bodies arrive in pieces and are redacted only once whole,
 * because a secret split over two pieces would otherwise escape. */
struct kvl_httptrace {
	bool on;
	struct kvl_buf request_headers;		/* secret */
	struct kvl_buf request_body;		/* secret */
	struct kvl_buf response_headers;	/* secret */
	struct kvl_buf response_body;		/* secret */
};

/* Turns tracing on for the next transfer of curl when the log is open.
 * Call after the transfer's other options are set. */
void kvl_httptrace_start(struct kvl_httptrace *trace, CURL *curl);

/* Writes the attempt to the log and wipes what the trace gathered. */
void kvl_httptrace_finish(struct kvl_httptrace *trace, CURL *curl,
			  const char *method, const char *url,
			  CURLcode code);

#endif
