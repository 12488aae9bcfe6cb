#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sanitize.h"
#include "flow/checks.h"
#include "i18n.h"

#define ACTION_POLICY_WRITE "Microsoft.KeyVault/vaults/accessPolicies/write"
#define ACTION_ASSIGNMENT_WRITE "Microsoft.Authorization/roleAssignments/write"

static const char *const check_names[KVL_CHECK_COUNT] = {
	[KVL_CHECK_ADMIN] = "admin",
	[KVL_CHECK_SUBSCRIPTION] = "subscription",
	[KVL_CHECK_PERMISSION] = "permission",
	[KVL_CHECK_FIREWALL] = "firewall",
	[KVL_CHECK_REGION] = "region",
};

static const char *const check_titles[KVL_CHECK_COUNT] = {
	[KVL_CHECK_ADMIN] = N_("Customer Insights Admin role"),
	[KVL_CHECK_SUBSCRIPTION] = N_("Active Azure subscription"),
	[KVL_CHECK_PERMISSION] = N_("Permission to grant access on the vault"),
	[KVL_CHECK_FIREWALL] = N_("Key vault firewall disabled"),
	[KVL_CHECK_REGION] = N_("Key vault in the environment's region"),
};

const char *kvl_check_name(enum kvl_check_id id)
{
	if ((unsigned)id >= KVL_CHECK_COUNT)
		return "unknown";
	return check_names[id];
}

const char *kvl_check_title(enum kvl_check_id id)
{
	if ((unsigned)id >= KVL_CHECK_COUNT)
		return _("Unknown check");
	return _(check_titles[id]);
}

const char *kvl_check_state_name(enum kvl_check_state state)
{
	switch (state) {
	case KVL_CHECK_PASSED:
		return "passed";
	case KVL_CHECK_FAILED:
		return "failed";
	case KVL_CHECK_UNKNOWN:
		return "unknown";
	}
	return "unknown";
}

/* Sets the state and formats the reason; fix starts out NULL. */
KVL_PRINTF(3, 4)
static void set_result(struct kvl_check *check, enum kvl_check_state state,
		       const char *fmt, ...)
{
	va_list ap;

	check->state = state;
	free(check->reason);
	check->reason = NULL;
	va_start(ap, fmt);
	if (vasprintf(&check->reason, fmt, ap) < 0)
		check->reason = NULL;
	va_end(ap);
}

KVL_PRINTF(2, 3)
static void set_fix(struct kvl_check *check, const char *fmt, ...)
{
	va_list ap;

	free(check->fix);
	check->fix = NULL;
	va_start(ap, fmt);
	if (vasprintf(&check->fix, fmt, ap) < 0)
		check->fix = NULL;
	va_end(ap);
}

static void check_admin(const struct kvl_check_input *in,
			struct kvl_check *check)
{
	enum kvl_role role;
	char *env_name;

	if (in->env == NULL || in->identity == NULL ||
	    in->identity->object_id == NULL) {
		set_result(check, KVL_CHECK_UNKNOWN, "%s",
			   _("Your role could not be determined because no "
			     "environment is loaded or nobody is signed in."));
		set_fix(check, "%s", _("Create or load an environment and "
				       "sign in, then run the checks again."));
		return;
	}

	env_name = kvl_sanitize(in->env->display_name);
	if (!kvl_env_user_role(in->env, in->identity->object_id, &role)) {
		set_result(check, KVL_CHECK_FAILED,
			   _("You are not a user of the environment %s."),
			   env_name);
		set_fix(check, "%s", _("Ask an Admin of the environment to "
				       "add you with the Admin role."));
	} else if (role != KVL_ROLE_ADMIN) {
		set_result(check, KVL_CHECK_FAILED,
			   _("Your role in the environment %s is %s, not "
			     "Admin."), env_name, kvl_role_name(role));
		set_fix(check, "%s", _("Ask an Admin of the environment to "
				       "give you the Admin role."));
	} else {
		set_result(check, KVL_CHECK_PASSED,
			   _("You are an Admin of the environment %s."),
			   env_name);
	}
	free(env_name);
}

static void check_subscription(const struct kvl_check_input *in,
			       struct kvl_check *check)
{
	const struct kvl_subscription *sub = in->subscription;
	const char *state = sub != NULL ? sub->state : NULL;
	char *name, *state_text;

	if (state == NULL) {
		set_result(check, KVL_CHECK_UNKNOWN, "%s",
			   _("The state of the subscription could not be "
			     "read."));
		set_fix(check, "%s", _("Check that you can see the "
				       "subscription in Azure, then run the "
				       "checks again."));
		return;
	}

	name = kvl_sanitize(sub->display_name != NULL ? sub->display_name
			    : sub->subscription_id);
	state_text = kvl_sanitize(state);
	if (strcasecmp(state, "Enabled") == 0) {
		set_result(check, KVL_CHECK_PASSED,
			   _("The subscription %s is enabled."), name);
	} else if (strcasecmp(state, "Warned") == 0 ||
		   strcasecmp(state, "PastDue") == 0) {
		set_result(check, KVL_CHECK_PASSED,
			   _("The subscription %s is active but its state "
			     "is %s; it may be disabled soon unless its "
			     "billing is settled."), name, state_text);
	} else if (strcasecmp(state, "Disabled") == 0 ||
		   strcasecmp(state, "Deleted") == 0) {
		set_result(check, KVL_CHECK_FAILED,
			   _("The subscription %s is %s, so its key vaults "
			     "cannot be used."), name, state_text);
		set_fix(check, "%s", _("Reactivate the subscription in the "
				       "Azure portal or choose a vault in an "
				       "enabled subscription."));
	} else {
		set_result(check, KVL_CHECK_UNKNOWN,
			   _("The subscription %s has the unexpected state "
			     "%s."), name, state_text);
		set_fix(check, "%s", _("Check the subscription in the Azure "
				       "portal."));
	}
	free(name);
	free(state_text);
}

static void check_permission(const struct kvl_check_input *in,
			     struct kvl_check *check)
{
	const char *action;
	char *vault;

	if (in->vault == NULL || !in->permissions_known) {
		set_result(check, KVL_CHECK_UNKNOWN, "%s",
			   _("Your permissions on the key vault could not be "
			     "read."));
		set_fix(check, "%s", _("Make sure you can read the vault and "
				       "its resource group (the Reader role is "
				       "enough), then run the checks again."));
		return;
	}

	action = in->vault->rbac ? ACTION_ASSIGNMENT_WRITE
		 : ACTION_POLICY_WRITE;
	vault = kvl_sanitize(in->vault->name);
	if (kvl_permissions_allow(in->permissions, in->n_permissions,
				  action)) {
		set_result(check, KVL_CHECK_PASSED,
			   in->vault->rbac
			   ? _("You may create role assignments on %s.")
			   : _("You may change the access policies of %s."),
			   vault);
	} else if (in->vault->rbac) {
		set_result(check, KVL_CHECK_FAILED,
			   _("The vault %s uses Azure role-based access "
			     "control and you may not create role assignments "
			     "on it (%s)."), vault, action);
		set_fix(check, "%s", _("Ask for the User Access Administrator "
				       "or Owner role on the vault or its "
				       "resource group, or have someone who "
				       "holds it run the manual steps."));
	} else {
		set_result(check, KVL_CHECK_FAILED,
			   _("The vault %s uses access policies and you may "
			     "not change them (%s)."), vault, action);
		set_fix(check, "%s", _("Ask for the Contributor role on the "
				       "vault or its resource group."));
	}
	free(vault);
}

bool kvl_vault_firewall_open(const struct kvl_vault *vault)
{
	if (vault->public_network_access != NULL &&
	    strcasecmp(vault->public_network_access, "Disabled") == 0)
		return false;
	return vault->default_action == NULL ||
	       strcasecmp(vault->default_action, "Allow") == 0;
}

/* Whether networkAcls.bypass lets trusted Azure services through. */
static bool bypass_azure_services(const struct kvl_vault *vault)
{
	return vault->bypass != NULL &&
	       strcasestr(vault->bypass, "AzureServices") != NULL;
}

static void check_firewall(const struct kvl_check_input *in,
			   struct kvl_check *check)
{
	const struct kvl_vault *vault = in->vault;
	char *name;

	if (vault == NULL) {
		set_result(check, KVL_CHECK_UNKNOWN, "%s",
			   _("The network settings of the key vault could "
			     "not be read."));
		set_fix(check, "%s", _("Make sure you can read the vault, "
				       "then run the checks again."));
		return;
	}

	name = kvl_sanitize(vault->name);
	if (kvl_vault_firewall_open(vault)) {
		set_result(check, KVL_CHECK_PASSED,
			   _("The vault %s accepts connections from all "
			     "networks."), name);
	} else if (vault->public_network_access != NULL &&
		   strcasecmp(vault->public_network_access, "Disabled") == 0) {
		set_result(check, KVL_CHECK_FAILED,
			   _("Public network access to the vault %s is "
			     "disabled, so Customer Insights cannot reach "
			     "it."), name);
		set_fix(check, "%s", _("Under Networking in the Azure portal, "
				       "allow public access from all networks, "
				       "or choose another vault."));
	} else if (bypass_azure_services(vault)) {
		set_result(check, KVL_CHECK_FAILED,
			   _("The firewall of the vault %s is on. It lets "
			     "trusted Microsoft services through, but "
			     "Customer Insights is not one of them."), name);
		set_fix(check, "%s", _("Under Networking in the Azure portal, "
				       "allow access from all networks; the "
				       "trusted services exception is not "
				       "enough."));
	} else {
		set_result(check, KVL_CHECK_FAILED,
			   _("The firewall of the vault %s is on and blocks "
			     "Customer Insights."), name);
		set_fix(check, "%s", _("Under Networking in the Azure portal, "
				       "allow access from all networks."));
	}
	free(name);
}

static void check_region(const struct kvl_check_input *in,
			 struct kvl_check *check)
{
	char *vault_region, *env_region;

	if (in->vault == NULL || in->vault->location == NULL ||
	    in->env == NULL || in->env->region == NULL) {
		set_result(check, KVL_CHECK_UNKNOWN, "%s",
			   _("The regions of the vault and the environment "
			     "could not both be read."));
		set_fix(check, "%s", _("Load an environment and make sure "
				       "you can read the vault, then run the "
				       "checks again."));
		return;
	}

	vault_region = kvl_sanitize(in->vault->location);
	env_region = kvl_sanitize(in->env->region);
	if (kvl_region_equal(in->vault->location, in->env->region)) {
		set_result(check, KVL_CHECK_PASSED,
			   _("The vault is in %s, like the environment."),
			   vault_region);
	} else {
		set_result(check, KVL_CHECK_FAILED,
			   _("The vault is in %s but the environment is in "
			     "%s."), vault_region, env_region);
		set_fix(check, "%s", _("Choose or create a key vault in the "
				       "environment's region."));
	}
	free(vault_region);
	free(env_region);
}

void kvl_checks_run(const struct kvl_check_input *in,
		    struct kvl_check checks[KVL_CHECK_COUNT])
{
	static void (*const run[KVL_CHECK_COUNT])(
		const struct kvl_check_input *, struct kvl_check *) = {
		[KVL_CHECK_ADMIN] = check_admin,
		[KVL_CHECK_SUBSCRIPTION] = check_subscription,
		[KVL_CHECK_PERMISSION] = check_permission,
		[KVL_CHECK_FIREWALL] = check_firewall,
		[KVL_CHECK_REGION] = check_region,
	};
	int i;

	for (i = 0; i < KVL_CHECK_COUNT; i++) {
		checks[i].id = (enum kvl_check_id)i;
		checks[i].reason = NULL;
		checks[i].fix = NULL;
		run[i](in, &checks[i]);
	}
}

void kvl_checks_clear(struct kvl_check checks[KVL_CHECK_COUNT])
{
	int i;

	for (i = 0; i < KVL_CHECK_COUNT; i++) {
		free(checks[i].reason);
		free(checks[i].fix);
		checks[i].reason = NULL;
		checks[i].fix = NULL;
	}
}
