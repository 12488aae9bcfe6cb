# Helpers for the Admin > Connections tests. Source after tests/lib.sh,
# kvl_test_init, tests/tui/tmux.sh and kvl_sandbox_start:
#
#   . "$KVL_SRCDIR/tests/tui/connections.sh"
#   conn_setup kv-ci-prod       # environment in $ENV, vault linked
#   conn_open_screen            # the wizard at 80x24 on Admin > Connections
#   conn_add_start SendGrid Newsletter
#
# The command line does the sign-in, the environment and the link, so
# each test drives only the screens it is about.

ENV="$WORK/env"
S1=11111111-1111-4111-8111-111111111111

cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# conn_setup [VAULT]: signs in, creates the environment and, given a vault
# of subscription s1, links it.
conn_setup() {
	cli 0 login
	cli 0 env create --name "Contoso CI" --region westeurope
	if [ $# -gt 0 ]; then
		cli 0 link --subscription "$S1" --vault "$1" \
			--accept-privacy-statement
	fi
}

# conn_open_screen: starts the wizard at 80x24 and opens Admin >
# Connections from the Home menu.
conn_open_screen() {
	kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
	kvl_screen_wait "Signed in as: avery@contoso.test"
	kvl_type "/Connections"
	kvl_screen_wait "(1 of "
	kvl_keys Enter
	kvl_screen_wait "Export connections of this environment"
}

# conn_add_start TYPE NAME: a, the type filtered by name, then the
# display name; ends on the settings step.
conn_add_start() {
	kvl_keys a
	kvl_screen_wait "Add 1/8 Type"
	kvl_type "/$1"
	kvl_screen_wait "(1 of 12)"
	kvl_keys Enter
	kvl_screen_wait "Add 2/8 Name"
	kvl_type "$2"
	kvl_keys Enter
	kvl_screen_wait "Add 3/8 Settings"
}

# conn_quit: from Home, clears the menu's filter (Esc), quits with q and
# checks the exit status and the terminal.
conn_quit() {
	kvl_screen_wait "Signed in as:"
	kvl_keys Escape
	kvl_screen_wait "items; / to filter"
	kvl_keys q
	kvl_tmux_exit_status 0
}

# conn_no_secret_writes: the sandbox saw no attempt to write a secret.
conn_no_secret_writes() {
	kvl_sandbox_get /_sandbox/refused-writes >"$WORK/refused.json"
	kvl_json .count 0 "$WORK/refused.json"
	kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
	kvl_json '[.value[] | select((.path | test("/secrets")) and
		.method != "GET")] | length' 0 "$WORK/requests.json"
}
