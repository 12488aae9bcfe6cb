#!/bin/bash
# The question to trust an SFTP server's host key. The screen walk of
# tests/tui/screens.sh cannot reach it without an SSH server, so this
# test checks it the walk's way, in the walk's sizes, colour modes and
# languages: 80x24 and 132x43, in colour and under NO_COLOR, in English
# and German. In each, t on the connection editor of an SFTP connection
# opens the question, and n declines it.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/sftp/sshd.sh"
sftp_require
. "$KVL_SRCDIR/tests/tui/tmux.sh"
. "$KVL_SRCDIR/tests/tui/screens.sh"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
sftp_server_start
trap 'sftp_server_stop; kvl_tmux_cleanup' EXIT

# The row of the question; the walk's table lists it as visited here.
SCREENS+=("trust-host-key|confirm:Trust the host key?|Admin > Connections > Edit|Trust the host key?|Enter open  Space toggle  s save  t test  n new instead  Esc back|")

kvl_sandbox_start
. "$KVL_SRCDIR/tests/tui/connections.sh"
conn_setup kv-ci-prod
# Declining the question sends no credential, so any secret of the vault
# will do.
cli 0 connection add --type sftp --name Drop --use-key-vault \
	--field host=127.0.0.1 --field "port=$SFTP_PORT" \
	--field "username=$SFTP_USER" --field folder=/export \
	--secret password=sendgrid-api-key --allow-unusable-secret \
	--accept-privacy-statement

# trust_visit COLS ROWS COLOUR LANGUAGE
trust_visit() {
	local offset

	screens_use "$@"
	screens_start "$ENV"
	screens_visit home
	kvl_keys Down Enter
	kvl_screen_wait "Drop"
	kvl_keys e
	screens_visit conn-edit "Drop"
	offset=$(stat -c %s "$SFTP_LOG")
	kvl_keys t
	screens_visit trust-host-key
	kvl_screen_has "$SFTP_HOST_FINGERPRINT"
	kvl_keys n
	screens_visit conn-edit "Drop"
	if tail -c +"$((offset + 1))" "$SFTP_LOG" |
		grep -q userauth-request; then
		kvl_fail "kvlink signed in although the key was not trusted"
	fi
	screens_back "Admin > Connections"
	screens_back Home
	screens_quit
}

for size in "80 24" "132 43"; do
	for language in en de; do
		for colour in color nocolor; do
			# shellcheck disable=SC2086
			trust_visit $size "$colour" "$language"
		done
	done
done
cli 0 connection show Drop --output json
kvl_json '.connection.hostKey' null
