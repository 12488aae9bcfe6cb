#!/bin/bash
# az (Debian's azure-cli 2.45) against the sandbox, registered as a custom
# cloud in a private AZURE_CONFIG_DIR.
#
# az 2.45 cannot sign in to the sandbox, and this test pins down why.
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
# az keyvault list, show and set-policy therefore cannot run here. Their
# Resource Manager calls go through azure-mgmt-keyvault, which
# tests/conformance/python_sdk.py calls the same way: vaults.list() (the
# generic resource list filtered to Microsoft.KeyVault/vaults),
# vaults.get(), and vaults.begin_create_or_update() with the vault read
# back and one access policy added.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"

APP_ID=b0000000-0000-4000-8000-0000000000b1
TENANT=72f988bf-0000-4000-8000-00000000a001

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
# Resource Manager endpoint.
az_run 0 cloud register --name KvlinkSandbox \
	--endpoint-active-directory "$authority" \
	--endpoint-resource-manager "$arm" \
	--endpoint-active-directory-resource-id "$arm" \
	--endpoint-active-directory-graph-resource-id "$graph"
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
printf '%s' sandbox-automation-secret-not-real >"$WORK/app-secret"
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
