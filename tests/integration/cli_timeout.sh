#!/bin/bash
# An endpoint that accepts connections but never answers: each request
# ends at --timeout, and a timed-out request is sent once more at most.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

ENV="$WORK/env"
LOG="$WORK/debug.log"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

cli 2 --timeout 0 whoami
kvl_grep "invalid value '0' for --timeout" "$ERR"
cli 2 --timeout 1.5 whoami
cli 2 --timeout 99999 whoami
cli 0 login

# A stopped sandbox still completes TCP handshakes (the kernel queues
# them) but never sends a byte back.
kill -STOP "$SANDBOX_PID"
status=0
"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" --timeout 1 \
	--log-file "$LOG" list subscriptions </dev/null >"$WORK/t.out" \
	2>"$WORK/t.err" || status=$?
kill -CONT "$SANDBOX_PID"
[ "$status" -eq 1 ] ||
	kvl_fail "exit $status, expected 1: $(cat "$WORK/t.err")"
kvl_grep "timed out (the limit is 1 s per request)" "$WORK/t.err"
kvl_grep "--timeout" "$WORK/t.err"

# One request, two attempts, no third.
attempts=$(grep -c "failed: Timeout was reached (attempt" "$LOG" || true)
[ "$attempts" -eq 2 ] ||
	kvl_fail "$attempts attempts timed out, expected 2: $(cat "$LOG")"
kvl_grep "not retrying GET: timed out 2 times" "$LOG"
