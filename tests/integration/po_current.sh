#!/bin/bash
# The committed po/kvlink.pot contains every message that xgettext finds
# in the files of po/POTFILES.in, so translators see all of them. When
# this fails, regenerate the template with
#   make -C build/po update-po
# and commit po/kvlink.pot (and the merged po/*.po files).
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

kvl_require_tools xgettext msgcmp

cd "$KVL_SRCDIR"
[ -f po/kvlink.pot ] || kvl_fail "po/kvlink.pot is missing"

# The same keywords and options as po/Makefile's kvlink.pot-update.
options=$(sed -n '/^XGETTEXT_OPTIONS *=/,/[^\\]$/p' po/Makevars |
	sed -e 's/^XGETTEXT_OPTIONS *=//' -e 's/\\$//' | tr '\n' ' ')
[ -n "$options" ] || kvl_fail "no XGETTEXT_OPTIONS in po/Makevars"

grep -v -e '^#' -e '^$' po/POTFILES.in >"$WORK/files"
# shellcheck disable=SC2086
xgettext $options -o "$WORK/fresh.pot" -f "$WORK/files" ||
	kvl_fail "xgettext failed on the files of po/POTFILES.in"
[ -s "$WORK/fresh.pot" ] || kvl_fail "xgettext found no messages"

# msgcmp lists every msgid of the fresh template that the committed one
# lacks; --use-untranslated counts the template's empty msgstrs.
if ! msgcmp --use-untranslated po/kvlink.pot "$WORK/fresh.pot" \
    >"$WORK/msgcmp.out" 2>&1; then
	cat "$WORK/msgcmp.out" >&2
	kvl_fail "po/kvlink.pot lacks messages of the sources; run" \
		"'make -C build/po update-po' and commit po/kvlink.pot"
fi
