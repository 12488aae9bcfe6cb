#!/bin/bash
# The t key of Admin > Connections > Edit at 80x24 tests the saved
# connection against the sandbox's vendor stand-ins: a Key Vault
# SendGrid key passes on the status line, a typed Klaviyo key that the
# vendor rejects opens a dialog naming the step, the status and the
# vendor's text, each field on a line of its own.
# No credential value reaches the screen or its history.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start
. "$KVL_SRCDIR/tests/tui/connections.sh"

WRONG="pk_kvlink-tui-wrong-CLEARTEXT-7e41"

# Fails when a credential value is on the screen or in its history.
values_never_shown() {
	local v

	for v in "$WRONG" SG.sandbox-not-a-real-key; do
		if kvl_tmux capture-pane -p -S - -t kvl | grep -qF -- "$v"
		then
			kvl_fail_screen "credential value $v was shown ($1)"
		fi
	done
}

# open_edit NAME: from Admin > Connections, the editor of NAME.
open_edit() {
	kvl_type "/$1"
	kvl_screen_wait "(1 of 2)"
	kvl_keys Enter
	kvl_screen_wait "Admin > Connections > Edit"
}

conn_setup kv-ci-prod
cli 0 connection add --type sendgrid --name Newsletter --use-key-vault \
	--secret api_key=sendgrid-api-key --accept-privacy-statement
printf '%s\n' "$WRONG" >"$WORK/key.txt"
"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" connection add \
	--type klaviyo --name Audience --credential-stdin api_key \
	--accept-privacy-statement <"$WORK/key.txt" >"$WORK/add.out" 2>&1 ||
	kvl_fail "connection add failed: $(cat "$WORK/add.out")"
rm -f "$WORK/key.txt"

conn_open_screen
open_edit Newsletter
kvl_screen_has "t test"
kvl_keys t
kvl_screen_wait "Test passed: SendGrid accepted the credential"
values_never_shown "after a passed test"
kvl_keys Escape
kvl_screen_wait "Export connections of this environment"

# A rejected key: the dialog names the step and quotes the vendor.
kvl_keys Escape
open_edit Audience
kvl_keys t
kvl_screen_wait "Connection test failed"
kvl_screen_has "Klaviyo rejected the credential"
# Each field starts a line of its own, right after the dialog's border.
for field in "Failed step: authentication" "HTTP status: 401" \
    "Message from Klaviyo: Missing or invalid private key." "Target: "; do
	kvl_screen | grep -qE "(│|[|]) ${field//./\\.}" ||
		kvl_fail_screen "no dialog line starts with '$field'"
done
if kvl_screen | grep -F "Message from Klaviyo" | grep -qF "Target"; then
	kvl_fail_screen "the vendor's message runs into the target"
fi
values_never_shown "in the failure dialog"
kvl_keys Enter
kvl_screen_wait "Admin > Connections > Edit"
kvl_keys Escape
kvl_screen_wait "Export connections of this environment"
kvl_keys Escape
kvl_screen_wait "2 items; / to filter"
kvl_keys Escape
conn_quit

# One vendor request per test.
kvl_sandbox_get /_sandbox/requests >"$WORK/requests.json"
kvl_json '[.value[] | select(.path | startswith("/vendor/"))] | length' 2 \
	"$WORK/requests.json"
conn_no_secret_writes
