#!/bin/bash
# kvlink repair against a real kvlink-sandbox: the grants a link made are
# removed behind kvlink's back (POST /_sandbox/break), and repair makes
# exactly those again, for an access policy vault and an RBAC vault. No
# other access policy entry or role assignment changes, the notifications
# clear, unlink afterwards removes the new grants, and a prerequisite that
# fails makes repair change nothing.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
CI_SP=c1000000-0000-4000-8000-0000000000c1
KV_READER=21090545-7ca7-4776-b22c-e363652d74d2
ENV="$WORK/env"
DOC="$ENV/environment.json"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# The sandbox state without the stamps that a write updates even when it
# puts back what was there: the vaults' last-modified members and the
# creation time of a role assignment made again under the same name.
# Entries are sorted, as one made again goes to the end of its list.
state() {
	kvl_sandbox_get /_sandbox/state |
		jq -S '.vaults |= map(del(.lastModifiedBy, .lastModifiedByType,
					  .lastModifiedAt) |
				      .accessPolicies |= sort_by(.objectId)) |
		       .roleAssignments |= (map(del(.createdOn, .createdBy)) |
					    sort_by(.name))'
}
# Everything but the Customer Insights principal's own access.
others() {
	jq -S --arg ci "$CI_SP" '{roles: [.roleAssignments[] |
		select(.principalId != $ci)],
		policies: [.vaults[] | {name, p: [.accessPolicies[] |
		select(.objectId != $ci)]}]}'
}
ci_roles() {
	jq -S --arg ci "$CI_SP" --arg vault "$1" '[.roleAssignments[] |
		select(.principalId == $ci and (.scope | endswith($vault)))]'
}
break_vault() {
	kvl_curl -f -H 'Content-Type: application/json' \
		-d "{\"vault\":\"$1\",$2}" "$SANDBOX_URL/_sandbox/break" \
		>/dev/null || kvl_fail "POST /_sandbox/break $2 failed"
}
link() {
	cli 0 link --subscription "$S1" --vault "$1" \
		--accept-privacy-statement
}
stored() {
	jq "[.notifications[]? | select(.id | startswith(\"$1\"))] | length" \
		"$DOC"
}

cli 0 login
cli 0 env create --name Contoso --region westeurope
cli 3 repair
kvl_grep "nothing to repair" "$ERR"

# --- Access policy vault ---------------------------------------------------

before=$(state)
link kv-ci-prod
cli 0 connection add --type sftp --name Files \
	--field host=sftp.contoso.test --field username=exporter \
	--field folder=/exports --use-key-vault --secret password=sftp-password \
	--accept-privacy-statement
linked=$(state)

# Nothing missing: nothing is written, in Azure or in the environment.
revision=$(jq .revision "$DOC")
cli 0 repair --output json
kvl_json .repaired false
kvl_json '.granted | length' 0
[ "$(state)" = "$linked" ] || kvl_fail "a repair with nothing missing wrote"
kvl_json .revision "$revision" "$DOC"
cli 0 repair
kvl_grep "Nothing to repair" "$OUT"

break_vault kv-ci-prod '"action":"remove-policy"'
cli 5 check --output json
[ "$(stored vault.access-policy)" = 1 ] ||
	kvl_fail "check did not store the missing access policy entry"
cli 0 repair --output json
kvl_json .repaired true
kvl_json '.granted | length' 1
kvl_json '.granted[0].kind' accessPolicy
kvl_json '.granted[0].principalId' "$CI_SP"
kvl_json .healthy true
kvl_json '[.findings[] | select(.id == "vault.access-policy")] | length' 0
[ "$(stored vault.access-policy)" = 0 ] ||
	kvl_fail "the notification of the missing entry was not cleared"
after=$(state)
[ "$after" = "$linked" ] ||
	kvl_fail "repair did not put back exactly the link's entry"
cli 0 status --output json
kvl_json '.vault.grants | length' 1
kvl_json '.vault.grants[0].existed' false
cli 0 check --output json
kvl_json .healthy true

# Unlinking after the repair removes the new entry and nothing else.
cli 0 unlink --vault kv-ci-prod --yes
[ "$(state)" = "$before" ] || kvl_fail "unlink after repair left changes"

# A prerequisite that fails (the firewall is on) rejects the repair and
# nothing changes.
link kv-ci-prod
break_vault kv-ci-prod '"action":"remove-policy"'
break_vault kv-ci-prod '"action":"firewall-on"'
cli 5 check --output json
broken=$(state)
cp "$DOC" "$WORK/broken.json"
cli 5 repair
kvl_grep "was not repaired" "$ERR"
kvl_grep "prerequisite" "$ERR"
kvl_grep "firewall" "$ERR"
[ "$(state)" = "$broken" ] || kvl_fail "a rejected repair changed Azure"
cmp -s "$DOC" "$WORK/broken.json" ||
	kvl_fail "a rejected repair changed the environment"
[ "$(stored vault.access-policy)" = 1 ] ||
	kvl_fail "a rejected repair cleared the notification"

# Only an Admin of the environment may repair, as for linking.
kvl_curl -f -d '{}' "$SANDBOX_URL/_sandbox/reset" >/dev/null ||
	kvl_fail "POST /_sandbox/reset failed"
jq '.users[0].role = "Contributor"' "$DOC" >"$WORK/contrib.json"
cp "$DOC" "$WORK/admin.json"
cp "$WORK/contrib.json" "$DOC"
broken=$(state)
cli 5 repair
kvl_grep "Admin" "$ERR"
[ "$(state)" = "$broken" ] || kvl_fail "a Contributor's repair changed Azure"
cp "$WORK/admin.json" "$DOC"
cli 0 repair
kvl_grep "Granted again on key vault kv-ci-prod" "$OUT"

# A vault that is gone has nothing to repair, and repair says so.
break_vault kv-ci-prod '"action":"soft-delete-vault"'
cli 3 repair
kvl_grep "no longer exists or is soft-deleted" "$ERR"
break_vault kv-ci-prod '"action":"recover-vault"'
cli 0 repair
kvl_grep "Nothing to repair" "$OUT"

# The exit status is the one of the check after the repair: a problem
# that repair cannot fix gives status 5, as `kvlink check` does.
break_vault kv-ci-prod '"action":"remove-policy"'
break_vault kv-ci-prod '"action":"disable-secret","secret":"sftp-password"'
cli 5 repair
kvl_grep "Granted again on key vault kv-ci-prod" "$OUT"
kvl_grep "not healthy" "$OUT"
kvl_grep "secret.disabled:sftp-password" "$OUT"
kvl_grep "still has 1 problem(s)" "$ERR"
[ "$(stored secret.disabled:sftp-password)" = 1 ] ||
	kvl_fail "the check after the repair did not store its finding"
cli 5 check

# Nothing to repair, but the firewall is on: status 5 too, and nothing
# is written.
break_vault kv-ci-prod '"action":"firewall-on"'
revision=$(jq .revision "$DOC")
cli 5 repair
kvl_grep "Nothing to repair" "$OUT"
kvl_grep "not healthy" "$OUT"
kvl_grep "vault.firewall" "$OUT"
kvl_grep "still has 2 problem(s)" "$ERR"
cli 5 repair --output json
kvl_json .repaired false
kvl_json .healthy false
kvl_json .errors 2
kvl_json .revision "$revision" "$DOC"
cli 5 check

kvl_curl -f -d '{}' "$SANDBOX_URL/_sandbox/reset" >/dev/null ||
	kvl_fail "POST /_sandbox/reset failed"
cli 0 unlink --vault kv-ci-prod --yes

# --- RBAC vault --------------------------------------------------------------

# Avery may not list an RBAC vault's secrets, so a connection would make
# every check unhealthy here.
cli 0 connection delete Files --yes
before=$(state)
link kv-ci-rbac
linked=$(state)
old_ids=$(jq -r '[.keyVault.grants[].assignmentId] | sort | join(" ")' "$DOC")

# One role gone: only that one comes back, under the link's own name.
break_vault kv-ci-rbac '"action":"remove-role-assignment",
	"role":"Key Vault Reader"'
cli 5 check --output json
[ "$(stored vault.role-assignment:key-vault-reader)" = 1 ] ||
	kvl_fail "check did not store the missing Key Vault Reader role"
[ "$(stored vault.role-assignment:key-vault-secrets-user)" = 0 ] ||
	kvl_fail "check reported the Key Vault Secrets User role missing"
cli 0 repair --output json
kvl_json .repaired true
kvl_json '.granted | length' 1
kvl_json '.granted[0].roleDefinitionId | endswith("'"$KV_READER"'")' true
kvl_json .healthy true
[ "$(stored vault.role-assignment)" = 0 ] ||
	kvl_fail "the role notification was not cleared"
[ "$(state)" = "$linked" ] ||
	kvl_fail "repair did not put back exactly the link's role assignment"

# Both gone: both come back and the record names exactly them.
break_vault kv-ci-rbac '"action":"remove-role-assignment"'
[ "$(state | ci_roles kv-ci-rbac | jq length)" = 0 ] ||
	kvl_fail "the break left role assignments of the principal"
cli 5 check --output json
cli 0 repair --output json
kvl_json '.granted | length' 2
kvl_json .healthy true
after=$(state)
[ "$(echo "$after" | others)" = "$(echo "$linked" | others)" ] ||
	kvl_fail "repair changed access of other principals"
[ "$(echo "$after" | ci_roles kv-ci-rbac | jq length)" = 2 ] ||
	kvl_fail "kv-ci-rbac does not have both roles again"
new_ids=$(jq -r '[.keyVault.grants[].assignmentId] | sort | join(" ")' \
	"$DOC")
sandbox_ids=$(echo "$after" | ci_roles kv-ci-rbac |
	jq -r '[.[] | "\(.scope)/providers/Microsoft.Authorization/roleAssignments/\(.name)"]
	| sort | join(" ")')
[ "$new_ids" = "$sandbox_ids" ] ||
	kvl_fail "recorded ids '$new_ids' are not the sandbox's '$sandbox_ids'"
[ "$new_ids" = "$old_ids" ] ||
	kvl_fail "the role assignments did not get the link's names again"

# Unlinking removes the new role assignments and nothing else.
cli 0 unlink --vault kv-ci-rbac --yes
[ "$(state)" = "$before" ] ||
	kvl_fail "unlink after an RBAC repair left changes"

# A vault in another region than the environment: rejected as well.
link kv-ci-rbac
break_vault kv-ci-rbac '"action":"remove-role-assignment"'
jq '.region = "northeurope"' "$DOC" >"$WORK/doc.json"
chmod 600 "$WORK/doc.json"
mv "$WORK/doc.json" "$DOC"
broken=$(state)
cli 5 repair --output json
kvl_grep "region" "$ERR"
[ "$(state)" = "$broken" ] || kvl_fail "a repair across regions changed Azure"

echo "cli_repair: all checks passed"
