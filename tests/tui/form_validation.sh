#!/bin/bash
# Inline validation in the connection forms at 80x24: a field's error is
# shown next to it with its label marked '!', and the form's action
# stays dimmed ("unavailable until the fields marked ! are valid") and
# Enter does not go on until every field is valid.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start
. "$KVL_SRCDIR/tests/tui/connections.sh"

UNAVAILABLE="unavailable until the fields marked ! are valid"

conn_setup
conn_open_screen

# Name step: empty, so the name is marked and Continue is unavailable.
kvl_keys a
kvl_screen_wait "Add 1/8 Type"
kvl_type "/SFTP"
kvl_screen_wait "(1 of 12)"
kvl_keys Enter
kvl_screen_wait "Add 2/8 Name"
kvl_screen_has "! Display name:"
kvl_screen_has "Enter a display name."
kvl_screen_has "[ Continue ]  $UNAVAILABLE"
kvl_keys Enter
kvl_screen_has "Add 2/8 Name"
kvl_type "Partner SFTP"
kvl_screen_wait_gone "$UNAVAILABLE"
kvl_screen_has "[ Continue ]"
kvl_screen_lacks "! Display name:"
kvl_keys Enter

# Settings step: the host is required, so Continue starts unavailable,
# but no row is marked before the user has been there.
kvl_screen_wait "Add 3/8 Settings"
kvl_screen_has "[ Continue ]  $UNAVAILABLE"
kvl_screen_lacks "! Host"
# Enter does not go on; it marks the rows that are wrong.
kvl_keys Enter
kvl_screen_wait "! Host"
kvl_screen_has "field(s) need attention"
kvl_screen_has "Add 3/8 Settings"
kvl_type "sftp.contoso.test"
kvl_screen_wait_gone "! Host"

# A port out of range: its label is marked and the reason is next to it.
kvl_keys Tab C-u
kvl_type "70000"
kvl_keys Tab
kvl_screen_wait "! Port"
kvl_screen_has "a port number from 1 to"
kvl_screen_has "[ Continue ]  $UNAVAILABLE"
kvl_keys BTab C-u
kvl_type "2222"
kvl_screen_wait_gone "! Port"
kvl_keys Tab
kvl_type "partner"
kvl_keys Tab
kvl_type "/exports"
kvl_screen_wait_gone "$UNAVAILABLE"
kvl_screen_has "[ Continue ]"
kvl_keys Enter
kvl_screen_wait "Add 4/8"

# Back out of the add flow and quit.
kvl_keys Escape
kvl_screen_wait "Add 3/8 Settings"
kvl_keys Escape
kvl_screen_wait "Add 2/8 Name"
kvl_keys Escape
kvl_screen_wait "Add 1/8 Type"
kvl_screen_wait "Filter: SFTP"
kvl_keys Escape
kvl_screen_wait "12 items; / to filter"
kvl_keys Escape
kvl_screen_wait "Export connections of this environment"
kvl_keys Escape
conn_quit
