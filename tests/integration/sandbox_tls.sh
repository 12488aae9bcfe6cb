#!/bin/bash
# kvlink-sandbox serves HTTPS with a certificate authority it creates for
# each start. The CA certificate it writes verifies the server's chain for
# 127.0.0.1 and localhost, contains no private key and differs between
# runs. kvlink trusts the sandbox through that file alone.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

command -v openssl >/dev/null 2>&1 || {
	echo "SKIP: openssl is not installed (scripts/install-deps" \
	     "installs it)" >&2
	exit 77
}
# A failure below must not send anything past loopback through a proxy
# from the developer's environment.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

# Prints the certificate chain the server at SANDBOX_URL sends, as PEM.
server_chain() {
	local port=${SANDBOX_URL##*:}

	openssl s_client -connect "127.0.0.1:$port" -servername localhost \
		-showcerts </dev/null 2>"$WORK/s_client.err" |
		sed -n '/-BEGIN CERTIFICATE-/,/-END CERTIFICATE-/p'
}

# Prints the SHA-256 fingerprint of the certificate in FILE.
fingerprint() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 ||
		kvl_fail "cannot read a certificate from $1"
}

# --- The startup line and the cloud profile. ---------------------------
kvl_sandbox_start
PORT=${SANDBOX_URL##*:}
kvl_grep "kvlink-sandbox: listening on https://127.0.0.1:$PORT" \
	"$WORK/sandbox.out"
CA="$WORK/cloud-ca.pem"
kvl_json .caBundle "$CA" "$SANDBOX_CLOUD"
for key in authorityHost resourceManager microsoftGraph keyVaultScope \
	   keyVaultUriPrefix; do
	kvl_json ".$key | startswith(\"https://127.0.0.1:$PORT/\")" true \
		"$SANDBOX_CLOUD"
done
kvl_json '[.connectionTargets[] | startswith("https://127.0.0.1:")] | all' \
	true "$SANDBOX_CLOUD"
[ "$(stat -c %a "$CA")" = 644 ] ||
	kvl_fail "the CA certificate's mode is $(stat -c %a "$CA"), not 644"

# --- The CA certificate: one certificate, a CA, and no key. ------------
[ "$(grep -c -- '-----BEGIN CERTIFICATE-----' "$CA")" = 1 ] ||
	kvl_fail "$CA does not contain exactly one certificate"
if grep -q 'PRIVATE KEY' "$CA"; then
	kvl_fail "$CA contains a private key"
fi
if openssl pkey -in "$CA" -noout 2>/dev/null; then
	kvl_fail "openssl reads a private key from $CA"
fi
openssl x509 -in "$CA" -noout -text >"$WORK/ca.txt"
kvl_grep "CA:TRUE" "$WORK/ca.txt"
kvl_grep "Certificate Sign" "$WORK/ca.txt"

# --- The server's chain verifies against the CA, for loopback only. ----
server_chain >"$WORK/server.pem"
[ -s "$WORK/server.pem" ] ||
	kvl_fail "no certificate from the sandbox: $(cat "$WORK/s_client.err")"
openssl verify -CAfile "$CA" -purpose sslserver -verify_ip 127.0.0.1 \
	"$WORK/server.pem" >"$WORK/verify.out" 2>&1 ||
	kvl_fail "the chain does not verify: $(cat "$WORK/verify.out")"
openssl verify -CAfile "$CA" -verify_hostname localhost \
	"$WORK/server.pem" >"$WORK/verify.out" 2>&1 ||
	kvl_fail "the chain does not verify for localhost:" \
		 "$(cat "$WORK/verify.out")"
if openssl verify -CAfile "$CA" -verify_ip 10.0.0.1 "$WORK/server.pem" \
	>/dev/null 2>&1; then
	kvl_fail "the server certificate is valid for 10.0.0.1"
fi
openssl x509 -in "$WORK/server.pem" -noout \
	-ext subjectAltName,extendedKeyUsage >"$WORK/server.txt"
kvl_grep "IP Address:127.0.0.1" "$WORK/server.txt"
kvl_grep "DNS:localhost" "$WORK/server.txt"
kvl_grep "TLS Web Server Authentication" "$WORK/server.txt"

# curl trusts the sandbox with its CA and with nothing else. Plain http
# to the port gets no HTTP response.
kvl_curl -f "$SANDBOX_URL/_sandbox/refused-writes" >"$WORK/count.json"
kvl_json .count 0 "$WORK/count.json"
status=0
curl -sS --max-time 10 -o /dev/null "$SANDBOX_URL/_sandbox/state" \
	2>"$WORK/curl.err" || status=$?
[ "$status" = 60 ] ||
	kvl_fail "curl without the CA exited with $status, expected 60"
status=0
curl -sS --max-time 10 -o /dev/null \
	"http://127.0.0.1:$PORT/_sandbox/state" 2>"$WORK/curl.err" ||
	status=$?
[ "$status" != 0 ] || kvl_fail "the sandbox answered plain http"

# kvlink signs in through the profile's caBundle.
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env" login
kvl_grep "avery@contoso.test" "$OUT"
cp "$CA" "$WORK/first-ca.pem"
cp "$SANDBOX_CLOUD" "$WORK/first-cloud.json"
kvl_sandbox_stop

# --- A new run makes a new CA, and the old one is not trusted. ---------
kvl_sandbox_start
[ "$(fingerprint "$CA")" != "$(fingerprint "$WORK/first-ca.pem")" ] ||
	kvl_fail "the second run reused the first run's CA"
server_chain >"$WORK/server2.pem"
if openssl verify -CAfile "$WORK/first-ca.pem" "$WORK/server2.pem" \
	>/dev/null 2>&1; then
	kvl_fail "the first run's CA verifies the second run's server"
fi

jq --arg ca "$WORK/first-ca.pem" '.caBundle = $ca' "$SANDBOX_CLOUD" \
	>"$WORK/wrong-ca.json"
PORT=${SANDBOX_URL##*:}
kvl_run 1 --cloud "$WORK/wrong-ca.json" --env-dir "$WORK/env2" login
kvl_grep "TLS" "$ERR"
kvl_grep "https://127.0.0.1:$PORT/login/" "$ERR"
kvl_grep "certificate" "$ERR"
# The message names the CA file that failed to verify the server.
kvl_grep "$WORK/first-ca.pem" "$ERR"
kvl_sandbox_stop

# --- --ca-out puts the certificate where asked. ------------------------
kvl_sandbox_start --ca-out "$WORK/elsewhere.pem"
kvl_json .caBundle "$WORK/elsewhere.pem" "$SANDBOX_CLOUD"
[ -s "$WORK/elsewhere.pem" ] || kvl_fail "--ca-out wrote nothing"
kvl_sandbox_get /_sandbox/refused-writes >/dev/null
kvl_sandbox_stop

# Without --ca-out and --cloud-out the sandbox still serves HTTPS, and
# warns that no client can trust it.
"$KVLINK_SANDBOX" --port 0 >"$WORK/bare.out" 2>"$WORK/bare.err" &
bare=$!
for i in $(seq 1 $((100 * KVL_TIMEOUT_SCALE))); do
	grep -q 'listening on https://127.0.0.1:' "$WORK/bare.out" && break
	sleep 0.1
done
kill "$bare"
wait "$bare" || true
kvl_grep "listening on https://127.0.0.1:" "$WORK/bare.out"
kvl_grep "no client can verify this sandbox" "$WORK/bare.err"

# A CA path that cannot be written stops the sandbox before it listens.
status=0
"$KVLINK_SANDBOX" --port 0 --ca-out "$WORK/no-such-dir/ca.pem" \
	>"$WORK/bad.out" 2>"$WORK/bad.err" || status=$?
[ "$status" = 1 ] ||
	kvl_fail "kvlink-sandbox exited with $status, expected 1"
kvl_grep "cannot write the CA certificate" "$WORK/bad.err"
if grep -q 'listening on' "$WORK/bad.out"; then
	kvl_fail "kvlink-sandbox listened without its CA file"
fi
