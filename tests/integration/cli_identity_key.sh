#!/bin/bash
# The service identity's sealed client secret and credentials.key, against
# a real kvlink-sandbox. The secret counts as a holder of the key, so no
# command makes a new key over it.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
command -v openssl >/dev/null 2>&1 || {
	echo "SKIP: openssl is not installed" >&2
	exit 77
}
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
TENANT=72f988bf-0000-4000-8000-00000000a001
CI_APP=0bfc4568-a4ba-4c58-bd3e-5d3e76bd7fff
ENV="$WORK/env"
cli() {
	kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"
}

# cli_stdin FILE EXPECTED ARG...: like cli, with standard input from FILE.
cli_stdin() {
	local input=$1 expected=$2 status=0
	shift 2

	OUT="$WORK/last.out"
	ERR="$WORK/last.err"
	"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "$@" \
		<"$input" >"$OUT" 2>"$ERR" || status=$?
	[ "$status" -eq "$expected" ] ||
		kvl_fail "kvlink $* exited with $status, expected $expected:
$(cat "$ERR")"
}

printf 'kvl-test-%s\n' "$(openssl rand -hex 20)" >"$WORK/secret.txt"
printf 'SG.typed-%s\n' "$(openssl rand -hex 8)" >"$WORK/typed.txt"
jq -n --arg app "$CI_APP" --rawfile secret "$WORK/secret.txt" \
	'{appId: $app, clientSecret: ($secret | rtrimstr("\n"))}' |
	kvl_curl -f -H 'Content-Type: application/json' \
	--data-binary @- "$SANDBOX_URL/_sandbox/app-credentials" \
	>/dev/null || kvl_fail "POST /_sandbox/app-credentials failed"

cli 0 login
cli 0 env create --name Contoso --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 connection add --type sftp --name Files \
	--field host=sftp.contoso.test --field username=exporter \
	--field folder=/exports --use-key-vault \
	--secret password=sftp-password --accept-privacy-statement
cli_stdin "$WORK/secret.txt" 0 env identity set --kind client-secret \
	--identity-tenant "$TENANT" --identity-client-id "$CI_APP" \
	--client-secret-stdin
[ -s "$ENV/credentials.key" ] || kvl_fail "no credentials.key was made"

# Only the identity's secret is sealed. With the key gone, adding a typed
# credential must not make a new key over it.
mv "$ENV/credentials.key" "$WORK/credentials.key.backup"
cli_stdin "$WORK/typed.txt" 5 connection add --type sendgrid \
	--name "Typed Mail" --credential-stdin api_key \
	--accept-privacy-statement
kvl_grep "credentials.key' is missing" "$ERR"
kvl_grep "the service identity's client secret" "$ERR"
kvl_grep "kvlink env identity set" "$ERR"
[ ! -e "$ENV/credentials.key" ] ||
	kvl_fail "connection add made a new credentials.key"
cli 3 connection show "Typed Mail"

# Restored, the identity's secret opens again and the typed credential
# can be added.
cp "$WORK/credentials.key.backup" "$ENV/credentials.key"
cli_stdin "$WORK/typed.txt" 0 connection add --type sendgrid \
	--name "Typed Mail" --credential-stdin api_key \
	--accept-privacy-statement
cli 0 check --output json
kvl_json .healthy true
kvl_json .secretsReadAs.type serviceIdentity
kvl_json .secretsReadAs.signedIn true

# With the key missing, every command that needs the sealed credentials
# exits with status 5 and says the file is missing and how to recover.
mv "$ENV/credentials.key" "$WORK/credentials.key.backup"
cli 5 check
kvl_grep "the key file credentials.key is missing" "$ERR"
kvl_grep "restore credentials.key from a backup" "$ERR"
kvl_grep "kvlink env identity set" "$ERR"
if grep -qF "was replaced" "$ERR"; then
	kvl_fail "check says the key was replaced although it is missing"
fi
cli 5 connection test "Typed Mail"
kvl_grep "credentials.key is missing" "$ERR"
kvl_grep "kvlink connection edit" "$ERR"
cli 0 env identity show
kvl_grep "cannot be opened" "$OUT"
if grep -qF "stored sealed (never shown)" "$OUT"; then
	kvl_fail "env identity show calls an unopenable secret stored"
fi
kvl_grep "credentials.key is missing" "$ERR"
[ ! -e "$ENV/credentials.key" ] || kvl_fail "a new credentials.key was made"

# A key file of another environment opens nothing: the message says so.
head -c 32 /dev/urandom >"$ENV/credentials.key"
chmod 600 "$ENV/credentials.key"
cli 5 check
kvl_grep "sealed with another key file" "$ERR"
cli 5 connection test "Typed Mail"
kvl_grep "sealed with another key" "$ERR"
