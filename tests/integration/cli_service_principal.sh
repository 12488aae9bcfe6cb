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

# --tenant must agree with AZURE_TENANT_ID, which it would otherwise
# silently lose to: a usage error that names both. The same tenant,
# in any letter case, signs in.
OTHER=0b7e6a4e-0000-4000-8000-00000000beef
cli 2 --tenant "$OTHER" whoami
kvl_grep "--tenant $OTHER conflicts with AZURE_TENANT_ID=$AZURE_TENANT_ID" \
	"$ERR"
cli 2 --auth env --tenant contoso.onmicrosoft.com whoami
kvl_grep "conflicts with AZURE_TENANT_ID" "$ERR"
cli 0 --tenant "${AZURE_TENANT_ID^^}" whoami --output json
kvl_json .tenantId "$AZURE_TENANT_ID"

# Tenants are GUIDs, domain names or, for a person's sign-in, Entra's
# organizations, common and consumers; anything else never reaches az
# or Entra.
for bad in --debug -x.example.com "a b" "x?y=1" contoso "a..b.com" \
	-- "$(printf 'x\ny.com')"; do
	kvl_run 2 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
		--tenant="$bad" --auth device-code whoami
	kvl_grep "expected a tenant id (a GUID), a domain name" "$ERR"
done
for bad in --debug common "a b"; do
	AZURE_TENANT_ID="$bad" cli 2 whoami
	kvl_grep "invalid AZURE_TENANT_ID" "$ERR"
done
kvl_run 4 --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env3" \
	--auth device-code --tenant organizations whoami
kvl_run 4 --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env3" \
	--auth device-code --tenant contoso.onmicrosoft.com whoami

# login and logout say that the identity comes from the environment,
# which logout cannot change, and how to sign in interactively.
cli 0 login
kvl_grep "Signed in with the service principal in AZURE_TENANT_ID" "$ERR"
kvl_grep "'kvlink logout' does not change that" "$ERR"
kvl_grep "unset AZURE_CLIENT_ID" "$ERR"
if grep -q "Already signed in" "$ERR"; then
	kvl_fail "login blamed kvlink's own sign-in: $(cat "$ERR")"
fi
cli 0 logout
kvl_grep "Later commands still sign in with the service principal" "$OUT"
cli 0 logout --output json
kvl_json .signedIn false
kvl_json .stillSignedInWith env

echo "cli_service_principal: all checks passed"
