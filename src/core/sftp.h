/*
 * SFTP connection tests over libcurl's SSH support (libssh2).
 *
 * A test connects, checks the server's host key against a pinned SHA-256
 * fingerprint, makes exactly one authentication attempt (password or
 * public key, never both, never agent or keyboard-interactive, because
 * some servers lock an account after a few failures) and lists the export
 * folder. Connect timeout 5 s, whole test 15 s.
 *
 * Credentials stay in memory. A private key reaches libssh2 through an
 * anonymous memfd_create() file named by its /proc/self/fd path, so no
 * clear-text copy is written to disk; every copy kvlink makes is wiped
 * with OPENSSL_cleanse(). Reports and messages never contain a
 * credential.
 */
#ifndef KVL_SFTP_H
#define KVL_SFTP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/probe.h"
#include "core/result.h"
#include "core/sink.h"

/* "SHA256:" and 43 characters of unpadded base64, as OpenSSH prints it. */
#define KVL_SFTP_FINGERPRINT_LEN 50

#define KVL_SFTP_CONNECT_TIMEOUT_MS 5000L
#define KVL_SFTP_TOTAL_TIMEOUT_MS 15000L

/* The server to connect to and the folder to list. */
struct kvl_sftp_target {
	const char *host;	/* host name or IP address */
	unsigned port;		/* 0: 22 */
	const char *username;
	const char *folder;	/* absolute path on the server */
};

/*
 * The one credential to offer. When private_key is set it is used (with
 * passphrase, which may be NULL) and password is ignored.
 */
struct kvl_sftp_credential {
	const char *password;
	const char *private_key;	/* PEM or OpenSSH private key block */
	size_t private_key_len;
	const char *passphrase;
};

struct kvl_sftp_host_key {
	char type[64];		/* SSH key type: "ssh-ed25519", "ssh-rsa" */
	char fingerprint[KVL_SFTP_FINGERPRINT_LEN + 1];
};

/* The outcome of the host key check in a test. */
enum kvl_sftp_key_state {
	KVL_SFTP_KEY_NOT_SEEN,	/* no SSH handshake took place */
	KVL_SFTP_KEY_UNPINNED,	/* seen; no fingerprint was pinned */
	KVL_SFTP_KEY_MATCHED,	/* seen and equal to the pinned one */
	KVL_SFTP_KEY_CHANGED,	/* seen and different from the pinned one */
};

struct kvl_sftp_report {
	enum kvl_probe_step step;	/* KVL_PROBE_OK when all passed */
	enum kvl_sftp_key_state key_state;
	struct kvl_sftp_host_key host_key;	/* set unless NOT_SEEN */
	size_t n_entries;	/* names listed in the folder, "." included */
};

/*
 * Checks that text is a fingerprint as OpenSSH prints it: "SHA256:"
 * followed by 43 base64 characters, the last of which encodes only the
 * remaining 4 bits (A, E, I, ..., 8). Returns true when it is.
 */
bool kvl_sftp_fingerprint_valid(const char *text);

/*
 * Computes the OpenSSH SHA-256 fingerprint of a host key blob in SSH wire
 * format and reads its type from the blob's first string. KVL_ERR_PARSE
 * when the blob has no well-formed type.
 */
kvl_result kvl_sftp_host_key_from_blob(const unsigned char *blob, size_t len,
				       struct kvl_sftp_host_key *out,
				       struct kvl_error *err) KVL_NODISCARD;

/*
 * Connects to the target and reads the server's host key without
 * authenticating: the connection ends right after the key exchange.
 * report->host_key and key_state (KVL_SFTP_KEY_UNPINNED) are set on
 * KVL_OK; on failure report->step names the step that failed.
 */
kvl_result kvl_sftp_read_host_key(const struct kvl_sftp_target *target,
				  struct kvl_sftp_report *report,
				  const struct kvl_sink *sink,
				  struct kvl_error *err) KVL_NODISCARD;

/*
 * Runs the whole test. pinned_fingerprint must be set for authentication
 * to happen: when it is NULL the test stops after the key exchange like
 * kvl_sftp_read_host_key() and returns KVL_ERR_PREREQ with key_state
 * KVL_SFTP_KEY_UNPINNED; a different key stops it with KVL_ERR_TLS and
 * KVL_SFTP_KEY_CHANGED. Other failures: KVL_ERR_NETWORK (dns, connect,
 * time-outs), KVL_ERR_TLS (SSH handshake), KVL_ERR_AUTH (credential
 * rejected, or a private key that cannot be read with its passphrase),
 * KVL_ERR_FORBIDDEN (folder not readable), KVL_ERR_NOT_FOUND (no such
 * folder), KVL_ERR_INVALID (bad target or credential), KVL_ERR_CANCELLED
 * (the sink asked to stop). The sink may be NULL.
 */
kvl_result kvl_sftp_test(const struct kvl_sftp_target *target,
			 const char *pinned_fingerprint,
			 const struct kvl_sftp_credential *cred,
			 struct kvl_sftp_report *report,
			 const struct kvl_sink *sink,
			 struct kvl_error *err) KVL_NODISCARD;

#endif
