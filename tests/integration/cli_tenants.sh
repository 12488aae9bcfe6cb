#!/bin/bash
# Subscriptions in several tenants. The sandbox's "Fabrikam Sandbox"
# tenant has Avery Admin as a guest with her own object id there. Its
# token endpoint issues tokens per tenant, and Resource Manager accepts
# only the subscription's tenant's token. kvlink lists every tenant's
# subscriptions and uses the subscription's tenant for every later call;
# a tenant that rejects the refresh token is skipped with a note.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

CONTOSO=72f988bf-0000-4000-8000-00000000a001
FABRIKAM=4f5e6d7c-0000-4000-8000-00000000b001
AVERY=a0000000-0000-4000-8000-000000000001
AVERY_GUEST=f0000000-0000-4000-8000-000000000001
CI_FABRIKAM=f1000000-0000-4000-8000-0000000000c1
S1=11111111-1111-4111-8111-111111111111
S4=44444444-4444-4444-8444-444444444444
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# --- The sandbox itself, spoken to directly ------------------------------

# POSTs a form to the sandbox's token endpoint of tenant $1.
token_post() {
	kvl_curl -X POST "$SANDBOX_URL/login/$1/oauth2/v2.0/${2:-token}" \
		--data-urlencode "client_id=kvlink-test" "${@:3}"
}
# Prints the claims of the JWT in $1.
claims() {
	local payload
	payload=$(cut -d. -f2 <<<"$1" | tr '_-' '/+')
	while [ $((${#payload} % 4)) -ne 0 ]; do payload="$payload="; done
	base64 -d <<<"$payload"
}
arm_get() {
	kvl_curl -H "Authorization: Bearer $1" -w '\n%{http_code}' \
		"$SANDBOX_URL/arm$2"
}

scope="$SANDBOX_URL/arm/.default offline_access"
code=$(token_post organizations devicecode \
	--data-urlencode "scope=$scope" | jq -r .device_code)
token_post organizations token --data-urlencode "device_code=$code" \
	--data-urlencode \
	"grant_type=urn:ietf:params:oauth:grant-type:device_code" >/dev/null
home=$(token_post organizations token --data-urlencode "device_code=$code" \
	--data-urlencode \
	"grant_type=urn:ietf:params:oauth:grant-type:device_code")
home_at=$(jq -r .access_token <<<"$home")
rt=$(jq -r .refresh_token <<<"$home")
kvl_json .tid "$CONTOSO" <(claims "$home_at")
kvl_json .oid "$AVERY" <(claims "$home_at")

# The refresh token redeemed at Fabrikam's endpoint: Fabrikam's tid and
# the guest's own object id there.
guest=$(token_post "$FABRIKAM" token --data-urlencode \
	"grant_type=refresh_token" --data-urlencode "refresh_token=$rt" \
	--data-urlencode "scope=$scope")
guest_at=$(jq -r .access_token <<<"$guest")
kvl_json .tid "$FABRIKAM" <(claims "$guest_at")
kvl_json .oid "$AVERY_GUEST" <(claims "$guest_at")
kvl_json .iss "$SANDBOX_URL/login/$FABRIKAM/v2.0" <(claims "$guest_at")

# GET /tenants lists both tenants, with either tenant's token.
for at in "$home_at" "$guest_at"; do
	arm_get "$at" "/tenants?api-version=2022-12-01" | head -n1 \
		>"$WORK/tenants.json"
	kvl_json '[.value[].tenantId] | join(",")' "$CONTOSO,$FABRIKAM" \
		"$WORK/tenants.json"
	kvl_json '[.value[].displayName] | join(",")' \
		"Contoso Sandbox,Fabrikam Sandbox" "$WORK/tenants.json"
	kvl_json '.value[1].id' "/tenants/$FABRIKAM" "$WORK/tenants.json"
	kvl_json '.value[1].defaultDomain' fabrikam.test "$WORK/tenants.json"
done

# GET /subscriptions lists only the token tenant's subscriptions.
arm_get "$home_at" "/subscriptions?api-version=2022-12-01" | head -n1 \
	>"$WORK/subs.json"
kvl_json '[.value[].tenantId] | unique | join(",")' "$CONTOSO" \
	"$WORK/subs.json"
kvl_json '.value | length' 3 "$WORK/subs.json"
arm_get "$guest_at" "/subscriptions?api-version=2022-12-01" | head -n1 \
	>"$WORK/subs.json"
kvl_json '[.value[].subscriptionId] | join(",")' "$S4" "$WORK/subs.json"
kvl_json '.value[0].tenantId' "$FABRIKAM" "$WORK/subs.json"

# A subscription accepts only its own tenant's token; the 401 has
# Azure's code and message.
arm_get "$home_at" "/subscriptions/$S4?api-version=2022-12-01" \
	>"$WORK/wrong.txt"
[ "$(tail -n1 "$WORK/wrong.txt")" = 401 ] ||
	kvl_fail "wrong tenant's token: $(cat "$WORK/wrong.txt")"
head -n1 "$WORK/wrong.txt" >"$WORK/wrong.json"
kvl_json .error.code InvalidAuthenticationTokenTenant "$WORK/wrong.json"
kvl_grep "It must match the tenant '$SANDBOX_URL/login/$FABRIKAM/'" \
	"$WORK/wrong.json"
kvl_grep "use the authority (URL) '$SANDBOX_URL/login/$FABRIKAM'" \
	"$WORK/wrong.json"
arm_get "$guest_at" "/subscriptions/$S1?api-version=2022-12-01" \
	| tail -n1 | grep -qx 401 || kvl_fail "Fabrikam's token opened $S1"
arm_get "$guest_at" "/subscriptions/$S4?api-version=2022-12-01" \
	| tail -n1 | grep -qx 200 || kvl_fail "Fabrikam's token cannot read $S4"

# --- kvlink ---------------------------------------------------------------

cli 0 login
cli 0 list subscriptions --output json
kvl_json '.subscriptions | length' 4
kvl_json ".subscriptions[] | select(.subscriptionId == \"$S4\") | .tenantId" \
	"$FABRIKAM"
kvl_json ".subscriptions[] | select(.subscriptionId == \"$S4\") |
	.tenantName" "Fabrikam Sandbox"
kvl_json ".subscriptions[] | select(.subscriptionId == \"$S1\") |
	.tenantName" "Contoso Sandbox"
[ ! -s "$ERR" ] || kvl_fail "unexpected messages: $(cat "$ERR")"

cli 0 list subscriptions
kvl_grep "TENANT" "$OUT"
grep -E "^Fabrikam Analytics +$S4 +Enabled +Fabrikam Sandbox *$" "$OUT" \
	>/dev/null || kvl_fail "no Fabrikam row with its tenant: $(cat "$OUT")"

# Each subscription list went out with its own tenant's token.
log="$KVL_REQUEST_LOGS/$KVL_TEST_NAME.1.jsonl"
requests() { jq -c "select($1) | [.tenant, .status]" "$log" | sort -u; }
[ "$(requests '.path == "/arm/subscriptions"')" = \
  "$(printf '["%s",200]\n["%s",200]' "$FABRIKAM" "$CONTOSO")" ] ||
	kvl_fail "subscription lists: $(requests '.path == "/arm/subscriptions"')"

# A link in Fabrikam: every call under S4, to Graph and to the vault
# carries Fabrikam's token, and Customer Insights' principal of Fabrikam
# gets the access policy.
cli 0 env create --name Fabrikam --region westeurope
mark=$(wc -l <"$log")
cli 0 link --subscription "$S4" --vault kv-fabrikam \
	--accept-privacy-statement
tail -n +"$((mark + 1))" "$log" >"$WORK/link.jsonl"
log="$WORK/link.jsonl"
[ "$(requests '(.path | startswith("/arm/subscriptions/'$S4'")) and
	.status < 300')" = "[\"$FABRIKAM\",200]" ] ||
	kvl_fail "calls under $S4: $(requests '(.path | startswith(
		"/arm/subscriptions/'$S4'"))')"
# The run had not listed S4, so its first call learned the tenant from
# Resource Manager's 401 and was repeated: one rejected call, no more.
[ "$(requests '(.path | startswith("/arm/subscriptions/'$S4'")) and
	.status == 401')" = "[\"$CONTOSO\",401]" ] ||
	kvl_fail "rejected calls under $S4: $(requests '(.path | startswith(
		"/arm/subscriptions/'$S4'")) and .status >= 300')"
[ "$(jq -s '[.[] | select(.status == 401)] | length' "$log")" = 1 ] ||
	kvl_fail "more than one call was rejected: $(cat "$log")"
[ -n "$(requests '.path | startswith("/graph/")')" ] ||
	kvl_fail "the link made no Graph call"
[ "$(requests '.path | startswith("/graph/")' | jq -r '.[0]' | sort -u)" \
	= "$FABRIKAM" ] || kvl_fail "Graph calls: $(requests \
	'.path | startswith("/graph/")')"
kvl_sandbox_get /_sandbox/state >"$WORK/state.json"
kvl_json ".vaults[] | select(.name == \"kv-fabrikam\") | .accessPolicies[] |
	select(.objectId == \"$CI_FABRIKAM\") | .tenantId" "$FABRIKAM" \
	"$WORK/state.json"
kvl_json "[.vaults[] | .accessPolicies[]? |
	select(.objectId == \"c1000000-0000-4000-8000-0000000000c1\")] |
	length" 0 "$WORK/state.json"

cli 0 status --output json
kvl_json .vault.name kv-fabrikam

# The check of the linked vault reads its secrets (Key Vault data plane)
# and its settings with Fabrikam's tokens only, with no rejected call:
# the link recorded the vault's tenant.
log="$KVL_REQUEST_LOGS/$KVL_TEST_NAME.1.jsonl"
mark=$(wc -l <"$log")
cli 0 check --output json
kvl_json .healthy true
tail -n +"$((mark + 1))" "$log" >"$WORK/check.jsonl"
log="$WORK/check.jsonl"
[ -n "$(requests '.path | startswith("/kv/kv-fabrikam/")')" ] ||
	kvl_fail "the check did not read the vault's secrets"
[ "$(requests '.path | startswith("/login/") | not')" = \
  "[\"$FABRIKAM\",200]" ] ||
	kvl_fail "check calls: $(requests '.path | startswith("/login/") |
		not')"

# --- A tenant that rejects the refresh token -----------------------------

for refusal in mfa consent; do
	kvl_sandbox_post /_sandbox/sign-in-policy \
		"{\"tenant\": \"$FABRIKAM\", \"signInError\": \"$refusal\"}" \
		>/dev/null
	rm -rf "$ENV"
	cli 0 login
	cli 0 list subscriptions --output json
	kvl_json '[.subscriptions[].tenantId] | unique | join(",")' \
		"$CONTOSO"
	kvl_json '.subscriptions | length' 3
	kvl_grep "tenant 'Fabrikam Sandbox' ($FABRIKAM) is skipped" "$ERR"
	kvl_grep "sign in to it with 'kvlink login --tenant $FABRIKAM'" \
		"$ERR"
	[ "$(grep -c "is skipped" "$ERR")" -eq 1 ] ||
		kvl_fail "the note was not given once: $(cat "$ERR")"
	case $refusal in
	mfa) kvl_grep "because it requires multi-factor authentication" \
		"$ERR" ;;
	consent) kvl_grep "because it requires consent to kvlink" "$ERR" ;;
	esac
done

cli 0 list subscriptions
kvl_grep "Contoso Production" "$OUT"
kvl_grep "is skipped because it requires consent" "$ERR"

# --- Subscription lists that fail ----------------------------------------

# The tenants' lists are requested at the same time. A tenant whose list
# is forbidden is skipped with a note; any other failure ends the command
# with the failed call named.
kvl_sandbox_post /_sandbox/reset '{}' >/dev/null
rm -rf "$ENV"
cli 0 login
sub_fault() {
	kvl_curl -f -X DELETE "$SANDBOX_URL/_sandbox/faults" >/dev/null ||
		kvl_fail "cannot remove the faults"
	kvl_sandbox_post /_sandbox/faults "{\"rules\": [{\"path\":
		\"/arm/subscriptions\", \"method\": \"GET\", \"count\": 0,
		\"kind\": \"status\", \"status\": $1}]}" >/dev/null
}
sub_fault 403
cli 0 list subscriptions --output json
kvl_json '.subscriptions | length' 0
for tenant in "'Contoso Sandbox' ($CONTOSO)" "'Fabrikam Sandbox' ($FABRIKAM)"
do
	kvl_grep "tenant $tenant is skipped because its subscriptions could" \
		"$ERR"
done
sub_fault 400
cli 1 list subscriptions --output json
kvl_grep "list the subscriptions of tenant 'Contoso Sandbox' ($CONTOSO)" \
	"$ERR"
kvl_curl -f -X DELETE "$SANDBOX_URL/_sandbox/faults" >/dev/null
cli 0 list subscriptions --output json
kvl_json '[.subscriptions[].tenantId] | unique | length' 2

# Both lists are on the way at once: with each delayed by 1.5 s, the
# later arrival finds the earlier one still in flight (the sandbox's
# "inFlight"). Listed one after the other, both would record 0.
kvl_sandbox_post /_sandbox/faults '{"rules": [{"path": "/arm/subscriptions",
	"method": "GET", "count": 0, "kind": "latency", "ms": 1500}]}' \
	>/dev/null
cli 0 list subscriptions --output json
kvl_json '[.subscriptions[].tenantId] | unique | length' 2
kvl_sandbox_get /_sandbox/requests | jq '[.value[] |
	select(.path == "/arm/subscriptions")] | .[-2:]' \
	>"$WORK/lists.json"
kvl_json '[.[].inFlight] | sort | join(",")' "0,1" "$WORK/lists.json"
