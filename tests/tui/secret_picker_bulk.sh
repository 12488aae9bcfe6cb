#!/bin/bash
# The secret picker at 80x24 on kv-dev-bulk, a vault of more than 10,000
# secrets: the listing runs behind a spinner that Esc cancels, every
# page is read, and the filter finds one secret among them all.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start
. "$KVL_SRCDIR/tests/tui/connections.sh"

S2=22222222-2222-4222-8222-222222222222
cli 0 login
cli 0 env create --name "Contoso Dev" --region eastus
cli 0 link --subscription "$S2" --vault kv-dev-bulk --accept-privacy-statement

conn_open_screen
conn_add_start Klaviyo Audiences
kvl_keys Enter
kvl_screen_wait "[ ] Use Key Vault (Space toggles)"
kvl_keys Space Enter
kvl_screen_wait "Add 5/8 Credentials"

# Esc while the secrets are listed cancels the listing and leaves r to
# try again. The sandbox is stopped first, so the listing is certainly
# still waiting for a page when Esc arrives.
kill -STOP "$SANDBOX_PID"
kvl_keys Enter
kvl_screen_wait "Listing secrets..."
kvl_keys Escape
kvl_screen_wait "Cancelled. Press r to try again"
kill -CONT "$SANDBOX_PID"
kvl_screen_lacks "bulk-secret-"

# r lists them all, following every nextLink.
kvl_keys r
kvl_screen_wait "Listing secrets..."
kvl_screen_wait "10050 items; / to filter"
kvl_screen_has "bulk-secret-00001"
# No secret here backs a certificate, so no line counts them.
kvl_screen_lacks "not offered"

# End reaches the last page; the filter narrows to one secret.
kvl_keys End
kvl_screen_wait "bulk-secret-10050"
kvl_type "/bulk-secret-09001"
kvl_screen_wait "Filter: bulk-secret-09001_  (1 of 10050)"
kvl_keys Enter
kvl_screen_wait "Private API key: secret bulk-secret-09001."

# Every 1000th secret is disabled and asks first.
kvl_keys Enter
kvl_screen_wait "10050 items; / to filter"
kvl_type "/bulk-secret-03000"
kvl_screen_wait "(1 of 10050)"
kvl_screen_has "disabled"
kvl_keys Enter
kvl_screen_wait "Pick an unusable secret?"
kvl_keys n
kvl_screen_wait_gone "Pick an unusable secret?"

# Esc first clears the filter and keeps the picker open.
kvl_keys Escape
kvl_screen_wait "10050 items; / to filter"
kvl_screen_has "Admin > Connections > Credentials > Secret"

kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
pages=$(jq '[.value[] | select(.path == "/kv/kv-dev-bulk/secrets")] |
	length' "$WORK/requests.json")
[ "$pages" -ge 403 ] ||
	kvl_fail "expected one cancelled and one full listing of 403 pages, \
got $pages requests"
conn_no_secret_writes
