/*
 * Test-only control routes for service identities: registering a client
 * secret or a certificate on an app, and where the managed identity
 * endpoint is. Tests make their certificates and secrets at run time.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sandbox/sandbox.h"

static bool is_certificate(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	bool ok = cert != NULL;

	X509_free(cert);
	BIO_free(bio);
	ERR_clear_error();
	return ok;
}

static void add_certificate(json_object *sp, const char *pem)
{
	json_object *list = sb_jarr(sp, "certificates");

	if (list == NULL) {
		list = json_object_new_array();
		json_object_object_add(sp, "certificates", list);
	}
	json_object_array_add(list, json_object_new_string(pem));
}

/* POST /_sandbox/app-credentials {"appId", "clientSecret"?,
 * "certificate"? (PEM, public part only)}. */
void sb_control_app_credentials(struct sb_sandbox *sb, const char *text,
				struct sb_reply *reply)
{
	json_object *in = json_tokener_parse(text), *sp, *body, *certs;
	const char *secret = sb_jstr(in, "clientSecret");
	const char *pem = sb_jstr(in, "certificate");

	sp = sb_tenant_find_sp_by_app(sb->tenant, sb_jstr(in, "appId"));
	if (sp == NULL || (secret == NULL && pem == NULL)) {
		sb_arm_error(reply, 400, "BadRequest", "Give \"appId\" (an app "
			     "of the tenant) and \"clientSecret\" or "
			     "\"certificate\" (PEM).");
		goto out;
	}
	if (pem != NULL && (!is_certificate(pem) ||
			    strstr(pem, "PRIVATE KEY") != NULL)) {
		sb_arm_error(reply, 400, "BadRequest", "\"certificate\" must "
			     "be one PEM certificate without a private key.");
		goto out;
	}
	if (secret != NULL)
		json_object_object_add(sp, "clientSecret",
				       json_object_new_string(secret));
	if (pem != NULL)
		add_certificate(sp, pem);
	sb_state_changed(sb);
	body = json_object_new_object();
	json_object_object_add(body, "appId", json_object_new_string(
				       sb_jstr(sp, "appId")));
	certs = sb_jarr(sp, "certificates");
	json_object_object_add(body, "certificates", json_object_new_int(
				       certs ? (int)json_object_array_length(
					       certs) : 0));
	json_object_object_add(body, "clientSecret", json_object_new_boolean(
				       sb_jstr(sp, "clientSecret") != NULL));
	sb_reply_json(reply, 200, body);
out:
	json_object_put(in);
}

/* GET /_sandbox/managed-identity: what App Service would put in
 * IDENTITY_ENDPOINT and IDENTITY_HEADER, and whose identity it is. */
void sb_control_managed_identity(struct sb_sandbox *sb,
				 struct sb_reply *reply)
{
	json_object *sp = sb_managed_identity(sb->tenant);
	json_object *body = json_object_new_object();
	char *endpoint = sb_printf("%s/msi/token", sb->base);

	json_object_object_add(body, "endpoint",
			       json_object_new_string(endpoint));
	json_object_object_add(body, "header",
			       json_object_new_string(sb->identity_header));
	json_object_object_add(body, "principalId", sp ?
			       json_object_new_string(sb_jstr(sp, "id")) :
			       NULL);
	json_object_object_add(body, "clientId", sp ?
			       json_object_new_string(sb_jstr(sp, "appId")) :
			       NULL);
	sb_reply_json(reply, 200, body);
	free(endpoint);
}
