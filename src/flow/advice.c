#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "flow/advice.h"
#include "i18n.h"

KVL_PRINTF(3, 4)
static void add_item(struct kvl_advice *advice, const char *name,
		     const char *fmt, ...)
{
	struct kvl_advice_item *item;
	va_list ap;

	if (advice->n >= KVL_ADVICE_MAX)
		return;
	item = &advice->items[advice->n];
	va_start(ap, fmt);
	if (vasprintf(&item->text, fmt, ap) < 0)
		item->text = NULL;
	va_end(ap);
	if (item->text == NULL)
		return;
	item->name = name;
	advice->n++;
}

static bool is_read_permission(const char *permission)
{
	return strcasecmp(permission, "get") == 0 ||
	       strcasecmp(permission, "list") == 0;
}

/* Appends "category: p1, p2" for the permissions beyond get and list. */
static void add_write_permissions(struct kvl_buf *buf, const char *category,
				  char *const *permissions)
{
	bool first = true;

	for (size_t i = 0; permissions != NULL && permissions[i]; i++) {
		if (is_read_permission(permissions[i]))
			continue;
		if (first && buf->len > 0)
			kvl_buf_adds(buf, "; ");
		kvl_buf_adds(buf, first ? category : ", ");
		if (first)
			kvl_buf_adds(buf, ": ");
		kvl_buf_adds(buf, permissions[i]);
		first = false;
	}
}

static const struct kvl_access_policy *
find_policy(const struct kvl_vault *vault, const char *principal_id)
{
	for (size_t i = 0; i < vault->n_policies; i++) {
		const char *id = vault->policies[i].object_id;

		if (id != NULL && strcasecmp(id, principal_id) == 0 &&
		    vault->policies[i].application_id == NULL)
			return &vault->policies[i];
	}
	return NULL;
}

static void advise_policy(const struct kvl_vault *vault,
			  const char *principal_id, struct kvl_advice *advice)
{
	const struct kvl_access_policy *policy;
	struct kvl_buf extra;
	char *text;

	if (vault->rbac || principal_id == NULL)
		return;
	policy = find_policy(vault, principal_id);
	if (policy == NULL)
		return;

	kvl_buf_init(&extra);
	add_write_permissions(&extra, "keys", policy->keys);
	add_write_permissions(&extra, "secrets", policy->secrets);
	add_write_permissions(&extra, "certificates", policy->certificates);
	text = kvl_buf_detach(&extra);
	if (text != NULL && text[0] != '\0')
		add_item(advice, "principalWriteAccess",
			 _("The Customer Insights service principal's access "
			   "policy entry already allows more than reading "
			   "(%s). kvlink adds only get and list and leaves "
			   "the rest; remove what Customer Insights does "
			   "not need."), text);
	free(text);
}

/* Whether an assignment at scope applies to the vault: scope is the
 * vault's id or one of its parents. */
static bool scope_covers(const char *scope, const char *vault_id)
{
	size_t len = scope != NULL ? strlen(scope) : 0;

	while (len > 0 && scope[len - 1] == '/')
		len--;
	if (len == 0 || vault_id == NULL ||
	    strncasecmp(scope, vault_id, len) != 0)
		return false;
	return vault_id[len] == '\0' || vault_id[len] == '/';
}

static bool is_read_role(const char *role_definition_id)
{
	const char *slash = role_definition_id != NULL ?
			    strrchr(role_definition_id, '/') : NULL;
	const char *guid = slash != NULL ? slash + 1 : role_definition_id;

	return guid != NULL &&
	       (strcasecmp(guid, KVL_ROLE_KEY_VAULT_READER) == 0 ||
		strcasecmp(guid, KVL_ROLE_KEY_VAULT_SECRETS_USER) == 0);
}

/* Names of built-in roles that often come up here; others show as the
 * role definition's GUID. */
static const char *role_name(const char *role_definition_id)
{
	static const char *const names[][2] = {
		{ "00482a5a-887f-4fb3-b363-3b7fe8e74483",
		  "Key Vault Administrator" },
		{ "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner" },
		{ "b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor" },
		{ "acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader" },
	};
	const char *slash = strrchr(role_definition_id, '/');
	const char *guid = slash != NULL ? slash + 1 : role_definition_id;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(guid, names[i][0]) == 0)
			return names[i][1];
	}
	return guid;
}

static void advise_roles(const struct kvl_link_plan *plan,
			 struct kvl_advice *advice)
{
	struct kvl_buf roles;
	char *text;

	kvl_buf_init(&roles);
	for (size_t i = 0; i < plan->n_principal_roles; i++) {
		const struct kvl_role_assignment *ra =
			&plan->principal_roles[i];

		if (ra->role_definition_id == NULL ||
		    is_read_role(ra->role_definition_id) ||
		    !scope_covers(ra->scope, plan->vault.id))
			continue;
		kvl_buf_addf(&roles, "%s%s at %s", roles.len > 0 ? "; " : "",
			     role_name(ra->role_definition_id), ra->scope);
	}
	text = kvl_buf_detach(&roles);
	if (text != NULL && text[0] != '\0')
		add_item(advice, "principalBroadRole",
			 _("The Customer Insights service principal already "
			   "holds roles that allow more than reading the "
			   "vault (%s). kvlink adds only Key Vault Reader "
			   "and Key Vault Secrets User; remove the other "
			   "roles if Customer Insights does not need them."),
			 text);
	free(text);
}

void kvl_advice_collect(const struct kvl_link_plan *plan,
			struct kvl_advice *advice)
{
	const struct kvl_vault *vault = &plan->vault;
	const char *principal_id = plan->principal_found ?
				   plan->principal.object_id : NULL;

	memset(advice, 0, sizeof(*advice));
	if (!vault->soft_delete)
		add_item(advice, "softDelete", "%s",
			 _("Soft delete is off. Turn it on, as the Customer "
			   "Insights documentation recommends, so that a "
			   "secret removed by mistake can be restored."));
	if (!vault->purge_protection)
		add_item(advice, "purgeProtection", "%s",
			 _("Purge protection is off. With it on, a deleted "
			   "secret cannot be purged before its retention "
			   "period ends; note that it cannot be turned off "
			   "again."));
	advise_policy(vault, principal_id, advice);
	advise_roles(plan, advice);
}

void kvl_advice_clear(struct kvl_advice *advice)
{
	for (size_t i = 0; i < advice->n; i++)
		free(advice->items[i].text);
	memset(advice, 0, sizeof(*advice));
}
