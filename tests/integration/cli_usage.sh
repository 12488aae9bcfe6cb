#!/bin/bash
# kvlink's command line without Azure: help, version, usage errors, the
# refusal to start the wizard without a terminal, and the privacy
# statement.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

# --help and --version print to stdout and exit 0, wherever they stand.
kvl_run 0 --help
kvl_grep "Usage: kvlink" "$OUT"
kvl_grep "privacy-statement" "$OUT"
[ ! -s "$ERR" ] || kvl_fail "--help wrote to stderr: $(cat "$ERR")"

kvl_run 0 link --vault x --help
kvl_grep "Usage: kvlink" "$OUT"

kvl_run 0 --version
[ "$(head -n1 "$OUT")" = "kvlink 0.1.0" ] ||
	kvl_fail "--version first line is '$(head -n1 "$OUT")'"

# Unknown options and missing values: one line naming the option, exit 2.
kvl_run 2 --frobnicate status
kvl_grep "'--frobnicate'" "$ERR"
kvl_grep "kvlink --help" "$ERR"
[ "$(wc -l <"$ERR")" -eq 1 ] || kvl_fail "expected one line: $(cat "$ERR")"

kvl_run 2 -x
kvl_grep "'-x'" "$ERR"

kvl_run 2 status --env-dir
kvl_grep "'--env-dir' requires a value" "$ERR"

kvl_run 2 --output yaml status
kvl_grep "'yaml'" "$ERR"

kvl_run 2 --auth password login
kvl_grep "--auth" "$ERR"

kvl_run 2 --sandbox --cloud "$WORK/cloud.json" status
kvl_grep "cannot be combined" "$ERR"

# Commands and their options.
kvl_run 2 frobnicate
kvl_grep "unknown command 'frobnicate'" "$ERR"

kvl_run 2 env
kvl_grep "subcommand" "$ERR"

kvl_run 2 list secrets
kvl_grep "unknown subcommand 'secrets'" "$ERR"

kvl_run 2 status --vault kv-ci-prod
kvl_grep "'--vault' does not apply" "$ERR"

kvl_run 2 env create --name Contoso
kvl_grep "missing option '--region'" "$ERR"

kvl_run 2 link --vault kv-ci-prod --accept-privacy-statement
kvl_grep "missing option '--subscription'" "$ERR"

kvl_run 2 link --subscription not-a-guid --vault kv-ci-prod
kvl_grep "invalid subscription id 'not-a-guid'" "$ERR"

kvl_run 2 link --subscription 11111111-1111-4111-8111-111111111111 \
	--vault "kv/../x"
kvl_grep "invalid key vault name" "$ERR"

kvl_run 2 status extra
kvl_grep "unexpected argument 'extra'" "$ERR"

kvl_run 2 --dry-run=yes link
kvl_grep "does not take a value" "$ERR"

# Without a terminal the wizard does not start: kvlink prints why, lists
# the commands and runs line mode, which needs an environment first.
kvl_run 3 --env-dir "$WORK/env"
kvl_grep "needs a terminal" "$ERR"
kvl_grep "starting line mode instead" "$ERR"
kvl_grep "env create" "$ERR"
kvl_grep "link" "$ERR"
kvl_grep "there is no environment in" "$ERR"
[ ! -s "$OUT" ] || kvl_fail "line mode without an environment wrote to \
stdout: $(cat "$OUT")"
[ ! -e "$WORK/env" ] || kvl_fail "line mode created the environment's \
directory"

# The privacy statement needs no sign-in and no environment.
kvl_run 0 privacy-statement
[ -s "$OUT" ] || kvl_fail "privacy-statement printed nothing"

kvl_run 0 privacy-statement --output json
kvl_json '.privacyStatement | length > 0' true

echo "cli_usage: all checks passed"
