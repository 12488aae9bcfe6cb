/*
 * A managed identity endpoint under /msi in the shape App Service serves
 * at IDENTITY_ENDPOINT: GET /msi/token?api-version=2019-08-01&resource=R
 * [&client_id=ID] with the header X-IDENTITY-HEADER. Its tokens are for
 * the service principal marked "managedIdentity": true in the tenant
 * (the Customer Insights app in the built-in tenant). The header value is
 * drawn at start-up; GET /_sandbox/managed-identity returns it. POST
 * /msi/oauth2/token serves the same identity over an older protocol.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sandbox/sandbox.h"

#define MSI_API_VERSION "2019-08-01"

/* The body App Service's endpoint sends with an error. */
static void msi_error(struct sb_reply *reply, unsigned int status,
		      const char *message)
{
	json_object *body = json_object_new_object();

	json_object_object_add(body, "statusCode",
			       json_object_new_int((int)status));
	json_object_object_add(body, "message",
			       json_object_new_string(message));
	json_object_object_add(body, "correlationId",
			       json_object_new_string(reply->correlation_id));
	sb_reply_json(reply, status, body);
}

json_object *sb_managed_identity(json_object *tenant)
{
	json_object *sps = sb_jarr(tenant, "servicePrincipals");
	size_t i, n = sps ? json_object_array_length(sps) : 0;

	for (i = 0; i < n; i++) {
		json_object *sp = json_object_array_get_idx(sps, i);

		if (sb_jbool(sp, "managedIdentity", false))
			return sp;
	}
	return NULL;
}

static bool header_valid(struct sb_request *req)
{
	const char *sent = sb_req_header(req, "X-IDENTITY-HEADER");
	const char *want = req->sb->identity_header;

	return sent != NULL && strlen(sent) == strlen(want) &&
	       CRYPTO_memcmp(sent, want, strlen(want)) == 0;
}

/* The resource when it is one of the sandbox's audiences, else NULL. */
static char *known_resource(struct sb_sandbox *sb, const char *resource)
{
	static const char *const services[] = { "/arm", "/graph", "/kv" };
	size_t len = resource ? strlen(resource) : 0;
	size_t i;

	while (len > 0 && resource[len - 1] == '/')
		len--;
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		char *aud = sb_printf("%s%s", sb->base, services[i]);

		if (strlen(aud) == len && strncmp(aud, resource, len) == 0)
			return aud;
		free(aud);
	}
	return NULL;
}

/* Checks the request; on failure fills reply and returns NULL. */
static json_object *requested_identity(struct sb_request *req,
				       struct sb_reply *reply)
{
	json_object *sp = sb_managed_identity(req->sb->tenant);
	const char *client_id = sb_query(req, "client_id");

	if (!header_valid(req)) {
		msi_error(reply, 401, "The X-IDENTITY-HEADER header is "
			  "missing or wrong; send the value of "
			  "IDENTITY_HEADER.");
		return NULL;
	}
	if (!sb_ieq(sb_query(req, "api-version"), MSI_API_VERSION)) {
		msi_error(reply, 400, "Use api-version " MSI_API_VERSION ".");
		return NULL;
	}
	if (sp == NULL || (client_id != NULL &&
			   !sb_ieq(client_id, sb_jstr(sp, "appId")))) {
		msi_error(reply, 400, "No managed identity with this client "
			  "id is assigned to this resource.");
		return NULL;
	}
	return sp;
}

/* Sends a token of sp for resource in the shape both protocols share. */
static void issue_token(struct sb_request *req, struct sb_reply *reply,
			json_object *sp, const char *resource)
{
	struct sb_sandbox *sb = req->sb;
	json_object *claims, *body;
	char *aud, *jwt, *expires;

	aud = known_resource(sb, resource);
	if (aud == NULL) {
		msi_error(reply, 400, "The resource is not one of this "
			  "sandbox's services (its /arm, /graph or /kv URL).");
		return;
	}
	claims = sb_claims_new(sb, aud, SB_TOKEN_LIFETIME);
	json_object_object_add(claims, "oid", json_object_new_string(
				       sb_jstr(sp, "id")));
	json_object_object_add(claims, "sub", json_object_new_string(
				       sb_jstr(sp, "id")));
	json_object_object_add(claims, "appid", json_object_new_string(
				       sb_jstr(sp, "appId")));
	json_object_object_add(claims, "idtyp", json_object_new_string("app"));
	jwt = sb_token_issue(sb, claims);
	expires = sb_printf("%lld", (long long)(sb_now() + SB_TOKEN_LIFETIME));

	body = json_object_new_object();
	json_object_object_add(body, "access_token",
			       json_object_new_string(jwt));
	json_object_object_add(body, "expires_on",
			       json_object_new_string(expires));
	json_object_object_add(body, "resource", json_object_new_string(aud));
	json_object_object_add(body, "token_type",
			       json_object_new_string("Bearer"));
	json_object_object_add(body, "client_id", json_object_new_string(
				       sb_jstr(sp, "appId")));
	snprintf(req->caller, sizeof(req->caller), "%s", sb_jstr(sp, "id"));
	sb_reply_json(reply, 200, body);
	OPENSSL_cleanse(jwt, strlen(jwt));
	free(jwt);
	free(expires);
	free(aud);
	json_object_put(claims);
}

static void msi_token(struct sb_request *req, struct sb_reply *reply)
{
	json_object *sp = requested_identity(req, reply);

	if (sp != NULL)
		issue_token(req, reply, sp, sb_query(req, "resource"));
}

/*
 * POST /msi/oauth2/token with the form field resource and the header
 * "Metadata: true": the older protocol of the VM extension and of Cloud
 * Shell's MSI_ENDPOINT, which az 2.45 (through msrestazure) speaks for
 * az login --identity when MSI_ENDPOINT is set. It has no secret header.
 */
static void legacy_token(struct sb_request *req, struct sb_reply *reply)
{
	json_object *sp = sb_managed_identity(req->sb->tenant);
	json_object *form;
	const char *client_id;

	if (strcmp(req->method, "POST") != 0) {
		msi_error(reply, 405, "This managed identity endpoint only "
			  "accepts POST.");
		return;
	}
	if (!sb_ieq(sb_req_header(req, "Metadata"), "true")) {
		msi_error(reply, 400, "The header 'Metadata: true' is "
			  "missing.");
		return;
	}
	form = sb_form_parse(req->body);
	client_id = sb_jstr(form, "client_id");
	if (sp == NULL || (client_id != NULL &&
			   !sb_ieq(client_id, sb_jstr(sp, "appId"))))
		msi_error(reply, 400, "No managed identity with this client "
			  "id is assigned to this resource.");
	else
		issue_token(req, reply, sp, sb_jstr(form, "resource"));
	json_object_put(form);
}

void sb_route_msi(struct sb_request *req, struct sb_reply *reply)
{
	if (req->n_segs == 2 && strcmp(req->segs[0], "oauth2") == 0 &&
	    strcmp(req->segs[1], "token") == 0) {
		legacy_token(req, reply);
		return;
	}
	if (req->n_segs != 1 || strcmp(req->segs[0], "token") != 0) {
		msi_error(reply, 404, "The managed identity endpoints are "
			  "/msi/token and /msi/oauth2/token.");
		return;
	}
	if (strcmp(req->method, "GET") != 0) {
		msi_error(reply, 405, "The managed identity endpoint only "
			  "accepts GET.");
		return;
	}
	msi_token(req, reply);
}
