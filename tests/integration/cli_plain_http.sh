#!/bin/bash
# kvlink sends requests over plain http only to loopback addresses. A
# cloud profile URL, a connection target or IDENTITY_ENDPOINT that is
# http to any other host is rejected before a request is made, with the
# URL named. Loopback http passes the check and fails only at the
# transport, here because the sandbox itself serves HTTPS only.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

# The names below are under .invalid and never resolve. As a second
# guard, a request that wrongly got past the check would go to a closed
# loopback port through these proxies rather than leave the machine.
GUARD=http://127.0.0.1:9
export http_proxy=$GUARD https_proxy=$GUARD HTTPS_PROXY=$GUARD
export ALL_PROXY=$GUARD all_proxy=$GUARD
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

kvl_sandbox_start
PORT=${SANDBOX_URL##*:}
S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
cli() {
	kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"
}

# --- Profile URLs. ------------------------------------------------------
for key in authorityHost resourceManager microsoftGraph keyVaultScope \
	   keyVaultUriPrefix; do
	jq --arg k "$key" '.[$k] = "http://azure.kvlink-test.invalid/x/"' \
		"$SANDBOX_CLOUD" >"$WORK/remote.json"
	kvl_run 2 --cloud "$WORK/remote.json" --env-dir "$ENV" login
	kvl_grep "\"$key\"" "$ERR"
	kvl_grep "plain http is allowed only for loopback" "$ERR"
done
jq '.connectionTargets.sendgrid = "http://vendor.kvlink-test.invalid/sg"' \
	"$SANDBOX_CLOUD" >"$WORK/remote.json"
kvl_run 2 --cloud "$WORK/remote.json" --env-dir "$ENV" login
kvl_grep "\"connectionTargets\" entry 'sendgrid'" "$ERR"
kvl_grep "plain http is allowed only for loopback" "$ERR"

# Plain http to loopback passes the check. The request then fails
# because the sandbox speaks only TLS on its port.
jq --arg u "http://127.0.0.1:$PORT/login" '.authorityHost = $u' \
	"$SANDBOX_CLOUD" >"$WORK/loopback.json"
kvl_run 1 --cloud "$WORK/loopback.json" --env-dir "$ENV" login
kvl_grep "http://127.0.0.1:$PORT/login/" "$ERR"
if grep -q "rejected the request\|not https" "$ERR"; then
	kvl_fail "loopback http was rejected: $(cat "$ERR")"
fi

# --- IDENTITY_ENDPOINT. -----------------------------------------------
cli 0 login
cli 0 env create --name Contoso --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 connection add --type sftp --name Files \
	--field host=sftp.contoso.test --field username=exporter \
	--field folder=/exports --use-key-vault \
	--secret password=sftp-password --accept-privacy-statement

export IDENTITY_ENDPOINT=http://identity.kvlink-test.invalid/msi/token
export IDENTITY_HEADER=sandbox-test-header
cli 0 env identity set --kind managed-identity
cli 5 check --output json
kvl_json '.findings[] | select(.id == "identity.sign-in") | .severity' error
kvl_json ".findings[] | select(.id == \"identity.sign-in\") | .cause |
	contains(\"rejected the request to '$IDENTITY_ENDPOINT\")" true
kvl_json '.findings[] | select(.id == "identity.sign-in") | .cause |
	contains("only https, or http to a loopback address")' true

# The same endpoint over https (the sandbox's own) is accepted.
kvl_sandbox_get /_sandbox/managed-identity >"$WORK/msi.json"
IDENTITY_ENDPOINT=$(jq -r .endpoint "$WORK/msi.json")
IDENTITY_HEADER=$(jq -r .header "$WORK/msi.json")
case "$IDENTITY_ENDPOINT" in
https://127.0.0.1:"$PORT"/*) ;;
*) kvl_fail "the sandbox's identity endpoint is $IDENTITY_ENDPOINT" ;;
esac
cli 0 check --output json
kvl_json .secretsReadAs.kind managedIdentity
kvl_json .secretsReadAs.signedIn true
