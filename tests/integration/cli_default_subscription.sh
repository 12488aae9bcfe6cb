#!/bin/bash
# az CLI's default subscription (azureProfile.json) replaces a missing
# --subscription, but only when Resource Manager lists it. The sandbox's
# live subscription list decides, because the file is a preference.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
S2=22222222-2222-4222-8222-222222222222
GONE=55555555-5555-4555-8555-555555555555
TENANT=72f988bf-0000-4000-8000-00000000a001
export AZURE_CONFIG_DIR="$WORK/az"
mkdir -p "$AZURE_CONFIG_DIR"
PROFILE="$AZURE_CONFIG_DIR/azureProfile.json"

kv() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env" \
	"${@:2}"; }

# Writes azureProfile.json as az does, byte-order mark first, with one
# subscription per argument: ID:ENVIRONMENT:ISDEFAULT.
write_profile() {
	local entry id env def sep=""

	{
		printf '\xef\xbb\xbf{"installationId": "%s", "subscriptions": [' \
			"0b7e6a4e-0000-4000-8000-00000000aaaa"
		for entry in "$@"; do
			IFS=: read -r id env def <<<"$entry"
			printf '%s{"id": "%s", "name": "az name %s",' \
				"$sep" "$id" "${id:0:4}"
			printf ' "state": "Enabled", "tenantId": "%s",' "$TENANT"
			printf ' "isDefault": %s, "environmentName": "%s",' \
				"$def" "$env"
			printf ' "user": {"name": "avery@contoso.test",'
			printf ' "type": "user"}}'
			sep=", "
		done
		printf ']}\n'
	} >"$PROFILE"
}

# Counts the sandbox's GET /arm/subscriptions requests so far.
subscription_lists() {
	kvl_sandbox_get /_sandbox/requests |
		jq '[.value[] | select(.method == "GET" and
			.path == "/arm/subscriptions")] | length'
}

kv 0 login
kv 0 env create --name Contoso --region eastus

# Without az CLI's profile --subscription is still required.
kv 2 list resource-groups
kvl_grep "missing option '--subscription'" "$ERR"
kvl_grep "az CLI has no default subscription" "$ERR"

# The default of the sandbox's cloud is used after a live listing, and
# stderr reports it.
write_profile "$S1:kvlink-sandbox:false" "$S2:kvlink-sandbox:true"
before=$(subscription_lists)
kv 0 list resource-groups --output json
kvl_grep "kvlink: using the default subscription from az CLI: Contoso Development ($S2)" "$ERR"
kvl_json '[.resourceGroups[].name] | sort | join(",")' "rg-dev,rg-dev2"
[ "$(subscription_lists)" -gt "$before" ] ||
	kvl_fail "kvlink used the file without listing subscriptions live"

# --subscription wins over the file.
kv 0 list resource-groups --subscription "$S1" --output json
kvl_json '[.resourceGroups[].name] | index("rg-ci-prod") != null' true
if grep -qF "default subscription" "$ERR"; then
	kvl_fail "the default was mentioned although --subscription was given"
fi

# link --dry-run plans against the default subscription.
kv 0 link --vault kv-dev-eastus --dry-run --output json
kvl_json .subscription.subscriptionId "$S2"
kvl_grep "using the default subscription from az CLI" "$ERR"

# Defaults of other clouds do not count.
write_profile "$S2:AzureCloud:true" "$S1:kvlink-sandbox:false"
kv 2 list resource-groups
kvl_grep "missing option '--subscription'" "$ERR"

# A default that Resource Manager does not list gets one message that
# says so, and none that says az CLI has no default.
write_profile "$GONE:kvlink-sandbox:true" "$S1:kvlink-sandbox:false"
kv 2 list resource-groups
kvl_grep "missing option '--subscription', and az CLI's default subscription $GONE is not one that Resource Manager lists" \
	"$ERR"
if grep -q "has no default subscription" "$ERR"; then
	kvl_fail "the message contradicts itself: $(cat "$ERR")"
fi
[ "$(wc -l <"$ERR")" -eq 1 ] || kvl_fail "expected one line: $(cat "$ERR")"

# A damaged file is one line of warning and is otherwise ignored.
printf '\xef\xbb\xbf{"subscriptions": [{"id": ' >"$PROFILE"
kv 2 list resource-groups
kvl_grep "kvlink: warning: ignoring the az CLI profile" "$ERR"
[ "$(grep -c "warning" "$ERR")" -eq 1 ] ||
	kvl_fail "expected one warning line: $(cat "$ERR")"
kvl_grep "missing option '--subscription'" "$ERR"

# The file az writes on its first run, before any sign-in, has no
# subscriptions; it is valid and gets no warning.
printf '\xef\xbb\xbf{"installationId": "%s"}\n' \
	0b7e6a4e-0000-4000-8000-00000000aaaa >"$PROFILE"
kv 2 list resource-groups
if grep -q "warning" "$ERR"; then
	kvl_fail "warned about az's first-run profile: $(cat "$ERR")"
fi
kvl_grep "missing option '--subscription'" "$ERR"

# The subscription list itself never comes from the file.
write_profile "$GONE:kvlink-sandbox:true"
kv 0 list subscriptions --output json
kvl_json '[.subscriptions[].subscriptionId] | index("'"$GONE"'")' null
# Contoso's three and Fabrikam's one, where Avery is a guest.
kvl_json '.subscriptions | length' 4
