#!/bin/bash
# Every screen and dialog of the wizard in German at 132x43, once in
# colour and once under NO_COLOR (see tests/tui/screens.sh for what is
# checked on each).
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
. "$KVL_SRCDIR/tests/tui/tmux.sh"
. "$KVL_SRCDIR/tests/tui/screens.sh"

screens_walk 132 43 color de
screens_walk 132 43 nocolor de
