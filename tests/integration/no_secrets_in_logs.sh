#!/bin/bash
# Runs after every other test of make check and searches what they left
# for the secrets the sandboxes knew or issued. Every sandbox of the
# suite lists those in $KVL_BUILDDIR/tests/known-secrets (--known-secrets
# and KVLINK_SANDBOX_KNOWN_SECRETS_FILE, set by tests/lib.sh): secret
# values and client secrets of its tenant and state, the managed
# identity header, and every token, refresh token and device code it
# handed out. Every kvlink of the suite wrote a debug log with HTTP
# tracing to $KVL_BUILDDIR/tests/trace-logs (KVLINK_LOG_FILE). Searched
# are those trace logs, the sandboxes' request logs, the output of every
# kvl_run, the environment directories the tests used, and the test
# logs of make check. No value may appear in any of them.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

TESTS_DIR="$KVL_BUILDDIR/tests"
# Values shorter than this are left out: they could match by chance, and
# the sandbox issues none so short.
MIN_LENGTH=12

shopt -s nullglob globstar
known_files=("$KVL_KNOWN_SECRETS"/*.jsonl)
# The suite's trace logs, and the debug logs that tests chose with
# --log-file (kept by tests/lib.sh).
trace_logs=("$KVL_TRACE_LOGS"/*.log "$KVL_LEFTOVERS"/*/logs/*.log)
[ "${#known_files[@]}" -gt 0 ] ||
	kvl_fail "no known-secrets list in $KVL_KNOWN_SECRETS; run the" \
		"whole suite with make check"
[ "${#trace_logs[@]}" -gt 0 ] ||
	kvl_fail "no trace log in $KVL_TRACE_LOGS; run the whole suite" \
		"with make check"

# One value a line. A value of several lines counts line by line.
jq -r '.value' "${known_files[@]}" | awk -v min="$MIN_LENGTH" \
	'length($0) >= min' | sort -u >"$WORK/known.txt" ||
	kvl_fail "jq could not read the known-secrets lists"
known=$(wc -l <"$WORK/known.txt")
tokens=$(jq -r 'select(.kind != "secret value" and
		       .kind != "client secret") | .value' \
	"${known_files[@]}" | sort -u | wc -l)
[ "$tokens" -gt 0 ] || kvl_fail "the sandboxes issued no token"

# The tracing must have run: a log without traced requests would pass
# the search trivially.
traced=$(cat "${trace_logs[@]}" | grep -c '\] http > [A-Z]* https\?://' ||
	true)
[ "$traced" -gt 0 ] ||
	kvl_fail "the trace logs hold no traced HTTP request"
redacted=$(cat "${trace_logs[@]}" | grep -c '<redacted>' || true)
[ "$redacted" -gt 0 ] ||
	kvl_fail "the trace logs hold no redaction at all"

# Everything the tests left, but for the lists of known secrets and this
# test's own output, which make check writes while it runs.
files=()
for f in "$TESTS_DIR"/**; do
	[ -f "$f" ] || continue
	case "$f" in
	"$KVL_KNOWN_SECRETS"/*) continue ;;
	"$TESTS_DIR"/integration/no_secrets_in_logs.*) continue ;;
	*.log | *.trs | *.jsonl | *.out | *.err | *.json | *.txt) ;;
	"$KVL_LEFTOVERS"/*) ;;
	*) continue ;;
	esac
	files+=("$f")
done
[ "${#files[@]}" -gt 0 ] || kvl_fail "no file to search in $TESTS_DIR"

# grep -F with every value as a pattern searches each file once.
if grep -lF -f "$WORK/known.txt" -- "${files[@]}" >"$WORK/hits"; then
	while IFS= read -r f; do
		# The kinds of what leaked, never the values themselves.
		grep -oF -f "$WORK/known.txt" -- "$f" | sort -u |
			while IFS= read -r value; do
				jq -r --arg v "$value" \
					'select(.value == $v) | .kind' \
					"${known_files[@]}" | head -n 1
			done | sort | uniq -c | sed "s|^|$f: |" >&2
	done <"$WORK/hits"
	kvl_fail "known secrets or tokens found in $(wc -l <"$WORK/hits")" \
		"of ${#files[@]} files"
fi

bytes=$(cat "${trace_logs[@]}" | wc -c)
size=$(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1000000 }')
count=$(echo "$known" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta')
figure="0 of $count known secrets and tokens found in"
figure+=" ${#trace_logs[@]} trace logs ($size, $traced traced requests)"
figure+=" and ${#files[@]} files in all"
kvl_figure 50-secrets-in-logs "Known secrets and tokens found in logs" \
	"$figure"
echo "searched ${#files[@]} files for $known known secrets and tokens" \
	"($tokens issued tokens and codes): none found"
