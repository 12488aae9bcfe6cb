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
#include "core/buf.h"
#include "core/credential.h"
#include "core/crypto.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "core/tokencache.h"
#include "i18n.h"

#define GRANT_DEVICE_CODE "urn:ietf:params:oauth:grant-type:device_code"
#define ASSERTION_TYPE_JWT \
	"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define DEFAULT_POLL_S 5
#define DEFAULT_DEVICE_EXPIRY_S 900
#define SLOW_DOWN_STEP_S 5
/* Bounds on the lifetimes and poll interval Entra returns, so that an
 * absurd value can neither overflow the arithmetic nor stall sign-in. */
#define MAX_EXPIRES_IN_S 86400
#define MIN_POLL_S 1
#define MAX_POLL_S 60
#define WAIT_STEP_MS 100L

struct kvl_auth {
	struct kvl_http *http;
	const struct kvl_cloud *cloud;
	const struct kvl_sink *sink;
	enum kvl_auth_method method;
	char *tenant;		/* sign-in tenant */
	char *client_id;	/* public client for device code */
	char *cache_path;
	char *cache_key_path;
	struct kvl_token_cache cache;
	bool cache_loaded;
	bool use_secret;	/* sign in as the AZURE_* service principal */
	bool is_service;	/* sign in with the credential service */
	struct kvl_credential service;
	bool signed_in;
	struct kvl_identity identity;
	kvl_auth_wait_fn wait;
	void *wait_ctx;
};

/* One field of a token request form, sent URL-encoded. */
struct form_field {
	const char *name;
	const char *value;
};

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

static bool secret_env_complete(void)
{
	return env_set("AZURE_TENANT_ID") && env_set("AZURE_CLIENT_ID") &&
	       env_set("AZURE_CLIENT_SECRET");
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
	auth->is_service = true;
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
		return kvl_error_set(err, res, "access token is not a JWT");
	payload = strndup(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (payload == NULL ||
	    kvl_base64url_decode(payload, &json, NULL) != KVL_OK) {
		kvl_error_set(err, res,
			      "access token payload is not base64url");
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

/* {authority}/{tenant}/oauth2/v2.0/{endpoint}; the caller frees it. */
static char *endpoint_url(const struct kvl_auth *auth, const char *tenant,
			  const char *endpoint)
{
	struct kvl_buf url;

	kvl_buf_init(&url);
	kvl_buf_addf(&url, "%s/", auth->cloud->authority_host);
	kvl_buf_add_urlencoded(&url, tenant);
	kvl_buf_addf(&url, "/oauth2/v2.0/%s", endpoint);
	return kvl_buf_detach(&url);
}

/*
 * POSTs URL-encoded fields to {authority}/{tenant}/oauth2/v2.0/{endpoint}
 * and wipes the encoded form afterwards. *status gets the HTTP status and
 * *body the parsed JSON, whatever the status.
 */
static kvl_result post_form(struct kvl_auth *auth, const char *tenant,
			    const char *endpoint,
			    const struct form_field *fields, long *status,
			    json_object **body, struct kvl_error *err)
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
	url = endpoint_url(auth, tenant, endpoint);
	if (form.data == NULL || url == NULL) {
		res = kvl_error_set(err, KVL_ERR_NOMEM, "out of memory");
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
	if (res != KVL_OK && resp.status != 200) {
		/* Not JSON at all: report the HTTP status instead. */
		kvl_error_clear(err);
		res = kvl_http_check(&resp, "sign in", err);
		if (res == KVL_OK)
			res = KVL_ERR_AUTH;
	}
	kvl_http_response_clear(&resp);
out:
	kvl_buf_clear(&form);
	free(url);
	return res;
}

/* Fills err from an Entra error body, as KVL_ERR_AUTH. */
static kvl_result entra_error(json_object *body, long status,
			      const char *advice, struct kvl_error *err)
{
	const char *code = kvl_json_str(body, "error");
	const char *text = kvl_json_str(body, "error_description");
	const char *correlation = kvl_json_str(body, "correlation_id");

	kvl_error_set(err, KVL_ERR_AUTH, "sign-in failed (HTTP %ld); %s",
		      status, advice);
	kvl_error_operation(err, "sign in");
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

/*
 * Stores the tokens of a successful token response under (tenant,
 * scope), replacing the refresh token when a new one came back.
 */
static kvl_result store_tokens(struct kvl_auth *auth, const char *tenant,
			       const char *scope, json_object *body,
			       struct kvl_error *err)
{
	const char *access = kvl_json_str(body, "access_token");
	const char *refresh = kvl_json_str(body, "refresh_token");
	int64_t expires_in = clamp(kvl_json_int64(body, "expires_in", 3599),
				   0, MAX_EXPIRES_IN_S);

	if (access == NULL || access[0] == '\0')
		return kvl_error_set(err, KVL_ERR_PARSE,
				     "the sign-in service returned no access "
				     "token");
	if (refresh != NULL && refresh[0] != '\0') {
		char *copy = strdup(refresh);

		if (copy == NULL)
			return kvl_error_set(err, KVL_ERR_NOMEM, "no memory");
		kvl_free_secret(auth->cache.refresh_token);
		auth->cache.refresh_token = copy;
	}
	if (kvl_token_cache_put(&auth->cache, tenant, scope, access,
				now_s() + expires_in) != KVL_OK)
		return kvl_error_set(err, KVL_ERR_NOMEM, "out of memory");
	return KVL_OK;
}

static void save_cache(struct kvl_auth *auth)
{
	struct kvl_error err;

	if (auth->cache_path == NULL || auth->cache_key_path == NULL ||
	    auth->use_secret)
		return;
	kvl_error_init(&err);
	if (kvl_token_cache_save(auth->cache_path, auth->cache_key_path,
				 &auth->cache, &err) != KVL_OK)
		kvl_sink_message(auth->sink, KVL_LEVEL_WARNING,
				 "could not save the sign-in: %s",
				 err.message ? err.message : "unknown error");
	kvl_error_clear(&err);
}

/* Client credentials grant with AZURE_CLIENT_SECRET, read and wiped here. */
static kvl_result client_secret_token(struct kvl_auth *auth,
				      const char *tenant, const char *scope,
				      struct kvl_error *err)
{
	char *secret = dup_or_null(getenv("AZURE_CLIENT_SECRET"));
	struct form_field fields[] = {
		{ "client_id", getenv("AZURE_CLIENT_ID") },
		{ "client_secret", secret },
		{ "grant_type", "client_credentials" },
		{ "scope", scope },
		{ NULL, NULL },
	};
	json_object *body = NULL;
	long status = 0;
	kvl_result res;

	if (secret == NULL || fields[0].value == NULL) {
		kvl_free_secret(secret);
		return kvl_error_set(err, KVL_ERR_AUTH,
				     "set AZURE_TENANT_ID, AZURE_CLIENT_ID and "
				     "AZURE_CLIENT_SECRET to sign in as a "
				     "service principal");
	}
	res = post_form(auth, tenant, "token", fields, &status, &body, err);
	kvl_free_secret(secret);
	if (res != KVL_OK)
		goto out;
	if (status != 200)
		res = entra_error(body, status, "check AZURE_TENANT_ID, "
				  "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
				  err);
	else
		res = store_tokens(auth, tenant, scope, body, err);
out:
	kvl_json_put_secret(body);
	return res;
}

/* The advice shown when the service identity fails to sign in. */
#define SERVICE_ADVICE \
	"check the service identity with 'kvlink env identity show' and " \
	"set it again with 'kvlink env identity set'"

/* Client credentials grant of the service identity, with its client
 * secret or a client assertion signed by its certificate. */
static kvl_result service_grant(struct kvl_auth *auth, const char *scope,
				struct kvl_error *err)
{
	const struct kvl_credential *c = &auth->service;
	bool with_cert = c->kind == KVL_CREDENTIAL_CERTIFICATE;
	struct form_field fields[6] = { { NULL, NULL } };
	char *assertion = NULL, *audience = NULL;
	json_object *body = NULL;
	long status = 0;
	kvl_result res = KVL_OK;

	if (with_cert) {
		audience = endpoint_url(auth, auth->tenant, "token");
		if (audience == NULL)
			return kvl_error_set(err, KVL_ERR_NOMEM,
					     "out of memory");
		res = kvl_client_assertion(c->certificate_path, c->client_id,
					   audience, now_s(), &assertion, err);
		if (res != KVL_OK)
			goto out;
	}
	fields[0] = (struct form_field){ "client_id", c->client_id };
	fields[1] = (struct form_field){ "grant_type", "client_credentials" };
	fields[2] = (struct form_field){ "scope", scope };
	if (with_cert) {
		fields[3] = (struct form_field){ "client_assertion_type",
						 ASSERTION_TYPE_JWT };
		fields[4] = (struct form_field){ "client_assertion",
						 assertion };
	} else {
		fields[3] = (struct form_field){ "client_secret",
						 c->client_secret };
	}
	res = post_form(auth, auth->tenant, "token", fields, &status, &body,
			err);
	if (res == KVL_OK && status != 200)
		res = entra_error(body, status, SERVICE_ADVICE, err);
	else if (res == KVL_OK)
		res = store_tokens(auth, auth->tenant, scope, body, err);
out:
	kvl_json_put_secret(body);
	kvl_free_secret(assertion);
	free(audience);
	return res;
}

/* A token from the managed identity endpoint, which names the resource
 * rather than a scope. */
static kvl_result service_managed(struct kvl_auth *auth, const char *scope,
				  struct kvl_error *err)
{
	size_t len = strlen(scope);
	char *resource, *token = NULL;
	int64_t expires_at = 0;
	kvl_result res;

	if (len > 9 && strcmp(scope + len - 9, "/.default") == 0)
		len -= 9;
	resource = strndup(scope, len);
	if (resource == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, "out of memory");
	res = kvl_managed_identity_token(auth->http, auth->service.client_id,
					 resource, &token, &expires_at, err);
	if (res == KVL_OK &&
	    kvl_token_cache_put(&auth->cache, auth->tenant, scope, token,
				expires_at) != KVL_OK)
		res = kvl_error_set(err, KVL_ERR_NOMEM, "out of memory");
	kvl_free_secret(token);
	free(resource);
	return res;
}

static kvl_result service_token(struct kvl_auth *auth, const char *scope,
				struct kvl_error *err)
{
	kvl_result res;

	if (auth->service.kind == KVL_CREDENTIAL_MANAGED_IDENTITY)
		res = service_managed(auth, scope, err);
	else
		res = service_grant(auth, scope, err);
	if (res != KVL_OK)
		kvl_error_operation(err, "sign in as the service identity");
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
		return kvl_error_set(err, KVL_ERR_NOMEM, "out of memory");
	struct form_field fields[] = {
		{ "client_id", auth->client_id },
		{ "grant_type", "refresh_token" },
		{ "refresh_token", auth->cache.refresh_token },
		{ "scope", full_scope },
		{ NULL, NULL },
	};

	res = post_form(auth, tenant, "token", fields, &status, &body, err);
	if (res != KVL_OK)
		goto out;
	if (status == 200) {
		res = store_tokens(auth, tenant, scope, body, err);
		goto out;
	}
	code = kvl_json_str(body, "error");
	if (code != NULL && strcmp(code, "invalid_grant") == 0)
		res = entra_error(body, status, "the saved sign-in is no "
				  "longer valid; sign in again with "
				  "'kvlink login'", err);
	else
		res = entra_error(body, status, "sign in again with 'kvlink "
				  "login' or check the tenant", err);
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
	struct form_field fields[] = {
		{ "client_id", auth->client_id },
		{ "scope", scope },
		{ NULL, NULL },
	};
	json_object *body = NULL;
	long status = 0;
	kvl_result res;

	res = post_form(auth, auth->tenant, "devicecode", fields, &status,
			&body, err);
	if (res != KVL_OK)
		goto out;
	if (status != 200) {
		res = entra_error(body, status, "check the tenant and client "
				  "id", err);
		goto out;
	}
	dc->device_code = kvl_json_strdup(body, "device_code");
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
				    "the sign-in service returned no device "
				    "code");
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
	struct form_field fields[] = {
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
	res = post_form(auth, auth->tenant, "token", fields, &status, &body,
			err);
	if (res != KVL_OK)
		goto out;
	if (status == 200) {
		*done = true;
		res = store_tokens(auth, auth->tenant, scope, body, err);
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
		res = entra_error(body, status, "the sign-in code expired "
				  "before it was used; run 'kvlink login' "
				  "again", err);
	else if (strcmp(code, "authorization_declined") == 0)
		res = entra_error(body, status, "the sign-in was declined in "
				  "the browser; run 'kvlink login' to try "
				  "again", err);
	else
		res = entra_error(body, status, "run 'kvlink login' to try "
				  "again", err);
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
		return kvl_error_set(err, KVL_ERR_NOMEM, "out of memory");
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
					    "the sign-in code expired after "
					    "%ld seconds without a sign-in; "
					    "run 'kvlink login' again",
					    dc.expires_in);
			break;
		}
		if (!auth->wait(auth->wait_ctx, interval * 1000L)) {
			res = kvl_error_set(err, KVL_ERR_CANCELLED,
					    "sign-in cancelled");
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

static kvl_result acquire(struct kvl_auth *auth, const char *tenant,
			  const char *scope, struct kvl_error *err)
{
	if (auth->is_service)
		return service_token(auth, scope, err);
	if (auth->use_secret)
		return client_secret_token(auth, tenant, scope, err);
	if (auth->cache.refresh_token != NULL)
		return refresh_token(auth, tenant, scope, err);
	return kvl_error_set(err, KVL_ERR_AUTH,
			     "not signed in; run 'kvlink login' in a terminal "
			     "or set AZURE_TENANT_ID, AZURE_CLIENT_ID and "
			     "AZURE_CLIENT_SECRET");
}

kvl_result kvl_auth_token(struct kvl_auth *auth, const char *scope,
			  const char *tenant, const char **token,
			  struct kvl_error *err)
{
	const struct kvl_token *t;
	kvl_result res;

	*token = NULL;
	load_cache(auth);
	/* The service identity always signs in to its own tenant. */
	if (tenant == NULL || auth->is_service)
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
				     "the sign-in service returned a token "
				     "that expires too soon; check the "
				     "system clock");
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
				     "the access token has no object id "
				     "(oid claim)");
	}
	auth->signed_in = true;
	kvl_log("signed in as object %s in tenant %s",
		auth->identity.object_id,
		auth->identity.tenant_id ? auth->identity.tenant_id : "-");
	return KVL_OK;
}

static kvl_result sign_in_with_secret(struct kvl_auth *auth,
				      const char *arm_scope,
				      struct kvl_error *err)
{
	const char *token;
	kvl_result res;

	if (!secret_env_complete())
		return kvl_error_set(err, KVL_ERR_AUTH,
				     "set AZURE_TENANT_ID, AZURE_CLIENT_ID "
				     "and AZURE_CLIENT_SECRET to sign in as "
				     "a service principal");
	auth->use_secret = true;
	free(auth->tenant);
	auth->tenant = strdup(getenv("AZURE_TENANT_ID"));
	kvl_token_cache_clear(&auth->cache);
	auth->cache_loaded = true;
	auth->cache.authority = strdup(auth->cloud->authority_host);
	auth->cache.client_id = strdup(getenv("AZURE_CLIENT_ID"));
	if (auth->tenant == NULL || auth->cache.client_id == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, "out of memory");
	res = kvl_auth_token(auth, arm_scope, NULL, &token, err);
	if (res == KVL_OK)
		res = load_identity(auth, token, err);
	return res;
}

static kvl_result sign_in_interactive(struct kvl_auth *auth,
				      const char *arm_scope, bool interactive,
				      struct kvl_error *err)
{
	const char *token;
	kvl_result res;

	if (!interactive)
		return kvl_error_set(err, KVL_ERR_AUTH,
				     "not signed in; run 'kvlink login' in a "
				     "terminal or set AZURE_TENANT_ID, "
				     "AZURE_CLIENT_ID and AZURE_CLIENT_SECRET");
	kvl_sink_progress(auth->sink, _("Signing in"));
	res = device_code_flow(auth, arm_scope, err);
	if (res != KVL_OK)
		return res;
	save_cache(auth);
	res = kvl_auth_token(auth, arm_scope, NULL, &token, err);
	if (res == KVL_OK)
		res = load_identity(auth, token, err);
	return res;
}

/* Tries the cached sign-in, which succeeds only if it yields a token. */
static kvl_result sign_in_cached(struct kvl_auth *auth, const char *arm_scope,
				 struct kvl_error *err)
{
	const char *token;
	kvl_result res;

	res = kvl_auth_token(auth, arm_scope, NULL, &token, err);
	if (res == KVL_OK)
		res = load_identity(auth, token, err);
	return res;
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
		return kvl_error_set(err, KVL_ERR_NOMEM, "out of memory");
	res = kvl_auth_token(auth, scope, NULL, &token, err);
	if (res == KVL_OK)
		res = load_identity(auth, token, err);
	free(scope);
	return res;
}

kvl_result kvl_auth_sign_in(struct kvl_auth *auth, bool interactive,
			    struct kvl_error *err)
{
	char *arm_scope = kvl_cloud_arm_scope(auth->cloud);
	struct kvl_error cached_err;
	kvl_result res;

	if (arm_scope == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, "out of memory");
	kvl_error_init(&cached_err);
	if (auth->is_service) {
		res = sign_in_service(auth, err);
		goto out;
	}
	if (auth->method == KVL_AUTH_CLIENT_SECRET ||
	    (auth->method == KVL_AUTH_AUTO && secret_env_complete())) {
		res = sign_in_with_secret(auth, arm_scope, err);
		goto out;
	}
	load_cache(auth);
	if (auth->method == KVL_AUTH_AUTO && kvl_auth_has_cached(auth)) {
		res = sign_in_cached(auth, arm_scope, &cached_err);
		if (res == KVL_OK || res == KVL_ERR_CANCELLED ||
		    res == KVL_ERR_NETWORK || res == KVL_ERR_TLS ||
		    !interactive) {
			kvl_error_move(err, &cached_err);
			goto out;
		}
		kvl_log("cached sign-in failed (%s); starting a new sign-in",
			kvl_result_name(res));
		kvl_free_secret(auth->cache.refresh_token);
		auth->cache.refresh_token = NULL;
	}
	res = sign_in_interactive(auth, arm_scope, interactive, err);
out:
	kvl_error_clear(&cached_err);
	free(arm_scope);
	return res;
}

bool kvl_auth_has_cached(struct kvl_auth *auth)
{
	char *arm_scope;
	bool usable;

	if (auth->use_secret || auth->is_service)
		return true;
	if (auth->method == KVL_AUTH_DEVICE_CODE)
		return false;
	if (auth->method == KVL_AUTH_CLIENT_SECRET || secret_env_complete())
		return secret_env_complete();
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
				     "cannot remove the token cache '%s': %s",
				     auth->cache_path, strerror(errno));
	kvl_log("signed out; token cache removed");
	return KVL_OK;
}
