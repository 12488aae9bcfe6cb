#!/bin/bash
# A running kvlink has core dumps off (a core file size limit of 0, soft
# and hard) and is not dumpable, so another process of the same user
# cannot read its /proc/PID/environ or attach to it. kvlink is held in
# the middle of a request by a stopped sandbox. Under root, which may
# read any process, both kvlink and the prying process run as the
# unprivileged user nobody (setpriv), and an ordinary process of that
# user shows that the same read works where the flag is not set.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

AS_USER=()
DIR="$WORK/run"
mkdir -p "$DIR/home"
cp "$SANDBOX_CA" "$DIR/ca.pem"
jq --arg ca "$DIR/ca.pem" '.caBundle = $ca' "$SANDBOX_CLOUD" >"$DIR/cloud.json"
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null 2>&1 || {
		echo "SKIP: setpriv (util-linux) is needed to test as root" >&2
		exit 77
	}
	AS_USER=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
	chmod 711 "$WORK"
	chown -R 65534:65534 "$DIR"
fi
KVLINK_PID=
CONTROL_PID=

stop_all() {
	[ -z "$KVLINK_PID" ] || kill -KILL "$KVLINK_PID" 2>/dev/null || true
	[ -z "$CONTROL_PID" ] || kill -KILL "$CONTROL_PID" 2>/dev/null || true
	kvl_cleanup
}
trap stop_all EXIT

# Allow core files in the environment kvlink starts with, as far as the
# hard limit lets, so that its zero is its own doing.
ulimit -S -c "$(ulimit -H -c)" 2>/dev/null || true

# The stopped sandbox accepts the connection but never responds, so
# kvlink waits in its first request until it is killed.
kill -STOP "$SANDBOX_PID"
# No trace log: the suite's log directory is not writable for nobody.
"${AS_USER[@]}" env -u KVLINK_LOG_FILE HOME="$DIR/home" \
	KVLINK_CONTROL=kvlink-environ-marker \
	"$KVLINK" --cloud "$DIR/cloud.json" --env-dir "$DIR/env" \
	--timeout 60 login </dev/null >"$WORK/kvlink.out" 2>&1 &
KVLINK_PID=$!
"${AS_USER[@]}" env KVLINK_CONTROL=control-environ-marker sleep 120 &
CONTROL_PID=$!

# Waits until kvlink has set its limits (right at start-up).
for _ in $(seq 1 100); do
	if grep -Eq '^Max core file size +0 +0 ' \
		"/proc/$KVLINK_PID/limits" 2>/dev/null; then
		break
	fi
	kill -0 "$KVLINK_PID" 2>/dev/null ||
		kvl_fail "kvlink exited early: $(cat "$WORK/kvlink.out")"
	sleep 0.1
done
grep -Eq '^Max core file size +0 +0 ' "/proc/$KVLINK_PID/limits" ||
	kvl_fail "kvlink's core file size limit is not 0:" \
		"$(grep 'core file' "/proc/$KVLINK_PID/limits")"

# The ordinary process's environment is readable by its own user ...
"${AS_USER[@]}" cat "/proc/$CONTROL_PID/environ" >"$WORK/control.env" ||
	kvl_fail "could not read the environment of a process of the same" \
		"user, so this test cannot tell dumpable from not"
grep -qaF control-environ-marker "$WORK/control.env" ||
	kvl_fail "the control process's environment lacks its marker"

# ... but kvlink's is not, and neither is its memory.
if "${AS_USER[@]}" cat "/proc/$KVLINK_PID/environ" \
	>"$WORK/kvlink.env" 2>/dev/null; then
	kvl_fail "a process of the same user read kvlink's environment"
fi
if grep -qaF kvlink-environ-marker "$WORK/kvlink.env"; then
	kvl_fail "kvlink's environment leaked:" \
		"$(tr '\0' ' ' <"$WORK/kvlink.env")"
fi
if "${AS_USER[@]}" head -c 1 "/proc/$KVLINK_PID/mem" >/dev/null 2>&1; then
	kvl_fail "a process of the same user opened kvlink's memory"
fi
# A non-dumpable process's /proc files belong to root.
[ "$(stat -c %u "/proc/$KVLINK_PID/environ")" = 0 ] ||
	kvl_fail "kvlink's /proc/PID/environ belongs to user" \
		"$(stat -c %u "/proc/$KVLINK_PID/environ"), so it is dumpable"
[ "$(stat -c %u "/proc/$CONTROL_PID/environ")" != 0 ] ||
	kvl_fail "the control process's /proc files belong to root"

kill -KILL "$KVLINK_PID"
wait "$KVLINK_PID" 2>/dev/null || true
KVLINK_PID=
kill -CONT "$SANDBOX_PID"
