#!/bin/bash
# The keys every screen shares, at 80x24: the legend ends in "F1 help";
# F1 opens the help overlay over any screen and ? does where nothing takes
# typed text; the overlay explains the screen and the focused item, lists
# the keys, and Esc, ? or F1 closes it. In a text field ? is typed.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
kvl_sandbox_start

LEGEND_ROW=24

kvl_tmux_start 80 24 --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env"
kvl_screen_wait "Create the Customer Insights environment"

# The legend of the first form names the help key.
kvl_screen_wait_row "$LEGEND_ROW" "F1 help"

# ? goes into the name field, F1 opens the help over it.
kvl_type "Contoso?"
kvl_screen_wait "Contoso?"
kvl_screen_lacks "Keys on every screen:"
kvl_keys F1
kvl_screen_wait "Help: New environment"
kvl_screen_has "Creates the Customer Insights environment"
kvl_screen_has "Keys on this screen:"
kvl_screen_has "Esc or ? closes this help."
# Keys other than the closing ones stay in the overlay.
kvl_type "x"
kvl_screen_has "Help: New environment"
kvl_keys Escape
kvl_screen_wait_gone "Help: New environment"
kvl_screen_has "Contoso?"
kvl_screen_lacks "Contoso?x"
kvl_screen_has "Create the Customer Insights environment"

# Ctrl-U clears the name; then the regions list: ? opens the help there
# and names the focused region.
kvl_keys C-u
kvl_screen_wait_gone "Contoso?"
kvl_screen_lacks "! Display name:"
# An empty name is marked at its label, with the reason next to it.
kvl_keys Enter
kvl_screen_wait "! Display name:"
kvl_screen_has "Enter a display name."
kvl_type "Contoso CI"
kvl_screen_wait_gone "! Display name:"
kvl_keys Tab
kvl_type "/westeurope"
kvl_screen_wait "(1 of "
kvl_keys Enter
kvl_screen_wait "Signed in as: avery@contoso.test"

# Home: ? opens the help, which names the selected menu item and lists
# the shared keys; ? closes it again.
kvl_screen_wait_row "$LEGEND_ROW" "q quit  F1 help"
kvl_keys "?"
kvl_screen_wait "Help: Home"
kvl_screen_has "Selected:"
kvl_screen_has "  Admin > Security"
kvl_screen_has "Keys on every screen:"
kvl_screen_has "Tab, Shift-Tab"
# The overlay scrolls: End shows the last shared key.
kvl_keys End
kvl_screen_wait "Ctrl-L"
kvl_screen_has "this help; in a text field only F1 opens it"
kvl_keys "?"
kvl_screen_wait_gone "Help: Home"
kvl_screen_has "Signed in as: avery@contoso.test"

# Down then ? describes the new selection.
kvl_keys Down
kvl_keys "?"
kvl_screen_wait "Help: Home"
kvl_screen_has "  Admin > Connections"
kvl_keys F1
kvl_screen_wait_gone "Help: Home"
kvl_keys Up

# Link step 1: the help shows the whole selected row; / filters; ? is
# typed into the filter; Esc clears the filter, a second Esc goes back.
kvl_keys Enter
kvl_screen_wait "[ Setup ]"
kvl_screen_wait_row "$LEGEND_ROW" "F1 help"
kvl_keys Enter
kvl_screen_wait "1/6 Subscription"
kvl_screen_wait "Contoso Production"
kvl_type "/Production"
kvl_screen_wait "Filter: Production_  (1 of 4)"
kvl_type "?"
kvl_screen_wait "Filter: Production?_  (0 of 4)"
kvl_screen_lacks "Help:"
kvl_keys BSpace
kvl_screen_wait "Filter: Production_  (1 of 4)"
kvl_keys Escape
kvl_screen_wait "4 items; / to filter"
kvl_screen_has "1/6 Subscription"
kvl_type "/Production"
kvl_screen_wait "Filter: Production_  (1 of 4)"
kvl_keys Enter
kvl_screen_wait "2/6 Resource group"
kvl_screen_wait "rg-ci-prod"
kvl_keys Escape
kvl_screen_wait "1/6 Subscription"
kvl_keys F1
kvl_screen_wait "Help: Admin > Security > Key Vault > 1/6 Subscription"
kvl_screen_has "Step 1 of 6: choose the Azure subscription"
kvl_screen_has "Contoso Production"
kvl_screen_has "11111111-1111-4111-8111-111111111111"
kvl_keys Escape
kvl_screen_wait_gone "Help:"
kvl_screen_has "1/6 Subscription"
# The filter is still set: the first Esc clears it, the second goes
# back one step.
kvl_screen_has "Filter: Production  (1 of 4)"
kvl_keys Escape
kvl_screen_wait "4 items; / to filter"
kvl_keys Escape
kvl_screen_wait "[ Setup ]"

# Ctrl-L redraws the same screen.
kvl_keys C-l
kvl_screen_wait "[ Setup ]"
kvl_screen_has "Admin > Security > Key Vault"

kvl_keys Escape
kvl_screen_wait "Signed in as:"
kvl_keys q
kvl_tmux_exit_status 0
