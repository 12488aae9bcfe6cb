/* Service identity credentials: client assertions and managed identity. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "core/buf.h"
#include "core/credential.h"
#include "core/crypto.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "core/secret.h"
#include "i18n.h"

/* A managed identity token that states no expiry is used this long. */
#define MSI_DEFAULT_LIFETIME_S 300
#define AZURE_DMI_VENDOR "Microsoft Corporation"
/* The chassis asset tag of every Azure VM: the ASCII codes of
 * "MSFT AZURE VM" in decimal, grouped in fours. */
#define AZURE_DMI_ASSET_TAG "7783-7084-3265-9085-8269-3286-77"

const char *kvl_credential_kind_name(enum kvl_credential_kind kind)
{
	switch (kind) {
	case KVL_CREDENTIAL_CLIENT_SECRET:
		return "clientSecret";
	case KVL_CREDENTIAL_CERTIFICATE:
		return "certificate";
	case KVL_CREDENTIAL_MANAGED_IDENTITY:
		return "managedIdentity";
	}
	return "unknown";
}

bool kvl_credential_kind_parse(const char *name,
			       enum kvl_credential_kind *kind)
{
	if (name == NULL)
		return false;
	if (strcmp(name, "clientSecret") == 0 ||
	    strcmp(name, "client-secret") == 0)
		*kind = KVL_CREDENTIAL_CLIENT_SECRET;
	else if (strcmp(name, "certificate") == 0)
		*kind = KVL_CREDENTIAL_CERTIFICATE;
	else if (strcmp(name, "managedIdentity") == 0 ||
		 strcmp(name, "managed-identity") == 0)
		*kind = KVL_CREDENTIAL_MANAGED_IDENTITY;
	else
		return false;
	return true;
}

static bool copy_string(const char *src, char **dst)
{
	*dst = src != NULL ? strdup(src) : NULL;
	return src == NULL || *dst != NULL;
}

kvl_result kvl_credential_copy(const struct kvl_credential *src,
			       struct kvl_credential *dst)
{
	memset(dst, 0, sizeof(*dst));
	dst->kind = src->kind;
	if (!copy_string(src->tenant, &dst->tenant) ||
	    !copy_string(src->client_id, &dst->client_id) ||
	    !copy_string(src->client_secret, &dst->client_secret) ||
	    !copy_string(src->certificate_path, &dst->certificate_path)) {
		kvl_credential_clear(dst);
		return KVL_ERR_NOMEM;
	}
	return KVL_OK;
}

void kvl_credential_clear(struct kvl_credential *cred)
{
	free(cred->tenant);
	free(cred->client_id);
	kvl_free_secret(cred->client_secret);
	free(cred->certificate_path);
	memset(cred, 0, sizeof(*cred));
}

static bool env_set(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0';
}

/* Reads the first line of DMI attribute name into out; "" when the file
 * is missing or unreadable (containers often hide /sys). */
static void read_dmi(const char *dir, const char *name, char *out,
		     size_t size)
{
	char path[512];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return;
	if (fgets(out, (int)size, f) == NULL)
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
}

bool kvl_is_azure_vm(void)
{
	const char *dir = env_set(KVL_DMI_DIR_ENV) ? getenv(KVL_DMI_DIR_ENV)
						   : KVL_DMI_DIR;
	char vendor[128], tag[128];
	bool azure;

	read_dmi(dir, "sys_vendor", vendor, sizeof(vendor));
	read_dmi(dir, "chassis_asset_tag", tag, sizeof(tag));
	azure = strcmp(vendor, AZURE_DMI_VENDOR) == 0 &&
		strcmp(tag, AZURE_DMI_ASSET_TAG) == 0;
	kvl_log("DMI in %s: sys_vendor '%s', chassis_asset_tag '%s': %s", dir,
		vendor, tag, azure ? "an Azure VM" : "not an Azure VM");
	return azure;
}

static bool app_service_set(void)
{
	return env_set("IDENTITY_ENDPOINT") && env_set("IDENTITY_HEADER");
}

const char *kvl_managed_identity_endpoint(bool *app_service)
{
	*app_service = app_service_set();
	if (*app_service)
		return getenv("IDENTITY_ENDPOINT");
	return KVL_HTTP_IMDS_BASE "/metadata/identity/oauth2/token";
}

/* The token request URL and the header line that proves the caller runs
 * where the identity lives. */
static kvl_result msi_request(const char *client_id, const char *resource,
			      struct kvl_buf *url, struct kvl_buf *header)
{
	bool app_service;
	const char *endpoint = kvl_managed_identity_endpoint(&app_service);

	kvl_buf_adds(url, endpoint);
	kvl_buf_addf(url, "%capi-version=%s&resource=",
		     strchr(endpoint, '?') ? '&' : '?',
		     app_service ? KVL_MSI_APP_SERVICE_API : KVL_MSI_IMDS_API);
	kvl_buf_add_urlencoded(url, resource);
	if (client_id != NULL) {
		kvl_buf_adds(url, "&client_id=");
		kvl_buf_add_urlencoded(url, client_id);
	}
	header->secret = true;
	if (app_service)
		kvl_buf_addf(header, "X-IDENTITY-HEADER: %s",
			     getenv("IDENTITY_HEADER"));
	else
		kvl_buf_adds(header, "Metadata: true");
	return url->data != NULL && header->data != NULL ? KVL_OK
							 : KVL_ERR_NOMEM;
}

/* expires_on is a string of Unix seconds (sometimes a number); fall back
 * to expires_in, then to a short default. A value that is no time up to
 * the year 9999 is rejected. */
static kvl_result msi_expiry(json_object *body, int64_t now,
			     int64_t *expires_at, struct kvl_error *err)
{
	int64_t value;
	kvl_result res;

	res = kvl_json_int64_range(body, "expires_on",
				   "the managed identity endpoint's "
				   "expires_on", 1, KVL_JSON_MAX_UNIX_TIME,
				   &value, err);
	if (res == KVL_OK)
		*expires_at = value;
	if (res != KVL_ERR_NOT_FOUND)
		return res;

	res = kvl_json_int64_range(body, "expires_in",
				   "the managed identity endpoint's "
				   "expires_in", 0,
				   KVL_JSON_MAX_UNIX_TIME - now, &value, err);
	if (res == KVL_OK)
		*expires_at = now + value;
	if (res != KVL_ERR_NOT_FOUND)
		return res;
	*expires_at = now + MSI_DEFAULT_LIFETIME_S;
	return KVL_OK;
}

static kvl_result msi_failed(const struct kvl_http_response *resp,
			     struct kvl_error *err)
{
	bool app_service;
	const char *url = kvl_managed_identity_endpoint(&app_service);
	kvl_result res = kvl_http_check(resp, _("get a managed identity token"),
					err);

	json_object *body = NULL;
	const char *message;

	/* App Service sends {"statusCode", "message"}, not Azure's error
	 * envelope, so its message is taken here. */
	if (err != NULL && err->azure_message == NULL &&
	    kvl_json_parse(resp->body, resp->body_len, "an error body",
			   &body, NULL) == KVL_OK) {
		message = kvl_json_str(body, "message");
		if (message != NULL)
			err->azure_message = kvl_sanitize(message);
	}
	json_object_put(body);
	if (res == KVL_OK)
		res = KVL_ERR_AUTH;
	if (res == KVL_ERR_HTTP || res == KVL_ERR_NOT_FOUND ||
	    res == KVL_ERR_INVALID || res == KVL_ERR_FORBIDDEN)
		res = KVL_ERR_AUTH;
	/* Untranslated: the managed identity sign-in recognises this
	 * message by "refused a token" (auth_methods.c). */
	kvl_error_set(err, res, "the managed identity endpoint %s refused a "
		      "token (HTTP %ld); check that this machine has a managed "
		      "identity and, for a user-assigned one, its client id",
		      url, resp->status);
	return res;
}

kvl_result kvl_managed_identity_parse(const char *text, size_t len,
				      int64_t now, char **token,
				      int64_t *expires_at,
				      struct kvl_error *err)
{
	json_object *body = NULL;
	kvl_result res;

	*token = NULL;
	res = kvl_json_parse(text, len,
			     "the managed identity endpoint's response",
			     &body, err);
	if (res != KVL_OK)
		return res;

	*token = kvl_secret_strdup(kvl_json_str(body, "access_token"));
	if (*token == NULL || (*token)[0] == '\0')
		res = kvl_error_set(err, KVL_ERR_PARSE,
				    _("the managed identity endpoint returned "
				      "no access token"));
	else
		res = msi_expiry(body, now, expires_at, err);
	if (res != KVL_OK) {
		kvl_free_secret(*token);
		*token = NULL;
	}
	kvl_json_put_secret(body);
	return res;
}

kvl_result kvl_managed_identity_token(struct kvl_http *http,
				      const char *client_id,
				      const char *resource, char **token,
				      int64_t *expires_at,
				      struct kvl_error *err)
{
	struct kvl_http_response resp = { .retry_after_s = -1 };
	struct kvl_buf url, header;
	kvl_result res;

	*token = NULL;
	kvl_buf_init(&url);
	kvl_buf_init(&header);
	if (!app_service_set() && !kvl_is_azure_vm()) {
		res = kvl_error_set(err, KVL_ERR_AUTH,
				    _("no managed identity is available here: "
				      "IDENTITY_ENDPOINT and IDENTITY_HEADER "
				      "are not set and this machine is not an "
				      "Azure VM, so kvlink does not ask the "
				      "instance metadata service; set both "
				      "variables or choose another sign-in "
				      "method"));
		goto out;
	}
	res = msi_request(client_id, resource, &url, &header);
	if (res != KVL_OK) {
		kvl_error_set(err, res, _("out of memory"));
		goto out;
	}
	res = kvl_http_get_with_header(http, url.data, header.data, &resp,
				       err);
	if (res != KVL_OK)
		goto out;
	if (resp.status != 200) {
		res = msi_failed(&resp, err);
		goto out;
	}
	res = kvl_managed_identity_parse(resp.body, resp.body_len,
					 (int64_t)time(NULL), token,
					 expires_at, err);
	if (res == KVL_OK)
		kvl_log("managed identity token received, expires at %lld",
			(long long)*expires_at);
out:
	kvl_http_response_clear(&resp);
	kvl_buf_clear(&url);
	kvl_buf_clear(&header);
	return res;
}
