#!/bin/bash
# Texts wider than an 80x24 terminal stay readable. A long status
# message wraps onto the rows above the status line instead of being
# cut: t on a Google Ads connection, which cannot be tested, explains
# why in about 200 characters, and the next key gives the body its rows
# back. A long breadcrumb loses its middle, not the environment's name.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start
. "$KVL_SRCDIR/tests/tui/connections.sh"

CONTEXT="Contoso Customer Insights Prod (westeurope)"
cli 0 login
cli 0 env create --name "Contoso Customer Insights Prod" \
	--region westeurope
printf 'sandbox-google-token\n' >"$WORK/cred.txt"
"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" connection add \
	--type googleads --name Ads --field customer_id=123-456-7890 \
	--credential-stdin developer_token --accept-privacy-statement \
	<"$WORK/cred.txt" >"$WORK/add.out" 2>&1 ||
	kvl_fail "connection add failed: $(cat "$WORK/add.out")"
rm -f "$WORK/cred.txt"

conn_open_screen
kvl_type "/Ads"
kvl_screen_wait "(1 of 1)"
kvl_keys Enter
kvl_screen_wait "Admin > Connections > Edit"
kvl_keys t
kvl_screen_wait "Google Ads connections cannot be tested here"
# The end of the message is on the screen, and nothing of it is cut.
kvl_screen_wait "when you authenticate in its portal"
kvl_screen_lacks "~"
kvl_screen_wait_row 24 "Esc back"
rows=$(kvl_screen | sed -n '20,23p' | grep -cE 'Google Ads|kvlink|portal')
[ "$rows" -ge 3 ] ||
	kvl_fail_screen "the message does not span three rows above the legend"

# Any key acknowledges it; the legend stays on the bottom row.
kvl_keys Down
kvl_screen_wait_gone "when you authenticate in its portal"
kvl_screen_wait_row 24 "Esc back"

# A deep breadcrumb next to a long environment name: the name stays
# whole, the breadcrumb keeps its start and its current step.
kvl_keys Escape
kvl_screen_wait "Export connections of this environment"
conn_add_start SendGrid Newsletter
kvl_screen_wait_row 1 "$CONTEXT"
kvl_screen_wait_row 1 "kvlink  Admin > "
kvl_screen_wait_row 1 "3/8 Settings"
kvl_tmux kill-server
