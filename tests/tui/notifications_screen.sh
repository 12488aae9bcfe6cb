#!/bin/bash
# The notifications screen at 80x24: its empty states, a list longer
# than the window, untrusted text from the store, a terminal too small,
# NO_COLOR; and the health check at start: keys work while it runs, a
# failure is one line on the status line, and a held link lock stops it.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
DOC="$ENV/environment.json"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }
wizard() {
	kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
	kvl_screen_wait "Signed in as: avery@contoso.test"
}
quit_from_home() {
	kvl_keys q
	kvl_tmux_exit_status 0
	kvl_tmux kill-server
}

# edit_doc FILTER: changes environment.json with jq, as another program
# that wrote the store would.
edit_doc() {
	jq "$1" "$DOC" >"$WORK/doc.json" || kvl_fail "jq $1 failed"
	chmod 600 "$WORK/doc.json"
	mv "$WORK/doc.json" "$DOC"
}

cli 0 login
cli 0 env create --name "Contoso CI" --region westeurope

# No vault linked: no check at start, and r says why.
wizard
kvl_screen_has "Notifications: 0  (press n to view)"
kvl_screen_wait_row 24 "n notifications"
kvl_keys n
kvl_screen_wait "Home > Notifications"
kvl_screen_has "No health check has run yet. Press r to run one."
kvl_keys r
kvl_screen_wait "No key vault is linked, so there is nothing to check."
kvl_keys Escape
kvl_screen_wait "Notifications: 0"
quit_from_home

# A check that found nothing says when it ran. The Home menu leads to
# the screen too.
edit_doc '.lastCheck = "2026-01-02T03:04:05Z" | .notifications = []'
wizard
kvl_type "/Notif"
kvl_screen_wait "(1 of 5)"
kvl_keys Enter
kvl_screen_wait "No problems found at 2026-01-02 03:04:05 UTC."
kvl_keys q
kvl_screen_wait "Notifications: 0"
quit_from_home

# Six notifications do not fit in 80x24. The last stored is the only
# error and is listed first. The first cause carries an escape sequence,
# which must reach the terminal as plain text.
edit_doc '.notifications = [range(6) | {
	id: "test.item-\(.)", severity: (if . == 5 then "error"
		else "recommendation" end),
	cause: (if . == 0 then "red \u001b[31malert\u001b[0m here"
		else "cause number \(.)" end),
	fix: "fix number \(.)", firstSeen: "2026-01-01T00:00:00Z",
	lastSeen: "2026-01-02T03:04:05Z", connections: ["Conn \(.)"]}]'
esc=$(printf '\033')
KVL_NO_COLOR=1 wizard
kvl_screen_has "Notifications: 6  (press n to view)"
kvl_keys n
kvl_screen_wait "6 problem(s) found at 2026-01-02 03:04:05 UTC."
kvl_screen_wait "lines 1-"
kvl_screen | sed -n 6p | grep -qxF " Error: cause number 5" ||
	kvl_fail_screen "the error is not listed first"
kvl_screen_has "Conn 5"
kvl_screen_has "First seen: 2026-01-01 00:00:00 UTC"
kvl_screen_has "Recommendation: red _[31malert_[0m here"
kvl_screen_lacks "Id: test.item-4"
if kvl_screen_attributes | grep -q "$esc\[[34][0-7]m"; then
	kvl_fail_screen "colour escapes under NO_COLOR"
fi
kvl_keys End
kvl_screen_wait "Id: test.item-4"
kvl_screen_lacks "Id: test.item-5"
kvl_keys Home
kvl_screen_wait "Id: test.item-5"
kvl_keys NPage
kvl_screen_wait "Recommendation: cause number 2"
kvl_tmux resize-window -t kvl -x 60 -y 20
kvl_screen_wait "Terminal too small: 60x20, need 80x24"
kvl_tmux resize-window -t kvl -x 80 -y 24
kvl_screen_wait_row 24 "r check again"
kvl_screen_has "Home > Notifications"
kvl_keys Escape
kvl_screen_wait "Notifications: 6"
quit_from_home

# Linked: the check at start replaces the six. While the sandbox is
# stopped the check waits, and keys still work.
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
kill -STOP "$SANDBOX_PID"
wizard
kvl_screen_wait "Notifications: 6  (checking the key vault...)"
kvl_keys n
kvl_screen_wait "Checking the key vault now..."
kvl_keys r
kvl_screen_wait "The health check is already running."
kvl_keys Escape
kvl_screen_wait "(checking the key vault...)"
kill -CONT "$SANDBOX_PID"
kvl_screen_wait "Notifications: 1  (press n to view)"
kvl_keys n
kvl_screen_wait "Id: vault.purge-protection"
kvl_screen_lacks "test.item-"
kvl_keys q
quit_from_home

# Another kvlink linking holds the link lock: the check does not run
# and says why on the status line.
if command -v flock >/dev/null 2>&1; then
	flock "$ENV/link.lock" sleep 30 &
	holder=$!
	for i in $(seq 1 300); do
		flock -n "$ENV/link.lock" true || break
		sleep 0.1
	done
	wizard
	# The message is longer than a row, so it wraps, and in full.
	kvl_screen_wait "Health check failed: another kvlink is linking"
	kvl_screen_wait "wait for it to finish and run again"
	kvl_keys n
	kvl_screen_wait "Home > Notifications"
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	kvl_keys r
	kvl_screen_wait "1 problem(s) found at"
	kvl_keys q
	quit_from_home
fi

# A check that fails is shown on the status line, not in a dialog, and
# the wizard goes on.
kvl_sandbox_stop
wizard
kvl_screen_wait "Health check failed:"
kvl_screen_wait_row 24 "q quit"
kvl_screen_lacks "Enter or Esc closes this message."
kvl_keys n
kvl_screen_wait "Home > Notifications"
kvl_screen_has "Id: vault.purge-protection"
kvl_keys q
quit_from_home
