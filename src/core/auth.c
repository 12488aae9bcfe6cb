#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/auth.h"
#include "core/auth_private.h"
#include "core/buf.h"
#include "core/credential.h"
#include "core/crypto.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "core/secret.h"
#include "core/tokencache.h"
#include "i18n.h"

#define GRANT_DEVICE_CODE "urn:ietf:params:oauth:grant-type:device_code"
#define DEFAULT_POLL_S 5
#define DEFAULT_DEVICE_EXPIRY_S 900
#define SLOW_DOWN_STEP_S 5
/* Bounds on the lifetimes and poll interval Entra returns, so that an
 * absurd value can neither overflow the arithmetic nor stall sign-in. */
#define MAX_EXPIRES_IN_S 86400
/* An access token's usual lifetime, for a response without expires_in. */
#define DEFAULT_EXPIRES_IN_S 3599
#define MIN_POLL_S 1
#define MAX_POLL_S 60
#define WAIT_STEP_MS 100L

static bool default_wait(void *ctx, long delay_ms)
{
	const struct kvl_sink *sink = ctx;

	while (delay_ms > 0) {
		long step = delay_ms < WAIT_STEP_MS ? delay_ms : WAIT_STEP_MS;
		struct timespec ts = { 0, step * 1000000L };

		if (kvl_sink_cancelled(sink))
			return false;
		nanosleep(&ts, NULL);
		delay_ms -= step;
	}
	return !kvl_sink_cancelled(sink);
}

static bool env_set(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0';
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

kvl_result kvl_auth_new(struct kvl_http *http, const struct kvl_cloud *cloud,
			const struct kvl_auth_options *options,
			const struct kvl_sink *sink, struct kvl_auth **out)
{
	struct kvl_auth *auth = calloc(1, sizeof(*auth));
	const char *tenant = NULL, *client_id = NULL;

	*out = NULL;
	if (auth == NULL)
		return KVL_ERR_NOMEM;
	if (options != NULL) {
		auth->method = options->method;
		tenant = options->tenant;
		auth->tenant_given = tenant != NULL;
		auth->own_sign_in_only = options->own_sign_in_only;
		client_id = options->client_id;
		auth->cache_path = dup_or_null(options->cache_path);
		auth->cache_key_path = dup_or_null(options->cache_key_path);
	}
	if (tenant == NULL)
		tenant = cloud->tenant ? cloud->tenant : "organizations";
	if (client_id == NULL && env_set("KVLINK_CLIENT_ID"))
		client_id = getenv("KVLINK_CLIENT_ID");
	if (client_id == NULL)
		client_id = KVL_DEFAULT_CLIENT_ID;

	auth->http = http;
	auth->cloud = cloud;
	auth->sink = sink;
	auth->tenant = strdup(tenant);
	auth->client_id = strdup(client_id);
	auth->wait = default_wait;
	auth->wait_ctx = (void *)sink;
	if (auth->tenant == NULL || auth->client_id == NULL) {
		kvl_auth_free(auth);
		return KVL_ERR_NOMEM;
	}
	*out = auth;
	return KVL_OK;
}

kvl_result kvl_auth_new_service(struct kvl_http *http,
				const struct kvl_cloud *cloud,
				const struct kvl_credential *credential,
				const struct kvl_sink *sink,
				struct kvl_auth **out)
{
	struct kvl_auth_options options = { .method = KVL_AUTH_AUTO };
	struct kvl_auth *auth;
	kvl_result res;

	*out = NULL;
	options.tenant = credential->tenant;
	options.client_id = credential->client_id;
	res = kvl_auth_new(http, cloud, &options, sink, &auth);
	if (res != KVL_OK)
		return res;
	auth->method = KVL_AUTH_SERVICE;
	auth->used = KVL_AUTH_SERVICE;
	auth->cache_loaded = true;
	auth->cache.authority = strdup(cloud->authority_host);
	auth->cache.client_id = strdup(auth->client_id);
	res = kvl_credential_copy(credential, &auth->service);
	if (res != KVL_OK || auth->cache.authority == NULL ||
	    auth->cache.client_id == NULL) {
		kvl_auth_free(auth);
		return KVL_ERR_NOMEM;
	}
	*out = auth;
	return KVL_OK;
}

void kvl_auth_free(struct kvl_auth *auth)
{
	if (auth == NULL)
		return;
	kvl_token_cache_clear(&auth->cache);
	kvl_identity_clear(&auth->identity);
	kvl_credential_clear(&auth->service);
	kvl_signing_cert_free(auth->env_cert);
	free(auth->app_client_id);
	free(auth->tenant);
	free(auth->client_id);
	free(auth->cache_path);
	free(auth->cache_key_path);
	free(auth);
}

void kvl_auth_set_wait(struct kvl_auth *auth, kvl_auth_wait_fn wait,
		       void *ctx)
{
	auth->wait = wait ? wait : default_wait;
	auth->wait_ctx = wait ? ctx : (void *)auth->sink;
}

const struct kvl_identity *kvl_auth_identity(const struct kvl_auth *auth)
{
	return auth->signed_in ? &auth->identity : NULL;
}

enum kvl_auth_method kvl_auth_used_method(const struct kvl_auth *auth)
{
	return auth->signed_in ? auth->used : KVL_AUTH_AUTO;
}

static const struct {
	enum kvl_auth_method method;
	const char *name;
} method_names[] = {
	{ KVL_AUTH_AUTO, "auto" },
	{ KVL_AUTH_ENVIRONMENT, "env" },
	{ KVL_AUTH_WORKLOAD_IDENTITY, "workload-identity" },
	{ KVL_AUTH_MANAGED_IDENTITY, "managed-identity" },
	{ KVL_AUTH_CACHED, "cached" },
	{ KVL_AUTH_AZURE_CLI, "azure-cli" },
	{ KVL_AUTH_DEVICE_CODE, "device-code" },
	{ KVL_AUTH_SERVICE, "service-identity" },
};

const char *kvl_auth_method_name(enum kvl_auth_method method)
{
	for (size_t i = 0; i < sizeof(method_names) / sizeof(*method_names);
	     i++) {
		if (method_names[i].method == method)
			return method_names[i].name;
	}
	return "unknown";
}

bool kvl_auth_method_parse(const char *name, enum kvl_auth_method *method)
{
	if (strcmp(name, "client-secret") == 0) {
		*method = KVL_AUTH_ENVIRONMENT;
		return true;
	}
	for (size_t i = 0; i < sizeof(method_names) / sizeof(*method_names);
	     i++) {
		if (method_names[i].method != KVL_AUTH_SERVICE &&
		    strcmp(method_names[i].name, name) == 0) {
			*method = method_names[i].method;
			return true;
		}
	}
	return false;
}

void kvl_identity_clear(struct kvl_identity *id)
{
	free(id->object_id);
	free(id->tenant_id);
	free(id->name);
	memset(id, 0, sizeof(*id));
}

static const char *first_claim(json_object *claims)
{
	static const char *const keys[] = {
		"upn", "preferred_username", "unique_name", "appid", "azp",
		NULL,
	};

	for (int i = 0; keys[i] != NULL; i++) {
		const char *v = kvl_json_str(claims, keys[i]);

		if (v != NULL && v[0] != '\0')
			return v;
	}
	return NULL;
}

kvl_result kvl_identity_from_jwt(const char *jwt, struct kvl_identity *id,
				 int64_t *expires_at, struct kvl_error *err)
{
	const char *dot1 = strchr(jwt, '.'), *dot2;
	char *payload = NULL, *json = NULL;
	json_object *claims = NULL;
	const char *idtyp;
	kvl_result res = KVL_ERR_PARSE;

	memset(id, 0, sizeof(*id));
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (dot2 == NULL)
		return kvl_error_set(err, res, _("access token is not a JWT"));
	payload = strndup(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (payload == NULL ||
	    kvl_base64url_decode(payload, &json, NULL) != KVL_OK) {
		kvl_error_set(err, res,
			      _("access token payload is not base64url"));
		goto out;
	}
	res = kvl_json_parse(json, strlen(json), "access token claims",
			     &claims, err);
	if (res != KVL_OK)
		goto out;

	id->object_id = kvl_json_strdup(claims, "oid");
	id->tenant_id = kvl_json_strdup(claims, "tid");
	id->name = dup_or_null(first_claim(claims));
	idtyp = kvl_json_str(claims, "idtyp");
	id->is_app = idtyp != NULL && strcmp(idtyp, "app") == 0;
	if (expires_at != NULL)
		*expires_at = kvl_json_int64(claims, "exp", 0);
out:
	json_object_put(claims);
	free(json);
	free(payload);
	return res;
}

char *kvl_auth_endpoint_url(const struct kvl_auth *auth, const char *tenant,
			    const char *endpoint)
{
	struct kvl_buf url;

	kvl_buf_init(&url);
	kvl_buf_addf(&url, "%s/", auth->cloud->authority_host);
	kvl_buf_add_urlencoded(&url, tenant);
	kvl_buf_addf(&url, "/oauth2/v2.0/%s", endpoint);
	return kvl_buf_detach(&url);
}

kvl_result kvl_auth_post_form(struct kvl_auth *auth, const char *tenant,
			      const char *endpoint,
			      const struct kvl_form_field *fields,
			      long *status, json_object **body,
			      struct kvl_error *err)
{
	struct kvl_buf form;
	struct kvl_http_response resp;
	char *url;
	kvl_result res;

	*body = NULL;
	kvl_buf_init(&form);
	form.secret = true;
	for (size_t i = 0; fields[i].name != NULL; i++) {
		if (i > 0)
			kvl_buf_adds(&form, "&");
		kvl_buf_adds(&form, fields[i].name);
		kvl_buf_adds(&form, "=");
		kvl_buf_add_urlencoded(&form, fields[i].value);
	}
	url = kvl_auth_endpoint_url(auth, tenant, endpoint);
	if (form.data == NULL || url == NULL) {
		res = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}

	res = kvl_http_send(auth->http, "POST", url, NULL,
			    "application/x-www-form-urlencoded", form.data,
			    &resp, err);
	if (res != KVL_OK)
		goto out;
	*status = resp.status;
	res = kvl_json_parse(resp.body, resp.body_len,
			     "the sign-in service's response", body, err);
	if (res != KVL_OK && resp.status == 200)
		kvl_http_explain_bad_body(&resp, err);
	if (res != KVL_OK && resp.status != 200) {
		/* Not JSON at all: report the HTTP status instead. */
		kvl_error_clear(err);
		res = kvl_http_check(&resp, _("sign in"), err);
		if (res == KVL_OK)
			res = KVL_ERR_AUTH;
	}
	kvl_http_response_clear(&resp);
out:
	/* Names the call when the sign-in service returned no usable
	 * response. */
	if (res != KVL_OK && err != NULL && err->operation == NULL)
		kvl_error_operation(err, strcmp(endpoint, "token") == 0
				    ? _("get an access token")
				    : _("start the sign-in"));
	kvl_buf_clear(&form);
	free(url);
	return res;
}

kvl_result kvl_auth_entra_error(json_object *body, long status,
				const char *advice, struct kvl_error *err)
{
	const char *code = kvl_json_str(body, "error");
	const char *text = kvl_json_str(body, "error_description");
	const char *correlation = kvl_json_str(body, "correlation_id");

	/* Throttling and server errors do not mean that the sign-in is
	 * wrong, so signing in again would not help. */
	if (status == 429 || status >= 500)
		advice = _("the sign-in service is busy or unavailable; try "
			   "again in a few minutes");
	kvl_error_set(err, KVL_ERR_AUTH, _("sign-in failed (HTTP %ld); %s"),
		      status, advice);
	kvl_error_operation(err, _("sign in"));
	err->http_status = status;
	if (code != NULL)
		err->azure_code = kvl_sanitize(code);
	if (text != NULL)
		err->azure_message = kvl_sanitize_line(text);
	if (correlation != NULL)
		err->correlation_id = kvl_sanitize(correlation);
	kvl_log("sign-in error %s correlation %s trace %s",
		code ? code : "-", correlation ? correlation : "-",
		kvl_json_str(body, "trace_id") ? kvl_json_str(body, "trace_id")
					       : "-");
	return KVL_ERR_AUTH;
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static int64_t clamp(int64_t value, int64_t low, int64_t high)
{
	if (value < low)
		return low;
	return value > high ? high : value;
}

kvl_result kvl_auth_store_tokens(struct kvl_auth *auth, const char *tenant,
				 const char *scope, json_object *body,
				 struct kvl_error *err)
{
	const char *access = kvl_json_str(body, "access_token");
	const char *refresh = kvl_json_str(body, "refresh_token");
	int64_t now = now_s(), expires_in = DEFAULT_EXPIRES_IN_S;
	kvl_result res;

	if (access == NULL || access[0] == '\0')
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("the sign-in service returned no "
				       "access token"));
	/* A lifetime past the year 9999 is damage, not a long-lived token;
	 * a merely long one is cut to MAX_EXPIRES_IN_S. */
	res = kvl_json_int64_range(body, "expires_in",
				   "the sign-in service's expires_in", 0,
				   KVL_JSON_MAX_UNIX_TIME - now, &expires_in,
				   err);
	if (res != KVL_OK && res != KVL_ERR_NOT_FOUND)
		return res;
	expires_in = clamp(expires_in, 0, MAX_EXPIRES_IN_S);

	if (refresh != NULL && refresh[0] != '\0') {
		char *copy = kvl_secret_strdup(refresh);

		if (copy == NULL)
			return kvl_error_set(err, KVL_ERR_NOMEM,
					     _("no memory"));
		kvl_free_secret(auth->cache.refresh_token);
		auth->cache.refresh_token = copy;
	}
	if (kvl_token_cache_put(&auth->cache, tenant, scope, access,
				now + expires_in) != KVL_OK)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

static void save_cache(struct kvl_auth *auth)
{
	struct kvl_error err;

	if (auth->cache_path == NULL || auth->cache_key_path == NULL ||
	    (auth->used != KVL_AUTH_AUTO && auth->used != KVL_AUTH_CACHED &&
	     auth->used != KVL_AUTH_DEVICE_CODE))
		return;
	kvl_error_init(&err);
	if (kvl_token_cache_save(auth->cache_path, auth->cache_key_path,
				 &auth->cache, &err) != KVL_OK)
		kvl_sink_message(auth->sink, KVL_LEVEL_WARNING,
				 _("could not save the sign-in: %s"),
				 err.message ? err.message : _("unknown "
							       "error"));
	kvl_error_clear(&err);
}

/* The advice shown when the service identity fails to sign in. */
#define SERVICE_ADVICE \
	N_("check the service identity with 'kvlink env identity show' and " \
	   "set it again with 'kvlink env identity set'")

/* Client credentials grant of the service identity, with its client
 * secret or a client assertion signed by its certificate. */
static kvl_result service_grant(struct kvl_auth *auth, const char *scope,
				struct kvl_error *err)
{
	const struct kvl_credential *c = &auth->service;
	char *assertion = NULL, *audience = NULL;
	kvl_result res;

	if (c->kind == KVL_CREDENTIAL_CERTIFICATE) {
		audience = kvl_auth_endpoint_url(auth, auth->tenant, "token");
		if (audience == NULL)
			return kvl_error_set(err, KVL_ERR_NOMEM,
					     _("out of memory"));
		res = kvl_client_assertion(c->certificate_path, c->client_id,
					   audience, now_s(), &assertion, err);
		if (res != KVL_OK)
			goto out;
	}
	res = kvl_auth_client_credentials(auth, auth->tenant, c->client_id,
					  c->client_secret, assertion, scope,
					  _(SERVICE_ADVICE), err);
out:
	kvl_free_secret(assertion);
	free(audience);
	return res;
}

static kvl_result service_token(struct kvl_auth *auth, const char *scope,
				struct kvl_error *err)
{
	kvl_result res;

	if (auth->service.kind == KVL_CREDENTIAL_MANAGED_IDENTITY)
		res = kvl_auth_managed_token(auth, auth->service.client_id,
					     auth->tenant, scope, err);
	else
		res = service_grant(auth, scope, err);
	if (res != KVL_OK)
		kvl_error_operation(err, _("sign in as the service identity"));
	return res;
}

static kvl_result refresh_token(struct kvl_auth *auth, const char *tenant,
				const char *scope, struct kvl_error *err)
{
	char *full_scope = NULL;
	json_object *body = NULL;
	long status = 0;
	kvl_result res;
	const char *code;

	if (asprintf(&full_scope, "%s offline_access", scope) < 0)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	struct kvl_form_field fields[] = {
		{ "client_id", auth->client_id },
		{ "grant_type", "refresh_token" },
		{ "refresh_token", auth->cache.refresh_token },
		{ "scope", full_scope },
		{ NULL, NULL },
	};

	res = kvl_auth_post_form(auth, tenant, "token", fields, &status, &body, err);
	if (res != KVL_OK)
		goto out;
	if (status == 200) {
		res = kvl_auth_store_tokens(auth, tenant, scope, body, err);
		goto out;
	}
	code = kvl_json_str(body, "error");
	if (code != NULL && strcmp(code, "invalid_grant") == 0)
		res = kvl_auth_entra_error(body, status, _("the saved sign-in "
							   "is no longer "
							   "valid; sign in "
							   "again with "
							   "'kvlink login'"),
							 err);
	else
		res = kvl_auth_entra_error(body, status, _("sign in again "
							   "with 'kvlink "
							   "login' or check "
							   "the tenant"), err);
out:
	kvl_json_put_secret(body);
	free(full_scope);
	return res;
}

/* Response of the devicecode endpoint. */
struct device_code {
	char *device_code;	/* secret */
	char *user_code;
	char *verification_uri;
	char *message;
	long expires_in;
	long interval;
};

static void device_code_clear(struct device_code *dc)
{
	kvl_free_secret(dc->device_code);
	free(dc->user_code);
	free(dc->verification_uri);
	free(dc->message);
	memset(dc, 0, sizeof(*dc));
}

static kvl_result request_device_code(struct kvl_auth *auth,
				      const char *scope,
				      struct device_code *dc,
				      struct kvl_error *err)
{
	struct kvl_form_field fields[] = {
		{ "client_id", auth->client_id },
		{ "scope", scope },
		{ NULL, NULL },
	};
	json_object *body = NULL;
	long status = 0;
	kvl_result res;

	res = kvl_auth_post_form(auth, auth->tenant, "devicecode", fields, &status,
			&body, err);
	if (res != KVL_OK)
		goto out;
	if (status != 200) {
		res = kvl_auth_entra_error(body, status, "check the tenant and client "
				  "id", err);
		goto out;
	}
	dc->device_code = kvl_secret_strdup(kvl_json_str(body,
							 "device_code"));
	dc->user_code = kvl_sanitize(kvl_json_str(body, "user_code"));
	dc->verification_uri =
		kvl_sanitize(kvl_json_str(body, "verification_uri"));
	dc->expires_in = (long)clamp(kvl_json_int64(body, "expires_in",
						    DEFAULT_DEVICE_EXPIRY_S),
				     0, MAX_EXPIRES_IN_S);
	dc->interval = (long)clamp(kvl_json_int64(body, "interval",
						  DEFAULT_POLL_S),
				   MIN_POLL_S, MAX_POLL_S);
	if (kvl_json_str(body, "message") != NULL)
		dc->message = kvl_sanitize(kvl_json_str(body, "message"));
	else if (asprintf(&dc->message, "To sign in, open %s and enter the "
			  "code %s", dc->verification_uri,
			  dc->user_code) < 0)
		dc->message = NULL;
	if (dc->device_code == NULL || kvl_json_str(body, "user_code") == NULL)
		res = kvl_error_set(err, KVL_ERR_PARSE,
				    _("the sign-in service returned no device "
				      "code"));
out:
	kvl_json_put_secret(body);
	return res;
}

/*
 * One poll of the token endpoint. Returns KVL_OK with *done true on
 * success, KVL_OK with *done false to keep polling (adding to *interval
 * on slow_down), or an error that ends the flow.
 */
static kvl_result poll_device_code(struct kvl_auth *auth,
				   const struct device_code *dc,
				   const char *scope, long *interval,
				   bool *done, struct kvl_error *err)
{
	struct kvl_form_field fields[] = {
		{ "grant_type", GRANT_DEVICE_CODE },
		{ "client_id", auth->client_id },
		{ "device_code", dc->device_code },
		{ NULL, NULL },
	};
	json_object *body = NULL;
	const char *code;
	long status = 0;
	kvl_result res;

	*done = false;
	res = kvl_auth_post_form(auth, auth->tenant, "token", fields, &status, &body,
			err);
	if (res != KVL_OK)
		goto out;
	if (status == 200) {
		*done = true;
		res = kvl_auth_store_tokens(auth, auth->tenant, scope, body, err);
		goto out;
	}
	code = kvl_json_str(body, "error");
	if (code == NULL)
		code = "";
	if (strcmp(code, "authorization_pending") == 0)
		goto out;
	if (strcmp(code, "slow_down") == 0) {
		*interval = (long)clamp(*interval + SLOW_DOWN_STEP_S,
					MIN_POLL_S, MAX_POLL_S);
		kvl_log("device code: slow_down, polling every %ld s",
			*interval);
		goto out;
	}
	if (strcmp(code, "expired_token") == 0)
		res = kvl_auth_entra_error(body, status, "the sign-in code expired "
				  "before it was used; run 'kvlink login' "
				  "again", err);
	else if (strcmp(code, "authorization_declined") == 0)
		res = kvl_auth_entra_error(body, status, _("the sign-in was "
							   "declined in the "
							   "browser; run "
							   "'kvlink login' to "
							   "try again"), err);
	else
		res = kvl_auth_entra_error(body, status, _("run 'kvlink "
							   "login' to try "
							   "again"), err);
out:
	kvl_json_put_secret(body);
	return res;
}

static long monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec;
}

static kvl_result device_code_flow(struct kvl_auth *auth,
				   const char *arm_scope,
				   struct kvl_error *err)
{
	struct device_code dc = { 0 };
	char *scope = NULL;
	long interval, waited = 0, started;
	bool done = false;
	kvl_result res;

	if (asprintf(&scope, "%s offline_access openid profile",
		     arm_scope) < 0)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	res = request_device_code(auth, scope, &dc, err);
	if (res != KVL_OK)
		goto out;
	if (auth->sink != NULL && auth->sink->device_code != NULL)
		auth->sink->device_code(auth->sink->ctx, dc.message,
					dc.user_code, dc.verification_uri);
	kvl_log("device code issued, expires in %ld s, interval %ld s",
		dc.expires_in, dc.interval);

	interval = dc.interval;
	started = monotonic_s();
	while (!done) {
		if (waited + interval > dc.expires_in ||
		    monotonic_s() - started + interval > dc.expires_in) {
			res = kvl_error_set(err, KVL_ERR_AUTH,
					    _("the sign-in code expired after "
					      "%ld seconds without a sign-in; "
					      "run 'kvlink login' again"),
					    dc.expires_in);
			break;
		}
		if (!auth->wait(auth->wait_ctx, interval * 1000L)) {
			res = kvl_error_set(err, KVL_ERR_CANCELLED,
					    _("sign-in cancelled"));
			break;
		}
		waited += interval;
		res = poll_device_code(auth, &dc, arm_scope, &interval,
				       &done, err);
		if (res != KVL_OK)
			break;
	}
out:
	device_code_clear(&dc);
	free(scope);
	return res;
}

/*
 * Loads the cache once. A cache for another authority or client is
 * ignored, and an unreadable one only costs a warning.
 */
static void load_cache(struct kvl_auth *auth)
{
	struct kvl_error err;
	struct kvl_token_cache *c = &auth->cache;

	if (auth->cache_loaded)
		return;
	auth->cache_loaded = true;
	kvl_error_init(&err);
	if (auth->cache_path != NULL && auth->cache_key_path != NULL) {
		if (kvl_token_cache_load(auth->cache_path,
					 auth->cache_key_path, c,
					 &err) != KVL_OK ||
		    err.message != NULL)
			kvl_sink_message(auth->sink, KVL_LEVEL_WARNING, "%s",
					 err.message ? err.message
						     : "cannot read the "
						       "token cache");
	}
	if (c->authority != NULL &&
	    (strcmp(c->authority, auth->cloud->authority_host) != 0 ||
	     strcmp(c->client_id, auth->client_id) != 0)) {
		kvl_log("token cache is for another authority or client id; "
			"ignoring it");
		kvl_token_cache_clear(c);
	}
	if (c->authority == NULL) {
		kvl_token_cache_clear(c);
		c->authority = strdup(auth->cloud->authority_host);
		c->client_id = strdup(auth->client_id);
	}
	kvl_error_clear(&err);
}

#define NOT_SIGNED_IN \
	"not signed in, and no other credential was found; run 'kvlink " \
	"login' in a terminal, set AZURE_TENANT_ID and AZURE_CLIENT_ID " \
	"with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or " \
	"AZURE_FEDERATED_TOKEN_FILE, set IDENTITY_ENDPOINT and " \
	"IDENTITY_HEADER, or sign in to the Azure CLI with 'az login'"

static kvl_result acquire(struct kvl_auth *auth, const char *tenant,
			  const char *scope, struct kvl_error *err)
{
	switch (auth->used) {
	case KVL_AUTH_SERVICE:
		return service_token(auth, scope, err);
	case KVL_AUTH_ENVIRONMENT:
	case KVL_AUTH_WORKLOAD_IDENTITY:
	case KVL_AUTH_MANAGED_IDENTITY:
	case KVL_AUTH_AZURE_CLI:
		return kvl_auth_method_token(auth, tenant, scope, err);
	default:
		break;
	}
	if (auth->cache.refresh_token != NULL)
		return refresh_token(auth, tenant, scope, err);
	return kvl_error_set(err, KVL_ERR_AUTH, NOT_SIGNED_IN);
}

kvl_result kvl_auth_token(struct kvl_auth *auth, const char *scope,
			  const char *tenant, const char **token,
			  struct kvl_error *err)
{
	const struct kvl_token *t;
	kvl_result res;

	*token = NULL;
	load_cache(auth);
	/* The service identity and a managed identity always sign in to
	 * their own tenant. */
	if (tenant == NULL || auth->used == KVL_AUTH_SERVICE ||
	    auth->used == KVL_AUTH_MANAGED_IDENTITY)
		tenant = auth->tenant;
	t = kvl_token_cache_find(&auth->cache, tenant, scope, now_s());
	if (t == NULL) {
		res = acquire(auth, tenant, scope, err);
		if (res != KVL_OK)
			return res;
		save_cache(auth);
		t = kvl_token_cache_find(&auth->cache, tenant, scope,
					 now_s());
	}
	if (t == NULL)
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("the sign-in service returned a token "
				       "that expires too soon; check the "
				       "system clock"));
	*token = t->access_token;
	return KVL_OK;
}

/* Reads who is signed in from the Resource Manager token. */
static kvl_result load_identity(struct kvl_auth *auth, const char *token,
				struct kvl_error *err)
{
	kvl_result res;

	kvl_identity_clear(&auth->identity);
	res = kvl_identity_from_jwt(token, &auth->identity, NULL, err);
	if (res != KVL_OK)
		return res;
	if (auth->identity.object_id == NULL) {
		kvl_identity_clear(&auth->identity);
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("the access token has no object id "
				       "(oid claim)"));
	}
	auth->signed_in = true;
	kvl_log("signed in as object %s in tenant %s",
		auth->identity.object_id,
		auth->identity.tenant_id ? auth->identity.tenant_id : "-");
	return KVL_OK;
}

/* Forgets the in-memory tokens; keep_file false also stops the cache
 * file from being read, for methods that never use it. */
static kvl_result reset_cache(struct kvl_auth *auth, bool keep_file)
{
	kvl_token_cache_clear(&auth->cache);
	auth->cache_loaded = !keep_file;
	if (keep_file)
		return KVL_OK;
	auth->cache.authority = strdup(auth->cloud->authority_host);
	auth->cache.client_id = strdup(auth->client_id);
	if (auth->cache.authority == NULL || auth->cache.client_id == NULL)
		return KVL_ERR_NOMEM;
	return KVL_OK;
}

/* Gets a Resource Manager token with auth->used and reads the identity
 * from it. */
static kvl_result first_token(struct kvl_auth *auth, const char *arm_scope,
			      struct kvl_error *err)
{
	const char *token;
	kvl_result res;

	res = kvl_auth_token(auth, arm_scope, NULL, &token, err);
	if (res == KVL_OK)
		res = load_identity(auth, token, err);
	return res;
}

/* Signs in with env, workload identity, managed identity or the Azure
 * CLI, whose tokens stay in memory only. */
static kvl_result sign_in_app(struct kvl_auth *auth,
			      enum kvl_auth_method method,
			      const char *arm_scope, struct kvl_error *err)
{
	kvl_result res;

	if (reset_cache(auth, false) != KVL_OK)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	res = kvl_auth_method_prepare(auth, method, err);
	if (res == KVL_OK) {
		auth->used = method;
		res = first_token(auth, arm_scope, err);
	}
	if (res != KVL_OK) {
		auth->used = KVL_AUTH_AUTO;
		if (reset_cache(auth, true) != KVL_OK)
			return kvl_error_set(err, KVL_ERR_NOMEM,
					     _("out of memory"));
	}
	return res;
}

static kvl_result sign_in_interactive(struct kvl_auth *auth,
				      const char *arm_scope, bool interactive,
				      struct kvl_error *err)
{
	kvl_result res;

	if (!interactive)
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("not signed in; the device code flow "
				       "needs a terminal: run 'kvlink login' "
				       "in one, or set AZURE_TENANT_ID, "
				       "AZURE_CLIENT_ID and "
				       "AZURE_CLIENT_SECRET and use --auth "
				       "env"));
	load_cache(auth);
	auth->used = KVL_AUTH_DEVICE_CODE;
	kvl_sink_progress(auth->sink, _("Signing in"));
	res = device_code_flow(auth, arm_scope, err);
	if (res != KVL_OK)
		return res;
	save_cache(auth);
	return first_token(auth, arm_scope, err);
}

/* Whether the cache contains a refresh token or a usable Resource
 * Manager token. */
static bool cache_usable(struct kvl_auth *auth)
{
	char *arm_scope;
	bool usable;

	load_cache(auth);
	if (auth->cache.refresh_token != NULL)
		return true;
	arm_scope = kvl_cloud_arm_scope(auth->cloud);
	usable = arm_scope != NULL &&
		 kvl_token_cache_find(&auth->cache, auth->tenant, arm_scope,
				      now_s()) != NULL;
	free(arm_scope);
	return usable;
}

/* Signs in with the sign-in saved by an earlier 'kvlink login'. */
static kvl_result sign_in_cached(struct kvl_auth *auth, const char *arm_scope,
				 struct kvl_error *err)
{
	if (!cache_usable(auth))
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("there is no saved kvlink sign-in; run "
				       "'kvlink login' in a terminal first"));
	auth->used = KVL_AUTH_CACHED;
	return first_token(auth, arm_scope, err);
}

/* Whether method is one of kvlink's own sign-ins, which need no
 * credential from the environment or another tool. */
static bool is_own_method(enum kvl_auth_method method)
{
	return method == KVL_AUTH_CACHED || method == KVL_AUTH_DEVICE_CODE;
}

static kvl_result sign_in_with(struct kvl_auth *auth,
			       enum kvl_auth_method method, bool interactive,
			       const char *arm_scope, struct kvl_error *err)
{
	kvl_result res;

	if (auth->own_sign_in_only && !is_own_method(method))
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("--auth %s is not allowed here: only "
				       "'kvlink login' (device code) and its "
				       "saved sign-in may be used; leave out "
				       "--auth or use --auth device-code"),
				     kvl_auth_method_name(method));
	switch (method) {
	case KVL_AUTH_DEVICE_CODE:
		return sign_in_interactive(auth, arm_scope, interactive, err);
	case KVL_AUTH_CACHED:
		return sign_in_cached(auth, arm_scope, err);
	default:
		break;
	}
	res = sign_in_app(auth, method, arm_scope, err);
	/* A bad input (a missing file, a wrong password) is a failed
	 * sign-in too, exit status 4 for the command line. */
	if (res == KVL_ERR_INVALID || res == KVL_ERR_IO ||
	    res == KVL_ERR_NOT_FOUND)
		err->result = res = KVL_ERR_AUTH;
	return res;
}

/* Whether --auth auto may go on to the next method after method failed
 * with res: after a cached sign-in or the Azure CLI when the device code
 * flow can still follow, and after the instance metadata service, which
 * fails on Azure VMs that have no managed identity. */
static bool may_try_next(enum kvl_auth_method method, kvl_result res,
			 bool interactive)
{
	bool app_service;

	if (res == KVL_ERR_CANCELLED || res == KVL_ERR_NOMEM)
		return false;
	switch (method) {
	case KVL_AUTH_CACHED:
		return interactive && res != KVL_ERR_NETWORK &&
		       res != KVL_ERR_TLS;
	case KVL_AUTH_AZURE_CLI:
		return interactive;
	case KVL_AUTH_MANAGED_IDENTITY:
		(void)kvl_managed_identity_endpoint(&app_service);
		return !app_service;
	default:
		return false;
	}
}

/*
 * The order of --auth auto. Variables set for this process and a saved
 * 'kvlink login' each name an identity on purpose, so they come before
 * the managed identity, which every process on the host can use (App
 * Service sets IDENTITY_ENDPOINT for all of them). The Azure CLI's
 * sign-in is shared by every tool, so a managed identity wins over it.
 */
static const enum kvl_auth_method auto_chain[] = {
	KVL_AUTH_ENVIRONMENT, KVL_AUTH_WORKLOAD_IDENTITY, KVL_AUTH_CACHED,
	KVL_AUTH_MANAGED_IDENTITY, KVL_AUTH_AZURE_CLI, KVL_AUTH_DEVICE_CODE,
};

/* Whether method's inputs are there; the device code flow's input is a
 * person at a terminal. */
static bool method_ready(struct kvl_auth *auth, enum kvl_auth_method method,
			 bool interactive, const char **why)
{
	*why = NULL;
	if (auth->own_sign_in_only && !is_own_method(method)) {
		*why = "only kvlink's own sign-in is allowed here";
		return false;
	}
	if (method == KVL_AUTH_CACHED) {
		*why = "there is no saved kvlink sign-in";
		return cache_usable(auth);
	}
	if (method == KVL_AUTH_DEVICE_CODE) {
		*why = "there is no terminal";
		return interactive;
	}
	return kvl_auth_method_ready(auth, method, why);
}

static kvl_result sign_in_auto(struct kvl_auth *auth, bool interactive,
			       const char *arm_scope, struct kvl_error *err)
{
	size_t n = sizeof(auto_chain) / sizeof(*auto_chain);
	const char *why;
	kvl_result res;

	for (size_t i = 0; i < n; i++) {
		enum kvl_auth_method m = auto_chain[i];

		if (!method_ready(auth, m, interactive, &why)) {
			kvl_log("sign-in: skipping %s: %s",
				kvl_auth_method_name(m), why ? why : "-");
			continue;
		}
		kvl_log("sign-in: trying %s", kvl_auth_method_name(m));
		res = sign_in_with(auth, m, interactive, arm_scope, err);
		if (res == KVL_OK || !may_try_next(m, res, interactive))
			return res;
		kvl_log("sign-in: %s failed (%s); trying the next method",
			kvl_auth_method_name(m), kvl_result_name(res));
		kvl_error_clear(err);
		if (m == KVL_AUTH_CACHED) {
			kvl_free_secret(auth->cache.refresh_token);
			auth->cache.refresh_token = NULL;
		}
	}
	if (auth->own_sign_in_only)
		return kvl_error_set(err, KVL_ERR_AUTH,
				     _("not signed in; run 'kvlink login' in "
				       "a terminal first"));
	return kvl_error_set(err, KVL_ERR_AUTH, NOT_SIGNED_IN);
}

/* The service identity may hold no role in Resource Manager at all, so
 * its sign-in asks for a Key Vault token, the one it is there for. */
static kvl_result sign_in_service(struct kvl_auth *auth,
				  struct kvl_error *err)
{
	char *scope = kvl_cloud_vault_scope(auth->cloud);
	const char *token;
	kvl_result res;

	if (scope == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	res = kvl_auth_token(auth, scope, NULL, &token, err);
	if (res == KVL_OK)
		res = load_identity(auth, token, err);
	free(scope);
	return res;
}

kvl_result kvl_auth_sign_in(struct kvl_auth *auth, bool interactive,
			    struct kvl_error *err)
{
	char *arm_scope;
	kvl_result res;

	if (auth->used == KVL_AUTH_SERVICE)
		return sign_in_service(auth, err);
	arm_scope = kvl_cloud_arm_scope(auth->cloud);
	if (arm_scope == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	if (auth->method == KVL_AUTH_AUTO)
		res = sign_in_auto(auth, interactive, arm_scope, err);
	else
		res = sign_in_with(auth, auth->method, interactive, arm_scope,
				   err);
	free(arm_scope);
	return res;
}

bool kvl_auth_has_cached(struct kvl_auth *auth)
{
	if (auth->signed_in || auth->used == KVL_AUTH_SERVICE)
		return true;
	return kvl_auth_ready_method(auth) != KVL_AUTH_AUTO;
}

enum kvl_auth_method kvl_auth_ready_method(struct kvl_auth *auth)
{
	size_t n = sizeof(auto_chain) / sizeof(*auto_chain);
	const char *why;

	if (auth->used == KVL_AUTH_SERVICE)
		return KVL_AUTH_SERVICE;
	if (auth->method != KVL_AUTH_AUTO)
		return method_ready(auth, auth->method, false, &why)
			? auth->method : KVL_AUTH_AUTO;
	for (size_t i = 0; i < n; i++) {
		if (method_ready(auth, auto_chain[i], false, &why))
			return auto_chain[i];
	}
	return KVL_AUTH_AUTO;
}

kvl_result kvl_auth_sign_out(struct kvl_auth *auth, struct kvl_error *err)
{
	char *authority = auth->cache.authority;
	char *client_id = auth->cache.client_id;

	auth->cache.authority = NULL;
	auth->cache.client_id = NULL;
	kvl_token_cache_clear(&auth->cache);
	auth->cache.authority = authority;
	auth->cache.client_id = client_id;
	kvl_identity_clear(&auth->identity);
	auth->signed_in = false;
	if (auth->cache_path != NULL && unlink(auth->cache_path) != 0 &&
	    errno != ENOENT)
		return kvl_error_set(err, KVL_ERR_IO,
				     _("cannot remove the token cache '%s': "
				       "%s"),
				     auth->cache_path, strerror(errno));
	kvl_log("signed out; token cache removed");
	return KVL_OK;
}
