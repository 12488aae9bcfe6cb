#!/bin/bash
# One link at a time per environment: while another process holds the
# link lock, kvlink link exits 6 and changes nothing; a link left pending
# for another vault than the one requested is named as such.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
command -v flock >/dev/null 2>&1 || {
	echo "SKIP: flock (util-linux) is not installed" >&2
	exit 77
}
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
CI_SP=c1000000-0000-4000-8000-0000000000c1
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

cli 0 login
cli 0 env create --name Contoso --region westeurope

# flock holds the lock while kvlink runs as its command.
status=0
flock "$ENV/link.lock" "$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
	link --subscription "$S1" --vault kv-ci-prod \
	--accept-privacy-statement </dev/null >"$WORK/busy.out" \
	2>"$WORK/busy.err" || status=$?
[ "$status" -eq 6 ] ||
	kvl_fail "link under a held lock exited with $status, expected 6:" \
		 "$(cat "$WORK/busy.err")"
kvl_grep "is linking or unlinking a vault in this environment" \
	"$WORK/busy.err"
kvl_grep "wait for it to finish and run again" "$WORK/busy.err"

# Nothing was granted or recorded.
kvl_sandbox_get /_sandbox/state >"$WORK/state.json"
kvl_json "[.. | objects | select(.objectId? == \"$CI_SP\")] | length" 0 \
	"$WORK/state.json"
cli 0 status --output json
kvl_json '.vault.state // "none"' none

# A dry run only reads, so it does not need the lock.
status=0
flock "$ENV/link.lock" "$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
	link --subscription "$S1" --vault kv-ci-prod --dry-run \
	</dev/null >"$WORK/dry.out" 2>"$WORK/dry.err" || status=$?
[ "$status" -eq 0 ] ||
	kvl_fail "a dry run under a held lock exited with $status:" \
		 "$(cat "$WORK/dry.err")"

# Once the lock is free the link goes through.
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement

# A link pending for kv-ci-prod while kv-ci-rbac is requested: kvlink
# says which vault it finishes, then refuses the other one.
jq '.keyVault.state = "pending"' "$ENV/environment.json" >"$WORK/pending.json"
cp "$WORK/pending.json" "$ENV/environment.json"
cli 1 link --subscription "$S1" --vault kv-ci-rbac --accept-privacy-statement
kvl_grep "left the link of key vault 'kv-ci-prod' pending, not of" "$ERR"
kvl_grep "'kv-ci-rbac'" "$ERR"
kvl_grep "already linked to key vault 'kv-ci-prod'" "$ERR"
if grep -qF "Finishing the link of key vault" "$ERR"; then
	kvl_fail "the other vault's link was finished silently: $(cat "$ERR")"
fi
cli 0 status --output json
kvl_json .vault.state linked
kvl_json .vault.name kv-ci-prod
