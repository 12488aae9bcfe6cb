/*
 * Fault injection for tests (not Azure's): rules that make chosen
 * requests fail the way a real service or network can, and a checkpoint
 * of the tenant that a test restores between runs.
 *
 * POST /_sandbox/faults {"rules": [RULE...]} adds rules; GET lists them
 * with their counters; DELETE removes them all, as POST /_sandbox/reset
 * and /_sandbox/restore do. A RULE is
 *   {"path": GLOB, "method"?: M, "nth"?: N, "count"?: C, "kind": K, ...}
 * and applies to the Nth request (1-based, default 1) matching method and
 * path and to the C - 1 matching requests after it (C defaults to 1; 0
 * means every matching request from the Nth on). Kinds and parameters:
 *   status     "status": 429, 500, 503 or another 4xx or 5xx, and
 *              "retryAfter": seconds (optional), an error in the shape of
 *              the service; the request is not carried out
 *   latency    "ms": the response comes that much later
 *   reset      the connection is closed with no response; with
 *              "afterApply": true the request is carried out first
 *   truncated  the request is carried out; the response declares its
 *              whole length, sends half of the body and closes
 *   cut-json   the request is carried out; the response is complete as
 *              HTTP but holds only the first half of the JSON
 *   html       "status" (default 200): a gateway's HTML page, not JSON;
 *              the request is not carried out
 *   oversized  "bytes" (default 32 MiB): a 200 JSON body that large,
 *              with "chunked": true sent without Content-Length; the
 *              request is not carried out
 * Control routes under /_sandbox are never faulted.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "sandbox/sandbox.h"

#define DEFAULT_OVERSIZED_BYTES (32L << 20)
#define MAX_OVERSIZED_BYTES (1024L << 20)
#define MAX_LATENCY_MS 120000L
#define MAX_RULES 256

static const struct {
	const char *name;
	enum sb_fault_kind kind;
} kinds[] = {
	{ "status", SB_FAULT_STATUS },
	{ "latency", SB_FAULT_LATENCY },
	{ "reset", SB_FAULT_RESET },
	{ "truncated", SB_FAULT_TRUNCATED },
	{ "cut-json", SB_FAULT_CUT_JSON },
	{ "html", SB_FAULT_HTML },
	{ "oversized", SB_FAULT_OVERSIZED },
};

static const char gateway_page[] =
	"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
	"\n<body><h1>Bad Gateway</h1><p>The gateway did not receive a "
	"timely response from the upstream server.</p></body></html>\n";

const char *sb_fault_kind_name(enum sb_fault_kind kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == kind)
			return kinds[i].name;
	return "none";
}

static bool kind_from_name(const char *name, enum sb_fault_kind *kind)
{
	for (size_t i = 0; name != NULL && i < sizeof(kinds) / sizeof(kinds[0]);
	     i++) {
		if (strcmp(kinds[i].name, name) == 0) {
			*kind = kinds[i].kind;
			return true;
		}
	}
	return false;
}

/* --- Rules ------------------------------------------------------------- */

static bool rule_error(struct sb_reply *reply, size_t index,
		       const char *problem)
{
	sb_arm_error(reply, 400, "BadRequest", "Fault rule %zu: %s.", index,
		     problem);
	return false;
}

/* Whether an optional integer member is absent or an int in [min, max]. */
static bool int_in_range(json_object *rule, const char *key, int64_t min,
			 int64_t max)
{
	json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(rule, key, &v))
		return true;
	if (!json_object_is_type(v, json_type_int))
		return false;
	n = json_object_get_int64(v);
	return n >= min && n <= max;
}

static bool check_parameters(json_object *rule, enum sb_fault_kind kind,
			     size_t index, struct sb_reply *reply)
{
	int64_t status = sb_jint(rule, "status", 0);

	if (kind == SB_FAULT_STATUS && (status < 400 || status > 599))
		return rule_error(reply, index, "kind status needs \"status\" "
				  "from 400 to 599");
	if (kind == SB_FAULT_HTML && !int_in_range(rule, "status", 200, 599))
		return rule_error(reply, index, "\"status\" must be from 200 "
				  "to 599");
	if (!int_in_range(rule, "retryAfter", 0, 86400))
		return rule_error(reply, index, "\"retryAfter\" must be from "
				  "0 to 86400 seconds");
	if (kind == SB_FAULT_LATENCY &&
	    (sb_jint(rule, "ms", -1) < 0 ||
	     !int_in_range(rule, "ms", 0, MAX_LATENCY_MS)))
		return rule_error(reply, index, "kind latency needs \"ms\" "
				  "from 0 to 120000");
	if (!int_in_range(rule, "bytes", 64, MAX_OVERSIZED_BYTES))
		return rule_error(reply, index, "\"bytes\" must be from 64 to "
				  "1073741824");
	return true;
}

/* Checks one rule and returns a copy with zeroed counters, or NULL after
 * filling reply with what is wrong. */
static json_object *rule_checked(json_object *rule, size_t index,
				 struct sb_reply *reply)
{
	enum sb_fault_kind kind;
	json_object *copy;

	if (!json_object_is_type(rule, json_type_object)) {
		rule_error(reply, index, "a rule must be a JSON object");
		return NULL;
	}
	if (sb_jstr(rule, "path") == NULL) {
		rule_error(reply, index, "\"path\" (a glob such as "
			   "/arm/subscriptions/*) is missing");
		return NULL;
	}
	if (!kind_from_name(sb_jstr(rule, "kind"), &kind)) {
		rule_error(reply, index, "\"kind\" must be status, latency, "
			   "reset, truncated, cut-json, html or oversized");
		return NULL;
	}
	if (!int_in_range(rule, "nth", 1, INT32_MAX) ||
	    !int_in_range(rule, "count", 0, INT32_MAX)) {
		rule_error(reply, index, "\"nth\" must be 1 or more and "
			   "\"count\" 0 or more");
		return NULL;
	}
	if (!check_parameters(rule, kind, index, reply))
		return NULL;
	copy = sb_tenant_copy(rule);
	json_object_object_add(copy, "matched", json_object_new_int64(0));
	json_object_object_add(copy, "fired", json_object_new_int64(0));
	return copy;
}

/* POST /_sandbox/faults: appends every rule of the body, or none. */
static void add_rules(struct sb_sandbox *sb, const char *text,
		      struct sb_reply *reply)
{
	json_object *in = json_tokener_parse(text);
	json_object *rules = sb_jarr(in, "rules");
	json_object *checked = json_object_new_array(), *rule;
	size_t i, n = rules ? json_object_array_length(rules) : 0;

	if (rules == NULL || n == 0) {
		sb_arm_error(reply, 400, "BadRequest", "Give {\"rules\": "
			     "[...]} with at least one fault rule.");
		goto out;
	}
	if (json_object_array_length(sb->faults) + n > MAX_RULES) {
		sb_arm_error(reply, 400, "BadRequest", "At most %d fault "
			     "rules can be active.", MAX_RULES);
		goto out;
	}
	for (i = 0; i < n; i++) {
		rule = rule_checked(json_object_array_get_idx(rules, i), i,
				    reply);
		if (rule == NULL)
			goto out;
		json_object_array_add(checked, rule);
	}
	for (i = 0; i < n; i++)
		json_object_array_add(sb->faults, json_object_get(
				json_object_array_get_idx(checked, i)));
	sb_reply_json(reply, 200, sb_faults_list(sb));
out:
	json_object_put(checked);
	json_object_put(in);
}

int sb_faults_load(struct sb_sandbox *sb, const char *path, char *errbuf,
		   size_t errlen)
{
	json_object *in = json_object_from_file(path);
	struct sb_reply reply = { 0 };
	const char *message;
	int rc = 0;

	if (in == NULL) {
		snprintf(errbuf, errlen, "cannot read '%s' as JSON: %s", path,
			 json_util_get_last_err());
		return -1;
	}
	add_rules(sb, json_object_to_json_string(in), &reply);
	if (reply.status != 200) {
		message = sb_jstr(sb_jobj(reply.json, "error"), "message");
		snprintf(errbuf, errlen, "'%s': %s", path,
			 message != NULL ? message : "invalid fault rules");
		rc = -1;
	}
	sb_reply_clear(&reply);
	json_object_put(in);
	return rc;
}

json_object *sb_faults_list(struct sb_sandbox *sb)
{
	json_object *body = json_object_new_object();

	json_object_object_add(body, "rules", json_object_get(sb->faults));
	return body;
}

void sb_faults_clear(struct sb_sandbox *sb)
{
	json_object_put(sb->faults);
	sb->faults = json_object_new_array();
}

static void restore(struct sb_sandbox *sb, struct sb_reply *reply)
{
	json_object *body;

	if (sb->checkpoint == NULL) {
		sb_arm_error(reply, 409, "NoCheckpoint", "POST "
			     "/_sandbox/checkpoint first.");
		return;
	}
	json_object_put(sb->tenant);
	sb->tenant = sb_tenant_copy(sb->checkpoint);
	json_object_put(sb->requests);
	sb->requests = json_object_new_array();
	sb_faults_clear(sb);
	sb_state_changed(sb);
	body = json_object_new_object();
	json_object_object_add(body, "restored", json_object_new_boolean(1));
	sb_reply_json(reply, 200, body);
}

void sb_control_faults(struct sb_request *req, struct sb_reply *reply)
{
	struct sb_sandbox *sb = req->sb;
	const char *route = req->segs[0];
	json_object *body;

	if (strcmp(route, "checkpoint") == 0) {
		json_object_put(sb->checkpoint);
		sb->checkpoint = sb_tenant_copy(sb->tenant);
		body = json_object_new_object();
		json_object_object_add(body, "checkpoint",
				       json_object_new_boolean(1));
		sb_reply_json(reply, 200, body);
	} else if (strcmp(route, "restore") == 0) {
		restore(sb, reply);
	} else if (strcmp(req->method, "POST") == 0) {
		add_rules(sb, req->body, reply);
	} else if (strcmp(req->method, "DELETE") == 0) {
		sb_faults_clear(sb);
		sb_reply_json(reply, 200, sb_faults_list(sb));
	} else {
		sb_reply_json(reply, 200, sb_faults_list(sb));
	}
}

/* --- Matching ------------------------------------------------------------ */

static void counter_add(json_object *rule, const char *key)
{
	json_object_object_add(rule, key, json_object_new_int64(
				       sb_jint(rule, key, 0) + 1));
}

/* Whether the rule applies to its matching request number seen. */
static bool rule_fires(json_object *rule, int64_t seen)
{
	int64_t nth = sb_jint(rule, "nth", 1);
	int64_t count = sb_jint(rule, "count", 1);

	if (seen < nth)
		return false;
	return count == 0 || seen < nth + count;
}

static void fault_from_rule(json_object *rule, struct sb_fault *fault)
{
	enum sb_fault_kind kind = SB_FAULT_NONE;

	(void)kind_from_name(sb_jstr(rule, "kind"), &kind);
	fault->kind = kind;
	fault->status = (unsigned int)sb_jint(rule, "status",
					      kind == SB_FAULT_HTML ? 200 : 0);
	fault->retry_after = sb_jint(rule, "retryAfter", -1);
	fault->ms = sb_jint(rule, "ms", 0);
	fault->bytes = sb_jint(rule, "bytes", DEFAULT_OVERSIZED_BYTES);
	fault->chunked = sb_jbool(rule, "chunked", false);
	fault->after_apply = sb_jbool(rule, "afterApply", false);
}

/*
 * Counts the request against every rule that matches it and fills fault
 * from the first rule that fires; fault->kind stays SB_FAULT_NONE when
 * none does. Called once per request, with the state lock held.
 */
void sb_faults_match(struct sb_sandbox *sb, const char *method,
		     const char *path, struct sb_fault *fault)
{
	size_t i, n = json_object_array_length(sb->faults);
	json_object *rule;
	const char *want;

	memset(fault, 0, sizeof(*fault));
	if (strncmp(path, "/_sandbox/", 10) == 0)
		return;
	for (i = 0; i < n; i++) {
		rule = json_object_array_get_idx(sb->faults, i);
		want = sb_jstr(rule, "method");
		if ((want != NULL && !sb_ieq(want, method)) ||
		    !sb_glob_match(sb_jstr(rule, "path"), path))
			continue;
		counter_add(rule, "matched");
		if (fault->kind != SB_FAULT_NONE ||
		    !rule_fires(rule, sb_jint(rule, "matched", 0)))
			continue;
		counter_add(rule, "fired");
		fault_from_rule(rule, fault);
	}
}

/* --- Responses ----------------------------------------------------------- */

static const char *status_code_name(unsigned int status)
{
	switch (status) {
	case 429:
		return "TooManyRequests";
	case 500:
		return "InternalServerError";
	case 502:
		return "BadGateway";
	case 503:
		return "ServiceUnavailable";
	case 504:
		return "GatewayTimeout";
	default:
		return status >= 500 ? "ServerError" : "BadRequest";
	}
}

/* An error status in the shape of the service that path belongs to. */
static void status_reply(const struct sb_fault *fault, const char *path,
			 struct sb_reply *reply)
{
	const char *code = status_code_name(fault->status);
	static const char message[] =
		"The sandbox injected this fault (HTTP %u).";
	char seconds[24];

	if (strncmp(path, "/login/", 7) == 0)
		sb_login_error(reply, fault->status, "temporarily_unavailable",
			       fault->status == 429 ? 50196 : 90033, message,
			       fault->status);
	else if (strncmp(path, "/graph/", 7) == 0)
		sb_graph_error(reply, fault->status, code, message,
			       fault->status);
	else if (strncmp(path, "/kv/", 4) == 0)
		sb_kv_error(reply, fault->status, code, NULL, message,
			    fault->status);
	else
		sb_arm_error(reply, fault->status, code, message,
			     fault->status);
	if (fault->retry_after >= 0) {
		snprintf(seconds, sizeof(seconds), "%lld",
			 (long long)fault->retry_after);
		sb_reply_add_header(reply, "Retry-After", seconds);
	}
}

/*
 * Fills reply for the faults that replace the route's response; returns
 * false when the route must run (latency, truncated, cut-json, and reset
 * with afterApply). The reply of a plain reset is never sent.
 */
bool sb_fault_reply(const struct sb_fault *fault, const char *path,
		    struct sb_reply *reply)
{
	switch (fault->kind) {
	case SB_FAULT_STATUS:
		status_reply(fault, path, reply);
		return true;
	case SB_FAULT_HTML:
		sb_reply_text(reply, fault->status, "text/html; charset=utf-8",
			      gateway_page);
		return true;
	case SB_FAULT_OVERSIZED:
		reply->status = 200;
		return true;
	case SB_FAULT_RESET:
		reply->status = 0;
		return !fault->after_apply;
	default:
		return false;
	}
}

void sb_sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		continue;
}

void sb_fault_delay(const struct sb_fault *fault)
{
	if (fault->kind == SB_FAULT_LATENCY)
		sb_sleep_ms(fault->ms);
}

/* Source of a callback response's bytes: head, 'x' padding, then tail,
 * total bytes in all, with an error at stop_at (the truncated kind). */
struct stream {
	char *head;
	size_t head_len;
	const char *tail;
	size_t tail_len;
	uint64_t total;
	uint64_t stop_at;
};

static char stream_byte(const struct stream *s, uint64_t pos)
{
	if (pos < s->head_len)
		return s->head[pos];
	if (pos >= s->total - s->tail_len)
		return s->tail[pos - (s->total - s->tail_len)];
	return 'x';
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	size_t i;

	if (pos >= s->stop_at)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (pos >= s->total)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (s->total - pos < max)
		max = (size_t)(s->total - pos);
	if (s->stop_at - pos < max)
		max = (size_t)(s->stop_at - pos);
	for (i = 0; i < max; i++)
		buf[i] = stream_byte(s, pos + i);
	return (ssize_t)max;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;

	free(s->head);
	free(s);
}

static struct stream *stream_new(const char *head, size_t head_len,
				 uint64_t total)
{
	struct stream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->head = malloc(head_len + 1);
	if (s->head == NULL) {
		free(s);
		return NULL;
	}
	memcpy(s->head, head, head_len);
	s->head[head_len] = '\0';
	s->head_len = head_len;
	s->tail = "";
	s->total = total;
	s->stop_at = UINT64_MAX;
	return s;
}

/* A JSON body of fault->bytes: an empty list and a padding string that
 * closes at the very end. */
static struct MHD_Response *oversized_response(const struct sb_fault *fault)
{
	static const char head[] = "{\"value\":[],\"padding\":\"";
	struct stream *s = stream_new(head, sizeof(head) - 1,
				      (uint64_t)fault->bytes);
	struct MHD_Response *resp;

	if (s == NULL)
		return NULL;
	s->tail = "\"}";
	s->tail_len = 2;
	resp = MHD_create_response_from_callback(
		fault->chunked ? MHD_SIZE_UNKNOWN : s->total, 64 * 1024,
		stream_read, s, stream_free);
	if (resp == NULL)
		stream_free(s);
	return resp;
}

/* The body declares len bytes and breaks off after half of them. */
static struct MHD_Response *truncated_response(const char *body, size_t len)
{
	struct stream *s = stream_new(body, len, len);
	struct MHD_Response *resp;

	if (s == NULL)
		return NULL;
	s->stop_at = len / 2;
	resp = MHD_create_response_from_callback(len, 4096, stream_read, s,
						 stream_free);
	if (resp == NULL)
		stream_free(s);
	return resp;
}

/*
 * The response that replaces the route's body (of len bytes) for the
 * faults that change the bytes on the wire, or NULL to send body as it
 * is. *failed is set when the response could not be created.
 */
struct MHD_Response *sb_fault_response(const struct sb_fault *fault,
				       const char *body, size_t len,
				       bool *failed)
{
	struct MHD_Response *resp = NULL;

	*failed = false;
	switch (fault->kind) {
	case SB_FAULT_OVERSIZED:
		resp = oversized_response(fault);
		break;
	case SB_FAULT_TRUNCATED:
		resp = truncated_response(body, len);
		break;
	case SB_FAULT_CUT_JSON:
		resp = MHD_create_response_from_buffer(len / 2, (void *)body,
						       MHD_RESPMEM_MUST_COPY);
		break;
	default:
		return NULL;
	}
	*failed = resp == NULL;
	return resp;
}
