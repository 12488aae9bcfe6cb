#!/bin/bash
# The programs kvlink starts get no secret: neither az (here the
# stand-in tests/fixtures/az-standin.sh, which records its arguments,
# environment and core file size limit) nor the kvlink-sandbox that
# --sandbox starts (here a script in its place that records the same and
# then runs the real one). kvlink runs with secrets in its own
# environment, and each must be missing from what the children got,
# while a harmless variable set beside them must be there.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

RILEY=a0000000-0000-4000-8000-000000000002
# Variables that carry secrets, each with a value found nowhere else.
declare -A SECRETS=(
	[AZURE_CLIENT_SECRET]=child-env-client-secret-5b1e
	[AZURE_CLIENT_CERTIFICATE_PASSWORD]=child-env-pfx-password-93c0
	[IDENTITY_HEADER]=child-env-identity-header-4a7f
	[MSI_SECRET]=child-env-msi-secret-d2e8
	[KVLINK_TEST_API_TOKEN]=child-env-kvlink-token-61aa
	[SFTP_PASSWORD]=child-env-sftp-password-0c3d
)
for name in "${!SECRETS[@]}"; do
	export "$name=${SECRETS[$name]}"
done
export KVL_HARMLESS_MARKER=child-env-harmless-marker
# A core file size limit above zero, where the hard limit allows it, so
# that the children's zero shows kvlink's own setting.
ulimit -S -c "$(ulimit -H -c)" 2>/dev/null || true

# Fails when any secret's name or value is in FILE, or the marker is not.
check_env_log() {
	local file=$1 who=$2 name

	[ -s "$file" ] || kvl_fail "$who recorded no environment in $file"
	kvl_grep "KVL_HARMLESS_MARKER=child-env-harmless-marker" "$file"
	for name in "${!SECRETS[@]}"; do
		if grep -qF -- "${SECRETS[$name]}" "$file"; then
			kvl_fail "$who got the value of $name: $(cat "$file")"
		fi
		if grep -q "^$name=" "$file"; then
			kvl_fail "$who got the variable $name"
		fi
	done
	kvl_grep "core file size limit: 0" "$file"
}

# Fails when any secret's value is among a child's arguments in FILE.
check_argv_log() {
	local file=$1 who=$2 name

	[ -s "$file" ] || kvl_fail "$who recorded no arguments in $file"
	for name in "${!SECRETS[@]}"; do
		if grep -qF -- "${SECRETS[$name]}" "$file"; then
			kvl_fail "$who got the value of $name as an argument"
		fi
	done
}

# az: the stand-in signs in Riley Reader with a real sandbox token.
mkdir -p "$WORK/bin" "$WORK/azure"
cp "$KVL_SRCDIR/tests/fixtures/az-standin.sh" "$WORK/bin/az"
chmod +x "$WORK/bin/az"
export PATH="$WORK/bin:$PATH"
export AZURE_CONFIG_DIR="$WORK/azure"
export AZ_STANDIN_SANDBOX="$SANDBOX_URL" AZ_STANDIN_USER="$RILEY"
export AZ_STANDIN_LOG="$WORK/az-argv" AZ_STANDIN_ENV_LOG="$WORK/az-env"
export AZ_STANDIN_CURL_OPTS="--cacert $SANDBOX_CA"

kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$WORK/env" \
	--auth azure-cli whoami --output json
kvl_json .objectId "$RILEY"
check_env_log "$AZ_STANDIN_ENV_LOG" "az"
check_argv_log "$AZ_STANDIN_LOG" "az"
kvl_grep "AZ_STANDIN_USER=$RILEY" "$AZ_STANDIN_ENV_LOG"

# kvlink-sandbox: kvlink starts the one beside its own executable, so a
# copy of kvlink runs beside a recording script of that name.
mkdir -p "$WORK/sbbin"
cp "$KVLINK" "$WORK/sbbin/kvlink"
cat >"$WORK/sbbin/kvlink-sandbox" <<EOF
#!/bin/bash
printf '%s\n' "\$@" >>"$WORK/sandbox-argv"
tr '\\0' '\\n' </proc/\$\$/environ >>"$WORK/sandbox-env"
printf 'core file size limit: %s\n' "\$(ulimit -c)" >>"$WORK/sandbox-env"
exec "$KVLINK_SANDBOX" "\$@"
EOF
chmod +x "$WORK/sbbin/kvlink-sandbox"
KVLINK="$WORK/sbbin/kvlink" kvl_run 0 --sandbox --env-dir "$WORK/sbenv" \
	login
kvl_grep "avery@contoso.test" "$OUT"
check_env_log "$WORK/sandbox-env" "kvlink-sandbox"
check_argv_log "$WORK/sandbox-argv" "kvlink-sandbox"
