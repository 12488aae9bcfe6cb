# Helpers for driving the wizard inside tmux. Source after tests/lib.sh
# and kvl_test_init:
#
#   . "$KVL_SRCDIR/tests/tui/tmux.sh"
#   kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env"
#   kvl_screen_wait "Sign in"
#   kvl_keys Enter
#
# tmux runs on a private socket in $WORK, so a test never touches the
# user's tmux server. Screens are polled a bounded number of times; no
# step depends on a fixed sleep.

TMUX_CMD=${TMUX_BIN:-}
[ -n "$TMUX_CMD" ] || TMUX_CMD=$(command -v tmux || true)
if [ -z "$TMUX_CMD" ]; then
	echo "SKIP: tmux is not installed" \
	     "(scripts/install-deps installs it)" >&2
	exit 77
fi

# Every kvl_tmux_start gets a socket of its own: a server that a test has
# just killed may still be closing its socket, and a new session on the
# same path would reach it and fail with "server exited unexpectedly".
TMUX_SESSIONS=0
TMUX_SOCKET="$WORK/tmux.0.sock"
# Tries of kvl_screen_wait, 0.1 s apart: 30 s, enough for a device code
# sign-in against a sandbox that wants a poll every second. Under
# valgrind KVL_TIMEOUT_SCALE (tests/lib.sh) multiplies it.
KVL_SCREEN_TRIES=${KVL_SCREEN_TRIES:-$((300 * KVL_TIMEOUT_SCALE))}

kvl_tmux() {
	"$TMUX_CMD" -u -S "$TMUX_SOCKET" -f /dev/null "$@"
}

kvl_tmux_cleanup() {
	local socket

	for socket in "$WORK"/tmux.*.sock; do
		[ -S "$socket" ] || continue
		"$TMUX_CMD" -S "$socket" kill-server >/dev/null 2>&1 || true
	done
	kvl_cleanup
}
trap kvl_tmux_cleanup EXIT

# kvl_tmux_start COLS ROWS ARG...: runs kvlink ARG... in a new tmux window
# of COLS x ROWS, with NO_COLOR set to $KVL_NO_COLOR (empty by default,
# so that the developer's own NO_COLOR does not leak in). A wrapper
# records kvlink's pid in $WORK/kvlink.pid and, when kvlink ends, its
# exit status in $WORK/kvlink.status and the terminal settings it left
# behind (stty -a) in $WORK/stty.out.
#
# The wizard shows an introduction over its first screen the first time
# it runs for an environment directory. Unless KVL_TUI_INTRO is 1, the
# directory given with --env-dir is marked as having seen it
# (kvl_intro_seen), so that tests see the screens themselves.
kvl_tmux_start() {
	local cols=$1 rows=$2 wrapper="$WORK/run-kvlink.sh" arg previous=
	shift 2

	if [ "${KVL_TUI_INTRO:-0}" != 1 ]; then
		for arg in "$@"; do
			[ "$previous" != --env-dir ] || kvl_intro_seen "$arg"
			previous=$arg
		done
	fi

	cat >"$wrapper" <<'WRAPPER'
#!/bin/sh
work=$1
shift
sh -c 'echo $$ >"$0/kvlink.pid.tmp" && mv "$0/kvlink.pid.tmp" \
	"$0/kvlink.pid" && exec "$@"' "$work" "$@"
status=$?
stty -a >"$work/stty.out.tmp" 2>&1
mv "$work/stty.out.tmp" "$work/stty.out"
echo "$status" >"$work/kvlink.status.tmp"
mv "$work/kvlink.status.tmp" "$work/kvlink.status"
echo "kvlink exited with status $status"
exec sleep 600
WRAPPER
	chmod +x "$wrapper"
	rm -f "$WORK/kvlink.pid" "$WORK/kvlink.status" "$WORK/stty.out"
	TMUX_SESSIONS=$((TMUX_SESSIONS + 1))
	TMUX_SOCKET="$WORK/tmux.$TMUX_SESSIONS.sock"
	kvl_tmux new-session -d -s kvl -x "$cols" -y "$rows" \
		-e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 -e TERM=screen \
		-e NO_COLOR="${KVL_NO_COLOR:-}" \
		"$wrapper" "$WORK" "$KVLINK" "$@" ||
		kvl_fail "tmux could not start a session"
	kvl_wait_file "$WORK/kvlink.pid"
}

# kvl_intro_seen DIR: marks the environment directory DIR (created with
# mode 0700 when missing) as one where the wizard's introduction was
# shown, for a test that starts the wizard without kvl_tmux_start.
kvl_intro_seen() {
	[ -d "$1" ] || mkdir -m 700 "$1"
	: >"$1/wizard-intro-seen"
}

# kvl_tmux_shell COLS ROWS: starts an interactive dash with job control
# in $WORK, in a new tmux window of COLS x ROWS, for tests that check the
# state in which kvlink leaves the shell's terminal. dash has no line editor and
# does not save or restore terminal modes around a job, so what a test
# reads with stty afterwards is what kvlink left behind.
kvl_tmux_shell() {
	command -v dash >/dev/null 2>&1 || {
		echo "SKIP: dash is not installed" >&2
		exit 77
	}
	TMUX_SESSIONS=$((TMUX_SESSIONS + 1))
	TMUX_SOCKET="$WORK/tmux.$TMUX_SESSIONS.sock"
	kvl_tmux new-session -d -s kvl -x "$1" -y "$2" -c "$WORK" \
		-e LANG=C.UTF-8 -e LC_ALL=C.UTF-8 -e TERM=screen \
		-e NO_COLOR="${KVL_NO_COLOR:-}" -e ENV= \
		-e PS1='kvl-shell$ ' dash -im ||
		kvl_fail "tmux could not start a shell"
	kvl_screen_wait 'kvl-shell$'
}

# kvl_tmux_flag NAME: prints the tmux format variable #{NAME} of the
# pane, such as alternate_on or cursor_flag.
kvl_tmux_flag() {
	kvl_tmux display-message -p -t kvl "#{$1}"
}

# kvl_tmux_wait_flag NAME VALUE: polls until #{NAME} is VALUE.
kvl_tmux_wait_flag() {
	local i

	for i in $(seq 1 "$KVL_SCREEN_TRIES"); do
		[ "$(kvl_tmux_flag "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	kvl_fail_screen "#{$1} never became $2 (it is $(kvl_tmux_flag "$1"))"
}

# Prints the visible text of the pane.
kvl_screen() {
	kvl_tmux capture-pane -p -t kvl
}

# Prints the pane with its attributes and colours as escape sequences.
kvl_screen_attributes() {
	kvl_tmux capture-pane -e -p -t kvl
}

kvl_keys() {
	kvl_tmux send-keys -t kvl "$@"
}

# Typed text, sent literally (no key names).
kvl_type() {
	kvl_tmux send-keys -t kvl -l "$1"
}

kvl_fail_screen() {
	echo "--- screen" >&2
	kvl_screen >&2 || true
	kvl_fail "$@"
}

# kvl_screen_wait TEXT: polls until the screen shows the fixed string
# TEXT; fails with the screen when it never does.
kvl_screen_wait() {
	local i

	for i in $(seq 1 "$KVL_SCREEN_TRIES"); do
		if kvl_screen | grep -qF -- "$1"; then
			return 0
		fi
		sleep 0.1
	done
	kvl_fail_screen "the screen never showed '$1'"
}

# kvl_screen_wait_row ROW TEXT: polls until screen row ROW (from 1)
# contains TEXT. tmux applies a resize to the pane after resize-window
# returns, so a test waits for the new layout this way.
kvl_screen_wait_row() {
	local i

	for i in $(seq 1 "$KVL_SCREEN_TRIES"); do
		if kvl_screen | sed -n "$1p" | grep -qF -- "$2"; then
			return 0
		fi
		sleep 0.1
	done
	kvl_fail_screen "row $1 of the screen never showed '$2'"
}

# kvl_screen_wait_gone TEXT: polls until the screen no longer shows the
# fixed string TEXT, for a change that a key press starts.
kvl_screen_wait_gone() {
	local i

	for i in $(seq 1 "$KVL_SCREEN_TRIES"); do
		kvl_screen | grep -qF -- "$1" || return 0
		sleep 0.1
	done
	kvl_fail_screen "the screen still shows '$1'"
}

# kvl_screen_has TEXT / kvl_screen_lacks TEXT: checks the screen now.
# curses writes a frame in several pieces, so the screen may show only
# its upper part. kvl_screen_has therefore gives a frame 2 s (times
# KVL_TIMEOUT_SCALE) to be complete before it fails.
kvl_screen_has() {
	local i

	for i in $(seq 1 $((20 * KVL_TIMEOUT_SCALE))); do
		if kvl_screen | grep -qF -- "$1"; then
			return 0
		fi
		sleep 0.1
	done
	kvl_fail_screen "the screen does not show '$1'"
}

kvl_screen_lacks() {
	if kvl_screen | grep -qF -- "$1"; then
		kvl_fail_screen "the screen shows '$1'"
	fi
}

# kvl_wait_file FILE: polls until FILE exists (at most 30 s times
# KVL_TIMEOUT_SCALE).
kvl_wait_file() {
	local i

	for i in $(seq 1 $((300 * KVL_TIMEOUT_SCALE))); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	kvl_fail_screen "$1 did not appear"
}

# kvl_tmux_exit_status EXPECTED: waits for kvlink to end and checks its
# exit status and that it left the terminal in its normal state.
kvl_tmux_exit_status() {
	local status

	kvl_wait_file "$WORK/kvlink.status"
	status=$(cat "$WORK/kvlink.status")
	[ "$status" = "$1" ] ||
		kvl_fail_screen "kvlink exited with $status, expected $1"
	kvl_wait_file "$WORK/stty.out"
	grep -qE '(^| )echo( |$)' "$WORK/stty.out" ||
		kvl_fail "terminal left with echo off: $(cat "$WORK/stty.out")"
	grep -qE '(^| )icanon( |$)' "$WORK/stty.out" ||
		kvl_fail "terminal left without icanon: $(cat "$WORK/stty.out")"
}

# kvl_tmux_kvlink_env NAME=VALUE...: from now on runs kvlink through a
# wrapper that sets these variables first (tmux starts its session in
# C.UTF-8 with its own environment).
kvl_tmux_kvlink_env() {
	local wrapper="$WORK/kvlink-env.$TMUX_SESSIONS.sh"

	{
		echo '#!/bin/sh'
		printf 'exec env'
		printf " '%s'" "$@" "$KVLINK"
		printf ' "$@"\n'
	} >"$wrapper"
	chmod +x "$wrapper"
	KVLINK=$wrapper
}
