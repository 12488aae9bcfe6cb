#!/bin/bash
# kvlink --sandbox: every run starts its own kvlink-sandbox, keeps the
# sandbox tenant beside the environment so that a link survives between
# runs, and leaves no process or temporary file behind.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
sb() { kvl_run "$1" --sandbox --env-dir "$ENV" "${@:2}"; }

no_leftovers() {
	local left cmdline

	left=$(find "$TMPDIR" -mindepth 1 -maxdepth 1 -name 'kvlink-sandbox.*')
	[ -z "$left" ] || kvl_fail "temporary files left behind: $left"
	for cmdline in /proc/[0-9]*/cmdline; do
		if grep -qaF -- "$TMPDIR/kvlink-sandbox." "$cmdline" 2>/dev/null
		then
			kvl_fail "a kvlink-sandbox is still running: $cmdline"
		fi
	done
}

sb 0 login
kvl_grep "avery@contoso.test" "$OUT"
no_leftovers

sb 0 env create --name Contoso --region westeurope
sb 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement \
	--output json
kvl_json .linked true
kvl_json .link.name kv-ci-prod
no_leftovers

# The sandbox tenant and the environment live under --env-dir.
[ -s "$ENV/sandbox-state/sandbox-state.json" ] ||
	kvl_fail "the sandbox state was not kept in $ENV/sandbox-state"
[ -s "$ENV/environment.json" ] || kvl_fail "no environment in $ENV"

# A new run (and so a new sandbox) still sees the link and the grant.
sb 0 status --output json
kvl_json .vault.state linked
kvl_json .vault.name kv-ci-prod
sb 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
kvl_grep "already linked" "$OUT"

# The vault's secrets are read at the URI the new sandbox serves, not at
# the one recorded with the link, which named the first sandbox's port.
sb 0 connection add --type sendgrid --name Mail --use-key-vault \
	--secret api_key=sendgrid-api-key --accept-privacy-statement
sb 0 connection show Mail --output json
kvl_json .connection.useKeyVault true
kvl_json .connection.secrets.api_key sendgrid-api-key

# The wizard entry point without a terminal runs line mode instead; at
# the end of input it ends, and its sandbox with it.
sb 0
kvl_grep "starting line mode instead" "$ERR"
kvl_grep "End of input; leaving line mode." "$OUT"
no_leftovers

# Without --env-dir the sandbox uses its own directory under
# XDG_DATA_HOME, apart from real environments.
kvl_run 0 --sandbox login
kvl_run 0 --sandbox env create --name Sandboxed --region westeurope
[ -s "$XDG_DATA_HOME/kvlink/sandbox/environment.json" ] ||
	kvl_fail "no sandbox environment under XDG_DATA_HOME"
[ ! -e "$XDG_DATA_HOME/kvlink/environment.json" ] ||
	kvl_fail "the sandbox wrote the real environment"
no_leftovers

# SIGTERM while signing in (the device code flow polls once a second):
# exit 130, and the sandbox and its temporary directory are gone.
"$KVLINK" --sandbox --env-dir "$WORK/env-signal" login \
	</dev/null >"$WORK/signal.out" 2>"$WORK/signal.err" &
pid=$!
for i in $(seq 1 200); do
	if grep -q 'sign in' "$WORK/signal.err" 2>/dev/null; then
		break
	fi
	sleep 0.05
done
grep -q 'sign in' "$WORK/signal.err" ||
	kvl_fail "no device code message: $(cat "$WORK/signal.err")"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -eq 130 ] ||
	kvl_fail "SIGTERM gave status $status: $(cat "$WORK/signal.err")"
no_leftovers

# A sandbox that fails to start, or prints something unexpected: a clear
# error, and still nothing left behind. kvlink looks for kvlink-sandbox
# beside its own binary, so a copy of kvlink finds the stand-ins.
mkdir -p "$WORK/bin"
cp "$KVLINK" "$WORK/bin/kvlink"
fake_sandbox() {
	printf '#!/bin/sh\n%s\n' "$1" >"$WORK/bin/kvlink-sandbox"
	chmod +x "$WORK/bin/kvlink-sandbox"
}
fake_run() {
	status=0
	"$WORK/bin/kvlink" --sandbox --env-dir "$WORK/env-fake" status \
		</dev/null >"$WORK/fake.out" 2>"$WORK/fake.err" || status=$?
	[ "$status" -eq "$1" ] ||
		kvl_fail "status $status, expected $1: $(cat "$WORK/fake.err")"
}

fake_sandbox 'echo "kvlink-sandbox: cannot listen: no port" >&2; exit 3'
fake_run 1
kvl_grep "stopped before it was ready (exit status 3)" "$WORK/fake.err"
kvl_grep "cannot listen: no port" "$WORK/fake.err"
no_leftovers

fake_sandbox 'echo "hello"; exec sleep 30'
fake_run 1
kvl_grep "unexpected first line" "$WORK/fake.err"
no_leftovers

echo "cli_sandbox: all checks passed"
