#!/bin/bash
# The secret picker at 80x24 on kv-ci-prod: every secret's attributes and
# none of their values, no certificate-backed secret, and a confirmation
# before a disabled, expired or not yet valid secret can be picked.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start
. "$KVL_SRCDIR/tests/tui/connections.sh"

conn_setup kv-ci-prod

# picker_row NAME: the picker's row of secret NAME.
picker_row() {
	kvl_screen | grep -E "^ +$1 " ||
		kvl_fail_screen "no row for secret $1"
}

conn_open_screen
conn_add_start SendGrid Newsletter
kvl_screen_wait "no settings besides its credentials"
kvl_keys Enter
kvl_screen_wait "[ ] Use Key Vault (Space toggles)"
kvl_keys Space Enter
kvl_screen_wait "Add 5/8 Credentials"
kvl_keys Enter

# The list: names and attributes; the reason on each unusable row.
kvl_screen_wait "Secret for API key"
kvl_screen_wait "sftp-password"
kvl_screen_has "Not before"
kvl_screen_has "Content type"
kvl_screen_has "1 secret that backs a certificate is not offered."
kvl_screen_lacks "ci-tls-certificate"
for value in sandbox-sftp-password-1 SG.sandbox-not-a-real-key \
	sandbox-disabled-value sandbox-expired-value sandbox-future-value; do
	kvl_screen_lacks "$value"
done
case "$(picker_row old-ftp-password)" in
*" disabled "*text/plain*) ;;
*) kvl_fail_screen "old-ftp-password is not shown as disabled" ;;
esac
case "$(picker_row expired-partner-token)" in
*" expired "*2024-01-01*) ;;
*) kvl_fail_screen "expired-partner-token is not shown as expired" ;;
esac
case "$(picker_row next-year-api-key)" in
*" not yet valid "*2099-01-01*) ;;
*) kvl_fail_screen "next-year-api-key is not shown as not yet valid" ;;
esac
case "$(picker_row sendgrid-api-key)" in
*" enabled "*application/x*) ;;
*) kvl_fail_screen "sendgrid-api-key is not shown as enabled" ;;
esac
case "$(picker_row long-lived-webhook-key)" in
*" enabled "*2100-01-01*) ;;
*) kvl_fail_screen "long-lived-webhook-key does not show its expiry" ;;
esac

# A disabled secret: n keeps the picker open and picks nothing.
kvl_type "/old-ftp"
kvl_screen_wait "(1 of "
kvl_keys Enter
kvl_screen_wait "Pick an unusable secret?"
kvl_screen_has "Secret 'old-ftp-password':"
kvl_screen_has "disabled"
kvl_keys n
kvl_screen_wait_gone "Pick an unusable secret?"
kvl_screen_has "Secret for API key"

# An expired one: Esc also declines.
kvl_keys Escape
kvl_type "/expired"
kvl_screen_wait "(1 of "
kvl_keys Enter
kvl_screen_wait "Pick an unusable secret?"
kvl_screen_has "expired"
kvl_keys Escape
kvl_screen_wait "Secret for API key"
# A stray Enter declines too.
kvl_keys Enter
kvl_screen_wait "Pick an unusable secret?"
kvl_keys Enter
kvl_screen_wait_gone "Pick an unusable secret?"
kvl_screen_has "Secret for API key"

# The disabled one again, confirmed with y: it is picked.
kvl_keys Escape
kvl_type "/old-ftp"
kvl_screen_wait "(1 of "
kvl_keys Enter
kvl_screen_wait "Pick an unusable secret?"
kvl_keys y
kvl_screen_wait "API key: secret old-ftp-password."
kvl_screen_has "Add 5/8 Credentials"

# A usable secret is picked without a question, replacing it.
kvl_keys Enter
kvl_screen_wait "Secret for API key"
kvl_type "/sendgrid"
kvl_screen_wait "(1 of "
kvl_keys Enter
kvl_screen_wait "API key: secret sendgrid-api-key."
kvl_screen_lacks "Pick an unusable secret?"
kvl_keys Escape Escape Escape Escape
kvl_screen_wait "Add 1/8 Type"
# The first Esc clears the type filter, the second leaves the step.
kvl_keys Escape Escape
kvl_screen_wait "No connections yet."
kvl_keys Escape
conn_quit

# Listing secrets read names only: no request fetched a secret's value.
kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
kvl_json '[.value[] | select(.path | test("/kv/kv-ci-prod/secrets/"))] |
	length' 0 "$WORK/requests.json"
conn_no_secret_writes
