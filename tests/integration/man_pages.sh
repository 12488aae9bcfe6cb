#!/bin/bash
# Every man page formats without a warning from man or groff, and
# kvlink-connections(7) describes exactly the connection types that
# kvlink registers (kvlink connection types --output json), each with all
# of its field keys.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

kvl_require_tools man groff

pages=("$KVL_SRCDIR"/man/*.[1-9])
[ "${#pages[@]}" -ge 3 ] || kvl_fail "found only ${#pages[@]} man pages"

for page in "${pages[@]}"; do
	name=$(basename "$page")
	for width in 80 100; do
		LC_ALL=C.UTF-8 MANWIDTH=$width man --warnings -l "$page" \
			>"$WORK/page.txt" 2>"$WORK/man.err" ||
			kvl_fail "man -l $name failed: $(cat "$WORK/man.err")"
		[ -s "$WORK/man.err" ] &&
			kvl_fail "man -l $name at width $width warns:" \
				"$(cat "$WORK/man.err")"
		[ -s "$WORK/page.txt" ] ||
			kvl_fail "man -l $name printed nothing"
	done
	groff -man -Tutf8 -ww -z "$page" 2>"$WORK/groff.err" ||
		kvl_fail "groff failed on $name: $(cat "$WORK/groff.err")"
	[ -s "$WORK/groff.err" ] &&
		kvl_fail "groff warns on $name: $(cat "$WORK/groff.err")"
done

# The types and fields in the code, from the real binary.
kvl_run 0 connection types --output json
jq -r '.types[].id' "$OUT" >"$WORK/types"
[ -s "$WORK/types" ] || kvl_fail "kvlink listed no connection types"

page="$KVL_SRCDIR/man/kvlink-connections.7"
# The page's type sections: ".SS id (Display Name)".
sed -n 's/^\.SS \([a-z0-9]*\) (.*)$/\1/p' "$page" >"$WORK/page-types"
if ! diff -u "$WORK/types" "$WORK/page-types" >"$WORK/types.diff"; then
	cat "$WORK/types.diff" >&2
	kvl_fail "kvlink-connections(7) does not list the types that" \
		"kvlink registers, in their order (- code, + page)"
fi

# Each section names every field key of its type, as ".B key".
while read -r type; do
	section=$(awk -v t="$type" '
		/^\.S[SH] / { inside = ($1 == ".SS" && $2 == t) ; next }
		inside' "$page")
	jq -r --arg t "$type" '.types[] | select(.id == $t) |
		.fields[].key' "$OUT" | while read -r key; do
		grep -qx "\.B $key" <<<"$section" ||
			kvl_fail "kvlink-connections(7) lacks field $key" \
				"of connection type $type"
	done
done <"$WORK/types"

# Types that cannot use Key Vault are named as such.
jq -r '.types[] | select(.keyVault == false) | .id' "$OUT" |
	while read -r type; do
		section=$(awk -v t="$type" '
			/^\.S[SH] / { inside = ($1 == ".SS" && $2 == t); next }
			inside' "$page")
		grep -q 'Key Vault: not offered' <<<"$section" ||
			kvl_fail "kvlink-connections(7) does not say that" \
				"$type cannot take secrets from Key Vault"
	done
