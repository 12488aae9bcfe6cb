#!/bin/bash
# Crash safety of the environment store. store_killer kills the real
# kvlink 1,000 times with SIGKILL at random moments of `connection edit`
# on a store of 300 connections (about 220 KB). After each kill it runs
# `kvlink env show`, parses the store and compares it with the old and
# the new document. The sandbox is needed only to sign in, because the
# edits run with the cached token and send no request.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

# The valgrind run sets fewer kills (KVL_STORE_KILLS), because there
# every kvlink start costs about half a second of CPU time.
KILLS=${KVL_STORE_KILLS:-1000}
CONNECTIONS=300
ENV="$WORK/env"
KILLER="$KVL_BUILDDIR/tests/store/store_killer"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

[ -x "$KILLER" ] || kvl_fail "$KILLER is not built"

cli 0 login
cli 0 env create --name Contoso --region westeurope
printf 'not-a-real-password\n' >"$WORK/password"
"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" connection add \
	--type sftp --name "Export 0" --field host=sftp.example.test \
	--field username=exporter --field folder=/out \
	--credential-stdin password --accept-privacy-statement \
	<"$WORK/password" >/dev/null ||
	kvl_fail "cannot add the first connection"

# Copies of the first connection with their own ids and names make the
# document large enough that a kill can land while it is written.
jq --argjson n "$CONNECTIONS" '
	.connections[0] as $c |
	.connections = [range($n) as $i | $c |
		.id = ("00000000-0000-4000-8000-" +
		       ("000000000000" + ($i | tostring))[-12:]) |
		.displayName = "Export \($i)"]' \
	"$ENV/environment.json" >"$WORK/big.json" ||
	kvl_fail "cannot build the large store"
cp "$WORK/big.json" "$ENV/environment.json"
cli 0 connection list --output json
kvl_json '.connections | length' "$CONNECTIONS"

# No request may leave kvlink from here on: stop the sandbox.
kvl_sandbox_stop

"$KILLER" "$KILLS" "$ENV" "Export 150" -- "$KVLINK" \
	--cloud "$SANDBOX_CLOUD" --env-dir "$ENV" >"$WORK/killer.out" ||
	{ cat "$WORK/killer.out"; kvl_fail "store_killer failed"; }
cat "$WORK/killer.out"
line=$(tail -n 1 "$WORK/killer.out")
case "$line" in
kills=*) ;;
*) kvl_fail "unexpected store_killer summary: $line" ;;
esac
eval "$line"
[ "$kills" -eq "$KILLS" ] || kvl_fail "$kills kills, expected $KILLS"
[ $((old + new)) -eq "$kills" ] ||
	kvl_fail "$old old and $new new do not add up to $kills kills"
# Kills that all land before or after the write prove nothing. Under
# valgrind the write is a small part of each run, so the 100 kills there
# may all miss it. That run is there for memcheck's reports.
if [ -z "${KVL_VALGRIND:-}" ]; then
	[ "$midwrite" -gt 0 ] || kvl_fail "no kill landed during a write"
fi

# The store still works after the last kill.
cli 0 connection show "Export 150" --output json
kvl_json '.connection.fields.folder' /final
cli 0 env show --output json
kvl_json '.environment.name' Contoso

kvl_figure 20-kill-runs "SIGKILLs while saving the store" \
	"$kills of $KILLS SIGKILLs left the old or the new store ($old old, \
$new new; $midwrite during the write)"
