/*
 * Resource Manager reads about one key vault beyond its own properties:
 * its record among the subscription's deleted vaults (a vault deleted
 * with soft delete on stays recoverable until its scheduled purge date)
 * and its diagnostic settings (Microsoft.Insights), which decide whether
 * the vault's audit log is kept anywhere.
 */
#ifndef KVL_ARM_VAULT_H
#define KVL_ARM_VAULT_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "core/azure.h"
#include "core/result.h"

/* Diagnostic settings on a resource exist only as preview versions. */
#define KVL_API_DIAGNOSTICS "2021-05-01-preview"

/* One Microsoft.KeyVault/deletedVaults item. */
struct kvl_deleted_vault {
	char *id;		/* .../locations/LOC/deletedVaults/NAME */
	char *name;
	char *vault_id;		/* the resource id the vault had */
	char *location;
	char *deletion_date;	/* RFC 3339, as Azure sent it */
	char *scheduled_purge_date;
	bool purge_protection;
};

/* One Microsoft.Insights/diagnosticSettings item, reduced to what the
 * health check needs. */
struct kvl_diagnostic_setting {
	char *name;
	/* A workspace, storage account, event hub or partner solution is
	 * set (an empty string does not count). */
	bool has_destination;
	/* An enabled log entry sends the AuditEvent category or the audit
	 * or allLogs category group. */
	bool audit_logs;
};

kvl_result kvl_arm_parse_deleted_vault(json_object *item,
				       struct kvl_deleted_vault *out,
				       struct kvl_error *err) KVL_NODISCARD;
void kvl_deleted_vault_clear(struct kvl_deleted_vault *v);
void kvl_deleted_vaults_free(struct kvl_deleted_vault *v, size_t n);

kvl_result kvl_arm_parse_diagnostic_setting(json_object *item,
					    struct kvl_diagnostic_setting *out,
					    struct kvl_error *err)
	KVL_NODISCARD;
void kvl_diagnostic_settings_free(struct kvl_diagnostic_setting *v, size_t n);

/* Whether one of the settings sends the audit log to a destination. */
bool kvl_diagnostic_settings_audit(const struct kvl_diagnostic_setting *v,
				   size_t n);

/*
 * GET .../locations/{location}/deletedVaults/{name}. KVL_ERR_NOT_FOUND
 * (404 DeletedVaultNotFound) when no deleted vault of that name waits in
 * that location, because it was purged or never deleted.
 */
kvl_result kvl_arm_get_deleted_vault(struct kvl_azure *az, const char *sub,
				     const char *location, const char *name,
				     struct kvl_deleted_vault *out,
				     struct kvl_error *err) KVL_NODISCARD;

/* Lists the subscription's deleted vaults, every location, every page. */
kvl_result kvl_arm_list_deleted_vaults(struct kvl_azure *az, const char *sub,
				       struct kvl_deleted_vault **out,
				       size_t *n, struct kvl_error *err)
	KVL_NODISCARD;

/* Lists the diagnostic settings of the resource resource_id. */
kvl_result kvl_arm_list_diagnostic_settings(
	struct kvl_azure *az, const char *resource_id,
	struct kvl_diagnostic_setting **out, size_t *n,
	struct kvl_error *err) KVL_NODISCARD;

#endif
