#!/bin/bash
# The text of kvlink check. Errors are listed before recommendations. A
# request that the vault's firewall blocks gets the firewall's fix, not a
# request for access, and Azure's line breaks show as spaces. An option
# that check does not take is a usage error naming that option.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

break_vault() {
	kvl_curl -f -H 'Content-Type: application/json' \
		-d "{\"vault\":\"kv-ci-prod\",$1}" \
		"$SANDBOX_URL/_sandbox/break" >/dev/null ||
		kvl_fail "POST /_sandbox/break $1 failed"
}

# first_line PATTERN: the number of the first line of $OUT that
# contains PATTERN, or 0.
first_line() {
	grep -nF -- "$1" "$OUT" | head -n1 | cut -d: -f1 | grep . || echo 0
}
last_line() {
	grep -nF -- "$1" "$OUT" | tail -n1 | cut -d: -f1 | grep . || echo 0
}

# Options that check does not take: a usage error naming the option,
# before any check of its value.
cli 2 check --vault x
kvl_grep "option '--vault' does not apply to this command" "$ERR"
if grep -q "invalid key vault name" "$ERR"; then
	kvl_fail "check judged the value of an option it does not take"
fi
cli 2 check --subscription not-a-guid
kvl_grep "option '--subscription' does not apply" "$ERR"
# Where the option applies, its value is still checked.
cli 2 link --subscription "$S1" --vault x --accept-privacy-statement
kvl_grep "invalid key vault name 'x'" "$ERR"

cli 0 login
cli 0 env create --name Contoso --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 connection add --type sftp --name Files \
	--field host=sftp.contoso.test --field username=exporter \
	--field folder=/exports --use-key-vault --secret password=sftp-password \
	--accept-privacy-statement

# kv-ci-prod gives recommendations; a disabled secret adds an error,
# which comes first in the text and in the JSON.
break_vault '"action":"disable-secret","secret":"sftp-password"'
cli 5 check
errors_end=$(last_line "Error [")
recommendations_start=$(first_line "Recommendation [")
[ "$errors_end" -gt 0 ] || kvl_fail "check listed no error: $(cat "$OUT")"
[ "$recommendations_start" -gt 0 ] ||
	kvl_fail "check listed no recommendation: $(cat "$OUT")"
[ "$errors_end" -lt "$recommendations_start" ] ||
	kvl_fail "check listed a recommendation before an error: $(cat "$OUT")"
cli 5 check --output json
kvl_json '[.findings[].severity] | . == sort' true

# The firewall blocks the listing of secrets: the fix is the firewall's.
break_vault '"action":"firewall-on"'
cli 5 check
kvl_grep "firewall blocks the request" "$OUT"
kvl_grep "allow public access" "$OUT"
kvl_grep "ForbiddenByFirewall" "$OUT"
kvl_grep "trusted service. Client address: " "$OUT"
if grep -q "ask an owner" "$OUT"; then
	kvl_fail "a firewall block was advised as missing access: $(cat "$OUT")"
fi
if grep -q "__" "$OUT"; then
	kvl_fail "Azure's line breaks were shown as '__': $(cat "$OUT")"
fi
echo "cli_check_text: all checks passed"
