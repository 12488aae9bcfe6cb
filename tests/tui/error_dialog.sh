#!/bin/bash
# An Azure call that fails: with the sandbox stopped, reloading the
# subscription list ends in an error dialog with kvl_error_format's text.
# Enter closes it, the status line says how to retry, and the wizard
# keeps working.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

ENV="$WORK/env"
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" login
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" env create \
	--name "Contoso CI" --region westeurope

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
	--log-file "$WORK/kvlink.log"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "[ Setup ]"
kvl_keys Enter
kvl_screen_wait "Contoso Production"

# No sandbox: r reloads, the retries run out, the dialog appears.
kvl_sandbox_stop
kvl_keys r
kvl_screen_wait "Could not list subscriptions"
kvl_screen_wait "Enter or Esc closes this message."
kvl_screen_lacks "Contoso Production"

# The status line already shows the advice under the dialog, so wait for
# the dialog to go rather than for the advice.
kvl_keys Enter
kvl_screen_wait_gone "Enter or Esc closes this message."
kvl_screen_has "Press r to try again or Esc to go back."
kvl_screen_has "1/6 Subscription"

# Back to Home and out, with the terminal restored.
kvl_keys Escape
kvl_screen_wait "[ Setup ]"
kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0

# The debug log names the screen and the failure, and holds no token.
log="$WORK/kvlink.log"
kvl_grep "wizard: error on 'Admin > Security > Key Vault > 1/6 Subscription'" \
	"$log"
kvl_grep "wizard: stopped with exit status 0" "$log"
if grep -q 'eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.' "$log"; then
	kvl_fail "the debug log contains a token"
fi
