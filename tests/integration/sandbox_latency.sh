#!/bin/bash
# kvlink-sandbox's --latency and latency faults delay a response without
# holding up other connections. Nothing here is timed: the request log's
# "inFlight" member, which counts the requests that had arrived and were
# not answered yet when a request arrived, and the order of the records
# show whether two requests overlapped.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

# Bad values are rejected before the sandbox starts.
for bad in -1 60001 10ms ''; do
	status=0
	"$KVLINK_SANDBOX" --latency "$bad" >"$WORK/bad.out" \
		2>"$WORK/bad.err" || status=$?
	[ "$status" = 2 ] ||
		kvl_fail "--latency '$bad' exited with $status, expected 2"
	kvl_grep "invalid value '$bad' for --latency" "$WORK/bad.err"
done
"$KVLINK_SANDBOX" --help >"$WORK/help.out"
kvl_grep "--latency MS" "$WORK/help.out"

# requests: writes the recorded requests of the running sandbox, as an
# array, to $WORK/requests.json.
requests() {
	kvl_sandbox_get /_sandbox/requests | jq .value >"$WORK/requests.json"
}

# Two requests sent at once on two connections, with a fixed latency of
# 1.5 s each: the later arrival must find the first one still in flight.
# A server that served one request at a time would only start the second
# once the first was answered, and record inFlight 0 for both.
kvl_sandbox_start --latency 1500
kvl_curl -Z -o /dev/null -o /dev/null \
	"$SANDBOX_URL/arm/subscriptions?api-version=2022-12-01" \
	"$SANDBOX_URL/graph/v1.0/me" 2>"$WORK/parallel.err" ||
	kvl_fail "the two requests with latency failed:" \
		"$(cat "$WORK/parallel.err")"
requests
kvl_json 'length' 2 "$WORK/requests.json"
kvl_json '[.[].inFlight] | sort | .[0]' 0 "$WORK/requests.json"
kvl_json '[.[].inFlight] | sort | .[1]' 1 "$WORK/requests.json"
# Control routes are neither delayed nor counted.
kvl_json '[.[] | select(.path | startswith("/_sandbox"))] | length' 0 \
	"$WORK/requests.json"
kvl_sandbox_stop

# A latency fault on one path holds only its own request: a request to
# another path, sent while the delayed one waits, is answered first and
# records the delayed one as in flight.
kvl_sandbox_start
kvl_sandbox_post /_sandbox/faults '{"rules": [{"path": "/graph/*",
	"kind": "latency", "ms": 3000}]}' >/dev/null
kvl_curl -o /dev/null "$SANDBOX_URL/graph/v1.0/me" &
slow=$!
# The delayed request is in flight once the sandbox counted it for the
# rule; only then is the second one sent.
for i in $(seq 1 $((100 * KVL_TIMEOUT_SCALE))); do
	kvl_sandbox_get /_sandbox/faults >"$WORK/faults.json"
	[ "$(jq -r '.rules[0].matched' "$WORK/faults.json")" = 1 ] && break
	sleep 0.05
done
kvl_json '.rules[0].matched' 1 "$WORK/faults.json"
kvl_curl -o /dev/null "$SANDBOX_URL/arm/subscriptions?api-version=2022-12-01"
wait "$slow" || kvl_fail "the delayed request failed"
requests
kvl_json 'length' 2 "$WORK/requests.json"
kvl_json '.[0].path' /arm/subscriptions "$WORK/requests.json"
kvl_json '.[0].inFlight' 1 "$WORK/requests.json"
kvl_json '.[1].path' /graph/v1.0/me "$WORK/requests.json"
kvl_json '.[1].fault' latency "$WORK/requests.json"
kvl_json '.[1].inFlight' 0 "$WORK/requests.json"
