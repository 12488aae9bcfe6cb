#!/bin/bash
# Runs the SFTP core tests (tests/sftp/test_sftp_core.c) against a real
# OpenSSH server that this script starts on loopback.
set -u

. "$KVL_SRCDIR/tests/lib.sh"
. "$KVL_SRCDIR/tests/sftp/sshd.sh"

sftp_require
kvl_test_init
sftp_server_start

export SFTP_DIR SFTP_LOG SFTP_PORT SFTP_USER SFTP_PASSWORD SFTP_PASSPHRASE
export SFTP_HOST_FINGERPRINT
"$KVL_BUILDDIR/tests/sftp/test_sftp_core"
status=$?
if [ "$status" -ne 0 ]; then
	echo "--- sshd log ---"
	cat "$SFTP_LOG"
fi
exit "$status"
