/*
 * The HTTPS side of the sandbox: libmicrohttpd set-up, request bodies,
 * dispatch to the services by path prefix, response headers, the request
 * log and persistence of the state file.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "sandbox/sandbox.h"

/* Per-request state kept by libmicrohttpd between handler calls. */
struct upload {
	char *body;
	size_t len;
	bool too_large;
};

const char *sb_query(const struct sb_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
					   name);
}

const char *sb_req_header(const struct sb_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

void sb_reply_json(struct sb_reply *reply, unsigned int status,
		   json_object *body)
{
	json_object_put(reply->json);
	reply->status = status;
	reply->json = body;
}

void sb_reply_text(struct sb_reply *reply, unsigned int status,
		   const char *content_type, const char *text)
{
	free(reply->text);
	reply->status = status;
	reply->text = strdup(text);
	reply->content_type = content_type;
}

void sb_reply_json_text(struct sb_reply *reply, unsigned int status,
			char *text)
{
	json_object_put(reply->json);
	reply->json = NULL;
	free(reply->text);
	reply->status = status;
	reply->text = text;
	reply->content_type = "application/json; charset=utf-8";
}

void sb_reply_add_header(struct sb_reply *reply, const char *name,
			 const char *value)
{
	size_t max = sizeof(reply->headers) / sizeof(reply->headers[0]);

	if (reply->n_headers == max)
		return;
	reply->headers[reply->n_headers].name = strdup(name);
	reply->headers[reply->n_headers].value = strdup(value);
	reply->n_headers++;
}

void sb_reply_clear(struct sb_reply *reply)
{
	size_t i;

	json_object_put(reply->json);
	json_object_put(reply->detail);
	free(reply->text);
	for (i = 0; i < reply->n_headers; i++) {
		free(reply->headers[i].name);
		free(reply->headers[i].value);
	}
	memset(reply, 0, sizeof(*reply));
}

/*
 * Checks the request's bearer token for the audience of service ("arm",
 * "graph" or "kv"). On success req->claims contains the claims and
 * req->caller the object id for the request log.
 */
enum sb_token_status sb_authenticate(struct sb_request *req,
				     const char *service)
{
	char *aud = sb_printf("%s/%s", req->sb->base, service);
	enum sb_token_status st;

	st = sb_token_check(req->sb, sb_req_header(req, "Authorization"),
			    aud, &req->claims);
	free(aud);
	if (st == SB_TOKEN_OK)
		snprintf(req->caller, sizeof(req->caller), "%s",
			 sb_jstr(req->claims, "oid"));
	return st;
}

/* Writes the current tenant to --state, if given, after a change. */
void sb_state_changed(struct sb_sandbox *sb)
{
	char errbuf[512];
	const char *text;

	sb_known_tenant(sb);
	if (sb->opt.state_path == NULL)
		return;
	text = json_object_to_json_string_ext(sb->tenant,
					      JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (sb_write_file_atomic(sb->opt.state_path, text, 0600, errbuf,
				 sizeof(errbuf)) != 0)
		fprintf(stderr, "kvlink-sandbox: cannot save the state: %s\n",
			errbuf);
}

static enum MHD_Result add_query_arg(void *cls, enum MHD_ValueKind kind,
				     const char *key, const char *value)
{
	(void)kind;
	json_object_object_add(cls, key,
			       json_object_new_string(value ? value : ""));
	return MHD_YES;
}

/* Adds one record to /_sandbox/requests and --request-log. The record
 * contains no header and no body, so no token or secret reaches it.
 * Its "inFlight" member counts the other requests that had arrived and
 * were not answered yet when this one arrived.
 * Its "issued" member lists the kinds of secret the request handed out
 * (sb_known_issued), such as "token" and "refresh token". */
static void record_request(struct sb_request *req, struct sb_reply *reply,
			   const struct sb_fault *fault, long in_flight)
{
	struct sb_sandbox *sb = req->sb;
	json_object *rec = json_object_new_object();
	json_object *query = json_object_new_object();
	char when[40];

	sb_iso_time(sb_now(), when, sizeof(when));
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND,
				  add_query_arg, query);
	json_object_object_add(rec, "time", json_object_new_string(when));
	json_object_object_add(rec, "method",
			       json_object_new_string(req->method));
	json_object_object_add(rec, "path", json_object_new_string(req->path));
	json_object_object_add(rec, "query", query);
	json_object_object_add(rec, "status",
			       json_object_new_int((int)reply->status));
	json_object_object_add(rec, "inFlight",
			       json_object_new_int64(in_flight));
	json_object_object_add(rec, "caller", req->caller[0]
			       ? json_object_new_string(req->caller) : NULL);
	/* The tenant of the caller's token: tests check that each call
	 * used the token of the tenant that owns what it addressed. */
	json_object_object_add(rec, "tenant",
			       sb_jstr(req->claims, "tid") != NULL ?
			       json_object_new_string(sb_jstr(req->claims,
							      "tid")) : NULL);
	json_object_object_add(rec, "requestId",
			       json_object_new_string(reply->request_id));
	json_object_object_add(rec, "correlationId",
			       json_object_new_string(reply->correlation_id));
	if (fault->kind != SB_FAULT_NONE)
		json_object_object_add(rec, "fault", json_object_new_string(
					       sb_fault_kind_name(fault->kind)));
	if (reply->detail != NULL)
		json_object_object_add(rec, "detail",
				       json_object_get(reply->detail));
	/* The kinds of secret this request handed out, never their values. */
	if (sb->issued != NULL) {
		json_object_object_add(rec, "issued", sb->issued);
		sb->issued = NULL;
	}
	if (sb->request_log != NULL) {
		fprintf(sb->request_log, "%s\n",
			json_object_to_json_string_ext(rec,
				JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE));
		fflush(sb->request_log);
	}
	json_object_array_add(sb->requests, rec);
}

/* Splits path into segments, skipping empty ones. */
static void split_path(const char *path, char ***segs, size_t *n)
{
	char *copy = strdup(path), *save = NULL, *tok;

	*segs = NULL;
	*n = 0;
	for (tok = strtok_r(copy, "/", &save); tok != NULL;
	     tok = strtok_r(NULL, "/", &save)) {
		*segs = realloc(*segs, (*n + 1) * sizeof(**segs));
		if (*segs == NULL)
			abort();
		(*segs)[(*n)++] = strdup(tok);
	}
	free(copy);
}

static void free_segs(char **segs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(segs[i]);
	free(segs);
}

static void not_found(struct sb_request *req, struct sb_reply *reply)
{
	sb_arm_error(reply, 404, "NotFound",
		     "The sandbox has no route for %s %s.", req->method,
		     req->path);
}

/* Picks the service by its path prefix and lets it fill reply. */
static void dispatch(struct sb_request *req, struct sb_reply *reply)
{
	static const struct {
		const char *prefix;
		void (*route)(struct sb_request *, struct sb_reply *);
	} services[] = {
		{ "login", sb_route_login },
		{ "arm", sb_route_arm },
		{ "graph", sb_route_graph },
		{ "kv", sb_route_kv },
		{ "msi", sb_route_msi },
		{ "vendor", sb_route_vendor },
		{ "_sandbox", sb_route_control },
	};
	char **segs;
	size_t n, i;

	split_path(req->path, &segs, &n);
	for (i = 0; n > 0 && i < sizeof(services) / sizeof(services[0]);
	     i++) {
		if (strcmp(segs[0], services[i].prefix) != 0)
			continue;
		req->segs = segs + 1;
		req->n_segs = n - 1;
		services[i].route(req, reply);
		goto out;
	}
	/* Entra ID is also served at the root (/{tenant}/oauth2/... and
	 * /{tenant}/v2.0/...), because Key Vault's challenge names the
	 * authority as {base}/{tenant}: azure-keyvault-secrets 4.7 reads
	 * the tenant from the first segment of that path. */
	if (n >= 2 && (strcmp(segs[1], "oauth2") == 0 ||
		       strcmp(segs[1], "v2.0") == 0)) {
		req->segs = segs;
		req->n_segs = n;
		sb_route_login(req, reply);
		goto out;
	}
	not_found(req, reply);
out:
	free_segs(segs, n);
}

static enum MHD_Result send_reply(struct MHD_Connection *conn,
				  struct sb_reply *reply,
				  const struct sb_fault *fault)
{
	struct MHD_Response *resp;
	const char *body = "";
	const char *type = reply->content_type;
	enum MHD_Result ret;
	bool failed;
	size_t i;

	if (reply->json != NULL) {
		body = json_object_to_json_string_ext(reply->json,
				JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE);
		type = "application/json; charset=utf-8";
	} else if (reply->text != NULL) {
		body = reply->text;
	}
	resp = sb_fault_response(fault, body, strlen(body), &failed);
	if (resp == NULL && !failed)
		resp = MHD_create_response_from_buffer(strlen(body),
						       (void *)body,
						       MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	if (fault->kind == SB_FAULT_OVERSIZED)
		type = "application/json; charset=utf-8";
	if (type != NULL)
		MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "x-ms-request-id", reply->request_id);
	MHD_add_response_header(resp, "x-ms-correlation-request-id",
				reply->correlation_id);
	for (i = 0; i < reply->n_headers; i++)
		MHD_add_response_header(resp, reply->headers[i].name,
					reply->headers[i].value);
	ret = MHD_queue_response(conn, reply->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Collects the body; returns true once the whole request is in. */
static bool collect_body(struct upload *up, const char *data, size_t *size)
{
	if (*size == 0)
		return true;
	if (up->too_large || up->len + *size > SB_MAX_BODY) {
		up->too_large = true;
	} else {
		up->body = realloc(up->body, up->len + *size + 1);
		if (up->body == NULL)
			abort();
		memcpy(up->body + up->len, data, *size);
		up->len += *size;
		up->body[up->len] = '\0';
	}
	*size = 0;
	return false;
}

/* Whether a request may change the tenant, which retires the kept
 * Resource Graph result. Resource Graph queries are POSTs that only
 * read; a GET that makes a generated vault a real entry changes no
 * query's result. */
static bool may_change_tenant(const char *method, const char *url)
{
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return false;
	return strcasecmp(url, "/arm/providers/Microsoft.ResourceGraph/"
		      "resources") != 0;
}

/* Serves one request for url; every daemon's handler ends here. */
static enum MHD_Result serve(struct sb_sandbox *sb,
			     struct MHD_Connection *conn, const char *url,
			     const char *method, const char *data,
			     size_t *data_size, void **con_cls)
{
	struct upload *up = *con_cls;
	struct sb_request req = { 0 };
	struct sb_reply reply = { 0 };
	struct sb_fault fault;
	enum MHD_Result ret;
	bool recorded;
	long in_flight = 0;

	if (up == NULL) {
		up = calloc(1, sizeof(*up));
		if (up == NULL)
			return MHD_NO;
		*con_cls = up;
		return MHD_YES;
	}
	if (!collect_body(up, data, data_size))
		return MHD_YES;

	req = (struct sb_request){ .sb = sb, .conn = conn, .method = method,
				   .path = url, .body = up->body ? up->body
								 : "",
				   .body_len = up->len };
	sb_guid(reply.request_id);
	sb_guid(reply.correlation_id);
	/* Each connection has a thread of its own, so the delays below
	 * run outside the lock and overlap; the handlers run under it. */
	pthread_mutex_lock(&sb->lock);
	sb_faults_match(sb, method, url, &fault);
	recorded = strncmp(url, "/_sandbox/", 10) != 0;
	if (recorded)
		in_flight = sb->in_flight++;
	pthread_mutex_unlock(&sb->lock);
	if (recorded)
		sb_sleep_ms(sb->opt.latency_ms);
	sb_fault_delay(&fault);

	pthread_mutex_lock(&sb->lock);
	if (may_change_tenant(method, url))
		sb->tenant_version++;
	if (up->too_large)
		sb_arm_error(&reply, 413, "RequestEntityTooLarge",
			     "The request body is larger than %d bytes.",
			     SB_MAX_BODY);
	else if (!sb_fault_reply(&fault, url, &reply))
		dispatch(&req, &reply);
	if (recorded) {
		sb->in_flight--;
		record_request(&req, &reply, &fault, in_flight);
	}
	pthread_mutex_unlock(&sb->lock);
	/* Refusing the request makes libmicrohttpd close the connection
	 * without a response. */
	if (fault.kind == SB_FAULT_RESET)
		ret = MHD_NO;
	else
		ret = send_reply(conn, &reply, &fault);
	json_object_put(req.claims);
	sb_reply_clear(&reply);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *data,
			      size_t *data_size, void **con_cls)
{
	(void)version;
	return serve(cls, conn, url, method, data, data_size, con_cls);
}

/* A vault's own port serves that vault's data plane at its root, the way
 * NAME.vault.azure.net does: /secrets/X is /kv/NAME/secrets/X. */
static enum MHD_Result handle_vault(void *cls, struct MHD_Connection *conn,
				    const char *url, const char *method,
				    const char *version, const char *data,
				    size_t *data_size, void **con_cls)
{
	struct sb_vault_port *vp = cls;
	char *path = sb_printf("/kv/%s%s", vp->name, url);
	enum MHD_Result ret;

	(void)version;
	ret = serve(vp->sb, conn, path, method, data, data_size, con_cls);
	free(path);
	return ret;
}

static void request_done(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode code)
{
	struct upload *up = *con_cls;

	(void)cls;
	(void)conn;
	(void)code;
	if (up == NULL)
		return;
	if (up->body != NULL) {
		/* Bodies carry client secrets and refresh tokens. */
		OPENSSL_cleanse(up->body, up->len);
		free(up->body);
	}
	free(up);
	*con_cls = NULL;
}

/* Starts an HTTPS daemon on addr with the certificates in sb->tls,
 * passing its requests to handler with cls. */
static struct MHD_Daemon *start_daemon(struct sb_sandbox *sb,
				       struct sockaddr_in *addr,
				       MHD_AccessHandlerCallback handler,
				       void *cls)
{
	return MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION |
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_TLS,
		ntohs(addr->sin_port), NULL, NULL, handler, cls,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)addr,
		MHD_OPTION_HTTPS_MEM_KEY, sb->tls.key_pem,
		MHD_OPTION_HTTPS_MEM_CERT, sb->tls.cert_pem,
		MHD_OPTION_NOTIFY_COMPLETED, request_done, sb,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
		MHD_OPTION_END);
}

/* Starts one daemon on a free port for each vault of the tenant. */
static int start_vault_ports(struct sb_sandbox *sb, char *errbuf,
			     size_t errlen)
{
	json_object *vaults = sb_jarr(sb->tenant, "vaults");
	size_t i, n = vaults ? json_object_array_length(vaults) : 0;
	struct sockaddr_in addr = { 0 };
	const union MHD_DaemonInfo *info;
	struct sb_vault_port *vp;

	sb->vault_ports = calloc(n ? n : 1, sizeof(*sb->vault_ports));
	if (sb->vault_ports == NULL)
		abort();
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < n; i++) {
		vp = &sb->vault_ports[sb->n_vault_ports++];
		vp->sb = sb;
		snprintf(vp->name, sizeof(vp->name), "%s", sb_jstr(
				 json_object_array_get_idx(vaults, i), "name"));
		vp->daemon = start_daemon(sb, &addr, handle_vault, vp);
		info = vp->daemon ? MHD_get_daemon_info(vp->daemon,
				MHD_DAEMON_INFO_BIND_PORT) : NULL;
		if (info == NULL || info->port == 0) {
			snprintf(errbuf, errlen, "cannot listen with TLS on a "
				 "free port for vault %s", vp->name);
			return -1;
		}
		snprintf(vp->base, sizeof(vp->base), "https://127.0.0.1:%u",
			 (unsigned int)info->port);
	}
	return 0;
}

char *sb_vault_uri(struct sb_sandbox *sb, const char *name)
{
	size_t i;

	for (i = 0; i < sb->n_vault_ports; i++)
		if (strcmp(sb->vault_ports[i].name, name) == 0)
			return sb_printf("%s/", sb->vault_ports[i].base);
	return sb_printf("%s/kv/%s/", sb->base, name);
}

/*
 * Creates the run's certificates and starts serving HTTPS on 127.0.0.1;
 * fills sb->base with the real port.
 */
int sb_start(struct sb_sandbox *sb, char *errbuf, size_t errlen)
{
	struct sockaddr_in addr = { 0 };
	const union MHD_DaemonInfo *info;

	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(errbuf, errlen, "this libmicrohttpd was built without "
			 "TLS support, and the sandbox serves only HTTPS: "
			 "install a libmicrohttpd built with GnuTLS (Debian's "
			 "libmicrohttpd12 is)");
		return -1;
	}
	if (sb_tls_create(&sb->tls, errbuf, errlen) != 0)
		return -1;

	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)sb->opt.port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pthread_mutex_init(&sb->lock, NULL);
	sb->daemon = start_daemon(sb, &addr, handle, sb);
	if (sb->daemon == NULL) {
		snprintf(errbuf, errlen, "cannot listen with TLS on "
			 "127.0.0.1:%u (is the port in use? try --port 0)",
			 sb->opt.port);
		return -1;
	}
	info = MHD_get_daemon_info(sb->daemon, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL || info->port == 0) {
		snprintf(errbuf, errlen, "cannot find the listening port");
		MHD_stop_daemon(sb->daemon);
		sb->daemon = NULL;
		return -1;
	}
	snprintf(sb->base, sizeof(sb->base), "https://127.0.0.1:%u",
		 (unsigned int)info->port);
	if (sb->opt.vault_ports)
		return start_vault_ports(sb, errbuf, errlen);
	return 0;
}

/* Stops the daemons, then wipes the key they were serving with. */
void sb_stop(struct sb_sandbox *sb)
{
	size_t i;

	for (i = 0; i < sb->n_vault_ports; i++)
		if (sb->vault_ports[i].daemon != NULL)
			MHD_stop_daemon(sb->vault_ports[i].daemon);
	free(sb->vault_ports);
	sb->vault_ports = NULL;
	sb->n_vault_ports = 0;
	if (sb->daemon != NULL)
		MHD_stop_daemon(sb->daemon);
	sb->daemon = NULL;
	sb_tls_clear(&sb->tls);
}
