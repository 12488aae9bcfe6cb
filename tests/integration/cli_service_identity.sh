#!/bin/bash
# kvlink check reading connection secrets as the environment's service
# identity, against a real kvlink-sandbox. A client secret, a certificate
# and a managed identity (the sandbox's App Service style endpoint) each
# read the secrets as the Customer Insights service principal. Wrong
# credentials give a clear sign-in finding, and a removed access policy
# gives secret.unreadable. The client secret never reaches argv, the
# environment, output, logs or the environment store.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
command -v openssl >/dev/null 2>&1 || {
	echo "SKIP: openssl is not installed" >&2
	exit 77
}
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
TENANT=72f988bf-0000-4000-8000-00000000a001
CI_APP=0bfc4568-a4ba-4c58-bd3e-5d3e76bd7fff
CI_SP=c1000000-0000-4000-8000-0000000000c1
ENV="$WORK/env"
LOG="$WORK/kvlink.log"
cli() {
	kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
		--log-file "$LOG" "${@:2}"
}

# sandbox_post ROUTE: POSTs standard input to a control route, so that
# secrets in the body never reach curl's argv.
sandbox_post() {
	kvl_curl -f -H 'Content-Type: application/json' \
		--data-binary @- "$SANDBOX_URL/_sandbox/$1" >/dev/null ||
		kvl_fail "POST /_sandbox/$1 failed"
}

# set_secret_identity FILE: env identity set with the client secret in
# FILE on standard input.
set_secret_identity() {
	"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
		--log-file "$LOG" env identity set --kind client-secret \
		--identity-tenant "$TENANT" --identity-client-id "$CI_APP" \
		--client-secret-stdin <"$1" >"$WORK/set.out" \
		2>"$WORK/set.err" ||
		kvl_fail "env identity set failed: $(cat "$WORK/set.err")"
}

# expect_read_as KIND: the last check was healthy and read the secrets as
# the Customer Insights service principal with a KIND identity, and the
# sandbox saw it read sftp-password.
expect_read_as() {
	kvl_json .healthy true
	kvl_json .secretsReadAs.type serviceIdentity
	kvl_json .secretsReadAs.kind "$1"
	kvl_json .secretsReadAs.objectId "$CI_SP"
	kvl_json .secretsReadAs.signedIn true
	kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
	kvl_json "[.value[] | select(.path ==
		\"/kv/kv-ci-prod/secrets/sftp-password\" and .method == \"GET\"
		and .caller == \"$CI_SP\" and .status == 200)] | length > 0" \
		true "$WORK/requests.json"
}

# expect_sign_in_finding TEXT: the last check (exit 5) could not sign in
# as the service identity, and its cause contains TEXT.
expect_sign_in_finding() {
	kvl_json .healthy false
	kvl_json '.findings[] | select(.id == "identity.sign-in") |
		.severity' error
	kvl_json '.findings[] | select(.id == "identity.sign-in") |
		.cause | contains("could not sign in")' true
	kvl_json ".findings[] | select(.id == \"identity.sign-in\") |
		.cause | contains(\"$1\")" true
	kvl_json '[.findings[] | select(.id | startswith("secret."))] |
		length' 0
}

# Test credentials, made now: a client secret, a certificate registered
# on the Customer Insights app and one that is not.
SECRET="kvl-test-$(openssl rand -hex 20)"
printf '%s\n' "$SECRET" >"$WORK/secret.txt"
printf 'wrong-%s\n' "$(openssl rand -hex 8)" >"$WORK/wrong-secret.txt"
for name in app other; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 \
		-subj "/CN=kvlink-test-$name" -keyout "$WORK/$name.key" \
		-out "$WORK/$name.crt" 2>/dev/null ||
		kvl_fail "openssl req failed"
	cat "$WORK/$name.crt" "$WORK/$name.key" >"$WORK/$name.pem"
done
jq -n --arg app "$CI_APP" --rawfile secret "$WORK/secret.txt" \
	'{appId: $app, clientSecret: ($secret | rtrimstr("\n"))}' |
	sandbox_post app-credentials
jq -n --arg app "$CI_APP" --rawfile cert "$WORK/app.crt" \
	'{appId: $app, certificate: $cert}' | sandbox_post app-credentials

cli 0 login
cli 0 env create --name Contoso --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 connection add --type sftp --name Files \
	--field host=sftp.contoso.test --field username=exporter \
	--field folder=/exports --use-key-vault \
	--secret password=sftp-password \
	--accept-privacy-statement

# Without a service identity the signed-in user reads the values.
cli 0 env identity show --output json
kvl_json .serviceIdentity null
cli 0 check --output json
kvl_json .healthy true
kvl_json .secretsReadAs.type user
kvl_json .secretsReadAs.name avery@contoso.test
cli 0 check
kvl_grep "Secrets read as:" "$OUT"
kvl_grep "the signed-in user (avery@contoso.test)" "$OUT"

# Bad input is rejected with the option named, and a secret given on the
# command line is never echoed.
cli 2 env identity set --kind password
kvl_grep "invalid value 'password' for --kind" "$ERR"
cli 2 env identity set --kind client-secret --identity-tenant "$TENANT" \
	--identity-client-id "$CI_APP" "--client-secret=$SECRET"
kvl_grep "unknown option '--client-secret'" "$ERR"
if grep -qF -- "$SECRET" "$ERR" "$OUT"; then
	kvl_fail "the client secret given on the command line was echoed"
fi
cli 2 env identity set --kind client-secret --identity-client-id "$CI_APP"
kvl_grep "needs option '--identity-tenant'" "$ERR"
cli 2 env identity set --kind client-secret --identity-tenant "$TENANT" \
	--identity-client-id "$CI_APP"
kvl_grep "--client-secret-stdin" "$ERR"
cli 2 env identity set --kind certificate --identity-tenant "$TENANT" \
	--identity-client-id "$CI_APP" --certificate "$WORK/app.crt"
kvl_grep "private key" "$ERR"
cli 2 env identity set --kind managed-identity --identity-tenant "$TENANT"
kvl_grep "does not apply to --kind managed-identity" "$ERR"

# Client secret, read from a pipe while the process is inspected: the
# secret is in neither its command line nor its environment.
mkfifo "$WORK/secret.fifo"
"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" --log-file "$LOG" \
	env identity set --kind client-secret --identity-tenant "$TENANT" \
	--identity-client-id "$CI_APP" --client-secret-stdin \
	<"$WORK/secret.fifo" >"$WORK/set.out" 2>"$WORK/set.err" &
SET_PID=$!
exec 3>"$WORK/secret.fifo"
# The shell opens the pipe before it runs kvlink: wait for kvlink itself.
for i in $(seq 1 100); do
	[ "$(readlink "/proc/$SET_PID/exe" 2>/dev/null)" = \
	  "$(readlink -f "$KVLINK")" ] && break
	sleep 0.05
done
[ "$(readlink "/proc/$SET_PID/exe")" = "$(readlink -f "$KVLINK")" ] ||
	kvl_fail "kvlink did not start reading the client secret"
if tr '\0' '\n' <"/proc/$SET_PID/cmdline" | grep -qF -- "$SECRET" ||
   tr '\0' '\n' <"/proc/$SET_PID/environ" | grep -qF -- "$SECRET"; then
	kvl_fail "the client secret is in kvlink's argv or environment"
fi
cat "$WORK/secret.txt" >&3
exec 3>&-
wait "$SET_PID" || kvl_fail "env identity set failed: $(cat "$WORK/set.err")"
kvl_grep "stored sealed" "$WORK/set.out"

cli 0 env identity show --output json
kvl_json .serviceIdentity.kind clientSecret
kvl_json .serviceIdentity.clientId "$CI_APP"
kvl_json .serviceIdentity.tenantId "$TENANT"
kvl_json .serviceIdentity.clientSecretSealed true
kvl_json '.serviceIdentity.sealedClientSecret' null
cli 0 check --output json
expect_read_as clientSecret
cli 0 check
kvl_grep "the service identity (client secret, client id $CI_APP)" "$OUT"

# The secret stays out of every file kvlink wrote and all it printed.
for f in "$ENV"/* "$LOG" "$OUT" "$ERR" "$WORK/set.out" "$WORK/set.err" \
	 "$KVL_REQUEST_LOGS/$KVL_TEST_NAME".*.jsonl; do
	if grep -qF -- "$SECRET" "$f"; then
		kvl_fail "the client secret appears in $f"
	fi
done
kvl_json '.serviceIdentity.sealedClientSecret | length > 0' true \
	"$ENV/environment.json"

# A wrong client secret is a finding that names Entra's error.
set_secret_identity "$WORK/wrong-secret.txt"
cli 5 check --output json
expect_sign_in_finding "invalid_client"
kvl_grep "problem(s)" "$ERR"

# Certificate registered on the app: an RS256 client assertion.
cli 0 env identity set --kind certificate --identity-tenant "$TENANT" \
	--identity-client-id "$CI_APP" --certificate "$WORK/app.pem"
cli 0 env identity show --output json
kvl_json .serviceIdentity.kind certificate
kvl_json .serviceIdentity.certificatePath "$WORK/app.pem"
kvl_json '.serviceIdentity.certificateThumbprintSha256 | length' 43
cli 0 check --output json
expect_read_as certificate

# A certificate the app does not know is rejected by the sandbox.
cli 0 env identity set --kind certificate --identity-tenant "$TENANT" \
	--identity-client-id "$CI_APP" --certificate "$WORK/other.pem"
cli 5 check --output json
expect_sign_in_finding "x5t#S256"

# Managed identity from the App Service style endpoint.
kvl_sandbox_get /_sandbox/managed-identity >"$WORK/msi.json"
kvl_json .principalId "$CI_SP" "$WORK/msi.json"
IDENTITY_ENDPOINT=$(jq -r .endpoint "$WORK/msi.json")
IDENTITY_HEADER=$(jq -r .header "$WORK/msi.json")
export IDENTITY_ENDPOINT IDENTITY_HEADER
cli 0 env identity set --kind managed-identity
cli 0 env identity show --output json
kvl_json .serviceIdentity.endpoint "$IDENTITY_ENDPOINT"
kvl_json .serviceIdentity.endpointSource IDENTITY_ENDPOINT
cli 0 check --output json
expect_read_as managedIdentity

cli 0 env identity set --kind managed-identity --identity-client-id "$CI_APP"
cli 0 check --output json
expect_read_as managedIdentity
kvl_json .secretsReadAs.clientId "$CI_APP"

IDENTITY_HEADER=not-the-header
cli 5 check --output json
expect_sign_in_finding "X-IDENTITY-HEADER"
IDENTITY_HEADER=$(jq -r .header "$WORK/msi.json")

# The policy entry of the Customer Insights app removed: the secret still
# exists but the service identity cannot read it.
printf '{"vault":"kv-ci-prod","action":"remove-policy"}' |
	sandbox_post break
cli 5 check --output json
kvl_json '.findings[] | select(.id == "secret.unreadable:sftp-password") |
	.severity' error
kvl_json '.findings[] | select(.id == "secret.unreadable:sftp-password") |
	.connections | join(",")' Files
kvl_json '.findings[] | select(.id == "secret.unreadable:sftp-password") |
	.fix | contains("get permission")' true
kvl_json '.findings[] | select(.id == "secret.unreadable:sftp-password") |
	.fix | contains("kvlink repair")' true
kvl_json '.findings[] | select(.id == "secret.unreadable:sftp-password") |
	.fix | contains("unlink")' false
kvl_json '.findings[] | select(.id == "secret.unreadable:sftp-password") |
	.cause | contains("ForbiddenByPolicy")' true
kvl_json '[.findings[] | select(.id == "secret.missing:sftp-password")] |
	length' 0

# Cleared, the signed-in user reads again; Avery's own policy entry is
# still there, so the value is readable.
cli 0 env identity clear
kvl_grep "Service identity removed" "$OUT"
cli 0 env identity show --output json
kvl_json .serviceIdentity null
cli 5 check --output json
kvl_json .secretsReadAs.type user
kvl_json '[.findings[] | select(.id == "secret.unreadable:sftp-password")] |
	length' 0
kvl_json 'has("serviceIdentity")' false "$ENV/environment.json"

# An RBAC vault authorises the Customer Insights service principal by its
# object id too. Avery first gets Key Vault Secrets User on kv-ci-rbac
# (with a token from the sandbox, sent from a file rather than argv), so
# that a connection may name a secret there.
ENV="$WORK/env-rbac"
unset IDENTITY_ENDPOINT IDENTITY_HEADER
VAULT_SCOPE="/subscriptions/$S1/resourceGroups/rg-ci-prod/providers"
VAULT_SCOPE="$VAULT_SCOPE/Microsoft.KeyVault/vaults/kv-ci-rbac"
AVERY=a0000000-0000-4000-8000-000000000001
jq -n --arg p "$AVERY" --arg a "$SANDBOX_URL/arm" \
	'{principal: $p, audience: $a}' |
	kvl_curl -f --data-binary @- \
	"$SANDBOX_URL/_sandbox/token" >"$WORK/token.json" ||
	kvl_fail "POST /_sandbox/token failed"
printf 'Authorization: Bearer %s\n' "$(jq -r .access_token \
	"$WORK/token.json")" >"$WORK/auth.header"
AUTHZ=providers/Microsoft.Authorization
SECRETS_USER="/subscriptions/$S1/$AUTHZ/roleDefinitions"
SECRETS_USER="$SECRETS_USER/4633458b-17de-408a-b874-0445c86b69e6"
ASSIGNMENT="$SANDBOX_URL/arm$VAULT_SCOPE/$AUTHZ/roleAssignments"
ASSIGNMENT="$ASSIGNMENT/9a0e0000-0000-4000-8000-000000000001"
jq -n --arg r "$SECRETS_USER" --arg p "$AVERY" \
	'{properties: {roleDefinitionId: $r, principalId: $p,
	  principalType: "User"}}' |
	kvl_curl -f -X PUT -H @"$WORK/auth.header" \
	-H 'Content-Type: application/json' --data-binary @- \
	"$ASSIGNMENT?api-version=2022-04-01" >/dev/null ||
	kvl_fail "cannot give Avery Key Vault Secrets User"

cli 0 login
cli 0 env create --name Fabrikam --region westeurope
cli 0 link --subscription "$S1" --vault kv-ci-rbac --accept-privacy-statement
cli 0 connection add --type sendgrid --name Mail --use-key-vault \
	--secret api_key=crm-api-key --accept-privacy-statement
cli 0 env identity set --kind certificate --identity-tenant "$TENANT" \
	--identity-client-id "$CI_APP" --certificate "$WORK/app.pem"
cli 0 check --output json
kvl_json .healthy true
kvl_json .secretsReadAs.objectId "$CI_SP"
kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
kvl_json "[.value[] | select(.path ==
	\"/kv/kv-ci-rbac/secrets/crm-api-key\" and .caller == \"$CI_SP\"
	and .status == 200)] | length > 0" true "$WORK/requests.json"

printf '{"vault":"kv-ci-rbac","action":"remove-role-assignment",%s}' \
	'"role":"Key Vault Secrets User"' | sandbox_post break
cli 5 check --output json
kvl_json '.findings[] | select(.id == "secret.unreadable:crm-api-key") |
	.cause | contains("ForbiddenByRbac")' true
kvl_json '.findings[] | select(.id == "secret.unreadable:crm-api-key") |
	.connections | join(",")' Mail

# The debug log of every run above names requests but holds no token or
# client assertion: each of those is a JWT, whose text starts with "eyJ".
[ -s "$LOG" ] || kvl_fail "kvlink wrote no debug log to $LOG"
kvl_grep "managed identity token received" "$LOG"
if grep -q 'eyJ' "$LOG"; then
	kvl_fail "a JWT appears in the debug log $LOG"
fi

# A lost credentials.key is never replaced by setting a client secret
# while a connection holds a typed credential sealed under it.
printf 'SG.typed-%s\n' "$(openssl rand -hex 8)" >"$WORK/typed.txt"
"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" connection add \
	--type sendgrid --name "Typed Mail" --credential-stdin api_key \
	--accept-privacy-statement <"$WORK/typed.txt" >/dev/null \
	2>"$WORK/typed.err" ||
	kvl_fail "connection add failed: $(cat "$WORK/typed.err")"
mv "$ENV/credentials.key" "$WORK/credentials.key.backup"
status=0
"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" env identity set \
	--kind client-secret --identity-tenant "$TENANT" \
	--identity-client-id "$CI_APP" --client-secret-stdin \
	<"$WORK/secret.txt" >"$WORK/set.out" 2>"$WORK/set.err" || status=$?
[ "$status" -eq 5 ] ||
	kvl_fail "env identity set exited with $status, expected 5"
kvl_grep "credentials.key' is missing" "$WORK/set.err"
[ ! -e "$ENV/credentials.key" ] ||
	kvl_fail "a new credentials.key was made"
