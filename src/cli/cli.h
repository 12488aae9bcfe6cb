/*
 * The command-line twin of the wizard: option parsing, the commands, the
 * sink that reports to the terminal, and the private sandbox started by
 * --sandbox.
 */
#ifndef KVL_CLI_H
#define KVL_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "core/arm.h"
#include "core/result.h"
#include "core/sink.h"
#include "flow/health.h"
#include "flow/link.h"
#include "flow/secret_reader.h"
#include "flow/session.h"

enum kvl_cli_command {
	KVL_CMD_WIZARD,		/* no command given */
	KVL_CMD_HELP,
	KVL_CMD_VERSION,
	KVL_CMD_LOGIN,
	KVL_CMD_LOGOUT,
	KVL_CMD_WHOAMI,
	KVL_CMD_ENV_CREATE,
	KVL_CMD_ENV_SHOW,
	KVL_CMD_IDENTITY_SET,
	KVL_CMD_IDENTITY_SHOW,
	KVL_CMD_IDENTITY_CLEAR,
	KVL_CMD_STATUS,
	KVL_CMD_CHECK,
	KVL_CMD_LIST_SUBSCRIPTIONS,
	KVL_CMD_LIST_RESOURCE_GROUPS,
	KVL_CMD_LIST_VAULTS,
	KVL_CMD_LINK,
	KVL_CMD_UNLINK,
	KVL_CMD_REPAIR,
	KVL_CMD_PRIVACY_STATEMENT,
	KVL_CMD_CONN_ADD,
	KVL_CMD_CONN_LIST,
	KVL_CMD_CONN_SHOW,
	KVL_CMD_CONN_EDIT,
	KVL_CMD_CONN_DELETE,
	KVL_CMD_CONN_TEST,
	KVL_CMD_CONN_TYPES,
	KVL_CMD_CLOUD_LIST,
	KVL_CMD_CLOUD_SHOW,
};

/* Most --field or --secret options one command accepts. */
#define KVL_CLI_MAX_PAIRS 16
#define KVL_CLI_MAX_PAIRS_TEXT "16"

/* Everything the command line asked for; strings point into argv. */
struct kvl_cli_options {
	enum kvl_cli_command command;
	bool sandbox;
	const char *cloud_file;
	const char *env_dir;
	const char *client_id;
	const char *tenant;
	const char *log_file;
	long timeout_s;		/* --timeout; 0: the default */
	enum kvl_auth_method auth_method;
	enum kvl_output output;
	bool no_colour;		/* --no-color */
	bool ascii;		/* --ascii */
	bool plain;		/* --plain: line mode in place of the wizard */

	/* Options of single commands. */
	const char *name;
	const char *region;
	const char *subscription;
	const char *resource_group;
	const char *vault;
	bool accept_privacy_statement;
	bool dry_run;

	/* Options of the connection commands. */
	const char *argument;	/* NAME of connection show, edit, delete */
	const char *type;
	const char *fields[KVL_CLI_MAX_PAIRS];	/* KEY=VALUE */
	size_t n_fields;
	const char *secrets[KVL_CLI_MAX_PAIRS];	/* FIELD=SECRET_NAME */
	size_t n_secrets;
	const char *credential_stdin;	/* field read from standard input */
	const char *audience;
	const char *rename;
	bool use_key_vault;
	bool no_use_key_vault;
	bool yes;
	bool allow_unusable_secret;
	const char *trust_host_key;	/* SHA256 fingerprint of an SFTP key */

	/* Options of env identity set. */
	const char *kind;	/* client-secret, certificate, ... */
	const char *identity_tenant;
	const char *identity_client_id;
	const char *certificate;	/* path of a PEM file */
	bool client_secret_stdin;
};

/* A running kvlink-sandbox started by --sandbox. */
struct kvl_cli_sandbox {
	pid_t pid;		/* 0 when not running */
	int stdout_fd;		/* read end of the sandbox's stdout */
	char *tmp_dir;		/* private directory for the cloud profile */
	char *cloud_file;	/* <tmp_dir>/cloud.json */
	char *ca_file;		/* <tmp_dir>/ca.pem: the run's CA */
	char *stderr_file;	/* <tmp_dir>/sandbox.log */
	char *env_dir;		/* where sandbox environments live */
	char *url;		/* https://127.0.0.1:PORT */
};

/* A credential typed in line mode, which connection add seals like one
 * read for --credential-stdin. */
struct kvl_cli_credential {
	const char *key;	/* the field's key */
	const char *value;
	size_t len;
};

/* State shared by the commands of one run. */
struct kvl_cli {
	struct kvl_cli_options opt;
	struct kvl_session session;
	struct kvl_sink sink;
	bool stderr_tty;
	/* Exit status of a failure the command reported itself (a failed
	 * connection test); 0: the status of its kvl_result. */
	int exit_code;
	/* Line mode's typed credentials for connection add; NULL when the
	 * command line runs it. */
	const struct kvl_cli_credential *typed;
	size_t n_typed;
};

/* Set by SIGINT, SIGTERM and SIGHUP; the sink reports it as a cancel. */
extern volatile sig_atomic_t kvl_cli_interrupted;

/* plain.c: line mode until the user quits or input ends; returns a
 * kvlink exit code. */
int kvl_cli_plain_run(struct kvl_cli *cli);

/* options.c */
kvl_result kvl_cli_parse(int argc, char **argv, struct kvl_cli_options *opt,
			 struct kvl_error *err) KVL_NODISCARD;
void kvl_cli_print_help(FILE *out);
void kvl_cli_print_version(FILE *out);
/* The commands as a list, for messages that point at them. */
const char *kvl_cli_command_summary(void);

/* output.c */
void kvl_cli_sink_init(struct kvl_cli *cli);
/* Flushes and closes stdout; on a write error prints why and returns
 * KVL_EXIT_FAILURE unless code already reports a failure. */
int kvl_cli_close_stdout(int code);
/* Prints a JSON document to stdout, untranslated and pretty-printed. */
void kvl_cli_print_json(json_object *doc);
/* Prints "label:  value" with the value sanitised and labels aligned. */
void kvl_cli_print_field(const char *label, const char *value);
/* Prints text line by line, each line sanitised and indented. */
void kvl_cli_print_lines(FILE *out, const char *indent, const char *text);
/* Adds key: value to obj, or JSON null when value is NULL. */
void kvl_cli_json_add_string(json_object *obj, const char *key,
			     const char *value);
/* Prints the error as "kvlink: ..." on stderr, with a hint for sign-in
 * failures. */
void kvl_cli_print_error(const struct kvl_cli *cli,
			 const struct kvl_error *err);

#define KVL_CLI_TABLE_MAX_COLS 8

/* A text table whose cells are sanitised and aligned by display width. */
struct kvl_cli_table {
	size_t n_cols;
	size_t n_cells;
	char **cells;		/* row-major, header first */
};

kvl_result kvl_cli_table_init(struct kvl_cli_table *t, size_t n_cols,
			      const char *const *header) KVL_NODISCARD;
/* Adds one row of n_cols cells (NULL prints as "-"). */
kvl_result kvl_cli_table_add(struct kvl_cli_table *t,
			     const char *const *row) KVL_NODISCARD;
void kvl_cli_table_print(const struct kvl_cli_table *t, FILE *out);
void kvl_cli_table_clear(struct kvl_cli_table *t);

/* Commands; each fills err when it fails. */
kvl_result kvl_cli_sign_in(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;
kvl_result kvl_cli_require_env(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;
/*
 * Prepares a command that checks the linked vault: requires the
 * environment and a linked vault, signs in and opens the reader of the
 * connection secrets. unlinked is the message when no vault is linked.
 * With forget_stale set, that case also drops notifications left from an
 * earlier link.
 */
kvl_result kvl_cli_open_health(struct kvl_cli *cli, const char *unlinked,
			       bool forget_stale,
			       struct kvl_secret_reader *reader,
			       struct kvl_error *err) KVL_NODISCARD;
/* Signs in and checks that the user is an Admin of the environment;
 * action completes the refusal "only Admins of environment 'X' can ...". */
kvl_result kvl_cli_require_admin(struct kvl_cli *cli, const char *action,
				 const struct kvl_identity **who,
				 struct kvl_error *err) KVL_NODISCARD;
kvl_result kvl_cli_cmd_login(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;
kvl_result kvl_cli_cmd_logout(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;
kvl_result kvl_cli_cmd_whoami(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;
kvl_result kvl_cli_cmd_env_create(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;
kvl_result kvl_cli_cmd_env_show(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;
/* cmd_identity.c: env identity set, show and clear. */
kvl_result kvl_cli_cmd_identity(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;
struct kvl_env_identity;
/* The service identity as JSON, never with its secret. */
json_object *kvl_cli_identity_json(const struct kvl_env_identity *id);

/* The reader of `kvlink check` as {"type": "serviceIdentity" or "user",
 * "kind", "clientId", "name", "objectId", "signedIn"}. */
json_object *kvl_cli_reader_json(const struct kvl_secret_reader *reader);
kvl_result kvl_cli_cmd_status(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;
kvl_result kvl_cli_cmd_check(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;
kvl_result kvl_cli_cmd_list(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;
kvl_result kvl_cli_cmd_link(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;
kvl_result kvl_cli_cmd_unlink(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;
kvl_result kvl_cli_cmd_repair(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;
void kvl_cli_cmd_privacy_statement(const struct kvl_cli *cli);
/* Prints each prerequisite check of plan, the recommendations and any
 * manual steps. */
void kvl_cli_print_plan(const struct kvl_link_plan *plan);
/* default_sub.c: when --subscription is missing, takes az CLI's default
 * subscription if Resource Manager lists it (signing in to check), and
 * says so on stderr; otherwise a usage error. */
kvl_result kvl_cli_default_subscription(struct kvl_cli *cli,
					struct kvl_error *err) KVL_NODISCARD;
/* cmd_cloud.c: cloud list and show, which need no session; returns the
 * exit status. */
int kvl_cli_cmd_cloud(struct kvl_cli *cli);
/* cmd_connection.c: every connection subcommand. */
kvl_result kvl_cli_cmd_connection(struct kvl_cli *cli, struct kvl_error *err)
	KVL_NODISCARD;

/* cmd_status.c: the stored environment and link, shared with env create
 * and link. */
json_object *kvl_cli_env_json(const struct kvl_environment *env);
void kvl_cli_print_env(const struct kvl_environment *env);
json_object *kvl_cli_link_json(const struct kvl_vault_link *link);
void kvl_cli_print_link(const struct kvl_vault_link *link);

/* cmd_list.c: one vault as JSON, shared with link. */
json_object *kvl_cli_vault_json(const struct kvl_vault *vault);

/* sandbox_launch.c */
kvl_result kvl_cli_sandbox_start(struct kvl_cli_sandbox *sb,
				 const char *env_dir, struct kvl_error *err)
	KVL_NODISCARD;
/* Stops the sandbox and removes its temporary directory; idempotent. */
void kvl_cli_sandbox_stop(struct kvl_cli_sandbox *sb);
/* Async-signal-safe last resort for a second signal: kills the sandbox
 * and removes the files it is known to leave. */
void kvl_cli_sandbox_abort(void);

#endif
