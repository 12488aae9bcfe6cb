#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cloud.h"
#include "core/jsonutil.h"
#include "core/keyvault.h"
#include "core/log.h"
#include "core/sanitize.h"
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

static char *last_segment(const char *id)
{
	size_t len = strlen(id);
	const char *start;

	while (len > 0 && id[len - 1] == '/')
		len--;
	start = id + len;
	while (start > id && start[-1] != '/')
		start--;
	return strndup(start, (size_t)(id + len - start));
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
				     "secret without an id");
	out->name = last_segment(out->id);
	if (out->name == NULL || out->name[0] == '\0') {
		kvl_secret_item_clear(out);
		return kvl_error_set(err, KVL_ERR_PARSE,
				     "secret id without a name");
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

kvl_result kvl_kv_list_secrets(struct kvl_azure *az, const char *vault_uri,
			       const char *tenant,
			       struct kvl_secret_item **out, size_t *n,
			       struct kvl_error *err)
{
	struct secret_list list = { NULL, 0 };
	struct kvl_buf url;
	size_t len;
	const char *token;
	kvl_result res;

	*out = NULL;
	*n = 0;
	if (vault_uri == NULL || !kvl_url_allowed(vault_uri))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     "key vault URI '%s' is not an https URL",
				     vault_uri ? vault_uri : "");
	res = kvl_azure_vault_token(az, tenant, &token, err);
	if (res != KVL_OK)
		return res;

	len = strlen(vault_uri);
	while (len > 0 && vault_uri[len - 1] == '/')
		len--;
	kvl_buf_init(&url);
	kvl_buf_add(&url, vault_uri, len);
	kvl_buf_addf(&url, "/secrets?api-version=%s&maxresults=%d",
		     KVL_API_KEYVAULT_DATA, SECRETS_PAGE);
	kvl_sink_progress(az->sink, _("Listing secrets"));
	res = url.data == NULL ? KVL_ERR_NOMEM
			       : kvl_http_list(az->http, url.data, token,
					       "nextLink", "list secrets",
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
