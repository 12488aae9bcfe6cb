#!/bin/bash
# Managed identity sign-in against a real kvlink-sandbox, through
# IDENTITY_ENDPOINT and IDENTITY_HEADER on loopback (the sandbox's
# /msi/token in App Service's shape). Without those variables kvlink
# sends requests to the instance metadata service only on an Azure VM.
# With the DMI data of a Hyper-V guest outside Azure it sends none, and
# the debug log shows why.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

TENANT=72f988bf-0000-4000-8000-00000000a001
LOG="$WORK/kvlink.log"
cli() {
	kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env" \
		--log-file "$LOG" "${@:2}"
}

kvl_sandbox_get /_sandbox/managed-identity >"$WORK/msi.json"
MSI_SP=$(jq -r .principalId "$WORK/msi.json")
MSI_HEADER=$(jq -r .header "$WORK/msi.json")
export IDENTITY_ENDPOINT
IDENTITY_ENDPOINT=$(jq -r .endpoint "$WORK/msi.json")
export IDENTITY_HEADER="$MSI_HEADER"

cli 0 whoami --output json
kvl_json .method managed-identity
kvl_json .objectId "$MSI_SP"
kvl_json .type servicePrincipal
kvl_json .tenantId "$TENANT"
cli 0 --auth managed-identity whoami
kvl_grep "managed-identity" "$OUT"
kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
kvl_json "[.value[] | select(.path == \"/msi/token\" and .status == 200
	and .caller == \"$MSI_SP\")] | length > 0" true "$WORK/requests.json"

# A wrong header is rejected by the endpoint.
IDENTITY_HEADER=wrong-header cli 4 whoami
kvl_grep "managed identity endpoint" "$ERR"
# The failure gives the managed identity's advice, not the hint for
# kvlink's own sign-in.
kvl_grep "check that this machine has a managed identity" "$ERR"
kvl_grep "or choose another --auth method" "$ERR"
if grep -qF "run 'kvlink login' first" "$ERR"; then
	kvl_fail "a managed identity failure got the login hint: $(cat "$ERR")"
fi
# Nothing listens at the endpoint.
IDENTITY_ENDPOINT=http://127.0.0.1:9/msi/token cli 1 whoami
kvl_grep "check that this host has a managed identity" "$ERR"
if grep -qF "run 'kvlink login' first" "$ERR"; then
	kvl_fail "a managed identity failure got the login hint: $(cat "$ERR")"
fi

# A user-assigned identity the machine does not have.
AZURE_CLIENT_ID=99999999-0000-4000-8000-000000000099 \
	cli 4 --auth managed-identity whoami
kvl_grep "client id" "$ERR"

# A Hyper-V guest outside Azure: same vendor as Azure, other asset tag.
unset IDENTITY_ENDPOINT IDENTITY_HEADER
printf 'Microsoft Corporation\n' >"$KVLINK_TEST_DMI_DIR/sys_vendor"
printf '0000-0000-0000-0000-0000-0000-00\n' \
	>"$KVLINK_TEST_DMI_DIR/chassis_asset_tag"
: >"$LOG"
cli 4 --auth managed-identity whoami
kvl_grep "IDENTITY_ENDPOINT and IDENTITY_HEADER" "$ERR"
kvl_grep "not an Azure VM" "$LOG"
cli 4 whoami
kvl_grep "skipping managed-identity" "$LOG"
if grep -qF "169.254.169.254" "$LOG"; then
	kvl_fail "kvlink sent a request to the instance metadata service" \
		"on a machine that is not an Azure VM: $(cat "$LOG")"
fi

# The identity header is a secret: it reaches no output or log.
if grep -qF -- "$MSI_HEADER" "$LOG" "$OUT" "$ERR"; then
	kvl_fail "IDENTITY_HEADER was written to an output or the log"
fi

echo "cli_signin_managed: all checks passed"
