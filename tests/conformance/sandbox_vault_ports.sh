#!/bin/bash
# kvlink-sandbox --vault-ports: each vault's data plane at the root of a
# port of its own, with ids and nextLinks on that port, so that clients
# which take a vault's host as its identity (the Azure SDKs) can list it.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"

APP_ID=b0000000-0000-4000-8000-0000000000b1
APP_SECRET=sandbox-automation-secret-not-real
SUB_DEV=22222222-2222-4222-8222-222222222222
VAULT_ID=/subscriptions/$SUB_DEV/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults/kv-dev-eastus

kvl_test_init
kvl_sandbox_start --vault-ports

# No keyVaultUriPrefix describes per-port vault URIs, so kvlink, which
# sends Key Vault tokens only to URIs its profile allows, rejects them.
kvl_json 'has("keyVaultUriPrefix")' false "$SANDBOX_CLOUD"

# Prints an access token of kvlink-automation for the audience $1.
app_token() {
	printf 'grant_type=client_credentials&client_id=%s&scope=%s/.default&client_secret=%s' \
		"$APP_ID" "$1" "$APP_SECRET" >"$WORK/form"
	kvl_curl -f --data-binary "@$WORK/form" \
		"$SANDBOX_URL/login/organizations/oauth2/v2.0/token" |
		jq -r .access_token
}

arm_token=$(app_token "$SANDBOX_URL/arm")
kv_token=$(app_token "$SANDBOX_URL/kv")
printf 'Authorization: Bearer %s\n' "$arm_token" >"$WORK/arm.header"
printf 'Authorization: Bearer %s\n' "$kv_token" >"$WORK/kv.header"

kvl_curl -f -H "@$WORK/arm.header" \
	"$SANDBOX_URL/arm$VAULT_ID?api-version=2022-07-01" >"$WORK/vault.json"
vault_uri=$(jq -r .properties.vaultUri "$WORK/vault.json")
case "$vault_uri" in
"$SANDBOX_URL"/*) kvl_fail "vaultUri $vault_uri is on the main port" ;;
https://127.0.0.1:[0-9]*/) ;;
*) kvl_fail "vaultUri $vault_uri is not the root of a port" ;;
esac

# Without a token: Key Vault's challenge, naming the main port's services.
status=$(kvl_curl -o /dev/null -w '%{http_code}' \
	"${vault_uri}secrets?api-version=7.4")
[ "$status" = 401 ] || kvl_fail "no token: status $status, expected 401"

# The app may list this vault's secrets once it has an access policy.
body='{"properties":{"accessPolicies":[{"tenantId":"72f988bf-0000-4000-8000-00000000a001","objectId":"b0000000-0000-4000-8000-0000000000b2","permissions":{"secrets":["list"]}}]}}'
kvl_curl -f -X PUT -H "@$WORK/arm.header" \
	-H 'Content-Type: application/json' --data-binary "$body" \
	"$SANDBOX_URL/arm$VAULT_ID/accessPolicies/add?api-version=2022-07-01" \
	>/dev/null || kvl_fail "adding the app's access policy failed"

kvl_curl -f -H "@$WORK/kv.header" \
	"${vault_uri}secrets?api-version=7.4&maxresults=25" >"$WORK/page1.json"
kvl_json '.value | length' 25 "$WORK/page1.json"
kvl_json "[.value[].id | startswith(\"${vault_uri}secrets/\")] | all" \
	true "$WORK/page1.json"
next=$(jq -r .nextLink "$WORK/page1.json")
case "$next" in
"${vault_uri}secrets?"*) ;;
*) kvl_fail "nextLink $next is not on the vault's port" ;;
esac
kvl_curl -f -H "@$WORK/kv.header" "$next" >"$WORK/page2.json"
kvl_json '.value | length' 25 "$WORK/page2.json"

# The same vault stays reachable under the main port's /kv/NAME/.
kvl_curl -f -H "@$WORK/kv.header" \
	"$SANDBOX_URL/kv/kv-dev-eastus/secrets?api-version=7.4" \
	>"$WORK/main.json"
kvl_json '.value | length' 25 "$WORK/main.json"
