#!/bin/bash
# The order of --auth auto, against a real kvlink-sandbox: each step sets
# up the inputs of two sign-in methods and checks which one whoami
# reports. The documented order is env, workload-identity, cached,
# managed-identity, azure-cli, device-code. kvlink login runs the device
# code flow (the sandbox approves it by itself), and later commands use
# the saved sign-in as "cached".
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

TENANT=72f988bf-0000-4000-8000-00000000a001
APP=b0000000-0000-4000-8000-0000000000b1
APP_SP=b0000000-0000-4000-8000-0000000000b2
AVERY=a0000000-0000-4000-8000-000000000001
RILEY=a0000000-0000-4000-8000-000000000002
cli() {
	kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env" "${@:2}"
}
# expect_method METHOD OBJECT_ID: whoami signs in with METHOD as
# OBJECT_ID.
expect_method() {
	cli 0 whoami --output json
	kvl_json .method "$1"
	kvl_json .objectId "$2"
}

# The inputs of every method; each step exports the two it compares.
kvl_sandbox_get /_sandbox/managed-identity >"$WORK/msi.json"
MSI_SP=$(jq -r .principalId "$WORK/msi.json")
use_managed() {
	export IDENTITY_ENDPOINT IDENTITY_HEADER
	IDENTITY_ENDPOINT=$(jq -r .endpoint "$WORK/msi.json")
	IDENTITY_HEADER=$(jq -r .header "$WORK/msi.json")
}
use_secret() {
	export AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$APP"
	export AZURE_CLIENT_SECRET=sandbox-automation-secret-not-real
}
use_workload() {
	kvl_curl -f -H 'Content-Type: application/json' --data-binary '{}' \
		"$SANDBOX_URL/_sandbox/federated-token" | jq -r .token \
		>"$WORK/federated-token"
	export AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$APP"
	export AZURE_FEDERATED_TOKEN_FILE="$WORK/federated-token"
}
# The Azure CLI stand-in (see tests/fixtures/az-standin.sh), signed in
# as Riley.
use_azcli() {
	mkdir -p "$WORK/bin" "$WORK/azure"
	cp "$KVL_SRCDIR/tests/fixtures/az-standin.sh" "$WORK/bin/az"
	chmod +x "$WORK/bin/az"
	printf '{"subscriptions": [{"id": "%s", "isDefault": true}]}\n' \
		11111111-1111-4111-8111-111111111111 \
		>"$WORK/azure/azureProfile.json"
	export PATH="$WORK/bin:$PATH" AZURE_CONFIG_DIR="$WORK/azure"
	export AZ_STANDIN_SANDBOX="$SANDBOX_URL" AZ_STANDIN_USER="$RILEY"
	export AZ_STANDIN_CURL_OPTS="--cacert $SANDBOX_CA"
}
reset_inputs() {
	unset AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET
	unset AZURE_FEDERATED_TOKEN_FILE IDENTITY_ENDPOINT IDENTITY_HEADER
	unset AZURE_CONFIG_DIR
}

# env before workload identity.
use_workload
use_secret
expect_method env "$APP_SP"
reset_inputs

# workload identity before managed identity.
use_workload
use_managed
expect_method workload-identity "$APP_SP"
reset_inputs

# With nothing set, whoami in a script cannot sign in, and names the
# ways to do it.
cli 4 whoami
kvl_grep "kvlink login" "$ERR"
kvl_grep "AZURE_FEDERATED_TOKEN_FILE" "$ERR"
kvl_grep "az login" "$ERR"

# kvlink login signs in with the device code flow.
cli 0 login --output json
kvl_json .method device-code
kvl_json .objectId "$AVERY"

# The saved sign-in before the managed identity: both name an identity,
# but only the saved one was chosen by someone.
use_managed
expect_method cached "$AVERY"
cli 0 logout

# The managed identity before the Azure CLI.
use_azcli
expect_method managed-identity "$MSI_SP"
unset IDENTITY_ENDPOINT IDENTITY_HEADER

# The Azure CLI before the device code flow; a script never gets the
# device code flow.
expect_method azure-cli "$RILEY"
reset_inputs
cli 4 --auth device-code whoami
kvl_grep "the device code flow needs a terminal" "$ERR"

# --auth cached without a saved sign-in names the command that makes
# one.
cli 4 --auth cached whoami
kvl_grep "there is no saved kvlink sign-in; run 'kvlink login'" "$ERR"

# An unknown method is a usage error that lists the valid ones.
cli 2 --auth password whoami
kvl_grep "env, workload-identity, managed-identity, cached, azure-cli or device-code" \
	"$ERR"

echo "cli_signin_auto: all checks passed"
