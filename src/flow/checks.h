/*
 * Prerequisite checks for linking a vault. Each check is computed from
 * data already fetched (environment, identity, subscription, vault,
 * effective permissions), so it can be tested without a network.
 */
#ifndef KVL_CHECKS_H
#define KVL_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arm.h"
#include "core/auth.h"
#include "env/envstore.h"

enum kvl_check_id {
	KVL_CHECK_ADMIN,	/* signed-in user is Admin of the environment */
	KVL_CHECK_SUBSCRIPTION,	/* subscription state is Enabled */
	KVL_CHECK_PERMISSION,	/* caller may write policies / assignments */
	KVL_CHECK_FIREWALL,	/* vault firewall disabled */
	KVL_CHECK_REGION,	/* vault in the environment's region */
	KVL_CHECK_COUNT
};

enum kvl_check_state { KVL_CHECK_PASSED, KVL_CHECK_FAILED, KVL_CHECK_UNKNOWN };

struct kvl_check {
	enum kvl_check_id id;
	enum kvl_check_state state;
	char *reason;		/* why it passed, failed or is unknown */
	char *fix;		/* what to do; NULL when passed */
};

/* Inputs; pointers may be NULL when that piece could not be fetched,
 * which makes the dependent checks unknown. */
struct kvl_check_input {
	const struct kvl_environment *env;
	const struct kvl_identity *identity;
	const struct kvl_subscription *subscription;
	const struct kvl_vault *vault;
	const struct kvl_permission *permissions;
	size_t n_permissions;
	bool permissions_known;
};

/* Fills checks[KVL_CHECK_COUNT]. */
void kvl_checks_run(const struct kvl_check_input *in,
		    struct kvl_check checks[KVL_CHECK_COUNT]);
void kvl_checks_clear(struct kvl_check checks[KVL_CHECK_COUNT]);

/* Stable machine name ("firewall") and translated title. */
const char *kvl_check_name(enum kvl_check_id id);
const char *kvl_check_title(enum kvl_check_id id);
const char *kvl_check_state_name(enum kvl_check_state state);

/* Firewall rule: defaultAction Allow (or networkAcls absent) and
 * publicNetworkAccess not Disabled. A bypass does not count as open. */
bool kvl_vault_firewall_open(const struct kvl_vault *vault);

#endif
