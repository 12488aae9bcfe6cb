#!/bin/bash
# The quick start's wizard as a new user meets it: `kvlink --sandbox` at
# 80x24 starts its own sandbox, and the whole link flow runs on an RBAC
# vault. The tile is read off the screen; the sandbox's saved state must
# then hold exactly the two new role assignments.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"

S1=11111111-1111-4111-8111-111111111111
CI_SP=c1000000-0000-4000-8000-0000000000c1
VAULT_ID=/subscriptions/$S1/resourceGroups/rg-ci-prod/providers/Microsoft.KeyVault/vaults/kv-ci-rbac
READER=21090545-7ca7-4776-b22c-e363652d74d2
SECRETS_USER=4633458b-17de-408a-b874-0445c86b69e6

# The default tenant as a fresh sandbox serves it, for the comparison.
kvl_sandbox_start
kvl_sandbox_get /_sandbox/state >"$WORK/before.json"
kvl_sandbox_stop

kvl_tmux_start 80 24 --sandbox --env-dir "$WORK/env"

kvl_screen_wait "Create the Customer Insights environment"
kvl_screen_has "[sandbox]"
kvl_type "Contoso Sandbox"
kvl_keys Enter
kvl_type "/westeurope"
kvl_screen_wait "(1 of "
kvl_keys Enter
kvl_screen_wait "Signed in as: avery@contoso.test"

kvl_keys Enter
kvl_screen_wait "[ Setup ]"
kvl_keys Enter
kvl_screen_wait "1/6 Subscription"
kvl_screen_wait "Contoso Archive"
kvl_type "/Production"
kvl_screen_wait "(1 of 4)"
kvl_keys Enter
kvl_screen_wait "All resource groups"
kvl_screen_wait "rg-restricted"
kvl_type "/rg-ci-prod"
kvl_screen_wait "(1 of "
kvl_keys Enter

# The resource group narrows the list to its own vaults.
kvl_screen_wait "3/6 Vault"
kvl_screen_wait "kv-ci-firewall"
kvl_screen_lacks "kv-ci-bypass"
kvl_type "/kv-ci-rbac"
kvl_screen_wait "(1 of 3)"
kvl_keys Enter

kvl_screen_wait "All checks passed"
kvl_screen_has "You may create role assignments on kv-ci-rbac."
kvl_keys Enter
kvl_screen_wait "[ ] I agree"
kvl_keys Space
kvl_screen_wait "[x] I agree"
kvl_keys Enter
kvl_screen_wait "Press Enter to grant and save."
kvl_screen_has "Key Vault Reader"
kvl_keys Enter

kvl_screen_wait "Linked key vault kv-ci-rbac"
kvl_screen_has "Vault: kv-ci-rbac"
kvl_screen_has "Resource group: rg-ci-prod"
kvl_screen_has "Subscription: Contoso Production ($S1)"
kvl_screen_has "Permission model: Azure role-based access control"

kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0

# kvlink stopped its sandbox, which saved its tenant beside the
# environment: exactly two role assignments more, both for the Customer
# Insights principal at the vault's scope; nothing else changed.
after="$WORK/env/sandbox-state/sandbox-state.json"
[ -s "$after" ] || kvl_fail "the sandbox saved no state in $after"
added='[.roleAssignments[] | {scope, principalId, roleDefinitionId}]'
jq -c --slurpfile b "$WORK/before.json" \
	"$added - (\$b[0] | $added) | sort_by(.roleDefinitionId)" \
	"$after" >"$WORK/added.json"
kvl_json 'length' 2 "$WORK/added.json"
kvl_json '[.[].principalId] | unique | join(",")' "$CI_SP" "$WORK/added.json"
kvl_json '[.[].scope | ascii_downcase] | unique | join(",")' \
	"$(echo "$VAULT_ID" | tr 'A-Z' 'a-z')" "$WORK/added.json"
kvl_json '[.[].roleDefinitionId | split("/") | last] | join(",")' \
	"$READER,$SECRETS_USER" "$WORK/added.json"
jq -c --slurpfile a "$after" "$added - (\$a[0] | $added)" \
	"$WORK/before.json" >"$WORK/removed.json"
kvl_json 'length' 0 "$WORK/removed.json"
policies='[.vaults[] | {name, accessPolicies}]'
[ "$(jq -S "$policies" "$WORK/before.json")" = \
  "$(jq -S "$policies" "$after")" ] ||
	kvl_fail "access policies changed although the vault uses RBAC"

kvl_json '.keyVault.name' kv-ci-rbac "$WORK/env/environment.json"
kvl_json '.keyVault.permissionModel' rbac "$WORK/env/environment.json"
