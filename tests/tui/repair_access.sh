#!/bin/bash
# Repairing a link from Admin > Security. The tile offers "r Repair
# access" only while a stored notification reports that the link's
# grants are missing. n in the confirm dialog changes nothing; y grants
# the access policy entry again, shows the result, and the notification
# is gone. The Notifications screen offers the same repair on f.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
DOC="$ENV/environment.json"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }
policies() {
	kvl_sandbox_get /_sandbox/state |
		jq -S '.vaults[] | select(.name == "kv-ci-prod") |
		       .accessPolicies'
}
stored() {
	jq '[.notifications[]? | select(.id == "vault.access-policy")] |
		length' "$DOC"
}

cli 0 login
cli 0 env create --name "Contoso CI" --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 check --output json
linked=$(policies)

# Healthy: no repair is offered.
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "Vault: kv-ci-prod"
kvl_screen_has "[ u Unlink ]"
kvl_screen_lacks "Repair access"
kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0

kvl_curl -f -H 'Content-Type: application/json' \
	-d '{"vault":"kv-ci-prod","action":"remove-policy"}' \
	"$SANDBOX_URL/_sandbox/break" >/dev/null ||
	kvl_fail "POST /_sandbox/break failed"
cli 5 check --output json
[ "$(stored)" = 1 ] || kvl_fail "check did not store the missing entry"
broken=$(policies)

kvl_tmux kill-server
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "Vault: kv-ci-prod"
kvl_screen_has "[ r Repair access ]"
kvl_screen_has "lost access that the link gave it"

# n declines: nothing changes.
kvl_keys r
kvl_screen_wait "Grant the Customer Insights service principal"
kvl_keys n
kvl_screen_wait "[ r Repair access ]"
kvl_screen_lacks "Grant the Customer Insights service principal"
[ "$(policies)" = "$broken" ] || kvl_fail "declining the repair changed Azure"

# y repairs: the entry is back and the notification is gone.
kvl_keys r
kvl_screen_wait "Grant the Customer Insights service principal"
kvl_keys y
kvl_screen_wait "Granted again on key vault kv-ci-prod: 1 grant(s)."
kvl_screen_lacks "[ r Repair access ]"
kvl_screen_lacks "lost access that the link gave it"
kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0

[ "$(policies)" = "$linked" ] ||
	kvl_fail "the wizard's repair did not put back exactly the entry"
[ "$(stored)" = 0 ] || kvl_fail "the notification was not cleared"
kvl_json '.keyVault.grants[0].existed' false "$DOC"

# The Notifications screen offers the same repair on f.
kvl_curl -f -H 'Content-Type: application/json' \
	-d '{"vault":"kv-ci-prod","action":"remove-policy"}' \
	"$SANDBOX_URL/_sandbox/break" >/dev/null ||
	kvl_fail "POST /_sandbox/break failed"
cli 5 check --output json
kvl_tmux kill-server
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys n
kvl_screen_wait "Id: vault.access-policy"
kvl_screen_has "f repair access"
kvl_keys f
kvl_screen_wait "Grant the Customer Insights service principal"
kvl_keys y
kvl_screen_wait "Granted again on key vault kv-ci-prod: 1 grant(s)."
kvl_screen_lacks "Id: vault.access-policy"
kvl_keys q
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0
[ "$(policies)" = "$linked" ] ||
	kvl_fail "the repair from Notifications did not put back the entry"
[ "$(stored)" = 0 ] || kvl_fail "the notification was not cleared"
