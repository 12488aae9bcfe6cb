/*
 * Making and undoing the grants of a key vault link: one access policy
 * entry, or two role assignments at the vault. Private to the link flow.
 */
#ifndef KVL_LINK_GRANTS_H
#define KVL_LINK_GRANTS_H

#include <stddef.h>

#include "core/arm.h"
#include "core/azure.h"
#include "env/envstore.h"

/*
 * Writes the role assignment name kvlink uses for role_guid given to
 * principal at scope. It is derived from the three, so a retry addresses
 * the same assignment.
 */
kvl_result kvl_link_assignment_name(const char *scope, const char *principal,
				    const char *role_guid, char name[37])
	KVL_NODISCARD;

/*
 * Plans every grant a link makes on vault for principal into link->grants:
 * one access policy entry, remembering the principal's entry as it is now
 * so that an undo can restore it, or one role assignment per role, with
 * its name fixed up front. KVL_ERR_NOMEM is the only failure.
 */
kvl_result kvl_link_plan_grants(const struct kvl_vault *vault,
				const char *principal,
				struct kvl_vault_link *link) KVL_NODISCARD;

/*
 * Makes every grant of link on vault, in order. Role assignments that
 * already existed under another name are marked existed. *attempted
 * receives how many grants were tried, the failing one included.
 */
kvl_result kvl_link_make_grants(struct kvl_azure *az,
				const struct kvl_vault *vault,
				struct kvl_vault_link *link, size_t *attempted,
				struct kvl_error *err) KVL_NODISCARD;

/*
 * Undoes the first `attempted` grants of link. An access policy entry
 * that existed before gets back its recorded permissions; other grants
 * that existed before are left alone. Tries them all and returns the
 * first failure.
 */
kvl_result kvl_link_undo_grants(struct kvl_azure *az,
				const struct kvl_vault *vault,
				const struct kvl_vault_link *link,
				size_t attempted, struct kvl_error *err)
	KVL_NODISCARD;

#endif
