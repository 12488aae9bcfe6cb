#!/bin/bash
# The wizard in German (LANGUAGE=de in C.UTF-8, catalog compiled from
# po/de.po) at 80x24: Home and Admin > Security show German text with
# its umlauts drawn as such, before and after a link.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_catalog de
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

cli 0 login
cli 0 env create --name "Contoso CI" --region westeurope

# tmux starts its session in C.UTF-8; this wrapper adds the language.
REAL_KVLINK=$KVLINK
cat >"$WORK/kvlink-de.sh" <<WRAPPER
#!/bin/sh
LANGUAGE=de KVLINK_LOCALEDIR="$KVLINK_LOCALEDIR" exec "$REAL_KVLINK" "\$@"
WRAPPER
chmod +x "$WORK/kvlink-de.sh"
KVLINK="$WORK/kvlink-de.sh"

# Home, then Admin > Security with nothing linked.
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Angemeldet als: avery@contoso.test"
kvl_screen_has "Admin > Sicherheit"
kvl_screen_has "Benachrichtigungen"
kvl_screen_lacks "Signed in as"
kvl_keys Enter
kvl_screen_wait "Mit dieser Umgebung ist kein Schlüsseltresor verknüpft."
kvl_screen_has "Enter Einrichten  Esc zurück"
kvl_screen_lacks "No key vault is linked"
kvl_keys u
kvl_screen_wait "Es ist kein Schlüsseltresor verknüpft, daher gibt es keine"
# A byte of a UTF-8 character that curses could not draw shows as "~"
# or "M-" followed by a letter or symbol.
kvl_screen >"$WORK/screen.txt"
if grep -qE '~[A-Za-z@^\[]|M-' "$WORK/screen.txt"; then
	kvl_fail_screen "an umlaut was drawn as a curses escape"
fi
kvl_keys Escape
kvl_screen_wait "Angemeldet als:"
kvl_keys q
kvl_tmux_exit_status 0

# Linked: the vault and the German key hints.
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
kvl_tmux kill-server
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Angemeldet als: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "Tresor: kv-ci-prod"
kvl_screen_has "u Verknüpfung aufheben  Esc zurück"
kvl_screen_has "Admin > Sicherheit > Key Vault"
kvl_keys Escape
kvl_screen_wait "Angemeldet als:"
kvl_keys q
kvl_tmux_exit_status 0
