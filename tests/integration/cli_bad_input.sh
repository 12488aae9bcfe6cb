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

# An empty key beside a valid saved sign-in: the message names the key
# file, and the cache, which is not damaged, stays in place.
key 0 login
: >"$WORK/keyenv/token-cache.key"
key 4 whoami
kvl_grep "its key file '$WORK/keyenv/token-cache.key' is empty" "$ERR"
if grep -qF "was damaged" "$ERR"; then
	kvl_fail "the cache was blamed for its key: $(cat "$ERR")"
fi
[ -s "$WORK/keyenv/token-cache" ] || kvl_fail "the valid cache was moved"
[ ! -e "$WORK/keyenv/token-cache.bad" ] ||
	kvl_fail "the valid cache was set aside"

# A damaged cache is set aside, and a later one never replaces it.
key 0 login
printf 'not a sealed cache' >"$WORK/keyenv/token-cache"
key 4 whoami
kvl_grep "moved to '$WORK/keyenv/token-cache.bad'" "$ERR"
printf 'damaged again' >"$WORK/keyenv/token-cache"
key 4 whoami
kvl_grep "moved to '$WORK/keyenv/token-cache.bad.1'" "$ERR"
kvl_grep "not a sealed cache" "$WORK/keyenv/token-cache.bad"
kvl_grep "damaged again" "$WORK/keyenv/token-cache.bad.1"

# Commands that only read create no directories; the first write does.
no_dirs() {
	[ ! -e "$XDG_DATA_HOME/kvlink" ] ||
		kvl_fail "'kvlink $*' created $XDG_DATA_HOME/kvlink"
	[ ! -e "$XDG_STATE_HOME/kvlink" ] ||
		kvl_fail "'kvlink $*' created $XDG_STATE_HOME/kvlink"
}
kvl_run 3 --cloud "$SANDBOX_CLOUD" status
no_dirs status
kvl_run 3 --cloud "$SANDBOX_CLOUD" env show
no_dirs env show
kvl_run 4 --cloud "$SANDBOX_CLOUD" whoami
no_dirs whoami
kvl_run 3 --cloud "$SANDBOX_CLOUD" link --subscription \
	11111111-1111-4111-8111-111111111111 --vault kv-ci-prod \
	--accept-privacy-statement
no_dirs link
kvl_run 0 --cloud "$SANDBOX_CLOUD" login
[ -s "$XDG_STATE_HOME/kvlink/token-cache" ] ||
	kvl_fail "login did not save the sign-in in $XDG_STATE_HOME/kvlink"
kvl_run 0 --cloud "$SANDBOX_CLOUD" env create --name Contoso \
	--region westeurope
[ -s "$XDG_DATA_HOME/kvlink/environment.json" ] ||
	kvl_fail "env create did not write $XDG_DATA_HOME/kvlink"
[ "$(stat -c %a "$XDG_DATA_HOME/kvlink")" = 700 ] ||
	kvl_fail "the environment directory is not private"

# Relative XDG directories are ignored, as the XDG spec says.
mkdir "$WORK/cwd"
status=0
(cd "$WORK/cwd" && XDG_DATA_HOME=rel XDG_STATE_HOME=rel \
	exec "$KVLINK" --cloud "$SANDBOX_CLOUD" login </dev/null \
	>"$WORK/rel.out" 2>"$WORK/rel.err") || status=$?
[ "$status" -eq 0 ] ||
	kvl_fail "login with relative XDG variables exited with $status:" \
		 "$(cat "$WORK/rel.err")"
[ ! -e "$WORK/cwd/rel" ] || kvl_fail "a relative XDG directory was used"
[ -s "$HOME/.local/state/kvlink/token-cache" ] ||
	kvl_fail "login did not fall back to ~/.local/state/kvlink"

# An environment.json that is not a regular file is named as such.
mkdir -p "$WORK/direnv/environment.json"
chmod 700 "$WORK/direnv"
kvl_run 7 --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/direnv" status
kvl_grep "is not a regular file" "$ERR"

# kvlink-sandbox names itself in its messages and prints no control
# characters from a tenant file; the tenant id must be a GUID.
sandbox_fails() {
	local status=0

	"$KVLINK_SANDBOX" "$@" </dev/null >"$WORK/sb.out" 2>"$WORK/sb.err" ||
		status=$?
	[ "$status" -ne 0 ] || kvl_fail "kvlink-sandbox $* did not fail"
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/sb.err"; then
		kvl_fail "control characters in: $(od -c "$WORK/sb.err")"
	fi
	if grep -qF "$KVLINK_SANDBOX:" "$WORK/sb.err"; then
		kvl_fail "the program's path in: $(cat "$WORK/sb.err")"
	fi
}
sandbox_fails --bogus
kvl_grep "kvlink-sandbox: unknown option '--bogus'" "$WORK/sb.err"
sandbox_fails --port
kvl_grep "kvlink-sandbox: option '--port' needs a value" "$WORK/sb.err"

kvl_sandbox_get /_sandbox/state |
	jq '.tenant.id = "not-a-guid\u001b[2J"' >"$WORK/t-id.json"
sandbox_fails --port 0 --tenant "$WORK/t-id.json"
kvl_grep "must be a GUID" "$WORK/sb.err"
kvl_grep "not-a-guid_[2J" "$WORK/sb.err"
