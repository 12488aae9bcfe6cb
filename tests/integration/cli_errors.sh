#!/bin/bash
# Failures a script must be able to tell apart by exit status: no sign-in
# (4), no environment (3), an unusable environment store (7).
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# Without a cached sign-in a script gets exit 4 and is told what to do;
# the device code flow does not start.
cli 4 list subscriptions
kvl_grep "kvlink login" "$ERR"
kvl_grep "AZURE_CLIENT_SECRET" "$ERR"
[ ! -s "$OUT" ] || kvl_fail "a failed sign-in wrote to stdout"
kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
kvl_json '[.. | objects | select((.path? // "") | test("devicecode"))]
	| length' 0 "$WORK/requests.json"

cli 4 whoami
cli 4 env create --name Contoso --region westeurope
[ ! -e "$ENV/environment.json" ] || kvl_fail "env create without sign-in"

# A service principal needs all three variables.
cli 4 --auth client-secret whoami

# Commands on the stored environment need one.
cli 3 status
kvl_grep "kvlink env create" "$ERR"
cli 3 env show
cli 0 login
cli 3 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement

# A damaged environment file is reported (exit 7) and left as it was.
printf '{"format": 1, "id": ' >"$ENV/environment.json"
before=$(sha256sum <"$ENV/environment.json")
cli 7 status
kvl_grep "environment.json" "$ERR"
cli 7 env create --name Contoso --region westeurope
cli 7 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 7 status --output json
[ ! -s "$OUT" ] || kvl_fail "a store error wrote JSON: $(cat "$OUT")"
after=$(sha256sum <"$ENV/environment.json")
[ "$before" = "$after" ] || kvl_fail "the damaged file was changed"

echo "cli_errors: all checks passed"
