#!/bin/bash
# Signing in as a service principal from AZURE_TENANT_ID, AZURE_CLIENT_ID
# and AZURE_CLIENT_SECRET: no login step, and the secret shows up in no
# output, log or file.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

ENV="$WORK/env"
LOG="$WORK/debug.log"
# The sandbox's built-in automation principal; test data, not a secret.
SECRET=sandbox-automation-secret-not-real
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

export AZURE_TENANT_ID=72f988bf-0000-4000-8000-00000000a001
export AZURE_CLIENT_ID=b0000000-0000-4000-8000-0000000000b1
export AZURE_CLIENT_SECRET="$SECRET"

cli 0 --log-file "$LOG" whoami --output json
kvl_json .type servicePrincipal
kvl_json .objectId b0000000-0000-4000-8000-0000000000b2
kvl_json .tenantId "$AZURE_TENANT_ID"

cli 0 --log-file "$LOG" list subscriptions --output json
kvl_json '.subscriptions | type' array

if grep -rqF -- "$SECRET" "$WORK/last.out" "$WORK/last.err" "$LOG" "$ENV"
then
	kvl_fail "the client secret was written to an output, log or file"
fi
[ -s "$LOG" ] || kvl_fail "--log-file wrote nothing"

# --auth device-code ignores the variables, and without a cached
# sign-in a script gets exit 4.
kvl_run 4 --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env2" \
	--auth device-code whoami

# A wrong secret is a failed sign-in.
AZURE_CLIENT_SECRET=wrong cli 4 whoami

echo "cli_service_principal: all checks passed"
