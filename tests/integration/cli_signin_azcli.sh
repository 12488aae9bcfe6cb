#!/bin/bash
# Signing in with an existing Azure CLI sign-in, against a real
# kvlink-sandbox. kvlink runs 'az account get-access-token' as a child
# process; here "az" is tests/fixtures/az-standin.sh, first on PATH,
# because the real az cannot sign in to the sandbox as a user without a
# request to Microsoft's hosts (tests/conformance/az_cli.sh shows why;
# cli_signin_azcli_real.sh runs the real az as a managed identity). The
# stand-in hands out real sandbox tokens for Riley Reader, so the
# commands that follow run against the sandbox.
# Also checked: az's arguments, a signed-out az, no az at all, and
# --auth auto using az only when its configuration directory shows a
# sign-in.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

TENANT=72f988bf-0000-4000-8000-00000000a001
RILEY=a0000000-0000-4000-8000-000000000002
S1=11111111-1111-4111-8111-111111111111
LOG="$WORK/kvlink.log"
cli() {
	kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env" \
		--log-file "$LOG" "${@:2}"
}

mkdir -p "$WORK/bin" "$WORK/azure"
cp "$KVL_SRCDIR/tests/fixtures/az-standin.sh" "$WORK/bin/az"
chmod +x "$WORK/bin/az"
export PATH="$WORK/bin:$PATH"
export AZURE_CONFIG_DIR="$WORK/azure"
export AZ_STANDIN_SANDBOX="$SANDBOX_URL" AZ_STANDIN_USER="$RILEY"
export AZ_STANDIN_LOG="$WORK/az-argv"
export AZ_STANDIN_CURL_OPTS="--cacert $SANDBOX_CA"
ARM_SCOPE="$(jq -r .resourceManager "$SANDBOX_CLOUD" | sed 's:/*$::')/.default"

cli 0 --auth azure-cli whoami --output json
kvl_json .method azure-cli
kvl_json .objectId "$RILEY"
kvl_json .type user
kvl_json .name riley@contoso.test
kvl_json .tenantId "$TENANT"
# az got exactly these arguments, one a line; "--" ends a run. Without
# --tenant, az answers for the tenant it signed in to.
printf '%s\n' account get-access-token --scope "$ARM_SCOPE" --output json \
	-- >"$WORK/expected-argv"
cmp -s "$WORK/expected-argv" "$AZ_STANDIN_LOG" ||
	kvl_fail "az got other arguments: $(cat "$AZ_STANDIN_LOG")"
rm -f "$AZ_STANDIN_LOG"
cli 0 --auth azure-cli --tenant "$TENANT" whoami
printf '%s\n' account get-access-token --scope "$ARM_SCOPE" --output json \
	--tenant "$TENANT" -- >"$WORK/expected-argv"
cmp -s "$WORK/expected-argv" "$AZ_STANDIN_LOG" ||
	kvl_fail "az got other arguments: $(cat "$AZ_STANDIN_LOG")"

# The token works for Resource Manager: Riley reads subscription s1.
cli 0 --auth azure-cli list subscriptions --output json
kvl_json "[.subscriptions[] | select(.subscriptionId == \"$S1\")] |
	length" 1

# --auth auto uses az only once azureProfile.json lists a subscription,
# which az adds at 'az login'. az writes the file with a byte-order mark
# and installationId only on its first run of any command.
rm -f "$AZ_STANDIN_LOG"
cli 4 whoami
[ ! -e "$AZ_STANDIN_LOG" ] || kvl_fail "--auth auto ran az without a sign-in"
printf '\xef\xbb\xbf{"installationId": "%s"}\n' \
	0b7e6a4e-0000-4000-8000-00000000aaaa \
	>"$AZURE_CONFIG_DIR/azureProfile.json"
cli 4 whoami
[ ! -e "$AZ_STANDIN_LOG" ] || kvl_fail "--auth auto ran az before az login"
kvl_grep "run 'kvlink login'" "$ERR"
if grep -q "could not get a token" "$ERR"; then
	kvl_fail "a user who never signed in got az's failure: $(cat "$ERR")"
fi
printf '{"installationId": "x", "subscriptions": []}\n' \
	>"$AZURE_CONFIG_DIR/azureProfile.json"
cli 4 whoami
[ ! -e "$AZ_STANDIN_LOG" ] || kvl_fail "--auth auto ran az after az logout"
printf '{"subscriptions": [{"id": "%s", "isDefault": true}]}\n' "$S1" \
	>"$AZURE_CONFIG_DIR/azureProfile.json"
cli 0 whoami --output json
kvl_json .method azure-cli
kvl_json .objectId "$RILEY"
cli 0 login
kvl_grep "Signed in with the Azure CLI's sign-in (--auth azure-cli)" "$ERR"
kvl_grep "run 'kvlink login --auth device-code'" "$ERR"
cli 0 logout
kvl_grep "Later commands still sign in with the Azure CLI's sign-in" "$OUT"

# A signed-out az: its exit status and cleaned message, and what to do.
AZ_STANDIN_MODE=signed-out cli 4 --auth azure-cli whoami
kvl_grep "the Azure CLI could not get a token (exit status 1)" "$ERR"
kvl_grep "ERROR: Please run 'az login' to setup account." "$ERR"
kvl_grep "run 'az login'" "$ERR"
if grep -q $'\033' "$ERR"; then
	kvl_fail "az's escape sequences reached the terminal: $(cat -v "$ERR")"
fi

# Output that is not JSON is a failed sign-in (exit status 4).
AZ_STANDIN_MODE=not-json cli 4 --auth azure-cli whoami
kvl_grep "printed something that is not a JSON token response" "$ERR"
# Chosen by --auth auto, az's failure keeps its own advice and gets no
# hint about kvlink's own sign-in.
AZ_STANDIN_MODE=not-json cli 4 whoami
kvl_grep "printed something that is not a JSON token response" "$ERR"
if grep -qF "run 'kvlink login' first" "$ERR"; then
	kvl_fail "an az failure got the login hint: $(cat "$ERR")"
fi

# Waits up to $2 tenths of a second for process $1 to end; kills it and
# fails with message $3 when it is still there.
expect_gone() {
	local i

	for i in $(seq 1 "$2"); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	kvl_fail "$3"
}

# SIGTERM and SIGINT while az runs: kvlink stops waiting, kills az and
# the processes az started, and exits with 130.
for sig in TERM INT; do
	export AZ_STANDIN_PIDS="$WORK/az-pids-$sig"
	AZ_STANDIN_MODE=hang "$KVLINK" --cloud "$SANDBOX_CLOUD" \
		--env-dir "$WORK/env" --auth azure-cli whoami \
		</dev/null >"$WORK/sig.out" 2>"$WORK/sig.err" &
	pid=$!
	for i in $(seq 1 200); do
		[ -e "$AZ_STANDIN_PIDS" ] && break
		sleep 0.1
	done
	[ -e "$AZ_STANDIN_PIDS" ] || kvl_fail "the stand-in az did not start"
	kill -s "$sig" "$pid"
	# az's own time limit is 60 s; a kvlink still waiting after 30 s
	# ignored the signal.
	expect_gone "$pid" 300 "kvlink kept waiting for az after SIG$sig"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 130 ] ||
		kvl_fail "exit status $status after SIG$sig, expected 130: $(cat "$WORK/sig.err")"
	read -r az_pid child_pid <"$AZ_STANDIN_PIDS"
	for p in "$az_pid" "$child_pid"; do
		expect_gone "$p" 50 "process $p of az still runs after SIG$sig"
	done
done
unset AZ_STANDIN_PIDS

# No az at all.
PATH="$WORK/empty" cli 4 --auth azure-cli whoami
kvl_grep "there is no 'az' on PATH" "$ERR"
kvl_grep "install the Azure CLI" "$ERR"

# No token in the debug log; no secret ever went to az's argv (the
# stand-in records every argument it got).
if grep -qE 'eyJ[A-Za-z0-9_-]{10,}' "$LOG"; then
	kvl_fail "a token was written to the debug log"
fi
if grep -qE 'eyJ|secret|password' "$AZ_STANDIN_LOG"; then
	kvl_fail "az got a secret on its command line: $(cat "$AZ_STANDIN_LOG")"
fi

echo "cli_signin_azcli: all checks passed"
