#!/bin/bash
# kvlink connection test against the vendor stand-ins of a real
# kvlink-sandbox. It covers passes, a rejected key (authentication), a
# key without the scope (permission), an address where nothing listens
# (connect) and a host under .invalid (dns), in Key Vault mode and with
# typed credentials. It also checks the JSON shape and exit status 8, and
# that no credential value reaches stdout, stderr, the debug log, the
# request log or the environment directory.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
# A proxy from the developer's shell would receive the test requests.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
LOG="$WORK/kvlink.log"
CLOUD="$SANDBOX_CLOUD"
cli() {
	kvl_run "$1" --cloud "$CLOUD" --env-dir "$ENV" --log-file "$LOG" \
		"${@:2}"
}

# Every credential value the tests use, valid or not; none may leak.
VALUES=(SG.sandbox-not-a-real-key SG.sandbox-readonly-key
	pk_sandbox-klaviyo-key xkeysib-sandbox-brevo-key
	sandbox-long-lived-value pk_sandbox-klaviyo-limited
	xkeysib-sandbox-brevo-limited sandbox-dotdigital-password
	sandbox-dotdigital-limited sandbox-activecampaign-key
	sandbox-omnisend-key sandbox-autopilot-key sandbox-marketo-secret
	sandbox-marketo-limited SG.kvlink-wrong-CLEARTEXT-91c2
	pk_kvlink-wrong-CLEARTEXT-33a0)

# typed_add TYPE NAME VALUE [--field ...]: a connection whose credential
# field (api_key unless a --credential-stdin is given) is typed.
typed_add() {
	local type=$1 name=$2 value=$3 status=0 field=api_key
	shift 3
	case "$type" in
	dotdigital) field=password ;;
	marketo) field=client_secret ;;
	esac
	printf '%s\n' "$value" >"$WORK/cred.txt"
	"$KVLINK" --cloud "$CLOUD" --env-dir "$ENV" connection add \
		--type "$type" --name "$name" --credential-stdin "$field" \
		--accept-privacy-statement "$@" <"$WORK/cred.txt" \
		>"$WORK/last.out" 2>"$WORK/last.err" || status=$?
	rm -f "$WORK/cred.txt"
	[ "$status" -eq 0 ] ||
		kvl_fail "adding $name failed: $(cat "$WORK/last.err")"
}

# expect_test NAME STATUS STEP [HTTP]: the JSON result of a test.
expect_test() {
	cli "$2" connection test "$1" --output json
	kvl_json .step "$3"
	kvl_json .passed "$([ "$3" = ok ] && echo true || echo false)"
	kvl_json .httpStatus "${4:-null}"
	no_values "$OUT" "$ERR"
}

no_values() {
	local v

	for v in "${VALUES[@]}"; do
		if grep -rqF -- "$v" "$@"; then
			kvl_fail "credential value $v found in: $*"
		fi
	done
}

# vendor_requests: how many requests the vendor stand-ins received.
vendor_requests() {
	kvl_sandbox_get /_sandbox/requests |
		jq '[.value[] | select(.path | startswith("/vendor/"))] | length'
}

cli 0 login
cli 0 env create --name Contoso --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement

# --- Key Vault mode: the values are read from kv-ci-prod as Avery. ------
kv_add() {
	cli 0 connection add --type "$1" --name "$2" --use-key-vault \
		--secret "api_key=$3" --accept-privacy-statement \
		--allow-unusable-secret
}
kv_add sendgrid "KV SendGrid" sendgrid-api-key
kv_add klaviyo "KV Klaviyo" klaviyo-private-key
kv_add sendinblue "KV Brevo" brevo-api-key
kv_add sendgrid "KV SendGrid read-only" mail-readonly-key
kv_add sendgrid "KV SendGrid wrong" long-lived-webhook-key
kv_add klaviyo "KV Klaviyo wrong" long-lived-webhook-key

expect_test "KV SendGrid" 0 ok 200
kvl_json .connection.credentials keyVault
kvl_json .connection.type sendgrid
kvl_json .target "$SANDBOX_URL/vendor/sendgrid/v3/scopes"
kvl_json .vendorMessage null
kvl_json '.message | test("^SendGrid accepted")' true
kvl_json 'keys | join(",")' \
	"connection,detail,httpStatus,message,passed,step,target,vendorMessage"
expect_test "KV Klaviyo" 0 ok 200
expect_test "KV Brevo" 0 ok 200
expect_test "KV SendGrid read-only" 8 permission 403
kvl_json .vendorMessage "access forbidden"
kvl_grep "failed at step 'permission'" "$ERR"
expect_test "KV SendGrid wrong" 8 authentication 401
kvl_json .vendorMessage "authorization required"
expect_test "KV Klaviyo wrong" 8 authentication 401
kvl_json .vendorMessage "Missing or invalid private key."

# Text output names the step, the status and the vendor's words.
cli 8 connection test "kv sendgrid wrong"
kvl_grep "Result:" "$OUT"
kvl_grep "authentication" "$OUT"
kvl_grep "401" "$OUT"
kvl_grep "authorization required" "$OUT"
kvl_grep "SendGrid rejected the credential" "$OUT"
no_values "$OUT" "$ERR"

# Exactly one vendor request per test: no retry after a 401.
before=$(vendor_requests)
cli 8 connection test "KV SendGrid wrong"
after=$(vendor_requests)
[ $((after - before)) -eq 1 ] ||
	kvl_fail "a failed test sent $((after - before)) vendor requests"

# --- Typed mode: the values are unsealed from credentials.key. ----------
typed_add sendgrid "T SendGrid" SG.sandbox-not-a-real-key
typed_add klaviyo "T Klaviyo" pk_sandbox-klaviyo-key
typed_add sendinblue "T Brevo" xkeysib-sandbox-brevo-key
typed_add sendgrid "T SendGrid wrong" SG.kvlink-wrong-CLEARTEXT-91c2
typed_add klaviyo "T Klaviyo wrong" pk_kvlink-wrong-CLEARTEXT-33a0
typed_add klaviyo "T Klaviyo limited" pk_sandbox-klaviyo-limited
typed_add sendinblue "T Brevo limited" xkeysib-sandbox-brevo-limited
typed_add dotdigital "T DotDigital" sandbox-dotdigital-password \
	--field api_user=apiuser-sandbox@apiconnector.com \
	--field address_book_id=42
typed_add dotdigital "T DotDigital other user" \
	sandbox-dotdigital-password \
	--field api_user=apiuser-limited@apiconnector.com \
	--field address_book_id=42
typed_add dotdigital "T DotDigital limited" sandbox-dotdigital-limited \
	--field api_user=apiuser-limited@apiconnector.com \
	--field address_book_id=42
typed_add activecampaign "T ActiveCampaign" sandbox-activecampaign-key \
	--field api_host=contoso.api-us1.com
typed_add omnisend "T Omnisend" sandbox-omnisend-key
typed_add autopilot "T Autopilot" sandbox-autopilot-key
typed_add marketo "T Marketo" sandbox-marketo-secret \
	--field client_id=sbx-marketo-client-1 \
	--field rest_host=123-abc-456.mktorest.com
typed_add marketo "T Marketo limited" sandbox-marketo-limited \
	--field client_id=sbx-marketo-client-2 \
	--field rest_host=123-abc-456.mktorest.com
typed_add marketo "T Marketo wrong" sandbox-marketo-secret \
	--field client_id=someone-else \
	--field rest_host=123-abc-456.mktorest.com
no_values "$ENV"

expect_test "T SendGrid" 0 ok 200
kvl_json .connection.credentials typed
expect_test "T Klaviyo" 0 ok 200
expect_test "T Brevo" 0 ok 200
expect_test "T SendGrid wrong" 8 authentication 401
expect_test "T Klaviyo wrong" 8 authentication 401
expect_test "T Klaviyo limited" 8 permission 403
kvl_json .vendorMessage "The API key lacks the accounts:read scope."
expect_test "T Brevo limited" 8 permission 403
kvl_json .vendorMessage "This API key cannot read the account"
expect_test "T DotDigital" 0 ok 200
expect_test "T DotDigital other user" 8 authentication 401
expect_test "T DotDigital limited" 8 permission 403
expect_test "T ActiveCampaign" 0 ok 200
expect_test "T Omnisend" 0 ok 200
expect_test "T Autopilot" 0 ok 200
expect_test "T Marketo" 0 ok 200
kvl_json .target "$SANDBOX_URL/vendor/marketo/rest/v1/lists.json"
# Marketo rejects the read inside a 200 response after a valid token.
expect_test "T Marketo limited" 8 permission 200
kvl_json .vendorMessage "Access denied"
expect_test "T Marketo wrong" 8 authentication 401
kvl_json .target "$SANDBOX_URL/vendor/marketo/identity/oauth/token"
kvl_json .vendorMessage "Bad client credentials"

# --- Unreachable targets, from a profile with other connectionTargets. --
# Port 1 of the loopback address: only root could listen there, and a
# test never runs a server on it. .invalid names never resolve.
jq '.connectionTargets = {
	"sendgrid": "http://127.0.0.1:1/sendgrid",
	"klaviyo": "http://127.0.0.1:1/klaviyo",
	"sendinblue": "https://vendor.kvlink-test.invalid/brevo",
	"dotdigital": "https://dotdigital.kvlink-test.invalid"}' \
	"$SANDBOX_CLOUD" >"$WORK/unreachable.json"
CLOUD="$WORK/unreachable.json"
expect_test "KV SendGrid" 8 connect
kvl_json .target "http://127.0.0.1:1/sendgrid/v3/scopes"
kvl_json '.detail | length > 0' true
expect_test "T Klaviyo" 8 connect
expect_test "KV Brevo" 8 dns
kvl_json .target "https://vendor.kvlink-test.invalid/brevo/v3/account"
expect_test "T Brevo" 8 dns
expect_test "T DotDigital" 8 dns
cli 8 connection test "T SendGrid"
kvl_grep "Could not connect to the SendGrid server" "$OUT"
kvl_grep "failed at step connect" "$OUT"
CLOUD="$SANDBOX_CLOUD"

# --- No redirect is followed, and a vendor's text is cleaned. -----------
jq --arg base "$SANDBOX_URL" \
	'.connectionTargets = {"sendgrid": ($base + "/vendor/moved")}' \
	"$SANDBOX_CLOUD" >"$WORK/moved.json"
CLOUD="$WORK/moved.json"
before=$(vendor_requests)
expect_test "T SendGrid" 8 response 301
[ "$(vendor_requests)" -eq $((before + 1)) ] ||
	kvl_fail "the redirect was followed"
# The echo hook quotes the key it got and adds an escape sequence.
jq --arg base "$SANDBOX_URL" \
	'.connectionTargets = {"sendgrid": ($base + "/vendor/echo")}' \
	"$SANDBOX_CLOUD" >"$WORK/echo.json"
CLOUD="$WORK/echo.json"
expect_test "T SendGrid" 8 authentication 401
kvl_json .vendorMessage "API key '<redacted>' is not valid_[2J"
cli 8 connection test "KV SendGrid"
kvl_grep "API key '<redacted>' is not valid_[2J" "$OUT"
no_values "$OUT" "$ERR"
if grep -q $'\x1b' "$OUT" "$ERR"; then
	kvl_fail "an escape sequence from the vendor reached the terminal"
fi
CLOUD="$SANDBOX_CLOUD"

# A connectionTargets URL must be https, or http to loopback.
jq '.connectionTargets = {"sendgrid": "http://vendor.example.test/x"}' \
	"$SANDBOX_CLOUD" >"$WORK/remote.json"
CLOUD="$WORK/remote.json"
cli 2 connection test "T SendGrid"
kvl_grep "connectionTargets" "$ERR"
CLOUD="$SANDBOX_CLOUD"

# --- Types that cannot be tested, and missing connections. --------------
printf 'sandbox-google-token\n' >"$WORK/cred.txt"
"$KVLINK" --cloud "$CLOUD" --env-dir "$ENV" connection add --type googleads \
	--name Ads --field customer_id=123-456-7890 \
	--credential-stdin developer_token --accept-privacy-statement \
	<"$WORK/cred.txt" >/dev/null 2>&1 || kvl_fail "cannot add Ads"
rm -f "$WORK/cred.txt"
cli 2 connection test Ads
kvl_grep "Google Ads connections cannot be tested" "$ERR"
# SFTP is tested over SSH (tests/sftp/cli_sftp.sh); a name under .invalid
# fails at the dns step without a lookup and before any secret is read.
cli 0 connection add --type sftp --name Files \
	--field host=sftp.contoso.invalid --field username=exporter \
	--field folder=/exports --use-key-vault \
	--secret password=sftp-password --accept-privacy-statement
cli 8 connection test Files --output json
kvl_json .step dns
kvl_json .target sftp://sftp.contoso.invalid:22/exports
cli 3 connection test "No such connection"
kvl_grep "kvlink connection list" "$ERR"
cli 2 connection test
kvl_grep "missing argument NAME" "$ERR"
# An empty name is a usage error, like a missing one, for every command
# that takes a connection's name.
for command in test show edit delete; do
	cli 2 connection "$command" ""
	kvl_grep "the connection's name is empty" "$ERR"
done

# --- Key Vault mode: a secret that cannot be read stops the test. -------
before=$(vendor_requests)
kvl_curl -f -X POST --data '{"vault":"kv-ci-prod","action":"delete-secret",
	"secret":"brevo-api-key"}' "$SANDBOX_URL/_sandbox/break" >/dev/null ||
	kvl_fail "cannot delete a secret in the sandbox"
cli 3 connection test "KV Brevo"
kvl_grep "read the secret" "$ERR"
kvl_grep "brevo-api-key" "$ERR"
kvl_curl -f -X POST --data '{"vault":"kv-ci-prod","action":"remove-policy",
	"principalId":"a0000000-0000-4000-8000-000000000001"}' \
	"$SANDBOX_URL/_sandbox/break" >/dev/null ||
	kvl_fail "cannot remove Avery's access policy in the sandbox"
cli 1 connection test "KV SendGrid"
kvl_grep "read the secret" "$ERR"
[ "$(vendor_requests)" = "$before" ] ||
	kvl_fail "a vendor was contacted without a credential"
kvl_curl -f -X POST "$SANDBOX_URL/_sandbox/reset" >/dev/null ||
	kvl_fail "cannot reset the sandbox"

# --- kvlink --sandbox sends tests to its own sandbox's stand-ins. ------
sb() { kvl_run "$1" --sandbox --env-dir "$WORK/sandbox-env" "${@:2}"; }
sb 0 login
sb 0 env create --name Embedded --region westeurope
sb 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
sb 0 connection add --type klaviyo --name Audience --use-key-vault \
	--secret api_key=klaviyo-private-key --accept-privacy-statement
sb 0 connection test Audience --output json
kvl_json .step ok
kvl_json '.target | test("^https://127[.]0[.]0[.]1:[0-9]+/vendor/klaviyo/")' \
	true
# The sandbox keeps its tenant, secret values included, in
# sandbox-state.json; every other file there is kvlink's.
no_values "$OUT" "$ERR"
no_values $(find "$WORK/sandbox-env" -type f ! -name sandbox-state.json)
embedded_log=$(find "$WORK" -name sandbox-requests.jsonl -type f)
[ -n "$embedded_log" ] || kvl_fail "the embedded sandbox kept no log"
grep -qF '"path":"/vendor/klaviyo/api/accounts/"' $embedded_log ||
	kvl_fail "the embedded sandbox saw no Klaviyo request"
no_values $embedded_log

# --- Nothing leaked. -----------------------------------------------------
[ -s "$LOG" ] || kvl_fail "the debug log is empty"
kvl_grep "probe GET" "$LOG"
no_values "$LOG" "$ENV"
kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
no_values "$WORK/requests.json" "$KVL_REQUEST_LOGS/$KVL_TEST_NAME".*.jsonl
if grep -qiE 'authorization|api-key|bearer|basic ' "$WORK/requests.json"
then
	kvl_fail "the request records contain a credential header"
fi
