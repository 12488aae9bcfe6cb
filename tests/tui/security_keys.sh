#!/bin/bash
# The keys that Admin > Security and Notifications advertise: u and r
# only when they can act, f only while a notification reports access
# that a repair grants again. A key pressed when it cannot act puts the
# reason on the status line.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

cli 0 login
cli 0 env create --name "Contoso CI" --region westeurope

# Nothing linked: Enter sets up, and u and r explain themselves.
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "No key vault is linked to this environment."
kvl_screen_has "Enter setup  Esc back"
kvl_screen_lacks "u unlink"
kvl_screen_lacks "r repair access"
kvl_keys u
kvl_screen_wait "No key vault is linked, so there is nothing to unlink."
kvl_keys r
kvl_screen_wait "No key vault is linked, so there is nothing to repair."
kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_keys n
kvl_screen_wait "r check again"
kvl_screen_lacks "f repair access"
kvl_keys f
kvl_screen_wait "No key vault is linked, so there is nothing to repair."
kvl_keys q
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0

# Linked and healthy: u unlinks, r is not offered.
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 check
kvl_tmux kill-server
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "Vault: kv-ci-prod"
kvl_screen_has "u unlink  Esc back"
kvl_screen_lacks "r repair access"
kvl_keys r
kvl_screen_wait "Nothing to repair: no notification reports missing access"
kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_keys n
kvl_screen_wait "r check again"
kvl_screen_lacks "f repair access"
kvl_keys q
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0

# Access missing: both screens offer the repair.
kvl_curl -f -H 'Content-Type: application/json' \
	-d '{"vault":"kv-ci-prod","action":"remove-policy"}' \
	"$SANDBOX_URL/_sandbox/break" >/dev/null ||
	kvl_fail "POST /_sandbox/break failed"
cli 5 check
kvl_tmux kill-server
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "Vault: kv-ci-prod"
kvl_screen_has "u unlink  r repair access  Esc back"
kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_keys n
kvl_screen_wait "Id: vault.access-policy"
kvl_screen_has "f repair access"
kvl_keys q
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0
echo "security_keys: all checks passed"
