#!/bin/bash
# The wizard's background health check reads secret values as the
# environment's service identity, like `kvlink check`. A managed identity
# with a wrong IDENTITY_HEADER gives the identity.sign-in notification.
# With the right one, the Customer Insights service principal reads the
# secret and the notification goes away.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
CI_SP=c1000000-0000-4000-8000-0000000000c1
ENV="$WORK/env"
DOC="$ENV/environment.json"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# wait_doc FILTER: polls environment.json until the jq FILTER is true
# (at most 30 s), as the wizard's check saves it in the background.
wait_doc() {
	local i

	for i in $(seq 1 300); do
		[ "$(jq -r "$1" "$DOC" 2>/dev/null)" = true ] && return 0
		sleep 0.1
	done
	kvl_fail_screen "environment.json never matched $1: $(cat "$DOC")"
}

cli 0 login
cli 0 env create --name "Contoso CI" --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 connection add --type sendgrid --name Mail --use-key-vault \
	--secret api_key=sendgrid-api-key --accept-privacy-statement
kvl_json '[.notifications[]?] | length' 0 "$DOC"

kvl_sandbox_get /_sandbox/managed-identity >"$WORK/msi.json"
IDENTITY_ENDPOINT=$(jq -r .endpoint "$WORK/msi.json")
IDENTITY_HEADER=wrong-header
export IDENTITY_ENDPOINT IDENTITY_HEADER
cli 0 env identity set --kind managed-identity

kvl_tmux_start 100 30 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
wait_doc '[.notifications[]? | select(.id == "identity.sign-in")] |
	length == 1'
kvl_keys n
kvl_screen_wait "Home > Notifications"
kvl_screen_wait "identity.sign-in"
kvl_keys q
kvl_screen_wait "Notifications:"
kvl_keys q
kvl_tmux_exit_status 0

IDENTITY_HEADER=$(jq -r .header "$WORK/msi.json")
kvl_tmux_start 100 30 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
wait_doc '[.notifications[]? | select(.id == "identity.sign-in")] |
	length == 0'
kvl_keys q
kvl_tmux_exit_status 0
kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
kvl_json "[.value[] | select(.path ==
	\"/kv/kv-ci-prod/secrets/sendgrid-api-key\" and .caller == \"$CI_SP\"
	and .status == 200)] | length > 0" true "$WORK/requests.json"
