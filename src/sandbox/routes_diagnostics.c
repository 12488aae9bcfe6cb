/*
 * Microsoft.Insights/diagnosticSettings on a vault under /arm:
 * GET {vaultId}/providers/Microsoft.Insights/diagnosticSettings lists the
 * vault's settings and GET .../diagnosticSettings/{name} reads one. The
 * tenant keeps them in the vault's "diagnosticSettings" as
 * [{name, properties}], properties in Azure's own shape (workspaceId,
 * storageAccountId, logs, metrics, ...). Writes go through
 * POST /_sandbox/break (control_vault.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

static const char *const diagnostics_versions[] = {
	"2017-05-01-preview", "2021-05-01-preview", NULL };

static json_object *setting_json(json_object *vault, json_object *setting)
{
	json_object *o = json_object_new_object();
	json_object *props = sb_jobj(setting, "properties");
	char *scope = sb_vault_scope(vault);
	char *id = sb_printf("%s/providers/microsoft.insights/"
			     "diagnosticSettings/%s", scope,
			     sb_jstr(setting, "name"));

	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "type", json_object_new_string(
			"Microsoft.Insights/diagnosticSettings"));
	json_object_object_add(o, "name", json_object_new_string(
				       sb_jstr(setting, "name")));
	json_object_object_add(o, "properties", props != NULL ?
			       json_object_get(props) :
			       json_object_new_object());
	free(scope);
	free(id);
	return o;
}

static void list_settings(struct sb_reply *reply, json_object *vault)
{
	json_object *settings = sb_jarr(vault, "diagnosticSettings");
	json_object *body = json_object_new_object();
	json_object *value = json_object_new_array();
	size_t i, n = settings ? json_object_array_length(settings) : 0;

	for (i = 0; i < n; i++)
		json_object_array_add(value, setting_json(vault,
				json_object_array_get_idx(settings, i)));
	json_object_object_add(body, "value", value);
	sb_reply_json(reply, 200, body);
}

static void get_setting(struct sb_reply *reply, json_object *vault,
			const char *name)
{
	json_object *setting = sb_find_by(sb_jarr(vault, "diagnosticSettings"),
					  "name", name);

	if (setting == NULL) {
		sb_arm_error(reply, 404, "ResourceNotFound",
			     "The diagnostic setting '%s' of vault '%s' does "
			     "not exist.", name, sb_jstr(vault, "name"));
		return;
	}
	sb_reply_json(reply, 200, setting_json(vault, setting));
}

void sb_route_diagnostics(struct sb_request *req, struct sb_reply *reply,
			  json_object *vault, char **rest, size_t n_rest)
{
	const char *action = "Microsoft.Insights/diagnosticSettings/read";
	char *scope;

	if (!sb_arm_check_version(req, reply, diagnostics_versions) ||
	    !sb_arm_only_get(req, reply))
		return;
	scope = sb_vault_scope(vault);
	if (!sb_rbac_allows(req->sb->tenant, sb_jstr(req->claims, "oid"),
			    scope, action)) {
		sb_arm_forbidden(req, reply, action, scope);
		free(scope);
		return;
	}
	free(scope);
	if (n_rest == 1)
		list_settings(reply, vault);
	else if (n_rest == 2)
		get_setting(reply, vault, rest[1]);
	else
		sb_arm_error(reply, 404, "NotFound", "No route for %s.",
			     req->path);
}
