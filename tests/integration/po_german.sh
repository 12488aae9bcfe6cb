#!/bin/bash
# po/de.po is complete and consistent: msgfmt --check -c accepts it, no
# entry is fuzzy or untranslated, and every option, environment variable
# and quoted kvlink command of an English message appears unchanged in
# its German translation.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

kvl_require_tools msgfmt msgattrib msgcmp

po="$KVL_SRCDIR/po/de.po"
grep -qx 'de' "$KVL_SRCDIR/po/LINGUAS" || kvl_fail "po/LINGUAS lacks de"
msgfmt --check -c -o /dev/null "$po" 2>"$WORK/msgfmt.err" ||
	kvl_fail "msgfmt --check -c rejects po/de.po: $(cat "$WORK/msgfmt.err")"

msgattrib --only-fuzzy --no-obsolete "$po" >"$WORK/fuzzy.po"
[ ! -s "$WORK/fuzzy.po" ] ||
	kvl_fail "po/de.po has fuzzy entries: $(grep '^msgid' "$WORK/fuzzy.po")"
msgattrib --untranslated --no-obsolete "$po" >"$WORK/untranslated.po"
[ ! -s "$WORK/untranslated.po" ] ||
	kvl_fail "po/de.po has untranslated entries:" \
		"$(grep '^msgid' "$WORK/untranslated.po")"

# Every message of the template is in the translation.
msgcmp "$po" "$KVL_SRCDIR/po/kvlink.pot" 2>"$WORK/msgcmp.err" ||
	kvl_fail "po/de.po lacks messages of po/kvlink.pot; run" \
		"'make -C build/po update-po' and translate them:" \
		"$(cat "$WORK/msgcmp.err")"

# One line per entry, "msgid<TAB>msgstr", with the C escapes kept, so
# that the tokens of both sides can be compared line by line.
msgattrib --no-wrap --no-obsolete "$po" | awk '
	function text(line) {
		sub(/^[a-z_]+(\[[0-9]\])? "/, "", line)
		sub(/"$/, "", line)
		return line
	}
	/^msgid / { flush(); id = text($0); part = "id"; next }
	/^msgid_plural / { id = id " " text($0); next }
	/^msgstr/ { str = str " " text($0); part = "str"; next }
	/^"/ { if (part == "id") id = id text($0); else str = str text($0)
	       next }
	function flush() { if (id != "") print id "\t" str; id = ""; str = "" }
	END { flush() }' >"$WORK/pairs"
[ "$(wc -l <"$WORK/pairs")" -gt 500 ] ||
	kvl_fail "read only $(wc -l <"$WORK/pairs") entries from po/de.po"

bad=0
while IFS=$'\t' read -r id str; do
	for token in $(grep -oE -- "--[a-z][a-z-]*|\\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\\b" \
	    <<<"$id" | sort -u); do
		if ! grep -qF -- "$token" <<<"$str"; then
			echo "'$token' is missing from: $str" >&2
			bad=1
		fi
	done
	while read -r command; do
		[ -z "$command" ] && continue
		if ! grep -qF -- "$command" <<<"$str"; then
			echo "'$command' is missing from: $str" >&2
			bad=1
		fi
	done < <(grep -oE "'kvlink [^']*'" <<<"$id" | sort -u)
done <"$WORK/pairs"
[ "$bad" -eq 0 ] ||
	kvl_fail "po/de.po changes options, variables or commands (above)"
