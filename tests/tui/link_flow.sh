#!/bin/bash
# The whole wizard at 80x24 against a real kvlink-sandbox: sign-in with
# the device code, creating the environment, and linking kv-ci-prod from
# Admin > Security; then the tile on screen and exactly one new access
# policy entry in the sandbox.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
CI_SP=c1000000-0000-4000-8000-0000000000c1
TENANT=72f988bf-0000-4000-8000-00000000a001

kvl_sandbox_get /_sandbox/state >"$WORK/before.json"
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env"

# Sign-in: the server's device code message, then the first-run form.
kvl_screen_wait "Sign in to Microsoft Entra ID"
kvl_screen_wait "enter the code"
kvl_screen_wait "Create the Customer Insights environment"
kvl_screen_has "avery@contoso.test"

# An empty name is rejected in place.
kvl_keys Enter
kvl_screen_wait "Enter a display name."
kvl_type "Contoso CI"
kvl_keys Enter
kvl_type "/westeurope"
kvl_screen_wait "(1 of "
kvl_keys Enter

kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_screen_has "Environment: Contoso CI"
kvl_screen_has "Region: westeurope"
kvl_screen_has "Notifications: 0"
[ -s "$WORK/env/environment.json" ] ||
	kvl_fail "the wizard did not save the environment"

# Home -> Admin > Security: nothing linked yet.
kvl_keys Enter
kvl_screen_wait "[ Setup ]"
kvl_screen_has "No key vault is linked"
kvl_keys Enter

# 1/6: the disabled subscription is shown with its state.
kvl_screen_wait "1/6 Subscription"
kvl_screen_wait "Contoso Archive"
kvl_screen_has "Disabled: unusable"
kvl_type "/Archive"
kvl_screen_wait "Filter: Archive_  (1 of 4)"
kvl_keys Enter
kvl_screen_wait "Contoso Archive is Disabled; choose an enabled subscription."
kvl_screen_has "1/6 Subscription"
# Esc clears the filter and stays on the step.
kvl_keys Escape
kvl_screen_wait "4 items; / to filter"
kvl_screen_has "1/6 Subscription"
kvl_type "/Production"
kvl_screen_wait "Filter: Production_  (1 of 4)"
kvl_keys Enter

# 2/6: all resource groups.
kvl_screen_wait "All resource groups"
kvl_screen_has "rg-restricted"
kvl_keys Enter

# 3/6: all ten vaults of the subscription (two pages in the sandbox),
# the ineligible ones with their reason; then the filter.
kvl_screen_wait "3/6 Vault"
kvl_screen_wait "kv-restricted-policy"
kvl_screen_has "firewall on"
kvl_screen_has "region ≠ westeurope"
kvl_type "/kv-ci-prod"
kvl_screen_wait "(1 of 10)"
kvl_keys Enter

# 4/6: every check passed.
kvl_screen_wait "All checks passed"
kvl_screen_lacks "FAILED"
kvl_screen_has "[passed] "
kvl_keys Enter

# 5/6: Enter does nothing until Space ticks "I agree".
kvl_screen_wait "[ ] I agree"
kvl_keys Enter
kvl_screen_wait "Press Space to agree"
kvl_screen_has "5/6 Privacy"
kvl_keys Space
kvl_screen_wait "[x] I agree"
kvl_keys Enter

# 6/6: the review names the principal and the grant, then Enter saves.
kvl_screen_wait "Press Enter to grant and save."
kvl_screen_has "Dynamics 365 AI for Customer Insights"
kvl_screen_has "access policy entry allowing get and list"
kvl_keys Enter

# Back on Admin > Security with the tile filled in.
kvl_screen_wait "Linked key vault kv-ci-prod"
kvl_screen_has "Admin > Security > Key Vault"
kvl_screen_has "Vault: kv-ci-prod"
kvl_screen_has "Resource group: rg-ci-prod"
kvl_screen_has "Subscription: Contoso Production ($S1)"
kvl_screen_has "Permission model: Key Vault access policy"
kvl_screen_lacks "[ Setup ]"

# Esc back to Home, q quits with status 0 and a sane terminal.
kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0

# The sandbox: kv-ci-prod gained exactly one entry, for the Customer
# Insights principal with get and list only; nothing else changed.
kvl_sandbox_get /_sandbox/state >"$WORK/after.json"
policies='.vaults[] | select(.name == "kv-ci-prod") | .accessPolicies'
new=$(jq -c --slurpfile b "$WORK/before.json" \
	"($policies) - (\$b[0] | $policies)" "$WORK/after.json")
gone=$(jq -c --slurpfile a "$WORK/after.json" \
	"($policies) - (\$a[0] | $policies)" "$WORK/before.json")
[ "$gone" = "[]" ] || kvl_fail "access policies removed or changed: $gone"
kvl_json 'length' 1 <(echo "$new")
kvl_json '.[0].objectId' "$CI_SP" <(echo "$new")
kvl_json '.[0].tenantId' "$TENANT" <(echo "$new")
for kind in keys secrets certificates; do
	kvl_json ".[0].permissions.$kind | map(ascii_downcase) | sort |
		join(\",\")" "get,list" <(echo "$new")
done

# The sandbox records on the vault who changed it and when.
kvl_json ".vaults[] | select(.name == \"kv-ci-prod\") | .lastModifiedBy" \
	avery@contoso.test "$WORK/after.json"
rest='del(.vaults[] | select(.name == "kv-ci-prod") |
	.accessPolicies, .lastModifiedAt, .lastModifiedBy, .lastModifiedByType)'
jq -S "$rest" "$WORK/before.json" >"$WORK/before-rest.json"
jq -S "$rest" "$WORK/after.json" >"$WORK/after-rest.json"
cmp -s "$WORK/before-rest.json" "$WORK/after-rest.json" ||
	kvl_fail "the sandbox changed beyond kv-ci-prod's access policies: \
$(diff "$WORK/before-rest.json" "$WORK/after-rest.json" | head -20)"

# The environment store records the link.
kvl_json '.keyVault.name' kv-ci-prod "$WORK/env/environment.json"
