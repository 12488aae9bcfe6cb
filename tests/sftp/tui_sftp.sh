#!/bin/bash
# The t key of Admin > Connections > Edit on an SFTP connection at 80x24,
# against a real OpenSSH server on loopback and a sandbox vault that
# contains the password (seeded through a tenant file). A new host key
# opens a question with its type and fingerprint: n trusts nothing and
# signs in nowhere, y trusts it and the test passes. A changed key shows
# a warning and sends no credential. The password never reaches the
# screen.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
. "$KVL_SRCDIR/tests/sftp/sshd.sh"

sftp_require
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
sftp_server_start
trap 'sftp_server_stop; kvl_tmux_cleanup' EXIT

kvl_sandbox_start
kvl_sandbox_get /_sandbox/state |
	jq --arg pw "$SFTP_PASSWORD" '
	    del(.vaults[].secrets)
	    | (.vaults[] | select(.name == "kv-ci-prod") | .secrets) = [
		{ name: "sftp-password", value: $pw } ]' \
	>"$WORK/tenant.json"
kvl_sandbox_stop
kvl_sandbox_start --tenant "$WORK/tenant.json"
. "$KVL_SRCDIR/tests/tui/connections.sh"

password_never_shown() {
	if kvl_tmux capture-pane -p -S - -t kvl | grep -qF -- "$SFTP_PASSWORD"
	then
		kvl_fail_screen "the password was shown ($1)"
	fi
}

# no_auth_since OFFSET: sshd logged no authentication request since then.
no_auth_since() {
	if tail -c +"$(($1 + 1))" "$SFTP_LOG" | grep -q userauth-request; then
		kvl_fail "kvlink authenticated: $(tail -c +"$(($1 + 1))" \
			"$SFTP_LOG")"
	fi
}

open_drop() {
	conn_open_screen
	kvl_type "/Drop"
	kvl_screen_wait "(1 of 1)"
	kvl_keys Enter
	kvl_screen_wait "Admin > Connections > Edit"
}

leave_drop() {
	kvl_keys Escape
	kvl_screen_wait "Export connections of this environment"
	kvl_keys Escape
	kvl_screen_wait "1 item"
	kvl_keys Escape
	conn_quit
}

conn_setup kv-ci-prod
cli 0 connection add --type sftp --name Drop --use-key-vault \
	--field host=127.0.0.1 --field "port=$SFTP_PORT" \
	--field "username=$SFTP_USER" --field folder=/export \
	--secret password=sftp-password --accept-privacy-statement

# A new key: the question shows it; n declines.
open_drop
offset=$(stat -c %s "$SFTP_LOG")
kvl_keys t
kvl_screen_wait "Trust the host key?"
kvl_screen_has "$SFTP_HOST_FINGERPRINT"
kvl_screen_has "ssh-ed25519"
kvl_keys n
kvl_screen_wait_gone "Trust the host key?"
no_auth_since "$offset"
cli 0 connection show Drop --output json
kvl_json '.connection.hostKey' null

# y trusts it, stores it and runs the test.
kvl_keys t
kvl_screen_wait "Trust the host key?"
kvl_keys y
kvl_screen_wait "Test passed: SFTP accepted the credential"
password_never_shown "after a passed test"
cli 0 connection show Drop --output json
kvl_json '.connection.hostKey.fingerprint' "$SFTP_HOST_FINGERPRINT"
grep -q "Accepted password for $SFTP_USER" "$SFTP_LOG" ||
	kvl_fail "sshd accepted no password: $(cat "$SFTP_LOG")"

# Trusted: t tests at once.
kvl_keys t
kvl_screen_wait "Test passed: SFTP accepted the credential"
leave_drop

# The trusted key no longer matches: a warning, no authentication.
OTHER_FP=$(sftp_fingerprint "$SFTP_DIR/id_other.pub")
jq --arg fp "$OTHER_FP" '(.connections[] | select(.displayName == "Drop")
	| .sftpHostKey.fingerprint) = $fp' "$ENV/environment.json" \
	>"$WORK/env.json"
cp "$WORK/env.json" "$ENV/environment.json"
open_drop
offset=$(stat -c %s "$SFTP_LOG")
kvl_keys t
kvl_screen_wait "The host key has changed"
kvl_screen_has "WARNING"
kvl_screen_has "credential was sent"
password_never_shown "in the warning"
kvl_keys Enter
kvl_screen_wait "Admin > Connections > Edit"
no_auth_since "$offset"
cli 0 connection show Drop --output json
kvl_json '.connection.hostKey.fingerprint' "$OTHER_FP"
leave_drop
