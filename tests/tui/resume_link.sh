#!/bin/bash
# A link left pending by an interrupted run: Admin > Security offers to
# finish it, and Enter grants the access and records the link.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
CI_SP=c1000000-0000-4000-8000-0000000000c1
TENANT=72f988bf-0000-4000-8000-00000000a001
ENV="$WORK/env"
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" login
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" env create \
	--name "Contoso CI" --region westeurope

# What an interrupted link leaves in the store: the pending state with
# the grant it was about to make.
vault_id="/subscriptions/$S1/resourceGroups/rg-ci-prod/providers"
vault_id="$vault_id/Microsoft.KeyVault/vaults/kv-ci-prod"
jq --arg sub "$S1" --arg sp "$CI_SP" --arg tenant "$TENANT" \
	--arg id "$vault_id" --arg uri "${SANDBOX_URL}/kv/kv-ci-prod/" '
	.keyVault = {
		state: "pending", subscriptionId: $sub,
		subscriptionName: "Contoso Production",
		resourceGroup: "rg-ci-prod", name: "kv-ci-prod",
		resourceId: $id, vaultUri: $uri, tenantId: $tenant,
		location: "westeurope", permissionModel: "accessPolicy",
		servicePrincipalId: $sp,
		grants: [{ kind: "accessPolicy", principalId: $sp,
			   permissions: "keys,secrets,certificates: get,list",
			   existed: false }]
	}' "$ENV/environment.json" >"$WORK/pending.json"
mv "$WORK/pending.json" "$ENV/environment.json"
chmod 600 "$ENV/environment.json"

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "A link was interrupted before it was saved:"
kvl_screen_has "Vault: kv-ci-prod"
kvl_screen_has "[ Finish the link ]"

# While another process holds the link lock, finishing is refused and
# nothing changes; once it is free, the same key finishes the link.
# The test's shell holds the lock through file descriptor 9.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$ENV/link.lock"
	flock -n 9 || kvl_fail "cannot take the link lock"
	kvl_keys Enter
	kvl_screen_wait "another kvlink is linking or unlinking"
	kvl_json '.keyVault.state' pending "$ENV/environment.json"
	exec 9>&-
	kvl_keys Escape
	kvl_screen_wait "[ Finish the link ]"
fi
kvl_keys Enter

kvl_screen_wait "Linked key vault kv-ci-prod."
kvl_screen_has "Resource group: rg-ci-prod"
kvl_screen_has "Subscription: Contoso Production ($S1)"
kvl_screen_has "Linked by: avery@contoso.test on "
kvl_screen_lacks "[ Finish the link ]"

kvl_json '.keyVault.state' linked "$ENV/environment.json"
kvl_sandbox_get /_sandbox/state >"$WORK/state.json"
kvl_json "[.vaults[] | select(.name == \"kv-ci-prod\") | .accessPolicies[] |
	select(.objectId == \"$CI_SP\")] | length" 1 "$WORK/state.json"

kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0
