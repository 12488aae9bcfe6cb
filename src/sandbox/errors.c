/* Error bodies in the shape each Azure service uses. */
#include "config.h"

#include <stdlib.h>

#include "sandbox/sandbox.h"

static json_object *code_message(const char *code, char *message)
{
	json_object *error = json_object_new_object();

	json_object_object_add(error, "code", json_object_new_string(code));
	json_object_object_add(error, "message",
			       json_object_new_string(message));
	free(message);
	return error;
}

static json_object *wrap(json_object *error)
{
	json_object *body = json_object_new_object();

	json_object_object_add(body, "error", error);
	return body;
}

/* Resource Manager: {"error":{"code","message"}}. */
void sb_arm_error(struct sb_reply *reply, unsigned int status,
		  const char *code, const char *fmt, ...)
{
	va_list ap;
	char *message;

	va_start(ap, fmt);
	message = sb_vprintf(fmt, ap);
	va_end(ap);
	sb_reply_json(reply, status, wrap(code_message(code, message)));
}

/* Key Vault: {"error":{"code","message","innererror":{"code"}}} plus the
 * x-ms-error-code header that 7.5 sends. */
void sb_kv_error(struct sb_reply *reply, unsigned int status,
		 const char *code, const char *inner, const char *fmt, ...)
{
	va_list ap;
	json_object *error;

	va_start(ap, fmt);
	error = code_message(code, sb_vprintf(fmt, ap));
	va_end(ap);
	if (inner != NULL) {
		json_object *ie = json_object_new_object();

		json_object_object_add(ie, "code",
				       json_object_new_string(inner));
		json_object_object_add(error, "innererror", ie);
	}
	sb_reply_json(reply, status, wrap(error));
	sb_reply_add_header(reply, "x-ms-error-code", code);
}

/* Graph: {"error":{"code","message","innerError":{date, request-id,
 * client-request-id}}}. */
void sb_graph_error(struct sb_reply *reply, unsigned int status,
		    const char *code, const char *fmt, ...)
{
	va_list ap;
	json_object *error, *inner = json_object_new_object();
	char when[40];

	va_start(ap, fmt);
	error = code_message(code, sb_vprintf(fmt, ap));
	va_end(ap);
	sb_iso_time(sb_now(), when, sizeof(when));
	when[19] = '\0';	/* Graph sends whole seconds, no zone */
	json_object_object_add(inner, "date", json_object_new_string(when));
	json_object_object_add(inner, "request-id",
			       json_object_new_string(reply->request_id));
	json_object_object_add(inner, "client-request-id",
			       json_object_new_string(reply->correlation_id));
	json_object_object_add(error, "innerError", inner);
	sb_reply_json(reply, status, wrap(error));
}

/*
 * Entra ID token endpoint: error, error_description starting with the
 * AADSTS code and ending with trace, correlation id and time, error_codes,
 * timestamp, trace_id and correlation_id.
 */
void sb_login_error(struct sb_reply *reply, unsigned int status,
		    const char *error, unsigned int aadsts,
		    const char *fmt, ...)
{
	json_object *body = json_object_new_object();
	json_object *codes = json_object_new_array();
	char when[40], stamp[40], *detail, *description;
	va_list ap;

	va_start(ap, fmt);
	detail = sb_vprintf(fmt, ap);
	va_end(ap);
	sb_iso_time(sb_now(), when, sizeof(when));
	snprintf(stamp, sizeof(stamp), "%.19sZ", when);
	description = sb_printf("AADSTS%u: %s Trace ID: %s Correlation ID: "
				"%s Timestamp: %s", aadsts, detail,
				reply->request_id, reply->correlation_id,
				stamp);
	json_object_array_add(codes, json_object_new_int((int)aadsts));
	json_object_object_add(body, "error", json_object_new_string(error));
	json_object_object_add(body, "error_description",
			       json_object_new_string(description));
	json_object_object_add(body, "error_codes", codes);
	json_object_object_add(body, "timestamp",
			       json_object_new_string(stamp));
	json_object_object_add(body, "trace_id",
			       json_object_new_string(reply->request_id));
	json_object_object_add(body, "correlation_id",
			       json_object_new_string(reply->correlation_id));
	sb_reply_json(reply, status, body);
	free(detail);
	free(description);
}
