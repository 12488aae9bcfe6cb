#!/bin/bash
# Line mode (kvlink --plain) driven only through standard input: links
# kv-ci-prod, adds a SendGrid connection whose API key is a secret of
# the vault, then one whose key is typed. Checks the result with status
# and connection list (JSON), the sandbox's request log, and that the
# typed credential appears in no output, log or clear-text file.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/integration/plain.sh"
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
TYPED='SG.line-mode-typed-4417'
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

cli 0 login
cli 0 env create --name "Contoso CI" --region westeurope

kvl_plain_link_numbers
kvl_plain 0 <<EOF
1
$SUB
$GROUP
$VAULT
1
1
1
5
EOF
kvl_grep "Linked key vault kv-ci-prod (rg-ci-prod, Contoso Production)." \
	"$WORK/plain.out"
# No cursor movement, colour or other escape sequence.
if grep -q "$(printf '\033')" "$WORK/plain.out"; then
	kvl_fail "line mode wrote an escape sequence"
fi

cli 0 status --output json
[ "$(jq -r .vault.state "$OUT")" = linked ] ||
	kvl_fail "status does not show a linked vault: $(cat "$OUT")"
[ "$(jq -r .vault.name "$OUT")" = kv-ci-prod ] ||
	kvl_fail "status shows another vault: $(cat "$OUT")"
[ "$(jq -r .vault.subscriptionId "$OUT")" = "$S1" ] ||
	kvl_fail "status shows another subscription: $(cat "$OUT")"
[ "$(jq -r '.vault.consent.by // empty' "$OUT")" != "" ] ||
	kvl_fail "status records no consent: $(cat "$OUT")"

# The grant is the one write to Azure: an access policy on kv-ci-prod.
kvl_sandbox_get /_sandbox/requests | jq -c '.value[]' \
	>"$WORK/requests.jsonl"
writes=$(jq -s '[.[] | select(.method != "GET" and .method != "POST"
	and .method != "HEAD")]' "$WORK/requests.jsonl")
[ "$(jq length <<<"$writes")" -eq 1 ] ||
	kvl_fail "expected one write, got: $writes"
jq -e '.[0].path | test("/vaults/kv-ci-prod/accessPolicies/add$")' \
	<<<"$writes" >/dev/null ||
	kvl_fail "the write is not the access policy of kv-ci-prod: $writes"

# Add connection with a Key Vault secret: numbers from a first run that
# ends at the secret list.
cli 0 connection types --output json
SENDGRID=$(jq '[.types[].id] | index("sendgrid") + 1' "$OUT")
kvl_plain 1 <<EOF
2
1
$SENDGRID
Mail One
1
EOF
SECRET=$(kvl_plain_number "sendgrid-api-key")
kvl_plain 0 <<EOF
2
1
$SENDGRID
Mail One
1
$SECRET
1
1
1
q
5
EOF
kvl_grep "Added connection 'Mail One'." "$WORK/plain.out"

cli 0 connection list --output json
conn=$(jq -c '.connections[] | select(.name == "Mail One")' "$OUT")
[ -n "$conn" ] || kvl_fail "no connection 'Mail One': $(cat "$OUT")"
[ "$(jq -r .type <<<"$conn")" = sendgrid ] ||
	kvl_fail "'Mail One' is not of type sendgrid: $conn"
[ "$(jq -r .useKeyVault <<<"$conn")" = true ] ||
	kvl_fail "'Mail One' does not use Key Vault: $conn"
[ "$(jq -r .secrets.api_key <<<"$conn")" = sendgrid-api-key ] ||
	kvl_fail "'Mail One' has another secret: $conn"
[ "$(jq -r .vaultName <<<"$conn")" = kv-ci-prod ] ||
	kvl_fail "'Mail One' names another vault: $conn"
[ "$(jq -r .consent.objectId <<<"$conn")" != null ] ||
	kvl_fail "'Mail One' records no consent: $conn"
# The secret list was read from the linked vault.
kvl_sandbox_get /_sandbox/requests | jq -c '.value[]' \
	>"$WORK/requests.jsonl"
jq -s -e '[.[] | select(.method == "GET" and
	(.path | test("/kv-ci-prod/secrets$")))] | length >= 1' \
	"$WORK/requests.jsonl" >/dev/null ||
	kvl_fail "no listing of kv-ci-prod's secrets in the request log"

# A typed credential: read from the line (standard input is no
# terminal), sealed, and shown nowhere.
kvl_plain 0 <<EOF
2
1
$SENDGRID
Mail Typed
2
$TYPED
2
1
1
q
5
EOF
kvl_grep "Added connection 'Mail Typed'." "$WORK/plain.out"
cli 0 connection list --output json
conn=$(jq -c '.connections[] | select(.name == "Mail Typed")' "$OUT")
[ "$(jq -r .useKeyVault <<<"$conn")" = false ] ||
	kvl_fail "'Mail Typed' uses Key Vault: $conn"
[ "$(jq -r .audience <<<"$conn")" = admins-and-contributors ] ||
	kvl_fail "'Mail Typed' has another audience: $conn"
for file in "$WORK/plain.out" "$WORK/plain.err" "$OUT" "$KVLINK_LOG_FILE"; do
	if grep -qF "$TYPED" "$file"; then
		kvl_fail "the typed credential shows in $file"
	fi
done
if grep -rqF "$TYPED" "$ENV"; then
	kvl_fail "the typed credential is stored in clear in $ENV"
fi
