/*
 * kvlink env show and kvlink status: what the environment store holds,
 * as text or JSON. Neither needs a sign-in or the network.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/arm.h"
#include "core/buf.h"
#include "core/jsonutil.h"
#include "i18n.h"

/* Stable lower-case role names for JSON, independent of translations. */
static const char *role_key(enum kvl_role role)
{
	switch (role) {
	case KVL_ROLE_ADMIN:
		return "admin";
	case KVL_ROLE_CONTRIBUTOR:
		return "contributor";
	default:
		return "viewer";
	}
}

static const char *link_state_key(enum kvl_link_state state)
{
	switch (state) {
	case KVL_LINK_PENDING:
		return "pending";
	case KVL_LINK_LINKED:
		return "linked";
	default:
		return "none";
	}
}

json_object *kvl_cli_env_json(const struct kvl_environment *env)
{
	json_object *doc = json_object_new_object();
	json_object *users = json_object_new_array();

	kvl_cli_json_add_string(doc, "id", env->id);
	kvl_cli_json_add_string(doc, "name", env->display_name);
	kvl_cli_json_add_string(doc, "region", env->region);
	json_object_object_add(doc, "revision",
			       json_object_new_int64(env->revision));

	for (size_t i = 0; i < env->n_users; i++) {
		json_object *user = json_object_new_object();

		kvl_cli_json_add_string(user, "objectId",
					env->users[i].object_id);
		kvl_cli_json_add_string(user, "name", env->users[i].name);
		kvl_cli_json_add_string(user, "role",
					role_key(env->users[i].role));
		json_object_array_add(users, user);
	}
	json_object_object_add(doc, "users", users);
	return doc;
}

static bool array_has(json_object *array, const char *value)
{
	size_t n = json_object_is_type(array, json_type_array) ?
		   json_object_array_length(array) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *item = json_object_get_string(
			json_object_array_get_idx(array, i));

		if (item != NULL && strcasecmp(item, value) == 0)
			return true;
	}
	return false;
}

/* Appends "category: p1, p2" for a non-empty list of permissions. */
static void add_category(struct kvl_buf *buf, const char *category,
			 json_object *list)
{
	size_t n = json_object_is_type(list, json_type_array) ?
		   json_object_array_length(list) : 0;

	if (n == 0)
		return;
	kvl_buf_addf(buf, "%s%s: ", buf->len > 0 ? "; " : "", category);
	for (size_t i = 0; i < n; i++) {
		const char *item = json_object_get_string(
			json_object_array_get_idx(list, i));

		kvl_buf_addf(buf, "%s%s", i > 0 ? ", " : "",
			     item != NULL ? item : "?");
	}
}

/* Appends "category: get, list" for what list lacks of get and list. */
static void add_missing(struct kvl_buf *buf, const char *category,
			json_object *list)
{
	bool get = array_has(list, "get"), lst = array_has(list, "list");
	const char *missing = "get, list";

	if (get && lst)
		return;
	if (get)
		missing = "list";
	else if (lst)
		missing = "get";
	kvl_buf_addf(buf, "%s%s: %s", buf->len > 0 ? "; " : "", category,
		     missing);
}

/*
 * For an access policy entry the principal had before the link, fills
 * added with the get and list permissions kvlink merged in, and had with
 * what the entry allowed before ("secrets: get, list, set"). Returns
 * false when previous_permissions is missing or unreadable.
 */
static bool describe_merge(const struct kvl_grant *g, struct kvl_buf *added,
			   struct kvl_buf *had)
{
	static const char *const categories[] = {
		"keys", "secrets", "certificates" };
	json_object *prev = NULL;

	if (g->previous_permissions == NULL ||
	    kvl_json_parse(g->previous_permissions,
			   strlen(g->previous_permissions), "permissions",
			   &prev, NULL) != KVL_OK)
		return false;

	for (size_t c = 0; c < 3; c++) {
		json_object *list = NULL;

		json_object_object_get_ex(prev, categories[c], &list);
		add_missing(added, categories[c], list);
		add_category(had, categories[c], list);
	}
	json_object_put(prev);
	return true;
}

static json_object *grant_json(const struct kvl_grant *g)
{
	json_object *doc = json_object_new_object();
	struct kvl_buf added, had;

	kvl_buf_init(&added);
	kvl_buf_init(&had);

	kvl_cli_json_add_string(doc, "kind", g->kind);
	kvl_cli_json_add_string(doc, "principalId", g->principal_id);
	kvl_cli_json_add_string(doc, "roleDefinitionId",
				g->role_definition_id);
	kvl_cli_json_add_string(doc, "assignmentId", g->assignment_id);
	kvl_cli_json_add_string(doc, "permissions", g->permissions);
	json_object_object_add(doc, "existed",
			       json_object_new_boolean(g->existed));
	if (g->existed && describe_merge(g, &added, &had)) {
		kvl_cli_json_add_string(doc, "added",
					added.data ? added.data : "");
		kvl_cli_json_add_string(doc, "allowedBefore", had.data);
	}
	kvl_buf_clear(&added);
	kvl_buf_clear(&had);
	return doc;
}

static json_object *pair_json(const char *k1, const char *v1,
			      const char *k2, const char *v2)
{
	json_object *doc = json_object_new_object();

	kvl_cli_json_add_string(doc, k1, v1);
	kvl_cli_json_add_string(doc, k2, v2);
	return doc;
}

/* JSON null when nothing is linked or pending. */
json_object *kvl_cli_link_json(const struct kvl_vault_link *link)
{
	json_object *doc, *grants;

	if (link->state == KVL_LINK_NONE)
		return NULL;

	doc = json_object_new_object();
	kvl_cli_json_add_string(doc, "state", link_state_key(link->state));
	kvl_cli_json_add_string(doc, "name", link->name);
	kvl_cli_json_add_string(doc, "resourceGroup", link->resource_group);
	kvl_cli_json_add_string(doc, "subscriptionId", link->subscription_id);
	kvl_cli_json_add_string(doc, "subscriptionName",
				link->subscription_name);
	kvl_cli_json_add_string(doc, "resourceId", link->resource_id);
	kvl_cli_json_add_string(doc, "vaultUri", link->vault_uri);
	kvl_cli_json_add_string(doc, "tenantId", link->tenant_id);
	kvl_cli_json_add_string(doc, "location", link->location);
	kvl_cli_json_add_string(doc, "permissionModel",
				link->permission_model);
	kvl_cli_json_add_string(doc, "servicePrincipalId",
				link->service_principal_id);

	grants = json_object_new_array();
	for (size_t i = 0; i < link->n_grants; i++)
		json_object_array_add(grants, grant_json(&link->grants[i]));
	json_object_object_add(doc, "grants", grants);

	json_object_object_add(doc, "linkedBy",
			       pair_json("objectId", link->linked_by,
					 "name", link->linked_by_name));
	kvl_cli_json_add_string(doc, "linkedAt", link->linked_at);
	json_object_object_add(doc, "consent",
			       pair_json("by", link->consent_by,
					 "at", link->consent_at));
	return doc;
}

void kvl_cli_print_env(const struct kvl_environment *env)
{
	kvl_cli_print_field(_("Environment"), env->display_name);
	kvl_cli_print_field(_("Environment id"), env->id);
	kvl_cli_print_field(_("Region"), env->region);

	for (size_t i = 0; i < env->n_users; i++) {
		char *user = NULL;

		if (asprintf(&user, "%s (%s, %s)", env->users[i].name,
			     kvl_role_name(env->users[i].role),
			     env->users[i].object_id) < 0)
			user = NULL;
		kvl_cli_print_field(_("User"), user);
		free(user);
	}
}

static const char *role_title(const char *role_definition_id)
{
	if (role_definition_id == NULL)
		return "?";
	if (strstr(role_definition_id, KVL_ROLE_KEY_VAULT_READER) != NULL)
		return "Key Vault Reader";
	if (strstr(role_definition_id, KVL_ROLE_KEY_VAULT_SECRETS_USER) != NULL)
		return "Key Vault Secrets User";
	return role_definition_id;
}

/* Describes an access policy grant: the permissions kvlink added, and
 * those the principal's entry had before. */
static char *policy_text(const struct kvl_grant *g)
{
	const char *who = g->principal_id ? g->principal_id : "?";
	struct kvl_buf added, had;
	char *text = NULL;
	int n;

	kvl_buf_init(&added);
	kvl_buf_init(&had);
	if (!g->existed)
		n = asprintf(&text, _("access policy for %s: %s (added by "
				      "kvlink)"), who,
			     g->permissions ? g->permissions : "?");
	else if (!describe_merge(g, &added, &had))
		n = asprintf(&text, _("access policy for %s: %s (the entry "
				      "existed before the link)"), who,
			     g->permissions ? g->permissions : "?");
	else if (added.len == 0)
		n = asprintf(&text, _("access policy for %s: nothing added; "
				      "the entry already allowed %s"), who,
			     had.data);
	else
		n = asprintf(&text, _("access policy for %s: kvlink added %s "
				      "to the entry, which already allowed "
				      "%s"), who, added.data,
			     had.len > 0 ? had.data : _("nothing"));
	kvl_buf_clear(&added);
	kvl_buf_clear(&had);
	return n >= 0 ? text : NULL;
}

static void print_grant(const struct kvl_grant *g)
{
	char *text = NULL;

	if (g->kind != NULL && strcmp(g->kind, "roleAssignment") == 0) {
		if (asprintf(&text, _("role %s for %s%s"),
			     role_title(g->role_definition_id),
			     g->principal_id,
			     g->existed ? _(" (held before the link; kvlink "
					    "did not add it)")
					: _(" (added by kvlink)")) < 0)
			text = NULL;
	} else {
		text = policy_text(g);
	}
	kvl_cli_print_field(_("Grant"), text);
	free(text);
}

static void print_who_when(const char *label, const char *who,
			   const char *who_id, const char *when)
{
	char *text = NULL;

	if (who == NULL && who_id == NULL && when == NULL)
		return;
	if (asprintf(&text, _("%s (%s) at %s"), who ? who : "?",
		     who_id ? who_id : "?", when ? when : "?") < 0)
		text = NULL;
	kvl_cli_print_field(label, text);
	free(text);
}

static void print_consent(const struct kvl_vault_link *link)
{
	char *text = NULL;

	if (link->consent_at == NULL) {
		kvl_cli_print_field(_("Consent"), _("not recorded"));
		return;
	}
	if (asprintf(&text, _("privacy statement accepted by %s at %s"),
		     link->consent_by ? link->consent_by : "?",
		     link->consent_at) < 0)
		text = NULL;
	kvl_cli_print_field(_("Consent"), text);
	free(text);
}

void kvl_cli_print_link(const struct kvl_vault_link *link)
{
	char *sub = NULL;

	if (link->state == KVL_LINK_NONE) {
		kvl_cli_print_field(_("Key vault"), _("none linked yet"));
		return;
	}
	kvl_cli_print_field(_("Key vault"), link->name);
	kvl_cli_print_field(_("State"), link->state == KVL_LINK_LINKED ?
			    _("linked") :
			    _("pending: an earlier link did not finish; "
			      "run 'kvlink link' again to finish it"));
	kvl_cli_print_field(_("Resource group"), link->resource_group);
	if (asprintf(&sub, "%s (%s)",
		     link->subscription_name ? link->subscription_name : "?",
		     link->subscription_id ? link->subscription_id : "?") < 0)
		sub = NULL;
	kvl_cli_print_field(_("Subscription"), sub);
	free(sub);
	kvl_cli_print_field(_("Location"), link->location);
	kvl_cli_print_field(_("Vault URI"), link->vault_uri);
	kvl_cli_print_field(_("Permission model"),
			    link->permission_model != NULL &&
			    strcmp(link->permission_model, "rbac") == 0 ?
			    _("Azure RBAC") : _("access policies"));
	for (size_t i = 0; i < link->n_grants; i++)
		print_grant(&link->grants[i]);
	print_who_when(_("Linked by"), link->linked_by_name, link->linked_by,
		       link->linked_at);
	print_consent(link);
}

kvl_result kvl_cli_cmd_env_show(struct kvl_cli *cli, struct kvl_error *err)
{
	kvl_result r = kvl_cli_require_env(cli, err);

	if (r != KVL_OK)
		return r;

	if (cli->opt.output == KVL_OUTPUT_JSON) {
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "environment",
				       kvl_cli_env_json(&cli->session.env));
		kvl_cli_print_json(doc);
		json_object_put(doc);
		return KVL_OK;
	}
	kvl_cli_print_env(&cli->session.env);
	return KVL_OK;
}

kvl_result kvl_cli_cmd_status(struct kvl_cli *cli, struct kvl_error *err)
{
	const struct kvl_environment *env = &cli->session.env;
	kvl_result r = kvl_cli_require_env(cli, err);

	if (r != KVL_OK)
		return r;

	if (cli->opt.output == KVL_OUTPUT_JSON) {
		json_object *doc = json_object_new_object();

		kvl_cli_json_add_string(doc, "environmentDir",
					kvl_envstore_dir(cli->session.store));
		json_object_object_add(doc, "environment",
				       kvl_cli_env_json(env));
		json_object_object_add(doc, "vault",
				       kvl_cli_link_json(&env->vault));
		kvl_cli_print_json(doc);
		json_object_put(doc);
		return KVL_OK;
	}
	kvl_cli_print_env(env);
	kvl_cli_print_link(&env->vault);
	return KVL_OK;
}
