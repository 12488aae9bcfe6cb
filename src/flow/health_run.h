/*
 * One run of the health check, shared by `kvlink check` and the wizard.
 * It checks the linked vault (kvl_health_check_as) under the link lock and
 * stores the findings as the environment's notifications.
 */
#ifndef KVL_HEALTH_RUN_H
#define KVL_HEALTH_RUN_H

#include "core/azure.h"
#include "core/result.h"
#include "env/envstore.h"
#include "flow/health.h"

/*
 * Checks the vault linked to env, reading secret values as reader
 * (kvl_health_check_as), and saves env with the findings as its
 * notifications. The findings are also written to out, which the caller
 * frees with kvl_health_clear. Returns KVL_ERR_BUSY when another process
 * holds the link lock, and KVL_ERR_NOT_FOUND when no vault is linked.
 * When another kvlink saved the environment in between, env is reloaded
 * from store and the findings are stored once more. If the reloaded
 * environment links another vault, returns KVL_ERR_CONFLICT instead.
 */
kvl_result kvl_health_run(struct kvl_azure *az,
			  const struct kvl_health_reader *reader,
			  struct kvl_envstore *store,
			  struct kvl_environment *env, struct kvl_health *out,
			  struct kvl_error *err) KVL_NODISCARD;

/*
 * Removes the stored notifications of env when it links no vault, under
 * the link lock and after reading env again from store, and saves env.
 * Such notifications are left over from a vault that is no longer
 * linked. Nothing is written when there are none. KVL_ERR_BUSY when
 * another process holds the link lock.
 */
kvl_result kvl_health_forget(struct kvl_envstore *store,
			     struct kvl_environment *env,
			     struct kvl_error *err) KVL_NODISCARD;

#endif
