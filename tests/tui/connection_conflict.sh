#!/bin/bash
# Admin > Connections at 80x24 when another kvlink saves the environment
# while the wizard adds a connection: saving shows why it was not saved
# instead of overwriting the other save, the draft stays, and saving
# again adds the connection next to the other one.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start
. "$KVL_SRCDIR/tests/tui/connections.sh"

# The screen as one line without box borders, so that a message wrapped
# over several rows of a dialog can be matched as a whole.
screen_text() {
	kvl_screen | sed 's/[│|]/ /g' | tr '\n' ' ' | tr -s ' '
}

# screen_text_wait TEXT: waits up to 10 s for TEXT in screen_text.
screen_text_wait() {
	local i

	for i in $(seq 1 100); do
		if screen_text | grep -qF -- "$1"; then
			return 0
		fi
		sleep 0.1
	done
	kvl_fail_screen "'$1' did not appear"
}

conn_setup
conn_open_screen
conn_add_start SendGrid Newsletter
kvl_screen_wait "no settings besides its credentials"
kvl_keys Enter
kvl_screen_wait "Not offered: no key vault is linked."
kvl_keys Enter
kvl_screen_wait "Add 5/8 Credentials"
kvl_type "SG.wizard-key-0123456789"
kvl_keys Enter
kvl_screen_wait "Who may use this connection in exports?"
kvl_keys Enter
kvl_screen_wait "[ ] I agree"
kvl_keys Space Enter
kvl_screen_wait "Press Enter to save the connection."

# Another kvlink adds a connection while the review is open.
printf 'other-password\n' >"$WORK/password"
"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" connection add \
	--type sftp --name Other --field host=sftp.example.test \
	--field username=exporter --field folder=/out \
	--credential-stdin password --accept-privacy-statement \
	<"$WORK/password" >/dev/null || kvl_fail "the other kvlink failed"
revision=$(jq -r .revision "$ENV/environment.json")

kvl_keys Enter
kvl_screen_wait "Could not save the connection"
screen_text_wait "another kvlink saved the environment"
screen_text_wait "this change was not saved"
kvl_json '.revision' "$revision" "$ENV/environment.json"
kvl_json '[.connections[].displayName] | join(",")' Other \
	"$ENV/environment.json"

# Closing the message leaves the review with the draft; saving again
# applies it to the environment as the other kvlink saved it.
kvl_keys Enter
kvl_screen_wait "Press Enter to save the connection."
kvl_keys Enter
kvl_screen_wait "Saved connection Newsletter."
kvl_json '[.connections[].displayName] | sort | join(",")' \
	"Newsletter,Other" "$ENV/environment.json"
kvl_json '.revision' $((revision + 1)) "$ENV/environment.json"

kvl_keys Escape
conn_quit
