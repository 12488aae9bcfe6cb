#!/bin/bash
# Commands for Admins only, run by a Contributor of the environment
# against a real kvlink-sandbox: each is rejected with exit status 5 (a
# prerequisite failed, nothing changed), and the environment is left as
# it was.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
RILEY=a0000000-0000-4000-8000-000000000002
ENV="$WORK/env"
cli() {
	kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"
}

cli 0 login
cli 0 env create --name Contoso --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 connection add --type sftp --name Files \
	--field host=sftp.contoso.test --field username=exporter \
	--field folder=/exports --use-key-vault \
	--secret password=sftp-password --accept-privacy-statement
cli 0 env identity set --kind managed-identity \
	--identity-client-id 0bfc4568-a4ba-4c58-bd3e-5d3e76bd7fff

# Riley joins as a Contributor and signs in.
jq --arg id "$RILEY" '.users += [{objectId: $id, name: "Riley Reader",
	role: "Contributor"}]' "$ENV/environment.json" >"$WORK/env.json"
cp "$WORK/env.json" "$ENV/environment.json"
cp "$ENV/environment.json" "$WORK/before.json"
kvl_sandbox_stop
kvl_sandbox_start --user riley@contoso.test
cli 0 logout
cli 0 login

cli 5 env identity clear
kvl_grep "only Admins of environment 'Contoso'" "$ERR"
cli 5 env identity set --kind managed-identity
kvl_grep "only Admins of environment 'Contoso'" "$ERR"
cli 5 connection delete Files --yes
kvl_grep "only Admins of environment 'Contoso'" "$ERR"
cli 5 connection edit Files --field folder=/other
kvl_grep "only Admins of environment 'Contoso'" "$ERR"
cli 5 unlink --vault kv-ci-prod --yes
kvl_grep "only an Admin of environment 'Contoso'" "$ERR"

cmp -s "$WORK/before.json" "$ENV/environment.json" ||
	kvl_fail "a rejected command changed environment.json"
