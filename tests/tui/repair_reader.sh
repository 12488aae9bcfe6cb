#!/bin/bash
# The wizard's repair reads secret values as the environment's service
# identity, like its background check and `kvlink repair`: after a repair
# from Admin > Security, the sandbox saw the secret read by the Customer
# Insights service principal and never by the signed-in user.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
command -v openssl >/dev/null 2>&1 || {
	echo "SKIP: openssl is not installed" >&2
	exit 77
}
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
TENANT=72f988bf-0000-4000-8000-00000000a001
CI_APP=0bfc4568-a4ba-4c58-bd3e-5d3e76bd7fff
CI_SP=c1000000-0000-4000-8000-0000000000c1
AVERY=a0000000-0000-4000-8000-000000000001
SECRET_PATH=/kv/kv-ci-prod/secrets/sftp-password
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# reads_by CALLER SKIP: how many GETs of the secret's value CALLER made
# after the first SKIP requests the sandbox logged.
reads_by() {
	kvl_sandbox_get /_sandbox/requests |
		jq --arg p "$SECRET_PATH" --arg c "$1" --argjson n "$2" \
		'[.value[$n:][] | select(.path == $p and .method == "GET"
		  and .caller == $c)] | length'
}

printf 'kvl-test-%s\n' "$(openssl rand -hex 20)" >"$WORK/secret.txt"
jq -n --arg app "$CI_APP" --rawfile secret "$WORK/secret.txt" \
	'{appId: $app, clientSecret: ($secret | rtrimstr("\n"))}' |
	kvl_curl -f -H 'Content-Type: application/json' \
	--data-binary @- "$SANDBOX_URL/_sandbox/app-credentials" \
	>/dev/null || kvl_fail "POST /_sandbox/app-credentials failed"

cli 0 login
cli 0 env create --name "Contoso CI" --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 connection add --type sftp --name Files \
	--field host=sftp.contoso.test --field username=exporter \
	--field folder=/exports --use-key-vault \
	--secret password=sftp-password --accept-privacy-statement
"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" env identity set \
	--kind client-secret --identity-tenant "$TENANT" \
	--identity-client-id "$CI_APP" --client-secret-stdin \
	<"$WORK/secret.txt" >/dev/null 2>"$WORK/set.err" ||
	kvl_fail "env identity set failed: $(cat "$WORK/set.err")"

kvl_curl -f -H 'Content-Type: application/json' \
	-d '{"vault":"kv-ci-prod","action":"remove-policy"}' \
	"$SANDBOX_URL/_sandbox/break" >/dev/null ||
	kvl_fail "POST /_sandbox/break failed"
cli 5 check --output json
kvl_json .secretsReadAs.type serviceIdentity

SKIP=$(kvl_sandbox_get /_sandbox/requests | jq '.value | length')
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "[ r Repair access ]"
kvl_keys r
kvl_screen_wait "Grant the Customer Insights service principal"
kvl_keys y
kvl_screen_wait "Granted again on key vault kv-ci-prod: 1 grant(s)."
kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0

[ "$(reads_by "$CI_SP" "$SKIP")" -gt 0 ] ||
	kvl_fail "the wizard's repair did not read the secret as the service
identity"
[ "$(reads_by "$AVERY" "$SKIP")" = 0 ] ||
	kvl_fail "the wizard read the secret as the signed-in user"
