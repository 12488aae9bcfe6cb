#!/bin/bash
# The parts of the sandbox's Entra ID that outside clients need before
# their first token: the OpenID Connect discovery document MSAL reads, and
# Key Vault's 401 challenge, whose authority must carry the tenant as its
# first path segment and must itself serve token requests.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"

TENANT=72f988bf-0000-4000-8000-00000000a001
APP_ID=b0000000-0000-4000-8000-0000000000b1
APP_SECRET=sandbox-automation-secret-not-real

kvl_test_init
kvl_sandbox_start

# Discovery for the tenant id: the endpoints keep the name used, the issuer
# is the tokens' "iss".
kvl_sandbox_get "/login/$TENANT/v2.0/.well-known/openid-configuration" \
	>"$WORK/oidc.json"
kvl_json .token_endpoint \
	"$SANDBOX_URL/login/$TENANT/oauth2/v2.0/token" "$WORK/oidc.json"
kvl_json .device_authorization_endpoint \
	"$SANDBOX_URL/login/$TENANT/oauth2/v2.0/devicecode" "$WORK/oidc.json"
kvl_json .issuer "$SANDBOX_URL/login/$TENANT/v2.0" "$WORK/oidc.json"
kvl_json '.token_endpoint_auth_methods_supported | index("client_secret_post") != null' \
	true "$WORK/oidc.json"

# A multi-tenant name keeps Entra ID's literal placeholder in the issuer.
kvl_sandbox_get "/login/organizations/v2.0/.well-known/openid-configuration" \
	>"$WORK/oidc-org.json"
kvl_json .issuer "$SANDBOX_URL/login/{tenantid}/v2.0" "$WORK/oidc-org.json"
kvl_json .token_endpoint \
	"$SANDBOX_URL/login/organizations/oauth2/v2.0/token" \
	"$WORK/oidc-org.json"

# An unknown tenant gets Entra ID's 400 invalid_tenant.
status=$(kvl_curl -o "$WORK/bad.json" -w '%{http_code}' \
	"$SANDBOX_URL/login/no-such-tenant/v2.0/.well-known/openid-configuration")
[ "$status" = 400 ] || kvl_fail "unknown tenant: status $status, expected 400"
kvl_json .error invalid_tenant "$WORK/bad.json"

# Key Vault's challenge on a request without a token.
kvl_curl -D "$WORK/kv.headers" -o /dev/null \
	"$SANDBOX_URL/kv/kv-dev-eastus/secrets?api-version=7.4"
challenge=$(tr -d '\r' <"$WORK/kv.headers" |
	sed -n 's/^[Ww][Ww][Ww]-[Aa]uthenticate: //p')
expected="Bearer authorization=\"$SANDBOX_URL/$TENANT\", resource=\"$SANDBOX_URL/kv\""
[ "$challenge" = "$expected" ] ||
	kvl_fail "challenge '$challenge', expected '$expected'"

# The challenge's authority serves discovery and client credentials.
kvl_sandbox_get "/$TENANT/v2.0/.well-known/openid-configuration" \
	>"$WORK/oidc-root.json"
kvl_json .issuer "$SANDBOX_URL/login/$TENANT/v2.0" "$WORK/oidc-root.json"
printf 'grant_type=client_credentials&client_id=%s&scope=%s&client_secret=%s' \
	"$APP_ID" "$SANDBOX_URL/kv/.default" "$APP_SECRET" >"$WORK/form"
kvl_curl -o "$WORK/token.json" --data-binary "@$WORK/form" \
	"$SANDBOX_URL/$TENANT/oauth2/v2.0/token" ||
	kvl_fail "token request to the challenge's authority failed"
kvl_json .token_type Bearer "$WORK/token.json"
kvl_json '.access_token | length > 20' true "$WORK/token.json"

# Paths that look like neither stay unknown.
status=$(kvl_curl -o /dev/null -w '%{http_code}' "$SANDBOX_URL/$TENANT/other")
[ "$status" = 404 ] || kvl_fail "/$TENANT/other: status $status, expected 404"
