#!/bin/bash
# Admin > Connections at 80x24 without a linked vault: add a SendGrid
# connection with a typed API key. The key is masked while typed, never
# shown again, and environment.json contains it only sealed.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start
. "$KVL_SRCDIR/tests/tui/connections.sh"

KEY="SG.typed-key-0123456789-abcdefghij"

# Fails when the key is on the screen or anywhere in the pane's history.
key_never_shown() {
	if kvl_tmux capture-pane -p -S - -t kvl | grep -qF -- "$KEY"; then
		kvl_fail_screen "the typed key was shown ($1)"
	fi
	if kvl_tmux capture-pane -p -S - -t kvl | grep -qF -- "typed-key"; then
		kvl_fail_screen "part of the typed key was shown ($1)"
	fi
}

conn_setup
conn_open_screen
kvl_screen_has "No connections yet. Press a to add one."
conn_add_start SendGrid Newsletter

# SendGrid has nothing but its key.
kvl_screen_wait "no settings besides its credentials"
kvl_keys Enter

# No vault is linked, so the toggle is not offered and says why.
kvl_screen_wait "Not offered: no key vault is linked."
kvl_keys Space
kvl_screen_wait "Link one in Admin > Security first."
kvl_keys Enter

# The masked entry: an empty key is rejected in place, the typed key
# shows as one '*' per character.
kvl_screen_wait "Add 5/8 Credentials"
kvl_keys Enter
kvl_screen_wait "! API key"
kvl_type "$KEY"
stars=$(printf '%*s' "${#KEY}" '' | tr ' ' '*')
kvl_screen_wait "$stars"
key_never_shown "while typing"
kvl_keys Enter

kvl_screen_wait "Who may use this connection in exports?"
kvl_keys Enter
kvl_screen_wait "[ ] I agree"
kvl_keys Space Enter
kvl_screen_wait "Press Enter to save the connection."
kvl_screen_has "API key: typed, stored encrypted"
key_never_shown "in the review"
kvl_keys Enter

kvl_screen_wait "Saved connection Newsletter."
row=$(kvl_screen | grep -F "Newsletter") ||
	kvl_fail_screen "no row for Newsletter"
case "$row" in
*SendGrid*typed*admins*) ;;
*) kvl_fail_screen "unexpected row: $row" ;;
esac

# The editor shows the key as stored, never its value; r replaces it.
kvl_keys e
kvl_screen_wait "api_key: stored, encrypted"
kvl_keys Down Down Down Enter
kvl_screen_wait "(stored, encrypted)  r replaces"
key_never_shown "in the editor"
sealed_before=$(jq -r '.connections[0].sealedCredentials.api_key' \
	"$ENV/environment.json")
kvl_keys r
kvl_screen_wait "Edit > Credentials"
kvl_screen_wait_gone "(stored, encrypted)  r replaces"
kvl_type "SG.other-key"
kvl_screen_wait "************"
if kvl_tmux capture-pane -p -S - -t kvl | grep -qF "other-key"; then
	kvl_fail_screen "the replacement key was shown"
fi
kvl_keys Enter
kvl_screen_wait "api_key: replaced, not saved yet"

# Esc with an unsaved change asks first; n stays, y drops the change.
kvl_keys Escape
kvl_screen_wait "Discard the changes to connection 'Newsletter'"
kvl_keys n
kvl_screen_wait "api_key: replaced, not saved yet"
kvl_keys Escape
kvl_screen_wait "Discard the changes to connection 'Newsletter'"
kvl_keys y
kvl_screen_wait "1 items; / to filter"
kvl_keys Escape
conn_quit
if grep -qF "other-key" "$ENV/environment.json"; then
	kvl_fail "the discarded key reached environment.json"
fi
kvl_json '.connections[0].sealedCredentials.api_key' "$sealed_before" \
	"$ENV/environment.json"

# The store: the key is sealed, never in clear, and the key file is
# private.
doc="$ENV/environment.json"
kvl_json '.connections[0].displayName' Newsletter "$doc"
kvl_json '.connections[0].useKeyVault' false "$doc"
sealed=$(jq -r '.connections[0].sealedCredentials.api_key' "$doc")
[ -n "$sealed" ] && [ "$sealed" != null ] ||
	kvl_fail "no sealed api_key in $(cat "$doc")"
if grep -rqF -- "$KEY" "$ENV"; then
	kvl_fail "the typed key is in clear under $ENV"
fi
if grep -rqF -- "typed-key" "$ENV"; then
	kvl_fail "part of the typed key is in clear under $ENV"
fi
mode=$(stat -c %a "$ENV/credentials.key")
[ "$mode" = 600 ] || kvl_fail "credentials.key has mode $mode, not 600"

# With credentials.key gone the editor says the key cannot be decrypted.
mv "$ENV/credentials.key" "$WORK/credentials.key.saved"
kvl_tmux kill-session -t kvl
conn_open_screen
kvl_screen_wait "Newsletter"
kvl_keys e
kvl_screen_wait "Admin > Connections > Edit"
kvl_screen_wait "api_key: stored, cannot be decrypted"
kvl_screen_lacks "stored, encrypted"
kvl_keys Escape
kvl_screen_wait "1 items; / to filter"
kvl_keys Escape
conn_quit
mv "$WORK/credentials.key.saved" "$ENV/credentials.key"

# A name with a space at either end is rejected as it is typed.
kvl_tmux kill-session -t kvl
conn_open_screen
kvl_keys a
kvl_screen_wait "Add 1/8 Type"
kvl_type "/SendGrid"
kvl_screen_wait "(1 of 12)"
kvl_keys Enter
kvl_screen_wait "Add 2/8 Name"
kvl_type "Letters "
kvl_screen_wait "Remove the spaces at the start or end of the name."
kvl_keys Enter
kvl_screen_has "Add 2/8 Name"
kvl_keys BSpace
kvl_screen_wait "Up to 256 characters; shown in exports."
