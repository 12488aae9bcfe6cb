#!/bin/bash
# Line mode with bad input on standard input. A number out of range,
# letters, an empty line and an over-long line each get a message and
# the prompt again, and so does an invalid setting. Input that ends
# halfway through the link flow or Add connection ends kvlink with
# status 1 and a message, and nothing is written to the store or Azure.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/integration/plain.sh"
kvl_sandbox_start

ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

cli 0 login
cli 0 env create --name "Contoso CI" --region westeurope

# Home: each invalid input line gets its own message. End of input at
# Home is a normal end (status 0).
long=$(head -c 5000 /dev/zero | tr '\0' 7)
kvl_plain 0 <<EOF
9
0
abc
1x

$long
EOF
kvl_grep "'9' is not one of the choices; type a number from 1 to 5, or q \
to go back." "$WORK/plain.out"
kvl_grep "'0' is not one of the choices" "$WORK/plain.out"
kvl_grep "'abc' is not one of the choices" "$WORK/plain.out"
kvl_grep "'1x' is not one of the choices" "$WORK/plain.out"
kvl_grep "No choice given; type a number from 1 to 5" "$WORK/plain.out"
kvl_grep "The answer is longer than 4096 bytes; type a shorter one." \
	"$WORK/plain.out"
kvl_grep "End of input; leaving line mode." "$WORK/plain.out"
[ "$(grep -c "Choose 1-5, or q to go back:" "$WORK/plain.out")" -eq 7 ] ||
	kvl_fail "expected the Home prompt 7 times: $(cat "$WORK/plain.out")"
[ ! -s "$WORK/plain.err" ] ||
	kvl_fail "line mode wrote to stderr: $(cat "$WORK/plain.err")"

# q on the first step goes back to Home, and 5 quits.
kvl_plain 0 <<<"1
q
5"
[ "$(grep -c "^Home$" "$WORK/plain.out")" -eq 2 ] ||
	kvl_fail "q did not go back to Home: $(cat "$WORK/plain.out")"

# The input ends on the privacy step: nothing is granted or saved.
kvl_plain_link_numbers
cp "$ENV/environment.json" "$WORK/before.json"
kvl_sandbox_get /_sandbox/requests | jq -c '.value[]' >"$WORK/before.jsonl"
kvl_plain 1 <<EOF
1
$SUB
$GROUP
$VAULT
1
EOF
kvl_grep "Step 5 of 6" "$WORK/plain.out"
kvl_grep "Input ended before the step was finished; nothing more was saved." \
	"$WORK/plain.out"
cmp -s "$ENV/environment.json" "$WORK/before.json" ||
	kvl_fail "the environment changed although the link was not saved"
kvl_sandbox_get /_sandbox/requests | jq -c '.value[]' >"$WORK/after.jsonl"
new_writes=$(tail -n +"$(($(wc -l <"$WORK/before.jsonl") + 1))" \
	"$WORK/after.jsonl" | jq -s '[.[] | select(.method == "PUT" or
	.method == "PATCH" or .method == "DELETE")] | length')
[ "$new_writes" -eq 0 ] || kvl_fail "the unfinished link wrote to Azure"
cli 0 status --output json
[ "$(jq -r .vault "$OUT")" = null ] ||
	kvl_fail "a vault is linked after the input ended: $(cat "$OUT")"

# Add connection: an invalid port and an empty required setting are
# named and requested again. Then the input ends on the review, before
# the save. The typed password is never echoed.
cli 0 connection types --output json
SFTP=$(jq '[.types[].id] | index("sftp") + 1' "$OUT")
kvl_plain 1 <<EOF
2
1
$SFTP
Nightly SFTP
sftp.contoso.test
abc
99999
2222

partner
/exports
hunter2-not-real


1
1
EOF
kvl_grep "Save?" "$WORK/plain.out"
kvl_grep "invalid Port (port) 'abc': expected a port number from 1 to 65535; \
type another value, or q to go back." "$WORK/plain.out"
[ "$(grep -c "; type another value, or q to go back." \
	"$WORK/plain.out")" -eq 3 ] ||
	kvl_fail "expected 3 invalid values (abc, 99999, empty user):" \
		 "$(cat "$WORK/plain.out")"
kvl_grep "Input ended before the step was finished" "$WORK/plain.out"
if grep -qF "hunter2-not-real" "$WORK/plain.out" "$WORK/plain.err"; then
	kvl_fail "the typed password was echoed"
fi
cli 0 connection list --output json
[ "$(jq '.connections | length' "$OUT")" -eq 0 ] ||
	kvl_fail "a connection was saved although the input ended:" \
		 "$(cat "$OUT")"
cmp -s "$ENV/environment.json" "$WORK/before.json" ||
	kvl_fail "the environment changed although nothing was saved"

# A name already taken is asked again.
kvl_plain 0 <<EOF
2
1
$SFTP
Nightly SFTP
sftp.contoso.test

partner
/exports
hunter2-not-real


2
1
1
q
5
EOF
kvl_grep "Added connection 'Nightly SFTP'." "$WORK/plain.out"
kvl_plain 1 <<EOF
2
1
$SFTP
nightly sftp
EOF
kvl_grep "A connection named 'nightly sftp' already exists" "$WORK/plain.out"
