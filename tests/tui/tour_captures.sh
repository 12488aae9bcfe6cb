#!/bin/bash
# The README's tour: scripts/capture-tour, run now, writes the same
# screens as the committed docs/tour/*.txt, and every capture that the
# README shows (after a "<!-- tour: docs/tour/NAME.txt -->" line) is the
# committed file.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"

TMPDIR=$WORK KVLINK=$KVLINK TMUX_BIN=$TMUX_CMD \
	"$KVL_SRCDIR/scripts/capture-tour" "$WORK/tour" ||
	kvl_fail "scripts/capture-tour failed"

committed=$(cd "$KVL_SRCDIR/docs/tour" && ls)
captured=$(cd "$WORK/tour" && ls)
[ -n "$committed" ] || kvl_fail "docs/tour has no captures"
[ "$committed" = "$captured" ] ||
	kvl_fail "docs/tour has $(echo $committed), the script wrote" \
		"$(echo $captured); run scripts/capture-tour"
for name in $committed; do
	diff -u "$KVL_SRCDIR/docs/tour/$name" "$WORK/tour/$name" >&2 ||
		kvl_fail "docs/tour/$name is out of date;" \
			"run scripts/capture-tour"
done

# shown PATH: prints the code block that follows the README's marker of
# PATH.
shown() {
	awk -v marker="<!-- tour: $1 -->" '
		$0 == marker { found = 1; next }
		found == 1 && /^```/ { found = 2; next }
		found == 2 && /^```/ { exit }
		found == 2 { print }
	' "$KVL_SRCDIR/README.md"
}

markers=$(grep -o '<!-- tour: [^ ]* -->' "$KVL_SRCDIR/README.md" |
	sed 's/^<!-- tour: \(.*\) -->$/\1/')
[ -n "$markers" ] || kvl_fail "README.md shows no capture of the tour"
for path in $markers; do
	[ -f "$KVL_SRCDIR/$path" ] ||
		kvl_fail "README.md shows $path, which does not exist"
	shown "$path" >"$WORK/shown.txt"
	diff -u "$KVL_SRCDIR/$path" "$WORK/shown.txt" >&2 ||
		kvl_fail "README.md does not show $path as committed"
done
