/*
 * The link flow shared by the wizard and `kvlink link`: look up the vault,
 * run the prerequisite checks, then grant the Customer Insights service
 * principal read access and record the link in the environment store.
 *
 * Grant and save are ordered so that no grant is ever unknown to the
 * store: the link is first saved as pending, with the role assignment
 * names chosen up front; then the grants are made; then the link is saved
 * as linked. If that last save fails the grants are undone; if undoing
 * fails too, the pending record stays and the next run finishes the job
 * (kvl_link_resume).
 */
#ifndef KVL_LINK_H
#define KVL_LINK_H

#include <stdbool.h>

#include "core/arm.h"
#include "core/azure.h"
#include "core/graph.h"
#include "core/keyvault.h"
#include "env/envstore.h"
#include "flow/checks.h"

struct kvl_link_plan {
	struct kvl_subscription subscription;
	struct kvl_vault vault;
	struct kvl_service_principal principal;	/* Customer Insights */
	bool principal_found;
	struct kvl_check checks[KVL_CHECK_COUNT];
	/* Set when the caller cannot grant on an RBAC vault: what an
	 * administrator with the right role must do, as az commands. */
	char *manual_steps;
	/* RBAC vaults only: the role assignments of the Customer Insights
	 * principal that Azure lists for the vault (at, above and below
	 * it). Empty when they could not be read. */
	struct kvl_role_assignment *principal_roles;
	size_t n_principal_roles;
};

struct kvl_link_options {
	const char *app_id;	/* NULL: KVL_CI_APP_ID */
	/*
	 * Called after the grants and before the final save. A non-OK
	 * result is treated like a failed save. The command line and the
	 * wizard pass NULL; tests use it to fail between grant and save.
	 */
	kvl_result (*before_save)(void *ctx);
	void *ctx;
};

/*
 * Fetches the subscription, the vault (resource_group may be NULL: the
 * vault is then found by name in the subscription), the caller's
 * permissions and the service principal, and runs the checks. A vault
 * that does not exist gives KVL_ERR_NOT_FOUND; failed checks do not make
 * this fail.
 */
kvl_result kvl_link_plan(struct kvl_azure *az,
			 const struct kvl_environment *env,
			 const char *subscription_id,
			 const char *resource_group, const char *vault_name,
			 const struct kvl_link_options *options,
			 struct kvl_link_plan *plan, struct kvl_error *err)
	KVL_NODISCARD;
void kvl_link_plan_clear(struct kvl_link_plan *plan);

/*
 * Returns the Azure CLI commands that make the same changes in Azure as
 * kvl_link_apply makes for plan, one a line, each ending in '\n'. That
 * is one az keyvault set-policy for an access policy vault, or one az
 * role assignment create per role for an RBAC vault. Values from Azure
 * are sanitised and quoted for a POSIX shell, and none of them is
 * secret. Returns NULL when out of memory. The caller frees the text.
 */
char *kvl_link_az_commands(const struct kvl_link_plan *plan);

/* Whether every check passed and the principal was found. */
bool kvl_link_plan_ready(const struct kvl_link_plan *plan);

/*
 * Grants and saves. consent must be true (the user accepted the data
 * privacy and compliance statement). On success env holds the new link.
 */
kvl_result kvl_link_apply(struct kvl_azure *az, struct kvl_envstore *store,
			  struct kvl_environment *env,
			  const struct kvl_link_plan *plan, bool consent,
			  const struct kvl_link_options *options,
			  struct kvl_error *err) KVL_NODISCARD;

/* Finishes a pending link left by an interrupted run. */
kvl_result kvl_link_resume(struct kvl_azure *az, struct kvl_envstore *store,
			   struct kvl_environment *env,
			   const struct kvl_link_options *options,
			   struct kvl_error *err) KVL_NODISCARD;

/*
 * Lists the names and attributes of the linked vault's secrets. The vault
 * is looked up in Resource Manager again first, because its URI and
 * tenant can differ from what was recorded at link time (a vault deleted
 * and created again, or the sandbox serving on another port).
 */
kvl_result kvl_link_list_secrets(struct kvl_azure *az,
				 const struct kvl_vault_link *link,
				 struct kvl_secret_item **out, size_t *n,
				 struct kvl_error *err) KVL_NODISCARD;

/* The data privacy and compliance statement shown before consent. */
const char *kvl_link_privacy_statement(void);

#endif
