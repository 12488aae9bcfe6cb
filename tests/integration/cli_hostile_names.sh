#!/bin/bash
# The command line's lists on a tenant with hostile names (tests/
# fixtures/hostile-tenant.sh). Text output carries no escape sequence,
# C0 or C1 control, bidi control, invisible character or invalid UTF-8,
# keeps its columns aligned and cuts the 10,000-character name with "~".
# JSON output is valid JSON and valid UTF-8, safe to print, and keeps
# each name as Azure sent it, escaped.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

sh "$KVL_SRCDIR/tests/fixtures/hostile-tenant.sh" >"$WORK/tenant.json" ||
	kvl_fail "the hostile tenant could not be written"
kvl_sandbox_start --tenant "$WORK/tenant.json"

ENV="$WORK/env"
SUB=e1110000-0000-4000-8000-00000000e011
export LC_ALL=C.UTF-8
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" login
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" env create \
	--name "Hostile CI" --region westeurope

# Byte patterns that must never reach a terminal: ESC, BEL, BS, CR and
# DEL; C1 controls encoded as UTF-8 (C2 80 to C2 9F); U+202E and U+2066
# to U+2069 (bidi); U+200B to U+200D, U+2060 and U+FEFF (invisible).
UNSAFE=$(printf '[\033\007\010\015\177]|\302[\200-\237]|\342\200[\213-\215\256]|\342\201[\240\246-\251]|\357\273\277')

# check_safe FILE: FILE is valid UTF-8 and contains none of UNSAFE.
check_safe() {
	iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1 ||
		kvl_fail "$1 is not valid UTF-8"
	if LC_ALL=C grep -qE "$UNSAFE" "$1"; then
		kvl_fail "$1 contains a control or invisible character: \
$(LC_ALL=C grep -E "$UNSAFE" "$1" | cat -v | cut -c1-200 | head -3)"
	fi
}

# check_text NAME COLUMN ROWS: text output in $OUT is safe, no line is
# 1,000 columns wide and the long name ends in "~". In each of the ROWS
# rows that start with a name tag, COLUMN starts at the same cell.
check_text() {
	local line cells= rows=0 prefix max

	check_safe "$OUT"
	max=$(wc -L <"$OUT")
	[ "$max" -lt 1000 ] ||
		kvl_fail "$1: a line of $max columns"
	grep -q "h15-n*~ " "$OUT" ||
		kvl_fail "$1: the long name is not cut with '~': \
$(cut -c1-200 "$OUT")"
	if grep -q -- "-END" "$OUT"; then
		kvl_fail "$1: the long name is shown whole"
	fi
	while IFS= read -r line; do
		case "$line" in
		h[0-9][0-9]*"$2"*) ;;
		*) continue ;;
		esac
		prefix=${line%%"$2"*}
		rows=$((rows + 1))
		if [ -z "$cells" ]; then
			cells=$(printf '%s' "$prefix" | wc -L)
		elif [ "$(printf '%s' "$prefix" | wc -L)" != "$cells" ]; then
			kvl_fail "$1: '$2' is not at cell $cells in: $line"
		fi
	done <"$OUT"
	[ "$rows" -eq "$3" ] ||
		kvl_fail "$1: $rows rows show '$2', expected $3"
}

kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" list subscriptions
check_text subscriptions "e1110000-" 16
kvl_grep "h01 title _]0;PWNED-TITLE_ osc" "$OUT"
kvl_grep "h09 wide 東京の金庫" "$OUT"

kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" list resource-groups \
	--subscription "$SUB"
check_text "resource groups" "westeurope" 15

kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" list vaults \
	--subscription "$SUB"
check_text vaults "westeurope" 15
kvl_grep "h05 bidi _gnp.exe_ _a_ _b_ _c_" "$OUT"
kvl_grep "h07 zero_width____ join" "$OUT"

# JSON: the same names, whole and escaped.
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" --output json \
	list subscriptions
check_safe "$OUT"
jq -e . "$OUT" >/dev/null || kvl_fail "invalid JSON: $(head -c 300 "$OUT")"
kvl_grep '"h01 title \u001b]0;PWNED-TITLE\u0007 osc"' "$OUT"
kvl_grep '\u009b31m csi \u0085 nel' "$OUT"
kvl_json '.subscriptions[] | select(.subscriptionId |
	endswith("000000000015")) | .name | length' 10000
kvl_json '.subscriptions[] | select(.subscriptionId |
	endswith("000000000001")) | .name' \
	"$(printf 'h01 title \033]0;PWNED-TITLE\007 osc')"

kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" --output json \
	list vaults --subscription "$SUB"
check_safe "$OUT"
jq -e . "$OUT" >/dev/null || kvl_fail "invalid JSON: $(head -c 300 "$OUT")"
kvl_grep '\u202egnp.exe\u202c \u2066a\u2069' "$OUT"
kvl_grep '"h07 zero\u200bwidth\u200c\u200d\ufeff\u2060 join"' "$OUT"
kvl_grep '"h06 bad �� utf8 �( �� �2J"' "$OUT"
kvl_json '[.vaults[] | select(.name | startswith("h15-"))][0].name |
	length' 10000
