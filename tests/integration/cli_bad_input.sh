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

# An empty key file for the saved sign-in is set aside and replaced, so
# the sign-in is saved and used by the next run.
mkdir -m 700 "$WORK/keyenv"
: >"$WORK/keyenv/token-cache.key"
chmod 600 "$WORK/keyenv/token-cache.key"
key() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/keyenv" \
	"${@:2}"; }
key 0 login
if grep -qF "could not save the sign-in" "$ERR"; then
	kvl_fail "the sign-in was not saved: $(cat "$ERR")"
fi
[ "$(stat -c %s "$WORK/keyenv/token-cache.key")" -eq 32 ] ||
	kvl_fail "no new 32-byte key was made"
[ -e "$WORK/keyenv/token-cache.key.bad" ] ||
	kvl_fail "the empty key file was not set aside"
key 0 whoami

# A missing key beside a saved sign-in is not called damaged.
rm "$WORK/keyenv/token-cache.key"
key 4 whoami
kvl_grep "the saved sign-in cannot be read" "$ERR"
kvl_grep "sign in again" "$ERR"
if grep -qF "damaged" "$ERR"; then
	kvl_fail "a missing key is reported as damage: $(cat "$ERR")"
fi
