#!/bin/bash
# kvlink-sandbox's fault injection (/_sandbox/faults), checked with curl
# on the wire: each fault kind, the request count a rule starts at and
# how many requests it covers, the counters, the request log, and the
# tenant checkpoint that /_sandbox/restore brings back.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

SUBS=/arm/subscriptions
API='api-version=2022-12-01'

faults() {
	kvl_sandbox_post /_sandbox/faults "{\"rules\": [$1]}" >/dev/null
}

clear_faults() {
	kvl_curl -f -X DELETE "$SANDBOX_URL/_sandbox/faults" >/dev/null ||
		kvl_fail "DELETE /_sandbox/faults failed"
}

# get PATH: GETs PATH without a token into $WORK/body and $WORK/headers;
# sets CODE to the HTTP status and RC to curl's exit status.
get() {
	RC=0
	CODE=$(kvl_curl -o "$WORK/body" -D "$WORK/headers" \
		-w '%{http_code}' "$SANDBOX_URL$1") || RC=$?
}

# header NAME: the value of one response header of the last get.
header() {
	tr -d '\r' <"$WORK/headers" |
		awk -v name="$(echo "$1" | tr 'A-Z' 'a-z')" -F': ' \
			'tolower($1) == name { print $2 }'
}

expect_code() {
	[ "$CODE" = "$1" ] || kvl_fail "$2: HTTP $CODE, expected $1"
}

# Bad rules are rejected whole, with the rule's number and the problem.
for bad in '{"kind": "status", "status": 503}' \
	   '{"path": "/arm/*", "kind": "teapot"}' \
	   '{"path": "/arm/*", "kind": "status"}' \
	   '{"path": "/arm/*", "kind": "latency"}' \
	   '{"path": "/arm/*", "kind": "reset", "nth": 0}' \
	   '{"path": "/arm/*", "kind": "oversized", "bytes": 10}'; do
	code=$(kvl_curl -o "$WORK/bad.json" -w '%{http_code}' \
		-H 'Content-Type: application/json' \
		--data-binary "{\"rules\": [{\"path\": \"/x\", \"kind\": \
\"reset\"}, $bad]}" "$SANDBOX_URL/_sandbox/faults")
	[ "$code" = 400 ] || kvl_fail "rule $bad gave HTTP $code, not 400"
	kvl_grep "Fault rule 1" "$WORK/bad.json"
done
kvl_sandbox_get /_sandbox/faults >"$WORK/list.json"
kvl_json '.rules | length' 0 "$WORK/list.json"

# Without a fault, a call with no token gets Resource Manager's 401.
get "$SUBS?$API"
expect_code 401 "no fault"

# A 429 with Retry-After on the second matching GET only, in Resource
# Manager's error shape with both request id headers.
faults '{"method": "GET", "path": "/arm/subscriptions", "nth": 2,
	 "kind": "status", "status": 429, "retryAfter": 7}'
get "$SUBS?$API"
expect_code 401 "first request under an nth 2 rule"
get "$SUBS?$API"
expect_code 429 "second request under an nth 2 rule"
[ "$(header Retry-After)" = 7 ] || kvl_fail "Retry-After is not 7"
jq -e '.error.code == "TooManyRequests"' "$WORK/body" >/dev/null ||
	kvl_fail "the 429 body is not Resource Manager's: $(cat "$WORK/body")"
[ -n "$(header x-ms-correlation-request-id)" ] ||
	kvl_fail "the 429 has no x-ms-correlation-request-id"
[ -n "$(header x-ms-request-id)" ] ||
	kvl_fail "the 429 has no x-ms-request-id"
get "$SUBS?$API"
expect_code 401 "third request under an nth 2 rule"
# A POST does not match a GET rule.
kvl_curl -o /dev/null -X POST "$SANDBOX_URL$SUBS?$API" || true
kvl_sandbox_get /_sandbox/faults >"$WORK/list.json"
kvl_json '.rules[0].matched' 3 "$WORK/list.json"
kvl_json '.rules[0].fired' 1 "$WORK/list.json"
clear_faults

# 500 and 503 without Retry-After, twice in a row (count 2); Key Vault's
# and Graph's own error shapes.
faults '{"path": "/kv/kv-ci-prod/*", "count": 2, "kind": "status",
	 "status": 503}'
for i in 1 2; do
	get "/kv/kv-ci-prod/secrets?api-version=7.5"
	expect_code 503 "Key Vault request $i"
	[ -z "$(header Retry-After)" ] || kvl_fail "a 503 sent Retry-After"
	[ "$(header x-ms-error-code)" = ServiceUnavailable ] ||
		kvl_fail "the Key Vault 503 has no x-ms-error-code"
done
get "/kv/kv-ci-prod/secrets?api-version=7.5"
expect_code 401 "Key Vault request after count 2"
faults '{"path": "/graph/*", "kind": "status", "status": 500}'
get "/graph/v1.0/servicePrincipals"
expect_code 500 "Graph request"
jq -e '.error.innerError["request-id"] | length > 0' "$WORK/body" \
	>/dev/null || kvl_fail "the Graph 500 lacks innerError"
clear_faults

# count 0: every matching request from nth on.
faults '{"path": "/arm/*", "nth": 2, "count": 0, "kind": "status",
	 "status": 500}'
get "$SUBS?$API"
expect_code 401 "count 0, first request"
for i in 1 2 3; do
	get "$SUBS?$API"
	expect_code 500 "count 0, request $((i + 1))"
done
clear_faults

# A gateway's HTML page where JSON belongs, by default with status 200.
faults '{"path": "/arm/*", "kind": "html"}'
get "$SUBS?$API"
expect_code 200 "html fault"
case "$(header Content-Type)" in
text/html*) ;;
*) kvl_fail "html fault sent Content-Type $(header Content-Type)" ;;
esac
kvl_grep "<html>" "$WORK/body"
! jq . "$WORK/body" >/dev/null 2>&1 || kvl_fail "the HTML page parsed"
faults '{"path": "/arm/*", "kind": "html", "status": 502}'
get "$SUBS?$API"
expect_code 502 "html fault with status 502"
clear_faults

# A reset closes the connection with no response at all (curl 52).
faults '{"path": "/arm/*", "kind": "reset"}'
get "$SUBS?$API"
[ "$RC" = 52 ] || kvl_fail "reset: curl exited $RC, expected 52"
get "$SUBS?$API"
expect_code 401 "request after the reset"
# With afterApply the route runs first: its 401 is in the record.
faults '{"path": "/arm/*", "kind": "reset", "afterApply": true}'
get "$SUBS?$API"
[ "$RC" = 52 ] || kvl_fail "afterApply reset: curl exited $RC"
kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
kvl_json '[.value[] | select(.fault == "reset") | .status] | join(",")' \
	"0,401" "$WORK/requests.json"

# A truncated body declares its full length and stops halfway (curl 18).
faults '{"path": "/arm/*", "kind": "truncated"}'
get "$SUBS?$API"
[ "$RC" = 18 ] || kvl_fail "truncated: curl exited $RC, expected 18"
declared=$(header Content-Length)
got=$(wc -c <"$WORK/body")
[ "$got" -gt 0 ] && [ "$got" -lt "$declared" ] ||
	kvl_fail "truncated: got $got of $declared bytes"

# Cut JSON is complete HTTP with half a document.
faults '{"path": "/arm/*", "kind": "cut-json"}'
get "$SUBS?$API"
[ "$RC" = 0 ] || kvl_fail "cut-json: curl exited $RC"
expect_code 401 "cut-json keeps the route's status"
[ "$(header Content-Length)" = "$(wc -c <"$WORK/body")" ] ||
	kvl_fail "cut-json: Content-Length does not match the body"
! jq . "$WORK/body" >/dev/null 2>&1 || kvl_fail "the cut JSON parsed"

# Oversized bodies: valid JSON of exactly the asked size, with and
# without Content-Length.
faults '{"path": "/arm/*", "kind": "oversized", "bytes": 300000},
	{"path": "/arm/*", "nth": 2, "kind": "oversized", "bytes": 200000,
	 "chunked": true}'
get "$SUBS?$API"
expect_code 200 "oversized"
[ "$(header Content-Length)" = 300000 ] ||
	kvl_fail "oversized: Content-Length $(header Content-Length)"
[ "$(wc -c <"$WORK/body")" = 300000 ] || kvl_fail "oversized: wrong size"
kvl_json '.value | length' 0 "$WORK/body"
get "$SUBS?$API"
expect_code 200 "chunked oversized"
[ -z "$(header Content-Length)" ] ||
	kvl_fail "chunked oversized sent Content-Length"
[ "$(wc -c <"$WORK/body")" = 200000 ] ||
	kvl_fail "chunked oversized: wrong size"
kvl_json '.padding | length > 100000' true "$WORK/body"
clear_faults

# Latency delays the response, which is the route's own.
faults '{"path": "/arm/*", "kind": "latency", "ms": 400}'
seconds=$(kvl_curl -o /dev/null -w '%{time_total}' "$SANDBOX_URL$SUBS?$API")
awk -v s="$seconds" 'BEGIN { exit !(s >= 0.4) }' ||
	kvl_fail "latency 400 ms: the response came after $seconds s"

# Control routes are never faulted, and the request log names the fault
# and both ids of each faulted request.
faults '{"path": "*", "count": 0, "kind": "reset"}'
kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
kvl_json '[.value[] | select(.fault == "reset")] | length' 2 \
	"$WORK/requests.json"
kvl_json '[.value[] | select(.fault != null)] | map(.fault) | unique |
	join(",")' "cut-json,html,latency,oversized,reset,status,truncated" \
	"$WORK/requests.json"
kvl_json '[.value[] | select(.correlationId | length != 36)] | length' 0 \
	"$WORK/requests.json"

# reset also clears the rules.
kvl_sandbox_post /_sandbox/reset '{}' >/dev/null
kvl_sandbox_get /_sandbox/faults >"$WORK/list.json"
kvl_json '.rules | length' 0 "$WORK/list.json"

# A checkpoint of the tenant comes back with restore, which also drops
# the rules and the request records.
code=$(kvl_curl -o /dev/null -w '%{http_code}' -X POST \
	"$SANDBOX_URL/_sandbox/restore")
[ "$code" = 409 ] || kvl_fail "restore without a checkpoint gave $code"
kvl_sandbox_post /_sandbox/checkpoint '{}' >/dev/null
before=$(kvl_sandbox_get /_sandbox/state | jq -S .)
kvl_sandbox_post /_sandbox/break \
	'{"vault": "kv-ci-prod", "action": "firewall-on"}' >/dev/null
[ "$(kvl_sandbox_get /_sandbox/state | jq -S .)" != "$before" ] ||
	kvl_fail "the break changed nothing"
faults '{"path": "/arm/*", "kind": "reset"}'
kvl_sandbox_post /_sandbox/restore '{}' >/dev/null
[ "$(kvl_sandbox_get /_sandbox/state | jq -S .)" = "$before" ] ||
	kvl_fail "restore did not bring the checkpoint back"
kvl_sandbox_get /_sandbox/faults >"$WORK/list.json"
kvl_json '.rules | length' 0 "$WORK/list.json"
kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
kvl_json '.value | length' 0 "$WORK/requests.json"

# --faults FILE starts the sandbox with the file's rules; a bad file
# stops it with the file named.
cat >"$WORK/rules.json" <<'RULES'
{"rules": [{"path": "/arm/*", "kind": "status", "status": 503}]}
RULES
kvl_sandbox_stop
kvl_sandbox_start --faults "$WORK/rules.json"
get "$SUBS?$API"
expect_code 503 "rule from --faults"
get "$SUBS?$API"
expect_code 401 "request after the --faults rule"
echo '{"rules": [{"path": "/arm/*", "kind": "teapot"}]}' >"$WORK/bad.json"
rc=0
"$KVLINK_SANDBOX" --port 0 --faults "$WORK/bad.json" \
	>/dev/null 2>"$WORK/bad.err" || rc=$?
[ "$rc" = 1 ] || kvl_fail "a bad --faults file gave exit $rc, not 1"
kvl_grep "bad.json" "$WORK/bad.err"
kvl_grep "Fault rule 0" "$WORK/bad.err"

echo "sandbox_faults: all checks passed"
