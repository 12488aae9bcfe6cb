#!/bin/bash
# TERM=dumb on a real terminal (tmux) starts line mode instead of the
# wizard: the reason and the numbered Home menu, no alternate screen.
# Add connection there reads the typed credential without echo, and
# kvlink leaves the terminal's echo on when it quits.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

ENV="$WORK/env"
SECRET='SG.terminal-typed-5521'
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

cli 0 login
cli 0 env create --name "Contoso CI" --region westeurope
cli 0 connection types --output json
SENDGRID=$(jq '[.types[].id] | index("sendgrid") + 1' "$OUT")

kvl_tmux_kvlink_env TERM=dumb
kvl_tmux_start 100 40 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "(TERM) is 'dumb'"
kvl_screen_wait "starting line mode instead"
kvl_screen_wait "Choose 1-5, or q to go back:"
kvl_screen_has "Admin > Connections"
[ "$(kvl_tmux_flag alternate_on)" = 0 ] ||
	kvl_fail_screen "line mode switched to the alternate screen"

kvl_type "2"
kvl_keys Enter
kvl_screen_wait "1. Add connection"
kvl_type "1"
kvl_keys Enter
kvl_screen_wait "step 1: choose the type"
kvl_type "$SENDGRID"
kvl_keys Enter
kvl_screen_wait "step 2: the connection's name"
kvl_type "Terminal Mail"
kvl_keys Enter
kvl_screen_wait "API key (not shown as you type):"
kvl_type "$SECRET"
kvl_keys Enter
kvl_screen_wait "step 6: who may use the connection?"
kvl_screen_lacks "$SECRET"
kvl_type "1"
kvl_keys Enter
kvl_screen_wait "1. I accept the statement"
kvl_type "1"
kvl_keys Enter
kvl_screen_wait "1. Save the connection"
kvl_type "1"
kvl_keys Enter
kvl_screen_wait "Added connection 'Terminal Mail'."
kvl_screen_lacks "$SECRET"
kvl_type "q"
kvl_keys Enter
kvl_screen_wait "5. Quit"
kvl_type "5"
kvl_keys Enter
kvl_tmux_exit_status 0

cli 0 connection list --output json
[ "$(jq -r '.connections[0].name' "$OUT")" = "Terminal Mail" ] ||
	kvl_fail "the connection was not saved: $(cat "$OUT")"
[ "$(jq -r '.connections[0].useKeyVault' "$OUT")" = false ] ||
	kvl_fail "the connection uses Key Vault: $(cat "$OUT")"
