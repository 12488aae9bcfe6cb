#!/bin/bash
# The wizard keeps the subscriptions, resource groups and vaults it
# listed for the rest of the session: going back and forth between the
# link steps sends no listing request again, and r on a step lists that
# step's items anew. Counted from the sandbox's request records.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# count_gets PATH: how many lists of PATH the sandbox served: GETs of
# their first page, as a list may take several.
count_gets() {
	kvl_sandbox_get /_sandbox/requests |
		jq --arg p "$1" '[.value[] | select(.method == "GET" and
			.path == $p and .query["$skiptoken"] == null)] |
			length'
}

# expect_gets PATH N: the sandbox served exactly N GETs of PATH.
expect_gets() {
	local got

	got=$(count_gets "$1")
	[ "$got" -eq "$2" ] ||
		kvl_fail "expected $2 GETs of $1, the sandbox served $got"
}

SUBS=/arm/subscriptions
GROUPS_PATH=/arm/subscriptions/$S1/resourcegroups
VAULTS=/arm/subscriptions/$S1/providers/Microsoft.KeyVault/vaults

cli 0 login
cli 0 env create --name "Contoso CI" --region westeurope
kvl_sandbox_post /_sandbox/reset '{}' >/dev/null

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "No key vault is linked"
kvl_keys Enter
kvl_screen_wait "1/6 Subscription"
kvl_screen_wait "Contoso Production"
kvl_screen_has "r reload"

# Forward through the steps once: one listing each.
kvl_type "/Production"
kvl_screen_wait "(1 of 4)"
kvl_keys Enter
kvl_screen_wait "All resource groups"
kvl_screen_has "r reload"
kvl_keys Enter
kvl_screen_wait "3/6 Vault"
kvl_screen_wait "kv-ci-prod"
kvl_screen_has "r reload"
# Subscriptions are listed once per tenant (Avery is a guest in a
# second one).
SUB_LISTS=$(count_gets "$SUBS")
[ "$SUB_LISTS" -ge 1 ] || kvl_fail "the subscriptions were not listed"
expect_gets "$GROUPS_PATH" 1
expect_gets "$VAULTS" 1

# Back to step 1 and forward again: everything comes from the session.
kvl_keys Escape
kvl_screen_wait "2/6 Resource group"
kvl_keys Escape
kvl_screen_wait "1/6 Subscription"
kvl_keys Escape
kvl_screen_wait "4 items; / to filter"
kvl_keys Escape
kvl_screen_wait "No key vault is linked"
kvl_keys Enter
kvl_screen_wait "1/6 Subscription"
kvl_screen_wait "Contoso Production"
kvl_type "/Production"
kvl_screen_wait "(1 of 4)"
kvl_keys Enter
kvl_screen_wait "All resource groups"
kvl_keys Enter
kvl_screen_wait "3/6 Vault"
kvl_screen_wait "kv-ci-prod"
expect_gets "$SUBS" "$SUB_LISTS"
expect_gets "$GROUPS_PATH" 1
expect_gets "$VAULTS" 1

# r on the vault step lists the vaults again, and only them.
kvl_keys r
kvl_screen_wait "kv-ci-prod"
kvl_screen_wait_gone "Listing key vaults"
expect_gets "$VAULTS" 2
expect_gets "$GROUPS_PATH" 1
expect_gets "$SUBS" "$SUB_LISTS"

# r on the resource group step and on the subscription step.
kvl_keys Escape
kvl_screen_wait "2/6 Resource group"
kvl_keys r
kvl_screen_wait "All resource groups"
kvl_screen_wait_gone "Listing resource groups"
expect_gets "$GROUPS_PATH" 2
kvl_keys Escape
kvl_screen_wait "1/6 Subscription"
kvl_keys Escape
kvl_screen_wait "4 items; / to filter"
kvl_keys r
kvl_screen_wait "Contoso Production"
kvl_screen_wait_gone "Listing subscriptions"
expect_gets "$SUBS" $((2 * SUB_LISTS))
expect_gets "$VAULTS" 2

kvl_keys Escape
kvl_screen_wait "No key vault is linked"
kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0
