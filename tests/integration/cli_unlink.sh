#!/bin/bash
# kvlink unlink against a real kvlink-sandbox. The vault's access policy
# and role assignments end exactly as they were before the link, and
# access that existed before is kept or restored. A pending link is
# unlinked too. A wrong --vault or a held link lock changes nothing, and
# a removal that Azure rejects keeps the link.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
CI_SP=c1000000-0000-4000-8000-0000000000c1
RILEY=a0000000-0000-4000-8000-000000000002
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# The sandbox state without the vaults' last-modified stamps, which a
# write that restores an access policy still updates.
state() {
	kvl_sandbox_get /_sandbox/state |
		jq -S '.vaults |= map(del(.lastModifiedBy, .lastModifiedByType,
					  .lastModifiedAt))'
}

# Policies of one vault, and the role assignments of the CI principal.
policies() { jq -S ".vaults[] | select(.name == \"$1\") | .accessPolicies"; }
ci_roles() {
	jq -S "[.roleAssignments[] | select(.principalId == \"$CI_SP\")]"
}

link() {
	cli 0 link --subscription "$S1" --vault "$1" \
		--accept-privacy-statement
}

cli 0 login
cli 0 env create --name Contoso --region westeurope

# Nothing is linked yet.
cli 3 unlink --vault kv-ci-prod
kvl_grep "nothing to unlink" "$ERR"

# Access policy vault with two other entries.
before=$(state)
link kv-ci-prod
after_link=$(state)
[ "$(echo "$before" | policies kv-ci-prod)" != \
  "$(echo "$after_link" | policies kv-ci-prod)" ] ||
	kvl_fail "linking kv-ci-prod did not change its access policy"
cli 0 connection add --type sftp --name "Nightly files" \
	--field host=sftp.contoso.test --field username=exporter \
	--field folder=/exports --use-key-vault \
	--secret password=sftp-password --accept-privacy-statement

# A wrong name is rejected before anything changes.
cli 2 unlink --vault kv-ci-rbac --yes
kvl_grep "not the name of the linked key vault" "$ERR"
[ "$(state)" = "$after_link" ] || kvl_fail "a wrong --vault changed Azure"
cli 0 status --output json
kvl_json .vault.state linked

# Only an Admin of the environment may unlink.
cp "$ENV/environment.json" "$WORK/admin.json"
jq '.users[0].role = "Contributor"' "$WORK/admin.json" >"$WORK/contrib.json"
cp "$WORK/contrib.json" "$ENV/environment.json"
cli 5 unlink --vault kv-ci-prod --yes
kvl_grep "only an Admin" "$ERR"
[ "$(state)" = "$after_link" ] ||
	kvl_fail "a Contributor's unlink changed Azure"
cp "$WORK/admin.json" "$ENV/environment.json"

# The name is matched ignoring case; the connection is listed first.
cli 0 unlink --vault KV-CI-PROD
kvl_grep "Nightly files" "$OUT"
kvl_grep "stop working" "$OUT"
kvl_grep "remove the access policy entry of principal $CI_SP" "$OUT"
kvl_grep "Unlinked key vault kv-ci-prod" "$OUT"
after=$(state)
[ "$(echo "$after" | policies kv-ci-prod)" = \
  "$(echo "$before" | policies kv-ci-prod)" ] ||
	kvl_fail "kv-ci-prod's access policies differ from before the link"
[ "$(echo "$after" | jq '.vaults[] | select(.name == "kv-ci-prod") |
	.accessPolicies | length')" = 2 ] ||
	kvl_fail "kv-ci-prod does not have its 2 other entries"
[ "$after" = "$before" ] || kvl_fail "unlink left the sandbox changed"
cli 0 status --output json
kvl_json .vault null
cli 0 connection list --output json
kvl_json '.connections | length' 1

# RBAC vault: both role assignments go, the JSON names the connection.
before=$(state)
link kv-ci-rbac
[ "$(state | ci_roles | jq length)" = \
  "$(($(echo "$before" | ci_roles | jq length) + 2))" ] ||
	kvl_fail "linking kv-ci-rbac did not add two role assignments"
cli 0 unlink --vault kv-ci-rbac --output json
kvl_json .unlinked true
kvl_json .vault kv-ci-rbac
kvl_json '.connectionsStopWorking | join(",")' "Nightly files"
after=$(state)
[ "$(echo "$after" | jq -S .roleAssignments)" = \
  "$(echo "$before" | jq -S .roleAssignments)" ] ||
	kvl_fail "role assignments differ from before the link"
[ "$after" = "$before" ] || kvl_fail "unlink left the sandbox changed"

# One role existed before the link: only the one kvlink made goes.
before=$(state)
link kv-rbac-existing
cli 0 status --output json
kvl_json '[.vault.grants[] | select(.existed)] | length' 1
cli 0 unlink --vault kv-rbac-existing --yes
kvl_grep "existed before the link" "$OUT"
after=$(state)
[ "$(echo "$after" | jq -S .roleAssignments)" = \
  "$(echo "$before" | jq -S .roleAssignments)" ] ||
	kvl_fail "the pre-existing role assignment was not kept alone"
[ "$(echo "$after" | ci_roles | jq '[.[] | select(.scope |
	endswith("/kv-rbac-existing"))] | length')" = 1 ] ||
	kvl_fail "kv-rbac-existing lost the pre-existing assignment"

# A pending link is unlinked too. While another process holds the link
# lock, unlink exits with status 6 and changes nothing. The test's shell
# holds the lock through file descriptor 9.
before=$(state)
link kv-ci-rbac
jq '.keyVault.state = "pending"' "$ENV/environment.json" >"$WORK/pending.json"
cp "$WORK/pending.json" "$ENV/environment.json"
if command -v flock >/dev/null 2>&1; then
	pending=$(state)
	exec 9>"$ENV/link.lock"
	flock -n 9 || kvl_fail "cannot take the link lock"
	cli 6 unlink --vault kv-ci-rbac --yes
	exec 9>&-
	[ "$(state)" = "$pending" ] || kvl_fail "a locked unlink changed Azure"
	cli 0 status --output json
	kvl_json .vault.state pending
fi
cli 0 unlink --vault kv-ci-rbac --yes
[ "$(state)" = "$before" ] || kvl_fail "unlinking a pending link left changes"
cli 0 status --output json
kvl_json .vault null

# A removal that Azure rejects keeps the link and names the grant:
# Riley, made an Admin of the environment, is only a Reader in Azure.
link kv-ci-rbac
linked=$(state)
jq --arg id "$RILEY" '.users += [{objectId: $id, name: "Riley Reader",
	role: "Admin"}]' "$ENV/environment.json" >"$WORK/env.json"
cp "$WORK/env.json" "$ENV/environment.json"
kvl_sandbox_stop
kvl_sandbox_start --user riley@contoso.test
cli 0 logout
cli 0 login
cli 0 whoami --output json
kvl_json .objectId "$RILEY"
cli 1 unlink --vault kv-ci-rbac --yes
kvl_grep "role assignment /subscriptions/$S1/" "$ERR"
kvl_grep "could not be removed" "$ERR"
kvl_grep "run the unlink again" "$ERR"
cli 0 status --output json
kvl_json .vault.state linked
kvl_json '.vault.grants | length' 2

# An entry the principal had before the link gets back exactly its
# permissions. The tenant is the built-in one plus that entry.
kvl_sandbox_get /_sandbox/state |
	jq --arg ci "$CI_SP" '.vaults |= map(del(.secrets)) |
	  (.vaults[] | select(.name == "kv-ci-prod") | .accessPolicies) +=
	  [{tenantId: "72f988bf-0000-4000-8000-00000000a001", objectId: $ci,
	    permissions: {keys: [], secrets: ["get"], certificates: [],
			  storage: ["list"]}}]' >"$WORK/tenant.json"
kvl_sandbox_stop
rm -rf "$ENV"
kvl_sandbox_start --tenant "$WORK/tenant.json"
cli 0 logout
cli 0 login
cli 0 env create --name Contoso --region westeurope
before=$(state)
link kv-ci-prod
cli 0 status --output json
kvl_json '.vault.grants[0].existed' true
[ "$(state | policies kv-ci-prod)" != \
  "$(echo "$before" | policies kv-ci-prod)" ] ||
	kvl_fail "linking did not merge get and list into the entry"
cli 0 unlink --vault kv-ci-prod --yes
kvl_grep "restore the earlier permissions" "$OUT"
after=$(state)
[ "$(echo "$after" | policies kv-ci-prod)" = \
  "$(echo "$before" | policies kv-ci-prod)" ] ||
	kvl_fail "the entry's permissions were not restored exactly"
[ "$after" = "$before" ] || kvl_fail "unlink left the sandbox changed"

echo "cli_unlink: all checks passed"
