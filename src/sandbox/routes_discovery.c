/*
 * The OpenID Connect discovery document of the sandbox authority:
 * GET /login/{tenant}/v2.0/.well-known/openid-configuration. MSAL reads
 * it before its first token request to learn the token and device code
 * endpoints, so the Azure SDKs and az cannot sign in without it.
 */
#include "config.h"

#include <stdlib.h>

#include "sandbox/sandbox.h"

static void add_url(json_object *doc, const char *key, const char *base,
		    const char *tenant, const char *rest)
{
	char *url = sb_printf("%s/login/%s%s", base, tenant, rest);

	json_object_object_add(doc, key, json_object_new_string(url));
	free(url);
}

static json_object *string_array(const char *const *items)
{
	json_object *arr = json_object_new_array();

	for (; *items != NULL; items++)
		json_object_array_add(arr, json_object_new_string(*items));
	return arr;
}

/*
 * Sends the discovery document for the tenant name the client used
 * ("organizations", "common", the tenant id or its domain). Like Entra
 * ID, the issuer of a multi-tenant name keeps the literal "{tenantid}"
 * placeholder, and the endpoints keep the name the client used. The
 * document lists only what the sandbox serves: there is no jwks_uri,
 * because its tokens are signed with a secret HMAC key.
 */
void sb_login_discovery(struct sb_request *req, struct sb_reply *reply,
			const char *tenant_name)
{
	static const char *const auth_methods[] = {
		"client_secret_post", "private_key_jwt", NULL };
	static const char *const scopes[] = {
		"openid", "profile", "email", "offline_access", NULL };
	static const char *const algorithms[] = { "HS256", NULL };
	struct sb_sandbox *sb = req->sb;
	json_object *directory = sb_directory_find(sb->tenant, tenant_name);
	const char *tid = directory != NULL ? sb_jstr(directory, "id")
					    : sb_tenant_id(sb->tenant);
	bool is_id = sb_ieq(tenant_name, tid);
	json_object *doc = json_object_new_object();

	add_url(doc, "token_endpoint", sb->base, tenant_name,
		"/oauth2/v2.0/token");
	add_url(doc, "device_authorization_endpoint", sb->base, tenant_name,
		"/oauth2/v2.0/devicecode");
	add_url(doc, "authorization_endpoint", sb->base, tenant_name,
		"/oauth2/v2.0/authorize");
	add_url(doc, "issuer", sb->base, is_id ? tid : "{tenantid}",
		"/v2.0");
	json_object_object_add(doc, "token_endpoint_auth_methods_supported",
			       string_array(auth_methods));
	json_object_object_add(doc, "scopes_supported", string_array(scopes));
	json_object_object_add(doc, "id_token_signing_alg_values_supported",
			       string_array(algorithms));
	json_object_object_add(doc, "cloud_instance_name",
			       json_object_new_string("kvlink-sandbox"));
	sb_reply_json(reply, 200, doc);
}
