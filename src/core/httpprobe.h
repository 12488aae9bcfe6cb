/*
 * One HTTP request to a system outside Azure, made by a connection test.
 * Unlike kvl_http it sends exactly one request: no retry on any status or
 * error (some services lock an account after repeated failed sign-ins),
 * no redirect followed. It reports which step failed when no response
 * arrived, and it never logs a header or a body.
 */
#ifndef KVL_HTTPPROBE_H
#define KVL_HTTPPROBE_H

#include <stddef.h>

#include "core/probe.h"
#include "core/result.h"
#include "core/sink.h"

#define KVL_PROBE_CONNECT_TIMEOUT_MS 5000L
#define KVL_PROBE_TOTAL_TIMEOUT_MS 15000L

struct kvl_probe_request {
	const char *method;		/* "GET" or "POST" */
	const char *url;		/* must pass kvl_url_allowed() */
	/* "Name: value" lines; they and body may contain credentials and
	 * are wiped from libcurl's copies after the request. */
	const char *const *headers;
	size_t n_headers;
	const char *body;		/* NULL: none */
	const char *ca_bundle;		/* NULL: the system's trust store */
	const struct kvl_sink *sink;	/* for cancel; may be NULL */
};

struct kvl_probe_response {
	/*
	 * KVL_PROBE_OK once any HTTP response arrived (whatever its
	 * status), else the step that failed: dns, connect, tls or
	 * response (timed out or broken mid-way).
	 */
	enum kvl_probe_step step;
	long status;			/* 0 when no response arrived */
	char *body;			/* NUL-terminated, at most 64 KiB */
	size_t body_len;
	char *transport_error;		/* libcurl's text when no response */
};

/*
 * Sends req once. KVL_OK whenever the request could be attempted, so a
 * failed connection is reported in resp->step, not as an error; errors
 * are an invalid URL (KVL_ERR_INVALID), KVL_ERR_NOMEM and
 * KVL_ERR_CANCELLED.
 */
kvl_result kvl_probe_http(const struct kvl_probe_request *req,
			  struct kvl_probe_response *resp,
			  struct kvl_error *err) KVL_NODISCARD;

/* Wipes the body (it may echo a credential) and frees everything. */
void kvl_probe_response_clear(struct kvl_probe_response *resp);

#endif
