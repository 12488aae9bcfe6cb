#!/bin/bash
# az (Debian's azure-cli 2.45) against the sandbox, registered as a custom
# cloud in a private AZURE_CONFIG_DIR.
#
# az 2.45 cannot sign in to the sandbox with a service principal, and
# this test pins down why.
# Before any token request, MSAL 1.21 (which az uses) validates an
# authority whose host is not one of Microsoft's own: it GETs
# https://login.microsoftonline.com/common/discovery/instance. az passes
# neither validate_authority=False nor instance_discovery=False to MSAL
# and has no setting or environment variable that would (only authorities
# ending in /adfs skip the check, and those are AD FS, not Entra ID). So
# sign-in needs Microsoft's host, which the tests never contact. The
# network guard rejects that lookup and records it; the sandbox receives no
# request at all. az's first run in a fresh config directory also checks
# for a newer version (https://azure.microsoft.com, then GitHub), which
# the guard rejects the same way.
#
# az login --identity needs no authority: with MSI_ENDPOINT set, az
# (through msrestazure) POSTs resource=... with "Metadata: true" to that
# URL, the protocol of Cloud Shell and the old VM extension, which the
# sandbox serves at /msi/oauth2/token for its managed identity (the
# Customer Insights app). Signed in that way, az keyvault list, show and
# set-policy run against the sandbox and are checked against its state.
# tests/conformance/python_sdk.py makes the same Resource Manager calls as
# a service principal through azure-mgmt-keyvault, as az does.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"

APP_ID=b0000000-0000-4000-8000-0000000000b1
APP_SECRET=sandbox-automation-secret-not-real
TENANT=72f988bf-0000-4000-8000-00000000a001
CI_APP_ID=0bfc4568-a4ba-4c58-bd3e-5d3e76bd7fff
CI_OBJECT_ID=c1000000-0000-4000-8000-0000000000c1
RILEY=a0000000-0000-4000-8000-000000000002
SUB_DEV=22222222-2222-4222-8222-222222222222
CONTRIBUTOR=b24988ac-6180-42a0-ab88-20f7382dd24c

kvl_test_init
AZ=$(command -v az) || {
	echo "SKIP: az is not installed (azure-cli;" \
	     "scripts/install-deps installs it)" >&2
	exit 77
}
. "$KVL_SRCDIR/tests/conformance/python.sh"
# az is a Python program: its interpreter must load the network guard.
PYTHON=$(sed -n '1s/^#! *//p' "$AZ")
[ -x "$PYTHON" ] || kvl_fail "cannot find the interpreter of $AZ"
kvl_sandbox_start
kvl_python_env

export AZURE_CONFIG_DIR="$WORK/azure"
export AZURE_CORE_COLLECT_TELEMETRY=no
export AZURE_CORE_NO_COLOR=yes
mkdir -p "$AZURE_CONFIG_DIR"

# Runs az with stdin from /dev/null; its output is in $OUT and $ERR.
az_run() {
	local expected=$1 status=0
	shift

	OUT="$WORK/az.out"
	ERR="$WORK/az.err"
	"$AZ" "$@" </dev/null >"$OUT" 2>"$ERR" || status=$?
	if [ "$expected" = fail ] && [ "$status" -ne 0 ]; then
		return 0
	fi
	[ "$status" = "$expected" ] || {
		cat "$OUT" "$ERR" >&2
		kvl_fail "az $1 $2 exited with $status, expected $expected"
	}
}

authority=$(jq -r .authorityHost "$SANDBOX_CLOUD")
arm=$(jq -r .resourceManager "$SANDBOX_CLOUD")
graph=$(jq -r .microsoftGraph "$SANDBOX_CLOUD")

# With all three sign-in endpoints given, az reads no metadata from the
# Resource Manager endpoint. az keyvault refuses to run without a Key
# Vault DNS suffix, but these commands never use it; .invalid never
# resolves.
az_run 0 cloud register --name KvlinkSandbox \
	--endpoint-active-directory "$authority" \
	--endpoint-resource-manager "$arm" \
	--endpoint-active-directory-resource-id "$arm" \
	--endpoint-active-directory-graph-resource-id "$graph" \
	--suffix-keyvault-dns .vault.sandbox.invalid
az_run 0 cloud set --name KvlinkSandbox
az_run 0 cloud show --output json
kvl_json .name KvlinkSandbox
kvl_json .isActive true
kvl_json .endpoints.activeDirectory "$authority"
kvl_json .endpoints.resourceManager "$arm"
kvl_json .endpoints.activeDirectoryResourceId "$arm"
kvl_json .endpoints.activeDirectoryGraphResourceId "$graph"

# The secret goes through a file (az expands @FILE), never argv.
umask 077
printf '%s' "$APP_SECRET" >"$WORK/app-secret"
: >"$KVL_NETGUARD_LOG"
az_run fail login --service-principal --username "$APP_ID" \
	--password "@$WORK/app-secret" --tenant "$TENANT"
kvl_grep "login.microsoftonline.com" "$ERR"
kvl_grep "/common/discovery/instance" "$ERR"
kvl_json '[.value[] | select(.path | startswith("/login/") or
	contains("/oauth2/"))] | length' 0 \
	<(kvl_sandbox_get /_sandbox/requests)
sort -u "$KVL_NETGUARD_LOG" | grep -vx 'azure.microsoft.com' \
	>"$WORK/hosts" || true
[ "$(cat "$WORK/hosts")" = login.microsoftonline.com ] ||
	kvl_fail "az tried these hosts: $(tr '\n' ' ' <"$WORK/hosts")"

# No account was stored, so every other command has no sign-in.
az_run 0 account list --output json
kvl_json length 0

# kvlink-automation (Owner of the development subscription) makes the
# managed identity a Contributor there, so that it may change vaults.
printf 'grant_type=client_credentials&client_id=%s&scope=%s/.default&client_secret=%s' \
	"$APP_ID" "$arm" "$APP_SECRET" >"$WORK/form"
token=$(kvl_curl -f --data-binary "@$WORK/form" \
	"$authority/organizations/oauth2/v2.0/token" | jq -r .access_token)
printf 'Authorization: Bearer %s\n' "$token" >"$WORK/auth.header"
kvl_curl -f -X PUT -H "@$WORK/auth.header" \
	-H 'Content-Type: application/json' --data-binary \
	"{\"properties\":{\"roleDefinitionId\":\"/subscriptions/$SUB_DEV/providers/Microsoft.Authorization/roleDefinitions/$CONTRIBUTOR\",\"principalId\":\"$CI_OBJECT_ID\",\"principalType\":\"ServicePrincipal\"}}" \
	"$arm/subscriptions/$SUB_DEV/providers/Microsoft.Authorization/roleAssignments/5a4d0c1e-0000-4000-8000-00000000c0f1?api-version=2022-04-01" \
	>/dev/null || kvl_fail "assigning Contributor to the managed identity failed"

# az lists every subscription where the identity has a role assignment.
kvl_sandbox_get /_sandbox/state >"$WORK/state.json"
subs=$(jq -r --arg p "$CI_OBJECT_ID" '[.roleAssignments[] |
	select(.principalId == $p) | .scope | split("/")[2]] | unique |
	join(",")' "$WORK/state.json")
: >"$KVL_NETGUARD_LOG"
export MSI_ENDPOINT="$SANDBOX_URL/msi/oauth2/token"
az_run 0 login --identity --output json
kvl_json '[.[].id] | sort | join(",")' "$subs"
kvl_json '.[0].tenantId' "$TENANT"
kvl_json '.[0].user.assignedIdentityInfo' MSI
az_run 0 account set --subscription "$SUB_DEV"

az_run 0 keyvault list --output json
kvl_json '[.[].name] | sort | join(",")' \
	"$(jq -r --arg s "$SUB_DEV" '[.vaults[] | select(.subscriptionId == $s)
		| .name] | sort | join(",")' "$WORK/state.json")"

az_run 0 keyvault show --name kv-dev-eastus --output json
kvl_json .properties.vaultUri "$(jq -r .keyVaultUriPrefix "$SANDBOX_CLOUD")kv-dev-eastus/"
kvl_json .location eastus
kvl_json '[.properties.accessPolicies[].objectId] | join(",")' \
	"$(jq -r '.vaults[] | select(.name == "kv-dev-eastus") |
		[.accessPolicies[].objectId] | join(",")' "$WORK/state.json")"

az_run 0 keyvault set-policy --name kv-dev-eastus --object-id "$RILEY" \
	--secret-permissions get list --output json
kvl_sandbox_get /_sandbox/state >"$WORK/state.json"
vault='.vaults[] | select(.name == "kv-dev-eastus")'
kvl_json "[$vault | .accessPolicies[] | select(.objectId == \"$RILEY\") |
	.permissions.secrets | sort | join(\",\")] | join(\";\")" \
	get,list "$WORK/state.json"
kvl_json "$vault | .lastModifiedBy" "$CI_APP_ID" "$WORK/state.json"
kvl_json "[.value[] | select(.path == \"/msi/oauth2/token\")] | length > 0" \
	true <(kvl_sandbox_get /_sandbox/requests)

# Signed in with the managed identity, az tried no host but the sandbox
# (its version check may run again).
sort -u "$KVL_NETGUARD_LOG" | grep -vx 'azure.microsoft.com' \
	>"$WORK/hosts" || true
[ ! -s "$WORK/hosts" ] ||
	kvl_fail "az tried these hosts: $(tr '\n' ' ' <"$WORK/hosts")"
