#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "core/buf.h"
#include "mock_server.h"

#define MAX_REQUESTS 256

struct mock_server {
	struct MHD_Daemon *daemon;
	mock_fn fn;
	void *ctx;
	char base[64];
	pthread_mutex_t lock;
	struct mock_request requests[MAX_REQUESTS];
	size_t count;
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind,
			       const char *key, const char *value)
{
	struct kvl_buf *target = cls;

	(void)kind;
	kvl_buf_adds(target, strchr(target->data, '?') ? "&" : "?");
	kvl_buf_adds(target, key);
	if (value != NULL) {
		kvl_buf_adds(target, "=");
		kvl_buf_adds(target, value);
	}
	return MHD_YES;
}

static size_t record(struct mock_server *s, struct MHD_Connection *conn,
		   const char *method, const char *url, struct kvl_buf *body,
		   struct mock_request *out)
{
	struct kvl_buf target;
	const char *auth;
	size_t index;

	kvl_buf_init(&target);
	kvl_buf_adds(&target, url);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg,
				  &target);
	auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					   "Authorization");
	out->method = strdup(method);
	out->target = kvl_buf_detach(&target);
	out->body = kvl_buf_detach(body);
	out->authorization = auth ? strdup(auth) : NULL;
	pthread_mutex_lock(&s->lock);
	index = s->count;
	if (s->count < MAX_REQUESTS)
		s->requests[s->count++] = *out;
	pthread_mutex_unlock(&s->lock);
	return index;
}

/* Frees the fields of a request that found no room in the log. */
static void free_fields(struct mock_request *r)
{
	free(r->method);
	free(r->target);
	free(r->body);
	free(r->authorization);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct mock_server *s = cls;
	struct kvl_buf *body = *con_cls;
	struct mock_request request;
	struct mock_reply reply = { 200, "{}", NULL, NULL };
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t index;

	(void)version;
	if (body == NULL) {
		body = calloc(1, sizeof(*body));
		*con_cls = body;
		return body ? MHD_YES : MHD_NO;
	}
	if (*upload_size > 0) {
		kvl_buf_add(body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}

	index = record(s, conn, method, url, body, &request);
	s->fn(s->ctx, index, &request, &reply);
	resp = MHD_create_response_from_buffer(strlen(reply.body),
					       (void *)reply.body,
					       MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	if (reply.header_name != NULL)
		MHD_add_response_header(resp, reply.header_name,
					reply.header_value);
	ret = MHD_queue_response(conn, (unsigned)reply.status, resp);
	MHD_destroy_response(resp);
	if (index >= MAX_REQUESTS)
		free_fields(&request);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode code)
{
	struct kvl_buf *body = *con_cls;

	(void)cls, (void)conn, (void)code;
	if (body != NULL) {
		kvl_buf_clear(body);
		free(body);
	}
	*con_cls = NULL;
}

struct mock_server *mock_start(mock_fn fn, void *ctx)
{
	struct mock_server *s = calloc(1, sizeof(*s));
	struct sockaddr_in addr = { 0 };
	const union MHD_DaemonInfo *info;

	if (s == NULL)
		return NULL;
	s->fn = fn;
	s->ctx = ctx;
	pthread_mutex_init(&s->lock, NULL);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
				     NULL, handle, s,
				     MHD_OPTION_SOCK_ADDR, &addr,
				     MHD_OPTION_NOTIFY_COMPLETED, completed,
				     NULL, MHD_OPTION_END);
	if (s->daemon == NULL) {
		free(s);
		return NULL;
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%u",
		 (unsigned)info->port);
	return s;
}

void mock_stop(struct mock_server *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->daemon);
	for (size_t i = 0; i < s->count; i++) {
		free(s->requests[i].method);
		free(s->requests[i].target);
		free(s->requests[i].body);
		free(s->requests[i].authorization);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

const char *mock_base(const struct mock_server *s)
{
	return s->base;
}

size_t mock_count(struct mock_server *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->count;
	pthread_mutex_unlock(&s->lock);
	return n;
}

struct mock_request *mock_request_at(struct mock_server *s, size_t index)
{
	struct mock_request *copy = calloc(1, sizeof(*copy));
	const struct mock_request *r;

	pthread_mutex_lock(&s->lock);
	if (copy != NULL && index < s->count) {
		r = &s->requests[index];
		copy->method = strdup(r->method);
		copy->target = strdup(r->target);
		copy->body = strdup(r->body);
		copy->authorization = r->authorization
				      ? strdup(r->authorization) : NULL;
	}
	pthread_mutex_unlock(&s->lock);
	return copy;
}

void mock_request_free(struct mock_request *r)
{
	if (r == NULL)
		return;
	free_fields(r);
	free(r);
}
