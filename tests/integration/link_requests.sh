#!/bin/bash
# `kvlink link` sends no request twice: for an access policy vault and
# an RBAC vault, with and without --resource-group, no GET goes to the
# same URL twice (the sandbox's request records) and the vault found in
# the subscription's list is not fetched again. Records the request
# count of the access policy flow as a figure.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
VAULTS=/arm/subscriptions/$S1/providers/Microsoft.KeyVault/vaults

# link_once ENV VAULT [OPTION]...: signs in, creates the environment
# ENV, resets the sandbox (its tenant and records) and links VAULT; the
# sandbox's records of the link are left in $WORK/requests.jsonl.
link_once() {
	local env="$WORK/$1" vault=$2
	shift 2

	kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$env" login
	kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$env" env create \
		--name "$vault" --region westeurope
	kvl_sandbox_post /_sandbox/reset '{}' >/dev/null
	kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$env" link \
		--subscription "$S1" --vault "$vault" \
		--accept-privacy-statement "$@"
	kvl_sandbox_get /_sandbox/requests | jq -c '.value[]' \
		>"$WORK/requests.jsonl"
}

# No GET repeats a URL: method, path and query together.
expect_no_repeated_get() {
	jq -s -e '[.[] | select(.method == "GET") | [.path, .query]] |
		length == (unique | length)' "$WORK/requests.jsonl" \
		>/dev/null || kvl_fail "a GET was sent twice:" \
				       "$(cat "$WORK/requests.jsonl")"
}

# count_requests FILTER: the records that the jq FILTER selects.
count_requests() {
	jq -s "[.[] | select($1)] | length" "$WORK/requests.jsonl"
}

# Access policy vault found by name: the subscription's list is read
# once (two pages here) and the vault itself is not fetched again.
link_once policy kv-ci-prod
expect_no_repeated_get
[ "$(count_requests ".path == \"$VAULTS\"")" -eq 2 ] ||
	kvl_fail "expected the two pages of the vault list"
[ "$(count_requests '.method == "GET" and
	(.path | endswith("/vaults/kv-ci-prod"))')" -eq 0 ] ||
	kvl_fail "the vault was fetched after the list returned it:" \
		 "$(cat "$WORK/requests.jsonl")"
[ "$(count_requests '.method == "PUT"')" -eq 1 ] ||
	kvl_fail "expected one write: $(cat "$WORK/requests.jsonl")"
POLICY_REQUESTS=$(count_requests 'true')
kvl_figure 70-link-requests "HTTP requests of one link flow" \
	"$POLICY_REQUESTS (access policy), RBAC below"

# RBAC vault: the role assignments are read once before the writes.
link_once rbac kv-ci-rbac
expect_no_repeated_get
[ "$(count_requests '.method == "GET" and
	(.path | endswith("/roleAssignments"))')" -eq 1 ] ||
	kvl_fail "the role assignments were read more than once:" \
		 "$(cat "$WORK/requests.jsonl")"
RBAC_REQUESTS=$(count_requests 'true')
kvl_figure 70-link-requests "HTTP requests of one link flow" \
	"$POLICY_REQUESTS (access policy), $RBAC_REQUESTS (RBAC)"

# With --resource-group the vault is fetched directly, and no list.
link_once direct kv-ci-prod --resource-group rg-ci-prod
expect_no_repeated_get
[ "$(count_requests ".path == \"$VAULTS\"")" -eq 0 ] ||
	kvl_fail "the vaults were listed although the group was given"
[ "$(count_requests '.method == "GET" and
	(.path | endswith("/vaults/kv-ci-prod"))')" -eq 1 ] ||
	kvl_fail "expected one GET of the vault: $(cat "$WORK/requests.jsonl")"
