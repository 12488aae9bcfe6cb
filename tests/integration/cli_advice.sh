#!/bin/bash
# Recommendations beside the checks: soft delete and purge protection
# turned off, and a Customer Insights principal that may already do more
# than read. They never block a link.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

S1=11111111-1111-4111-8111-111111111111
CI_SP=c1000000-0000-4000-8000-0000000000c1
TENANT=72f988bf-0000-4000-8000-00000000a001
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# A copy of the built-in tenant in which the Customer Insights principal
# already has an access policy entry on kv-ci-prod that may write secrets,
# and Key Vault Administrator on kv-ci-rbac.
RBAC_ID="/subscriptions/$S1/resourceGroups/rg-ci-prod/providers"
RBAC_ID="$RBAC_ID/Microsoft.KeyVault/vaults/kv-ci-rbac"
kvl_sandbox_start
kvl_sandbox_get /_sandbox/state |
	jq --arg sp "$CI_SP" --arg tenant "$TENANT" --arg scope "$RBAC_ID" '
	    del(.vaults[].secrets)
	    | (.vaults[] | select(.name == "kv-ci-prod") | .accessPolicies)
		+= [{ tenantId: $tenant, objectId: $sp, permissions: {
			secrets: ["get", "list", "set", "delete"] } }]
	    | .roleAssignments += [{
		name: "e0000000-0000-4000-8000-0000000000f1",
		scope: $scope, principalId: $sp,
		roleDefinitionId: "00482a5a-887f-4fb3-b363-3b7fe8e74483",
		principalType: "ServicePrincipal" }]' \
	>"$WORK/tenant.json"
kvl_sandbox_stop
kvl_sandbox_start --tenant "$WORK/tenant.json"

cli 0 login
cli 0 env create --name Contoso --region westeurope

# Soft delete off is a recommendation, not a failed check.
cli 0 link --subscription "$S1" --vault kv-legacy-nosd --dry-run
kvl_grep "Recommendations (they do not block the link):" "$OUT"
kvl_grep "Soft delete is off" "$OUT"
kvl_grep "Purge protection is off" "$OUT"
if grep -qF "FAILED" "$OUT"; then
	kvl_fail "a recommendation was shown as a failed check: $(cat "$OUT")"
fi
cli 0 link --subscription "$S1" --vault kv-legacy-nosd --dry-run \
	--output json
kvl_json .ready true
kvl_json '[.recommendations[].name] | sort | join(",")' \
	purgeProtection,softDelete
kvl_json '[.checks[] | select(.state != "passed")] | length' 0

# Soft delete on: only purge protection is recommended; a read role the
# principal holds already is no reason for advice.
cli 0 link --subscription "$S1" --vault kv-rbac-existing --dry-run \
	--output json
kvl_json '[.recommendations[].name] | join(",")' purgeProtection

# A role beyond reading, held at the vault, is named.
cli 0 link --subscription "$S1" --vault kv-ci-rbac --dry-run --output json
kvl_json '[.recommendations[].name] | join(",")' \
	purgeProtection,principalBroadRole
kvl_json '.recommendations[1].text | test("Key Vault Administrator at ")' \
	true

# Write rights the principal holds already are named.
cli 0 link --subscription "$S1" --vault kv-ci-prod --dry-run --output json
kvl_json '[.recommendations[].name] | join(",")' \
	purgeProtection,principalWriteAccess
kvl_json '.recommendations[1].text | test("secrets: set, delete")' true
cli 0 link --subscription "$S1" --vault kv-ci-prod --dry-run
kvl_grep "already allows more than reading (secrets: set, delete)" "$OUT"

# Linking says what kvlink added to the existing entry and what it
# allowed before, instead of calling the grant "already there".
cli 0 link --subscription "$S1" --vault kv-ci-prod \
	--accept-privacy-statement --output json
kvl_json '.link.grants[0].existed' true
kvl_json '.link.grants[0].added' \
	"keys: get, list; certificates: get, list"
kvl_json '.link.grants[0].allowedBefore' "secrets: get, list, set, delete"
cli 0 status
kvl_grep "kvlink added keys: get, list; certificates: get, list to the" \
	"$OUT"
kvl_grep "which already allowed secrets: get, list, set, delete" "$OUT"
if grep -qF "already there" "$OUT"; then
	kvl_fail "the grant is still called 'already there': $(cat "$OUT")"
fi
