# Shared helpers for the shell tests. Source it from bash:
#
#   . "$KVL_SRCDIR/tests/lib.sh"
#   kvl_test_init            # private $WORK directory, removed on exit
#   kvl_sandbox_start        # sets SANDBOX_URL, SANDBOX_CLOUD, SANDBOX_CA
#   kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env" login
#   kvl_curl -f "$SANDBOX_URL/_sandbox/state"
#
# The sandbox serves HTTPS only, with a certificate authority it creates
# for each start. Reach it with kvl_curl (or kvl_sandbox_get), which
# trust that CA; plain curl fails certificate verification.
#
# Every helper that fails prints why and exits 1, so a test stops at the
# first broken expectation. A test that cannot run here exits 77 (skip).

: "${KVL_BUILDDIR:?KVL_BUILDDIR is not set; run the tests with make check}"
: "${KVL_SRCDIR:?KVL_SRCDIR is not set; run the tests with make check}"

KVLINK="$KVL_BUILDDIR/src/kvlink"
KVLINK_SANDBOX="$KVL_BUILDDIR/src/kvlink-sandbox"
# The valgrind suite (scripts/check-sanitizers valgrind) sets
# KVL_VALGRIND=1: the tests then run both programs under memcheck.
if [ -n "${KVL_VALGRIND:-}" ]; then
	KVLINK="$KVL_SRCDIR/tests/valgrind/kvlink"
	KVLINK_SANDBOX="$KVL_SRCDIR/tests/valgrind/kvlink-sandbox"
fi
# A whole number that multiplies every wait of the helpers here and in
# tests/tui/tmux.sh, for programs slowed down by valgrind.
KVL_TIMEOUT_SCALE=${KVL_TIMEOUT_SCALE:-1}

# Output of the last kvl_run: its stdout and stderr files.
OUT=
ERR=

SANDBOX_PID=
# Set once a sandbox did not end after SIGTERM (kvl_sandbox_stop).
SANDBOX_HUNG=
SANDBOX_URL=
SANDBOX_CLOUD=
# The running sandbox's CA certificate (PEM), from the profile's caBundle.
SANDBOX_CA=

# Every sandbox a test starts writes its --request-log here, one file per
# start named after the test. tests/integration/no_secret_writes.sh, the
# last test of make check, reads them all.
KVL_REQUEST_LOGS="$KVL_BUILDDIR/tests/request-logs"
KVL_TEST_NAME=$(basename "$0" .sh)
SANDBOX_STARTS=0

# tests/integration/no_secrets_in_logs.sh, also one of the last tests,
# searches what the suite leaves for the secrets its sandboxes knew or
# issued. Every kvlink a test runs appends its debug log, with HTTP
# tracing, to $KVL_TRACE_LOGS/TEST.log (KVLINK_LOG_FILE). Every sandbox
# lists its secrets in $KVL_KNOWN_SECRETS (--known-secrets, and
# KVLINK_SANDBOX_KNOWN_SECRETS_FILE for those of kvlink --sandbox). The
# output of each kvl_run and a copy of each environment directory go to
# $KVL_LEFTOVERS/TEST.
KVL_TRACE_LOGS="$KVL_BUILDDIR/tests/trace-logs"
KVL_KNOWN_SECRETS="$KVL_BUILDDIR/tests/known-secrets"
KVL_LEFTOVERS="$KVL_BUILDDIR/tests/leftovers"

kvl_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

kvl_cleanup() {
	kvl_sandbox_stop || true
	if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then
		kvl_keep_embedded_logs
		kvl_keep_env_dirs
		kvl_keep_debug_logs
		rm -rf "$WORK"
	fi
	[ -z "$SANDBOX_HUNG" ] || exit 1
}

# Copies the debug logs that the test chose with --log-file (any *.log
# under $WORK) to $KVL_LEFTOVERS/TEST/logs for the search for secrets.
kvl_keep_debug_logs() {
	local log n=0

	mkdir -p "$KVL_LEFTOVERS/$KVL_TEST_NAME/logs"
	while IFS= read -r log; do
		n=$((n + 1))
		cp "$log" "$KVL_LEFTOVERS/$KVL_TEST_NAME/logs/$n-${log##*/}" \
			2>/dev/null || true
	done < <(find "$WORK" -name '*.log' -type f 2>/dev/null)
}

# Copies every environment directory under $WORK (one that contains
# environment.json) to $KVL_LEFTOVERS/TEST/env-N for the search for
# secrets, but for the state of kvlink --sandbox's sandbox, which
# contains the sandbox tenant's secret values by design.
kvl_keep_env_dirs() {
	local file dir copy n=0

	while IFS= read -r file; do
		dir=$(dirname "$file")
		n=$((n + 1))
		copy="$KVL_LEFTOVERS/$KVL_TEST_NAME/env-$n"
		mkdir -p "$copy"
		cp -R "$dir/." "$copy/" 2>/dev/null || true
		rm -rf "$copy/sandbox-state" "$copy/sandbox-state.json"
	done < <(find "$WORK" -name environment.json -type f 2>/dev/null)
}

# Copies the request logs of the sandboxes that `kvlink --sandbox`
# started (sandbox-requests.jsonl beside their state) to
# $KVL_REQUEST_LOGS, so the suite-wide check reads them too.
kvl_keep_embedded_logs() {
	local log n=0

	while IFS= read -r log; do
		n=$((n + 1))
		cp "$log" "$KVL_REQUEST_LOGS/$KVL_TEST_NAME.embedded-$n.jsonl"
	done < <(find "$WORK" -name sandbox-requests.jsonl -type f)
}

# Creates $WORK and makes sure the sandbox and $WORK go away on exit.
# HOME, XDG_* and TMPDIR point into $WORK so that no test touches the
# user's own sign-in, environments or temporary files; the AZURE_*,
# KVLINK_* and proxy variables are cleared so that a developer's shell
# cannot change what a test sees.
kvl_test_init() {
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/kvlink-test.XXXXXX") ||
		kvl_fail "cannot create a temporary directory"
	trap kvl_cleanup EXIT
	trap 'exit 130' INT TERM HUP

	mkdir -p "$WORK/home" "$WORK/tmp" "$KVL_REQUEST_LOGS" \
		"$KVL_TRACE_LOGS" "$KVL_KNOWN_SECRETS"
	# The logs of an earlier run of this test go; those of others stay.
	rm -f "$KVL_REQUEST_LOGS/$KVL_TEST_NAME".*.jsonl
	rm -f "$KVL_TRACE_LOGS/$KVL_TEST_NAME.log"
	rm -f "$KVL_KNOWN_SECRETS/$KVL_TEST_NAME".*.jsonl
	rm -rf "${KVL_LEFTOVERS:?}/$KVL_TEST_NAME"
	mkdir -p "$KVL_LEFTOVERS/$KVL_TEST_NAME"
	export HOME="$WORK/home"
	export XDG_DATA_HOME="$WORK/home/data"
	export XDG_STATE_HOME="$WORK/home/state"
	export TMPDIR="$WORK/tmp"
	unset AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET
	unset AZURE_CONFIG_DIR AZURE_CLOUD_NAME
	unset https_proxy HTTPS_PROXY http_proxy HTTP_PROXY
	unset all_proxy ALL_PROXY no_proxy NO_PROXY
	unset AZURE_CLIENT_CERTIFICATE_PATH AZURE_CLIENT_CERTIFICATE_PASSWORD
	unset AZURE_FEDERATED_TOKEN_FILE IDENTITY_ENDPOINT IDENTITY_HEADER
	unset KVLINK_CLIENT_ID
	export KVLINK_LOG_FILE="$KVL_TRACE_LOGS/$KVL_TEST_NAME.log"
	KVLINK_SANDBOX_KNOWN_SECRETS_FILE="$KVL_KNOWN_SECRETS/$KVL_TEST_NAME"
	export KVLINK_SANDBOX_KNOWN_SECRETS_FILE+=.embedded.jsonl
	# An empty DMI directory: even on an Azure VM, kvlink under test
	# never sends a request to the instance metadata service.
	mkdir -p "$WORK/dmi"
	export KVLINK_TEST_DMI_DIR="$WORK/dmi"

	for tool in jq curl; do
		command -v "$tool" >/dev/null 2>&1 || {
			echo "SKIP: $tool is not installed" \
			     "(scripts/install-deps installs it)" >&2
			exit 77
		}
	done
	[ -x "$KVLINK" ] || kvl_fail "$KVLINK is not built"
}

# Starts kvlink-sandbox on a free loopback port with any extra options,
# and waits for its "listening on" line.
kvl_sandbox_start() {
	local out="$WORK/sandbox.out" i line

	SANDBOX_CLOUD="$WORK/cloud.json"
	SANDBOX_STARTS=$((SANDBOX_STARTS + 1))
	# The listening line of a sandbox started before must not be read
	# as this one's: the shell truncates $out only once the new process
	# runs, which may be after the first look below.
	: >"$out"
	"$KVLINK_SANDBOX" --port 0 --cloud-out "$SANDBOX_CLOUD" \
		--request-log \
		"$KVL_REQUEST_LOGS/$KVL_TEST_NAME.$SANDBOX_STARTS.jsonl" \
		--known-secrets \
		"$KVL_KNOWN_SECRETS/$KVL_TEST_NAME.$SANDBOX_STARTS.jsonl" \
		"$@" >"$out" 2>"$WORK/sandbox.err" &
	SANDBOX_PID=$!

	for i in $(seq 1 $((100 * KVL_TIMEOUT_SCALE))); do
		line=$(grep -m1 'listening on ' "$out" 2>/dev/null || true)
		if [ -n "$line" ]; then
			SANDBOX_URL=${line##*listening on }
			case "$SANDBOX_URL" in
			https://127.0.0.1:[0-9]*) ;;
			*) kvl_fail "unexpected sandbox line: $line" ;;
			esac
			SANDBOX_CA=$(jq -r '.caBundle // empty' \
				"$SANDBOX_CLOUD") ||
				kvl_fail "cannot read $SANDBOX_CLOUD"
			[ -f "$SANDBOX_CA" ] ||
				kvl_fail "the sandbox wrote no CA" \
					"certificate: caBundle is" \
					"'$SANDBOX_CA'"
			return 0
		fi
		if ! kill -0 "$SANDBOX_PID" 2>/dev/null; then
			cat "$WORK/sandbox.err" >&2
			SANDBOX_PID=
			kvl_fail "kvlink-sandbox exited before listening"
		fi
		sleep 0.1
	done
	kvl_fail "kvlink-sandbox did not print its listening line in" \
		"$((10 * KVL_TIMEOUT_SCALE)) s"
}

# Whether process PID exists and has not ended (a child that ended but
# was not waited for yet is a zombie, which kill -0 still finds).
kvl_alive() {
	local stat

	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# Stops the sandbox with SIGTERM. A sandbox still running 60 s later
# (times KVL_TIMEOUT_SCALE) is killed with an error message, and
# SANDBOX_HUNG is set so that the test fails at its exit instead of
# holding up the whole suite. Returns 1 in that case.
kvl_sandbox_stop() {
	local pid=${SANDBOX_PID:-} i

	[ -n "$pid" ] || return 0
	SANDBOX_PID=
	kill "$pid" 2>/dev/null || true
	# A test may have stopped it with SIGSTOP; SIGTERM acts only once
	# it runs again.
	kill -CONT "$pid" 2>/dev/null || true
	for i in $(seq 1 $((600 * KVL_TIMEOUT_SCALE))); do
		kvl_alive "$pid" || break
		sleep 0.1
	done
	if kvl_alive "$pid"; then
		echo "FAIL: kvlink-sandbox (process $pid) did not end" \
		     "within $((60 * KVL_TIMEOUT_SCALE)) s of SIGTERM;" \
		     "killed it. Its threads (name, state, wait channel):" >&2
		for i in /proc/"$pid"/task/*; do
			echo "  $(cat "$i/comm" 2>/dev/null)" \
			     "$(cut -d' ' -f3 "$i/stat" 2>/dev/null)" \
			     "$(cat "$i/wchan" 2>/dev/null)" >&2
		done
		tail -n 5 "$WORK/sandbox.err" >&2 2>/dev/null || true
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		SANDBOX_HUNG=1
		return 1
	fi
	wait "$pid" 2>/dev/null || true
}

# Runs curl with the running sandbox's CA as the only trusted one, silent
# except for errors, and with a 10 s limit (times KVL_TIMEOUT_SCALE):
# kvl_curl [CURL-OPTION]... URL
kvl_curl() {
	[ -n "$SANDBOX_CA" ] ||
		kvl_fail "kvl_curl needs a running sandbox (kvl_sandbox_start)"
	curl --cacert "$SANDBOX_CA" -sS \
		--max-time $((10 * KVL_TIMEOUT_SCALE)) "$@"
}

# GETs a path of the running sandbox and prints the body.
kvl_sandbox_get() {
	kvl_curl -f "$SANDBOX_URL$1" ||
		kvl_fail "GET $1 from the sandbox failed"
}

# POSTs a JSON body to a path of the running sandbox and prints the
# response body: kvl_sandbox_post /_sandbox/break '{"action":...}'
kvl_sandbox_post() {
	kvl_curl -f -H 'Content-Type: application/json' --data-binary "$2" \
		"$SANDBOX_URL$1" ||
		kvl_fail "POST $1 to the sandbox failed"
}

# Runs kvlink with stdin from /dev/null (no terminal) and checks its exit
# status: kvl_run EXPECTED ARG... Its output is in $OUT and $ERR.
kvl_run() {
	local expected=$1 status=0
	shift

	OUT="$WORK/last.out"
	ERR="$WORK/last.err"
	"$KVLINK" "$@" </dev/null >"$OUT" 2>"$ERR" || status=$?
	# $(<FILE) needs no program, as some tests run with a bare PATH.
	printf '%s\n' "$(<"$OUT")" >>"$KVL_LEFTOVERS/$KVL_TEST_NAME/kvl_run.out"
	printf '%s\n' "$(<"$ERR")" >>"$KVL_LEFTOVERS/$KVL_TEST_NAME/kvl_run.err"
	if [ "$status" -ne "$expected" ]; then
		echo "--- stdout" >&2
		cat "$OUT" >&2
		echo "--- stderr" >&2
		cat "$ERR" >&2
		kvl_fail "kvlink $* exited with $status, expected $expected"
	fi
}

# kvl_json FILTER EXPECTED [FILE]: the jq filter's raw output on FILE
# (default $OUT) must equal EXPECTED.
kvl_json() {
	local got

	got=$(jq -r "$1" "${3:-$OUT}") ||
		kvl_fail "jq '$1' failed on $(cat "${3:-$OUT}")"
	[ "$got" = "$2" ] ||
		kvl_fail "jq '$1' gave '$got', expected '$2'"
}

# kvl_figure KEY LABEL VALUE records one measured figure for the table
# in README.md (make figures). KEY orders the rows ("20-kill-runs").
kvl_figure() {
	mkdir -p "$KVL_BUILDDIR/tests/figures" ||
		kvl_fail "cannot create $KVL_BUILDDIR/tests/figures"
	printf '%s\t%s\n' "$2" "$3" >"$KVL_BUILDDIR/tests/figures/$1.tsv"
}

# kvl_grep PATTERN FILE: FILE must contain the fixed string PATTERN.
kvl_grep() {
	grep -qF -- "$1" "$2" ||
		kvl_fail "'$1' not found in: $(cat "$2")"
}

# kvl_require_tools TOOL...: skips the test (exit 77) when one of the
# programs is not on PATH.
kvl_require_tools() {
	local tool

	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 && continue
		echo "SKIP: $tool is not installed" \
		     "(scripts/install-deps installs it)" >&2
		exit 77
	done
}

# kvl_catalog LL: compiles po/LL.po into $WORK/locale, laid out as an
# installed locale directory, and exports KVLINK_LOCALEDIR pointing at
# it, so that kvlink run with LANGUAGE=LL uses the translation of the
# source tree.
kvl_catalog() {
	local dir="$WORK/locale/$1/LC_MESSAGES"

	kvl_require_tools msgfmt
	mkdir -p "$dir" || kvl_fail "cannot create $dir"
	msgfmt --check -o "$dir/kvlink.mo" "$KVL_SRCDIR/po/$1.po" ||
		kvl_fail "msgfmt failed on po/$1.po"
	export KVLINK_LOCALEDIR="$WORK/locale"
}
