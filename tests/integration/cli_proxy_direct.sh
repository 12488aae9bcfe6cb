#!/bin/bash
# Requests that a proxy from the environment must not see, and messages
# that blame a proxy by name. kvlink --sandbox reaches the sandbox it
# started directly, whatever https_proxy or HTTPS_PROXY contain; a
# request that goes through a proxy and fails names the proxy and its
# variable; a proxy password never shows, even when it contains '#', '/'
# or '?'; and a TLS failure under a cloud profile's caBundle names that
# file as the fix. The dead proxy is a closed loopback port.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

DEAD=http://127.0.0.1:9
S1=11111111-1111-4111-8111-111111111111

# --- The embedded sandbox is always reached directly. -----------------
for var in HTTPS_PROXY https_proxy; do
	env "$var=$DEAD" "$KVLINK" --sandbox --env-dir "$WORK/sb-$var" \
		--timeout 5 list subscriptions --output json \
		</dev/null >"$WORK/sb.out" 2>"$WORK/sb.err" ||
		kvl_fail "kvlink --sandbox with $var=$DEAD failed:" \
			"$(cat "$WORK/sb.err")"
	kvl_json '.subscriptions | length' 4 "$WORK/sb.out"
done

# The log names the proxy with its password hidden.
HTTPS_PROXY='http://alice:pa#ss@127.0.0.1:9' \
	kvl_run 0 --sandbox --env-dir "$WORK/sb-log" --timeout 5 \
	--log-file "$WORK/debug.log" list subscriptions
kvl_grep "http https proxy http://***@127.0.0.1:9 (from HTTPS_PROXY)" \
	"$WORK/debug.log"
if grep -q "pa#ss" "$OUT" "$ERR" "$WORK/debug.log"; then
	kvl_fail "the proxy password was printed or logged"
fi

# --- A failure through the proxy names it. ----------------------------
kvl_sandbox_start
HTTPS_PROXY=$DEAD kvl_run 1 --cloud "$SANDBOX_CLOUD" \
	--env-dir "$WORK/env" --timeout 2 login
kvl_grep "cannot connect to the proxy $DEAD (from HTTPS_PROXY)" "$ERR"
kvl_grep "correct or unset HTTPS_PROXY" "$ERR"

# --- cloud show hides the password in every form. ---------------------
for password in 'pa#ss' 'pa/ss' 'pa?ss' 'p@ss#word'; do
	url="http://alice:$password@127.0.0.1:9"
	HTTPS_PROXY=$url kvl_run 0 --cloud "$SANDBOX_CLOUD" cloud show
	kvl_grep "http://***@127.0.0.1:9 (from HTTPS_PROXY)" "$OUT"
	HTTPS_PROXY=$url kvl_run 0 --cloud "$SANDBOX_CLOUD" cloud show \
		--output json
	kvl_json '.httpsProxy.value' 'http://***@127.0.0.1:9'
	if grep -qF -- "$password" "$OUT" "$ERR"; then
		kvl_fail "cloud show printed the proxy password '$password'"
	fi
done

# --- A pinned caBundle gets advice that can work. ---------------------
# A CA of its own that did not sign the sandbox's certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$WORK/other.key" -out "$WORK/other-ca.pem" -days 1 \
	-subj /CN=other-ca 2>/dev/null ||
	kvl_fail "openssl could not create a CA certificate"
jq --arg ca "$WORK/other-ca.pem" '.caBundle = $ca' "$SANDBOX_CLOUD" \
	>"$WORK/other-ca.json"
REQUESTS_CA_BUNDLE="$SANDBOX_CA" kvl_run 1 --cloud "$WORK/other-ca.json" \
	--env-dir "$WORK/env" --timeout 5 login
kvl_grep "could not be verified against the CA bundle '$WORK/other-ca.pem'" \
	"$ERR"
kvl_grep "add that proxy's CA certificate to '$WORK/other-ca.pem', the caBundle of the cloud profile" \
	"$ERR"
if grep -q "set REQUESTS_CA_BUNDLE" "$ERR"; then
	kvl_fail "the advice names a variable that the profile overrides"
fi

