#!/bin/bash
# Every C source with a translatable string (_() or N_()) is listed in
# po/POTFILES.in, so that xgettext offers its strings to translators.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

cd "$KVL_SRCDIR"
missing=$(grep -lE '(^|[^A-Za-z0-9_])N?_\("' -r src --include='*.c' |
	sort | while read -r file; do
		grep -qxF "$file" po/POTFILES.in || echo "$file"
	done)
if [ -n "$missing" ]; then
	kvl_fail "not in po/POTFILES.in:" $missing
fi
# And every listed file exists.
grep -v '^#' po/POTFILES.in | while read -r file; do
	[ -z "$file" ] || [ -f "$file" ] ||
		kvl_fail "po/POTFILES.in lists $file, which does not exist"
done
