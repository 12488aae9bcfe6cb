#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/arm.h"
#include "core/buf.h"
#include "core/cloud.h"
#include "core/jsonutil.h"
#include "core/keyvault.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "core/secret.h"
#include "i18n.h"

/* The service's maximum page size for secret lists. */
#define SECRETS_PAGE 25

void kvl_secret_item_clear(struct kvl_secret_item *s)
{
	free(s->name);
	free(s->id);
	free(s->content_type);
	memset(s, 0, sizeof(*s));
}

void kvl_secret_items_free(struct kvl_secret_item *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		kvl_secret_item_clear(&v[i]);
	free(v);
}

kvl_result kvl_kv_parse_secret_item(json_object *item,
				    struct kvl_secret_item *out,
				    struct kvl_error *err)
{
	const char *content_type = kvl_json_str(item, "contentType");

	memset(out, 0, sizeof(*out));
	out->id = kvl_json_strdup(item, "id");
	if (out->id == NULL)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("secret without an id"));
	out->name = kvl_arm_id_last_segment(out->id);
	if (out->name == NULL || out->name[0] == '\0') {
		kvl_secret_item_clear(out);
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("secret id without a name"));
	}
	if (content_type != NULL)
		out->content_type = kvl_sanitize(content_type);
	out->enabled = kvl_json_bool(item, "attributes.enabled", true);
	out->managed = kvl_json_bool(item, "managed", false);
	out->not_before = kvl_json_int64(item, "attributes.nbf", 0);
	out->expires = kvl_json_int64(item, "attributes.exp", 0);
	out->created = kvl_json_int64(item, "attributes.created", 0);
	out->updated = kvl_json_int64(item, "attributes.updated", 0);
	return KVL_OK;
}

struct secret_list {
	struct kvl_secret_item *items;
	size_t n;
};

static kvl_result collect_secret(json_object *item, void *ctx)
{
	struct secret_list *list = ctx;
	struct kvl_secret_item *grown;
	struct kvl_error err;

	grown = realloc(list->items, (list->n + 1) * sizeof(*grown));
	if (grown == NULL)
		return KVL_ERR_NOMEM;
	list->items = grown;
	kvl_error_init(&err);
	if (kvl_kv_parse_secret_item(item, &grown[list->n], &err) == KVL_OK)
		list->n++;
	else
		kvl_log("skipping a listed secret: %s",
			err.message ? err.message : "unreadable");
	kvl_error_clear(&err);
	return KVL_OK;
}

static kvl_result vault_uri_rejected(const struct kvl_cloud *cloud,
				     const char *vault_uri,
				     struct kvl_error *err)
{
	char *safe = kvl_sanitize(vault_uri != NULL ? vault_uri : "");
	char *form = NULL;
	kvl_result res;
	int len;

	if (cloud->key_vault_uri_prefix != NULL)
		len = asprintf(&form, "%sNAME/", cloud->key_vault_uri_prefix);
	else
		len = asprintf(&form, "https://NAME%s/",
			       cloud->key_vault_dns_suffix != NULL
			       ? cloud->key_vault_dns_suffix : "");
	if (len < 0)
		form = NULL;
	res = kvl_error_set(err, KVL_ERR_INVALID,
			    _("key vault URI '%s' is not of the form %s that "
			      "this cloud profile allows, so no Key Vault "
			      "token was sent to it; check the vault, or set "
			      "keyVaultDnsSuffix or keyVaultUriPrefix in the "
			      "cloud profile"), safe != NULL ? safe : "",
			    form != NULL ? form : "?");
	free(form);
	free(safe);
	return res;
}

/*
 * Starts a data-plane request to the vault at vault_uri: checks that the
 * cloud profile allows the URI, gets a Key Vault token into *token and
 * puts the URI, without its trailing slashes, into url.
 */
static kvl_result vault_request(struct kvl_azure *az, const char *vault_uri,
				const char *tenant, const char **token,
				struct kvl_buf *url, struct kvl_error *err)
{
	size_t len;
	kvl_result res;

	if (!kvl_cloud_vault_uri_allowed(&az->cloud, vault_uri))
		return vault_uri_rejected(&az->cloud, vault_uri, err);
	res = kvl_azure_vault_token(az, tenant, token, err);
	if (res != KVL_OK)
		return res;

	len = strlen(vault_uri);
	while (len > 0 && vault_uri[len - 1] == '/')
		len--;
	kvl_buf_init(url);
	kvl_buf_add(url, vault_uri, len);
	return KVL_OK;
}

kvl_result kvl_kv_list_secrets(struct kvl_azure *az, const char *vault_uri,
			       const char *tenant,
			       struct kvl_secret_item **out, size_t *n,
			       struct kvl_error *err)
{
	struct secret_list list = { NULL, 0 };
	struct kvl_buf url;
	const char *token;
	kvl_result res;

	*out = NULL;
	*n = 0;
	res = vault_request(az, vault_uri, tenant, &token, &url, err);
	if (res != KVL_OK)
		return res;
	kvl_buf_addf(&url, "/secrets?api-version=%s&maxresults=%d",
		     KVL_API_KEYVAULT_DATA, SECRETS_PAGE);
	kvl_sink_progress(az->sink, _("Listing secrets"));
	res = url.data == NULL ? KVL_ERR_NOMEM
			       : kvl_http_list(az->http, url.data, token,
					       "nextLink",
					       _("list the secrets"),
					       collect_secret, &list, err);
	kvl_buf_clear(&url);
	if (res != KVL_OK) {
		kvl_secret_items_free(list.items, list.n);
		return res;
	}
	*out = list.items;
	*n = list.n;
	return KVL_OK;
}

void kvl_secret_value_clear(struct kvl_secret_value *value)
{
	kvl_secret_free(value->data, value->len);
	value->data = NULL;
	value->len = 0;
}

static bool secret_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 127)
		return false;
	for (const char *p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
	return true;
}

/* Copies the "value" member of a secret bundle and wipes json-c's copy. */
static kvl_result take_value(const char *body, struct kvl_secret_value *out,
			     struct kvl_error *err)
{
	json_object *root = json_tokener_parse(body);
	json_object *value = NULL;
	kvl_result res = KVL_OK;
	size_t len;

	if (root == NULL || !json_object_object_get_ex(root, "value", &value)
	    || !json_object_is_type(value, json_type_string)) {
		res = kvl_error_set(err, KVL_ERR_PARSE,
				    _("the secret read from the vault has no "
				      "value"));
		goto out;
	}
	len = (size_t)json_object_get_string_len(value);
	out->data = kvl_secret_alloc(len + 1);
	if (out->data == NULL) {
		res = KVL_ERR_NOMEM;
		goto out;
	}
	memcpy(out->data, json_object_get_string(value), len);
	out->data[len] = '\0';
	out->len = len;
	/* json-c frees strings without clearing them. */
	OPENSSL_cleanse((char *)json_object_get_string(value), len);
out:
	json_object_put(root);
	return res;
}

kvl_result kvl_kv_get_secret_value(struct kvl_azure *az,
				   const char *vault_uri, const char *tenant,
				   const char *name,
				   struct kvl_secret_value *out,
				   struct kvl_error *err)
{
	struct kvl_http_response resp = { .retry_after_s = -1 };
	struct kvl_buf url;
	const char *token;
	kvl_result res;

	out->data = NULL;
	out->len = 0;
	if (!secret_name_ok(name))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("'%s' is not a Key Vault secret name; "
				       "use 1 to 127 letters, digits and "
				       "dashes"), name);
	res = vault_request(az, vault_uri, tenant, &token, &url, err);
	if (res != KVL_OK)
		return res;
	kvl_buf_addf(&url, "/secrets/%s?api-version=%s", name,
		     KVL_API_KEYVAULT_DATA);
	if (url.data == NULL)
		return KVL_ERR_NOMEM;
	res = kvl_http_send(az->http, "GET", url.data, token, NULL, NULL,
			    &resp, err);
	if (res == KVL_OK)
		res = kvl_http_check(&resp, "read a secret", err);
	if (res == KVL_OK)
		res = take_value(resp.body, out, err);
	kvl_http_response_clear(&resp);
	kvl_buf_clear(&url);
	return res;
}
