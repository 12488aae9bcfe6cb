#!/bin/bash
# kvlink check against a real kvlink-sandbox: a healthy link, then each
# problem the sandbox can cause (POST /_sandbox/break), the finding and
# the stored notification it gives, and the notification clearing once
# the problem is repaired.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
CI_SP=c1000000-0000-4000-8000-0000000000c1
ENV="$WORK/env"
DOC="$ENV/environment.json"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# sandbox_post ROUTE BODY: a control route must accept the request.
sandbox_post() {
	kvl_curl -f -H 'Content-Type: application/json' \
		-d "$2" "$SANDBOX_URL/_sandbox/$1" >/dev/null ||
		kvl_fail "POST /_sandbox/$1 $2 failed"
}

break_vault() {
	sandbox_post break "{\"vault\":\"kv-ci-prod\",$1}"
}

# repair: the sandbox as loaded, which drops the link's access policy
# entry as well, so the vault is unlinked and linked again.
repair() {
	sandbox_post reset '{}'
	cli 0 unlink --vault kv-ci-prod --yes
	cli 0 link --subscription "$S1" --vault kv-ci-prod \
		--accept-privacy-statement
}

# expect_finding ID CONNECTIONS: the last check failed with exit 5, found
# ID affecting CONNECTIONS (comma-separated), and stored it.
expect_finding() {
	kvl_json .healthy false
	kvl_json "[.findings[] | select(.id == \"$1\")] | length" 1
	kvl_json ".findings[] | select(.id == \"$1\") | .severity" error
	kvl_json ".findings[] | select(.id == \"$1\") | .connections |
		join(\",\")" "$2"
	kvl_json ".notifications[] | select(.id == \"$1\") | .lastSeen |
		test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T\")" true "$DOC"
	kvl_json ".notifications[] | select(.id == \"$1\") | .firstSeen |
		length > 0" true "$DOC"
	kvl_json ".notifications[] | select(.id == \"$1\") | .fix |
		length > 0" true "$DOC"
}

# expect_cleared ID: the last check no longer lists ID, nor does the store.
expect_cleared() {
	kvl_json "[.findings[] | select(.id == \"$1\")] | length" 0
	kvl_json "[.notifications[] | select(.id == \"$1\")] | length" 0 \
		"$DOC"
}

cli 0 login
cli 3 check
kvl_grep "no environment" "$ERR"
cli 0 env create --name Contoso --region westeurope
cli 3 check --output json
kvl_grep "no key vault is linked" "$ERR"

cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 connection add --type sftp --name Files \
	--field host=sftp.contoso.test --field username=exporter \
	--field folder=/exports --use-key-vault --secret password=sftp-password \
	--accept-privacy-statement
cli 0 connection add --type sendgrid --name Mail --use-key-vault \
	--secret api_key=sendgrid-api-key --accept-privacy-statement

# Healthy: no errors, though recommendations may be listed.
cli 0 check --output json
kvl_json .healthy true
kvl_json .errors 0
kvl_json .vault kv-ci-prod
kvl_json '[.findings[] | select(.severity == "error")] | length' 0
cli 0 check
kvl_grep "healthy" "$OUT"

# A secret that is disabled affects only the connection that uses it.
break_vault '"action":"disable-secret","secret":"sftp-password"'
cli 5 check --output json
kvl_grep "problem" "$ERR"
expect_finding secret.disabled:sftp-password Files
first=$(jq -r '.notifications[] | select(.id == "secret.disabled:sftp-password")
	| .firstSeen' "$DOC")
sleep 1.1
cli 5 check --output json
expect_finding secret.disabled:sftp-password Files
kvl_json '.notifications[] | select(.id == "secret.disabled:sftp-password")
	| .firstSeen' "$first" "$DOC"
kvl_json '.notifications[] | select(.id == "secret.disabled:sftp-password")
	| .lastSeen != .firstSeen' true "$DOC"
cli 5 check
kvl_grep "Error [secret.disabled:sftp-password]" "$OUT"
kvl_grep "is disabled" "$OUT"
kvl_grep "Files" "$OUT"

# Repairing clears the notification.
repair
cli 0 check --output json
expect_cleared secret.disabled:sftp-password

break_vault '"action":"expire-secret","secret":"sendgrid-api-key"'
cli 5 check --output json
expect_finding secret.expired:sendgrid-api-key Mail
repair

break_vault '"action":"postdate-secret","secret":"sftp-password"'
cli 5 check --output json
expect_finding secret.not-yet-valid:sftp-password Files
repair

break_vault '"action":"delete-secret","secret":"sftp-password"'
cli 5 check --output json
expect_finding secret.missing:sftp-password Files
repair
cli 0 check --output json
expect_cleared secret.missing:sftp-password

# Vault findings affect every connection that uses the vault.
break_vault '"action":"firewall-on"'
cli 5 check --output json
expect_finding vault.firewall Files,Mail
repair

# A missing access policy entry comes back with a fresh link.
break_vault '"action":"remove-policy"'
cli 5 check --output json
expect_finding vault.access-policy Files,Mail
kvl_grep "$CI_SP" "$OUT"
# Repair comes first in the fix, and unlinking is not advised.
fix_has() {
	kvl_json ".findings[] | select(.id == \"$1\") | .fix |
		contains(\"$2\")" "$3"
}
fix_has vault.access-policy "kvlink repair" true
fix_has vault.access-policy "r on Admin > Security" true
fix_has vault.access-policy unlink false
repair
cli 0 check --output json
expect_cleared vault.access-policy

break_vault '"action":"delete-vault"'
cli 5 check --output json
expect_finding vault.missing Files,Mail
repair

# Recommendations alone keep the exit status at 0.
cli 0 check --output json
kvl_json '.findings[] | select(.id == "vault.purge-protection") |
	.severity' recommendation
kvl_json '[.findings[] | select(.id == "vault.soft-delete")] | length' 0

# A vault in another region than the environment, which only an edited
# environment can show: link refuses such a vault.
set_region() {
	jq --arg region "$1" '.region = $region' "$DOC" >"$WORK/doc.json"
	chmod 600 "$WORK/doc.json"
	mv "$WORK/doc.json" "$DOC"
}
set_region northeurope
cli 5 check --output json
expect_finding vault.region Files,Mail
set_region westeurope
cli 0 check --output json
expect_cleared vault.region

# An RBAC vault: both role assignments are checked. Avery may not list
# its secrets, so it has no connections and the findings affect none.
cli 0 connection delete Files --yes
cli 0 connection delete Mail --yes
cli 0 unlink --vault kv-ci-prod --yes
cli 0 link --subscription "$S1" --vault kv-ci-rbac --accept-privacy-statement
cli 0 check --output json
kvl_json .healthy true
break_vault_rbac() {
	sandbox_post break "{\"vault\":\"kv-ci-rbac\",$1}"
}
break_vault_rbac '"action":"remove-role-assignment","role":"Key Vault Reader"'
cli 5 check --output json
expect_finding vault.role-assignment:key-vault-reader ""
fix_has vault.role-assignment:key-vault-reader "kvlink repair" true
fix_has vault.role-assignment:key-vault-reader unlink false
kvl_json '[.findings[] | select(.id ==
	"vault.role-assignment:key-vault-secrets-user")] | length' 0
break_vault_rbac '"action":"remove-role-assignment"'
cli 5 check --output json
expect_finding vault.role-assignment:key-vault-secrets-user ""

# Soft delete off is a recommendation, not an error.
cli 0 unlink --vault kv-ci-rbac --yes
cli 0 link --subscription "$S1" --vault kv-legacy-nosd \
	--accept-privacy-statement
cli 0 check --output json
kvl_json .healthy true
kvl_json '.findings[] | select(.id == "vault.soft-delete") | .severity' \
	recommendation
expect_cleared vault.role-assignment:key-vault-reader

# The environment's other members survive the check's save.
kvl_json '.connections | length' 0 "$DOC"
kvl_json '.users | length' 1 "$DOC"
kvl_json .keyVault.name kv-legacy-nosd "$DOC"
