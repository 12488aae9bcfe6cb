#!/bin/bash
# kvlink-sandbox --generate: generated subscriptions, vaults and secrets
# seen through kvlink's own commands (subscription list, Resource Graph
# discovery, per-subscription and per-group listing, a whole link) and
# through the Key Vault data plane, with the paging that the sandbox's
# request log records.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

# Bad values are rejected before the sandbox starts, saying what to use.
check_bad() {
	local status=0

	"$KVLINK_SANDBOX" --generate "$1" >"$WORK/bad.out" \
		2>"$WORK/bad.err" || status=$?
	[ "$status" = 2 ] ||
		kvl_fail "--generate '$1' exited with $status, expected 2"
	kvl_grep "invalid --generate value: $2" "$WORK/bad.err"
}
check_bad 'vaults=5' 'subscriptions=N (at least 1) and vaults=N are'
check_bad 'subscriptions=0,vaults=5' 'subscriptions=N (at least 1)'
check_bad 'subscriptions=2,vaults=x' "invalid vaults 'x'"
check_bad 'subscriptions=2,vaults=5,keys=1' "unknown item 'keys=1'"
check_bad 'subscriptions=9999,vaults=99999' '999890001 vaults in all is too many'
"$KVLINK_SANDBOX" --help >"$WORK/help.out"
kvl_grep '--generate subscriptions=N,vaults=N[,secrets=N]' "$WORK/help.out"

# 12 subscriptions of 7 vaults with 3 secrets each, on top of Contoso's
# 3 subscriptions and 14 vaults and Fabrikam's 1 vault. Pages hold 5.
kvl_sandbox_start --generate subscriptions=12,vaults=7,secrets=3
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }
S3=5e000000-0000-4000-8000-000000000003
GRAPH_PATH=/arm/providers/Microsoft.ResourceGraph/resources

# requests JQ-FILTER: the sandbox's request records that the filter
# selects, as a JSON array in $WORK/requests.json.
requests() {
	kvl_sandbox_get /_sandbox/requests |
		jq "[.value[] | select($1)]" >"$WORK/requests.json"
}

cli 0 login

# Avery can list every generated subscription, with Contoso's and
# Fabrikam's.
kvl_sandbox_post /_sandbox/reset '{}' >/dev/null
cli 0 list subscriptions --output json
kvl_json '[.subscriptions[] | select(.name | startswith("Generated"))]
	| length' 12
kvl_json '[.subscriptions[].subscriptionId] | unique | length' 16
kvl_json '.subscriptions[] | select(.subscriptionId == "'"$S3"'") | .name' \
	'Generated 0003'
# Contoso's 15 subscriptions take 3 pages of 5, linked by nextLink.
requests '.path == "/arm/subscriptions"'
kvl_json '[.[] | select(.tenant | startswith("72f988bf"))] | length' 3 \
	"$WORK/requests.json"
kvl_json '[.[] | select(.tenant | startswith("72f988bf")) |
	.query["$skiptoken"] != null] | map(tostring) | join(",")' \
	false,true,true "$WORK/requests.json"

# Resource Graph finds every vault: 84 generated, Contoso's 14 and
# Fabrikam's 1, each once, in pages of 5 tied by $skipToken.
kvl_sandbox_post /_sandbox/reset '{}' >/dev/null
cli 0 list vaults --output json
kvl_json .source resourceGraph
kvl_json '.vaults | length' 99
kvl_json '[.vaults[].name] | unique | length' 99
kvl_json '[.vaults[] | select(.name | startswith("kvgen-"))] | length' 84
kvl_json '[.vaults[] | select(.subscriptionId == "'"$S3"'") | .name]
	| sort | join(",")' \
	"kvgen-0003-00001,kvgen-0003-00002,kvgen-0003-00003,\
kvgen-0003-00004,kvgen-0003-00005,kvgen-0003-00006,kvgen-0003-00007"
kvl_json '[.vaults[] | select(.name == "kvgen-0003-00004") |
	.resourceGroup, .location, .permissionModel] | join(",")' \
	rg-vaults-2,westus2,rbac
kvl_json '[.vaults[] | select(.name | startswith("kvgen-")) | .location]
	| unique | length' 6
requests ".path == \"$GRAPH_PATH\""
# Contoso's 98 rows make 20 pages, Fabrikam's one row a 21st.
kvl_json 'length' 21 "$WORK/requests.json"
kvl_json '[.[] | select(.detail.skipToken != null)] | length' 19 \
	"$WORK/requests.json"
kvl_json '[.[].status] | unique | join(",")' 200 "$WORK/requests.json"

# Rows of generated vaults come from a text template per resource group;
# a fault makes the sandbox build every row in full. Both must be equal.
ARM_TOKEN=$(kvl_sandbox_post /_sandbox/token "{\"principal\":
	\"avery@contoso.test\", \"audience\": \"$SANDBOX_URL/arm\"}" |
	jq -r .access_token)
# graph_post FILE BODY: Avery's Resource Graph request with that body,
# the response into FILE.
graph_post() {
	kvl_curl -f -o "$1" -X POST -H "Authorization: Bearer $ARM_TOKEN" \
		-H "Content-Type: application/json" -d "$2" \
		"$SANDBOX_URL$GRAPH_PATH?api-version=2024-04-01" ||
		kvl_fail "the Resource Graph query failed: $2"
}
# graph_page FILE [SKIPTOKEN]: one page of S3's vaults into FILE.
graph_page() {
	local options=""

	[ -z "${2:-}" ] || options=", \"options\": {\"\$skipToken\": \"$2\"}"
	graph_post "$1" "{\"subscriptions\": [\"$S3\"], \"query\": \"resources |
		project id, name, type, location, resourceGroup,
		subscriptionId, tenantId, properties, tags |
		order by id asc\"$options}"
}
graph_page "$WORK/template.json"
kvl_sandbox_post /_sandbox/resource-graph '{"fault": "repeat-token"}' \
	>/dev/null
graph_page "$WORK/full.json"
kvl_sandbox_post /_sandbox/resource-graph '{"fault": "none"}' >/dev/null
kvl_json '[.data[].name] | join(",")' "kvgen-0003-00001,kvgen-0003-00002,\
kvgen-0003-00003,kvgen-0003-00004,kvgen-0003-00005" "$WORK/template.json"
kvl_json '.data[2].properties.vaultUri | endswith("/kv/kvgen-0003-00003/")' \
	true "$WORK/template.json"
cmp -s <(jq -S .data "$WORK/template.json") <(jq -S .data "$WORK/full.json") ||
	kvl_fail "template rows differ from full rows: $(diff \
		<(jq -S .data "$WORK/template.json") \
		<(jq -S .data "$WORK/full.json") | head -20)"

# The sandbox keeps a query's result for its later pages. A change to
# the tenant between two pages retires it, and so does a reset: page 2
# then comes from the tenant as it is now.
graph_page "$WORK/page1.json"
SKIP=$(jq -r '."$skipToken"' "$WORK/page1.json")
graph_page "$WORK/page2.json" "$SKIP"
kvl_json '[.data[].name] | join(",")' kvgen-0003-00006,kvgen-0003-00007 \
	"$WORK/page2.json"
kvl_sandbox_post /_sandbox/break \
	'{"vault": "kvgen-0003-00002", "action": "purge-vault"}' >/dev/null
graph_page "$WORK/page2.json" "$SKIP"
kvl_json .totalRecords 6 "$WORK/page2.json"
kvl_json '[.data[].name] | join(",")' kvgen-0003-00007 "$WORK/page2.json"
kvl_sandbox_post /_sandbox/reset '{}' >/dev/null
graph_page "$WORK/page2.json" "$SKIP"
kvl_json .totalRecords 7 "$WORK/page2.json"
kvl_json '[.data[].name] | join(",")' kvgen-0003-00006,kvgen-0003-00007 \
	"$WORK/page2.json"

# The sandbox keeps the results of several queries at once, so that
# kvlink's query of its second tenant does not retire the first
# tenant's result. A change to the tenant still retires every one.
# other_page FILE [SKIPTOKEN]: 3 of S3's vaults by name, last first.
other_page() {
	local options="\"\$top\": 3"

	[ -z "${2:-}" ] || options="$options, \"\$skipToken\": \"$2\""
	graph_post "$1" "{\"subscriptions\": [\"$S3\"], \"query\": \"resources |
		project id, name | order by name desc\",
		\"options\": {$options}}"
}
kvl_sandbox_post /_sandbox/reset '{}' >/dev/null
graph_page "$WORK/page1.json"
SKIP=$(jq -r '."$skipToken"' "$WORK/page1.json")
other_page "$WORK/other1.json"
OTHER_SKIP=$(jq -r '."$skipToken"' "$WORK/other1.json")
kvl_json '[.data[].name] | join(",")' \
	kvgen-0003-00007,kvgen-0003-00006,kvgen-0003-00005 "$WORK/other1.json"
graph_page "$WORK/page2.json" "$SKIP"
kvl_json '[.data[].name] | join(",")' kvgen-0003-00006,kvgen-0003-00007 \
	"$WORK/page2.json"
kvl_sandbox_post /_sandbox/break \
	'{"vault": "kvgen-0003-00005", "action": "purge-vault"}' >/dev/null
other_page "$WORK/other2.json" "$OTHER_SKIP"
kvl_json .totalRecords 6 "$WORK/other2.json"
kvl_json '[.data[].name] | join(",")' \
	kvgen-0003-00003,kvgen-0003-00002,kvgen-0003-00001 "$WORK/other2.json"
graph_page "$WORK/page2.json" "$SKIP"
kvl_json .totalRecords 6 "$WORK/page2.json"
kvl_json '[.data[].name] | join(",")' kvgen-0003-00007 "$WORK/page2.json"

# "order by" sorts the tenant's own vaults in among the generated ones,
# and a generated vault made real keeps its place.
kvl_sandbox_post /_sandbox/reset '{}' >/dev/null
kvl_curl -f -o /dev/null -H "Authorization: Bearer $ARM_TOKEN" \
	"$SANDBOX_URL/arm/subscriptions/$S3/resourceGroups/rg-vaults-2/providers/Microsoft.KeyVault/vaults/kvgen-0003-00004?api-version=2023-07-01" ||
	kvl_fail "the lookup of kvgen-0003-00004 failed"
# all_values COLUMN ORDER: COLUMN of every vault, one a line, from every
# page of the query ordered by ORDER, in $WORK/values.txt.
all_values() {
	local options="" skip="" page=0

	: >"$WORK/values.txt"
	while [ "$page" -lt 40 ]; do
		graph_post "$WORK/all.json" "{\"query\": \"resources |
			project id, name | order by $2\"$options}"
		jq -r ".data[].$1" "$WORK/all.json" >>"$WORK/values.txt"
		skip=$(jq -r '."$skipToken" // empty' "$WORK/all.json")
		[ -n "$skip" ] || return 0
		options=", \"options\": {\"\$skipToken\": \"$skip\"}"
		page=$((page + 1))
	done
	kvl_fail "the query by $2 had more than 40 pages"
}
# check_sorted SORT-OPTION... : whether $WORK/values.txt contains the 99
# vaults of Avery's tenant, each once, in the order of sort with those
# options. Without "subscriptions" the query also finds kv-archive,
# whose subscription kvlink's discovery leaves out.
check_sorted() {
	local rows

	rows=$(LC_ALL=C sort -u "$WORK/values.txt" | wc -l)
	[ "$rows" = 99 ] || kvl_fail "the query gave $rows vaults, expected 99"
	rows=$(wc -l <"$WORK/values.txt")
	[ "$rows" = 99 ] || kvl_fail "the query gave $rows rows, expected 99"
	LC_ALL=C sort "$@" "$WORK/values.txt" | cmp -s - "$WORK/values.txt" ||
		kvl_fail "the rows are out of order: $(head -5 "$WORK/values.txt")"
}
all_values name 'name desc'
check_sorted -r
kvl_grep kvgen-0003-00004 "$WORK/values.txt"
all_values id 'id asc'
check_sorted
kvl_grep /vaults/kvgen-0003-00004 "$WORK/values.txt"

# One subscription's vaults through Resource Manager: 7 in pages of 5.
kvl_sandbox_post /_sandbox/reset '{}' >/dev/null
cli 0 list vaults --subscription "$S3" --output json
kvl_json '.vaults | length' 7
kvl_json '.vaults[0].name' kvgen-0003-00001
requests '.path | endswith("/Microsoft.KeyVault/vaults")'
kvl_json 'length' 2 "$WORK/requests.json"
kvl_json '.[1].query["$skiptoken"] != null' true "$WORK/requests.json"
# One resource group: vaults 4 and 5 of 7 are in the second of three.
cli 0 list vaults --subscription "$S3" --resource-group rg-vaults-2 \
	--output json
kvl_json '[.vaults[].name] | join(",")' kvgen-0003-00004,kvgen-0003-00005

# The Key Vault data plane serves the generated secrets.
TOKEN=$(kvl_sandbox_post /_sandbox/token "{\"principal\":
	\"avery@contoso.test\", \"audience\": \"$SANDBOX_URL/kv\"}" |
	jq -r .access_token)
kv_get() {
	kvl_curl -f -H "Authorization: Bearer $TOKEN" \
		"$SANDBOX_URL/kv/$1?api-version=7.5" >"$WORK/kv.json" ||
		kvl_fail "GET /kv/$1 failed"
}
kv_get kvgen-0012-00007/secrets
kvl_json '[.value[].id | split("/") | .[-1]] | join(",")' \
	secret-1,secret-2,secret-3 "$WORK/kv.json"
kv_get kvgen-0012-00007/secrets/secret-2
kvl_json .value value-kvgen-0012-00007-2 "$WORK/kv.json"
# A name past the generated numbers is no vault.
status=$(kvl_curl -o /dev/null -w '%{http_code}' \
	-H "Authorization: Bearer $TOKEN" \
	"$SANDBOX_URL/kv/kvgen-0012-00008/secrets?api-version=7.5")
[ "$status" = 404 ] ||
	kvl_fail "kvgen-0012-00008 gave HTTP $status, expected 404"

# A whole link to a generated vault in the environment's region; the
# role assignments it creates for Customer Insights are on that vault.
cli 0 env create --name Big --region westeurope
cli 0 link --subscription 5e000000-0000-4000-8000-000000000001 \
	--vault kvgen-0001-00002 --accept-privacy-statement
cli 0 status --output json
kvl_json .vault.state linked
kvl_json .vault.name kvgen-0001-00002
kvl_json .vault.resourceGroup rg-vaults-1
kvl_sandbox_get /_sandbox/state >"$WORK/state.json"
kvl_json '[.roleAssignments[] | select(.scope | endswith(
	"/vaults/kvgen-0001-00002")) | .principalId] | unique | join(",")' \
	c1000000-0000-4000-8000-0000000000c1 "$WORK/state.json"
# The linked vault became a real entry; the other 83 are still numbers.
kvl_json '[.vaults[] | select(.name | startswith("kvgen-"))] | length' 2 \
	"$WORK/state.json"
# Resource Graph still finds each vault once.
cli 0 list vaults --output json
kvl_json '[.vaults[].name] | unique | length' 99
