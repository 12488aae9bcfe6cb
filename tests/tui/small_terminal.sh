#!/bin/bash
# The wizard in a small and a resized terminal (down to 1x1 and back),
# and how it ends: q, then SIGTERM and SIGHUP, each leaving the terminal
# restored (echo, icanon).
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

ENV="$WORK/env"
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" login
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" env create \
	--name "Contoso CI" --region westeurope

# Too small at start, Home once the window is 80x24.
kvl_tmux_start 60 20 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Terminal too small: 60x20, need 80x24"
kvl_screen_lacks "Signed in as:"
# At 40x10 both lines still fit whole, the current size included.
kvl_tmux resize-window -t kvl -x 40 -y 10
kvl_screen_wait "Terminal too small: 40x10, need 80x24"
kvl_screen_has "Enlarge the window, or press q to quit."
kvl_screen_lacks "~"
kvl_tmux resize-window -t kvl -x 80 -y 24
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_screen_has "Environment: Contoso CI"
kvl_screen_wait_row 24 "q quit"

# One column short is too small again; a larger window lays out anew.
kvl_tmux resize-window -t kvl -x 79 -y 24
kvl_screen_wait "Terminal too small: 79x24, need 80x24"
kvl_tmux resize-window -t kvl -x 120 -y 40
kvl_screen_wait_row 40 "q quit"
kvl_screen_has "Signed in as: avery@contoso.test"

# Down to one cell and back. At 1x1 curses draws nothing, because the
# only cell is the bottom-right one, which it leaves alone. kvlink keeps
# running and draws whole screens again at 80x24 and at 132x43 (tmux
# keeps no history for the alternate screen, so only a redraw fills
# them).
kvl_tmux resize-window -t kvl -x 10 -y 3
kvl_screen_wait_row 1 "Terminal"
for size in 1x1 80x24 1x1 132x43; do
	cols=${size%x*}
	rows=${size#*x}
	kvl_tmux resize-window -t kvl -x "$cols" -y "$rows"
	kvl_tmux_wait_flag pane_width "$cols"
	kvl_tmux_wait_flag pane_height "$rows"
	if [ "$cols" -eq 1 ]; then
		kill -0 "$(cat "$WORK/kvlink.pid")" ||
			kvl_fail "kvlink ended at 1x1"
		continue
	fi
	kvl_screen_wait_row "$rows" "q quit"
	kvl_screen_wait_row 1 "kvlink  Home"
	kvl_screen_has "Signed in as: avery@contoso.test"
	kvl_screen_has "Environment: Contoso CI"
done
kvl_keys n
kvl_screen_wait_row 1 "Notifications"
kvl_keys Escape
kvl_screen_wait_row 1 "kvlink  Home"

# Ctrl-L redraws the same screen; q quits from Home.
kvl_keys C-l
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys q
kvl_tmux_exit_status 0
kvl_tmux kill-server

# Colours by default; under NO_COLOR only attributes (reverse for the
# title bar), never a colour escape.
esc=$(printf '\033')
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_screen_attributes | grep -q "$esc\[4[0-7]m" ||
	kvl_fail_screen "no background colour on the colour screen"
kvl_keys q
kvl_tmux_exit_status 0
kvl_tmux kill-server

KVL_NO_COLOR=1 kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
if kvl_screen_attributes | grep -q "$esc\[[34][0-7]m"; then
	kvl_fail "colour escapes under NO_COLOR: \
$(kvl_screen_attributes | grep "$esc\[[34][0-7]m" | cat -v | head -3)"
fi
kvl_screen_attributes | head -1 | grep -q "$esc\[7m" ||
	kvl_fail "the title bar is not in reverse video under NO_COLOR"
kvl_keys q
kvl_tmux_exit_status 0
kvl_tmux kill-server

# SIGTERM and SIGHUP: kvlink ends with 128 + the signal's number and
# restores the terminal.
for sig in TERM:143 HUP:129; do
	kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
	kvl_screen_wait "Signed in as: avery@contoso.test"
	# The wizard is in curses mode now: no echo, no canonical input.
	kill -s "${sig%:*}" "$(cat "$WORK/kvlink.pid")"
	kvl_tmux_exit_status "${sig#*:}"
	kvl_tmux kill-server
done

# SIGTERM inside the link steps, where the subscription list may still
# be loading from the sandbox.
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "[ Setup ]"
kvl_keys Enter
kvl_screen_wait "1/6 Subscription"
kill -s TERM "$(cat "$WORK/kvlink.pid")"
kvl_tmux_exit_status 143
