#!/bin/bash
# A setting longer than the wizard's form takes (a 400-byte folder saved
# with the command line) survives an edit in the wizard that renames the
# connection: the editor cuts it on screen but leaves the stored value.
# Long display names survive an edit too, and the Connections screen
# reads the store again on r and when it is opened.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start
. "$KVL_SRCDIR/tests/tui/connections.sh"

conn_setup
folder=/$(printf 'd%.0s' $(seq 1 399))
printf '%s\n' "long-folder-pass" >"$WORK/pass.txt"
"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" connection add \
	--type sftp --name Archive --field host=sftp.contoso.test \
	--field username=exporter --field "folder=$folder" \
	--credential-stdin password --accept-privacy-statement \
	<"$WORK/pass.txt" >"$WORK/add.out" 2>&1 ||
	kvl_fail "connection add failed: $(cat "$WORK/add.out")"
kvl_json '.connections[0].fields.folder | length' 400 \
	"$ENV/environment.json"

conn_open_screen
kvl_screen_wait "Archive"
kvl_keys e
kvl_screen_wait "Admin > Connections > Edit"
kvl_keys Enter
kvl_screen_wait "Edit > Name"
kvl_type " 2024"
kvl_keys Enter
kvl_screen_wait "Archive 2024"
kvl_keys s
kvl_screen_wait "Saved connection Archive 2024."
kvl_keys Escape
conn_quit

doc="$ENV/environment.json"
kvl_json '.connections[0].displayName' "Archive 2024" "$doc"
kvl_json '.connections[0].fields.folder' "$folder" "$doc"
kvl_json '.connections[0].fields.host' sftp.contoso.test "$doc"

# A display name longer than the old 64-character limit (207 characters,
# 407 bytes) is kept as it is by an edit that does not touch it.
cli 0 connection delete "Archive 2024" --yes
long="Ledger $(printf '\303\251%.0s' $(seq 1 200))"
"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" connection add \
	--type sftp --name "$long" --field host=sftp.contoso.test \
	--field username=exporter --field folder=/ledger \
	--credential-stdin password --accept-privacy-statement \
	<"$WORK/pass.txt" >"$WORK/add.out" 2>&1 ||
	kvl_fail "connection add failed: $(cat "$WORK/add.out")"

kvl_tmux kill-session -t kvl
conn_open_screen
kvl_screen_wait "Ledger"
kvl_keys e
kvl_screen_wait "Admin > Connections > Edit"
kvl_keys s
kvl_screen_wait "Saved connection Ledger"
kvl_keys Escape
conn_quit
kvl_json '.connections[0].displayName' "$long" "$doc"

# Connections added on the command line while the screen is open show up
# after r, and after leaving and opening the screen again.
kvl_tmux kill-session -t kvl
conn_open_screen
kvl_screen_wait "Ledger"
"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" connection add \
	--type sftp --name Outside --field host=sftp.contoso.test \
	--field username=exporter --field folder=/outside \
	--credential-stdin password --accept-privacy-statement \
	<"$WORK/pass.txt" >"$WORK/add.out" 2>&1 ||
	kvl_fail "connection add failed: $(cat "$WORK/add.out")"
kvl_screen_lacks "Outside"
kvl_keys r
kvl_screen_wait "Outside"
kvl_screen_has "Connections read again from the environment."
cli 0 connection delete Outside --yes
kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_keys Enter
kvl_screen_wait "Export connections of this environment"
kvl_screen_wait "Ledger"
kvl_screen_lacks "Outside"
