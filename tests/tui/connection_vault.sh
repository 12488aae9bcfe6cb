#!/bin/bash
# Admin > Connections at 80x24 with kv-ci-prod linked: add an SFTP
# connection whose password is a secret picked from the vault, read it
# back off the list, then try to turn Use Key Vault off in the editor.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start
. "$KVL_SRCDIR/tests/tui/connections.sh"

conn_setup kv-ci-prod

conn_open_screen
kvl_screen_has "No connections yet. Press a to add one."

# 1/8: the twelve types, filtered to SFTP.
kvl_keys a
kvl_screen_wait "Add 1/8 Type"
kvl_screen_has "Salesforce Marketing Cloud"
kvl_screen_has "typed only"
kvl_type "/SFTP"
kvl_screen_wait "(1 of 12)"
kvl_keys Enter

# 2/8: the name.
kvl_screen_wait "Add 2/8 Name"
kvl_keys Enter
kvl_screen_wait "! Display name:"
kvl_type "Partner SFTP"
kvl_keys Enter

# 3/8: an invalid port marks its label and blocks the step.
kvl_screen_wait "Add 3/8 Settings"
kvl_screen_has "SFTP server host name without a scheme"
kvl_type "sftp.contoso.test"
kvl_keys Tab C-u
kvl_type "99999"
kvl_keys Tab
kvl_screen_wait "! Port"
kvl_keys Enter
kvl_screen_wait "need attention"
kvl_screen_has "Add 3/8 Settings"
kvl_keys C-u
kvl_type "2222"
kvl_keys Tab
kvl_type "exporter"
kvl_keys Tab
kvl_type "/exports/ci"
kvl_keys Enter
kvl_screen_lacks "! Port"

# 4/8: Use Key Vault is offered and switched on.
kvl_screen_wait "[ ] Use Key Vault (Space toggles)"
kvl_screen_has "kv-ci-prod"
kvl_keys Space
kvl_screen_wait "[x] Use Key Vault (Space toggles)"
kvl_keys Enter

# 5/8: the password comes from the picker; nothing is typed.
kvl_screen_wait "Add 5/8 Credentials"
kvl_screen_has "a password or a private key is required"
kvl_keys c
kvl_screen_wait "! Password"
kvl_keys Enter
kvl_screen_wait "Secret for Password"
kvl_screen_wait "sftp-password"
kvl_screen_has "1 secret that backs a certificate is not offered."
kvl_screen_lacks "ci-tls-certificate"
kvl_screen_lacks "sandbox-sftp-password-1"
kvl_type "/sftp-pass"
kvl_screen_wait "Filter: sftp-pass_"
kvl_keys Enter
kvl_screen_wait "Password: secret sftp-password."
kvl_screen_has "Add 5/8 Credentials"
kvl_keys c

# 6/8 to 8/8: audience, consent, review, save.
kvl_screen_wait "Who may use this connection in exports?"
kvl_keys Down Enter
kvl_screen_wait "[ ] I agree"
kvl_keys Enter
kvl_screen_wait "Press Space to agree"
kvl_keys Space
kvl_screen_wait "[x] I agree"
kvl_keys Enter
kvl_screen_wait "Press Enter to save the connection."
kvl_screen_has "Password: Key Vault secret sftp-password"
kvl_screen_has "Who may use it: admins, contributors"
kvl_keys Enter

# Back on the list: the new row.
kvl_screen_wait "Saved connection Partner SFTP."
kvl_screen_has "Admin > Connections"
row=$(kvl_screen | grep -E "^ +Partner SFTP ") ||
	kvl_fail_screen "no row for Partner SFTP"
case "$row" in
*SFTP*"Key Vault"*admins*avery@*) ;;
*) kvl_fail_screen "unexpected row: $row" ;;
esac

# The store contains the secret's name and no sealed credential.
doc="$ENV/environment.json"
kvl_json '.connections | length' 1 "$doc"
kvl_json '.connections[0].displayName' "Partner SFTP" "$doc"
kvl_json '.connections[0].type' sftp "$doc"
kvl_json '.connections[0].useKeyVault' true "$doc"
kvl_json '.connections[0].secrets.password' sftp-password "$doc"
if grep -qF "sandbox-sftp-password-1" "$doc"; then
	kvl_fail "the secret's value reached environment.json"
fi

# The editor refuses to turn Use Key Vault off, and says what to do.
kvl_keys e
kvl_screen_wait "Admin > Connections > Edit"
kvl_screen_has "[x] on: secrets of key vault kv-ci-prod"
kvl_screen_has "Saved with Key Vault, so it stays on. n creates a new"
kvl_keys Down Down Space
kvl_screen_wait "Use Key Vault cannot be turned off"
kvl_screen_has "Press n to"
kvl_keys Enter
kvl_screen_wait "[x] on: secrets of key vault kv-ci-prod"

# n opens Add connection with the type and settings, Key Vault off.
kvl_keys n
kvl_screen_wait "Add 2/8 Name"
kvl_type "Partner SFTP typed"
kvl_keys Enter
kvl_screen_wait "Add 3/8 Settings"
kvl_screen_has "sftp.contoso.test"
kvl_screen_has "/exports/ci"
kvl_keys Enter
kvl_screen_wait "[ ] Use Key Vault (Space toggles)"
kvl_keys Enter
kvl_screen_wait "Add 5/8 Credentials"
kvl_type "typed-sftp-pass"
kvl_screen_wait "***************"
kvl_screen_lacks "typed-sftp-pass"
kvl_keys Enter
kvl_screen_wait "Who may use this connection in exports?"
kvl_keys Enter
kvl_screen_wait "[ ] I agree"
kvl_keys Space Enter
kvl_screen_wait "Password: typed, stored encrypted"
kvl_keys Enter

# Both connections are listed; the old one is left as it was.
kvl_screen_wait "Saved connection Partner SFTP typed."
kvl_screen_has "2 items; / to filter"
row=$(kvl_screen | grep -E "^ +Partner SFTP t.* typed ") ||
	kvl_fail_screen "no row for Partner SFTP typed"
case "$row" in
*SFTP*typed*admins*) ;;
*) kvl_fail_screen "unexpected row: $row" ;;
esac

# Renaming keeps names unique, ignoring case.
kvl_type "/typed"
kvl_screen_wait "(1 of 2)"
kvl_keys Enter
kvl_screen_wait "Admin > Connections > Edit"
kvl_screen_has "password: stored, encrypted"
kvl_keys Enter
kvl_screen_wait "Edit > Name"
kvl_keys C-u
kvl_type "partner sftp"
kvl_screen_wait "Another connection has this name; choose another."
kvl_keys Enter
kvl_screen_has "Edit > Name"
kvl_type " v2"
kvl_screen_wait_gone "Another connection has this name; choose another."
kvl_keys Enter
kvl_screen_wait "Display name     partner sftp v2"
kvl_keys s
kvl_screen_wait "Saved connection partner sftp v2."
kvl_keys Escape
kvl_screen_wait "2 items; / to filter"

# Deleting the old one is its own action, with a question naming it.
kvl_keys Home d
kvl_screen_wait "Delete connection 'Partner SFTP' (SFTP)?"
kvl_keys n
kvl_screen_wait "2 items; / to filter"
kvl_keys d
kvl_screen_wait "Delete connection 'Partner SFTP' (SFTP)?"
kvl_keys y
kvl_screen_wait "Deleted connection Partner SFTP."
kvl_screen_has "1 items; / to filter"
kvl_screen_has "partner sftp v2"

doc="$ENV/environment.json"
kvl_json '.connections | length' 1 "$doc"
kvl_json '.connections[0].displayName' "partner sftp v2" "$doc"
kvl_json '.connections[0].useKeyVault' false "$doc"
kvl_json '.connections[0].fields.host' sftp.contoso.test "$doc"
kvl_json '.connections[0].fields.port' 2222 "$doc"
kvl_json '.connections[0].sealedCredentials.password | length > 0' true \
	"$doc"
if grep -qF "typed-sftp-pass" "$doc"; then
	kvl_fail "the typed password reached environment.json in clear"
fi
kvl_keys Escape
conn_quit

# Nothing was written to any secret.
conn_no_secret_writes
