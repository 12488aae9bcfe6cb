/* Prerequisite checks computed from hand-built inputs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow/checks.h"

#define AVERY "a0000000-0000-4000-8000-000000000001"
#define RILEY "a0000000-0000-4000-8000-000000000002"
#define STRANGER "a0000000-0000-4000-8000-0000000000ff"

/* Effective permissions of built-in roles, as Azure reports them. */
static char *owner_actions[] = { "*", NULL };
static char *owner_not_actions[] = { NULL };
static char *contributor_actions[] = { "*", NULL };
static char *contributor_not_actions[] = {
	"Microsoft.Authorization/*/Delete",
	"Microsoft.Authorization/*/Write",
	"Microsoft.Authorization/elevateAccess/Action",
	NULL,
};
static char *uaa_actions[] = {
	"*/read", "Microsoft.Authorization/*", "Microsoft.Support/*", NULL,
};
static char *reader_actions[] = { "*/read", NULL };
static char *custom_actions[] = {
	"Microsoft.Authorization/roleAssignments/write", NULL,
};
static char *none[] = { NULL };

static const struct kvl_permission owner = {
	owner_actions, owner_not_actions,
};
static const struct kvl_permission contributor = {
	contributor_actions, contributor_not_actions,
};
static const struct kvl_permission uaa = { uaa_actions, none };
static const struct kvl_permission reader = { reader_actions, none };
static const struct kvl_permission custom = { custom_actions, none };

struct fixture {
	struct kvl_env_user users[2];
	struct kvl_environment env;
	struct kvl_identity identity;
	struct kvl_subscription subscription;
	struct kvl_vault vault;
	struct kvl_permission perms[2];
	struct kvl_check_input in;
	struct kvl_check checks[KVL_CHECK_COUNT];
};

/* Avery (Admin) and Riley (Viewer) in a westeurope environment, signed in
 * as Avery, with an open access-policy vault and Contributor rights. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->users[0] = (struct kvl_env_user){ AVERY, "Avery Admin",
					     KVL_ROLE_ADMIN };
	f->users[1] = (struct kvl_env_user){ RILEY, "Riley Reader",
					     KVL_ROLE_VIEWER };
	f->env.display_name = "Contoso Insights";
	f->env.region = "westeurope";
	f->env.users = f->users;
	f->env.n_users = 2;
	f->identity.object_id = AVERY;
	f->subscription.display_name = "Contoso Production";
	f->subscription.state = "Enabled";
	f->vault.name = "kv-ci-prod";
	f->vault.location = "westeurope";
	f->perms[0] = contributor;

	f->in.env = &f->env;
	f->in.identity = &f->identity;
	f->in.subscription = &f->subscription;
	f->in.vault = &f->vault;
	f->in.permissions = f->perms;
	f->in.n_permissions = 1;
	f->in.permissions_known = true;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	kvl_checks_clear(f->checks);
	free(f);
	return 0;
}

/* Runs the checks and returns the one under test. */
static const struct kvl_check *run(struct fixture *f, enum kvl_check_id id)
{
	kvl_checks_clear(f->checks);
	kvl_checks_run(&f->in, f->checks);
	return &f->checks[id];
}

static void assert_passed(const struct kvl_check *check)
{
	assert_int_equal(check->state, KVL_CHECK_PASSED);
	assert_non_null(check->reason);
	assert_null(check->fix);
}

static void assert_failed(const struct kvl_check *check)
{
	assert_int_equal(check->state, KVL_CHECK_FAILED);
	assert_non_null(check->reason);
	assert_non_null(check->fix);
}

static void assert_unknown(const struct kvl_check *check)
{
	assert_int_equal(check->state, KVL_CHECK_UNKNOWN);
	assert_non_null(check->reason);
	assert_non_null(check->fix);
}

static void test_all_pass_on_happy_path(void **state)
{
	struct fixture *f = *state;
	int i;

	kvl_checks_run(&f->in, f->checks);
	for (i = 0; i < KVL_CHECK_COUNT; i++) {
		assert_int_equal(f->checks[i].id, i);
		assert_passed(&f->checks[i]);
	}
}

static void test_admin_states(void **state)
{
	struct fixture *f = *state;

	assert_passed(run(f, KVL_CHECK_ADMIN));

	f->identity.object_id = RILEY;
	assert_failed(run(f, KVL_CHECK_ADMIN));
	assert_non_null(strstr(f->checks[KVL_CHECK_ADMIN].reason, "Viewer"));

	f->identity.object_id = STRANGER;
	assert_failed(run(f, KVL_CHECK_ADMIN));

	f->in.identity = NULL;
	assert_unknown(run(f, KVL_CHECK_ADMIN));

	f->in.identity = &f->identity;
	f->in.env = NULL;
	assert_unknown(run(f, KVL_CHECK_ADMIN));
}

static void test_subscription_states(void **state)
{
	static const struct {
		char *state;
		enum kvl_check_state expected;
	} cases[] = {
		{ "Enabled", KVL_CHECK_PASSED },
		{ "Warned", KVL_CHECK_PASSED },
		{ "PastDue", KVL_CHECK_PASSED },
		{ "Disabled", KVL_CHECK_FAILED },
		{ "Deleted", KVL_CHECK_FAILED },
		{ "Frozen", KVL_CHECK_UNKNOWN },
		{ NULL, KVL_CHECK_UNKNOWN },
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct kvl_check *check;

		f->subscription.state = cases[i].state;
		check = run(f, KVL_CHECK_SUBSCRIPTION);
		assert_int_equal(check->state, cases[i].expected);
		assert_non_null(check->reason);
		if (cases[i].expected == KVL_CHECK_PASSED)
			assert_null(check->fix);
		else
			assert_non_null(check->fix);
	}
}

static void test_subscription_warned_has_note(void **state)
{
	struct fixture *f = *state;
	char *enabled;

	enabled = strdup(run(f, KVL_CHECK_SUBSCRIPTION)->reason);
	f->subscription.state = "PastDue";
	assert_passed(run(f, KVL_CHECK_SUBSCRIPTION));
	assert_non_null(strstr(f->checks[KVL_CHECK_SUBSCRIPTION].reason,
			       "PastDue"));
	assert_string_not_equal(f->checks[KVL_CHECK_SUBSCRIPTION].reason,
				enabled);
	free(enabled);

	f->in.subscription = NULL;
	assert_unknown(run(f, KVL_CHECK_SUBSCRIPTION));
}

static void test_permission_access_policy_vault(void **state)
{
	struct fixture *f = *state;

	/* Contributor may write access policies. */
	assert_passed(run(f, KVL_CHECK_PERMISSION));

	f->perms[0] = reader;
	assert_failed(run(f, KVL_CHECK_PERMISSION));
	assert_non_null(strstr(f->checks[KVL_CHECK_PERMISSION].reason,
			       "accessPolicies/write"));

	f->perms[0] = owner;
	assert_passed(run(f, KVL_CHECK_PERMISSION));

	f->in.n_permissions = 0;
	assert_failed(run(f, KVL_CHECK_PERMISSION));
}

static void test_permission_rbac_contributor_only(void **state)
{
	struct fixture *f = *state;

	/* Contributor has '*' but its notActions take away role
	 * assignment writes. */
	f->vault.rbac = true;
	assert_failed(run(f, KVL_CHECK_PERMISSION));
	assert_non_null(strstr(f->checks[KVL_CHECK_PERMISSION].reason,
			       "roleAssignments/write"));
}

static void test_permission_rbac_inherited_roles(void **state)
{
	struct fixture *f = *state;

	f->vault.rbac = true;

	f->perms[0] = contributor;
	f->perms[1] = uaa;
	f->in.n_permissions = 2;
	assert_passed(run(f, KVL_CHECK_PERMISSION));

	f->perms[0] = owner;
	f->in.n_permissions = 1;
	assert_passed(run(f, KVL_CHECK_PERMISSION));

	f->perms[0] = custom;
	assert_passed(run(f, KVL_CHECK_PERMISSION));

	f->perms[0] = reader;
	assert_failed(run(f, KVL_CHECK_PERMISSION));
}

static void test_permission_unknown(void **state)
{
	struct fixture *f = *state;

	f->in.permissions_known = false;
	assert_unknown(run(f, KVL_CHECK_PERMISSION));

	f->in.permissions_known = true;
	f->in.vault = NULL;
	assert_unknown(run(f, KVL_CHECK_PERMISSION));
}

static void test_firewall_open(void **state)
{
	struct fixture *f = *state;

	assert_true(kvl_vault_firewall_open(&f->vault));
	assert_passed(run(f, KVL_CHECK_FIREWALL));

	f->vault.default_action = "Allow";
	f->vault.bypass = "AzureServices";
	f->vault.public_network_access = "Enabled";
	assert_true(kvl_vault_firewall_open(&f->vault));
	assert_passed(run(f, KVL_CHECK_FIREWALL));
}

static void test_firewall_closed(void **state)
{
	struct fixture *f = *state;
	char *deny_reason;

	f->vault.default_action = "Deny";
	f->vault.bypass = "None";
	assert_false(kvl_vault_firewall_open(&f->vault));
	assert_failed(run(f, KVL_CHECK_FIREWALL));
	deny_reason = strdup(f->checks[KVL_CHECK_FIREWALL].reason);

	/* Letting trusted Azure services through still blocks the link,
	 * and the reason names that exception. */
	f->vault.bypass = "AzureServices";
	assert_false(kvl_vault_firewall_open(&f->vault));
	assert_failed(run(f, KVL_CHECK_FIREWALL));
	assert_string_not_equal(f->checks[KVL_CHECK_FIREWALL].reason,
				deny_reason);
	assert_non_null(strstr(f->checks[KVL_CHECK_FIREWALL].reason,
			       "trusted"));
	free(deny_reason);

	f->vault.default_action = NULL;
	f->vault.bypass = NULL;
	f->vault.public_network_access = "Disabled";
	assert_false(kvl_vault_firewall_open(&f->vault));
	assert_failed(run(f, KVL_CHECK_FIREWALL));
	assert_non_null(strstr(f->checks[KVL_CHECK_FIREWALL].reason,
			       "Public network access"));

	f->in.vault = NULL;
	assert_unknown(run(f, KVL_CHECK_FIREWALL));
}

static void test_region_match(void **state)
{
	struct fixture *f = *state;

	f->vault.location = "West Europe";
	assert_passed(run(f, KVL_CHECK_REGION));

	f->vault.location = "northeurope";
	assert_failed(run(f, KVL_CHECK_REGION));

	f->env.region = "eastus";
	f->vault.location = "eastus2";
	assert_failed(run(f, KVL_CHECK_REGION));

	f->vault.location = "East US";
	assert_passed(run(f, KVL_CHECK_REGION));

	f->vault.location = NULL;
	assert_unknown(run(f, KVL_CHECK_REGION));
}

static void test_names_are_stable(void **state)
{
	(void)state;
	assert_string_equal(kvl_check_name(KVL_CHECK_ADMIN), "admin");
	assert_string_equal(kvl_check_name(KVL_CHECK_SUBSCRIPTION),
			    "subscription");
	assert_string_equal(kvl_check_name(KVL_CHECK_PERMISSION),
			    "permission");
	assert_string_equal(kvl_check_name(KVL_CHECK_FIREWALL), "firewall");
	assert_string_equal(kvl_check_name(KVL_CHECK_REGION), "region");
	assert_string_equal(kvl_check_state_name(KVL_CHECK_UNKNOWN),
			    "unknown");
	assert_non_null(kvl_check_title(KVL_CHECK_FIREWALL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_all_pass_on_happy_path),
		T(test_admin_states),
		T(test_subscription_states),
		T(test_subscription_warned_has_note),
		T(test_permission_access_policy_vault),
		T(test_permission_rbac_contributor_only),
		T(test_permission_rbac_inherited_roles),
		T(test_permission_unknown),
		T(test_firewall_open),
		T(test_firewall_closed),
		T(test_region_match),
		T(test_names_are_stable),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
