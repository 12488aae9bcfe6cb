#!/bin/bash
# The wizard's display options: --help and the parser, then the wizard
# at 80x24. --no-color: Home, Admin >
# Security and the vault step carry no colour SGR sequence, while the
# same screens without it do. --ascii in German (UTF-8 locale, so
# nothing else would turn it on): no byte beyond ASCII on those screens,
# boxes drawn with '+', '-' and '|', and "region != west..." in the
# vault list; without --ascii the same screens show umlauts and lines.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_catalog de
kvl_sandbox_start

# The options are global: --help lists them, commands accept them
# before or after their words, and neither takes a value.
kvl_run 0 --help
kvl_grep "--no-color" "$OUT"
kvl_grep "--ascii" "$OUT"
kvl_run 0 --no-color --ascii --version
kvl_run 2 --no-color=yes
kvl_grep "option '--no-color' does not take a value" "$ERR"
kvl_run 2 --ascii=1
kvl_grep "option '--ascii' does not take a value" "$ERR"

ENV="$WORK/env"
kvl_run 3 --no-color --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" status \
	--ascii
kvl_grep "there is no environment" "$ERR"
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" login
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" env create \
	--name "Contoso CI" --region westeurope

esc=$(printf '\033')
# Foreground and background colours: 30-38, 40-48, 90-97, 100-107 (38
# and 48 start the 256-colour and direct-colour forms). 39 and 49 only
# reset to the default colours, which tmux writes on every capture.
colour_sgr="$esc\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;[0-9;]*)?m"

# has_colour FILE: whether the captured pane in FILE has a colour SGR.
has_colour() {
	grep -qE "$colour_sgr" "$1"
}

# has_non_ascii FILE: whether FILE has a byte beyond ASCII.
has_non_ascii() {
	LC_ALL=C grep -q "$(printf '[\200-\377]')" "$1"
}

# visit NAME: saves the Home, Admin > Security and vault step panes as
# $WORK/NAME-home.txt, -security.txt and -vault.txt, with attributes
# (tmux capture-pane -e), and the last two also as plain text in
# -security-text.txt and -vault-text.txt. The wizard must be in English
# or German.
visit() {
	kvl_screen_wait "avery@contoso.test"
	kvl_screen_attributes >"$WORK/$1-home.txt"
	kvl_keys Enter
	kvl_screen_wait "Esc"
	kvl_screen_wait_gone "avery@contoso.test"
	kvl_screen_attributes >"$WORK/$1-security.txt"
	kvl_screen >"$WORK/$1-security-text.txt"
	kvl_keys Enter
	kvl_screen_wait "1/6"
	kvl_screen_wait "Contoso Archive"
	kvl_type "/Production"
	kvl_screen_wait "(1"
	kvl_keys Enter
	kvl_screen_wait "2/6"
	kvl_screen_wait "rg-ci-prod"
	kvl_keys Enter
	kvl_screen_wait "3/6"
	kvl_screen_wait "kv-legacy-ne"
	kvl_screen_attributes >"$WORK/$1-vault.txt"
	kvl_screen >"$WORK/$1-vault-text.txt"
	# SIGINT to kvlink alone: C-c would also stop the tmux wrapper.
	kill -s INT "$(cat "$WORK/kvlink.pid")"
	kvl_tmux_exit_status 130
	kvl_tmux kill-server
}

# The control: the same screens in colour.
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
visit colour
for screen in home security vault; do
	has_colour "$WORK/colour-$screen.txt" ||
		kvl_fail "the $screen screen has no colour without --no-color"
done

kvl_tmux_start 80 24 --no-color --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
visit mono
for screen in home security vault; do
	if has_colour "$WORK/mono-$screen.txt"; then
		kvl_fail "colour SGR on the $screen screen under --no-color: \
$(grep -E "$colour_sgr" "$WORK/mono-$screen.txt" | cat -v | head -3)"
	fi
done
head -1 "$WORK/mono-home.txt" | grep -q "$esc\[7m" ||
	kvl_fail "the title bar is not in reverse video under --no-color"

# German in a UTF-8 locale, so that the text has umlauts and boxes
# would use line-drawing characters.
kvl_tmux_kvlink_env LANGUAGE=de KVLINK_LOCALEDIR="$KVLINK_LOCALEDIR"

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
visit unicode
for screen in home security vault; do
	has_non_ascii "$WORK/unicode-$screen.txt" ||
		kvl_fail "the German $screen screen is all ASCII without --ascii"
done

kvl_tmux_start 80 24 --ascii --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
visit ascii
for screen in home security vault; do
	if has_non_ascii "$WORK/ascii-$screen.txt"; then
		kvl_fail "a byte beyond ASCII on the $screen screen under \
--ascii: $(LC_ALL=C grep "$(printf '[\200-\377]')" \
			"$WORK/ascii-$screen.txt" | cat -v | head -3)"
	fi
done
grep -qE '^ *\+-+\+ *$' "$WORK/ascii-security-text.txt" ||
	kvl_fail "no '+---+' box edge on Admin > Security under --ascii"
grep -qE '^ *\|.*\| *$' "$WORK/ascii-security-text.txt" ||
	kvl_fail "no '|' box side on Admin > Security under --ascii"
grep "kv-legacy-ne" "$WORK/ascii-vault-text.txt" | grep -q "!= west" ||
	kvl_fail "the kv-legacy-ne row lacks '!= west' under --ascii"
