/*
 * The health check behind `kvlink check`: whether the linked key vault and
 * the secrets that connections name in it still work for Customer
 * Insights. Reads names and attributes, and each usable secret's value
 * (wiped as soon as it arrives, only to prove it can be read), and
 * changes nothing in Azure.
 */
#ifndef KVL_HEALTH_H
#define KVL_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/azure.h"
#include "core/result.h"
#include "env/envstore.h"

enum kvl_finding_severity {
	KVL_FINDING_ERROR,		/* connections fail or will fail */
	KVL_FINDING_RECOMMENDATION,	/* works, but is riskier than needed */
};

/* One problem found; every string is owned. */
struct kvl_finding {
	/* Stable machine name: "vault.firewall", "secret.disabled:NAME". */
	char *id;
	enum kvl_finding_severity severity;
	char *cause;		/* what is wrong, in English */
	char *fix;		/* what to do about it */
	char **connections;	/* display names of affected connections */
	size_t n_connections;
};

struct kvl_health {
	struct kvl_finding *findings;
	size_t n_findings;
};

/*
 * Checks the vault linked to env and, for each connection in Key Vault
 * mode that uses it, the secrets it names, judged at the time now (Unix
 * seconds). Secret values are read as the signed-in user of az. The
 * errors come before the recommendations in out.
 * KVL_ERR_NOT_FOUND when env has no linked vault, and also when Azure
 * answers SubscriptionNotFound or ResourceGroupNotFound for the vault's
 * subscription or resource group (not visible to the signed-in
 * principal). A vault that no longer exists (ResourceNotFound) is a
 * finding, not a failure, and so is a secret list that cannot be read.
 * Other Azure errors while reading the vault or its role assignments
 * fail the check.
 */
kvl_result kvl_health_check(struct kvl_azure *az,
			    const struct kvl_environment *env, int64_t now,
			    struct kvl_health *out,
			    struct kvl_error *err) KVL_NODISCARD;

/*
 * The reader of the secrets' values in kvl_health_check_as(): a service
 * identity (signed in by the check itself) or the signed-in user.
 */
struct kvl_health_reader {
	struct kvl_azure *az;	/* the client whose sign-in reads values */
	bool service;		/* az signs in as a service identity */
	const char *name;	/* for findings: "the service identity ..." */
	/* The service identity's client id when it is not the Customer
	 * Insights app's, so granting it access would not help; else NULL. */
	const char *other_app_id;
};

/*
 * kvl_health_check(), reading each usable secret's value as reader. A
 * secret that exists but cannot be read is the finding
 * "secret.unreadable:NAME". A service identity that cannot sign in is the
 * finding "identity.sign-in", and then no values are read.
 */
kvl_result kvl_health_check_as(struct kvl_azure *az,
			       const struct kvl_health_reader *reader,
			       const struct kvl_environment *env, int64_t now,
			       struct kvl_health *out,
			       struct kvl_error *err) KVL_NODISCARD;
void kvl_health_clear(struct kvl_health *health);

/* How many findings have severity KVL_FINDING_ERROR. */
size_t kvl_health_errors(const struct kvl_health *health);

/* Stable names for JSON: "error", "recommendation". */
const char *kvl_finding_severity_name(enum kvl_finding_severity severity);

#endif
