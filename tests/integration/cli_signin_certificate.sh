#!/bin/bash
# Signing in as the environment's service principal with a certificate
# (AZURE_CLIENT_CERTIFICATE_PATH), against a real kvlink-sandbox: a PEM
# file and a PKCS#12 file with a password sign a PS256 client assertion
# that the sandbox verifies with the registered certificate's public key.
# An unregistered certificate, a wrong password and a missing file fail
# with exit status 4 and a message that names the fix. No password
# or assertion reaches the output or the debug log.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
command -v openssl >/dev/null 2>&1 || {
	echo "SKIP: openssl is not installed" >&2
	exit 77
}
kvl_sandbox_start

TENANT=72f988bf-0000-4000-8000-00000000a001
APP=b0000000-0000-4000-8000-0000000000b1
APP_SP=b0000000-0000-4000-8000-0000000000b2
LOG="$WORK/kvlink.log"
cli() {
	kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env" \
		--log-file "$LOG" "${@:2}"
}

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# Two key pairs: "app" is registered on the automation app, "other" is
# not.
for name in app other; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 \
		-subj "/CN=kvlink-test-$name" -keyout "$WORK/$name.key" \
		-out "$WORK/$name.crt" 2>/dev/null ||
		kvl_fail "openssl req failed"
	cat "$WORK/$name.crt" "$WORK/$name.key" >"$WORK/$name.pem"
done
jq -n --arg app "$APP" --rawfile cert "$WORK/app.crt" \
	'{appId: $app, certificate: $cert}' |
	kvl_curl -f -H 'Content-Type: application/json' --data-binary @- \
		"$SANDBOX_URL/_sandbox/app-credentials" >/dev/null ||
	kvl_fail "registering the certificate failed"

# The sandbox itself verifies PS256 with the registered certificate's
# public key: an assertion made with openssl and the right key gets a
# token, the same assertion signed with another key is rejected.
TOKEN_URL="$SANDBOX_URL/login/$TENANT/oauth2/v2.0/token"
thumb=$(openssl x509 -in "$WORK/app.crt" -outform DER |
	openssl dgst -sha256 -binary | b64url)
now=$(date +%s)
header=$(jq -cn --arg t "$thumb" '{alg: "PS256", typ: "JWT",
	"x5t#S256": $t}' | tr -d '\n' | b64url)
claims=$(jq -cn --arg aud "$TOKEN_URL" --arg app "$APP" --argjson now "$now" \
	'{aud: $aud, iss: $app, sub: $app, jti: "test-jti", iat: $now,
	  nbf: $now, exp: ($now + 600)}' | tr -d '\n' | b64url)
# token_with KEY: POSTs the assertion signed with KEY (PS256) and prints
# the HTTP status; the body is in $WORK/token.json.
token_with() {
	local sig

	sig=$(printf '%s' "$header.$claims" |
		openssl dgst -sha256 -sigopt rsa_padding_mode:pss \
			-sigopt rsa_pss_saltlen:digest -sign "$1" -binary |
		b64url)
	printf '%s' "$header.$claims.$sig" >"$WORK/assertion.txt"
	kvl_curl -o "$WORK/token.json" -w '%{http_code}' \
		--data-urlencode "client_id=$APP" \
		--data-urlencode "grant_type=client_credentials" \
		--data-urlencode "scope=$SANDBOX_URL/arm/.default" \
		--data-urlencode "client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer" \
		--data-urlencode "client_assertion@$WORK/assertion.txt" \
		"$TOKEN_URL"
}
[ "$(token_with "$WORK/app.key")" = 200 ] ||
	kvl_fail "a PS256 assertion with the registered key was rejected:" \
		"$(cat "$WORK/token.json")"
[ "$(token_with "$WORK/other.key")" = 401 ] ||
	kvl_fail "a PS256 assertion with another key was accepted"
kvl_json '.error_description | contains("its signature does not verify")' \
	true "$WORK/token.json"

export AZURE_TENANT_ID="$TENANT" AZURE_CLIENT_ID="$APP"

# A PEM file with the registered certificate and its key.
export AZURE_CLIENT_CERTIFICATE_PATH="$WORK/app.pem"
cli 0 whoami --output json
kvl_json .method env
kvl_json .objectId "$APP_SP"
kvl_json .type servicePrincipal
kvl_json .tenantId "$TENANT"
cli 0 --auth env whoami
kvl_grep "Signed in with" "$OUT"
kvl_grep "env" "$OUT"
cli 0 list subscriptions --output json

# A certificate the app does not know: the sandbox rejects it.
export AZURE_CLIENT_CERTIFICATE_PATH="$WORK/other.pem"
cli 4 whoami
kvl_grep "x5t#S256" "$ERR"
kvl_grep "AZURE_CLIENT_CERTIFICATE_PATH" "$ERR"

# A PEM file whose key does not belong to its certificate never leaves
# the machine.
cat "$WORK/app.crt" "$WORK/other.key" >"$WORK/mismatch.pem"
export AZURE_CLIENT_CERTIFICATE_PATH="$WORK/mismatch.pem"
cli 4 whoami
kvl_grep "does not belong to its certificate" "$ERR"

# A missing file.
export AZURE_CLIENT_CERTIFICATE_PATH="$WORK/missing.pem"
cli 4 whoami
kvl_grep "AZURE_CLIENT_CERTIFICATE_PATH: cannot read the certificate file '$WORK/missing.pem'" "$ERR"

# PKCS#12 with a password, given to openssl through a file so that it
# stays out of argv.
PASSWORD="pfx-$(openssl rand -hex 12)"
printf '%s\n' "$PASSWORD" >"$WORK/password.txt"
openssl pkcs12 -export -in "$WORK/app.crt" -inkey "$WORK/app.key" \
	-out "$WORK/app.p12" -passout "file:$WORK/password.txt" ||
	kvl_fail "openssl pkcs12 failed"
export AZURE_CLIENT_CERTIFICATE_PATH="$WORK/app.p12"
export AZURE_CLIENT_CERTIFICATE_PASSWORD="$PASSWORD"
cli 0 whoami --output json
kvl_json .method env
kvl_json .objectId "$APP_SP"
for out in "$OUT" "$ERR"; do
	cp "$out" "$WORK/kept-$(basename "$out")"
done

AZURE_CLIENT_CERTIFICATE_PASSWORD="wrong-password" cli 4 whoami
kvl_grep "the password for the PKCS#12 file '$WORK/app.p12' is wrong" \
	"$ERR"
kvl_grep "AZURE_CLIENT_CERTIFICATE_PASSWORD" "$ERR"
unset AZURE_CLIENT_CERTIFICATE_PASSWORD
cli 4 whoami
kvl_grep "is wrong" "$ERR"

# --auth env without its variables names the ones to set.
unset AZURE_CLIENT_CERTIFICATE_PATH AZURE_TENANT_ID
cli 4 --auth env whoami
kvl_grep "AZURE_TENANT_ID" "$ERR"
kvl_grep "AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH" "$ERR"

# The password and the assertions never reach output or the log.
[ -s "$LOG" ] || kvl_fail "--log-file wrote nothing"
if grep -rqF -- "$PASSWORD" "$LOG" "$WORK/last.out" "$WORK/last.err" \
	"$WORK"/kept-*; then
	kvl_fail "the PKCS#12 password was written to an output or the log"
fi
if grep -qE 'eyJ[A-Za-z0-9_-]{10,}' "$LOG"; then
	kvl_fail "a JWT was written to the debug log"
fi

echo "cli_signin_certificate: all checks passed"
