#!/bin/bash
# kvlink --sandbox signs in only with kvlink's own sign-in (the saved one
# or the device code flow). A service principal in AZURE_*, a managed
# identity in IDENTITY_* and the Azure CLI are real credentials. They
# must never reach the sandbox or make az request a token from
# Microsoft.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

ENV="$WORK/env"
LOG="$WORK/kvlink.log"
sb() { kvl_run "$1" --sandbox --env-dir "$ENV" --log-file "$LOG" "${@:2}"; }

# A signed-in az, as far as its configuration directory shows; the
# stand-in records every run and fails like a signed-out az.
mkdir -p "$WORK/bin" "$WORK/azure"
cp "$KVL_SRCDIR/tests/fixtures/az-standin.sh" "$WORK/bin/az"
chmod +x "$WORK/bin/az"
export PATH="$WORK/bin:$PATH"
export AZURE_CONFIG_DIR="$WORK/azure"
export AZ_STANDIN_LOG="$WORK/az-argv" AZ_STANDIN_MODE=signed-out
printf '{"subscriptions": [{"id": "%s", "isDefault": true}]}\n' \
	11111111-1111-4111-8111-111111111111 >"$AZURE_CONFIG_DIR/azureProfile.json"
export IDENTITY_ENDPOINT=http://127.0.0.1:9/msi/token IDENTITY_HEADER=h

# No sign-in yet: the sandbox's device code flow signs in, and
# no other method is tried.
sb 0 list subscriptions
kvl_grep "kvlink-sandbox approves the code by itself" "$ERR"
[ ! -e "$AZ_STANDIN_LOG" ] || kvl_fail "--sandbox ran az"
if grep -q "trying managed-identity" "$LOG"; then
	kvl_fail "--sandbox tried the managed identity: $(cat "$LOG")"
fi

# A service principal in the environment (the sandbox's own automation
# app with a wrong secret) is not used. The device code flow signs in
# Avery again, because each run has its own port and so the saved
# sign-in is for another authority.
export AZURE_TENANT_ID=72f988bf-0000-4000-8000-00000000a001
export AZURE_CLIENT_ID=b0000000-0000-4000-8000-0000000000b1
export AZURE_CLIENT_SECRET=not-the-secret
sb 0 whoami --output json
kvl_json .method device-code
kvl_json .name avery@contoso.test
sb 0 list subscriptions --output json
[ ! -e "$AZ_STANDIN_LOG" ] || kvl_fail "--sandbox ran az"
if grep -q "trying env\|trying managed-identity\|trying azure-cli" "$LOG"; then
	kvl_fail "--sandbox tried another method: $(cat "$LOG")"
fi

# Naming another method is a usage error, before any sandbox starts.
for method in env workload-identity managed-identity azure-cli; do
	sb 2 --auth "$method" whoami
	kvl_grep "--auth $method cannot be combined with '--sandbox'" "$ERR"
done
sb 0 --auth device-code whoami
[ ! -e "$AZ_STANDIN_LOG" ] || kvl_fail "--sandbox ran az"
