/* The health check of the linked vault and the secrets connections use. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arm.h"
#include "core/arm_vault.h"
#include "core/keyvault.h"
#include "core/log.h"
#include "env/connections.h"
#include "flow/checks.h"
#include "flow/health.h"
#include "flow/link.h"
#include "i18n.h"

/*
 * More secrets than this in the linked vault that no connection uses give
 * the vault.dedicated recommendation. Customer Insights reads every secret
 * of the vault it may list, so a vault shared with other workloads exposes
 * their secrets too; a handful of spare secrets (old versions of a
 * password kept under a new name, say) is normal and not worth a warning.
 */
#define UNUSED_SECRETS_MAX 10

struct health_run {
	struct kvl_azure *az;
	const struct kvl_environment *env;
	const struct kvl_vault_link *link;
	struct kvl_health *health;
	/* Every connection in Key Vault mode: what a vault finding affects. */
	char **users;
	size_t n_users;
	const struct kvl_health_reader *reader;
	bool read_values;	/* false after the reader failed to sign in */
};

/* A finding before it is added. It owns cause and fix until then. */
struct finding_text {
	const char *id;
	const char *name;	/* appended to id after ':', or NULL */
	enum kvl_finding_severity severity;
	char *cause;
	char *fix;
};

const char *kvl_finding_severity_name(enum kvl_finding_severity severity)
{
	return severity == KVL_FINDING_ERROR ? "error" : "recommendation";
}

static void finding_clear(struct kvl_finding *f)
{
	size_t i;

	free(f->id);
	free(f->cause);
	free(f->fix);
	for (i = 0; i < f->n_connections; i++)
		free(f->connections[i]);
	free(f->connections);
	memset(f, 0, sizeof(*f));
}

void kvl_health_clear(struct kvl_health *health)
{
	size_t i;

	for (i = 0; i < health->n_findings; i++)
		finding_clear(&health->findings[i]);
	free(health->findings);
	memset(health, 0, sizeof(*health));
}

size_t kvl_health_errors(const struct kvl_health *health)
{
	size_t i, n = 0;

	for (i = 0; i < health->n_findings; i++)
		if (health->findings[i].severity == KVL_FINDING_ERROR)
			n++;
	return n;
}

static bool copy_names(struct kvl_finding *f, char *const *names, size_t n)
{
	size_t i;

	f->connections = calloc(n > 0 ? n : 1, sizeof(*f->connections));
	if (f->connections == NULL)
		return false;
	for (i = 0; i < n; i++) {
		f->connections[i] = strdup(names[i]);
		if (f->connections[i] == NULL)
			return false;
		f->n_connections = i + 1;
	}
	return true;
}

/* Adds a finding, taking ownership of text->cause and text->fix. */
static kvl_result add_finding(struct health_run *run,
			      struct finding_text *text, char *const *names,
			      size_t n_names, struct kvl_error *err)
{
	struct kvl_health *h = run->health;
	struct kvl_finding *grown, *f;
	int len;

	grown = realloc(h->findings, (h->n_findings + 1) * sizeof(*grown));
	if (grown == NULL)
		goto nomem;
	h->findings = grown;
	f = &h->findings[h->n_findings++];
	memset(f, 0, sizeof(*f));
	f->severity = text->severity;
	f->cause = text->cause;
	f->fix = text->fix;
	text->cause = text->fix = NULL;
	if (text->name != NULL)
		len = asprintf(&f->id, "%s:%s", text->id, text->name);
	else
		len = asprintf(&f->id, "%s", text->id);
	if (len < 0) {
		f->id = NULL;
		goto nomem;
	}
	if (f->cause == NULL || f->fix == NULL ||
	    !copy_names(f, names, n_names))
		goto nomem;
	return KVL_OK;

nomem:
	free(text->cause);
	free(text->fix);
	text->cause = text->fix = NULL;
	return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
}

static char *format(const char *fmt, ...) KVL_PRINTF(1, 2);

static char *format(const char *fmt, ...)
{
	va_list ap;
	char *text;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&text, fmt, ap);
	va_end(ap);
	return len < 0 ? NULL : text;
}

/* A finding about the vault itself, which affects every connection in
 * Key Vault mode. */
static kvl_result vault_finding(struct health_run *run, const char *id,
				enum kvl_finding_severity severity,
				char *cause, char *fix, struct kvl_error *err)
{
	struct finding_text text = { id, NULL, severity, cause, fix };

	return add_finding(run, &text, run->users, run->n_users, err);
}

static kvl_result collect_users(struct health_run *run,
				struct kvl_error *err)
{
	const struct kvl_environment *env = run->env;
	size_t i;

	run->users = calloc(env->n_connections + 1, sizeof(*run->users));
	if (run->users == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	for (i = 0; i < env->n_connections; i++)
		if (env->connections[i].use_key_vault)
			run->users[run->n_users++] =
				env->connections[i].display_name;
	return KVL_OK;
}

static kvl_result check_network(struct health_run *run,
				const struct kvl_vault *vault,
				struct kvl_error *err)
{
	if (kvl_vault_firewall_open(vault))
		return KVL_OK;
	return vault_finding(run, "vault.firewall", KVL_FINDING_ERROR,
		format("the firewall of key vault '%s' blocks public access "
		       "(default action %s, public network access %s), so "
		       "Customer Insights cannot read its secrets",
		       vault->name,
		       vault->default_action ? vault->default_action : "Allow",
		       vault->public_network_access ?
		       vault->public_network_access : "Enabled"),
		format("in the vault's Networking settings allow public access "
		       "from all networks; kvlink does not support vaults "
		       "behind a firewall"), err);
}

static kvl_result check_region(struct health_run *run,
			       const struct kvl_vault *vault,
			       struct kvl_error *err)
{
	if (kvl_region_equal(vault->location, run->env->region))
		return KVL_OK;
	return vault_finding(run, "vault.region", KVL_FINDING_ERROR,
		format("key vault '%s' is in region '%s' but the environment "
		       "is in '%s'", vault->name,
		       vault->location ? vault->location : "?",
		       run->env->region),
		format("unlink the vault and link one in region '%s'",
		       run->env->region), err);
}

static kvl_result check_protection(struct health_run *run,
				   const struct kvl_vault *vault,
				   struct kvl_error *err)
{
	kvl_result r = KVL_OK;

	if (!vault->soft_delete)
		r = vault_finding(run, "vault.soft-delete",
			KVL_FINDING_RECOMMENDATION,
			format("soft delete is off on key vault '%s', so a "
			       "deleted secret is gone at once", vault->name),
			format("turn on soft delete in the vault's Properties"),
			err);
	if (r == KVL_OK && !vault->purge_protection)
		r = vault_finding(run, "vault.purge-protection",
			KVL_FINDING_RECOMMENDATION,
			format("purge protection is off on key vault '%s', so "
			       "a deleted secret can be purged before its "
			       "retention period ends", vault->name),
			format("turn on purge protection in the vault's "
			       "Properties (it cannot be turned off again)"),
			err);
	return r;
}

static bool has_permission(char **list, const char *permission)
{
	size_t i;

	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (strcasecmp(list[i], permission) == 0 ||
		    strcasecmp(list[i], "all") == 0)
			return true;
	return false;
}

/* Access policy model: the principal's entry still allows get and list on
 * secrets. */
static kvl_result check_policy(struct health_run *run,
			       const struct kvl_vault *vault,
			       struct kvl_error *err)
{
	const char *oid = run->link->service_principal_id;
	size_t i;

	for (i = 0; i < vault->n_policies; i++) {
		const struct kvl_access_policy *p = &vault->policies[i];

		if (p->object_id == NULL || strcasecmp(p->object_id, oid) != 0
		    || p->application_id != NULL)
			continue;
		if (has_permission(p->secrets, "get") &&
		    has_permission(p->secrets, "list"))
			return KVL_OK;
	}
	return vault_finding(run, "vault.access-policy", KVL_FINDING_ERROR,
		format("the access policy of key vault '%s' no longer lets "
		       "the Customer Insights service principal (%s) get and "
		       "list secrets", vault->name, oid),
		format("run 'kvlink repair' (in the wizard: r on Admin > "
		       "Security, or f on Notifications), which adds the "
		       "entry again; or add get and list on secrets for "
		       "object id %s in the vault's Access policies", oid),
		err);
}

/* Whether scope is id itself or one of its parents ("/" included). A
 * plain prefix is not enough: "vaults/kv-a" is no parent of "vaults/kv-ab". */
static bool scope_covers(const char *scope, const char *id)
{
	size_t len = strlen(scope);

	while (len > 1 && scope[len - 1] == '/')
		len--;
	if (len == 1 && scope[0] == '/')
		return true;
	return strncasecmp(id, scope, len) == 0 &&
	       (id[len] == '\0' || id[len] == '/');
}

/* Whether one assignment gives role_guid at the vault or above it. */
static bool role_held(const struct kvl_role_assignment *list, size_t n,
		      const char *vault_id, const char *role_guid)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *scope = list[i].scope;
		const char *role = kvl_arm_id_tail(list[i].role_definition_id);

		if (scope == NULL || role == NULL ||
		    strcasecmp(role, role_guid) != 0)
			continue;
		if (scope_covers(scope, vault_id))
			return true;
	}
	return false;
}

/* RBAC model: both roles that a link grants are still assigned. */
static kvl_result check_roles(struct health_run *run,
			      const struct kvl_vault *vault,
			      struct kvl_error *err)
{
	/* Role GUID, role name, and the name in the finding's id. */
	static const char *const roles[][3] = {
		{ KVL_ROLE_KEY_VAULT_READER, "Key Vault Reader",
		  "key-vault-reader" },
		{ KVL_ROLE_KEY_VAULT_SECRETS_USER, "Key Vault Secrets User",
		  "key-vault-secrets-user" },
	};
	const char *oid = run->link->service_principal_id;
	struct kvl_role_assignment *list = NULL;
	size_t i, n = 0;
	kvl_result r;

	r = kvl_arm_list_role_assignments(run->az, vault->id, oid, &list, &n,
					  err);
	for (i = 0; r == KVL_OK && i < 2; i++) {
		struct finding_text text = {
			"vault.role-assignment", roles[i][2],
			KVL_FINDING_ERROR, NULL, NULL };

		if (role_held(list, n, vault->id, roles[i][0]))
			continue;
		text.cause = format("the Customer Insights service principal "
				    "(%s) no longer holds the role '%s' on "
				    "key vault '%s'", oid, roles[i][1],
				    vault->name);
		text.fix = format("run 'kvlink repair' (in the wizard: r on "
				  "Admin > Security, or f on Notifications), "
				  "which assigns the role again; or assign the "
				  "role '%s' to object id %s on the vault",
				  roles[i][1], oid);
		r = add_finding(run, &text, run->users, run->n_users, err);
	}
	kvl_role_assignments_free(list, n);
	return r;
}

static struct kvl_finding *find_finding(struct kvl_health *h, const char *id)
{
	size_t i;

	for (i = 0; i < h->n_findings; i++)
		if (strcmp(h->findings[i].id, id) == 0)
			return &h->findings[i];
	return NULL;
}

static kvl_result add_name(struct kvl_finding *f, const char *name,
			   struct kvl_error *err)
{
	char **grown;
	size_t i;

	for (i = 0; i < f->n_connections; i++)
		if (strcmp(f->connections[i], name) == 0)
			return KVL_OK;
	grown = realloc(f->connections,
			(f->n_connections + 1) * sizeof(*grown));
	if (grown == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	f->connections = grown;
	f->connections[f->n_connections] = strdup(name);
	if (f->connections[f->n_connections] == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	f->n_connections++;
	return KVL_OK;
}

/* Fills text for a secret that is missing (s NULL) or not usable. */
static void describe_secret(const char *vault, const char *name,
			    const struct kvl_secret_item *s, int64_t now,
			    struct finding_text *text)
{
	enum kvl_secret_usability u = s != NULL ?
		kvl_secret_usability(s, now) : KVL_SECRET_USABLE;

	text->name = name;
	text->severity = KVL_FINDING_ERROR;
	if (s == NULL) {
		text->id = "secret.missing";
		text->cause = format("secret '%s' does not exist in key vault "
				     "'%s'", name, vault);
		text->fix = format("create the secret again (or recover it if "
				   "it was deleted), or point the connections "
				   "at another secret");
	} else if (u == KVL_SECRET_DISABLED) {
		text->id = "secret.disabled";
		text->cause = format("secret '%s' in key vault '%s' is "
				     "disabled", name, vault);
		text->fix = format("enable the secret's current version");
	} else if (u == KVL_SECRET_EXPIRED) {
		text->id = "secret.expired";
		text->cause = format("secret '%s' in key vault '%s' has "
				     "expired", name, vault);
		text->fix = format("add a new version of the secret, or move "
				   "its expiry date");
	} else if (u == KVL_SECRET_NOT_YET_VALID) {
		text->id = "secret.not-yet-valid";
		text->cause = format("secret '%s' in key vault '%s' is not "
				     "valid yet", name, vault);
		text->fix = format("move the secret's activation date to now "
				   "or earlier");
	} else {
		text->id = NULL;
	}
}

/* The fix of "secret.unreadable": grant the reader access, unless the
 * reader is an app other than Customer Insights. */
static char *unreadable_fix(const struct kvl_health_reader *reader)
{
	if (reader->other_app_id != NULL)
		return format("the service identity's client id %s is not "
			      "the Customer Insights app (%s), so this check "
			      "does not show what Customer Insights can read; "
			      "do not grant that app access, but set the "
			      "service identity again with "
			      "--identity-client-id %s", reader->other_app_id,
			      KVL_CI_APP_ID, KVL_CI_APP_ID);
	return format("when the check also reports vault.access-policy or "
		      "vault.role-assignment, run 'kvlink repair' (in the "
		      "wizard: r on Admin > Security, or f on Notifications) "
		      "first; otherwise give %s the get permission on secrets "
		      "of the vault (access policy: Secret permissions > Get; "
		      "RBAC: the role Key Vault Secrets User)", reader->name);
}

/*
 * Reads the value of a usable secret as the reader and wipes it at once.
 * When that fails, fills text with the finding "secret.unreadable".
 * Only running out of memory or a cancel fail the check.
 */
static kvl_result read_value(struct health_run *run, const char *name,
			     struct finding_text *text, struct kvl_error *err)
{
	const struct kvl_vault_link *link = run->link;
	struct kvl_secret_value value = { 0 };
	struct kvl_error read_err;
	char *detail;
	kvl_result r;

	kvl_error_init(&read_err);
	r = kvl_kv_get_secret_value(run->reader->az, link->vault_uri,
				    link->tenant_id, name, &value, &read_err);
	kvl_secret_value_clear(&value);
	if (r == KVL_OK || r == KVL_ERR_NOMEM || r == KVL_ERR_CANCELLED) {
		if (r != KVL_OK)
			kvl_error_move(err, &read_err);
		goto out;
	}
	detail = kvl_error_format(&read_err);
	text->id = "secret.unreadable";
	text->name = name;
	text->severity = KVL_FINDING_ERROR;
	text->cause = format("secret '%s' exists in key vault '%s', but %s "
			     "cannot read its value: %s", name, link->name,
			     run->reader->name, detail ? detail : "?");
	text->fix = unreadable_fix(run->reader);
	free(detail);
	r = KVL_OK;
out:
	kvl_error_clear(&read_err);
	return r;
}

static kvl_result check_secret(struct health_run *run, const char *name,
			       const char *connection,
			       const struct kvl_secret_item *items, size_t n,
			       int64_t now, struct kvl_error *err)
{
	const struct kvl_secret_item *s = kvl_conn_find_secret(items, n, name);
	struct finding_text text = { 0 };
	struct kvl_finding *existing;
	char *id = NULL;
	kvl_result r = KVL_OK;

	describe_secret(run->link->name, name, s, now, &text);
	if (text.id == NULL && run->read_values)
		r = read_value(run, name, &text, err);
	if (r != KVL_OK || text.id == NULL)
		goto out;
	if (asprintf(&id, "%s:%s", text.id, name) < 0) {
		id = NULL;
		r = kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
		goto out;
	}
	existing = find_finding(run->health, id);
	if (existing != NULL)
		r = add_name(existing, connection, err);
	else
		r = add_finding(run, &text, (char *const *)&connection, 1,
				err);
out:
	free(text.cause);
	free(text.fix);
	free(id);
	return r;
}

/* A listing that fails (a firewall, a missing permission of the signed-in
 * user) is a finding: the secrets of the connections cannot be checked. */
static kvl_result unreadable_secrets(struct health_run *run,
				     struct kvl_error *list_err,
				     struct kvl_error *err)
{
	char *detail = kvl_error_format(list_err);
	kvl_result r;

	r = vault_finding(run, "vault.secrets-unreadable", KVL_FINDING_ERROR,
		format("the secrets of key vault '%s' could not be listed, so "
		       "the connections' secrets were not checked: %s",
		       run->link->name, detail ? detail : "unknown error"),
		format("fix the cause above, then run 'kvlink check' again"),
		err);
	free(detail);
	return r;
}

/* Signs the service identity in; a failure is a finding, after which no
 * secret values are read. */
static kvl_result sign_in_reader(struct health_run *run,
				 struct kvl_error *err)
{
	struct kvl_error sign_err;
	char *detail;
	kvl_result r;

	kvl_error_init(&sign_err);
	r = kvl_auth_sign_in(run->reader->az->auth, false, &sign_err);
	if (r == KVL_OK || r == KVL_ERR_NOMEM || r == KVL_ERR_CANCELLED) {
		run->read_values = r == KVL_OK;
		if (r != KVL_OK)
			kvl_error_move(err, &sign_err);
		goto out;
	}
	run->read_values = false;
	detail = kvl_error_format(&sign_err);
	r = vault_finding(run, "identity.sign-in", KVL_FINDING_ERROR,
		format("%s could not sign in, so no secret values were read: "
		       "%s", run->reader->name, detail ? detail : "?"),
		format("check the service identity with 'kvlink env identity "
		       "show' and set it again with 'kvlink env identity "
		       "set', or remove it with 'kvlink env identity "
		       "clear'"), err);
	free(detail);
out:
	kvl_error_clear(&sign_err);
	return r;
}

/* Whether a connection in Key Vault mode names the secret. */
static bool secret_used(const struct kvl_environment *env, const char *name)
{
	size_t i, j;

	for (i = 0; i < env->n_connections; i++) {
		const struct kvl_connection *c = &env->connections[i];

		for (j = 0; c->use_key_vault && j < c->n_secrets; j++)
			if (c->secrets[j].value != NULL &&
			    strcasecmp(c->secrets[j].value, name) == 0)
				return true;
	}
	return false;
}

/* A dedicated vault: few secrets besides the ones connections use.
 * Secrets that back a certificate are not counted: they come and go with
 * the certificate. */
static kvl_result check_unused(struct health_run *run,
			       const struct kvl_secret_item *items, size_t n,
			       struct kvl_error *err)
{
	size_t i, unused = 0;

	for (i = 0; i < n; i++)
		if (!items[i].managed && items[i].name != NULL &&
		    !secret_used(run->env, items[i].name))
			unused++;
	if (unused <= UNUSED_SECRETS_MAX)
		return KVL_OK;
	return vault_finding(run, "vault.dedicated", KVL_FINDING_RECOMMENDATION,
		format("key vault '%s' contains %zu secrets that no "
		       "connection uses, and Customer Insights may read all "
		       "of them",
		       run->link->name, unused),
		format("use a vault that contains only the secrets Customer "
		       "Insights needs: move the other secrets to another "
		       "vault, or link a dedicated vault instead"), err);
}

static kvl_result check_connections(struct health_run *run, int64_t now,
				    struct kvl_error *err)
{
	const struct kvl_environment *env = run->env;
	struct kvl_secret_item *items = NULL;
	struct kvl_error list_err;
	size_t i, j, n = 0;
	kvl_result r;

	run->read_values = true;
	if (run->n_users > 0 && run->reader->service) {
		r = sign_in_reader(run, err);
		if (r != KVL_OK)
			return r;
	}
	kvl_error_init(&list_err);
	r = kvl_link_list_secrets(run->az, run->link, &items, &n, &list_err);
	if (r == KVL_ERR_NOMEM || r == KVL_ERR_CANCELLED) {
		kvl_error_move(err, &list_err);
		goto out;
	}
	/* With no connection to check, a list that cannot be read only
	 * leaves the unused secrets uncounted. */
	if (r != KVL_OK && run->n_users == 0) {
		kvl_log("cannot list the secrets of %s to count unused ones: "
			"%s", run->link->name, list_err.message ?
			list_err.message : "unknown error");
		r = KVL_OK;
		goto out;
	}
	if (r != KVL_OK) {
		r = unreadable_secrets(run, &list_err, err);
		goto out;
	}

	for (i = 0; r == KVL_OK && i < env->n_connections; i++) {
		const struct kvl_connection *c = &env->connections[i];

		for (j = 0; c->use_key_vault && r == KVL_OK &&
			    j < c->n_secrets; j++)
			r = check_secret(run, c->secrets[j].value,
					 c->display_name, items, n, now, err);
	}
	if (r == KVL_OK)
		r = check_unused(run, items, n, err);
out:
	kvl_error_clear(&list_err);
	kvl_secret_items_free(items, n);
	return r;
}

/* The diagnostic settings could not be read: the audit log may or may not
 * be kept, which is worth a note but does not fail the check. */
static kvl_result logging_unknown(struct health_run *run,
				  const struct kvl_vault *vault,
				  struct kvl_error *read_err,
				  struct kvl_error *err)
{
	char *detail = kvl_error_format(read_err);
	kvl_result r;

	r = vault_finding(run, "vault.audit-logging-unknown",
		KVL_FINDING_RECOMMENDATION,
		format("the diagnostic settings of key vault '%s' could not "
		       "be read, so kvlink cannot tell whether its audit log "
		       "is kept: %s", vault->name,
		       detail ? detail : "unknown error"),
		format("check the vault's Diagnostic settings in the portal, "
		       "or run the check as a user who may read them (the "
		       "Reader or Monitoring Reader role on the vault)"),
		err);
	free(detail);
	return r;
}

/* Audit logging: some diagnostic setting sends the vault's AuditEvent log
 * to a destination, so every read of a secret is recorded. */
static kvl_result check_logging(struct health_run *run,
				const struct kvl_vault *vault,
				struct kvl_error *err)
{
	struct kvl_diagnostic_setting *settings = NULL;
	struct kvl_error read_err;
	size_t n = 0;
	kvl_result r;

	kvl_error_init(&read_err);
	r = kvl_arm_list_diagnostic_settings(run->az, vault->id, &settings,
					     &n, &read_err);
	if (r == KVL_ERR_NOMEM || r == KVL_ERR_CANCELLED) {
		kvl_error_move(err, &read_err);
		goto out;
	}
	if (r != KVL_OK) {
		r = logging_unknown(run, vault, &read_err, err);
		goto out;
	}
	if (kvl_diagnostic_settings_audit(settings, n))
		goto out;

	r = vault_finding(run, "vault.audit-logging",
		KVL_FINDING_RECOMMENDATION,
		format("no diagnostic setting of key vault '%s' sends its "
		       "audit log (the AuditEvent category, or the audit or "
		       "allLogs category group) anywhere, so nobody can see "
		       "who read its secrets", vault->name),
		format("turn on audit logging: in the vault's Diagnostic "
		       "settings add a setting with the category group 'audit' "
		       "and a Log Analytics workspace or storage account as "
		       "its destination; with the Azure CLI: az monitor "
		       "diagnostic-settings create --name kv-audit --resource "
		       "%s --workspace WORKSPACE_ID --logs "
		       "'[{\"categoryGroup\":\"audit\",\"enabled\":true}]'",
		       vault->id), err);
out:
	kvl_error_clear(&read_err);
	kvl_diagnostic_settings_free(settings, n);
	return r;
}

static kvl_result check_vault(struct health_run *run,
			      const struct kvl_vault *vault,
			      struct kvl_error *err)
{
	kvl_result r;

	r = check_network(run, vault, err);
	if (r == KVL_OK)
		r = check_region(run, vault, err);
	if (r == KVL_OK)
		r = vault->rbac ? check_roles(run, vault, err) :
				  check_policy(run, vault, err);
	if (r == KVL_OK)
		r = check_protection(run, vault, err);
	if (r == KVL_OK)
		r = check_logging(run, vault, err);
	return r;
}

/* The date part of an RFC 3339 time ("2026-03-01T10:00:00Z" gives
 * "2026-03-01"), or "?" when Azure sent none. */
static const char *date_part(const char *when, char out[11])
{
	if (when == NULL || strlen(when) < 10)
		return "?";
	memcpy(out, when, 10);
	out[10] = '\0';
	return out;
}

/* The vault was deleted with soft delete on and can still be recovered. */
static kvl_result soft_deleted_vault(struct health_run *run,
				     const struct kvl_deleted_vault *deleted,
				     struct kvl_error *err)
{
	const struct kvl_vault_link *link = run->link;
	char deleted_on[11], purge_on[11];
	const char *location = deleted->location ? deleted->location :
			       link->location;

	return vault_finding(run, "vault.soft-deleted", KVL_FINDING_ERROR,
		format("key vault '%s' was deleted on %s and is soft-deleted: "
		       "its secrets can still be recovered, but Azure purges "
		       "it for good on %s", link->name,
		       date_part(deleted->deletion_date, deleted_on),
		       date_part(deleted->scheduled_purge_date, purge_on)),
		format("recover it before %s with 'az keyvault recover "
		       "--subscription %s --name %s --location %s' (or in the "
		       "portal under Key vaults > Manage deleted vaults), then "
		       "run 'kvlink check' again",
		       date_part(deleted->scheduled_purge_date, purge_on),
		       link->subscription_id, link->name,
		       location ? location : "?"), err);
}

/* The vault is neither in its resource group nor among deleted vaults. */
static kvl_result purged_vault(struct health_run *run, struct kvl_error *err)
{
	const struct kvl_vault_link *link = run->link;

	return vault_finding(run, "vault.missing", KVL_FINDING_ERROR,
		format("key vault '%s' no longer exists (purged): it is not in "
		       "resource group '%s' of subscription %s, nor among "
		       "the subscription's deleted vaults", link->name,
		       link->resource_group, link->subscription_id),
		format("run 'kvlink unlink' and link another vault"), err);
}

/* The deleted vaults could not be read, so the vault's fate is unknown. */
static kvl_result unknown_fate(struct health_run *run,
			       struct kvl_error *lookup_err,
			       struct kvl_error *err)
{
	const struct kvl_vault_link *link = run->link;
	char *detail = kvl_error_format(lookup_err);
	kvl_result r;

	r = vault_finding(run, "vault.missing", KVL_FINDING_ERROR,
		format("key vault '%s' was not found in resource group '%s' "
		       "of subscription %s, and the deleted vaults could not "
		       "be read to tell whether it can be recovered: %s",
		       link->name, link->resource_group,
		       link->subscription_id,
		       detail ? detail : "unknown error"),
		format("recover the vault if it was soft-deleted, or run "
		       "'kvlink unlink' and link another vault"), err);
	free(detail);
	return r;
}

/* Finds the link's vault among the deleted vaults of its subscription:
 * directly in its recorded location, or by name in the whole list when
 * the link has no location. */
static kvl_result find_deleted(struct kvl_azure *az,
			       const struct kvl_vault_link *link,
			       struct kvl_deleted_vault *out,
			       struct kvl_error *err)
{
	struct kvl_deleted_vault *list = NULL;
	size_t i, n = 0;
	kvl_result r;

	if (link->location != NULL)
		return kvl_arm_get_deleted_vault(az, link->subscription_id,
						 link->location, link->name,
						 out, err);
	memset(out, 0, sizeof(*out));
	r = kvl_arm_list_deleted_vaults(az, link->subscription_id, &list, &n,
					err);
	for (i = 0; r == KVL_OK && i < n; i++) {
		if (strcasecmp(list[i].name, link->name) != 0)
			continue;
		*out = list[i];
		memset(&list[i], 0, sizeof(list[i]));
		break;
	}
	if (r == KVL_OK && i == n)
		r = kvl_error_set(err, KVL_ERR_NOT_FOUND,
				  _("no deleted key vault named '%s'"),
				  link->name);
	kvl_deleted_vaults_free(list, n);
	return r;
}

/*
 * Whether a 404 from Azure is about the vault itself. Azure returns
 * SubscriptionNotFound or ResourceGroupNotFound when the signed-in
 * principal may not see the subscription or resource group, and those
 * codes tell nothing about the vault.
 */
static bool vault_not_found(const struct kvl_error *err)
{
	return err->azure_code != NULL &&
	       strcasecmp(err->azure_code, "ResourceNotFound") == 0;
}

/* Whether a 404 means that the subscription or its resource group cannot
 * be seen, rather than that the requested resource is missing. */
static bool scope_hidden(const struct kvl_error *err)
{
	return err->azure_code != NULL &&
	       (strcasecmp(err->azure_code, "SubscriptionNotFound") == 0 ||
		strcasecmp(err->azure_code, "ResourceGroupNotFound") == 0);
}

/* A 404 for the vault's subscription or resource group: the vault may
 * well exist, so this fails the check and stores no findings. Keeps
 * Azure's code and message in err. */
static kvl_result hidden_scope(const struct kvl_vault_link *link,
			       struct kvl_error *err)
{
	const char *code = err->azure_code != NULL ? err->azure_code : "";

	if (strcasecmp(code, "SubscriptionNotFound") == 0)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
			_("subscription %s of key vault '%s' is not visible "
			  "to the signed-in principal, so the vault cannot be "
			  "checked; check the account and tenant you signed "
			  "in with ('kvlink whoami'), and that it has a role "
			  "on the subscription"),
			link->subscription_id, link->name);
	if (strcasecmp(code, "ResourceGroupNotFound") == 0)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
			_("resource group '%s' of key vault '%s' is not "
			  "visible to the signed-in principal in subscription "
			  "%s, so the vault cannot be checked; check the "
			  "account and tenant you signed in with ('kvlink "
			  "whoami'), and that the resource group exists"),
			link->resource_group, link->name,
			link->subscription_id);
	return kvl_error_set(err, KVL_ERR_NOT_FOUND,
		_("key vault '%s' was not found in resource group '%s' of "
		  "subscription %s, but Azure did not say that the vault "
		  "itself is missing: it may not be visible to the "
		  "signed-in principal; check the account and tenant you "
		  "signed in with ('kvlink whoami')"),
		link->name, link->resource_group, link->subscription_id);
}

/* The vault is gone: nothing else can be checked, but whether it can be
 * recovered decides what to do. A deleted vault of the same name that
 * had another resource id is somebody else's. */
static kvl_result missing_vault(struct health_run *run,
				struct kvl_error *err)
{
	const struct kvl_vault_link *link = run->link;
	struct kvl_deleted_vault deleted = { 0 };
	struct kvl_error lookup_err;
	kvl_result r;

	kvl_error_init(&lookup_err);
	r = find_deleted(run->az, link, &deleted, &lookup_err);
	if (r == KVL_ERR_NOMEM || r == KVL_ERR_CANCELLED) {
		kvl_error_move(err, &lookup_err);
		goto out;
	}
	if (r == KVL_OK && (deleted.vault_id == NULL ||
			    link->resource_id == NULL ||
			    strcasecmp(deleted.vault_id,
				       link->resource_id) == 0))
		r = soft_deleted_vault(run, &deleted, err);
	else if (r == KVL_OK ||
		 (r == KVL_ERR_NOT_FOUND && !scope_hidden(&lookup_err)))
		r = purged_vault(run, err);
	else
		r = unknown_fate(run, &lookup_err, err);
out:
	kvl_error_clear(&lookup_err);
	kvl_deleted_vault_clear(&deleted);
	return r;
}

/* Moves the errors before the recommendations, keeping the order within
 * each group, so that every listing of the findings starts with what
 * stops connections from working. */
static void errors_first(struct kvl_health *health)
{
	struct kvl_finding *f = health->findings;
	size_t i, j;

	for (i = 1; i < health->n_findings; i++) {
		struct kvl_finding moved = f[i];

		if (moved.severity != KVL_FINDING_ERROR)
			continue;
		for (j = i; j > 0 && f[j - 1].severity != KVL_FINDING_ERROR;
		     j--)
			f[j] = f[j - 1];
		f[j] = moved;
	}
}

kvl_result kvl_health_check(struct kvl_azure *az,
			    const struct kvl_environment *env, int64_t now,
			    struct kvl_health *out, struct kvl_error *err)
{
	const struct kvl_health_reader user = {
		.az = az, .name = "the signed-in user",
	};

	return kvl_health_check_as(az, &user, env, now, out, err);
}

kvl_result kvl_health_check_as(struct kvl_azure *az,
			       const struct kvl_health_reader *reader,
			       const struct kvl_environment *env, int64_t now,
			       struct kvl_health *out, struct kvl_error *err)
{
	struct health_run run = { az, env, &env->vault, out, NULL, 0,
				  reader, false };
	struct kvl_vault vault = { 0 };
	kvl_result r;

	memset(out, 0, sizeof(*out));
	if (env->vault.state != KVL_LINK_LINKED)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
				     _("no key vault is linked to environment "
				       "'%s'; link one with 'kvlink link'"),
				     env->display_name);
	r = collect_users(&run, err);
	if (r != KVL_OK)
		goto out;

	r = kvl_arm_get_vault(az, env->vault.subscription_id,
			      env->vault.resource_group, env->vault.name,
			      &vault, err);
	if (r == KVL_ERR_NOT_FOUND && !vault_not_found(err)) {
		r = hidden_scope(&env->vault, err);
		goto out;
	}
	if (r == KVL_ERR_NOT_FOUND) {
		kvl_error_clear(err);
		r = missing_vault(&run, err);
		goto out;
	}
	if (r == KVL_OK)
		r = check_vault(&run, &vault, err);
	if (r == KVL_OK)
		r = check_connections(&run, now, err);

out:
	kvl_vault_clear(&vault);
	free(run.users);
	if (r != KVL_OK)
		kvl_health_clear(out);
	else
		errors_first(out);
	return r;
}
