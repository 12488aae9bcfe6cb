#!/bin/bash
# The wizard sends only what changed: moving the selection in a list of
# vaults writes a small fraction of the bytes that a full repaint of the
# same screen (Ctrl-L) writes. The pane's output is captured with tmux
# pipe-pane and counted in bytes.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

ENV="$WORK/env"
OUTPUT="$WORK/pane.out"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# bytes_after KEY...: sends the keys and prints how many bytes the
# wizard wrote until its output stayed the same for half a second.
bytes_after() {
	local before now last i

	before=$(stat -c %s "$OUTPUT")
	kvl_keys "$@"
	last=-1
	for i in $(seq 1 "$KVL_SCREEN_TRIES"); do
		sleep 0.25
		now=$(stat -c %s "$OUTPUT")
		if [ "$now" -eq "$last" ] && [ "$now" -gt "$before" ]; then
			echo $((now - before))
			return 0
		fi
		last=$now
	done
	kvl_fail "the wizard wrote nothing after $*"
}

cli 0 login
cli 0 env create --name "Contoso CI" --region westeurope
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "No key vault is linked"
kvl_keys Enter
kvl_screen_wait "Contoso Production"
kvl_type "/Production"
kvl_screen_wait "(1 of 4)"
kvl_keys Enter
kvl_screen_wait "All resource groups"
kvl_keys Enter
kvl_screen_wait "kv-restricted-policy"
kvl_screen_wait "10 items; / to filter"

: >"$OUTPUT"
kvl_tmux pipe-pane -o -t kvl "cat >>'$OUTPUT'"
FULL=$(bytes_after C-l)
MOVE=$(bytes_after Down)
MOVE_BACK=$(bytes_after Up)
kvl_tmux pipe-pane -t kvl

# A full screen of this list is about 1,200 bytes; a move
# rewrites two rows.
[ "$FULL" -gt 1000 ] ||
	kvl_fail "a full repaint wrote only $FULL bytes"
[ $((MOVE * 4)) -lt "$FULL" ] ||
	kvl_fail "moving down wrote $MOVE bytes, a full repaint $FULL"
[ $((MOVE_BACK * 4)) -lt "$FULL" ] ||
	kvl_fail "moving up wrote $MOVE_BACK bytes, a full repaint $FULL"
echo "full repaint $FULL bytes, selection moves $MOVE and $MOVE_BACK bytes"
