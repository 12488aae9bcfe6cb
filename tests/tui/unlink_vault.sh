#!/bin/bash
# Unlinking from Admin > Security. The u key opens a screen that lists
# the connections that stop working and what is removed. A wrong name is
# rejected in place. The vault's name and Enter remove the access policy
# entry, and the tile offers Setup again. Then `kvlink unlink` on a
# terminal, which asks for the name once more.
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
policies() {
	kvl_sandbox_get /_sandbox/state |
		jq -S '.vaults[] | select(.name == "kv-ci-prod") |
		       .accessPolicies'
}
before=$(policies)
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 connection add --type sftp --name "Nightly files" \
	--field host=sftp.contoso.test --field username=exporter \
	--field folder=/exports --use-key-vault \
	--secret password=sftp-password --accept-privacy-statement
[ "$(policies)" != "$before" ] ||
	kvl_fail "the link added no access policy entry"
# kv-ci-prod gives recommendations, so the check stores notifications.
cli 0 check
notifications() {
	jq -r '(.notifications // []) | length' "$ENV/environment.json"
}
[ "$(notifications)" -gt 0 ] || kvl_fail "the check stored no notification"

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "Vault: kv-ci-prod"
kvl_screen_has "[ u Unlink ]"
kvl_keys u

kvl_screen_wait "Unlink the key vault"
kvl_screen_has "Nightly files"
kvl_screen_has "stop working"
kvl_screen_has "remove the access policy entry"
kvl_screen_has "Vault name:"

# A wrong name changes nothing.
kvl_type "kv-ci-rbac"
kvl_keys Enter
kvl_screen_wait "not the linked vault's name"
kvl_json '.keyVault.state' linked "$ENV/environment.json"

kvl_keys C-u
kvl_type "KV-CI-PROD"
kvl_keys Enter
kvl_screen_wait "Unlinked key vault KV-CI-PROD."
kvl_screen_wait "[ Setup ]"
kvl_screen_has "No key vault is linked"
kvl_screen_lacks "Vault: kv-ci-prod"

kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_screen_has "Notifications: 0 "
kvl_keys q
kvl_tmux_exit_status 0

# The access policies are as before the link, the environment has no
# link, and the connection is still there.
[ "$(policies)" = "$before" ] ||
	kvl_fail "kv-ci-prod's access policies differ from before the link"
kvl_json '.keyVault.state // "none"' none "$ENV/environment.json"
[ "$(notifications)" = 0 ] ||
	kvl_fail "the wizard's unlink kept the vault's notifications"
kvl_json '.lastCheck // "none"' none "$ENV/environment.json"
cli 0 connection list --output json
kvl_json '.connections | length' 1

# `kvlink unlink` on a terminal without --yes asks for the name once
# more: a wrong one exits with status 2 and keeps the link.
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
cli 0 check
[ "$(notifications)" -gt 0 ] || kvl_fail "the check stored no notification"
linked=$(policies)
kvl_tmux kill-server
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
	unlink --vault kv-ci-prod
kvl_screen_wait "Type the name of the key vault (kv-ci-prod)"
kvl_screen_has "Nightly files"
kvl_type "kv-ci-pro"
kvl_keys Enter
kvl_tmux_exit_status 2
kvl_screen_has "the name typed does not match"
kvl_json '.keyVault.state' linked "$ENV/environment.json"
[ "$(policies)" = "$linked" ] || kvl_fail "a wrong name changed the vault"

kvl_tmux kill-server
kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
	unlink --vault kv-ci-prod
kvl_screen_wait "Type the name of the key vault (kv-ci-prod)"
kvl_type "kv-ci-prod"
kvl_keys Enter
kvl_tmux_exit_status 0
kvl_screen_has "Unlinked key vault kv-ci-prod."
[ "$(policies)" = "$before" ] ||
	kvl_fail "kv-ci-prod's access policies differ after the unlink"
kvl_json '.keyVault.state // "none"' none "$ENV/environment.json"
[ "$(notifications)" = 0 ] ||
	kvl_fail "kvlink unlink kept the vault's notifications"

# Notifications left behind by an earlier kvlink, with nothing linked:
# the check has nothing to check, but it removes them.
jq '.notifications = [{"id":"vault.firewall","severity":"error",
	"cause":"old","fix":"old","connections":[]}] |
	.lastCheck = "2026-01-01T00:00:00Z"' "$ENV/environment.json" \
	>"$WORK/doc.json"
chmod 600 "$WORK/doc.json"
mv "$WORK/doc.json" "$ENV/environment.json"
cli 3 check
kvl_grep "no key vault is linked" "$ERR"
[ "$(notifications)" = 0 ] ||
	kvl_fail "a check with nothing linked kept stale notifications"
kvl_json '.lastCheck // "none"' none "$ENV/environment.json"
echo "unlink_vault: all checks passed"
