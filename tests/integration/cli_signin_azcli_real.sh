#!/bin/bash
# The azure-cli sign-in method with the real az (Debian's azure-cli),
# signed in to a real kvlink-sandbox. 'az login --identity' is the one
# way az 2.45 signs in there without a request to Microsoft's hosts
# (tests/conformance/az_cli.sh shows why): az gets the sandbox's managed
# identity (the Customer Insights app) from MSI_ENDPOINT. kvlink then
# runs 'az account get-access-token' and signs in with what it prints.
# The network guard of the Python tests records any host az tries to
# reach other than 127.0.0.1.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"

TENANT=72f988bf-0000-4000-8000-00000000a001
CI_OBJECT_ID=c1000000-0000-4000-8000-0000000000c1

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
LOG="$WORK/kvlink.log"
cli() {
	kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env" \
		--log-file "$LOG" "${@:2}"
}
az_run() {
	"$AZ" "$@" </dev/null >"$WORK/az.out" 2>"$WORK/az.err" ||
		kvl_fail "az $1 $2 failed: $(cat "$WORK/az.out" "$WORK/az.err")"
}

az_run cloud register --name KvlinkSandbox \
	--endpoint-active-directory "$(jq -r .authorityHost "$SANDBOX_CLOUD")" \
	--endpoint-resource-manager "$(jq -r .resourceManager "$SANDBOX_CLOUD")" \
	--endpoint-active-directory-resource-id \
	"$(jq -r .resourceManager "$SANDBOX_CLOUD")" \
	--endpoint-active-directory-graph-resource-id \
	"$(jq -r .microsoftGraph "$SANDBOX_CLOUD")" \
	--suffix-keyvault-dns .vault.sandbox.invalid
az_run cloud set --name KvlinkSandbox
export MSI_ENDPOINT="$SANDBOX_URL/msi/oauth2/token"
az_run login --identity --allow-no-subscriptions --output json

cli 0 --auth azure-cli whoami --output json
kvl_json .method azure-cli
kvl_json .objectId "$CI_OBJECT_ID"
kvl_json .type servicePrincipal
kvl_json .tenantId "$TENANT"

# az wrote azureProfile.json at its sign-in, so --auth auto finds it.
cli 0 whoami --output json
kvl_json .method azure-cli
kvl_json .objectId "$CI_OBJECT_ID"

# The tokens came from the sandbox's managed identity endpoint, through
# az; no token reached kvlink's log.
kvl_json "[.value[] | select(.path == \"/msi/oauth2/token\" and
	.status == 200)] | length > 0" true <(kvl_sandbox_get /_sandbox/requests)
if grep -qE 'eyJ[A-Za-z0-9_-]{10,}' "$LOG"; then
	kvl_fail "a token was written to the debug log"
fi

# az tried no host but the sandbox (its version check of
# azure.microsoft.com is rejected by the guard and may show up).
sort -u "$KVL_NETGUARD_LOG" | grep -vx 'azure.microsoft.com' \
	>"$WORK/hosts" || true
[ ! -s "$WORK/hosts" ] ||
	kvl_fail "az tried these hosts: $(tr '\n' ' ' <"$WORK/hosts")"

echo "cli_signin_azcli_real: all checks passed"
