# A real OpenSSH server on loopback for the SFTP tests. Source it from
# bash after tests/lib.sh and kvl_test_init:
#
#   . "$KVL_SRCDIR/tests/sftp/sshd.sh"
#   sftp_require          # exits 77 when the server cannot run here
#   sftp_server_start     # sets SFTP_PORT, SFTP_DIR, SFTP_LOG, ...
#
# The server runs as root inside a private mount namespace (unshare
# --mount). There, test-made /etc/passwd, /etc/shadow and /etc/group are
# bind-mounted over the real ones, so sshd can check the password of a
# test user without any change to the machine. A private tmpfs on
# /run contains the privilege separation directory, the chroot and the
# authorized keys: sshd wants every component of those paths owned by
# root and not writable by others, which /tmp is not. Nothing outside the
# namespace changes.
#
# The user SFTP_USER (uid 4242) signs in with SFTP_PASSWORD or with the
# private key $SFTP_DIR/id_ed25519 (OpenSSH format, no passphrase) or
# $SFTP_DIR/id_rsa.pem (PEM, passphrase SFTP_PASSPHRASE);
# $SFTP_DIR/id_other is a key the server does not accept. Sessions are
# chrooted with internal-sftp only: /export is readable, /locked is not.

SFTP_USER=kvtest
SFTP_PASSWORD='sftp-test-Pass-4242'
SFTP_PASSPHRASE='rsa-test-phrase-77'
SFTP_DIR=
SFTP_PORT=
SFTP_LOG=
SFTP_PID=
SFTP_HOST_FINGERPRINT=

sftp_skip() {
	echo "SKIP: $*"
	exit 77
}

# Exits 77, saying why, when this machine cannot run the test server.
sftp_require() {
	local tool

	[ -n "${SSHD_BIN:-}" ] && [ -x "$SSHD_BIN" ] ||
		sftp_skip "sshd was not found when configure ran; install" \
			"openssh-server (scripts/install-deps) and configure again"
	[ "$(id -u)" -eq 0 ] ||
		sftp_skip "the SFTP test server needs root to bind-mount" \
			"its own /etc/passwd in a private mount namespace"
	for tool in unshare mount ssh-keygen openssl; do
		command -v "$tool" >/dev/null 2>&1 ||
			sftp_skip "$tool is not installed"
	done
	unshare --mount true 2>/dev/null ||
		sftp_skip "unshare --mount fails here (no CAP_SYS_ADMIN?)"
}

# Prints the OpenSSH SHA256 fingerprint of a public key file.
sftp_fingerprint() {
	ssh-keygen -l -E sha256 -f "$1" | awk '{ print $2 }'
}

sftp_make_keys() {
	local d=$SFTP_DIR

	ssh-keygen -q -t ed25519 -N '' -C kvl-host -f "$d/host_ed25519" ||
		kvl_fail "ssh-keygen cannot make the host key"
	ssh-keygen -q -t ed25519 -N '' -C kvl-user -f "$d/id_ed25519" ||
		kvl_fail "ssh-keygen cannot make the user key"
	ssh-keygen -q -t rsa -b 2048 -m PEM -N "$SFTP_PASSPHRASE" \
		-C kvl-rsa -f "$d/id_rsa.pem" ||
		kvl_fail "ssh-keygen cannot make the RSA key"
	ssh-keygen -q -t ed25519 -N '' -C kvl-other -f "$d/id_other" ||
		kvl_fail "ssh-keygen cannot make the other key"
	cat "$d/id_ed25519.pub" "$d/id_rsa.pem.pub" > "$d/authorized_keys"
	SFTP_HOST_FINGERPRINT=$(sftp_fingerprint "$d/host_ed25519.pub")
}

sftp_make_accounts() {
	local d=$SFTP_DIR hash

	hash=$(printf '%s' "$SFTP_PASSWORD" | openssl passwd -6 -stdin) ||
		kvl_fail "openssl passwd cannot hash the test password"
	cat > "$d/passwd" <<-EOF
	root:x:0:0:root:/root:/bin/sh
	sshd:x:100:65534::/run/sshd:/usr/sbin/nologin
	$SFTP_USER:x:4242:4242:kvlink test:/:/bin/sh
	EOF
	cat > "$d/shadow" <<-EOF
	root:*:19000:0:99999:7:::
	sshd:*:19000:0:99999:7:::
	$SFTP_USER:$hash:19000:0:99999:7:::
	EOF
	printf 'root:x:0:\nnogroup:x:65534:\n%s:x:4242:\n' "$SFTP_USER" \
		> "$d/group"
	chmod 600 "$d/shadow"
}

sftp_make_tree() {
	local root=$SFTP_DIR/chroot

	mkdir -p "$root/export" "$root/locked"
	chmod 755 "$root" "$root/export"
	chmod 700 "$root/locked"
	echo one > "$root/export/first.csv"
	echo two > "$root/export/second.csv"
	chown -R 4242:4242 "$root/export"
}

# Writes sshd_config for port $1. LogLevel DEBUG1 logs every
# authentication request, which the tests count. ssh-rsa is accepted
# because libssh2 1.10 (Debian 12) signs with RSA only that way.
sftp_write_config() {
	cat > "$SFTP_DIR/sshd_config" <<-EOF
	ListenAddress 127.0.0.1
	Port $1
	HostKey $SFTP_DIR/host_ed25519
	PidFile $SFTP_DIR/sshd.pid
	UsePAM no
	StrictModes no
	PermitRootLogin no
	PasswordAuthentication yes
	KbdInteractiveAuthentication no
	PubkeyAuthentication yes
	PubkeyAcceptedAlgorithms +ssh-rsa
	AuthorizedKeysFile /run/kvl-sftp/authorized_keys
	ChrootDirectory /run/kvl-sftp/root
	ForceCommand internal-sftp
	Subsystem sftp internal-sftp
	AllowTcpForwarding no
	X11Forwarding no
	MaxAuthTries 6
	LogLevel DEBUG1
	EOF
}

# The script that runs inside the private mount namespace.
sftp_write_namespace_script() {
	local d=$SFTP_DIR

	cat > "$d/namespace.sh" <<-EOF
	set -e
	mount -t tmpfs -o mode=755 kvl-sftp /run
	mkdir -m 755 /run/sshd /run/kvl-sftp /run/kvl-sftp/root
	mount --bind "$d/chroot" /run/kvl-sftp/root
	install -m 644 "$d/authorized_keys" /run/kvl-sftp/authorized_keys
	mount --bind "$d/passwd" /etc/passwd
	mount --bind "$d/shadow" /etc/shadow
	mount --bind "$d/group" /etc/group
	exec "$SSHD_BIN" -D -e -f "$d/sshd_config"
	EOF
}

# Starts sshd on port $1; returns 1 when it does not come up.
sftp_try_port() {
	local i

	sftp_write_config "$1"
	: > "$SFTP_LOG"
	unshare --mount sh "$SFTP_DIR/namespace.sh" >> "$SFTP_LOG" 2>&1 &
	SFTP_PID=$!
	for i in $(seq 1 100); do
		grep -q 'Server listening on' "$SFTP_LOG" && return 0
		kill -0 "$SFTP_PID" 2>/dev/null || break
		sleep 0.1
	done
	sftp_server_stop
	return 1
}

# Makes keys, accounts and the tree in $WORK/sftp and starts the server
# on a free port, retrying on another port when one is taken.
sftp_server_start() {
	local try port

	SFTP_DIR="$WORK/sftp"
	SFTP_LOG="$SFTP_DIR/sshd.log"
	mkdir -p "$SFTP_DIR"
	sftp_make_keys
	sftp_make_accounts
	sftp_make_tree
	sftp_write_namespace_script
	for try in $(seq 1 20); do
		port=$((20000 + RANDOM % 40000))
		if sftp_try_port "$port"; then
			SFTP_PORT=$port
			trap 'sftp_server_stop; kvl_cleanup' EXIT
			return 0
		fi
	done
	cat "$SFTP_LOG" >&2
	kvl_fail "sshd did not start; its log is above"
}

sftp_server_stop() {
	if [ -n "$SFTP_PID" ]; then
		kill "$SFTP_PID" 2>/dev/null
		wait "$SFTP_PID" 2>/dev/null
		SFTP_PID=
	fi
}
