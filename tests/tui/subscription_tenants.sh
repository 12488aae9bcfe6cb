#!/bin/bash
# The wizard's subscription list shows the tenants: at 80x24 the title
# names the selected subscription's tenant, and a wide terminal has a
# Tenant column. A tenant that rejects the saved sign-in is left out
# with a note in the status line. Reloading the list (r) after the
# tenant accepts it again shows that tenant's subscription.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

FABRIKAM=4f5e6d7c-0000-4000-8000-00000000b001
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }
policy() {
	kvl_sandbox_post /_sandbox/sign-in-policy \
		"{\"tenant\": \"$FABRIKAM\", \"signInError\": $1}" >/dev/null
}

cli 0 login
cli 0 env create --name Contoso --region westeurope
policy '"mfa"'

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV"
kvl_screen_wait "Signed in as: avery@contoso.test"
kvl_keys Enter
kvl_screen_wait "[ Setup ]"
kvl_keys Enter
kvl_screen_wait "1/6 Subscription"
kvl_screen_wait "Contoso Archive"
kvl_screen_wait "tenant 'Fabrikam Sandbox'"
kvl_screen_has "multi-factor authentication"
kvl_screen_lacks "Fabrikam Analytics"
# One tenant left: the list looks as it always did.
kvl_screen_lacks "Tenant"
kvl_screen_has "Disabled: unusable"

# Two tenants at 80 columns: names and states stay whole, and the title
# names the selected subscription's tenant.
policy null
kvl_keys r
kvl_screen_wait "Fabrikam Analytics"
kvl_screen_has "Disabled: unusable"
kvl_screen_wait "key vault. Tenant: Contoso Sandbox"
if kvl_screen | grep -qE "State +Tenant"; then
	kvl_fail_screen "a Tenant column was squeezed into 80 columns"
fi
kvl_keys Down Down Down
kvl_screen_wait "key vault. Tenant: Fabrikam Sandbox"

# Wide enough, the Tenant column shows every row's tenant instead.
kvl_tmux resize-window -t kvl -x 120 -y 24
kvl_screen_wait_gone "key vault. Tenant:"
kvl_screen | grep -qE "Fabrikam Analytics +4444[-0-9]+ +Enabled +Fabrikam Sandbox" ||
	kvl_fail_screen "the Fabrikam row does not show its tenant"
kvl_screen | grep -qE "Contoso Archive +3333[-0-9]+ +Disabled: unusable +Contoso Sandbox" ||
	kvl_fail_screen "the Archive row does not show its tenant"
