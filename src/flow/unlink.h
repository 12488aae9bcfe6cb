/*
 * Unlinking the environment's key vault, shared by the wizard and
 * `kvlink unlink`: remove exactly what the link granted, using the ids
 * recorded in the environment's grants, then save the environment with
 * no link. Access that existed before the link is left alone, and an
 * access policy entry that the link merged into gets back its recorded
 * permissions.
 */
#ifndef KVL_UNLINK_H
#define KVL_UNLINK_H

#include <stddef.h>

#include "core/azure.h"
#include "env/envstore.h"

/*
 * Stores in *names the display names of the connections in env that take
 * their secrets from the linked vault. Unlinking keeps them, but they
 * stop working. Free the list with kvl_unlink_names_free.
 */
kvl_result kvl_unlink_affected(const struct kvl_environment *env,
			       char ***names, size_t *n,
			       struct kvl_error *err) KVL_NODISCARD;
void kvl_unlink_names_free(char **names, size_t n);

/*
 * Describes, one line per grant, what unlinking does to each grant of
 * link: removed, restored to its earlier permissions, or left alone
 * because it existed before the link. Translated and sanitised; the
 * caller frees it. NULL when out of memory.
 */
char *kvl_unlink_describe(const struct kvl_vault_link *link);

/*
 * Removes the grants of env's linked or pending link and saves env with
 * the link and the notifications of its checks cleared. vault_name must match the linked vault's name,
 * ignoring case, else KVL_ERR_INVALID. Takes the link lock for the whole
 * operation (KVL_ERR_BUSY when another kvlink has it) and reads the
 * environment again under it, so env is replaced by what is on disk.
 *
 * When a grant cannot be removed, the record is kept so that nothing
 * granted becomes unknown. err then names the grant and carries Azure's
 * error. Running the unlink again retries every grant, because removing
 * one that is already gone succeeds.
 */
kvl_result kvl_unlink(struct kvl_azure *az, struct kvl_envstore *store,
		      struct kvl_environment *env, const char *vault_name,
		      struct kvl_error *err) KVL_NODISCARD;

#endif
