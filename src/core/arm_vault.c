#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arm.h"
#include "core/arm_vault.h"
#include "core/buf.h"
#include "core/jsonutil.h"
#include "i18n.h"

/* --- Parsing ------------------------------------------------------------ */

kvl_result kvl_arm_parse_deleted_vault(json_object *item,
				       struct kvl_deleted_vault *out,
				       struct kvl_error *err)
{
	memset(out, 0, sizeof(*out));
	out->id = kvl_json_strdup(item, "id");
	out->name = kvl_json_strdup(item, "name");
	if (out->name == NULL && out->id != NULL)
		out->name = kvl_arm_id_last_segment(out->id);
	out->vault_id = kvl_json_strdup(item, "properties.vaultId");
	out->location = kvl_json_strdup(item, "properties.location");
	out->deletion_date = kvl_json_strdup(item, "properties.deletionDate");
	out->scheduled_purge_date =
		kvl_json_strdup(item, "properties.scheduledPurgeDate");
	out->purge_protection =
		kvl_json_bool(item, "properties.purgeProtectionEnabled",
			      false);
	if (out->name == NULL) {
		kvl_deleted_vault_clear(out);
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("deleted key vault without a name"));
	}
	return KVL_OK;
}

void kvl_deleted_vault_clear(struct kvl_deleted_vault *v)
{
	free(v->id);
	free(v->name);
	free(v->vault_id);
	free(v->location);
	free(v->deletion_date);
	free(v->scheduled_purge_date);
	memset(v, 0, sizeof(*v));
}

void kvl_deleted_vaults_free(struct kvl_deleted_vault *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		kvl_deleted_vault_clear(&v[i]);
	free(v);
}

static bool nonempty(json_object *props, const char *key)
{
	const char *value = kvl_json_str(props, key);

	return value != NULL && value[0] != '\0';
}

/* Whether one entry of "logs" sends the vault's audit events. */
static bool sends_audit(json_object *entry)
{
	const char *category = kvl_json_str(entry, "category");
	const char *group = kvl_json_str(entry, "categoryGroup");

	if (!kvl_json_bool(entry, "enabled", false))
		return false;
	if (category != NULL && strcasecmp(category, "AuditEvent") == 0)
		return true;
	return group != NULL && (strcasecmp(group, "audit") == 0 ||
				 strcasecmp(group, "allLogs") == 0);
}

kvl_result kvl_arm_parse_diagnostic_setting(json_object *item,
					    struct kvl_diagnostic_setting *out,
					    struct kvl_error *err)
{
	json_object *props = kvl_json_path(item, "properties");
	json_object *logs = kvl_json_path(props, "logs");
	size_t i, n;

	memset(out, 0, sizeof(*out));
	out->name = kvl_json_strdup(item, "name");
	if (out->name == NULL || props == NULL) {
		free(out->name);
		out->name = NULL;
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("diagnostic setting without a name or "
				       "properties"));
	}
	out->has_destination = nonempty(props, "workspaceId") ||
			       nonempty(props, "storageAccountId") ||
			       nonempty(props, "eventHubAuthorizationRuleId") ||
			       nonempty(props, "marketplacePartnerId");

	n = json_object_is_type(logs, json_type_array) ?
	    json_object_array_length(logs) : 0;
	for (i = 0; i < n && !out->audit_logs; i++)
		out->audit_logs =
			sends_audit(json_object_array_get_idx(logs, i));
	return KVL_OK;
}

void kvl_diagnostic_settings_free(struct kvl_diagnostic_setting *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

bool kvl_diagnostic_settings_audit(const struct kvl_diagnostic_setting *v,
				   size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].has_destination && v[i].audit_logs)
			return true;
	return false;
}

/* --- Calls ---------------------------------------------------------------- */

/* Appends a path segment percent-encoded, so names cannot add segments. */
static void add_segment(struct kvl_buf *path, const char *segment)
{
	kvl_buf_adds(path, "/");
	kvl_buf_add_urlencoded(path, segment);
}

/* Starts /subscriptions/{sub}/providers/Microsoft.KeyVault. */
static void key_vault_provider(struct kvl_buf *path, const char *sub)
{
	kvl_buf_init(path);
	kvl_buf_adds(path, "/subscriptions");
	add_segment(path, sub);
	kvl_buf_adds(path, "/providers/Microsoft.KeyVault");
}

kvl_result kvl_arm_get_deleted_vault(struct kvl_azure *az, const char *sub,
				     const char *location, const char *name,
				     struct kvl_deleted_vault *out,
				     struct kvl_error *err)
{
	struct kvl_buf path;
	json_object *body = NULL;
	kvl_result r;

	memset(out, 0, sizeof(*out));
	key_vault_provider(&path, sub);
	kvl_buf_adds(&path, "/locations");
	add_segment(&path, location);
	kvl_buf_adds(&path, "/deletedVaults");
	add_segment(&path, name);
	kvl_buf_addf(&path, "?api-version=%s", KVL_API_KEYVAULT);
	if (path.data == NULL)
		r = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	else
		r = kvl_arm_get_path(az, path.data, _("get deleted key vault"),
				     &body, err);
	if (r == KVL_OK)
		r = kvl_arm_parse_deleted_vault(body, out, err);
	json_object_put(body);
	kvl_buf_clear(&path);
	return r;
}

static kvl_result parse_deleted_any(json_object *item, void *out,
				    struct kvl_error *err)
{
	return kvl_arm_parse_deleted_vault(item, out, err);
}

kvl_result kvl_arm_list_deleted_vaults(struct kvl_azure *az, const char *sub,
				       struct kvl_deleted_vault **out,
				       size_t *n, struct kvl_error *err)
{
	struct kvl_buf path;
	void *items = NULL;
	kvl_result r;

	*out = NULL;
	*n = 0;
	key_vault_provider(&path, sub);
	kvl_buf_addf(&path, "/deletedVaults?api-version=%s",
		     KVL_API_KEYVAULT);
	if (path.data == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	r = kvl_arm_list_path(az, path.data, _("list deleted key vaults"),
			      "deleted key vault", sizeof(**out),
			      parse_deleted_any, &items, n, err);
	kvl_buf_clear(&path);
	*out = items;
	if (r != KVL_OK) {
		kvl_deleted_vaults_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return r;
}

static kvl_result parse_setting_any(json_object *item, void *out,
				    struct kvl_error *err)
{
	return kvl_arm_parse_diagnostic_setting(item, out, err);
}

/* Whether id can follow the Resource Manager base as a path. */
static bool valid_resource_id(const char *id)
{
	return id != NULL && id[0] == '/' && strstr(id, "..") == NULL &&
	       strpbrk(id, "?#% ") == NULL;
}

kvl_result kvl_arm_list_diagnostic_settings(
	struct kvl_azure *az, const char *resource_id,
	struct kvl_diagnostic_setting **out, size_t *n,
	struct kvl_error *err)
{
	struct kvl_buf path;
	void *items = NULL;
	kvl_result r;

	*out = NULL;
	*n = 0;
	if (!valid_resource_id(resource_id))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("'%s' is not a resource id"),
				     resource_id ? resource_id : "");
	kvl_buf_init(&path);
	kvl_buf_addf(&path, "%s/providers/Microsoft.Insights/"
		     "diagnosticSettings?api-version=%s", resource_id,
		     KVL_API_DIAGNOSTICS);
	if (path.data == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	r = kvl_arm_list_path(az, path.data, _("list diagnostic settings"),
			      "diagnostic setting", sizeof(**out),
			      parse_setting_any, &items, n, err);
	kvl_buf_clear(&path);
	*out = items;
	if (r != KVL_OK) {
		kvl_diagnostic_settings_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return r;
}
