#!/bin/bash
# Warnings of kvlink env identity set and show, against a real
# kvlink-sandbox. A client id other than the Customer Insights app's is
# named at set time, in show and in the secret.unreadable fix, which then
# never advises granting that app access. A managed identity without
# IDENTITY_ENDPOINT gets a note about the instance metadata service; no
# test here sends a request to that service.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
command -v openssl >/dev/null 2>&1 || {
	echo "SKIP: openssl is not installed" >&2
	exit 77
}
kvl_sandbox_start
unset IDENTITY_ENDPOINT IDENTITY_HEADER MSI_ENDPOINT MSI_SECRET

S1=11111111-1111-4111-8111-111111111111
TENANT=72f988bf-0000-4000-8000-00000000a001
CI_APP=0bfc4568-a4ba-4c58-bd3e-5d3e76bd7fff
OTHER_APP=b0000000-0000-4000-8000-0000000000b1
ENV="$WORK/env"
cli() {
	kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"
}

# set_secret_identity APP: env identity set for APP with the client
# secret in $WORK/secret.txt on standard input.
set_secret_identity() {
	OUT="$WORK/last.out"
	ERR="$WORK/last.err"
	"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" env identity set \
		--kind client-secret --identity-tenant "$TENANT" \
		--identity-client-id "$1" --client-secret-stdin \
		<"$WORK/secret.txt" >"$OUT" 2>"$ERR" ||
		kvl_fail "env identity set failed: $(cat "$ERR")"
}

printf 'kvl-test-%s\n' "$(openssl rand -hex 20)" >"$WORK/secret.txt"
jq -n --arg app "$OTHER_APP" --rawfile secret "$WORK/secret.txt" \
	'{appId: $app, clientSecret: ($secret | rtrimstr("\n"))}' |
	kvl_curl -f -H 'Content-Type: application/json' \
	--data-binary @- "$SANDBOX_URL/_sandbox/app-credentials" \
	>/dev/null || kvl_fail "POST /_sandbox/app-credentials failed"

cli 0 login
cli 0 env create --name Contoso --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 connection add --type sftp --name Files \
	--field host=sftp.contoso.test --field username=exporter \
	--field folder=/exports --use-key-vault \
	--secret password=sftp-password --accept-privacy-statement

# The Customer Insights app itself gets no warning.
set_secret_identity "$CI_APP"
if grep -qF "not the Customer Insights app" "$ERR"; then
	kvl_fail "the Customer Insights app was called another app"
fi
cli 0 env identity show --output json
kvl_json .serviceIdentity.customerInsightsApp true

# Another app is named at set time and in show.
set_secret_identity "$OTHER_APP"
kvl_grep "warning: client id $OTHER_APP is not the Customer Insights app" \
	"$ERR"
kvl_grep "--identity-client-id $CI_APP" "$ERR"
cli 0 env identity show
kvl_grep "client id $OTHER_APP is not the Customer Insights app" "$ERR"
cli 0 env identity show --output json
kvl_json .serviceIdentity.customerInsightsApp false

# The other app cannot read the vault's secrets: the fix names the
# mismatch and does not advise granting that app the get permission.
cli 5 check --output json
kvl_json .secretsReadAs.clientId "$OTHER_APP"
UNREADABLE='.findings[] | select(.id == "secret.unreadable:sftp-password")'
kvl_json "$UNREADABLE | .severity" error
kvl_json "$UNREADABLE | .fix | contains(\"not the Customer Insights app\")" \
	true
kvl_json "$UNREADABLE | .fix | contains(\"--identity-client-id $CI_APP\")" \
	true
kvl_json "$UNREADABLE | .fix | contains(\"get permission\")" false

# A managed identity without IDENTITY_ENDPOINT: a note about the instance
# metadata service and how to remove the identity. Nothing is asked of
# that service here: set and show read no token.
# This machine is no Azure VM (tests/lib.sh gives kvlink empty DMI
# data), so there is no endpoint at all, in set and in show.
cli 0 env identity set --kind managed-identity
kvl_grep "this machine is not an Azure VM" "$ERR"
kvl_grep "kvlink env identity clear" "$ERR"
if grep -qF "169.254.169.254" "$OUT" "$ERR"; then
	kvl_fail "the metadata service was named off Azure: $(cat "$OUT" "$ERR")"
fi
cli 0 env identity show
kvl_grep "(none on this machine)" "$OUT"
kvl_grep "this machine is not an Azure VM" "$ERR"
cli 0 env identity show --output json
kvl_json .serviceIdentity.endpointSource none
kvl_json .serviceIdentity.endpoint null

# IDENTITY_ENDPOINT without IDENTITY_HEADER: the note names the missing
# header.
IDENTITY_ENDPOINT=http://127.0.0.1:9/msi/token cli 0 env identity show
kvl_grep "IDENTITY_HEADER is missing" "$ERR"
if grep -qF "IDENTITY_ENDPOINT is not set" "$ERR"; then
	kvl_fail "the note said IDENTITY_ENDPOINT is not set: $(cat "$ERR")"
fi

# On an Azure VM, as its DMI data shows, the metadata service is used.
printf 'Microsoft Corporation\n' >"$KVLINK_TEST_DMI_DIR/sys_vendor"
printf '7783-7084-3265-9085-8269-3286-77\n' \
	>"$KVLINK_TEST_DMI_DIR/chassis_asset_tag"
# --auth cached keeps the sign-in away from the metadata service.
cli 0 --auth cached env identity show --output json
kvl_json .serviceIdentity.endpointSource imds
cli 0 --auth cached env identity show
kvl_grep "instance metadata service" "$ERR"
kvl_grep "this machine is an Azure VM" "$ERR"
rm -f "$KVLINK_TEST_DMI_DIR/sys_vendor" \
	"$KVLINK_TEST_DMI_DIR/chassis_asset_tag"
cli 0 env identity clear
kvl_grep "Service identity removed" "$OUT"

# With IDENTITY_ENDPOINT set (App Service) there is no such note.
kvl_sandbox_get /_sandbox/managed-identity >"$WORK/msi.json"
IDENTITY_ENDPOINT=$(jq -r .endpoint "$WORK/msi.json") \
IDENTITY_HEADER=$(jq -r .header "$WORK/msi.json") \
	kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" env identity set \
	--kind managed-identity
if grep -qF "instance metadata service" "$ERR"; then
	kvl_fail "the metadata note was printed with IDENTITY_ENDPOINT set"
fi
