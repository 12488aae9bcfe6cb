#!/bin/bash
# Workload identity against a real kvlink-sandbox: the sandbox issues
# federated tokens (POST /_sandbox/federated-token, signed with its own
# key) and accepts them as client assertions for the automation app,
# whose federated credential names the issuer and subject. Wrong
# subject, wrong audience, an expired token and a forged signature are
# rejected; a missing, empty or unreadable file gets a clear message.
# tests/integration/test_link_flow.c checks that a token swapped into the
# file between two token requests of one sign-in is the one sent.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

TENANT=72f988bf-0000-4000-8000-00000000a001
APP=b0000000-0000-4000-8000-0000000000b1
APP_SP=b0000000-0000-4000-8000-0000000000b2
LOG="$WORK/kvlink.log"
TOKEN_FILE="$WORK/federated-token"
cli() {
	kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env" \
		--log-file "$LOG" "${@:2}"
}

# federated_token JSON: a token from the sandbox's issuer, with the
# request's claims (subject, audience, expiresIn) replacing defaults.
federated_token() {
	kvl_sandbox_post /_sandbox/federated-token "$1" | jq -r .token
}

export AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$APP"
export AZURE_FEDERATED_TOKEN_FILE="$TOKEN_FILE"

federated_token '{}' >"$TOKEN_FILE"
cli 0 whoami --output json
kvl_json .method workload-identity
kvl_json .objectId "$APP_SP"
kvl_json .type servicePrincipal
kvl_json .tenantId "$TENANT"
cli 0 --auth workload-identity whoami
kvl_grep "workload-identity" "$OUT"

federated_token '{"subject": "system:serviceaccount:other:intruder"}' \
	>"$WORK/other-subject"

# expect_rejected JSON TEXT: a token made with JSON's claims fails the
# sign-in with exit 4 and TEXT in the message.
expect_rejected() {
	federated_token "$1" >"$TOKEN_FILE"
	cli 4 whoami
	kvl_grep "$2" "$ERR"
	kvl_grep "AZURE_FEDERATED_TOKEN_FILE" "$ERR"
}
expect_rejected '{"audience": "api://somewhere-else"}' \
	"its audience (aud) is not"
expect_rejected '{"expiresIn": -60}' "it has expired (exp)"
expect_rejected '{"issuer": "https://issuer.example.test"}' \
	"no federated credential of the app matches"

# A valid token's signature on another token's claims.
federated_token '{}' >"$WORK/good"
IFS=. read -r head _ sig <"$WORK/good"
IFS=. read -r _ body _ <"$WORK/other-subject"
printf '%s.%s.%s\n' "$head" "$body" "$sig" >"$TOKEN_FILE"
cli 4 whoami
kvl_grep "its signature does not verify with the key of the sandbox's token issuer" \
	"$ERR"

# A missing or empty token file.
rm -f "$TOKEN_FILE"
cli 4 whoami
kvl_grep "cannot read the federated token file '$TOKEN_FILE' (AZURE_FEDERATED_TOKEN_FILE)" \
	"$ERR"
: >"$TOKEN_FILE"
cli 4 whoami
kvl_grep "is empty" "$ERR"
# A path that cannot be read as a file (a directory: file modes would
# not stop a test that runs as root).
rm -f "$TOKEN_FILE"
mkdir "$TOKEN_FILE"
cli 4 whoami
kvl_grep "is unreadable or too large" "$ERR"
rmdir "$TOKEN_FILE"

# --auth workload-identity without its variables names them.
unset AZURE_FEDERATED_TOKEN_FILE
cli 4 --auth workload-identity whoami
kvl_grep "AZURE_FEDERATED_TOKEN_FILE" "$ERR"

# No federated token reaches the debug log.
if grep -qE 'eyJ[A-Za-z0-9_-]{10,}' "$LOG"; then
	kvl_fail "a JWT was written to the debug log"
fi

echo "cli_signin_workload: all checks passed"
