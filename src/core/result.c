#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/result.h"
#include "core/sink.h"
#include "i18n.h"

void kvl_error_init(struct kvl_error *err)
{
	memset(err, 0, sizeof(*err));
}

void kvl_error_clear(struct kvl_error *err)
{
	if (err == NULL)
		return;
	free(err->operation);
	free(err->message);
	free(err->azure_code);
	free(err->azure_message);
	free(err->correlation_id);
	kvl_error_init(err);
}

kvl_result kvl_error_set(struct kvl_error *err, kvl_result result,
			 const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;

	if (err == NULL)
		return result;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	free(err->message);
	err->message = text;
	err->result = result;
	return result;
}

void kvl_error_operation(struct kvl_error *err, const char *operation)
{
	if (err == NULL)
		return;
	free(err->operation);
	err->operation = operation ? strdup(operation) : NULL;
}

void kvl_error_context(struct kvl_error *err, const char *context)
{
	size_t len = context != NULL ? strlen(context) : 0;
	char *joined = NULL;

	if (err == NULL || context == NULL)
		return;
	if (err->operation == NULL) {
		kvl_error_operation(err, context);
		return;
	}
	/* Once is enough when a caller adds the same context again. */
	if (strncmp(err->operation, context, len) == 0 &&
	    (err->operation[len] == '\0' || err->operation[len] == ':'))
		return;
	if (asprintf(&joined, "%s: %s", context, err->operation) < 0)
		return;
	free(err->operation);
	err->operation = joined;
}

void kvl_error_move(struct kvl_error *dst, struct kvl_error *src)
{
	kvl_error_clear(dst);
	*dst = *src;
	kvl_error_init(src);
}

char *kvl_error_format(const struct kvl_error *err)
{
	struct kvl_buf buf;

	kvl_buf_init(&buf);
	if (err->operation != NULL)
		kvl_buf_addf(&buf, "%s: ", err->operation);
	if (err->message != NULL)
		kvl_buf_adds(&buf, err->message);
	else
		kvl_buf_adds(&buf, kvl_result_name(err->result));
	if (err->azure_code != NULL || err->azure_message != NULL) {
		kvl_buf_adds(&buf, _(" (Azure: "));
		if (err->azure_code != NULL)
			kvl_buf_adds(&buf, err->azure_code);
		if (err->azure_code != NULL && err->azure_message != NULL)
			kvl_buf_adds(&buf, ": ");
		if (err->azure_message != NULL)
			kvl_buf_adds(&buf, err->azure_message);
		kvl_buf_adds(&buf, ")");
	}
	if (err->correlation_id != NULL)
		kvl_buf_addf(&buf, _(" [correlation id %s]"),
			     err->correlation_id);
	return kvl_buf_detach(&buf);
}

const char *kvl_result_name(kvl_result result)
{
	static const char *const names[] = {
		[KVL_OK] = "ok",
		[KVL_ERR_INVALID] = "invalid",
		[KVL_ERR_NOMEM] = "out_of_memory",
		[KVL_ERR_IO] = "io",
		[KVL_ERR_NETWORK] = "network",
		[KVL_ERR_TLS] = "tls",
		[KVL_ERR_HTTP] = "http",
		[KVL_ERR_PARSE] = "parse",
		[KVL_ERR_AUTH] = "auth",
		[KVL_ERR_FORBIDDEN] = "forbidden",
		[KVL_ERR_NOT_FOUND] = "not_found",
		[KVL_ERR_CONFLICT] = "conflict",
		[KVL_ERR_THROTTLED] = "throttled",
		[KVL_ERR_CANCELLED] = "cancelled",
		[KVL_ERR_PREREQ] = "prerequisite",
		[KVL_ERR_STORE] = "store",
		[KVL_ERR_BUSY] = "busy",
	};

	if ((size_t)result >= sizeof(names) / sizeof(names[0]) ||
	    names[result] == NULL)
		return "unknown";
	return names[result];
}

int kvl_result_exit_code(kvl_result result)
{
	switch (result) {
	case KVL_OK:
		return KVL_EXIT_OK;
	case KVL_ERR_INVALID:
		return KVL_EXIT_USAGE;
	case KVL_ERR_NOT_FOUND:
		return KVL_EXIT_NOT_FOUND;
	case KVL_ERR_AUTH:
		return KVL_EXIT_AUTH;
	case KVL_ERR_PREREQ:
		return KVL_EXIT_PREREQ;
	case KVL_ERR_STORE:
		return KVL_EXIT_STORE;
	case KVL_ERR_BUSY:
		return KVL_EXIT_BUSY;
	case KVL_ERR_CANCELLED:
		return KVL_EXIT_INTERRUPTED;
	default:
		return KVL_EXIT_FAILURE;
	}
}

void kvl_sink_progress(const struct kvl_sink *sink, const char *what)
{
	if (sink != NULL && sink->progress != NULL)
		sink->progress(sink->ctx, what);
}

void kvl_sink_message(const struct kvl_sink *sink, enum kvl_level level,
		      const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;

	if (sink == NULL || sink->message == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (text != NULL)
		sink->message(sink->ctx, level, text);
	free(text);
}

bool kvl_sink_cancelled(const struct kvl_sink *sink)
{
	return sink != NULL && sink->cancelled != NULL &&
	       sink->cancelled(sink->ctx);
}
