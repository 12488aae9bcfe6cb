#!/bin/bash
# The last link step at 80x24 reviews every change before anything is
# written to Azure. It shows each grant for the Customer Insights
# principal in words and as the az command with the values the link
# uses, and what the environment records. Going back from the review
# leaves the sandbox unchanged.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
CI_SP=c1000000-0000-4000-8000-0000000000c1
RBAC_SCOPE=/subscriptions/$S1/resourceGroups/rg-ci-prod/providers/Microsoft.KeyVault/vaults/kv-ci-rbac
ENV="$WORK/env"

kvl_run 0 login --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_run 0 env create --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
	--name "Contoso CI" --region westeurope
kvl_sandbox_get /_sandbox/state >"$WORK/before.json"

# screen_text: the screen with its rows joined, so that a command that
# wraps across rows reads as one line.
screen_text() {
	kvl_screen | sed 's/^ *//' | tr '\n' ' ' | tr -s ' '
}

review_has() {
	screen_text | grep -qF -- "$1" ||
		kvl_fail_screen "the review does not show '$1'"
}

# walk_to_review VAULT: from Home through the six steps to the review.
walk_to_review() {
	kvl_keys Enter
	kvl_screen_wait "[ Setup ]"
	kvl_keys Enter
	kvl_screen_wait "Contoso Production"
	kvl_type "/Production"
	kvl_screen_wait "Filter: Production_  (1 of 4)"
	kvl_keys Enter
	kvl_screen_wait "rg-ci-prod"
	kvl_keys Enter
	kvl_screen_wait "3/6 Vault"
	kvl_screen_wait "kv-ci-firewall"
	kvl_type "/$1"
	kvl_screen_wait "Filter: $1_"
	kvl_keys Enter
	kvl_screen_wait "All checks passed"
	kvl_keys Enter
	kvl_screen_wait "[ ] I agree"
	kvl_keys Space
	kvl_screen_wait "[x] I agree"
	kvl_keys Enter
	kvl_screen_wait "6/6 Save"
}

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"

# An RBAC vault: two role assignments, each with its az command.
walk_to_review kv-ci-rbac
kvl_screen_has "Vault: kv-ci-rbac"
kvl_screen_has "Changes in Azure:"
review_has "- assign the role Key Vault Reader to Dynamics 365 AI for Customer Insights (object id $CI_SP) on vault kv-ci-rbac"
review_has "- assign the role Key Vault Secrets User to Dynamics 365 AI for Customer Insights (object id $CI_SP) on vault kv-ci-rbac"
kvl_screen_has "Nothing has changed yet. Press Enter to grant and save."
kvl_keys End
kvl_screen_wait "Recorded in environment Contoso CI:"
# The commands wrap at spaces, and the scope, wider than the screen, is
# cut across two rows.
review_has "ServicePrincipal --role 'Key Vault Reader' --scope ${RBAC_SCOPE:0:76}"
review_has "az role assignment create --assignee-object-id $CI_SP --assignee-principal-type ServicePrincipal --role 'Key Vault Secrets User' --scope ${RBAC_SCOPE:0:76}"
kvl_screen_has "${RBAC_SCOPE:76}"
review_has "- that avery@contoso.test made the link and agreed to the privacy statement"
kvl_screen_lacks "set-policy"

# Back out of the review, step by step: nothing was written to Azure.
kvl_keys Escape
kvl_screen_wait "5/6 Privacy"
kvl_keys Escape
kvl_screen_wait "4/6 Checks"
kvl_keys Escape
kvl_screen_wait "3/6 Vault"
kvl_keys Escape
kvl_screen_wait "10 items; / to filter"
kvl_keys Escape
kvl_screen_wait "2/6 Resource group"
kvl_keys Escape
kvl_screen_wait "1/6 Subscription"
kvl_keys Escape
kvl_screen_wait "4 items; / to filter"
kvl_keys Escape
kvl_screen_wait "[ Setup ]"
kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_sandbox_get /_sandbox/state >"$WORK/after-rbac.json"
jq -S . "$WORK/before.json" >"$WORK/a.json"
jq -S . "$WORK/after-rbac.json" >"$WORK/b.json"
cmp -s "$WORK/a.json" "$WORK/b.json" ||
	kvl_fail "the review changed the sandbox: \
$(diff "$WORK/a.json" "$WORK/b.json" | head -20)"

# An access policy vault: one entry and its az keyvault set-policy.
walk_to_review kv-ci-prod
kvl_screen_has "Vault: kv-ci-prod"
review_has "- add an access policy entry allowing get and list on keys, secrets and certificates for Dynamics 365 AI for Customer Insights (object id $CI_SP) on vault kv-ci-prod"
kvl_screen_has "Nothing has changed yet. Press Enter to grant and save."
kvl_keys End
kvl_screen_wait "Recorded in environment Contoso CI:"
review_has "az keyvault set-policy --subscription $S1 --resource-group rg-ci-prod --name kv-ci-prod --object-id $CI_SP --key-permissions get list --secret-permissions get list --certificate-permissions get list"
kvl_screen_lacks "az role assignment"
# The help overlay explains the review step.
kvl_keys F1
kvl_screen_wait "Help: Admin > Security > Key Vault > 6/6 Save"
kvl_screen_has "Nothing has changed yet: Enter makes"
kvl_keys Escape
kvl_screen_wait_gone "Help:"

# Enter makes exactly the change the command describes.
kvl_keys Enter
kvl_screen_wait "Linked key vault kv-ci-prod"
kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0
policies='.vaults[] | select(.name == "kv-ci-prod") | .accessPolicies'
kvl_sandbox_get /_sandbox/state >"$WORK/after.json"
new=$(jq -c --slurpfile b "$WORK/before.json" \
	"($policies) - (\$b[0] | $policies)" "$WORK/after.json")
kvl_json 'length' 1 <(echo "$new")
kvl_json '.[0].objectId' "$CI_SP" <(echo "$new")
