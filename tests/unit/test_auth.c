/*
 * Sign-in against a scripted stand-in for the Entra token endpoints on
 * 127.0.0.1: device code polling, client credentials and refresh grants.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/auth.h"
#include "core/cloud.h"
#include "core/credential.h"
#include "core/http.h"
#include "core/tokencache.h"
#include "mock_server.h"

/* Payloads: a user (oid, tid, upn) and an app (idtyp "app"). */
#define JWT_USER "eyJhbGciOiJub25lIn0." \
	"eyJvaWQiOiJhMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDEiLCJ0" \
	"aWQiOiI3MmY5ODhiZi0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMGEwMDEiLCJ1cG4i" \
	"OiJhdmVyeUBjb250b3NvLnRlc3QiLCJleHAiOjQxMDI0NDQ4MDB9.c2ln"
#define JWT_APP "eyJhbGciOiJub25lIn0." \
	"eyJvaWQiOiJiMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwYjIiLCJ0" \
	"aWQiOiJ0LXNwIiwiYXBwaWQiOiJhcHAtMSIsImlkdHlwIjoiYXBwIiwiZXhwIjo0" \
	"MTAyNDQ0ODAwfQ.c2ln"

struct entra {
	struct mock_server *server;
	const char *polls[8];	/* error code per poll; "ok" for tokens */
	size_t n_polls;
	size_t poll_index;
	long expires_in;
	const char *interval;		/* device code poll interval, JSON */
	const char *token_expires_in;	/* JSON number */
	const char *refresh_error;
	const char *msi_body;		/* managed identity endpoint's reply */
	int refresh_count;
	char body[1024];
	/* Test side: the waits requested and what the sink received. */
	long waits[16];
	size_t n_waits;
	bool cancel_wait;
	char user_code[32];
	char dir[64];
	char cache[128];
	char key[128];
	struct kvl_cloud cloud;
	struct kvl_http *http;
};

static void entra_error_reply(struct entra *e, const char *code,
			      struct mock_reply *reply)
{
	snprintf(e->body, sizeof(e->body),
		 "{\"error\":\"%s\",\"error_description\":\"AADSTS: %s\","
		 "\"correlation_id\":\"corr-%s\",\"trace_id\":\"t\"}", code,
		 code, code);
	*reply = (struct mock_reply){ 400, e->body, NULL, NULL };
}

static void token_reply(struct entra *e, const char *jwt, const char *rt,
			struct mock_reply *reply)
{
	snprintf(e->body, sizeof(e->body),
		 "{\"token_type\":\"Bearer\",\"expires_in\":%s,"
		 "\"access_token\":\"%s\"%s%s%s}", e->token_expires_in, jwt,
		 rt ? ",\"refresh_token\":\"" : "", rt ? rt : "",
		 rt ? "\"" : "");
	*reply = (struct mock_reply){ 200, e->body, NULL, NULL };
}

static void device_poll(struct entra *e, struct mock_reply *reply)
{
	const char *code = e->polls[e->poll_index < e->n_polls
				    ? e->poll_index : e->n_polls - 1];

	e->poll_index++;
	if (strcmp(code, "ok") == 0)
		token_reply(e, JWT_USER, "rt-1", reply);
	else
		entra_error_reply(e, code, reply);
}

static void serve_entra(void *ctx, size_t index,
			const struct mock_request *request,
			struct mock_reply *reply)
{
	struct entra *e = ctx;
	const char *body = request->body;

	(void)index;
	if (strstr(request->target, "/oauth2/v2.0/devicecode") != NULL) {
		snprintf(e->body, sizeof(e->body),
			 "{\"device_code\":\"dc-secret\",\"user_code\":"
			 "\"ABCD-1234\",\"verification_uri\":\"https://"
			 "login.example/device\",\"expires_in\":%ld,"
			 "\"interval\":%s,\"message\":\"Open the page and "
			 "enter ABCD-1234\"}", e->expires_in, e->interval);
		*reply = (struct mock_reply){ 200, e->body, NULL, NULL };
	} else if (strncmp(request->target, "/msi/token?", 11) == 0) {
		*reply = (struct mock_reply){ 200, e->msi_body, NULL, NULL };
	} else if (strstr(body, "grant_type=urn") != NULL) {
		device_poll(e, reply);
	} else if (strstr(body, "grant_type=refresh_token") != NULL) {
		char rt[16];

		e->refresh_count++;
		snprintf(rt, sizeof(rt), "rt-%d", e->refresh_count + 1);
		if (e->refresh_error != NULL)
			entra_error_reply(e, e->refresh_error, reply);
		else
			token_reply(e, JWT_USER, rt, reply);
	} else if (strstr(body, "grant_type=client_credentials") != NULL) {
		token_reply(e, JWT_APP, NULL, reply);
	} else {
		*reply = (struct mock_reply){ 404, "{}", NULL, NULL };
	}
}

static bool record_wait(void *ctx, long delay_ms)
{
	struct entra *e = ctx;

	if (e->n_waits < 16)
		e->waits[e->n_waits++] = delay_ms;
	return !e->cancel_wait;
}

static void show_code(void *ctx, const char *message, const char *user_code,
		      const char *uri)
{
	struct entra *e = ctx;

	assert_non_null(strstr(message, "ABCD-1234"));
	assert_string_equal(uri, "https://login.example/device");
	snprintf(e->user_code, sizeof(e->user_code), "%s", user_code);
}

static int setup(void **state)
{
	struct entra *e = calloc(1, sizeof(*e));
	struct kvl_http_options o = { .max_retries = -1 };
	struct kvl_error err;
	char *json = NULL;
	const char *base;

	unsetenv("AZURE_TENANT_ID");
	unsetenv("AZURE_CLIENT_ID");
	unsetenv("AZURE_CLIENT_SECRET");
	unsetenv("AZURE_CLIENT_CERTIFICATE_PATH");
	unsetenv("AZURE_FEDERATED_TOKEN_FILE");
	unsetenv("IDENTITY_ENDPOINT");
	unsetenv("IDENTITY_HEADER");
	unsetenv("KVLINK_CLIENT_ID");
	/* No DMI data: never an Azure VM, so no request to the instance
	 * metadata service. */
	setenv("KVLINK_TEST_DMI_DIR", "/nonexistent", 1);
	e->expires_in = 900;
	e->interval = "1";
	e->token_expires_in = "3599";
	e->server = mock_start(serve_entra, e);
	strcpy(e->dir, "/tmp/kvl-auth-XXXXXX");
	if (e->server == NULL || mkdtemp(e->dir) == NULL)
		return -1;
	snprintf(e->cache, sizeof(e->cache), "%s/tokens", e->dir);
	snprintf(e->key, sizeof(e->key), "%s/tokens.key", e->dir);

	base = mock_base(e->server);
	if (asprintf(&json, "{\"authorityHost\":\"%s/login\","
		     "\"resourceManager\":\"%s/arm/\",\"microsoftGraph\":"
		     "\"%s/graph\",\"keyVaultScope\":\"%s/kv\",\"tenant\":"
		     "\"t-home\"}", base, base, base, base) < 0)
		return -1;
	kvl_error_init(&err);
	if (kvl_cloud_parse(json, "test", &e->cloud, &err) != KVL_OK ||
	    kvl_http_new(&o, &e->http) != KVL_OK)
		return -1;
	free(json);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct entra *e = *state;
	char *cmd = NULL;

	mock_stop(e->server);
	kvl_http_free(e->http);
	kvl_cloud_clear(&e->cloud);
	if (asprintf(&cmd, "rm -rf '%s'", e->dir) > 0 && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", e->dir);
	free(cmd);
	free(e);
	return 0;
}

static struct kvl_auth *new_auth(struct entra *e, enum kvl_auth_method m,
				 const char *client_id)
{
	static struct kvl_sink sink;
	struct kvl_auth_options o = {
		.method = m, .client_id = client_id,
		.cache_path = e->cache, .cache_key_path = e->key,
	};
	struct kvl_auth *auth = NULL;

	sink = (struct kvl_sink){ .device_code = show_code, .ctx = e };
	assert_int_equal(kvl_auth_new(e->http, &e->cloud, &o, &sink, &auth),
			 KVL_OK);
	kvl_auth_set_wait(auth, record_wait, e);
	return auth;
}

static bool request_body_has(struct entra *e, size_t index, const char *text)
{
	struct mock_request *r = mock_request_at(e->server, index);
	bool found = r->body != NULL && strstr(r->body, text) != NULL;

	mock_request_free(r);
	return found;
}

static bool request_target_is(struct entra *e, size_t index,
			      const char *path)
{
	struct mock_request *r = mock_request_at(e->server, index);
	bool same = r->target != NULL && strcmp(r->target, path) == 0;

	mock_request_free(r);
	return same;
}

static void device_code_pending_then_ok(void **state)
{
	struct entra *e = *state;
	struct kvl_auth *auth, *again;
	const struct kvl_identity *id;
	struct kvl_error err;
	size_t sent;

	e->polls[0] = "authorization_pending";
	e->polls[1] = "ok";
	e->n_polls = 2;
	auth = new_auth(e, KVL_AUTH_AUTO, NULL);
	kvl_error_init(&err);

	assert_false(kvl_auth_has_cached(auth));
	assert_int_equal(kvl_auth_sign_in(auth, true, &err), KVL_OK);
	assert_string_equal(e->user_code, "ABCD-1234");
	assert_int_equal(e->poll_index, 2);
	assert_int_equal(e->n_waits, 2);
	assert_int_equal(e->waits[0], 1000);
	assert_int_equal(e->waits[1], 1000);
	id = kvl_auth_identity(auth);
	assert_non_null(id);
	assert_string_equal(id->object_id,
			    "a0000000-0000-4000-8000-000000000001");
	assert_string_equal(id->name, "avery@contoso.test");
	assert_false(id->is_app);

	assert_true(request_target_is(e, 0,
				      "/login/t-home/oauth2/v2.0/devicecode"));
	assert_true(request_body_has(e, 0, "client_id="
				     KVL_DEFAULT_CLIENT_ID));
	assert_true(request_body_has(e, 0, "%2Farm%2F.default%20offline_"
				     "access%20openid%20profile"));
	assert_true(request_body_has(e, 1, "grant_type=urn%3Aietf%3Aparams"
				     "%3Aoauth%3Agrant-type%3Adevice_code"));
	assert_true(request_body_has(e, 1, "device_code=dc-secret"));
	assert_int_equal(access(e->cache, F_OK), 0);

	/* A second run signs in from the cache without any request. */
	sent = mock_count(e->server);
	again = new_auth(e, KVL_AUTH_AUTO, NULL);
	assert_true(kvl_auth_has_cached(again));
	assert_int_equal(kvl_auth_sign_in(again, false, &err), KVL_OK);
	assert_int_equal(mock_count(e->server), sent);
	assert_non_null(kvl_auth_identity(again));

	kvl_auth_free(again);
	kvl_auth_free(auth);
	kvl_error_clear(&err);
}

static void device_code_slow_down(void **state)
{
	struct entra *e = *state;
	struct kvl_auth *auth;
	struct kvl_error err;

	e->polls[0] = "authorization_pending";
	e->polls[1] = "slow_down";
	e->polls[2] = "ok";
	e->n_polls = 3;
	auth = new_auth(e, KVL_AUTH_DEVICE_CODE, NULL);
	kvl_error_init(&err);

	assert_int_equal(kvl_auth_sign_in(auth, true, &err), KVL_OK);
	assert_int_equal(e->poll_index, 3);
	assert_int_equal(e->n_waits, 3);
	assert_int_equal(e->waits[0], 1000);
	assert_int_equal(e->waits[1], 1000);
	assert_int_equal(e->waits[2], 6000);

	kvl_auth_free(auth);
	kvl_error_clear(&err);
}

static void device_code_expired_token(void **state)
{
	struct entra *e = *state;
	struct kvl_auth *auth;
	struct kvl_error err;

	e->polls[0] = "authorization_pending";
	e->polls[1] = "expired_token";
	e->n_polls = 2;
	auth = new_auth(e, KVL_AUTH_DEVICE_CODE, NULL);
	kvl_error_init(&err);

	assert_int_equal(kvl_auth_sign_in(auth, true, &err), KVL_ERR_AUTH);
	assert_int_equal(e->poll_index, 2);
	assert_string_equal(err.azure_code, "expired_token");
	assert_string_equal(err.correlation_id, "corr-expired_token");
	assert_non_null(strstr(err.message, "expired"));
	assert_null(kvl_auth_identity(auth));

	kvl_auth_free(auth);
	kvl_error_clear(&err);
}

static void device_code_declined(void **state)
{
	struct entra *e = *state;
	struct kvl_auth *auth;
	struct kvl_error err;

	e->polls[0] = "authorization_declined";
	e->n_polls = 1;
	auth = new_auth(e, KVL_AUTH_DEVICE_CODE, NULL);
	kvl_error_init(&err);

	assert_int_equal(kvl_auth_sign_in(auth, true, &err), KVL_ERR_AUTH);
	assert_int_equal(e->poll_index, 1);
	assert_non_null(strstr(err.message, "declined"));

	kvl_auth_free(auth);
	kvl_error_clear(&err);
}

static void device_code_local_expiry(void **state)
{
	struct entra *e = *state;
	struct kvl_auth *auth;
	struct kvl_error err;

	e->polls[0] = "authorization_pending";
	e->n_polls = 1;
	e->expires_in = 3;
	auth = new_auth(e, KVL_AUTH_DEVICE_CODE, NULL);
	kvl_error_init(&err);

	assert_int_equal(kvl_auth_sign_in(auth, true, &err), KVL_ERR_AUTH);
	assert_int_equal(e->poll_index, 3);
	assert_non_null(strstr(err.message, "expired"));

	kvl_auth_free(auth);
	kvl_error_clear(&err);
}

/* Absurd intervals and long lifetimes from Entra are clamped: the poll
 * waits at most a minute, and a token lives at most a day. */
static void device_code_absurd_values(void **state)
{
	struct entra *e = *state;
	struct kvl_token_cache cache = { 0 };
	struct kvl_auth *auth;
	struct kvl_error err;
	int64_t now = (int64_t)time(NULL);

	e->polls[0] = "slow_down";
	e->polls[1] = "ok";
	e->n_polls = 2;
	e->expires_in = 9223372036854775807L;
	e->interval = "9223372036854775807";
	/* About a thousand years: long, but a time, so it is cut to a day. */
	e->token_expires_in = "31536000000";
	auth = new_auth(e, KVL_AUTH_DEVICE_CODE, NULL);
	kvl_error_init(&err);

	assert_int_equal(kvl_auth_sign_in(auth, true, &err), KVL_OK);
	assert_int_equal(e->n_waits, 2);
	assert_int_equal(e->waits[0], 60000);
	assert_int_equal(e->waits[1], 60000);

	assert_int_equal(kvl_token_cache_load(e->cache, e->key, &cache, &err),
			 KVL_OK);
	assert_int_equal(cache.n_tokens, 1);
	assert_true(cache.tokens[0].expires_at > now);
	assert_true(cache.tokens[0].expires_at <= now + 86400 + 5);

	kvl_token_cache_clear(&cache);
	kvl_auth_free(auth);
	kvl_error_clear(&err);
}

/* A negative interval is raised to one second. */
static void device_code_negative_interval(void **state)
{
	struct entra *e = *state;
	struct kvl_auth *auth;
	struct kvl_error err;

	e->polls[0] = "authorization_pending";
	e->polls[1] = "ok";
	e->n_polls = 2;
	e->interval = "-7";
	auth = new_auth(e, KVL_AUTH_DEVICE_CODE, NULL);
	kvl_error_init(&err);

	assert_int_equal(kvl_auth_sign_in(auth, true, &err), KVL_OK);
	assert_int_equal(e->n_waits, 2);
	assert_int_equal(e->waits[0], 1000);
	assert_int_equal(e->waits[1], 1000);

	kvl_auth_free(auth);
	kvl_error_clear(&err);
}

static void device_code_cancel(void **state)
{
	struct entra *e = *state;
	struct kvl_auth *auth;
	struct kvl_error err;

	e->polls[0] = "ok";
	e->n_polls = 1;
	e->cancel_wait = true;
	auth = new_auth(e, KVL_AUTH_DEVICE_CODE, NULL);
	kvl_error_init(&err);

	assert_int_equal(kvl_auth_sign_in(auth, true, &err),
			 KVL_ERR_CANCELLED);
	assert_int_equal(e->poll_index, 0);

	kvl_auth_free(auth);
	kvl_error_clear(&err);
}

static void non_interactive_needs_login(void **state)
{
	struct entra *e = *state;
	struct kvl_auth *auth = new_auth(e, KVL_AUTH_AUTO, NULL);
	struct kvl_error err;

	kvl_error_init(&err);
	assert_int_equal(kvl_auth_sign_in(auth, false, &err), KVL_ERR_AUTH);
	assert_non_null(strstr(err.message, "kvlink login"));
	assert_non_null(strstr(err.message, "AZURE_CLIENT_SECRET"));
	assert_int_equal(mock_count(e->server), 0);

	kvl_auth_free(auth);
	kvl_error_clear(&err);
}

static void client_credentials(void **state)
{
	struct entra *e = *state;
	const struct kvl_identity *id;
	struct kvl_auth *auth;
	struct kvl_error err;
	const char *token;

	setenv("AZURE_TENANT_ID", "t-sp", 1);
	setenv("AZURE_CLIENT_ID", "app-1", 1);
	setenv("AZURE_CLIENT_SECRET", "s&cret=1 x", 1);
	auth = new_auth(e, KVL_AUTH_AUTO, NULL);
	kvl_error_init(&err);

	assert_true(kvl_auth_has_cached(auth));
	assert_int_equal(kvl_auth_sign_in(auth, false, &err), KVL_OK);
	assert_true(request_target_is(e, 0, "/login/t-sp/oauth2/v2.0/token"));
	assert_true(request_body_has(e, 0, "grant_type=client_credentials"));
	assert_true(request_body_has(e, 0, "client_id=app-1"));
	assert_true(request_body_has(e, 0, "client_secret=s%26cret%3D1%20x"));
	assert_true(request_body_has(e, 0, "%2Farm%2F.default"));
	id = kvl_auth_identity(auth);
	assert_non_null(id);
	assert_true(id->is_app);
	assert_string_equal(id->name, "app-1");

	/* Other scopes use the same grant; no cache file is written. */
	assert_int_equal(kvl_auth_token(auth, "http://x/kv/.default", NULL,
					&token, &err), KVL_OK);
	assert_int_equal(mock_count(e->server), 2);
	assert_true(request_body_has(e, 1, "grant_type=client_credentials"));
	assert_int_not_equal(access(e->cache, F_OK), 0);

	unsetenv("AZURE_TENANT_ID");
	unsetenv("AZURE_CLIENT_ID");
	unsetenv("AZURE_CLIENT_SECRET");
	kvl_auth_free(auth);
	kvl_error_clear(&err);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The federated token file rotates, so every token request reads it. */
static void workload_identity_rereads_file(void **state)
{
	struct entra *e = *state;
	struct kvl_auth *auth;
	struct kvl_error err;
	const char *token;
	char path[96];

	snprintf(path, sizeof(path), "%s/federated-token", e->dir);
	write_text(path, "token-one\n");
	setenv("AZURE_TENANT_ID", "t-wi", 1);
	setenv("AZURE_CLIENT_ID", "app-wi", 1);
	setenv("AZURE_FEDERATED_TOKEN_FILE", path, 1);
	auth = new_auth(e, KVL_AUTH_AUTO, NULL);
	kvl_error_init(&err);

	assert_int_equal(kvl_auth_sign_in(auth, false, &err), KVL_OK);
	assert_int_equal(kvl_auth_used_method(auth),
			 KVL_AUTH_WORKLOAD_IDENTITY);
	assert_true(request_target_is(e, 0, "/login/t-wi/oauth2/v2.0/token"));
	assert_true(request_body_has(e, 0, "client_assertion=token-one"));
	assert_true(request_body_has(e, 0, "client_assertion_type=urn%3Aietf"
				     "%3Aparams%3Aoauth%3Aclient-assertion-"
				     "type%3Ajwt-bearer"));

	write_text(path, "token-two");
	assert_int_equal(kvl_auth_token(auth, "http://x/kv/.default", NULL,
					&token, &err), KVL_OK);
	assert_true(request_body_has(e, 1, "client_assertion=token-two"));

	/* A file that is gone fails the next request with its name. */
	unlink(path);
	assert_int_equal(kvl_auth_token(auth, "http://x/graph/.default",
					NULL, &token, &err), KVL_ERR_AUTH);
	assert_non_null(strstr(err.message, "federated-token"));
	assert_non_null(strstr(err.message, "AZURE_FEDERATED_TOKEN_FILE"));
	assert_int_equal(mock_count(e->server), 2);

	unsetenv("AZURE_TENANT_ID");
	unsetenv("AZURE_CLIENT_ID");
	unsetenv("AZURE_FEDERATED_TOKEN_FILE");
	kvl_auth_free(auth);
	kvl_error_clear(&err);
}

static void refresh_replaces_token(void **state)
{
	struct entra *e = *state;
	struct kvl_auth *auth;
	struct kvl_error err;
	const char *token;
	size_t n;

	e->polls[0] = "ok";
	e->n_polls = 1;
	auth = new_auth(e, KVL_AUTH_AUTO, NULL);
	kvl_error_init(&err);
	assert_int_equal(kvl_auth_sign_in(auth, true, &err), KVL_OK);
	n = mock_count(e->server);

	assert_int_equal(kvl_auth_token(auth, "vault/.default", "t-other",
					&token, &err), KVL_OK);
	assert_string_equal(token, JWT_USER);
	assert_true(request_target_is(e, n,
				      "/login/t-other/oauth2/v2.0/token"));
	assert_true(request_body_has(e, n, "refresh_token=rt-1"));
	assert_true(request_body_has(e, n, "scope=vault%2F.default%20"
				     "offline_access"));

	assert_int_equal(kvl_auth_token(auth, "graph/.default", NULL, &token,
					&err), KVL_OK);
	assert_true(request_body_has(e, n + 1, "refresh_token=rt-2"));
	assert_true(request_target_is(e, n + 1,
				      "/login/t-home/oauth2/v2.0/token"));

	/* A token already held is not requested again. */
	assert_int_equal(kvl_auth_token(auth, "vault/.default", "t-other",
					&token, &err), KVL_OK);
	assert_int_equal(mock_count(e->server), n + 2);

	kvl_auth_free(auth);
	kvl_error_clear(&err);
}

static void refresh_invalid_grant(void **state)
{
	struct entra *e = *state;
	struct kvl_auth *auth;
	struct kvl_error err;
	const char *token = NULL;

	e->polls[0] = "ok";
	e->n_polls = 1;
	e->refresh_error = "invalid_grant";
	auth = new_auth(e, KVL_AUTH_AUTO, NULL);
	kvl_error_init(&err);
	assert_int_equal(kvl_auth_sign_in(auth, true, &err), KVL_OK);

	assert_int_equal(kvl_auth_token(auth, "vault/.default", NULL, &token,
					&err), KVL_ERR_AUTH);
	assert_null(token);
	assert_string_equal(err.azure_code, "invalid_grant");
	assert_non_null(strstr(err.message, "sign in again"));

	kvl_auth_free(auth);
	kvl_error_clear(&err);
}

static void cache_for_other_client_ignored(void **state)
{
	struct entra *e = *state;
	struct kvl_auth *auth, *other;
	struct kvl_error err;

	e->polls[0] = "ok";
	e->n_polls = 1;
	auth = new_auth(e, KVL_AUTH_AUTO, NULL);
	kvl_error_init(&err);
	assert_int_equal(kvl_auth_sign_in(auth, true, &err), KVL_OK);
	assert_true(kvl_auth_has_cached(auth));

	other = new_auth(e, KVL_AUTH_AUTO,
			 "11111111-2222-4333-8444-555555555555");
	assert_false(kvl_auth_has_cached(other));

	assert_int_equal(kvl_auth_sign_out(auth, &err), KVL_OK);
	assert_int_not_equal(access(e->cache, F_OK), 0);
	assert_null(kvl_auth_identity(auth));

	kvl_auth_free(other);
	kvl_auth_free(auth);
	kvl_error_clear(&err);
}

/* Signs in with the device code flow, Entra returning expires_in. */
static kvl_result sign_in_expiring(struct entra *e, const char *expires_in,
				   struct kvl_error *err)
{
	struct kvl_auth *auth;
	kvl_result res;

	e->polls[0] = "ok";
	e->n_polls = 1;
	e->token_expires_in = expires_in;
	auth = new_auth(e, KVL_AUTH_DEVICE_CODE, NULL);
	res = kvl_auth_sign_in(auth, true, err);
	kvl_auth_free(auth);
	return res;
}

/* A token valid until 2100, past 32 bits of seconds, is kept for the
 * usual day at most. */
static void token_expiry_2100(void **state)
{
	struct entra *e = *state;
	struct kvl_token_cache cache = { 0 };
	struct kvl_error err;
	int64_t now = (int64_t)time(NULL);
	char expires_in[32];

	snprintf(expires_in, sizeof(expires_in), "%lld",
		 (long long)(INT64_C(4102444800) - now));
	kvl_error_init(&err);

	assert_int_equal(sign_in_expiring(e, expires_in, &err), KVL_OK);
	assert_int_equal(kvl_token_cache_load(e->cache, e->key, &cache, &err),
			 KVL_OK);
	assert_int_equal(cache.n_tokens, 1);
	assert_true(cache.tokens[0].expires_at > now + 86000);
	assert_true(cache.tokens[0].expires_at <= now + 86400 + 5);

	kvl_token_cache_clear(&cache);
	kvl_error_clear(&err);
}

/* A lifetime that is no time up to the year 9999 fails the sign-in and
 * stores nothing. */
static void token_expiry_absurd(void **state)
{
	static const char *const values[] = {
		"9223372036854775807", "-1", "\"soon\"", "1e300",
	};
	struct entra *e = *state;
	struct kvl_error err;

	kvl_error_init(&err);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		e->poll_index = 0;
		assert_int_equal(sign_in_expiring(e, values[i], &err),
				 KVL_ERR_PARSE);
		assert_non_null(strstr(err.message, "the sign-in service's "
					"expires_in is "));
		assert_non_null(strstr(err.message, "kvlink's limit"));
		assert_int_not_equal(access(e->cache, F_OK), 0);
		kvl_error_clear(&err);
	}
}

/* Requests a token from the mock's managed identity endpoint, which
 * replies with body. */
static kvl_result managed_token(struct entra *e, const char *body,
				char **token, int64_t *expires_at,
				struct kvl_error *err)
{
	char *endpoint = NULL;
	kvl_result res;

	assert_true(asprintf(&endpoint, "%s/msi/token",
			     mock_base(e->server)) > 0);
	setenv("IDENTITY_ENDPOINT", endpoint, 1);
	setenv("IDENTITY_HEADER", "header-secret", 1);
	e->msi_body = body;
	res = kvl_managed_identity_token(e->http, NULL, "https://vault.test",
					 token, expires_at, err);
	unsetenv("IDENTITY_ENDPOINT");
	unsetenv("IDENTITY_HEADER");
	free(endpoint);
	return res;
}

/* expires_on in 2100 comes through whole; one past the year 9999 fails
 * with no token. */
static void managed_identity_expiry(void **state)
{
	struct entra *e = *state;
	struct kvl_error err;
	char *token = NULL;
	int64_t expires_at = 0;

	kvl_error_init(&err);
	assert_int_equal(managed_token(e, "{\"access_token\":\"t.u.v\","
				       "\"expires_on\":\"4102444800\"}",
				       &token, &expires_at, &err), KVL_OK);
	assert_string_equal(token, "t.u.v");
	assert_true(expires_at == INT64_C(4102444800));
	free(token);

	assert_int_equal(managed_token(e, "{\"access_token\":\"t.u.v\","
				       "\"expires_on\":\"99999999999999\"}",
				       &token, &expires_at, &err),
			 KVL_ERR_PARSE);
	assert_null(token);
	assert_non_null(strstr(err.message, "the managed identity "
				"endpoint's expires_on is \"99999999999999\""));
	assert_non_null(strstr(err.message, "kvlink's limit"));
	kvl_error_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(device_code_pending_then_ok),
		T(device_code_slow_down),
		T(device_code_expired_token),
		T(device_code_declined),
		T(device_code_local_expiry),
		T(device_code_absurd_values),
		T(device_code_negative_interval),
		T(device_code_cancel),
		T(non_interactive_needs_login),
		T(client_credentials),
		T(workload_identity_rereads_file),
		T(refresh_replaces_token),
		T(refresh_invalid_grant),
		T(cache_for_other_client_ignored),
		T(token_expiry_2100),
		T(token_expiry_absurd),
		T(managed_identity_expiry),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
