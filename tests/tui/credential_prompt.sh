#!/bin/bash
# kvlink connection on a terminal: --credential-stdin prompts with echo
# off and never shows the credential, and delete asks before it deletes.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

# A typed credential that must never show up on the screen or on disk.
KEY="SG.kvlink-tty-CLEARTEXT-0b9e44"
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }
# Runs kvlink connection ARG... in a fresh tmux session.
conn_tty() {
	kvl_tmux kill-session -t kvl >/dev/null 2>&1 || true
	kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
		connection "$@"
}

cli 0 login
cli 0 env create --name Contoso --region westeurope

conn_tty add --type sendgrid --name "Typed Mail" \
	--credential-stdin api_key --accept-privacy-statement
kvl_screen_wait "API key for 'Typed Mail':"
kvl_type "$KEY"
kvl_screen_lacks "CLEARTEXT"
kvl_keys Enter
kvl_tmux_exit_status 0
kvl_screen_has "Added connection 'Typed Mail'."
kvl_screen_lacks "CLEARTEXT"
if grep -rqF -- "$KEY" "$ENV"; then
	kvl_fail "the typed key is in clear under $ENV"
fi
cli 0 connection show "Typed Mail" --output json
kvl_json '.connection.typedCredentials | join(",")' api_key

# Ctrl-C at the hidden prompt cancels with a message, not "ok".
conn_tty edit "Typed Mail" --credential-stdin api_key
kvl_screen_wait "API key for 'Typed Mail':"
# SIGINT goes to kvlink alone, as C-c would also stop the tmux wrapper.
kill -s INT "$(cat "$WORK/kvlink.pid")"
kvl_tmux_exit_status 130
kvl_screen_has "cancelled; nothing was changed"
kvl_screen_lacks "kvlink: ok"

# Delete asks first: "n" keeps the connection (exit 2, not the 130 of an
# interrupt), "y" deletes it and names it as stored.
conn_tty delete "typed mail"
kvl_screen_wait "Delete connection 'Typed Mail'?"
kvl_type n
kvl_keys Enter
kvl_tmux_exit_status 2
kvl_screen_has "'Typed Mail' was not deleted"
cli 0 connection list --output json
kvl_json '.connections | length' 1

conn_tty delete "typed MAIL"
kvl_screen_wait "Delete connection 'Typed Mail'?"
kvl_type y
kvl_keys Enter
kvl_tmux_exit_status 0
kvl_screen_has "Deleted connection 'Typed Mail'."
cli 0 connection list --output json
kvl_json '.connections | length' 0
