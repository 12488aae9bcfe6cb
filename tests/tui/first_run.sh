#!/bin/bash
# The introduction at 80x24. The wizard shows it over the first screen
# the first time it runs for an environment directory. Any key dismisses
# it and the file wizard-intro-seen beside environment.json records
# that. The next run does not show it, and t in the help shows it again.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

ENV="$WORK/env"
MARKER="$ENV/wizard-intro-seen"
export KVL_TUI_INTRO=1

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Welcome to kvlink"
kvl_screen_has "Press any key to start."
kvl_screen_has "F1 or ? opens the help"
[ ! -e "$MARKER" ] || kvl_fail "the marker exists before the introduction was dismissed"

# Any key dismisses it; the sign-in went on underneath.
kvl_keys Space
kvl_screen_wait_gone "Welcome to kvlink"
kvl_screen_wait "Create the Customer Insights environment"
kvl_wait_file "$MARKER"
grep -qF "introduction" "$MARKER" || kvl_fail "the marker has no text: $(cat "$MARKER")"
leftovers=$(find "$ENV" -name 'wizard-intro-seen?*')
[ -z "$leftovers" ] || kvl_fail "temporary files left: $leftovers"
mode=$(stat -c %a "$MARKER")
[ "$mode" = 600 ] || kvl_fail "the marker has mode $mode, expected 600"

# t in the help shows it again; a key closes it and keeps the screen.
kvl_keys F1
kvl_screen_wait "Help: New environment"
kvl_keys End
kvl_screen_wait "t in this help shows the introduction again."
kvl_keys t
kvl_screen_wait "Welcome to kvlink"
kvl_screen_lacks "Help: New environment"
kvl_keys Enter
kvl_screen_wait_gone "Welcome to kvlink"
kvl_screen_has "Create the Customer Insights environment"
kvl_keys Escape
kvl_tmux_exit_status 0

# The next run in the same directory goes straight to the screen.
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Create the Customer Insights environment"
kvl_screen_lacks "Welcome to kvlink"
kvl_keys Escape
kvl_tmux_exit_status 0
