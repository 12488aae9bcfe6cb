/*
 * Stand-ins for the export vendors under /vendor/TYPE, for kvlink's
 * connection tests. Each serves the one read-only request kvlink makes,
 * with the vendor's path, credential header and response shapes.
 *
 * A credential is valid when some secret of the tenant, in any vault,
 * has it as its value and carries the tag "vendor" with the type id.
 * Vendors that take a user name or client id also need it in the tag
 * "vendorUser". The tag "vendorAccess": "restricted" makes the vendor accept the
 * credential but refuse the read (403), as for a key without the scope.
 * The request log never sees a credential: it records no header or body.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "sandbox/sandbox.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Place of the credential in a vendor's request. */
enum cred_place {
	CRED_HEADER,		/* header, after prefix */
	CRED_BASIC,		/* Authorization: Basic user:password */
	CRED_MARKETO_TOKEN,	/* Bearer token from the token route */
};

struct vendor {
	const char *id;
	const char *path;		/* below /vendor/ID, no trailing / */
	enum cred_place place;
	const char *header;
	const char *prefix;
	/* JSON bodies: success, unknown credential, missing scope. */
	const char *ok;
	const char *unauthorized;
	const char *forbidden;
	/* Status of the two error bodies; 0: 401 and 403. */
	unsigned int error_status;
};

/* The credential and its user as presented, and the secret matched. */
struct presented {
	char *credential;
	char *user;
	json_object *secret;
};

static void presented_clear(struct presented *p)
{
	if (p->credential != NULL)
		OPENSSL_cleanse(p->credential, strlen(p->credential));
	free(p->credential);
	free(p->user);
	memset(p, 0, sizeof(*p));
}

static bool tag_is(json_object *secret, const char *tag, const char *value)
{
	const char *v = sb_jstr(sb_jobj(secret, "tags"), tag);

	return v != NULL && value != NULL && strcmp(v, value) == 0;
}

/* The secret of any vault that makes credential valid for vendor. */
static json_object *find_credential(json_object *tenant, const char *vendor,
				    const char *credential, const char *user)
{
	json_object *vaults = sb_jarr(tenant, "vaults"), *secrets, *s;
	size_t i, j;

	for (i = 0; credential != NULL &&
		    i < json_object_array_length(vaults); i++) {
		secrets = sb_jarr(json_object_array_get_idx(vaults, i),
				  "secrets");
		for (j = 0; j < json_object_array_length(secrets); j++) {
			s = json_object_array_get_idx(secrets, j);
			if (tag_is(s, "vendor", vendor) &&
			    sb_jstr(s, "value") != NULL &&
			    strcmp(sb_jstr(s, "value"), credential) == 0 &&
			    (user == NULL || tag_is(s, "vendorUser", user)))
				return s;
		}
	}
	return NULL;
}

/* Decodes "Basic BASE64" into user and password. */
static bool split_basic(const char *auth, struct presented *p)
{
	size_t len, n;
	unsigned char *plain;
	char *colon;
	int out;

	if (auth == NULL || strncmp(auth, "Basic ", 6) != 0)
		return false;
	auth += 6;
	len = strlen(auth);
	if (len == 0 || len % 4 != 0 || len > 4096)
		return false;
	plain = calloc(1, len / 4 * 3 + 1);
	if (plain == NULL)
		return false;
	out = EVP_DecodeBlock(plain, (const unsigned char *)auth, (int)len);
	n = out > 0 ? (size_t)out : 0;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	while (n > 0 && plain[n - 1] == '\0')
		n--;
	colon = out > 0 ? memchr(plain, ':', n) : NULL;
	if (colon != NULL) {
		size_t user_len = (size_t)(colon - (char *)plain);

		p->user = strndup((char *)plain, user_len);
		p->credential = strndup(colon + 1, n - user_len - 1);
	}
	OPENSSL_cleanse(plain, len / 4 * 3 + 1);
	free(plain);
	return p->user != NULL && p->credential != NULL;
}

/* The access token the token route hands out for one client secret:
 * stable within a run, unknown to anyone without the sandbox's key. */
static void marketo_token_of(struct sb_sandbox *sb, const char *secret,
			     char out[65])
{
	char *text, key_hex[65];
	size_t i;

	for (i = 0; i < 32; i++)
		snprintf(key_hex + 2 * i, 3, "%02x", sb->key[i]);
	text = sb_printf("marketo|%s|%s", key_hex, secret);
	sb_sha256_hex(text, out);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
}

/* The Marketo secret whose token is bearer. */
static json_object *find_marketo_token(struct sb_sandbox *sb,
				       const char *bearer)
{
	json_object *vaults = sb_jarr(sb->tenant, "vaults"), *secrets, *s;
	char token[65];
	size_t i, j;

	for (i = 0; bearer != NULL &&
		    i < json_object_array_length(vaults); i++) {
		secrets = sb_jarr(json_object_array_get_idx(vaults, i),
				  "secrets");
		for (j = 0; j < json_object_array_length(secrets); j++) {
			s = json_object_array_get_idx(secrets, j);
			if (!tag_is(s, "vendor", "marketo") ||
			    sb_jstr(s, "value") == NULL)
				continue;
			marketo_token_of(sb, sb_jstr(s, "value"), token);
			if (strcmp(token, bearer) == 0)
				return s;
		}
	}
	return NULL;
}

/* Finds what the request presents and the secret it matches. */
static void read_credential(struct sb_request *req, const struct vendor *v,
			    struct presented *p)
{
	const char *value = sb_req_header(req, v->header);
	size_t plen = strlen(v->prefix);

	if (v->place == CRED_BASIC) {
		if (split_basic(value, p))
			p->secret = find_credential(req->sb->tenant, v->id,
						    p->credential, p->user);
		return;
	}
	if (value == NULL || strncmp(value, v->prefix, plen) != 0)
		return;
	if (v->place == CRED_MARKETO_TOKEN)
		p->secret = find_marketo_token(req->sb, value + plen);
	else
		p->secret = find_credential(req->sb->tenant, v->id,
					    value + plen, NULL);
}

#define MESSAGE_401 "{\"message\":\"Authorization has been denied for " \
	"this request.\"}"
#define MESSAGE_403 "{\"message\":\"The API user has no permission for " \
	"this request.\"}"
#define ERROR_401 "{\"error\":\"Unauthorized\",\"message\":\"Invalid API " \
	"key\"}"
#define ERROR_403 "{\"error\":\"Forbidden\",\"message\":\"The API key has " \
	"no access to this resource\"}"

/* Klaviyo's response to a request without its revision header. */
#define KLAVIYO_400 "{\"errors\":[{\"status\":400,\"code\":\"invalid\"," \
	"\"title\":\"Invalid input.\",\"detail\":\"The revision header " \
	"is missing.\"}]}"

static const struct vendor vendors[] = {
	{ "sendgrid", "v3/scopes", CRED_HEADER, "Authorization", "Bearer ",
	  "{\"scopes\":[\"marketing.read\",\"marketing.contacts.read\","
	  "\"marketing.contacts.write\",\"marketing.lists.read\"]}",
	  "{\"errors\":[{\"field\":null,"
	  "\"message\":\"authorization required\"}]}",
	  "{\"errors\":[{\"field\":null,\"message\":\"access forbidden\"}]}",
	  0 },
	{ "klaviyo", "api/accounts", CRED_HEADER, "Authorization",
	  "Klaviyo-API-Key ",
	  "{\"data\":[{\"type\":\"account\",\"id\":\"SbxAcct\","
	  "\"attributes\":{\"contact_information\":{"
	  "\"organization_name\":\"Contoso Sandbox\"}}}],\"links\":{}}",
	  "{\"errors\":[{\"status\":401,\"code\":\"not_authenticated\","
	  "\"title\":\"Authentication credentials were not provided.\","
	  "\"detail\":\"Missing or invalid private key.\"}]}",
	  "{\"errors\":[{\"status\":403,\"code\":\"permission_denied\","
	  "\"title\":\"You do not have permission to perform this "
	  "action.\",\"detail\":\"The API key lacks the accounts:read "
	  "scope.\"}]}",
	  0 },
	{ "sendinblue", "v3/account", CRED_HEADER, "api-key", "",
	  "{\"email\":\"marketing@contoso.test\",\"companyName\":"
	  "\"Contoso Sandbox\",\"plan\":[{\"type\":\"free\"}]}",
	  "{\"code\":\"unauthorized\",\"message\":\"Key not found\"}",
	  "{\"code\":\"permission_denied\",\"message\":\"This API key "
	  "cannot read the account\"}",
	  0 },
	{ "dotdigital", "v2/account-info", CRED_BASIC, "Authorization", "",
	  "{\"id\":40123,\"properties\":[{\"name\":\"ApiEndpoint\","
	  "\"type\":\"String\",\"value\":"
	  "\"https://r1-api.dotdigital.com\"}]}",
	  MESSAGE_401, MESSAGE_403, 0 },
	{ "activecampaign", "api/3/users/me", CRED_HEADER, "Api-Token", "",
	  "{\"user\":{\"id\":\"1\",\"username\":\"admin\","
	  "\"email\":\"admin@contoso.test\"}}",
	  MESSAGE_401, MESSAGE_403, 0 },
	{ "omnisend", "v3/contacts", CRED_HEADER, "X-API-KEY", "",
	  "{\"contacts\":[],\"paging\":{\"limit\":1}}",
	  ERROR_401, ERROR_403, 0 },
	{ "autopilot", "v1/account", CRED_HEADER, "autopilotapikey", "",
	  "{\"accountId\":\"sbx-account\",\"companyName\":"
	  "\"Contoso Sandbox\"}",
	  ERROR_401, ERROR_403, 0 },
	/* Marketo rejects a call inside a 200 response, with its own error
	 * codes: 601 for a bad token, 603 for a missing permission. */
	{ "marketo", "rest/v1/lists.json", CRED_MARKETO_TOKEN,
	  "Authorization", "Bearer ",
	  "{\"requestId\":\"sbx#1\",\"success\":true,\"result\":"
	  "[{\"id\":1001,\"name\":\"Sandbox list\"}]}",
	  "{\"requestId\":\"sbx#2\",\"success\":false,\"errors\":"
	  "[{\"code\":\"601\",\"message\":\"Access token invalid\"}]}",
	  "{\"requestId\":\"sbx#3\",\"success\":false,\"errors\":"
	  "[{\"code\":\"603\",\"message\":\"Access denied\"}]}",
	  200 },
};

const char *const sb_vendor_types[] = {
	"sendgrid", "klaviyo", "sendinblue", "dotdigital", "activecampaign",
	"omnisend", "autopilot", "marketo", NULL,
};

/* POST /vendor/marketo/identity/oauth/token with a form body. */
static void marketo_token(struct sb_request *req, struct sb_reply *reply)
{
	json_object *form = sb_form_parse(req->body), *secret, *body;
	const char *id = sb_jstr(form, "client_id");
	const char *value = sb_jstr(form, "client_secret");
	char token[65];

	secret = sb_jstr(form, "grant_type") != NULL &&
		 strcmp(sb_jstr(form, "grant_type"),
			"client_credentials") == 0
		 ? find_credential(req->sb->tenant, "marketo", value, id)
		 : NULL;
	if (secret == NULL) {
		sb_reply_json(reply, 401, json_tokener_parse(
			"{\"error\":\"unauthorized\",\"error_description\":"
			"\"Bad client credentials\"}"));
		goto out;
	}
	marketo_token_of(req->sb, sb_jstr(secret, "value"), token);
	body = json_object_new_object();
	json_object_object_add(body, "access_token",
			       json_object_new_string(token));
	json_object_object_add(body, "token_type",
			       json_object_new_string("bearer"));
	json_object_object_add(body, "expires_in",
			       json_object_new_int(3599));
	sb_reply_json(reply, 200, body);
out:
	if (value != NULL)
		OPENSSL_cleanse((char *)value, strlen(value));
	json_object_put(form);
}

/* The request's path below /vendor/TYPE, segments joined by '/'. */
static char *rest_path(const struct sb_request *req)
{
	char *path = strdup(""), *next;
	size_t i;

	for (i = 1; path != NULL && i < req->n_segs; i++) {
		next = sb_printf("%s%s%s", path, i > 1 ? "/" : "",
				 req->segs[i]);
		free(path);
		path = next;
	}
	return path;
}

static void serve(struct sb_request *req, struct sb_reply *reply,
		  const struct vendor *v)
{
	struct presented p = { 0 };
	unsigned int status;
	const char *body;

	if (strcmp(req->method, "GET") != 0) {
		sb_reply_json(reply, 405, json_tokener_parse(
			"{\"message\":\"Method not allowed\"}"));
		return;
	}
	if (strcmp(v->id, "klaviyo") == 0 &&
	    sb_req_header(req, "revision") == NULL) {
		sb_reply_json(reply, 400, json_tokener_parse(KLAVIYO_400));
		return;
	}

	read_credential(req, v, &p);
	if (p.secret == NULL) {
		status = v->error_status != 0 ? v->error_status : 401;
		body = v->unauthorized;
	} else if (tag_is(p.secret, "vendorAccess", "restricted")) {
		status = v->error_status != 0 ? v->error_status : 403;
		body = v->forbidden;
	} else {
		status = 200;
		body = v->ok;
	}
	sb_reply_json(reply, status, json_tokener_parse(body));
	presented_clear(&p);
}

/*
 * Test hooks, not vendors. "moved" redirects every request to the
 * SendGrid stand-in, which a connection test must not follow. "echo"
 * rejects the request and quotes the presented Bearer key back with a
 * terminal escape sequence, as a careless vendor might, so that a test
 * can check that kvlink cuts the key out and sanitises the text.
 */
static bool serve_hook(struct sb_request *req, struct sb_reply *reply)
{
	const char *auth = sb_req_header(req, "Authorization");
	json_object *body, *error;
	char *text;

	if (strcmp(req->segs[0], "moved") == 0) {
		text = sb_printf("%s/vendor/sendgrid/v3/scopes", req->sb->base);
		sb_reply_json(reply, 301, json_tokener_parse(
			"{\"message\":\"Moved Permanently\"}"));
		sb_reply_add_header(reply, "Location", text);
		free(text);
		return true;
	}
	if (strcmp(req->segs[0], "echo") != 0)
		return false;
	text = sb_printf("API key '%s' is not valid\x1b[2J",
			 auth != NULL && strncmp(auth, "Bearer ", 7) == 0
			 ? auth + 7 : "");
	error = json_object_new_object();
	json_object_object_add(error, "message", json_object_new_string(text));
	body = json_object_new_object();
	json_object_object_add(body, "errors", json_object_new_array());
	json_object_array_add(json_object_object_get(body, "errors"), error);
	sb_reply_json(reply, 401, body);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	return true;
}

void sb_route_vendor(struct sb_request *req, struct sb_reply *reply)
{
	char *path = req->n_segs > 0 ? rest_path(req) : NULL;
	size_t i;

	if (path != NULL && serve_hook(req, reply))
		goto out;
	if (path != NULL && strcmp(req->segs[0], "marketo") == 0 &&
	    strcmp(path, "identity/oauth/token") == 0 &&
	    strcmp(req->method, "POST") == 0) {
		marketo_token(req, reply);
		goto out;
	}
	for (i = 0; path != NULL && i < N_ELEMS(vendors); i++) {
		if (strcmp(req->segs[0], vendors[i].id) == 0 &&
		    strcmp(path, vendors[i].path) == 0) {
			serve(req, reply, &vendors[i]);
			goto out;
		}
	}
	sb_reply_json(reply, 404, json_tokener_parse(
		"{\"message\":\"The sandbox has no vendor route here\"}"));
out:
	free(path);
}
