#!/bin/bash
# kvlink check against a real kvlink-sandbox, for the findings about the
# vault as a whole: a soft-deleted vault (recoverable until its scheduled
# purge date) versus a purged one, audit logging turned off or unreadable,
# and a vault that contains many secrets no connection uses. Each finding
# clears once the sandbox undoes the damage.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
S2=22222222-2222-4222-8222-222222222222
AVERY=a0000000-0000-4000-8000-000000000001
ENV="$WORK/env"
DOC="$ENV/environment.json"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

sandbox_post() {
	kvl_curl -f -H 'Content-Type: application/json' \
		-d "$2" "$SANDBOX_URL/_sandbox/$1" >/dev/null ||
		kvl_fail "POST /_sandbox/$1 $2 failed"
}
break_vault() {
	sandbox_post break "{\"vault\":\"${2:-kv-ci-prod}\",\"action\":\"$1\"}"
}

expect_finding() {
	kvl_json "[.findings[] | select(.id == \"$1\")] | length" 1
	kvl_json ".findings[] | select(.id == \"$1\") | .severity" "$2"
	kvl_json "[.notifications[] | select(.id == \"$1\")] | length" 1 \
		"$DOC"
}
expect_cleared() {
	kvl_json "[.findings[] | select(.id == \"$1\")] | length" 0
	kvl_json "[.notifications[] | select(.id == \"$1\")] | length" 0 \
		"$DOC"
}
# field_has ID KEY TEXT: member KEY of the last check's finding ID
# contains TEXT.
field_has() {
	jq -r ".findings[] | select(.id == \"$1\") | .$2" "$OUT" \
		>"$WORK/field"
	kvl_grep "$3" "$WORK/field"
}

# Links kv-ci-prod and adds the connection Files, which uses its secret
# sftp-password.
link_with_files() {
	cli 0 link --subscription "$S1" --vault kv-ci-prod \
		--accept-privacy-statement
	cli 0 connection add --type sftp --name Files \
		--field host=sftp.contoso.test --field username=exporter \
		--field folder=/exports --use-key-vault \
		--secret password=sftp-password --accept-privacy-statement
}

cli 0 login
cli 0 env create --name Contoso --region westeurope
link_with_files

# kv-ci-prod sends its audit log to a workspace and contains few secrets.
cli 0 check --output json
kvl_json .healthy true
expect_cleared vault.audit-logging
expect_cleared vault.audit-logging-unknown
expect_cleared vault.dedicated

# --- Audit logging -------------------------------------------------------

break_vault remove-audit-logging
cli 0 check --output json
kvl_json .healthy true
expect_finding vault.audit-logging recommendation
field_has vault.audit-logging fix "az monitor diagnostic-settings create"
field_has vault.audit-logging fix '"categoryGroup":"audit"'
field_has vault.audit-logging fix "/vaults/kv-ci-prod"
field_has vault.audit-logging cause AuditEvent
cli 0 check
kvl_grep "Recommendation [vault.audit-logging]" "$OUT"
kvl_sandbox_get /_sandbox/requests | jq -e '[.value[] | select(.path |
	endswith("/kv-ci-prod/providers/Microsoft.Insights/diagnosticSettings"))
	| select(.query["api-version"] == "2021-05-01-preview")] | length
	> 0' >/dev/null ||
	kvl_fail "check did not read the vault's diagnostic settings"

break_vault add-audit-logging
cli 0 check --output json
expect_cleared vault.audit-logging

# --- Soft-deleted versus purged ------------------------------------------

break_vault soft-delete-vault
purge=$(kvl_sandbox_get /_sandbox/state |
	jq -r '.deletedVaults[] | select(.name == "kv-ci-prod") |
	.scheduledPurgeDate[0:10]')
[ -n "$purge" ] || kvl_fail "the sandbox has no deleted kv-ci-prod"
cli 5 check --output json
kvl_json .healthy false
expect_finding vault.soft-deleted error
expect_cleared vault.missing
kvl_json '.findings[] | select(.id == "vault.soft-deleted") |
	.connections | join(",")' Files
field_has vault.soft-deleted cause "$purge"
field_has vault.soft-deleted fix "az keyvault recover"
field_has vault.soft-deleted fix "--location westeurope"
kvl_sandbox_get /_sandbox/requests | jq -e '[.value[] | select(.path |
	endswith("/locations/westeurope/deletedVaults/kv-ci-prod"))] |
	length > 0' >/dev/null ||
	kvl_fail "check did not look the vault up among deleted vaults"

# A link recorded without a location finds it in the whole list.
jq 'del(.keyVault.location)' "$DOC" >"$WORK/doc.json"
chmod 600 "$WORK/doc.json"
cp "$DOC" "$WORK/with-location.json"
mv "$WORK/doc.json" "$DOC"
cli 5 check --output json
expect_finding vault.soft-deleted error
kvl_sandbox_get /_sandbox/requests | jq -e '[.value[] | select(.path ==
	"/arm/subscriptions/'"$S1"'/providers/Microsoft.KeyVault/deletedVaults")]
	| length > 0' >/dev/null ||
	kvl_fail "check did not list the deleted vaults"
cp "$WORK/with-location.json" "$DOC"

# Recovered: healthy again, the link's access came back with the vault.
break_vault recover-vault
cli 0 check --output json
kvl_json .healthy true
expect_cleared vault.soft-deleted

break_vault soft-delete-vault
break_vault purge-vault
cli 5 check --output json
expect_finding vault.missing error
expect_cleared vault.soft-deleted
field_has vault.missing cause "purged"
field_has vault.missing fix "link another vault"
kvl_curl -f -H 'Content-Type: application/json' \
	-d '{"vault":"kv-ci-prod","action":"recover-vault"}' \
	"$SANDBOX_URL/_sandbox/break" >/dev/null &&
	kvl_fail "a purged vault was recovered"

# The old delete-vault action purges as well.
sandbox_post reset '{}'
cli 0 unlink --vault kv-ci-prod --yes
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
break_vault delete-vault
cli 5 check --output json
expect_finding vault.missing error
sandbox_post reset '{}'
cli 0 unlink --vault kv-ci-prod --yes

# --- Dedicated vault -----------------------------------------------------

# kv-dev-eastus contains 60 secrets and no connection uses any of them.
cli 0 connection delete Files --yes
rm -rf "$ENV"
cli 0 login
cli 0 env create --name Dev --region eastus
cli 0 link --subscription "$S2" --vault kv-dev-eastus \
	--accept-privacy-statement
cli 0 check --output json
expect_finding vault.dedicated recommendation
field_has vault.dedicated cause \
	"contains 60 secrets that no connection uses"
cli 0 unlink --vault kv-dev-eastus --yes

# A tenant whose kv-ci-prod contains 11 spare secrets beside the one the
# connection uses: one more than the limit. Deleting one clears it.
kvl_sandbox_get /_sandbox/state | jq '
	.vaults |= map(del(.secrets, .secretCount)) |
	(.vaults[] | select(.name == "kv-ci-prod") | .secrets) =
	  ([{name: "sftp-password", value: "sandbox-sftp-value"}] +
	   [range(1; 12) | {name: "spare-\(.)", value: "spare-value-\(.)"}])
	' >"$WORK/spare.json"
kvl_sandbox_stop
kvl_sandbox_start --tenant "$WORK/spare.json"
rm -rf "$ENV"
cli 0 logout
cli 0 login
cli 0 env create --name Contoso --region westeurope
link_with_files
cli 0 check --output json
expect_finding vault.dedicated recommendation
field_has vault.dedicated cause "contains 11 secrets"
sandbox_post break '{"vault":"kv-ci-prod","action":"delete-secret",
	"secret":"spare-1"}'
cli 0 check --output json
expect_cleared vault.dedicated

# --- Diagnostic settings that cannot be read -----------------------------

# Avery's roles in the production subscription allow everything but
# Microsoft.Insights, so the settings read gets 403: a note, and the
# check still passes.
kvl_sandbox_get /_sandbox/state | jq --arg avery "$AVERY" '
	.vaults |= map(del(.secrets, .secretCount)) |
	.roleDefinitions += [{name: "f0000000-0000-4000-8000-0000000000f1",
	  roleName: "Vault Operator", type: "CustomRole",
	  description: "Everything except monitoring settings.",
	  permissions: [{actions: ["*"], notActions: ["Microsoft.Insights/*"],
			 dataActions: [], notDataActions: []}]}] |
	(.roleAssignments[] | select(.principalId == $avery and
	  (.scope | startswith("/subscriptions/11111111-")))
	  | .roleDefinitionId) = "f0000000-0000-4000-8000-0000000000f1"
	' >"$WORK/no-insights.json"
kvl_sandbox_stop
kvl_sandbox_start --tenant "$WORK/no-insights.json"
rm -rf "$ENV"
cli 0 logout
cli 0 login
cli 0 env create --name Contoso --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 check --output json
kvl_json .healthy true
expect_finding vault.audit-logging-unknown recommendation
expect_cleared vault.audit-logging
field_has vault.audit-logging-unknown cause "AuthorizationFailed"
field_has vault.audit-logging-unknown cause \
	"Microsoft.Insights/diagnosticSettings/read"

echo "cli_check_vault: all checks passed"
