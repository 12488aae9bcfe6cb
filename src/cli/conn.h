/*
 * Pieces shared by the files of `kvlink connection`: output of
 * connections (conn_show.c) and reading a credential or a confirmation
 * from the terminal or standard input (conn_input.c).
 */
#ifndef KVL_CLI_CONN_H
#define KVL_CLI_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "cli/cli.h"
#include "env/connections.h"
#include "flow/conntest.h"

/* A connection as the command line shows it: never a credential. The
 * typed credentials that fail to decrypt under the key file in env_dir
 * are listed in "undecryptableCredentials". */
json_object *kvl_cli_conn_json(const char *env_dir,
			       const struct kvl_connection *c);

/* The connection named by the NAME argument, or NULL with err set
 * (KVL_ERR_NOT_FOUND). */
struct kvl_connection *kvl_cli_conn_find(const struct kvl_cli *cli,
					 const struct kvl_environment *env,
					 struct kvl_error *err);

/* conn_test.c: connection test. */
kvl_result kvl_cli_conn_test(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;

/* connection types, list and show. */
kvl_result kvl_cli_conn_show(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;

/*
 * Reads one credential from standard input. On a terminal it prints
 * prompt on stderr and reads one line with echo off; otherwise it reads
 * everything up to end of file (at most max bytes), so a private key can
 * be piped in. One trailing newline is dropped. The caller frees *out
 * with kvl_free_secret().
 */
kvl_result kvl_cli_read_credential(const char *prompt, size_t max,
				   char **out, size_t *len,
				   struct kvl_error *err) KVL_NODISCARD;

/*
 * Reads one line from standard input into buf (room for max + 1 bytes)
 * and drops its newline. Returns KVL_ERR_NOT_FOUND at end of input,
 * KVL_ERR_INVALID for a line longer than max, KVL_ERR_CANCELLED after
 * SIGINT and KVL_ERR_IO when the read fails.
 */
kvl_result kvl_cli_read_line(char *buf, size_t max, size_t *len)
	KVL_NODISCARD;
/* kvl_cli_read_line for a secret: on a terminal, prompt goes to stderr
 * once echo is off, and the line is read without echo. */
kvl_result kvl_cli_read_secret_line(const char *prompt, size_t max,
				    char *buf, size_t *len) KVL_NODISCARD;

/* Asks question on the terminal; true only for an answer of y or yes. */
bool kvl_cli_confirm(const char *question);

/*
 * conn_sftp.c: checks the host key of an SFTP-based connection's server
 * against the trusted one before a test, and trusts a new key when
 * --trust-host-key gives its fingerprint or the user confirms it on the
 * terminal. When the server cannot be reached or its key changed (a
 * warning on stderr), the test ends there: res->target is set and
 * res->step names the failed step. res->target stays NULL otherwise.
 */
kvl_result kvl_cli_sftp_host_key(struct kvl_cli *cli,
				 const struct kvl_connection *c,
				 struct kvl_conntest_result *res,
				 struct kvl_error *err) KVL_NODISCARD;

#endif
