#!/bin/bash
# `kvlink list vaults` without --subscription: vault discovery through
# the sandbox's Resource Graph, page by page, with a resource group
# filter, the caller's visibility, the fallback to per-subscription
# listing, and responses too broken to use.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
S2=22222222-2222-4222-8222-222222222222
GRAPH_PATH=/arm/providers/Microsoft.ResourceGraph/resources
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# POSTs a JSON body to a control route of the sandbox.
control() {
	kvl_sandbox_post "/_sandbox/$1" "$2" >/dev/null
}

# The sandbox's records of Resource Graph queries, one JSON line each.
graph_requests() {
	kvl_sandbox_get /_sandbox/requests |
		jq -c ".value[] | select(.path == \"$GRAPH_PATH\")"
}

# Every vault of the enabled subscriptions s1, s2 and Fabrikam's s4 (in
# the tenant where Avery is a guest), sorted.
FABRIKAM=4f5e6d7c-0000-4000-8000-00000000b001
ALL_VAULTS="kv-ci-bypass,kv-ci-firewall,kv-ci-private,kv-ci-prod,\
kv-ci-rbac,kv-dev-bulk,kv-dev-eastus,kv-dev-eastus2,kv-dev-rbac,\
kv-fabrikam,kv-legacy-ne,kv-legacy-nosd,kv-rbac-existing,\
kv-restricted-policy,kv-restricted-rbac"

cli 0 login

# Contoso's fourteen vaults come in pages of five (--page-size 5): three
# queries, the second and third carrying the $skipToken of the page
# before. Fabrikam's one vault takes a fourth, with Fabrikam's token,
# which may go out while Contoso's pages do.
control reset '{}'
cli 0 list vaults --output json
kvl_json .source resourceGraph
kvl_json .subscriptionsSearched 3
kvl_json '[.vaults[].name] | sort | join(",")' "$ALL_VAULTS"
kvl_json '.vaults[] | select(.name == "kv-ci-rbac") | .permissionModel' rbac
kvl_json '.vaults[] | select(.name == "kv-ci-prod") | .resourceGroup' \
	rg-ci-prod
kvl_json '.vaults[] | select(.name == "kv-dev-eastus2") | .subscriptionId' \
	"$S2"
kvl_json '.vaults[] | select(.name == "kv-ci-firewall") | .firewall.open' \
	false
kvl_json '.vaults[] | select(.name == "kv-ci-private") |
	.firewall.publicNetworkAccess' Disabled
graph_requests >"$WORK/graph.jsonl"
[ "$(wc -l <"$WORK/graph.jsonl")" -eq 4 ] ||
	kvl_fail "expected 4 Resource Graph queries: $(cat "$WORK/graph.jsonl")"
jq -s -e '[.[].status] == [200, 200, 200, 200]' "$WORK/graph.jsonl" \
	>/dev/null || kvl_fail "a query failed: $(cat "$WORK/graph.jsonl")"
jq -s -e --arg f "$FABRIKAM" '[.[] | select(.tenant == $f)] |
	length == 1 and .[0].detail.subscriptions == 1 and
	.[0].detail.skipToken == null' \
	"$WORK/graph.jsonl" >/dev/null ||
	kvl_fail "Fabrikam was not queried with its own token:" \
		 "$(cat "$WORK/graph.jsonl")"
jq -s -e --arg f "$FABRIKAM" '[.[] | select(.tenant != $f)] |
	length == 3 and .[0].detail.skipToken == null and
	  (.[1].detail.skipToken | type) == "string" and
	  (.[2].detail.skipToken | type) == "string" and
	  .[1].detail.skipToken != .[2].detail.skipToken and
	  all(.[]; .detail.top == 1000 and .detail.subscriptions == 2)' \
	"$WORK/graph.jsonl" >/dev/null ||
	kvl_fail "the pages were not requested with \$skipToken:" \
		 "$(cat "$WORK/graph.jsonl")"
# Nothing was listed per subscription.
kvl_sandbox_get /_sandbox/requests >"$WORK/all.json"
kvl_json '[.value[] | select(.path | endswith("Microsoft.KeyVault/vaults"))]
	| length' 0 "$WORK/all.json"

# As text: a header and one row per vault, and a note on stderr.
cli 0 list vaults
[ "$(wc -l <"$OUT")" -eq 16 ] || kvl_fail "expected a header and 15 rows"
kvl_grep "kv-dev-eastus2" "$OUT"
kvl_grep "listed through Azure Resource Graph across 3 subscriptions" "$ERR"

# The resource group filter, in any case, applies across subscriptions.
cli 0 list vaults --resource-group RG-SHARED --output json
kvl_json '[.vaults[].name] | sort | join(",")' \
	"kv-ci-bypass,kv-ci-private,kv-rbac-existing"
kvl_json .source resourceGraph
cli 0 list vaults --resource-group rg-dev --output json
kvl_json '[.vaults[].name] | sort | join(",")' \
	"kv-dev-bulk,kv-dev-eastus,kv-dev-rbac"
cli 0 list vaults --resource-group rg-none --output json
kvl_json '.vaults | length' 0
# Quotes cannot reach the query: the option rejects them first.
cli 2 list vaults --resource-group "x' or name != '"
kvl_grep "resource group" "$ERR"

# Refused: listed per subscription instead, with the reason.
control resource-graph '{"fault": "forbidden"}'
cli 0 list vaults --output json
kvl_json .source perSubscription
kvl_json .resourceGraphError.code AuthorizationFailed
kvl_json '[.vaults[].name] | sort | join(",")' "$ALL_VAULTS"
kvl_sandbox_get /_sandbox/requests >"$WORK/all.json"
kvl_json "[.value[] | select(.path ==
	\"/arm/subscriptions/$S2/providers/Microsoft.KeyVault/vaults\")]
	| length > 0" true "$WORK/all.json"
cli 0 list vaults
kvl_grep "Azure Resource Graph is not available (AuthorizationFailed)" \
	"$ERR"
[ "$(grep -c . "$ERR")" -eq 1 ] || kvl_fail "expected one note: $(cat "$ERR")"
# A subscription without the resource group adds nothing.
cli 0 list vaults --resource-group rg-dev2 --output json
kvl_json '[.vaults[].name] | join(",")' kv-dev-eastus2
kvl_json .source perSubscription

# Not registered: the same fallback.
control resource-graph '{"fault": "unregistered"}'
cli 0 list vaults --output json
kvl_json .source perSubscription
kvl_json .resourceGraphError.code MissingSubscriptionRegistration
kvl_json '.vaults | length' 15

# A fault for Riley only leaves Avery's queries alone.
control resource-graph '{"fault": "forbidden", "user": "riley@contoso.test"}'
cli 0 list vaults --output json
kvl_json .source resourceGraph

# Resource Graph rejects only the guest tenant's query. No vault has
# reached standard output yet, because the JSON is under 64 KiB, so the
# listing falls back as it does without --output json.
control resource-graph '{"fault": "forbidden",
	"user": "avery_contoso.test#EXT#@fabrikam.test"}'
cli 0 list vaults
kvl_grep "Azure Resource Graph is not available (AuthorizationFailed)" \
	"$ERR"
cli 0 list vaults --output json
kvl_json .source perSubscription
kvl_json .resourceGraphError.code AuthorizationFailed
kvl_json '[.vaults[].name] | sort | join(",")' "$ALL_VAULTS"

# Broken responses stop with a clear error and no fallback.
control resource-graph '{"fault": "repeat-token"}'
cli 1 list vaults
kvl_grep "page 2 repeats the \$skipToken of page 1" "$ERR"
[ ! -s "$OUT" ] || kvl_fail "a broken answer printed vaults"
control resource-graph '{"fault": "huge-page"}'
cli 1 list vaults --output json
kvl_grep "1001 rows, more than the 1000 requested" "$ERR"
control resource-graph '{"fault": "wrong-types"}'
cli 1 list vaults
kvl_grep '"properties.enableRbacAuthorization" of the row is a string' \
	"$ERR"
kvl_grep "Listing the vaults of one subscription" "$ERR"
control resource-graph '{"fault": "none"}'
cli 0 list vaults --output json
kvl_json .source resourceGraph

# The route itself: queries outside the supported forms get Resource
# Graph's 400 shape, and a $skipToken only works for its own query.
TOKEN=$(kvl_sandbox_post /_sandbox/token "{\"principal\":
	\"avery@contoso.test\", \"audience\": \"$SANDBOX_URL/arm\"}" |
	jq -r .access_token)
query() {
	kvl_curl -o "$WORK/graph.json" -w '%{http_code}' \
		-X POST -H "Authorization: Bearer $TOKEN" \
		-H "Content-Type: application/json" -d "$1" \
		"$SANDBOX_URL$GRAPH_PATH?api-version=2024-04-01"
}
[ "$(query '{"query": "resources | summarize count()"}')" = 400 ] ||
	kvl_fail "an unsupported query was answered"
kvl_json .error.code BadRequest "$WORK/graph.json"
kvl_json '.error.details[0].code' InvalidQuery "$WORK/graph.json"
kvl_json '.error.details[1].code' ParserFailure "$WORK/graph.json"
kvl_json '.error.details[1].characterPositionInLine' 12 "$WORK/graph.json"
FIRST="{\"subscriptions\": [\"$S1\"], \"query\":
	\"resources | project id, name | order by id asc\"}"
[ "$(query "$FIRST")" = 200 ] || kvl_fail "the first page failed"
kvl_json .totalRecords 10 "$WORK/graph.json"
kvl_json .count 5 "$WORK/graph.json"
kvl_json .resultTruncated false "$WORK/graph.json"
kvl_json '.data[0] | keys | join(",")' id,name "$WORK/graph.json"
SKIP=$(jq -r '."$skipToken"' "$WORK/graph.json")
[ "$(query "{\"subscriptions\": [\"$S2\"], \"query\":
	\"resources | project id, name | order by id asc\",
	\"options\": {\"\$skipToken\": \"$SKIP\"}}")" = 400 ] ||
	kvl_fail "a \$skipToken worked for another request"
kvl_grep "not a token of this query" "$WORK/graph.json"
# Without id in the projection, paging is impossible: truncated.
[ "$(query '{"query": "resources | project name"}')" = 200 ] ||
	kvl_fail "a query without id failed"
kvl_json .resultTruncated true "$WORK/graph.json"
kvl_json '."$skipToken"' null "$WORK/graph.json"

# Riley (Reader on s1) gets fewer vaults: one subscription, and even a query
# naming s2 returns only s1's vaults.
kvl_sandbox_stop
kvl_sandbox_start --user riley@contoso.test
ENV="$WORK/env-riley"
cli 0 login
cli 0 list vaults --output json
kvl_json .source resourceGraph
kvl_json .subscriptionsSearched 1
kvl_json '.vaults | length' 10
kvl_json '[.vaults[].subscriptionId] | unique | join(",")' "$S1"
TOKEN=$(kvl_sandbox_post /_sandbox/token "{\"principal\":
	\"riley@contoso.test\", \"audience\": \"$SANDBOX_URL/arm\"}" |
	jq -r .access_token)
[ "$(query "{\"subscriptions\": [\"$S1\", \"$S2\"], \"query\":
	\"resources | project id, subscriptionId\"}")" = 200 ] ||
	kvl_fail "Riley's query failed"
kvl_json .totalRecords 10 "$WORK/graph.json"
# Refused for Riley only: Riley's listing falls back.
control resource-graph '{"fault": "forbidden", "user": "riley@contoso.test"}'
cli 0 list vaults --output json
kvl_json .source perSubscription
kvl_json '.vaults | length' 10
echo "PASS: Resource Graph discovery, paging, filter, visibility, fallback"
