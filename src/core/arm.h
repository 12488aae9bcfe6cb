/*
 * Azure Resource Manager calls: subscriptions, resource groups, key
 * vaults, effective permissions, access policies and role assignments.
 * Each list follows nextLink. The kvl_arm_parse_* functions turn one JSON
 * item into a struct and are what the unit tests exercise.
 */
#ifndef KVL_ARM_H
#define KVL_ARM_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "core/azure.h"
#include "core/result.h"

#define KVL_API_SUBSCRIPTIONS "2022-12-01"
#define KVL_API_RESOURCE_GROUPS "2021-04-01"
#define KVL_API_KEYVAULT "2024-11-01"
#define KVL_API_AUTHORIZATION "2022-04-01"

/* Built-in role definition GUIDs, the same in every tenant. */
#define KVL_ROLE_KEY_VAULT_READER "21090545-7ca7-4776-b22c-e363652d74d2"
#define KVL_ROLE_KEY_VAULT_SECRETS_USER "4633458b-17de-408a-b874-0445c86b69e6"

struct kvl_subscription {
	char *subscription_id;	/* GUID */
	char *display_name;
	/* Enabled, Warned, PastDue, Disabled or Deleted */
	char *state;
	char *tenant_id;
	char *tenant_name;	/* display name of tenant_id; NULL: unknown */
};

/* One tenant the signed-in principal belongs to (GET /tenants). */
struct kvl_tenant {
	char *tenant_id;
	char *display_name;
	char *default_domain;
	char *skip_note;	/* why its subscriptions are not listed */
};

struct kvl_resource_group {
	char *name;
	char *location;
};

struct kvl_access_policy {
	char *tenant_id;
	char *object_id;
	char *application_id;	/* usually NULL */
	char **keys, **secrets, **certificates;	/* NULL-terminated */
	/* The whole "permissions" object as JSON text, storage and other
	 * categories included; "{}" when the entry has none. */
	char *permissions_json;
};

struct kvl_vault {
	char *id;		/* full resource id */
	char *name;
	char *subscription_id;	/* parsed from id */
	char *resource_group;	/* parsed from id */
	char *location;
	char *tenant_id;
	char *vault_uri;
	char *sku;
	bool rbac;		/* enableRbacAuthorization; absent = false */
	bool soft_delete;	/* enableSoftDelete; absent = true */
	bool purge_protection;
	char *default_action;	/* networkAcls.defaultAction; NULL = absent */
	char *bypass;		/* networkAcls.bypass */
	char *public_network_access;	/* NULL = absent (enabled) */
	char *provisioning_state;
	struct kvl_access_policy *policies;
	size_t n_policies;
};

/* One entry of Microsoft.Authorization/permissions. */
struct kvl_permission {
	char **actions;		/* NULL-terminated */
	char **not_actions;	/* NULL-terminated */
};

struct kvl_role_assignment {
	char *id;
	char *name;
	char *scope;
	char *role_definition_id;
	char *principal_id;
	char *principal_type;
};

kvl_result kvl_arm_parse_subscription(json_object *item,
				      struct kvl_subscription *out,
				      struct kvl_error *err) KVL_NODISCARD;
kvl_result kvl_arm_parse_resource_group(json_object *item,
					struct kvl_resource_group *out,
					struct kvl_error *err) KVL_NODISCARD;
kvl_result kvl_arm_parse_vault(json_object *item, struct kvl_vault *out,
			       struct kvl_error *err) KVL_NODISCARD;
kvl_result kvl_arm_parse_permission(json_object *item,
				    struct kvl_permission *out,
				    struct kvl_error *err) KVL_NODISCARD;
kvl_result kvl_arm_parse_role_assignment(json_object *item,
					 struct kvl_role_assignment *out,
					 struct kvl_error *err) KVL_NODISCARD;

void kvl_subscription_clear(struct kvl_subscription *s);
void kvl_resource_group_clear(struct kvl_resource_group *rg);
void kvl_vault_clear(struct kvl_vault *v);
void kvl_permission_clear(struct kvl_permission *p);
void kvl_role_assignment_clear(struct kvl_role_assignment *ra);

/* Whether a link may use sub: its state is neither Disabled nor Deleted
 * (an absent state counts as usable). */
bool kvl_subscription_usable(const struct kvl_subscription *sub);

/* Frees arrays returned by the list functions below. */
void kvl_subscriptions_free(struct kvl_subscription *v, size_t n);
void kvl_resource_groups_free(struct kvl_resource_group *v, size_t n);
void kvl_vaults_free(struct kvl_vault *v, size_t n);
void kvl_permissions_free(struct kvl_permission *v, size_t n);
void kvl_role_assignments_free(struct kvl_role_assignment *v, size_t n);

/*
 * Whether action is allowed by one of the entries: some entry's actions
 * match it (case-insensitive, '*' wildcards) and the same entry's
 * notActions do not.
 */
bool kvl_permissions_allow(const struct kvl_permission *p, size_t n,
			   const char *action);

/*
 * Copies the last segment of a resource id or URL, ignoring trailing
 * slashes ("…/secrets/name/" gives "name"). The caller frees the result;
 * NULL only when out of memory.
 */
char *kvl_arm_id_last_segment(const char *id);

/* Returns the text after the last '/' of id (the GUID of a role
 * definition id), or id itself when it has none; NULL for NULL. */
const char *kvl_arm_id_tail(const char *id);

/* Case-insensitive comparison of region names ignoring spaces:
 * "West Europe" equals "westeurope"; "eastus" differs from "eastus2". */
bool kvl_region_equal(const char *a, const char *b);

/* Parses one list item into out, an element of the caller's array. */
typedef kvl_result (*kvl_arm_parse_fn)(json_object *item, void *out,
				       struct kvl_error *err);

/*
 * GETs {resourceManager}{path} (path includes the api-version) and every
 * following page, parsing each item with parse into a growing array of
 * item_size elements. Items that do not parse are logged, named by
 * item_kind ("deleted key vault"), and skipped. On failure *out still
 * holds the items parsed before, for the caller to free. For Resource
 * Manager lists that have no function here.
 */
kvl_result kvl_arm_list_path(struct kvl_azure *az, const char *path,
			     const char *operation, const char *item_kind,
			     size_t item_size, kvl_arm_parse_fn parse,
			     void **out, size_t *n, struct kvl_error *err)
	KVL_NODISCARD;

/* GETs {resourceManager}{path}; *body receives the parsed JSON. */
kvl_result kvl_arm_get_path(struct kvl_azure *az, const char *path,
			    const char *operation, json_object **body,
			    struct kvl_error *err) KVL_NODISCARD;

/* The tenants the signed-in principal belongs to, home tenant first. */
kvl_result kvl_arm_list_tenants(struct kvl_azure *az, struct kvl_tenant **out,
				size_t *n, struct kvl_error *err)
	KVL_NODISCARD;
void kvl_tenants_free(struct kvl_tenant *v, size_t n);

/*
 * Lists the subscriptions of every tenant the signed-in principal
 * belongs to, each with the token of its own tenant, as Resource
 * Manager lists only the token tenant's. A tenant whose token cannot be
 * had (multi-factor authentication or consent required, say) or whose
 * list fails is skipped with a warning through the sink. Records each
 * subscription's tenant in az for the calls that follow.
 */
kvl_result kvl_arm_list_subscriptions(struct kvl_azure *az,
				      struct kvl_subscription **out,
				      size_t *n, struct kvl_error *err)
	KVL_NODISCARD;

/* Lists like kvl_arm_list_subscriptions() but returns the tenants it
 * left out in *skipped, each with its skip_note, instead of warning. */
kvl_result kvl_arm_list_all_subscriptions(struct kvl_azure *az,
					  struct kvl_subscription **out,
					  size_t *n,
					  struct kvl_tenant **skipped,
					  size_t *n_skipped,
					  struct kvl_error *err)
	KVL_NODISCARD;
kvl_result kvl_arm_get_subscription(struct kvl_azure *az, const char *sub,
				    struct kvl_subscription *out,
				    struct kvl_error *err) KVL_NODISCARD;
kvl_result kvl_arm_list_resource_groups(struct kvl_azure *az, const char *sub,
					struct kvl_resource_group **out,
					size_t *n, struct kvl_error *err)
	KVL_NODISCARD;
/* resource_group NULL lists the whole subscription. */
kvl_result kvl_arm_list_vaults(struct kvl_azure *az, const char *sub,
			       const char *resource_group,
			       struct kvl_vault **out, size_t *n,
			       struct kvl_error *err) KVL_NODISCARD;
kvl_result kvl_arm_get_vault(struct kvl_azure *az, const char *sub,
			     const char *resource_group, const char *name,
			     struct kvl_vault *out, struct kvl_error *err)
	KVL_NODISCARD;
/* The caller's effective permissions at scope (a resource id). */
kvl_result kvl_arm_get_permissions(struct kvl_azure *az, const char *scope,
				   struct kvl_permission **out, size_t *n,
				   struct kvl_error *err) KVL_NODISCARD;

/*
 * Lists the role assignments of principal_id that apply at scope (a
 * resource id): those at scope, above it and below it, as Azure's
 * $filter=principalId eq '...' returns them.
 */
kvl_result kvl_arm_list_role_assignments(struct kvl_azure *az,
					 const char *scope,
					 const char *principal_id,
					 struct kvl_role_assignment **out,
					 size_t *n, struct kvl_error *err)
	KVL_NODISCARD;

/*
 * Adds one access-policy entry (PUT .../accessPolicies/add) granting
 * exactly get and list on keys, secrets and certificates to object_id.
 */
kvl_result kvl_arm_add_access_policy(struct kvl_azure *az,
				     const struct kvl_vault *vault,
				     const char *object_id,
				     struct kvl_error *err) KVL_NODISCARD;

/*
 * Removes object_id's entry (PUT .../accessPolicies/remove). Used to undo
 * a grant that could not be recorded.
 */
kvl_result kvl_arm_remove_access_policy(struct kvl_azure *az,
					const struct kvl_vault *vault,
					const char *object_id,
					struct kvl_error *err) KVL_NODISCARD;

/*
 * Sets object_id's entry to exactly the permissions in permissions_json,
 * a JSON object like kvl_access_policy.permissions_json (PUT
 * .../accessPolicies/replace). Used to restore an entry that a link
 * merged get and list into.
 */
kvl_result kvl_arm_replace_access_policy(struct kvl_azure *az,
					 const struct kvl_vault *vault,
					 const char *object_id,
					 const char *permissions_json,
					 struct kvl_error *err) KVL_NODISCARD;

/*
 * Creates a role assignment named assignment_name (a GUID) at scope.
 * 409 RoleAssignmentExists counts as success (*existing set true); 400
 * PrincipalNotFound is retried with backoff, since a service principal
 * can take a while to replicate. *assignment_id receives the full id.
 */
kvl_result kvl_arm_create_role_assignment(struct kvl_azure *az,
					  const char *scope,
					  const char *assignment_name,
					  const char *role_guid,
					  const char *principal_id,
					  char **assignment_id, bool *existing,
					  struct kvl_error *err)
	KVL_NODISCARD;
/* DELETE by full id; 204 (already gone) counts as success. */
kvl_result kvl_arm_delete_role_assignment(struct kvl_azure *az,
					  const char *assignment_id,
					  struct kvl_error *err)
	KVL_NODISCARD;

#endif
