#!/bin/bash
# Output a user can rely on: a failed write to stdout is an error, a
# closed pipe does not leave the sandbox's files behind, stdout and
# stderr stay in order, and hints fit the way the run signs in.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# full STATUS ARG...: runs kvlink with stdout on /dev/full.
full() {
	local expected=$1 status=0
	shift

	"$KVLINK" "$@" </dev/null >/dev/full 2>"$WORK/full.err" || status=$?
	[ "$status" -eq "$expected" ] ||
		kvl_fail "kvlink $* >/dev/full exited with $status," \
			 "expected $expected: $(cat "$WORK/full.err")"
	kvl_grep "writing to standard output failed" "$WORK/full.err"
}

[ -c /dev/full ] || { echo "SKIP: no /dev/full" >&2; exit 77; }

# A write error on stdout makes the run fail, with a message.
full 1 --help
full 1 --version
cli 0 login
cli 0 env create --name Contoso --region westeurope
full 1 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" status
full 1 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" status --output json

# A reader that closes the pipe early: kvlink gets EPIPE instead of
# dying on SIGPIPE, so it stops its sandbox and removes its temporary
# directory, and exits 1.
status=0
"$KVLINK" --sandbox --env-dir "$WORK/sb" list vaults --subscription "$S1" \
	</dev/null 2>"$WORK/pipe.err" | head -c1 >/dev/null ||
	true
status=${PIPESTATUS[0]}
[ "$status" -ne 141 ] || kvl_fail "kvlink died on SIGPIPE"
left=$(find "$TMPDIR" -mindepth 1 -maxdepth 1 -name 'kvlink-sandbox.*')
[ -z "$left" ] || kvl_fail "temporary files left behind: $left"

# With both streams in one file the checks come before the summary.
status=0
"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" link \
	--subscription "$S1" --vault kv-ci-firewall \
	--accept-privacy-statement </dev/null >"$WORK/both" 2>&1 || status=$?
[ "$status" -eq 5 ] || kvl_fail "link exited with $status, expected 5"
checks=$(grep -n "Prerequisites for key vault" "$WORK/both" | cut -d: -f1)
summary=$(grep -n "fix them as shown above" "$WORK/both" | cut -d: -f1)
[ -n "$checks" ] && [ -n "$summary" ] ||
	kvl_fail "checks or summary missing: $(cat "$WORK/both")"
[ "$checks" -lt "$summary" ] ||
	kvl_fail "the summary came before the checks: $(cat "$WORK/both")"

# In JSON mode the summary points at the JSON checks instead.
cli 5 link --subscription "$S1" --vault kv-ci-firewall \
	--accept-privacy-statement --output json
kvl_json '[.checks[] | select(.state == "failed")] | length > 0' true
kvl_grep '"checks"' "$ERR"
if grep -qF "shown above" "$ERR"; then
	kvl_fail "JSON mode points at text that was not printed: $(cat "$ERR")"
fi

# A wrong client secret does not suggest 'kvlink login'.
export AZURE_TENANT_ID=72f988bf-0000-4000-8000-00000000a001
export AZURE_CLIENT_ID=b0000000-0000-4000-8000-0000000000b1
export AZURE_CLIENT_SECRET=wrong-secret
cli 4 --auth client-secret whoami
if grep -qF "kvlink login" "$ERR"; then
	kvl_fail "a client secret failure suggests kvlink login: $(cat "$ERR")"
fi
cli 4 whoami
if grep -qF "kvlink login" "$ERR"; then
	kvl_fail "a client secret failure suggests kvlink login: $(cat "$ERR")"
fi
unset AZURE_CLIENT_SECRET
cli 4 --auth client-secret whoami
if grep -qF "kvlink login" "$ERR"; then
	kvl_fail "a missing secret suggests kvlink login: $(cat "$ERR")"
fi

# A cached sign-in that Azure no longer accepts (here: a new sandbox on
# the same port, which signs its tokens with a new key) points at logout
# and login, because login alone keeps the cached sign-in.
unset AZURE_TENANT_ID AZURE_CLIENT_ID
cli 0 login
port=${SANDBOX_URL##*:}
kvl_sandbox_stop
kvl_sandbox_start --port "$port"
cli 4 list subscriptions
kvl_grep "run 'kvlink logout', then 'kvlink login'" "$ERR"
cli 0 logout
cli 0 login
cli 0 list subscriptions
