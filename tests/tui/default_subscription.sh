#!/bin/bash
# The wizard's subscription step puts the cursor on az CLI's default
# subscription (azureProfile.json) when the live list from the sandbox
# has it, and names a default that the list lacks without choosing it.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

S2=22222222-2222-4222-8222-222222222222
GONE=55555555-5555-4555-8555-555555555555
ENV="$WORK/env"
export AZURE_CONFIG_DIR="$WORK/az"
mkdir -p "$AZURE_CONFIG_DIR"
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" login
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" env create \
	--name "Contoso CI" --region westeurope

# azureProfile.json as az writes it, byte-order mark first.
write_default() {
	printf '\xef\xbb\xbf{"subscriptions": [{"id": "%s",' "$1" \
		>"$AZURE_CONFIG_DIR/azureProfile.json"
	printf ' "name": "from az", "isDefault": true,' \
		>>"$AZURE_CONFIG_DIR/azureProfile.json"
	printf ' "environmentName": "kvlink-sandbox"}]}\n' \
		>>"$AZURE_CONFIG_DIR/azureProfile.json"
}

# Opens the wizard and goes to Admin > Security > Key Vault, step 1.
open_subscription_step() {
	kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
	kvl_screen_wait "Signed in as: avery@contoso.test"
	kvl_keys Enter
	kvl_screen_wait "No key vault is linked"
	kvl_keys Enter
	kvl_screen_wait "1/6 Subscription"
	kvl_screen_wait "Contoso Archive"
}

quit_wizard() {
	kvl_keys Escape
	kvl_screen_wait_gone "1/6 Subscription"
	kvl_keys Escape
	kvl_screen_wait "Signed in as: avery@contoso.test"
	kvl_keys q
	kvl_wait_file "$WORK/kvlink.status"
}

# The default is listed live, so the cursor starts on it and Enter
# takes its resource groups.
write_default "$S2"
open_subscription_step
kvl_screen_wait "Preselected az CLI's default subscription Contoso Development."
kvl_keys Enter
kvl_screen_wait "2/6 Resource group"
kvl_screen_wait "rg-dev2"
kvl_screen_lacks "rg-ci-prod"
kvl_keys Escape
kvl_screen_wait "1/6 Subscription"
quit_wizard

# A default that the live list lacks is named and ignored: the cursor
# stays on the first row, Contoso Production.
write_default "$GONE"
open_subscription_step
kvl_screen_wait "az CLI's default subscription $GONE is not listed"
kvl_screen_lacks "Preselected"
kvl_keys Enter
kvl_screen_wait "2/6 Resource group"
kvl_screen_wait "rg-ci-prod"
kvl_screen_lacks "rg-dev2"
kvl_keys Escape
kvl_screen_wait "1/6 Subscription"
quit_wizard
