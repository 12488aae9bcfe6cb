#!/bin/bash
# The Resource Manager calls of az keyvault list and set-policy that
# kvlink itself never makes: the generic resource list filtered to key
# vaults, and PUT of a whole vault. tests/conformance/python_sdk.py makes
# them through the SDK; this test covers their error cases with curl.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"

APP_ID=b0000000-0000-4000-8000-0000000000b1
APP_SECRET=sandbox-automation-secret-not-real
SUB_DEV=22222222-2222-4222-8222-222222222222
RG_URL=/arm/subscriptions/$SUB_DEV/resourceGroups/rg-dev/providers/Microsoft.KeyVault/vaults

kvl_test_init
kvl_sandbox_start --page-size 3

printf 'grant_type=client_credentials&client_id=%s&scope=%s/.default&client_secret=%s' \
	"$APP_ID" "$SANDBOX_URL/arm" "$APP_SECRET" >"$WORK/form"
token=$(kvl_curl -f --data-binary "@$WORK/form" \
	"$SANDBOX_URL/login/organizations/oauth2/v2.0/token" |
	jq -r .access_token)
printf 'Authorization: Bearer %s\n' "$token" >"$WORK/auth.header"

# arm_call EXPECTED-STATUS METHOD PATH [BODY]: the response is in $OUT.
arm_call() {
	local status

	OUT="$WORK/response.json"
	status=$(kvl_curl -o "$OUT" -w '%{http_code}' -X "$2" \
		-H "@$WORK/auth.header" -H 'Content-Type: application/json' \
		${4:+--data-binary "$4"} "$SANDBOX_URL$3")
	[ "$status" = "$1" ] ||
		kvl_fail "$2 $3: status $status, expected $1: $(cat "$OUT")"
}

# The generic list pages like any other, and its nextLink keeps the
# filter.
filter="%24filter=resourceType%20eq%20%27Microsoft.KeyVault%2Fvaults%27"
arm_call 200 GET \
	"/arm/subscriptions/$SUB_DEV/resources?$filter&api-version=2015-11-01"
kvl_json '.value | length' 3
kvl_json '[.value[] | keys] | unique | .[0] | join(",")' \
	id,location,name,tags,type
next=$(jq -r .nextLink "$OUT")
kvl_curl -f -H "@$WORK/auth.header" "$next" >"$WORK/page2.json"
kvl_json '[.value[].type] | unique | join(",")' Microsoft.KeyVault/vaults \
	"$WORK/page2.json"
kvl_json '.value | length' 1 "$WORK/page2.json"

# Another resource type has no resources; other filters are rejected.
arm_call 200 GET "/arm/subscriptions/$SUB_DEV/resources?%24filter=resourceType%20eq%20%27Microsoft.Web%2Fsites%27&api-version=2021-04-01"
kvl_json '.value | length' 0
arm_call 400 GET "/arm/subscriptions/$SUB_DEV/resources?%24filter=tagName%20eq%20%27x%27&api-version=2021-04-01"
kvl_json .error.code BadRequest

# PUT must keep the location and the tenant, and cannot create a vault.
arm_call 200 GET "$RG_URL/kv-dev-eastus?api-version=2022-07-01"
cp "$OUT" "$WORK/vault.json"
moved=$(jq -c '{location: "northeurope", properties}' "$WORK/vault.json")
arm_call 400 PUT "$RG_URL/kv-dev-eastus?api-version=2022-07-01" "$moved"
kvl_json .error.code InvalidResourceLocation
other=$(jq -c '{location, properties: (.properties |
	.tenantId = "00000000-0000-4000-8000-000000000000")}' "$WORK/vault.json")
arm_call 400 PUT "$RG_URL/kv-dev-eastus?api-version=2022-07-01" "$other"
kvl_json .error.code BadRequest
same=$(jq -c '{location, properties}' "$WORK/vault.json")
arm_call 400 PUT "$RG_URL/kv-new?api-version=2022-07-01" "$same"
kvl_grep "cannot create vault 'kv-new'" "$OUT"

# A PUT without tags or flags resets them, as a full PUT does.
arm_call 200 PUT "$RG_URL/kv-dev-eastus?api-version=2022-07-01" "$same"
kvl_json '.tags | length' 0
policies='[.properties.accessPolicies[] |
	.objectId + ":" + (.permissions.secrets | join(","))] | join(" ")'
kvl_json "$policies" "$(jq -r "$policies" "$WORK/vault.json")"
kvl_sandbox_get /_sandbox/state >"$WORK/state.json"
kvl_json '.vaults[] | select(.name == "kv-dev-eastus") | .lastModifiedBy' \
	"$APP_ID" "$WORK/state.json"

# az login --identity with MSI_ENDPOINT: POST resource=... with the header
# "Metadata: true" to /msi/oauth2/token.
legacy="$SANDBOX_URL/msi/oauth2/token"
status=$(kvl_curl -o "$WORK/msi.json" -w '%{http_code}' \
	--data-urlencode "resource=$SANDBOX_URL/arm" "$legacy")
[ "$status" = 400 ] || kvl_fail "no Metadata header: status $status"
status=$(kvl_curl -o /dev/null -w '%{http_code}' -H 'Metadata: true' \
	"$legacy")
[ "$status" = 405 ] || kvl_fail "GET: status $status, expected 405"
status=$(kvl_curl -o "$WORK/msi.json" -w '%{http_code}' \
	-H 'Metadata: true' --data-urlencode "resource=https://elsewhere.test" \
	"$legacy")
[ "$status" = 400 ] || kvl_fail "foreign resource: status $status"
kvl_curl -f -o "$WORK/msi.json" -H 'Metadata: true' \
	--data-urlencode "resource=$SANDBOX_URL/arm" "$legacy" ||
	kvl_fail "the managed identity token request failed"
kvl_json .token_type Bearer "$WORK/msi.json"
kvl_json .resource "$SANDBOX_URL/arm" "$WORK/msi.json"
kvl_json .client_id 0bfc4568-a4ba-4c58-bd3e-5d3e76bd7fff "$WORK/msi.json"
kvl_json '.access_token | split(".") | length' 3 "$WORK/msi.json"
