#!/bin/bash
# Choosing kv-ci-firewall in the wizard: the checks screen shows the
# firewall check FAILED with its reason and fix. The flow cannot go on to
# the privacy step, and nothing is written to the vault.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

ENV="$WORK/env"
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" login
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" env create \
	--name "Contoso CI" --region westeurope

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "[ Setup ]"
kvl_keys Enter
kvl_screen_wait "Contoso Production"
kvl_type "/Production"
kvl_screen_wait "(1 of 4)"
kvl_keys Enter
kvl_screen_wait "All resource groups"
kvl_keys Enter
kvl_screen_wait "kv-ci-firewall"
kvl_type "/kv-ci-firewall"
kvl_screen_wait "(1 of 10)"
kvl_keys Enter

kvl_screen_wait "Vault kv-ci-firewall in rg-ci-prod, Contoso Production"
kvl_screen_wait "Cannot continue"
kvl_screen_has "[FAILED] Key vault firewall disabled"
kvl_screen_has "The firewall of the vault kv-ci-firewall is on"
kvl_screen_has "Fix: Under Networking in the Azure portal"
kvl_screen_has "[passed] "

# A wider window wraps the reasons again, so the whole sentence fits on
# one line; then back to 80x24.
whole="The firewall of the vault kv-ci-firewall is on and blocks"
whole="$whole Customer Insights."
kvl_screen_lacks "is on and blocks Customer Insights."
kvl_tmux resize-window -t kvl -x 140 -y 30
kvl_screen_wait "$whole"
kvl_tmux resize-window -t kvl -x 80 -y 24
kvl_screen_wait_row 24 "Enter continue"
kvl_screen_wait_row 1 "4/6 Checks"
kvl_screen_has "Fix: Under Networking in the Azure portal"
kvl_screen_lacks "is on and blocks Customer Insights."

# Enter does not move on while the check fails.
kvl_keys Enter
kvl_screen_wait "Cannot continue while a check failed"
kvl_screen_has "4/6 Checks"
kvl_screen_lacks "5/6"
kvl_screen_lacks "I agree"

# r runs the checks again with the same result. The Azure calls seen by
# the sandbox show that r was handled before the screen is read again.
azure_requests() {
	kvl_sandbox_get /_sandbox/requests |
		jq '[.. | objects | select(has("method") and has("path")) |
			select(.path | startswith("/_sandbox") | not)] | length'
}
before=$(azure_requests)
kvl_keys r
for i in $(seq 1 300); do
	[ "$(azure_requests)" -gt "$before" ] && break
	sleep 0.1
done
[ "$(azure_requests)" -gt "$before" ] ||
	kvl_fail_screen "r did not run the checks again"
kvl_screen_wait "A prerequisite is not met"
kvl_screen_has "[FAILED] Key vault firewall disabled"

# Esc goes back to step 3, which still shows the filter.
kvl_keys Escape
kvl_screen_wait "3/6 Vault"
kvl_screen_has "Filter: kv-ci-firewall"

# Nothing was written to any vault.
kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
writes=$(jq '[.. | objects | select(has("method") and
	(.method == "PUT" or .method == "PATCH" or .method == "DELETE"))]
	| length' "$WORK/requests.json")
[ "$writes" = 0 ] || kvl_fail "the wizard sent $writes write requests"

# Esc steps back (clearing filters first) to Home, where q quits.
for i in $(seq 1 20); do
	kvl_screen | grep -qF "Signed in as:" && break
	kvl_keys Escape
	sleep 0.2
done
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0
