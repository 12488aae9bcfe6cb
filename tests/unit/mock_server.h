/*
 * A scripted HTTP server on 127.0.0.1 (libmicrohttpd) for the HTTP and
 * sign-in tests: every request is recorded and answered by a callback.
 */
#ifndef KVL_TEST_MOCK_SERVER_H
#define KVL_TEST_MOCK_SERVER_H

#include <stddef.h>

struct mock_request {
	char *method;
	char *target;		/* path, then "?" and the decoded query */
	char *body;		/* request body, "" when none */
	char *authorization;	/* Authorization header or NULL */
};

struct mock_reply {
	int status;
	const char *body;
	const char *header_name;	/* one extra header, may be NULL */
	const char *header_value;
};

/* Called on the server thread for each request, in order. */
typedef void (*mock_fn)(void *ctx, size_t index,
			const struct mock_request *request,
			struct mock_reply *reply);

struct mock_server;

struct mock_server *mock_start(mock_fn fn, void *ctx);
void mock_stop(struct mock_server *server);
/* "http://127.0.0.1:PORT" */
const char *mock_base(const struct mock_server *server);
size_t mock_count(struct mock_server *server);
/* Copy of request number index; the caller frees it with mock_free. */
struct mock_request *mock_request_at(struct mock_server *server,
				     size_t index);
void mock_request_free(struct mock_request *request);

#endif
