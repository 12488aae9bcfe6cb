#!/bin/bash
# Text from Azure reaches the terminal only sanitised: a subscription and
# a resource group location carrying escape sequences and control
# characters print with '_' in their place.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

# Take the built-in tenant from one sandbox and load a hostile copy of it
# into another. The state dump leaves out secret values, so the copy
# has no secrets.
kvl_sandbox_start
kvl_sandbox_get /_sandbox/state |
	jq '.subscriptions[0].displayName =
		"Evil\u001b[2J\u001b]0;pwned\u0007Sub"
	    | .subscriptions[0].resourceGroups[0].location =
		"west\u001b[31meurope"
	    | del(.vaults[].secrets)' >"$WORK/tenant.json"
kvl_sandbox_stop
kvl_sandbox_start --tenant "$WORK/tenant.json"

ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }
no_escape() {
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$1"; then
		kvl_fail "control characters reached the output: $(od -c "$1")"
	fi
}

cli 0 login
cli 0 list subscriptions
no_escape "$OUT"
kvl_grep "Evil_[2J_]0;pwned_Sub" "$OUT"

sub=$(jq -r '.subscriptions[0].subscriptionId' "$WORK/tenant.json")
cli 0 list resource-groups --subscription "$sub"
no_escape "$OUT"
kvl_grep "west_[31meurope" "$OUT"

# JSON never carries raw control characters either: the core replaces
# them when it parses Azure's answer, and json-c would escape them.
cli 0 list subscriptions --output json
no_escape "$OUT"
kvl_json ".subscriptions[] | select(.subscriptionId == \"$sub\")
	| .name | test(\"^Evil.*pwned.*Sub$\")" true

echo "cli_sanitize: all checks passed"
