#!/bin/bash
# Esc cancels a running call: the device code sign-in waits 30 s between
# polls in this sandbox, so only a working cancel ends it in time. Enter
# then starts a fresh sign-in, and q cancels that one and quits.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start --poll-interval 30

token_polls() {
	kvl_sandbox_get /_sandbox/requests |
		jq '[.. | objects | select(has("method") and has("path")) |
			select(.path | endswith("/oauth2/v2.0/token"))]
			| length'
}

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env"
kvl_screen_wait "enter the code"
kvl_screen_wait "Signing in..."
kvl_screen_has "(Esc cancels)"
first=$(kvl_screen | grep -o 'the code [A-Z0-9-]*' | head -1)

kvl_keys Escape
kvl_screen_wait "Sign-in cancelled."
kvl_screen_has "Sign-in did not complete"
kvl_screen_lacks "Create the Customer Insights environment"
polls=$(token_polls)
[ "$polls" -le 1 ] ||
	kvl_fail "the sign-in kept polling after Esc ($polls token requests)"

# Enter asks for a new code.
kvl_keys Enter
kvl_screen_wait "enter the code"
second=$(kvl_screen | grep -o 'the code [A-Z0-9-]*' | head -1)
[ -n "$second" ] || kvl_fail_screen "no code on the second sign-in"
[ "$first" != "$second" ] ||
	kvl_fail_screen "the second sign-in showed the first code again"

# q, as the legend says, cancels the running sign-in and quits.
kvl_screen_has "q quit"
kvl_keys q
kvl_tmux_exit_status 0
[ ! -e "$WORK/env/environment.json" ] ||
	kvl_fail "a cancelled sign-in created an environment"
