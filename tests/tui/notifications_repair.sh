#!/bin/bash
# The notifications screen against every kind of damage the sandbox can
# do (POST /_sandbox/break; add-audit-logging and recover-vault only
# undo others): the wizard's health check at start finds
# it, the screen shows its cause and affected connection, and `kvlink
# check --output json` lists its id. After POST /_sandbox/repair puts
# the tenant back exactly as it was, r on the screen checks again and
# the notification goes, from the screen, the store and the JSON.
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

sandbox_post() {
	kvl_curl -f -H 'Content-Type: application/json' \
		-d "$2" "$SANDBOX_URL/_sandbox/$1" >/dev/null ||
		kvl_fail "POST /_sandbox/$1 $2 failed"
}

# The tenant as /_sandbox/state shows it, keys sorted.
tenant_state() {
	kvl_curl -f "$SANDBOX_URL/_sandbox/state" | jq -S . ||
		kvl_fail "GET /_sandbox/state failed"
}

# stored ID: how many notifications with ID environment.json holds.
stored() {
	jq "[.notifications[]? | select(.id == \"$1\")] | length" "$DOC"
}

# check_kind VAULT BREAK ID SEVERITY CAUSE CONNECTION: one round for one
# kind of damage, where BREAK is the JSON members of the break's body
# after the vault, SEVERITY the label (Error or Recommendation), CAUSE
# the start of the cause and CONNECTION the line under "Connections
# affected:".
check_kind() {
	local vault=$1 body="{\"vault\":\"$1\",$2}" id=$3 label=$4
	local cause=$5 conn=$6 before status=0

	[ "$label" = Error ] && status=5

	before=$(tenant_state)
	sandbox_post break "$body"

	# A wide window keeps every notification on screen and unwrapped.
	kvl_tmux_start 200 60 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
	kvl_screen_wait "Signed in as: avery@contoso.test"
	kvl_keys n
	kvl_screen_wait "Home > Notifications"
	kvl_screen_wait "Id: $id"
	kvl_screen_has "$label: $cause"
	kvl_screen | grep -A1 -F "Connections affected:" |
		grep -qxF -- "     $conn" ||
		kvl_fail_screen "$id: '$conn' is not shown as affected"
	[ "$(stored "$id")" = 1 ] ||
		kvl_fail "$id: the wizard's check did not store it"

	cli "$status" check --output json
	kvl_json "[.findings[] | select(.id == \"$id\")] | length" 1
	kvl_json ".findings[] | select(.id == \"$id\") | .connections |
		join(\",\")" "$(echo "$conn" | sed 's/^none named$//')"

	sandbox_post repair "$body"
	[ "$(tenant_state)" = "$before" ] ||
		kvl_fail "$id: the repair did not restore the tenant: $(
			diff <(echo "$before") <(tenant_state) | head -20)"

	# The CLI's check saved the environment meanwhile, so the wizard's
	# save meets a conflict and has to apply its result again.
	kvl_keys r
	kvl_screen_wait_gone "Id: $id"
	kvl_screen_wait "found at"
	kvl_screen_lacks "Health check failed"
	[ "$(stored "$id")" = 0 ] ||
		kvl_fail "$id: the wizard's second check left it stored"
	cli 0 check --output json
	kvl_json "[.findings[] | select(.id == \"$id\")] | length" 0

	kvl_keys q
	kvl_screen_wait "Notifications: "
	kvl_keys q
	kvl_tmux_exit_status 0
	kvl_tmux kill-server
}

cli 0 login
cli 0 env create --name "Contoso CI" --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 connection add --type sendgrid --name Mail --use-key-vault \
	--secret api_key=sendgrid-api-key --accept-privacy-statement

SECRET='"secret":"sendgrid-api-key"'
check_kind kv-ci-prod '"action":"remove-policy"' vault.access-policy Error \
	"the access policy of key vault 'kv-ci-prod' no longer lets" Mail
check_kind kv-ci-prod '"action":"firewall-on"' vault.firewall Error \
	"the firewall of key vault 'kv-ci-prod' blocks public access" Mail
check_kind kv-ci-prod "\"action\":\"disable-secret\",$SECRET" \
	secret.disabled:sendgrid-api-key Error \
	"secret 'sendgrid-api-key' in key vault 'kv-ci-prod' is disabled" Mail
check_kind kv-ci-prod "\"action\":\"expire-secret\",$SECRET" \
	secret.expired:sendgrid-api-key Error \
	"secret 'sendgrid-api-key' in key vault 'kv-ci-prod' has expired" Mail
check_kind kv-ci-prod "\"action\":\"postdate-secret\",$SECRET" \
	secret.not-yet-valid:sendgrid-api-key Error \
	"secret 'sendgrid-api-key' in key vault 'kv-ci-prod' is not valid yet" \
	Mail
check_kind kv-ci-prod "\"action\":\"delete-secret\",$SECRET" \
	secret.missing:sendgrid-api-key Error \
	"secret 'sendgrid-api-key' does not exist in key vault" Mail
check_kind kv-ci-prod '"action":"delete-vault"' vault.missing Error \
	"key vault 'kv-ci-prod' no longer exists (purged)" Mail
check_kind kv-ci-prod '"action":"purge-vault"' vault.missing Error \
	"key vault 'kv-ci-prod' no longer exists (purged)" Mail
check_kind kv-ci-prod '"action":"soft-delete-vault"' vault.soft-deleted \
	Error "key vault 'kv-ci-prod' was deleted on" Mail
check_kind kv-ci-prod '"action":"remove-audit-logging"' vault.audit-logging \
	Recommendation "no diagnostic setting of key vault 'kv-ci-prod'" Mail

# Role assignments exist only on an RBAC vault. Avery may not list its
# secrets, so no connection uses it and the findings name none.
cli 0 connection delete Mail --yes
cli 0 unlink --vault kv-ci-prod --yes
cli 0 link --subscription "$S1" --vault kv-ci-rbac --accept-privacy-statement
check_kind kv-ci-rbac \
	'"action":"remove-role-assignment","role":"Key Vault Secrets User"' \
	vault.role-assignment:key-vault-secrets-user Error \
	"the Customer Insights service principal ($CI_SP) no longer holds" \
	"none named"
