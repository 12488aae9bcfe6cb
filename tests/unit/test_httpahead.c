/*
 * Requests sent ahead (core/httpahead.c) against a small HTTP/1.1
 * server on 127.0.0.1 written for this test. The server can stop in the
 * middle of a response body until another request has arrived. So it
 * shows whether the next request left before the current body ended.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/http.h"

#define MAX_SEEN 16
#define MAX_CONNECTIONS 8

struct server {
	int listen_fd;
	unsigned port;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	/* Under lock: the request targets in the order they arrived. */
	char seen[MAX_SEEN][128];
	size_t n_seen;
	/* Whether a held body saw the next request arrive while held. */
	bool next_while_held;
	bool held_gave_up;
	int status;		/* of every answer */
	/* How long a held body waits for the next request before it goes
	 * on anyway; only a client that does not chain waits this long. */
	int hold_limit_s;
	pthread_t connections[MAX_CONNECTIONS];
	int connection_fds[MAX_CONNECTIONS];
	size_t n_connections;
};

static void server_record(struct server *s, const char *target)
{
	pthread_mutex_lock(&s->lock);
	if (s->n_seen < MAX_SEEN)
		snprintf(s->seen[s->n_seen++], sizeof(s->seen[0]), "%s",
			 target);
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
}

/* Waits until more than n requests have arrived or the limit passed;
 * returns whether they arrived. */
static bool server_wait_beyond(struct server *s, size_t n)
{
	struct timespec until;
	bool arrived;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += s->hold_limit_s;
	pthread_mutex_lock(&s->lock);
	while (s->n_seen <= n &&
	       pthread_cond_timedwait(&s->changed, &s->lock, &until) !=
	       ETIMEDOUT)
		;
	arrived = s->n_seen > n;
	pthread_mutex_unlock(&s->lock);
	return arrived;
}

/* Writes all of data; false once the client has gone, without the
 * SIGPIPE that a write to a closed connection raises. */
static bool write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n <= 0)
			return false;
		data += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * Reads one request: its head into head (NUL-terminated) and its body,
 * which is dropped. Returns false at the end of the connection.
 */
static bool read_request(int fd, char *head, size_t size)
{
	size_t len = 0;
	char *end = NULL, *cl;
	long body = 0;
	char c;

	while (end == NULL) {
		if (len + 1 >= size || read(fd, head + len, 1) != 1)
			return false;
		head[++len] = '\0';
		end = strstr(head, "\r\n\r\n");
	}
	cl = strcasestr(head, "\r\nContent-Length:");
	if (cl != NULL)
		body = strtol(cl + 17, NULL, 10);
	for (; body > 0; body--)
		if (read(fd, &c, 1) != 1)
			return false;
	return true;
}

/*
 * The responses: /first sends {"next":"page-2","rows":"xxx..."}, and with
 * status 200 stops after "next" until the following request arrives;
 * any other target gets {"rows":"last"}.
 */
static void answer(struct server *s, int fd, const char *target,
		   size_t index)
{
	static char rows[8192];
	char head[256], *body;
	const char *hold_at;
	size_t split;

	memset(rows, 'x', sizeof(rows) - 1);
	if (strncmp(target, "/first", 6) == 0)
		assert_true(asprintf(&body, "{\"next\":\"page-2\",\"rows\":"
				     "\"%s\"}", rows) > 0);
	else
		body = strdup("{\"rows\":\"last\"}");
	snprintf(head, sizeof(head), "HTTP/1.1 %d Answer\r\n"
		 "Content-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n", s->status, strlen(body));
	hold_at = strncmp(target, "/first", 6) == 0 && s->status == 200 ?
		  strstr(body, ",\"rows\"") : NULL;
	split = hold_at ? (size_t)(hold_at - body) : strlen(body);
	if (write_all(fd, head, strlen(head)) &&
	    write_all(fd, body, split) && hold_at != NULL) {
		bool arrived = server_wait_beyond(s, index + 1);

		pthread_mutex_lock(&s->lock);
		s->next_while_held = arrived;
		s->held_gave_up = !arrived;
		pthread_mutex_unlock(&s->lock);
		write_all(fd, body + split, strlen(body) - split);
	}
	free(body);
}

static void *serve_connection(void *arg)
{
	int fd = (int)(intptr_t)((void **)arg)[1];
	struct server *s = ((void **)arg)[0];
	char head[4096], target[128];
	size_t index;

	free(arg);
	/* teardown() shuts the socket down and closes it after the join. */
	while (read_request(fd, head, sizeof(head))) {
		if (sscanf(head, "%*s %127s", target) != 1)
			break;
		pthread_mutex_lock(&s->lock);
		index = s->n_seen;
		pthread_mutex_unlock(&s->lock);
		server_record(s, target);
		answer(s, fd, target, index);
	}
	return NULL;
}

static void *accept_loop(void *arg)
{
	struct server *s = arg;
	pthread_t t;
	void **pair;
	int fd;

	while ((fd = accept(s->listen_fd, NULL, NULL)) >= 0) {
		pair = malloc(2 * sizeof(*pair));
		if (pair == NULL || s->n_connections == MAX_CONNECTIONS) {
			free(pair);
			close(fd);
			continue;
		}
		pair[0] = s;
		pair[1] = (void *)(intptr_t)fd;
		if (pthread_create(&t, NULL, serve_connection, pair) != 0) {
			free(pair);
			close(fd);
			continue;
		}
		s->connection_fds[s->n_connections] = fd;
		s->connections[s->n_connections++] = t;
	}
	return NULL;
}

static int setup(void **state)
{
	struct server *s = calloc(1, sizeof(*s));
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof(addr);

	assert_non_null(s);
	s->status = 200;
	s->hold_limit_s = 10;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->changed, NULL);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->listen_fd >= 0);
	assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&addr,
			      sizeof(addr)), 0);
	assert_int_equal(listen(s->listen_fd, 8), 0);
	assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&addr,
				     &len), 0);
	s->port = ntohs(addr.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, accept_loop, s),
			 0);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct server *s = *state;

	/* Ends accept(), then the connections, which a failed test may
	 * have left open. */
	shutdown(s->listen_fd, SHUT_RDWR);
	close(s->listen_fd);
	pthread_join(s->thread, NULL);
	for (size_t i = 0; i < s->n_connections; i++) {
		shutdown(s->connection_fds[i], SHUT_RDWR);
		pthread_join(s->connections[i], NULL);
		close(s->connection_fds[i]);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->changed);
	free(s);
	return 0;
}

/* --- The chain under test ---------------------------------------------- */

struct pager {
	struct server *server;
	struct kvl_http *http;
	struct kvl_http_chain chain;
	int follows;		/* calls of follow */
};

/* Finds "next":"VALUE" at the start of a body that may be cut off. */
static char *find_next(const char *body, size_t len)
{
	static const char key[] = "{\"next\":\"";
	const char *value, *end;

	if (len < sizeof(key) - 1 || memcmp(body, key, sizeof(key) - 1) != 0)
		return NULL;
	value = body + sizeof(key) - 1;
	end = memchr(value, '"', len - (size_t)(value - body));
	return end ? strndup(value, (size_t)(end - value)) : NULL;
}

static char *url_for(const struct server *s, const char *path)
{
	char *url = NULL;

	assert_true(asprintf(&url, "http://127.0.0.1:%u%s", s->port,
			     path) > 0);
	return url;
}

static struct kvl_http_ahead *follow(void *ctx, const char *value)
{
	struct pager *p = ctx;
	struct kvl_http_ahead *next = NULL;
	struct kvl_error err;
	char *path = NULL, *url;

	p->follows++;
	assert_true(asprintf(&path, "/then?value=%s", value) > 0);
	url = url_for(p->server, path);
	kvl_error_init(&err);
	if (kvl_http_ahead_start(p->http, "GET", url, "token-1", NULL, NULL,
				 &p->chain, &next, &err) != KVL_OK)
		next = NULL;
	kvl_error_clear(&err);
	free(url);
	free(path);
	return next;
}

static void pager_init(struct pager *p, struct server *s, bool chained)
{
	struct kvl_http_options o = { .max_retries = -1 };

	memset(p, 0, sizeof(*p));
	p->server = s;
	assert_int_equal(kvl_http_new(&o, &p->http), KVL_OK);
	p->chain = (struct kvl_http_chain){ find_next,
					    chained ? follow : NULL, p };
}

static struct kvl_http_ahead *start(struct pager *p, const char *path)
{
	struct kvl_http_ahead *a = NULL;
	struct kvl_error err;
	char *url = url_for(p->server, path);

	kvl_error_init(&err);
	assert_int_equal(kvl_http_ahead_start(p->http, "GET", url, "token-1",
					      NULL, NULL, &p->chain, &a,
					      &err), KVL_OK);
	free(url);
	return a;
}

/* Finishes a and returns its body; fails on any error. */
static char *finish(struct kvl_http_ahead *a, long *status)
{
	struct kvl_http_response resp;
	struct kvl_error err;
	char *body;

	kvl_error_init(&err);
	assert_int_equal(kvl_http_ahead_finish(a, &resp, &err), KVL_OK);
	*status = resp.status;
	body = strdup(resp.body ? resp.body : "");
	kvl_http_response_clear(&resp);
	return body;
}

static void next_leaves_before_body_ends(void **state)
{
	struct server *s = *state;
	struct kvl_http_ahead *a, *next = NULL;
	struct pager p;
	char *value, *body;
	long status;

	pager_init(&p, s, true);
	a = start(&p, "/first");
	value = kvl_http_ahead_early(a, &next);
	assert_non_null(value);
	assert_string_equal(value, "page-2");
	assert_non_null(next);
	body = finish(a, &status);
	assert_int_equal(status, 200);
	assert_non_null(strstr(body, "\"rows\":\"xxx"));
	assert_int_equal(body[strlen(body) - 1], '}');
	free(body);
	body = finish(next, &status);
	assert_string_equal(body, "{\"rows\":\"last\"}");
	free(body);

	/* The server held /first's rows until the next request came. */
	assert_true(s->next_while_held);
	assert_false(s->held_gave_up);
	assert_int_equal(s->n_seen, 2);
	assert_string_equal(s->seen[1], "/then?value=page-2");
	assert_int_equal(p.follows, 1);
	free(value);
	kvl_http_free(p.http);
}

static void value_without_follow(void **state)
{
	struct server *s = *state;
	struct kvl_http_ahead *a, *next = NULL;
	struct pager p;
	char *value, *body;
	long status;

	s->hold_limit_s = 1;
	pager_init(&p, s, false);
	a = start(&p, "/first");
	value = kvl_http_ahead_early(a, &next);
	assert_string_equal(value, "page-2");
	assert_null(next);
	body = finish(a, &status);
	assert_non_null(strstr(body, "page-2"));
	/* Nothing asked for the next page, so the body waited in vain. */
	assert_true(s->held_gave_up);
	assert_int_equal(s->n_seen, 1);
	free(body);
	free(value);
	kvl_http_free(p.http);
}

static void no_value_in_body(void **state)
{
	struct server *s = *state;
	struct kvl_http_ahead *a, *next = NULL;
	struct pager p;
	char *body;
	long status;

	pager_init(&p, s, true);
	a = start(&p, "/other");
	assert_null(kvl_http_ahead_early(a, &next));
	assert_null(next);
	body = finish(a, &status);
	assert_string_equal(body, "{\"rows\":\"last\"}");
	assert_int_equal(p.follows, 0);
	free(body);
	kvl_http_free(p.http);
}

static void error_body_not_watched(void **state)
{
	struct server *s = *state;
	struct kvl_http_ahead *a, *next = NULL;
	struct kvl_http_response resp;
	struct kvl_error err;
	struct pager p;

	/* A 400 response with the same body: not a page, so no value. */
	s->status = 400;
	pager_init(&p, s, true);
	a = start(&p, "/first");
	assert_null(kvl_http_ahead_early(a, &next));
	assert_null(next);
	kvl_error_init(&err);
	assert_int_equal(kvl_http_ahead_finish(a, &resp, &err), KVL_OK);
	assert_int_equal(resp.status, 400);
	assert_int_equal(p.follows, 0);
	kvl_http_response_clear(&resp);
	kvl_error_clear(&err);
	kvl_http_free(p.http);
}

static void plain_send_beside_ahead(void **state)
{
	struct server *s = *state;
	struct kvl_http_ahead *a, *next = NULL;
	struct kvl_http_response resp;
	struct kvl_error err;
	struct pager p;
	char *url, *body;
	long status;

	/* While /first's body is held, a plain request on the same client
	 * goes out on the other handle, and its arrival ends the hold. */
	pager_init(&p, s, false);
	a = start(&p, "/first");
	free(kvl_http_ahead_early(a, &next));
	assert_null(next);
	url = url_for(s, "/other");
	kvl_error_init(&err);
	assert_int_equal(kvl_http_send(p.http, "GET", url, "token-1", NULL,
				       NULL, &resp, &err), KVL_OK);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body, "{\"rows\":\"last\"}");
	kvl_http_response_clear(&resp);
	body = finish(a, &status);
	assert_int_equal(status, 200);
	assert_true(s->next_while_held);
	free(body);
	free(url);
	kvl_error_clear(&err);
	kvl_http_free(p.http);
}

static void fifth_request_fails(void **state)
{
	struct server *s = *state;
	struct kvl_http_ahead *running[4], *fifth = NULL;
	struct pager p;
	struct kvl_error err;
	char *url;

	pager_init(&p, s, false);
	for (size_t i = 0; i < 4; i++)
		running[i] = start(&p, "/other");
	url = url_for(s, "/other");
	kvl_error_init(&err);
	assert_int_equal(kvl_http_ahead_start(p.http, "GET", url, "token-1",
					      NULL, NULL, NULL, &fifth, &err),
			 KVL_ERR_NOMEM);
	assert_null(fifth);
	assert_string_equal(err.message,
			    "cannot send another request at the same time");
	for (size_t i = 0; i < 4; i++)
		kvl_http_ahead_discard(running[i]);
	kvl_error_clear(&err);
	free(url);
	kvl_http_free(p.http);
}

static void discard_drops_chained(void **state)
{
	struct server *s = *state;
	struct kvl_http_ahead *a, *b, *c, *d, *e;
	struct pager p;

	pager_init(&p, s, true);
	/* The first request's thread sends the second; discarding the
	 * first, which was not asked for its early value, stops both. */
	a = start(&p, "/first");
	assert_true(server_wait_beyond(s, 1));
	kvl_http_ahead_discard(a);
	assert_int_equal(p.follows, 1);
	/* The handles are free again: four requests can run at once. */
	b = start(&p, "/other");
	c = start(&p, "/other");
	d = start(&p, "/other");
	e = start(&p, "/other");
	kvl_http_ahead_discard(b);
	kvl_http_ahead_discard(c);
	kvl_http_ahead_discard(d);
	kvl_http_ahead_discard(e);
	kvl_http_free(p.http);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(next_leaves_before_body_ends,
						setup, teardown),
		cmocka_unit_test_setup_teardown(value_without_follow, setup,
						teardown),
		cmocka_unit_test_setup_teardown(no_value_in_body, setup,
						teardown),
		cmocka_unit_test_setup_teardown(error_body_not_watched, setup,
						teardown),
		cmocka_unit_test_setup_teardown(plain_send_beside_ahead,
						setup, teardown),
		cmocka_unit_test_setup_teardown(fifth_request_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(discard_drops_chained, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
