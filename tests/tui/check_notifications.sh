#!/bin/bash
# Notifications from `kvlink check` on the wizard's Home: a disabled
# secret and a firewall give two error notifications, and the count
# drops back once a check finds them repaired.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

break_vault() {
	kvl_curl -f -H 'Content-Type: application/json' \
		-d "{\"vault\":\"kv-ci-prod\",$1}" \
		"$SANDBOX_URL/_sandbox/break" >/dev/null ||
		kvl_fail "POST /_sandbox/break $1 failed"
}

cli 0 login
cli 0 env create --name "Contoso CI" --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 connection add --type sendgrid --name Mail --use-key-vault \
	--secret api_key=sendgrid-api-key --accept-privacy-statement
cli 0 check --output json
healthy=$(jq '.findings | length' "$OUT")

break_vault '"action":"disable-secret","secret":"sendgrid-api-key"'
break_vault '"action":"firewall-on"'
cli 5 check --output json
broken=$(jq '.findings | length' "$OUT")
[ "$broken" -ge $((healthy + 2)) ] ||
	kvl_fail "expected at least $((healthy + 2)) findings, got $broken"

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_screen_has "Notifications: $broken"
kvl_keys q
kvl_tmux_exit_status 0

# Repaired: the sandbox as loaded, and the link's grant made again.
kvl_curl -f -d '{}' "$SANDBOX_URL/_sandbox/reset" >/dev/null ||
	kvl_fail "POST /_sandbox/reset failed"
cli 0 unlink --vault kv-ci-prod --yes
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 check --output json
kvl_json '.findings | length' "$healthy"

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_screen_has "Notifications: $healthy"
kvl_keys q
kvl_tmux_exit_status 0
