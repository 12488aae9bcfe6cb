/*
 * Repairing a link, shared by the wizard and `kvlink repair`: when the
 * health check finds that the Customer Insights service principal lost
 * what the link granted (its access policy entry, or one or both of its
 * role assignments), grant that again under the same prerequisites as
 * linking, record the new grants in the environment so that unlinking
 * removes exactly them, and run the check again so that its stored
 * notifications clear. Nothing else on the vault is changed.
 */
#ifndef KVL_REPAIR_H
#define KVL_REPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/azure.h"
#include "env/envstore.h"
#include "flow/health.h"

struct kvl_repair_outcome {
	/* false when nothing was missing and nothing was changed */
	bool repaired;
	/* The grants made, as recorded in the environment (copies). */
	struct kvl_grant *granted;
	size_t n_granted;
	/* The health check after the repair, whose findings are stored
	 * as the notifications. When nothing was repaired, the check that
	 * found nothing missing, which stores nothing. */
	struct kvl_health health;
};

/*
 * Whether a health finding (or stored notification) id means that the
 * link's grants are missing, which kvl_repair can fix.
 */
bool kvl_repair_fixes(const char *finding_id);

/*
 * Repairs the grants of env's linked vault, judged at the time now (Unix
 * seconds). Takes the link lock while it grants (KVL_ERR_BUSY when another
 * kvlink has it) and reads the environment again under it, so env is
 * replaced by what is on disk afterwards. After a repair it runs the check
 * of `kvlink check` (kvl_health_run). Both checks read secret values as
 * reader, or as the signed-in user when reader is NULL.
 *
 * Nothing missing: KVL_OK with out->repaired false, the first check in
 * out->health, and nothing written.
 * A vault that no longer exists or is soft-deleted: KVL_ERR_NOT_FOUND.
 * A failed prerequisite (see flow/checks.h), or a Customer Insights
 * service principal whose object id is no longer the recorded one:
 * KVL_ERR_PREREQ, err naming each failure and its fix, nothing changed.
 * A grant that fails is undone together with the ones made before it.
 */
kvl_result kvl_repair(struct kvl_azure *az,
		      const struct kvl_health_reader *reader,
		      struct kvl_envstore *store, struct kvl_environment *env,
		      int64_t now, struct kvl_repair_outcome *out,
		      struct kvl_error *err) KVL_NODISCARD;
void kvl_repair_outcome_clear(struct kvl_repair_outcome *out);

/*
 * Describes one grant a repair made, e.g. "role Key Vault Reader:
 * role assignment ID". Translated and sanitised; the caller frees it.
 * NULL when out of memory.
 */
char *kvl_repair_describe(const struct kvl_grant *grant);

#endif
