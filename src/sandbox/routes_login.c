/*
 * Entra ID under /login: the device authorization grant, refresh tokens
 * and client credentials, on POST /{tenant}/oauth2/v2.0/devicecode and
 * /token. The device code flow approves by itself: the first poll of a
 * code gets authorization_pending, the next one the tokens.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sandbox/sandbox.h"

#define GRANT_DEVICE_CODE "urn:ietf:params:oauth:grant-type:device_code"
#define ASSERTION_TYPE_JWT \
	"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* Whether name addresses one of the sandbox's tenants. */
static bool tenant_matches(struct sb_sandbox *sb, const char *name)
{
	return sb_ieq(name, "organizations") || sb_ieq(name, "common") ||
	       sb_directory_find(sb->tenant, name) != NULL;
}

static bool has_scope(const char *scopes, const char *want)
{
	size_t len = strlen(want);
	const char *p = scopes;

	while (p != NULL && *p != '\0') {
		while (*p == ' ')
			p++;
		if (strncmp(p, want, len) == 0 &&
		    (p[len] == ' ' || p[len] == '\0'))
			return true;
		p = strchr(p, ' ');
	}
	return false;
}

/*
 * Finds the "<resource>/.default" scope and returns the resource if it is
 * one of the sandbox's three audiences (caller frees), else NULL.
 */
static char *scope_audience(struct sb_sandbox *sb, const char *scopes)
{
	static const char *const services[] = { "/arm", "/graph", "/kv" };
	char *copy, *save = NULL, *tok, *aud = NULL;
	size_t i;

	if (scopes == NULL)
		return NULL;
	copy = strdup(scopes);
	for (tok = strtok_r(copy, " ", &save); tok && aud == NULL;
	     tok = strtok_r(NULL, " ", &save)) {
		size_t len = strlen(tok);

		if (len < 9 || strcmp(tok + len - 9, "/.default") != 0)
			continue;
		tok[len - 9] = '\0';
		if (len > 9 && tok[len - 10] == '/')
			tok[len - 10] = '\0';
		for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
			char *want = sb_printf("%s%s", sb->base, services[i]);

			if (strcmp(tok, want) == 0)
				aud = want;
			else
				free(want);
		}
	}
	free(copy);
	return aud;
}

static void invalid_scope(struct sb_reply *reply, struct sb_sandbox *sb,
			  const char *scopes)
{
	sb_login_error(reply, 400, "invalid_scope", 70011,
		       "The provided value for the input parameter 'scope' "
		       "is not valid: '%s' names no resource of this "
		       "sandbox. Use %s/arm/.default, %s/graph/.default or "
		       "%s/kv/.default.", scopes, sb->base, sb->base,
		       sb->base);
}

static void add_string(json_object *obj, const char *key, const char *value)
{
	json_object_object_add(obj, key, json_object_new_string(value));
}

/* Claims for a user (principal from users) or an app (service
 * principal) token. */
static json_object *principal_claims(struct sb_sandbox *sb, const char *aud,
				     json_object *principal, bool is_app,
				     const char *client_id)
{
	json_object *c = sb_claims_new(sb, aud, SB_TOKEN_LIFETIME);
	const char *oid = sb_jstr(principal, "id");
	const char *tid = sb_entry_tenant(sb->tenant, principal);
	char *iss = sb_printf("%s/login/%s/v2.0", sb->base, tid);

	/* The principal's own tenant issues the token. */
	add_string(c, "tid", tid);
	add_string(c, "iss", iss);
	free(iss);

	add_string(c, "oid", oid);
	add_string(c, "sub", oid);
	add_string(c, "appid", client_id);
	if (is_app) {
		add_string(c, "idtyp", "app");
		add_string(c, "app_displayname",
			   sb_jstr(principal, "displayName"));
	} else {
		add_string(c, "idtyp", "user");
		add_string(c, "upn", sb_jstr(principal, "userPrincipalName"));
		add_string(c, "name", sb_jstr(principal, "displayName"));
		add_string(c, "scp", "user_impersonation");
	}
	return c;
}

static char *new_refresh_token(struct sb_sandbox *sb, const char *oid,
			       const char *client_id)
{
	json_object *grant = json_object_new_object();
	char token[49], hash[65];

	sb_random_text(token, sizeof(token));
	sb_known_issued(sb, "refresh token", token);
	sb_sha256_hex(token, hash);
	add_string(grant, "oid", oid);
	add_string(grant, "client_id", client_id);
	json_object_object_add(grant, "expires",
			       json_object_new_int64(sb_now() +
						     SB_REFRESH_LIFETIME));
	json_object_object_add(sb->refresh_tokens, hash, grant);
	return strdup(token);
}

static void add_token(struct sb_sandbox *sb, json_object *body,
		      const char *key, json_object *claims)
{
	char *jwt = sb_token_issue(sb, claims);

	add_string(body, key, jwt);
	OPENSSL_cleanse(jwt, strlen(jwt));
	free(jwt);
}

/* The 200 token response for a user; a refresh token comes with
 * offline_access (and always from the refresh grant). */
static void user_tokens(struct sb_request *req, struct sb_reply *reply,
			json_object *user, const char *client_id,
			const char *scopes, const char *aud,
			bool want_refresh)
{
	struct sb_sandbox *sb = req->sb;
	json_object *body = json_object_new_object();
	json_object *claims = principal_claims(sb, aud, user, false,
					       client_id);
	char *granted = sb_printf("%s/user_impersonation %s/.default", aud,
				  aud);

	add_string(body, "token_type", "Bearer");
	add_string(body, "scope", granted);
	json_object_object_add(body, "expires_in",
			       json_object_new_int(SB_TOKEN_LIFETIME));
	json_object_object_add(body, "ext_expires_in",
			       json_object_new_int(SB_TOKEN_LIFETIME));
	add_token(sb, body, "access_token", claims);
	if (want_refresh || has_scope(scopes, "offline_access")) {
		char *rt = new_refresh_token(sb, sb_jstr(user, "id"),
					     client_id);

		add_string(body, "refresh_token", rt);
		OPENSSL_cleanse(rt, strlen(rt));
		free(rt);
	}
	if (has_scope(scopes, "openid")) {
		json_object *id = principal_claims(sb, client_id, user, false,
						   client_id);

		add_string(id, "preferred_username",
			   sb_jstr(user, "userPrincipalName"));
		add_token(sb, body, "id_token", id);
		json_object_put(id);
	}
	snprintf(req->caller, sizeof(req->caller), "%s", sb_jstr(user, "id"));
	sb_reply_json(reply, 200, body);
	json_object_put(claims);
	free(granted);
}

static json_object *device_user(struct sb_sandbox *sb)
{
	const char *name = sb->opt.user ? sb->opt.user
					: sb_jstr(sb->tenant, "defaultUser");

	return sb_tenant_find_user(sb->tenant, name);
}

static void devicecode(struct sb_request *req, struct sb_reply *reply,
		       json_object *form)
{
	struct sb_sandbox *sb = req->sb;
	const char *client_id = sb_jstr(form, "client_id");
	const char *scopes = sb_jstr(form, "scope");
	json_object *body, *grant;
	char code[49], user_code[10], hash[65], *uri, *message, *aud;

	if (client_id == NULL || *client_id == '\0') {
		sb_login_error(reply, 400, "invalid_request", 900144,
			       "The request body must contain the following "
			       "parameter: 'client_id'.");
		return;
	}
	if (scopes == NULL || *scopes == '\0') {
		sb_login_error(reply, 400, "invalid_request", 900144,
			       "The request body must contain the following "
			       "parameter: 'scope'.");
		return;
	}
	aud = scope_audience(sb, scopes);
	if (aud == NULL && strstr(scopes, "/.default") != NULL) {
		invalid_scope(reply, sb, scopes);
		return;
	}
	free(aud);
	sb_random_text(code, sizeof(code));
	sb_random_text(user_code, sizeof(user_code));
	sb_known_issued(sb, "device code", code);
	sb_sha256_hex(code, hash);
	grant = json_object_new_object();
	add_string(grant, "client_id", client_id);
	add_string(grant, "scope", scopes);
	json_object_object_add(grant, "expires", json_object_new_int64(
				       sb_now() + sb->opt.code_lifetime));
	json_object_object_add(grant, "polls", json_object_new_int(0));
	json_object_object_add(sb->device_codes, hash, grant);

	uri = sb_printf("%s/login/device", sb->base);
	message = sb_printf("To sign in, use a web browser to open the page "
			    "%s and enter the code %s to authenticate.", uri,
			    user_code);
	body = json_object_new_object();
	add_string(body, "user_code", user_code);
	add_string(body, "device_code", code);
	add_string(body, "verification_uri", uri);
	json_object_object_add(body, "expires_in",
			       json_object_new_int(sb->opt.code_lifetime));
	json_object_object_add(body, "interval",
			       json_object_new_int(sb->opt.poll_interval));
	add_string(body, "message", message);
	sb_reply_json(reply, 200, body);
	free(uri);
	free(message);
}

static void grant_device_code(struct sb_request *req, struct sb_reply *reply,
			      json_object *form)
{
	struct sb_sandbox *sb = req->sb;
	const char *code = sb_jstr(form, "device_code");
	json_object *grant = NULL, *user;
	char hash[65], *aud;
	int polls;

	if (code != NULL) {
		sb_sha256_hex(code, hash);
		grant = sb_jobj(sb->device_codes, hash);
	}
	if (grant == NULL) {
		sb_login_error(reply, 400, "bad_verification_code", 70019,
			       "Verification code is not recognized. Request "
			       "a new device code.");
		return;
	}
	if (sb_now() >= sb_jint(grant, "expires", 0)) {
		sb_login_error(reply, 400, "expired_token", 70020,
			       "The provided value for the input parameter "
			       "'device_code' is not valid. This device code "
			       "has expired.");
		return;
	}
	polls = (int)sb_jint(grant, "polls", 0);
	json_object_object_add(grant, "polls",
			       json_object_new_int(polls + 1));
	if (polls == 0) {
		sb_login_error(reply, 400, "authorization_pending", 70016,
			       "OAuth 2.0 device flow error. Authorization is "
			       "pending. Continue polling.");
		return;
	}
	user = device_user(sb);
	if (user == NULL) {
		sb_login_error(reply, 400, "invalid_grant", 50034,
			       "The user account does not exist in the "
			       "directory. Check --user and the tenant file.");
		return;
	}
	user = sb_login_user_for(req, reply, user, false);
	if (user == NULL)
		return;
	aud = scope_audience(sb, sb_jstr(grant, "scope"));
	if (aud == NULL)
		aud = sb_printf("%s/arm", sb->base);
	user_tokens(req, reply, user, sb_jstr(grant, "client_id"),
		    sb_jstr(grant, "scope"), aud, false);
	free(aud);
	json_object_object_del(sb->device_codes, hash);
}

static void grant_refresh(struct sb_request *req, struct sb_reply *reply,
			  json_object *form)
{
	struct sb_sandbox *sb = req->sb;
	const char *token = sb_jstr(form, "refresh_token");
	const char *scopes = sb_jstr(form, "scope");
	const char *client_id = sb_jstr(form, "client_id");
	json_object *grant = NULL, *user;
	char hash[65], *aud;

	if (token != NULL) {
		sb_sha256_hex(token, hash);
		grant = sb_jobj(sb->refresh_tokens, hash);
	}
	if (grant == NULL || sb_now() >= sb_jint(grant, "expires", 0)) {
		sb_login_error(reply, 400, "invalid_grant", 9002313,
			       "Invalid request. Request is malformed or "
			       "invalid: the refresh token is unknown or "
			       "has expired. Sign in again.");
		return;
	}
	user = sb_tenant_find_user(sb->tenant, sb_jstr(grant, "oid"));
	aud = scope_audience(sb, scopes);
	if (scopes != NULL && aud == NULL) {
		invalid_scope(reply, sb, scopes);
		return;
	}
	if (aud == NULL)
		aud = sb_printf("%s/arm", sb->base);
	if (user == NULL) {
		sb_login_error(reply, 400, "invalid_grant", 50034,
			       "The user account does not exist in the "
			       "directory anymore.");
	} else {
		user = sb_login_user_for(req, reply, user, true);
	}
	if (user != NULL) {
		user_tokens(req, reply, user, client_id ? client_id
			    : sb_jstr(grant, "client_id"), scopes, aud, true);
		/* Under --single-use-refresh-tokens the redeemed token stops
		 * working, so a client must keep the one just issued. */
		if (sb->opt.single_use_refresh)
			json_object_object_del(sb->refresh_tokens, hash);
	}
	free(aud);
}

static bool secret_equal(const char *a, const char *b)
{
	size_t len = strlen(a);

	return b != NULL && len == strlen(b) && CRYPTO_memcmp(a, b, len) == 0;
}

/* Checks a client assertion against the certificates of sp; false with
 * reply filled when it is not acceptable. */
static bool assertion_valid(struct sb_request *req, struct sb_reply *reply,
			    json_object *form, json_object *sp,
			    const char *client_id)
{
	const char *type = sb_jstr(form, "client_assertion_type");
	char *audience = sb_printf("%s/login/%s/oauth2/v2.0/token",
				   req->sb->base, req->segs[0]);
	const char *problem, *assertion;

	if (!sb_ieq(type, ASSERTION_TYPE_JWT)) {
		sb_login_error(reply, 400, "invalid_request", 50027,
			       "client_assertion_type must be '%s'.",
			       ASSERTION_TYPE_JWT);
		free(audience);
		return false;
	}
	assertion = sb_jstr(form, "client_assertion");
	if (sb_assertion_is_federated(assertion, client_id))
		problem = sb_federated_problem(req->sb, sp, assertion);
	else
		problem = sb_assertion_problem(sp, assertion, client_id,
					       audience);
	free(audience);
	if (problem == NULL)
		return true;
	sb_login_error(reply, 401, "invalid_client", 700027,
		       "The client assertion for app '%s' was rejected: %s.",
		       client_id, problem);
	return false;
}

/* Authenticates the app with its client assertion or client secret;
 * false with reply filled when neither is valid. */
static bool client_valid(struct sb_request *req, struct sb_reply *reply,
			 json_object *form, json_object *sp,
			 const char *client_id)
{
	const char *secret = sb_jstr(form, "client_secret");

	if (sb_jstr(form, "client_assertion") != NULL)
		return assertion_valid(req, reply, form, sp, client_id);
	if (sb_jstr(sp, "clientSecret") != NULL && secret != NULL &&
	    secret_equal(sb_jstr(sp, "clientSecret"), secret))
		return true;
	sb_login_error(reply, 401, "invalid_client", 7000215,
		       "Invalid client secret provided. Ensure the "
		       "secret being sent in the request is the "
		       "client secret value, not the client secret "
		       "ID, for a secret added to app '%s'.", client_id);
	return false;
}

static void grant_client_credentials(struct sb_request *req,
				     struct sb_reply *reply,
				     json_object *form)
{
	struct sb_sandbox *sb = req->sb;
	const char *client_id = sb_jstr(form, "client_id");
	json_object *sp = sb_tenant_find_sp_by_app(sb->tenant, client_id);
	json_object *body, *claims;
	char *aud;

	if (sp == NULL) {
		sb_login_error(reply, 400, "unauthorized_client", 700016,
			       "Application with identifier '%s' was not "
			       "found in the directory '%s'.",
			       client_id ? client_id : "",
			       sb_jstr(sb_jobj(sb->tenant, "tenant"),
				       "displayName"));
		return;
	}
	if (!client_valid(req, reply, form, sp, client_id))
		return;
	aud = scope_audience(sb, sb_jstr(form, "scope"));
	if (aud == NULL) {
		sb_login_error(reply, 400, "invalid_scope", 1002012,
			       "The provided value for scope is not valid. "
			       "Client credential flows must have a scope "
			       "value with /.default suffixed to the resource "
			       "identifier (application ID URI).");
		return;
	}
	claims = principal_claims(sb, aud, sp, true, client_id);
	body = json_object_new_object();
	add_string(body, "token_type", "Bearer");
	json_object_object_add(body, "expires_in",
			       json_object_new_int(SB_TOKEN_LIFETIME));
	json_object_object_add(body, "ext_expires_in",
			       json_object_new_int(SB_TOKEN_LIFETIME));
	add_token(sb, body, "access_token", claims);
	snprintf(req->caller, sizeof(req->caller), "%s", sb_jstr(sp, "id"));
	sb_reply_json(reply, 200, body);
	json_object_put(claims);
	free(aud);
}

static void token(struct sb_request *req, struct sb_reply *reply,
		  json_object *form)
{
	const char *grant = sb_jstr(form, "grant_type");

	if (sb_ieq(grant, GRANT_DEVICE_CODE))
		grant_device_code(req, reply, form);
	else if (sb_ieq(grant, "refresh_token"))
		grant_refresh(req, reply, form);
	else if (sb_ieq(grant, "client_credentials"))
		grant_client_credentials(req, reply, form);
	else if (grant == NULL)
		sb_login_error(reply, 400, "invalid_request", 900144,
			       "The request body must contain the following "
			       "parameter: 'grant_type'.");
	else
		sb_login_error(reply, 400, "unsupported_grant_type", 70003,
			       "The app requested an unsupported grant type "
			       "'%s'.", grant);
}

/* Frees a parsed form after wiping its values: they include client
 * secrets and refresh tokens. */
static void form_free(json_object *form)
{
	json_object_object_foreach(form, key, value) {
		(void)key;
		OPENSSL_cleanse((char *)json_object_get_string(value),
				(size_t)json_object_get_string_len(value));
	}
	json_object_put(form);
}

static void device_page(struct sb_reply *reply)
{
	sb_reply_text(reply, 200, "text/plain; charset=utf-8",
		      "kvlink-sandbox approves every device code by itself: "
		      "there is nothing to enter here.\n");
}

static void discovery(struct sb_request *req, struct sb_reply *reply,
		      const char *tenant_name)
{
	if (strcmp(req->method, "GET") != 0)
		sb_login_error(reply, 405, "invalid_request", 900561,
			       "The endpoint only accepts GET requests. "
			       "Received a %s request.", req->method);
	else if (!tenant_matches(req->sb, tenant_name))
		sb_login_error(reply, 400, "invalid_tenant", 90002,
			       "Tenant '%s' not found. Check to make sure you "
			       "have the correct tenant ID.", tenant_name);
	else
		sb_login_discovery(req, reply, tenant_name);
}

void sb_route_login(struct sb_request *req, struct sb_reply *reply)
{
	char **s = req->segs;
	json_object *form;

	if (req->n_segs == 1 && strcmp(s[0], "device") == 0) {
		device_page(reply);
		return;
	}
	if (req->n_segs == 4 && strcmp(s[1], "v2.0") == 0 &&
	    strcmp(s[2], ".well-known") == 0 &&
	    strcmp(s[3], "openid-configuration") == 0) {
		discovery(req, reply, s[0]);
		return;
	}
	if (req->n_segs != 4 || strcmp(s[1], "oauth2") != 0 ||
	    strcmp(s[2], "v2.0") != 0 ||
	    (strcmp(s[3], "token") != 0 && strcmp(s[3], "devicecode") != 0)) {
		sb_login_error(reply, 404, "invalid_request", 90011,
			       "The endpoint %s does not exist.", req->path);
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		sb_login_error(reply, 405, "invalid_request", 900561,
			       "The endpoint only accepts POST requests. "
			       "Received a %s request.", req->method);
		return;
	}
	if (!tenant_matches(req->sb, s[0])) {
		sb_login_error(reply, 400, "invalid_request", 90002,
			       "Tenant '%s' not found. Check to make sure you "
			       "have the correct tenant ID.", s[0]);
		return;
	}
	form = sb_form_parse(req->body);
	if (strcmp(s[3], "devicecode") == 0)
		devicecode(req, reply, form);
	else
		token(req, reply, form);
	form_free(form);
}
