#!/bin/bash
# Names are valid UTF-8 everywhere kvlink writes JSON: names the user
# types are checked, and invalid bytes from Azure become U+FFFD.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# valid_utf8 FILE: every line of FILE must be valid UTF-8.
valid_utf8() {
	if LC_ALL=C.UTF-8 grep -naxv '.*' "$1" >"$WORK/bad-lines"; then
		kvl_fail "$1 is not valid UTF-8: $(od -c "$WORK/bad-lines")"
	fi
}

# A tenant whose production subscription's name has invalid bytes, as a
# broken proxy or a tenant file could send them.
kvl_sandbox_start
kvl_sandbox_get /_sandbox/state |
	jq '.subscriptions[0].displayName = "Contoso BADBYTES Production"
	    | del(.vaults[].secrets)' |
	sed $'s/BADBYTES/\xff\xfe/' >"$WORK/tenant.json"
kvl_sandbox_stop
kvl_sandbox_start --tenant "$WORK/tenant.json"
[ "$(LC_ALL=C.UTF-8 grep -caxv '.*' "$WORK/tenant.json")" -gt 0 ] ||
	kvl_fail "the tenant file has no invalid UTF-8 to test with"

cli 0 login

# Names the user types.
cli 2 env create --name $'bad\xff\xfeutf' --region westeurope
kvl_grep "invalid name: it is not valid UTF-8" "$ERR"
cli 2 env create --name $'tab\there' --region westeurope
kvl_grep "it contains control characters" "$ERR"
cli 2 env create --name "$(printf 'n%.0s' $(seq 257))" --region westeurope
kvl_grep "it is too long" "$ERR"
kvl_grep "at most 256 characters" "$ERR"
cli 0 env create --name "$(printf 'n%.0s' $(seq 256))" --region westeurope \
	--output json
kvl_json '.environment.name | length' 256
rm -rf "$ENV"
cli 0 login
cli 0 env create --name "Contoso Ünïcode" --region westeurope

# Names from Azure.
cli 0 list subscriptions --output json
valid_utf8 "$OUT"

cli 0 link --subscription "$S1" --vault kv-ci-prod \
	--accept-privacy-statement --output json
valid_utf8 "$OUT"
valid_utf8 "$ENV/environment.json"
kvl_json '.link.subscriptionName | test("^Contoso .+ Production$")' true
cli 0 status --output json
valid_utf8 "$OUT"
cli 0 env show --output json
valid_utf8 "$OUT"
