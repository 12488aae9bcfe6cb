#!/bin/bash
# Vault discovery without Resource Graph: `kvlink list vaults` lists each
# subscription's vaults concurrently. Every page of every subscription
# arrives once, a retried page is sent again, and a subscription that
# fails is named in the error with its correlation id.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
# Pages of two vaults, so that each subscription's list has several.
kvl_sandbox_start --page-size 2

S2=22222222-2222-4222-8222-222222222222
S2_VAULTS=/arm/subscriptions/$S2/providers/Microsoft.KeyVault/vaults
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }
control() { kvl_sandbox_post "/_sandbox/$1" "$2" >/dev/null; }

# The sandbox's records of vault list requests, one JSON line each.
vault_lists() {
	kvl_sandbox_get /_sandbox/requests |
		jq -c '.value[] | select(.method == "GET" and
			(.path | endswith("/providers/Microsoft.KeyVault/vaults")))'
}

# Clears the request records and faults; Resource Graph stays refused,
# and each RULE given is added: fallback_with [RULE]...
fallback_with() {
	local rules

	kvl_sandbox_post /_sandbox/reset '{}' >/dev/null
	control resource-graph '{"fault": "forbidden"}'
	[ "$#" -eq 0 ] && return 0
	rules=$(printf '%s\n' "$@" | jq -s -c '{rules: .}')
	control faults "$rules"
}

ALL_VAULTS="kv-ci-bypass,kv-ci-firewall,kv-ci-private,kv-ci-prod,\
kv-ci-rbac,kv-dev-bulk,kv-dev-eastus,kv-dev-eastus2,kv-dev-rbac,\
kv-fabrikam,kv-legacy-ne,kv-legacy-nosd,kv-rbac-existing,\
kv-restricted-policy,kv-restricted-rbac"

cli 0 login
fallback_with

# Every vault of the three enabled subscriptions (one in Fabrikam, with
# Fabrikam's token), each page requested exactly once.
cli 0 list vaults --output json
kvl_json .source perSubscription
kvl_json .subscriptionsSearched 3
kvl_json '[.vaults[].name] | sort | join(",")' "$ALL_VAULTS"
vault_lists >"$WORK/lists.jsonl"
jq -s -e 'length >= 8' "$WORK/lists.jsonl" >/dev/null ||
	kvl_fail "expected at least 8 pages: $(cat "$WORK/lists.jsonl")"
jq -s -e 'all(.[]; .status == 200)' "$WORK/lists.jsonl" >/dev/null ||
	kvl_fail "a page failed: $(cat "$WORK/lists.jsonl")"
jq -s -e 'map([.path, .query]) | length == (unique | length)' \
	"$WORK/lists.jsonl" >/dev/null ||
	kvl_fail "a page was requested twice: $(cat "$WORK/lists.jsonl")"
jq -s -e '[.[] | select(.query["$skiptoken"] == null) | .path] | unique
	| length == 3' "$WORK/lists.jsonl" >/dev/null ||
	kvl_fail "not every subscription's first page was requested:" \
		 "$(cat "$WORK/lists.jsonl")"
jq -s -e '[.[] | select(.path | contains("4444")) | .tenant] | unique ==
	["4f5e6d7c-0000-4000-8000-00000000b001"]' "$WORK/lists.jsonl" \
	>/dev/null || kvl_fail "Fabrikam's vaults were not listed with" \
			      "Fabrikam's token: $(cat "$WORK/lists.jsonl")"

# A page that fails with 503 once is sent again and the list completes.
fallback_with "{\"path\": \"$S2_VAULTS\", \"kind\": \"status\",
	\"status\": 503}"
cli 0 list vaults --output json
kvl_json '[.vaults[].name] | sort | join(",")' "$ALL_VAULTS"
vault_lists >"$WORK/lists.jsonl"
jq -s -e --arg s "$S2" '[.[] | select(.path | contains($s)) |
	select(.query["$skiptoken"] == null) | .status] == [503, 200]' \
	"$WORK/lists.jsonl" >/dev/null ||
	kvl_fail "the failed page was not sent again once:" \
		 "$(cat "$WORK/lists.jsonl")"

# A subscription that keeps failing is named, with the failed call and
# its correlation id, and no vault is printed.
fallback_with "{\"path\": \"$S2_VAULTS\", \"kind\": \"status\",
	\"status\": 403, \"count\": 0}"
cli 1 list vaults --output json
kvl_grep "list the key vaults of subscription Contoso Development ($S2)" "$ERR"
kvl_grep "HTTP 403" "$ERR"
CORRELATION=$(vault_lists | jq -r --arg s "$S2" \
	'select(.path | contains($s)) | .correlationId' | tail -n 1)
[ -n "$CORRELATION" ] || kvl_fail "the sandbox recorded no correlation id"
kvl_grep "$CORRELATION" "$ERR"
[ ! -s "$OUT" ] || kvl_fail "a failed discovery printed vaults: $(cat "$OUT")"

# The other subscriptions were still listed in full, once each.
vault_lists >"$WORK/lists.jsonl"
jq -s -e --arg s "$S2" '[.[] | select(.path | contains($s) | not)] |
	all(.[]; .status == 200) and length >= 6' "$WORK/lists.jsonl" \
	>/dev/null || kvl_fail "the other subscriptions were not listed:" \
			       "$(cat "$WORK/lists.jsonl")"
