#!/bin/bash
# kvlink connection test for SFTP connections in Key Vault mode, against
# a real OpenSSH server on loopback and a kvlink-sandbox whose vault
# contains the password and the private key. The test seeds those secrets
# through a tenant file, because kvlink never writes secrets.
#
# It covers trust on first use of the host key: rejected without
# --trust-host-key or with a wrong fingerprint, accepted with the right
# one. Then a pinned key, a changed key (warning, no secret read, no
# authentication), a wrong password (one attempt), an OpenSSH private key
# and a PEM key with its passphrase. The closing summary names the cause:
# a key that cannot be opened with its passphrase, a missing or
# unreadable folder, a port that does not speak SSH, a changed key.
# Last, no credential may reach stdout, stderr, the debug log or the
# environment directory.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
. "$KVL_SRCDIR/tests/sftp/sshd.sh"

sftp_require
kvl_test_init
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
sftp_server_start

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
LOG="$WORK/kvlink.log"
KEY_LINE=$(sed -n 2p "$SFTP_DIR/id_ed25519")
RSA_LINE=$(sed -n 5p "$SFTP_DIR/id_rsa.pem")
# Every stdout and stderr of kvlink goes to $ALL too, for the final check.
ALL="$WORK/all-output.txt"
cli() {
	local status=0

	( kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
		--log-file "$LOG" "${@:2}" ) || status=$?
	OUT="$WORK/last.out"
	ERR="$WORK/last.err"
	cat "$OUT" "$ERR" >> "$ALL"
	[ "$status" -eq 0 ] || exit "$status"
}

# no_credential FILE...: none of the files contains a credential.
no_credential() {
	local value

	for value in "$SFTP_PASSWORD" "$KEY_LINE" "$RSA_LINE" \
	    "$SFTP_PASSPHRASE" wrong-sftp-Pass-11 not-the-phrase-3; do
		if grep -rqF -- "$value" "$@"; then
			kvl_fail "a credential is in clear in: $*"
		fi
	done
}

# sshd_lines_since OFFSET: the server's log from byte OFFSET on, once the
# connections it logged have ended.
sshd_lines_since() {
	local i

	for i in $(seq 1 100); do
		tail -c +"$(($1 + 1))" "$SFTP_LOG" > "$WORK/sshd-part.log"
		if ! grep -q 'Connection from' "$WORK/sshd-part.log" ||
		    [ "$(grep -cE 'Connection closed by|Disconnected from' \
			"$WORK/sshd-part.log")" -ge \
		      "$(grep -c 'Connection from' "$WORK/sshd-part.log")" ]
		then
			return 0
		fi
		sleep 0.1
	done
	kvl_fail "sshd logged no end of connection: $(cat "$WORK/sshd-part.log")"
}

log_size() { stat -c %s "$SFTP_LOG"; }

# secret_reads NAME: how often the sandbox served secret NAME so far.
secret_reads() {
	kvl_sandbox_get /_sandbox/requests |
		jq --arg n "$1" '[.value[] | select(.method == "GET" and
			(.path | test("/secrets/" + $n + "(/|$)")))] | length'
}

# The sandbox's built-in tenant, with kv-ci-prod holding the SFTP
# password, two private keys (one with its passphrase) and a wrong
# password as secrets.
kvl_sandbox_start
kvl_sandbox_get /_sandbox/state |
	jq --arg pw "$SFTP_PASSWORD" --rawfile key "$SFTP_DIR/id_ed25519" \
	   --rawfile rsa "$SFTP_DIR/id_rsa.pem" --arg phrase "$SFTP_PASSPHRASE" '
	    del(.vaults[].secrets)
	    | (.vaults[] | select(.name == "kv-ci-prod") | .secrets) = [
		{ name: "sftp-password", value: $pw },
		{ name: "sftp-private-key", value: $key },
		{ name: "sftp-rsa-key", value: $rsa },
		{ name: "sftp-rsa-passphrase", value: $phrase },
		{ name: "sftp-bad-passphrase", value: "not-the-phrase-3" },
		{ name: "sftp-wrong-password", value: "wrong-sftp-Pass-11" } ]' \
	>"$WORK/tenant.json"
kvl_sandbox_stop
kvl_sandbox_start --tenant "$WORK/tenant.json"

cli 0 login
cli 0 env create --name Contoso --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement

sftp_add() {
	cli 0 connection add --type sftp --name "$1" --use-key-vault \
		--field host=127.0.0.1 --field "port=$SFTP_PORT" \
		--field "username=$SFTP_USER" --field folder=/export \
		--secret "$2" --accept-privacy-statement
}
sftp_add Drop password=sftp-password
sftp_add KeyDrop private_key=sftp-private-key
sftp_add BadDrop password=sftp-wrong-password
sftp_add Fresh password=sftp-password
sftp_folder_add() {
	cli 0 connection add --type sftp --name "$1" --use-key-vault \
		--field host=127.0.0.1 --field "port=$2" \
		--field "username=$SFTP_USER" --field "folder=$3" \
		--secret password=sftp-password --accept-privacy-statement
}
sftp_folder_add NoFolder "$SFTP_PORT" /missing
sftp_folder_add Locked "$SFTP_PORT" /locked
SANDBOX_PORT=${SANDBOX_URL##*:}
sftp_folder_add NotSsh "$SANDBOX_PORT" /export
cli 0 connection add --type sftp --name BadPhrase --use-key-vault \
	--field host=127.0.0.1 --field "port=$SFTP_PORT" \
	--field "username=$SFTP_USER" --field folder=/export \
	--secret private_key=sftp-rsa-key \
	--secret passphrase=sftp-bad-passphrase --accept-privacy-statement
cli 0 connection add --type sftp --name RsaDrop --use-key-vault \
	--field host=127.0.0.1 --field "port=$SFTP_PORT" \
	--field "username=$SFTP_USER" --field folder=/export \
	--secret private_key=sftp-rsa-key \
	--secret passphrase=sftp-rsa-passphrase --accept-privacy-statement

# First use without --trust-host-key and no terminal: the key is shown,
# nothing is trusted, no secret is read and no authentication happens.
offset=$(log_size)
cli 5 connection test Drop
kvl_grep "$SFTP_HOST_FINGERPRINT" "$ERR"
kvl_grep "ssh-ed25519" "$ERR"
kvl_grep "--trust-host-key $SFTP_HOST_FINGERPRINT" "$ERR"
[ "$(secret_reads sftp-password)" -eq 0 ] ||
	kvl_fail "the password was read before the host key was trusted"
sshd_lines_since "$offset"
if grep -q userauth-request "$WORK/sshd-part.log"; then
	kvl_fail "kvlink authenticated before the host key was trusted"
fi
cli 0 connection show Drop --output json
kvl_json '.connection.hostKey' null

# A well-formed fingerprint of another key is rejected with status 5,
# as for a key not trusted yet.
OTHER_FP=$(sftp_fingerprint "$SFTP_DIR/id_other.pub")
cli 5 connection test Drop --trust-host-key "$OTHER_FP"
kvl_grep "not $OTHER_FP" "$ERR"
kvl_grep "nothing was trusted" "$ERR"
cli 2 connection test Drop --trust-host-key SHA256:not-a-fingerprint
cli 0 connection show Drop --output json
kvl_json '.connection.hostKey' null

# The right fingerprint: trusted, stored, and the test passes.
offset=$(log_size)
cli 0 connection test Drop --trust-host-key "$SFTP_HOST_FINGERPRINT" \
	--output json
kvl_json .passed true
kvl_json .step ok
kvl_grep "Trusted host key" "$ERR"
[ "$(secret_reads sftp-password)" -eq 1 ] ||
	kvl_fail "the password was not read once from the vault"
sshd_lines_since "$offset"
[ "$(grep -c 'Accepted password for kvtest' "$WORK/sshd-part.log")" -eq 1 ] ||
	kvl_fail "expected one accepted password: $(cat "$WORK/sshd-part.log")"
cli 0 connection show Drop --output json
kvl_json '.connection.hostKey.fingerprint' "$SFTP_HOST_FINGERPRINT"
kvl_json '.connection.hostKey.type' ssh-ed25519
kvl_json '.connection.hostKey.host' 127.0.0.1
cli 0 connection show Drop
kvl_grep "Host key:" "$OUT"
kvl_grep "ssh-ed25519 $SFTP_HOST_FINGERPRINT" "$OUT"

# Pinned: later tests need no option.
cli 0 connection test Drop
kvl_grep "passed" "$OUT"
# Pinned, but another fingerprint given: status 5, the pin stays.
cli 5 connection test Drop --trust-host-key "$OTHER_FP"
kvl_grep "already trusted, not $OTHER_FP" "$ERR"
cli 0 connection show Drop --output json
kvl_json '.connection.hostKey.fingerprint' "$SFTP_HOST_FINGERPRINT"

# A private key from the vault.
cli 0 connection test KeyDrop --trust-host-key "$SFTP_HOST_FINGERPRINT" \
	--output json
kvl_json .passed true
sshd_lines_since "$offset"
kvl_grep "Accepted publickey for kvtest" "$SFTP_LOG"

# A PEM key with its passphrase, both from the vault.
offset=$(log_size)
cli 0 connection test RsaDrop --trust-host-key "$SFTP_HOST_FINGERPRINT" \
	--output json
kvl_json .passed true
sshd_lines_since "$offset"
kvl_grep "Accepted publickey for kvtest from 127.0.0.1" \
	"$WORK/sshd-part.log"
kvl_grep ": RSA SHA256:" "$WORK/sshd-part.log"

# A wrong password: exit 8 at the authentication step, one attempt.
cli 8 connection test BadDrop --trust-host-key "$SFTP_HOST_FINGERPRINT"
offset=$(log_size)
cli 8 connection test BadDrop --output json
kvl_json .step authentication
kvl_json .passed false
sshd_lines_since "$offset"
[ "$(grep -c 'Failed password for kvtest' "$WORK/sshd-part.log")" -eq 1 ] ||
	kvl_fail "expected one failed password: $(cat "$WORK/sshd-part.log")"
[ "$(grep -c 'method password' "$WORK/sshd-part.log")" -eq 1 ] ||
	kvl_fail "expected one password attempt: $(cat "$WORK/sshd-part.log")"

# summary_is STEP PHRASE WRONG: the text output's closing summary names
# the cause (PHRASE) and lacks WRONG, a sentence meant for another case.
summary_is() {
	kvl_grep "failed at step $1" "$OUT"
	kvl_grep "$2" "$OUT"
	if grep -qF -- "$3" "$OUT"; then
		kvl_fail "the summary says '$3': $(cat "$OUT")"
	fi
}

# A wrong passphrase: the key is not opened, nothing reaches the server.
offset=$(log_size)
cli 8 connection test BadPhrase --trust-host-key "$SFTP_HOST_FINGERPRINT"
summary_is authentication "could not be opened with its passphrase" \
	"rejected the credential"
kvl_grep "nothing was sent to the SFTP server" "$OUT"
cli 8 connection test BadPhrase --output json
kvl_json .step authentication
kvl_json '.message | test("could not be opened")' true
sshd_lines_since "$offset"
if grep -q userauth-request "$WORK/sshd-part.log"; then
	kvl_fail "kvlink authenticated with a key it could not open"
fi

# A folder that does not exist, and one the user may not read.
cli 8 connection test NoFolder --trust-host-key "$SFTP_HOST_FINGERPRINT"
summary_is response "export folder does not exist on the SFTP server" \
	"status page"
cli 8 connection test Locked --trust-host-key "$SFTP_HOST_FINGERPRINT"
summary_is permission "may not read the export folder" "scopes"

# A port that speaks HTTP, not SSH: the handshake step, no certificate.
cli 8 connection test NotSsh
summary_is tls "SSH handshake with the SFTP server failed" "certificate"
kvl_grep "no credential was sent" "$OUT"

# The server's key changes (here: the stored pin is replaced): a loud
# warning, no secret read and no authentication.
jq --arg fp "$OTHER_FP" '(.connections[] | select(.displayName == "Drop")
	| .sftpHostKey.fingerprint) = $fp' "$ENV/environment.json" \
	>"$WORK/env.json"
cp "$WORK/env.json" "$ENV/environment.json"
reads=$(secret_reads sftp-password)
offset=$(log_size)
cli 8 connection test Drop
kvl_grep "WARNING: THE SFTP SERVER'S HOST KEY HAS CHANGED" "$ERR"
kvl_grep "No credential was sent" "$ERR"
kvl_grep "$OTHER_FP" "$ERR"
summary_is tls "WARNING: the host key of the SFTP server has changed" \
	"certificate"
kvl_grep "someone may be intercepting the connection" "$OUT"
[ "$(secret_reads sftp-password)" -eq "$reads" ] ||
	kvl_fail "the password was read although the host key changed"
sshd_lines_since "$offset"
if grep -q userauth-request "$WORK/sshd-part.log"; then
	kvl_fail "kvlink authenticated although the host key changed"
fi
cli 0 connection show Drop --output json
kvl_json '.connection.hostKey.fingerprint' "$OTHER_FP"
cli 8 connection test Drop --output json
kvl_json .step tls
kvl_json .passed false

# Nothing listening on the port: the connect step, before any secret.
sftp_server_stop
reads=$(secret_reads sftp-password)
cli 8 connection test Drop --output json
kvl_json .step connect
[ "$(secret_reads sftp-password)" -eq "$reads" ] ||
	kvl_fail "the password was read although the server is down"
sftp_try_port "$SFTP_PORT" || kvl_fail "sshd did not start again"

# Trusting the new key again needs its fingerprint.
cli 0 connection test Drop --trust-host-key "$SFTP_HOST_FINGERPRINT"
cli 0 connection show Drop --output json
kvl_json '.connection.hostKey.fingerprint' "$SFTP_HOST_FINGERPRINT"

# Trusting a key changes the connection: a Contributor may not.
RILEY=a0000000-0000-4000-8000-000000000002
jq --arg id "$RILEY" '.users += [{objectId: $id, name: "Riley Reader",
	role: "Contributor"}]' "$ENV/environment.json" >"$WORK/env.json"
cp "$WORK/env.json" "$ENV/environment.json"
kvl_sandbox_stop
kvl_sandbox_start --tenant "$WORK/tenant.json" --user riley@contoso.test
cli 0 logout
cli 0 login
cli 5 connection test Fresh --trust-host-key "$SFTP_HOST_FINGERPRINT"
kvl_grep "only Admins of environment" "$ERR"
cli 0 connection show Fresh --output json
kvl_json '.connection.hostKey' null

no_credential "$ALL" "$LOG" "$ENV"
