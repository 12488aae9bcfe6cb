#!/bin/bash
# kvlink behind a forward proxy: a tinyproxy on loopback that this test
# starts, in front of the HTTPS sandbox with its per-run CA. Proves that
# requests go through the proxy (tinyproxy logs the CONNECT to the
# sandbox's port), that NO_PROXY bypasses it, and that an untrusted
# certificate ends with the advice about TLS-inspecting proxies.
#
# Debian 12's libcurl (7.88) sends requests for loopback addresses
# through a proxy it is given; a libcurl that skipped the proxy for them
# would fail the first check below rather than pass it unnoticed.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

TINYPROXY=$(command -v tinyproxy || true)
if [ -z "$TINYPROXY" ] && [ -x /usr/bin/tinyproxy ]; then
	TINYPROXY=/usr/bin/tinyproxy
fi
if [ -z "$TINYPROXY" ]; then
	echo "SKIP: tinyproxy is not installed (scripts/install-deps" \
	     "installs it)" >&2
	exit 77
fi

S1=11111111-1111-4111-8111-111111111111
PROXY_LOG="$WORK/tinyproxy.log"
PROXY_PID=

stop_proxy() {
	if [ -n "$PROXY_PID" ]; then
		kill "$PROXY_PID" 2>/dev/null || true
		wait "$PROXY_PID" 2>/dev/null || true
		PROXY_PID=
	fi
}
trap 'stop_proxy; kvl_cleanup' EXIT

# Starts tinyproxy in the foreground on a free loopback port, trying
# random ports until one binds, and sets PROXY_PORT. Without ConnectPort lines
# tinyproxy tunnels CONNECT to any port, the sandbox's included.
start_proxy() {
	local try port

	for try in $(seq 1 20); do
		port=$((20000 + (RANDOM % 40000)))
		cat >"$WORK/tinyproxy.conf" <<EOF
Port $port
Listen 127.0.0.1
Timeout 30
MaxClients 20
LogFile "$PROXY_LOG"
LogLevel Info
PidFile "$WORK/tinyproxy.pid"
Allow 127.0.0.1
EOF
		: >"$PROXY_LOG"
		"$TINYPROXY" -d -c "$WORK/tinyproxy.conf" \
			>"$WORK/tinyproxy.out" 2>&1 &
		PROXY_PID=$!
		# tinyproxy logs this line once it listens; a port that is
		# taken makes it exit instead.
		for _ in $(seq 1 50); do
			kill -0 "$PROXY_PID" 2>/dev/null || break
			if grep -q "Accepting connections" "$PROXY_LOG"; then
				PROXY_PORT=$port
				return 0
			fi
			sleep 0.1
		done
		stop_proxy
	done
	kvl_fail "tinyproxy did not start: $(cat "$WORK/tinyproxy.out")"
}

# Number of CONNECT requests to the sandbox's port that tinyproxy logged.
tunnels() {
	grep -c "CONNECT 127.0.0.1:$SANDBOX_PORT " "$PROXY_LOG" || true
}

kvl_sandbox_start
SANDBOX_PORT=${SANDBOX_URL##*:}
start_proxy
PROXY="http://127.0.0.1:$PROXY_PORT"
unset REQUESTS_CA_BUNDLE CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR

kv() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env" \
	"${@:2}"; }

# Sign-in and a vault list through the proxy.
HTTPS_PROXY="$PROXY" kv 0 login
HTTPS_PROXY="$PROXY" kv 0 list vaults --subscription "$S1" --output json
kvl_json '.vaults | length' 10
after_list=$(tunnels)
[ "$after_list" -ge 1 ] ||
	kvl_fail "tinyproxy logged no CONNECT to port $SANDBOX_PORT, so" \
		"libcurl sent the requests directly (does this libcurl skip" \
		"proxies for loopback addresses?): $(cat "$PROXY_LOG")"
kvl_sandbox_get /_sandbox/requests |
	jq -e '[.value[] | select(.path | endswith("/vaults"))] | length > 0' \
	>/dev/null || kvl_fail "the sandbox saw no vault list"

# Lower case wins: a dead upper-case proxy is not used.
https_proxy="$PROXY" HTTPS_PROXY=http://127.0.0.1:1 \
	kv 0 list vaults --subscription "$S1" --output json
[ "$(tunnels)" -gt "$after_list" ] ||
	kvl_fail "https_proxy was not used over HTTPS_PROXY"
after_lower=$(tunnels)

# NO_PROXY (either case) sends the requests directly.
HTTPS_PROXY="$PROXY" NO_PROXY=127.0.0.1 \
	kv 0 list vaults --subscription "$S1" --output json
HTTPS_PROXY="$PROXY" no_proxy=localhost,127.0.0.0/8 \
	kv 0 list vaults --subscription "$S1" --output json
[ "$(tunnels)" -eq "$after_lower" ] ||
	kvl_fail "NO_PROXY did not bypass the proxy: $(cat "$PROXY_LOG")"

# Without the sandbox's CA the tunnel is made but the certificate does
# not verify, and the error explains the likely proxy and its fix. The
# proxy's password never shows.
jq 'del(.caBundle)' "$SANDBOX_CLOUD" >"$WORK/no-ca.json"
HTTPS_PROXY="http://ops:hunter2@127.0.0.1:$PROXY_PORT" \
	kvl_run 1 --cloud "$WORK/no-ca.json" --env-dir "$WORK/env" \
	--log-file "$WORK/debug.log" list vaults --subscription "$S1"
kvl_grep "could not be verified against the system's trust store" "$ERR"
kvl_grep "inspects TLS with its own certificate" "$ERR"
kvl_grep "set REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE or SSL_CERT_FILE)" \
	"$ERR"
kvl_grep "Requests go through the proxy http://***@127.0.0.1:$PROXY_PORT (from HTTPS_PROXY)" \
	"$ERR"
[ "$(tunnels)" -gt "$after_lower" ] ||
	kvl_fail "the failing request did not go through the proxy"
if grep -q hunter2 "$OUT" "$ERR" "$WORK/debug.log"; then
	kvl_fail "the proxy password was printed or logged"
fi

# A CA variable that names a missing file says which variable to fix.
REQUESTS_CA_BUNDLE="$WORK/missing-ca.pem" \
	kvl_run 1 --cloud "$WORK/no-ca.json" --env-dir "$WORK/env" \
	list vaults --subscription "$S1"
kvl_grep "cannot read the CA bundle '$WORK/missing-ca.pem' (from REQUESTS_CA_BUNDLE)" \
	"$ERR"

# REQUESTS_CA_BUNDLE with the sandbox's CA fixes it, still via the proxy.
before=$(tunnels)
HTTPS_PROXY="$PROXY" REQUESTS_CA_BUNDLE="$SANDBOX_CA" \
	kvl_run 0 --cloud "$WORK/no-ca.json" --env-dir "$WORK/env" \
	list vaults --subscription "$S1" --output json
kvl_json '.vaults | length' 10
[ "$(tunnels)" -gt "$before" ] ||
	kvl_fail "the request with REQUESTS_CA_BUNDLE skipped the proxy"
