#!/bin/bash
# Every screen and dialog of the wizard in English at 80x24: in colour,
# under NO_COLOR and with --no-color (see tests/tui/screens.sh for what
# is checked on each).
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
. "$KVL_SRCDIR/tests/tui/screens.sh"

screens_walk 80 24 color en
screens_walk 80 24 nocolor en
screens_walk 80 24 no-color-option en
