#!/bin/bash
# The wizard on a tenant whose names carry escape sequences, controls,
# bidi controls, invalid UTF-8, zero-width, combining, wide and emoji
# characters and a 10,000-character name (tests/fixtures/
# hostile-tenant.sh). Through the subscription, resource group and vault
# lists and an Azure error message that repeats a name, nothing may reach
# tmux but text and colours: the pane title stays, the screen is not
# cleared, no clipboard buffer appears. Columns after a name start at the
# same cell in every row, and the long name ends in "~".
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"

sh "$KVL_SRCDIR/tests/fixtures/hostile-tenant.sh" >"$WORK/tenant.json" ||
	kvl_fail "the hostile tenant could not be written"
kvl_sandbox_start --tenant "$WORK/tenant.json"

ENV="$WORK/env"
SUB=e1110000-0000-4000-8000-00000000e011
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" login
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" env create \
	--name "Hostile CI" --region westeurope

esc=$(printf '\033')
# Rows of the three lists whose columns were checked.
ROWS_CHECKED=0

# width TEXT: display columns of TEXT (wc -L counts with wcwidth).
width() {
	printf '%s' "$1" | LC_ALL=C.UTF-8 wc -L
}

# check_clean WHERE: nothing but text and colours reached tmux.
check_clean() {
	local title

	title=$(kvl_tmux_flag pane_title)
	[ "$title" = "$TITLE" ] ||
		kvl_fail_screen "$1: the pane title changed to '$title'"
	[ -z "$(kvl_tmux list-buffers)" ] ||
		kvl_fail "$1: a clipboard sequence reached tmux: \
$(kvl_tmux list-buffers | cat -v)"
	kvl_screen | head -1 | grep -q '^kvlink ' ||
		kvl_fail_screen "$1: the title bar is gone (screen cleared?)"
	# Only SGR sequences (ESC [ ... m) may remain in the captured pane.
	if kvl_screen_attributes | sed "s/$esc\[[0-9;:]*m//g" |
	   grep -q "$esc"; then
		kvl_fail "$1: an escape sequence other than SGR is on screen: \
$(kvl_screen_attributes | sed "s/$esc\[[0-9;:]*m//g" | grep "$esc" |
  cat -v | head -3)"
	fi
	[ "$(kvl_tmux_flag alternate_on)" = 1 ] ||
		kvl_fail_screen "$1: the wizard left the alternate screen"
}

# check_column WHERE TEXT ROWS: in each of the ROWS screen rows that
# show a name tag (h00 to h15), TEXT starts at the same cell.
check_column() {
	local line cells= rows=0 prefix

	while IFS= read -r line; do
		case "$line" in
		" h"[0-9][0-9]*"$2"*) ;;
		*) continue ;;
		esac
		prefix=${line%%"$2"*}
		rows=$((rows + 1))
		if [ -z "$cells" ]; then
			cells=$(width "$prefix")
		elif [ "$(width "$prefix")" != "$cells" ]; then
			kvl_fail_screen "$1: '$2' starts at cell \
$(width "$prefix") in '$line', at $cells above"
		fi
	done < <(kvl_screen)
	[ "$rows" -eq "$3" ] ||
		kvl_fail_screen "$1: $rows rows show '$2', expected $3"
}

# check_second_column WHERE ROWS: in the vault list the resource group
# (which repeats the vault's tag) starts at the same cell in every row.
check_second_column() {
	local line tag rest cells= rows=0 prefix

	while IFS= read -r line; do
		case "$line" in
		" h"[0-9][0-9]*) ;;
		*) continue ;;
		esac
		tag=${line:1:3}
		rest=${line:4}
		prefix=" $tag${rest%%"$tag"*}"
		rows=$((rows + 1))
		if [ -z "$cells" ]; then
			cells=$(width "$prefix")
		elif [ "$(width "$prefix")" != "$cells" ]; then
			kvl_fail_screen "$1: the second column starts at cell \
$(width "$prefix") in '$line', at $cells above"
		fi
	done < <(kvl_screen)
	[ "$rows" -eq "$2" ] ||
		kvl_fail_screen "$1: $rows rows with a tag, expected $2"
}

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_tmux set-option -g set-clipboard on
kvl_screen_wait "Signed in as: avery@hostile.test"
TITLE=$(kvl_tmux_flag pane_title)
check_clean Home

# Subscriptions: 15 hostile names and h00 home, on one screen at 80x24.
kvl_keys Enter
kvl_screen_wait "Key Vault"
kvl_keys Enter
kvl_screen_wait "1/6 Subscription"
kvl_screen_wait "h15-nnnn"
check_clean subscriptions
check_column subscriptions "e1110000-" 16
ROWS_CHECKED=$((ROWS_CHECKED + 16))
check_column subscriptions "Enabled" 16
kvl_screen | grep -q "h15-n*~ " ||
	kvl_fail_screen "the 10,000-character name does not end in '~'"
kvl_screen_lacks "-END"
kvl_screen_has "h01 title _]0;PWNED-TITLE_ osc"
kvl_screen_has "h05 bidi _gnp.exe_ _a_ _b_ _c_"
# Invalid UTF-8 shows as '_', or as U+FFFD where the core repaired it.
kvl_screen | grep -qE "h06 bad (__|��) utf8 (_|�)\( (__|��) (_|�)2J" ||
	kvl_fail_screen "invalid UTF-8 is not replaced in the h06 row"
kvl_screen_has "h07 zero_width____ join"
kvl_screen_has "h09 wide 東京の金庫"

# Resource groups of h00 home, one per hostile name.
kvl_keys Enter
kvl_screen_wait "2/6 Resource group"
kvl_screen_wait "h15-nnnn"
check_clean "resource groups"
check_column "resource groups" "westeurope" 15
ROWS_CHECKED=$((ROWS_CHECKED + 15))

# Vaults of every resource group: name, resource group, region, model.
kvl_keys Enter
kvl_screen_wait "3/6 Vault"
kvl_screen_wait "h15-nnnn"
check_clean vaults
check_second_column vaults 15
ROWS_CHECKED=$((ROWS_CHECKED + 15))
check_column vaults "westeurope" 15
check_column vaults "policy" 15

# An Azure error message that repeats the hostile names: the first vault
# is purged after the list was read, so reading it again fails with 404.
jq -c '{vault: .vaults[0].name, action: "purge-vault"}' \
	"$WORK/tenant.json" >"$WORK/break.json"
kvl_sandbox_post /_sandbox/break "@$WORK/break.json" >/dev/null
kvl_keys Enter
kvl_screen_wait "Could not check the prerequisites"
kvl_screen_wait "ResourceNotFound"
kvl_screen_has "h01 title _]0;PWNED-TITLE_ osc"
check_clean "error message"
kvl_keys Escape
kvl_screen_wait_gone "Enter or Esc closes this message."

# The checks screen of the vault with the long name: its heading and
# findings cut the name instead of filling the screen with it.
kvl_keys Escape
kvl_screen_wait "3/6 Vault"
kvl_keys End
kvl_keys Enter
kvl_screen_wait "4/6 Checks"
kvl_screen_wait "[passed] Active Azure subscription"
check_clean checks
# The vault's and its resource group's name, cut to 256 columns each:
# four rows apiece at 80 columns.
[ "$(kvl_screen | grep -c nnnnnnnnnn)" -le 8 ] ||
	kvl_fail_screen "the long name fills the checks screen"
kvl_screen | grep -q "n~" ||
	kvl_fail_screen "the long name on the checks screen has no '~'"
kvl_screen_lacks "-END"

kvl_figure 41-terminal-names "Hostile names drawn aligned" \
	"$ROWS_CHECKED list rows with escape sequences, controls, bidi, \
invalid UTF-8, wide, combining and 10,000-character names: columns \
aligned, nothing escaped"
