#!/bin/bash
# The saved sign-in. Its two files are private from the moment they are
# created. A cache that cannot be used (truncated, garbage, a directory,
# unreadable) is moved aside with one clear warning, and kvlink goes on.
# A refresh token that the sign-in service replaces is saved.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start --single-use-refresh-tokens

ENV="$WORK/env"
CACHE="$ENV/token-cache"
FABRIKAM_SUB=44444444-4444-4444-8444-444444444444
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# Even with a umask that hides nothing, both files are 0600.
(umask 000 && "$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" login \
	</dev/null >/dev/null 2>&1) || kvl_fail "login with umask 000 failed"
for file in "$CACHE" "$CACHE.key"; do
	[ "$(stat -c %a "$file")" = 600 ] ||
		kvl_fail "$file has mode $(stat -c %a "$file"), expected 600"
done
cp "$CACHE" "$WORK/good-cache"

# Checks the run after damage: exit 4 (not signed in), the warning once,
# naming the cache, what happened and what to do, and the file aside.
expect_set_aside() {
	local what=$1 reason=$2 count

	cli 4 list subscriptions
	count=$(grep -cF "the saved sign-in '$CACHE' cannot be used" "$ERR" ||
		true)
	[ "$count" -eq 1 ] ||
		kvl_fail "$what: warned $count times: $(cat "$ERR")"
	kvl_grep "($reason)" "$ERR"
	kvl_grep "it was moved to '$CACHE.bad'" "$ERR"
	kvl_grep "sign in again with 'kvlink login'" "$ERR"
	[ ! -e "$CACHE" ] || kvl_fail "$what: the cache is still in place"
	[ -e "$CACHE.bad" ] || kvl_fail "$what: no $CACHE.bad"
}

# Puts the cache saved by the first login back in place.
restore() {
	rm -rf "$CACHE" "$CACHE.bad"
	cp "$WORK/good-cache" "$CACHE"
}

size=$(stat -c %s "$WORK/good-cache")
for length in 0 1 12 28 $((size / 2)) $((size - 1)); do
	head -c "$length" "$WORK/good-cache" >"$CACHE"
	expect_set_aside "truncated to $length bytes" \
		"it is damaged or truncated"
	cmp -s "$CACHE.bad" <(head -c "$length" "$WORK/good-cache") ||
		kvl_fail "truncated to $length: the set-aside copy differs"
	rm -f "$CACHE.bad"
done

head -c 2048 /dev/urandom >"$CACHE"
expect_set_aside garbage "it is damaged or truncated"
rm -f "$CACHE.bad"

mkdir "$CACHE"
expect_set_aside directory "it is a directory"
[ -d "$CACHE.bad" ] || kvl_fail "the directory was not the one set aside"

# A cache set aside earlier stays; the next one gets its own name.
rm -rf "$CACHE.bad"
: >"$CACHE.bad"
printf 'not a cache' >"$CACHE"
cli 4 list subscriptions
kvl_grep "it was moved to '$CACHE.bad.1'" "$ERR"
[ -e "$CACHE.bad" ] && [ -e "$CACHE.bad.1" ] ||
	kvl_fail "the earlier set-aside cache was overwritten"
rm -f "$CACHE.bad" "$CACHE.bad.1"

ln -s "$WORK/good-cache" "$CACHE"
expect_set_aside "symbolic link" "it is a symbolic link"
[ -f "$WORK/good-cache" ] || kvl_fail "the link target was touched"
rm -f "$CACHE.bad"

# Mode 000 stops only a user other than root from reading the file.
if [ "$(id -u)" -ne 0 ]; then
	cp "$WORK/good-cache" "$CACHE"
	chmod 000 "$CACHE"
	expect_set_aside unreadable "Permission denied"
	rm -f "$CACHE.bad"
else
	echo "note: running as root, so a mode 000 cache stays readable;" \
	     "the unreadable case is left out" >&2
fi

# After any of these, signing in again works and saves a usable cache.
cli 0 login
cli 0 whoami
[ "$(stat -c %a "$CACHE")" = 600 ] || kvl_fail "the new cache is not 0600"

# Rotation: under --single-use-refresh-tokens a redeemed refresh token is
# revoked. Each run below redeems the saved one for a token it lacks,
# so each succeeds only if the run before saved the new refresh token.
restore
cp "$CACHE" "$WORK/before-rotation"
cli 0 list subscriptions --output json
kvl_json '[.subscriptions[].subscriptionId] | index("'$FABRIKAM_SUB'")' 3
if grep -qF "skipped" "$ERR"; then
	kvl_fail "a tenant was skipped: $(cat "$ERR")"
fi
cmp -s "$CACHE" "$WORK/before-rotation" &&
	kvl_fail "the cache was not rewritten after a refresh"

# The old refresh token is gone for good: the sandbox rejects it.
mkdir "$WORK/stale"
cp "$WORK/before-rotation" "$WORK/stale/token-cache"
cp "$CACHE.key" "$WORK/stale/token-cache.key"
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/stale" \
	list subscriptions
kvl_grep "tenant 'Fabrikam Sandbox'" "$ERR"
kvl_grep "is skipped because the saved sign-in is not accepted there" \
	"$ERR"

# The rotated token works: a Key Vault token for Fabrikam needs it.
cli 0 env create --name Rotation --region westeurope
cli 0 link --subscription "$FABRIKAM_SUB" --vault kv-fabrikam \
	--accept-privacy-statement
log=$(ls "$KVL_REQUEST_LOGS/$KVL_TEST_NAME".*.jsonl)
refreshes=$(jq -s '[.[] | select(.path | endswith("/oauth2/v2.0/token"))
	| select(.status == 200)] | length' $log)
[ "$refreshes" -ge 3 ] ||
	kvl_fail "expected at least 3 successful token requests, got" \
		 "$refreshes"
