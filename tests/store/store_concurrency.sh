#!/bin/bash
# Many kvlink processes changing one environment at once lose no update.
# The test holds the store lock (flock on environment.lock) while it
# starts the writers and releases it only once every writer has read the
# environment and waits for the lock. So all but the first save apply
# their change to a newer revision than the one they read.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

command -v flock >/dev/null 2>&1 || {
	echo "SKIP: flock (util-linux) is not installed" >&2
	exit 77
}

ADDERS=20
SAME_FIELD=5
ENV="$WORK/env"
LOCK="$ENV/environment.lock"
GO="$WORK/go"
HOLDER=
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

cli 0 login
cli 0 env create --name Contoso --region westeurope
# The writers below run on the cached token and send no request.
kvl_sandbox_stop

# Takes the store lock in the background until $GO exists.
hold_lock() {
	rm -f "$GO"
	flock "$LOCK" sh -c "while [ ! -e '$GO' ]; do sleep 0.05; done" &
	HOLDER=$!
	wait_for_waiters 0
}

# The lines of /proc/locks about the store lock: one per holder, and one
# with "->" per process waiting for it.
lock_lines() {
	local inode

	inode=$(stat -c %i "$LOCK")
	grep -E " [0-9a-f]+:[0-9a-f]+:$inode " /proc/locks || true
}

# Waits until the lock is held and N processes wait for it.
wait_for_waiters() {
	local i lines held waiting

	for i in $(seq 1 600); do
		lines=$(lock_lines)
		held=$(grep -vc -- '->' <<<"$lines" || true)
		waiting=$(grep -c -- '->' <<<"$lines" || true)
		if [ -n "$lines" ] && [ "$held" -ge 1 ] &&
		   [ "$waiting" -ge "$1" ]; then
			return 0
		fi
		sleep 0.05
	done
	kvl_fail "$1 kvlink processes did not all wait for $LOCK in 30 s"
}

release_lock() {
	touch "$GO"
	wait "$HOLDER" || kvl_fail "the lock holder failed"
	HOLDER=
}

# Starts one kvlink in the background: writer NAME ARG...; its output goes
# to $WORK/NAME.out and .err, its debug log to $WORK/NAME.log.
writer() {
	local name=$1
	shift

	"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
		--log-file "$WORK/$name.log" "$@" \
		<"$WORK/password" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	PIDS+=("$!")
	NAMES+=("$name")
}

# Waits for every writer and counts the exit statuses in STATUS_0 and
# STATUS_OTHER; each failed writer's name goes to FAILED.
wait_writers() {
	local i status

	STATUS_0=0
	STATUS_OTHER=0
	FAILED=()
	for i in "${!PIDS[@]}"; do
		status=0
		wait "${PIDS[$i]}" || status=$?
		if [ "$status" -eq 0 ]; then
			STATUS_0=$((STATUS_0 + 1))
		else
			STATUS_OTHER=$((STATUS_OTHER + 1))
			FAILED+=("${NAMES[$i]}:$status")
		fi
	done
	PIDS=()
	NAMES=()
}

# Counts the writers whose debug log records a save over a newer
# revision than the one they read.
count_reapplied() {
	grep -l "changed since it was read" "$WORK"/"$1"*.log 2>/dev/null |
		wc -l
}

printf 'not-a-real-password\n' >"$WORK/password"
PIDS=()
NAMES=()

# No connection has a credential yet, so the adders create
# credentials.key at the same moment, and each must seal with the one key
# that ends up on disk.
hold_lock
for i in $(seq 1 "$ADDERS"); do
	writer "add-$i" connection add --type sftp --name "Export $i" \
		--field host="h$i.example.test" --field username="u$i" \
		--field folder="/out/$i" --credential-stdin password \
		--accept-privacy-statement
done
wait_for_waiters "$ADDERS"
release_lock
wait_writers
[ "$STATUS_OTHER" -eq 0 ] || {
	cat "$WORK"/add-*.err >&2
	kvl_fail "adders failed: ${FAILED[*]}"
}
added_late=$(count_reapplied add-)
[ "$added_late" -eq $((ADDERS - 1)) ] ||
	kvl_fail "$added_late adders saved over a newer revision," \
		"expected $((ADDERS - 1))"

cli 0 env show --output json
kvl_json '.environment.revision' $((1 + ADDERS))
cli 0 connection list --output json
kvl_json '.connections | length' "$ADDERS"
for i in $(seq 1 "$ADDERS"); do
	cli 0 connection show "Export $i" --output json
	kvl_json '.connection.fields.host' "h$i.example.test"
	kvl_json '.connection.fields.folder' "/out/$i"
	kvl_json '.connection.typedCredentials | join(",")' password
	kvl_json '.connection.undecryptableCredentials | length' 0
done
adds_saved=$ADDERS

# Edits of different fields of one connection all arrive.
hold_lock
writer edit-host connection edit "Export 1" --field host=new.example.test
writer edit-port connection edit "Export 1" --field port=2222
writer edit-user connection edit "Export 1" --field username=renamed
writer edit-audience connection edit "Export 1" \
	--audience admins-and-contributors
writer edit-rename connection edit "Export 2" --rename "Export Two"
wait_for_waiters 5
release_lock
wait_writers
[ "$STATUS_OTHER" -eq 0 ] || {
	cat "$WORK"/edit-*.err >&2
	kvl_fail "edits of different fields failed: ${FAILED[*]}"
}
edits_saved=$STATUS_0
cli 0 connection show "Export 1" --output json
kvl_json '.connection.fields.host' new.example.test
kvl_json '.connection.fields.port' 2222
kvl_json '.connection.fields.username' renamed
kvl_json '.connection.fields.folder' /out/1
kvl_json '.connection.audience' admins-and-contributors
kvl_json '.connection.typedCredentials | join(",")' password
kvl_json '.connection.undecryptableCredentials | length' 0
cli 0 connection show "Export Two" --output json
kvl_json '.connection.fields.host' h2.example.test

# Edits of the same field: the first one saved wins, and every other
# stops with a message naming the field and saves nothing.
hold_lock
for i in $(seq 1 "$SAME_FIELD"); do
	writer "same-$i" connection edit "Export 3" --field folder="/same/$i"
done
wait_for_waiters "$SAME_FIELD"
release_lock
wait_writers
[ "$STATUS_0" -eq 1 ] ||
	kvl_fail "$STATUS_0 edits of the same field were saved, expected 1"
winner=
for i in $(seq 1 "$SAME_FIELD"); do
	if [ -s "$WORK/same-$i.out" ]; then
		winner=$i
		continue
	fi
	kvl_grep "another kvlink changed 'folder' of connection 'Export 3'" \
		"$WORK/same-$i.err"
	kvl_grep "nothing was saved" "$WORK/same-$i.err"
done
[ -n "$winner" ] || kvl_fail "no edit of the same field reported success"
cli 0 connection show "Export 3" --output json
kvl_json '.connection.fields.folder' "/same/$winner"
stopped=$STATUS_OTHER

# Two deletes of one connection: one deletes it, and the other reports
# that it is gone.
hold_lock
writer delete-a connection delete "Export 4" --yes
writer delete-b connection delete "Export 4" --yes
wait_for_waiters 2
release_lock
wait_writers
[ "$STATUS_0" -eq 1 ] && [ "$STATUS_OTHER" -eq 1 ] ||
	kvl_fail "expected one delete to succeed and one to fail:" \
		"${FAILED[*]}"
[ "${FAILED[0]#*:}" -eq 3 ] ||
	kvl_fail "the second delete exited with ${FAILED[0]#*:}, expected 3"
kvl_grep "another kvlink deleted connection 'Export 4'" \
	"$WORK/${FAILED[0]%:*}.err"

cli 0 env show --output json
kvl_json '.environment.revision' $((1 + ADDERS + edits_saved + 1 + 1))
cli 0 connection list --output json
kvl_json '.connections | length' $((ADDERS - 1))

kvl_figure 21-concurrent-writers "Concurrent writers of one environment" \
	"$adds_saved of $ADDERS concurrent adds and $edits_saved of 5 edits \
of different fields saved, none lost; $stopped of $SAME_FIELD edits of \
one field stopped with a conflict message"
