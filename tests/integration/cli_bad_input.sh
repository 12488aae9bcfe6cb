#!/bin/bash
# Bad input from the user or from files gets a clear message and the exit
# status of a usage problem (2) or an unusable store (7).
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

ENV="$WORK/env"

# An empty or damaged --cloud file is a usage problem, like a missing one.
: >"$WORK/c-empty.json"
printf '{"name": ' >"$WORK/c-bad.json"
kvl_run 2 --cloud "$WORK/c-missing.json" --env-dir "$ENV" whoami
kvl_grep "check the --cloud path" "$ERR"
for file in c-empty.json c-bad.json; do
	kvl_run 2 --cloud "$WORK/$file" --env-dir "$ENV" whoami
	kvl_grep "the cloud profile given with --cloud cannot be read" "$ERR"
	kvl_grep "leave --cloud out" "$ERR"
done
