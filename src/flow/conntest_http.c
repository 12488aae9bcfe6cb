/*
 * Connection tests of the vendors reached over HTTPS: one read-only GET
 * that needs the credential, and for Marketo the client credentials
 * token request before it. Each vendor is one row of a table. A
 * connectionTargets base URL of the cloud profile replaces the vendor's
 * host (and an account's own host) for tests against a stand-in.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/httpprobe.h"
#include "core/jsonutil.h"
#include "core/sanitize.h"
#include "flow/conntest.h"
#include "i18n.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Maximum width of the vendor error text kept, in columns. */
#define VENDOR_MESSAGE_MAX 300

/* Placement of the credential in the request. */
enum http_auth {
	AUTH_HEADER,	/* header_prefix followed by the credential */
	AUTH_BASIC,	/* HTTP Basic: the user_field value and the secret */
	AUTH_TOKEN,	/* client credentials token first, then Bearer */
};

struct http_vendor {
	const char *type_id;
	/* Production base URL; NULL: "https://" and the host_field value. */
	const char *base;
	const char *host_field;
	const char *path;		/* the read-only request */
	const char *credential;		/* key of the credential field */
	enum http_auth auth;
	const char *header_prefix;	/* AUTH_HEADER: "Api-Token: " */
	const char *user_field;		/* AUTH_BASIC, AUTH_TOKEN */
	const char *const *headers;	/* fixed extra headers, or NULL */
	/* Judges a 2xx response for vendors that report errors inside
	 * one; NULL: any 2xx passes. */
	enum kvl_probe_step (*judge)(json_object *body);
};

static const char *const json_accept[] = {
	"Accept: application/json", NULL,
};

/* Klaviyo's API is versioned by date: a missing revision is rejected. */
static const char *const klaviyo_headers[] = {
	"Accept: application/vnd.api+json", "revision: 2024-10-15", NULL,
};

static enum kvl_probe_step marketo_judge(json_object *body);

static const struct http_vendor vendors[] = {
	{ "activecampaign", NULL, "api_host", "/api/3/users/me", "api_key",
	  AUTH_HEADER, "Api-Token: ", NULL, json_accept, NULL },
	{ "autopilot", "https://api2.autopilothq.com", NULL, "/v1/account",
	  "api_key", AUTH_HEADER, "autopilotapikey: ", NULL, json_accept,
	  NULL },
	{ "dotdigital", "https://r1-api.dotdigital.com", NULL,
	  "/v2/account-info", "password", AUTH_BASIC, NULL, "api_user",
	  json_accept, NULL },
	{ "klaviyo", "https://a.klaviyo.com", NULL, "/api/accounts/",
	  "api_key", AUTH_HEADER, "Authorization: Klaviyo-API-Key ", NULL,
	  klaviyo_headers, NULL },
	{ "marketo", NULL, "rest_host", "/rest/v1/lists.json?batchSize=1",
	  "client_secret", AUTH_TOKEN, NULL, "client_id", json_accept,
	  marketo_judge },
	{ "omnisend", "https://api.omnisend.com", NULL,
	  "/v3/contacts?limit=1", "api_key", AUTH_HEADER, "X-API-KEY: ",
	  NULL, json_accept, NULL },
	{ "sendgrid", "https://api.sendgrid.com", NULL, "/v3/scopes",
	  "api_key", AUTH_HEADER, "Authorization: Bearer ", NULL,
	  json_accept, NULL },
	{ "sendinblue", "https://api.brevo.com", NULL, "/v3/account",
	  "api_key", AUTH_HEADER, "api-key: ", NULL, json_accept, NULL },
};

/*
 * Marketo returns 200 even when it rejects a call, with the reason in
 * "errors": codes 601 and 602 are a bad or expired token, 603 is a
 * missing permission of the API user's role.
 */
static enum kvl_probe_step marketo_judge(json_object *body)
{
	json_object *errors = kvl_json_path(body, "errors");
	const char *code = NULL;

	if (kvl_json_bool(body, "success", false))
		return KVL_PROBE_OK;
	if (json_object_is_type(errors, json_type_array) &&
	    json_object_array_length(errors) > 0)
		code = kvl_json_str(json_object_array_get_idx(errors, 0),
				    "code");
	if (code != NULL && (strcmp(code, "601") == 0 ||
			     strcmp(code, "602") == 0))
		return KVL_PROBE_AUTH;
	if (code != NULL && strcmp(code, "603") == 0)
		return KVL_PROBE_PERMISSION;
	return KVL_PROBE_RESPONSE;
}

static const struct http_vendor *vendor_find(const char *type_id)
{
	size_t i;

	for (i = 0; i < N_ELEMS(vendors); i++) {
		if (strcmp(vendors[i].type_id, type_id) == 0)
			return &vendors[i];
	}
	return NULL;
}

/* The step a status means when the response body is not judged. */
static enum kvl_probe_step step_of_status(long status)
{
	if (status >= 200 && status < 300)
		return KVL_PROBE_OK;
	if (status == 401)
		return KVL_PROBE_AUTH;
	if (status == 403)
		return KVL_PROBE_PERMISSION;
	return KVL_PROBE_RESPONSE;
}

/* The first error text found in a vendor's JSON error body. */
static const char *error_text(json_object *body)
{
	static const char *const paths[] = {
		"detail", "message", "title", "error_description", "error",
		"Message", "code",
	};
	json_object *errors = kvl_json_path(body, "errors");
	json_object *first = body;
	const char *text;
	size_t i;

	if (json_object_is_type(errors, json_type_array) &&
	    json_object_array_length(errors) > 0)
		first = json_object_array_get_idx(errors, 0);
	for (i = 0; i < N_ELEMS(paths); i++) {
		text = kvl_json_str(first, paths[i]);
		if (text == NULL && first != body)
			text = kvl_json_str(body, paths[i]);
		if (text != NULL && text[0] != '\0')
			return text;
	}
	return NULL;
}

/* Returns text with every copy of secret replaced by "<redacted>"; a
 * text that changes is wiped and freed. */
static char *redact(char *text, const char *secret)
{
	struct kvl_buf out;
	size_t len = secret != NULL ? strlen(secret) : 0;
	const char *p = text, *hit;

	if (text == NULL || len < 4 || strstr(text, secret) == NULL)
		return text;
	kvl_buf_init(&out);
	while ((hit = strstr(p, secret)) != NULL) {
		kvl_buf_add(&out, p, (size_t)(hit - p));
		kvl_buf_adds(&out, "<redacted>");
		p = hit + len;
	}
	kvl_buf_adds(&out, p);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	return out.data != NULL ? kvl_buf_detach(&out) : NULL;
}

/*
 * The vendor's error text, safe to print: a vendor may quote the key it
 * rejected, so every credential and the token are cut out of it first.
 */
static char *vendor_message(const struct kvl_conntest_input *in,
			    const char *body, const char *token)
{
	json_object *doc = json_tokener_parse(body);
	char *text = NULL, *clean, *cut;
	size_t i;

	if (doc != NULL && error_text(doc) != NULL)
		text = strdup(error_text(doc));
	else if (doc == NULL && body[0] != '\0' && strlen(body) <= 200)
		text = strdup(body);
	kvl_json_put_secret(doc);
	for (i = 0; i < in->n_credentials; i++)
		text = redact(text, in->credentials[i].value);
	text = redact(text, token);
	if (text == NULL)
		return NULL;
	clean = kvl_sanitize(text);
	free(text);
	cut = clean != NULL ? kvl_truncate_cols(clean, VENDOR_MESSAGE_MAX)
			    : NULL;
	free(clean);
	return cut;
}

/* Base URL of the test: connectionTargets, the vendor's, or the
 * account's own host. */
static kvl_result base_url(const struct kvl_conntest_input *in,
			   const struct http_vendor *v, char **url,
			   struct kvl_error *err)
{
	const char *host;

	*url = NULL;
	if (in->base_url != NULL)
		*url = strdup(in->base_url);
	else if (v->base != NULL)
		*url = strdup(v->base);
	else {
		host = kvl_conntest_value(in, v->host_field);
		if (host == NULL || host[0] == '\0')
			return kvl_error_set(err, KVL_ERR_INVALID,
					     _("connection '%s' has no host "
					       "name to test; set it with "
					       "'kvlink connection edit'"),
					     in->conn->display_name);
		if (asprintf(url, "https://%s", host) < 0)
			*url = NULL;
	}
	if (*url == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

/* Fills out from one response, or failed exchange, with url. */
static kvl_result record(const struct kvl_conntest_input *in,
			 const char *url, const struct kvl_probe_response *r,
			 enum kvl_probe_step step, const char *token,
			 struct kvl_conntest_result *out)
{
	kvl_conntest_result_clear(out);
	out->step = step;
	out->http_status = r->status;
	out->target = strndup(url, strcspn(url, "?#"));
	if (r->transport_error != NULL)
		out->detail = kvl_sanitize(r->transport_error);
	if (step != KVL_PROBE_OK && r->body != NULL)
		out->vendor_message = vendor_message(in, r->body, token);
	return out->target != NULL ? KVL_OK : KVL_ERR_NOMEM;
}

static kvl_result send_probe(const struct kvl_conntest_input *in,
			     const char *method, const char *url,
			     const char *const *headers, size_t n_headers,
			     const char *body,
			     struct kvl_probe_response *resp,
			     struct kvl_error *err)
{
	struct kvl_probe_request req = {
		.method = method, .url = url, .headers = headers,
		.n_headers = n_headers, .body = body,
		.ca_bundle = in->ca_bundle, .sink = in->sink,
	};

	return kvl_probe_http(&req, resp, err);
}

/* Adds the fixed headers of v to the list; n is updated. */
static void add_fixed_headers(const struct http_vendor *v,
			      const char **list, size_t *n, size_t max)
{
	size_t i;

	for (i = 0; v->headers != NULL && v->headers[i] != NULL &&
		    *n < max; i++)
		list[(*n)++] = v->headers[i];
}

/* Whether value can go into a header line: no control character, so
 * that a line break in a secret cannot add a header of its own. */
static bool header_safe(const char *value)
{
	for (; value != NULL && *value != '\0'; value++) {
		if ((unsigned char)*value < 0x20 || *value == 0x7f)
			return false;
	}
	return true;
}

/* The Authorization-style header line with the credential, in memory
 * that is wiped when auth is cleared. */
static kvl_result auth_header(const struct kvl_conntest_input *in,
			      const struct http_vendor *v, const char *token,
			      struct kvl_buf *auth, struct kvl_error *err)
{
	const char *secret = kvl_conntest_value(in, v->credential);
	const char *user;
	struct kvl_buf pair;
	char *encoded;

	kvl_buf_init(auth);
	auth->secret = true;
	if (secret == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("connection '%s' has no credential for "
				       "field '%s'; set it with 'kvlink "
				       "connection edit'"),
				     in->conn->display_name, v->credential);
	if (v->auth != AUTH_BASIC &&
	    !header_safe(v->auth == AUTH_TOKEN ? token : secret))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("the credential of connection '%s' "
				       "contains a line break or another "
				       "control character, which an HTTP "
				       "header cannot carry; store it "
				       "without one"), in->conn->display_name);
	if (v->auth == AUTH_HEADER)
		kvl_buf_addf(auth, "%s%s", v->header_prefix, secret);
	else if (v->auth == AUTH_TOKEN)
		kvl_buf_addf(auth, "Authorization: Bearer %s", token);
	else {
		user = kvl_conntest_value(in, v->user_field);
		kvl_buf_init(&pair);
		pair.secret = true;
		kvl_buf_addf(&pair, "%s:%s", user != NULL ? user : "", secret);
		encoded = pair.data != NULL
			  ? kvl_base64_encode(pair.data, pair.len) : NULL;
		if (encoded != NULL)
			kvl_buf_addf(auth, "Authorization: Basic %s", encoded);
		kvl_free_secret(encoded);
		kvl_buf_clear(&pair);
	}
	if (auth->data == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

/*
 * Marketo: POST the client id and secret as a form body (never in the
 * URL, which proxies log) to get an access token. When the token request
 * fails, out is filled and token stays empty.
 */
static kvl_result marketo_token(const struct kvl_conntest_input *in,
				const struct http_vendor *v, const char *base,
				struct kvl_buf *token,
				struct kvl_conntest_result *out,
				struct kvl_error *err)
{
	static const char *const headers[] = {
		"Accept: application/json",
		"Content-Type: application/x-www-form-urlencoded",
	};
	const char *id = kvl_conntest_value(in, v->user_field);
	const char *secret = kvl_conntest_value(in, v->credential);
	struct kvl_probe_response resp = { 0 };
	struct kvl_buf form;
	json_object *doc = NULL;
	char *url = NULL;
	kvl_result r;

	kvl_buf_init(&form);
	form.secret = true;
	kvl_buf_adds(&form, "grant_type=client_credentials&client_id=");
	kvl_buf_add_urlencoded(&form, id != NULL ? id : "");
	kvl_buf_adds(&form, "&client_secret=");
	kvl_buf_add_urlencoded(&form, secret != NULL ? secret : "");
	if (form.data == NULL ||
	    asprintf(&url, "%s/identity/oauth/token", base) < 0) {
		kvl_buf_clear(&form);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}

	r = send_probe(in, "POST", url, headers, N_ELEMS(headers), form.data,
		       &resp, err);
	if (r == KVL_OK && resp.step == KVL_PROBE_OK && resp.status == 200)
		doc = json_tokener_parse(resp.body);
	if (kvl_json_str(doc, "access_token") != NULL)
		kvl_buf_adds(token, kvl_json_str(doc, "access_token"));
	else if (r == KVL_OK)
		r = record(in, url, &resp,
			   resp.step != KVL_PROBE_OK ? resp.step
			   : resp.status == 200 ? KVL_PROBE_RESPONSE
			   : step_of_status(resp.status), NULL, out);
	kvl_json_put_secret(doc);
	kvl_probe_response_clear(&resp);
	kvl_buf_clear(&form);
	free(url);
	return r;
}

/* Sends the read-only request of v and judges the response. */
static kvl_result read_once(const struct kvl_conntest_input *in,
			    const struct http_vendor *v, const char *base,
			    const char *token,
			    struct kvl_conntest_result *out,
			    struct kvl_error *err)
{
	struct kvl_probe_response resp = { 0 };
	const char *headers[8];
	enum kvl_probe_step step;
	struct kvl_buf auth;
	json_object *doc;
	char *url = NULL;
	size_t n = 0;
	kvl_result r;

	r = auth_header(in, v, token, &auth, err);
	if (r == KVL_OK && asprintf(&url, "%s%s", base, v->path) < 0) {
		url = NULL;
		r = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	if (r != KVL_OK)
		goto out;
	headers[n++] = auth.data;
	add_fixed_headers(v, headers, &n, N_ELEMS(headers));

	r = send_probe(in, "GET", url, headers, n, NULL, &resp, err);
	if (r != KVL_OK)
		goto out;
	step = resp.step != KVL_PROBE_OK ? resp.step
					 : step_of_status(resp.status);
	if (step == KVL_PROBE_OK && v->judge != NULL) {
		doc = json_tokener_parse(resp.body);
		step = v->judge(doc);
		json_object_put(doc);
	}
	r = record(in, url, &resp, step, token, out);
out:
	kvl_probe_response_clear(&resp);
	kvl_buf_clear(&auth);
	free(url);
	return r;
}

kvl_result kvl_conntest_http(const struct kvl_conntest_input *in,
			     struct kvl_conntest_result *out,
			     struct kvl_error *err)
{
	const struct http_vendor *v = vendor_find(in->type->id);
	struct kvl_buf token;
	char *base;
	kvl_result r;

	if (v == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("kvlink has no HTTP test for "
				       "connection type '%s'"), in->type->id);
	r = base_url(in, v, &base, err);
	if (r != KVL_OK)
		return r;
	kvl_buf_init(&token);
	token.secret = true;

	if (v->auth == AUTH_TOKEN)
		r = marketo_token(in, v, base, &token, out, err);
	/* A failed token request already filled out. */
	if (r == KVL_OK && (v->auth != AUTH_TOKEN || token.data != NULL))
		r = read_once(in, v, base, token.data, out, err);
	kvl_buf_clear(&token);
	free(base);
	return r;
}
