#!/bin/bash
# kvlink check and kvlink repair signed in as a principal that cannot see
# the linked vault's subscription. Azure's 404 SubscriptionNotFound means
# "not visible to you", so the vault is not called purged, unlinking is
# not advised, and the stored notifications stay.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
DOC="$ENV/environment.json"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

cli 0 login
cli 0 env create --name Contoso --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 check --output json
before=$(jq -c '[.notifications[].id] | sort' "$DOC")
[ "$before" != "[]" ] || kvl_fail "the first check stored no notification"

# The sandbox's automation principal has no role on subscription s1.
# Test data, not a secret.
export AZURE_TENANT_ID=72f988bf-0000-4000-8000-00000000a001
export AZURE_CLIENT_ID=b0000000-0000-4000-8000-0000000000b1
export AZURE_CLIENT_SECRET=sandbox-automation-secret-not-real

for output in text json; do
	cli 3 check --output "$output"
	kvl_grep "not visible to the signed-in principal" "$ERR"
	kvl_grep "account and tenant" "$ERR"
	kvl_grep "SubscriptionNotFound" "$ERR"
	if grep -qi "unlink\|purged\|no longer exists" "$OUT" "$ERR"; then
		kvl_fail "check called a hidden vault gone: $(cat "$OUT" "$ERR")"
	fi
	kvl_json '[.notifications[].id] | sort | tostring' "$before" "$DOC"
done

cli 3 repair
kvl_grep "not visible to the signed-in principal" "$ERR"
if grep -qi "unlink\|purged\|no longer exists" "$OUT" "$ERR"; then
	kvl_fail "repair called a hidden vault gone: $(cat "$OUT" "$ERR")"
fi
kvl_json '[.notifications[].id] | sort | tostring' "$before" "$DOC"

# A resource group that does not exist is no sign of a deleted vault
# either, even for a principal that can see the subscription.
unset AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET
jq '.keyVault.resourceGroup = "rg-gone"' "$DOC" >"$WORK/doc.json"
chmod 600 "$WORK/doc.json"
mv "$WORK/doc.json" "$DOC"
cli 3 check
kvl_grep "ResourceGroupNotFound" "$ERR"
kvl_grep "resource group 'rg-gone'" "$ERR"
if grep -qi "unlink\|purged" "$OUT" "$ERR"; then
	kvl_fail "check called a vault gone for a missing resource group"
fi
kvl_json '[.notifications[].id] | sort | tostring' "$before" "$DOC"

# The vault itself gone is still a finding, with unlinking advised.
jq '.keyVault.resourceGroup = "rg-ci-prod"' "$DOC" >"$WORK/doc.json"
chmod 600 "$WORK/doc.json"
mv "$WORK/doc.json" "$DOC"
kvl_curl -f -H 'Content-Type: application/json' \
	-d '{"vault":"kv-ci-prod","action":"delete-vault"}' \
	"$SANDBOX_URL/_sandbox/break" >/dev/null
cli 5 check --output json
kvl_json '[.findings[] | select(.id == "vault.missing" or
	.id == "vault.soft-deleted")] | length' 1
