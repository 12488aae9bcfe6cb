#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "flow/link.h"
#include "flow/link_grants.h"
#include "i18n.h"

/* The two roles an RBAC vault gets, with the names az accepts. */
static const struct {
	const char *guid;
	const char *name;
} rbac_roles[] = {
	{ KVL_ROLE_KEY_VAULT_READER, "Key Vault Reader" },
	{ KVL_ROLE_KEY_VAULT_SECRETS_USER, "Key Vault Secrets User" },
};

#define N_RBAC_ROLES (sizeof(rbac_roles) / sizeof(rbac_roles[0]))

kvl_result kvl_link_list_secrets(struct kvl_azure *az,
				 const struct kvl_vault_link *link,
				 struct kvl_secret_item **out, size_t *n,
				 struct kvl_error *err)
{
	struct kvl_vault vault = { 0 };
	kvl_result r;

	*out = NULL;
	*n = 0;
	if (link->state != KVL_LINK_LINKED || link->name == NULL ||
	    link->subscription_id == NULL || link->resource_group == NULL)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
				     _("no key vault is linked to this "
				       "environment; link one first"));

	r = kvl_arm_get_vault(az, link->subscription_id, link->resource_group,
			      link->name, &vault, err);
	if (r == KVL_OK)
		r = kvl_kv_list_secrets(az, vault.vault_uri,
					vault.tenant_id != NULL ?
						vault.tenant_id :
						link->tenant_id,
					out, n, err);
	kvl_vault_clear(&vault);
	return r;
}

const char *kvl_link_privacy_statement(void)
{
	return _("Linking this key vault lets the Dynamics 365 Customer "
		 "Insights service principal list the keys, secrets and "
		 "certificates in the vault and read their values. Customer "
		 "Insights never creates, changes or deletes anything in the "
		 "vault.\n"
		 "\n"
		 "When a connection uses a secret from the vault, Customer "
		 "Insights reads the value and sends it to the system that "
		 "connection talks to. That data may then leave the compliance "
		 "boundary of your vault and of your organisation.\n"
		 "\n"
		 "By accepting, you confirm that you are allowed to give "
		 "Customer Insights this access on behalf of your "
		 "organisation.");
}

/* Appends "; <text>" to err->message. */
KVL_PRINTF(2, 3)
static void append_message(struct kvl_error *err, const char *fmt, ...)
{
	struct kvl_buf buf;
	char *extra = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&extra, fmt, ap) < 0)
		extra = NULL;
	va_end(ap);
	if (extra == NULL)
		return;

	kvl_buf_init(&buf);
	if (err->message != NULL)
		kvl_buf_addf(&buf, "%s; ", err->message);
	kvl_buf_adds(&buf, extra);
	free(extra);
	if (buf.data == NULL)
		return;
	free(err->message);
	err->message = kvl_buf_detach(&buf);
}

/*
 * Finds the vault by name (case-insensitive) in the whole subscription.
 * The list carries every property a GET of the vault returns, so the
 * vault found is moved into *vault and no second request is needed.
 */
static kvl_result find_vault(struct kvl_azure *az, const char *sub,
			     const char *name, struct kvl_vault *vault,
			     struct kvl_error *err)
{
	struct kvl_vault *vaults = NULL;
	size_t i, n = 0;
	kvl_result rc;
	char *safe;

	rc = kvl_arm_list_vaults(az, sub, NULL, &vaults, &n, err);
	if (rc != KVL_OK)
		return rc;

	for (i = 0; i < n; i++) {
		if (vaults[i].name != NULL &&
		    vaults[i].resource_group != NULL &&
		    strcasecmp(vaults[i].name, name) == 0)
			break;
	}
	if (i < n) {
		*vault = vaults[i];
		memset(&vaults[i], 0, sizeof(vaults[i]));
	}
	kvl_vaults_free(vaults, n);
	if (i < n)
		return KVL_OK;

	safe = kvl_sanitize(name);
	rc = kvl_error_set(err, KVL_ERR_NOT_FOUND,
		_("no key vault named '%s' in subscription %s; check "
		  "the name and the subscription"), safe, sub);
	free(safe);
	return rc;
}

static kvl_result fetch_vault(struct kvl_azure *az, const char *sub,
			      const char *group, const char *name,
			      struct kvl_vault *vault, struct kvl_error *err)
{
	if (group != NULL)
		return kvl_arm_get_vault(az, sub, group, name, vault, err);
	kvl_sink_progress(az->sink, _("Looking for the key vault"));
	return find_vault(az, sub, name, vault, err);
}

/*
 * Reads the caller's effective permissions at the vault. A failure other
 * than a cancel leaves them unknown, which the permission check reports.
 */
static kvl_result fetch_permissions(struct kvl_azure *az, const char *scope,
				    struct kvl_permission **perms, size_t *n,
				    bool *known, struct kvl_error *err)
{
	struct kvl_error perm_err;
	kvl_result rc;

	kvl_error_init(&perm_err);
	*known = false;
	rc = kvl_arm_get_permissions(az, scope, perms, n, &perm_err);
	if (rc == KVL_OK) {
		*known = true;
	} else if (rc == KVL_ERR_CANCELLED) {
		kvl_error_move(err, &perm_err);
		return rc;
	} else {
		char *text = kvl_error_format(&perm_err);

		kvl_sink_message(az->sink, KVL_LEVEL_WARNING,
				 _("Your permissions could not be read: %s"),
				 text != NULL ? text : "");
		free(text);
	}
	kvl_error_clear(&perm_err);
	return KVL_OK;
}

/* Looks the service principal up in the vault's tenant. */
static kvl_result fetch_principal(struct kvl_azure *az,
				  struct kvl_link_plan *plan,
				  const struct kvl_link_options *options,
				  struct kvl_error *err)
{
	const char *app_id = options != NULL && options->app_id != NULL
			     ? options->app_id : KVL_CI_APP_ID;
	kvl_result rc;

	kvl_sink_progress(az->sink,
			  _("Looking up the Customer Insights service "
			    "principal"));
	rc = kvl_graph_find_service_principal(az, plan->vault.tenant_id,
					      app_id, &plan->principal, err);
	if (rc == KVL_ERR_NOT_FOUND) {
		kvl_error_clear(err);
		plan->principal_found = false;
		return KVL_OK;
	}
	plan->principal_found = rc == KVL_OK;
	return rc;
}

/* Appends value to buf for a POSIX shell: as it is when it contains
 * only characters no shell treats specially, else in single quotes. */
static void add_shell_word(struct kvl_buf *buf, const char *value)
{
	static const char plain[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789-_./:@";

	if (value[0] != '\0' && value[strspn(value, plain)] == '\0') {
		kvl_buf_adds(buf, value);
		return;
	}
	kvl_buf_adds(buf, "'");
	for (const char *p = value; *p != '\0'; p++) {
		if (*p == '\'')
			kvl_buf_adds(buf, "'\\''");
		else
			kvl_buf_add(buf, p, 1);
	}
	kvl_buf_adds(buf, "'");
}

/* Appends " option value" with value sanitised and quoted. */
static void add_option(struct kvl_buf *buf, const char *option,
		       const char *value)
{
	char *clean = kvl_sanitize(value != NULL ? value : "");

	kvl_buf_addf(buf, " %s ", option);
	add_shell_word(buf, clean != NULL ? clean : "");
	free(clean);
}

char *kvl_link_az_commands(const struct kvl_link_plan *plan)
{
	const char *object_id = plan->principal.object_id;
	struct kvl_buf buf;
	size_t i;

	kvl_buf_init(&buf);
	if (!plan->vault.rbac) {
		/* NOTE: not run against the sandbox or Azure, so it is
		 * unconfirmed that set-policy keeps an entry's other
		 * permissions the way kvl_link_apply does. */
		kvl_buf_adds(&buf, "az keyvault set-policy");
		add_option(&buf, "--subscription",
			   plan->vault.subscription_id);
		add_option(&buf, "--resource-group",
			   plan->vault.resource_group);
		add_option(&buf, "--name", plan->vault.name);
		add_option(&buf, "--object-id", object_id);
		kvl_buf_adds(&buf, " --key-permissions get list"
				   " --secret-permissions get list"
				   " --certificate-permissions get list\n");
	}
	for (i = 0; plan->vault.rbac && i < N_RBAC_ROLES; i++) {
		kvl_buf_adds(&buf, "az role assignment create");
		add_option(&buf, "--assignee-object-id", object_id);
		kvl_buf_adds(&buf, " --assignee-principal-type "
				   "ServicePrincipal");
		add_option(&buf, "--role", rbac_roles[i].name);
		add_option(&buf, "--scope", plan->vault.id);
		kvl_buf_adds(&buf, "\n");
	}
	return buf.data != NULL ? kvl_buf_detach(&buf) : NULL;
}

static char *manual_steps(const struct kvl_link_plan *plan)
{
	char *scope = kvl_sanitize(plan->vault.id);
	char *object_id = kvl_sanitize(plan->principal.object_id);
	char *app_id = kvl_sanitize(plan->principal.app_id);
	char *vault = kvl_sanitize(plan->vault.name);
	char *commands = kvl_link_az_commands(plan);
	char *line, *rest;
	struct kvl_buf buf;
	size_t i;

	kvl_buf_init(&buf);
	kvl_buf_addf(&buf,
		     _("You cannot create role assignments on the key vault "
		       "%s. Ask someone with the Owner or User Access "
		       "Administrator role on it to give the Customer "
		       "Insights service principal (object id %s, "
		       "application id %s) these roles at the scope %s:\n"),
		     vault, object_id, app_id, scope);
	for (i = 0; i < N_RBAC_ROLES; i++)
		kvl_buf_addf(&buf, "  %s\n", rbac_roles[i].name);
	kvl_buf_adds(&buf, _("With the Azure CLI:\n"));
	for (line = commands; line != NULL && *line != '\0'; line = rest) {
		rest = line + strcspn(line, "\n");
		if (*rest == '\n')
			rest++;
		kvl_buf_adds(&buf, "  ");
		kvl_buf_add(&buf, line, (size_t)(rest - line));
	}
	free(commands);
	free(scope);
	free(object_id);
	free(app_id);
	free(vault);
	return buf.data != NULL ? kvl_buf_detach(&buf) : NULL;
}

static void run_checks(struct kvl_azure *az,
		       const struct kvl_environment *env,
		       struct kvl_link_plan *plan,
		       const struct kvl_permission *perms, size_t n_perms,
		       bool perms_known)
{
	struct kvl_check_input in = {
		.env = env,
		.identity = az->auth != NULL ? kvl_auth_identity(az->auth)
			    : NULL,
		.subscription = &plan->subscription,
		.vault = &plan->vault,
		.permissions = perms,
		.n_permissions = n_perms,
		.permissions_known = perms_known,
	};

	kvl_checks_run(&in, plan->checks);
	if (plan->vault.rbac && plan->principal_found &&
	    plan->checks[KVL_CHECK_PERMISSION].state == KVL_CHECK_FAILED)
		plan->manual_steps = manual_steps(plan);
}

/*
 * Reads the role assignments of the Customer Insights principal on an
 * RBAC vault, which only feed recommendations: a failure is logged and
 * leaves the list empty.
 */
static void fetch_principal_roles(struct kvl_azure *az,
				  struct kvl_link_plan *plan)
{
	struct kvl_error err;

	if (!plan->vault.rbac || !plan->principal_found)
		return;
	kvl_error_init(&err);
	if (kvl_arm_list_role_assignments(az, plan->vault.id,
					  plan->principal.object_id,
					  &plan->principal_roles,
					  &plan->n_principal_roles, &err) !=
	    KVL_OK)
		kvl_log("cannot list the role assignments of %s on %s: %s",
			plan->principal.object_id, plan->vault.id,
			err.message != NULL ? err.message : _("unknown error"));
	kvl_error_clear(&err);
}

kvl_result kvl_link_plan(struct kvl_azure *az,
			 const struct kvl_environment *env,
			 const char *subscription_id,
			 const char *resource_group, const char *vault_name,
			 const struct kvl_link_options *options,
			 struct kvl_link_plan *plan, struct kvl_error *err)
{
	struct kvl_permission *perms = NULL;
	size_t n_perms = 0;
	bool perms_known = false;
	kvl_result rc;

	memset(plan, 0, sizeof(*plan));
	if (subscription_id == NULL || vault_name == NULL ||
	    vault_name[0] == '\0')
		return kvl_error_set(err, KVL_ERR_INVALID,
			_("a subscription and a key vault name are needed to "
			  "link a vault"));

	kvl_sink_progress(az->sink, _("Reading the subscription"));
	rc = kvl_arm_get_subscription(az, subscription_id,
				      &plan->subscription, err);
	if (rc != KVL_OK)
		goto out;

	kvl_sink_progress(az->sink, _("Reading the key vault"));
	rc = fetch_vault(az, subscription_id, resource_group, vault_name,
			 &plan->vault, err);
	if (rc != KVL_OK)
		goto out;

	kvl_sink_progress(az->sink, _("Reading your permissions"));
	rc = fetch_permissions(az, plan->vault.id, &perms, &n_perms,
			       &perms_known, err);
	if (rc != KVL_OK)
		goto out;

	rc = fetch_principal(az, plan, options, err);
	if (rc != KVL_OK)
		goto out;
	fetch_principal_roles(az, plan);

	run_checks(az, env, plan, perms, n_perms, perms_known);

out:
	kvl_permissions_free(perms, n_perms);
	if (rc != KVL_OK)
		kvl_link_plan_clear(plan);
	return rc;
}

void kvl_link_plan_clear(struct kvl_link_plan *plan)
{
	kvl_subscription_clear(&plan->subscription);
	kvl_vault_clear(&plan->vault);
	kvl_service_principal_clear(&plan->principal);
	kvl_checks_clear(plan->checks);
	free(plan->manual_steps);
	kvl_role_assignments_free(plan->principal_roles,
				  plan->n_principal_roles);
	memset(plan, 0, sizeof(*plan));
}

bool kvl_link_plan_ready(const struct kvl_link_plan *plan)
{
	int i;

	if (!plan->principal_found)
		return false;
	for (i = 0; i < KVL_CHECK_COUNT; i++)
		if (plan->checks[i].state != KVL_CHECK_PASSED)
			return false;
	return true;
}

/* Rejects a plan that is not ready, naming what is missing. */
static kvl_result plan_refused(const struct kvl_link_plan *plan,
			       struct kvl_error *err)
{
	struct kvl_buf names;
	int i;

	if (!plan->principal_found)
		return kvl_error_set(err, KVL_ERR_PREREQ,
			_("the Customer Insights service principal was not "
			  "found in the vault's tenant; have a tenant "
			  "administrator add it, then run the checks again"));

	kvl_buf_init(&names);
	for (i = 0; i < KVL_CHECK_COUNT; i++) {
		if (plan->checks[i].state == KVL_CHECK_PASSED)
			continue;
		kvl_buf_addf(&names, "%s%s (%s)", names.len > 0 ? ", " : "",
			     kvl_check_name((enum kvl_check_id)i),
			     kvl_check_state_name(plan->checks[i].state));
	}
	kvl_error_set(err, KVL_ERR_PREREQ,
		      _("prerequisites not met: %s; fix them and run the "
			"checks again"), names.data != NULL ? names.data : "");
	kvl_buf_clear(&names);
	return KVL_ERR_PREREQ;
}

static char *now_rfc3339(void)
{
	char text[32];
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return NULL;
	return strdup(text);
}

static char *dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* Fills env->vault with the pending link described by plan. */
static kvl_result record_pending(struct kvl_environment *env,
				 const struct kvl_link_plan *plan,
				 const struct kvl_identity *identity,
				 struct kvl_error *err)
{
	struct kvl_vault_link *link = &env->vault;
	const struct kvl_vault *vault = &plan->vault;

	kvl_vault_link_clear(link);
	link->state = KVL_LINK_PENDING;
	link->subscription_id = dup_or_null(vault->subscription_id);
	link->subscription_name =
		dup_or_null(plan->subscription.display_name);
	link->resource_group = dup_or_null(vault->resource_group);
	link->name = dup_or_null(vault->name);
	link->resource_id = dup_or_null(vault->id);
	link->vault_uri = dup_or_null(vault->vault_uri);
	link->tenant_id = dup_or_null(vault->tenant_id);
	link->location = dup_or_null(vault->location);
	link->permission_model = strdup(vault->rbac ? "rbac"
					: "accessPolicy");
	link->service_principal_id = dup_or_null(plan->principal.object_id);
	link->consent_by = dup_or_null(identity->object_id);
	link->consent_at = now_rfc3339();

	if (kvl_link_plan_grants(&plan->vault, plan->principal.object_id,
				 link) != KVL_OK || link->name == NULL ||
	    link->resource_id == NULL || link->consent_at == NULL) {
		kvl_vault_link_clear(link);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	return KVL_OK;
}

/* Marks the link as finished by identity, now. */
static kvl_result record_linked(struct kvl_vault_link *link,
				const struct kvl_identity *identity,
				struct kvl_error *err)
{
	free(link->linked_by);
	free(link->linked_by_name);
	free(link->linked_at);
	link->linked_by = dup_or_null(identity->object_id);
	link->linked_by_name = dup_or_null(identity->name);
	link->linked_at = now_rfc3339();
	if (link->linked_at == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	link->state = KVL_LINK_LINKED;
	return KVL_OK;
}

/*
 * Makes the pending record in the store go away after its grants were
 * undone. env is replaced by what is now on disk.
 */
static kvl_result clear_pending(struct kvl_envstore *store,
				struct kvl_environment *env,
				struct kvl_error *err)
{
	struct kvl_environment disk = { 0 };
	const char *ours = env->vault.resource_id;
	kvl_result rc;

	rc = kvl_envstore_load(store, &disk, err);
	if (rc != KVL_OK)
		return rc;

	if (disk.vault.state == KVL_LINK_PENDING && ours != NULL &&
	    disk.vault.resource_id != NULL &&
	    strcasecmp(disk.vault.resource_id, ours) == 0) {
		kvl_vault_link_clear(&disk.vault);
		rc = kvl_envstore_save(store, &disk, err);
		if (rc != KVL_OK) {
			kvl_env_clear(&disk);
			return rc;
		}
	}
	kvl_env_clear(env);
	*env = disk;
	return KVL_OK;
}

/*
 * Undoes the first `attempted` grants after a failure described by err,
 * and adds to err the state the vault and the store are left in.
 */
static kvl_result roll_back(struct kvl_azure *az, struct kvl_envstore *store,
			    struct kvl_environment *env,
			    const struct kvl_vault *vault, size_t attempted,
			    struct kvl_error *err)
{
	struct kvl_error undo_err;
	kvl_result rc = err->result != KVL_OK ? err->result : KVL_ERR_IO;
	char *name = kvl_sanitize(env->vault.name);
	char *detail = NULL;
	const struct kvl_sink *cancel_sink;

	/* The cancel that may have stopped the grant must not stop its
	 * undo too; the requests are still bounded by their timeouts. */
	cancel_sink = kvl_http_set_cancel_sink(az->http, NULL);
	kvl_error_init(&undo_err);
	env->vault.state = KVL_LINK_PENDING;
	if (kvl_link_undo_grants(az, vault, &env->vault, attempted,
				 &undo_err) != KVL_OK) {
		detail = kvl_error_format(&undo_err);
		append_message(err, _("the access that may have been granted "
				      "on %s could not be removed (%s), so "
				      "the environment keeps a pending link; "
				      "Admin > Security in the wizard or "
				      "'kvlink link' finishes it"),
				    name, detail ? detail : "");
		goto out;
	}

	if (clear_pending(store, env, &undo_err) != KVL_OK) {
		detail = kvl_error_format(&undo_err);
		append_message(err, _("any access granted on %s was removed, "
				      "but the pending link could not be "
				      "cleared (%s), so the next kvlink run "
				      "grants the access again and finishes "
				      "the link"), name,
			       detail ? detail : "");
		goto out;
	}
	append_message(err, _("any access granted on %s was removed again and "
			      "the environment is not linked"), name);

out:
	kvl_http_set_cancel_sink(az->http, cancel_sink);
	err->result = rc;
	free(detail);
	free(name);
	kvl_error_clear(&undo_err);
	return rc;
}

/* Grants, runs the hook and saves the link as linked, or rolls back. */
static kvl_result grant_and_save(struct kvl_azure *az,
				 struct kvl_envstore *store,
				 struct kvl_environment *env,
				 const struct kvl_vault *vault,
				 const struct kvl_identity *identity,
				 const struct kvl_link_options *options,
				 struct kvl_error *err)
{
	size_t attempted = 0;
	kvl_result rc;

	kvl_sink_progress(az->sink, _("Granting access on the key vault"));
	rc = kvl_link_make_grants(az, vault, &env->vault, &attempted, err);
	if (rc != KVL_OK)
		return roll_back(az, store, env, vault, attempted, err);

	if (options != NULL && options->before_save != NULL) {
		rc = options->before_save(options->ctx);
		if (rc != KVL_OK) {
			kvl_error_set(err, rc, _("the link could not be saved "
						 "(%s)"), kvl_result_name(rc));
			return roll_back(az, store, env, vault, attempted,
					 err);
		}
	}

	rc = record_linked(&env->vault, identity, err);
	if (rc == KVL_OK)
		rc = kvl_envstore_save(store, env, err);
	if (rc != KVL_OK)
		return roll_back(az, store, env, vault, attempted, err);
	return KVL_OK;
}

static const struct kvl_identity *signed_in(struct kvl_azure *az,
					    struct kvl_error *err)
{
	const struct kvl_identity *identity =
		az->auth != NULL ? kvl_auth_identity(az->auth) : NULL;

	if (identity == NULL || identity->object_id == NULL)
		kvl_error_set(err, KVL_ERR_AUTH,
			      _("nobody is signed in; sign in and try again"));
	return identity;
}

kvl_result kvl_link_apply(struct kvl_azure *az, struct kvl_envstore *store,
			  struct kvl_environment *env,
			  const struct kvl_link_plan *plan, bool consent,
			  const struct kvl_link_options *options,
			  struct kvl_error *err)
{
	const struct kvl_identity *identity;
	kvl_result rc;

	if (!consent)
		return kvl_error_set(err, KVL_ERR_INVALID,
			_("the data privacy and compliance statement was not "
			  "accepted; read it and accept it to link the vault"));
	if (!kvl_link_plan_ready(plan))
		return plan_refused(plan, err);
	if (env->vault.state != KVL_LINK_NONE)
		return kvl_error_set(err, KVL_ERR_CONFLICT,
			_("the environment already has a %s key vault link; "
			  "unlink it or finish it first"),
			env->vault.state == KVL_LINK_PENDING ? "pending"
			: "finished");
	identity = signed_in(az, err);
	if (identity == NULL || identity->object_id == NULL)
		return KVL_ERR_AUTH;

	rc = record_pending(env, plan, identity, err);
	if (rc != KVL_OK)
		return rc;
	rc = kvl_envstore_save(store, env, err);
	if (rc != KVL_OK) {
		kvl_vault_link_clear(&env->vault);
		return rc;
	}

	return grant_and_save(az, store, env, &plan->vault, identity,
			      options, err);
}

/* Drops the pending link to a vault that no longer exists: its grants
 * went away with it. */
static kvl_result drop_pending(struct kvl_envstore *store,
			       struct kvl_environment *env,
			       struct kvl_error *err)
{
	struct kvl_error clear_err;
	char *detail;

	kvl_error_init(&clear_err);
	if (clear_pending(store, env, &clear_err) == KVL_OK) {
		append_message(err, _("the vault no longer exists, so the "
				      "unfinished link to it was dropped"));
	} else {
		detail = kvl_error_format(&clear_err);
		append_message(err, _("the vault no longer exists, but the "
				      "unfinished link to it could not be "
				      "dropped (%s)"),
				    detail != NULL ? detail : "");
		free(detail);
	}
	kvl_error_clear(&clear_err);
	return KVL_ERR_NOT_FOUND;
}

kvl_result kvl_link_resume(struct kvl_azure *az, struct kvl_envstore *store,
			   struct kvl_environment *env,
			   const struct kvl_link_options *options,
			   struct kvl_error *err)
{
	const struct kvl_vault_link *link = &env->vault;
	const struct kvl_identity *identity;
	struct kvl_vault vault = { 0 };
	kvl_result rc;

	if (link->state != KVL_LINK_PENDING)
		return kvl_error_set(err, KVL_ERR_INVALID,
			_("the environment has no unfinished key vault link"));
	identity = signed_in(az, err);
	if (identity == NULL || identity->object_id == NULL)
		return KVL_ERR_AUTH;

	kvl_sink_progress(az->sink, _("Reading the key vault"));
	rc = kvl_arm_get_vault(az, link->subscription_id, link->resource_group,
			       link->name, &vault, err);
	if (rc == KVL_ERR_NOT_FOUND)
		return drop_pending(store, env, err);
	if (rc != KVL_OK)
		return rc;

	rc = grant_and_save(az, store, env, &vault, identity, options, err);
	kvl_vault_clear(&vault);
	return rc;
}
