#!/bin/bash
# The wizard's link steps at 80x24 with the a key on step 1: the vault
# step lists the vaults of every enabled subscription through Resource
# Graph, shows that on the status line, and a vault of the second
# subscription leads to the checks under its own subscription. When
# Resource Graph is refused, the same step lists each subscription.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

GRAPH_PATH=/arm/providers/Microsoft.ResourceGraph/resources
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

cli 0 login
cli 0 env create --name "Contoso CI" --region eastus2

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "No key vault is linked"
kvl_keys Enter
kvl_screen_wait "1/6 Subscription"
kvl_screen_wait "Contoso Archive"
kvl_screen_has "a all subscriptions"

# a: straight to the vaults of s1, s2 and s4 (fifteen; s4 is in the
# Fabrikam tenant, where Avery is a guest), not s3's.
kvl_keys a
kvl_screen_wait "3/6 Vault"
kvl_screen_wait "Found with Azure Resource Graph in 3 subscriptions."
kvl_type "/kv-"
kvl_screen_wait "(15 of 15)"
kvl_screen_lacks "kv-archive"
kvl_keys Escape
kvl_type "/kv-dev-eastus2"
kvl_screen_wait "(1 of 15)"
kvl_keys Enter
kvl_screen_wait "Vault kv-dev-eastus2 in rg-dev2, Contoso Development"
kvl_screen_wait "All checks passed"
kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
kvl_json "[.value[] | select(.path == \"$GRAPH_PATH\")] | length" 4 \
	"$WORK/requests.json"

# Back on step 1 with Resource Graph refused: per subscription instead.
kvl_keys Escape
kvl_screen_wait "3/6 Vault"
# The first Esc clears the filter, the second goes back.
kvl_keys Escape
kvl_screen_wait "15 items; / to filter"
kvl_keys Escape
kvl_screen_wait "1/6 Subscription"
kvl_sandbox_post /_sandbox/resource-graph '{"fault": "forbidden"}' \
	>/dev/null
kvl_keys a
# The session's listing comes back as it was; r lists anew.
kvl_screen_wait "Found with Azure Resource Graph in 3 subscriptions."
kvl_keys r
kvl_screen_wait "Resource Graph is not available (AuthorizationFailed)"
kvl_type "/kv-"
kvl_screen_wait "(15 of 15)"
kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
kvl_json '[.value[] | select(.path | endswith("Microsoft.KeyVault/vaults"))]
	| length > 0' true "$WORK/requests.json"
echo "PASS: the wizard lists the vaults of all subscriptions"
