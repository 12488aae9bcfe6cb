#!/bin/bash
# The wizard in a locale that is not UTF-8 (LANG=C) at 80x24: the vault
# list writes "region != ..." in ASCII, draws no byte of a UTF-8
# character as a curses escape such as "~I", and keeps each vault on
# its own row.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

ENV="$WORK/env"
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" login
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" env create \
	--name "Contoso CI" --region westeurope

# tmux starts its session in C.UTF-8; this wrapper switches to C.
REAL_KVLINK=$KVLINK
cat >"$WORK/kvlink-c.sh" <<WRAPPER
#!/bin/sh
LANG=C LC_ALL=C exec "$REAL_KVLINK" "\$@"
WRAPPER
chmod +x "$WORK/kvlink-c.sh"
KVLINK="$WORK/kvlink-c.sh"

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "No key vault is linked"
kvl_keys Enter
kvl_screen_wait "1/6 Subscription"
kvl_screen_wait "Contoso Archive"
kvl_type "/Production"
kvl_screen_wait "(1 of 4)"
kvl_keys Enter
kvl_screen_wait "All resource groups"
kvl_keys Enter
kvl_screen_wait "3/6 Vault"
kvl_screen_wait "kv-legacy-ne"

kvl_screen >"$WORK/screen.txt"
row=$(grep -n "kv-legacy-ne" "$WORK/screen.txt" | head -1 | cut -d: -f1)
sed -n "${row}p" "$WORK/screen.txt" | grep -q "northeurope.*region != west" ||
	kvl_fail_screen "the kv-legacy-ne row lacks 'region != west'"
# A cut name ends in "~ "; a byte that curses could not draw shows as
# "~" or "M-" followed by a letter or symbol.
if grep -qE '~[A-Za-z@^\[]|M-' "$WORK/screen.txt"; then
	kvl_fail_screen "a UTF-8 byte was drawn as a curses escape"
fi
# The row below belongs to another vault, not to a wrapped tail.
next=$((row + 1))
sed -n "${next}p" "$WORK/screen.txt" | grep -q "kv-.*rg-" ||
	kvl_fail_screen "row $next is not a vault row"
